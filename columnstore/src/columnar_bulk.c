/*-------------------------------------------------------------------------
 *
 * columnar_bulk.c
 *	  Bulk loads write row groups directly instead of filling the delta
 *	  store for a merge to move later: one encoding pass instead of a heap
 *	  insert, a heap delete and an encoding pass.  A bulk load is a COPY FROM
 *	  (the table AM's multi_insert, then finish_bulk_insert); a table
 *	  rewrite, CREATE TABLE AS or REFRESH MATERIALIZED VIEW filling a
 *	  relation created in the transaction (tuple_insert with a bulk-insert
 *	  state, then finish_bulk_insert; a rewrite keeps the options of the
 *	  table it rewrites); or an INSERT ... SELECT that the planner expects to
 *	  insert at least BULK_INSERT_MIN_ROWS rows (tuple_insert, then the end
 *	  of the statement, seen by the executor hooks installed here).  A
 *	  utility statement ends the loads it started that nothing ended.
 *
 *	  Rows are buffered until a row group is full or the load ends, so for
 *	  a while an index entry could point at a row that no catalog shows yet.
 *	  A direct load is therefore used only when nothing can look for such a
 *	  row before the load ends: the table has no INSERT trigger but BEFORE
 *	  STATEMENT ones, and either no index or only non-unique indexes and no
 *	  sort key (sorted rows get their row numbers only when the load ends,
 *	  after they were indexed); an INSERT also has no RETURNING, no ON
 *	  CONFLICT and no data-modifying WITH.  Other loads go to the delta
 *	  store, as single-row INSERTs do.
 *
 *	  Rows count as inserted in the table's statistics (pg_stat_all_tables)
 *	  as heap rows do.
 *
 *	  Invariants: a load is identified by its table and command id, so rows
 *	  that a nested statement inserts (after a CommandCounterIncrement) never
 *	  join an outer statement's load.  The row groups are recorded under the
 *	  loading transaction and command, as a merge's are, so they are visible
 *	  exactly when heap rows of the same statement would be.  A load whose
 *	  (sub)transaction aborts is forgotten with its buffers; its reserved row
 *	  numbers are never handed out again.
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

#include "access/table.h"
#include "access/xact.h"
#include "catalog/partition.h"
#include "catalog/pg_class.h"
#include "catalog/pg_index.h"
#include "columnar.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "nodes/pg_list.h"
#include "parser/parsetree.h"
#include "pgstat.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/relcache.h"
#include "utils/syscache.h"

/* An INSERT ... SELECT this small or smaller fills the delta store. */
#define BULK_INSERT_MIN_ROWS	10000

/* One load in progress into one table. */
typedef struct BulkLoad
{
	Oid			relid;
	CommandId	cid;			/* the command inserting the rows */
	EState	   *estate;			/* an INSERT's executor state; NULL: a
								 * utility statement's (COPY, rewrite) */
	int			utility_level;	/* ProcessUtility nesting when started */
	SubTransactionId subxid;	/* the subtransaction that started it */
	MemoryContext context;		/* everything below */
	ColumnarWriteState *writer;
	ColumnarSortState *sort;	/* rows to sort first, or NULL */
} BulkLoad;

/* An INSERT ... SELECT running, and the tables it may load directly. */
typedef struct BulkInsert
{
	EState	   *estate;
	CommandId	cid;
	List	   *relids;
	SubTransactionId subxid;
} BulkInsert;

/* The loads and INSERTs in progress, in TopTransactionContext. */
static List *BulkLoads = NIL;
static List *BulkInserts = NIL;
static bool CallbacksRegistered = false;

/* ProcessUtility nesting, and how many of those levels run a COPY. */
static int	UtilityLevel = 0;
static int	CopyLevels = 0;

static ExecutorStart_hook_type prev_ExecutorStart = NULL;
static ExecutorFinish_hook_type prev_ExecutorFinish = NULL;
static ExecutorEnd_hook_type prev_ExecutorEnd = NULL;

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

/* Whether "triggers" has an INSERT trigger but BEFORE STATEMENT ones. */
static bool
HasInsertTriggers(TriggerDesc *triggers)
{
	return triggers != NULL &&
		(triggers->trig_insert_before_row || triggers->trig_insert_after_row ||
		 triggers->trig_insert_instead_row || triggers->trig_insert_after_statement ||
		 triggers->trig_insert_new_table);
}

/*
 * Whether a load into "rel" with "options" may write row groups directly.
 * A partition also looks at its ancestors' triggers: a COPY into the
 * partitioned table runs theirs.
 */
static bool
DirectLoadAllowed(Relation rel, const ColumnarOptions *options)
{
	bool		sorted = options->nsegmentby + options->norderby > 0;
	ListCell   *lc;

	/*
	 * The leader of a parallel query (CREATE TABLE AS or REFRESH over a
	 * parallel plan) may insert but not update the catalog in place, as
	 * reserving row numbers does: its rows go to the delta store.
	 */
	if (IsInParallelMode())
		return false;
	if (!OidIsValid(rel->rd_rel->reltoastrelid) || HasInsertTriggers(rel->trigdesc))
		return false;
	if (rel->rd_rel->relhasindex && (sorted || HasUniqueIndex(rel)))
		return false;
	if (rel->rd_rel->relispartition)
	{
		foreach(lc, get_partition_ancestors(RelationGetRelid(rel)))
		{
			Relation	ancestor = table_open(lfirst_oid(lc), AccessShareLock);
			bool		triggers = HasInsertTriggers(ancestor->trigdesc);

			table_close(ancestor, NoLock);
			if (triggers)
				return false;
		}
	}
	return true;
}

/* The load into "relid" by command "cid" of "estate" (NULL: a COPY's). */
static BulkLoad *
FindLoad(Oid relid, CommandId cid, EState *estate)
{
	ListCell   *lc;

	foreach(lc, BulkLoads)
	{
		BulkLoad   *load = (BulkLoad *) lfirst(lc);

		if (load->relid == relid && load->estate == estate &&
			(estate == NULL || load->cid == cid))
			return load;
	}
	return NULL;
}

/*
 * The innermost running INSERT ... SELECT of command "cid" that may load
 * "relid".
 */
static BulkInsert *
FindInsert(Oid relid, CommandId cid)
{
	ListCell   *lc;
	BulkInsert *found = NULL;

	foreach(lc, BulkInserts)
	{
		BulkInsert *insert = (BulkInsert *) lfirst(lc);

		if (insert->cid == cid && list_member_oid(insert->relids, relid))
			found = insert;
	}
	return found;
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
	{
		/* their memory goes with TopTransactionContext */
		BulkLoads = NIL;
		BulkInserts = NIL;
	}
	if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT)
		UtilityLevel = CopyLevels = 0;
}

/* A subtransaction's abort drops the loads and INSERTs it started. */
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
			BulkLoads = foreach_delete_current(BulkLoads, lc);
			MemoryContextDelete(load->context);
		}
	}
	foreach(lc, BulkInserts)
	{
		BulkInsert *insert = (BulkInsert *) lfirst(lc);

		if (insert->subxid == mySubid)
			BulkInserts = foreach_delete_current(BulkInserts, lc);
	}
}

static void
RegisterCallbacks(void)
{
	if (CallbacksRegistered)
		return;
	RegisterXactCallback(ForgetLoadsAtEnd, NULL);
	RegisterSubXactCallback(DropLoadsOfAbortedSubxact, NULL);
	CallbacksRegistered = true;
}

/*
 * Starts a direct load into "rel" by command "cid" (of "estate", NULL for a
 * utility statement) with the options of table "options_relid", or returns
 * NULL when the table may not have one.
 */
static BulkLoad *
StartLoad(Relation rel, CommandId cid, EState *estate, Oid options_relid)
{
	ColumnarOptions options;
	BulkLoad   *load;
	MemoryContext context;
	MemoryContext old;

	ColumnarGetOptions(options_relid, &options);
	if (!DirectLoadAllowed(rel, &options))
		return NULL;
	RegisterCallbacks();

	context = AllocSetContextCreate(TopTransactionContext, "columnar bulk load",
									ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(context);
	load = palloc0(sizeof(BulkLoad));
	load->relid = RelationGetRelid(rel);
	load->cid = cid;
	load->estate = estate;
	load->utility_level = UtilityLevel;
	load->subxid = GetCurrentSubTransactionId();
	load->context = context;
	load->writer = ColumnarBeginWrite(rel, &options);
	load->sort = ColumnarBeginSort(rel, &options);
	BulkLoads = lappend(BulkLoads, load);
	MemoryContextSwitchTo(old);
	return load;
}

/*
 * Adds the row in "slot" to "load", setting its TID (invalid when the rows
 * are sorted first: they are numbered when the load ends).
 */
static void
LoadRow(BulkLoad *load, TupleTableSlot *slot)
{
	MemoryContext old = MemoryContextSwitchTo(load->context);

	if (load->sort != NULL)
	{
		ColumnarSortAdd(load->sort, slot);
		ItemPointerSetInvalid(&slot->tts_tid);
	}
	else
		ColumnarWriteRow(load->writer, slot, &slot->tts_tid);
	slot->tts_tableOid = load->relid;
	MemoryContextSwitchTo(old);
}

/* Writes what "load" still buffers and forgets it. */
static void
FinishLoad(BulkLoad *load)
{
	MemoryContext old = MemoryContextSwitchTo(load->context);
	TupleTableSlot *sorted;
	ItemPointerData tid;

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
}

/*
 * ColumnarBulkInsert - add slots[0..nslots) of a COPY by command "cid" to
 * row groups.  Returns false, doing nothing, when the rows must go to the
 * delta store instead.
 */
bool
ColumnarBulkInsert(Relation rel, TupleTableSlot **slots, int nslots, CommandId cid)
{
	BulkLoad   *load = FindLoad(RelationGetRelid(rel), cid, NULL);

	if (load == NULL && (load = StartLoad(rel, cid, NULL, RelationGetRelid(rel))) == NULL)
		return false;
	for (int i = 0; i < nslots; i++)
	{
		CHECK_FOR_INTERRUPTS();
		LoadRow(load, slots[i]);
	}
	pgstat_count_heap_insert(rel, nslots);
	return true;
}

/*
 * ColumnarFinishBulkInsert - write what a COPY or rewrite into "rel" still
 * buffers; false when "rel" has no such load.
 */
bool
ColumnarFinishBulkInsert(Relation rel)
{
	BulkLoad   *load = FindLoad(RelationGetRelid(rel), InvalidCommandId, NULL);

	if (load == NULL)
		return false;
	FinishLoad(load);
	return true;
}

/*
 * The table whose options a load into "rel", created in this transaction,
 * takes: the table being rewritten when "rel" is the new heap of a rewrite
 * (ALTER TABLE and REFRESH name it pg_temp_<that table's OID>), else "rel".
 */
static Oid
OptionsSource(Relation rel)
{
	unsigned int old_relid;
	char		rest;

	if (sscanf(RelationGetRelationName(rel), "pg_temp_%u%c", &old_relid, &rest) == 1 &&
		ColumnarRelidIsColumnar((Oid) old_relid))
		return (Oid) old_relid;
	return RelationGetRelid(rel);
}

/* A load for a row that tuple_insert got, or NULL: the delta store. */
static BulkLoad *
LoadForInsert(Relation rel, CommandId cid, bool bulk_state)
{
	Oid			relid = RelationGetRelid(rel);
	BulkInsert *insert;
	BulkLoad   *load;

	/* an INSERT ... SELECT loading the table */
	if (BulkInserts != NIL && (insert = FindInsert(relid, cid)) != NULL)
	{
		load = FindLoad(relid, cid, insert->estate);
		if (load == NULL && (load = StartLoad(rel, cid, insert->estate, relid)) == NULL)
		{
			/* not allowed: the rest of the statement goes to the delta too */
			insert->relids = list_delete_oid(insert->relids, relid);
		}
		return load;
	}

	/*
	 * A rewrite, CREATE TABLE AS or REFRESH filling a relation created in
	 * this transaction, with a bulk-insert state; never a COPY, whose
	 * row-by-row mode (triggers, volatile defaults) must see each row at
	 * once.
	 */
	if (!bulk_state || CopyLevels > 0 || UtilityLevel == 0 ||
		rel->rd_createSubid == InvalidSubTransactionId)
		return NULL;
	load = FindLoad(relid, cid, NULL);
	if (load == NULL)
		load = StartLoad(rel, cid, NULL, OptionsSource(rel));
	return load;
}

/*
 * ColumnarBulkInsertRow - add the row in "slot", inserted by command "cid"
 * (with a bulk-insert state: "bulk_state"), to row groups if that command
 * loads "rel" directly; false, doing nothing, when the row must go to the
 * delta store.
 */
bool
ColumnarBulkInsertRow(Relation rel, TupleTableSlot *slot, CommandId cid, bool bulk_state)
{
	BulkLoad   *load = LoadForInsert(rel, cid, bulk_state);

	if (load == NULL)
		return false;
	LoadRow(load, slot);
	pgstat_count_heap_insert(rel, 1);
	return true;
}

/*
 * ColumnarUtilityStarts - a utility statement starts (a COPY: "copy");
 * returns its nesting level, for ColumnarUtilityEnds.
 */
int
ColumnarUtilityStarts(bool copy)
{
	if (copy)
		CopyLevels++;
	return ++UtilityLevel;
}

/*
 * ColumnarUtilityEnds - the utility statement of "level" ends ("success":
 * without an error): it writes what its loads, and those of statements it
 * ran, still buffer.
 */
void
ColumnarUtilityEnds(int level, bool copy, bool success)
{
	ListCell   *lc;

	UtilityLevel = level - 1;
	if (copy)
		CopyLevels--;
	while (success)
	{
		BulkLoad   *unfinished = NULL;

		foreach(lc, BulkLoads)
		{
			BulkLoad   *load = (BulkLoad *) lfirst(lc);

			if (load->estate == NULL && load->utility_level >= level)
				unfinished = load;
		}
		if (unfinished == NULL)
			break;
		FinishLoad(unfinished);
	}
}

/*
 * The columnar tables an INSERT ... SELECT may load directly: the plan's
 * only ModifyTable inserts into them, expects many rows, and has no
 * RETURNING, ON CONFLICT or data-modifying WITH.
 */
static List *
BulkInsertTargets(QueryDesc *queryDesc, int eflags)
{
	PlannedStmt *stmt = queryDesc->plannedstmt;
	ModifyTable *mt;
	List	   *relids = NIL;
	ListCell   *lc;

	if (queryDesc->operation != CMD_INSERT || (eflags & EXEC_FLAG_EXPLAIN_ONLY) ||
		stmt->hasModifyingCTE || !IsA(stmt->planTree, ModifyTable))
		return NIL;
	mt = (ModifyTable *) stmt->planTree;
	if (mt->returningLists != NIL || mt->onConflictAction != ONCONFLICT_NONE ||
		outerPlan(mt) == NULL || outerPlan(mt)->plan_rows < BULK_INSERT_MIN_ROWS)
		return NIL;
	foreach(lc, mt->resultRelations)
	{
		RangeTblEntry *rte = rt_fetch(lfirst_int(lc), stmt->rtable);

		if (rte->relkind == RELKIND_RELATION && ColumnarRelidIsColumnar(rte->relid))
			relids = lappend_oid(relids, rte->relid);
	}
	return relids;
}

static void
ColumnarExecutorStart(QueryDesc *queryDesc, int eflags)
{
	List	   *relids;
	MemoryContext old;
	BulkInsert *insert;

	if (prev_ExecutorStart)
		prev_ExecutorStart(queryDesc, eflags);
	else
		standard_ExecutorStart(queryDesc, eflags);

	relids = BulkInsertTargets(queryDesc, eflags);
	if (relids == NIL)
		return;
	RegisterCallbacks();
	old = MemoryContextSwitchTo(TopTransactionContext);
	insert = palloc(sizeof(BulkInsert));
	insert->estate = queryDesc->estate;
	insert->cid = queryDesc->estate->es_output_cid;
	insert->relids = list_copy(relids);
	insert->subxid = GetCurrentSubTransactionId();
	BulkInserts = lappend(BulkInserts, insert);
	MemoryContextSwitchTo(old);
}

/*
 * Forgets the INSERT ... SELECT of "estate", first writing what its loads
 * buffer when "finish" (else dropping it: the statement did not finish).
 */
static void
EndBulkInsert(EState *estate, bool finish)
{
	ListCell   *lc;

	for (;;)
	{
		BulkLoad   *ended = NULL;

		foreach(lc, BulkLoads)
		{
			if (((BulkLoad *) lfirst(lc))->estate == estate)
				ended = (BulkLoad *) lfirst(lc);
		}
		if (ended == NULL)
			break;
		if (finish)
			FinishLoad(ended);
		else
			DropLoad(ended);
	}
	foreach(lc, BulkInserts)
	{
		BulkInsert *insert = (BulkInsert *) lfirst(lc);

		if (insert->estate == estate)
			BulkInserts = foreach_delete_current(BulkInserts, lc);
	}
}

/* The statement's rows are written before its AFTER triggers can run. */
static void
ColumnarExecutorFinish(QueryDesc *queryDesc)
{
	if (BulkInserts != NIL)
		EndBulkInsert(queryDesc->estate, true);
	if (prev_ExecutorFinish)
		prev_ExecutorFinish(queryDesc);
	else
		standard_ExecutorFinish(queryDesc);
}

static void
ColumnarExecutorEnd(QueryDesc *queryDesc)
{
	if (BulkInserts != NIL)
		EndBulkInsert(queryDesc->estate, false);
	if (prev_ExecutorEnd)
		prev_ExecutorEnd(queryDesc);
	else
		standard_ExecutorEnd(queryDesc);
}

/*
 * ColumnarInstallBulkInsertHooks - install the executor hooks that end the
 * direct loads of INSERT ... SELECT; called once from _PG_init.
 */
void
ColumnarInstallBulkInsertHooks(void)
{
	prev_ExecutorStart = ExecutorStart_hook;
	ExecutorStart_hook = ColumnarExecutorStart;
	prev_ExecutorFinish = ExecutorFinish_hook;
	ExecutorFinish_hook = ColumnarExecutorFinish;
	prev_ExecutorEnd = ExecutorEnd_hook;
	ExecutorEnd_hook = ColumnarExecutorEnd;
}
