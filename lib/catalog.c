/*
 * catalog.c: the catalog (目录) in the store.  Types come from YAML
 * (catalog_yaml.c); each names the unit responsible for issuing it, which
 * together make the responsibility list of article 5.  A changed type gets
 * a new version; the old definitions stay in license_type_history, each
 * signed by the platform (schema 10) and named by its catalog.load audit
 * entry, so that a past version edited, removed or replayed shows.
 */
#include <string.h>

#include "ecert_priv.h"

static void
bind_type(sqlite3_stmt *st, const json_t *type)
{
	ecert_bind_text(st, 5, ecert_json_str(type, "name"));
	ecert_bind_text(st, 6, ecert_json_str(type, "issuer"));
	sqlite3_bind_int(st, 7, json_is_true(json_object_get(type, "public")));
}

static json_t *
parse_types(struct ecert_store *s, const char *path, struct ecert_error *e)
{
	(void)s;
	return ecert_catalog_parse(path, e);
}

/* Each type names a registered issuing unit (article 5). */
static int
check_issuer(struct ecert_store *s, const char *path, const json_t *type,
    struct ecert_error *e)
{
	const char *issuer = ecert_json_str(type, "issuer");
	int roles;

	if (!ecert_unit_name(s, issuer, NULL, 0, &roles) ||
	    !(roles & ECERT_ROLE_ISSUER))
		return ecert_fail(e, ECERT_DATAERR, "%s: type %s: issuer %s: "
		    "not a registered issuing unit", path,
		    ecert_json_str(type, "code"), issuer);
	return 0;
}

/* The platform signs the new version and the current entry (anchor.c). */
static int
sign_type(struct ecert_store *s, const char *code, int version,
    struct ecert_error *e)
{
	if (ecert_fact_sign_history(s, code, version, e) != 0)
		return e->status;
	return ecert_fact_sign_type(s, code, e);
}

static void
type_detail(const json_t *type, int version, char *out, size_t n)
{
	snprintf(out, n, "issuer %s version %d", ecert_json_str(type,
	    "issuer"), version);
}

static const struct ecert_definition_kind catalog_kind = {
	.table = "license_types",
	.history = "license_type_history",
	.action = "catalog.load",
	.sql_what = "catalog",
	.upsert = "INSERT INTO license_types(code, definition, version,"
	    " loaded_at, name, issuer, public) VALUES (?1,?2,?3,?4,?5,?6,?7)"
	    " ON CONFLICT(code) DO UPDATE SET definition = ?2, version = ?3,"
	    " loaded_at = ?4, name = ?5, issuer = ?6, public = ?7",
	.bind = bind_type,
	/* xgettext:c-format */
	.cannot_encode = N_("type %s: cannot encode"),
	/* xgettext:c-format */
	.also_defined = N_("%s: type %s: also defined in %s"),
	/* xgettext:c-format */
	.not_audited = N_("type %s: not loaded: the change cannot be audited"),
	.parse = parse_types,
	.check = check_issuer,
	.sign = sign_type,
	.detail = type_detail
};

/* All files or nothing: every file is parsed and checked before any write. */
int
ecert_catalog_load(struct ecert_store *s, const char *actor_unit,
    char **paths, int npaths, int *nloaded, struct ecert_error *e)
{
	return ecert_definition_load(s, &catalog_kind, actor_unit, paths,
	    npaths, nloaded, e);
}

json_t *
ecert_catalog_get(struct ecert_store *s, const char *code)
{
	json_t *type;
	int version;

	type = ecert_definition_get(s, &catalog_kind, code, &version);
	/* believed only as the platform signed it (anchor.c) */
	if (type != NULL && !ecert_fact_type_ok(s, code)) {
		json_decref(type);
		type = NULL;
	}
	return type;
}

/* A type's history as it is read, and what it is checked against. */
struct history {
	const char *code;
	int want;		/* the current entry's version */
	char *current;		/* and its definition */
	json_t *named;		/* the versions catalog.load entries name */
	int loads;		/* how many catalog.load entries */
	int version;		/* the last version read */
	json_t *list;
	char *why;
	size_t n;
};

/* The versions the audit log says were loaded (named from schema 10 on). */
static void
audited_loads(struct ecert_store *s, struct history *h)
{
	sqlite3_stmt *st;
	const char *d, *v;

	h->named = json_object();
	st = ecert_prepare(s, "SELECT detail FROM audit WHERE object = ? AND"
	    " action = 'catalog.load' AND outcome = 'ok'", NULL);
	if (st == NULL)
		return;
	ecert_bind_text(st, 1, h->code);
	while (sqlite3_step(st) == SQLITE_ROW) {
		d = (const char *)sqlite3_column_text(st, 0);
		v = d ? strstr(d, " version ") : NULL;
		h->loads++;
		if (v != NULL)
			json_object_set_new(h->named, v + 9, json_true());
	}
	sqlite3_finalize(st);
}

/*
 * One row of license_type_history (version, definition, loaded_at,
 * loaded_by, sig_key, sig): the next version, signed by the platform when
 * it must be, the current entry when it is the newest.  -1 with h->why.
 */
static int
history_version(struct ecert_store *s, struct history *h, sqlite3_stmt *st)
{
	int v = sqlite3_column_int(st, 0);
	const char *def = (const char *)sqlite3_column_text(st, 1);
	const char *at = (const char *)sqlite3_column_text(st, 2);
	const char *by = (const char *)sqlite3_column_text(st, 3);
	const char *sk = (const char *)sqlite3_column_text(st, 4);
	const char *sig = (const char *)sqlite3_column_text(st, 5);
	char key[16];
	json_t *d;

	snprintf(key, sizeof(key), "%d", v);
	if (v != h->version + 1) {
		ecert_whyf(h->why, h->n, "history: version %d follows version "
		    "%d: one removed or renumbered", v, h->version);
		return -1;
	}
	h->version = v;
	if ((sig != NULL || json_object_get(h->named, key) != NULL) &&
	    !ecert_fact_history_ok(s, h->code, v, def, at, by, sk, sig)) {
		ecert_whyf(h->why, h->n, "history: version %d is not as the "
		    "platform signed it", v);
		return -1;
	}
	d = def ? json_loads(def, 0, NULL) : NULL;
	json_array_append_new(h->list, json_pack("{s:s, s:i, s:s, s:s, s:b,"
	    " s:o}", "code", h->code, "version", v, "loaded_at", at ? at : "",
	    "loaded_by", by ? by : "", "signed", sig != NULL, "definition",
	    d ? d : json_null()));
	if (v == h->want && (def == NULL || strcmp(def, h->current) != 0)) {
		ecert_whyf(h->why, h->n, "history: version %d is not the "
		    "current entry", v);
		return -1;
	}
	return 0;
}

/* Every version read: as many as the current entry and the loads say. */
static void
history_complete(struct history *h)
{
	int version = h->version, loads = h->loads;

	if (version != h->want)
		ecert_whyf(h->why, h->n, "history: %d version%s, the current "
		    "entry is version %d: one removed or added", version,
		    version == 1 ? "" : "s", h->want);
	else if (loads > version)
		ecert_whyf(h->why, h->n, "history: the audit log records %d "
		    "load%s, the history holds %d version%s: one removed",
		    loads, loads == 1 ? "" : "s", version,
		    version == 1 ? "" : "s");
}

static void
read_history(struct ecert_store *s, struct history *h)
{
	sqlite3_stmt *st;

	st = ecert_prepare(s, "SELECT version, definition, loaded_at,"
	    " loaded_by, sig_key, sig FROM license_type_history"
	    " WHERE code = ? ORDER BY version", NULL);
	if (st == NULL) {
		ecert_whyf(h->why, h->n, "its history cannot be read");
		return;
	}
	ecert_bind_text(st, 1, h->code);
	while (sqlite3_step(st) == SQLITE_ROW)
		if (history_version(s, h, st) != 0)
			break;
	sqlite3_finalize(st);
	if (*h->why == '\0')
		history_complete(h);
}

/*
 * The versions of a type, oldest first, each checked: signed by the
 * platform (a version whose catalog.load entry names it was written from
 * schema 10 on, and must be), numbered 1 to the current version without a
 * gap, as many as the audit log's loads, the newest the current entry.
 * NULL and why (audited as fact.tampered) when they are not.
 */
json_t *
ecert_catalog_history(struct ecert_store *s, const char *code, char *why,
    size_t n)
{
	struct history h = { .code = code, .why = why, .n = n };
	json_t *list;

	*why = '\0';
	if (ecert_definition_read(s, catalog_kind.table, code, &h.want,
	    &h.current, NULL) != 0) {
		ecert_whyf(why, n, "the catalog cannot be read");
		return NULL;
	}
	if (h.current == NULL || !ecert_fact_type_ok(s, code)) {
		free(h.current);
		ecert_whyf(why, n, "not in the catalog");
		return NULL;
	}
	audited_loads(s, &h);
	h.list = json_array();
	read_history(s, &h);
	json_decref(h.named);
	free(h.current);
	list = h.list;
	if (*why != '\0') {
		json_decref(list);
		ecert_facts_tampered(s, code, why);
		return NULL;
	}
	return list;
}

/* Every type of the catalog, in code order, with its issuer's name. */
int
ecert_catalog_each(struct ecert_store *s,
    int (*fn)(const struct ecert_type_row *r, void *arg), void *arg,
    struct ecert_error *e)
{
	struct ecert_type_row r;
	sqlite3_stmt *st;
	int rc;

	st = ecert_prepare(s, "SELECT t.code, t.name, t.issuer, u.name,"
	    " t.public, t.version FROM license_types t"
	    " JOIN units u ON u.code = t.issuer ORDER BY t.code", e);
	if (st == NULL)
		return e->status;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		r.code = (const char *)sqlite3_column_text(st, 0);
		r.name = (const char *)sqlite3_column_text(st, 1);
		r.issuer = (const char *)sqlite3_column_text(st, 2);
		r.issuer_name = (const char *)sqlite3_column_text(st, 3);
		r.public = sqlite3_column_int(st, 4);
		r.version = sqlite3_column_int(st, 5);
		if (fn(&r, arg) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : ecert_sql_fail(s, e, rc, "catalog");
}
