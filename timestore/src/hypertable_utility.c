/*-------------------------------------------------------------------------
 *
 * hypertable_utility.c
 *	  Utility statements on hypertables: COPY FROM, which routes each row to
 *	  its chunk (PostgreSQL's COPY would store rows in the parent), and
 *	  CREATE INDEX and CREATE TRIGGER, which also create the index or the
 *	  row trigger on every chunk (DROP removes those through their
 *	  dependency on the hypertable's), VACUUM and ANALYZE, which also
 *	  process every chunk, and DROP TABLE, which drops the chunks too.  A
 *	  restore re-creates a chunk's copies of its hypertable's indexes and
 *	  triggers twice (from the hypertable's, and from the chunk's own
 *	  entries in the dump): the second time is skipped with a NOTICE.
 *
 *	  Invariants: COPY into a hypertable checks what COPY checks (INSERT
 *	  privilege on the columns, server-file roles, row-level security,
 *	  read-only transactions), fires the hypertable's statement triggers
 *	  and each chunk's row triggers, and reports the rows stored.  A unique
 *	  index must include the time column: uniqueness is enforced per chunk,
 *	  which is only global when equal keys fall in one chunk.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  timestore/src/hypertable_utility.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include "access/heapam.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "access/genam.h"
#include "catalog/dependency.h"
#include "catalog/index.h"
#include "catalog/indexing.h"
#include "catalog/pg_depend.h"
#include "catalog/pg_trigger.h"
#include "catalog/namespace.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_inherits.h"
#include "commands/copy.h"
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
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/rls.h"

static ProcessUtility_hook_type prev_ProcessUtility = NULL;

static const Hypertable *HypertableOfRangeVar(RangeVar *relation);

/* ----------------------------------------------------------------
 *		COPY FROM
 * ----------------------------------------------------------------
 */

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

/* Stores one routed row in its chunk, as COPY does for a single row. */
static bool
CopyInsertRow(EState *estate, ChunkRouterEntry *entry, TupleTableSlot *slot,
			  TransitionCaptureState *transitions)
{
	ResultRelInfo *rri = entry->rri;
	Relation	rel = rri->ri_RelationDesc;
	List	   *recheck = NIL;

	if (rri->ri_TrigDesc && rri->ri_TrigDesc->trig_insert_before_row &&
		!ExecBRInsertTriggers(estate, rri, slot))
		return false;
	if (rel->rd_att->constr && rel->rd_att->constr->has_generated_stored)
		ExecComputeStoredGenerated(rri, estate, slot, CMD_INSERT);
	if (rel->rd_att->constr)
		ExecConstraints(rri, slot, estate);
	if (entry->bistate == NULL)
	{
		MemoryContext oldcxt = MemoryContextSwitchTo(estate->es_query_cxt);

		entry->bistate = GetBulkInsertState();
		MemoryContextSwitchTo(oldcxt);
	}
	table_tuple_insert(rel, slot, estate->es_output_cid, 0, entry->bistate);
	if (rri->ri_NumIndices > 0)
		recheck = ExecInsertIndexTuples(rri, slot, estate, false, false, NULL, NIL);
	ExecARInsertTriggers(estate, rri, slot, recheck, transitions);
	list_free(recheck);
	return true;
}

/*
 * HypertableCopyFrom - COPY rel FROM ..., rel a hypertable: the rows are
 * read by PostgreSQL's COPY reader and stored in their chunks.  Returns the
 * number of rows stored.
 */
static uint64
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
				CopyInsertRow(estate, ChunkRouterRoute(&router, slot), slot, transitions))
				processed++;
		}
		MemoryContextSwitchTo(oldcxt);
		if (!more)
			break;
	}
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

/* ----------------------------------------------------------------
 *		CREATE INDEX
 * ----------------------------------------------------------------
 */

/* Errors out if a unique index on ht would leave out the time column. */
static void
IndexCheckTimeColumn(IndexStmt *stmt, const Hypertable *ht)
{
	const char *time_column = get_attname(ht->relid, ht->time_attno, false);
	ListCell   *lc;

	if (!stmt->unique && !stmt->primary && stmt->excludeOpNames == NIL)
		return;
	foreach(lc, stmt->indexParams)
	{
		IndexElem  *elem = lfirst(lc);

		if (elem->name != NULL && strcmp(elem->name, time_column) == 0)
			return;
	}
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TABLE_DEFINITION),
			 errmsg("cannot create a unique index without the column \"%s\" (used in partitioning)",
					time_column),
			 errhint("Add the time column to the index: uniqueness is enforced within each chunk.")));
}

/* Creates on every chunk of ht the indexes of ht that are not in before. */
static void
IndexPropagate(const Hypertable *ht, List *before)
{
	Relation	htrel = table_open(ht->relid, ShareLock);
	List	   *after = RelationGetIndexList(htrel);
	List	   *chunks = find_inheritance_children(ht->relid, ShareLock);
	ListCell   *lc;
	ListCell   *lc2;

	foreach(lc, after)
	{
		if (list_member_oid(before, lfirst_oid(lc)))
			continue;
		foreach(lc2, chunks)
		{
			Relation	chunkrel = table_open(lfirst_oid(lc2), NoLock);

			ChunkCloneIndex(chunkrel, htrel, lfirst_oid(lc));
			table_close(chunkrel, NoLock);
		}
	}
	table_close(htrel, NoLock);
}

/* Creates on every chunk of ht its new row trigger named name. */
static void
TriggerPropagate(const Hypertable *ht, const char *name)
{
	Relation	htrel = table_open(ht->relid, ShareRowExclusiveLock);
	List	   *chunks = find_inheritance_children(ht->relid, ShareRowExclusiveLock);
	ListCell   *lc;
	int			i;

	for (i = 0; htrel->trigdesc != NULL && i < htrel->trigdesc->numtriggers; i++)
	{
		const Trigger *trigger = &htrel->trigdesc->triggers[i];

		if (strcmp(trigger->tgname, name) != 0)
			continue;
		foreach(lc, chunks)
		{
			Relation	chunkrel = table_open(lfirst_oid(lc), NoLock);

			ChunkCloneTrigger(chunkrel, trigger);
			table_close(chunkrel, NoLock);
		}
	}
	table_close(htrel, NoLock);
}

/* ----------------------------------------------------------------
 *		Restoring chunks' indexes and triggers
 * ----------------------------------------------------------------
 */

/* Whether object (of class classid) depends automatically on a pg_class or
 * pg_trigger object other than relation relid: a chunk's clone of one of
 * its hypertable's indexes or triggers. */
static bool
IsCloneOfHypertableObject(Oid classid, Oid object, Oid relid)
{
	Relation	depend = table_open(DependRelationId, AccessShareLock);
	ScanKeyData keys[2];
	SysScanDesc scan;
	HeapTuple	tuple;
	bool		found = false;

	ScanKeyInit(&keys[0], Anum_pg_depend_classid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(classid));
	ScanKeyInit(&keys[1], Anum_pg_depend_objid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(object));
	scan = systable_beginscan(depend, DependDependerIndexId, true, NULL, 2, keys);
	while (!found && HeapTupleIsValid(tuple = systable_getnext(scan)))
	{
		Form_pg_depend dep = (Form_pg_depend) GETSTRUCT(tuple);

		found = dep->deptype == DEPENDENCY_AUTO && dep->refobjid != relid &&
			dep->refclassid == classid;
	}
	systable_endscan(scan);
	table_close(depend, AccessShareLock);
	return found;
}

/*
 * Whether a CREATE INDEX or CREATE TRIGGER on a chunk would make again what
 * the chunk already has as a clone of its hypertable's: a restore creates
 * the hypertable's index (which reaches every chunk) before the chunks'
 * own, which its dump also lists.  Such a statement is skipped.
 */
static bool
AlreadyCloned(Node *parsetree)
{
	Oid			relid;
	Oid			object = InvalidOid;

	if (IsA(parsetree, IndexStmt) && ((IndexStmt *) parsetree)->idxname != NULL)
	{
		IndexStmt  *stmt = (IndexStmt *) parsetree;

		relid = RangeVarGetRelid(stmt->relation, NoLock, true);
		if (!OidIsValid(relid))
			return false;
		object = get_relname_relid(stmt->idxname, get_rel_namespace(relid));
		if (!OidIsValid(object) || IndexGetRelation(object, true) != relid ||
			!IsCloneOfHypertableObject(RelationRelationId, object, relid))
			return false;
		ereport(NOTICE,
				(errmsg("index \"%s\" of chunk \"%s\" already exists as a copy of its hypertable's, skipping",
						stmt->idxname, get_rel_name(relid))));
		return true;
	}
	if (IsA(parsetree, CreateTrigStmt) && !((CreateTrigStmt *) parsetree)->replace)
	{
		CreateTrigStmt *stmt = (CreateTrigStmt *) parsetree;

		relid = RangeVarGetRelid(stmt->relation, NoLock, true);
		if (!OidIsValid(relid))
			return false;
		object = get_trigger_oid(relid, stmt->trigname, true);
		if (!OidIsValid(object) ||
			!IsCloneOfHypertableObject(TriggerRelationId, object, relid))
			return false;
		ereport(NOTICE,
				(errmsg("trigger \"%s\" of chunk \"%s\" already exists as a copy of its hypertable's, skipping",
						stmt->trigname, get_rel_name(relid))));
		return true;
	}
	return false;
}

/* ----------------------------------------------------------------
 *		VACUUM and ANALYZE
 * ----------------------------------------------------------------
 */

/*
 * VACUUM and ANALYZE of a hypertable also process its chunks (PostgreSQL
 * recurses into partitions, not into inheritance children): the chunks'
 * relations are added to the statement's list, with the same columns.
 */
static void
VacuumAddChunks(VacuumStmt *stmt)
{
	List	   *added = NIL;
	ListCell   *lc;
	ListCell   *lc2;

	foreach(lc, stmt->rels)
	{
		VacuumRelation *vrel = lfirst(lc);
		const Hypertable *ht = HypertableOfRangeVar(vrel->relation);

		if (ht == NULL)
			continue;
		foreach(lc2, find_inheritance_children(ht->relid, NoLock))
		{
			Oid			chunk = lfirst_oid(lc2);
			RangeVar   *rv = makeRangeVar(get_namespace_name(get_rel_namespace(chunk)),
										  get_rel_name(chunk), -1);

			added = lappend(added, makeVacuumRelation(rv, InvalidOid, vrel->va_cols));
		}
	}
	stmt->rels = list_concat(stmt->rels, added);
}

/* ----------------------------------------------------------------
 *		DROP TABLE
 * ----------------------------------------------------------------
 */

/*
 * Before DROP TABLE of hypertables: every chunk depends on its hypertable
 * automatically, so the drop takes the chunks along without CASCADE.  Chunk
 * creation records that dependency; a restored dump has the ordinary one of
 * inheritance instead, which this puts right.
 */
static void
DropPrepareChunks(DropStmt *stmt)
{
	ListCell   *lc;
	ListCell   *lc2;

	if (stmt->removeType != OBJECT_TABLE)
		return;
	foreach(lc, stmt->objects)
	{
		const Hypertable *ht = HypertableOfRangeVar(makeRangeVarFromNameList(lfirst(lc)));
		ObjectAddress parent;

		if (ht == NULL)
			continue;
		ObjectAddressSet(parent, RelationRelationId, ht->relid);
		foreach(lc2, find_inheritance_children(ht->relid, AccessExclusiveLock))
		{
			ObjectAddress chunk;

			ObjectAddressSet(chunk, RelationRelationId, lfirst_oid(lc2));
			if (deleteDependencyRecordsForSpecific(RelationRelationId, chunk.objectId,
												   DEPENDENCY_NORMAL, RelationRelationId,
												   ht->relid) > 0)
				recordDependencyOn(&chunk, &parent, DEPENDENCY_AUTO);
		}
	}
	CommandCounterIncrement();
}

/* ----------------------------------------------------------------
 *		The hook
 * ----------------------------------------------------------------
 */

static void
CallProcessUtility(PlannedStmt *pstmt, const char *queryString, bool readOnlyTree,
				   ProcessUtilityContext context, ParamListInfo params,
				   QueryEnvironment *queryEnv, DestReceiver *dest,
				   QueryCompletion *qc)
{
	if (prev_ProcessUtility)
		prev_ProcessUtility(pstmt, queryString, readOnlyTree, context, params,
							queryEnv, dest, qc);
	else
		standard_ProcessUtility(pstmt, queryString, readOnlyTree, context, params,
								queryEnv, dest, qc);
}

/* The hypertable a RangeVar names, or NULL. */
static const Hypertable *
HypertableOfRangeVar(RangeVar *relation)
{
	if (relation == NULL)
		return NULL;
	return HypertableGet(RangeVarGetRelid(relation, NoLock, true));
}

static void
HypertableProcessUtility(PlannedStmt *pstmt, const char *queryString,
						 bool readOnlyTree, ProcessUtilityContext context,
						 ParamListInfo params, QueryEnvironment *queryEnv,
						 DestReceiver *dest, QueryCompletion *qc)
{
	Node	   *parsetree = pstmt->utilityStmt;
	const Hypertable *ht;

	if (IsA(parsetree, CopyStmt) && ((CopyStmt *) parsetree)->is_from &&
		(ht = HypertableOfRangeVar(((CopyStmt *) parsetree)->relation)) != NULL)
	{
		CopyStmt   *stmt = (CopyStmt *) parsetree;
		ParseState *pstate = make_parsestate(NULL);
		Relation	rel = table_openrv(stmt->relation, RowExclusiveLock);
		Hypertable	copy = *ht;
		uint64		processed;

		pstate->p_sourcetext = queryString;
		pstate->p_queryEnv = queryEnv;
		processed = HypertableCopyFrom(pstate, stmt, rel, &copy);
		table_close(rel, NoLock);
		free_parsestate(pstate);
		if (qc)
			SetQueryCompletion(qc, CMDTAG_COPY, processed);
		return;
	}

	if (IsA(parsetree, IndexStmt) &&
		(ht = HypertableOfRangeVar(((IndexStmt *) parsetree)->relation)) != NULL)
	{
		IndexStmt  *stmt = (IndexStmt *) parsetree;
		Hypertable	copy = *ht;
		Relation	rel;
		List	   *before;

		IndexCheckTimeColumn(stmt, &copy);
		if (stmt->concurrent)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("CREATE INDEX CONCURRENTLY is not supported on hypertables"),
					 errhint("Create the index without CONCURRENTLY, or on each chunk concurrently.")));
		rel = table_open(copy.relid, ShareLock);
		before = RelationGetIndexList(rel);
		table_close(rel, NoLock);
		CallProcessUtility(pstmt, queryString, readOnlyTree, context, params,
						   queryEnv, dest, qc);
		CommandCounterIncrement();
		IndexPropagate(&copy, before);
		return;
	}

	if (IsA(parsetree, CreateTrigStmt) &&
		(ht = HypertableOfRangeVar(((CreateTrigStmt *) parsetree)->relation)) != NULL)
	{
		CreateTrigStmt *stmt = (CreateTrigStmt *) parsetree;
		Hypertable	copy = *ht;

		CallProcessUtility(pstmt, queryString, readOnlyTree, context, params,
						   queryEnv, dest, qc);
		CommandCounterIncrement();
		TriggerPropagate(&copy, stmt->trigname);
		return;
	}

	if (AlreadyCloned(parsetree))
		return;

	if (IsA(parsetree, DropStmt))
		DropPrepareChunks((DropStmt *) parsetree);

	if (IsA(parsetree, VacuumStmt))
	{
		if (readOnlyTree)
			pstmt = copyObject(pstmt);
		VacuumAddChunks((VacuumStmt *) pstmt->utilityStmt);
		CallProcessUtility(pstmt, queryString, false, context, params,
						   queryEnv, dest, qc);
		return;
	}

	CallProcessUtility(pstmt, queryString, readOnlyTree, context, params,
					   queryEnv, dest, qc);
}

/* Called by _PG_init. */
void
HypertableUtilityInit(void)
{
	prev_ProcessUtility = ProcessUtility_hook;
	ProcessUtility_hook = HypertableProcessUtility;
}
