// SPDX-License-Identifier: GPL-2.0-or-later
#include "analyze.h"

#include <stdio.h>
#include <stdlib.h>
#include <xen/trace.h>

#include "util.h"

const char *const xta_runstate_names[XTA_RS_MAX] = {
	[XTA_RS_RUNNING] = "running",	[XTA_RS_RUNNABLE] = "runnable",
	[XTA_RS_BLOCKED] = "blocked",	[XTA_RS_OFFLINE] = "offline",
	[XTA_RS_LOST] = "lost",		[XTA_RS_QUEUED] = "queued",
	[XTA_RS_INIT] = "init",
};

const char *const xta_runnable_names[XTA_RUNNABLE_MAX] = {
	[XTA_RUNNABLE_NONE] = "none",	[XTA_RUNNABLE_WAKE] = "wake",
	[XTA_RUNNABLE_PREEMPT] = "preempt", [XTA_RUNNABLE_OTHER] = "other",
};

const char *const xta_domstate_names[XTA_DS_MAX] = {
	[XTA_DS_BLOCKED] = "blocked",
	[XTA_DS_PARTIAL_RUN] = "partial run",
	[XTA_DS_FULL_RUN] = "full run",
	[XTA_DS_PARTIAL_CONTENTION] = "partial contention",
	[XTA_DS_CONCURRENCY_HAZARD] = "concurrency hazard",
	[XTA_DS_FULL_CONTENTION] = "full contention",
	[XTA_DS_LOST] = "lost",
};

const char *const xta_handler_names[XTA_H_MAX] = {
	[XTA_H_NONE] = "(no handler)", [XTA_H_IO] = "io",
	[XTA_H_MMIO] = "mmio", [XTA_H_NPF] = "npf", [XTA_H_PF] = "pf_xen",
	[XTA_H_CR_READ] = "cr_read", [XTA_H_CR_WRITE] = "cr_write",
	[XTA_H_DR_READ] = "dr_read", [XTA_H_DR_WRITE] = "dr_write",
	[XTA_H_MSR_READ] = "msr_read", [XTA_H_MSR_WRITE] = "msr_write",
	[XTA_H_XCR_READ] = "xcr_read", [XTA_H_XCR_WRITE] = "xcr_write",
	[XTA_H_CPUID] = "cpuid", [XTA_H_VMCALL] = "vmcall",
	[XTA_H_INTR] = "intr", [XTA_H_NMI] = "nmi", [XTA_H_SMI] = "smi",
	[XTA_H_MCE] = "mce", [XTA_H_HLT] = "hlt", [XTA_H_INVLPG] = "invlpg",
	[XTA_H_RDTSC] = "rdtsc", [XTA_H_CLTS] = "clts", [XTA_H_LMSW] = "lmsw",
	[XTA_H_TRAP] = "trap", [XTA_H_TRAP_DEBUG] = "trap_debug",
	[XTA_H_REALMODE] = "realmode_emulate", [XTA_H_VLAPIC] = "vlapic",
	[XTA_H_OTHER] = "other",
};

const char *const xta_addr_class_names[XTA_ADDR_CLASSES] = {
	[XTA_ADDR_RAM] = "ram", [XTA_ADDR_VGA] = "vga",
	[XTA_ADDR_IOAPIC] = "ioapic", [XTA_ADDR_HPET] = "hpet",
	[XTA_ADDR_LAPIC] = "lapic", [XTA_ADDR_MMIO] = "mmio",
};

enum xta_addr_class xta_addr_classify(uint64_t gpa)
{
	uint64_t page = gpa >> 12;

	if (gpa >= 0xa0000 && gpa <= 0xbffff)
		return XTA_ADDR_VGA;
	if (page == 0xfec00)
		return XTA_ADDR_IOAPIC;
	if (page == 0xfed00)
		return XTA_ADDR_HPET;
	if (page == 0xfee00)
		return XTA_ADDR_LAPIC;
	return XTA_ADDR_RAM;
}

/* ---- domains and vCPUs ---- */

struct xta_domain *xta_domain_find(const struct xta_analysis *a, uint32_t id)
{
	unsigned lo = 0, hi = a->nr_doms;

	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;

		if (a->dom[mid]->id == id)
			return a->dom[mid];
		if (a->dom[mid]->id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static struct xta_domain *domain_get(struct xta_analysis *a, uint32_t id)
{
	struct xta_domain *d = xta_domain_find(a, id);
	unsigned pos;

	if (d)
		return d;
	d = xta_calloc(1, sizeof(*d));
	d->id = id;
	if (a->nr_doms == a->dom_cap) {
		a->dom_cap = a->dom_cap ? a->dom_cap * 2 : 8;
		a->dom = xta_realloc(a->dom, a->dom_cap * sizeof(*a->dom));
	}
	for (pos = a->nr_doms; pos > 0 && a->dom[pos - 1]->id > id; pos--)
		a->dom[pos] = a->dom[pos - 1];
	a->dom[pos] = d;
	a->nr_doms++;
	return d;
}

static struct xta_vcpu *vcpu_get(struct xta_analysis *a, uint32_t domid,
				 uint32_t vid)
{
	struct xta_domain *d = domain_get(a, domid);
	struct xta_vcpu *v;

	if (vid >= d->nr_vcpus) {
		unsigned n = vid + 1;

		d->vcpu = xta_realloc(d->vcpu, n * sizeof(*d->vcpu));
		for (unsigned i = d->nr_vcpus; i < n; i++)
			d->vcpu[i] = NULL;
		d->nr_vcpus = n;
	}
	v = d->vcpu[vid];
	if (!v) {
		v = xta_calloc(1, sizeof(*v));
		v->dom = d;
		v->id = vid;
		v->rs = XTA_RS_INIT;
		v->idle = domid == XTA_DOMID_IDLE;
		d->vcpu[vid] = v;
	}
	return v;
}

static struct xta_pcpu *pcpu_get(struct xta_analysis *a, unsigned id)
{
	struct xta_pcpu *p = a->pcpu[id];

	if (__builtin_expect(p != NULL, 1))
		return p;
	p = xta_calloc(1, sizeof(*p));
	p->id = id;
	/* Until a runstate record says who runs there, records of this pCPU
	 * go to a placeholder vCPU (xenalyze's "default domain"). */
	p->placeholder = vcpu_get(a, XTA_DOMID_DEFAULT, id);
	p->placeholder->rs = XTA_RS_RUNNING;
	p->placeholder->activated = true;
	p->placeholder->pcpu = p;
	p->current = p->placeholder;
	a->pcpu[id] = p;
	if (id >= a->nr_pcpus)
		a->nr_pcpus = id + 1;
	return p;
}

static bool is_placeholder(const struct xta_vcpu *v)
{
	return v->dom->id == XTA_DOMID_DEFAULT;
}

static struct xta_stat *affinity_slot(struct xta_vcpu *v, unsigned pcpu)
{
	if (pcpu >= v->affinity_len) {
		unsigned n = pcpu + 1;

		v->affinity_pcpu = xta_realloc(v->affinity_pcpu,
					       n * sizeof(*v->affinity_pcpu));
		memset(v->affinity_pcpu + v->affinity_len, 0,
		       (n - v->affinity_len) * sizeof(*v->affinity_pcpu));
		v->affinity_len = n;
	}
	return &v->affinity_pcpu[pcpu];
}

/* ---- runstates ---- */

static enum xta_domstate domain_state(const struct xta_domain *d)
{
	unsigned n = 0, count[XTA_RS_MAX] = { 0 };

	if (d->id == XTA_DOMID_DEFAULT)
		return XTA_DS_BLOCKED;
	for (unsigned i = 0; i < d->nr_vcpus; i++)
		if (d->vcpu[i] && d->vcpu[i]->rs != XTA_RS_INIT) {
			n++;
			count[d->vcpu[i]->rs]++;
		}
	if (count[XTA_RS_LOST] == n)
		return XTA_DS_LOST;
	if (count[XTA_RS_RUNNING]) {
		if (count[XTA_RS_RUNNABLE])
			return XTA_DS_CONCURRENCY_HAZARD;
		if (count[XTA_RS_BLOCKED] || count[XTA_RS_OFFLINE])
			return XTA_DS_PARTIAL_RUN;
		return XTA_DS_FULL_RUN;
	}
	if (count[XTA_RS_RUNNABLE]) {
		if (count[XTA_RS_BLOCKED] || count[XTA_RS_OFFLINE])
			return XTA_DS_PARTIAL_CONTENTION;
		return XTA_DS_FULL_CONTENTION;
	}
	if (count[XTA_RS_BLOCKED] || count[XTA_RS_OFFLINE])
		return XTA_DS_BLOCKED;
	/* Only lost and queued vCPUs: nothing better to say than before. */
	return d->ds;
}

static void runstate_update(struct xta_vcpu *v, enum xta_runstate new,
			    uint64_t tsc)
{
	struct xta_domain *d = v->dom;

	/* An interval counts once it has a known start and a length. */
	if (v->rs_tsc && v->rs_tsc < tsc) {
		uint64_t len = tsc - v->rs_tsc;

		xta_stat_add(&v->runstate[v->rs], len);
		if (v->rs == XTA_RS_RUNNABLE)
			xta_stat_add(&v->runnable_kind[v->runnable], len);
	}
	if (new == XTA_RS_RUNNABLE)
		v->runnable = v->rs == XTA_RS_RUNNING ? XTA_RUNNABLE_PREEMPT :
			      v->rs == XTA_RS_BLOCKED || v->rs == XTA_RS_OFFLINE ?
			      XTA_RUNNABLE_WAKE : XTA_RUNNABLE_OTHER;
	else
		v->runnable = XTA_RUNNABLE_NONE;
	v->rs = (uint8_t)new;
	v->rs_tsc = tsc;

	if (d->ds_tsc && d->ds_tsc < tsc)
		xta_stat_add(&d->domstate[d->ds], tsc - d->ds_tsc);
	d->ds = (uint8_t)domain_state(d);
	d->ds_tsc = tsc;
}

static void lose_vcpu(struct xta_vcpu *v, uint64_t tsc)
{
	/* What it was doing in Xen is unknown now: drop the open exit. */
	if (v->hvm)
		v->hvm->open = false;
	runstate_update(v, XTA_RS_LOST, tsc);
}

/* prev stops running on p (p may be NULL when prev's pCPU is unknown). */
static void schedule_out(struct xta_analysis *a, struct xta_pcpu *p,
			 struct xta_vcpu *prev, enum xta_runstate new,
			 uint64_t tsc)
{
	if (!p || prev->pcpu != p || p->current != prev ||
	    prev->rs != XTA_RS_RUNNING) {
		/* The books disagree with the trace: do not count the
		 * interval that just ended, its start is doubtful. */
		a->anomalies.schedule_conflicts++;
		prev->rs_tsc = 0;
	}
	if (p)
		p->current = NULL;
	runstate_update(prev, new, tsc);
}

/* next starts running on p. */
static void schedule_in(struct xta_analysis *a, struct xta_pcpu *p,
			struct xta_vcpu *next, uint64_t tsc)
{
	if (p->current) {
		/* Someone was still running there: the placeholder before the
		 * first schedule, or a vCPU whose switch-out record is lost. */
		if (!is_placeholder(p->current)) {
			a->anomalies.schedule_conflicts++;
			runstate_update(p->current, XTA_RS_LOST, tsc);
		}
		p->current = NULL;
	}
	if (next->activated) {
		if (next->rs == XTA_RS_RUNNING && !is_placeholder(next)) {
			a->anomalies.schedule_conflicts++;
			next->rs_tsc = 0;
		}
		if (next->pcpu != p) {
			if (next->pcpu_tsc) {
				xta_stat_add(&next->affinity, tsc - next->pcpu_tsc);
				xta_stat_add(affinity_slot(next, p->id),
					     tsc - next->pcpu_tsc);
			}
			next->pcpu_tsc = tsc;
		}
	} else {
		next->activated = true;
		next->pcpu_tsc = tsc;
	}
	runstate_update(next, XTA_RS_RUNNING, tsc);
	next->pcpu = p;
	p->current = next;
}

/*
 * The first record about a vCPU. It leaves "init" only when seen to run;
 * one that was already running when the trace began (old state running)
 * is taken to have run since its pCPU's first record.
 */
static void vcpu_start(struct xta_analysis *a, struct xta_pcpu *p,
		       struct xta_vcpu *v, unsigned old, unsigned new,
		       uint64_t tsc)
{
	if (old == XTA_RS_RUNNING) {
		if (!p->current || !is_placeholder(p->current)) {
			a->anomalies.schedule_conflicts++;
			return;
		}
		p->current = NULL;
	}
	if (new != XTA_RS_RUNNING)
		return;
	runstate_update(v, XTA_RS_RUNNING, old == XTA_RS_RUNNING ?
			p->first_tsc : tsc);
	p->current = v;
	v->pcpu = p;
}

static void hvm_close(struct xta_analysis *a, struct xta_vcpu *v,
		      uint64_t tsc);

static void runstate_record(struct xta_analysis *a, struct xta_pcpu *p,
			    const struct xta_rec *rec)
{
	unsigned old, new;
	bool cont;
	struct xta_vcpu *v;
	uint32_t dom, vid;

	if ((rec->event & 0xf) == 1) {
		/* TRC_SCHED_RUNSTATE_CHANGE | old << 8 | new << 4 */
		new = (rec->event >> 4) & 0xf;
		old = (rec->event >> 8) & 0xf;
		cont = false;
	} else if ((rec->event & 0xf) == 2) {
		new = old = XTA_RS_RUNNING;
		cont = true;
	} else {
		return;
	}
	if (rec->extra < 1 || new > XTA_RS_OFFLINE || old > XTA_RS_OFFLINE) {
		a->anomalies.malformed++;
		return;
	}
	dom = rec->data[0] >> 16;
	vid = rec->data[0] & 0xffff;
	if (vid >= XTA_MAX_VCPUS) {
		a->anomalies.malformed++;
		return;
	}
	v = vcpu_get(a, dom, vid);

	if (v->rs == XTA_RS_INIT) {
		vcpu_start(a, p, v, old, new, rec->tsc);
		return;
	}
	/* Time in Xen ends when the vCPU is preempted: waiting for the pCPU
	 * is contention, not the exit's cost. */
	if (new == XTA_RS_RUNNABLE && v->hvm && v->hvm->open) {
		hvm_close(a, v, rec->tsc);
		v->hvm->closed_early = true;
	}

	if (v->rs != old) {
		a->anomalies.runstate_mismatch++;
		if (v->rs == XTA_RS_LOST) {
			if (new != XTA_RS_RUNNING)
				return;
		} else if (v->rs == XTA_RS_RUNNING) {
			return;
		}
	}

	if (cont) {
		if (v->rs == XTA_RS_LOST) {
			if (p->current)
				schedule_out(a, p, p->current, XTA_RS_LOST, rec->tsc);
			schedule_in(a, p, v, rec->tsc);
		}
		runstate_update(v, XTA_RS_RUNNING, rec->tsc);
	} else if (old == XTA_RS_RUNNING || v->rs == XTA_RS_RUNNING) {
		schedule_out(a, old == XTA_RS_RUNNING ? p : v->pcpu, v, new,
			     rec->tsc);
	} else if (new == XTA_RS_RUNNING) {
		schedule_in(a, p, v, rec->tsc);
	} else {
		runstate_update(v, new, rec->tsc);
	}
}

/* TRC_LOST_RECORDS: { u32 count; u16 domid, vcpuid; u64 first_tsc } */
static void lost_records(struct xta_analysis *a, struct xta_pcpu *p,
			 const struct xta_rec *rec)
{
	uint64_t first;
	struct xta_vcpu *was;

	if (rec->extra < 4) {
		a->anomalies.malformed++;
		return;
	}
	first = xta_u64(rec->data + 2);
	p->lost_records += rec->data[0];
	xta_stat_add(&p->lost, first < rec->tsc ? rec->tsc - first : 0);

	/* Whatever ran here, and whatever was not running anywhere, may have
	 * changed state in the records that are gone. */
	if (p->current)
		schedule_out(a, p, p->current, XTA_RS_LOST, rec->tsc);
	for (unsigned i = 0; i < a->nr_doms; i++) {
		struct xta_domain *d = a->dom[i];

		if (d->id == XTA_DOMID_DEFAULT)
			continue;
		for (unsigned j = 0; j < d->nr_vcpus; j++)
			if (d->vcpu[j] && d->vcpu[j]->rs != XTA_RS_RUNNING &&
			    d->vcpu[j]->rs != XTA_RS_INIT)
				lose_vcpu(d->vcpu[j], rec->tsc);
	}
	/* The record names the vCPU running when it was written. */
	was = vcpu_get(a, rec->data[1] & 0xffff, rec->data[1] >> 16);
	if (was->rs != XTA_RS_INIT)
		schedule_in(a, p, was, rec->tsc);
}

/* ---- HVM ---- */

static inline __attribute__((always_inline))
struct xta_hvm *hvm_of(struct xta_vcpu *v)
{
	if (!v->hvm)
		v->hvm = xta_calloc(1, sizeof(*v->hvm));
	return v->hvm;
}

static uint64_t detail_hash(unsigned slot, unsigned handler, uint64_t key)
{
	uint64_t h = key * 0x9e3779b97f4a7c15ull;

	h ^= ((uint64_t)slot << 8 | handler) * 0xc2b2ae3d27d4eb4full;
	return h ^ (h >> 29);
}

static struct xta_stat *detail_stat(struct xta_hvm *h, unsigned slot,
				    unsigned handler, uint64_t key)
{
	unsigned mask, i;

	if ((h->detail_len + 1) * 4 > h->detail_cap * 3) {
		struct xta_detail *old = h->detail;
		unsigned old_cap = h->detail_cap;

		h->detail_cap = old_cap ? old_cap * 2 : 64;
		h->last_detail = NULL;
		memset(h->cache, 0, sizeof(h->cache));
		h->detail = xta_calloc(h->detail_cap, sizeof(*h->detail));
		mask = h->detail_cap - 1;
		for (unsigned j = 0; j < old_cap; j++) {
			if (!old[j].used)
				continue;
			i = (unsigned)detail_hash(old[j].slot, old[j].handler,
						  old[j].key) & mask;
			while (h->detail[i].used)
				i = (i + 1) & mask;
			h->detail[i] = old[j];
		}
		free(old);
	}
	mask = h->detail_cap - 1;
	i = (unsigned)detail_hash(slot, handler, key) & mask;
	while (h->detail[i].used) {
		struct xta_detail *e = &h->detail[i];

		if (e->slot == slot && e->handler == handler && e->key == key)
			return &e->st;
		i = (i + 1) & mask;
	}
	h->detail[i].used = true;
	h->detail[i].slot = (uint16_t)slot;
	h->detail[i].handler = (uint8_t)handler;
	h->detail[i].key = key;
	h->detail_len++;
	return &h->detail[i].st;
}

static inline __attribute__((always_inline))
void hvm_close(struct xta_analysis *a, struct xta_vcpu *v, uint64_t tsc)
{
	struct xta_hvm *h = v->hvm;
	uint64_t cycles;

	h->open = false;
	if (h->exit_tsc > tsc) {
		a->anomalies.exits_backwards++;
		return;
	}
	cycles = tsc - h->exit_tsc;
	/* Only the detail is counted here; the exit's totals are the sum of
	 * its details, made once at the end (xta_analysis_finish). */
	if (!h->have_handler) {
		h->handler = XTA_H_NONE;
		h->key = 0;
	}
	/* A handful of kinds make up most exits: a small direct-mapped
	 * cache in front of the table. */
	{
		unsigned c = (unsigned)(h->slot ^ h->handler ^ h->key ^ (h->key >> 8)) &
			     (XTA_DETAIL_CACHE - 1);
		struct xta_detail_cache *e = &h->cache[c];

		if (!e->st || e->slot != h->slot || e->handler != h->handler ||
		    e->key != h->key) {
			e->st = detail_stat(h, h->slot, h->handler, h->key);
			e->slot = h->slot;
			e->handler = h->handler;
			e->key = h->key;
		}
		h->last_detail = e->st;
	}
	xta_stat_add(h->last_detail, cycles);
}

static inline __attribute__((always_inline))
void hvm_exit(struct xta_analysis *a, struct xta_vcpu *v,
		     const struct xta_rec *rec)
{
	struct xta_hvm *h = hvm_of(v);
	uint32_t code;

	/* 32-bit guest: reason, eip; 64-bit (TRC_64_FLAG): reason, rip. */
	if (rec->extra < ((rec->event & TRC_64_FLAG) ? 3 : 2)) {
		a->anomalies.malformed++;
		return;
	}
	code = rec->data[0];
	a->hvm_exits++;
	if (h->open)
		h->unclosed++;
	if ((code & 0x80000000u) && code != UINT32_MAX) {
		/* VMX: bit 31 marks a failed VM entry; bits 0-15 the reason. */
		h->failed_entries++;
		a->vmx_evidence++;
		code &= 0xffff;
	} else if ((code > XTA_VMX_EXIT_MAX && code <= XTA_SVM_EXIT_MAX) ||
		   code == XTA_SVM_EXIT_NPF) {
		a->svm_evidence++;
	}
	h->open = true;
	h->seen_exit = true;
	h->closed_early = false;
	h->have_handler = false;
	h->handler = XTA_H_NONE;
	h->key = 0;
	h->slot = (uint16_t)xta_exit_slot(code);
	h->exit_tsc = rec->tsc;
}

static inline __attribute__((always_inline))
void hvm_entryexit(struct xta_analysis *a, struct xta_pcpu *p,
		   struct xta_vcpu *v, const struct xta_rec *rec, unsigned size)
{
	switch (rec->event & 0xff) {
	case 0x01:	/* VMENTRY */
		p->hvm_volume[0] += size;
		if (v->hvm && v->hvm->open) {
			hvm_close(a, v, rec->tsc);
		} else if (v->hvm && v->hvm->closed_early) {
			v->hvm->closed_early = false;
		} else if (v->hvm && v->hvm->seen_exit) {
			/* Not after a preemption, not the trace's start. */
			a->anomalies.entries_without_exit++;
		}
		break;
	case 0x02:	/* VMEXIT (also VMX_EXIT in newer headers) */
	case 0x03:	/* SVM_EXIT, as Xen before 4.17 wrote on AMD */
		p->hvm_volume[1] += size;
		if ((rec->event & 0xff) == 0x03)
			a->svm_evidence++;
		hvm_exit(a, v, rec);
		break;
	}
}

/* Sets the open exit's handler detail, unless an earlier record did. */
static inline __attribute__((always_inline))
void set_handler(struct xta_hvm *h, enum xta_handler handler, uint64_t key)
{
	if (!h->open || h->have_handler)
		return;
	h->have_handler = true;
	h->handler = (uint8_t)handler;
	h->key = key;
}

static uint64_t word64(const struct xta_rec *rec, unsigned i)
{
	return i + 1 < rec->extra ? xta_u64(rec->data + i) :
	       i < rec->extra ? rec->data[i] : 0;
}

static inline __attribute__((always_inline))
void hvm_handler(struct xta_analysis *a, struct xta_vcpu *v,
		 const struct xta_rec *rec)
{
	struct xta_hvm *h = hvm_of(v);
	unsigned minor = rec->event & 0xff;
	bool is64 = rec->event & TRC_64_FLAG;
	bool write = rec->event & 0x200;
	uint32_t d0 = rec->extra ? rec->data[0] : 0;

	switch (minor) {
	case 0x01:	/* PF_XEN: error code, va */
		set_handler(h, XTA_H_PF, d0 & 0x1f);
		break;
	case 0x04: {	/* INJ_VIRQ: vector, fake */
		unsigned vec = d0 < 256 ? d0 : 256;

		h->inj_virq[vec]++;
		break;
	}
	case 0x08:	/* CR_READ: cr, value */
		set_handler(h, XTA_H_CR_READ, d0);
		break;
	case 0x09:
		set_handler(h, XTA_H_CR_WRITE, d0);
		break;
	case 0x0a:
		set_handler(h, XTA_H_DR_READ, 0);
		break;
	case 0x0b:
		set_handler(h, XTA_H_DR_WRITE, 0);
		break;
	case 0x0c:	/* MSR_READ: msr, value */
		set_handler(h, XTA_H_MSR_READ, d0);
		break;
	case 0x0d:
		set_handler(h, XTA_H_MSR_WRITE, d0);
		break;
	case 0x0e:	/* CPUID: leaf, subleaf, eax..edx */
		set_handler(h, XTA_H_CPUID, d0);
		break;
	case 0x0f:	/* INTR: VMX records the vector, SVM nothing */
		if (rec->extra)
			a->vmx_evidence++;
		else
			a->svm_evidence++;
		set_handler(h, XTA_H_INTR, rec->extra ? d0 : 0);
		break;
	case 0x10:
		set_handler(h, XTA_H_NMI, 0);
		break;
	case 0x11:
		set_handler(h, XTA_H_SMI, 0);
		break;
	case 0x12:	/* VMMCALL: hypercall number */
		set_handler(h, XTA_H_VMCALL, d0);
		break;
	case 0x13:
		set_handler(h, XTA_H_HLT, 0);
		break;
	case 0x14:
		set_handler(h, XTA_H_INVLPG, 0);
		break;
	case 0x15:
		set_handler(h, XTA_H_MCE, 0);
		break;
	case 0x16:	/* IOPORT_READ/WRITE: port[, data] */
		set_handler(h, XTA_H_IO, (d0 & 0xffff) | (write ? XTA_KEY_WRITE : 0));
		break;
	case 0x17: {	/* IOMEM_READ/WRITE: gpa (64-bit with the flag) */
		uint64_t gpa = is64 ? word64(rec, 0) : d0;

		set_handler(h, XTA_H_MMIO, xta_addr_classify(gpa) |
			    (write ? XTA_KEY_WRITE : 0));
		break;
	}
	case 0x18:
		a->vmx_evidence++;
		set_handler(h, XTA_H_CLTS, 0);
		break;
	case 0x19:
		a->vmx_evidence++;
		set_handler(h, XTA_H_LMSW, 0);
		break;
	case 0x1a:
		set_handler(h, XTA_H_RDTSC, 0);
		break;
	case 0x21: {	/* NPF: gpa, mfn (u64 each), qualification, p2m type */
		uint64_t gpa = word64(rec, 0);
		uint32_t p2mt = rec->extra >= 6 ? rec->data[5] : 0;
		enum xta_addr_class class = xta_addr_classify(gpa);

		/* p2m_mmio_dm (4) and p2m_ioreq_server (15) go to a device
		 * model; p2m_mmio_direct (5) is pass-through MMIO. */
		if (class == XTA_ADDR_RAM &&
		    (p2mt == 4 || p2mt == 5 || p2mt == 15))
			class = XTA_ADDR_MMIO;
		set_handler(h, XTA_H_NPF, (uint64_t)class << 8 | (p2mt & 0xff));
		break;
	}
	case 0x22:
		a->vmx_evidence++;
		set_handler(h, XTA_H_REALMODE, 0);
		break;
	case 0x23:
		set_handler(h, XTA_H_TRAP, d0);
		break;
	case 0x24:
		a->vmx_evidence++;
		set_handler(h, XTA_H_TRAP_DEBUG, 0);
		break;
	case 0x25:
		a->vmx_evidence++;
		set_handler(h, XTA_H_VLAPIC, 0);
		break;
	case 0x26:
		set_handler(h, XTA_H_XCR_READ, d0);
		break;
	case 0x27:
		set_handler(h, XTA_H_XCR_WRITE, d0);
		break;
	case 0x02:	/* PF_INJECT */
	case 0x03:	/* INJ_EXC */
	case 0x05:	/* REINJ_VIRQ */
	case 0x20:	/* INTR_WINDOW */
		/* On the way back to the guest: not what the exit was for. */
		break;
	default:
		set_handler(h, XTA_H_OTHER, rec->event);
		break;
	}
}

/* ---- PV ---- */

static inline __attribute__((always_inline))
struct xta_pv *pv_of(struct xta_vcpu *v)
{
	if (!v->pv)
		v->pv = xta_calloc(1, sizeof(*v->pv));
	return v->pv;
}

/* TRC_PV_HYPERCALL_V2 and _SUBCALL: op with presence bits, then args. */
static inline __attribute__((always_inline))
void pv_hypercall_v2(struct xta_pv *pv, const struct xta_rec *rec,
			    bool subcall)
{
	uint32_t op = rec->data[0] & ~TRC_PV_HYPERCALL_V2_ARG_MASK;
	uint64_t arg[6] = { 0 };
	unsigned word = 1;

	if (subcall)
		pv->subcall[op < XTA_HYPERCALL_MAX ? op : XTA_HYPERCALL_MAX]++;
	else
		pv->hypercall[op < XTA_HYPERCALL_MAX ? op : XTA_HYPERCALL_MAX]++;
	/* Only these have arguments worth a look. */
	if (op != 1 && op != 13 && op != 26 && op != 29)
		return;
	/* Xen 4.17 records exactly one 32-bit argument for each of them
	 * (the count, or sched_op's command): take it without the walk. */
	if ((rec->data[0] & TRC_PV_HYPERCALL_V2_ARG_MASK) ==
	    (uint32_t)TRC_PV_HYPERCALL_V2_ARG_32(op == 29 ? 0 : 1) &&
	    rec->extra >= 2) {
		arg[op == 29 ? 0 : 1] = rec->data[1];
	} else {
		for (unsigned i = 0; i < 6 && word < rec->extra; i++) {
			unsigned present = (rec->data[0] >> (20 + 2 * i)) & 3;

			if (present == 1)
				arg[i] = rec->data[word];
			else if (present == 2 && word + 1 < rec->extra)
				arg[i] = xta_u64(rec->data + word);
			word += present;
		}
	}
	switch (op) {
	case 1:		/* mmu_update: count */
		pv->mmu_update_reqs += arg[1] & 0x7fffffff;
		break;
	case 13:	/* multicall: count */
		pv->multicall_calls += arg[1];
		break;
	case 26:	/* mmuext_op: count */
		pv->mmuext_reqs += arg[1] & 0x7fffffff;
		break;
	case 29:	/* sched_op: cmd */
		pv->sched_op_cmd[arg[0] < 8 ? arg[0] : 8]++;
		break;
	}
}

static inline __attribute__((always_inline))
void pv_record(struct xta_analysis *a, struct xta_vcpu *v,
		      const struct xta_rec *rec)
{
	struct xta_pv *pv = pv_of(v);
	unsigned kind = rec->event & 0xff;
	bool is64 = rec->event & TRC_64_FLAG;

	if (kind >= XTA_PV_KINDS) {
		a->anomalies.malformed++;
		return;
	}
	pv->kind[kind]++;
	switch (kind) {
	case XTA_PV_HYPERCALL: {
		/* Pre-4.6 format: eip (32 or 64 bits), eax. */
		unsigned w = is64 ? 2 : 1;
		uint32_t op;

		if (rec->extra <= w) {
			a->anomalies.malformed++;
			break;
		}
		op = rec->data[w];
		pv->hypercall[op < XTA_HYPERCALL_MAX ? op : XTA_HYPERCALL_MAX]++;
		break;
	}
	case XTA_PV_HYPERCALL_V2:
	case XTA_PV_HYPERCALL_SUBCALL:
		if (!rec->extra) {
			a->anomalies.malformed++;
			break;
		}
		pv_hypercall_v2(pv, rec, kind == XTA_PV_HYPERCALL_SUBCALL);
		break;
	case XTA_PV_TRAP: {
		/* eip (32 or 64 bits), then trapnr:15 use_ec:1 ec:16 */
		unsigned w = is64 ? 2 : 1;
		unsigned nr;

		if (rec->extra <= w) {
			a->anomalies.malformed++;
			break;
		}
		nr = rec->data[w] & 0x7fff;
		pv->trap[nr < 32 ? nr : 32]++;
		break;
	}
	}
}

/* ---- the clock, from the scheduler's own timing ---- */

static void sched_switch(struct xta_analysis *a, struct xta_pcpu *p,
			 const struct xta_rec *rec)
{
	uint64_t cycles, mhz;

	if (rec->event == TRC_SCHED_SWITCH && rec->extra >= 4) {
		/* prev dom, prev unit, next dom, next unit */
		p->switch_dom = rec->data[2];
		p->switch_unit = rec->data[3];
		p->switch_tsc = rec->tsc;
		return;
	}
	if (rec->event != TRC_SCHED_SWITCH_INFPREV || rec->extra < 3 ||
	    !p->switch_tsc || p->switch_dom != rec->data[0] ||
	    p->switch_unit != rec->data[1] || rec->tsc <= p->switch_tsc)
		return;
	/* Runs of a millisecond or more: the few hundred cycles between
	 * Xen reading its clock and writing the record do not matter. */
	if (rec->data[2] < 1000000)
		return;
	cycles = rec->tsc - p->switch_tsc;
	mhz = cycles * 1000 / rec->data[2];
	if (mhz >= XTA_HZ_HIST_MHZ)
		return;
	if (!a->hz_hist)
		a->hz_hist = xta_calloc(XTA_HZ_HIST_MHZ, sizeof(*a->hz_hist));
	a->hz_hist[mhz]++;
	a->hz_samples++;
}

uint64_t xta_analysis_estimated_hz(const struct xta_analysis *a,
				   uint64_t *samples)
{
	uint64_t seen = 0;

	*samples = a->hz_samples;
	if (a->hz_samples < 20)
		return 0;
	for (unsigned mhz = 0; mhz < XTA_HZ_HIST_MHZ; mhz++) {
		seen += a->hz_hist[mhz];
		if (seen * 2 >= a->hz_samples)
			return (uint64_t)mhz * 1000000 + 500000;
	}
	return 0;
}

/* ---- dispatch ---- */

/*
 * The vCPU a PV or HVM record is about: whoever runs on its pCPU. Records
 * with nobody known there, or for the idle vCPU, or of the other type than
 * the vCPU's earlier ones, are counted and otherwise ignored.
 */
static inline __attribute__((always_inline))
struct xta_vcpu *guest_vcpu(struct xta_analysis *a, struct xta_pcpu *p,
				   enum xta_vcpu_type type)
{
	struct xta_vcpu *v = p->current;

	/* The idle vCPU never gets a type: one test for the usual case. */
	if (__builtin_expect(v && v->type == type, 1))
		return v;
	if (!v) {
		a->anomalies.unattributed++;
		return NULL;
	}
	if (v->idle) {
		a->anomalies.idle_records++;
		return NULL;
	}
	if (v->type != type) {
		if (v->type != XTA_VCPU_NONE) {
			a->anomalies.type_mismatch++;
			return NULL;
		}
		v->type = (uint8_t)type;
	}
	return v;
}

/* Trace class of each value of an event's bits 16-27. */
static uint8_t class_table[4096];
static bool class_table_ready;

static void class_table_init(void)
{
	if (class_table_ready)
		return;
	for (uint32_t main = 0; main < 4096; main++)
		class_table[main] = (uint8_t)xta_event_class(main << 16);
	class_table_ready = true;
}

/* What one trace record changes: the hot path. The commonest events of
 * PV and HVM guests whose vCPU is known go straight to their handling;
 * everything else takes the general route by class. */
static inline __attribute__((always_inline)) void
event(struct xta_analysis *a, struct xta_pcpu *p, const struct xta_rec *rec,
      unsigned size)
{
	uint32_t ev = rec->event;
	struct xta_vcpu *v = p->current;
	unsigned class;

	switch (ev) {
	case TRC_HVM_VMENTRY:
	case TRC_HVM_VMEXIT:
	case TRC_HVM_VMEXIT64:
		if (!v || v->type != XTA_VCPU_HVM)
			break;
		p->volume[XTA_CLASS_HVM] += size;
		hvm_entryexit(a, p, v, rec, size);
		return;
	case TRC_PV_HYPERCALL_V2:
	case TRC_PV_HYPERCALL_SUBCALL:
		if (!v || v->type != XTA_VCPU_PV)
			break;
		p->volume[XTA_CLASS_PV] += size;
		pv_record(a, v, rec);
		return;
	default:
		if ((ev & 0x0ffff000) == TRC_HVM_HANDLER && v &&
		    v->type == XTA_VCPU_HVM) {
			p->volume[XTA_CLASS_HVM] += size;
			p->hvm_volume[2] += size;
			hvm_handler(a, v, rec);
			return;
		}
		break;
	}

	class = class_table[(ev >> 16) & 0xfff];
	p->volume[class] += size;
	switch (class) {
	case XTA_CLASS_PV:
		v = guest_vcpu(a, p, XTA_VCPU_PV);
		if (v)
			pv_record(a, v, rec);
		break;
	case XTA_CLASS_HVM:
		if ((ev & 0x0ffff000) == TRC_HVM_EMUL) {
			/* Emulated-device events come in any context. */
			p->hvm_volume[3] += size;
			break;
		}
		v = guest_vcpu(a, p, XTA_VCPU_HVM);
		if (!v)
			break;
		if ((ev & 0x0ffff000) == TRC_HVM_ENTRYEXIT) {
			hvm_entryexit(a, p, v, rec, size);
		} else if ((ev & 0x0ffff000) == TRC_HVM_HANDLER) {
			p->hvm_volume[2] += size;
			hvm_handler(a, v, rec);
		}
		break;
	case XTA_CLASS_SCHED:
		if ((ev & 0x0ffff000) == TRC_SCHED_MIN)
			runstate_record(a, p, rec);
		else if ((ev & 0x0ffff000) == TRC_SCHED_VERBOSE)
			sched_switch(a, p, rec);
		break;
	case XTA_CLASS_GEN:
		if (ev == TRC_LOST_RECORDS)
			lost_records(a, p, rec);
		break;
	default:
		break;
	}
}

/* The span of the trace, as xenalyze counts it: from the first non-zero
 * TSC to the last one delivered. */
static inline void span_update(struct xta_analysis *a, uint64_t tsc)
{
	if (tsc && tsc >= a->first_tsc) {
		if (!a->first_tsc)
			a->first_tsc = tsc;
		a->last_tsc = tsc;
	}
}

void xta_analysis_feed(struct xta_analysis *a, const struct xta_rec *rec)
{
	struct xta_pcpu *p = pcpu_get(a, rec->cpu);

	class_table_init();
	if (__builtin_expect(rec->kind != XTA_REC_EVENT, 0)) {
		if (rec->kind == XTA_REC_CPU_END) {
			/* The pCPU's records end: whoever ran there is lost. */
			if (p->current)
				lose_vcpu(p->current, p->last_tsc);
			p->ended = true;
		}
		return;
	}
	a->records++;
	p->records++;
	if (rec->has_tsc) {
		if (!p->first_tsc)
			p->first_tsc = rec->tsc;
		p->last_tsc = rec->tsc;
	}
	span_update(a, rec->tsc);
	event(a, p, rec, 4 + 8u * rec->has_tsc + 4u * rec->extra);
}

/*
 * Runs through the records the reader can hand out without looking at
 * another pCPU: those of the current pCPU in its current window with TSCs
 * up to the reader's limit. The same checks as xta_reader_next()'s fast
 * path, on the reader's cursor directly, so that nothing but the analysis
 * itself is done per record.
 */
static void run_stretch(struct xta_analysis *a, struct xta_reader *r)
{
	struct xta_cpu *c = r->cur;
	const uint8_t *pos = c->pos, *end = c->end;
	uint64_t limit = r->limit, tsc = c->last_tsc, n = 0;
	struct xta_pcpu *p = pcpu_get(a, c->id);
	struct xta_rec rec;

	rec.cpu = c->id;
	rec.kind = XTA_REC_EVENT;
	rec.offset = 0;
	while (end - pos >= 4) {
		uint32_t hdr;
		unsigned extra;
		size_t size;
		uint64_t t = tsc;

		memcpy(&hdr, pos, sizeof(hdr));
		extra = (hdr >> 28) & 7;
		size = 4 + extra * 4 + ((hdr >> 31) ? 8 : 0);
		if ((size_t)(end - pos) < size)
			break;
		if (hdr >> 31) {
			memcpy(&t, pos + 4, sizeof(t));
			if (t > limit || t < tsc)
				break;
			if (__builtin_expect(!p->first_tsc, 0))
				p->first_tsc = t;
			tsc = t;
		} else if (t > limit) {
			break;
		}
		rec.tsc = t;
		rec.data = (const uint32_t *)(pos + size - extra * 4);
		rec.event = hdr & 0x0fffffff;
		rec.extra = (uint8_t)extra;
		rec.has_tsc = hdr >> 31;
		if (__builtin_expect(!a->first_tsc, 0))
			span_update(a, t);
		event(a, p, &rec, (unsigned)size);
		pos += size;
		n++;
	}
	c->pos = pos;
	c->last_tsc = tsc;
	r->stats.records += n;
	a->records += n;
	p->records += n;
	if (n) {
		p->last_tsc = tsc;
		span_update(a, tsc);
	}
}

void xta_analysis_run(struct xta_analysis *a, struct xta_reader *r)
{
	struct xta_rec rec;

	class_table_init();
	for (;;) {
		if (r->cur)
			run_stretch(a, r);
		if (!xta_reader_next_slow(r, &rec))
			break;
		xta_analysis_feed(a, &rec);
	}
	a->rstats = *xta_reader_stats(r);
	a->rerr = *xta_reader_error(r);
	free(a->input_desc);
	a->input_desc = xta_strdup(xta_reader_input_desc(r));
	xta_analysis_finish(a);
}

void xta_analysis_finish(struct xta_analysis *a)
{
	if (a->finished)
		return;
	a->finished = true;
	/* Each exit reason's totals, from its handler details. */
	for (unsigned i = 0; i < a->nr_doms; i++) {
		struct xta_domain *d = a->dom[i];

		for (unsigned j = 0; j < d->nr_vcpus; j++) {
			struct xta_hvm *h = d->vcpu[j] ? d->vcpu[j]->hvm : NULL;

			if (!h)
				continue;
			for (unsigned k = 0; k < h->detail_cap; k++)
				if (h->detail[k].used)
					xta_stat_merge(&h->exit[h->detail[k].slot],
						       &h->detail[k].st);
		}
	}
	/* Time on the last pCPU counts up to the end of the trace. */
	for (unsigned i = 0; i < a->nr_doms; i++) {
		struct xta_domain *d = a->dom[i];

		for (unsigned j = 0; j < d->nr_vcpus; j++) {
			struct xta_vcpu *v = d->vcpu[j];

			if (!v || !v->pcpu_tsc || !v->pcpu)
				continue;
			xta_stat_add(&v->affinity, a->last_tsc - v->pcpu_tsc);
			xta_stat_add(affinity_slot(v, v->pcpu->id),
				     a->last_tsc - v->pcpu_tsc);
			v->pcpu_tsc = 0;
		}
	}
}

int xta_analyze_path(const char *path, const struct xta_reader_opts *opts,
		     enum xta_vendor vendor_override,
		     struct xta_analysis **out, char *err, size_t errlen)
{
	struct xta_reader *r;
	struct xta_analysis *a;

	if (xta_reader_open(&r, path, opts, err, errlen))
		return -1;
	a = xta_analysis_new();
	a->vendor_override = vendor_override;
	xta_analysis_run(a, r);
	xta_reader_close(r);
	*out = a;
	return 0;
}

struct xta_analysis *xta_analysis_new(void)
{
	return xta_calloc(1, sizeof(struct xta_analysis));
}

static void vcpu_free(struct xta_vcpu *v)
{
	for (unsigned i = 0; i < XTA_RS_MAX; i++)
		xta_stat_free(&v->runstate[i]);
	for (unsigned i = 0; i < XTA_RUNNABLE_MAX; i++)
		xta_stat_free(&v->runnable_kind[i]);
	xta_stat_free(&v->affinity);
	for (unsigned i = 0; i < v->affinity_len; i++)
		xta_stat_free(&v->affinity_pcpu[i]);
	free(v->affinity_pcpu);
	if (v->hvm) {
		for (unsigned i = 0; i < XTA_EXIT_SLOTS; i++)
			xta_stat_free(&v->hvm->exit[i]);
		for (unsigned i = 0; i < v->hvm->detail_cap; i++)
			xta_stat_free(&v->hvm->detail[i].st);
		free(v->hvm->detail);
		free(v->hvm);
	}
	free(v->pv);
	free(v);
}

void xta_analysis_free(struct xta_analysis *a)
{
	if (!a)
		return;
	for (unsigned i = 0; i < a->nr_doms; i++) {
		struct xta_domain *d = a->dom[i];

		for (unsigned j = 0; j < d->nr_vcpus; j++)
			if (d->vcpu[j])
				vcpu_free(d->vcpu[j]);
		for (unsigned j = 0; j < XTA_DS_MAX; j++)
			xta_stat_free(&d->domstate[j]);
		free(d->vcpu);
		free(d->name);
		free(d);
	}
	free(a->dom);
	for (unsigned i = 0; i < XTA_MAX_CPUS; i++)
		if (a->pcpu[i]) {
			xta_stat_free(&a->pcpu[i]->lost);
			free(a->pcpu[i]);
		}
	free(a->input_desc);
	free(a->hz_hist);
	free(a);
}

enum xta_vendor xta_analysis_vendor(const struct xta_analysis *a)
{
	if (a->vendor_override != XTA_VENDOR_UNKNOWN)
		return a->vendor_override;
	if (a->svm_evidence > a->vmx_evidence)
		return XTA_VENDOR_SVM;
	if (a->vmx_evidence || a->hvm_exits)
		return XTA_VENDOR_VMX;
	return XTA_VENDOR_UNKNOWN;
}

const char *xta_analysis_vendor_reason(const struct xta_analysis *a)
{
	if (a->vendor_override != XTA_VENDOR_UNKNOWN)
		return "set with --vendor";
	if (a->svm_evidence > a->vmx_evidence)
		return "SVM-only exit codes or SVM-style records seen";
	if (a->vmx_evidence)
		return "VMX-only records seen";
	if (a->hvm_exits)
		return "assumed: no SVM-only exit code or record seen";
	return "no HVM exits in the trace";
}
