/*-------------------------------------------------------------------------
 *
 * encode_delta.c
 *	  Delta encoding of 64-bit integers: the first value, then the
 *	  differences between neighbours, frame-of-reference bit-packed.  Serial
 *	  and sorted columns become a few bits per value, often none.
 *
 *	  Layout: EpDeltaHeader, then count - 1 deltas minus "min_delta", each in
 *	  "width" bits (EP_BITPACK_BYTES(count - 1, width) bytes).
 *
 *	  Arithmetic is unsigned: the difference of two int64 may overflow int64
 *	  (INT64_MAX - INT64_MIN), which is undefined in C, while in uint64 it
 *	  wraps, and adding the wrapped delta back wraps to the original value.
 *	  A delta is read as int64 only to find the frame's minimum.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  common/src/encode_delta.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include "epiphany/codec.h"
#include "port/pg_bitutils.h"

/* On disk: no padding may reach it. */
typedef struct EpDeltaHeader
{
	uint32		count;			/* values */
	uint8		width;			/* bits per packed delta, 0..64 */
	uint8		pad[3];			/* zero */
	uint64		first;			/* values[0] */
	int64		min_delta;		/* the deltas' frame of reference */
} EpDeltaHeader;

StaticAssertDecl(sizeof(EpDeltaHeader) == 24, "EpDeltaHeader must have no padding");
StaticAssertDecl(sizeof(EpDeltaHeader) <= EP_CODEC_HEADER_BYTES, "EP_CODEC_HEADER_BYTES is too small");

/* The smallest delta (as int64) and the width of the deltas' range. */
static void
DeltaFrame(const uint64 *values, int count, int64 *min_delta, int *width)
{
	int64		lo = 0;
	int64		hi = 0;

	for (int i = 1; i < count; i++)
	{
		int64		d = (int64) (values[i] - values[i - 1]);

		if (i == 1 || d < lo)
			lo = d;
		if (i == 1 || d > hi)
			hi = d;
	}
	*min_delta = lo;
	*width = EpBitWidth((uint64) hi - (uint64) lo);
}

Size
EpDeltaEncodedSize(const uint64 *values, int count)
{
	int64		min_delta;
	int			width;

	DeltaFrame(values, count, &min_delta, &width);
	return sizeof(EpDeltaHeader) + EP_BITPACK_BYTES(count - 1, width);
}

void
EpDeltaEncode(const uint64 *values, int count, char *dst)
{
	EpDeltaHeader hdr = {0};
	int64		min_delta;
	int			width;
	char	   *packed = dst + sizeof(hdr);

	DeltaFrame(values, count, &min_delta, &width);
	hdr.count = (uint32) count;
	hdr.width = (uint8) width;
	hdr.first = values[0];
	hdr.min_delta = min_delta;
	memcpy(dst, &hdr, sizeof(hdr));
	memset(packed, 0, EP_BITPACK_BYTES(count - 1, width));
	if (width == 0)
		return;
	for (int i = 1; i < count; i++)
		EpBitWrite(packed, (uint64) (i - 1) * width, width,
				   values[i] - values[i - 1] - (uint64) min_delta);
}

/* Reads and checks the header of "count" values in src[0..size). */
static const char *
ReadHeader(const char *src, Size size, int count, EpDeltaHeader *hdr)
{
	if (size < sizeof(*hdr))
		return "The delta header is truncated.";
	memcpy(hdr, src, sizeof(*hdr));
	if (count < 1 || hdr->count != (uint32) count || hdr->width > 64)
		return "The delta header is invalid.";
	if (size != sizeof(*hdr) + EP_BITPACK_BYTES(count - 1, hdr->width))
		return "The packed deltas do not fill the chunk.";
	return NULL;
}

const char *
EpDeltaDecode(const char *src, Size size, int count, uint64 *out)
{
	EpDeltaHeader hdr;
	const char *packed = src + sizeof(hdr);
	const char *damage = ReadHeader(src, size, count, &hdr);

	if (damage != NULL)
		return damage;
	out[0] = hdr.first;
	/* the deltas through the unpacking loop (width 0: all min_delta), summed */
	EpBitUnpack(packed, count - 1, hdr.width, (uint64) hdr.min_delta, out + 1);
	for (int i = 1; i < count; i++)
		out[i] += out[i - 1];
	return NULL;
}

/*
 * The sum of packed deltas [from, to) of width 1, 2 or 4, whose fields lie
 * inside words: for each bit of a field, the words' bits at that place
 * counted at once (a popcount per word and bit), times the bit's value.
 */
static uint64
SumNarrowDeltas(const char *packed, int width, int from, int to)
{
	/* the lowest bit of every field of a word, by width */
	static const uint64 lowest_bits[5] = {0, UINT64CONST(0xFFFFFFFFFFFFFFFF),
	UINT64CONST(0x5555555555555555), 0, UINT64CONST(0x1111111111111111)};
	int			per_word = 64 / width;
	uint64		sum = 0;

	for (; from < to && from % per_word != 0; from++)
		sum += EpBitRead(packed, (uint64) from * width, width);
	for (; to - from >= per_word; from += per_word)
	{
		uint64		word;

		memcpy(&word, packed + (Size) (from / per_word) * sizeof(uint64), sizeof(uint64));
		for (int b = 0; b < width; b++)
			sum += (uint64) pg_popcount64(word & (lowest_bits[width] << b)) << b;
	}
	for (; from < to; from++)
		sum += EpBitRead(packed, (uint64) from * width, width);
	return sum;
}

/*
 * The sum of packed deltas [from, to) of "width" bits: narrow ones by
 * counting bits, others in whole blocks of 64 (which start on a word)
 * through the unpacking loop, the rest one by one.
 */
static uint64
SumPackedDeltas(const char *packed, int width, int from, int to)
{
	uint64		block[64];
	uint64		sum = 0;

	if (width == 1 || width == 2 || width == 4)
		return SumNarrowDeltas(packed, width, from, to);

	for (; from < to && from % 64 != 0; from++)
		sum += EpBitRead(packed, (uint64) from * width, width);
	for (; to - from >= 64; from += 64)
	{
		EpBitUnpack(packed + (Size) (from / 64) * width * sizeof(uint64), 64, width, 0, block);
		for (int i = 0; i < 64; i++)
			sum += block[i];
	}
	for (; from < to; from++)
		sum += EpBitRead(packed, (uint64) from * width, width);
	return sum;
}

/*
 * Value k is the first value plus k steps of min_delta plus the first k
 * packed deltas: one pass sums them up to each index in turn, restarting
 * only when an index is below the one before.  Ascending indexes (a
 * selection) cost one pass up to the largest, less than decoding.
 */
const char *
EpDeltaValuesAt(const char *src, Size size, int count, const int32 *indexes, int n,
				uint64 *out)
{
	EpDeltaHeader hdr;
	const char *packed = src + sizeof(hdr);
	const char *damage = ReadHeader(src, size, count, &hdr);
	uint64		sum = 0;		/* of the packed deltas before "reached" */
	int			reached = 0;

	if (damage != NULL)
		return damage;
	for (int i = 0; i < n; i++)
	{
		int			k = indexes[i];

		Assert(k >= 0 && k < count);
		if (k < reached)
		{
			sum = 0;
			reached = 0;
		}
		if (hdr.width > 0)
			sum += SumPackedDeltas(packed, hdr.width, reached, k);
		reached = k;
		out[i] = hdr.first + (uint64) k * (uint64) hdr.min_delta + sum;
	}
	return NULL;
}

/* Value "index" sums the packed deltas before it: the words up to them. */
void
EpDeltaValueBytes(const char *src, Size size, int count, int index, Size *start, Size *end)
{
	EpDeltaHeader hdr;

	if (ReadHeader(src, size, count, &hdr) != NULL)
	{
		*start = 0;
		*end = size;
		return;
	}
	*start = sizeof(hdr);
	*end = Min(size, sizeof(hdr) +
			   (Size) ((uint64) index * hdr.width / 64 + 2) * sizeof(uint64));
}
