/*-------------------------------------------------------------------------
 *
 * lastpoint.c
 *	  LastPoint: the newest row of every value of a column of a hypertable,
 *	  "SELECT DISTINCT ON (c) ... FROM ht ORDER BY c, time DESC", by probing
 *	  each chunk's btree index on (c, time) instead of reading every row.
 *	  Each chunk keeps its smallest value of c above the last one returned
 *	  (its head); the next value is the smallest head, and only the chunks
 *	  whose head it is are probed for their newest row of it (the newest of
 *	  those wins) and moved on to their next value.  The NULLs of c come
 *	  last, as ORDER BY c puts them, by an IS NULL probe of every chunk.  So
 *	  the work grows with the distinct values times the chunks that hold
 *	  them, not with the rows.
 *
 *	  Taken when the query reads one hypertable whose only restrictions are
 *	  bounds on its time column ("time >= now() - interval '1 day'": a
 *	  constant or a value known when the executor starts; so no row-level
 *	  security qual either), DISTINCT ON exactly c, ORDER BY c with
 *	  its type's default order then the time column descending, and the
 *	  hypertable has a valid btree index whose first keys are (c, time) with
 *	  their default operator classes, c's collation, no expression and no
 *	  predicate, and enable_indexscan is on; the planner chooses it by cost
 *	  against the usual sort-and-unique plan.  Chunks are listed when the scan starts, so a
 *	  cached plan sees chunks made after it; each must have the copy of that
 *	  index that the time store makes for every chunk.  Time bounds become
 *	  a second key of every probe, and chunks whose range they rule out are
 *	  not probed at all.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  timestore/src/lastpoint.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include "access/genam.h"
#include "access/nbtree.h"
#include "access/relscan.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/tupconvert.h"
#include "catalog/pg_am_d.h"
#include "catalog/pg_inherits.h"
#include "commands/explain.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "nodes/extensible.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/paths.h"
#include "optimizer/planner.h"
#include "parser/parsetree.h"
#include "timestore.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/selfuncs.h"
#include "utils/typcache.h"

#define LASTPOINT_NAME "LastPoint"

/* One chunk (or the hypertable itself) being probed. */
typedef struct LastPointChunk
{
	Relation	heap;
	Relation	index;
	IndexScanDesc scan;
	TupleTableSlot *slot;		/* the chunk's row type */
	AttrMap    *to_parent;		/* chunk columns to the hypertable's, or NULL */
	AttrNumber	value_attno;	/* c and time in the chunk */
	AttrNumber	time_attno;
	ScanDirection value_order;	/* the scan direction that yields c ascending */
	ScanDirection newest_first; /* the one that yields time descending for one c */
	bool		has_head;
	Datum		head;			/* smallest c above the last value returned */
} LastPointChunk;

typedef struct LastPointState
{
	CustomScanState css;
	Oid			index_oid;		/* the hypertable's (c, time) index */
	MemoryContext head_cxt;		/* heads, copied */
	int			nchunks;
	LastPointChunk *chunks;
	int			nbounds;		/* time bounds: keys on the index's 2nd column */
	ScanKeyData *bound_keys;
	bool		empty;			/* a bound is NULL: no row qualifies */
	bool		started;
	bool		nulls_done;		/* the NULL group of c was returned or absent */
	Oid			value_type;
	int16		value_len;
	bool		value_byval;
	Oid			value_collation;
	FmgrInfo	value_cmp;		/* c's btree comparison */
	FmgrInfo	time_cmp;
	RegProcedure value_gt_proc; /* the functions of c's > and = */
	RegProcedure value_eq_proc;
	AttrNumber	time_attno;		/* in the hypertable */
	Datum		best_time;
	bool		has_best;
} LastPointState;

static create_upper_paths_hook_type prev_create_upper_paths_hook = NULL;

static Plan *LastPointPlan(PlannerInfo *root, RelOptInfo *rel, CustomPath *best_path,
						   List *tlist, List *clauses, List *custom_plans);
static Node *LastPointCreateState(CustomScan *cscan);
static void LastPointBegin(CustomScanState *node, EState *estate, int eflags);
static TupleTableSlot *LastPointExec(CustomScanState *node);
static void LastPointEnd(CustomScanState *node);
static void LastPointRescan(CustomScanState *node);
static void LastPointExplain(CustomScanState *node, List *ancestors, ExplainState *es);

static const CustomPathMethods LastPointPathMethods = {
	.CustomName = LASTPOINT_NAME,
	.PlanCustomPath = LastPointPlan,
};

static const CustomScanMethods LastPointScanMethods = {
	.CustomName = LASTPOINT_NAME,
	.CreateCustomScanState = LastPointCreateState,
};

static const CustomExecMethods LastPointExecMethods = {
	.CustomName = LASTPOINT_NAME,
	.BeginCustomScan = LastPointBegin,
	.ExecCustomScan = LastPointExec,
	.EndCustomScan = LastPointEnd,
	.ReScanCustomScan = LastPointRescan,
	.ExplainCustomScan = LastPointExplain,
};

/* ----------------------------------------------------------------
 *		Planning
 * ----------------------------------------------------------------
 */

/* The Var of relation "rtindex" that sort clause "sgc" orders by, or NULL. */
static Var *
SortVar(Query *parse, SortGroupClause *sgc, Index rtindex)
{
	TargetEntry *tle = get_sortgroupclause_tle(sgc, parse->targetList);
	Var		   *var = (Var *) tle->expr;

	if (!IsA(var, Var) || var->varno != (int) rtindex || var->varlevelsup != 0 ||
		var->varattno <= 0)
		return NULL;
	return var;
}

/* Whether sort clause "sgc" orders var's type ascending (desc: descending). */
static bool
SortsByDefault(SortGroupClause *sgc, Var *var, bool desc)
{
	TypeCacheEntry *type = lookup_type_cache(var->vartype,
											 TYPECACHE_LT_OPR | TYPECACHE_GT_OPR);

	return sgc->sortop == (desc ? type->gt_opr : type->lt_opr);
}

/*
 * The valid btree index of "heap" whose first keys are (value_attno,
 * time_attno) with operator families "families" and "collation" on the
 * first, without expression or predicate, opened; NULL if none.
 */
static Relation
OpenValueTimeIndex(Relation heap, AttrNumber value_attno, AttrNumber time_attno,
				   Oid collation, const Oid *families)
{
	List	   *indexes = RelationGetIndexList(heap);
	ListCell   *lc;

	foreach(lc, indexes)
	{
		Relation	index = index_open(lfirst_oid(lc), AccessShareLock);
		Form_pg_index form = index->rd_index;

		if (index->rd_rel->relam == BTREE_AM_OID && form->indisvalid &&
			form->indnkeyatts >= 2 &&
			form->indkey.values[0] == value_attno && form->indkey.values[1] == time_attno &&
			RelationGetIndexExpressions(index) == NIL &&
			RelationGetIndexPredicate(index) == NIL &&
			index->rd_indcollation[0] == collation &&
			index->rd_opfamily[0] == families[0] && index->rd_opfamily[1] == families[1])
		{
			list_free(indexes);
			return index;
		}
		index_close(index, AccessShareLock);
	}
	list_free(indexes);
	return NULL;
}

/*
 * The default btree operator family of "type", from the type cache (a
 * catalog scan per call otherwise).
 */
static Oid
DefaultBtreeFamily(Oid type)
{
	return lookup_type_cache(type, TYPECACHE_BTREE_OPFAMILY)->btree_opf;
}

/*
 * The index of hypertable "rel" that LastPoint probes for (value, time):
 * see OpenValueTimeIndex, with the types' default operator families.
 */
static Oid
FindValueTimeIndex(Relation rel, Var *value, Var *time)
{
	Oid			families[2] = {DefaultBtreeFamily(value->vartype), DefaultBtreeFamily(time->vartype)};
	Relation	index;
	Oid			found;

	if (!OidIsValid(families[0]) || !OidIsValid(families[1]))
		return InvalidOid;
	index = OpenValueTimeIndex(rel, value->varattno, time->varattno, value->varcollid, families);
	if (index == NULL)
		return InvalidOid;
	found = RelationGetRelid(index);
	index_close(index, AccessShareLock);
	return found;
}

/*
 * Whether every restriction of rel is a bound "time op value" of ht's time
 * column, the value a constant or known when the executor starts; appends
 * the values to *values and their strategies to *strategies.
 */
static bool
OnlyTimeBounds(RelOptInfo *rel, const Hypertable *ht, List **values, List **strategies)
{
	ListCell   *lc;

	foreach(lc, rel->baserestrictinfo)
	{
		RestrictInfo *rinfo = lfirst_node(RestrictInfo, lc);
		OpExpr	   *op = (OpExpr *) rinfo->clause;
		Node	   *value;
		bool		commuted;
		StrategyNumber strategy;

		if (!IsA(op, OpExpr) || list_length(op->args) != 2 || rinfo->security_level != 0 ||
			list_length(*values) >= INDEX_MAX_KEYS)
			return false;
		commuted = !IsTimeColumn(linitial(op->args), rel->relid, ht);
		if (commuted && !IsTimeColumn(lsecond(op->args), rel->relid, ht))
			return false;
		value = commuted ? linitial(op->args) : lsecond(op->args);
		strategy = TimeOperatorStrategy(op->opno, ht->time_type, commuted);
		if (strategy == InvalidStrategy || exprType(value) != ht->time_type ||
			(!IsA(value, Const) && !IsStartupValue(value)))
			return false;
		*values = lappend(*values, value);
		*strategies = lappend_int(*strategies, strategy);
	}
	return true;
}

/* The hypertable's chunks that the planner kept (its appendrel children). */
static int
ChunkCount(PlannerInfo *root, Index rtindex)
{
	int			count = 0;
	ListCell   *lc;

	foreach(lc, root->append_rel_list)
	{
		if (((AppendRelInfo *) lfirst(lc))->parent_relid == rtindex)
			count++;
	}
	return count;
}

/*
 * Adds a LastPoint path to the DISTINCT stage of a query of the form the
 * file header describes.
 */
static void
LastPointUpperPaths(PlannerInfo *root, UpperRelationKind stage, RelOptInfo *input_rel,
					RelOptInfo *output_rel, void *extra)
{
	Query	   *parse = root->parse;
	RangeTblRef *rtr;
	RangeTblEntry *rte;
	const Hypertable *ht;
	RelOptInfo *rel;
	Var		   *value;
	Var		   *time;
	Relation	htrel;
	Oid			index_oid;
	List	   *values = NIL;
	List	   *strategies = NIL;
	CustomPath *path;
	double		groups;
	int			chunks;

	if (prev_create_upper_paths_hook)
		prev_create_upper_paths_hook(root, stage, input_rel, output_rel, extra);
	if (stage != UPPERREL_DISTINCT || !enable_indexscan || !parse->hasDistinctOn ||
		list_length(parse->distinctClause) != 1 || list_length(parse->sortClause) != 2 ||
		parse->hasAggs || parse->hasWindowFuncs || parse->hasTargetSRFs ||
		parse->groupClause != NIL || parse->groupingSets != NIL || parse->havingQual != NULL ||
		parse->rowMarks != NIL || list_length(parse->jointree->fromlist) != 1 ||
		!IsA(linitial(parse->jointree->fromlist), RangeTblRef))
		return;
	rtr = linitial(parse->jointree->fromlist);
	rte = planner_rt_fetch(rtr->rtindex, root);
	if (rte->rtekind != RTE_RELATION || !rte->inh || rte->tablesample != NULL ||
		rte->securityQuals != NIL || (ht = HypertableGet(rte->relid)) == NULL)
		return;
	rel = find_base_rel(root, rtr->rtindex);
	if (!OnlyTimeBounds(rel, ht, &values, &strategies))
		return;

	/* DISTINCT ON (c) ORDER BY c, time DESC */
	if (((SortGroupClause *) linitial(parse->sortClause))->tleSortGroupRef !=
		((SortGroupClause *) linitial(parse->distinctClause))->tleSortGroupRef)
		return;
	value = SortVar(parse, linitial(parse->sortClause), rtr->rtindex);
	time = SortVar(parse, lsecond(parse->sortClause), rtr->rtindex);
	if (value == NULL || time == NULL || time->varattno != ht->time_attno ||
		value->varattno == ht->time_attno ||
		((SortGroupClause *) linitial(parse->sortClause))->nulls_first ||
		!SortsByDefault(linitial(parse->sortClause), value, false) ||
		!SortsByDefault(lsecond(parse->sortClause), time, true))
		return;

	htrel = table_open(rte->relid, NoLock);
	index_oid = FindValueTimeIndex(htrel, value, time);
	table_close(htrel, NoLock);
	if (!OidIsValid(index_oid))
		return;

	/* a probe per chunk and value to find it, one more to read its row */
	chunks = ChunkCount(root, rtr->rtindex) + 1;
	groups = estimate_num_groups(root, list_make1(value), Max(rel->rows, 1.0), NULL, NULL);
	path = makeNode(CustomPath);
	path->path.pathtype = T_CustomScan;
	path->path.parent = output_rel;
	path->path.pathtarget = input_rel->reltarget;
	path->path.rows = groups;
	path->path.startup_cost = chunks * random_page_cost;
	path->path.total_cost = path->path.startup_cost +
		groups * chunks * 2 * (random_page_cost + cpu_index_tuple_cost) +
		groups * cpu_tuple_cost;
	path->path.pathkeys = root->sort_pathkeys;
	path->custom_private = list_make2_oid(index_oid, rtr->rtindex);
	path->methods = &LastPointPathMethods;
	add_path(output_rel, &path->path);
}

/*
 * The plan: the index in custom_private with the bounds' strategies, the
 * bounds' values in custom_exprs (so that setrefs fixes them).
 */
static Plan *
LastPointPlan(PlannerInfo *root, RelOptInfo *rel, CustomPath *best_path, List *tlist,
			  List *clauses, List *custom_plans)
{
	CustomScan *cscan = makeNode(CustomScan);
	Index		rtindex = (Index) lsecond_oid(best_path->custom_private);
	RelOptInfo *baserel = find_base_rel(root, rtindex);
	List	   *values = NIL;
	List	   *strategies = NIL;

	if (!OnlyTimeBounds(baserel, HypertableGet(planner_rt_fetch(rtindex, root)->relid),
						&values, &strategies))
		elog(ERROR, "LastPoint path planned on other restrictions");
	cscan->scan.plan.targetlist = tlist;
	cscan->scan.scanrelid = rtindex;
	cscan->custom_private = list_make2(list_make1_oid(linitial_oid(best_path->custom_private)),
									   strategies);
	cscan->custom_exprs = values;
	cscan->methods = &LastPointScanMethods;
	return &cscan->scan.plan;
}

/* ----------------------------------------------------------------
 *		Execution
 * ----------------------------------------------------------------
 */

static Node *
LastPointCreateState(CustomScan *cscan)
{
	LastPointState *state = (LastPointState *) newNode(sizeof(LastPointState),
													   T_CustomScanState);

	state->css.methods = &LastPointExecMethods;
	state->index_oid = linitial_oid((List *) linitial(cscan->custom_private));
	return (Node *) state;
}

/* Sets up the probing of "heap" (the hypertable or one of its chunks). */
static void
OpenChunk(LastPointState *state, LastPointChunk *chunk, Relation heap, Relation model,
		  EState *estate)
{
	Relation	parent = state->css.ss.ss_currentRelation;
	const char *value_name = NameStr(TupleDescAttr(RelationGetDescr(parent),
												  model->rd_index->indkey.values[0] - 1)->attname);
	const char *time_name = NameStr(TupleDescAttr(RelationGetDescr(parent),
												 model->rd_index->indkey.values[1] - 1)->attname);

	chunk->heap = heap;
	chunk->value_attno = get_attnum(RelationGetRelid(heap), value_name);
	chunk->time_attno = get_attnum(RelationGetRelid(heap), time_name);
	chunk->index = OpenValueTimeIndex(heap, chunk->value_attno, chunk->time_attno,
									  model->rd_indcollation[0], model->rd_opfamily);
	if (chunk->index == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("chunk \"%s\" has no copy of index \"%s\"",
						RelationGetRelationName(heap), RelationGetRelationName(model)),
				 errhint("Create the index on the chunk again.")));
	chunk->value_order = (chunk->index->rd_indoption[0] & INDOPTION_DESC) ?
		BackwardScanDirection : ForwardScanDirection;
	chunk->newest_first = (chunk->index->rd_indoption[1] & INDOPTION_DESC) ?
		ForwardScanDirection : BackwardScanDirection;
	chunk->scan = index_beginscan(heap, chunk->index, estate->es_snapshot,
								  1 + state->nbounds, 0);
	chunk->slot = table_slot_create(heap, NULL);
	chunk->to_parent = build_attrmap_by_name_if_req(RelationGetDescr(parent),
													RelationGetDescr(heap));
	chunk->has_head = false;
}

/*
 * Evaluates the time bounds once, as scan keys on the index's second
 * column, and narrows *range to the times they allow.
 */
static void
EvaluateBounds(LastPointState *state, CustomScan *cscan, Relation model,
			   Form_pg_attribute time_att, TimeRange *range)
{
	List	   *strategies = (List *) lsecond(cscan->custom_private);
	ExprContext *econtext = state->css.ss.ps.ps_ExprContext;
	ListCell   *lc_value;
	ListCell   *lc_strategy;
	int			b = 0;

	TimeRangeInit(range);
	state->nbounds = list_length(cscan->custom_exprs);
	state->bound_keys = palloc0(sizeof(ScanKeyData) * Max(state->nbounds, 1));
	state->empty = false;
	forboth(lc_value, cscan->custom_exprs, lc_strategy, strategies)
	{
		ExprState  *expr = ExecInitExpr(lfirst(lc_value), &state->css.ss.ps);
		StrategyNumber strategy = (StrategyNumber) lfirst_int(lc_strategy);
		bool		isnull;
		Datum		value = ExecEvalExprSwitchContext(expr, econtext, &isnull);

		state->empty |= isnull;
		TimeRangeNarrow(range, strategy, value, isnull, time_att->atttypid);
		ScanKeyEntryInitialize(&state->bound_keys[b++], isnull ? SK_ISNULL : 0, 2, strategy,
							   time_att->atttypid, InvalidOid,
							   get_opcode(get_opfamily_member(model->rd_opfamily[1],
															  time_att->atttypid,
															  time_att->atttypid, strategy)),
							   value);
	}
}

static void
LastPointBegin(CustomScanState *node, EState *estate, int eflags)
{
	LastPointState *state = (LastPointState *) node;
	Relation	parent = node->ss.ss_currentRelation;
	Relation	model = index_open(state->index_oid, AccessShareLock);
	List	   *children = find_inheritance_children(RelationGetRelid(parent), AccessShareLock);
	Form_pg_attribute value_att = TupleDescAttr(RelationGetDescr(parent),
												model->rd_index->indkey.values[0] - 1);
	Form_pg_attribute time_att = TupleDescAttr(RelationGetDescr(parent),
											   model->rd_index->indkey.values[1] - 1);
	const Hypertable *ht = HypertableGetChecked(RelationGetRelid(parent));
	TimeRange	range;
	int			i = 0;
	ListCell   *lc;

	state->head_cxt = AllocSetContextCreate(CurrentMemoryContext, "LastPoint heads",
											ALLOCSET_SMALL_SIZES);
	state->value_type = value_att->atttypid;
	state->value_len = value_att->attlen;
	state->value_byval = value_att->attbyval;
	state->value_collation = model->rd_indcollation[0];
	state->time_attno = time_att->attnum;
	fmgr_info(get_opfamily_proc(model->rd_opfamily[0], value_att->atttypid,
								value_att->atttypid, BTORDER_PROC), &state->value_cmp);
	fmgr_info(get_opfamily_proc(model->rd_opfamily[1], time_att->atttypid,
								time_att->atttypid, BTORDER_PROC), &state->time_cmp);
	state->value_gt_proc = get_opcode(get_opfamily_member(model->rd_opfamily[0],
														  value_att->atttypid,
														  value_att->atttypid,
														  BTGreaterStrategyNumber));
	state->value_eq_proc = get_opcode(get_opfamily_member(model->rd_opfamily[0],
														  value_att->atttypid,
														  value_att->atttypid,
														  BTEqualStrategyNumber));

	EvaluateBounds(state, (CustomScan *) node->ss.ps.plan, model, time_att, &range);
	state->chunks = palloc0(sizeof(LastPointChunk) * (list_length(children) + 1));
	OpenChunk(state, &state->chunks[i++], parent, model, estate);
	foreach(lc, children)
	{
		ChunkRef	chunk;

		if (ChunkRangeOf(ht, lfirst_oid(lc), &chunk) &&
			!TimeRangeOverlaps(&range, chunk.range_start, chunk.range_end))
			continue;
		OpenChunk(state, &state->chunks[i++], table_open(lfirst_oid(lc), NoLock), model, estate);
	}
	state->nchunks = i;
	index_close(model, AccessShareLock);
	state->started = false;
	state->nulls_done = false;
}

/* The one key of a probe on c. */
typedef enum ProbeKind
{
	PROBE_NOT_NULL,				/* c IS NOT NULL */
	PROBE_ABOVE,				/* c > value */
	PROBE_EQUAL,				/* c = value */
	PROBE_NULL					/* c IS NULL */
} ProbeKind;

/*
 * Runs chunk's index scan with the key "kind" in "direction"; false when it
 * finds no visible row, else the first row is in chunk->slot.
 */
static bool
ProbeChunk(LastPointState *state, LastPointChunk *chunk, ProbeKind kind, Datum value,
		   ScanDirection direction)
{
	ScanKeyData keys[1 + INDEX_MAX_KEYS];
	ScanKeyData *key = &keys[0];

	switch (kind)
	{
		case PROBE_NOT_NULL:
		case PROBE_NULL:
			ScanKeyEntryInitialize(key,
								   SK_ISNULL | (kind == PROBE_NULL ? SK_SEARCHNULL : SK_SEARCHNOTNULL),
								   1, InvalidStrategy, InvalidOid, InvalidOid, InvalidOid,
								   (Datum) 0);
			break;
		case PROBE_ABOVE:
		case PROBE_EQUAL:
			ScanKeyEntryInitialize(key, 0, 1,
								   kind == PROBE_EQUAL ? BTEqualStrategyNumber : BTGreaterStrategyNumber,
								   state->value_type, state->value_collation,
								   kind == PROBE_EQUAL ? state->value_eq_proc : state->value_gt_proc,
								   value);
			break;
	}
	memcpy(&keys[1], state->bound_keys, sizeof(ScanKeyData) * state->nbounds);
	index_rescan(chunk->scan, keys, 1 + state->nbounds, NULL, 0);
	return index_getnext_slot(chunk->scan, direction, chunk->slot);
}

/* A copy of a value of c in the heads' context. */
static Datum
CopyValue(LastPointState *state, Datum value)
{
	MemoryContext old = MemoryContextSwitchTo(state->head_cxt);
	Datum		copy = datumCopy(value, state->value_byval, state->value_len);

	MemoryContextSwitchTo(old);
	return copy;
}

/* Moves chunk's head to its smallest non-NULL c above "after" (or its first). */
static void
AdvanceHead(LastPointState *state, LastPointChunk *chunk, bool first, Datum after)
{
	bool		isnull = true;
	Datum		head;

	if (chunk->has_head && !state->value_byval)
		pfree(DatumGetPointer(chunk->head));
	chunk->has_head = false;
	if (!ProbeChunk(state, chunk, first ? PROBE_NOT_NULL : PROBE_ABOVE, after,
					chunk->value_order))
		return;
	head = slot_getattr(chunk->slot, chunk->value_attno, &isnull);
	Assert(!isnull);
	chunk->head = CopyValue(state, head);
	chunk->has_head = true;
}

/* Compares two values of c. */
static int
CompareValues(LastPointState *state, Datum a, Datum b)
{
	return DatumGetInt32(FunctionCall2Coll(&state->value_cmp, state->value_collation, a, b));
}

/*
 * Keeps the row in chunk->slot as the best so far (in the scan slot, in
 * the hypertable's row type) when it is newer than the best.
 */
static void
OfferRow(LastPointState *state, LastPointChunk *chunk)
{
	TupleTableSlot *result = state->css.ss.ss_ScanTupleSlot;
	bool		isnull;
	Datum		time = slot_getattr(chunk->slot, chunk->time_attno, &isnull);

	if (state->has_best &&
		DatumGetInt32(FunctionCall2(&state->time_cmp, time, state->best_time)) <= 0)
		return;
	if (chunk->to_parent != NULL)
		execute_attr_map_slot(chunk->to_parent, chunk->slot, result);
	else
		ExecCopySlot(result, chunk->slot);
	ExecMaterializeSlot(result);
	state->best_time = slot_getattr(result, state->time_attno, &isnull);
	state->has_best = true;
}

/* The newest row of the NULLs of c, over every chunk, or NULL. */
static TupleTableSlot *
NextNullGroup(LastPointState *state)
{
	state->nulls_done = true;
	state->has_best = false;
	for (int i = 0; i < state->nchunks; i++)
	{
		LastPointChunk *chunk = &state->chunks[i];

		if (ProbeChunk(state, chunk, PROBE_NULL, (Datum) 0, chunk->newest_first))
			OfferRow(state, chunk);
	}
	return state->has_best ? state->css.ss.ss_ScanTupleSlot : NULL;
}

/* The chunk whose head is the smallest, or NULL when no head is left. */
static LastPointChunk *
LowestHead(LastPointState *state)
{
	LastPointChunk *lowest = NULL;

	for (int i = 0; i < state->nchunks; i++)
	{
		LastPointChunk *chunk = &state->chunks[i];

		if (chunk->has_head &&
			(lowest == NULL || CompareValues(state, chunk->head, lowest->head) < 0))
			lowest = chunk;
	}
	return lowest;
}

/*
 * The newest row of value, over the chunks whose head it is; moves those
 * chunks on to their next value.  False if none has a visible row of it.
 */
static bool
NewestOfValue(LastPointState *state, Datum value)
{
	state->has_best = false;
	for (int i = 0; i < state->nchunks; i++)
	{
		LastPointChunk *chunk = &state->chunks[i];

		CHECK_FOR_INTERRUPTS();
		if (!chunk->has_head || CompareValues(state, chunk->head, value) != 0)
			continue;
		if (ProbeChunk(state, chunk, PROBE_EQUAL, value, chunk->newest_first))
			OfferRow(state, chunk);
		AdvanceHead(state, chunk, false, value);
	}
	return state->has_best;
}

/* The newest row of the next value of c, or NULL when none is left. */
static TupleTableSlot *
LastPointNext(ScanState *node)
{
	LastPointState *state = (LastPointState *) node;
	LastPointChunk *lowest;

	if (state->empty)
		return NULL;
	if (!state->started)
	{
		for (int i = 0; i < state->nchunks; i++)
			AdvanceHead(state, &state->chunks[i], true, (Datum) 0);
		state->started = true;
	}
	while ((lowest = LowestHead(state)) != NULL)
	{
		Datum		value = CopyValue(state, lowest->head);
		bool		found = NewestOfValue(state, value);

		if (!state->value_byval)
			pfree(DatumGetPointer(value));
		if (found)
			return state->css.ss.ss_ScanTupleSlot;
	}
	return state->nulls_done ? NULL : NextNullGroup(state);
}

static bool
LastPointRecheck(ScanState *node, TupleTableSlot *slot)
{
	return true;
}

static TupleTableSlot *
LastPointExec(CustomScanState *node)
{
	return ExecScan(&node->ss, LastPointNext, LastPointRecheck);
}

static void
LastPointEnd(CustomScanState *node)
{
	LastPointState *state = (LastPointState *) node;

	for (int i = 0; i < state->nchunks; i++)
	{
		LastPointChunk *chunk = &state->chunks[i];

		index_endscan(chunk->scan);
		index_close(chunk->index, AccessShareLock);
		ExecDropSingleTupleTableSlot(chunk->slot);
		if (i > 0)
			table_close(chunk->heap, NoLock);
	}
	MemoryContextDelete(state->head_cxt);
}

static void
LastPointRescan(CustomScanState *node)
{
	LastPointState *state = (LastPointState *) node;

	for (int i = 0; i < state->nchunks; i++)
	{
		if (state->chunks[i].has_head && !state->value_byval)
			pfree(DatumGetPointer(state->chunks[i].head));
		state->chunks[i].has_head = false;
	}
	state->started = false;
	state->nulls_done = false;
	ExecScanReScan(&node->ss);
}

static void
LastPointExplain(CustomScanState *node, List *ancestors, ExplainState *es)
{
	LastPointState *state = (LastPointState *) node;

	ExplainPropertyText("Index", get_rel_name(state->index_oid), es);
}

/*
 * LastPointInit - installs the planner hook and registers the node; called
 * once from _PG_init.
 */
void
LastPointInit(void)
{
	RegisterCustomScanMethods(&LastPointScanMethods);
	prev_create_upper_paths_hook = create_upper_paths_hook;
	create_upper_paths_hook = LastPointUpperPaths;
}
