/*-------------------------------------------------------------------------
 *
 * columnar_writer.c
 *	  Builds row groups from rows: collects each column's values, has them
 *	  encoded chunk by chunk and records the row group in the catalog.  A
 *	  chunk goes to the load's encoding worker (columnar_encode_worker.c)
 *	  as soon as its rows are collected; what the worker does not answer
 *	  (none started, a short last chunk, a worker gone) is encoded here when
 *	  the row group ends.
 *
 *	  Invariants: a row group's row numbers are reserved when its first row
 *	  arrives (ColumnarReserveRowNumbers), so a row's TID is known as soon as
 *	  it is written and callers can insert index entries right away; numbers
 *	  a short last group leaves unused are never handed out again.  The
 *	  by-reference values of the current row group are copied one after the
 *	  other into blocks of one context per column (an arena: no per-value
 *	  allocation, and encoding a column reads memory in order), reset after
 *	  each flush; encoding scratch lives in "columnar chunk encode", reset
 *	  after each chunk.  Values are detoasted when collected, varlena values
 *	  kept with a 4-byte header as chunks store them, so a row group never
 *	  points into the delta store's TOAST data.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  columnstore/src/columnar_writer.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include "access/detoast.h"
#include "columnar.h"
#include "executor/tuptable.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/tuplesort.h"
#include "parser/parse_oper.h"

/* Bytes of the blocks a column's values are copied into. */
#define VALUE_BLOCK_BYTES	(64 * 1024)

/* Where the next by-reference value of a column goes. */
typedef struct ValueArena
{
	MemoryContext context;		/* the blocks; reset after each row group */
	char	   *free;			/* the current block's unused bytes */
	Size		left;
} ValueArena;

struct ColumnarWriteState
{
	MemoryContext context;		/* where the state lives */
	Relation	rel;
	TupleDesc	tupdesc;
	ColumnarOptions options;	/* row group and chunk sizes, compression */
	MemoryContext row_group_context;	/* metadata of the current row group */
	ValueArena *arenas;			/* [attno]: its by-reference values */
	MemoryContext chunk_context;	/* scratch of one chunk's encoding */
	Datum	  **values;			/* [attno][row] */
	bool	  **nulls;			/* [attno][row] */
	int			row_count;		/* rows collected in the current group */
	uint64		first_row;		/* reserved row number of its first row */
	ColumnarChunk **chunks;		/* [attno][chunk] of the current group, in
								 * row_group_context; row_count > 0: done */
	bool	   *with_bloom;		/* [attno]: its chunks get bloom filters */
	ColumnarEncodeWorker *worker;	/* encodes chunks beside us, or NULL */
	bool		worker_tried;	/* asked for one already (at most once) */
	int			chunks_handed;	/* chunks of the group the worker has had */
};

/*
 * ColumnarBeginWrite - start writing row groups into "rel" with "options"
 * (the table's, which a rewrite takes from the table being rewritten).  The
 * state and its contexts are children of the current memory context.
 */
ColumnarWriteState *
ColumnarBeginWrite(Relation rel, const ColumnarOptions *options)
{
	ColumnarWriteState *state = palloc0(sizeof(ColumnarWriteState));
	int			natts = RelationGetDescr(rel)->natts;

	state->context = CurrentMemoryContext;
	state->rel = rel;
	state->tupdesc = RelationGetDescr(rel);
	state->options = *options;
	state->row_group_context = AllocSetContextCreate(CurrentMemoryContext,
													 "row group metadata",
													 ALLOCSET_DEFAULT_SIZES);
	state->chunk_context = AllocSetContextCreate(CurrentMemoryContext,
												 "columnar chunk encode",
												 ALLOCSET_DEFAULT_SIZES);
	state->values = palloc(sizeof(Datum *) * natts);
	state->nulls = palloc(sizeof(bool *) * natts);
	state->arenas = palloc0(sizeof(ValueArena) * natts);
	state->with_bloom = palloc0(sizeof(bool) * natts);
	for (int i = 0; i < options->nbloom; i++)
		if (options->bloom[i] >= 1 && options->bloom[i] <= natts)
			state->with_bloom[options->bloom[i] - 1] = true;
	for (int a = 0; a < natts; a++)
	{
		state->values[a] = palloc(sizeof(Datum) * options->row_group_rows);
		state->nulls[a] = palloc(sizeof(bool) * options->row_group_rows);
		/* one context per column keeps its values together for encoding */
		if (!TupleDescAttr(state->tupdesc, a)->attbyval)
			state->arenas[a].context = AllocSetContextCreate(CurrentMemoryContext,
															 "row group column values",
															 ALLOCSET_DEFAULT_SIZES);
	}
	return state;
}

/* Frees the values of "arena" (none for a by-value column). */
static void
ResetArena(ValueArena *arena)
{
	if (arena->context != NULL)
		MemoryContextReset(arena->context);
	arena->free = NULL;
	arena->left = 0;
}

/*
 * "size" bytes, MAXALIGNed, after the arena's last value; a value larger
 * than a quarter block gets a block of its own.
 */
static char *
ArenaAlloc(ValueArena *arena, Size size)
{
	char	   *space;

	size = MAXALIGN(size);
	if (size > VALUE_BLOCK_BYTES / 4)
		return MemoryContextAlloc(arena->context, size);
	if (size > arena->left)
	{
		arena->free = MemoryContextAlloc(arena->context, VALUE_BLOCK_BYTES);
		arena->left = VALUE_BLOCK_BYTES;
	}
	space = arena->free;
	arena->free += size;
	arena->left -= size;
	return space;
}

/*
 * A copy of by-reference "value" of column "att" in "arena": varlena values
 * with a 4-byte header, decompressed and fetched first when toasted.
 */
static Datum
KeepValue(ValueArena *arena, Form_pg_attribute att, Datum value)
{
	Pointer		src = DatumGetPointer(value);
	Size		size;
	char	   *copy;

	if (att->attlen == -1 && (VARATT_IS_EXTERNAL(src) || VARATT_IS_COMPRESSED(src)))
	{
		MemoryContext old = MemoryContextSwitchTo(arena->context);
		struct varlena *whole = detoast_attr((struct varlena *) src);

		MemoryContextSwitchTo(old);
		return PointerGetDatum(whole);
	}
	if (att->attlen == -1 && VARATT_IS_SHORT(src))
	{
		size = VARSIZE_SHORT(src) - VARHDRSZ_SHORT;
		copy = ArenaAlloc(arena, VARHDRSZ + size);
		SET_VARSIZE(copy, VARHDRSZ + size);
		memcpy(VARDATA(copy), VARDATA_SHORT(src), size);
		return PointerGetDatum(copy);
	}
	size = datumGetSize(value, false, att->attlen);
	copy = ArenaAlloc(arena, size);
	memcpy(copy, src, size);
	return PointerGetDatum(copy);
}

/* The first row of a row group arrives: reserve its rows, make its chunks. */
static void
StartRowGroup(ColumnarWriteState *state)
{
	int			natts = state->tupdesc->natts;
	int			max_chunks = (state->options.row_group_rows + state->options.chunk_rows - 1) /
		state->options.chunk_rows;

	state->first_row = ColumnarReserveRowNumbers(state->rel, state->options.row_group_rows);
	state->chunks = MemoryContextAlloc(state->row_group_context, sizeof(ColumnarChunk *) * natts);
	for (int a = 0; a < natts; a++)
		state->chunks[a] = MemoryContextAllocZero(state->row_group_context,
												  sizeof(ColumnarChunk) * max_chunks);
	state->chunks_handed = 0;
}

/* Keeps the metadata of chunk c of column a, and writes its bytes. */
static void
KeepChunk(ColumnarWriteState *state, int a, int c, ColumnarChunk *encoded, const char *stored)
{
	ColumnarChunk *chunk = &state->chunks[a][c];
	MemoryContext old;

	*chunk = *encoded;
	ColumnarStoreChunk(state->rel, chunk, stored);
	old = MemoryContextSwitchTo(state->row_group_context);
	ColumnarKeepChunkMetadata(chunk);
	MemoryContextSwitchTo(old);
}

/* Rows of chunk c of the current row group. */
static int
ChunkRows(ColumnarWriteState *state, int c)
{
	return Min(state->options.chunk_rows, state->row_count - c * state->options.chunk_rows);
}

/* Encodes chunk c of column a here, and keeps it. */
static void
EncodeChunkHere(ColumnarWriteState *state, int a, int c)
{
	int			start = c * state->options.chunk_rows;
	ColumnarChunk encoded;
	char	   *stored;
	MemoryContext old = MemoryContextSwitchTo(state->chunk_context);

	CHECK_FOR_INTERRUPTS();
	stored = ColumnarEncodeChunk(TupleDescAttr(state->tupdesc, a), state->values[a] + start,
								 state->nulls[a] + start, ChunkRows(state, c),
								 state->options.compression, state->options.compression_level,
								 state->with_bloom[a], &encoded);
	KeepChunk(state, a, c, &encoded, stored);
	MemoryContextSwitchTo(old);
	MemoryContextReset(state->chunk_context);
}

/* An answer of the worker: chunk c of column a, encoded. */
static void
TakeEncodedChunk(void *arg, int a, int c, ColumnarChunk *encoded, const char *stored)
{
	ColumnarWriteState *state = arg;

	if (c < 0 || c >= state->chunks_handed || state->chunks[a][c].row_count != 0 ||
		encoded->row_count != ChunkRows(state, c))
		elog(ERROR, "the columnar encoding worker answered for a chunk it was not given");
	KeepChunk(state, a, c, encoded, stored);
}

/*
 * Chunk c of every column is complete: hand it to the worker (started on
 * the first call, when the setting allows) or, when it does not take them,
 * leave it for FlushRowGroup.
 */
static void
HandOverChunks(ColumnarWriteState *state, int c)
{
	if (state->worker == NULL && !state->worker_tried && c == 0 && ep_enable_parallel_workers)
	{
		MemoryContext old = MemoryContextSwitchTo(state->context);

		state->worker_tried = true;
		state->worker = ColumnarStartEncodeWorker(state->tupdesc, &state->options,
												  state->with_bloom, TakeEncodedChunk, state);
		MemoryContextSwitchTo(old);
		ereport(DEBUG1,
				(errmsg_internal("columnar load into \"%s\" encodes %s",
								 RelationGetRelationName(state->rel),
								 state->worker != NULL ? "in a background worker" : "by itself")));
	}
	if (state->worker == NULL)
		return;
	Assert(c == state->chunks_handed);
	state->chunks_handed = c + 1;
	for (int a = 0; a < state->tupdesc->natts; a++)
	{
		int			start = c * state->options.chunk_rows;

		if (TupleDescAttr(state->tupdesc, a)->attisdropped)
			continue;
		if (!ColumnarEncodeInWorker(state->worker, a, c, state->values[a] + start,
									state->nulls[a] + start, ChunkRows(state, c)))
			EncodeChunkHere(state, a, c);
	}
}

/* Encodes here the chunks from chunk "from" on that are not done. */
static void
EncodeMissingChunks(ColumnarWriteState *state, int from, int chunk_count)
{
	for (int a = 0; a < state->tupdesc->natts; a++)
	{
		if (TupleDescAttr(state->tupdesc, a)->attisdropped)
			continue;
		for (int c = from; c < chunk_count; c++)
			if (state->chunks[a][c].row_count == 0)
				EncodeChunkHere(state, a, c);
	}
}

/*
 * Records the collected rows as one row group: the chunks the worker was
 * not given are encoded here meanwhile, then its answers are waited for
 * (a worker that went away leaves its chunks to us).
 */
static void
FlushRowGroup(ColumnarWriteState *state)
{
	ColumnarRowGroup rg;

	if (state->row_count == 0)
		return;
	rg.first_row = state->first_row;
	rg.row_count = state->row_count;
	rg.chunk_rows = state->options.chunk_rows;
	rg.chunk_count = (state->row_count + rg.chunk_rows - 1) / rg.chunk_rows;
	rg.natts = state->tupdesc->natts;
	rg.chunks = state->chunks;
	EncodeMissingChunks(state, state->chunks_handed, rg.chunk_count);
	if (state->worker != NULL && !ColumnarCollectEncoded(state->worker))
	{
		ereport(LOG,
				(errmsg("the encoding worker of a columnar load into \"%s\" exited; the load encodes the rest itself",
						RelationGetRelationName(state->rel))));
		ColumnarStopEncodeWorker(state->worker);
		state->worker = NULL;
	}
	EncodeMissingChunks(state, 0, rg.chunk_count);
	ColumnarInsertRowGroup(state->rel, &rg);
	MemoryContextReset(state->row_group_context);
	for (int a = 0; a < rg.natts; a++)
		ResetArena(&state->arenas[a]);
	state->row_count = 0;
}

/*
 * ColumnarWriteRow - append the row in "slot" to the current row group and
 * return its TID in "tid".  The slot's values are copied.
 */
void
ColumnarWriteRow(ColumnarWriteState *state, TupleTableSlot *slot, ItemPointer tid)
{
	int			row = state->row_count;

	if (row == 0)
		StartRowGroup(state);

	slot_getallattrs(slot);
	for (int a = 0; a < state->tupdesc->natts; a++)
	{
		Form_pg_attribute att = TupleDescAttr(state->tupdesc, a);

		state->nulls[a][row] = slot->tts_isnull[a] || att->attisdropped;
		if (state->nulls[a][row])
			continue;
		if (att->attbyval)
		{
			state->values[a][row] = slot->tts_values[a];
			continue;
		}
		state->values[a][row] = KeepValue(&state->arenas[a], att, slot->tts_values[a]);
	}

	ColumnarRowNumberGetTid(state->first_row + row, tid);
	state->row_count++;
	if (state->row_count % state->options.chunk_rows == 0)
		HandOverChunks(state, state->row_count / state->options.chunk_rows - 1);
	if (state->row_count == state->options.row_group_rows)
		FlushRowGroup(state);
}

/*
 * ColumnarEndWrite - flush the last row group and free the state; the
 * delta store gets its first page if it has none, so that ANALYZE reaches
 * the row groups (a table loaded straight into row groups has no other).
 */
void
ColumnarEndWrite(ColumnarWriteState *state)
{
	FlushRowGroup(state);
	if (state->worker != NULL)
		ColumnarStopEncodeWorker(state->worker);
	ColumnarEnsureDeltaBlock(state->rel);
	MemoryContextDelete(state->row_group_context);
	MemoryContextDelete(state->chunk_context);
	for (int a = 0; a < state->tupdesc->natts; a++)
	{
		if (state->arenas[a].context != NULL)
			MemoryContextDelete(state->arenas[a].context);
		pfree(state->values[a]);
		pfree(state->nulls[a]);
	}
	pfree(state->values);
	pfree(state->arenas);
	pfree(state->nulls);
	pfree(state->with_bloom);
	pfree(state);
}


/* ------------------------------------------------------------------------
 * Sorting rows before they become columnar: by the table's segmentby
 * columns, then its orderby columns, so that equal and close values share
 * chunks (better encodings, narrower min/max).
 * ------------------------------------------------------------------------
 */

struct ColumnarSortState
{
	Tuplesortstate *sort;
	TupleTableSlot *slot;		/* the sorted rows come out in it */
	bool		sorted;
};

/* Adds the live columns of "attnums" to the sort keys. */
static int
AddSortKeys(TupleDesc tupdesc, const AttrNumber *attnums, int count, int nkeys,
			AttrNumber *keys, Oid *operators, Oid *collations)
{
	for (int i = 0; i < count; i++)
	{
		Form_pg_attribute att = TupleDescAttr(tupdesc, attnums[i] - 1);

		if (attnums[i] < 1 || attnums[i] > tupdesc->natts || att->attisdropped)
			continue;			/* dropped since the options were set */
		get_sort_group_operators(att->atttypid, true, false, false,
								 &operators[nkeys], NULL, NULL, NULL);
		keys[nkeys] = attnums[i];
		collations[nkeys] = att->attcollation;
		nkeys++;
	}
	return nkeys;
}

/*
 * ColumnarBeginSort - a sort of rows of "rel" by the sort keys of
 * "options", in maintenance_work_mem (spilling to disk beyond it); NULL when
 * the options name no sort key.
 */
ColumnarSortState *
ColumnarBeginSort(Relation rel, const ColumnarOptions *options)
{
	TupleDesc	tupdesc = RelationGetDescr(rel);
	AttrNumber	keys[2 * COLUMNAR_MAX_SORT_KEYS];
	Oid			operators[2 * COLUMNAR_MAX_SORT_KEYS];
	Oid			collations[2 * COLUMNAR_MAX_SORT_KEYS];
	bool		nulls_first[2 * COLUMNAR_MAX_SORT_KEYS] = {false};
	int			nkeys;
	ColumnarSortState *state;

	nkeys = AddSortKeys(tupdesc, options->segmentby, options->nsegmentby, 0,
						keys, operators, collations);
	nkeys = AddSortKeys(tupdesc, options->orderby, options->norderby, nkeys,
						keys, operators, collations);
	if (nkeys == 0)
		return NULL;

	state = palloc0(sizeof(ColumnarSortState));
	state->sort = tuplesort_begin_heap(tupdesc, nkeys, keys, operators, collations,
									   nulls_first, maintenance_work_mem, NULL,
									   TUPLESORT_NONE);
	state->slot = MakeSingleTupleTableSlot(tupdesc, &TTSOpsMinimalTuple);
	return state;
}

void
ColumnarSortAdd(ColumnarSortState *state, TupleTableSlot *slot)
{
	Assert(!state->sorted);
	tuplesort_puttupleslot(state->sort, slot);
}

/*
 * ColumnarSortNext - the next row in sort order, in a slot the sort owns;
 * NULL at the end.  The first call sorts.
 */
TupleTableSlot *
ColumnarSortNext(ColumnarSortState *state)
{
	if (!state->sorted)
	{
		tuplesort_performsort(state->sort);
		state->sorted = true;
	}
	if (tuplesort_gettupleslot(state->sort, true, false, state->slot, NULL))
		return state->slot;
	return NULL;
}

void
ColumnarEndSort(ColumnarSortState *state)
{
	tuplesort_end(state->sort);
	ExecDropSingleTupleTableSlot(state->slot);
	pfree(state);
}
