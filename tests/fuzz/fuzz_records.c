/*
 * fuzz_records.c — libFuzzer: an import file (`courtsync import`), read
 * both as CSV and as JSON Lines, every record to the end or the first
 * error (records.h).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "courtsync/err.h"
#include "records.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum records_format formats[] = { RECORDS_CSV,
	    RECORDS_JSONL };
	char err[CS_ERR_MAX];

	if (size == 0)
		return 0;
	for (size_t f = 0; f < 2; f++) {
		struct records_reader r;
		struct records_record rec;
		FILE *fp = fmemopen((void *)(uintptr_t)data, size, "r");

		if (fp == NULL)
			return 0;
		if (records_open_stream(&r, fp, formats[f], err,
		    sizeof(err)) == -1)
			continue;
		while (records_next(&r, &rec, err, sizeof(err)) == 1)
			(void)records_get(&rec, "case");
		records_close(&r);
	}
	return 0;
}
