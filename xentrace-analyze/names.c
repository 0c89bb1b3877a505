// SPDX-License-Identifier: GPL-2.0-or-later
#include "names.h"

#include <stddef.h>
#include <strings.h>
#include <xen/trace.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

const char *const xta_class_names[XTA_CLASSES] = {
	[XTA_CLASS_GEN] = "gen",	[XTA_CLASS_SCHED] = "sched",
	[XTA_CLASS_DOM0OP] = "dom0op",	[XTA_CLASS_HVM] = "hvm",
	[XTA_CLASS_MEM] = "mem",	[XTA_CLASS_PV] = "pv",
	[XTA_CLASS_SHADOW] = "shadow",	[XTA_CLASS_HW] = "hw",
	[XTA_CLASS_GUEST] = "guest",	[XTA_CLASS_OTHER] = "other",
};

const char *xta_vendor_name(enum xta_vendor vendor)
{
	switch (vendor) {
	case XTA_VENDOR_VMX: return "VMX";
	case XTA_VENDOR_SVM: return "SVM";
	default:             return "unknown";
	}
}

int xta_vendor_parse(const char *text, enum xta_vendor *out)
{
	if (!strcasecmp(text, "vmx") || !strcasecmp(text, "intel")) {
		*out = XTA_VENDOR_VMX;
		return 0;
	}
	if (!strcasecmp(text, "svm") || !strcasecmp(text, "amd")) {
		*out = XTA_VENDOR_SVM;
		return 0;
	}
	return -1;
}

/*
 * SVM exit codes, AMD APM vol. 2 appendix C, as Xen 4.17 names them in
 * xen/arch/x86/include/asm/hvm/svm/vmcb.h (0x00..0x8e, then NPF).
 */
static const char *const svm_exit_names[XTA_SLOT_NPF] = {
	[0x00] = "VMEXIT_CR0_READ",  [0x01] = "VMEXIT_CR1_READ",
	[0x02] = "VMEXIT_CR2_READ",  [0x03] = "VMEXIT_CR3_READ",
	[0x04] = "VMEXIT_CR4_READ",  [0x05] = "VMEXIT_CR5_READ",
	[0x06] = "VMEXIT_CR6_READ",  [0x07] = "VMEXIT_CR7_READ",
	[0x08] = "VMEXIT_CR8_READ",  [0x09] = "VMEXIT_CR9_READ",
	[0x0a] = "VMEXIT_CR10_READ", [0x0b] = "VMEXIT_CR11_READ",
	[0x0c] = "VMEXIT_CR12_READ", [0x0d] = "VMEXIT_CR13_READ",
	[0x0e] = "VMEXIT_CR14_READ", [0x0f] = "VMEXIT_CR15_READ",
	[0x10] = "VMEXIT_CR0_WRITE",  [0x11] = "VMEXIT_CR1_WRITE",
	[0x12] = "VMEXIT_CR2_WRITE",  [0x13] = "VMEXIT_CR3_WRITE",
	[0x14] = "VMEXIT_CR4_WRITE",  [0x15] = "VMEXIT_CR5_WRITE",
	[0x16] = "VMEXIT_CR6_WRITE",  [0x17] = "VMEXIT_CR7_WRITE",
	[0x18] = "VMEXIT_CR8_WRITE",  [0x19] = "VMEXIT_CR9_WRITE",
	[0x1a] = "VMEXIT_CR10_WRITE", [0x1b] = "VMEXIT_CR11_WRITE",
	[0x1c] = "VMEXIT_CR12_WRITE", [0x1d] = "VMEXIT_CR13_WRITE",
	[0x1e] = "VMEXIT_CR14_WRITE", [0x1f] = "VMEXIT_CR15_WRITE",
	[0x20] = "VMEXIT_DR0_READ",  [0x21] = "VMEXIT_DR1_READ",
	[0x22] = "VMEXIT_DR2_READ",  [0x23] = "VMEXIT_DR3_READ",
	[0x24] = "VMEXIT_DR4_READ",  [0x25] = "VMEXIT_DR5_READ",
	[0x26] = "VMEXIT_DR6_READ",  [0x27] = "VMEXIT_DR7_READ",
	[0x28] = "VMEXIT_DR8_READ",  [0x29] = "VMEXIT_DR9_READ",
	[0x2a] = "VMEXIT_DR10_READ", [0x2b] = "VMEXIT_DR11_READ",
	[0x2c] = "VMEXIT_DR12_READ", [0x2d] = "VMEXIT_DR13_READ",
	[0x2e] = "VMEXIT_DR14_READ", [0x2f] = "VMEXIT_DR15_READ",
	[0x30] = "VMEXIT_DR0_WRITE",  [0x31] = "VMEXIT_DR1_WRITE",
	[0x32] = "VMEXIT_DR2_WRITE",  [0x33] = "VMEXIT_DR3_WRITE",
	[0x34] = "VMEXIT_DR4_WRITE",  [0x35] = "VMEXIT_DR5_WRITE",
	[0x36] = "VMEXIT_DR6_WRITE",  [0x37] = "VMEXIT_DR7_WRITE",
	[0x38] = "VMEXIT_DR8_WRITE",  [0x39] = "VMEXIT_DR9_WRITE",
	[0x3a] = "VMEXIT_DR10_WRITE", [0x3b] = "VMEXIT_DR11_WRITE",
	[0x3c] = "VMEXIT_DR12_WRITE", [0x3d] = "VMEXIT_DR13_WRITE",
	[0x3e] = "VMEXIT_DR14_WRITE", [0x3f] = "VMEXIT_DR15_WRITE",
	[0x40] = "VMEXIT_EXCEPTION_DE", [0x41] = "VMEXIT_EXCEPTION_DB",
	[0x42] = "VMEXIT_EXCEPTION_NMI", [0x43] = "VMEXIT_EXCEPTION_BP",
	[0x44] = "VMEXIT_EXCEPTION_OF", [0x45] = "VMEXIT_EXCEPTION_BR",
	[0x46] = "VMEXIT_EXCEPTION_UD", [0x47] = "VMEXIT_EXCEPTION_NM",
	[0x48] = "VMEXIT_EXCEPTION_DF", [0x49] = "VMEXIT_EXCEPTION_09",
	[0x4a] = "VMEXIT_EXCEPTION_TS", [0x4b] = "VMEXIT_EXCEPTION_NP",
	[0x4c] = "VMEXIT_EXCEPTION_SS", [0x4d] = "VMEXIT_EXCEPTION_GP",
	[0x4e] = "VMEXIT_EXCEPTION_PF", [0x4f] = "VMEXIT_EXCEPTION_15",
	[0x50] = "VMEXIT_EXCEPTION_MF", [0x51] = "VMEXIT_EXCEPTION_AC",
	[0x52] = "VMEXIT_EXCEPTION_MC", [0x53] = "VMEXIT_EXCEPTION_XF",
	[0x54] = "VMEXIT_EXCEPTION_20", [0x55] = "VMEXIT_EXCEPTION_CP",
	[0x56] = "VMEXIT_EXCEPTION_22", [0x57] = "VMEXIT_EXCEPTION_23",
	[0x58] = "VMEXIT_EXCEPTION_24", [0x59] = "VMEXIT_EXCEPTION_25",
	[0x5a] = "VMEXIT_EXCEPTION_26", [0x5b] = "VMEXIT_EXCEPTION_27",
	[0x5c] = "VMEXIT_EXCEPTION_28", [0x5d] = "VMEXIT_EXCEPTION_29",
	[0x5e] = "VMEXIT_EXCEPTION_30", [0x5f] = "VMEXIT_EXCEPTION_31",
	[0x60] = "VMEXIT_INTR",        [0x61] = "VMEXIT_NMI",
	[0x62] = "VMEXIT_SMI",         [0x63] = "VMEXIT_INIT",
	[0x64] = "VMEXIT_VINTR",       [0x65] = "VMEXIT_CR0_SEL_WRITE",
	[0x66] = "VMEXIT_IDTR_READ",   [0x67] = "VMEXIT_GDTR_READ",
	[0x68] = "VMEXIT_LDTR_READ",   [0x69] = "VMEXIT_TR_READ",
	[0x6a] = "VMEXIT_IDTR_WRITE",  [0x6b] = "VMEXIT_GDTR_WRITE",
	[0x6c] = "VMEXIT_LDTR_WRITE",  [0x6d] = "VMEXIT_TR_WRITE",
	[0x6e] = "VMEXIT_RDTSC",       [0x6f] = "VMEXIT_RDPMC",
	[0x70] = "VMEXIT_PUSHF",       [0x71] = "VMEXIT_POPF",
	[0x72] = "VMEXIT_CPUID",       [0x73] = "VMEXIT_RSM",
	[0x74] = "VMEXIT_IRET",        [0x75] = "VMEXIT_SWINT",
	[0x76] = "VMEXIT_INVD",        [0x77] = "VMEXIT_PAUSE",
	[0x78] = "VMEXIT_HLT",         [0x79] = "VMEXIT_INVLPG",
	[0x7a] = "VMEXIT_INVLPGA",     [0x7b] = "VMEXIT_IOIO",
	[0x7c] = "VMEXIT_MSR",         [0x7d] = "VMEXIT_TASK_SWITCH",
	[0x7e] = "VMEXIT_FERR_FREEZE", [0x7f] = "VMEXIT_SHUTDOWN",
	[0x80] = "VMEXIT_VMRUN",       [0x81] = "VMEXIT_VMMCALL",
	[0x82] = "VMEXIT_VMLOAD",      [0x83] = "VMEXIT_VMSAVE",
	[0x84] = "VMEXIT_STGI",        [0x85] = "VMEXIT_CLGI",
	[0x86] = "VMEXIT_SKINIT",      [0x87] = "VMEXIT_RDTSCP",
	[0x88] = "VMEXIT_ICEBP",       [0x89] = "VMEXIT_WBINVD",
	[0x8a] = "VMEXIT_MONITOR",     [0x8b] = "VMEXIT_MWAIT",
	[0x8c] = "VMEXIT_MWAIT_CONDITIONAL", [0x8d] = "VMEXIT_XSETBV",
	[0x8e] = "VMEXIT_RDPRU",
};

/*
 * VMX basic exit reasons, Intel SDM vol. 3 appendix C; Xen 4.17 defines
 * the ones it handles in asm/hvm/vmx/vmx.h, the rest are named after the
 * SDM so that a trace from newer hardware still reads.
 */
static const char *const vmx_exit_names[XTA_VMX_EXIT_MAX + 1] = {
	[0] = "EXCEPTION_NMI",       [1] = "EXTERNAL_INTERRUPT",
	[2] = "TRIPLE_FAULT",        [3] = "INIT",
	[4] = "SIPI",                [5] = "IO_SMI",
	[6] = "OTHER_SMI",           [7] = "PENDING_VIRT_INTR",
	[8] = "PENDING_VIRT_NMI",    [9] = "TASK_SWITCH",
	[10] = "CPUID",              [11] = "GETSEC",
	[12] = "HLT",                [13] = "INVD",
	[14] = "INVLPG",             [15] = "RDPMC",
	[16] = "RDTSC",              [17] = "RSM",
	[18] = "VMCALL",             [19] = "VMCLEAR",
	[20] = "VMLAUNCH",           [21] = "VMPTRLD",
	[22] = "VMPTRST",            [23] = "VMREAD",
	[24] = "VMRESUME",           [25] = "VMWRITE",
	[26] = "VMXOFF",             [27] = "VMXON",
	[28] = "CR_ACCESS",          [29] = "DR_ACCESS",
	[30] = "IO_INSTRUCTION",     [31] = "MSR_READ",
	[32] = "MSR_WRITE",          [33] = "INVALID_GUEST_STATE",
	[34] = "MSR_LOADING",        [36] = "MWAIT_INSTRUCTION",
	[37] = "MONITOR_TRAP_FLAG",  [39] = "MONITOR_INSTRUCTION",
	[40] = "PAUSE_INSTRUCTION",  [41] = "MCE_DURING_VMENTRY",
	[43] = "TPR_BELOW_THRESHOLD", [44] = "APIC_ACCESS",
	[45] = "EOI_INDUCED",        [46] = "ACCESS_GDTR_OR_IDTR",
	[47] = "ACCESS_LDTR_OR_TR",  [48] = "EPT_VIOLATION",
	[49] = "EPT_MISCONFIG",      [50] = "INVEPT",
	[51] = "RDTSCP",             [52] = "VMX_PREEMPTION_TIMER_EXPIRED",
	[53] = "INVVPID",            [54] = "WBINVD",
	[55] = "XSETBV",             [56] = "APIC_WRITE",
	[57] = "RDRAND",             [58] = "INVPCID",
	[59] = "VMFUNC",             [60] = "ENCLS",
	[61] = "RDSEED",             [62] = "PML_FULL",
	[63] = "XSAVES",             [64] = "XRSTORS",
	[65] = "PCONFIG",            [66] = "SPP_EVENT",
	[67] = "UMWAIT",             [68] = "TPAUSE",
	[69] = "LOADIWKEY",          [70] = "ENCLV",
	[72] = "ENQCMD_PASID_FAIL",  [73] = "ENQCMDS_PASID_FAIL",
	[74] = "BUS_LOCK",           [75] = "NOTIFY",
};

uint32_t xta_slot_code(unsigned slot)
{
	if (slot < XTA_SLOT_NPF)
		return slot;
	if (slot == XTA_SLOT_NPF)
		return XTA_SVM_EXIT_NPF;
	return UINT32_MAX;
}

const char *xta_exit_slot_name(enum xta_vendor vendor, unsigned slot)
{
	if (slot >= XTA_SLOT_OTHER)
		return "(other exit code)";
	if (vendor == XTA_VENDOR_SVM) {
		if (slot == XTA_SLOT_NPF)
			return "VMEXIT_NPF";
		return svm_exit_names[slot];
	}
	if (slot <= XTA_VMX_EXIT_MAX)
		return vmx_exit_names[slot];
	return NULL;
}

/* xen/include/public/xen.h in Xen 4.17, x86 view of the arch slots. */
static const char *const hypercall_names[XTA_HYPERCALL_MAX] = {
	[0] = "set_trap_table",    [1] = "mmu_update",
	[2] = "set_gdt",           [3] = "stack_switch",
	[4] = "set_callbacks",     [5] = "fpu_taskswitch",
	[6] = "sched_op_compat",   [7] = "platform_op",
	[8] = "set_debugreg",      [9] = "get_debugreg",
	[10] = "update_descriptor", [12] = "memory_op",
	[13] = "multicall",        [14] = "update_va_mapping",
	[15] = "set_timer_op",     [16] = "event_channel_op_compat",
	[17] = "xen_version",      [18] = "console_io",
	[19] = "physdev_op_compat", [20] = "grant_table_op",
	[21] = "vm_assist",        [22] = "update_va_mapping_otherdomain",
	[23] = "iret",             [24] = "vcpu_op",
	[25] = "set_segment_base", [26] = "mmuext_op",
	[27] = "xsm_op",           [28] = "nmi_op",
	[29] = "sched_op",         [30] = "callback_op",
	[31] = "xenoprof_op",      [32] = "event_channel_op",
	[33] = "physdev_op",       [34] = "hvm_op",
	[35] = "sysctl",           [36] = "domctl",
	[37] = "kexec_op",         [38] = "tmem_op",
	[39] = "argo_op",          [40] = "xenpmu_op",
	[41] = "dm_op",            [42] = "hypfs_op",
	[48] = "mca",              [49] = "paging_domctl_cont",
	[50] = "arch_2",           [51] = "arch_3",
	[52] = "arch_4",           [53] = "arch_5",
	[54] = "arch_6",           [55] = "arch_7",
};

const char *xta_hypercall_name(uint32_t nr)
{
	return nr < XTA_HYPERCALL_MAX ? hypercall_names[nr] : NULL;
}

static const char *const pv_kind_names[XTA_PV_KINDS] = {
	[XTA_PV_HYPERCALL] = "hypercall",
	[XTA_PV_TRAP] = "trap",
	[XTA_PV_PAGE_FAULT] = "page_fault",
	[XTA_PV_FORCED_INVALID_OP] = "forced_invalid_op",
	[XTA_PV_EMULATE_PRIVOP] = "emulate_privop",
	[XTA_PV_EMULATE_4GB] = "emulate_4gb",
	[XTA_PV_MATH_STATE_RESTORE] = "math_state_restore",
	[XTA_PV_PAGING_FIXUP] = "paging_fixup",
	[XTA_PV_GDT_LDT_MAPPING_FAULT] = "gdt_ldt_mapping_fault",
	[XTA_PV_PTWR_EMULATION] = "ptwr_emulation",
	[XTA_PV_PTWR_EMULATION_PAE] = "ptwr_emulation_pae",
	[XTA_PV_HYPERCALL_V2] = "hypercall",
	[XTA_PV_HYPERCALL_SUBCALL] = "multicall_subcall",
};

const char *xta_pv_kind_name(unsigned kind)
{
	return kind < XTA_PV_KINDS ? pv_kind_names[kind] : NULL;
}

static const char *const trap_names[32] = {
	[0] = "#DE", [1] = "#DB", [2] = "NMI", [3] = "#BP", [4] = "#OF",
	[5] = "#BR", [6] = "#UD", [7] = "#NM", [8] = "#DF", [9] = "CSO",
	[10] = "#TS", [11] = "#NP", [12] = "#SS", [13] = "#GP", [14] = "#PF",
	[16] = "#MF", [17] = "#AC", [18] = "#MC", [19] = "#XM", [20] = "#VE",
	[21] = "#CP", [28] = "#HV", [29] = "#VC", [30] = "#SX",
};

const char *xta_trap_name(unsigned vector)
{
	return vector < ARRAY_SIZE(trap_names) ? trap_names[vector] : NULL;
}

const char *xta_xen_runstate_name(unsigned state)
{
	static const char *const names[] = {
		"running", "runnable", "blocked", "offline",
	};

	return state < ARRAY_SIZE(names) ? names[state] : "?";
}

static const struct {
	uint32_t event;
	const char *name;
} event_names[] = {
	{ TRC_LOST_RECORDS, "lost_records" },
	{ TRC_TRACE_WRAP_BUFFER, "wrap_buffer" },
	{ TRC_TRACE_CPU_CHANGE, "cpu_change" },
	{ TRC_SCHED_CONTINUE_RUNNING, "continue_running" },
	{ TRC_SCHED_DOM_ADD, "dom_add" },
	{ TRC_SCHED_DOM_REM, "dom_rem" },
	{ TRC_SCHED_SLEEP, "sleep" },
	{ TRC_SCHED_WAKE, "wake" },
	{ TRC_SCHED_YIELD, "yield" },
	{ TRC_SCHED_BLOCK, "block" },
	{ TRC_SCHED_SHUTDOWN, "shutdown" },
	{ TRC_SCHED_CTL, "sched_ctl" },
	{ TRC_SCHED_ADJDOM, "adjdom" },
	{ TRC_SCHED_SWITCH, "switch" },
	{ TRC_SCHED_S_TIMER_FN, "s_timer_fn" },
	{ TRC_SCHED_T_TIMER_FN, "t_timer_fn" },
	{ TRC_SCHED_DOM_TIMER_FN, "dom_timer_fn" },
	{ TRC_SCHED_SWITCH_INFPREV, "switch_infprev" },
	{ TRC_SCHED_SWITCH_INFNEXT, "switch_infnext" },
	{ TRC_SCHED_SHUTDOWN_CODE, "shutdown_code" },
	{ TRC_SCHED_SWITCH_INFCONT, "switch_infcont" },
	{ TRC_DOM0_DOM_ADD, "dom0_dom_add" },
	{ TRC_DOM0_DOM_REM, "dom0_dom_rem" },
	{ TRC_MEM_PAGE_GRANT_MAP, "grant_map" },
	{ TRC_MEM_PAGE_GRANT_UNMAP, "grant_unmap" },
	{ TRC_MEM_PAGE_GRANT_TRANSFER, "grant_transfer" },
	{ TRC_MEM_SET_P2M_ENTRY, "set_p2m_entry" },
	{ TRC_MEM_DECREASE_RESERVATION, "decrease_reservation" },
	{ TRC_MEM_POD_POPULATE, "pod_populate" },
	{ TRC_MEM_POD_ZERO_RECLAIM, "pod_zero_reclaim" },
	{ TRC_MEM_POD_SUPERPAGE_SPLINTER, "pod_superpage_splinter" },
	{ TRC_PV_HYPERCALL, "hypercall" },
	{ TRC_PV_TRAP, "trap" },
	{ TRC_PV_PAGE_FAULT, "page_fault" },
	{ TRC_PV_FORCED_INVALID_OP, "forced_invalid_op" },
	{ TRC_PV_EMULATE_PRIVOP, "emulate_privop" },
	{ TRC_PV_EMULATE_4GB, "emulate_4gb" },
	{ TRC_PV_MATH_STATE_RESTORE, "math_state_restore" },
	{ TRC_PV_PAGING_FIXUP, "paging_fixup" },
	{ TRC_PV_GDT_LDT_MAPPING_FAULT, "gdt_ldt_mapping_fault" },
	{ TRC_PV_PTWR_EMULATION, "ptwr_emulation" },
	{ TRC_PV_PTWR_EMULATION_PAE, "ptwr_emulation_pae" },
	{ TRC_PV_HYPERCALL_V2, "hypercall" },
	{ TRC_PV_HYPERCALL_SUBCALL, "subcall" },
	{ TRC_SHADOW_NOT_SHADOW, "shadow_not_shadow" },
	{ TRC_SHADOW_FAST_PROPAGATE, "shadow_fast_propagate" },
	{ TRC_SHADOW_FAST_MMIO, "shadow_fast_mmio" },
	{ TRC_SHADOW_FALSE_FAST_PATH, "shadow_false_fast_path" },
	{ TRC_SHADOW_MMIO, "shadow_mmio" },
	{ TRC_SHADOW_FIXUP, "shadow_fixup" },
	{ TRC_SHADOW_DOMF_DYING, "shadow_domf_dying" },
	{ TRC_SHADOW_EMULATE, "shadow_emulate" },
	{ TRC_SHADOW_EMULATE_UNSHADOW_USER, "shadow_emulate_unshadow_user" },
	{ TRC_SHADOW_EMULATE_UNSHADOW_EVTINJ, "shadow_emulate_unshadow_evtinj" },
	{ TRC_SHADOW_EMULATE_UNSHADOW_UNHANDLED, "shadow_emulate_unshadow_unhandled" },
	{ TRC_SHADOW_WRMAP_BF, "shadow_wrmap_bf" },
	{ TRC_SHADOW_PREALLOC_UNPIN, "shadow_prealloc_unpin" },
	{ TRC_SHADOW_RESYNC_FULL, "shadow_resync_full" },
	{ TRC_SHADOW_RESYNC_ONLY, "shadow_resync_only" },
	{ TRC_HVM_VMENTRY, "vmentry" },
	{ TRC_HVM_VMEXIT, "vmexit" },
	{ TRC_HVM_PF_XEN, "pf_xen" },
	{ TRC_HVM_PF_INJECT, "pf_inject" },
	{ TRC_HVM_INJ_EXC, "inj_exc" },
	{ TRC_HVM_INJ_VIRQ, "inj_virq" },
	{ TRC_HVM_REINJ_VIRQ, "reinj_virq" },
	{ TRC_HVM_IO_READ, "io_read" },
	{ TRC_HVM_IO_WRITE, "io_write" },
	{ TRC_HVM_CR_READ, "cr_read" },
	{ TRC_HVM_CR_WRITE, "cr_write" },
	{ TRC_HVM_DR_READ, "dr_read" },
	{ TRC_HVM_DR_WRITE, "dr_write" },
	{ TRC_HVM_MSR_READ, "msr_read" },
	{ TRC_HVM_MSR_WRITE, "msr_write" },
	{ TRC_HVM_CPUID, "cpuid" },
	{ TRC_HVM_INTR, "intr" },
	{ TRC_HVM_NMI, "nmi" },
	{ TRC_HVM_SMI, "smi" },
	{ TRC_HVM_VMMCALL, "vmcall" },
	{ TRC_HVM_HLT, "hlt" },
	{ TRC_HVM_INVLPG, "invlpg" },
	{ TRC_HVM_MCE, "mce" },
	{ TRC_HVM_IOPORT_READ, "ioport_read" },
	{ TRC_HVM_IOMEM_READ, "iomem_read" },
	{ TRC_HVM_CLTS, "clts" },
	{ TRC_HVM_LMSW, "lmsw" },
	{ TRC_HVM_RDTSC, "rdtsc" },
	{ TRC_HVM_INTR_WINDOW, "intr_window" },
	{ TRC_HVM_NPF, "npf" },
	{ TRC_HVM_REALMODE_EMULATE, "realmode_emulate" },
	{ TRC_HVM_TRAP, "trap" },
	{ TRC_HVM_TRAP_DEBUG, "trap_debug" },
	{ TRC_HVM_VLAPIC, "vlapic" },
	{ TRC_HVM_XCR_READ64 & ~TRC_64_FLAG, "xcr_read" },
	{ TRC_HVM_XCR_WRITE64 & ~TRC_64_FLAG, "xcr_write" },
	{ TRC_HVM_IOPORT_WRITE, "ioport_write" },
	{ TRC_HVM_IOMEM_WRITE, "iomem_write" },
	{ TRC_HVM_EMUL_HPET_START_TIMER, "hpet_start_timer" },
	{ TRC_HVM_EMUL_PIT_START_TIMER, "pit_start_timer" },
	{ TRC_HVM_EMUL_RTC_START_TIMER, "rtc_start_timer" },
	{ TRC_HVM_EMUL_LAPIC_START_TIMER, "lapic_start_timer" },
	{ TRC_HVM_EMUL_HPET_STOP_TIMER, "hpet_stop_timer" },
	{ TRC_HVM_EMUL_PIT_STOP_TIMER, "pit_stop_timer" },
	{ TRC_HVM_EMUL_RTC_STOP_TIMER, "rtc_stop_timer" },
	{ TRC_HVM_EMUL_LAPIC_STOP_TIMER, "lapic_stop_timer" },
	{ TRC_HVM_EMUL_PIT_TIMER_CB, "pit_timer_cb" },
	{ TRC_HVM_EMUL_LAPIC_TIMER_CB, "lapic_timer_cb" },
	{ TRC_HVM_EMUL_PIC_INT_OUTPUT, "pic_int_output" },
	{ TRC_HVM_EMUL_PIC_KICK, "pic_kick" },
	{ TRC_HVM_EMUL_PIC_INTACK, "pic_intack" },
	{ TRC_HVM_EMUL_PIC_POSEDGE, "pic_posedge" },
	{ TRC_HVM_EMUL_PIC_NEGEDGE, "pic_negedge" },
	{ TRC_HVM_EMUL_PIC_PEND_IRQ_CALL, "pic_pend_irq_call" },
	{ TRC_HVM_EMUL_LAPIC_PIC_INTR, "lapic_pic_intr" },
	{ TRC_PM_FREQ_CHANGE, "pm_freq_change" },
	{ TRC_PM_IDLE_ENTRY, "pm_idle_entry" },
	{ TRC_PM_IDLE_EXIT, "pm_idle_exit" },
	{ TRC_HW_IRQ_MOVE_CLEANUP_DELAY, "irq_move_cleanup_delay" },
	{ TRC_HW_IRQ_MOVE_CLEANUP, "irq_move_cleanup" },
	{ TRC_HW_IRQ_BIND_VECTOR, "irq_bind_vector" },
	{ TRC_HW_IRQ_CLEAR_VECTOR, "irq_clear_vector" },
	{ TRC_HW_IRQ_MOVE_FINISH, "irq_move_finish" },
	{ TRC_HW_IRQ_ASSIGN_VECTOR, "irq_assign_vector" },
	{ TRC_HW_IRQ_UNMAPPED_VECTOR, "irq_unmapped_vector" },
	{ TRC_HW_IRQ_HANDLED, "irq_handled" },
};

/* TRC_SCHED_CLASS_EVT(scheduler, n), as the schedulers in
 * xen/common/sched/ define them. */
static const char *sched_class_event_name(uint32_t event)
{
	static const char *const credit[] = {
		[1] = "csched:sched_tasklet", [2] = "csched:account_start",
		[3] = "csched:account_stop", [4] = "csched:stolen_unit",
		[5] = "csched:picked_cpu", [6] = "csched:tickle",
		[7] = "csched:boost_start", [8] = "csched:boost_end",
		[9] = "csched:schedule", [10] = "csched:ratelimit",
		[11] = "csched:steal_check",
	};
	static const char *const credit2[] = {
		[1] = "csched2:tick", [2] = "csched2:runq_pos",
		[3] = "csched2:credit_burn", [4] = "csched2:credit_add",
		[5] = "csched2:tickle_check", [6] = "csched2:tickle",
		[7] = "csched2:credit_reset", [8] = "csched2:sched_tasklet",
		[9] = "csched2:update_load", [10] = "csched2:runq_assign",
		[11] = "csched2:update_unit_load", [12] = "csched2:update_runq_load",
		[13] = "csched2:tickle_new", [14] = "csched2:runq_max_weight",
		[15] = "csched2:migrate", [16] = "csched2:load_check",
		[17] = "csched2:load_balance", [19] = "csched2:picked_cpu",
		[20] = "csched2:runq_candidate", [21] = "csched2:schedule",
		[22] = "csched2:ratelimit", [23] = "csched2:runq_cand_check",
	};
	static const char *const rtds[] = {
		[1] = "rtds:tickle", [2] = "rtds:runq_pick",
		[3] = "rtds:budget_burn", [4] = "rtds:budget_replenish",
		[5] = "rtds:sched_tasklet", [6] = "rtds:schedule",
	};
	static const char *const null_sched[] = {
		[1] = "snull:picked_cpu", [2] = "snull:unit_assign",
		[3] = "snull:unit_deassign", [4] = "snull:migrate",
		[5] = "snull:schedule", [6] = "snull:tasklet",
	};
	unsigned id = (event >> TRC_SCHED_ID_SHIFT) & ((1u << TRC_SCHED_ID_BITS) - 1);
	unsigned n = event & 0x1ff;
	const char *name = NULL;

	switch (id) {
	case TRC_SCHED_CSCHED:
		name = n < ARRAY_SIZE(credit) ? credit[n] : NULL;
		break;
	case TRC_SCHED_CSCHED2:
		name = n < ARRAY_SIZE(credit2) ? credit2[n] : NULL;
		break;
	case TRC_SCHED_RTDS:
		name = n < ARRAY_SIZE(rtds) ? rtds[n] : NULL;
		break;
	case TRC_SCHED_SNULL:
		name = n < ARRAY_SIZE(null_sched) ? null_sched[n] : NULL;
		break;
	}
	return name ? name : "sched_class";
}

const char *xta_event_name(uint32_t event)
{
	uint32_t sub = event & 0x0ffff000;
	uint32_t plain = event & 0x0fffffff;

	/* Runstate changes carry the old and new state in the event id. */
	if ((plain & 0x0ffff00f) == TRC_SCHED_RUNSTATE_CHANGE)
		return "runstate_change";
	/* Scheduler-specific events (credit, credit2, ...). */
	if (sub == TRC_SCHED_CLASS)
		return sched_class_event_name(plain);
	/* 64-bit, nested and paging-level variants share the base name. */
	if (sub == TRC_HVM_ENTRYEXIT)
		plain &= ~(uint32_t)(TRC_64_FLAG | TRC_HVM_NESTEDFLAG);
	else if (sub == TRC_HVM_HANDLER || sub == TRC_PV_ENTRY ||
		 sub == TRC_PV_SUBCALL)
		plain &= ~(uint32_t)TRC_64_FLAG;
	else if (sub == TRC_SHADOW)
		plain &= ~0xf00u;
	for (size_t i = 0; i < ARRAY_SIZE(event_names); i++)
		if (event_names[i].event == plain)
			return event_names[i].name;
	return NULL;
}
