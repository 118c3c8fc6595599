/*
 * ecert-unit: register units (单位) and their roles, make and rotate their
 * sealed keys, and export the public keys as a trust file.
 */
#include <string.h>
#include <unistd.h>

#include "cmd.h"

static int
cmd_add(struct ecert_store *s, struct ecert_opts *o, const char *code,
    const char *name, const char *roles)
{
	struct ecert_actor a;
	struct ecert_error e;
	int bits, rc;

	if (code == NULL || name == NULL || roles == NULL)
		ecert_usage();
	if (ecert_roles_parse(roles, &bits) != 0)
		ecert_die(ECERT_USAGE, "--role %s: roles are admin, issuer, "
		    "user", roles);
	ecert_opts_actor(s, o, &a);
	ecert_opts_require_admin(s, &a, "unit.add", "unit.add", code);
	if ((rc = ecert_begin(s, &e)) == 0 &&
	    (rc = ecert_unit_add(s, code, name, bits, &e)) == 0 &&
	    (rc = ecert_audit(s, a.unit, "unit.add", code, "ok", roles)) != 0)
		ecert_fail(&e, rc, "audit: cannot record the unit");
	if (ecert_change_end(s, rc, a.unit, "unit.add", code, &e) != 0)
		ecert_die_error(&e);
	ecert_key_wipe(&a.key);
	return 0;
}

static int
unit_row(const struct ecert_unit_row *r, void *arg)
{
	struct ecert_table *t = arg;
	const char *cells[4];
	char roles[64], nkeys[16];
	json_t *row;

	ecert_roles_format(r->roles, roles, sizeof(roles));
	if (t != NULL) {
		snprintf(nkeys, sizeof(nkeys), "%d", r->keys);
		cells[0] = r->code;
		cells[1] = r->name;
		cells[2] = roles;
		cells[3] = nkeys;
		ecert_table_add(t, cells);
		return 0;
	}
	row = json_pack("{s:s, s:s, s:s, s:i}", "code", r->code, "name",
	    r->name, "roles", roles, "keys", r->keys);
	ecert_print_json(row);
	json_decref(row);
	return 0;
}

static int
print_unit(struct ecert_store *s, struct ecert_table *t)
{
	struct ecert_error e;

	if (ecert_unit_each(s, unit_row, t, &e) != 0)
		ecert_die_error(&e);
	return 0;
}

static int
cmd_list(struct ecert_store *s, struct ecert_opts *o)
{
	static const char *headers[] = { "CODE", "NAME", "ROLES", "KEYS" };
	struct ecert_table *t = NULL;

	if (ecert_want_table(o->json, o->table))
		t = ecert_table_new(4, headers);
	print_unit(s, t);
	ecert_table_done(t);
	return 0;
}

/*
 * key: the admin makes a key for a unit.  rotate: a unit replaces its own
 * current key (or the admin does it for one); retired keys stay in the
 * store so that what they signed still verifies.
 */
static int
cmd_key(struct ecert_store *s, struct ecert_opts *o, const char *unit,
    const char *out, const char *newpass, int alg, int rotate)
{
	struct ecert_actor a;
	struct ecert_error e;
	struct ecert_key k;
	char pass[256], detail[64];
	const char *action = rotate ? "key.rotate" : "key.add";

	if (out == NULL)
		ecert_usage();
	ecert_opts_actor(s, o, &a);
	if (unit == NULL) {
		if (!rotate)
			ecert_usage();
		unit = a.unit;
	}
	if (strcmp(unit, a.unit) != 0 || !rotate)
		ecert_opts_require_admin(s, &a, action, action, unit);
	if (!ecert_unit_name(s, unit, NULL, 0, NULL))
		ecert_die(ECERT_NO, "unit %s: not registered", unit);
	if (access(out, F_OK) == 0)
		ecert_die(ECERT_IOERR, "key %s: already exists", out);
	if (ecert_passphrase(newpass, "new passphrase: ", 1, pass,
	    sizeof(pass), &e) != 0)
		ecert_die_error(&e);
	if (ecert_key_generate_alg(&k, unit, alg) != 0)
		ecert_die(ECERT_IOERR, "key: cannot make a %s key",
		    ecert_alg_name(alg));
	snprintf(detail, sizeof(detail), "%s", unit);
	if (alg != ECERT_ALG_ED25519)
		snprintf(detail, sizeof(detail), "%s %s", unit, k.alg);
	if (ecert_begin(s, &e) != 0)
		ecert_die_error(&e);
	if (rotate && ecert_keys_retire(s, unit, &e) != 0)
		ecert_die_error(&e);
	if (ecert_key_register(s, &k, &e) != 0 ||
	    ecert_key_write(out, &k, pass, &e) != 0 ||
	    ecert_audit(s, a.unit, action, k.key_id, "ok", detail) != 0 ||
	    ecert_commit(s, &e) != 0) {
		ecert_rollback(s);
		unlink(out);
		ecert_die_error(&e);
	}
	printf("%s\n", k.key_id);
	memset(pass, 0, sizeof(pass));
	ecert_key_wipe(&k);
	ecert_key_wipe(&a.key);
	return 0;
}

static int
cmd_export(struct ecert_store *s, struct ecert_opts *o, const char *unit,
    int trust)
{
	if (trust) {
		struct ecert_actor a;
		struct ecert_error e;

		if (unit != NULL)
			ecert_usage();
		ecert_opts_actor(s, o, &a);
		ecert_opts_require_admin(s, &a, "trust.export", "trust.export",
		    "trust-list");
		if (ecert_trust_export(s, &a, stdout, &e) != 0)
			ecert_die_error(&e);
		ecert_key_wipe(&a.key);
		return 0;
	}
	json_t *keys = ecert_key_export(s, unit), *k;
	size_t i;

	json_array_foreach(keys, i, k)
		ecert_print_json(k);
	json_decref(keys);
	return 0;
}

/*
 * anchor: a store made before schema 9 (or whose anchor file was lost) has
 * its units, keys and catalog signed by the platform, and the platform's
 * public key pinned beside it; until then every other program refuses it.
 */
static int
cmd_anchor(struct ecert_store *s, struct ecert_opts *o)
{
	struct ecert_actor a;
	struct ecert_error e;
	int rc;

	ecert_opts_actor(s, o, &a);
	ecert_opts_require_admin(s, &a, "store.anchor", "store.anchor",
	    "anchor");
	if ((rc = ecert_begin(s, &e)) == 0 &&
	    (rc = ecert_store_anchor_all(s, &a, &e)) == 0 &&
	    (rc = ecert_audit(s, a.unit, "store.anchor", a.key.key_id, "ok",
	    "units, keys and catalog signed; anchor written")) != 0)
		ecert_fail(&e, rc, "audit: cannot record the anchor");
	if (ecert_change_end(s, rc, a.unit, "store.anchor", "anchor", &e) != 0)
		ecert_die_error(&e);
	ecert_key_wipe(&a.key);
	return 0;
}

enum { ADD, LIST, KEY, ROTATE, EXPORT, ANCHOR };
static const char *const verbs[] = { "add", "list", "key", "rotate",
    "export", "anchor", NULL };
static const char *code, *name, *role, *unit, *out, *newpass, *algname;
static int trust;

static const struct ecert_cmd_opt options[] = {
	ECERT_OPT_STR("code", 0, "uscc", &code,
	    "add: the unit's unified social credit code"),
	ECERT_OPT_STR("name", 0, "name", &name, "add: the unit's name"),
	ECERT_OPT_STR("role", 0, "roles", &role,
	    "add: admin, issuer, user, comma-separated"),
	ECERT_OPT_VAL("unit", 0, "uscc", &unit, ECERT_VAL_UNIT,
	    "key, rotate, export: the unit"),
	ECERT_OPT_STR("output", 'o', "file", &out,
	    "key, rotate: write the new key file here"),
	ECERT_OPT_STR("alg", 0, "ed25519|sm2", &algname,
	    "key, rotate: the key's algorithm"),
	ECERT_OPT_STR("new-passphrase-file", 0, "file", &newpass,
	    "key, rotate: the new key's passphrase"),
	ECERT_OPT_SET("trust", 0, &trust, 1,
	    "export: the signed trust list"),
	ECERT_OPT_END
};

static const char *const synopsis[] = {
	"ecert-unit add -k adminkey --code uscc --name name --role roles",
	"ecert-unit list [--json | --table]",
	"ecert-unit key -k adminkey --unit uscc -o file [--alg ed25519|sm2]",
	"               [--new-passphrase-file file]",
	"ecert-unit rotate -k key -o file [--unit uscc] [--alg ed25519|sm2]",
	"               [--new-passphrase-file file]",
	"ecert-unit export [--unit uscc]",
	"ecert-unit export --trust -k platformkey",
	"ecert-unit anchor -k platformkey",
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
	struct ecert_store *s;
	int verb, rc, alg;

	ecert_setprogname(argv[0]);
	verb = ecert_cmd_parse(&command, &o, &argc, &argv);
	if (argc != 0)
		ecert_usage();
	if ((alg = ecert_alg_parse(algname)) < 0)
		ecert_die(ECERT_USAGE, "--alg %s: algorithms are ed25519 "
		    "and sm2", algname);
	if (algname != NULL && verb != KEY && verb != ROTATE)
		ecert_usage();
	/* a store without its anchor is opened to be anchored only */
	ecert_anchor_optional(verb == ANCHOR);
	s = ecert_opts_store(&o);
	ecert_anchor_optional(0);
	if (verb == ADD)
		rc = cmd_add(s, &o, code, name, role);
	else if (verb == LIST)
		rc = cmd_list(s, &o);
	else if (verb == KEY || verb == ROTATE)
		rc = cmd_key(s, &o, unit, out, newpass, alg, verb == ROTATE);
	else if (verb == ANCHOR)
		rc = cmd_anchor(s, &o);
	else
		rc = cmd_export(s, &o, unit, trust);
	ecert_store_close(s);
	return rc;
}
