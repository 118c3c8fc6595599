/* test_store.c: the store, its key file and transactions (store.c), and
 * personal data at rest (pii.c). */
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

#define CITIZEN_ID "420602198503120048"
#define COMPANY "91420600MA49ABCD1A"

static int
make_scratch(void **state)
{
	(void)state;
	unsetenv("ECERT_STORE_KEY");
	unsetenv("ECERT_DB");
	return fixture_scratch("test_store");
}

static int
remove_scratch(void **state)
{
	(void)state;
	return fixture_teardown();
}

static struct ecert_store *
create(const char *db)
{
	struct ecert_error e = { 0, "" };
	struct ecert_store *s = NULL;

	if (ecert_store_create(db, NULL, &s, &e) != 0)
		fail_msg("create %s: %s", db, e.msg);
	assert_non_null(s);
	return s;
}

static struct ecert_store *
open_ok(const char *db, const char *key)
{
	struct ecert_error e = { 0, "" };
	struct ecert_store *s = NULL;

	if (ecert_store_open(db, key, &s, &e) != 0)
		fail_msg("open %s: %s", db, e.msg);
	return s;
}

/* Opening fails with this status and a message holding why. */
static void
expect_open_fails(const char *db, const char *key, int status,
    const char *why)
{
	struct ecert_error e = { 0, "" };
	struct ecert_store *s = NULL;
	int rc;

	rc = ecert_store_open(db, key, &s, &e);
	if (rc != status || strstr(e.msg, why) == NULL)
		fail_msg("open %s: want %d (%s), got %d: %s", db, status, why,
		    rc, e.msg);
	assert_int_equal(e.status, status);
	assert_null(s);
}

/* Runs SQL on its own connection, as another program would. */
static int
raw_sql(const char *db, const char *sql, char *err, size_t n)
{
	sqlite3 *h;
	char *msg = NULL;
	int rc;

	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	sqlite3_busy_timeout(h, 5000);
	rc = sqlite3_exec(h, sql, NULL, NULL, &msg);
	if (err != NULL)
		snprintf(err, n, "%s", msg ? msg : "");
	sqlite3_free(msg);
	sqlite3_close(h);
	return rc;
}

static long long
count_units(struct ecert_store *s)
{
	sqlite3_stmt *st;
	long long n;

	assert_int_equal(sqlite3_prepare_v2(s->db, "SELECT count(*) FROM units",
	    -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static void
test_create(void **state)
{
	struct ecert_error e = { 0, "" };
	struct ecert_store *s;
	const char *db = fixture_at("create.db"), *key = fixture_at("create.db.key");
	struct stat sb;
	char line[64];
	FILE *fp;

	(void)state;
	s = create(db);
	assert_string_equal(s->path, db);
	assert_string_equal(s->keypath, key);
	assert_false(s->in_tx);
	assert_int_equal(stat(db, &sb), 0);
	assert_true(S_ISREG(sb.st_mode));
	assert_int_equal(stat(key, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	fp = fopen(key, "r");
	assert_non_null(fp);
	assert_non_null(fgets(line, sizeof(line), fp));
	assert_string_equal(line, "ecert-store-key-v1\n");
	fclose(fp);
	ecert_store_close(s);

	/* a second create is refused and leaves both files alone */
	s = NULL;
	assert_int_equal(ecert_store_create(db, NULL, &s, &e), ECERT_IOERR);
	assert_null(s);
	assert_non_null(strstr(e.msg, "already exists"));
	s = open_ok(db, NULL);
	ecert_store_close(s);
}

/* An existing key file is never overwritten, even for a new store. */
static void
test_create_key_exists(void **state)
{
	struct ecert_error e = { 0, "" };
	struct ecert_store *s = NULL;
	const char *db = fixture_at("keyexists.db"), *key = fixture_at("keyexists.key");
	FILE *fp;
	char buf[32] = "";

	(void)state;
	fp = fopen(key, "w");
	assert_non_null(fp);
	fputs("precious\n", fp);
	fclose(fp);
	assert_int_equal(ecert_store_create(db, key, &s, &e), ECERT_IOERR);
	assert_null(s);
	assert_non_null(strstr(e.msg, key));
	assert_int_not_equal(access(db, F_OK), 0);
	fp = fopen(key, "r");
	assert_non_null(fp);
	assert_non_null(fgets(buf, sizeof(buf), fp));
	fclose(fp);
	assert_string_equal(buf, "precious\n");
}

static void
test_open_missing(void **state)
{
	(void)state;
	expect_open_fails(fixture_at("missing.db"), NULL, ECERT_IOERR,
	    "No such file");
}

static void
test_open_other_key(void **state)
{
	const char *a = fixture_at("a.db"), *b = fixture_at("b.db");

	(void)state;
	ecert_store_close(create(a));
	ecert_store_close(create(b));
	expect_open_fails(a, fixture_at("b.db.key"), ECERT_IOERR, "does not belong");
	expect_open_fails(b, fixture_at("a.db.key"), ECERT_IOERR, "does not belong");
	/* a missing key file, and one that is not a store key */
	expect_open_fails(a, fixture_at("none.key"), ECERT_IOERR, "none.key");
	{
		FILE *fp = fopen(fixture_at("junk.key"), "w");
		assert_non_null(fp);
		fputs("ecert-store-key-v1\nindex 00\n", fp);
		fclose(fp);
		chmod(fixture_at("junk.key"), 0600);
	}
	expect_open_fails(a, fixture_at("junk.key"), ECERT_DATAERR,
	    "not an ecert store key file");
	ecert_store_close(open_ok(a, fixture_at("a.db.key")));
}

/* The key path defaults to DB.key, or $ECERT_STORE_KEY. */
static void
test_default_paths(void **state)
{
	char *p;

	(void)state;
	assert_string_equal(ecert_store_default_path("x.db"), "x.db");
	assert_string_equal(ecert_store_default_path(NULL), "ecert.db");
	setenv("ECERT_DB", "/srv/ecert/证照.db", 1);
	assert_string_equal(ecert_store_default_path(""), "/srv/ecert/证照.db");
	assert_string_equal(ecert_store_default_path("x.db"), "x.db");
	unsetenv("ECERT_DB");
	p = ecert_store_default_keypath("x.db", NULL);
	assert_string_equal(p, "x.db.key");
	free(p);
	setenv("ECERT_STORE_KEY", "/etc/ecert/store.key", 1);
	p = ecert_store_default_keypath("x.db", NULL);
	assert_string_equal(p, "/etc/ecert/store.key");
	free(p);
	p = ecert_store_default_keypath("x.db", "k");
	assert_string_equal(p, "k");
	free(p);
	unsetenv("ECERT_STORE_KEY");
}

static int
user_version(sqlite3 *db)
{
	sqlite3_stmt *st;
	int v;

	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st,
	    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

static void
test_schema_version(void **state)
{
	const char *db = fixture_at("schema.db");
	struct ecert_store *s = create(db);
	char check[64], sql[64];

	(void)state;
	assert_int_equal(user_version(s->db), ECERT_SCHEMA_VERSION);
	assert_true(ecert_meta_get(s, "key_check", check, sizeof(check)));
	assert_int_equal(strlen(check), 32);
	assert_false(ecert_meta_get(s, "no such name", check, sizeof(check)));
	ecert_store_close(s);

	/* reopening migrates nothing */
	s = open_ok(db, NULL);
	assert_int_equal(user_version(s->db), ECERT_SCHEMA_VERSION);
	ecert_store_close(s);

	/* a store from a newer program is refused, not downgraded */
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d",
	    ECERT_SCHEMA_VERSION + 1);
	assert_int_equal(raw_sql(db, sql, NULL, 0), SQLITE_OK);
	expect_open_fails(db, NULL, ECERT_IOERR, "newer than this program");
	{
		sqlite3 *h;
		assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
		assert_int_equal(user_version(h), ECERT_SCHEMA_VERSION + 1);
		sqlite3_close(h);
	}
}

static void
test_transactions(void **state)
{
	struct ecert_error e = { 0, "" };
	struct ecert_store *s = create(fixture_at("tx.db"));

	(void)state;
	assert_int_equal(ecert_begin(s, &e), 0);
	assert_true(s->in_tx);
	assert_int_equal(sqlite3_get_autocommit(s->db), 0);
	assert_int_equal(ecert_begin(s, &e), 0);	/* joins */
	assert_int_equal(ecert_unit_add(s, "11420600MB1234567T",
	    "襄阳市市场监督管理局", ECERT_ROLE_ISSUER, &e), 0);
	assert_int_equal(count_units(s), 1);
	ecert_rollback(s);
	assert_false(s->in_tx);
	assert_int_equal(sqlite3_get_autocommit(s->db), 1);
	assert_int_equal(count_units(s), 0);
	ecert_rollback(s);	/* nothing to roll back */

	assert_int_equal(ecert_begin(s, &e), 0);
	assert_int_equal(ecert_unit_add(s, "11420600MB1234567T",
	    "襄阳市市场监督管理局", ECERT_ROLE_ISSUER, &e), 0);
	assert_int_equal(ecert_commit(s, &e), 0);
	assert_false(s->in_tx);
	assert_int_equal(ecert_commit(s, &e), 0);	/* nothing to commit */
	ecert_store_close(s);

	s = open_ok(fixture_at("tx.db"), NULL);
	assert_int_equal(count_units(s), 1);

	/* closing inside a transaction rolls it back */
	assert_int_equal(ecert_begin(s, &e), 0);
	assert_int_equal(ecert_exec(s, "DELETE FROM units", &e), 0);
	ecert_store_close(s);
	s = open_ok(fixture_at("tx.db"), NULL);
	assert_int_equal(count_units(s), 1);

	/* SQL errors are store errors (74), with SQLite's words */
	assert_int_equal(ecert_exec(s, "SELEC 1", &e), ECERT_IOERR);
	assert_non_null(strstr(e.msg, "syntax error"));
	assert_null(ecert_prepare(s, "SELECT code FROM nowhere", &e));
	assert_int_equal(e.status, ECERT_IOERR);
	assert_non_null(strstr(e.msg, "no such table"));
	ecert_store_close(s);
	ecert_store_close(NULL);
}

static long long
count_audit(const char *db, const char *action)
{
	sqlite3 *h;
	sqlite3_stmt *st;
	long long n;

	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, "SELECT count(*) FROM audit"
	    " WHERE action = ?", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, action, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(h);
	return n;
}

/* A read holds no write lock: another program writes meanwhile, the read
 * keeps its snapshot, and an audit entry made during it is held until
 * the next write commits it (or, when none comes, the close). */
static void
test_read_holds_audit(void **state)
{
	struct ecert_error e = { 0, "" };
	const char *db = fixture_at("read.db");
	struct ecert_store *s = create(db);
	sqlite3 *other;

	(void)state;
	assert_int_equal(ecert_begin_read(s, &e), 0);
	assert_int_equal(s->in_tx, ECERT_TX_READ);
	assert_int_equal(count_units(s), 0);	/* the snapshot taken */
	assert_int_equal(ecert_begin_read(s, &e), ECERT_IOERR);
	assert_int_equal(ecert_audit(s, NULL, "license.verify",
	    "营业执照-1", "valid", NULL), 0);
	assert_int_equal(ecert_audit(s, NULL, "fact.tampered", "营业执照-2",
	    "tampered", "store row altered: holder differs"), 0);
	assert_int_equal(s->nheld, 2);
	assert_int_equal(count_audit(db, "license.verify"), 0);
	/* a change during a read is refused, not silently joined */
	assert_int_equal(ecert_begin(s, &e), ECERT_IOERR);
	assert_non_null(strstr(e.msg, "during a read"));
	/* another program writes: no lock is in its way */
	assert_int_equal(sqlite3_open(db, &other), SQLITE_OK);
	assert_int_equal(sqlite3_exec(other, "INSERT INTO units(code, name,"
	    " roles, created_at) VALUES ('11420600MB1234567T', '襄阳市市场监督"
	    "管理局', 1, '2026-12-02T00:00:00Z')", NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(other);
	assert_int_equal(count_units(s), 0);	/* still the snapshot */
	assert_int_equal(ecert_end_read(s, &e), 0);
	assert_int_equal(s->in_tx, 0);
	assert_int_equal(count_units(s), 1);

	/* a write that rolls back keeps them held; one that commits
	 * records them, in their order, ahead of its own */
	assert_int_equal(ecert_begin(s, &e), 0);
	assert_int_equal(count_audit(db, "fact.tampered"), 0);
	ecert_rollback(s);
	assert_int_equal(s->nheld, 2);
	assert_int_equal(ecert_begin(s, &e), 0);
	assert_int_equal(ecert_commit(s, &e), 0);
	assert_int_equal(s->nheld, 0);
	assert_int_equal(count_audit(db, "license.verify"), 1);
	assert_int_equal(count_audit(db, "fact.tampered"), 1);

	/* held at the close: recorded by it */
	assert_int_equal(ecert_begin_read(s, &e), 0);
	assert_int_equal(ecert_audit(s, NULL, "license.verify",
	    "营业执照-3", "revoked", "revoked"), 0);
	ecert_store_close(s);
	assert_int_equal(count_audit(db, "license.verify"), 2);
	s = open_ok(db, NULL);
	{
		long long bad, n;
		char why[256];

		assert_int_equal(ecert_audit_verify(s, &bad, why, sizeof(why),
		    &n, &e), 0);
		assert_int_equal(bad, 0);
	}
	ecert_store_close(s);
}

/* Another program holds the write lock past the busy timeout. */
static void
test_busy(void **state)
{
	struct ecert_error e = { 0, "" };
	const char *db = fixture_at("busy.db");
	struct ecert_store *s;
	sqlite3 *other;

	(void)state;
	ecert_store_close(create(db));
	setenv("ECERT_BUSY_TIMEOUT", "50", 1);
	s = open_ok(db, NULL);
	assert_int_equal(sqlite3_open(db, &other), SQLITE_OK);
	assert_int_equal(sqlite3_exec(other, "BEGIN EXCLUSIVE", NULL, NULL,
	    NULL), SQLITE_OK);

	assert_int_equal(ecert_begin(s, &e), ECERT_BUSY);
	assert_int_equal(e.status, 75);
	assert_non_null(strstr(e.msg, "locked"));
	assert_false(s->in_tx);
	/* a write outside an explicit transaction is busy as well */
	assert_int_equal(ecert_unit_add(s, "11420600MB1234567T",
	    "襄阳市市场监督管理局", ECERT_ROLE_ISSUER, &e), ECERT_BUSY);
	/* but opening is not: readers never wait for the write lock
	 * when there is nothing to migrate */
	ecert_store_close(open_ok(db, NULL));

	assert_int_equal(sqlite3_exec(other, "COMMIT", NULL, NULL, NULL),
	    SQLITE_OK);
	assert_int_equal(ecert_begin(s, &e), 0);
	ecert_rollback(s);
	sqlite3_close(other);
	ecert_store_close(s);
	setenv("ECERT_BUSY_TIMEOUT", "5000", 1);
}

static void
test_sql_fail_status(void **state)
{
	struct ecert_error e = { 0, "" };

	(void)state;
	assert_int_equal(ecert_sql_fail(NULL, &e, SQLITE_BUSY, "store"),
	    ECERT_BUSY);
	assert_int_equal(ecert_sql_fail(NULL, &e, SQLITE_BUSY_SNAPSHOT,
	    "store"), ECERT_BUSY);
	assert_int_equal(ecert_sql_fail(NULL, &e, SQLITE_LOCKED, "store"),
	    ECERT_BUSY);
	assert_int_equal(ecert_sql_fail(NULL, &e, SQLITE_CORRUPT, "store"),
	    ECERT_IOERR);
	assert_string_equal(e.msg, "store: database disk image is malformed");
	assert_int_equal(ecert_sql_fail(NULL, NULL, SQLITE_FULL, "store"),
	    ECERT_IOERR);
}

/* pii.c */

static void
test_pii_hash(void **state)
{
	struct ecert_store *a = create(fixture_at("pii-a.db"));
	struct ecert_store *b = create(fixture_at("pii-b.db"));
	char h1[65], h2[65], h3[65], h4[65];
	size_t i;

	(void)state;
	ecert_pii_hash(a, CITIZEN_ID, h1);
	ecert_pii_hash(a, CITIZEN_ID, h2);
	assert_string_equal(h1, h2);
	assert_int_equal(strlen(h1), 32);
	for (i = 0; h1[i]; i++)
		assert_non_null(strchr("0123456789abcdef", h1[i]));
	assert_null(strstr(h1, CITIZEN_ID));
	ecert_pii_hash(a, "420602198503120056", h3);
	assert_string_not_equal(h1, h3);
	ecert_pii_hash(b, CITIZEN_ID, h4);
	assert_string_not_equal(h1, h4);
	ecert_store_close(a);
	ecert_store_close(b);

	/* the same key file gives the same hash after reopening */
	a = open_ok(fixture_at("pii-a.db"), NULL);
	ecert_pii_hash(a, CITIZEN_ID, h2);
	assert_string_equal(h1, h2);
	ecert_store_close(a);
}

static void
test_pii_seal(void **state)
{
	static const char plain[] = "{\"holder\":{\"id\":\"" CITIZEN_ID "\","
	    "\"name\":\"张汉江\"},\"坐落\":\"湖北省襄阳市樊城区长虹北路16号\"}";
	struct ecert_store *a = create(fixture_at("seal-a.db"));
	struct ecert_store *b = create(fixture_at("seal-b.db"));
	size_t n, m, i;
	char *box, *box2, *back;

	(void)state;
	box = ecert_pii_seal(a, plain, strlen(plain), &n);
	assert_non_null(box);
	assert_int_equal(n, strlen(plain) + 24 + 16);
	assert_null(memmem(box, n, CITIZEN_ID, strlen(CITIZEN_ID)));
	assert_null(memmem(box, n, "张汉江", strlen("张汉江")));
	back = ecert_pii_open(a, box, n, &m);
	assert_non_null(back);
	assert_int_equal(m, strlen(plain));
	assert_string_equal(back, plain);
	free(back);

	/* a fresh nonce for every box */
	box2 = ecert_pii_seal(a, plain, strlen(plain), &m);
	assert_int_equal(m, n);
	assert_memory_not_equal(box, box2, 24);
	assert_memory_not_equal(box + 24, box2 + 24, n - 24);
	free(box2);

	/* any flipped byte, in the nonce, the tag or the text, is caught */
	for (i = 0; i < n; i++) {
		box[i] ^= 0x01;
		back = ecert_pii_open(a, box, n, NULL);
		if (back != NULL)
			fail_msg("byte %zu flipped: opened anyway", i);
		box[i] ^= 0x01;
	}
	back = ecert_pii_open(a, box, n, NULL);
	assert_non_null(back);
	free(back);

	/* another store's key, a truncated box, a too short one */
	assert_null(ecert_pii_open(b, box, n, NULL));
	assert_null(ecert_pii_open(a, box, n - 1, NULL));
	assert_null(ecert_pii_open(a, box, 39, NULL));
	assert_null(ecert_pii_open(a, box, 0, NULL));
	free(box);

	/* the empty string seals too */
	box = ecert_pii_seal(a, "", 0, &n);
	assert_int_equal(n, 40);
	back = ecert_pii_open(a, box, n, &m);
	assert_non_null(back);
	assert_int_equal(m, 0);
	assert_string_equal(back, "");
	free(back);
	free(box);
	ecert_store_close(a);
	ecert_store_close(b);
}

/* A store without its anchor is refused (fail closed), but for the
 * openings that may find none (ecert-unit anchor, a restore). */
static void
test_open_no_anchor(void **state)
{
	const char *db = fixture_at("noanchor.db");

	(void)state;
	ecert_store_close(create(db));
	ecert_anchor_optional(0);
	expect_open_fails(db, NULL, ECERT_IOERR, "noanchor.db.anchor: "
	    "missing; the store was never anchored (run ecert-unit anchor");
	ecert_anchor_optional(1);
	ecert_store_close(open_ok(db, NULL));
}

/* The expiry sweep's query reads the licenses due through the partial
 * index licenses_due and scans no table (asked through the API, not by
 * reading expire.c). */
static void
test_expire_plan(void **state)
{
	const char *db = fixture_at("plan.db");
	struct ecert_store *s;
	sqlite3 *h;
	sqlite3_stmt *st;
	char sql[2048];
	int indexed = 0, scans = 0;

	(void)state;
	s = create(db);
	ecert_store_close(s);
	assert_int_equal(strncmp(ecert_expire_sql, "SELECT", 6), 0);
	snprintf(sql, sizeof(sql), "EXPLAIN QUERY PLAN %s", ecert_expire_sql);
	assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, "2026-03-01", -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *detail = (const char *)sqlite3_column_text(st, 3);
		if (strstr(detail, "USING INDEX licenses_due") != NULL)
			indexed = 1;
		if (strstr(detail, "SCAN licenses") != NULL)
			scans = 1;
	}
	sqlite3_finalize(st);
	sqlite3_close(h);
	assert_true(indexed);
	assert_false(scans);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_no_anchor),
		cmocka_unit_test(test_create),
		cmocka_unit_test(test_create_key_exists),
		cmocka_unit_test(test_open_missing),
		cmocka_unit_test(test_open_other_key),
		cmocka_unit_test(test_default_paths),
		cmocka_unit_test(test_schema_version),
		cmocka_unit_test(test_transactions),
		cmocka_unit_test(test_read_holds_audit),
		cmocka_unit_test(test_busy),
		cmocka_unit_test(test_sql_fail_status),
		cmocka_unit_test(test_pii_hash),
		cmocka_unit_test(test_pii_seal),
		cmocka_unit_test(test_expire_plan),
	};

	/* the store layer alone: these stores have no platform, no anchor */
	ecert_anchor_optional(1);
	return cmocka_run_group_tests(tests, make_scratch, remove_scratch);
}
