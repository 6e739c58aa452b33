/*-------------------------------------------------------------------------
 *
 * encode_deltadelta.c
 *	  Delta-of-delta encoding of 64-bit integers, for timestamps taken at
 *	  regular intervals: the first value and the first delta, then one flag
 *	  bit per further value telling whether its delta changed, and the
 *	  changes (deltas of deltas) that are not zero, zigzag-coded and
 *	  bit-packed.  A regular series with a few gaps costs about one bit per
 *	  value, where delta + bit-packing pays every value the width of a gap.
 *
 *	  Layout: EpDeltaDeltaHeader; flags: count - 2 bits, bit set = a change
 *	  follows (EP_BITPACK_BYTES(count - 2, 1) bytes, none when count <= 2);
 *	  changes: "exceptions" zigzag values of "width" bits.
 *
 *	  Steps of the encoding:
 *	  1. delta[i] = v[i] - v[i - 1], dod[i] = delta[i] - delta[i - 1], all in
 *	     uint64: differences of int64 can overflow, which C leaves undefined,
 *	     while unsigned arithmetic wraps and adding back restores the value;
 *	  2. zigzag: small negative and positive changes both become small
 *	     unsigned numbers ((d << 1) ^ (d >> 63), the sign spread by hand);
 *	  3. flags and changes are bit-packed.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  common/src/encode_deltadelta.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include "epiphany/codec.h"

/* On disk: no padding may reach it. */
typedef struct EpDeltaDeltaHeader
{
	uint32		count;			/* values */
	uint32		exceptions;		/* non-zero deltas of deltas */
	uint8		width;			/* bits per zigzag change, 0..64 */
	uint8		pad[7];			/* zero */
	uint64		first;			/* values[0] */
	uint64		first_delta;	/* values[1] - values[0], or 0 */
} EpDeltaDeltaHeader;

StaticAssertDecl(sizeof(EpDeltaDeltaHeader) == 32, "EpDeltaDeltaHeader must have no padding");

#define FLAG_COUNT(count) ((count) > 2 ? (count) - 2 : 0)

static inline uint64
ZigZag(uint64 d)
{
	return (d << 1) ^ (UINT64CONST(0) - (d >> 63));
}

static inline uint64
UnZigZag(uint64 z)
{
	return (z >> 1) ^ (UINT64CONST(0) - (z & 1));
}

/* Counts the non-zero changes and the width of their zigzag form. */
static void
ScanChanges(const uint64 *values, int count, uint32 *exceptions, int *width)
{
	uint64		all = 0;
	uint32		n = 0;

	for (int i = 2; i < count; i++)
	{
		uint64		dod = (values[i] - values[i - 1]) - (values[i - 1] - values[i - 2]);

		if (dod != 0)
		{
			n++;
			all |= ZigZag(dod);
		}
	}
	*exceptions = n;
	*width = EpBitWidth(all);
}

Size
EpDeltaDeltaEncodedSize(const uint64 *values, int count)
{
	uint32		exceptions;
	int			width;

	ScanChanges(values, count, &exceptions, &width);
	return sizeof(EpDeltaDeltaHeader) + EP_BITPACK_BYTES(FLAG_COUNT(count), 1) +
		EP_BITPACK_BYTES(exceptions, width);
}

void
EpDeltaDeltaEncode(const uint64 *values, int count, char *dst)
{
	EpDeltaDeltaHeader hdr = {0};
	uint32		exceptions;
	int			width;
	char	   *flags = dst + sizeof(hdr);
	Size		flag_bytes = EP_BITPACK_BYTES(FLAG_COUNT(count), 1);
	char	   *changes = flags + flag_bytes;
	uint32		k = 0;

	ScanChanges(values, count, &exceptions, &width);
	hdr.count = (uint32) count;
	hdr.exceptions = exceptions;
	hdr.width = (uint8) width;
	hdr.first = values[0];
	hdr.first_delta = count > 1 ? values[1] - values[0] : 0;
	memcpy(dst, &hdr, sizeof(hdr));
	memset(flags, 0, flag_bytes + EP_BITPACK_BYTES(exceptions, width));
	for (int i = 2; i < count; i++)
	{
		uint64		dod = (values[i] - values[i - 1]) - (values[i - 1] - values[i - 2]);

		if (dod == 0)
			continue;
		EpBitWrite(flags, (uint64) (i - 2), 1, 1);
		EpBitWrite(changes, (uint64) k * width, width, ZigZag(dod));
		k++;
	}
	Assert(k == exceptions);
}

const char *
EpDeltaDeltaDecode(const char *src, Size size, int count, uint64 *out)
{
	EpDeltaDeltaHeader hdr;
	const char *flags = src + sizeof(hdr);
	const char *changes;
	uint64		v;
	uint64		delta;
	uint32		k = 0;

	if (size < sizeof(hdr))
		return "The delta-of-delta header is truncated.";
	memcpy(&hdr, src, sizeof(hdr));
	if (count < 1 || hdr.count != (uint32) count || hdr.width > 64 ||
		hdr.exceptions > (uint32) FLAG_COUNT(count) ||
		(hdr.exceptions > 0) != (hdr.width > 0))
		return "The delta-of-delta header is invalid.";
	if (size != sizeof(hdr) + EP_BITPACK_BYTES(FLAG_COUNT(count), 1) +
		EP_BITPACK_BYTES(hdr.exceptions, hdr.width))
		return "The deltas of deltas do not fill the chunk.";
	changes = flags + EP_BITPACK_BYTES(FLAG_COUNT(count), 1);

	v = hdr.first;
	delta = hdr.first_delta;
	out[0] = v;
	if (count > 1)
		out[1] = (v += delta);
	for (int i = 2; i < count; i++)
	{
		if (EpBitRead(flags, (uint64) (i - 2), 1))
		{
			if (k >= hdr.exceptions)
				return "The delta-of-delta flags announce more changes than stored.";
			delta += UnZigZag(EpBitRead(changes, (uint64) k * hdr.width, hdr.width));
			k++;
		}
		out[i] = (v += delta);
	}
	if (k != hdr.exceptions)
		return "The delta-of-delta flags announce fewer changes than stored.";
	return NULL;
}
