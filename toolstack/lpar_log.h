/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lpar's logging: libxl's verbose log goes to a file (default
 * /var/log/lpar/lpar.log, directory from env LPAR_LOG_DIR); the user sees
 * one line naming the problem and that file.
 */
#ifndef LPAR_LOG_H
#define LPAR_LOG_H

#include <stdarg.h>

#include <xentoollog.h>

/* Opens the log (falls back to /tmp/lpar-UID.log when the directory
 * cannot be written). Never NULL. */
xentoollog_logger *lpar_log_open(const char *dir);
void lpar_log_close(void);
const char *lpar_log_path(void);
/* The last error-level message libxl logged ("" if none). */
const char *lpar_log_last_error(void);
void lpar_log_clear_error(void);
/* Writes one line of our own into the log. */
void lpar_log_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Writes one error line of our own into the log (what the user was told,
 * or what a monitor, whose stderr goes nowhere, ran into). Leaves
 * lpar_log_last_error alone. */
void lpar_log_verror(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

#endif
