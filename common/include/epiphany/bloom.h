/*-------------------------------------------------------------------------
 *
 * bloom.h
 *	  Bloom filters over 64-bit hashes of values: a set of bits that says
 *	  "certainly absent" or "maybe present" for a value, for skipping
 *	  storage that cannot hold it (the column store's chunks).
 *
 *	  A filter is EpBloomBytes(n) bytes: a power of two between
 *	  EP_BLOOM_MIN_BYTES and EP_BLOOM_MAX_BYTES, about EP_BLOOM_BITS_PER_VALUE
 *	  bits for each of the n distinct values it holds, and EP_BLOOM_PROBES
 *	  bits set per value (about 2% false positives when not capped).  The
 *	  layout is stored on disk: never change it.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  common/include/epiphany/bloom.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef EPIPHANY_BLOOM_H
#define EPIPHANY_BLOOM_H

#define EP_BLOOM_MIN_BYTES		32
#define EP_BLOOM_MAX_BYTES		8192
#define EP_BLOOM_BITS_PER_VALUE	8
#define EP_BLOOM_PROBES			4

/* The size of a filter for "distinct" values. */
extern int	EpBloomBytes(int distinct);

/* Whether "size" is the size of some filter. */
extern bool EpBloomSizeValid(int size);

/* Adds a value, by its hash, to the zeroed-then-filled filter "bits". */
extern void EpBloomAdd(unsigned char *bits, int size, uint64 hash);

/* False when the value of "hash" is certainly not in the filter. */
extern bool EpBloomMayContain(const unsigned char *bits, int size, uint64 hash);

#endif							/* EPIPHANY_BLOOM_H */
