/*
 * fuzz_note.c — libFuzzer: signed notes and checkpoints as every verifier
 * reads them (C2SP signed-note, tlog-checkpoint; FORMAT.md §5): the note's
 * body and signature lines, the checkpoint body, and a verifier key line.
 */
#include <stddef.h>
#include <stdint.h>

#include "courtsync/err.h"
#include "courtsync/note.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct note_sig sigs[NOTE_SIGS_MAX];
	struct note_verifier v;
	struct checkpoint ck;
	char err[CS_ERR_MAX], text[NOTE_MAX + 1];
	size_t bodylen, nsigs;
	const char *p = (const char *)data;

	if (note_split(p, size, &bodylen, sigs, &nsigs, err, sizeof(err)) == 0)
		(void)checkpoint_parse(p, bodylen, &ck, err, sizeof(err));
	(void)checkpoint_parse(p, size, &ck, err, sizeof(err));
	if (size <= NOTE_MAX) {		/* the key parser wants a C string */
		for (size_t i = 0; i < size; i++)
			text[i] = p[i] != '\0' ? p[i] : ' ';
		text[size] = '\0';
		(void)note_vkey_parse(text, &v, err, sizeof(err));
	}
	return 0;
}
