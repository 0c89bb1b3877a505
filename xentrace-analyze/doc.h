/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A report as data: headings, notes, tables of typed cells and stacked-bar
 * charts, rendered afterwards as text, CSV, JSON or one self-contained
 * HTML page. Reports are built once and every format shows the same
 * numbers.
 */
#ifndef XTA_DOC_H
#define XTA_DOC_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum xta_format {
	XTA_FORMAT_TEXT,
	XTA_FORMAT_CSV,
	XTA_FORMAT_JSON,
	XTA_FORMAT_HTML,
};
int xta_format_parse(const char *text, enum xta_format *out);

struct xta_doc;
struct xta_table;
struct xta_chart;

struct xta_doc *xta_doc_new(const char *report, const char *title);
void xta_doc_free(struct xta_doc *doc);

/* A section heading; level 1 or 2. */
void xta_doc_heading(struct xta_doc *doc, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A "key: value" line (JSON: a member of "notes"). */
void xta_doc_note(struct xta_doc *doc, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A note that is the report's conclusion: a note everywhere, set off in
 * HTML. */
void xta_doc_result(struct xta_doc *doc, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A warning shown prominently (JSON: "warnings"). */
void xta_doc_warning(struct xta_doc *doc, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * A table. columns is a '|'-separated list of "key:Label" items; a label
 * starting with '>' is right-aligned (numbers), e.g.
 * "cause:Cause|count:>Count|time:>Time (s)"; ">+" marks a change where
 * more is better (HTML colours it). id names it in JSON/CSV.
 */
struct xta_table *xta_doc_table(struct xta_doc *doc, const char *id,
				const char *title, const char *columns);
/* Context for JSON consumers, e.g. ("domain", "1"). */
void xta_table_attr(struct xta_table *t, const char *key, const char *value);
void xta_table_row(struct xta_table *t);
/* Indents the current row's first cell (a detail under the row above). */
void xta_table_indent(struct xta_table *t, unsigned level);

/* What the current row is, for HTML's styling; the data is the same. */
enum xta_row_kind {
	XTA_ROW_PLAIN,
	XTA_ROW_TOTAL,		/* a total of the rows above */
	XTA_ROW_REST,		/* the rows --top left out, summed */
	XTA_ROW_APART,		/* outside the total (Halt) */
};
void xta_table_row_kind(struct xta_table *t, enum xta_row_kind kind);
void xta_cell_str(struct xta_table *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void xta_cell_u64(struct xta_table *t, uint64_t v);
/* A number shown with prec decimals (JSON keeps full precision). */
void xta_cell_f64(struct xta_table *t, double v, int prec);
/* The same; when v is NaN, text and HTML say why with na (CSV "-", JSON
 * null as for any NaN). */
void xta_cell_f64_na(struct xta_table *t, double v, int prec, const char *na);
void xta_cell_empty(struct xta_table *t);
unsigned xta_table_rows(const struct xta_table *t);

/*
 * A stacked-bar chart: one bar per configuration, one segment per series
 * (drawn only in HTML; other formats have the same numbers in tables).
 */
struct xta_chart *xta_doc_chart(struct xta_doc *doc, const char *title,
				const char *unit, unsigned nbars,
				const char *const *bar_labels,
				unsigned nseries,
				const char *const *series_labels);
void xta_chart_set(struct xta_chart *c, unsigned bar, unsigned series,
		   double value);

int xta_doc_render(const struct xta_doc *doc, enum xta_format format,
		   FILE *out);

#endif
