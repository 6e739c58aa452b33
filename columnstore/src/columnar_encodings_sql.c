/*-------------------------------------------------------------------------
 *
 * columnar_encodings_sql.c
 *	  epiphany.columnar_encodings(rel): for each column of a columnar table
 *	  and each encoding its chunks use, the number of chunks, their bytes in
 *	  PLAIN form (before encoding and compression) and their stored bytes;
 *	  the same totals (ColumnarTotalsByEncoding) give columnar_stats its
 *	  compression ratio and encodings.
 *
 *	  Reads the chunk catalog under the statement's snapshot through
 *	  ColumnarReadStorageMap; the writer recorded each chunk's PLAIN size, so
 *	  nothing is decoded.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  columnstore/src/columnar_encodings_sql.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include "access/table.h"
#include "columnar.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/snapmgr.h"

PG_FUNCTION_INFO_V1(ep_columnar_encodings);

/*
 * ColumnarVisitChunks - calls visit(rel, att, chunk, index, arg) for every
 * chunk of the row groups of columnar table "rel" that the active snapshot
 * sees, row group by row group, column by column, skipping dropped columns
 * and the chunks of columns added after a row group was written; index is
 * (attnum - 1) * COLUMNAR_ENCODING_COUNT + the chunk's encoding.  A chunk of
 * an unknown encoding is reported as corrupt.
 */
void
ColumnarVisitChunks(Relation rel, ColumnarChunkVisitor visit, void *arg)
{
	TupleDesc	tupdesc = RelationGetDescr(rel);
	ColumnarStorageMap *map = ColumnarReadStorageMap(rel, GetActiveSnapshot());

	for (int g = 0; g < map->count; g++)
	{
		ColumnarRowGroup *rg = map->row_groups[g];

		for (int a = 0; a < Min(rg->natts, tupdesc->natts); a++)
		{
			Form_pg_attribute att = TupleDescAttr(tupdesc, a);

			for (int c = 0; c < rg->chunk_count && !att->attisdropped; c++)
			{
				ColumnarChunk *chunk = &rg->chunks[a][c];

				CHECK_FOR_INTERRUPTS();
				if (chunk->row_count == 0)
					continue;	/* the column was added later */
				if (chunk->encoding < 0 || chunk->encoding >= COLUMNAR_ENCODING_COUNT)
					ereport(ERROR,
							(errcode(ERRCODE_DATA_CORRUPTED),
							 errmsg("corrupt chunk in column \"%s\" of columnar table \"%s\"",
									NameStr(att->attname), RelationGetRelationName(rel)),
							 errdetail("The chunk's encoding %d is unknown.", chunk->encoding)));
				visit(rel, att, chunk, a * COLUMNAR_ENCODING_COUNT + chunk->encoding, arg);
			}
		}
	}
}

/* Adds "chunk" to the totals "arg" at "index". */
static void
AddChunk(Relation rel, Form_pg_attribute att, ColumnarChunk *chunk, int index, void *arg)
{
	ColumnarEncodingTotals *t = &((ColumnarEncodingTotals *) arg)[index];

	t->chunks++;
	t->plain_bytes += chunk->plain_size;
	t->stored_bytes += chunk->stored_size;
}

/*
 * ColumnarTotalsByEncoding - the totals of columnar table "rel"'s chunks,
 * as the active snapshot sees its row groups, by column and encoding:
 * element [(attnum - 1) * COLUMNAR_ENCODING_COUNT + encoding].
 */
ColumnarEncodingTotals *
ColumnarTotalsByEncoding(Relation rel)
{
	int			natts = RelationGetDescr(rel)->natts;
	ColumnarEncodingTotals *totals;

	totals = palloc0(sizeof(ColumnarEncodingTotals) * COLUMNAR_ENCODING_COUNT * Max(natts, 1));
	ColumnarVisitChunks(rel, AddChunk, totals);
	return totals;
}

/*
 * ColumnarPutEncodingRows - puts a row of "ncolumns" columns in the result
 * set "rsinfo" for each column of "rel" and each encoding that "fill" has
 * figures for: the column's name, the encoding's, then what
 * fill(totals, index, values) puts in values[0..ncolumns - 2), returning
 * false when it has none; index is (attnum - 1) * COLUMNAR_ENCODING_COUNT
 * + encoding.
 */
void
ColumnarPutEncodingRows(Relation rel, ReturnSetInfo *rsinfo, int ncolumns,
						ColumnarEncodingRowFill fill, void *totals)
{
	TupleDesc	tupdesc = RelationGetDescr(rel);
	Datum	   *values = palloc(sizeof(Datum) * ncolumns);
	bool	   *nulls = palloc0(sizeof(bool) * ncolumns);

	for (int a = 0; a < tupdesc->natts; a++)
	{
		for (int e = 0; e < COLUMNAR_ENCODING_COUNT; e++)
		{
			if (!fill(totals, a * COLUMNAR_ENCODING_COUNT + e, values + 2))
				continue;
			values[0] = NameGetDatum(&TupleDescAttr(tupdesc, a)->attname);
			values[1] = CStringGetTextDatum(ColumnarEncodingName(e));
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		}
	}
}

/* A row of columnar_encodings: chunks, PLAIN bytes, stored bytes. */
static bool
FillTotals(void *totals, int index, Datum *values)
{
	ColumnarEncodingTotals *t = &((ColumnarEncodingTotals *) totals)[index];

	if (t->chunks == 0)
		return false;
	values[0] = Int64GetDatum(t->chunks);
	values[1] = Int64GetDatum(t->plain_bytes);
	values[2] = Int64GetDatum(t->stored_bytes);
	return true;
}

/*
 * epiphany.columnar_encodings(rel regclass) -> setof (attname, encoding,
 * chunks, raw_bytes, stored_bytes), by column number then encoding number,
 * as the current snapshot sees the row groups.  Needs SELECT on the table.
 */
Datum
ep_columnar_encodings(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Relation	rel;
	ColumnarEncodingTotals *totals;

	InitMaterializedSRF(fcinfo, 0);
	rel = ColumnarOpenTableToRead(relid);
	totals = ColumnarTotalsByEncoding(rel);

	ColumnarPutEncodingRows(rel, rsinfo, 5, FillTotals, totals);
	table_close(rel, AccessShareLock);
	return (Datum) 0;
}
