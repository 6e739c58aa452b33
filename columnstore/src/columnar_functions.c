/*-------------------------------------------------------------------------
 *
 * columnar_functions.c
 *	  SQL-callable functions of the column store: epiphany.columnar_merge
 *	  and epiphany.columnar_compact (and ColumnarMergeTable and
 *	  ColumnarCompactTable, which the merge worker calls too),
 *	  epiphany.columnar_stats, epiphany.columnar_set_options and
 *	  epiphany.columnar_get_options.
 *
 *	  Guarantees: each checks that its argument is a columnar table and that
 *	  the caller may act on it (ownership to merge or set options, SELECT to
 *	  read stats); options are validated before anything is stored.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  columnstore/src/columnar_functions.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "catalog/toasting.h"
#include "columnar.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "parser/parse_oper.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/json.h"
#include "utils/lsyscache.h"
#include "utils/typcache.h"
#include "utils/rel.h"
#include "utils/varlena.h"
#include "utils/snapmgr.h"

PG_FUNCTION_INFO_V1(ep_columnar_merge);
PG_FUNCTION_INFO_V1(ep_columnar_compact);
PG_FUNCTION_INFO_V1(ep_columnar_stats);
PG_FUNCTION_INFO_V1(ep_columnar_set_options);
PG_FUNCTION_INFO_V1(ep_columnar_get_options);

/*
 * ColumnarOpenTable - opens "relid" with "lockmode" and checks that it is a
 * columnar table.
 */
Relation
ColumnarOpenTable(Oid relid, LOCKMODE lockmode)
{
	Relation	rel = table_open(relid, lockmode);

	if (!ColumnarIsColumnarRelation(rel))
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not a columnar table", RelationGetRelationName(rel)),
				 errhint("Create it with USING columnar, or use ALTER TABLE ... SET ACCESS METHOD columnar.")));
	return rel;
}

/*
 * ColumnarOpenTableToRead - opens "relid" for reading with AccessShareLock,
 * once the current user is seen to have SELECT on it, and checks that it is
 * a columnar table.
 */
Relation
ColumnarOpenTableToRead(Oid relid)
{
	if (pg_class_aclcheck(relid, GetUserId(), ACL_SELECT) != ACLCHECK_OK)
		aclcheck_error(ACLCHECK_NO_PRIV, get_relkind_objtype(get_rel_relkind(relid)),
					   get_rel_name(relid));
	return ColumnarOpenTable(relid, AccessShareLock);
}

/* Errors out unless the current user owns relid. */
static void
CheckOwner(Oid relid)
{
	if (!pg_class_ownercheck(relid, GetUserId()))
		aclcheck_error(ACLCHECK_NOT_OWNER, get_relkind_objtype(get_rel_relkind(relid)),
					   get_rel_name(relid));
}

/*
 * ColumnarMergeTable - merges up to max_rows delta rows of relid (every one
 * when max_rows <= 0) as the current user, who must own it; returns the
 * number moved.  Takes ExclusiveLock (readers go on; writers wait), and
 * AccessExclusiveLock in the one case of a table converted from a heap that
 * had no TOAST relation, which the merge must add.  The locks are held
 * until the transaction ends.
 */
int64
ColumnarMergeTable(Oid relid, int64 max_rows)
{
	Relation	rel;
	int64		moved;

	CheckOwner(relid);
	rel = ColumnarOpenTable(relid, ExclusiveLock);
	if (!OidIsValid(rel->rd_rel->reltoastrelid))
	{
		table_close(rel, NoLock);
		LockRelationOid(relid, AccessExclusiveLock);
		AlterTableCreateToastTable(relid, (Datum) 0, AccessExclusiveLock);
		CommandCounterIncrement();
		rel = ColumnarOpenTable(relid, NoLock);
	}
	moved = ColumnarMergeDelta(rel, max_rows);
	table_close(rel, NoLock);
	return moved;
}

/* epiphany.columnar_merge(rel regclass) -> bigint: every delta row. */
Datum
ep_columnar_merge(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(ColumnarMergeTable(PG_GETARG_OID(0), 0));
}

/*
 * ColumnarCompactTable - compacts relid (columnar_compact.c) as the current
 * user, who must own it, under ShareUpdateExclusiveLock (as VACUUM: writers
 * go on), held until the transaction ends.
 */
void
ColumnarCompactTable(Oid relid, ColumnarCompactResult *result)
{
	Relation	rel;

	CheckOwner(relid);
	rel = ColumnarOpenTable(relid, ShareUpdateExclusiveLock);
	ColumnarCompact(rel, result);
	table_close(rel, NoLock);
}

/* epiphany.columnar_compact(rel regclass) -> (rows_moved, row_groups_dropped) */
Datum
ep_columnar_compact(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	ColumnarCompactResult result;
	Datum		values[2];
	bool		nulls[2] = {false};

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	ColumnarCompactTable(PG_GETARG_OID(0), &result);
	values[0] = Int64GetDatum(result.rows_moved);
	values[1] = Int64GetDatum(result.row_groups_dropped);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/*
 * The stored bytes of each column of "rel" that has chunks, as a json
 * object of column names in column order.
 */
static Datum
ColumnBytes(Relation rel, const ColumnarEncodingTotals *totals)
{
	TupleDesc	tupdesc = RelationGetDescr(rel);
	StringInfoData json;
	bool		first = true;

	initStringInfo(&json);
	appendStringInfoChar(&json, '{');
	for (int a = 0; a < tupdesc->natts; a++)
	{
		int64		bytes = 0;
		int64		chunks = 0;

		for (int e = 0; e < COLUMNAR_ENCODING_COUNT; e++)
		{
			bytes += totals[a * COLUMNAR_ENCODING_COUNT + e].stored_bytes;
			chunks += totals[a * COLUMNAR_ENCODING_COUNT + e].chunks;
		}
		if (chunks == 0)
			continue;
		if (!first)
			appendStringInfoString(&json, ", ");
		escape_json(&json, NameStr(TupleDescAttr(tupdesc, a)->attname));
		appendStringInfo(&json, ": " INT64_FORMAT, bytes);
		first = false;
	}
	appendStringInfoChar(&json, '}');
	return DirectFunctionCall1(json_in, CStringGetDatum(json.data));
}

/*
 * The compression ratio of "rel"'s chunks (their values' bytes in PLAIN
 * form over their stored bytes; NULL without stored bytes), the names of
 * the encodings they use, in encoding number order, as a text[], and the
 * stored bytes per column (ColumnBytes).
 */
static void
EncodingSummary(Relation rel, Datum *ratio, bool *ratio_null, Datum *encodings,
				Datum *column_bytes)
{
	int			natts = RelationGetDescr(rel)->natts;
	ColumnarEncodingTotals *totals = ColumnarTotalsByEncoding(rel);
	Datum		names[COLUMNAR_ENCODING_COUNT];
	int			nnames = 0;
	int64		plain = 0;
	int64		stored = 0;

	for (int e = 0; e < COLUMNAR_ENCODING_COUNT; e++)
	{
		bool		used = false;

		for (int a = 0; a < natts; a++)
		{
			ColumnarEncodingTotals *t = &totals[a * COLUMNAR_ENCODING_COUNT + e];

			plain += t->plain_bytes;
			stored += t->stored_bytes;
			used |= t->chunks > 0;
		}
		if (used)
			names[nnames++] = CStringGetTextDatum(ColumnarEncodingName(e));
	}
	*ratio_null = stored == 0;
	*ratio = Float8GetDatum(stored > 0 ? (double) plain / (double) stored : 0);
	*encodings = PointerGetDatum(construct_array(names, nnames, TEXTOID, -1, false,
												 TYPALIGN_INT));
	*column_bytes = ColumnBytes(rel, totals);
}

/*
 * epiphany.columnar_stats(rel regclass) -> (row_groups, rows, delta_rows,
 * deleted_rows, stored_bytes, raw_bytes, compression_ratio, encodings,
 * column_bytes), as the current snapshot sees them.  delta_rows counts the
 * delta store's rows, which takes a scan of it.
 */
Datum
ep_columnar_stats(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	Relation	rel;
	TupleDesc	tupdesc;
	Datum		values[9];
	bool		nulls[9] = {false};
	int64		row_groups;
	int64		rows;
	int64		deleted;
	int64		stored;
	int64		raw;
	int64		delta_rows = 0;
	TableScanDesc scan;
	TupleTableSlot *slot;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");

	rel = ColumnarOpenTableToRead(relid);
	ColumnarStorageStats(rel, &row_groups, &rows, &deleted, &stored, &raw);

	slot = table_slot_create(rel, NULL);
	scan = GetHeapamTableAmRoutine()->scan_begin(rel, GetActiveSnapshot(), 0, NULL, NULL,
												 SO_TYPE_SEQSCAN | SO_ALLOW_STRAT |
												 SO_ALLOW_PAGEMODE);
	while (GetHeapamTableAmRoutine()->scan_getnextslot(scan, ForwardScanDirection, slot))
	{
		CHECK_FOR_INTERRUPTS();
		delta_rows++;
	}
	GetHeapamTableAmRoutine()->scan_end(scan);
	ExecDropSingleTupleTableSlot(slot);
	EncodingSummary(rel, &values[6], &nulls[6], &values[7], &values[8]);
	table_close(rel, AccessShareLock);

	values[0] = Int64GetDatum(row_groups);
	values[1] = Int64GetDatum(rows - deleted);
	values[2] = Int64GetDatum(delta_rows);
	values[3] = Int64GetDatum(deleted);
	values[4] = Int64GetDatum(stored);
	values[5] = Int64GetDatum(raw);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/* Checks a value against [min, max] for option "name". */
static int
CheckOptionRange(const char *name, int value, int min, int max)
{
	if (value < min || value > max)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be between %d and %d", name, min, max),
				 errdetail("The value given was %d.", value)));
	return value;
}

/*
 * Parses a comma-separated list of column names of "rel" into attribute
 * numbers; each column must exist and have a default btree ordering (sort
 * keys) or hash function (bloom filters).  An empty list clears the keys.
 */
static int
ParseOptionColumns(Relation rel, const char *option, text *list, AttrNumber *attnums,
				   bool hashed)
{
	char	   *names = text_to_cstring(list);
	List	   *columns;
	ListCell   *lc;
	int			count = 0;

	if (!SplitIdentifierString(names, ',', &columns))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid list of columns for %s: \"%s\"", option, text_to_cstring(list)),
				 errhint("Give column names separated by commas, e.g. 'device_id, time'.")));
	foreach(lc, columns)
	{
		char	   *name = (char *) lfirst(lc);
		AttrNumber	attnum = get_attnum(RelationGetRelid(rel), name);
		Oid			lt;

		if (attnum <= 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("column \"%s\" of relation \"%s\" does not exist",
							name, RelationGetRelationName(rel))));
		if (hashed)
		{
			TypeCacheEntry *tce =
				lookup_type_cache(TupleDescAttr(RelationGetDescr(rel), attnum - 1)->atttypid,
								  TYPECACHE_HASH_EXTENDED_PROC);

			if (!OidIsValid(tce->hash_extended_proc))
				ereport(ERROR,
						(errcode(ERRCODE_UNDEFINED_FUNCTION),
						 errmsg("column \"%s\" has no hash function, so it cannot be in %s",
								name, option)));
		}
		else
		{
			get_sort_group_operators(TupleDescAttr(RelationGetDescr(rel), attnum - 1)->atttypid,
									 false, false, false, &lt, NULL, NULL, NULL);
			if (!OidIsValid(lt))
				ereport(ERROR,
						(errcode(ERRCODE_UNDEFINED_FUNCTION),
						 errmsg("column \"%s\" has no ordering, so it cannot be in %s",
								name, option)));
		}
		if (count == COLUMNAR_MAX_SORT_KEYS)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("%s takes at most %d columns", option, COLUMNAR_MAX_SORT_KEYS)));
		attnums[count++] = attnum;
	}
	return count;
}

/*
 * epiphany.columnar_set_options(rel, compression, compression_level,
 * row_group_rows, chunk_rows, segmentby, orderby, bloom) -> void
 *
 * NULL arguments keep the current value.  Options apply to the rows that
 * become columnar from now on (merges, VACUUM FULL); existing row groups
 * keep their layout until rewritten.
 */
Datum
ep_columnar_set_options(PG_FUNCTION_ARGS)
{
	Oid			relid;
	Relation	rel;
	ColumnarOptions options;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("the table must not be NULL")));
	relid = PG_GETARG_OID(0);
	if (!pg_class_ownercheck(relid, GetUserId()))
		aclcheck_error(ACLCHECK_NOT_OWNER, get_relkind_objtype(get_rel_relkind(relid)),
					   get_rel_name(relid));
	rel = ColumnarOpenTable(relid, ShareUpdateExclusiveLock);
	ColumnarGetOptions(relid, &options);

	if (!PG_ARGISNULL(1) &&
		!EpCompressionFromName(text_to_cstring(PG_GETARG_TEXT_PP(1)), &options.compression))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid compression \"%s\"", text_to_cstring(PG_GETARG_TEXT_PP(1))),
				 errhint("Valid values are \"none\", \"lz4\" and \"zstd\".")));
	if (!PG_ARGISNULL(2))
		options.compression_level = CheckOptionRange("compression_level", PG_GETARG_INT32(2),
													 EP_COMPRESSION_LEVEL_MIN,
													 EP_COMPRESSION_LEVEL_MAX);
	if (!PG_ARGISNULL(3))
		options.row_group_rows = CheckOptionRange("row_group_rows", PG_GETARG_INT32(3),
												  COLUMNAR_MIN_ROW_GROUP_ROWS,
												  COLUMNAR_MAX_ROW_GROUP_ROWS);
	if (!PG_ARGISNULL(4))
		options.chunk_rows = CheckOptionRange("chunk_rows", PG_GETARG_INT32(4),
											  COLUMNAR_MIN_CHUNK_ROWS, COLUMNAR_MAX_CHUNK_ROWS);
	if (options.chunk_rows > options.row_group_rows)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("chunk_rows (%d) cannot exceed row_group_rows (%d)",
						options.chunk_rows, options.row_group_rows)));
	if (!PG_ARGISNULL(5))
		options.nsegmentby = ParseOptionColumns(rel, "segmentby", PG_GETARG_TEXT_PP(5),
												options.segmentby, false);
	if (!PG_ARGISNULL(6))
		options.norderby = ParseOptionColumns(rel, "orderby", PG_GETARG_TEXT_PP(6),
											  options.orderby, false);
	if (!PG_ARGISNULL(7))
		options.nbloom = ParseOptionColumns(rel, "bloom", PG_GETARG_TEXT_PP(7),
											options.bloom, true);

	ColumnarSetOptions(relid, &options);
	table_close(rel, NoLock);
	PG_RETURN_VOID();
}

/* The attribute names of "attnums" that still exist, as a name[] datum. */
static Datum
AttnumsToNames(Relation rel, const AttrNumber *attnums, int count)
{
	Datum	   *names = palloc(sizeof(Datum) * Max(count, 1));
	int			live = 0;

	for (int i = 0; i < count; i++)
	{
		Form_pg_attribute att = TupleDescAttr(RelationGetDescr(rel), attnums[i] - 1);

		if (attnums[i] >= 1 && attnums[i] <= RelationGetDescr(rel)->natts && !att->attisdropped)
			names[live++] = NameGetDatum(&att->attname);
	}
	return PointerGetDatum(construct_array(names, live, NAMEOID, NAMEDATALEN, false,
										   TYPALIGN_CHAR));
}

/*
 * epiphany.columnar_get_options(rel regclass) -> the table's effective
 * options (compression, compression_level, row_group_rows, chunk_rows,
 * segmentby, orderby, bloom), defaults filled in.
 */
Datum
ep_columnar_get_options(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	Relation	rel = ColumnarOpenTable(relid, AccessShareLock);
	ColumnarOptions options;
	TupleDesc	tupdesc;
	Datum		values[7];
	bool		nulls[7] = {false};

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	ColumnarGetOptions(relid, &options);
	values[0] = CStringGetTextDatum(EpCompressionName(options.compression));
	values[1] = Int32GetDatum(options.compression_level);
	values[2] = Int32GetDatum(options.row_group_rows);
	values[3] = Int32GetDatum(options.chunk_rows);
	values[4] = AttnumsToNames(rel, options.segmentby, options.nsegmentby);
	values[5] = AttnumsToNames(rel, options.orderby, options.norderby);
	values[6] = AttnumsToNames(rel, options.bloom, options.nbloom);
	table_close(rel, AccessShareLock);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
