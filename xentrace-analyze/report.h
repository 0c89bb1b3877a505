/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The reports: an analyzed trace with its clock and names (struct
 * xta_trace), and the summary, overhead and compare documents built from
 * it. Rendering is doc.c's business.
 */
#ifndef XTA_REPORT_H
#define XTA_REPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "analyze.h"
#include "doc.h"
#include "groups.h"
#include "meta.h"

/* When neither --cpu-hz, a sidecar nor the trace tell the clock. */
#define XTA_ASSUMED_HZ 2400000000ull

struct xta_load_opts {
	uint64_t cpu_hz;		/* --cpu-hz, 0: not given */
	const char *meta_path;		/* --meta, NULL: look beside the trace */
	enum xta_vendor vendor;		/* --vendor, unknown: detect */
	struct xta_reader_opts reader;
};

struct xta_trace {
	char *path;
	struct xta_analysis *a;
	struct xta_meta meta;
	uint64_t cpu_hz;
	char clock_note[200];	/* where cpu_hz came from */
	bool clock_assumed;	/* nothing told: XTA_ASSUMED_HZ */
	bool clock_estimated;	/* from the trace's scheduler records */
	enum xta_vendor vendor;
};

/* Analyzes path. Returns 0 (check t->a->rerr for damage), or -1 with a
 * sentence in err when the trace or its sidecar cannot be used. */
int xta_trace_load(struct xta_trace *t, const char *path,
		   const struct xta_load_opts *opts, char *err, size_t errlen);
void xta_trace_free(struct xta_trace *t);

/* "web1 (d3)", "d3", "idle" */
void xta_domain_label(const struct xta_domain *d, char *buf, size_t len);

/*
 * Which domains a report covers. spec: NULL or "all" (every domain but
 * idle), "guests" (all but dom0 and idle; all when there are none), a
 * domain id ("3" or "d3") or a name from the sidecar.
 */
struct xta_domsel {
	bool all;
	bool guests;
	uint32_t id;
	char label[96];		/* for titles: "all domains", "web1 (d3)" */
};
int xta_domsel_parse(const struct xta_trace *t, const char *spec,
		     struct xta_domsel *sel, char *err, size_t errlen);
bool xta_domsel_match(const struct xta_trace *t, const struct xta_domsel *sel,
		      const struct xta_domain *d);

/* ---- overhead factors ---- */

struct xta_factor {
	char label[128];
	enum xta_group group;
	bool timed;		/* an HVM exit with its time in Xen */
	uint64_t count;
	uint64_t cycles;
	struct xta_stat st;	/* timed factors: durations */
};

struct xta_overhead {
	struct xta_factor *f;	/* sorted: most time, then most count */
	unsigned n, cap;
	uint64_t group_count[XTA_GROUPS];
	uint64_t group_cycles[XTA_GROUPS];
	bool timed;		/* HVM exits present */
	bool counted;		/* PV entries present */
	unsigned nr_domains;
};

void xta_overhead_collect(const struct xta_trace *t,
			  const struct xta_domsel *sel, struct xta_overhead *o);
void xta_overhead_free(struct xta_overhead *o);

/* ---- documents ---- */

/* --top when not given, for text and HTML (CSV and JSON: all). */
#define XTA_TOP_DEFAULT 20

struct xta_report_opts {
	/* Factors per factor table (overhead, compare) and handler details
	 * per exit (summary) shown; the rest are summed in one row. 0: all. */
	uint64_t top;
};

/* opts NULL: everything. */
struct xta_doc *xta_report_summary(const struct xta_trace *t,
				   const struct xta_domsel *sel,
				   const struct xta_report_opts *opts);
struct xta_doc *xta_report_overhead(const struct xta_trace *t,
				    const struct xta_domsel *sel,
				    const struct xta_report_opts *opts);

struct xta_side {
	const struct xta_trace *t;
	struct xta_domsel sel;
	char name[160];		/* "trace-pv.bin: guests" */
};
struct xta_doc *xta_report_compare(const struct xta_side *a,
				   const struct xta_side *b,
				   const struct xta_report_opts *opts);

/* Notes every report starts with: trace, clock, vendor, completeness. */
void xta_report_trace_notes(struct xta_doc *doc, const struct xta_trace *t,
			    const char *prefix);

#endif
