/*
 * ecert-backup: back up a live store while others write to it, check a
 * backup, and restore one into a new path (article 20).
 */
#include <getopt.h>
#include <string.h>

#include <sodium.h>

#include "ecert.h"

static void
usage(FILE *fp, int status)
{
	fprintf(fp,
	    "usage: ecert-backup create -k platformkey -o file [--key-out file]"
	    " [--seal]\n"
	    "                           [--seal-passphrase-file file]\n"
	    "       ecert-backup verify [--backup-key file] [--sample n]"
	    " [--seal-passphrase-file file]\n"
	    "                           [--json | --table] file\n"
	    "       ecert-backup restore -k platformkey -o newstore "
	    "[--key-out file]\n"
	    "                           [--backup-key file] [--sample n]"
	    " [--seal-passphrase-file file] file\n"
	    "common: [-d file] [--store-key file] [--passphrase-file file]\n");
	exit(status);
}

struct out {
	struct ecert_table *table;
};

static int
emit_check(const json_t *c, void *arg)
{
	struct out *o = arg;
	json_t *rest;
	char *detail;
	const char *cells[3];

	if (o->table == NULL) {
		ecert_print_json(c);
		return 0;
	}
	rest = json_deep_copy(c);
	json_object_del(rest, "check");
	json_object_del(rest, "ok");
	detail = json_dumps(rest, JSON_COMPACT | JSON_SORT_KEYS);
	cells[0] = ecert_json_str(c, "check");
	cells[1] = json_is_true(json_object_get(c, "ok")) ? "ok" : "FAILED";
	cells[2] = detail;
	ecert_table_add(o->table, cells);
	free(detail);
	json_decref(rest);
	return 0;
}

/* restore: the checks that failed, on standard error */
static int
warn_check(const json_t *c, void *arg)
{
	char *line;

	(void)arg;
	if (json_is_true(json_object_get(c, "ok")))
		return 0;
	line = json_dumps(c, JSON_COMPACT | JSON_SORT_KEYS);
	ecert_warn("check failed: %s", line ? line : "?");
	free(line);
	return 0;
}

static int
cmd_create(const struct ecert_opts *o, const struct ecert_backup_opts *bo,
    int seal, const char *sealfile)
{
	struct ecert_backup_opts b = *bo;
	struct ecert_store *s;
	struct ecert_actor a;
	struct ecert_error e;
	char pass[256], detail[300];
	json_t *m, *summary;
	int rc;

	s = ecert_opts_store(o);
	ecert_opts_actor(s, o, &a);
	if (ecert_backup_check(s, &a, &b, &e) != 0) {
		ecert_key_wipe(&a.key);
		ecert_audit_refusal(s, a.unit, "store.backup", b.out, &e);
		ecert_store_close(s);
		ecert_die_error(&e);
	}
	if (seal) {
		if ((rc = ecert_passphrase(sealfile, "backup key passphrase: ",
		    1, pass, sizeof(pass), &e)) != 0) {
			ecert_audit_refusal(s, a.unit, "store.backup", b.out,
			    &e);
			ecert_store_close(s);
			ecert_die_error(&e);
		}
		b.seal_pass = pass;
	}
	/* the copy holds everyone's licenses: no copy without its record */
	ecert_audit_access(s, a.unit, "store.backup", b.out, "started",
	    seal ? "key copy sealed" : "key copy plain");
	rc = ecert_backup(s, &a, &b, &m, &e);
	sodium_memzero(pass, sizeof(pass));
	ecert_key_wipe(&a.key);
	if (rc != 0) {
		ecert_audit_refusal(s, a.unit, "store.backup", b.out, &e);
		ecert_store_close(s);
		ecert_die_error(&e);
	}
	snprintf(detail, sizeof(detail), "%" JSON_INTEGER_FORMAT " licenses, "
	    "audit head %" JSON_INTEGER_FORMAT ", blake2b %s",
	    json_integer_value(json_object_get(json_object_get(m, "counts"),
	    "licenses")), json_integer_value(json_object_get(json_object_get(m,
	    "audit_head"), "seq")), ecert_json_str(m, "blake2b"));
	ecert_audit(s, a.unit, "store.backup", b.out, "ok", detail);
	ecert_store_close(s);
	summary = json_pack("{s:s, s:s, s:s, s:O, s:O, s:O, s:O}", "backup",
	    b.out, "manifest", "", "key", "", "taken_at",
	    json_object_get(m, "taken_at"), "counts",
	    json_object_get(m, "counts"), "audit_head",
	    json_object_get(m, "audit_head"), "blake2b",
	    json_object_get(m, "blake2b"));
	{
		char *mp = ecert_backup_manifest_path(b.out);
		char *kp = b.keyout ? ecert_xstrdup(b.keyout) :
		    ecert_backup_key_path(b.out);
		json_object_set_new(summary, "manifest", json_string(mp));
		json_object_set_new(summary, "key", json_string(kp));
		json_object_set_new(summary, "key_sealed", json_boolean(seal));
		free(mp);
		free(kp);
	}
	if (ecert_want_table(o->json, o->table)) {
		printf("backup %s: %" JSON_INTEGER_FORMAT " licenses, audit "
		    "head %" JSON_INTEGER_FORMAT "\nmanifest %s\nkey %s%s\n",
		    b.out, json_integer_value(json_object_get(json_object_get(m,
		    "counts"), "licenses")), json_integer_value(
		    json_object_get(json_object_get(m, "audit_head"), "seq")),
		    ecert_json_str(summary, "manifest"),
		    ecert_json_str(summary, "key"), seal ? " (sealed)" : "");
	} else
		ecert_print_json(summary);
	json_decref(summary);
	json_decref(m);
	return 0;
}

static int
cmd_verify(const struct ecert_opts *o, const char *file, const char *bkey,
    const char *sealfile, long sample)
{
	static const char *headers[] = { "CHECK", "RESULT", "DETAIL" };
	struct out out = { NULL };
	struct ecert_error e;
	int rc;

	if (ecert_want_table(o->json, o->table))
		out.table = ecert_table_new(3, headers);
	rc = ecert_backup_verify(file, bkey, sealfile, sample, emit_check, &out,
	    &e);
	if (out.table != NULL) {
		ecert_table_print(out.table, stdout);
		ecert_table_free(out.table);
	}
	if (rc != 0)
		ecert_die_error(&e);
	return 0;
}

static int
cmd_restore(const struct ecert_opts *o, struct ecert_restore_opts *ro)
{
	struct ecert_error e;
	json_t *done;

	ro->key = o->key;
	ro->passfile = o->passfile;
	ro->fn = warn_check;
	if (ecert_backup_restore(ro, &done, &e) != 0)
		ecert_die_error(&e);
	if (ecert_want_table(o->json, o->table))
		printf("restored %s into %s (store key %s)\n", ro->from, ro->to,
		    ecert_json_str(done, "store_key"));
	else
		ecert_print_json(done);
	json_decref(done);
	return 0;
}

int
main(int argc, char *argv[])
{
	enum { OPT_KEYOUT = ECERT_OPT_FIRST_OWN, OPT_SEAL, OPT_SEALFILE,
	    OPT_BKEY, OPT_SAMPLE };
	static const struct option longopts[] = {
		ECERT_COMMON_LONGOPTS,
		{ "output", required_argument, NULL, 'o' },
		{ "key-out", required_argument, NULL, OPT_KEYOUT },
		{ "seal", no_argument, NULL, OPT_SEAL },
		{ "seal-passphrase-file", required_argument, NULL,
		    OPT_SEALFILE },
		{ "backup-key", required_argument, NULL, OPT_BKEY },
		{ "sample", required_argument, NULL, OPT_SAMPLE },
		{ NULL, 0, NULL, 0 }
	};
	struct ecert_opts o = { 0 };
	struct ecert_backup_opts bo = { 0 };
	struct ecert_restore_opts ro = { 0 };
	const char *verb, *out = NULL, *keyout = NULL, *sealfile = NULL;
	const char *bkey = NULL;
	char *end;
	long sample = 0;
	int c, seal = 0, rc;

	ecert_setprogname(argv[0]);
	if ((verb = ecert_take_verb(&argc, &argv, "d:k:o:h", longopts)) ==
	    NULL) {
		for (c = 1; c < argc; c++)
			if (strcmp(argv[c], "-h") == 0 ||
			    strcmp(argv[c], "--help") == 0)
				usage(stdout, 0);
		usage(stderr, ECERT_USAGE);
	}
	if (strcmp(verb, "-h") == 0 || strcmp(verb, "--help") == 0)
		usage(stdout, 0);
	while ((c = getopt_long(argc, argv, "d:k:o:h", longopts, NULL)) != -1) {
		if (c == 'h')
			usage(stdout, 0);
		if (ecert_common_opt(&o, c, optarg))
			continue;
		switch (c) {
		case 'o': out = optarg; break;
		case OPT_KEYOUT: keyout = optarg; break;
		case OPT_SEAL: seal = 1; break;
		case OPT_SEALFILE: sealfile = optarg; break;
		case OPT_BKEY: bkey = optarg; break;
		case OPT_SAMPLE:
			sample = strtol(optarg, &end, 10);
			if (*end != '\0' || sample < 1)
				ecert_die(ECERT_USAGE, "--sample %s: a number "
				    "of licenses, at least 1", optarg);
			break;
		default:
			usage(stderr, ECERT_USAGE);
		}
	}
	if (strcmp(verb, "create") == 0) {
		if (optind != argc || out == NULL || bkey != NULL || sample)
			usage(stderr, ECERT_USAGE);
		if (sealfile != NULL && !seal)
			ecert_die(ECERT_USAGE, "--seal-passphrase-file needs "
			    "--seal");
		bo.out = out;
		bo.keyout = keyout;
		rc = cmd_create(&o, &bo, seal, sealfile);
	} else if (strcmp(verb, "verify") == 0) {
		if (optind != argc - 1 || out != NULL || keyout != NULL ||
		    seal || o.key != NULL)
			usage(stderr, ECERT_USAGE);
		rc = cmd_verify(&o, argv[optind], bkey, sealfile, sample);
	} else if (strcmp(verb, "restore") == 0) {
		if (optind != argc - 1 || out == NULL || seal)
			usage(stderr, ECERT_USAGE);
		ro.from = argv[optind];
		ro.keypath = bkey;
		ro.passfile_seal = sealfile;
		ro.to = out;
		ro.keyout = keyout;
		ro.sample = sample;
		rc = cmd_restore(&o, &ro);
	} else
		usage(stderr, ECERT_USAGE);
	return rc;
}
