/*
 * fuzz_proof.c — libFuzzer: a case proof file as `courtsync audit --proof`
 * verifies it (FORMAT.md §10), against the registry of the seed corpus's
 * deployment (tests/data/proofs/registry.tsv, or $FUZZ_REGISTRY), so that a
 * mutated proof of a real case gets past the key lookups.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "courtsync/err.h"
#include "policy.h"
#include "proof.h"
#include "registry.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct registry reg;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *file = getenv("FUZZ_REGISTRY");
	char err[CS_ERR_MAX];

	(void)argc; (void)argv;
	if (file == NULL)
		file = "tests/data/proofs/registry.tsv";
	if (registry_load(&reg, file, NULL, NULL, err, sizeof(err)) == -1) {
		fprintf(stderr, "fuzz_proof: %s\n", err);
		exit(2);
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proof_report r;
	struct policy pol;
	char err[CS_ERR_MAX];

	policy_init(&pol, 1900000000);
	if (policy_parse(&pol, "parent", err, sizeof(err)) == -1)
		abort();
	(void)proof_verify((const char *)data, size, &reg, &pol, &r, err,
	    sizeof(err));
	return 0;
}
