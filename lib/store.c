/*
 * store.c: the one SQLite file, its schema and migrations, and the key
 * file kept beside it (outside the store) that protects personal data
 * and the audit chain.
 */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "ecert_priv.h"

static const char *schema_v1[] = {
	"CREATE TABLE meta(name TEXT PRIMARY KEY, value TEXT NOT NULL)",
	"CREATE TABLE units(code TEXT PRIMARY KEY, name TEXT NOT NULL,"
	" roles INTEGER NOT NULL, created_at TEXT NOT NULL)",
	"CREATE TABLE keys(key_id TEXT PRIMARY KEY,"
	" unit TEXT NOT NULL REFERENCES units(code), alg TEXT NOT NULL,"
	" public_key TEXT NOT NULL UNIQUE, not_before TEXT NOT NULL,"
	" not_after TEXT)",
	"CREATE INDEX keys_unit ON keys(unit)",
	"CREATE TABLE license_types(code TEXT PRIMARY KEY, name TEXT NOT NULL,"
	" issuer TEXT NOT NULL REFERENCES units(code),"
	" public INTEGER NOT NULL, definition TEXT NOT NULL,"
	" version INTEGER NOT NULL, loaded_at TEXT NOT NULL)",
	"CREATE TABLE license_type_history(code TEXT NOT NULL,"
	" version INTEGER NOT NULL, definition TEXT NOT NULL,"
	" loaded_at TEXT NOT NULL, loaded_by TEXT NOT NULL,"
	" PRIMARY KEY(code, version))",
	"CREATE TABLE licenses(id TEXT PRIMARY KEY,"
	" type TEXT NOT NULL REFERENCES license_types(code),"
	" number TEXT NOT NULL, version INTEGER NOT NULL,"
	" issuer TEXT NOT NULL REFERENCES units(code),"
	" holder_name TEXT NOT NULL, holder_code TEXT,"
	" holder_hash TEXT NOT NULL, issue_date TEXT NOT NULL,"
	" valid_from TEXT, valid_until TEXT,"
	" status TEXT NOT NULL CHECK(status IN ('valid','suspended',"
	"'revoked','expired','superseded','draft')),"
	" historical INTEGER NOT NULL DEFAULT 0,"
	" document BLOB NOT NULL,"
	" key_id TEXT NOT NULL REFERENCES keys(key_id),"
	" signature TEXT NOT NULL, created_at TEXT NOT NULL,"
	" UNIQUE(type, number, version))",
	"CREATE INDEX licenses_holder ON licenses(holder_hash)",
	"CREATE INDEX licenses_issuer ON licenses(issuer, issue_date)",
	"CREATE INDEX licenses_due ON licenses(valid_until)"
	" WHERE status IN ('valid','suspended')",
	"CREATE TABLE license_events(seq INTEGER PRIMARY KEY,"
	" license TEXT NOT NULL REFERENCES licenses(id),"
	" time TEXT NOT NULL, unit TEXT NOT NULL, os_user TEXT NOT NULL,"
	" status TEXT NOT NULL, reason TEXT NOT NULL,"
	" key_id TEXT, signature TEXT)",
	"CREATE INDEX license_events_license ON license_events(license, seq)",
	"CREATE TABLE audit(seq INTEGER PRIMARY KEY, time TEXT NOT NULL,"
	" unit TEXT NOT NULL, os_user TEXT NOT NULL, action TEXT NOT NULL,"
	" object TEXT NOT NULL, outcome TEXT NOT NULL, detail TEXT NOT NULL,"
	" prev TEXT NOT NULL, hash TEXT NOT NULL)",
	"CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit"
	" BEGIN SELECT RAISE(ABORT, 'audit entries cannot be changed'); END",
	"CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit"
	" BEGIN SELECT RAISE(ABORT, 'audit entries cannot be deleted'); END",
	"CREATE TRIGGER licenses_no_delete BEFORE DELETE ON licenses"
	" BEGIN SELECT RAISE(ABORT, 'licenses are never deleted'); END",
	"CREATE TRIGGER events_no_change BEFORE UPDATE ON license_events"
	" BEGIN SELECT RAISE(ABORT, 'license events cannot be changed'); END",
	"CREATE TRIGGER events_no_delete BEFORE DELETE ON license_events"
	" BEGIN SELECT RAISE(ABORT, 'license events cannot be deleted'); END",
	"CREATE TRIGGER types_no_delete BEFORE DELETE ON license_types"
	" BEGIN SELECT RAISE(ABORT, 'license types are never deleted'); END",
	NULL
};

/* Presentation (article 16): the issuer-signed compact body a QR token
 * carries, and each license's place in the status list. */
static const char *schema_v2[] = {
	"ALTER TABLE licenses ADD COLUMN compact BLOB",
	"ALTER TABLE licenses ADD COLUMN status_index INTEGER",
	"CREATE UNIQUE INDEX licenses_status_index ON licenses(status_index)",
	"INSERT OR IGNORE INTO meta(name, value) VALUES ('status_seq', '0')",
	NULL
};

/*
 * Authorized use (articles 12, 13, 15), service matters (article 14),
 * review before signing (article 9) and objections (article 17).
 */
static const char *schema_v3[] = {
	"CREATE TABLE grants(id INTEGER PRIMARY KEY,"
	" kind TEXT NOT NULL CHECK(kind IN ('authorize','delegate')),"
	" grantor TEXT NOT NULL REFERENCES units(code),"
	" holder_name TEXT NOT NULL, holder_hash TEXT NOT NULL,"
	" grantee TEXT REFERENCES units(code),"
	" agent_name TEXT, agent_hash TEXT, agent_sealed BLOB,"
	" types TEXT, licenses TEXT, matter TEXT NOT NULL,"
	" not_before TEXT NOT NULL, not_after TEXT NOT NULL,"
	" max_uses INTEGER, uses INTEGER NOT NULL DEFAULT 0,"
	" created_at TEXT NOT NULL, os_user TEXT NOT NULL,"
	" withdrawn_at TEXT, withdrawn_by TEXT, withdrawn_reason TEXT,"
	" key_id TEXT NOT NULL REFERENCES keys(key_id),"
	" signature TEXT NOT NULL)",
	"CREATE INDEX grants_holder ON grants(holder_hash)",
	"CREATE INDEX grants_grantee ON grants(grantee)",
	"CREATE INDEX grants_agent ON grants(agent_hash)",
	"CREATE TRIGGER grants_no_delete BEFORE DELETE ON grants"
	" BEGIN SELECT RAISE(ABORT, 'grants are never deleted'); END",
	"CREATE TABLE matters(code TEXT PRIMARY KEY, name TEXT NOT NULL,"
	" definition TEXT NOT NULL, version INTEGER NOT NULL,"
	" loaded_at TEXT NOT NULL)",
	"CREATE TABLE matter_history(code TEXT NOT NULL,"
	" version INTEGER NOT NULL, definition TEXT NOT NULL,"
	" loaded_at TEXT NOT NULL, loaded_by TEXT NOT NULL,"
	" PRIMARY KEY(code, version))",
	"CREATE TABLE disputes(id INTEGER PRIMARY KEY,"
	" license TEXT NOT NULL REFERENCES licenses(id),"
	" issuer TEXT NOT NULL REFERENCES units(code),"
	" filed_by TEXT NOT NULL, filer_unit TEXT, item TEXT NOT NULL,"
	" reason TEXT NOT NULL, filed_at TEXT NOT NULL, due TEXT NOT NULL,"
	" status TEXT NOT NULL CHECK(status IN ('open','corrected',"
	"'rejected')),"
	" resolved_at TEXT, resolved_by TEXT, resolution TEXT,"
	" amended TEXT REFERENCES licenses(id))",
	"CREATE INDEX disputes_open ON disputes(issuer, status, due)",
	"CREATE TRIGGER disputes_no_delete BEFORE DELETE ON disputes"
	" BEGIN SELECT RAISE(ABORT, 'disputes are never deleted'); END",
	"ALTER TABLE licenses ADD COLUMN drafted_by TEXT",
	NULL
};

/* Review before signing (article 9): a rejected draft says so. */
static const char *schema_v4[] = {
	"ALTER TABLE licenses ADD COLUMN review TEXT",
	NULL
};

/* A grant's changing state (uses, withdrawal) is signed by whoever
 * changed it last, so that a row edited by other means grants nothing. */
static const char *schema_v5[] = {
	"ALTER TABLE grants ADD COLUMN state_key TEXT",
	"ALTER TABLE grants ADD COLUMN state_sig TEXT",
	NULL
};

/* The working-day calendar of objection deadlines (holiday.c): the
 * statutory holidays and the weekend days worked, and the years loaded. */
static const char *schema_v6[] = {
	"CREATE TABLE holidays(day TEXT PRIMARY KEY,"
	" kind TEXT NOT NULL CHECK(kind IN ('holiday','workday')), note TEXT)",
	"CREATE TABLE holiday_years(year INTEGER PRIMARY KEY,"
	" loaded_at TEXT NOT NULL, loaded_by TEXT NOT NULL,"
	" source TEXT NOT NULL)",
	NULL
};

/* The systems that call ecert-serve (articles 9, 13): each registered to
 * a unit with its own request key, the row signed by the platform. */
static const char *schema_v7[] = {
	"CREATE TABLE serve_clients(id TEXT PRIMARY KEY,"
	" unit TEXT NOT NULL REFERENCES units(code), alg TEXT NOT NULL,"
	" public_key TEXT NOT NULL UNIQUE, added_at TEXT NOT NULL,"
	" revoked_at TEXT, sig_key TEXT NOT NULL, sig TEXT NOT NULL)",
	"CREATE TRIGGER serve_clients_no_delete BEFORE DELETE ON serve_clients"
	" BEGIN SELECT RAISE(ABORT, 'clients are never deleted'); END",
	NULL
};

/* The transparency log (article 23): each signed checkpoint of the audit
 * entries' Merkle tree, and the tree's frontier at the newest one, so that
 * the next checkpoint hashes only the entries since (ecert(5)). */
static const char *schema_v8[] = {
	"CREATE TABLE audit_checkpoints(seq INTEGER PRIMARY KEY,"
	" size INTEGER NOT NULL, time TEXT NOT NULL, note TEXT NOT NULL)",
	"CREATE TABLE audit_frontier(id INTEGER PRIMARY KEY CHECK(id = 1),"
	" size INTEGER NOT NULL, last TEXT NOT NULL, hashes BLOB NOT NULL)",
	"CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON"
	" audit_checkpoints BEGIN SELECT RAISE(ABORT,"
	" 'checkpoints cannot be changed'); END",
	"CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON"
	" audit_checkpoints BEGIN SELECT RAISE(ABORT,"
	" 'checkpoints cannot be deleted'); END",
	NULL
};

/*
 * Signed and chained facts (article 23): each status event names its
 * action and the hash of the event before it (events written before
 * have neither and are read as a legacy head of the chain); the audit
 * entries of one object are found by an index; a grant's signed state
 * carries a counter that only grows.
 */
static const char *schema_v9[] = {
	"ALTER TABLE license_events ADD COLUMN action TEXT",
	"ALTER TABLE license_events ADD COLUMN prev TEXT",
	"CREATE INDEX audit_object ON audit(object, action)",
	"ALTER TABLE grants ADD COLUMN state_seq INTEGER NOT NULL DEFAULT 0",
	"ALTER TABLE units ADD COLUMN sig_key TEXT",
	"ALTER TABLE units ADD COLUMN sig TEXT",
	"ALTER TABLE keys ADD COLUMN sig_key TEXT",
	"ALTER TABLE keys ADD COLUMN sig TEXT",
	"ALTER TABLE license_types ADD COLUMN sig_key TEXT",
	"ALTER TABLE license_types ADD COLUMN sig TEXT",
	NULL
};

/*
 * A key's retirement is signed (by the key itself, another key of its unit
 * or the platform) and audited as key.retire; a catalog entry's past
 * versions are signed by the platform like the entry.
 */
static const char *schema_v10[] = {
	"ALTER TABLE keys ADD COLUMN retire_key TEXT",
	"ALTER TABLE keys ADD COLUMN retire_sig TEXT",
	"ALTER TABLE license_type_history ADD COLUMN sig_key TEXT",
	"ALTER TABLE license_type_history ADD COLUMN sig TEXT",
	NULL
};

/* Each entry takes the store from version i to i + 1. */
static const char **migrations[] = { schema_v1, schema_v2, schema_v3,
    schema_v4, schema_v5, schema_v6, schema_v7, schema_v8, schema_v9,
    schema_v10 };

const char *
ecert_store_default_path(const char *opt)
{
	const char *env;

	if (opt != NULL && *opt != '\0')
		return opt;
	env = getenv("ECERT_DB");
	if (env != NULL && *env != '\0')
		return env;
	return "ecert.db";
}

char *
ecert_store_default_keypath(const char *dbpath, const char *opt)
{
	const char *env;

	if (opt != NULL && *opt != '\0')
		return ecert_xstrdup(opt);
	env = getenv("ECERT_STORE_KEY");
	if (env != NULL && *env != '\0')
		return ecert_xstrdup(env);
	return ecert_xasprintf("%s.key", dbpath);
}

int
ecert_sql_fail(struct ecert_store *s, struct ecert_error *e, int rc,
    const char *what)
{
	int status = ECERT_IOERR;

	if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED)
		return ecert_fail(e, ECERT_BUSY, "store %s is busy (%s: %s): "
		    "another program held it past the timeout "
		    "(ECERT_BUSY_TIMEOUT)", s && s->path ? s->path : "", what,
		    s && s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
	return ecert_fail(e, status, "%s: %s", what,
	    s && s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
}

/* A statement that changes the store, run once and finalized: 0, or the
 * failure (what: the thing changed, for the message). */
int
ecert_step_once(struct ecert_store *s, sqlite3_stmt *st, const char *what,
    struct ecert_error *e)
{
	int rc = sqlite3_step(st);

	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : ecert_sql_fail(s, e, rc, what);
}

int
ecert_exec(struct ecert_store *s, const char *sql, struct ecert_error *e)
{
	int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);

	if (rc != SQLITE_OK)
		return ecert_sql_fail(s, e, rc, "store");
	return 0;
}

sqlite3_stmt *
ecert_prepare(struct ecert_store *s, const char *sql, struct ecert_error *e)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);

	if (rc != SQLITE_OK) {
		ecert_sql_fail(s, e, rc, "store");
		return NULL;
	}
	return st;
}

/*
 * A statement prepared once for the store's life, for the checks that run
 * on every license (parsing was a third of a re-verify): SQL a constant
 * string, known by its address.  The caller ends with ecert_cached_done,
 * never sqlite3_finalize, and must not use it again while it is stepping.
 */
sqlite3_stmt *
ecert_prepare_cached(struct ecert_store *s, const char *sql)
{
	size_t i, n = sizeof(s->cached) / sizeof(s->cached[0]);

	for (i = 0; i < n && s->cached_sql[i] != NULL; i++)
		if (s->cached_sql[i] == sql) {
			sqlite3_clear_bindings(s->cached[i]);
			return s->cached[i];
		}
	if (i == n)
		ecert_die(ECERT_IOERR, "store: more than %zu kept "
		    "statements", n);
	if ((s->cached[i] = ecert_prepare(s, sql, NULL)) == NULL)
		return NULL;
	s->cached_sql[i] = sql;
	return s->cached[i];
}

void
ecert_cached_done(sqlite3_stmt *st)
{
	if (st != NULL)
		sqlite3_reset(st);
}

int
ecert_bind_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v == NULL)
		return sqlite3_bind_null(st, i);
	return sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
}

/* BEGIN and COMMIT kept too: a batch that audits every license runs
 * them once a license.  SQLITE_OK when done, else SQLite's code. */
static const char begin_sql[] = "BEGIN IMMEDIATE";
static const char commit_sql[] = "COMMIT";

static int
step_kept(struct ecert_store *s, const char *sql)
{
	sqlite3_stmt *st = ecert_prepare_cached(s, sql);
	int rc;

	if (st == NULL)
		return sqlite3_errcode(s->db);
	rc = sqlite3_step(st);
	ecert_cached_done(st);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* A transaction begun with sql (its kind, kind), the snapshot's
 * remembered lookups forgotten; 0, or the failure. */
static int
tx_start(struct ecert_store *s, const char *sql, int kind,
    struct ecert_error *e)
{
	int rc = step_kept(s, sql);

	if (rc != SQLITE_OK)
		return ecert_sql_fail(s, e, rc, "store: begin");
	s->in_tx = kind;
	s->snap.key_id[0] = s->snap.code[0] = '\0';
	return 0;
}

/* No transaction any more, and nothing of the snapshot remembered. */
static void
tx_ended(struct ecert_store *s)
{
	s->in_tx = 0;
	s->snap.key_id[0] = s->snap.code[0] = '\0';
}

int
ecert_begin(struct ecert_store *s, struct ecert_error *e)
{
	int rc;

	if (s->in_tx == ECERT_TX_WRITE)
		return 0;
	if (s->in_tx == ECERT_TX_READ)
		return ecert_fail(e, ECERT_IOERR, "store: a change "
		    "begun during a read");
	if ((rc = tx_start(s, begin_sql, ECERT_TX_WRITE, e)) != 0)
		return rc;
	/* what a read held goes in first, and stays held until it is
	 * committed */
	if (s->nheld > 0 && (rc = ecert_audit_write_held(s, e)) != 0) {
		ecert_rollback(s);
		return rc;
	}
	return 0;
}

/* BEGIN is deferred: the snapshot is taken by the first read. */
static const char begin_read_sql[] = "BEGIN";

int
ecert_begin_read(struct ecert_store *s, struct ecert_error *e)
{
	if (s->in_tx)
		return ecert_fail(e, ECERT_IOERR, "store: a read begun "
		    "inside a transaction");
	return tx_start(s, begin_read_sql, ECERT_TX_READ, e);
}

int
ecert_end_read(struct ecert_store *s, struct ecert_error *e)
{
	int rc;

	if (s->in_tx != ECERT_TX_READ)
		return 0;
	rc = step_kept(s, commit_sql);
	tx_ended(s);
	if (rc != SQLITE_OK) {
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		return ecert_sql_fail(s, e, rc, "store: end of a read");
	}
	return 0;
}

int
ecert_commit(struct ecert_store *s, struct ecert_error *e)
{
	int rc;

	if (!s->in_tx)
		return 0;
	if (s->in_tx == ECERT_TX_READ)
		return ecert_end_read(s, e);
	rc = step_kept(s, commit_sql);
	if (rc != SQLITE_OK) {
		ecert_sql_fail(s, e, rc, "store: commit");
		ecert_rollback(s);
		return e ? e->status : ECERT_IOERR;
	}
	tx_ended(s);
	ecert_audit_forget_held(s);
	return 0;
}

void
ecert_rollback(struct ecert_store *s)
{
	s->seq_next = s->seq_end = 0;	/* the reservation went with it */
	if (!s->in_tx)
		return;
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	tx_ended(s);
}

int
ecert_record_begin(struct ecert_store *s, struct ecert_error *e)
{
	return ecert_exec(s, "SAVEPOINT record", e);
}

void
ecert_record_end(struct ecert_store *s, int ok)
{
	if (!ok) {
		ecert_exec(s, "ROLLBACK TO record", NULL);
		s->seq_next = s->seq_end = 0;	/* rolled back with it */
	}
	ecert_exec(s, "RELEASE record", NULL);
}

const char *
ecert_store_errmsg(struct ecert_store *s)
{
	return sqlite3_errmsg(s->db);
}

int
ecert_meta_get(struct ecert_store *s, const char *name, char *out, size_t n)
{
	sqlite3_stmt *st;
	int found = 0;

	st = ecert_prepare(s, "SELECT value FROM meta WHERE name = ?", NULL);
	if (st == NULL)
		return 0;
	ecert_bind_text(st, 1, name);
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(out, n, "%s", (const char *)sqlite3_column_text(st, 0));
		found = 1;
	}
	sqlite3_finalize(st);
	return found;
}

static void
hex(const unsigned char *in, size_t n, char *out)
{
	sodium_bin2hex(out, n * 2 + 1, in, n);
}

/*
 * A fingerprint of the key file, so that a wrong one is named as such;
 * kept in meta as key_check, and in a backup's manifest.
 */
void
ecert_store_key_check(const unsigned char *index, const unsigned char *data,
    const unsigned char *audit, char out[33])
{
	unsigned char h[16];
	crypto_generichash_state st;

	crypto_generichash_init(&st, NULL, 0, sizeof(h));
	crypto_generichash_update(&st, (const unsigned char *)"ecert-store-key",
	    15);
	crypto_generichash_update(&st, index, 32);
	crypto_generichash_update(&st, data, 32);
	crypto_generichash_update(&st, audit, 32);
	crypto_generichash_final(&st, h, sizeof(h));
	hex(h, sizeof(h), out);
}

static int
keyfile_write(struct ecert_store *s, struct ecert_error *e)
{
	char ih[65], dh[65], ah[65];
	int fd;
	FILE *fp;

	randombytes_buf(s->index_key, 32);
	randombytes_buf(s->data_key, 32);
	randombytes_buf(s->audit_key, 32);
	hex(s->index_key, 32, ih);
	hex(s->data_key, 32, dh);
	hex(s->audit_key, 32, ah);
	fd = open(s->keypath, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd < 0)
		return ecert_fail(e, ECERT_IOERR, "store key %s: %s",
		    s->keypath, strerror(errno));
	if (fchmod(fd, 0600) != 0) {
		close(fd);
		return ecert_fail(e, ECERT_IOERR, "store key %s: %s",
		    s->keypath, strerror(errno));
	}
	fp = fdopen(fd, "w");
	if (fp == NULL) {
		close(fd);
		return ecert_fail(e, ECERT_IOERR, "store key %s: %s",
		    s->keypath, strerror(errno));
	}
	fprintf(fp, "ecert-store-key-v1\nindex %s\ndata %s\naudit %s\n",
	    ih, dh, ah);
	sodium_memzero(dh, sizeof(dh));
	if (fflush(fp) != 0 || fsync(fd) != 0) {
		fclose(fp);
		return ecert_fail(e, ECERT_IOERR, "store key %s: %s",
		    s->keypath, strerror(errno));
	}
	fclose(fp);
	return 0;
}

/* The store file made empty and owner-only before SQLite opens it:
 * SQLite would make it 0644, and gives its -wal and -shm files the mode
 * of the store file, whatever the umask. */
static int
db_create(const char *path, struct ecert_error *e)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600), rc, saved;

	if (fd < 0)
		return ecert_fail(e, ECERT_IOERR, "store %s: %s", path,
		    strerror(errno));
	rc = fchmod(fd, 0600);
	saved = errno;
	if (close(fd) != 0 && rc == 0) {
		rc = -1;
		saved = errno;
	}
	if (rc != 0) {
		unlink(path);
		return ecert_fail(e, ECERT_IOERR, "store %s: %s", path,
		    strerror(saved));
	}
	return 0;
}

static int
keyfile_read(struct ecert_store *s, struct ecert_error *e)
{
	char line[256], name[16], val[80];
	unsigned char *dst;
	FILE *fp;
	int seen = 0, lineno = 0;
	size_t len;
	struct stat sb;

	fp = fopen(s->keypath, "r");
	if (fp == NULL)
		return ecert_fail(e, ECERT_IOERR, "store key %s: %s",
		    s->keypath, strerror(errno));
	if (fstat(fileno(fp), &sb) == 0 && (sb.st_mode & 077) != 0)
		ecert_warn("store key %s: readable by others (mode %o)",
		    s->keypath, (unsigned)(sb.st_mode & 0777));
	while (fgets(line, sizeof(line), fp) != NULL) {
		lineno++;
		if (lineno == 1) {
			if (strcmp(line, "ecert-store-key-v1\n") != 0)
				break;
			continue;
		}
		if (sscanf(line, "%15s %79s", name, val) != 2)
			break;
		if (strcmp(name, "index") == 0)
			dst = s->index_key, seen |= 1;
		else if (strcmp(name, "data") == 0)
			dst = s->data_key, seen |= 2;
		else if (strcmp(name, "audit") == 0)
			dst = s->audit_key, seen |= 4;
		else
			break;
		if (sodium_hex2bin(dst, 32, val, strlen(val), NULL, &len,
		    NULL) != 0 || len != 32)
			break;
	}
	fclose(fp);
	sodium_memzero(val, sizeof(val));
	sodium_memzero(line, sizeof(line));
	if (seen != 7)
		return ecert_fail(e, ECERT_DATAERR,
		    "store key %s:%d: not an ecert store key file",
		    s->keypath, lineno);
	return 0;
}

static int
migrate(struct ecert_store *s, struct ecert_error *e)
{
	sqlite3_stmt *st;
	int version = 0, target = (int)(sizeof(migrations) /
	    sizeof(migrations[0]));
	int rc, i;
	char sql[64];

	/* readers must not wait for the write lock when there is nothing
	 * to migrate: look first, lock only to change */
	st = ecert_prepare(s, "PRAGMA user_version", e);
	if (st == NULL)
		return e->status;
	if (sqlite3_step(st) == SQLITE_ROW)
		version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (version == target)
		return 0;
	if (ecert_begin(s, e) != 0)
		return e->status;
	st = ecert_prepare(s, "PRAGMA user_version", e);
	if (st == NULL)
		goto fail;
	if (sqlite3_step(st) == SQLITE_ROW)
		version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (version > target) {
		ecert_rollback(s);
		return ecert_fail(e, ECERT_IOERR, "store %s: schema version %d"
		    " is newer than this program (%d)", s->path, version,
		    target);
	}
	for (; version < target; version++) {
		for (i = 0; migrations[version][i] != NULL; i++) {
			rc = sqlite3_exec(s->db, migrations[version][i], NULL,
			    NULL, NULL);
			if (rc != SQLITE_OK) {
				ecert_sql_fail(s, e, rc, "store: migration");
				goto fail;
			}
		}
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d",
		    version + 1);
		if (ecert_exec(s, sql, e) != 0)
			goto fail;
	}
	return ecert_commit(s, e);
fail:
	ecert_rollback(s);
	return e->status;
}

/*
 * A process that waits for the store's write lock says so, so that a
 * long writer (an import) can end its transaction early instead of at
 * its batch's end: it holds a shared flock(2) on the store's key file
 * from its first failed try until its next commit or rollback.  flock
 * and SQLite's own fcntl locks do not touch each other, and the key
 * file is one SQLite never opens, so closing it costs SQLite no lock.
 */
static void
announce(struct ecert_store *s)
{
	if (s->waiting || s->keypath == NULL)
		return;
	if (s->wait_fd < 0)
		s->wait_fd = open(s->keypath, O_RDONLY | O_CLOEXEC);
	if (s->wait_fd >= 0 && flock(s->wait_fd, LOCK_SH | LOCK_NB) == 0)
		s->waiting = 1;
}

static void
unannounce(struct ecert_store *s)
{
	if (!s->waiting)
		return;
	flock(s->wait_fd, LOCK_UN);
	s->waiting = 0;
}

/* SQLite's hooks: a commit or a rollback ends any wait before it */
static int
wait_over_commit(void *arg)
{
	unannounce(arg);
	return 0;
}

static void
wait_over_rollback(void *arg)
{
	unannounce(arg);
}

/*
 * 1 when another process waits for the write lock that this one holds
 * (this one's own word withdrawn first: it has the lock).  An exclusive
 * flock that cannot be had is a shared one held.
 */
int
ecert_store_others_wait(struct ecert_store *s)
{
	unannounce(s);
	if (s->probe_fd < 0 && s->keypath != NULL)
		s->probe_fd = open(s->keypath, O_RDONLY | O_CLOEXEC);
	if (s->probe_fd < 0)
		return 0;
	if (flock(s->probe_fd, LOCK_EX | LOCK_NB) != 0)
		return errno == EWOULDBLOCK;
	flock(s->probe_fd, LOCK_UN);
	return 0;
}

/*
 * Waiting for the store's write lock: a try every busy_poll_us (2 ms),
 * not SQLite's growing sleeps, so that a reader's audit entry gets in
 * between two batches of an import (import.c leaves a gap and tries
 * less often itself) instead of waiting for a lucky moment.
 */
static int
busy_wait(void *arg, int count)
{
	struct ecert_store *s = arg;
	double now = ecert_mono();

	if (count == 0)
		s->busy_since = now;
	if ((now - s->busy_since) * 1000 >= s->busy_timeout_ms) {
		unannounce(s);
		return 0;
	}
	announce(s);
	usleep((useconds_t)s->busy_poll_us);
	return 1;
}

/* The operating system account that acts, for the audit log; an
 * account without a name is still told apart by its number. */
static void
os_user(char *out, size_t n)
{
	struct passwd *pw = getpwuid(geteuid());

	if (pw != NULL)
		snprintf(out, n, "%s", pw->pw_name);
	else
		snprintf(out, n, "uid %lu", (unsigned long)geteuid());
}

/* The store's key file, made with a new store or read for one there. */
static int
store_keys(struct ecert_store *s, int create, struct ecert_error *e)
{
	if (create) {
		if (access(s->path, F_OK) == 0)
			return ecert_fail(e, ECERT_IOERR, "store %s: already "
			    "exists", s->path);
		if (keyfile_write(s, e) != 0 || db_create(s->path, e) != 0)
			return e->status;
		return 0;
	}
	if (access(s->path, F_OK) != 0)
		return ecert_fail(e, ECERT_IOERR, "store %s: %s (make one "
		    "with ecert-init)", s->path, strerror(errno));
	if (keyfile_read(s, e) != 0)
		return e->status;
	return 0;
}

/* Opens the database, waiting for the write lock as ECERT_BUSY_TIMEOUT
 * says, in WAL mode with foreign keys. */
static int
db_open(struct ecert_store *s, int flags, struct ecert_error *e)
{
	const char *env = getenv("ECERT_BUSY_TIMEOUT");
	int rc;

	rc = sqlite3_open_v2(s->path, &s->db, flags, NULL);
	if (rc != SQLITE_OK)
		return ecert_fail(e, ECERT_IOERR, "store %s: %s", s->path,
		    s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
	sqlite3_extended_result_codes(s->db, 1);
	s->busy_timeout_ms = ECERT_BUSY_TIMEOUT_MS;
	if (env != NULL && atoi(env) >= 0)
		s->busy_timeout_ms = atoi(env);
	s->busy_poll_us = 2000;
	sqlite3_busy_handler(s->db, busy_wait, s);
	sqlite3_commit_hook(s->db, wait_over_commit, s);
	sqlite3_rollback_hook(s->db, wait_over_rollback, s);
	if (ecert_exec(s, "PRAGMA journal_mode = WAL", e) != 0 ||
	    ecert_exec(s, "PRAGMA synchronous = NORMAL", e) != 0 ||
	    ecert_exec(s, "PRAGMA foreign_keys = ON", e) != 0)
		return e->status;
	return 0;
}

/* The key file is the store's: its fingerprint kept in meta, when the
 * store is made, and compared after. */
static int
key_belongs(struct ecert_store *s, int create, struct ecert_error *e)
{
	char check[33], stored[64];
	sqlite3_stmt *st;

	ecert_store_key_check(s->index_key, s->data_key, s->audit_key, check);
	if (!create) {
		if (!ecert_meta_get(s, "key_check", stored, sizeof(stored)) ||
		    strcmp(stored, check) != 0)
			return ecert_fail(e, ECERT_IOERR, "store key %s: does "
			    "not belong to store %s", s->keypath, s->path);
		return 0;
	}
	st = ecert_prepare(s, "INSERT INTO meta(name, value) VALUES"
	    " ('key_check', ?)", e);
	if (st == NULL)
		return e->status;
	ecert_bind_text(st, 1, check);
	return ecert_step_once(s, st, "store", e);
}

static int
store_connect(const char *path, const char *keypath, int create,
    struct ecert_store **out, struct ecert_error *e)
{
	struct ecert_store *s;

	if (sodium_init() < 0)
		return ecert_fail(e, ECERT_IOERR, "libsodium: cannot initialise");
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return ecert_fail(e, ECERT_IOERR, "calloc: %s", strerror(errno));
	s->wait_fd = s->probe_fd = -1;
	s->path = ecert_xstrdup(path);
	s->keypath = ecert_store_default_keypath(path, keypath);
	os_user(s->os_user, sizeof(s->os_user));
	if (store_keys(s, create, e) != 0 ||
	    db_open(s, SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE :
	    0), e) != 0 || migrate(s, e) != 0 || key_belongs(s, create,
	    e) != 0)
		goto fail;
	/* fail closed: no anchor, no belief in units, keys or catalog */
	if (!create && ecert_anchor_require(s, e) != 0)
		goto fail;
	*out = s;
	return 0;
fail:
	ecert_store_close(s);
	return e->status;
}

int
ecert_store_create(const char *path, const char *keypath,
    struct ecert_store **out, struct ecert_error *e)
{
	return store_connect(path, keypath, 1, out, e);
}

int
ecert_store_open(const char *path, const char *keypath,
    struct ecert_store **out, struct ecert_error *e)
{
	return store_connect(path, keypath, 0, out, e);
}

/* Entries a read held and no write took: recorded now, never lost
 * silently. */
static void
held_at_close(struct ecert_store *s)
{
	struct ecert_error e;

	if (s->nheld > 0 && (ecert_begin(s, &e) != 0 ||
	    ecert_commit(s, &e) != 0))
		ecert_warn("%s: %zu audit entries not recorded", e.msg,
		    s->nheld);
	ecert_audit_forget_held(s);
	free(s->held);
}

void
ecert_store_close(struct ecert_store *s)
{
	if (s == NULL)
		return;
	ecert_rollback(s);
	held_at_close(s);
	sqlite3_finalize(s->insert_license);
	for (size_t i = 0; i < sizeof(s->cached) / sizeof(s->cached[0]); i++)
		sqlite3_finalize(s->cached[i]);
	if (s->db != NULL)
		sqlite3_close_v2(s->db);
	if (s->wait_fd >= 0)
		close(s->wait_fd);	/* and its flock with it */
	if (s->probe_fd >= 0)
		close(s->probe_fd);
	sodium_memzero(s->index_key, sizeof(s->index_key));
	sodium_memzero(s->data_key, sizeof(s->data_key));
	sodium_memzero(s->audit_key, sizeof(s->audit_key));
	free(s->path);
	free(s->keypath);
	free(s);
}

struct ecert_store *
ecert_store_open_or_die(const char *db, const char *keypath)
{
	struct ecert_store *s;
	struct ecert_error e;

	if (ecert_store_open(ecert_store_default_path(db), keypath, &s, &e) != 0)
		ecert_die_error(&e);
	return s;
}
