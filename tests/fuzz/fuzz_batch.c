/*
 * fuzz_batch.c — libFuzzer: a push body as a hub decodes it before it
 * touches the database (PROTOCOL.md §3): msgpack (refusing claims beyond
 * the bytes), the batch map, every entry's envelope and event body, and
 * the checkpoint note's lines and body.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "courtsync/codec.h"
#include "courtsync/entry.h"
#include "courtsync/note.h"
#include "event.h"
#include "hub_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct codec_doc d = { 0 };
	struct codec_value root, v;
	struct batch b;
	struct note_sig sigs[NOTE_SIGS_MAX];
	struct checkpoint ck;
	struct event *ev;
	char err[CS_ERR_MAX];
	size_t bodylen, nsigs;

	if (codec_decode(&d, data, size, &root, err, sizeof(err)) == -1 ||
	    hub_decode_batch(&root, &b, err, sizeof(err)) == -1) {
		codec_doc_free(&d);
		return 0;
	}
	if ((ev = calloc(2, sizeof(*ev))) == NULL)
		abort();
	for (size_t i = 0; i < b.entries.n; i++) {
		struct entry e;

		codec_array_at(&b.entries, i, &v);
		if (entry_decode(v.p, v.n, &e, err, sizeof(err)) == -1)
			continue;
		ev->replacement = &ev[1];
		(void)event_decode_body(e.type, e.body, e.bodylen, ev, err,
		    sizeof(err));
	}
	free(ev);
	if (note_split(b.note, b.notelen, &bodylen, sigs, &nsigs, err,
	    sizeof(err)) == 0)
		(void)checkpoint_parse(b.note, bodylen, &ck, err, sizeof(err));
	codec_doc_free(&d);
	return 0;
}
