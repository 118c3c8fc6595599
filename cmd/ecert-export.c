/*
 * ecert-export: what offline verifiers need, signed by the platform: the
 * status list (one bit per license, set when it is revoked, suspended or
 * superseded) and the trust list (every unit's public keys); and the
 * newest signed checkpoint of the audit log, as it was signed.
 */
#include <errno.h>
#include <getopt.h>
#include <string.h>
#include <unistd.h>

#include "ecert.h"

static void
usage(void)
{
	fprintf(ecert_usage_stream(), "usage: ecert-export -k platformkey (--status "
	    "[--ttl hours] | --trust) [-o file]\n"
	    "       ecert-export --checkpoint [-o file]\n"
	    "common: [-d file] [--store-key file] [--passphrase-file file]\n");
	ecert_usage_exit();
}

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

int
main(int argc, char *argv[])
{
	enum { OPT_STATUS = ECERT_OPT_FIRST_OWN, OPT_TRUST, OPT_TTL,
	    OPT_CHECKPOINT };
	static const struct option longopts[] = {
		ECERT_COMMON_LONGOPTS,
		{ "status", no_argument, NULL, OPT_STATUS },
		{ "trust", no_argument, NULL, OPT_TRUST },
		{ "ttl", required_argument, NULL, OPT_TTL },
		{ "checkpoint", no_argument, NULL, OPT_CHECKPOINT },
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 }
	};
	struct ecert_opts o = { 0 };
	struct ecert_store *s;
	struct ecert_actor a;
	struct ecert_error e;
	const char *out = NULL;
	char *tmp = NULL, *end;
	long ttl = 48;
	int c, what = 0, rc;
	FILE *fp = stdout;

	ecert_setprogname(argv[0]);
	while ((c = getopt_long(argc, argv, "d:k:o:h", longopts, NULL)) != -1) {
		if (ecert_common_opt(&o, c, optarg))
			continue;
		switch (c) {
		case OPT_STATUS:
		case OPT_TRUST:
		case OPT_CHECKPOINT:
			if (what != 0)
				usage();
			what = c;
			break;
		case OPT_TTL:
			ttl = strtol(optarg, &end, 10);
			if (*end != '\0' || ttl < 1 || ttl > 24 * 31)
				ecert_die(ECERT_USAGE, "--ttl %s: hours, 1 to "
				    "744", optarg);
			break;
		case 'o':
			out = optarg;
			break;
		default:
			usage();
		}
	}
	if (what == 0 || optind != argc)
		usage();
	s = ecert_opts_store(&o);
	if (what == OPT_CHECKPOINT)
		return export_checkpoint(s, out);
	ecert_opts_actor(s, &o, &a);
	if (!(a.roles & ECERT_ROLE_ADMIN)) {
		ecert_fail(&e, ECERT_NOPERM, "unit %s is not the platform",
		    a.unit);
		ecert_audit_refusal(s, a.unit, what == OPT_STATUS ?
		    "status.export" : "trust.export", "", &e);
		ecert_die_error(&e);
	}
	/* a new list replaces the old one whole, never half written */
	if (out != NULL && strcmp(out, "-") != 0) {
		tmp = ecert_xasprintf("%s.tmp.%ld", out, (long)getpid());
		if ((fp = fopen(tmp, "w")) == NULL)
			ecert_die(ECERT_IOERR, "%s: %s", tmp, strerror(errno));
	}
	rc = what == OPT_STATUS ? ecert_status_export(s, &a, ttl, fp, &e) :
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
