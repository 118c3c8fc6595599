/*
 * facts.c: a license's status events as a signed chain (article 23).
 *
 * Each event is signed by the unit that made it (the expiry sweep's are
 * not signed: they follow from the signed validity date and are checked
 * against it) and names the hash of the event before it; the first names
 * the hash of the license's signed document.  The status a verifier
 * believes is the one the chain derives, walked from the document with
 * the legal transitions; the clear status column must agree, and the
 * chain must hold as many signed changes as the audit log records for
 * the license.  Anything else is tampering.
 */
#include <string.h>

#include <sodium.h>

#include "ecert_priv.h"

static void
sha256_hex(const char *m, size_t n, char out[65])
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, (const unsigned char *)m, n);
	sodium_bin2hex(out, 65, h, sizeof(h));
}

void
ecert_doc_hash(const char *canon, char out[65])
{
	sha256_hex(canon, strlen(canon), out);
}

/* Schema 8 and earlier: no chain, no action. */
static char *
message_v1(const char *license, const char *time_s, const char *unit,
    const char *status, const char *reason)
{
	return ecert_json_canonical_take(json_pack("{s:s, s:s, s:s, s:s, s:s}",
	    "license", license, "time", time_s, "unit", unit, "status", status,
	    "reason", reason));
}

char *
ecert_event_message(const char *license, const char *prev,
    const char *time_s, const char *unit, const char *action,
    const char *status, const char *reason)
{
	if (prev == NULL)
		return message_v1(license, time_s, unit, status, reason);
	return ecert_json_canonical_take(json_pack("{s:s, s:s, s:s, s:s, s:s,"
	    " s:s, s:s}", "license", license, "prev", prev, "time", time_s,
	    "unit", unit, "action", action, "status", status, "reason",
	    reason));
}

/* The hash the next event must name: of the last event, else of the
 * document.  0, or ECERT_NO when the license or its document is gone. */
int
ecert_event_head(struct ecert_store *s, const char *id, char head[65],
    struct ecert_error *e)
{
	sqlite3_stmt *st;
	char *canon = NULL;
	int rc;

	st = ecert_prepare(s, "SELECT license, time, unit, coalesce(action,"
	    " ''), status, reason, prev FROM license_events WHERE license = ?"
	    " ORDER BY seq DESC LIMIT 1", e);
	if (st == NULL)
		return e->status;
	ecert_bind_text(st, 1, id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		char *m = ecert_event_message(
		    (const char *)sqlite3_column_text(st, 0),
		    (const char *)sqlite3_column_text(st, 6),
		    (const char *)sqlite3_column_text(st, 1),
		    (const char *)sqlite3_column_text(st, 2),
		    (const char *)sqlite3_column_text(st, 3),
		    (const char *)sqlite3_column_text(st, 4),
		    (const char *)sqlite3_column_text(st, 5));
		sqlite3_finalize(st);
		if (m == NULL)
			return ecert_fail(e, ECERT_IOERR, "%s: event", id);
		sha256_hex(m, strlen(m), head);
		free(m);
		return 0;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return ecert_sql_fail(s, e, rc, "license event");
	st = ecert_prepare(s, "SELECT document FROM licenses WHERE id = ?", e);
	if (st == NULL)
		return e->status;
	ecert_bind_text(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		canon = ecert_pii_open(s, sqlite3_column_blob(st, 0),
		    (size_t)sqlite3_column_bytes(st, 0), NULL);
	sqlite3_finalize(st);
	if (canon == NULL)
		return ecert_fail(e, ECERT_NO, "%s: its signed document cannot"
		    " be read", id);
	ecert_doc_hash(canon, head);
	free(canon);
	return 0;
}

/* The legal transitions: the status an action leads to from a state,
 * or NULL when it may not be taken. */
const char *
ecert_event_next(const char *state, const char *action, int first)
{
	if (strcmp(action, "approve") == 0)
		return first && strcmp(state, "valid") == 0 ? "valid" : NULL;
	if (strcmp(action, "revoke") == 0)
		return strcmp(state, "valid") == 0 || strcmp(state,
		    "suspended") == 0 || strcmp(state, "expired") == 0 ?
		    "revoked" : NULL;
	if (strcmp(action, "suspend") == 0)
		return strcmp(state, "valid") == 0 ? "suspended" : NULL;
	if (strcmp(action, "reinstate") == 0)
		return strcmp(state, "suspended") == 0 ? "valid" : NULL;
	if (strcmp(action, "amend") == 0)
		return strcmp(state, "valid") == 0 ? "superseded" : NULL;
	if (strcmp(action, "expire") == 0)
		return strcmp(state, "valid") == 0 || strcmp(state,
		    "suspended") == 0 ? "expired" : NULL;
	return NULL;
}

/* Events written before the chain say no action: read it off. */
static const char *
legacy_action(const char *state, const char *status, int first)
{
	if (strcmp(status, "revoked") == 0)
		return "revoke";
	if (strcmp(status, "suspended") == 0)
		return "suspend";
	if (strcmp(status, "superseded") == 0)
		return "amend";
	if (strcmp(status, "expired") == 0)
		return "expire";
	if (strcmp(status, "valid") == 0)
		return first && strcmp(state, "suspended") != 0 ? "approve" :
		    "reinstate";
	return "?";
}

int
ecert_event_append(struct ecert_store *s, const struct ecert_actor *a,
    const char *id, const char *action, const char *status,
    const char *reason, struct ecert_error *e)
{
	return ecert_event_append_at(s, a, id, action, status, reason, NULL,
	    e);
}

int
ecert_event_append_at(struct ecert_store *s, const struct ecert_actor *a,
    const char *id, const char *action, const char *status,
    const char *reason, const char *at, struct ecert_error *e)
{
	sqlite3_stmt *st;
	char now[21], sig[89], head[65], *m;
	int rc;

	if ((rc = ecert_event_head(s, id, head, e)) != 0)
		return rc;
	if (at != NULL)
		snprintf(now, sizeof(now), "%s", at);
	else
		ecert_now_iso(now);
	m = ecert_event_message(id, head, now, a ? a->unit : "", action,
	    status, reason);
	if (m == NULL)
		return ecert_fail(e, ECERT_IOERR, "%s: event", id);
	if (a != NULL)
		ecert_sign(&a->key, ECERT_DOMAIN_EVENT_CHAIN, m, strlen(m),
		    sig);
	free(m);
	st = ecert_prepare(s, "INSERT INTO license_events(license, time, unit,"
	    " os_user, status, reason, key_id, signature, action, prev)"
	    " VALUES (?,?,?,?,?,?,?,?,?,?)", e);
	if (st == NULL)
		return e->status;
	ecert_bind_text(st, 1, id);
	ecert_bind_text(st, 2, now);
	ecert_bind_text(st, 3, a ? a->unit : "");
	ecert_bind_text(st, 4, s->os_user);
	ecert_bind_text(st, 5, status);
	ecert_bind_text(st, 6, reason);
	ecert_bind_text(st, 7, a ? a->key.key_id : NULL);
	ecert_bind_text(st, 8, a ? sig : NULL);
	ecert_bind_text(st, 9, action);
	ecert_bind_text(st, 10, head);
	return ecert_step_once(s, st, "license event", e);
}

/* The count the statement st (of one parameter, the object) gives;
 * -1 when it gives none. */
static long
count_of(sqlite3_stmt *st, const char *object)
{
	ecert_bind_text(st, 1, object);
	if (sqlite3_step(st) == SQLITE_ROW)
		return (long)sqlite3_column_int64(st, 0);
	return -1;
}

/* How many entries of these actions (an SQL list of strings) the audit
 * log records as done to the object; -1 when it cannot be read. */
long
ecert_facts_audited(struct ecert_store *s, const char *object,
    const char *actions_sql)
{
	sqlite3_stmt *st;
	char *sql;
	long n;

	sql = ecert_xasprintf("SELECT count(*) FROM audit WHERE object = ?"
	    " AND action IN (%s) AND outcome = 'ok'", actions_sql);
	st = ecert_prepare(s, sql, NULL);
	free(sql);
	if (st == NULL)
		return -1;
	n = count_of(st, object);
	sqlite3_finalize(st);
	return n;
}

static long
audited_changes(struct ecert_store *s, const char *id)
{
	static const char sql[] = "SELECT count(*) FROM audit WHERE object = ?"
	    " AND action IN ('license.revoke','license.suspend',"
	    "'license.reinstate','license.approve') AND outcome = 'ok'";
	sqlite3_stmt *st = ecert_prepare_cached(s, sql);
	long n;

	if (st == NULL)
		return -1;
	n = count_of(st, id);
	ecert_cached_done(st);
	return n;
}

/* One stored status event, as read. */
struct event {
	const char *time, *unit, *status, *reason, *key_id, *sig, *action;
	const char *prev;
};

/* The chain walked so far: the state it derives and the hash the next
 * event must name. */
struct chain {
	const char *id, *valid_until;
	char state[16], head[65];
	int first, chained;
	long changes;		/* signed changes the audit log records */
};

/* The action of an event that follows the one before it, or NULL (why
 * says so). */
static const char *
event_action(const struct chain *c, const struct event *v, char *why,
    size_t n)
{
	if (v->prev == NULL) {
		if (c->chained) {
			ecert_whyf(why, n, "status event of %s is not "
			    "chained, after chained ones", v->time);
			return NULL;
		}
		return legacy_action(c->state, v->status, c->first);
	}
	if (strcmp(v->prev, c->head) != 0) {
		ecert_whyf(why, n, "status event of %s (%s) does "
		    "not follow the one before it: replayed, "
		    "reordered or one removed", v->time, v->status);
		return NULL;
	}
	return v->action ? v->action : "?";
}

/* The event (its message m, its action act) is signed by a key of its
 * unit, or, an expiry, follows from the signed validity date. */
static int
event_signed(struct ecert_store *s, const struct chain *c,
    const struct event *v, const char *act, const char *m, char *why,
    size_t n)
{
	struct ecert_pub pk;
	char unit[19];

	if (strcmp(act, "expire") == 0) {
		/* unsigned: it must follow from the signed date */
		if (c->valid_until == NULL || *c->valid_until == '\0' ||
		    strncmp(c->valid_until, v->time, 10) >= 0 ||
		    strcmp(v->status, "expired") != 0) {
			ecert_whyf(why, n, "expiry event of %s does not "
			    "follow from the signed validity (%s)", v->time,
			    c->valid_until && *c->valid_until ?
			    c->valid_until : "no end date");
			return 0;
		}
	} else if (v->key_id == NULL || v->sig == NULL ||
	    !ecert_key_lookup_pub(s, v->key_id, &pk, unit, NULL, NULL) ||
	    strcmp(unit, v->unit) != 0) {
		ecert_whyf(why, n, "status event of %s (%s) is not signed "
		    "by a key of its unit", v->time, v->status);
		return 0;
	} else if (!ecert_verify(&pk, v->prev ? ECERT_DOMAIN_EVENT_CHAIN :
	    ECERT_DOMAIN_EVENT, m, strlen(m), v->sig)) {
		ecert_whyf(why, n, "status event of %s (%s): bad signature",
		    v->time, v->status);
		return 0;
	}
	return 1;
}

/* Walks one event: 1 when it is a sound, legal step of the chain. */
static int
chain_step(struct ecert_store *s, struct chain *c, const struct event *v,
    char *why, size_t n)
{
	const char *act, *to;
	char *m;
	int ok;

	if ((act = event_action(c, v, why, n)) == NULL)
		return 0;
	if (v->prev != NULL)
		c->chained = 1;
	m = ecert_event_message(c->id, v->prev, v->time, v->unit, act,
	    v->status, v->reason);
	if (m == NULL) {
		ecert_whyf(why, n, "status event of %s cannot be read",
		    v->time);
		return 0;
	}
	ok = event_signed(s, c, v, act, m, why, n);
	if (ok && ((to = ecert_event_next(c->state, act, c->first)) ==
	    NULL || strcmp(to, v->status) != 0)) {
		ecert_whyf(why, n, "status event of %s: %s a license that "
		    "is %s is not a legal change", v->time, act, c->state);
		ok = 0;
	}
	if (ok) {
		snprintf(c->state, sizeof(c->state), "%s", v->status);
		sha256_hex(m, strlen(m), c->head);
		if (strcmp(act, "expire") != 0 && strcmp(act, "amend") != 0)
			c->changes++;
	}
	free(m);
	c->first = 0;
	return ok;
}

/* Walks the license's events from its document: 1 when all are sound. */
static int
chain_walk(struct ecert_store *s, struct chain *c, char *why, size_t n)
{
	static const char sql[] = "SELECT time, unit, status, reason, key_id,"
	    " signature, action, prev FROM license_events WHERE license = ?"
	    " ORDER BY seq";
	sqlite3_stmt *st;
	struct event v;
	int ok = 1;

	if ((st = ecert_prepare_cached(s, sql)) == NULL) {
		ecert_whyf(why, n, "its status events cannot be read");
		return 0;
	}
	ecert_bind_text(st, 1, c->id);
	while (ok && sqlite3_step(st) == SQLITE_ROW) {
		v.time = (const char *)sqlite3_column_text(st, 0);
		v.unit = (const char *)sqlite3_column_text(st, 1);
		v.status = (const char *)sqlite3_column_text(st, 2);
		v.reason = (const char *)sqlite3_column_text(st, 3);
		v.key_id = (const char *)sqlite3_column_text(st, 4);
		v.sig = (const char *)sqlite3_column_text(st, 5);
		v.action = (const char *)sqlite3_column_text(st, 6);
		v.prev = (const char *)sqlite3_column_text(st, 7);
		ok = chain_step(s, c, &v, why, n);
	}
	ecert_cached_done(st);
	return ok;
}

/* The status column agrees with the chain's: the same, or expired by the
 * signed date alone, the sweep not yet run. */
static int
column_agrees(const char *column, const char *state, const char *valid_until)
{
	char today[11];

	ecert_today(today);
	return strcmp(column, state) == 0 || (strcmp(column, "expired") == 0 &&
	    (strcmp(state, "valid") == 0 || strcmp(state, "suspended") == 0) &&
	    valid_until != NULL && *valid_until != '\0' &&
	    strcmp(valid_until, today) < 0);
}

const char *
ecert_facts_check(struct ecert_store *s, const char *id, const char *canon,
    const char *valid_until, const char *column, char *derived,
    size_t derivedn, char *why, size_t n)
{
	struct chain c;
	long audited;
	int ok;

	memset(&c, 0, sizeof(c));
	c.id = id;
	c.valid_until = valid_until;
	c.first = 1;
	snprintf(c.state, sizeof(c.state), "valid");
	ecert_doc_hash(canon, c.head);
	ok = chain_walk(s, &c, why, n);
	snprintf(derived, derivedn, "%s", c.state);
	if (!ok)
		return why;
	audited = audited_changes(s, id);
	if (audited < 0) {
		ecert_whyf(why, n, "the audit log cannot be read");
		return why;
	}
	if (audited != c.changes) {
		ecert_whyf(why, n, "the audit log records %ld status change%s, "
		    "its signed chain holds %ld: an event was removed or added",
		    audited, audited == 1 ? "" : "s", c.changes);
		return why;
	}
	if (!column_agrees(column, c.state, valid_until)) {
		ecert_whyf(why, n, "store says %s, its signed events say %s",
		    column, c.state);
		return why;
	}
	return NULL;
}

void
ecert_facts_tampered(struct ecert_store *s, const char *object,
    const char *why)
{
	ecert_audit(s, NULL, "fact.tampered", object, "tampered", why);
}
