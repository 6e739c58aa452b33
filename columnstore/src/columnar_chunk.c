/*-------------------------------------------------------------------------
 *
 * columnar_chunk.c
 *	  Encodes a run of one column's values into a chunk and decodes it back.
 *
 *	  A chunk's bytes are a value in the table's own TOAST relation, so they
 *	  go through the buffer manager and WAL like any heap data, follow the
 *	  table through TRUNCATE, VACUUM FULL and CLUSTER, and count in its size.
 *
 *	  Before compression a chunk is:
 *	    [null bitmap: row_count bits, bit set = not NULL; only if null_count > 0]
 *	    [the non-NULL values in the chunk's encoding]
 *	  PLAIN stores each value aligned as the type's typalign requires,
 *	  relative to the start of the buffer: by-value types as in a heap
 *	  tuple, fixed-length by-reference types as their attlen bytes, varlena
 *	  values detoasted with a 4-byte header, cstrings with their terminator.
 *	  The typed encodings (bit-packing, delta, delta-of-delta, run-length,
 *	  Gorilla, dictionary) are described in common/include/epiphany/codec.h,
 *	  their files under common/src, and README.md ("Chunk format"); DECIMAL
 *	  stores numeric values of one display scale as integers in one of the
 *	  integer codecs (DecimalHeader below).  The
 *	  encoder computes the exact size of every encoding the type admits and
 *	  keeps the smallest (PLAIN on ties); a chunk whose rows are all NULL
 *	  stores no bytes.  The general codec's output is kept when it saves an
 *	  eighth of the bytes at least, a quarter for typed encodings (their
 *	  decoding runs near memory speed: decompressing would be most of a
 *	  read).
 *
 *	  Reading a chunk is loading its bytes (ColumnarLoadChunk: fetch,
 *	  decompress, check the null bitmap; a point read loads a framed chunk's
 *	  frames, and the TOAST pieces of an uncompressed chunk, as it reads
 *	  them), then decoding all of its values
 *	  (ColumnarDecodeLoadedChunk) or one of them (ColumnarLoadedChunkValue,
 *	  for plain, bitpack, delta, dictionary and decimal chunks).  Decoding checks every
 *	  length and offset against the buffer, and every encoding against the
 *	  column's type, and reports damage as ERRCODE_DATA_CORRUPTED naming the
 *	  table and column.  Decoded by-value Datums are written straight into
 *	  the values array, one loop per encoding; by-reference values point into
 *	  the decoded buffer.  The buffers are reused from chunk to chunk and kept
 *	  by the backend between reads.  Encoding also records each chunk's
 *	  min/max and, when asked, a bloom filter of its values.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  columnstore/src/columnar_chunk.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include "access/detoast.h"
#include "access/heaptoast.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/toast_internals.h"
#include "catalog/pg_type.h"
#include "columnar.h"
#include "epiphany/decimal.h"
#include "epiphany/bloom.h"
#include "epiphany/codec.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "port/pg_bitutils.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/typcache.h"

#define NULL_BITMAP_BYTES(rows) (((rows) + 7) / 8)

/* A dictionary holds at most this share of a chunk's values, and 16 at least. */
#define DICT_MAX_ENTRIES(count)		Max(16, (count) / 4)

/*
 * Dictionary encoding, after the null bitmap: this header, the codes
 * bit-packed (EP_BITPACK_BYTES(count, width)), then the distinct values in
 * order of first appearance, laid out as PLAIN lays out values.
 */
typedef struct DictionaryHeader
{
	uint32		count;			/* non-NULL values */
	uint32		entries;		/* distinct values, 1..count */
	uint8		width;			/* bits per code, 0..32 */
	uint8		pad[7];			/* zero */
} DictionaryHeader;

StaticAssertDecl(sizeof(DictionaryHeader) == 16, "DictionaryHeader must have no padding");

/*
 * Decimal encoding (numeric), after the null bitmap: this header, then the
 * values times 10^dscale as 64-bit integers in one of the integer codecs.
 * Only when every value is finite, shows the same display scale and fits.
 */
typedef struct DecimalHeader
{
	uint32		count;			/* non-NULL values */
	uint16		dscale;			/* every value's display scale */
	uint8		codec;			/* EpCodecId of an integer encoding */
	uint8		pad;			/* zero */
} DecimalHeader;

StaticAssertDecl(sizeof(DecimalHeader) == 8, "DecimalHeader must have no padding");

/* Bytes a decoded DECIMAL value takes in ColumnarChunkData.numerics. */
#define NUMERIC_IMAGE_STRIDE	MAXALIGN(NUMERIC_IMAGE_MAX_BYTES)

/*
 * Framed chunks: a PLAIN chunk of more than two frames' worth of values is
 * compressed in frames of about FRAME_TARGET_BYTES (more when it would
 * take over COLUMNAR_MAX_FRAMES), cut where a value starts, each frame
 * alone, so that a point read fetches and decompresses one frame.  Stored:
 *   [FrameTableHeader][ColumnarFrame x nframes][the null bitmap, raw]
 *   [each frame's bytes: compressed, or raw when that did not shrink them]
 */
#define FRAME_TARGET_BYTES		(4 * 1024)

typedef struct FrameTableHeader
{
	uint32		nframes;		/* 1..COLUMNAR_MAX_FRAMES */
	uint32		pad;			/* zero */
} FrameTableHeader;

StaticAssertDecl(sizeof(FrameTableHeader) == 8, "FrameTableHeader must have no padding");
StaticAssertDecl(sizeof(ColumnarFrame) == 16, "ColumnarFrame must have no padding");

/* The most bytes before a framed chunk's first frame. */
#define FRAME_PREFIX_MAX_BYTES(rows) \
	(sizeof(FrameTableHeader) + COLUMNAR_MAX_FRAMES * sizeof(ColumnarFrame) + NULL_BITMAP_BYTES(rows))

static Datum ReadValue(Relation rel, Form_pg_attribute att, char *raw, int raw_size,
					   int *offset);
static void ReportCorruptChunk(Relation rel, Form_pg_attribute att, const char *detail);
static void SetMinMaxImages(ColumnarChunk *chunk, Form_pg_attribute att, Datum min, Datum max);

/* Which typed encodings a column's type admits. */
typedef enum ValueKind
{
	VALUE_OTHER,				/* dictionary only */
	VALUE_INTEGER,				/* by-value integral types of 2, 4, 8 bytes */
	VALUE_FLOAT4,
	VALUE_FLOAT8,
	VALUE_NUMERIC				/* numeric: DECIMAL, over the integer codecs */
} ValueKind;

/* The encodings of codec.h's table and the codec of each. */
static const struct
{
	ColumnarEncoding encoding;
	EpCodecId	codec;
	ValueKind	kind;
}			TypedEncodings[] = {
	{COLUMNAR_ENCODING_BITPACK, EP_CODEC_BITPACK, VALUE_INTEGER},
	{COLUMNAR_ENCODING_DELTA, EP_CODEC_DELTA, VALUE_INTEGER},
	{COLUMNAR_ENCODING_DELTADELTA, EP_CODEC_DELTADELTA, VALUE_INTEGER},
	{COLUMNAR_ENCODING_RLE, EP_CODEC_RLE, VALUE_INTEGER},
	{COLUMNAR_ENCODING_GORILLA, EP_CODEC_GORILLA, VALUE_FLOAT4},
	{COLUMNAR_ENCODING_GORILLA, EP_CODEC_GORILLA, VALUE_FLOAT8},
};

static const char *const EncodingNames[COLUMNAR_ENCODING_COUNT] = {
	[COLUMNAR_ENCODING_PLAIN] = "plain",
	[COLUMNAR_ENCODING_BITPACK] = "bitpack",
	[COLUMNAR_ENCODING_DELTA] = "delta",
	[COLUMNAR_ENCODING_DELTADELTA] = "deltadelta",
	[COLUMNAR_ENCODING_RLE] = "rle",
	[COLUMNAR_ENCODING_GORILLA] = "gorilla",
	[COLUMNAR_ENCODING_DICTIONARY] = "dictionary",
	[COLUMNAR_ENCODING_DECIMAL] = "decimal",
};

/*
 * The typed encodings decode into the Datum array as uint64, and the
 * dictionary's codes too: on a platform with 32-bit Datums every chunk is
 * PLAIN.
 */
#define TYPED_ENCODINGS_AVAILABLE	(sizeof(Datum) == sizeof(uint64))

const char *
ColumnarEncodingName(int encoding)
{
	if (encoding < 0 || encoding >= COLUMNAR_ENCODING_COUNT)
		return "unknown";
	return EncodingNames[encoding];
}

/* Which typed encodings "att" admits; a domain counts as its base type. */
static ValueKind
ColumnValueKind(Form_pg_attribute att)
{
	Oid			base;

	if (!TYPED_ENCODINGS_AVAILABLE)
		return VALUE_OTHER;
	base = getBaseType(att->atttypid);
	if (base == NUMERICOID)
		return VALUE_NUMERIC;
	if (!att->attbyval || (att->attlen != 2 && att->attlen != 4 && att->attlen != 8))
		return VALUE_OTHER;
	if (base == FLOAT4OID)
		return VALUE_FLOAT4;
	if (base == FLOAT8OID)
		return VALUE_FLOAT8;
	return VALUE_INTEGER;
}

/*
 * Whether the default btree order of "att"'s type is the order of its Datums
 * as signed integers (by-value Datums are sign-extended), so that min/max
 * need no calls of the comparison function.
 */
static bool
OrderedAsIntegers(Form_pg_attribute att)
{
	switch (getBaseType(att->atttypid))
	{
		case INT2OID:
		case INT4OID:
		case INT8OID:
		case DATEOID:
		case TIMEOID:
		case TIMESTAMPOID:
		case TIMESTAMPTZOID:
			return true;
		default:
			return false;
	}
}

/*
 * Sets the chunk's min and max from values[0..n), n >= 1: its values, or
 * only their distinct ones, in the default btree order of the type; none
 * when the type has no such order.
 */
static void
SetMinMax(ColumnarChunk *chunk, Form_pg_attribute att, const Datum *values, int n)
{
	Datum		min = values[0];
	Datum		max = values[0];

	if (OrderedAsIntegers(att))
	{
		for (int i = 1; i < n; i++)
		{
			if ((int64) values[i] < (int64) min)
				min = values[i];
			else if ((int64) values[i] > (int64) max)
				max = values[i];
		}
	}
	else
	{
		TypeCacheEntry *tce = lookup_type_cache(att->atttypid, TYPECACHE_CMP_PROC_FINFO);
		FmgrInfo   *cmp = &tce->cmp_proc_finfo;

		if (!OidIsValid(cmp->fn_oid))
			return;
		for (int i = 1; i < n; i++)
		{
			if (DatumGetInt32(FunctionCall2Coll(cmp, att->attcollation, values[i], min)) < 0)
				min = values[i];
			else if (DatumGetInt32(FunctionCall2Coll(cmp, att->attcollation, values[i], max)) > 0)
				max = values[i];
		}
	}
	SetMinMaxImages(chunk, att, min, max);
}

/* Bytes of one non-NULL value as PLAIN stores it (varlena: detoasted). */
static inline Size
PlainValueSize(Form_pg_attribute att, Datum value)
{
	if (att->attlen > 0)
		return att->attlen;
	if (att->attlen == -1)
		return VARSIZE(DatumGetPointer(value));
	return strlen(DatumGetCString(value)) + 1;
}

/* Bytes PLAIN takes for values[0..n) when they start at "offset". */
static Size
PlainSize(Form_pg_attribute att, const Datum *values, int n, Size offset)
{
	Size		end = offset;

	for (int i = 0; i < n; i++)
		end = att_align_nominal(end, att->attalign) + PlainValueSize(att, values[i]);
	return end - offset;
}

/* Appends values[0..n) as PLAIN lays them out (varlena: detoasted). */
static void
AppendPlain(StringInfo buf, Form_pg_attribute att, const Datum *values, int n)
{
	for (int i = 0; i < n; i++)
	{
		Size		size = PlainValueSize(att, values[i]);
		int			start = att_align_nominal(buf->len, att->attalign);

		while (buf->len < start)
			appendStringInfoChar(buf, '\0');
		if (att->attbyval)
		{
			char		image[sizeof(Datum)];

			store_att_byval(image, values[i], att->attlen);
			appendBinaryStringInfo(buf, image, size);
		}
		else
			appendBinaryStringInfo(buf, DatumGetPointer(values[i]), size);
	}
}

/*
 * The 64-bit images the typed codecs work on: integers sign-extended, as
 * fetch_att makes their Datums; float4 bit patterns zero-extended, which
 * leaves Gorilla 32 leading zeros to drop.
 */
static uint64 *
ValueImages(const Datum *values, int n, Form_pg_attribute att, ValueKind kind)
{
	uint64	   *images = palloc(sizeof(uint64) * n);

	for (int i = 0; i < n; i++)
	{
		if (att->attlen == 8)
			images[i] = (uint64) values[i];
		else if (att->attlen == 4 && kind == VALUE_FLOAT4)
			images[i] = (uint64) (uint32) DatumGetInt32(values[i]);
		else if (att->attlen == 4)
			images[i] = (uint64) (int64) DatumGetInt32(values[i]);
		else
			images[i] = (uint64) (int64) DatumGetInt16(values[i]);
	}
	return images;
}

/*
 * The DECIMAL images of numeric values[0..n): each value times 10^dscale,
 * when every value is finite and of display scale *dscale and the products
 * fit in 64 bits; NULL otherwise.
 */
static uint64 *
DecimalImages(const Datum *values, int n, int *dscale)
{
	uint64	   *images = palloc(sizeof(uint64) * n);

	for (int i = 0; i < n; i++)
	{
		int64		scaled;
		int			value_dscale;

		if (!EpNumericAtDisplayScale(values[i], &scaled, &value_dscale) ||
			(i > 0 && value_dscale != *dscale))
		{
			pfree(images);
			return NULL;
		}
		*dscale = value_dscale;
		images[i] = (uint64) scaled;
	}
	return images;
}

/* A dictionary of values[0..n): its codes, entries and encoded size. */
typedef struct DictionaryPlan
{
	int			entries;		/* -1: too many distinct values */
	int			width;
	uint64	   *codes;
	Datum	   *values;
	Size		size;
} DictionaryPlan;

/* The fewest bytes one dictionary entry takes (PLAIN, unaligned). */
static inline Size
MinEntryBytes(Form_pg_attribute att)
{
	return att->attlen > 0 ? (Size) att->attlen : att->attlen == -1 ? VARHDRSZ : 1;
}

/*
 * Plans the dictionary of values[0..n) when it can be smaller than
 * "beat" bytes: one of more entries than that allows is given up as soon
 * as they are found (entries -1), which spares building the dictionary of
 * a column that another encoding already stores in fewer bytes.
 */
static void
PlanDictionary(Form_pg_attribute att, const Datum *values, int n, Size offset, Size beat,
			   DictionaryPlan *plan)
{
	Size		affordable = beat > sizeof(DictionaryHeader) ?
		(beat - sizeof(DictionaryHeader)) / MinEntryBytes(att) : 0;
	int			max_entries = (int) Min((Size) DICT_MAX_ENTRIES(n), affordable);
	Size		codes_end;

	plan->entries = -1;
	if (max_entries < 1)
		return;
	plan->codes = palloc(sizeof(uint64) * n);
	plan->values = palloc(sizeof(Datum) * max_entries);
	plan->entries = EpDictBuild(values, n, att->attbyval, att->attlen, max_entries,
								plan->codes, plan->values);
	if (plan->entries < 0)
		return;
	plan->width = EpBitWidth((uint64) (plan->entries - 1));
	codes_end = offset + sizeof(DictionaryHeader) + EP_BITPACK_BYTES(n, plan->width);
	plan->size = codes_end - offset +
		PlainSize(att, plan->values, plan->entries, codes_end);
}

static void
AppendDictionary(StringInfo buf, Form_pg_attribute att, int n, DictionaryPlan *plan)
{
	DictionaryHeader hdr = {0};
	Size		code_bytes = EP_BITPACK_BYTES(n, plan->width);

	hdr.count = (uint32) n;
	hdr.entries = (uint32) plan->entries;
	hdr.width = (uint8) plan->width;
	appendBinaryStringInfo(buf, (char *) &hdr, sizeof(hdr));
	enlargeStringInfo(buf, code_bytes);
	EpBitPack(plan->codes, n, plan->width, buf->data + buf->len);
	buf->len += code_bytes;
	buf->data[buf->len] = '\0';
	AppendPlain(buf, att, plan->values, plan->entries);
}

/*
 * Where the smallest and the largest of images[0..n) are, as signed
 * integers: DECIMAL images of one display scale order as their numerics.
 */
static void
ImageExtremes(const uint64 *images, int n, int *min_at, int *max_at)
{
	*min_at = 0;
	*max_at = 0;
	for (int i = 1; i < n; i++)
	{
		if ((int64) images[i] < (int64) images[*min_at])
			*min_at = i;
		else if ((int64) images[i] > (int64) images[*max_at])
			*max_at = i;
	}
}

/*
 * Appends values[0..n) (non-NULL, varlena detoasted; "plain_bytes" in
 * PLAIN encoding) in the smallest
 * encoding "att" admits, measured exactly; PLAIN wins ties, then the
 * earlier entry of TypedEncodings, then the dictionary.  Returns the
 * encoding chosen; "dict" is the dictionary of the values (entries -1 when
 * there would be too many, or it could not be the smallest).  For numeric
 * values of one display scale, *min_at and *max_at are set to where the
 * smallest and largest value are, else to -1.
 */
static ColumnarEncoding
AppendEncoded(StringInfo buf, Form_pg_attribute att, const Datum *values, int n,
			  Size plain_bytes, DictionaryPlan *dict, int *min_at, int *max_at)
{
	ValueKind	kind = ColumnValueKind(att);
	ColumnarEncoding best = COLUMNAR_ENCODING_PLAIN;
	Size		best_size = plain_bytes;
	int			best_codec = -1;
	uint64	   *images = NULL;
	Size		header_size = 0;
	int			dscale = 0;

	*min_at = *max_at = -1;
	if (kind == VALUE_NUMERIC)
	{
		images = DecimalImages(values, n, &dscale);
		header_size = sizeof(DecimalHeader);
		if (images != NULL)
			ImageExtremes(images, n, min_at, max_at);
	}
	else if (kind != VALUE_OTHER)
		images = ValueImages(values, n, att, kind);
	for (int c = 0; images != NULL && c < lengthof(TypedEncodings); c++)
	{
		Size		size;

		if (TypedEncodings[c].kind != (kind == VALUE_NUMERIC ? VALUE_INTEGER : kind))
			continue;
		size = header_size + EpCodecs[TypedEncodings[c].codec].encoded_size(images, n);
		if (size < best_size)
		{
			best = kind == VALUE_NUMERIC ? COLUMNAR_ENCODING_DECIMAL : TypedEncodings[c].encoding;
			best_size = size;
			best_codec = TypedEncodings[c].codec;
		}
	}
	dict->entries = -1;
	if (TYPED_ENCODINGS_AVAILABLE)
	{
		PlanDictionary(att, values, n, buf->len, best_size, dict);
		if (dict->entries > 0 && dict->size < best_size)
		{
			best = COLUMNAR_ENCODING_DICTIONARY;
			best_size = dict->size;
		}
	}

	if (best == COLUMNAR_ENCODING_PLAIN)
		AppendPlain(buf, att, values, n);
	else if (best == COLUMNAR_ENCODING_DICTIONARY)
		AppendDictionary(buf, att, n, dict);
	else
	{
		if (best == COLUMNAR_ENCODING_DECIMAL)
		{
			DecimalHeader hdr = {0};

			hdr.count = (uint32) n;
			hdr.dscale = (uint16) dscale;
			hdr.codec = (uint8) best_codec;
			appendBinaryStringInfo(buf, (char *) &hdr, sizeof(hdr));
		}
		enlargeStringInfo(buf, best_size - header_size);
		EpCodecs[best_codec].encode(images, n, buf->data + buf->len);
		buf->len += best_size - header_size;
		buf->data[buf->len] = '\0';
	}
	return best;
}

/* Appends the null bitmap of nulls[0..count): bit set = not NULL. */
static void
AppendNullBitmap(StringInfo buf, const bool *nulls, int count)
{
	int			bitmap_bytes = NULL_BITMAP_BYTES(count);

	Assert(buf->len == 0);
	enlargeStringInfo(buf, bitmap_bytes);
	memset(buf->data, 0, bitmap_bytes);
	for (int i = 0; i < count; i++)
		if (!nulls[i])
			buf->data[i / 8] |= (char) (1 << (i % 8));
	buf->len = bitmap_bytes;
	buf->data[buf->len] = '\0';
}

/*
 * ColumnarHashFunction - the extended hash function of the default hash
 * opclass of "att"'s type (equal values hash alike), for ColumnarHash;
 * NULL when the type has none.
 */
FmgrInfo *
ColumnarHashFunction(Form_pg_attribute att)
{
	TypeCacheEntry *tce = lookup_type_cache(att->atttypid,
											TYPECACHE_HASH_EXTENDED_PROC_FINFO);

	return OidIsValid(tce->hash_extended_proc_finfo.fn_oid) ?
		&tce->hash_extended_proc_finfo : NULL;
}

/*
 * A bloom filter of values[0..n) of column "att", hashed under the column's
 * collation; NULL when the type cannot be hashed.
 */
static bytea *
BuildBloom(Form_pg_attribute att, const Datum *values, int n)
{
	FmgrInfo   *hash = ColumnarHashFunction(att);
	int			size = EpBloomBytes(n);
	bytea	   *bloom;

	if (hash == NULL)
		return NULL;
	bloom = palloc0(VARHDRSZ + size);
	SET_VARSIZE(bloom, VARHDRSZ + size);
	for (int i = 0; i < n; i++)
		EpBloomAdd((unsigned char *) VARDATA(bloom), size,
				   ColumnarHash(hash, att->attcollation, values[i]));
	return bloom;
}

/*
 * The stored bytes of a PLAIN chunk "raw" (values[0..n) from values_offset)
 * as compressed frames, into *stored; false when the chunk is too small to
 * cut or the frames do not save an eighth of the bytes.
 */
static bool
FramedBytes(Form_pg_attribute att, StringInfo raw, int values_offset, const Datum *values,
			int n, EpCompression method, int level, StringInfo stored)
{
	int			values_bytes = raw->len - values_offset;
	int			target = Max(FRAME_TARGET_BYTES, values_bytes / COLUMNAR_MAX_FRAMES + 1);
	ColumnarFrame frames[COLUMNAR_MAX_FRAMES] = {{0}};
	FrameTableHeader hdr = {0};
	int			offset = values_offset;

	if (values_bytes < 2 * FRAME_TARGET_BYTES)
		return false;
	hdr.nframes = 1;
	frames[0].raw_offset = values_offset;
	for (int i = 0; i < n; i++)
	{
		int			start = att_align_nominal(offset, att->attalign);

		if (start - (int) frames[hdr.nframes - 1].raw_offset >= target &&
			hdr.nframes < COLUMNAR_MAX_FRAMES)
		{
			frames[hdr.nframes].first_value = (uint32) i;
			frames[hdr.nframes++].raw_offset = start;
		}
		offset = start + PlainValueSize(att, values[i]);
	}
	Assert(offset == raw->len);

	initStringInfo(stored);
	appendBinaryStringInfo(stored, (char *) &hdr, sizeof(hdr));
	appendBinaryStringInfo(stored, (char *) frames, sizeof(ColumnarFrame) * hdr.nframes);
	appendBinaryStringInfo(stored, raw->data, values_offset);
	for (uint32 f = 0; f < hdr.nframes; f++)
	{
		int			end = f + 1 < hdr.nframes ? (int) frames[f + 1].raw_offset : raw->len;
		int			size = end - (int) frames[f].raw_offset;
		int			compressed_size;
		char	   *compressed = EpCompress(method, level, raw->data + frames[f].raw_offset,
											size, &compressed_size);

		frames[f].stored_offset = stored->len;
		frames[f].stored_size = compressed != NULL ? compressed_size : size;
		appendBinaryStringInfo(stored, compressed != NULL ? compressed :
							   raw->data + frames[f].raw_offset, frames[f].stored_size);
		if (compressed != NULL)
			pfree(compressed);
	}
	memcpy(stored->data + sizeof(hdr), frames, sizeof(ColumnarFrame) * hdr.nframes);
	if (stored->len > raw->len - raw->len / 8)
	{
		pfree(stored->data);
		return false;
	}
	return true;
}

/*
 * Serializes a min/max datum of attribute "att" as bytea: the datum's image
 * (by-value types as stored in a tuple).  Returns NULL for values too long to
 * be worth a zone map entry.
 */
#define COLUMNAR_MAX_MINMAX_BYTES 256

static bytea *
MinMaxImage(Datum value, Form_pg_attribute att)
{
	Size		size = att->attbyval ? (Size) att->attlen : datumGetSize(value, false, att->attlen);
	bytea	   *result;

	if (size > COLUMNAR_MAX_MINMAX_BYTES)
		return NULL;
	result = palloc(VARHDRSZ + size);
	SET_VARSIZE(result, VARHDRSZ + size);
	if (att->attbyval)
		store_att_byval(VARDATA(result), value, att->attlen);
	else
		memcpy(VARDATA(result), DatumGetPointer(value), size);
	return result;
}

/*
 * Sets the chunk's min/max images from min and max; none when either is too
 * long to keep.
 */
static void
SetMinMaxImages(ColumnarChunk *chunk, Form_pg_attribute att, Datum min, Datum max)
{
	chunk->min_image = MinMaxImage(min, att);
	chunk->max_image = MinMaxImage(max, att);
	chunk->has_minmax = chunk->min_image != NULL && chunk->max_image != NULL;
	if (!chunk->has_minmax)
		chunk->min_image = chunk->max_image = NULL;
}

/*
 * ColumnarEncodeChunk - encode values[0..count) of column "att" in the
 * smallest encoding its type admits, compress with "compression" at
 * "compression_level" (kept only if it saves an eighth of the bytes at
 * least, a quarter for typed encodings: every read pays for decompressing;
 * the chunk records which method was used) and fill "chunk" but for where
 * its bytes go, with min/max images and, when "with_bloom", a bloom filter
 * of its values (no other pointer of "chunk" is set).  Returns the
 * bytes to store (chunk->stored_size of them; NULL when every value is
 * NULL), for ColumnarStoreChunk.  Needs no relation: a load's background
 * worker encodes too.  Allocations go to the current memory context
 * (ColumnarKeepChunkMetadata copies what the catalog row needs out of it).
 */
char *
ColumnarEncodeChunk(Form_pg_attribute att, Datum *values, bool *nulls, int count,
					EpCompression compression, int compression_level, bool with_bloom,
					ColumnarChunk *chunk)
{
	StringInfoData buf;
	StringInfoData framed;
	DictionaryPlan dict = {0};
	Datum	   *present;
	int			n = 0;
	Datum	   *distinct;
	int			ndistinct;
	int			min_at;
	int			max_at;
	Size		values_plain;
	char	   *compressed;
	int			compressed_size;

	memset(chunk, 0, sizeof(ColumnarChunk));
	chunk->row_count = count;
	chunk->encoding = COLUMNAR_ENCODING_PLAIN;
	for (int i = 0; i < count; i++)
		chunk->null_count += nulls[i] ? 1 : 0;
	if (chunk->null_count == count)
		return NULL;			/* all NULL: no bytes */

	initStringInfo(&buf);
	if (chunk->null_count > 0)
		AppendNullBitmap(&buf, nulls, count);

	/* The non-NULL values, detoasted. */
	present = palloc(sizeof(Datum) * (count - chunk->null_count));
	for (int i = 0; i < count; i++)
	{
		if (!nulls[i])
			present[n++] = att->attlen == -1 ?
				PointerGetDatum(PG_DETOAST_DATUM(values[i])) : values[i];
	}
	values_plain = PlainSize(att, present, n, buf.len);
	chunk->plain_size = (int64) (buf.len + values_plain);
	chunk->encoding = AppendEncoded(&buf, att, present, n, values_plain, &dict, &min_at,
									&max_at);
	chunk->raw_size = buf.len;
	if (min_at >= 0)
		SetMinMaxImages(chunk, att, present[min_at], present[max_at]);
	/* min/max (and bloom) over the distinct values when the dictionary has them */
	distinct = dict.entries > 0 ? dict.values : present;
	ndistinct = dict.entries > 0 ? dict.entries : n;
	if (min_at < 0)
		SetMinMax(chunk, att, distinct, ndistinct);
	if (with_bloom)
		chunk->bloom = BuildBloom(att, distinct, ndistinct);

	if (chunk->encoding == COLUMNAR_ENCODING_PLAIN && compression != EP_COMPRESSION_NONE &&
		FramedBytes(att, &buf, chunk->null_count > 0 ? NULL_BITMAP_BYTES(count) : 0,
					present, n, compression, compression_level, &framed))
	{
		chunk->compression = compression | COLUMNAR_COMPRESSION_FRAMED;
		chunk->stored_size = framed.len;
		return framed.data;
	}
	compressed = EpCompress(compression, compression_level, buf.data, buf.len,
							&compressed_size);
	if (compressed != NULL &&
		compressed_size > buf.len - buf.len / (chunk->encoding == COLUMNAR_ENCODING_PLAIN ? 8 : 4))
	{
		pfree(compressed);
		compressed = NULL;
	}
	if (compressed != NULL)
	{
		chunk->compression = compression;
		chunk->stored_size = compressed_size;
		return compressed;
	}
	chunk->compression = EP_COMPRESSION_NONE;
	chunk->stored_size = buf.len;
	return buf.data;
}

/*
 * ColumnarStoreChunk - write the bytes ColumnarEncodeChunk returned for
 * "chunk" (none: nothing to write) as a new value of the table's TOAST
 * relation, and record where they went.
 */
void
ColumnarStoreChunk(Relation rel, ColumnarChunk *chunk, const char *stored)
{
	if (stored == NULL)
		return;
	chunk->toast_value = ColumnarToastWrite(rel, stored, chunk->stored_size,
											&chunk->piece_runs, &chunk->piece_run_count);
}

/*
 * ColumnarKeepChunkMetadata - copy what ColumnarEncodeChunk and
 * ColumnarStoreChunk allocated for "chunk"'s catalog row (min/max images,
 * bloom filter, piece runs) into the current memory context, so that the
 * context they ran in can be reset.
 */
void
ColumnarKeepChunkMetadata(ColumnarChunk *chunk)
{
	if (chunk->min_image != NULL)
	{
		chunk->min_image = DatumGetByteaPCopy(PointerGetDatum(chunk->min_image));
		chunk->max_image = DatumGetByteaPCopy(PointerGetDatum(chunk->max_image));
	}
	if (chunk->bloom != NULL)
		chunk->bloom = DatumGetByteaPCopy(PointerGetDatum(chunk->bloom));
	if (chunk->piece_runs != NULL)
	{
		Size		size = sizeof(ColumnarPieceRun) * chunk->piece_run_count;
		ColumnarPieceRun *copy = palloc(size);

		memcpy(copy, chunk->piece_runs, size);
		chunk->piece_runs = copy;
	}
}

static void
ReportCorruptChunk(Relation rel, Form_pg_attribute att, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("corrupt chunk in column \"%s\" of columnar table \"%s\"",
					NameStr(att->attname), RelationGetRelationName(rel)),
			 errdetail("%s", detail)));
}

/*
 * Buffers of chunk data outlive the reads that used them: the next read
 * takes them back instead of allocating fresh memory, whose page faults
 * cost an index fetch (one short read per statement) more than decoding.
 * At most SPARE_BUFFERS buffers of SPARE_BYTES in all are kept.
 */
#define SPARE_BUFFERS	64
#define SPARE_BYTES		((Size) 16 * 1024 * 1024)

static struct
{
	void	   *space;
	Size		size;
}			Spares[SPARE_BUFFERS];
static int	SpareCount = 0;
static Size SpareBytes = 0;

/* A buffer of at least "size" bytes, spare if one fits; *allocated: its size. */
static void *
TakeBuffer(Size size, int32 *allocated)
{
	int			best = -1;
	void	   *space;

	for (int i = 0; i < SpareCount; i++)
		if (Spares[i].size >= size && (best < 0 || Spares[i].size < Spares[best].size))
			best = i;
	if (best < 0)
	{
		*allocated = (int32) size;
		return MemoryContextAlloc(TopMemoryContext, size);
	}
	space = Spares[best].space;
	*allocated = (int32) Spares[best].size;
	SpareBytes -= Spares[best].size;
	Spares[best] = Spares[--SpareCount];
	return space;
}

/* Keeps a buffer for the next read, or frees it when enough are kept. */
static void
GiveBackBuffer(void *space, Size size)
{
	if (space == NULL)
		return;
	if (SpareCount == SPARE_BUFFERS || SpareBytes + size > SPARE_BYTES)
	{
		pfree(space);
		return;
	}
	Spares[SpareCount].space = space;
	Spares[SpareCount].size = size;
	SpareCount++;
	SpareBytes += size;
}

/* Reset callback of a chunk's context: its buffers become spare. */
static void
GiveBackChunkBuffers(void *arg)
{
	ColumnarChunkData *data = (ColumnarChunkData *) arg;

	GiveBackBuffer(data->raw_space, data->raw_allocated);
	GiveBackBuffer(data->stored, data->stored_allocated);
	GiveBackBuffer(data->values, data->values_allocated);
	GiveBackBuffer(data->nulls, data->nulls_allocated);
	GiveBackBuffer(data->numerics, data->numerics_allocated);
	GiveBackBuffer(data->scaled, data->scaled_allocated);
	memset(data, 0, sizeof(ColumnarChunkData));
}

/*
 * ColumnarInitChunkData - an empty chunk, whose buffers are given back when
 * "context" is reset or deleted.  Initialise once per reset of "context".
 */
void
ColumnarInitChunkData(ColumnarChunkData *data, MemoryContext context)
{
	MemoryContextCallback *callback = MemoryContextAlloc(context, sizeof(MemoryContextCallback));

	memset(data, 0, sizeof(ColumnarChunkData));
	callback->func = GiveBackChunkBuffers;
	callback->arg = data;
	MemoryContextRegisterResetCallback(context, callback);
}

/*
 * A buffer of at least "size" bytes in place of "space" (whose contents are
 * lost) when that is smaller; *allocated is its size.  Grows at least
 * twofold, so chunks of slowly growing sizes do not reallocate each time.
 */
static void *
Room(void *space, int32 *allocated, Size size)
{
	if (space != NULL && size <= (Size) *allocated)
		return space;
	GiveBackBuffer(space, *allocated);
	return TakeBuffer(Min(Max(size, (Size) *allocated * 2), MaxAllocSize), allocated);
}

/*
 * Fetches "length" stored bytes of "chunk" from "offset" on from the
 * table's TOAST relation into the varlena "dst", which has room for them,
 * through the chunk data's TOAST reader when it has one.  The TOAST code
 * reports a missing, short or long value as corruption.
 */
static void
FetchChunkBytes(Relation rel, ColumnarChunk *chunk, ColumnarChunkData *data, int offset,
				int length, struct varlena *dst)
{
	ColumnarToastReader *toast = data->toast != NULL ? data->toast :
		ColumnarToastReaderOpen(rel);

	SET_VARSIZE(dst, VARHDRSZ + length);
	ColumnarToastFetch(toast, chunk->toast_value, chunk->stored_size, chunk->piece_runs,
					   chunk->piece_run_count, offset, length, VARDATA(dst));
	if (toast != data->toast)
		ColumnarToastReaderClose(toast);
}

/* Where frame "f" of a framed chunk ends in the decoded buffer. */
static inline int
FrameRawEnd(const ColumnarChunkData *data, int f)
{
	return f + 1 < data->nframes ? (int) data->frames[f + 1].raw_offset : data->raw_size;
}

/*
 * Reads and checks the frame table at the start of a framed chunk's stored
 * bytes "prefix" ("size" of them), and copies the null bitmap that follows
 * it into the decoded buffer.
 */
static void
ReadFrameTable(Relation rel, Form_pg_attribute att, ColumnarChunk *chunk,
			   ColumnarChunkData *data, const char *prefix, int size)
{
	FrameTableHeader hdr;
	int			bitmap_bytes = chunk->null_count > 0 ? NULL_BITMAP_BYTES(chunk->row_count) : 0;
	int			table_end;
	int			frames_start;

	if (size < (int) sizeof(hdr))
		ReportCorruptChunk(rel, att, "The frame table is truncated.");
	memcpy(&hdr, prefix, sizeof(hdr));
	if (hdr.nframes < 1 || hdr.nframes > COLUMNAR_MAX_FRAMES || hdr.pad != 0 ||
		chunk->encoding != COLUMNAR_ENCODING_PLAIN)
		ReportCorruptChunk(rel, att, "The frame table is invalid.");
	table_end = sizeof(hdr) + hdr.nframes * sizeof(ColumnarFrame);
	frames_start = table_end + bitmap_bytes;
	if (frames_start > size)
		ReportCorruptChunk(rel, att, "The frame table is truncated.");
	memcpy(data->frames, prefix + sizeof(hdr), hdr.nframes * sizeof(ColumnarFrame));
	data->nframes = (int32) hdr.nframes;
	data->frames_loaded = 0;
	for (int f = 0; f < data->nframes; f++)
	{
		ColumnarFrame *fr = &data->frames[f];
		int64		raw_bytes;

		if ((f == 0 && (fr->first_value != 0 || fr->raw_offset != (uint32) bitmap_bytes)) ||
			(f > 0 && (fr->first_value <= fr[-1].first_value ||
					   fr->raw_offset <= fr[-1].raw_offset)) ||
			fr->first_value >= (uint32) (chunk->row_count - chunk->null_count) ||
			fr->raw_offset >= (uint32) chunk->raw_size)
			ReportCorruptChunk(rel, att, "The frame table is invalid.");
		raw_bytes = (int64) FrameRawEnd(data, f) - fr->raw_offset;
		if (fr->stored_offset < (uint32) frames_start || fr->stored_size == 0 ||
			fr->stored_size > raw_bytes ||
			(int64) fr->stored_offset + fr->stored_size > chunk->stored_size)
			ReportCorruptChunk(rel, att, "The frame table is invalid.");
	}
	memcpy(data->raw, prefix + table_end, bitmap_bytes);
}

/*
 * Puts frame "f" of a framed chunk into the decoded buffer, from "stored"
 * (the chunk's stored bytes) or, when NULL, fetching the frame's bytes.
 */
static void
LoadFrame(Relation rel, Form_pg_attribute att, ColumnarChunk *chunk, ColumnarChunkData *data,
		  int f, const char *stored)
{
	ColumnarFrame *fr = &data->frames[f];
	int			raw_bytes = FrameRawEnd(data, f) - (int) fr->raw_offset;
	const char *src;

	if (stored != NULL)
		src = stored + fr->stored_offset;
	else
	{
		data->stored = Room(data->stored, &data->stored_allocated,
							VARHDRSZ + (Size) fr->stored_size);
		FetchChunkBytes(rel, chunk, data, (int) fr->stored_offset, (int) fr->stored_size,
						data->stored);
		src = VARDATA(data->stored);
	}
	if ((int) fr->stored_size == raw_bytes)
		memcpy(data->raw + fr->raw_offset, src, raw_bytes);
	else
		EpDecompress((EpCompression) (chunk->compression & ~COLUMNAR_COMPRESSION_FRAMED), src,
					 (int) fr->stored_size, data->raw + fr->raw_offset, raw_bytes,
					 "a columnar chunk frame");
	data->frames_loaded |= UINT64CONST(1) << f;
}

/*
 * Point reads of an uncompressed chunk of 2 to 64 TOAST pieces load only
 * the pieces that hold what they read: the null bitmap and the headers
 * (HEAD_BYTES after the bitmap cover every encoding's), then each value's
 * bytes, which the encoding computes from its header.  Only encodings whose
 * single values have computable places qualify.
 */
#define PIECE_BYTES			TOAST_MAX_CHUNK_SIZE
#define HEAD_BYTES			COLUMNAR_CHUNK_HEAD_BYTES

StaticAssertDecl(sizeof(DictionaryHeader) <= HEAD_BYTES &&
				 sizeof(DecimalHeader) + EP_CODEC_HEADER_BYTES <= HEAD_BYTES,
				 "COLUMNAR_CHUNK_HEAD_BYTES is too small");

static bool
LoadableByPieces(Form_pg_attribute att, ColumnarChunk *chunk, ColumnarChunkData *data)
{
	int			pieces = (chunk->raw_size + PIECE_BYTES - 1) / PIECE_BYTES;

	if (data->toast == NULL || pieces < 2 || pieces > COLUMNAR_MAX_PARTIAL_PIECES)
		return false;
	switch ((ColumnarEncoding) chunk->encoding)
	{
		case COLUMNAR_ENCODING_BITPACK:
		case COLUMNAR_ENCODING_DELTA:
		case COLUMNAR_ENCODING_DICTIONARY:
		case COLUMNAR_ENCODING_DECIMAL:
			return true;
		case COLUMNAR_ENCODING_PLAIN:
			return att->attlen > 0;
		default:
			return false;
	}
}

/*
 * Keeps stored bytes [offset, offset + size) of "chunk", read from "bytes",
 * with its metadata for the next point read, when they are few and the
 * metadata has a context for them (see ColumnarChunk).
 */
static void
RememberBytes(ColumnarChunk *chunk, int offset, const char *bytes, int size)
{
	if (chunk->memo != NULL || chunk->memo_context == NULL || size <= 0 ||
		size > COLUMNAR_MEMO_MAX_BYTES)
		return;
	chunk->memo = MemoryContextAlloc(chunk->memo_context, size);
	memcpy(chunk->memo, bytes, size);
	chunk->memo_offset = offset;
	chunk->memo_size = size;
}

/* Copies stored bytes [offset, offset + size) to "dst" if the memo has them. */
static bool
RecallBytes(ColumnarChunk *chunk, int offset, int size, char *dst)
{
	if (chunk->memo == NULL || chunk->memo_offset != offset || chunk->memo_size != size)
		return false;
	memcpy(dst, chunk->memo, size);
	return true;
}

/*
 * Makes bytes [offset, offset + length) of a chunk loaded piece by piece
 * present in the buffer (clipped to it), fetching the pieces from the
 * first missing one to the last missing one in one TOAST read.
 */
static void
NeedBytes(ColumnarChunkData *data, int64 offset, int64 length)
{
	int64		end = Min(offset + length, (int64) data->raw_size);
	int			first;
	int			last;
	int			from;
	int			to;

	if (!OidIsValid(data->partial_value) || offset >= end || end <= data->head_loaded ||
		offset >= data->tail_from)
		return;
	first = (int) (Max(offset, 0) / PIECE_BYTES);
	last = (int) ((end - 1) / PIECE_BYTES);
	while (first <= last && (data->pieces_loaded & (UINT64CONST(1) << first)) != 0)
		first++;
	while (last >= first && (data->pieces_loaded & (UINT64CONST(1) << last)) != 0)
		last--;
	if (first > last)
		return;
	from = first * PIECE_BYTES;
	to = Min((last + 1) * PIECE_BYTES, data->raw_size);
	ColumnarToastFetch(data->toast, data->partial_value, data->raw_size,
					   data->partial_run_count > 0 ? data->partial_runs : NULL,
					   data->partial_run_count, from, to - from, data->raw + from);
	for (int p = first; p <= last; p++)
		data->pieces_loaded |= UINT64CONST(1) << p;
}

/*
 * Starts loading "chunk" piece by piece: its null bitmap and headers, from
 * the head that an earlier point read left in the chunk's metadata when
 * there is one (a chunk without NULLs; the metadata of row groups is cached
 * by the backend, so a chunk read again skips that fetch).
 */
static void
LoadHead(ColumnarChunk *chunk, ColumnarChunkData *data)
{
	data->partial_value = chunk->toast_value;
	data->partial_run_count = Min(chunk->piece_run_count, COLUMNAR_MAX_PARTIAL_PIECES);
	if (chunk->piece_runs != NULL)
		memcpy(data->partial_runs, chunk->piece_runs,
			   sizeof(ColumnarPieceRun) * data->partial_run_count);
	data->pieces_loaded = 0;
	data->head_loaded = 0;
	data->tail_from = PG_INT32_MAX;
	if (chunk->null_count > 0)
	{
		NeedBytes(data, 0, NULL_BITMAP_BYTES(chunk->row_count) + HEAD_BYTES);
		return;
	}
	if (chunk->head_known)
	{
		memcpy(data->raw, chunk->head, HEAD_BYTES);
		data->head_loaded = HEAD_BYTES;
		return;
	}
	NeedBytes(data, 0, HEAD_BYTES);
	memcpy(chunk->head, data->raw, HEAD_BYTES);
	chunk->head_known = true;
}

/*
 * Puts whatever a point read left out in the buffer: the frames of a framed
 * chunk not loaded yet, the pieces of a chunk loaded piece by piece.
 */
static void
LoadEverything(Relation rel, Form_pg_attribute att, ColumnarChunk *chunk, ColumnarChunkData *data)
{
	for (int f = 0; f < data->nframes; f++)
		if ((data->frames_loaded & (UINT64CONST(1) << f)) == 0)
			LoadFrame(rel, att, chunk, data, f, NULL);
	NeedBytes(data, 0, data->raw_size);
	data->partial_value = InvalidOid;
}

/* Decodes one value at *offset of the raw buffer, checking its bounds. */
static Datum
ReadValue(Relation rel, Form_pg_attribute att, char *raw, int raw_size, int *offset)
{
	int			start = att_align_nominal(*offset, att->attalign);
	Size		size;

	if (att->attlen > 0)
		size = att->attlen;
	else if (att->attlen == -1)
	{
		if (start > raw_size - VARHDRSZ || !VARATT_IS_4B_U(raw + start) ||
			VARSIZE(raw + start) < VARHDRSZ)
			ReportCorruptChunk(rel, att, "A variable-length value has an invalid header.");
		size = VARSIZE(raw + start);
	}
	else
	{
		char	   *end = start < raw_size ? memchr(raw + start, '\0', raw_size - start) : NULL;

		if (end == NULL)
			ReportCorruptChunk(rel, att, "A string value is not terminated.");
		size = end - (raw + start) + 1;
	}
	if (start > raw_size || size > (Size) (raw_size - start))
		ReportCorruptChunk(rel, att, "A value extends past the end of the chunk.");
	*offset = start + size;
	return fetch_att(raw + start, att->attbyval, att->attlen);
}

/*
 * Checks the chunk's null bitmap, if it has one, against its null count;
 * returns the offset of the values.
 */
static int
CheckNullBitmap(Relation rel, Form_pg_attribute att, ColumnarChunk *chunk, const char *raw)
{
	int			bitmap_bytes = NULL_BITMAP_BYTES(chunk->row_count);

	if (chunk->null_count == 0)
		return 0;
	if (bitmap_bytes > chunk->raw_size)
		ReportCorruptChunk(rel, att, "The null bitmap is truncated.");
	if (pg_popcount(raw, bitmap_bytes) != (uint64) (chunk->row_count - chunk->null_count))
		ReportCorruptChunk(rel, att, "The null bitmap does not match the null count.");
	return bitmap_bytes;
}

/*
 * Fetches an uncompressed chunk whole; a point read keeps a small one (one
 * TOAST piece) in the memo and finds it there the next time.
 */
static void
LoadUncompressed(Relation rel, ColumnarChunk *chunk, ColumnarChunkData *data, bool whole)
{
	if (!whole && RecallBytes(chunk, 0, chunk->raw_size, data->raw))
		return;
	FetchChunkBytes(rel, chunk, data, 0, chunk->stored_size,
					(struct varlena *) (data->raw - VARHDRSZ));
	if (!whole)
		RememberBytes(chunk, 0, data->raw, chunk->raw_size);
}

/*
 * Fetches and decompresses a compressed chunk (for a point read of a
 * framed one, "whole" false, its frame table only).  A point read keeps a
 * small chunk decompressed in the memo and finds it there the next time,
 * else keeps its stored bytes when they are small (the sizes tell which is
 * kept: compressed chunks are smaller stored than raw).
 */
static void
LoadCompressed(Relation rel, Form_pg_attribute att, ColumnarChunk *chunk,
			   ColumnarChunkData *data, bool whole)
{
	int			method = chunk->compression & ~COLUMNAR_COMPRESSION_FRAMED;
	bool		framed = (chunk->compression & COLUMNAR_COMPRESSION_FRAMED) != 0;
	bool		keep_raw = !whole && !framed && chunk->raw_size <= COLUMNAR_MEMO_MAX_BYTES;
	int			fetch = framed && !whole ?
		Min(chunk->stored_size, (int) FRAME_PREFIX_MAX_BYTES(chunk->row_count)) :
		chunk->stored_size;

	if (keep_raw && RecallBytes(chunk, 0, chunk->raw_size, data->raw))
		return;
	data->stored = Room(data->stored, &data->stored_allocated, VARHDRSZ + (Size) fetch);
	if (whole)
		FetchChunkBytes(rel, chunk, data, 0, fetch, data->stored);
	else if (RecallBytes(chunk, 0, fetch, VARDATA(data->stored)))
		SET_VARSIZE(data->stored, VARHDRSZ + fetch);
	else
	{
		FetchChunkBytes(rel, chunk, data, 0, fetch, data->stored);
		if (!keep_raw)
			RememberBytes(chunk, 0, VARDATA(data->stored), fetch);
	}
	if (framed)
	{
		ReadFrameTable(rel, att, chunk, data, VARDATA(data->stored), fetch);
		for (int f = 0; whole && f < data->nframes; f++)
			LoadFrame(rel, att, chunk, data, f, VARDATA(data->stored));
		return;
	}
	EpDecompress((EpCompression) method, VARDATA(data->stored), chunk->stored_size,
				 data->raw, chunk->raw_size, "a columnar chunk");
	if (keep_raw)
		RememberBytes(chunk, 0, data->raw, chunk->raw_size);
}

/*
 * ColumnarLoadChunk - read the stored bytes of "chunk" of column "att" into
 * "data" and decompress them, checking the header and the null bitmap.
 * When not "whole", a framed chunk loads only its frame table and null
 * bitmap: ColumnarLoadedChunkValue loads the frames it reads.  The values
 * are decoded afterwards: all at once (ColumnarDecodeLoadedChunk) or one
 * at a time (ColumnarLoadedChunkValue).
 */
void
ColumnarLoadChunk(Relation rel, Form_pg_attribute att, ColumnarChunk *chunk,
				  ColumnarChunkData *data, bool whole)
{
	int			count = chunk->row_count;
	int			method = chunk->compression & ~COLUMNAR_COMPRESSION_FRAMED;
	bool		framed = (chunk->compression & COLUMNAR_COMPRESSION_FRAMED) != 0;

	if (count <= 0 || chunk->null_count < 0 || chunk->null_count > count ||
		chunk->encoding < 0 || chunk->encoding >= COLUMNAR_ENCODING_COUNT ||
		(method != EP_COMPRESSION_NONE && method != EP_COMPRESSION_LZ4 &&
		 method != EP_COMPRESSION_ZSTD) || (framed && method == EP_COMPRESSION_NONE))
		ReportCorruptChunk(rel, att, "The chunk header is invalid.");
	data->row_count = count;
	data->decoded = false;
	data->raw_size = 0;
	data->values_offset = 0;
	data->nframes = 0;
	data->partial_value = InvalidOid;
	if (chunk->null_count == count)
		return;					/* all NULL: no bytes */
	if (chunk->raw_size <= 0 || chunk->stored_size <= 0 ||
		(method == EP_COMPRESSION_NONE && chunk->stored_size != chunk->raw_size))
		ReportCorruptChunk(rel, att, "The chunk sizes are invalid.");

	/* raw is MAXALIGNed, with room before it for a varlena header */
	data->raw_space = Room(data->raw_space, &data->raw_allocated,
						   MAXALIGN(VARHDRSZ) + (Size) chunk->raw_size);
	data->raw = data->raw_space + MAXALIGN(VARHDRSZ);
	data->raw_size = chunk->raw_size;
	if (method == EP_COMPRESSION_NONE && !whole && LoadableByPieces(att, chunk, data))
		LoadHead(chunk, data);
	else if (method == EP_COMPRESSION_NONE)
		LoadUncompressed(rel, chunk, data, whole);
	else
		LoadCompressed(rel, att, chunk, data, whole);
	data->values_offset = CheckNullBitmap(rel, att, chunk, data->raw);
}

/*
 * Where PLAIN value "k" of a fixed-length type starts, the values following
 * "offset": they follow one another at a stride of the length rounded up to
 * the alignment, from the first aligned offset.
 */
static inline int64
FixedPlainStart(Form_pg_attribute att, int offset, int k)
{
	return att_align_nominal(offset, att->attalign) +
		(int64) k * att_align_nominal(att->attlen, att->attalign);
}

/*
 * PLAIN of the "n" non-NULL values of a fixed-length type: the bounds are
 * checked once and each value is read at its place (a by-reference value
 * points there).
 */
static void
DecodePlainFixed(Relation rel, Form_pg_attribute att, ColumnarChunkData *data, int n)
{
	int			stride = att_align_nominal(att->attlen, att->attalign);
	const char *p;

	/* the last value ends unpadded */
	if ((n == 0 ? (int64) data->values_offset :
		 FixedPlainStart(att, data->values_offset, n - 1) + att->attlen) != data->raw_size)
		ReportCorruptChunk(rel, att, "The chunk's size does not match its values.");
	p = data->raw + FixedPlainStart(att, data->values_offset, 0);
	if (n == data->row_count && att->attbyval && att->attlen == sizeof(Datum))
	{
		/* no NULLs, Datum-sized values one after another: a copy */
		memcpy(data->values, p, sizeof(Datum) * (Size) n);
		return;
	}
	for (int i = 0; i < data->row_count; i++)
	{
		if (data->nulls[i])
			continue;
		data->values[i] = fetch_att(p, att->attbyval, att->attlen);
		p += stride;
	}
}

/* PLAIN: each of the "n" non-NULL rows' values, read in place. */
static void
DecodePlain(Relation rel, Form_pg_attribute att, ColumnarChunkData *data, int n)
{
	int			offset = data->values_offset;

	if (att->attlen > 0)
	{
		DecodePlainFixed(rel, att, data, n);
		return;
	}
	for (int i = 0; i < data->row_count; i++)
	{
		if (!data->nulls[i])
			data->values[i] = ReadValue(rel, att, data->raw, data->raw_size, &offset);
	}
	if (offset != data->raw_size)
		ReportCorruptChunk(rel, att, "The chunk has bytes past its last value.");
}

/*
 * The codec of a typed encoding, after checking that the column's type
 * admits it.
 */
static const EpCodec *
TypedCodec(Relation rel, Form_pg_attribute att, ColumnarEncoding encoding)
{
	int			codec = -1;

	for (int c = 0; c < lengthof(TypedEncodings); c++)
		if (TypedEncodings[c].encoding == encoding)
			codec = TypedEncodings[c].codec;
	if (codec < 0 || !TYPED_ENCODINGS_AVAILABLE || !att->attbyval ||
		(att->attlen != 2 && att->attlen != 4 && att->attlen != 8) ||
		(encoding == COLUMNAR_ENCODING_GORILLA && att->attlen == 2))
		ReportCorruptChunk(rel, att, "The chunk's encoding does not fit the column's type.");
	return &EpCodecs[codec];
}

/* The Datum of a typed codec's 64-bit image of a value of "att". */
static inline Datum
ImageToValue(Form_pg_attribute att, ColumnarEncoding encoding, uint64 image)
{
	/* a float4 pattern is sign-extended as Float4GetDatum does */
	if (encoding == COLUMNAR_ENCODING_GORILLA && att->attlen == 4)
		return (Datum) (int64) (int32) (uint32) image;
	return (Datum) image;
}

/*
 * A typed codec of codec.h: decodes the "n" non-NULL values into
 * values[0..n).
 */
static void
DecodeTyped(Relation rel, Form_pg_attribute att, ColumnarEncoding encoding,
			ColumnarChunkData *data, int n)
{
	const EpCodec *codec = TypedCodec(rel, att, encoding);
	const char *damage;

	damage = codec->decode(data->raw + data->values_offset,
						   data->raw_size - data->values_offset, n, (uint64 *) data->values);
	if (damage != NULL)
		ReportCorruptChunk(rel, att, damage);
	if (encoding == COLUMNAR_ENCODING_GORILLA && att->attlen == 4)
	{
		for (int i = 0; i < n; i++)
			data->values[i] = ImageToValue(att, encoding, (uint64) data->values[i]);
	}
}

/*
 * Reads and checks the header of a DICTIONARY chunk of "n" non-NULL values;
 * returns the offset of its codes.
 */
static int
ReadDictionaryHeader(Relation rel, Form_pg_attribute att, ColumnarChunkData *data, int n,
					 DictionaryHeader *hdr)
{
	int			codes_at = data->values_offset + (int) sizeof(DictionaryHeader);

	if (!TYPED_ENCODINGS_AVAILABLE ||
		(Size) (data->raw_size - data->values_offset) < sizeof(DictionaryHeader))
		ReportCorruptChunk(rel, att, "The dictionary header is truncated.");
	memcpy(hdr, data->raw + data->values_offset, sizeof(DictionaryHeader));
	if (hdr->count != (uint32) n || hdr->entries < 1 || hdr->entries > (uint32) n ||
		hdr->width > 32)
		ReportCorruptChunk(rel, att, "The dictionary header is invalid.");
	if (EP_BITPACK_BYTES(n, hdr->width) > (Size) (data->raw_size - codes_at))
		ReportCorruptChunk(rel, att, "The dictionary codes are truncated.");
	return codes_at;
}

/*
 * Reads the header and the distinct values of a DICTIONARY chunk of "n"
 * non-NULL values into entries[] (by-reference ones point into the raw
 * bytes); returns the offset of its codes.
 */
static int
ReadDictionary(Relation rel, Form_pg_attribute att, ColumnarChunkData *data, int n,
			   DictionaryHeader *hdr, Datum *entries)
{
	int			codes_at = ReadDictionaryHeader(rel, att, data, n, hdr);
	int			entries_at = codes_at + (int) EP_BITPACK_BYTES(n, hdr->width);

	for (uint32 e = 0; e < hdr->entries; e++)
		entries[e] = ReadValue(rel, att, data->raw, data->raw_size, &entries_at);
	if (entries_at != data->raw_size)
		ReportCorruptChunk(rel, att, "The chunk has bytes past its last value.");
	return codes_at;
}

/*
 * DICTIONARY: reads the distinct values into the scratch half of values[],
 * then maps the "n" codes to them, into values[0..n).
 */
static void
DecodeDictionary(Relation rel, Form_pg_attribute att, ColumnarChunkData *data, int n)
{
	DictionaryHeader hdr;
	Datum	   *entries = data->values + data->row_count;
	int			codes_at = ReadDictionary(rel, att, data, n, &hdr, entries);

	EpBitUnpack(data->raw + codes_at, n, hdr.width, 0, (uint64 *) data->values);
	for (int i = 0; i < n; i++)
	{
		uint64		code = (uint64) data->values[i];

		if (code >= hdr.entries)
			ReportCorruptChunk(rel, att, "A dictionary code is out of range.");
		data->values[i] = entries[code];
	}
}

/*
 * Reads and checks the header of a DECIMAL chunk of "n" non-NULL values;
 * returns the offset of its integers.
 */
static int
ReadDecimalHeader(Relation rel, Form_pg_attribute att, ColumnarChunkData *data, int n,
				  DecimalHeader *hdr)
{
	bool		integer_codec = false;

	if (ColumnValueKind(att) != VALUE_NUMERIC)
		ReportCorruptChunk(rel, att, "The chunk's encoding does not fit the column's type.");
	if ((Size) (data->raw_size - data->values_offset) < sizeof(DecimalHeader))
		ReportCorruptChunk(rel, att, "The decimal header is truncated.");
	memcpy(hdr, data->raw + data->values_offset, sizeof(DecimalHeader));
	for (int c = 0; c < lengthof(TypedEncodings); c++)
		integer_codec |= TypedEncodings[c].kind == VALUE_INTEGER &&
			TypedEncodings[c].codec == hdr->codec;
	if (hdr->count != (uint32) n || hdr->dscale > MAX_DECIMAL_DIGITS || !integer_codec ||
		hdr->pad != 0)
		ReportCorruptChunk(rel, att, "The decimal header is invalid.");
	return data->values_offset + (int) sizeof(DecimalHeader);
}

/* DECIMAL: the "n" integers of the chunk into ints[0..n). */
static void
DecodeDecimalIntegers(Relation rel, Form_pg_attribute att, ColumnarChunkData *data, int n,
					  DecimalHeader *hdr, uint64 *ints)
{
	int			at = ReadDecimalHeader(rel, att, data, n, hdr);
	const char *damage = EpCodecs[hdr->codec].decode(data->raw + at, data->raw_size - at,
													 n, ints);

	if (damage != NULL)
		ReportCorruptChunk(rel, att, damage);
}

/* The numeric image of DECIMAL value "k", written in data->numerics. */
static inline Datum
DecimalImage(ColumnarChunkData *data, int k, int64 value, int dscale)
{
	char	   *image = data->numerics + (Size) k * NUMERIC_IMAGE_STRIDE;

	EpWriteNumeric(value, dscale, dscale, image);
	return PointerGetDatum(image);
}

/*
 * DECIMAL: the "n" non-NULL values as numerics, written into
 * data->numerics, into values[0..n).
 */
static void
DecodeDecimal(Relation rel, Form_pg_attribute att, ColumnarChunkData *data, int n)
{
	DecimalHeader hdr;

	DecodeDecimalIntegers(rel, att, data, n, &hdr, (uint64 *) data->values);
	data->numerics = Room(data->numerics, &data->numerics_allocated,
						  (Size) n * NUMERIC_IMAGE_STRIDE);
	for (int i = 0; i < n; i++)
		data->values[i] = DecimalImage(data, i, (int64) data->values[i], hdr.dscale);
}

/*
 * Moves the "n" non-NULL values from values[0..n) to their rows of
 * row_count, from the last row down, so that no value is overwritten
 * before it moves.
 */
static void
SpreadValues(uint64 *values, const bool *nulls, int row_count, int n)
{
	int			k = n;

	for (int i = row_count - 1; i >= 0; i--)
		values[i] = nulls[i] ? 0 : values[--k];
	Assert(k == 0);
}

/* Fills data->nulls from the chunk's null bitmap. */
static void
DecodeNulls(ColumnarChunk *chunk, ColumnarChunkData *data)
{
	int			count = data->row_count;
	bool		all_null = chunk->null_count == count;

	data->nulls = Room(data->nulls, &data->nulls_allocated, sizeof(bool) * count);
	if (chunk->null_count == 0)
		memset(data->nulls, false, sizeof(bool) * count);
	else
	{
		for (int i = 0; i < count; i++)
			data->nulls[i] = all_null || (data->raw[i / 8] & (1 << (i % 8))) == 0;
	}
}

/*
 * ColumnarDecodeLoadedChunk - decode every value of the chunk that
 * ColumnarLoadChunk put in "data" into data->values and data->nulls.
 */
void
ColumnarDecodeLoadedChunk(Relation rel, Form_pg_attribute att, ColumnarChunk *chunk,
						  ColumnarChunkData *data)
{
	int			count = data->row_count;
	int			n = count - chunk->null_count;

	LoadEverything(rel, att, chunk, data);
	/* values[count..2 * count) is scratch for a dictionary's entries */
	data->values = Room(data->values, &data->values_allocated, sizeof(Datum) * 2 * count);
	DecodeNulls(chunk, data);
	data->decoded = true;
	if (n == 0)
		return;
	switch ((ColumnarEncoding) chunk->encoding)
	{
		case COLUMNAR_ENCODING_PLAIN:
			DecodePlain(rel, att, data, n);
			return;
		case COLUMNAR_ENCODING_DICTIONARY:
			DecodeDictionary(rel, att, data, n);
			break;
		case COLUMNAR_ENCODING_DECIMAL:
			DecodeDecimal(rel, att, data, n);
			break;
		default:
			DecodeTyped(rel, att, (ColumnarEncoding) chunk->encoding, data, n);
			break;
	}
	if (n < count)
		SpreadValues((uint64 *) data->values, data->nulls, count, n);
}

/*
 * ColumnarDecodeLoadedChunkRows - decode the values of rows "rows" (the
 * "count" ascending places of rows in the chunk) into data->values[row] and
 * data->nulls[row], leaving the other places undefined: a dictionary chunk
 * without NULLs reads only those rows' codes; other chunks are decoded
 * whole.  The chunk is not marked decoded.
 */
void
ColumnarDecodeLoadedChunkRows(Relation rel, Form_pg_attribute att, ColumnarChunk *chunk,
							  ColumnarChunkData *data, const int32 *rows, int count)
{
	DictionaryHeader hdr;
	int			n = data->row_count;
	int			codes_at;
	Datum	   *entries;

	if (chunk->encoding != COLUMNAR_ENCODING_DICTIONARY || chunk->null_count > 0 || n == 0)
	{
		ColumnarDecodeLoadedChunk(rel, att, chunk, data);
		return;
	}
	LoadEverything(rel, att, chunk, data);
	data->values = Room(data->values, &data->values_allocated, sizeof(Datum) * 2 * n);
	data->nulls = Room(data->nulls, &data->nulls_allocated, sizeof(bool) * n);
	entries = data->values + n;
	codes_at = ReadDictionary(rel, att, data, n, &hdr, entries);
	for (int i = 0; i < count; i++)
	{
		int			row = rows[i];
		uint64		code = hdr.width == 0 ? 0 :
			EpBitRead(data->raw + codes_at, (uint64) row * hdr.width, hdr.width);

		if (code >= hdr.entries)
			ReportCorruptChunk(rel, att, "A dictionary code is out of range.");
		data->values[row] = entries[code];
		data->nulls[row] = false;
	}
}

/*
 * The integers of a numeric DICTIONARY chunk's entries at their common
 * display scale, into entries[] (room for "n"; each slot holds the entry's
 * Datum until it is replaced by its integer, both 64 bits wide); false when
 * the entries do not share one display scale or do not fit in 64 bits.
 * Sets the offset of the codes and the header.
 */
static bool
ScaledDictionaryEntries(Relation rel, Form_pg_attribute att, ColumnarChunkData *data, int n,
						DictionaryHeader *hdr, int *codes_at, int64 *entries, int *dscale)
{
	*codes_at = ReadDictionary(rel, att, data, n, hdr, (Datum *) entries);
	for (uint32 e = 0; e < hdr->entries; e++)
	{
		int			value_dscale;

		if (!EpNumericAtDisplayScale((Datum) entries[e], &entries[e], &value_dscale) ||
			(e > 0 && value_dscale != *dscale))
			return false;
		*dscale = value_dscale;
	}
	return true;
}

/* DICTIONARY codes of rows "rows" (all rows when NULL) mapped to "entries". */
static void
MapScaledCodes(Relation rel, Form_pg_attribute att, ColumnarChunkData *data, int n,
			   const DictionaryHeader *hdr, int codes_at, const int64 *entries,
			   const int32 *rows, int count)
{
	uint64	   *out = (uint64 *) data->scaled;

	if (rows != NULL)
	{
		for (int i = 0; i < count; i++)
		{
			uint64		code = hdr->width == 0 ? 0 :
				EpBitRead(data->raw + codes_at, (uint64) rows[i] * hdr->width, hdr->width);

			if (code >= hdr->entries)
				ReportCorruptChunk(rel, att, "A dictionary code is out of range.");
			out[rows[i]] = (uint64) entries[code];
		}
		return;
	}
	EpBitUnpack(data->raw + codes_at, n, hdr->width, 0, out);
	for (int i = 0; i < n; i++)
	{
		if (out[i] >= hdr->entries)
			ReportCorruptChunk(rel, att, "A dictionary code is out of range.");
		out[i] = (uint64) entries[out[i]];
	}
}

/*
 * ColumnarDecodeLoadedChunkScaled - the values of a numeric chunk loaded
 * in "data" as 64-bit integers: each value times 10^*scale, where *scale
 * is the display scale of every value, into data->scaled[row], and
 * data->nulls[row].  Only rows "rows" (the "count" ascending places) when
 * "rows" is not NULL and the chunk has no NULL, all rows otherwise.
 * DECIMAL chunks have this form, and DICTIONARY chunks whose entries share
 * a display scale and fit; false for others, with nothing decoded.
 */
bool
ColumnarDecodeLoadedChunkScaled(Relation rel, Form_pg_attribute att, ColumnarChunk *chunk,
								ColumnarChunkData *data, const int32 *rows, int count,
								int *scale)
{
	int			row_count = data->row_count;
	int			n = row_count - chunk->null_count;
	DictionaryHeader dict;
	DecimalHeader hdr;
	int			codes_at = 0;

	if (n > 0 && chunk->encoding != COLUMNAR_ENCODING_DECIMAL &&
		chunk->encoding != COLUMNAR_ENCODING_DICTIONARY)
		return false;
	LoadEverything(rel, att, chunk, data);
	/* scaled[row_count..2 * row_count) is scratch for a dictionary's entries */
	data->scaled = Room(data->scaled, &data->scaled_allocated, sizeof(int64) * 2 * row_count);
	*scale = 0;
	if (n > 0 && chunk->encoding == COLUMNAR_ENCODING_DICTIONARY &&
		!ScaledDictionaryEntries(rel, att, data, n, &dict, &codes_at,
								 data->scaled + row_count, scale))
		return false;
	DecodeNulls(chunk, data);
	if (n == 0)
		return true;
	if (chunk->null_count > 0)
		rows = NULL;
	if (chunk->encoding == COLUMNAR_ENCODING_DICTIONARY)
		MapScaledCodes(rel, att, data, n, &dict, codes_at, data->scaled + row_count, rows, count);
	else if (rows != NULL && ColumnarChunkSeekable(chunk, data))
	{
		int			at = ReadDecimalHeader(rel, att, data, n, &hdr);
		uint64	   *gathered = (uint64 *) data->scaled + row_count;
		const char *damage = EpCodecs[hdr.codec].values_at(data->raw + at, data->raw_size - at,
														   n, rows, count, gathered);

		if (damage != NULL)
			ReportCorruptChunk(rel, att, damage);
		for (int i = 0; i < count; i++)
			data->scaled[rows[i]] = (int64) gathered[i];
		*scale = hdr.dscale;
		return true;
	}
	else
	{
		DecodeDecimalIntegers(rel, att, data, n, &hdr, (uint64 *) data->scaled);
		*scale = hdr.dscale;
	}
	if (n < row_count)
		SpreadValues((uint64 *) data->scaled, data->nulls, row_count, n);
	return true;
}

/*
 * ColumnarChunkSeekable - whether ColumnarLoadedChunkValue can read one
 * value of "chunk", loaded in "data", without decoding those before it.
 */
bool
ColumnarChunkSeekable(ColumnarChunk *chunk, ColumnarChunkData *data)
{
	DecimalHeader hdr;

	switch ((ColumnarEncoding) chunk->encoding)
	{
		case COLUMNAR_ENCODING_PLAIN:
		case COLUMNAR_ENCODING_DICTIONARY:
			return true;
		case COLUMNAR_ENCODING_DECIMAL:
			if (chunk->null_count == chunk->row_count ||
				(Size) (data->raw_size - data->values_offset) < sizeof(DecimalHeader))
				return true;	/* nothing to decode, or an error to report */
			memcpy(&hdr, data->raw + data->values_offset, sizeof(DecimalHeader));
			return hdr.codec < EP_CODEC_COUNT && EpCodecs[hdr.codec].values_at != NULL;
		default:
			for (int c = 0; c < lengthof(TypedEncodings); c++)
				if (TypedEncodings[c].encoding == chunk->encoding)
					return EpCodecs[TypedEncodings[c].codec].values_at != NULL;
			return false;
	}
}

/*
 * PLAIN value "k" of the non-NULL values that start at "offset" and end by
 * "end": computed for fixed-length types, walked to for the others.
 */
static Datum
PlainValueAt(Relation rel, Form_pg_attribute att, ColumnarChunkData *data, int offset, int end,
			 int k)
{
	if (att->attlen > 0)
	{
		int64		start = FixedPlainStart(att, offset, k);

		if (start + att->attlen > end)
			ReportCorruptChunk(rel, att, "A value extends past the end of the chunk.");
		NeedBytes(data, start, att->attlen);
		return fetch_att(data->raw + start, att->attbyval, att->attlen);
	}
	NeedBytes(data, offset, end - offset);
	for (int i = 0; i < k; i++)
		(void) ReadValue(rel, att, data->raw, end, &offset);
	return ReadValue(rel, att, data->raw, end, &offset);
}

/*
 * PLAIN value "k" of a chunk: read inside its frame, which is loaded first,
 * when the chunk is framed.
 */
static Datum
PlainChunkValueAt(Relation rel, Form_pg_attribute att, ColumnarChunk *chunk,
				  ColumnarChunkData *data, int k)
{
	int			f = data->nframes - 1;

	if (data->nframes == 0)
		return PlainValueAt(rel, att, data, data->values_offset, data->raw_size, k);
	while (f > 0 && data->frames[f].first_value > (uint32) k)
		f--;
	if ((data->frames_loaded & (UINT64CONST(1) << f)) == 0)
		LoadFrame(rel, att, chunk, data, f, NULL);
	return PlainValueAt(rel, att, data, (int) data->frames[f].raw_offset, FrameRawEnd(data, f),
						k - (int) data->frames[f].first_value);
}

/*
 * Value "k" of the "n" values that "codec" encoded at "at" in the buffer,
 * fetching its bytes first when the chunk is loaded piece by piece.
 */
static uint64
CodecValueAt(Relation rel, Form_pg_attribute att, const EpCodec *codec,
			 ColumnarChunkData *data, int at, int n, int k)
{
	Size		size = data->raw_size - at;
	Size		start;
	Size		end;
	uint64		image;
	const char *damage;

	if (codec->values_at == NULL)
		elog(ERROR, "columnar encoding \"%s\" has no random access", codec->name);
	if (OidIsValid(data->partial_value))
	{
		codec->value_bytes(data->raw + at, size, n, k, &start, &end);
		NeedBytes(data, at + (int64) start, (int64) end - (int64) start);
	}
	damage = codec->values_at(data->raw + at, size, n, &k, 1, &image);
	if (damage != NULL)
		ReportCorruptChunk(rel, att, damage);
	return image;
}

/*
 * Makes a DICTIONARY chunk's entries, from "entries_at" to its end, present
 * when it is loaded piece by piece: from the memo, or fetched and kept.
 */
static void
NeedEntries(ColumnarChunk *chunk, ColumnarChunkData *data, int entries_at)
{
	int			size = data->raw_size - entries_at;

	if (!OidIsValid(data->partial_value) || entries_at >= data->tail_from || size <= 0)
		return;
	if (!RecallBytes(chunk, entries_at, size, data->raw + entries_at))
	{
		NeedBytes(data, entries_at, size);
		RememberBytes(chunk, entries_at, data->raw + entries_at, size);
	}
	data->tail_from = entries_at;
}

/* DICTIONARY value "k" of the "n" non-NULL values. */
static Datum
DictionaryValueAt(Relation rel, Form_pg_attribute att, ColumnarChunk *chunk,
				  ColumnarChunkData *data, int n, int k)
{
	DictionaryHeader hdr;
	int			codes_at = ReadDictionaryHeader(rel, att, data, n, &hdr);
	int			entries_at;
	uint64		code = 0;

	if (hdr.width > 0)
	{
		uint64		pos = (uint64) k * hdr.width;

		NeedBytes(data, codes_at + (int64) (pos / 64) * sizeof(uint64), 2 * sizeof(uint64));
		code = EpBitRead(data->raw + codes_at, pos, hdr.width);
	}
	if (code >= hdr.entries)
		ReportCorruptChunk(rel, att, "A dictionary code is out of range.");
	entries_at = codes_at + (int) EP_BITPACK_BYTES(n, hdr.width);
	NeedEntries(chunk, data, entries_at);
	return PlainValueAt(rel, att, data, entries_at, data->raw_size, (int) code);
}

/* DECIMAL value "k" of the "n" non-NULL values. */
static Datum
DecimalValueAt(Relation rel, Form_pg_attribute att, ColumnarChunkData *data, int n, int k)
{
	DecimalHeader hdr;
	int			at = ReadDecimalHeader(rel, att, data, n, &hdr);
	uint64		image;

	image = CodecValueAt(rel, att, &EpCodecs[hdr.codec], data, at, n, k);
	data->numerics = Room(data->numerics, &data->numerics_allocated,
						  (Size) n * NUMERIC_IMAGE_STRIDE);
	return DecimalImage(data, k, (int64) image, hdr.dscale);
}

/*
 * ColumnarLoadedChunkValue - the value of row "row" of the chunk that
 * ColumnarLoadChunk put in "data", decoding only what it needs when the
 * chunk is not decoded yet (the chunk must then be seekable).  By-reference
 * values point into "data".
 */
Datum
ColumnarLoadedChunkValue(Relation rel, Form_pg_attribute att, ColumnarChunk *chunk,
						 ColumnarChunkData *data, int row, bool *isnull)
{
	int			n = data->row_count - chunk->null_count;
	int			k = row;		/* the row's place among the non-NULL values */
	uint64		image;

	Assert(row >= 0 && row < data->row_count);
	if (data->decoded)
	{
		*isnull = data->nulls[row];
		return data->values[row];
	}
	*isnull = true;
	if (n == 0)
		return (Datum) 0;
	if (chunk->null_count > 0)
	{
		unsigned char byte = (unsigned char) data->raw[row / 8];

		if ((byte & (1 << (row % 8))) == 0)
			return (Datum) 0;
		k = (int) pg_popcount(data->raw, row / 8) +
			pg_number_of_ones[byte & ((1 << (row % 8)) - 1)];
	}
	*isnull = false;
	switch ((ColumnarEncoding) chunk->encoding)
	{
		case COLUMNAR_ENCODING_PLAIN:
			return PlainChunkValueAt(rel, att, chunk, data, k);
		case COLUMNAR_ENCODING_DICTIONARY:
			return DictionaryValueAt(rel, att, chunk, data, n, k);
		case COLUMNAR_ENCODING_DECIMAL:
			return DecimalValueAt(rel, att, data, n, k);
		default:
			image = CodecValueAt(rel, att, TypedCodec(rel, att, (ColumnarEncoding) chunk->encoding),
								 data, data->values_offset, n, k);
			return ImageToValue(att, (ColumnarEncoding) chunk->encoding, image);
	}
}

