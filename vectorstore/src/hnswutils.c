/*-------------------------------------------------------------------------
 *
 * hnswutils.c
 *	  Page and tuple helpers of the hnsw index, the element graphs (the
 *	  build's array, and the disk graph of inserts and vacuum), and the
 *	  graph algorithms they share: the neighbour-selection heuristic
 *	  (Malkov & Yashunin, algorithm 4, keeping pruned connections to fill
 *	  free slots) and the neighbour search of an insertion (algorithm 1,
 *	  without the back-links, which the callers write because they differ in
 *	  memory and on disk).  The layer search (algorithm 2) and the scans'
 *	  page graph are in hnswsearch.c.
 *
 *	  Invariants: every page and element tuple read from disk goes through
 *	  HnswCheckPage and HnswCheckElementTuple before use, and a failed check
 *	  raises ERRCODE_INDEX_CORRUPTED.  The disk graph reads one page at a
 *	  time under a shared buffer lock and copies the tuple out before
 *	  releasing it, so no caller holds a buffer lock across a search.
 *	  Results and candidates are allocated in the caller's context; cached
 *	  elements in the graph's context.  Distances go through the operator
 *	  class's procedure, or straight to its kernel when it is one of ours
 *	  (HnswDistanceKindOf), with the same result.  In a quantized index's
 *	  graphs every value is a float4 vector (decoded codes, exact values
 *	  stored in their place, converted queries) and distances are the
 *	  class's float4 kernel on them (HnswDistance); HnswExactDistance keeps
 *	  the exact one for re-ranking.
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
#include "epiphany/simd.h"
#include "fmgr.h"
#include "hnsw.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "storage/lmgr.h"
#include "utils/float.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "vectorstore.h"

/*
 * Nodes an in-memory visit prefetches the values of ahead of the one whose
 * distance it computes (3 measured no slower than 6).
 */
#define HNSW_VALUE_PREFETCH_AHEAD 3

/* Entry of the element disk graph's cache. */
typedef struct HnswCacheEntry
{
	uint64		id;
	HnswElement element;		/* NULL until read */
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
 * HnswExtendIndex - a new page at the end of an index (hnsw or ivfflat),
 * locked exclusively, taken under the relation extension lock (not for a
 * local relation).  The page is all zeros, and other backends may lock it
 * before the caller initializes it (hnswinsert.c's AddToPage).
 */
Buffer
HnswExtendIndex(Relation index)
{
	bool		needLock = !RELATION_IS_LOCAL(index);
	Buffer		buf;

	if (needLock)
		LockRelationForExtension(index, ExclusiveLock);
	buf = ReadBuffer(index, P_NEW);
	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	if (needLock)
		UnlockRelationForExtension(index, ExclusiveLock);
	return buf;
}

/*
 * Initializes the metapage of an empty index.  pd_lower is moved past the
 * metadata so that GenericXLog and page images do not treat it as a hole.
 * A quantized index is written in format 4: its range pages are blocks
 * 1.., reserved by the caller, not ready.
 */
void
HnswInitMetaPage(Page page, uint32 dims, int m, int efConstruction,
				 HnswQuantization quantization)
{
	HnswMetaPage meta;

	HnswInitPage(page, HNSW_PAGE_META);
	meta = HnswPageGetMeta(page);
	memset(meta, 0, sizeof(HnswMetaPageData));
	meta->magic = HNSW_MAGIC;
	meta->version = quantization == HNSW_QUANT_NONE ? HNSW_FORMAT_VERSION :
		HNSW_FORMAT_VERSION_EXACT;
	meta->dims = dims;
	meta->quantization = (uint8) quantization;
	meta->m = (uint16) m;
	meta->efConstruction = (uint16) efConstruction;
	meta->entryBlkno = InvalidBlockNumber;
	meta->entryOffno = InvalidOffsetNumber;
	meta->entryLevel = -1;
	if (quantization != HNSW_QUANT_NONE)
	{
		meta->rangeBlkno = HNSW_FIRST_ELEMENT_BLKNO;
		meta->rangePages = (uint16) HnswRangePageCount(dims);
	}
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
 * Whether a version 2 to 4 metapage's quantization fields are consistent:
 * a known kind, known flags, dimensions of a vector, range pages (as many
 * as the dimensions need, after the metapage) once ready, and ready
 * whenever the graph has an entry point.  Version 4 reserves its range
 * pages at block 1 from the start, may have a graph before its ranges
 * (exact values), and counts pending elements only until it is ready.
 */
static bool
QuantFieldsValid(const HnswMetaPageData *meta)
{
	bool		ready = (meta->quantFlags & HNSW_QUANT_READY) != 0;

	if (meta->version == HNSW_FORMAT_VERSION)
		return true;
	if ((meta->quantization != HNSW_QUANT_SQ8 && meta->quantization != HNSW_QUANT_BINARY) ||
		(meta->quantFlags & ~HNSW_QUANT_READY) != 0 ||
		meta->dims < 1 || meta->dims > EP_VECTOR_MAX_DIM)
		return false;
	if (meta->version >= HNSW_FORMAT_VERSION_EXACT)
		return meta->rangeBlkno == HNSW_FIRST_ELEMENT_BLKNO &&
			meta->rangePages == HnswRangePageCount(meta->dims) &&
			(!ready || meta->pendingCount == 0);
	if (!ready)
		return meta->entryLevel < 0 && meta->rangePages == 0;
	return meta->rangePages == HnswRangePageCount(meta->dims) &&
		meta->rangeBlkno != HNSW_METAPAGE_BLKNO &&
		meta->rangeBlkno < InvalidBlockNumber - meta->rangePages;
}

/*
 * HnswIsElementPage - whether a page read by a walk over the index's
 * blocks holds element tuples: false for an all-zero page (extended by a
 * backend that crashed before logging it, or not initialized yet) and for
 * a checked range page, true for a checked element page; any other page
 * fails the check.  The caller holds a lock on the page.
 */
bool
HnswIsElementPage(Relation index, Page page, BlockNumber blkno)
{
	if (PageIsNew(page))
		return false;
	if (PageGetSpecialSize(page) == MAXALIGN(sizeof(HnswPageOpaqueData)) &&
		HnswPageGetOpaque(page)->flags == HNSW_PAGE_RANGE)
	{
		HnswCheckPage(index, page, blkno, HNSW_PAGE_RANGE);
		return false;
	}
	HnswCheckPage(index, page, blkno, HNSW_PAGE_ELEMENT);
	return true;
}

/*
 * HnswWalkElements - calls fn for every element tuple of the element
 * pages from block first to the end of the index, in page order: each
 * page is read (with strategy bas, or NULL) and share-locked while fn
 * runs on its checked tuples, which point into the page; range pages and
 * all-zero pages are skipped.  The caller may hold the metapage's lock
 * (the lock order allows it) but no element page lock.
 */
void
HnswWalkElements(Relation index, int m, BlockNumber first, BufferAccessStrategy bas,
				 HnswElementWalker fn, void *arg)
{
	BlockNumber nblocks = RelationGetNumberOfBlocks(index);

	for (BlockNumber blkno = first; blkno < nblocks; blkno++)
	{
		Buffer		buf = ReadBufferExtended(index, MAIN_FORKNUM, blkno, RBM_NORMAL, bas);
		Page		page;

		LockBuffer(buf, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		if (HnswIsElementPage(index, page, blkno))
		{
			for (OffsetNumber off = FirstOffsetNumber; off <= PageGetMaxOffsetNumber(page); off++)
				fn(HnswCheckElementTuple(index, page, blkno, off, m), blkno, off, arg);
		}
		UnlockReleaseBuffer(buf);
		CHECK_FOR_INTERRUPTS();
	}
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
	if (meta.version < HNSW_FORMAT_VERSION || meta.version > HNSW_FORMAT_VERSION_EXACT)
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("index \"%s\" has an unsupported format version",
						RelationGetRelationName(index)),
				 errdetail("The index has format version %u; this library reads versions %d to %d.",
						   meta.version, HNSW_FORMAT_VERSION, HNSW_FORMAT_VERSION_EXACT),
				 errhint("REINDEX the index.")));
	if (meta.version == HNSW_FORMAT_VERSION)
	{
		/* written before the quantization fields existed: unquantized */
		meta.quantization = HNSW_QUANT_NONE;
		meta.quantFlags = 0;
	}
	if (meta.m < HNSW_MIN_M || meta.m > HNSW_MAX_M ||
		meta.entryLevel < -1 || meta.entryLevel > HnswMaxLevel(meta.m) ||
		!QuantFieldsValid(&meta))
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("index \"%s\" has an invalid metapage", RelationGetRelationName(index))));
	return meta;
}

/* Raises the error of an element tuple that fails a check. */
void
HnswReportBadElement(Relation index, BlockNumber blkno, OffsetNumber offno, const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_INDEX_CORRUPTED),
			 errmsg("index \"%s\" contains an invalid element tuple at (%u,%u)",
					RelationGetRelationName(index), blkno, offno),
			 errdetail("The tuple's %s is invalid.", what)));
}

/*
 * HnswCheckElementTuple - the element tuple at (blkno, offno) of a checked
 * element page, after checking its header (type, level, slot count and,
 * in a compact tuple, offset bits) and value length; its neighbour lists
 * are checked when read (hnswlist.c).  The result points into the page:
 * the caller keeps its buffer lock.
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
		HnswReportBadElement(index, blkno, offno, "line pointer");
	itemid = PageGetItemId(page, offno);
	len = ItemIdGetLength(itemid);
	if (!ItemIdIsNormal(itemid) || len < sizeof(HnswElementTupleData))
		HnswReportBadElement(index, blkno, offno, "length");
	tup = (HnswElementTuple) PageGetItem(page, itemid);
	if (tup->type == HNSW_COMPACT_TUPLE_TYPE)
	{
		if (tup->offsetBits < 1 || tup->offsetBits > HNSW_MAX_OFFSET_BITS)
			HnswReportBadElement(index, blkno, offno, "offset bits");
	}
	else if (tup->type != HNSW_ELEMENT_TUPLE_TYPE)
		HnswReportBadElement(index, blkno, offno, "type");
	if (tup->level > HnswMaxLevel(m) || tup->nslots != HnswSlotCount(tup->level, m))
		HnswReportBadElement(index, blkno, offno, "level");
	valoff = HnswTupleValueOffsetFor(tup->type == HNSW_COMPACT_TUPLE_TYPE, tup->level, m);
	if (len < valoff + VARHDRSZ)
		HnswReportBadElement(index, blkno, offno, "length");
	value = HnswTupleValue(tup, m);
	if (!VARATT_IS_4B_U(value) || VARSIZE(value) != len - valoff)
		HnswReportBadElement(index, blkno, offno, "value");
	return tup;
}

/*
 * Bytes of an element tuple of a level whose stored value has valsize
 * bytes, in the wide or the compact layout.
 */
Size
HnswElementTupleSize(bool compact, int level, int m, Size valsize)
{
	return HnswTupleValueOffsetFor(compact, level, m) + valsize;
}

/*
 * Bytes an element tuple stores for a value: the value's own size, or,
 * when q is a quantizer (not NULL), the size of its code, or of the
 * float4 vector value itself when the tuple would store it exact
 * (HnswQuantStoresExact).
 */
Size
HnswStoredValueSize(const HnswQuantizer *q, Datum value)
{
	if (q == NULL)
		return VARSIZE(DatumGetPointer(value));
	if (HnswQuantStoresExact(q, (const EpVector *) DatumGetPointer(value)))
		return VARSIZE(DatumGetPointer(value));
	return HnswQuantCodeSize(q->kind, q->dims);
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
 * Fills tup (HnswElementTupleSize bytes) from an element and the value to
 * store (its value, or its code or exact value in a quantized index), in
 * the wide layout (offsetBits 0) or the compact one with these offset
 * bits (HnswQuantOffsetBits).  During a build the element's slots are array indexes
 * and nodes maps them to placed elements; otherwise nodes is NULL and the
 * slots are already TIDs.  Each level's slots are nearest first
 * (see HnswSetSlotsFromIds).
 */
void
HnswFormElementTuple(HnswElementTuple tup, int offsetBits, HnswElement element, int m,
					 const HnswNode *nodes, const struct varlena *stored)
{
	bool		compact = offsetBits > 0;
	int			nslots = HnswSlotCount(element->level, m);
	Size		valoff = HnswTupleValueOffsetFor(compact, element->level, m);
	uint64	   *ids = palloc(sizeof(uint64) * nslots);

	Assert(HnswElementIsValid(element, m));
	memset(tup, 0, valoff);
	tup->type = compact ? HNSW_COMPACT_TUPLE_TYPE : HNSW_ELEMENT_TUPLE_TYPE;
	tup->level = (uint8) element->level;
	tup->deleted = element->deleted ? 1 : 0;
	tup->offsetBits = (uint8) offsetBits;
	tup->heaptid = element->heaptid;
	tup->nslots = (uint16) nslots;
	for (int i = 0; i < nslots; i++)
	{
		uint64		id = element->slots[i];

		ids[i] = id != HNSW_INVALID_ID && nodes != NULL ? nodes[id].element->id : id;
	}
	HnswSetSlotsFromIds(tup, 0, nslots, m, ids);
	pfree(ids);
	memcpy((char *) tup + valoff, stored, VARSIZE(stored));
}

/*
 * A copy of a checked element tuple, in the current memory context.  In a
 * quantized index (q not NULL) its value is a float4 vector, the decoded
 * code or the exact value stored in its place (HnswQuantDecode, which may
 * make q ready); a stored value of the wrong length is reported as a
 * corrupt tuple.
 */
HnswElement
HnswElementFromTuple(Relation index, HnswElementTuple tup, uint64 id, int m,
					 HnswQuantizer *q)
{
	HnswElement element = palloc(sizeof(HnswElementData));
	struct varlena *value = HnswTupleValue(tup, m);

	element->id = id;
	element->heaptid = tup->heaptid;
	element->level = tup->level;
	element->deleted = tup->deleted != 0;
	element->slots = palloc(sizeof(uint64) * tup->nslots);
	if (!HnswTupleGetSlots(tup, 0, tup->nslots, m, element->slots))
		HnswReportBadElement(index, HnswIdGetBlkno(id), HnswIdGetOffno(id), "neighbour list");
	if (q != NULL)
	{
		EpVector   *decoded = palloc(EP_VECTOR_SIZE(q->dims));

		if (!HnswQuantDecode(q, index, value, decoded))
			HnswReportBadElement(index, HnswIdGetBlkno(id), HnswIdGetOffno(id), "code");
		element->value = PointerGetDatum(decoded);
	}
	else
	{
		element->value = PointerGetDatum(palloc(VARSIZE(value)));
		memcpy(DatumGetPointer(element->value), value, VARSIZE(value));
	}
	element->dists = NULL;
	element->closer = NULL;
	element->closerValid = 0;
	return element;
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
 * HnswDistanceKindOf - which kernel, if any, computes the same distance as
 * an operator class's procedure.  Compares the procedure's address with
 * our own functions', so an operator class whose support function 1 is
 * any other function (ours under another name, or a user's) keeps the
 * fmgr path.
 */
HnswDistanceKind
HnswDistanceKindOf(FmgrInfo *distproc)
{
	if (distproc->fn_addr == ep_vector_l2_squared_distance)
		return HNSW_DISTANCE_VECTOR_L2;
	if (distproc->fn_addr == ep_vector_negative_inner_product)
		return HNSW_DISTANCE_VECTOR_IP;
	if (distproc->fn_addr == ep_cosine_distance)
		return HNSW_DISTANCE_VECTOR_COSINE;
	if (distproc->fn_addr == ep_halfvec_l2_squared_distance)
		return HNSW_DISTANCE_HALFVEC_L2;
	if (distproc->fn_addr == ep_l1_distance)
		return HNSW_DISTANCE_VECTOR_L1;
	return HNSW_DISTANCE_FMGR;
}

/*
 * The distance of two vectors by a kernel, the same computation as the
 * procedure's (vector.c).  Returns false, computing nothing, unless both
 * values are plain vectors of the same valid length; the caller then goes
 * through the procedure, which checks them and raises the proper error.
 */
static inline bool
VectorKernelDistance(HnswDistanceKind kind, Datum a, Datum b, double *result)
{
	const EpVector *va = (const EpVector *) DatumGetPointer(a);
	const EpVector *vb = (const EpVector *) DatumGetPointer(b);
	EpCosineParts p;

	if (VARATT_IS_EXTENDED(va) || VARATT_IS_EXTENDED(vb) ||
		va->dim != vb->dim || va->dim < 1 ||
		VARSIZE(va) != EP_VECTOR_SIZE(va->dim) || VARSIZE(vb) != EP_VECTOR_SIZE(vb->dim))
		return false;
	switch (kind)
	{
		case HNSW_DISTANCE_VECTOR_L2:
			*result = (double) EpDistance->l2_squared_f4(va->dim, va->x, vb->x);
			return true;
		case HNSW_DISTANCE_VECTOR_IP:
			*result = -(double) EpDistance->inner_product_f4(va->dim, va->x, vb->x);
			return true;
		case HNSW_DISTANCE_VECTOR_COSINE:
			p = EpDistance->cosine_parts_f4(va->dim, va->x, vb->x);
			*result = EpCosineFromParts(p.ab, p.aa, p.bb);
			return true;
		case HNSW_DISTANCE_VECTOR_L1:
			*result = (double) EpDistance->l1_f4(va->dim, va->x, vb->x);
			return true;
		default:
			return false;
	}
}

/* The same for halfvec (halfvec.c). */
static inline bool
HalfvecKernelDistance(Datum a, Datum b, double *result)
{
	const EpHalfvec *va = (const EpHalfvec *) DatumGetPointer(a);
	const EpHalfvec *vb = (const EpHalfvec *) DatumGetPointer(b);

	if (VARATT_IS_EXTENDED(va) || VARATT_IS_EXTENDED(vb) ||
		va->dim != vb->dim || va->dim < 1 ||
		VARSIZE(va) != EP_HALFVEC_SIZE(va->dim) || VARSIZE(vb) != EP_HALFVEC_SIZE(vb->dim))
		return false;
	*result = (double) EpDistance->l2_squared_f16(va->dim, va->x, vb->x);
	return true;
}

/*
 * Distance between two values by a kind: its kernel when it has one and
 * the values suit it, else the operator class's procedure.
 */
static double
DistanceBy(HnswGraph *graph, HnswDistanceKind kind, Datum a, Datum b)
{
	double		d;
	bool		done;

	switch (kind)
	{
		case HNSW_DISTANCE_VECTOR_L2:
		case HNSW_DISTANCE_VECTOR_IP:
		case HNSW_DISTANCE_VECTOR_COSINE:
		case HNSW_DISTANCE_VECTOR_L1:
			done = VectorKernelDistance(kind, a, b, &d);
			break;
		case HNSW_DISTANCE_HALFVEC_L2:
			done = HalfvecKernelDistance(a, b, &d);
			break;
		default:
			done = false;
			break;
	}
	if (!done)
		d = DatumGetFloat8(FunctionCall2Coll(graph->distproc, graph->collation, a, b));
	return isnan(d) ? get_float8_infinity() : d;
}

/*
 * Distance between two values of the graph, as the operator class's
 * procedure computes it (directly by its kernel when the graph has one,
 * see HnswDistanceKindOf).  In a quantized graph both values are float4
 * vectors of the index's dimensions (decoded codes, or converted queries
 * and new values) and the distance is the class's float4 kernel on them,
 * an approximation of the exact distance.  NaN (possible only for a zero
 * query vector under cosine) orders last.
 */
double
HnswDistance(HnswGraph *graph, Datum a, Datum b)
{
	double		d;

	if (graph->quant == NULL)
		return DistanceBy(graph, graph->distkind, a, b);
	if (!VectorKernelDistance(graph->quant->metric, a, b, &d))
		elog(ERROR, "quantized distance of values that are not float4 vectors of one length");
	return isnan(d) ? get_float8_infinity() : d;
}

/*
 * The exact distance between two values of the indexed type (a query and
 * a value read from the table), also in a quantized graph.
 */
double
HnswExactDistance(HnswGraph *graph, Datum a, Datum b)
{
	return DistanceBy(graph, graph->distkind, a, b);
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
 * HnswFitLevel - the level an element of the given drawn level gets: one
 * whose slots leave room on a page for valsize bytes of value, lowered
 * until they do (but never below 0).
 */
int
HnswFitLevel(int level, int m, Size valsize)
{
	while (level > 0 && HnswTupleValueOffset(HnswSlotCount(level, m)) + valsize >
		   HNSW_MAX_TUPLE_SIZE)
		level--;
	return level;
}

/*
 * HnswNewElement - a new element with free slots, in the current memory
 * context.  valsize is what its tuple will store (HnswStoredValueSize).
 * A level whose slots would not leave room for that on a
 * page is lowered until they do (a wide value gets fewer levels rather
 * than an error); if even level 0 does not fit, writing the tuple fails
 * with the row-size error.
 */
HnswElement
HnswNewElement(Datum value, ItemPointer heaptid, int level, int m, Size valsize)
{
	HnswElement element = palloc(sizeof(HnswElementData));
	int			nslots;

	level = HnswFitLevel(level, m, valsize);
	nslots = HnswSlotCount(level, m);

	element->id = HNSW_INVALID_ID;
	element->heaptid = *heaptid;
	element->level = level;
	element->deleted = false;
	element->value = value;
	element->slots = palloc(sizeof(uint64) * nslots);
	for (int i = 0; i < nslots; i++)
		element->slots[i] = HNSW_INVALID_ID;
	element->dists = NULL;
	element->closer = NULL;
	element->closerValid = 0;
	return element;
}

/* ----------------------------------------------------------------
 *		Element graphs
 * ----------------------------------------------------------------
 */

/* Prefetches len bytes from p, one cache line at a time. */
static inline void
PrefetchBytes(const char *p, Size len)
{
	for (Size off = 0; off < len; off += 64)
		HnswPrefetch(p + off);
}

/*
 * HnswInMemoryVisit - the in-memory graphs' visit (build): each node's
 * distance to query, from graph->nodes (the parallel build's graph makes
 * the nodes' local views first).  The search waits on memory, not
 * arithmetic, so the first line of every node's value is prefetched first
 * (the node entries are independent loads, not a chain through the
 * element), then the whole value of node i + HNSW_VALUE_PREFETCH_AHEAD
 * while node i's distance is computed (as many bytes as the query has:
 * the values of one index have one size but for sparsevec, and a
 * prefetch is only a hint).  The whole value rather than its first line:
 * on a 40,000 x 128 build this took about 15% less CPU time (five
 * alternating runs, each one faster).  Build graphs have no deleted
 * elements, and their candidates no heap TID.
 */
void
HnswInMemoryVisit(HnswGraph *graph, Datum query, uint64 *ids, int n, HnswCandidate *out)
{
	Size		len = VARSIZE_ANY(DatumGetPointer(query));
	const HnswNode *nodes = graph->nodes;

	for (int i = 0; i < n; i++)
		HnswPrefetch(nodes[ids[i]].value);
	for (int i = 0; i < Min(n, HNSW_VALUE_PREFETCH_AHEAD); i++)
		PrefetchBytes(nodes[ids[i]].value, len);
	for (int i = 0; i < n; i++)
	{
		const HnswNode *node = &nodes[ids[i]];

		if (i + HNSW_VALUE_PREFETCH_AHEAD < n)
			PrefetchBytes(nodes[ids[i + HNSW_VALUE_PREFETCH_AHEAD]].value, len);
		Assert(node->element != NULL);
		out[i].id = ids[i];
		out[i].distance = HnswDistance(graph, query, PointerGetDatum(node->value));
		out[i].element = node->element;
		ItemPointerSetInvalid(&out[i].heaptid);
		out[i].deleted = false;
		out[i].level = (uint8) node->level;
	}
}

/*
 * The element graphs' visit: each node's element by get, and its distance
 * to query (in-memory graphs: HnswInMemoryVisit).
 */
static void
ElementGraphVisit(HnswGraph *graph, Datum query, uint64 *ids, int n,
				  HnswCandidate *out)
{
	if (graph->nodes != NULL)
	{
		HnswInMemoryVisit(graph, query, ids, n, out);
		return;
	}
	for (int i = 0; i < n; i++)
	{
		HnswElement element = graph->get(graph, ids[i]);

		out[i].id = ids[i];
		out[i].distance = HnswDistance(graph, query, element->value);
		out[i].element = element;
		out[i].heaptid = element->heaptid;
		out[i].deleted = element->deleted;
		out[i].level = (uint8) element->level;
	}
}

/*
 * HnswElementNeighbors - the element graphs' neighbors: the valid slots of
 * one level.  The caller makes sure no one changes them meanwhile (the
 * parallel build's graph holds the element's lock around it).
 */
int
HnswElementNeighbors(HnswGraph *graph, const HnswCandidate *c, int level, uint64 *ids)
{
	const uint64 *slots = (graph->nodes != NULL ? graph->nodes[c->id].slots : c->element->slots) +
		HnswLevelFirstSlot(level, graph->m);
	int			capacity = HnswLevelCapacity(level, graph->m);
	int			n = 0;

	Assert(level <= c->element->level);
	for (int i = 0; i < capacity; i++)
	{
		if (slots[i] != HNSW_INVALID_ID)
			ids[n++] = slots[i];
	}
	return n;
}

/*
 * HnswGrowNodes - makes the per-id arrays of an in-memory graph (nodes,
 * visitMarks) hold max ids, in the graph's context; new entries are zero.
 */
void
HnswGrowNodes(HnswGraph *graph, int64 max)
{
	int64		old = graph->maxelements;

	Assert(max > old);
	if (old == 0)
	{
		graph->nodes = MemoryContextAllocHuge(graph->cxt, mul_size(sizeof(HnswNode), max));
		graph->visitMarks = MemoryContextAllocHuge(graph->cxt, max);
	}
	else
	{
		graph->nodes = repalloc_huge(graph->nodes, mul_size(sizeof(HnswNode), max));
		graph->visitMarks = repalloc_huge(graph->visitMarks, max);
	}
	memset(graph->nodes + old, 0, sizeof(HnswNode) * (max - old));
	memset(graph->visitMarks + old, 0, max - old);
	graph->maxelements = max;
}

/* HnswSetNode - makes element node id of an in-memory graph. */
void
HnswSetNode(HnswGraph *graph, uint64 id, HnswElement element)
{
	Assert(id < (uint64) graph->maxelements);
	graph->nodes[id].value = DatumGetPointer(element->value);
	graph->nodes[id].slots = element->slots;
	graph->nodes[id].element = element;
	graph->nodes[id].level = element->level;
}

/*
 * HnswInitGraph - the fields every element graph shares: the index, m, the
 * distance, cxt, and visit and neighbors through get.  The caller sets up
 * what get reads (the build's array, or HnswInitDiskGraph's cache).
 */
void
HnswInitGraph(HnswGraph *graph, Relation index, int m, MemoryContext cxt,
			  HnswElement (*get) (HnswGraph *graph, uint64 id))
{
	memset(graph, 0, sizeof(HnswGraph));
	graph->index = index;
	graph->m = m;
	graph->distproc = HnswDistanceProc(index);
	graph->distkind = HnswDistanceKindOf(graph->distproc);
	graph->collation = index->rd_indcollation[0];
	graph->cxt = cxt;
	graph->visit = ElementGraphVisit;
	graph->neighbors = HnswElementNeighbors;
	graph->get = get;
}

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
	if (found && entry->element != NULL)
		return entry->element;
	entry->element = NULL;		/* in case the read below fails */

	if (blkno == HNSW_METAPAGE_BLKNO)
		HnswReportBadElement(graph->index, blkno, offno, "block number");
	buf = ReadBuffer(graph->index, blkno);
	LockBuffer(buf, BUFFER_LOCK_SHARE);
	page = BufferGetPage(buf);
	HnswCheckPage(graph->index, page, blkno, HNSW_PAGE_ELEMENT);
	tup = HnswCheckElementTuple(graph->index, page, blkno, offno, graph->m);
	oldcxt = MemoryContextSwitchTo(graph->cxt);
	entry->element = HnswElementFromTuple(graph->index, tup, id, graph->m, graph->quant);
	MemoryContextSwitchTo(oldcxt);
	UnlockReleaseBuffer(buf);
	return entry->element;
}

/*
 * HnswInitDiskGraph - an element graph reading the index's pages on demand
 * (inserts and vacuum, which need whole elements).  Its cache, its visited
 * set and every element it reads live in cxt, which the caller deletes (or
 * resets, after re-initializing the graph) to drop them.  q is the index's
 * quantizer (ready, or a format 4 one whose graph holds exact values so
 * far), or NULL for an unquantized index.
 */
void
HnswInitDiskGraph(HnswGraph *graph, Relation index, int m, MemoryContext cxt,
				  HnswQuantizer *q)
{
	HASHCTL		ctl;

	HnswInitGraph(graph, index, m, cxt, DiskGraphGet);
	graph->quant = q;
	ctl.keysize = sizeof(uint64);
	ctl.entrysize = sizeof(HnswCacheEntry);
	ctl.hcxt = cxt;
	graph->cache = hash_create("hnsw element cache", 256, &ctl,
							   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
}

/* ----------------------------------------------------------------
 *		Candidates and neighbour selection
 * ----------------------------------------------------------------
 */

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

	graph->visit(graph, query, &id, 1, c);
	return c;
}

/*
 * HnswSelectNeighbors - up to capacity neighbours among cands (sorted by
 * ascending distance to the base element, ties by id, none deleted, the
 * base itself excluded) by the diversity heuristic: a candidate is kept
 * when it is nearer to the base than to every kept one.  Free slots left
 * over are filled with the nearest pruned candidates, which keeps the
 * graph well connected.  Writes the ids to out[0..capacity) in the order
 * of cands (free ones invalid, last) and returns the number kept.  When
 * outdist and outcloser are given, also writes each chosen neighbour's
 * distance and whether the heuristic kept it on its own merits (the
 * in-memory build reuses both, see hnswbuild.c).
 */
int
HnswSelectNeighbors(HnswGraph *graph, HnswCandidate **cands, int ncands,
					int capacity, uint64 *out, double *outdist, bool *outcloser)
{
	HnswCandidate **kept = palloc(sizeof(HnswCandidate *) * Max(capacity, 1));
	uint8	   *state = palloc0(sizeof(uint8) * Max(ncands, 1));	/* 1 kept, 2 pruned */
	int			nkept = 0;
	int			nout = 0;

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
		{
			kept[nkept++] = cands[i];
			state[i] = 1;
		}
		else
			state[i] = 2;
	}
	for (int i = 0; i < ncands && nkept < capacity; i++)
	{
		if (state[i] == 2)
		{
			state[i] = 3;		/* pruned, then chosen to fill a slot */
			nkept++;
		}
	}

	for (int i = 0; i < ncands; i++)
	{
		if (state[i] != 1 && state[i] != 3)
			continue;
		out[nout] = cands[i]->id;
		if (outdist != NULL)
		{
			outdist[nout] = cands[i]->distance;
			outcloser[nout] = state[i] == 1;
		}
		nout++;
	}
	Assert(nout == nkept);
	for (int i = nout; i < capacity; i++)
		out[i] = HNSW_INVALID_ID;
	pfree(kept);
	pfree(state);
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
		int			first = HnswLevelFirstSlot(level, graph->m);

		w = HnswSearchLayer(graph, element->value, w, nw, efConstruction, level, &nw);
		live = palloc(sizeof(HnswCandidate *) * Max(nw, 1));
		for (int i = 0; i < nw; i++)
		{
			if (!w[i]->element->deleted && w[i]->id != element->id)
				live[nlive++] = w[i];
		}
		/* ties by id, so that the verdicts can be reused (hnswbuild.c) */
		HnswSortCandidates(live, nlive);
		HnswSelectNeighbors(graph, live, nlive, HnswLevelCapacity(level, graph->m),
							element->slots + first,
							element->dists ? element->dists + first : NULL,
							element->closer ? element->closer + first : NULL);
		if (element->closer != NULL)
			element->closerValid |= UINT32_C(1) << level;
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
	HnswSelectNeighbors(graph, cands, ncands, capacity, out, NULL, NULL);
	for (int i = 0; i < capacity; i++)
	{
		if (out[i] == element->id)
			kept = true;
	}
	pfree(cands);
	return kept;
}
