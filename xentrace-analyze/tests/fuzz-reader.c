// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: any bytes, as a mapped file and as a stream, through
 * the reader and the analysis, then the summary report. Whatever the
 * input, this must finish without a crash, a hang or a sanitizer report.
 *
 * Built and run for a bounded time by "make xta-fuzz" (needs clang with
 * libFuzzer): XTA_FUZZ_SECONDS=60 by default.
 */
#include <stdint.h>
#include <stdio.h>

#include "analyze.h"
#include "report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	for (int stream = 0; stream < 2; stream++) {
		struct xta_reader_opts opts = {
			.force_stream = stream,
			/* Small, so that the bounded merge is exercised too. */
			.reorder_limit = stream ? 4096 : 16,
		};
		struct xta_reader *r;
		struct xta_analysis *a;
		struct xta_trace t = { 0 };
		struct xta_domsel sel = { .all = true };
		/* A small --top, so that the folded rows are exercised. */
		const struct xta_report_opts top = { .top = 2 };
		struct xta_doc *doc;
		char err[256];
		FILE *null;

		if (xta_reader_open_mem(&r, data, size, &opts, err, sizeof(err)))
			continue;
		a = xta_analysis_new();
		xta_analysis_run(a, r);
		xta_reader_close(r);

		/* The reports must cope with whatever the analysis holds. */
		t.path = "fuzz";
		t.a = a;
		t.cpu_hz = 1000000000;
		t.vendor = xta_analysis_vendor(a);
		snprintf(t.clock_note, sizeof(t.clock_note), "fuzz");
		null = fopen("/dev/null", "w");
		doc = xta_report_summary(&t, &sel, stream ? &top : NULL);
		if (null)
			xta_doc_render(doc, XTA_FORMAT_JSON, null);
		xta_doc_free(doc);
		doc = xta_report_overhead(&t, &sel, &top);
		if (null) {
			xta_doc_render(doc, XTA_FORMAT_HTML, null);
			fclose(null);
		}
		xta_doc_free(doc);
		xta_analysis_free(a);
	}
	return 0;
}
