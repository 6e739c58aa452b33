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
#include "epiphany/distance.h"
#include "storage/bufmgr.h"
#include "utils/rel.h"
#include "utils/varbit.h"
#include "vectorstore.h"

/* Largest posting or list tuple a page can hold. */
#define IVF_MAX_TUPLE_SIZE \
	MAXALIGN_DOWN(BLCKSZ - MAXALIGN(SizeOfPageHeaderData + sizeof(ItemIdData)) - \
				  MAXALIGN(sizeof(IvfPageOpaqueData)))

/*
 * Room for a list tuple's centroid: a list tuple (MAXALIGNed, with its
 * line pointer) must fit an empty list page.
 */
#define IVF_MAX_CENTROID_SIZE \
	(MAXALIGN_DOWN(BLCKSZ - SizeOfPageHeaderData - sizeof(ItemIdData) - \
				   MAXALIGN(sizeof(IvfPageOpaqueData))) - sizeof(IvfListTupleData))

/* The type names of the key types, for messages. */
static const char *const ivf_key_type_names[IVF_KEY_TYPES] = {"vector", "halfvec", "bit"};

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
IvfInitMetaPage(Page page, IvfKeyType keytype, uint32 dims, uint32 lists, uint32 nlistpages)
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
	meta->keytype = keytype;
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
	if (meta.keytype >= IVF_KEY_TYPES || meta.dims < 1 ||
		meta.dims > IvfMaxDims((IvfKeyType) meta.keytype))
		ereport(ERROR,
				(errcode(ERRCODE_INDEX_CORRUPTED),
				 errmsg("index \"%s\" has an invalid metapage",
						RelationGetRelationName(index)),
				 errdetail("It records key type %u of %u dimensions.", meta.keytype, meta.dims)));
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
 * a centroid of the metapage's key type and dimensions filling the rest of
 * the item.
 */
IvfListTuple
IvfCheckListTuple(Relation index, Page page, BlockNumber blkno, OffsetNumber offno,
				  const IvfMetaPageData *meta)
{
	IvfKeyType	keytype = (IvfKeyType) meta->keytype;
	Size		csize = IvfKeySize(keytype, meta->dims);
	Size		size = sizeof(IvfListTupleData) + csize;
	IvfListTuple tup = (IvfListTuple) CheckedItem(index, page, blkno, offno, "list", size);
	struct varlena *centroid = IvfListCentroid(tup);
	uint32		cdims;

	if (tup->type != IVF_LIST_TUPLE_TYPE ||
		ItemIdGetLength(PageGetItemId(page, offno)) != size ||
		VARATT_IS_EXTENDED(centroid) || VARSIZE(centroid) != csize)
		InvalidTuple(index, blkno, offno, "list");
	if (keytype == IVF_KEY_BIT)
		cdims = (uint32) VARBITLEN((VarBit *) centroid);
	else if (keytype == IVF_KEY_HALFVEC)
		cdims = (uint32) ((EpHalfvec *) centroid)->dim;
	else
		cdims = (uint32) ((EpVector *) centroid)->dim;
	if (cdims != meta->dims)
		InvalidTuple(index, blkno, offno, "list");
	return tup;
}

/* ----------------------------------------------------------------
 *		Key types: vector, halfvec, bit
 * ----------------------------------------------------------------
 */

/*
 * IvfKeyTypeOf - the key type of an index, from its operator class's
 * distance function.  Raises FEATURE_NOT_SUPPORTED for any class but the
 * seven of the install script (a user's class keeps to hnsw).
 */
IvfKeyType
IvfKeyTypeOf(Relation index)
{
	static const struct
	{
		PGFunction	fn;
		IvfKeyType	keytype;
	}			classes[] = {
		{ep_vector_l2_squared_distance, IVF_KEY_VECTOR},
		{ep_vector_negative_inner_product, IVF_KEY_VECTOR},
		{ep_cosine_distance, IVF_KEY_VECTOR},
		{ep_halfvec_l2_squared_distance, IVF_KEY_HALFVEC},
		{ep_halfvec_negative_inner_product, IVF_KEY_HALFVEC},
		{ep_halfvec_cosine_distance, IVF_KEY_HALFVEC},
		{ep_hamming_distance, IVF_KEY_BIT},
	};
	PGFunction	fn = HnswDistanceProc(index)->fn_addr;

	for (int i = 0; i < lengthof(classes); i++)
	{
		if (classes[i].fn == fn)
			return classes[i].keytype;
	}
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("ivfflat does not support the operator class of index \"%s\"",
					RelationGetRelationName(index)),
			 errdetail("ivfflat supports the vector and halfvec l2, ip and cosine operator classes and bit_hamming_ops."),
			 errhint("Use an hnsw index for the other operator classes.")));
	return IVF_KEY_VECTOR;		/* keep the compiler quiet */
}

/* IvfKeySize - the size of a value (or centroid) of dims dimensions. */
Size
IvfKeySize(IvfKeyType keytype, uint32 dims)
{
	switch (keytype)
	{
		case IVF_KEY_VECTOR:
			return EP_VECTOR_SIZE(dims);
		case IVF_KEY_HALFVEC:
			return EP_HALFVEC_SIZE(dims);
		case IVF_KEY_BIT:
			return VARBITTOTALLEN(dims);
	}
	elog(ERROR, "unknown ivfflat key type %d", (int) keytype);
	return 0;					/* keep the compiler quiet */
}

/*
 * IvfMaxDims - the most dimensions an index of the key type accepts: its
 * centroid must fit a list page (a value then fits a posting page too).
 */
uint32
IvfMaxDims(IvfKeyType keytype)
{
	Size		room = IVF_MAX_CENTROID_SIZE;
	uint32		dims;

	switch (keytype)
	{
		case IVF_KEY_VECTOR:
			dims = (room - EP_VECTOR_SIZE(0)) / sizeof(float4);
			break;
		case IVF_KEY_HALFVEC:
			dims = (room - EP_HALFVEC_SIZE(0)) / sizeof(uint16);
			break;
		default:
			dims = (room - VARBITTOTALLEN(0)) * BITS_PER_BYTE;
			break;
	}
	Assert(IvfKeySize(keytype, dims) <= room && IvfKeySize(keytype, dims + 1) > room);
	return dims;
}

/*
 * IvfCheckDims - the dimensions of the indexed column (its typmod),
 * checked against the key type's page-fit limit.
 */
uint32
IvfCheckDims(IvfKeyType keytype, int32 typmod)
{
	const char *typname = ivf_key_type_names[keytype];
	uint32		maxdims = IvfMaxDims(keytype);

	if (typmod < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("column does not have dimensions"),
				 errhint("Index a column or expression of a type with dimensions, such as %s(3).",
						 typname)));
	if ((uint32) typmod > maxdims)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("column cannot have more than %u dimensions for ivfflat index", maxdims),
				 errdetail("An ivfflat list page holds one centroid of type %s, at most %u dimensions; the column has %d.",
						   typname, maxdims, typmod),
				 keytype == IVF_KEY_BIT ?
				 errhint("Use an hnsw index.") :
				 errhint("Index fewer dimensions, for example a halfvec or binary_quantize expression, or use an hnsw index.")));
	return (uint32) typmod;
}

/*
 * IvfCheckValue - raises DATA_EXCEPTION unless a (detoasted) value has the
 * index's dimensions; checks the value's header on the way.
 */
void
IvfCheckValue(IvfKeyType keytype, Datum value, uint32 dims)
{
	int			n;

	if (keytype == IVF_KEY_BIT)
		n = VARBITLEN(DatumGetVarBitP(value));
	else if (keytype == IVF_KEY_HALFVEC)
		n = EpHalfvecFromDatum(value)->dim;
	else
		n = EpVectorFromDatum(value)->dim;
	EpCheckTypmod(n, (int32) dims);
}

/*
 * IvfValueToFloats - a checked value of dims dimensions as dims float4s
 * (k-means works on those): a vector's elements, a halfvec's widened, a
 * bit string's bits as 0 and 1.
 */
void
IvfValueToFloats(IvfKeyType keytype, Datum value, uint32 dims, float *out)
{
	if (keytype == IVF_KEY_VECTOR)
		memcpy(out, EpVectorFromDatum(value)->x, sizeof(float) * dims);
	else if (keytype == IVF_KEY_HALFVEC)
	{
		EpHalfvec  *h = EpHalfvecFromDatum(value);

		for (uint32 i = 0; i < dims; i++)
			out[i] = EpHalfToFloat4(h->x[i]);
	}
	else
	{
		bits8	   *bits = VARBITS(DatumGetVarBitP(value));

		for (uint32 i = 0; i < dims; i++)
			out[i] = (bits[i / BITS_PER_BYTE] >> (BITS_PER_BYTE - 1 - i % BITS_PER_BYTE)) & 1;
	}
}

/*
 * IvfCentroidFromFloats - a centroid of dims float4s as a value of the key
 * type, in the current memory context: a vector, a halfvec (each element
 * rounded to the nearest float16), or a bit string (bit i set when c[i]
 * is above one half: the majority of the cluster's bits).
 */
struct varlena *
IvfCentroidFromFloats(IvfKeyType keytype, const float *c, uint32 dims)
{
	if (keytype == IVF_KEY_VECTOR)
	{
		EpVector   *v = EpInitVector(dims);

		memcpy(v->x, c, sizeof(float) * dims);
		return (struct varlena *) v;
	}
	if (keytype == IVF_KEY_HALFVEC)
	{
		EpHalfvec  *h = EpInitHalfvec(dims);

		for (uint32 i = 0; i < dims; i++)
			h->x[i] = EpFloat8ToHalfChecked(c[i], ivf_key_type_names[keytype]);
		return (struct varlena *) h;
	}
	else
	{
		VarBit	   *b = palloc0(VARBITTOTALLEN(dims));

		SET_VARSIZE(b, VARBITTOTALLEN(dims));
		VARBITLEN(b) = dims;
		for (uint32 i = 0; i < dims; i++)
			if (c[i] > 0.5f)
				VARBITS(b)[i / BITS_PER_BYTE] |= 1 << (BITS_PER_BYTE - 1 - i % BITS_PER_BYTE);
		return (struct varlena *) b;
	}
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
			IvfListTuple tup = IvfCheckListTuple(index, page, blkno, off, meta);

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
