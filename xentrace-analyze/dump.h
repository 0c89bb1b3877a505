/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One line per record in time order, with names and decoded payloads:
 * what xentrace_format did, plus who was running on the pCPU. */
#ifndef XTA_DUMP_H
#define XTA_DUMP_H

#include <stdint.h>
#include <stdio.h>

#include "analyze.h"
#include "doc.h"

struct xta_dump_opts {
	enum xta_format format;	/* text, csv or json (one object a line) */
	uint64_t cpu_hz;
	enum xta_vendor vendor;	/* for exit names; unknown: VMX names */
	uint64_t limit;		/* stop after this many records, 0: all */
};

/* Decodes rec's payload into buf ("VMEXIT_IOIO rip 0x..."). a gives the
 * running vCPU and may be NULL. */
void xta_dump_decode(const struct xta_rec *rec, enum xta_vendor vendor,
		     char *buf, size_t len);

/* Dumps the whole reader, feeding the analysis along the way. Returns the
 * number of records written. */
uint64_t xta_dump(struct xta_reader *r, struct xta_analysis *a,
		  const struct xta_dump_opts *opts, FILE *out);

#endif
