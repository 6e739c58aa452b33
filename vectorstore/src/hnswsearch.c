/*-------------------------------------------------------------------------
 *
 * hnswsearch.c
 *	  The layer search of the hnsw index (Malkov & Yashunin, algorithm 2),
 *	  the visited sets it uses, and the page graph through which a scan
 *	  reads the index in place.
 *
 *	  The search keeps the candidates it accepts in a pool and orders them
 *	  with two binary heaps of (distance, place in the pool) entries
 *	  (nearest first: still to expand; farthest first: the ef best found),
 *	  all arrays allocated in the caller's context and grown by doubling,
 *	  so a hop allocates nothing.  Visited nodes are marked with an epoch:
 *	  in graph->visitMarks for the in-memory build, in graph->visited (an
 *	  open-addressing set on node ids) for disk graphs.
 *
 *	  Page graph (scans): a visit is a pipeline over the nodes in page
 *	  order (PageGraphVisit): pin ahead and prefetch the page's header and
 *	  special space, lock ahead and prefetch the tuple, then check the
 *	  tuple and compute the distance on the value in the page.  Locks: a
 *	  scan holds at most HNSW_LOCK_AHEAD + 1 element pages share-locked at
 *	  a time and never waits for anything but another share lock while
 *	  holding them; writers hold at most one element page at a time
 *	  (hnswinsert.c, hnswvacuum.c), so no cycle can form.  Nothing is
 *	  copied out of a page but the heap TID, the flags and neighbour ids.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  vectorstore/src/hnswsearch.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include "hnsw.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "utils/memutils.h"
#include "utils/rel.h"

/* Slots of a new visited set; it doubles when half full. */
#define HNSW_VISITED_INITIAL_SLOTS 1024

/*
 * Nodes a page-graph visit pins ahead of the one it reads: it then holds
 * at most HNSW_PIN_AHEAD + 1 pins, which with the executor's own few fit
 * the backend's array of private pin counts (8 entries; more spill into a
 * hash table).
 */
#define HNSW_PIN_AHEAD 4

/*
 * Nodes a page-graph visit locks ahead of the one it reads, so that their
 * tuples arrive in the cache while earlier distances are computed.
 */
#define HNSW_LOCK_AHEAD 2

/* ----------------------------------------------------------------
 *		Visited sets
 * ----------------------------------------------------------------
 */

/* Home slot of a node id (a 64-bit mix, so that TIDs of one page spread). */
static inline uint32
VisitedHash(uint64 id)
{
	id ^= id >> 33;
	id *= UINT64CONST(0xff51afd7ed558ccd);
	id ^= id >> 33;
	return (uint32) id;
}

/* Marks id in the current epoch of a set known to have a free slot. */
static bool
VisitedTestAndSet(HnswVisited *set, uint64 id)
{
	uint64		key = ((uint64) set->epoch << 48) | id;
	uint32		i = VisitedHash(id) & set->mask;

	Assert(id < (UINT64CONST(1) << 48));
	for (;;)
	{
		uint64		slot = set->slots[i];

		if ((slot >> 48) != set->epoch)
		{
			set->slots[i] = key;
			set->count++;
			return false;
		}
		if (slot == key)
			return true;
		i = (i + 1) & set->mask;
	}
}

/*
 * Doubles a visited set, keeping the current epoch's marks (in the graph's
 * context; the old slots are freed).
 */
static void
GrowVisited(HnswGraph *graph)
{
	HnswVisited *set = &graph->visited;
	uint64	   *old = set->slots;
	uint32		nold = set->mask + 1;

	set->slots = MemoryContextAllocZero(graph->cxt, mul_size(sizeof(uint64), nold * 2));
	set->mask = nold * 2 - 1;
	set->count = 0;
	for (uint32 i = 0; i < nold; i++)
	{
		if ((old[i] >> 48) == set->epoch)
			(void) VisitedTestAndSet(set, old[i] & ((UINT64CONST(1) << 48) - 1));
	}
	pfree(old);
}

/*
 * HnswStartVisited - starts a new visited set: the graph's next epoch.
 * When an epoch counter wraps, every mark is cleared so that no old one
 * equals the new epoch.
 */
void
HnswStartVisited(HnswGraph *graph)
{
	HnswVisited *set = &graph->visited;

	if (graph->visitMarks != NULL)
	{
		if (++graph->visitEpoch == 0)
		{
			memset(graph->visitMarks, 0, graph->maxelements);
			graph->visitEpoch = 1;
		}
		return;
	}
	if (set->slots == NULL)
	{
		set->slots = MemoryContextAllocZero(graph->cxt,
											sizeof(uint64) * HNSW_VISITED_INITIAL_SLOTS);
		set->mask = HNSW_VISITED_INITIAL_SLOTS - 1;
	}
	set->count = 0;
	if (++set->epoch == 0)
	{
		memset(set->slots, 0, sizeof(uint64) * (set->mask + 1));
		set->epoch = 1;
	}
}

/* HnswAlreadyVisited - marks a node visited; returns whether it already was. */
bool
HnswAlreadyVisited(HnswGraph *graph, uint64 id)
{
	bool		found;

	if (graph->visitMarks != NULL)
	{
		Assert(id < (uint64) graph->nelements);
		found = graph->visitMarks[id] == graph->visitEpoch;
		graph->visitMarks[id] = graph->visitEpoch;
		return found;
	}
	Assert(graph->visited.epoch != 0);
	if (graph->visited.count * 2 >= graph->visited.mask)
		GrowVisited(graph);
	return VisitedTestAndSet(&graph->visited, id);
}

/* ----------------------------------------------------------------
 *		Candidate heaps
 * ----------------------------------------------------------------
 */

/*
 * A binary heap of candidates on an array, nearest first or farthest
 * first.  An entry is a distance and the candidate's place in the layer
 * search's pool, so that moving one moves 16 bytes.
 */
typedef struct HnswHeapEntry
{
	double		distance;
	int			pos;			/* in HnswLayerSearch.pool */
} HnswHeapEntry;

typedef struct HnswHeap
{
	HnswHeapEntry *items;
	int			count;
	int			capacity;
	bool		farthestFirst;
} HnswHeap;

static void
HeapInit(HnswHeap *heap, int capacity, bool farthestFirst)
{
	heap->items = palloc(sizeof(HnswHeapEntry) * capacity);
	heap->count = 0;
	heap->capacity = capacity;
	heap->farthestFirst = farthestFirst;
}

/* Whether a must come out of the heap before b. */
static inline bool
HeapBefore(const HnswHeap *heap, const HnswHeapEntry *a, const HnswHeapEntry *b)
{
	return heap->farthestFirst ? a->distance > b->distance : a->distance < b->distance;
}

static void
HeapPush(HnswHeap *heap, double distance, int pos)
{
	HnswHeapEntry e = {distance, pos};
	int			i;

	if (heap->count == heap->capacity)
	{
		heap->capacity *= 2;
		heap->items = repalloc(heap->items, mul_size(sizeof(HnswHeapEntry), heap->capacity));
	}
	i = heap->count++;
	while (i > 0)
	{
		int			parent = (i - 1) / 2;

		if (!HeapBefore(heap, &e, &heap->items[parent]))
			break;
		heap->items[i] = heap->items[parent];
		i = parent;
	}
	heap->items[i] = e;
}

/* Removes the first entry of a non-empty heap; returns its pool place. */
static int
HeapPop(HnswHeap *heap)
{
	int			first = heap->items[0].pos;
	HnswHeapEntry last;
	int			i = 0;

	Assert(heap->count > 0);
	last = heap->items[--heap->count];
	for (;;)
	{
		int			child = 2 * i + 1;

		if (child >= heap->count)
			break;
		if (child + 1 < heap->count &&
			HeapBefore(heap, &heap->items[child + 1], &heap->items[child]))
			child++;
		if (!HeapBefore(heap, &heap->items[child], &last))
			break;
		heap->items[i] = heap->items[child];
		i = child;
	}
	heap->items[i] = last;
	return first;
}

/* ----------------------------------------------------------------
 *		Layer search
 * ----------------------------------------------------------------
 */

/*
 * State of one layer search: every candidate kept at some point (the
 * pool; a dropped one stays there unused), the ones still to expand and
 * the ef best found so far.
 */
typedef struct HnswLayerSearch
{
	HnswGraph  *graph;
	HnswCandidate *pool;
	int			npool;
	int			maxpool;
	HnswHeap	pending;		/* nearest first */
	HnswHeap	found;			/* farthest first, at most ef */
	int			ef;
} HnswLayerSearch;

/*
 * Offers a candidate to the search: it is kept (and queued for expansion)
 * if fewer than ef are kept or it is nearer than the farthest kept, which
 * then drops out.
 */
static void
OfferCandidate(HnswLayerSearch *ls, const HnswCandidate *c)
{
	if (ls->found.count >= ls->ef)
	{
		if (c->distance >= ls->found.items[0].distance)
			return;
		(void) HeapPop(&ls->found);
	}
	if (ls->npool == ls->maxpool)
	{
		ls->maxpool *= 2;
		ls->pool = repalloc(ls->pool, mul_size(sizeof(HnswCandidate), ls->maxpool));
	}
	ls->pool[ls->npool] = *c;
	HeapPush(&ls->pending, c->distance, ls->npool);
	HeapPush(&ls->found, c->distance, ls->npool);
	ls->npool++;
}

/* Offers every unvisited neighbour of a candidate at one level. */
static void
ExpandCandidate(HnswLayerSearch *ls, const HnswCandidate *c, Datum query, int level)
{
	HnswGraph  *graph = ls->graph;
	uint64		ids[2 * HNSW_MAX_M];
	HnswCandidate visited[2 * HNSW_MAX_M];
	int			nids;
	int			n = 0;

	Assert(HnswLevelCapacity(level, graph->m) <= 2 * HNSW_MAX_M);
	nids = graph->neighbors(graph, c, level, ids);
	for (int i = 0; i < nids; i++)
	{
		if (!HnswAlreadyVisited(graph, ids[i]))
			ids[n++] = ids[i];
	}
	if (n == 0)
		return;
	graph->visit(graph, query, ids, n, visited);
	for (int i = 0; i < n; i++)
		OfferCandidate(ls, &visited[i]);
}

/*
 * Prefetches, in an in-memory graph, the slots of one level of the
 * candidate that will be expanded next unless the current expansion finds
 * a nearer one (usually it does not), so that they arrive meanwhile.
 */
static inline void
PrefetchNextExpansion(const HnswLayerSearch *ls, int level)
{
	const HnswNode *node;
	const uint64 *slots;

	if (ls->graph->nodes == NULL || ls->pending.count == 0)
		return;
	node = &ls->graph->nodes[ls->pool[ls->pending.items[0].pos].id];
	if (node->slots == NULL || node->level < level)
		return;
	slots = node->slots + HnswLevelFirstSlot(level, ls->graph->m);
	for (int off = 0; off < HnswLevelCapacity(level, ls->graph->m); off += 8)
		HnswPrefetch(slots + off);
}

/*
 * HnswSearchLayer - the ef nearest nodes to query found at one level by a
 * best-first search from the entry candidates (algorithm 2).  Returns an
 * array of *nresults candidates sorted by ascending distance, allocated in
 * the current memory context.  Deleted elements are traversed and returned;
 * callers filter them.  The loop stops when the nearest unexpanded
 * candidate is farther than the farthest kept one, so with ef at least the
 * number of reachable nodes it visits them all.
 */
HnswCandidate **
HnswSearchLayer(HnswGraph *graph, Datum query, HnswCandidate **entries,
				int nentries, int ef, int level, int *nresults)
{
	HnswLayerSearch ls;
	HnswCandidate *kept;
	HnswCandidate **results;

	Assert(ef >= 1);
	ls.graph = graph;
	ls.ef = ef;
	ls.maxpool = Max(2 * ef, 16);
	ls.npool = 0;
	ls.pool = palloc(sizeof(HnswCandidate) * ls.maxpool);
	HeapInit(&ls.pending, Max(ef, 16), false);
	HeapInit(&ls.found, ef, true);
	HnswStartVisited(graph);

	for (int i = 0; i < nentries; i++)
	{
		if (!HnswAlreadyVisited(graph, entries[i]->id))
			OfferCandidate(&ls, entries[i]);
	}

	while (ls.pending.count > 0)
	{
		HnswCandidate c;

		if (ls.pending.items[0].distance > ls.found.items[0].distance)
			break;
		/* a copy: expanding may move the pool */
		c = ls.pool[HeapPop(&ls.pending)];
		PrefetchNextExpansion(&ls, level);
		CHECK_FOR_INTERRUPTS();
		/* an element linked at a level has that level; else the graph is inconsistent */
		if (c.level >= level)
			ExpandCandidate(&ls, &c, query, level);
	}

	*nresults = ls.found.count;
	kept = palloc(sizeof(HnswCandidate) * Max(ls.found.count, 1));
	results = palloc(sizeof(HnswCandidate *) * Max(ls.found.count, 1));
	for (int i = ls.found.count - 1; i >= 0; i--)
	{
		kept[i] = ls.pool[HeapPop(&ls.found)];
		results[i] = &kept[i];
	}
	pfree(ls.pool);
	pfree(ls.pending.items);
	pfree(ls.found.items);
	return results;
}

/* ----------------------------------------------------------------
 *		The page graph
 * ----------------------------------------------------------------
 */

/*
 * Pins the page of node id (an element page, never the metapage).  When
 * the graph remembers the buffer its block was last read into, the pin is
 * tried there first (ReadRecentBuffer checks that the buffer still holds
 * the block), which skips the lookup in the shared buffer mapping table.
 */
static Buffer
PageGraphPin(HnswGraph *graph, uint64 id)
{
	BlockNumber blkno = HnswIdGetBlkno(id);
	Buffer		buf;

	if (blkno == HNSW_METAPAGE_BLKNO)
		HnswReportBadElement(graph->index, blkno, HnswIdGetOffno(id), "block number");
	if (blkno >= graph->nrecent)
		return ReadBuffer(graph->index, blkno);
	buf = graph->recentBuffers[blkno];
	if (BufferIsValid(buf) &&
		ReadRecentBuffer(graph->index->rd_node, MAIN_FORKNUM, blkno, buf))
		return buf;
	buf = ReadBuffer(graph->index, blkno);
	graph->recentBuffers[blkno] = buf;
	return buf;
}

/*
 * Fills a candidate from a checked tuple, still under its page's lock.  In
 * a quantized index the tuple's code (or exact value) is decoded into
 * graph->decoded first.
 */
static void
PageGraphFill(HnswGraph *graph, Datum query, uint64 id, HnswElementTuple tup,
			  HnswCandidate *out)
{
	struct varlena *stored = HnswTupleValue(tup, graph->m);
	Datum		value = PointerGetDatum(stored);

	if (graph->quant != NULL)
	{
		if (!HnswQuantDecode(graph->quant, graph->index, stored, graph->decoded))
			HnswReportBadElement(graph->index, HnswIdGetBlkno(id), HnswIdGetOffno(id), "code");
		value = PointerGetDatum(graph->decoded);
	}
	out->id = id;
	out->distance = HnswDistance(graph, query, value);
	out->element = NULL;
	out->heaptid = tup->heaptid;
	out->deleted = tup->deleted != 0;
	out->level = tup->level;
}

/*
 * Pins the page of node id and prefetches the page's header (with the
 * first line pointers) and special space.
 */
static Buffer
PageGraphPinAhead(HnswGraph *graph, uint64 id)
{
	Buffer		buf = PageGraphPin(graph, id);
	Page		page = BufferGetPage(buf);

	HnswPrefetch(page);
	HnswPrefetch((char *) page + BLCKSZ - sizeof(HnswPageOpaqueData));
	return buf;
}

/*
 * Checks the page of node id, which the caller holds share-locked, and
 * prefetches the node's tuple: its header and, assuming level 0 (most
 * elements), its value up to the end of the tuple.  The tuple itself is
 * checked later (HnswCheckElementTuple), once it has arrived.
 */
static void
PageGraphPrefetchTuple(HnswGraph *graph, Buffer buf, uint64 id)
{
	BlockNumber blkno = HnswIdGetBlkno(id);
	OffsetNumber offno = HnswIdGetOffno(id);
	Page		page = BufferGetPage(buf);
	ItemId		itemid;
	const char *tup;
	Size		len;

	HnswCheckPage(graph->index, page, blkno, HNSW_PAGE_ELEMENT);
	if (offno < FirstOffsetNumber || offno > PageGetMaxOffsetNumber(page))
		return;					/* HnswCheckElementTuple reports it */
	itemid = PageGetItemId(page, offno);
	tup = (const char *) page + ItemIdGetOffset(itemid);
	len = Min(ItemIdGetLength(itemid), BLCKSZ - ItemIdGetOffset(itemid));
	HnswPrefetch(tup);
	for (Size off = HnswTupleValueOffsetFor(graph->quant != NULL && graph->quant->compact, 0,
											graph->m);
		 off < len; off += 64)
		HnswPrefetch(tup + off);
}

/* Insertion sort of a few node ids, so that nodes of one page are adjacent. */
static void
SortIds(uint64 *ids, int n)
{
	for (int i = 1; i < n; i++)
	{
		uint64		id = ids[i];
		int			j = i;

		for (; j > 0 && ids[j - 1] > id; j--)
			ids[j] = ids[j - 1];
		ids[j] = id;
	}
}

/*
 * The page graph's visit (see the file header), a pipeline over the nodes
 * in page order: node i + HNSW_PIN_AHEAD is pinned, node i +
 * HNSW_LOCK_AHEAD is locked, its page checked and its tuple prefetched,
 * and node i is checked, measured and released.  Nodes of one page are
 * adjacent, and their page is locked once, by the first, and unlocked by
 * the last.  Holds at most HNSW_LOCK_AHEAD + 1 element pages share-locked
 * and HNSW_PIN_AHEAD + 1 pinned, and none on return.  Sorts ids.
 */
static void
PageGraphVisit(HnswGraph *graph, Datum query, uint64 *ids, int n, HnswCandidate *out)
{
	Buffer		bufs[2 * HNSW_MAX_M];

	Assert(n >= 1 && n <= 2 * HNSW_MAX_M);
	StaticAssertStmt(HNSW_LOCK_AHEAD < HNSW_PIN_AHEAD, "pages are pinned before they are locked");
	SortIds(ids, n);
	for (int i = 0; i < n + HNSW_PIN_AHEAD; i++)
	{
		int			p = i;			/* to pin */
		int			l = i - (HNSW_PIN_AHEAD - HNSW_LOCK_AHEAD);	/* to lock */
		int			r = i - HNSW_PIN_AHEAD; /* to read */

		if (p > 0 && p < n && HnswIdGetBlkno(ids[p]) == HnswIdGetBlkno(ids[p - 1]))
		{
			/* same page as the previous node: a second pin, no lookup */
			IncrBufferRefCount(bufs[p - 1]);
			bufs[p] = bufs[p - 1];
		}
		else if (p < n)
			bufs[p] = PageGraphPinAhead(graph, ids[p]);
		if (l >= 0 && l < n)
		{
			if (l == 0 || bufs[l] != bufs[l - 1])
				LockBuffer(bufs[l], BUFFER_LOCK_SHARE);
			PageGraphPrefetchTuple(graph, bufs[l], ids[l]);
		}
		if (r >= 0)
		{
			HnswElementTuple tup = HnswCheckElementTuple(graph->index, BufferGetPage(bufs[r]),
														 HnswIdGetBlkno(ids[r]),
														 HnswIdGetOffno(ids[r]), graph->m);

			PageGraphFill(graph, query, ids[r], tup, &out[r]);
			if (r + 1 < n && bufs[r + 1] == bufs[r])
				ReleaseBuffer(bufs[r]);
			else
				UnlockReleaseBuffer(bufs[r]);
		}
	}
}

/* The page graph's neighbors: read under a share lock on the node's page. */
static int
PageGraphNeighbors(HnswGraph *graph, const HnswCandidate *c, int level, uint64 *ids)
{
	Buffer		buf = PageGraphPin(graph, c->id);
	HnswElementTuple tup;
	int			n = 0;

	LockBuffer(buf, BUFFER_LOCK_SHARE);
	HnswCheckPage(graph->index, BufferGetPage(buf), HnswIdGetBlkno(c->id), HNSW_PAGE_ELEMENT);
	tup = HnswCheckElementTuple(graph->index, BufferGetPage(buf), HnswIdGetBlkno(c->id),
								HnswIdGetOffno(c->id), graph->m);
	if (tup->level >= level && !HnswTupleLevelIds(tup, level, graph->m, ids, &n))
		HnswReportBadElement(graph->index, HnswIdGetBlkno(c->id), HnswIdGetOffno(c->id),
							 "neighbour list");
	UnlockReleaseBuffer(buf);
	return n;
}

/*
 * HnswInitPageGraph - a graph that reads the index's pages in place, for
 * scans: its candidates carry no element (get and cache are NULL), only
 * the distance, heap TID, deleted flag and level.  Its visited set lives
 * in cxt, which the caller deletes or resets to drop it.  recentBuffers,
 * when not NULL, has nrecent entries (InvalidBuffer or a hint, which may
 * be stale) that the graph reads and updates; the caller may keep it
 * across searches of one index.  Indexes in local buffers get none.  q is
 * the index's quantizer (ready, or a format 4 one whose graph holds exact
 * values so far), or NULL: a quantized graph's queries are float4 vectors
 * (HnswQuantToFloat) and its distances approximate.
 */
void
HnswInitPageGraph(HnswGraph *graph, Relation index, int m, MemoryContext cxt,
				  Buffer *recentBuffers, BlockNumber nrecent, HnswQuantizer *q)
{
	HnswInitGraph(graph, index, m, cxt, NULL);
	if (q != NULL)
	{
		graph->quant = q;
		graph->decoded = MemoryContextAlloc(cxt, EP_VECTOR_SIZE(q->dims));
	}
	graph->visit = PageGraphVisit;
	graph->neighbors = PageGraphNeighbors;
	if (recentBuffers != NULL && !RelationUsesLocalBuffers(index))
	{
		graph->recentBuffers = recentBuffers;
		graph->nrecent = nrecent;
	}
}
