/*
 * anchor.c: the one trust anchor outside the store (article 23).
 *
 * ecert-init writes the platform's public key to FILE.anchor beside the
 * store (or $ECERT_ANCHOR names it).  Units (with their roles), keys and
 * catalog entries are signed by the platform, with the prefix
 * "ecert-fact-v1" over the canonical form of the row's content; a row is
 * believed only if its signature is the anchor key's, or that of a later
 * key of the platform unit whose own row the anchor key (or such a key)
 * signed; a key row may also be signed by a valid key of its own unit (a
 * rotation).  A key's retirement (its not_after) is a statement of its
 * own, signed by the retiring key itself (a self-revocation, as OpenPGP
 * has it), by another key of its unit, or by the platform (a rotation the
 * admin makes for a unit), and audited as key.retire with the date: a
 * retirement cleared, moved or copied from another key is tampering.
 * A store opened without its anchor file is refused (74):
 * only ecert-init, `ecert-unit anchor` and a restore open one without it.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>

#include "ecert_priv.h"

static const struct ecert_actor *signer;	/* the acting platform */
static int optional;	/* an open that may find no anchor */

/* the caches below are shared by ecert-serve's threads */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

/* the anchor of the store last asked about */
static char anchor_path[4096];
static int anchor_state;	/* 0 unread, 1 loaded, 2 none, 3 bad */
static struct ecert_pub anchor_pub;
static char anchor_unit[19], anchor_kid[17];

/* rows already checked, by their signature */
#define CHECKED 256
static char checked[CHECKED][33];

/* keys found tampered: each audited once a process; the last one's why */
#define TAMPERED 8
static char tampered[TAMPERED][17];
static char last_tampered[17], last_why[256];

char *
ecert_anchor_path(const struct ecert_store *s)
{
	const char *env = getenv("ECERT_ANCHOR");

	if (env != NULL && *env != '\0')
		return ecert_xstrdup(env);
	return ecert_xasprintf("%s.anchor", s->path);
}

void
ecert_facts_signer(const struct ecert_actor *a)
{
	signer = a;
}

/*
 * The anchor protects the store only where the store's writers cannot
 * write it (ecert(7)): a warning, once a process, when the file or its
 * folder is writable by group or others, or when it sits beside a store
 * that is.  Not an error: a test or a demo may keep both in one place.
 */
static void
placement_warn(const char *path, const char *store)
{
	static char warned[4096];
	char *dir = ecert_xstrdup(path), *sdir = NULL, *slash;
	struct stat a, d, st, sd;
	const char *why = NULL;

	if (strcmp(warned, path) == 0) {
		free(dir);
		return;
	}
	snprintf(warned, sizeof(warned), "%s", path);
	slash = strrchr(dir, '/');
	if (slash == NULL)
		snprintf(dir, strlen(dir) + 1, ".");
	else
		slash[slash == dir ? 1 : 0] = '\0';
	if (store != NULL) {
		sdir = ecert_xstrdup(store);
		slash = strrchr(sdir, '/');
		if (slash == NULL)
			snprintf(sdir, strlen(sdir) + 1, ".");
		else
			slash[slash == sdir ? 1 : 0] = '\0';
	}
	if (stat(path, &a) == 0 && (a.st_mode & 022))
		why = "the file is writable by group or others";
	else if (stat(dir, &d) == 0 && (d.st_mode & 022) &&
	    !(d.st_mode & S_ISVTX))
		why = "its folder is writable by group or others";
	else if (sdir != NULL && stat(sdir, &sd) == 0 && stat(dir, &d) == 0 &&
	    sd.st_dev == d.st_dev && sd.st_ino == d.st_ino &&
	    stat(store, &st) == 0 && (st.st_mode & 022))
		why = "it sits beside a store that group or others may write";
	if (why != NULL)
		ecert_warn("warning: anchor %s: %s; whoever writes it can "
		    "replace the platform's key: keep it where the store's "
		    "writers cannot write (ECERT_ANCHOR, ecert(7))", path, why);
	free(dir);
	free(sdir);
}

int
ecert_anchor_write(const struct ecert_store *s, const struct ecert_key *k,
    struct ecert_error *e)
{
	char *path = ecert_anchor_path(s);
	int rc = ecert_anchor_write_file(path, k, e);

	if (rc == 0)
		placement_warn(path, s->path);
	free(path);
	return rc;
}

int
ecert_anchor_write_file(const char *path, const struct ecert_key *k,
    struct ecert_error *e)
{
	struct ecert_pub p;
	char pub[96], *line;
	json_t *o;
	FILE *fp;
	int rc = 0;

	ecert_key_pub(k, &p);
	ecert_b64_encode(p.pk, p.n, pub, sizeof(pub));
	o = json_pack("{s:s, s:s, s:s, s:s, s:s}", "type", "ecert-anchor",
	    "unit", k->unit, "key_id", k->key_id, "alg", k->alg,
	    "public_key", pub);
	line = ecert_json_canonical(o);
	json_decref(o);
	if ((fp = fopen(path, "w")) == NULL)
		rc = ecert_fail(e, ECERT_IOERR, "anchor %s: %s", path,
		    strerror(errno));
	else {
		if (fprintf(fp, "%s\n", line) < 0)
			rc = ecert_fail(e, ECERT_IOERR, "anchor %s: write "
			    "failed", path);
		if (fclose(fp) != 0 && rc == 0)
			rc = ecert_fail(e, ECERT_IOERR, "anchor %s: %s", path,
			    strerror(errno));
		chmod(path, 0644);
	}
	free(line);
	/* read anew when next asked */
	pthread_mutex_lock(&lock);
	anchor_state = 0;
	pthread_mutex_unlock(&lock);
	return rc;
}

/* 1 loaded, 0 no anchor (a legacy store), -1 an anchor that is not one. */
int
ecert_anchor_load(struct ecert_store *s, struct ecert_pub *p, char unit[19])
{
	char *path = ecert_anchor_path(s), buf[1024];
	json_t *o;
	FILE *fp;
	int state;

	pthread_mutex_lock(&lock);
	if (anchor_state != 0 && strcmp(path, anchor_path) == 0)
		goto done;
	snprintf(anchor_path, sizeof(anchor_path), "%s", path);
	memset(checked, 0, sizeof(checked));
	anchor_state = 3;
	if ((fp = fopen(path, "r")) == NULL) {
		anchor_state = errno == ENOENT ? 2 : 3;
		goto done;
	}
	if (fgets(buf, sizeof(buf), fp) != NULL &&
	    (o = json_loads(buf, 0, NULL)) != NULL) {
		const char *u = ecert_json_str(o, "unit");
		const char *kid = ecert_json_str(o, "key_id");

		if (u != NULL && kid != NULL && ecert_pub_parse(
		    ecert_json_str(o, "alg"), ecert_json_str(o, "public_key"),
		    &anchor_pub)) {
			snprintf(anchor_unit, sizeof(anchor_unit), "%s", u);
			snprintf(anchor_kid, sizeof(anchor_kid), "%s", kid);
			anchor_state = 1;
		}
		json_decref(o);
	}
	fclose(fp);
	if (anchor_state == 1)
		placement_warn(path, s->path);
done:
	free(path);
	state = anchor_state;
	if (state == 1 && p != NULL)
		*p = anchor_pub;
	if (state == 1 && unit != NULL)
		snprintf(unit, 19, "%s", anchor_unit);
	pthread_mutex_unlock(&lock);
	/* no anchor (a store made before schema 9, a copy moved without
	 * it): its rows are believed as the store says, as before */
	if (state == 2)
		return 0;
	return state == 1 ? 1 : -1;
}

static char *
unit_message(const char *code, const char *name, int roles)
{
	return ecert_json_canonical_take(json_pack("{s:s, s:s, s:s, s:i}",
	    "table", "units", "code", code, "name", name, "roles", roles));
}

/* A key's row: its retirement (not_after) is a statement of its own. */
static char *
key_message(const char *key_id, const char *unit, const char *alg,
    const char *pub, const char *nb)
{
	return ecert_json_canonical_take(json_pack("{s:s, s:s, s:s, s:s, s:s,"
	    " s:s}", "table", "keys", "key_id", key_id, "unit", unit, "alg",
	    alg, "public_key", pub, "not_before", nb));
}

static char *
retire_message(const char *key_id, const char *unit, const char *na)
{
	return ecert_json_canonical_take(json_pack("{s:s, s:s, s:s, s:s}",
	    "table", "keys", "retire", key_id, "unit", unit, "not_after", na));
}

static char *
type_message(const char *code, const char *issuer, int pub,
    const char *definition, int version)
{
	return ecert_json_canonical_take(json_pack("{s:s, s:s, s:s, s:b, s:s,"
	    " s:i}", "table", "license_types", "code", code, "issuer", issuer,
	    "public", pub, "definition", definition, "version", version));
}

static int signed_by_platform(struct ecert_store *s, const char *m,
    const char *sig_key, const char *sig, const char *own, int depth);
static int verify_cached(const struct ecert_pub *p, const char *sig_key,
    const char *m, const char *sig);

/* The tampering found in a key's row: audited once a process. */
static void
key_tampered(struct ecert_store *s, const char *key_id, const char *why)
{
	unsigned h = (unsigned)key_id[0] % TAMPERED;
	int seen;

	pthread_mutex_lock(&lock);
	seen = strcmp(tampered[h], key_id) == 0;
	snprintf(tampered[h], sizeof(tampered[h]), "%s", key_id);
	snprintf(last_tampered, sizeof(last_tampered), "%s", key_id);
	snprintf(last_why, sizeof(last_why), "%s", why);
	pthread_mutex_unlock(&lock);
	if (!seen)
		ecert_facts_tampered(s, key_id, why);
}

/* Why the key's row was last found tampered in this process, if it was. */
int
ecert_fact_key_tampered(const char *key_id, char *why, size_t n)
{
	int hit;

	pthread_mutex_lock(&lock);
	hit = strcmp(last_tampered, key_id) == 0;
	if (hit)
		snprintf(why, n, "%s", last_why);
	pthread_mutex_unlock(&lock);
	return hit;
}

/*
 * The key's retirement against the audit log and its signature: NULL when
 * it holds.  A key with no key.retire entry is current (or was retired
 * before schema 10, unsigned, and is believed as the store says).
 */
static const char *
retirement_bad(struct ecert_store *s, const char *key_id, const char *unit,
    const struct ecert_pub *p, const char *na, const char *rk,
    const char *rs, int depth, char *why, size_t n)
{
	static const char sql[] = "SELECT detail FROM audit WHERE object = ?"
	    " AND action = 'key.retire' AND outcome = 'ok' ORDER BY seq DESC"
	    " LIMIT 1";
	sqlite3_stmt *st;
	char audited[64] = "";
	char *m;
	int have = 0, ok;

	if ((st = ecert_prepare_cached(s, sql)) == NULL) {
		ecert_whyf(why, n, "key %s: the audit log cannot be read", key_id);
		return why;
	}
	ecert_bind_text(st, 1, key_id);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0)) {
		snprintf(audited, sizeof(audited), "%s",
		    (const char *)sqlite3_column_text(st, 0));
		have = 1;
	}
	ecert_cached_done(st);
	if (!have) {
		if (na == NULL || (rk == NULL && rs == NULL))
			return NULL;
		ecert_whyf(why, n, "key %s: its retirement on %s is not in the "
		    "audit log", key_id, na);
		return why;
	}
	if (na == NULL) {
		ecert_whyf(why, n, "key %s: the audit log records its retirement "
		    "on %s, the store says it is current", key_id, audited);
		return why;
	}
	if (strcmp(na, audited) != 0) {
		ecert_whyf(why, n, "key %s: the store says it was retired on %s, "
		    "the audit log on %s", key_id, na, audited);
		return why;
	}
	m = retire_message(key_id, unit, na);
	ok = m != NULL && rk != NULL && rs != NULL && (strcmp(rk, key_id) == 0
	    ? verify_cached(p, key_id, m, rs) : signed_by_platform(s, m, rk,
	    rs, unit, depth + 1));
	free(m);
	if (!ok) {
		ecert_whyf(why, n, "key %s: its retirement on %s is not signed by "
		    "the key, its unit or the platform", key_id, na);
		return why;
	}
	return NULL;
}

/* A column's text copied, or NULL as NULL (too long: cut, and so fails). */
static const char *
col(sqlite3_stmt *st, int i, char *buf, size_t n)
{
	const char *v = (const char *)sqlite3_column_text(st, i);

	if (v == NULL)
		return NULL;
	snprintf(buf, n, "%s", v);
	return buf;
}

/* A key row as it is, checked against its signature and its retirement. */
static int
key_row_ok(struct ecert_store *s, const char *key_id, struct ecert_pub *p,
    char unit[19], int depth)
{
	static const char sql[] = "SELECT unit, alg, public_key, not_before,"
	    " not_after, sig_key, sig, retire_key, retire_sig FROM keys"
	    " WHERE key_id = ?";
	sqlite3_stmt *st;
	char why[256], u[19], alg[16], pub[96], nb[32], na[32], sk[32],
	    sig[100], rk[32], rs[100];
	const char *cu = NULL, *calg = NULL, *cpub = NULL, *cnb = NULL,
	    *cna = NULL, *csk = NULL, *csig = NULL, *crk = NULL, *crs = NULL;
	char *m;
	int found = 0, ok;

	/* copied out: the checks below look up other keys by it again */
	if ((st = ecert_prepare_cached(s, sql)) == NULL)
		return 0;
	ecert_bind_text(st, 1, key_id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		found = 1;
		cu = col(st, 0, u, sizeof(u));
		calg = col(st, 1, alg, sizeof(alg));
		cpub = col(st, 2, pub, sizeof(pub));
		cnb = col(st, 3, nb, sizeof(nb));
		cna = col(st, 4, na, sizeof(na));
		csk = col(st, 5, sk, sizeof(sk));
		csig = col(st, 6, sig, sizeof(sig));
		crk = col(st, 7, rk, sizeof(rk));
		crs = col(st, 8, rs, sizeof(rs));
	}
	ecert_cached_done(st);
	if (!found || cu == NULL || cpub == NULL || cnb == NULL)
		return 0;
	if (unit != NULL)
		snprintf(unit, 19, "%s", cu);
	m = key_message(key_id, cu, calg, cpub, cnb);
	ok = m != NULL && ecert_pub_parse(calg, cpub, p) &&
	    signed_by_platform(s, m, csk, csig, cu, depth);
	free(m);
	if (ok && retirement_bad(s, key_id, cu, p, cna, crk, crs, depth, why,
	    sizeof(why))) {
		ok = 0;
		key_tampered(s, key_id, why);
	}
	return ok;
}

/* A signature by p, checked once: the cache is of (signer, message,
 * signature) together. */
static int
verify_cached(const struct ecert_pub *p, const char *sig_key, const char *m,
    const char *sig)
{
	char digest[33];
	unsigned char d[16];
	crypto_generichash_state g;
	unsigned h;
	int hit;

	if (strlen(sig) > 88)
		return 0;
	crypto_generichash_init(&g, NULL, 0, sizeof(d));
	crypto_generichash_update(&g, (const unsigned char *)sig_key,
	    strlen(sig_key) + 1);
	crypto_generichash_update(&g, (const unsigned char *)m, strlen(m) + 1);
	crypto_generichash_update(&g, (const unsigned char *)sig, strlen(sig));
	crypto_generichash_final(&g, d, sizeof(d));
	sodium_bin2hex(digest, sizeof(digest), d, sizeof(d));
	h = ((unsigned)d[0] << 8 | d[1]) % CHECKED;
	pthread_mutex_lock(&lock);
	hit = strcmp(checked[h], digest) == 0;
	pthread_mutex_unlock(&lock);
	if (hit)
		return 1;
	if (!ecert_verify(p, ECERT_DOMAIN_FACT, m, strlen(m), sig))
		return 0;
	pthread_mutex_lock(&lock);
	snprintf(checked[h], sizeof(checked[h]), "%s", digest);
	pthread_mutex_unlock(&lock);
	return 1;
}

/* Signed by the anchor key, or by a platform key signed so in turn (or,
 * with own, by a key of that unit). */
static int
signed_by_platform(struct ecert_store *s, const char *m, const char *sig_key,
    const char *sig, const char *own, int depth)
{
	struct ecert_pub p, a;
	char unit[19], aunit[19];
	int hit;

	if (sig_key == NULL || sig == NULL || strlen(sig) > 88 || depth > 8)
		return 0;
	if (ecert_anchor_load(s, &a, aunit) != 1)
		return 0;
	pthread_mutex_lock(&lock);
	hit = strcmp(sig_key, anchor_kid) == 0;
	pthread_mutex_unlock(&lock);
	if (hit)
		p = a;
	else if (!key_row_ok(s, sig_key, &p, unit, depth + 1) ||
	    (strcmp(unit, aunit) != 0 && (own == NULL || strcmp(unit,
	    own) != 0)))
		return 0;
	return verify_cached(&p, sig_key, m, sig);
}

int
ecert_fact_key_ok(struct ecert_store *s, const char *key_id)
{
	struct ecert_pub p;
	int a = ecert_anchor_load(s, NULL, NULL);

	if (a == 0)
		return 1;
	return a == 1 && key_row_ok(s, key_id, &p, NULL, 0);
}

static char *
unit_row_message(const char *code, sqlite3_stmt *st)
{
	return unit_message(code, (const char *)sqlite3_column_text(st, 0),
	    sqlite3_column_int(st, 1));
}

static char *
type_row_message(const char *code, sqlite3_stmt *st)
{
	return type_message(code, (const char *)sqlite3_column_text(st, 0),
	    sqlite3_column_int(st, 1), (const char *)sqlite3_column_text(st, 2),
	    sqlite3_column_int(st, 3));
}

/*
 * A row (read by sql, its id the one parameter) as the platform signed
 * it: message makes what was signed of its first columns; the two from
 * column sk on are the signing key and the signature.
 */
static int
row_signed(struct ecert_store *s, const char *sql, const char *id,
    char *(*message)(const char *id, sqlite3_stmt *st), int sk)
{
	sqlite3_stmt *st;
	char skbuf[32], sig[100];
	const char *csk = NULL, *csig = NULL;
	char *m = NULL;
	int ok, a = ecert_anchor_load(s, NULL, NULL);

	if (a == 0)
		return 1;
	if (a != 1 || (st = ecert_prepare_cached(s, sql)) == NULL)
		return 0;
	ecert_bind_text(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		m = message(id, st);
		csk = col(st, sk, skbuf, sizeof(skbuf));
		csig = col(st, sk + 1, sig, sizeof(sig));
	}
	ecert_cached_done(st);
	ok = m != NULL && signed_by_platform(s, m, csk, csig, NULL, 0);
	free(m);
	return ok;
}

int
ecert_fact_unit_ok(struct ecert_store *s, const char *code)
{
	return row_signed(s, "SELECT name, roles, sig_key, sig FROM units"
	    " WHERE code = ?", code, unit_row_message, 2);
}

int
ecert_fact_type_ok(struct ecert_store *s, const char *code)
{
	return row_signed(s, "SELECT issuer, public, definition, version,"
	    " sig_key, sig FROM license_types WHERE code = ?", code,
	    type_row_message, 4);
}

/* Signs one row with the acting platform's key; without one (a unit that
 * is not the platform) the row stays unsigned, and is not believed. */
static int
sign_row(struct ecert_store *s, const char *update, const char *m,
    const char *id, struct ecert_error *e)
{
	sqlite3_stmt *st;
	char sig[89];

	if (signer == NULL || signer->key.key_id[0] == '\0' || m == NULL)
		return 0;
	ecert_sign(&signer->key, ECERT_DOMAIN_FACT, m, strlen(m), sig);
	st = ecert_prepare(s, update, e);
	if (st == NULL)
		return e->status;
	ecert_bind_text(st, 1, signer->key.key_id);
	ecert_bind_text(st, 2, sig);
	ecert_bind_text(st, 3, id);
	return ecert_step_once(s, st, "signed row", e);
}

int
ecert_fact_sign_unit(struct ecert_store *s, const char *code, const char *name,
    int roles, struct ecert_error *e)
{
	char *m = unit_message(code, name, roles);
	int rc = sign_row(s, "UPDATE units SET sig_key = ?, sig = ?"
	    " WHERE code = ?", m, code, e);

	free(m);
	return rc;
}

/* A row read back and its message made from the columns (a key, a
 * catalog entry), then signed into the row by sign_row. */
static int
sign_selected(struct ecert_store *s, const char *select, const char *id,
    char *(*message)(const char *id, sqlite3_stmt *st), const char *update,
    struct ecert_error *e)
{
	sqlite3_stmt *st;
	char *m = NULL;
	int rc;

	if ((st = ecert_prepare(s, select, e)) == NULL)
		return e->status;
	ecert_bind_text(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		m = message(id, st);
	sqlite3_finalize(st);
	rc = sign_row(s, update, m, id, e);
	free(m);
	return rc;
}

static char *
key_row_message(const char *key_id, sqlite3_stmt *st)
{
	return key_message(key_id, (const char *)sqlite3_column_text(st, 0),
	    (const char *)sqlite3_column_text(st, 1),
	    (const char *)sqlite3_column_text(st, 2),
	    (const char *)sqlite3_column_text(st, 3));
}

int
ecert_fact_sign_key(struct ecert_store *s, const char *key_id,
    struct ecert_error *e)
{
	return sign_selected(s, "SELECT unit, alg, public_key, not_before"
	    " FROM keys WHERE key_id = ?", key_id, key_row_message,
	    "UPDATE keys SET sig_key = ?, sig = ? WHERE key_id = ?", e);
}

/*
 * Retires every current key of a unit (a rotation): each retirement is
 * signed by the acting key (the unit's own, a self-revocation, or the
 * platform's) and audited as key.retire with its date.
 */
int
ecert_keys_retire(struct ecert_store *s, const char *unit,
    struct ecert_error *e)
{
	sqlite3_stmt *st;
	char now[21], sig[89], **ids = NULL;
	size_t n = 0, i;
	int rc = 0;

	if (signer == NULL || signer->key.key_id[0] == '\0')
		return ecert_fail(e, ECERT_NOPERM, "key: a retirement is "
		    "signed by the acting unit's key, and there is none");
	st = ecert_prepare(s, "SELECT key_id FROM keys WHERE unit = ? AND"
	    " not_after IS NULL ORDER BY key_id", e);
	if (st == NULL)
		return e->status;
	ecert_bind_text(st, 1, unit);
	while (sqlite3_step(st) == SQLITE_ROW) {
		ids = ecert_xrealloc(ids, (n + 1) * sizeof(*ids));
		ids[n++] = ecert_xstrdup((const char *)
		    sqlite3_column_text(st, 0));
	}
	sqlite3_finalize(st);
	ecert_now_iso(now);
	for (i = 0; i < n; i++) {
		char *m = rc == 0 ? retire_message(ids[i], unit, now) : NULL;

		if (m != NULL) {
			ecert_sign(&signer->key, ECERT_DOMAIN_FACT, m,
			    strlen(m), sig);
			st = ecert_prepare(s, "UPDATE keys SET not_after = ?,"
			    " retire_key = ?, retire_sig = ? WHERE key_id = ?",
			    e);
			if (st == NULL)
				rc = e->status;
			else {
				ecert_bind_text(st, 1, now);
				ecert_bind_text(st, 2, signer->key.key_id);
				ecert_bind_text(st, 3, sig);
				ecert_bind_text(st, 4, ids[i]);
				if (sqlite3_step(st) != SQLITE_DONE)
					rc = ecert_sql_fail(s, e,
					    sqlite3_errcode(s->db), "key");
				sqlite3_finalize(st);
			}
			if (rc == 0 && ecert_audit(s, signer->unit,
			    "key.retire", ids[i], "ok", now) != 0)
				rc = ecert_fail(e, ECERT_IOERR, "audit: cannot "
				    "record the retirement of key %s", ids[i]);
			free(m);
		}
		free(ids[i]);
	}
	free(ids);
	return rc;
}

int
ecert_fact_sign_type(struct ecert_store *s, const char *code,
    struct ecert_error *e)
{
	return sign_selected(s, "SELECT issuer, public, definition, version"
	    " FROM license_types WHERE code = ?", code, type_row_message,
	    "UPDATE license_types SET sig_key = ?, sig = ? WHERE code = ?", e);
}

/* A unit's row signed as it stands. */
static int
sign_unit_row(struct ecert_store *s, const char *code, struct ecert_error *e)
{
	return sign_selected(s, "SELECT name, roles FROM units WHERE code = ?",
	    code, unit_row_message, "UPDATE units SET sig_key = ?, sig = ?"
	    " WHERE code = ?", e);
}

/* A past version of a catalog entry, as license_type_history keeps it. */
static char *
history_message(const char *code, int version, const char *definition,
    const char *loaded_at, const char *loaded_by)
{
	return ecert_json_canonical_take(json_pack("{s:s, s:s, s:i, s:s, s:s,"
	    " s:s}", "table", "license_type_history", "code", code, "version",
	    version, "definition", definition, "loaded_at", loaded_at,
	    "loaded_by", loaded_by));
}

int
ecert_fact_history_ok(struct ecert_store *s, const char *code, int version,
    const char *definition, const char *loaded_at, const char *loaded_by,
    const char *sig_key, const char *sig)
{
	char *m;
	int ok, a = ecert_anchor_load(s, NULL, NULL);

	if (a == 0)
		return 1;
	if (a != 1 || definition == NULL || loaded_at == NULL ||
	    loaded_by == NULL)
		return 0;
	m = history_message(code, version, definition, loaded_at, loaded_by);
	ok = m != NULL && signed_by_platform(s, m, sig_key, sig, NULL, 0);
	free(m);
	return ok;
}

/*
 * Signs catalog history rows with the acting platform's key: the version
 * just written by a load, or (code NULL) every unsigned one, those written
 * before schema 10, adopted as they stand when `ecert-unit anchor` adopts
 * a store made before schema 9.  Without the platform acting, none.
 */
int
ecert_fact_sign_history(struct ecert_store *s, const char *code, int version,
    struct ecert_error *e)
{
	sqlite3_stmt *st, *up;
	char sig[89];
	int rc = 0;

	if (signer == NULL || signer->key.key_id[0] == '\0' ||
	    !(signer->roles & ECERT_ROLE_ADMIN))
		return 0;
	st = ecert_prepare(s, "SELECT code, version, definition, loaded_at,"
	    " loaded_by FROM license_type_history WHERE sig IS NULL AND"
	    " (?1 IS NULL OR (code = ?1 AND version = ?2))", e);
	if (st == NULL)
		return e->status;
	ecert_bind_text(st, 1, code);
	sqlite3_bind_int(st, 2, version);
	while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
		char *m = history_message((const char *)sqlite3_column_text(st,
		    0), sqlite3_column_int(st, 1), (const char *)
		    sqlite3_column_text(st, 2), (const char *)
		    sqlite3_column_text(st, 3), (const char *)
		    sqlite3_column_text(st, 4));

		if (m == NULL) {
			rc = ecert_fail(e, ECERT_IOERR, "catalog history: "
			    "cannot encode");
			break;
		}
		ecert_sign(&signer->key, ECERT_DOMAIN_FACT, m, strlen(m), sig);
		free(m);
		up = ecert_prepare(s, "UPDATE license_type_history SET"
		    " sig_key = ?, sig = ? WHERE code = ? AND version = ?", e);
		if (up == NULL) {
			rc = e->status;
			break;
		}
		ecert_bind_text(up, 1, signer->key.key_id);
		ecert_bind_text(up, 2, sig);
		ecert_bind_text(up, 3, (const char *)sqlite3_column_text(st, 0));
		sqlite3_bind_int(up, 4, sqlite3_column_int(st, 1));
		if (sqlite3_step(up) != SQLITE_DONE)
			rc = ecert_sql_fail(s, e, sqlite3_errcode(s->db),
			    "catalog history");
		sqlite3_finalize(up);
	}
	sqlite3_finalize(st);
	return rc;
}

int
ecert_store_anchor(struct ecert_store *s, const struct ecert_key *platform,
    struct ecert_error *e)
{
	struct ecert_actor a;
	int rc;

	memset(&a, 0, sizeof(a));
	a.key = *platform;
	snprintf(a.unit, sizeof(a.unit), "%s", platform->unit);
	signer = &a;
	rc = sign_unit_row(s, platform->unit, e);
	if (rc == 0)
		rc = ecert_fact_sign_key(s, platform->key_id, e);
	signer = NULL;
	if (rc == 0)
		rc = ecert_anchor_write(s, platform, e);
	pthread_mutex_lock(&lock);
	anchor_state = 0;
	pthread_mutex_unlock(&lock);
	return rc;
}

void
ecert_anchor_optional(int on)
{
	optional = on;
}

/* Fail closed: a store whose anchor is missing is not believed. */
int
ecert_anchor_require(struct ecert_store *s, struct ecert_error *e)
{
	sqlite3_stmt *st;
	char *path;
	int a, anchored = 0, rc;

	if (optional)
		return 0;
	if ((a = ecert_anchor_load(s, NULL, NULL)) == 1)
		return 0;
	path = ecert_anchor_path(s);
	if (a < 0) {
		rc = ecert_fail(e, ECERT_DATAERR, "anchor %s: not the "
		    "platform's public key anchor", path);
		free(path);
		return rc;
	}
	st = ecert_prepare(s, "SELECT EXISTS(SELECT 1 FROM units WHERE sig"
	    " IS NOT NULL) OR EXISTS(SELECT 1 FROM keys WHERE sig IS NOT"
	    " NULL)", NULL);
	if (st != NULL && sqlite3_step(st) == SQLITE_ROW)
		anchored = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (anchored)
		rc = ecert_fail(e, ECERT_IOERR, "anchor %s: missing; the "
		    "store's units, keys and catalog are not believed without "
		    "it (put the platform's anchor file there, or name it with "
		    "ECERT_ANCHOR)", path);
	else
		rc = ecert_fail(e, ECERT_IOERR, "anchor %s: missing; the store"
		    " was never anchored (run ecert-unit anchor -k "
		    "platformkey)", path);
	free(path);
	return rc;
}

/* The rows the platform signs: units, keys and catalog entries. */
static const struct signed_table {
	const char *what, *table, *id;
	int (*ok)(struct ecert_store *s, const char *id);
	int (*sign)(struct ecert_store *s, const char *id,
	    struct ecert_error *e);
} signed_tables[] = {
	{ "unit", "units", "code", ecert_fact_unit_ok, sign_unit_row },
	{ "key", "keys", "key_id", ecert_fact_key_ok, ecert_fact_sign_key },
	{ "type", "license_types", "code", ecert_fact_type_ok,
	    ecert_fact_sign_type },
};
#define NSIGNED (sizeof(signed_tables) / sizeof(signed_tables[0]))

/* The ids of a table's rows in order, or only of those signed; read
 * whole first, as their rows are then changed. */
static char **
table_ids(struct ecert_store *s, const struct signed_table *t,
    int only_signed, size_t *n, struct ecert_error *e)
{
	sqlite3_stmt *st;
	char *sql, **ids = NULL;

	*n = 0;
	sql = ecert_xasprintf("SELECT %s FROM %s%s ORDER BY 1", t->id,
	    t->table, only_signed ? " WHERE sig IS NOT NULL" : "");
	st = ecert_prepare(s, sql, e);
	free(sql);
	if (st == NULL)
		return NULL;
	ids = ecert_xmalloc(sizeof(*ids));
	while (sqlite3_step(st) == SQLITE_ROW) {
		ids = ecert_xrealloc(ids, (*n + 1) * sizeof(*ids));
		ids[(*n)++] = ecert_xstrdup((const char *)
		    sqlite3_column_text(st, 0));
	}
	sqlite3_finalize(st);
	return ids;
}

static void
ids_free(char **ids, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
}

/* Every row of the tables, or (check) only those signed, checked against
 * its signature or signed. */
static int
table_rows(struct ecert_store *s, const struct ecert_actor *a, int check,
    struct ecert_error *e)
{
	const struct signed_table *t;
	char **ids;
	size_t i, j, n;
	int rc = 0;

	for (i = 0; rc == 0 && i < NSIGNED; i++) {
		t = &signed_tables[i];
		if ((ids = table_ids(s, t, check, &n, e)) == NULL)
			return e->status;
		for (j = 0; rc == 0 && j < n; j++)
			if (!check)
				rc = t->sign(s, ids[j], e);
			else if (!t->ok(s, ids[j]))
				rc = ecert_fail(e, ECERT_NO, "anchor: %s %s: "
				    "tampered: not as the platform key %s "
				    "signed it; nothing anchored", t->what,
				    ids[j], a->key.key_id);
		ids_free(ids, n);
	}
	return rc;
}

/* Signs every unit, key and catalog entry with the platform's key and pins
 * that key beside the store: a store made before schema 9, or one whose
 * anchor was lost.  In the caller's transaction. */
int
ecert_store_anchor_all(struct ecert_store *s, const struct ecert_actor *a,
    struct ecert_error *e)
{
	char *path;
	int rc;

	if (!(a->roles & ECERT_ROLE_ADMIN))
		return ecert_fail(e, ECERT_NOPERM, "anchor: unit %s is not "
		    "the platform", a->unit);
	path = ecert_anchor_path(s);
	if (ecert_anchor_load(s, NULL, NULL) != 0) {
		rc = ecert_fail(e, ECERT_IOERR, "anchor %s: already there; "
		    "the store is anchored", path);
		free(path);
		return rc;
	}
	/* a row the platform signed before must be its, as it is now: a
	 * lost anchor is given back, an edited row is not laundered */
	pthread_mutex_lock(&lock);
	snprintf(anchor_path, sizeof(anchor_path), "%s", path);
	memset(checked, 0, sizeof(checked));
	ecert_key_pub(&a->key, &anchor_pub);
	snprintf(anchor_unit, sizeof(anchor_unit), "%s", a->key.unit);
	snprintf(anchor_kid, sizeof(anchor_kid), "%s", a->key.key_id);
	anchor_state = 1;
	pthread_mutex_unlock(&lock);
	free(path);
	rc = table_rows(s, a, 1, e);
	signer = a;
	if (rc == 0)
		rc = table_rows(s, a, 0, e);
	if (rc == 0)
		rc = ecert_fact_sign_history(s, NULL, 0, e);
	signer = NULL;
	if (rc == 0)
		rc = ecert_anchor_write(s, &a->key, e);
	pthread_mutex_lock(&lock);
	anchor_state = 0;
	pthread_mutex_unlock(&lock);
	return rc;
}
