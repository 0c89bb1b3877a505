/* SPDX-License-Identifier: GPL-2.0-or-later */
/* lpar-blkback's log: one xentoollog logger, shared with libxenevtchn and
 * libxengnttab so that their messages land in the same place. */
#ifndef BLK_LOG_H
#define BLK_LOG_H

#include <xentoollog.h>

/* The logger (stderr, with dates; systemd's journal keeps it). */
xentoollog_logger *blk_log_logger(void);

void blk_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void blk_log_close(void);

#endif
