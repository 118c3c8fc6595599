/*
 * license.c: a license from a record to a signed document in the store,
 * and back again for showing and verifying.
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

static int
check_text(const char *field, const char *v, size_t max, int multiline,
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
		if (check_text(field, v, lim, text, e) != 0)
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
	const char *key, *v, *code = ecert_json_str(type, "code");
	const char *holder_kind = ecert_json_str(type, "holder");
	int history = (flags & ECERT_PREP_HISTORICAL) != 0;
	json_t *doc, *items, *val, *out = NULL, *missing;
	const json_t *item;
	char buf[32], today[11], until[11], why[128];
	const char *issue_date, *from, *to, *name, *id;
	struct faults f = { e, 0 };
	struct ecert_error one;
	size_t i;
	int legal, dates_ok = 1;

	*docp = NULL;
	if (!json_is_object(record))
		return ecert_fail(e, ECERT_DATAERR, "record: not a JSON object");
	v = ecert_json_str(record, "type");
	if (json_object_get(record, "type") != NULL &&
	    (v == NULL || strcmp(v, code) != 0))
		return ecert_fail(e, ECERT_DATAERR, "field type: %s: does not "
		    "match %s", v ? v : "(not a string)", code);
	json_object_foreach((json_t *)record, key, val) {
		/* the license's own facts are text, never numbers */
		if (text_of(val, buf, sizeof(buf)) == NULL ||
		    (is_reserved(key) && !json_is_string(val))) {
			ecert_fail(&one, ECERT_DATAERR, "field %s: must be "
			    "a string", key);
			fault(&f, &one);
		} else if (!is_reserved(key) && ecert_catalog_item(type,
		    key) == NULL) {
			ecert_fail(&one, ECERT_DATAERR, "field %s: not a "
			    "data item of type %s (%s)", key, code,
			    ecert_json_str(type, "name"));
			fault(&f, &one);
		}
	}
	doc = json_object();
	items = json_object();
	missing = json_array();
	json_object_set_new(doc, "type", json_string(code));
	json_object_set_new(doc, "type_name",
	    json_string(ecert_json_str(type, "name")));

	if ((v = ecert_json_str(record, "number")) == NULL) {
		if (json_object_get(record, "number") == NULL) {
			ecert_fail(&one, ECERT_DATAERR, "field number: "
			    "required");
			fault(&f, &one);
		}
	} else if (check_text("number", v, 64, 0, &one) != 0)
		fault(&f, &one);
	else
		json_object_set_new(doc, "number", json_string(v));

	legal = strcmp(holder_kind, "legal") == 0;
	if ((name = ecert_json_str(record, "holder")) == NULL) {
		if (json_object_get(record, "holder") == NULL) {
			ecert_fail(&one, ECERT_DATAERR, "field holder: "
			    "required");
			fault(&f, &one);
		}
	} else if (check_text("holder", name, 200, 0, &one) != 0) {
		fault(&f, &one);
		name = NULL;
	}
	if ((id = ecert_json_str(record, "holder_id")) == NULL) {
		if (json_object_get(record, "holder_id") == NULL) {
			ecert_fail(&one, ECERT_DATAERR, "field holder_id: "
			    "required");
			fault(&f, &one);
		}
	} else if (legal && !ecert_uscc_valid(id)) {
		/* the value is not echoed: it may be an ID number typed in
		 * the wrong place, and refusals are audited */
		ecert_fail(&one, ECERT_DATAERR, "field holder_id: not a "
		    "valid unified social credit code: %s",
		    ecert_uscc_why(id, why, sizeof(why)));
		fault(&f, &one);
		id = NULL;
	} else if (!legal && !ecert_citizen_id_valid(id)) {
		ecert_fail(&one, ECERT_DATAERR, "field holder_id: not a "
		    "valid citizen ID number: %s",
		    ecert_citizen_id_why(id, why, sizeof(why)));
		fault(&f, &one);
		id = NULL;
	}
	if (name != NULL && id != NULL)
		json_object_set_new(doc, "holder", json_pack("{s:s, s:s, s:s}",
		    "name", name, "id_type", legal ? "001" : "111", "id", id));

	ecert_today(today);
	issue_date = ecert_json_str(record, "issue_date");
	if (issue_date == NULL && history &&
	    json_object_get(record, "issue_date") == NULL) {
		/* today is no date of a paper original */
		ecert_fail(&one, ECERT_DATAERR, "field issue_date: required "
		    "(a historical record keeps its own)");
		fault(&f, &one);
		dates_ok = 0;
	} else if (issue_date == NULL)
		issue_date = today;
	if (dates_ok && check_date("issue_date", issue_date, &one) != 0) {
		fault(&f, &one);
		dates_ok = 0;
	} else if (dates_ok && strcmp(issue_date, today) > 0) {
		ecert_fail(&one, ECERT_DATAERR, "field issue_date: %s: in the "
		    "future", issue_date);
		fault(&f, &one);
		dates_ok = 0;
	}
	from = ecert_json_str(record, "valid_from");
	if (from == NULL)
		from = dates_ok ? issue_date : NULL;
	if (from != NULL && check_date("valid_from", from, &one) != 0) {
		fault(&f, &one);
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
			fault(&f, &one);
			dates_ok = 0;
		} else if (from != NULL && strcmp(to, from) < 0) {
			ecert_fail(&one, ECERT_DATAERR, "field valid_until: "
			    "%s: before valid_from %s", to, from);
			fault(&f, &one);
			dates_ok = 0;
		}
	}
	if (dates_ok) {
		json_object_set_new(doc, "issue_date", json_string(issue_date));
		json_object_set_new(doc, "valid_from", json_string(from));
		json_object_set_new(doc, "valid_until", to ? json_string(to) :
		    json_null());
	}

	json_array_foreach(json_object_get(type, "items"), i, val) {
		const json_t *given;
		const char *label;

		item = val;
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
			fault(&f, &one);
			continue;
		}
		if (json_object_get(record, key) != NULL &&
		    json_object_get(record, label)) {
			ecert_fail(&one, ECERT_DATAERR, "field %s: given both "
			    "by key and by label", key);
			fault(&f, &one);
			continue;
		}
		if (text_of(given, buf, sizeof(buf)) == NULL)
			continue;	/* said above */
		if (check_item(item, text_of(given, buf, sizeof(buf)), &out,
		    &one) != 0) {
			fault(&f, &one);
			continue;
		}
		json_object_set_new(items, key, out);
	}
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

/* The identifier's serial: the paper number where it fits, else a digest
 * of it, so that the same number always gives the same identifier. */
static void
make_serial(const char *type, const char *number, char out[33])
{
	unsigned char h[8];
	char hx[17];

	if (ecert_serial_valid(number)) {
		snprintf(out, 33, "%s", number);
		return;
	}
	crypto_generichash_state st;
	crypto_generichash_init(&st, NULL, 0, sizeof(h));
	crypto_generichash_update(&st, (const unsigned char *)type,
	    strlen(type) + 1);
	crypto_generichash_update(&st, (const unsigned char *)number,
	    strlen(number));
	crypto_generichash_final(&st, h, sizeof(h));
	sodium_bin2hex(hx, sizeof(hx), h, sizeof(h));
	for (int i = 0; hx[i]; i++)
		hx[i] = (char)toupper((unsigned char)hx[i]);
	snprintf(out, 33, "H%.15s", hx);
}

json_t *
ecert_signed_form(const json_t *doc, const char *key_id, const char *signer,
    const char *sig)
{
	return ecert_signed_form_alg(doc, "ed25519", key_id, signer, sig);
}

json_t *
ecert_signed_form_alg(const json_t *doc, const char *alg, const char *key_id,
    const char *signer, const char *sig)
{
	return json_pack("{s:O, s:{s:s, s:s, s:s, s:s}}", "document", doc,
	    "signature", "alg", alg, "key_id", key_id, "signer", signer,
	    "value", sig);
}

int
ecert_may_issue(struct ecert_store *s, const struct ecert_actor *a,
    const char *type_code, json_t **typep, struct ecert_error *e)
{
	json_t *type;
	const char *issuer;

	*typep = NULL;
	if (type_code == NULL)
		return ecert_fail(e, ECERT_DATAERR, "field type: required");
	if ((type = ecert_catalog_get(s, type_code)) == NULL)
		return ecert_fail(e, ECERT_DATAERR, "field type: %s: not in "
		    "the catalog", type_code);
	issuer = ecert_json_str(type, "issuer");
	if (!(a->roles & ECERT_ROLE_ISSUER) || strcmp(issuer, a->unit) != 0) {
		ecert_fail(e, ECERT_NOPERM, "unit %s may not issue type %s "
		    "(%s): the catalog assigns it to %s", a->unit, type_code,
		    ecert_json_str(type, "name"), issuer);
		json_decref(type);
		return ECERT_NOPERM;
	}
	*typep = type;
	return 0;
}

void
ecert_prepared_free(struct ecert_prepared *p)
{
	json_decref(p->doc);
	free(p->canon);
	free(p->sealed);
	free(p->compact);
	memset(p, 0, sizeof(*p));
}

/* Signs a built document now: its time, canonical form, seal, and the
 * compact body a QR token carries. */
static int
sign_prepared(const struct ecert_store *s, const struct ecert_actor *a,
    const json_t *type, struct ecert_prepared *p, struct ecert_error *e)
{
	unsigned char *body;
	size_t bodyn;
	char today[11];
	const char *until;
	struct ecert_error te;

	ecert_now_iso(p->signed_at);
	json_object_set_new(p->doc, "signed_at", json_string(p->signed_at));
	free(p->canon);
	free(p->sealed);
	free(p->compact);
	p->sealed = p->compact = NULL;
	if ((p->canon = ecert_json_canonical(p->doc)) == NULL)
		return ecert_fail(e, ECERT_DATAERR, "license: cannot encode");
	ecert_sign(&a->key, ECERT_DOMAIN_LICENSE, p->canon, strlen(p->canon),
	    p->sig);
	p->sealed = ecert_pii_seal(s, p->canon, strlen(p->canon), &p->sealedn);
	/* a license too long for a QR code is still a license: it just
	 * cannot be shown as one */
	if (ecert_compact_build(type, p->doc, &a->key, &body, &bodyn,
	    &te) == 0) {
		p->compact = ecert_pii_seal(s, (char *)body, bodyn,
		    &p->compactn);
		free(body);
	}
	p->draft = 0;
	/* a historical license whose term has ended comes in as expired */
	ecert_today(today);
	until = ecert_json_str(p->doc, "valid_until");
	p->status = until != NULL && strcmp(until, today) < 0 ? "expired" :
	    "valid";
	return 0;
}

/*
 * Everything but the write: validate, build, sign and seal.  It touches
 * no SQLite handle, so import workers run it in parallel.  A draft (asked
 * for, or any license of a type that needs review) is kept unsigned.
 */
int
ecert_license_prepare(const struct ecert_store *s, const struct ecert_actor *a,
    const json_t *type, const json_t *record, int flags, int version,
    struct ecert_prepared *p, struct ecert_error *e)
{
	const char *type_code = ecert_json_str(type, "code");
	const json_t *holder;
	char serial[33];
	int rc;

	memset(p, 0, sizeof(*p));
	if ((rc = ecert_license_validate_flags(type, record, flags, &p->doc,
	    e)) != 0)
		return rc;
	make_serial(type_code, ecert_json_str(p->doc, "number"), serial);
	if (ecert_identifier_make(p->id, sizeof(p->id), type_code, a->unit,
	    serial, version) != 0) {
		ecert_prepared_free(p);
		return ecert_fail(e, ECERT_DATAERR, "cannot make an identifier "
		    "from type %s, issuer %s, serial %s", type_code, a->unit,
		    serial);
	}
	p->version = version;
	json_object_set_new(p->doc, "id", json_string(p->id));
	json_object_set_new(p->doc, "version", json_integer(version));
	json_object_set_new(p->doc, "issuer", json_pack("{s:s, s:s}", "code",
	    a->unit, "name", a->name));
	if (flags & ECERT_PREP_HISTORICAL)
		json_object_set_new(p->doc, "historical", json_true());
	holder = json_object_get(p->doc, "holder");
	ecert_pii_hash(s, ecert_json_str(holder, "id"), p->holder_hash);
	p->legal = strcmp(ecert_json_str(type, "holder"), "legal") == 0;
	p->historical = (flags & ECERT_PREP_HISTORICAL) != 0;
	if ((flags & ECERT_PREP_DRAFT) || json_is_true(json_object_get(type,
	    "review"))) {
		p->draft = 1;
		p->status = "draft";
		if ((p->canon = ecert_json_canonical(p->doc)) == NULL) {
			ecert_prepared_free(p);
			return ecert_fail(e, ECERT_DATAERR, "license: cannot "
			    "encode");
		}
		p->sealed = ecert_pii_seal(s, p->canon, strlen(p->canon),
		    &p->sealedn);
		return 0;
	}
	if ((rc = sign_prepared(s, a, type, p, e)) != 0)
		ecert_prepared_free(p);
	return rc;
}

/* Returns ECERT_NO (with e) when the identifier is already taken. */
int
ecert_license_store(struct ecert_store *s, const struct ecert_actor *a,
    const struct ecert_prepared *p, struct ecert_error *e)
{
	const json_t *doc = p->doc, *holder = json_object_get(doc, "holder");
	sqlite3_stmt *st;
	uint32_t index;
	int rc;

	if (!p->draft && (rc = ecert_status_next(s, &index, e)) != 0)
		return rc;
	if (s->insert_license == NULL)
		s->insert_license = ecert_prepare(s, "INSERT INTO licenses(id,"
		    " type, number, version, issuer, holder_name, holder_code,"
		    " holder_hash, issue_date, valid_from, valid_until, status,"
		    " historical, document, key_id, signature, created_at,"
		    " compact, status_index, drafted_by)"
		    " VALUES (?1,?2,?3,?19,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,"
		    "?14,?15,?16,?17,?18,?20)", e);
	if ((st = s->insert_license) == NULL)
		return e->status;
	ecert_bind_text(st, 1, p->id);
	ecert_bind_text(st, 2, ecert_json_str(doc, "type"));
	ecert_bind_text(st, 3, ecert_json_str(doc, "number"));
	ecert_bind_text(st, 4, a->unit);
	ecert_bind_text(st, 5, ecert_json_str(holder, "name"));
	ecert_bind_text(st, 6, p->legal ? ecert_json_str(holder, "id") : NULL);
	ecert_bind_text(st, 7, p->holder_hash);
	ecert_bind_text(st, 8, ecert_json_str(doc, "issue_date"));
	ecert_bind_text(st, 9, ecert_json_str(doc, "valid_from"));
	ecert_bind_text(st, 10, ecert_json_str(doc, "valid_until"));
	ecert_bind_text(st, 11, p->status);
	sqlite3_bind_int(st, 12, p->historical);
	sqlite3_bind_blob(st, 13, p->sealed, (int)p->sealedn, SQLITE_STATIC);
	ecert_bind_text(st, 14, a->key.key_id);
	ecert_bind_text(st, 15, p->draft ? "" : p->sig);
	if (p->draft) {
		char now[21];
		ecert_now_iso(now);
		ecert_bind_text(st, 16, now);
	} else
		ecert_bind_text(st, 16, p->signed_at);
	if (p->draft) {
		sqlite3_bind_null(st, 17);
		sqlite3_bind_null(st, 18);
		ecert_bind_text(st, 20, s->os_user);
	} else {
		if (p->compact != NULL)
			sqlite3_bind_blob(st, 17, p->compact,
			    (int)p->compactn, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 17);
		sqlite3_bind_int64(st, 18, index);
		sqlite3_bind_null(st, 20);
	}
	sqlite3_bind_int(st, 19, p->version);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc == SQLITE_DONE && !p->draft && ecert_status_taken(s, e) != 0)
		return e->status;
	if ((rc & 0xff) == SQLITE_CONSTRAINT)
		return ecert_fail(e, ECERT_NO, "field number: %s: a license of "
		    "type %s with this number is already in the store (%s)",
		    ecert_json_str(doc, "number"), ecert_json_str(doc, "type"),
		    p->id);
	if (rc != SQLITE_DONE)
		return ecert_sql_fail(s, e, rc, "license");
	return 0;
}

/* A number whose draft was rejected is drafted again as the next
 * version: nothing is deleted, and the number is not lost. */
static int
redraft_version(struct ecert_store *s, const json_t *record)
{
	sqlite3_stmt *st;
	int version = 1;

	st = ecert_prepare(s, "SELECT version, status, coalesce(review, '')"
	    " FROM licenses WHERE type = ? AND number = ?"
	    " ORDER BY version DESC LIMIT 1", NULL);
	if (st == NULL)
		return 1;
	ecert_bind_text(st, 1, ecert_json_str(record, "type"));
	ecert_bind_text(st, 2, ecert_json_str(record, "number"));
	if (sqlite3_step(st) == SQLITE_ROW &&
	    strcmp((const char *)sqlite3_column_text(st, 1), "draft") == 0 &&
	    strncmp((const char *)sqlite3_column_text(st, 2), "rejected",
	    8) == 0)
		version = sqlite3_column_int(st, 0) + 1;
	sqlite3_finalize(st);
	return version;
}

int
ecert_license_issue(struct ecert_store *s, const struct ecert_actor *a,
    const json_t *record, int draft, char *id, size_t idn,
    struct ecert_error *e)
{
	struct ecert_prepared p;
	json_t *type;
	int rc;

	if ((rc = ecert_may_issue(s, a, ecert_json_str(record, "type"), &type,
	    e)) != 0)
		return rc;
	rc = ecert_license_prepare(s, a, type, record, draft ? ECERT_PREP_DRAFT :
	    0, redraft_version(s, record), &p, e);
	json_decref(type);
	if (rc != 0)
		return rc;
	rc = ecert_license_store(s, a, &p, e);
	if (rc == ECERT_NO)
		rc = e->status = ECERT_DATAERR;
	if (rc == 0) {
		snprintf(id, idn, "%s", p.id);
		rc = ecert_audit(s, a->unit, p.draft ? "license.draft" :
		    "license.issue", p.id, "ok", ecert_json_str(p.doc, "type"));
	}
	ecert_prepared_free(&p);
	return rc;
}

/* The row's clear columns, for checking against the signed document. */
struct license_row {
	char id[160], type[32], number[260], issuer[19], holder_name[800];
	char holder_code[19], holder_hash[65], issue_date[11], valid_from[11];
	char valid_until[11], status[16], key_id[17], signature[89];
	char drafted_by[64], review[600];
	int version;
	char *canon;		/* the opened document */
};

static void
col(sqlite3_stmt *st, int i, char *out, size_t n)
{
	const unsigned char *v = sqlite3_column_text(st, i);

	snprintf(out, n, "%s", v ? (const char *)v : "");
}

/* Returns 0, ECERT_NO (not found), or ECERT_IOERR/ECERT_BUSY. */
static int
row_load(struct ecert_store *s, const char *id, struct license_row *r,
    struct ecert_error *e)
{
	sqlite3_stmt *st;
	int rc;

	memset(r, 0, sizeof(*r));
	st = ecert_prepare(s, "SELECT id, type, number, version, issuer,"
	    " holder_name, holder_code, holder_hash, issue_date, valid_from,"
	    " valid_until, status, key_id, signature, document,"
	    " drafted_by, review FROM licenses WHERE id = ?", e);
	if (st == NULL)
		return e->status;
	ecert_bind_text(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		sqlite3_finalize(st);
		return ecert_fail(e, ECERT_NO, "%s: not found", id);
	}
	if (rc != SQLITE_ROW) {
		ecert_sql_fail(s, e, rc, "license");
		sqlite3_finalize(st);
		return e->status;
	}
	col(st, 0, r->id, sizeof(r->id));
	col(st, 1, r->type, sizeof(r->type));
	col(st, 2, r->number, sizeof(r->number));
	r->version = sqlite3_column_int(st, 3);
	col(st, 4, r->issuer, sizeof(r->issuer));
	col(st, 5, r->holder_name, sizeof(r->holder_name));
	col(st, 6, r->holder_code, sizeof(r->holder_code));
	col(st, 7, r->holder_hash, sizeof(r->holder_hash));
	col(st, 8, r->issue_date, sizeof(r->issue_date));
	col(st, 9, r->valid_from, sizeof(r->valid_from));
	col(st, 10, r->valid_until, sizeof(r->valid_until));
	col(st, 11, r->status, sizeof(r->status));
	col(st, 12, r->key_id, sizeof(r->key_id));
	col(st, 13, r->signature, sizeof(r->signature));
	r->canon = ecert_pii_open(s, sqlite3_column_blob(st, 14),
	    (size_t)sqlite3_column_bytes(st, 14), NULL);
	col(st, 15, r->drafted_by, sizeof(r->drafted_by));
	col(st, 16, r->review, sizeof(r->review));
	sqlite3_finalize(st);
	return 0;
}

static const char *row_tampered(struct ecert_store *s,
    const struct license_row *r, const json_t *doc, char *why, size_t whyn);

int
ecert_license_load(struct ecert_store *s, const char *id, json_t **signed_doc,
    char *status, size_t statusn, struct ecert_error *e)
{
	struct license_row r;
	json_t *doc;
	int rc;

	*signed_doc = NULL;
	if ((rc = row_load(s, id, &r, e)) != 0)
		return rc;
	if (r.canon == NULL || (doc = json_loads(r.canon, 0, NULL)) == NULL) {
		free(r.canon);
		ecert_facts_tampered(s, id, "stored document altered");
		return ecert_fail(e, ECERT_NO, "%s: stored document altered or"
		    " sealed with another key", id);
	}
	if (strcmp(r.status, "draft") != 0) {
		/* nothing is shown on the store's word (article 23) */
		char why[512];

		if (row_tampered(s, &r, doc, why, sizeof(why)) != NULL) {
			free(r.canon);
			json_decref(doc);
			ecert_facts_tampered(s, id, why);
			return ecert_fail(e, ECERT_NO, "%s: tampering: %s", id,
			    why);
		}
	}
	free(r.canon);
	{
		struct ecert_pub p;

		*signed_doc = ecert_signed_form_alg(doc, ecert_alg_name(
		    ecert_key_lookup_pub(s, r.key_id, &p, NULL, NULL, NULL) ?
		    p.alg : ECERT_ALG_ED25519), r.key_id, r.issuer,
		    r.signature);
	}
	json_decref(doc);
	snprintf(status, statusn, "%s", r.status);
	return 0;
}

static int
str_is(const json_t *o, const char *key, const char *want)
{
	const char *v = ecert_json_str(o, key);

	if (*want == '\0')
		return json_is_null(json_object_get(o, key));
	return v != NULL && strcmp(v, want) == 0;
}

/* The clear columns say what the signed document says. */
static const char *
row_matches(struct ecert_store *s, const struct license_row *r,
    const json_t *doc)
{
	const json_t *holder = json_object_get(doc, "holder");
	const json_t *issuer = json_object_get(doc, "issuer");
	char hash[65];
	const char *hid = ecert_json_str(holder, "id");

	if (!str_is(doc, "id", r->id))
		return "identifier";
	if (!str_is(doc, "type", r->type))
		return "type";
	if (!str_is(doc, "number", r->number))
		return "number";
	if (json_integer_value(json_object_get(doc, "version")) != r->version)
		return "version";
	if (!str_is(issuer, "code", r->issuer))
		return "issuer";
	if (!str_is(holder, "name", r->holder_name))
		return "holder";
	if (hid == NULL)
		return "holder_id";
	ecert_pii_hash(s, hid, hash);
	if (strcmp(hash, r->holder_hash) != 0)
		return "holder_id";
	if (r->holder_code[0] != '\0' && strcmp(hid, r->holder_code) != 0)
		return "holder_id";
	if (!str_is(doc, "issue_date", r->issue_date))
		return "issue_date";
	if (!str_is(doc, "valid_from", r->valid_from))
		return "valid_from";
	if (!str_is(doc, "valid_until", r->valid_until))
		return "valid_until";
	return NULL;
}

/*
 * The status column must be what the license's signed chain of events
 * says (facts.c); returns NULL when it is, else why not.
 */
static const char *
events_check(struct ecert_store *s, const struct license_row *r,
    char *why, size_t n)
{
	char derived[16];

	return ecert_facts_check(s, r->id, r->canon, r->valid_until,
	    r->status, derived, sizeof(derived), why, n);
}

/*
 * The row against its signatures: the document's seal by a key of the
 * issuer valid when it signed, the clear columns, the chain of events.
 * NULL when all hold, else why not (tampering).
 */
static const char *
row_tampered(struct ecert_store *s, const struct license_row *r,
    const json_t *doc, char *why, size_t whyn)
{
	struct ecert_pub pk;
	char unit[19], nb[21], na[21];
	const char *bad, *signed_at;

	if (!ecert_key_lookup_pub(s, r->key_id, &pk, unit, nb, na)) {
		ecert_whyf(why, whyn, "signed with unknown key %s", r->key_id);
		return why;
	}
	if (strcmp(unit, r->issuer) != 0) {
		ecert_whyf(why, whyn, "key %s belongs to %s, not to the issuer %s",
		    r->key_id, unit, r->issuer);
		return why;
	}
	{
		/* the issuer's role as the platform signed it */
		int roles = 0;

		if (!ecert_unit_name(s, r->issuer, NULL, 0, &roles) ||
		    !(roles & ECERT_ROLE_ISSUER)) {
			ecert_whyf(why, whyn, "the issuer %s has no issuer role "
			    "signed by the platform", r->issuer);
			return why;
		}
	}
	if (!ecert_verify(&pk, ECERT_DOMAIN_LICENSE, r->canon,
	    strlen(r->canon), r->signature)) {
		ecert_whyf(why, whyn, "signature does not match the document");
		return why;
	}
	signed_at = ecert_json_str(doc, "signed_at");
	if (signed_at == NULL || strcmp(signed_at, nb) < 0 ||
	    (na[0] != '\0' && strcmp(signed_at, na) > 0)) {
		ecert_whyf(why, whyn, "signed at %s, outside the validity"
		    " of key %s", signed_at ? signed_at : "?", r->key_id);
		return why;
	}
	if ((bad = row_matches(s, r, doc)) != NULL) {
		ecert_whyf(why, whyn, "store row altered: %s differs from the "
		    "signed document", bad);
		return why;
	}
	return events_check(s, r, why, whyn);
}

int
ecert_license_facts(struct ecert_store *s, const char *id, char *derived,
    size_t derivedn, char *why, size_t whyn, struct ecert_error *e)
{
	struct license_row r;
	json_t *doc = NULL;
	int rc;

	snprintf(derived, derivedn, "invalid");
	why[0] = '\0';
	if ((rc = row_load(s, id, &r, e)) != 0)
		return rc;
	rc = 0;
	if (strcmp(r.status, "draft") == 0) {
		snprintf(derived, derivedn, "draft");
		goto out;
	}
	if (r.canon == NULL || (doc = json_loads(r.canon, 0, NULL)) == NULL) {
		ecert_whyf(why, whyn, "stored document altered");
		rc = ECERT_NO;
	} else if (row_tampered(s, &r, doc, why, whyn) != NULL)
		rc = ECERT_NO;
	else
		ecert_facts_check(s, r.id, r.canon, r.valid_until, r.status,
		    derived, derivedn, why, whyn);
	if (rc != 0) {
		ecert_facts_tampered(s, id, why);
		snprintf(derived, derivedn, "invalid");
	}
out:
	json_decref(doc);
	free(r.canon);
	return rc;
}

/* Validity dates against today; NULL when in force. */
static const char *
dates_check(const json_t *doc, char *status, size_t statusn, char *why,
    size_t n)
{
	char today[11];
	const char *from = ecert_json_str(doc, "valid_from");
	const char *until = ecert_json_str(doc, "valid_until");

	ecert_today(today);
	if (from != NULL && strcmp(today, from) < 0) {
		snprintf(status, statusn, "not-yet-valid");
		ecert_whyf(why, n, "not valid before %s", from);
		return why;
	}
	if (until != NULL && strcmp(today, until) > 0) {
		snprintf(status, statusn, "expired");
		ecert_whyf(why, n, "expired on %s", until);
		return why;
	}
	return NULL;
}

int
ecert_license_verify(struct ecert_store *s, const char *id, char *status,
    size_t statusn, char *why, size_t whyn, struct ecert_error *e)
{
	struct license_row r;
	json_t *doc = NULL;
	int rc;

	snprintf(status, statusn, "invalid");
	why[0] = '\0';
	if ((rc = row_load(s, id, &r, e)) != 0) {
		if (rc == ECERT_NO) {
			snprintf(status, statusn, "not-found");
			ecert_whyf(why, whyn, "not in the store");
		}
		return rc;
	}
	rc = ECERT_NO;
	if (strcmp(r.status, "draft") == 0) {
		/* drafts are never shown to verification as licenses */
		snprintf(status, statusn, "draft");
		if (r.review[0] != '\0')
			ecert_whyf(why, whyn, "a draft, not signed: %s", r.review);
		else
			ecert_whyf(why, whyn, "a draft awaiting review, not "
			    "signed");
		goto out;
	}
	if (r.canon == NULL || (doc = json_loads(r.canon, 0, NULL)) == NULL)
		ecert_whyf(why, whyn, "stored document altered");
	if (doc == NULL || row_tampered(s, &r, doc, why, whyn) != NULL) {
		/* tampering (article 23): never valid, and on the record */
		ecert_facts_tampered(s, id, why);
		goto out;
	}
	if (strcmp(r.status, "valid") != 0 && strcmp(r.status, "expired") != 0) {
		snprintf(status, statusn, "%s", r.status);
		snprintf(why, whyn, "%s", r.status);
		goto out;
	}
	if (dates_check(doc, status, statusn, why, whyn) != NULL)
		goto out;
	snprintf(status, statusn, "valid");
	rc = 0;
out:
	json_decref(doc);
	free(r.canon);
	return rc;
}

/* A trusted key: in the list, of the issuer, valid when it signed. */
static const json_t *
trusted_key(const json_t *trust, const char *key_id)
{
	size_t i;
	const json_t *k;

	json_array_foreach(trust, i, k)
		if (str_is(k, "key_id", key_id))
			return k;
	return NULL;
}

int
ecert_license_verify_doc(const json_t *signed_doc, const json_t *trust,
    char *why, size_t n)
{
	const json_t *doc = json_object_get(signed_doc, "document");
	const json_t *sig = json_object_get(signed_doc, "signature");
	const json_t *k;
	const char *key_id = ecert_json_str(sig, "key_id");
	const char *signed_at = ecert_json_str(doc, "signed_at");
	const char *na, *nb;
	struct ecert_pub pk;
	char status[32], *canon;
	int ok;

	if (!json_is_object(doc) || !json_is_object(sig) || key_id == NULL ||
	    signed_at == NULL || ecert_json_str(sig, "alg") == NULL ||
	    ecert_alg_parse(ecert_json_str(sig, "alg")) < 0) {
		ecert_whyf(why, n, "not a signed ecert license document");
		return ECERT_DATAERR;
	}
	if ((k = trusted_key(trust, key_id)) == NULL) {
		ecert_whyf(why, n, "key %s is not in the trust list", key_id);
		return ECERT_NO;
	}
	if (!str_is(json_object_get(doc, "issuer"), "code",
	    ecert_json_str(k, "unit") ? ecert_json_str(k, "unit") : "-")) {
		ecert_whyf(why, n, "key %s does not belong to the issuer", key_id);
		return ECERT_NO;
	}
	if (!ecert_pub_parse(ecert_json_str(k, "alg"), ecert_json_str(k,
	    "public_key"), &pk)) {
		ecert_whyf(why, n, "trust list: key %s: bad public key", key_id);
		return ECERT_NO;
	}
	/* the document says which algorithm; the key must agree */
	if (pk.alg != ecert_alg_parse(ecert_json_str(sig, "alg"))) {
		ecert_whyf(why, n, "signature says %s, key %s is %s",
		    ecert_json_str(sig, "alg"), key_id, ecert_alg_name(pk.alg));
		return ECERT_NO;
	}
	if ((canon = ecert_json_canonical(doc)) == NULL) {
		ecert_whyf(why, n, "document cannot be put in canonical form");
		return ECERT_NO;
	}
	ok = ecert_verify(&pk, ECERT_DOMAIN_LICENSE, canon, strlen(canon),
	    ecert_json_str(sig, "value"));
	free(canon);
	if (!ok) {
		ecert_whyf(why, n, "signature does not match the document");
		return ECERT_NO;
	}
	nb = ecert_json_str(k, "not_before");
	na = ecert_json_str(k, "not_after");
	if ((nb != NULL && strcmp(signed_at, nb) < 0) ||
	    (na != NULL && strcmp(signed_at, na) > 0)) {
		ecert_whyf(why, n, "signed at %s, outside the validity of key %s",
		    signed_at, key_id);
		return ECERT_NO;
	}
	if (dates_check(doc, status, sizeof(status), why, n) != NULL)
		return ECERT_NO;
	return 0;
}

static int
insert_event(struct ecert_store *s, const struct ecert_actor *a,
    const char *id, const char *action, const char *status,
    const char *reason, struct ecert_error *e)
{
	return ecert_event_append(s, a, id, action, status, reason, e);
}

static int
set_row_status(struct ecert_store *s, const char *id, const char *status,
    struct ecert_error *e)
{
	sqlite3_stmt *st;
	int rc;

	st = ecert_prepare(s, "UPDATE licenses SET status = ? WHERE id = ?", e);
	if (st == NULL)
		return e->status;
	ecert_bind_text(st, 1, status);
	ecert_bind_text(st, 2, id);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return ecert_sql_fail(s, e, rc, "license");
	return 0;
}

static int
transition(const char *from, const char *action, const char **to)
{
	if (strcmp(action, "revoke") == 0) {
		*to = "revoked";
		return strcmp(from, "valid") == 0 ||
		    strcmp(from, "suspended") == 0 ||
		    strcmp(from, "expired") == 0;
	}
	if (strcmp(action, "suspend") == 0) {
		*to = "suspended";
		return strcmp(from, "valid") == 0;
	}
	if (strcmp(action, "reinstate") == 0) {
		*to = "valid";
		return strcmp(from, "suspended") == 0;
	}
	*to = NULL;
	return 0;
}

int
ecert_license_set_status(struct ecert_store *s, const struct ecert_actor *a,
    const char *id, const char *action, const char *reason,
    struct ecert_error *e)
{
	struct license_row r;
	const char *to;
	char audit_action[32];
	int rc;

	snprintf(audit_action, sizeof(audit_action), "license.%s", action);
	if (reason == NULL || *reason == '\0')
		return ecert_fail(e, ECERT_USAGE, "%s: a reason is required",
		    action);
	if (check_text("reason", reason, 500, 0, e) != 0)
		return e->status;
	if ((rc = row_load(s, id, &r, e)) != 0)
		return rc;
	{
		/* a change is made only on facts that hold */
		json_t *doc = r.canon ? json_loads(r.canon, 0, NULL) : NULL;
		char why[512] = "stored document altered";

		if (doc == NULL || row_tampered(s, &r, doc, why,
		    sizeof(why)) != NULL) {
			json_decref(doc);
			free(r.canon);
			ecert_facts_tampered(s, id, why);
			return ecert_fail(e, ECERT_NO, "%s: tampering: %s", id,
			    why);
		}
		json_decref(doc);
	}
	free(r.canon);
	if (strcmp(r.issuer, a->unit) != 0 || !(a->roles & ECERT_ROLE_ISSUER))
		return ecert_fail(e, ECERT_NOPERM, "%s: issued by %s; only the "
		    "issuing unit may %s it", id, r.issuer, action);
	if (!transition(r.status, action, &to))
		return ecert_fail(e, ECERT_NO, "%s: is %s; cannot %s it", id,
		    r.status, action);
	if ((rc = insert_event(s, a, id, action, to, reason, e)) != 0 ||
	    (rc = set_row_status(s, id, to, e)) != 0)
		return rc;
	if ((rc = ecert_audit(s, a->unit, audit_action, id, "ok", reason)) != 0)
		return ecert_fail(e, rc, "audit: cannot record the change");
	return 0;
}

/* Loads a draft the acting unit may review. */
static int
draft_load(struct ecert_store *s, const struct ecert_actor *a, const char *id,
    struct license_row *r, struct ecert_error *e)
{
	int rc;

	if ((rc = row_load(s, id, r, e)) != 0)
		return rc;
	if (strcmp(r->issuer, a->unit) != 0 || !(a->roles & ECERT_ROLE_ISSUER))
		return ecert_fail(e, ECERT_NOPERM, "%s: drafted for %s; only "
		    "that unit reviews it", id, r->issuer);
	if (strcmp(r->status, "draft") != 0)
		return ecert_fail(e, ECERT_NO, "%s: is %s, not a draft", id,
		    r->status);
	if (r->review[0] != '\0')
		return ecert_fail(e, ECERT_NO, "%s: the draft was %s", id,
		    r->review);
	/* 审核、签发 (article 9): four eyes, not two */
	if (strcmp(r->drafted_by, s->os_user) == 0)
		return ecert_fail(e, ECERT_NOPERM, "%s: drafted by %s, who may "
		    "not also approve or reject it", id, r->drafted_by);
	if (r->canon == NULL)
		return ecert_fail(e, ECERT_NO, "%s: stored draft altered", id);
	return 0;
}

int
ecert_license_approve(struct ecert_store *s, const struct ecert_actor *a,
    const char *id, struct ecert_error *e)
{
	struct license_row r;
	struct ecert_prepared p;
	sqlite3_stmt *st;
	json_t *type = NULL;
	uint32_t index;
	char detail[200];
	int rc;

	memset(&p, 0, sizeof(p));
	if ((rc = draft_load(s, a, id, &r, e)) != 0)
		goto out;
	if ((type = ecert_catalog_get(s, r.type)) == NULL) {
		rc = ecert_fail(e, ECERT_NO, "%s: type %s is no longer in the "
		    "catalog", id, r.type);
		goto out;
	}
	if ((p.doc = json_loads(r.canon, 0, NULL)) == NULL) {
		rc = ecert_fail(e, ECERT_NO, "%s: stored draft altered", id);
		goto out;
	}
	snprintf(p.id, sizeof(p.id), "%s", id);
	if ((rc = sign_prepared(s, a, type, &p, e)) != 0 ||
	    (rc = ecert_status_next(s, &index, e)) != 0)
		goto out;
	if ((rc = ecert_status_taken(s, e)) != 0)
		goto out;
	st = ecert_prepare(s, "UPDATE licenses SET document = ?, key_id = ?,"
	    " signature = ?, compact = ?, status_index = ?, status = ?,"
	    " review = 'approved' WHERE id = ? AND status = 'draft'", e);
	if (st == NULL) {
		rc = e->status;
		goto out;
	}
	sqlite3_bind_blob(st, 1, p.sealed, (int)p.sealedn, SQLITE_STATIC);
	ecert_bind_text(st, 2, a->key.key_id);
	ecert_bind_text(st, 3, p.sig);
	sqlite3_bind_blob(st, 4, p.compact, (int)p.compactn, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, index);
	ecert_bind_text(st, 6, p.status);
	ecert_bind_text(st, 7, id);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		rc = ecert_sql_fail(s, e, rc, "license");
		goto out;
	}
	snprintf(detail, sizeof(detail), "drafted by %s, approved by %s",
	    r.drafted_by, s->os_user);
	if ((rc = insert_event(s, a, id, "approve", p.status, detail, e)) == 0)
		rc = ecert_audit(s, a->unit, "license.approve", id, "ok",
		    detail);
out:
	free(r.canon);
	json_decref(type);
	ecert_prepared_free(&p);
	return rc;
}

int
ecert_license_reject(struct ecert_store *s, const struct ecert_actor *a,
    const char *id, const char *reason, struct ecert_error *e)
{
	struct license_row r;
	sqlite3_stmt *st;
	char review[600], detail[700];
	int rc;

	memset(&r, 0, sizeof(r));
	if (reason == NULL || *reason == '\0')
		return ecert_fail(e, ECERT_USAGE, "reject: a reason is required");
	if (check_text("reason", reason, 500, 0, e) != 0)
		return e->status;
	if ((rc = draft_load(s, a, id, &r, e)) != 0) {
		free(r.canon);
		return rc;
	}
	free(r.canon);
	snprintf(review, sizeof(review), "rejected by %s: %s", s->os_user,
	    reason);
	st = ecert_prepare(s, "UPDATE licenses SET review = ? WHERE id = ?", e);
	if (st == NULL)
		return e->status;
	ecert_bind_text(st, 1, review);
	ecert_bind_text(st, 2, id);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return ecert_sql_fail(s, e, rc, "license");
	snprintf(detail, sizeof(detail), "drafted by %s, %s", r.drafted_by,
	    review);
	return ecert_audit(s, a->unit, "license.reject", id, "ok", detail);
}

/* The record a document was made from, to amend it. */
static json_t *
record_of(const json_t *doc)
{
	static const char *fields[] = { "type", "number", "issue_date",
	    "valid_from", "valid_until", NULL };
	const json_t *holder = json_object_get(doc, "holder");
	json_t *r = json_object(), *v;
	const char *key;
	int i;

	for (i = 0; fields[i] != NULL; i++)
		if (json_is_string(v = json_object_get(doc, fields[i])))
			json_object_set(r, fields[i], v);
	json_object_set(r, "holder", json_object_get(holder, "name"));
	json_object_set(r, "holder_id", json_object_get(holder, "id"));
	json_object_foreach(json_object_get(doc, "items"), key, v)
		json_object_set(r, key, v);
	return r;
}

int
ecert_license_amend(struct ecert_store *s, const struct ecert_actor *a,
    const char *id, const json_t *changes, const char *reason, char *newid,
    size_t n, struct ecert_error *e)
{
	struct license_row r;
	struct ecert_prepared p;
	json_t *type = NULL, *doc = NULL, *record = NULL, *v;
	const json_t *item;
	const char *key;
	char detail[700];
	int rc;

	memset(&p, 0, sizeof(p));
	if (reason == NULL || *reason == '\0')
		return ecert_fail(e, ECERT_USAGE, "amend: a reason is required");
	if (check_text("reason", reason, 500, 0, e) != 0)
		return e->status;
	if ((rc = row_load(s, id, &r, e)) != 0)
		return rc;
	if (strcmp(r.issuer, a->unit) != 0 || !(a->roles & ECERT_ROLE_ISSUER)) {
		rc = ecert_fail(e, ECERT_NOPERM, "%s: issued by %s; only the "
		    "issuing unit may amend it", id, r.issuer);
		goto out;
	}
	if (strcmp(r.status, "valid") != 0) {
		rc = ecert_fail(e, ECERT_NO, "%s: is %s; only a valid license "
		    "can be amended%s", id, r.status, strcmp(r.status,
		    "suspended") == 0 ? " (reinstate it first)" : "");
		goto out;
	}
	if (r.canon == NULL || (doc = json_loads(r.canon, 0, NULL)) == NULL) {
		rc = ecert_fail(e, ECERT_NO, "%s: stored document altered", id);
		goto out;
	}
	if ((type = ecert_catalog_get(s, r.type)) == NULL) {
		rc = ecert_fail(e, ECERT_NO, "%s: type %s is no longer in the "
		    "catalog", id, r.type);
		goto out;
	}
	record = record_of(doc);
	json_object_foreach((json_t *)changes, key, v) {
		if (strcmp(key, "number") == 0 || strcmp(key, "holder_id") == 0 ||
		    strcmp(key, "type") == 0 || strcmp(key, "id") == 0) {
			rc = ecert_fail(e, ECERT_DATAERR, "field %s: cannot be "
			    "amended: revoke the license and issue a new one",
			    key);
			goto out;
		}
		item = ecert_catalog_item(type, key);
		if (item != NULL) {
			/* by label or key, the change replaces the item */
			json_object_del(record, ecert_json_str(item, "key"));
			json_object_set(record, ecert_json_str(item, "key"), v);
		} else
			json_object_set(record, key, v);
	}
	/* a historical license stays one: what it never recorded is still
	 * not collected, unless the amendment gives it */
	if ((rc = ecert_license_prepare(s, a, type, record,
	    json_is_true(json_object_get(doc, "historical")) ?
	    ECERT_PREP_HISTORICAL : 0, r.version + 1, &p, e)) != 0)
		goto out;
	{
		/* a new version must say something new */
		json_t *was = json_deep_copy(doc), *now = json_deep_copy(p.doc);
		static const char *meta[] = { "id", "version", "signed_at",
		    "issuer", "historical", NULL };
		int i, same;

		for (i = 0; meta[i] != NULL; i++) {
			json_object_del(was, meta[i]);
			json_object_del(now, meta[i]);
		}
		same = json_equal(was, now);
		json_decref(was);
		json_decref(now);
		if (same) {
			rc = ecert_fail(e, ECERT_DATAERR, "%s: the changes "
			    "leave the license as it is; nothing to amend", id);
			goto out;
		}
	}
	if (p.draft) {
		/* amendments are signed directly; review is for new issues */
		if ((rc = sign_prepared(s, a, type, &p, e)) != 0)
			goto out;
	}
	if ((rc = ecert_license_store(s, a, &p, e)) != 0) {
		if (rc == ECERT_NO)
			rc = e->status = ECERT_DATAERR;
		goto out;
	}
	snprintf(detail, sizeof(detail), "superseded by version %d: %s",
	    r.version + 1, reason);
	if ((rc = insert_event(s, a, id, "amend", "superseded", detail, e)) != 0)
		goto out;
	if ((rc = set_row_status(s, id, "superseded", e)) != 0)
		goto out;
	snprintf(detail, sizeof(detail), "version %d of %s: %s",
	    r.version + 1, id, reason);
	rc = ecert_audit(s, a->unit, "license.amend", p.id, "ok", detail);
	snprintf(newid, n, "%s", p.id);
out:
	free(r.canon);
	json_decref(doc);
	json_decref(type);
	json_decref(record);
	ecert_prepared_free(&p);
	return rc;
}

/* Every version of a license and every status event, oldest first. */
int
ecert_license_history(struct ecert_store *s, const char *id,
    int (*fn)(const json_t *entry, void *arg), void *arg,
    struct ecert_error *e)
{
	struct license_row r;
	sqlite3_stmt *st, *ev;
	int rc, n = 0;

	if ((rc = row_load(s, id, &r, e)) != 0)
		return rc;
	free(r.canon);
	st = ecert_prepare(s, "SELECT id, version, status, created_at,"
	    " drafted_by, review FROM licenses WHERE type = ? AND number = ?"
	    " ORDER BY version", e);
	ev = ecert_prepare(s, "SELECT time, unit, os_user, status, reason"
	    " FROM license_events WHERE license = ? ORDER BY seq", e);
	if (st == NULL || ev == NULL) {
		sqlite3_finalize(st);
		sqlite3_finalize(ev);
		return e->status;
	}
	ecert_bind_text(st, 1, r.type);
	ecert_bind_text(st, 2, r.number);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *vid = (const char *)sqlite3_column_text(st, 0);
		json_t *o = json_pack("{s:s, s:s, s:i, s:s, s:s}", "kind",
		    "version", "id", vid, "version", sqlite3_column_int(st, 1),
		    "status", sqlite3_column_text(st, 2), "time",
		    sqlite3_column_text(st, 3));

		if (sqlite3_column_type(st, 4) != SQLITE_NULL)
			json_object_set_new(o, "drafted_by", json_string(
			    (const char *)sqlite3_column_text(st, 4)));
		if (sqlite3_column_type(st, 5) != SQLITE_NULL)
			json_object_set_new(o, "review", json_string(
			    (const char *)sqlite3_column_text(st, 5)));
		fn(o, arg);
		json_decref(o);
		n++;
		ecert_bind_text(ev, 1, vid);
		while (sqlite3_step(ev) == SQLITE_ROW) {
			o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
			    "kind", "event", "id", vid, "time",
			    sqlite3_column_text(ev, 0), "unit",
			    sqlite3_column_text(ev, 1), "os_user",
			    sqlite3_column_text(ev, 2), "status",
			    sqlite3_column_text(ev, 3), "reason",
			    sqlite3_column_text(ev, 4));
			fn(o, arg);
			json_decref(o);
		}
		sqlite3_reset(ev);
	}
	sqlite3_finalize(st);
	sqlite3_finalize(ev);
	if (rc != SQLITE_DONE)
		return ecert_sql_fail(s, e, rc, "history");
	return 0;
}
