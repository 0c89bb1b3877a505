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
	char *s;
	uint64_t u;
	double f;
};

struct xta_table {
	char *id, *title;
	unsigned ncols;
	char **key, **label;
	bool *right;
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
		t->right[t->ncols] = *label == '>';
		t->label[t->ncols] = xta_strdup(label + (*label == '>'));
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
	}
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
			snprintf(buf, len, "-");
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

/* Distinguishable colours for up to 12 series, then they repeat. */
static const char *const palette[] = {
	"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948",
	"#b07aa1", "#ff9da7", "#9c755f", "#bab0ac", "#86bcb6", "#d37295",
};

static void render_svg_chart(const struct xta_chart *c, FILE *out)
{
	const int bar_w = 90, gap = 50, left = 60, top = 30, height = 260;
	const int legend_w = 230;
	int width = left + (int)c->nbars * (bar_w + gap) + legend_w;
	double max = 0;

	for (unsigned b = 0; b < c->nbars; b++) {
		double sum = 0;

		for (unsigned s = 0; s < c->nseries; s++)
			sum += c->v[(size_t)b * c->nseries + s];
		if (sum > max)
			max = sum;
	}
	if (max <= 0)
		max = 1;
	fprintf(out, "<figure><figcaption>");
	html_escape(out, c->title);
	fprintf(out, "</figcaption>\n<svg xmlns=\"http://www.w3.org/2000/svg\" "
		"width=\"%d\" height=\"%d\" role=\"img\">\n", width,
		top + height + 50);
	/* Axis with four ticks. */
	for (int i = 0; i <= 4; i++) {
		double v = max * i / 4;
		int y = top + height - (int)(height * i / 4);

		fprintf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
			"stroke=\"#ddd\"/>\n", left - 5, y,
			left + (int)c->nbars * (bar_w + gap), y);
		fprintf(out, "<text x=\"%d\" y=\"%d\" font-size=\"11\" "
			"text-anchor=\"end\">%.2f</text>\n", left - 8, y + 4, v);
	}
	fprintf(out, "<text x=\"12\" y=\"%d\" font-size=\"11\" transform=\"rotate(-90 12 %d)\" "
		"text-anchor=\"middle\">", top + height / 2, top + height / 2);
	html_escape(out, c->unit);
	fprintf(out, "</text>\n");
	for (unsigned b = 0; b < c->nbars; b++) {
		int x = left + gap / 2 + (int)b * (bar_w + gap);
		double acc = 0;

		for (unsigned s = 0; s < c->nseries; s++) {
			double v = c->v[(size_t)b * c->nseries + s];
			int y0, y1;

			if (v <= 0)
				continue;
			y0 = top + height - (int)lround(height * acc / max);
			acc += v;
			y1 = top + height - (int)lround(height * acc / max);
			fprintf(out, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
				"fill=\"%s\"><title>", x, y1, bar_w,
				y0 - y1 > 0 ? y0 - y1 : 1,
				palette[s % XTA_ARRAY_SIZE(palette)]);
			html_escape(out, c->bar[b]);
			fputs(": ", out);
			html_escape(out, c->series[s]);
			fprintf(out, " %.3f</title></rect>\n", v);
		}
		fprintf(out, "<text x=\"%d\" y=\"%d\" font-size=\"12\" "
			"text-anchor=\"middle\">", x + bar_w / 2,
			top + height + 18);
		html_escape(out, c->bar[b]);
		fprintf(out, "</text>\n<text x=\"%d\" y=\"%d\" font-size=\"11\" "
			"text-anchor=\"middle\">%.3f</text>\n", x + bar_w / 2,
			top + height - (int)lround(height * acc / max) - 5, acc);
	}
	for (unsigned s = 0; s < c->nseries; s++) {
		int x = left + (int)c->nbars * (bar_w + gap) + 10;
		int y = top + (int)s * 20;

		fprintf(out, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" "
			"fill=\"%s\"/><text x=\"%d\" y=\"%d\" font-size=\"12\">",
			x, y, palette[s % XTA_ARRAY_SIZE(palette)], x + 18, y + 11);
		html_escape(out, c->series[s]);
		fputs("</text>\n", out);
	}
	fputs("</svg></figure>\n", out);
}

static void render_html(const struct xta_doc *doc, FILE *out)
{
	char buf[512];
	bool in_notes = false;

	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>", out);
	html_escape(out, doc->title);
	fputs("</title>\n<style>\n"
	      "body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:75em}\n"
	      "h1{font-size:1.5em}h2{font-size:1.25em;margin-top:1.6em;border-bottom:1px solid #ccc}\n"
	      "h3{font-size:1.05em;margin-top:1.2em}\n"
	      "table{border-collapse:collapse;margin:.4em 0 1.2em}\n"
	      "th,td{padding:.2em .7em;border-bottom:1px solid #eee;font-size:.9em}\n"
	      "th{background:#f4f4f4;text-align:left}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}\n"
	      "caption{text-align:left;font-weight:600;padding:.3em 0}\n"
	      "dl.notes{display:grid;grid-template-columns:max-content auto;gap:.2em 1em;font-size:.9em}\n"
	      "dt{font-weight:600}.warn{background:#fff3cd;border:1px solid #e0c060;padding:.5em;margin:.5em 0}\n"
	      "figure{margin:1em 0}figcaption{font-weight:600;margin-bottom:.3em}\n"
	      "</style></head><body>\n<h1>", out);
	html_escape(out, doc->title);
	fputs("</h1>\n", out);
	for (unsigned i = 0; i < doc->n; i++) {
		const struct block *b = &doc->b[i];

		if (b->type != B_NOTE && in_notes) {
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
		case B_TABLE: {
			const struct xta_table *t = b->table;

			fputs("<table>", out);
			if (t->title[0]) {
				fputs("<caption>", out);
				html_escape(out, t->title);
				fputs("</caption>", out);
			}
			fputs("\n<tr>", out);
			for (unsigned c = 0; c < t->ncols; c++) {
				fprintf(out, "<th%s>", t->right[c] ? " class=\"n\"" : "");
				html_escape(out, t->label[c]);
				fputs("</th>", out);
			}
			fputs("</tr>\n", out);
			for (unsigned r = 0; r < t->nrows; r++) {
				fputs("<tr>", out);
				for (unsigned c = 0; c < t->ncols; c++) {
					const struct cell *cl = cell_at(t, r, c);

					cell_text(cl, buf, sizeof(buf));
					fprintf(out, "<td%s", t->right[c] ? " class=\"n\"" : "");
					if (cl->indent)
						fprintf(out, " style=\"padding-left:%.1fem\"",
							0.7 + 1.5 * cl->indent);
					fputc('>', out);
					html_escape(out, buf);
					fputs("</td>", out);
				}
				fputs("</tr>\n", out);
			}
			fputs("</table>\n", out);
			break;
		}
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
