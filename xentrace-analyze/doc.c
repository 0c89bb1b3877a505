// SPDX-License-Identifier: GPL-2.0-or-later
#include "doc.h"

#include <inttypes.h>
#include <json-c/json.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"

enum cell_type { CELL_EMPTY, CELL_STR, CELL_U64, CELL_F64 };

struct cell {
	enum cell_type type;
	int prec;
	unsigned indent;
	char *s;		/* CELL_STR; CELL_F64: what NaN means, or NULL */
	uint64_t u;
	double f;
};

struct xta_table {
	char *id, *title;
	unsigned ncols;
	char **key, **label;
	bool *right;
	bool *good;		/* ">+": a change, more is better */
	unsigned char *kind;	/* per row: enum xta_row_kind */
	char **attr_key, **attr_val;
	unsigned nattr;
	struct cell *cells;
	unsigned nrows, cap, col;
};

struct xta_chart {
	char *title, *unit;
	unsigned nbars, nseries;
	char **bar, **series;
	double *v;		/* nbars * nseries */
};

enum block_type { B_HEADING, B_NOTE, B_WARNING, B_TABLE, B_CHART };

struct block {
	enum block_type type;
	int level;
	bool result;		/* B_NOTE: the conclusion */
	char *key, *text;
	struct xta_table *table;
	struct xta_chart *chart;
};

struct xta_doc {
	char *report, *title;
	struct block *b;
	unsigned n, cap;
};

int xta_format_parse(const char *text, enum xta_format *out)
{
	static const char *const names[] = { "text", "csv", "json", "html" };

	for (unsigned i = 0; i < XTA_ARRAY_SIZE(names); i++)
		if (!strcasecmp(text, names[i])) {
			*out = (enum xta_format)i;
			return 0;
		}
	return -1;
}

static char *vfmt(const char *fmt, va_list ap)
{
	va_list ap2;
	int n;
	char *s;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	s = xta_malloc((size_t)n + 1);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	return s;
}

struct xta_doc *xta_doc_new(const char *report, const char *title)
{
	struct xta_doc *doc = xta_calloc(1, sizeof(*doc));

	doc->report = xta_strdup(report);
	doc->title = xta_strdup(title);
	return doc;
}

static struct block *add_block(struct xta_doc *doc, enum block_type type)
{
	struct block *b;

	if (doc->n == doc->cap) {
		doc->cap = doc->cap ? doc->cap * 2 : 16;
		doc->b = xta_realloc(doc->b, doc->cap * sizeof(*doc->b));
	}
	b = &doc->b[doc->n++];
	memset(b, 0, sizeof(*b));
	b->type = type;
	return b;
}

void xta_doc_heading(struct xta_doc *doc, int level, const char *fmt, ...)
{
	struct block *b = add_block(doc, B_HEADING);
	va_list ap;

	b->level = level;
	va_start(ap, fmt);
	b->text = vfmt(fmt, ap);
	va_end(ap);
}

void xta_doc_note(struct xta_doc *doc, const char *key, const char *fmt, ...)
{
	struct block *b = add_block(doc, B_NOTE);
	va_list ap;

	b->key = xta_strdup(key);
	va_start(ap, fmt);
	b->text = vfmt(fmt, ap);
	va_end(ap);
}

void xta_doc_result(struct xta_doc *doc, const char *key, const char *fmt, ...)
{
	struct block *b = add_block(doc, B_NOTE);
	va_list ap;

	b->result = true;
	b->key = xta_strdup(key);
	va_start(ap, fmt);
	b->text = vfmt(fmt, ap);
	va_end(ap);
}

void xta_doc_warning(struct xta_doc *doc, const char *fmt, ...)
{
	struct block *b = add_block(doc, B_WARNING);
	va_list ap;

	va_start(ap, fmt);
	b->text = vfmt(fmt, ap);
	va_end(ap);
}

struct xta_table *xta_doc_table(struct xta_doc *doc, const char *id,
				const char *title, const char *columns)
{
	struct xta_table *t = xta_calloc(1, sizeof(*t));
	char *spec = xta_strdup(columns), *save = NULL, *item;
	struct block *b;

	t->id = xta_strdup(id);
	t->title = xta_strdup(title ? title : "");
	for (item = strtok_r(spec, "|", &save); item;
	     item = strtok_r(NULL, "|", &save)) {
		char *colon = strchr(item, ':');
		char *label = colon ? colon + 1 : item;

		if (colon)
			*colon = '\0';
		t->key = xta_realloc(t->key, (t->ncols + 1) * sizeof(*t->key));
		t->label = xta_realloc(t->label, (t->ncols + 1) * sizeof(*t->label));
		t->right = xta_realloc(t->right, (t->ncols + 1) * sizeof(*t->right));
		t->good = xta_realloc(t->good, (t->ncols + 1) * sizeof(*t->good));
		t->right[t->ncols] = *label == '>';
		label += *label == '>';
		t->good[t->ncols] = t->right[t->ncols] && *label == '+';
		label += t->good[t->ncols];
		t->label[t->ncols] = xta_strdup(label);
		t->key[t->ncols] = xta_strdup(item);
		t->ncols++;
	}
	free(spec);
	t->col = t->ncols;
	b = add_block(doc, B_TABLE);
	b->table = t;
	return t;
}

void xta_table_attr(struct xta_table *t, const char *key, const char *value)
{
	t->attr_key = xta_realloc(t->attr_key, (t->nattr + 1) * sizeof(char *));
	t->attr_val = xta_realloc(t->attr_val, (t->nattr + 1) * sizeof(char *));
	t->attr_key[t->nattr] = xta_strdup(key);
	t->attr_val[t->nattr] = xta_strdup(value);
	t->nattr++;
}

void xta_table_row(struct xta_table *t)
{
	if (t->nrows == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 16;
		t->cells = xta_realloc(t->cells,
				       (size_t)t->cap * t->ncols * sizeof(*t->cells));
		t->kind = xta_realloc(t->kind, t->cap);
	}
	t->kind[t->nrows] = XTA_ROW_PLAIN;
	memset(&t->cells[(size_t)t->nrows * t->ncols], 0,
	       t->ncols * sizeof(*t->cells));
	t->nrows++;
	t->col = 0;
}

unsigned xta_table_rows(const struct xta_table *t)
{
	return t->nrows;
}

static struct cell *next_cell(struct xta_table *t)
{
	/* More cells than columns is a programming error; keep the last. */
	if (t->col >= t->ncols)
		t->col = t->ncols - 1;
	return &t->cells[(size_t)(t->nrows - 1) * t->ncols + t->col++];
}

void xta_table_indent(struct xta_table *t, unsigned level)
{
	t->cells[(size_t)(t->nrows - 1) * t->ncols].indent = level;
}

void xta_table_row_kind(struct xta_table *t, enum xta_row_kind kind)
{
	if (t->nrows)
		t->kind[t->nrows - 1] = (unsigned char)kind;
}

void xta_cell_str(struct xta_table *t, const char *fmt, ...)
{
	struct cell *c = next_cell(t);
	unsigned indent = c->indent;
	va_list ap;

	c->type = CELL_STR;
	va_start(ap, fmt);
	c->s = vfmt(fmt, ap);
	va_end(ap);
	c->indent = indent;
}

void xta_cell_u64(struct xta_table *t, uint64_t v)
{
	struct cell *c = next_cell(t);

	c->type = CELL_U64;
	c->u = v;
}

void xta_cell_f64(struct xta_table *t, double v, int prec)
{
	struct cell *c = next_cell(t);

	c->type = CELL_F64;
	c->f = v;
	c->prec = prec;
}

void xta_cell_f64_na(struct xta_table *t, double v, int prec, const char *na)
{
	struct cell *c = next_cell(t);

	c->type = CELL_F64;
	c->f = v;
	c->prec = prec;
	free(c->s);
	c->s = isnan(v) && na ? xta_strdup(na) : NULL;
}

void xta_cell_empty(struct xta_table *t)
{
	next_cell(t)->type = CELL_EMPTY;
}

struct xta_chart *xta_doc_chart(struct xta_doc *doc, const char *title,
				const char *unit, unsigned nbars,
				const char *const *bar_labels,
				unsigned nseries,
				const char *const *series_labels)
{
	struct xta_chart *c = xta_calloc(1, sizeof(*c));
	struct block *b;

	c->title = xta_strdup(title);
	c->unit = xta_strdup(unit);
	c->nbars = nbars;
	c->nseries = nseries;
	c->bar = xta_calloc(nbars, sizeof(char *));
	c->series = xta_calloc(nseries, sizeof(char *));
	for (unsigned i = 0; i < nbars; i++)
		c->bar[i] = xta_strdup(bar_labels[i]);
	for (unsigned i = 0; i < nseries; i++)
		c->series[i] = xta_strdup(series_labels[i]);
	c->v = xta_calloc((size_t)nbars * nseries, sizeof(double));
	b = add_block(doc, B_CHART);
	b->chart = c;
	return c;
}

void xta_chart_set(struct xta_chart *c, unsigned bar, unsigned series,
		   double value)
{
	if (bar < c->nbars && series < c->nseries)
		c->v[(size_t)bar * c->nseries + series] = value;
}

/* ---- rendering helpers ---- */

/* The cell as it is shown (without indentation). */
static void cell_text(const struct cell *c, char *buf, size_t len)
{
	switch (c->type) {
	case CELL_STR:
		snprintf(buf, len, "%s", c->s);
		break;
	case CELL_U64:
		snprintf(buf, len, "%" PRIu64, c->u);
		break;
	case CELL_F64:
		if (isnan(c->f))
			snprintf(buf, len, "%s", c->s ? c->s : "-");
		else
			snprintf(buf, len, "%.*f", c->prec, c->f);
		break;
	default:
		buf[0] = '\0';
	}
}

static const struct cell *cell_at(const struct xta_table *t, unsigned row,
				  unsigned col)
{
	return &t->cells[(size_t)row * t->ncols + col];
}

/* ---- text ---- */

/* Columns s takes on a terminal: UTF-8 characters, not bytes. */
static size_t text_width(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

static void print_padded(FILE *out, const char *s, size_t width, bool right,
			 unsigned indent, bool last)
{
	size_t len = text_width(s) + 2 * indent;
	size_t pad = width > len ? width - len : 0;

	if (right)
		fprintf(out, "%*s%*s%s", (int)pad, "", (int)(2 * indent), "", s);
	else if (last)
		fprintf(out, "%*s%s", (int)(2 * indent), "", s);
	else
		fprintf(out, "%*s%s%*s", (int)(2 * indent), "", s, (int)pad, "");
}

static void render_text_table(const struct xta_table *t, FILE *out)
{
	size_t *width = xta_calloc(t->ncols, sizeof(*width));
	char buf[512];

	for (unsigned c = 0; c < t->ncols; c++)
		width[c] = text_width(t->label[c]);
	for (unsigned r = 0; r < t->nrows; r++)
		for (unsigned c = 0; c < t->ncols; c++) {
			const struct cell *cl = cell_at(t, r, c);
			size_t w;

			cell_text(cl, buf, sizeof(buf));
			w = text_width(buf) + 2 * cl->indent;
			if (w > width[c])
				width[c] = w;
		}
	if (t->title[0])
		fprintf(out, "%s\n", t->title);
	fputs("  ", out);
	for (unsigned c = 0; c < t->ncols; c++) {
		if (c)
			fputs("  ", out);
		print_padded(out, t->label[c], width[c], t->right[c], 0,
			     c + 1 == t->ncols);
	}
	fputc('\n', out);
	for (unsigned r = 0; r < t->nrows; r++) {
		fputs("  ", out);
		for (unsigned c = 0; c < t->ncols; c++) {
			const struct cell *cl = cell_at(t, r, c);

			if (c)
				fputs("  ", out);
			cell_text(cl, buf, sizeof(buf));
			print_padded(out, buf, width[c], t->right[c], cl->indent,
				     c + 1 == t->ncols);
		}
		fputc('\n', out);
	}
	fputc('\n', out);
	free(width);
}

static void render_text(const struct xta_doc *doc, FILE *out)
{
	fprintf(out, "%s\n", doc->title);
	for (unsigned i = 0; i < doc->n; i++) {
		const struct block *b = &doc->b[i];

		switch (b->type) {
		case B_HEADING:
			if (b->level <= 1)
				fprintf(out, "\n=== %s ===\n", b->text);
			else
				fprintf(out, "\n--- %s ---\n", b->text);
			break;
		case B_NOTE:
			fprintf(out, "%s: %s\n", b->key, b->text);
			break;
		case B_WARNING:
			fprintf(out, "WARNING: %s\n", b->text);
			break;
		case B_TABLE:
			render_text_table(b->table, out);
			break;
		case B_CHART:
			break;
		}
	}
}

/* ---- CSV ---- */

static void csv_field(FILE *out, const char *s)
{
	if (!strpbrk(s, ",\"\n")) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

static void render_csv(const struct xta_doc *doc, FILE *out)
{
	char buf[512];
	bool first = true;

	for (unsigned i = 0; i < doc->n; i++) {
		const struct xta_table *t = doc->b[i].table;

		if (doc->b[i].type != B_TABLE)
			continue;
		if (!first)
			fputc('\n', out);
		first = false;
		/* One block per table: a comment line naming it, a header. */
		fprintf(out, "# %s%s%s\n", t->id, t->title[0] ? ": " : "", t->title);
		for (unsigned c = 0; c < t->ncols; c++) {
			if (c)
				fputc(',', out);
			csv_field(out, t->key[c]);
		}
		fputc('\n', out);
		for (unsigned r = 0; r < t->nrows; r++) {
			for (unsigned c = 0; c < t->ncols; c++) {
				const struct cell *cl = cell_at(t, r, c);

				if (c)
					fputc(',', out);
				if (cl->type == CELL_F64 && !isnan(cl->f))
					snprintf(buf, sizeof(buf), "%.*g", 12, cl->f);
				else if (cl->type == CELL_F64)
					snprintf(buf, sizeof(buf), "-");
				else
					cell_text(cl, buf, sizeof(buf));
				csv_field(out, buf);
			}
			fputc('\n', out);
		}
	}
}

/* ---- JSON ---- */

static json_object *cell_json(const struct cell *c)
{
	switch (c->type) {
	case CELL_STR:
		return json_object_new_string(c->s);
	case CELL_U64:
		return c->u > INT64_MAX ? json_object_new_double((double)c->u) :
		       json_object_new_int64((int64_t)c->u);
	case CELL_F64:
		return isnan(c->f) ? NULL : json_object_new_double(c->f);
	default:
		return NULL;
	}
}

static void render_json(const struct xta_doc *doc, FILE *out)
{
	json_object *root = json_object_new_object();
	json_object *notes = json_object_new_object();
	json_object *warnings = json_object_new_array();
	json_object *tables = json_object_new_array();
	json_object *charts = json_object_new_array();
	const char *section = NULL;

	json_object_object_add(root, "report", json_object_new_string(doc->report));
	json_object_object_add(root, "title", json_object_new_string(doc->title));
	for (unsigned i = 0; i < doc->n; i++) {
		const struct block *b = &doc->b[i];

		switch (b->type) {
		case B_HEADING:
			section = b->text;
			break;
		case B_NOTE:
			json_object_object_add(notes, b->key,
					       json_object_new_string(b->text));
			break;
		case B_WARNING:
			json_object_array_add(warnings,
					      json_object_new_string(b->text));
			break;
		case B_TABLE: {
			const struct xta_table *t = b->table;
			json_object *jt = json_object_new_object();
			json_object *rows = json_object_new_array();
			json_object *cols = json_object_new_array();

			json_object_object_add(jt, "id", json_object_new_string(t->id));
			json_object_object_add(jt, "title", json_object_new_string(t->title));
			if (section)
				json_object_object_add(jt, "section",
						       json_object_new_string(section));
			for (unsigned a = 0; a < t->nattr; a++)
				json_object_object_add(jt, t->attr_key[a],
						       json_object_new_string(t->attr_val[a]));
			for (unsigned c = 0; c < t->ncols; c++) {
				json_object *col = json_object_new_object();

				json_object_object_add(col, "key", json_object_new_string(t->key[c]));
				json_object_object_add(col, "label", json_object_new_string(t->label[c]));
				json_object_array_add(cols, col);
			}
			json_object_object_add(jt, "columns", cols);
			for (unsigned r = 0; r < t->nrows; r++) {
				json_object *row = json_object_new_object();

				for (unsigned c = 0; c < t->ncols; c++) {
					const struct cell *cl = cell_at(t, r, c);

					if (c == 0 && cl->indent)
						json_object_object_add(row, "level",
								       json_object_new_int((int)cl->indent));
					json_object_object_add(row, t->key[c], cell_json(cl));
				}
				json_object_array_add(rows, row);
			}
			json_object_object_add(jt, "rows", rows);
			json_object_array_add(tables, jt);
			break;
		}
		case B_CHART: {
			const struct xta_chart *c = b->chart;
			json_object *jc = json_object_new_object();
			json_object *bars = json_object_new_array();

			json_object_object_add(jc, "title", json_object_new_string(c->title));
			json_object_object_add(jc, "unit", json_object_new_string(c->unit));
			for (unsigned i2 = 0; i2 < c->nbars; i2++) {
				json_object *bar = json_object_new_object();
				json_object *seg = json_object_new_object();

				json_object_object_add(bar, "label", json_object_new_string(c->bar[i2]));
				for (unsigned s = 0; s < c->nseries; s++)
					json_object_object_add(seg, c->series[s],
							       json_object_new_double(c->v[(size_t)i2 * c->nseries + s]));
				json_object_object_add(bar, "values", seg);
				json_object_array_add(bars, bar);
			}
			json_object_object_add(jc, "bars", bars);
			json_object_array_add(charts, jc);
			break;
		}
		}
	}
	json_object_object_add(root, "notes", notes);
	json_object_object_add(root, "warnings", warnings);
	json_object_object_add(root, "tables", tables);
	json_object_object_add(root, "charts", charts);
	fputs(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
					     JSON_C_TO_STRING_SPACED |
					     JSON_C_TO_STRING_NOSLASHESCAPE), out);
	fputc('\n', out);
	json_object_put(root);
}

/* ---- HTML ---- */

static void html_escape(FILE *out, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '&': fputs("&amp;", out); break;
		case '"': fputs("&quot;", out); break;
		default: fputc(*s, out);
		}
	}
}

/* A column label: "(us)" is written as people read it, "(µs)". */
static void html_label(FILE *out, const char *s)
{
	const char *us;

	while ((us = strstr(s, "(us)"))) {
		char *part = xta_strdup(s);

		part[us - s] = '\0';
		html_escape(out, part);
		free(part);
		fputs("(&micro;s)", out);
		s = us + 4;
	}
	html_escape(out, s);
}

/* 743008 as 743 008 (narrow no-break spaces): readable, and no locale's
 * decimal separator. */
static void html_u64(FILE *out, uint64_t v)
{
	char buf[32];
	size_t len = (size_t)snprintf(buf, sizeof(buf), "%" PRIu64, v);

	for (size_t i = 0; i < len; i++) {
		if (i && (len - i) % 3 == 0)
			fputs("&#8239;", out);
		fputc(buf[i], out);
	}
}

/* Distinguishable colours for up to 12 series, then they repeat. */
static const char *const palette[] = {
	"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948",
	"#b07aa1", "#ff9da7", "#9c755f", "#bab0ac", "#86bcb6", "#d37295",
};

static const char *series_colour(unsigned s)
{
	return palette[s % XTA_ARRAY_SIZE(palette)];
}

/* Text on a segment of this colour: dark on light ones, white on dark. */
static const char *ink_on(const char *hex)
{
	unsigned r = 0, g = 0, b = 0;

	if (sscanf(hex, "#%2x%2x%2x", &r, &g, &b) != 3)
		return "#000";
	return 0.299 * r + 0.587 * g + 0.114 * b > 150 ? "#222" : "#fff";
}

/* How wide text is at a font size, near enough for layout (sans-serif
 * averages a little over half an em per character). */
static double text_px(const char *s, double font)
{
	return (double)text_width(s) * font * 0.58;
}

/* A value on the chart: enough digits for the small ones. */
static void chart_value(char *buf, size_t len, double v)
{
	if (v == 0)
		snprintf(buf, len, "0");
	else if (v < 0.0001)
		snprintf(buf, len, "<0.0001");
	else if (v < 0.01)
		snprintf(buf, len, "%.4f", v);
	else
		snprintf(buf, len, "%.3f", v);
}

/* A round step for about n ticks up to max. */
static double nice_step(double max, int n)
{
	double raw = max / n, mag = pow(10, floor(log10(raw))), norm = raw / mag;

	if (norm <= 1)
		return mag;
	if (norm <= 2)
		return 2 * mag;
	if (norm <= 2.5)
		return 2.5 * mag;
	if (norm <= 5)
		return 5 * mag;
	return 10 * mag;
}

static void svg_text(FILE *out, double x, double y, double font,
		     const char *anchor, const char *extra, const char *text)
{
	fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%g\"%s%s%s%s>", x, y,
		font, anchor ? " text-anchor=\"" : "", anchor ? anchor : "",
		anchor ? "\"" : "", extra ? extra : "");
	html_escape(out, text);
	fputs("</text>\n", out);
}

/*
 * Two panels: each configuration's total as one horizontal bar stacked by
 * series, on an axis with its unit and a legend of the series present;
 * then each series on its own, the configurations' bars under each other
 * and the values written out, so that small groups stay legible.
 */
static void render_svg_chart(const struct xta_chart *c, FILE *out)
{
	const double W = 960, bar_h = 30, bar_gap = 12, font = 12;
	double label_w = 30, max = 0, max1 = 0, step, axis_max, plot_w, y, y_axis;
	double glabel_w = 60, sub_w, plot2_w;
	unsigned *order = xta_calloc(c->nseries ? c->nseries : 1, sizeof(*order));
	unsigned npresent = 0;
	char buf[64], *body_buf = NULL;
	size_t body_len = 0;
	FILE *body;

	for (unsigned b = 0; b < c->nbars; b++) {
		/* Bold: a little wider. */
		double sum = 0, w = text_px(c->bar[b], font) * 1.12 + 16;

		for (unsigned s = 0; s < c->nseries; s++) {
			double v = c->v[(size_t)b * c->nseries + s];

			if (v > 0)
				sum += v;
			if (v > max1)
				max1 = v;
		}
		if (sum > max)
			max = sum;
		if (w > label_w)
			label_w = w;
	}
	if (label_w > 260)
		label_w = 260;
	/* The series present, largest first for the second panel. */
	for (unsigned s = 0; s < c->nseries; s++) {
		double m = 0;

		for (unsigned b = 0; b < c->nbars; b++)
			if (c->v[(size_t)b * c->nseries + s] > m)
				m = c->v[(size_t)b * c->nseries + s];
		if (m <= 0)
			continue;
		order[npresent++] = s;
		if (text_px(c->series[s], font) + 14 > glabel_w)
			glabel_w = text_px(c->series[s], font) + 14;
	}
	for (unsigned i = 1; i < npresent; i++)
		for (unsigned j = i; j > 0; j--) {
			unsigned a = order[j - 1], b = order[j];
			double ma = 0, mb = 0;

			for (unsigned k = 0; k < c->nbars; k++) {
				ma = fmax(ma, c->v[(size_t)k * c->nseries + a]);
				mb = fmax(mb, c->v[(size_t)k * c->nseries + b]);
			}
			if (mb <= ma)
				break;
			order[j - 1] = b;
			order[j] = a;
		}

	fputs("<figure><figcaption>", out);
	html_escape(out, c->title);
	fputs("</figcaption>\n", out);
	if (max <= 0) {
		fputs("<p>(nothing to draw: every value is 0)</p></figure>\n", out);
		free(order);
		return;
	}
	step = nice_step(max, 5);
	axis_max = ceil(max / step - 1e-9) * step;
	plot_w = W - label_w - 70;

	/* The height is known at the end: draw into a buffer first. */
	body = open_memstream(&body_buf, &body_len);
	if (!body) {
		fputs("<p>(no memory for the chart)</p></figure>\n", out);
		free(order);
		return;
	}

	/* Panel 1: the totals, stacked. */
	svg_text(body, 0, 16, 13, NULL, " font-weight=\"600\"",
		 "Total, stacked by group");
	y = 30;
	/* The axis under the bars, its grid lines behind them. */
	y_axis = y + c->nbars * (bar_h + bar_gap);
	for (int i = 0; i * step <= axis_max + step / 2; i++) {
		double v = i * step, x = label_w + plot_w * v / axis_max;

		fprintf(body, "<line x1=\"%.1f\" y1=\"24\" x2=\"%.1f\" y2=\"%.1f\" "
			"stroke=\"%s\" stroke-width=\"1\"/>\n", x, x, y_axis,
			v == 0 ? "#888" : "#e4e4e4");
		snprintf(buf, sizeof(buf), "%g", v);
		svg_text(body, x, y_axis + 14, 11, "middle", " fill=\"#555\"", buf);
	}
	svg_text(body, label_w + plot_w / 2, y_axis + 32, 11, "middle", " fill=\"#555\"",
		 c->unit);
	for (unsigned b = 0; b < c->nbars; b++) {
		double acc = 0, sum = 0;

		for (unsigned s = 0; s < c->nseries; s++)
			if (c->v[(size_t)b * c->nseries + s] > 0)
				sum += c->v[(size_t)b * c->nseries + s];
		/* The label, shortened to its column (the whole on hover). */
		fprintf(body, "<g><title>");
		html_escape(body, c->bar[b]);
		fputs("</title>", body);
		if (text_px(c->bar[b], font) * 1.12 + 16 > label_w) {
			size_t n = (size_t)((label_w - 16) / (font * 0.58)) - 1;

			if (n > 60)
				n = 60;
			while (n && ((unsigned char)c->bar[b][n] & 0xc0) == 0x80)
				n--;	/* not inside a UTF-8 character */
			snprintf(buf, sizeof(buf), "%.*s\u2026", (int)n, c->bar[b]);
			svg_text(body, label_w - 8, y + bar_h / 2 + 4, font, "end", NULL, buf);
		} else {
			svg_text(body, label_w - 8, y + bar_h / 2 + 4, font, "end",
				 " font-weight=\"600\"", c->bar[b]);
		}
		fputs("</g>\n", body);
		for (unsigned s = 0; s < c->nseries; s++) {
			double v = c->v[(size_t)b * c->nseries + s];
			double x0, w;

			if (v <= 0)
				continue;
			x0 = label_w + plot_w * acc / axis_max;
			w = plot_w * v / axis_max;
			acc += v;
			fprintf(body, "<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%.0f\" "
				"fill=\"%s\" stroke=\"#fff\" stroke-width=\"0.5\"><title>",
				x0, y, w < 0.5 ? 0.5 : w, bar_h, series_colour(s));
			html_escape(body, c->bar[b]);
			fputs(": ", body);
			html_escape(body, c->series[s]);
			chart_value(buf, sizeof(buf), v);
			fprintf(body, " %s (%.1f %% of the bar)</title></rect>\n", buf,
				100.0 * v / sum);
			if (w >= 42) {
				chart_value(buf, sizeof(buf), v);
				fprintf(body, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" "
					"text-anchor=\"middle\" fill=\"%s\" pointer-events=\"none\">%s</text>\n",
					x0 + w / 2, y + bar_h / 2 + 4, ink_on(series_colour(s)), buf);
			}
		}
		chart_value(buf, sizeof(buf), acc);
		svg_text(body, label_w + plot_w * acc / axis_max + 6, y + bar_h / 2 + 4,
			 font, NULL, " font-weight=\"600\"", buf);
		y += bar_h + bar_gap;
	}
	y = y_axis + 48;
	/* The legend, in the order of the stack (left to right). */
	{
		double x = label_w;

		for (unsigned i = 0; i < c->nseries; i++) {
			bool present = false;
			double w = 18 + text_px(c->series[i], font) + 18;

			for (unsigned k = 0; k < npresent; k++)
				present |= order[k] == i;
			if (!present)
				continue;
			if (x + w > W && x > label_w) {
				x = label_w;
				y += 20;
			}
			fprintf(body, "<rect x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"12\" "
				"fill=\"%s\"/>\n", x, y, series_colour(i));
			svg_text(body, x + 17, y + 10.5, font, NULL, NULL, c->series[i]);
			x += w;
		}
		y += 40;
	}

	/* Panel 2: each series, largest first, every configuration's bar. */
	svg_text(body, 0, y, 13, NULL, " font-weight=\"600\"",
		 c->nbars > 1 ? "Per group, side by side (own scale)" :
		 "Per group (own scale)");
	y += 14;
	if (glabel_w > 300)
		glabel_w = 300;
	sub_w = c->nbars > 1 ? 22 : 0;
	plot2_w = W - glabel_w - sub_w - 90;
	for (unsigned k = 0; k < npresent; k++) {
		unsigned s = order[k];
		double block = c->nbars * 17.0;

		if (k % 2 == 0)
			fprintf(body, "<rect x=\"0\" y=\"%.1f\" width=\"%.0f\" height=\"%.1f\" "
				"fill=\"#f6f6f6\"/>\n", y, W, block + 8);
		svg_text(body, glabel_w - 8, y + 4 + block / 2 + 4, font, "end", NULL,
			 c->series[s]);
		y += 4;
		for (unsigned b = 0; b < c->nbars; b++) {
			double v = c->v[(size_t)b * c->nseries + s];
			double w = max1 > 0 ? plot2_w * v / max1 : 0;
			double x0 = glabel_w + sub_w;

			if (sub_w) {
				/* "A: long name" is "A" here. */
				snprintf(buf, sizeof(buf), "%.*s",
					 (int)strcspn(c->bar[b], ":"), c->bar[b]);
				if (text_width(buf) > 2)
					snprintf(buf, sizeof(buf), "%u", b + 1);
				svg_text(body, x0 - 6, y + 11.5, 11, "end", " fill=\"#555\"", buf);
			}
			if (v > 0) {
				fprintf(body, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.2f\" height=\"14\" "
					"fill=\"%s\" fill-opacity=\"%s\"><title>", x0, y,
					w < 1 ? 1 : w, series_colour(s),
					b == 0 ? "1" : b == 1 ? "0.5" : "0.3");
				html_escape(body, c->bar[b]);
				fputs(": ", body);
				html_escape(body, c->series[s]);
				chart_value(buf, sizeof(buf), v);
				fprintf(body, " %s</title></rect>\n", buf);
			}
			chart_value(buf, sizeof(buf), v);
			svg_text(body, x0 + (w < 1 ? 1 : w) + 5, y + 11.5, 11, NULL, NULL, buf);
			y += 17;
		}
		y += 4;
	}
	fclose(body);
	fprintf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" "
		"class=\"chart\" width=\"%.0f\" height=\"%.0f\" "
		"viewBox=\"0 0 %.0f %.0f\">\n", W, y + 6, W, y + 6);
	fwrite(body_buf, 1, body_len, out);
	fputs("</svg></figure>\n", out);
	free(body_buf);
	free(order);
}

static const char *const row_class[] = {
	[XTA_ROW_PLAIN] = "", [XTA_ROW_TOTAL] = " class=\"total\"",
	[XTA_ROW_REST] = " class=\"rest\"", [XTA_ROW_APART] = " class=\"apart\"",
};

static void render_html_table(const struct xta_table *t, FILE *out)
{
	char buf[512];
	bool tree = false;	/* details indented under their rows */

	for (unsigned r = 0; r < t->nrows && !tree; r++)
		tree = cell_at(t, r, 0)->indent > 0;

	/* The title above the table rather than a <caption>, which would
	 * wrap at the table's width. */
	if (t->title[0]) {
		fputs("<p class=\"tcap\">", out);
		html_escape(out, t->title);
		fputs("</p>\n<table aria-label=\"", out);
		html_escape(out, t->title);
		fputs("\">", out);
	} else {
		fputs("<table>", out);
	}
	fputs("\n<thead><tr>", out);
	for (unsigned c = 0; c < t->ncols; c++) {
		fprintf(out, "<th%s>", t->right[c] ? " class=\"n\"" : "");
		html_label(out, t->label[c]);
		fputs("</th>", out);
	}
	fputs("</tr></thead>\n<tbody>\n", out);
	for (unsigned r = 0; r < t->nrows; r++) {
		if (tree && t->kind[r] == XTA_ROW_PLAIN && !cell_at(t, r, 0)->indent)
			fputs("<tr class=\"parent\">", out);
		else
			fprintf(out, "<tr%s>", row_class[t->kind[r] < XTA_ARRAY_SIZE(row_class) ?
							   t->kind[r] : XTA_ROW_PLAIN]);
		for (unsigned c = 0; c < t->ncols; c++) {
			const struct cell *cl = cell_at(t, r, c);
			const char *cls = t->right[c] ? "n" : NULL;

			/* A change where more is better: green up, red down. */
			if (t->good[c] && cl->type == CELL_F64 && !isnan(cl->f) &&
			    cl->f != 0)
				cls = cl->f > 0 ? "n good" : "n bad";
			fprintf(out, "<td%s%s%s", cls ? " class=\"" : "", cls ? cls : "",
				cls ? "\"" : "");
			if (cl->indent)
				fprintf(out, " style=\"padding-left:%.1fem\"",
					0.7 + 1.5 * cl->indent);
			fputc('>', out);
			if (cl->type == CELL_U64) {
				html_u64(out, cl->u);
			} else {
				cell_text(cl, buf, sizeof(buf));
				/* A real minus sign, as wide as the digits. */
				if (cl->type == CELL_F64 && buf[0] == '-' && buf[1]) {
					fputs("&minus;", out);
					html_escape(out, buf + 1);
				} else {
					html_escape(out, buf);
				}
			}
			fputs("</td>", out);
		}
		fputs("</tr>\n", out);
	}
	fputs("</tbody></table>\n", out);
}

static void render_html(const struct xta_doc *doc, FILE *out)
{
	bool in_notes = false;

	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>", out);
	html_escape(out, doc->title);
	fputs("</title>\n<style>\n"
	      "body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:80em}\n"
	      "h1{font-size:1.35em;overflow-wrap:anywhere}\n"
	      "h2{font-size:1.2em;margin-top:1.8em;border-bottom:1px solid #ccc;overflow-wrap:anywhere}\n"
	      "h3{font-size:1.05em;margin-top:1.2em}\n"
	      "table{border-collapse:collapse;margin:0 0 1.4em}\n"
	      "th,td{padding:.2em .7em;border-bottom:1px solid #eee;font-size:.9em}\n"
	      "th{background:#f0f0f0;text-align:left;border-bottom:1px solid #bbb;vertical-align:bottom}\n"
	      "td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
	      "tbody tr:nth-child(even){background:#fafafa}\n"
	      "tr.total td{font-weight:600;border-top:1px solid #999}\n"
	      "tr.parent td{font-weight:600;border-top:1px solid #ccc}\n"
	      "tr.rest td{color:#666;font-style:italic}\n"
	      "tr.apart td{color:#777}\n"
	      "td.good{color:#1a7f37}td.bad{color:#b42318}\n"
	      "p.tcap{font-weight:600;margin:1.2em 0 .3em}\n"
	      "dl.notes{display:grid;grid-template-columns:max-content auto;gap:.15em 1em;font-size:.9em}\n"
	      "dl.notes dd{margin:0;overflow-wrap:anywhere}\n"
	      "dt{font-weight:600}.warn{background:#fff3cd;border:1px solid #e0c060;padding:.5em;margin:.5em 0}\n"
	      "p.result{font-size:1.1em;background:#f0f4f8;border-left:4px solid #4e79a7;padding:.5em .8em;margin:.8em 0 1.2em}\n"
	      "figure{margin:1em 0 1.5em}figcaption{font-weight:600;margin-bottom:.5em}\n"
	      "svg.chart{max-width:100%;height:auto;font-family:system-ui,sans-serif}\n"
	      "</style></head><body>\n<h1>", out);
	html_escape(out, doc->title);
	fputs("</h1>\n", out);
	for (unsigned i = 0; i < doc->n; i++) {
		const struct block *b = &doc->b[i];
		bool note = b->type == B_NOTE && !b->result;

		if (!note && in_notes) {
			fputs("</dl>\n", out);
			in_notes = false;
		}
		switch (b->type) {
		case B_HEADING:
			fprintf(out, "<h%d>", b->level <= 1 ? 2 : 3);
			html_escape(out, b->text);
			fprintf(out, "</h%d>\n", b->level <= 1 ? 2 : 3);
			break;
		case B_NOTE:
			if (b->result) {
				fputs("<p class=\"result\"><strong>", out);
				html_escape(out, b->key);
				fputs(":</strong> ", out);
				html_escape(out, b->text);
				fputs("</p>\n", out);
				break;
			}
			if (!in_notes)
				fputs("<dl class=\"notes\">\n", out);
			in_notes = true;
			fputs("<dt>", out);
			html_escape(out, b->key);
			fputs("</dt><dd>", out);
			html_escape(out, b->text);
			fputs("</dd>\n", out);
			break;
		case B_WARNING:
			fputs("<p class=\"warn\">", out);
			html_escape(out, b->text);
			fputs("</p>\n", out);
			break;
		case B_TABLE:
			render_html_table(b->table, out);
			break;
		case B_CHART:
			render_svg_chart(b->chart, out);
			break;
		}
	}
	if (in_notes)
		fputs("</dl>\n", out);
	fputs("</body></html>\n", out);
}

int xta_doc_render(const struct xta_doc *doc, enum xta_format format,
		   FILE *out)
{
	switch (format) {
	case XTA_FORMAT_TEXT:
		render_text(doc, out);
		break;
	case XTA_FORMAT_CSV:
		render_csv(doc, out);
		break;
	case XTA_FORMAT_JSON:
		render_json(doc, out);
		break;
	case XTA_FORMAT_HTML:
		render_html(doc, out);
		break;
	}
	fflush(out);
	return ferror(out) ? -1 : 0;
}

static void table_free(struct xta_table *t)
{
	for (unsigned c = 0; c < t->ncols; c++) {
		free(t->key[c]);
		free(t->label[c]);
	}
	for (size_t i = 0; i < (size_t)t->nrows * t->ncols; i++)
		free(t->cells[i].s);
	for (unsigned a = 0; a < t->nattr; a++) {
		free(t->attr_key[a]);
		free(t->attr_val[a]);
	}
	free(t->attr_key);
	free(t->attr_val);
	free(t->key);
	free(t->label);
	free(t->right);
	free(t->good);
	free(t->kind);
	free(t->cells);
	free(t->id);
	free(t->title);
	free(t);
}

void xta_doc_free(struct xta_doc *doc)
{
	if (!doc)
		return;
	for (unsigned i = 0; i < doc->n; i++) {
		struct block *b = &doc->b[i];

		free(b->key);
		free(b->text);
		if (b->table)
			table_free(b->table);
		if (b->chart) {
			for (unsigned j = 0; j < b->chart->nbars; j++)
				free(b->chart->bar[j]);
			for (unsigned j = 0; j < b->chart->nseries; j++)
				free(b->chart->series[j]);
			free(b->chart->bar);
			free(b->chart->series);
			free(b->chart->v);
			free(b->chart->title);
			free(b->chart->unit);
			free(b->chart);
		}
	}
	free(doc->b);
	free(doc->report);
	free(doc->title);
	free(doc);
}
