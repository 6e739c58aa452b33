/*-------------------------------------------------------------------------
 *
 * bloom.c
 *	  Bloom filters over 64-bit hashes (bloom.h).  The probes are derived
 *	  from the two halves of the hash (h1 + i * h2, h2 odd), so a value is
 *	  hashed once, by its type's own hash function.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  common/src/bloom.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include "epiphany/bloom.h"

int
EpBloomBytes(int distinct)
{
	int			bytes = EP_BLOOM_MIN_BYTES;

	while (bytes < EP_BLOOM_MAX_BYTES &&
		   (int64) bytes * 8 < (int64) distinct * EP_BLOOM_BITS_PER_VALUE)
		bytes *= 2;
	return bytes;
}

bool
EpBloomSizeValid(int size)
{
	return size >= EP_BLOOM_MIN_BYTES && size <= EP_BLOOM_MAX_BYTES &&
		(size & (size - 1)) == 0;
}

/* The bit of probe "i" of "hash" in a filter of "size" bytes. */
static inline uint32
ProbeBit(uint64 hash, int i, int size)
{
	uint32		h1 = (uint32) hash;
	uint32		h2 = (uint32) (hash >> 32) | 1;

	return (h1 + (uint32) i * h2) & (uint32) (size * 8 - 1);
}

void
EpBloomAdd(unsigned char *bits, int size, uint64 hash)
{
	Assert(EpBloomSizeValid(size));
	for (int i = 0; i < EP_BLOOM_PROBES; i++)
	{
		uint32		bit = ProbeBit(hash, i, size);

		bits[bit / 8] |= (unsigned char) (1 << (bit % 8));
	}
}

bool
EpBloomMayContain(const unsigned char *bits, int size, uint64 hash)
{
	Assert(EpBloomSizeValid(size));
	for (int i = 0; i < EP_BLOOM_PROBES; i++)
	{
		uint32		bit = ProbeBit(hash, i, size);

		if ((bits[bit / 8] & (1 << (bit % 8))) == 0)
			return false;
	}
	return true;
}
