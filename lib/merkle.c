/*
 * merkle.c: the Merkle tree of RFC 9162 section 2.1 (the tree of RFC 6962),
 * over SHA-256: a leaf is H(0x00 || data), a node H(0x01 || left || right).
 * The tree of n leaves is kept as its frontier, the roots of its complete
 * subtrees, so that one more leaf costs O(log n) and the root needs no
 * leaf again; proofs are made from the leaf hashes (2.1.3.1, 2.1.4.1) and
 * checked with the algorithms of 2.1.3.2 and 2.1.4.2.
 */
#include <string.h>

#include <sodium.h>

#include "ecert_priv.h"

void
ecert_merkle_leaf(const void *data, size_t n, unsigned char out[32])
{
	crypto_hash_sha256_state st;
	unsigned char zero = 0x00;

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, &zero, 1);
	crypto_hash_sha256_update(&st, data, n);
	crypto_hash_sha256_final(&st, out);
}

void
ecert_merkle_node(const unsigned char left[32], const unsigned char right[32],
    unsigned char out[32])
{
	unsigned char buf[65];

	buf[0] = 0x01;
	memcpy(buf + 1, left, 32);
	memcpy(buf + 33, right, 32);
	crypto_hash_sha256(out, buf, sizeof(buf));
}

/* The complete subtrees of a tree of size n are its set bits, largest
 * first; a new leaf joins the smallest ones while they are as large. */
void
ecert_merkle_append(struct ecert_merkle_frontier *f, const unsigned char leaf[32])
{
	uint64_t s = f->size;

	memcpy(f->hash[f->n++], leaf, 32);
	while (s & 1) {
		ecert_merkle_node(f->hash[f->n - 2], f->hash[f->n - 1],
		    f->hash[f->n - 2]);
		f->n--;
		s >>= 1;
	}
	f->size++;
}

/* MTH(D[n]) of 2.1.1: the subtrees folded from the right. */
void
ecert_merkle_frontier_root(const struct ecert_merkle_frontier *f,
    unsigned char root[32])
{
	int i;

	if (f->n == 0) {
		crypto_hash_sha256(root, (const unsigned char *)"", 0);
		return;
	}
	memcpy(root, f->hash[f->n - 1], 32);
	for (i = f->n - 2; i >= 0; i--)
		ecert_merkle_node(f->hash[i], root, root);
}

void
ecert_merkle_root(const unsigned char (*leaves)[32], uint64_t n,
    unsigned char root[32])
{
	struct ecert_merkle_frontier f;
	uint64_t i;

	memset(&f, 0, sizeof(f));
	for (i = 0; i < n; i++)
		ecert_merkle_append(&f, leaves[i]);
	ecert_merkle_frontier_root(&f, root);
}

/* The largest power of two smaller than n (n > 1). */
static uint64_t
split(uint64_t n)
{
	uint64_t k = 1;

	while (k << 1 < n)
		k <<= 1;
	return k;
}

static int
push(unsigned char (*proof)[32], int *np, const unsigned char h[32])
{
	if (*np >= ECERT_MERKLE_MAXPROOF)
		return -1;
	memcpy(proof[(*np)++], h, 32);
	return 0;
}

/* PATH(m, D[n]) of 2.1.3.1, from the leaf's sibling up. */
static int
path(const unsigned char (*d)[32], uint64_t m, uint64_t n,
    unsigned char (*proof)[32], int *np)
{
	unsigned char h[32];
	uint64_t k;

	if (n <= 1)
		return 0;
	k = split(n);
	if (m < k) {
		if (path(d, m, k, proof, np) != 0)
			return -1;
		ecert_merkle_root(d + k, n - k, h);
	} else {
		if (path(d + k, m - k, n - k, proof, np) != 0)
			return -1;
		ecert_merkle_root(d, k, h);
	}
	return push(proof, np, h);
}

int
ecert_merkle_inclusion(const unsigned char (*leaves)[32], uint64_t n,
    uint64_t index, unsigned char (*proof)[32], int *np)
{
	*np = 0;
	if (index >= n)
		return -1;
	return path(leaves, index, n, proof, np);
}

/* SUBPROOF(m, D[n], b) of 2.1.4.1. */
static int
subproof(const unsigned char (*d)[32], uint64_t m, uint64_t n, int b,
    unsigned char (*proof)[32], int *np)
{
	unsigned char h[32];
	uint64_t k;

	if (m == n) {
		if (b)
			return 0;
		ecert_merkle_root(d, n, h);
		return push(proof, np, h);
	}
	k = split(n);
	if (m <= k) {
		if (subproof(d, m, k, b, proof, np) != 0)
			return -1;
		ecert_merkle_root(d + k, n - k, h);
	} else {
		if (subproof(d + k, m - k, n - k, 0, proof, np) != 0)
			return -1;
		ecert_merkle_root(d, k, h);
	}
	return push(proof, np, h);
}

int
ecert_merkle_consistency(const unsigned char (*leaves)[32], uint64_t m,
    uint64_t n, unsigned char (*proof)[32], int *np)
{
	*np = 0;
	if (m > n)
		return -1;
	if (m == 0 || m == n)
		return 0;
	return subproof(leaves, m, n, 1, proof, np);
}

/* Right-shifts fn and sn together until fn's lowest bit is set or fn is
 * 0: RFC 9162 2.1.3.2 and 2.1.4.2, after a left-side node. */
static void
shift_until_set(uint64_t *fn, uint64_t *sn)
{
	while (!(*fn & 1) && *fn != 0) {
		*fn >>= 1;
		*sn >>= 1;
	}
}

/* 2.1.3.2: 1 when the proof binds the leaf hash to the root. */
int
ecert_merkle_verify_inclusion(const unsigned char leaf[32], uint64_t index,
    uint64_t size, const unsigned char (*proof)[32], int np,
    const unsigned char root[32])
{
	unsigned char r[32];
	uint64_t fn, sn;
	int i;

	if (index >= size)
		return 0;
	fn = index;
	sn = size - 1;
	memcpy(r, leaf, 32);
	for (i = 0; i < np; i++) {
		if (sn == 0)
			return 0;
		if ((fn & 1) || fn == sn) {
			ecert_merkle_node(proof[i], r, r);
			shift_until_set(&fn, &sn);
		} else
			ecert_merkle_node(r, proof[i], r);
		fn >>= 1;
		sn >>= 1;
	}
	return sn == 0 && sodium_memcmp(r, root, 32) == 0;
}

/* 2.1.4.2, with its two degenerate cases: equal sizes need no proof and
 * equal roots; the empty tree is consistent with every tree. */
int
ecert_merkle_verify_consistency(uint64_t first, uint64_t second,
    const unsigned char first_root[32], const unsigned char second_root[32],
    const unsigned char (*proof)[32], int np)
{
	unsigned char fr[32], sr[32];
	uint64_t fn, sn;
	int i = 0;

	if (first > second)
		return 0;
	if (first == second)
		return np == 0 && sodium_memcmp(first_root, second_root, 32) == 0;
	if (first == 0)
		return np == 0;
	if (np == 0)
		return 0;
	/* a first tree of 2^k leaves is its own first hash */
	if ((first & (first - 1)) == 0) {
		memcpy(fr, first_root, 32);
	} else {
		memcpy(fr, proof[0], 32);
		i = 1;
	}
	memcpy(sr, fr, 32);
	fn = first - 1;
	sn = second - 1;
	while (fn & 1) {
		fn >>= 1;
		sn >>= 1;
	}
	for (; i < np; i++) {
		if (sn == 0)
			return 0;
		if ((fn & 1) || fn == sn) {
			ecert_merkle_node(proof[i], fr, fr);
			ecert_merkle_node(proof[i], sr, sr);
			shift_until_set(&fn, &sn);
		} else
			ecert_merkle_node(sr, proof[i], sr);
		fn >>= 1;
		sn >>= 1;
	}
	return sn == 0 && sodium_memcmp(fr, first_root, 32) == 0 &&
	    sodium_memcmp(sr, second_root, 32) == 0;
}
