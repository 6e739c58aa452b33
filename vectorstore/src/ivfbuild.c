/*-------------------------------------------------------------------------
 *
 * ivfbuild.c
 *	  Builds an ivfflat index (ambuild, ambuildempty).
 *
 *	  Three steps.  (1) A heap scan draws a reservoir sample of at most
 *	  IVF_SAMPLES_PER_LIST * lists rows (fewer, with a NOTICE, when
 *	  epiphany.vector_index_build_memory cannot hold them), with a
 *	  generator of fixed seed and without synchronized scans, so the same
 *	  table gives the same index.  (2) k-means
 *	  (ivfkmeans.c) computes the centroids, on float4 copies of the values
 *	  (halfvec widened, bits as 0 and 1; binary k-means for bit), which are
 *	  stored as values of the index's key type (IvfKeyTypeOf: vector,
 *	  halfvec or bit); the metapage and the list pages
 *	  (blocks 0 .. nlistpages) are written with empty chains.  (3) A second
 *	  heap scan appends each row to the posting chain of its nearest
 *	  centroid, by the operator class's distance; at the end the chain ends
 *	  are stored in the list tuples.
 *
 *	  Pages go through shared buffers without WAL while the index is
 *	  invisible to other backends, then the whole relation is WAL-logged
 *	  once with log_newpage_range, as the hnsw build does.  Memory: "ivfflat
 *	  build" holds the samples and centroids; "ivfflat build tuple" is reset
 *	  after every heap tuple.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  vectorstore/src/ivfbuild.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include <math.h>

#include "access/tableam.h"
#include "access/xloginsert.h"
#include "commands/progress.h"
#include "common/pg_prng.h"
#include "ivf.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/bufmgr.h"
#include "utils/float.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "vectorstore.h"

typedef struct IvfBuildState
{
	Relation	bs_index;
	ForkNumber	bs_fork;		/* MAIN_FORKNUM, or INIT_FORKNUM when empty */
	HnswGraph	bs_dist;		/* the operator class's distance */
	IvfKeyType	bs_keytype;		/* type of the values and centroids */
	uint32		bs_dims;
	int			bs_lists;
	bool		bs_spherical;	/* cosine: normalized k-means */
	/* step 1: reservoir sample, bs_nsamples rows of bs_dims floats */
	float	   *bs_samples;
	int			bs_nsamples;
	int			bs_maxsamples;
	int64		bs_seen;
	pg_prng_state bs_prng;
	/* steps 2 and 3 */
	struct varlena **bs_centroids;	/* of bs_keytype */
	BlockNumber *bs_startBlkno;
	BlockNumber *bs_lastBlkno;
	BlockNumber *bs_listBlkno;	/* list tuple of each list */
	OffsetNumber *bs_listOffno;
	uint32		bs_nlistpages;
	double		bs_reltuples;
	double		bs_indtuples;
	MemoryContext bs_tmpCxt;	/* "ivfflat build tuple" */
} IvfBuildState;

/*
 * The value of a heap tuple to index, detoasted and checked, or 0 when it
 * is not indexed (NULL, or a zero vector under cosine).
 */
static Datum
IndexedValue(IvfBuildState *bs, Datum value, bool isnull)
{
	Datum		detoasted;

	if (isnull || !HnswFormValue(bs->bs_index, value, &detoasted))
		return (Datum) 0;
	IvfCheckValue(bs->bs_keytype, detoasted, bs->bs_dims);
	return detoasted;
}

/* table_index_build_scan callback of step 1: reservoir sampling. */
static void
SampleCallback(Relation index, ItemPointer tid, Datum *values, bool *isnull,
			   bool tupleIsAlive, void *state)
{
	IvfBuildState *bs = (IvfBuildState *) state;
	MemoryContext oldcxt = MemoryContextSwitchTo(bs->bs_tmpCxt);
	Datum		v = IndexedValue(bs, values[0], isnull[0]);
	int			slot = -1;

	if (v != (Datum) 0)
	{
		bs->bs_seen++;
		if (bs->bs_nsamples < bs->bs_maxsamples)
			slot = bs->bs_nsamples++;
		else
		{
			uint64		j = pg_prng_uint64_range(&bs->bs_prng, 0, bs->bs_seen - 1);

			if (j < (uint64) bs->bs_maxsamples)
				slot = (int) j;
		}
	}
	if (slot >= 0)
	{
		float	   *row = bs->bs_samples + (Size) slot * bs->bs_dims;
		double		norm = 0;

		IvfValueToFloats(bs->bs_keytype, v, bs->bs_dims, row);
		if (bs->bs_spherical)
		{
			for (uint32 j = 0; j < bs->bs_dims; j++)
				norm += (double) row[j] * row[j];
			norm = sqrt(norm);
			for (uint32 j = 0; j < bs->bs_dims; j++)
				row[j] = (float) (row[j] / norm);
		}
	}
	MemoryContextSwitchTo(oldcxt);
	MemoryContextReset(bs->bs_tmpCxt);
}

/* A new, locked page at the end of the fork being built. */
static Buffer
NewPage(IvfBuildState *bs, uint16 flags)
{
	Buffer		buf = ReadBufferExtended(bs->bs_index, bs->bs_fork, P_NEW, RBM_NORMAL, NULL);

	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	IvfInitPage(BufferGetPage(buf), flags);
	return buf;
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
 * Step 2: runs k-means on the sample, keeps the centroids as vectors, and
 * writes the metapage and the list pages with empty chains.
 */
static void
WriteLists(IvfBuildState *bs)
{
	float	   *centroids = MemoryContextAllocHuge(CurrentMemoryContext,
												   mul_size(mul_size(bs->bs_lists, bs->bs_dims),
															sizeof(float)));
	Size		size = sizeof(IvfListTupleData) + IvfKeySize(bs->bs_keytype, bs->bs_dims);
	IvfListTuple tup = palloc0(size);
	Buffer		meta = NewPage(bs, IVF_PAGE_META);
	Buffer		buf = InvalidBuffer;

	IvfKmeans(bs->bs_samples, bs->bs_nsamples, bs->bs_dims, bs->bs_lists,
			  bs->bs_spherical, bs->bs_keytype == IVF_KEY_BIT, centroids);
	bs->bs_centroids = palloc_array(struct varlena *, bs->bs_lists);
	bs->bs_startBlkno = palloc_array(BlockNumber, bs->bs_lists);
	bs->bs_lastBlkno = palloc_array(BlockNumber, bs->bs_lists);
	bs->bs_listBlkno = palloc_array(BlockNumber, bs->bs_lists);
	bs->bs_listOffno = palloc_array(OffsetNumber, bs->bs_lists);

	tup->type = IVF_LIST_TUPLE_TYPE;
	tup->startBlkno = InvalidBlockNumber;
	tup->insertBlkno = InvalidBlockNumber;
	for (int c = 0; c < bs->bs_lists; c++)
	{
		struct varlena *v = IvfCentroidFromFloats(bs->bs_keytype,
												  centroids + (Size) c * bs->bs_dims,
												  bs->bs_dims);
		OffsetNumber offno;

		Assert(VARSIZE(v) == IvfKeySize(bs->bs_keytype, bs->bs_dims));
		bs->bs_centroids[c] = v;
		bs->bs_startBlkno[c] = InvalidBlockNumber;
		bs->bs_lastBlkno[c] = InvalidBlockNumber;
		memcpy(IvfListCentroid(tup), v, VARSIZE(v));
		if (!BufferIsValid(buf) || PageGetFreeSpace(BufferGetPage(buf)) < MAXALIGN(size))
		{
			if (BufferIsValid(buf))
				FinishPage(buf);
			buf = NewPage(bs, IVF_PAGE_LIST);
			bs->bs_nlistpages++;
		}
		offno = PageAddItem(BufferGetPage(buf), (Item) tup, size, InvalidOffsetNumber,
							false, false);
		if (offno == InvalidOffsetNumber)
			elog(ERROR, "failed to add list tuple to index \"%s\"",
				 RelationGetRelationName(bs->bs_index));
		bs->bs_listBlkno[c] = BufferGetBlockNumber(buf);
		bs->bs_listOffno[c] = offno;
	}
	FinishPage(buf);
	IvfInitMetaPage(BufferGetPage(meta), bs->bs_keytype, bs->bs_dims, bs->bs_lists,
					bs->bs_nlistpages);
	FinishPage(meta);
	pfree(centroids);
	pfree(tup);
}

/* Appends a posting tuple to the chain of list c (step 3). */
static void
AppendToList(IvfBuildState *bs, int c, IndexTuple itup)
{
	Size		size = IndexTupleSize(itup);
	Buffer		buf;

	if (BlockNumberIsValid(bs->bs_lastBlkno[c]))
	{
		Buffer		last = ReadBufferExtended(bs->bs_index, bs->bs_fork, bs->bs_lastBlkno[c],
											  RBM_NORMAL, NULL);

		LockBuffer(last, BUFFER_LOCK_EXCLUSIVE);
		if (PageAddItem(BufferGetPage(last), (Item) itup, size, InvalidOffsetNumber,
						false, false) != InvalidOffsetNumber)
		{
			MarkBufferDirty(last);
			UnlockReleaseBuffer(last);
			return;
		}
		buf = NewPage(bs, IVF_PAGE_POSTING);
		IvfPageGetOpaque(BufferGetPage(last))->nextblkno = BufferGetBlockNumber(buf);
		FinishPage(last);
	}
	else
	{
		buf = NewPage(bs, IVF_PAGE_POSTING);
		bs->bs_startBlkno[c] = BufferGetBlockNumber(buf);
	}
	bs->bs_lastBlkno[c] = BufferGetBlockNumber(buf);
	if (PageAddItem(BufferGetPage(buf), (Item) itup, size, InvalidOffsetNumber,
					false, false) == InvalidOffsetNumber)
		elog(ERROR, "failed to add posting tuple to index \"%s\"",
			 RelationGetRelationName(bs->bs_index));
	FinishPage(buf);
}

/* table_index_build_scan callback of step 3: one heap tuple. */
static void
LoadCallback(Relation index, ItemPointer tid, Datum *values, bool *isnull,
			 bool tupleIsAlive, void *state)
{
	IvfBuildState *bs = (IvfBuildState *) state;
	MemoryContext oldcxt = MemoryContextSwitchTo(bs->bs_tmpCxt);
	Datum		v = IndexedValue(bs, values[0], isnull[0]);

	bs->bs_reltuples++;
	if (v != (Datum) 0)
	{
		int			best = 0;
		double		bestd = get_float8_infinity();

		for (int c = 0; c < bs->bs_lists; c++)
		{
			double		d = HnswDistance(&bs->bs_dist, PointerGetDatum(bs->bs_centroids[c]), v);

			if (d < bestd)
			{
				bestd = d;
				best = c;
			}
		}
		AppendToList(bs, best, IvfFormTuple(index, v, tid));
		bs->bs_indtuples++;
		pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_DONE, (int64) bs->bs_indtuples);
	}
	MemoryContextSwitchTo(oldcxt);
	MemoryContextReset(bs->bs_tmpCxt);
}

/* Stores each list's chain ends in its list tuple (end of step 3). */
static void
StoreChainEnds(IvfBuildState *bs)
{
	Buffer		buf = InvalidBuffer;

	for (int c = 0; c < bs->bs_lists; c++)
	{
		IvfListTuple tup;

		if (!BlockNumberIsValid(bs->bs_startBlkno[c]))
			continue;
		if (!BufferIsValid(buf) || BufferGetBlockNumber(buf) != bs->bs_listBlkno[c])
		{
			if (BufferIsValid(buf))
				FinishPage(buf);
			buf = ReadBufferExtended(bs->bs_index, bs->bs_fork, bs->bs_listBlkno[c],
									 RBM_NORMAL, NULL);
			LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
		}
		tup = (IvfListTuple) PageGetItem(BufferGetPage(buf),
										 PageGetItemId(BufferGetPage(buf), bs->bs_listOffno[c]));
		tup->startBlkno = bs->bs_startBlkno[c];
		tup->insertBlkno = bs->bs_lastBlkno[c];
	}
	if (BufferIsValid(buf))
		FinishPage(buf);
}

/* Sets up a build of one fork; allocations in the current context. */
static void
InitBuildState(IvfBuildState *bs, Relation index, ForkNumber fork)
{
	Size		rowsize;

	memset(bs, 0, sizeof(IvfBuildState));
	bs->bs_index = index;
	bs->bs_fork = fork;
	IvfInitDistance(&bs->bs_dist, index);
	bs->bs_keytype = IvfKeyTypeOf(index);
	bs->bs_dims = IvfCheckDims(bs->bs_keytype,
							   TupleDescAttr(RelationGetDescr(index), 0)->atttypmod);
	bs->bs_lists = IvfGetLists(index);
	bs->bs_spherical = OidIsValid(index_getprocid(index, 1, IVF_NORM_PROC));
	rowsize = sizeof(float) * bs->bs_dims;
	bs->bs_maxsamples = IVF_SAMPLES_PER_LIST * bs->bs_lists;
	if ((double) bs->bs_maxsamples * rowsize > (double) ep_vector_index_build_memory * 1024)
		bs->bs_maxsamples = Max(bs->bs_lists,
								(int) ((double) ep_vector_index_build_memory * 1024 / rowsize));
	pg_prng_seed(&bs->bs_prng, IVF_KMEANS_SEED);
	bs->bs_tmpCxt = AllocSetContextCreate(CurrentMemoryContext, "ivfflat build tuple",
										  ALLOCSET_DEFAULT_SIZES);
}

/*
 * Says so when epiphany.vector_index_build_memory left out rows that the
 * k-means sample would otherwise have held (IVF_SAMPLES_PER_LIST * lists):
 * the build goes on with the smaller sample, whose centroids may serve the
 * rows less well.  Called after the sampling scan.
 */
static void
NoteSampleLimit(IvfBuildState *bs)
{
	int			wanted = IVF_SAMPLES_PER_LIST * bs->bs_lists;

	if (bs->bs_maxsamples >= wanted || bs->bs_seen <= bs->bs_maxsamples)
		return;
	ereport(NOTICE,
			(errmsg("ivfflat index \"%s\" samples %d rows for k-means rather than %d: they would not fit in epiphany.vector_index_build_memory",
					RelationGetRelationName(bs->bs_index), bs->bs_nsamples,
					(int) Min((int64) wanted, bs->bs_seen)),
			 errhint("Increase epiphany.vector_index_build_memory for lists drawn from more rows.")));
}

/* ambuild: builds the index of a heap relation. */
IndexBuildResult *
ivfbuild(Relation heap, Relation index, IndexInfo *indexInfo)
{
	IvfBuildState bs;
	IndexBuildResult *result;
	MemoryContext buildCxt;
	MemoryContext oldcxt;

	if (RelationGetNumberOfBlocks(index) != 0)
		elog(ERROR, "index \"%s\" already contains data", RelationGetRelationName(index));

	buildCxt = AllocSetContextCreate(CurrentMemoryContext, "ivfflat build",
									 ALLOCSET_DEFAULT_SIZES);
	oldcxt = MemoryContextSwitchTo(buildCxt);
	InitBuildState(&bs, index, MAIN_FORKNUM);
	bs.bs_samples = MemoryContextAllocHuge(buildCxt, mul_size(bs.bs_maxsamples,
															  sizeof(float) * bs.bs_dims));

	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, IVF_PHASE_KMEANS);
	table_index_build_scan(heap, index, indexInfo, false, false, SampleCallback, &bs, NULL);
	NoteSampleLimit(&bs);
	WriteLists(&bs);

	pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, IVF_PHASE_LOAD);
	table_index_build_scan(heap, index, indexInfo, false, true, LoadCallback, &bs, NULL);
	StoreChainEnds(&bs);

	if (RelationNeedsWAL(index))
		log_newpage_range(index, MAIN_FORKNUM, 0, RelationGetNumberOfBlocks(index), true);

	MemoryContextSwitchTo(oldcxt);
	result = palloc(sizeof(IndexBuildResult));
	result->heap_tuples = bs.bs_reltuples;
	result->index_tuples = bs.bs_indtuples;
	MemoryContextDelete(buildCxt);
	return result;
}

/*
 * ambuildempty: the init fork of an unlogged index: the metapage and the
 * list pages, with centroids drawn from the fixed-seed generator (there is
 * nothing to sample) and no posting page.  They go through shared buffers
 * (init-fork buffers are written at every checkpoint) and are WAL-logged.
 */
void
ivfbuildempty(Relation index)
{
	IvfBuildState bs;
	MemoryContext buildCxt = AllocSetContextCreate(CurrentMemoryContext, "ivfflat build",
												   ALLOCSET_DEFAULT_SIZES);
	MemoryContext oldcxt = MemoryContextSwitchTo(buildCxt);

	InitBuildState(&bs, index, INIT_FORKNUM);
	WriteLists(&bs);
	log_newpage_range(index, INIT_FORKNUM, 0,
					  RelationGetNumberOfBlocksInFork(index, INIT_FORKNUM), true);
	MemoryContextSwitchTo(oldcxt);
	MemoryContextDelete(buildCxt);
}

/*
 * ivfbuildphasename - the name of a build phase, as
 * pg_stat_progress_create_index shows it after "building index: ".
 */
char *
ivfbuildphasename(int64 phasenum)
{
	switch (phasenum)
	{
		case PROGRESS_CREATEIDX_SUBPHASE_INITIALIZE:
			return "initializing";
		case IVF_PHASE_KMEANS:
			return "performing k-means";
		case IVF_PHASE_LOAD:
			return "loading tuples";
		default:
			return NULL;
	}
}
