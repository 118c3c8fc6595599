/*
 * ecert-bench-raw: the machine's own limits, measured in the same run as
 * the programs they bound (make bench):
 *   sign N          libsodium's Ed25519 sign rate on one core, messages of
 *                   the size of a typical signed license
 *   verify N        the same for verification
 *   sign-sm2 N      OpenSSL's SM2-with-SM3 sign rate on one core (the
 *                   default distinguishing ID, the key loaded once), the
 *                   same messages
 *   verify-sm2 N    the same for verification
 *   insert N DB [RECORDS]  SQLite's raw insert rate of rows shaped like
 *                   licenses into a fresh store (same table, same indexes,
 *                   the same columns filled: sealed document, status
 *                   place), no validation, no signing, batches of 10000;
 *                   the number, holder, ID and dates of each row from
 *                   RECORDS (the import's input: the same keys in every
 *                   index), read before the clock starts
 *   update DB DATE  seconds to mark the due rows expired, nothing else
 *   rss CMD ...     runs CMD and prints its peak resident set in KiB
 *   leafhash DB [AFTER]  seconds of libsodium SHA-256 over the leaf bytes
 *                   of the audit entries after seq AFTER (0x00 || leaf, as
 *                   RFC 9162 hashes a leaf), the bytes made beforehand and
 *                   not timed: the floor under a checkpoint of those entries
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <sodium.h>

#include "ecert.h"
#include "ecert_priv.h"

/* a signed license is about this long in canonical form */
static void
message(unsigned char *m, size_t n, long i)
{
	memset(m, 'a' + (int)(i % 26), n);
	memcpy(m, &i, sizeof(i));
}

static int
bench_sign(long n, int verify)
{
	unsigned char pk[32], sk[64], sig[64], m[700];
	double t;
	long i;

	crypto_sign_keypair(pk, sk);
	message(m, sizeof(m), 0);
	crypto_sign_detached(sig, NULL, m, sizeof(m), sk);
	t = ecert_mono();
	for (i = 0; i < n; i++) {
		if (verify) {
			if (crypto_sign_verify_detached(sig, m, sizeof(m),
			    pk) != 0)
				return 1;
		} else {
			message(m, sizeof(m), i);
			crypto_sign_detached(sig, NULL, m, sizeof(m), sk);
		}
	}
	t = ecert_mono() - t;
	printf("%.0f\n", (double)n / t);
	return 0;
}

/* straight EVP calls, as a program that only signs would make them */
static int
bench_sm2(long n, int verify)
{
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "SM2");
	EVP_MD *sm3 = EVP_MD_fetch(NULL, "SM3", NULL);
	unsigned char sig[80], m[700];
	size_t siglen = sizeof(sig), len;
	double t;
	long i;
	int ok = 1;

	if (key == NULL || sm3 == NULL)
		return 74;
	message(m, sizeof(m), 0);
	t = ecert_mono();
	for (i = 0; i < n + 1 && ok; i++) {
		EVP_MD_CTX *md = EVP_MD_CTX_new();
		EVP_PKEY_CTX *pc = NULL;

		if (i == 1)	/* the first makes the signature to verify */
			t = ecert_mono();
		if (verify && i > 0)
			ok = EVP_DigestVerifyInit(md, &pc, sm3, NULL, key) == 1
			    && EVP_PKEY_CTX_set1_id(pc, ECERT_SM2_ID, 16) == 1
			    && EVP_DigestVerify(md, sig, siglen, m,
			    sizeof(m)) == 1;
		else {
			message(m, sizeof(m), verify ? 0 : i);
			len = sizeof(sig);
			ok = EVP_DigestSignInit(md, &pc, sm3, NULL, key) == 1 &&
			    EVP_PKEY_CTX_set1_id(pc, ECERT_SM2_ID, 16) == 1 &&
			    EVP_DigestSign(md, sig, &len, m, sizeof(m)) == 1;
			siglen = len;
		}
		EVP_MD_CTX_free(md);
	}
	t = ecert_mono() - t;
	EVP_MD_free(sm3);
	EVP_PKEY_free(key);
	if (!ok)
		return 1;
	printf("%.0f\n", (double)n / t);
	return 0;
}

/* The values of one row that come from its record (make bench passes
 * the import's own input, so the indexes see the same keys). */
struct row {
	char number[40], holder[160], holder_id[40], issued[11], until[11];
};

static const char *
field(json_t *o, const char *k)
{
	const char *v = json_string_value(json_object_get(o, k));

	return v != NULL ? v : "";
}

/* n rows from RECORDS (JSON Lines as ecert-gen makes them; a record
 * without its number, holder, ID or dates is skipped, as the import
 * rejects it), or made up when there is no file. */
static struct row *
rows_load(const char *path, long *n)
{
	struct row *r = calloc((size_t)*n + 1, sizeof(*r));
	char *line = NULL;
	size_t cap = 0;
	FILE *fp = path != NULL ? fopen(path, "r") : NULL;
	long i = 0;
	json_t *o;

	if (r == NULL || (path != NULL && fp == NULL))
		ecert_die(66, "%s: cannot read", path ? path : "rows");
	while (fp != NULL && i < *n && getline(&line, &cap, fp) > 0) {
		if ((o = json_loads(line, 0, NULL)) == NULL)
			continue;
		snprintf(r[i].number, sizeof(r[i].number), "%s",
		    field(o, "number"));
		snprintf(r[i].holder, sizeof(r[i].holder), "%s",
		    field(o, "holder"));
		snprintf(r[i].holder_id, sizeof(r[i].holder_id), "%s",
		    field(o, "holder_id"));
		snprintf(r[i].issued, sizeof(r[i].issued), "%s",
		    field(o, "issue_date"));
		snprintf(r[i].until, sizeof(r[i].until), "%s",
		    field(o, "valid_until"));
		json_decref(o);
		if (r[i].number[0] && r[i].holder[0] && r[i].holder_id[0] &&
		    strlen(r[i].issued) == 10)
			i++;
	}
	for (; fp == NULL && i < *n; i++) {
		snprintf(r[i].number, sizeof(r[i].number), "914206%012ld", i);
		snprintf(r[i].holder, sizeof(r[i].holder), "襄阳汉江食品有限公司");
		memcpy(r[i].holder_id, r[i].number, sizeof(r[i].number));
		snprintf(r[i].until, sizeof(r[i].until), "%04ld-%02ld-%02ld",
		    2027 + i % 30, 1 + i % 12, 1 + i % 28);
		snprintf(r[i].issued, sizeof(r[i].issued), "%04ld-%02ld-%02ld",
		    1995 + i % 30, 1 + i % 12, 1 + i % 28);
	}
	if (fp != NULL)
		fclose(fp);
	free(line);
	*n = i;
	return r;
}

static int
bench_insert(long n, const char *db, const char *records)
{
	struct ecert_store *s;
	struct ecert_error e;
	struct ecert_key k;
	sqlite3_stmt *st;
	unsigned char blob[860], compact[467];	/* as measured */
	char id[160], hash[65], today[11];
	struct row *r = rows_load(records, &n);
	double t;
	long i;

	if (ecert_store_create(db, NULL, &s, &e) != 0)
		ecert_die_error(&e);
	ecert_key_generate(&k, "11420600MB1234567T");
	if (ecert_unit_add(s, "11420600MB1234567T", "襄阳市市场监督管理局", 2,
	    &e) != 0 || ecert_key_register(s, &k, &e) != 0 ||
	    ecert_exec(s, "INSERT INTO license_types(code, name, issuer,"
	    " public, definition, version, loaded_at) VALUES ("
	    "'11100000000013338W011', '营业执照', '11420600MB1234567T', 1,"
	    " '{}', 1, '2026-01-01T00:00:00Z')", &e) != 0)
		ecert_die_error(&e);
	ecert_exec(s, "PRAGMA cache_size = -32768", NULL);
	st = ecert_prepare(s, "INSERT INTO licenses(id, type, number,"
	    " version, issuer, holder_name, holder_code, holder_hash,"
	    " issue_date, valid_from, valid_until, status, historical,"
	    " document, key_id, signature, created_at, compact, status_index)"
	    " VALUES (?,?,?,1,?,?,?,?,?,?,?,?,1,?,?,?,?,?,?)", &e);
	if (st == NULL)
		ecert_die_error(&e);
	randombytes_buf(blob, sizeof(blob));
	randombytes_buf(compact, sizeof(compact));
	ecert_today(today);
	t = ecert_mono();
	ecert_begin(s, &e);
	for (i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "1.2.156.3005.2.11100000000013338W011."
		    "11420600MB1234567T.%s.001.X", r[i].number);
		ecert_pii_hash(s, r[i].holder_id, hash);
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, "11100000000013338W011", -1,
		    SQLITE_STATIC);
		sqlite3_bind_text(st, 3, r[i].number, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, "11420600MB1234567T", -1,
		    SQLITE_STATIC);
		sqlite3_bind_text(st, 5, r[i].holder, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, r[i].holder_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 7, hash, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 8, r[i].issued, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 9, r[i].issued, -1, SQLITE_STATIC);
		if (r[i].until[0] != '\0')
			sqlite3_bind_text(st, 10, r[i].until, -1,
			    SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 10);
		/* as the import does: a term ended comes in expired */
		sqlite3_bind_text(st, 11, r[i].until[0] != '\0' &&
		    strcmp(r[i].until, today) < 0 ? "expired" : "valid", -1,
		    SQLITE_STATIC);
		blob[0] = (unsigned char)i;
		sqlite3_bind_blob(st, 12, blob, sizeof(blob), SQLITE_STATIC);
		sqlite3_bind_text(st, 13, k.key_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 14, "c2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dXJlc2ln"
		    "bmF0dXJlc2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dQ==",
		    -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 15, "2026-11-27T00:00:00Z", -1,
		    SQLITE_STATIC);
		sqlite3_bind_blob(st, 16, compact, sizeof(compact),
		    SQLITE_STATIC);
		sqlite3_bind_int64(st, 17, ecert_status_index(s,
		    (uint64_t)i));
		if (sqlite3_step(st) != SQLITE_DONE)
			ecert_die(74, "insert: %s", sqlite3_errmsg(s->db));
		sqlite3_reset(st);
		if (i % 10000 == 9999) {
			ecert_commit(s, &e);
			ecert_begin(s, &e);
		}
	}
	ecert_commit(s, &e);
	t = ecert_mono() - t;
	sqlite3_finalize(st);
	ecert_store_close(s);
	free(r);
	printf("%.0f\n", (double)n / t);
	return 0;
}

static int
bench_update(const char *db, const char *as_of)
{
	struct ecert_store *s;
	struct ecert_error e;
	sqlite3_stmt *st;
	double t;

	s = ecert_store_open_or_die(db, NULL);
	t = ecert_mono();
	ecert_begin(s, &e);
	st = ecert_prepare(s, "UPDATE licenses SET status = 'expired'"
	    " WHERE status IN ('valid','suspended') AND valid_until < ?", &e);
	if (st == NULL)
		ecert_die_error(&e);
	sqlite3_bind_text(st, 1, as_of, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		ecert_die(74, "update: %s", sqlite3_errmsg(s->db));
	fprintf(stderr, "updated %d\n", sqlite3_changes(s->db));
	sqlite3_finalize(st);
	ecert_commit(s, &e);
	t = ecert_mono() - t;
	ecert_store_close(s);
	printf("%.6f\n", t);
	return 0;
}

static int
bench_rss(char **argv)
{
	struct rusage ru;
	pid_t pid;
	int status;

	if ((pid = fork()) == 0) {
		execvp(argv[0], argv);
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) < 0)
		return 74;
	printf("%ld\n", ru.ru_maxrss);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static int
bench_leafhash(const char *db, long long after)
{
	enum { CHUNK = 100000 };
	sqlite3 *h;
	sqlite3_stmt *st;
	char **leaf = ecert_xmalloc(CHUNK * sizeof(char *));
	size_t *len = ecert_xmalloc(CHUNK * sizeof(size_t));
	unsigned char out[32], zero = 0;
	crypto_hash_sha256_state sh;
	long long count = 0, bytes = 0;
	double t = 0, t0;
	int i, n, rc = SQLITE_ROW;

	if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(h, "SELECT seq, time, unit, os_user, action,"
	    " object, outcome, detail, prev, hash FROM audit WHERE seq > ?"
	    " ORDER BY seq", -1, &st, NULL) != SQLITE_OK)
		ecert_die(74, "%s: %s", db, sqlite3_errmsg(h));
	sqlite3_bind_int64(st, 1, after);
	while (rc == SQLITE_ROW) {
		for (n = 0; n < CHUNK && (rc = sqlite3_step(st)) == SQLITE_ROW;
		    n++) {
			const char *col[10];

			col[0] = NULL;
			for (i = 1; i < 10; i++)
				col[i] = (const char *)sqlite3_column_text(st, i);
			leaf[n] = ecert_audit_leaf(sqlite3_column_int64(st, 0),
			    col, &len[n]);
		}
		t0 = ecert_mono();
		for (i = 0; i < n; i++) {
			crypto_hash_sha256_init(&sh);
			crypto_hash_sha256_update(&sh, &zero, 1);
			crypto_hash_sha256_update(&sh,
			    (const unsigned char *)leaf[i], len[i]);
			crypto_hash_sha256_final(&sh, out);
		}
		t += ecert_mono() - t0;
		for (i = 0; i < n; i++) {
			bytes += (long long)len[i];
			free(leaf[i]);
		}
		count += n;
	}
	sqlite3_finalize(st);
	sqlite3_close(h);
	free(leaf);
	free(len);
	fprintf(stderr, "hashed %lld leaves, %lld bytes\n", count, bytes);
	printf("%.6f\n", t);
	return 0;
}

/* The expiry sweep's query plan (ecert_expire_sql) as of DATE, one
 * detail a line: for tests, which ask the library, not its source. */
static int
expire_plan(const char *db, const char *date)
{
	sqlite3 *h;
	sqlite3_stmt *st;
	char sql[2048];

	snprintf(sql, sizeof(sql), "EXPLAIN QUERY PLAN %s", ecert_expire_sql);
	if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK)
		ecert_die(74, "%s: %s", db, sqlite3_errmsg(h));
	sqlite3_bind_text(st, 1, date, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW)
		printf("%s\n", (const char *)sqlite3_column_text(st, 3));
	sqlite3_finalize(st);
	sqlite3_close(h);
	return 0;
}

int
main(int argc, char *argv[])
{
	if (sodium_init() < 0)
		return 74;
	if (argc >= 3 && strcmp(argv[1], "sign") == 0)
		return bench_sign(atol(argv[2]), 0);
	if (argc >= 3 && strcmp(argv[1], "verify") == 0)
		return bench_sign(atol(argv[2]), 1);
	if (argc >= 3 && strcmp(argv[1], "sign-sm2") == 0)
		return bench_sm2(atol(argv[2]), 0);
	if (argc >= 3 && strcmp(argv[1], "verify-sm2") == 0)
		return bench_sm2(atol(argv[2]), 1);
	if (argc >= 4 && strcmp(argv[1], "insert") == 0)
		return bench_insert(atol(argv[2]), argv[3], argc > 4 ?
		    argv[4] : NULL);
	if (argc >= 4 && strcmp(argv[1], "update") == 0)
		return bench_update(argv[2], argv[3]);
	if (argc >= 4 && strcmp(argv[1], "plan") == 0)
		return expire_plan(argv[2], argv[3]);
	if (argc >= 3 && strcmp(argv[1], "rss") == 0)
		return bench_rss(argv + 2);
	if (argc >= 3 && strcmp(argv[1], "leafhash") == 0)
		return bench_leafhash(argv[2], argc > 3 ? atoll(argv[3]) : 0);
	fprintf(stderr, "usage: ecert-bench-raw sign|verify|sign-sm2|verify-sm2"
	    " N | insert N DB [RECORDS] | update DB DATE | plan DB DATE | rss CMD ... | leafhash DB [AFTER]\n");
	return 64;
}
