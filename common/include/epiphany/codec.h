/*-------------------------------------------------------------------------
 *
 * codec.h
 *	  Typed encodings of 64-bit values (integers, and the bit patterns of
 *	  floats), one file per encoding under common/src, behind one table
 *	  (EpCodecs), after TimescaleDB's compression algorithms; plus the
 *	  bit-packing primitive they share and the dictionary builder.
 *
 *	  Contract of every codec: encoded_size() returns exactly the bytes
 *	  encode() writes for the same values; decode() reads exactly "size"
 *	  bytes, checks every header field and length before use, never reads
 *	  outside src[0..size), writes exactly "count" values, and returns NULL,
 *	  or a sentence describing the damage, which the caller reports as
 *	  ERRCODE_DATA_CORRUPTED with the names it knows (table, column).
 *	  Values and headers are stored in the machine's byte order.
 *
 *	  Included by the column store's chunk codec (and, later, the time
 *	  store's compression).
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  common/include/epiphany/codec.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef EPIPHANY_CODEC_H
#define EPIPHANY_CODEC_H

/* The typed encodings of 64-bit values, indexes into EpCodecs. */
typedef enum EpCodecId
{
	EP_CODEC_BITPACK = 0,		/* frame of reference + bit-packing */
	EP_CODEC_DELTA,				/* deltas, frame of reference, bit-packing */
	EP_CODEC_DELTADELTA,		/* deltas of deltas, zeros cost one bit */
	EP_CODEC_RLE,				/* runs of (value, length), both bit-packed */
	EP_CODEC_GORILLA,			/* XOR with the previous value (floats) */
	EP_CODEC_COUNT
} EpCodecId;

typedef struct EpCodec
{
	const char *name;
	/* Bytes encode() writes for values[0..count), count >= 1. */
	Size		(*encoded_size) (const uint64 *values, int count);
	/* Writes the encoding of values[0..count) into dst. */
	void		(*encode) (const uint64 *values, int count, char *dst);
	/* Decodes src[0..size) into out[0..count); NULL or what is damaged. */
	const char *(*decode) (const char *src, Size size, int count, uint64 *out);

	/*
	 * Decodes values indexes[0..n) of count (each 0 <= index < count, in any
	 * order) into out[0..n) without writing the others, checking what it
	 * reads as decode() does: in constant time per value (bitpack), or in
	 * one pass up to the largest of ascending indexes (delta's prefix sums),
	 * never costlier than decode(); NULL for a codec that must decode.
	 */
	const char *(*values_at) (const char *src, Size size, int count, const int32 *indexes,
							  int n, uint64 *out);

	/*
	 * With values_at: sets [*start, *end) to the bytes of src[0..size)
	 * besides its header that values_at reads for value "index", reading only
	 * the first EP_CODEC_HEADER_BYTES of src (or all, when size is smaller),
	 * so that a reader can fetch just those; [0, size) when the header is
	 * damaged, for values_at to report.
	 */
	void		(*value_bytes) (const char *src, Size size, int count, int index, Size *start,
								Size *end);
} EpCodec;

/* Every codec's header fits in its first EP_CODEC_HEADER_BYTES bytes. */
#define EP_CODEC_HEADER_BYTES	32

extern const EpCodec EpCodecs[EP_CODEC_COUNT];

/*
 * Bit-packing (encode_bitpack.c).  Value i of a packed array of width w
 * occupies bits [i * w, (i + 1) * w) of a sequence of 64-bit words, least
 * significant bit first; the array takes whole words, so a reader may load
 * the word after any bit it needs without leaving the array.
 */
#define EP_BITPACK_BYTES(count, width) \
	((Size) ((((uint64) (count) * (uint64) (width)) + 63) / 64) * sizeof(uint64))

/* Bits needed for unsigned values up to "range" (0 for 0). */
static inline int
EpBitWidth(uint64 range)
{
	int			width = 0;

	while (width < 64 && (range >> width) != 0)
		width++;
	return width;
}

/* The "width" bits at bit "pos" of "words" (width 1..64). */
static inline uint64
EpBitRead(const char *words, uint64 pos, int width)
{
	uint64		lo;
	uint64		hi;
	uint64		w = pos / 64;
	int			shift = (int) (pos % 64);
	uint64		v;

	memcpy(&lo, words + w * sizeof(uint64), sizeof(uint64));
	v = lo >> shift;
	if (shift + width > 64)
	{
		memcpy(&hi, words + (w + 1) * sizeof(uint64), sizeof(uint64));
		v |= hi << (64 - shift);
	}
	return width == 64 ? v : v & ((UINT64CONST(1) << width) - 1);
}

/* ORs "width" bits of "value" at bit "pos" into zeroed "words". */
static inline void
EpBitWrite(char *words, uint64 pos, int width, uint64 value)
{
	uint64		w = pos / 64;
	int			shift = (int) (pos % 64);
	uint64		word;

	if (width < 64)
		value &= (UINT64CONST(1) << width) - 1;
	memcpy(&word, words + w * sizeof(uint64), sizeof(uint64));
	word |= value << shift;
	memcpy(words + w * sizeof(uint64), &word, sizeof(uint64));
	if (shift + width > 64)
	{
		memcpy(&word, words + (w + 1) * sizeof(uint64), sizeof(uint64));
		word |= value >> (64 - shift);
		memcpy(words + (w + 1) * sizeof(uint64), &word, sizeof(uint64));
	}
}

/* Packs values[0..count) at "width" into dst (EP_BITPACK_BYTES bytes). */
extern void EpBitPack(const uint64 *values, int count, int width, char *dst);

/* Unpacks count values of "width" from src, adding "base" to each. */
extern void EpBitUnpack(const char *src, int count, int width, uint64 base, uint64 *out);

/*
 * Dictionary (encode_dict.c): gives each of values[0..count) the code of
 * its distinct value (equal as datumIsEqual says, with the type's typbyval
 * and typlen; by-reference values must be detoasted), in order of first
 * appearance, and stores the distinct values in entries[].  Returns the
 * number of distinct values, or -1 as soon as there are more than
 * "max_entries".  Works in the current memory context.
 */
extern int	EpDictBuild(const Datum *values, int count, bool typbyval, int16 typlen,
						int max_entries, uint64 *codes, Datum *entries);

/* encode_bitpack.c */
extern Size EpBitpackEncodedSize(const uint64 *values, int count);
extern void EpBitpackEncode(const uint64 *values, int count, char *dst);
extern const char *EpBitpackDecode(const char *src, Size size, int count, uint64 *out);
extern const char *EpBitpackValuesAt(const char *src, Size size, int count,
									 const int32 *indexes, int n, uint64 *out);
extern void EpBitpackValueBytes(const char *src, Size size, int count, int index, Size *start,
								Size *end);

/* encode_delta.c */
extern Size EpDeltaEncodedSize(const uint64 *values, int count);
extern void EpDeltaEncode(const uint64 *values, int count, char *dst);
extern const char *EpDeltaDecode(const char *src, Size size, int count, uint64 *out);
extern const char *EpDeltaValuesAt(const char *src, Size size, int count, const int32 *indexes,
								   int n, uint64 *out);
extern void EpDeltaValueBytes(const char *src, Size size, int count, int index, Size *start,
							  Size *end);

/* encode_deltadelta.c */
extern Size EpDeltaDeltaEncodedSize(const uint64 *values, int count);
extern void EpDeltaDeltaEncode(const uint64 *values, int count, char *dst);
extern const char *EpDeltaDeltaDecode(const char *src, Size size, int count, uint64 *out);

/* encode_rle.c */
extern Size EpRleEncodedSize(const uint64 *values, int count);
extern void EpRleEncode(const uint64 *values, int count, char *dst);
extern const char *EpRleDecode(const char *src, Size size, int count, uint64 *out);

/* encode_gorilla.c */
extern Size EpGorillaEncodedSize(const uint64 *values, int count);
extern void EpGorillaEncode(const uint64 *values, int count, char *dst);
extern const char *EpGorillaDecode(const char *src, Size size, int count, uint64 *out);

#endif							/* EPIPHANY_CODEC_H */
