/*-------------------------------------------------------------------------
 *
 * columnar_reader.c
 *	  Reads rows back out of row groups: in order (sequential and parallel
 *	  scans, index builds) or by row number (index fetches, samples).
 *
 *	  Invariants: the storage map is read once, under the snapshot given at
 *	  ColumnarBeginRead, and never changes during the read.  Rows whose
 *	  deletion the "deleted" snapshot sees are skipped (no snapshot: every row
 *	  is returned).  Each needed column holds one chunk at a time, in memory
 *	  of its own context that is reused from chunk to chunk, so a read
 *	  allocates it once; per-row-group state lives in "columnar row group
 *	  read", reset when the read moves to another row group.  Point reads
 *	  (index fetches) decode only the values they return while a chunk's
 *	  encoding allows it, and check one deletion marker per row.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  columnstore/src/columnar_reader.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include "access/heaptoast.h"
#include "columnar.h"
#include "epiphany/bloom.h"
#include "common/pg_prng.h"
#include "executor/tuptable.h"
#include "miscadmin.h"
#include "utils/memutils.h"

/*
 * A point read decodes single values of a chunk until it has read this many
 * rows of it, then the whole chunk.
 */
#define POINT_READS_BEFORE_DECODE	8

/*
 * A batch column is decoded for the selected rows only when fewer than one
 * row in this many is selected.
 */
#define SPARSE_SELECTION			4

/* The chunk a column is positioned on. */
typedef struct ColumnCursor
{
	ColumnarRowGroup *rg;		/* row group of the loaded chunk, or NULL */
	int			chunkno;		/* loaded chunk number */
	int			point_reads;	/* rows read from it one at a time */
	ColumnarChunkData data;
	MemoryContext context;		/* holds "data" */
} ColumnCursor;

struct ColumnarReadState
{
	Relation	rel;
	TupleDesc	tupdesc;
	Snapshot	deleted_snapshot;	/* NULL: deletion markers are ignored */
	Snapshot	map_snapshot;
	ColumnarStorageMap *map;
	bool		point_read;		/* "map" grows by the row groups asked for */
	int			map_allocated;	/* room in map->row_groups, point reads */
	ColumnCursor *columns;		/* [attno] */
	int			ncolumns;		/* entries in "columns" */
	int		   *needed_atts;	/* the needed attnos - 1, ascending */
	int			nneeded;
	MemoryContext context;		/* the state, the map, the cursors */
	MemoryContext group_context;	/* deleted-row set of "group" */

	/* chunk filters of a scan (min/max skipping) */
	ColumnarChunkFilter *filters;
	int			nfilters;
	int64		chunks_skipped;

	/* samples (ANALYZE): row numbers to return, in order */
	uint64	   *sample;
	int			sample_count;
	int			sample_next;
	/* TABLESAMPLE: units before the end of each row group of "map" */
	uint64	   *units_before_end;

	/* sequential reads */
	ColumnarClaimRowGroup claim;	/* NULL: every row group in order */
	void	   *claim_arg;
	int			next_group;		/* next index into map, without "claim" */
	ColumnarRowGroup *group;	/* row group being read, or NULL */

	/* point reads: the TOAST reader, opened by the first chunk fetched */
	ColumnarToastReader *toast;
	Bitmapset  *group_deleted;	/* offsets deleted in "group" */
	int64		group_offset;	/* next offset to read in "group" */
};

/* The state of a read, with an empty storage map. */
static ColumnarReadState *
NewReadState(Relation rel, Snapshot map_snapshot, Snapshot deleted_snapshot,
			 Bitmapset *attrs_needed)
{
	MemoryContext context = AllocSetContextCreate(CurrentMemoryContext,
												  "columnar read",
												  ALLOCSET_DEFAULT_SIZES);
	MemoryContext old = MemoryContextSwitchTo(context);
	ColumnarReadState *state = palloc0(sizeof(ColumnarReadState));
	int			natts = RelationGetDescr(rel)->natts;

	state->rel = rel;
	state->tupdesc = RelationGetDescr(rel);
	state->map_snapshot = map_snapshot;
	state->deleted_snapshot = deleted_snapshot;
	state->context = context;
	state->group_context = AllocSetContextCreate(context, "columnar row group read",
												 ALLOCSET_SMALL_SIZES);
	state->map = palloc0(sizeof(ColumnarStorageMap));
	state->columns = palloc0(sizeof(ColumnCursor) * natts);
	state->ncolumns = natts;
	state->needed_atts = palloc(sizeof(int) * Max(natts, 1));
	for (int a = 0; a < natts; a++)
	{
		ColumnCursor *col = &state->columns[a];

		col->context = AllocSetContextCreate(context, "columnar chunk read",
											 ALLOCSET_DEFAULT_SIZES);
		ColumnarInitChunkData(&col->data, col->context);
		if (!TupleDescAttr(state->tupdesc, a)->attisdropped &&
			(attrs_needed == NULL ||
			 bms_is_member(a + 1 - FirstLowInvalidHeapAttributeNumber, attrs_needed)))
			state->needed_atts[state->nneeded++] = a;
	}
	MemoryContextSwitchTo(old);
	return state;
}

/*
 * ColumnarBeginRead - prepare to read the row groups of "rel" that
 * "map_snapshot" sees, skipping rows deleted as "deleted_snapshot" sees
 * (NULL: return deleted rows too).  Only the columns in "attrs_needed"
 * (attribute numbers minus FirstLowInvalidHeapAttributeNumber, as the
 * executor counts them; NULL: all) are decoded; others read as NULL.
 */
ColumnarReadState *
ColumnarBeginRead(Relation rel, Snapshot map_snapshot, Snapshot deleted_snapshot,
				  Bitmapset *attrs_needed)
{
	ColumnarReadState *state = NewReadState(rel, map_snapshot, deleted_snapshot, attrs_needed);
	MemoryContext old = MemoryContextSwitchTo(state->context);

	state->map = ColumnarReadStorageMapColumns(rel, map_snapshot, attrs_needed);
	MemoryContextSwitchTo(old);
	return state;
}

/*
 * ColumnarBeginPointRead - prepare to read single rows by row number
 * (ColumnarReadRow), loading only the row groups that hold them.
 */
ColumnarReadState *
ColumnarBeginPointRead(Relation rel, Snapshot map_snapshot, Snapshot deleted_snapshot)
{
	ColumnarReadState *state = NewReadState(rel, map_snapshot, deleted_snapshot, NULL);

	state->point_read = true;
	return state;
}

/*
 * Adds the row group holding "row_number" to the map of a point read, in
 * first_row order; NULL when the read's snapshot sees none.
 */
static ColumnarRowGroup *
LoadRowGroup(ColumnarReadState *state, uint64 row_number)
{
	MemoryContext old = MemoryContextSwitchTo(state->context);
	ColumnarStorageMap *map = state->map;
	ColumnarRowGroup *rg = ColumnarReadRowGroup(state->rel, row_number, state->map_snapshot);
	int			pos;

	if (rg != NULL)
	{
		if (map->count == state->map_allocated)
		{
			state->map_allocated = Max(8, state->map_allocated * 2);
			map->row_groups = map->row_groups == NULL ?
				palloc(sizeof(ColumnarRowGroup *) * state->map_allocated) :
				repalloc(map->row_groups, sizeof(ColumnarRowGroup *) * state->map_allocated);
		}
		for (pos = map->count; pos > 0 && map->row_groups[pos - 1]->first_row > rg->first_row; pos--)
			map->row_groups[pos] = map->row_groups[pos - 1];
		map->row_groups[pos] = rg;
		map->count++;
	}
	MemoryContextSwitchTo(old);
	return rg;
}

/*
 * ColumnarSetClaim - share the row groups among parallel participants:
 * "claim" returns the index into the storage map of the next row group
 * this participant reads, or -1 when none is left.
 */
void
ColumnarSetClaim(ColumnarReadState *state, ColumnarClaimRowGroup claim, void *arg)
{
	state->claim = claim;
	state->claim_arg = arg;
}


/*
 * Makes "tupdesc" the descriptor chunks are decoded with.  It may have fewer
 * columns than the relation: a rewriting ALTER TABLE ADD COLUMN reads the
 * old rows through a slot without the new columns.
 */
static void
AdoptDescriptor(ColumnarReadState *state, TupleDesc tupdesc)
{
	if (tupdesc->natts > state->ncolumns)
		elog(ERROR, "slot of %d columns for columnar table \"%s\" of %d",
			 tupdesc->natts, RelationGetRelationName(state->rel), state->ncolumns);
	for (int a = 0; a < tupdesc->natts; a++)
	{
		if (a >= state->tupdesc->natts ||
			TupleDescAttr(tupdesc, a)->atttypid != TupleDescAttr(state->tupdesc, a)->atttypid)
		{
			/* Chunks decoded with the other type must not be reused. */
			MemoryContextReset(state->columns[a].context);
			ColumnarInitChunkData(&state->columns[a].data, state->columns[a].context);
			state->columns[a].rg = NULL;
		}
	}
	state->tupdesc = tupdesc;
}

/*
 * The chunks of column "a" of "rg".  A parallel worker's map holds only the
 * columns its read named (ColumnarReadStorageMapColumns): asking for
 * another is a bug, reported rather than followed.
 */
static inline ColumnarChunk *
ColumnChunks(const ColumnarRowGroup *rg, int a)
{
	if (unlikely(rg->chunks[a] == NULL))
		elog(ERROR, "column %d of a columnar row group was not read", a + 1);
	return rg->chunks[a];
}

/*
 * Positions column "a" on the chunk holding "offset" of row group "rg",
 * loading its bytes; returns the row's place in the chunk.
 */
static int
PositionColumn(ColumnarReadState *state, int a, ColumnarRowGroup *rg, int64 offset)
{
	ColumnCursor *col = &state->columns[a];
	int			chunkno = (int) (offset / rg->chunk_rows);
	ColumnarChunk *chunk = &ColumnChunks(rg, a)[chunkno];

	if (col->rg == rg && col->chunkno == chunkno)
		return (int) (offset % rg->chunk_rows);
	col->rg = NULL;
	if (chunk->row_count != Min(rg->chunk_rows, rg->row_count - (int64) chunkno * rg->chunk_rows))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("corrupt chunk in column \"%s\" of columnar table \"%s\"",
						NameStr(TupleDescAttr(state->tupdesc, a)->attname),
						RelationGetRelationName(state->rel)),
				 errdetail("Chunk %d of row group %llu has %d rows.", chunkno,
						   (unsigned long long) rg->first_row, chunk->row_count)));
	/* one TOAST reader per read: the relation, its index and a scan stay open */
	if (state->toast == NULL && chunk->stored_size > 0)
	{
		MemoryContext old = MemoryContextSwitchTo(state->context);

		state->toast = ColumnarToastReaderOpen(state->rel);
		MemoryContextSwitchTo(old);
	}
	col->data.toast = state->toast;
	ColumnarLoadChunk(state->rel, TupleDescAttr(state->tupdesc, a), chunk, &col->data,
					  !state->point_read);
	col->rg = rg;
	col->chunkno = chunkno;
	col->point_reads = 0;
	return (int) (offset % rg->chunk_rows);
}

/*
 * The value of column "a" at "offset" of row group "rg".  Sequential reads
 * decode whole chunks; point reads decode single values while the chunk
 * allows it and few of its rows were read.
 */
static Datum
ColumnValue(ColumnarReadState *state, int a, ColumnarRowGroup *rg, int64 offset,
			bool *isnull)
{
	ColumnCursor *col = &state->columns[a];
	Form_pg_attribute att = TupleDescAttr(state->tupdesc, a);
	ColumnarChunk *chunk;
	int			row;

	if (ColumnChunks(rg, a)[0].row_count == 0)
	{
		/* The column was added after this row group was written. */
		return getmissingattr(state->tupdesc, a + 1, isnull);
	}
	row = PositionColumn(state, a, rg, offset);
	chunk = &ColumnChunks(rg, a)[col->chunkno];
	if (!col->data.decoded &&
		(!state->point_read || ++col->point_reads > POINT_READS_BEFORE_DECODE ||
		 !ColumnarChunkSeekable(chunk, &col->data)))
		ColumnarDecodeLoadedChunk(state->rel, att, chunk, &col->data);
	return ColumnarLoadedChunkValue(state->rel, att, chunk, &col->data, row, isnull);
}

/*
 * Fills "slot" with row "offset" of row group "rg" and sets its TID.
 *
 * Values are decoded as the slot's descriptor says: a rewriting ALTER TABLE
 * (a column type change) reads the old rows through a slot with the old
 * descriptor while the relation already has the new one.
 */
static void
StoreRow(ColumnarReadState *state, ColumnarRowGroup *rg, int64 offset, TupleTableSlot *slot)
{
	int			chunkno = (int) (offset / rg->chunk_rows);
	int			row = (int) (offset - (int64) chunkno * rg->chunk_rows);

	if (slot->tts_tupleDescriptor != state->tupdesc)
		AdoptDescriptor(state, slot->tts_tupleDescriptor);
	ExecClearTuple(slot);
	/* the columns not read are NULL */
	memset(slot->tts_isnull, true, sizeof(bool) * state->tupdesc->natts);
	for (int i = 0; i < state->nneeded; i++)
	{
		int			a = state->needed_atts[i];
		ColumnCursor *col = &state->columns[a];

		if (a >= state->tupdesc->natts)
			break;
		if (col->rg == rg && col->chunkno == chunkno && col->data.decoded)
		{
			/* a sequential read on a decoded chunk */
			slot->tts_values[a] = col->data.values[row];
			slot->tts_isnull[a] = col->data.nulls[row];
		}
		else
			slot->tts_values[a] = ColumnValue(state, a, rg, offset, &slot->tts_isnull[a]);
	}
	ExecStoreVirtualTuple(slot);
	ColumnarRowNumberGetTid(rg->first_row + offset, &slot->tts_tid);
	slot->tts_tableOid = RelationGetRelid(state->rel);
}

/* Makes "rg" the row group being read, loading its deleted rows. */
static void
EnterRowGroup(ColumnarReadState *state, ColumnarRowGroup *rg)
{
	MemoryContext old;

	MemoryContextReset(state->group_context);
	state->group = rg;
	state->group_offset = 0;
	state->group_deleted = NULL;
	if (rg == NULL || state->deleted_snapshot == NULL)
		return;
	old = MemoryContextSwitchTo(state->group_context);
	state->group_deleted = ColumnarDeletedRowsInGroup(ColumnarStorageId(state->rel), rg,
													  state->deleted_snapshot,
													  InvalidTransactionId);
	MemoryContextSwitchTo(old);
}

/* The next row group of a sequential read, or NULL. */
static ColumnarRowGroup *
NextRowGroup(ColumnarReadState *state)
{
	int			index;

	if (state->claim != NULL)
		index = state->claim(state->claim_arg, state->map->count);
	else
		index = state->next_group < state->map->count ? state->next_group++ : -1;
	if (index < 0)
		return NULL;
	if (index >= state->map->count)
		elog(ERROR, "claimed row group %d of %d", index, state->map->count);
	return state->map->row_groups[index];
}

/*
 * ColumnarSetFilters - skip, in sequential reads, the chunks whose min/max
 * show that no row passes one of "filters" (kept by reference).
 */
void
ColumnarSetFilters(ColumnarReadState *state, ColumnarChunkFilter *filters, int count)
{
	state->filters = filters;
	state->nfilters = count;
}

/* How many chunks the filters let a sequential read skip so far. */
int64
ColumnarChunksSkipped(ColumnarReadState *state)
{
	return state->chunks_skipped;
}

/*
 * ColumnarImageToDatum - a stored min/max image as a value of column "att"
 * of "rel", in the current memory context.  The image is the datum as the
 * column's type stores it (a binary-compatible type change keeps it
 * valid).
 */
Datum
ColumnarImageToDatum(Relation rel, Form_pg_attribute att, bytea *image)
{
	Size		size = VARSIZE_ANY_EXHDR(image);
	char	   *copy;

	if ((att->attlen > 0 && size != (Size) att->attlen) ||
		(att->attlen == -1 && (size < VARHDRSZ || size != VARSIZE_ANY(VARDATA_ANY(image)))) ||
		(att->attlen == -2 && (size == 0 || VARDATA_ANY(image)[size - 1] != '\0')))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("invalid min/max entry for column \"%s\" of columnar table \"%s\"",
						NameStr(att->attname), RelationGetRelationName(rel))));
	/* An aligned copy: fetch_att reads by-value types in place. */
	copy = palloc(Max(size, sizeof(Datum)));
	memcpy(copy, VARDATA_ANY(image), size);
	return fetch_att(copy, att->attbyval, att->attlen);
}

/* A min/max image as a value, in memory of the current row group. */
static Datum
ImageToDatum(ColumnarReadState *state, bytea *image, Form_pg_attribute att)
{
	MemoryContext old = MemoryContextSwitchTo(state->group_context);
	Datum		value = ColumnarImageToDatum(state->rel, att, image);

	MemoryContextSwitchTo(old);
	return value;
}

/*
 * Whether no value in [min, max] can satisfy "column strategy constant",
 * given the signs of min and max compared with the constant.
 */
static bool
RangeExcludes(StrategyNumber strategy, int cmp_min, int cmp_max)
{
	switch (strategy)
	{
		case BTLessStrategyNumber:
			return cmp_min >= 0;
		case BTLessEqualStrategyNumber:
			return cmp_min > 0;
		case BTEqualStrategyNumber:
			return cmp_min > 0 || cmp_max < 0;
		case BTGreaterEqualStrategyNumber:
			return cmp_max < 0;
		case BTGreaterStrategyNumber:
			return cmp_max <= 0;
	}
	return false;
}

/* Whether the chunk's [min, max] shows that no row passes "f". */
static bool
MinMaxExcludes(ColumnarChunkFilter *f, Datum min, Datum max)
{
	int			elements = f->kind == COLUMNAR_FILTER_IN ? f->nelements : 1;

	for (int e = 0; e < elements; e++)
	{
		Datum		constant = f->kind == COLUMNAR_FILTER_IN ? f->elements[e] : f->constant;
		int			cmp_min = DatumGetInt32(FunctionCall2Coll(&f->compare, f->collation,
															  min, constant));
		int			cmp_max = DatumGetInt32(FunctionCall2Coll(&f->compare, f->collation,
															  max, constant));

		if (!RangeExcludes(f->strategy, cmp_min, cmp_max))
			return false;
	}
	return true;				/* IN: no element in range, or none at all */
}

/* Whether the chunk's bloom filter rules out every constant of "f". */
static bool
BloomExcludes(ColumnarReadState *state, ColumnarChunkFilter *f, ColumnarChunk *chunk)
{
	int			size;
	int			count = f->kind == COLUMNAR_FILTER_IN ? f->nelements : 1;

	if (f->hashes == NULL || chunk->bloom == NULL)
		return false;
	size = VARSIZE_ANY_EXHDR(chunk->bloom);
	if (!EpBloomSizeValid(size))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("invalid bloom filter for column \"%s\" of columnar table \"%s\"",
						NameStr(TupleDescAttr(state->tupdesc, f->attnum - 1)->attname),
						RelationGetRelationName(state->rel))));
	for (int i = 0; i < count; i++)
		if (EpBloomMayContain((unsigned char *) VARDATA_ANY(chunk->bloom), size, f->hashes[i]))
			return false;
	return true;
}

/* Whether chunk "chunkno" of "rg" holds no row that passes every filter. */
static bool
ChunkExcluded(ColumnarReadState *state, ColumnarRowGroup *rg, int chunkno)
{
	for (int i = 0; i < state->nfilters; i++)
	{
		ColumnarChunkFilter *f = &state->filters[i];
		ColumnarChunk *chunk = &ColumnChunks(rg, f->attnum - 1)[chunkno];
		Form_pg_attribute att = TupleDescAttr(state->tupdesc, f->attnum - 1);

		if (!f->active)
			continue;
		if (chunk->row_count == 0)
			continue;			/* column added later: its missing value decides */
		if (f->kind == COLUMNAR_FILTER_IS_NULL)
		{
			if (chunk->null_count == 0)
				return true;
			continue;
		}
		if (chunk->null_count == chunk->row_count)
			return true;		/* strict operators and IS NOT NULL: NULL never passes */
		if (f->kind == COLUMNAR_FILTER_IS_NOT_NULL || !chunk->has_minmax)
			continue;
		if (MinMaxExcludes(f, ImageToDatum(state, chunk->min_image, att),
						   ImageToDatum(state, chunk->max_image, att)) ||
			BloomExcludes(state, f, chunk))
			return true;
	}
	return false;
}

/*
 * ColumnarReadNextRow - store the next row of a sequential read in "slot";
 * false when the row groups are exhausted.
 */
bool
ColumnarReadNextRow(ColumnarReadState *state, TupleTableSlot *slot)
{
	for (;;)
	{
		if (state->group == NULL || state->group_offset >= state->group->row_count)
		{
			CHECK_FOR_INTERRUPTS();
			EnterRowGroup(state, NextRowGroup(state));
			if (state->group == NULL)
				return false;
		}
		if (state->nfilters > 0 && state->group_offset % state->group->chunk_rows == 0 &&
			ChunkExcluded(state, state->group, (int) (state->group_offset / state->group->chunk_rows)))
		{
			state->group_offset += state->group->chunk_rows;
			state->chunks_skipped++;
			continue;
		}
		if (state->group_deleted != NULL &&
			bms_is_member((int) state->group_offset, state->group_deleted))
		{
			state->group_offset++;
			continue;
		}
		StoreRow(state, state->group, state->group_offset++, slot);
		return true;
	}
}

/*
 * ColumnarReadNextBatch - position a sequential read on its next chunk of
 * rows (chunk "chunkno" of every column of a row group) that the filters do
 * not exclude; false when the row groups are exhausted.  The columns are
 * decoded on demand by ColumnarBatchColumn; "batch" is valid until the next
 * call.  A read uses either batches or rows, not both.
 */
bool
ColumnarReadNextBatch(ColumnarReadState *state, ColumnarBatch *batch)
{
	for (;;)
	{
		ColumnarRowGroup *rg = state->group;
		int			chunkno;

		if (rg == NULL || state->group_offset >= rg->row_count)
		{
			CHECK_FOR_INTERRUPTS();
			EnterRowGroup(state, NextRowGroup(state));
			if (state->group == NULL)
				return false;
			continue;
		}
		Assert(state->group_offset % rg->chunk_rows == 0);
		chunkno = (int) (state->group_offset / rg->chunk_rows);
		batch->rg = rg;
		batch->chunkno = chunkno;
		batch->first_offset = state->group_offset;
		batch->rows = (int) Min((int64) rg->chunk_rows, rg->row_count - state->group_offset);
		batch->deleted = state->group_deleted;
		state->group_offset += batch->rows;
		if (state->nfilters > 0 && ChunkExcluded(state, rg, chunkno))
		{
			state->chunks_skipped++;
			continue;
		}
		return true;
	}
}

/*
 * ColumnarChunkPassesFilter - whether the metadata of the batch's chunk of
 * the filter's column shows that every row of the batch passes filter "f":
 * no NULL and [min, max] inside the filter's range (IS NULL: only NULLs).
 * False whenever it cannot tell.
 */
bool
ColumnarChunkPassesFilter(ColumnarReadState *state, const ColumnarBatch *batch,
						  ColumnarChunkFilter *f)
{
	ColumnarChunk *chunk = &ColumnChunks(batch->rg, f->attnum - 1)[batch->chunkno];
	Form_pg_attribute att = TupleDescAttr(state->tupdesc, f->attnum - 1);
	int			cmp_min;
	int			cmp_max;

	if (!f->active || chunk->row_count == 0)
		return false;			/* no value, or the column's missing value */
	if (f->kind == COLUMNAR_FILTER_IS_NULL)
		return chunk->null_count == chunk->row_count;
	if (chunk->null_count > 0)
		return false;
	if (f->kind == COLUMNAR_FILTER_IS_NOT_NULL)
		return true;
	if (f->kind != COLUMNAR_FILTER_COMPARE || !chunk->has_minmax)
		return false;
	cmp_min = DatumGetInt32(FunctionCall2Coll(&f->compare, f->collation,
											  ImageToDatum(state, chunk->min_image, att),
											  f->constant));
	cmp_max = DatumGetInt32(FunctionCall2Coll(&f->compare, f->collation,
											  ImageToDatum(state, chunk->max_image, att),
											  f->constant));
	switch (f->strategy)
	{
		case BTLessStrategyNumber:
			return cmp_max < 0;
		case BTLessEqualStrategyNumber:
			return cmp_max <= 0;
		case BTEqualStrategyNumber:
			return cmp_min == 0 && cmp_max == 0;
		case BTGreaterEqualStrategyNumber:
			return cmp_min >= 0;
		case BTGreaterStrategyNumber:
			return cmp_min > 0;
	}
	return false;
}

/* ColumnarBatchAllLive - whether no row of "batch" is deleted. */
bool
ColumnarBatchAllLive(const ColumnarBatch *batch)
{
	int			next_deleted = bms_next_member(batch->deleted, (int) batch->first_offset - 1);

	return next_deleted < 0 || next_deleted >= (int) batch->first_offset + batch->rows;
}

/*
 * ColumnarBatchLiveRows - the places in "batch" of its rows that are not
 * deleted, in order, into "selection" (room for batch->rows); returns how
 * many.
 */
int
ColumnarBatchLiveRows(const ColumnarBatch *batch, int32 *selection)
{
	int			count = 0;
	int			next_deleted = bms_next_member(batch->deleted, (int) batch->first_offset - 1);

	for (int i = 0; i < batch->rows; i++)
	{
		if (next_deleted == (int) batch->first_offset + i)
		{
			next_deleted = bms_next_member(batch->deleted, next_deleted);
			continue;
		}
		selection[count++] = i;
	}
	return count;
}

/*
 * ColumnarBatchColumn - the values and NULL flags of column "attnum" for
 * the rows of "batch" (arrays indexed by row), valid until the read moves
 * on.  Only rows "rows" (the "count" places that the caller will read) are
 * certain to be filled: when they are few, the others may be left out.
 */
void
ColumnarBatchColumn(ColumnarReadState *state, const ColumnarBatch *batch, AttrNumber attnum,
					const int32 *rows, int count, Datum **values, bool **nulls)
{
	int			a = attnum - 1;
	ColumnCursor *col = &state->columns[a];
	ColumnarRowGroup *rg = batch->rg;

	if (ColumnChunks(rg, a)[0].row_count == 0)
	{
		/* The column was added after this row group was written. */
		MemoryContext old = MemoryContextSwitchTo(state->group_context);
		bool		isnull;
		Datum		value = getmissingattr(state->tupdesc, attnum, &isnull);

		*values = palloc(sizeof(Datum) * batch->rows);
		*nulls = palloc(sizeof(bool) * batch->rows);
		for (int i = 0; i < batch->rows; i++)
		{
			(*values)[i] = value;
			(*nulls)[i] = isnull;
		}
		MemoryContextSwitchTo(old);
		return;
	}
	PositionColumn(state, a, rg, batch->first_offset);
	if (!col->data.decoded && count * SPARSE_SELECTION < batch->rows)
		ColumnarDecodeLoadedChunkRows(state->rel, TupleDescAttr(state->tupdesc, a),
									  &ColumnChunks(rg, a)[col->chunkno], &col->data, rows, count);
	else if (!col->data.decoded)
		ColumnarDecodeLoadedChunk(state->rel, TupleDescAttr(state->tupdesc, a),
								  &ColumnChunks(rg, a)[col->chunkno], &col->data);
	*values = col->data.values;
	*nulls = col->data.nulls;
}

/*
 * ColumnarBatchColumnScaled - for a numeric column, the values of the rows
 * of "batch" as 64-bit integers times 10^*scale, every value showing that
 * display scale, and their NULL flags (arrays indexed by row, valid until
 * the read moves on; only rows "rows", the "count" places the caller will
 * read, are certain to be filled); false when the batch's chunk of the
 * column does not store its values so (see ColumnarDecodeLoadedChunkScaled).
 */
bool
ColumnarBatchColumnScaled(ColumnarReadState *state, const ColumnarBatch *batch,
						  AttrNumber attnum, const int32 *rows, int count, int64 **values,
						  bool **nulls, int *scale)
{
	int			a = attnum - 1;
	ColumnCursor *col = &state->columns[a];
	ColumnarRowGroup *rg = batch->rg;

	if (ColumnChunks(rg, a)[0].row_count == 0)
		return false;			/* added after the row group was written */
	PositionColumn(state, a, rg, batch->first_offset);
	if (!ColumnarDecodeLoadedChunkScaled(state->rel, TupleDescAttr(state->tupdesc, a),
										 &ColumnChunks(rg, a)[col->chunkno], &col->data,
										 count * SPARSE_SELECTION < batch->rows ? rows : NULL,
										 count, scale))
		return false;
	*values = col->data.scaled;
	*nulls = col->data.nulls;
	return true;
}

/*
 * ColumnarReadRow - store row "row_number" in "slot"; false when no row
 * group of the read holds it or the row is deleted.
 */
bool
ColumnarReadRow(ColumnarReadState *state, uint64 row_number, TupleTableSlot *slot)
{
	ColumnarRowGroup *rg = ColumnarFindRowGroup(state->map, row_number);
	int64		offset;

	if (rg == NULL && state->point_read)
		rg = LoadRowGroup(state, row_number);
	if (rg == NULL)
		return false;
	offset = (int64) (row_number - rg->first_row);
	if (state->point_read)
	{
		/* one marker lookup, rather than every marker of the row group */
		if (state->deleted_snapshot != NULL &&
			ColumnarRowIsDeleted(ColumnarStorageId(state->rel), row_number,
								 state->deleted_snapshot))
			return false;
	}
	else
	{
		if (rg != state->group)
			EnterRowGroup(state, rg);
		if (bms_is_member((int) offset, state->group_deleted))
			return false;
	}
	StoreRow(state, rg, offset, slot);
	return true;
}

static int
CompareRowNumbers(const void *a, const void *b)
{
	uint64		x = *(const uint64 *) a;
	uint64		y = *(const uint64 *) b;

	return x < y ? -1 : (x > y ? 1 : 0);
}

/*
 * ColumnarSampleRows - choose up to "target" rows, uniformly at random over
 * the row groups of the read, for ColumnarReadNextSample to return (all of
 * them when there are no more than "target").  Returns how many rows each
 * sampled row stands for.
 */
double
ColumnarSampleRows(ColumnarReadState *state, int target)
{
	ColumnarStorageMap *map = state->map;
	uint64		total = 0;
	int			count = 0;
	MemoryContext old = MemoryContextSwitchTo(state->context);

	for (int g = 0; g < map->count; g++)
		total += (uint64) map->row_groups[g]->row_count;
	state->sample = palloc(sizeof(uint64) * Max(1, Min(total, (uint64) target)));
	if (total <= (uint64) target)
	{
		for (int g = 0; g < map->count; g++)
			for (int64 r = 0; r < map->row_groups[g]->row_count; r++)
				state->sample[count++] = map->row_groups[g]->first_row + r;
	}
	else
	{
		/* Pick positions in [0, total), then map them onto row numbers. */
		uint64	   *positions = palloc(sizeof(uint64) * target);
		int			g = 0;
		uint64		before = 0;

		for (int i = 0; i < target; i++)
			positions[i] = pg_prng_uint64_range(&pg_global_prng_state, 0, total - 1);
		qsort(positions, target, sizeof(uint64), CompareRowNumbers);
		for (int i = 0; i < target; i++)
		{
			if (i > 0 && positions[i] == positions[i - 1])
				continue;
			while (positions[i] >= before + (uint64) map->row_groups[g]->row_count)
				before += (uint64) map->row_groups[g++]->row_count;
			state->sample[count++] = map->row_groups[g]->first_row + (positions[i] - before);
		}
		pfree(positions);
	}
	state->sample_count = count;
	state->sample_next = 0;
	MemoryContextSwitchTo(old);
	return count > 0 ? (double) total / count : 0;
}

/*
 * ColumnarReadNextSample - store the next sampled row that is not deleted;
 * false when the sample is exhausted.
 */
bool
ColumnarReadNextSample(ColumnarReadState *state, TupleTableSlot *slot)
{
	while (state->sample_next < state->sample_count)
	{
		CHECK_FOR_INTERRUPTS();
		if (ColumnarReadRow(state, state->sample[state->sample_next++], slot))
			return true;
	}
	return false;
}

/* The sampling units of row group "g" of the map. */
static inline uint64
GroupUnits(ColumnarStorageMap *map, int g)
{
	return ((uint64) map->row_groups[g]->row_count + COLUMNAR_ROWS_PER_BLOCK - 1) /
		COLUMNAR_ROWS_PER_BLOCK;
}

/*
 * ColumnarSampleUnits - how many sampling units the read's row groups make:
 * runs of up to COLUMNAR_ROWS_PER_BLOCK rows (the rows of one TID block),
 * none across row groups, which TABLESAMPLE takes as it takes a heap's
 * blocks.
 */
uint64
ColumnarSampleUnits(ColumnarReadState *state)
{
	ColumnarStorageMap *map = state->map;
	uint64		units = 0;

	if (state->units_before_end == NULL)
	{
		state->units_before_end = MemoryContextAlloc(state->context,
													 sizeof(uint64) * Max(1, map->count));
		for (int g = 0; g < map->count; g++)
			state->units_before_end[g] = (units += GroupUnits(map, g));
	}
	return map->count > 0 ? state->units_before_end[map->count - 1] : 0;
}

/*
 * ColumnarSampleUnitRows - the first row number of sampling unit "unit"
 * (below ColumnarSampleUnits) and how many rows it spans.
 */
void
ColumnarSampleUnitRows(ColumnarReadState *state, uint64 unit, uint64 *first_row, int *rows)
{
	ColumnarStorageMap *map = state->map;
	int			lo = 0;
	int			hi = map->count - 1;
	uint64		within;

	Assert(unit < ColumnarSampleUnits(state));
	while (lo < hi)
	{
		int			mid = (lo + hi) / 2;

		if (state->units_before_end[mid] <= unit)
			lo = mid + 1;
		else
			hi = mid;
	}
	within = unit - (state->units_before_end[lo] - GroupUnits(map, lo));
	*first_row = map->row_groups[lo]->first_row + within * COLUMNAR_ROWS_PER_BLOCK;
	*rows = (int) Min(COLUMNAR_ROWS_PER_BLOCK,
					  (uint64) map->row_groups[lo]->row_count - within * COLUMNAR_ROWS_PER_BLOCK);
}

/*
 * ColumnarRescanRead - start a sequential read over from the first row group.
 */
void
ColumnarRescanRead(ColumnarReadState *state)
{
	state->next_group = 0;
	EnterRowGroup(state, NULL);
}

/*
 * ColumnarEndRead - close the TOAST reader, free everything the read allocated.
 */
void
ColumnarEndRead(ColumnarReadState *state)
{
	if (state->toast != NULL)
		ColumnarToastReaderClose(state->toast);
	MemoryContextDelete(state->context);
}
