/*-------------------------------------------------------------------------
 *
 * columnar_metadata.c
 *	  Reads and writes the column store's metadata catalog: the tables of
 *	  schema _epiphany_columnar (storage, row_group, chunk, deleted_row).
 *
 *	  Invariants: every read takes the caller's snapshot, so row groups and
 *	  deletions obey MVCC with no special case (what an aborted transaction
 *	  wrote is invisible, a snapshot older than a merge still sees the delta
 *	  rows and not their row group).  storage.next_row_number only grows: it
 *	  is advanced in place, outside transaction control, so no row number -
 *	  hence no TID that an index may still hold - is ever handed out twice.
 *	  Deletion markers are inserted under the tuple lock of the row's TID,
 *	  which orders concurrent deleters; the primary key is the safety net.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  columnstore/src/columnar_metadata.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include "access/detoast.h"
#include "access/genam.h"
#include "access/heapam.h"
#include "access/parallel.h"
#include "access/sysattr.h"
#include "access/toast_internals.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/index.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "columnar.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/fmgroids.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"

#define COLUMNAR_CATALOG_SCHEMA "_epiphany_columnar"

/* Column numbers of the catalog tables (see the install script). */
enum
{
	Anum_storage_storage_id = 1,
	Anum_storage_next_row_number,
	Anum_storage_cleaned_xid,
	Natts_storage = Anum_storage_cleaned_xid
};
enum
{
	Anum_row_group_storage_id = 1,
	Anum_row_group_first_row,
	Anum_row_group_row_count,
	Anum_row_group_chunk_rows,
	Anum_row_group_chunk_count,
	Natts_row_group = Anum_row_group_chunk_count
};
enum
{
	Anum_chunk_storage_id = 1,
	Anum_chunk_first_row,
	Anum_chunk_attnum,
	Anum_chunk_chunk,
	Anum_chunk_row_count,
	Anum_chunk_null_count,
	Anum_chunk_encoding,
	Anum_chunk_compression,
	Anum_chunk_raw_size,
	Anum_chunk_plain_size,
	Anum_chunk_stored_size,
	Anum_chunk_toast_value,
	Anum_chunk_min_value,
	Anum_chunk_max_value,
	Anum_chunk_bloom,
	Anum_chunk_piece_runs,
	Natts_chunk = Anum_chunk_piece_runs
};
enum
{
	Anum_deleted_row_storage_id = 1,
	Anum_deleted_row_row_number,
	Anum_deleted_row_new_tid,
	Natts_deleted_row = Anum_deleted_row_new_tid
};

enum
{
	Anum_options_relid = 1,
	Anum_options_compression,
	Anum_options_compression_level,
	Anum_options_row_group_rows,
	Anum_options_chunk_rows,
	Anum_options_segmentby,
	Anum_options_orderby,
	Anum_options_bloom,
	Natts_options = Anum_options_bloom
};

/*
 * The fixed-width image of a _epiphany_columnar.storage row, for the in-place
 * updates (every column NOT NULL).
 */
typedef struct FormData_storage_row
{
	Oid			storage_id;
	int64		next_row_number;
	TransactionId cleaned_xid;
} FormData_storage_row;
typedef FormData_storage_row *Form_storage_row;

/* A catalog table and its primary key index, opened together. */
typedef struct CatalogTable
{
	Relation	rel;
	Oid			pkey;
} CatalogTable;

static Oid
CatalogNamespace(bool missing_ok)
{
	Oid			nsp = get_namespace_oid(COLUMNAR_CATALOG_SCHEMA, true);

	if (!OidIsValid(nsp) && !missing_ok)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the column store's catalog is missing"),
				 errhint("Run CREATE EXTENSION epiphany_columnstore in this database.")));
	return nsp;
}

/*
 * Opens catalog table "name" with "lockmode".  Returns false, with nothing
 * opened, when missing_ok and the catalog is gone (DROP EXTENSION removes it
 * together with the columnar tables, in no fixed order).
 */
static bool
OpenCatalog(const char *name, LOCKMODE lockmode, bool missing_ok, CatalogTable *cat)
{
	Oid			nsp = CatalogNamespace(missing_ok);
	Oid			relid;
	char		pkey_name[NAMEDATALEN];

	if (!OidIsValid(nsp))
		return false;
	relid = get_relname_relid(name, nsp);
	snprintf(pkey_name, sizeof(pkey_name), "%s_pkey", name);
	cat->pkey = get_relname_relid(pkey_name, nsp);
	if (!OidIsValid(relid) || !OidIsValid(cat->pkey))
	{
		if (missing_ok)
			return false;
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the column store's catalog table \"%s.%s\" is missing",
						COLUMNAR_CATALOG_SCHEMA, name),
				 errhint("Reinstall the extension epiphany_columnstore.")));
	}
	cat->rel = table_open(relid, lockmode);
	return true;
}

static void
CloseCatalog(CatalogTable *cat, LOCKMODE lockmode)
{
	table_close(cat->rel, lockmode);
}

/*
 * Inserts a catalog row as command "cid" and its primary key entry, which
 * enforces uniqueness.  The catalog tables have no other index, and their
 * keys are plain columns.
 */
static void
InsertCatalogRow(CatalogTable *cat, Datum *values, bool *nulls, CommandId cid)
{
	HeapTuple	tuple = heap_form_tuple(RelationGetDescr(cat->rel), values, nulls);
	Relation	pkey = index_open(cat->pkey, RowExclusiveLock);
	IndexInfo  *info = BuildIndexInfo(pkey);
	Datum		key_values[INDEX_MAX_KEYS];
	bool		key_nulls[INDEX_MAX_KEYS];

	heap_insert(cat->rel, tuple, cid, 0, NULL);
	for (int k = 0; k < info->ii_NumIndexAttrs; k++)
	{
		AttrNumber	attnum = info->ii_IndexAttrNumbers[k];

		key_values[k] = values[attnum - 1];
		key_nulls[k] = nulls[attnum - 1];
	}
	index_insert(pkey, key_values, key_nulls, &tuple->t_self, cat->rel,
				 UNIQUE_CHECK_YES, false, info);
	index_close(pkey, RowExclusiveLock);
	heap_freetuple(tuple);
}

static void
InitStorageKey(ScanKeyData *key, Oid storage_id)
{
	ScanKeyInit(key, 1, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(storage_id));
}

/*
 * ColumnarStorageId - the storage id of a columnar relation: its relfilenode,
 * which TRUNCATE, VACUUM FULL, CLUSTER and rewriting ALTERs replace.
 */
Oid
ColumnarStorageId(Relation rel)
{
	return EpRelationFileNumber(rel);
}

/*
 * ColumnarCreateStorage - register a new, empty storage.
 */
void
ColumnarCreateStorage(Oid storage_id)
{
	CatalogTable cat;
	Datum		values[Natts_storage];
	bool		nulls[Natts_storage] = {false};

	OpenCatalog("storage", RowExclusiveLock, false, &cat);
	values[Anum_storage_storage_id - 1] = ObjectIdGetDatum(storage_id);
	values[Anum_storage_next_row_number - 1] = Int64GetDatum(0);
	values[Anum_storage_cleaned_xid - 1] = TransactionIdGetDatum(InvalidTransactionId);
	InsertCatalogRow(&cat, values, nulls, GetCurrentCommandId(true));
	CloseCatalog(&cat, RowExclusiveLock);
}

/* Deletes every row of catalog table "name" that belongs to "storage_id". */
static void
DeleteStorageRows(const char *name, Oid storage_id)
{
	CatalogTable cat;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tuple;

	if (!OpenCatalog(name, RowExclusiveLock, true, &cat))
		return;
	InitStorageKey(&key, storage_id);
	scan = systable_beginscan(cat.rel, cat.pkey, true, NULL, 1, &key);
	while (HeapTupleIsValid(tuple = systable_getnext(scan)))
		simple_heap_delete(cat.rel, &tuple->t_self);
	systable_endscan(scan);
	CloseCatalog(&cat, RowExclusiveLock);
}

/*
 * ColumnarDropStorage - forget a storage: its row groups, chunks, deletion
 * markers and counters.  Transactional; the chunks' bytes go with the
 * relation's TOAST storage.  Does nothing if the catalog is being dropped.
 */
void
ColumnarDropStorage(Oid storage_id)
{
	DeleteStorageRows("storage", storage_id);
	DeleteStorageRows("row_group", storage_id);
	DeleteStorageRows("chunk", storage_id);
	DeleteStorageRows("deleted_row", storage_id);
}

/* Points every row of catalog table "name" for one storage at another. */
static void
MoveStorageRows(const char *name, Oid old_storage_id, Oid new_storage_id)
{
	CatalogTable cat;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tuple;
	List	   *moved = NIL;
	ListCell   *lc;

	OpenCatalog(name, RowExclusiveLock, false, &cat);
	InitStorageKey(&key, old_storage_id);
	scan = systable_beginscan(cat.rel, cat.pkey, true, NULL, 1, &key);
	while (HeapTupleIsValid(tuple = systable_getnext(scan)))
		moved = lappend(moved, heap_copytuple(tuple));
	systable_endscan(scan);

	foreach(lc, moved)
	{
		HeapTuple	old = (HeapTuple) lfirst(lc);
		Datum		values[Natts_chunk];
		bool		nulls[Natts_chunk];
		bool		replace[Natts_chunk] = {false};
		HeapTuple	new;

		Assert(RelationGetDescr(cat.rel)->natts <= Natts_chunk);
		values[0] = ObjectIdGetDatum(new_storage_id);
		nulls[0] = false;
		replace[0] = true;		/* storage_id is the first column of each table */
		new = heap_modify_tuple(old, RelationGetDescr(cat.rel), values, nulls, replace);
		CatalogTupleUpdate(cat.rel, &old->t_self, new);
	}
	CloseCatalog(&cat, RowExclusiveLock);
}

/*
 * ColumnarMoveStorage - the relation's storage got a new relfilenode with
 * the same contents (ALTER TABLE SET TABLESPACE): move its metadata along.
 */
void
ColumnarMoveStorage(Oid old_storage_id, Oid new_storage_id)
{
	MoveStorageRows("storage", old_storage_id, new_storage_id);
	MoveStorageRows("row_group", old_storage_id, new_storage_id);
	MoveStorageRows("chunk", old_storage_id, new_storage_id);
	MoveStorageRows("deleted_row", old_storage_id, new_storage_id);
}

/*
 * Starts an in-place update of the storage row of "rel", which must exist;
 * the caller finishes or cancels it.
 */
static Form_storage_row
BeginStorageUpdate(Relation rel, CatalogTable *cat, HeapTuple *oldtup, void **state)
{
	ScanKeyData key;
	Oid			storage_id = ColumnarStorageId(rel);

	OpenCatalog("storage", RowExclusiveLock, false, cat);
	InitStorageKey(&key, storage_id);
	systable_inplace_update_begin(cat->rel, cat->pkey, true, NULL, 1, &key, oldtup, state);
	if (!HeapTupleIsValid(*oldtup))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("columnar table \"%s\" has no storage entry", RelationGetRelationName(rel)),
				 errdetail("No row for storage %u in %s.storage.", storage_id, COLUMNAR_CATALOG_SCHEMA)));
	return (Form_storage_row) GETSTRUCT(*oldtup);
}

/*
 * ColumnarReserveRowNumbers - hand out "count" consecutive row numbers of
 * the relation's storage, never to be handed out again even if the caller
 * aborts.  Concurrent callers are serialized by the in-place update's lock.
 */
uint64
ColumnarReserveRowNumbers(Relation rel, int64 count)
{
	CatalogTable cat;
	HeapTuple	oldtup;
	void	   *state;
	Form_storage_row row = BeginStorageUpdate(rel, &cat, &oldtup, &state);
	uint64		first = (uint64) row->next_row_number;

	Assert(count > 0);
	if (first + count > COLUMNAR_MAX_ROW_NUMBER)
	{
		systable_inplace_update_cancel(state);
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("columnar table \"%s\" has used all its row numbers",
						RelationGetRelationName(rel)),
				 errhint("Rewrite the table with VACUUM FULL to renumber its rows.")));
	}
	row->next_row_number = (int64) (first + count);
	systable_inplace_update_finish(state, oldtup);
	CloseCatalog(&cat, RowExclusiveLock);
	return first;
}

/*
 * ColumnarCleanedXid - the horizon below which every committed deletion of
 * a row-group row had its index entries removed (InvalidTransactionId:
 * none yet).
 */
TransactionId
ColumnarCleanedXid(Relation rel)
{
	CatalogTable cat;
	HeapTuple	oldtup;
	void	   *state;
	TransactionId xid = BeginStorageUpdate(rel, &cat, &oldtup, &state)->cleaned_xid;

	systable_inplace_update_cancel(state);
	CloseCatalog(&cat, RowExclusiveLock);
	return xid;
}

/* ColumnarSetCleanedXid - record a new horizon (see ColumnarCleanedXid). */
void
ColumnarSetCleanedXid(Relation rel, TransactionId xid)
{
	CatalogTable cat;
	HeapTuple	oldtup;
	void	   *state;

	BeginStorageUpdate(rel, &cat, &oldtup, &state)->cleaned_xid = xid;
	systable_inplace_update_finish(state, oldtup);
	CloseCatalog(&cat, RowExclusiveLock);
}

/*
 * ColumnarCleanableRows - the TIDs, in order, of up to "max" row-group rows
 * after row number "after" (-1: from the first) whose deletion committed
 * at or after "from" (invalid: ever) and before "horizon", so that no
 * snapshot can see them any more; returns how many.
 */
int
ColumnarCleanableRows(Relation rel, TransactionId from, TransactionId horizon, int64 after,
					  ItemPointer tids, int max)
{
	CatalogTable cat;
	ScanKeyData keys[2];
	SysScanDesc scan;
	HeapTuple	tuple;
	Snapshot	snapshot = RegisterSnapshot(GetLatestSnapshot());
	int			count = 0;

	OpenCatalog("deleted_row", AccessShareLock, false, &cat);
	InitStorageKey(&keys[0], ColumnarStorageId(rel));
	ScanKeyInit(&keys[1], Anum_deleted_row_row_number, BTGreaterStrategyNumber, F_INT8GT,
				Int64GetDatum(after));
	scan = systable_beginscan(cat.rel, cat.pkey, true, snapshot, 2, keys);
	while (count < max && HeapTupleIsValid(tuple = systable_getnext(scan)))
	{
		TransactionId xmin = HeapTupleHeaderGetXmin(tuple->t_data);
		bool		isnull;

		CHECK_FOR_INTERRUPTS();
		if (!TransactionIdPrecedes(xmin, horizon) ||
			(TransactionIdIsValid(from) && TransactionIdPrecedes(xmin, from)))
			continue;
		ColumnarRowNumberGetTid((uint64) DatumGetInt64(heap_getattr(tuple,
																	Anum_deleted_row_row_number,
																	RelationGetDescr(cat.rel),
																	&isnull)),
								&tids[count++]);
	}
	systable_endscan(scan);
	CloseCatalog(&cat, AccessShareLock);
	UnregisterSnapshot(snapshot);
	return count;
}

/* The catalog's image of a chunk's piece runs (when it has them). */
static Datum
PieceRunsToDatum(const ColumnarChunk *chunk)
{
	Size		size = sizeof(ColumnarPieceRun) * chunk->piece_run_count;
	bytea	   *image;

	if (chunk->piece_runs == NULL)
		return (Datum) 0;
	image = palloc(VARHDRSZ + size);
	SET_VARSIZE(image, VARHDRSZ + size);
	memcpy(VARDATA(image), chunk->piece_runs, size);
	return PointerGetDatum(image);
}

/*
 * Sets a chunk's piece runs from their catalog image, in "context".  An
 * image that is not a whole number of runs is ignored: the runs are a hint,
 * and reads without them go through the TOAST index.
 */
static void
FillPieceRuns(ColumnarChunk *chunk, MemoryContext context, Datum value)
{
	bytea	   *image = DatumGetByteaPP(value);
	Size		size = VARSIZE_ANY_EXHDR(image);

	if (size == 0 || size % sizeof(ColumnarPieceRun) != 0)
		return;
	chunk->piece_runs = MemoryContextAlloc(context, size);
	memcpy(chunk->piece_runs, VARDATA_ANY(image), size);
	chunk->piece_run_count = (int32) (size / sizeof(ColumnarPieceRun));
}

/*
 * ColumnarInsertRowGroup - record a row group and its chunks, as rows of the
 * current command.
 */
void
ColumnarInsertRowGroup(Relation rel, ColumnarRowGroup *rg)
{
	CatalogTable rg_cat;
	CatalogTable chunk_cat;
	Datum		values[Natts_chunk];
	bool		nulls[Natts_chunk];
	Oid			storage_id = ColumnarStorageId(rel);
	CommandId	cid = GetCurrentCommandId(true);
	TupleDesc	tupdesc = RelationGetDescr(rel);

	CacheInvalidateRelcache(rel);	/* planners' estimates */
	OpenCatalog("row_group", RowExclusiveLock, false, &rg_cat);
	memset(nulls, false, sizeof(nulls));
	values[Anum_row_group_storage_id - 1] = ObjectIdGetDatum(storage_id);
	values[Anum_row_group_first_row - 1] = Int64GetDatum((int64) rg->first_row);
	values[Anum_row_group_row_count - 1] = Int64GetDatum(rg->row_count);
	values[Anum_row_group_chunk_rows - 1] = Int32GetDatum(rg->chunk_rows);
	values[Anum_row_group_chunk_count - 1] = Int32GetDatum(rg->chunk_count);
	InsertCatalogRow(&rg_cat, values, nulls, cid);
	CloseCatalog(&rg_cat, RowExclusiveLock);

	OpenCatalog("chunk", RowExclusiveLock, false, &chunk_cat);
	for (int a = 0; a < rg->natts; a++)
	{
		Form_pg_attribute att = TupleDescAttr(tupdesc, a);

		if (att->attisdropped)
			continue;
		for (int c = 0; c < rg->chunk_count; c++)
		{
			ColumnarChunk *chunk = &rg->chunks[a][c];

			memset(nulls, false, sizeof(nulls));
			values[Anum_chunk_storage_id - 1] = ObjectIdGetDatum(storage_id);
			values[Anum_chunk_first_row - 1] = Int64GetDatum((int64) rg->first_row);
			values[Anum_chunk_attnum - 1] = Int16GetDatum(a + 1);
			values[Anum_chunk_chunk - 1] = Int32GetDatum(c);
			values[Anum_chunk_row_count - 1] = Int32GetDatum(chunk->row_count);
			values[Anum_chunk_null_count - 1] = Int32GetDatum(chunk->null_count);
			values[Anum_chunk_encoding - 1] = Int16GetDatum(chunk->encoding);
			values[Anum_chunk_compression - 1] = Int16GetDatum(chunk->compression);
			values[Anum_chunk_raw_size - 1] = Int32GetDatum(chunk->raw_size);
			values[Anum_chunk_plain_size - 1] = Int64GetDatum(chunk->plain_size);
			values[Anum_chunk_stored_size - 1] = Int32GetDatum(chunk->stored_size);
			values[Anum_chunk_toast_value - 1] = ObjectIdGetDatum(chunk->toast_value);
			values[Anum_chunk_min_value - 1] = PointerGetDatum(chunk->min_image);
			values[Anum_chunk_max_value - 1] = PointerGetDatum(chunk->max_image);
			nulls[Anum_chunk_min_value - 1] = !chunk->has_minmax;
			nulls[Anum_chunk_max_value - 1] = !chunk->has_minmax;
			values[Anum_chunk_bloom - 1] = PointerGetDatum(chunk->bloom);
			nulls[Anum_chunk_bloom - 1] = (chunk->bloom == NULL);
			values[Anum_chunk_piece_runs - 1] = PieceRunsToDatum(chunk);
			nulls[Anum_chunk_piece_runs - 1] = (chunk->piece_runs == NULL);
			InsertCatalogRow(&chunk_cat, values, nulls, cid);
		}
	}
	CloseCatalog(&chunk_cat, RowExclusiveLock);
}

/*
 * A copy of row group header "rg" in "context", with zeroed chunks (no
 * data: all NULL) allocated there too, as are the chunks' metadata that
 * FillChunk copies and what point reads keep (memo_context); only for the
 * columns in "attrs" (executor numbering; NULL: all), the others' chunk
 * arrays being NULL.
 */
static ColumnarRowGroup *
WithChunks(const ColumnarRowGroup *rg, MemoryContext context, const Bitmapset *attrs)
{
	ColumnarRowGroup *full = MemoryContextAlloc(context, sizeof(ColumnarRowGroup));

	*full = *rg;
	full->chunks = MemoryContextAllocZero(context, sizeof(ColumnarChunk *) * rg->natts);
	for (int a = 0; a < rg->natts; a++)
	{
		if (attrs != NULL &&
			!bms_is_member(a + 1 - FirstLowInvalidHeapAttributeNumber, attrs))
			continue;
		full->chunks[a] = MemoryContextAllocZero(context,
												 sizeof(ColumnarChunk) * rg->chunk_count);
		for (int c = 0; c < rg->chunk_count; c++)
			full->chunks[a][c].memo_context = context;
	}
	return full;
}

/*
 * Builds a row group header (no chunks yet: WithChunks) from a row_group
 * catalog row, checking its fields.
 */
static ColumnarRowGroup *
RowGroupFromTuple(Relation rel, HeapTuple tuple, TupleDesc desc)
{
	Datum		values[Natts_row_group];
	bool		nulls[Natts_row_group];
	ColumnarRowGroup *rg;
	int64		row_count;
	int32		chunk_rows;
	int32		chunk_count;

	heap_deform_tuple(tuple, desc, values, nulls);
	row_count = DatumGetInt64(values[Anum_row_group_row_count - 1]);
	chunk_rows = DatumGetInt32(values[Anum_row_group_chunk_rows - 1]);
	chunk_count = DatumGetInt32(values[Anum_row_group_chunk_count - 1]);
	if (row_count <= 0 || chunk_rows <= 0 || chunk_count <= 0 ||
		(int64) chunk_rows * chunk_count < row_count ||
		(int64) chunk_rows * (chunk_count - 1) >= row_count)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("invalid row group metadata for \"%s\"", RelationGetRelationName(rel))));
	rg = palloc0(sizeof(ColumnarRowGroup));
	rg->first_row = (uint64) DatumGetInt64(values[Anum_row_group_first_row - 1]);
	rg->row_count = row_count;
	rg->chunk_rows = chunk_rows;
	rg->chunk_count = chunk_count;
	rg->natts = RelationGetDescr(rel)->natts;
	rg->catalog_xmin = HeapTupleHeaderGetRawXmin(tuple->t_data);
	rg->catalog_tid = tuple->t_self;
	return rg;
}

/* Appends "rg" to "map", whose array has room for *allocated entries. */
static void
AppendRowGroup(ColumnarStorageMap *map, int *allocated, ColumnarRowGroup *rg)
{
	if (map->count == *allocated)
	{
		*allocated = Max(8, *allocated * 2);
		map->row_groups = map->row_groups == NULL ?
			palloc(sizeof(ColumnarRowGroup *) * *allocated) :
			repalloc(map->row_groups, sizeof(ColumnarRowGroup *) * *allocated);
	}
	map->row_groups[map->count++] = rg;
}

/*
 * Reads the row_group rows of a storage under "snapshot", by first_row.
 * Row groups found in the cache come with their chunks' metadata; the
 * others, built without it for the columns "attrs" (WithChunks), are also
 * listed in "uncached": built in the cache's context while "cache" is set
 * and the cache has room, else in the current context.
 */
static ColumnarStorageMap *
ReadRowGroups(Relation rel, Snapshot snapshot, bool cache, const Bitmapset *attrs,
			  ColumnarStorageMap *uncached)
{
	CatalogTable cat;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tuple;
	Relation	pkey;
	Oid			storage_id = ColumnarStorageId(rel);
	ColumnarStorageMap *map = palloc0(sizeof(ColumnarStorageMap));
	int			allocated = 0;
	int			uncached_allocated = 0;

	OpenCatalog("row_group", AccessShareLock, false, &cat);
	pkey = index_open(cat.pkey, AccessShareLock);
	InitStorageKey(&key, storage_id);
	scan = systable_beginscan_ordered(cat.rel, pkey, snapshot, 1, &key);
	while (HeapTupleIsValid(tuple = systable_getnext_ordered(scan, ForwardScanDirection)))
	{
		ColumnarRowGroup *header = RowGroupFromTuple(rel, tuple, RelationGetDescr(cat.rel));
		ColumnarRowGroup *rg = ColumnarCachedRowGroup(storage_id, header);

		if (rg == NULL)
		{
			MemoryContext space = cache ? ColumnarRowGroupCacheSpace() : NULL;

			rg = WithChunks(header, space != NULL ? space : CurrentMemoryContext, attrs);
			AppendRowGroup(uncached, &uncached_allocated, rg);
		}
		pfree(header);
		AppendRowGroup(map, &allocated, rg);
	}
	systable_endscan_ordered(scan);
	index_close(pkey, AccessShareLock);
	CloseCatalog(&cat, AccessShareLock);
	return map;
}

/*
 * ColumnarFindRowGroup - the row group of "map" holding "row_number", or
 * NULL.  Binary search: row groups are sorted by first_row and disjoint.
 */
ColumnarRowGroup *
ColumnarFindRowGroup(ColumnarStorageMap *map, uint64 row_number)
{
	int			low = 0;
	int			high = map->count - 1;

	while (low <= high)
	{
		int			mid = low + (high - low) / 2;
		ColumnarRowGroup *rg = map->row_groups[mid];

		if (row_number < rg->first_row)
			high = mid - 1;
		else if (row_number >= rg->first_row + (uint64) rg->row_count)
			low = mid + 1;
		else
			return rg;
	}
	return NULL;
}

/* A copy of bytea "value" in "context". */
static bytea *
CopyBytea(MemoryContext context, Datum value)
{
	MemoryContext old = MemoryContextSwitchTo(context);
	bytea	   *copy = DatumGetByteaPCopy(value);

	MemoryContextSwitchTo(old);
	return copy;
}

/*
 * Fills one chunk's metadata from a chunk catalog row, the copies in the
 * chunk's own context.  The min/max images are kept as stored and decoded
 * only by a reader that filters on them: they are in the column's type as
 * it was when the chunk was written, and a rewriting ALTER TABLE reads old
 * chunks while the relation already has the new types.
 */
static void
FillChunk(ColumnarChunk *chunk, Datum *values, bool *nulls)
{
	chunk->row_count = DatumGetInt32(values[Anum_chunk_row_count - 1]);
	chunk->null_count = DatumGetInt32(values[Anum_chunk_null_count - 1]);
	chunk->encoding = DatumGetInt16(values[Anum_chunk_encoding - 1]);
	chunk->compression = DatumGetInt16(values[Anum_chunk_compression - 1]);
	chunk->raw_size = DatumGetInt32(values[Anum_chunk_raw_size - 1]);
	chunk->plain_size = DatumGetInt64(values[Anum_chunk_plain_size - 1]);
	chunk->stored_size = DatumGetInt32(values[Anum_chunk_stored_size - 1]);
	chunk->toast_value = DatumGetObjectId(values[Anum_chunk_toast_value - 1]);
	chunk->has_minmax = !nulls[Anum_chunk_min_value - 1] && !nulls[Anum_chunk_max_value - 1];
	if (chunk->has_minmax)
	{
		chunk->min_image = CopyBytea(chunk->memo_context, values[Anum_chunk_min_value - 1]);
		chunk->max_image = CopyBytea(chunk->memo_context, values[Anum_chunk_max_value - 1]);
	}
	if (!nulls[Anum_chunk_bloom - 1])
		chunk->bloom = CopyBytea(chunk->memo_context, values[Anum_chunk_bloom - 1]);
	if (!nulls[Anum_chunk_piece_runs - 1])
		FillPieceRuns(chunk, chunk->memo_context, values[Anum_chunk_piece_runs - 1]);
}

#define ALL_ROW_GROUPS PG_UINT64_MAX

/* Up to this many row groups, chunks are read row group by row group. */
#define FEW_ROW_GROUPS 4

/*
 * Attaches the chunk rows of a storage (or only of the row group starting
 * at "only_first_row"; of column "only_attnum" only when it is not 0),
 * read under "snapshot", to the row groups of "map".  A chunk row whose row
 * group, column or chunk number does not fit is corruption.  Columns added
 * after a row group was written have no chunk rows there; the reader gives
 * them their missing value.
 */
static void
ReadChunks(Relation rel, Snapshot snapshot, ColumnarStorageMap *map, uint64 only_first_row,
		   AttrNumber only_attnum)
{
	CatalogTable cat;
	ScanKeyData keys[3];
	int			nkeys = 1;
	SysScanDesc scan;
	HeapTuple	tuple;

	OpenCatalog("chunk", AccessShareLock, false, &cat);
	InitStorageKey(&keys[0], ColumnarStorageId(rel));
	if (only_first_row != ALL_ROW_GROUPS)
		ScanKeyInit(&keys[nkeys++], Anum_chunk_first_row, BTEqualStrategyNumber, F_INT8EQ,
					Int64GetDatum((int64) only_first_row));
	/* the primary key's third column: checked on index entries, no heap visit */
	if (only_attnum != 0)
		ScanKeyInit(&keys[nkeys++], Anum_chunk_attnum, BTEqualStrategyNumber, F_INT2EQ,
					Int16GetDatum(only_attnum));
	scan = systable_beginscan(cat.rel, cat.pkey, true, snapshot, nkeys, keys);
	while (HeapTupleIsValid(tuple = systable_getnext(scan)))
	{
		Datum		values[Natts_chunk];
		bool		nulls[Natts_chunk];
		ColumnarRowGroup *rg;
		uint64		first_row;
		int			attnum;
		int			chunkno;

		CHECK_FOR_INTERRUPTS();
		heap_deform_tuple(tuple, RelationGetDescr(cat.rel), values, nulls);
		first_row = (uint64) DatumGetInt64(values[Anum_chunk_first_row - 1]);
		attnum = DatumGetInt16(values[Anum_chunk_attnum - 1]);
		chunkno = DatumGetInt32(values[Anum_chunk_chunk - 1]);
		rg = ColumnarFindRowGroup(map, first_row);
		if (rg == NULL || rg->first_row != first_row)
			continue;			/* its row group is invisible to this snapshot */
		if (attnum < 1 || attnum > rg->natts || chunkno < 0 || chunkno >= rg->chunk_count)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("invalid chunk metadata for \"%s\"", RelationGetRelationName(rel)),
					 errdetail("Row group %llu has no column %d chunk %d.",
							   (unsigned long long) first_row, attnum, chunkno)));
		if (rg->chunks[attnum - 1] != NULL)	/* NULL: a column not read */
			FillChunk(&rg->chunks[attnum - 1][chunkno], values, nulls);
	}
	systable_endscan(scan);
	CloseCatalog(&cat, AccessShareLock);
}

/*
 * Reads the chunk rows of the row groups of "uncached" (of column "attnum"
 * only, when not 0): all of the storage's in one scan when there are many,
 * else row group by row group.
 */
static void
ReadUncachedChunks(Relation rel, Snapshot snapshot, ColumnarStorageMap *uncached,
				   AttrNumber attnum)
{
	if (uncached->count > FEW_ROW_GROUPS)
		ReadChunks(rel, snapshot, uncached, ALL_ROW_GROUPS, attnum);
	else
	{
		for (int g = 0; g < uncached->count; g++)
			ReadChunks(rel, snapshot, uncached, uncached->row_groups[g]->first_row, attnum);
	}
}

/*
 * ColumnarReadStorageMap - the row groups of "rel" that "snapshot" sees,
 * with their chunks' metadata.  The map is allocated in the current memory
 * context; its row groups come from the backend's cache or are read into it
 * (an MVCC snapshot, while the cache has room; else they are allocated in
 * the current context too): they are shared and must not be changed.
 */
ColumnarStorageMap *
ColumnarReadStorageMap(Relation rel, Snapshot snapshot)
{
	ColumnarStorageMap uncached = {0};
	ColumnarStorageMap *map = ReadRowGroups(rel, snapshot, IsMVCCSnapshot(snapshot), NULL,
											&uncached);

	ReadUncachedChunks(rel, snapshot, &uncached, 0);
	for (int g = 0; g < uncached.count; g++)
	{
		if (ColumnarRowGroupIsInCache(uncached.row_groups[g]))
			ColumnarAdoptRowGroup(ColumnarStorageId(rel), uncached.row_groups[g]);
	}
	if (uncached.row_groups != NULL)
		pfree(uncached.row_groups);
	return map;
}

/*
 * ColumnarReadStorageMapColumns - ColumnarReadStorageMap for a reader of
 * the columns "attrs_needed" only (attribute numbers minus
 * FirstLowInvalidHeapAttributeNumber; NULL or a whole-row reference: all).
 * A parallel worker, whose process ends with its query, reads the chunk
 * rows of those columns only (the others' chunk arrays are NULL: the
 * reader must not ask for them) and caches nothing; other backends read
 * every column's, for their cache.
 */
ColumnarStorageMap *
ColumnarReadStorageMapColumns(Relation rel, Snapshot snapshot, const Bitmapset *attrs_needed)
{
	ColumnarStorageMap uncached = {0};
	ColumnarStorageMap *map;

	if (!IsParallelWorker() || attrs_needed == NULL ||
		bms_is_member(InvalidAttrNumber - FirstLowInvalidHeapAttributeNumber, attrs_needed))
		return ColumnarReadStorageMap(rel, snapshot);
	map = ReadRowGroups(rel, snapshot, false, attrs_needed, &uncached);
	for (AttrNumber a = 1; a <= RelationGetDescr(rel)->natts; a++)
	{
		if (bms_is_member(a - FirstLowInvalidHeapAttributeNumber, attrs_needed))
			ReadUncachedChunks(rel, snapshot, &uncached, a);
	}
	if (uncached.row_groups != NULL)
		pfree(uncached.row_groups);
	return map;
}

/*
 * A copy of the first row of "cat" that the primary key finds for "keys"
 * under "snapshot", or NULL.
 */
static HeapTuple
FindCatalogRow(CatalogTable *cat, ScanKey keys, int nkeys, Snapshot snapshot)
{
	SysScanDesc scan = systable_beginscan(cat->rel, cat->pkey, true, snapshot, nkeys, keys);
	HeapTuple	tuple = systable_getnext(scan);

	if (HeapTupleIsValid(tuple))
		tuple = heap_copytuple(tuple);
	systable_endscan(scan);
	return tuple;
}

/* Looks up the deletion marker of a row under "snapshot"; a copy or NULL. */
static HeapTuple
FindDeletionMarker(CatalogTable *cat, Oid storage_id, uint64 row_number, Snapshot snapshot)
{
	ScanKeyData keys[2];

	InitStorageKey(&keys[0], storage_id);
	ScanKeyInit(&keys[1], Anum_deleted_row_row_number, BTEqualStrategyNumber, F_INT8EQ,
				Int64GetDatum((int64) row_number));
	return FindCatalogRow(cat, keys, 2, snapshot);
}

/*
 * ColumnarRowIsDeleted - whether "snapshot" sees a deletion of the row.
 */
bool
ColumnarRowIsDeleted(Oid storage_id, uint64 row_number, Snapshot snapshot)
{
	CatalogTable cat;
	HeapTuple	marker;

	OpenCatalog("deleted_row", AccessShareLock, false, &cat);
	marker = FindDeletionMarker(&cat, storage_id, row_number, snapshot);
	CloseCatalog(&cat, AccessShareLock);
	return HeapTupleIsValid(marker);
}

/* Scans the deletion markers of the rows of "rg" (row_number in its range). */
static SysScanDesc
BeginGroupMarkerScan(CatalogTable *cat, Oid storage_id, ColumnarRowGroup *rg,
					 Snapshot snapshot, ScanKeyData *keys)
{
	InitStorageKey(&keys[0], storage_id);
	ScanKeyInit(&keys[1], Anum_deleted_row_row_number, BTGreaterEqualStrategyNumber,
				F_INT8GE, Int64GetDatum((int64) rg->first_row));
	ScanKeyInit(&keys[2], Anum_deleted_row_row_number, BTLessStrategyNumber,
				F_INT8LT, Int64GetDatum((int64) (rg->first_row + rg->row_count)));
	return systable_beginscan(cat->rel, cat->pkey, true, snapshot, 3, keys);
}

/*
 * ColumnarDeletedRowsInGroup - offsets (row number - first_row) of the rows
 * of "rg" whose deletion "snapshot" sees, made before transaction "before"
 * when that is valid; NULL when there are none.
 */
Bitmapset *
ColumnarDeletedRowsInGroup(Oid storage_id, ColumnarRowGroup *rg, Snapshot snapshot,
						   TransactionId before)
{
	CatalogTable cat;
	ScanKeyData keys[3];
	SysScanDesc scan;
	HeapTuple	tuple;
	Bitmapset  *deleted = NULL;

	OpenCatalog("deleted_row", AccessShareLock, false, &cat);
	scan = BeginGroupMarkerScan(&cat, storage_id, rg, snapshot, keys);
	while (HeapTupleIsValid(tuple = systable_getnext(scan)))
	{
		bool		isnull;
		int64		row_number;

		if (TransactionIdIsValid(before) &&
			!TransactionIdPrecedes(HeapTupleHeaderGetXmin(tuple->t_data), before))
			continue;
		row_number = DatumGetInt64(heap_getattr(tuple, Anum_deleted_row_row_number,
												RelationGetDescr(cat.rel), &isnull));
		deleted = bms_add_member(deleted, (int) (row_number - (int64) rg->first_row));
	}
	systable_endscan(scan);
	CloseCatalog(&cat, AccessShareLock);
	return deleted;
}

/* Deletes the rows that "scan" returns from "cat". */
static void
DeleteScannedRows(CatalogTable *cat, SysScanDesc scan)
{
	HeapTuple	tuple;

	while (HeapTupleIsValid(tuple = systable_getnext(scan)))
		simple_heap_delete(cat->rel, &tuple->t_self);
	systable_endscan(scan);
}

/* Deletes the TOAST value "value_id" of rel's TOAST relation. */
static void
DeleteChunkBytes(Relation rel, Oid value_id, int32 stored_size)
{
	struct varlena *pointer = palloc(TOAST_POINTER_SIZE);
	varatt_external toast_pointer;

	toast_pointer.va_rawsize = stored_size + VARHDRSZ;
	toast_pointer.va_extinfo = (uint32) stored_size;
	toast_pointer.va_valueid = value_id;
	toast_pointer.va_toastrelid = rel->rd_rel->reltoastrelid;
	SET_VARTAG_EXTERNAL(pointer, VARTAG_ONDISK);
	memcpy(VARDATA_EXTERNAL(pointer), &toast_pointer, sizeof(toast_pointer));
	toast_delete_datum(rel, PointerGetDatum(pointer), false);
	pfree(pointer);
}

/*
 * ColumnarDropRowGroup - removes row group "rg" of "rel": its chunks'
 * bytes, its chunk and row_group catalog rows and its rows' deletion
 * markers, as one transactional change (snapshots that still see the row
 * group see all of it; TOAST values stay readable to them until VACUUM of
 * the TOAST relation, as for any deleted heap row).  Only for a row group
 * whose every row no snapshot sees and no index points to any more.
 */
void
ColumnarDropRowGroup(Relation rel, ColumnarRowGroup *rg)
{
	Oid			storage_id = ColumnarStorageId(rel);
	CatalogTable cat;
	ScanKeyData keys[3];

	CacheInvalidateRelcache(rel);	/* planners' estimates */
	for (int a = 0; a < rg->natts; a++)
	{
		for (int c = 0; c < rg->chunk_count; c++)
		{
			ColumnarChunk *chunk = &rg->chunks[a][c];

			if (OidIsValid(chunk->toast_value))
				DeleteChunkBytes(rel, chunk->toast_value, chunk->stored_size);
		}
	}
	InitStorageKey(&keys[0], storage_id);
	ScanKeyInit(&keys[1], Anum_chunk_first_row, BTEqualStrategyNumber, F_INT8EQ,
				Int64GetDatum((int64) rg->first_row));
	OpenCatalog("chunk", RowExclusiveLock, false, &cat);
	DeleteScannedRows(&cat, systable_beginscan(cat.rel, cat.pkey, true, NULL, 2, keys));
	CloseCatalog(&cat, RowExclusiveLock);
	OpenCatalog("row_group", RowExclusiveLock, false, &cat);
	DeleteScannedRows(&cat, systable_beginscan(cat.rel, cat.pkey, true, NULL, 2, keys));
	CloseCatalog(&cat, RowExclusiveLock);
	OpenCatalog("deleted_row", RowExclusiveLock, false, &cat);
	DeleteScannedRows(&cat, BeginGroupMarkerScan(&cat, storage_id, rg, NULL, keys));
	CloseCatalog(&cat, RowExclusiveLock);
}

/* Fills "tmfd" from a committed (or our own) deletion marker. */
static TM_Result
MarkerConflict(HeapTuple marker, TupleDesc desc, ItemPointer tid, TM_FailureData *tmfd)
{
	TransactionId xmin = HeapTupleHeaderGetXmin(marker->t_data);
	bool		isnull;
	Datum		new_tid = heap_getattr(marker, Anum_deleted_row_new_tid, desc, &isnull);

	tmfd->xmax = xmin;
	if (isnull)
		ItemPointerCopy(tid, &tmfd->ctid);
	else
		ItemPointerCopy(DatumGetItemPointer(new_tid), &tmfd->ctid);
	if (TransactionIdIsCurrentTransactionId(xmin))
	{
		tmfd->cmax = HeapTupleHeaderGetCmin(marker->t_data);
		return TM_SelfModified;
	}
	tmfd->cmax = InvalidCommandId;
	return isnull ? TM_Deleted : TM_Updated;
}

/*
 * ColumnarMarkRowDeleted - delete the row-group row "row_number" as of
 * command "cid".  For an UPDATE, "new_version" is called once the row is
 * known to be deletable, inserts the new version and returns its TID, which
 * the marker records for EvalPlanQual.
 *
 * Heap semantics: if another transaction deleted or updated the row and is
 * still running, wait for it (or return TM_WouldBlock when !wait) and look
 * again; if it committed, return TM_Deleted or TM_Updated with the failure
 * data the executor needs for EvalPlanQual or a serialization error; if our
 * own transaction did, TM_SelfModified.  The row's tuple lock is taken in
 * the strongest mode from the look-up to the insertion of the marker, so two
 * deleters cannot both see no marker, and row lockers (ColumnarLockRow)
 * holding it until their commit keep deleters out.
 */
TM_Result
ColumnarMarkRowDeleted(Relation rel, uint64 row_number, CommandId cid, bool wait,
					   TM_FailureData *tmfd, ColumnarNewVersion new_version, void *arg)
{
	CatalogTable cat;
	ItemPointerData tid;
	Oid			storage_id = ColumnarStorageId(rel);
	TM_Result	result;

	ColumnarRowNumberGetTid(row_number, &tid);
	OpenCatalog("deleted_row", RowExclusiveLock, false, &cat);
	for (;;)
	{
		SnapshotData dirty;
		HeapTuple	marker;

		if (wait)
			LockTuple(rel, &tid, AccessExclusiveLock);
		else if (!ConditionalLockTuple(rel, &tid, AccessExclusiveLock))
		{
			result = TM_WouldBlock;
			break;
		}

		InitDirtySnapshot(dirty);
		marker = FindDeletionMarker(&cat, storage_id, row_number, &dirty);
		if (!HeapTupleIsValid(marker))
		{
			Datum		values[Natts_deleted_row];
			bool		nulls[Natts_deleted_row] = {false};
			ItemPointerData new_tid;

			if (new_version != NULL)
				new_version(arg, &new_tid);
			values[Anum_deleted_row_storage_id - 1] = ObjectIdGetDatum(storage_id);
			values[Anum_deleted_row_row_number - 1] = Int64GetDatum((int64) row_number);
			values[Anum_deleted_row_new_tid - 1] = ItemPointerGetDatum(&new_tid);
			nulls[Anum_deleted_row_new_tid - 1] = (new_version == NULL);
			InsertCatalogRow(&cat, values, nulls, cid);
			UnlockTuple(rel, &tid, AccessExclusiveLock);
			result = TM_Ok;
			break;
		}
		UnlockTuple(rel, &tid, AccessExclusiveLock);

		if (TransactionIdIsValid(dirty.xmin))
		{
			/* Another transaction's deletion is in progress: wait for it. */
			if (!wait)
			{
				result = TM_WouldBlock;
				break;
			}
			XactLockTableWait(dirty.xmin, rel, &tid, XLTW_Delete);
			continue;
		}
		result = MarkerConflict(marker, RelationGetDescr(cat.rel), &tid, tmfd);
		break;
	}
	CloseCatalog(&cat, RowExclusiveLock);
	return result;
}

/*
 * ColumnarCheckDeletion - the deletion state of a row as a dirty snapshot
 * sees it: COLUMNAR_ROW_LIVE, COLUMNAR_ROW_DELETING (by the transaction
 * returned in *deleter, still running), or COLUMNAR_ROW_DELETED (committed,
 * or by our own transaction), with "tmfd" filled as for a failed delete.
 */
ColumnarRowState
ColumnarCheckDeletion(Relation rel, uint64 row_number, TransactionId *deleter,
					  TM_FailureData *tmfd, TM_Result *conflict)
{
	CatalogTable cat;
	SnapshotData dirty;
	HeapTuple	marker;
	ItemPointerData tid;
	ColumnarRowState state = COLUMNAR_ROW_LIVE;

	ColumnarRowNumberGetTid(row_number, &tid);
	InitDirtySnapshot(dirty);
	OpenCatalog("deleted_row", AccessShareLock, false, &cat);
	marker = FindDeletionMarker(&cat, ColumnarStorageId(rel), row_number, &dirty);
	if (HeapTupleIsValid(marker))
	{
		if (TransactionIdIsValid(dirty.xmin))
		{
			*deleter = dirty.xmin;
			state = COLUMNAR_ROW_DELETING;
		}
		else
		{
			*conflict = MarkerConflict(marker, RelationGetDescr(cat.rel), &tid, tmfd);
			state = COLUMNAR_ROW_DELETED;
		}
	}
	CloseCatalog(&cat, AccessShareLock);
	return state;
}

/*
 * Looks up, under "snapshot", the row_group row whose rows start at or
 * before "row_number" and, if its rows include it, returns a copy of it.
 * With a dirty snapshot, the snapshot's xmin is set when the row group's
 * writer is still running, as for a heap tuple.
 */
static HeapTuple
FindRowGroupTuple(CatalogTable *cat, Oid storage_id, uint64 row_number, Snapshot snapshot)
{
	ScanKeyData keys[2];
	SysScanDesc scan;
	HeapTuple	tuple;
	Relation	pkey = index_open(cat->pkey, AccessShareLock);
	HeapTuple	result = NULL;

	InitStorageKey(&keys[0], storage_id);
	ScanKeyInit(&keys[1], Anum_row_group_first_row, BTLessEqualStrategyNumber, F_INT8LE,
				Int64GetDatum((int64) row_number));
	scan = systable_beginscan_ordered(cat->rel, pkey, snapshot, 2, keys);
	tuple = systable_getnext_ordered(scan, BackwardScanDirection);
	if (HeapTupleIsValid(tuple))
	{
		Datum		values[Natts_row_group];
		bool		nulls[Natts_row_group];

		heap_deform_tuple(tuple, RelationGetDescr(cat->rel), values, nulls);
		if (row_number < (uint64) DatumGetInt64(values[Anum_row_group_first_row - 1]) +
			(uint64) DatumGetInt64(values[Anum_row_group_row_count - 1]))
			result = heap_copytuple(tuple);
	}
	systable_endscan_ordered(scan);
	index_close(pkey, AccessShareLock);
	return result;
}

/*
 * ColumnarRowGroupVisible - whether "snapshot" sees a row group holding
 * "row_number" (a dirty snapshot learns the writer to wait for).
 */
bool
ColumnarRowGroupVisible(Relation rel, uint64 row_number, Snapshot snapshot)
{
	CatalogTable cat;
	HeapTuple	tuple;

	OpenCatalog("row_group", AccessShareLock, false, &cat);
	tuple = FindRowGroupTuple(&cat, ColumnarStorageId(rel), row_number, snapshot);
	CloseCatalog(&cat, AccessShareLock);
	return HeapTupleIsValid(tuple);
}

/*
 * ColumnarReadRowGroup - the row group holding "row_number" that
 * "snapshot" sees, with its chunks' metadata, or NULL.  For point reads,
 * which need one row group rather than the whole storage map.  A row group
 * from the backend's cache is shared and must not be changed.
 */
ColumnarRowGroup *
ColumnarReadRowGroup(Relation rel, uint64 row_number, Snapshot snapshot)
{
	CatalogTable cat;
	HeapTuple	tuple;
	ColumnarStorageMap map;
	ColumnarRowGroup *header;
	ColumnarRowGroup *rg;
	MemoryContext space;
	Oid			storage_id = ColumnarStorageId(rel);

	OpenCatalog("row_group", AccessShareLock, false, &cat);
	tuple = FindRowGroupTuple(&cat, storage_id, row_number, snapshot);
	if (!HeapTupleIsValid(tuple))
	{
		CloseCatalog(&cat, AccessShareLock);
		return NULL;
	}
	header = RowGroupFromTuple(rel, tuple, RelationGetDescr(cat.rel));
	CloseCatalog(&cat, AccessShareLock);
	rg = ColumnarCachedRowGroup(storage_id, header);
	if (rg != NULL)
		return rg;

	space = IsMVCCSnapshot(snapshot) ? ColumnarRowGroupCacheSpace() : NULL;
	rg = WithChunks(header, space != NULL ? space : CurrentMemoryContext, NULL);
	pfree(header);
	map.count = 1;
	map.row_groups = &rg;
	ReadChunks(rel, snapshot, &map, rg->first_row, 0);
	if (space != NULL)
		ColumnarAdoptRowGroup(storage_id, rg);
	return rg;
}

/* Adds up the int8 column "attnum" (or counts rows, attnum 0) of a catalog. */
static int64
SumStorageRows(const char *name, AttrNumber attnum, Oid storage_id, Snapshot snapshot)
{
	CatalogTable cat;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tuple;
	int64		total = 0;

	OpenCatalog(name, AccessShareLock, false, &cat);
	InitStorageKey(&key, storage_id);
	scan = systable_beginscan(cat.rel, cat.pkey, true, snapshot, 1, &key);
	while (HeapTupleIsValid(tuple = systable_getnext(scan)))
	{
		bool		isnull;

		total += attnum == 0 ? 1 :
			DatumGetInt64(heap_getattr(tuple, attnum, RelationGetDescr(cat.rel), &isnull));
	}
	systable_endscan(scan);
	CloseCatalog(&cat, AccessShareLock);
	return total;
}

/*
 * ColumnarLiveRows - the rows of the row groups "snapshot" sees, less the
 * deletions it sees; reads only row_group and deleted_row rows, for the
 * planner.
 */
int64
ColumnarLiveRows(Relation rel, Snapshot snapshot)
{
	Oid			storage_id = ColumnarStorageId(rel);

	return SumStorageRows("row_group", Anum_row_group_row_count, storage_id, snapshot) -
		SumStorageRows("deleted_row", 0, storage_id, snapshot);
}

/*
 * Estimates are kept per backend (table OID -> rows) until the table's
 * relcache entry is invalidated: writers of row groups (ColumnarInsertRowGroup,
 * ColumnarDropRowGroup) invalidate it, as do ANALYZE, VACUUM and every DDL.
 * New deletion markers do not, as deletions do not move heap's estimates
 * before VACUUM or ANALYZE.  Reading the catalogs for every plan was a
 * twentieth of a primary-key lookup.
 */
typedef struct EstimateEntry
{
	Oid			relid;
	int64		rows;
} EstimateEntry;

static HTAB *Estimates = NULL;

static void
ForgetEstimate(Datum arg, Oid relid)
{
	if (!OidIsValid(relid))
	{
		HASH_SEQ_STATUS status;
		EstimateEntry *entry;

		hash_seq_init(&status, Estimates);
		while ((entry = hash_seq_search(&status)) != NULL)
			hash_search(Estimates, &entry->relid, HASH_REMOVE, NULL);
	}
	else
		hash_search(Estimates, &relid, HASH_REMOVE, NULL);
}

static int64 CountEstimatedLiveRows(Relation rel, Snapshot snapshot);

/*
 * ColumnarEstimateLiveRows - for the planner: the rows of the row groups
 * "snapshot" sees, less their deletions (CountEstimatedLiveRows), as last
 * counted since the table's relcache entry was invalidated.
 */
int64
ColumnarEstimateLiveRows(Relation rel, Snapshot snapshot)
{
	Oid			relid = RelationGetRelid(rel);
	EstimateEntry *entry;
	bool		found;
	int64		rows;

	if (Estimates == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(Oid);
		ctl.entrysize = sizeof(EstimateEntry);
		Estimates = hash_create("columnar row estimates", 64, &ctl, HASH_ELEM | HASH_BLOBS);
		CacheRegisterRelcacheCallback(ForgetEstimate, (Datum) 0);
	}
	entry = hash_search(Estimates, &relid, HASH_FIND, NULL);
	if (entry != NULL)
		return entry->rows;
	rows = CountEstimatedLiveRows(rel, snapshot);
	entry = hash_search(Estimates, &relid, HASH_ENTER, &found);
	entry->rows = rows;
	return rows;
}

/*
 * The rows of the row groups "snapshot" sees, less their deletions, which
 * are counted up to ESTIMATE_MARKERS markers and extrapolated beyond over
 * the span of row numbers those markers cover (markers come in row-number
 * order), so that planning stays cheap with millions of markers: counting
 * them all took a tenth of a second per plan at 500,000.
 */
#define ESTIMATE_MARKERS	1000

static int64
CountEstimatedLiveRows(Relation rel, Snapshot snapshot)
{
	Oid			storage_id = ColumnarStorageId(rel);
	CatalogTable cat;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tuple;
	int64		rows = 0;
	int64		markers = 0;
	double		deleted;
	uint64		first = PG_UINT64_MAX;
	uint64		end = 0;
	uint64		last_marker = 0;
	bool		more;

	OpenCatalog("row_group", AccessShareLock, false, &cat);
	InitStorageKey(&key, storage_id);
	scan = systable_beginscan(cat.rel, cat.pkey, true, snapshot, 1, &key);
	while (HeapTupleIsValid(tuple = systable_getnext(scan)))
	{
		bool		isnull;
		uint64		first_row = (uint64) DatumGetInt64(heap_getattr(tuple, Anum_row_group_first_row,
																	RelationGetDescr(cat.rel),
																	&isnull));
		int64		count = DatumGetInt64(heap_getattr(tuple, Anum_row_group_row_count,
													   RelationGetDescr(cat.rel), &isnull));

		rows += count;
		first = Min(first, first_row);
		end = Max(end, first_row + (uint64) count);
	}
	systable_endscan(scan);
	CloseCatalog(&cat, AccessShareLock);

	OpenCatalog("deleted_row", AccessShareLock, false, &cat);
	scan = systable_beginscan(cat.rel, cat.pkey, true, snapshot, 1, &key);
	while (markers < ESTIMATE_MARKERS && HeapTupleIsValid(tuple = systable_getnext(scan)))
	{
		bool		isnull;

		last_marker = (uint64) DatumGetInt64(heap_getattr(tuple, Anum_deleted_row_row_number,
														  RelationGetDescr(cat.rel), &isnull));
		markers++;
	}
	more = markers == ESTIMATE_MARKERS && HeapTupleIsValid(systable_getnext(scan));
	systable_endscan(scan);
	CloseCatalog(&cat, AccessShareLock);

	deleted = (double) markers;
	if (more && last_marker >= first && end > first)
		deleted = (double) markers * (double) (end - first) / (double) (last_marker - first + 1);
	return Max(0, rows - (int64) deleted);
}

/*
 * ColumnarStorageStats - totals over the row groups and deletion markers the
 * current snapshot sees.
 */
void
ColumnarStorageStats(Relation rel, int64 *row_groups, int64 *rows, int64 *deleted_rows,
					 int64 *stored_bytes, int64 *raw_bytes)
{
	Snapshot	snapshot = GetActiveSnapshot();
	ColumnarStorageMap *map = ColumnarReadStorageMap(rel, snapshot);
	Oid			storage_id = ColumnarStorageId(rel);

	*row_groups = map->count;
	*rows = *deleted_rows = *stored_bytes = *raw_bytes = 0;
	for (int g = 0; g < map->count; g++)
	{
		ColumnarRowGroup *rg = map->row_groups[g];

		*rows += rg->row_count;
		*deleted_rows += bms_num_members(ColumnarDeletedRowsInGroup(storage_id, rg, snapshot,
																							 InvalidTransactionId));
		for (int a = 0; a < rg->natts; a++)
			for (int c = 0; c < rg->chunk_count; c++)
			{
				*stored_bytes += rg->chunks[a][c].stored_size;
				*raw_bytes += rg->chunks[a][c].raw_size;
			}
	}
}


/* ------------------------------------------------------------------------
 * Per-table options: _epiphany_columnar.options, keyed by the table's OID,
 * so that they outlive TRUNCATE and rewrites, with the sort columns by name,
 * so that pg_dump can carry them to another database.
 * ------------------------------------------------------------------------
 */

/* The names of columns attnums[0..count) of "relid", as a name[]. */
static ArrayType *
AttnumsToNameArray(Oid relid, const AttrNumber *attnums, int count)
{
	Datum	   *elems = palloc(sizeof(Datum) * Max(count, 1));

	for (int i = 0; i < count; i++)
	{
		Name		name = palloc0(NAMEDATALEN);

		namestrcpy(name, get_attname(relid, attnums[i], false));
		elems[i] = NameGetDatum(name);
	}
	return construct_array(elems, count, NAMEOID, NAMEDATALEN, false, TYPALIGN_CHAR);
}

/* The elements of a name[] of the options of "relid", checking its shape. */
static int
NameArrayElements(Datum datum, Oid relid, Datum **elems)
{
	ArrayType  *array = DatumGetArrayTypeP(datum);
	bool	   *nulls;
	int			count;

	deconstruct_array(array, NAMEOID, NAMEDATALEN, false, TYPALIGN_CHAR,
					  elems, &nulls, &count);
	if (count > COLUMNAR_MAX_SORT_KEYS || ARR_NDIM(array) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("invalid columnar options for relation %u", relid)));
	for (int i = 0; i < count; i++)
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("invalid columnar options for relation %u", relid)));
	return count;
}

/*
 * Reads a name[] of columns of "relid" into attribute numbers; a name that
 * is no column of the table is left out.  Returns how many there are.
 */
static int
NameArrayToAttnums(Datum datum, AttrNumber *attnums, Oid relid)
{
	Datum	   *elems;
	int			count = NameArrayElements(datum, relid, &elems);
	int			found = 0;

	for (int i = 0; i < count; i++)
	{
		AttrNumber	attnum = get_attnum(relid, NameStr(*DatumGetName(elems[i])));

		if (attnum > 0)
			attnums[found++] = attnum;
	}
	return found;
}

/*
 * The options row of "relid", or NULL.  SnapshotSelf: options set earlier
 * in this transaction, even in this command, count.
 */
static HeapTuple
FindOptionsTuple(CatalogTable *cat, Oid relid)
{
	ScanKeyData key;

	ScanKeyInit(&key, Anum_options_relid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(relid));
	return FindCatalogRow(cat, &key, 1, SnapshotSelf);
}

/*
 * ColumnarGetOptions - the options of table "relid", defaults for those
 * never set.
 */
void
ColumnarGetOptions(Oid relid, ColumnarOptions *options)
{
	CatalogTable cat;
	HeapTuple	tuple;
	Datum		values[Natts_options];
	bool		nulls[Natts_options];

	memset(options, 0, sizeof(ColumnarOptions));
	options->compression = COLUMNAR_DEFAULT_COMPRESSION;
	options->compression_level = EP_COMPRESSION_LEVEL_DEFAULT;
	options->row_group_rows = COLUMNAR_DEFAULT_ROW_GROUP_ROWS;
	options->chunk_rows = COLUMNAR_DEFAULT_CHUNK_ROWS;

	OpenCatalog("options", AccessShareLock, false, &cat);
	tuple = FindOptionsTuple(&cat, relid);
	if (HeapTupleIsValid(tuple))
	{
		heap_deform_tuple(tuple, RelationGetDescr(cat.rel), values, nulls);
		if (!EpCompressionFromName(TextDatumGetCString(values[Anum_options_compression - 1]),
								   &options->compression))
			ereport(ERROR,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("invalid columnar options for relation %u", relid)));
		options->compression_level = DatumGetInt32(values[Anum_options_compression_level - 1]);
		options->row_group_rows = DatumGetInt32(values[Anum_options_row_group_rows - 1]);
		options->chunk_rows = DatumGetInt32(values[Anum_options_chunk_rows - 1]);
		options->nsegmentby = NameArrayToAttnums(values[Anum_options_segmentby - 1],
												 options->segmentby, relid);
		options->norderby = NameArrayToAttnums(values[Anum_options_orderby - 1],
											   options->orderby, relid);
		options->nbloom = NameArrayToAttnums(values[Anum_options_bloom - 1],
											 options->bloom, relid);
	}
	CloseCatalog(&cat, AccessShareLock);
}

/*
 * ColumnarSetOptions - record the options of table "relid" (validated by
 * the caller), replacing any earlier ones.  Transactional.
 */
void
ColumnarSetOptions(Oid relid, const ColumnarOptions *options)
{
	CatalogTable cat;
	HeapTuple	old;
	Datum		values[Natts_options];
	bool		nulls[Natts_options] = {false};

	OpenCatalog("options", RowExclusiveLock, false, &cat);
	old = FindOptionsTuple(&cat, relid);
	if (HeapTupleIsValid(old))
		simple_heap_delete(cat.rel, &old->t_self);
	values[Anum_options_relid - 1] = ObjectIdGetDatum(relid);
	values[Anum_options_compression - 1] =
		CStringGetTextDatum(EpCompressionName(options->compression));
	values[Anum_options_compression_level - 1] = Int32GetDatum(options->compression_level);
	values[Anum_options_row_group_rows - 1] = Int32GetDatum(options->row_group_rows);
	values[Anum_options_chunk_rows - 1] = Int32GetDatum(options->chunk_rows);
	values[Anum_options_segmentby - 1] =
		PointerGetDatum(AttnumsToNameArray(relid, options->segmentby, options->nsegmentby));
	values[Anum_options_orderby - 1] =
		PointerGetDatum(AttnumsToNameArray(relid, options->orderby, options->norderby));
	values[Anum_options_bloom - 1] =
		PointerGetDatum(AttnumsToNameArray(relid, options->bloom, options->nbloom));
	InsertCatalogRow(&cat, values, nulls, GetCurrentCommandId(true));
	CloseCatalog(&cat, RowExclusiveLock);
}

/*
 * ColumnarDropOptions - forget the options of a dropped table.  Does
 * nothing if the catalog is being dropped.
 */
void
ColumnarDropOptions(Oid relid)
{
	CatalogTable cat;
	HeapTuple	old;

	if (!OpenCatalog("options", RowExclusiveLock, true, &cat))
		return;
	old = FindOptionsTuple(&cat, relid);
	if (HeapTupleIsValid(old))
		simple_heap_delete(cat.rel, &old->t_self);
	CloseCatalog(&cat, RowExclusiveLock);
}

/* Replaces "old_name" by "new_name" (NULL: removes it) in a name[]. */
static Datum
RenameInNameArray(Datum datum, Oid relid, const char *old_name, const char *new_name,
				  bool *changed)
{
	Datum	   *elems;
	int			count = NameArrayElements(datum, relid, &elems);
	int			kept = 0;

	for (int i = 0; i < count; i++)
	{
		if (strcmp(NameStr(*DatumGetName(elems[i])), old_name) != 0)
			elems[kept++] = elems[i];
		else if (new_name != NULL)
		{
			Name		name = palloc0(NAMEDATALEN);

			namestrcpy(name, new_name);
			elems[kept++] = NameGetDatum(name);
			*changed = true;
		}
		else
			*changed = true;
	}
	return PointerGetDatum(construct_array(elems, kept, NAMEOID, NAMEDATALEN, false,
										   TYPALIGN_CHAR));
}

/*
 * ColumnarRenameOptionsColumn - column "old_name" of table "relid" is now
 * "new_name", or is dropped (new_name NULL): the options follow it.
 */
void
ColumnarRenameOptionsColumn(Oid relid, const char *old_name, const char *new_name)
{
	CatalogTable cat;
	HeapTuple	old;
	Datum		values[Natts_options];
	bool		nulls[Natts_options];
	bool		changed = false;

	if (!OpenCatalog("options", RowExclusiveLock, true, &cat))
		return;
	old = FindOptionsTuple(&cat, relid);
	if (HeapTupleIsValid(old))
	{
		heap_deform_tuple(old, RelationGetDescr(cat.rel), values, nulls);
		for (int a = Anum_options_segmentby; a <= Anum_options_bloom; a++)
			values[a - 1] = RenameInNameArray(values[a - 1], relid, old_name, new_name,
											  &changed);
		if (changed)
		{
			simple_heap_delete(cat.rel, &old->t_self);
			InsertCatalogRow(&cat, values, nulls, GetCurrentCommandId(true));
		}
	}
	CloseCatalog(&cat, RowExclusiveLock);
}
