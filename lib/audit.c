/*
 * audit.c: the tamper-evident audit log.  Every entry carries the MAC of
 * the one before it, keyed with the audit key from the store's key file,
 * so a copy of the store alone cannot be used to rewrite the chain.
 */
#include <string.h>

#include <sodium.h>

#include "ecert_priv.h"

static const char zero_hash[65] =
    "0000000000000000000000000000000000000000000000000000000000000000";

static void
entry_hash(const struct ecert_store *s, long long seq, const char *time_s,
    const char *unit, const char *os_user, const char *action,
    const char *object, const char *outcome, const char *detail,
    const char *prev, char out[65])
{
	crypto_generichash_state st;
	unsigned char h[32];
	json_t *o;
	char *canon;

	o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
	    "seq", (json_int_t)seq, "time", time_s, "unit", unit,
	    "os_user", os_user, "action", action, "object", object,
	    "outcome", outcome, "detail", detail, "prev", prev);
	canon = o ? ecert_json_canonical(o) : NULL;
	json_decref(o);
	crypto_generichash_init(&st, s->audit_key, sizeof(s->audit_key),
	    sizeof(h));
	crypto_generichash_update(&st, (const unsigned char *)"ecert-audit-v1",
	    15);
	if (canon != NULL)
		crypto_generichash_update(&st, (unsigned char *)canon,
		    strlen(canon));
	crypto_generichash_final(&st, h, sizeof(h));
	free(canon);
	sodium_bin2hex(out, 65, h, sizeof(h));
}

static const char *
nz(const char *s)
{
	return s ? s : "";
}

/* An entry made during a read (ecert_begin_read): held for the next
 * write transaction. */
struct ecert_held {
	char *unit, *action, *object, *outcome, *detail;
};

static char *
dup_or_null(const char *v)
{
	return v ? ecert_xstrdup(v) : NULL;
}

static int
hold(struct ecert_store *s, const char *unit, const char *action,
    const char *object, const char *outcome, const char *detail)
{
	struct ecert_held *h;

	if (s->nheld == s->capheld) {
		s->capheld = s->capheld ? 2 * s->capheld : 8;
		s->held = ecert_xrealloc(s->held, s->capheld * sizeof(*h));
	}
	h = &s->held[s->nheld++];
	h->unit = dup_or_null(unit);
	h->action = ecert_xstrdup(action);
	h->object = dup_or_null(object);
	h->outcome = ecert_xstrdup(outcome);
	h->detail = dup_or_null(detail);
	return 0;
}

int
ecert_audit_write_held(struct ecert_store *s, struct ecert_error *e)
{
	const struct ecert_held *h;
	size_t i;

	for (i = 0; i < s->nheld; i++) {
		h = &s->held[i];
		if (ecert_audit(s, h->unit, h->action, h->object, h->outcome,
		    h->detail) != 0)
			return ecert_fail(e, ECERT_IOERR, "audit: cannot "
			    "record %s of %s", h->action, h->object ?
			    h->object : "");
	}
	return 0;
}

void
ecert_audit_forget_held(struct ecert_store *s)
{
	struct ecert_held *h;
	size_t i;

	for (i = 0; i < s->nheld; i++) {
		h = &s->held[i];
		free(h->unit);
		free(h->action);
		free(h->object);
		free(h->outcome);
		free(h->detail);
	}
	s->nheld = 0;
}

/*
 * Appends one entry.  Inside a transaction it lands with the change it
 * records; outside one (a refusal, a read) it is a transaction of its own;
 * during a read (ecert_begin_read) it is held for the next write.
 */
int
ecert_audit(struct ecert_store *s, const char *unit, const char *action,
    const char *object, const char *outcome, const char *detail)
{
	static const char last_sql[] = "SELECT seq, hash FROM audit ORDER BY"
	    " seq DESC LIMIT 1";
	static const char insert_sql[] = "INSERT INTO audit(seq, time, unit,"
	    " os_user, action, object, outcome, detail, prev, hash)"
	    " VALUES (?,?,?,?,?,?,?,?,?,?)";
	struct ecert_error e;
	sqlite3_stmt *st = NULL;
	char prev[65], hash[65], now[21];
	long long seq = 1;
	int own = !s->in_tx, rc;

	if (s->in_tx == ECERT_TX_READ)
		return hold(s, unit, action, object, outcome, detail);
	if (own && ecert_begin(s, &e) != 0) {
		ecert_warn("%s", e.msg);	/* a busy store says so */
		return e.status;
	}
	snprintf(prev, sizeof(prev), "%s", zero_hash);
	/* both statements kept: an audit entry is written for every
	 * license a batch verifies */
	st = ecert_prepare_cached(s, last_sql);
	if (st == NULL) {
		ecert_sql_fail(s, &e, sqlite3_errcode(s->db), "audit");
		goto fail;
	}
	if (sqlite3_step(st) == SQLITE_ROW) {
		seq = sqlite3_column_int64(st, 0) + 1;
		snprintf(prev, sizeof(prev), "%s",
		    (const char *)sqlite3_column_text(st, 1));
	}
	ecert_cached_done(st);
	ecert_clock_iso(now);
	entry_hash(s, seq, now, nz(unit), s->os_user, action, nz(object),
	    outcome, nz(detail), prev, hash);
	st = ecert_prepare_cached(s, insert_sql);
	if (st == NULL) {
		ecert_sql_fail(s, &e, sqlite3_errcode(s->db), "audit");
		goto fail;
	}
	sqlite3_bind_int64(st, 1, seq);
	ecert_bind_text(st, 2, now);
	ecert_bind_text(st, 3, nz(unit));
	ecert_bind_text(st, 4, s->os_user);
	ecert_bind_text(st, 5, action);
	ecert_bind_text(st, 6, nz(object));
	ecert_bind_text(st, 7, outcome);
	ecert_bind_text(st, 8, nz(detail));
	ecert_bind_text(st, 9, prev);
	ecert_bind_text(st, 10, hash);
	rc = sqlite3_step(st);
	ecert_cached_done(st);
	if (rc != SQLITE_DONE) {
		ecert_sql_fail(s, &e, rc, "audit");
		goto fail;
	}
	if (own)
		return ecert_commit(s, &e);
	return 0;
fail:
	if (own)
		ecert_rollback(s);
	ecert_warn("%s", e.msg);
	return e.status;
}

int
ecert_audit_verify(struct ecert_store *s, long long *first_bad, char *why,
    size_t n, long long *count, struct ecert_error *e)
{
	sqlite3_stmt *st;
	char prev[65], hash[65];
	long long seq, expect = 1;
	int rc, bad = 0;

	*first_bad = 0;
	*count = 0;
	snprintf(prev, sizeof(prev), "%s", zero_hash);
	st = ecert_prepare(s, "SELECT seq, time, unit, os_user, action, object,"
	    " outcome, detail, prev, hash FROM audit ORDER BY seq", e);
	if (st == NULL)
		return e->status;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *col[10];
		int i;

		for (i = 1; i < 10; i++)
			col[i] = (const char *)sqlite3_column_text(st, i);
		seq = sqlite3_column_int64(st, 0);
		for (i = 1; i < 10; i++)
			if (col[i] == NULL) {
				ecert_whyf(why, n, "entry %lld: empty field", seq);
				bad = 1;
				break;
			}
		if (bad)
			break;
		if (seq != expect) {
			ecert_whyf(why, n, "entry %lld removed (next is %lld)",
			    expect, seq);
			seq = expect;
			bad = 1;
			break;
		}
		if (strcmp(col[8], prev) != 0) {
			ecert_whyf(why, n, "entry %lld: does not follow entry "
			    "%lld (removed or reordered)", seq, seq - 1);
			bad = 1;
			break;
		}
		entry_hash(s, seq, col[1], col[2], col[3], col[4], col[5],
		    col[6], col[7], col[8], hash);
		if (strcmp(hash, col[9]) != 0) {
			ecert_whyf(why, n, "entry %lld: altered", seq);
			bad = 1;
			break;
		}
		snprintf(prev, sizeof(prev), "%s", col[9]);
		expect++;
		(*count)++;
	}
	sqlite3_finalize(st);
	if (bad) {
		*first_bad = seq;
		return ECERT_NO;
	}
	if (rc != SQLITE_DONE)
		return ecert_sql_fail(s, e, rc, "audit");
	return 0;
}

/*
 * A refusal is audited after its transaction has been rolled back, so
 * that the entry survives the refusal it records.
 */
int
ecert_audit_refusal(struct ecert_store *s, const char *unit,
    const char *action, const char *object, const struct ecert_error *e)
{
	const char *outcome = "failed";

	if (e->status == ECERT_NOPERM)
		outcome = "denied";
	else if (e->status == ECERT_NO)
		outcome = "refused";
	else if (e->status == ECERT_DATAERR || e->status == ECERT_USAGE)
		outcome = "rejected";
	return ecert_audit(s, unit, action, object, outcome, e->msg);
}

/* An access that cannot be audited is not answered: this is called
 * before the answer is written, and ends the program when it fails. */
void
ecert_audit_access(struct ecert_store *s, const char *unit,
    const char *action, const char *object, const char *outcome,
    const char *detail)
{
	int rc = ecert_audit(s, unit, action, object, outcome, detail);

	if (rc != 0) {
		ecert_store_close(s);
		ecert_die(rc, "audit: cannot record %s of %s; no answer given",
		    action, object ? object : "");
	}
}

/*
 * An entry's leaf in the transparency log (ecert(5)): the entry as one
 * RFC 8785 object, its members in key order, its own chain hash included,
 * the same bytes `ecert-audit log --json` prints.  Written by hand: it is
 * made for every entry of the log at each verify, so it must be cheap.
 */
struct leafbuf {
	char *p;
	size_t n, cap;
};

static void
leaf_put(struct leafbuf *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		while (b->n + n + 1 > b->cap)
			b->cap = b->cap ? b->cap * 2 : 512;
		b->p = ecert_xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
}

static void
leaf_str(struct leafbuf *b, const char *key, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, run;
	char esc[6];

	leaf_put(b, key, strlen(key));
	leaf_put(b, "\"", 1);
	for (i = 0; s[i] != '\0'; i += run) {
		for (run = 0; s[i + run] != '\0'; run++) {
			unsigned char u = (unsigned char)s[i + run];

			if (u < 0x20 || u == '"' || u == '\\')
				break;
		}
		if (run > 0) {
			leaf_put(b, s + i, run);
			continue;
		}
		run = 1;
		switch (s[i]) {
		case '"': leaf_put(b, "\\\"", 2); break;
		case '\\': leaf_put(b, "\\\\", 2); break;
		case '\b': leaf_put(b, "\\b", 2); break;
		case '\f': leaf_put(b, "\\f", 2); break;
		case '\n': leaf_put(b, "\\n", 2); break;
		case '\r': leaf_put(b, "\\r", 2); break;
		case '\t': leaf_put(b, "\\t", 2); break;
		default:
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[(unsigned char)s[i] >> 4];
			esc[5] = hex[(unsigned char)s[i] & 0xf];
			leaf_put(b, esc, 6);
		}
	}
	leaf_put(b, "\"", 1);
}

/* col[1..9]: time, unit, os_user, action, object, outcome, detail, prev,
 * hash, as the audit table orders them; col[0] is not read. */
char *
ecert_audit_leaf(long long seq, const char *const col[10], size_t *n)
{
	struct leafbuf b = { 0 };
	char num[32];

	leaf_str(&b, "{\"action\":", col[4]);
	leaf_str(&b, ",\"detail\":", col[7]);
	leaf_str(&b, ",\"hash\":", col[9]);
	leaf_str(&b, ",\"object\":", col[5]);
	leaf_str(&b, ",\"os_user\":", col[3]);
	leaf_str(&b, ",\"outcome\":", col[6]);
	leaf_str(&b, ",\"prev\":", col[8]);
	snprintf(num, sizeof(num), ",\"seq\":%lld", seq);
	leaf_put(&b, num, strlen(num));
	leaf_str(&b, ",\"time\":", col[1]);
	leaf_str(&b, ",\"unit\":", col[2]);
	leaf_put(&b, "}", 1);
	b.p[b.n] = '\0';
	*n = b.n;
	return b.p;
}

/* The entries after seq `after`, in order; fn returning non-zero stops
 * the walk and is returned.  A NULL field is read as "". */
int
ecert_audit_each(struct ecert_store *s, long long after,
    int (*fn)(long long seq, const char *const col[10], void *arg),
    void *arg, struct ecert_error *e)
{
	sqlite3_stmt *st;
	int rc, stop = 0;

	st = ecert_prepare(s, "SELECT seq, time, unit, os_user, action, object,"
	    " outcome, detail, prev, hash FROM audit WHERE seq > ?"
	    " ORDER BY seq", e);
	if (st == NULL)
		return e->status;
	sqlite3_bind_int64(st, 1, after);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *col[10];
		int i;

		col[0] = NULL;
		for (i = 1; i < 10; i++) {
			col[i] = (const char *)sqlite3_column_text(st, i);
			if (col[i] == NULL)
				col[i] = "";
		}
		if ((stop = fn(sqlite3_column_int64(st, 0), col, arg)) != 0)
			break;
	}
	sqlite3_finalize(st);
	if (stop != 0)
		return stop;
	if (rc != SQLITE_DONE)
		return ecert_sql_fail(s, e, rc, "audit");
	return 0;
}

/* The actions the programs record, for --action. */
static const char *const actions[] = {
	"store.init", "unit.add", "key.add", "key.rotate", "key.open",
	"catalog.load", "matter.load", "matter.check",
	"license.issue", "license.draft", "license.approve", "license.reject",
	"license.import", "license.amend", "license.expire",
	"license.revoke", "license.suspend", "license.reinstate",
	"license.show", "license.history", "license.face", "license.present",
	"license.query", "license.verify", "license.use", "license.check",
	"license.reconcile", "grant.add", "grant.withdraw", "grant.list",
	"grant.show", "grant.use", "dispute.file", "dispute.list",
	"dispute.resolve", "holidays.load", "license.public-query",
	"report.run", "store.backup", "store.restore",
	"status.export", "trust.export", "audit.checkpoint", "audit.verify",
	"checkpoint.export", "client.add", "client.revoke", "serve.auth",
	"serve.request", "serve.seal", "fact.tampered", "store.anchor",
	"key.retire", NULL
};

const char *const *
ecert_audit_actions(void)
{
	return actions;
}

/* 1 when the programs record action or the log holds it (a newer
 * program's), 0 when neither, or a status with e. */
int
ecert_audit_action_known(struct ecert_store *s, const char *action,
    struct ecert_error *e)
{
	sqlite3_stmt *st;
	int i, rc;

	for (i = 0; actions[i] != NULL; i++)
		if (strcmp(actions[i], action) == 0)
			return 1;
	if ((st = ecert_prepare(s, "SELECT 1 FROM audit WHERE action = ?"
	    " LIMIT 1", e)) == NULL)
		return e->status;
	sqlite3_bind_text(st, 1, action, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : ecert_sql_fail(s, e, rc, "audit");
}

/* The entries that pass the filter (NULL members: any), in order, as
 * ten columns: seq, time, unit, os_user, action, object, outcome,
 * detail, prev, hash. */
int
ecert_audit_select(struct ecert_store *s, const struct ecert_audit_filter *f,
    int (*fn)(const char *const cells[10], void *arg), void *arg,
    struct ecert_error *e)
{
	sqlite3_stmt *st;
	const char *cells[10];
	int i, rc;

	st = ecert_prepare(s, "SELECT seq, time, unit, os_user, action, object,"
	    " outcome, detail, prev, hash FROM audit"
	    " WHERE (?1 IS NULL OR unit = ?1) AND (?2 IS NULL OR action = ?2)"
	    " AND (?3 IS NULL OR object = ?3) AND (?4 IS NULL OR time >= ?4)"
	    " AND (?5 IS NULL OR time <= ?5) ORDER BY seq", e);
	if (st == NULL)
		return e->status;
	sqlite3_bind_text(st, 1, f->unit, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, f->action, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, f->object, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, f->since, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, f->until, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (i = 0; i < 10; i++)
			cells[i] = (const char *)sqlite3_column_text(st, i);
		if (fn(cells, arg) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : ecert_sql_fail(s, e, rc, "audit");
}
