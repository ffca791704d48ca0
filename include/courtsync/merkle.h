/*
 * merkle.h — RFC 9162 §2.1 Merkle tree hashing, the append frontier, and
 * inclusion and consistency proofs (generation and verification).
 *
 *   leaf hash  = SHA-256(0x00 ‖ entry bytes)
 *   node hash  = SHA-256(0x01 ‖ left ‖ right)
 *   empty tree = SHA-256("")
 *
 * Nodes are named (level, index): level 0 is the leaves, the node (l, i)
 * covers leaves [i·2^l, (i+1)·2^l).  Only complete subtrees are ever named
 * or stored; a tree of any size is built from them.
 */
#ifndef COURTSYNC_MERKLE_H
#define COURTSYNC_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#include "courtsync/crypto.h"

#define MERKLE_MAX_LEVELS	64
#define MERKLE_MAX_PROOF	128	/* hashes in any proof for size < 2^64 */

void	merkle_leaf_hash(const void *entry, size_t n, uint8_t out[CS_HASH_LEN]);
void	merkle_node_hash(const uint8_t left[CS_HASH_LEN],
	    const uint8_t right[CS_HASH_LEN], uint8_t out[CS_HASH_LEN]);

/* A complete subtree, named by level and index. */
struct merkle_node {
	unsigned	level;
	uint64_t	index;
	uint8_t		hash[CS_HASH_LEN];
};

/*
 * The right edge of a tree of `size` leaves: for every bit l set in size,
 * hash[l] is the complete subtree of 2^l leaves at that position.  Appending
 * is binary increment with carries: O(log n) hashes worst case, O(1)
 * amortised; it never looks at earlier leaves.
 */
struct merkle_frontier {
	uint64_t	size;
	uint8_t		hash[MERKLE_MAX_LEVELS][CS_HASH_LEN];
};

void	merkle_frontier_init(struct merkle_frontier *f);
/* Appends a leaf hash.  Writes to done[] every complete subtree of level
 * >= 1 that the append completed (at most MERKLE_MAX_LEVELS), lowest level
 * first, and returns how many.  The leaf itself (level 0) is not reported. */
int	merkle_frontier_append(struct merkle_frontier *f,
	    const uint8_t leaf[CS_HASH_LEN], struct merkle_node *done);
/* Root hash of the tree the frontier describes. */
void	merkle_frontier_root(const struct merkle_frontier *f,
	    uint8_t root[CS_HASH_LEN]);

/* Looks up the stored hash of the complete subtree (level, index).
 * Returns 0, or -1 (with err filled) if it is missing. */
typedef int (*merkle_get_fn)(void *arg, unsigned level, uint64_t index,
    uint8_t out[CS_HASH_LEN], char *err, size_t errlen);

/* Builds the frontier of a tree of `size` leaves from stored subtrees:
 * O(log n) lookups. */
int	merkle_frontier_load(struct merkle_frontier *f, uint64_t size,
	    merkle_get_fn get, void *arg, char *err, size_t errlen);

/* Root of the tree of the first `size` leaves: O(log n) lookups. */
int	merkle_root_at(uint64_t size, merkle_get_fn get, void *arg,
	    uint8_t root[CS_HASH_LEN], char *err, size_t errlen);

/* RFC 9162 §2.1.3.1: inclusion proof of leaf `index` in the tree of `size`
 * leaves.  Writes up to MERKLE_MAX_PROOF hashes to path, their count to *n. */
int	merkle_prove_inclusion(uint64_t index, uint64_t size, merkle_get_fn get,
	    void *arg, uint8_t path[][CS_HASH_LEN], size_t *n,
	    char *err, size_t errlen);
/* RFC 9162 §2.1.4.1: consistency proof from size m to size n (0 < m <= n). */
int	merkle_prove_consistency(uint64_t m, uint64_t n, merkle_get_fn get,
	    void *arg, uint8_t proof[][CS_HASH_LEN], size_t *k,
	    char *err, size_t errlen);

/* RFC 9162 §2.1.3.2.  Returns 0 if the proof shows `leaf` at `index` in the
 * tree of `size` with root `root`, else -1 with the reason in err. */
int	merkle_verify_inclusion(uint64_t index, uint64_t size,
	    const uint8_t leaf[CS_HASH_LEN], const uint8_t path[][CS_HASH_LEN],
	    size_t n, const uint8_t root[CS_HASH_LEN], char *err, size_t errlen);
/* RFC 9162 §2.1.4.2.  Returns 0 if the proof shows the tree of size m with
 * root1 is a prefix of the tree of size n with root2. */
int	merkle_verify_consistency(uint64_t m, uint64_t n,
	    const uint8_t root1[CS_HASH_LEN], const uint8_t root2[CS_HASH_LEN],
	    const uint8_t proof[][CS_HASH_LEN], size_t k, char *err, size_t errlen);

#endif
