/*-------------------------------------------------------------------------
 *
 * ivfinsert.c
 *	  aminsert of ivfflat: a new value goes to the posting chain of its
 *	  nearest centroid, on the chain's last page, or on a new page linked
 *	  at the end of the chain.
 *
 *	  Lock order: a list page before any posting page; posting pages of a
 *	  chain in chain order; the relation extension lock only while
 *	  extending.  The fast path locks only the last posting page (read from
 *	  a copy of the list tuple, so it may be stale: if that page has a next
 *	  page, the insert follows the chain).  Only a full last page takes the
 *	  list page (exclusive), re-reads the chain's end there (another insert
 *	  may have extended it meanwhile), then locks that page.  One
 *	  GenericXLog record registers at most three buffers: the list page, the
 *	  old last page and the new page (a full image).  Memory: the "ivfflat
 *	  insert" context, deleted on every return.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  vectorstore/src/ivfinsert.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include "access/generic_xlog.h"
#include "ivf.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "vectorstore.h"

/*
 * Adds the tuple to a locked posting page if it fits, in one GenericXLog
 * record.  Returns false, writing nothing, when it does not fit.
 */
static bool
AddToPage(Relation index, Buffer buf, IndexTuple itup)
{
	GenericXLogState *state;
	Page		page;
	Size		size = IndexTupleSize(itup);

	if (PageGetFreeSpace(BufferGetPage(buf)) < MAXALIGN(size))
		return false;
	state = GenericXLogStart(index);
	page = GenericXLogRegisterBuffer(state, buf, 0);
	if (PageAddItem(page, (Item) itup, size, InvalidOffsetNumber, false, false) ==
		InvalidOffsetNumber)
		elog(ERROR, "failed to add posting tuple to index \"%s\"",
			 RelationGetRelationName(index));
	GenericXLogFinish(state);
	return true;
}

/*
 * Slow path: under the list page's exclusive lock, adds the tuple to the
 * chain's last page or links a new one.  Returns the block to retry the
 * fast path on when the chain's end moved since the caller saw it full
 * (InvalidBlockNumber when the tuple was added).
 */
static BlockNumber
AppendWithListLock(Relation index, IvfListRef *list, BlockNumber seenLast,
				   IndexTuple itup, const IvfMetaPageData *meta)
{
	Buffer		listbuf = ReadBuffer(index, list->blkno);
	Buffer		lastbuf = InvalidBuffer;
	Buffer		newbuf;
	IvfListTuple tup;
	BlockNumber last;
	GenericXLogState *state;
	Page		listpage;
	Page		newpage;

	LockBuffer(listbuf, BUFFER_LOCK_EXCLUSIVE);
	IvfCheckPage(index, BufferGetPage(listbuf), list->blkno, IVF_PAGE_LIST);
	tup = IvfCheckListTuple(index, BufferGetPage(listbuf), list->blkno, list->offno, meta);
	last = tup->insertBlkno;
	if (last != seenLast)
	{
		/* another backend extended the chain meanwhile: try its new end */
		UnlockReleaseBuffer(listbuf);
		return last;
	}
	if (BlockNumberIsValid(last))
	{
		lastbuf = ReadBuffer(index, last);
		LockBuffer(lastbuf, BUFFER_LOCK_EXCLUSIVE);
		IvfCheckPage(index, BufferGetPage(lastbuf), last, IVF_PAGE_POSTING);
		/* vacuum may have made room since the caller looked */
		if (AddToPage(index, lastbuf, itup))
		{
			UnlockReleaseBuffer(lastbuf);
			UnlockReleaseBuffer(listbuf);
			return InvalidBlockNumber;
		}
	}

	newbuf = HnswExtendIndex(index);
	state = GenericXLogStart(index);
	listpage = GenericXLogRegisterBuffer(state, listbuf, 0);
	newpage = GenericXLogRegisterBuffer(state, newbuf, GENERIC_XLOG_FULL_IMAGE);
	IvfInitPage(newpage, IVF_PAGE_POSTING);
	if (PageAddItem(newpage, (Item) itup, IndexTupleSize(itup), InvalidOffsetNumber,
					false, false) == InvalidOffsetNumber)
		elog(ERROR, "failed to add posting tuple to index \"%s\"",
			 RelationGetRelationName(index));
	tup = (IvfListTuple) PageGetItem(listpage, PageGetItemId(listpage, list->offno));
	tup->insertBlkno = BufferGetBlockNumber(newbuf);
	if (BufferIsValid(lastbuf))
	{
		Page		lastpage = GenericXLogRegisterBuffer(state, lastbuf, 0);

		IvfPageGetOpaque(lastpage)->nextblkno = BufferGetBlockNumber(newbuf);
	}
	else
		tup->startBlkno = BufferGetBlockNumber(newbuf);
	GenericXLogFinish(state);

	UnlockReleaseBuffer(newbuf);
	if (BufferIsValid(lastbuf))
		UnlockReleaseBuffer(lastbuf);
	UnlockReleaseBuffer(listbuf);
	return InvalidBlockNumber;
}

/*
 * Inserts a posting tuple into a list.  Fast path on the chain's end as
 * last seen, following next links; then the slow path, repeated while the
 * chain's end keeps moving.
 */
static void
InsertIntoList(Relation index, IvfListRef *list, IndexTuple itup,
			   const IvfMetaPageData *meta)
{
	BlockNumber blkno = list->insertBlkno;

	for (;;)
	{
		BlockNumber seenLast = blkno;

		while (BlockNumberIsValid(blkno))
		{
			Buffer		buf = ReadBuffer(index, blkno);
			IvfPageOpaque opaque;

			LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
			IvfCheckPage(index, BufferGetPage(buf), blkno, IVF_PAGE_POSTING);
			if (AddToPage(index, buf, itup))
			{
				UnlockReleaseBuffer(buf);
				return;
			}
			opaque = IvfPageGetOpaque(BufferGetPage(buf));
			seenLast = blkno;
			blkno = opaque->nextblkno;
			UnlockReleaseBuffer(buf);
			CHECK_FOR_INTERRUPTS();
		}
		blkno = AppendWithListLock(index, list, seenLast, itup, meta);
		if (!BlockNumberIsValid(blkno))
			return;
	}
}

/*
 * aminsert: adds a heap tuple's value to the list of its nearest centroid.
 * NULLs and, under cosine, zero vectors are not indexed.
 */
bool
ivfinsert(Relation index, Datum *values, bool *isnull, ItemPointer heap_tid,
		  Relation heap, IndexUniqueCheck checkUnique,
		  bool indexUnchanged, IndexInfo *indexInfo)
{
	MemoryContext insertCxt;
	MemoryContext oldcxt;
	IvfMetaPageData meta;
	HnswGraph	dist;
	IvfListRef *lists;
	Datum		value;
	int			best = 0;

	if (isnull[0])
		return false;
	insertCxt = AllocSetContextCreate(CurrentMemoryContext, "ivfflat insert",
									  ALLOCSET_DEFAULT_SIZES);
	oldcxt = MemoryContextSwitchTo(insertCxt);
	if (!HnswFormValue(index, values[0], &value))
	{
		MemoryContextSwitchTo(oldcxt);
		MemoryContextDelete(insertCxt);
		return false;
	}

	meta = IvfReadMeta(index);
	IvfCheckValue((IvfKeyType) meta.keytype, value, meta.dims);
	IvfInitDistance(&dist, index);
	lists = IvfReadLists(index, &meta, &dist, value);
	for (uint32 i = 1; i < meta.lists; i++)
	{
		if (lists[i].distance < lists[best].distance)
			best = i;
	}
	InsertIntoList(index, &lists[best], IvfFormTuple(index, value, heap_tid), &meta);

	MemoryContextSwitchTo(oldcxt);
	MemoryContextDelete(insertCxt);
	return false;
}
