/*
 * libecert: the one public header of the ecert toolkit.
 * Grouped by the lib/ files file that defines each part.
 */
#ifndef ECERT_H
#define ECERT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <jansson.h>
#include <sqlite3.h>

/* Exit status, the same for every program (DESIGN.md). */
enum {
	ECERT_OK = 0,		/* ok, valid */
	ECERT_NO = 1,		/* a definite no: invalid, revoked, not found */
	ECERT_USAGE = 64,	/* bad command line */
	ECERT_DATAERR = 65,	/* bad input */
	ECERT_IOERR = 74,	/* store or I/O failure */
	ECERT_BUSY = 75,	/* store busy past the timeout */
	ECERT_NOPERM = 77	/* no permission */
};

/* Library functions return an exit status and fill one of these. */
struct ecert_error {
	int status;
	char msg[1024];
};

/* err.c */
extern const char *ecert_progname;
void ecert_setprogname(const char *argv0);
void ecert_die(int status, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 2, 3)));
void ecert_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void ecert_die_error(const struct ecert_error *e) __attribute__((noreturn));
int ecert_fail(struct ecert_error *e, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void *ecert_xmalloc(size_t n);
void *ecert_xrealloc(void *p, size_t n);
char *ecert_xstrdup(const char *s);
char *ecert_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* i18n.c: stderr in the reader's language; buffers, JSON and the audit
 * stay English (ecert_whyf: snprintf whose translation ecert_warn shows) */
const char *ecert_gettext(const char *msgid) __attribute__((format_arg(1)));

/* codes.c: check characters and dates (GB 32100, GB 11643, GB/T 36904) */
int ecert_uscc_check(const char *first17);	/* check char, or 0 */
int ecert_uscc_valid(const char *code);		/* 1 valid, 0 not */
int ecert_citizen_id_check(const char *first17);
int ecert_citizen_id_valid(const char *id);	/* checksum and birth date */
/* why not valid, naming the expected check character; NULL when valid */
const char *ecert_uscc_why(const char *code, char *buf, size_t n);
const char *ecert_citizen_id_why(const char *id, char *buf, size_t n);
const char *ecert_identifier_why(const char *id, char *buf, size_t n);
int ecert_date_valid(const char *s);
void ecert_today(char out[11]);		/* local date, or $ECERT_TODAY */
double ecert_mono(void);		/* seconds on the monotonic clock */
int ecert_mod3736_check(const char *s);	/* ISO/IEC 7064 MOD 37,36 */
int ecert_type_code_valid(const char *code);	/* USCC + 3 digits */
int ecert_serial_valid(const char *serial);	/* [0-9A-Z]{7,32} */
int ecert_identifier_valid(const char *id);
int ecert_utf8_valid(const char *s, size_t n);
size_t ecert_utf8_chars(const char *s);

/* json.c: RFC 8785 canonical form */
char *ecert_json_canonical(const json_t *v);	/* malloc'd, NULL on error */
json_t *ecert_json_parse(const char *text, size_t n, struct ecert_error *e);
const char *ecert_json_str(const json_t *obj, const char *key);

/* store.c */
/* the store is opaque: programs go through the functions below */
struct ecert_store;
#define ECERT_SCHEMA_VERSION 10
const char *ecert_store_default_path(const char *opt);
int ecert_store_create(const char *path, const char *keypath,
    struct ecert_store **out, struct ecert_error *e);
int ecert_store_open(const char *path, const char *keypath,
    struct ecert_store **out, struct ecert_error *e);
void ecert_store_close(struct ecert_store *s);
struct ecert_key;
/* signs the platform's unit and key and pins its key beside the store */
int ecert_store_anchor(struct ecert_store *s, const struct ecert_key *platform,
    struct ecert_error *e);
/* opens that may find no anchor (ecert-unit anchor, a restore) */
void ecert_anchor_optional(int on);
struct ecert_actor;
/* signs every unit, key and catalog entry and pins the platform's key */
int ecert_store_anchor_all(struct ecert_store *s, const struct ecert_actor *a,
    struct ecert_error *e);
int ecert_begin(struct ecert_store *s, struct ecert_error *e);
int ecert_commit(struct ecert_store *s, struct ecert_error *e);
/* many reads in one snapshot, the write lock left to others: audit
 * entries made meanwhile are held, and written by the next write
 * transaction (ecert_begin), or at close */
int ecert_begin_read(struct ecert_store *s, struct ecert_error *e);
int ecert_end_read(struct ecert_store *s, struct ecert_error *e);
/* change.c: ends a change begun with ecert_begin, rc what it gave: 0
 * commits; else (or when the commit fails) rolls back and audits the
 * refusal of action on object by unit.  0, or the failure's status. */
int ecert_change_end(struct ecert_store *s, int rc, const char *unit,
    const char *action, const char *object, struct ecert_error *e);
void ecert_rollback(struct ecert_store *s);
/* one record of a batch in its own savepoint: a failed one is undone
 * (with the status places it reserved) and the batch goes on */
int ecert_record_begin(struct ecert_store *s, struct ecert_error *e);
void ecert_record_end(struct ecert_store *s, int ok);
const char *ecert_store_errmsg(struct ecert_store *s);

/* key.c: sealed key files, Ed25519 or SM2 */
enum { ECERT_ALG_ED25519, ECERT_ALG_SM2 };
#define ECERT_SM2_ID "1234567812345678"	/* GB/T 35276's default */
struct ecert_pub {		/* a public key as the trust list gives it */
	int alg;
	size_t n;		/* 32 (Ed25519) or 65 (SM2) */
	unsigned char pk[65];
	void *evp;		/* see ecert_pub_prepare */
};
struct ecert_key {
	char unit[19];
	char key_id[17];
	char alg[16];		/* "ed25519" or "sm2" */
	unsigned char pk[65];	/* Ed25519: 32 bytes; SM2: 04||x||y */
	unsigned char sk[64];	/* Ed25519: seed||pk; SM2: d, 32 bytes */
	size_t pklen;
	void *evp;		/* OpenSSL's SM2 key, freed by ecert_key_wipe */
};
int ecert_key_generate_alg(struct ecert_key *k, const char *unit, int alg);
int ecert_key_write(const char *path, const struct ecert_key *k,
    const char *passphrase, struct ecert_error *e);
int ecert_passphrase(const char *file, const char *prompt, int confirm,
    char *buf, size_t n, struct ecert_error *e);
void ecert_key_wipe(struct ecert_key *k);

/* sign.c: signatures with a domain-separation prefix */
#define ECERT_DOMAIN_LICENSE "ecert-license-v1"
#define ECERT_DOMAIN_EVENT "ecert-event-v1"
#define ECERT_DOMAIN_KEY "ecert-key-v1"
#define ECERT_DOMAIN_TOKEN "ecert-token-v1"
#define ECERT_DOMAIN_PRESENT "ecert-present-v1"
#define ECERT_DOMAIN_STATUS "ecert-status-v1"
#define ECERT_DOMAIN_TRUST "ecert-trust-v1"
#define ECERT_DOMAIN_GRANT "ecert-grant-v1"
#define ECERT_DOMAIN_GRANT_STATE "ecert-grant-state-v1"
int ecert_alg_parse(const char *name);	/* NULL: ed25519; -1 unknown */
const char *ecert_alg_name(int alg);
int ecert_pub_parse(const char *alg, const char *b64, struct ecert_pub *p);
void ecert_pub_free(struct ecert_pub *p);
int ecert_b64_decode(const char *in, unsigned char *out, size_t outn,
    size_t *len);

/* audit.c: the hash-chained audit log */
int ecert_audit(struct ecert_store *s, const char *unit, const char *action,
    const char *object, const char *outcome, const char *detail);
void ecert_audit_access(struct ecert_store *s, const char *unit,
    const char *action, const char *object, const char *outcome,
    const char *detail);
int ecert_audit_refusal(struct ecert_store *s, const char *unit,
    const char *action, const char *object, const struct ecert_error *e);
int ecert_audit_verify(struct ecert_store *s, long long *first_bad,
    char *why, size_t n, long long *count, struct ecert_error *e);

/* unit.c: units, roles, keys and the acting unit */
enum { ECERT_ROLE_ADMIN = 1, ECERT_ROLE_ISSUER = 2, ECERT_ROLE_USER = 4 };
struct ecert_actor {
	char unit[19];
	char name[256];
	int roles;
	struct ecert_key key;
};
int ecert_roles_parse(const char *list, int *roles);
void ecert_roles_format(int roles, char *out, size_t n);
int ecert_unit_add(struct ecert_store *s, const char *code, const char *name,
    int roles, struct ecert_error *e);
int ecert_unit_name(struct ecert_store *s, const char *code, char *name,
    size_t n, int *roles);
int ecert_key_register(struct ecert_store *s, const struct ecert_key *k,
    struct ecert_error *e);
int ecert_keys_retire(struct ecert_store *s, const char *unit,
    struct ecert_error *e);
int ecert_actor_load(struct ecert_store *s, const char *keyfile,
    const char *passfile, struct ecert_actor *a, struct ecert_error *e);
json_t *ecert_key_export(struct ecert_store *s, const char *unit);

/* catalog.c: license types from strict YAML */
enum ecert_item_kind {
	ECERT_ITEM_STRING, ECERT_ITEM_TEXT, ECERT_ITEM_DATE, ECERT_ITEM_INTEGER,
	ECERT_ITEM_ENUM, ECERT_ITEM_USCC, ECERT_ITEM_CITIZEN_ID
};
int ecert_catalog_load(struct ecert_store *s, const char *actor_unit,
    char **paths, int npaths, int *nloaded, struct ecert_error *e);
json_t *ecert_catalog_history(struct ecert_store *s, const char *code,
    char *why, size_t n);
json_t *ecert_catalog_get(struct ecert_store *s, const char *code);

/* license.c: build, validate, sign, store, verify */
#define ECERT_MAX_LINE (1 << 20)
struct ecert_prepared {
	char id[160];
	char signed_at[21];
	char sig[89];
	char holder_hash[65];
	json_t *doc;
	char *canon;
	char *sealed;
	size_t sealedn;
	char *compact;		/* the sealed token body */
	size_t compactn;
	const char *status;
	int legal, historical, draft, version;
};
int ecert_may_issue(struct ecert_store *s, const struct ecert_actor *a,
    const char *type_code, json_t **type, struct ecert_error *e);
enum { ECERT_PREP_HISTORICAL = 1, ECERT_PREP_DRAFT = 2 };
int ecert_license_prepare(const struct ecert_store *s,
    const struct ecert_actor *a, const json_t *type, const json_t *record,
    int flags, int version, struct ecert_prepared *p, struct ecert_error *e);
int ecert_license_approve(struct ecert_store *s, const struct ecert_actor *a,
    const char *id, struct ecert_error *e);
int ecert_license_reject(struct ecert_store *s, const struct ecert_actor *a,
    const char *id, const char *reason, struct ecert_error *e);
int ecert_license_amend(struct ecert_store *s, const struct ecert_actor *a,
    const char *id, const json_t *changes, const char *reason, char *newid,
    size_t n, struct ecert_error *e);
int ecert_license_history(struct ecert_store *s, const char *id,
    int (*fn)(const json_t *entry, void *arg), void *arg,
    struct ecert_error *e);
int ecert_license_store(struct ecert_store *s, const struct ecert_actor *a,
    const struct ecert_prepared *p, struct ecert_error *e);
void ecert_prepared_free(struct ecert_prepared *p);
int ecert_license_issue(struct ecert_store *s, const struct ecert_actor *a,
    const json_t *record, int draft, char *id, size_t idn,
    struct ecert_error *e);
int ecert_license_load(struct ecert_store *s, const char *id, json_t **signed_doc,
    char *status, size_t statusn, struct ecert_error *e);
/* verify.c: what verification says of a license or a token; the words
 * (valid, not-yet-valid, ...) are made by ecert_verdict_word alone */
enum ecert_verdict {
	ECERT_VERDICT_INVALID = 0, ECERT_VERDICT_VALID,
	ECERT_VERDICT_NOT_YET_VALID, ECERT_VERDICT_SUSPENDED,
	ECERT_VERDICT_EXPIRED, ECERT_VERDICT_REVOKED,
	ECERT_VERDICT_SUPERSEDED, ECERT_VERDICT_DRAFT, ECERT_VERDICT_NOT_FOUND
};
const char *ecert_verdict_word(enum ecert_verdict v);
int ecert_license_verify_doc(const json_t *signed_doc, const json_t *trust,
    enum ecert_verdict *v, char *why, size_t n);
int ecert_license_verify(struct ecert_store *s, const char *id,
    enum ecert_verdict *v, char *why, size_t whyn, struct ecert_error *e);
int ecert_license_set_status(struct ecert_store *s,
    const struct ecert_actor *a, const char *id, const char *action,
    const char *reason, struct ecert_error *e);

/* query.c: searching licenses */
struct ecert_query {
	const char *holder, *holder_id, *type, *issuer, *status, *from, *to;
};
int ecert_status_valid(const char *status);
int ecert_public_query(struct ecert_store *s, const char *name,
    const char *uscc, int (*fn)(const json_t *row, void *arg), void *arg,
    long *count, struct ecert_error *e);
int ecert_query(struct ecert_store *s, const struct ecert_query *q,
    int (*fn)(const json_t *row, void *arg), void *arg,
    struct ecert_error *e);

/* input.c: identifiers or JSON Lines, from arguments or stdin */
struct ecert_reader {
	FILE *fp;
	const char *name;
	long line;
	char *buf;
	size_t cap;
	int crlf;		/* the last line ended in CR LF */
};
int ecert_read_line(struct ecert_reader *r, char **line, size_t *len,
    struct ecert_error *e);
void ecert_reader_free(struct ecert_reader *r);
int ecert_id_from_line(const char *line, size_t len, char *id, size_t n,
    struct ecert_error *e);
struct ecert_ids {
	int argc, i;
	char **argv;
	struct ecert_reader r;
};
void ecert_ids_init(struct ecert_ids *it, int argc, char **argv);
int ecert_ids_next(struct ecert_ids *it, char *id, size_t n,
    struct ecert_error *e);
void ecert_ids_free(struct ecert_ids *it);

/* csv.c: RFC 4180 records as a stream */
struct ecert_csv {
	FILE *fp;
	long line, next_line;	/* next_line starts at 1 */
	char *raw, *buf;
	size_t rawlen, rawcap, buflen, bufcap, start;
	size_t *offsets, nfields, capfields;
	size_t nul_field;	/* 1 + the field holding a NUL byte, or 0 */
	int crlf;		/* the record ended in CR LF */
};

/* import.c: bulk historical import, in parallel, resumable */
struct ecert_import_opts {
	const char *name;	/* the input, for messages and the audit */
	FILE *in;
	int csv;
	const char *encoding;	/* NULL for UTF-8 */
	const char *map;	/* column=item,... */
	FILE *rejects;		/* the rejected records, as they came */
	FILE *why;		/* and why, a line each (NULL: none) */
	const char *rejects_name, *why_name;
	const json_t *set;	/* item (key or label) -> every record's value */
	int batch;		/* records per transaction */
	int workers;
	int progress;
	long long input_size;	/* for the ETA; 0 when unknown */
};
struct ecert_import_counts {
	long imported, present, rejected, records;
};
int ecert_import(struct ecert_store *s, const struct ecert_actor *a,
    const json_t *type, const struct ecert_import_opts *o,
    struct ecert_import_counts *n, struct ecert_error *e);
int ecert_import_present(struct ecert_store *s, const json_t *type,
    const struct ecert_prepared *p, char *why, size_t n);

/* expire.c: the expiry sweep */
int ecert_expire(struct ecert_store *s, const char *as_of, int dry_run,
    int (*fn)(const json_t *row, void *arg), void *arg, long *count,
    struct ecert_error *e);

/* token.c: presentation tokens (扫码亮证, article 16) */
#define ECERT_TOKEN_PREFIX "EC1:"
#define ECERT_STATUS_BITS (1UL << 24)
struct ecert_token {
	char id[160], type[32], issuer[32], serial[40], number[260];
	char holder[260], holder_id[40], valid_from[11], valid_until[11];
	char issuer_key[17], platform_key[17];
	json_t *items;
	uint32_t status_index;
	time_t signed_at, presented_at, expires_at;
	int version, historical;
	int format, disclosed, withheld;	/* format 2: item counts */
	enum ecert_verdict verdict;
};
char *ecert_base45_encode(const unsigned char *in, size_t n);
long ecert_base45_decode(const char *in, unsigned char *out, size_t outn);
int ecert_token_verify(const char *text, const json_t *keys,
    const unsigned char *bits, size_t nbits, time_t now,
    struct ecert_token *t, char *why, size_t whyn);
void ecert_token_free(struct ecert_token *t);
time_t ecert_now_time(void);
/* disclose.c: format-2 tokens showing the items named (NULL: public) */
char *ecert_license_token_disclose(struct ecert_store *s, const char *id,
    const struct ecert_actor *platform, long ttl, const char *names,
    struct ecert_error *e);
char *ecert_license_token(struct ecert_store *s, const char *id,
    const struct ecert_actor *platform, long ttl, struct ecert_error *e);

/* status.c: the status list for offline verifiers, and its places */
/* status values, two bits per place (IETF Token Status List) */
enum { ECERT_STATUS_VALID = 0, ECERT_STATUS_REVOKED = 1,
    ECERT_STATUS_SUSPENDED = 2, ECERT_STATUS_SUPERSEDED = 3 };
int ecert_status_export(struct ecert_store *s, const struct ecert_actor *a,
    long ttl_hours, FILE *out, struct ecert_error *e);
int ecert_status_load(const char *path, const json_t *keys,
    unsigned char **bits, size_t *nbits, char *why, size_t n);

/* trust.c: the trust list for offline verifiers */
int ecert_trust_export(struct ecert_store *s, const struct ecert_actor *a,
    FILE *out, struct ecert_error *e);
json_t *ecert_trust_load(const char *path, const char *anchor,
    struct ecert_error *e);

/* qr.c: QR codes in the terminal and in SVG (libqrencode) */
int ecert_qr_terminal(FILE *out, const char *text, struct ecert_error *e);
int ecert_qr_terminal_light(FILE *out, const char *text,
    struct ecert_error *e);	/* for a light terminal background */
char *ecert_qr_svg(const char *text, int standalone, struct ecert_error *e);

/* face.c: the printable license face (article 19) */
int ecert_face_svg(FILE *out, const json_t *type, const json_t *signed_doc,
    const char *status, const char *qr_svg, struct ecert_error *e);

/* table.c: terminal tables and TSV */
size_t ecert_utf8_width(const char *s);	/* terminal columns, any locale */
struct ecert_table;
struct ecert_table *ecert_table_new(int ncols, const char **headers);
void ecert_table_add(struct ecert_table *t, const char *const *cells);
void ecert_table_print(struct ecert_table *t, FILE *fp);
void ecert_table_free(struct ecert_table *t);
void ecert_table_done(struct ecert_table *t);	/* print on stdout, free */
int ecert_want_table(int force_json, int force_table);
const char *ecert_status_label(const char *status);

/* grant.c: authorized use (articles 12, 13, 15) */
struct ecert_grant_spec {
	const char *holder, *holder_id, *grantee, *agent, *agent_id;
	const char *types, *licenses, *matter, *from, *until;
	long max_uses;
};
struct ecert_use {
	const char *unit, *matter, *holder_id, *type, *agent_id;
	json_t *checks;		/* item=value pairs to match, or NULL */
};
int ecert_grant_add(struct ecert_store *s, const struct ecert_actor *a,
    const struct ecert_grant_spec *g, long long *id, struct ecert_error *e);
int ecert_grant_list(struct ecert_store *s, long long id,
    const char *holder_id,
    const char *grantee, int active_only,
    int (*fn)(const json_t *grant, void *arg), void *arg,
    struct ecert_error *e);
int ecert_grant_withdraw(struct ecert_store *s, const struct ecert_actor *a,
    long long id, const char *reason, struct ecert_error *e);
int ecert_use(struct ecert_store *s, const struct ecert_actor *a,
    const struct ecert_use *u, int (*fn)(const json_t *out, void *arg),
    void *arg, struct ecert_error *e);

/* matter.c: service matters (articles 14, 15) */
int ecert_matter_code_valid(const char *code);
int ecert_matter_load(struct ecert_store *s, const char *actor_unit,
    char **paths, int npaths, int *nloaded, struct ecert_error *e);
json_t *ecert_matter_get(struct ecert_store *s, const char *code);
int ecert_matter_check(struct ecert_store *s, const json_t *matter,
    const char *holder_id, const char *holder, json_t **results,
    struct ecert_error *e);

/* reconcile.c: compare a department's export with the store (article 8) */
struct ecert_reconcile_counts {
	long records, equal, differs, missing_in_store, invalid;
	long missing_in_export;
};
int ecert_reconcile(struct ecert_store *s, const struct ecert_actor *a,
    const json_t *type, const struct ecert_import_opts *o,
    int (*fn)(const json_t *finding, void *arg), void *arg,
    struct ecert_reconcile_counts *n, struct ecert_error *e);
/* defined in import.c until its map_header is shared */

/* dispute.c: objections (article 17) */
struct ecert_dispute_filing {
	const char *license;	/* the identifier objected to */
	const char *by;		/* "holder" (through the platform) or "unit" */
	const char *item;	/* an item key or label, or a license field */
	const char *reason;
};
struct ecert_resolution {
	const char *outcome;	/* "corrected" or "rejected" */
	const char *amended;	/* the corrected version, with "corrected" */
	const char *reason;	/* required with "rejected" */
};
enum { ECERT_DISPUTES_OPEN, ECERT_DISPUTES_OVERDUE, ECERT_DISPUTES_ALL };
int ecert_dispute_file(struct ecert_store *s, const struct ecert_actor *a,
    const struct ecert_dispute_filing *f, long long *id, char due[11],
    struct ecert_error *e);
int ecert_dispute_list(struct ecert_store *s, int which, const char *issuer,
    int (*fn)(const json_t *dispute, void *arg), void *arg,
    struct ecert_error *e);
int ecert_dispute_resolve(struct ecert_store *s, const struct ecert_actor *a,
    long long id, const struct ecert_resolution *res, json_t **notice,
    struct ecert_error *e);

/* share.c: the shipped data's folder: $ECERT_SHARE, else beside the
 * program (../share/ecert), else the compiled default */
const char *ecert_share_dir(void);

/* holiday.c: the working-day calendar of objection deadlines */
int ecert_holidays_load(struct ecert_store *s, const struct ecert_actor *a,
    char **paths, int npaths, int *nyears, struct ecert_error *e);
int ecert_holidays_list(struct ecert_store *s, int year,
    int (*fn)(const char *day, const char *kind, const char *note,
    void *arg), void *arg, struct ecert_error *e);

/* catalog.c: the catalog listed (ecert-catalog list) */
struct ecert_type_row {
	const char *code, *name, *issuer, *issuer_name;
	int public, version;
};
int ecert_catalog_each(struct ecert_store *s,
    int (*fn)(const struct ecert_type_row *r, void *arg), void *arg,
    struct ecert_error *e);
int ecert_license_row_status(struct ecert_store *s, const char *id,
    enum ecert_verdict *v);

/* unit.c and matter.c: listed (ecert-unit list, ecert-matter list) */
struct ecert_unit_row {
	const char *code, *name;
	int roles, keys;
};
int ecert_unit_each(struct ecert_store *s,
    int (*fn)(const struct ecert_unit_row *r, void *arg), void *arg,
    struct ecert_error *e);
int ecert_matter_each(struct ecert_store *s,
    int (*fn)(const json_t *matter, int version, void *arg), void *arg,
    struct ecert_error *e);

/* audit.c: the log read back (ecert-audit log) */
struct ecert_audit_filter {
	const char *unit, *action, *object, *since, *until;
};
const char *const *ecert_audit_actions(void);
int ecert_audit_action_known(struct ecert_store *s, const char *action,
    struct ecert_error *e);
int ecert_audit_select(struct ecert_store *s,
    const struct ecert_audit_filter *f,
    int (*fn)(const char *const cells[10], void *arg), void *arg,
    struct ecert_error *e);

/* opts.c: the options every program shares (their table: cmd.h) */
struct ecert_opts {
	const char *db, *store_key, *key, *passfile;
	int json, table;
};
void ecert_batch_summary(long taken, long done, const char *what,
    long refused);
struct ecert_store *ecert_opts_store(const struct ecert_opts *o);
void ecert_opts_actor(struct ecert_store *s, const struct ecert_opts *o,
    struct ecert_actor *a);
void ecert_opts_require_admin(struct ecert_store *s, struct ecert_actor *a,
    const char *verb, const char *action, const char *object);
void ecert_opts_load(struct ecert_store *s, const struct ecert_opts *o,
    char **files, int n, const char *action, const char *what,
    int (*load)(struct ecert_store *, const char *, char **, int, int *,
    struct ecert_error *));
void ecert_print_json(const json_t *v);

/* ---- issue 15: oversight (articles 20, 22) ---- */

/* backup.c: online backup, check and restore (article 20) */
#define ECERT_DOMAIN_BACKUP "ecert-backup-v1"
struct ecert_backup_opts {
	const char *out;	/* the backup file */
	const char *keyout;	/* the store key's copy; NULL: out.key */
	const char *seal_pass;	/* seal the key copy with it, or NULL */
};
struct ecert_restore_opts {
	const char *from, *keypath;	/* the backup and its key copy */
	const char *passfile_seal;	/* the key copy's passphrase */
	const char *to, *keyout;	/* the new store and its key file */
	const char *key, *passfile;	/* the platform's key */
	long sample;			/* licenses checked; 0 all */
	int (*fn)(const json_t *check, void *arg);
	void *arg;
};
char *ecert_backup_manifest_path(const char *backup);
char *ecert_backup_key_path(const char *backup);
int ecert_backup_check(struct ecert_store *s, const struct ecert_actor *a,
    const struct ecert_backup_opts *o, struct ecert_error *e);
int ecert_backup(struct ecert_store *s, const struct ecert_actor *a,
    const struct ecert_backup_opts *o, json_t **manifest,
    struct ecert_error *e);
int ecert_backup_verify(const char *path, const char *keypath,
    const char *passfile, long sample,
    int (*fn)(const json_t *check, void *arg), void *arg,
    struct ecert_error *e);
int ecert_backup_restore(const struct ecert_restore_opts *o, json_t **done,
    struct ecert_error *e);

/* report.c: the supervision report (article 22) */
struct ecert_report_opts {
	const char *from, *to;	/* YYYY-MM-DD, inclusive; NULL: open */
	const char *unit;	/* one department, or NULL for all */
	const char *declared;	/* TSV: unit, type, declared count */
	int late_days;		/* signed later than this after issue */
	int stale_days;		/* definitions unchanged longer than this */
	int unusual;		/* more than this times the median */
	int items;		/* objects listed per finding */
};
int ecert_report(struct ecert_store *s, const struct ecert_report_opts *o,
    json_t **rows, struct ecert_error *e);
int ecert_report_html(FILE *out, const struct ecert_report_opts *o,
    const json_t *rows, struct ecert_error *e);
/* ---- end of issue 15 ---- */

/* ---- issue 11: the transparency log over the audit entries ---- */

/* merkle.c: RFC 9162 section 2.1 hashing, frontier, proofs */
#define ECERT_MERKLE_MAXPROOF 128
struct ecert_merkle_frontier {
	uint64_t size;			/* leaves */
	int n;				/* complete subtrees, = popcount(size) */
	unsigned char hash[64][32];	/* their roots, largest first */
};
int ecert_merkle_verify_inclusion(const unsigned char leaf[32],
    uint64_t index, uint64_t size, const unsigned char (*proof)[32], int np,
    const unsigned char root[32]);
int ecert_merkle_verify_consistency(uint64_t first, uint64_t second,
    const unsigned char first_root[32], const unsigned char second_root[32],
    const unsigned char (*proof)[32], int np);

/* audit.c: an entry's leaf bytes (ecert(5)), entries in order */

/* checkpoint.c: signed checkpoints (C2SP tlog-checkpoint, signed-note) */
struct ecert_checkpoint {
	char origin[128];
	uint64_t size;
	unsigned char root[32];
	char time[21];		/* the "time" extension line, or "" */
	char *note;		/* the whole signed note, malloc'd */
	size_t textlen;		/* its text: what the signatures sign */
};
void ecert_checkpoint_free(struct ecert_checkpoint *c);
int ecert_checkpoint_parse(const char *text, size_t n, const char *name,
    struct ecert_checkpoint *c, struct ecert_error *e);
int ecert_checkpoint_verify_keys(const struct ecert_checkpoint *c,
    const json_t *trust, const char *name, struct ecert_error *e);
int ecert_checkpoint_make(struct ecert_store *s, const struct ecert_actor *a,
    struct ecert_checkpoint *c, struct ecert_error *e);
int ecert_checkpoint_latest(struct ecert_store *s, struct ecert_checkpoint *c,
    struct ecert_error *e);
int ecert_tlog_verify(struct ecert_store *s, const char *given,
    const char *anchor, long long count, char *warn, size_t warnn,
    struct ecert_error *e);
char *ecert_tlog_prove(struct ecert_store *s, const char *given,
    long long seq, long long from, struct ecert_error *e);
int ecert_tlog_proof_verify(const char *text, size_t n, const char *name,
    const json_t *trust, const char *entry, size_t entryn,
    const char *old, size_t oldn, char *what, size_t whatn,
    struct ecert_error *e);
/* ---- end of issue 11 ---- */

/* ---- issue 10: what ecert-serve asks of the store ---- */

/* serve_store.c: the calling systems, registered and signed by the
 * platform (ecert-serve client), and the facts the routes read */
int ecert_client_add(struct ecert_store *s, const struct ecert_actor *a,
    const char *id, const char *unit, const char *alg,
    const char *pubkey_b64, struct ecert_error *e);
int ecert_client_revoke(struct ecert_store *s, const struct ecert_actor *a,
    const char *id, struct ecert_error *e);
int ecert_client_list(struct ecert_store *s,
    int (*fn)(const json_t *client, void *arg), void *arg,
    struct ecert_error *e);
/* 0 and the key and unit of a client in good standing; 1 and why not */
int ecert_client_lookup(struct ecert_store *s, const char *id,
    struct ecert_pub *pk, char unit[19], char *why, size_t n);
int ecert_license_exists(struct ecert_store *s, const char *id,
    struct ecert_error *e);
/* the holder's latest license of the type that lapsed: "suspended",
 * "revoked", "expired", or "not found" */
const char *ecert_holder_lapsed(struct ecert_store *s,
    const char *holder_id, const char *type);
int ecert_store_ready(struct ecert_store *s, struct ecert_error *e);

/* sign.c: Ed25519, or SM2 with SM3, over m itself when domain is NULL
 * (an RFC 9421 signature base) */
int ecert_verify_raw(const struct ecert_pub *p, const char *domain,
    const unsigned char *m, size_t n, const unsigned char sig[64]);

/* issue.c: the version a record is issued as (1, or the next after a
 * rejected draft of its number) */
int ecert_license_version(struct ecert_store *s, const json_t *type,
    const json_t *record);
/* ---- end of issue 10, ecert-serve ---- */

#endif
