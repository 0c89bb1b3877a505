/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Overhead groups: every cause of an entry into Xen (HVM exit with its
 * handler detail, PV event, PV hypercall) belongs to exactly one group.
 * The rules and their reasons are in docs/overhead-groups.md; keep the
 * two in step.
 */
#ifndef XTA_GROUPS_H
#define XTA_GROUPS_H

#include <stdint.h>

#include "analyze.h"
#include "names.h"

enum xta_group {
	XTA_G_MMIO,
	XTA_G_INTERRUPT,
	XTA_G_APIC,
	XTA_G_IO,
	XTA_G_EMULATION,
	XTA_G_PAGE_FAULT,
	XTA_G_CR,
	XTA_G_MMU,
	XTA_G_HYPERCALL,
	XTA_G_HALT,
	XTA_G_OTHER,
	XTA_GROUPS,
};
extern const char *const xta_group_names[XTA_GROUPS];

/* An HVM exit, by vendor, exit slot and what its handler records said. */
enum xta_group xta_group_hvm(enum xta_vendor vendor, unsigned slot,
			     enum xta_handler handler, uint64_t key);

/* A PV event other than a hypercall (enum xta_pv_kind); traps need their
 * vector. */
enum xta_group xta_group_pv_event(unsigned kind, unsigned trap);

/* A PV hypercall; sched_op also needs its command (block and poll are
 * how a PV vCPU idles), pass UINT32_MAX when unknown. */
enum xta_group xta_group_hypercall(uint32_t nr, uint32_t cmd);

#endif
