/*-------------------------------------------------------------------------
 *
 * columnar_handler.c
 *	  The table access method "columnar": connects the row groups (reader,
 *	  writer, metadata) and the delta store to PostgreSQL's TableAmRoutine.
 *
 * NOTES
 *	  The main fork of a columnar table is a genuine heap: the delta store.
 *	  Every operation on a delta row (TIDs below COLUMNAR_FIRST_ROW_BLOCK) is
 *	  passed to the heap's own routine, so inserts, updates, locks, HOT,
 *	  vacuum and WAL behave exactly as on heap.  Rows of row groups have
 *	  virtual TIDs at and above COLUMNAR_FIRST_ROW_BLOCK and are served from
 *	  the row groups, their deletions recorded as markers in the catalog.
 *	  Scans read the row groups first, then the delta store.
 *
 *	  Heap routines that call back into the table AM of the relation they
 *	  work on (index builds and validation) run under WithHeapRoutine, which
 *	  makes the relation a plain heap for the duration of the call.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  columnstore/src/columnar_handler.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include <math.h>

#include "access/genam.h"
#include "access/heapam.h"
#include "access/multixact.h"
#include "access/relscan.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/tsmapi.h"
#include "access/xact.h"
#include "access/xloginsert.h"
#include "catalog/index.h"
#include "catalog/pg_am_d.h"
#include "catalog/pg_class.h"
#include "catalog/toasting.h"
#include "columnar.h"
#include "commands/vacuum.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "optimizer/optimizer.h"
#include "pgstat.h"
#include "port/atomics.h"
#include "storage/bufmgr.h"
#include "storage/lmgr.h"
#include "storage/procarray.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

PG_FUNCTION_INFO_V1(ep_columnar_handler);

/* The heap's routine, which serves the delta store. */
#define HEAP_ROUTINE (GetHeapamTableAmRoutine())

typedef struct ColumnarScanDescData
{
	TableScanDescData rs_base;	/* what the executor sees; must be first */
	TableScanDesc delta;		/* the heap scan of the delta store */
	ColumnarReadState *reader;	/* row groups; created at the first row */
	Bitmapset  *attrs_needed;	/* columns to decode (NULL: all) */
	ColumnarChunkFilter *filters;	/* chunk filters (ColumnarScanConfigure) */
	int			nfilters;
	bool		row_groups_done;	/* sequential scan has moved to the delta */
	ItemPointerData tid_min;	/* TID range of a TID range scan */
	ItemPointerData tid_max;
	MemoryContext context;		/* where the scan began */
	TupleTableSlot *delta_slot; /* for delta rows asked into a slot of
								 * another kind (the custom scan's) */
	bool		analyze_sampled;	/* ANALYZE has had its row-group sample */
	double		sample_weight;	/* row-group rows each sampled row stands for */
	/* TABLESAMPLE: the delta block, or delta blocks + row-group unit */
	BlockNumber sample_block;	/* InvalidBlockNumber: none yet */
} ColumnarScanDescData;
typedef ColumnarScanDescData *ColumnarScanDesc;

/* Shared state of a parallel scan: the delta's blocks, the row groups. */
typedef struct ParallelColumnarScanDescData
{
	ParallelBlockTableScanDescData delta;	/* must be first */
	pg_atomic_uint32 next_row_group;
} ParallelColumnarScanDescData;
typedef ParallelColumnarScanDescData *ParallelColumnarScanDesc;

typedef struct ColumnarIndexFetchData
{
	IndexFetchTableData base;	/* must be first */
	IndexFetchTableData *delta; /* the heap's fetch state */
	ColumnarReadState *reader;	/* row groups as "reader_snapshot" sees them */
	Snapshot	reader_snapshot;
	CommandId	reader_curcid;
	ColumnarReadState *any_reader;	/* every row group, for non-MVCC fetches */
	MemoryContext context;
} ColumnarIndexFetchData;
typedef ColumnarIndexFetchData *ColumnarIndexFetch;

static const TableAmRoutine columnar_methods;

static int64 LiveRowGroupRows(Relation rel);


/* ------------------------------------------------------------------------
 * Helpers shared by the callbacks
 * ------------------------------------------------------------------------
 */

/*
 * Runs "fn(arg)" with "rel" presenting the heap's routine, for heap code
 * that re-enters the table AM of the relation it was given.  The main fork
 * is a heap, so that code is right to treat it as one.
 */
static void
WithHeapRoutine(Relation rel, void (*fn) (void *arg), void *arg)
{
	const TableAmRoutine *saved = rel->rd_tableam;

	rel->rd_tableam = HEAP_ROUTINE;
	PG_TRY();
	{
		fn(arg);
	}
	PG_FINALLY();
	{
		rel->rd_tableam = saved;
	}
	PG_END_TRY();
}

/* A reader of every row group, allocated in "context". */
static ColumnarReadState *
BeginReaderIn(MemoryContext context, Relation rel, Snapshot map_snapshot,
			  Snapshot deleted_snapshot)
{
	MemoryContext old = MemoryContextSwitchTo(context);
	ColumnarReadState *reader = ColumnarBeginRead(rel, map_snapshot, deleted_snapshot, NULL);

	MemoryContextSwitchTo(old);
	return reader;
}

/* A reader of single rows, allocated in "context". */
static ColumnarReadState *
BeginPointReaderIn(MemoryContext context, Relation rel, Snapshot map_snapshot,
				   Snapshot deleted_snapshot)
{
	MemoryContext old = MemoryContextSwitchTo(context);
	ColumnarReadState *reader = ColumnarBeginPointRead(rel, map_snapshot, deleted_snapshot);

	MemoryContextSwitchTo(old);
	return reader;
}

/*
 * Whether "snapshot" sees the row-group row "row_number", for snapshots that
 * are not MVCC (dirty, self, any, non-vacuumable).  A dirty snapshot learns
 * the transaction to wait for, as it would from a heap tuple: the writer of
 * the row group in xmin, a running deleter in xmax.
 */
static bool
RowVisibleNonMvcc(Relation rel, uint64 row_number, Snapshot snapshot)
{
	TransactionId deleter = InvalidTransactionId;
	TM_FailureData tmfd;
	TM_Result	conflict;

	if (!ColumnarRowGroupVisible(rel, row_number, snapshot))
		return false;
	switch (snapshot->snapshot_type)
	{
		case SNAPSHOT_DIRTY:
			switch (ColumnarCheckDeletion(rel, row_number, &deleter, &tmfd, &conflict))
			{
				case COLUMNAR_ROW_LIVE:
					return true;
				case COLUMNAR_ROW_DELETING:
					snapshot->xmax = deleter;
					return true;
				case COLUMNAR_ROW_DELETED:
					return false;
			}
			return false;
		case SNAPSHOT_SELF:
			return !ColumnarRowIsDeleted(ColumnarStorageId(rel), row_number, snapshot);
		default:
			/* SnapshotAny and non-vacuumable: the row still exists. */
			return true;
	}
}

/*
 * Fetches row-group row "row_number" into "slot" if "snapshot" sees it.
 * MVCC snapshots use a reader built for that snapshot (kept while the same
 * snapshot asks again); other snapshots decide visibility through the
 * catalog and take values from a point reader that sees every row group.
 */
static bool
FetchRow(ColumnarIndexFetch fetch, uint64 row_number, Snapshot snapshot, TupleTableSlot *slot)
{
	Relation	rel = fetch->base.rel;

	if (IsMVCCSnapshot(snapshot))
	{
		if (fetch->reader == NULL || fetch->reader_snapshot != snapshot ||
			fetch->reader_curcid != snapshot->curcid)
		{
			if (fetch->reader != NULL)
				ColumnarEndRead(fetch->reader);
			fetch->reader = BeginPointReaderIn(fetch->context, rel, snapshot, snapshot);
			fetch->reader_snapshot = snapshot;
			fetch->reader_curcid = snapshot->curcid;
		}
		return ColumnarReadRow(fetch->reader, row_number, slot);
	}

	if (!RowVisibleNonMvcc(rel, row_number, snapshot))
		return false;
	if (fetch->any_reader == NULL)
		fetch->any_reader = BeginPointReaderIn(fetch->context, rel, SnapshotAny, NULL);
	if (!ColumnarReadRow(fetch->any_reader, row_number, slot))
		elog(ERROR, "row %llu of \"%s\" is visible but has no row group",
			 (unsigned long long) row_number, RelationGetRelationName(rel));
	return true;
}

static ColumnarIndexFetch
BeginFetch(Relation rel)
{
	ColumnarIndexFetch fetch = palloc0(sizeof(ColumnarIndexFetchData));

	fetch->base.rel = rel;
	fetch->delta = HEAP_ROUTINE->index_fetch_begin(rel);
	fetch->context = AllocSetContextCreate(CurrentMemoryContext, "columnar index fetch",
										   ALLOCSET_DEFAULT_SIZES);
	return fetch;
}

static void
EndFetch(ColumnarIndexFetch fetch)
{
	HEAP_ROUTINE->index_fetch_end(fetch->delta);
	if (fetch->reader != NULL)
		ColumnarEndRead(fetch->reader);
	if (fetch->any_reader != NULL)
		ColumnarEndRead(fetch->any_reader);
	MemoryContextDelete(fetch->context);
	pfree(fetch);
}


/* ------------------------------------------------------------------------
 * Slot related callbacks
 * ------------------------------------------------------------------------
 */

static const TupleTableSlotOps *
columnar_slot_callbacks(Relation relation)
{
	/* Delta rows come with their buffer; row-group rows are stored virtual. */
	return &TTSOpsBufferHeapTuple;
}


/* ------------------------------------------------------------------------
 * Table scan callbacks
 * ------------------------------------------------------------------------
 */

/*
 * Hands out row groups to the participants of a parallel scan or index
 * build; every participant reads the map under the same snapshot, so all
 * see the same "count".
 */
static int
ClaimParallelRowGroup(void *arg, int count)
{
	ColumnarScanDesc scan = (ColumnarScanDesc) arg;
	ParallelColumnarScanDesc pscan = (ParallelColumnarScanDesc) scan->rs_base.rs_parallel;
	uint32		index = pg_atomic_fetch_add_u32(&pscan->next_row_group, 1);

	return index < (uint32) count ? (int) index : -1;
}

static TableScanDesc
columnar_scan_begin(Relation rel, Snapshot snapshot, int nkeys, ScanKey key,
					ParallelTableScanDesc pscan, uint32 flags)
{
	ColumnarScanDesc scan = palloc0(sizeof(ColumnarScanDescData));

	scan->rs_base.rs_rd = rel;
	scan->rs_base.rs_snapshot = snapshot;
	scan->rs_base.rs_nkeys = nkeys;
	scan->rs_base.rs_key = key;
	scan->rs_base.rs_flags = flags;
	scan->rs_base.rs_parallel = pscan;
	scan->delta = HEAP_ROUTINE->scan_begin(rel, snapshot, nkeys, key, pscan, flags);
	scan->context = CurrentMemoryContext;
	scan->sample_block = InvalidBlockNumber;
	return (TableScanDesc) scan;
}

/*
 * The reader of a sequential or TID range scan, created with the scan's
 * configuration when the first row is asked for.
 */
static ColumnarReadState *
ScanReader(ColumnarScanDesc scan)
{
	if (scan->reader == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(scan->context);
		Bitmapset  *attrs = scan->attrs_needed == NULL ? NULL : bms_copy(scan->attrs_needed);

		/* the chunk filters read their columns' metadata */
		for (int i = 0; i < scan->nfilters && attrs != NULL; i++)
			attrs = bms_add_member(attrs, scan->filters[i].attnum -
								   FirstLowInvalidHeapAttributeNumber);
		scan->reader = ColumnarBeginRead(scan->rs_base.rs_rd, scan->rs_base.rs_snapshot,
										 scan->rs_base.rs_snapshot, attrs);
		if (scan->rs_base.rs_parallel != NULL)
			ColumnarSetClaim(scan->reader, ClaimParallelRowGroup, scan);
		ColumnarSetFilters(scan->reader, scan->filters, scan->nfilters);
		MemoryContextSwitchTo(old);
	}
	return scan->reader;
}

/*
 * ColumnarScanConfigure - before the first row, make a sequential scan of a
 * columnar table decode only "attrs_needed" (executor attribute numbers,
 * offset by FirstLowInvalidHeapAttributeNumber; NULL: all) and skip the
 * chunks that "filters" exclude.  Delta rows are returned whole.
 */
void
ColumnarScanConfigure(TableScanDesc sscan, Bitmapset *attrs_needed,
					  ColumnarChunkFilter *filters, int nfilters)
{
	ColumnarScanDesc scan = (ColumnarScanDesc) sscan;

	Assert(ColumnarIsColumnarRelation(sscan->rs_rd) && scan->reader == NULL);
	scan->attrs_needed = attrs_needed;
	scan->filters = filters;
	scan->nfilters = nfilters;
}

/* How many chunks the scan's filters skipped so far. */
int64
ColumnarScanChunksSkipped(TableScanDesc sscan)
{
	ColumnarScanDesc scan = (ColumnarScanDesc) sscan;

	return scan->reader != NULL ? ColumnarChunksSkipped(scan->reader) : 0;
}

/*
 * ColumnarScanNextBatch - the next chunk of row-group rows of a sequential
 * scan (see ColumnarReadNextBatch) and the reader to decode its columns
 * with; NULL once the row groups are done, after which the scan returns the
 * delta store's rows one by one.
 */
ColumnarReadState *
ColumnarScanNextBatch(TableScanDesc sscan, ColumnarBatch *batch)
{
	ColumnarScanDesc scan = (ColumnarScanDesc) sscan;
	ColumnarReadState *reader;

	if (scan->row_groups_done)
		return NULL;
	reader = ScanReader(scan);
	if (!ColumnarReadNextBatch(reader, batch))
	{
		scan->row_groups_done = true;
		return NULL;
	}
	if (pgstat_should_count_relation(sscan->rs_rd))
		sscan->rs_rd->pgstat_info->t_counts.t_tuples_returned += batch->rows;
	return reader;
}

static void
columnar_scan_end(TableScanDesc sscan)
{
	ColumnarScanDesc scan = (ColumnarScanDesc) sscan;

	HEAP_ROUTINE->scan_end(scan->delta);
	if (scan->reader != NULL)
		ColumnarEndRead(scan->reader);
	if (scan->delta_slot != NULL)
		ExecDropSingleTupleTableSlot(scan->delta_slot);
	pfree(scan);
}

static void
columnar_scan_rescan(TableScanDesc sscan, ScanKey key, bool set_params,
					 bool allow_strat, bool allow_sync, bool allow_pagemode)
{
	ColumnarScanDesc scan = (ColumnarScanDesc) sscan;

	HEAP_ROUTINE->scan_rescan(scan->delta, key, set_params, allow_strat, allow_sync,
							  allow_pagemode);
	if (scan->reader != NULL)
		ColumnarRescanRead(scan->reader);
	scan->row_groups_done = false;
	scan->sample_block = InvalidBlockNumber;
}

/*
 * The slot the heap's scan of the delta store fills for "slot": the heap
 * needs a buffer heap slot, so a caller with a slot of another kind (the
 * custom scan's virtual one) gets the scan's own, then a copy
 * (DeltaRowInto).
 */
static TupleTableSlot *
DeltaSlotFor(ColumnarScanDesc scan, TupleTableSlot *slot)
{
	if (TTS_IS_BUFFERTUPLE(slot))
		return slot;
	if (scan->delta_slot == NULL)
		scan->delta_slot = MakeSingleTupleTableSlot(RelationGetDescr(scan->rs_base.rs_rd),
													&TTSOpsBufferHeapTuple);
	return scan->delta_slot;
}

/* Puts the row "found" in "delta" (DeltaSlotFor's) into "slot". */
static bool
DeltaRowInto(TupleTableSlot *delta, bool found, TupleTableSlot *slot)
{
	if (delta == slot)
		return found;
	if (!found)
	{
		ExecClearTuple(slot);
		return false;
	}
	ExecCopySlot(slot, delta);
	slot->tts_tid = delta->tts_tid;
	slot->tts_tableOid = delta->tts_tableOid;
	return true;
}

/* The next row of the delta store. */
static bool
NextDeltaRow(ColumnarScanDesc scan, ScanDirection direction, TupleTableSlot *slot)
{
	TupleTableSlot *delta = DeltaSlotFor(scan, slot);

	return DeltaRowInto(delta, HEAP_ROUTINE->scan_getnextslot(scan->delta, direction, delta),
						slot);
}

/*
 * Returns the next row of the scan: the row groups' rows first, then the
 * delta store's.  Only forward scans read row groups.
 */
static bool
columnar_scan_getnextslot(TableScanDesc sscan, ScanDirection direction, TupleTableSlot *slot)
{
	ColumnarScanDesc scan = (ColumnarScanDesc) sscan;

	if (!scan->row_groups_done)
	{
		if (ScanDirectionIsBackward(direction))
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("backward scans are not supported on columnar table \"%s\"",
							RelationGetRelationName(sscan->rs_rd)),
					 errhint("Declare the cursor without SCROLL, or materialize the rows first.")));
		if (ColumnarReadNextRow(ScanReader(scan), slot))
		{
			pgstat_count_heap_getnext(sscan->rs_rd);
			return true;
		}
		scan->row_groups_done = true;
	}
	return NextDeltaRow(scan, direction, slot);
}

static void
columnar_scan_set_tidrange(TableScanDesc sscan, ItemPointer mintid, ItemPointer maxtid)
{
	ColumnarScanDesc scan = (ColumnarScanDesc) sscan;

	ItemPointerCopy(mintid, &scan->tid_min);
	ItemPointerCopy(maxtid, &scan->tid_max);
	HEAP_ROUTINE->scan_set_tidrange(scan->delta, mintid, maxtid);
}

static bool
columnar_scan_getnextslot_tidrange(TableScanDesc sscan, ScanDirection direction,
								   TupleTableSlot *slot)
{
	ColumnarScanDesc scan = (ColumnarScanDesc) sscan;

	while (!scan->row_groups_done)
	{
		if (!ColumnarReadNextRow(ScanReader(scan), slot))
		{
			scan->row_groups_done = true;
			break;
		}
		if (ItemPointerCompare(&slot->tts_tid, &scan->tid_min) >= 0 &&
			ItemPointerCompare(&slot->tts_tid, &scan->tid_max) <= 0)
			return true;
	}
	return HEAP_ROUTINE->scan_getnextslot_tidrange(scan->delta, direction, slot);
}


/* ------------------------------------------------------------------------
 * Parallel aware scan callbacks
 * ------------------------------------------------------------------------
 */

static Size
columnar_parallelscan_estimate(Relation rel)
{
	return sizeof(ParallelColumnarScanDescData);
}

static Size
columnar_parallelscan_initialize(Relation rel, ParallelTableScanDesc pscan)
{
	ParallelColumnarScanDesc cpscan = (ParallelColumnarScanDesc) pscan;

	table_block_parallelscan_initialize(rel, pscan);
	pg_atomic_init_u32(&cpscan->next_row_group, 0);
	return sizeof(ParallelColumnarScanDescData);
}

static void
columnar_parallelscan_reinitialize(Relation rel, ParallelTableScanDesc pscan)
{
	ParallelColumnarScanDesc cpscan = (ParallelColumnarScanDesc) pscan;

	table_block_parallelscan_reinitialize(rel, pscan);
	pg_atomic_write_u32(&cpscan->next_row_group, 0);
}


/* ------------------------------------------------------------------------
 * Index scan callbacks
 * ------------------------------------------------------------------------
 */

static IndexFetchTableData *
columnar_index_fetch_begin(Relation rel)
{
	return (IndexFetchTableData *) BeginFetch(rel);
}

static void
columnar_index_fetch_reset(IndexFetchTableData *sscan)
{
	ColumnarIndexFetch fetch = (ColumnarIndexFetch) sscan;

	HEAP_ROUTINE->index_fetch_reset(fetch->delta);
}

static void
columnar_index_fetch_end(IndexFetchTableData *sscan)
{
	EndFetch((ColumnarIndexFetch) sscan);
}

static bool
columnar_index_fetch_tuple(IndexFetchTableData *sscan, ItemPointer tid, Snapshot snapshot,
						   TupleTableSlot *slot, bool *call_again, bool *all_dead)
{
	ColumnarIndexFetch fetch = (ColumnarIndexFetch) sscan;

	if (!ColumnarTidIsRow(tid))
		return HEAP_ROUTINE->index_fetch_tuple(fetch->delta, tid, snapshot, slot,
											   call_again, all_dead);
	*call_again = false;
	if (all_dead != NULL)
		*all_dead = false;
	return FetchRow(fetch, ColumnarTidGetRowNumber(tid), snapshot, slot);
}


/* ------------------------------------------------------------------------
 * Callbacks for non-modifying operations on individual tuples
 * ------------------------------------------------------------------------
 */

static bool
columnar_fetch_row_version(Relation rel, ItemPointer tid, Snapshot snapshot,
						   TupleTableSlot *slot)
{
	ColumnarIndexFetch fetch;
	bool		found;

	if (!ColumnarTidIsRow(tid))
		return HEAP_ROUTINE->tuple_fetch_row_version(rel, tid, snapshot, slot);
	fetch = BeginFetch(rel);
	found = FetchRow(fetch, ColumnarTidGetRowNumber(tid), snapshot, slot);
	if (found)
		ExecMaterializeSlot(slot);
	EndFetch(fetch);
	return found;
}

static bool
columnar_tuple_tid_valid(TableScanDesc sscan, ItemPointer tid)
{
	ColumnarScanDesc scan = (ColumnarScanDesc) sscan;

	if (ColumnarTidIsRow(tid))
		return ItemPointerIsValid(tid) &&
			ItemPointerGetOffsetNumber(tid) <= COLUMNAR_ROWS_PER_BLOCK;
	return HEAP_ROUTINE->tuple_tid_valid(scan->delta, tid);
}

/*
 * Follows updates from "tid" to the newest version: through the deletion
 * markers of row-group rows (into the delta store, or into another row
 * group for a row that a compaction moved), then along heap chains.
 */
static void
columnar_get_latest_tid(TableScanDesc sscan, ItemPointer tid)
{
	ColumnarScanDesc scan = (ColumnarScanDesc) sscan;

	/* a row moved by a compaction is a row-group row again */
	while (ColumnarTidIsRow(tid))
	{
		TransactionId deleter;
		TM_FailureData tmfd;
		TM_Result	conflict = TM_Ok;

		if (ColumnarCheckDeletion(sscan->rs_rd, ColumnarTidGetRowNumber(tid), &deleter,
								  &tmfd, &conflict) != COLUMNAR_ROW_DELETED ||
			conflict != TM_Updated)
			return;
		ItemPointerCopy(&tmfd.ctid, tid);
	}
	HEAP_ROUTINE->tuple_get_latest_tid(scan->delta, tid);
}

static bool
columnar_tuple_satisfies_snapshot(Relation rel, TupleTableSlot *slot, Snapshot snapshot)
{
	uint64		row_number;

	if (!ColumnarTidIsRow(&slot->tts_tid))
		return HEAP_ROUTINE->tuple_satisfies_snapshot(rel, slot, snapshot);
	row_number = ColumnarTidGetRowNumber(&slot->tts_tid);
	if (IsMVCCSnapshot(snapshot))
		return ColumnarRowGroupVisible(rel, row_number, snapshot) &&
			!ColumnarRowIsDeleted(ColumnarStorageId(rel), row_number, snapshot);
	return RowVisibleNonMvcc(rel, row_number, snapshot);
}

/*
 * Index entries that point at row-group rows are not the heap's to judge:
 * only the delta store's entries go to its bottom-up deletion; the others
 * are left in place (the caller deletes only the entries it gets back).
 */
static TransactionId
columnar_index_delete_tuples(Relation rel, TM_IndexDeleteOp *delstate)
{
	int			kept = 0;

	for (int i = 0; i < delstate->ndeltids; i++)
	{
		if (!ColumnarTidIsRow(&delstate->deltids[i].tid))
			delstate->deltids[kept++] = delstate->deltids[i];
	}
	delstate->ndeltids = kept;
	if (kept == 0)
		return InvalidTransactionId;
	return HEAP_ROUTINE->index_delete_tuples(rel, delstate);
}


/* ------------------------------------------------------------------------
 * Functions for manipulations of physical tuples
 * ------------------------------------------------------------------------
 */

/* What an UPDATE of a row-group row inserts into the delta store. */
typedef struct NewVersionArg
{
	Relation	rel;
	TupleTableSlot *slot;
	CommandId	cid;
} NewVersionArg;

static void
InsertNewVersion(void *arg, ItemPointer new_tid)
{
	NewVersionArg *nv = (NewVersionArg *) arg;

	HEAP_ROUTINE->tuple_insert(nv->rel, nv->slot, nv->cid, 0, NULL);
	ColumnarNoteDeltaWrite(nv->rel, 1);
	ItemPointerCopy(&nv->slot->tts_tid, new_tid);
}

/*
 * Under REPEATABLE READ, a foreign-key check may ask that the row also be
 * visible to a crosscheck snapshot; heap answers TM_Updated when it is not.
 */
static bool
CrosscheckFails(Relation rel, uint64 row_number, Snapshot crosscheck, ItemPointer tid,
				TM_FailureData *tmfd)
{
	if (crosscheck == InvalidSnapshot ||
		(ColumnarRowGroupVisible(rel, row_number, crosscheck) &&
		 !ColumnarRowIsDeleted(ColumnarStorageId(rel), row_number, crosscheck)))
		return false;
	ItemPointerCopy(tid, &tmfd->ctid);
	tmfd->xmax = InvalidTransactionId;
	tmfd->cmax = InvalidCommandId;
	return true;
}

static TM_Result
columnar_tuple_delete(Relation rel, ItemPointer tid, CommandId cid, Snapshot snapshot,
					  Snapshot crosscheck, bool wait, TM_FailureData *tmfd, bool changingPart)
{
	uint64		row_number;

	if (!ColumnarTidIsRow(tid))
		return HEAP_ROUTINE->tuple_delete(rel, tid, cid, snapshot, crosscheck, wait,
										  tmfd, changingPart);
	row_number = ColumnarTidGetRowNumber(tid);
	if (CrosscheckFails(rel, row_number, crosscheck, tid, tmfd))
		return TM_Updated;
	return ColumnarMarkRowDeleted(rel, row_number, cid, wait, tmfd, NULL, NULL);
}

/*
 * An update of a row-group row deletes it and inserts the new version into
 * the delta store; every index then needs an entry for the new TID.
 */
static TM_Result
columnar_tuple_update(Relation rel, ItemPointer otid, TupleTableSlot *slot, CommandId cid,
					  Snapshot snapshot, Snapshot crosscheck, bool wait,
					  TM_FailureData *tmfd, LockTupleMode *lockmode, bool *update_indexes)
{
	NewVersionArg nv = {rel, slot, cid};
	uint64		row_number;
	TM_Result	result;

	if (!ColumnarTidIsRow(otid))
	{
		result = HEAP_ROUTINE->tuple_update(rel, otid, slot, cid, snapshot, crosscheck, wait,
											tmfd, lockmode, update_indexes);
		if (result == TM_Ok)
			ColumnarNoteDeltaWrite(rel, 1);
		return result;
	}
	row_number = ColumnarTidGetRowNumber(otid);
	*lockmode = LockTupleExclusive;
	*update_indexes = false;
	if (CrosscheckFails(rel, row_number, crosscheck, otid, tmfd))
		return TM_Updated;
	result = ColumnarMarkRowDeleted(rel, row_number, cid, wait, tmfd, InsertNewVersion, &nv);
	*update_indexes = (result == TM_Ok);
	return result;
}

/* The heavyweight lock mode that stands for a row lock on a row-group row. */
static LOCKMODE
RowLockMode(LockTupleMode mode)
{
	switch (mode)
	{
		case LockTupleKeyShare:
			return AccessShareLock;
		case LockTupleShare:
			return RowShareLock;
		case LockTupleNoKeyExclusive:
			return ExclusiveLock;
		case LockTupleExclusive:
			return AccessExclusiveLock;
	}
	elog(ERROR, "unknown tuple lock mode %d", (int) mode);
	return NoLock;				/* keep compiler quiet */
}

static TM_Result columnar_tuple_lock(Relation rel, ItemPointer tid, Snapshot snapshot,
									 TupleTableSlot *slot, CommandId cid, LockTupleMode mode,
									 LockWaitPolicy wait_policy, uint8 flags,
									 TM_FailureData *tmfd);

/* Takes the row's lock as "wait_policy" says; false to skip the row. */
static bool
AcquireRowLock(Relation rel, ItemPointer tid, LOCKMODE mode, LockWaitPolicy wait_policy)
{
	if (wait_policy == LockWaitBlock)
	{
		LockTuple(rel, tid, mode);
		return true;
	}
	if (ConditionalLockTuple(rel, tid, mode))
		return true;
	if (wait_policy == LockWaitError)
		ereport(ERROR,
				(errcode(ERRCODE_LOCK_NOT_AVAILABLE),
				 errmsg("could not obtain lock on row in relation \"%s\"",
						RelationGetRelationName(rel))));
	return false;
}

/*
 * Locks a row-group row.  The lock is a heavyweight tuple lock held until
 * the transaction ends (deleters take the strongest mode, so they wait for
 * it); a deletion in progress is waited for, a committed one reported as
 * heap reports it, or followed to the new version when asked to find the
 * last version.
 */
static TM_Result
LockRowGroupRow(Relation rel, ItemPointer tid, Snapshot snapshot, TupleTableSlot *slot,
				CommandId cid, LockTupleMode mode, LockWaitPolicy wait_policy,
				uint8 flags, TM_FailureData *tmfd)
{
	uint64		row_number = ColumnarTidGetRowNumber(tid);
	LOCKMODE	lockmode = RowLockMode(mode);

	for (;;)
	{
		TransactionId deleter;
		TM_Result	conflict = TM_Ok;
		ColumnarIndexFetch fetch;

		if (!AcquireRowLock(rel, tid, lockmode, wait_policy))
			return TM_WouldBlock;
		switch (ColumnarCheckDeletion(rel, row_number, &deleter, tmfd, &conflict))
		{
			case COLUMNAR_ROW_LIVE:
				fetch = BeginFetch(rel);
				if (!FetchRow(fetch, row_number, SnapshotAny, slot))
					elog(ERROR, "locked row %llu of \"%s\" has no row group",
						 (unsigned long long) row_number, RelationGetRelationName(rel));
				ExecMaterializeSlot(slot);
				EndFetch(fetch);
				return TM_Ok;
			case COLUMNAR_ROW_DELETING:
				UnlockTuple(rel, tid, lockmode);
				if (wait_policy == LockWaitSkip)
					return TM_WouldBlock;
				if (wait_policy == LockWaitError)
					ereport(ERROR,
							(errcode(ERRCODE_LOCK_NOT_AVAILABLE),
							 errmsg("could not obtain lock on row in relation \"%s\"",
									RelationGetRelationName(rel))));
				XactLockTableWait(deleter, rel, tid, XLTW_Lock);
				continue;
			case COLUMNAR_ROW_DELETED:
				UnlockTuple(rel, tid, lockmode);
				if (conflict == TM_Updated && (flags & TUPLE_LOCK_FLAG_FIND_LAST_VERSION))
				{
					TM_Result	result;

					/*
					 * Like heap, hand the caller the TID of the version
					 * locked: in the delta store, or in another row group
					 * for a row that a compaction moved.
					 */
					ItemPointerCopy(&tmfd->ctid, tid);
					result = columnar_tuple_lock(rel, tid, snapshot, slot, cid, mode,
												 wait_policy, flags, tmfd);
					tmfd->traversed = true;
					return result;
				}
				return conflict;
		}
	}
}

static TM_Result
columnar_tuple_lock(Relation rel, ItemPointer tid, Snapshot snapshot, TupleTableSlot *slot,
					CommandId cid, LockTupleMode mode, LockWaitPolicy wait_policy,
					uint8 flags, TM_FailureData *tmfd)
{
	if (!ColumnarTidIsRow(tid))
		return HEAP_ROUTINE->tuple_lock(rel, tid, snapshot, slot, cid, mode, wait_policy,
										flags, tmfd);
	tmfd->traversed = false;
	return LockRowGroupRow(rel, tid, snapshot, slot, cid, mode, wait_policy, flags, tmfd);
}

/* ------------------------------------------------------------------------
 * DDL related callbacks
 * ------------------------------------------------------------------------
 */

static void
columnar_relation_set_new_filenode(Relation rel, const RelFileNode *newrnode,
								   char persistence, TransactionId *freezeXid,
								   MultiXactId *minmulti)
{
	if (persistence == RELPERSISTENCE_TEMP)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("columnar tables cannot be temporary"),
				 errhint("Create the temporary table with the heap access method.")));

	HEAP_ROUTINE->relation_set_new_filenode(rel, newrnode, persistence, freezeXid, minmulti);
	/* On TRUNCATE, the old storage's row groups go with it. */
	if (ColumnarStorageId(rel) != newrnode->relNode)
		ColumnarDropStorage(ColumnarStorageId(rel));
	ColumnarCreateStorage(newrnode->relNode);
}

static void
columnar_relation_nontransactional_truncate(Relation rel)
{
	HEAP_ROUTINE->relation_nontransactional_truncate(rel);
	ColumnarDropStorage(ColumnarStorageId(rel));
	ColumnarCreateStorage(ColumnarStorageId(rel));
}

static void
columnar_relation_copy_data(Relation rel, const RelFileNode *newrnode)
{
	HEAP_ROUTINE->relation_copy_data(rel, newrnode);
	ColumnarMoveStorage(ColumnarStorageId(rel), newrnode->relNode);
}

/*
 * VACUUM FULL and CLUSTER: every row the current snapshot sees, delta rows
 * included, is written into compressed row groups of the new relation, in
 * the order of "OldIndex" when CLUSTER gives one, else in the table's
 * segmentby/orderby order.  As with TRUNCATE, rows that only older
 * snapshots still see are not kept.
 */
static void
columnar_relation_copy_for_cluster(Relation OldTable, Relation NewTable, Relation OldIndex,
								   bool use_sort, TransactionId OldestXmin,
								   TransactionId *xid_cutoff, MultiXactId *multi_cutoff,
								   double *num_tuples, double *tups_vacuumed,
								   double *tups_recently_dead)
{
	Snapshot	snapshot = RegisterSnapshot(GetLatestSnapshot());
	TupleTableSlot *slot = table_slot_create(OldTable, NULL);
	ColumnarOptions options;
	ColumnarWriteState *writer;
	ColumnarSortState *sort = NULL;
	TupleTableSlot *sorted;
	ItemPointerData tid;
	TableScanDesc scan = NULL;
	IndexScanDesc iscan = NULL;

	if (!OidIsValid(NewTable->rd_rel->reltoastrelid))
	{
		NewHeapCreateToastTable(RelationGetRelid(NewTable), (Datum) 0, AccessExclusiveLock,
								InvalidOid);
		CommandCounterIncrement();
	}
	/* The new relation is transient: the options are the old table's. */
	ColumnarGetOptions(RelationGetRelid(OldTable), &options);
	writer = ColumnarBeginWrite(NewTable, &options);
	if (OldIndex != NULL)
	{
		iscan = index_beginscan(OldTable, OldIndex, snapshot, 0, 0);
		index_rescan(iscan, NULL, 0, NULL, 0);
	}
	else
	{
		scan = table_beginscan(OldTable, snapshot, 0, NULL);
		sort = ColumnarBeginSort(OldTable, &options);
	}

	*num_tuples = *tups_vacuumed = *tups_recently_dead = 0;
	while (OldIndex != NULL ? index_getnext_slot(iscan, ForwardScanDirection, slot)
		   : table_scan_getnextslot(scan, ForwardScanDirection, slot))
	{
		CHECK_FOR_INTERRUPTS();
		if (sort != NULL)
			ColumnarSortAdd(sort, slot);
		else
			ColumnarWriteRow(writer, slot, &tid);
		*num_tuples += 1;
	}
	if (sort != NULL)
	{
		while ((sorted = ColumnarSortNext(sort)) != NULL)
			ColumnarWriteRow(writer, sorted, &tid);
		ColumnarEndSort(sort);
	}
	ColumnarEndWrite(writer);

	if (iscan != NULL)
		index_endscan(iscan);
	else
		table_endscan(scan);
	ExecDropSingleTupleTableSlot(slot);
	UnregisterSnapshot(snapshot);
}

/*
 * ColumnarEnsureDeltaBlock - gives an empty delta store one empty heap
 * page.  ANALYZE samples the row groups through the delta store's blocks
 * (see NextSampleRow) and does nothing for a table without blocks, so
 * VACUUM and every writer of row groups call this.  Caller holds a lock
 * that keeps VACUUM's truncation out (any lock a writer or VACUUM holds).
 */
void
ColumnarEnsureDeltaBlock(Relation rel)
{
	Buffer		buffer;

	if (RelationGetNumberOfBlocks(rel) > 0)
		return;
	LockRelationForExtension(rel, ExclusiveLock);
	if (RelationGetNumberOfBlocks(rel) == 0)
	{
		buffer = ReadBufferExtended(rel, MAIN_FORKNUM, P_NEW, RBM_ZERO_AND_LOCK, NULL);
		START_CRIT_SECTION();
		PageInit(BufferGetPage(buffer), BLCKSZ, 0);
		MarkBufferDirty(buffer);
		if (RelationNeedsWAL(rel))
			log_newpage_buffer(buffer, true);
		END_CRIT_SECTION();
		UnlockReleaseBuffer(buffer);
	}
	UnlockRelationForExtension(rel, ExclusiveLock);
}

/*
 * VACUUM of the delta store is the heap's, truncation included; an emptied
 * delta store keeps one page (ColumnarEnsureDeltaBlock).  The heap records the delta
 * store's live rows in pg_class.reltuples; the row groups' are added, so
 * that it counts the whole table as ANALYZE does.
 */
/* The sorted TIDs that the index clean-up removes, for ambulkdelete. */
typedef struct CleanableRows
{
	ItemPointer tids;
	int			count;
} CleanableRows;

static bool
RowIsCleanable(ItemPointer tid, void *arg)
{
	CleanableRows *rows = (CleanableRows *) arg;

	return ColumnarTidIsRow(tid) &&
		bsearch(tid, rows->tids, rows->count, sizeof(ItemPointerData),
				(int (*) (const void *, const void *)) ItemPointerCompare) != NULL;
}

/* Removes the entries of "rows" from every index of "rel". */
static void
CleanIndexes(Relation rel, CleanableRows *rows, BufferAccessStrategy bstrategy)
{
	Relation   *indexes;
	int			nindexes;

	vac_open_indexes(rel, RowExclusiveLock, &nindexes, &indexes);
	for (int i = 0; i < nindexes; i++)
	{
		IndexVacuumInfo ivinfo = {0};
		IndexBulkDeleteResult *stats;

		ivinfo.index = indexes[i];
		ivinfo.estimated_count = true;
		ivinfo.message_level = DEBUG2;
		ivinfo.num_heap_tuples = rel->rd_rel->reltuples;
		ivinfo.strategy = bstrategy;
		stats = index_bulk_delete(&ivinfo, NULL, RowIsCleanable, rows);
		stats = index_vacuum_cleanup(&ivinfo, stats);
		if (stats != NULL)
			pfree(stats);
	}
	vac_close_indexes(nindexes, indexes, NoLock);
}

/*
 * Removes the index entries of row-group rows whose deletion no snapshot
 * can miss any more (committed before the oldest running transaction), in
 * batches that fit maintenance_work_mem, and records the horizon so that
 * the next VACUUM starts from there.  The rows themselves stay in their row
 * groups, hidden by their deletion markers.
 */
static void
CleanDeletedRowIndexEntries(Relation rel, struct VacuumParams *params,
							BufferAccessStrategy bstrategy)
{
	TransactionId horizon = GetOldestNonRemovableTransactionId(rel);
	TransactionId from = ColumnarCleanedXid(rel);
	int			max = (int) Min((Size) maintenance_work_mem * 1024 / sizeof(ItemPointerData),
							  MaxAllocSize / sizeof(ItemPointerData));
	CleanableRows rows;
	int64		after = -1;

	if (params->index_cleanup == VACOPTVALUE_DISABLED || !TransactionIdIsNormal(horizon))
		return;
	if (rel->rd_rel->relhasindex)
	{
		rows.tids = palloc(sizeof(ItemPointerData) * Max(max, 1));
		do
		{
			rows.count = ColumnarCleanableRows(rel, from, horizon, after, rows.tids, max);
			if (rows.count > 0)
			{
				CleanIndexes(rel, &rows, bstrategy);
				after = (int64) ColumnarTidGetRowNumber(&rows.tids[rows.count - 1]);
			}
		} while (rows.count == max);
		pfree(rows.tids);
	}
	ColumnarSetCleanedXid(rel, horizon);
}

static void
columnar_relation_vacuum(Relation rel, struct VacuumParams *params,
						 BufferAccessStrategy bstrategy)
{
	HeapTuple	tuple;
	Form_pg_class form;

	HEAP_ROUTINE->relation_vacuum(rel, params, bstrategy);
	ColumnarEnsureDeltaBlock(rel);
	CleanDeletedRowIndexEntries(rel, params, bstrategy);
	ColumnarNoteCompaction(rel);

	tuple = SearchSysCacheCopy1(RELOID, ObjectIdGetDatum(RelationGetRelid(rel)));
	if (!HeapTupleIsValid(tuple))
		elog(ERROR, "cache lookup failed for relation %u", RelationGetRelid(rel));
	form = (Form_pg_class) GETSTRUCT(tuple);
	if (form->reltuples >= 0)
		vac_update_relstats(rel, form->relpages,
							form->reltuples + (double) LiveRowGroupRows(rel),
							form->relallvisible, form->relhasindex,
							InvalidTransactionId, InvalidMultiXactId, NULL, NULL, false);
	heap_freetuple(tuple);
}

/* ------------------------------------------------------------------------
 * ANALYZE
 * ------------------------------------------------------------------------
 */

/*
 * ANALYZE samples physical blocks, which hold only the delta store, so the
 * first call also returns a uniform sample of the row-group rows (as many
 * as ANALYZE keeps in all).  Each sampled row counts for the rows it stands
 * for, so that ANALYZE's row count, and pg_class.reltuples, cover the whole
 * table.
 */
static bool
NextSampleRow(ColumnarScanDesc scan, TupleTableSlot *slot, double *liverows)
{
	if (scan->reader == NULL)
	{
		Snapshot	snapshot = GetActiveSnapshot();

		scan->reader = BeginReaderIn(CurrentMemoryContext, scan->rs_base.rs_rd,
									 snapshot, snapshot);
		scan->sample_weight = ColumnarSampleRows(scan->reader, 300 * default_statistics_target);
	}
	if (!ColumnarReadNextSample(scan->reader, slot))
		return false;
	*liverows += scan->sample_weight;
	return true;
}

static bool
columnar_scan_analyze_next_block(TableScanDesc sscan, BlockNumber blockno,
								 BufferAccessStrategy bstrategy)
{
	ColumnarScanDesc scan = (ColumnarScanDesc) sscan;

	return HEAP_ROUTINE->scan_analyze_next_block(scan->delta, blockno, bstrategy);
}

static bool
columnar_scan_analyze_next_tuple(TableScanDesc sscan, TransactionId OldestXmin,
								 double *liverows, double *deadrows, TupleTableSlot *slot)
{
	ColumnarScanDesc scan = (ColumnarScanDesc) sscan;

	if (!scan->analyze_sampled)
	{
		if (NextSampleRow(scan, slot, liverows))
			return true;
		scan->analyze_sampled = true;
	}
	return HEAP_ROUTINE->scan_analyze_next_tuple(scan->delta, OldestXmin, liverows,
												 deadrows, slot);
}


/* ------------------------------------------------------------------------
 * Index builds
 * ------------------------------------------------------------------------
 */

typedef struct HeapBuildCall
{
	Relation	table;
	Relation	index;
	IndexInfo  *index_info;
	bool		allow_sync;
	bool		anyvisible;
	bool		progress;
	BlockNumber start_blockno;
	BlockNumber numblocks;
	IndexBuildCallback callback;
	void	   *callback_state;
	TableScanDesc scan;
	Snapshot	snapshot;		/* for validation */
	ValidateIndexState *validate_state;
	double		result;
} HeapBuildCall;

static void
CallHeapBuild(void *arg)
{
	HeapBuildCall *c = (HeapBuildCall *) arg;

	c->result = HEAP_ROUTINE->index_build_range_scan(c->table, c->index, c->index_info,
													 c->allow_sync, c->anyvisible,
													 c->progress, c->start_blockno,
													 c->numblocks, c->callback,
													 c->callback_state, c->scan);
}

static void
CallHeapValidate(void *arg)
{
	HeapBuildCall *c = (HeapBuildCall *) arg;

	HEAP_ROUTINE->index_validate_scan(c->table, c->index, c->index_info, c->snapshot,
									  c->validate_state);
}

/*
 * The columns an index build reads (executor-numbered): its key columns and
 * those its expressions and predicate use; NULL, every column, when one of
 * them uses the whole row.
 */
static Bitmapset *
IndexBuildColumns(IndexInfo *index_info)
{
	Bitmapset  *attrs = NULL;

	for (int i = 0; i < index_info->ii_NumIndexAttrs; i++)
	{
		if (index_info->ii_IndexAttrNumbers[i] != 0)
			attrs = bms_add_member(attrs, index_info->ii_IndexAttrNumbers[i] -
								   FirstLowInvalidHeapAttributeNumber);
	}
	pull_varattnos((Node *) index_info->ii_Expressions, 1, &attrs);
	pull_varattnos((Node *) index_info->ii_Predicate, 1, &attrs);
	if (bms_is_member(InvalidAttrNumber - FirstLowInvalidHeapAttributeNumber, attrs))
		return NULL;
	/* an empty set would read no column, which NULL does not mean */
	return bms_add_member(attrs, SelfItemPointerAttributeNumber -
						  FirstLowInvalidHeapAttributeNumber);
}

/*
 * Indexes every row of the row groups that a fresh snapshot sees (the
 * caller's lock keeps merges out), deleted rows included, so that older
 * snapshots still find the rows they see, decoding only the columns the
 * index needs.  Parallel builds share the row
 * groups through the scan's parallel state.
 */
static double
IndexBuildRowGroups(Relation table, Relation index, IndexInfo *index_info,
					IndexBuildCallback callback, void *callback_state, ColumnarScanDesc pscan)
{
	Snapshot	snapshot = pscan != NULL ? pscan->rs_base.rs_snapshot :
		RegisterSnapshot(index_info->ii_Concurrent ? GetTransactionSnapshot() : GetLatestSnapshot());
	ColumnarReadState *reader = ColumnarBeginRead(table, snapshot, NULL,
												  IndexBuildColumns(index_info));
	EState	   *estate = CreateExecutorState();
	ExprContext *econtext = GetPerTupleExprContext(estate);
	TupleTableSlot *slot = table_slot_create(table, NULL);
	ExprState  *predicate = ExecPrepareQual(index_info->ii_Predicate, estate);
	Datum		values[INDEX_MAX_KEYS];
	bool		isnull[INDEX_MAX_KEYS];
	double		rows = 0;

	if (pscan != NULL)
		ColumnarSetClaim(reader, ClaimParallelRowGroup, pscan);
	econtext->ecxt_scantuple = slot;
	while (ColumnarReadNextRow(reader, slot))
	{
		CHECK_FOR_INTERRUPTS();
		MemoryContextReset(econtext->ecxt_per_tuple_memory);
		if (predicate != NULL && !ExecQual(predicate, econtext))
			continue;
		FormIndexDatum(index_info, slot, estate, values, isnull);
		callback(index, &slot->tts_tid, values, isnull, true, callback_state);
		rows += 1;
	}
	ExecDropSingleTupleTableSlot(slot);
	FreeExecutorState(estate);
	ColumnarEndRead(reader);
	if (pscan == NULL)
		UnregisterSnapshot(snapshot);
	return rows;
}

static double
columnar_index_build_range_scan(Relation table, Relation index, IndexInfo *index_info,
								bool allow_sync, bool anyvisible, bool progress,
								BlockNumber start_blockno, BlockNumber numblocks,
								IndexBuildCallback callback, void *callback_state,
								TableScanDesc sscan)
{
	ColumnarScanDesc scan = (ColumnarScanDesc) sscan;
	HeapBuildCall call = {table, index, index_info, allow_sync, anyvisible, progress,
		start_blockno, numblocks, callback, callback_state,
	scan != NULL ? scan->delta : NULL};
	double		rows;

	/*
	 * BRIN summarizes the delta store's block ranges only: row groups keep
	 * the same summary per chunk (min/max), and their virtual blocks from
	 * 2^31 on would make BRIN write every range below them.  Bitmap scans
	 * through a BRIN index read the row groups with chunk filters instead
	 * (columnar_bitmap.c).
	 */
	rows = index->rd_rel->relam == BRIN_AM_OID ? 0 :
		IndexBuildRowGroups(table, index, index_info, callback, callback_state, scan);
	WithHeapRoutine(table, CallHeapBuild, &call);
	return rows + call.result;
}

/*
 * CREATE INDEX CONCURRENTLY's validation: row groups cannot change while it
 * runs (merges conflict with its lock), so they were all indexed by the
 * build; only the delta store needs the heap's check.
 */
static void
columnar_index_validate_scan(Relation table, Relation index, IndexInfo *index_info,
							 Snapshot snapshot, ValidateIndexState *state)
{
	HeapBuildCall call = {0};

	call.table = table;
	call.index = index;
	call.index_info = index_info;
	call.snapshot = snapshot;
	call.validate_state = state;
	WithHeapRoutine(table, CallHeapValidate, &call);
}


/* ------------------------------------------------------------------------
 * Miscellaneous callbacks
 * ------------------------------------------------------------------------
 */

static bool
columnar_relation_needs_toast_table(Relation rel)
{
	/* Row groups keep their chunks in the TOAST relation. */
	return true;
}

static Oid
columnar_relation_toast_am(Relation rel)
{
	return HEAP_TABLE_AM_OID;
}


/* ------------------------------------------------------------------------
 * Planner related callbacks
 * ------------------------------------------------------------------------
 */

/*
 * The rows of the row groups, deletions excluded, as the active snapshot
 * sees them (the latest state when the planner runs without one).
 */
static int64
LiveRowGroupRows(Relation rel)
{
	return ColumnarLiveRows(rel, ActiveSnapshotSet() ? GetActiveSnapshot() : GetLatestSnapshot());
}

/*
 * Rows: the row groups' (from the catalog, their deletions estimated by
 * ColumnarEstimateLiveRows), plus the delta store's, which
 * is what pg_class.reltuples (the whole table when last counted) has beyond
 * the row groups' rows now, scaled by the delta store's growth since, as the
 * heap scales it.  Pages: the delta store's plus the TOAST relation's,
 * which hold the compressed chunks a full scan reads.
 */
static void
columnar_relation_estimate_size(Relation rel, int32 *attr_widths, BlockNumber *pages,
								double *tuples, double *allvisfrac)
{
	int64		rows = ColumnarEstimateLiveRows(rel, ActiveSnapshotSet() ?
												GetActiveSnapshot() : GetLatestSnapshot());
	BlockNumber delta_pages = RelationGetNumberOfBlocks(rel);
	BlockNumber chunk_pages = 0;
	BlockNumber relpages = (BlockNumber) rel->rd_rel->relpages;
	double		reltuples = (double) rel->rd_rel->reltuples;
	double		delta_rows;

	if (reltuples >= 0 && relpages > 0)
		delta_rows = Max(0, reltuples - (double) rows) * delta_pages / relpages;
	else
	{
		BlockNumber heap_pages;

		HEAP_ROUTINE->relation_estimate_size(rel, attr_widths, &heap_pages, &delta_rows,
											 allvisfrac);
	}
	if (OidIsValid(rel->rd_rel->reltoastrelid))
	{
		Relation	toast = table_open(rel->rd_rel->reltoastrelid, AccessShareLock);

		chunk_pages = RelationGetNumberOfBlocks(toast);
		table_close(toast, AccessShareLock);
	}
	*tuples = rint(delta_rows) + (double) rows;
	*pages = delta_pages + chunk_pages;
	*allvisfrac = 0;
}


/* ------------------------------------------------------------------------
 * Executor related callbacks
 * ------------------------------------------------------------------------
 */

/*
 * Bitmap heap scans are kept out of columnar plans by the planner hook
 * (their prefetching reads blocks, and row groups have none), so only the
 * delta store's blocks can arrive here.
 */
static bool
columnar_scan_bitmap_next_block(TableScanDesc sscan, TBMIterateResult *tbmres)
{
	ColumnarScanDesc scan = (ColumnarScanDesc) sscan;

	if (tbmres->blockno >= COLUMNAR_FIRST_ROW_BLOCK)
		elog(ERROR, "bitmap scan of row groups of columnar table \"%s\"",
			 RelationGetRelationName(sscan->rs_rd));
	return HEAP_ROUTINE->scan_bitmap_next_block(scan->delta, tbmres);
}

static bool
columnar_scan_bitmap_next_tuple(TableScanDesc sscan, TBMIterateResult *tbmres,
								TupleTableSlot *slot)
{
	ColumnarScanDesc scan = (ColumnarScanDesc) sscan;

	return HEAP_ROUTINE->scan_bitmap_next_tuple(scan->delta, tbmres, slot);
}

/*
 * TABLESAMPLE: the sampling method chooses among the delta store's blocks
 * followed by the row groups' sampling units (ColumnarSampleUnits: runs of
 * the rows of one TID block), and then among the rows of each, as it would
 * among a heap's blocks and line pointers; its own block numbers seed it, so
 * REPEATABLE returns the same rows while the table does not change.  Delta
 * rows go through the heap's code on the chosen page; row-group rows are
 * read as a sequential scan reads them, deleted ones skipped.
 */
static bool
columnar_scan_sample_next_block(TableScanDesc sscan, SampleScanState *scanstate)
{
	ColumnarScanDesc scan = (ColumnarScanDesc) sscan;
	HeapScanDesc delta = (HeapScanDesc) scan->delta;
	TsmRoutine *tsm = scanstate->tsmroutine;
	uint64		total = (uint64) delta->rs_nblocks + ColumnarSampleUnits(ScanReader(scan));
	BlockNumber block;

	if (total >= (uint64) MaxBlockNumber)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("columnar table \"%s\" has too many rows to sample",
						RelationGetRelationName(sscan->rs_rd))));
	if (total == 0)
		block = InvalidBlockNumber;
	else if (tsm->NextSampleBlock)
		block = tsm->NextSampleBlock(scanstate, (BlockNumber) total);
	else if (scan->sample_block == InvalidBlockNumber)
		block = 0;
	else
		block = scan->sample_block + 1 < total ? scan->sample_block + 1 : InvalidBlockNumber;
	scan->sample_block = block;
	if (BlockNumberIsValid(block) && block < delta->rs_nblocks)
	{
		heapgetpage(scan->delta, block);
		return true;
	}
	if (BufferIsValid(delta->rs_cbuf))
		ReleaseBuffer(delta->rs_cbuf);
	delta->rs_cbuf = InvalidBuffer;
	delta->rs_cblock = InvalidBlockNumber;
	return BlockNumberIsValid(block);
}

static bool
columnar_scan_sample_next_tuple(TableScanDesc sscan, SampleScanState *scanstate,
								TupleTableSlot *slot)
{
	ColumnarScanDesc scan = (ColumnarScanDesc) sscan;
	BlockNumber delta_blocks = ((HeapScanDesc) scan->delta)->rs_nblocks;
	uint64		first_row;
	int			rows;

	if (scan->sample_block < delta_blocks)
	{
		TupleTableSlot *delta = DeltaSlotFor(scan, slot);

		return DeltaRowInto(delta, HEAP_ROUTINE->scan_sample_next_tuple(scan->delta, scanstate,
																		 delta),
							slot);
	}
	ColumnarSampleUnitRows(scan->reader, scan->sample_block - delta_blocks, &first_row, &rows);
	for (;;)
	{
		OffsetNumber offset;

		CHECK_FOR_INTERRUPTS();
		offset = scanstate->tsmroutine->NextSampleTuple(scanstate, scan->sample_block,
														(OffsetNumber) rows);
		if (!OffsetNumberIsValid(offset))
		{
			ExecClearTuple(slot);
			return false;
		}
		if (ColumnarReadRow(scan->reader, first_row + offset - 1, slot))
		{
			pgstat_count_heap_getnext(sscan->rs_rd);
			return true;
		}
	}
}


/* ------------------------------------------------------------------------
 * Definition of the columnar table access method.
 * ------------------------------------------------------------------------
 */

/*
 * A large INSERT ... SELECT, a rewrite, CREATE TABLE AS: row groups directly
 * (columnar_bulk.c).
 */
static void
columnar_tuple_insert(Relation rel, TupleTableSlot *slot, CommandId cid, int options,
					  struct BulkInsertStateData *bistate)
{
	if (!ColumnarBulkInsertRow(rel, slot, cid, bistate != NULL))
	{
		HEAP_ROUTINE->tuple_insert(rel, slot, cid, options, bistate);
		ColumnarNoteDeltaWrite(rel, 1);
	}
}

static void
columnar_tuple_insert_speculative(Relation rel, TupleTableSlot *slot, CommandId cid,
								  int options, struct BulkInsertStateData *bistate,
								  uint32 specToken)
{
	HEAP_ROUTINE->tuple_insert_speculative(rel, slot, cid, options, bistate, specToken);
	ColumnarNoteDeltaWrite(rel, 1);
}

static void
columnar_tuple_complete_speculative(Relation rel, TupleTableSlot *slot, uint32 specToken,
									bool succeeded)
{
	HEAP_ROUTINE->tuple_complete_speculative(rel, slot, specToken, succeeded);
}

/* COPY: row groups directly when columnar_bulk.c allows it, else the delta. */
static void
columnar_multi_insert(Relation rel, TupleTableSlot **slots, int nslots, CommandId cid,
					  int options, struct BulkInsertStateData *bistate)
{
	if (!ColumnarBulkInsert(rel, slots, nslots, cid))
	{
		HEAP_ROUTINE->multi_insert(rel, slots, nslots, cid, options, bistate);
		ColumnarNoteDeltaWrite(rel, nslots);
	}
}

static void
columnar_finish_bulk_insert(Relation rel, int options)
{
	if (!ColumnarFinishBulkInsert(rel) && HEAP_ROUTINE->finish_bulk_insert != NULL)
		HEAP_ROUTINE->finish_bulk_insert(rel, options);
}

static uint64
columnar_relation_size(Relation rel, ForkNumber forkNumber)
{
	/* The physical size: heap code on the delta store relies on it. */
	return HEAP_ROUTINE->relation_size(rel, forkNumber);
}

static void
columnar_relation_fetch_toast_slice(Relation toastrel, Oid valueid, int32 attrsize,
									int32 sliceoffset, int32 slicelength,
									struct varlena *result)
{
	HEAP_ROUTINE->relation_fetch_toast_slice(toastrel, valueid, attrsize, sliceoffset,
											 slicelength, result);
}

static const TableAmRoutine columnar_methods = {
	.type = T_TableAmRoutine,

	.slot_callbacks = columnar_slot_callbacks,

	.scan_begin = columnar_scan_begin,
	.scan_end = columnar_scan_end,
	.scan_rescan = columnar_scan_rescan,
	.scan_getnextslot = columnar_scan_getnextslot,

	.scan_set_tidrange = columnar_scan_set_tidrange,
	.scan_getnextslot_tidrange = columnar_scan_getnextslot_tidrange,

	.parallelscan_estimate = columnar_parallelscan_estimate,
	.parallelscan_initialize = columnar_parallelscan_initialize,
	.parallelscan_reinitialize = columnar_parallelscan_reinitialize,

	.index_fetch_begin = columnar_index_fetch_begin,
	.index_fetch_reset = columnar_index_fetch_reset,
	.index_fetch_end = columnar_index_fetch_end,
	.index_fetch_tuple = columnar_index_fetch_tuple,

	.tuple_insert = columnar_tuple_insert,
	.tuple_insert_speculative = columnar_tuple_insert_speculative,
	.tuple_complete_speculative = columnar_tuple_complete_speculative,
	.multi_insert = columnar_multi_insert,
	.tuple_delete = columnar_tuple_delete,
	.tuple_update = columnar_tuple_update,
	.tuple_lock = columnar_tuple_lock,
	.finish_bulk_insert = columnar_finish_bulk_insert,

	.tuple_fetch_row_version = columnar_fetch_row_version,
	.tuple_get_latest_tid = columnar_get_latest_tid,
	.tuple_tid_valid = columnar_tuple_tid_valid,
	.tuple_satisfies_snapshot = columnar_tuple_satisfies_snapshot,
	.index_delete_tuples = columnar_index_delete_tuples,

	.relation_set_new_filenode = columnar_relation_set_new_filenode,
	.relation_nontransactional_truncate = columnar_relation_nontransactional_truncate,
	.relation_copy_data = columnar_relation_copy_data,
	.relation_copy_for_cluster = columnar_relation_copy_for_cluster,
	.relation_vacuum = columnar_relation_vacuum,
	.scan_analyze_next_block = columnar_scan_analyze_next_block,
	.scan_analyze_next_tuple = columnar_scan_analyze_next_tuple,
	.index_build_range_scan = columnar_index_build_range_scan,
	.index_validate_scan = columnar_index_validate_scan,

	.relation_size = columnar_relation_size,
	.relation_needs_toast_table = columnar_relation_needs_toast_table,
	.relation_toast_am = columnar_relation_toast_am,
	.relation_fetch_toast_slice = columnar_relation_fetch_toast_slice,

	.relation_estimate_size = columnar_relation_estimate_size,

	.scan_bitmap_next_block = columnar_scan_bitmap_next_block,
	.scan_bitmap_next_tuple = columnar_scan_bitmap_next_tuple,
	.scan_sample_next_block = columnar_scan_sample_next_block,
	.scan_sample_next_tuple = columnar_scan_sample_next_tuple
};

/*
 * ColumnarIsColumnarRelation - whether "rel" uses this access method.
 */
bool
ColumnarIsColumnarRelation(Relation rel)
{
	return rel->rd_tableam == &columnar_methods;
}

Datum
ep_columnar_handler(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(&columnar_methods);
}
