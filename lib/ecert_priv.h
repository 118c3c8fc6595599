/* libecert internals shared between lib/ files files. */
#ifndef ECERT_PRIV_H
#define ECERT_PRIV_H

#include <iconv.h>
#include <stdarg.h>
#include <yaml.h>

#include "ecert.h"

#define ECERT_BUSY_TIMEOUT_MS 30000

struct ecert_store {
	sqlite3 *db;
	char *path;
	char *keypath;
	unsigned char index_key[32];	/* keyed hash of ID numbers */
	unsigned char data_key[32];	/* secretbox of personal data */
	unsigned char audit_key[32];	/* MAC of the audit chain */
	char os_user[64];
	int in_tx;			/* 0, ECERT_TX_WRITE or ECERT_TX_READ */
	/* audit entries made during a read, written by the next write
	 * transaction and let go when it commits (audit.c) */
	struct ecert_held *held;
	size_t nheld, capheld;
	/* during a read (one snapshot) the last key and unit found sound,
	 * forgotten when it ends (unit.c) */
	struct {
		char key_id[24], unit[19], nb[21], na[21];
		struct ecert_pub p;
		char code[19], name[256];
		int roles;
	} snap;
	sqlite3_stmt *insert_license;	/* kept for bulk work */
	uint64_t seq_next, seq_end;	/* status sequence numbers reserved */
	int seq_written;		/* ... and recorded in meta */
	int busy_timeout_ms;		/* waiting for the write lock */
	int busy_poll_us;		/* between two tries */
	double busy_since;
	/* a process waiting for the write lock says so: a shared flock on
	 * the key file (wait_fd), which a long writer probes (probe_fd) */
	int wait_fd, probe_fd, waiting;
	/* statements kept for the checks run on every license */
	sqlite3_stmt *cached[32];
	const char *cached_sql[32];
};

#define ECERT_TX_WRITE 1
#define ECERT_TX_READ 2
int ecert_bind_text(sqlite3_stmt *st, int i, const char *s);
/* audit.c: the held entries written (inside a write transaction),
 * forgotten once committed, freed at close */
int ecert_audit_write_held(struct ecert_store *s, struct ecert_error *e);
void ecert_audit_forget_held(struct ecert_store *s);
int ecert_store_others_wait(struct ecert_store *s);	/* store.c */
int ecert_key_parse_pub(const char *b64, unsigned char pk[32]);
int ecert_key_field(char *line, const char *name, char **val);
char *ecert_json_canonical_take(json_t *v);	/* json.c */
char *ecert_json_canonical_buf(const json_t *v, char *buf, size_t cap,
    size_t *len);

/* key.c: a secret sealed under a passphrase (Argon2id, then
 * XChaCha20-Poly1305 with the file's clear header as additional data),
 * in key files and backup key copies */
#define ECERT_SEAL_OPS 3ULL		/* 32 MiB, three passes */
#define ECERT_SEAL_MEM ((size_t)32 << 20)
#define ECERT_SEALED_MAX 96		/* bytes of secret, at most */
struct ecert_sealed {
	unsigned long long ops, mem;
	unsigned char salt[16];		/* crypto_pwhash_SALTBYTES */
	unsigned char nonce[24];	/* ..._NPUBBYTES */
	unsigned char box[ECERT_SEALED_MAX + 16 + 1];	/* + tag, + 1 */
	size_t boxlen;
};
int ecert_seal(const char *pass, const char *head,
    const unsigned char *secret, size_t n, const char *path, char *out,
    size_t outn, struct ecert_error *e);
int ecert_sealed_parse(char lines[][256], int at, size_t boxlen,
    const char *path, struct ecert_sealed *sd, struct ecert_error *e);
int ecert_sealed_open(const struct ecert_sealed *sd, const char *pass,
    const char *head, const char *path, unsigned char *out, size_t n,
    struct ecert_error *e);

/* definition.c: definitions that change by versions (types, matters) */
struct ecert_definition_kind {
	const char *table;	/* the current versions: license_types */
	const char *history;	/* every version: license_type_history */
	const char *action;	/* the audit action of a load: catalog.load */
	const char *sql_what;	/* names the table in store failures */
	/* INSERT ... ON CONFLICT(code) DO UPDATE of the current row: ?1 code,
	 * ?2 definition, ?3 version, ?4 loaded_at, the kind's own from ?5 */
	const char *upsert;
	void (*bind)(sqlite3_stmt *, const json_t *);	/* binds ?5 on */
	/* messages: "type %s: cannot encode" (code), "%s: type %s: also
	 * defined in %s" (path, code, path), "type %s: not loaded: ..." */
	const char *cannot_encode, *also_defined, *not_audited;
	json_t *(*parse)(struct ecert_store *, const char *path,
	    struct ecert_error *);
	/* what a definition must be beyond its file (NULL: nothing) */
	int (*check)(struct ecert_store *, const char *path, const json_t *,
	    struct ecert_error *);
	/* after a new version is stored (NULL: nothing) */
	int (*sign)(struct ecert_store *, const char *code, int version,
	    struct ecert_error *);
	/* the audit detail of a new version */
	void (*detail)(const json_t *, int version, char *out, size_t n);
};
int ecert_definition_read(struct ecert_store *s, const char *table,
    const char *code, int *version, char **def, struct ecert_error *e);
json_t *ecert_definition_get(struct ecert_store *s,
    const struct ecert_definition_kind *k, const char *code, int *version);
int ecert_definition_load(struct ecert_store *s,
    const struct ecert_definition_kind *k, const char *actor_unit,
    char **paths, int npaths, int *nloaded, struct ecert_error *e);

/* codes.c: one strict UTF-8 character (table.c, yaml.c) */
size_t ecert_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);

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
/* a sequence read one element at a time by one, which appends to list */
struct ecert_yaml_seq {
	const char *of;		/* "expected a sequence of strings" */
	const char *plural;	/* "more than 256 values" */
	size_t max;
	int (*one)(struct ecert_yaml *, const void *arg, json_t *list);
	const void *arg;
	const char *empty;	/* the message when there is none, or NULL */
};
/* one of a sequence of mappings (ecert_yaml_want_map's arg) */
struct ecert_yaml_map {
	const char *what;	/* "an item" */
	const struct ecert_yaml_field *fields;
	size_t nfields;
	/* the element from val and mark (of each value), start its mark */
	json_t *(*build)(struct ecert_yaml *, const json_t *list, json_t **val,
	    const yaml_mark_t *mark, const yaml_mark_t *start);
};
int ecert_yaml_want_map(struct ecert_yaml *y, const void *arg, json_t *list);
int ecert_yaml_want_sequence(struct ecert_yaml *y,
    const struct ecert_yaml_field *f, const struct ecert_yaml_seq *q,
    json_t **out);
int ecert_yaml_seen(const json_t *list, const json_t *v);
int ecert_yaml_check_unique(struct ecert_yaml *y, const json_t *defs,
    const json_t *code, const yaml_mark_t *m, const char *what);
json_t *ecert_yaml_read_all(struct ecert_yaml *y, const char *what,
    int (*want_one)(struct ecert_yaml *, json_t *), const char *none);
int ecert_yaml_check_uscc(struct ecert_yaml *y, const char *field,
    const char *s, const yaml_mark_t *m);
int ecert_yaml_check_type_code(struct ecert_yaml *y, const char *field,
    const char *s, const yaml_mark_t *m);
int ecert_yaml_check_holder(struct ecert_yaml *y, const char *s,
    const yaml_mark_t *m);
int ecert_yaml_check_key(struct ecert_yaml *y, const char *s,
    const yaml_mark_t *m);

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
/* verify.c: the verdict a stored status column names */
enum ecert_verdict ecert_verdict_of(const char *word);
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
sqlite3_stmt *ecert_prepare_cached(struct ecert_store *s, const char *sql);
void ecert_cached_done(sqlite3_stmt *st);
int ecert_fact_key_ok(struct ecert_store *s, const char *key_id);
int ecert_fact_key_tampered(const char *key_id, char *why, size_t n);
int ecert_fact_history_ok(struct ecert_store *s, const char *code,
    int version, const char *definition, const char *loaded_at,
    const char *loaded_by, const char *sig_key, const char *sig);
int ecert_fact_sign_history(struct ecert_store *s, const char *code,
    int version, struct ecert_error *e);
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

/* serial.c: serials and number columns that carry no citizen ID */
int ecert_number_has_cid(const char *number);
void ecert_serial_make(const struct ecert_store *s, const char *type,
    int natural, const char *number, char out[33]);
void ecert_number_column(const struct ecert_store *s, const char *type,
    int natural, const char *number, char *out, size_t n);

/* core.c: format 2, the signed core and its disclosures */
#define ECERT_DOMAIN_CORE "ecert-core-v2"
#define ECERT_SALT_BYTES 16
#define ECERT_DIGEST_BYTES 16
enum { ECERT_DIGEST_SHA256 = 1, ECERT_DIGEST_SM3 = 2 };
int ecert_core_place(const char *path, char *section, size_t sn, char *key,
    size_t kn);
json_t *ecert_core_items(const json_t *doc);
int ecert_core_digest(int dalg, const unsigned char salt[ECERT_SALT_BYTES],
    const char *path, const unsigned char *v, size_t vn,
    unsigned char out[ECERT_DIGEST_BYTES]);
int ecert_core_dalg(const char *key_alg);
int ecert_core_build(const json_t *doc, const char *key_alg,
    const char *key_id, unsigned char **out, size_t *outn, char *why,
    size_t whyn);
int ecert_core_seal(json_t *doc, const struct ecert_key *k, char sig[89],
    char *why, size_t whyn);
int ecert_doc_sig_ok(const struct ecert_pub *pk, const char *key_id,
    const json_t *doc, const char *canon, const char *sig_b64);
size_t ecert_core_length(const unsigned char *b, size_t n);
unsigned char *ecert_core_disclose(const json_t *doc, const json_t *paths,
    size_t room, size_t *outn, int *withheld, char *why, size_t whyn);
char *ecert_to_utf8(iconv_t cd, const char *encoding, const char *in,
    size_t n, struct ecert_error *e);
int ecert_encoding_open(const char *encoding, iconv_t *cd,
    struct ecert_error *e);
json_t *ecert_core_public_paths(const json_t *type, const json_t *doc);
int ecert_core_check_partial(const struct ecert_pub *pk, const char *key_id,
    const json_t *doc, const char *core_b64, const char *sig_b64, char *why,
    size_t whyn);
json_t *ecert_core_present(const json_t *signed_doc, const json_t *type,
    const json_t *names);
int ecert_core_path_for(const json_t *type, const char *name, char *out,
    size_t n);
int ecert_put_str(unsigned char *b, size_t *n, size_t max, const char *v);

/* Big-endian 32-bit fields of cores and tokens. */
static inline void
ecert_put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static inline uint32_t
ecert_get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}
/* trust.c: what the platform-signed lists share (the trust list's and
 * the status list's time format, version, signature); json.c */
int ecert_json_is(const json_t *o, const char *key, const char *want);
int ecert_list_time_ok(const char *t);
int ecert_list_version_ok(const json_t *obj);
int ecert_list_write(json_t *obj, const struct ecert_actor *a,
    const char *domain, FILE *out);
const char *ecert_list_check(const json_t *obj, const json_t *keys,
    const char *domain);
char *ecert_license_token1(struct ecert_store *s, const char *id,
    const struct ecert_actor *platform, long ttl, struct ecert_error *e);
int ecert_token2_read(const unsigned char *buf, size_t n, const json_t *ik,
    const struct ecert_pub *pk, struct ecert_token *t, size_t *body,
    char *why, size_t whyn);
/* i18n.c: what people read, in their language (the "ecert" catalog) */
#define _(msgid) ecert_gettext(msgid)
#define N_(msgid) (msgid)
void ecert_locale_init(void);
const char *ecert_locale_dir(void);
int ecert_exe_dir(char *out, size_t n);	/* share.c */
void ecert_vsay(char *buf, size_t n, const char *fmt, va_list ap);
char *ecert_shown(const char *text);

/* Library functions no program calls (issue 10: ecert.h holds what the
 * programs use); the library and the unit tests use them. */
int ecert_date_parse(const char *s, int *y, int *m, int *d);	/* 1 real date */
long ecert_date_days(const char *s);	/* days since 1970-01-01, or -1 */
void ecert_date_from_days(long days, char out[11]);
void ecert_now_iso(char out[21]);	/* UTC, 2026-11-27T20:48:58Z */
int ecert_identifier_make(char *out, size_t n, const char *type_code,
    const char *issuer, const char *serial, int version);
char *ecert_store_default_keypath(const char *dbpath, const char *opt);
int ecert_meta_get(struct ecert_store *s, const char *name, char *out, size_t n);
void ecert_store_key_check(const unsigned char *index,
    const unsigned char *data, const unsigned char *audit, char out[33]);
char *ecert_pii_seal(const struct ecert_store *s, const char *plain,
    size_t n, size_t *outn);
char *ecert_pii_open(const struct ecert_store *s, const void *sealed,
    size_t n, size_t *outn);
int ecert_key_generate(struct ecert_key *k, const char *unit);
void ecert_key_pub(const struct ecert_key *k, struct ecert_pub *p);
int ecert_key_read(const char *path, const char *passphrase,
    struct ecert_key *k, struct ecert_error *e);
void ecert_key_id(const unsigned char pk[32], char out[17]);
int ecert_sign_raw(const struct ecert_key *k, const char *domain,
    const unsigned char *m, size_t n, unsigned char sig[64]);
void ecert_pub_id(const struct ecert_pub *p, char out[17]);
int ecert_verify(const struct ecert_pub *p, const char *domain,
    const char *msg, size_t n, const char *sig_b64);
int ecert_sm3(const void *m, size_t n, unsigned char out[32]);
void *ecert_sm2_evp(const unsigned char pk[65], const unsigned char *d);
int ecert_sm2_public(const unsigned char d[32], unsigned char pk[65]);
int ecert_sm2_generate(unsigned char pk[65], unsigned char d[32], void **evp);
void ecert_sm2_free(void *evp);
int ecert_b64_encode(const unsigned char *in, size_t n, char *out, size_t outn);
int ecert_key_lookup_pub(struct ecert_store *s, const char *key_id,
    struct ecert_pub *p, char *unit, char *not_before, char *not_after);
json_t *ecert_catalog_parse(const char *path, struct ecert_error *e);
const json_t *ecert_catalog_item(const json_t *type, const char *key_or_label);
int ecert_record_from_args(json_t *record, const char *assignment,
    struct ecert_error *e);
int ecert_license_validate(const json_t *type, const json_t *record,
    json_t **doc, struct ecert_error *e);
int ecert_license_validate_flags(const json_t *type, const json_t *record,
    int flags, json_t **doc, struct ecert_error *e);
json_t *ecert_signed_form(const json_t *doc, const char *key_id,
    const char *signer, const char *sig);
json_t *ecert_signed_form_alg(const json_t *doc, const char *alg,
    const char *key_id, const char *signer, const char *sig);
int ecert_csv_read(struct ecert_csv *c, struct ecert_error *e);
int ecert_csv_header(struct ecert_csv *c, FILE *fp, struct ecert_error *e);
const char *ecert_csv_field(const struct ecert_csv *c, size_t i);
void ecert_csv_free(struct ecert_csv *c);
int ecert_compact_build(const json_t *type, const json_t *doc,
    const struct ecert_key *k, unsigned char **out, size_t *outn,
    struct ecert_error *e);
char *ecert_token_present(const unsigned char *compact, size_t n,
    uint32_t status_index, const struct ecert_key *platform, long ttl,
    time_t now);
int ecert_status_value(const unsigned char *bits, uint32_t index);
int ecert_status_next(struct ecert_store *s, uint32_t *index,
    struct ecert_error *e);
int ecert_status_taken(struct ecert_store *s, struct ecert_error *e);
int ecert_time_arg(const char *arg, int end, char out[21]);
json_t *ecert_matter_parse(struct ecert_store *s, const char *path,
    struct ecert_error *e);
int ecert_import_map_header(const json_t *type,
    const struct ecert_import_opts *o, struct ecert_csv *h, char ***columns,
    size_t *ncolumns, struct ecert_error *e);
int ecert_working_days_add(struct ecert_store *s, const char *from, int n,
    char out[11], struct ecert_error *e);
void ecert_merkle_leaf(const void *data, size_t n, unsigned char out[32]);
void ecert_merkle_node(const unsigned char left[32],
    const unsigned char right[32], unsigned char out[32]);
void ecert_merkle_append(struct ecert_merkle_frontier *f,
    const unsigned char leaf[32]);
void ecert_merkle_frontier_root(const struct ecert_merkle_frontier *f,
    unsigned char root[32]);
void ecert_merkle_root(const unsigned char (*leaves)[32], uint64_t n,
    unsigned char root[32]);
int ecert_merkle_inclusion(const unsigned char (*leaves)[32], uint64_t n,
    uint64_t index, unsigned char (*proof)[32], int *np);
int ecert_merkle_consistency(const unsigned char (*leaves)[32], uint64_t m,
    uint64_t n, unsigned char (*proof)[32], int *np);
char *ecert_audit_leaf(long long seq, const char *const col[10], size_t *n);
int ecert_audit_each(struct ecert_store *s, long long after,
    int (*fn)(long long seq, const char *const col[10], void *arg),
    void *arg, struct ecert_error *e);
int ecert_checkpoint_sig_ok(const struct ecert_checkpoint *c,
    const unsigned char pk[32]);
void ecert_note_key_id(const char *name, const unsigned char pk[32],
    unsigned char id[4]);
int ecert_checkpoint_sig_ok_pub(const struct ecert_checkpoint *c,
    const struct ecert_pub *p);
void ecert_note_key_id_pub(const char *name, const struct ecert_pub *p,
    unsigned char id[4]);


/* the library's own, used by no program (ecert.h is what programs
 * use) */
int ecert_whyf(char *buf, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void ecert_clock_iso(char out[21]);	/* the clock, never $ECERT_NOW */
struct ecert_store *ecert_store_open_or_die(const char *db,
    const char *keypath);
int ecert_sql_fail(struct ecert_store *s, struct ecert_error *e, int rc,
    const char *what);
int ecert_step_once(struct ecert_store *s, sqlite3_stmt *st, const char *what,
    struct ecert_error *e);
int ecert_exec(struct ecert_store *s, const char *sql, struct ecert_error *e);
sqlite3_stmt *ecert_prepare(struct ecert_store *s, const char *sql,
    struct ecert_error *e);
void ecert_pii_hash(const struct ecert_store *s, const char *value,
    char out[65]);
void ecert_sign(const struct ecert_key *k, const char *domain,
    const char *msg, size_t n, char out[89]);
int ecert_sig_ok(const unsigned char pk[32], const char *domain,
    const char *msg, size_t n, const char *sig_b64);	/* Ed25519 */
int ecert_pub_prepare(struct ecert_pub *p);
int ecert_key_lookup(struct ecert_store *s, const char *key_id,
    unsigned char pk[32], char *unit, char *not_before, char *not_after);
extern const char *ecert_expire_sql;
uint32_t ecert_status_index(const struct ecert_store *s, uint64_t seq);

#endif
