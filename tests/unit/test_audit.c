/* test_audit.c: the hash-chained audit log (audit.c). */
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

#define ISSUER "11420600MB1234567T"
#define PLATFORM FIXTURE_PLATFORM
#define LICENSE \
	"1.2.156.3005.2.11100000000013338W012.11420600MB1234567T.JY14206020012345.001.4"

static int
make_scratch(void **state)
{
	(void)state;
	return fixture_scratch("test_audit");
}

static int
remove_scratch(void **state)
{
	(void)state;
	return fixture_teardown();
}

/* Each case has a store of its own, with five entries. */
struct fixture {
	char db[128];
	struct ecert_store *s;
};

static const char *entries[][5] = {
	{ PLATFORM, "unit.add", ISSUER, "ok", "襄阳市市场监督管理局" },
	{ ISSUER, "license.issue", LICENSE, "ok", "食品经营许可证" },
	{ ISSUER, "license.show", LICENSE, "ok", "襄阳汉江食品有限公司" },
	{ ISSUER, "license.suspend", LICENSE, "ok",
	    "经营场所湖北省襄阳市樊城区长虹北路16号停业整顿" },
	{ ISSUER, "license.reinstate", LICENSE, "ok", "整改完成" },
};
#define NENTRIES 5

static int
setup(void **state)
{
	static int n;
	struct fixture *f = calloc(1, sizeof(*f));
	struct ecert_error e = { 0, "" };
	int i;

	if (f == NULL)
		return -1;
	snprintf(f->db, sizeof(f->db), "%s/audit%d.db", fixture_dir, n++);
	if (ecert_store_create(f->db, NULL, &f->s, &e) != 0) {
		fprintf(stderr, "setup: %s\n", e.msg);
		free(f);
		return -1;
	}
	for (i = 0; i < NENTRIES; i++)
		if (ecert_audit(f->s, entries[i][0], entries[i][1],
		    entries[i][2], entries[i][3], entries[i][4]) != 0)
			return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	ecert_store_close(f->s);
	free(f);
	return 0;
}

/* SQL on a connection of its own, as sqlite3(1) would run it. */
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

static void
raw_ok(const char *db, const char *sql)
{
	char err[256];

	if (raw_sql(db, sql, err, sizeof(err)) != SQLITE_OK)
		fail_msg("%s: %s", sql, err);
}

static void
drop_triggers(const char *db)
{
	raw_ok(db, "DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete");
}

static void
expect_good(struct ecert_store *s, long long want)
{
	struct ecert_error e = { 0, "" };
	long long bad = -1, count = -1;
	char why[256] = "";
	int rc;

	rc = ecert_audit_verify(s, &bad, why, sizeof(why), &count, &e);
	if (rc != 0)
		fail_msg("verify: %d at %lld: %s%s", rc, bad, why, e.msg);
	assert_int_equal(bad, 0);
	assert_int_equal(count, want);
}

static void
expect_bad(struct ecert_store *s, long long want_bad, const char *want_why)
{
	struct ecert_error e = { 0, "" };
	long long bad = -1, count = -1;
	char why[256] = "";
	int rc;

	rc = ecert_audit_verify(s, &bad, why, sizeof(why), &count, &e);
	if (rc != ECERT_NO || bad != want_bad || strstr(why, want_why) == NULL)
		fail_msg("verify: want 1 at %lld (%s), got %d at %lld: %s",
		    want_bad, want_why, rc, bad, why);
	/* the count is of the good entries before the first bad one */
	assert_int_equal(count, want_bad - 1);
}

static char *
column(struct ecert_store *s, const char *col, long long seq)
{
	char sql[128];
	sqlite3_stmt *st;
	char *v;

	snprintf(sql, sizeof(sql), "SELECT %s FROM audit WHERE seq = %lld",
	    col, seq);
	assert_int_equal(sqlite3_prepare_v2(s->db, sql, -1, &st, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	assert_non_null(v);
	return v;
}

static void
test_chain(void **state)
{
	struct fixture *f = *state;
	struct ecert_error e = { 0, "" };
	char *prev, *hash, *v;
	long long i;

	expect_good(f->s, NENTRIES);
	prev = column(f->s, "prev", 1);
	assert_string_equal(prev, "0000000000000000000000000000000000000000"
	    "000000000000000000000000");
	free(prev);
	for (i = 2; i <= NENTRIES; i++) {
		prev = column(f->s, "prev", i);
		hash = column(f->s, "hash", i - 1);
		assert_string_equal(prev, hash);
		assert_int_equal(strlen(hash), 64);
		free(prev);
		free(hash);
	}
	v = column(f->s, "detail", 4);
	assert_string_equal(v, entries[3][4]);
	free(v);
	v = column(f->s, "os_user", 4);
	assert_string_equal(v, f->s->os_user);
	free(v);

	/* absent fields are kept as empty strings, and still chained */
	assert_int_equal(ecert_audit(f->s, NULL, "license.expire", NULL, "ok",
	    NULL), 0);
	v = column(f->s, "unit || object || detail", NENTRIES + 1);
	assert_string_equal(v, "");
	free(v);
	expect_good(f->s, NENTRIES + 1);

	/* the chain holds across a reopen, with the key file read back */
	ecert_store_close(f->s);
	f->s = NULL;
	assert_int_equal(ecert_store_open(f->db, NULL, &f->s, &e), 0);
	expect_good(f->s, NENTRIES + 1);
}

/* The triggers refuse changes, to sqlite3(1) and to the store alike. */
static void
test_immutable(void **state)
{
	struct fixture *f = *state;
	struct ecert_error e = { 0, "" };
	char err[256];

	assert_int_equal(raw_sql(f->db, "UPDATE audit SET detail = '无'"
	    " WHERE seq = 3", err, sizeof(err)), SQLITE_CONSTRAINT);
	assert_string_equal(err, "audit entries cannot be changed");
	assert_int_equal(raw_sql(f->db, "DELETE FROM audit WHERE seq = 3",
	    err, sizeof(err)), SQLITE_CONSTRAINT);
	assert_string_equal(err, "audit entries cannot be deleted");
	assert_int_equal(raw_sql(f->db, "DELETE FROM audit", err,
	    sizeof(err)), SQLITE_CONSTRAINT);
	assert_int_equal(ecert_exec(f->s, "UPDATE audit SET outcome = 'ok'",
	    &e), ECERT_IOERR);
	assert_non_null(strstr(e.msg, "audit entries cannot be changed"));
	assert_int_equal(ecert_exec(f->s, "DELETE FROM audit WHERE seq = 5",
	    &e), ECERT_IOERR);
	assert_non_null(strstr(e.msg, "audit entries cannot be deleted"));
	expect_good(f->s, NENTRIES);
}

static void
test_altered_detail(void **state)
{
	struct fixture *f = *state;

	drop_triggers(f->db);
	raw_ok(f->db, "UPDATE audit SET detail = '襄阳江汉食品有限公司'"
	    " WHERE seq = 3");
	expect_bad(f->s, 3, "entry 3: altered");
	/* put back, it verifies again */
	raw_ok(f->db, "UPDATE audit SET detail = '襄阳汉江食品有限公司'"
	    " WHERE seq = 3");
	expect_good(f->s, NENTRIES);
}

/* Every field is covered by the entry's MAC. */
static void
test_altered_any_field(void **state)
{
	static const char *cols[] = {
		"time", "unit", "os_user", "action", "object", "outcome",
		"detail"
	};
	struct fixture *f = *state;
	char sql[256], *was;
	size_t i;

	drop_triggers(f->db);
	for (i = 0; i < sizeof(cols) / sizeof(cols[0]); i++) {
		was = column(f->s, cols[i], 2);
		snprintf(sql, sizeof(sql), "UPDATE audit SET %s = %s || ' '"
		    " WHERE seq = 2", cols[i], cols[i]);
		raw_ok(f->db, sql);
		expect_bad(f->s, 2, "entry 2: altered");
		sqlite3_snprintf(sizeof(sql), sql, "UPDATE audit SET %s = %Q"
		    " WHERE seq = 2", cols[i], was);
		raw_ok(f->db, sql);
		expect_good(f->s, NENTRIES);
		free(was);
	}
	/* the hash itself, and the link to the entry before */
	raw_ok(f->db, "UPDATE audit SET hash = replace(hash, substr(hash, 1, 1),"
	    " CASE substr(hash, 1, 1) WHEN '0' THEN '1' ELSE '0' END)"
	    " WHERE seq = 5");
	expect_bad(f->s, 5, "entry 5: altered");
	raw_ok(f->db, "UPDATE audit SET prev = hash WHERE seq = 4");
	expect_bad(f->s, 4, "entry 4: does not follow entry 3");
}

static void
test_deleted_middle(void **state)
{
	struct fixture *f = *state;

	drop_triggers(f->db);
	raw_ok(f->db, "DELETE FROM audit WHERE seq = 3");
	expect_bad(f->s, 3, "entry 3 removed (next is 4)");
}

static void
test_deleted_first(void **state)
{
	struct fixture *f = *state;

	drop_triggers(f->db);
	raw_ok(f->db, "DELETE FROM audit WHERE seq = 1");
	expect_bad(f->s, 1, "entry 1 removed (next is 2)");
}

/* Entries deleted and the later ones renumbered to close the gap. */
static void
test_deleted_renumbered(void **state)
{
	struct fixture *f = *state;

	drop_triggers(f->db);
	raw_ok(f->db, "DELETE FROM audit WHERE seq = 2;"
	    " UPDATE audit SET seq = seq - 1 WHERE seq > 2");
	expect_bad(f->s, 2, "entry 2: does not follow entry 1");
}

static void
test_swapped(void **state)
{
	struct fixture *f = *state;

	drop_triggers(f->db);
	raw_ok(f->db, "UPDATE audit SET seq = -2 WHERE seq = 2;"
	    " UPDATE audit SET seq = 2 WHERE seq = 3;"
	    " UPDATE audit SET seq = 3 WHERE seq = -2");
	expect_bad(f->s, 2, "entry 2: does not follow entry 1");
}

/* Two entries' contents swapped, their chain fields left in place. */
static void
test_swapped_contents(void **state)
{
	struct fixture *f = *state;

	drop_triggers(f->db);
	raw_ok(f->db, "CREATE TEMP TABLE t AS SELECT * FROM audit"
	    " WHERE seq IN (2, 3);"
	    " UPDATE audit SET (time, unit, os_user, action, object, outcome,"
	    " detail) = (SELECT time, unit, os_user, action, object, outcome,"
	    " detail FROM t WHERE t.seq = 5 - audit.seq)"
	    " WHERE seq IN (2, 3)");
	expect_bad(f->s, 2, "entry 2: altered");
}

/* A chain made with another store's audit key does not verify here. */
static void
test_other_key(void **state)
{
	struct fixture *f = *state;
	struct ecert_error e = { 0, "" };
	struct ecert_store *other;
	char db[160], sql[320];

	snprintf(db, sizeof(db), "%s.other", f->db);
	assert_int_equal(ecert_store_create(db, NULL, &other, &e), 0);
	expect_good(other, 0);
	ecert_store_close(other);
	drop_triggers(db);
	snprintf(sql, sizeof(sql), "ATTACH '%s' AS a;"
	    " INSERT INTO main.audit SELECT * FROM a.audit", f->db);
	raw_ok(db, sql);
	assert_int_equal(ecert_store_open(db, NULL, &other, &e), 0);
	expect_bad(other, 1, "entry 1: altered");
	ecert_store_close(other);
}

/* Inside a transaction the entry lands, or not, with the change. */
static void
test_in_transaction(void **state)
{
	struct fixture *f = *state;
	struct ecert_error e = { 0, "" };

	assert_int_equal(ecert_begin(f->s, &e), 0);
	assert_int_equal(ecert_audit(f->s, ISSUER, "license.issue", LICENSE,
	    "ok", "食品经营许可证"), 0);
	assert_true(f->s->in_tx);
	ecert_rollback(f->s);
	expect_good(f->s, NENTRIES);

	assert_int_equal(ecert_begin(f->s, &e), 0);
	assert_int_equal(ecert_audit(f->s, ISSUER, "license.issue", LICENSE,
	    "ok", "食品经营许可证"), 0);
	assert_int_equal(ecert_commit(f->s, &e), 0);
	expect_good(f->s, NENTRIES + 1);
}

static void
test_refusal_outcomes(void **state)
{
	static const struct {
		int status;
		const char *outcome;
	} cases[] = {
		{ ECERT_NOPERM, "denied" },
		{ ECERT_NO, "refused" },
		{ ECERT_DATAERR, "rejected" },
		{ ECERT_USAGE, "rejected" },
		{ ECERT_IOERR, "failed" },
		{ ECERT_BUSY, "failed" },
	};
	struct fixture *f = *state;
	struct ecert_error e;
	char *v;
	size_t i;
	long long seq;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		seq = NENTRIES + 1 + (long long)i;
		e.status = cases[i].status;
		snprintf(e.msg, sizeof(e.msg), "%s: 经营场所: 拒绝 %d", LICENSE,
		    cases[i].status);
		assert_int_equal(ecert_audit_refusal(f->s, ISSUER,
		    "license.revoke", LICENSE, &e), 0);
		v = column(f->s, "outcome", seq);
		if (strcmp(v, cases[i].outcome) != 0)
			fail_msg("status %d: want %s, got %s", cases[i].status,
			    cases[i].outcome, v);
		free(v);
		v = column(f->s, "detail", seq);
		assert_string_equal(v, e.msg);
		free(v);
		v = column(f->s, "action || ' ' || object || ' ' || unit", seq);
		assert_string_equal(v, "license.revoke " LICENSE " " ISSUER);
		free(v);
	}
	expect_good(f->s, NENTRIES + 6);
}

int
main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_chain),
		T(test_immutable),
		T(test_altered_detail),
		T(test_altered_any_field),
		T(test_deleted_middle),
		T(test_deleted_first),
		T(test_deleted_renumbered),
		T(test_swapped),
		T(test_swapped_contents),
		T(test_other_key),
		T(test_in_transaction),
		T(test_refusal_outcomes),
	};
#undef T

	/* stores made here have no platform, no anchor (see test_store) */
	ecert_anchor_optional(1);
	return cmocka_run_group_tests(tests, make_scratch, remove_scratch);
}
