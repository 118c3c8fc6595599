/*
 * test_face.c: the printable license face (face.c, article 19).  Each
 * shipped type is rendered from hand-made licenses, checked as XML and,
 * when rsvg-convert is installed, drawn to PNG.  ECERT_FACE_OUT=dir keeps
 * the SVG and PNG files there for a look.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "ecert.h"
#include "ecert_priv.h"
#include "fixture.h"

/* face.c: the printable license face (article 19) */
int ecert_face_svg(FILE *out, const json_t *type, const json_t *signed_doc,
    const char *status, const char *qr_svg, struct ecert_error *e);

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const char *outdir;	/* scratch, or $ECERT_FACE_OUT */

static int
setup(void **state)
{
	(void)state;
	setenv("ECERT_SHARE", "share", 1);
	if (fixture_scratch("test_face") != 0)
		return -1;
	outdir = getenv("ECERT_FACE_OUT");
	if (outdir == NULL || outdir[0] == '\0')
		outdir = fixture_dir;
	else
		mkdir(outdir, 0755);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	return fixture_teardown();
}

static json_t *
load_type(const char *yaml)
{
	struct ecert_error e = { 0 };
	char path[256];
	json_t *types, *type;

	snprintf(path, sizeof(path), "share/catalog/%s", yaml);
	types = ecert_catalog_parse(path, &e);
	if (types == NULL)
		fail_msg("%s: %s", path, e.msg);
	type = json_incref(json_array_get(types, 0));
	json_decref(types);
	assert_non_null(type);
	return type;
}

static json_t *
signed_form(json_t *document)
{
	return json_pack("{s:o, s:{s:s, s:s, s:s, s:s}}", "document", document,
	    "signature", "alg", "ed25519", "key_id", "94ce09bde73e1a85",
	    "signer", json_string_value(json_object_get(json_object_get(
	    document, "issuer"), "code")), "value", "X11xWMlL4hjZ9lyhfLXKmaEz"
	    "w3IQ4zw4CEpMNWxcsZonAgdvbOzAMwH7keEPjjUXxoJTIcHmxkbaz8HQJ6izAw==");
}

static json_t *
document(const char *type, const char *type_name, const char *number,
    const char *holder, const char *holder_id, const char *id_type,
    const char *issuer, const char *issuer_name, const char *from,
    const char *until, json_t *items)
{
	char id[160];

	snprintf(id, sizeof(id), "1.2.156.3005.2.%s.%s.%s.001.X", type,
	    issuer, holder_id);
	return json_pack("{s:{s:s, s:s, s:s}, s:s, s:s, s:{s:s, s:s}, s:o, "
	    "s:s, s:s, s:s, s:s, s:s, s:o, s:i}",
	    "holder", "id", holder_id, "id_type", id_type, "name", holder,
	    "id", id, "issue_date", from,
	    "issuer", "code", issuer, "name", issuer_name,
	    "items", items, "number", number,
	    "signed_at", "2026-11-27T09:30:00Z", "type", type,
	    "type_name", type_name, "valid_from", from,
	    "valid_until", until ? json_string(until) : json_null(),
	    "version", 1);
}

static json_t *
business_license(const char *holder)
{
	return signed_form(document("11100000000013338W011", "营业执照",
	    "91420600MA49ABCD1A", holder, "91420600MA49ABCD1A", "001",
	    "11420600MB1234567T", "襄阳市市场监督管理局", "2026-11-27", NULL,
	    json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}",
	    "entity_type", "有限责任公司（自然人投资或控股）",
	    "legal_representative", "张汉江",
	    "registered_capital", "伍佰万元整",
	    "established", "2019-03-18",
	    "domicile", "湖北省襄阳市樊城区长虹北路16号汉江大厦A座1801室",
	    "business_scope", "许可项目：食品生产；食品销售；食品互联网销售；"
	    "酒类经营。（依法须经批准的项目，经相关部门批准后方可开展经营活动，"
	    "具体经营项目以相关部门批准文件或许可证件为准）一般项目：农副产品"
	    "销售；食用农产品初加工；食用农产品批发；食用农产品零售；初级农产品"
	    "收购；普通货物仓储服务（不含危险化学品等需许可审批的项目）；技术服"
	    "务、技术开发、技术咨询、技术交流、技术转让、技术推广。（除依法须经"
	    "批准的项目外，凭营业执照依法自主开展经营活动）")));
}

static json_t *
food_license(void)
{
	return signed_form(document("11100000000013338W012", "食品经营许可证",
	    "JY24206020012345", "襄阳米公酒家餐饮有限公司",
	    "91420602MA48A7X21W", "001", "11420600MB1234567T",
	    "襄阳市市场监督管理局", "2026-11-27", "2031-11-26",
	    json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
	    "legal_representative", "李米公",
	    "domicile", "湖北省襄阳市襄城区荆州街85号",
	    "premises", "湖北省襄阳市襄城区荆州街85号一至二层",
	    "business_form", "餐饮服务经营者",
	    "business_items", "热食类食品制售；冷食类食品制售（不含烧卤熟肉制"
	    "品）；生食类食品制售（限生食类水产品）；糕点类食品制售（不含裱花"
	    "蛋糕）；自制饮品制售（不含自酿酒）",
	    "supervising_agency", "襄阳市襄城区市场监督管理局古城市场监督管理所",
	    "supervisor", "王建华、刘芳",
	    "complaint_phone", "12315")));
}

static json_t *
construction_permit(void)
{
	return signed_form(document("111000000000246809001",
	    "建筑工程施工许可证", "420607202611270101",
	    "襄阳市城市建设投资有限公司", "914201003000882519", "001",
	    "11420600MB2345678C", "襄阳市住房和城乡建设局", "2026-11-27", NULL,
	    json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, "
	    "s:s, s:s, s:s, s:i, s:s}",
	    "project_name", "襄阳东津新区汉江路小学新建工程",
	    "site_address", "湖北省襄阳市襄州区东津新区汉江路与紫薇路交汇处西北角",
	    "scale", "总建筑面积25368.50平方米，其中地上21452.30平方米、地下"
	    "3916.20平方米；教学楼地上5层，综合楼地上4层、地下1层，框架结构",
	    "contract_price", "9876.54",
	    "survey_unit", "湖北省襄阳市勘察设计院有限公司",
	    "design_unit", "中南建筑设计院股份有限公司",
	    "contractor", "湖北汉江建工集团有限公司",
	    "contractor_code", "91420600615487636D",
	    "supervision_unit", "襄阳华夏建设监理有限公司",
	    "survey_manager", "陈志远",
	    "design_manager", "周文博",
	    "construction_manager", "吴建国",
	    "chief_supervisor", "郑国平",
	    "contract_days", 540,
	    "remarks", "本工程为政府投资项目，采用工程总承包方式建设。")));
}

static json_t *
real_estate_certificate(void)
{
	return signed_form(document("11100000000013579F001", "不动产权证书",
	    "鄂（2026）襄阳市不动产权第0012345号", "张汉江",
	    "420602198503180016", "111", "11420600MB3456789X",
	    "襄阳市自然资源和规划局", "2026-11-27", NULL,
	    json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
	    "co_ownership", "单独所有",
	    "location", "襄阳市樊城区长虹北路16号汉江花园3幢2单元1201室",
	    "unit_number", "420606001005GB00123F00030012",
	    "right_type", "国有建设用地使用权/房屋所有权",
	    "right_nature", "出让/市场化商品房",
	    "usage", "城镇住宅用地/住宅",
	    "area", "共有宗地面积12568.40㎡/房屋建筑面积128.36㎡",
	    "term", "国有建设用地使用权2012年05月10日起2082年05月09日止",
	    "other_rights", "专有建筑面积：106.52㎡，分摊建筑面积：21.84㎡\n"
	    "房屋结构：钢筋混凝土结构\n房屋总层数：18层，所在层：12层\n"
	    "房屋竣工时间：2015年",
	    "notes", "业务号：2026112700123\n抵押权人：中国工商银行股份有限"
	    "公司襄阳分行，抵押登记日期：2026年11月27日")));
}

static char *
slurp(const char *path)
{
	FILE *fp = fopen(path, "r");
	char *text;
	long n;

	assert_non_null(fp);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	n = ftell(fp);
	rewind(fp);
	text = malloc((size_t)n + 1);
	assert_non_null(text);
	assert_int_equal(fread(text, 1, (size_t)n, fp), (size_t)n);
	text[n] = '\0';
	fclose(fp);
	return text;
}

/* Renders into outdir/name.svg; returns the status, text in *svg. */
static int
render(const char *name, const json_t *type, const json_t *license,
    const char *status, const char *qr, char **svg, struct ecert_error *e)
{
	char path[256];
	FILE *fp;
	int rc;

	snprintf(path, sizeof(path), "%s/%s.svg", outdir, name);
	fp = fopen(path, "w");
	assert_non_null(fp);
	memset(e, 0, sizeof(*e));
	rc = ecert_face_svg(fp, type, license, status, qr, e);
	assert_int_equal(fclose(fp), 0);
	if (svg != NULL)
		*svg = slurp(path);
	return rc;
}

static int
have(const char *program)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", program);
	return system(cmd) == 0;
}

static int
run(const char *cmd)
{
	int rc = system(cmd);

	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

/* Without xmllint: every <tag> closed in order, nothing else left open. */
static void
balanced(const char *svg)
{
	const char *p = svg, *end, *stack[64];
	size_t depth = 0, n;

	while ((p = strchr(p, '<')) != NULL) {
		if (strncmp(p, "<!--", 4) == 0) {
			assert_non_null(p = strstr(p, "-->"));
			continue;
		}
		assert_non_null(end = strchr(p, '>'));
		if (p[1] == '?' || p[1] == '!') {
		} else if (p[1] == '/') {
			assert_true(depth > 0);
			depth--;
			n = strcspn(stack[depth] + 1, " \t\n/>");
			assert_memory_equal(stack[depth] + 1, p + 2, n);
		} else if (end[-1] != '/') {
			assert_true(depth < NELEM(stack));
			stack[depth++] = p;
		}
		p = end + 1;
	}
	assert_int_equal(depth, 0);
	assert_null(strstr(svg, "{{"));
}

static void
well_formed(const char *name, const char *svg)
{
	char cmd[512];

	if (have("xmllint")) {
		snprintf(cmd, sizeof(cmd), "xmllint --noout '%s/%s.svg'",
		    outdir, name);
		assert_int_equal(run(cmd), 0);
	}
	balanced(svg);
	assert_non_null(strstr(svg, "<svg "));
	assert_non_null(strstr(svg, "</svg>"));
}

/* The seal's characters, one <text> each along the arc, in order. */
static void
seal_reads(const char *svg, const char *issuer)
{
	const char *p = strstr(svg, "class=\"seal\""), *end, *c;
	char got[256] = "";
	size_t n;

	assert_non_null(p);
	end = strstr(p, "电子证照专用章");
	assert_non_null(end);
	while ((p = strstr(p, "rotate(")) != NULL && p < end) {
		c = strstr(p, "\">") + 2;
		n = (size_t)(strstr(c, "</text>") - c);
		strncat(got, c, n);
		p = c;
	}
	assert_string_equal(got, issuer);
}

struct shipped {
	const char *yaml, *name;
	json_t *(*license)(void);
	const char *holder, *issuer;
};

static json_t *
business_license_default(void)
{
	return business_license("襄阳汉江食品有限公司");
}

static const struct shipped shipped[] = {
	{ "business-license.yaml", "business-license",
	    business_license_default, "襄阳汉江食品有限公司",
	    "襄阳市市场监督管理局" },
	{ "food-business-license.yaml", "food-business-license",
	    food_license, "襄阳米公酒家餐饮有限公司", "襄阳市市场监督管理局" },
	{ "construction-permit.yaml", "construction-permit",
	    construction_permit, "襄阳市城市建设投资有限公司",
	    "襄阳市住房和城乡建设局" },
	{ "real-estate-certificate.yaml", "real-estate-certificate",
	    real_estate_certificate, "张汉江", "襄阳市自然资源和规划局" },
};

static char *
qr_for(const json_t *license)
{
	struct ecert_error e;
	char *qr = ecert_qr_svg(json_string_value(json_object_get(
	    json_object_get(license, "document"), "id")), 0, &e);

	if (qr == NULL)
		fail_msg("QR: %s", e.msg);
	return qr;
}

static void
test_shipped_faces(void **state)
{
	struct ecert_error e;
	const json_t *item;
	json_t *type, *license;
	char *svg, *qr, template[128];
	size_t i, k;

	(void)state;
	for (i = 0; i < NELEM(shipped); i++) {
		type = load_type(shipped[i].yaml);
		snprintf(template, sizeof(template), "%s.svg", shipped[i].name);
		assert_string_equal(json_string_value(json_object_get(type,
		    "template")), template);
		license = shipped[i].license();
		qr = qr_for(license);
		if (render(shipped[i].name, type, license, "valid", qr, &svg,
		    &e) != 0)
			fail_msg("%s: %s", shipped[i].name, e.msg);
		well_formed(shipped[i].name, svg);
		assert_non_null(strstr(svg, shipped[i].holder));
		assert_non_null(strstr(svg, json_string_value(json_object_get(
		    type, "name"))));
		assert_non_null(strstr(svg, json_string_value(json_object_get(
		    type, "holder_label"))));
		json_array_foreach(json_object_get(type, "items"), k, item)
			if (strstr(svg, json_string_value(json_object_get(item,
			    "label"))) == NULL)
				fail_msg("%s: no label %s", shipped[i].name,
				    json_string_value(json_object_get(item,
				    "label")));
		seal_reads(svg, shipped[i].issuer);
		assert_non_null(strstr(svg, "stroke=\"#d00\""));
		assert_non_null(strstr(svg, "<polygon"));
		assert_non_null(strstr(svg, qr));
		assert_non_null(strstr(svg, "2026年11月27日"));
		assert_null(strstr(svg, "class=\"status-mark\""));
		free(svg);
		free(qr);
		json_decref(license);
		json_decref(type);
	}
}

static void
test_escaped(void **state)
{
	struct ecert_error e;
	json_t *type = load_type("business-license.yaml");
	json_t *license = business_license("汉江<&>\"'测试");
	char *svg;

	(void)state;
	json_object_set_new(json_object_get(json_object_get(license,
	    "document"), "items"), "legal_representative",
	    json_string("A&B <x/>"));
	json_object_set_new(json_object_get(json_object_get(license,
	    "document"), "issuer"), "name", json_string("襄阳<局>&"));
	json_object_set_new(json_object_get(json_object_get(license,
	    "document"), "items"), "domicile", json_string("樊城区\x01号"));
	assert_int_equal(render("escaped", type, license, "valid", NULL, &svg,
	    &e), 0);
	well_formed("escaped", svg);
	assert_non_null(strstr(svg, "汉江&lt;&amp;&gt;&quot;&#39;测试"));
	assert_null(strstr(svg, "<&>"));
	assert_non_null(strstr(svg, "A&amp;B &lt;x/&gt;"));
	assert_non_null(strstr(svg, "樊城区号"));
	seal_reads(svg, "襄阳&lt;局&gt;&amp;");
	free(svg);
	json_decref(license);
	json_decref(type);
}

/* Until null reads 长期, dates print the Chinese way, no QR draws nothing,
 * and a license not in force says so across the face. */
static void
test_values(void **state)
{
	struct ecert_error e;
	json_t *type = load_type("food-business-license.yaml");
	json_t *license = food_license(), *doc;
	char *svg;

	(void)state;
	assert_int_equal(render("revoked", type, license, "revoked", NULL,
	    &svg, &e), 0);
	well_formed("revoked", svg);
	assert_non_null(strstr(svg, "2031年11月26日"));
	assert_non_null(strstr(svg, "class=\"status-mark\""));
	assert_non_null(strstr(svg, ">注销<"));
	assert_null(strstr(svg, "M4 4h1v1h-1z"));
	free(svg);
	doc = json_object_get(license, "document");
	json_object_set_new(doc, "valid_until", json_null());
	json_object_del(json_object_get(doc, "items"), "supervisor");
	assert_int_equal(render("until-null", type, license, NULL, NULL,
	    &svg, &e), 0);
	well_formed("until-null", svg);
	assert_non_null(strstr(svg, "长期"));
	assert_null(strstr(svg, "王建华"));
	assert_null(strstr(svg, "class=\"status-mark\""));
	free(svg);
	json_decref(license);
	json_decref(type);
}

/* A type for the fixtures in tests/data/face/templates. */
static json_t *
fixture_type(const char *template)
{
	return json_pack("{s:s, s:s, s:s, s:[{s:s, s:s}]}",
	    "code", "11100000000013338W099", "name", "测试证",
	    "template", template, "items", "key", "text", "label", "文字");
}

static json_t *
fixture_license(const char *text)
{
	return signed_form(document("11100000000013338W099", "测试证",
	    "TEST0001", "测试公司", "91420600MA49ABCD1A", "001",
	    "11420600MB1234567T", "襄阳市市场监督管理局", "2026-11-27", NULL,
	    json_pack("{s:s}", "text", text)));
}

static void
bad_template(const char *template, int status, const char *why)
{
	struct ecert_error e;
	json_t *type = fixture_type(template);
	json_t *license = fixture_license("一二三");
	char *svg;

	if (render("bad", type, license, "valid", NULL, &svg, &e) != status ||
	    e.status != status)
		fail_msg("%s: status %d, want %d", template, e.status, status);
	if (strstr(e.msg, template) == NULL || strstr(e.msg, why) == NULL)
		fail_msg("%s: message \"%s\" lacks \"%s\"", template, e.msg,
		    why);
	assert_string_equal(svg, "");	/* nothing half written */
	free(svg);
	json_decref(license);
	json_decref(type);
}

static void
test_bad_templates(void **state)
{
	struct ecert_error e;
	json_t *license = fixture_license("一"), *type = fixture_type("wrap.svg");

	(void)state;
	setenv("ECERT_SHARE", "tests/data/face", 1);
	bad_template("unknown-placeholder.svg", ECERT_DATAERR,
	    ":6: unknown placeholder {{holder.nickname}}");
	bad_template("unknown-item.svg", ECERT_DATAERR,
	    "unknown placeholder {{items.no_such_item}}");
	bad_template("unknown-label.svg", ECERT_DATAERR,
	    "unknown placeholder {{label.no_such_item}}");
	bad_template("unknown-filter.svg", ECERT_DATAERR,
	    "unknown filter \"upper\"");
	bad_template("bad-wrap.svg", ECERT_DATAERR, "wrap:");
	bad_template("wrap-outside-text.svg", ECERT_DATAERR,
	    "not inside a <text> element");
	bad_template("unterminated.svg", ECERT_DATAERR,
	    "unterminated placeholder");
	bad_template("no-such-template.svg", ECERT_IOERR,
	    "No such file or directory");
	setenv("ECERT_SHARE", "share", 1);

	assert_int_equal(render("bad", NULL, license, "valid", NULL, NULL,
	    &e), ECERT_DATAERR);
	assert_int_equal(render("bad", type, json_object_get(license,
	    "document"), "valid", NULL, NULL, &e), ECERT_DATAERR);
	json_decref(type);
	json_decref(license);
}

static char *
fixture_face(const char *text)
{
	struct ecert_error e;
	json_t *type = fixture_type("wrap.svg");
	json_t *license = fixture_license(text);
	char *svg;

	setenv("ECERT_SHARE", "tests/data/face", 1);
	if (render("wrap", type, license, "valid", NULL, &svg, &e) != 0)
		fail_msg("wrap.svg: %s", e.msg);
	setenv("ECERT_SHARE", "share", 1);
	well_formed("wrap", svg);
	json_decref(license);
	json_decref(type);
	return svg;
}

/* In wrap.svg, <text id="wrap"> has {{items.text|wrap:4}}, "fit" has
 * wrap:4:1 and "long" wrap:12:1. */
static void
same_wrap(const char *text, const char *id, const char *want)
{
	char *svg = fixture_face(text), *element, *end, open[32];

	snprintf(open, sizeof(open), "<text id=\"%s\"", id);
	assert_non_null(element = strstr(svg, open));
	assert_non_null(end = strstr(element, "</text>"));
	end[strlen("</text>")] = '\0';
	if (strstr(element, want) == NULL)
		fail_msg("%s of \"%s\": want %s in %s", id, text, want,
		    element);
	free(svg);
}

#define L0 "<tspan x=\"12.5\" dy=\"0\">"
#define LN "</tspan><tspan x=\"12.5\" dy=\"1.5em\">"
#define TEN "一二三四五六七八九十"

static void
test_wrap(void **state)
{
	(void)state;
	same_wrap("一二三四五六七八九", "wrap",
	    ">" L0 "一二三四" LN "五六七八" LN "九</tspan></text>");
	same_wrap("abcdefgh一二", "wrap", ">" L0 "abcdefgh" LN "一二</tspan>");
	same_wrap("一二三四，五", "wrap", ">" L0 "一二三四，" LN "五</tspan>");
	same_wrap("一二三（四）", "wrap", ">" L0 "一二三" LN "（四）</tspan>");
	same_wrap("一二三AB12", "wrap", ">" L0 "一二三" LN "AB12</tspan>");
	same_wrap("ABCDEFGHIJ", "wrap", ">" L0 "ABCDEFGH" LN "IJ</tspan>");
	same_wrap("一\r\n二", "wrap", ">" L0 "一" LN "二</tspan></text>");
	same_wrap("AB CDEFGHI", "wrap", ">" L0 "AB " LN "CDEFGHI</tspan>");
	same_wrap("一<&>", "wrap", ">" L0 "一&lt;&amp;&gt;</tspan></text>");
	same_wrap("", "wrap", ">" L0 "</tspan></text>");
	same_wrap("一二三四", "fit", ">" L0 "一二三四</tspan></text>");
	same_wrap("一二三四五", "fit",
	    "><tspan font-size=\"80%\">" L0 "一二三四五</tspan></tspan>");
	same_wrap("一二三四五六七八九", "fit",
	    "><tspan font-size=\"60%\">" L0 "一二三四五…</tspan></tspan>");
	same_wrap(TEN TEN, "long", "><tspan font-size=\"60%\">" L0 TEN TEN
	    "</tspan></tspan>");
	same_wrap(TEN TEN TEN, "long", "><tspan font-size=\"60%\">" L0 TEN
	    "…（全文见电子证照）</tspan></tspan>");
}

static void
test_png(void **state)
{
	char cmd[1024], path[512];
	FILE *fp;
	unsigned char sig[8];
	size_t i;

	(void)state;
	if (!have("rsvg-convert"))
		skip();
	for (i = 0; i < NELEM(shipped); i++) {
		snprintf(path, sizeof(path), "%s/%s.svg", outdir,
		    shipped[i].name);
		if (access(path, R_OK) != 0)
			skip();		/* test_shipped_faces did not run */
		snprintf(cmd, sizeof(cmd), "rsvg-convert -f png -o "
		    "'%s/%s.png' '%s' 2>&1", outdir, shipped[i].name, path);
		assert_int_equal(run(cmd), 0);
		snprintf(path, sizeof(path), "%s/%s.png", outdir,
		    shipped[i].name);
		fp = fopen(path, "rb");
		assert_non_null(fp);
		assert_int_equal(fread(sig, 1, 8, fp), 8);
		fclose(fp);
		assert_memory_equal(sig, "\x89PNG\r\n\x1a\n", 8);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shipped_faces),
		cmocka_unit_test(test_escaped),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_bad_templates),
		cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_png),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
