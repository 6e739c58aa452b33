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
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  columnstore/src/columnar_bitmap.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/tableam.h"
#include "columnar.h"
#include "commands/explain.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "nodes/extensible.h"
#include "nodes/tidbitmap.h"
#include "optimizer/pathnode.h"
#include "utils/rel.h"

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

/*
 * The plan: the planned Bitmap Heap Scan is the only child; the node's
 * filter is the Bitmap Heap Scan's (the conditions the index does not
 * check), its targetlist the one asked for.
 */
static Plan *
PlanBitmapPath(PlannerInfo *root, RelOptInfo *rel, CustomPath *path, List *tlist,
			   List *clauses, List *custom_plans)
{
	CustomScan *cscan = makeNode(CustomScan);
	BitmapHeapScan *heap_scan = linitial(custom_plans);

	Assert(IsA(heap_scan, BitmapHeapScan));
	cscan->scan.scanrelid = rel->relid;
	cscan->scan.plan.targetlist = tlist;
	cscan->scan.plan.qual = copyObject(heap_scan->scan.plan.qual);
	cscan->custom_plans = custom_plans;
	cscan->custom_exprs = list_make1(copyObject(heap_scan->bitmapqualorig));
	cscan->methods = &BitmapScanMethods;
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

	state->bitmap_plan = ExecInitNode(outerPlan(heap_scan), estate, eflags);
	node->custom_ps = list_make1(state->bitmap_plan);
	state->recheck = ExecInitQual((List *) linitial(cscan->custom_exprs), &node->ss.ps);
	if (!(eflags & EXEC_FLAG_EXPLAIN_ONLY))
	{
		state->fetch = table_index_fetch_begin(node->ss.ss_currentRelation);
		state->fetch_slot = table_slot_create(node->ss.ss_currentRelation, NULL);
	}
}

/* Forgets the bitmap, so that the next call builds it again. */
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
	return ExecClearTuple(slot);
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

	if (es->analyze)
	{
		ExplainPropertyInteger("Rows Fetched", NULL, state->rows_fetched, es);
		ExplainPropertyInteger("Lossy Blocks", NULL, state->lossy_blocks, es);
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
