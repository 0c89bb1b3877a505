/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Names for what Xen 4.17 puts in a trace: event ids, hypercall numbers,
 * VMX exit reasons and SVM exit codes, PV event kinds, scheduler states.
 * Tables only; what the events mean is decided in analyze.c.
 */
#ifndef XTA_NAMES_H
#define XTA_NAMES_H

#include <stdbool.h>
#include <stdint.h>

enum xta_vendor {
	XTA_VENDOR_UNKNOWN = 0,
	XTA_VENDOR_VMX,		/* Intel VT-x: VMEXIT carries a basic exit reason */
	XTA_VENDOR_SVM,		/* AMD-V: VMEXIT carries the VMCB exit code */
};

const char *xta_vendor_name(enum xta_vendor vendor);	/* "VMX", "SVM", "unknown" */
/* Parses "vmx"/"intel" or "svm"/"amd" (any case); -1 on anything else. */
int xta_vendor_parse(const char *text, enum xta_vendor *out);

/*
 * Exit codes are kept per vCPU in a dense table of "slots" so that both
 * vendors share one array: SVM codes 0x00..0x8f and VMX basic reasons
 * 0..75 map to themselves, SVM's NPF (0x400) to XTA_SLOT_NPF, and any
 * other value (VMEXIT_INVALID, corrupt data) to XTA_SLOT_OTHER.
 */
#define XTA_SVM_EXIT_NPF	0x400u
#define XTA_SLOT_NPF		0x90u
#define XTA_SLOT_OTHER		0x91u
#define XTA_EXIT_SLOTS		0x92u

static inline unsigned xta_exit_slot(uint32_t code)
{
	if (code < XTA_SLOT_NPF)
		return code;
	if (code == XTA_SVM_EXIT_NPF)
		return XTA_SLOT_NPF;
	return XTA_SLOT_OTHER;
}

/* The exit code a slot stands for (XTA_SLOT_OTHER gives UINT32_MAX). */
uint32_t xta_slot_code(unsigned slot);

/* "VMEXIT_IOIO" / "IO_INSTRUCTION", or NULL when the vendor has no such
 * code. Never NULL for XTA_SLOT_OTHER ("(other exit code)"). */
const char *xta_exit_slot_name(enum xta_vendor vendor, unsigned slot);

/* Highest VMX basic exit reason Xen 4.17 (and the SDM) defines. */
#define XTA_VMX_EXIT_MAX	75u
/* Highest SVM exit code below NPF. */
#define XTA_SVM_EXIT_MAX	0x8eu

/* Xen 4.17 hypercall numbers (xen/include/public/xen.h), 0..63. */
#define XTA_HYPERCALL_MAX	64u
const char *xta_hypercall_name(uint32_t nr);	/* NULL when unnamed */

/* PV event kinds: the low byte of TRC_PV_* events. */
enum xta_pv_kind {
	XTA_PV_HYPERCALL = 1,
	XTA_PV_TRAP = 3,
	XTA_PV_PAGE_FAULT = 4,
	XTA_PV_FORCED_INVALID_OP = 5,
	XTA_PV_EMULATE_PRIVOP = 6,
	XTA_PV_EMULATE_4GB = 7,
	XTA_PV_MATH_STATE_RESTORE = 8,
	XTA_PV_PAGING_FIXUP = 9,
	XTA_PV_GDT_LDT_MAPPING_FAULT = 10,
	XTA_PV_PTWR_EMULATION = 11,
	XTA_PV_PTWR_EMULATION_PAE = 12,
	XTA_PV_HYPERCALL_V2 = 13,
	XTA_PV_HYPERCALL_SUBCALL = 14,
	XTA_PV_KINDS = 16,
};
const char *xta_pv_kind_name(unsigned kind);	/* NULL when unnamed */

/* x86 exception vectors 0..31 ("#PF"), NULL when reserved. */
const char *xta_trap_name(unsigned vector);

/* Scheduler runstates as Xen numbers them (RUNSTATE_* in vcpu.h). */
const char *xta_xen_runstate_name(unsigned state);

/* Event names for dump: "vmexit", "hypercall", "runstate_change", ...;
 * NULL for an event this table does not know. */
const char *xta_event_name(uint32_t event);

/* Trace class of an event for volume accounting: index into
 * xta_class_names, or XTA_CLASS_OTHER. */
enum xta_class {
	XTA_CLASS_GEN, XTA_CLASS_SCHED, XTA_CLASS_DOM0OP, XTA_CLASS_HVM,
	XTA_CLASS_MEM, XTA_CLASS_PV, XTA_CLASS_SHADOW, XTA_CLASS_HW,
	XTA_CLASS_GUEST, XTA_CLASS_OTHER, XTA_CLASSES,
};
extern const char *const xta_class_names[XTA_CLASSES];

static inline enum xta_class xta_event_class(uint32_t event)
{
	uint32_t main = (event >> 16) & 0xfff;

	/* Exactly one class bit is set in a well-formed event. */
	if (main == 0 || (main & (main - 1)))
		return XTA_CLASS_OTHER;
	switch (main) {
	case 0x001: return XTA_CLASS_GEN;
	case 0x002: return XTA_CLASS_SCHED;
	case 0x004: return XTA_CLASS_DOM0OP;
	case 0x008: return XTA_CLASS_HVM;
	case 0x010: return XTA_CLASS_MEM;
	case 0x020: return XTA_CLASS_PV;
	case 0x040: return XTA_CLASS_SHADOW;
	case 0x080: return XTA_CLASS_HW;
	case 0x800: return XTA_CLASS_GUEST;
	default:    return XTA_CLASS_OTHER;
	}
}

#endif
