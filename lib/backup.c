/*
 * backup.c: the backup and restore of the store (article 20: 数据备份恢复
 * 制度).  A backup is a consistent copy taken with SQLite's online backup
 * API in one read transaction, so that imports and clerks go on writing;
 * the store key is copied apart from it (never inside it), sealed with a
 * passphrase when asked (Argon2id and XChaCha20-Poly1305, as key.c seals
 * a unit's key); a manifest signed by the platform holds its counts, the
 * head of its audit chain and its digest.  A backup is checked without
 * being changed, and restored into a new path only.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "ecert_priv.h"

#define SEALED_MAGIC "ecert-sealed-store-key-v1"
#define PLAIN_MAGIC "ecert-store-key-v1"
#define MANIFEST_FORMAT "ecert-backup-v1"

/* the tables a manifest counts, in its order */
static const char *counted[] = { "units", "keys", "license_types",
    "licenses", "license_events", "grants", "matters", "disputes", "audit",
    NULL };

struct store_keys {
	unsigned char k[96];	/* index, data, audit */
};

static void
keys_from_store(const struct ecert_store *s, struct store_keys *k)
{
	memcpy(k->k, s->index_key, 32);
	memcpy(k->k + 32, s->data_key, 32);
	memcpy(k->k + 64, s->audit_key, 32);
}

static void
keys_to_store(const struct store_keys *k, struct ecert_store *s)
{
	memcpy(s->index_key, k->k, 32);
	memcpy(s->data_key, k->k + 32, 32);
	memcpy(s->audit_key, k->k + 64, 32);
}

/* The same fingerprint store.c keeps in meta as key_check. */
static void
key_check(const struct store_keys *k, char out[33])
{
	ecert_store_key_check(k->k, k->k + 32, k->k + 64, out);
}

static int
write_new(const char *path, const char *text, mode_t mode,
    struct ecert_error *e)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode);
	size_t n = strlen(text), done = 0;
	ssize_t w;

	if (fd < 0)
		return ecert_fail(e, ECERT_IOERR, "%s: %s", path,
		    strerror(errno));
	while (done < n) {
		w = write(fd, text + done, n - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		done += (size_t)w;
	}
	if (done != n || fsync(fd) != 0) {
		int saved = errno;
		close(fd);
		unlink(path);
		return ecert_fail(e, ECERT_IOERR, "%s: %s", path,
		    strerror(saved));
	}
	close(fd);
	return 0;
}

/*
 * The key copy: the store key file as it is, or sealed.  The sealed
 * form's clear header (its first five lines) is the box's additional
 * data, so that its fingerprint and costs cannot be swapped.
 */
static int
keycopy_write(const char *path, const struct store_keys *k, const char *pass,
    struct ecert_error *e)
{
	char text[1024], hx[3][65], check[33];
	int rc;

	key_check(k, check);
	if (pass == NULL) {
		sodium_bin2hex(hx[0], 65, k->k, 32);
		sodium_bin2hex(hx[1], 65, k->k + 32, 32);
		sodium_bin2hex(hx[2], 65, k->k + 64, 32);
		snprintf(text, sizeof(text), PLAIN_MAGIC "\nindex %s\ndata %s\n"
		    "audit %s\n", hx[0], hx[1], hx[2]);
		rc = write_new(path, text, 0600, e);
	} else {
		char head[256], sealed[512];

		snprintf(head, sizeof(head), SEALED_MAGIC "\nkey-check %s\n"
		    "kdf argon2id13\nopslimit %llu\nmemlimit %zu\n", check,
		    ECERT_SEAL_OPS, ECERT_SEAL_MEM);
		if ((rc = ecert_seal(pass, head, k->k, 96, path, sealed,
		    sizeof(sealed), e)) != 0)
			return rc;
		snprintf(text, sizeof(text), "%s%s", head, sealed);
		rc = write_new(path, text, 0600, e);
	}
	sodium_memzero(text, sizeof(text));
	sodium_memzero(hx, sizeof(hx));
	return rc;
}

/* The plain form: its three keys in hex, lines 2 to 4. */
static int
keycopy_plain(const char *path, char lines[][256], struct store_keys *k,
    struct ecert_error *e)
{
	static const char *names[] = { "index", "data", "audit" };
	size_t len;
	char *v;
	int i;

	for (i = 0; i < 3; i++)
		if (!ecert_key_field(lines[i + 1], names[i], &v) ||
		    sodium_hex2bin(k->k + 32 * i, 32, v, strlen(v),
		    NULL, &len, NULL) != 0 || len != 32)
			return ecert_fail(e, ECERT_DATAERR, "key %s:%d: "
			    "%s: bad", path, i + 2, names[i]);
	return 0;
}

/* Reads a key copy, plain or sealed; *sealed says which it was. */
static int
keycopy_read(const char *path, const char *passfile, struct store_keys *k,
    int *sealed, struct ecert_error *e)
{
	char lines[8][256], head[512], pass[256];
	struct ecert_sealed sd;
	FILE *fp;
	int n = 0, i, rc;

	*sealed = 0;
	fp = fopen(path, "r");
	if (fp == NULL)
		return ecert_fail(e, ECERT_IOERR, "key %s: %s", path,
		    strerror(errno));
	while (n < 8 && fgets(lines[n], sizeof(lines[n]), fp) != NULL)
		n++;
	fclose(fp);
	if (n == 4 && strcmp(lines[0], PLAIN_MAGIC "\n") == 0) {
		rc = keycopy_plain(path, lines, k, e);
		sodium_memzero(lines, sizeof(lines));
		return rc;
	}
	if (n != 8 || strcmp(lines[0], SEALED_MAGIC "\n") != 0)
		return ecert_fail(e, ECERT_DATAERR, "key %s:1: not an ecert "
		    "store key, plain or sealed", path);
	*sealed = 1;
	head[0] = '\0';
	for (i = 0; i < 5; i++) {
		if (strchr(lines[i], '\n') == NULL)
			return ecert_fail(e, ECERT_DATAERR, "key %s:%d: line "
			    "too long", path, i + 1);
		strcat(head, lines[i]);
	}
	if ((rc = ecert_sealed_parse(lines, 3, 96 +
	    crypto_aead_xchacha20poly1305_ietf_ABYTES, path, &sd, e)) != 0 ||
	    (rc = ecert_passphrase(passfile, "backup key passphrase: ", 0,
	    pass, sizeof(pass), e)) != 0)
		return rc;
	rc = ecert_sealed_open(&sd, pass, head, path, k->k, 96, e);
	sodium_memzero(pass, sizeof(pass));
	return rc;
}

static int
file_digest(const char *path, char out[65], struct ecert_error *e)
{
	crypto_generichash_state st;
	unsigned char buf[1 << 16], h[32];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return ecert_fail(e, ECERT_IOERR, "%s: %s", path,
		    strerror(errno));
	crypto_generichash_init(&st, NULL, 0, sizeof(h));
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		crypto_generichash_update(&st, buf, (unsigned long long)n);
	close(fd);
	if (n < 0)
		return ecert_fail(e, ECERT_IOERR, "%s: %s", path,
		    strerror(errno));
	crypto_generichash_final(&st, h, sizeof(h));
	sodium_bin2hex(out, 65, h, sizeof(h));
	return 0;
}

/* Copies the main database of src into dst in one read transaction of
 * src: the copy is the store as it stood at one commit. */
static int
copy_db(sqlite3 *src, sqlite3 *dst, const char *what, struct ecert_error *e)
{
	sqlite3_backup *b;
	int rc;

	b = sqlite3_backup_init(dst, "main", src, "main");
	if (b == NULL)
		return ecert_fail(e, ECERT_IOERR, "%s: %s", what,
		    sqlite3_errmsg(dst));
	do {
		rc = sqlite3_backup_step(b, -1);
		if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
			sqlite3_sleep(50);
	} while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE)
		return ecert_fail(e, ECERT_IOERR, "%s: %s", what,
		    sqlite3_errstr(rc));
	return 0;
}

static long long
count_rows(sqlite3 *db, const char *table)
{
	sqlite3_stmt *st;
	char sql[96];
	long long n = -1;

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* What a manifest says of a copy: counts, audit head, schema, key check. */
static json_t *
describe(sqlite3 *db)
{
	json_t *counts = json_object(), *m;
	sqlite3_stmt *st;
	long long seq = 0;
	char hash[65] = "", check[64] = "";
	int version = 0, i;

	for (i = 0; counted[i] != NULL; i++)
		json_object_set_new(counts, counted[i],
		    json_integer(count_rows(db, counted[i])));
	if (sqlite3_prepare_v2(db, "SELECT seq, hash FROM audit ORDER BY seq"
	    " DESC LIMIT 1", -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW) {
			seq = sqlite3_column_int64(st, 0);
			snprintf(hash, sizeof(hash), "%s",
			    (const char *)sqlite3_column_text(st, 1));
		}
		sqlite3_finalize(st);
	}
	if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE name ="
	    " 'key_check'", -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			snprintf(check, sizeof(check), "%s",
			    (const char *)sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
	}
	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) ==
	    SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			version = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
	}
	m = json_pack("{s:o, s:{s:I, s:s}, s:i, s:s}", "counts", counts,
	    "audit_head", "seq", (json_int_t)seq, "hash", hash,
	    "schema_version", version, "key_check", check);
	return m;
}

/* The manifest without its signature, as signed. */
static char *
manifest_message(const json_t *m)
{
	json_t *c = json_deep_copy(m);
	char *msg;

	json_object_del(c, "signature");
	msg = ecert_json_canonical(c);
	json_decref(c);
	return msg;
}

static int
exists(const char *path)
{
	struct stat sb;

	return lstat(path, &sb) == 0;
}

char *
ecert_backup_manifest_path(const char *backup)
{
	return ecert_xasprintf("%s.manifest", backup);
}

char *
ecert_backup_key_path(const char *backup)
{
	return ecert_xasprintf("%s.key", backup);
}

/* Who may back up, and where: before anything is read or written. */
int
ecert_backup_check(struct ecert_store *s, const struct ecert_actor *a,
    const struct ecert_backup_opts *o, struct ecert_error *e)
{
	char *keyout = o->keyout ? ecert_xstrdup(o->keyout) :
	    ecert_backup_key_path(o->out);
	char *mpath = ecert_backup_manifest_path(o->out);
	int rc = 0;

	if (!(a->roles & ECERT_ROLE_ADMIN))
		rc = ecert_fail(e, ECERT_NOPERM, "unit %s is not the platform:"
		    " backups are the platform's (article 20)", a->unit);
	else if (strcmp(keyout, o->out) == 0 || strcmp(keyout, s->path) == 0 ||
	    strcmp(keyout, s->keypath) == 0)
		rc = ecert_fail(e, ECERT_USAGE, "--key-out %s: the key copy is"
		    " kept apart from the backup and the store", keyout);
	else if (exists(o->out) || exists(keyout) || exists(mpath))
		rc = ecert_fail(e, ECERT_IOERR, "backup %s: %s already exists;"
		    " a backup never replaces another", o->out, exists(o->out) ?
		    o->out : exists(keyout) ? keyout : mpath);
	free(keyout);
	free(mpath);
	return rc;
}

/* A new database at path, never over an existing file; fmt names it. */
static int
create_db(const char *path, const char *fmt, sqlite3 **db,
    struct ecert_error *e)
{
	int rc;

	rc = sqlite3_open_v2(path, db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_EXCLUSIVE, NULL);
	if (rc != SQLITE_OK)
		return ecert_fail(e, ECERT_IOERR, fmt, path,
		    *db ? sqlite3_errmsg(*db) : sqlite3_errstr(rc));
	return 0;
}

/*
 * Copies the store into the new file tmp, a file on its own (no
 * write-ahead log beside it) and synced; *m describes the copy.
 */
static int
backup_copy(struct ecert_store *s, const char *tmp, const char *out,
    json_t **m, struct ecert_error *e)
{
	sqlite3 *dst = NULL;
	int rc, fd;

	if ((rc = create_db(tmp, "backup %s: %s", &dst, e)) != 0 ||
	    (rc = copy_db(s->db, dst, out, e)) != 0) {
		sqlite3_close(dst);
		return rc;
	}
	if (sqlite3_exec(dst, "PRAGMA journal_mode = DELETE", NULL, NULL,
	    NULL) != SQLITE_OK) {
		rc = ecert_fail(e, ECERT_IOERR, "backup %s: %s", tmp,
		    sqlite3_errmsg(dst));
		sqlite3_close(dst);
		return rc;
	}
	*m = describe(dst);
	if ((rc = sqlite3_close(dst)) != SQLITE_OK)
		return ecert_fail(e, ECERT_IOERR, "backup %s: %s", tmp,
		    sqlite3_errstr(rc));
	fd = open(tmp, O_RDONLY);
	if (fd < 0 || fsync(fd) != 0) {
		rc = ecert_fail(e, ECERT_IOERR, "backup %s: %s", tmp,
		    strerror(errno));
		if (fd >= 0)
			close(fd);
		return rc;
	}
	close(fd);
	return 0;
}

/* Signs the manifest with the platform's key and writes it to mpath. */
static int
manifest_write(json_t *m, const struct ecert_key *key, const char *mpath,
    struct ecert_error *e)
{
	char sig[89], *msg, *text, *nl;
	int rc;

	msg = manifest_message(m);
	ecert_sign(key, ECERT_DOMAIN_BACKUP, msg, strlen(msg), sig);
	free(msg);
	json_object_set_new(m, "signature", json_string(sig));
	text = json_dumps(m, JSON_INDENT(2) | JSON_SORT_KEYS);
	if (text == NULL)
		return ecert_fail(e, ECERT_IOERR, "manifest: cannot encode");
	nl = ecert_xasprintf("%s\n", text);
	rc = write_new(mpath, nl, 0644, e);
	free(nl);
	free(text);
	return rc;
}

int
ecert_backup(struct ecert_store *s, const struct ecert_actor *a,
    const struct ecert_backup_opts *o, json_t **manifest,
    struct ecert_error *e)
{
	char *keyout = o->keyout ? ecert_xstrdup(o->keyout) :
	    ecert_backup_key_path(o->out);
	char *mpath = ecert_backup_manifest_path(o->out);
	char *tmp = ecert_xasprintf("%s.tmp.%ld", o->out, (long)getpid());
	char digest[65], now[21];
	struct store_keys k;
	json_t *m = NULL;
	int rc, made_out = 0, made_key = 0;

	*manifest = NULL;
	if ((rc = ecert_backup_check(s, a, o, e)) != 0)
		goto out;
	ecert_clock_iso(now);
	if ((rc = backup_copy(s, tmp, o->out, &m, e)) != 0 ||
	    (rc = file_digest(tmp, digest, e)) != 0)
		goto out;
	if (link(tmp, o->out) != 0) {
		rc = ecert_fail(e, ECERT_IOERR, "backup %s: %s", o->out,
		    strerror(errno));
		goto out;
	}
	made_out = 1;
	unlink(tmp);
	keys_from_store(s, &k);
	rc = keycopy_write(keyout, &k, o->seal_pass, e);
	sodium_memzero(&k, sizeof(k));
	if (rc != 0)
		goto out;
	made_key = 1;
	json_object_set_new(m, "format", json_string(MANIFEST_FORMAT));
	json_object_set_new(m, "store", json_string(s->path));
	json_object_set_new(m, "taken_at", json_string(now));
	json_object_set_new(m, "by", json_string(a->unit));
	json_object_set_new(m, "key_id", json_string(a->key.key_id));
	json_object_set_new(m, "key_sealed", json_boolean(o->seal_pass));
	json_object_set_new(m, "blake2b", json_string(digest));
	if ((rc = manifest_write(m, &a->key, mpath, e)) != 0)
		goto out;
	*manifest = m;
	m = NULL;
out:
	unlink(tmp);
	if (rc != 0) {
		if (made_out)
			unlink(o->out);
		if (made_key)
			unlink(keyout);
	}
	json_decref(m);
	free(tmp);
	free(mpath);
	free(keyout);
	return rc;
}

/* A backup opened read-only, with the keys of its copy. */
static int
backup_open(const char *path, const char *keypath, const char *passfile,
    struct ecert_store **out, struct ecert_error *e)
{
	struct ecert_store *s;
	struct store_keys k;
	char *uri, check[33], stored[64];
	int rc, sealed;

	*out = NULL;
	if (sodium_init() < 0)
		return ecert_fail(e, ECERT_IOERR, "libsodium: cannot initialise");
	if (!exists(path))
		return ecert_fail(e, ECERT_IOERR, "backup %s: %s", path,
		    strerror(errno));
	s = ecert_xmalloc(sizeof(*s));
	memset(s, 0, sizeof(*s));
	s->wait_fd = s->probe_fd = -1;
	s->path = ecert_xstrdup(path);
	s->keypath = keypath ? ecert_xstrdup(keypath) :
	    ecert_backup_key_path(path);
	snprintf(s->os_user, sizeof(s->os_user), "backup");
	if ((rc = keycopy_read(s->keypath, passfile, &k, &sealed, e)) != 0)
		goto fail;
	keys_to_store(&k, s);
	key_check(&k, check);
	sodium_memzero(&k, sizeof(k));
	/* immutable: nothing, not even a lock file, is written beside it */
	{
		char *enc = sqlite3_mprintf("%s", path), *p;
		size_t i = 0;

		uri = ecert_xmalloc(strlen(enc) * 3 + 32);
		strcpy(uri, "file:");
		i = 5;
		for (p = enc; *p; p++) {
			if (*p == '%' || *p == '?' || *p == '#')
				i += (size_t)sprintf(uri + i, "%%%02X",
				    (unsigned char)*p);
			else
				uri[i++] = *p;
		}
		strcpy(uri + i, "?mode=ro&immutable=1");
		sqlite3_free(enc);
	}
	rc = sqlite3_open_v2(uri, &s->db, SQLITE_OPEN_READONLY |
	    SQLITE_OPEN_URI, NULL);
	free(uri);
	if (rc != SQLITE_OK) {
		rc = ecert_fail(e, ECERT_IOERR, "backup %s: %s", path,
		    s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
		goto fail;
	}
	sqlite3_extended_result_codes(s->db, 1);
	if (!ecert_meta_get(s, "key_check", stored, sizeof(stored))) {
		rc = ecert_fail(e, ECERT_DATAERR, "backup %s: not an ecert "
		    "store: %s", path, sqlite3_errmsg(s->db));
		goto fail;
	}
	if (strcmp(stored, check) != 0) {
		rc = ecert_fail(e, ECERT_DATAERR, "key %s: does not belong to "
		    "backup %s", s->keypath, path);
		goto fail;
	}
	*out = s;
	return 0;
fail:
	ecert_store_close(s);
	return rc;
}

static json_t *
manifest_read(const char *path, struct ecert_error *e)
{
	json_error_t je;
	json_t *m = json_load_file(path, 0, &je);

	if (m == NULL) {
		if (!exists(path))
			ecert_fail(e, ECERT_IOERR, "manifest %s: %s", path,
			    strerror(ENOENT));
		else
			ecert_fail(e, ECERT_DATAERR, "manifest %s:%d: %s", path,
			    je.line, je.text);
		return NULL;
	}
	if (!json_is_object(m) || ecert_json_str(m, "format") == NULL ||
	    strcmp(ecert_json_str(m, "format"), MANIFEST_FORMAT) != 0 ||
	    !json_is_object(json_object_get(m, "counts")) ||
	    ecert_json_str(m, "blake2b") == NULL ||
	    ecert_json_str(m, "signature") == NULL ||
	    ecert_json_str(m, "key_id") == NULL) {
		json_decref(m);
		ecert_fail(e, ECERT_DATAERR, "manifest %s: not an ecert backup "
		    "manifest (%s)", path, MANIFEST_FORMAT);
		return NULL;
	}
	return m;
}

struct checks {
	int (*fn)(const json_t *check, void *arg);
	void *arg;
	int failed;
};

static void
report(struct checks *c, const char *name, int ok, json_t *detail)
{
	json_t *o = json_pack("{s:s, s:b}", "check", name, "ok", ok);

	if (detail != NULL)
		json_object_update(o, detail);
	json_decref(detail);
	if (!ok)
		c->failed++;
	if (c->fn != NULL)
		c->fn(o, c->arg);
	json_decref(o);
}

static int
check_signatures(struct ecert_store *s, long sample, struct checks *c,
    struct ecert_error *e)
{
	sqlite3_stmt *st;
	long long n = 0, bad = 0;
	enum ecert_verdict v;
	char why[256], first[512] = "";
	int rc;

	st = ecert_prepare(s, sample > 0 ? "SELECT id FROM licenses ORDER BY"
	    " random() LIMIT ?" : "SELECT id FROM licenses ORDER BY rowid", e);
	if (st == NULL)
		return e->status;
	if (sample > 0)
		sqlite3_bind_int64(st, 1, sample);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(st, 0);
		struct ecert_error le;
		int vr;

		n++;
		vr = ecert_license_verify(s, id, &v, why, sizeof(why), &le);
		/* revoked, suspended, expired, a draft: signed and sound */
		if (vr == 0 || (vr == ECERT_NO && v != ECERT_VERDICT_INVALID))
			continue;
		if (vr != ECERT_NO)
			snprintf(why, sizeof(why), "%s", le.msg);
		if (bad++ == 0)
			snprintf(first, sizeof(first), "%s: %s", id, why);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return ecert_sql_fail(s, e, rc, "licenses");
	report(c, "signatures", bad == 0, json_pack("{s:I, s:I, s:s*, s:b}",
	    "checked", (json_int_t)n, "bad", (json_int_t)bad,
	    "first_bad", bad ? first : NULL, "sample", sample > 0));
	return 0;
}

/* The manifest is the platform's: an Ed25519 or an SM2 platform key's
 * (article 20). */
static void
check_manifest(struct ecert_store *s, const json_t *m, struct checks *c)
{
	struct ecert_pub pk;
	char unit[19], nb[21], na[21], *msg = manifest_message(m);
	int roles = 0, ok;

	ok = ecert_key_lookup_pub(s, ecert_json_str(m, "key_id"), &pk,
	    unit, nb, na) && ecert_unit_name(s, unit, NULL, 0, &roles) &&
	    (roles & ECERT_ROLE_ADMIN) && ecert_verify(&pk,
	    ECERT_DOMAIN_BACKUP, msg, strlen(msg),
	    ecert_json_str(m, "signature"));
	free(msg);
	report(c, "manifest", ok, json_pack("{s:s}", "key_id",
	    ecert_json_str(m, "key_id")));
}

static int
check_integrity(struct ecert_store *s, struct checks *c,
    struct ecert_error *e)
{
	sqlite3_stmt *st;
	char why[256];
	int ok;

	if ((st = ecert_prepare(s, "PRAGMA integrity_check", e)) == NULL)
		return e->status;
	ok = sqlite3_step(st) == SQLITE_ROW && strcmp((const char *)
	    sqlite3_column_text(st, 0), "ok") == 0;
	snprintf(why, sizeof(why), "%s", sqlite3_column_text(st, 0) ?
	    (const char *)sqlite3_column_text(st, 0) : sqlite3_errmsg(s->db));
	sqlite3_finalize(st);
	report(c, "integrity", ok, json_pack("{s:s}", "sqlite", why));
	return 0;
}

/* The audit chain holds, and ends where the manifest says (now: the
 * copy as described). */
static int
check_audit(struct ecert_store *s, const json_t *m, const json_t *now,
    struct checks *c, struct ecert_error *e)
{
	json_t *head = json_object_get(m, "audit_head");
	json_t *have = json_object_get(now, "audit_head");
	long long bad, count;
	char why[256] = "";
	int rc, ok;

	rc = ecert_audit_verify(s, &bad, why, sizeof(why), &count, e);
	if (rc != 0 && rc != ECERT_NO)
		return rc;
	ok = rc == 0 && json_equal(head, have);
	if (rc == 0 && !ok)
		snprintf(why, sizeof(why), "the chain ends at entry %"
		    JSON_INTEGER_FORMAT ", the manifest says %"
		    JSON_INTEGER_FORMAT, json_integer_value(
		    json_object_get(have, "seq")), json_integer_value(
		    json_object_get(head, "seq")));
	report(c, "audit", ok, json_pack("{s:I, s:s*}", "entries",
	    (json_int_t)count, "why", ok ? NULL : why));
	return 0;
}

/* The copy holds as many rows of each table as the manifest says. */
static void
check_counts(const json_t *m, const json_t *now, struct checks *c)
{
	json_t *counts = json_object_get(now, "counts"), *v;
	const char *key;
	char why[256] = "";
	int ok = 1;

	json_object_foreach(json_object_get(m, "counts"), key, v) {
		json_t *have = json_object_get(counts, key);

		if (!json_equal(have, v)) {
			if (ok)
				ecert_whyf(why, sizeof(why), "%s: %"
				    JSON_INTEGER_FORMAT " in the backup, %"
				    JSON_INTEGER_FORMAT " in the manifest", key,
				    have ? json_integer_value(have) : -1,
				    json_integer_value(v));
			ok = 0;
		}
	}
	if (json_object_size(counts) != json_object_size(json_object_get(m,
	    "counts")))
		ok = 0;
	report(c, "counts", ok, json_pack("{s:O, s:s*}", "counts", counts,
	    "why", ok ? NULL : why));
}

int
ecert_backup_verify(const char *path, const char *keypath,
    const char *passfile, long sample,
    int (*fn)(const json_t *check, void *arg), void *arg,
    struct ecert_error *e)
{
	struct ecert_store *s = NULL;
	struct checks c = { fn, arg, 0 };
	char *mpath = ecert_backup_manifest_path(path), digest[65];
	const char *want;
	json_t *m, *now = NULL;
	int rc;

	if ((m = manifest_read(mpath, e)) == NULL) {
		free(mpath);
		return e->status;
	}
	free(mpath);
	if ((rc = backup_open(path, keypath, passfile, &s, e)) != 0)
		goto out;

	/* the file is the one the manifest describes */
	if ((rc = file_digest(path, digest, e)) != 0)
		goto out;
	want = ecert_json_str(m, "blake2b");
	report(&c, "digest", strcmp(digest, want) == 0, json_pack("{s:s, s:s}",
	    "blake2b", digest, "manifest", want));
	check_manifest(s, m, &c);
	if ((rc = check_integrity(s, &c, e)) != 0)
		goto out;
	now = describe(s->db);
	if ((rc = check_audit(s, m, now, &c, e)) != 0 ||
	    (rc = check_signatures(s, sample, &c, e)) != 0)
		goto out;
	check_counts(m, now, &c);
	rc = c.failed ? ECERT_NO : 0;
	if (rc != 0)
		ecert_fail(e, ECERT_NO, "backup %s: %d check%s failed", path,
		    c.failed, c.failed == 1 ? "" : "s");
out:
	json_decref(m);
	json_decref(now);
	ecert_store_close(s);
	return rc;
}

/* A restore under way: its files, made beside the target first. */
struct restore {
	const struct ecert_restore_opts *o;
	char *tmp, *tmpkey, *newkey, *newanchor;
	char *tmpanchor, *oldanchor;	/* ECERT_ANCHOR while restoring */
	int made;			/* tmp was created */
	struct ecert_store *src, *dst;
	struct ecert_actor a;
	json_t *m;			/* the backup's manifest */
};

/* Never over a store, live or not, nor beside the leftovers of one. */
static int
restore_target_free(const struct restore *r, struct ecert_error *e)
{
	const char *to = r->o->to;
	char *wal = ecert_xasprintf("%s-wal", to);
	char *journal = ecert_xasprintf("%s-journal", to);
	int rc = 0;

	if (exists(to) || exists(wal) || exists(journal) || exists(r->newkey))
		rc = ecert_fail(e, ECERT_IOERR, "restore: %s already exists;"
		    " a backup is restored into a new path only", exists(to)
		    ? to : exists(r->newkey) ? r->newkey : exists(wal) ? wal :
		    journal);
	free(wal);
	free(journal);
	return rc;
}

/* Copies the backup into r->tmp, with its key in plain beside it. */
static int
restore_copy(struct restore *r, struct ecert_error *e)
{
	struct store_keys k;
	sqlite3 *db = NULL;
	int rc;

	rc = create_db(r->tmp, "restore %s: %s", &db, e);
	r->made = rc == 0;
	if (rc == 0)
		rc = copy_db(r->src->db, db, r->o->to, e);
	sqlite3_close(db);
	if (rc != 0)
		return rc;
	keys_from_store(r->src, &k);
	r->tmpkey = ecert_xasprintf("%s.key", r->tmp);
	rc = keycopy_write(r->tmpkey, &k, NULL, e);
	sodium_memzero(&k, sizeof(k));
	return rc;
}

/*
 * Opens the copy as the restoring platform: a backup holds no anchor, so
 * the platform's key pins it, provided the backup's units and keys are
 * signed by that key.  The new store's anchor file is written.
 */
static int
restore_pin(struct restore *r, struct ecert_error *e)
{
	int rc;

	if (getenv("ECERT_ANCHOR") != NULL)
		r->oldanchor = ecert_xstrdup(getenv("ECERT_ANCHOR"));
	r->tmpanchor = ecert_xasprintf("%s.anchor", r->tmp);
	setenv("ECERT_ANCHOR", r->tmpanchor, 1);
	ecert_anchor_optional(1);
	rc = ecert_store_open(r->tmp, r->tmpkey, &r->dst, e);
	ecert_anchor_optional(0);
	if (rc != 0)
		return rc;
	/* the platform of the backup's own store restores it */
	if ((rc = ecert_actor_load(r->dst, r->o->key, r->o->passfile, &r->a,
	    e)) != 0)
		return rc;
	if (!(r->a.roles & ECERT_ROLE_ADMIN))
		return ecert_fail(e, ECERT_NOPERM, "unit %s is not the "
		    "platform: restores are the platform's (article 20)",
		    r->a.unit);
	if ((rc = ecert_anchor_write(r->dst, &r->a.key, e)) != 0)
		return rc;
	if (ecert_anchor_require(r->dst, e) != 0 ||
	    !ecert_fact_unit_ok(r->dst, r->a.unit) ||
	    !ecert_fact_key_ok(r->dst, r->a.key.key_id))
		return ecert_fail(e, ECERT_NO, "restore: the backup's units "
		    "and keys are not signed by the platform key %s; nothing "
		    "restored", r->a.key.key_id);
	r->newanchor = ecert_xasprintf("%s.anchor", r->o->to);
	return ecert_anchor_write_file(r->newanchor, &r->a.key, e);
}

/* The restore's audit entry, naming the backup it came from. */
static int
restore_audit(struct restore *r, struct ecert_error *e)
{
	const json_t *m = r->m;
	char detail[512];
	int rc;

	snprintf(detail, sizeof(detail), "backup taken %s of %s, audit head %"
	    JSON_INTEGER_FORMAT ", %" JSON_INTEGER_FORMAT " licenses",
	    ecert_json_str(m, "taken_at") ? ecert_json_str(m, "taken_at") : "?",
	    ecert_json_str(m, "store") ? ecert_json_str(m, "store") : "?",
	    json_integer_value(json_object_get(json_object_get(m,
	    "audit_head"), "seq")), json_integer_value(json_object_get(
	    json_object_get(m, "counts"), "licenses")));
	if ((rc = ecert_audit(r->dst, r->a.unit, "store.restore", r->o->from,
	    "ok", detail)) != 0)
		return ecert_fail(e, rc, "audit: cannot record the restore");
	return 0;
}

/*
 * The new store appears whole, under its name, or not at all; its key
 * file may be on another file system, so it is written anew.
 */
static int
restore_place(struct restore *r, struct ecert_error *e)
{
	struct store_keys k;
	int rc;

	ecert_store_close(r->dst);
	r->dst = NULL;
	keys_from_store(r->src, &k);
	rc = keycopy_write(r->newkey, &k, NULL, e);
	sodium_memzero(&k, sizeof(k));
	if (rc != 0)
		return rc;
	if (link(r->tmp, r->o->to) != 0) {
		rc = ecert_fail(e, ECERT_IOERR, "restore %s: %s", r->o->to,
		    strerror(errno));
		unlink(r->newkey);
		unlink(r->newanchor);
	}
	return rc;
}

/* Removes what a restore made on the way, and all of it if it failed. */
static void
restore_clean(struct restore *r, int rc)
{
	char *side;

	ecert_key_wipe(&r->a.key);
	if (r->dst != NULL)
		ecert_store_close(r->dst);
	if (r->made) {
		unlink(r->tmp);
		side = ecert_xasprintf("%s-wal", r->tmp);
		unlink(side);
		free(side);
		side = ecert_xasprintf("%s-shm", r->tmp);
		unlink(side);
		free(side);
	}
	if (r->tmpkey != NULL)
		unlink(r->tmpkey);
	if (r->tmpanchor != NULL) {
		unlink(r->tmpanchor);
		if (r->oldanchor != NULL)
			setenv("ECERT_ANCHOR", r->oldanchor, 1);
		else
			unsetenv("ECERT_ANCHOR");
	}
	if (rc != 0 && r->newanchor != NULL)
		unlink(r->newanchor);
	ecert_store_close(r->src);
	json_decref(r->m);
	free(r->tmpanchor);
	free(r->oldanchor);
	free(r->newanchor);
	free(r->tmpkey);
	free(r->tmp);
	free(r->newkey);
}

int
ecert_backup_restore(const struct ecert_restore_opts *o, json_t **done,
    struct ecert_error *e)
{
	struct restore r;
	char *mpath = ecert_backup_manifest_path(o->from);
	int rc;

	*done = NULL;
	memset(&r, 0, sizeof(r));
	r.o = o;
	r.newkey = ecert_store_default_keypath(o->to, o->keyout);
	r.tmp = ecert_xasprintf("%s.tmp.%ld", o->to, (long)getpid());
	if ((rc = restore_target_free(&r, e)) != 0)
		goto out;
	if ((rc = ecert_backup_verify(o->from, o->keypath, o->passfile_seal,
	    o->sample, o->fn, o->arg, e)) != 0) {
		if (rc == ECERT_NO)
			ecert_fail(e, ECERT_NO, "restore: backup %s does not "
			    "verify; nothing restored", o->from);
		goto out;
	}
	if ((r.m = manifest_read(mpath, e)) == NULL) {
		rc = e->status;
		goto out;
	}
	if ((rc = backup_open(o->from, o->keypath, o->passfile_seal, &r.src,
	    e)) != 0 || (rc = restore_copy(&r, e)) != 0 ||
	    (rc = restore_pin(&r, e)) != 0 ||
	    (rc = restore_audit(&r, e)) != 0 ||
	    (rc = restore_place(&r, e)) != 0)
		goto out;
	*done = json_pack("{s:s, s:s, s:s, s:s?, s:O, s:O}", "restored",
	    o->to, "store_key", r.newkey, "from", o->from, "taken_at",
	    ecert_json_str(r.m, "taken_at"), "counts", json_object_get(r.m,
	    "counts"), "audit_head", json_object_get(r.m, "audit_head"));
out:
	restore_clean(&r, rc);
	free(mpath);
	return rc;
}
