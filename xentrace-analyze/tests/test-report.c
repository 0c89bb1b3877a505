// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The analysis on small synthetic traces (runstates, exits closed by
 * VMENTRY or by preemption, PV counts), the overhead groups, percentiles,
 * the sidecar, the clock estimate, the report formats, and overhead and
 * compare on the real traces.
 */
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xen/trace.h>

#include "analyze.h"
#include "doc.h"
#include "groups.h"
#include "report.h"
#include "synth.h"
#include "../../tests/cunit_runner.h"

static struct xta_analysis *analyze_synth(const struct synth *s)
{
	struct xta_reader *r;
	struct xta_analysis *a;
	char err[256];

	if (xta_reader_open_mem(&r, s->buf, s->len, NULL, err, sizeof(err)))
		return NULL;
	a = xta_analysis_new();
	xta_analysis_run(a, r);
	xta_reader_close(r);
	return a;
}

static void vmexit(struct synth *s, uint64_t tsc, uint32_t code)
{
	uint32_t w[3] = { code, 0x81000000u, 0xffffffffu };

	synth_rec(s, TRC_HVM_VMEXIT64, true, tsc, 3, w);
}

static void handler(struct synth *s, uint32_t event, unsigned n,
		    const uint32_t *w)
{
	synth_rec(s, event, false, 0, n, w);
}

/*
 * d1v0 (HVM) on pCPU 0: an I/O exit closed by VMENTRY, a HLT exit across
 * a block and wake, an interrupt exit cut short by preemption.
 */
static void test_hvm_exits_and_runstates(void)
{
	struct synth s;
	struct xta_analysis *a;
	const struct xta_vcpu *v;
	const struct xta_hvm *h;
	uint32_t port = 0x42, msr[3] = { 0x80b, 0, 0 };
	unsigned io = xta_exit_slot(0x7b), hlt = xta_exit_slot(0x78),
		 intr = xta_exit_slot(0x60), msr_slot = xta_exit_slot(0x7c);

	synth_init(&s);
	synth_window(&s, 0);
	synth_runstate(&s, 100, 1, 0, 1, 0);		/* runnable -> running */
	vmexit(&s, 200, 0x7b);				/* IOIO */
	handler(&s, TRC_HVM_IOPORT_READ, 1, &port);
	synth_rec0(&s, TRC_HVM_VMENTRY, 260);
	vmexit(&s, 270, 0x7c);				/* MSR */
	handler(&s, TRC_HVM_MSR_WRITE, 3, msr);
	synth_rec0(&s, TRC_HVM_VMENTRY, 290);
	vmexit(&s, 300, 0x78);				/* HLT */
	handler(&s, TRC_HVM_HLT, 1, &(uint32_t){ 0 });
	synth_runstate(&s, 310, 1, 0, 0, 2);		/* running -> blocked */
	synth_runstate(&s, 500, 1, 0, 2, 1);		/* blocked -> runnable */
	synth_runstate(&s, 520, 1, 0, 1, 0);		/* runnable -> running */
	synth_rec0(&s, TRC_HVM_VMENTRY, 530);
	vmexit(&s, 600, 0x60);				/* INTR */
	handler(&s, TRC_HVM_INTR, 0, NULL);
	synth_runstate(&s, 650, 1, 0, 0, 1);		/* preempted */
	synth_runstate(&s, 700, 1, 0, 1, 0);
	synth_rec0(&s, TRC_HVM_VMENTRY, 710);
	synth_rec0(&s, TRC_HVM_VMENTRY, 720);		/* no exit open */
	synth_close(&s);

	a = analyze_synth(&s);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_EQUAL(xta_analysis_vendor(a), XTA_VENDOR_SVM);
	v = xta_domain_find(a, 1)->vcpu[0];
	CU_ASSERT_EQUAL(v->type, XTA_VCPU_HVM);
	h = v->hvm;
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);

	CU_ASSERT_EQUAL(h->exit[io].events, 1);
	CU_ASSERT_EQUAL(h->exit[io].cycles, 60);
	CU_ASSERT_EQUAL(h->exit[msr_slot].cycles, 20);
	/* The HLT exit lasts until the wake: idle time, group Halt. */
	CU_ASSERT_EQUAL(h->exit[hlt].cycles, 200);
	/* Preemption ends the interrupt exit's time in Xen. */
	CU_ASSERT_EQUAL(h->exit[intr].cycles, 50);
	CU_ASSERT_EQUAL(a->anomalies.entries_without_exit, 1);

	for (unsigned i = 0; i < h->detail_cap; i++) {
		const struct xta_detail *d = &h->detail[i];

		if (!d->used)
			continue;
		if (d->slot == io) {
			CU_ASSERT_EQUAL(d->handler, XTA_H_IO);
			CU_ASSERT_EQUAL(d->key, 0x42);
			CU_ASSERT_EQUAL(xta_group_hvm(XTA_VENDOR_SVM, d->slot, d->handler, d->key),
					XTA_G_IO);
		} else if (d->slot == msr_slot) {
			CU_ASSERT_EQUAL(d->handler, XTA_H_MSR_WRITE);
			/* x2APIC EOI: APIC, not instruction emulation. */
			CU_ASSERT_EQUAL(xta_group_hvm(XTA_VENDOR_SVM, d->slot, d->handler, d->key),
					XTA_G_APIC);
		} else if (d->slot == hlt) {
			CU_ASSERT_EQUAL(xta_group_hvm(XTA_VENDOR_SVM, d->slot, d->handler, d->key),
					XTA_G_HALT);
		}
	}

	/* Runstates: running 100-310, 520-650, 700-720 (lost at the end of
	 * pCPU 0's records); blocked 310-500; runnable 500-520 (wake) and
	 * 650-700 (preempt). */
	CU_ASSERT_EQUAL(v->runstate[XTA_RS_RUNNING].count, 3);
	CU_ASSERT_EQUAL(v->runstate[XTA_RS_RUNNING].cycles, 210 + 130 + 20);
	CU_ASSERT_EQUAL(v->runstate[XTA_RS_BLOCKED].cycles, 190);
	CU_ASSERT_EQUAL(v->runnable_kind[XTA_RUNNABLE_WAKE].cycles, 20);
	CU_ASSERT_EQUAL(v->runnable_kind[XTA_RUNNABLE_PREEMPT].cycles, 50);
	CU_ASSERT_EQUAL(v->rs, XTA_RS_LOST);
	xta_analysis_free(a);
	synth_free(&s);
}

/* A VMX guest: exit reasons 0-75 only, vectors in INTR records. */
static void test_vmx_detection(void)
{
	struct synth s;
	struct xta_analysis *a;
	struct xta_reader *r;
	char err[256];
	uint32_t vec = 0xef, port = 0x3f8;

	synth_init(&s);
	synth_window(&s, 0);
	synth_runstate(&s, 100, 4, 0, 1, 0);
	vmexit(&s, 200, 1);			/* EXTERNAL_INTERRUPT */
	handler(&s, TRC_HVM_INTR, 1, &vec);
	synth_rec0(&s, TRC_HVM_VMENTRY, 230);
	vmexit(&s, 300, 30);			/* IO_INSTRUCTION */
	handler(&s, TRC_HVM_IOPORT_WRITE, 1, &port);
	synth_rec0(&s, TRC_HVM_VMENTRY, 310);
	synth_close(&s);

	a = analyze_synth(&s);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_EQUAL(xta_analysis_vendor(a), XTA_VENDOR_VMX);
	CU_ASSERT_PTR_NOT_NULL(strstr(xta_analysis_vendor_reason(a), "VMX"));
	CU_ASSERT_EQUAL(xta_domain_find(a, 4)->vcpu[0]->hvm->exit[1].cycles, 30);
	CU_ASSERT_EQUAL(xta_domain_find(a, 4)->vcpu[0]->hvm->exit[30].cycles, 10);
	xta_analysis_free(a);

	/* --vendor wins over the evidence. */
	CU_ASSERT_EQUAL_FATAL(xta_reader_open_mem(&r, s.buf, s.len, NULL, err,
						  sizeof(err)), 0);
	a = xta_analysis_new();
	a->vendor_override = XTA_VENDOR_SVM;
	xta_analysis_run(a, r);
	xta_reader_close(r);
	CU_ASSERT_EQUAL(xta_analysis_vendor(a), XTA_VENDOR_SVM);
	CU_ASSERT_PTR_NOT_NULL(strstr(xta_analysis_vendor_reason(a), "--vendor"));
	xta_analysis_free(a);
	synth_free(&s);
}

/* PV counts, multicall subcalls, sched_op commands, traps. */
static void test_pv_counts(void)
{
	struct synth s;
	struct xta_analysis *a;
	const struct xta_pv *pv;
	uint32_t mmu[2] = { 1 | TRC_PV_HYPERCALL_V2_ARG_32(1), 5 };
	uint32_t block[2] = { 29 | TRC_PV_HYPERCALL_V2_ARG_32(0), 1 };
	uint32_t trap[3] = { 0x1000, 0xffffffff, 13 | 1u << 15 | 0x10u << 16 };
	uint32_t pf[5] = { 0, 0, 0x2000, 0, 2 };

	synth_init(&s);
	synth_window(&s, 1);
	synth_runstate(&s, 10, 2, 0, 1, 0);
	synth_rec(&s, TRC_PV_HYPERCALL_V2, true, 20, 2, mmu);
	synth_rec1(&s, TRC_PV_HYPERCALL_V2, 30, 13);
	synth_rec(&s, TRC_PV_HYPERCALL_SUBCALL, true, 31, 2, mmu);
	synth_rec(&s, TRC_PV_HYPERCALL_SUBCALL, true, 32, 2, mmu);
	synth_rec(&s, TRC_PV_TRAP | TRC_64_FLAG, true, 40, 3, trap);
	synth_rec(&s, TRC_PV_PAGE_FAULT | TRC_64_FLAG, true, 50, 5, pf);
	synth_rec(&s, TRC_PV_HYPERCALL_V2, true, 60, 2, block);
	synth_close(&s);

	a = analyze_synth(&s);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	pv = xta_domain_find(a, 2)->vcpu[0]->pv;
	CU_ASSERT_PTR_NOT_NULL_FATAL(pv);
	CU_ASSERT_EQUAL(pv->hypercall[1], 1);
	CU_ASSERT_EQUAL(pv->subcall[1], 2);
	CU_ASSERT_EQUAL(pv->hypercall[13], 1);
	CU_ASSERT_EQUAL(pv->mmu_update_reqs, 15);
	CU_ASSERT_EQUAL(pv->kind[XTA_PV_HYPERCALL_V2], 3);
	CU_ASSERT_EQUAL(pv->kind[XTA_PV_HYPERCALL_SUBCALL], 2);
	CU_ASSERT_EQUAL(pv->trap[13], 1);
	CU_ASSERT_EQUAL(pv->kind[XTA_PV_PAGE_FAULT], 1);
	CU_ASSERT_EQUAL(pv->sched_op_cmd[1], 1);
	CU_ASSERT_EQUAL(xta_group_hypercall(29, 1), XTA_G_HALT);
	xta_analysis_free(a);
	synth_free(&s);
}

/* Records before any schedule, for idle, or of the wrong type. */
static void test_attribution(void)
{
	struct synth s;
	struct xta_analysis *a;

	synth_init(&s);
	synth_window(&s, 0);
	synth_rec1(&s, TRC_PV_HYPERCALL_V2, 5, 1);	/* nobody known yet */
	synth_runstate(&s, 10, XTA_DOMID_IDLE, 0, 1, 0);
	synth_rec1(&s, TRC_PV_HYPERCALL_V2, 15, 1);	/* idle runs */
	synth_runstate(&s, 20, XTA_DOMID_IDLE, 0, 0, 1);
	synth_runstate(&s, 21, 3, 0, 1, 0);
	synth_rec1(&s, TRC_PV_HYPERCALL_V2, 25, 1);
	synth_rec0(&s, TRC_HVM_VMENTRY, 26);		/* PV vCPU: ignored */
	synth_close(&s);
	a = analyze_synth(&s);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_EQUAL(a->anomalies.idle_records, 1);
	CU_ASSERT_EQUAL(a->anomalies.type_mismatch, 1);
	CU_ASSERT_EQUAL(xta_domain_find(a, 3)->vcpu[0]->pv->hypercall[1], 1);
	/* The first went to the placeholder, which reports never show. */
	CU_ASSERT_FALSE(xta_domain_visible(xta_domain_find(a, XTA_DOMID_DEFAULT)));
	xta_analysis_free(a);
	synth_free(&s);
}

static void test_groups_complete(void)
{
	/* Every code of both vendors lands in a group; named codes have
	 * names. */
	for (unsigned slot = 0; slot < XTA_EXIT_SLOTS; slot++) {
		CU_ASSERT(xta_group_hvm(XTA_VENDOR_SVM, slot, XTA_H_NONE, 0) < XTA_GROUPS);
		CU_ASSERT(xta_group_hvm(XTA_VENDOR_VMX, slot, XTA_H_NONE, 0) < XTA_GROUPS);
	}
	for (unsigned code = 0; code <= XTA_SVM_EXIT_MAX; code++)
		CU_ASSERT_PTR_NOT_NULL(xta_exit_slot_name(XTA_VENDOR_SVM, code));
	CU_ASSERT_STRING_EQUAL(xta_exit_slot_name(XTA_VENDOR_SVM, XTA_SLOT_NPF), "VMEXIT_NPF");
	CU_ASSERT_STRING_EQUAL(xta_exit_slot_name(XTA_VENDOR_VMX, 48), "EPT_VIOLATION");
	CU_ASSERT_STRING_EQUAL(xta_exit_slot_name(XTA_VENDOR_VMX, 74), "BUS_LOCK");
	CU_ASSERT_PTR_NULL(xta_exit_slot_name(XTA_VENDOR_VMX, 0x7b));

	CU_ASSERT_EQUAL(xta_group_hvm(XTA_VENDOR_VMX, 1, XTA_H_INTR, 0xef), XTA_G_INTERRUPT);
	CU_ASSERT_EQUAL(xta_group_hvm(XTA_VENDOR_VMX, 30, XTA_H_IO, 0x3f8), XTA_G_IO);
	CU_ASSERT_EQUAL(xta_group_hvm(XTA_VENDOR_VMX, 28, XTA_H_CR_WRITE, 3), XTA_G_CR);
	CU_ASSERT_EQUAL(xta_group_hvm(XTA_VENDOR_VMX, 28, XTA_H_CR_WRITE, 8), XTA_G_APIC);
	CU_ASSERT_EQUAL(xta_group_hvm(XTA_VENDOR_VMX, 44, XTA_H_NONE, 0), XTA_G_APIC);
	CU_ASSERT_EQUAL(xta_group_hvm(XTA_VENDOR_VMX, 48, XTA_H_NPF,
				      (uint64_t)XTA_ADDR_MMIO << 8 | 4), XTA_G_MMIO);
	CU_ASSERT_EQUAL(xta_group_hvm(XTA_VENDOR_VMX, 48, XTA_H_NPF,
				      (uint64_t)XTA_ADDR_RAM << 8), XTA_G_PAGE_FAULT);
	CU_ASSERT_EQUAL(xta_group_hvm(XTA_VENDOR_VMX, 0, XTA_H_TRAP, 14), XTA_G_PAGE_FAULT);
	CU_ASSERT_EQUAL(xta_group_hvm(XTA_VENDOR_VMX, 12, XTA_H_HLT, 0), XTA_G_HALT);
	CU_ASSERT_EQUAL(xta_group_hvm(XTA_VENDOR_VMX, 18, XTA_H_VMCALL, 24), XTA_G_HYPERCALL);
	CU_ASSERT_EQUAL(xta_group_hvm(XTA_VENDOR_SVM, xta_exit_slot(0x400), XTA_H_NPF,
				      (uint64_t)XTA_ADDR_LAPIC << 8), XTA_G_APIC);
	CU_ASSERT_EQUAL(xta_group_hvm(XTA_VENDOR_SVM, 0x18, XTA_H_NONE, 0), XTA_G_APIC);
	CU_ASSERT_EQUAL(xta_group_hvm(XTA_VENDOR_SVM, 0x79, XTA_H_NONE, 0), XTA_G_MMU);
	CU_ASSERT_EQUAL(xta_group_pv_event(XTA_PV_PTWR_EMULATION, 0), XTA_G_MMU);
	CU_ASSERT_EQUAL(xta_group_pv_event(XTA_PV_PAGE_FAULT, 0), XTA_G_PAGE_FAULT);
	CU_ASSERT_EQUAL(xta_group_pv_event(XTA_PV_EMULATE_PRIVOP, 0), XTA_G_EMULATION);
	CU_ASSERT_EQUAL(xta_group_hypercall(1, UINT32_MAX), XTA_G_MMU);
	CU_ASSERT_EQUAL(xta_group_hypercall(26, UINT32_MAX), XTA_G_MMU);
	CU_ASSERT_EQUAL(xta_group_hypercall(24, UINT32_MAX), XTA_G_HYPERCALL);
}

static void test_percentiles(void)
{
	struct xta_stat st = { 0 };

	for (uint64_t v = 1; v <= 1000; v++)
		xta_stat_add(&st, v);
	xta_stat_add(&st, 0);
	CU_ASSERT_EQUAL(st.events, 1001);
	CU_ASSERT_EQUAL(st.count, 1000);
	CU_ASSERT_EQUAL(st.cycles, 500500);
	CU_ASSERT_EQUAL(st.min, 1);
	CU_ASSERT_EQUAL(st.max, 1000);
	CU_ASSERT(fabs((double)xta_stat_percentile(&st, 0.5) - 500) <= 500 * 0.0625);
	CU_ASSERT(fabs((double)xta_stat_percentile(&st, 0.95) - 950) <= 950 * 0.0625);
	CU_ASSERT_EQUAL(xta_stat_percentile(&st, 0.001), 1);
	CU_ASSERT_EQUAL(xta_stat_percentile(&st, 1.0), 1000);
	/* Small values are exact. */
	xta_stat_free(&st);
	memset(&st, 0, sizeof(st));
	for (int i = 0; i < 10; i++)
		xta_stat_add(&st, 7);
	CU_ASSERT_EQUAL(xta_stat_percentile(&st, 0.5), 7);
	/* Huge ones do not overflow the buckets. */
	xta_stat_add(&st, UINT64_MAX / 2);
	CU_ASSERT_EQUAL(xta_stat_percentile(&st, 1.0), UINT64_MAX / 2);
	xta_stat_free(&st);
	for (unsigned i = 1; i < XTA_HIST_BUCKETS; i++)
		CU_ASSERT(xta_hist_bucket_low(i) > xta_hist_bucket_low(i - 1));
	CU_ASSERT_EQUAL(xta_hist_index(UINT64_MAX), XTA_HIST_BUCKETS - 1);
}

static char *render(struct xta_doc *doc, enum xta_format f)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	xta_doc_render(doc, f, out);
	fclose(out);
	return buf;
}

static void test_formats(void)
{
	struct xta_doc *doc = xta_doc_new("test", "A <test> report");
	struct xta_table *t;
	const char *labels[2] = { "A", "B" }, *series[2] = { "MMIO", "I/O" };
	struct xta_chart *c;
	char *text, *csv, *html, *js;
	json_object *root, *tables, *row, *v;

	xta_doc_note(doc, "Clock", "2.4 GHz");
	t = xta_doc_table(doc, "groups", "Groups", "group:Group|count:>Count|share:>Share (%)");
	xta_table_row(t);
	xta_cell_str(t, "I/O, \"ports\"");
	xta_cell_u64(t, 12345);
	xta_cell_f64(t, 12.5, 2);
	xta_table_row(t);
	xta_table_indent(t, 1);
	xta_cell_str(t, "detail");
	xta_cell_u64(t, 1);
	xta_cell_f64(t, NAN, 2);
	c = xta_doc_chart(doc, "chart", "normalized", 2, labels, 2, series);
	xta_chart_set(c, 0, 0, 0.75);
	xta_chart_set(c, 1, 1, 0.5);

	text = render(doc, XTA_FORMAT_TEXT);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "Clock: 2.4 GHz"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "12345"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "12.50"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "    detail"));

	csv = render(doc, XTA_FORMAT_CSV);
	CU_ASSERT_PTR_NOT_NULL(strstr(csv, "group,count,share\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(csv, "\"I/O, \"\"ports\"\"\",12345,12.5\n"));

	html = render(doc, XTA_FORMAT_HTML);
	CU_ASSERT_PTR_NOT_NULL(strstr(html, "<!DOCTYPE html>"));
	CU_ASSERT_PTR_NOT_NULL(strstr(html, "A &lt;test&gt; report"));
	CU_ASSERT_PTR_NOT_NULL(strstr(html, "<svg"));
	CU_ASSERT_PTR_NOT_NULL(strstr(html, "</html>"));
	CU_ASSERT_PTR_NULL(strstr(html, "<test>"));

	js = render(doc, XTA_FORMAT_JSON);
	root = json_tokener_parse(js);
	CU_ASSERT_PTR_NOT_NULL_FATAL(root);
	CU_ASSERT_TRUE_FATAL(json_object_object_get_ex(root, "tables", &tables));
	row = json_object_array_get_idx(json_object_object_get(
		json_object_array_get_idx(tables, 0), "rows"), 0);
	CU_ASSERT_TRUE(json_object_object_get_ex(row, "count", &v));
	CU_ASSERT_EQUAL(json_object_get_int64(v), 12345);
	CU_ASSERT_TRUE(json_object_object_get_ex(row, "share", &v));
	CU_ASSERT_DOUBLE_EQUAL(json_object_get_double(v), 12.5, 1e-9);
	row = json_object_array_get_idx(json_object_object_get(
		json_object_array_get_idx(tables, 0), "rows"), 1);
	CU_ASSERT_TRUE(json_object_object_get_ex(row, "share", &v));
	CU_ASSERT_PTR_NULL(v);	/* not a number: null */
	json_object_put(root);

	free(text);
	free(csv);
	free(html);
	free(js);
	xta_doc_free(doc);
}

/* What HTML adds for the reader (the data stays the same elsewhere):
 * grouped digits, µs, a real minus, coloured changes, styled totals and
 * folded rows, the conclusion set off, and a chart that reads alone. */
static void test_html(void)
{
	struct xta_doc *doc = xta_doc_new("test", "HTML");
	struct xta_table *t;
	const char *bars[2] = { "A: one", "B: two" };
	const char *series[3] = { "MMIO", "I/O", "Unused" };
	struct xta_chart *c;
	char *text, *csv, *html, *js;
	json_object *root, *row, *v;

	t = xta_doc_table(doc, "changes", "Changes",
			  "what:What|n:>Count|t:>Mean (us)|red:>+Reduction (%)");
	xta_table_row(t);
	xta_cell_str(t, "better");
	xta_cell_u64(t, 1234567);
	xta_cell_f64(t, 1.5, 2);
	xta_cell_f64(t, 24.5, 1);
	xta_table_row(t);
	xta_cell_str(t, "worse");
	xta_cell_u64(t, 999);
	xta_cell_f64(t, 2, 2);
	xta_cell_f64(t, -17.25, 1);
	xta_table_row(t);
	xta_cell_str(t, "new");
	xta_cell_u64(t, 1000);
	xta_cell_empty(t);
	xta_cell_f64_na(t, NAN, 1, "only in B");
	xta_table_row(t);
	xta_table_row_kind(t, XTA_ROW_REST);
	xta_cell_str(t, "\u2026 3 more");
	xta_cell_u64(t, 3);
	xta_cell_empty(t);
	xta_cell_empty(t);
	xta_table_row(t);
	xta_table_row_kind(t, XTA_ROW_TOTAL);
	xta_cell_str(t, "Total");
	xta_cell_u64(t, 1235569);
	xta_cell_empty(t);
	xta_cell_f64(t, 10, 1);
	xta_doc_result(doc, "Overall", "B is 0.9 of A");
	c = xta_doc_chart(doc, "By group", "normalized", 2, bars, 3, series);
	xta_chart_set(c, 0, 0, 0.75);
	xta_chart_set(c, 0, 1, 0.25);
	xta_chart_set(c, 1, 1, 0.00004);

	text = render(doc, XTA_FORMAT_TEXT);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "1234567"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "-17.2"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "only in B"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "Overall: B is 0.9 of A\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "Reduction (%)"));
	CU_ASSERT_PTR_NULL(strstr(text, "+Reduction"));
	/* The ellipsis is one column: the counts stay aligned. */
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "  \u2026 3 more        3"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "  Total     1235569"));

	csv = render(doc, XTA_FORMAT_CSV);
	CU_ASSERT_PTR_NOT_NULL(strstr(csv, "what,n,t,red\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(csv, "\nnew,1000,,-\n"));

	js = render(doc, XTA_FORMAT_JSON);
	root = json_tokener_parse(js);
	CU_ASSERT_PTR_NOT_NULL_FATAL(root);
	CU_ASSERT_TRUE(json_object_object_get_ex(json_object_object_get(root, "notes"),
						 "Overall", &v));
	row = json_object_array_get_idx(json_object_object_get(
		json_object_array_get_idx(json_object_object_get(root, "tables"), 0),
		"rows"), 2);
	CU_ASSERT_TRUE(json_object_object_get_ex(row, "red", &v));
	CU_ASSERT_PTR_NULL(v);
	json_object_put(root);

	html = render(doc, XTA_FORMAT_HTML);
	CU_ASSERT_PTR_NOT_NULL(strstr(html, "1&#8239;234&#8239;567"));
	CU_ASSERT_PTR_NOT_NULL(strstr(html, ">999<"));
	CU_ASSERT_PTR_NOT_NULL(strstr(html, "Mean (&micro;s)"));
	CU_ASSERT_PTR_NOT_NULL(strstr(html, "<th class=\"n\">Reduction (%)</th>"));
	CU_ASSERT_PTR_NOT_NULL(strstr(html, "<td class=\"n good\">24.5</td>"));
	CU_ASSERT_PTR_NOT_NULL(strstr(html, "<td class=\"n bad\">&minus;17.2</td>"));
	CU_ASSERT_PTR_NOT_NULL(strstr(html, "<td class=\"n\">only in B</td>"));
	CU_ASSERT_PTR_NOT_NULL(strstr(html, "<tr class=\"rest\">"));
	CU_ASSERT_PTR_NOT_NULL(strstr(html, "<tr class=\"total\">"));
	CU_ASSERT_PTR_NOT_NULL(strstr(html, "<p class=\"result\"><strong>Overall:</strong> B is 0.9 of A</p>"));
	/* The chart: both panels, the values written, the unused series left
	 * out of the legend, short labels in the second panel. */
	CU_ASSERT_PTR_NOT_NULL(strstr(html, "Total, stacked by group"));
	CU_ASSERT_PTR_NOT_NULL(strstr(html, "Per group, side by side"));
	CU_ASSERT_PTR_NOT_NULL(strstr(html, ">A: one</text>"));
	CU_ASSERT_PTR_NOT_NULL(strstr(html, ">0.750</text>"));
	CU_ASSERT_PTR_NOT_NULL(strstr(html, ">1.000</text>"));
	CU_ASSERT_PTR_NOT_NULL(strstr(html, ">&lt;0.0001</text>"));
	CU_ASSERT_PTR_NOT_NULL(strstr(html, ">MMIO</text>"));
	CU_ASSERT_PTR_NULL(strstr(html, ">Unused</text>"));
	CU_ASSERT_PTR_NOT_NULL(strstr(html, ">A</text>"));
	CU_ASSERT_PTR_NOT_NULL(strstr(html, ">normalized</text>"));
	/* One page: nothing fetched from elsewhere. */
	CU_ASSERT_PTR_NULL(strstr(html, "<script"));
	CU_ASSERT_PTR_NULL(strstr(html, "<link"));
	CU_ASSERT_PTR_NULL(strstr(html, "src="));
	CU_ASSERT_PTR_NULL(strstr(html, "url("));

	free(text);
	free(csv);
	free(html);
	free(js);
	xta_doc_free(doc);
}

static char *data_path(const char *name)
{
	static char buf[2][4096];
	static int i;

	i ^= 1;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", XTA_TEST_DATA, name);
	return buf[i];
}

/* The sidecar: clock and names; and what a broken one says. */
static void test_meta(void)
{
	static const char good[] = "{ \"cpu_hz\": 2600000000, \"domains\": "
				   "{ \"0\": \"Domain-0\", \"2\": \"web1\" } }";
	static const char bad[] = "{ \"cpu_hz\": -5 }";
	struct xta_load_opts opts = { 0 };
	struct xta_trace t;
	struct xta_domsel sel;
	char *path = synth_tmpfile(good, sizeof(good) - 1, ".meta");
	char err[512], label[64];

	opts.meta_path = path;
	CU_ASSERT_EQUAL_FATAL(xta_trace_load(&t, data_path("trace-pvh.bin.xz"),
					     &opts, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(t.cpu_hz, 2600000000u);
	CU_ASSERT_FALSE(t.clock_assumed);
	xta_domain_label(xta_domain_find(t.a, 2), label, sizeof(label));
	CU_ASSERT_STRING_EQUAL(label, "web1 (d2)");
	CU_ASSERT_EQUAL(xta_domsel_parse(&t, "web1", &sel, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(sel.id, 2);
	CU_ASSERT_EQUAL(xta_domsel_parse(&t, "d0", &sel, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(sel.label, "Domain-0 (d0)");
	CU_ASSERT_EQUAL(xta_domsel_parse(&t, "nosuch", &sel, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "nosuch"));
	CU_ASSERT_EQUAL(xta_domsel_parse(&t, "7", &sel, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "does not appear"));
	xta_trace_free(&t);
	unlink(path);
	free(path);

	path = synth_tmpfile(bad, sizeof(bad) - 1, ".meta");
	opts.meta_path = path;
	CU_ASSERT_EQUAL(xta_trace_load(&t, data_path("trace-pv.bin.xz"), &opts,
				       err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "cpu_hz"));
	unlink(path);
	free(path);
}

/* With neither --cpu-hz nor a sidecar, the trace tells its clock: both
 * traces were taken on a host whose Xen calibrated the TSC at 2.6 GHz. */
static void test_clock_estimate(void)
{
	struct xta_load_opts opts = { 0 };
	struct xta_trace t;
	char err[512];
	const char *traces[2] = { "trace-pv.bin.xz", "trace-pvh.bin.xz" };

	for (int i = 0; i < 2; i++) {
		CU_ASSERT_EQUAL_FATAL(xta_trace_load(&t, data_path(traces[i]), &opts,
						     err, sizeof(err)), 0);
		CU_ASSERT_TRUE(t.clock_estimated);
		CU_ASSERT(fabs((double)t.cpu_hz - 2.6e9) < 0.01 * 2.6e9);
		CU_ASSERT_PTR_NOT_NULL(strstr(t.clock_note, "ESTIMATED"));
		xta_trace_free(&t);
	}
	opts.cpu_hz = 3000000000u;
	CU_ASSERT_EQUAL_FATAL(xta_trace_load(&t, data_path("trace-pv.bin.xz"), &opts,
					     err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(t.cpu_hz, 3000000000u);
	xta_trace_free(&t);
}

/* overhead and compare on the real traces: PV's software MMU against
 * PVH's hardware paging. */
static void test_overhead_and_compare(void)
{
	struct xta_load_opts opts = { 0 };
	struct xta_trace pv, pvh;
	struct xta_overhead o;
	struct xta_domsel guests;
	struct xta_side a = { 0 }, b = { 0 };
	struct xta_doc *doc;
	char err[512], *js;
	double sum = 0;
	uint64_t total = 0, mmu_pf = 0;
	json_object *root, *tables, *rows;

	CU_ASSERT_EQUAL_FATAL(xta_trace_load(&pv, data_path("trace-pv.bin.xz"), &opts,
					     err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(xta_trace_load(&pvh, data_path("trace-pvh.bin.xz"), &opts,
					     err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(xta_domsel_parse(&pv, "guests", &guests, err, sizeof(err)), 0);

	/* PV guest: page-table maintenance is the largest group, and with
	 * page faults it outweighs everything else but privileged-op
	 * emulation put together. */
	xta_overhead_collect(&pv, &guests, &o);
	CU_ASSERT_TRUE(o.counted);
	CU_ASSERT_FALSE(o.timed);
	CU_ASSERT_EQUAL(o.nr_domains, 1);
	for (unsigned g = 0; g < XTA_GROUPS; g++)
		if (g != XTA_G_HALT)
			total += o.group_count[g];
	mmu_pf = o.group_count[XTA_G_MMU] + o.group_count[XTA_G_PAGE_FAULT];
	for (unsigned g = 0; g < XTA_GROUPS; g++)
		if (g != XTA_G_MMU)
			CU_ASSERT(o.group_count[XTA_G_MMU] > o.group_count[g]);
	CU_ASSERT(mmu_pf > total - mmu_pf - o.group_count[XTA_G_EMULATION]);
	CU_ASSERT(mmu_pf * 100 > total * 45);
	CU_ASSERT_EQUAL(o.group_count[XTA_G_MMU], 238810 + 26606 + 7951 + 1706 + 5 + 1);
	xta_overhead_free(&o);

	/* PVH guest: time in Xen, normalized shares sum to 1. */
	xta_overhead_collect(&pvh, &guests, &o);
	CU_ASSERT_TRUE(o.timed);
	CU_ASSERT_EQUAL(o.group_count[XTA_G_MMU] + o.group_count[XTA_G_PAGE_FAULT], 0);
	total = 0;
	for (unsigned g = 0; g < XTA_GROUPS; g++)
		if (g != XTA_G_HALT)
			total += o.group_cycles[g];
	for (unsigned g = 0; g < XTA_GROUPS; g++)
		if (g != XTA_G_HALT)
			sum += (double)o.group_cycles[g] / (double)total;
	CU_ASSERT_DOUBLE_EQUAL(sum, 1.0, 1e-9);
	xta_overhead_free(&o);

	a.t = &pv;
	b.t = &pvh;
	a.sel = guests;
	b.sel = guests;
	snprintf(a.name, sizeof(a.name), "PV");
	snprintf(b.name, sizeof(b.name), "PVH");
	doc = xta_report_compare(&a, &b, NULL);
	js = render(doc, XTA_FORMAT_JSON);
	root = json_tokener_parse(js);
	CU_ASSERT_PTR_NOT_NULL_FATAL(root);
	json_object_object_get_ex(root, "tables", &tables);
	rows = json_object_object_get(json_object_array_get_idx(tables, 0), "rows");
	for (size_t i = 0; i < json_object_array_length(rows); i++) {
		json_object *row = json_object_array_get_idx(rows, i);
		const char *group = json_object_get_string(json_object_object_get(row, "group"));
		double red = json_object_get_double(json_object_object_get(row, "reduction"));

		/* Hardware paging removes the software MMU's work. */
		if (!strcmp(group, "MMU / page-table maintenance") ||
		    !strcmp(group, "Page fault"))
			CU_ASSERT_DOUBLE_EQUAL(red, 100.0, 1e-9);
		if (!strcmp(group, "Total overhead")) {
			double bn = json_object_get_double(json_object_object_get(row, "b_norm"));

			CU_ASSERT(bn > 0 && bn < 1);
			CU_ASSERT_DOUBLE_EQUAL(json_object_get_double(
				json_object_object_get(row, "a_norm")), 1.0, 1e-12);
		}
	}
	json_object_put(root);
	free(js);
	free(render(doc, XTA_FORMAT_HTML));
	xta_doc_free(doc);
	xta_trace_free(&pv);
	xta_trace_free(&pvh);
}

/* The table with this id in a JSON report (the nth of them). */
static json_object *json_table(json_object *root, const char *id, int nth)
{
	json_object *tables;

	if (!json_object_object_get_ex(root, "tables", &tables))
		return NULL;
	for (size_t i = 0; i < json_object_array_length(tables); i++) {
		json_object *t = json_object_array_get_idx(tables, i);

		if (!strcmp(json_object_get_string(json_object_object_get(t, "id")), id) &&
		    nth-- == 0)
			return t;
	}
	return NULL;
}

static int64_t row_int(json_object *row, const char *key)
{
	return json_object_get_int64(json_object_object_get(row, key));
}

static double row_f64(json_object *row, const char *key)
{
	return json_object_get_double(json_object_object_get(row, key));
}

/* --top: the top factors (or details under an exit), one row for the
 * rest that sums them, Halt after it, totals untouched. */
static void test_top(void)
{
	struct xta_load_opts opts = { 0 };
	struct xta_trace pvh;
	struct xta_domsel guests;
	struct xta_report_opts top3 = { .top = 3 };
	struct xta_overhead o;
	struct xta_doc *doc;
	json_object *root, *tb, *rows, *row;
	char err[512], *js;
	uint64_t count = 0, total = 0, seen = 0;
	size_t n;

	CU_ASSERT_EQUAL_FATAL(xta_trace_load(&pvh, data_path("trace-pvh.bin.xz"), &opts,
					     err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(xta_domsel_parse(&pvh, "guests", &guests, err, sizeof(err)), 0);
	xta_overhead_collect(&pvh, &guests, &o);
	for (unsigned g = 0; g < XTA_GROUPS; g++)
		if (g != XTA_G_HALT)
			total += o.group_count[g];

	doc = xta_report_overhead(&pvh, &guests, &top3);
	js = render(doc, XTA_FORMAT_JSON);
	root = json_tokener_parse(js);
	CU_ASSERT_PTR_NOT_NULL_FATAL(root);
	tb = json_table(root, "factors_time", 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(tb);
	CU_ASSERT_STRING_EQUAL(json_object_get_string(json_object_object_get(tb, "top")), "3");
	rows = json_object_object_get(tb, "rows");
	n = json_object_array_length(rows);
	CU_ASSERT_EQUAL(n, 3 + 1 + 1);	/* three, the rest, Halt */
	for (size_t i = 0; i < n; i++) {
		row = json_object_array_get_idx(rows, i);
		if (i < 3)	/* the largest, in order */
			CU_ASSERT_STRING_EQUAL(json_object_get_string(json_object_object_get(row, "factor")),
					       o.f[i].label);
		if (i < 4)
			count += (uint64_t)row_int(row, "count");
	}
	row = json_object_array_get_idx(rows, 3);
	CU_ASSERT_PTR_NOT_NULL(strstr(json_object_get_string(json_object_object_get(row, "factor")),
				      " more factors (--top 0 shows all)"));
	CU_ASSERT_PTR_NULL(json_object_object_get(row, "group"));
	CU_ASSERT(row_f64(row, "share") > 0 && row_f64(row, "share") < 100);
	CU_ASSERT_EQUAL(atoi(json_object_get_string(json_object_object_get(tb, "more_factors"))) + 3,
			(int)o.n - 1);	/* every factor but Halt */
	CU_ASSERT_EQUAL(count, total);
	row = json_object_array_get_idx(rows, 4);
	CU_ASSERT_STRING_EQUAL(json_object_get_string(json_object_object_get(row, "group")), "Halt");
	/* The group table does not change. */
	tb = json_table(root, "groups_time", 0);
	rows = json_object_object_get(tb, "rows");
	for (size_t i = 0; i < json_object_array_length(rows); i++) {
		row = json_object_array_get_idx(rows, i);
		if (!strcmp(json_object_get_string(json_object_object_get(row, "group")),
			    "Total overhead"))
			CU_ASSERT_EQUAL((uint64_t)row_int(row, "count"), total);
	}
	json_object_put(root);
	free(js);
	xta_doc_free(doc);

	/* 0 and NULL: every factor. */
	doc = xta_report_overhead(&pvh, &guests, &(struct xta_report_opts){ .top = 0 });
	js = render(doc, XTA_FORMAT_JSON);
	root = json_tokener_parse(js);
	tb = json_table(root, "factors_time", 0);
	CU_ASSERT_EQUAL(json_object_array_length(json_object_object_get(tb, "rows")), o.n);
	CU_ASSERT_PTR_NULL(json_object_object_get(tb, "more_factors"));
	json_object_put(root);
	free(js);
	xta_doc_free(doc);

	/* Summary: under each exit, the details shown and the rest add up
	 * to the exit. */
	doc = xta_report_summary(&pvh, &guests, &top3);
	js = render(doc, XTA_FORMAT_JSON);
	root = json_tokener_parse(js);
	for (int k = 0; (tb = json_table(root, "exits", k)); k++) {
		int64_t exit_count = -1, sum = 0;
		unsigned details = 0;

		rows = json_object_object_get(tb, "rows");
		for (size_t i = 0; i <= json_object_array_length(rows); i++) {
			row = i < json_object_array_length(rows) ?
				json_object_array_get_idx(rows, i) : NULL;
			if (!row || !json_object_object_get(row, "level")) {
				if (exit_count >= 0) {
					CU_ASSERT_EQUAL(sum, exit_count);
					CU_ASSERT(details <= 4);
				}
				if (!row)
					break;
				exit_count = row_int(row, "count");
				sum = 0;
				details = 0;
				continue;
			}
			sum += row_int(row, "count");
			details++;
			if (strstr(json_object_get_string(json_object_object_get(row, "exit")),
				   " more details (--top 0 shows all)"))
				seen++;
		}
	}
	CU_ASSERT(seen > 0);	/* CPUID and IOIO have many */
	json_object_put(root);
	free(js);
	xta_doc_free(doc);
	xta_overhead_free(&o);
	xta_trace_free(&pvh);
}

/* compare by time normalizes seconds, not cycles: the same trace read
 * with half the clock rate took twice as long in Xen. */
static void test_compare_clocks(void)
{
	struct xta_load_opts opts = { .cpu_hz = 2600000000u };
	struct xta_trace fast, slow;
	struct xta_side a = { 0 }, b = { 0 };
	struct xta_doc *doc;
	json_object *root, *rows;
	char err[512], *js, *text;
	bool seen = false;

	CU_ASSERT_EQUAL_FATAL(xta_trace_load(&fast, data_path("trace-pvh.bin.xz"), &opts,
					     err, sizeof(err)), 0);
	opts.cpu_hz = 1300000000u;
	CU_ASSERT_EQUAL_FATAL(xta_trace_load(&slow, data_path("trace-pvh.bin.xz"), &opts,
					     err, sizeof(err)), 0);
	a.t = &fast;
	b.t = &slow;
	CU_ASSERT_EQUAL(xta_domsel_parse(&fast, "d2", &a.sel, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(xta_domsel_parse(&slow, "d2", &b.sel, err, sizeof(err)), 0);
	snprintf(a.name, sizeof(a.name), "fast");
	snprintf(b.name, sizeof(b.name), "slow");
	doc = xta_report_compare(&a, &b, NULL);
	js = render(doc, XTA_FORMAT_JSON);
	root = json_tokener_parse(js);
	CU_ASSERT_PTR_NOT_NULL_FATAL(root);
	rows = json_object_object_get(json_object_array_get_idx(
		json_object_object_get(root, "tables"), 0), "rows");
	for (size_t i = 0; i < json_object_array_length(rows); i++) {
		json_object *row = json_object_array_get_idx(rows, i);

		CU_ASSERT_DOUBLE_EQUAL(row_f64(row, "b_norm"), 2 * row_f64(row, "a_norm"), 1e-9);
		CU_ASSERT_DOUBLE_EQUAL(row_f64(row, "b_raw"), 2 * row_f64(row, "a_raw"), 1e-9);
		CU_ASSERT_DOUBLE_EQUAL(row_f64(row, "reduction"), -100.0, 1e-6);
		seen = true;
	}
	CU_ASSERT_TRUE(seen);
	json_object_put(root);
	free(js);
	text = render(doc, XTA_FORMAT_TEXT);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "A time (s)"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "Overall: B's overhead is 2.000 of A's (increase 100.0 %)"));
	free(text);
	xta_doc_free(doc);
	xta_trace_free(&fast);
	xta_trace_free(&slow);
}

static const struct xlp_test analysis_tests[] = {
	{ "HVM exits and runstates", test_hvm_exits_and_runstates },
	{ "VMX detected, --vendor overrides", test_vmx_detection },
	{ "PV counts", test_pv_counts },
	{ "attribution of records", test_attribution },
	{ NULL, NULL },
};

static const struct xlp_test report_tests[] = {
	{ "groups and names cover every code", test_groups_complete },
	{ "percentiles from histograms", test_percentiles },
	{ "text, csv, json, html", test_formats },
	{ "html for the reader", test_html },
	{ "sidecar and domain selection", test_meta },
	{ "clock estimate", test_clock_estimate },
	{ "overhead and compare, PV vs PVH", test_overhead_and_compare },
	{ "--top folds the smaller factors", test_top },
	{ "compare in seconds across clocks", test_compare_clocks },
	{ NULL, NULL },
};

int main(void)
{
	static const struct xlp_suite suites[] = {
		{ "analysis", analysis_tests, NULL, NULL },
		{ "reports", report_tests, NULL, NULL },
		{ NULL, NULL, NULL, NULL },
	};

	return xlp_cunit_run(suites);
}
