/*
 * ecert-verify: is this license genuine and in force?  By identifier in
 * the store, or, with --trust, a signed document with no store at all.
 * Exit 0 when at least one license was verified and all were valid, 1
 * when anything is not or nothing was given (a gate never passes on an
 * empty scan); a busy store is 75, never "invalid".
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cmd.h"

static int json_out;
static long answered;	/* answers given: none is a definite no */
static long valid;

/* unchecked: a token verified without a status list (--trust alone) */
static void
report_token(const char *id, enum ecert_verdict v, const char *why,
    int unchecked)
{
	const char *status = ecert_verdict_word(v);
	json_t *o;

	answered++;
	valid += v == ECERT_VERDICT_VALID;
	if (why != NULL && *why != '\0' && v != ECERT_VERDICT_VALID)
		ecert_warn("%s: %s", id, why);
	if (unchecked)
		ecert_warn("%s: status not checked (no --status list): a "
		    "revoked or suspended license passes", id);
	if (json_out) {
		o = json_pack("{s:s, s:s, s:b}", "id", id, "status", status,
		    "valid", v == ECERT_VERDICT_VALID);
		if (why != NULL && *why != '\0' && v != ECERT_VERDICT_VALID)
			json_object_set_new(o, "reason", json_string(why));
		if (unchecked)
			json_object_set_new(o, "status_checked", json_false());
		ecert_print_json(o);
		json_decref(o);
	} else {
		printf("%s %s\n", id, status);
		fflush(stdout);
	}
}

static void
report(const char *id, enum ecert_verdict v, const char *why)
{
	report_token(id, v, why, 0);
}

/*
 * Identifiers from a list that cannot keep anybody waiting (arguments,
 * a regular file) are verified in groups: the licenses read in one
 * snapshot, without the write lock, so that verifiers on other cores
 * read at once; then the group's audit entries, one each, written in
 * one short transaction; no answer of a group is printed before they
 * are committed.  From a pipe or a terminal each answer is given, and
 * audited, as its line comes.
 */
#define GROUP 256
#define GROUP_SECONDS 0.05	/* a snapshot held at most this long */

struct group {
	int n;
	double started;
	struct {
		char id[160];
		enum ecert_verdict v;
		int rc;
		char why[512];
	} a[GROUP];
};

static void
group_begin(struct ecert_store *s, struct group *g)
{
	struct ecert_error e;

	if (ecert_begin_read(s, &e) != 0) {
		ecert_store_close(s);
		ecert_die_error(&e);
	}
	g->started = ecert_mono();
}

/* The group's entries committed, then its answers given. */
static void
group_end(struct ecert_store *s, struct group *g)
{
	struct ecert_error e;
	int i;

	if (ecert_end_read(s, &e) != 0 || (g->n > 0 &&
	    ecert_begin(s, &e) != 0)) {
		ecert_store_close(s);
		ecert_die_error(&e);
	}
	if (g->n == 0)
		return;
	for (i = 0; i < g->n; i++)
		ecert_audit_access(s, NULL, "license.verify", g->a[i].id,
		    ecert_verdict_word(g->a[i].v),
		    g->a[i].rc ? g->a[i].why : NULL);
	if (ecert_commit(s, &e) != 0) {
		ecert_store_close(s);
		ecert_die(e.status, "audit: cannot record license.verify of "
		    "%d licenses; no answer given", g->n);
	}
	for (i = 0; i < g->n; i++)
		report(g->a[i].id, g->a[i].v, g->a[i].why);
	g->n = 0;
}

static void
group_add(struct ecert_store *s, struct group *g, const char *id,
    enum ecert_verdict v, int rc, const char *why)
{
	snprintf(g->a[g->n].id, sizeof(g->a[g->n].id), "%s", id);
	g->a[g->n].v = v;
	g->a[g->n].rc = rc;
	snprintf(g->a[g->n].why, sizeof(g->a[g->n].why), "%s", why);
	if (++g->n == GROUP || ecert_mono() - g->started >= GROUP_SECONDS)
		group_end(s, g);
}

/* An empty scan or an empty list is a no, never a pass. */
static int
nothing_verified(int worst, int from_stdin)
{
	if (from_stdin && answered > 0)
		ecert_batch_summary(answered, valid,
		    ecert_verdict_word(ECERT_VERDICT_VALID), answered - valid);
	if (answered > 0 || worst != 0)
		return worst;
	ecert_warn("nothing to verify: no identifier, document or token was "
	    "given or read");
	return ECERT_NO;
}

static const unsigned char *status_bits;
static size_t status_nbits;

/* A valid format-2 token's disclosed items, and how many were withheld:
 * JSON members, or indented lines after the verdict. */
static void
report_disclosed(const struct ecert_token *t)
{
	json_t *d = json_object(), *v;
	const char *k;

	if (t->holder[0] != '\0')
		json_object_set_new(d, "holder", json_string(t->holder));
	if (t->holder_id[0] != '\0')
		json_object_set_new(d, "holder_id", json_string(t->holder_id));
	if (t->number[0] != '\0')
		json_object_set_new(d, "number", json_string(t->number));
	json_object_foreach(t->items, k, v)
		json_object_set(d, k, v);
	if (json_out) {
		json_t *o = json_pack("{s:s, s:o, s:i}", "id", t->id,
		    "disclosed", d, "withheld", t->withheld);
		ecert_print_json(o);
		json_decref(o);
	} else {
		json_object_foreach(d, k, v) {
			char *text = json_is_string(v) ?
			    strdup(json_string_value(v)) :
			    json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
			printf("  %s: %s\n", k, text ? text : "?");
			free(text);
		}
		printf("  withheld: %d item%s\n", t->withheld,
		    t->withheld == 1 ? "" : "s");
		json_decref(d);
	}
	fflush(stdout);
}

static int
verify_token(const char *text, const json_t *trust)
{
	struct ecert_token t;
	char why[512];
	int rc;

	/* without the status list (--trust alone) a revocation cannot be
	 * seen: every such answer says so */
	rc = ecert_token_verify(text, trust, status_bits, status_nbits,
	    ecert_now_time(), &t, why, sizeof(why));
	if (rc == 0) {
		report_token(t.id, t.verdict, NULL, status_bits == NULL);
		if (t.format == 2)
			report_disclosed(&t);
	} else
		report(t.id[0] ? t.id : "token", t.verdict, why);
	ecert_token_free(&t);
	return rc;
}

/* Lines of tokens (EC1:...) or signed JSON documents. */
static int
verify_documents(FILE *fp, const char *name, const json_t *trust)
{
	struct ecert_reader r = { 0 };
	struct ecert_error e;
	enum ecert_verdict v;
	json_t *doc;
	char *line, why[512], where[300];
	size_t len;
	int rc, worst = 0;
	const char *id;

	r.fp = fp;
	r.name = name;
	while ((rc = ecert_read_line(&r, &line, &len, &e)) != -1) {
		snprintf(where, sizeof(where), "%s:%ld", name, r.line);
		if (rc == 0 && len == 0)
			continue;
		if (rc == 0 && strncmp(line, ECERT_TOKEN_PREFIX,
		    strlen(ECERT_TOKEN_PREFIX)) == 0) {
			worst = ecert_worse(worst, verify_token(line, trust));
			continue;
		}
		if (rc != 0 || (doc = ecert_json_parse(line, len, &e)) == NULL) {
			report(where, ECERT_VERDICT_INVALID, e.msg);
			worst = ecert_worse(worst, ECERT_DATAERR);
			continue;
		}
		id = ecert_json_str(json_object_get(doc, "document"), "id");
		rc = ecert_license_verify_doc(doc, trust, &v, why, sizeof(why));
		report(id ? id : where, v, rc == 0 ? NULL : why);
		worst = ecert_worse(worst, rc);
		json_decref(doc);
	}
	ecert_reader_free(&r);
	return worst;
}

/* A published checkpoint of the audit log, against the platform's keys
 * of the trust list: its size and time on stdout. */
static int
verify_checkpoint(const char *path, const json_t *trust)
{
	struct ecert_checkpoint c;
	struct ecert_error e;
	FILE *fp = fopen(path, "r");
	char buf[8192];
	size_t n;
	int rc;

	if (fp == NULL)
		ecert_die(ECERT_IOERR, "checkpoint %s: %s", path,
		    strerror(errno));
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	rc = ferror(fp) ? ECERT_IOERR : !feof(fp) ? ECERT_DATAERR : 0;
	fclose(fp);
	if (rc != 0)
		ecert_die(rc, "checkpoint %s: %s", path, rc == ECERT_IOERR ?
		    strerror(errno) : "too large");
	if ((rc = ecert_checkpoint_parse(buf, n, path, &c, &e)) != 0 ||
	    (rc = ecert_checkpoint_verify_keys(&c, trust, path, &e)) != 0) {
		ecert_warn("%s", e.msg);
		ecert_checkpoint_free(&c);
		return rc;
	}
	printf("checkpoint %s: %s, %llu entries, signed at %s\n", path,
	    c.origin, (unsigned long long)c.size, c.time[0] ? c.time :
	    "an unknown time");
	fflush(stdout);
	ecert_checkpoint_free(&c);
	return 0;
}

static const char *trustfile, *statusfile, *anchor, *checkpoint;
static int offline;

static const struct ecert_cmd_opt options[] = {
	ECERT_OPT_STR("trust", 0, "file", &trustfile,
	    "the trust list: verify signed documents with no store"),
	ECERT_OPT_SET("offline", 0, &offline, 1,
	    "with --trust and --status: no store at all"),
	ECERT_OPT_STR("status", 0, "file", &statusfile,
	    "the signed status list (revocations, suspensions)"),
	ECERT_OPT_STR("anchor", 0, "pubfile", &anchor,
	    "the platform's public key, to check the trust list"),
	ECERT_OPT_STR("checkpoint", 0, "file", &checkpoint,
	    "verify a published checkpoint of the audit log"),
	ECERT_OPT_END
};

static const char *const synopsis[] = {
	"ecert-verify [-d file] [--store-key file] [--json] [id ...]",
	"ecert-verify --trust file [--json] [document ...]",
	"ecert-verify --offline --trust file --status file [--anchor pubfile]",
	"             [--json] [token | document ...]",
	"ecert-verify --offline --trust file [--anchor pubfile] "
	"--checkpoint file",
	NULL
};

static const struct ecert_cmd command = {
	.usage = synopsis,
	.common = ECERT_COMMON_ALL & ~ECERT_COMMON_KEY,
	.opts = options
};

/* The second and third forms: files, tokens and standard input against
 * a trust list (and a status list, a checkpoint), without the store. */
static int
verify_with_trust(int argc, char *argv[])
{
	struct ecert_error e;
	json_t *trust = ecert_trust_load(trustfile, anchor, &e);
	unsigned char *bits = NULL;
	char why[512];
	int rc, i, worst = 0;
	FILE *fp;

	if (trust == NULL)
		ecert_die_error(&e);
	if (checkpoint != NULL) {
		rc = verify_checkpoint(checkpoint, trust);
		if (rc != 0 || (statusfile == NULL && argc == 0)) {
			json_decref(trust);
			return rc;
		}
	}
	if (statusfile != NULL) {
		rc = ecert_status_load(statusfile, trust, &bits,
		    &status_nbits, why, sizeof(why));
		if (rc != 0)
			ecert_die(rc, "%s", why);
		status_bits = bits;
	}
	if (argc == 0)
		worst = verify_documents(stdin, "<stdin>", trust);
	for (i = 0; i < argc; i++) {
		if (strncmp(argv[i], ECERT_TOKEN_PREFIX,
		    strlen(ECERT_TOKEN_PREFIX)) == 0) {
			worst = ecert_worse(worst, verify_token(argv[i],
			    trust));
			continue;
		}
		fp = strcmp(argv[i], "-") == 0 ? stdin : fopen(argv[i], "r");
		if (fp == NULL) {
			ecert_warn("%s: %s", argv[i], strerror(errno));
			worst = ecert_worse(worst, ECERT_IOERR);
			continue;
		}
		worst = ecert_worse(worst, verify_documents(fp, argv[i],
		    trust));
		if (fp != stdin)
			fclose(fp);
	}
	json_decref(trust);
	free(bits);
	return nothing_verified(worst, argc == 0);
}

int
main(int argc, char *argv[])
{
	struct ecert_opts o = { 0 };
	struct ecert_store *s;
	struct ecert_error e;
	struct ecert_ids ids;
	enum ecert_verdict v;
	char id[160], why[512];
	static struct group g;
	struct stat sb;
	int rc, worst = 0, grouped;

	ecert_setprogname(argv[0]);
	ecert_cmd_parse(&command, &o, &argc, &argv);
	json_out = !ecert_want_table(o.json, o.table);
	if ((offline || statusfile != NULL) && (trustfile == NULL ||
	    (statusfile == NULL && checkpoint == NULL)))
		ecert_usage();
	if (checkpoint != NULL && trustfile == NULL)
		ecert_usage();
	if (trustfile != NULL)
		return verify_with_trust(argc, argv);

	s = ecert_opts_store(&o);
	ecert_ids_init(&ids, argc, argv);
	grouped = argc > 0 || (fstat(0, &sb) == 0 && S_ISREG(sb.st_mode));
	while ((rc = ecert_ids_next(&ids, id, sizeof(id), &e)) != -1) {
		if (rc != 0) {
			ecert_warn("%s", e.msg);
			worst = ecert_worse(worst, rc);
			continue;
		}
		if (grouped && g.n == 0)
			group_begin(s, &g);
		rc = ecert_license_verify(s, id, &v, why, sizeof(why), &e);
		if (rc == ECERT_IOERR || rc == ECERT_BUSY) {
			/* the group's answers stay unsaid */
			ecert_store_close(s);
			ecert_die_error(&e);
		}
		if (grouped)
			group_add(s, &g, id, v, rc, why);
		else {
			ecert_audit_access(s, NULL, "license.verify", id,
			    ecert_verdict_word(v), rc ? why : NULL);
			report(id, v, why);
		}
		worst = ecert_worse(worst, rc);
	}
	group_end(s, &g);
	ecert_ids_free(&ids);
	ecert_store_close(s);
	return nothing_verified(worst, argc == 0);
}
