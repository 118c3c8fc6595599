/*
 * routes.c: each route of ecert-serve does what the program named beside
 * it does, by the same libecert calls, with the same authorization and
 * the same audit entries; only the answer is JSON over HTTP.  The exit
 * status the program would give travels in X-Ecert-Exit, and maps to the
 * HTTP status as ecert-serve(1) lists.
 */
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <microhttpd.h>
#include <sodium.h>

#include "cmd.h"
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

/* A library's row, kept in the JSON array arg. */
static int
append_row(const json_t *row, void *arg)
{
	json_array_append((json_t *)arg, (json_t *)row);
	return 0;
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

static const char *
license_status(struct ecert_store *s, const char *id)
{
	enum ecert_verdict v;

	if (ecert_license_row_status(s, id, &v) != 0)
		v = ECERT_VERDICT_VALID;
	return ecert_verdict_word(v);
}

/* ---- ecert-issue: POST /v1/licenses ---- */

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

struct push_type {
	char code[40];
	json_t *type;
	int rc;
	struct ecert_error e;
};

struct push {
	struct ecert_store *s;
	const struct ecert_actor *a;
	const char *client;
	struct pushed *lines;
	size_t n, next;
	struct push_type *types;	/* each asked once a batch */
	size_t ntypes;
	/* the writer waits for the line it is at, as ecert-import's does */
	pthread_mutex_t mu;
	pthread_cond_t done;
	size_t ndone;		/* under mu: lines prepared (or refused) */
	unsigned char *ready;	/* under mu: line i's preparation is over */
	pthread_t th[8];
	int nthreads;
	/* the writer's: its open transaction, from line first */
	struct push_tx tx;
	int open;
	size_t first, committed;
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

/* The type a line names, with the unit's authorization to issue it. */
static struct push_type *
push_type_of(struct push *b, const char *code)
{
	struct push_type *t;
	size_t j;

	for (j = 0; j < b->ntypes; j++)
		if (code != NULL && strcmp(b->types[j].code, code) == 0)
			return &b->types[j];
	b->types = ecert_xrealloc(b->types, (b->ntypes + 1) *
	    sizeof(*b->types));
	t = &b->types[b->ntypes];
	memset(t, 0, sizeof(*t));
	snprintf(t->code, sizeof(t->code), "%s", code ? code : "");
	t->rc = ecert_may_issue(b->s, b->a, code, &t->type, &t->e);
	/* a missing type is not remembered as a type */
	if (code != NULL && strlen(code) < sizeof(t->code))
		b->ntypes++;
	return t;
}

/* One line read: its record, its type and the version it is issued as. */
static void
push_line(struct push *b, struct pushed *l, long line, const char *text,
    size_t len)
{
	struct push_type *t;

	memset(l, 0, sizeof(*l));
	l->line = line;
	if ((l->record = ecert_json_parse(text, len, &l->e)) == NULL)
		l->rc = l->e.status;
	else if (!json_is_object(l->record))
		l->rc = ecert_fail(&l->e, ECERT_DATAERR, "not a JSON object");
	if (l->rc != 0)
		return;
	t = push_type_of(b, ecert_json_str(l->record, "type"));
	if (t->rc != 0) {
		l->rc = t->rc;
		l->e = t->e;
		if (t == &b->types[b->ntypes])	/* not remembered */
			json_decref(t->type);
		return;
	}
	l->type = t->type;
	l->version = ecert_license_version(b->s, l->type, l->record);
}

/* The body's lines, blank ones skipped, numbered as sent. */
static void
push_read(struct push *b, const char *body, size_t len)
{
	const char *p = body, *end, *nl;
	size_t n, cap = 0;
	long line = 0;

	if (body == NULL)
		return;
	end = body + len;
	while (p != NULL && p < end) {
		line++;
		nl = memchr(p, '\n', (size_t)(end - p));
		n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (n > 0) {
			if (b->n == cap) {
				cap = cap ? cap * 2 : 256;
				b->lines = ecert_xrealloc(b->lines, cap *
				    sizeof(*b->lines));
			}
			push_line(b, &b->lines[b->n], line, p, n);
			b->n++;
		}
		p = nl ? nl + 1 : NULL;
	}
}

/* The lines checked and signed outside any transaction by a few threads
 * (none for a short batch: then here, before anything is stored). */
static void
push_prepare(struct push *b, unsigned threads)
{
	int i, n;

	pthread_mutex_init(&b->mu, NULL);
	pthread_cond_init(&b->done, NULL);
	b->ready = ecert_xmalloc(b->n + 1);
	memset(b->ready, 0, b->n + 1);
	n = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (n > (int)threads)
		n = (int)threads;
	if (n > 8)
		n = 8;
	if (b->n < 64)
		n = 0;
	for (i = 0; i < n; i++)
		if (pthread_create(&b->th[i], NULL, prepare_worker, b) != 0)
			break;
	b->nthreads = i;
	if (b->nthreads == 0)
		prepare_worker(b);
}

static void
push_join(struct push *b)
{
	int i;

	for (i = 0; i < b->nthreads; i++)
		pthread_join(b->th[i], NULL);
	b->nthreads = 0;
}

/* The open transaction audited and committed: lines first to end-1 are in. */
static int
push_commit(struct push *b, size_t end, struct ecert_error *e)
{
	size_t j;
	int rc;

	if ((rc = push_tx_end(b->s, b->a, b->client, &b->tx, e)) != 0)
		return rc;
	b->open = 0;
	for (j = b->first; j < end; j++)
		b->lines[j].committed = 1;
	b->committed += end - b->first;
	return 0;
}

/* Waits for line i's preparation, but commits the open transaction
 * when it has been open too long. */
static int
push_wait(struct push *b, size_t i, struct ecert_error *e)
{
	struct timespec until;
	int rc;

	pthread_mutex_lock(&b->mu);
	while (!b->ready[i]) {
		if (b->open && ecert_mono() - b->tx.started >=
		    PUSH_COMMIT_SECONDS) {
			pthread_mutex_unlock(&b->mu);
			if ((rc = push_commit(b, i, e)) != 0)
				return rc;
			pthread_mutex_lock(&b->mu);
			continue;
		}
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += 2000000;
		until.tv_sec += until.tv_nsec / 1000000000L;
		until.tv_nsec %= 1000000000L;
		pthread_cond_timedwait(&b->done, &b->mu, &until);
	}
	pthread_mutex_unlock(&b->mu);
	return 0;
}

static int
push_tx_begin(struct push *b, size_t i, struct ecert_error *e)
{
	int rc;

	if ((rc = ecert_begin(b->s, e)) != 0)
		return rc;
	b->open = 1;
	memset(&b->tx, 0, sizeof(b->tx));
	b->tx.first_line = b->lines[i].line;
	b->tx.started = ecert_mono();
	crypto_generichash_init(&b->tx.ids, NULL, 0, 32);
	b->first = i;
	return 0;
}

/* Line i's outcome counted in its transaction's audit entry. */
static void
push_count(struct push *b, struct pushed *l)
{
	char where[96];

	snprintf(where, sizeof(where), "%s:%ld", b->client, l->line);
	if (l->rc != 0) {
		ecert_audit_refusal(b->s, b->a->unit, "license.issue", where,
		    &l->e);
		b->tx.rejected++;
	} else if (l->present)
		b->tx.present++;
	else {
		if (l->p.draft)
			b->tx.drafts++;
		else
			b->tx.issued++;
		crypto_generichash_update(&b->tx.ids,
		    (const unsigned char *)l->p.id, strlen(l->p.id) + 1);
	}
}

/* Line i stored in the open transaction (opened if need be): 0, or the
 * store's failure, which ends the batch; a refused line is the line's. */
static int
push_store_line(struct push *b, size_t i, struct ecert_error *e)
{
	struct pushed *l = &b->lines[i];
	char why[700];
	int rc;

	if (!b->open && (rc = push_tx_begin(b, i, e)) != 0)
		return rc;
	b->tx.last_line = l->line;
	if (l->rc == 0 && (rc = ecert_record_begin(b->s, e)) != 0)
		return rc;
	if (l->rc == 0) {
		l->rc = ecert_license_store(b->s, b->a, &l->p, &l->e);
		if (l->rc == ECERT_NO) {
			if (ecert_import_present(b->s, l->type, &l->p, why,
			    sizeof(why)))
				l->present = 1, l->rc = 0;
			else
				l->rc = ecert_fail(&l->e, ECERT_DATAERR, "%s",
				    why);
		}
		ecert_record_end(b->s, l->rc == 0);
	}
	if (l->rc == ECERT_IOERR || l->rc == ECERT_BUSY) {
		*e = l->e;
		return l->rc;
	}
	push_count(b, l);
	return 0;
}

/* The lines stored in order, in short transactions with a pause between
 * them; 0, or the failure that stopped it. */
static int
push_store(struct push *b, struct ecert_error *e)
{
	size_t i;
	int rc;

	for (i = 0; i < b->n; i++) {
		if ((rc = push_wait(b, i, e)) != 0 ||
		    (rc = push_store_line(b, i, e)) != 0)
			return rc;
		if (i + 1 == b->n || ecert_mono() - b->tx.started >=
		    PUSH_COMMIT_SECONDS) {
			if ((rc = push_commit(b, i + 1, e)) != 0)
				return rc;
			if (i + 1 < b->n)
				usleep(PUSH_GAP_US);
		}
	}
	return 0;
}

/* A line's answer: its license, its refusal, or, when its transaction
 * did not commit (the store failed with rc), that it was not issued. */
static json_t *
push_line_answer(const struct pushed *l, int rc, int *worst)
{
	if (!l->committed) {
		*worst = ecert_worse(*worst, rc);
		return json_pack("{s:I, s:s, s:i}", "line", (json_int_t)l->line,
		    "error", "not issued: the store failed; push this line "
		    "again", "exit", rc);
	}
	if (l->rc != 0) {
		*worst = ecert_worse(*worst, l->rc);
		return json_pack("{s:I, s:s, s:i}", "line", (json_int_t)l->line,
		    "error", l->e.msg, "exit", l->rc);
	}
	return json_pack("{s:I, s:s, s:s}", "line", (json_int_t)l->line, "id",
	    l->p.id, "status", l->present ? "present" : l->p.draft ? "draft" :
	    "valid");
}

/* JSON Lines, a line for each line of the batch. */
static void
push_answer(struct push *b, int rc, struct answer *out)
{
	char *text = NULL, *one;
	size_t i, textlen = 0;
	int worst = 0;
	FILE *mem = open_memstream(&text, &textlen);
	json_t *o;

	for (i = 0; i < b->n; i++) {
		o = push_line_answer(&b->lines[i], rc, &worst);
		one = ecert_json_canonical(o);
		fprintf(mem, "%s\n", one);
		free(one);
		json_decref(o);
	}
	fclose(mem);
	out->code = rc == 0 ? 200 : http_status(rc, 409);
	out->exit = worst;
	out->type = "application/jsonl; charset=utf-8";
	out->body = text;
	out->len = textlen;
	if (rc == ECERT_BUSY)
		out->retry = "1";
}

static void
push_free(struct push *b)
{
	size_t i;

	push_join(b);
	pthread_mutex_destroy(&b->mu);
	pthread_cond_destroy(&b->done);
	free(b->ready);
	for (i = 0; i < b->n; i++) {
		json_decref(b->lines[i].record);
		if (b->lines[i].prepared)
			ecert_prepared_free(&b->lines[i].p);
	}
	free(b->lines);
	for (i = 0; i < b->ntypes; i++)
		json_decref(b->types[i].type);
	free(b->types);
}

static void
issue_batch(struct serve *sv, struct ecert_store *s,
    const struct ecert_actor *a, struct request *r, struct answer *out)
{
	struct push b;
	struct ecert_error e;
	int rc;

	memset(&b, 0, sizeof(b));
	b.s = s;
	b.a = a;
	b.client = r->client;
	push_read(&b, r->body, r->len);
	push_prepare(&b, sv->cf.threads);
	if ((rc = push_store(&b, &e)) != 0) {
		if (b.open)
			ecert_rollback(s);
		/* the workers finish the lines they hold; the rest they skip */
		__atomic_store_n(&b.next, b.n, __ATOMIC_RELAXED);
	}
	if (rc != 0 && b.committed == 0) {
		snprintf(e.msg + strlen(e.msg), sizeof(e.msg) - strlen(e.msg),
		    " (nothing of this batch was issued)");
		answer_fail(out, &e, 409);
	} else {
		push_join(&b);
		push_answer(&b, rc, out);
	}
	push_free(&b);
}

static void
route_issue(struct serve *sv, struct ecert_store *s, struct request *r,
    const struct ecert_actor *a, struct answer *out)
{
	struct ecert_error e;
	json_t *record, *o;
	char id[160];
	const char *type;
	int rc;

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
	if ((rc = ecert_begin(s, &e)) == 0)
		rc = ecert_license_issue(s, a, record, 0, id, sizeof(id), &e);
	if (ecert_change_end(s, rc, a->unit, "license.issue", type ? type : "",
	    &e) != 0) {
		json_decref(record);
		answer_fail(out, &e, 409);
		return;
	}
	json_decref(record);
	o = json_pack("{s:s, s:s}", "id", id, "status",
	    license_status(s, id));
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
		rc = ecert_license_exists(s, id, &e);
	if (rc != 0) {
		ecert_audit_refusal(s, a->unit, action, id, &e);
		json_decref(body);
		answer_fail(out, &e, 404);
		return;
	}
	if ((rc = ecert_begin(s, &e)) == 0)
		rc = ecert_change_end(s, amend ? ecert_license_amend(s, a, id,
		    json_object_get(body, "changes"), reason, newid,
		    sizeof(newid), &e) : ecert_license_set_status(s, a, id,
		    verb, reason, &e), a->unit, action, id, &e);
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

/* A use or check as its body asks it, and the audited object. */
struct use_request {
	struct ecert_use u;
	const char *reason;
	char object[80];
};

/* A check's items, each a string to match. */
static int
use_checks(const json_t *items, struct ecert_use *u, struct ecert_error *e)
{
	const char *key;
	json_t *v;

	u->checks = json_object();
	json_object_foreach((json_t *)items, key, v) {
		if (!json_is_string(v))
			return ecert_fail(e, ECERT_DATAERR, "items.%s: a string "
			    "is expected", key);
		json_object_set(u->checks, key, v);
	}
	return 0;
}

/* The body read and checked as ecert-use checks its options. */
static int
use_read(const json_t *body, const struct ecert_actor *a, int check,
    struct use_request *q, struct ecert_error *e)
{
	struct ecert_use *u = &q->u;
	const char *unit = ecert_json_str(body, "unit");
	const json_t *items = json_object_get(body, "items");
	const char *reason = q->reason = ecert_json_str(body, "reason");

	u->unit = a->unit;
	u->matter = ecert_json_str(body, "matter");
	u->holder_id = ecert_json_str(body, "holder_id");
	u->type = ecert_json_str(body, "type");
	u->agent_id = ecert_json_str(body, "agent_id");
	if (u->matter != NULL)
		snprintf(q->object, sizeof(q->object), "matter %.60s",
		    u->matter);
	if (u->matter == NULL || u->holder_id == NULL)
		return ecert_fail(e, ECERT_USAGE, "\"matter\" and \"holder_id\" "
		    "are required");
	if (reason == NULL || *reason == '\0')
		return ecert_fail(e, ECERT_USAGE, "\"reason\" (用证事由) is "
		    "required");
	if (!ecert_utf8_valid(reason, strlen(reason)) ||
	    ecert_utf8_chars(reason) > SERVE_REASON_MAX)
		return ecert_fail(e, ECERT_DATAERR, "\"reason\" (用证事由): at "
		    "most %d characters", SERVE_REASON_MAX);
	if (check && (u->type == NULL || !json_is_object(items) ||
	    json_object_size(items) == 0))
		return ecert_fail(e, ECERT_USAGE, "a check needs \"type\" and "
		    "\"items\": the items are the type's");
	if (unit != NULL && strcmp(unit, a->unit) != 0)
		return ecert_fail(e, ECERT_NOPERM, "unit %s: the client is "
		    "%s's", unit, a->unit);
	if (!(a->roles & ECERT_ROLE_USER))
		return ecert_fail(e, ECERT_NOPERM, "unit %s is not a using unit",
		    a->unit);
	return check ? use_checks(items, u, e) : 0;
}

/* The use and its reason's audit entry in one transaction. */
static int
use_run(struct ecert_store *s, const struct ecert_actor *a,
    const char *action, const struct use_request *q, json_t *results,
    struct ecert_error *e)
{
	char detail[700];
	int rc;

	if ((rc = ecert_begin(s, e)) == 0 &&
	    (rc = ecert_use(s, a, &q->u, append_row, results, e)) == 0) {
		snprintf(detail, sizeof(detail), "用证事由: %s", q->reason);
		if ((rc = ecert_audit(s, a->unit, action, q->object, "reason",
		    detail)) != 0)
			ecert_fail(e, rc, "audit: cannot record the use reason");
		else
			rc = ecert_commit(s, e);
	}
	if (rc != 0)
		ecert_rollback(s);
	return rc;
}

/* The licenses used; for a check, whether all matched, or (rc 1) why
 * none could be checked. */
static void
use_answer(struct ecert_store *s, const struct use_request *q, int check,
    int rc, json_t *results, struct answer *out)
{
	const char *overall;
	json_t *o, *one;
	size_t i;
	int all = 1;

	if (check && rc == ECERT_NO) {
		overall = ecert_holder_lapsed(s, q->u.holder_id, q->u.type);
		o = json_pack("{s:s, s:b, s:[]}", "overall", overall, "match",
		    0, "licenses");
		answer_json(out, strcmp(overall, "not found") == 0 ? 404 : 200,
		    ECERT_NO, o);
	} else if (check) {
		json_array_foreach(results, i, one)
			all &= json_is_true(json_object_get(one, "match"));
		o = json_pack("{s:s, s:b, s:O}", "overall", "valid", "match",
		    all, "licenses", results);
		answer_json(out, 200, 0, o);
	} else {
		o = json_pack("{s:s, s:O}", "matter", q->u.matter, "licenses",
		    results);
		answer_json(out, 200, 0, o);
	}
	json_decref(o);
}

static void
route_use(struct ecert_store *s, struct request *r,
    const struct ecert_actor *a, int check, struct answer *out)
{
	struct ecert_error e;
	struct use_request q;
	json_t *body, *results = NULL;
	const char *action = check ? "license.check" : "license.use";
	int rc;

	memset(&q, 0, sizeof(q));
	snprintf(q.object, sizeof(q.object), "matter ?");
	if ((body = body_object(r, &e)) == NULL) {
		ecert_audit_refusal(s, a->unit, action, q.object, &e);
		answer_fail(out, &e, 404);
		return;
	}
	if ((rc = use_read(body, a, check, &q, &e)) == 0) {
		results = json_array();
		rc = use_run(s, a, action, &q, results, &e);
	}
	if (rc != 0 && q.reason != NULL && *q.reason != '\0')
		snprintf(e.msg + strlen(e.msg), sizeof(e.msg) - strlen(e.msg),
		    " (用证事由: %.200s)", q.reason);
	if (rc != 0)
		ecert_audit_refusal(s, a->unit, action, q.object, &e);
	if (rc == 0 || (check && rc == ECERT_NO))
		use_answer(s, &q, check, rc, results, out);
	else
		answer_fail(out, &e, 404);
	json_decref(q.u.checks);
	json_decref(results);
	json_decref(body);
}

/* ---- public: ecert-query --public, ecert-verify, ecert-export ---- */

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
	rc = ecert_public_query(s, name, uscc, append_row, rows, &count, &e);
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

/* A strong ETag: the first 16 bytes of the body's SHA-256, in hex. */
static void
etag_of(const char *body, size_t len, char etag[48])
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, (const unsigned char *)body, len);
	etag[0] = '"';
	sodium_bin2hex(etag + 1, 33, h, 16);
	strcat(etag, "\"");
}

/* The trust or the status list, signed by the platform, made at most
 * once per --list-seconds and answered with its ETag. */
static void
route_list(struct serve *sv, struct ecert_store *s, struct request *r,
    int status, struct answer *out)
{
	struct serve_list *l = status ? &sv->status : &sv->trust;
	struct ecert_error e;
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
		etag_of(text, len, l->etag);
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
struct labels {
	struct ecert_store *s;
	json_t *all;
};

/* One type's name and its items' labels. */
static int
add_labels(const struct ecert_type_row *row, void *arg)
{
	struct labels *l = arg;
	json_t *type, *items, *it;
	size_t i;

	if ((type = ecert_catalog_get(l->s, row->code)) == NULL)
		return 0;
	items = json_object();
	json_array_foreach(json_object_get(type, "items"), i, it)
		if (ecert_json_str(it, "key") != NULL &&
		    ecert_json_str(it, "label") != NULL)
			json_object_set_new(items, ecert_json_str(it, "key"),
			    json_string(ecert_json_str(it, "label")));
	json_object_set_new(l->all, row->code, json_pack("{s:s?, s:o}",
	    "name", ecert_json_str(type, "name"), "items", items));
	json_decref(type);
	return 0;
}

static void
route_labels(struct serve *sv, struct ecert_store *s, struct request *r,
    struct answer *out)
{
	struct labels l = { s, json_object() };
	struct ecert_error e;
	const char *inm;

	if (ecert_catalog_each(s, add_labels, &l, &e) != 0) {
		json_decref(l.all);
		answer_error(out, 500, ECERT_IOERR, "the catalog cannot be "
		    "read");
		return;
	}
	out->body = ecert_json_canonical(l.all);
	out->len = strlen(out->body);
	json_decref(l.all);
	etag_of(out->body, out->len, out->etag);
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

	if (ecert_store_ready(s, &e) != 0) {
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

/* What anyone may ask, without a signature: 1 when it was that. */
static int
route_open(struct serve *sv, struct ecert_store *s, struct request *r,
    struct answer *out)
{
	struct ecert_error e;
	char id[160];

	if (strcmp(r->path, "/healthz") == 0 && is_get(r))
		route_health(s, out);
	else if (strcmp(r->path, "/v1/catalog/labels") == 0 && is_get(r))
		route_labels(sv, s, r, out);
	else if (strcmp(r->path, "/v1/public") == 0 && is_get(r))
		route_public(s, r, out);
	else if ((strcmp(r->path, "/v1/trust") == 0 ||
	    strcmp(r->path, "/v1/status") == 0) && is_get(r))
		route_list(sv, s, r, strcmp(r->path, "/v1/status") == 0, out);
	else if (strncmp(r->path, "/v1/verify/", 11) == 0 && is_get(r)) {
		if (ecert_id_from_line(r->path + 11, strlen(r->path + 11), id,
		    sizeof(id), &e) != 0)
			answer_fail(out, &e, 404);
		else
			route_verify(s, id, out);
	} else if (strncmp(r->path, "/v1/", 4) != 0) {
		if (is_get(r))
			route_page(sv, r->path, out);
		else
			answer_error(out, 405, ECERT_USAGE, "method not allowed");
	} else
		return 0;
	return 1;
}

/* The seal of the unit whose registered client signed the request (RFC
 * 9421); NULL, the refusal audited and answered, when there is none. */
static const struct ecert_actor *
authenticate(struct serve *sv, struct ecert_store *s, struct request *r,
    struct answer *out)
{
	const struct ecert_actor *a;
	struct ecert_error e;
	char why[512], detail[700];

	if (serve_sig_check(sv, s, r, why, sizeof(why)) != 0) {
		snprintf(detail, sizeof(detail), "%s %s from %s: %s",
		    r->method, r->path, r->remote, why);
		if (ecert_audit(s, NULL, "serve.auth", r->client[0] ?
		    r->client : "(unsigned)", "refused", detail) != 0) {
			answer_error(out, 503, ECERT_IOERR, "audit: cannot "
			    "record the refusal");
			return NULL;
		}
		answer_error(out, 401, ECERT_NOPERM, why);
		out->ask_signature = 1;
		return NULL;
	}
	if ((a = actor_of(sv, r)) == NULL) {
		ecert_fail(&e, ECERT_NOPERM, "the server holds no seal of unit "
		    "%s (client %s)", r->unit, r->client);
		ecert_audit_refusal(s, r->unit, "serve.seal", r->client, &e);
		answer_fail(out, &e, 404);
	}
	return a;
}

/* /v1/licenses/ID and its verbs: 1 when it was one of them. */
static int
route_license(struct ecert_store *s, struct request *r,
    const struct ecert_actor *a, struct answer *out)
{
	struct ecert_error e;
	char id[160];
	const char *verb = "";

	if (strncmp(r->path, "/v1/licenses/", 13) != 0 ||
	    split_license_path(r->path, id, sizeof(id), &verb) != 0)
		return 0;
	if (ecert_id_from_line(id, strlen(id), id, sizeof(id), &e) != 0)
		answer_fail(out, &e, 404);
	else if (*verb == '\0' && is_get(r))
		route_show(s, a, id, out);
	else if (is_post(r) && (strcmp(verb, "amend") == 0 ||
	    strcmp(verb, "suspend") == 0 || strcmp(verb, "reinstate") == 0 ||
	    strcmp(verb, "revoke") == 0))
		route_change(s, r, a, id, verb, out);
	else if (is_post(r) && strcmp(verb, "present") == 0)
		route_present(s, r, a, id, out);
	else
		return 0;
	return 1;
}

void
serve_route(struct serve *sv, struct ecert_store *s, struct request *r,
    struct answer *out)
{
	const struct ecert_actor *a;

	if (route_open(sv, s, r, out))
		return;
	/* everything else: a registered client's signature */
	if ((a = authenticate(sv, s, r, out)) == NULL)
		return;
	if (strcmp(r->path, "/v1/licenses") == 0 && is_post(r))
		route_issue(sv, s, r, a, out);
	else if (strcmp(r->path, "/v1/use") == 0 && is_post(r))
		route_use(s, r, a, 0, out);
	else if (strcmp(r->path, "/v1/check") == 0 && is_post(r))
		route_use(s, r, a, 1, out);
	else if (!route_license(s, r, a, out))
		answer_error(out, 404, ECERT_USAGE, "no such route");
}
