/*
 * ecert-import: bulk import of historical licenses (article 10) from
 * JSON Lines or CSV, signed with the issuer's key; idempotent, so that
 * running it again after a crash finishes the job; every record ends up
 * imported, already present or rejected, and the three counts add up.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"

static struct ecert_import_opts io = { .batch = 10000 };
static const char *type_code, *rejects;
static json_t *set;
static int csv = -1;

/* --set item=value: the same value for every record */
static void
set_item(const char *arg, void *var)
{
	const char *eq = strchr(arg, '=');
	char *k;

	(void)var;
	if (eq == NULL || eq == arg || eq[1] == '\0')
		ecert_die(ECERT_USAGE, "--set %s: expected item=value", arg);
	if (!ecert_utf8_valid(arg, strlen(arg)))
		ecert_die(ECERT_USAGE, "--set: invalid UTF-8");
	k = strndup(arg, (size_t)(eq - arg));
	if (json_object_get(set, k) != NULL)
		ecert_die(ECERT_USAGE, "--set %s: given twice", k);
	json_object_set_new(set, k, json_string(eq + 1));
	free(k);
}

static const struct ecert_cmd_opt options[] = {
	ECERT_OPT_VAL("type", 't', "type", &type_code, ECERT_VAL_TYPE,
	    "the license type of every record"),
	ECERT_OPT_SET("csv", 0, &csv, 1,
	    "the input is CSV (so is a file named *.csv)"),
	ECERT_OPT_STR("map", 0, "column=item,...", &io.map,
	    "which column holds which data item"),
	ECERT_OPT_CALL("set", 0, "item=value", set_item, NULL,
	    "the same value for every record; again for more"),
	ECERT_OPT_STR("encoding", 0, "enc", &io.encoding,
	    "the input's encoding (e.g. GB18030; default UTF-8)"),
	ECERT_OPT_STR("rejects", 0, "file", &rejects,
	    "write rejected lines there, and why to file.why"),
	ECERT_OPT_NUM("batch", 0, "n", &io.batch, 1, 1000000,
	    "records a transaction (default 10000)"),
	ECERT_OPT_NUM("jobs", 0, "n", &io.workers, 1, 1000000,
	    "signing workers (default one a core)"),
	ECERT_OPT_END
};

static const char *const synopsis[] = {
	"ecert-import -k key -t type [--csv] [--map column=item,...]",
	"             [--set item=value] [--encoding enc] [--rejects file]",
	"             [--batch n] [--jobs n] [file | -]",
	NULL
};

static const struct ecert_cmd command = {
	.usage = synopsis,
	.common = ECERT_COMMON_ALL,
	.opts = options
};

/* Imports io's records; dies on a refusal or a failure. */
static void
import(const struct ecert_opts *o, struct ecert_import_counts *n)
{
	struct ecert_store *s;
	struct ecert_actor a;
	struct ecert_error e;
	json_t *type;
	char *why = NULL;
	int rc;

	s = ecert_opts_store(o);
	ecert_opts_actor(s, o, &a);
	if ((rc = ecert_may_issue(s, &a, type_code, &type, &e)) != 0) {
		ecert_audit_refusal(s, a.unit, "license.import", io.name, &e);
		ecert_store_close(s);
		ecert_die_error(&e);
	}
	/* opened only now: a refused run leaves last night's file alone */
	if (rejects != NULL) {
		why = ecert_xasprintf("%s.why", rejects);
		io.rejects_name = rejects;
		io.why_name = why;
		if ((io.rejects = fopen(rejects, "w")) == NULL)
			ecert_die(ECERT_IOERR, "--rejects %s: %s", rejects,
			    strerror(errno));
		if ((io.why = fopen(why, "w")) == NULL)
			ecert_die(ECERT_IOERR, "--rejects %s: %s", why,
			    strerror(errno));
	}
	rc = ecert_import(s, &a, type, &io, n, &e);
	json_decref(type);
	ecert_key_wipe(&a.key);
	if (io.rejects != NULL && fclose(io.rejects) != 0 && rc == 0)
		rc = ecert_fail(&e, ECERT_IOERR, "--rejects %s: %s", rejects,
		    strerror(errno));
	if (io.why != NULL && fclose(io.why) != 0 && rc == 0)
		rc = ecert_fail(&e, ECERT_IOERR, "--rejects %s: %s", why,
		    strerror(errno));
	free(why);
	if (rc != 0) {
		ecert_audit_refusal(s, a.unit, "license.import", io.name, &e);
		ecert_store_close(s);
		if (rc == ECERT_IOERR || rc == ECERT_BUSY)
			ecert_die(rc, "%s (%ld imported, %ld present, %ld "
			    "rejected before it; run the same command again to "
			    "go on)", e.msg, n->imported, n->present,
			    n->rejected);
		ecert_die(rc, "%s", e.msg);
	}
	ecert_store_close(s);
}

static void
print_summary(const struct ecert_opts *o, const struct ecert_import_counts *n)
{
	json_t *summary;

	if (ecert_want_table(o->json, o->table))
		printf("%ld records: %ld imported, %ld already present, %ld "
		    "rejected\n", n->records, n->imported, n->present, n->rejected);
	else {
		summary = json_pack("{s:s, s:I, s:I, s:I, s:I}", "file",
		    io.name, "records", (json_int_t)n->records, "imported",
		    (json_int_t)n->imported, "present", (json_int_t)n->present,
		    "rejected", (json_int_t)n->rejected);
		ecert_print_json(summary);
		json_decref(summary);
	}
}

int
main(int argc, char *argv[])
{
	struct ecert_opts o = { 0 };
	struct ecert_import_counts n;
	struct stat sb;

	ecert_setprogname(argv[0]);
	/* one worker a core: the writer mostly waits on SQLite pages */
	io.workers = (int)sysconf(_SC_NPROCESSORS_ONLN);
	set = json_object();
	ecert_cmd_parse(&command, &o, &argc, &argv);
	if (type_code == NULL || argc > 1)
		ecert_usage();
	ecert_cmd_input(&io, argc == 1 ? argv[0] : NULL, csv);
	io.set = set;
	if (fstat(fileno(io.in), &sb) == 0 && S_ISREG(sb.st_mode))
		io.input_size = (long long)sb.st_size;
	io.progress = isatty(STDERR_FILENO);
	import(&o, &n);
	json_decref(set);
	if (n.records == 0)
		ecert_warn("%s: no records: 0 taken", io.name);
	print_summary(&o, &n);
	return n.rejected > 0 ? ECERT_DATAERR : 0;
}
