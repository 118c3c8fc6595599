/*
 * routes.c: each route of ecert-serve does what the program named beside
 * it does, by the same libecert calls, with the same authorization and
 * the same audit entries; only the answer is JSON over HTTP.  The exit
 * status the program would give travels in X-Ecert-Exit, and maps to the
 * HTTP status as ecert-serve(1) lists.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <microhttpd.h>
#include <sodium.h>

#include "serve.h"

void
answer_json(struct answer *out, unsigned code, int exit, const json_t *v)
{
	char *text = ecert_json_canonical(v);

	if (text == NULL)
		text = ecert_xstrdup("{\"error\":\"cannot encode the answer\"}");
	out->code = code;
	out->exit = exit;
	out->len = strlen(text);
	out->body = ecert_xrealloc(text, out->len + 2);
	out->body[out->len++] = '\n';
	out->body[out->len] = '\0';
}

void
answer_error(struct answer *out, unsigned code, int exit, const char *msg)
{
	json_t *o = json_pack("{s:s, s:i}", "error", msg, "exit", exit);

	answer_json(out, code, exit, o);
	json_decref(o);
}

/* The exit status a program would give, as an HTTP status; `no` is what a
 * definite no (1) means on this route. */
static unsigned
http_status(int rc, unsigned no)
{
	switch (rc) {
	case ECERT_OK: return 200;
	case ECERT_NO: return no;
	case ECERT_USAGE: return 400;
	case ECERT_DATAERR: return 422;
	case ECERT_NOPERM: return 403;
	case ECERT_BUSY: return 503;
	default: return 500;
	}
}

static void
answer_fail(struct answer *out, const struct ecert_error *e, unsigned no)
{
	answer_error(out, http_status(e->status, no), e->status, e->msg);
	if (e->status == ECERT_BUSY)
		out->retry = "1";
}

/* "/v1/licenses/ID/verb": the identifier and the verb (or ""). */
static int
split_license_path(const char *path, char *id, size_t n, const char **verb)
{
	const char *p = path + strlen("/v1/licenses/"), *slash;
	size_t len;

	slash = strchr(p, '/');
	len = slash ? (size_t)(slash - p) : strlen(p);
	if (len == 0 || len >= n)
		return -1;
	memcpy(id, p, len);
	id[len] = '\0';
	*verb = slash ? slash + 1 : "";
	return 0;
}

static json_t *
body_object(const struct request *r, struct ecert_error *e)
{
	json_t *v;

	if (r->len == 0) {
		ecert_fail(e, ECERT_USAGE, "a JSON object is required");
		return NULL;
	}
	if ((v = ecert_json_parse(r->body, r->len, e)) == NULL)
		return NULL;
	if (!json_is_object(v)) {
		json_decref(v);
		ecert_fail(e, ECERT_DATAERR, "not a JSON object");
		return NULL;
	}
	return v;
}

/* The seal of the calling client's unit, unlocked at start. */
static const struct ecert_actor *
actor_of(struct serve *sv, const struct request *r)
{
	int i;

	for (i = 0; i < sv->nseals; i++)
		if (strcmp(sv->seals[i].unit, r->unit) == 0)
			return &sv->seals[i];
	return NULL;
}

static int
license_exists(struct ecert_store *s, const char *id, struct ecert_error *e)
{
	sqlite3_stmt *st = ecert_prepare(s, "SELECT 1 FROM licenses WHERE"
	    " id = ?", e);
	int rc;

	if (st == NULL)
		return e->status;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc == SQLITE_DONE)
		return ecert_fail(e, ECERT_NO, "%s: no such license", id);
	return ecert_sql_fail(s, e, rc, "license");
}

static const char *
license_status(struct ecert_store *s, const char *id, char *out, size_t n)
{
	sqlite3_stmt *st = ecert_prepare(s, "SELECT status FROM licenses WHERE"
	    " id = ?", NULL);

	snprintf(out, n, "valid");
	if (st == NULL)
		return out;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		snprintf(out, n, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return out;
}

/* ---- ecert-issue: POST /v1/licenses ---- */

static int
worse(int a, int b)
{
	static const int rank[] = { ECERT_OK, ECERT_NO, ECERT_DATAERR,
	    ECERT_USAGE, ECERT_NOPERM, ECERT_BUSY, ECERT_IOERR };
	int i, ra = 0, rb = 0;

	for (i = 0; i < 7; i++) {
		if (rank[i] == a)
			ra = i;
		if (rank[i] == b)
			rb = i;
	}
	return rb > ra ? b : a;
}

static int
is_batch(struct request *r)
{
	const char *ct = serve_header(r, "Content-Type");

	return ct != NULL && (strncmp(ct, "application/jsonl", 17) == 0 ||
	    strncmp(ct, "application/x-ndjson", 20) == 0 ||
	    strncmp(ct, "application/jsonlines", 21) == 0);
}

/*
 * A batch of JSON Lines is written as ecert-import writes: the records
 * are checked and signed (ecert_license_prepare, as ecert_license_issue
 * does) by a few threads before any transaction begins, then stored in
 * order in short transactions of at most PUSH_COMMIT_SECONDS, each with
 * one audit entry that counts its licenses and gives a digest of their
 * identifiers (ecert-import's ids_digest), with a pause between them
 * for the CLI programs.  Good lines land, bad ones are answered and
 * audited each, and the answer is sent only after the last commit, so
 * nothing acknowledged can be lost and a kill leaves no half license
 * (a prefix of the batch may have landed: pushed again, those lines are
 * answered "present", as ecert-import answers a re-run).
 */
#define PUSH_COMMIT_SECONDS 0.05
#define PUSH_GAP_US 10000

struct pushed {
	long line;
	json_t *record;
	const json_t *type;	/* the batch's copy, shared */
	int version, rc, prepared, present, committed;
	struct ecert_error e;
	struct ecert_prepared p;
};

/* One transaction of a pushed batch. */
struct push_tx {
	long first_line, last_line, issued, drafts, present, rejected;
	double started;
	crypto_generichash_state ids;
};

static double
push_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The transaction's audit entry, then its commit. */
static int
push_tx_end(struct ecert_store *s, const struct ecert_actor *a,
    const char *client, struct push_tx *t, struct ecert_error *e)
{
	unsigned char h[32];
	char hex[65], object[96], *detail;
	json_t *o;
	int rc;

	crypto_generichash_final(&t->ids, h, sizeof(h));
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	snprintf(object, sizeof(object), "%s:%ld-%ld", client, t->first_line,
	    t->last_line);
	o = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:s}", "client",
	    client, "first_line", (json_int_t)t->first_line, "last_line",
	    (json_int_t)t->last_line, "issued", (json_int_t)t->issued,
	    "drafts", (json_int_t)t->drafts, "present",
	    (json_int_t)t->present, "rejected", (json_int_t)t->rejected,
	    "ids_digest", hex);
	detail = ecert_json_canonical(o);
	json_decref(o);
	rc = ecert_audit(s, a->unit, "license.issue", object,
	    t->rejected ? "partial" : "ok", detail);
	free(detail);
	if (rc != 0)
		return ecert_fail(e, rc, "audit: cannot record the batch");
	return ecert_commit(s, e);
}

struct push {
	struct ecert_store *s;
	const struct ecert_actor *a;
	struct pushed *lines;
	size_t n, next;
	/* the writer waits for the line it is at, as ecert-import's does */
	pthread_mutex_t mu;
	pthread_cond_t done;
	size_t ndone;		/* under mu: lines prepared (or refused) */
	unsigned char *ready;	/* under mu: line i's preparation is over */
};

static void *
prepare_worker(void *arg)
{
	struct push *b = arg;
	size_t i;

	while ((i = __atomic_fetch_add(&b->next, 1, __ATOMIC_RELAXED)) < b->n) {
		struct pushed *l = &b->lines[i];

		if (l->rc == 0) {
			l->rc = ecert_license_prepare(b->s, b->a, l->type,
			    l->record, 0, l->version, &l->p, &l->e);
			l->prepared = l->rc == 0;
		}
		pthread_mutex_lock(&b->mu);
		b->ready[i] = 1;
		b->ndone++;
		pthread_cond_broadcast(&b->done);
		pthread_mutex_unlock(&b->mu);
	}
	return NULL;
}

/* ecert_license_issue's version: a number whose draft was rejected is
 * drafted again as the next version (lib/license.c, redraft_version). */
static int
push_version(struct ecert_store *s, const json_t *record)
{
	sqlite3_stmt *st;
	int version = 1;

	st = ecert_prepare(s, "SELECT version, status, coalesce(review, '')"
	    " FROM licenses WHERE type = ? AND number = ?"
	    " ORDER BY version DESC LIMIT 1", NULL);
	if (st == NULL)
		return 1;
	sqlite3_bind_text(st, 1, ecert_json_str(record, "type"), -1,
	    SQLITE_STATIC);
	sqlite3_bind_text(st, 2, ecert_json_str(record, "number"), -1,
	    SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW &&
	    strcmp((const char *)sqlite3_column_text(st, 1), "draft") == 0 &&
	    strncmp((const char *)sqlite3_column_text(st, 2), "rejected",
	    8) == 0)
		version = sqlite3_column_int(st, 0) + 1;
	sqlite3_finalize(st);
	return version;
}

struct push_type {
	char code[40];
	json_t *type;
	int rc;
	struct ecert_error e;
};

static void
issue_batch(struct serve *sv, struct ecert_store *s,
    const struct ecert_actor *a, struct request *r, struct answer *out)
{
	struct push b = { .s = s, .a = a };
	struct push_type *types = NULL;
	size_t ntypes = 0, i, j, cap = 0;
	struct ecert_error e;
	char *p = r->body, *nl, where[96], *text = NULL, *one, why[700];
	size_t textlen = 0, first = 0, committed = 0;
	long line = 0;
	int rc = 0, worst = 0, nthreads, open = 0;
	struct push_tx tx;
	pthread_t th[8];
	FILE *mem;
	json_t *o;

	/* the lines, their type's authorization and their version */
	while (p != NULL && p < r->body + r->len) {
		struct pushed *l;
		const char *code;
		size_t len;

		line++;
		nl = memchr(p, '\n', (size_t)(r->body + r->len - p));
		len = nl ? (size_t)(nl - p) : (size_t)(r->body + r->len - p);
		if (len > 0 && p[len - 1] == '\r')
			len--;
		if (len == 0) {
			p = nl ? nl + 1 : NULL;
			continue;
		}
		if (b.n == cap) {
			cap = cap ? cap * 2 : 256;
			b.lines = ecert_xrealloc(b.lines, cap * sizeof(*b.lines));
		}
		l = &b.lines[b.n++];
		memset(l, 0, sizeof(*l));
		l->line = line;
		if ((l->record = ecert_json_parse(p, len, &l->e)) == NULL)
			l->rc = l->e.status;
		else if (!json_is_object(l->record))
			l->rc = ecert_fail(&l->e, ECERT_DATAERR, "not a JSON "
			    "object");
		p = nl ? nl + 1 : NULL;
		if (l->rc != 0)
			continue;
		code = ecert_json_str(l->record, "type");
		for (j = 0; j < ntypes; j++)
			if (code != NULL && strcmp(types[j].code, code) == 0)
				break;
		if (j == ntypes) {
			types = ecert_xrealloc(types, (ntypes + 1) *
			    sizeof(*types));
			memset(&types[j], 0, sizeof(types[j]));
			snprintf(types[j].code, sizeof(types[j].code), "%s",
			    code ? code : "");
			types[j].rc = ecert_may_issue(s, a, code, &types[j].type,
			    &types[j].e);
			/* a missing type is not remembered as a type */
			if (code != NULL && strlen(code) < sizeof(types[j].code))
				ntypes++;
		}
		if (types[j].rc != 0) {
			l->rc = types[j].rc;
			l->e = types[j].e;
			if (j == ntypes)
				json_decref(types[j].type);
			continue;
		}
		l->type = types[j].type;
		l->version = push_version(s, l->record);
	}

	/* checked and signed outside any transaction by a few threads,
	 * while this one stores what is ready, in order */
	pthread_mutex_init(&b.mu, NULL);
	pthread_cond_init(&b.done, NULL);
	b.ready = ecert_xmalloc(b.n + 1);
	memset(b.ready, 0, b.n + 1);
	nthreads = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (nthreads > (int)sv->cf.threads)
		nthreads = (int)sv->cf.threads;
	if (nthreads > 8)
		nthreads = 8;
	if (b.n < 64)
		nthreads = 0;
	for (i = 0; i < (size_t)nthreads; i++)
		if (pthread_create(&th[i], NULL, prepare_worker, &b) != 0)
			break;
	nthreads = (int)i;
	if (nthreads == 0)
		prepare_worker(&b);

	/* stored in order, in short transactions */
	for (i = 0; i < b.n; i++) {
		struct pushed *l = &b.lines[i];

		/* wait for line i, but not past the open transaction's time */
		pthread_mutex_lock(&b.mu);
		while (!b.ready[i]) {
			struct timespec until;

			if (open && push_now() - tx.started >=
			    PUSH_COMMIT_SECONDS) {
				pthread_mutex_unlock(&b.mu);
				if ((rc = push_tx_end(s, a, r->client, &tx,
				    &e)) != 0)
					goto failed;
				open = 0;
				for (j = first; j < i; j++)
					b.lines[j].committed = 1;
				committed += i - first;
				pthread_mutex_lock(&b.mu);
				continue;
			}
			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_nsec += 2000000;
			until.tv_sec += until.tv_nsec / 1000000000L;
			until.tv_nsec %= 1000000000L;
			pthread_cond_timedwait(&b.done, &b.mu, &until);
		}
		pthread_mutex_unlock(&b.mu);
		if (!open) {
			if ((rc = ecert_begin(s, &e)) != 0)
				goto failed;
			open = 1;
			memset(&tx, 0, sizeof(tx));
			tx.first_line = l->line;
			tx.started = push_now();
			crypto_generichash_init(&tx.ids, NULL, 0, 32);
			first = i;
		}
		tx.last_line = l->line;
		snprintf(where, sizeof(where), "%s:%ld", r->client, l->line);
		if (l->rc == 0 && (rc = ecert_record_begin(s, &e)) != 0)
			goto failed;
		if (l->rc == 0) {
			l->rc = ecert_license_store(s, a, &l->p, &l->e);
			if (l->rc == ECERT_NO) {
				if (ecert_import_present(s, l->type, &l->p, why,
				    sizeof(why)))
					l->present = 1, l->rc = 0;
				else
					l->rc = ecert_fail(&l->e,
					    ECERT_DATAERR, "%s", why);
			}
			ecert_record_end(s, l->rc == 0);
		}
		if (l->rc == ECERT_IOERR || l->rc == ECERT_BUSY) {
			e = l->e;
			rc = l->rc;
			goto failed;
		}
		if (l->rc != 0) {
			ecert_audit_refusal(s, a->unit, "license.issue", where,
			    &l->e);
			tx.rejected++;
		} else if (l->present)
			tx.present++;
		else {
			if (l->p.draft)
				tx.drafts++;
			else
				tx.issued++;
			crypto_generichash_update(&tx.ids,
			    (const unsigned char *)l->p.id,
			    strlen(l->p.id) + 1);
		}
		if (i + 1 == b.n || push_now() - tx.started >=
		    PUSH_COMMIT_SECONDS) {
			if ((rc = push_tx_end(s, a, r->client, &tx, &e)) != 0)
				goto failed;
			open = 0;
			for (j = first; j <= i; j++)
				b.lines[j].committed = 1;
			committed += i + 1 - first;
			if (i + 1 < b.n)
				usleep(PUSH_GAP_US);
		}
	}
	goto answer;
failed:
	if (open)
		ecert_rollback(s);
	/* the workers finish the lines they hold; the rest they skip */
	__atomic_store_n(&b.next, b.n, __ATOMIC_RELAXED);
	if (committed == 0) {
		snprintf(e.msg + strlen(e.msg), sizeof(e.msg) - strlen(e.msg),
		    " (nothing of this batch was issued)");
		answer_fail(out, &e, 409);
		goto done;
	}
answer:
	for (i = 0; i < (size_t)nthreads; i++)
		pthread_join(th[i], NULL);
	nthreads = 0;
	/* each line, once its transaction has committed (or failed) */
	mem = open_memstream(&text, &textlen);
	for (i = 0; i < b.n; i++) {
		struct pushed *l = &b.lines[i];

		if (!l->committed) {
			o = json_pack("{s:I, s:s, s:i}", "line",
			    (json_int_t)l->line, "error", "not issued: the "
			    "store failed; push this line again", "exit", rc);
			worst = worse(worst, rc);
		} else if (l->rc != 0) {
			o = json_pack("{s:I, s:s, s:i}", "line",
			    (json_int_t)l->line, "error", l->e.msg, "exit",
			    l->rc);
			worst = worse(worst, l->rc);
		} else
			o = json_pack("{s:I, s:s, s:s}", "line",
			    (json_int_t)l->line, "id", l->p.id, "status",
			    l->present ? "present" : l->p.draft ? "draft" :
			    "valid");
		one = ecert_json_canonical(o);
		fprintf(mem, "%s\n", one);
		free(one);
		json_decref(o);
	}
	fclose(mem);
	mem = NULL;
	out->code = rc == 0 ? 200 : http_status(rc, 409);
	out->exit = worst;
	out->type = "application/jsonl; charset=utf-8";
	out->body = text;
	out->len = textlen;
	text = NULL;
	if (rc == ECERT_BUSY)
		out->retry = "1";
done:
	for (i = 0; i < (size_t)nthreads; i++)
		pthread_join(th[i], NULL);
	pthread_mutex_destroy(&b.mu);
	pthread_cond_destroy(&b.done);
	free(b.ready);
	if (mem != NULL)
		fclose(mem);
	free(text);
	for (i = 0; i < b.n; i++) {
		json_decref(b.lines[i].record);
		if (b.lines[i].prepared)
			ecert_prepared_free(&b.lines[i].p);
	}
	free(b.lines);
	for (j = 0; j < ntypes; j++)
		json_decref(types[j].type);
	free(types);
}

static void
route_issue(struct serve *sv, struct ecert_store *s, struct request *r,
    const struct ecert_actor *a, struct answer *out)
{
	struct ecert_error e;
	json_t *record, *o;
	char id[160], status[16];
	const char *type;

	(void)sv;
	if (is_batch(r)) {
		issue_batch(sv, s, a, r, out);
		return;
	}
	if ((record = body_object(r, &e)) == NULL) {
		ecert_audit_refusal(s, a->unit, "license.issue", "", &e);
		answer_fail(out, &e, 409);
		return;
	}
	type = ecert_json_str(record, "type");
	if (ecert_begin(s, &e) != 0 ||
	    ecert_license_issue(s, a, record, 0, id, sizeof(id), &e) != 0 ||
	    ecert_commit(s, &e) != 0) {
		ecert_rollback(s);
		ecert_audit_refusal(s, a->unit, "license.issue", type ? type :
		    "", &e);
		json_decref(record);
		answer_fail(out, &e, 409);
		return;
	}
	json_decref(record);
	o = json_pack("{s:s, s:s}", "id", id, "status",
	    license_status(s, id, status, sizeof(status)));
	answer_json(out, 201, 0, o);
	json_decref(o);
}

/* ---- ecert-amend, ecert-revoke: POST /v1/licenses/ID/VERB ---- */

static const char *
reason_of(const json_t *body)
{
	const char *reason = ecert_json_str(body, "reason");

	return reason != NULL && *reason != '\0' ? reason : NULL;
}

static void
route_change(struct ecert_store *s, struct request *r,
    const struct ecert_actor *a, const char *id, const char *verb,
    struct answer *out)
{
	struct ecert_error e;
	json_t *body, *o;
	char action[32], newid[160];
	const char *reason;
	int rc, amend = strcmp(verb, "amend") == 0;

	snprintf(action, sizeof(action), "license.%s", verb);
	if ((body = body_object(r, &e)) == NULL) {
		ecert_audit_refusal(s, a->unit, action, id, &e);
		answer_fail(out, &e, 409);
		return;
	}
	reason = reason_of(body);
	if (reason == NULL)
		rc = ecert_fail(&e, ECERT_USAGE, "%s: a reason is required",
		    verb);
	else if (amend && !json_is_object(json_object_get(body, "changes")))
		rc = ecert_fail(&e, ECERT_USAGE, "amend: \"changes\" must be "
		    "an object of item: value");
	else
		rc = license_exists(s, id, &e);
	if (rc != 0) {
		ecert_audit_refusal(s, a->unit, action, id, &e);
		json_decref(body);
		answer_fail(out, &e, 404);
		return;
	}
	if ((rc = ecert_begin(s, &e)) == 0) {
		rc = amend ? ecert_license_amend(s, a, id,
		    json_object_get(body, "changes"), reason, newid,
		    sizeof(newid), &e) : ecert_license_set_status(s, a, id,
		    verb, reason, &e);
		if (rc == 0)
			rc = ecert_commit(s, &e);
		if (rc != 0) {
			ecert_rollback(s);
			ecert_audit_refusal(s, a->unit, action, id, &e);
		}
	}
	json_decref(body);
	if (rc != 0) {
		answer_fail(out, &e, 409);
		return;
	}
	if (amend) {
		o = json_pack("{s:s, s:s}", "id", newid, "supersedes", id);
		answer_json(out, 201, 0, o);
	} else {
		o = json_pack("{s:s, s:s}", "id", id, "status",
		    strcmp(verb, "revoke") == 0 ? "revoked" :
		    strcmp(verb, "suspend") == 0 ? "suspended" : "valid");
		answer_json(out, 200, 0, o);
	}
	json_decref(o);
}

/* ---- ecert-show: GET /v1/licenses/ID (its issuer and the platform) ---- */

static void
route_show(struct ecert_store *s, const struct ecert_actor *a,
    const char *id, struct answer *out)
{
	struct ecert_error e;
	json_t *doc, *o;
	char status[16];
	const char *issuer;
	int rc;

	rc = ecert_license_load(s, id, &doc, status, sizeof(status), &e);
	if (rc == ECERT_NO) {
		if (ecert_audit(s, a->unit, "license.show", id, "not-found",
		    NULL) != 0) {
			answer_error(out, 503, ECERT_IOERR, "audit: cannot "
			    "record the look; no answer given");
			return;
		}
		answer_fail(out, &e, 404);
		return;
	}
	if (rc != 0) {
		answer_fail(out, &e, 404);
		return;
	}
	issuer = ecert_json_str(json_object_get(json_object_get(doc,
	    "document"), "issuer"), "code");
	if (!(a->roles & ECERT_ROLE_ADMIN) && (issuer == NULL ||
	    strcmp(issuer, a->unit) != 0)) {
		ecert_fail(&e, ECERT_NOPERM, "%s: issued by %s; a using unit "
		    "reads it under a grant (POST /v1/use)", id,
		    issuer ? issuer : "another unit");
		ecert_audit_refusal(s, a->unit, "license.show", id, &e);
		json_decref(doc);
		answer_fail(out, &e, 404);
		return;
	}
	if (ecert_audit(s, a->unit, "license.show", id, "ok", NULL) != 0) {
		json_decref(doc);
		answer_error(out, 503, ECERT_IOERR, "audit: cannot record the "
		    "look; no answer given");
		return;
	}
	o = json_pack("{s:s, s:o}", "status", status, "license", doc);
	answer_json(out, 200, 0, o);
	json_decref(o);
}

/* ---- ecert-show --token --qr-svg: POST /v1/licenses/ID/present ---- */

static void
route_present(struct ecert_store *s, struct request *r,
    const struct ecert_actor *a, const char *id, struct answer *out)
{
	struct ecert_error e;
	json_t *body = NULL, *o;
	char *token, *svg;
	long ttl = 300;

	if (r->len > 0) {
		if ((body = body_object(r, &e)) == NULL) {
			ecert_audit_refusal(s, a->unit, "license.present", id,
			    &e);
			answer_fail(out, &e, 404);
			return;
		}
		if (json_object_get(body, "ttl") != NULL)
			ttl = (long)json_integer_value(json_object_get(body,
			    "ttl"));
		json_decref(body);
		if (ttl < 10 || ttl > 366L * 86400) {
			ecert_fail(&e, ECERT_USAGE, "ttl: seconds, 10 to a "
			    "year");
			ecert_audit_refusal(s, a->unit, "license.present", id,
			    &e);
			answer_fail(out, &e, 404);
			return;
		}
	}
	if (!(a->roles & ECERT_ROLE_ADMIN)) {
		ecert_fail(&e, ECERT_NOPERM, "present: unit %s is not the "
		    "platform; presentations are signed by the platform key",
		    a->unit);
		ecert_audit_refusal(s, a->unit, "license.present", id, &e);
		answer_fail(out, &e, 404);
		return;
	}
	if ((token = ecert_license_token(s, id, a, ttl, &e)) == NULL) {
		ecert_audit_refusal(s, a->unit, "license.present", id, &e);
		answer_fail(out, &e, 404);
		return;
	}
	if ((svg = ecert_qr_svg(token, 1, &e)) == NULL) {
		free(token);
		answer_fail(out, &e, 404);
		return;
	}
	if (ecert_audit(s, a->unit, "license.present", id, "ok", NULL) != 0) {
		answer_error(out, 503, ECERT_IOERR, "audit: cannot record the "
		    "presentation; no answer given");
	} else {
		o = json_pack("{s:s, s:s, s:s, s:I}", "id", id, "token", token,
		    "qr_svg", svg, "ttl", (json_int_t)ttl);
		answer_json(out, 200, 0, o);
		json_decref(o);
	}
	free(svg);
	free(token);
}

/* ---- ecert-use (and --check): POST /v1/use, POST /v1/check ---- */

static int
collect(const json_t *one, void *arg)
{
	json_array_append((json_t *)arg, (json_t *)one);
	return 0;
}

/* Why a check found no valid license: the holder's latest of the type. */
static const char *
overall_without_valid(struct ecert_store *s, const char *holder_id,
    const char *type)
{
	static const char *words[] = { "suspended", "revoked", "expired" };
	sqlite3_stmt *st;
	char hh[65];
	const char *found = "not found";
	int i;

	ecert_pii_hash(s, holder_id, hh);
	st = ecert_prepare(s, "SELECT status FROM licenses WHERE holder_hash"
	    " = ? AND type = ? AND status IN ('suspended', 'revoked',"
	    " 'expired') ORDER BY created_at DESC, version DESC LIMIT 1",
	    NULL);
	if (st == NULL)
		return found;
	sqlite3_bind_text(st, 1, hh, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, type, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		for (i = 0; i < 3; i++)
			if (strcmp((const char *)sqlite3_column_text(st, 0),
			    words[i]) == 0)
				found = words[i];
	sqlite3_finalize(st);
	return found;
}

static void
route_use(struct ecert_store *s, struct request *r,
    const struct ecert_actor *a, int check, struct answer *out)
{
	struct ecert_error e;
	struct ecert_use u = { 0 };
	json_t *body, *results = NULL, *o, *items, *one;
	const char *reason = NULL, *unit, *action = check ? "license.check" :
	    "license.use";
	char object[80], detail[700];
	size_t i;
	int rc = 0, all = 1;

	snprintf(object, sizeof(object), "matter ?");
	if ((body = body_object(r, &e)) == NULL) {
		ecert_audit_refusal(s, a->unit, action, object, &e);
		answer_fail(out, &e, 404);
		return;
	}
	u.unit = a->unit;
	u.matter = ecert_json_str(body, "matter");
	u.holder_id = ecert_json_str(body, "holder_id");
	u.type = ecert_json_str(body, "type");
	u.agent_id = ecert_json_str(body, "agent_id");
	unit = ecert_json_str(body, "unit");
	reason = ecert_json_str(body, "reason");
	items = json_object_get(body, "items");
	if (u.matter != NULL)
		snprintf(object, sizeof(object), "matter %.60s", u.matter);
	if (u.matter == NULL || u.holder_id == NULL)
		rc = ecert_fail(&e, ECERT_USAGE, "\"matter\" and \"holder_id\" "
		    "are required");
	else if (reason == NULL || *reason == '\0')
		rc = ecert_fail(&e, ECERT_USAGE, "\"reason\" (用证事由) is "
		    "required");
	else if (!ecert_utf8_valid(reason, strlen(reason)) ||
	    ecert_utf8_chars(reason) > SERVE_REASON_MAX)
		rc = ecert_fail(&e, ECERT_DATAERR, "\"reason\" (用证事由): at "
		    "most %d characters", SERVE_REASON_MAX);
	else if (check && (u.type == NULL || !json_is_object(items) ||
	    json_object_size(items) == 0))
		rc = ecert_fail(&e, ECERT_USAGE, "a check needs \"type\" and "
		    "\"items\": the items are the type's");
	else if (unit != NULL && strcmp(unit, a->unit) != 0)
		rc = ecert_fail(&e, ECERT_NOPERM, "unit %s: the client is "
		    "%s's", unit, a->unit);
	else if (!(a->roles & ECERT_ROLE_USER))
		rc = ecert_fail(&e, ECERT_NOPERM, "unit %s is not a using unit",
		    a->unit);
	if (rc == 0 && check) {
		const char *key;
		json_t *v;

		u.checks = json_object();
		json_object_foreach(items, key, v) {
			if (!json_is_string(v)) {
				rc = ecert_fail(&e, ECERT_DATAERR, "items.%s: "
				    "a string is expected", key);
				break;
			}
			json_object_set(u.checks, key, v);
		}
	}
	if (rc == 0) {
		results = json_array();
		if ((rc = ecert_begin(s, &e)) == 0 &&
		    (rc = ecert_use(s, a, &u, collect, results, &e)) == 0) {
			snprintf(detail, sizeof(detail), "用证事由: %s", reason);
			if ((rc = ecert_audit(s, a->unit, action, object,
			    "reason", detail)) != 0)
				ecert_fail(&e, rc, "audit: cannot record the "
				    "use reason");
			else
				rc = ecert_commit(s, &e);
		}
		if (rc != 0)
			ecert_rollback(s);
	}
	if (rc != 0 && reason != NULL && *reason != '\0')
		snprintf(e.msg + strlen(e.msg), sizeof(e.msg) - strlen(e.msg),
		    " (用证事由: %.200s)", reason);
	if (rc != 0)
		ecert_audit_refusal(s, a->unit, action, object, &e);
	if (check && rc == ECERT_NO) {
		const char *overall = overall_without_valid(s, u.holder_id,
		    u.type);

		o = json_pack("{s:s, s:b, s:[]}", "overall", overall, "match",
		    0, "licenses");
		answer_json(out, strcmp(overall, "not found") == 0 ? 404 : 200,
		    ECERT_NO, o);
		json_decref(o);
	} else if (rc != 0)
		answer_fail(out, &e, 404);
	else if (check) {
		json_array_foreach(results, i, one)
			all &= json_is_true(json_object_get(one, "match"));
		o = json_pack("{s:s, s:b, s:O}", "overall", "valid", "match",
		    all, "licenses", results);
		answer_json(out, 200, 0, o);
		json_decref(o);
	} else {
		o = json_pack("{s:s, s:O}", "matter", u.matter, "licenses",
		    results);
		answer_json(out, 200, 0, o);
		json_decref(o);
	}
	json_decref(u.checks);
	json_decref(results);
	json_decref(body);
}

/* ---- public: ecert-query --public, ecert-verify, ecert-export ---- */

static int
public_row(const json_t *row, void *arg)
{
	json_array_append((json_t *)arg, (json_t *)row);
	return 0;
}

static void
route_public(struct ecert_store *s, struct request *r, struct answer *out)
{
	struct ecert_error e;
	const char *name = MHD_lookup_connection_value(r->conn,
	    MHD_GET_ARGUMENT_KIND, "name");
	const char *uscc = MHD_lookup_connection_value(r->conn,
	    MHD_GET_ARGUMENT_KIND, "uscc");
	char detail[512];
	json_t *rows, *o;
	long count = 0;
	int rc;

	if (name == NULL || uscc == NULL || *name == '\0' || *uscc == '\0') {
		answer_error(out, 400, ECERT_USAGE, "the public query needs both"
		    " name and uscc");
		return;
	}
	if (!ecert_uscc_valid(uscc)) {
		ecert_audit(s, NULL, "license.public-query", "(not a code)",
		    "rejected", "uscc is not a unified social credit code");
		answer_error(out, 422, ECERT_DATAERR, "uscc: not a valid unified"
		    " social credit code");
		return;
	}
	snprintf(detail, sizeof(detail), "%.400s %s", name, uscc);
	if (ecert_audit(s, NULL, "license.public-query", uscc, "asked",
	    detail) != 0) {
		answer_error(out, 503, ECERT_IOERR, "audit: cannot record the "
		    "query; no answer given");
		return;
	}
	rows = json_array();
	rc = ecert_public_query(s, name, uscc, public_row, rows, &count, &e);
	if (rc != 0) {
		ecert_audit_refusal(s, NULL, "license.public-query", uscc, &e);
		json_decref(rows);
		answer_fail(out, &e, 404);
		return;
	}
	snprintf(detail, sizeof(detail), "%.400s %s: %ld", name, uscc, count);
	ecert_audit(s, NULL, "license.public-query", uscc, count ?
	    "ok" : "not-found", detail);
	o = json_pack("{s:I, s:o}", "count", (json_int_t)count, "licenses",
	    rows);
	answer_json(out, count ? 200 : 404, count ? 0 : ECERT_NO, o);
	json_decref(o);
}

static void
route_verify(struct ecert_store *s, const char *id, struct answer *out)
{
	struct ecert_error e;
	enum ecert_verdict v;
	const char *status;
	char why[512];
	json_t *o;
	int rc;

	why[0] = '\0';
	rc = ecert_license_verify(s, id, &v, why, sizeof(why), &e);
	status = ecert_verdict_word(v);
	if (rc == ECERT_IOERR || rc == ECERT_BUSY) {
		answer_fail(out, &e, 404);
		return;
	}
	if (ecert_audit(s, NULL, "license.verify", id, status, rc ? why :
	    NULL) != 0) {
		answer_error(out, 503, ECERT_IOERR, "audit: cannot record the "
		    "verification; no answer given");
		return;
	}
	o = json_pack("{s:s, s:s, s:b}", "id", id, "status", status, "valid",
	    rc == 0);
	if (rc != 0 && why[0] != '\0')
		json_object_set_new(o, "reason", json_string(why));
	answer_json(out, v == ECERT_VERDICT_NOT_FOUND ? 404 : 200,
	    rc == 0 ? 0 : ECERT_NO, o);
	json_decref(o);
}

/* The trust or the status list, signed by the platform, made at most
 * once per --list-seconds and answered with its ETag. */
static void
route_list(struct serve *sv, struct ecert_store *s, struct request *r,
    int status, struct answer *out)
{
	struct serve_list *l = status ? &sv->status : &sv->trust;
	struct ecert_error e;
	unsigned char h[crypto_hash_sha256_BYTES];
	const char *inm;
	char *text = NULL;
	size_t len = 0;
	FILE *mem;
	int rc;

	if (sv->platform == NULL) {
		answer_error(out, 503, ECERT_NOPERM, "the server holds no "
		    "platform seal to sign the list with (--seal)");
		return;
	}
	pthread_mutex_lock(&sv->lock);
	if (l->body == NULL || time(NULL) - l->made >= sv->cf.list_seconds) {
		mem = open_memstream(&text, &len);
		rc = status ? ecert_status_export(s, sv->platform,
		    sv->cf.status_hours, mem, &e) : ecert_trust_export(s,
		    sv->platform, mem, &e);
		fclose(mem);
		if (rc != 0) {
			pthread_mutex_unlock(&sv->lock);
			free(text);
			answer_fail(out, &e, 404);
			return;
		}
		free(l->body);
		l->body = text;
		l->len = len;
		l->made = time(NULL);
		crypto_hash_sha256(h, (unsigned char *)text, len);
		snprintf(l->etag, sizeof(l->etag), "\"");
		sodium_bin2hex(l->etag + 1, 33, h, 16);
		strcat(l->etag, "\"");
	}
	snprintf(out->etag, sizeof(out->etag), "%s", l->etag);
	inm = serve_header(r, "If-None-Match");
	if (inm != NULL && (strcmp(inm, l->etag) == 0 || strcmp(inm, "*") ==
	    0)) {
		out->code = 304;
		out->body = ecert_xstrdup("");
		out->len = 0;
	} else {
		out->code = 200;
		out->body = ecert_xmalloc(l->len + 1);
		memcpy(out->body, l->body, l->len);
		out->len = l->len;
	}
	pthread_mutex_unlock(&sv->lock);
	out->cache = sv->list_cache;
	out->type = "application/jsonl; charset=utf-8";
}

/*
 * GET /v1/catalog/labels: each license type's name and its items' Chinese
 * labels, {"CODE":{"name":...,"items":{"key":"label",...}}}, for the
 * verify page to show labels where the token carries keys.  The catalog
 * is public (GB/T 36903), holds nothing of any license, and is not
 * audited; cacheable as the lists are.
 */
static void
route_labels(struct serve *sv, struct ecert_store *s, struct request *r,
    struct answer *out)
{
	unsigned char h[crypto_hash_sha256_BYTES];
	sqlite3_stmt *st;
	json_t *all = json_object(), *type, *items, *it;
	const char *inm;
	size_t i;
	int rc;

	st = ecert_prepare(s, "SELECT code, definition FROM license_types"
	    " ORDER BY code", NULL);
	if (st == NULL) {
		json_decref(all);
		answer_error(out, 500, ECERT_IOERR, "the catalog cannot be "
		    "read");
		return;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		type = json_loads((const char *)sqlite3_column_text(st, 1), 0,
		    NULL);
		if (type == NULL)
			continue;
		items = json_object();
		json_array_foreach(json_object_get(type, "items"), i, it)
			if (ecert_json_str(it, "key") != NULL &&
			    ecert_json_str(it, "label") != NULL)
				json_object_set_new(items, ecert_json_str(it,
				    "key"), json_string(ecert_json_str(it,
				    "label")));
		json_object_set_new(all, (const char *)sqlite3_column_text(st,
		    0), json_pack("{s:s?, s:o}", "name", ecert_json_str(type,
		    "name"), "items", items));
		json_decref(type);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		json_decref(all);
		answer_error(out, 500, ECERT_IOERR, "the catalog cannot be "
		    "read");
		return;
	}
	out->body = ecert_json_canonical(all);
	out->len = strlen(out->body);
	json_decref(all);
	crypto_hash_sha256(h, (unsigned char *)out->body, out->len);
	snprintf(out->etag, sizeof(out->etag), "\"");
	sodium_bin2hex(out->etag + 1, 33, h, 16);
	strcat(out->etag, "\"");
	inm = serve_header(r, "If-None-Match");
	if (inm != NULL && strcmp(inm, out->etag) == 0) {
		free(out->body);
		out->body = ecert_xstrdup("");
		out->len = 0;
		out->code = 304;
	} else
		out->code = 200;
	out->cache = sv->list_cache;
	out->type = "application/json; charset=utf-8";
}

/* The public pages (articles 12, 16): plain files from --www. */
static void
route_page(struct serve *sv, const char *path, struct answer *out)
{
	static const struct { const char *ext, *type; } types[] = {
		{ ".html", "text/html; charset=utf-8" },
		{ ".css", "text/css; charset=utf-8" },
		{ ".js", "text/javascript; charset=utf-8" },
		{ ".svg", "image/svg+xml" },
	};
	const char *name = strcmp(path, "/") == 0 ? "index.html" : path + 1;
	const char *p, *type = NULL;
	char file[4096];
	FILE *fp;
	struct stat st;
	size_t i;

	for (p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    *p == '-' || *p == '.') || (p[0] == '.' && p[1] == '.'))
			break;
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		size_t n = strlen(name), m = strlen(types[i].ext);

		if (n > m && strcmp(name + n - m, types[i].ext) == 0)
			type = types[i].type;
	}
	if (sv->cf.www == NULL || *p != '\0' || type == NULL) {
		answer_error(out, 404, ECERT_NO, "no such page");
		return;
	}
	snprintf(file, sizeof(file), "%s/%s", sv->cf.www, name);
	if ((fp = fopen(file, "r")) == NULL || fstat(fileno(fp), &st) != 0 ||
	    !S_ISREG(st.st_mode) || st.st_size > 4 * 1024 * 1024) {
		if (fp != NULL)
			fclose(fp);
		answer_error(out, 404, ECERT_NO, "no such page");
		return;
	}
	out->body = ecert_xmalloc((size_t)st.st_size + 1);
	out->len = fread(out->body, 1, (size_t)st.st_size, fp);
	fclose(fp);
	out->code = 200;
	out->type = type;
	out->cache = "public, max-age=300";
}

static void
route_health(struct ecert_store *s, struct answer *out)
{
	struct ecert_error e;
	json_t *o;

	if (ecert_exec(s, "SELECT 1 FROM meta LIMIT 1", &e) != 0) {
		answer_fail(out, &e, 503);
		return;
	}
	o = json_pack("{s:b}", "ok", 1);
	answer_json(out, 200, 0, o);
	json_decref(o);
}

static int
is_get(const struct request *r)
{
	return strcmp(r->method, "GET") == 0 || strcmp(r->method, "HEAD") == 0;
}

static int
is_post(const struct request *r)
{
	return strcmp(r->method, "POST") == 0;
}

void
serve_route(struct serve *sv, struct ecert_store *s, struct request *r,
    struct answer *out)
{
	const struct ecert_actor *a;
	struct ecert_error e;
	char id[160], why[512], detail[700];
	const char *verb = "";

	/* what anyone may ask: no signature */
	if (strcmp(r->path, "/healthz") == 0 && is_get(r)) {
		route_health(s, out);
		return;
	}
	if (strcmp(r->path, "/v1/catalog/labels") == 0 && is_get(r)) {
		route_labels(sv, s, r, out);
		return;
	}
	if (strcmp(r->path, "/v1/public") == 0 && is_get(r)) {
		route_public(s, r, out);
		return;
	}
	if ((strcmp(r->path, "/v1/trust") == 0 ||
	    strcmp(r->path, "/v1/status") == 0) && is_get(r)) {
		route_list(sv, s, r, strcmp(r->path, "/v1/status") == 0, out);
		return;
	}
	if (strncmp(r->path, "/v1/verify/", 11) == 0 && is_get(r)) {
		if (ecert_id_from_line(r->path + 11, strlen(r->path + 11), id,
		    sizeof(id), &e) != 0)
			answer_fail(out, &e, 404);
		else
			route_verify(s, id, out);
		return;
	}
	if (strncmp(r->path, "/v1/", 4) != 0) {
		if (is_get(r))
			route_page(sv, r->path, out);
		else
			answer_error(out, 405, ECERT_USAGE, "method not allowed");
		return;
	}

	/* everything else: a registered client's signature (RFC 9421) */
	if (serve_sig_check(sv, s, r, why, sizeof(why)) != 0) {
		snprintf(detail, sizeof(detail), "%s %s from %s: %s",
		    r->method, r->path, r->remote, why);
		if (ecert_audit(s, NULL, "serve.auth", r->client[0] ?
		    r->client : "(unsigned)", "refused", detail) != 0) {
			answer_error(out, 503, ECERT_IOERR, "audit: cannot "
			    "record the refusal");
			return;
		}
		answer_error(out, 401, ECERT_NOPERM, why);
		out->ask_signature = 1;
		return;
	}
	if ((a = actor_of(sv, r)) == NULL) {
		ecert_fail(&e, ECERT_NOPERM, "the server holds no seal of unit "
		    "%s (client %s)", r->unit, r->client);
		ecert_audit_refusal(s, r->unit, "serve.seal", r->client, &e);
		answer_fail(out, &e, 404);
		return;
	}
	if (strcmp(r->path, "/v1/licenses") == 0 && is_post(r)) {
		route_issue(sv, s, r, a, out);
		return;
	}
	if (strcmp(r->path, "/v1/use") == 0 && is_post(r)) {
		route_use(s, r, a, 0, out);
		return;
	}
	if (strcmp(r->path, "/v1/check") == 0 && is_post(r)) {
		route_use(s, r, a, 1, out);
		return;
	}
	if (strncmp(r->path, "/v1/licenses/", 13) == 0 &&
	    split_license_path(r->path, id, sizeof(id), &verb) == 0) {
		if (ecert_id_from_line(id, strlen(id), id, sizeof(id),
		    &e) != 0) {
			answer_fail(out, &e, 404);
			return;
		}
		if (*verb == '\0' && is_get(r)) {
			route_show(s, a, id, out);
			return;
		}
		if (is_post(r) && (strcmp(verb, "amend") == 0 ||
		    strcmp(verb, "suspend") == 0 ||
		    strcmp(verb, "reinstate") == 0 ||
		    strcmp(verb, "revoke") == 0)) {
			route_change(s, r, a, id, verb, out);
			return;
		}
		if (is_post(r) && strcmp(verb, "present") == 0) {
			route_present(s, r, a, id, out);
			return;
		}
	}
	answer_error(out, 404, ECERT_USAGE, "no such route");
	(void)errno;
}
