/* merkle.c — RFC 9162 §2.1 Merkle tree: hashing, frontier, proofs. */

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "courtsync/merkle.h"
#include "courtsync/codec.h"


/* The 0x00 and 0x01 prefixes keep a leaf from ever being read as a node
 * (second-preimage resistance, RFC 9162 §2.1.1). */
void
merkle_leaf_hash(const void *entry, size_t n, uint8_t out[CS_HASH_LEN])
{
	static const uint8_t zero = 0x00;

	crypto_sha256_2(&zero, 1, entry, n, out);
}

void
merkle_node_hash(const uint8_t left[CS_HASH_LEN],
    const uint8_t right[CS_HASH_LEN], uint8_t out[CS_HASH_LEN])
{
	uint8_t buf[1 + 2 * CS_HASH_LEN];

	buf[0] = 0x01;
	memcpy(buf + 1, left, CS_HASH_LEN);
	memcpy(buf + 1 + CS_HASH_LEN, right, CS_HASH_LEN);
	crypto_sha256(buf, sizeof(buf), out);
}

void
merkle_frontier_init(struct merkle_frontier *f)
{
	memset(f, 0, sizeof(*f));
}

int
merkle_frontier_append(struct merkle_frontier *f,
    const uint8_t leaf[CS_HASH_LEN], struct merkle_node *done)
{
	uint8_t h[CS_HASH_LEN];
	uint64_t size = f->size;
	unsigned l = 0;
	int n = 0;

	if (size == UINT64_MAX)
		return (-1);
	memcpy(h, leaf, CS_HASH_LEN);
	while (size >> l & 1) {
		merkle_node_hash(f->hash[l], h, h);
		l++;
		done[n].level = l;
		done[n].index = size >> l;
		memcpy(done[n].hash, h, CS_HASH_LEN);
		n++;
	}
	memcpy(f->hash[l], h, CS_HASH_LEN);
	f->size = size + 1;
	return (n);
}

/* Folds the subtrees of the set bits of size, right to left. */
static void
fold(uint64_t size, const uint8_t hash[][CS_HASH_LEN],
    uint8_t root[CS_HASH_LEN])
{
	unsigned l;
	int have = 0;

	if (size == 0) {
		crypto_sha256("", 0, root);
		return;
	}
	for (l = 0; l < MERKLE_MAX_LEVELS; l++) {
		if ((size >> l & 1) == 0)
			continue;
		if (!have)
			memcpy(root, hash[l], CS_HASH_LEN);
		else
			merkle_node_hash(hash[l], root, root);
		have = 1;
	}
}

void
merkle_frontier_root(const struct merkle_frontier *f, uint8_t root[CS_HASH_LEN])
{
	fold(f->size, f->hash, root);
}

int
merkle_frontier_load(struct merkle_frontier *f, uint64_t size,
    merkle_get_fn get, void *arg, char *err, size_t errlen)
{
	unsigned l;

	merkle_frontier_init(f);
	for (l = 0; l < MERKLE_MAX_LEVELS; l++) {
		if ((size >> l & 1) == 0)
			continue;
		/* The subtree of bit l ends where size, cleared below l, ends. */
		if (get(arg, l, (size >> l) - 1, f->hash[l], err, errlen) == -1)
			return (-1);
	}
	f->size = size;
	return (0);
}

int
merkle_root_at(uint64_t size, merkle_get_fn get, void *arg,
    uint8_t root[CS_HASH_LEN], char *err, size_t errlen)
{
	struct merkle_frontier f;

	if (merkle_frontier_load(&f, size, get, arg, err, errlen) == -1)
		return (-1);
	merkle_frontier_root(&f, root);
	return (0);
}

/* Largest power of two strictly less than n (n > 1). */
static uint64_t
split_point(uint64_t n)
{
	return ((uint64_t)1 << (63 - __builtin_clzll(n - 1)));
}

/*
 * MTH(D[begin:end]) where begin is a multiple of a power of two that is at
 * least end - begin: a node of the tree, complete or on the right edge.
 * Built from the complete subtrees of the set bits of end - begin, folded
 * right to left: O(log n) lookups.
 */
static int
range_hash(uint64_t begin, uint64_t end, merkle_get_fn get, void *arg,
    uint8_t out[CS_HASH_LEN], char *err, size_t errlen)
{
	uint8_t h[CS_HASH_LEN];
	uint64_t n = end - begin, start;
	unsigned l;
	int have = 0;

	for (l = 0; l < MERKLE_MAX_LEVELS; l++) {
		if ((n >> l & 1) == 0)
			continue;
		/* The bits above l are the subtrees to the left of this one. */
		start = l + 1 < 64 ? begin + (n >> (l + 1) << (l + 1)) : begin;
		if (get(arg, l, start >> l, have ? h : out, err, errlen) == -1)
			return (-1);
		if (have)
			merkle_node_hash(h, out, out);
		have = 1;
	}
	return (0);
}

int
merkle_prove_inclusion(uint64_t index, uint64_t size, merkle_get_fn get,
    void *arg, uint8_t path[][CS_HASH_LEN], size_t *n,
    char *err, size_t errlen)
{
	uint64_t begin = 0, end = size, k;
	size_t i, len = 0;
	uint8_t t[CS_HASH_LEN];

	*n = 0;
	if (index >= size) {
		cs_err(err, errlen, "inclusion proof: index %llu not in a tree "
		    "of size %llu", (unsigned long long)index,
		    (unsigned long long)size);
		return (-1);
	}
	/* Walk down from the root (RFC 9162 §2.1.3.1), collecting siblings
	 * top first; the proof lists them leaf first. */
	while (end - begin > 1) {
		if (len == MERKLE_MAX_PROOF)
			return (-1);	/* unreachable for 64-bit sizes */
		k = split_point(end - begin);
		if (index < begin + k) {
			if (range_hash(begin + k, end, get, arg, path[len],
			    err, errlen) == -1)
				return (-1);
			end = begin + k;
		} else {
			if (range_hash(begin, begin + k, get, arg, path[len],
			    err, errlen) == -1)
				return (-1);
			begin += k;
		}
		len++;
	}
	for (i = 0; i < len / 2; i++) {
		memcpy(t, path[i], CS_HASH_LEN);
		memcpy(path[i], path[len - 1 - i], CS_HASH_LEN);
		memcpy(path[len - 1 - i], t, CS_HASH_LEN);
	}
	*n = len;
	return (0);
}

int
merkle_prove_consistency(uint64_t m, uint64_t n, merkle_get_fn get,
    void *arg, uint8_t proof[][CS_HASH_LEN], size_t *k,
    char *err, size_t errlen)
{
	uint64_t begin = 0, end = n, mm = m, split;
	size_t i, len = 0;
	uint8_t t[CS_HASH_LEN];
	int whole = 1;	/* RFC 9162's b: the old tree is this whole subtree */

	*k = 0;
	if (m == 0 || m > n) {
		cs_err(err, errlen, "consistency proof: sizes %llu and %llu: "
		    "need 0 < m <= n", (unsigned long long)m,
		    (unsigned long long)n);
		return (-1);
	}
	/* SUBPROOF(m, D[n], true), unrolled (RFC 9162 §2.1.4.1). */
	for (;;) {
		if (len == MERKLE_MAX_PROOF)
			return (-1);	/* unreachable for 64-bit sizes */
		if (mm == end - begin) {
			if (!whole) {
				if (range_hash(begin, end, get, arg, proof[len],
				    err, errlen) == -1)
					return (-1);
				len++;
			}
			break;
		}
		split = split_point(end - begin);
		if (mm <= split) {
			if (range_hash(begin + split, end, get, arg,
			    proof[len], err, errlen) == -1)
				return (-1);
			end = begin + split;
		} else {
			if (range_hash(begin, begin + split, get, arg,
			    proof[len], err, errlen) == -1)
				return (-1);
			begin += split;
			mm -= split;
			whole = 0;
		}
		len++;
	}
	for (i = 0; i < len / 2; i++) {
		memcpy(t, proof[i], CS_HASH_LEN);
		memcpy(proof[i], proof[len - 1 - i], CS_HASH_LEN);
		memcpy(proof[len - 1 - i], t, CS_HASH_LEN);
	}
	*k = len;
	return (0);
}

/* Shifts fn and sn right together until fn's low bit is set or fn is 0. */
static void
shift_until_odd(uint64_t *fn, uint64_t *sn)
{
	while (*fn != 0 && (*fn & 1) == 0) {
		*fn >>= 1;
		*sn >>= 1;
	}
}

/* RFC 9162 §2.1.3.2, step by step. */
int
merkle_verify_inclusion(uint64_t index, uint64_t size,
    const uint8_t leaf[CS_HASH_LEN], const uint8_t path[][CS_HASH_LEN],
    size_t n, const uint8_t root[CS_HASH_LEN], char *err, size_t errlen)
{
	uint8_t r[CS_HASH_LEN];
	uint64_t fn, sn;
	size_t i;

	if (index >= size) {
		cs_err(err, errlen, "inclusion proof: index %llu not in a tree "
		    "of size %llu", (unsigned long long)index,
		    (unsigned long long)size);
		return (-1);
	}
	if (n > MERKLE_MAX_PROOF) {
		cs_err(err, errlen, "inclusion proof: %zu hashes, too long", n);
		return (-1);
	}
	fn = index;
	sn = size - 1;
	memcpy(r, leaf, CS_HASH_LEN);
	for (i = 0; i < n; i++) {
		if (sn == 0) {
			cs_err(err, errlen, "inclusion proof: %zu hashes, "
			    "too long for index %llu in size %llu", n,
			    (unsigned long long)index,
			    (unsigned long long)size);
			return (-1);
		}
		if ((fn & 1) || fn == sn) {
			merkle_node_hash(path[i], r, r);
			if ((fn & 1) == 0)
				shift_until_odd(&fn, &sn);
		} else {
			merkle_node_hash(r, path[i], r);
		}
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0) {
		cs_err(err, errlen, "inclusion proof: %zu hashes, too short "
		    "for index %llu in size %llu", n,
		    (unsigned long long)index, (unsigned long long)size);
		return (-1);
	}
	if (memcmp(r, root, CS_HASH_LEN) != 0) {
		cs_err(err, errlen, "inclusion proof: leaf %llu does not lead "
		    "to the root of size %llu", (unsigned long long)index,
		    (unsigned long long)size);
		return (-1);
	}
	return (0);
}

/*
 * RFC 9162 §2.1.4.2, step by step, plus the two cases it leaves out: equal
 * sizes (the proof is empty and the roots are equal) and m = 0 (the proof is
 * empty and root1 is the empty tree's).
 */
int
merkle_verify_consistency(uint64_t m, uint64_t n,
    const uint8_t root1[CS_HASH_LEN], const uint8_t root2[CS_HASH_LEN],
    const uint8_t proof[][CS_HASH_LEN], size_t k, char *err, size_t errlen)
{
	uint8_t fr[CS_HASH_LEN], sr[CS_HASH_LEN], empty[CS_HASH_LEN];
	uint64_t fn, sn;
	size_t i;

	if (m > n) {
		cs_err(err, errlen, "consistency proof: size %llu is larger "
		    "than %llu", (unsigned long long)m, (unsigned long long)n);
		return (-1);
	}
	if (k > MERKLE_MAX_PROOF) {
		cs_err(err, errlen, "consistency proof: %zu hashes, too long",
		    k);
		return (-1);
	}
	if (m == 0 || m == n) {
		if (k != 0) {
			cs_err(err, errlen, "consistency proof: from %llu to "
			    "%llu must be empty", (unsigned long long)m,
			    (unsigned long long)n);
			return (-1);
		}
		crypto_sha256("", 0, empty);
		if (memcmp(root1, m == 0 ? empty : root2, CS_HASH_LEN) != 0) {
			cs_err(err, errlen, "consistency proof: root of size "
			    "%llu mismatch", (unsigned long long)m);
			return (-1);
		}
		return (0);
	}
	/* 1. An empty proof fails. */
	if (k == 0) {
		cs_err(err, errlen, "consistency proof: empty");
		return (-1);
	}
	/* 2. If m is a power of two, root1 is the proof's implied first
	 * element; it is handled by starting from root1 below. */
	i = 0;
	if ((m & (m - 1)) == 0) {
		memcpy(fr, root1, CS_HASH_LEN);
	} else {
		memcpy(fr, proof[0], CS_HASH_LEN);
		i = 1;
	}
	/* 3, 4. */
	fn = m - 1;
	sn = n - 1;
	while (fn & 1) {
		fn >>= 1;
		sn >>= 1;
	}
	/* 5. */
	memcpy(sr, fr, CS_HASH_LEN);
	/* 6. */
	for (; i < k; i++) {
		if (sn == 0) {
			cs_err(err, errlen, "consistency proof: %zu hashes, "
			    "too long from %llu to %llu", k,
			    (unsigned long long)m, (unsigned long long)n);
			return (-1);
		}
		if ((fn & 1) || fn == sn) {
			merkle_node_hash(proof[i], fr, fr);
			merkle_node_hash(proof[i], sr, sr);
			if ((fn & 1) == 0)
				shift_until_odd(&fn, &sn);
		} else {
			merkle_node_hash(sr, proof[i], sr);
		}
		fn >>= 1;
		sn >>= 1;
	}
	/* 7. */
	if (sn != 0) {
		cs_err(err, errlen, "consistency proof: %zu hashes, too short "
		    "from %llu to %llu", k, (unsigned long long)m,
		    (unsigned long long)n);
		return (-1);
	}
	if (memcmp(fr, root1, CS_HASH_LEN) != 0) {
		cs_err(err, errlen, "consistency proof: does not lead to the "
		    "root of size %llu", (unsigned long long)m);
		return (-1);
	}
	if (memcmp(sr, root2, CS_HASH_LEN) != 0) {
		cs_err(err, errlen, "consistency proof: does not lead to the "
		    "root of size %llu", (unsigned long long)n);
		return (-1);
	}
	return (0);
}
