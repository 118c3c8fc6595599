/*
 * ecert-backup: back up a live store while others write to it, check a
 * backup, and restore one into a new path (article 20).
 */
#include <string.h>

#include <sodium.h>

#include "cmd.h"

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
	ecert_table_done(out.table);
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

enum { CREATE, VERIFY, RESTORE };
static const char *const verbs[] = { "create", "verify", "restore", NULL };
static const char *out, *keyout, *sealfile, *bkey;
static long sample;
static int seal;

static void
set_sample(const char *arg, void *var)
{
	char *end;

	(void)var;
	sample = strtol(arg, &end, 10);
	if (*end != '\0' || sample < 1)
		ecert_die(ECERT_USAGE, "--sample %s: a number of licenses, at "
		    "least 1", arg);
}

static const struct ecert_cmd_opt options[] = {
	ECERT_OPT_STR("output", 'o', "file", &out,
	    "create: the backup; restore: the new store"),
	ECERT_OPT_STR("key-out", 0, "file", &keyout,
	    "where the store key's copy goes (default file.key)"),
	ECERT_OPT_SET("seal", 0, &seal, 1,
	    "create: seal the key's copy with a passphrase"),
	ECERT_OPT_STR("seal-passphrase-file", 0, "file", &sealfile,
	    "that passphrase, from a file"),
	ECERT_OPT_STR("backup-key", 0, "file", &bkey,
	    "verify, restore: the backup's key copy"),
	ECERT_OPT_CALL("sample", 0, "n", set_sample, NULL,
	    "verify, restore: check n licenses' signatures (default all)"),
	ECERT_OPT_END
};

static const char *const synopsis[] = {
	"ecert-backup create -k platformkey -o file [--key-out file] [--seal]",
	"                    [--seal-passphrase-file file]",
	"ecert-backup verify [--backup-key file] [--sample n] "
	"[--seal-passphrase-file file]",
	"                    [--json | --table] file",
	"ecert-backup restore -k platformkey -o newstore [--key-out file]",
	"                    [--backup-key file] [--sample n] "
	"[--seal-passphrase-file file] file",
	NULL
};

static const struct ecert_cmd command = {
	.usage = synopsis,
	.verbs = verbs,
	.common = ECERT_COMMON_ALL,
	.opts = options
};

int
main(int argc, char *argv[])
{
	struct ecert_opts o = { 0 };
	struct ecert_backup_opts bo = { 0 };
	struct ecert_restore_opts ro = { 0 };
	int verb;

	ecert_setprogname(argv[0]);
	verb = ecert_cmd_parse(&command, &o, &argc, &argv);
	if (verb == CREATE) {
		if (argc != 0 || out == NULL || bkey != NULL || sample)
			ecert_usage();
		if (sealfile != NULL && !seal)
			ecert_die(ECERT_USAGE, "--seal-passphrase-file needs "
			    "--seal");
		bo.out = out;
		bo.keyout = keyout;
		return cmd_create(&o, &bo, seal, sealfile);
	}
	if (argc != 1 || seal || (verb == VERIFY && (out != NULL ||
	    keyout != NULL || o.key != NULL)) || (verb == RESTORE &&
	    out == NULL))
		ecert_usage();
	if (verb == VERIFY)
		return cmd_verify(&o, argv[0], bkey, sealfile, sample);
	ro.from = argv[0];
	ro.keypath = bkey;
	ro.passfile_seal = sealfile;
	ro.to = out;
	ro.keyout = keyout;
	ro.sample = sample;
	return cmd_restore(&o, &ro);
}
