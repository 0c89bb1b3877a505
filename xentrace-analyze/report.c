// SPDX-License-Identifier: GPL-2.0-or-later
#include "report.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strparse.h"
#include "util.h"

/* ---- loading ---- */

int xta_trace_load(struct xta_trace *t, const char *path,
		   const struct xta_load_opts *opts, char *err, size_t errlen)
{
	uint64_t samples;
	int found;

	memset(t, 0, sizeof(*t));
	if (opts->meta_path) {
		if (xta_meta_load(opts->meta_path, &t->meta, err, errlen))
			return -1;
	} else {
		found = xta_meta_find(path, &t->meta, err, errlen);
		if (found < 0)
			return -1;
	}
	if (xta_analyze_path(path, &opts->reader, opts->vendor, &t->a, err,
			     errlen)) {
		xta_meta_free(&t->meta);
		return -1;
	}
	t->path = xta_strdup(path);
	for (unsigned i = 0; i < t->a->nr_doms; i++) {
		struct xta_domain *d = t->a->dom[i];
		const char *name = xta_meta_domain_name(&t->meta, d->id);

		if (name)
			d->name = xta_strdup(name);
	}
	if (opts->cpu_hz) {
		t->cpu_hz = opts->cpu_hz;
		snprintf(t->clock_note, sizeof(t->clock_note), "%.6g GHz (--cpu-hz)",
			 t->cpu_hz / 1e9);
	} else if (t->meta.cpu_hz) {
		t->cpu_hz = t->meta.cpu_hz;
		snprintf(t->clock_note, sizeof(t->clock_note), "%.6g GHz (from %s)",
			 t->cpu_hz / 1e9, t->meta.path);
	} else if ((t->cpu_hz = xta_analysis_estimated_hz(t->a, &samples))) {
		t->clock_estimated = true;
		snprintf(t->clock_note, sizeof(t->clock_note),
			 "%.4f GHz ESTIMATED from %" PRIu64 " scheduler runs in the "
			 "trace (no --cpu-hz, no %s.meta)", t->cpu_hz / 1e9, samples,
			 path);
	} else {
		t->cpu_hz = XTA_ASSUMED_HZ;
		t->clock_assumed = true;
		snprintf(t->clock_note, sizeof(t->clock_note),
			 "%.6g GHz ASSUMED: no --cpu-hz, no sidecar %s.meta and too "
			 "few scheduler runs to estimate it; times in seconds are "
			 "only as right as this guess", t->cpu_hz / 1e9, path);
	}
	t->vendor = xta_analysis_vendor(t->a);
	return 0;
}

void xta_trace_free(struct xta_trace *t)
{
	xta_analysis_free(t->a);
	xta_meta_free(&t->meta);
	free(t->path);
	memset(t, 0, sizeof(*t));
}

void xta_domain_label(const struct xta_domain *d, char *buf, size_t len)
{
	if (d->id == XTA_DOMID_IDLE)
		snprintf(buf, len, "idle");
	else if (d->id == XTA_DOMID_DEFAULT)
		snprintf(buf, len, "(not scheduled yet)");
	else if (d->name)
		snprintf(buf, len, "%s (d%u)", d->name, d->id);
	else
		snprintf(buf, len, "d%u", d->id);
}

static bool has_guests(const struct xta_trace *t);

/* "web1 (d3)" for one guest, "guests d1, d2" for several. */
static void guests_label(const struct xta_trace *t, struct xta_domsel *sel)
{
	char one[96];
	size_t len = 0;
	unsigned n = 0;

	for (unsigned i = 0; i < t->a->nr_doms; i++) {
		const struct xta_domain *d = t->a->dom[i];

		if (!xta_domsel_match(t, sel, d) || d->id == XTA_DOMID_IDLE)
			continue;
		xta_domain_label(d, one, sizeof(one));
		if (n++ == 0)
			len = (size_t)snprintf(sel->label, sizeof(sel->label), "%s", one);
		else if (len < sizeof(sel->label))
			len += (size_t)snprintf(sel->label + len, sizeof(sel->label) - len,
						", %s", one);
	}
	if (!n)
		snprintf(sel->label, sizeof(sel->label), "no guest domains");
}

int xta_domsel_parse(const struct xta_trace *t, const char *spec,
		     struct xta_domsel *sel, char *err, size_t errlen)
{
	uint64_t id;
	char nerr[160];
	const char *num = spec;

	memset(sel, 0, sizeof(*sel));
	if (!spec || !strcmp(spec, "all")) {
		sel->all = true;
		snprintf(sel->label, sizeof(sel->label), "all domains");
		return 0;
	}
	if (!strcmp(spec, "guests")) {
		sel->guests = true;
		guests_label(t, sel);
		return 0;
	}
	if (num[0] == 'd' && num[1] >= '0' && num[1] <= '9')
		num++;
	if (xlp_parse_u64(num, "--domain", 0, XTA_DOMID_DEFAULT, &id, nerr,
			  sizeof(nerr)) == 0) {
		sel->id = (uint32_t)id;
	} else {
		bool found = false;

		for (unsigned i = 0; i < t->meta.nr_doms; i++)
			if (!strcmp(t->meta.dom[i].name, spec)) {
				sel->id = t->meta.dom[i].id;
				found = true;
			}
		if (!found) {
			snprintf(err, errlen,
				 "--domain: \"%s\" is not a domain id, \"all\", "
				 "\"guests\" or a name from %s",
				 spec, t->meta.path ? t->meta.path : "a sidecar (none found)");
			return -1;
		}
	}
	{
		const struct xta_domain *d = xta_domain_find(t->a, sel->id);

		if (!d) {
			snprintf(err, errlen, "--domain: domain %u does not appear in %s",
				 sel->id, t->path);
			return -1;
		}
		xta_domain_label(d, sel->label, sizeof(sel->label));
	}
	return 0;
}

static bool has_guests(const struct xta_trace *t)
{
	for (unsigned i = 0; i < t->a->nr_doms; i++) {
		uint32_t id = t->a->dom[i]->id;

		if (id != 0 && id != XTA_DOMID_IDLE && id != XTA_DOMID_DEFAULT)
			return true;
	}
	return false;
}

bool xta_domsel_match(const struct xta_trace *t, const struct xta_domsel *sel,
		      const struct xta_domain *d)
{
	if (d->id == XTA_DOMID_DEFAULT)
		return false;
	if (sel->all)
		return true;
	if (sel->guests) {
		if (d->id == XTA_DOMID_IDLE)
			return false;
		return d->id != 0 || !has_guests(t);
	}
	return d->id == sel->id;
}

/* ---- shared notes ---- */

static double secs(const struct xta_trace *t, uint64_t cycles)
{
	return (double)cycles / (double)t->cpu_hz;
}

static double usecs(const struct xta_trace *t, uint64_t cycles)
{
	return (double)cycles * 1e6 / (double)t->cpu_hz;
}

void xta_report_trace_notes(struct xta_doc *doc, const struct xta_trace *t,
			    const char *prefix)
{
	const struct xta_analysis *a = t->a;
	const struct xta_reader_error *e = &a->rerr;
	char key[64];

#define KEY(k) (snprintf(key, sizeof(key), "%s%s", prefix, k), key)
	xta_doc_note(doc, KEY("Trace"), "%s (%s, %" PRIu64 " bytes, %" PRIu64
		     " records, %u pCPUs)", t->path, a->input_desc,
		     a->rstats.bytes, a->rstats.records, a->nr_pcpus);
	xta_doc_note(doc, KEY("Span"), "%.3f s (%" PRIu64 " cycles)",
		     secs(t, a->last_tsc - a->first_tsc),
		     a->last_tsc - a->first_tsc);
	xta_doc_note(doc, KEY("Clock"), "%s", t->clock_note);
	xta_doc_note(doc, KEY("HVM vendor"), "%s (%s)", xta_vendor_name(t->vendor),
		     xta_analysis_vendor_reason(a));
	if (e->status == XTA_READ_OK)
		xta_doc_note(doc, KEY("Status"), "complete");
	else
		xta_doc_note(doc, KEY("Status"),
			     "INCOMPLETE: %s%s (report covers the data before it)",
			     e->msg, e->count > 1 ? ", and more problems after" : "");
	if (e->status != XTA_READ_OK)
		xta_doc_warning(doc, "%s: %s", t->path, e->msg);
	if (t->clock_assumed)
		xta_doc_warning(doc, "clock rate assumed (%.3g GHz): pass --cpu-hz "
				"or write %s.meta", t->cpu_hz / 1e9, t->path);
	if (a->rstats.late_records)
		xta_doc_warning(doc, "%" PRIu64 " stretches of records came out of "
				"time order: the merge's look-ahead bound was hit "
				"(%" PRIu64 " pCPU waits); counts may differ slightly",
				a->rstats.late_records, a->rstats.stalls);
	if (a->rstats.tsc_backwards)
		xta_doc_warning(doc, "%" PRIu64 " records are older than their "
				"pCPU's previous record", a->rstats.tsc_backwards);
#undef KEY
}

/* ---- summary ---- */

static void stat_cells(struct xta_table *tb, const struct xta_trace *t,
		       const struct xta_stat *s, bool events)
{
	xta_cell_u64(tb, events ? s->events : s->count);
	xta_cell_u64(tb, s->cycles);
	xta_cell_f64(tb, secs(t, s->cycles), 6);
	if (s->count) {
		xta_cell_f64(tb, usecs(t, s->cycles / s->count), 2);
		xta_cell_f64(tb, usecs(t, xta_stat_percentile(s, 0.5)), 2);
		xta_cell_f64(tb, usecs(t, xta_stat_percentile(s, 0.95)), 2);
	} else {
		xta_cell_empty(tb);
		xta_cell_empty(tb);
		xta_cell_empty(tb);
	}
}

#define STAT_COLS "count:>Count|cycles:>Cycles|seconds:>Time (s)|mean_us:>Mean (us)|p50_us:>p50 (us)|p95_us:>p95 (us)"

static void table_context(struct xta_table *tb, const struct xta_domain *d,
			  const struct xta_vcpu *v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%u", d->id);
	xta_table_attr(tb, "domain", buf);
	if (v) {
		snprintf(buf, sizeof(buf), "%u", v->id);
		xta_table_attr(tb, "vcpu", buf);
	}
}

static void detail_label(const struct xta_trace *t, enum xta_handler h,
			 uint64_t key, char *buf, size_t len)
{
	const char *name;

	switch (h) {
	case XTA_H_IO:
		snprintf(buf, len, "port 0x%" PRIx64 " %s", key & 0xffff,
			 key & XTA_KEY_WRITE ? "write" : "read");
		break;
	case XTA_H_MMIO:
		snprintf(buf, len, "mmio %s %s",
			 xta_addr_class_names[(key & 0xff) < XTA_ADDR_CLASSES ?
					      key & 0xff : XTA_ADDR_MMIO],
			 key & XTA_KEY_WRITE ? "write" : "read");
		break;
	case XTA_H_NPF:
		snprintf(buf, len, "npf %s (p2m type %" PRIu64 ")",
			 xta_addr_class_names[((key >> 8) & 0xff) < XTA_ADDR_CLASSES ?
					      (key >> 8) & 0xff : XTA_ADDR_MMIO],
			 key & 0xff);
		break;
	case XTA_H_CR_READ:
	case XTA_H_CR_WRITE:
		snprintf(buf, len, "%s cr%" PRIu64, xta_handler_names[h], key);
		break;
	case XTA_H_MSR_READ:
	case XTA_H_MSR_WRITE:
	case XTA_H_XCR_READ:
	case XTA_H_XCR_WRITE:
		snprintf(buf, len, "%s 0x%" PRIx64, xta_handler_names[h], key);
		break;
	case XTA_H_CPUID:
		snprintf(buf, len, "cpuid leaf 0x%" PRIx64, key);
		break;
	case XTA_H_VMCALL:
		name = xta_hypercall_name((uint32_t)key);
		if (name)
			snprintf(buf, len, "hypercall %s", name);
		else
			snprintf(buf, len, "hypercall %" PRIu64, key);
		break;
	case XTA_H_INTR:
		if (t->vendor == XTA_VENDOR_SVM)
			snprintf(buf, len, "intr");
		else
			snprintf(buf, len, "intr vector 0x%" PRIx64, key);
		break;
	case XTA_H_PF:
		snprintf(buf, len, "pf_xen ec 0x%" PRIx64, key);
		break;
	case XTA_H_TRAP:
		name = xta_trap_name((unsigned)key);
		snprintf(buf, len, "trap %s", name ? name : "?");
		break;
	case XTA_H_OTHER:
		snprintf(buf, len, "event 0x%" PRIx64, key);
		break;
	default:
		snprintf(buf, len, "%s", xta_handler_names[h < XTA_H_MAX ? h : XTA_H_OTHER]);
		break;
	}
}

static const char *exit_name(const struct xta_trace *t, unsigned slot,
			     char *buf, size_t len)
{
	const char *name = xta_exit_slot_name(t->vendor == XTA_VENDOR_UNKNOWN ?
					      XTA_VENDOR_VMX : t->vendor, slot);

	if (name)
		return name;
	snprintf(buf, len, "exit 0x%x", (unsigned)xta_slot_code(slot));
	return buf;
}

static int cmp_detail(const void *x, const void *y)
{
	const struct xta_detail *a = *(const struct xta_detail *const *)x;
	const struct xta_detail *b = *(const struct xta_detail *const *)y;

	if (a->st.cycles != b->st.cycles)
		return a->st.cycles > b->st.cycles ? -1 : 1;
	return a->key < b->key ? -1 : a->key > b->key;
}

/* "... 12 more details (--top 0 shows all)" */
static void more_label(struct xta_table *tb, uint64_t n, const char *what,
		       const char *whats)
{
	xta_cell_str(tb, "\u2026 %" PRIu64 " more %s (--top 0 shows all)", n,
		     n == 1 ? what : whats);
}

static void summary_hvm(struct xta_doc *doc, const struct xta_trace *t,
			const struct xta_domain *d, const struct xta_vcpu *v,
			uint64_t top)
{
	const struct xta_hvm *h = v->hvm;
	struct xta_table *tb;
	const struct xta_detail **list;
	char buf[64], label[160];
	uint64_t injected = 0;
	unsigned shown;

	tb = xta_doc_table(doc, "exits", "HVM exits: time in Xen from VMEXIT to VMENTRY, by exit and handler detail",
			   "exit:Exit|code:>Code|group:Group|" STAT_COLS);
	table_context(tb, d, v);
	list = xta_calloc(h->detail_cap ? h->detail_cap : 1, sizeof(*list));
	for (unsigned s = 0; s < XTA_EXIT_SLOTS; s++) {
		unsigned n = 0;

		if (!h->exit[s].events)
			continue;
		xta_table_row(tb);
		xta_cell_str(tb, "%s", exit_name(t, s, buf, sizeof(buf)));
		if (s == XTA_SLOT_OTHER)
			xta_cell_str(tb, "?");
		else
			xta_cell_str(tb, "0x%x", (unsigned)xta_slot_code(s));
		xta_cell_str(tb, "%s", xta_group_names[xta_group_hvm(t->vendor, s,
						XTA_H_NONE, 0)]);
		stat_cells(tb, t, &h->exit[s], true);
		for (unsigned i = 0; i < h->detail_cap; i++)
			if (h->detail[i].used && h->detail[i].slot == s)
				list[n++] = &h->detail[i];
		if (n)
			qsort(list, n, sizeof(*list), cmp_detail);
		shown = top && n > top ? (unsigned)top : n;
		for (unsigned i = 0; i < shown; i++) {
			detail_label(t, list[i]->handler, list[i]->key, label,
				     sizeof(label));
			xta_table_row(tb);
			xta_table_indent(tb, 1);
			xta_cell_str(tb, "%s", label);
			xta_cell_empty(tb);
			xta_cell_str(tb, "%s", xta_group_names[xta_group_hvm(t->vendor, s,
					list[i]->handler, list[i]->key)]);
			stat_cells(tb, t, &list[i]->st, true);
		}
		if (shown < n) {
			struct xta_stat rest = { 0 };

			for (unsigned i = shown; i < n; i++)
				xta_stat_merge(&rest, &list[i]->st);
			xta_table_row(tb);
			xta_table_indent(tb, 1);
			xta_table_row_kind(tb, XTA_ROW_REST);
			more_label(tb, n - shown, "detail", "details");
			xta_cell_empty(tb);
			xta_cell_empty(tb);
			stat_cells(tb, t, &rest, true);
			xta_stat_free(&rest);
		}
	}
	free(list);
	for (unsigned i = 0; i < 257; i++)
		injected += h->inj_virq[i];
	if (injected) {
		tb = xta_doc_table(doc, "injected", "Interrupts injected into the guest",
				   "vector:Vector|count:>Count");
		table_context(tb, d, v);
		for (unsigned i = 0; i < 257; i++) {
			if (!h->inj_virq[i])
				continue;
			xta_table_row(tb);
			if (i < 256)
				xta_cell_str(tb, "%u", i);
			else
				xta_cell_str(tb, "other");
			xta_cell_u64(tb, h->inj_virq[i]);
		}
	}
	if (h->failed_entries)
		xta_doc_note(doc, "Failed VM entries", "%" PRIu64, h->failed_entries);
}

static void summary_pv(struct xta_doc *doc, const struct xta_trace *t,
		       const struct xta_domain *d, const struct xta_vcpu *v)
{
	const struct xta_pv *pv = v->pv;
	struct xta_table *tb;
	static const char *const sched_cmds[] = {
		"yield", "block", "shutdown", "poll", "remote_shutdown",
		"shutdown_code", "watchdog", "pin_override",
	};

	(void)t;
	tb = xta_doc_table(doc, "pv_events", "PV entries into Xen by cause",
			   "event:Event|group:Group|count:>Count");
	table_context(tb, d, v);
	for (unsigned k = 0; k < XTA_PV_KINDS; k++) {
		if (!pv->kind[k])
			continue;
		xta_table_row(tb);
		xta_cell_str(tb, "%s", xta_pv_kind_name(k) ? xta_pv_kind_name(k) : "pv event");
		xta_cell_str(tb, "%s", xta_group_names[xta_group_pv_event(k, 0)]);
		xta_cell_u64(tb, pv->kind[k]);
		if (k == XTA_PV_TRAP)
			for (unsigned n = 0; n < 33; n++) {
				const char *name = xta_trap_name(n);

				if (!pv->trap[n])
					continue;
				xta_table_row(tb);
				xta_table_indent(tb, 1);
				if (n < 32)
					xta_cell_str(tb, "vector %u%s%s", n,
						     name ? " " : "", name ? name : "");
				else
					xta_cell_str(tb, "vector >= 32");
				xta_cell_str(tb, "%s", xta_group_names[xta_group_pv_event(k, n)]);
				xta_cell_u64(tb, pv->trap[n]);
			}
	}

	tb = xta_doc_table(doc, "hypercalls", "PV hypercalls by number (in multicalls: as subcalls)",
			   "nr:>Nr|hypercall:Hypercall|group:Group|count:>Count|subcalls:>Subcalls");
	table_context(tb, d, v);
	for (unsigned nr = 0; nr <= XTA_HYPERCALL_MAX; nr++) {
		const char *name = xta_hypercall_name(nr);

		if (!pv->hypercall[nr] && !pv->subcall[nr])
			continue;
		xta_table_row(tb);
		if (nr < XTA_HYPERCALL_MAX)
			xta_cell_u64(tb, nr);
		else
			xta_cell_str(tb, ">=64");
		xta_cell_str(tb, "%s", name ? name : "?");
		xta_cell_str(tb, "%s", xta_group_names[xta_group_hypercall(nr, UINT32_MAX)]);
		xta_cell_u64(tb, pv->hypercall[nr]);
		xta_cell_u64(tb, pv->subcall[nr]);
		if (nr == 29)
			for (unsigned c = 0; c < 9; c++) {
				if (!pv->sched_op_cmd[c])
					continue;
				xta_table_row(tb);
				xta_cell_empty(tb);
				xta_table_indent(tb, 1);
				xta_cell_str(tb, "%s", c < 8 ? sched_cmds[c] : "other");
				xta_cell_str(tb, "%s", xta_group_names[xta_group_hypercall(nr, c)]);
				xta_cell_u64(tb, pv->sched_op_cmd[c]);
				xta_cell_empty(tb);
			}
	}
	if (pv->mmu_update_reqs || pv->mmuext_reqs || pv->multicall_calls)
		xta_doc_note(doc, "Batched requests",
			     "%" PRIu64 " page-table updates in mmu_update, %" PRIu64
			     " mmuext ops, %" PRIu64 " calls in multicalls",
			     pv->mmu_update_reqs, pv->mmuext_reqs, pv->multicall_calls);
}

static void summary_vcpu(struct xta_doc *doc, const struct xta_trace *t,
			 const struct xta_domain *d, const struct xta_vcpu *v,
			 uint64_t top)
{
	struct xta_table *tb;

	xta_doc_heading(doc, 2, "d%uv%u%s", d->id, v->id,
			v->type == XTA_VCPU_HVM ? " (HVM/PVH)" :
			v->type == XTA_VCPU_PV ? " (PV)" : "");
	tb = xta_doc_table(doc, "runstates", "Runstates (intervals of non-zero length)",
			   "state:State|" STAT_COLS);
	table_context(tb, d, v);
	for (unsigned s = 0; s < XTA_RS_MAX; s++) {
		if (!v->runstate[s].count)
			continue;
		xta_table_row(tb);
		xta_cell_str(tb, "%s", xta_runstate_names[s]);
		stat_cells(tb, t, &v->runstate[s], false);
		if (s != XTA_RS_RUNNABLE)
			continue;
		for (unsigned k = XTA_RUNNABLE_WAKE; k < XTA_RUNNABLE_MAX; k++) {
			if (!v->runnable_kind[k].count)
				continue;
			xta_table_row(tb);
			xta_table_indent(tb, 1);
			xta_cell_str(tb, "%s", xta_runnable_names[k]);
			stat_cells(tb, t, &v->runnable_kind[k], false);
		}
	}
	if (v->affinity.count) {
		tb = xta_doc_table(doc, "affinity", "Time on a pCPU between moves (by the pCPU moved to)",
				   "pcpu:pCPU|" STAT_COLS);
		table_context(tb, d, v);
		xta_table_row(tb);
		xta_cell_str(tb, "all");
		stat_cells(tb, t, &v->affinity, false);
		for (unsigned p = 0; p < v->affinity_len; p++) {
			if (!v->affinity_pcpu[p].count)
				continue;
			xta_table_row(tb);
			xta_table_indent(tb, 1);
			xta_cell_str(tb, "%u", p);
			stat_cells(tb, t, &v->affinity_pcpu[p], false);
		}
	}
	if (v->pv)
		summary_pv(doc, t, d, v);
	if (v->hvm)
		summary_hvm(doc, t, d, v, top);
}

static void summary_anomalies(struct xta_doc *doc, const struct xta_analysis *a)
{
	const struct xta_anomalies *an = &a->anomalies;
	struct xta_table *tb;
	static const struct {
		size_t off;
		const char *what;
	} rows[] = {
		{ offsetof(struct xta_anomalies, unattributed), "PV/HVM records before any vCPU was scheduled" },
		{ offsetof(struct xta_anomalies, idle_records), "PV/HVM records while the idle vCPU ran" },
		{ offsetof(struct xta_anomalies, type_mismatch), "PV records for an HVM vCPU or back" },
		{ offsetof(struct xta_anomalies, malformed), "records too short for their event" },
		{ offsetof(struct xta_anomalies, runstate_mismatch), "runstate changes from a state the vCPU was not in" },
		{ offsetof(struct xta_anomalies, schedule_conflicts), "schedule records that contradict the pCPU's state" },
		{ offsetof(struct xta_anomalies, entries_without_exit), "VMENTRYs without an open VMEXIT" },
		{ offsetof(struct xta_anomalies, exits_backwards), "VMENTRYs older than their VMEXIT" },
	};
	bool any = false;

	for (unsigned i = 0; i < XTA_ARRAY_SIZE(rows); i++)
		any |= *(const uint64_t *)((const char *)an + rows[i].off) != 0;
	if (!any)
		return;
	tb = xta_doc_table(doc, "anomalies", "Records that did not fit (counted, otherwise ignored)",
			   "what:What|count:>Count");
	for (unsigned i = 0; i < XTA_ARRAY_SIZE(rows); i++) {
		uint64_t n = *(const uint64_t *)((const char *)an + rows[i].off);

		if (!n)
			continue;
		xta_table_row(tb);
		xta_cell_str(tb, "%s", rows[i].what);
		xta_cell_u64(tb, n);
	}
}

struct xta_doc *xta_report_summary(const struct xta_trace *t,
				   const struct xta_domsel *sel,
				   const struct xta_report_opts *opts)
{
	uint64_t top = opts ? opts->top : 0;
	const struct xta_analysis *a = t->a;
	struct xta_doc *doc;
	struct xta_table *tb;
	char title[256], label[128];

	snprintf(title, sizeof(title), "xentrace-analyze summary: %s", t->path);
	doc = xta_doc_new("summary", title);
	xta_report_trace_notes(doc, t, "");
	xta_doc_note(doc, "Domains shown", "%s", sel->label);

	tb = xta_doc_table(doc, "pcpus", "Records by pCPU",
			   "pcpu:pCPU|records:>Records|bytes:>Bytes|sched:>Sched bytes|pv:>PV bytes|hvm:>HVM bytes|lost:>Lost records");
	for (unsigned p = 0; p < a->nr_pcpus; p++) {
		const struct xta_pcpu *pc = a->pcpu[p];
		uint64_t bytes = 0;

		if (!pc)
			continue;
		for (unsigned c = 0; c < XTA_CLASSES; c++)
			bytes += pc->volume[c];
		xta_table_row(tb);
		xta_cell_u64(tb, p);
		xta_cell_u64(tb, pc->records);
		xta_cell_u64(tb, bytes);
		xta_cell_u64(tb, pc->volume[XTA_CLASS_SCHED]);
		xta_cell_u64(tb, pc->volume[XTA_CLASS_PV]);
		xta_cell_u64(tb, pc->volume[XTA_CLASS_HVM]);
		xta_cell_u64(tb, pc->lost_records);
	}
	summary_anomalies(doc, a);

	for (unsigned i = 0; i < a->nr_doms; i++) {
		const struct xta_domain *d = a->dom[i];

		if (!xta_domsel_match(t, sel, d))
			continue;
		xta_domain_label(d, label, sizeof(label));
		xta_doc_heading(doc, 1, "Domain %s", label);
		tb = xta_doc_table(doc, "domain_runstates",
				   "Domain runstates (from its vCPUs' states)",
				   "state:State|" STAT_COLS);
		table_context(tb, d, NULL);
		for (unsigned s = 0; s < XTA_DS_MAX; s++) {
			if (!d->domstate[s].count)
				continue;
			xta_table_row(tb);
			xta_cell_str(tb, "%s", xta_domstate_names[s]);
			stat_cells(tb, t, &d->domstate[s], false);
		}
		for (unsigned j = 0; j < d->nr_vcpus; j++)
			if (d->vcpu[j])
				summary_vcpu(doc, t, d, d->vcpu[j], top);
	}
	return doc;
}

/* ---- overhead factors ---- */

static struct xta_factor *factor_add(struct xta_overhead *o)
{
	if (o->n == o->cap) {
		o->cap = o->cap ? o->cap * 2 : 64;
		o->f = xta_realloc(o->f, o->cap * sizeof(*o->f));
	}
	memset(&o->f[o->n], 0, sizeof(o->f[0]));
	return &o->f[o->n++];
}

/* The factor with this label and group, created when new. */
static struct xta_factor *factor_get(struct xta_overhead *o, const char *label,
				     enum xta_group group, bool timed)
{
	struct xta_factor *f;

	for (unsigned i = 0; i < o->n; i++)
		if (o->f[i].group == group && o->f[i].timed == timed &&
		    !strcmp(o->f[i].label, label))
			return &o->f[i];
	f = factor_add(o);
	snprintf(f->label, sizeof(f->label), "%s", label);
	f->group = group;
	f->timed = timed;
	return f;
}

static int cmp_factor(const void *x, const void *y)
{
	const struct xta_factor *a = x, *b = y;

	if (a->timed != b->timed)
		return a->timed ? -1 : 1;
	if (a->cycles != b->cycles)
		return a->cycles > b->cycles ? -1 : 1;
	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	return strcmp(a->label, b->label);
}

static void collect_hvm(const struct xta_trace *t, const struct xta_hvm *h,
			struct xta_overhead *o)
{
	char buf[64], detail[128], label[200];

	o->timed = true;
	for (unsigned i = 0; i < h->detail_cap; i++) {
		const struct xta_detail *e = &h->detail[i];
		enum xta_group g;
		struct xta_factor *f;

		if (!e->used)
			continue;
		const char *name;

		g = xta_group_hvm(t->vendor, e->slot, e->handler, e->key);
		name = exit_name(t, e->slot, buf, sizeof(buf));
		if (e->handler == XTA_H_NONE) {
			snprintf(label, sizeof(label), "%s", name);
		} else {
			detail_label(t, e->handler, e->key, detail, sizeof(detail));
			snprintf(label, sizeof(label), "%s: %s", name, detail);
		}
		f = factor_get(o, label, g, true);
		f->count += e->st.events;
		f->cycles += e->st.cycles;
		xta_stat_merge(&f->st, &e->st);
		o->group_count[g] += e->st.events;
		o->group_cycles[g] += e->st.cycles;
	}
}

static void count_factor(struct xta_overhead *o, const char *label,
			 enum xta_group g, uint64_t n)
{
	struct xta_factor *f;

	if (!n)
		return;
	f = factor_get(o, label, g, false);
	f->count += n;
	o->group_count[g] += n;
}

static void collect_pv(const struct xta_pv *pv, struct xta_overhead *o)
{
	static const char *const sched_cmds[] = {
		"yield", "block", "shutdown", "poll", "remote_shutdown",
		"shutdown_code", "watchdog", "pin_override",
	};
	char label[128];
	uint64_t with_cmd = 0;

	o->counted = true;
	/* Every PV record but multicall subcalls is one entry into Xen; a
	 * multicall is one entry however many calls it batches. */
	for (unsigned k = 0; k < XTA_PV_KINDS; k++) {
		const char *name = xta_pv_kind_name(k);

		if (k == XTA_PV_HYPERCALL || k == XTA_PV_HYPERCALL_V2 ||
		    k == XTA_PV_HYPERCALL_SUBCALL || k == XTA_PV_TRAP)
			continue;
		snprintf(label, sizeof(label), "pv %s", name ? name : "event");
		count_factor(o, label, xta_group_pv_event(k, 0), pv->kind[k]);
	}
	for (unsigned n = 0; n < 33; n++) {
		const char *name = xta_trap_name(n);

		snprintf(label, sizeof(label), "pv trap %s", n < 32 && name ? name : "other");
		count_factor(o, label, xta_group_pv_event(XTA_PV_TRAP, n), pv->trap[n]);
	}
	for (unsigned c = 0; c < 9; c++) {
		snprintf(label, sizeof(label), "hypercall sched_op %s",
			 c < 8 ? sched_cmds[c] : "other");
		count_factor(o, label, xta_group_hypercall(29, c), pv->sched_op_cmd[c]);
		with_cmd += pv->sched_op_cmd[c];
	}
	for (unsigned nr = 0; nr <= XTA_HYPERCALL_MAX; nr++) {
		const char *name = xta_hypercall_name(nr);
		uint64_t n = pv->hypercall[nr];

		if (nr == 29)
			n = n > with_cmd ? n - with_cmd : 0;
		if (name)
			snprintf(label, sizeof(label), "hypercall %s", name);
		else
			snprintf(label, sizeof(label), "hypercall %u", nr);
		count_factor(o, label, xta_group_hypercall(nr, UINT32_MAX), n);
	}
}

void xta_overhead_collect(const struct xta_trace *t,
			  const struct xta_domsel *sel, struct xta_overhead *o)
{
	memset(o, 0, sizeof(*o));
	for (unsigned i = 0; i < t->a->nr_doms; i++) {
		const struct xta_domain *d = t->a->dom[i];

		if (!xta_domsel_match(t, sel, d) || d->id == XTA_DOMID_IDLE)
			continue;
		o->nr_domains++;
		for (unsigned j = 0; j < d->nr_vcpus; j++) {
			const struct xta_vcpu *v = d->vcpu[j];

			if (!v)
				continue;
			if (v->hvm)
				collect_hvm(t, v->hvm, o);
			if (v->pv)
				collect_pv(v->pv, o);
		}
	}
	if (o->n)
		qsort(o->f, o->n, sizeof(*o->f), cmp_factor);
}

void xta_overhead_free(struct xta_overhead *o)
{
	for (unsigned i = 0; i < o->n; i++)
		xta_stat_free(&o->f[i].st);
	free(o->f);
	memset(o, 0, sizeof(*o));
}

/* Total overhead: everything but Halt, which is idle time. */
static uint64_t total_cycles(const struct xta_overhead *o)
{
	uint64_t sum = 0;

	for (unsigned g = 0; g < XTA_GROUPS; g++)
		if (g != XTA_G_HALT)
			sum += o->group_cycles[g];
	return sum;
}

static uint64_t total_count(const struct xta_overhead *o)
{
	uint64_t sum = 0;

	for (unsigned g = 0; g < XTA_GROUPS; g++)
		if (g != XTA_G_HALT)
			sum += o->group_count[g];
	return sum;
}

/* One row of a factor table; Halt has no share of the overhead. */
static void factor_row(struct xta_table *tb, const struct xta_trace *t,
		       const struct xta_factor *f, uint64_t tot_n, uint64_t tot_c)
{
	bool halt = f->group == XTA_G_HALT;

	xta_table_row(tb);
	if (halt)
		xta_table_row_kind(tb, XTA_ROW_APART);
	xta_cell_str(tb, "%s", f->label);
	xta_cell_str(tb, "%s", xta_group_names[f->group]);
	xta_cell_u64(tb, f->count);
	if (f->timed) {
		xta_cell_f64(tb, secs(t, f->cycles), 6);
		if (f->st.count) {
			xta_cell_f64(tb, usecs(t, f->cycles / f->st.count), 2);
			xta_cell_f64(tb, usecs(t, xta_stat_percentile(&f->st, 0.95)), 2);
		} else {
			xta_cell_empty(tb);
			xta_cell_empty(tb);
		}
		if (halt) {
			xta_cell_empty(tb);
			xta_cell_empty(tb);
		} else {
			xta_cell_f64(tb, tot_c ? 100.0 * f->cycles / tot_c : 0, 2);
			xta_cell_f64(tb, tot_c ? (double)f->cycles / tot_c : 0, 4);
		}
	} else if (halt) {
		xta_cell_empty(tb);
		xta_cell_empty(tb);
	} else {
		xta_cell_f64(tb, tot_n ? 100.0 * f->count / tot_n : 0, 2);
		xta_cell_f64(tb, tot_n ? (double)f->count / tot_n : 0, 4);
	}
}

/* The factors' entries and cycles of one kind (timed HVM exits or counted
 * PV entries), overhead and Halt apart. */
static void factor_totals(const struct xta_overhead *o, bool timed,
			  uint64_t *tot_n, uint64_t *tot_c, uint64_t *halt_n,
			  uint64_t *halt_c)
{
	*tot_n = *tot_c = *halt_n = *halt_c = 0;
	for (unsigned i = 0; i < o->n; i++) {
		const struct xta_factor *f = &o->f[i];

		if (f->timed != timed)
			continue;
		if (f->group == XTA_G_HALT) {
			*halt_c += f->cycles;
			*halt_n += f->count;
		} else {
			*tot_c += f->cycles;
			*tot_n += f->count;
		}
	}
}

/* Per group, with the total and Halt apart. */
static void overhead_group_table(struct xta_doc *doc, const struct xta_trace *t,
				 const struct xta_overhead *o, bool timed)
{
	uint64_t tot_c, tot_n, halt_c, halt_n;
	struct xta_table *tb;

	factor_totals(o, timed, &tot_n, &tot_c, &halt_n, &halt_c);
	if (!tot_n && !halt_n)
		return;

	if (timed)
		tb = xta_doc_table(doc, "groups_time",
				   "HVM overhead by group (time in Xen; normalized: total = 1.0; Halt is idle time, shown apart)",
				   "group:Group|count:>Count|seconds:>Time (s)|share:>Share (%)|normalized:>Normalized");
	else
		tb = xta_doc_table(doc, "groups_count",
				   "PV overhead by group (entries into Xen; PV records carry no durations; normalized: total = 1.0)",
				   "group:Group|count:>Count|share:>Share (%)|normalized:>Normalized");
	for (unsigned g = 0; g < XTA_GROUPS; g++) {
		uint64_t n = 0, c = 0;

		for (unsigned i = 0; i < o->n; i++)
			if (o->f[i].timed == timed && o->f[i].group == g) {
				n += o->f[i].count;
				c += o->f[i].cycles;
			}
		if (!n || g == XTA_G_HALT)
			continue;
		xta_table_row(tb);
		xta_cell_str(tb, "%s", xta_group_names[g]);
		xta_cell_u64(tb, n);
		if (timed) {
			xta_cell_f64(tb, secs(t, c), 6);
			xta_cell_f64(tb, tot_c ? 100.0 * c / tot_c : 0, 2);
			xta_cell_f64(tb, tot_c ? (double)c / tot_c : 0, 4);
		} else {
			xta_cell_f64(tb, tot_n ? 100.0 * n / tot_n : 0, 2);
			xta_cell_f64(tb, tot_n ? (double)n / tot_n : 0, 4);
		}
	}
	xta_table_row(tb);
	xta_table_row_kind(tb, XTA_ROW_TOTAL);
	xta_cell_str(tb, "Total overhead");
	xta_cell_u64(tb, tot_n);
	if (timed) {
		xta_cell_f64(tb, secs(t, tot_c), 6);
		xta_cell_f64(tb, tot_c ? 100.0 : 0, 2);
		xta_cell_f64(tb, tot_c ? 1.0 : 0, 4);
	} else {
		xta_cell_f64(tb, tot_n ? 100.0 : 0, 2);
		xta_cell_f64(tb, tot_n ? 1.0 : 0, 4);
	}
	if (halt_n) {
		xta_table_row(tb);
		xta_table_row_kind(tb, XTA_ROW_APART);
		xta_cell_str(tb, "Halt (idle, not overhead)");
		xta_cell_u64(tb, halt_n);
		if (timed)
			xta_cell_f64(tb, secs(t, halt_c), 6);
		xta_cell_empty(tb);
		xta_cell_empty(tb);
	}
}

/* Per factor: the top ones, the rest in one row, then Halt. */
static void overhead_factor_table(struct xta_doc *doc, const struct xta_trace *t,
				  const struct xta_overhead *o, bool timed,
				  uint64_t top)
{
	uint64_t tot_c, tot_n, halt_c, halt_n;
	uint64_t shown = 0, more = 0, rest_n = 0, rest_c = 0;
	struct xta_stat rest = { 0 };
	struct xta_table *tb;

	factor_totals(o, timed, &tot_n, &tot_c, &halt_n, &halt_c);
	if (!tot_n && !halt_n)
		return;

	if (timed)
		tb = xta_doc_table(doc, "factors_time", "HVM overhead factors (Table-2 style, most time first; Halt last)",
				   "factor:Factor|group:Group|count:>Count|seconds:>Time (s)|mean_us:>Mean (us)|p95_us:>p95 (us)|share:>Share (%)|normalized:>Normalized");
	else
		tb = xta_doc_table(doc, "factors_count", "PV overhead factors (most entries first; Halt last)",
				   "factor:Factor|group:Group|count:>Count|share:>Share (%)|normalized:>Normalized");
	/* The top overhead factors, the rest in one row, then Halt (idle,
	 * outside the total) whatever its size. */
	for (unsigned i = 0; i < o->n; i++) {
		const struct xta_factor *f = &o->f[i];

		if (f->timed != timed || f->group == XTA_G_HALT)
			continue;
		if (top && shown == top) {
			rest_n += f->count;
			rest_c += f->cycles;
			xta_stat_merge(&rest, &f->st);
			more++;
			continue;
		}
		shown++;
		factor_row(tb, t, f, tot_n, tot_c);
	}
	if (more) {
		char buf[32];

		xta_table_row(tb);
		xta_table_row_kind(tb, XTA_ROW_REST);
		more_label(tb, more, "factor", "factors");
		xta_cell_empty(tb);
		xta_cell_u64(tb, rest_n);
		if (timed) {
			xta_cell_f64(tb, secs(t, rest_c), 6);
			if (rest.count) {
				xta_cell_f64(tb, usecs(t, rest_c / rest.count), 2);
				xta_cell_f64(tb, usecs(t, xta_stat_percentile(&rest, 0.95)), 2);
			} else {
				xta_cell_empty(tb);
				xta_cell_empty(tb);
			}
			xta_cell_f64(tb, tot_c ? 100.0 * rest_c / tot_c : 0, 2);
			xta_cell_f64(tb, tot_c ? (double)rest_c / tot_c : 0, 4);
		} else {
			xta_cell_f64(tb, tot_n ? 100.0 * rest_n / tot_n : 0, 2);
			xta_cell_f64(tb, tot_n ? (double)rest_n / tot_n : 0, 4);
		}
		snprintf(buf, sizeof(buf), "%" PRIu64, top);
		xta_table_attr(tb, "top", buf);
		snprintf(buf, sizeof(buf), "%" PRIu64, more);
		xta_table_attr(tb, "more_factors", buf);
	}
	xta_stat_free(&rest);
	for (unsigned i = 0; i < o->n; i++)
		if (o->f[i].timed == timed && o->f[i].group == XTA_G_HALT)
			factor_row(tb, t, &o->f[i], tot_n, tot_c);
}

static void overhead_tables(struct xta_doc *doc, const struct xta_trace *t,
			    const struct xta_overhead *o, bool timed,
			    uint64_t top)
{
	overhead_group_table(doc, t, o, timed);
	overhead_factor_table(doc, t, o, timed, top);
}

/* The groups as one bar, for HTML; only when the trace has one kind of
 * overhead (times and counts do not add up). */
static void overhead_chart(struct xta_doc *doc, const struct xta_domsel *sel,
			   const struct xta_overhead *o, bool timed)
{
	const char *bar[1] = { sel->label };
	const char *series[XTA_GROUPS - 1];
	struct xta_chart *c;
	uint64_t tot = timed ? total_cycles(o) : total_count(o);

	if (!tot)
		return;
	for (unsigned g = 0, i = 0; g < XTA_GROUPS; g++)
		if (g != XTA_G_HALT)
			series[i++] = xta_group_names[g];
	c = xta_doc_chart(doc, timed ? "Time in Xen by group, normalized: total overhead = 1.0" :
			  "Entries into Xen by group, normalized: total overhead = 1.0",
			  "share of the total overhead (1.0 = all of it)", 1, bar,
			  XTA_GROUPS - 1, series);
	for (unsigned g = 0, s = 0; g < XTA_GROUPS; g++) {
		if (g == XTA_G_HALT)
			continue;
		xta_chart_set(c, 0, s++, (double)(timed ? o->group_cycles[g] :
						 o->group_count[g]) / (double)tot);
	}
}

struct xta_doc *xta_report_overhead(const struct xta_trace *t,
				    const struct xta_domsel *sel,
				    const struct xta_report_opts *opts)
{
	uint64_t top = opts ? opts->top : 0;
	struct xta_overhead o;
	struct xta_doc *doc;
	char title[300];

	snprintf(title, sizeof(title), "xentrace-analyze overhead: %s, %s",
		 t->path, sel->label);
	doc = xta_doc_new("overhead", title);
	xta_report_trace_notes(doc, t, "");
	xta_doc_note(doc, "Domains", "%s", sel->label);
	xta_overhead_collect(t, sel, &o);
	if (!o.timed && !o.counted)
		xta_doc_warning(doc, "no PV or HVM entries into Xen for %s", sel->label);
	if (o.timed) {
		uint64_t ran = 0, inxen = total_cycles(&o);

		/* How big the overhead is next to what the vCPUs ran: time in
		 * Xen is part of a vCPU's running time. */
		for (unsigned i = 0; i < t->a->nr_doms; i++) {
			const struct xta_domain *d = t->a->dom[i];

			if (!xta_domsel_match(t, sel, d) || d->id == XTA_DOMID_IDLE)
				continue;
			for (unsigned j = 0; j < d->nr_vcpus; j++)
				if (d->vcpu[j] && d->vcpu[j]->hvm)
					ran += d->vcpu[j]->runstate[XTA_RS_RUNNING].cycles;
		}
		if (ran)
			xta_doc_result(doc, "Time in Xen", "%.3f s, %.1f %% of the %.3f s "
				     "the HVM/PVH vCPUs ran (Halt excluded)",
				     secs(t, inxen), 100.0 * (double)inxen / (double)ran,
				     secs(t, ran));
		xta_doc_heading(doc, 1, "HVM/PVH: time in Xen per exit");
		overhead_group_table(doc, t, &o, true);
		if (!o.counted)
			overhead_chart(doc, sel, &o, true);
		overhead_factor_table(doc, t, &o, true, top);
	}
	if (o.counted) {
		xta_doc_heading(doc, 1, "PV: entries into Xen");
		overhead_group_table(doc, t, &o, false);
		if (!o.timed)
			overhead_chart(doc, sel, &o, false);
		overhead_factor_table(doc, t, &o, false, top);
	}
	xta_overhead_free(&o);
	return doc;
}

/* ---- compare ---- */

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash && slash[1] ? slash + 1 : path;
}

struct xta_doc *xta_report_compare(const struct xta_side *sa,
				   const struct xta_side *sb,
				   const struct xta_report_opts *opts)
{
	uint64_t top = opts ? opts->top : 0;
	struct xta_overhead oa, ob;
	struct xta_doc *doc;
	struct xta_table *tb;
	char title[400];
	bool by_time;
	double ta, tb_total;
	const char *series[XTA_GROUPS - 1];
	const char *bars[2];
	char bar_a[200], bar_b[200];
	struct xta_chart *chart;
	unsigned s;

	snprintf(title, sizeof(title), "xentrace-analyze compare: A = %s, B = %s",
		 sa->name, sb->name);
	doc = xta_doc_new("compare", title);
	/* Two domains of one trace: its notes once, without a side. */
	xta_report_trace_notes(doc, sa->t, sb->t == sa->t ? "" : "A ");
	if (sb->t != sa->t)
		xta_report_trace_notes(doc, sb->t, "B ");
	xta_doc_note(doc, "A", "%s", sa->name);
	xta_doc_note(doc, "B", "%s", sb->name);
	xta_overhead_collect(sa->t, &sa->sel, &oa);
	xta_overhead_collect(sb->t, &sb->sel, &ob);

	/* Time in Xen when both sides have it (in seconds: the traces may
	 * have different clocks); otherwise entries into Xen, the only
	 * measure a PV trace gives (each VM exit is one entry). */
	by_time = oa.timed && ob.timed && !oa.counted && !ob.counted;
	if (by_time) {
		ta = secs(sa->t, total_cycles(&oa));
		tb_total = secs(sb->t, total_cycles(&ob));
		xta_doc_note(doc, "Measure", "time in Xen (VMEXIT to VMENTRY), Halt excluded");
	} else {
		ta = (double)total_count(&oa);
		tb_total = (double)total_count(&ob);
		xta_doc_note(doc, "Measure",
			     "entries into Xen (VM exits, PV hypercalls, faults and "
			     "emulations), Halt excluded: PV traces carry no durations");
	}
	if (ta <= 0)
		xta_doc_warning(doc, "A has no overhead to normalize to");

	tb = xta_doc_table(doc, "compare_groups",
			   by_time ? "Overhead by group: time in Xen, normalized to A's total = 1.0" :
			   "Overhead by group: entries into Xen, normalized to A's total = 1.0",
			   by_time ?
			   "group:Group|a_raw:>A time (s)|b_raw:>B time (s)|a_norm:>A (norm.)|b_norm:>B (norm.)|reduction:>+Reduction (%)" :
			   "group:Group|a_raw:>A entries|b_raw:>B entries|a_norm:>A (norm.)|b_norm:>B (norm.)|reduction:>+Reduction (%)");
	for (unsigned g = 0; g < XTA_GROUPS; g++) {
		double va = by_time ? secs(sa->t, oa.group_cycles[g]) : (double)oa.group_count[g];
		double vb = by_time ? secs(sb->t, ob.group_cycles[g]) : (double)ob.group_count[g];

		if (g == XTA_G_HALT || (va == 0 && vb == 0))
			continue;
		xta_table_row(tb);
		xta_cell_str(tb, "%s", xta_group_names[g]);
		if (by_time) {
			xta_cell_f64(tb, va, 6);
			xta_cell_f64(tb, vb, 6);
		} else {
			xta_cell_u64(tb, oa.group_count[g]);
			xta_cell_u64(tb, ob.group_count[g]);
		}
		xta_cell_f64(tb, ta > 0 ? va / ta : NAN, 4);
		xta_cell_f64(tb, ta > 0 ? vb / ta : NAN, 4);
		xta_cell_f64_na(tb, va > 0 ? 100.0 * (va - vb) / va : NAN, 1,
				"only in B");
	}
	xta_table_row(tb);
	xta_table_row_kind(tb, XTA_ROW_TOTAL);
	xta_cell_str(tb, "Total overhead");
	if (by_time) {
		xta_cell_f64(tb, ta, 6);
		xta_cell_f64(tb, tb_total, 6);
	} else {
		xta_cell_u64(tb, total_count(&oa));
		xta_cell_u64(tb, total_count(&ob));
	}
	xta_cell_f64(tb, ta > 0 ? 1.0 : NAN, 4);
	xta_cell_f64(tb, ta > 0 ? tb_total / ta : NAN, 4);
	xta_cell_f64(tb, ta > 0 ? 100.0 * (ta - tb_total) / ta : NAN, 1);
	xta_doc_result(doc, "Overall", "B's overhead is %.3f of A's (%s%.1f %%)",
		       ta > 0 ? tb_total / ta : 0.0,
		       ta > 0 && tb_total <= ta ? "reduction " : "increase ",
		       ta > 0 ? fabs(100.0 * (ta - tb_total) / ta) : 0.0);

	for (unsigned g = 0, i = 0; g < XTA_GROUPS; g++)
		if (g != XTA_G_HALT)
			series[i++] = xta_group_names[g];
	/* Chart labels are short: a trace by its file name. */
	if (sa->t == sb->t) {
		snprintf(bar_a, sizeof(bar_a), "A: %s", sa->sel.label);
		snprintf(bar_b, sizeof(bar_b), "B: %s", sb->sel.label);
	} else {
		snprintf(bar_a, sizeof(bar_a), "A: %s: %s", base_name(sa->t->path),
			 sa->sel.label);
		snprintf(bar_b, sizeof(bar_b), "B: %s: %s", base_name(sb->t->path),
			 sb->sel.label);
	}
	bars[0] = bar_a;
	bars[1] = bar_b;
	chart = xta_doc_chart(doc, by_time ?
			      "Time in Xen by group, normalized to A's total = 1.0" :
			      "Entries into Xen by group, normalized to A's total = 1.0",
			      "overhead normalized to A's total (1.0 = all of A's)",
			      2, bars, XTA_GROUPS - 1, series);
	s = 0;
	for (unsigned g = 0; g < XTA_GROUPS; g++) {
		if (g == XTA_G_HALT)
			continue;
		if (ta > 0) {
			xta_chart_set(chart, 0, s, (by_time ? secs(sa->t, oa.group_cycles[g]) :
						  (double)oa.group_count[g]) / ta);
			xta_chart_set(chart, 1, s, (by_time ? secs(sb->t, ob.group_cycles[g]) :
						  (double)ob.group_count[g]) / ta);
		}
		s++;
	}

	xta_doc_heading(doc, 1, "A: %s", sa->name);
	if (oa.timed)
		overhead_tables(doc, sa->t, &oa, true, top);
	if (oa.counted)
		overhead_tables(doc, sa->t, &oa, false, top);
	xta_doc_heading(doc, 1, "B: %s", sb->name);
	if (ob.timed)
		overhead_tables(doc, sb->t, &ob, true, top);
	if (ob.counted)
		overhead_tables(doc, sb->t, &ob, false, top);
	xta_overhead_free(&oa);
	xta_overhead_free(&ob);
	return doc;
}
