/*-------------------------------------------------------------------------
 *
 * columnar_bulk.c
 *	  Bulk loads (COPY FROM, through the table AM's multi_insert and
 *	  finish_bulk_insert) write row groups directly instead of filling the
 *	  delta store for a merge to move later: one encoding pass instead of a
 *	  heap insert, a heap delete and an encoding pass.
 *
 *	  Rows are buffered until a row group is full or the load ends, so for
 *	  a while an index entry could point at a row that no catalog shows yet.
 *	  A direct load is therefore used only when nothing can look for such a
 *	  row before the load ends: the table has no AFTER ROW INSERT trigger
 *	  and no transition table, and either no index or only non-unique
 *	  indexes and no sort key (sorted rows get their row numbers only when
 *	  the load ends, after COPY has indexed them).  Other loads go to the
 *	  delta store, as single-row INSERTs do.
 *
 *	  Invariants: the row groups are recorded under the loading transaction
 *	  and command, as a merge's are, so they are visible exactly when heap
 *	  rows of the same COPY would be.  A load whose (sub)transaction aborts
 *	  is forgotten with its buffers; its reserved row numbers are never
 *	  handed out again.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  columnstore/src/columnar_bulk.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include "access/xact.h"
#include "catalog/pg_index.h"
#include "columnar.h"
#include "commands/trigger.h"
#include "miscadmin.h"
#include "nodes/pg_list.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/relcache.h"
#include "utils/syscache.h"

/* One load in progress into one table. */
typedef struct BulkLoad
{
	Oid			relid;
	SubTransactionId subxid;	/* the subtransaction that started it */
	MemoryContext context;		/* everything below */
	ColumnarWriteState *writer;
	ColumnarSortState *sort;	/* rows to sort first, or NULL */
} BulkLoad;

/* The loads in progress, in TopTransactionContext. */
static List *BulkLoads = NIL;
static bool CallbacksRegistered = false;

/* Whether "rel" has a unique or exclusion index. */
static bool
HasUniqueIndex(Relation rel)
{
	List	   *indexes = RelationGetIndexList(rel);
	ListCell   *lc;
	bool		unique = false;

	foreach(lc, indexes)
	{
		HeapTuple	tuple = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(lfirst_oid(lc)));
		Form_pg_index index;

		if (!HeapTupleIsValid(tuple))
			elog(ERROR, "cache lookup failed for index %u", lfirst_oid(lc));
		index = (Form_pg_index) GETSTRUCT(tuple);
		unique |= index->indisunique || index->indisexclusion;
		ReleaseSysCache(tuple);
	}
	list_free(indexes);
	return unique;
}

/* Whether a load into "rel" with "options" may write row groups directly. */
static bool
DirectLoadAllowed(Relation rel, const ColumnarOptions *options)
{
	TriggerDesc *triggers = rel->trigdesc;
	bool		sorted = options->nsegmentby + options->norderby > 0;

	if (!OidIsValid(rel->rd_rel->reltoastrelid))
		return false;
	if (triggers != NULL &&
		(triggers->trig_insert_after_row || triggers->trig_insert_new_table))
		return false;
	if (rel->rd_rel->relhasindex && (sorted || HasUniqueIndex(rel)))
		return false;
	return true;
}

static BulkLoad *
FindLoad(Oid relid)
{
	ListCell   *lc;

	foreach(lc, BulkLoads)
	{
		BulkLoad   *load = (BulkLoad *) lfirst(lc);

		if (load->relid == relid)
			return load;
	}
	return NULL;
}

/* Forgets "load" and frees its buffers, without writing them. */
static void
DropLoad(BulkLoad *load)
{
	BulkLoads = list_delete_ptr(BulkLoads, load);
	MemoryContextDelete(load->context);
}

/* A transaction's end forgets whatever loads it left; they died with it. */
static void
ForgetLoadsAtEnd(XactEvent event, void *arg)
{
	if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT ||
		event == XACT_EVENT_PARALLEL_COMMIT || event == XACT_EVENT_PARALLEL_ABORT ||
		event == XACT_EVENT_PREPARE)
		BulkLoads = NIL;		/* its memory goes with TopTransactionContext */
}

/* A subtransaction's abort drops the loads it started. */
static void
DropLoadsOfAbortedSubxact(SubXactEvent event, SubTransactionId mySubid,
						  SubTransactionId parentSubid, void *arg)
{
	ListCell   *lc;

	if (event != SUBXACT_EVENT_ABORT_SUB)
		return;
	foreach(lc, BulkLoads)
	{
		BulkLoad   *load = (BulkLoad *) lfirst(lc);

		if (load->subxid == mySubid)
		{
			DropLoad(load);
			/* the list changed: start over */
			DropLoadsOfAbortedSubxact(event, mySubid, parentSubid, arg);
			return;
		}
	}
}

/* Starts a direct load into "rel", or returns NULL when it may not have one. */
static BulkLoad *
StartLoad(Relation rel)
{
	ColumnarOptions options;
	BulkLoad   *load;
	MemoryContext context;
	MemoryContext old;

	ColumnarGetOptions(RelationGetRelid(rel), &options);
	if (!DirectLoadAllowed(rel, &options))
		return NULL;
	if (!CallbacksRegistered)
	{
		RegisterXactCallback(ForgetLoadsAtEnd, NULL);
		RegisterSubXactCallback(DropLoadsOfAbortedSubxact, NULL);
		CallbacksRegistered = true;
	}

	context = AllocSetContextCreate(TopTransactionContext, "columnar bulk load",
									ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(context);
	load = palloc0(sizeof(BulkLoad));
	load->relid = RelationGetRelid(rel);
	load->subxid = GetCurrentSubTransactionId();
	load->context = context;
	load->writer = ColumnarBeginWrite(rel, &options);
	load->sort = ColumnarBeginSort(rel, &options);
	BulkLoads = lappend(BulkLoads, load);
	MemoryContextSwitchTo(old);
	return load;
}

/*
 * ColumnarBulkInsert - add slots[0..nslots) of a bulk load to row groups,
 * setting their TIDs (invalid when the rows are sorted first: they are
 * numbered when the load ends).  Returns false, doing nothing, when the
 * load must go to the delta store instead.
 */
bool
ColumnarBulkInsert(Relation rel, TupleTableSlot **slots, int nslots)
{
	BulkLoad   *load = FindLoad(RelationGetRelid(rel));
	MemoryContext old;

	if (load == NULL && (load = StartLoad(rel)) == NULL)
		return false;
	old = MemoryContextSwitchTo(load->context);
	for (int i = 0; i < nslots; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (load->sort != NULL)
		{
			ColumnarSortAdd(load->sort, slots[i]);
			ItemPointerSetInvalid(&slots[i]->tts_tid);
		}
		else
			ColumnarWriteRow(load->writer, slots[i], &slots[i]->tts_tid);
		slots[i]->tts_tableOid = RelationGetRelid(rel);
	}
	MemoryContextSwitchTo(old);
	return true;
}

/*
 * ColumnarFinishBulkInsert - write what a bulk load into "rel" still
 * buffers; false when "rel" has no direct load in progress.
 */
bool
ColumnarFinishBulkInsert(Relation rel)
{
	BulkLoad   *load = FindLoad(RelationGetRelid(rel));
	MemoryContext old;
	TupleTableSlot *sorted;
	ItemPointerData tid;

	if (load == NULL)
		return false;
	old = MemoryContextSwitchTo(load->context);
	if (load->sort != NULL)
	{
		while ((sorted = ColumnarSortNext(load->sort)) != NULL)
		{
			CHECK_FOR_INTERRUPTS();
			ColumnarWriteRow(load->writer, sorted, &tid);
		}
		ColumnarEndSort(load->sort);
	}
	ColumnarEndWrite(load->writer);
	MemoryContextSwitchTo(old);
	DropLoad(load);
	return true;
}
