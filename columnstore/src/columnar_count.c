/*-------------------------------------------------------------------------
 *
 * columnar_count.c
 *	  ColumnarCount, a custom scan that answers "SELECT count(*) FROM t" on
 *	  a whole columnar table from its metadata: the rows of the row groups
 *	  the snapshot sees, less the deletions it sees, plus the delta store's
 *	  visible rows (the only part read row by row).
 *
 *	  Guarantees: planned only for an aggregation without GROUP BY, HAVING
 *	  or grouping sets whose outputs use no aggregate but plain count(*) (no
 *	  FILTER, DISTINCT or ORDER BY) and no column, over one columnar table
 *	  or materialized view
 *	  read whole - no WHERE, no row-level security qual, no inheritance, no
 *	  TABLESAMPLE - so it counts exactly the rows a scan would return.  It
 *	  competes with the plain aggregation on cost.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  columnstore/src/columnar_count.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include "access/heapam.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/pg_class.h"
#include "columnar.h"
#include "commands/explain.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "nodes/extensible.h"
#include "nodes/makefuncs.h"
#include "optimizer/clauses.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/planner.h"
#include "parser/parsetree.h"
#include "storage/bufmgr.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

typedef struct ColumnarCountState
{
	CustomScanState css;
	Relation	rel;
	bool		done;
} ColumnarCountState;

static create_upper_paths_hook_type prev_create_upper_paths_hook = NULL;

static Plan *PlanCountPath(PlannerInfo *root, RelOptInfo *rel, CustomPath *best_path,
						   List *tlist, List *clauses, List *custom_plans);
static Node *CreateCountState(CustomScan *cscan);
static void BeginCount(CustomScanState *node, EState *estate, int eflags);
static TupleTableSlot *ExecCount(CustomScanState *node);
static void EndCount(CustomScanState *node);
static void ReScanCount(CustomScanState *node);
static void ExplainCount(CustomScanState *node, List *ancestors, ExplainState *es);

static const CustomPathMethods CountPathMethods = {
	.CustomName = "ColumnarCount",
	.PlanCustomPath = PlanCountPath,
};

static const CustomScanMethods CountScanMethods = {
	.CustomName = "ColumnarCount",
	.CreateCustomScanState = CreateCountState,
};

static const CustomExecMethods CountExecMethods = {
	.CustomName = "ColumnarCount",
	.BeginCustomScan = BeginCount,
	.ExecCustomScan = ExecCount,
	.EndCustomScan = EndCount,
	.ReScanCustomScan = ReScanCount,
	.ExplainCustomScan = ExplainCount,
};

/* Whether "node" is a plain count(*) of this query level. */
static bool
IsPlainCountStar(Node *node)
{
	Aggref	   *agg = (Aggref *) node;

	return IsA(node, Aggref) && agg->aggfnoid == F_COUNT_ && agg->aggstar &&
		agg->aggfilter == NULL && agg->aggdistinct == NIL && agg->aggorder == NIL &&
		agg->agglevelsup == 0 && agg->aggsplit == AGGSPLIT_SIMPLE;
}

/*
 * The columnar table or materialized view that an aggregation over
 * "input_rel" reads whole, or InvalidOid.
 */
static Oid
WholeColumnarRelation(PlannerInfo *root, RelOptInfo *input_rel)
{
	RangeTblEntry *rte;

	if (input_rel->reloptkind != RELOPT_BASEREL || input_rel->baserestrictinfo != NIL)
		return InvalidOid;
	rte = planner_rt_fetch(input_rel->relid, root);
	if (rte->rtekind != RTE_RELATION || rte->inh || rte->tablesample != NULL ||
		rte->securityQuals != NIL ||
		(rte->relkind != RELKIND_RELATION && rte->relkind != RELKIND_MATVIEW) ||
		!ColumnarRelidIsColumnar(rte->relid))
		return InvalidOid;
	return rte->relid;
}

/*
 * The count(*) aggregates that the outputs "exprs" use, if they use no
 * other aggregate, no column, placeholder or window function and no
 * subquery; else NIL.
 */
static List *
CountStars(List *exprs)
{
	List	   *counts = NIL;
	ListCell   *lc;

	if (contain_subplans((Node *) exprs))
		return NIL;
	foreach(lc, pull_var_clause((Node *) exprs, PVC_INCLUDE_AGGREGATES |
								PVC_INCLUDE_WINDOWFUNCS | PVC_INCLUDE_PLACEHOLDERS))
	{
		if (!IsPlainCountStar((Node *) lfirst(lc)))
			return NIL;
		counts = list_append_unique(counts, lfirst(lc));
	}
	return counts;
}

/* The pages of the delta store of "relid": its main fork. */
static BlockNumber
DeltaPages(Oid relid)
{
	Relation	rel = table_open(relid, NoLock);
	BlockNumber pages = RelationGetNumberOfBlocks(rel);

	table_close(rel, NoLock);
	return pages;
}

static void
ColumnarCreateUpperPaths(PlannerInfo *root, UpperRelationKind stage, RelOptInfo *input_rel,
						 RelOptInfo *output_rel, void *extra)
{
	Query	   *parse = root->parse;
	CustomPath *path;
	List	   *counts;
	Oid			relid;

	if (prev_create_upper_paths_hook)
		prev_create_upper_paths_hook(root, stage, input_rel, output_rel, extra);
	if (stage != UPPERREL_GROUP_AGG || parse->groupClause != NIL ||
		parse->groupingSets != NIL || parse->havingQual != NULL ||
		parse->hasWindowFuncs || parse->hasTargetSRFs ||
		!OidIsValid(relid = WholeColumnarRelation(root, input_rel)) ||
		(counts = CountStars(output_rel->reltarget->exprs)) == NIL)
		return;

	path = makeNode(CustomPath);
	path->path.pathtype = T_CustomScan;
	path->path.parent = output_rel;
	path->path.pathtarget = output_rel->reltarget;
	path->path.rows = 1;
	/*
	 * It reads the delta store row by row, as every scan of the whole table
	 * does, and the row groups' catalog rows instead of their values: never
	 * more than half of the cheapest scan.
	 */
	path->path.startup_cost = 0;
	path->path.total_cost = Min(10.0 + DeltaPages(relid) * (seq_page_cost + 100 * cpu_tuple_cost),
								input_rel->cheapest_total_path->total_cost / 2);
	path->custom_private = list_make2(list_make1_oid(relid), counts);
	path->methods = &CountPathMethods;
	add_path(output_rel, &path->path);
}

static Plan *
PlanCountPath(PlannerInfo *root, RelOptInfo *rel, CustomPath *best_path, List *tlist,
			  List *clauses, List *custom_plans)
{
	CustomScan *cscan = makeNode(CustomScan);
	List	   *scan_tlist = NIL;
	ListCell   *lc;
	int			resno = 1;

	/*
	 * The node's own tuple: one int8 column per distinct count(*); the
	 * outputs are computed from them (setrefs makes them references).
	 */
	foreach(lc, (List *) lsecond(best_path->custom_private))
		scan_tlist = lappend(scan_tlist, makeTargetEntry((Expr *) copyObject(lfirst(lc)),
														 resno++, NULL, false));
	cscan->scan.plan.targetlist = tlist;
	cscan->scan.scanrelid = 0;
	cscan->custom_scan_tlist = scan_tlist;
	cscan->custom_private = linitial(best_path->custom_private);
	cscan->methods = &CountScanMethods;
	return &cscan->scan.plan;
}

static Node *
CreateCountState(CustomScan *cscan)
{
	ColumnarCountState *state = palloc0(sizeof(ColumnarCountState));

	NodeSetTag(state, T_CustomScanState);
	state->css.methods = &CountExecMethods;
	return (Node *) state;
}

static void
BeginCount(CustomScanState *node, EState *estate, int eflags)
{
	ColumnarCountState *state = (ColumnarCountState *) node;
	Oid			relid = linitial_oid(((CustomScan *) node->ss.ps.plan)->custom_private);

	state->rel = table_open(relid, AccessShareLock);
}

/* The rows of the delta store that "snapshot" sees. */
static int64
CountDeltaRows(Relation rel, Snapshot snapshot)
{
	const TableAmRoutine *heap = GetHeapamTableAmRoutine();
	TupleTableSlot *slot = MakeSingleTupleTableSlot(RelationGetDescr(rel),
													&TTSOpsBufferHeapTuple);
	TableScanDesc scan = heap->scan_begin(rel, snapshot, 0, NULL, NULL,
										  SO_TYPE_SEQSCAN | SO_ALLOW_STRAT |
										  SO_ALLOW_PAGEMODE);
	int64		rows = 0;

	while (heap->scan_getnextslot(scan, ForwardScanDirection, slot))
	{
		CHECK_FOR_INTERRUPTS();
		rows++;
	}
	heap->scan_end(scan);
	ExecDropSingleTupleTableSlot(slot);
	return rows;
}

static TupleTableSlot *
ExecCount(CustomScanState *node)
{
	ColumnarCountState *state = (ColumnarCountState *) node;
	TupleTableSlot *slot = node->ss.ss_ScanTupleSlot;
	Snapshot	snapshot = node->ss.ps.state->es_snapshot;
	int64		rows;

	if (state->done)
		return NULL;
	state->done = true;
	rows = ColumnarLiveRows(state->rel, snapshot) + CountDeltaRows(state->rel, snapshot);

	ExecClearTuple(slot);
	for (int i = 0; i < slot->tts_tupleDescriptor->natts; i++)
	{
		slot->tts_values[i] = Int64GetDatum(rows);
		slot->tts_isnull[i] = false;
	}
	ExecStoreVirtualTuple(slot);
	if (node->ss.ps.ps_ProjInfo == NULL)
		return slot;
	node->ss.ps.ps_ExprContext->ecxt_scantuple = slot;
	return ExecProject(node->ss.ps.ps_ProjInfo);
}

static void
EndCount(CustomScanState *node)
{
	table_close(((ColumnarCountState *) node)->rel, NoLock);
}

static void
ReScanCount(CustomScanState *node)
{
	((ColumnarCountState *) node)->done = false;
}

static void
ExplainCount(CustomScanState *node, List *ancestors, ExplainState *es)
{
	ExplainPropertyText("Table", RelationGetRelationName(((ColumnarCountState *) node)->rel),
						es);
}

/*
 * ColumnarInstallCount - register the custom scan and its planner hook;
 * called once from _PG_init.
 */
void
ColumnarInstallCount(void)
{
	RegisterCustomScanMethods(&CountScanMethods);
	prev_create_upper_paths_hook = create_upper_paths_hook;
	create_upper_paths_hook = ColumnarCreateUpperPaths;
}
