/*-------------------------------------------------------------------------
 *
 * columnar_writer.c
 *	  Builds row groups from rows: collects each column's values, then
 *	  encodes them chunk by chunk and records the row group in the catalog.
 *
 *	  Invariants: a row group's row numbers are reserved when its first row
 *	  arrives (ColumnarReserveRowNumbers), so a row's TID is known as soon as
 *	  it is written and callers can insert index entries right away; numbers
 *	  a short last group leaves unused are never handed out again.  The
 *	  values of the current row group live in "row group values", reset
 *	  after each flush; encoding scratch lives in "columnar chunk encode",
 *	  reset after each chunk.  Values are detoasted when collected, so a row
 *	  group never points into the delta store's TOAST data.
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

#include "columnar.h"
#include "executor/tuptable.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/datum.h"
#include "utils/memutils.h"

struct ColumnarWriteState
{
	Relation	rel;
	TupleDesc	tupdesc;
	int			row_group_rows;
	int			chunk_rows;
	EpCompression compression;
	MemoryContext row_group_context;	/* values of the current row group */
	MemoryContext chunk_context;	/* scratch of one chunk's encoding */
	Datum	  **values;			/* [attno][row] */
	bool	  **nulls;			/* [attno][row] */
	int			row_count;		/* rows collected in the current group */
	uint64		first_row;		/* reserved row number of its first row */
};

/*
 * ColumnarBeginWrite - start writing row groups into "rel".  The state and
 * its contexts are children of the current memory context.
 */
ColumnarWriteState *
ColumnarBeginWrite(Relation rel)
{
	ColumnarWriteState *state = palloc0(sizeof(ColumnarWriteState));
	int			natts = RelationGetDescr(rel)->natts;

	state->rel = rel;
	state->tupdesc = RelationGetDescr(rel);
	state->row_group_rows = COLUMNAR_DEFAULT_ROW_GROUP_ROWS;
	state->chunk_rows = COLUMNAR_DEFAULT_CHUNK_ROWS;
	state->compression = COLUMNAR_DEFAULT_COMPRESSION;
	state->row_group_context = AllocSetContextCreate(CurrentMemoryContext,
													 "row group values",
													 ALLOCSET_DEFAULT_SIZES);
	state->chunk_context = AllocSetContextCreate(CurrentMemoryContext,
												 "columnar chunk encode",
												 ALLOCSET_DEFAULT_SIZES);
	state->values = palloc(sizeof(Datum *) * natts);
	state->nulls = palloc(sizeof(bool *) * natts);
	for (int a = 0; a < natts; a++)
	{
		state->values[a] = palloc(sizeof(Datum) * state->row_group_rows);
		state->nulls[a] = palloc(sizeof(bool) * state->row_group_rows);
	}
	return state;
}

/* Encodes the collected rows as one row group and records it. */
static void
FlushRowGroup(ColumnarWriteState *state)
{
	ColumnarRowGroup rg;
	MemoryContext old;
	int			natts = state->tupdesc->natts;

	if (state->row_count == 0)
		return;

	old = MemoryContextSwitchTo(state->row_group_context);
	rg.first_row = state->first_row;
	rg.row_count = state->row_count;
	rg.chunk_rows = state->chunk_rows;
	rg.chunk_count = (state->row_count + state->chunk_rows - 1) / state->chunk_rows;
	rg.natts = natts;
	rg.chunks = palloc0(sizeof(ColumnarChunk *) * natts);
	for (int a = 0; a < natts; a++)
	{
		Form_pg_attribute att = TupleDescAttr(state->tupdesc, a);

		rg.chunks[a] = palloc0(sizeof(ColumnarChunk) * rg.chunk_count);
		if (att->attisdropped)
			continue;
		for (int c = 0; c < rg.chunk_count; c++)
		{
			int			start = c * state->chunk_rows;
			int			count = Min(state->chunk_rows, state->row_count - start);

			CHECK_FOR_INTERRUPTS();
			MemoryContextSwitchTo(state->chunk_context);
			ColumnarEncodeChunk(state->rel, att, state->values[a] + start,
								state->nulls[a] + start, count, state->compression,
								&rg.chunks[a][c]);
			MemoryContextSwitchTo(state->row_group_context);
			MemoryContextReset(state->chunk_context);
		}
	}
	ColumnarInsertRowGroup(state->rel, &rg);
	MemoryContextSwitchTo(old);
	MemoryContextReset(state->row_group_context);
	state->row_count = 0;
}

/*
 * ColumnarWriteRow - append the row in "slot" to the current row group and
 * return its TID in "tid".  The slot's values are copied.
 */
void
ColumnarWriteRow(ColumnarWriteState *state, TupleTableSlot *slot, ItemPointer tid)
{
	MemoryContext old;
	int			row = state->row_count;

	if (row == 0)
		state->first_row = ColumnarReserveRowNumbers(state->rel, state->row_group_rows);

	slot_getallattrs(slot);
	old = MemoryContextSwitchTo(state->row_group_context);
	for (int a = 0; a < state->tupdesc->natts; a++)
	{
		Form_pg_attribute att = TupleDescAttr(state->tupdesc, a);

		state->nulls[a][row] = slot->tts_isnull[a] || att->attisdropped;
		if (state->nulls[a][row])
			continue;
		if (att->attlen == -1)
			state->values[a][row] = PointerGetDatum(PG_DETOAST_DATUM_COPY(slot->tts_values[a]));
		else
			state->values[a][row] = datumCopy(slot->tts_values[a], att->attbyval, att->attlen);
	}
	MemoryContextSwitchTo(old);

	ColumnarRowNumberGetTid(state->first_row + row, tid);
	state->row_count++;
	if (state->row_count == state->row_group_rows)
		FlushRowGroup(state);
}

/*
 * ColumnarEndWrite - flush the last row group and free the state.
 */
void
ColumnarEndWrite(ColumnarWriteState *state)
{
	FlushRowGroup(state);
	MemoryContextDelete(state->row_group_context);
	MemoryContextDelete(state->chunk_context);
	for (int a = 0; a < state->tupdesc->natts; a++)
	{
		pfree(state->values[a]);
		pfree(state->nulls[a]);
	}
	pfree(state->values);
	pfree(state->nulls);
	pfree(state);
}
