/* ecert-init: create a store, its key file, the platform unit and its key. */
#include <glob.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"

/*
 * The State Council's calendars shipped in share/holidays, loaded by the
 * new platform unit (audited as any load), so that objection deadlines
 * count from the first day; a later year is loaded with
 * `ecert-dispute holidays load`.
 */
static int
load_holidays(struct ecert_store *s, const char *code, struct ecert_error *e)
{
	struct ecert_actor a = { .roles = ECERT_ROLE_ADMIN };
	char pattern[4096];
	glob_t g;
	int rc, nyears;

	snprintf(a.unit, sizeof(a.unit), "%s", code);
	snprintf(pattern, sizeof(pattern), "%s/holidays/*.txt",
	    ecert_share_dir());
	if (glob(pattern, 0, NULL, &g) != 0) {
		ecert_warn("%s: no holiday calendar shipped: load one with "
		    "ecert-dispute holidays load", pattern);
		return 0;
	}
	rc = ecert_holidays_load(s, &a, g.gl_pathv, (int)g.gl_pathc, &nyears,
	    e);
	globfree(&g);
	return rc;
}

static const char *code, *name, *out, *algname;

static const struct ecert_cmd_opt options[] = {
	ECERT_OPT_NEED("code", 'c', "uscc", &code,
	    "the platform unit's unified social credit code"),
	ECERT_OPT_NEED("name", 'n', "name", &name, "the platform unit's name"),
	ECERT_OPT_NEED("output", 'o', "keyfile", &out,
	    "write the platform unit's new key file here"),
	ECERT_OPT_STR("alg", 0, "ed25519|sm2", &algname,
	    "the key's algorithm (default ed25519)"),
	ECERT_OPT_END
};

static const struct ecert_cmd command = {
	.common = ECERT_COMMON_STORE | ECERT_COMMON_PASSFILE,
	.opts = options
};

int
main(int argc, char *argv[])
{
	struct ecert_opts o = { 0 };
	struct ecert_store *s;
	struct ecert_error e;
	struct ecert_key k;
	const char *db;
	char pass[256], detail[300];
	int alg;

	ecert_setprogname(argv[0]);
	ecert_cmd_parse(&command, &o, &argc, &argv);
	if (argc != 0 || code == NULL || name == NULL || out == NULL)
		ecert_usage();
	if ((alg = ecert_alg_parse(algname)) < 0)
		ecert_die(ECERT_USAGE, "--alg %s: algorithms are ed25519 and "
		    "sm2", algname);
	if (!ecert_uscc_valid(code))
		ecert_die(ECERT_DATAERR, "--code %s: not a valid unified social"
		    " credit code", code);
	if (access(out, F_OK) == 0)
		ecert_die(ECERT_IOERR, "key %s: already exists", out);
	if (ecert_passphrase(o.passfile, "new passphrase: ", 1, pass,
	    sizeof(pass), &e) != 0)
		ecert_die_error(&e);
	if (strlen(pass) < 8)
		ecert_die(ECERT_USAGE, "passphrase: must have at least 8 "
		    "characters");
	db = ecert_store_default_path(o.db);
	if (ecert_store_create(db, o.store_key, &s, &e) != 0)
		ecert_die_error(&e);
	if (ecert_key_generate_alg(&k, code, alg) != 0) {
		ecert_store_close(s);
		ecert_die(ECERT_IOERR, "key: cannot make a %s key",
		    ecert_alg_name(alg));
	}
	snprintf(detail, sizeof(detail), "%s", name);
	if (alg != ECERT_ALG_ED25519)
		snprintf(detail, sizeof(detail), "%s (%s)", name, k.alg);
	if (ecert_begin(s, &e) != 0 ||
	    ecert_unit_add(s, code, name, ECERT_ROLE_ADMIN, &e) != 0 ||
	    ecert_key_register(s, &k, &e) != 0 ||
	    ecert_store_anchor(s, &k, &e) != 0 ||
	    ecert_key_write(out, &k, pass, &e) != 0 ||
	    ecert_audit(s, code, "store.init", db, "ok", detail) != 0 ||
	    load_holidays(s, code, &e) != 0 ||
	    ecert_commit(s, &e) != 0) {
		ecert_store_close(s);
		ecert_die_error(&e);
	}
	memset(pass, 0, sizeof(pass));
	ecert_key_wipe(&k);
	ecert_store_close(s);
	return 0;
}
