/*
 * ecert-reconcile: compares a department's own export of one license
 * type (JSON Lines or CSV, as ecert-import reads them) with the store
 * (article 8) and writes one JSON line per difference: missing-in-store,
 * differs, invalid, then missing-in-export.  Exit 0 when they agree, 1
 * when they do not.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"

static int write_errno;

/* A reader that goes away (| head) stops the pass, which is then audited
 * as failed rather than not at all. */
static int
print_finding(const json_t *finding, void *arg)
{
	const char *name = arg;
	const json_t *line = json_object_get(finding, "line");

	if (strcmp(ecert_json_str(finding, "kind"), "invalid") == 0)
		ecert_warn("%s:%" JSON_INTEGER_FORMAT ": %s", name,
		    json_integer_value(line), ecert_json_str(finding, "reason"));
	errno = 0;
	ecert_print_json(finding);
	if (ferror(stdout)) {
		write_errno = errno ? errno : EIO;
		return ECERT_IOERR;
	}
	return 0;
}

static const char *type_code;
static struct ecert_import_opts io;
static int csv = -1;

static const struct ecert_cmd_opt options[] = {
	ECERT_OPT_VAL("type", 't', "type", &type_code, ECERT_VAL_TYPE,
	    "the license type of the export"),
	ECERT_OPT_SET("csv", 0, &csv, 1,
	    "the export is CSV (so is a file named *.csv)"),
	ECERT_OPT_STR("map", 0, "column=item,...", &io.map,
	    "which column holds which data item"),
	ECERT_OPT_STR("encoding", 0, "enc", &io.encoding,
	    "the export's encoding (e.g. GB18030; default UTF-8)"),
	ECERT_OPT_END
};

static const char *const synopsis[] = {
	"ecert-reconcile -k key -t type [--csv] [--map column=item,...]",
	"                [--encoding enc] [file | -]",
	NULL
};

static const struct ecert_cmd command = {
	.usage = synopsis,
	.common = ECERT_COMMON_ALL,
	.opts = options
};

int
main(int argc, char *argv[])
{
	struct ecert_opts o = { 0 };
	struct ecert_reconcile_counts n;
	struct ecert_store *s;
	struct ecert_actor a;
	struct ecert_error e;
	json_t *type;
	int rc;

	ecert_setprogname(argv[0]);
	ecert_cmd_parse(&command, &o, &argc, &argv);
	if (type_code == NULL || argc > 1)
		ecert_usage();
	if (o.table)
		ecert_die(ECERT_USAGE, "--table: the differences are JSON Lines "
		    "only, written as they are found");
	ecert_cmd_input(&io, argc == 1 ? argv[0] : NULL, csv);

	signal(SIGPIPE, SIG_IGN);
	s = ecert_opts_store(&o);
	ecert_opts_actor(s, &o, &a);
	if ((type = ecert_catalog_get(s, type_code)) == NULL) {
		ecert_fail(&e, ECERT_DATAERR, "-t %s: not in the catalog",
		    type_code);
		rc = e.status;
	} else
		rc = ecert_reconcile(s, &a, type, &io, print_finding,
		    (void *)io.name, &n, &e);
	json_decref(type);
	ecert_key_wipe(&a.key);
	if (rc != 0 && write_errno != 0)
		snprintf(e.msg, sizeof(e.msg), "stdout: %s (after %ld records)",
		    strerror(write_errno), n.records);
	if (rc != 0) {
		ecert_audit_refusal(s, a.unit, "license.reconcile", io.name, &e);
		ecert_store_close(s);
		ecert_die_error(&e);
	}
	ecert_store_close(s);
	if (n.records == 0)
		ecert_warn("%s: no records: 0 taken", io.name);
	if (isatty(STDERR_FILENO))
		fprintf(stderr, "%s: %ld records: %ld equal, %ld differ, %ld "
		    "missing in the store, %ld invalid; %ld missing in the "
		    "export\n", ecert_progname, n.records, n.equal, n.differs,
		    n.missing_in_store, n.invalid, n.missing_in_export);
	return n.differs + n.missing_in_store + n.invalid +
	    n.missing_in_export > 0 ? ECERT_NO : ECERT_OK;
}
