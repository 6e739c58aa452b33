/*-------------------------------------------------------------------------
 *
 * hnswbuild.c
 *	  Builds an hnsw index (ambuild) and the init fork of an unlogged one
 *	  (ambuildempty).
 *
 *	  Two phases.  In memory: every heap tuple becomes an element of a
 *	  graph kept in the "hnsw build graph" context, whose slots are array
 *	  indexes; the insertion algorithm is the one of hnswutils.c, run with
 *	  no lock (the index is not visible to anyone yet).  On disk: the graph
 *	  is laid out page by page, breadth-first from the entry point so that
 *	  neighbours share pages (LayoutOrder; a first pass assigns each
 *	  element its TID, a second forms the tuples with their neighbours'
 *	  TIDs), through the buffer manager without WAL, and the whole relation
 *	  is then WAL-logged once with log_newpage_range, as pgvector does.
 *
 *	  Quantized indexes: the in-memory graph is built from the exact values
 *	  (the build holds them); WriteGraph then sets the index's range from
 *	  all of them (SetRangeFromGraph) and stores each value's code, on
 *	  range pages at blocks 1.. (format 4 reserves them even when the
 *	  table is empty: the first inserts then store exact values and set
 *	  the ranges in place, hnswinsert.c).  Past the memory limit, the
 *	  on-disk inserts code values in the range of the values built in
 *	  memory (with a sample's headroom), or store exact those that would
 *	  be clamped.
 *
 *	  Progress: pg_stat_progress_create_index shows the phases "loading
 *	  tuples" (the heap scan; the tuples added so far in tuples_done) and
 *	  "writing pages".
 *
 *	  Memory: the graph context may grow to
 *	  epiphany.vector_index_build_memory.  Past it,
 *	  the graph built so far is written and logged as above, its context is
 *	  deleted, a NOTICE says so, and the remaining tuples go through the
 *	  ordinary insertion path (HnswInsertOnDisk, GenericXLog per change).
 *	  Each heap tuple is processed in the "hnsw build tuple" context, reset
 *	  after every tuple.
 *
 *	  Speed: in memory, visited sets are epochs in graph.visitMarks, and
 *	  each element keeps its neighbours' distances and the heuristic's
 *	  verdicts, so that linking back re-tests only what the new element
 *	  changes (SelectInMemory; README.md, "Build speed").  Invariant: a
 *	  level whose bit is set in closerValid holds its entries sorted by
 *	  (distance, id), and each verdict is the heuristic's test against the
 *	  kept entries before it.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  vectorstore/src/hnswbuild.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include <unistd.h>

#include "access/tableam.h"
#include "access/xloginsert.h"
#include "commands/progress.h"
#include "hnsw.h"
#include "miscadmin.h"
#include "optimizer/optimizer.h"
#include "pgstat.h"
#include "storage/bufmgr.h"
#include "utils/memutils.h"
#include "utils/rel.h"

/*
 * Neighbours whose lists AddToGraph prefetches ahead of the one it links
 * back.
 */
#define HNSW_LIST_PREFETCH_AHEAD 2

typedef struct HnswBuildState
{
	Relation	index;
	int			m;
	int			efConstruction;
	uint32		dims;
	HnswQuantizer quantizer;	/* of a quantized index */
	HnswQuantizer *quant;		/* &quantizer, or NULL: values stored as given */
	HnswGraph	graph;			/* in-memory graph; elements in graphCxt */
	HnswSharedGraph *shared;	/* parallel build: the shared graph, else NULL */
	MemoryContext graphCxt;		/* "hnsw build graph" */
	MemoryContext tmpCxt;		/* "hnsw build tuple", reset per tuple */
	Size		memoryLimit;	/* epiphany.vector_index_build_memory, bytes */
	uint64		entryId;		/* entry point's array index */
	int			entryLevel;		/* -1 while the graph is empty */
	bool		onDisk;			/* graph written; insert through the pages */
	bool		progress;		/* parallel build: this participant reports */
	double		reltuples;
	double		indtuples;
} HnswBuildState;

/*
 * A neighbour list being re-selected in memory: one entry per current
 * neighbour plus the new element, sorted by (distance to the list's owner,
 * id).
 */
typedef struct HnswPruneEntry
{
	uint64		id;
	double		distance;		/* to the list's owner */
	bool		closer;			/* kept by the heuristic on its own merits */
	bool		chosen;			/* in the new list */
} HnswPruneEntry;

/* The element of an array index: the in-memory graph's "get". */
static HnswElement
InMemoryGet(HnswGraph *graph, uint64 id)
{
	Assert(id < (uint64) graph->nelements);
	return graph->nodes[id].element;
}

/*
 * The most dimensions whose code fits an element tuple of level 0 at a
 * given m.
 */
static int
QuantMaxDims(HnswQuantization kind, int m)
{
	/* as the wide layout counts it, so the limit is the same for both */
	Size		room = HNSW_MAX_TUPLE_SIZE - HnswElementTupleSize(false, 0, m, VARHDRSZ);

	return (int) (kind == HNSW_QUANT_SQ8 ? room : room * 8);
}

/*
 * Checks the options and the column, and returns the indexed column's
 * dimensions (its typmod).  For a quantized index, also sets up q (not
 * ready: the range comes from the data) after checking that the
 * operator class supports it and that a code fits a page.
 */
static uint32
CheckBuildParameters(Relation index, int m, int efConstruction,
					 HnswQuantization quantization, HnswQuantizer *q)
{
	int32		typmod = TupleDescAttr(RelationGetDescr(index), 0)->atttypmod;

	if (efConstruction < 2 * m)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("ef_construction must be greater than or equal to 2 * m")));
	if (typmod < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("column does not have dimensions"),
				 errhint("Declare the column with its dimensions, as in vector(3), or index an expression that casts it.")));
	if (quantization == HNSW_QUANT_NONE)
		return (uint32) typmod;
	HnswQuantizerInit(q, index, quantization, typmod);
	if (typmod > QuantMaxDims(quantization, m))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("hnsw quantization \"%s\" cannot index more than %d dimensions at m = %d",
						HnswQuantizationName(quantization), QuantMaxDims(quantization, m), m),
				 errdetail("A code of %d dimensions does not fit an index page.", typmod),
				 errhint("Use quantization = 'binary', or a smaller m.")));
	return (uint32) typmod;
}

/* Appends an element to the in-memory graph; returns its array index. */
static uint64
AppendElement(HnswBuildState *bs, HnswElement element)
{
	HnswGraph  *graph = &bs->graph;

	if (graph->nelements == graph->maxelements)
		HnswGrowNodes(graph, graph->maxelements * 2);
	element->id = (uint64) graph->nelements++;
	HnswSetNode(graph, element->id, element);
	return element->id;
}

/*
 * A new, empty in-memory graph in a new "hnsw build graph" context.  A
 * Generation context: the graph's pieces die together, and it packs them
 * one after another where AllocSet would round each up to a power of two
 * (a 520-byte value to 1 kB), so each element's struct, lists and value
 * share pages and the graph takes less memory.
 */
static void
InitGraph(HnswBuildState *bs)
{
	bs->graphCxt = GenerationContextCreate(CurrentMemoryContext, "hnsw build graph",
										   ALLOCSET_DEFAULT_SIZES);
	HnswInitGraph(&bs->graph, bs->index, bs->m, bs->graphCxt, InMemoryGet);
	HnswGrowNodes(&bs->graph, 1024);
	bs->entryId = HNSW_INVALID_ID;
	bs->entryLevel = -1;
}

/* qsort order of prune entries: ascending distance, then id. */
static int
ComparePruneEntries(const void *a, const void *b)
{
	const HnswPruneEntry *ea = (const HnswPruneEntry *) a;
	const HnswPruneEntry *eb = (const HnswPruneEntry *) b;

	if (ea->distance != eb->distance)
		return ea->distance < eb->distance ? -1 : 1;
	if (ea->id != eb->id)
		return ea->id < eb->id ? -1 : 1;
	return 0;
}

/*
 * Whether entry e is nearer to the list's owner than to each of the
 * entries whose positions are in set[0..n): the heuristic's test.
 */
static bool
IsCloser(HnswGraph *graph, HnswPruneEntry *entries, int e, const int *set, int n)
{
	Datum		value = PointerGetDatum(graph->nodes[entries[e].id].value);

	for (int j = 0; j < n; j++)
	{
		if (HnswDistance(graph, value, PointerGetDatum(graph->nodes[entries[set[j]].id].value)) <
			entries[e].distance)
			return false;
	}
	return true;
}

/*
 * Runs the selection heuristic of HnswSelectNeighbors on a full list plus
 * its new entry at position newpos, marking the entries chosen.  When the
 * list's verdicts are valid (reuse), each entry's "closer" flag is still
 * what the previous run computed against the kept entries before it, so
 * only changes need testing (pgvector's trick): before newpos nothing
 * changed; the new entry is tested against the kept ones; after it, an
 * entry kept before is tested only against the entries added since, and
 * an entry pruned before is re-tested only once some earlier entry lost
 * its place.  The result is the one a full run gives, with a few distance
 * computations instead of up to capacity^2 / 2.  Returns whether the new
 * entry was chosen.  The function is long to keep the hot loop whole.
 */
static bool
SelectInMemory(HnswGraph *graph, HnswPruneEntry *entries, int nentries, int newpos,
			   int capacity, bool reuse)
{
	int			kept[2 * HNSW_MAX_M + 1];
	int			added[2 * HNSW_MAX_M + 1];
	int			nkept = 0;
	int			nadded = 0;
	int			nprocessed = 0;
	bool		removedAny = false;

	Assert(nentries == capacity + 1 && capacity <= 2 * HNSW_MAX_M);
	for (int i = 0; i < nentries && nkept < capacity; i++)
	{
		HnswPruneEntry *e = &entries[i];

		if (!reuse)
			e->closer = IsCloser(graph, entries, i, kept, nkept);
		else if (nadded > 0)
		{
			if (e->closer)
			{
				e->closer = IsCloser(graph, entries, i, added, nadded);
				removedAny |= !e->closer;
			}
			else if (removedAny)
			{
				e->closer = IsCloser(graph, entries, i, kept, nkept);
				if (e->closer)
					added[nadded++] = i;
			}
		}
		else if (i == newpos)
		{
			e->closer = IsCloser(graph, entries, i, kept, nkept);
			if (e->closer)
				added[nadded++] = i;
		}
		e->chosen = e->closer;
		if (e->closer)
			kept[nkept++] = i;
		nprocessed++;
	}
	/* fill free places with the nearest pruned entries */
	for (int i = 0; i < nprocessed && nkept < capacity; i++)
	{
		if (!entries[i].chosen)
		{
			entries[i].chosen = true;
			nkept++;
		}
	}
	return entries[newpos].chosen;
}

/*
 * Copies a full list of capacity entries and the new one into
 * entries[0..capacity], sorted by (distance, id), and returns the new
 * entry's position.  A sorted list (valid verdicts) only needs the new
 * entry inserted in its place.
 */
static int
LoadPruneEntries(HnswPruneEntry *entries, const uint64 *ids, const double *dists,
				 const bool *closer, int capacity, const HnswPruneEntry *new, bool sorted)
{
	int			newpos = 0;

	for (int i = 0; i < capacity; i++)
	{
		entries[i].id = ids[i];
		entries[i].distance = dists[i];
		entries[i].closer = closer[i];
		entries[i].chosen = false;
		if (ComparePruneEntries(&entries[i], new) < 0)
			newpos = i + 1;
	}
	if (sorted)
	{
		memmove(&entries[newpos + 1], &entries[newpos],
				sizeof(HnswPruneEntry) * (capacity - newpos));
		entries[newpos] = *new;
		return newpos;
	}
	entries[capacity] = *new;
	qsort(entries, capacity + 1, sizeof(HnswPruneEntry), ComparePruneEntries);
	for (newpos = 0; entries[newpos].id != new->id; newpos++)
		;
	return newpos;
}

/*
 * Links an in-memory neighbour back to the new element at one level, at
 * the given distance between them (known from the element's search).  A
 * list with a free slot takes the element; a full one is re-selected by
 * SelectInMemory among its entries and the element, and rewritten, sorted,
 * only if the element made it in (otherwise it would come out unchanged).
 */
static void
LinkBackInMemory(HnswGraph *graph, HnswElement neighbor, int level,
				 HnswElement element, double distance)
{
	int			first = HnswLevelFirstSlot(level, graph->m);
	int			capacity = HnswLevelCapacity(level, graph->m);
	uint64	   *ids = neighbor->slots + first;
	double	   *dists = neighbor->dists + first;
	bool	   *closer = neighbor->closer + first;
	uint32		bit = UINT32_C(1) << level;
	bool		reuse = (neighbor->closerValid & bit) != 0;
	HnswPruneEntry entries[2 * HNSW_MAX_M + 1];
	HnswPruneEntry new;
	int			n = 0;
	int			newpos;

	Assert(neighbor->level >= level);
	while (n < capacity && ids[n] != HNSW_INVALID_ID)
		n++;
	if (n < capacity)
	{
		ids[n] = element->id;
		dists[n] = distance;
		closer[n] = false;
		neighbor->closerValid &= ~bit;
		return;
	}

	new.id = element->id;
	new.distance = distance;
	new.closer = false;
	new.chosen = false;
	newpos = LoadPruneEntries(entries, ids, dists, closer, capacity, &new, reuse);
	if (!SelectInMemory(graph, entries, capacity + 1, newpos, capacity, reuse))
		return;
	n = 0;
	for (int i = 0; i <= capacity; i++)
	{
		if (!entries[i].chosen)
			continue;
		ids[n] = entries[i].id;
		dists[n] = entries[i].distance;
		closer[n] = entries[i].closer;
		n++;
	}
	Assert(n == capacity);
	neighbor->closerValid |= bit;
}

/*
 * Prefetches the list of one level of an element of the in-memory graph
 * (its ids, distances and verdicts), which linking back to a new element
 * reads; nothing for an invalid id.
 */
static inline void
PrefetchLists(HnswGraph *graph, uint64 id, int level)
{
	HnswElement neighbor;
	int			first = HnswLevelFirstSlot(level, graph->m);
	int			capacity = HnswLevelCapacity(level, graph->m);

	if (id == HNSW_INVALID_ID)
		return;
	neighbor = graph->nodes[id].element;
	for (int off = 0; off < capacity; off += 8)
	{
		HnswPrefetch(neighbor->slots + first + off);
		HnswPrefetch(neighbor->dists + first + off);
	}
	HnswPrefetch(neighbor->closer + first);
}

/*
 * A new element of the graph for a formed value: a copy in the graph
 * context (serial build) or in the shared graph (parallel build; NULL when
 * it is full).  Its id is set in a parallel build only.
 */
static HnswElement
NewGraphElement(HnswBuildState *bs, Datum value, ItemPointer heaptid)
{
	MemoryContext oldcxt;
	Size		size = VARSIZE(DatumGetPointer(value));
	void	   *copy;
	HnswElement element;
	int			nslots;

	if (bs->shared != NULL)
		return HnswSharedNewElement(bs->shared, value, heaptid, HnswLevelFor(heaptid, bs->m),
									bs->m, HnswStoredValueSize(bs->quant, value));
	oldcxt = MemoryContextSwitchTo(bs->graphCxt);
	copy = palloc(size);
	memcpy(copy, DatumGetPointer(value), size);
	element = HnswNewElement(PointerGetDatum(copy), heaptid, HnswLevelFor(heaptid, bs->m), bs->m,
							 HnswStoredValueSize(bs->quant, PointerGetDatum(copy)));
	nslots = HnswSlotCount(element->level, bs->m);
	element->dists = palloc(sizeof(double) * nslots);
	element->closer = palloc0(sizeof(bool) * nslots);
	MemoryContextSwitchTo(oldcxt);
	return element;
}

/*
 * The entry point to insert element from.  Returns true when the graph was
 * empty and element is now its entry point (and in the graph).
 */
static bool
GetEntry(HnswBuildState *bs, HnswElement element, uint64 *entryId, int *entryLevel)
{
	if (bs->shared != NULL)
		return HnswSharedGetEntry(bs->shared, element, entryId, entryLevel);
	if (bs->entryLevel < 0)
	{
		bs->entryId = AppendElement(bs, element);
		bs->entryLevel = element->level;
		return true;
	}
	*entryId = bs->entryId;
	*entryLevel = bs->entryLevel;
	return false;
}

/*
 * Adds a formed value to the in-memory graph: copy it into the graph,
 * find its neighbours, link them back, and raise the entry point if
 * needed.  Temporary allocations go to the current (per-tuple) context.
 * Returns false, adding nothing, when a parallel build's graph is full.
 * In a parallel build each neighbour's lists are linked back under its
 * lock, and the element's own lists are read from a copy taken before
 * anyone can reach it (others may re-select them from then on).
 */
static bool
AddToGraph(HnswBuildState *bs, Datum value, ItemPointer heaptid)
{
	HnswGraph  *graph = &bs->graph;
	HnswElement element = NewGraphElement(bs, value, heaptid);
	uint64		entryId;
	int			entryLevel;
	int			nslots;
	uint64	   *ownIds;
	double	   *ownDists;

	if (element == NULL)
		return false;
	if (GetEntry(bs, element, &entryId, &entryLevel))
		return true;

	HnswFindNeighbors(graph, element, entryId, entryLevel, bs->efConstruction);
	if (bs->shared != NULL)
		HnswSharedPublish(bs->shared, element);
	else
		AppendElement(bs, element);
	nslots = HnswSlotCount(element->level, bs->m);
	ownIds = palloc(sizeof(uint64) * nslots);
	ownDists = palloc(sizeof(double) * nslots);
	memcpy(ownIds, element->slots, sizeof(uint64) * nslots);
	memcpy(ownDists, element->dists, sizeof(double) * nslots);

	for (int level = Min(element->level, entryLevel); level >= 0; level--)
	{
		int			first = HnswLevelFirstSlot(level, bs->m);
		int			capacity = HnswLevelCapacity(level, bs->m);
		const uint64 *ids = ownIds + first;

		/* the neighbours' lists are cache misses: overlap them (see PrefetchLists) */
		for (int i = 0; i < capacity && ids[i] != HNSW_INVALID_ID; i++)
			HnswPrefetch(graph->nodes[ids[i]].element);
		for (int i = 0; i < Min(capacity, HNSW_LIST_PREFETCH_AHEAD); i++)
			PrefetchLists(graph, ids[i], level);
		for (int i = 0; i < capacity; i++)
		{
			HnswElement neighbor;

			if (ids[i] == HNSW_INVALID_ID)
				continue;
			if (i + HNSW_LIST_PREFETCH_AHEAD < capacity)
				PrefetchLists(graph, ids[i + HNSW_LIST_PREFETCH_AHEAD], level);
			neighbor = graph->nodes[ids[i]].element;
			if (bs->shared != NULL)
				HnswSharedLockList(bs->shared, neighbor, level);
			LinkBackInMemory(graph, neighbor, level, element, ownDists[first + i]);
			if (bs->shared != NULL)
				HnswSharedUnlockList(bs->shared, neighbor);
		}
	}

	if (bs->shared != NULL)
		HnswSharedReleaseEntry(bs->shared, element);
	else if (element->level > bs->entryLevel)
	{
		bs->entryId = element->id;
		bs->entryLevel = element->level;
	}
	return true;
}

/*
 * The order in which the elements are laid out on disk: breadth-first
 * over level 0 from the entry point, each element's neighbours in slot
 * order (nearest first), then whatever the walk did not reach, in array
 * order.  Neighbours then tend to share pages, so a scan's visit reads
 * fewer distinct pages.  Returns n array indexes, in the current context.
 */
static int64 *
LayoutOrder(HnswBuildState *bs)
{
	HnswGraph  *graph = &bs->graph;
	int64		n = graph->nelements;
	int64	   *order = palloc_extended(mul_size(sizeof(int64), Max(n, 1)), MCXT_ALLOC_HUGE);
	bool	   *placed = palloc_extended(Max(n, 1), MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	int64		norder = 0;
	int64		unplaced = 0;	/* no element before it is unplaced */
	int			capacity = HnswLevelCapacity(0, bs->m);

	if (bs->entryLevel >= 0)
	{
		order[norder++] = (int64) bs->entryId;
		placed[bs->entryId] = true;
	}
	for (int64 next = 0; next < n; next++)
	{
		if (next == norder)
		{
			/* the walk ended: continue from the first element not placed */
			while (placed[unplaced])
				unplaced++;
			order[norder++] = unplaced;
			placed[unplaced] = true;
		}
		for (int slot = 0; slot < capacity; slot++)
		{
			uint64		id = graph->nodes[order[next]].element->slots[slot];

			if (id != HNSW_INVALID_ID && !placed[id])
			{
				order[norder++] = (int64) id;
				placed[id] = true;
			}
		}
		CHECK_FOR_INTERRUPTS();
	}
	Assert(norder == n);
	pfree(placed);
	return order;
}

/*
 * Gives every element of the in-memory graph its TID: elements are laid
 * out in the given order, a new page starting when the next tuple does not
 * fit.
 */
static void
AssignTids(HnswBuildState *bs, const int64 *order, BlockNumber first)
{
	const Size	pagespace = BLCKSZ - SizeOfPageHeaderData -
		MAXALIGN(sizeof(HnswPageOpaqueData));
	BlockNumber blkno = first;
	OffsetNumber offno = FirstOffsetNumber;
	Size		freespace = pagespace;

	for (int64 i = 0; i < bs->graph.nelements; i++)
	{
		HnswElement element = bs->graph.nodes[order[i]].element;
		Size		size = HnswElementTupleSize(bs->quant != NULL, element->level, bs->m,
												HnswStoredValueSize(bs->quant, element->value));
		Size		need = MAXALIGN(size) + sizeof(ItemIdData);

		if (size > HNSW_MAX_TUPLE_SIZE)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("index row size %zu exceeds hnsw maximum %zu for index \"%s\"",
							size, (Size) HNSW_MAX_TUPLE_SIZE,
							RelationGetRelationName(bs->index)),
					 errhint("Index fewer dimensions, for example through a halfvec expression, or use a smaller m.")));
		if (need > freespace)
		{
			blkno++;
			offno = FirstOffsetNumber;
			freespace = pagespace;
		}
		element->id = HnswTidToId(blkno, offno);
		offno++;
		freespace -= need;
	}
}

/* A new, locked page at the end of the index; checks its block number. */
static Buffer
NewPage(Relation index, ForkNumber forknum, BlockNumber expected)
{
	Buffer		buf = ReadBufferExtended(index, forknum, P_NEW, RBM_NORMAL, NULL);

	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	if (BufferGetBlockNumber(buf) != expected)
		elog(ERROR, "index \"%s\" extended to block %u instead of %u",
			 RelationGetRelationName(index), BufferGetBlockNumber(buf), expected);
	return buf;
}

/*
 * Sets the ranges of a quantized index from every value of the in-memory
 * graph, in the current memory context (none: they stay unset, and the
 * first inserts set them).  With complete false (the build spills and
 * inserts the rest on disk) those values are a sample of the table, and
 * the ranges get the sample's headroom.
 */
static void
SetRangeFromGraph(HnswBuildState *bs, bool complete)
{
	HnswQuantStats stats;

	HnswQuantStatsInit(&stats, bs->quant->dims);
	for (int64 i = 0; i < bs->graph.nelements; i++)
	{
		Datum		value = bs->graph.nodes[i].element->value;
		EpVector   *v = HnswQuantToFloat(bs->quant, value);

		HnswQuantStatsAdd(&stats, v);
		if ((Pointer) v != DatumGetPointer(value))
			pfree(v);
		CHECK_FOR_INTERRUPTS();
	}
	if (stats.count > 0)
		HnswQuantSetRange(bs->quant, &stats, complete ? HNSW_RANGE_ALL : HNSW_RANGE_SAMPLE);
}

/*
 * What the tuple of an element stores: its value, or the code of its
 * value in a quantized index (then in the current memory context).
 */
static struct varlena *
StoredValue(HnswBuildState *bs, HnswElement element)
{
	EpVector   *v;
	struct varlena *code;

	if (bs->quant == NULL)
		return (struct varlena *) DatumGetPointer(element->value);
	v = HnswQuantToFloat(bs->quant, element->value);
	code = HnswQuantEncode(bs->quant, v);
	if ((Pointer) v != DatumGetPointer(element->value))
		pfree(v);
	return code;
}

/* Marks a built page dirty and releases it. */
static void
FinishPage(Buffer buf)
{
	MarkBufferDirty(buf);
	UnlockReleaseBuffer(buf);
	CHECK_FOR_INTERRUPTS();
}

/*
 * Writes the metapage, a quantized index's range pages (blocks 1.., set
 * from the graph's values, or reserved unset when there is none) and the
 * in-memory graph to the (empty) main fork, in LayoutOrder, then WAL-logs
 * every page.  complete says whether the graph holds every value of the
 * table (else the build spills).  The order and the tuples are formed in
 * a context of their own, deleted on return (the caller's per-tuple
 * context may hold a value that is still to be inserted).
 */
static void
WriteGraph(HnswBuildState *bs, bool complete)
{
	Buffer		buf;
	HnswMetaPage meta;
	BlockNumber current = InvalidBlockNumber;
	MemoryContext writeCxt;
	MemoryContext oldcxt;
	int64	   *order;
	int			rangePages = 0;

	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, HNSW_PHASE_WRITE);
	writeCxt = AllocSetContextCreate(CurrentMemoryContext, "hnsw build write",
									 ALLOCSET_DEFAULT_SIZES);
	oldcxt = MemoryContextSwitchTo(writeCxt);
	order = LayoutOrder(bs);
	if (bs->quant != NULL)
		SetRangeFromGraph(bs, complete);
	if (bs->quant != NULL)
		rangePages = HnswRangePageCount(bs->quant->dims);
	AssignTids(bs, order, HNSW_FIRST_ELEMENT_BLKNO + rangePages);

	buf = NewPage(bs->index, MAIN_FORKNUM, HNSW_METAPAGE_BLKNO);
	HnswInitMetaPage(BufferGetPage(buf), bs->dims, bs->m, bs->efConstruction,
					 bs->quant ? bs->quant->kind : HNSW_QUANT_NONE);
	meta = HnswPageGetMeta(BufferGetPage(buf));
	if (bs->quant != NULL && bs->quant->ready)
		HnswQuantSetMeta(meta, HNSW_FIRST_ELEMENT_BLKNO, rangePages);
	if (bs->entryLevel >= 0)
	{
		uint64		entry = bs->graph.nodes[bs->entryId].element->id;

		meta->entryBlkno = HnswIdGetBlkno(entry);
		meta->entryOffno = HnswIdGetOffno(entry);
		meta->entryLevel = (int16) bs->entryLevel;
	}
	FinishPage(buf);
	for (int pageno = 0; pageno < rangePages; pageno++)
	{
		buf = NewPage(bs->index, MAIN_FORKNUM, HNSW_FIRST_ELEMENT_BLKNO + pageno);
		if (bs->quant->ready)
			HnswQuantFillRangePage(bs->quant, BufferGetPage(buf), pageno);
		else
			HnswQuantInitRangePage(BufferGetPage(buf));
		FinishPage(buf);
	}

	buf = InvalidBuffer;
	for (int64 i = 0; i < bs->graph.nelements; i++)
	{
		HnswElement element = bs->graph.nodes[order[i]].element;
		struct varlena *stored = StoredValue(bs, element);
		Size		size = HnswElementTupleSize(bs->quant != NULL, element->level, bs->m,
												VARSIZE(stored));
		HnswElementTuple tup = palloc(size);

		if (HnswIdGetBlkno(element->id) != current)
		{
			if (BufferIsValid(buf))
				FinishPage(buf);
			current = HnswIdGetBlkno(element->id);
			buf = NewPage(bs->index, MAIN_FORKNUM, current);
			HnswInitPage(BufferGetPage(buf), HNSW_PAGE_ELEMENT);
		}
		HnswFormElementTuple(tup, bs->quant != NULL ? HnswQuantOffsetBits(bs->quant, bs->m) : 0,
							 element, bs->m, bs->graph.nodes, stored);
		if (PageAddItem(BufferGetPage(buf), (Item) tup, size, InvalidOffsetNumber,
						false, false) != HnswIdGetOffno(element->id))
			elog(ERROR, "failed to add element tuple to index \"%s\"",
				 RelationGetRelationName(bs->index));
		pfree(tup);
		if (bs->quant != NULL)
			pfree(stored);
	}
	if (BufferIsValid(buf))
		FinishPage(buf);
	MemoryContextSwitchTo(oldcxt);
	MemoryContextDelete(writeCxt);
	if (bs->quant != NULL)
	{
		/* its ranges were in writeCxt; the pages have them now */
		bs->quant->ready = false;
		bs->quant->lo = bs->quant->step = NULL;
	}

	if (RelationNeedsWAL(bs->index))
		log_newpage_range(bs->index, MAIN_FORKNUM, 0,
						  RelationGetNumberOfBlocks(bs->index), true);
}

/*
 * Switches the build to the on-disk path: writes and logs the graph so
 * far and frees it.
 */
static void
SpillGraph(HnswBuildState *bs)
{
	ereport(NOTICE,
			(errmsg("hnsw graph of index \"%s\" no longer fits in epiphany.vector_index_build_memory",
					RelationGetRelationName(bs->index)),
			 errdetail("%.0f tuples were added in memory; the remaining ones are inserted into the index on disk, which is slower.",
					   bs->indtuples),
			 errhint("Increase epiphany.vector_index_build_memory to build faster.")));
	WriteGraph(bs, false);
	MemoryContextDelete(bs->graphCxt);
	bs->graphCxt = NULL;
	bs->onDisk = true;
	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, HNSW_PHASE_LOAD);
}

/*
 * Adds one formed value in a parallel build, unless the shared graph is
 * full, and reports the values all participants added (the leader's
 * progress).
 */
static void
AddShared(HnswBuildState *bs, Datum value, ItemPointer tid, bool progress)
{
	int64		total;

	if (HnswSharedFull(bs->shared) || !AddToGraph(bs, value, tid))
		return;
	total = HnswSharedAddCounts(bs->shared, 0, 1);
	if (progress)
		pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_DONE, total);
}

/* table_index_build_scan callback: one heap tuple. */
static void
BuildCallback(Relation index, ItemPointer tid, Datum *values, bool *isnull,
			  bool tupleIsAlive, void *state)
{
	HnswBuildState *bs = (HnswBuildState *) state;
	MemoryContext oldcxt;
	Datum		value;

	bs->reltuples++;
	if (isnull[0])
		return;

	oldcxt = MemoryContextSwitchTo(bs->tmpCxt);
	if (!HnswFormValue(index, values[0], &value))
		;
	else if (bs->shared != NULL)
		AddShared(bs, value, tid, bs->progress);
	else
	{
		if (!bs->onDisk &&
			MemoryContextMemAllocated(bs->graphCxt, true) > bs->memoryLimit)
			SpillGraph(bs);
		if (bs->onDisk)
			HnswInsertOnDisk(index, value, tid);
		else
			AddToGraph(bs, value, tid);
		bs->indtuples++;
		pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_DONE, (int64) bs->indtuples);
	}
	MemoryContextSwitchTo(oldcxt);
	MemoryContextReset(bs->tmpCxt);
}

/*
 * Sets up a build of index: options checked, contexts created in the
 * current one, an empty graph (in memory; a parallel build attaches it to
 * the shared graph afterwards).
 */
static void
InitBuildState(HnswBuildState *bs, Relation index)
{
	memset(bs, 0, sizeof(HnswBuildState));
	bs->index = index;
	bs->m = HnswGetM(index);
	bs->efConstruction = HnswGetEfConstruction(index);
	bs->dims = CheckBuildParameters(index, bs->m, bs->efConstruction,
									HnswGetQuantization(index), &bs->quantizer);
	if (HnswGetQuantization(index) != HNSW_QUANT_NONE)
		bs->quant = &bs->quantizer;
	bs->memoryLimit = (Size) ep_vector_index_build_memory * 1024;
	bs->tmpCxt = AllocSetContextCreate(CurrentMemoryContext, "hnsw build tuple",
									   ALLOCSET_DEFAULT_SIZES);
	InitGraph(bs);
}

/*
 * HnswBuildParticipate - a parallel worker's share of the build: inserts
 * the tuples of its part of the heap scan into the shared graph, adding
 * its count of heap tuples to the totals.  Memory: contexts of its own,
 * deleted on return.
 */
void
HnswBuildParticipate(Relation heap, Relation index, IndexInfo *indexInfo,
					 HnswSharedGraph *sg, bool progress)
{
	HnswBuildState bs;

	InitBuildState(&bs, index);
	bs.shared = sg;
	bs.progress = progress;
	HnswSharedGraphAttach(sg, &bs.graph);
	table_index_build_scan(heap, index, indexInfo, true, progress, BuildCallback, &bs,
						   HnswSharedBeginScan(sg, heap));
	(void) HnswSharedAddCounts(sg, (int64) bs.reltuples, 0);
	MemoryContextDelete(bs.graphCxt);
	MemoryContextDelete(bs.tmpCxt);
}

/*
 * Builds the graph in parallel with up to nworkers workers, the leader
 * taking part, and writes it.  Returns false, having written nothing,
 * when no worker could start or the shared graph filled up; bs then has a
 * fresh, empty graph for the serial build.
 */
static bool
BuildParallel(HnswBuildState *bs, Relation heap, IndexInfo *indexInfo, int nworkers)
{
	HnswParallelBuild *pb = HnswBeginParallel(heap, bs->index, indexInfo, nworkers,
											  bs->memoryLimit);
	bool		built = false;

	if (pb == NULL)
		return false;
	bs->shared = HnswParallelLeaderGraph(pb);
	bs->progress = true;
	HnswSharedGraphAttach(bs->shared, &bs->graph);
	table_index_build_scan(heap, bs->index, indexInfo, true, true, BuildCallback, bs,
						   HnswSharedBeginScan(bs->shared, heap));
	(void) HnswSharedAddCounts(bs->shared, (int64) bs->reltuples, 0);
	if (HnswFinishParallel(pb, &bs->reltuples, &bs->indtuples))
	{
		(void) HnswSharedLoadAll(bs->shared, &bs->entryId, &bs->entryLevel);
		WriteGraph(bs, true);
		built = true;
	}
	/* the local views point into the area: drop them with it */
	MemoryContextDelete(bs->graphCxt);
	HnswEndParallel(pb);
	bs->shared = NULL;
	if (!built)
	{
		bs->reltuples = bs->indtuples = 0;
		InitGraph(bs);
	}
	return built;
}

/*
 * The workers a parallel build launches of the nworkers granted: no more
 * participants (the leader takes part) than the machine has CPUs online,
 * but at least one worker.  A participant never waits for I/O, so one
 * more than the CPUs only shares them, and a participant descheduled
 * while it holds an element's lock makes the others wait: on 2 cores,
 * alternating 100,000 x 128 builds with one worker and with two took
 * 19.4 s and 21.0 s on average (six of each, the two-worker times more
 * spread).
 */
static int
BuildWorkers(int nworkers)
{
#ifdef _SC_NPROCESSORS_ONLN
	long		cpus = sysconf(_SC_NPROCESSORS_ONLN);

	if (cpus > 1)
		nworkers = Min(nworkers, (int) Min(cpus - 1, INT_MAX));
#endif
	return nworkers;
}

/*
 * ambuild: builds the index of a heap relation, in parallel when
 * plan_create_index_workers grants workers (max_parallel_maintenance_workers,
 * the table's size and parallel_workers, maintenance_work_mem; BuildWorkers
 * of them are launched), else (or if that fails for room) serially.
 */
IndexBuildResult *
hnswbuild(Relation heap, Relation index, IndexInfo *indexInfo)
{
	HnswBuildState bs;
	IndexBuildResult *result;
	int			nworkers;
	bool		built = false;

	if (RelationGetNumberOfBlocks(index) != 0)
		elog(ERROR, "index \"%s\" already contains data", RelationGetRelationName(index));

	InitBuildState(&bs, index);
	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, HNSW_PHASE_LOAD);
	nworkers = plan_create_index_workers(RelationGetRelid(heap), RelationGetRelid(index));
	if (nworkers > 0)
		built = BuildParallel(&bs, heap, indexInfo, BuildWorkers(nworkers));
	if (!built)
	{
		table_index_build_scan(heap, index, indexInfo, true, true, BuildCallback, &bs, NULL);
		if (!bs.onDisk)
		{
			WriteGraph(&bs, true);
			MemoryContextDelete(bs.graphCxt);
		}
	}
	MemoryContextDelete(bs.tmpCxt);

	result = palloc(sizeof(IndexBuildResult));
	result->heap_tuples = bs.reltuples;
	result->index_tuples = bs.indtuples;
	return result;
}

/*
 * ambuildempty: the init fork of an unlogged index, a metapage and, for a
 * quantized index, its reserved range pages, unset.  They go through
 * shared buffers (init-fork buffers are written at every checkpoint) and
 * are WAL-logged as full pages, as hash indexes do.
 */
void
hnswbuildempty(Relation index)
{
	int			m = HnswGetM(index);
	int			efConstruction = HnswGetEfConstruction(index);
	HnswQuantization quantization = HnswGetQuantization(index);
	HnswQuantizer q;
	uint32		dims = CheckBuildParameters(index, m, efConstruction, quantization, &q);
	Buffer		buf = NewPage(index, INIT_FORKNUM, HNSW_METAPAGE_BLKNO);

	START_CRIT_SECTION();
	HnswInitMetaPage(BufferGetPage(buf), dims, m, efConstruction, quantization);
	MarkBufferDirty(buf);
	log_newpage_buffer(buf, true);
	END_CRIT_SECTION();
	UnlockReleaseBuffer(buf);
	if (quantization == HNSW_QUANT_NONE)
		return;
	for (int pageno = 0; pageno < HnswRangePageCount(dims); pageno++)
	{
		buf = NewPage(index, INIT_FORKNUM, HNSW_FIRST_ELEMENT_BLKNO + pageno);
		START_CRIT_SECTION();
		HnswQuantInitRangePage(BufferGetPage(buf));
		MarkBufferDirty(buf);
		log_newpage_buffer(buf, true);
		END_CRIT_SECTION();
		UnlockReleaseBuffer(buf);
	}
}
