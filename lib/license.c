/*
 * license.c: the license record and its validation.  The other parts of
 * a license's life are issue.c (building, signing and storing),
 * verify.c (loading and verifying, from the store or a trust list) and
 * lifecycle.c (review, amendment, status events and history).
 *
 * A record is a flat JSON object: the reserved keys below, and the type's
 * data items by key or by Chinese label.  The signed document is the RFC
 * 8785 form of the object built here; the store keeps it sealed with the
 * data key (it may carry ID numbers) next to clear columns for searching,
 * which verification checks against the document.
 */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include <sodium.h>

#include "ecert_priv.h"
#include "license_priv.h"

static const char *reserved[] = {
	"type", "id", "number", "holder", "holder_id", "issue_date",
	"valid_from", "valid_until", NULL
};

static int
is_reserved(const char *key)
{
	int i;

	for (i = 0; reserved[i] != NULL; i++)
		if (strcmp(key, reserved[i]) == 0)
			return 1;
	return 0;
}

int
ecert_record_from_args(json_t *record, const char *assignment,
    struct ecert_error *e)
{
	const char *eq = strchr(assignment, '=');
	char *key;

	if (eq == NULL || eq == assignment)
		return ecert_fail(e, ECERT_USAGE, "-f %s: expected key=value",
		    assignment);
	if (!ecert_utf8_valid(assignment, strlen(assignment)))
		return ecert_fail(e, ECERT_DATAERR, "-f: invalid UTF-8");
	key = strndup(assignment, (size_t)(eq - assignment));
	if (json_object_get(record, key) != NULL) {
		ecert_fail(e, ECERT_USAGE, "-f %s: given twice", key);
		free(key);
		return ECERT_USAGE;
	}
	json_object_set_new(record, key, json_string(eq + 1));
	free(key);
	return 0;
}

/* A value as text: strings as they are, integers in decimal. */
static const char *
text_of(const json_t *v, char *buf, size_t n)
{
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v)) {
		snprintf(buf, n, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return buf;
	}
	return NULL;
}

static int
has_control(const char *s, int allow_newline)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 && !(allow_newline &&
		    (*s == '\n' || *s == '\t')))
			return 1;
		else if (*s == 0x7f)
			return 1;
	return 0;
}

int
lic_check_text(const char *field, const char *v, size_t max, int multiline,
    struct ecert_error *e)
{
	if (*v == '\0')
		return ecert_fail(e, ECERT_DATAERR, "field %s: empty", field);
	if (has_control(v, multiline))
		return ecert_fail(e, ECERT_DATAERR, "field %s: control "
		    "character", field);
	if (ecert_utf8_chars(v) > max)
		return ecert_fail(e, ECERT_DATAERR, "field %s: longer than %zu "
		    "characters", field, max);
	return 0;
}

static int
check_date(const char *field, const char *v, struct ecert_error *e)
{
	if (!ecert_date_valid(v))
		return ecert_fail(e, ECERT_DATAERR, "field %s: %s: not a real "
		    "date (YYYY-MM-DD)", field, v);
	return 0;
}

static int
check_item(const json_t *item, const char *v, json_t **out,
    struct ecert_error *e)
{
	const char *key = ecert_json_str(item, "key");
	const char *kind = ecert_json_str(item, "type");
	const json_t *max = json_object_get(item, "max");
	const json_t *min = json_object_get(item, "min");
	char field[128], why[128];
	size_t i;
	json_t *val;

	snprintf(field, sizeof(field), "%s (%s)", key,
	    ecert_json_str(item, "label"));
	if (strcmp(kind, "string") == 0 || strcmp(kind, "text") == 0) {
		int text = kind[0] == 't';
		size_t lim = json_is_integer(max) ?
		    (size_t)json_integer_value(max) : (text ? 2000 : 200);
		if (lic_check_text(field, v, lim, text, e) != 0)
			return e->status;
		*out = json_string(v);
	} else if (strcmp(kind, "date") == 0) {
		if (check_date(field, v, e) != 0)
			return e->status;
		*out = json_string(v);
	} else if (strcmp(kind, "integer") == 0) {
		char *end;
		long long n;

		if (!isdigit((unsigned char)v[0]) && !(v[0] == '-' &&
		    isdigit((unsigned char)v[1])))
			return ecert_fail(e, ECERT_DATAERR, "field %s: %s: not "
			    "an integer", field, v);
		errno = 0;
		n = strtoll(v, &end, 10);
		if (*end != '\0' || errno != 0)
			return ecert_fail(e, ECERT_DATAERR, "field %s: %s: not "
			    "an integer", field, v);
		if ((json_is_integer(min) && n < json_integer_value(min)) ||
		    (json_is_integer(max) && n > json_integer_value(max)))
			return ecert_fail(e, ECERT_DATAERR, "field %s: %lld: "
			    "out of range", field, n);
		*out = json_integer(n);
	} else if (strcmp(kind, "enum") == 0) {
		char allowed[700];
		size_t used = 0;

		json_array_foreach(json_object_get(item, "values"), i, val) {
			if (strcmp(json_string_value(val), v) == 0) {
				*out = json_string(v);
				return 0;
			}
			if (used < sizeof(allowed))
				used += (size_t)snprintf(allowed + used,
				    sizeof(allowed) - used, "%s%s", i ? "、" :
				    "", json_string_value(val));
		}
		if (used >= sizeof(allowed))
			snprintf(allowed + sizeof(allowed) - 5, 5, "...");
		return ecert_fail(e, ECERT_DATAERR, "field %s: %s: not one of "
		    "the catalog's values: %s", field, v, allowed);
	} else if (strcmp(kind, "uscc") == 0) {
		if (!ecert_uscc_valid(v))
			return ecert_fail(e, ECERT_DATAERR, "field %s: not a "
			    "valid unified social credit code: %s", field,
			    ecert_uscc_why(v, why, sizeof(why)));
		*out = json_string(v);
	} else if (strcmp(kind, "citizen_id") == 0) {
		if (!ecert_citizen_id_valid(v))
			return ecert_fail(e, ECERT_DATAERR, "field %s: not a "
			    "valid citizen ID number: %s", field,
			    ecert_citizen_id_why(v, why, sizeof(why)));
		*out = json_string(v);
	} else
		return ecert_fail(e, ECERT_DATAERR, "field %s: unknown item "
		    "type %s", field, kind);
	return 0;
}

/* valid_from plus whole years, less one day: five years from 2024-03-01
 * run until 2029-02-28; from 29 February to a year without one, the
 * anniversary is 1 March, so four years from 2024-02-29 end on 2028-02-28
 * and one year on 2025-02-28. */
static void
add_years(const char *from, int years, char out[11])
{
	int y, m, d, ty;
	char tmp[11];

	ecert_date_parse(from, &y, &m, &d);
	ty = y + years;
	if (m == 2 && d == 29 && !(ty % 4 == 0 && (ty % 100 != 0 ||
	    ty % 400 == 0))) {
		m = 3;
		d = 1;
	}
	snprintf(tmp, sizeof(tmp), "%04d-%02d-%02d", ty, m, d);
	ecert_date_from_days(ecert_date_days(tmp) - 1, out);
}

/*
 * Every fault of a record, not only the first: the first sets e as
 * ecert_fail does, the others follow it, "; " between them, as far as
 * e->msg holds them.
 */
struct faults {
	struct ecert_error *e;
	int n;
};

static void
fault(struct faults *f, const struct ecert_error *one)
{
	size_t used;

	if (f->e == NULL)
		return;
	if (f->n++ == 0) {
		*f->e = *one;
		return;
	}
	used = strlen(f->e->msg);
	if (used + 3 < sizeof(f->e->msg))
		snprintf(f->e->msg + used, sizeof(f->e->msg) - used, "; %s",
		    one->msg);
}

int
ecert_license_validate(const json_t *type, const json_t *record,
    json_t **docp, struct ecert_error *e)
{
	return ecert_license_validate_flags(type, record, 0, docp, e);
}

/* Every key of the record is text (the reserved ones strings) and
 * either reserved or a data item of the type. */
static void
fields_check(const json_t *type, const json_t *record, struct faults *f)
{
	const char *key, *code = ecert_json_str(type, "code");
	struct ecert_error one;
	json_t *val;
	char buf[32];

	json_object_foreach((json_t *)record, key, val) {
		/* the license's own facts are text, never numbers */
		if (text_of(val, buf, sizeof(buf)) == NULL ||
		    (is_reserved(key) && !json_is_string(val))) {
			ecert_fail(&one, ECERT_DATAERR, "field %s: must be "
			    "a string", key);
			fault(f, &one);
		} else if (!is_reserved(key) && ecert_catalog_item(type,
		    key) == NULL) {
			ecert_fail(&one, ECERT_DATAERR, "field %s: not a "
			    "data item of type %s (%s)", key, code,
			    ecert_json_str(type, "name"));
			fault(f, &one);
		}
	}
}

/* The license's number and its holder (name and identifier, a unified
 * social credit code for a legal person, a citizen ID number else). */
static void
holder_check(const json_t *type, const json_t *record, json_t *doc,
    struct faults *f)
{
	const char *v, *name, *id;
	struct ecert_error one;
	char why[128];
	int legal = ecert_json_is(type, "holder", "legal");

	if ((v = ecert_json_str(record, "number")) == NULL) {
		if (json_object_get(record, "number") == NULL) {
			ecert_fail(&one, ECERT_DATAERR, "field number: "
			    "required");
			fault(f, &one);
		}
	} else if (lic_check_text("number", v, 64, 0, &one) != 0)
		fault(f, &one);
	else
		json_object_set_new(doc, "number", json_string(v));

	if ((name = ecert_json_str(record, "holder")) == NULL) {
		if (json_object_get(record, "holder") == NULL) {
			ecert_fail(&one, ECERT_DATAERR, "field holder: "
			    "required");
			fault(f, &one);
		}
	} else if (lic_check_text("holder", name, 200, 0, &one) != 0) {
		fault(f, &one);
		name = NULL;
	}
	if ((id = ecert_json_str(record, "holder_id")) == NULL) {
		if (json_object_get(record, "holder_id") == NULL) {
			ecert_fail(&one, ECERT_DATAERR, "field holder_id: "
			    "required");
			fault(f, &one);
		}
	} else if (legal && !ecert_uscc_valid(id)) {
		/* the value is not echoed: it may be an ID number typed in
		 * the wrong place, and refusals are audited */
		ecert_fail(&one, ECERT_DATAERR, "field holder_id: not a "
		    "valid unified social credit code: %s",
		    ecert_uscc_why(id, why, sizeof(why)));
		fault(f, &one);
		id = NULL;
	} else if (!legal && !ecert_citizen_id_valid(id)) {
		ecert_fail(&one, ECERT_DATAERR, "field holder_id: not a "
		    "valid citizen ID number: %s",
		    ecert_citizen_id_why(id, why, sizeof(why)));
		fault(f, &one);
		id = NULL;
	}
	if (name != NULL && id != NULL)
		json_object_set_new(doc, "holder", json_pack("{s:s, s:s, s:s}",
		    "name", name, "id_type", legal ? "001" : "111", "id", id));
}

/* The issue date (today unless historical), valid_from (the issue date
 * by default) and valid_until (the type's validity_years by default). */
static void
dates_check(const json_t *type, const json_t *record, int history,
    json_t *doc, struct faults *f)
{
	const char *issue_date, *from, *to;
	struct ecert_error one;
	char today[11], until[11];
	int dates_ok = 1;

	ecert_today(today);
	issue_date = ecert_json_str(record, "issue_date");
	if (issue_date == NULL && history &&
	    json_object_get(record, "issue_date") == NULL) {
		/* today is no date of a paper original */
		ecert_fail(&one, ECERT_DATAERR, "field issue_date: required "
		    "(a historical record keeps its own)");
		fault(f, &one);
		dates_ok = 0;
	} else if (issue_date == NULL)
		issue_date = today;
	if (dates_ok && check_date("issue_date", issue_date, &one) != 0) {
		fault(f, &one);
		dates_ok = 0;
	} else if (dates_ok && strcmp(issue_date, today) > 0) {
		ecert_fail(&one, ECERT_DATAERR, "field issue_date: %s: in the "
		    "future", issue_date);
		fault(f, &one);
		dates_ok = 0;
	}
	from = ecert_json_str(record, "valid_from");
	if (from == NULL)
		from = dates_ok ? issue_date : NULL;
	if (from != NULL && check_date("valid_from", from, &one) != 0) {
		fault(f, &one);
		from = NULL;
		dates_ok = 0;
	}
	to = ecert_json_str(record, "valid_until");
	if (to == NULL && from != NULL) {
		json_int_t years = json_integer_value(json_object_get(type,
		    "validity_years"));
		if (years > 0) {
			add_years(from, (int)years, until);
			to = until;
		}
	}
	if (to != NULL) {
		if (check_date("valid_until", to, &one) != 0) {
			fault(f, &one);
			dates_ok = 0;
		} else if (from != NULL && strcmp(to, from) < 0) {
			ecert_fail(&one, ECERT_DATAERR, "field valid_until: "
			    "%s: before valid_from %s", to, from);
			fault(f, &one);
			dates_ok = 0;
		}
	}
	if (dates_ok) {
		json_object_set_new(doc, "issue_date", json_string(issue_date));
		json_object_set_new(doc, "valid_from", json_string(from));
		json_object_set_new(doc, "valid_until", to ? json_string(to) :
		    json_null());
	}
}

/* The type's data items, by key or by label, into items; a required one
 * missing from a historical record goes to missing (not collected). */
static void
items_check(const json_t *type, const json_t *record, int history,
    json_t *items, json_t *missing, struct faults *f)
{
	const json_t *item, *given;
	const char *key, *label;
	struct ecert_error one;
	json_t *out = NULL;
	char buf[32];
	size_t i;

	json_array_foreach(json_object_get(type, "items"), i, item) {
		key = ecert_json_str(item, "key");
		label = ecert_json_str(item, "label");
		given = json_object_get(record, key);
		if (given == NULL)
			given = json_object_get(record, label);
		if (given == NULL) {
			if (!json_is_true(json_object_get(item, "required")))
				continue;
			if (history && !json_is_true(json_object_get(item,
			    "history_required"))) {
				json_array_append_new(missing,
				    json_string(key));
				continue;
			}
			ecert_fail(&one, ECERT_DATAERR, "field %s (%s): "
			    "required%s", key, label, history ? " (even for "
			    "a historical license)" : "");
			fault(f, &one);
			continue;
		}
		if (json_object_get(record, key) != NULL &&
		    json_object_get(record, label)) {
			ecert_fail(&one, ECERT_DATAERR, "field %s: given both "
			    "by key and by label", key);
			fault(f, &one);
			continue;
		}
		if (text_of(given, buf, sizeof(buf)) == NULL)
			continue;	/* said by fields_check */
		if (check_item(item, text_of(given, buf, sizeof(buf)), &out,
		    &one) != 0) {
			fault(f, &one);
			continue;
		}
		json_object_set_new(items, key, out);
	}
}

/*
 * With ECERT_PREP_HISTORICAL (article 10), a record of a legacy register
 * needs only the core facts: number, holder, holder code, issue date.  A
 * required item that its paper original never recorded is not collected
 * (未采集): listed in the document's "not_collected", the document marked
 * "partial".  An item the catalog marks history_required is required all
 * the same; whatever is present is checked as for a new license.
 */
int
ecert_license_validate_flags(const json_t *type, const json_t *record,
    int flags, json_t **docp, struct ecert_error *e)
{
	const char *v, *code = ecert_json_str(type, "code");
	int history = (flags & ECERT_PREP_HISTORICAL) != 0;
	json_t *doc, *items, *missing;
	struct faults f = { e, 0 };

	*docp = NULL;
	if (!json_is_object(record))
		return ecert_fail(e, ECERT_DATAERR, "record: not a JSON object");
	v = ecert_json_str(record, "type");
	if (json_object_get(record, "type") != NULL &&
	    (v == NULL || strcmp(v, code) != 0))
		return ecert_fail(e, ECERT_DATAERR, "field type: %s: does not "
		    "match %s", v ? v : "(not a string)", code);
	fields_check(type, record, &f);
	doc = json_object();
	items = json_object();
	missing = json_array();
	json_object_set_new(doc, "type", json_string(code));
	json_object_set_new(doc, "type_name",
	    json_string(ecert_json_str(type, "name")));
	holder_check(type, record, doc, &f);
	dates_check(type, record, history, doc, &f);
	items_check(type, record, history, items, missing, &f);
	if (f.n > 0) {
		json_decref(missing);
		json_decref(items);
		json_decref(doc);
		return e != NULL ? e->status : ECERT_DATAERR;
	}
	json_object_set_new(doc, "items", items);
	if (json_array_size(missing) > 0) {
		json_object_set_new(doc, "partial", json_true());
		json_object_set_new(doc, "not_collected", missing);
	} else
		json_decref(missing);
	*docp = doc;
	return 0;
}
