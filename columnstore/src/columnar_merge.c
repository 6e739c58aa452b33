/*-------------------------------------------------------------------------
 *
 * columnar_merge.c
 *	  Moves the rows of the delta store into compressed row groups.
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

/* Writes one row into the row groups and indexes it under its new TID. */
static void
WriteAndIndex(ColumnarWriteState *writer, ResultRelInfo *rri, EState *estate,
			  TupleTableSlot *slot)
{
	ItemPointerData new_tid;

	ResetPerTupleExprContext(estate);
	ColumnarWriteRow(writer, slot, &new_tid);
	slot->tts_tid = new_tid;
	if (rri->ri_NumIndices > 0)
		list_free(ExecInsertIndexTuples(rri, slot, estate, false, false, NULL, NIL));
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
	EState	   *estate = CreateExecutorState();
	ResultRelInfo *rri = makeNode(ResultRelInfo);
	TupleTableSlot *slot = table_slot_create(rel, NULL);
	ColumnarOptions options;
	ColumnarSortState *sort;
	TableScanDesc scan;
	ColumnarWriteState *writer;
	TupleTableSlot *sorted;
	int64		moved = 0;

	Assert(CheckRelationLockedByMe(rel, ExclusiveLock, true));
	InitResultRelInfo(rri, rel, 1, NULL, 0);
	ExecOpenIndices(rri, false);
	ColumnarGetOptions(RelationGetRelid(rel), &options);
	writer = ColumnarBeginWrite(rel, &options);
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
			WriteAndIndex(writer, rri, estate, slot);
		moved++;
	}
	GetHeapamTableAmRoutine()->scan_end(scan);
	if (sort != NULL)
	{
		while ((sorted = ColumnarSortNext(sort)) != NULL)
		{
			CHECK_FOR_INTERRUPTS();
			WriteAndIndex(writer, rri, estate, sorted);
		}
		ColumnarEndSort(sort);
	}
	ColumnarEndWrite(writer);

	ExecCloseIndices(rri);
	ExecDropSingleTupleTableSlot(slot);
	FreeExecutorState(estate);
	UnregisterSnapshot(snapshot);
	return moved;
}
