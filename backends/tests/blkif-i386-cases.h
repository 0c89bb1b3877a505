/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The requests and responses that cross between blkif-i386 (built with
 * gcc -m32 from xen/io/blkif.h, as a 32-bit guest's blkfront is) and
 * test-blkif-i386 (our decoder, 64-bit). Plain constants: both sides
 * include this, and neither may depend on the other's structures.
 */
#ifndef BLKIF_I386_CASES_H
#define BLKIF_I386_CASES_H

#define I386_NR_CASES 5
#define I386_RING_BYTES 4096

/* request k's id: odd high bits, so a 4-byte misplacement shows */
#define I386_ID(k) (0x8877665544332211ull + (unsigned long long)(k) * 0x0101)
#define I386_HANDLE 51712u

/* 0: read, 3 segments */
#define I386_READ_SECTOR 2048ull
#define I386_READ_SEGS 3u
/* 1: write, 11 segments (a full direct request) */
#define I386_WRITE_SECTOR 0x123456789ull
#define I386_WRITE_SEGS 11u
/* segment s of a direct request: gref, first and last sector */
#define I386_SEG_GREF(k, s) (1000u + 100u * (k) + (s))
#define I386_SEG_FIRST(s) ((s) % 8u)
#define I386_SEG_LAST(s) (7u)
/* 2: indirect write, 40 segments on 1 indirect page */
#define I386_IND_SECTOR 4096ull
#define I386_IND_SEGS 40u
#define I386_IND_GREF 777u
/* 3: secure discard */
#define I386_DISCARD_SECTOR 8192ull
#define I386_DISCARD_SECTORS 0x100000002ull
/* 4: flush, no data */

/* the status the backend answers request k with */
#define I386_STATUS(k) ((int)(k) % 3 - 2)	/* -2, -1, 0, -2, -1 */

#endif
