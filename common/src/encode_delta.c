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

const char *
EpDeltaDecode(const char *src, Size size, int count, uint64 *out)
{
	EpDeltaHeader hdr;
	const char *packed = src + sizeof(hdr);
	uint64		v;
	uint64		step;
	uint64		pos = 0;

	if (size < sizeof(hdr))
		return "The delta header is truncated.";
	memcpy(&hdr, src, sizeof(hdr));
	if (count < 1 || hdr.count != (uint32) count || hdr.width > 64)
		return "The delta header is invalid.";
	if (size != sizeof(hdr) + EP_BITPACK_BYTES(count - 1, hdr.width))
		return "The packed deltas do not fill the chunk.";

	v = hdr.first;
	step = (uint64) hdr.min_delta;
	out[0] = v;
	if (hdr.width == 0)
	{
		for (int i = 1; i < count; i++)
			out[i] = (v += step);
		return NULL;
	}
	for (int i = 1; i < count; i++, pos += hdr.width)
		out[i] = (v += step + EpBitRead(packed, pos, hdr.width));
	return NULL;
}
