/*
 * matter.c: service matters (政务服务事项) and their materials, for
 * articles 14 and 15.  A matter lists the materials an applicant hands in;
 * a material a license can stand for names the license types, and the
 * department marks it exempt from submission (免提交, article 14).  Before
 * asking for a material, staff search the license library (article 15):
 * ecert_matter_check does that search for one holder.
 *
 * The YAML is read as strictly as the catalog, by the same walk over
 * libyaml's events (yaml.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "ecert_priv.h"

#define MATTER_MAX_MATERIALS 64
#define MATTER_MAX_LICENSES 16
#define MATTER_MAX_ITEMS 64

/* A license type named by a material, kept to check its holder kind. */
struct type_ref {
	yaml_mark_t mark;
	char code[24];
	char name[260];
	int natural;
};

/* y comes first: the callbacks given &p->y turn it back into p. */
struct parse {
	struct ecert_yaml y;
	struct ecert_store *store;	/* NULL: no checks against the store */
	struct type_ref *refs;		/* of the matter being read */
	size_t nrefs, caprefs;
};

/* [0-9A-Z]+(-[0-9A-Z]+)*, at most 64 characters. */
int
ecert_matter_code_valid(const char *code)
{
	size_t i, n = strlen(code);

	if (n == 0 || n > 64)
		return 0;
	for (i = 0; i < n; i++) {
		char c = code[i];

		if (c == '-') {
			if (i == 0 || i == n - 1 || code[i - 1] == '-')
				return 0;
		} else if (!(c >= '0' && c <= '9') && !(c >= 'A' && c <= 'Z'))
			return 0;
	}
	return 1;
}

static int
check_code(struct ecert_yaml *y, const char *s, const yaml_mark_t *m)
{
	if (!ecert_matter_code_valid(s))
		return ecert_yaml_fail(y, m, "code: \"%s\" is not a matter "
		    "code (digits and capital letters in groups joined by "
		    "single dashes, as 11420600MB1234567T-XK-0001)", s);
	return 0;
}

static int
check_department(struct ecert_yaml *y, const char *s, const yaml_mark_t *m)
{
	struct parse *p = (struct parse *)y;

	if (ecert_yaml_check_uscc(y, "department", s, m) == -1)
		return -1;
	if (p->store != NULL && !ecert_unit_name(p->store, s, NULL, 0, NULL))
		return ecert_yaml_fail(y, m, "department: %s is not a "
		    "registered unit", s);
	return 0;
}

/* A type of the catalog; its holder kind is checked with the matter's. */
static int
check_license_type(struct ecert_yaml *y, const char *s,
    const yaml_mark_t *m)
{
	struct parse *p = (struct parse *)y;
	struct type_ref *r;
	json_t *type;

	if (ecert_yaml_check_type_code(y, "licenses", s, m) == -1)
		return -1;
	if (p->store == NULL)
		return 0;
	if ((type = ecert_catalog_get(p->store, s)) == NULL)
		return ecert_yaml_fail(y, m, "licenses: type %s is not in "
		    "the catalog", s);
	if (p->nrefs == p->caprefs) {
		p->caprefs = p->caprefs ? 2 * p->caprefs : 16;
		p->refs = ecert_xrealloc(p->refs,
		    p->caprefs * sizeof(*p->refs));
	}
	r = &p->refs[p->nrefs++];
	r->mark = *m;
	snprintf(r->code, sizeof(r->code), "%s", s);
	snprintf(r->name, sizeof(r->name), "%s",
	    ecert_json_str(type, "name") ? ecert_json_str(type, "name") : "");
	r->natural = ecert_json_is(type, "holder", "natural");
	json_decref(type);
	return 0;
}

/* A list of distinct strings: each read as field, named what. */
struct distinct {
	struct ecert_yaml_field field;
	const char *what;
};

static int
want_distinct(struct ecert_yaml *y, const void *arg, json_t *list)
{
	const struct distinct *d = arg;
	json_t *v;

	if (ecert_yaml_want_string(y, &d->field, &v) == -1)
		return -1;
	if (ecert_yaml_seen(list, v)) {
		ecert_yaml_fail(y, &y->ev.start_mark, "%s: duplicate %s %s",
		    d->field.name, d->what, json_string_value(v));
		json_decref(v);
		return -1;
	}
	json_array_append_new(list, v);
	return 0;
}

static int
want_licenses(struct ecert_yaml *y, const struct ecert_yaml_field *f,
    json_t **out)
{
	static const struct distinct code = {
		{ "licenses", ECERT_YAML_LINE, 1, 1, 64, check_license_type,
		    NULL }, "type code"
	};
	static const struct ecert_yaml_seq licenses = {
		"type codes", "type codes", MATTER_MAX_LICENSES, want_distinct,
		&code, NULL
	};

	return ecert_yaml_want_sequence(y, f, &licenses, out);
}

/* The items of a license a material needs (article 12: only what the
 * matter needs): a sequence of names, each a key or label of the
 * material's license types, or number, holder, holder_id, issue_date. */
static int
want_items(struct ecert_yaml *y, const struct ecert_yaml_field *f,
    json_t **out)
{
	static const struct distinct name = {
		{ "items", ECERT_YAML_LINE, 1, 1, 64, NULL, NULL }, "item"
	};
	static const struct ecert_yaml_seq items = {
		"items", "items", MATTER_MAX_ITEMS, want_distinct, &name, NULL
	};

	if (ecert_yaml_want_sequence(y, f, &items, out) != 0)
		return -1;
	if (json_array_size(*out) == 0) {
		json_decref(*out);
		*out = NULL;
		return ecert_yaml_fail(y, &y->ev.start_mark, "items: name at "
		    "least one item, or leave items out for the whole license");
	}
	return 0;
}

/* Each item a material names is an item of one of its license types. */
static int
check_items(struct ecert_yaml *y, const json_t *items, const json_t *types,
    const yaml_mark_t *mark)
{
	struct parse *p = (struct parse *)y;
	const json_t *name, *code;
	json_t *type;
	char path[300];
	size_t i, k;
	int found;

	if (items == NULL)
		return 0;
	if (json_array_size(types) == 0)
		return ecert_yaml_fail(y, mark, "items: the material names no "
		    "license to take them from");
	if (p->store == NULL)
		return 0;
	json_array_foreach(items, i, name) {
		found = 0;
		json_array_foreach(types, k, code) {
			type = ecert_catalog_get(p->store,
			    json_string_value(code));
			if (type != NULL && ecert_core_path_for(type,
			    json_string_value(name), path, sizeof(path)) == 0)
				found = 1;
			json_decref(type);
		}
		if (!found)
			return ecert_yaml_fail(y, mark, "items: \"%s\" is not "
			    "an item of the material's license types (a key or "
			    "label of the catalog, or number, holder, "
			    "holder_id, issue_date)", json_string_value(name));
	}
	return 0;
}

enum {
	M_KEY, M_NAME, M_REQUIRED, M_LICENSES, M_EXEMPT, M_ITEMS, M_N
};

static const struct ecert_yaml_field material_fields[M_N] = {
	{ "key", ECERT_YAML_LINE, 1, 1, 64, ecert_yaml_check_key, NULL },
	{ "name", ECERT_YAML_LINE, 1, 1, 100, NULL, NULL },
	{ "required", ECERT_YAML_BOOL, 1, 0, 0, NULL, NULL },
	{ "licenses", ECERT_YAML_OWN, 0, 0, 0, NULL, want_licenses },
	{ "exempt", ECERT_YAML_BOOL, 0, 0, 0, NULL, NULL },
	{ "items", ECERT_YAML_OWN, 0, 0, 0, NULL, want_items }
};

static json_t *
material_build(struct ecert_yaml *y, const json_t *materials, json_t **val,
    const yaml_mark_t *mark, const yaml_mark_t *start)
{
	const char *key = json_string_value(val[M_KEY]);
	const char *name = json_string_value(val[M_NAME]);
	const json_t *other;
	json_t *material;
	size_t i;

	(void)start;
	json_array_foreach(materials, i, other) {
		if (strcmp(key, ecert_json_str(other, "key")) == 0) {
			ecert_yaml_fail(y, &mark[M_KEY], "duplicate material "
			    "key \"%s\"", key);
			return NULL;
		}
		if (strcmp(name, ecert_json_str(other, "name")) == 0) {
			ecert_yaml_fail(y, &mark[M_NAME], "duplicate material "
			    "name \"%s\"", name);
			return NULL;
		}
	}
	if (json_is_true(val[M_EXEMPT]) && (val[M_LICENSES] == NULL ||
	    json_array_size(val[M_LICENSES]) == 0)) {
		ecert_yaml_fail(y, &mark[M_EXEMPT], "exempt: material \"%s\" "
		    "names no license that could stand for it", key);
		return NULL;
	}
	if (check_items(y, val[M_ITEMS], val[M_LICENSES], &mark[M_ITEMS]) != 0)
		return NULL;
	material = json_object();
	json_object_set(material, "key", val[M_KEY]);
	json_object_set(material, "name", val[M_NAME]);
	json_object_set(material, "required", val[M_REQUIRED]);
	json_object_set_new(material, "licenses", val[M_LICENSES] ?
	    json_incref(val[M_LICENSES]) : json_array());
	json_object_set_new(material, "exempt", val[M_EXEMPT] ?
	    json_incref(val[M_EXEMPT]) : json_false());
	if (val[M_ITEMS] != NULL)
		json_object_set(material, "items", val[M_ITEMS]);
	return material;
}

static int
want_materials(struct ecert_yaml *y, const struct ecert_yaml_field *f,
    json_t **out)
{
	static const struct ecert_yaml_map material = {
		"a material", material_fields, M_N, material_build
	};
	static const struct ecert_yaml_seq materials = {
		"materials", "materials", MATTER_MAX_MATERIALS,
		ecert_yaml_want_map, &material,
		"materials: a matter needs at least one material"
	};

	return ecert_yaml_want_sequence(y, f, &materials, out);
}

enum {
	D_CODE, D_NAME, D_DEPARTMENT, D_HOLDER, D_HIGH_FREQUENCY, D_BASIS,
	D_MATERIALS, D_N
};

static const struct ecert_yaml_field matter_fields[D_N] = {
	{ "code", ECERT_YAML_LINE, 1, 1, 64, check_code, NULL },
	{ "name", ECERT_YAML_LINE, 1, 1, 100, NULL, NULL },
	{ "department", ECERT_YAML_LINE, 1, 1, 64, check_department, NULL },
	{ "holder", ECERT_YAML_LINE, 1, 1, 64, ecert_yaml_check_holder,
	    NULL },
	{ "high_frequency", ECERT_YAML_BOOL, 1, 0, 0, NULL, NULL },
	{ "basis", ECERT_YAML_TEXT, 0, 1, 2000, NULL, NULL },
	{ "materials", ECERT_YAML_OWN, 1, 0, 0, NULL, want_materials }
};

static int
want_matter(struct ecert_yaml *y, json_t *matters)
{
	struct parse *p = (struct parse *)y;
	json_t *val[D_N] = { NULL }, *matter;
	yaml_mark_t mark[D_N];
	int natural;
	size_t i;

	p->nrefs = 0;
	if (ecert_yaml_want_mapping(y, "a matter", matter_fields, D_N, val,
	    mark) == -1)
		goto fail;
	if (ecert_yaml_check_unique(y, matters, val[D_CODE], &mark[D_CODE],
	    "matter") == -1)
		goto fail;
	/* a license held by the other kind of holder is never found */
	natural = strcmp(json_string_value(val[D_HOLDER]), "natural") == 0;
	for (i = 0; i < p->nrefs; i++)
		if (p->refs[i].natural != natural) {
			ecert_yaml_fail(y, &p->refs[i].mark, "licenses: type "
			    "%s (%s) is held by %s, the holder of this matter "
			    "is %s",
			    p->refs[i].code, p->refs[i].name,
			    p->refs[i].natural ? "natural persons" :
			    "legal persons", natural ? "a natural person" :
			    "a legal person");
			goto fail;
		}
	matter = json_object();
	json_object_set(matter, "code", val[D_CODE]);
	json_object_set(matter, "name", val[D_NAME]);
	json_object_set(matter, "department", val[D_DEPARTMENT]);
	json_object_set(matter, "holder", val[D_HOLDER]);
	json_object_set(matter, "high_frequency", val[D_HIGH_FREQUENCY]);
	json_object_set_new(matter, "basis", val[D_BASIS] ?
	    json_incref(val[D_BASIS]) : json_null());
	json_object_set(matter, "materials", val[D_MATERIALS]);
	json_array_append_new(matters, matter);
	ecert_yaml_release(val, D_N);
	return 0;
fail:
	ecert_yaml_release(val, D_N);
	return -1;
}

/*
 * With a store, departments must be registered units and license types
 * must be in the catalog, each reported at its place in the file.
 */
json_t *
ecert_matter_parse(struct ecert_store *s, const char *path,
    struct ecert_error *e)
{
	struct parse p;
	json_t *matters;

	memset(&p, 0, sizeof(p));
	p.y.path = path;
	p.y.e = e;
	p.store = s;
	matters = ecert_yaml_read_all(&p.y, "a matter", want_matter,
	    "no matter in this file");
	free(p.refs);
	return matters;
}

static void
bind_matter(sqlite3_stmt *st, const json_t *matter)
{
	ecert_bind_text(st, 5, ecert_json_str(matter, "name"));
}

static void
matter_detail(const json_t *matter, int version, char *out, size_t n)
{
	(void)version;
	snprintf(out, n, "department %s", ecert_json_str(matter,
	    "department"));
}

static const struct ecert_definition_kind matter_kind = {
	.table = "matters",
	.history = "matter_history",
	.action = "matter.load",
	.sql_what = "matters",
	.upsert = "INSERT INTO matters(code, definition, version, loaded_at,"
	    " name) VALUES (?1,?2,?3,?4,?5) ON CONFLICT(code) DO UPDATE SET"
	    " definition = ?2, version = ?3, loaded_at = ?4, name = ?5",
	.bind = bind_matter,
	/* xgettext:c-format */
	.cannot_encode = N_("matter %s: cannot encode"),
	/* xgettext:c-format */
	.also_defined = N_("%s: matter %s: also defined in %s"),
	/* xgettext:c-format */
	.not_audited = N_("matter %s: not loaded: the change cannot be "
	    "audited"),
	.parse = ecert_matter_parse,
	.detail = matter_detail
};

/* All files or nothing: every file is parsed and checked before any write. */
int
ecert_matter_load(struct ecert_store *s, const char *actor_unit,
    char **paths, int npaths, int *nloaded, struct ecert_error *e)
{
	return ecert_definition_load(s, &matter_kind, actor_unit, paths,
	    npaths, nloaded, e);
}

/* The definition, with "version" added; NULL when there is none. */
json_t *
ecert_matter_get(struct ecert_store *s, const char *code)
{
	json_t *matter;
	int version;

	if ((matter = ecert_definition_get(s, &matter_kind, code,
	    &version)) != NULL)
		json_object_set_new(matter, "version", json_integer(version));
	return matter;
}

/* What ecert_license_verify says, best first: the one to name. */
static int
rank(const char *status)
{
	static const char *order[] = {
		"valid", "not-yet-valid", "suspended", "expired", "revoked",
		"invalid"
	};
	size_t i;

	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (strcmp(status, order[i]) == 0)
			return (int)i;
	return -1;
}

struct found {
	char id[160], type[32], status[32], valid_until[11];
	int rank;		/* -1: nothing found */
};

/*
 * The holder's best license of one type: every version that is neither
 * superseded nor a draft is verified (signature, events, dates today),
 * and the best outcome kept; the newest wins a tie.
 */
static int
search_type(struct ecert_store *s, const char *hash, const char *holder,
    const char *type, struct found *best, struct ecert_error *e)
{
	sqlite3_stmt *st;
	json_t *ids = json_array(), *row;
	enum ecert_verdict v;
	char status[32], why[256];
	size_t i;
	int rc, r;

	st = ecert_prepare(s, "SELECT id, valid_until FROM licenses"
	    " WHERE holder_hash = ?1 AND type = ?2"
	    " AND status NOT IN ('superseded', 'draft')"
	    " AND (?3 IS NULL OR holder_name = ?3)"
	    " ORDER BY issue_date DESC, id DESC", e);
	if (st == NULL) {
		json_decref(ids);
		return e->status;
	}
	ecert_bind_text(st, 1, hash);
	ecert_bind_text(st, 2, type);
	ecert_bind_text(st, 3, holder);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(ids, json_pack("{s:s, s:s?}", "id",
		    (const char *)sqlite3_column_text(st, 0), "valid_until",
		    (const char *)sqlite3_column_text(st, 1)));
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		json_decref(ids);
		return ecert_sql_fail(s, e, rc, "licenses");
	}
	json_array_foreach(ids, i, row) {
		const char *id = ecert_json_str(row, "id");
		const char *until = ecert_json_str(row, "valid_until");

		rc = ecert_license_verify(s, id, &v, why, sizeof(why), e);
		if (rc != 0 && rc != ECERT_NO) {
			json_decref(ids);
			return rc;
		}
		snprintf(status, sizeof(status), "%s", ecert_verdict_word(v));
		if ((r = rank(status)) == -1)
			continue;
		if (best->rank != -1 && r >= best->rank)
			continue;
		best->rank = r;
		snprintf(best->id, sizeof(best->id), "%s", id);
		snprintf(best->type, sizeof(best->type), "%s", type);
		snprintf(best->status, sizeof(best->status), "%s", status);
		snprintf(best->valid_until, sizeof(best->valid_until), "%s",
		    until ? until : "");
	}
	json_decref(ids);
	return 0;
}

static const char *
reason_of(const struct found *f)
{
	if (f->rank == -1)
		return "none";
	if (strcmp(f->status, "not-yet-valid") == 0)
		return "not yet valid";
	return f->status;
}

/*
 * The holder's ID number as the matter's holder kind wants it (a final x
 * of a citizen ID read as X), hashed as the store keeps it.  The value is
 * never echoed: refusals are audited.
 */
static int
holder_hash(struct ecert_store *s, const char *code, int natural,
    const char *holder_id, char hash[65], struct ecert_error *e)
{
	char id[20];
	size_t n = strlen(holder_id);

	if (n != 18)
		goto bad_id;
	memcpy(id, holder_id, n + 1);
	if (natural && id[17] == 'x')
		id[17] = 'X';
	if (natural ? !ecert_citizen_id_valid(id) : !ecert_uscc_valid(id))
		goto bad_id;
	ecert_pii_hash(s, id, hash);
	return 0;
bad_id:
	return ecert_fail(e, ECERT_DATAERR, "--holder-id: not a valid %s "
	    "(the holder of matter %s is a %s person)", natural ?
	    "citizen ID number" : "unified social credit code", code,
	    natural ? "natural" : "legal");
}

/* One material for the holder: exempt or to be submitted, and why. */
static int
check_material(struct ecert_store *s, const json_t *material,
    const char *hash, const char *holder, json_t **row,
    struct ecert_error *e)
{
	struct found best = { .rank = -1 };
	const json_t *types = json_object_get(material, "licenses"), *type;
	int marked = json_is_true(json_object_get(material, "exempt"));
	const char *outcome = "submit", *reason;
	size_t k;
	int rc;

	json_array_foreach(types, k, type)
		if ((rc = search_type(s, hash, holder, json_string_value(type),
		    &best, e)) != 0)
			return rc;
	if (json_array_size(types) == 0)
		reason = "not replaceable";
	else if (!marked)
		reason = "not marked exempt";
	else if (best.rank == 0) {
		outcome = "exempt";
		reason = "valid";
	} else
		reason = reason_of(&best);
	*row = json_pack("{s:s, s:s, s:b, s:b, s:s, s:s}",
	    "material", ecert_json_str(material, "key"),
	    "name", ecert_json_str(material, "name"),
	    "required", json_is_true(json_object_get(material, "required")),
	    "marked", marked, "outcome", outcome, "reason", reason);
	json_object_set_new(*row, "license", best.rank == -1 ?
	    json_null() : json_string(best.id));
	json_object_set_new(*row, "type", best.rank == -1 ?
	    json_null() : json_string(best.type));
	json_object_set_new(*row, "status", best.rank == -1 ?
	    json_null() : json_string(best.status));
	json_object_set_new(*row, "valid_until",
	    best.rank == -1 || best.valid_until[0] == '\0' ?
	    json_null() : json_string(best.valid_until));
	return 0;
}

/*
 * Article 15 for one holder: each material of the matter, exempt or to be
 * submitted, and why.  Returns 0 when no required material marked exempt
 * must be submitted, ECERT_NO when one must (*results is filled for
 * both), or the status of a failure.  Messages never carry the ID number.
 */
int
ecert_matter_check(struct ecert_store *s, const json_t *matter,
    const char *holder_id, const char *holder, json_t **results,
    struct ecert_error *e)
{
	const char *code = ecert_json_str(matter, "code");
	const json_t *material;
	json_t *row;
	char hash[65];
	size_t i;
	int nsubmit = 0, rc;

	*results = NULL;
	if (code == NULL || ecert_json_str(matter, "holder") == NULL)
		return ecert_fail(e, ECERT_IOERR, "matters: a stored "
		    "definition lacks its code or holder");
	if ((rc = holder_hash(s, code, strcmp(ecert_json_str(matter,
	    "holder"), "natural") == 0, holder_id, hash, e)) != 0)
		return rc;
	*results = json_array();
	json_array_foreach(json_object_get(matter, "materials"), i,
	    material) {
		if ((rc = check_material(s, material, hash, holder, &row,
		    e)) != 0) {
			json_decref(*results);
			*results = NULL;
			return rc;
		}
		if (json_is_true(json_object_get(row, "marked")) &&
		    json_is_true(json_object_get(row, "required")) &&
		    strcmp(ecert_json_str(row, "outcome"), "submit") == 0)
			nsubmit++;
		json_array_append_new(*results, row);
	}
	if (nsubmit == 0)
		return 0;
	return ecert_fail(e, ECERT_NO, "matter %s: %d required material%s "
	    "marked exempt must be submitted", code, nsubmit,
	    nsubmit == 1 ? "" : "s");
}

/* Every loaded matter, in code order, with its version. */
int
ecert_matter_each(struct ecert_store *s,
    int (*fn)(const json_t *matter, int version, void *arg), void *arg,
    struct ecert_error *e)
{
	sqlite3_stmt *st;
	json_t *matter;
	int rc, stop = 0;

	st = ecert_prepare(s, "SELECT definition, version FROM matters"
	    " ORDER BY code", e);
	if (st == NULL)
		return e->status;
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		matter = json_loads((const char *)sqlite3_column_text(st, 0), 0,
		    NULL);
		if (matter == NULL) {
			sqlite3_finalize(st);
			return ecert_fail(e, ECERT_IOERR, "matters: a stored "
			    "definition is not JSON");
		}
		stop = fn(matter, sqlite3_column_int(st, 1), arg);
		json_decref(matter);
	}
	sqlite3_finalize(st);
	if (stop)
		return 0;
	return rc == SQLITE_DONE ? 0 : ecert_sql_fail(s, e, rc, "matters");
}
