/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "blk_log.h"

#include <stdarg.h>
#include <stdio.h>

static xentoollog_logger_stdiostream *stream;

xentoollog_logger *blk_log_logger(void)
{
	if (!stream)
		stream = xtl_createlogger_stdiostream(stderr, XTL_INFO,
						      XTL_STDIOSTREAM_SHOW_DATE);
	return (xentoollog_logger *)stream;
}

void blk_log(const char *fmt, ...)
{
	xentoollog_logger *l = blk_log_logger();
	va_list ap;

	va_start(ap, fmt);
	if (l)
		xtl_logv(l, XTL_INFO, -1, "lpar-blkback", fmt, ap);
	else
		vfprintf(stderr, fmt, ap);
	va_end(ap);
}

void blk_log_close(void)
{
	if (stream)
		xtl_logger_destroy((xentoollog_logger *)stream);
	stream = NULL;
}
