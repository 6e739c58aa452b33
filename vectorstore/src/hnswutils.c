/*-------------------------------------------------------------------------
 *
 * hnswutils.c
 *	  Page and tuple helpers of the hnsw index, and the graph algorithms
 *	  that build, insert, scan and vacuum share: the layer search (Malkov &
 *	  Yashunin, algorithm 2), the neighbour-selection heuristic
 *	  (algorithm 4, keeping pruned connections to fill free slots) and the
 *	  neighbour search of an insertion (algorithm 1, without the back-links,
 *	  which the callers write because they differ in memory and on disk).
 *
 *	  Invariants: every page and element tuple read from disk goes through
 *	  HnswCheckPage and HnswCheckElementTuple before use, and a failed check
 *	  raises ERRCODE_INDEX_CORRUPTED.  The disk graph reads one page at a
 *	  time under a shared buffer lock and copies the tuple out before
 *	  releasing it, so no caller holds a buffer lock across a search.
 *	  Results and candidates are allocated in the caller's context; cached
 *	  elements in the graph's context.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  vectorstore/src/hnswutils.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include <math.h>

#include "access/genam.h"
#include "common/hashfn.h"
#include "fmgr.h"
#include "hnsw.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "utils/float.h"
#include "utils/memutils.h"
#include "utils/rel.h"

/* Entry of the disk graph's cache and of a search's visited set. */
typedef struct HnswCacheEntry
{
	uint64		id;
	HnswElement element;
} HnswCacheEntry;

/* ----------------------------------------------------------------
 *		Pages and tuples
 * ----------------------------------------------------------------
 */

/* Initializes an empty hnsw page of the given kind. */
void
HnswInitPage(Page page, uint16 flags)
{
	HnswPageOpaque opaque;

	PageInit(page, BLCKSZ, sizeof(HnswPageOpaqueData));
	opaque = HnswPageGetOpaque(page);
	opaque->flags = flags;
	opaque->page_id = HNSW_PAGE_ID;
}

/*
 * Initializes the metapage of an empty index.  pd_lower is moved past the
 * metadata so that GenericXLog and page images do not treat it as a hole.
 */
void
HnswInitMetaPage(Page page, uint32 dims, int m, int efConstruction)
{
	HnswMetaPage meta;

	HnswInitPage(page, HNSW_PAGE_META);
	meta = HnswPageGetMeta(page);
	memset(meta, 0, sizeof(HnswMetaPageData));
	meta->magic = HNSW_MAGIC;
	meta->version = HNSW_FORMAT_VERSION;
	meta->dims = dims;
	meta->m = (uint16) m;
	meta->efConstruction = (uint16) efConstruction;
	meta->entryBlkno = InvalidBlockNumber;
	meta->entryOffno = InvalidOffsetNumber;
	meta->entryLevel = -1;
	((PageHeader) page)->pd_lower = ((char *) meta + sizeof(HnswMetaPageData)) - (char *) page;
}

/*
 * Checks that a page read from disk is an hnsw page of the expected kind.
 * Callers handle all-zero (new) pages before calling.
 */
void
HnswCheckPage(Relation index, Page page, BlockNumber blkno, uint16 flags)
{
	HnswPageOpaque opaque;

	if (PageIsNew(page) ||
		PageGetSpecialSize(page) != MAXALIGN(sizeof(HnswPageOpaqueData)))
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("index \"%s\" contains an invalid page at block %u",
						RelationGetRelationName(index), blkno)));
	opaque = HnswPageGetOpaque(page);
	if (opaque->page_id != HNSW_PAGE_ID || opaque->flags != flags)
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("index \"%s\" contains an unexpected page at block %u",
						RelationGetRelationName(index), blkno),
				 errdetail("Page id is 0x%04X and flags are 0x%04X; expected 0x%04X and 0x%04X.",
						   opaque->page_id, opaque->flags, HNSW_PAGE_ID, flags)));
}

/*
 * HnswReadMeta - a copy of the metapage, checked.  Takes and releases a
 * shared lock on block 0; the caller holds no buffer lock.
 */
HnswMetaPageData
HnswReadMeta(Relation index)
{
	Buffer		buf;
	Page		page;
	HnswMetaPageData meta;

	buf = ReadBuffer(index, HNSW_METAPAGE_BLKNO);
	LockBuffer(buf, BUFFER_LOCK_SHARE);
	page = BufferGetPage(buf);
	HnswCheckPage(index, page, HNSW_METAPAGE_BLKNO, HNSW_PAGE_META);
	meta = *HnswPageGetMeta(page);
	UnlockReleaseBuffer(buf);

	if (meta.magic != HNSW_MAGIC)
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("index \"%s\" is not an hnsw index", RelationGetRelationName(index)),
				 errdetail("The metapage's magic number is 0x%08X, not 0x%08X.",
						   meta.magic, HNSW_MAGIC)));
	if (meta.version != HNSW_FORMAT_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("index \"%s\" has an unsupported format version",
						RelationGetRelationName(index)),
				 errdetail("The index has format version %u; this library reads version %d.",
						   meta.version, HNSW_FORMAT_VERSION),
				 errhint("REINDEX the index.")));
	if (meta.m < HNSW_MIN_M || meta.m > HNSW_MAX_M ||
		meta.entryLevel < -1 || meta.entryLevel > HnswMaxLevel(meta.m))
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("index \"%s\" has an invalid metapage", RelationGetRelationName(index))));
	return meta;
}

/* Raises the error of an element tuple that fails a check. */
static void
ReportBadElement(Relation index, BlockNumber blkno, OffsetNumber offno, const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_INDEX_CORRUPTED),
			 errmsg("index \"%s\" contains an invalid element tuple at (%u,%u)",
					RelationGetRelationName(index), blkno, offno),
			 errdetail("The tuple's %s is invalid.", what)));
}

/*
 * HnswCheckElementTuple - the element tuple at (blkno, offno) of a checked
 * element page, after checking its header, slot count and value length.
 * The result points into the page: the caller keeps its buffer lock.
 */
HnswElementTuple
HnswCheckElementTuple(Relation index, Page page, BlockNumber blkno,
					  OffsetNumber offno, int m)
{
	ItemId		itemid;
	HnswElementTuple tup;
	Size		len;
	Size		valoff;
	struct varlena *value;

	if (offno < FirstOffsetNumber || offno > PageGetMaxOffsetNumber(page))
		ReportBadElement(index, blkno, offno, "line pointer");
	itemid = PageGetItemId(page, offno);
	len = ItemIdGetLength(itemid);
	if (!ItemIdIsNormal(itemid) || len < sizeof(HnswElementTupleData))
		ReportBadElement(index, blkno, offno, "length");
	tup = (HnswElementTuple) PageGetItem(page, itemid);
	if (tup->type != HNSW_ELEMENT_TUPLE_TYPE)
		ReportBadElement(index, blkno, offno, "type");
	if (tup->level > HnswMaxLevel(m) || tup->nslots != HnswSlotCount(tup->level, m))
		ReportBadElement(index, blkno, offno, "level");
	valoff = HnswTupleValueOffset(tup->nslots);
	if (len < valoff + VARHDRSZ)
		ReportBadElement(index, blkno, offno, "length");
	value = HnswTupleValue(tup);
	if (!VARATT_IS_4B_U(value) || VARSIZE(value) != len - valoff)
		ReportBadElement(index, blkno, offno, "value");
	return tup;
}

/* Bytes of the element tuple of an element. */
Size
HnswElementTupleSize(HnswElement element, int m)
{
	return HnswTupleValueOffset(HnswSlotCount(element->level, m)) +
		VARSIZE(DatumGetPointer(element->value));
}

#ifdef USE_ASSERT_CHECKING
/*
 * HnswElementIsValid - Assert-only check of an element's invariants: a
 * level in range, a 4-byte-header value and no node twice in one level.
 * (Whether a slot points to the element itself cannot be told here: during
 * a build the slots are array indexes and the id may already be a TID.)
 */
bool
HnswElementIsValid(HnswElement element, int m)
{
	if (element->level < 0 || element->level > HnswMaxLevel(m))
		return false;
	if (!VARATT_IS_4B_U(DatumGetPointer(element->value)))
		return false;
	for (int level = 0; level <= element->level; level++)
	{
		uint64	   *slots = element->slots + HnswLevelFirstSlot(level, m);
		int			capacity = HnswLevelCapacity(level, m);

		for (int i = 0; i < capacity; i++)
		{
			if (slots[i] == HNSW_INVALID_ID)
				continue;
			for (int j = i + 1; j < capacity; j++)
			{
				if (slots[j] == slots[i])
					return false;
			}
		}
	}
	return true;
}
#endif

/*
 * Fills tup (HnswElementTupleSize bytes) from an element.  During a build
 * the element's slots are array indexes and elements maps them to placed
 * elements; otherwise elements is NULL and the slots are already TIDs.
 */
void
HnswFormElementTuple(HnswElementTuple tup, HnswElement element, int m,
					 HnswElement *elements)
{
	int			nslots = HnswSlotCount(element->level, m);
	ItemPointerData *slots = HnswTupleSlots(tup);

	Assert(HnswElementIsValid(element, m));
	memset(tup, 0, HnswTupleValueOffset(nslots));
	tup->type = HNSW_ELEMENT_TUPLE_TYPE;
	tup->level = (uint8) element->level;
	tup->deleted = element->deleted ? 1 : 0;
	tup->heaptid = element->heaptid;
	tup->nslots = (uint16) nslots;
	for (int i = 0; i < nslots; i++)
	{
		uint64		id = element->slots[i];

		if (id != HNSW_INVALID_ID && elements != NULL)
			id = elements[id]->id;
		if (id == HNSW_INVALID_ID)
			ItemPointerSetInvalid(&slots[i]);
		else
			ItemPointerSet(&slots[i], HnswIdGetBlkno(id), HnswIdGetOffno(id));
	}
	memcpy(HnswTupleValue(tup), DatumGetPointer(element->value),
		   VARSIZE(DatumGetPointer(element->value)));
}

/* Packs a neighbour slot into a node id. */
static uint64
SlotToId(ItemPointer slot)
{
	if (!ItemPointerIsValid(slot))
		return HNSW_INVALID_ID;
	return HnswTidToId(ItemPointerGetBlockNumberNoCheck(slot),
					   ItemPointerGetOffsetNumberNoCheck(slot));
}

/* A copy of a checked element tuple, in the current memory context. */
HnswElement
HnswElementFromTuple(HnswElementTuple tup, uint64 id, int m)
{
	HnswElement element = palloc(sizeof(HnswElementData));
	struct varlena *value = HnswTupleValue(tup);
	ItemPointerData *slots = HnswTupleSlots(tup);

	element->id = id;
	element->heaptid = tup->heaptid;
	element->level = tup->level;
	element->deleted = tup->deleted != 0;
	element->slots = palloc(sizeof(uint64) * tup->nslots);
	for (int i = 0; i < tup->nslots; i++)
		element->slots[i] = SlotToId(&slots[i]);
	element->value = PointerGetDatum(palloc(VARSIZE(value)));
	memcpy(DatumGetPointer(element->value), value, VARSIZE(value));
	return element;
}

/* Overwrites count slots of a tuple, from slot first, with node ids. */
void
HnswSetSlotsFromIds(HnswElementTuple tup, int first, int count, const uint64 *ids)
{
	ItemPointerData *slots = HnswTupleSlots(tup);

	Assert(first + count <= tup->nslots);
	for (int i = 0; i < count; i++)
	{
		if (ids[i] == HNSW_INVALID_ID)
			ItemPointerSetInvalid(&slots[first + i]);
		else
			ItemPointerSet(&slots[first + i], HnswIdGetBlkno(ids[i]), HnswIdGetOffno(ids[i]));
	}
}

/* Whether a tuple's slots of one level hold exactly the given ids. */
bool
HnswSlotsMatch(HnswElementTuple tup, int first, int count, const uint64 *ids)
{
	ItemPointerData *slots = HnswTupleSlots(tup);

	for (int i = 0; i < count; i++)
	{
		ItemPointer slot = &slots[first + i];
		uint64		id = ItemPointerIsValid(slot) ?
			HnswTidToId(ItemPointerGetBlockNumberNoCheck(slot),
						ItemPointerGetOffsetNumberNoCheck(slot)) : HNSW_INVALID_ID;

		if (id != ids[i])
			return false;
	}
	return true;
}

/* ----------------------------------------------------------------
 *		Values and distances
 * ----------------------------------------------------------------
 */

/*
 * HnswFormValue - the value to index for a column value: detoasted, in
 * the current memory context.  Returns false when the operator class has
 * a norm procedure and the norm is zero (the cosine distance of a zero
 * vector is undefined), so the row is not indexed, as in pgvector.
 */
bool
HnswFormValue(Relation index, Datum value, Datum *result)
{
	Datum		detoasted = PointerGetDatum(PG_DETOAST_DATUM(value));

	if (OidIsValid(index_getprocid(index, 1, HNSW_NORM_PROC)))
	{
		FmgrInfo   *normproc = index_getprocinfo(index, 1, HNSW_NORM_PROC);
		double		norm = DatumGetFloat8(FunctionCall1Coll(normproc,
															index->rd_indcollation[0],
															detoasted));

		if (norm == 0.0 || isnan(norm))
			return false;
	}
	*result = detoasted;
	return true;
}

/* The distance procedure of an index (cached in the relcache entry). */
FmgrInfo *
HnswDistanceProc(Relation index)
{
	return index_getprocinfo(index, 1, HNSW_DISTANCE_PROC);
}

/*
 * Distance between two values by the operator class's procedure.  NaN
 * (possible only for a zero query vector under cosine) orders last.
 */
double
HnswDistance(HnswGraph *graph, Datum a, Datum b)
{
	double		d = DatumGetFloat8(FunctionCall2Coll(graph->distproc, graph->collation, a, b));

	return isnan(d) ? get_float8_infinity() : d;
}

/* Highest level an element may have for a given m (see hnsw.h). */
int
HnswMaxLevel(int m)
{
	return Min(HNSW_MAX_LEVEL, HNSW_SLOT_BUDGET / m - 2);
}

/*
 * HnswLevelFor - the level of the element of a heap TID: floor(-ln(U) /
 * ln(m)) with U uniform in (0, 1], capped.  U comes from a hash of the TID
 * rather than from a random generator, so that the same rows inserted in
 * the same order give the same graph: builds, and the tests that compare
 * an index's answers with exact ones, are reproducible.
 */
int
HnswLevelFor(ItemPointer heaptid, int m)
{
	uint64		h = hash_bytes_extended((const unsigned char *) heaptid,
										sizeof(ItemPointerData), HNSW_LEVEL_SEED);
	double		u = 1.0 - (double) (h >> 11) * (1.0 / (double) (UINT64CONST(1) << 53));
	double		level = floor(-log(u) / log((double) m));

	return (int) Min(level, (double) HnswMaxLevel(m));
}

/*
 * HnswNewElement - a new element with free slots, in the current memory
 * context.  A level whose slots would not leave room for the value on a
 * page is lowered until they do (a wide value gets fewer levels rather
 * than an error); if even level 0 does not fit, writing the tuple fails
 * with the row-size error.
 */
HnswElement
HnswNewElement(Datum value, ItemPointer heaptid, int level, int m)
{
	HnswElement element = palloc(sizeof(HnswElementData));
	Size		valsize = VARSIZE(DatumGetPointer(value));
	int			nslots;

	while (level > 0 && HnswTupleValueOffset(HnswSlotCount(level, m)) + valsize >
		   HNSW_MAX_TUPLE_SIZE)
		level--;
	nslots = HnswSlotCount(level, m);

	element->id = HNSW_INVALID_ID;
	element->heaptid = *heaptid;
	element->level = level;
	element->deleted = false;
	element->value = value;
	element->slots = palloc(sizeof(uint64) * nslots);
	for (int i = 0; i < nslots; i++)
		element->slots[i] = HNSW_INVALID_ID;
	return element;
}

/* ----------------------------------------------------------------
 *		The disk graph
 * ----------------------------------------------------------------
 */

/*
 * Reads an element from disk into the graph's cache: shared lock on its
 * page, check, copy, release.
 */
static HnswElement
DiskGraphGet(HnswGraph *graph, uint64 id)
{
	HnswCacheEntry *entry;
	bool		found;
	BlockNumber blkno = HnswIdGetBlkno(id);
	OffsetNumber offno = HnswIdGetOffno(id);
	Buffer		buf;
	Page		page;
	HnswElementTuple tup;
	MemoryContext oldcxt;

	entry = hash_search(graph->cache, &id, HASH_ENTER, &found);
	if (found)
		return entry->element;
	entry->element = NULL;		/* in case the read below fails */

	if (blkno == HNSW_METAPAGE_BLKNO)
		ReportBadElement(graph->index, blkno, offno, "block number");
	buf = ReadBuffer(graph->index, blkno);
	LockBuffer(buf, BUFFER_LOCK_SHARE);
	page = BufferGetPage(buf);
	HnswCheckPage(graph->index, page, blkno, HNSW_PAGE_ELEMENT);
	tup = HnswCheckElementTuple(graph->index, page, blkno, offno, graph->m);
	oldcxt = MemoryContextSwitchTo(graph->cxt);
	entry->element = HnswElementFromTuple(tup, id, graph->m);
	MemoryContextSwitchTo(oldcxt);
	UnlockReleaseBuffer(buf);
	return entry->element;
}

/*
 * HnswInitDiskGraph - a graph reading the index's pages on demand.  Its
 * cache and every element it reads live in cxt, which the caller deletes
 * (or resets, after re-initializing the graph) to drop them.
 */
void
HnswInitDiskGraph(HnswGraph *graph, Relation index, int m, MemoryContext cxt)
{
	HASHCTL		ctl;

	memset(graph, 0, sizeof(HnswGraph));
	graph->index = index;
	graph->m = m;
	graph->distproc = HnswDistanceProc(index);
	graph->collation = index->rd_indcollation[0];
	graph->cxt = cxt;
	graph->get = DiskGraphGet;
	ctl.keysize = sizeof(uint64);
	ctl.entrysize = sizeof(HnswCacheEntry);
	ctl.hcxt = cxt;
	graph->cache = hash_create("hnsw element cache", 256, &ctl,
							   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
}

/* ----------------------------------------------------------------
 *		Search
 * ----------------------------------------------------------------
 */

/* Pairing-heap orders: nearest first, and farthest first. */
static int
CompareNearestFirst(const pairingheap_node *a, const pairingheap_node *b, void *arg)
{
	double		da = ((const HnswCandidate *) a)->distance;
	double		db = ((const HnswCandidate *) b)->distance;

	return da < db ? 1 : (da > db ? -1 : 0);
}

static int
CompareFarthestFirst(const pairingheap_node *a, const pairingheap_node *b, void *arg)
{
	return -CompareNearestFirst(a, b, arg);
}

/* qsort order of candidate pointers: ascending distance, then id. */
static int
CompareCandidates(const void *a, const void *b)
{
	const HnswCandidate *ca = *(HnswCandidate *const *) a;
	const HnswCandidate *cb = *(HnswCandidate *const *) b;

	if (ca->distance != cb->distance)
		return ca->distance < cb->distance ? -1 : 1;
	if (ca->id != cb->id)
		return ca->id < cb->id ? -1 : 1;
	return 0;
}

/* Sorts an array of candidate pointers by ascending distance. */
void
HnswSortCandidates(HnswCandidate **cands, int ncands)
{
	qsort(cands, ncands, sizeof(HnswCandidate *), CompareCandidates);
}

/* A candidate for node id with its distance to query, in the current context. */
HnswCandidate *
HnswMakeCandidate(HnswGraph *graph, uint64 id, Datum query)
{
	HnswCandidate *c = palloc(sizeof(HnswCandidate));

	c->id = id;
	c->element = graph->get(graph, id);
	c->distance = HnswDistance(graph, query, c->element->value);
	return c;
}

/* A copy of a candidate, so that it can sit in a second heap. */
static HnswCandidate *
CopyCandidate(HnswCandidate *c)
{
	HnswCandidate *copy = palloc(sizeof(HnswCandidate));

	*copy = *c;
	return copy;
}

/*
 * State of one layer search: candidates still to expand (nearest first),
 * the ef best found so far (farthest first; each candidate in both heaps
 * is a separate copy, since a node belongs to one heap), and the visited
 * node ids.
 */
typedef struct HnswLayerSearch
{
	pairingheap *nearest;
	pairingheap *farthest;
	HTAB	   *visited;
	int			nfound;			/* nodes in farthest */
	int			ef;
} HnswLayerSearch;

/* Marks a node visited; returns whether it already was. */
static bool
AlreadyVisited(HnswLayerSearch *ls, uint64 id)
{
	bool		found;

	hash_search(ls->visited, &id, HASH_ENTER, &found);
	return found;
}

/*
 * Offers a candidate to the search: it is kept (and queued for expansion)
 * if fewer than ef are kept or it is nearer than the farthest kept, which
 * then drops out when more than ef are kept.
 */
static void
OfferCandidate(HnswLayerSearch *ls, HnswCandidate *c)
{
	HnswCandidate *f;

	if (ls->nfound >= ls->ef)
	{
		f = (HnswCandidate *) pairingheap_first(ls->farthest);
		if (c->distance >= f->distance)
			return;
	}
	pairingheap_add(ls->nearest, &c->ph);
	pairingheap_add(ls->farthest, &CopyCandidate(c)->ph);
	if (++ls->nfound > ls->ef)
	{
		pairingheap_remove_first(ls->farthest);
		ls->nfound--;
	}
}

/* Offers every unvisited neighbour of a candidate at one level. */
static void
ExpandCandidate(HnswGraph *graph, HnswLayerSearch *ls, HnswCandidate *c,
				Datum query, int level)
{
	int			first = HnswLevelFirstSlot(level, graph->m);
	int			capacity = HnswLevelCapacity(level, graph->m);

	for (int i = 0; i < capacity; i++)
	{
		uint64		id = c->element->slots[first + i];

		if (id == HNSW_INVALID_ID || AlreadyVisited(ls, id))
			continue;
		OfferCandidate(ls, HnswMakeCandidate(graph, id, query));
	}
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
	HASHCTL		ctl;
	HnswCandidate **results;

	ls.nearest = pairingheap_allocate(CompareNearestFirst, NULL);
	ls.farthest = pairingheap_allocate(CompareFarthestFirst, NULL);
	ls.nfound = 0;
	ls.ef = ef;
	ctl.keysize = sizeof(uint64);
	ctl.entrysize = sizeof(uint64);
	ctl.hcxt = CurrentMemoryContext;
	ls.visited = hash_create("hnsw visited nodes", 1024, &ctl,
							 HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);

	for (int i = 0; i < nentries; i++)
	{
		if (!AlreadyVisited(&ls, entries[i]->id))
			OfferCandidate(&ls, CopyCandidate(entries[i]));
	}

	while (!pairingheap_is_empty(ls.nearest))
	{
		HnswCandidate *c = (HnswCandidate *) pairingheap_remove_first(ls.nearest);
		HnswCandidate *f = (HnswCandidate *) pairingheap_first(ls.farthest);

		if (c->distance > f->distance)
			break;
		CHECK_FOR_INTERRUPTS();
		/* an element linked at a level has that level; else the graph is inconsistent */
		if (c->element->level >= level)
			ExpandCandidate(graph, &ls, c, query, level);
	}

	*nresults = ls.nfound;
	results = palloc(sizeof(HnswCandidate *) * Max(ls.nfound, 1));
	for (int i = ls.nfound - 1; i >= 0; i--)
		results[i] = (HnswCandidate *) pairingheap_remove_first(ls.farthest);
	hash_destroy(ls.visited);
	return results;
}

/*
 * HnswSelectNeighbors - up to capacity neighbours among cands (sorted by
 * ascending distance to the base element, none deleted, the base itself
 * excluded) by the diversity heuristic: a candidate is kept when it is
 * nearer to the base than to every kept one.  Free slots left over are
 * filled with the nearest pruned candidates, which keeps the graph well
 * connected.  Writes the ids to out[0..capacity) (free ones invalid) and
 * returns the number kept.
 */
int
HnswSelectNeighbors(HnswGraph *graph, HnswCandidate **cands, int ncands,
					int capacity, uint64 *out)
{
	HnswCandidate **kept = palloc(sizeof(HnswCandidate *) * Max(capacity, 1));
	bool	   *pruned = palloc0(sizeof(bool) * Max(ncands, 1));
	int			nkept = 0;

	for (int i = 0; i < ncands && nkept < capacity; i++)
	{
		bool		good = true;

		for (int j = 0; j < nkept; j++)
		{
			if (HnswDistance(graph, cands[i]->element->value,
							 kept[j]->element->value) < cands[i]->distance)
			{
				good = false;
				break;
			}
		}
		if (good)
			kept[nkept++] = cands[i];
		else
			pruned[i] = true;
	}
	for (int i = 0; i < ncands && nkept < capacity; i++)
	{
		if (pruned[i])
			kept[nkept++] = cands[i];
	}

	for (int i = 0; i < capacity; i++)
		out[i] = i < nkept ? kept[i]->id : HNSW_INVALID_ID;
	pfree(kept);
	pfree(pruned);
	return nkept;
}

/*
 * HnswFindNeighbors - fills the slots of a new element (not yet in the
 * graph) with its neighbours at each of its levels, searching from the
 * entry point: greedily above the element's level, with ef_construction
 * from there down (algorithm 1).  Deleted elements are not chosen.
 * Temporary allocations go to the current memory context.
 */
void
HnswFindNeighbors(HnswGraph *graph, HnswElement element, uint64 entryId,
				  int entryLevel, int efConstruction)
{
	HnswCandidate **w = palloc(sizeof(HnswCandidate *));
	int			nw = 1;

	w[0] = HnswMakeCandidate(graph, entryId, element->value);
	for (int level = entryLevel; level > element->level; level--)
		w = HnswSearchLayer(graph, element->value, w, nw, 1, level, &nw);

	for (int level = Min(entryLevel, element->level); level >= 0; level--)
	{
		HnswCandidate **live;
		int			nlive = 0;

		w = HnswSearchLayer(graph, element->value, w, nw, efConstruction, level, &nw);
		live = palloc(sizeof(HnswCandidate *) * Max(nw, 1));
		for (int i = 0; i < nw; i++)
		{
			if (!w[i]->element->deleted && w[i]->id != element->id)
				live[nlive++] = w[i];
		}
		HnswSelectNeighbors(graph, live, nlive, HnswLevelCapacity(level, graph->m),
							element->slots + HnswLevelFirstSlot(level, graph->m));
		pfree(live);
	}
}

/*
 * HnswPruneWithNew - the new neighbour list of "neighbor" at one level once
 * "element" links to it.  With a free slot, the element takes it;
 * otherwise the current live neighbours and the element are re-selected
 * by the heuristic (deleted neighbours drop out).  Writes the level's
 * HnswLevelCapacity ids to out and returns whether the element is among
 * them (when it is not, nothing needs writing).
 */
bool
HnswPruneWithNew(HnswGraph *graph, HnswElement neighbor, int level,
				 HnswElement element, uint64 *out)
{
	int			first = HnswLevelFirstSlot(level, graph->m);
	int			capacity = HnswLevelCapacity(level, graph->m);
	HnswCandidate **cands;
	int			ncands = 0;
	bool		kept = false;

	memcpy(out, neighbor->slots + first, sizeof(uint64) * capacity);
	for (int i = 0; i < capacity; i++)
	{
		if (out[i] == element->id)
			return false;		/* already linked */
	}
	for (int i = 0; i < capacity; i++)
	{
		if (out[i] == HNSW_INVALID_ID)
		{
			out[i] = element->id;
			return true;
		}
	}

	cands = palloc(sizeof(HnswCandidate *) * (capacity + 1));
	for (int i = 0; i < capacity; i++)
	{
		HnswCandidate *c = HnswMakeCandidate(graph, out[i], neighbor->value);

		if (!c->element->deleted)
			cands[ncands++] = c;
	}
	cands[ncands] = palloc(sizeof(HnswCandidate));
	cands[ncands]->id = element->id;
	cands[ncands]->element = element;
	cands[ncands]->distance = HnswDistance(graph, neighbor->value, element->value);
	ncands++;
	HnswSortCandidates(cands, ncands);
	HnswSelectNeighbors(graph, cands, ncands, capacity, out);
	for (int i = 0; i < capacity; i++)
	{
		if (out[i] == element->id)
			kept = true;
	}
	pfree(cands);
	return kept;
}
