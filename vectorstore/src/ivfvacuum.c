/*-------------------------------------------------------------------------
 *
 * ivfvacuum.c
 *	  Vacuum of ivfflat: ambulkdelete removes the posting tuples whose heap
 *	  tuples are dead, amvacuumcleanup reports the index's size.
 *
 *	  Bulk delete walks each list's chain, one posting page at a time under
 *	  an exclusive lock, and deletes the dead tuples of a page in one
 *	  GenericXLog record.  Pages are never unlinked or freed: a chain keeps
 *	  its pages, and an insert reuses room only on the chain's last page.
 *	  A scan never holds a position on a page between two locks, so moving
 *	  the line pointers of the survivors (PageIndexMultiDelete) is safe.
 *	  The list pages are read under a shared lock and not modified.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  vectorstore/src/ivfvacuum.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include "access/generic_xlog.h"
#include "commands/vacuum.h"
#include "ivf.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "utils/rel.h"

/*
 * Removes the dead tuples of one locked posting page; counts the tuples
 * removed and kept.
 */
static void
VacuumPage(IndexVacuumInfo *info, Buffer buf, BlockNumber blkno,
		   IndexBulkDeleteResult *stats, IndexBulkDeleteCallback callback,
		   void *callback_state)
{
	Relation	index = info->index;
	Page		page = BufferGetPage(buf);
	OffsetNumber dead[MaxIndexTuplesPerPage];
	int			ndead = 0;
	GenericXLogState *state;

	for (OffsetNumber off = FirstOffsetNumber; off <= PageGetMaxOffsetNumber(page); off++)
	{
		IndexTuple	itup = IvfCheckPostingTuple(index, page, blkno, off);

		if (callback(&itup->t_tid, callback_state))
			dead[ndead++] = off;
		else
			stats->num_index_tuples++;
	}
	if (ndead == 0)
		return;
	state = GenericXLogStart(index);
	page = GenericXLogRegisterBuffer(state, buf, 0);
	PageIndexMultiDelete(page, dead, ndead);
	GenericXLogFinish(state);
	stats->tuples_removed += ndead;
}

/* ambulkdelete */
IndexBulkDeleteResult *
ivfbulkdelete(IndexVacuumInfo *info, IndexBulkDeleteResult *stats,
			  IndexBulkDeleteCallback callback, void *callback_state)
{
	Relation	index = info->index;
	IvfMetaPageData meta = IvfReadMeta(index);
	HnswGraph	dist;
	IvfListRef *lists;

	if (stats == NULL)
		stats = palloc0(sizeof(IndexBulkDeleteResult));
	IvfInitDistance(&dist, index);
	lists = IvfReadLists(index, &meta, &dist, (Datum) 0);
	for (uint32 i = 0; i < meta.lists; i++)
	{
		BlockNumber blkno = lists[i].startBlkno;

		while (BlockNumberIsValid(blkno))
		{
			Buffer		buf;

			vacuum_delay_point();
			buf = ReadBufferExtended(index, MAIN_FORKNUM, blkno, RBM_NORMAL, info->strategy);
			LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
			IvfCheckPage(index, BufferGetPage(buf), blkno, IVF_PAGE_POSTING);
			VacuumPage(info, buf, blkno, stats, callback, callback_state);
			blkno = IvfPageGetOpaque(BufferGetPage(buf))->nextblkno;
			UnlockReleaseBuffer(buf);
		}
	}
	pfree(lists);
	stats->num_pages = RelationGetNumberOfBlocks(index);
	return stats;
}

/*
 * amvacuumcleanup: after a bulk delete, its statistics; otherwise (a
 * VACUUM that found nothing to delete) counts the tuples of every posting
 * page.
 */
IndexBulkDeleteResult *
ivfvacuumcleanup(IndexVacuumInfo *info, IndexBulkDeleteResult *stats)
{
	Relation	index = info->index;
	BlockNumber nblocks;

	if (info->analyze_only)
		return stats;
	if (stats != NULL)
		return stats;

	stats = palloc0(sizeof(IndexBulkDeleteResult));
	nblocks = RelationGetNumberOfBlocks(index);
	for (BlockNumber blkno = IVF_FIRST_LIST_BLKNO; blkno < nblocks; blkno++)
	{
		Buffer		buf;
		Page		page;

		vacuum_delay_point();
		buf = ReadBufferExtended(index, MAIN_FORKNUM, blkno, RBM_NORMAL, info->strategy);
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		/* skip pages extended by a backend that crashed before logging them */
		if (!PageIsNew(page) && IvfPageGetOpaque(page)->flags == IVF_PAGE_POSTING)
		{
			IvfCheckPage(index, page, blkno, IVF_PAGE_POSTING);
			stats->num_index_tuples += PageGetMaxOffsetNumber(page);
		}
		UnlockReleaseBuffer(buf);
	}
	stats->num_pages = nblocks;
	return stats;
}
