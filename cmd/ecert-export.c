/*
 * ecert-export: what offline verifiers need, signed by the platform: the
 * status list (one bit per license, set when it is revoked, suspended or
 * superseded) and the trust list (every unit's public keys); and the
 * newest signed checkpoint of the audit log, as it was signed.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"

/* The checkpoint is signed already: no key is needed to publish it. */
static int
export_checkpoint(struct ecert_store *s, const char *out)
{
	struct ecert_checkpoint c;
	struct ecert_error e;
	char *tmp = NULL;
	FILE *fp = stdout;
	int rc;

	if ((rc = ecert_checkpoint_latest(s, &c, &e)) != 0) {
		ecert_store_close(s);
		ecert_die_error(&e);
	}
	if (out != NULL && strcmp(out, "-") != 0) {
		tmp = ecert_xasprintf("%s.tmp.%ld", out, (long)getpid());
		if ((fp = fopen(tmp, "w")) == NULL)
			ecert_die(ECERT_IOERR, "%s: %s", tmp, strerror(errno));
	}
	fputs(c.note, fp);
	if (fp == stdout)
		rc = fflush(fp) != 0;
	else
		rc = fclose(fp) != 0 || rename(tmp, out) != 0;
	if (rc != 0) {
		if (tmp != NULL)
			unlink(tmp);
		ecert_die(ECERT_IOERR, "%s: %s", out ? out : "stdout",
		    strerror(errno));
	}
	free(tmp);
	rc = ecert_audit(s, NULL, "checkpoint.export", c.origin, "ok", NULL);
	ecert_checkpoint_free(&c);
	ecert_store_close(s);
	return rc;
}

enum { STATUS = 1, TRUST, CHECKPOINT };
static const char *out;
static long ttl = 48;
static int what;

static void
set_ttl(const char *arg, void *var)
{
	char *end;

	*(long *)var = strtol(arg, &end, 10);
	if (*end != '\0' || ttl < 1 || ttl > 24 * 31)
		ecert_die(ECERT_USAGE, "--ttl %s: hours, 1 to 744", arg);
}

static const struct ecert_cmd_opt options[] = {
	ECERT_OPT_ONE("status", 0, &what, STATUS,
	    "the signed revocation status list"),
	ECERT_OPT_CALL("ttl", 0, "hours", set_ttl, &ttl,
	    "the status list is good for this long (default 48)"),
	ECERT_OPT_ONE("trust", 0, &what, TRUST,
	    "the signed trust list of the units' public keys"),
	ECERT_OPT_ONE("checkpoint", 0, &what, CHECKPOINT,
	    "the latest signed checkpoint of the audit log"),
	ECERT_OPT_STR("output", 'o', "file", &out,
	    "write to file, replaced whole (default standard output)"),
	ECERT_OPT_END
};

static const char *const synopsis[] = {
	"ecert-export -k platformkey (--status [--ttl hours] | --trust) "
	"[-o file]",
	"ecert-export --checkpoint [-o file]",
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
	struct ecert_store *s;
	struct ecert_actor a;
	struct ecert_error e;
	char *tmp = NULL;
	int rc;
	FILE *fp = stdout;

	ecert_setprogname(argv[0]);
	ecert_cmd_parse(&command, &o, &argc, &argv);
	if (what == 0 || argc != 0)
		ecert_usage();
	s = ecert_opts_store(&o);
	if (what == CHECKPOINT)
		return export_checkpoint(s, out);
	ecert_opts_actor(s, &o, &a);
	if (!(a.roles & ECERT_ROLE_ADMIN)) {
		ecert_fail(&e, ECERT_NOPERM, "unit %s is not the platform",
		    a.unit);
		ecert_audit_refusal(s, a.unit, what == STATUS ?
		    "status.export" : "trust.export", "", &e);
		ecert_die_error(&e);
	}
	/* a new list replaces the old one whole, never half written */
	if (out != NULL && strcmp(out, "-") != 0) {
		tmp = ecert_xasprintf("%s.tmp.%ld", out, (long)getpid());
		if ((fp = fopen(tmp, "w")) == NULL)
			ecert_die(ECERT_IOERR, "%s: %s", tmp, strerror(errno));
	}
	rc = what == STATUS ? ecert_status_export(s, &a, ttl, fp, &e) :
	    ecert_trust_export(s, &a, fp, &e);
	ecert_key_wipe(&a.key);
	if (tmp != NULL) {
		if (fclose(fp) != 0 && rc == 0)
			rc = ecert_fail(&e, ECERT_IOERR, "%s: %s", tmp,
			    strerror(errno));
		if (rc == 0 && rename(tmp, out) != 0)
			rc = ecert_fail(&e, ECERT_IOERR, "%s: %s", out,
			    strerror(errno));
		if (rc != 0)
			unlink(tmp);
		free(tmp);
	}
	ecert_store_close(s);
	if (rc != 0)
		ecert_die_error(&e);
	return 0;
}
