/*
 * test_merkle.c: RFC 9162 hashing and proofs (merkle.c), against the
 * Certificate Transparency reference vectors (the leaves "", 00, 10,
 * 2021, 3031, 40414243, 5051525354555657, 606162636465666768696a6b6c6d6e6f
 * and their published roots, inclusion and consistency proofs), then
 * every proof of every tree up to 70 leaves, and mangled ones; and the
 * signed-note example of c2sp.org/signed-note.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "ecert.h"
#include "ecert_priv.h"

static const char *ct_leaves[] = { "", "00", "10", "2021", "3031",
    "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f" };

static const char *ct_roots[] = {
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
	"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
	"aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
	"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
	"4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
	"76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
	"ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
	"5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

static struct {
	uint64_t index, size;
	const char *proof[3];
} ct_inclusion[] = {
	{ 0, 8, { "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
	    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
	    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4" } },
	{ 5, 8, { "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
	    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
	    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7" } },
};

static struct {
	uint64_t first, second;
	int n;
	const char *proof[3];
} ct_consistency[] = {
	{ 2, 8, 2, { "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
	    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4" } },
	{ 6, 8, 3, { "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
	    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
	    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7" } },
};

static void
unhex(const char *hex, unsigned char *out, size_t *n)
{
	assert_int_equal(sodium_hex2bin(out, 64, hex, strlen(hex), NULL, n,
	    NULL), 0);
}

static void
hexof(const unsigned char h[32], char out[65])
{
	sodium_bin2hex(out, 65, h, 32);
}

static unsigned char leaves[8][32];

static void
ct_leaf_hashes(void)
{
	unsigned char data[64];
	size_t n, i;

	for (i = 0; i < 8; i++) {
		unhex(ct_leaves[i], data, &n);
		ecert_merkle_leaf(data, n, leaves[i]);
	}
}

static void
test_ct_roots(void **state)
{
	struct ecert_merkle_frontier f;
	unsigned char root[32];
	char hex[65];
	uint64_t n;

	(void)state;
	ct_leaf_hashes();
	memset(&f, 0, sizeof(f));
	for (n = 0; n <= 8; n++) {
		ecert_merkle_root((const unsigned char (*)[32])leaves, n, root);
		hexof(root, hex);
		assert_string_equal(hex, ct_roots[n]);
		/* the frontier, one leaf at a time, agrees */
		ecert_merkle_frontier_root(&f, root);
		hexof(root, hex);
		assert_string_equal(hex, ct_roots[n]);
		assert_int_equal(f.n, __builtin_popcountll(n));
		if (n < 8)
			ecert_merkle_append(&f, leaves[n]);
	}
}

static void
test_ct_inclusion(void **state)
{
	unsigned char proof[ECERT_MERKLE_MAXPROOF][32], root[32];
	char hex[65];
	size_t i, len;
	int np, j;

	(void)state;
	ct_leaf_hashes();
	for (i = 0; i < sizeof(ct_inclusion) / sizeof(ct_inclusion[0]); i++) {
		assert_int_equal(ecert_merkle_inclusion(
		    (const unsigned char (*)[32])leaves, ct_inclusion[i].size,
		    ct_inclusion[i].index, proof, &np), 0);
		assert_int_equal(np, 3);
		for (j = 0; j < np; j++) {
			hexof(proof[j], hex);
			assert_string_equal(hex, ct_inclusion[i].proof[j]);
		}
		unhex(ct_roots[ct_inclusion[i].size], root, &len);
		assert_true(ecert_merkle_verify_inclusion(
		    leaves[ct_inclusion[i].index], ct_inclusion[i].index,
		    ct_inclusion[i].size, (const unsigned char (*)[32])proof,
		    np, root));
		/* the same proof for another leaf, or index, does not */
		assert_false(ecert_merkle_verify_inclusion(
		    leaves[ct_inclusion[i].index ^ 1], ct_inclusion[i].index,
		    ct_inclusion[i].size, (const unsigned char (*)[32])proof,
		    np, root));
		assert_false(ecert_merkle_verify_inclusion(
		    leaves[ct_inclusion[i].index], ct_inclusion[i].index ^ 1,
		    ct_inclusion[i].size, (const unsigned char (*)[32])proof,
		    np, root));
	}
}

static void
test_ct_consistency(void **state)
{
	unsigned char proof[ECERT_MERKLE_MAXPROOF][32], r1[32], r2[32];
	char hex[65];
	size_t i, len;
	int np, j;

	(void)state;
	ct_leaf_hashes();
	for (i = 0; i < sizeof(ct_consistency) / sizeof(ct_consistency[0]);
	    i++) {
		assert_int_equal(ecert_merkle_consistency(
		    (const unsigned char (*)[32])leaves, ct_consistency[i].first,
		    ct_consistency[i].second, proof, &np), 0);
		assert_int_equal(np, ct_consistency[i].n);
		for (j = 0; j < np; j++) {
			hexof(proof[j], hex);
			assert_string_equal(hex, ct_consistency[i].proof[j]);
		}
		unhex(ct_roots[ct_consistency[i].first], r1, &len);
		unhex(ct_roots[ct_consistency[i].second], r2, &len);
		assert_true(ecert_merkle_verify_consistency(
		    ct_consistency[i].first, ct_consistency[i].second, r1, r2,
		    (const unsigned char (*)[32])proof, np));
		assert_false(ecert_merkle_verify_consistency(
		    ct_consistency[i].first, ct_consistency[i].second, r2, r1,
		    (const unsigned char (*)[32])proof, np));
	}
}

/* Every proof of every tree up to N leaves verifies; a flipped bit, a
 * hash dropped or added, does not. */
#define N 70
static void
test_all_sizes(void **state)
{
	static unsigned char big[N][32], roots[N + 1][32];
	unsigned char proof[ECERT_MERKLE_MAXPROOF][32];
	unsigned char b[2];
	uint64_t n, i, m;
	int np;

	(void)state;
	for (i = 0; i < N; i++) {
		b[0] = (unsigned char)i;
		b[1] = (unsigned char)(i * 7);
		ecert_merkle_leaf(b, 2, big[i]);
	}
	for (n = 0; n <= N; n++)
		ecert_merkle_root((const unsigned char (*)[32])big, n, roots[n]);
	for (n = 1; n <= N; n++)
		for (i = 0; i < n; i++) {
			assert_int_equal(ecert_merkle_inclusion(
			    (const unsigned char (*)[32])big, n, i, proof, &np),
			    0);
			assert_true(ecert_merkle_verify_inclusion(big[i], i, n,
			    (const unsigned char (*)[32])proof, np, roots[n]));
			if (np == 0)
				continue;
			assert_false(ecert_merkle_verify_inclusion(big[i], i, n,
			    (const unsigned char (*)[32])proof, np - 1,
			    roots[n]));
			memcpy(proof[np], proof[0], 32);
			assert_false(ecert_merkle_verify_inclusion(big[i], i, n,
			    (const unsigned char (*)[32])proof, np + 1,
			    roots[n]));
			proof[np - 1][7] ^= 1;
			assert_false(ecert_merkle_verify_inclusion(big[i], i, n,
			    (const unsigned char (*)[32])proof, np, roots[n]));
		}
	for (n = 0; n <= N; n++)
		for (m = 0; m <= n; m++) {
			assert_int_equal(ecert_merkle_consistency(
			    (const unsigned char (*)[32])big, m, n, proof, &np),
			    0);
			assert_true(ecert_merkle_verify_consistency(m, n,
			    roots[m], roots[n],
			    (const unsigned char (*)[32])proof, np));
			if (m == 0 || np == 0)
				continue;
			assert_false(ecert_merkle_verify_consistency(m, n,
			    roots[m], roots[n],
			    (const unsigned char (*)[32])proof, np - 1));
			proof[0][3] ^= 0x80;
			assert_false(ecert_merkle_verify_consistency(m, n,
			    roots[m], roots[n],
			    (const unsigned char (*)[32])proof, np));
		}
	/* the degenerate cases */
	assert_false(ecert_merkle_verify_consistency(4, 4, roots[4], roots[5],
	    NULL, 0));
	assert_false(ecert_merkle_verify_consistency(5, 4, roots[5], roots[4],
	    NULL, 0));
	assert_false(ecert_merkle_verify_inclusion(big[0], 3, 3, NULL, 0,
	    roots[3]));
}

/* c2sp.org/signed-note: the example verifier key
 * example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k
 * and the note it verifies. */
static void
test_signed_note_example(void **state)
{
	static const char note[] = "This is an example message.\n\n"
	    "\xe2\x80\x94 example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfX"
	    "ppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n";
	unsigned char vkey[33], id[4], sig[68];
	size_t len;

	(void)state;
	assert_int_equal(ecert_b64_decode("AekyeRrm56hApGFkyQR4ZCbV54Id2LKaAN"
	    "YcrnKv3U2k", vkey, sizeof(vkey), &len), 0);
	assert_int_equal(len, 33);
	assert_int_equal(vkey[0], 0x01);
	ecert_note_key_id("example.com/foo", vkey + 1, id);
	assert_memory_equal(id, "\x53\x0d\x90\x3a", 4);
	assert_int_equal(ecert_b64_decode("Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfX"
	    "ppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=", sig,
	    sizeof(sig), &len), 0);
	assert_int_equal(len, 68);
	assert_memory_equal(sig, id, 4);
	assert_int_equal(crypto_sign_verify_detached(sig + 4,
	    (const unsigned char *)note, strlen("This is an example message.\n"),
	    vkey + 1), 0);
}

/* A checkpoint in the format of c2sp.org/tlog-checkpoint, parsed. */
static void
test_checkpoint_parse(void **state)
{
	static const char good[] = "ecert.11420600MB00000016/audit\n20852163\n"
	    "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
	    "time 2026-12-01T23:00:00Z\n\n"
	    "\xe2\x80\x94 ecert.11420600MB00000016/audit AAAA\n";
	struct ecert_checkpoint c;
	struct ecert_error e;

	(void)state;
	assert_int_equal(ecert_checkpoint_parse(good, strlen(good), "t", &c,
	    &e), 0);
	assert_string_equal(c.origin, "ecert.11420600MB00000016/audit");
	assert_true(c.size == 20852163);
	assert_string_equal(c.time, "2026-12-01T23:00:00Z");
	assert_int_equal(c.textlen, strlen(good) - strlen("\n\xe2\x80\x94 "
	    "ecert.11420600MB00000016/audit AAAA\n"));
	ecert_checkpoint_free(&c);
	assert_int_equal(ecert_checkpoint_parse("a\n012\nAA==\n\nx\n", 15, "t",
	    &c, &e), ECERT_DATAERR);
	assert_int_equal(ecert_checkpoint_parse("a\n1\nAA==\n", 9, "t", &c, &e),
	    ECERT_DATAERR);
	assert_int_equal(ecert_checkpoint_parse("a\n1\nAA==\n\n\x01\n", 12,
	    "t", &c, &e), ECERT_DATAERR);
}

int
main(void)
{
#define T(f) cmocka_unit_test(f)
	const struct CMUnitTest tests[] = {
		T(test_ct_roots),
		T(test_ct_inclusion),
		T(test_ct_consistency),
		T(test_all_sizes),
		T(test_signed_note_example),
		T(test_checkpoint_parse),
	};
#undef T

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
