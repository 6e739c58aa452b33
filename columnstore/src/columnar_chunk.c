/*-------------------------------------------------------------------------
 *
 * columnar_chunk.c
 *	  Encodes a run of one column's values into a chunk and decodes it back.
 *
 *	  A chunk's bytes are a value in the table's own TOAST relation, so they
 *	  go through the buffer manager and WAL like any heap data, follow the
 *	  table through TRUNCATE, VACUUM FULL and CLUSTER, and count in its size.
 *
 *	  PLAIN encoding, before compression:
 *	    [null bitmap: row_count bits, bit set = not NULL; only if null_count > 0]
 *	    [values of the non-NULL rows, each aligned as the type's typalign
 *	     requires, relative to the start of the buffer]
 *	  By-value types are stored as in a heap tuple; fixed-length by-reference
 *	  types as their attlen bytes; varlena values detoasted, with a 4-byte
 *	  header; cstrings with their terminator.  A chunk whose rows are all NULL
 *	  stores no bytes.  Decoding checks every length and offset against the
 *	  buffer and reports damage as ERRCODE_DATA_CORRUPTED naming the table.
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
#include "access/toast_internals.h"
#include "columnar.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "utils/datum.h"
#include "utils/typcache.h"

#define NULL_BITMAP_BYTES(rows) (((rows) + 7) / 8)

/* Tracks the minimum and maximum of the values appended to a chunk. */
typedef struct MinMaxState
{
	FmgrInfo   *cmp;			/* the type's btree comparison, or NULL */
	Oid			collation;
	bool		seen;
	Datum		min;
	Datum		max;
} MinMaxState;

static void
InitMinMax(MinMaxState *mm, Form_pg_attribute att)
{
	TypeCacheEntry *tce = lookup_type_cache(att->atttypid, TYPECACHE_CMP_PROC_FINFO);

	mm->cmp = OidIsValid(tce->cmp_proc_finfo.fn_oid) ? &tce->cmp_proc_finfo : NULL;
	mm->collation = att->attcollation;
	mm->seen = false;
	mm->min = mm->max = (Datum) 0;
}

static void
AddMinMax(MinMaxState *mm, Datum value)
{
	if (mm->cmp == NULL)
		return;
	if (!mm->seen)
	{
		mm->min = mm->max = value;
		mm->seen = true;
		return;
	}
	if (DatumGetInt32(FunctionCall2Coll(mm->cmp, mm->collation, value, mm->min)) < 0)
		mm->min = value;
	else if (DatumGetInt32(FunctionCall2Coll(mm->cmp, mm->collation, value, mm->max)) > 0)
		mm->max = value;
}

/* Appends "size" bytes at the alignment "align" (a typalign code). */
static void
AppendAligned(StringInfo buf, const void *data, Size size, char align)
{
	int			start = att_align_nominal(buf->len, align);

	while (buf->len < start)
		appendStringInfoChar(buf, '\0');
	appendBinaryStringInfo(buf, data, size);
}

/* Appends one non-NULL value of "att"; returns the value as stored. */
static Datum
AppendValue(StringInfo buf, Form_pg_attribute att, Datum value)
{
	if (att->attbyval)
	{
		char		image[sizeof(Datum)];

		store_att_byval(image, value, att->attlen);
		AppendAligned(buf, image, att->attlen, att->attalign);
		return value;
	}
	if (att->attlen > 0)
	{
		AppendAligned(buf, DatumGetPointer(value), att->attlen, att->attalign);
		return value;
	}
	if (att->attlen == -1)
	{
		struct varlena *plain = PG_DETOAST_DATUM(value);

		AppendAligned(buf, plain, VARSIZE(plain), att->attalign);
		return PointerGetDatum(plain);
	}
	AppendAligned(buf, DatumGetPointer(value), strlen(DatumGetCString(value)) + 1, 'c');
	return value;
}

/* Writes "stored" bytes as a new value of the table's TOAST relation. */
static Oid
SaveChunkBytes(Relation rel, const char *stored, int size)
{
	bytea	   *payload = palloc(VARHDRSZ + size);
	Datum		pointer;
	varatt_external toast_pointer;

	if (!OidIsValid(rel->rd_rel->reltoastrelid))
		elog(ERROR, "columnar table \"%s\" has no TOAST relation", RelationGetRelationName(rel));
	SET_VARSIZE(payload, VARHDRSZ + size);
	memcpy(VARDATA(payload), stored, size);
	pointer = toast_save_datum(rel, PointerGetDatum(payload), NULL, 0);
	VARATT_EXTERNAL_GET_POINTER(toast_pointer, DatumGetPointer(pointer));
	pfree(payload);
	pfree(DatumGetPointer(pointer));
	return toast_pointer.va_valueid;
}

/*
 * ColumnarEncodeChunk - encode values[0..count) of column "att", compress
 * with "compression" (kept only if it saves space; the chunk records which
 * method was used), store the bytes and fill "chunk".  Allocations go to the
 * current memory context, which the caller resets per chunk; min/max datums
 * of by-reference types point into it until the row group is recorded.
 */
void
ColumnarEncodeChunk(Relation rel, Form_pg_attribute att, Datum *values, bool *nulls,
					int count, EpCompression compression, ColumnarChunk *chunk)
{
	StringInfoData buf;
	MinMaxState mm;
	int			null_count = 0;
	char	   *compressed;
	int			compressed_size;

	memset(chunk, 0, sizeof(ColumnarChunk));
	chunk->row_count = count;
	chunk->encoding = COLUMNAR_ENCODING_PLAIN;
	for (int i = 0; i < count; i++)
		null_count += nulls[i] ? 1 : 0;
	chunk->null_count = null_count;
	if (null_count == count)
		return;					/* all NULL: no bytes */

	initStringInfo(&buf);
	if (null_count > 0)
	{
		int			bitmap_bytes = NULL_BITMAP_BYTES(count);

		enlargeStringInfo(&buf, bitmap_bytes);
		memset(buf.data, 0, bitmap_bytes);
		for (int i = 0; i < count; i++)
			if (!nulls[i])
				buf.data[i / 8] |= (char) (1 << (i % 8));
		buf.len = bitmap_bytes;
	}

	InitMinMax(&mm, att);
	for (int i = 0; i < count; i++)
	{
		if (!nulls[i])
			AddMinMax(&mm, AppendValue(&buf, att, values[i]));
	}
	chunk->has_minmax = mm.seen;
	chunk->min_value = mm.min;
	chunk->max_value = mm.max;

	chunk->raw_size = buf.len;
	compressed = EpCompress(compression, EP_COMPRESSION_LEVEL_DEFAULT, buf.data, buf.len,
							&compressed_size);
	if (compressed != NULL)
	{
		chunk->compression = compression;
		chunk->stored_size = compressed_size;
		chunk->toast_value = SaveChunkBytes(rel, compressed, compressed_size);
	}
	else
	{
		chunk->compression = EP_COMPRESSION_NONE;
		chunk->stored_size = buf.len;
		chunk->toast_value = SaveChunkBytes(rel, buf.data, buf.len);
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

/* Reads the stored bytes of a chunk from the table's TOAST relation. */
static struct varlena *
FetchChunkBytes(Relation rel, Form_pg_attribute att, ColumnarChunk *chunk)
{
	varatt_external toast_pointer;
	char		pointer[TOAST_POINTER_SIZE];
	struct varlena *bytes;

	toast_pointer.va_rawsize = chunk->stored_size + VARHDRSZ;
	VARATT_EXTERNAL_SET_SIZE_AND_COMPRESS_METHOD(toast_pointer, chunk->stored_size, 0);
	toast_pointer.va_valueid = chunk->toast_value;
	toast_pointer.va_toastrelid = rel->rd_rel->reltoastrelid;
	SET_VARTAG_EXTERNAL(pointer, VARTAG_ONDISK);
	memcpy(VARDATA_EXTERNAL(pointer), &toast_pointer, sizeof(toast_pointer));

	bytes = detoast_external_attr((struct varlena *) pointer);
	if (VARSIZE_ANY_EXHDR(bytes) != (Size) chunk->stored_size)
		ReportCorruptChunk(rel, att, "The stored size does not match the catalog.");
	return bytes;
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
 * ColumnarDecodeChunk - decode "chunk" of column "att" into "out", allocated
 * in the current memory context.  By-reference values point into
 * out->buffer.
 */
void
ColumnarDecodeChunk(Relation rel, Form_pg_attribute att, ColumnarChunk *chunk,
					ColumnarChunkData *out)
{
	struct varlena *stored;
	char	   *raw;
	int			offset = 0;
	int			count = chunk->row_count;
	int			nulls_seen = 0;

	if (count <= 0 || chunk->null_count < 0 || chunk->null_count > count ||
		chunk->encoding != COLUMNAR_ENCODING_PLAIN)
		ReportCorruptChunk(rel, att, "The chunk header is invalid.");
	out->row_count = count;
	out->values = palloc(sizeof(Datum) * count);
	out->nulls = palloc(sizeof(bool) * count);
	out->buffer = NULL;
	if (chunk->null_count == count)
	{
		memset(out->nulls, true, sizeof(bool) * count);
		return;
	}
	if (chunk->raw_size <= 0 || chunk->stored_size <= 0)
		ReportCorruptChunk(rel, att, "The chunk sizes are invalid.");

	stored = FetchChunkBytes(rel, att, chunk);
	raw = palloc(chunk->raw_size);
	EpDecompress((EpCompression) chunk->compression, VARDATA_ANY(stored), chunk->stored_size,
				 raw, chunk->raw_size, "a columnar chunk");
	pfree(stored);
	out->buffer = raw;

	if (chunk->null_count > 0)
	{
		offset = NULL_BITMAP_BYTES(count);
		if (offset > chunk->raw_size)
			ReportCorruptChunk(rel, att, "The null bitmap is truncated.");
	}
	for (int i = 0; i < count; i++)
	{
		out->nulls[i] = chunk->null_count > 0 && (raw[i / 8] & (1 << (i % 8))) == 0;
		if (out->nulls[i])
			nulls_seen++;
		else
			out->values[i] = ReadValue(rel, att, raw, chunk->raw_size, &offset);
	}
	if (nulls_seen != chunk->null_count)
		ReportCorruptChunk(rel, att, "The null bitmap does not match the null count.");
	if (offset != chunk->raw_size)
		ReportCorruptChunk(rel, att, "The chunk has bytes past its last value.");
}
