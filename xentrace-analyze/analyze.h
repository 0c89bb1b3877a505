/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What a trace says about each domain and vCPU: which vCPU ran on which
 * pCPU and in which runstate, each HVM exit from VMEXIT to the next
 * VMENTRY with its handler detail, and each PV entry into Xen by cause.
 *
 * The bookkeeping follows xenalyze's, so that counts can be checked
 * against its summaries: a vCPU's runstate intervals are counted when
 * they have a non-zero length, a VMEXIT is closed by the next VMENTRY of
 * that vCPU or when the vCPU is preempted (runnable), and the vCPU a
 * pCPU ran when its records end is marked lost there.
 */
#ifndef XTA_ANALYZE_H
#define XTA_ANALYZE_H

#include <stdbool.h>
#include <stdint.h>

#include "names.h"
#include "reader.h"
#include "stat.h"

#define XTA_DOMID_IDLE		32767u
#define XTA_DOMID_DEFAULT	32768u	/* "not scheduled yet" placeholder */
#define XTA_MAX_VCPUS		8192u

enum xta_runstate {
	XTA_RS_RUNNING,
	XTA_RS_RUNNABLE,
	XTA_RS_BLOCKED,
	XTA_RS_OFFLINE,
	XTA_RS_LOST,		/* records lost, or its pCPU's records ended */
	XTA_RS_QUEUED,
	XTA_RS_INIT,		/* not seen running yet */
	XTA_RS_MAX,
};
extern const char *const xta_runstate_names[XTA_RS_MAX];

/* Why a vCPU became runnable. */
enum xta_runnable_kind {
	XTA_RUNNABLE_NONE,
	XTA_RUNNABLE_WAKE,	/* from blocked or offline */
	XTA_RUNNABLE_PREEMPT,	/* from running */
	XTA_RUNNABLE_OTHER,
	XTA_RUNNABLE_MAX,
};
extern const char *const xta_runnable_names[XTA_RUNNABLE_MAX];

/* A domain's runstate, from those of its vCPUs. */
enum xta_domstate {
	XTA_DS_BLOCKED,
	XTA_DS_PARTIAL_RUN,		/* some running, the rest blocked */
	XTA_DS_FULL_RUN,		/* all running */
	XTA_DS_PARTIAL_CONTENTION,	/* some runnable, the rest blocked */
	XTA_DS_CONCURRENCY_HAZARD,	/* some running, some runnable */
	XTA_DS_FULL_CONTENTION,		/* all runnable */
	XTA_DS_LOST,
	XTA_DS_MAX,
};
extern const char *const xta_domstate_names[XTA_DS_MAX];

/* What the handler records of an exit say it was about. */
enum xta_handler {
	XTA_H_NONE,		/* no handler record before VMENTRY */
	XTA_H_IO,		/* key: port | XTA_KEY_WRITE */
	XTA_H_MMIO,		/* key: address class | XTA_KEY_WRITE */
	XTA_H_NPF,		/* key: address class << 8 | p2m type */
	XTA_H_PF,		/* shadow page fault; key: error code */
	XTA_H_CR_READ,		/* key: CR number */
	XTA_H_CR_WRITE,
	XTA_H_DR_READ,
	XTA_H_DR_WRITE,
	XTA_H_MSR_READ,		/* key: MSR index */
	XTA_H_MSR_WRITE,
	XTA_H_XCR_READ,
	XTA_H_XCR_WRITE,
	XTA_H_CPUID,		/* key: leaf */
	XTA_H_VMCALL,		/* key: hypercall number */
	XTA_H_INTR,		/* key: vector (VMX only, 0 on SVM) */
	XTA_H_NMI,
	XTA_H_SMI,
	XTA_H_MCE,
	XTA_H_HLT,
	XTA_H_INVLPG,
	XTA_H_RDTSC,
	XTA_H_CLTS,
	XTA_H_LMSW,
	XTA_H_TRAP,		/* key: vector */
	XTA_H_TRAP_DEBUG,
	XTA_H_REALMODE,
	XTA_H_VLAPIC,
	XTA_H_OTHER,		/* key: event */
	XTA_H_MAX,
};
extern const char *const xta_handler_names[XTA_H_MAX];
#define XTA_KEY_WRITE (1ull << 63)

/* Guest-physical address classes for MMIO and nested page faults. */
enum xta_addr_class {
	XTA_ADDR_RAM,		/* anything not below */
	XTA_ADDR_VGA,		/* 0xa0000-0xbffff */
	XTA_ADDR_IOAPIC,	/* 0xfec00000 page */
	XTA_ADDR_HPET,		/* 0xfed00000 page */
	XTA_ADDR_LAPIC,		/* 0xfee00000 page */
	XTA_ADDR_MMIO,		/* other addresses Xen forwards as MMIO */
	XTA_ADDR_CLASSES,
};
extern const char *const xta_addr_class_names[XTA_ADDR_CLASSES];

/* One (exit code, handler, key) combination of a vCPU. */
struct xta_detail {
	uint64_t key;
	uint16_t slot;		/* xta_exit_slot() of the exit code */
	uint8_t handler;	/* enum xta_handler */
	bool used;
	struct xta_stat st;
};

#define XTA_DETAIL_CACHE 16

struct xta_hvm {
	struct xta_stat exit[XTA_EXIT_SLOTS];	/* by xta_exit_slot(), once
						 * the analysis is finished */
	struct xta_detail *detail;		/* open-addressed table */
	unsigned detail_cap, detail_len;
	struct xta_stat *last_detail;		/* the last one used */
	struct xta_detail_cache {
		struct xta_stat *st;
		uint64_t key;
		uint16_t slot;
		uint8_t handler;
	} cache[XTA_DETAIL_CACHE];
	uint64_t inj_virq[257];			/* injected vectors, [256]: other */
	uint64_t failed_entries;		/* VMX: exit reason bit 31 */
	uint64_t unclosed;			/* VMEXIT followed by another */
	/* The exit in flight. */
	bool open;
	bool closed_early;	/* by preemption: its VMENTRY comes later */
	bool seen_exit;
	bool have_handler;
	uint8_t handler;
	uint16_t slot;
	uint64_t key;
	uint64_t exit_tsc;
};

struct xta_pv {
	uint64_t kind[XTA_PV_KINDS];	/* by the low byte of the event */
	uint64_t hypercall[XTA_HYPERCALL_MAX + 1];	/* [64]: other */
	uint64_t subcall[XTA_HYPERCALL_MAX + 1];
	uint64_t trap[33];				/* [32]: other */
	uint64_t sched_op_cmd[9];			/* [8]: other */
	uint64_t mmu_update_reqs;	/* page-table updates batched */
	uint64_t mmuext_reqs;
	uint64_t multicall_calls;
};

enum xta_vcpu_type {
	XTA_VCPU_NONE,
	XTA_VCPU_PV,
	XTA_VCPU_HVM,
};

struct xta_pcpu;
struct xta_domain;

struct xta_vcpu {
	struct xta_domain *dom;
	uint32_t id;
	uint8_t type;		/* enum xta_vcpu_type */
	uint8_t rs;		/* enum xta_runstate */
	uint8_t runnable;	/* enum xta_runnable_kind, while runnable */
	bool activated;		/* has been scheduled in by a runstate record */
	uint64_t rs_tsc;	/* start of the current runstate, 0: unknown */
	struct xta_pcpu *pcpu;	/* where it runs or ran last */
	uint64_t pcpu_tsc;	/* since when */

	struct xta_stat runstate[XTA_RS_MAX];
	struct xta_stat runnable_kind[XTA_RUNNABLE_MAX];
	struct xta_stat affinity;	/* time on one pCPU between moves */
	struct xta_stat *affinity_pcpu;	/* same, by the pCPU moved to */
	unsigned affinity_len;

	struct xta_pv *pv;
	struct xta_hvm *hvm;
	bool idle;		/* the idle domain's */
};

struct xta_domain {
	uint32_t id;
	char *name;		/* from the sidecar, or NULL */
	struct xta_vcpu **vcpu;
	unsigned nr_vcpus;	/* highest vCPU id + 1 */
	uint8_t ds;		/* enum xta_domstate */
	uint64_t ds_tsc;
	struct xta_stat domstate[XTA_DS_MAX];
};

struct xta_pcpu {
	uint32_t id;
	struct xta_vcpu *current;
	struct xta_vcpu *placeholder;	/* d32768: before any schedule */
	uint64_t first_tsc, last_tsc;
	bool ended;
	uint64_t volume[XTA_CLASSES];	/* record bytes by class */
	uint64_t hvm_volume[4];		/* entry, exit, handler, emul */
	uint64_t records;
	uint64_t lost_records;
	struct xta_stat lost;		/* spans of lost records */
	/* The last unit switched in here, for the clock estimate. */
	uint32_t switch_dom, switch_unit;
	uint64_t switch_tsc;
};

/* Clock estimate: TSC cycles per nanosecond of Xen's own clock, from
 * scheduler switches (see xta_analysis_estimated_hz). */
#define XTA_HZ_HIST_MHZ 16384u

/* Things that did not add up, counted rather than fatal. */
struct xta_anomalies {
	uint64_t unattributed;		/* PV/HVM record, no vCPU known */
	uint64_t idle_records;		/* PV/HVM record while idle runs */
	uint64_t type_mismatch;		/* PV record for an HVM vCPU, ... */
	uint64_t malformed;		/* too few extra words */
	uint64_t runstate_mismatch;	/* old state differs from tracked */
	uint64_t schedule_conflicts;	/* pCPU already had a vCPU */
	uint64_t entries_without_exit;
	uint64_t exits_backwards;	/* VMENTRY TSC before its VMEXIT */
};

struct xta_analysis {
	struct xta_pcpu *pcpu[XTA_MAX_CPUS];
	unsigned nr_pcpus;		/* highest pCPU + 1 */
	struct xta_domain **dom;	/* sorted by id */
	unsigned nr_doms, dom_cap;

	uint64_t first_tsc, last_tsc;	/* span of the trace */
	uint64_t records;
	uint64_t hvm_exits;
	uint64_t svm_evidence, vmx_evidence;
	enum xta_vendor vendor_override;
	uint32_t *hz_hist;		/* samples by MHz, XTA_HZ_HIST_MHZ */
	uint64_t hz_samples;
	struct xta_anomalies anomalies;

	/* From the reader, once it is done. */
	struct xta_reader_stats rstats;
	struct xta_reader_error rerr;
	char *input_desc;
	bool finished;
};

struct xta_analysis *xta_analysis_new(void);
void xta_analysis_free(struct xta_analysis *a);

/* One record, in time order. */
void xta_analysis_feed(struct xta_analysis *a, const struct xta_rec *rec);

/* Runs a whole reader through the analysis and finishes it. */
void xta_analysis_run(struct xta_analysis *a, struct xta_reader *r);

/* After the last record: closes what only the end of a trace closes. */
void xta_analysis_finish(struct xta_analysis *a);

/* Opens path, analyzes it. Returns 0, or -1 with err set when the input
 * cannot be opened; damage inside the trace is in a->rerr. */
int xta_analyze_path(const char *path, const struct xta_reader_opts *opts,
		     enum xta_vendor vendor_override,
		     struct xta_analysis **out, char *err, size_t errlen);

/* The vendor whose exit codes the trace holds: the override if any, else
 * what the trace shows (see xta_vendor_rule), else unknown. */
enum xta_vendor xta_analysis_vendor(const struct xta_analysis *a);
/* Why: "--vendor", "SVM exit codes seen", "no HVM exits", ... */
const char *xta_analysis_vendor_reason(const struct xta_analysis *a);

struct xta_domain *xta_domain_find(const struct xta_analysis *a, uint32_t id);
/* Whether to show a domain in reports: not the placeholder. */
static inline bool xta_domain_visible(const struct xta_domain *d)
{
	return d->id != XTA_DOMID_DEFAULT;
}

enum xta_addr_class xta_addr_classify(uint64_t gpa);

/*
 * The TSC rate the trace itself implies, or 0 when it has too few
 * samples. Xen records how long (in ns of its own clock) a unit ran
 * when it switches it out (TRC_SCHED_SWITCH_INFPREV); the TSCs of that
 * record and of the switch that brought the unit in (TRC_SCHED_SWITCH)
 * span the same time. The median of cycles/ns over runs of at least
 * 1 ms, to the MHz; *samples gets how many runs it is made of.
 */
uint64_t xta_analysis_estimated_hz(const struct xta_analysis *a,
				   uint64_t *samples);

#endif
