/*-------------------------------------------------------------------------
 *
 * hnswinsert.c
 *	  Inserts one value into an existing hnsw index (aminsert, and the
 *	  build once its graph no longer fits in memory): find the neighbours
 *	  by a graph search, write the element tuple, link the neighbours back,
 *	  and raise the entry point when the new element's level is higher.
 *
 *	  Lock order: the metapage (block 0) before any element page, and at
 *	  most one element page at a time.  The search reads pages under shared
 *	  locks taken and released one at a time.  The metapage is locked
 *	  exclusively only for the first element of an empty graph (held while
 *	  that element's page is locked: metapage, then element page) and to
 *	  raise the entry point (no other lock held).  A back-link is computed
 *	  from a copy of the neighbour read without a lock; under the page's
 *	  exclusive lock the copy is compared with the page, and if another
 *	  backend changed that neighbour list meanwhile the copy is re-read and
 *	  the link recomputed (HNSW_LINK_RETRIES times, then the back-link is
 *	  left out: the graph stays valid, that neighbour just does not point
 *	  back).
 *
 *	  Quantized indexes: the new value is converted to a float4 vector, the
 *	  search measures it against decoded codes, and its tuple stores its
 *	  code, or the vector itself when its code would be clamped
 *	  (hnswquant.c).  An index of format 4 built without values stores its
 *	  first elements exact; the insert that brings their count (the
 *	  metapage's pendingCount) to HNSW_QUANT_SAMPLE_SIZE sets the ranges
 *	  from every value stored so far (SetSampleRange), writes them in
 *	  place on the reserved range pages, then records them in the
 *	  metapage; only then are codes written.  Those exact elements stay
 *	  exact: their tuples remain valid, so nothing is rewritten, and
 *	  concurrent inserts that stored exact values meanwhile are equally
 *	  right.  The first element of an index of format 2 or 3 built empty
 *	  (or of one too wide for exact values) sets the range from its own
 *	  value instead (in the metapage record that makes it the entry
 *	  point).  Lock order there: the metapage, then one element page at a
 *	  time (shared, for the sample) or one range page at a time.
 *
 *	  WAL: every change is one GenericXLog record of one buffer; a new page
 *	  is registered as a full image.  Tuples never move, so a TID read
 *	  under one lock is still the same element under the next.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  vectorstore/src/hnswinsert.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include "access/generic_xlog.h"
#include "hnsw.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "storage/lmgr.h"
#include "utils/memutils.h"
#include "utils/rel.h"

/* How often a back-link is recomputed after a concurrent change. */
#define HNSW_LINK_RETRIES 3

/*
 * Adds tup to the page of buf, which the caller holds exclusively locked,
 * in one GenericXLog record, and releases the buffer.  An all-zero page
 * is initialized first: one extended by a backend that crashed before
 * logging it, or one another backend has just extended and not locked
 * yet (ReadBuffer(P_NEW) returns the new page unlocked, and an insert
 * that reads the last page takes no extension lock).  Whoever locks a new
 * page first initializes it, and no one re-initializes a page that has
 * tuples.  Returns the tuple's offset, or InvalidOffsetNumber, having
 * written nothing, when it does not fit.
 */
static OffsetNumber
AddToPage(Relation index, Buffer buf, HnswElementTuple tup, Size size)
{
	bool		isnew = PageIsNew(BufferGetPage(buf));
	OffsetNumber offno = InvalidOffsetNumber;
	GenericXLogState *state;
	Page		page;

	if (!isnew && !HnswIsElementPage(index, BufferGetPage(buf), BufferGetBlockNumber(buf)))
	{
		/* a range page: no room for elements */
		UnlockReleaseBuffer(buf);
		return InvalidOffsetNumber;
	}
	state = GenericXLogStart(index);
	page = GenericXLogRegisterBuffer(state, buf, isnew ? GENERIC_XLOG_FULL_IMAGE : 0);
	if (isnew)
		HnswInitPage(page, HNSW_PAGE_ELEMENT);
	if (PageGetFreeSpace(page) >= MAXALIGN(size))
	{
		offno = PageAddItem(page, (Item) tup, size, InvalidOffsetNumber, false, false);
		if (offno == InvalidOffsetNumber)
			elog(ERROR, "failed to add element tuple to index \"%s\"",
				 RelationGetRelationName(index));
		GenericXLogFinish(state);
	}
	else
		GenericXLogAbort(state);
	UnlockReleaseBuffer(buf);
	return offno;
}

/*
 * Writes an element tuple on the last page, or on a new page when it does
 * not fit, and returns its node id.  In a quantized index (q) the tuple
 * stores what HnswQuantStore gives for the element's value, a float4
 * vector: its code, or the vector when it is to be stored exact.  The
 * caller may hold the metapage lock (the lock order allows it) but no
 * element page lock.  A new page may fill up before its extender locks it
 * (see AddToPage); the extender then starts again from the last page.
 */
static uint64
AddElementTuple(Relation index, HnswElement element, int m, const HnswQuantizer *q)
{
	const struct varlena *stored = q != NULL ?
		HnswQuantStore(q, (const EpVector *) DatumGetPointer(element->value)) :
		(const struct varlena *) DatumGetPointer(element->value);
	int			offsetBits = q != NULL && q->compact ? HnswQuantOffsetBits(q, m) : 0;
	Size		size = HnswElementTupleSize(offsetBits > 0, element->level, m, VARSIZE(stored));
	HnswElementTuple tup;
	BlockNumber blkno;
	OffsetNumber offno;
	Buffer		buf;

	if (size > HNSW_MAX_TUPLE_SIZE)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("index row size %zu exceeds hnsw maximum %zu for index \"%s\"",
						size, (Size) HNSW_MAX_TUPLE_SIZE, RelationGetRelationName(index)),
				 errhint("Index fewer dimensions, for example through a halfvec expression, or use a smaller m.")));
	tup = palloc0(size);
	HnswFormElementTuple(tup, offsetBits, element, m, NULL, stored);

	for (;;)
	{
		BlockNumber nblocks = RelationGetNumberOfBlocks(index);

		if (nblocks > HNSW_FIRST_ELEMENT_BLKNO)
		{
			blkno = nblocks - 1;
			buf = ReadBuffer(index, blkno);
			LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
			offno = AddToPage(index, buf, tup, size);
			if (offno != InvalidOffsetNumber)
				break;
		}
		buf = HnswExtendIndex(index);
		blkno = BufferGetBlockNumber(buf);
		offno = AddToPage(index, buf, tup, size);
		if (offno != InvalidOffsetNumber)
			break;
		CHECK_FOR_INTERRUPTS();
	}
	pfree(tup);
	return HnswTidToId(blkno, offno);
}

/*
 * Writes the ranges of a ready quantizer of format 4 in place, on its
 * reserved range pages, one GenericXLog record (a full image) each.
 * Called with the metapage exclusively locked while the metapage does
 * not record the ranges, so no code has been written yet and the pages
 * are read by nobody but a reader that met a code (none can); a crash
 * before the metapage record leaves ranges that nobody reads, and the
 * next insert that completes the sample writes them again.
 */
static void
FillReservedRangePages(const HnswQuantizer *q, Relation index)
{
	for (int pageno = 0; pageno < q->rangePages; pageno++)
	{
		BlockNumber blkno = q->rangeBlkno + pageno;
		Buffer		buf = ReadBuffer(index, blkno);
		GenericXLogState *state;

		LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
		HnswCheckPage(index, BufferGetPage(buf), blkno, HNSW_PAGE_RANGE);
		state = GenericXLogStart(index);
		HnswQuantFillRangePage(q, GenericXLogRegisterBuffer(state, buf, GENERIC_XLOG_FULL_IMAGE),
							   pageno);
		GenericXLogFinish(state);
		UnlockReleaseBuffer(buf);
	}
}

/*
 * Writes the ranges of a ready quantizer and returns the first of their
 * pages: in format 4 on its reserved pages (FillReservedRangePages),
 * before on new pages at the end of the index, one GenericXLog record (a
 * full image) each.  Called with the metapage exclusively locked while
 * the graph is empty and has no ranges, when every insert waits for that
 * lock (InsertFirstElement), so nobody else extends the index or writes
 * to the new pages; the extension lock keeps the pages consecutive
 * anyway.
 */
static BlockNumber
WriteRangePages(const HnswQuantizer *q, Relation index)
{
	int			npages = HnswRangePageCount(q->dims);
	bool		needLock = !RELATION_IS_LOCAL(index);
	BlockNumber first = InvalidBlockNumber;

	if (q->rangeBlkno != InvalidBlockNumber)
	{
		FillReservedRangePages(q, index);
		return q->rangeBlkno;
	}
	if (needLock)
		LockRelationForExtension(index, ExclusiveLock);
	for (int pageno = 0; pageno < npages; pageno++)
	{
		Buffer		buf = ReadBuffer(index, P_NEW);
		GenericXLogState *state;

		LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
		if (pageno == 0)
			first = BufferGetBlockNumber(buf);
		if (BufferGetBlockNumber(buf) != first + pageno || !PageIsNew(BufferGetPage(buf)))
			elog(ERROR, "range page %d of index \"%s\" could not be placed at block %u",
				 pageno, RelationGetRelationName(index), first + pageno);
		state = GenericXLogStart(index);
		HnswQuantFillRangePage(q, GenericXLogRegisterBuffer(state, buf, GENERIC_XLOG_FULL_IMAGE),
							   pageno);
		GenericXLogFinish(state);
		UnlockReleaseBuffer(buf);
	}
	if (needLock)
		UnlockRelationForExtension(index, ExclusiveLock);
	return first;
}

/*
 * Gives the quantizer of an index that had no ranges when the caller read
 * its metapage the ranges it has now (meta is the metapage, exclusively
 * locked: another insert may have set them meanwhile, and emptied the
 * graph again), or the ranges of its first value, written to new range
 * pages.  Returns the first of those, or InvalidBlockNumber when the
 * ranges were there.
 */
static BlockNumber
SetFirstRange(HnswQuantizer *q, Relation index, HnswMetaPage meta, HnswElement element)
{
	HnswQuantStats stats;

	if (meta->quantFlags & HNSW_QUANT_READY)
	{
		(void) HnswQuantizerFromMeta(q, index, meta);
		return InvalidBlockNumber;
	}
	HnswQuantStatsInit(&stats, q->dims);
	HnswQuantStatsAdd(&stats, (const EpVector *) DatumGetPointer(element->value));
	HnswQuantSetRange(q, &stats, HNSW_RANGE_FIRST);
	return WriteRangePages(q, index);
}

/* The values SetSampleRange reads, and where it reports a bad one. */
typedef struct HnswSample
{
	Relation	index;
	int			m;
	const HnswQuantizer *q;
	HnswQuantStats stats;
} HnswSample;

/*
 * Adds an element's exact value to the sample (HnswWalkElements'
 * callback); before the ranges exist every stored value is exact, so any
 * other is a corrupt tuple.
 */
static void
AddToSample(HnswElementTuple tup, BlockNumber blkno, OffsetNumber offno, void *arg)
{
	HnswSample *sample = (HnswSample *) arg;
	const struct varlena *stored = HnswTupleValue(tup, sample->m);

	if (!HnswQuantIsExact(sample->q, stored) ||
		((const EpVector *) stored)->dim != sample->q->dims)
		HnswReportBadElement(sample->index, blkno, offno, "value");
	HnswQuantStatsAdd(&sample->stats, (const EpVector *) stored);
}

/*
 * Sets the ranges of a format 4 quantizer that is not ready from every
 * value its index stores (exact, since none is coded before the ranges
 * exist), read one element page at a time under a share lock, and
 * writes them on the reserved range pages.  The caller holds the
 * metapage exclusively locked (meta) and has seen it without ranges.
 */
static void
SetSampleRange(HnswQuantizer *q, Relation index, int m)
{
	HnswSample	sample;

	sample.index = index;
	sample.m = m;
	sample.q = q;
	HnswQuantStatsInit(&sample.stats, q->dims);
	HnswWalkElements(index, m, q->rangeBlkno + q->rangePages, NULL, AddToSample, &sample);
	if (sample.stats.count == 0)
		elog(ERROR, "index \"%s\" has no value to set its ranges from",
			 RelationGetRelationName(index));
	HnswQuantSetRange(q, &sample.stats, HNSW_RANGE_SAMPLE);
	FillReservedRangePages(q, index);
}

/*
 * Counts an element just stored exact in a format 4 index whose metapage
 * had no ranges, and, when that completes the sample, sets the ranges
 * (SetSampleRange) and records them, all under the metapage's exclusive
 * lock: the metapage is re-read under it (another insert may have set the
 * ranges meanwhile; then there is nothing to do).  The count is a hint:
 * a crash may lose an increment, which only delays the ranges.
 */
static void
CountPendingElement(Relation index, int m)
{
	Buffer		buf = ReadBuffer(index, HNSW_METAPAGE_BLKNO);
	GenericXLogState *state;
	HnswMetaPage meta;
	bool		complete;

	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	HnswCheckPage(index, BufferGetPage(buf), HNSW_METAPAGE_BLKNO, HNSW_PAGE_META);
	meta = HnswPageGetMeta(BufferGetPage(buf));
	if (meta->quantFlags & HNSW_QUANT_READY)
	{
		UnlockReleaseBuffer(buf);
		return;
	}
	complete = meta->pendingCount + 1 >= HNSW_QUANT_SAMPLE_SIZE;
	if (complete)
	{
		HnswQuantizer sample;

		(void) HnswQuantizerFromMeta(&sample, index, meta);
		SetSampleRange(&sample, index, m);
	}
	state = GenericXLogStart(index);
	meta = HnswPageGetMeta(GenericXLogRegisterBuffer(state, buf, 0));
	if (complete)
	{
		HnswQuantSetMeta(meta, meta->rangeBlkno, meta->rangePages);
		meta->pendingCount = 0;
	}
	else
		meta->pendingCount++;
	GenericXLogFinish(state);
	UnlockReleaseBuffer(buf);
}

/*
 * Makes the element the entry point of an empty graph (and, in a quantized
 * index of format 2 or 3 built empty, or one too wide for exact values,
 * sets the range from its value: q is updated).
 * Returns false, having written nothing, when the graph turns out to have
 * an entry point once the metapage is locked (another backend inserted
 * first).
 */
static bool
InsertFirstElement(Relation index, HnswElement element, int m, HnswQuantizer *q)
{
	Buffer		buf = ReadBuffer(index, HNSW_METAPAGE_BLKNO);
	GenericXLogState *state;
	Page		page;
	HnswMetaPage meta;
	BlockNumber rangeBlkno = InvalidBlockNumber;

	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	HnswCheckPage(index, BufferGetPage(buf), HNSW_METAPAGE_BLKNO, HNSW_PAGE_META);
	if (HnswPageGetMeta(BufferGetPage(buf))->entryLevel >= 0)
	{
		UnlockReleaseBuffer(buf);
		return false;
	}
	if (q != NULL && !q->ready && !q->exact)
		rangeBlkno = SetFirstRange(q, index, HnswPageGetMeta(BufferGetPage(buf)), element);

	element->id = AddElementTuple(index, element, m, q);

	state = GenericXLogStart(index);
	page = GenericXLogRegisterBuffer(state, buf, 0);
	meta = HnswPageGetMeta(page);
	meta->entryBlkno = HnswIdGetBlkno(element->id);
	meta->entryOffno = HnswIdGetOffno(element->id);
	meta->entryLevel = (int16) element->level;
	if (rangeBlkno != InvalidBlockNumber)
		HnswQuantSetMeta(meta, rangeBlkno, HnswRangePageCount(q->dims));
	GenericXLogFinish(state);
	UnlockReleaseBuffer(buf);
	return true;
}

/*
 * Makes the element the entry point if its level is still above the
 * current entry point's once the metapage is locked.
 */
static void
RaiseEntryPoint(Relation index, HnswElement element)
{
	Buffer		buf = ReadBuffer(index, HNSW_METAPAGE_BLKNO);
	GenericXLogState *state;
	HnswMetaPage meta;

	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	HnswCheckPage(index, BufferGetPage(buf), HNSW_METAPAGE_BLKNO, HNSW_PAGE_META);
	state = GenericXLogStart(index);
	meta = HnswPageGetMeta(GenericXLogRegisterBuffer(state, buf, 0));
	if (element->level > meta->entryLevel)
	{
		meta->entryBlkno = HnswIdGetBlkno(element->id);
		meta->entryOffno = HnswIdGetOffno(element->id);
		meta->entryLevel = (int16) element->level;
		GenericXLogFinish(state);
	}
	else
		GenericXLogAbort(state);
	UnlockReleaseBuffer(buf);
}

/*
 * Links neighbour "id" back to the new element at one level (see the file
 * header for the concurrency protocol).  Holds one element page lock at a
 * time.
 */
static void
LinkBack(HnswGraph *graph, uint64 id, int level, HnswElement element)
{
	int			first = HnswLevelFirstSlot(level, graph->m);
	int			capacity = HnswLevelCapacity(level, graph->m);
	uint64	   *newslots = palloc(sizeof(uint64) * capacity);

	for (int attempt = 0; attempt < HNSW_LINK_RETRIES; attempt++)
	{
		HnswElement neighbor = graph->get(graph, id);
		BlockNumber blkno = HnswIdGetBlkno(id);
		GenericXLogState *state;
		Buffer		buf;
		Page		page;
		HnswElementTuple tup;

		if (neighbor->level < level ||
			!HnswPruneWithNew(graph, neighbor, level, element, newslots))
			break;

		buf = ReadBuffer(graph->index, blkno);
		LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
		HnswCheckPage(graph->index, BufferGetPage(buf), blkno, HNSW_PAGE_ELEMENT);
		state = GenericXLogStart(graph->index);
		page = GenericXLogRegisterBuffer(state, buf, 0);
		tup = HnswCheckElementTuple(graph->index, page, blkno, HnswIdGetOffno(id), graph->m);
		if (HnswSlotsMatch(tup, first, capacity, graph->m, neighbor->slots + first))
		{
			HnswSetSlotsFromIds(tup, first, capacity, graph->m, newslots);
			GenericXLogFinish(state);
			UnlockReleaseBuffer(buf);
			memcpy(neighbor->slots + first, newslots, sizeof(uint64) * capacity);
			break;
		}
		/* changed since we read it: forget the copy and start again */
		GenericXLogAbort(state);
		UnlockReleaseBuffer(buf);
		hash_search(graph->cache, &id, HASH_REMOVE, NULL);
	}
	pfree(newslots);
}

/*
 * Inserts an element into a graph that has an entry point (meta, read
 * after the graph had one): finds its neighbours, writes its tuple, links
 * them back, and raises the entry point if the element is higher.
 */
static void
InsertIntoGraph(Relation index, HnswElement element, HnswMetaPageData *meta, HnswQuantizer *q)
{
	HnswGraph	graph;

	HnswInitDiskGraph(&graph, index, meta->m, CurrentMemoryContext, q);
	HnswFindNeighbors(&graph, element, HnswTidToId(meta->entryBlkno, meta->entryOffno),
					  meta->entryLevel, meta->efConstruction);
	element->id = AddElementTuple(index, element, meta->m, q);

	for (int level = Min(element->level, meta->entryLevel); level >= 0; level--)
	{
		int			first = HnswLevelFirstSlot(level, meta->m);

		for (int i = 0; i < HnswLevelCapacity(level, meta->m); i++)
		{
			if (element->slots[first + i] != HNSW_INVALID_ID)
				LinkBack(&graph, element->slots[first + i], level, element);
		}
	}

	if (element->level > meta->entryLevel)
		RaiseEntryPoint(index, element);
}

/*
 * HnswInsertOnDisk - inserts a formed value (see HnswFormValue) with its
 * heap TID.  In a quantized index the element's value is the value as a
 * float4 vector: the search measures it against decoded codes (or exact
 * values), and its tuple stores its code or, when that would be clamped
 * or the ranges are not set yet, the vector (see the file header).  The
 * caller holds no buffer lock; everything is allocated in the current
 * memory context, which the caller resets or deletes.
 */
void
HnswInsertOnDisk(Relation index, Datum value, ItemPointer heaptid)
{
	HnswMetaPageData meta = HnswReadMeta(index);
	HnswQuantizer quant;
	HnswQuantizer *q = NULL;
	HnswElement element;
	bool		pending = false;

	if (HnswQuantizerFromMeta(&quant, index, &meta))
	{
		q = &quant;
		value = PointerGetDatum(HnswQuantToFloat(q, value));
		pending = q->exact && !q->ready;
	}
	element = HnswNewElement(value, heaptid, HnswLevelFor(heaptid, meta.m), meta.m,
							 HnswStoredValueSize(q, value));
	if (meta.entryLevel < 0 && InsertFirstElement(index, element, meta.m, q))
	{
		if (pending)
			CountPendingElement(index, meta.m);
		return;
	}
	if (meta.entryLevel < 0)
	{
		/* someone else inserted the first element: re-read its entry point */
		meta = HnswReadMeta(index);
		if (q != NULL)
			(void) HnswQuantizerFromMeta(q, index, &meta);
	}
	InsertIntoGraph(index, element, &meta, q);
	if (pending)
		CountPendingElement(index, meta.m);
}

/*
 * hnswinsert - aminsert.  NULLs and, under a norm procedure, zero vectors
 * are not indexed.  Works in its own memory context, deleted on return.
 */
bool
hnswinsert(Relation index, Datum *values, bool *isnull, ItemPointer heap_tid,
		   Relation heap, IndexUniqueCheck checkUnique,
		   bool indexUnchanged, IndexInfo *indexInfo)
{
	MemoryContext cxt;
	MemoryContext oldcxt;
	Datum		value;

	if (isnull[0])
		return false;

	cxt = AllocSetContextCreate(CurrentMemoryContext, "hnsw insert",
								ALLOCSET_DEFAULT_SIZES);
	oldcxt = MemoryContextSwitchTo(cxt);
	if (HnswFormValue(index, values[0], &value))
		HnswInsertOnDisk(index, value, heap_tid);
	MemoryContextSwitchTo(oldcxt);
	MemoryContextDelete(cxt);
	return false;
}
