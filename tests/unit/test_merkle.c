/* test_merkle.c — RFC 9162 tree hashes, frontier and proofs, against the
 * CT test vectors of github.com/transparency-dev/merkle and a recursive
 * reference written from the RFC's definitions. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "courtsync/merkle.h"
#include "harness.h"

#define MAXLEAVES	1024
#define LEVELS		11		/* 2^10 = MAXLEAVES */

/* testonly.LeafInputs() */
static const struct {
	const char	*hex;
	size_t		 len;
} ct_leaves[8] = {
	{ "", 0 }, { "00", 1 }, { "10", 1 }, { "2021", 2 }, { "3031", 2 },
	{ "40414243", 4 }, { "5051525354555657", 8 },
	{ "606162636465666768696a6b6c6d6e6f", 16 },
};

/* testonly.RootHashes(): sizes 0..8. */
static const char *const ct_roots[9] = {
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

/* testonly.NodeHashes(): every complete subtree of the 8 leaves. */
static const char *const ct_nodes[4][8] = {
	{ "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
	  "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
	  "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
	  "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
	  "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
	  "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
	  "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
	  "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1" },
	{ "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
	  "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
	  "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
	  "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0" },
	{ "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
	  "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4" },
	{ "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328" },
};

/* A tree of stored complete subtrees, as a log's database would hold. */
struct store {
	uint64_t	size;			/* leaves appended */
	uint64_t	limit;			/* get refuses nodes past this */
	uint8_t		leaf[MAXLEAVES][CS_HASH_LEN];
	uint8_t		node[LEVELS][MAXLEAVES][CS_HASH_LEN];
	unsigned	gets;
};

static struct store st;

static int
store_get(void *arg, unsigned level, uint64_t index, uint8_t out[CS_HASH_LEN],
    char *err, size_t errlen)
{
	struct store *s = arg;

	s->gets++;
	if (level >= LEVELS || (index + 1) << level > s->limit) {
		snprintf(err, errlen, "missing node (%u, %llu)", level,
		    (unsigned long long)index);
		return (-1);
	}
	memcpy(out, s->node[level][index], CS_HASH_LEN);
	return (0);
}

/* Fills st with n leaves: the 8 CT leaves, then SHA-256 chains. */
static void
store_fill(uint64_t n)
{
	struct merkle_frontier f;
	struct merkle_node done[MERKLE_MAX_LEVELS];
	uint8_t entry[16];
	uint64_t i;
	int k, j;

	memset(&st, 0, sizeof(st));
	merkle_frontier_init(&f);
	for (i = 0; i < n; i++) {
		if (i < 8) {
			harness_hex(ct_leaves[i].hex, entry, ct_leaves[i].len);
			merkle_leaf_hash(entry, ct_leaves[i].len, st.leaf[i]);
		} else {
			memcpy(entry, &i, sizeof(i));
			merkle_leaf_hash(entry, sizeof(i), st.leaf[i]);
		}
		memcpy(st.node[0][i], st.leaf[i], CS_HASH_LEN);
		k = merkle_frontier_append(&f, st.leaf[i], done);
		for (j = 0; j < k; j++)
			memcpy(st.node[done[j].level][done[j].index],
			    done[j].hash, CS_HASH_LEN);
	}
	st.size = st.limit = n;
}

/* The RFC 9162 §2.1.1 definitions, recursively, over st.leaf. */
static uint64_t
ref_split(uint64_t n)
{
	uint64_t k = 1;

	while (k << 1 < n)
		k <<= 1;
	return (k);
}

static void
ref_mth(uint64_t begin, uint64_t end, uint8_t out[CS_HASH_LEN])
{
	uint8_t l[CS_HASH_LEN], r[CS_HASH_LEN];
	uint64_t k;

	if (end == begin) {
		crypto_sha256("", 0, out);
		return;
	}
	if (end - begin == 1) {
		memcpy(out, st.leaf[begin], CS_HASH_LEN);
		return;
	}
	k = ref_split(end - begin);
	ref_mth(begin, begin + k, l);
	ref_mth(begin + k, end, r);
	merkle_node_hash(l, r, out);
}

static void
ref_path(uint64_t m, uint64_t begin, uint64_t end, uint8_t p[][CS_HASH_LEN],
    size_t *n)
{
	uint64_t k;

	if (end - begin <= 1)
		return;
	k = ref_split(end - begin);
	if (m < k) {
		ref_path(m, begin, begin + k, p, n);
		ref_mth(begin + k, end, p[(*n)++]);
	} else {
		ref_path(m - k, begin + k, end, p, n);
		ref_mth(begin, begin + k, p[(*n)++]);
	}
}

static void
ref_subproof(uint64_t m, uint64_t begin, uint64_t end, int b,
    uint8_t p[][CS_HASH_LEN], size_t *n)
{
	uint64_t k;

	if (m == end - begin) {
		if (!b)
			ref_mth(begin, end, p[(*n)++]);
		return;
	}
	k = ref_split(end - begin);
	if (m <= k) {
		ref_subproof(m, begin, begin + k, b, p, n);
		ref_mth(begin + k, end, p[(*n)++]);
	} else {
		ref_subproof(m - k, begin + k, end, 0, p, n);
		ref_mth(begin, begin + k, p[(*n)++]);
	}
}

/*
 * The shape of a proof: for each hash, whether it is a left ('L') or right
 * ('R') sibling, or the old tree's own subtree ('S').  A proof verifies for
 * any (index, size) or (m, n) with the same shape — the verifier's work
 * depends on nothing else — so a size is bound by the signed checkpoint that
 * carries it, not by the proof.  The tests below check exactly that.
 */
static void
shape_path(uint64_t m, uint64_t size, char *out)
{
	uint64_t k;

	if (size <= 1) {
		*out = '\0';
		return;
	}
	k = ref_split(size);
	if (m < k)
		shape_path(m, k, out);
	else
		shape_path(m - k, size - k, out);
	strcat(out, m < k ? "R" : "L");
}

static void
shape_subproof(uint64_t m, uint64_t n, int b, char *out)
{
	uint64_t k;

	if (m == n) {
		strcpy(out, b ? "" : "S");
		return;
	}
	k = ref_split(n);
	if (m <= k)
		shape_subproof(m, k, b, out);
	else
		shape_subproof(m - k, n - k, 0, out);
	strcat(out, m <= k ? "R" : "L");
}

static int
same_path_shape(uint64_t i1, uint64_t s1, uint64_t i2, uint64_t s2)
{
	char a[MERKLE_MAX_PROOF + 1], b[MERKLE_MAX_PROOF + 1];

	if (i2 >= s2)
		return (0);
	shape_path(i1, s1, a);
	shape_path(i2, s2, b);
	return (strcmp(a, b) == 0);
}

static int
same_cons_shape(uint64_t m1, uint64_t n1, uint64_t m2, uint64_t n2)
{
	char a[MERKLE_MAX_PROOF + 1], b[MERKLE_MAX_PROOF + 1];

	if (m2 == 0 || m2 >= n2)
		return (0);
	shape_subproof(m1, n1, 1, a);
	shape_subproof(m2, n2, 1, b);
	return (strcmp(a, b) == 0);
}

static void
test_ct_hashes(void)
{
	uint8_t entry[16], h[CS_HASH_LEN], w[CS_HASH_LEN];
	unsigned l, i;

	for (i = 0; i < 8; i++) {
		harness_hex(ct_leaves[i].hex, entry, ct_leaves[i].len);
		merkle_leaf_hash(entry, ct_leaves[i].len, h);
		harness_hex(ct_nodes[0][i], w, sizeof(w));
		CHECK_MEM(h, w, CS_HASH_LEN);
	}
	store_fill(8);
	for (l = 1; l < 4; l++) {
		for (i = 0; i < 8u >> l; i++) {
			harness_hex(ct_nodes[l][i], w, sizeof(w));
			CHECK_MEM(st.node[l][i], w, CS_HASH_LEN);
		}
	}
}

static void
test_ct_roots(void)
{
	struct merkle_frontier f;
	struct merkle_node done[MERKLE_MAX_LEVELS];
	uint8_t root[CS_HASH_LEN], w[CS_HASH_LEN];
	char err[128];
	uint64_t n;

	store_fill(8);
	merkle_frontier_init(&f);
	for (n = 0; n <= 8; n++) {
		harness_hex(ct_roots[n], w, sizeof(w));
		merkle_frontier_root(&f, root);
		CHECK_MEM(root, w, CS_HASH_LEN);
		CHECK_EQ_INT(merkle_root_at(n, store_get, &st, root, err,
		    sizeof(err)), 0);
		CHECK_MEM(root, w, CS_HASH_LEN);
		ref_mth(0, n, root);
		CHECK_MEM(root, w, CS_HASH_LEN);
		if (n < 8)
			merkle_frontier_append(&f, st.leaf[n], done);
	}
}

static void
load_proof(const char *const *hex, size_t n, uint8_t p[][CS_HASH_LEN])
{
	size_t i;

	for (i = 0; i < n; i++)
		harness_hex(hex[i], p[i], CS_HASH_LEN);
}

/* proof/verify_test.go: inclusionProofs (leaf numbers there are 1-based). */
static void
test_ct_inclusion(void)
{
	static const struct {
		uint64_t	 index, size;
		size_t		 n;
		const char	*hex[3];
	} v[] = {
		{ 0, 1, 0, { NULL } },
		{ 0, 8, 3, {
		  "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
		  "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
		  "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4" } },
		{ 5, 8, 3, {
		  "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
		  "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
		  "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7" } },
		{ 2, 3, 1, {
		  "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125" } },
		{ 1, 5, 3, {
		  "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
		  "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
		  "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b" } },
	};
	uint8_t want[3][CS_HASH_LEN], got[MERKLE_MAX_PROOF][CS_HASH_LEN];
	uint8_t root[CS_HASH_LEN];
	char err[128];
	size_t i, n;

	store_fill(8);
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		load_proof(v[i].hex, v[i].n, want);
		st.limit = v[i].size;
		CHECK_EQ_INT(merkle_prove_inclusion(v[i].index, v[i].size,
		    store_get, &st, got, &n, err, sizeof(err)), 0);
		CHECK_EQ_INT(n, v[i].n);
		CHECK_MEM(got, want, v[i].n * CS_HASH_LEN);
		harness_hex(ct_roots[v[i].size], root, sizeof(root));
		CHECK_EQ_INT(merkle_verify_inclusion(v[i].index, v[i].size,
		    st.leaf[v[i].index], (const uint8_t (*)[CS_HASH_LEN])want,
		    v[i].n, root, err, sizeof(err)), 0);
	}
}

/* proof/verify_test.go: consistencyProofs. */
static void
test_ct_consistency(void)
{
	static const struct {
		uint64_t	 m, n;
		size_t		 k;
		const char	*hex[3];
	} v[] = {
		{ 1, 1, 0, { NULL } },
		{ 1, 8, 3, {
		  "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
		  "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
		  "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4" } },
		{ 6, 8, 3, {
		  "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
		  "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
		  "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7" } },
		{ 2, 5, 2, {
		  "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
		  "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b" } },
		{ 6, 7, 3, {
		  "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
		  "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
		  "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7" } },
	};
	uint8_t want[3][CS_HASH_LEN], got[MERKLE_MAX_PROOF][CS_HASH_LEN];
	uint8_t r1[CS_HASH_LEN], r2[CS_HASH_LEN];
	char err[128];
	size_t i, k;

	store_fill(8);
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		load_proof(v[i].hex, v[i].k, want);
		st.limit = v[i].n;
		CHECK_EQ_INT(merkle_prove_consistency(v[i].m, v[i].n,
		    store_get, &st, got, &k, err, sizeof(err)), 0);
		CHECK_EQ_INT(k, v[i].k);
		CHECK_MEM(got, want, v[i].k * CS_HASH_LEN);
		harness_hex(ct_roots[v[i].m], r1, sizeof(r1));
		harness_hex(ct_roots[v[i].n], r2, sizeof(r2));
		CHECK_EQ_INT(merkle_verify_consistency(v[i].m, v[i].n, r1, r2,
		    (const uint8_t (*)[CS_HASH_LEN])want, v[i].k, err,
		    sizeof(err)), 0);
	}
}

static int
incl_ok(uint64_t index, uint64_t size, const uint8_t leaf[CS_HASH_LEN],
    uint8_t p[][CS_HASH_LEN], size_t n, const uint8_t root[CS_HASH_LEN])
{
	char err[256];

	return (merkle_verify_inclusion(index, size, leaf,
	    (const uint8_t (*)[CS_HASH_LEN])p, n, root, err, sizeof(err)) == 0);
}

/* Every inclusion proof up to size 64: equal to the RFC's PATH, verifies,
 * and no tampering verifies. */
static void
test_inclusion_all(void)
{
	uint8_t p[MERKLE_MAX_PROOF + 2][CS_HASH_LEN], ref[MERKLE_MAX_PROOF][CS_HASH_LEN];
	uint8_t root[CS_HASH_LEN], other[CS_HASH_LEN];
	char err[128];
	uint64_t size, index;
	size_t n, rn, j;

	store_fill(64);
	for (size = 1; size <= 64; size++) {
		ref_mth(0, size, root);
		st.limit = size;
		for (index = 0; index < size; index++) {
			const uint8_t *leaf = st.leaf[index];

			CHECK_EQ_INT(merkle_prove_inclusion(index, size,
			    store_get, &st, p, &n, err, sizeof(err)), 0);
			rn = 0;
			ref_path(index, 0, size, ref, &rn);
			CHECK_EQ_INT(n, rn);
			CHECK(n == 0 || memcmp(p, ref, n * CS_HASH_LEN) == 0);
			CHECK(incl_ok(index, size, leaf, p, n, root));

			/* Wrong index or size: verifies iff same shape. */
			CHECK(index == 0 || !incl_ok(index - 1, size, leaf, p,
			    n, root));
			CHECK(!incl_ok(index + 1, size, leaf, p, n, root));
			CHECK(!incl_ok(index ^ 2, size, leaf, p, n, root));
			CHECK(!incl_ok(index, size * 2, leaf, p, n, root));
			CHECK_EQ_INT(incl_ok(index, size + 1, leaf, p, n, root),
			    same_path_shape(index, size, index, size + 1));
			CHECK_EQ_INT(incl_ok(index, size - 1, leaf, p, n, root),
			    same_path_shape(index, size, index, size - 1));
			CHECK_EQ_INT(incl_ok(index, size / 2, leaf, p, n, root),
			    same_path_shape(index, size, index, size / 2));
			/* Wrong leaf or root. */
			CHECK(!incl_ok(index, size, st.leaf[(index + 1) % 64],
			    p, n, root));
			memcpy(other, root, CS_HASH_LEN);
			other[31] ^= 1;
			CHECK(!incl_ok(index, size, leaf, p, n, other));
			/* Each hash flipped; one removed; one added. */
			for (j = 0; j < n; j++) {
				p[j][0] ^= 8;
				CHECK(!incl_ok(index, size, leaf, p, n, root));
				p[j][0] ^= 8;
			}
			if (n > 0)
				CHECK(!incl_ok(index, size, leaf, p, n - 1,
				    root));
			memcpy(p[n], root, CS_HASH_LEN);
			CHECK(!incl_ok(index, size, leaf, p, n + 1, root));
			memmove(p[1], p[0], n * CS_HASH_LEN);
			memcpy(p[0], root, CS_HASH_LEN);
			CHECK(!incl_ok(index, size, leaf, p, n + 1, root));
		}
	}
}

static int
cons_ok(uint64_t m, uint64_t n, const uint8_t r1[CS_HASH_LEN],
    const uint8_t r2[CS_HASH_LEN], uint8_t p[][CS_HASH_LEN], size_t k)
{
	char err[256];

	return (merkle_verify_consistency(m, n, r1, r2,
	    (const uint8_t (*)[CS_HASH_LEN])p, k, err, sizeof(err)) == 0);
}

static void
test_consistency_all(void)
{
	uint8_t p[MERKLE_MAX_PROOF + 2][CS_HASH_LEN], ref[MERKLE_MAX_PROOF][CS_HASH_LEN];
	uint8_t r1[CS_HASH_LEN], r2[CS_HASH_LEN], bad[CS_HASH_LEN];
	char err[128];
	uint64_t m, n;
	size_t k, rk, j;

	store_fill(64);
	for (n = 1; n <= 64; n++) {
		ref_mth(0, n, r2);
		st.limit = n;
		for (m = 1; m <= n; m++) {
			ref_mth(0, m, r1);
			CHECK_EQ_INT(merkle_prove_consistency(m, n, store_get,
			    &st, p, &k, err, sizeof(err)), 0);
			rk = 0;
			ref_subproof(m, 0, n, 1, ref, &rk);
			CHECK_EQ_INT(k, rk);
			CHECK(k == 0 || memcmp(p, ref, k * CS_HASH_LEN) == 0);
			CHECK(cons_ok(m, n, r1, r2, p, k));
			if (m == n) {
				CHECK_EQ_INT(k, 0);
				memcpy(bad, r1, CS_HASH_LEN);
				bad[0] ^= 1;
				CHECK(!cons_ok(m, n, r1, bad, p, 0));
				CHECK(!cons_ok(m, n, r1, r2, &r1, 1));
				continue;
			}
			/* Wrong sizes, roots; tampered, short, long proofs. */
			CHECK(!cons_ok(m - 1, n, r1, r2, p, k));
			CHECK(!cons_ok(m + 1, n, r1, r2, p, k));
			CHECK((m ^ 2) == n || !cons_ok(m ^ 2, n, r1, r2, p, k));
			CHECK(!cons_ok(m, n * 2, r1, r2, p, k));
			CHECK_EQ_INT(cons_ok(m, n + 1, r1, r2, p, k),
			    same_cons_shape(m, n, m, n + 1));
			CHECK_EQ_INT(cons_ok(m, n - 1, r1, r2, p, k),
			    same_cons_shape(m, n, m, n - 1));
			CHECK(!cons_ok(m, n, r2, r1, p, k));
			memcpy(bad, r1, CS_HASH_LEN);
			bad[0] ^= 1;
			CHECK(!cons_ok(m, n, bad, r2, p, k));
			memcpy(bad, r2, CS_HASH_LEN);
			bad[0] ^= 1;
			CHECK(!cons_ok(m, n, r1, bad, p, k));
			CHECK(!cons_ok(m, n, r1, r2, p, 0));
			for (j = 0; j < k; j++) {
				p[j][0] ^= 16;
				CHECK(!cons_ok(m, n, r1, r2, p, k));
				p[j][0] ^= 16;
			}
			CHECK(!cons_ok(m, n, r1, r2, p, k - 1));
			memcpy(p[k], r2, CS_HASH_LEN);
			CHECK(!cons_ok(m, n, r1, r2, p, k + 1));
			memmove(p[1], p[0], k * CS_HASH_LEN);
			memcpy(p[0], r1, CS_HASH_LEN);
			CHECK(!cons_ok(m, n, r1, r2, p, k + 1));
		}
	}
}

/* Appending one leaf at a time: the root equals the recomputed one for
 * every size, the reported subtrees are exactly the completed ones, and
 * loading the frontier from stored subtrees gives the same frontier. */
static void
test_frontier_1000(void)
{
	struct merkle_frontier f, g;
	struct merkle_node done[MERKLE_MAX_LEVELS];
	uint8_t root[CS_HASH_LEN], ref[CS_HASH_LEN];
	char err[128];
	uint64_t n;
	unsigned l;
	int k, j;

	store_fill(1000);
	merkle_frontier_init(&f);
	for (n = 0; n <= 1000; n++) {
		CHECK_EQ_INT(f.size, n);
		merkle_frontier_root(&f, root);
		ref_mth(0, n, ref);
		CHECK_MEM(root, ref, CS_HASH_LEN);

		st.limit = n;
		st.gets = 0;
		CHECK_EQ_INT(merkle_frontier_load(&g, n, store_get, &st, err,
		    sizeof(err)), 0);
		CHECK_EQ_INT(st.gets, __builtin_popcountll(n));
		CHECK_EQ_INT(g.size, n);
		for (l = 0; l < MERKLE_MAX_LEVELS; l++)
			if (n >> l & 1)
				CHECK_MEM(g.hash[l], f.hash[l], CS_HASH_LEN);
		CHECK_EQ_INT(merkle_root_at(n, store_get, &st, root, err,
		    sizeof(err)), 0);
		CHECK_MEM(root, ref, CS_HASH_LEN);
		if (n == 1000)
			break;

		/* n + 1 leaves complete one subtree per trailing one bit. */
		k = merkle_frontier_append(&f, st.leaf[n], done);
		CHECK_EQ_INT(k, __builtin_ctzll(~n));
		for (j = 0; j < k; j++) {
			CHECK_EQ_INT(done[j].level, j + 1);
			CHECK_EQ_INT((done[j].index + 1) << done[j].level,
			    n + 1);
			ref_mth(done[j].index << done[j].level,
			    (done[j].index + 1) << done[j].level, ref);
			CHECK_MEM(done[j].hash, ref, CS_HASH_LEN);
		}
	}
}

static void
test_errors(void)
{
	struct merkle_frontier f;
	struct merkle_node done[MERKLE_MAX_LEVELS];
	uint8_t p[MERKLE_MAX_PROOF + 1][CS_HASH_LEN], root[CS_HASH_LEN];
	uint8_t empty[CS_HASH_LEN];
	char err[128];
	size_t n;

	store_fill(8);
	memset(p, 0, sizeof(p));

	/* A store that lacks a subtree: the lookup's error comes through. */
	st.limit = 8;
	CHECK_EQ_INT(merkle_root_at(9, store_get, &st, root, err,
	    sizeof(err)), -1);
	CHECK_ERR(err, "missing node (0, 8)");
	CHECK_EQ_INT(merkle_prove_inclusion(3, 12, store_get, &st, p, &n,
	    err, sizeof(err)), -1);
	CHECK_ERR(err, "missing node (2, 2)");
	CHECK_EQ_INT(merkle_prove_inclusion(8, 8, store_get, &st, p, &n,
	    err, sizeof(err)), -1);
	CHECK_ERR(err, "inclusion proof: index 8 not in a tree of size 8");
	CHECK_EQ_INT(merkle_prove_consistency(0, 8, store_get, &st, p, &n,
	    err, sizeof(err)), -1);
	CHECK_ERR(err, "need 0 < m <= n");
	CHECK_EQ_INT(merkle_prove_consistency(5, 4, store_get, &st, p, &n,
	    err, sizeof(err)), -1);
	CHECK_ERR(err, "need 0 < m <= n");

	/* Verification messages. */
	harness_hex(ct_roots[8], root, sizeof(root));
	CHECK_EQ_INT(merkle_verify_inclusion(8, 8, st.leaf[0],
	    (const uint8_t (*)[CS_HASH_LEN])p, 3, root, err, sizeof(err)), -1);
	CHECK_ERR(err, "index 8 not in a tree of size 8");
	CHECK_EQ_INT(merkle_verify_inclusion(0, 8, st.leaf[0],
	    (const uint8_t (*)[CS_HASH_LEN])p, 4, root, err, sizeof(err)), -1);
	CHECK_ERR(err, "inclusion proof: 4 hashes, too long");
	CHECK_EQ_INT(merkle_verify_inclusion(0, 8, st.leaf[0],
	    (const uint8_t (*)[CS_HASH_LEN])p, 2, root, err, sizeof(err)), -1);
	CHECK_ERR(err, "inclusion proof: 2 hashes, too short");
	CHECK_EQ_INT(merkle_verify_inclusion(0, 8, st.leaf[0],
	    (const uint8_t (*)[CS_HASH_LEN])p, 3, root, err, sizeof(err)), -1);
	CHECK_ERR(err, "inclusion proof: leaf 0 does not lead to the root");
	CHECK_EQ_INT(merkle_verify_inclusion(0, 8, st.leaf[0],
	    (const uint8_t (*)[CS_HASH_LEN])p, MERKLE_MAX_PROOF + 1, root, err,
	    sizeof(err)), -1);
	CHECK_ERR(err, "too long");
	CHECK_EQ_INT(merkle_verify_consistency(5, 4, root, root,
	    (const uint8_t (*)[CS_HASH_LEN])p, 0, err, sizeof(err)), -1);
	CHECK_ERR(err, "consistency proof: size 5 is larger than 4");
	CHECK_EQ_INT(merkle_verify_consistency(3, 8, root, root,
	    (const uint8_t (*)[CS_HASH_LEN])p, 0, err, sizeof(err)), -1);
	CHECK_ERR(err, "consistency proof: empty");

	/* Size 0 is a prefix of everything; only with the empty root. */
	crypto_sha256("", 0, empty);
	CHECK_EQ_INT(merkle_verify_consistency(0, 8, empty, root,
	    (const uint8_t (*)[CS_HASH_LEN])p, 0, err, sizeof(err)), 0);
	CHECK_EQ_INT(merkle_verify_consistency(0, 8, root, root,
	    (const uint8_t (*)[CS_HASH_LEN])p, 0, err, sizeof(err)), -1);
	CHECK_EQ_INT(merkle_verify_consistency(0, 8, empty, root,
	    (const uint8_t (*)[CS_HASH_LEN])p, 1, err, sizeof(err)), -1);
	CHECK_ERR(err, "must be empty");

	/* A full frontier refuses another leaf. */
	merkle_frontier_init(&f);
	f.size = UINT64_MAX;
	CHECK_EQ_INT(merkle_frontier_append(&f, root, done), -1);
}

/* A frontier at 2^63 - 1 leaves carries through 63 levels. */
static void
test_frontier_deep(void)
{
	struct merkle_frontier f;
	struct merkle_node done[MERKLE_MAX_LEVELS];
	uint8_t root[CS_HASH_LEN], h[CS_HASH_LEN];
	unsigned l;

	merkle_frontier_init(&f);
	f.size = UINT64_MAX >> 1;
	memset(h, 0x5a, sizeof(h));
	for (l = 0; l < 63; l++)
		memcpy(f.hash[l], h, CS_HASH_LEN);
	CHECK_EQ_INT(merkle_frontier_append(&f, h, done), 63);
	CHECK_EQ_INT(f.size, (uint64_t)1 << 63);
	CHECK_EQ_INT(done[62].level, 63);
	CHECK_EQ_INT(done[62].index, 0);
	merkle_frontier_root(&f, root);
	CHECK_MEM(root, done[62].hash, CS_HASH_LEN);
}

const struct test tests[] = {
	{ "ct_hashes", test_ct_hashes },
	{ "ct_roots", test_ct_roots },
	{ "ct_inclusion", test_ct_inclusion },
	{ "ct_consistency", test_ct_consistency },
	{ "inclusion_all_to_64", test_inclusion_all },
	{ "consistency_all_to_64", test_consistency_all },
	{ "frontier_1000", test_frontier_1000 },
	{ "errors", test_errors },
	{ "frontier_deep", test_frontier_deep },
	{ NULL, NULL },
};
