/* libecert internals shared between lib/ files files. */
#ifndef ECERT_PRIV_H
#define ECERT_PRIV_H

#include <stdarg.h>
#include <yaml.h>

#include "ecert.h"

#define ECERT_BUSY_TIMEOUT_MS 30000

int ecert_bind_text(sqlite3_stmt *st, int i, const char *s);
int ecert_key_parse_pub(const char *b64, unsigned char pk[32]);
int ecert_key_field(char *line, const char *name, char **val);

/* catalog.c: definitions that change by versions */
int ecert_definition_current(struct ecert_store *s, const char *table,
    const char *code, const char *def, int *version, int *same,
    struct ecert_error *e);
int ecert_definition_history(struct ecert_store *s, const char *table,
    const char *code, int version, const char *def, const char *when,
    const char *actor_unit, struct ecert_error *e);

/* yaml.c: strict YAML reading shared by the catalog and the matters */
struct ecert_yaml {
	yaml_parser_t parser;
	yaml_event_t ev;	/* the current event */
	int have_ev;
	const char *path;
	struct ecert_error *e;
};

enum ecert_yaml_kind {
	ECERT_YAML_LINE,	/* one-line string */
	ECERT_YAML_TEXT,	/* string, line breaks and tabs allowed */
	ECERT_YAML_BOOL,
	ECERT_YAML_INT,
	ECERT_YAML_OWN		/* read by the field's want */
};

struct ecert_yaml_field {
	const char *name;
	enum ecert_yaml_kind kind;
	int required;
	long long lo, hi;	/* code points for strings, values for integers */
	int (*check)(struct ecert_yaml *, const char *, const yaml_mark_t *);
	int (*want)(struct ecert_yaml *, const struct ecert_yaml_field *,
	    json_t **);
};

int ecert_yaml_fail(struct ecert_yaml *y, const yaml_mark_t *mark,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void ecert_yaml_quote(char *out, size_t n, const char *s, size_t len);
int ecert_yaml_next(struct ecert_yaml *y);
const char *ecert_yaml_shape(const yaml_event_t *ev);
int ecert_yaml_want_string(struct ecert_yaml *y,
    const struct ecert_yaml_field *f, json_t **out);
int ecert_yaml_want_mapping(struct ecert_yaml *y, const char *what,
    const struct ecert_yaml_field *fields, size_t nfields, json_t **val,
    yaml_mark_t *mark);
void ecert_yaml_release(json_t **val, size_t n);
int ecert_yaml_read(struct ecert_yaml *y, const char *what,
    int (*want_one)(struct ecert_yaml *, json_t *), json_t *list);

/* facts.c: the signed chain of a license's status events (article 23) */
#define ECERT_DOMAIN_EVENT_CHAIN "ecert-event-v2"
void ecert_doc_hash(const char *canon, char out[65]);
char *ecert_event_message(const char *license, const char *prev,
    const char *time_s, const char *unit, const char *action,
    const char *status, const char *reason);
int ecert_event_head(struct ecert_store *s, const char *id, char head[65],
    struct ecert_error *e);
const char *ecert_event_next(const char *state, const char *action,
    int first);
int ecert_event_append(struct ecert_store *s, const struct ecert_actor *a,
    const char *id, const char *action, const char *status,
    const char *reason, struct ecert_error *e);
int ecert_event_append_at(struct ecert_store *s, const struct ecert_actor *a,
    const char *id, const char *action, const char *status,
    const char *reason, const char *at, struct ecert_error *e);
const char *ecert_facts_check(struct ecert_store *s, const char *id,
    const char *canon, const char *valid_until, const char *column,
    char *derived, size_t derivedn, char *why, size_t n);
void ecert_facts_tampered(struct ecert_store *s, const char *object,
    const char *why);
int ecert_license_facts(struct ecert_store *s, const char *id,
    char *derived, size_t derivedn, char *why, size_t whyn,
    struct ecert_error *e);
/* anchor.c: the platform's key outside the store; signed units, keys and
 * catalog entries */
#define ECERT_DOMAIN_FACT "ecert-fact-v1"
char *ecert_anchor_path(const struct ecert_store *s);
void ecert_facts_signer(const struct ecert_actor *a);
int ecert_anchor_write(const struct ecert_store *s, const struct ecert_key *k,
    struct ecert_error *e);
int ecert_anchor_load(struct ecert_store *s, struct ecert_pub *p,
    char unit[19]);
int ecert_anchor_write_file(const char *path, const struct ecert_key *k,
    struct ecert_error *e);
int ecert_anchor_require(struct ecert_store *s, struct ecert_error *e);
int ecert_fact_key_ok(struct ecert_store *s, const char *key_id);
int ecert_fact_unit_ok(struct ecert_store *s, const char *code);
int ecert_fact_type_ok(struct ecert_store *s, const char *code);
int ecert_fact_sign_unit(struct ecert_store *s, const char *code,
    const char *name, int roles, struct ecert_error *e);
int ecert_fact_sign_key(struct ecert_store *s, const char *key_id,
    struct ecert_error *e);
int ecert_fact_sign_type(struct ecert_store *s, const char *code,
    struct ecert_error *e);
long ecert_facts_audited(struct ecert_store *s, const char *object,
    const char *actions_sql);

/* i18n.c: what people read, in their language (the "ecert" catalog) */
#define _(msgid) ecert_gettext(msgid)
#define N_(msgid) (msgid)
void ecert_locale_init(void);
const char *ecert_locale_dir(void);
void ecert_vsay(char *buf, size_t n, const char *fmt, va_list ap);
char *ecert_shown(const char *text);

#endif
