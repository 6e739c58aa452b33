/*-------------------------------------------------------------------------
 *
 * encode_rle.c
 *	  Run-length encoding of 64-bit integers: each run of equal values is
 *	  stored once with its length.  Values and lengths are bit-packed, the
 *	  values against their minimum (frame of reference), the lengths less
 *	  one.
 *
 *	  Layout: EpRleHeader; run values: "runs" values of "value_width" bits;
 *	  run lengths: "runs" values of "length_width" bits.  The lengths must
 *	  add up to "count" exactly.
 *
 *	  Arithmetic is unsigned, as in encode_bitpack.c: value - min of two
 *	  int64 wraps to the exact distance in uint64 and min + distance wraps
 *	  back.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  common/src/encode_rle.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include "epiphany/codec.h"

/* On disk: no padding may reach it. */
typedef struct EpRleHeader
{
	uint32		count;			/* values, the sum of the run lengths */
	uint32		runs;			/* 1..count */
	uint8		value_width;	/* bits per run value, 0..64 */
	uint8		length_width;	/* bits per run length - 1, 0..32 */
	uint8		pad[6];			/* zero */
	int64		min;			/* frame of reference of the run values */
} EpRleHeader;

StaticAssertDecl(sizeof(EpRleHeader) == 24, "EpRleHeader must have no padding");

/* The header of the encoding of values[0..count), count >= 1. */
static void
ScanRuns(const uint64 *values, int count, EpRleHeader *hdr)
{
	int64		lo = (int64) values[0];
	int64		hi = (int64) values[0];
	uint32		runs = 1;
	uint32		run = 1;
	uint32		longest = 1;

	for (int i = 1; i < count; i++)
	{
		int64		v = (int64) values[i];

		if (values[i] == values[i - 1])
		{
			run++;
			continue;
		}
		longest = Max(longest, run);
		run = 1;
		runs++;
		lo = Min(lo, v);
		hi = Max(hi, v);
	}
	longest = Max(longest, run);
	memset(hdr, 0, sizeof(*hdr));
	hdr->count = (uint32) count;
	hdr->runs = runs;
	hdr->min = lo;
	hdr->value_width = (uint8) EpBitWidth((uint64) hi - (uint64) lo);
	hdr->length_width = (uint8) EpBitWidth(longest - 1);
}

Size
EpRleEncodedSize(const uint64 *values, int count)
{
	EpRleHeader hdr;

	ScanRuns(values, count, &hdr);
	return sizeof(hdr) + EP_BITPACK_BYTES(hdr.runs, hdr.value_width) +
		EP_BITPACK_BYTES(hdr.runs, hdr.length_width);
}

void
EpRleEncode(const uint64 *values, int count, char *dst)
{
	EpRleHeader hdr;
	char	   *run_values;
	char	   *run_lengths;
	uint32		r = 0;
	int			start = 0;

	ScanRuns(values, count, &hdr);
	memcpy(dst, &hdr, sizeof(hdr));
	run_values = dst + sizeof(hdr);
	run_lengths = run_values + EP_BITPACK_BYTES(hdr.runs, hdr.value_width);
	memset(run_values, 0, EP_BITPACK_BYTES(hdr.runs, hdr.value_width) +
		   EP_BITPACK_BYTES(hdr.runs, hdr.length_width));
	for (int i = 1; i <= count; i++)
	{
		if (i < count && values[i] == values[start])
			continue;
		if (hdr.value_width > 0)
			EpBitWrite(run_values, (uint64) r * hdr.value_width, hdr.value_width,
					   values[start] - (uint64) hdr.min);
		if (hdr.length_width > 0)
			EpBitWrite(run_lengths, (uint64) r * hdr.length_width, hdr.length_width,
					   (uint64) (i - start - 1));
		r++;
		start = i;
	}
	Assert(r == hdr.runs);
}

const char *
EpRleDecode(const char *src, Size size, int count, uint64 *out)
{
	EpRleHeader hdr;
	const char *run_values = src + sizeof(hdr);
	const char *run_lengths;
	uint64		pos = 0;

	if (size < sizeof(hdr))
		return "The run-length header is truncated.";
	memcpy(&hdr, src, sizeof(hdr));
	if (count < 1 || hdr.count != (uint32) count || hdr.runs < 1 ||
		hdr.runs > (uint32) count || hdr.value_width > 64 || hdr.length_width > 32)
		return "The run-length header is invalid.";
	if (size != sizeof(hdr) + EP_BITPACK_BYTES(hdr.runs, hdr.value_width) +
		EP_BITPACK_BYTES(hdr.runs, hdr.length_width))
		return "The runs do not fill the chunk.";
	run_lengths = run_values + EP_BITPACK_BYTES(hdr.runs, hdr.value_width);

	for (uint32 r = 0; r < hdr.runs; r++)
	{
		uint64		value = (uint64) hdr.min;
		uint64		length = 1;

		if (hdr.value_width > 0)
			value += EpBitRead(run_values, (uint64) r * hdr.value_width, hdr.value_width);
		if (hdr.length_width > 0)
			length += EpBitRead(run_lengths, (uint64) r * hdr.length_width, hdr.length_width);
		if (length > (uint64) count - pos)
			return "The runs are longer than the chunk.";
		for (uint64 end = pos + length; pos < end; pos++)
			out[pos] = value;
	}
	if (pos != (uint64) count)
		return "The runs are shorter than the chunk.";
	return NULL;
}
