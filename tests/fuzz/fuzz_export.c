/*
 * fuzz_export.c: the export file reader (protocol/export.c) on arbitrary
 * bytes.  Whatever the input, the reader ends with a whole file or
 * I40_E_EXPORT, every record it returns lies within the input, in order,
 * and a whole file's trailer counts what was returned.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "protocol/export.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct exp_reader r;
	struct exp_record g, rec;
	uint64_t last = 0, events = 0, evidence = 0;
	FILE *f;
	int rc;

	if (size == 0 || (f = fmemopen((void *)data, size, "rb")) == NULL)
		return 0;
	if ((rc = exp_read_begin(&r, f, &g)) == 0) {
		if (g.offset + 5 + g.len > size)
			abort();
		while ((rc = exp_next(&r, &rec)) == 0) {
			if (rec.offset <= last || rec.offset + 5 + rec.len > size)
				abort();
			last = rec.offset;
			events += rec.type == EXP_REC_EVENT;
			evidence += rec.type == EXP_REC_EVIDENCE;
		}
		if (rc == 1 && (r.trailer.events != events ||
		    r.trailer.evidence != evidence))
			abort();
	}
	if (rc != 0 && rc != 1 && rc != I40_E_EXPORT && rc != I40_E_NOMEM)
		abort();
	exp_read_end(&r);
	fclose(f);
	return 0;
}
