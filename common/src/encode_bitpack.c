/*-------------------------------------------------------------------------
 *
 * encode_bitpack.c
 *	  Frame-of-reference bit-packing of 64-bit integers, and the packing
 *	  primitive the other codecs share.
 *
 *	  Layout: EpBitpackHeader, then count values minus "min", each in
 *	  "width" bits (EP_BITPACK_BYTES(count, width) bytes; none when every
 *	  value equals min).
 *
 *	  Arithmetic is unsigned: the values are signed, but max - min of two
 *	  int64 can exceed INT64_MAX, while in uint64 it wraps to the exact
 *	  distance, and min + (v - min) wraps back to v.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  common/src/encode_bitpack.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include "epiphany/codec.h"

/* On disk: no padding may reach it. */
typedef struct EpBitpackHeader
{
	uint32		count;			/* values */
	uint8		width;			/* bits per value, 0..64 */
	uint8		pad[3];			/* zero */
	int64		min;			/* the frame of reference */
} EpBitpackHeader;

StaticAssertDecl(sizeof(EpBitpackHeader) == 16, "EpBitpackHeader must have no padding");
StaticAssertDecl(sizeof(EpBitpackHeader) <= EP_CODEC_HEADER_BYTES, "EP_CODEC_HEADER_BYTES is too small");

void
EpBitPack(const uint64 *values, int count, int width, char *dst)
{
	memset(dst, 0, EP_BITPACK_BYTES(count, width));
	if (width == 0)
		return;
	for (int i = 0; i < count; i++)
		EpBitWrite(dst, (uint64) i * width, width, values[i]);
}

/* The widest value that one 8-byte read at its first byte holds whole. */
#define BITPACK_BYTE_READ_MAX_WIDTH	57

/*
 * The decoding loop of every packed array; kept free of calls so that it
 * compiles to loads, shifts and adds.
 */
void
EpBitUnpack(const char *src, int count, int width, uint64 base, uint64 *out)
{
	uint64		pos = 0;
	int			i = 0;

	if (width == 0)
	{
		for (i = 0; i < count; i++)
			out[i] = base;
		return;
	}
	if (width <= BITPACK_BYTE_READ_MAX_WIDTH)
	{
		/*
		 * One unaligned load per value: a value of up to 57 bits starts in
		 * the first byte of an 8-byte read.  The reads stay inside the
		 * array's bytes; the values past the last full read take the
		 * general path.
		 */
		Size		bytes = EP_BITPACK_BYTES(count, width);
		uint64		mask = (UINT64CONST(1) << width) - 1;
		int			safe = bytes < sizeof(uint64) ? 0 :
			(int) Min((uint64) count, ((bytes - sizeof(uint64)) * 8 + 7) / width + 1);

		for (; i < safe; i++, pos += width)
		{
			uint64		word;

			memcpy(&word, src + pos / 8, sizeof(uint64));
			out[i] = base + ((word >> (pos % 8)) & mask);
		}
	}
	for (; i < count; i++, pos += width)
		out[i] = base + EpBitRead(src, pos, width);
}

/* The minimum (signed) of values[0..count) and the width of max - min. */
static void
FrameOfReference(const uint64 *values, int count, int64 *min, int *width)
{
	int64		lo = (int64) values[0];
	int64		hi = (int64) values[0];

	for (int i = 1; i < count; i++)
	{
		int64		v = (int64) values[i];

		lo = Min(lo, v);
		hi = Max(hi, v);
	}
	*min = lo;
	*width = EpBitWidth((uint64) hi - (uint64) lo);
}

Size
EpBitpackEncodedSize(const uint64 *values, int count)
{
	int64		min;
	int			width;

	FrameOfReference(values, count, &min, &width);
	return sizeof(EpBitpackHeader) + EP_BITPACK_BYTES(count, width);
}

void
EpBitpackEncode(const uint64 *values, int count, char *dst)
{
	EpBitpackHeader hdr = {0};
	int64		min;
	int			width;
	uint64	   *shifted = palloc(sizeof(uint64) * count);

	FrameOfReference(values, count, &min, &width);
	hdr.count = (uint32) count;
	hdr.width = (uint8) width;
	hdr.min = min;
	memcpy(dst, &hdr, sizeof(hdr));
	for (int i = 0; i < count; i++)
		shifted[i] = values[i] - (uint64) min;
	EpBitPack(shifted, count, width, dst + sizeof(hdr));
	pfree(shifted);
}

/* Reads and checks the header of "count" packed values in src[0..size). */
static const char *
ReadHeader(const char *src, Size size, int count, EpBitpackHeader *hdr)
{
	if (size < sizeof(EpBitpackHeader))
		return "The bit-packing header is truncated.";
	memcpy(hdr, src, sizeof(EpBitpackHeader));
	if (hdr->count != (uint32) count || hdr->width > 64)
		return "The bit-packing header is invalid.";
	if (size != sizeof(EpBitpackHeader) + EP_BITPACK_BYTES(count, hdr->width))
		return "The bit-packed values do not fill the chunk.";
	return NULL;
}

const char *
EpBitpackDecode(const char *src, Size size, int count, uint64 *out)
{
	EpBitpackHeader hdr;
	const char *damage = ReadHeader(src, size, count, &hdr);

	if (damage != NULL)
		return damage;
	EpBitUnpack(src + sizeof(hdr), count, hdr.width, (uint64) hdr.min, out);
	return NULL;
}

const char *
EpBitpackValuesAt(const char *src, Size size, int count, const int32 *indexes, int n,
				  uint64 *out)
{
	EpBitpackHeader hdr;
	const char *damage = ReadHeader(src, size, count, &hdr);

	if (damage != NULL)
		return damage;
	for (int i = 0; i < n; i++)
	{
		Assert(indexes[i] >= 0 && indexes[i] < count);
		out[i] = (uint64) hdr.min;
		if (hdr.width > 0)
			out[i] += EpBitRead(src + sizeof(hdr), (uint64) indexes[i] * hdr.width, hdr.width);
	}
	return NULL;
}

/* Value "index" lies in one packed word, or straddles it and the next. */
void
EpBitpackValueBytes(const char *src, Size size, int count, int index, Size *start, Size *end)
{
	EpBitpackHeader hdr;

	if (ReadHeader(src, size, count, &hdr) != NULL)
	{
		*start = 0;
		*end = size;
		return;
	}
	*start = sizeof(hdr) + (Size) ((uint64) index * hdr.width / 64) * sizeof(uint64);
	*end = Min(size, *start + 2 * sizeof(uint64));
}
