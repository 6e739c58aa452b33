/*-------------------------------------------------------------------------
 *
 * columnar_functions.c
 *	  SQL-callable functions of the column store: epiphany.columnar_merge
 *	  and epiphany.columnar_stats.
 *
 *	  Guarantees: each checks that its argument is a columnar table and that
 *	  the caller may act on it (ownership to merge, SELECT to read stats).
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
#include "catalog/toasting.h"
#include "columnar.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "utils/acl.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

PG_FUNCTION_INFO_V1(ep_columnar_merge);
PG_FUNCTION_INFO_V1(ep_columnar_stats);

/* Opens "relid" with "lockmode" and checks that it is a columnar table. */
static Relation
OpenColumnarTable(Oid relid, LOCKMODE lockmode)
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
 * epiphany.columnar_merge(rel regclass) -> bigint
 *
 * Takes ExclusiveLock (readers go on; writers wait), and AccessExclusiveLock
 * in the one case of a table converted from a heap that had no TOAST
 * relation, which the merge must add.
 */
Datum
ep_columnar_merge(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	Relation	rel;
	int64		moved;

	if (!pg_class_ownercheck(relid, GetUserId()))
		aclcheck_error(ACLCHECK_NOT_OWNER, get_relkind_objtype(get_rel_relkind(relid)),
					   get_rel_name(relid));
	rel = OpenColumnarTable(relid, ExclusiveLock);
	if (!OidIsValid(rel->rd_rel->reltoastrelid))
	{
		table_close(rel, NoLock);
		LockRelationOid(relid, AccessExclusiveLock);
		AlterTableCreateToastTable(relid, (Datum) 0, AccessExclusiveLock);
		CommandCounterIncrement();
		rel = OpenColumnarTable(relid, NoLock);
	}
	moved = ColumnarMergeDelta(rel);
	table_close(rel, NoLock);
	PG_RETURN_INT64(moved);
}

/*
 * epiphany.columnar_stats(rel regclass) -> (row_groups, rows, delta_rows,
 * deleted_rows, stored_bytes, raw_bytes), as the current snapshot sees them.
 * delta_rows counts the delta store's rows, which takes a scan of it.
 */
Datum
ep_columnar_stats(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	Relation	rel;
	TupleDesc	tupdesc;
	Datum		values[6];
	bool		nulls[6] = {false};
	int64		row_groups;
	int64		rows;
	int64		deleted;
	int64		stored;
	int64		raw;
	int64		delta_rows = 0;
	TableScanDesc scan;
	TupleTableSlot *slot;

	if (pg_class_aclcheck(relid, GetUserId(), ACL_SELECT) != ACLCHECK_OK)
		aclcheck_error(ACLCHECK_NO_PRIV, get_relkind_objtype(get_rel_relkind(relid)),
					   get_rel_name(relid));
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");

	rel = OpenColumnarTable(relid, AccessShareLock);
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
	table_close(rel, AccessShareLock);

	values[0] = Int64GetDatum(row_groups);
	values[1] = Int64GetDatum(rows - deleted);
	values[2] = Int64GetDatum(delta_rows);
	values[3] = Int64GetDatum(deleted);
	values[4] = Int64GetDatum(stored);
	values[5] = Int64GetDatum(raw);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
