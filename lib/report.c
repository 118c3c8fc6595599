/*
 * report.c: the supervision report of article 22, from the store and its
 * audit log alone.  One row a department, failing and measure, zeros
 * included, so that a department with nothing to answer for shows so:
 *
 *   (一) catalog:    type_never_loaded, template_missing, definition_stale
 *   (二) late:       issued_late, valid_below_declared, import_pending
 *   (三) repair:     objection_overdue, objection_answered_late
 *   (四) disclosure: use_without_grant, use_beyond_matter, use_refused
 *   (五) personal:   natural_person_access, unusual_volume
 *
 * (一) to (三) are an issuing department's, (四) and (五) a using unit's.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ecert_priv.h"

#ifndef ECERT_SHAREDIR
#define ECERT_SHAREDIR "/usr/local/share/ecert"
#endif

struct failing {
	const char *name, *article, *title;
	const char *measures[4];
	const char *labels[4];
};

static const struct failing failings[] = {
	{ "catalog", "22(一)", "未按照要求编制、维护电子证照目录",
	    { "type_never_loaded", "template_missing", "definition_stale" },
	    { "从未归集证照的类型", "缺少照面模板", "目录定义久未更新" } },
	{ "late", "22(二)", "拒绝、拖延提供证照数据，或未提供有效期内全量数据",
	    { "issued_late", "valid_below_declared", "import_pending" },
	    { "迟于颁发日期签发", "有效证照少于申报数", "待审核的草稿" } },
	{ "repair", "22(三)", "对存在问题的证照数据未及时核对和修复",
	    { "objection_overdue", "objection_answered_late" },
	    { "逾期未处理的异议", "逾期答复的异议" } },
	{ "disclosure", "22(四)", "不经审核擅自对外提供证照信息或擅自扩大使用范围",
	    { "use_without_grant", "use_beyond_matter", "use_refused" },
	    { "无授权用证", "超出事项所需用证", "被拒绝的用证请求" } },
	{ "personal", "22(五)", "违规使用涉及商业秘密或个人隐私的电子证照信息",
	    { "natural_person_access", "unusual_volume" },
	    { "调用自然人证照次数", "调用量异常" } },
};
#define NFAILINGS (sizeof(failings) / sizeof(failings[0]))

struct ctx {
	struct ecert_store *s;
	const struct ecert_report_opts *o;
	char from[11], to[11];
	json_t *rows;
	json_t *names;		/* unit code -> name */
	struct ecert_error *e;
};

static const struct failing *
failing_of(const char *name)
{
	size_t i;

	for (i = 0; i < NFAILINGS; i++)
		if (strcmp(failings[i].name, name) == 0)
			return &failings[i];
	return NULL;
}

static void
add_row(struct ctx *c, const char *unit, const char *failing,
    const char *measure, long long count, json_t *items)
{
	const char *name = json_string_value(json_object_get(c->names, unit));

	json_array_append_new(c->rows, json_pack("{s:s, s:s, s:s, s:s, s:s,"
	    " s:I, s:o, s:s?, s:s}", "unit", unit, "name", name ? name : "",
	    "failing", failing, "article", failing_of(failing)->article,
	    "measure", measure, "count", (json_int_t)count, "items",
	    items ? items : json_array(), "from", c->o->from, "to", c->to));
}

/* Runs sql with text parameters; counts its rows and keeps the first
 * column of the first o->items of them. */
static int
listing(struct ctx *c, const char *sql, const char **params, int n,
    long long *count, json_t *items)
{
	sqlite3_stmt *st = ecert_prepare(c->s, sql, c->e);
	int rc, i;

	if (st == NULL)
		return c->e->status;
	for (i = 0; i < n; i++)
		ecert_bind_text(st, i + 1, params[i]);
	*count = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*count < c->o->items)
			json_array_append_new(items, json_string((const char *)
			    sqlite3_column_text(st, 0)));
		(*count)++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return ecert_sql_fail(c->s, c->e, rc, "report");
	return 0;
}

static int
measure_sql(struct ctx *c, const char *unit, const char *failing,
    const char *measure, const char *sql, const char *extra)
{
	const char *params[4] = { unit, c->from, c->to, extra };
	json_t *items = json_array();
	long long n = 0;
	int rc;

	if ((rc = listing(c, sql, params, extra ? 4 : 3, &n, items)) != 0) {
		json_decref(items);
		return rc;
	}
	add_row(c, unit, failing, measure, n, items);
	return 0;
}

static const char *
share_dir(void)
{
	const char *share = getenv("ECERT_SHARE");

	return share != NULL && *share != '\0' ? share : ECERT_SHAREDIR;
}

/* (一): the department's catalog entries */
static int
catalog(struct ctx *c, const char *unit)
{
	char stale[16];
	sqlite3_stmt *st;
	json_t *items;
	long long n = 0;
	int rc;

	rc = measure_sql(c, unit, "catalog", "type_never_loaded",
	    "SELECT code FROM license_types t WHERE issuer = ?1"
	    " AND ?2 IS NOT NULL AND NOT EXISTS (SELECT 1 FROM licenses l"
	    " WHERE l.type = t.code AND substr(l.created_at, 1, 10) <= ?3)"
	    " ORDER BY code", NULL);
	if (rc != 0)
		return rc;

	items = json_array();
	st = ecert_prepare(c->s, "SELECT code, json_extract(definition,"
	    " '$.template') FROM license_types WHERE issuer = ? ORDER BY code",
	    c->e);
	if (st == NULL) {
		json_decref(items);
		return c->e->status;
	}
	ecert_bind_text(st, 1, unit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *code = (const char *)sqlite3_column_text(st, 0);
		const char *tpl = (const char *)sqlite3_column_text(st, 1);
		char *path;
		int missing = tpl == NULL || *tpl == '\0' ||
		    strchr(tpl, '/') != NULL;

		if (!missing) {
			path = ecert_xasprintf("%s/templates/%s", share_dir(),
			    tpl);
			missing = access(path, R_OK) != 0;
			free(path);
		}
		if (!missing)
			continue;
		if (n++ < c->o->items)
			json_array_append_new(items, json_string(code));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		json_decref(items);
		return ecert_sql_fail(c->s, c->e, rc, "report");
	}
	add_row(c, unit, "catalog", "template_missing", n, items);

	snprintf(stale, sizeof(stale), "-%d days", c->o->stale_days);
	return measure_sql(c, unit, "catalog", "definition_stale",
	    "SELECT code FROM license_types WHERE issuer = ?1 AND ?2 IS NOT"
	    " NULL AND substr(loaded_at, 1, 10) < date(?3, ?4) ORDER BY code",
	    stale);
}

/* The declared counts: "unit TAB type TAB count" lines, # comments. */
static int
declared_load(struct ctx *c, json_t **out)
{
	char line[512], *f[3], *p, *end;
	FILE *fp;
	long lineno = 0, v;
	int i;

	*out = json_object();
	if (c->o->declared == NULL)
		return 0;
	fp = strcmp(c->o->declared, "-") == 0 ? stdin :
	    fopen(c->o->declared, "r");
	if (fp == NULL)
		return ecert_fail(c->e, ECERT_IOERR, "--declared %s: %s",
		    c->o->declared, strerror(errno));
	while (fgets(line, sizeof(line), fp) != NULL) {
		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		p = line;
		for (i = 0; i < 3; i++) {
			f[i] = p;
			if (p == NULL)
				break;
			p = strchr(p, '\t');
			if (p != NULL)
				*p++ = '\0';
		}
		if (i < 3 || f[2] == NULL || p != NULL) {
			if (fp != stdin)
				fclose(fp);
			return ecert_fail(c->e, ECERT_DATAERR, "%s:%ld: expected"
			    " unit, type and count, tab-separated",
			    c->o->declared, lineno);
		}
		if (!ecert_uscc_valid(f[0]) || !ecert_type_code_valid(f[1])) {
			if (fp != stdin)
				fclose(fp);
			return ecert_fail(c->e, ECERT_DATAERR, "%s:%ld:%s: not "
			    "a %s", c->o->declared, lineno,
			    ecert_uscc_valid(f[0]) ? "type" : "unit",
			    ecert_uscc_valid(f[0]) ? "license type code" :
			    "unified social credit code");
		}
		errno = 0;
		v = strtol(f[2], &end, 10);
		if (*f[2] == '\0' || *end != '\0' || v < 0 || errno != 0) {
			if (fp != stdin)
				fclose(fp);
			return ecert_fail(c->e, ECERT_DATAERR, "%s:%ld:count: "
			    "not a count: %s", c->o->declared, lineno, f[2]);
		}
		if (json_object_get(*out, f[0]) == NULL)
			json_object_set_new(*out, f[0], json_object());
		json_object_set_new(json_object_get(*out, f[0]), f[1],
		    json_integer(v));
	}
	if (fp != stdin)
		fclose(fp);
	return 0;
}

/* (二): late, withheld, pending */
static int
late(struct ctx *c, const char *unit, const json_t *declared)
{
	char days[16];
	const char *type;
	json_t *mine, *want, *items;
	long long n = 0;
	int rc;

	snprintf(days, sizeof(days), "%d", c->o->late_days);
	/* the first version only: an amendment keeps the issue date */
	rc = measure_sql(c, unit, "late", "issued_late",
	    "SELECT id FROM licenses WHERE issuer = ?1 AND historical = 0"
	    " AND version = 1 AND status <> 'draft'"
	    " AND substr(created_at, 1, 10) BETWEEN ?2 AND ?3"
	    " AND julianday(substr(created_at, 1, 10)) - julianday(issue_date)"
	    " > CAST(?4 AS INTEGER) ORDER BY created_at, id", days);
	if (rc != 0)
		return rc;

	if (c->o->declared != NULL) {
		items = json_array();
		mine = json_object_get(declared, unit);
		json_object_foreach(mine, type, want) {
			sqlite3_stmt *st = ecert_prepare(c->s, "SELECT count(*)"
			    " FROM licenses WHERE issuer = ? AND type = ? AND"
			    " status = 'valid'", c->e);
			long long valid = 0;

			if (st == NULL) {
				json_decref(items);
				return c->e->status;
			}
			ecert_bind_text(st, 1, unit);
			ecert_bind_text(st, 2, type);
			if (sqlite3_step(st) == SQLITE_ROW)
				valid = sqlite3_column_int64(st, 0);
			sqlite3_finalize(st);
			if (valid >= json_integer_value(want))
				continue;
			n++;
			json_array_append_new(items, json_pack("{s:s, s:I, s:I}",
			    "type", type, "declared", json_integer_value(want),
			    "valid", (json_int_t)valid));
		}
		add_row(c, unit, "late", "valid_below_declared", n, items);
	}

	return measure_sql(c, unit, "late", "import_pending",
	    "SELECT id FROM licenses WHERE issuer = ?1 AND status = 'draft'"
	    " AND (review IS NULL OR review = '') AND ?2 IS NOT NULL"
	    " AND substr(created_at, 1, 10) <= ?3 ORDER BY created_at, id",
	    NULL);
}

/* (三): objections past their deadline */
static int
repair(struct ctx *c, const char *unit)
{
	int rc;

	rc = measure_sql(c, unit, "repair", "objection_overdue",
	    "SELECT 'dispute ' || id || ' due ' || due FROM disputes"
	    " WHERE issuer = ?1 AND ?2 IS NOT NULL AND status = 'open'"
	    " AND due < ?3 ORDER BY due, id", NULL);
	if (rc != 0)
		return rc;
	return measure_sql(c, unit, "repair", "objection_answered_late",
	    "SELECT 'dispute ' || id || ' due ' || due || ' answered ' ||"
	    " substr(resolved_at, 1, 10) FROM disputes WHERE issuer = ?1"
	    " AND status <> 'open' AND substr(resolved_at, 1, 10) BETWEEN ?2"
	    " AND ?3 AND substr(resolved_at, 1, 10) > due ORDER BY id", NULL);
}

/* The license types a matter's materials name, or NULL when the matter
 * is not in the store. */
static json_t *
matter_needs(struct ctx *c, json_t *cache, const char *code)
{
	json_t *m, *needs, *mat, *lic;
	size_t i, j;

	if ((needs = json_object_get(cache, code)) != NULL)
		return json_is_null(needs) ? NULL : needs;
	m = ecert_matter_get(c->s, code);
	if (m == NULL) {
		json_object_set_new(cache, code, json_null());
		return NULL;
	}
	needs = json_array();
	json_array_foreach(json_object_get(m, "materials"), i, mat)
		json_array_foreach(json_object_get(mat, "licenses"), j, lic)
			json_array_append(needs, lic);
	json_decref(m);
	json_object_set_new(cache, code, needs);
	return needs;
}

static int
has_string(const json_t *list, const char *s)
{
	const json_t *v;
	size_t i;

	json_array_foreach(list, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
			return 1;
	return 0;
}

#define USE_ACTIONS "('license.use', 'license.check')"

struct unit_use {
	long long without, beyond, refused, natural;
	json_t *without_items, *beyond_items, *reasons;
};

/* The using units' counts, in the order first seen (order: their codes). */
struct uses {
	struct unit_use *tab;
	size_t n;
	json_t *order;
	json_t *cache;		/* matter code -> the types it needs */
};

/* The counts of a unit, new and zero when it is not yet there. */
static struct unit_use *
unit_use_of(struct uses *t, const char *unit)
{
	struct unit_use *u;
	size_t i;

	for (i = 0; i < t->n; i++)
		if (strcmp(json_string_value(json_array_get(t->order, i)),
		    unit) == 0)
			return &t->tab[i];
	t->tab = ecert_xrealloc(t->tab, (t->n + 1) * sizeof(*t->tab));
	u = &t->tab[t->n++];
	memset(u, 0, sizeof(*u));
	u->without_items = json_array();
	u->beyond_items = json_array();
	u->reasons = json_object();
	json_array_append_new(t->order, json_string(unit));
	return u;
}

/* One audit entry of a use, a check or a presentation, as counted. */
struct use_entry {
	const char *action, *object, *outcome, *detail, *type, *holder;
	int granted;
};

static void
use_count(struct ctx *c, struct uses *t, struct unit_use *u,
    const struct use_entry *a)
{
	int ok = strcmp(a->outcome, "ok") == 0;
	json_t *needs;

	if (ok && a->type != NULL && a->holder != NULL &&
	    strcmp(a->holder, "natural") == 0)
		u->natural++;
	if (strcmp(a->action, "license.present") == 0)
		return;
	if (!ok) {
		json_int_t was = json_integer_value(json_object_get(
		    u->reasons, a->detail));
		u->refused++;
		json_object_set_new(u->reasons, a->detail,
		    json_integer(was + 1));
		return;
	}
	if (a->type == NULL)
		return;		/* not a license: nothing to judge */
	if (!a->granted && u->without++ < c->o->items)
		json_array_append_new(u->without_items, json_pack(
		    "{s:s, s:s}", "license", a->object, "matter", a->detail));
	needs = matter_needs(c, t->cache, a->detail);
	if ((needs == NULL || !has_string(needs, a->type)) &&
	    u->beyond++ < c->o->items)
		json_array_append_new(u->beyond_items,
		    json_pack("{s:s, s:s, s:s}",
		    "license", a->object, "matter", a->detail,
		    "why", needs == NULL ? "the matter is"
		    " not in the store" : "the matter "
		    "does not need this type"));
}

/* Counts every use, or refusal, of the period by the unit that made it. */
static int
uses_read(struct ctx *c, struct uses *t)
{
	struct use_entry a;
	sqlite3_stmt *st;
	int rc;

	st = ecert_prepare(c->s, "SELECT a.unit, a.action, a.object, a.outcome,"
	    " a.detail, l.type, json_extract(t.definition, '$.holder'),"
	    " EXISTS (SELECT 1 FROM grants g WHERE l.holder_hash IS NOT NULL"
	    " AND g.holder_hash = l.holder_hash AND g.matter = a.detail"
	    " AND (g.grantee = a.unit OR g.kind = 'delegate')"
	    " AND g.created_at <= a.time)"
	    " FROM audit a LEFT JOIN licenses l ON l.id = a.object"
	    " LEFT JOIN license_types t ON t.code = l.type"
	    " WHERE a.unit <> '' AND substr(a.time, 1, 10) BETWEEN ?1 AND ?2"
	    " AND (a.action IN " USE_ACTIONS " OR (a.action = 'license.present'"
	    " AND a.outcome = 'ok')) ORDER BY a.seq", c->e);
	if (st == NULL)
		return c->e->status;
	ecert_bind_text(st, 1, c->from);
	ecert_bind_text(st, 2, c->to);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		a.action = (const char *)sqlite3_column_text(st, 1);
		a.object = (const char *)sqlite3_column_text(st, 2);
		a.outcome = (const char *)sqlite3_column_text(st, 3);
		a.detail = (const char *)sqlite3_column_text(st, 4);
		a.type = (const char *)sqlite3_column_text(st, 5);
		a.holder = (const char *)sqlite3_column_text(st, 6);
		a.granted = sqlite3_column_int(st, 7);
		use_count(c, t, unit_use_of(t, (const char *)
		    sqlite3_column_text(st, 0)), &a);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return ecert_sql_fail(c->s, c->e, rc, "report");
	return 0;
}

/* The median of the units that accessed natural persons' licenses at
 * all in the period (the lower middle one of an even number). */
static long long
natural_median(const struct uses *t)
{
	long long median = 0, *counts;
	size_t i, k;

	counts = ecert_xmalloc((t->n + 1) * sizeof(*counts));
	for (i = 0, k = 0; i < t->n; i++)
		if (t->tab[i].natural > 0)
			counts[k++] = t->tab[i].natural;
	for (i = 1; i < k; i++) {
		long long v = counts[i];
		size_t j = i;
		while (j > 0 && counts[j - 1] > v) {
			counts[j] = counts[j - 1];
			j--;
		}
		counts[j] = v;
	}
	if (k > 0)
		median = counts[(k - 1) / 2];
	free(counts);
	return median;
}

/* The rows of (四) and (五) of one unit; "unusual": more than k times
 * the median. */
static void
uses_rows(struct ctx *c, const char *unit, struct unit_use *u,
    long long median)
{
	json_t *reasons = json_array(), *n;
	const char *why;
	long long limit = c->o->unusual * median;

	add_row(c, unit, "disclosure", "use_without_grant", u->without,
	    json_incref(u->without_items));
	add_row(c, unit, "disclosure", "use_beyond_matter", u->beyond,
	    json_incref(u->beyond_items));
	json_object_foreach(u->reasons, why, n)
		if (json_array_size(reasons) < (size_t)c->o->items)
			json_array_append_new(reasons, json_pack(
			    "{s:s, s:O}", "reason", why, "count", n));
	add_row(c, unit, "disclosure", "use_refused", u->refused, reasons);
	add_row(c, unit, "personal", "natural_person_access", u->natural,
	    NULL);
	add_row(c, unit, "personal", "unusual_volume", u->natural > 0 &&
	    u->natural > limit, json_pack("[{s:I, s:I, s:I}]", "accesses",
	    (json_int_t)u->natural, "median", (json_int_t)median,
	    "limit", (json_int_t)limit));
}

/* (四) and (五): the using units, from the audit log; every using unit
 * has its rows, zeros too */
static int
uses(struct ctx *c, const json_t *scope, const json_t *users)
{
	struct uses t = { NULL, 0, json_array(), json_object() };
	json_t *unitv;
	long long median;
	size_t i;
	int rc;

	json_array_foreach(users, i, unitv)
		unit_use_of(&t, json_string_value(unitv));
	if ((rc = uses_read(c, &t)) == 0) {
		median = natural_median(&t);
		json_array_foreach(t.order, i, unitv)
			if (scope == NULL || has_string(scope,
			    json_string_value(unitv)))
				uses_rows(c, json_string_value(unitv),
				    &t.tab[i], median);
	}
	for (i = 0; i < t.n; i++) {
		json_decref(t.tab[i].without_items);
		json_decref(t.tab[i].beyond_items);
		json_decref(t.tab[i].reasons);
	}
	free(t.tab);
	json_decref(t.order);
	json_decref(t.cache);
	return rc;
}

/* The units: their names, codes in order, the using units, and the
 * issuing ones the report covers (o->unit alone, given). */
static int
report_units(struct ctx *c, json_t *codes, json_t *users, json_t *issuers)
{
	const char *unit = c->o->unit;
	sqlite3_stmt *st;
	int rc;

	st = ecert_prepare(c->s, "SELECT code, name, roles & 2 OR EXISTS"
	    " (SELECT 1 FROM license_types t WHERE t.issuer = u.code), roles"
	    " FROM units u ORDER BY code", c->e);
	if (st == NULL)
		return c->e->status;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *ucode = (const char *)sqlite3_column_text(st, 0);

		json_object_set_new(c->names, ucode, json_string((const char *)
		    sqlite3_column_text(st, 1)));
		json_array_append_new(codes, json_string(ucode));
		if (sqlite3_column_int(st, 3) & ECERT_ROLE_USER)
			json_array_append_new(users, json_string(ucode));
		if (sqlite3_column_int(st, 2) && (unit == NULL ||
		    strcmp(unit, ucode) == 0))
			json_array_append_new(issuers, json_string(ucode));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return ecert_sql_fail(c->s, c->e, rc, "report");
	return 0;
}

/* The rows in the order of the article, then of the units' codes. */
static json_t *
report_sorted(const json_t *rows, const json_t *codes)
{
	json_t *sorted = json_array(), *row, *code;
	size_t i, j, f;

	for (f = 0; f < NFAILINGS; f++)
		json_array_foreach(codes, i, code)
			json_array_foreach(rows, j, row)
				if (strcmp(ecert_json_str(row, "failing"),
				    failings[f].name) == 0 &&
				    strcmp(ecert_json_str(row, "unit"),
				    json_string_value(code)) == 0)
					json_array_append(sorted, row);
	return sorted;
}

int
ecert_report(struct ecert_store *s, const struct ecert_report_opts *o,
    json_t **rows, struct ecert_error *e)
{
	struct ctx c;
	json_t *declared = NULL, *issuers = json_array(), *users = NULL;
	json_t *all_users = json_array(), *codes = json_array();
	size_t i;
	int rc;

	memset(&c, 0, sizeof(c));
	c.s = s;
	c.o = o;
	c.e = e;
	c.rows = json_array();
	c.names = json_object();
	*rows = NULL;
	snprintf(c.from, sizeof(c.from), "%s", o->from ? o->from :
	    "0000-01-01");
	if (o->to != NULL)
		snprintf(c.to, sizeof(c.to), "%s", o->to);
	else
		ecert_today(c.to);
	if (strcmp(c.from, c.to) > 0) {
		rc = ecert_fail(e, ECERT_USAGE, "--from %s is after --to %s",
		    c.from, c.to);
		goto out;
	}
	if ((rc = declared_load(&c, &declared)) != 0 ||
	    (rc = report_units(&c, codes, all_users, issuers)) != 0)
		goto out;
	for (i = 0; i < json_array_size(issuers); i++) {
		const char *unit = json_string_value(json_array_get(issuers,
		    i));

		if ((rc = catalog(&c, unit)) != 0 ||
		    (rc = late(&c, unit, declared)) != 0 ||
		    (rc = repair(&c, unit)) != 0)
			goto out;
	}
	if (o->unit != NULL)
		users = json_pack("[s]", o->unit);
	if ((rc = uses(&c, users, all_users)) != 0)
		goto out;
	*rows = report_sorted(c.rows, codes);
out:
	json_decref(c.rows);
	json_decref(c.names);
	json_decref(declared);
	json_decref(issuers);
	json_decref(users);
	json_decref(codes);
	json_decref(all_users);
	return rc;
}

/* ---- the printable report: HTML with SVG charts, nothing fetched ---- */

static void
esc(FILE *out, const char *s)
{
	for (; s != NULL && *s; s++)
		switch (*s) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		default: fputc(*s, out);
		}
}

static const char *palette[] = { "#b03a2e", "#d68910", "#2471a3",
    "#7d3c98" };

static const char *
label_of(const struct failing *f, const char *measure)
{
	int i;

	for (i = 0; i < 4 && f->measures[i] != NULL; i++)
		if (strcmp(f->measures[i], measure) == 0)
			return f->labels[i];
	return measure;
}

static int
is_charted(const char *measure)
{
	return strcmp(measure, "unusual_volume") != 0;
}

/* One item as text: a string as it is, an object as "key: value; ...". */
static void
item_text(FILE *out, const json_t *item)
{
	const char *key;
	json_t *v;
	int first = 1;

	if (json_is_string(item)) {
		esc(out, json_string_value(item));
		return;
	}
	json_object_foreach((json_t *)item, key, v) {
		char *t = json_is_string(v) ? NULL : json_dumps(v,
		    JSON_ENCODE_ANY | JSON_REAL_PRECISION(4));

		fputs(first ? "" : "; ", out);
		esc(out, key);
		fputs(": ", out);
		esc(out, t ? t : json_string_value(v));
		free(t);
		first = 0;
	}
}

/* The chart's geometry, in pixels. */
enum { LABEL_W = 330, BAR_W = 560, ROW_H = 28, TOP = 40 };

/* The units with a row of failing f, in order (into units), each with
 * the total of its charted measures (into totals); returns the largest. */
static long long
chart_totals(const struct failing *f, const json_t *rows, json_t *units,
    json_t *totals)
{
	const json_t *row;
	long long max = 0, t;
	size_t i;

	json_array_foreach(rows, i, row) {
		const char *unit = ecert_json_str(row, "unit");

		if (strcmp(ecert_json_str(row, "failing"), f->name) != 0)
			continue;
		if (json_object_get(totals, unit) == NULL) {
			json_array_append_new(units, json_string(unit));
			json_object_set_new(totals, unit, json_integer(0));
		}
		if (!is_charted(ecert_json_str(row, "measure")))
			continue;
		t = json_integer_value(json_object_get(totals, unit)) +
		    json_integer_value(json_object_get(row, "count"));
		json_object_set_new(totals, unit, json_integer(t));
		if (t > max)
			max = t;
	}
	return max;
}

/* The count of a unit's row of failing f and measure; 0 without one. */
static long long
row_count(const json_t *rows, const struct failing *f, const char *unit,
    const char *measure)
{
	const json_t *row;
	long long n = 0;
	size_t j;

	json_array_foreach(rows, j, row)
		if (strcmp(ecert_json_str(row, "failing"), f->name) == 0 &&
		    strcmp(ecert_json_str(row, "unit"), unit) == 0 &&
		    strcmp(ecert_json_str(row, "measure"), measure) == 0)
			n = json_integer_value(json_object_get(row, "count"));
	return n;
}

/* The bar of one unit at height y, its name before it, its total and
 * whether its volume is unusual after it. */
static void
chart_bar(FILE *out, const struct failing *f, const json_t *rows,
    const char *unit, int y, double scale, long long total)
{
	const json_t *row;
	const char *name = "";
	int x = LABEL_W, unusual = 0, m, w;
	long long n;
	size_t j;

	json_array_foreach(rows, j, row) {
		if (strcmp(ecert_json_str(row, "failing"), f->name) != 0
		    || strcmp(ecert_json_str(row, "unit"), unit) != 0)
			continue;
		name = ecert_json_str(row, "name");
		if (strcmp(ecert_json_str(row, "measure"),
		    "unusual_volume") == 0)
			unusual = json_integer_value(json_object_get(row,
			    "count")) > 0;
	}
	fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">",
	    LABEL_W - 10, y + 18);
	esc(out, name && *name ? name : unit);
	fputs("</text>\n", out);
	fprintf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
	    "stroke=\"#999\"/>\n", LABEL_W, y + 2, LABEL_W, y + ROW_H - 2);
	for (m = 0; m < 4 && f->measures[m] != NULL; m++) {
		if (!is_charted(f->measures[m]))
			continue;
		n = row_count(rows, f, unit, f->measures[m]);
		w = (int)lround((double)n * scale);
		if (n > 0 && w < 2)
			w = 2;
		if (w == 0)
			continue;
		fprintf(out, "<rect x=\"%d\" y=\"%d\" width=\"%d\" "
		    "height=\"%d\" fill=\"%s\"%s><title>%lld</title>"
		    "</rect>\n", x, y + 5, w, ROW_H - 10, unusual ?
		    "#e74c3c" : palette[m], unusual ?
		    " stroke=\"#000\" stroke-width=\"2\"" : "", n);
		x += w;
	}
	fprintf(out, "<text x=\"%d\" y=\"%d\">%lld%s</text>\n", x + 6,
	    y + 18, total, unusual ? " 异常" : "");
}

/* A horizontal stacked bar a unit: one colour a measure. */
static void
chart(FILE *out, const struct failing *f, const json_t *rows)
{
	json_t *units = json_array(), *totals = json_object(), *u;
	long long max;
	size_t i;
	int m, y, height;

	max = chart_totals(f, rows, units, totals);
	height = TOP + ROW_H * (int)json_array_size(units) + 30;
	fprintf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
	    "height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" "
	    "font-family=\"Noto Sans CJK SC, Noto Sans SC, sans-serif\" "
	    "font-size=\"13\">\n", LABEL_W + BAR_W + 90, height,
	    LABEL_W + BAR_W + 90, height);
	/* the legend */
	for (m = 0, y = 8; m < 4 && f->measures[m] != NULL; m++) {
		if (!is_charted(f->measures[m]))
			continue;
		fprintf(out, "<rect x=\"%d\" y=\"%d\" width=\"14\" height=\"14\""
		    " fill=\"%s\"/><text x=\"%d\" y=\"%d\">", LABEL_W + m * 180,
		    y, palette[m], LABEL_W + m * 180 + 20, y + 12);
		esc(out, f->labels[m]);
		fputs("</text>\n", out);
	}
	json_array_foreach(units, i, u)
		chart_bar(out, f, rows, json_string_value(u), TOP + (int)i *
		    ROW_H, max > 0 ? (double)BAR_W / (double)max : 0,
		    json_integer_value(json_object_get(totals,
		    json_string_value(u))));
	if (max == 0)
		fprintf(out, "<text x=\"%d\" y=\"%d\" fill=\"#1e8449\">"
		    "本期未发现此类问题</text>\n", LABEL_W + 20, height - 10);
	fputs("</svg>\n", out);
	json_decref(units);
	json_decref(totals);
}

/* The page's head, its title and what the report covers. */
static void
html_head(FILE *out, const struct ecert_report_opts *o, const json_t *rows)
{
	const json_t *row = json_array_get(rows, 0);
	const char *from = o->from;
	const char *to = row ? ecert_json_str(row, "to") : o->to;
	char now[21];

	ecert_clock_iso(now);
	fputs("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n<title>电子证照监督检查报告</title>\n"
	    "<style>\n"
	    "body{font-family:\"Noto Sans CJK SC\",\"Noto Sans SC\",sans-serif;"
	    "margin:24px;color:#1b1b1b;background:#fff}\n"
	    "h1{font-size:24px;margin:0 0 6px}\n"
	    "h2{font-size:17px;border-bottom:2px solid #b03a2e;"
	    "padding-bottom:4px;margin-top:28px}\n"
	    "p.meta{color:#444;font-size:13px}\n"
	    "table{border-collapse:collapse;width:100%;font-size:12px;"
	    "margin-top:8px}\n"
	    "th,td{border:1px solid #999;padding:3px 6px;text-align:left;"
	    "vertical-align:top}\nth{background:#f2e6e4}\n"
	    "td.n{text-align:right;white-space:nowrap}\n"
	    "section{page-break-inside:avoid}\n"
	    "p.none{color:#1e8449}\n"
	    "@page{size:A4;margin:15mm}\n"
	    "</style>\n</head>\n<body>\n<h1>电子证照监督检查报告</h1>\n"
	    "<p class=\"meta\">依据《襄阳市电子证照管理应用暂行办法》第二十二条"
	    "&#12288;期间：", out);
	esc(out, from ? from : "不限");
	fputs(" 至 ", out);
	esc(out, to ? to : "");
	fputs("&#12288;范围：", out);
	if (o->unit != NULL)
		esc(out, o->unit);
	else
		fputs("全市各部门", out);
	fputs("&#12288;生成时间：", out);
	esc(out, now);
	fputs("</p>\n", out);
}

/* The summary: for each measure, how many units, and how many in all. */
static void
html_summary(FILE *out, const json_t *rows)
{
	const json_t *row;
	size_t i, f;
	int m;

	fputs("<table>\n<tr><th>情形</th><th>指标</th><th>单位数</th>"
	    "<th>合计</th></tr>\n", out);
	for (f = 0; f < NFAILINGS; f++)
		for (m = 0; m < 4 && failings[f].measures[m] != NULL; m++) {
			long long total = 0, units = 0;

			json_array_foreach(rows, i, row)
				if (strcmp(ecert_json_str(row, "measure"),
				    failings[f].measures[m]) == 0 &&
				    json_integer_value(json_object_get(row,
				    "count")) > 0) {
					units++;
					total += json_integer_value(
					    json_object_get(row, "count"));
				}
			fputs("<tr><td>", out);
			esc(out, failings[f].article);
			fputs("</td><td>", out);
			esc(out, failings[f].labels[m]);
			fprintf(out, "</td><td class=\"n\">%lld</td><td class=\"n\">"
			    "%lld</td></tr>\n", units, total);
		}
	fputs("</table>\n", out);
}

/* One failing's section: its chart, then its rows that count. */
static void
html_section(FILE *out, const struct failing *f, const char *num,
    const json_t *rows)
{
	const json_t *row, *it;
	size_t i, j;
	int any = 0;

	fprintf(out, "<section>\n<h2>（%s）", num);
	esc(out, f->title);
	fputs("</h2>\n", out);
	chart(out, f, rows);
	json_array_foreach(rows, i, row) {
		if (strcmp(ecert_json_str(row, "failing"), f->name) != 0 ||
		    json_integer_value(json_object_get(row, "count")) == 0)
			continue;
		if (!any)
			fputs("<table>\n<tr><th>单位</th><th>统一社会信用"
			    "代码</th><th>指标</th><th>数量</th>"
			    "<th>明细（前若干项）</th></tr>\n", out);
		any = 1;
		fputs("<tr><td>", out);
		esc(out, ecert_json_str(row, "name"));
		fputs("</td><td>", out);
		esc(out, ecert_json_str(row, "unit"));
		fputs("</td><td>", out);
		esc(out, label_of(f, ecert_json_str(row, "measure")));
		fprintf(out, "</td><td class=\"n\">%" JSON_INTEGER_FORMAT
		    "</td><td>", json_integer_value(json_object_get(row,
		    "count")));
		json_array_foreach(json_object_get(row, "items"), j, it) {
			fputs(j ? "<br>" : "", out);
			item_text(out, it);
		}
		fputs("</td></tr>\n", out);
	}
	fputs(any ? "</table>\n" : "<p class=\"none\">无。</p>\n", out);
	fputs("</section>\n", out);
}

int
ecert_report_html(FILE *out, const struct ecert_report_opts *o,
    const json_t *rows, struct ecert_error *e)
{
	static const char *nums[] = { "一", "二", "三", "四", "五" };
	size_t f;

	html_head(out, o, rows);
	html_summary(out, rows);
	for (f = 0; f < NFAILINGS; f++)
		html_section(out, &failings[f], nums[f], rows);
	fputs("</body>\n</html>\n", out);
	if (fflush(out) != 0 || ferror(out))
		return ecert_fail(e, ECERT_IOERR, "html: %s", strerror(errno));
	return 0;
}
