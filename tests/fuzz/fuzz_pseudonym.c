/*
 * fuzz_pseudonym.c: a pseudonym as typed (protocol/pseudonym.c) from
 * arbitrary text.  Whatever the input, the reader says why when it
 * refuses, and what it takes is a pseudonym whose shown form reads back
 * as the same 16 bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/pseudonym.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t p[PSEUDONYM_BYTES], q[PSEUDONYM_BYTES];
	char *text, shown[PSEUDONYM_TEXT_LEN + 1], why[200];

	if ((text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	why[0] = '\0';
	if (pseudonym_parse(text, p, why, sizeof(why)) == 0) {
		pseudonym_format(p, shown);
		if (pseudonym_parse(shown, q, why, sizeof(why)) != 0 ||
		    memcmp(p, q, sizeof(p)) != 0)
			abort();
	} else if (why[0] == '\0')
		abort();
	free(text);
	return 0;
}
