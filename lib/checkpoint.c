/*
 * checkpoint.c: the transparency log over the audit entries (article 23).
 * A checkpoint is a C2SP tlog-checkpoint: a signed note (c2sp.org/signed-
 * note) whose text names the log (its origin), the number of entries and
 * the RFC 9162 root of their Merkle tree, signed with the platform's key:
 * Ed25519 (signature type 0x01), or SM2 with SM3 (ecert's own type: 0xff
 * and the identifier "ecert.sm2-sm3", the spec's way for a type it has not
 * assigned).  Published, it makes a log that was cut, emptied or
 * rewritten afterwards show, whoever holds the store and its key file.
 */
#include <errno.h>
#include <string.h>

#include <sodium.h>

#include "ecert_priv.h"

#define EM_DASH "\xe2\x80\x94"
#define PROOF_HEADER "c2sp.org/tlog-proof@v1"
#define CONSISTENCY_HEADER "ecert-tlog-consistency@v1"

static const char zero_hash[65] =
    "0000000000000000000000000000000000000000000000000000000000000000";

void
ecert_checkpoint_free(struct ecert_checkpoint *c)
{
	free(c->note);
	c->note = NULL;
}

/* The identifier an SM2 key's ID is hashed with after 0xff: signed-note
 * assigns no byte to SM2, and reserves 0xff for a type so named. */
#define SM2_NOTE_TYPE "ecert.sm2-sm3"

/* signed-note: SHA-256(name || 0x0A || type || public key)[:4], where the
 * type is 0x01 for Ed25519, 0xff || "ecert.sm2-sm3" for SM2 (04||x||y) */
void
ecert_note_key_id_pub(const char *name, const struct ecert_pub *p,
    unsigned char id[4])
{
	crypto_hash_sha256_state st;
	unsigned char h[32], sep[2] = { 0x0a, 0x01 };

	if (p->alg == ECERT_ALG_SM2)
		sep[1] = 0xff;
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const unsigned char *)name,
	    strlen(name));
	crypto_hash_sha256_update(&st, sep, 2);
	if (p->alg == ECERT_ALG_SM2)
		crypto_hash_sha256_update(&st, (const unsigned char *)
		    SM2_NOTE_TYPE, strlen(SM2_NOTE_TYPE));
	crypto_hash_sha256_update(&st, p->pk, p->n);
	crypto_hash_sha256_final(&st, h);
	memcpy(id, h, 4);
}

void
ecert_note_key_id(const char *name, const unsigned char pk[32],
    unsigned char id[4])
{
	struct ecert_pub p = { ECERT_ALG_ED25519, 32, { 0 }, NULL };

	memcpy(p.pk, pk, 32);
	ecert_note_key_id_pub(name, &p, id);
}

static int
get_line(const char **p, const char *end, char *out, size_t n)
{
	const char *nl = memchr(*p, '\n', (size_t)(end - *p));
	size_t len;

	if (nl == NULL)
		return -1;
	len = (size_t)(nl - *p);
	if (len >= n)
		return -1;
	memcpy(out, *p, len);
	out[len] = '\0';
	*p = nl + 1;
	return 0;
}

static int
parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (s[0] < '0' || s[0] > '9' || (s[0] == '0' && s[1] != '\0'))
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return *end != '\0' || errno != 0 ? -1 : 0;
}

/*
 * A checkpoint as tlog-checkpoint defines it: the note text (origin, tree
 * size, base64 root, then extension lines; ecert writes one, "time
 * <UTC>"), a blank line, and the signature lines.
 */
int
ecert_checkpoint_parse(const char *text, size_t n, const char *name,
    struct ecert_checkpoint *c, struct ecert_error *e)
{
	const char *p, *end, *sep = NULL;
	char line[512];
	size_t i, len;

	memset(c, 0, sizeof(*c));
	if (!ecert_utf8_valid(text, n))
		return ecert_fail(e, ECERT_DATAERR, "checkpoint %s: not UTF-8",
		    name);
	for (i = 0; i < n; i++) {
		if ((unsigned char)text[i] < 0x20 && text[i] != '\n')
			return ecert_fail(e, ECERT_DATAERR, "checkpoint %s: a "
			    "control character at byte %zu", name, i);
		if (i > 0 && text[i] == '\n' && text[i - 1] == '\n')
			sep = text + i;
	}
	if (sep == NULL || n == 0 || text[n - 1] != '\n')
		return ecert_fail(e, ECERT_DATAERR, "checkpoint %s: not a "
		    "signed note (no blank line before the signatures)", name);
	c->textlen = (size_t)(sep - text);
	p = text;
	end = text + c->textlen;
	if (get_line(&p, end, c->origin, sizeof(c->origin)) != 0 ||
	    c->origin[0] == '\0')
		return ecert_fail(e, ECERT_DATAERR, "checkpoint %s:1: no "
		    "origin", name);
	if (get_line(&p, end, line, sizeof(line)) != 0 ||
	    parse_u64(line, &c->size) != 0)
		return ecert_fail(e, ECERT_DATAERR, "checkpoint %s:2: tree "
		    "size: not a number", name);
	if (get_line(&p, end, line, sizeof(line)) != 0 ||
	    ecert_b64_decode(line, c->root, sizeof(c->root), &len) != 0 ||
	    len != 32)
		return ecert_fail(e, ECERT_DATAERR, "checkpoint %s:3: root "
		    "hash: not 32 bytes of base64", name);
	while (p < end) {
		if (get_line(&p, end, line, sizeof(line)) != 0 ||
		    line[0] == '\0')
			return ecert_fail(e, ECERT_DATAERR, "checkpoint %s: an "
			    "empty or overlong extension line", name);
		if (strncmp(line, "time ", 5) == 0 && strlen(line) == 25)
			memcpy(c->time, line + 5, 21);
	}
	c->note = ecert_xmalloc(n + 1);
	memcpy(c->note, text, n);
	c->note[n] = '\0';
	return 0;
}

/* 1 when a signature line of the origin's name and this key's ID
 * verifies over the note text; signatures of other keys are ignored.
 * Both types sign 64 bytes: Ed25519's R||S, SM2's r||s (ecert(5)). */
int
ecert_checkpoint_sig_ok_pub(const struct ecert_checkpoint *c,
    const struct ecert_pub *pk)
{
	unsigned char id[4], sig[4 + 64 + 1];
	const char *p = c->note + c->textlen + 1, *end;
	char prefix[160];
	size_t plen, len;
	char b64[256];

	ecert_note_key_id_pub(c->origin, pk, id);
	snprintf(prefix, sizeof(prefix), EM_DASH " %s ", c->origin);
	plen = strlen(prefix);
	for (; *p != '\0'; p = end + 1) {
		end = strchr(p, '\n');
		if (end == NULL)
			break;
		if ((size_t)(end - p) <= plen || strncmp(p, prefix, plen) != 0 ||
		    (size_t)(end - p) - plen >= sizeof(b64))
			continue;
		memcpy(b64, p + plen, (size_t)(end - p) - plen);
		b64[(size_t)(end - p) - plen] = '\0';
		if (ecert_b64_decode(b64, sig, sizeof(sig), &len) != 0 ||
		    len != 4 + 64 || memcmp(sig, id, 4) != 0)
			continue;
		return ecert_verify_raw(pk, NULL, (const unsigned char *)
		    c->note, c->textlen, sig + 4);
	}
	return 0;
}

int
ecert_checkpoint_sig_ok(const struct ecert_checkpoint *c,
    const unsigned char pk[32])
{
	struct ecert_pub p = { ECERT_ALG_ED25519, 32, { 0 }, NULL };

	memcpy(p.pk, pk, 32);
	return ecert_checkpoint_sig_ok_pub(c, &p);
}

/* The origin names the platform unit: ecert.<USCC>/audit. */
static int
origin_unit(const char *origin, char unit[19])
{
	if (strncmp(origin, "ecert.", 6) != 0 || strlen(origin) != 6 + 18 + 6 ||
	    strcmp(origin + 24, "/audit") != 0)
		return -1;
	memcpy(unit, origin + 6, 18);
	unit[18] = '\0';
	return 0;
}

/*
 * Checks the signature against the platform's keys in a trust list (the
 * keys marked admin of the unit the origin names) or, given an anchor's
 * list of one key, against that key alone.
 */
int
ecert_checkpoint_verify_keys(const struct ecert_checkpoint *c,
    const json_t *trust, const char *name, struct ecert_error *e)
{
	const json_t *k;
	struct ecert_pub pk;
	char unit[19];
	size_t i;

	if (origin_unit(c->origin, unit) != 0)
		return ecert_fail(e, ECERT_NO, "checkpoint %s: origin %s is not "
		    "an ecert audit log (ecert.<USCC>/audit)", name, c->origin);
	json_array_foreach(trust, i, k) {
		const char *u = ecert_json_str(k, "unit");

		if (u == NULL || strcmp(u, unit) != 0 ||
		    !json_is_true(json_object_get(k, "admin")) ||
		    !ecert_pub_parse(ecert_json_str(k, "alg"),
		    ecert_json_str(k, "public_key"), &pk))
			continue;
		if (ecert_checkpoint_sig_ok_pub(c, &pk))
			return 0;
	}
	return ecert_fail(e, ECERT_NO, "checkpoint %s: not signed by a "
	    "platform key of %s (no valid signature of a known key)", name,
	    unit);
}

/*
 * The store's platform keys as its anchor says: the anchor's unit alone is
 * the platform, whatever roles the store gives the others, and of its keys
 * only those the anchor's key signed (or a key so signed, a rotation).
 */
static json_t *
platform_keys(struct ecert_store *s, struct ecert_error *e)
{
	json_t *all, *k, *list;
	char unit[19];
	size_t i;

	if (ecert_anchor_load(s, NULL, unit) != 1) {
		char *path = ecert_anchor_path(s);

		ecert_fail(e, ECERT_IOERR, "anchor %s: missing or not an "
		    "anchor; the platform's keys are not known", path);
		free(path);
		return NULL;
	}
	all = ecert_key_export(s, unit);
	list = json_array();
	json_array_foreach(all, i, k) {
		json_object_set_new(k, "admin", json_true());
		json_array_append(list, k);
	}
	json_decref(all);
	return list;
}

/* The platform's keys by the store's anchor, or the one key of an --anchor
 * file. */
static json_t *
keys_for(struct ecert_store *s, const char *anchor, struct ecert_error *e)
{
	json_error_t jerr;
	json_t *pin, *k, *list;
	struct ecert_pub pk;
	const char *b64, *unit, *alg;

	if (anchor == NULL)
		return platform_keys(s, e);
	pin = json_load_file(anchor, JSON_DISABLE_EOF_CHECK, &jerr);
	if (pin == NULL) {
		ecert_fail(e, jerr.line < 1 ? ECERT_IOERR : ECERT_DATAERR,
		    "anchor %s: %s", anchor, jerr.text);
		return NULL;
	}
	b64 = ecert_json_str(pin, "public_key");
	unit = ecert_json_str(pin, "unit");
	alg = ecert_json_str(pin, "alg");
	if (b64 == NULL || unit == NULL || !ecert_pub_parse(alg, b64, &pk)) {
		ecert_fail(e, ECERT_DATAERR, "anchor %s: not a public key file "
		    "(give platform.key.pub)", anchor);
		json_decref(pin);
		return NULL;
	}
	k = json_pack("{s:s, s:s, s:s, s:b}", "unit", unit, "alg",
	    ecert_alg_name(pk.alg), "public_key", b64, "admin", 1);
	json_decref(pin);
	list = json_array();
	json_array_append_new(list, k);
	return list;
}

static char *
read_file(const char *path, size_t *n, struct ecert_error *e)
{
	FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	char *buf = NULL;
	size_t cap = 0, got;

	*n = 0;
	if (fp == NULL) {
		ecert_fail(e, ECERT_IOERR, "%s: %s", path, strerror(errno));
		return NULL;
	}
	do {
		if (*n + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			if (cap > 64 * 1024 * 1024) {
				ecert_fail(e, ECERT_DATAERR, "%s: too large",
				    path);
				break;
			}
			buf = ecert_xrealloc(buf, cap);
		}
		got = fread(buf + *n, 1, 4096, fp);
		*n += got;
	} while (got > 0);
	if (ferror(fp) || cap > 64 * 1024 * 1024) {
		if (ferror(fp))
			ecert_fail(e, ECERT_IOERR, "%s: %s", path,
			    strerror(errno));
		free(buf);
		buf = NULL;
	} else
		buf[*n] = '\0';
	if (fp != stdin)
		fclose(fp);
	return buf;
}

static int
load_file(const char *path, const json_t *trust, struct ecert_checkpoint *c,
    struct ecert_error *e)
{
	size_t n;
	char *text = read_file(path, &n, e);
	int rc;

	if (text == NULL)
		return e->status;
	rc = ecert_checkpoint_parse(text, n, path, c, e);
	free(text);
	if (rc == 0 && (rc = ecert_checkpoint_verify_keys(c, trust, path,
	    e)) != 0)
		ecert_checkpoint_free(c);
	return rc;
}

/* The frontier kept with the newest checkpoint: its size, the chain hash
 * of its last entry, and its subtrees' roots, largest first. */
static int
frontier_load(struct ecert_store *s, struct ecert_merkle_frontier *f,
    char last[65], struct ecert_error *e)
{
	sqlite3_stmt *st;
	const unsigned char *blob;
	int rc, len;

	memset(f, 0, sizeof(*f));
	snprintf(last, 65, "%s", zero_hash);
	st = ecert_prepare(s, "SELECT size, last, hashes FROM audit_frontier"
	    " WHERE id = 1", e);
	if (st == NULL)
		return e->status;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		f->size = (uint64_t)sqlite3_column_int64(st, 0);
		snprintf(last, 65, "%s", (const char *)sqlite3_column_text(st,
		    1));
		blob = sqlite3_column_blob(st, 2);
		len = sqlite3_column_bytes(st, 2);
		f->n = len / 32;
		if (len % 32 != 0 || f->n != __builtin_popcountll(f->size)) {
			sqlite3_finalize(st);
			return ecert_fail(e, ECERT_NO, "audit tree: the stored "
			    "frontier is damaged: run ecert-audit verify");
		}
		if (len > 0)
			memcpy(f->hash, blob, (size_t)len);
		rc = SQLITE_DONE;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return ecert_sql_fail(s, e, rc, "audit tree");
	return 0;
}

int
ecert_checkpoint_latest(struct ecert_store *s, struct ecert_checkpoint *c,
    struct ecert_error *e)
{
	sqlite3_stmt *st;
	const char *note;
	int rc;

	memset(c, 0, sizeof(*c));
	st = ecert_prepare(s, "SELECT seq, note FROM audit_checkpoints"
	    " ORDER BY seq DESC LIMIT 1", e);
	if (st == NULL)
		return e->status;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		char name[48];

		snprintf(name, sizeof(name), "stored %lld",
		    (long long)sqlite3_column_int64(st, 0));
		note = (const char *)sqlite3_column_text(st, 1);
		rc = ecert_checkpoint_parse(note ? note : "", note ?
		    strlen(note) : 0, name, c, e);
		sqlite3_finalize(st);
		return rc;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return ecert_sql_fail(s, e, rc, "audit checkpoints");
	return ecert_fail(e, ECERT_NO, "no checkpoint made yet "
	    "(ecert-audit checkpoint -k platform.key)");
}

struct extend {
	struct ecert_merkle_frontier *f;
	char last[65];
	struct ecert_error *e;
};

static int
extend_one(long long seq, const char *const col[10], void *arg)
{
	struct extend *x = arg;
	unsigned char h[32];
	size_t n;
	char *leaf;

	if ((uint64_t)seq != x->f->size + 1)
		return ecert_fail(x->e, ECERT_NO, "audit entry %llu removed "
		    "(next is %lld): run ecert-audit verify",
		    (unsigned long long)x->f->size + 1, seq);
	if (strcmp(col[8], x->last) != 0)
		return ecert_fail(x->e, ECERT_NO, "audit entry %lld does not "
		    "follow entry %lld: run ecert-audit verify", seq, seq - 1);
	leaf = ecert_audit_leaf(seq, col, &n);
	ecert_merkle_leaf(leaf, n, h);
	free(leaf);
	ecert_merkle_append(x->f, h);
	snprintf(x->last, sizeof(x->last), "%s", col[9]);
	return 0;
}

static int
note_sign(const struct ecert_key *k, const char *origin, const char *text,
    char **note)
{
	unsigned char sig[4 + 64];
	struct ecert_pub p;
	char b64[128];

	ecert_key_pub(k, &p);
	ecert_note_key_id_pub(origin, &p, sig);
	if (ecert_sign_raw(k, NULL, (const unsigned char *)text, strlen(text),
	    sig + 4) != 0)
		return -1;
	ecert_b64_encode(sig, sizeof(sig), b64, sizeof(b64));
	*note = ecert_xasprintf("%s\n" EM_DASH " %s %s\n", text, origin, b64);
	return 0;
}

/*
 * The bulk of the hashing, done before the write lock is taken, so that a
 * first checkpoint of a long log does not keep writers waiting: start is
 * the stored frontier (startlast its last entry's chain hash), px extends
 * a copy of it, pre, to the end of the log.
 */
static int
prehash(struct ecert_store *s, struct ecert_merkle_frontier *start,
    char startlast[65], struct ecert_merkle_frontier *pre, struct extend *px,
    struct ecert_error *e)
{
	int rc;

	if ((rc = frontier_load(s, start, startlast, e)) != 0)
		return rc;
	*pre = *start;
	px->f = pre;
	px->e = e;
	snprintf(px->last, sizeof(px->last), "%s", startlast);
	return ecert_audit_each(s, (long long)pre->size, extend_one, px, e);
}

/* The stored frontier is the newest checkpoint's tree, or empty with
 * none made. */
static int
frontier_is_latest(struct ecert_store *s, const struct ecert_merkle_frontier *f,
    struct ecert_error *e)
{
	struct ecert_checkpoint prev;
	unsigned char root[32];
	int rc, have_prev;

	rc = ecert_checkpoint_latest(s, &prev, e);
	have_prev = rc == 0;
	if (rc != 0 && rc != ECERT_NO)
		return rc;
	rc = 0;
	ecert_merkle_frontier_root(f, root);
	if (have_prev && (prev.size != f->size ||
	    sodium_memcmp(prev.root, root, 32) != 0)) {
		rc = ecert_fail(e, ECERT_NO, "audit tree: the stored frontier "
		    "(%llu entries) is not the newest checkpoint's (%llu): run "
		    "ecert-audit verify", (unsigned long long)f->size,
		    (unsigned long long)prev.size);
	} else if (!have_prev && f->size != 0)
		rc = ecert_fail(e, ECERT_NO, "audit tree: a frontier of %llu "
		    "entries but no checkpoint: run ecert-audit verify",
		    (unsigned long long)f->size);
	ecert_checkpoint_free(&prev);
	return rc;
}

/* The log's entry size (the newest checkpoint's last) is still there,
 * its chain hash last. */
static int
last_entry_kept(struct ecert_store *s, uint64_t size, const char *last,
    struct ecert_error *e)
{
	sqlite3_stmt *st;
	int rc;

	if (size == 0)
		return 0;
	st = ecert_prepare(s, "SELECT hash FROM audit WHERE seq = ?", e);
	if (st == NULL)
		return e->status;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)size);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW || strcmp((const char *)
	    sqlite3_column_text(st, 0), last) != 0)
		rc = ecert_fail(e, ECERT_NO, "audit log %s at entry "
		    "%llu, the newest checkpoint's last: run "
		    "ecert-audit verify", rc == SQLITE_ROW ? "rewritten"
		    : "cut", (unsigned long long)size);
	else
		rc = 0;
	sqlite3_finalize(st);
	return rc;
}

/* The signed note of the tree f, made now by the platform a, into c. */
static int
checkpoint_note(const struct ecert_actor *a,
    const struct ecert_merkle_frontier *f, const char *now,
    struct ecert_checkpoint *c, struct ecert_error *e)
{
	unsigned char root[32];
	char origin[64], b64[64], *text, *note;
	int rc;

	ecert_merkle_frontier_root(f, root);
	ecert_b64_encode(root, 32, b64, sizeof(b64));
	snprintf(origin, sizeof(origin), "ecert.%s/audit", a->unit);
	text = ecert_xasprintf("%s\n%llu\n%s\ntime %s\n", origin,
	    (unsigned long long)f->size, b64, now);
	rc = note_sign(&a->key, origin, text, &note);
	free(text);
	if (rc != 0)
		return ecert_fail(e, ECERT_IOERR, "checkpoint: OpenSSL cannot "
		    "make an SM2 signature");
	rc = ecert_checkpoint_parse(note, strlen(note), "new", c, e);
	free(note);
	return rc;
}

/* Keeps the new frontier (last: its last entry's chain hash) and the
 * checkpoint c made of it now. */
static int
checkpoint_keep(struct ecert_store *s, const struct ecert_merkle_frontier *f,
    const char *last, const char *now, const struct ecert_checkpoint *c,
    struct ecert_error *e)
{
	sqlite3_stmt *st;
	int rc;

	st = ecert_prepare(s, "INSERT OR REPLACE INTO audit_frontier(id, size,"
	    " last, hashes) VALUES (1, ?, ?, ?)", e);
	if (st == NULL)
		return e->status;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)f->size);
	ecert_bind_text(st, 2, last);
	sqlite3_bind_blob(st, 3, f->hash, f->n * 32, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE) {
		st = ecert_prepare(s, "INSERT INTO audit_checkpoints(size, time,"
		    " note) VALUES (?, ?, ?)", e);
		if (st == NULL)
			return e->status;
		sqlite3_bind_int64(st, 1, (sqlite3_int64)f->size);
		ecert_bind_text(st, 2, now);
		ecert_bind_text(st, 3, c->note);
		rc = sqlite3_step(st);
		sqlite3_finalize(st);
	}
	if (rc != SQLITE_DONE)
		return ecert_sql_fail(s, e, rc, "audit checkpoint");
	return 0;
}

/*
 * Extends the tree from the stored frontier by the entries since the
 * newest checkpoint (checking that they follow it), signs the new head
 * and keeps both, with an audit entry, in one transaction.
 */
int
ecert_checkpoint_make(struct ecert_store *s, const struct ecert_actor *a,
    struct ecert_checkpoint *c, struct ecert_error *e)
{
	struct ecert_merkle_frontier f, start, pre;
	struct extend x, px;
	char startlast[65], now[21], b64[64], *detail;
	int rc;

	memset(c, 0, sizeof(*c));
	if ((rc = prehash(s, &start, startlast, &pre, &px, e)) != 0)
		return rc;
	if (ecert_begin(s, e) != 0)
		return e->status;
	if ((rc = frontier_load(s, &f, x.last, e)) != 0 ||
	    (rc = frontier_is_latest(s, &f, e)) != 0)
		goto fail;
	/* unchanged since: go on from where the first pass ended, once its
	 * last entry is seen to be still there, unchanged */
	if (f.size == start.size && f.n == start.n && memcmp(f.hash,
	    start.hash, (size_t)f.n * 32) == 0 && strcmp(x.last,
	    startlast) == 0) {
		f = pre;
		snprintf(x.last, sizeof(x.last), "%s", px.last);
	}
	if ((rc = last_entry_kept(s, f.size, x.last, e)) != 0)
		goto fail;
	x.f = &f;
	x.e = e;
	if ((rc = ecert_audit_each(s, (long long)f.size, extend_one, &x,
	    e)) != 0)
		goto fail;
	ecert_now_iso(now);
	if ((rc = checkpoint_note(a, &f, now, c, e)) != 0 ||
	    (rc = checkpoint_keep(s, &f, x.last, now, c, e)) != 0)
		goto fail;
	ecert_b64_encode(c->root, 32, b64, sizeof(b64));
	detail = ecert_xasprintf("size %llu root %s",
	    (unsigned long long)f.size, b64);
	rc = ecert_audit(s, a->unit, "audit.checkpoint", c->origin, "ok",
	    detail);
	free(detail);
	if (rc != 0) {
		ecert_fail(e, rc, "audit: cannot record the checkpoint");
		goto fail;
	}
	return ecert_commit(s, e);
fail:
	ecert_rollback(s);
	ecert_checkpoint_free(c);
	return rc ? rc : e->status;
}

/* One checkpoint whose root the walk over the log compares. */
struct want {
	uint64_t size;
	const struct ecert_checkpoint *c;
	const char *name;
};

struct walk {
	struct ecert_merkle_frontier f;
	struct want *w;
	size_t nw, next;
	const struct want *bad;
};

static int
want_cmp(const void *a, const void *b)
{
	const struct want *x = a, *y = b;

	return x->size < y->size ? -1 : x->size > y->size;
}

static void
walk_check(struct walk *k)
{
	unsigned char root[32];

	while (k->next < k->nw && k->w[k->next].size == k->f.size) {
		ecert_merkle_frontier_root(&k->f, root);
		if (k->bad == NULL && sodium_memcmp(root,
		    k->w[k->next].c->root, 32) != 0)
			k->bad = &k->w[k->next];
		k->next++;
	}
}

static int
walk_one(long long seq, const char *const col[10], void *arg)
{
	struct walk *k = arg;
	unsigned char h[32];
	size_t n;
	char *leaf = ecert_audit_leaf(seq, col, &n);

	ecert_merkle_leaf(leaf, n, h);
	free(leaf);
	ecert_merkle_append(&k->f, h);
	walk_check(k);
	return k->next == k->nw ? -1 : 0;	/* -1: enough */
}

static const char *
when(const struct ecert_checkpoint *c)
{
	return c->time[0] ? c->time : "unknown time";
}

/* The stored checkpoints, oldest first, each named "stored SEQ". */
struct stored {
	struct ecert_checkpoint *cs;
	char (*names)[48];
	size_t nc;
};

static void
stored_free(struct stored *t)
{
	size_t i;

	for (i = 0; i < t->nc; i++)
		ecert_checkpoint_free(&t->cs[i]);
	free(t->cs);
	free(t->names);
}

/* The newest stored checkpoint read so far: signed by the platform, its
 * columns (size, time) those of its note, after the one before it. */
static int
stored_check(const struct stored *t, uint64_t size, const char *time,
    const json_t *trust, struct ecert_error *e)
{
	const struct ecert_checkpoint *c = &t->cs[t->nc - 1];
	const char *name = t->names[t->nc - 1];
	int rc;

	if ((rc = ecert_checkpoint_verify_keys(c, trust, name, e)) != 0)
		return rc;
	if (size != c->size || time == NULL || strcmp(time, c->time) != 0)
		return ecert_fail(e, ECERT_NO, "checkpoint %s: its size "
		    "and time columns are not those of its signed note", name);
	if (t->nc > 1 && (c->size <= c[-1].size ||
	    strcmp(c->time, c[-1].time) < 0))
		return ecert_fail(e, ECERT_NO, "checkpoint %s goes "
		    "backwards: %llu entries at %s, after %llu entries "
		    "at %s", name, (unsigned long long)c->size, when(c),
		    (unsigned long long)c[-1].size, when(&c[-1]));
	return 0;
}

static int
stored_load(struct ecert_store *s, const json_t *trust, struct stored *t,
    struct ecert_error *e)
{
	sqlite3_stmt *st;
	int rc = 0, src = SQLITE_DONE;

	st = ecert_prepare(s, "SELECT seq, size, time, note FROM"
	    " audit_checkpoints ORDER BY seq", e);
	if (st == NULL)
		return e->status;
	while (rc == 0 && (src = sqlite3_step(st)) == SQLITE_ROW) {
		const char *note = (const char *)sqlite3_column_text(st, 3);
		size_t nc = t->nc;

		t->cs = ecert_xrealloc(t->cs, (nc + 1) * sizeof(*t->cs));
		t->names = ecert_xrealloc(t->names, (nc + 1) *
		    sizeof(*t->names));
		snprintf(t->names[nc], sizeof(t->names[nc]), "stored %lld",
		    (long long)sqlite3_column_int64(st, 0));
		if ((rc = ecert_checkpoint_parse(note ? note : "", note ?
		    strlen(note) : 0, t->names[nc], &t->cs[nc], e)) != 0) {
			rc = ecert_fail(e, ECERT_NO, "%s", e->msg);
			break;
		}
		t->nc++;
		rc = stored_check(t, (uint64_t)sqlite3_column_int64(st, 1),
		    (const char *)sqlite3_column_text(st, 2), trust, e);
	}
	if (rc == 0 && src != SQLITE_DONE)
		rc = ecert_sql_fail(s, e, src, "audit checkpoints");
	sqlite3_finalize(st);
	return rc;
}

/* The given checkpoint file, signed, and not older than a stored one
 * while holding fewer entries. */
static int
given_load(const char *given, const json_t *trust, const struct stored *t,
    struct ecert_checkpoint *g, struct ecert_error *e)
{
	size_t i;
	int rc;

	if ((rc = load_file(given, trust, g, e)) != 0)
		return rc;
	for (i = 0; i < t->nc; i++)
		if (strcmp(g->time, t->cs[i].time) > 0 &&
		    g->size < t->cs[i].size)
			return ecert_fail(e, ECERT_NO, "checkpoint %s goes "
			    "backwards: %llu entries at %s, after the "
			    "stored checkpoint of %llu entries at %s",
			    given, (unsigned long long)g->size, when(g),
			    (unsigned long long)t->cs[i].size,
			    when(&t->cs[i]));
	return 0;
}

/* The log holds as many entries as each checkpoint; the largest names
 * the cut, the one that removes the most. */
static int
log_not_cut(struct want *w, size_t nw, long long count,
    struct ecert_error *e)
{
	size_t i;

	for (i = 1; i < nw; i++)
		if (w[i].size > w[0].size) {
			struct want t = w[0];

			w[0] = w[i];
			w[i] = t;
		}
	if (w[0].size <= (uint64_t)count)
		return 0;
	if (count == 0)
		return ecert_fail(e, ECERT_NO, "audit log empty, but "
		    "checkpoint %s of %s holds %llu entries", w[0].name,
		    when(w[0].c), (unsigned long long)w[0].size);
	return ecert_fail(e, ECERT_NO, "audit log cut: %lld entries, "
	    "but checkpoint %s of %s holds %llu (entries %lld to "
	    "%llu are gone)", count, w[0].name, when(w[0].c),
	    (unsigned long long)w[0].size, count + 1,
	    (unsigned long long)w[0].size);
}

/* The first entries of the log hash to each checkpoint's root. */
static int
log_hashes_to(struct ecert_store *s, struct want *w, size_t nw,
    struct ecert_error *e)
{
	struct walk k;
	int rc = 0;

	qsort(w, nw, sizeof(*w), want_cmp);
	memset(&k, 0, sizeof(k));
	k.w = w;
	k.nw = nw;
	walk_check(&k);
	if (k.next < k.nw && (rc = ecert_audit_each(s, 0, walk_one, &k,
	    e)) == -1)
		rc = 0;
	if (rc == 0 && k.bad != NULL)
		rc = ecert_fail(e, ECERT_NO, "audit history rewritten: the first "
		    "%llu entries do not hash to the root of checkpoint %s of "
		    "%s", (unsigned long long)k.bad->size, k.bad->name,
		    when(k.bad->c));
	return rc;
}

/*
 * The log against its checkpoints: every stored one (signed, growing,
 * its columns those of its note) and the given one, if any.  The log
 * (count entries, its chain already verified) must hold as many entries
 * as each, and the first that many must hash to its root.  warn gets
 * what is true but not alarming (no checkpoint anchors the log).
 */
int
ecert_tlog_verify(struct ecert_store *s, const char *given,
    const char *anchor, long long count, char *warn, size_t warnn,
    struct ecert_error *e)
{
	struct stored t = { NULL, NULL, 0 };
	struct ecert_checkpoint g = { 0 };
	struct want *w = NULL;
	json_t *trust;
	size_t i, nw = 0;
	int rc;

	warn[0] = '\0';
	if ((trust = keys_for(s, anchor, e)) == NULL)
		return e->status;
	rc = stored_load(s, trust, &t, e);
	if (rc == 0 && given != NULL)
		rc = given_load(given, trust, &t, &g, e);
	json_decref(trust);
	if (rc != 0)
		goto done;
	if (g.note == NULL && t.nc == 0) {
		snprintf(warn, warnn, "no checkpoint anchors the audit log: "
		    "%s (ecert-audit checkpoint, then publish it)", count == 0 ?
		    "an emptied log cannot be told from a new one" :
		    "a tail cut off cannot be seen");
		goto done;
	}
	w = ecert_xmalloc((t.nc + 1) * sizeof(*w));
	if (g.note != NULL) {
		w[nw].size = g.size;
		w[nw].c = &g;
		w[nw++].name = given;
	}
	for (i = 0; i < t.nc; i++) {
		w[nw].size = t.cs[i].size;
		w[nw].c = &t.cs[i];
		w[nw++].name = t.names[i];
	}
	if ((rc = log_not_cut(w, nw, count, e)) == 0)
		rc = log_hashes_to(s, w, nw, e);
done:
	free(w);
	stored_free(&t);
	ecert_checkpoint_free(&g);
	return rc;
}

struct leaves {
	unsigned char (*h)[32];
	uint64_t n, want;
};

static int
leaf_one(long long seq, const char *const col[10], void *arg)
{
	struct leaves *l = arg;
	size_t n;
	char *leaf;

	(void)seq;
	if (l->n == l->want)
		return -1;
	leaf = ecert_audit_leaf(seq, col, &n);
	ecert_merkle_leaf(leaf, n, l->h[l->n++]);
	free(leaf);
	return 0;
}

static void
put_hashes(char **out, unsigned char (*proof)[32], int np)
{
	char b64[64], *t;
	int i;

	for (i = 0; i < np; i++) {
		ecert_b64_encode(proof[i], 32, b64, sizeof(b64));
		t = ecert_xasprintf("%s%s\n", *out, b64);
		free(*out);
		*out = t;
	}
}

/*
 * An inclusion proof of entry seq (seq > 0) or a consistency proof from
 * the tree of `from` entries (seq == 0) to the checkpoint's tree: the
 * given checkpoint file, or the newest stored one.  The log must still
 * hash to that checkpoint's root.
 */
char *
ecert_tlog_prove(struct ecert_store *s, const char *given, long long seq,
    long long from, struct ecert_error *e)
{
	struct ecert_checkpoint c;
	unsigned char proof[ECERT_MERKLE_MAXPROOF][32], root[32];
	struct leaves l = { 0 };
	json_t *trust;
	char *out = NULL, b64[64];
	int rc, np;

	if (given != NULL) {
		if ((trust = keys_for(s, NULL, e)) == NULL)
			return NULL;
		rc = load_file(given, trust, &c, e);
		json_decref(trust);
	} else
		rc = ecert_checkpoint_latest(s, &c, e);
	if (rc != 0)
		return NULL;
	if (seq > 0 && (uint64_t)seq > c.size) {
		ecert_fail(e, ECERT_NO, "entry %lld is not in the checkpoint's "
		    "tree of %llu entries (make a newer checkpoint)", seq,
		    (unsigned long long)c.size);
		goto done;
	}
	if (seq == 0 && (from < 0 || (uint64_t)from > c.size)) {
		ecert_fail(e, ECERT_NO, "--from %lld: the checkpoint's tree "
		    "has %llu entries", from, (unsigned long long)c.size);
		goto done;
	}
	l.want = c.size;
	l.h = ecert_xmalloc((c.size ? c.size : 1) * 32);
	rc = ecert_audit_each(s, 0, leaf_one, &l, e);
	if (rc != 0 && rc != -1)
		goto done;
	if (l.n < c.size) {
		ecert_fail(e, ECERT_NO, "audit log cut: %llu entries, but the "
		    "checkpoint holds %llu", (unsigned long long)l.n,
		    (unsigned long long)c.size);
		goto done;
	}
	ecert_merkle_root((const unsigned char (*)[32])l.h, c.size, root);
	if (sodium_memcmp(root, c.root, 32) != 0) {
		ecert_fail(e, ECERT_NO, "audit history rewritten: the first "
		    "%llu entries do not hash to the checkpoint's root",
		    (unsigned long long)c.size);
		goto done;
	}
	if (seq > 0) {
		ecert_merkle_inclusion((const unsigned char (*)[32])l.h, c.size,
		    (uint64_t)seq - 1, proof, &np);
		out = ecert_xasprintf(PROOF_HEADER "\nindex %lld\n", seq - 1);
	} else {
		ecert_merkle_consistency((const unsigned char (*)[32])l.h,
		    (uint64_t)from, c.size, proof, &np);
		ecert_merkle_root((const unsigned char (*)[32])l.h,
		    (uint64_t)from, root);
		ecert_b64_encode(root, 32, b64, sizeof(b64));
		out = ecert_xasprintf(CONSISTENCY_HEADER "\nold %lld %s\n",
		    from, b64);
	}
	put_hashes(&out, proof, np);
	{
		char *t = ecert_xasprintf("%s\n%s", out, c.note);

		free(out);
		out = t;
	}
done:
	free(l.h);
	ecert_checkpoint_free(&c);
	return out;
}

/* A proof's lines before its checkpoint: an inclusion proof's index, or
 * a consistency proof's older tree, then the hashes. */
struct proof {
	int consistency;
	long long index;		/* inclusion: of the entry, from 0 */
	unsigned long long osize;	/* consistency: the older tree's */
	unsigned char oroot[32];
	unsigned char hashes[ECERT_MERKLE_MAXPROOF][32];
	int np;
};

/* The line after the header: "index N" or "old SIZE ROOT". */
static int
proof_tree(const char *line, const char *name, struct proof *pr,
    struct ecert_error *e)
{
	char b64[128];
	uint64_t v;
	size_t len;

	if (pr->consistency) {
		if (sscanf(line, "old %llu %100s", &pr->osize, b64) != 2 ||
		    ecert_b64_decode(b64, pr->oroot, 32, &len) != 0 ||
		    len != 32)
			return ecert_fail(e, ECERT_DATAERR, "proof %s:2: not "
			    "\"old SIZE ROOT\"", name);
		return 0;
	}
	if (strncmp(line, "index ", 6) != 0 ||
	    parse_u64(line + 6, &v) != 0 || v > (uint64_t)1 << 62)
		return ecert_fail(e, ECERT_DATAERR, "proof %s: no "
		    "\"index N\" line", name);
	pr->index = (long long)v;
	return 0;
}

/* Reads the proof up to its checkpoint, where *p is left. */
static int
proof_parse(const char **p, const char *end, const char *name,
    struct proof *pr, struct ecert_error *e)
{
	char line[256];
	size_t len;
	int rc;

	if (get_line(p, end, line, sizeof(line)) != 0)
		return ecert_fail(e, ECERT_DATAERR, "proof %s:1: empty", name);
	pr->consistency = strcmp(line, CONSISTENCY_HEADER) == 0;
	if (!pr->consistency && strcmp(line, PROOF_HEADER) != 0)
		return ecert_fail(e, ECERT_DATAERR, "proof %s:1: neither "
		    PROOF_HEADER " nor " CONSISTENCY_HEADER, name);
	if (get_line(p, end, line, sizeof(line)) != 0)
		return ecert_fail(e, ECERT_DATAERR, "proof %s:2: cut short",
		    name);
	if (!pr->consistency && strncmp(line, "extra ", 6) == 0 &&
	    get_line(p, end, line, sizeof(line)) != 0)
		return ecert_fail(e, ECERT_DATAERR, "proof %s: cut short",
		    name);
	if ((rc = proof_tree(line, name, pr, e)) != 0)
		return rc;
	for (;;) {
		if (get_line(p, end, line, sizeof(line)) != 0)
			return ecert_fail(e, ECERT_DATAERR, "proof %s: no "
			    "checkpoint after the hashes", name);
		if (line[0] == '\0')
			return 0;
		if (pr->np == ECERT_MERKLE_MAXPROOF || ecert_b64_decode(line,
		    pr->hashes[pr->np], 32, &len) != 0 || len != 32)
			return ecert_fail(e, ECERT_DATAERR, "proof %s: hash %d: "
			    "not 32 bytes of base64", name, pr->np + 1);
		pr->np++;
	}
}

/* The entry (its JSON line) is the proof's, and in the tree of c. */
static int
proof_inclusion(const struct proof *pr, const struct ecert_checkpoint *c,
    const char *name, const char *entry, size_t entryn, char *what,
    size_t whatn, struct ecert_error *e)
{
	unsigned char h[32];
	json_int_t seq;
	json_t *o;

	if (entry == NULL)
		return ecert_fail(e, ECERT_USAGE, "proof %s: an inclusion "
		    "proof is checked against its entry (--entry)", name);
	while (entryn > 0 && entry[entryn - 1] == '\n')
		entryn--;
	if ((o = ecert_json_parse(entry, entryn, e)) == NULL)
		return e->status;
	seq = json_integer_value(json_object_get(o, "seq"));
	json_decref(o);
	if (seq != pr->index + 1)
		return ecert_fail(e, ECERT_NO, "proof %s: for index %lld "
		    "(entry %lld), not the entry given (%lld)", name,
		    pr->index, pr->index + 1, (long long)seq);
	ecert_merkle_leaf(entry, entryn, h);
	if (!ecert_merkle_verify_inclusion(h, (uint64_t)pr->index, c->size,
	    (const unsigned char (*)[32])pr->hashes, pr->np, c->root))
		return ecert_fail(e, ECERT_NO, "proof %s: entry %lld is not "
		    "in the log of %llu entries of that checkpoint",
		    name, pr->index + 1, (unsigned long long)c->size);
	snprintf(what, whatn, "entry %lld is in the log of %llu entries "
	    "signed at %s", pr->index + 1, (unsigned long long)c->size,
	    when(c));
	return 0;
}

/* The tree of c extends the proof's older tree, which is, given, the
 * older checkpoint's (old, signed too). */
static int
proof_consistency(const struct proof *pr, const struct ecert_checkpoint *c,
    const char *name, const json_t *trust, const char *old, size_t oldn,
    char *what, size_t whatn, struct ecert_error *e)
{
	struct ecert_checkpoint oc = { 0 };
	int rc = 0;

	if (old != NULL) {
		if ((rc = ecert_checkpoint_parse(old, oldn, "--old", &oc,
		    e)) != 0 || (rc = ecert_checkpoint_verify_keys(&oc, trust,
		    "--old", e)) != 0)
			goto done;
		if (oc.size != pr->osize || sodium_memcmp(oc.root, pr->oroot,
		    32) != 0 || strcmp(oc.origin, c->origin) != 0) {
			rc = ecert_fail(e, ECERT_NO, "proof %s: from a tree of "
			    "%llu entries, not the older checkpoint's (%llu)",
			    name, pr->osize, (unsigned long long)oc.size);
			goto done;
		}
	}
	if (!ecert_merkle_verify_consistency(pr->osize, c->size, pr->oroot,
	    c->root, (const unsigned char (*)[32])pr->hashes, pr->np)) {
		rc = ecert_fail(e, ECERT_NO, "proof %s: the log of %llu entries "
		    "does not extend the log of %llu entries", name,
		    (unsigned long long)c->size, pr->osize);
		goto done;
	}
	snprintf(what, whatn, "the log of %llu entries signed at %s extends "
	    "the log of %llu entries%s", (unsigned long long)c->size, when(c),
	    pr->osize, old != NULL ? " of the older checkpoint" : "");
done:
	ecert_checkpoint_free(&oc);
	return rc;
}

/*
 * A proof checked with no store: the checkpoint's signature against the
 * platform keys of a trust list, then the inclusion of the entry (its
 * JSON line as `ecert-audit log --json` prints it) or the consistency
 * with the older tree (and, given, the older checkpoint).
 */
int
ecert_tlog_proof_verify(const char *text, size_t n, const char *name,
    const json_t *trust, const char *entry, size_t entryn,
    const char *old, size_t oldn, char *what, size_t whatn,
    struct ecert_error *e)
{
	struct ecert_checkpoint c = { 0 };
	struct proof pr;
	const char *p = text, *end = text + n;
	int rc;

	memset(&pr, 0, sizeof(pr));
	pr.index = -1;
	if ((rc = proof_parse(&p, end, name, &pr, e)) != 0)
		return rc;
	if ((rc = ecert_checkpoint_parse(p, (size_t)(end - p), name, &c,
	    e)) != 0)
		return rc;
	if ((rc = ecert_checkpoint_verify_keys(&c, trust, name, e)) == 0)
		rc = pr.consistency ? proof_consistency(&pr, &c, name, trust,
		    old, oldn, what, whatn, e) : proof_inclusion(&pr, &c,
		    name, entry, entryn, what, whatn, e);
	ecert_checkpoint_free(&c);
	return rc;
}
