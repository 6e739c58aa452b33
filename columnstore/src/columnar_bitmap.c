/*-------------------------------------------------------------------------
 *
 * columnar_bitmap.c
 *	  ColumnarBitmapScan: bitmap scans of columnar tables, so that GIN
 *	  indexes (which only build bitmaps) and ANDs and ORs of btree
 *	  conditions serve queries on them.
 *
 *	  PostgreSQL's Bitmap Heap Scan prefetches the blocks of its bitmap,
 *	  and the virtual block numbers of row groups are not blocks of the
 *	  file.  So each bitmap heap path the planner builds for a columnar
 *	  table is replaced by this node, with the same costs, which keeps the
 *	  planned Bitmap Heap Scan as its plan child only to carry what the
 *	  planner made of it: the bitmap's index plan (run by this node) and
 *	  the original index conditions (to recheck lossy and inexact rows).
 *	  Each TID of the bitmap is fetched as an index scan fetches it (the
 *	  table AM's index fetch: delta rows through their HOT chains, row-group
 *	  rows by row number), so visibility is what an index scan would see;
 *	  a lossy block is read offset by offset.  Parallel bitmap paths are
 *	  dropped.
 *
 *	  A BRIN index summarizes the delta store's block ranges only (row
 *	  groups keep the same summary per chunk), so a bitmap with a BRIN index
 *	  scan in it says nothing of row-group rows: such a scan takes the delta
 *	  store's rows from the bitmap and reads the row groups as a columnar
 *	  scan does, skipping the chunks whose min/max rule out the conditions,
 *	  and rechecks every row.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  columnstore/src/columnar_bitmap.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/sysattr.h"
#include "access/tableam.h"
#include "catalog/pg_am.h"
#include "catalog/pg_class.h"
#include "columnar.h"
#include "commands/explain.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "nodes/extensible.h"
#include "nodes/tidbitmap.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "utils/rel.h"
#include "utils/syscache.h"

/* custom_private: flags, then with a BRIN index the row groups' read */
enum
{
	PRIVATE_FLAGS,				/* IntList: a BRIN index is in the bitmap, the
								 * row groups' read needs the whole row */
	PRIVATE_ATTRS,				/* IntList: columns it decodes otherwise */
	PRIVATE_FILTERS				/* ColumnarPlanChunkFilters' lists */
};

typedef struct BitmapScanState
{
	CustomScanState css;
	PlanState  *bitmap_plan;	/* the index plan that builds the bitmap */
	ExprState  *recheck;		/* the index conditions */
	IndexFetchTableData *fetch;
	TupleTableSlot *fetch_slot; /* of the table AM's type: the scan slot is
								 * virtual */
	TIDBitmap  *bitmap;
	TBMIterator *iterator;
	TBMIterateResult *block;	/* the block being read, or NULL */
	int			next;			/* next offset (index, or offset - 1 when lossy) */
	int64		lossy_blocks;
	int64		rows_fetched;
	/* with a BRIN index in the bitmap: the row groups, read after it */
	bool		row_groups_apart;
	Bitmapset  *attrs_needed;	/* NULL: all columns */
	ColumnarChunkFilterSet filters;
	ColumnarReadState *reader;	/* once the bitmap's rows are done */
	int64		chunks_skipped;
} BitmapScanState;

static Plan *PlanBitmapPath(PlannerInfo *root, RelOptInfo *rel, CustomPath *path,
							List *tlist, List *clauses, List *custom_plans);
static Node *CreateBitmapState(CustomScan *cscan);
static void BeginBitmapScan(CustomScanState *node, EState *estate, int eflags);
static TupleTableSlot *ExecBitmapScan(CustomScanState *node);
static void EndBitmapScan(CustomScanState *node);
static void ReScanBitmapScan(CustomScanState *node);
static void ExplainBitmapScan(CustomScanState *node, List *ancestors, ExplainState *es);

static const CustomPathMethods BitmapPathMethods = {
	.CustomName = "ColumnarBitmapScan",
	.PlanCustomPath = PlanBitmapPath,
};

static const CustomScanMethods BitmapScanMethods = {
	.CustomName = "ColumnarBitmapScan",
	.CreateCustomScanState = CreateBitmapState,
};

static const CustomExecMethods BitmapExecMethods = {
	.CustomName = "ColumnarBitmapScan",
	.BeginCustomScan = BeginBitmapScan,
	.ExecCustomScan = ExecBitmapScan,
	.EndCustomScan = EndBitmapScan,
	.ReScanCustomScan = ReScanBitmapScan,
	.ExplainCustomScan = ExplainBitmapScan,
};

/* A ColumnarBitmapScan path standing for bitmap heap path "bitmap_path". */
static Path *
WrapBitmapPath(RelOptInfo *rel, Path *bitmap_path)
{
	CustomPath *cpath = makeNode(CustomPath);

	cpath->path = *bitmap_path;
	cpath->path.type = T_CustomPath;
	cpath->path.pathtype = T_CustomScan;
	cpath->path.parent = rel;
	cpath->path.parallel_aware = false;
	cpath->path.pathkeys = NIL;
	cpath->custom_paths = list_make1(bitmap_path);
	cpath->methods = &BitmapPathMethods;
	return &cpath->path;
}

/*
 * ColumnarReplaceBitmapPaths - put a ColumnarBitmapScan in place of every
 * bitmap heap path of columnar relation "rel" (same costs, so the choices
 * add_path made stay right), and drop its parallel bitmap paths.
 */
void
ColumnarReplaceBitmapPaths(RelOptInfo *rel)
{
	ListCell   *lc;

	foreach(lc, rel->pathlist)
	{
		Path	   *path = (Path *) lfirst(lc);

		if (IsA(path, BitmapHeapPath))
			lfirst(lc) = WrapBitmapPath(rel, path);
	}
	foreach(lc, rel->partial_pathlist)
	{
		if (IsA(lfirst(lc), BitmapHeapPath))
			rel->partial_pathlist = foreach_delete_current(rel->partial_pathlist, lc);
	}
}

/* The access method of index "indexid". */
static Oid
IndexAccessMethod(Oid indexid)
{
	HeapTuple	tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(indexid));
	Oid			am;

	if (!HeapTupleIsValid(tuple))
		elog(ERROR, "cache lookup failed for index %u", indexid);
	am = ((Form_pg_class) GETSTRUCT(tuple))->relam;
	ReleaseSysCache(tuple);
	return am;
}

/* Whether bitmap plan "plan" scans a BRIN index. */
static bool
ScansBrinIndex(Plan *plan)
{
	ListCell   *lc;

	if (IsA(plan, BitmapIndexScan))
		return IndexAccessMethod(((BitmapIndexScan *) plan)->indexid) == BRIN_AM_OID;
	foreach(lc, IsA(plan, BitmapAnd) ? ((BitmapAnd *) plan)->bitmapplans :
			IsA(plan, BitmapOr) ? ((BitmapOr *) plan)->bitmapplans : NIL)
		if (ScansBrinIndex(lfirst(lc)))
			return true;
	return false;
}

/*
 * The columns the row groups' read decodes: those of the targetlist, the
 * filter and the index conditions, with *whole_row when they need it.
 */
static List *
NeededColumns(Index relid, List *tlist, List *qual, List *index_quals, bool *whole_row)
{
	Bitmapset  *attrs = NULL;

	pull_varattnos((Node *) tlist, relid, &attrs);
	pull_varattnos((Node *) qual, relid, &attrs);
	pull_varattnos((Node *) index_quals, relid, &attrs);
	*whole_row = bms_is_member(InvalidAttrNumber - FirstLowInvalidHeapAttributeNumber, attrs);
	return ColumnarAttnumList(attrs);
}

/*
 * The plan: the planned Bitmap Heap Scan is the only child; the node's
 * filter is the Bitmap Heap Scan's (the conditions the index does not
 * check), its targetlist the one asked for.  custom_exprs: the index
 * conditions, then the chunk filters' values (with a BRIN index).
 */
static Plan *
PlanBitmapPath(PlannerInfo *root, RelOptInfo *rel, CustomPath *path, List *tlist,
			   List *clauses, List *custom_plans)
{
	CustomScan *cscan = makeNode(CustomScan);
	BitmapHeapScan *heap_scan = linitial(custom_plans);
	List	   *values = NIL;
	List	   *attnums;
	bool		whole_row;

	Assert(IsA(heap_scan, BitmapHeapScan));
	cscan->scan.scanrelid = rel->relid;
	cscan->scan.plan.targetlist = tlist;
	cscan->scan.plan.qual = copyObject(heap_scan->scan.plan.qual);
	cscan->custom_plans = custom_plans;
	cscan->methods = &BitmapScanMethods;
	if (!ScansBrinIndex(outerPlan(heap_scan)))
	{
		cscan->custom_exprs = list_make2(copyObject(heap_scan->bitmapqualorig), NIL);
		cscan->custom_private = list_make1(list_make2_int(0, 0));
		return &cscan->scan.plan;
	}
	attnums = NeededColumns(rel->relid, tlist, heap_scan->scan.plan.qual,
							heap_scan->bitmapqualorig, &whole_row);
	cscan->custom_private =
		list_make3(list_make2_int(1, whole_row ? 1 : 0), attnums,
				   ColumnarPlanChunkFilters(list_concat_copy(heap_scan->bitmapqualorig,
															 heap_scan->scan.plan.qual),
											rel->relid, &values));
	cscan->custom_exprs = list_make2(copyObject(heap_scan->bitmapqualorig), values);
	return &cscan->scan.plan;
}

static Node *
CreateBitmapState(CustomScan *cscan)
{
	BitmapScanState *state = (BitmapScanState *) newNode(sizeof(BitmapScanState),
														 T_CustomScanState);

	state->css.methods = &BitmapExecMethods;
	return (Node *) state;
}

static void
BeginBitmapScan(CustomScanState *node, EState *estate, int eflags)
{
	BitmapScanState *state = (BitmapScanState *) node;
	CustomScan *cscan = (CustomScan *) node->ss.ps.plan;
	BitmapHeapScan *heap_scan = linitial(cscan->custom_plans);
	List	   *flags;

	state->bitmap_plan = ExecInitNode(outerPlan(heap_scan), estate, eflags);
	node->custom_ps = list_make1(state->bitmap_plan);
	state->recheck = ExecInitQual((List *) linitial(cscan->custom_exprs), &node->ss.ps);
	flags = list_nth(cscan->custom_private, PRIVATE_FLAGS);
	state->row_groups_apart = linitial_int(flags) != 0;
	if (state->row_groups_apart)
	{
		state->attrs_needed = ColumnarAttrsToRead(list_nth(cscan->custom_private, PRIVATE_ATTRS),
												  lsecond_int(flags) != 0);
		ColumnarInitChunkFilters(&state->filters,
								 list_nth(cscan->custom_private, PRIVATE_FILTERS),
								 lsecond(cscan->custom_exprs),
								 node->ss.ss_currentRelation, &node->ss.ps);
	}
	if (!(eflags & EXEC_FLAG_EXPLAIN_ONLY))
	{
		state->fetch = table_index_fetch_begin(node->ss.ss_currentRelation);
		state->fetch_slot = table_slot_create(node->ss.ss_currentRelation, NULL);
	}
}

/* Forgets the bitmap and the row groups' read, so that a next call starts over. */
static void
FreeBitmap(BitmapScanState *state)
{
	if (state->iterator != NULL)
		tbm_end_iterate(state->iterator);
	if (state->bitmap != NULL)
		tbm_free(state->bitmap);
	state->iterator = NULL;
	state->bitmap = NULL;
	state->block = NULL;
	if (state->reader != NULL)
	{
		state->chunks_skipped += ColumnarChunksSkipped(state->reader);
		ColumnarEndRead(state->reader);
	}
	state->reader = NULL;
}

/*
 * The next TID of the bitmap into *tid, and whether the row must be
 * rechecked; false at the end.
 */
static bool
NextTid(BitmapScanState *state, ItemPointer tid, bool *recheck)
{
	for (;;)
	{
		TBMIterateResult *block = state->block;

		if (block == NULL)
		{
			block = state->block = tbm_iterate(state->iterator);
			if (block == NULL)
				return false;
			state->next = 0;
			/* row-group rows come from the row groups' read then */
			if (state->row_groups_apart && block->blockno >= COLUMNAR_FIRST_ROW_BLOCK)
			{
				state->block = NULL;
				continue;
			}
			state->lossy_blocks += block->ntuples < 0 ? 1 : 0;
		}
		if (block->ntuples >= 0 && state->next < block->ntuples)
		{
			ItemPointerSet(tid, block->blockno, block->offsets[state->next++]);
			*recheck = block->recheck;
			return true;
		}
		if (block->ntuples < 0 && state->next < MaxHeapTuplesPerPage)
		{
			/* lossy: every offset the block may hold */
			ItemPointerSet(tid, block->blockno, (OffsetNumber) (++state->next));
			*recheck = true;
			return true;
		}
		state->block = NULL;
		CHECK_FOR_INTERRUPTS();
	}
}

/*
 * The next row-group row that passes the index conditions, its chunk
 * filtered by them and the node's filter; the read starts on the first
 * call.
 */
static TupleTableSlot *
RowGroupNext(BitmapScanState *state)
{
	ScanState  *ss = &state->css.ss;
	TupleTableSlot *slot = ss->ss_ScanTupleSlot;
	ExprContext *econtext = ss->ps.ps_ExprContext;
	Relation	rel = ss->ss_currentRelation;
	Snapshot	snapshot = ss->ps.state->es_snapshot;

	if (state->reader == NULL)
	{
		ColumnarEvaluateChunkFilters(&state->filters, rel, econtext);
		state->reader = ColumnarBeginRead(rel, snapshot, snapshot, state->attrs_needed);
		ColumnarSetFilters(state->reader, state->filters.filters, state->filters.nfilters);
	}
	while (ColumnarReadNextRow(state->reader, slot))
	{
		CHECK_FOR_INTERRUPTS();
		state->rows_fetched++;
		econtext->ecxt_scantuple = slot;
		if (ExecQualAndReset(state->recheck, econtext))
			return slot;
		InstrCountFiltered2(&ss->ps, 1);
	}
	return ExecClearTuple(slot);
}

/* ExecScan's access method: the next row of the bitmap that passes recheck. */
static TupleTableSlot *
BitmapNext(ScanState *ss)
{
	BitmapScanState *state = (BitmapScanState *) ss;
	TupleTableSlot *slot = ss->ss_ScanTupleSlot;
	ExprContext *econtext = ss->ps.ps_ExprContext;
	ItemPointerData tid;
	bool		recheck;

	if (state->bitmap == NULL)
	{
		state->bitmap = (TIDBitmap *) MultiExecProcNode(state->bitmap_plan);
		if (state->bitmap == NULL || !IsA(state->bitmap, TIDBitmap))
			elog(ERROR, "unrecognized result from subplan of ColumnarBitmapScan");
		state->iterator = tbm_begin_iterate(state->bitmap);
	}
	while (NextTid(state, &tid, &recheck))
	{
		bool		call_again = false;
		bool		all_dead = false;

		if (!table_index_fetch_tuple(state->fetch, &tid, ss->ps.state->es_snapshot,
									 state->fetch_slot, &call_again, &all_dead))
			continue;
		state->rows_fetched++;
		ExecCopySlot(slot, state->fetch_slot);
		slot->tts_tid = state->fetch_slot->tts_tid;
		slot->tts_tableOid = state->fetch_slot->tts_tableOid;
		econtext->ecxt_scantuple = slot;
		if (recheck && !ExecQualAndReset(state->recheck, econtext))
		{
			InstrCountFiltered2(&ss->ps, 1);
			continue;
		}
		return slot;
	}
	return state->row_groups_apart ? RowGroupNext(state) : ExecClearTuple(slot);
}

/* ExecScan's recheck method (EvalPlanQual): the index conditions. */
static bool
BitmapRecheck(ScanState *ss, TupleTableSlot *slot)
{
	ExprContext *econtext = ss->ps.ps_ExprContext;

	econtext->ecxt_scantuple = slot;
	return ExecQualAndReset(((BitmapScanState *) ss)->recheck, econtext);
}

static TupleTableSlot *
ExecBitmapScan(CustomScanState *node)
{
	return ExecScan(&node->ss, BitmapNext, BitmapRecheck);
}

static void
EndBitmapScan(CustomScanState *node)
{
	BitmapScanState *state = (BitmapScanState *) node;

	FreeBitmap(state);
	if (state->fetch != NULL)
	{
		table_index_fetch_end(state->fetch);
		ExecDropSingleTupleTableSlot(state->fetch_slot);
	}
	ExecEndNode(state->bitmap_plan);
}

static void
ReScanBitmapScan(CustomScanState *node)
{
	BitmapScanState *state = (BitmapScanState *) node;

	FreeBitmap(state);
	if (state->fetch != NULL)
		table_index_fetch_reset(state->fetch);
	ExecScanReScan(&node->ss);
	if (node->ss.ps.chgParam != NULL)
		UpdateChangedParamSet(state->bitmap_plan, node->ss.ps.chgParam);
	ExecReScan(state->bitmap_plan);
}

static void
ExplainBitmapScan(CustomScanState *node, List *ancestors, ExplainState *es)
{
	BitmapScanState *state = (BitmapScanState *) node;

	if (state->row_groups_apart)
		ExplainPropertyText("Row Groups", "read with chunk filters (BRIN covers the delta store)",
							es);
	if (es->analyze)
	{
		ExplainPropertyInteger("Rows Fetched", NULL, state->rows_fetched, es);
		ExplainPropertyInteger("Lossy Blocks", NULL, state->lossy_blocks, es);
		if (state->row_groups_apart)
			ExplainPropertyInteger("Chunks Skipped", NULL,
								   state->chunks_skipped +
								   (state->reader != NULL ? ColumnarChunksSkipped(state->reader) : 0),
								   es);
	}
}

/*
 * ColumnarInstallBitmapScan - register the node; called once from
 * _PG_init.
 */
void
ColumnarInstallBitmapScan(void)
{
	RegisterCustomScanMethods(&BitmapScanMethods);
}
