/* test_license.c: units, keys and the acting unit (unit.c); validating,
 * issuing, verifying and changing licenses (license.c); searching
 * (query.c) and the expiry sweep (expire.c), on the shipped catalog. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ecert.h"
#include "ecert_priv.h"
#include "fixture.h"

#define PLATFORM FIXTURE_PLATFORM
#define MARKET "11420600MB1234567T"	/* 襄阳市市场监督管理局 */
#define HOUSING "11420600MB2345678C"	/* 襄阳市住房和城乡建设局 */
#define LAND "11420600MB3456789X"	/* 襄阳市自然资源和规划局 */
#define SOCIAL "11420600MB4567890G"	/* 襄阳市人力资源和社会保障局 */
#define COMPANY "91420600MA49ABCD1A"
#define CITIZEN_ID "420602198503120048"

#define FOOD "11100000000013338W012"	/* 食品经营许可证, 5 years */
#define BUSINESS "11100000000013338W011"	/* 营业执照 */
#define PERMIT "111000000000246809001"	/* 建筑工程施工许可证 */
#define ESTATE "11100000000013579F001"	/* 不动产权证书, natural person */

#define HOLDER "襄阳汉江食品有限公司"
#define PERSON "张汉江"
#define ADDRESS "湖北省襄阳市樊城区长虹北路16号"
#define PASS "汉江长流 passphrase"
#define TODAY "2026-06-15"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static struct ecert_store *store;	/* the fixture's city store */
static char db[128], passfile[128];
static struct ecert_actor market, land;	/* loaded once */

/* A key for unit, sealed in NAME.key; registered when asked. */
static int
make_key(const char *unit, const char *name, int registered,
    struct ecert_error *e)
{
	struct ecert_key k;
	int rc;

	ecert_key_generate(&k, unit);
	rc = ecert_key_write(fixture_at(name), &k, PASS, e);
	if (rc == 0 && registered)
		rc = ecert_key_register(store, &k, e);
	ecert_key_wipe(&k);
	return rc;
}

static int
setup(void **state)
{
	struct ecert_error e = { 0, "" };
	FILE *fp;
	int n;

	(void)state;
	setenv("ECERT_TODAY", TODAY, 1);
	unsetenv("ECERT_KEY");
	unsetenv("ECERT_PASSPHRASE_FILE");
	if (fixture_scratch("test_license") != 0)
		return -1;
	snprintf(db, sizeof(db), "%s", fixture_at("ecert.db"));
	snprintf(passfile, sizeof(passfile), "%s", fixture_at("pass"));
	if ((fp = fopen(passfile, "w")) == NULL)
		return -1;
	fputs(PASS "\n", fp);
	fclose(fp);
	chmod(passfile, 0600);
	if (fixture_city("ecert.db", &n, &e) != 0 ||
	    (store = fixture_store) == NULL ||
	    make_key(MARKET, "market.key", 1, &e) != 0 ||
	    make_key(LAND, "land.key", 1, &e) != 0 ||
	    make_key(HOUSING, "housing.key", 1, &e) != 0 ||
	    ecert_actor_load(store, fixture_at("market.key"), passfile, &market,
	    &e) != 0 ||
	    ecert_actor_load(store, fixture_at("land.key"), passfile, &land,
	    &e) != 0) {
		fprintf(stderr, "setup: %s\n", e.msg);
		return -1;
	}
	if (n != 4) {
		fprintf(stderr, "setup: %d types loaded, want 4\n", n);
		return -1;
	}
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	ecert_key_wipe(&market.key);
	ecert_key_wipe(&land.key);
	return fixture_teardown();
}

/* Helpers */

static void
expect_fail(int rc, const struct ecert_error *e, int status, const char *why)
{
	if (rc != status || e->status != status || strstr(e->msg, why) == NULL)
		fail_msg("want %d (%s), got %d: %s", status, why, rc, e->msg);
}

/* SQL on a connection of its own, as sqlite3(1) would run it. */
static void
raw_ok(const char *sql)
{
	sqlite3 *h;
	char *msg = NULL;

	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	sqlite3_busy_timeout(h, 5000);
	if (sqlite3_exec(h, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg);
	sqlite3_close(h);
}

static int
raw_fails(const char *sql, char *err, size_t n)
{
	sqlite3 *h;
	char *msg = NULL;
	int rc;

	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	sqlite3_busy_timeout(h, 5000);
	rc = sqlite3_exec(h, sql, NULL, NULL, &msg);
	snprintf(err, n, "%s", msg ? msg : "");
	sqlite3_free(msg);
	sqlite3_close(h);
	return rc;
}

/* The one value of a query on the store's handle, as text. */
static char *
sql_value(const char *fmt, ...)
{
	va_list ap;
	char *sql, *v = NULL;
	sqlite3_stmt *st;

	va_start(ap, fmt);
	sql = sqlite3_vmprintf(fmt, ap);
	va_end(ap);
	if (sqlite3_prepare_v2(store->db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(store->db));
	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_type(st, 0) != SQLITE_NULL)
		v = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_free(sql);
	return v;
}

static long long
sql_count(const char *fmt, const char *arg)
{
	char *v = sql_value(fmt, arg);
	long long n = v ? atoll(v) : -1;

	free(v);
	return n;
}

static json_t *
food_record(const char *number)
{
	json_t *r = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s,"
	    " s:s, s:s, s:s, s:s}",
	    "type", FOOD, "number", number, "holder", HOLDER,
	    "holder_id", COMPANY, "issue_date", "2024-03-01",
	    "legal_representative", PERSON, "住所", ADDRESS,
	    "premises", ADDRESS, "business_form", "餐饮服务经营者",
	    "经营项目", "热食类食品制售\n冷食类食品制售",
	    "supervising_agency", "襄阳市樊城区市场监督管理局",
	    "supervisor", "李明", "complaint_phone", "12315");

	assert_non_null(r);
	return r;
}

static json_t *
estate_record(const char *number)
{
	json_t *r = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s,"
	    " s:s, s:s, s:s, s:s}",
	    "type", ESTATE, "number", number, "holder", PERSON,
	    "holder_id", CITIZEN_ID, "issue_date", "2024-05-20",
	    "共有情况", "单独所有", "坐落", ADDRESS,
	    "不动产单元号", "420606001001GB00001F00010001",
	    "权利类型", "国有建设用地使用权/房屋所有权",
	    "权利性质", "出让/市场化商品房", "用途", "城镇住宅用地/住宅",
	    "面积", "共有宗地面积12345.67㎡/房屋建筑面积98.76㎡",
	    "使用期限", "2010年01月01日起2080年12月31日止");

	assert_non_null(r);
	return r;
}

static json_t *
permit_record(const char *number)
{
	json_t *r = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s,"
	    " s:s, s:s, s:s, s:s, s:s, s:s}",
	    "type", PERMIT, "number", number, "holder", HOLDER,
	    "holder_id", COMPANY, "issue_date", "2024-06-15",
	    "project_name", "襄阳汉江食品有限公司中央厨房项目",
	    "site_address", ADDRESS, "scale", "建筑面积5000平方米",
	    "contract_price", "1200", "survey_unit", "襄阳市勘察设计院",
	    "design_unit", "襄阳市建筑设计研究院",
	    "contractor", "湖北汉江建设有限公司",
	    "contractor_code", COMPANY, "construction_manager", "王建国",
	    "contract_days", "365");

	assert_non_null(r);
	return r;
}

static json_t *
type_of(const char *code)
{
	json_t *t = ecert_catalog_get(store, code);

	if (t == NULL)
		fail_msg("type %s: not in the catalog", code);
	return t;
}

/* Issues in a transaction of its own, as ecert-issue does. */
static int
try_issue(const struct ecert_actor *a, json_t *record, char *id, size_t n,
    struct ecert_error *e)
{
	int rc;

	if ((rc = ecert_begin(store, e)) != 0)
		return rc;
	if ((rc = ecert_license_issue(store, a, record, 0, id, n, e)) != 0) {
		ecert_rollback(store);
		return rc;
	}
	return ecert_commit(store, e);
}

static void
issue(const struct ecert_actor *a, json_t *record, char *id, size_t n)
{
	struct ecert_error e = { 0, "" };

	char drafter[64];
	sqlite3_stmt *st;
	int draft = 0;

	if (try_issue(a, record, id, n, &e) != 0)
		fail_msg("issue: %d: %s", e.status, e.msg);
	json_decref(record);
	assert_true(ecert_identifier_valid(id));
	/* a type that needs review: another person signs the draft */
	st = ecert_prepare(store, "SELECT status FROM licenses WHERE id = ?",
	    &e);
	assert_non_null(st);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		draft = strcmp((const char *)sqlite3_column_text(st, 0),
		    "draft") == 0;
	sqlite3_finalize(st);
	if (!draft)
		return;
	snprintf(drafter, sizeof(drafter), "%s", store->os_user);
	snprintf(store->os_user, sizeof(store->os_user), "reviewer");
	if (ecert_begin(store, &e) != 0 ||
	    ecert_license_approve(store, a, id, &e) != 0 ||
	    ecert_commit(store, &e) != 0)
		fail_msg("approve: %d: %s", e.status, e.msg);
	snprintf(store->os_user, sizeof(store->os_user), "%s", drafter);
}

static int
verify(const char *id, char *status, char *why)
{
	struct ecert_error e = { 0, "" };
	enum ecert_verdict v;
	int rc = ecert_license_verify(store, id, &v, why, 256, &e);

	snprintf(status, 32, "%s", ecert_verdict_word(v));
	return rc;
}

static void
expect_valid(const char *id)
{
	char status[32], why[256];
	int rc = verify(id, status, why);

	if (rc != 0)
		fail_msg("%s: %d %s: %s", id, rc, status, why);
	assert_string_equal(status, "valid");
}

static void
expect_invalid(const char *id, const char *want_status, const char *want_why)
{
	char status[32], why[256];
	int rc = verify(id, status, why);

	if (rc != ECERT_NO || strcmp(status, want_status) != 0 ||
	    strstr(why, want_why) == NULL)
		fail_msg("%s: want 1 %s (%s), got %d %s (%s)", id, want_status,
		    want_why, rc, status, why);
}

static int
set_status(const struct ecert_actor *a, const char *id, const char *action,
    const char *reason, struct ecert_error *e)
{
	int rc;

	if ((rc = ecert_begin(store, e)) != 0)
		return rc;
	rc = ecert_license_set_status(store, a, id, action, reason, e);
	if (rc == 0)
		return ecert_commit(store, e);
	ecert_rollback(store);
	return rc;
}

static void
set_status_ok(const struct ecert_actor *a, const char *id, const char *action)
{
	struct ecert_error e = { 0, "" };

	if (set_status(a, id, action, "经营场所湖北省襄阳市樊城区长虹北路16号"
	    "核查", &e) != 0)
		fail_msg("%s %s: %d: %s", action, id, e.status, e.msg);
}

/* unit.c */

static void
test_roles(void **state)
{
	char out[64];
	int roles;

	(void)state;
	assert_int_equal(ecert_roles_parse("issuer,user", &roles), 0);
	assert_int_equal(roles, ECERT_ROLE_ISSUER | ECERT_ROLE_USER);
	ecert_roles_format(roles, out, sizeof(out));
	assert_string_equal(out, "issuer,user");
	assert_int_equal(ecert_roles_parse("admin", &roles), 0);
	assert_int_equal(roles, ECERT_ROLE_ADMIN);
	ecert_roles_format(7, out, sizeof(out));
	assert_string_equal(out, "admin,issuer,user");
	ecert_roles_format(0, out, sizeof(out));
	assert_string_equal(out, "");
	assert_int_equal(ecert_roles_parse("issuer,boss", &roles), -1);
	assert_int_equal(ecert_roles_parse("", &roles), -1);
	assert_int_equal(ecert_roles_parse("Issuer", &roles), -1);
}

static void
test_unit_add(void **state)
{
	struct ecert_error e = { 0, "" };
	char name[512], longname[512];
	int roles = 0, i;

	(void)state;
	assert_int_equal(ecert_unit_name(store, MARKET, name, sizeof(name),
	    &roles), 1);
	assert_string_equal(name, "襄阳市市场监督管理局");
	assert_int_equal(roles, ECERT_ROLE_ISSUER | ECERT_ROLE_USER);
	assert_int_equal(ecert_unit_name(store, COMPANY, name, sizeof(name),
	    &roles), 0);

	expect_fail(ecert_unit_add(store, "91420600MA49ABCD1B", HOLDER,
	    ECERT_ROLE_USER, &e), &e, ECERT_DATAERR,
	    "91420600MA49ABCD1B: not a valid unified social credit code");
	expect_fail(ecert_unit_add(store, "9142060MA49ABCD1A", HOLDER,
	    ECERT_ROLE_USER, &e), &e, ECERT_DATAERR, "not a valid");
	expect_fail(ecert_unit_add(store, MARKET, "襄阳市市场监督管理局",
	    ECERT_ROLE_ISSUER, &e), &e, ECERT_DATAERR,
	    "unit " MARKET ": already registered");
	expect_fail(ecert_unit_add(store, COMPANY, "", ECERT_ROLE_USER, &e),
	    &e, ECERT_DATAERR, "name: must be 1 to 100 characters");
	expect_fail(ecert_unit_add(store, COMPANY, "襄阳\xff", ECERT_ROLE_USER,
	    &e), &e, ECERT_DATAERR, "name: must be 1 to 100 characters");
	expect_fail(ecert_unit_add(store, COMPANY, "襄阳汉江\n食品有限公司",
	    ECERT_ROLE_USER, &e), &e, ECERT_DATAERR, "name: must be 1 to 100 "
	    "characters");
	longname[0] = '\0';
	for (i = 0; i < 101; i++)
		strcat(longname, "汉");
	expect_fail(ecert_unit_add(store, COMPANY, longname, ECERT_ROLE_USER,
	    &e), &e, ECERT_DATAERR, "name: must be 1 to 100 characters");
	assert_int_equal(ecert_unit_name(store, COMPANY, NULL, 0, NULL), 0);
	/* exactly 100 characters is fine */
	longname[300] = '\0';
	assert_int_equal(ecert_unit_add(store, COMPANY, longname,
	    ECERT_ROLE_USER, &e), 0);
	assert_int_equal(ecert_unit_name(store, COMPANY, name, sizeof(name),
	    &roles), 1);
	assert_string_equal(name, longname);
	assert_int_equal(roles, ECERT_ROLE_USER);
}

static void
test_key_register(void **state)
{
	struct ecert_error e = { 0, "" };
	struct ecert_key k;
	unsigned char pk[32];
	char unit[19], nb[21], na[21];

	(void)state;
	ecert_key_generate(&k, "91420600MA4F0000XX");
	expect_fail(ecert_key_register(store, &k, &e), &e, ECERT_NO,
	    "not registered");
	ecert_key_wipe(&k);
	ecert_key_generate(&k, "91420602MA48A7X21W");
	expect_fail(ecert_key_register(store, &k, &e), &e, ECERT_NO,
	    "unit 91420602MA48A7X21W: not registered");
	ecert_key_wipe(&k);
	/* the same key twice */
	expect_fail(ecert_key_register(store, &market.key, &e), &e,
	    ECERT_DATAERR, "already registered");

	assert_int_equal(ecert_key_lookup(store, market.key.key_id, pk, unit,
	    nb, na), 1);
	assert_memory_equal(pk, market.key.pk, 32);
	assert_string_equal(unit, MARKET);
	assert_string_equal(na, "");
	assert_int_equal(strlen(nb), 20);
	assert_int_equal(ecert_key_lookup(store, "0000000000000000", pk, NULL,
	    NULL, NULL), 0);
}

static json_t *
last_audit(void)
{
	char *v = sql_value("SELECT json_object('unit', unit, 'action', action,"
	    " 'object', object, 'outcome', outcome, 'detail', detail)"
	    " FROM audit ORDER BY seq DESC LIMIT 1");
	json_t *o = json_loads(v, 0, NULL);

	free(v);
	assert_non_null(o);
	return o;
}

static void
test_actor_load(void **state)
{
	struct ecert_error e = { 0, "" };
	struct ecert_actor a;
	json_t *entry;

	(void)state;
	assert_string_equal(market.unit, MARKET);
	assert_string_equal(market.name, "襄阳市市场监督管理局");
	assert_int_equal(market.roles, ECERT_ROLE_ISSUER | ECERT_ROLE_USER);
	assert_string_equal(market.key.unit, MARKET);
	assert_string_equal(land.unit, LAND);
	assert_string_equal(land.name, "襄阳市自然资源和规划局");

	/* no key given and none in the environment */
	expect_fail(ecert_actor_load(store, NULL, passfile, &a, &e), &e,
	    ECERT_USAGE, "no key");
	/* $ECERT_KEY and $ECERT_PASSPHRASE_FILE stand for the options */
	setenv("ECERT_KEY", fixture_at("land.key"), 1);
	setenv("ECERT_PASSPHRASE_FILE", passfile, 1);
	if (ecert_actor_load(store, NULL, NULL, &a, &e) != 0)
		fail_msg("actor from the environment: %s", e.msg);
	assert_string_equal(a.unit, LAND);
	ecert_key_wipe(&a.key);
	unsetenv("ECERT_KEY");
	unsetenv("ECERT_PASSPHRASE_FILE");

	/* a wrong passphrase is denied, and audited */
	{
		FILE *fp = fopen(fixture_at("wrong-pass"), "w");
		assert_non_null(fp);
		fputs("汉江长流 passphrasE\n", fp);
		fclose(fp);
	}
	expect_fail(ecert_actor_load(store, fixture_at("market.key"), fixture_at("wrong-pass"),
	    &a, &e), &e, ECERT_NOPERM, "wrong passphrase");
	entry = last_audit();
	assert_string_equal(ecert_json_str(entry, "action"), "key.open");
	assert_string_equal(ecert_json_str(entry, "outcome"), "denied");
	json_decref(entry);
}

/* A good key of a registered unit that was never registered itself. */
static void
test_actor_unregistered_key(void **state)
{
	struct ecert_error e = { 0, "" };
	struct ecert_actor a;
	json_t *entry;

	(void)state;
	assert_int_equal(make_key(SOCIAL, "social.key", 0, &e), 0);
	expect_fail(ecert_actor_load(store, fixture_at("social.key"), passfile, &a, &e),
	    &e, ECERT_NOPERM, "not registered in store");
	assert_string_equal(a.key.key_id, "");
	entry = last_audit();
	assert_string_equal(ecert_json_str(entry, "unit"), SOCIAL);
	assert_string_equal(ecert_json_str(entry, "action"), "key.open");
	assert_string_equal(ecert_json_str(entry, "outcome"), "denied");
	json_decref(entry);
}

/*
 * A retired key opens no more, but what it signed while current stays
 * valid, in the store and against the exported trust list.
 */
static void
test_actor_retired_key(void **state)
{
	enum ecert_verdict v;
	struct ecert_error e = { 0, "" };
	struct ecert_actor housing, a;
	char id[160], status[32], why[256];
	json_t *doc, *trust;

	(void)state;
	if (ecert_actor_load(store, fixture_at("housing.key"), passfile, &housing,
	    &e) != 0)
		fail_msg("housing: %s", e.msg);
	issue(&housing, permit_record("420606202406150101"), id, sizeof(id));
	expect_valid(id);
	assert_int_equal(ecert_begin(store, &e), 0);
	assert_int_equal(ecert_keys_retire(store, HOUSING, &e), 0);
	assert_int_equal(ecert_commit(store, &e), 0);

	expect_fail(ecert_actor_load(store, fixture_at("housing.key"), passfile, &a,
	    &e), &e, ECERT_NOPERM, "retired");
	expect_valid(id);
	assert_int_equal(ecert_license_load(store, id, &doc, status,
	    sizeof(status), &e), 0);
	trust = ecert_key_export(store, HOUSING);
	assert_int_equal(json_array_size(trust), 1);
	assert_true(json_is_string(json_object_get(json_array_get(trust, 0),
	    "not_after")));
	if (ecert_license_verify_doc(doc, trust, &v, why, sizeof(why)) != 0)
		fail_msg("verify_doc: %s", why);
	json_decref(trust);
	json_decref(doc);
	ecert_key_wipe(&housing.key);
}

/* catalog.c, as the licenses below need it */

static void
test_catalog(void **state)
{
	struct ecert_error e = { 0, "" };
	json_t *t;
	int n = -1;

	(void)state;
	t = type_of(FOOD);
	assert_string_equal(ecert_json_str(t, "name"), "食品经营许可证");
	assert_string_equal(ecert_json_str(t, "issuer"), MARKET);
	json_decref(t);
	json_decref(type_of(BUSINESS));
	json_decref(type_of(PERMIT));
	json_decref(type_of(ESTATE));
	assert_null(ecert_catalog_get(store, "11100000000013338W099"));
	/* loading the same files again changes nothing */
	assert_int_equal(fixture_catalog(store, &n, &e), 0);
	assert_int_equal(n, 0);
}

/* license.c: validation */

static void
test_validate_good(void **state)
{
	struct ecert_error e = { 0, "" };
	json_t *type = type_of(FOOD), *rec = food_record("JY14206020000001");
	json_t *doc, *items, *holder;

	(void)state;
	if (ecert_license_validate(type, rec, &doc, &e) != 0)
		fail_msg("validate: %s", e.msg);
	assert_string_equal(ecert_json_str(doc, "type"), FOOD);
	assert_string_equal(ecert_json_str(doc, "type_name"), "食品经营许可证");
	assert_string_equal(ecert_json_str(doc, "number"), "JY14206020000001");
	holder = json_object_get(doc, "holder");
	assert_string_equal(ecert_json_str(holder, "name"), HOLDER);
	assert_string_equal(ecert_json_str(holder, "id"), COMPANY);
	assert_string_equal(ecert_json_str(holder, "id_type"), "001");
	assert_string_equal(ecert_json_str(doc, "issue_date"), "2024-03-01");
	assert_string_equal(ecert_json_str(doc, "valid_from"), "2024-03-01");
	assert_string_equal(ecert_json_str(doc, "valid_until"), "2029-02-28");
	items = json_object_get(doc, "items");
	assert_int_equal(json_object_size(items), 8);
	/* items given by label are kept by key */
	assert_string_equal(ecert_json_str(items, "domicile"), ADDRESS);
	assert_string_equal(ecert_json_str(items, "business_items"),
	    "热食类食品制售\n冷食类食品制售");
	assert_null(json_object_get(items, "住所"));
	json_decref(doc);

	/* an optional item may be left out */
	json_object_del(rec, "supervisor");
	assert_int_equal(ecert_license_validate(type, rec, &doc, &e), 0);
	assert_int_equal(json_object_size(json_object_get(doc, "items")), 7);
	json_decref(doc);
	json_decref(rec);
	json_decref(type);
}

/* A historical record (article 10): only the core facts are required;
 * a required item it lacks is not collected, the document partial. */
static void
test_validate_historical(void **state)
{
	struct ecert_error e = { 0, "" };
	json_t *type = type_of(FOOD), *rec = food_record("JY14206020000001");
	json_t *doc;

	(void)state;
	json_object_del(rec, "premises");
	json_object_del(rec, "住所");
	assert_int_not_equal(ecert_license_validate(type, rec, &doc, &e), 0);
	/* every fault, not only the first */
	assert_string_equal(e.msg, "field domicile (住所): required; "
	    "field premises (经营场所): required");
	if (ecert_license_validate_flags(type, rec, ECERT_PREP_HISTORICAL,
	    &doc, &e) != 0)
		fail_msg("historical: %s", e.msg);
	assert_true(json_is_true(json_object_get(doc, "partial")));
	assert_string_equal(json_string_value(json_array_get(
	    json_object_get(doc, "not_collected"), 0)), "domicile");
	assert_int_equal(json_array_size(json_object_get(doc,
	    "not_collected")), 2);
	json_decref(doc);
	/* but the issue date is its own, never today's */
	json_object_del(rec, "issue_date");
	assert_int_not_equal(ecert_license_validate_flags(type, rec,
	    ECERT_PREP_HISTORICAL, &doc, &e), 0);
	assert_string_equal(e.msg, "field issue_date: required (a historical "
	    "record keeps its own)");
	/* a number is no date, nor a license number */
	json_object_set_new(rec, "issue_date", json_integer(20240301));
	json_object_set_new(rec, "number", json_integer(42));
	assert_int_not_equal(ecert_license_validate_flags(type, rec,
	    ECERT_PREP_HISTORICAL, &doc, &e), 0);
	assert_non_null(strstr(e.msg, "field issue_date: must be a string"));
	assert_non_null(strstr(e.msg, "field number: must be a string"));
	json_decref(rec);
	json_decref(type);
}

struct bad_field {
	const char *type;
	const char *key;	/* set to value, or removed when value is NULL */
	const char *value;
	const char *why;
};

#define LONG51 "张汉江张汉江张汉江张汉江张汉江张汉江张汉江张汉江" \
	"张汉江张汉江张汉江张汉江张汉江张汉江张汉江张汉江张汉江"

static const struct bad_field bad_fields[] = {
	{ FOOD, "premises", NULL, "field premises (经营场所): required" },
	{ FOOD, "住所", NULL, "field domicile (住所): required" },
	{ FOOD, "number", NULL, "field number: required" },
	{ FOOD, "holder", NULL, "field holder: required" },
	{ FOOD, "holder_id", NULL, "field holder_id: required" },
	{ FOOD, "color", "红色", "field color: not a data item of type "
	    FOOD " (食品经营许可证)" },
	{ FOOD, "法定代表人", PERSON, "field 法定代表人: not a data item" },
	{ FOOD, "holder_id", "91420600MA49ABCD1B", "field holder_id: not a "
	    "valid unified social credit code" },
	{ FOOD, "issue_date", "2023-02-29", "field issue_date: 2023-02-29: "
	    "not a real date" },
	{ FOOD, "issue_date", "2024/03/01", "field issue_date: 2024/03/01: "
	    "not a real date" },
	{ FOOD, "issue_date", "2026-06-16", "field issue_date: 2026-06-16: "
	    "in the future" },
	{ FOOD, "valid_from", "2024-02-30", "field valid_from: 2024-02-30: "
	    "not a real date" },
	{ FOOD, "valid_until", "2024-02-29", "field valid_until: 2024-02-29: "
	    "before valid_from 2024-03-01" },
	{ FOOD, "valid_until", "2029-02-30", "field valid_until: 2029-02-30: "
	    "not a real date" },
	{ FOOD, "business_form", "饭店", "field business_form (主体业态): 饭店:"
	    " not one of the catalog's values" },
	{ FOOD, "business_form", "餐饮服务经营者 ", "field business_form" },
	{ FOOD, "legal_representative", LONG51, "field legal_representative "
	    "(法定代表人（负责人）): longer than 50 characters" },
	{ FOOD, "complaint_phone", "0710-1234567890123456", "field "
	    "complaint_phone (投诉举报电话): longer than 20 characters" },
	{ FOOD, "legal_representative", "张\x01汉江", "field "
	    "legal_representative (法定代表人（负责人）): control character" },
	{ FOOD, "legal_representative", "张汉江\n", "field "
	    "legal_representative (法定代表人（负责人）): control character" },
	{ FOOD, "premises", "长虹北路\x7f", "field premises (经营场所): "
	    "control character" },
	{ FOOD, "经营项目", "热食类\r食品制售", "field business_items "
	    "(经营项目): control character" },
	{ FOOD, "holder", "襄阳汉江\t食品有限公司", "field holder: control "
	    "character" },
	{ FOOD, "holder", "", "field holder: empty" },
	{ FOOD, "number", "", "field number: empty" },
	{ FOOD, "supervisor", "", "field supervisor (日常监督管理人员): empty" },
	{ FOOD, "经营场所", ADDRESS, "field premises: given both by key and "
	    "by label" },
	{ FOOD, "type", BUSINESS, "field type: " BUSINESS ": does not match "
	    FOOD },
	{ ESTATE, "holder_id", "420602198503120049", "field holder_id: not a "
	    "valid citizen ID number" },
	{ ESTATE, "holder_id", COMPANY, "field holder_id: not a valid citizen "
	    "ID number" },
	{ ESTATE, "holder_id", "42060219850312004x", "field holder_id" },
	{ ESTATE, "不动产单元号", "420606001001GB00001F000100011", "field "
	    "unit_number (不动产单元号): longer than 28 characters" },
	{ ESTATE, "共有情况", "单独", "field co_ownership (共有情况): 单独: "
	    "not one of" },
	{ PERMIT, "contract_days", "0", "field contract_days (合同工期（日历天）):"
	    " 0: out of range" },
	{ PERMIT, "contract_days", "3651", "field contract_days (合同工期（日历"
	    "天）): 3651: out of range" },
	{ PERMIT, "contract_days", "-5", "-5: out of range" },
	{ PERMIT, "contract_days", "365天", "field contract_days (合同工期（日历"
	    "天）): 365天: not an integer" },
	{ PERMIT, "contract_days", "", "not an integer" },
	{ PERMIT, "contract_days", " 365", "not an integer" },
	{ PERMIT, "contract_days", "99999999999999999999", "not an integer" },
	{ PERMIT, "contractor_code", "91420600MA49ABCD1B", "field "
	    "contractor_code (施工单位统一社会信用代码): not a valid unified "
	    "social credit code" },
	{ PERMIT, "survey_unit", NULL, "field survey_unit (勘察单位): required" },
};

static json_t *
record_for(const char *type)
{
	if (strcmp(type, FOOD) == 0)
		return food_record("JY14206020000002");
	if (strcmp(type, ESTATE) == 0)
		return estate_record("鄂（2024）襄阳市不动产权第0000002号");
	return permit_record("420606202406150002");
}

static void
test_validate_refusals(void **state)
{
	const struct bad_field *b;
	struct ecert_error e;
	json_t *type, *rec, *doc;
	size_t i;
	int rc;

	(void)state;
	for (i = 0; i < NELEM(bad_fields); i++) {
		b = &bad_fields[i];
		type = type_of(b->type);
		rec = record_for(b->type);
		/* the unchanged record is good */
		memset(&e, 0, sizeof(e));
		if (ecert_license_validate(type, rec, &doc, &e) != 0)
			fail_msg("bad_fields[%zu]: good record refused: %s", i,
			    e.msg);
		json_decref(doc);
		if (b->value == NULL)
			assert_int_equal(json_object_del(rec, b->key), 0);
		else
			json_object_set_new(rec, b->key, json_string(b->value));
		memset(&e, 0, sizeof(e));
		doc = (json_t *)1;
		rc = ecert_license_validate(type, rec, &doc, &e);
		if (rc != ECERT_DATAERR || e.status != ECERT_DATAERR ||
		    strstr(e.msg, b->why) == NULL)
			fail_msg("bad_fields[%zu] %s=%s: want 65 (%s), got %d: %s",
			    i, b->key, b->value ? b->value : "(none)", b->why,
			    rc, e.msg);
		assert_null(doc);
		/* a citizen ID number is never echoed in a message */
		assert_null(strstr(e.msg, "42060219850312004"));
		json_decref(rec);
		json_decref(type);
	}
}

/* Values must be strings (or integers); a record must be an object. */
static void
test_validate_shapes(void **state)
{
	struct ecert_error e = { 0, "" };
	json_t *type = type_of(PERMIT), *rec, *doc;
	static const char *bad[] = { "[\"张汉江\"]", "true", "null", "1.5",
	    "{\"name\":\"张汉江\"}" };
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(bad); i++) {
		rec = permit_record("420606202406150003");
		json_object_set_new(rec, "construction_manager",
		    json_loads(bad[i], JSON_DECODE_ANY, NULL));
		expect_fail(ecert_license_validate(type, rec, &doc, &e), &e,
		    ECERT_DATAERR, "field construction_manager: must be a "
		    "string");
		json_decref(rec);
	}
	/* a JSON integer is taken for an integer item, and kept as one */
	rec = permit_record("420606202406150003");
	json_object_set_new(rec, "合同工期（日历天）", json_integer(540));
	json_object_del(rec, "contract_days");
	assert_int_equal(ecert_license_validate(type, rec, &doc, &e), 0);
	assert_true(json_is_integer(json_object_get(json_object_get(doc,
	    "items"), "contract_days")));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
	    doc, "items"), "contract_days")), 540);
	assert_true(json_is_null(json_object_get(doc, "valid_until")));
	json_decref(doc);
	json_decref(rec);

	rec = json_array();
	expect_fail(ecert_license_validate(type, rec, &doc, &e), &e,
	    ECERT_DATAERR, "record: not a JSON object");
	json_decref(rec);
	json_decref(type);
}

static const char *
until_for(json_t *type, const char *issue_date, const char *from,
    const char *until)
{
	static char out[16];
	struct ecert_error e = { 0, "" };
	json_t *rec = food_record("JY14206020000003"), *doc;

	if (issue_date == NULL)
		json_object_del(rec, "issue_date");
	else
		json_object_set_new(rec, "issue_date", json_string(issue_date));
	if (from != NULL)
		json_object_set_new(rec, "valid_from", json_string(from));
	if (until != NULL)
		json_object_set_new(rec, "valid_until", json_string(until));
	if (ecert_license_validate(type, rec, &doc, &e) != 0)
		fail_msg("validate: %s", e.msg);
	snprintf(out, sizeof(out), "%s", json_is_null(json_object_get(doc,
	    "valid_until")) ? "null" : ecert_json_str(doc, "valid_until"));
	json_decref(doc);
	json_decref(rec);
	return out;
}

/* valid_until defaults to valid_from plus validity_years, less a day. */
static void
test_validity_default(void **state)
{
	json_t *type = type_of(FOOD);

	(void)state;
	assert_string_equal(until_for(type, "2024-03-01", NULL, NULL),
	    "2029-02-28");
	assert_string_equal(until_for(type, "2024-03-01", "2025-01-01", NULL),
	    "2029-12-31");
	assert_string_equal(until_for(type, NULL, NULL, NULL), "2031-06-14");
	assert_string_equal(until_for(type, "2024-03-01", NULL, "2027-01-01"),
	    "2027-01-01");
	assert_string_equal(until_for(type, "2024-03-01", NULL, "2024-03-01"),
	    "2024-03-01");
	/* a term ending in a leap year's February */
	assert_string_equal(until_for(type, "2023-03-01", NULL, NULL),
	    "2028-02-29");
	/* no default without validity_years */
	json_object_set_new(type, "validity_years", json_integer(0));
	assert_string_equal(until_for(type, "2024-03-01", NULL, NULL), "null");
	json_object_set_new(type, "validity_years", json_integer(1));
	assert_string_equal(until_for(type, "2023-03-01", NULL, NULL),
	    "2024-02-29");
	json_decref(type);
}

/* A term from 29 February to a year that has one ends the day before
 * its anniversary: four years from 2024-02-29 run until 2028-02-28. */
static void
test_validity_leap_day(void **state)
{
	json_t *type = type_of(FOOD);
	char until[16];

	(void)state;
	json_object_set_new(type, "validity_years", json_integer(4));
	snprintf(until, sizeof(until), "%s", until_for(type, "2024-02-29",
	    NULL, NULL));
	json_decref(type);
	assert_string_equal(until, "2028-02-28");
}

/* license.c: issuing and verifying */

static void
test_issue_verify(void **state)
{
	enum ecert_verdict v;
	struct ecert_error e = { 0, "" };
	char id[160], status[32], why[256];
	json_t *doc, *trust, *sig, *d;
	const char *want = "1.2.156.3005.2." FOOD "." MARKET
	    ".JY14206020012345.001.";

	(void)state;
	issue(&market, food_record("JY14206020012345"), id, sizeof(id));
	assert_int_equal(strncmp(id, want, strlen(want)), 0);
	assert_int_equal(strlen(id), strlen(want) + 1);
	expect_valid(id);

	assert_int_equal(ecert_license_load(store, id, &doc, status,
	    sizeof(status), &e), 0);
	assert_string_equal(status, "valid");
	d = json_object_get(doc, "document");
	sig = json_object_get(doc, "signature");
	assert_string_equal(ecert_json_str(d, "id"), id);
	assert_int_equal(json_integer_value(json_object_get(d, "version")), 1);
	assert_string_equal(ecert_json_str(json_object_get(d, "issuer"),
	    "code"), MARKET);
	assert_string_equal(ecert_json_str(json_object_get(d, "issuer"),
	    "name"), "襄阳市市场监督管理局");
	assert_string_equal(ecert_json_str(json_object_get(d, "holder"),
	    "name"), HOLDER);
	assert_string_equal(ecert_json_str(sig, "alg"), "ed25519");
	assert_string_equal(ecert_json_str(sig, "key_id"), market.key.key_id);
	assert_string_equal(ecert_json_str(sig, "signer"), MARKET);
	assert_int_equal(strlen(ecert_json_str(sig, "value")), 88);
	assert_null(json_object_get(d, "historical"));

	trust = ecert_key_export(store, NULL);
	if (ecert_license_verify_doc(doc, trust, &v, why, sizeof(why)) != 0)
		fail_msg("verify_doc: %s", why);
	json_decref(trust);
	json_decref(doc);

	/* the issue is audited */
	d = last_audit();
	assert_string_equal(ecert_json_str(d, "action"), "license.issue");
	assert_string_equal(ecert_json_str(d, "object"), id);
	assert_string_equal(ecert_json_str(d, "unit"), MARKET);
	json_decref(d);
}

/* A paper number that is not a serial gives a digest of it instead. */
static void
test_issue_serial_digest(void **state)
{
	char id[160], again[160];
	struct ecert_error e = { 0, "" };
	json_t *rec;

	(void)state;
	issue(&land, estate_record("鄂（2024）襄阳市不动产权第0012345号"), id,
	    sizeof(id));
	assert_non_null(strstr(id, "." LAND ".H"));
	expect_valid(id);
	/* the same number gives the same identifier, so it is refused */
	rec = estate_record("鄂（2024）襄阳市不动产权第0012345号");
	expect_fail(try_issue(&land, rec, again,
	    sizeof(again), &e), &e, ECERT_DATAERR, "already in the store");
	assert_non_null(strstr(e.msg, id));
	json_decref(rec);
}

static void
test_issue_refusals(void **state)
{
	struct ecert_error e = { 0, "" };
	struct ecert_actor user = market;
	long long before = sql_count("SELECT count(*) FROM licenses", NULL);
	char id[160] = "";
	json_t *rec;

	(void)state;
	/* another unit's type */
	rec = food_record("JY14206020000010");
	expect_fail(try_issue(&land, rec, id, sizeof(id), &e),
	    &e, ECERT_NOPERM, "unit " LAND " may not issue type " FOOD);
	/* the right unit without the issuer role */
	user.roles = ECERT_ROLE_USER;
	expect_fail(try_issue(&user, rec, id, sizeof(id), &e),
	    &e, ECERT_NOPERM, "may not issue");
	json_decref(rec);
	/* no type, an unknown type */
	rec = food_record("JY14206020000011");
	json_object_del(rec, "type");
	expect_fail(try_issue(&market, rec, id, sizeof(id),
	    &e), &e, ECERT_DATAERR, "field type: required");
	json_object_set_new(rec, "type", json_string("11100000000013338W099"));
	expect_fail(try_issue(&market, rec, id, sizeof(id),
	    &e), &e, ECERT_DATAERR, "11100000000013338W099: not in the "
	    "catalog");
	/* a bad field */
	json_object_set_new(rec, "type", json_string(FOOD));
	json_object_set_new(rec, "business_form", json_string("饭店"));
	expect_fail(try_issue(&market, rec, id, sizeof(id),
	    &e), &e, ECERT_DATAERR, "business_form");
	json_decref(rec);
	assert_int_equal(sql_count("SELECT count(*) FROM licenses", NULL),
	    before);
	assert_string_equal(id, "");
	ecert_key_wipe(&user.key);
}

/*
 * A citizen ID number given where a code is expected is not echoed in
 * the message either: programs write refusals to the audit log, which
 * can never be cleaned.
 */
static void
test_citizen_id_not_echoed(void **state)
{
	struct ecert_error e = { 0, "" };
	json_t *type, *rec, *doc;

	(void)state;
	type = type_of(FOOD);
	rec = food_record("JY14206020000012");
	json_object_set_new(rec, "holder_id", json_string(CITIZEN_ID));
	expect_fail(ecert_license_validate(type, rec, &doc, &e), &e,
	    ECERT_DATAERR, "field holder_id");
	if (strstr(e.msg, CITIZEN_ID) != NULL)
		fail_msg("the citizen ID is in the message: %s", e.msg);
	json_decref(rec);
	json_decref(type);

	type = type_of(PERMIT);
	rec = permit_record("420606202406150012");
	json_object_set_new(rec, "contractor_code", json_string(CITIZEN_ID));
	expect_fail(ecert_license_validate(type, rec, &doc, &e), &e,
	    ECERT_DATAERR, "field contractor_code");
	if (strstr(e.msg, CITIZEN_ID) != NULL)
		fail_msg("the citizen ID is in the message: %s", e.msg);
	json_decref(rec);
	json_decref(type);
}

/* license.c: status changes */

static void
test_status_changes(void **state)
{
	struct ecert_error e = { 0, "" };
	char id[160];
	json_t *entry;

	(void)state;
	issue(&market, food_record("JY14206020000020"), id, sizeof(id));
	set_status_ok(&market, id, "suspend");
	expect_invalid(id, "suspended", "suspended");
	entry = last_audit();
	assert_string_equal(ecert_json_str(entry, "action"), "license.suspend");
	assert_string_equal(ecert_json_str(entry, "object"), id);
	json_decref(entry);
	expect_fail(set_status(&market, id, "suspend", "再次停业", &e), &e,
	    ECERT_NO, "is suspended; cannot suspend it");
	set_status_ok(&market, id, "reinstate");
	expect_valid(id);
	expect_fail(set_status(&market, id, "reinstate", "整改完成", &e), &e,
	    ECERT_NO, "is valid; cannot reinstate it");
	set_status_ok(&market, id, "suspend");
	set_status_ok(&market, id, "revoke");
	expect_invalid(id, "revoked", "revoked");
	expect_fail(set_status(&market, id, "revoke", "再次注销", &e), &e,
	    ECERT_NO, "is revoked; cannot revoke it");
	expect_fail(set_status(&market, id, "reinstate", "恢复", &e), &e,
	    ECERT_NO, "is revoked; cannot reinstate it");
	expect_fail(set_status(&market, id, "suspend", "停业", &e), &e,
	    ECERT_NO, "is revoked; cannot suspend it");
	assert_int_equal(sql_count("SELECT count(*) FROM license_events"
	    " WHERE license = %Q", id), 4);
	expect_invalid(id, "revoked", "revoked");
}

static void
test_status_refusals(void **state)
{
	struct ecert_error e = { 0, "" };
	char id[160];

	(void)state;
	issue(&market, food_record("JY14206020000021"), id, sizeof(id));
	expect_fail(set_status(&land, id, "revoke", "越权", &e), &e,
	    ECERT_NOPERM, "only the issuing unit may revoke it");
	expect_fail(set_status(&market, id, "destroy", "销毁", &e), &e,
	    ECERT_NO, "cannot destroy it");
	expect_fail(set_status(&market, id, "revoke", "", &e), &e, ECERT_USAGE,
	    "a reason is required");
	expect_fail(set_status(&market, id, "revoke", NULL, &e), &e,
	    ECERT_USAGE, "a reason is required");
	expect_fail(set_status(&market, id, "revoke", "注销\x01", &e), &e,
	    ECERT_DATAERR, "field reason: control character");
	expect_fail(set_status(&market, "1.2.156.3005.2." FOOD "." MARKET
	    ".JY14206029999999.001.X", "revoke", "注销", &e), &e, ECERT_NO,
	    "not found");
	assert_int_equal(sql_count("SELECT count(*) FROM license_events"
	    " WHERE license = %Q", id), 0);
	expect_valid(id);
}

/* license.c: a store changed behind the library's back */

struct alteration {
	const char *sql;	/* %Q is the license's identifier */
	const char *status, *why;
};

static const struct alteration alterations[] = {
	{ "UPDATE licenses SET holder_name = '襄阳江汉食品有限公司'"
	    " WHERE id = %Q", "invalid", "altered: holder differs" },
	{ "UPDATE licenses SET holder_code = '" HOUSING "' WHERE id = %Q",
	    "invalid", "altered: holder_id differs" },
	{ "UPDATE licenses SET holder_hash = '0123456789abcdef0123456789abcdef'"
	    " WHERE id = %Q", "invalid", "altered: holder_id differs" },
	{ "UPDATE licenses SET number = 'JY14206029999999' WHERE id = %Q",
	    "invalid", "altered: number differs" },
	{ "UPDATE licenses SET type = '" BUSINESS "' WHERE id = %Q",
	    "invalid", "altered: type differs" },
	{ "UPDATE licenses SET version = 2 WHERE id = %Q",
	    "invalid", "altered: version differs" },
	{ "UPDATE licenses SET issue_date = '2024-02-01' WHERE id = %Q",
	    "invalid", "altered: issue_date differs" },
	{ "UPDATE licenses SET valid_from = '2024-02-01' WHERE id = %Q",
	    "invalid", "altered: valid_from differs" },
	{ "UPDATE licenses SET valid_until = '2099-12-31' WHERE id = %Q",
	    "invalid", "altered: valid_until differs" },
	{ "UPDATE licenses SET valid_until = NULL WHERE id = %Q",
	    "invalid", "altered: valid_until differs" },
	{ "UPDATE licenses SET document = CAST(substr(document, 1, 30) ||"
	    " (CASE substr(document, 31, 1) WHEN x'00' THEN x'01' ELSE x'00'"
	    " END) || substr(document, 32) AS BLOB) WHERE id = %Q",
	    "invalid", "stored document altered" },
	/* a good signature, by the same key, of another license */
	{ "UPDATE licenses SET signature = (SELECT o.signature FROM licenses o"
	    " WHERE o.id <> licenses.id AND o.key_id = licenses.key_id LIMIT 1)"
	    " WHERE id = %Q", "invalid", "signature does not match" },
	{ "UPDATE licenses SET key_id = (SELECT key_id FROM keys WHERE unit = '"
	    LAND "') WHERE id = %Q", "invalid", "belongs to " LAND },
	{ "UPDATE licenses SET issuer = '" LAND "' WHERE id = %Q",
	    "invalid", "not to the issuer " LAND },
	/* another license's signed document, whole, in this row */
	{ "UPDATE licenses SET (document, signature) = (SELECT o.document,"
	    " o.signature FROM licenses o WHERE o.id <> licenses.id"
	    " AND o.key_id = licenses.key_id LIMIT 1) WHERE id = %Q", "invalid",
	    "altered: identifier differs" },
	{ "UPDATE licenses SET status = 'suspended' WHERE id = %Q",
	    "invalid", "store says suspended, its signed events say valid" },
	{ "UPDATE licenses SET status = 'revoked' WHERE id = %Q",
	    "invalid", "store says revoked, its signed events say valid" },
	/* a forged event, by no key or with no valid signature */
	{ "INSERT INTO license_events(license, time, unit, os_user, status,"
	    " reason) VALUES (%Q, '2026-06-15T00:00:00Z', '" MARKET "', 'x',"
	    " 'valid', '恢复')", "invalid", "is not signed by a key of its unit" },
	{ "INSERT INTO license_events(license, time, unit, os_user, status,"
	    " reason, key_id, signature) SELECT %Q, '2026-06-15T00:00:00Z', '"
	    MARKET "', 'x', 'valid', '恢复', key_id, signature FROM licenses"
	    " WHERE id = %Q", "invalid", "bad signature" },
};

static void
test_row_altered(void **state)
{
	char id[160], number[32], *sql;
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(alterations); i++) {
		snprintf(number, sizeof(number), "JY142060201%05zu", i);
		issue(&market, food_record(number), id, sizeof(id));
		expect_valid(id);
		sql = sqlite3_mprintf(alterations[i].sql, id, id);
		raw_ok(sql);
		sqlite3_free(sql);
		{
			char status[32], why[256];
			int rc = verify(id, status, why);
			if (rc != ECERT_NO || strcmp(status,
			    alterations[i].status) != 0 ||
			    strstr(why, alterations[i].why) == NULL)
				fail_msg("alterations[%zu]: want 1 %s (%s), "
				    "got %d %s (%s)", i, alterations[i].status,
				    alterations[i].why, rc, status, why);
		}
	}
}

/* Revoked, then made valid again by SQL: the signed events say no. */
static void
test_status_reset_by_sql(void **state)
{
	char id[160], *sql, err[256];

	(void)state;
	issue(&market, food_record("JY14206020000030"), id, sizeof(id));
	set_status_ok(&market, id, "revoke");
	sql = sqlite3_mprintf("UPDATE licenses SET status = 'valid'"
	    " WHERE id = %Q", id);
	raw_ok(sql);
	sqlite3_free(sql);
	expect_invalid(id, "invalid", "store says valid, its signed events "
	    "say revoked");

	/* events and licenses cannot be deleted or changed */
	sql = sqlite3_mprintf("DELETE FROM license_events WHERE license = %Q",
	    id);
	assert_int_equal(raw_fails(sql, err, sizeof(err)), SQLITE_CONSTRAINT);
	assert_string_equal(err, "license events cannot be deleted");
	sqlite3_free(sql);
	sql = sqlite3_mprintf("UPDATE license_events SET status = 'valid'"
	    " WHERE license = %Q", id);
	assert_int_equal(raw_fails(sql, err, sizeof(err)), SQLITE_CONSTRAINT);
	assert_string_equal(err, "license events cannot be changed");
	sqlite3_free(sql);
	sql = sqlite3_mprintf("DELETE FROM licenses WHERE id = %Q", id);
	assert_int_equal(raw_fails(sql, err, sizeof(err)), SQLITE_CONSTRAINT);
	assert_string_equal(err, "licenses are never deleted");
	sqlite3_free(sql);

	/* with the trigger gone, the revocation's event altered */
	raw_ok("DROP TRIGGER events_no_change");
	sql = sqlite3_mprintf("UPDATE license_events SET reason = '误操作'"
	    " WHERE license = %Q", id);
	raw_ok(sql);
	sqlite3_free(sql);
	expect_invalid(id, "invalid", "bad signature");
	raw_ok("CREATE TRIGGER events_no_change BEFORE UPDATE ON license_events"
	    " BEGIN SELECT RAISE(ABORT, 'license events cannot be changed');"
	    " END");
}

static void
test_not_found(void **state)
{
	const char *id = "1.2.156.3005.2." FOOD "." MARKET
	    ".JY14206029999999.001.X";
	struct ecert_error e = { 0, "" };
	char status[32], why[256];
	json_t *doc = (json_t *)1;

	(void)state;
	assert_int_equal(verify(id, status, why), ECERT_NO);
	assert_string_equal(status, "not-found");
	assert_string_equal(why, "not in the store");
	assert_int_equal(ecert_license_load(store, id, &doc, status,
	    sizeof(status), &e), ECERT_NO);
	assert_null(doc);
}

/* license.c: verifying a document away from the store */

static void
expect_doc(const json_t *doc, const json_t *trust, int status,
    const char *why_want)
{
	enum ecert_verdict v;
	char why[256] = "";
	int rc = ecert_license_verify_doc(doc, trust, &v, why, sizeof(why));

	if (rc != status || (why_want != NULL && strstr(why, why_want) == NULL))
		fail_msg("verify_doc: want %d (%s), got %d (%s)", status,
		    why_want ? why_want : "", rc, why);
}

static void
test_verify_doc(void **state)
{
	struct ecert_error e = { 0, "" };
	char id[160], status[32];
	json_t *doc, *trust, *copy, *k;

	(void)state;
	issue(&market, food_record("JY14206020000040"), id, sizeof(id));
	assert_int_equal(ecert_license_load(store, id, &doc, status,
	    sizeof(status), &e), 0);
	trust = ecert_key_export(store, NULL);
	assert_true(json_array_size(trust) >= 3);
	k = json_array_get(trust, 0);
	assert_non_null(json_object_get(k, "unit_name"));
	assert_non_null(json_object_get(k, "not_before"));
	expect_doc(doc, trust, 0, NULL);

	/* the document altered: the holder, an item, a date */
	copy = json_deep_copy(doc);
	json_object_set_new(json_object_get(json_object_get(copy, "document"),
	    "holder"), "name", json_string("襄阳江汉食品有限公司"));
	expect_doc(copy, trust, ECERT_NO, "signature does not match");
	json_decref(copy);
	copy = json_deep_copy(doc);
	json_object_set_new(json_object_get(json_object_get(copy, "document"),
	    "items"), "premises", json_string("湖北省襄阳市樊城区长虹北路18号"));
	expect_doc(copy, trust, ECERT_NO, "signature does not match");
	json_decref(copy);
	copy = json_deep_copy(doc);
	json_object_set_new(json_object_get(copy, "document"), "valid_until",
	    json_string("2099-12-31"));
	expect_doc(copy, trust, ECERT_NO, "signature does not match");
	json_decref(copy);
	/* the signature altered */
	copy = json_deep_copy(doc);
	json_object_set_new(json_object_get(copy, "signature"), "value",
	    json_string("AAAA"));
	expect_doc(copy, trust, ECERT_NO, "signature does not match");
	json_decref(copy);

	/* the key not in the trust list, or not the issuer's */
	json_decref(trust);
	trust = ecert_key_export(store, LAND);
	expect_doc(doc, trust, ECERT_NO, "not in the trust list");
	json_decref(trust);
	trust = json_array();
	expect_doc(doc, trust, ECERT_NO, "not in the trust list");
	json_decref(trust);
	trust = ecert_key_export(store, MARKET);
	json_object_set_new(json_array_get(trust, 0), "unit",
	    json_string(LAND));
	expect_doc(doc, trust, ECERT_NO, "does not belong to the issuer");
	json_decref(trust);
	/* the issuer's key id with another public key */
	trust = ecert_key_export(store, MARKET);
	copy = ecert_key_export(store, LAND);
	json_object_set(json_array_get(trust, 0), "public_key",
	    json_object_get(json_array_get(copy, 0), "public_key"));
	json_decref(copy);
	expect_doc(doc, trust, ECERT_NO, "signature does not match");
	json_decref(trust);
	trust = ecert_key_export(store, MARKET);
	json_object_set_new(json_array_get(trust, 0), "public_key",
	    json_string("not a key"));
	expect_doc(doc, trust, ECERT_NO, "bad public key");
	json_decref(trust);
	/* a key retired before the document was signed */
	trust = ecert_key_export(store, MARKET);
	json_object_set_new(json_array_get(trust, 0), "not_after",
	    json_string("2020-01-01T00:00:00Z"));
	expect_doc(doc, trust, ECERT_NO, "outside the validity of key");
	json_decref(trust);

	/* not a signed document at all */
	trust = ecert_key_export(store, NULL);
	copy = json_object();
	expect_doc(copy, trust, ECERT_DATAERR, "not a signed ecert license");
	json_decref(copy);
	copy = json_deep_copy(doc);
	json_object_set_new(json_object_get(copy, "signature"), "alg",
	    json_string("rsa"));
	expect_doc(copy, trust, ECERT_DATAERR, "not a signed ecert license");
	json_decref(copy);

	/* past its term */
	setenv("ECERT_TODAY", "2029-03-01", 1);
	expect_doc(doc, trust, ECERT_NO, "expired on 2029-02-28");
	expect_invalid(id, "expired", "expired on 2029-02-28");
	setenv("ECERT_TODAY", TODAY, 1);
	expect_doc(doc, trust, 0, NULL);
	json_decref(trust);
	json_decref(doc);
}

static void
test_not_yet_valid(void **state)
{
	char id[160];
	json_t *rec = food_record("JY14206020000041");

	(void)state;
	json_object_set_new(rec, "issue_date", json_string(TODAY));
	json_object_set_new(rec, "valid_from", json_string("2026-07-01"));
	issue(&market, rec, id, sizeof(id));
	expect_invalid(id, "not-yet-valid", "not valid before 2026-07-01");
	setenv("ECERT_TODAY", "2026-07-01", 1);
	expect_valid(id);
	setenv("ECERT_TODAY", TODAY, 1);
}

/* pii.c through license.c: a citizen ID number is never stored in clear. */
static int
file_has(const char *path, const char *needle)
{
	FILE *fp = fopen(path, "rb");
	char *buf;
	long n;
	int found;

	if (fp == NULL)
		return 0;
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	found = memmem(buf, (size_t)n, needle, strlen(needle)) != NULL;
	free(buf);
	return found;
}

static void
test_citizen_id_sealed(void **state)
{
	struct ecert_error e = { 0, "" };
	char id[160], status[32], hash[65], path[160], *v;
	const void *blob;
	sqlite3_stmt *st;
	json_t *doc, *holder;
	int n, i;

	(void)state;
	issue(&land, estate_record("鄂（2024）襄阳市不动产权第0020001号"), id,
	    sizeof(id));
	expect_valid(id);

	assert_int_equal(sqlite3_prepare_v2(store->db, "SELECT * FROM licenses"
	    " WHERE id = ?", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	for (i = 0; i < sqlite3_column_count(st); i++) {
		blob = sqlite3_column_blob(st, i);
		n = sqlite3_column_bytes(st, i);
		if (blob != NULL && memmem(blob, (size_t)n, CITIZEN_ID,
		    strlen(CITIZEN_ID)) != NULL)
			fail_msg("column %s holds the citizen ID in clear",
			    sqlite3_column_name(st, i));
		if (strcmp(sqlite3_column_name(st, i), "document") == 0)
			assert_true(n > 100);
	}
	sqlite3_finalize(st);
	assert_null(sql_value("SELECT holder_code FROM licenses WHERE id = %Q",
	    id));
	v = sql_value("SELECT holder_hash FROM licenses WHERE id = %Q", id);
	ecert_pii_hash(store, CITIZEN_ID, hash);
	assert_string_equal(v, hash);
	free(v);

	/* nowhere in the files either: the database and its log */
	assert_true(file_has(db, "不动产权证书") ||
	    file_has(fixture_at("ecert.db-wal"), "不动产权证书"));
	assert_false(file_has(db, CITIZEN_ID));
	snprintf(path, sizeof(path), "%s-wal", db);
	assert_false(file_has(path, CITIZEN_ID));

	/* but the signed document has it, opened with the store key */
	assert_int_equal(ecert_license_load(store, id, &doc, status,
	    sizeof(status), &e), 0);
	holder = json_object_get(json_object_get(doc, "document"), "holder");
	assert_string_equal(ecert_json_str(holder, "id"), CITIZEN_ID);
	assert_string_equal(ecert_json_str(holder, "id_type"), "111");
	assert_string_equal(ecert_json_str(holder, "name"), PERSON);
	json_decref(doc);

	/* a legal person's code is a clear column, for searching */
	issue(&market, food_record("JY14206020000050"), id, sizeof(id));
	v = sql_value("SELECT holder_code FROM licenses WHERE id = %Q", id);
	assert_string_equal(v, COMPANY);
	free(v);
}

/* query.c */

struct found {
	char ids[8][160];
	int n;
	int stop_after;
};

static int
collect(const json_t *row, void *arg)
{
	struct found *f = arg;

	if (f->n < 8)
		snprintf(f->ids[f->n], sizeof(f->ids[0]), "%s",
		    ecert_json_str(row, "id"));
	f->n++;
	return f->stop_after != 0 && f->n >= f->stop_after ? 42 : 0;
}

static void
test_query(void **state)
{
	struct ecert_error e = { 0, "" };
	struct ecert_query q;
	struct found f;
	char a[160], b[160];
	json_t *rec;

	(void)state;
	rec = food_record("JY14206020000060");
	json_object_set_new(rec, "holder", json_string("襄阳汉江食品有限公司"
	    "樊城分店"));
	json_object_set_new(rec, "holder_id", json_string("91420602MA48A7X21W"));
	issue(&market, rec, a, sizeof(a));
	rec = food_record("JY14206020000061");
	json_object_set_new(rec, "holder", json_string("襄阳汉江食品有限公司"
	    "樊城分店"));
	json_object_set_new(rec, "holder_id", json_string("91420602MA48A7X21W"));
	json_object_set_new(rec, "issue_date", json_string("2025-01-10"));
	issue(&market, rec, b, sizeof(b));
	set_status_ok(&market, b, "revoke");

	memset(&q, 0, sizeof(q));
	memset(&f, 0, sizeof(f));
	q.holder = "襄阳汉江食品有限公司樊城分店";
	assert_int_equal(ecert_query(store, &q, collect, &f, &e), 0);
	assert_int_equal(f.n, 2);
	assert_string_equal(f.ids[0], a);	/* by issue date */
	assert_string_equal(f.ids[1], b);

	memset(&q, 0, sizeof(q));
	memset(&f, 0, sizeof(f));
	q.holder_id = "91420602MA48A7X21W";
	q.status = "revoked";
	assert_int_equal(ecert_query(store, &q, collect, &f, &e), 0);
	assert_int_equal(f.n, 1);
	assert_string_equal(f.ids[0], b);

	memset(&q, 0, sizeof(q));
	memset(&f, 0, sizeof(f));
	q.holder_id = "91420602MA48A7X21W";
	q.from = "2024-03-01";
	q.to = "2024-12-31";
	assert_int_equal(ecert_query(store, &q, collect, &f, &e), 0);
	assert_int_equal(f.n, 1);
	assert_string_equal(f.ids[0], a);

	memset(&q, 0, sizeof(q));
	memset(&f, 0, sizeof(f));
	q.holder_id = CITIZEN_ID;
	q.type = ESTATE;
	q.issuer = LAND;
	assert_int_equal(ecert_query(store, &q, collect, &f, &e), 0);
	assert_true(f.n >= 1);

	/* the callback stops the search with its own value */
	memset(&q, 0, sizeof(q));
	memset(&f, 0, sizeof(f));
	f.stop_after = 1;
	assert_int_equal(ecert_query(store, &q, collect, &f, &e), 42);
	assert_int_equal(f.n, 1);

	assert_true(ecert_status_valid("suspended"));
	assert_false(ecert_status_valid("not-found"));
}

/* expire.c */

static void
test_expire(void **state)
{
	struct ecert_error e = { 0, "" };
	struct found f;
	char id[160], *v;
	json_t *rec, *entry;
	long count = -1;

	(void)state;
	rec = food_record("JY14206020000070");
	json_object_set_new(rec, "valid_until", json_string("2026-06-20"));
	issue(&market, rec, id, sizeof(id));

	memset(&f, 0, sizeof(f));
	assert_int_equal(ecert_expire(store, "2026-06-21", 1, collect, &f,
	    &count, &e), 0);
	assert_int_equal(count, 1);
	assert_string_equal(f.ids[0], id);
	v = sql_value("SELECT status FROM licenses WHERE id = %Q", id);
	assert_string_equal(v, "valid");
	free(v);

	memset(&f, 0, sizeof(f));
	assert_int_equal(ecert_expire(store, "2026-06-21", 0, collect, &f,
	    &count, &e), 0);
	assert_int_equal(count, 1);
	v = sql_value("SELECT status FROM licenses WHERE id = %Q", id);
	assert_string_equal(v, "expired");
	free(v);
	entry = last_audit();
	assert_string_equal(ecert_json_str(entry, "action"), "license.expire");
	assert_non_null(strstr(ecert_json_str(entry, "detail"),
	    "\"expired\":1"));
	json_decref(entry);
	/* a second sweep finds nothing */
	assert_int_equal(ecert_expire(store, "2026-06-21", 0, collect, &f,
	    &count, &e), 0);
	assert_int_equal(count, 0);

	setenv("ECERT_TODAY", "2026-06-21", 1);
	expect_invalid(id, "expired", "expired on 2026-06-20");
	setenv("ECERT_TODAY", TODAY, 1);
	/* an expired license may still be revoked */
	set_status_ok(&market, id, "revoke");
	expect_invalid(id, "revoked", "revoked");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roles),
		cmocka_unit_test(test_unit_add),
		cmocka_unit_test(test_key_register),
		cmocka_unit_test(test_actor_load),
		cmocka_unit_test(test_actor_unregistered_key),
		cmocka_unit_test(test_actor_retired_key),
		cmocka_unit_test(test_catalog),
		cmocka_unit_test(test_validate_good),
		cmocka_unit_test(test_validate_refusals),
		cmocka_unit_test(test_validate_shapes),
		cmocka_unit_test(test_validity_default),
		cmocka_unit_test(test_validity_leap_day),
		cmocka_unit_test(test_issue_verify),
		cmocka_unit_test(test_issue_serial_digest),
		cmocka_unit_test(test_issue_refusals),
		cmocka_unit_test(test_citizen_id_not_echoed),
		cmocka_unit_test(test_status_changes),
		cmocka_unit_test(test_status_refusals),
		cmocka_unit_test(test_row_altered),
		cmocka_unit_test(test_status_reset_by_sql),
		cmocka_unit_test(test_not_found),
		cmocka_unit_test(test_verify_doc),
		cmocka_unit_test(test_not_yet_valid),
		cmocka_unit_test(test_citizen_id_sealed),
		cmocka_unit_test(test_query),
		cmocka_unit_test(test_expire),
		cmocka_unit_test(test_validate_historical),
	};

	/* stores made here have no platform, no anchor (see test_store) */
	ecert_anchor_optional(1);
	return cmocka_run_group_tests(tests, setup, teardown);
}
