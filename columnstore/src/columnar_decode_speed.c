/*-------------------------------------------------------------------------
 *
 * columnar_decode_speed.c
 *	  epiphany.columnar_decode_speed(rel, rounds): how fast the chunks of a
 *	  columnar table decode, per column and encoding, next to copying the
 *	  decoded result with memcpy in the same call, the memory-speed
 *	  baseline that the decoders aim at.
 *
 *	  Each chunk is loaded once (fetched from the TOAST relation and
 *	  decompressed: load_ms), then decoded "rounds" times into the arrays of
 *	  Datums and NULL flags that scans read (decode_ms, per round), and that
 *	  result, 9 bytes a row, is copied "rounds" times (memcpy_ms, per
 *	  round).  The figures are wall-clock times of this backend, for
 *	  bench/columnar/decode.sh; they vary with the machine's load, and only
 *	  the row and chunk counts are exact.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  columnstore/src/columnar_decode_speed.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include "access/table.h"
#include "columnar.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "portability/instr_time.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

PG_FUNCTION_INFO_V1(ep_columnar_decode_speed);

#define MAX_ROUNDS	1000

/* Totals of one column and encoding. */
typedef struct SpeedTotals
{
	int64		chunks;
	int64		rows;
	double		load_ms;
	double		decode_ms;		/* all rounds */
	double		memcpy_ms;		/* all rounds */
} SpeedTotals;

/* Milliseconds since "start". */
static double
ElapsedMs(instr_time start)
{
	instr_time	now;

	INSTR_TIME_SET_CURRENT(now);
	INSTR_TIME_SUBTRACT(now, start);
	return INSTR_TIME_GET_MILLISEC(now);
}

/* What TimeChunk needs besides the chunk. */
typedef struct TimingState
{
	ColumnarChunkData data;		/* buffers reused from chunk to chunk */
	int			rounds;
	char	   *copy;			/* room for 9 bytes a row of copy_rows */
	int			copy_rows;
	MemoryContext context;
	SpeedTotals *totals;
} TimingState;

/*
 * Loads "chunk" of column "att" once, decodes it "rounds" times and copies
 * the decoded arrays "rounds" times, adding the times to the totals at
 * "index".
 */
static void
TimeChunk(Relation rel, Form_pg_attribute att, ColumnarChunk *chunk, int index, void *arg)
{
	TimingState *state = (TimingState *) arg;
	SpeedTotals *totals = &state->totals[index];
	ColumnarChunkData *data = &state->data;
	int			rows = chunk->row_count;
	instr_time	start;

	if (rows > state->copy_rows)
	{
		if (state->copy != NULL)
			pfree(state->copy);
		state->copy_rows = rows;
		state->copy = MemoryContextAlloc(state->context, (sizeof(Datum) + 1) * (Size) rows);
	}

	INSTR_TIME_SET_CURRENT(start);
	ColumnarLoadChunk(rel, att, chunk, data, true);
	totals->load_ms += ElapsedMs(start);

	INSTR_TIME_SET_CURRENT(start);
	for (int r = 0; r < state->rounds; r++)
		ColumnarDecodeLoadedChunk(rel, att, chunk, data);
	totals->decode_ms += ElapsedMs(start);

	INSTR_TIME_SET_CURRENT(start);
	for (int r = 0; r < state->rounds; r++)
	{
		memcpy(state->copy, data->values, sizeof(Datum) * rows);
		memcpy(state->copy + sizeof(Datum) * rows, data->nulls, rows);
	}
	totals->memcpy_ms += ElapsedMs(start);
	totals->chunks++;
	totals->rows += rows;
}

/* A row of columnar_decode_speed: chunks, rows, times (per round). */
static bool
FillSpeed(void *arg, int index, Datum *values)
{
	TimingState *timing = (TimingState *) arg;
	SpeedTotals *t = &timing->totals[index];

	if (t->chunks == 0)
		return false;
	values[0] = Int64GetDatum(t->chunks);
	values[1] = Int64GetDatum(t->rows);
	values[2] = Float8GetDatum(t->load_ms);
	values[3] = Float8GetDatum(t->decode_ms / timing->rounds);
	values[4] = Float8GetDatum(t->memcpy_ms / timing->rounds);
	return true;
}

/*
 * epiphany.columnar_decode_speed(rel regclass, rounds integer) -> setof
 * (attname, encoding, chunks, rows, load_ms, decode_ms, memcpy_ms), by
 * column number then encoding number, over the row groups the current
 * snapshot sees.  Needs SELECT on the table.
 */
Datum
ep_columnar_decode_speed(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	int32		rounds = PG_GETARG_INT32(1);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Relation	rel;
	int			natts;
	TimingState timing;

	if (rounds < 1 || rounds > MAX_ROUNDS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("rounds must be between 1 and %d", MAX_ROUNDS)));
	InitMaterializedSRF(fcinfo, 0);
	rel = ColumnarOpenTableToRead(relid);
	natts = RelationGetDescr(rel)->natts;
	memset(&timing, 0, sizeof(timing));
	timing.rounds = rounds;
	timing.totals = palloc0(sizeof(SpeedTotals) * COLUMNAR_ENCODING_COUNT * Max(natts, 1));
	timing.context = AllocSetContextCreate(CurrentMemoryContext, "columnar decode speed",
										   ALLOCSET_DEFAULT_SIZES);
	ColumnarInitChunkData(&timing.data, timing.context);
	ColumnarVisitChunks(rel, TimeChunk, &timing);
	MemoryContextDelete(timing.context);
	ColumnarPutEncodingRows(rel, rsinfo, 7, FillSpeed, &timing);
	table_close(rel, AccessShareLock);
	return (Datum) 0;
}
