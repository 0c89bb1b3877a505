// SPDX-License-Identifier: GPL-2.0-or-later
#include "groups.h"

const char *const xta_group_names[XTA_GROUPS] = {
	[XTA_G_MMIO] = "MMIO",
	[XTA_G_INTERRUPT] = "Interrupt",
	[XTA_G_APIC] = "APIC",
	[XTA_G_IO] = "I/O instruction",
	[XTA_G_EMULATION] = "Instruction emulation",
	[XTA_G_PAGE_FAULT] = "Page fault",
	[XTA_G_CR] = "CR access",
	[XTA_G_MMU] = "MMU / page-table maintenance",
	[XTA_G_HYPERCALL] = "Hypercall",
	[XTA_G_HALT] = "Halt",
	[XTA_G_OTHER] = "Other",
};

/* x2APIC MSRs: the APIC programmed through MSRs instead of MMIO. */
static bool is_x2apic_msr(uint64_t msr)
{
	return msr >= 0x800 && msr <= 0x8ff;
}

/* A nested page / EPT violation: what the guest touched decides. */
static enum xta_group guest_physical_fault(enum xta_handler handler,
					   uint64_t key)
{
	unsigned class;

	if (handler == XTA_H_MMIO)
		class = (unsigned)(key & 0xff);
	else if (handler == XTA_H_NPF)
		class = (unsigned)(key >> 8) & 0xff;
	else
		return XTA_G_PAGE_FAULT;
	switch (class) {
	case XTA_ADDR_LAPIC:
		return XTA_G_APIC;
	case XTA_ADDR_RAM:
		/* RAM not (yet) mapped for the guest: populate on demand,
		 * log-dirty, paging; the hardware-paging page fault. */
		return XTA_G_PAGE_FAULT;
	default:
		return XTA_G_MMIO;
	}
}

/* Handler records decide for exits that can mean several things. */
static enum xta_group by_handler(enum xta_handler handler, uint64_t key,
				 enum xta_group fallback)
{
	switch (handler) {
	case XTA_H_MSR_READ:
	case XTA_H_MSR_WRITE:
		return is_x2apic_msr(key) ? XTA_G_APIC : XTA_G_EMULATION;
	case XTA_H_CR_READ:
	case XTA_H_CR_WRITE:
		return key == 8 ? XTA_G_APIC : XTA_G_CR;
	case XTA_H_MMIO:
	case XTA_H_NPF:
		return guest_physical_fault(handler, key);
	case XTA_H_IO:
		return XTA_G_IO;
	case XTA_H_PF:
		return XTA_G_PAGE_FAULT;
	case XTA_H_INTR:
	case XTA_H_NMI:
	case XTA_H_SMI:
		return XTA_G_INTERRUPT;
	case XTA_H_VLAPIC:
		return XTA_G_APIC;
	case XTA_H_HLT:
		return XTA_G_HALT;
	case XTA_H_VMCALL:
		return XTA_G_HYPERCALL;
	default:
		return fallback;
	}
}

static enum xta_group svm_group(unsigned code, enum xta_handler handler,
				uint64_t key)
{
	if (code <= 0x1f)	/* CRn read/write; CR8 is the TPR */
		return (code & 0xf) == 8 ? XTA_G_APIC : XTA_G_CR;
	if (code <= 0x3f)	/* DRn read/write */
		return XTA_G_OTHER;
	if (code <= 0x5f) {	/* exception intercepts */
		switch (code - 0x40) {
		case 14:	/* #PF: shadow paging */
			return XTA_G_PAGE_FAULT;
		case 6:		/* #UD: emulated instructions */
		case 13:	/* #GP */
			return XTA_G_EMULATION;
		case 2:		/* NMI */
		case 18:	/* #MC */
			return XTA_G_INTERRUPT;
		default:
			return XTA_G_OTHER;
		}
	}
	switch (code) {
	case 0x60: case 0x61: case 0x62: case 0x63:	/* INTR NMI SMI INIT */
	case 0x64:					/* VINTR */
	case 0x7e:					/* FERR_FREEZE */
		return XTA_G_INTERRUPT;
	case 0x65:					/* CR0_SEL_WRITE */
		return XTA_G_CR;
	case 0x78:					/* HLT */
	case 0x8b: case 0x8c:				/* MWAIT */
		return XTA_G_HALT;
	case 0x79: case 0x7a:				/* INVLPG(A) */
		return XTA_G_MMU;
	case 0x7b:					/* IOIO */
		return XTA_G_IO;
	case 0x7c:					/* MSR */
		return by_handler(handler, key, XTA_G_EMULATION);
	case 0x81:					/* VMMCALL */
		return XTA_G_HYPERCALL;
	case 0x77:					/* PAUSE */
	case 0x7f:					/* SHUTDOWN */
	case 0x88:					/* ICEBP */
		return XTA_G_OTHER;
	case 0x400:					/* NPF */
		return guest_physical_fault(handler, key);
	}
	if (code >= 0x66 && code <= 0x8e)
		return XTA_G_EMULATION;	/* intercepted instructions */
	return XTA_G_OTHER;
}

static enum xta_group vmx_group(unsigned reason, enum xta_handler handler,
				uint64_t key)
{
	switch (reason) {
	case 0:		/* EXCEPTION_NMI: the handler record tells which */
		if (handler == XTA_H_TRAP)
			return key == 14 ? XTA_G_PAGE_FAULT :
			       key == 6 || key == 13 ? XTA_G_EMULATION :
			       XTA_G_OTHER;
		return by_handler(handler, key, XTA_G_OTHER);
	case 1:  case 3:  case 4:  case 5:  case 6:  case 7:  case 8:
	case 52:	/* preemption timer */
		return XTA_G_INTERRUPT;
	case 12: case 36: case 67: case 68:	/* HLT MWAIT UMWAIT TPAUSE */
		return XTA_G_HALT;
	case 14: case 58: case 49: case 62:	/* INVLPG INVPCID EPT_MISCONFIG PML_FULL */
		return XTA_G_MMU;
	case 18:				/* VMCALL */
		return XTA_G_HYPERCALL;
	case 28:				/* CR_ACCESS */
		return by_handler(handler, key, XTA_G_CR);
	case 30:				/* IO_INSTRUCTION */
		return XTA_G_IO;
	case 31: case 32:			/* MSR_READ/WRITE */
		return by_handler(handler, key, XTA_G_EMULATION);
	case 43: case 44: case 45: case 56:	/* TPR, APIC_ACCESS, EOI, APIC_WRITE */
		return XTA_G_APIC;
	case 48:				/* EPT_VIOLATION */
		return guest_physical_fault(handler, key);
	case 2: case 29: case 33: case 34: case 37: case 40: case 41:
	case 59: case 65: case 66: case 72: case 73: case 74: case 75:
		return XTA_G_OTHER;
	}
	if (reason <= XTA_VMX_EXIT_MAX)
		return XTA_G_EMULATION;	/* intercepted instructions */
	return XTA_G_OTHER;
}

enum xta_group xta_group_hvm(enum xta_vendor vendor, unsigned slot,
			     enum xta_handler handler, uint64_t key)
{
	uint32_t code = xta_slot_code(slot);

	if (slot >= XTA_SLOT_OTHER)
		return XTA_G_OTHER;
	if (vendor == XTA_VENDOR_SVM)
		return svm_group(code, handler, key);
	return vmx_group(code, handler, key);
}

enum xta_group xta_group_pv_event(unsigned kind, unsigned trap)
{
	switch (kind) {
	case XTA_PV_PAGE_FAULT:
	case XTA_PV_PAGING_FIXUP:
		return XTA_G_PAGE_FAULT;
	case XTA_PV_PTWR_EMULATION:
	case XTA_PV_PTWR_EMULATION_PAE:
	case XTA_PV_GDT_LDT_MAPPING_FAULT:
		return XTA_G_MMU;
	case XTA_PV_EMULATE_PRIVOP:
	case XTA_PV_FORCED_INVALID_OP:
	case XTA_PV_EMULATE_4GB:
		return XTA_G_EMULATION;
	case XTA_PV_TRAP:
		return trap == 14 ? XTA_G_PAGE_FAULT :
		       trap == 2 || trap == 18 ? XTA_G_INTERRUPT :
		       trap == 6 || trap == 13 ? XTA_G_EMULATION : XTA_G_OTHER;
	case XTA_PV_HYPERCALL:
	case XTA_PV_HYPERCALL_V2:
	case XTA_PV_HYPERCALL_SUBCALL:
		return XTA_G_HYPERCALL;
	default:	/* math state restore (lazy FPU), unknown */
		return XTA_G_OTHER;
	}
}

enum xta_group xta_group_hypercall(uint32_t nr, uint32_t cmd)
{
	switch (nr) {
	case 1:		/* mmu_update */
	case 2:		/* set_gdt */
	case 10:	/* update_descriptor */
	case 14:	/* update_va_mapping */
	case 22:	/* update_va_mapping_otherdomain */
	case 26:	/* mmuext_op */
		return XTA_G_MMU;
	case 16:	/* event_channel_op_compat */
	case 32:	/* event_channel_op */
		return XTA_G_INTERRUPT;
	case 6:		/* sched_op_compat */
	case 29:	/* sched_op: block (1) and poll (3) idle the vCPU */
		return cmd == 1 || cmd == 3 ? XTA_G_HALT : XTA_G_HYPERCALL;
	default:
		return XTA_G_HYPERCALL;
	}
}
