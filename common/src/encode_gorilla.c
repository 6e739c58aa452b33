/*-------------------------------------------------------------------------
 *
 * encode_gorilla.c
 *	  Gorilla XOR encoding of floating-point bit patterns (Pelkonen et al.,
 *	  "Gorilla: A Fast, Scalable, In-Memory Time Series Database", 2015,
 *	  section 4.1.2): each value is XORed with the one before it and only
 *	  the bits that differ are kept.  It works on the bits, never on float
 *	  arithmetic, so every value (NaNs with their payload, -0.0, the
 *	  infinities) comes back bit for bit.
 *
 *	  Layout: EpGorillaHeader, then a stream of "nbits" bits in 64-bit
 *	  words (EP_BITPACK_BYTES(nbits, 1) bytes), least significant first:
 *	    the first value, 64 bits; then for each further value, with
 *	    x = value XOR previous value:
 *	      '0'                      x = 0
 *	      '1' '0' bits             x fits the previous window: its
 *	                               64 - lead - trail meaningful bits
 *	      '1' '1' lead:6 len-1:6 bits
 *	                               a new window: leading zeros, length of
 *	                               the meaningful bits, then those bits
 *	  The caller passes float4 patterns zero-extended to 64 bits.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  common/src/encode_gorilla.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include "epiphany/codec.h"
#include "port/pg_bitutils.h"

/* On disk: no padding may reach it. */
typedef struct EpGorillaHeader
{
	uint32		count;			/* values */
	uint32		pad;			/* zero */
	uint64		nbits;			/* bits in the stream */
} EpGorillaHeader;

StaticAssertDecl(sizeof(EpGorillaHeader) == 16, "EpGorillaHeader must have no padding");

#define GORILLA_LEAD_BITS	6
#define GORILLA_LENGTH_BITS 6

/*
 * Walks the encoding of values[0..count): returns the stream's length in
 * bits and, when "bits" is not NULL (zeroed, large enough), writes it.
 */
static uint64
GorillaWalk(const uint64 *values, int count, char *bits)
{
	uint64		pos = 0;
	int			prev_lead = -1; /* no window yet */
	int			prev_trail = 0;

#define PUT(width, value) \
	do { \
		if (bits != NULL) \
			EpBitWrite(bits, pos, (width), (value)); \
		pos += (width); \
	} while (0)

	PUT(64, values[0]);
	for (int i = 1; i < count; i++)
	{
		uint64		x = values[i] ^ values[i - 1];
		int			lead;
		int			trail;

		if (x == 0)
		{
			PUT(1, 0);
			continue;
		}
		lead = 63 - pg_leftmost_one_pos64(x);
		trail = pg_rightmost_one_pos64(x);
		if (prev_lead >= 0 && lead >= prev_lead && trail >= prev_trail)
		{
			PUT(2, 1);			/* '1' then '0' */
			PUT(64 - prev_lead - prev_trail, x >> prev_trail);
			continue;
		}
		PUT(2, 3);				/* '1' then '1' */
		PUT(GORILLA_LEAD_BITS, (uint64) lead);
		PUT(GORILLA_LENGTH_BITS, (uint64) (64 - lead - trail - 1));
		PUT(64 - lead - trail, x >> trail);
		prev_lead = lead;
		prev_trail = trail;
	}
#undef PUT
	return pos;
}

Size
EpGorillaEncodedSize(const uint64 *values, int count)
{
	return sizeof(EpGorillaHeader) + EP_BITPACK_BYTES(GorillaWalk(values, count, NULL), 1);
}

void
EpGorillaEncode(const uint64 *values, int count, char *dst)
{
	EpGorillaHeader hdr = {0};

	hdr.count = (uint32) count;
	hdr.nbits = GorillaWalk(values, count, NULL);
	memcpy(dst, &hdr, sizeof(hdr));
	memset(dst + sizeof(hdr), 0, EP_BITPACK_BYTES(hdr.nbits, 1));
	GorillaWalk(values, count, dst + sizeof(hdr));
}

/*
 * Reads the stream back.  Every read is preceded by a check that the bits
 * lie inside the stream, so damaged input ends in an error, never in a
 * read past the buffer.
 */
const char *
EpGorillaDecode(const char *src, Size size, int count, uint64 *out)
{
	EpGorillaHeader hdr;
	const char *bits = src + sizeof(hdr);
	uint64		pos = 0;
	uint64		nbits;
	uint64		v;
	int			lead = 0;
	int			len = 0;		/* 0: no window yet */

#define GET(width, into) \
	do { \
		if ((uint64) (width) > nbits - pos) \
			return "The XOR stream ends inside a value."; \
		(into) = EpBitRead(bits, pos, (width)); \
		pos += (width); \
	} while (0)

	if (size < sizeof(hdr))
		return "The XOR header is truncated.";
	memcpy(&hdr, src, sizeof(hdr));
	if (count < 1 || hdr.count != (uint32) count || hdr.nbits < 64 ||
		hdr.nbits > (uint64) count * (2 + GORILLA_LEAD_BITS + GORILLA_LENGTH_BITS + 64))
		return "The XOR header is invalid.";
	if (size != sizeof(hdr) + EP_BITPACK_BYTES(hdr.nbits, 1))
		return "The XOR stream does not fill the chunk.";
	nbits = hdr.nbits;

	GET(64, v);
	out[0] = v;
	for (int i = 1; i < count; i++)
	{
		uint64		control;
		uint64		x;

		GET(1, control);
		if (control == 0)
		{
			out[i] = v;
			continue;
		}
		GET(1, control);
		if (control == 1)
		{
			uint64		field;

			GET(GORILLA_LEAD_BITS, field);
			lead = (int) field;
			GET(GORILLA_LENGTH_BITS, field);
			len = (int) field + 1;
			if (lead + len > 64)
				return "An XOR window is wider than 64 bits.";
		}
		else if (len == 0)
			return "An XOR value refers to a window not yet defined.";
		GET(len, x);
		v ^= x << (64 - lead - len);
		out[i] = v;
	}
#undef GET
	if (pos != nbits)
		return "The XOR stream has bits past its last value.";
	return NULL;
}
