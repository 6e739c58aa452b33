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
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/snapmgr.h"

PG_FUNCTION_INFO_V1(ep_columnar_encodings);

/* Adds the chunks of row group "rg" to totals[attnum - 1][encoding]. */
static void
AddRowGroup(Relation rel, ColumnarRowGroup *rg,
			ColumnarEncodingTotals (*totals)[COLUMNAR_ENCODING_COUNT])
{
	TupleDesc	tupdesc = RelationGetDescr(rel);

	for (int a = 0; a < Min(rg->natts, tupdesc->natts); a++)
	{
		Form_pg_attribute att = TupleDescAttr(tupdesc, a);

		if (att->attisdropped)
			continue;
		for (int c = 0; c < rg->chunk_count; c++)
		{
			ColumnarChunk *chunk = &rg->chunks[a][c];
			ColumnarEncodingTotals *t;

			CHECK_FOR_INTERRUPTS();
			if (chunk->row_count == 0)
				continue;		/* the column was added later */
			if (chunk->encoding < 0 || chunk->encoding >= COLUMNAR_ENCODING_COUNT)
				ereport(ERROR,
						(errcode(ERRCODE_DATA_CORRUPTED),
						 errmsg("corrupt chunk in column \"%s\" of columnar table \"%s\"",
								NameStr(att->attname), RelationGetRelationName(rel)),
						 errdetail("The chunk's encoding %d is unknown.", chunk->encoding)));
			t = &totals[a][chunk->encoding];
			t->chunks++;
			t->plain_bytes += chunk->plain_size;
			t->stored_bytes += chunk->stored_size;
		}
	}
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
	ColumnarEncodingTotals (*totals)[COLUMNAR_ENCODING_COUNT];
	ColumnarStorageMap *map;

	totals = palloc0(sizeof(*totals) * Max(natts, 1));
	map = ColumnarReadStorageMap(rel, GetActiveSnapshot());
	for (int g = 0; g < map->count; g++)
		AddRowGroup(rel, map->row_groups[g], totals);
	return &totals[0][0];
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
	int			natts;

	if (pg_class_aclcheck(relid, GetUserId(), ACL_SELECT) != ACLCHECK_OK)
		aclcheck_error(ACLCHECK_NO_PRIV, get_relkind_objtype(get_rel_relkind(relid)),
					   get_rel_name(relid));
	InitMaterializedSRF(fcinfo, 0);

	rel = table_open(relid, AccessShareLock);
	if (!ColumnarIsColumnarRelation(rel))
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not a columnar table", RelationGetRelationName(rel)),
				 errhint("Create it with USING columnar, or use ALTER TABLE ... SET ACCESS METHOD columnar.")));
	natts = RelationGetDescr(rel)->natts;
	totals = ColumnarTotalsByEncoding(rel);

	for (int a = 0; a < natts; a++)
	{
		for (int e = 0; e < COLUMNAR_ENCODING_COUNT; e++)
		{
			ColumnarEncodingTotals *t = &totals[a * COLUMNAR_ENCODING_COUNT + e];
			Datum		values[5];
			bool		nulls[5] = {false};

			if (t->chunks == 0)
				continue;
			values[0] = NameGetDatum(&TupleDescAttr(RelationGetDescr(rel), a)->attname);
			values[1] = CStringGetTextDatum(ColumnarEncodingName(e));
			values[2] = Int64GetDatum(t->chunks);
			values[3] = Int64GetDatum(t->plain_bytes);
			values[4] = Int64GetDatum(t->stored_bytes);
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		}
	}
	table_close(rel, AccessShareLock);
	return (Datum) 0;
}
