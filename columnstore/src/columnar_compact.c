/*-------------------------------------------------------------------------
 *
 * columnar_compact.c
 *	  Gives back the space of deleted row-group rows.  A row group every row
 *	  of which was deleted before VACUUM's index clean-up horizon
 *	  (storage.cleaned_xid: no snapshot sees those rows and no index entry
 *	  points at them) is dropped: its chunks' bytes, its catalog rows and
 *	  its rows' deletion markers.  A row group with at least
 *	  COLUMNAR_COMPACT_FRACTION of its rows deleted is rewritten: each
 *	  remaining row moves into new row groups the way an UPDATE moves it (a
 *	  deletion marker whose new_tid points at the new row, then index
 *	  entries for the new TID), so that older snapshots, row lockers and
 *	  concurrent writers see heap semantics; a row that another transaction
 *	  is deleting or locking stays where it is.  The emptied row group is
 *	  dropped by a later compaction, once VACUUM has removed the index
 *	  entries of the moved rows.
 *
 *	  Invariants: the caller holds ShareUpdateExclusiveLock on the table
 *	  (compactions and VACUUMs of one table never overlap; writers go on)
 *	  and runs an ordinary transaction: never lazy VACUUM's, whose xid other
 *	  backends' snapshots ignore.  The merge worker compacts the tables that
 *	  VACUUM finds worth it (columnar_automerge.c);
 *	  epiphany.columnar_compact(table) does it at once.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  columnstore/src/columnar_compact.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include "access/tableam.h"
#include "access/xact.h"
#include "columnar.h"
#include "executor/tuptable.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "utils/snapmgr.h"

/* A row group with this fraction of its rows deleted is rewritten. */
#define COLUMNAR_COMPACT_FRACTION	0.2

/* The rows being moved out of sparse row groups. */
typedef struct CompactMove
{
	ColumnarMoveTarget *target;
	ColumnarReadState *reader;
	TupleTableSlot *slot;
	CommandId	cid;
} CompactMove;

/* Whether every row of rg was deleted before "cleaned" (valid). */
static bool
RowGroupIsDead(Oid storage_id, ColumnarRowGroup *rg, Snapshot snapshot, TransactionId cleaned)
{
	return TransactionIdIsValid(cleaned) &&
		bms_num_members(ColumnarDeletedRowsInGroup(storage_id, rg, snapshot, cleaned)) ==
		rg->row_count;
}

/*
 * The rows of rg that "snapshot" sees deleted, when they make it worth
 * rewriting (some rows left, at least COLUMNAR_COMPACT_FRACTION gone);
 * else NULL.
 */
static Bitmapset *
SparseRowGroupDeletions(Oid storage_id, ColumnarRowGroup *rg, Snapshot snapshot)
{
	Bitmapset  *deleted = ColumnarDeletedRowsInGroup(storage_id, rg, snapshot,
													 InvalidTransactionId);
	int			count = bms_num_members(deleted);

	if (count == 0 || count >= rg->row_count ||
		count < (double) rg->row_count * COLUMNAR_COMPACT_FRACTION)
	{
		bms_free(deleted);
		return NULL;
	}
	return deleted;
}

/*
 * ColumnarNeedsCompaction - whether rel has a row group to drop or to
 * rewrite, as the latest snapshot sees them.  Reads only the catalog.
 */
bool
ColumnarNeedsCompaction(Relation rel)
{
	Snapshot	snapshot = RegisterSnapshot(GetLatestSnapshot());
	ColumnarStorageMap *map = ColumnarReadStorageMap(rel, snapshot);
	Oid			storage_id = ColumnarStorageId(rel);
	TransactionId cleaned = ColumnarCleanedXid(rel);
	bool		needed = false;

	for (int g = 0; g < map->count && !needed; g++)
	{
		ColumnarRowGroup *rg = map->row_groups[g];

		needed = RowGroupIsDead(storage_id, rg, snapshot, cleaned) ||
			SparseRowGroupDeletions(storage_id, rg, snapshot) != NULL;
	}
	UnregisterSnapshot(snapshot);
	return needed;
}

/* ColumnarMarkRowDeleted's callback: writes the row read into the new row groups. */
static void
WriteMovedRow(void *arg, ItemPointer new_tid)
{
	CompactMove *move = (CompactMove *) arg;

	ColumnarMoveRow(move->target, move->slot);
	ItemPointerCopy(&move->slot->tts_tid, new_tid);
}

/* Moves the rows of rg that are not in "deleted"; returns how many moved. */
static int64
MoveRemainingRows(Relation rel, ColumnarRowGroup *rg, Bitmapset *deleted, CompactMove *move)
{
	int64		moved = 0;

	for (int64 offset = 0; offset < rg->row_count; offset++)
	{
		uint64		row_number = rg->first_row + (uint64) offset;
		TM_FailureData tmfd;

		CHECK_FOR_INTERRUPTS();
		if (bms_is_member((int) offset, deleted) ||
			!ColumnarReadRow(move->reader, row_number, move->slot))
			continue;
		/* a row that another transaction deletes or locks stays */
		if (ColumnarMarkRowDeleted(rel, row_number, move->cid, false, &tmfd,
								   WriteMovedRow, move) != TM_Ok)
			continue;
		ColumnarIndexMovedRow(move->target, move->slot);
		moved++;
	}
	return moved;
}

/* Sets up the move of remaining rows, on the first sparse row group. */
static void
BeginMove(Relation rel, Snapshot snapshot, CompactMove *move)
{
	ColumnarOptions options;

	ColumnarGetOptions(RelationGetRelid(rel), &options);
	move->target = ColumnarBeginMove(rel, &options);
	move->reader = ColumnarBeginRead(rel, snapshot, snapshot, NULL);
	move->slot = table_slot_create(rel, NULL);
	move->cid = GetCurrentCommandId(true);
}

/*
 * ColumnarCompact - drops rel's dead row groups and rewrites its sparse
 * ones (see the file header); counts what it did in *result.
 */
void
ColumnarCompact(Relation rel, ColumnarCompactResult *result)
{
	Snapshot	snapshot = RegisterSnapshot(GetLatestSnapshot());
	ColumnarStorageMap *map = ColumnarReadStorageMap(rel, snapshot);
	Oid			storage_id = ColumnarStorageId(rel);
	TransactionId cleaned = ColumnarCleanedXid(rel);
	CompactMove move = {0};

	Assert(CheckRelationLockedByMe(rel, ShareUpdateExclusiveLock, true));
	result->rows_moved = 0;
	result->row_groups_dropped = 0;
	for (int g = 0; g < map->count; g++)
	{
		ColumnarRowGroup *rg = map->row_groups[g];
		Bitmapset  *deleted;

		CHECK_FOR_INTERRUPTS();
		if (RowGroupIsDead(storage_id, rg, snapshot, cleaned))
		{
			ColumnarDropRowGroup(rel, rg);
			result->row_groups_dropped++;
			continue;
		}
		deleted = SparseRowGroupDeletions(storage_id, rg, snapshot);
		if (deleted == NULL)
			continue;
		if (move.target == NULL)
			BeginMove(rel, snapshot, &move);
		result->rows_moved += MoveRemainingRows(rel, rg, deleted, &move);
		bms_free(deleted);
	}
	if (move.target != NULL)
	{
		ColumnarEndRead(move.reader);
		ExecDropSingleTupleTableSlot(move.slot);
		ColumnarEndMove(move.target);
	}
	UnregisterSnapshot(snapshot);
}
