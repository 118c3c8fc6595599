/*
 * ecert-query: search licenses by holder, type, issuer, status and issue
 * date.  JSON Lines through a pipe, a table on a terminal, TSV with -o.
 */
#include <getopt.h>
#include <string.h>

#include "ecert.h"

static void
usage(void)
{
	fprintf(ecert_usage_stream(), "usage: ecert-query [-d file] [--store-key file] "
	    "[--holder name] [--holder-id id]\n"
	    "                   [--type code] [--issuer uscc] [--status status]"
	    " [--from date] [--to date]\n"
	    "                   [--json | --table | -o field,...]\n"
	    "       ecert-query --public --name name --uscc code "
	    "[--json | --table]\n");
	ecert_usage_exit();
}

static const char *fields_all[] = { "id", "type", "type_name", "number",
    "holder", "issuer", "issue_date", "valid_from", "valid_until", "status",
    NULL };

struct out {
	struct ecert_table *table;
	char **fields;
	int nfields;
	long count;
};

static int
emit(const json_t *row, void *arg)
{
	struct out *o = arg;
	const char *cells[10];
	int i;

	o->count++;
	if (o->fields != NULL) {
		for (i = 0; i < o->nfields; i++) {
			const char *v = ecert_json_str(row, o->fields[i]);
			printf("%s%s", i ? "\t" : "", v ? v : "");
		}
		putchar('\n');
		fflush(stdout);
	} else if (o->table != NULL) {
		cells[0] = ecert_json_str(row, "id");
		cells[1] = ecert_json_str(row, "type_name");
		cells[2] = ecert_json_str(row, "number");
		cells[3] = ecert_json_str(row, "holder");
		cells[4] = ecert_json_str(row, "issue_date");
		cells[5] = ecert_json_str(row, "valid_until");
		cells[6] = ecert_status_label(ecert_json_str(row, "status"));
		ecert_table_add(o->table, cells);
	} else
		ecert_print_json(row);
	return 0;
}

static int
known_field(const char *f)
{
	int i;

	for (i = 0; fields_all[i] != NULL; i++)
		if (strcmp(f, fields_all[i]) == 0)
			return 1;
	return 0;
}

static int
public_row(const json_t *row, void *arg)
{
	struct ecert_table *t = arg;
	const char *cells[6];
	char *items;

	if (t == NULL) {
		ecert_print_json(row);
		return 0;
	}
	items = json_dumps(json_object_get(row, "items"), JSON_COMPACT);
	cells[0] = ecert_json_str(row, "type_name");
	cells[1] = ecert_json_str(row, "number");
	cells[2] = ecert_json_str(row, "issuer");
	cells[3] = ecert_json_str(row, "valid_until") ? ecert_json_str(row,
	    "valid_until") : "长期";
	cells[4] = ecert_status_label(ecert_json_str(row, "status"));
	cells[5] = items;
	ecert_table_add(t, cells);
	free(items);
	return 0;
}

/* Anyone may ask; no key; audited as a public query. */
static int
public_query(const struct ecert_opts *o, const char *name, const char *uscc)
{
	static const char *headers[] = { "TYPE", "NUMBER", "ISSUER", "UNTIL",
	    "STATUS", "ITEMS" };
	struct ecert_table *t = NULL;
	struct ecert_store *s;
	struct ecert_error e;
	char detail[512];
	long count;
	int rc;

	if (name == NULL || uscc == NULL)
		ecert_die(ECERT_USAGE, "--public needs both --name and --uscc");
	/* audited without what was typed: it might be a citizen ID
	 * number, which is never kept in clear */
	if (!ecert_uscc_valid(uscc)) {
		s = ecert_opts_store(o);
		ecert_audit(s, NULL, "license.public-query", "(not a code)",
		    "rejected", "--uscc is not a unified social credit code");
		ecert_store_close(s);
		ecert_die(ECERT_DATAERR, "--uscc: not a valid unified social "
		    "credit code");
	}
	if (ecert_want_table(o->json, o->table))
		t = ecert_table_new(6, headers);
	s = ecert_opts_store(o);
	snprintf(detail, sizeof(detail), "%s %s", name, uscc);
	ecert_audit_access(s, NULL, "license.public-query", uscc, "asked",
	    detail);
	rc = ecert_public_query(s, name, uscc, public_row, t, &count, &e);
	snprintf(detail, sizeof(detail), "%s %s: %ld", name, uscc,
	    rc == 0 ? count : 0);
	if (rc != 0) {
		ecert_audit_refusal(s, NULL, "license.public-query", uscc, &e);
		ecert_die_error(&e);
	}
	ecert_audit(s, NULL, "license.public-query", uscc, count ? "ok" :
	    "not-found", detail);
	ecert_store_close(s);
	if (t != NULL) {
		if (count > 0)
			ecert_table_print(t, stdout);
		ecert_table_free(t);
	}
	if (count == 0) {
		ecert_warn("no publicly disclosable license for %s %s", name,
		    uscc);
		return ECERT_NO;
	}
	return 0;
}

int
main(int argc, char *argv[])
{
	enum { OPT_HOLDER = ECERT_OPT_FIRST_OWN, OPT_HOLDER_ID, OPT_TYPE,
	    OPT_ISSUER, OPT_STATUS, OPT_FROM, OPT_TO, OPT_PUBLIC, OPT_NAME,
	    OPT_USCC };
	static const struct option longopts[] = {
		ECERT_COMMON_LONGOPTS,
		{ "holder", required_argument, NULL, OPT_HOLDER },
		{ "holder-id", required_argument, NULL, OPT_HOLDER_ID },
		{ "type", required_argument, NULL, OPT_TYPE },
		{ "issuer", required_argument, NULL, OPT_ISSUER },
		{ "status", required_argument, NULL, OPT_STATUS },
		{ "from", required_argument, NULL, OPT_FROM },
		{ "to", required_argument, NULL, OPT_TO },
		{ "public", no_argument, NULL, OPT_PUBLIC },
		{ "name", required_argument, NULL, OPT_NAME },
		{ "uscc", required_argument, NULL, OPT_USCC },
		{ NULL, 0, NULL, 0 }
	};
	static const char *headers[] = { "ID", "TYPE", "NUMBER", "HOLDER",
	    "ISSUED", "UNTIL", "STATUS" };
	struct ecert_opts o = { 0 };
	struct ecert_query q = { 0 };
	struct out out = { 0 };
	struct ecert_store *s;
	struct ecert_error e;
	json_t *filters;
	char *detail, *fieldlist = NULL, *tok, *save = NULL;
	const char *name = NULL, *uscc = NULL;
	int c, rc, public = 0;

	ecert_setprogname(argv[0]);
	while ((c = getopt_long(argc, argv, "d:o:h", longopts, NULL)) != -1) {
		if (c != 'k' && ecert_common_opt(&o, c, optarg))
			continue;
		switch (c) {
		case OPT_HOLDER: q.holder = optarg; break;
		case OPT_HOLDER_ID: q.holder_id = optarg; break;
		case OPT_TYPE: q.type = optarg; break;
		case OPT_ISSUER: q.issuer = optarg; break;
		case OPT_STATUS: q.status = optarg; break;
		case OPT_FROM: q.from = optarg; break;
		case OPT_TO: q.to = optarg; break;
		case 'o': fieldlist = optarg; break;
		case OPT_PUBLIC: public = 1; break;
		case OPT_NAME: name = optarg; break;
		case OPT_USCC: uscc = optarg; break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();
	if (public || name != NULL || uscc != NULL) {
		if (!public || q.holder || q.holder_id || q.type || q.issuer ||
		    q.status || q.from || q.to || fieldlist)
			usage();
		return public_query(&o, name, uscc);
	}
	if (q.status != NULL && !ecert_status_valid(q.status))
		ecert_die(ECERT_USAGE, "--status %s: one of valid, suspended, "
		    "revoked, expired, superseded, draft, rejected", q.status);
	if ((q.from && !ecert_date_valid(q.from)) ||
	    (q.to && !ecert_date_valid(q.to)))
		ecert_die(ECERT_USAGE, "--from, --to: dates are YYYY-MM-DD");
	if (fieldlist != NULL) {
		out.fields = ecert_xmalloc(sizeof(char *) * 16);
		for (tok = strtok_r(fieldlist, ",", &save); tok != NULL;
		    tok = strtok_r(NULL, ",", &save)) {
			if (!known_field(tok) || out.nfields == 16)
				ecert_die(ECERT_USAGE, "-o %s: fields are id, "
				    "type, type_name, number, holder, issuer, "
				    "issue_date, valid_from, valid_until, "
				    "status", tok);
			out.fields[out.nfields++] = tok;
		}
	} else if (ecert_want_table(o.json, o.table))
		out.table = ecert_table_new(7, headers);
	s = ecert_opts_store(&o);
	filters = json_pack("{s:s?, s:b, s:s?, s:s?, s:s?, s:s?, s:s?}",
	    "holder", q.holder, "holder_id", q.holder_id != NULL,
	    "type", q.type, "issuer", q.issuer, "status", q.status,
	    "from", q.from, "to", q.to);
	detail = ecert_json_canonical(filters);
	ecert_audit_access(s, NULL, "license.query", "licenses", "ok", detail);
	free(detail);
	json_decref(filters);
	rc = ecert_query(s, &q, emit, &out, &e);
	if (rc != 0) {
		ecert_store_close(s);
		ecert_die_error(&e);
	}
	if (out.table != NULL) {
		ecert_table_print(out.table, stdout);
		ecert_table_free(out.table);
	}
	free(out.fields);
	ecert_store_close(s);
	return 0;
}
