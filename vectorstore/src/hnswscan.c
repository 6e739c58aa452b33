/*-------------------------------------------------------------------------
 *
 * hnswscan.c
 *	  Index scans of hnsw (begin, rescan, gettuple, end): the first
 *	  amgettuple searches the graph for the hnsw.ef_search nearest elements
 *	  of the ORDER BY argument and the scan then returns their heap TIDs in
 *	  ascending distance.  The result is approximate, like pgvector's: the
 *	  executor does not recheck the order (xs_recheckorderby is false).
 *	  Without hnsw.iterative_scan a scan returns at most ef_search rows, so
 *	  a selective WHERE clause may leave a LIMIT unfilled; with it, a scan
 *	  whose rows run out searches again with twice the candidates (up to
 *	  hnsw.max_scan_tuples) and returns the rows it had not returned yet,
 *	  in distance order within each round (strict_order also drops rows
 *	  closer than the last one returned).  A NULL argument orders every
 *	  row equally; the scan then returns every indexed row in page order.
 *
 *	  Quantized indexes (hnswquant.c): the search measures decoded codes
 *	  (and, in format 4, the exact values stored in place of codes that
 *	  would be clamped), so its distances are approximate; its nearest
 *	  epiphany.hnsw_rerank_candidates candidates then get their exact
 *	  distance from the table row the scan's snapshot sees (fetched by
 *	  heap TID through the table AM, the indexed value formed by
 *	  FormIndexDatum, so expression indexes work) and are returned first,
 *	  in exact order.  The fetch state lives in the context of beginscan
 *	  until endscan; each row and value is freed before the next.
 *
 *	  Locks: the search reads the pages in place under share locks, at most
 *	  three at a time (and, once, the range pages of a format 4 index that
 *	  got its ranges during the search, one at a time), and keeps only
 *	  ids, distances and heap TIDs (the page graph of hnswsearch.c), so
 *	  concurrent inserts and vacuums proceed; an
 *	  element vacuum marks deleted after the search saw it may still be
 *	  returned, and the heap visibility check (MVCC) hides its row.
 *	  Memory: the "hnsw scan" context holds the search state and the
 *	  result; it is reset on rescan and deleted at the end.  The buffer
 *	  hints (so_recent) live in the context current at beginscan, across
 *	  rescans, and are freed at the end.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  vectorstore/src/hnswscan.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include "access/genam.h"
#include "access/relscan.h"
#include "access/tableam.h"
#include "catalog/index.h"
#include "executor/executor.h"
#include "hnsw.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/rel.h"

typedef struct HnswScanOpaqueData
{
	MemoryContext so_cxt;		/* "hnsw scan" */
	bool		so_searched;	/* the result below is filled */
	ItemPointerData *so_tids;	/* heap TIDs, in the order to return */
	double	   *so_dists;		/* their distances (searches only) */
	int64		so_ntids;
	int64		so_maxtids;
	int64		so_next;		/* next one to return */
	int			so_ef;			/* candidates of the last search */
	HTAB	   *so_returned;	/* TIDs returned so far (iterative scans) */
	double		so_last_dist;	/* distance of the last row returned */
	/* kept across rescans, in the context of beginscan: */
	Buffer	   *so_recent;		/* per block: the buffer it was last read into */
	BlockNumber so_nrecent;		/* entries in so_recent */
	MemoryContext so_keepcxt;	/* the context of beginscan */
	/* quantized index: re-ranking from the table (SetUpRerank) */
	bool		so_rerank;		/* the fields below are set */
	IndexFetchTableData *so_fetch;	/* fetches table rows by heap TID */
	TupleTableSlot *so_slot;	/* the row fetched */
	IndexInfo  *so_indexinfo;	/* forms the indexed value of a row */
	EState	   *so_estate;		/* evaluates an index expression */
} HnswScanOpaqueData;

typedef HnswScanOpaqueData *HnswScanOpaque;

/* Appends a heap TID and its distance to the result (in so_cxt). */
static void
AppendTid(HnswScanOpaque so, ItemPointer tid, double distance)
{
	if (so->so_ntids == so->so_maxtids)
	{
		so->so_maxtids = Max(so->so_maxtids * 2, 64);
		if (so->so_tids == NULL)
		{
			so->so_tids = MemoryContextAllocHuge(so->so_cxt,
												 mul_size(sizeof(ItemPointerData), so->so_maxtids));
			so->so_dists = MemoryContextAllocHuge(so->so_cxt,
												  mul_size(sizeof(double), so->so_maxtids));
		}
		else
		{
			so->so_tids = repalloc_huge(so->so_tids,
										mul_size(sizeof(ItemPointerData), so->so_maxtids));
			so->so_dists = repalloc_huge(so->so_dists, mul_size(sizeof(double), so->so_maxtids));
		}
	}
	so->so_dists[so->so_ntids] = distance;
	so->so_tids[so->so_ntids++] = *tid;
}

/* Appends the heap TID of a live element (HnswWalkElements' callback). */
static void
CollectElement(HnswElementTuple tup, BlockNumber blkno, OffsetNumber offno, void *arg)
{
	if (!tup->deleted)
		AppendTid((HnswScanOpaque) arg, &tup->heaptid, 0);
}

/* The result of a NULL argument: every live element, in page order. */
static void
CollectAll(IndexScanDesc scan, HnswScanOpaque so, int m)
{
	BufferAccessStrategy bas = GetAccessStrategy(BAS_BULKREAD);

	HnswWalkElements(scan->indexRelation, m, HNSW_FIRST_ELEMENT_BLKNO, bas, CollectElement, so);
	FreeAccessStrategy(bas);
}

/* Whether an iterative scan has returned "tid" already. */
static bool
AlreadyReturned(HnswScanOpaque so, ItemPointer tid)
{
	return so->so_returned != NULL && hash_search(so->so_returned, tid, HASH_FIND, NULL) != NULL;
}

/*
 * Prepares the re-ranking of a quantized index's candidates: a fetch of
 * table rows by heap TID, a slot, and what forms the indexed value of a
 * row (the column, or the index expression evaluated in an executor
 * state).  All of it lives in so_keepcxt until the scan ends.
 */
static void
SetUpRerank(IndexScanDesc scan, HnswScanOpaque so)
{
	MemoryContext oldcxt = MemoryContextSwitchTo(so->so_keepcxt);

	if (scan->heapRelation == NULL)
		elog(ERROR, "scan of quantized hnsw index \"%s\" has no table to re-rank from",
			 RelationGetRelationName(scan->indexRelation));
	so->so_fetch = table_index_fetch_begin(scan->heapRelation);
	so->so_slot = table_slot_create(scan->heapRelation, NULL);
	so->so_indexinfo = BuildIndexInfo(scan->indexRelation);
	so->so_estate = CreateExecutorState();
	so->so_rerank = true;
	MemoryContextSwitchTo(oldcxt);
}

/*
 * The exact distance between query and the indexed value of the table row
 * at heaptid, as the scan's snapshot sees it (the version of a HOT chain
 * it sees has the same indexed value).  Returns false when no version is
 * visible: the executor would not return that row either.  The row and
 * the value are dropped before returning.
 */
static bool
ExactDistance(IndexScanDesc scan, HnswScanOpaque so, HnswGraph *graph, Datum query,
			  ItemPointer heaptid, double *distance)
{
	ItemPointerData tid = *heaptid;
	ExprContext *econtext = GetPerTupleExprContext(so->so_estate);
	Datum		values[INDEX_MAX_KEYS];
	bool		isnull[INDEX_MAX_KEYS];
	bool		call_again = false;
	bool		all_dead = false;
	MemoryContext oldcxt;

	if (!table_index_fetch_tuple(so->so_fetch, &tid, scan->xs_snapshot, so->so_slot,
								 &call_again, &all_dead))
		return false;
	oldcxt = MemoryContextSwitchTo(econtext->ecxt_per_tuple_memory);
	econtext->ecxt_scantuple = so->so_slot;
	FormIndexDatum(so->so_indexinfo, so->so_slot, so->so_estate, values, isnull);
	if (!isnull[0])
		*distance = HnswExactDistance(graph, query,
									  PointerGetDatum(PG_DETOAST_DATUM(values[0])));
	MemoryContextSwitchTo(oldcxt);
	ExecClearTuple(so->so_slot);
	ResetExprContext(econtext);
	return !isnull[0];
}

/*
 * Re-ranks the candidates of a quantized index, w[0..*nw) sorted by the
 * quantized distance: the first epiphany.hnsw_rerank_candidates get their
 * exact distance (ExactDistance; one whose row is not visible is dropped)
 * and are sorted by it; the others follow in their order, with their
 * quantized distance.
 */
static void
Rerank(IndexScanDesc scan, HnswScanOpaque so, HnswGraph *graph, Datum query,
	   HnswCandidate **w, int *nw)
{
	int			nrerank = Min(*nw, ep_hnsw_rerank_candidates);
	int			nkept = 0;

	if (!so->so_rerank)
		SetUpRerank(scan, so);
	for (int i = 0; i < nrerank; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (ExactDistance(scan, so, graph, query, &w[i]->heaptid, &w[i]->distance))
			w[nkept++] = w[i];
	}
	HnswSortCandidates(w, nkept);
	memmove(&w[nkept], &w[nrerank], sizeof(HnswCandidate *) * (*nw - nrerank));
	*nw = nkept + (*nw - nrerank);
}

/*
 * The result of an argument: search from the entry point, greedily down
 * to level 1, then with so_ef candidates at level 0, and keep the live
 * elements an iterative scan has not returned yet (for strict order, none
 * closer than the last returned), in ascending distance.  A quantized
 * index searches with the query as a float4 vector and approximate
 * distances, then re-ranks (Rerank).
 */
static void
SearchGraph(IndexScanDesc scan, HnswScanOpaque so, HnswMetaPageData *meta, Datum query)
{
	HnswGraph	graph;
	HnswQuantizer quant;
	HnswQuantizer *q = NULL;
	Datum		searchQuery = query;
	HnswCandidate **w = palloc(sizeof(HnswCandidate *));
	int			nw = 1;
	int			nlive = 0;

	if (HnswQuantizerFromMeta(&quant, scan->indexRelation, meta))
	{
		q = &quant;
		searchQuery = PointerGetDatum(HnswQuantToFloat(q, query));
	}
	HnswInitPageGraph(&graph, scan->indexRelation, meta->m, so->so_cxt,
					  so->so_recent, so->so_nrecent, q);
	w[0] = HnswMakeCandidate(&graph, HnswTidToId(meta->entryBlkno, meta->entryOffno),
							 searchQuery);
	for (int level = meta->entryLevel; level > 0; level--)
		w = HnswSearchLayer(&graph, searchQuery, w, nw, 1, level, &nw);
	w = HnswSearchLayer(&graph, searchQuery, w, nw, so->so_ef, 0, &nw);
	HnswSortCandidates(w, nw);
	for (int i = 0; i < nw; i++)
	{
		if (!w[i]->deleted && !AlreadyReturned(so, &w[i]->heaptid))
			w[nlive++] = w[i];
	}
	if (q != NULL)
		Rerank(scan, so, &graph, query, w, &nlive);
	for (int i = 0; i < nlive; i++)
	{
		if (hnsw_iterative_scan == HNSW_ITERATIVE_SCAN_STRICT && so->so_returned != NULL &&
			w[i]->distance < so->so_last_dist)
			continue;
		AppendTid(so, &w[i]->heaptid, w[i]->distance);
	}
}

/*
 * An iterative scan whose rows ran out: search again with twice the
 * candidates, within hnsw.max_scan_tuples.  Returns false when the scan
 * may not widen any more.  Runs in so_cxt.
 */
static bool
WidenSearch(IndexScanDesc scan, HnswScanOpaque so)
{
	HnswMetaPageData meta;
	ScanKey		orderby = &scan->orderByData[0];

	if (so->so_ef >= hnsw_max_scan_tuples)
		return false;
	so->so_ef = (int) Min((int64) so->so_ef * 2, (int64) hnsw_max_scan_tuples);
	so->so_ntids = 0;
	so->so_next = 0;
	meta = HnswReadMeta(scan->indexRelation);
	SearchGraph(scan, so, &meta, PointerGetDatum(PG_DETOAST_DATUM(orderby->sk_argument)));
	return true;
}

/* Remembers a returned TID, for an iterative scan's later rounds. */
static void
NoteReturned(HnswScanOpaque so, int64 index)
{
	if (so->so_returned == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(ItemPointerData);
		ctl.entrysize = sizeof(ItemPointerData);
		ctl.hcxt = so->so_cxt;
		so->so_returned = hash_create("hnsw scan returned", 256, &ctl,
									  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	hash_search(so->so_returned, &so->so_tids[index], HASH_ENTER, NULL);
	so->so_last_dist = so->so_dists[index];
}

/* Fills the scan's result; runs in so_cxt. */
static void
FillResult(IndexScanDesc scan, HnswScanOpaque so)
{
	HnswMetaPageData meta = HnswReadMeta(scan->indexRelation);
	ScanKey		orderby = scan->numberOfOrderBys > 0 ? &scan->orderByData[0] : NULL;

	if (orderby == NULL || (orderby->sk_flags & SK_ISNULL))
	{
		CollectAll(scan, so, meta.m);
		return;
	}
	if (meta.entryLevel < 0)
		return;
	so->so_ef = hnsw_ef_search;
	SearchGraph(scan, so, &meta, PointerGetDatum(PG_DETOAST_DATUM(orderby->sk_argument)));
}

/* ambeginscan */
IndexScanDesc
hnswbeginscan(Relation index, int nkeys, int norderbys)
{
	IndexScanDesc scan = RelationGetIndexScan(index, nkeys, norderbys);
	HnswScanOpaque so = palloc0(sizeof(HnswScanOpaqueData));

	so->so_cxt = AllocSetContextCreate(CurrentMemoryContext, "hnsw scan",
									   ALLOCSET_DEFAULT_SIZES);
	so->so_keepcxt = CurrentMemoryContext;

	/*
	 * Buffer hints of the page graph, one per block the index has now
	 * (blocks added later are read the ordinary way).  They outlive
	 * rescans: a nested loop's repeated searches find their pages
	 * without the shared mapping lookup.
	 */
	so->so_nrecent = RelationGetNumberOfBlocks(index);
	so->so_recent = palloc_extended(mul_size(sizeof(Buffer), Max(so->so_nrecent, 1)),
									MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	scan->opaque = so;
	return scan;
}

/* amrescan: takes the new keys and forgets the previous result. */
void
hnswrescan(IndexScanDesc scan, ScanKey keys, int nkeys, ScanKey orderbys, int norderbys)
{
	HnswScanOpaque so = (HnswScanOpaque) scan->opaque;

	if (keys && scan->numberOfKeys > 0)
		memmove(scan->keyData, keys, scan->numberOfKeys * sizeof(ScanKeyData));
	if (orderbys && scan->numberOfOrderBys > 0)
		memmove(scan->orderByData, orderbys, scan->numberOfOrderBys * sizeof(ScanKeyData));
	MemoryContextReset(so->so_cxt);
	so->so_searched = false;
	so->so_tids = NULL;
	so->so_dists = NULL;
	so->so_ntids = 0;
	so->so_maxtids = 0;
	so->so_next = 0;
	so->so_ef = 0;
	so->so_returned = NULL;
}

/* amgettuple: the next heap TID in distance order. */
bool
hnswgettuple(IndexScanDesc scan, ScanDirection dir)
{
	HnswScanOpaque so = (HnswScanOpaque) scan->opaque;

	Assert(ScanDirectionIsForward(dir));
	if (!so->so_searched)
	{
		MemoryContext oldcxt = MemoryContextSwitchTo(so->so_cxt);

		FillResult(scan, so);
		MemoryContextSwitchTo(oldcxt);
		so->so_searched = true;
	}
	while (so->so_next >= so->so_ntids)
	{
		MemoryContext oldcxt;
		bool		widened;

		if (hnsw_iterative_scan == HNSW_ITERATIVE_SCAN_OFF || so->so_ef == 0)
			return false;
		CHECK_FOR_INTERRUPTS();
		oldcxt = MemoryContextSwitchTo(so->so_cxt);
		widened = WidenSearch(scan, so);
		MemoryContextSwitchTo(oldcxt);
		if (!widened)
			return false;
	}
	if (hnsw_iterative_scan != HNSW_ITERATIVE_SCAN_OFF)
		NoteReturned(so, so->so_next);
	scan->xs_heaptid = so->so_tids[so->so_next++];
	scan->xs_recheck = false;
	scan->xs_recheckorderby = false;
	return true;
}

/* amendscan */
void
hnswendscan(IndexScanDesc scan)
{
	HnswScanOpaque so = (HnswScanOpaque) scan->opaque;

	MemoryContextDelete(so->so_cxt);
	if (so->so_rerank)
	{
		table_index_fetch_end(so->so_fetch);
		ExecDropSingleTupleTableSlot(so->so_slot);
		FreeExecutorState(so->so_estate);
	}
	pfree(so->so_recent);
	pfree(so);
	scan->opaque = NULL;
}
