/*
 * ecert-show: one license as text, with the catalog's Chinese labels, or
 * as its signed JSON document.  Every look is audited.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"

/* --disclose: the items a token shows (labels or keys); NULL: the
 * catalog's public ones (format 2, ecert(5)) */
static const char *disclose;

/*
 * 扫码亮证 (article 16): the platform signs a presentation of a valid
 * license and shows it as a QR code, an SVG file or the token's text; the
 * printable face (article 19) carries the same code.
 */
static int
present(struct ecert_store *s, const struct ecert_opts *o, const char *id,
    int mode, const char *file, long ttl)
{
	struct ecert_actor a;
	struct ecert_error e;
	char *token, *svg = NULL;
	FILE *fp;
	int rc = 0;

	ecert_opts_actor(s, o, &a);
	if (!(a.roles & ECERT_ROLE_ADMIN)) {
		ecert_fail(&e, ECERT_NOPERM, "present: unit %s is not the "
		    "platform; presentations are signed by the platform key",
		    a.unit);
		ecert_audit_refusal(s, a.unit, "license.present", id, &e);
		ecert_die_error(&e);
	}
	token = ecert_license_token_disclose(s, id, &a, ttl, disclose, &e);
	ecert_key_wipe(&a.key);
	if (token == NULL) {
		ecert_audit_refusal(s, a.unit, "license.present", id, &e);
		ecert_die_error(&e);
	}
	ecert_audit_access(s, a.unit, "license.present", id, "ok", NULL);
	if (mode == 'q')
		rc = ecert_qr_terminal(stdout, token, &e);
	else if (mode == 'l')
		rc = ecert_qr_terminal_light(stdout, token, &e);
	else if (mode == 't')
		printf("%s\n", token);
	else {
		if ((svg = ecert_qr_svg(token, 1, &e)) == NULL)
			rc = e.status;
		else if ((fp = fopen(file, "w")) == NULL ||
		    fputs(svg, fp) < 0 || fclose(fp) != 0)
			rc = ecert_fail(&e, ECERT_IOERR, "%s: %s", file,
			    strerror(errno));
	}
	free(svg);
	free(token);
	if (rc != 0)
		ecert_die_error(&e);
	return 0;
}

static void
row(struct ecert_table *t, const char *label, const char *value)
{
	const char *cells[2] = { label, value ? value : "" };

	ecert_table_add(t, cells);
}

/* An item that a historical record's paper original never recorded
 * (article 10): listed in the signed document, shown as 未采集. */
static int
not_collected(const json_t *doc, const char *key)
{
	const json_t *v;
	size_t i;

	json_array_foreach(json_object_get(doc, "not_collected"), i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), key) == 0)
			return 1;
	return 0;
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
		if (v == NULL && not_collected(doc, ecert_json_str(item,
		    "key")))
			row(t, ecert_json_str(item, "label"), "未采集");
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
	if (json_is_true(json_object_get(doc, "partial"))) {
		snprintf(buf, sizeof(buf), "部分采集 (partial: %zu items not "
		    "collected)", json_array_size(json_object_get(doc,
		    "not_collected")));
		row(t, "历史证照", buf);
	}
	if (ecert_json_str(doc, "signed_at") != NULL) {
		snprintf(buf, sizeof(buf), "%s %s, key %s", ecert_json_str(sig,
		    "signer"), ecert_json_str(doc, "signed_at"),
		    ecert_json_str(sig, "key_id"));
		row(t, "电子印章", buf);
	} else
		row(t, "电子印章", "未签章 (a draft awaiting review)");
	ecert_table_done(t);
	json_decref(type);
}

static int
history_row(const json_t *entry, void *arg)
{
	struct ecert_table *t = arg;
	const char *cells[5];
	int version = strcmp(ecert_json_str(entry, "kind"), "version") == 0;

	if (t == NULL) {
		ecert_print_json(entry);
		return 0;
	}
	cells[0] = ecert_json_str(entry, "time");
	cells[1] = version ? "version" : "event";
	cells[2] = ecert_json_str(entry, "status");
	cells[3] = version ? ecert_json_str(entry, "id") : ecert_json_str(entry,
	    "unit");
	cells[4] = version ? (ecert_json_str(entry, "review") ?
	    ecert_json_str(entry, "review") : "") : ecert_json_str(entry,
	    "reason");
	ecert_table_add(t, cells);
	return 0;
}

/* Every version and status event, with who and why (article 8). */
static int
history(struct ecert_store *s, const struct ecert_opts *o, const char *id)
{
	static const char *headers[] = { "TIME", "WHAT", "STATUS",
	    "VERSION OR UNIT", "WHY" };
	struct ecert_table *t = NULL;
	struct ecert_error e;

	ecert_audit_access(s, NULL, "license.history", id, "ok", NULL);
	if (ecert_want_table(o->json, o->table))
		t = ecert_table_new(5, headers);
	if (ecert_license_history(s, id, history_row, t, &e) != 0) {
		ecert_table_free(t);
		ecert_die_error(&e);
	}
	ecert_table_done(t);
	return 0;
}

/* Tokens for many licenses, identifiers from standard input: one
 * unsealing of the platform key for a whole batch. */
static int
present_many(struct ecert_store *s, const struct ecert_opts *o, long ttl)
{
	struct ecert_reader r = { 0 };
	struct ecert_actor a;
	struct ecert_error e;
	char id[160], *line, *token;
	size_t len;
	long n = 0;
	int rc, worst = 0;

	ecert_opts_actor(s, o, &a);
	if (!(a.roles & ECERT_ROLE_ADMIN))
		ecert_die(ECERT_NOPERM, "present: unit %s is not the platform",
		    a.unit);
	r.fp = stdin;
	r.name = "<stdin>";
	while ((rc = ecert_read_line(&r, &line, &len, &e)) != -1) {
		if (rc == 0 && len == 0)
			continue;
		if (rc == 0)
			rc = ecert_id_from_line(line, len, id, sizeof(id), &e);
		if (rc != 0) {
			ecert_warn("%s:%ld: %s", r.name, r.line, e.msg);
			worst = worst ? worst : rc;
			continue;
		}
		if (n++ % 1000 == 0) {
			if (ecert_commit(s, &e) != 0 || ecert_begin(s, &e) != 0)
				ecert_die_error(&e);
		}
		if ((token = ecert_license_token_disclose(s, id, &a, ttl, disclose, &e)) == NULL) {
			ecert_warn("%s", e.msg);
			ecert_audit_refusal(s, a.unit, "license.present", id,
			    &e);
			if (e.status == ECERT_IOERR || e.status == ECERT_BUSY)
				ecert_die_error(&e);
			worst = worst ? worst : e.status;
			continue;
		}
		ecert_audit_access(s, a.unit, "license.present", id, "ok",
		    NULL);
		puts(token);
		fflush(stdout);
		free(token);
	}
	if (ecert_commit(s, &e) != 0)
		ecert_die_error(&e);
	ecert_reader_free(&r);
	ecert_key_wipe(&a.key);
	return worst;
}

/* The printable face (article 19), with a QR code when the platform's
 * key is given and the license can be presented. */
static int
face(struct ecert_store *s, const struct ecert_opts *o, const char *id,
    const char *file, long ttl)
{
	struct ecert_actor a;
	struct ecert_error e;
	json_t *doc, *type;
	char status[16], *token = NULL, *qr = NULL, *svg = NULL;
	size_t svglen = 0;
	FILE *fp, *mem;
	int rc;

	if (ecert_license_load(s, id, &doc, status, sizeof(status), &e) != 0)
		ecert_die_error(&e);
	type = ecert_catalog_get(s, ecert_json_str(json_object_get(doc,
	    "document"), "type"));
	if (o->key != NULL || getenv("ECERT_KEY") != NULL) {
		ecert_opts_actor(s, o, &a);
		if ((a.roles & ECERT_ROLE_ADMIN) && strcmp(status, "valid") == 0)
			token = ecert_license_token_disclose(s, id, &a, ttl, disclose, &e);
		ecert_key_wipe(&a.key);
		if (token != NULL)
			qr = ecert_qr_svg(token, 0, &e);
	}
	/* rendered whole before the file is touched */
	if ((mem = open_memstream(&svg, &svglen)) == NULL)
		ecert_die(ECERT_IOERR, "open_memstream: %s", strerror(errno));
	ecert_audit_access(s, NULL, "license.face", id, "ok", NULL);
	rc = ecert_face_svg(mem, type, doc, status, qr, &e);
	fclose(mem);
	if (rc == 0) {
		if ((fp = strcmp(file, "-") == 0 ? stdout : fopen(file, "w")) ==
		    NULL || fwrite(svg, 1, svglen, fp) != svglen ||
		    (fp != stdout && fclose(fp) != 0))
			rc = ecert_fail(&e, ECERT_IOERR, "%s: %s", file,
			    strerror(errno));
	}
	free(svg);
	free(token);
	free(qr);
	json_decref(type);
	json_decref(doc);
	if (rc != 0)
		ecert_die_error(&e);
	return 0;
}

static const char *file;
static int mode, text, ttl;

/* one of --qr, --qr-light, --qr-svg file, --token, --svg file, --history */
static void
set_mode(const char *arg, void *var)
{
	if (mode != 0)
		ecert_usage();
	mode = *(const char *)var;
	file = arg;
}

static const struct ecert_cmd_opt options[] = {
	ECERT_OPT_SET("text", 0, &text, 1, "as text (the default on a "
	    "terminal or for one license)"),
	ECERT_OPT_CALL("qr", 0, NULL, set_mode, "q",
	    "a QR code to scan, on the terminal (扫码亮证)"),
	ECERT_OPT_CALL("qr-light", 0, NULL, set_mode, "l",
	    "the same, for a light-on-dark terminal"),
	ECERT_OPT_CALL("qr-svg", 0, "file", set_mode, "s",
	    "the QR code as an SVG file"),
	ECERT_OPT_CALL("token", 0, NULL, set_mode, "t",
	    "the QR code's text (a presentation token)"),
	ECERT_OPT_NUM("ttl", 0, "seconds", &ttl, 10, 366 * 86400,
	    "a presentation is good for this long"),
	ECERT_OPT_CALL("svg", 0, "file", set_mode, "f",
	    "the license's face as an SVG file"),
	ECERT_OPT_CALL("history", 0, NULL, set_mode, "h",
	    "its versions and events"),
	ECERT_OPT_STR("disclose", 0, "item,...", &disclose,
	    "the items a token shows (labels or keys; default: the public ones)"),
	ECERT_OPT_END
};

static const char *const synopsis[] = {
	"ecert-show [-d file] [--store-key file] [--json | --text] [id ...]",
	"ecert-show -k platformkey [--ttl seconds] [--disclose item,...]",
	"    (--qr | --qr-light | --qr-svg file | --token) id",
	"ecert-show -k platformkey [--ttl seconds] [--disclose item,...]",
	"    --token < ids",
	"ecert-show [-k platformkey] [--disclose item,...] --svg file id",
	"ecert-show --history [--json | --table] id",
	NULL
};

static const struct ecert_cmd command = {
	.usage = synopsis,
	.common = ECERT_COMMON_ALL,
	.opts = options
};

/* The first form: each license shown, as text or JSON.  The first
 * failure decides the exit status (a store failure ends the run). */
static int
show_each(struct ecert_store *s, int argc, char *argv[])
{
	struct ecert_error e;
	struct ecert_ids ids;
	json_t *doc;
	char id[160], status[16];
	int rc, worst = 0, shown = 0;
	long taken = 0, found = 0;

	ecert_ids_init(&ids, argc, argv);
	while ((rc = ecert_ids_next(&ids, id, sizeof(id), &e)) != -1) {
		taken++;
		if (rc == 0)
			rc = ecert_license_load(s, id, &doc, status,
			    sizeof(status), &e);
		if (rc != 0) {
			ecert_warn("%s", e.msg);
			if (rc == ECERT_IOERR || rc == ECERT_BUSY)
				ecert_die_error(&e);
			if (rc == ECERT_NO)
				ecert_audit_access(s, NULL, "license.show", id,
				    "not-found", NULL);
			worst = worst ? worst : rc;
			continue;
		}
		ecert_audit_access(s, NULL, "license.show", id, "ok", NULL);
		if (text) {
			if (shown++)
				putchar('\n');
			show_text(s, doc, status);
		} else
			ecert_print_json(doc);
		json_decref(doc);
		found++;
	}
	ecert_ids_free(&ids);
	if (argc == 0)
		ecert_batch_summary(taken, found, "shown", taken - found);
	return worst;
}

int
main(int argc, char *argv[])
{
	struct ecert_opts o = { 0 };
	struct ecert_store *s;
	struct ecert_error e;
	char id[160];
	int rc;

	ecert_setprogname(argv[0]);
	ecert_cmd_parse(&command, &o, &argc, &argv);
	/* a screen shows a code for minutes; paper is kept for a month */
	if (ttl == 0)
		ttl = mode == 'f' ? 30L * 86400 : 300;
	if (mode != 0 && !(mode == 't' && argc == 0)) {
		if (argc != 1)
			ecert_usage();
		if (ecert_id_from_line(argv[0], strlen(argv[0]), id,
		    sizeof(id), &e) != 0)
			ecert_die_error(&e);
	}
	if (mode == 0 && !text && !o.json)
		text = isatty(STDOUT_FILENO) || argc == 1;
	if (o.json)
		text = 0;
	s = ecert_opts_store(&o);
	if (mode == 't' && argc == 0)
		rc = present_many(s, &o, ttl);
	else if (mode == 'h')
		rc = history(s, &o, id);
	else if (mode == 'f')
		rc = face(s, &o, id, file, ttl);
	else if (mode != 0)
		rc = present(s, &o, id, mode, file, ttl);
	else
		rc = show_each(s, argc, argv);
	ecert_store_close(s);
	return rc;
}
