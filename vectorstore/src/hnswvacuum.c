/*-------------------------------------------------------------------------
 *
 * hnswvacuum.c
 *	  VACUUM of an hnsw index (ambulkdelete, amvacuumcleanup), in passes:
 *	  1. collect: read every element page and note the elements whose heap
 *	     tuple is dead (and those already deleted by an earlier vacuum);
 *	  2. repair: give every live element that points to a dead one a new
 *	     neighbour list at each affected level, chosen by the heuristic
 *	     among its live neighbours and the live neighbours of its dead ones;
 *	  3. move the entry point off a dead element, to the highest-level live
 *	     one (or mark the graph empty);
 *	  4. mark: set the dead elements' deleted flag and clear their heap TID.
 *	  Deleted elements keep their tuple and their neighbour lists, so a
 *	  search that still reaches one (through a link written by a concurrent
 *	  insert) goes on through it; scans never return them.  Their space is
 *	  not reused yet (README.md, "Not done yet").
 *
 *	  Locks: one element page at a time (shared to read, exclusive to
 *	  write), the metapage alone; under an element page's share lock, a
 *	  range page (when a format 4 index got its ranges after this vacuum
 *	  read its metapage, hnswquant.c).  A repaired list is written only if the
 *	  page still holds the list it was computed from; otherwise a concurrent
 *	  insert changed it and the old links to deleted elements stay, which
 *	  is harmless.  WAL: GenericXLog, one buffer per record.  Memory: the
 *	  "hnsw vacuum" context holds the dead set and dies at the end; the
 *	  "hnsw vacuum element" context is reset after each repaired element.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  vectorstore/src/hnswvacuum.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include "access/generic_xlog.h"
#include "commands/vacuum.h"
#include "hnsw.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "utils/memutils.h"
#include "utils/rel.h"

/* Entry of the dead set. */
typedef struct HnswDeadEntry
{
	uint64		id;
	bool		mark;			/* dead in this vacuum: pass 4 marks it */
} HnswDeadEntry;

typedef struct HnswVacuumState
{
	Relation	index;
	BufferAccessStrategy strategy;
	IndexBulkDeleteCallback callback;
	void	   *callback_state;
	int			m;
	HnswQuantizer quantizer;	/* of a quantized index */
	HnswQuantizer *quant;		/* &quantizer once ready or when the graph
								 * may hold exact values (format 4), else
								 * NULL */
	bool		unlinked;		/* quantized, no range yet and no exact
								 * values: nothing was ever linked, so
								 * nothing needs repair */
	HTAB	   *dead;			/* id -> HnswDeadEntry */
	int64		nmark;			/* entries with mark set */
	uint64		survivorId;		/* highest-level live element */
	int			survivorLevel;	/* its level, -1 if none */
	MemoryContext cxt;			/* "hnsw vacuum" */
	MemoryContext elemCxt;		/* "hnsw vacuum element" */
} HnswVacuumState;

/* Reads and locks an element page with the vacuum's strategy. */
static Buffer
ReadElementPage(HnswVacuumState *vs, BlockNumber blkno, int mode)
{
	Buffer		buf = ReadBufferExtended(vs->index, MAIN_FORKNUM, blkno, RBM_NORMAL,
										 vs->strategy);

	LockBuffer(buf, mode);
	return buf;
}

static bool
IsDead(HnswVacuumState *vs, uint64 id)
{
	return id != HNSW_INVALID_ID && hash_search(vs->dead, &id, HASH_FIND, NULL) != NULL;
}

/* Pass 1: the dead set and the highest-level survivor. */
static void
CollectDead(HnswVacuumState *vs, BlockNumber nblocks)
{
	for (BlockNumber blkno = HNSW_FIRST_ELEMENT_BLKNO; blkno < nblocks; blkno++)
	{
		Buffer		buf;
		Page		page;

		vacuum_delay_point();
		buf = ReadElementPage(vs, blkno, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		if (HnswIsElementPage(vs->index, page, blkno))
		{
			for (OffsetNumber off = FirstOffsetNumber; off <= PageGetMaxOffsetNumber(page); off++)
			{
				HnswElementTuple tup = HnswCheckElementTuple(vs->index, page, blkno, off, vs->m);
				uint64		id = HnswTidToId(blkno, off);
				bool		dead = tup->deleted || vs->callback(&tup->heaptid, vs->callback_state);
				HnswDeadEntry *entry;

				if (!dead)
				{
					if (tup->level > vs->survivorLevel)
					{
						vs->survivorId = id;
						vs->survivorLevel = tup->level;
					}
					continue;
				}
				entry = hash_search(vs->dead, &id, HASH_ENTER, NULL);
				entry->mark = !tup->deleted;
				if (entry->mark)
					vs->nmark++;
			}
		}
		UnlockReleaseBuffer(buf);
	}
}

/* Adds id to cands unless it is invalid, dead, the element itself or present. */
static void
AddRepairCandidate(HnswVacuumState *vs, HnswGraph *graph, HnswElement element,
				   uint64 id, HnswCandidate **cands, int *ncands)
{
	if (id == HNSW_INVALID_ID || id == element->id || IsDead(vs, id))
		return;
	for (int i = 0; i < *ncands; i++)
	{
		if (cands[i]->id == id)
			return;
	}
	cands[(*ncands)++] = HnswMakeCandidate(graph, id, element->value);
}

/*
 * The repaired list of one level of an element, into out; false when no
 * slot of that level points to a dead element.
 */
static bool
RepairLevel(HnswVacuumState *vs, HnswGraph *graph, HnswElement element, int level,
			uint64 *out)
{
	int			first = HnswLevelFirstSlot(level, vs->m);
	int			capacity = HnswLevelCapacity(level, vs->m);
	HnswCandidate **cands;
	int			ncands = 0;
	bool		affected = false;

	for (int i = 0; i < capacity; i++)
		affected |= IsDead(vs, element->slots[first + i]);
	if (!affected)
		return false;

	cands = palloc(sizeof(HnswCandidate *) * (capacity + capacity * HnswLevelCapacity(0, vs->m)));
	for (int i = 0; i < capacity; i++)
	{
		uint64		id = element->slots[first + i];
		HnswElement dead;

		if (!IsDead(vs, id))
		{
			AddRepairCandidate(vs, graph, element, id, cands, &ncands);
			continue;
		}
		dead = graph->get(graph, id);
		if (dead->level < level)
			continue;
		for (int j = 0; j < capacity; j++)
			AddRepairCandidate(vs, graph, element, dead->slots[first + j], cands, &ncands);
	}
	HnswSortCandidates(cands, ncands);
	HnswSelectNeighbors(graph, cands, ncands, capacity, out, NULL, NULL);
	return true;
}

/*
 * Repairs one live element (a copy read under a lock since released):
 * computes every affected level, then writes them under the page's
 * exclusive lock if the page still holds the lists they were computed from.
 */
static void
RepairElement(HnswVacuumState *vs, HnswElement element)
{
	HnswGraph	graph;
	int			nslots = HnswSlotCount(element->level, vs->m);
	uint64	   *newslots = palloc(sizeof(uint64) * nslots);
	bool		changed = false;
	BlockNumber blkno = HnswIdGetBlkno(element->id);
	GenericXLogState *state;
	Buffer		buf;
	HnswElementTuple tup;

	HnswInitDiskGraph(&graph, vs->index, vs->m, CurrentMemoryContext, vs->quant);
	memcpy(newslots, element->slots, sizeof(uint64) * nslots);
	for (int level = 0; level <= element->level; level++)
		changed |= RepairLevel(vs, &graph, element, level,
							   newslots + HnswLevelFirstSlot(level, vs->m));
	if (!changed)
		return;

	buf = ReadElementPage(vs, blkno, BUFFER_LOCK_EXCLUSIVE);
	HnswCheckPage(vs->index, BufferGetPage(buf), blkno, HNSW_PAGE_ELEMENT);
	state = GenericXLogStart(vs->index);
	tup = HnswCheckElementTuple(vs->index, GenericXLogRegisterBuffer(state, buf, 0),
								blkno, HnswIdGetOffno(element->id), vs->m);
	if (HnswSlotsMatch(tup, 0, nslots, vs->m, element->slots))
	{
		HnswSetSlotsFromIds(tup, 0, nslots, vs->m, newslots);
		GenericXLogFinish(state);
	}
	else
		GenericXLogAbort(state);
	UnlockReleaseBuffer(buf);
}

/* Pass 2: repairs every live element that points to a dead one. */
static void
RepairGraph(HnswVacuumState *vs, BlockNumber nblocks)
{
	MemoryContext oldcxt = MemoryContextSwitchTo(vs->elemCxt);

	for (BlockNumber blkno = HNSW_FIRST_ELEMENT_BLKNO; blkno < nblocks; blkno++)
	{
		Buffer		buf;
		Page		page;
		List	   *todo = NIL;
		ListCell   *lc;

		vacuum_delay_point();
		buf = ReadElementPage(vs, blkno, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		if (HnswIsElementPage(vs->index, page, blkno))
		{
			for (OffsetNumber off = FirstOffsetNumber; off <= PageGetMaxOffsetNumber(page); off++)
			{
				HnswElementTuple tup = HnswCheckElementTuple(vs->index, page, blkno, off, vs->m);
				uint64		id = HnswTidToId(blkno, off);
				HnswElement element;

				if (tup->deleted || IsDead(vs, id))
					continue;
				element = HnswElementFromTuple(vs->index, tup, id, vs->m, vs->quant);
				for (int i = 0; i < tup->nslots; i++)
				{
					if (IsDead(vs, element->slots[i]))
					{
						todo = lappend(todo, element);
						break;
					}
				}
			}
		}
		UnlockReleaseBuffer(buf);

		foreach(lc, todo)
		{
			CHECK_FOR_INTERRUPTS();
			RepairElement(vs, (HnswElement) lfirst(lc));
		}
		MemoryContextReset(vs->elemCxt);
	}
	MemoryContextSwitchTo(oldcxt);
}

/* Pass 3: moves the entry point off a dead element. */
static void
MoveEntryPoint(HnswVacuumState *vs)
{
	Buffer		buf = ReadBufferExtended(vs->index, MAIN_FORKNUM, HNSW_METAPAGE_BLKNO,
										 RBM_NORMAL, vs->strategy);
	GenericXLogState *state;
	HnswMetaPage meta;

	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	HnswCheckPage(vs->index, BufferGetPage(buf), HNSW_METAPAGE_BLKNO, HNSW_PAGE_META);
	state = GenericXLogStart(vs->index);
	meta = HnswPageGetMeta(GenericXLogRegisterBuffer(state, buf, 0));
	if (meta->entryLevel >= 0 && IsDead(vs, HnswTidToId(meta->entryBlkno, meta->entryOffno)))
	{
		if (vs->survivorLevel >= 0)
		{
			meta->entryBlkno = HnswIdGetBlkno(vs->survivorId);
			meta->entryOffno = HnswIdGetOffno(vs->survivorId);
		}
		else
		{
			meta->entryBlkno = InvalidBlockNumber;
			meta->entryOffno = InvalidOffsetNumber;
		}
		meta->entryLevel = (int16) vs->survivorLevel;
		GenericXLogFinish(state);
	}
	else
		GenericXLogAbort(state);
	UnlockReleaseBuffer(buf);
}

/* Pass 4: sets the deleted flag of the elements that died in this vacuum. */
static void
MarkDead(HnswVacuumState *vs, BlockNumber nblocks)
{
	for (BlockNumber blkno = HNSW_FIRST_ELEMENT_BLKNO; blkno < nblocks; blkno++)
	{
		Buffer		buf;
		Page		page;
		GenericXLogState *state;
		bool		changed = false;

		vacuum_delay_point();
		buf = ReadElementPage(vs, blkno, BUFFER_LOCK_EXCLUSIVE);
		if (!HnswIsElementPage(vs->index, BufferGetPage(buf), blkno))
		{
			UnlockReleaseBuffer(buf);
			continue;
		}
		state = GenericXLogStart(vs->index);
		page = GenericXLogRegisterBuffer(state, buf, 0);
		for (OffsetNumber off = FirstOffsetNumber; off <= PageGetMaxOffsetNumber(page); off++)
		{
			uint64		id = HnswTidToId(blkno, off);
			HnswDeadEntry *entry = hash_search(vs->dead, &id, HASH_FIND, NULL);
			HnswElementTuple tup;

			if (entry == NULL || !entry->mark)
				continue;
			tup = HnswCheckElementTuple(vs->index, page, blkno, off, vs->m);
			tup->deleted = 1;
			ItemPointerSetInvalid(&tup->heaptid);
			changed = true;
		}
		if (changed)
			GenericXLogFinish(state);
		else
			GenericXLogAbort(state);
		UnlockReleaseBuffer(buf);
	}
}

/* ambulkdelete: removes the elements whose heap tuples the callback reports dead. */
IndexBulkDeleteResult *
hnswbulkdelete(IndexVacuumInfo *info, IndexBulkDeleteResult *stats,
			   IndexBulkDeleteCallback callback, void *callback_state)
{
	HnswVacuumState vs;
	HnswMetaPageData meta;
	HASHCTL		ctl;
	BlockNumber nblocks;
	MemoryContext oldcxt;

	if (stats == NULL)
		stats = palloc0(sizeof(IndexBulkDeleteResult));

	memset(&vs, 0, sizeof(vs));
	vs.index = info->index;
	vs.strategy = info->strategy;
	vs.callback = callback;
	vs.callback_state = callback_state;
	meta = HnswReadMeta(info->index);
	vs.m = meta.m;
	if (HnswQuantizerFromMeta(&vs.quantizer, info->index, &meta))
	{
		vs.quant = vs.quantizer.ready || vs.quantizer.exact ? &vs.quantizer : NULL;
		vs.unlinked = vs.quant == NULL;
	}
	vs.survivorId = HNSW_INVALID_ID;
	vs.survivorLevel = -1;
	vs.cxt = AllocSetContextCreate(CurrentMemoryContext, "hnsw vacuum",
								   ALLOCSET_DEFAULT_SIZES);
	vs.elemCxt = AllocSetContextCreate(vs.cxt, "hnsw vacuum element",
									   ALLOCSET_DEFAULT_SIZES);
	ctl.keysize = sizeof(uint64);
	ctl.entrysize = sizeof(HnswDeadEntry);
	ctl.hcxt = vs.cxt;
	vs.dead = hash_create("hnsw dead elements", 1024, &ctl,
						  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	oldcxt = MemoryContextSwitchTo(vs.cxt);

	/* elements added after this point are live; they need no pass */
	nblocks = RelationGetNumberOfBlocks(info->index);
	CollectDead(&vs, nblocks);
	if (vs.nmark > 0)
	{
		if (!vs.unlinked)
			RepairGraph(&vs, nblocks);
		MoveEntryPoint(&vs);
		MarkDead(&vs, nblocks);
	}
	stats->tuples_removed += vs.nmark;

	MemoryContextSwitchTo(oldcxt);
	MemoryContextDelete(vs.cxt);
	return stats;
}

/* amvacuumcleanup: counts pages and live elements. */
IndexBulkDeleteResult *
hnswvacuumcleanup(IndexVacuumInfo *info, IndexBulkDeleteResult *stats)
{
	Relation	index = info->index;
	BlockNumber nblocks;
	int			m;

	if (info->analyze_only)
		return stats;
	if (stats == NULL)
		stats = palloc0(sizeof(IndexBulkDeleteResult));

	m = HnswReadMeta(index).m;
	nblocks = RelationGetNumberOfBlocks(index);
	stats->num_pages = nblocks;
	stats->num_index_tuples = 0;
	for (BlockNumber blkno = HNSW_FIRST_ELEMENT_BLKNO; blkno < nblocks; blkno++)
	{
		Buffer		buf;
		Page		page;

		vacuum_delay_point();
		buf = ReadBufferExtended(index, MAIN_FORKNUM, blkno, RBM_NORMAL, info->strategy);
		LockBuffer(buf, BUFFER_LOCK_SHARE);
		page = BufferGetPage(buf);
		if (HnswIsElementPage(index, page, blkno))
		{
			for (OffsetNumber off = FirstOffsetNumber; off <= PageGetMaxOffsetNumber(page); off++)
			{
				if (!HnswCheckElementTuple(index, page, blkno, off, m)->deleted)
					stats->num_index_tuples++;
			}
		}
		UnlockReleaseBuffer(buf);
	}
	return stats;
}
