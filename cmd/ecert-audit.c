/*
 * ecert-audit: read the audit log, verify its hash chain and its signed
 * checkpoints, make checkpoints and prove entries against them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"


/*
 * An --action that no program records is a typing slip, not an empty
 * answer: a usage error that lists the actions.  One found in the log
 * (of a newer program) is taken as it is.
 */
static void
check_action(struct ecert_store *s, const char *action)
{
	const char *const *actions = ecert_audit_actions();
	struct ecert_error e;
	int i, rc;

	if ((rc = ecert_audit_action_known(s, action, &e)) == 1)
		return;
	if (rc != 0)
		ecert_die_error(&e);
	fprintf(stderr, "%s: --action %s: not an action; the actions are:\n",
	    ecert_progname, action);
	for (i = 0; actions[i] != NULL; i++)
		fprintf(stderr, "%s%s", i % 6 == 0 ? (i ? "\n  " : "  ") : " ",
		    actions[i]);
	fprintf(stderr, "\n");
	ecert_store_close(s);
	exit(ECERT_USAGE);
}

struct log_out {
	struct ecert_table *t;
};

static int
log_row(const char *const cells[10], void *arg)
{
	static const char *names[] = { "seq", "time", "unit", "os_user",
	    "action", "object", "outcome", "detail", "prev", "hash" };
	struct log_out *lo = arg;
	json_t *row;
	int i;

	if (lo->t != NULL) {
		ecert_table_add(lo->t, cells);
		return 0;
	}
	row = json_object();
	json_object_set_new(row, "seq", json_integer(atoll(cells[0])));
	for (i = 1; i < 10; i++)
		json_object_set_new(row, names[i],
		    json_string(cells[i] ? cells[i] : ""));
	ecert_print_json(row);
	json_decref(row);
	return 0;
}

static int
cmd_log(struct ecert_store *s, const struct ecert_opts *o,
    const struct ecert_audit_filter *f)
{
	static const char *headers[] = { "SEQ", "TIME", "UNIT", "USER",
	    "ACTION", "OBJECT", "OUTCOME", "DETAIL" };
	struct log_out lo = { NULL };
	struct ecert_error e;

	if (ecert_want_table(o->json, o->table))
		lo.t = ecert_table_new(8, headers);
	if (ecert_audit_select(s, f, log_row, &lo, &e) != 0)
		ecert_die_error(&e);
	ecert_table_done(lo.t);
	return 0;
}

/*
 * The chain first (it names the first entry altered), then the tree
 * against the checkpoints.  A failure is audited as a refusal when the
 * store can take it, so that the finding itself is in the log.
 */
static int
cmd_verify(struct ecert_store *s, const char *checkpoint, const char *anchor)
{
	struct ecert_error e;
	long long bad, count;
	char why[256], warn[256];
	int rc;

	rc = ecert_audit_verify(s, &bad, why, sizeof(why), &count, &e);
	if (rc == ECERT_NO) {
		ecert_warn("audit chain broken at entry %lld: %s", bad, why);
		ecert_fail(&e, ECERT_NO, "audit chain broken at entry %lld: %s",
		    bad, why);
		ecert_audit_refusal(s, NULL, "audit.verify", checkpoint, &e);
		return ECERT_NO;
	}
	if (rc != 0)
		ecert_die_error(&e);
	rc = ecert_tlog_verify(s, checkpoint, anchor, count, warn, sizeof(warn),
	    &e);
	if (rc == ECERT_NO) {
		ecert_warn("%s", e.msg);
		ecert_audit_refusal(s, NULL, "audit.verify", checkpoint, &e);
		return ECERT_NO;
	}
	if (rc != 0)
		ecert_die_error(&e);
	if (warn[0] != '\0')
		ecert_warn("warning: %s", warn);
	printf("audit chain intact: %lld entries\n", count);
	return 0;
}

static int
write_out(const char *out, const char *text)
{
	FILE *fp = stdout;

	if (out != NULL && strcmp(out, "-") != 0 &&
	    (fp = fopen(out, "w")) == NULL) {
		ecert_warn("%s: %s", out, strerror(errno));
		return ECERT_IOERR;
	}
	fputs(text, fp);
	if ((fp == stdout ? fflush(fp) : fclose(fp)) != 0) {
		ecert_warn("%s: %s", out ? out : "stdout", strerror(errno));
		return ECERT_IOERR;
	}
	return 0;
}

static int
cmd_checkpoint(struct ecert_store *s, const struct ecert_opts *o,
    const char *out)
{
	struct ecert_checkpoint c;
	struct ecert_actor a;
	struct ecert_error e;
	int rc;

	ecert_opts_actor(s, o, &a);
	if (!(a.roles & ECERT_ROLE_ADMIN)) {
		ecert_fail(&e, ECERT_NOPERM, "unit %s is not the platform: "
		    "checkpoints are the platform's (article 23)", a.unit);
		ecert_key_wipe(&a.key);
		ecert_audit_refusal(s, a.unit, "audit.checkpoint", "", &e);
		ecert_die_error(&e);
	}
	rc = ecert_checkpoint_make(s, &a, &c, &e);
	ecert_key_wipe(&a.key);
	if (rc != 0) {
		ecert_audit_refusal(s, a.unit, "audit.checkpoint", "", &e);
		ecert_die_error(&e);
	}
	rc = write_out(out, c.note);
	ecert_checkpoint_free(&c);
	return rc;
}

static char *
slurp(const char *path, size_t *n)
{
	FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	char *buf = NULL;
	size_t cap = 0, got;

	*n = 0;
	if (fp == NULL)
		ecert_die(ECERT_IOERR, "%s: %s", path, strerror(errno));
	do {
		if (*n + 4097 > cap)
			buf = ecert_xrealloc(buf, cap = cap ? 2 * cap : 8192);
		got = fread(buf + *n, 1, 4096, fp);
		*n += got;
	} while (got > 0);
	if (ferror(fp))
		ecert_die(ECERT_IOERR, "%s: %s", path, strerror(errno));
	buf[*n] = '\0';
	if (fp != stdin)
		fclose(fp);
	return buf;
}

static int
cmd_verify_proof(const char *proof, const char *trustfile,
    const char *anchor, const char *entryfile, const char *oldfile)
{
	struct ecert_error e;
	json_t *trust;
	char *text, *entry = NULL, *old = NULL, what[256];
	size_t n, entryn = 0, oldn = 0;
	int rc;

	if ((trust = ecert_trust_load(trustfile, anchor, &e)) == NULL)
		ecert_die_error(&e);
	text = slurp(proof, &n);
	if (entryfile != NULL)
		entry = slurp(entryfile, &entryn);
	if (oldfile != NULL)
		old = slurp(oldfile, &oldn);
	rc = ecert_tlog_proof_verify(text, n, proof, trust, entry, entryn, old,
	    oldn, what, sizeof(what), &e);
	json_decref(trust);
	free(text);
	free(entry);
	free(old);
	if (rc != 0)
		ecert_die_error(&e);
	printf("proof verified: %s\n", what);
	return 0;
}

enum { LOG, VERIFY, CHECKPOINT, PROVE, VERIFY_PROOF };
static const char *const verbs[] = { "log", "verify", "checkpoint", "prove",
    "verify-proof", NULL };
static const char *unit, *action, *object, *since, *until;
static const char *checkpoint, *anchor, *trust, *entry, *old, *out;
static long long seq = -1, from = -1;

/* --seq n (an entry, from 1) or --from size (a tree size, from 0) */
static void
set_position(const char *arg, void *var)
{
	long long *v = var;
	char *end;

	errno = 0;
	*v = strtoll(arg, &end, 10);
	if (*end != '\0' || arg[0] == '\0' || errno != 0 ||
	    (v == &seq ? *v < 1 : *v < 0))
		ecert_die(ECERT_USAGE, "--%s %s: %s", v == &seq ? "seq" :
		    "from", arg, v == &seq ? "an entry's number, from 1" :
		    "a tree size, from 0");
}

static const struct ecert_cmd_opt options[] = {
	ECERT_OPT_VAL("unit", 0, "uscc", &unit, ECERT_VAL_UNIT,
	    "log: entries of this unit"),
	ECERT_OPT_STR("action", 0, "action", &action,
	    "log: entries of this action (e.g. license.issue)"),
	ECERT_OPT_STR("object", 0, "object", &object,
	    "log: entries about this object"),
	ECERT_OPT_STR("since", 0, "time", &since, "log: from this time"),
	ECERT_OPT_STR("until", 0, "time", &until, "log: up to this time"),
	ECERT_OPT_STR("checkpoint", 0, "file", &checkpoint,
	    "verify, prove: against this published checkpoint"),
	ECERT_OPT_STR("anchor", 0, "pubfile", &anchor,
	    "the platform's public key, kept outside the store"),
	ECERT_OPT_STR("output", 'o', "file", &out,
	    "checkpoint, prove: write to file"),
	ECERT_OPT_CALL("seq", 0, "n", set_position, &seq,
	    "prove: that entry n is in the log"),
	ECERT_OPT_CALL("from", 0, "size", set_position, &from,
	    "prove: that the log grew from this size"),
	ECERT_OPT_STR("trust", 0, "file", &trust,
	    "verify-proof: the trust list"),
	ECERT_OPT_STR("entry", 0, "file", &entry,
	    "verify-proof: the entry proved"),
	ECERT_OPT_STR("old", 0, "checkpoint", &old,
	    "verify-proof: the older checkpoint"),
	ECERT_OPT_END
};

static const char *const synopsis[] = {
	"ecert-audit log [--unit uscc] [--action action] [--object object]",
	"                [--since time] [--until time] [--json | --table]",
	"ecert-audit verify [--checkpoint file] [--anchor pubfile]",
	"ecert-audit checkpoint -k platformkey [-o file]",
	"ecert-audit prove (--seq n | --from size) [--checkpoint file]",
	"ecert-audit verify-proof --trust file [--anchor pubfile]",
	"                [--entry file | --old checkpoint] proof",
	NULL
};

static const struct ecert_cmd command = {
	.usage = synopsis,
	.verbs = verbs,
	.common = ECERT_COMMON_ALL,
	.opts = options
};

static int
cmd_prove(struct ecert_store *s)
{
	struct ecert_error e;
	char *proof;
	int rc;

	proof = ecert_tlog_prove(s, checkpoint, seq > 0 ? seq : 0, from, &e);
	if (proof == NULL) {
		ecert_store_close(s);
		ecert_die_error(&e);
	}
	rc = write_out(out, proof);
	free(proof);
	return rc;
}

int
main(int argc, char *argv[])
{
	struct ecert_opts o = { 0 };
	struct ecert_store *s;
	int verb, rc;

	ecert_setprogname(argv[0]);
	verb = ecert_cmd_parse(&command, &o, &argc, &argv);
	if (verb == VERIFY_PROOF) {
		if (argc != 1 || trust == NULL || (entry && old))
			ecert_usage();
		return cmd_verify_proof(argv[0], trust, anchor, entry, old);
	}
	if (argc != 0 || (verb == CHECKPOINT && o.key == NULL) ||
	    (verb == PROVE && (seq > 0) == (from >= 0)))
		ecert_usage();
	s = ecert_opts_store(&o);
	if (verb == LOG) {
		if (action != NULL)
			check_action(s, action);
		struct ecert_audit_filter f = { unit, action, object, since,
		    until };

		rc = cmd_log(s, &o, &f);
	} else if (verb == VERIFY)
		rc = cmd_verify(s, checkpoint, anchor);
	else if (verb == CHECKPOINT)
		rc = cmd_checkpoint(s, &o, out);
	else
		rc = cmd_prove(s);
	ecert_store_close(s);
	return rc;
}
