/*
 * ecert-show: one license as text, with the catalog's Chinese labels, or
 * as its signed JSON document.  Every look is audited.
 */
#include <getopt.h>
#include <string.h>
#include <unistd.h>

#include "ecert.h"

static void
usage(void)
{
	fprintf(stderr, "usage: ecert-show [-d file] [--store-key file] "
	    "[--json | --text] [id ...]\n");
	exit(ECERT_USAGE);
}

static void
row(struct ecert_table *t, const char *label, const char *value)
{
	const char *cells[2] = { label, value ? value : "" };

	ecert_table_add(t, cells);
}

static void
show_text(struct ecert_store *s, const json_t *signed_doc, const char *status)
{
	const json_t *doc = json_object_get(signed_doc, "document");
	const json_t *sig = json_object_get(signed_doc, "signature");
	const json_t *holder = json_object_get(doc, "holder");
	const json_t *issuer = json_object_get(doc, "issuer");
	const json_t *items = json_object_get(doc, "items"), *item;
	json_t *type = ecert_catalog_get(s, ecert_json_str(doc, "type"));
	struct ecert_table *t = ecert_table_new(2, NULL);
	const char *until = ecert_json_str(doc, "valid_until");
	char buf[256], num[32];
	size_t i;

	row(t, "证照标识", ecert_json_str(doc, "id"));
	snprintf(buf, sizeof(buf), "%s (%s)", ecert_json_str(doc, "type_name"),
	    ecert_json_str(doc, "type"));
	row(t, "证照类型", buf);
	row(t, "证照编号", ecert_json_str(doc, "number"));
	row(t, type ? ecert_json_str(type, "holder_label") : "持证主体",
	    ecert_json_str(holder, "name"));
	row(t, type ? ecert_json_str(type, "holder_id_label") : "持证主体代码",
	    ecert_json_str(holder, "id"));
	json_array_foreach(json_object_get(type, "items"), i, item) {
		const json_t *v = json_object_get(items,
		    ecert_json_str(item, "key"));
		if (v == NULL)
			continue;
		if (json_is_integer(v)) {
			snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
			    json_integer_value(v));
			row(t, ecert_json_str(item, "label"), num);
		} else
			row(t, ecert_json_str(item, "label"),
			    json_string_value(v));
	}
	snprintf(buf, sizeof(buf), "%s (%s)", ecert_json_str(issuer, "name"),
	    ecert_json_str(issuer, "code"));
	row(t, "颁发机构", buf);
	row(t, "颁发日期", ecert_json_str(doc, "issue_date"));
	snprintf(buf, sizeof(buf), "%s 至 %s", ecert_json_str(doc,
	    "valid_from"), until ? until : "长期");
	row(t, "有效期", buf);
	snprintf(buf, sizeof(buf), "%s (%s)", ecert_status_label(status),
	    status);
	row(t, "状态", buf);
	snprintf(buf, sizeof(buf), "%s %s, key %s", ecert_json_str(sig,
	    "signer"), ecert_json_str(doc, "signed_at"),
	    ecert_json_str(sig, "key_id"));
	row(t, "电子印章", buf);
	ecert_table_print(t, stdout);
	ecert_table_free(t);
	json_decref(type);
}

int
main(int argc, char *argv[])
{
	enum { OPT_TEXT = ECERT_OPT_FIRST_OWN };
	static const struct option longopts[] = {
		ECERT_COMMON_LONGOPTS,
		{ "text", no_argument, NULL, OPT_TEXT },
		{ NULL, 0, NULL, 0 }
	};
	struct ecert_opts o = { 0 };
	struct ecert_store *s;
	struct ecert_error e;
	struct ecert_reader r = { 0 };
	json_t *doc;
	char id[160], status[16], *line;
	size_t len;
	int c, rc, i, text = 0, worst = 0, shown = 0;

	ecert_setprogname(argv[0]);
	while ((c = getopt_long(argc, argv, "d:h", longopts, NULL)) != -1) {
		if (c == OPT_TEXT)
			text = 1;
		else if (c == 'k' || !ecert_common_opt(&o, c, optarg))
			usage();
	}
	if (!text && !o.json)
		text = isatty(STDOUT_FILENO) || argc - optind == 1;
	if (o.json)
		text = 0;
	s = ecert_opts_store(&o);
	r.fp = stdin;
	r.name = "<stdin>";
	for (i = optind; ; i++) {
		if (optind < argc) {
			if (i >= argc)
				break;
			rc = ecert_id_from_line(argv[i], strlen(argv[i]), id,
			    sizeof(id), &e);
		} else {
			rc = ecert_read_line(&r, &line, &len, &e);
			if (rc == -1)
				break;
			if (rc == 0 && len == 0)
				continue;
			if (rc == 0)
				rc = ecert_id_from_line(line, len, id,
				    sizeof(id), &e);
		}
		if (rc == 0)
			rc = ecert_license_load(s, id, &doc, status,
			    sizeof(status), &e);
		if (rc != 0) {
			ecert_warn("%s", e.msg);
			if (rc == ECERT_IOERR || rc == ECERT_BUSY)
				ecert_die_error(&e);
			if (rc == ECERT_NO)
				ecert_audit(s, NULL, "license.show", id,
				    "not-found", NULL);
			worst = worst ? worst : rc;
			continue;
		}
		ecert_audit(s, NULL, "license.show", id, "ok", NULL);
		if (text) {
			if (shown++)
				putchar('\n');
			show_text(s, doc, status);
		} else
			ecert_print_json(doc);
		json_decref(doc);
	}
	ecert_reader_free(&r);
	ecert_store_close(s);
	return worst;
}
