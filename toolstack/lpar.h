/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared between the lpar command's files. */
#ifndef LPAR_H
#define LPAR_H

#include <stdbool.h>
#include <stdint.h>

#include <libxl.h>

extern libxl_ctx *lpar_ctx;
extern const char *lpar_state_root;
extern const char *lpar_log_dir;

/* "lpar: ..." on stderr. */
void lpar_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* One line for a failed libxl call: what failed, libxl's last error and
 * where the full log is. */
void lpar_err_libxl(const char *what, int rc);

/* Opens the libxl context (once); prints the error and returns -1 when
 * this is not a Xen dom0. */
int lpar_ctx_open(void);

/* Milliseconds since the command started (for the log's timings). */
double lpar_elapsed_ms(void);

#endif
