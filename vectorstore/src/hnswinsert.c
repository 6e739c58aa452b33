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
 *	  code; the first element of an index built empty also sets the range
 *	  (in the metapage record that makes it the entry point).
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
 * not fit, and returns its node id.  In a quantized index (q, ready) the
 * tuple stores the code of the element's value, a float4 vector.  The
 * caller may hold the metapage lock (the lock order allows it) but no
 * element page lock.  A new page may fill up before its extender locks it
 * (see AddToPage); the extender then starts again from the last page.
 */
static uint64
AddElementTuple(Relation index, HnswElement element, int m, const HnswQuantizer *q)
{
	const struct varlena *stored = q != NULL ?
		HnswQuantEncode(q, (const EpVector *) DatumGetPointer(element->value)) :
		(const struct varlena *) DatumGetPointer(element->value);
	bool		compact = q != NULL && q->compact;
	Size		size = HnswElementTupleSize(compact, element->level, m, VARSIZE(stored));
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
	HnswFormElementTuple(tup, compact, element, m, NULL, stored);

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
 * Writes the ranges of a ready quantizer on new pages at the end of the
 * index, one GenericXLog record (a full image) each, and returns the
 * first.  Called with the metapage exclusively locked while the graph is
 * empty and has no ranges, when every insert waits for that lock
 * (InsertFirstElement), so nobody else extends the index or writes to
 * the new pages; the extension lock keeps the pages consecutive anyway.
 */
static BlockNumber
WriteRangePages(const HnswQuantizer *q, Relation index)
{
	int			npages = HnswRangePageCount(q->dims);
	bool		needLock = !RELATION_IS_LOCAL(index);
	BlockNumber first = InvalidBlockNumber;

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
	HnswQuantSetRange(q, &stats, true);
	return WriteRangePages(q, index);
}

/*
 * Makes the element the entry point of an empty graph (and, in a quantized
 * index built empty, sets the range from its value: q is updated).
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
	if (q != NULL && !q->ready)
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
 * HnswInsertOnDisk - inserts a formed value (see HnswFormValue) with its
 * heap TID.  In a quantized index the element's value is the value as a
 * float4 vector: the search measures it against decoded codes, and its
 * tuple stores its code.  The caller holds no buffer lock; everything is
 * allocated in the current memory context, which the caller resets or
 * deletes.
 */
void
HnswInsertOnDisk(Relation index, Datum value, ItemPointer heaptid)
{
	HnswMetaPageData meta = HnswReadMeta(index);
	HnswQuantizer quant;
	HnswQuantizer *q = NULL;
	HnswElement element;
	HnswGraph	graph;

	if (HnswQuantizerFromMeta(&quant, index, &meta))
	{
		q = &quant;
		value = PointerGetDatum(HnswQuantToFloat(q, value));
	}
	element = HnswNewElement(value, heaptid, HnswLevelFor(heaptid, meta.m), meta.m,
							 HnswStoredValueSize(q, value));
	if (meta.entryLevel < 0)
	{
		if (InsertFirstElement(index, element, meta.m, q))
			return;
		/* someone else inserted the first element: re-read its entry point */
		meta = HnswReadMeta(index);
		if (q != NULL)
			(void) HnswQuantizerFromMeta(q, index, &meta);
	}

	HnswInitDiskGraph(&graph, index, meta.m, CurrentMemoryContext, q);
	HnswFindNeighbors(&graph, element, HnswTidToId(meta.entryBlkno, meta.entryOffno),
					  meta.entryLevel, meta.efConstruction);
	element->id = AddElementTuple(index, element, meta.m, q);

	for (int level = Min(element->level, meta.entryLevel); level >= 0; level--)
	{
		int			first = HnswLevelFirstSlot(level, meta.m);

		for (int i = 0; i < HnswLevelCapacity(level, meta.m); i++)
		{
			if (element->slots[first + i] != HNSW_INVALID_ID)
				LinkBack(&graph, element->slots[first + i], level, element);
		}
	}

	if (element->level > meta.entryLevel)
		RaiseEntryPoint(index, element);
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
