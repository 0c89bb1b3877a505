// SPDX-License-Identifier: GPL-2.0-or-later
#include "lpar_log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct lpar_logger {
	xentoollog_logger vtable;
};

static struct lpar_logger logger;
static xentoollog_logger_stdiostream *file_logger;
static FILE *log_file;
static char log_path[4096];
static char last_error[1024];

static void lpar_vmessage(xentoollog_logger *l, xentoollog_level level,
			  int errnoval, const char *context, const char *fmt,
			  va_list al) __attribute__((format(printf, 5, 0)));

static void lpar_vmessage(xentoollog_logger *l, xentoollog_level level,
			  int errnoval, const char *context, const char *fmt,
			  va_list al)
{
	va_list copy;

	(void)l;
	if (level >= XTL_ERROR) {
		va_copy(copy, al);
		vsnprintf(last_error, sizeof(last_error), fmt, copy);
		va_end(copy);
		if (errnoval > 0) {
			size_t n = strlen(last_error);

			snprintf(last_error + n, sizeof(last_error) - n, ": %s",
				 strerror(errnoval));
		}
	}
	if (file_logger)
		xtl_logv((xentoollog_logger *)file_logger, level, errnoval,
			 context, fmt, al);
}

static void lpar_progress(xentoollog_logger *l, const char *context,
			  const char *doing, int percent, unsigned long done,
			  unsigned long total)
{
	(void)l;
	(void)percent;
	if (file_logger)
		xtl_progress((xentoollog_logger *)file_logger, context, doing,
			     done, total);
}

static void lpar_destroy(xentoollog_logger *l)
{
	(void)l;
}

xentoollog_logger *lpar_log_open(const char *dir)
{
	logger.vtable.vmessage = lpar_vmessage;
	logger.vtable.progress = lpar_progress;
	logger.vtable.destroy = lpar_destroy;
	if (dir && *dir) {
		char tmp[4096];

		/* mkdir -p */
		snprintf(tmp, sizeof(tmp), "%s", dir);
		for (char *p = tmp + 1; *p; p++) {
			if (*p == '/') {
				*p = '\0';
				mkdir(tmp, 0755);
				*p = '/';
			}
		}
		mkdir(tmp, 0750);
		snprintf(log_path, sizeof(log_path), "%s/lpar.log", dir);
		log_file = fopen(log_path, "a");
	}
	if (!log_file) {
		snprintf(log_path, sizeof(log_path), "/tmp/lpar-%ld.log",
			 (long)getuid());
		log_file = fopen(log_path, "a");
	}
	if (log_file) {
		setvbuf(log_file, NULL, _IOLBF, 0);
		file_logger = xtl_createlogger_stdiostream(log_file, XTL_DEBUG,
			XTL_STDIOSTREAM_SHOW_DATE | XTL_STDIOSTREAM_SHOW_PID |
			XTL_STDIOSTREAM_HIDE_PROGRESS);
	}
	return &logger.vtable;
}

void lpar_log_close(void)
{
	if (file_logger)
		xtl_logger_destroy((xentoollog_logger *)file_logger);
	file_logger = NULL;
	if (log_file)
		fclose(log_file);
	log_file = NULL;
}

const char *lpar_log_path(void)
{
	return log_path;
}

const char *lpar_log_last_error(void)
{
	return last_error;
}

void lpar_log_clear_error(void)
{
	last_error[0] = '\0';
}

void lpar_log_note(const char *fmt, ...)
{
	va_list ap;

	if (!file_logger)
		return;
	va_start(ap, fmt);
	xtl_logv((xentoollog_logger *)file_logger, XTL_NOTICE, -1, "lpar", fmt,
		 ap);
	va_end(ap);
}

void lpar_log_verror(const char *fmt, va_list ap)
{
	if (!file_logger)
		return;
	xtl_logv((xentoollog_logger *)file_logger, XTL_ERROR, -1, "lpar", fmt,
		 ap);
}
