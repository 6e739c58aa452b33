/*-------------------------------------------------------------------------
 *
 * chunk_exclusion.c
 *	  Run-time chunk exclusion: a custom node, ChunkExclusion, above the
 *	  Append or MergeAppend of a hypertable's chunks when the query bounds
 *	  the time column, or compares the hash column for equality, with
 *	  values known only at execution (now() - interval, a parameter of a
 *	  generic plan, a stable function).  When the executor starts it
 *	  evaluates those values and leaves out the chunks whose range or hash
 *	  slice they exclude: their scans are never initialised, opened or read.
 *
 *	  Constant values need no help: planning reads only the chunks they
 *	  allow (hypertable_expand.c).  Under UPDATE and DELETE, leaving out a
 *	  chunk's scan leaves its result relation in ModifyTable, which finds a
 *	  row's chunk by its tableoid (as PostgreSQL's run-time partition
 *	  pruning does there).
 *
 *	  Invariants: a chunk is left out only when no row of its range and
 *	  slice can satisfy the restrictions (time_bounds.c); every process of
 *	  a query evaluates the same values on the same plan; a finished plan's
 *	  scan list holds no ROWID_VAR Var (ChunkExclusionPlanned).
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  timestore/src/chunk_exclusion.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include "access/stratnum.h"
#include "catalog/pg_am.h"
#include "catalog/pg_opclass.h"
#include "commands/defrem.h"
#include "commands/explain.h"
#include "executor/executor.h"
#include "nodes/extensible.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "nodes/pathnodes.h"
#include "optimizer/clauses.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/paths.h"
#include "parser/parsetree.h"
#include "timestore.h"
#include "utils/lsyscache.h"

#define CHUNK_EXCLUSION_NAME "ChunkExclusion"

typedef struct ChunkExclusionState
{
	CustomScanState css;
	int			nexcluded;		/* left out at startup */
} ChunkExclusionState;

static Plan *ChunkExclusionPlan(PlannerInfo *root, RelOptInfo *rel,
								CustomPath *best_path, List *tlist,
								List *clauses, List *custom_plans);
static Node *ChunkExclusionCreateState(CustomScan *cscan);
static void ChunkExclusionBegin(CustomScanState *node, EState *estate, int eflags);
static TupleTableSlot *ChunkExclusionExec(CustomScanState *node);
static void ChunkExclusionEnd(CustomScanState *node);
static void ChunkExclusionRescan(CustomScanState *node);
static void ChunkExclusionExplain(CustomScanState *node, List *ancestors,
								  ExplainState *es);

static const CustomPathMethods ChunkExclusionPathMethods = {
	.CustomName = CHUNK_EXCLUSION_NAME,
	.PlanCustomPath = ChunkExclusionPlan,
};

static const CustomScanMethods ChunkExclusionScanMethods = {
	.CustomName = CHUNK_EXCLUSION_NAME,
	.CreateCustomScanState = ChunkExclusionCreateState,
};

static const CustomExecMethods ChunkExclusionExecMethods = {
	.CustomName = CHUNK_EXCLUSION_NAME,
	.BeginCustomScan = ChunkExclusionBegin,
	.ExecCustomScan = ChunkExclusionExec,
	.EndCustomScan = ChunkExclusionEnd,
	.ReScanCustomScan = ChunkExclusionRescan,
	.ExplainCustomScan = ChunkExclusionExplain,
};

/* ----------------------------------------------------------------
 *		Planning
 * ----------------------------------------------------------------
 */

/* Sum of the costs of the children of path that the bounds keep, at plan time. */
static void
EstimateKept(PlannerInfo *root, List *subpaths, List *bounds, const Hypertable *ht,
			 Cost *startup, Cost *total, double *rows)
{
	TimeRange	range;
	ListCell   *lc;

	TimeRangeInit(&range);
	foreach(lc, bounds)
	{
		TimeBound  *bound = lfirst(lc);
		Node	   *value = estimate_expression_value(root, (Node *) bound->expr);

		if (IsA(value, Const))
			TimeRangeNarrow(&range, bound->strategy, ((Const *) value)->constvalue,
							((Const *) value)->constisnull, ht->time_type);
	}
	*startup = 0;
	*total = 0;
	*rows = 0;
	foreach(lc, subpaths)
	{
		Path	   *sub = lfirst(lc);
		ChunkRef	chunk;

		if (!ChunkRangeOf(ht, planner_rt_fetch(sub->parent->relid, root)->relid, &chunk) ||
			TimeRangeOverlaps(&range, chunk.range_start, chunk.range_end))
		{
			*startup = Max(*startup, sub->startup_cost);
			*total += sub->total_cost;
			*rows += sub->rows;
		}
	}
}

/*
 * Wraps an Append or MergeAppend path of the hypertable in ChunkExclusion,
 * with the time bounds and the hash values (and which are arrays) it
 * evaluates when the executor starts.
 */
static Path *
ChunkExclusionWrap(PlannerInfo *root, Path *child, List *bounds, List *hash_values,
				   List *hash_arrays, const Hypertable *ht)
{
	CustomPath *path = makeNode(CustomPath);
	List	   *subpaths = IsA(child, AppendPath) ?
		((AppendPath *) child)->subpaths : ((MergeAppendPath *) child)->subpaths;
	List	   *strategies = NIL;
	List	   *exprs = NIL;
	ListCell   *lc;
	Cost		startup;
	Cost		total;
	double		rows;

	foreach(lc, bounds)
	{
		strategies = lappend_int(strategies, ((TimeBound *) lfirst(lc))->strategy);
		exprs = lappend(exprs, ((TimeBound *) lfirst(lc))->expr);
	}
	EstimateKept(root, subpaths, bounds, ht, &startup, &total, &rows);

	path->path.pathtype = T_CustomScan;
	path->path.parent = child->parent;
	path->path.pathtarget = child->pathtarget;
	path->path.param_info = child->param_info;
	path->path.parallel_aware = false;
	path->path.parallel_safe = false;
	path->path.parallel_workers = 0;
	path->path.rows = Min(child->rows, rows);
	path->path.startup_cost = Min(child->startup_cost, startup);
	path->path.total_cost = Min(child->total_cost, total + path->path.rows * cpu_tuple_cost);
	path->path.pathkeys = child->pathkeys;
	path->custom_paths = list_make1(child);
	path->custom_private = list_make4(list_make1_oid(ht->relid), strategies, hash_arrays,
									  list_concat(exprs, hash_values));
	path->methods = &ChunkExclusionPathMethods;
	return &path->path;
}

/*
 * ChunkExclusionAddPaths - wraps the Append and MergeAppend paths of
 * hypertable rel (an expanded appendrel) in ChunkExclusion when its
 * restrictions bound the time column, or compare the hash column, with
 * values known only at execution.
 */
void
ChunkExclusionAddPaths(PlannerInfo *root, RelOptInfo *rel, const Hypertable *ht)
{
	List	   *bounds = TimeBoundsOfRel(rel, ht, false);
	List	   *hash_arrays;
	List	   *hash_values = HashValuesOfRel(rel, ht, &hash_arrays);
	ListCell   *lc;

	if (bounds == NIL && hash_values == NIL)
		return;
	foreach(lc, rel->pathlist)
	{
		Path	   *path = lfirst(lc);

		if (IsA(path, AppendPath) || IsA(path, MergeAppendPath))
			lfirst(lc) = ChunkExclusionWrap(root, path, bounds, hash_values, hash_arrays, ht);
	}
}

/* Nodes made by the planner call under way whose scan lists ChunkExclusionPlanned fixes. */
static List *planned_with_row_identity = NIL;

/*
 * Under UPDATE or DELETE the node returns the chunks' row identity columns
 * as ROWID_VAR Vars, which setrefs matches between plan nodes but EXPLAIN
 * VERBOSE cannot name ("bogus varno").  Appends to *scan_tlist, for each
 * of them, a junk entry with the same column of the hypertable (rel),
 * which setrefs numbers like any Var of the scan list, and returns the
 * positions (resno) of the entries they stand for.  Once setrefs is done,
 * ChunkExclusionPlanned puts them in their place.
 */
static List *
AddShownRowIdentity(PlannerInfo *root, RelOptInfo *rel, List *tlist, List **scan_tlist)
{
	List	   *shown_for = NIL;
	ListCell   *lc;

	foreach(lc, tlist)
	{
		TargetEntry *tle = lfirst(lc);
		Var		   *var = (Var *) tle->expr;
		RowIdentityVarInfo *ridinfo;
		Var		   *shown;

		if (!IsA(var, Var) || var->varno != ROWID_VAR)
			continue;
		ridinfo = list_nth(root->row_identity_vars, var->varattno - 1);
		shown = copyObject(ridinfo->rowidvar);
		shown->varno = rel->relid;
		shown->varnosyn = 0;
		shown->varattnosyn = 0;
		*scan_tlist = lappend(*scan_tlist,
							  makeTargetEntry((Expr *) shown, list_length(*scan_tlist) + 1,
											  NULL, true));
		shown_for = lappend_int(shown_for, tle->resno);
	}
	return shown_for;
}

static Plan *
ChunkExclusionPlan(PlannerInfo *root, RelOptInfo *rel, CustomPath *best_path,
				   List *tlist, List *clauses, List *custom_plans)
{
	CustomScan *cscan = makeNode(CustomScan);
	Plan	   *child = linitial(custom_plans);
	List	   *scan_tlist = list_copy(tlist);
	List	   *shown_for = AddShownRowIdentity(root, rel, tlist, &scan_tlist);

	cscan->scan.plan.startup_cost = best_path->path.startup_cost;
	cscan->scan.plan.total_cost = best_path->path.total_cost;
	cscan->scan.plan.plan_rows = best_path->path.rows;
	cscan->scan.plan.plan_width = child->plan_width;
	cscan->scan.plan.targetlist = tlist;
	cscan->custom_scan_tlist = scan_tlist;
	cscan->scan.scanrelid = 0;
	cscan->custom_plans = custom_plans;
	cscan->custom_private = list_make4(linitial(best_path->custom_private),
									   lsecond(best_path->custom_private),
									   lthird(best_path->custom_private), shown_for);
	cscan->custom_exprs = lfourth(best_path->custom_private);
	cscan->methods = &ChunkExclusionScanMethods;
	if (shown_for != NIL)
		planned_with_row_identity = lappend(planned_with_row_identity, cscan);
	return &cscan->scan.plan;
}

/*
 * Replaces, in the scan list of cscan (after setrefs), each row identity
 * Var by the hypertable's column paired with it, and drops the pairs: the
 * scan list describes the rows to EXPLAIN only (the node returns its
 * child's rows), and the types are the same.
 */
static void
ShowRowIdentity(CustomScan *cscan)
{
	List	   *shown_for = lfourth(cscan->custom_private);
	int			nregular = list_length(cscan->custom_scan_tlist) - list_length(shown_for);
	ListCell   *lc;

	foreach(lc, shown_for)
	{
		TargetEntry *extra = list_nth(cscan->custom_scan_tlist,
									  nregular + foreach_current_index(lc));
		ListCell   *cell = list_nth_cell(cscan->custom_scan_tlist, lfirst_int(lc) - 1);
		TargetEntry *tle = flatCopyTargetEntry(lfirst(cell));

		Assert(exprType((Node *) tle->expr) == exprType((Node *) extra->expr));
		tle->expr = extra->expr;
		lfirst(cell) = tle;
	}
	cscan->custom_scan_tlist = list_truncate(cscan->custom_scan_tlist, nregular);
	lfourth(cscan->custom_private) = NIL;
}

/*
 * ChunkExclusionPlanning - called before the planner runs: returns the
 * nodes of the planner call under way (if this one is nested) for
 * ChunkExclusionPlanned to restore.
 */
List *
ChunkExclusionPlanning(void)
{
	List	   *outer = planned_with_row_identity;

	planned_with_row_identity = NIL;
	return outer;
}

/*
 * ChunkExclusionPlanned - called when the planner has returned its plan:
 * finishes the scan lists of the nodes it made under UPDATE or DELETE,
 * then restores outer (ChunkExclusionPlanning's result).  After a planner
 * error the list is left as it was: the next planner call starts anew.
 */
void
ChunkExclusionPlanned(List *outer)
{
	ListCell   *lc;

	foreach(lc, planned_with_row_identity)
		ShowRowIdentity(lfirst(lc));
	list_free(planned_with_row_identity);
	planned_with_row_identity = outer;
}

/* ----------------------------------------------------------------
 *		Execution
 * ----------------------------------------------------------------
 */

static Node *
ChunkExclusionCreateState(CustomScan *cscan)
{
	ChunkExclusionState *state = palloc0(sizeof(ChunkExclusionState));

	state->css.ss.ps.type = T_CustomScanState;
	state->css.methods = &ChunkExclusionExecMethods;
	return (Node *) state;
}

/* The relation a child plan of the Append scans, or InvalidOid. */
static Oid
ScannedRelation(Plan *plan, EState *estate)
{
	while (plan != NULL)
	{
		switch (nodeTag(plan))
		{
			case T_SeqScan:
			case T_SampleScan:
			case T_IndexScan:
			case T_IndexOnlyScan:
			case T_BitmapHeapScan:
			case T_TidScan:
			case T_TidRangeScan:
				return exec_rt_fetch(((Scan *) plan)->scanrelid, estate)->relid;
			case T_Result:
			case T_Sort:
			case T_IncrementalSort:
			case T_Material:
				plan = outerPlan(plan);
				break;
			default:
				return InvalidOid;
		}
	}
	return InvalidOid;
}

/* What the restrictions evaluated at startup allow. */
typedef struct ChunksAllowed
{
	TimeRange	range;
	bool		sliced;			/* only the hash slices in slices */
	Bitmapset  *slices;
} ChunksAllowed;

/*
 * The plan with the chunk scans of its Append or MergeAppend (under any
 * projecting Result) left out unless allowed; other plans are returned as
 * they are.  Copies the nodes it changes.
 */
static Plan *
ExcludeChunks(ChunkExclusionState *state, Plan *plan, const Hypertable *ht,
			  const ChunksAllowed *allowed, EState *estate)
{
	List	   *subplans;
	List	   *kept = NIL;
	ListCell   *lc;

	if (IsA(plan, Result) && outerPlan(plan) != NULL)
	{
		Result	   *result = makeNode(Result);

		memcpy(result, plan, sizeof(Result));
		outerPlan(result) = ExcludeChunks(state, outerPlan(plan), ht, allowed, estate);
		return &result->plan;
	}
	if (!IsA(plan, Append) && !IsA(plan, MergeAppend))
		return plan;

	subplans = IsA(plan, Append) ? ((Append *) plan)->appendplans :
		((MergeAppend *) plan)->mergeplans;
	foreach(lc, subplans)
	{
		Oid			relid = ScannedRelation(lfirst(lc), estate);
		ChunkRef	chunk;

		if (ht == NULL || !ChunkRangeOf(ht, relid, &chunk) ||
			(TimeRangeOverlaps(&allowed->range, chunk.range_start, chunk.range_end) &&
			 (!allowed->sliced || bms_is_member(chunk.slice, allowed->slices))))
			kept = lappend(kept, lfirst(lc));
		else
			state->nexcluded++;
	}
	if (IsA(plan, Append))
	{
		Append	   *append = makeNode(Append);

		memcpy(append, plan, sizeof(Append));
		append->appendplans = kept;
		append->first_partial_plan = Min(append->first_partial_plan, list_length(kept));
		return &append->plan;
	}
	else
	{
		MergeAppend *merge = makeNode(MergeAppend);

		memcpy(merge, plan, sizeof(MergeAppend));
		merge->mergeplans = kept;
		return &merge->plan;
	}
}

/* The value of a restriction's expression when the executor starts. */
static Datum
StartupValue(CustomScanState *node, Expr *expr, bool *isnull)
{
	ExprState  *state = ExecInitExpr(expr, &node->ss.ps);

	return ExecEvalExprSwitchContext(state, node->ss.ps.ps_ExprContext, isnull);
}

static void
ChunkExclusionBegin(CustomScanState *node, EState *estate, int eflags)
{
	ChunkExclusionState *state = (ChunkExclusionState *) node;
	CustomScan *cscan = (CustomScan *) node->ss.ps.plan;
	const Hypertable *ht = HypertableGet(linitial_oid(linitial(cscan->custom_private)));
	List	   *strategies = lsecond(cscan->custom_private);
	List	   *hash_arrays = lthird(cscan->custom_private);
	ListCell   *expr = list_head(cscan->custom_exprs);
	ChunksAllowed allowed;
	ListCell   *lc;

	/*
	 * Exec returns the child's slots, whose kind varies by chunk: parents
	 * must not compile their expressions for one kind of slot.
	 */
	node->ss.ps.resultopsfixed = false;

	/* the time bounds first, then the hash values, ANDed */
	TimeRangeInit(&allowed.range);
	allowed.sliced = false;
	allowed.slices = NULL;
	foreach(lc, strategies)
	{
		bool		isnull;
		Datum		value = StartupValue(node, lfirst(expr), &isnull);

		if (ht != NULL)
			TimeRangeNarrow(&allowed.range, lfirst_int(lc), value, isnull, ht->time_type);
		expr = lnext(cscan->custom_exprs, expr);
	}
	foreach(lc, hash_arrays)
	{
		Bitmapset  *slices = NULL;
		bool		isnull;
		Datum		value = StartupValue(node, lfirst(expr), &isnull);

		if (ht != NULL)
		{
			HashSlicesOfValue(ht, value, isnull, lfirst_int(lc), &slices);
			allowed.slices = allowed.sliced ? bms_int_members(allowed.slices, slices) : slices;
			allowed.sliced = true;
		}
		expr = lnext(cscan->custom_exprs, expr);
	}
	node->custom_ps = list_make1(ExecInitNode(ExcludeChunks(state, linitial(cscan->custom_plans),
															ht, &allowed, estate),
											  estate, eflags));
}

static TupleTableSlot *
ChunkExclusionExec(CustomScanState *node)
{
	return ExecProcNode(linitial(node->custom_ps));
}

static void
ChunkExclusionEnd(CustomScanState *node)
{
	ExecEndNode(linitial(node->custom_ps));
}

static void
ChunkExclusionRescan(CustomScanState *node)
{
	ExecReScan(linitial(node->custom_ps));
}

static void
ChunkExclusionExplain(CustomScanState *node, List *ancestors, ExplainState *es)
{
	ChunkExclusionState *state = (ChunkExclusionState *) node;

	ExplainPropertyInteger("Chunks excluded during startup", NULL,
						   state->nexcluded, es);
}

/* Called by _PG_init. */
void
ChunkExclusionInit(void)
{
	RegisterCustomScanMethods(&ChunkExclusionScanMethods);
}
