/*-------------------------------------------------------------------------
 *
 * columnar_summary.c
 *	  ColumnarSummary, a custom scan that answers "SELECT count(*), min(c),
 *	  max(c) FROM t" on a whole columnar table from its metadata: count(*)
 *	  is the rows of the row groups the snapshot sees, less the deletions it
 *	  sees; min and max come from the chunks' stored min/max, decoding only
 *	  chunks that hold deleted rows or keep no min/max; the delta store's
 *	  visible rows are read one by one.
 *
 *	  Guarantees: planned only for an aggregation without GROUP BY, HAVING
 *	  or grouping sets whose outputs use no column and no aggregate but
 *	  plain count(*), and min()/max() of a column whose sort operator is
 *	  the default btree "<" / ">" of the column's type, under the column's
 *	  collation, returning the column's type (no FILTER, DISTINCT or ORDER
 *	  BY), over one columnar table or materialized view read whole - no
 *	  WHERE, no row-level security qual, no inheritance, no TABLESAMPLE - so
 *	  it returns what the aggregation over a scan would.  It competes with
 *	  the plain aggregation on cost.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  columnstore/src/columnar_summary.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/nbtree.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/pg_aggregate.h"
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
#include "parser/parse_coerce.h"
#include "parser/parsetree.h"
#include "storage/bufmgr.h"
#include "utils/datum.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/typcache.h"

/* What one output column of the node is. */
typedef enum SummaryKind
{
	SUMMARY_COUNT,
	SUMMARY_MIN,
	SUMMARY_MAX
} SummaryKind;

/* One min() or max() being computed. */
typedef struct Extreme
{
	SummaryKind kind;
	AttrNumber	attnum;
	Form_pg_attribute att;
	FmgrInfo   *cmp;			/* the type's btree comparison */
	bool		found;
	Datum		value;			/* in the node's query memory */
} Extreme;

typedef struct ColumnarSummaryState
{
	CustomScanState css;
	Relation	rel;
	bool		done;
} ColumnarSummaryState;

static create_upper_paths_hook_type prev_create_upper_paths_hook = NULL;

static Plan *PlanSummaryPath(PlannerInfo *root, RelOptInfo *rel, CustomPath *best_path,
							 List *tlist, List *clauses, List *custom_plans);
static Node *CreateSummaryState(CustomScan *cscan);
static void BeginSummary(CustomScanState *node, EState *estate, int eflags);
static TupleTableSlot *ExecSummary(CustomScanState *node);
static void EndSummary(CustomScanState *node);
static void ReScanSummary(CustomScanState *node);
static void ExplainSummary(CustomScanState *node, List *ancestors, ExplainState *es);

static const CustomPathMethods SummaryPathMethods = {
	.CustomName = "ColumnarSummary",
	.PlanCustomPath = PlanSummaryPath,
};

static const CustomScanMethods SummaryScanMethods = {
	.CustomName = "ColumnarSummary",
	.CreateCustomScanState = CreateSummaryState,
};

static const CustomExecMethods SummaryExecMethods = {
	.CustomName = "ColumnarSummary",
	.BeginCustomScan = BeginSummary,
	.ExecCustomScan = ExecSummary,
	.EndCustomScan = EndSummary,
	.ReScanCustomScan = ReScanSummary,
	.ExplainCustomScan = ExplainSummary,
};

/* Whether "agg" is a plain aggregate of this query level (no FILTER...). */
static bool
IsPlainAggregate(Aggref *agg)
{
	return agg->aggfilter == NULL && agg->aggdistinct == NIL && agg->aggorder == NIL &&
		agg->agglevelsup == 0 && agg->aggsplit == AGGSPLIT_SIMPLE;
}

/*
 * What "node" computes for a summary of relation "relid" (range table index
 * "varno"): count(*), or min()/max() of a column by its type's default
 * order and collation, setting *attnum; -1 when it is none of them.  The
 * column may reach the aggregate through a binary-compatible cast, as a
 * varchar column reaches max(text): the chunks' min/max, kept by the
 * column type's default order (text's for varchar), are then its values.
 */
static int
SummaryKindOf(Node *node, Index varno, AttrNumber *attnum)
{
	Aggref	   *agg = (Aggref *) node;
	Var		   *var;
	HeapTuple	tuple;
	Oid			sortop;
	Oid			opfamily;
	int			strategy;

	if (!IsA(node, Aggref) || !IsPlainAggregate(agg))
		return -1;
	if (agg->aggfnoid == F_COUNT_ && agg->aggstar)
		return SUMMARY_COUNT;
	if (agg->aggstar || list_length(agg->args) != 1)
		return -1;
	var = (Var *) ((TargetEntry *) linitial(agg->args))->expr;
	if (IsA(var, RelabelType))
		var = (Var *) ((RelabelType *) var)->arg;
	if (!IsA(var, Var) || var->varno != varno || var->varlevelsup != 0 || var->varattno <= 0 ||
		agg->inputcollid != var->varcollid ||
		(agg->aggtype != var->vartype && !IsBinaryCoercible(var->vartype, agg->aggtype)) ||
		ColumnarBtreeFamily(var->vartype) != ColumnarBtreeFamily(agg->aggtype))
		return -1;

	tuple = SearchSysCache1(AGGFNOID, ObjectIdGetDatum(agg->aggfnoid));
	if (!HeapTupleIsValid(tuple))
		return -1;
	sortop = ((Form_pg_aggregate) GETSTRUCT(tuple))->aggsortop;
	ReleaseSysCache(tuple);
	opfamily = ColumnarBtreeFamily(var->vartype);
	if (!OidIsValid(sortop) || !OidIsValid(opfamily))
		return -1;
	strategy = get_op_opfamily_strategy(sortop, opfamily);
	*attnum = var->varattno;
	if (strategy == BTLessStrategyNumber)
		return SUMMARY_MIN;
	if (strategy == BTGreaterStrategyNumber)
		return SUMMARY_MAX;
	return -1;
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
 * The aggregates that the outputs "exprs" use, with their kinds and
 * columns, if they are all summaries and the outputs use no column,
 * placeholder, window function or subquery; else false.
 */
static bool
SummaryAggregates(List *exprs, Index varno, List **aggs, List **kinds, List **attnums)
{
	ListCell   *lc;

	*aggs = *kinds = *attnums = NIL;
	if (contain_subplans((Node *) exprs))
		return false;
	foreach(lc, pull_var_clause((Node *) exprs, PVC_INCLUDE_AGGREGATES |
								PVC_INCLUDE_WINDOWFUNCS | PVC_INCLUDE_PLACEHOLDERS))
	{
		AttrNumber	attnum = 0;
		int			kind = SummaryKindOf((Node *) lfirst(lc), varno, &attnum);

		if (kind < 0)
			return false;
		if (list_member(*aggs, lfirst(lc)))
			continue;
		*aggs = lappend(*aggs, lfirst(lc));
		*kinds = lappend_int(*kinds, kind);
		*attnums = lappend_int(*attnums, attnum);
	}
	return *aggs != NIL;
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
	List	   *aggs;
	List	   *kinds;
	List	   *attnums;
	Oid			relid;

	if (prev_create_upper_paths_hook)
		prev_create_upper_paths_hook(root, stage, input_rel, output_rel, extra);
	if (stage != UPPERREL_GROUP_AGG || parse->groupClause != NIL ||
		parse->groupingSets != NIL || parse->havingQual != NULL ||
		parse->hasWindowFuncs || parse->hasTargetSRFs ||
		!OidIsValid(relid = WholeColumnarRelation(root, input_rel)) ||
		!SummaryAggregates(output_rel->reltarget->exprs, input_rel->relid, &aggs, &kinds,
						   &attnums))
		return;

	path = makeNode(CustomPath);
	path->path.pathtype = T_CustomScan;
	path->path.parent = output_rel;
	path->path.pathtarget = output_rel->reltarget;
	path->path.rows = 1;

	/*
	 * It reads the delta store row by row, as every scan of the whole table
	 * does, and mostly catalog rows instead of the row groups' values:
	 * never more than half of the cheapest scan.
	 */
	path->path.startup_cost = 0;
	path->path.total_cost = Min(10.0 + DeltaPages(relid) * (seq_page_cost + 100 * cpu_tuple_cost),
								input_rel->cheapest_total_path->total_cost / 2);
	path->custom_private = list_make4(list_make1_oid(relid), aggs, kinds, attnums);
	path->methods = &SummaryPathMethods;
	add_path(output_rel, &path->path);
}

static Plan *
PlanSummaryPath(PlannerInfo *root, RelOptInfo *rel, CustomPath *best_path, List *tlist,
				List *clauses, List *custom_plans)
{
	CustomScan *cscan = makeNode(CustomScan);
	List	   *scan_tlist = NIL;
	ListCell   *lc;
	int			resno = 1;

	/*
	 * The node's own tuple: one column per distinct aggregate; the outputs
	 * are computed from them (setrefs makes them references).
	 */
	foreach(lc, (List *) lsecond(best_path->custom_private))
		scan_tlist = lappend(scan_tlist, makeTargetEntry((Expr *) copyObject(lfirst(lc)),
														 resno++, NULL, false));
	cscan->scan.plan.targetlist = tlist;
	cscan->scan.scanrelid = 0;
	cscan->custom_scan_tlist = scan_tlist;
	cscan->custom_private = list_make3(linitial(best_path->custom_private),
									   lthird(best_path->custom_private),
									   lfourth(best_path->custom_private));
	cscan->methods = &SummaryScanMethods;
	return &cscan->scan.plan;
}

static Node *
CreateSummaryState(CustomScan *cscan)
{
	ColumnarSummaryState *state = palloc0(sizeof(ColumnarSummaryState));

	NodeSetTag(state, T_CustomScanState);
	state->css.methods = &SummaryExecMethods;
	return (Node *) state;
}

static void
BeginSummary(CustomScanState *node, EState *estate, int eflags)
{
	ColumnarSummaryState *state = (ColumnarSummaryState *) node;
	Oid			relid = linitial_oid((List *) linitial(((CustomScan *) node->ss.ps.plan)->custom_private));

	state->rel = table_open(relid, AccessShareLock);
}

/* Makes "value" the extreme's value if it beats the one found so far. */
static void
Consider(Extreme *e, Datum value)
{
	int			cmp;

	if (e->found)
	{
		cmp = DatumGetInt32(FunctionCall2Coll(e->cmp, e->att->attcollation, value, e->value));
		if (e->kind == SUMMARY_MIN ? cmp >= 0 : cmp <= 0)
			return;
		if (!e->att->attbyval)
			pfree(DatumGetPointer(e->value));
	}
	e->value = datumCopy(value, e->att->attbyval, e->att->attlen);
	e->found = true;
}

/*
 * Considers the values of chunk "chunkno" of "rg" that are not deleted
 * ("deleted": offsets in the row group), decoding the chunk.
 */
static void
ConsiderDecodedChunk(Relation rel, Extreme *e, ColumnarRowGroup *rg, int chunkno,
					 Bitmapset *deleted, MemoryContext context)
{
	ColumnarChunk *chunk = &rg->chunks[e->attnum - 1][chunkno];
	MemoryContext old = MemoryContextSwitchTo(context);
	ColumnarChunkData data;

	ColumnarInitChunkData(&data, context);
	ColumnarLoadChunk(rel, e->att, chunk, &data, true);
	ColumnarDecodeLoadedChunk(rel, e->att, chunk, &data);
	MemoryContextSwitchTo(old);
	for (int i = 0; i < data.row_count; i++)
	{
		if (!data.nulls[i] && !bms_is_member(chunkno * rg->chunk_rows + i, deleted))
			Consider(e, data.values[i]);
	}
	MemoryContextReset(context);
}

/* Whether any offset in [from, to) is in "deleted". */
static bool
AnyDeleted(Bitmapset *deleted, int from, int to)
{
	int			member = bms_next_member(deleted, from - 1);

	return member >= 0 && member < to;
}

/*
 * Considers the rows of row group "rg" that "deleted" leaves: from each
 * chunk's stored min/max when none of its rows is deleted, else by decoding.
 */
static void
ConsiderRowGroup(Relation rel, Extreme *e, ColumnarRowGroup *rg, Bitmapset *deleted,
				 MemoryContext context)
{
	if (bms_num_members(deleted) >= rg->row_count)
		return;					/* every row deleted */
	for (int c = 0; c < rg->chunk_count; c++)
	{
		ColumnarChunk *chunk = &rg->chunks[e->attnum - 1][c];
		int			from = c * rg->chunk_rows;
		int			to = (int) Min((int64) from + rg->chunk_rows, rg->row_count);
		bool		isnull;
		Datum		value;

		CHECK_FOR_INTERRUPTS();
		if (chunk->row_count == 0)
		{
			/* the column was added later: every live row has its default */
			if (bms_num_members(deleted) < rg->row_count)
			{
				value = getmissingattr(RelationGetDescr(rel), e->attnum, &isnull);
				if (!isnull)
					Consider(e, value);
			}
			return;
		}
		if (chunk->null_count == chunk->row_count)
			continue;
		if (!chunk->has_minmax || AnyDeleted(deleted, from, to))
			ConsiderDecodedChunk(rel, e, rg, c, deleted, context);
		else
		{
			MemoryContext old = MemoryContextSwitchTo(context);

			value = ColumnarImageToDatum(rel, e->att, e->kind == SUMMARY_MIN ?
										 chunk->min_image : chunk->max_image);
			MemoryContextSwitchTo(old);
			Consider(e, value);
			MemoryContextReset(context);
		}
	}
}

/*
 * Counts the delta store's rows that "snapshot" sees, and considers their
 * values for the extremes.
 */
static int64
ReadDeltaRows(Relation rel, Snapshot snapshot, Extreme *extremes, int nextremes)
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
		for (int i = 0; i < nextremes; i++)
		{
			bool		isnull;
			Datum		value = slot_getattr(slot, extremes[i].attnum, &isnull);

			if (!isnull)
				Consider(&extremes[i], value);
		}
	}
	heap->scan_end(scan);
	ExecDropSingleTupleTableSlot(slot);
	return rows;
}

/*
 * Computes every output: returns the rows "snapshot" sees and fills in
 * "extremes".  Without extremes the row count needs no chunk metadata.
 */
static int64
Summarize(Relation rel, Snapshot snapshot, Extreme *extremes, int nextremes)
{
	int64		rows = 0;
	MemoryContext context = AllocSetContextCreate(CurrentMemoryContext, "columnar summary",
												  ALLOCSET_DEFAULT_SIZES);

	if (nextremes == 0)
		rows = ColumnarLiveRows(rel, snapshot);
	else
	{
		ColumnarStorageMap *map = ColumnarReadStorageMap(rel, snapshot);
		Oid			storage_id = ColumnarStorageId(rel);

		for (int g = 0; g < map->count; g++)
		{
			Bitmapset  *deleted = ColumnarDeletedRowsInGroup(storage_id, map->row_groups[g],
															 snapshot, InvalidTransactionId);

			rows += map->row_groups[g]->row_count - bms_num_members(deleted);
			for (int i = 0; i < nextremes; i++)
				ConsiderRowGroup(rel, &extremes[i], map->row_groups[g], deleted, context);
			bms_free(deleted);
		}
	}
	rows += ReadDeltaRows(rel, snapshot, extremes, nextremes);
	MemoryContextDelete(context);
	return rows;
}

static TupleTableSlot *
ExecSummary(CustomScanState *node)
{
	ColumnarSummaryState *state = (ColumnarSummaryState *) node;
	List	   *private = ((CustomScan *) node->ss.ps.plan)->custom_private;
	List	   *kinds = lsecond(private);
	List	   *attnums = lthird(private);
	TupleTableSlot *slot = node->ss.ss_ScanTupleSlot;
	Extreme    *extremes = palloc0(sizeof(Extreme) * Max(list_length(kinds), 1));
	int		   *column_extreme = palloc(sizeof(int) * Max(list_length(kinds), 1));
	int			nextremes = 0;
	int64		rows;

	if (state->done)
		return NULL;
	state->done = true;

	for (int i = 0; i < list_length(kinds); i++)
	{
		Extreme    *e = &extremes[nextremes];

		column_extreme[i] = -1;
		if (list_nth_int(kinds, i) == SUMMARY_COUNT)
			continue;
		e->kind = (SummaryKind) list_nth_int(kinds, i);
		e->attnum = (AttrNumber) list_nth_int(attnums, i);
		e->att = TupleDescAttr(RelationGetDescr(state->rel), e->attnum - 1);
		e->cmp = &lookup_type_cache(e->att->atttypid, TYPECACHE_CMP_PROC_FINFO)->cmp_proc_finfo;
		if (!OidIsValid(e->cmp->fn_oid))
			elog(ERROR, "type %u has no btree comparison", e->att->atttypid);
		column_extreme[i] = nextremes++;
	}
	rows = Summarize(state->rel, node->ss.ps.state->es_snapshot, extremes, nextremes);

	ExecClearTuple(slot);
	for (int i = 0; i < list_length(kinds); i++)
	{
		Extreme    *e = column_extreme[i] < 0 ? NULL : &extremes[column_extreme[i]];

		slot->tts_isnull[i] = e != NULL && !e->found;
		slot->tts_values[i] = e == NULL ? Int64GetDatum(rows) : e->found ? e->value : (Datum) 0;
	}
	ExecStoreVirtualTuple(slot);
	if (node->ss.ps.ps_ProjInfo == NULL)
		return slot;
	node->ss.ps.ps_ExprContext->ecxt_scantuple = slot;
	return ExecProject(node->ss.ps.ps_ProjInfo);
}

static void
EndSummary(CustomScanState *node)
{
	table_close(((ColumnarSummaryState *) node)->rel, NoLock);
}

static void
ReScanSummary(CustomScanState *node)
{
	((ColumnarSummaryState *) node)->done = false;
}

static void
ExplainSummary(CustomScanState *node, List *ancestors, ExplainState *es)
{
	ExplainPropertyText("Table", RelationGetRelationName(((ColumnarSummaryState *) node)->rel),
						es);
}

/*
 * ColumnarInstallSummary - register the custom scan and its planner hook;
 * called once from _PG_init.
 */
void
ColumnarInstallSummary(void)
{
	RegisterCustomScanMethods(&SummaryScanMethods);
	prev_create_upper_paths_hook = create_upper_paths_hook;
	create_upper_paths_hook = ColumnarCreateUpperPaths;
}
