/*-------------------------------------------------------------------------
 *
 * chunk_dispatch.c
 *	  The INSERT path of hypertables: a custom node, ChunkDispatch, placed
 *	  by the planner between the ModifyTable of an INSERT into a hypertable
 *	  and the plan that produces its rows.  For each row it finds the chunk
 *	  (chunk_router.c) and makes ModifyTable insert into it.
 *
 *	  Why this design (README.md, "Hypertables"): PostgreSQL's declarative
 *	  partitioning fixes the partitions a statement routes to when it
 *	  starts, and adding one needs a lock that conflicts with every running
 *	  INSERT, so a chunk could not be created for a row while inserts run.
 *	  Chunks are therefore inheritance children, and routing is ours.  The
 *	  insert itself stays PostgreSQL's own: ModifyTable inserts through
 *	  its (only) ResultRelInfo, and before handing it a row ChunkDispatch
 *	  swaps that struct's contents for the chunk's.  So BEFORE and AFTER
 *	  ROW triggers, constraints, generated columns, ON CONFLICT DO NOTHING
 *	  and DO UPDATE, RETURNING and WITH CHECK OPTIONS all behave as on any
 *	  table.
 *
 *	  Invariants: between rows the root's struct holds the current chunk's
 *	  ResultRelInfo, whose own copy is refreshed at each swap (ModifyTable
 *	  fills projections in lazily); the root's original contents are back
 *	  before ModifyTable fires AFTER STATEMENT triggers (when the child plan
 *	  is exhausted) and before the executor closes result relations (at the
 *	  latest in EndCustomScan).
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  timestore/src/chunk_dispatch.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include "executor/executor.h"
#include "nodes/extensible.h"
#include "nodes/pathnodes.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/planner.h"
#include "parser/parsetree.h"
#include "timestore.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#define CHUNK_DISPATCH_NAME "ChunkDispatch"

typedef struct ChunkDispatchState
{
	CustomScanState css;
	bool		speculative;	/* ON CONFLICT: open unique indexes so */
	ResultRelInfo *root;		/* ModifyTable's ResultRelInfo */
	ResultRelInfo root_saved;	/* its original contents */
	bool		started;
	ChunkRouterEntry *current;	/* whose contents root holds, or NULL */
	ChunkRouter router;
} ChunkDispatchState;

static create_upper_paths_hook_type prev_create_upper_paths_hook = NULL;

static Plan *ChunkDispatchPlan(PlannerInfo *root, RelOptInfo *rel,
							   CustomPath *best_path, List *tlist,
							   List *clauses, List *custom_plans);
static Node *ChunkDispatchCreateState(CustomScan *cscan);
static void ChunkDispatchBegin(CustomScanState *node, EState *estate, int eflags);
static TupleTableSlot *ChunkDispatchExec(CustomScanState *node);
static void ChunkDispatchEnd(CustomScanState *node);
static void ChunkDispatchRescan(CustomScanState *node);

static const CustomPathMethods ChunkDispatchPathMethods = {
	.CustomName = CHUNK_DISPATCH_NAME,
	.PlanCustomPath = ChunkDispatchPlan,
};

static const CustomScanMethods ChunkDispatchScanMethods = {
	.CustomName = CHUNK_DISPATCH_NAME,
	.CreateCustomScanState = ChunkDispatchCreateState,
};

static const CustomExecMethods ChunkDispatchExecMethods = {
	.CustomName = CHUNK_DISPATCH_NAME,
	.BeginCustomScan = ChunkDispatchBegin,
	.ExecCustomScan = ChunkDispatchExec,
	.EndCustomScan = ChunkDispatchEnd,
	.ReScanCustomScan = ChunkDispatchRescan,
};

/* ----------------------------------------------------------------
 *		Planning
 * ----------------------------------------------------------------
 */

/* Puts a ChunkDispatch path between an INSERT's ModifyTable and its input. */
static void
ChunkDispatchWrap(ModifyTablePath *mtpath)
{
	Path	   *subpath = mtpath->subpath;
	CustomPath *path = makeNode(CustomPath);
	bool		speculative = mtpath->onconflict != NULL &&
		mtpath->onconflict->action != ONCONFLICT_NONE;

	path->path.pathtype = T_CustomScan;
	path->path.parent = subpath->parent;
	path->path.pathtarget = subpath->pathtarget;
	path->path.param_info = subpath->param_info;
	path->path.parallel_aware = false;
	path->path.parallel_safe = false;
	path->path.parallel_workers = 0;
	path->path.rows = subpath->rows;
	path->path.startup_cost = subpath->startup_cost;
	path->path.total_cost = subpath->total_cost + subpath->rows * cpu_tuple_cost;
	path->path.pathkeys = subpath->pathkeys;
	path->custom_paths = list_make1(subpath);
	path->custom_private = list_make1_int(speculative);
	path->methods = &ChunkDispatchPathMethods;
	mtpath->subpath = &path->path;
}

/*
 * At the final stage of planning, wraps the input of every INSERT into a
 * hypertable.  (UPDATE and DELETE work on the inheritance tree as they
 * do on any, MERGE's INSERT is stopped by the hypertable's trigger.)
 */
static void
ChunkDispatchUpperPaths(PlannerInfo *root, UpperRelationKind stage,
						RelOptInfo *input_rel, RelOptInfo *output_rel,
						void *extra)
{
	ListCell   *lc;

	if (prev_create_upper_paths_hook)
		prev_create_upper_paths_hook(root, stage, input_rel, output_rel, extra);
	if (stage != UPPERREL_FINAL || root->parse->commandType != CMD_INSERT)
		return;

	foreach(lc, output_rel->pathlist)
	{
		ModifyTablePath *mtpath = lfirst(lc);
		RangeTblEntry *rte;

		if (!IsA(mtpath, ModifyTablePath) || mtpath->operation != CMD_INSERT)
			continue;
		rte = planner_rt_fetch(linitial_int(mtpath->resultRelations), root);
		if (HypertableGet(rte->relid) != NULL)
			ChunkDispatchWrap(mtpath);
	}
}

static Plan *
ChunkDispatchPlan(PlannerInfo *root, RelOptInfo *rel, CustomPath *best_path,
				  List *tlist, List *clauses, List *custom_plans)
{
	CustomScan *cscan = makeNode(CustomScan);
	Plan	   *subplan = linitial(custom_plans);

	cscan->scan.plan.startup_cost = subplan->startup_cost;
	cscan->scan.plan.total_cost = best_path->path.total_cost;
	cscan->scan.plan.plan_rows = subplan->plan_rows;
	cscan->scan.plan.plan_width = subplan->plan_width;
	/* Rows pass through unchanged: output and scan tuple are the input's. */
	cscan->scan.plan.targetlist = tlist;
	cscan->custom_scan_tlist = tlist;
	cscan->scan.scanrelid = 0;
	cscan->custom_plans = custom_plans;
	cscan->custom_private = best_path->custom_private;
	cscan->methods = &ChunkDispatchScanMethods;
	return &cscan->scan.plan;
}

/* ----------------------------------------------------------------
 *		Execution
 * ----------------------------------------------------------------
 */

static Node *
ChunkDispatchCreateState(CustomScan *cscan)
{
	ChunkDispatchState *state = palloc0(sizeof(ChunkDispatchState));

	state->css.ss.ps.type = T_CustomScanState;
	state->css.methods = &ChunkDispatchExecMethods;
	state->speculative = linitial_int(cscan->custom_private);
	return (Node *) state;
}

static void
ChunkDispatchBegin(CustomScanState *node, EState *estate, int eflags)
{
	CustomScan *cscan = (CustomScan *) node->ss.ps.plan;
	ListCell   *lc;

	/* ModifyTable would read junk columns as scan Vars of ours: none here. */
	foreach(lc, cscan->scan.plan.targetlist)
		if (((TargetEntry *) lfirst(lc))->resjunk)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("this form of INSERT is not supported on hypertables")));
	node->custom_ps = list_make1(ExecInitNode(linitial(cscan->custom_plans),
											  estate, eflags));
}

/*
 * The ResultRelInfo of the ModifyTable above node: a ModifyTable is the top
 * of the statement's plan or of a subplan (a data-modifying WITH).
 */
static ResultRelInfo *
ChunkDispatchFindRoot(CustomScanState *node)
{
	EState	   *estate = node->ss.ps.state;
	PlannedStmt *stmt = estate->es_plannedstmt;
	List	   *tops = lcons(stmt->planTree, list_copy(stmt->subplans));
	ListCell   *lc;

	foreach(lc, tops)
	{
		ModifyTable *mt = lfirst(lc);

		if (mt != NULL && IsA(mt, ModifyTable) &&
			outerPlan(mt) == node->ss.ps.plan)
			return estate->es_result_relations[linitial_int(mt->resultRelations) - 1];
	}
	elog(ERROR, "ChunkDispatch is not below an INSERT");
	pg_unreachable();
}

/* Makes the root's struct hold entry's ResultRelInfo (NULL: the root's own). */
static void
ChunkDispatchSwap(ChunkDispatchState *state, ChunkRouterEntry *entry)
{
	if (state->current == entry)
		return;
	if (state->current != NULL)
		*state->current->rri = *state->root;
	*state->root = entry != NULL ? *entry->rri : state->root_saved;
	state->current = entry;
}

static TupleTableSlot *
ChunkDispatchExec(CustomScanState *node)
{
	ChunkDispatchState *state = (ChunkDispatchState *) node;
	TupleTableSlot *slot = ExecProcNode(linitial(node->custom_ps));

	if (TupIsNull(slot))
	{
		ChunkDispatchSwap(state, NULL);
		return NULL;
	}
	if (!state->started)
	{
		EState	   *estate = node->ss.ps.state;
		Oid			relid;
		const Hypertable *ht;

		state->root = ChunkDispatchFindRoot(node);
		state->root_saved = *state->root;
		relid = RelationGetRelid(state->root->ri_RelationDesc);
		ht = HypertableGet(relid);
		if (ht == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("table \"%s\" is no longer a hypertable",
							get_rel_name(relid))));
		ChunkRouterInit(&state->router, ht, estate, &state->root_saved,
						state->speculative);
		state->started = true;
	}
	ChunkDispatchSwap(state, ChunkRouterRoute(&state->router, slot));
	return slot;
}

static void
ChunkDispatchEnd(CustomScanState *node)
{
	ChunkDispatchState *state = (ChunkDispatchState *) node;

	if (state->started)
	{
		ChunkDispatchSwap(state, NULL);
		ChunkRouterClose(&state->router);
	}
	ExecEndNode(linitial(node->custom_ps));
}

static void
ChunkDispatchRescan(CustomScanState *node)
{
	ExecReScan(linitial(node->custom_ps));
}

/* Called by _PG_init. */
void
ChunkDispatchInit(void)
{
	RegisterCustomScanMethods(&ChunkDispatchScanMethods);
	prev_create_upper_paths_hook = create_upper_paths_hook;
	create_upper_paths_hook = ChunkDispatchUpperPaths;
}
