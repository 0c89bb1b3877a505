// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The analysis against upstream xenalyze on real Xen 4.17 traces.
 *
 * tests/data holds traces captured on a real Xen 4.17 host and the output
 * of `xenalyze --summary` (SVM mode) on each. These tests read every
 * number those summaries print for domains and vCPUs and assert ours is
 * the same: runstate counts (and mean lengths), pCPU moves, PV event
 * counts, hypercalls by number, exit counts by reason, exit cycle totals
 * (within 1 %), VMCALL hypercalls, I/O ports, injected vectors, and the
 * bytes of trace per class and pCPU. A handful of literal values guard
 * against the summary parser silently checking nothing.
 */
#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "../../tests/cunit_runner.h"

struct ref {
	const char *trace;
	const char *summary;
	struct xta_analysis *a;
	unsigned checked;	/* numbers compared */
	unsigned mismatches;
};

static struct ref pv = { "trace-pv.bin.xz", "trace-pv.xenalyze-summary.txt", NULL, 0, 0 };
static struct ref pvh = { "trace-pvh.bin.xz", "trace-pvh.xenalyze-summary.txt", NULL, 0, 0 };

static char *data_path(const char *name)
{
	static char buf[4096];

	snprintf(buf, sizeof(buf), "%s/%s", XTA_TEST_DATA, name);
	return buf;
}

static int load(struct ref *r)
{
	char err[256];

	if (r->a)
		return 0;
	if (xta_analyze_path(data_path(r->trace), NULL, XTA_VENDOR_UNKNOWN,
			     &r->a, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	return 0;
}

static int suite_init(void)
{
	return load(&pv) || load(&pvh);
}

static int suite_cleanup(void)
{
	xta_analysis_free(pv.a);
	xta_analysis_free(pvh.a);
	pv.a = pvh.a = NULL;
	return 0;
}

/* Asserts equality, saying where in the summary the number came from. */
#define EXPECT_EQ(r, ours, theirs, where)                                     \
	do {                                                                  \
		uint64_t o_ = (ours), t_ = (theirs);                           \
		(r)->checked++;                                               \
		if (o_ != t_) {                                               \
			(r)->mismatches++;                                    \
			fprintf(stderr, "%s: %s: ours %" PRIu64 ", xenalyze %" PRIu64 "\n", \
				(r)->summary, (where), o_, t_);               \
		}                                                             \
		CU_ASSERT_EQUAL(o_, t_);                                      \
	} while (0)

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static int domstate_by_name(const char *name)
{
	static const char *const names[XTA_DS_MAX] = {
		"blocked", "partial run", "full run", "partial contention",
		"concurrency_hazard", "full_contention", "lost",
	};

	for (int i = 0; i < XTA_DS_MAX; i++)
		if (!strcmp(names[i], name))
			return i;
	return -1;
}

/* xenalyze's names where they differ from Xen's. */
static int hypercall_by_name(const char *name)
{
	static const struct {
		const char *name;
		int nr;
	} differ[] = {
		{ "acm_op", 27 }, { "evtchn_op", 32 }, { "sched_op(compat)", 6 },
		{ "evtchn_op(compat)", 16 }, { "physdev_op(compat)", 19 },
	};

	for (unsigned i = 0; i < sizeof(differ) / sizeof(differ[0]); i++)
		if (!strcmp(differ[i].name, name))
			return differ[i].nr;
	for (int nr = 0; nr < (int)XTA_HYPERCALL_MAX; nr++)
		if (xta_hypercall_name(nr) && !strcmp(xta_hypercall_name(nr), name))
			return nr;
	return -1;
}

static int pv_kind_by_name(const char *name)
{
	static const struct {
		const char *name;
		int kind;
	} names[] = {
		{ "trap", XTA_PV_TRAP }, { "page_fault", XTA_PV_PAGE_FAULT },
		{ "forced_invalid_op", XTA_PV_FORCED_INVALID_OP },
		{ "emulate privop", XTA_PV_EMULATE_PRIVOP },
		{ "emulate 4g", XTA_PV_EMULATE_4GB },
		{ "math state restore", XTA_PV_MATH_STATE_RESTORE },
		{ "paging fixup", XTA_PV_PAGING_FIXUP },
		{ "gdt/ldt mapping fault", XTA_PV_GDT_LDT_MAPPING_FAULT },
		{ "ptwr", XTA_PV_PTWR_EMULATION },
		{ "hypercall", XTA_PV_HYPERCALL_V2 },
		{ "hypercall (subcall)", XTA_PV_HYPERCALL_SUBCALL },
	};

	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(names[i].name, name))
			return names[i].kind;
	return -1;
}

static unsigned exit_slot_by_name(enum xta_vendor vendor, const char *name)
{
	for (unsigned s = 0; s < XTA_EXIT_SLOTS; s++) {
		const char *n = xta_exit_slot_name(vendor, s);

		if (n && !strcmp(n, name))
			return s;
	}
	return XTA_EXIT_SLOTS;
}

static const struct xta_detail *find_detail(const struct xta_hvm *h,
					    unsigned slot, unsigned handler,
					    uint64_t key)
{
	for (unsigned i = 0; i < h->detail_cap; i++) {
		const struct xta_detail *e = &h->detail[i];

		if (e->used && e->slot == slot && e->handler == handler &&
		    e->key == key)
			return e;
	}
	return NULL;
}

static void check_stat(struct ref *r, const struct xta_stat *s,
		       unsigned long long count, unsigned long long avg,
		       const char *where)
{
	EXPECT_EQ(r, s->count, count, where);
	EXPECT_EQ(r, s->count ? s->cycles / s->count : 0, avg, where);
}

enum section {
	S_NONE, S_VOLUME, S_DOMAIN, S_VCPU, S_PV, S_EXITS, S_GUEST_INT, S_IO,
};

/* Walks a xenalyze summary and compares every number it knows. */
static void compare_summary(struct ref *r)
{
	const struct xta_analysis *a = r->a;
	enum xta_vendor vendor = xta_analysis_vendor(a);
	FILE *f = fopen(data_path(r->summary), "r");
	char line[512], where[640];
	enum section sec = S_NONE;
	const struct xta_pcpu *pc = NULL;
	const struct xta_domain *dom = NULL;
	const struct xta_vcpu *v = NULL;
	unsigned exit_slot = XTA_EXIT_SLOTS;
	unsigned lineno = 0;
	uint64_t their_exits = 0, our_exits = 0;
	bool seen_dom[XTA_DOMID_IDLE + 1] = { false };

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	while (fgets(line, sizeof(line), f)) {
		unsigned id, cnt;
		unsigned long long n, avg;
		double secs, pct;
		char name[128], *colon, *s = line;
		int k;

		lineno++;
		line[strcspn(line, "\n")] = '\0';
		snprintf(where, sizeof(where), "line %u \"%s\"", lineno, trim(line));

		if (sscanf(s, "Total time: %lf seconds", &secs) == 1) {
			double ours = (double)(a->last_tsc - a->first_tsc) / 2.4e9;

			r->checked++;
			CU_ASSERT(fabs(ours - secs) < 0.0051);
			continue;
		}
		if (sscanf(s, " - cpu %u -", &id) == 1) {
			CU_ASSERT_FATAL(id < a->nr_pcpus && a->pcpu[id]);
			pc = a->pcpu[id];
			sec = S_VOLUME;
			continue;
		}
		if (sscanf(s, "|-- Domain %u --|", &id) == 1) {
			dom = xta_domain_find(a, id);
			CU_ASSERT_PTR_NOT_NULL_FATAL(dom);
			if (id <= XTA_DOMID_IDLE)
				seen_dom[id] = true;
			v = NULL;
			sec = S_DOMAIN;
			continue;
		}
		if (sscanf(s, "-- v%u --", &id) == 1) {
			CU_ASSERT_FATAL(dom && id < dom->nr_vcpus && dom->vcpu[id]);
			v = dom->vcpu[id];
			sec = S_VCPU;
			continue;
		}
		if (!strcmp(trim(s), "PV events:")) {
			sec = S_PV;
			continue;
		}
		if (!strcmp(trim(s), "Exit reasons:")) {
			sec = S_EXITS;
			continue;
		}
		if (!strcmp(trim(s), "Guest interrupt counts:")) {
			sec = S_GUEST_INT;
			continue;
		}
		if (!strcmp(trim(s), "IO address summary:")) {
			sec = S_IO;
			continue;
		}
		if (!strcmp(trim(s), "Emulate eip list") ||
		    !strcmp(trim(s), "Grant table ops:")) {
			sec = S_NONE;
			continue;
		}

		switch (sec) {
		case S_VOLUME:
			if (!strncmp(trim(s), "+-", 2)) {
				static const char *const sub[4] = {
					"+-vmentry", "+-vmexit", "+-handler", "+-emul",
				};

				for (k = 0; k < 4; k++)
					if (!strncmp(trim(s), sub[k], strlen(sub[k])))
						break;
				CU_ASSERT_FATAL(k < 4);
				CU_ASSERT_FATAL(sscanf(strchr(s, ':') + 1, "%llu", &n) == 1);
				EXPECT_EQ(r, pc->hvm_volume[k], n, where);
			} else if (sscanf(s, " %63[a-z0-9] : %llu", name, &n) == 2) {
				for (k = 0; k < XTA_CLASSES; k++)
					if (!strcmp(xta_class_names[k], name))
						break;
				CU_ASSERT_FATAL(k < XTA_CLASSES);
				EXPECT_EQ(r, pc->volume[k], n, where);
			}
			break;
		case S_DOMAIN:
			colon = strchr(s, ':');
			if (!colon || sscanf(colon + 1, "%llu %lfs %llu", &n, &secs, &avg) != 3)
				break;
			*colon = '\0';
			k = domstate_by_name(trim(s));
			CU_ASSERT_FATAL(k >= 0);
			check_stat(r, &dom->domstate[k], n, avg, where);
			break;
		case S_VCPU:
			colon = strchr(s, ':');
			if (!colon)
				break;
			*colon = '\0';
			if (!strcmp(trim(s), "cpu affinity")) {
				CU_ASSERT_FATAL(sscanf(colon + 1, "%llu %llu", &n, &avg) == 2);
				check_stat(r, &v->affinity, n, avg, where);
				break;
			}
			if (sscanf(s, " [%u]", &id) == 1) {
				CU_ASSERT_FATAL(sscanf(colon + 1, "%llu %llu", &n, &avg) == 2);
				CU_ASSERT_FATAL(id < v->affinity_len);
				check_stat(r, &v->affinity_pcpu[id], n, avg, where);
				break;
			}
			if (sscanf(colon + 1, "%llu %lfs %llu", &n, &secs, &avg) != 3)
				break;
			for (k = 0; k < XTA_RS_MAX; k++)
				if (!strcmp(xta_runstate_names[k], trim(s))) {
					check_stat(r, &v->runstate[k], n, avg, where);
					break;
				}
			if (k < XTA_RS_MAX)
				break;
			for (k = XTA_RUNNABLE_WAKE; k < XTA_RUNNABLE_MAX; k++)
				if (!strcmp(xta_runnable_names[k], trim(s))) {
					check_stat(r, &v->runnable_kind[k], n, avg, where);
					break;
				}
			CU_ASSERT(k < XTA_RUNNABLE_MAX);
			break;
		case S_PV:
			CU_ASSERT_PTR_NOT_NULL_FATAL(v->pv);
			if (strstr(s, "]:") && sscanf(strchr(s, '[') + 1, "%u", &id) == 1) {
				CU_ASSERT_FATAL(sscanf(strstr(s, "]:") + 2, "%llu", &n) == 1);
				CU_ASSERT_FATAL(id < XTA_HYPERCALL_MAX);
				EXPECT_EQ(r, v->pv->hypercall[id] + v->pv->subcall[id], n, where);
			} else if (sscanf(s, " [%u] %llu", &id, &n) == 2) {
				CU_ASSERT_FATAL(id < 32);
				EXPECT_EQ(r, v->pv->trap[id], n, where);
			} else {
				char *sp;

				trim(s);
				sp = strrchr(s, ' ');
				CU_ASSERT_FATAL(sp && sscanf(sp, "%llu", &n) == 1);
				*sp = '\0';
				k = pv_kind_by_name(trim(s));
				CU_ASSERT_FATAL(k >= 0);
				if (k == XTA_PV_PTWR_EMULATION)
					EXPECT_EQ(r, v->pv->kind[k] +
						  v->pv->kind[XTA_PV_PTWR_EMULATION_PAE], n, where);
				else if (k == XTA_PV_HYPERCALL_V2)
					EXPECT_EQ(r, v->pv->kind[XTA_PV_HYPERCALL] +
						  v->pv->kind[k] +
						  v->pv->kind[XTA_PV_HYPERCALL_SUBCALL], n, where);
				else
					EXPECT_EQ(r, v->pv->kind[k], n, where);
			}
			break;
		case S_EXITS:
			CU_ASSERT_PTR_NOT_NULL_FATAL(v->hvm);
			if (s[0] == ' ' && s[1] != ' ' &&
			    sscanf(s, " %127s %llu %lfs %lf%% %llu cyc", name, &n,
				   &secs, &pct, &avg) == 5) {
				const struct xta_stat *st;
				double theirs;

				exit_slot = exit_slot_by_name(vendor, name);
				CU_ASSERT_FATAL(exit_slot < XTA_EXIT_SLOTS);
				st = &v->hvm->exit[exit_slot];
				EXPECT_EQ(r, st->events, n, where);
				/* Exit cycle totals within 1 % (avg is cycles/count). */
				theirs = (double)avg * (double)st->count;
				r->checked++;
				CU_ASSERT(fabs((double)st->cycles - theirs) <= 0.01 * theirs + st->count);
				EXPECT_EQ(r, st->count ? st->cycles / st->count : 0, avg, where);
				their_exits += n;
			} else if (sscanf(s, " [%127[^]]] %llu", name, &n) == 2 &&
				   exit_slot == exit_slot_by_name(vendor, vendor == XTA_VENDOR_SVM ?
								 "VMEXIT_VMMCALL" : "VMCALL")) {
				const struct xta_detail *d;

				k = hypercall_by_name(trim(name));
				CU_ASSERT_FATAL(k >= 0);
				d = find_detail(v->hvm, exit_slot, XTA_H_VMCALL, (uint64_t)k);
				CU_ASSERT_PTR_NOT_NULL_FATAL(d);
				EXPECT_EQ(r, d->st.events, n, where);
			} else if (sscanf(s, " [%u]: %llu", &id, &n) == 2) {
				/* External interrupt exits by vector (0 on SVM). */
				const struct xta_detail *d =
					find_detail(v->hvm, exit_slot, XTA_H_INTR, id);

				CU_ASSERT_PTR_NOT_NULL_FATAL(d);
				EXPECT_EQ(r, d->st.events, n, where);
			}
			/* Other lines are xenalyze's per-handler sums, which it
			 * files under the first exit a handler was seen with. */
			break;
		case S_GUEST_INT:
			if (sscanf(s, " [%u] %u", &id, &cnt) == 2) {
				CU_ASSERT_FATAL(id < 256);
				EXPECT_EQ(r, v->hvm->inj_virq[id], cnt, where);
			}
			break;
		case S_IO: {
			char dir;
			const struct xta_detail *d;

			if (sscanf(s, " %x:[%c] %llu", &id, &dir, &n) != 3)
				break;
			d = find_detail(v->hvm, xta_exit_slot(vendor == XTA_VENDOR_SVM ? 0x7b : 30),
					XTA_H_IO, id | (dir == 'w' ? XTA_KEY_WRITE : 0));
			CU_ASSERT_PTR_NOT_NULL_FATAL(d);
			EXPECT_EQ(r, d->st.events, n, where);
			break;
		}
		default:
			break;
		}
	}
	fclose(f);

	/* Nothing we count is missing from their summary either. */
	for (unsigned i = 0; i < a->nr_doms; i++) {
		const struct xta_domain *d = a->dom[i];

		if (!xta_domain_visible(d))
			continue;
		CU_ASSERT(d->id <= XTA_DOMID_IDLE && seen_dom[d->id]);
		for (unsigned j = 0; j < d->nr_vcpus; j++)
			if (d->vcpu[j] && d->vcpu[j]->hvm)
				for (unsigned s = 0; s < XTA_EXIT_SLOTS; s++)
					our_exits += d->vcpu[j]->hvm->exit[s].events;
	}
	EXPECT_EQ(r, our_exits, their_exits, "all exits of all vCPUs");
}

static void test_pv_trace(void)
{
	compare_summary(&pv);
	fprintf(stderr, "\n    %s: %u numbers compared, %u differ ", pv.summary,
		pv.checked, pv.mismatches);
	/* The parser must have found the summary's content. */
	CU_ASSERT(pv.checked >= 120);
	CU_ASSERT_EQUAL(pv.mismatches, 0);
}

static void test_pvh_trace(void)
{
	compare_summary(&pvh);
	fprintf(stderr, "\n    %s: %u numbers compared, %u differ ", pvh.summary,
		pvh.checked, pvh.mismatches);
	CU_ASSERT(pvh.checked >= 220);
	CU_ASSERT_EQUAL(pvh.mismatches, 0);
}

/* Literal values from the summaries, independent of the parser. */
static void test_literal_values(void)
{
	const struct xta_domain *d1 = xta_domain_find(pv.a, 1);
	const struct xta_domain *d2 = xta_domain_find(pvh.a, 2);
	const struct xta_domain *d0 = xta_domain_find(pv.a, 0);
	const struct xta_vcpu *v;

	CU_ASSERT_PTR_NOT_NULL_FATAL(d1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d0);

	v = d1->vcpu[0];
	CU_ASSERT_EQUAL(v->pv->hypercall[1] + v->pv->subcall[1], 238810);	/* mmu_update */
	CU_ASSERT_EQUAL(v->pv->hypercall[26] + v->pv->subcall[26], 33918);	/* mmuext_op */
	CU_ASSERT_EQUAL(v->pv->kind[XTA_PV_PAGE_FAULT], 25525);
	CU_ASSERT_EQUAL(v->pv->kind[XTA_PV_EMULATE_PRIVOP], 254888);
	CU_ASSERT_EQUAL(v->pv->kind[XTA_PV_PTWR_EMULATION] +
			v->pv->kind[XTA_PV_PTWR_EMULATION_PAE], 7951);
	CU_ASSERT_EQUAL(v->pv->kind[XTA_PV_HYPERCALL_V2] +
			v->pv->kind[XTA_PV_HYPERCALL_SUBCALL], 352147);
	CU_ASSERT_EQUAL(v->pv->kind[XTA_PV_HYPERCALL_SUBCALL], 20405);
	CU_ASSERT_EQUAL(v->runstate[XTA_RS_RUNNING].count, 763);
	CU_ASSERT_EQUAL(v->runnable_kind[XTA_RUNNABLE_PREEMPT].count, 234);
	CU_ASSERT_EQUAL(d0->domstate[XTA_DS_PARTIAL_RUN].count, 1978);
	CU_ASSERT_EQUAL(d0->vcpu[1]->runstate[XTA_RS_BLOCKED].count, 953);

	v = d2->vcpu[0];
	CU_ASSERT_EQUAL(xta_analysis_vendor(pvh.a), XTA_VENDOR_SVM);
	CU_ASSERT_EQUAL(v->hvm->exit[xta_exit_slot(0x6e)].events, 137137);	/* RDTSC */
	CU_ASSERT_EQUAL(v->hvm->exit[xta_exit_slot(0x7b)].events, 133355);	/* IOIO */
	CU_ASSERT_EQUAL(v->hvm->exit[xta_exit_slot(0x72)].events, 12159);	/* CPUID */
	CU_ASSERT_EQUAL(v->hvm->exit[xta_exit_slot(0x400)].events, 4);		/* NPF */
	/* 137137 RDTSC exits at a mean of 37827 cycles. */
	CU_ASSERT_EQUAL(v->hvm->exit[xta_exit_slot(0x6e)].cycles / 137137, 37827);
	CU_ASSERT_EQUAL(v->hvm->inj_virq[243], 1627);
	CU_ASSERT_EQUAL(v->runstate[XTA_RS_RUNNING].count, 1385);
	CU_ASSERT_EQUAL(pvh.a->pcpu[0]->hvm_volume[1], 3549148);
}

/* A PV trace has no HVM exits: nothing tells the vendor. */
static void test_vendor(void)
{
	CU_ASSERT_EQUAL(xta_analysis_vendor(pv.a), XTA_VENDOR_UNKNOWN);
	CU_ASSERT(pvh.a->svm_evidence > 0);
	CU_ASSERT_EQUAL(pvh.a->vmx_evidence, 0);
}

/* Both traces are clean: no damage, nothing that did not add up. */
static void test_clean_traces(void)
{
	const struct xta_analysis *both[2] = { pv.a, pvh.a };

	for (int i = 0; i < 2; i++) {
		const struct xta_analysis *a = both[i];

		CU_ASSERT_EQUAL(a->rerr.status, XTA_READ_OK);
		CU_ASSERT_EQUAL(a->rstats.late_records, 0);
		CU_ASSERT_EQUAL(a->rstats.tsc_backwards, 0);
		CU_ASSERT_EQUAL(a->anomalies.runstate_mismatch, 0);
		CU_ASSERT_EQUAL(a->anomalies.schedule_conflicts, 0);
		CU_ASSERT_EQUAL(a->anomalies.malformed, 0);
		CU_ASSERT_EQUAL(a->anomalies.type_mismatch, 0);
	}
	CU_ASSERT_EQUAL(pv.a->rstats.records, 917696);
	CU_ASSERT_EQUAL(pvh.a->rstats.records, 1158459);
}

static const struct xlp_test tests[] = {
	{ "PV trace: every number in xenalyze's summary", test_pv_trace },
	{ "PVH trace: every number in xenalyze's summary", test_pvh_trace },
	{ "literal values", test_literal_values },
	{ "vendor detection", test_vendor },
	{ "clean traces", test_clean_traces },
	{ NULL, NULL },
};

int main(void)
{
	static const struct xlp_suite suites[] = {
		{ "xentrace-analyze vs xenalyze", tests, suite_init, suite_cleanup },
		{ NULL, NULL, NULL, NULL },
	};

	return xlp_cunit_run(suites);
}
