/*-------------------------------------------------------------------------
 *
 * chunk_exclusion.c
 *	  Run-time chunk exclusion: a custom node, ChunkExclusion, above the
 *	  Append or MergeAppend of a hypertable's chunks when the query bounds
 *	  the time column by values known only at execution (now() - interval,
 *	  a parameter of a generic plan, a stable function).  When the executor
 *	  starts it evaluates those bounds and leaves out the chunks whose range
 *	  they exclude: their scans are never initialised, opened or read.
 *
 *	  Constant bounds need no help: PostgreSQL's constraint exclusion drops
 *	  those chunks when planning, from their CHECK constraints.
 *
 *	  Invariants: a chunk is left out only when no row of its range can
 *	  satisfy the bound (bounds are applied inclusively, so a strict bound
 *	  may keep one chunk more than needed, never one less); every process
 *	  of a query evaluates the same bounds on the same plan.
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
		int64		start;
		int64		end;

		if (!ChunkRangeOf(ht, planner_rt_fetch(sub->parent->relid, root)->relid,
						  &start, &end) ||
			TimeRangeOverlaps(&range, start, end))
		{
			*startup = Max(*startup, sub->startup_cost);
			*total += sub->total_cost;
			*rows += sub->rows;
		}
	}
}

/* Wraps an Append or MergeAppend path of the hypertable in ChunkExclusion. */
static Path *
ChunkExclusionWrap(PlannerInfo *root, Path *child, List *bounds, const Hypertable *ht)
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
	path->custom_private = list_make2(list_make1_oid(ht->relid), strategies);
	path->custom_private = lappend(path->custom_private, exprs);
	path->methods = &ChunkExclusionPathMethods;
	return &path->path;
}

/*
 * ChunkExclusionAddPaths - wraps the Append and MergeAppend paths of
 * hypertable rel (an expanded appendrel) in ChunkExclusion when its
 * restrictions bound the time column by values known only at execution.
 */
void
ChunkExclusionAddPaths(PlannerInfo *root, RelOptInfo *rel, const Hypertable *ht)
{
	List	   *bounds = TimeBoundsOfRel(rel, ht, false);
	ListCell   *lc;

	if (bounds == NIL)
		return;
	foreach(lc, rel->pathlist)
	{
		Path	   *path = lfirst(lc);

		if (IsA(path, AppendPath) || IsA(path, MergeAppendPath))
			lfirst(lc) = ChunkExclusionWrap(root, path, bounds, ht);
	}
}

static Plan *
ChunkExclusionPlan(PlannerInfo *root, RelOptInfo *rel, CustomPath *best_path,
				   List *tlist, List *clauses, List *custom_plans)
{
	CustomScan *cscan = makeNode(CustomScan);
	Plan	   *child = linitial(custom_plans);

	cscan->scan.plan.startup_cost = best_path->path.startup_cost;
	cscan->scan.plan.total_cost = best_path->path.total_cost;
	cscan->scan.plan.plan_rows = best_path->path.rows;
	cscan->scan.plan.plan_width = child->plan_width;
	cscan->scan.plan.targetlist = tlist;
	cscan->custom_scan_tlist = tlist;
	cscan->scan.scanrelid = 0;
	cscan->custom_plans = custom_plans;
	cscan->custom_private = list_make2(linitial(best_path->custom_private),
									   lsecond(best_path->custom_private));
	cscan->custom_exprs = lthird(best_path->custom_private);
	cscan->methods = &ChunkExclusionScanMethods;
	return &cscan->scan.plan;
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

/*
 * The plan with the chunk scans of its Append or MergeAppend (under any
 * projecting Result) left out unless their range overlaps range; other
 * plans are returned as they are.  Copies the nodes it changes.
 */
static Plan *
ExcludeChunks(ChunkExclusionState *state, Plan *plan, const Hypertable *ht,
			  const TimeRange *range, EState *estate)
{
	List	   *subplans;
	List	   *kept = NIL;
	ListCell   *lc;

	if (IsA(plan, Result) && outerPlan(plan) != NULL)
	{
		Result	   *result = makeNode(Result);

		memcpy(result, plan, sizeof(Result));
		outerPlan(result) = ExcludeChunks(state, outerPlan(plan), ht, range, estate);
		return &result->plan;
	}
	if (!IsA(plan, Append) && !IsA(plan, MergeAppend))
		return plan;

	subplans = IsA(plan, Append) ? ((Append *) plan)->appendplans :
		((MergeAppend *) plan)->mergeplans;
	foreach(lc, subplans)
	{
		Oid			relid = ScannedRelation(lfirst(lc), estate);
		int64		start;
		int64		end;

		if (ht == NULL || !ChunkRangeOf(ht, relid, &start, &end) ||
			TimeRangeOverlaps(range, start, end))
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

static void
ChunkExclusionBegin(CustomScanState *node, EState *estate, int eflags)
{
	ChunkExclusionState *state = (ChunkExclusionState *) node;
	CustomScan *cscan = (CustomScan *) node->ss.ps.plan;
	const Hypertable *ht = HypertableGet(linitial_oid(linitial(cscan->custom_private)));
	List	   *strategies = lsecond(cscan->custom_private);
	TimeRange	range;
	ListCell   *lc;
	ListCell   *lc2;

	/*
	 * Exec returns the child's slots, whose kind varies by chunk: parents
	 * must not compile their expressions for one kind of slot.
	 */
	node->ss.ps.resultopsfixed = false;

	TimeRangeInit(&range);
	forboth(lc, strategies, lc2, cscan->custom_exprs)
	{
		ExprState  *expr = ExecInitExpr(lfirst(lc2), &node->ss.ps);
		bool		isnull;
		Datum		value = ExecEvalExprSwitchContext(expr, node->ss.ps.ps_ExprContext,
													  &isnull);

		if (ht != NULL)
			TimeRangeNarrow(&range, lfirst_int(lc), value, isnull, ht->time_type);
	}
	node->custom_ps = list_make1(ExecInitNode(ExcludeChunks(state, linitial(cscan->custom_plans),
															ht, &range, estate),
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
