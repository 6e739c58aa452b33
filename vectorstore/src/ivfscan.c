/*-------------------------------------------------------------------------
 *
 * ivfscan.c
 *	  Index scans of ivfflat (begin, rescan, gettuple, end): the first
 *	  amgettuple ranks the lists by the distance of their centroid to the
 *	  ORDER BY argument, reads every tuple of the ivfflat.probes nearest
 *	  lists, and the scan then returns their heap TIDs in ascending distance
 *	  (a sorted array).  The result is approximate, like pgvector's: the
 *	  executor does not recheck the order (xs_recheckorderby is false).  A
 *	  NULL argument returns every indexed row, in list order.  With
 *	  ivfflat.iterative_scan = relaxed_order, once a batch is returned the
 *	  scan reads the next ivfflat.probes nearest lists, up to
 *	  ivfflat.max_probes in all, so that a filter above it can still fill
 *	  its LIMIT (each batch in distance order, as pgvector does).
 *
 *	  Locks: one page at a time under a shared buffer lock; the distance of
 *	  each tuple is computed under that lock and only (TID, distance) is
 *	  kept, so concurrent inserts and vacuums proceed.  A TID vacuum removes
 *	  after the scan saw it may still be returned; the heap's visibility
 *	  check (MVCC) hides its row.  Memory: the "ivfflat scan" context holds
 *	  the result; it is reset on rescan and deleted at the end.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  vectorstore/src/ivfscan.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include "access/genam.h"
#include "access/relscan.h"
#include "ivf.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "utils/memutils.h"
#include "utils/rel.h"

/* A heap TID found by the scan, with its distance to the argument. */
typedef struct IvfScanItem
{
	ItemPointerData tid;
	double		distance;
} IvfScanItem;

typedef struct IvfScanOpaqueData
{
	MemoryContext so_cxt;		/* "ivfflat scan" */
	bool		so_searched;	/* the lists below are ranked */
	HnswGraph	so_dist;		/* the distance of the index's class */
	Datum		so_query;		/* the ORDER BY argument, or 0 */
	IvfListRef *so_lists;		/* nearest first */
	int			so_probed;		/* lists read so far */
	int			so_maxprobes;	/* lists the scan may read in all */
	IvfScanItem *so_items;		/* the current batch, in the order to return */
	int64		so_nitems;
	int64		so_maxitems;
	int64		so_next;		/* next one to return */
} IvfScanOpaqueData;

typedef IvfScanOpaqueData *IvfScanOpaque;

/* Appends a result item (in so_cxt, the current context). */
static void
AppendItem(IvfScanOpaque so, ItemPointer tid, double distance)
{
	if (so->so_nitems == so->so_maxitems)
	{
		so->so_maxitems = Max(so->so_maxitems * 2, 256);
		if (so->so_items == NULL)
			so->so_items = MemoryContextAllocHuge(so->so_cxt,
												  mul_size(sizeof(IvfScanItem), so->so_maxitems));
		else
			so->so_items = repalloc_huge(so->so_items,
										 mul_size(sizeof(IvfScanItem), so->so_maxitems));
	}
	so->so_items[so->so_nitems].tid = *tid;
	so->so_items[so->so_nitems].distance = distance;
	so->so_nitems++;
}

/*
 * Reads one list's chain, appending each tuple with its distance to query
 * (0 for a NULL argument, query == 0).
 */
static void
ReadList(IndexScanDesc scan, IvfScanOpaque so, HnswGraph *dist, BlockNumber blkno,
		 Datum query, BufferAccessStrategy bas)
{
	Relation	index = scan->indexRelation;
	TupleDesc	tupdesc = RelationGetDescr(index);

	while (BlockNumberIsValid(blkno))
	{
		Buffer		buf = ReadBufferExtended(index, MAIN_FORKNUM, blkno, RBM_NORMAL, bas);
		Page		page;

		LockBuffer(buf, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		IvfCheckPage(index, page, blkno, IVF_PAGE_POSTING);
		for (OffsetNumber off = FirstOffsetNumber; off <= PageGetMaxOffsetNumber(page); off++)
		{
			IndexTuple	itup = IvfCheckPostingTuple(index, page, blkno, off);
			double		d = 0;

			if (query != (Datum) 0)
			{
				bool		isnull;
				Datum		value = index_getattr(itup, 1, tupdesc, &isnull);

				d = HnswDistance(dist, value, query);
			}
			AppendItem(so, &itup->t_tid, d);
		}
		blkno = IvfPageGetOpaque(page)->nextblkno;
		UnlockReleaseBuffer(buf);
		CHECK_FOR_INTERRUPTS();
	}
}

/* Orders items by distance, then by TID (deterministic). */
static int
CompareItems(const void *a, const void *b)
{
	const IvfScanItem *ia = (const IvfScanItem *) a;
	const IvfScanItem *ib = (const IvfScanItem *) b;

	if (ia->distance != ib->distance)
		return ia->distance < ib->distance ? -1 : 1;
	return ItemPointerCompare((ItemPointer) &ia->tid, (ItemPointer) &ib->tid);
}

/*
 * Ranks the lists for the scan's argument and sets how many it reads: the
 * ivfflat.probes nearest, or with an iterative scan up to
 * ivfflat.max_probes (never fewer than probes), or all without argument.
 * Runs in so_cxt.
 */
static void
RankLists(IndexScanDesc scan, IvfScanOpaque so)
{
	Relation	index = scan->indexRelation;
	IvfMetaPageData meta = IvfReadMeta(index);
	ScanKey		orderby = scan->numberOfOrderBys > 0 ? &scan->orderByData[0] : NULL;

	IvfInitDistance(&so->so_dist, index);
	so->so_query = (Datum) 0;
	so->so_maxprobes = meta.lists;
	if (orderby != NULL && !(orderby->sk_flags & SK_ISNULL))
	{
		so->so_query = PointerGetDatum(PG_DETOAST_DATUM(orderby->sk_argument));
		so->so_maxprobes = ivfflat_iterative_scan == IVF_ITERATIVE_SCAN_OFF ? ivfflat_probes :
			Max(ivfflat_probes, ivfflat_max_probes);
		so->so_maxprobes = Min(so->so_maxprobes, meta.lists);
	}
	so->so_lists = IvfReadLists(index, &meta, &so->so_dist, so->so_query);
	if (so->so_query != (Datum) 0)
		IvfSortLists(so->so_lists, meta.lists);
	so->so_probed = 0;
}

/*
 * Replaces the batch with the tuples of the next lists to read (all that
 * are left without argument, else the next ivfflat.probes), in distance
 * order; false when no list is left.  Runs in so_cxt.
 */
static bool
NextBatch(IndexScanDesc scan, IvfScanOpaque so)
{
	int			end = so->so_query == (Datum) 0 ? so->so_maxprobes :
		Min(so->so_probed + ivfflat_probes, so->so_maxprobes);
	BufferAccessStrategy bas;

	if (so->so_probed >= end)
		return false;
	so->so_nitems = 0;
	so->so_next = 0;
	bas = GetAccessStrategy(BAS_BULKREAD);
	for (; so->so_probed < end; so->so_probed++)
		ReadList(scan, so, &so->so_dist, so->so_lists[so->so_probed].startBlkno,
				 so->so_query, bas);
	FreeAccessStrategy(bas);
	if (so->so_query != (Datum) 0 && so->so_nitems > 1)
		qsort(so->so_items, so->so_nitems, sizeof(IvfScanItem), CompareItems);
	return true;
}

/* ambeginscan */
IndexScanDesc
ivfbeginscan(Relation index, int nkeys, int norderbys)
{
	IndexScanDesc scan = RelationGetIndexScan(index, nkeys, norderbys);
	IvfScanOpaque so = palloc0(sizeof(IvfScanOpaqueData));

	so->so_cxt = AllocSetContextCreate(CurrentMemoryContext, "ivfflat scan",
									   ALLOCSET_DEFAULT_SIZES);
	scan->opaque = so;
	return scan;
}

/* amrescan: takes the new keys and forgets the previous result. */
void
ivfrescan(IndexScanDesc scan, ScanKey keys, int nkeys, ScanKey orderbys, int norderbys)
{
	IvfScanOpaque so = (IvfScanOpaque) scan->opaque;

	if (keys && scan->numberOfKeys > 0)
		memmove(scan->keyData, keys, scan->numberOfKeys * sizeof(ScanKeyData));
	if (orderbys && scan->numberOfOrderBys > 0)
		memmove(scan->orderByData, orderbys, scan->numberOfOrderBys * sizeof(ScanKeyData));
	MemoryContextReset(so->so_cxt);
	so->so_searched = false;
	so->so_lists = NULL;
	so->so_items = NULL;
	so->so_nitems = 0;
	so->so_maxitems = 0;
	so->so_next = 0;
}

/* amgettuple: the next heap TID in distance order. */
bool
ivfgettuple(IndexScanDesc scan, ScanDirection dir)
{
	IvfScanOpaque so = (IvfScanOpaque) scan->opaque;

	Assert(ScanDirectionIsForward(dir));
	while (!so->so_searched || so->so_next >= so->so_nitems)
	{
		MemoryContext oldcxt = MemoryContextSwitchTo(so->so_cxt);
		bool		more;

		if (!so->so_searched)
			RankLists(scan, so);
		so->so_searched = true;
		more = NextBatch(scan, so);
		MemoryContextSwitchTo(oldcxt);
		if (!more)
			return false;
	}
	scan->xs_heaptid = so->so_items[so->so_next++].tid;
	scan->xs_recheck = false;
	scan->xs_recheckorderby = false;
	return true;
}

/* amendscan */
void
ivfendscan(IndexScanDesc scan)
{
	IvfScanOpaque so = (IvfScanOpaque) scan->opaque;

	MemoryContextDelete(so->so_cxt);
	pfree(so);
	scan->opaque = NULL;
}
