/*-------------------------------------------------------------------------
 *
 * columnar_merge.c
 *	  Moves the rows of the delta store into compressed row groups; the
 *	  writing of moved rows (new row groups and index entries) serves the
 *	  compaction of row groups too (columnar_compact.c).
 *
 *	  Invariants: the caller holds ExclusiveLock on the table, so no other
 *	  transaction writes to it and every delta row the merge's snapshot sees
 *	  is committed.  In one transaction each row is deleted from the delta
 *	  store, written to a row group and indexed under its new TID: a crash or
 *	  an error leaves every row exactly once, in the delta store, and older
 *	  snapshots go on seeing the delta rows, not the row groups.  The delta
 *	  row is deleted before the new index entries are made, so a unique index
 *	  sees the old entry as deleted by us and not as a duplicate.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  columnstore/src/columnar_merge.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include "access/heapam.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "columnar.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "utils/snapmgr.h"

/* Where moved rows go: new row groups of "rel", and its indexes. */
struct ColumnarMoveTarget
{
	ColumnarWriteState *writer;
	ResultRelInfo *rri;
	EState	   *estate;
};

/* ColumnarBeginMove - starts writing moved rows into new row groups of rel. */
ColumnarMoveTarget *
ColumnarBeginMove(Relation rel, const ColumnarOptions *options)
{
	ColumnarMoveTarget *target = palloc(sizeof(ColumnarMoveTarget));

	target->estate = CreateExecutorState();
	target->rri = makeNode(ResultRelInfo);
	InitResultRelInfo(target->rri, rel, 1, NULL, 0);
	ExecOpenIndices(target->rri, false);
	target->writer = ColumnarBeginWrite(rel, options);
	return target;
}

/* ColumnarMoveRow - writes the row in "slot"; its new TID goes to slot->tts_tid. */
void
ColumnarMoveRow(ColumnarMoveTarget *target, TupleTableSlot *slot)
{
	ItemPointerData new_tid;

	ColumnarWriteRow(target->writer, slot, &new_tid);
	slot->tts_tid = new_tid;
}

/* ColumnarIndexMovedRow - makes the index entries of the row moved in "slot". */
void
ColumnarIndexMovedRow(ColumnarMoveTarget *target, TupleTableSlot *slot)
{
	ResetPerTupleExprContext(target->estate);
	if (target->rri->ri_NumIndices > 0)
		list_free(ExecInsertIndexTuples(target->rri, slot, target->estate, false, false,
										NULL, NIL));
}

/* ColumnarEndMove - writes the last row group and closes the indexes. */
void
ColumnarEndMove(ColumnarMoveTarget *target)
{
	ColumnarEndWrite(target->writer);
	ExecCloseIndices(target->rri);
	FreeExecutorState(target->estate);
	pfree(target);
}

/* Writes one row into the row groups and indexes it under its new TID. */
static void
WriteAndIndex(ColumnarMoveTarget *target, TupleTableSlot *slot)
{
	ColumnarMoveRow(target, slot);
	ColumnarIndexMovedRow(target, slot);
}

/*
 * ColumnarMergeDelta - move the visible delta rows of "rel" into row groups,
 * sorted by the table's segmentby and orderby columns when it has some;
 * returns the number of rows moved.  max_rows > 0 moves at most that many
 * (the first ones in the delta store's physical order), else every one.
 * "rel" must have a TOAST relation and be locked in ExclusiveLock mode or
 * stronger.  With a sort, every row moved is deleted from the delta store
 * before the first new index entry is made.
 */
int64
ColumnarMergeDelta(Relation rel, int64 max_rows)
{
	Snapshot	snapshot = RegisterSnapshot(GetLatestSnapshot());
	TupleTableSlot *slot = table_slot_create(rel, NULL);
	ColumnarOptions options;
	ColumnarSortState *sort;
	TableScanDesc scan;
	ColumnarMoveTarget *target;
	TupleTableSlot *sorted;
	int64		moved = 0;

	Assert(CheckRelationLockedByMe(rel, ExclusiveLock, true));
	ColumnarGetOptions(RelationGetRelid(rel), &options);
	target = ColumnarBeginMove(rel, &options);
	sort = ColumnarBeginSort(rel, &options);

	scan = GetHeapamTableAmRoutine()->scan_begin(rel, snapshot, 0, NULL, NULL,
												 SO_TYPE_SEQSCAN | SO_ALLOW_STRAT |
												 SO_ALLOW_PAGEMODE);
	while ((max_rows <= 0 || moved < max_rows) &&
		   GetHeapamTableAmRoutine()->scan_getnextslot(scan, ForwardScanDirection, slot))
	{
		CHECK_FOR_INTERRUPTS();
		simple_heap_delete(rel, &slot->tts_tid);
		if (sort != NULL)
			ColumnarSortAdd(sort, slot);
		else
			WriteAndIndex(target, slot);
		moved++;
	}
	GetHeapamTableAmRoutine()->scan_end(scan);
	if (sort != NULL)
	{
		while ((sorted = ColumnarSortNext(sort)) != NULL)
		{
			CHECK_FOR_INTERRUPTS();
			WriteAndIndex(target, sorted);
		}
		ColumnarEndSort(sort);
	}
	ColumnarEndMove(target);
	ExecDropSingleTupleTableSlot(slot);
	UnregisterSnapshot(snapshot);
	return moved;
}
