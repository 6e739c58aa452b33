/*-------------------------------------------------------------------------
 *
 * ivfutils.c
 *	  Page and tuple helpers of the ivfflat index: initialization, the
 *	  checks every page and tuple read from disk goes through, reading the
 *	  lists with their distances to a value, and forming posting tuples.
 *
 *	  Every read checks the page (special size, page id, flags) and each
 *	  tuple it uses (line pointer, type, lengths) and raises
 *	  ERRCODE_INDEX_CORRUPTED otherwise.  Distances use hnsw's helper
 *	  (HnswDistance), which calls the kernels directly for our functions.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  vectorstore/src/ivfutils.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include "access/genam.h"
#include "ivf.h"
#include "storage/bufmgr.h"
#include "utils/rel.h"
#include "vectorstore.h"

/* Largest posting or list tuple a page can hold. */
#define IVF_MAX_TUPLE_SIZE \
	MAXALIGN_DOWN(BLCKSZ - MAXALIGN(SizeOfPageHeaderData + sizeof(ItemIdData)) - \
				  MAXALIGN(sizeof(IvfPageOpaqueData)))

/* Initializes an empty page of the given kind. */
void
IvfInitPage(Page page, uint16 flags)
{
	IvfPageOpaque opaque;

	PageInit(page, BLCKSZ, sizeof(IvfPageOpaqueData));
	opaque = IvfPageGetOpaque(page);
	opaque->nextblkno = InvalidBlockNumber;
	opaque->flags = flags;
	opaque->page_id = IVF_PAGE_ID;
}

/*
 * Initializes the metapage.  pd_lower is moved past the metadata so that
 * GenericXLog and page images do not treat it as a hole.
 */
void
IvfInitMetaPage(Page page, uint32 dims, uint32 lists, uint32 nlistpages)
{
	IvfMetaPage meta;

	IvfInitPage(page, IVF_PAGE_META);
	meta = IvfPageGetMeta(page);
	memset(meta, 0, sizeof(IvfMetaPageData));
	meta->magic = IVF_MAGIC;
	meta->version = IVF_FORMAT_VERSION;
	meta->dims = dims;
	meta->lists = lists;
	meta->nlistpages = nlistpages;
	((PageHeader) page)->pd_lower = ((char *) meta + sizeof(IvfMetaPageData)) - (char *) page;
}

/* Checks that a page read from disk is an ivfflat page of the given kind. */
void
IvfCheckPage(Relation index, Page page, BlockNumber blkno, uint16 flags)
{
	IvfPageOpaque opaque;

	if (PageIsNew(page) ||
		PageGetSpecialSize(page) != MAXALIGN(sizeof(IvfPageOpaqueData)))
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("index \"%s\" contains an invalid page at block %u",
						RelationGetRelationName(index), blkno)));
	opaque = IvfPageGetOpaque(page);
	if (opaque->page_id != IVF_PAGE_ID || opaque->flags != flags)
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("index \"%s\" contains an unexpected page at block %u",
						RelationGetRelationName(index), blkno),
				 errdetail("Page id is 0x%04X and flags are 0x%04X; expected 0x%04X and 0x%04X.",
						   opaque->page_id, opaque->flags, IVF_PAGE_ID, flags)));
}

/*
 * IvfReadMeta - a copy of the metapage, checked.  Takes and releases a
 * shared lock on block 0; the caller holds no buffer lock.
 */
IvfMetaPageData
IvfReadMeta(Relation index)
{
	Buffer		buf = ReadBuffer(index, IVF_METAPAGE_BLKNO);
	IvfMetaPageData meta;

	LockBuffer(buf, BUFFER_LOCK_SHARE);
	IvfCheckPage(index, BufferGetPage(buf), IVF_METAPAGE_BLKNO, IVF_PAGE_META);
	meta = *IvfPageGetMeta(BufferGetPage(buf));
	UnlockReleaseBuffer(buf);

	if (meta.magic != IVF_MAGIC || meta.version != IVF_FORMAT_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("index \"%s\" is not an ivfflat index of a known format",
						RelationGetRelationName(index)),
				 errdetail("Magic number is 0x%08X and version %u; expected 0x%08X and %u.",
						   meta.magic, meta.version, IVF_MAGIC, IVF_FORMAT_VERSION),
				 errhint("Rebuild the index with REINDEX.")));
	if (meta.lists < IVF_MIN_LISTS || meta.lists > IVF_MAX_LISTS ||
		meta.nlistpages < 1 || meta.nlistpages > meta.lists)
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("index \"%s\" has an invalid metapage",
						RelationGetRelationName(index)),
				 errdetail("It records %u lists on %u pages.", meta.lists, meta.nlistpages)));
	return meta;
}

/* Raises the error of a tuple that fails a check. */
static void
InvalidTuple(Relation index, BlockNumber blkno, OffsetNumber offno, const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_INDEX_CORRUPTED),
			 errmsg("index \"%s\" contains an invalid %s tuple at (%u,%u)",
					RelationGetRelationName(index), what, blkno, offno)));
}

/* The item of a line pointer, checked to be in range and normal. */
static Item
CheckedItem(Relation index, Page page, BlockNumber blkno, OffsetNumber offno,
			const char *what, Size minsize)
{
	ItemId		iid;

	if (offno < FirstOffsetNumber || offno > PageGetMaxOffsetNumber(page))
		InvalidTuple(index, blkno, offno, what);
	iid = PageGetItemId(page, offno);
	if (!ItemIdIsNormal(iid) || ItemIdGetLength(iid) < minsize ||
		ItemIdGetOffset(iid) + ItemIdGetLength(iid) > BLCKSZ)
		InvalidTuple(index, blkno, offno, what);
	return PageGetItem(page, iid);
}

/*
 * IvfCheckListTuple - the list tuple at (blkno, offno), checked: type and
 * a centroid of exactly dims elements filling the rest of the item.
 */
IvfListTuple
IvfCheckListTuple(Relation index, Page page, BlockNumber blkno, OffsetNumber offno,
				  uint32 dims)
{
	Size		size = sizeof(IvfListTupleData) + EP_VECTOR_SIZE(dims);
	IvfListTuple tup = (IvfListTuple) CheckedItem(index, page, blkno, offno, "list", size);
	EpVector   *centroid = (EpVector *) IvfListCentroid(tup);

	if (tup->type != IVF_LIST_TUPLE_TYPE ||
		ItemIdGetLength(PageGetItemId(page, offno)) != size ||
		VARATT_IS_EXTENDED(centroid) || VARSIZE(centroid) != EP_VECTOR_SIZE(dims) ||
		centroid->dim != (int16) dims)
		InvalidTuple(index, blkno, offno, "list");
	return tup;
}

/*
 * IvfCheckPostingTuple - the index tuple at (blkno, offno), checked: its
 * recorded size equals the line pointer's and its heap TID is valid.
 */
IndexTuple
IvfCheckPostingTuple(Relation index, Page page, BlockNumber blkno, OffsetNumber offno)
{
	IndexTuple	itup = (IndexTuple) CheckedItem(index, page, blkno, offno, "posting",
											   sizeof(IndexTupleData));

	if (IndexTupleSize(itup) != ItemIdGetLength(PageGetItemId(page, offno)) ||
		IndexTupleHasNulls(itup) || !ItemPointerIsValid(&itup->t_tid))
		InvalidTuple(index, blkno, offno, "posting");
	return itup;
}

/* Sets up the distance of an index's operator class (see HnswDistance). */
void
IvfInitDistance(HnswGraph *dist, Relation index)
{
	memset(dist, 0, sizeof(HnswGraph));
	dist->index = index;
	dist->distproc = HnswDistanceProc(index);
	dist->distkind = HnswDistanceKindOf(dist->distproc);
	dist->collation = index->rd_indcollation[0];
}

/*
 * IvfReadLists - every list of the index, in list order, with its
 * distance to value (0 when value is 0, a NULL argument).  Reads the list
 * pages one at a time under a shared lock; the chain ends are copies that
 * may be stale by the time the caller uses them.  Result in the current
 * memory context, meta->lists entries.
 */
IvfListRef *
IvfReadLists(Relation index, const IvfMetaPageData *meta, HnswGraph *dist, Datum value)
{
	IvfListRef *lists = palloc_array(IvfListRef, meta->lists);
	uint32		n = 0;

	for (BlockNumber blkno = IVF_FIRST_LIST_BLKNO;
		 blkno < IVF_FIRST_LIST_BLKNO + meta->nlistpages; blkno++)
	{
		Buffer		buf = ReadBuffer(index, blkno);
		Page		page;

		LockBuffer(buf, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		IvfCheckPage(index, page, blkno, IVF_PAGE_LIST);
		for (OffsetNumber off = FirstOffsetNumber; off <= PageGetMaxOffsetNumber(page); off++)
		{
			IvfListTuple tup = IvfCheckListTuple(index, page, blkno, off, meta->dims);

			if (n >= meta->lists)
				InvalidTuple(index, blkno, off, "list");
			lists[n].blkno = blkno;
			lists[n].offno = off;
			lists[n].startBlkno = tup->startBlkno;
			lists[n].insertBlkno = tup->insertBlkno;
			lists[n].distance = value == (Datum) 0 ? 0 :
				HnswDistance(dist, PointerGetDatum(IvfListCentroid(tup)), value);
			n++;
		}
		UnlockReleaseBuffer(buf);
	}
	if (n != meta->lists)
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("index \"%s\" has %u lists instead of %u",
						RelationGetRelationName(index), n, meta->lists)));
	return lists;
}

/* Orders lists by distance, then by position (deterministic). */
static int
CompareLists(const void *a, const void *b)
{
	const IvfListRef *la = (const IvfListRef *) a;
	const IvfListRef *lb = (const IvfListRef *) b;

	if (la->distance != lb->distance)
		return la->distance < lb->distance ? -1 : 1;
	if (la->blkno != lb->blkno)
		return la->blkno < lb->blkno ? -1 : 1;
	return la->offno < lb->offno ? -1 : (la->offno > lb->offno ? 1 : 0);
}

/* Sorts lists nearest first. */
void
IvfSortLists(IvfListRef *lists, int nlists)
{
	qsort(lists, nlists, sizeof(IvfListRef), CompareLists);
}

/*
 * IvfFormTuple - the posting tuple of a value (detoasted) and its heap
 * tuple, in the current memory context.  A tuple wider than a page raises
 * PROGRAM_LIMIT_EXCEEDED.
 */
IndexTuple
IvfFormTuple(Relation index, Datum value, ItemPointer heaptid)
{
	bool		isnull = false;
	IndexTuple	itup = index_form_tuple(RelationGetDescr(index), &value, &isnull);

	if (IndexTupleSize(itup) > IVF_MAX_TUPLE_SIZE)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("index row size %zu exceeds ivfflat maximum %zu for index \"%s\"",
						IndexTupleSize(itup), (Size) IVF_MAX_TUPLE_SIZE,
						RelationGetRelationName(index)),
				 errhint("Index fewer dimensions, for example through a halfvec expression.")));
	itup->t_tid = *heaptid;
	return itup;
}
