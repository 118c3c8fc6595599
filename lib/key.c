/*
 * key.c: a unit's secret key file.  Ed25519 or SM2, sealed with a
 * passphrase: Argon2id (crypto_pwhash) derives the key of an
 * XChaCha20-Poly1305 box whose additional data is the file's clear header,
 * so that neither the unit, the algorithm, the key id nor the public key
 * can be swapped.  The box holds Ed25519's 64-byte secret key, or SM2's
 * 32-byte secret scalar d.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

#include "ecert_priv.h"

#define KEY_MAGIC "ecert-secret-key-v1"

_Static_assert(sizeof(((struct ecert_sealed *)0)->salt) ==
    crypto_pwhash_SALTBYTES, "ecert_sealed: salt");
_Static_assert(sizeof(((struct ecert_sealed *)0)->nonce) ==
    crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, "ecert_sealed: nonce");
_Static_assert(sizeof(((struct ecert_sealed *)0)->box) == ECERT_SEALED_MAX +
    crypto_aead_xchacha20poly1305_ietf_ABYTES + 1, "ecert_sealed: box");

void
ecert_key_id(const unsigned char pk[32], char out[17])
{
	unsigned char h[8];

	crypto_generichash(h, sizeof(h), pk, 32, NULL, 0);
	sodium_bin2hex(out, 17, h, sizeof(h));
}

int
ecert_key_generate(struct ecert_key *k, const char *unit)
{
	return ecert_key_generate_alg(k, unit, ECERT_ALG_ED25519);
}

int
ecert_key_generate_alg(struct ecert_key *k, const char *unit, int alg)
{
	struct ecert_pub p;

	memset(k, 0, sizeof(*k));
	if (sodium_init() < 0)
		return -1;
	snprintf(k->unit, sizeof(k->unit), "%s", unit);
	snprintf(k->alg, sizeof(k->alg), "%s", ecert_alg_name(alg));
	if (alg == ECERT_ALG_SM2) {
		if (ecert_sm2_generate(k->pk, k->sk, &k->evp) != 0)
			return -1;
		k->pklen = 65;
	} else {
		crypto_sign_keypair(k->pk, k->sk);
		k->pklen = 32;
	}
	ecert_key_pub(k, &p);
	ecert_pub_id(&p, k->key_id);
	return 0;
}

/* The public half, as a verifier holds it (no OpenSSL key made). */
void
ecert_key_pub(const struct ecert_key *k, struct ecert_pub *p)
{
	memset(p, 0, sizeof(*p));
	p->alg = ecert_alg_parse(k->alg) == ECERT_ALG_SM2 ? ECERT_ALG_SM2 :
	    ECERT_ALG_ED25519;
	p->n = p->alg == ECERT_ALG_SM2 ? 65 : 32;
	memcpy(p->pk, k->pk, p->n);
}

void
ecert_key_wipe(struct ecert_key *k)
{
	ecert_sm2_free(k->evp);
	sodium_memzero(k, sizeof(*k));
}

static size_t
secret_len(const struct ecert_key *k)
{
	return strcmp(k->alg, "sm2") == 0 ? 32 : 64;
}

static size_t
public_len(const struct ecert_key *k)
{
	return strcmp(k->alg, "sm2") == 0 ? 65 : 32;
}

static void
header(const struct ecert_key *k, unsigned long long ops, size_t mem,
    char *out, size_t n)
{
	char pub[96];

	ecert_b64_encode(k->pk, public_len(k), pub, sizeof(pub));
	snprintf(out, n, "%s\nalg %s\nunit %s\nkey-id %s\npublic %s\n"
	    "kdf argon2id13\nopslimit %llu\nmemlimit %zu\n", KEY_MAGIC, k->alg,
	    k->unit, k->key_id, pub, ops, mem);
}

/*
 * Seals n bytes of secret under a passphrase, head (the file's clear
 * header, which names the costs) as additional data: out gets the lines
 * "salt", "nonce" and "sealed".  Key files and backup key copies.
 */
int
ecert_seal(const char *pass, const char *head, const unsigned char *secret,
    size_t n, const char *path, char *out, size_t outn,
    struct ecert_error *e)
{
	unsigned char salt[crypto_pwhash_SALTBYTES];
	unsigned char nonce[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES];
	unsigned char box[ECERT_SEALED_MAX +
	    crypto_aead_xchacha20poly1305_ietf_ABYTES];
	unsigned char sealkey[32];
	char salthex[64], noncehex[64], boxb64[256];

	if (strlen(pass) < 8)
		return ecert_fail(e, ECERT_USAGE, "passphrase: must have at "
		    "least 8 characters");
	if (n > ECERT_SEALED_MAX)
		abort();
	randombytes_buf(salt, sizeof(salt));
	randombytes_buf(nonce, sizeof(nonce));
	if (crypto_pwhash(sealkey, sizeof(sealkey), pass, strlen(pass), salt,
	    ECERT_SEAL_OPS, ECERT_SEAL_MEM, crypto_pwhash_ALG_ARGON2ID13) != 0)
		return ecert_fail(e, ECERT_IOERR, "key %s: out of memory "
		    "deriving the key", path);
	crypto_aead_xchacha20poly1305_ietf_encrypt(box, NULL, secret, n,
	    (const unsigned char *)head, strlen(head), NULL, nonce, sealkey);
	sodium_memzero(sealkey, sizeof(sealkey));
	sodium_bin2hex(salthex, sizeof(salthex), salt, sizeof(salt));
	sodium_bin2hex(noncehex, sizeof(noncehex), nonce, sizeof(nonce));
	ecert_b64_encode(box, n + crypto_aead_xchacha20poly1305_ietf_ABYTES,
	    boxb64, sizeof(boxb64));
	snprintf(out, outn, "salt %s\nnonce %s\nsealed %s\n", salthex,
	    noncehex, boxb64);
	return 0;
}

/* The public half beside the secret key file, for anyone to read. */
static int
pub_write(const char *path, const struct ecert_key *k, struct ecert_error *e)
{
	char pub[96], *pubpath = ecert_xasprintf("%s.pub", path);
	int fd;
	FILE *fp;

	fd = open(pubpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	fp = fd >= 0 && fchmod(fd, 0644) == 0 ? fdopen(fd, "w") : NULL;
	if (fp == NULL && fd >= 0)
		close(fd);
	ecert_b64_encode(k->pk, public_len(k), pub, sizeof(pub));
	if (fp == NULL || fprintf(fp, "{\"alg\":\"%s\",\"key_id\":\"%s\","
	    "\"public_key\":\"%s\",\"unit\":\"%s\"}\n", k->alg, k->key_id,
	    pub, k->unit) < 0 || fclose(fp) != 0) {
		ecert_fail(e, ECERT_IOERR, "key %s: %s", pubpath,
		    strerror(errno));
		free(pubpath);
		return e->status;
	}
	free(pubpath);
	return 0;
}

int
ecert_key_write(const char *path, const struct ecert_key *k,
    const char *pass, struct ecert_error *e)
{
	char head[512], sealed[512];
	int fd, rc;
	FILE *fp;

	header(k, ECERT_SEAL_OPS, ECERT_SEAL_MEM, head, sizeof(head));
	if ((rc = ecert_seal(pass, head, k->sk, secret_len(k), path, sealed,
	    sizeof(sealed), e)) != 0)
		return rc;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd < 0)
		return ecert_fail(e, ECERT_IOERR, "key %s: %s", path,
		    strerror(errno));
	/* owner-only whatever the umask; the public half is for anyone to
	 * read and no one else to write */
	fp = fchmod(fd, 0600) == 0 ? fdopen(fd, "w") : NULL;
	if (fp == NULL || fprintf(fp, "%s%s", head, sealed) < 0 ||
	    fflush(fp) != 0 || fsync(fd) != 0) {
		int saved = errno;
		if (fp)
			fclose(fp);
		else
			close(fd);
		unlink(path);
		return ecert_fail(e, ECERT_IOERR, "key %s: %s", path,
		    strerror(saved));
	}
	fclose(fp);
	if ((rc = pub_write(path, k, e)) != 0)
		unlink(path);	/* no secret key without its public half */
	return rc;
}

/* A key file's line "NAME VALUE": 1 and *val the value (its newline
 * cut) when the line is that field.  Also read by backup.c's key copies. */
int
ecert_key_field(char *line, const char *name, char **val)
{
	size_t n = strlen(name);

	if (strncmp(line, name, n) != 0 || line[n] != ' ')
		return 0;
	*val = line + n + 1;
	(*val)[strcspn(*val, "\n")] = '\0';
	return 1;
}

/*
 * The sealed part of a key file, its five lines from lines[at]: the
 * costs, the salt, the nonce and the box of boxlen bytes.
 */
int
ecert_sealed_parse(char lines[][256], int at, size_t boxlen,
    const char *path, struct ecert_sealed *sd, struct ecert_error *e)
{
	size_t len;
	char *v;

	if (!ecert_key_field(lines[at], "opslimit", &v) ||
	    (sd->ops = strtoull(v, NULL, 10)) < crypto_pwhash_OPSLIMIT_MIN ||
	    sd->ops > crypto_pwhash_OPSLIMIT_SENSITIVE)
		return ecert_fail(e, ECERT_DATAERR, "key %s:%d: opslimit: out "
		    "of range", path, at + 1);
	if (!ecert_key_field(lines[at + 1], "memlimit", &v) ||
	    (sd->mem = strtoull(v, NULL, 10)) < crypto_pwhash_MEMLIMIT_MIN ||
	    sd->mem > crypto_pwhash_MEMLIMIT_SENSITIVE)
		return ecert_fail(e, ECERT_DATAERR, "key %s:%d: memlimit: out "
		    "of range", path, at + 2);
	if (!ecert_key_field(lines[at + 2], "salt", &v) ||
	    sodium_hex2bin(sd->salt, sizeof(sd->salt), v, strlen(v), NULL,
	    &len, NULL) != 0 || len != sizeof(sd->salt))
		return ecert_fail(e, ECERT_DATAERR, "key %s:%d: salt: bad",
		    path, at + 3);
	if (!ecert_key_field(lines[at + 3], "nonce", &v) ||
	    sodium_hex2bin(sd->nonce, sizeof(sd->nonce), v, strlen(v), NULL,
	    &len, NULL) != 0 || len != sizeof(sd->nonce))
		return ecert_fail(e, ECERT_DATAERR, "key %s:%d: nonce: bad",
		    path, at + 4);
	if (!ecert_key_field(lines[at + 4], "sealed", &v) ||
	    ecert_b64_decode(v, sd->box, sizeof(sd->box), &sd->boxlen) != 0 ||
	    sd->boxlen != boxlen)
		return ecert_fail(e, ECERT_DATAERR, "key %s:%d: sealed: bad",
		    path, at + 5);
	return 0;
}

/* Opens the box with the passphrase: n bytes of secret into out. */
int
ecert_sealed_open(const struct ecert_sealed *sd, const char *pass,
    const char *head, const char *path, unsigned char *out, size_t n,
    struct ecert_error *e)
{
	unsigned char sealkey[32];
	unsigned long long got;
	int rc;

	if (crypto_pwhash(sealkey, sizeof(sealkey), pass, strlen(pass),
	    sd->salt, sd->ops, (size_t)sd->mem,
	    crypto_pwhash_ALG_ARGON2ID13) != 0)
		return ecert_fail(e, ECERT_IOERR, "key %s: out of memory "
		    "deriving the key", path);
	rc = crypto_aead_xchacha20poly1305_ietf_decrypt(out, &got, NULL,
	    sd->box, sd->boxlen, (const unsigned char *)head, strlen(head),
	    sd->nonce, sealkey);
	sodium_memzero(sealkey, sizeof(sealkey));
	if (rc != 0 || got != n) {
		sodium_memzero(out, n);
		return ecert_fail(e, ECERT_NOPERM, "key %s: wrong passphrase "
		    "or altered key file", path);
	}
	return 0;
}

/* The clear header's fields: algorithm, unit, key id, public key. */
static int
key_head_parse(char lines[][256], const char *path, struct ecert_key *k,
    struct ecert_error *e)
{
	size_t len;
	char *v;

	if (!ecert_key_field(lines[1], "alg", &v) || (strcmp(v, "ed25519") != 0 &&
	    strcmp(v, "sm2") != 0))
		return ecert_fail(e, ECERT_DATAERR, "key %s:2: alg: must be "
		    "ed25519 or sm2", path);
	snprintf(k->alg, sizeof(k->alg), "%s", v);
	if (!ecert_key_field(lines[2], "unit", &v) || !ecert_uscc_valid(v))
		return ecert_fail(e, ECERT_DATAERR, "key %s:3: unit: not a "
		    "unified social credit code", path);
	snprintf(k->unit, sizeof(k->unit), "%s", v);
	if (!ecert_key_field(lines[3], "key-id", &v) || strlen(v) != 16)
		return ecert_fail(e, ECERT_DATAERR, "key %s:4: key-id: bad",
		    path);
	snprintf(k->key_id, sizeof(k->key_id), "%s", v);
	k->pklen = public_len(k);
	if (!ecert_key_field(lines[4], "public", &v) || ecert_b64_decode(v, k->pk,
	    sizeof(k->pk), &len) != 0 || len != k->pklen)
		return ecert_fail(e, ECERT_DATAERR, "key %s:5: public: bad",
		    path);
	return 0;
}

/* The secret half gives the public half and its id; an SM2 key is
 * loaded into OpenSSL. */
static int
key_halves_match(struct ecert_key *k, const char *path,
    struct ecert_error *e)
{
	unsigned char pk[65];
	struct ecert_pub p;
	char id[17];
	int sm2 = strcmp(k->alg, "sm2") == 0;

	ecert_key_pub(k, &p);
	ecert_pub_id(&p, id);
	if (strcmp(id, k->key_id) != 0 || (sm2 ?
	    ecert_sm2_public(k->sk, pk) != 0 || memcmp(pk, k->pk,
	    65) != 0 : memcmp(k->sk + 32, k->pk, 32) != 0))
		return ecert_fail(e, ECERT_DATAERR, "key %s: key id "
		    "does not match the key", path);
	if (sm2 && (k->evp = ecert_sm2_evp(k->pk, k->sk)) == NULL)
		return ecert_fail(e, ECERT_IOERR, "key %s: OpenSSL "
		    "cannot load the SM2 key", path);
	return 0;
}

int
ecert_key_read(const char *path, const char *pass, struct ecert_key *k,
    struct ecert_error *e)
{
	struct ecert_sealed sd;
	char lines[11][256], head[512];
	FILE *fp;
	int i, n = 0, rc;

	memset(k, 0, sizeof(*k));
	if (sodium_init() < 0)
		return ecert_fail(e, ECERT_IOERR, "libsodium: cannot initialise");
	fp = fopen(path, "r");
	if (fp == NULL)
		return ecert_fail(e, ECERT_IOERR, "key %s: %s", path,
		    strerror(errno));
	while (n < 11 && fgets(lines[n], sizeof(lines[n]), fp) != NULL)
		n++;
	fclose(fp);
	if (n != 11 || strcmp(lines[0], KEY_MAGIC "\n") != 0)
		return ecert_fail(e, ECERT_DATAERR, "key %s:1: not an ecert "
		    "secret key file", path);
	for (i = 1; i < 8; i++)
		if (strchr(lines[i], '\n') == NULL)
			return ecert_fail(e, ECERT_DATAERR, "key %s:%d: line "
			    "too long", path, i + 1);
	/* the header is authenticated as it stands in the file */
	head[0] = '\0';
	for (i = 0; i < 8; i++)
		strcat(head, lines[i]);
	if ((rc = key_head_parse(lines, path, k, e)) != 0 ||
	    (rc = ecert_sealed_parse(lines, 6, secret_len(k) +
	    crypto_aead_xchacha20poly1305_ietf_ABYTES, path, &sd, e)) != 0)
		return rc;
	if ((rc = ecert_sealed_open(&sd, pass, head, path, k->sk,
	    secret_len(k), e)) != 0 || (rc = key_halves_match(k, path,
	    e)) != 0)
		ecert_key_wipe(k);
	return rc;
}

static int
read_tty(const char *prompt, char *buf, size_t n)
{
	struct termios old, quiet;
	FILE *tty = fopen("/dev/tty", "r+");
	int ok = 0;

	if (tty == NULL)
		return 0;
	fprintf(tty, "%s", prompt);
	fflush(tty);
	if (tcgetattr(fileno(tty), &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(fileno(tty), TCSAFLUSH, &quiet);
		ok = fgets(buf, (int)n, tty) != NULL;
		tcsetattr(fileno(tty), TCSAFLUSH, &old);
		fputc('\n', tty);
	}
	fclose(tty);
	buf[strcspn(buf, "\r\n")] = '\0';
	return ok;
}

/*
 * The passphrase comes from FILE (its first line), else from the file
 * named by $ECERT_PASSPHRASE_FILE, else from the terminal.
 */
int
ecert_passphrase(const char *file, const char *prompt, int confirm,
    char *buf, size_t n, struct ecert_error *e)
{
	char again[256];
	FILE *fp;

	if (file == NULL || *file == '\0')
		file = getenv("ECERT_PASSPHRASE_FILE");
	if (file != NULL && *file != '\0') {
		fp = strcmp(file, "-") == 0 ? stdin : fopen(file, "r");
		if (fp == NULL)
			return ecert_fail(e, ECERT_IOERR, "passphrase file "
			    "%s: %s", file, strerror(errno));
		if (fgets(buf, (int)n, fp) == NULL)
			buf[0] = '\0';
		if (fp != stdin)
			fclose(fp);
		buf[strcspn(buf, "\r\n")] = '\0';
		if (buf[0] == '\0')
			return ecert_fail(e, ECERT_DATAERR, "passphrase file "
			    "%s: empty", file);
		return 0;
	}
	if (!isatty(STDIN_FILENO) && access("/dev/tty", R_OK) != 0)
		return ecert_fail(e, ECERT_USAGE, "no passphrase: no terminal;"
		    " use --passphrase-file");
	if (!read_tty(prompt, buf, n))
		return ecert_fail(e, ECERT_USAGE, "no passphrase: cannot read "
		    "the terminal; use --passphrase-file");
	if (confirm) {
		if (!read_tty("again: ", again, sizeof(again)) ||
		    strcmp(again, buf) != 0) {
			sodium_memzero(again, sizeof(again));
			return ecert_fail(e, ECERT_USAGE, "passphrases do not "
			    "match");
		}
		sodium_memzero(again, sizeof(again));
	}
	return 0;
}
