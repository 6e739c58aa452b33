/*-------------------------------------------------------------------------
 *
 * hnswlist.c
 *	  The neighbour lists of hnsw element tuples, in their two layouts:
 *	  wide (a 6-byte TID per slot, an invalid TID being a free slot) and
 *	  compact (quantized indexes of format version 3).
 *
 *	  A compact list of one level takes HnswCompactListBytes: a count byte,
 *	  then the neighbours' TIDs in ascending order, each a varint (7 bits a
 *	  byte, low bits first, the high bit set on every byte but the last) of
 *	  (block gap << offsetBits) | line pointer, the gap being the block
 *	  itself for the first entry and the difference from the previous
 *	  entry's block after it; unused bytes are zero.  offsetBits, in the
 *	  tuple header, is the same for every tuple of an index: enough bits for
 *	  the most level-0 tuples a page can hold (HnswCompactOffsetBits).  In
 *	  the build's page layout neighbours tend to share or follow pages, so
 *	  most entries take 1 or 2 bytes.
 *
 *	  Guarantees: writing a list keeps its neighbours in the order given
 *	  (nearest first, as every caller passes them) and, when they do not
 *	  all fit its bytes, the longest prefix that does, so a list may hold
 *	  fewer neighbours than its capacity but never a wrong one; the ids
 *	  passed are rewritten to what the tuple then holds.  Reading checks
 *	  the count against the capacity, every varint against the end of its
 *	  list, and every line pointer number and block for range, and returns
 *	  false on a mismatch (the caller reports a corrupt tuple).  Both
 *	  layouts read back as the same ids: a level's valid neighbours, in
 *	  stored order, then HNSW_INVALID_ID for the free slots.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  vectorstore/src/hnswlist.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "hnsw.h"

/* Longest varint of a 64-bit value. */
#define HNSW_MAX_VARINT_BYTES 10

/* ----------------------------------------------------------------
 *		Compact lists
 * ----------------------------------------------------------------
 */

/*
 * HnswCompactOffsetBits - the offsetBits of the compact tuples of an index
 * of a given m whose tuples store valsize bytes of value: the bits of the
 * largest line pointer number a page of such tuples can reach (level 0
 * tuples are the smallest).
 */
int
HnswCompactOffsetBits(int m, Size valsize)
{
	Size		tuple = MAXALIGN(HnswTupleValueOffsetFor(true, 0, m) + valsize);
	Size		perPage = (BLCKSZ - MAXALIGN(SizeOfPageHeaderData) -
						   MAXALIGN(sizeof(HnswPageOpaqueData))) /
		(tuple + sizeof(ItemIdData));
	int			bits = 1;

	while (((Size) 1 << bits) <= perPage)
		bits++;
	Assert(bits <= HNSW_MAX_OFFSET_BITS);
	return bits;
}

/* The compact list area of one level. */
static uint8 *
CompactList(HnswElementTuple tup, int level, int m)
{
	uint8	   *area = (uint8 *) tup + sizeof(HnswElementTupleData);

	for (int l = 0; l < level; l++)
		area += HnswCompactListBytes(l, m);
	return area;
}

/* Appends the varint of v at p; returns the bytes written. */
static int
PutVarint(uint8 *p, uint64 v)
{
	int			n = 0;

	while (v >= 0x80)
	{
		p[n++] = (uint8) (v | 0x80);
		v >>= 7;
	}
	p[n++] = (uint8) v;
	return n;
}

/*
 * Reads a varint at p, which has room bytes; returns the bytes read, or 0
 * when it runs past them or past 64 bits.
 */
static int
GetVarint(const uint8 *p, Size room, uint64 *v)
{
	uint64		result = 0;

	for (int n = 0; n < (int) Min(room, HNSW_MAX_VARINT_BYTES); n++)
	{
		result |= (uint64) (p[n] & 0x7F) << (7 * n);
		if ((p[n] & 0x80) == 0)
		{
			*v = result;
			return n + 1;
		}
	}
	return 0;
}

/*
 * Encodes ids (ascending, n of them) into buf, which has room for a count
 * byte and HNSW_MAX_VARINT_BYTES per id; returns the bytes used.
 */
static Size
EncodeSorted(const uint64 *ids, int n, int bits, uint8 *buf)
{
	BlockNumber prev = 0;
	Size		len = 1;

	buf[0] = (uint8) n;
	for (int i = 0; i < n; i++)
	{
		BlockNumber blkno = HnswIdGetBlkno(ids[i]);
		OffsetNumber offno = HnswIdGetOffno(ids[i]);

		if (offno < FirstOffsetNumber || offno >= (1 << bits))
			elog(ERROR, "hnsw neighbour (%u,%u) does not fit a compact list of %d offset bits",
				 blkno, offno, bits);
		len += PutVarint(buf + len, ((uint64) (blkno - prev) << bits) | offno);
		prev = blkno;
	}
	return len;
}

#define ST_SORT SortIdsAscending
#define ST_ELEMENT_TYPE uint64
#define ST_COMPARE(a, b) ((*(a) > *(b)) - (*(a) < *(b)))
#define ST_SCOPE static
#define ST_DEFINE
#include "lib/sort_template.h"

/*
 * Writes one level's list from ids (capacity entries, HNSW_INVALID_ID
 * for free slots): the longest prefix of its valid ids, in their order,
 * whose encoding fits the level's bytes.  ids becomes what was written:
 * the kept ids ascending, then free slots.
 */
static void
WriteCompactLevel(HnswElementTuple tup, int level, int m, uint64 *ids)
{
	int			capacity = HnswLevelCapacity(level, m);
	Size		room = HnswCompactListBytes(level, m);
	uint8		buf[1 + 2 * HNSW_MAX_M * HNSW_MAX_VARINT_BYTES];
	uint64		kept[2 * HNSW_MAX_M];
	int			n = 0;
	Size		len;

	Assert(capacity <= 2 * HNSW_MAX_M);
	for (int i = 0; i < capacity; i++)
	{
		if (ids[i] != HNSW_INVALID_ID)
			kept[n++] = ids[i];
	}
	for (;;)
	{
		memcpy(ids, kept, sizeof(uint64) * n);
		SortIdsAscending(ids, n);
		len = EncodeSorted(ids, n, tup->offsetBits, buf);
		if (len <= room)
			break;
		n--;					/* drop the farthest and try again */
	}
	for (int i = n; i < capacity; i++)
		ids[i] = HNSW_INVALID_ID;
	memset(CompactList(tup, level, m), 0, room);
	memcpy(CompactList(tup, level, m), buf, len);
}

/*
 * Reads one level's compact list into ids (capacity entries: the
 * neighbours, then free slots) and its count into *n; false when the
 * list is corrupt.
 */
static bool
ReadCompactLevel(HnswElementTuple tup, int level, int m, uint64 *ids, int *n)
{
	const uint8 *area = CompactList(tup, level, m);
	Size		room = HnswCompactListBytes(level, m);
	int			capacity = HnswLevelCapacity(level, m);
	uint64		mask = ((uint64) 1 << tup->offsetBits) - 1;
	uint64		blkno = 0;
	Size		pos = 1;

	*n = area[0];
	if (*n > capacity)
		return false;
	for (int i = 0; i < *n; i++)
	{
		uint64		v;
		int			len = GetVarint(area + pos, room - pos, &v);

		if (len == 0 || (v & mask) == 0)
			return false;
		pos += len;
		blkno += v >> tup->offsetBits;
		if (blkno > MaxBlockNumber)
			return false;
		ids[i] = HnswTidToId((BlockNumber) blkno, (OffsetNumber) (v & mask));
	}
	for (int i = *n; i < capacity; i++)
		ids[i] = HNSW_INVALID_ID;
	return true;
}

/* ----------------------------------------------------------------
 *		Wide lists
 * ----------------------------------------------------------------
 */

/* Reads one level's wide slots into ids (capacity entries, in slot order). */
static void
ReadWideLevel(HnswElementTuple tup, int level, int m, uint64 *ids)
{
	ItemPointerData *slots = HnswTupleSlots(tup) + HnswLevelFirstSlot(level, m);

	for (int i = 0; i < HnswLevelCapacity(level, m); i++)
	{
		ItemPointer slot = &slots[i];

		ids[i] = ItemPointerIsValid(slot) ?
			HnswTidToId(ItemPointerGetBlockNumberNoCheck(slot),
						ItemPointerGetOffsetNumberNoCheck(slot)) : HNSW_INVALID_ID;
	}
}

/* Writes one level's wide slots from ids (capacity entries). */
static void
WriteWideLevel(HnswElementTuple tup, int level, int m, const uint64 *ids)
{
	ItemPointerData *slots = HnswTupleSlots(tup) + HnswLevelFirstSlot(level, m);

	for (int i = 0; i < HnswLevelCapacity(level, m); i++)
	{
		if (ids[i] == HNSW_INVALID_ID)
			ItemPointerSetInvalid(&slots[i]);
		else
			ItemPointerSet(&slots[i], HnswIdGetBlkno(ids[i]), HnswIdGetOffno(ids[i]));
	}
}

/* ----------------------------------------------------------------
 *		Either layout
 * ----------------------------------------------------------------
 */

/*
 * Reads one level of a tuple into ids (its capacity entries, free slots
 * included); false when a compact list is corrupt.
 */
static bool
ReadLevel(HnswElementTuple tup, int level, int m, uint64 *ids)
{
	int			n;

	if (tup->type == HNSW_COMPACT_TUPLE_TYPE)
		return ReadCompactLevel(tup, level, m, ids, &n);
	ReadWideLevel(tup, level, m, ids);
	return true;
}

/*
 * HnswTupleLevelIds - the valid neighbour ids of one level (at most its
 * capacity) into ids, their number into *n; false when the list is
 * corrupt.  The caller checked that the tuple has that level.
 */
bool
HnswTupleLevelIds(HnswElementTuple tup, int level, int m, uint64 *ids, int *n)
{
	int			capacity = HnswLevelCapacity(level, m);

	Assert(level <= tup->level);
	if (tup->type == HNSW_COMPACT_TUPLE_TYPE)
		return ReadCompactLevel(tup, level, m, ids, n);
	ReadWideLevel(tup, level, m, ids);
	*n = 0;
	for (int i = 0; i < capacity; i++)
	{
		if (ids[i] != HNSW_INVALID_ID)
			ids[(*n)++] = ids[i];
	}
	return true;
}

/*
 * Checks that slots first..first + count of a tuple are whole levels it
 * has; returns the first and last of them.
 */
static void
LevelRange(HnswElementTuple tup, int first, int count, int m, int *from, int *to)
{
	*from = 0;
	while (HnswLevelFirstSlot(*from, m) < first)
		(*from)++;
	*to = *from;
	while (HnswLevelFirstSlot(*to, m) + HnswLevelCapacity(*to, m) < first + count)
		(*to)++;
	Assert(HnswLevelFirstSlot(*from, m) == first);
	Assert(HnswLevelFirstSlot(*to, m) + HnswLevelCapacity(*to, m) == first + count);
	Assert(*to <= tup->level);
}

/*
 * HnswTupleGetSlots - slots first..first + count (whole levels) of a
 * tuple, each level as its capacity entries, free slots HNSW_INVALID_ID;
 * false when a list is corrupt.
 */
bool
HnswTupleGetSlots(HnswElementTuple tup, int first, int count, int m, uint64 *slots)
{
	int			from;
	int			to;

	LevelRange(tup, first, count, m, &from, &to);
	for (int level = from; level <= to; level++)
	{
		if (!ReadLevel(tup, level, m, slots + HnswLevelFirstSlot(level, m) - first))
			return false;
	}
	return true;
}

/*
 * HnswSetSlotsFromIds - overwrites slots first..first + count (whole
 * levels) of a tuple with node ids, nearest first in each level, and
 * rewrites ids to what the tuple then holds (see the file header).
 */
void
HnswSetSlotsFromIds(HnswElementTuple tup, int first, int count, int m, uint64 *ids)
{
	int			from;
	int			to;

	LevelRange(tup, first, count, m, &from, &to);
	for (int level = from; level <= to; level++)
	{
		uint64	   *levelIds = ids + HnswLevelFirstSlot(level, m) - first;

		if (tup->type == HNSW_COMPACT_TUPLE_TYPE)
			WriteCompactLevel(tup, level, m, levelIds);
		else
			WriteWideLevel(tup, level, m, levelIds);
	}
}

/*
 * HnswSlotsMatch - whether slots first..first + count (whole levels) of a
 * tuple hold exactly the given ids, as HnswTupleGetSlots returns them; a
 * corrupt list matches nothing.
 */
bool
HnswSlotsMatch(HnswElementTuple tup, int first, int count, int m, const uint64 *ids)
{
	uint64	   *stored = palloc(sizeof(uint64) * count);
	bool		match;

	match = HnswTupleGetSlots(tup, first, count, m, stored) &&
		memcmp(stored, ids, sizeof(uint64) * count) == 0;
	pfree(stored);
	return match;
}
