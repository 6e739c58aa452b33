/*-------------------------------------------------------------------------
 *
 * hypertable_copy.c
 *	  COPY FROM into a hypertable: PostgreSQL's COPY reader parses the rows,
 *	  the chunk router (chunk_router.c) sends each to its chunk, and rows
 *	  bound for the same chunk are stored in batches with
 *	  table_multi_insert, as COPY does for a plain table.
 *
 *	  Invariants: the checks of COPY FROM hold (INSERT privilege on the
 *	  columns, server-file roles, row-level security, read-only
 *	  transactions); the hypertable's statement triggers and the chunks'
 *	  row triggers fire; a chunk with BEFORE ROW triggers, or a COPY whose
 *	  defaults are volatile, stores rows one at a time (a trigger or a
 *	  default may read the table); a batch is flushed before the rows of
 *	  another chunk are stored, so rows reach each chunk in input order; an
 *	  error while flushing a batch reports the line of the row it concerns.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  timestore/src/hypertable_copy.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include "access/heapam.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/pg_authid.h"
#include "commands/copy.h"
#include "commands/copyfrom_internal.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "executor/nodeModifyTable.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "optimizer/optimizer.h"
#include "parser/parse_coerce.h"
#include "parser/parse_collate.h"
#include "parser/parse_expr.h"
#include "parser/parse_relation.h"
#include "tcop/utility.h"
#include "timestore.h"
#include "utils/acl.h"
#include "utils/rel.h"
#include "utils/rls.h"

/* Batches as PostgreSQL's COPY makes them. */
#define COPY_BATCH_ROWS		1000
#define COPY_BATCH_BYTES	65535

/* Rows waiting to be stored in one chunk. */
typedef struct CopyBatch
{
	ChunkRouterEntry *entry;	/* the chunk, or NULL when empty */
	TupleTableSlot *slots[COPY_BATCH_ROWS];
	uint64		linenos[COPY_BATCH_ROWS];
	int			nrows;
	Size		bytes;
} CopyBatch;

/* The checks DoCopy makes before reading a file or program. */
static void
CopyCheckSource(CopyStmt *stmt)
{
	ListCell   *lc;

	if (stmt->filename != NULL && stmt->is_program &&
		!has_privs_of_role(GetUserId(), ROLE_PG_EXECUTE_SERVER_PROGRAM))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("must be superuser or have privileges of the pg_execute_server_program role to COPY to or from an external program")));
	if (stmt->filename != NULL && !stmt->is_program &&
		!has_privs_of_role(GetUserId(), ROLE_PG_READ_SERVER_FILES))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("must be superuser or have privileges of the pg_read_server_files role to COPY from a file")));
	foreach(lc, stmt->options)
		if (strcmp(((DefElem *) lfirst(lc))->defname, "freeze") == 0)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("COPY FREEZE is not supported on hypertables")));
}

/* The permission checks, and COPY's WHERE clause ready to evaluate. */
static List *
CopyPrepare(ParseState *pstate, CopyStmt *stmt, Relation rel)
{
	ParseNamespaceItem *nsitem;
	RangeTblEntry *rte;
	ListCell   *lc;
	Node	   *where;

	nsitem = addRangeTableEntryForRelation(pstate, rel, RowExclusiveLock,
										   NULL, false, false);
	rte = nsitem->p_rte;
	rte->requiredPerms = ACL_INSERT;
	foreach(lc, CopyGetAttnums(RelationGetDescr(rel), rel, stmt->attlist))
		rte->insertedCols = bms_add_member(rte->insertedCols,
										   lfirst_int(lc) - FirstLowInvalidHeapAttributeNumber);
	ExecCheckRTPerms(pstate->p_rtable, true);
	if (check_enable_rls(rte->relid, InvalidOid, false) == RLS_ENABLED)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("COPY FROM not supported with row-level security"),
				 errhint("Use INSERT statements instead.")));
	if (XactReadOnly)
		PreventCommandIfReadOnly("COPY FROM");
	PreventCommandIfParallelMode("COPY FROM");

	if (stmt->whereClause == NULL)
		return NIL;
	addNSItemToQuery(pstate, nsitem, false, true, true);
	where = transformExpr(pstate, stmt->whereClause, EXPR_KIND_COPY_WHERE);
	where = coerce_to_boolean(pstate, where, "WHERE");
	assign_expr_collations(pstate, where);
	where = eval_const_expressions(NULL, where);
	where = (Node *) canonicalize_qual((Expr *) where, false);
	return make_ands_implicit((Expr *) where);
}

/* The bulk-insert state of entry's chunk, made on first use. */
static BulkInsertState
EntryBulkInsertState(EState *estate, ChunkRouterEntry *entry)
{
	if (entry->bistate == NULL)
	{
		MemoryContext oldcxt = MemoryContextSwitchTo(estate->es_query_cxt);

		entry->bistate = GetBulkInsertState();
		MemoryContextSwitchTo(oldcxt);
	}
	return entry->bistate;
}

/* Index entries and AFTER ROW triggers of a row just stored in its chunk. */
static void
CopyAfterStore(EState *estate, ResultRelInfo *rri, TupleTableSlot *slot,
			   TransitionCaptureState *transitions)
{
	List	   *recheck = NIL;

	if (rri->ri_NumIndices > 0)
		recheck = ExecInsertIndexTuples(rri, slot, estate, false, false, NULL, NIL);
	ExecARInsertTriggers(estate, rri, slot, recheck, transitions);
	list_free(recheck);
}

/* Stores the batch in its chunk and empties it. */
static void
CopyBatchFlush(CopyBatch *batch, EState *estate, CopyFromState cstate,
			   TransitionCaptureState *transitions)
{
	ResultRelInfo *rri;
	uint64		save_lineno = cstate->cur_lineno;
	int			i;

	if (batch->nrows == 0)
		return;
	rri = batch->entry->rri;
	table_multi_insert(rri->ri_RelationDesc, batch->slots, batch->nrows,
					   estate->es_output_cid, 0,
					   EntryBulkInsertState(estate, batch->entry));
	for (i = 0; i < batch->nrows; i++)
	{
		cstate->cur_lineno = batch->linenos[i];
		CopyAfterStore(estate, rri, batch->slots[i], transitions);
		ExecClearTuple(batch->slots[i]);
	}
	cstate->cur_lineno = save_lineno;
	batch->nrows = 0;
	batch->bytes = 0;
}

/*
 * Stores one routed row (in slot, in the hypertable's layout) in its chunk:
 * constraints and generated columns now, the insert at once or in the
 * batch.  False when a BEFORE ROW trigger skipped it.
 */
static bool
CopyStoreRow(CopyBatch *batch, EState *estate, CopyFromState cstate,
			 ChunkRouterEntry *entry, TupleTableSlot *slot,
			 TransitionCaptureState *transitions)
{
	ResultRelInfo *rri = entry->rri;
	Relation	rel = rri->ri_RelationDesc;
	bool		one_by_one = cstate->volatile_defexprs ||
		(rri->ri_TrigDesc && rri->ri_TrigDesc->trig_insert_before_row);
	TupleTableSlot *batched;

	if (batch->entry != entry)
	{
		CopyBatchFlush(batch, estate, cstate, transitions);
		batch->entry = entry;
	}
	if (rri->ri_TrigDesc && rri->ri_TrigDesc->trig_insert_before_row &&
		!ExecBRInsertTriggers(estate, rri, slot))
		return false;
	if (rel->rd_att->constr && rel->rd_att->constr->has_generated_stored)
		ExecComputeStoredGenerated(rri, estate, slot, CMD_INSERT);
	if (rel->rd_att->constr)
		ExecConstraints(rri, slot, estate);

	if (one_by_one)
	{
		table_tuple_insert(rel, slot, estate->es_output_cid, 0,
						   EntryBulkInsertState(estate, entry));
		CopyAfterStore(estate, rri, slot, transitions);
		return true;
	}

	if (batch->slots[batch->nrows] == NULL)
	{
		MemoryContext oldcxt = MemoryContextSwitchTo(estate->es_query_cxt);

		batch->slots[batch->nrows] = table_slot_create(rel, &estate->es_tupleTable);
		MemoryContextSwitchTo(oldcxt);
	}
	batched = batch->slots[batch->nrows];
	ExecCopySlot(batched, slot);
	batch->linenos[batch->nrows] = cstate->cur_lineno;
	batch->nrows++;
	batch->bytes += MAXALIGN(sizeof(HeapTupleHeaderData)) +
		heap_compute_data_size(slot->tts_tupleDescriptor, slot->tts_values,
							   slot->tts_isnull);
	if (batch->nrows == COPY_BATCH_ROWS || batch->bytes >= COPY_BATCH_BYTES)
		CopyBatchFlush(batch, estate, cstate, transitions);
	return true;
}

/*
 * HypertableCopyFrom - COPY rel FROM ..., rel a hypertable.  Returns the
 * number of rows stored.
 */
uint64
HypertableCopyFrom(ParseState *pstate, CopyStmt *stmt, Relation rel,
				   const Hypertable *ht)
{
	List	   *where;
	CopyFromState cstate;
	EState	   *estate = CreateExecutorState();
	ExprContext *econtext = GetPerTupleExprContext(estate);
	ResultRelInfo *root = makeNode(ResultRelInfo);
	ExprState  *qual = NULL;
	TupleTableSlot *slot;
	TransitionCaptureState *transitions;
	ErrorContextCallback errcallback;
	ChunkRouter router;
	CopyBatch  *batch = palloc0(sizeof(CopyBatch));
	uint64		processed = 0;

	CopyCheckSource(stmt);
	where = CopyPrepare(pstate, stmt, rel);
	cstate = BeginCopyFrom(pstate, rel, (Node *) where, stmt->filename,
						   stmt->is_program, NULL, stmt->attlist, stmt->options);

	ExecInitRangeTable(estate, pstate->p_rtable);
	ExecInitResultRelation(estate, root, 1);
	estate->es_output_cid = GetCurrentCommandId(true);
	if (where != NIL)
		qual = ExecInitQual(where, NULL);
	slot = table_slot_create(rel, &estate->es_tupleTable);
	transitions = MakeTransitionCaptureState(rel->trigdesc, RelationGetRelid(rel),
											 CMD_INSERT);
	ChunkRouterInit(&router, ht, estate, root, false);

	AfterTriggerBeginQuery();
	ExecBSInsertTriggers(estate, root);

	errcallback.callback = CopyFromErrorCallback;
	errcallback.arg = (void *) cstate;
	errcallback.previous = error_context_stack;
	error_context_stack = &errcallback;
	for (;;)
	{
		MemoryContext oldcxt;
		bool		more;

		CHECK_FOR_INTERRUPTS();
		ResetPerTupleExprContext(estate);
		oldcxt = MemoryContextSwitchTo(GetPerTupleMemoryContext(estate));
		ExecClearTuple(slot);
		more = NextCopyFrom(cstate, econtext, slot->tts_values, slot->tts_isnull);
		if (more)
		{
			ExecStoreVirtualTuple(slot);
			econtext->ecxt_scantuple = slot;
			if ((qual == NULL || ExecQual(qual, econtext)) &&
				CopyStoreRow(batch, estate, cstate, ChunkRouterRoute(&router, slot),
							 slot, transitions))
				processed++;
		}
		MemoryContextSwitchTo(oldcxt);
		if (!more)
			break;
	}
	CopyBatchFlush(batch, estate, cstate, transitions);
	error_context_stack = errcallback.previous;

	ExecASInsertTriggers(estate, root, transitions);
	AfterTriggerEndQuery(estate);
	ChunkRouterClose(&router);
	ExecResetTupleTable(estate->es_tupleTable, false);
	ExecCloseResultRelations(estate);
	ExecCloseRangeTableRelations(estate);
	FreeExecutorState(estate);
	EndCopyFrom(cstate);
	return processed;
}
