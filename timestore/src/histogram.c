/*-------------------------------------------------------------------------
 *
 * histogram.c
 *	  The aggregate histogram(value, min, max, nbuckets): counts of values
 *	  in nbuckets equal-width buckets over [min, max), plus one slot for
 *	  values below min and one for values at or above max, as an integer[]
 *	  of nbuckets + 2 elements (TimescaleDB's layout and results).
 *
 *	  Invariants: a state exists once a row with no NULL argument was seen;
 *	  its slot count is fixed by that row, and every later row (and every
 *	  partial state combined into it) must have the same bucket count.
 *	  Slots are chosen by PostgreSQL's width_bucket(float8), so a value is
 *	  bucketed exactly as width_bucket(value, min, max, nbuckets) would.
 *	  Counts never wrap: an overflow is an error.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  timestore/src/histogram.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include "catalog/pg_type.h"
#include "common/int.h"
#include "fmgr.h"
#include "libpq/pqformat.h"
#include "port/pg_bswap.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/memutils.h"

/* Slots besides the nbuckets requested: below min, and at or above max. */
#define HISTOGRAM_EXTRA_SLOTS	2
/* Largest nbuckets: the slot count and the array must stay allocatable. */
#define HISTOGRAM_MAX_BUCKETS \
	((int32) ((MaxAllocSize - offsetof(HistogramState, hs_counts)) / sizeof(Datum)) \
	 - HISTOGRAM_EXTRA_SLOTS)

/* Transition state, allocated in the aggregate memory context. */
typedef struct HistogramState
{
	int32		hs_nslots;		/* nbuckets + HISTOGRAM_EXTRA_SLOTS */
	int32		hs_counts[FLEXIBLE_ARRAY_MEMBER];	/* one count per slot */
} HistogramState;

PG_FUNCTION_INFO_V1(ep_hist_sfunc);
PG_FUNCTION_INFO_V1(ep_hist_combinefunc);
PG_FUNCTION_INFO_V1(ep_hist_serializefunc);
PG_FUNCTION_INFO_V1(ep_hist_deserializefunc);
PG_FUNCTION_INFO_V1(ep_hist_finalfunc);

static MemoryContext
AggregateContext(FunctionCallInfo fcinfo)
{
	MemoryContext aggcontext;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		elog(ERROR, "histogram() support function called in non-aggregate context");
	return aggcontext;
}

/* A zeroed state of nslots slots in aggcontext. */
static HistogramState *
NewState(MemoryContext aggcontext, int32 nslots)
{
	HistogramState *state;

	state = MemoryContextAllocZero(aggcontext,
								   add_size(offsetof(HistogramState, hs_counts),
											mul_size(nslots, sizeof(int32))));
	state->hs_nslots = nslots;
	return state;
}

static void
CheckBucketCount(int32 nbuckets)
{
	if (nbuckets <= 0)
		ereport(ERROR,
				errcode(ERRCODE_INVALID_ARGUMENT_FOR_WIDTH_BUCKET_FUNCTION),
				errmsg("number of histogram buckets must be greater than zero"));
	if (nbuckets > HISTOGRAM_MAX_BUCKETS)
		ereport(ERROR,
				errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				errmsg("number of histogram buckets %d exceeds the maximum %d",
					   nbuckets, HISTOGRAM_MAX_BUCKETS));
}

static void
ReportBucketCountChanged(void)
{
	ereport(ERROR,
			errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			errmsg("number of histogram buckets must not change between rows"));
}

static void
AddCount(int32 *count, int32 n)
{
	if (pg_add_s32_overflow(*count, n, count))
		ereport(ERROR,
				errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				errmsg("histogram bucket count out of range"));
}

/*
 * hist_sfunc(state internal, value float8, min float8, max float8,
 *			  nbuckets int4)
 *
 * Counts value in its slot.  A row with any NULL argument is ignored, as a
 * strict aggregate would.  Errors: min > max (INVALID_PARAMETER_VALUE, as
 * in TimescaleDB); nbuckets <= 0 or too large; a bucket count that differs
 * from the first row's; and width_bucket's own errors (min = max, NaN or
 * infinite bounds).
 */
Datum
ep_hist_sfunc(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = AggregateContext(fcinfo);
	HistogramState *state = PG_ARGISNULL(0) ? NULL :
		(HistogramState *) PG_GETARG_POINTER(0);
	int32		nbuckets;
	int32		slot;

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3) || PG_ARGISNULL(4))
	{
		if (state == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(state);
	}

	if (PG_GETARG_FLOAT8(2) > PG_GETARG_FLOAT8(3))
		ereport(ERROR,
				errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				errmsg("histogram lower bound cannot exceed upper bound"));
	nbuckets = PG_GETARG_INT32(4);
	CheckBucketCount(nbuckets);

	if (state == NULL)
		state = NewState(aggcontext, nbuckets + HISTOGRAM_EXTRA_SLOTS);
	else if (state->hs_nslots != nbuckets + HISTOGRAM_EXTRA_SLOTS)
		ReportBucketCountChanged();

	slot = DatumGetInt32(DirectFunctionCall4(width_bucket_float8,
											 PG_GETARG_DATUM(1),
											 PG_GETARG_DATUM(2),
											 PG_GETARG_DATUM(3),
											 Int32GetDatum(nbuckets)));
	/*
	 * PostgreSQL 15's width_bucket computes max - min without guarding
	 * against overflow, and returns garbage for bounds such as +-1e308;
	 * report that as TimescaleDB does rather than count in a wrong slot.
	 */
	if (slot < 0 || slot >= state->hs_nslots)
		ereport(ERROR,
				errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				errmsg("histogram slot %d is out of range", slot),
				errdetail("The distance between the bounds %g and %g overflows double precision.",
						  PG_GETARG_FLOAT8(2), PG_GETARG_FLOAT8(3)),
				errhint("Use bounds closer together."));

	AddCount(&state->hs_counts[slot], 1);
	PG_RETURN_POINTER(state);
}

/*
 * hist_combinefunc(state1 internal, state2 internal)
 *
 * Adds state2's counts into state1 (changed in place; a copy of state2 when
 * state1 is NULL).  Both must have the same slot count.
 */
Datum
ep_hist_combinefunc(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = AggregateContext(fcinfo);
	HistogramState *state1 = PG_ARGISNULL(0) ? NULL :
		(HistogramState *) PG_GETARG_POINTER(0);
	HistogramState *state2 = PG_ARGISNULL(1) ? NULL :
		(HistogramState *) PG_GETARG_POINTER(1);

	if (state2 == NULL)
	{
		if (state1 == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(state1);
	}

	if (state1 == NULL)
		state1 = NewState(aggcontext, state2->hs_nslots);
	else if (state1->hs_nslots != state2->hs_nslots)
		ReportBucketCountChanged();

	for (int32 i = 0; i < state1->hs_nslots; i++)
		AddCount(&state1->hs_counts[i], state2->hs_counts[i]);
	PG_RETURN_POINTER(state1);
}

/*
 * hist_serializefunc(internal) returns bytea; STRICT.
 * Format: int32 slot count, then one int32 count per slot, network order.
 */
Datum
ep_hist_serializefunc(PG_FUNCTION_ARGS)
{
	HistogramState *state = (HistogramState *) PG_GETARG_POINTER(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendint32(&buf, state->hs_nslots);
	for (int32 i = 0; i < state->hs_nslots; i++)
		pq_sendint32(&buf, state->hs_counts[i]);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/*
 * hist_deserializefunc(bytea, internal) returns internal; STRICT.
 * Checks that the slot count is possible and matches the length.
 */
Datum
ep_hist_deserializefunc(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = AggregateContext(fcinfo);
	bytea	   *serialized = PG_GETARG_BYTEA_PP(0);
	const char *data = VARDATA_ANY(serialized);
	Size		len = VARSIZE_ANY_EXHDR(serialized);
	HistogramState *state;
	uint32		word;
	int32		nslots;

	if (len < sizeof(word))
		ereport(ERROR,
				errcode(ERRCODE_DATA_CORRUPTED),
				errmsg("invalid serialized state of histogram()"),
				errdetail_internal("The state is truncated."));
	memcpy(&word, data, sizeof(word));
	nslots = (int32) pg_ntoh32(word);
	if (nslots <= HISTOGRAM_EXTRA_SLOTS ||
		nslots > HISTOGRAM_MAX_BUCKETS + HISTOGRAM_EXTRA_SLOTS ||
		len != sizeof(word) * (Size) (nslots + 1))
		ereport(ERROR,
				errcode(ERRCODE_DATA_CORRUPTED),
				errmsg("invalid serialized state of histogram()"),
				errdetail_internal("The slot count %d does not match the length %zu.",
								   nslots, len));

	state = NewState(aggcontext, nslots);
	for (int32 i = 0; i < nslots; i++)
	{
		memcpy(&word, data + sizeof(word) * (i + 1), sizeof(word));
		state->hs_counts[i] = (int32) pg_ntoh32(word);
	}
	PG_RETURN_POINTER(state);
}

/*
 * hist_finalfunc(state internal, value float8, min float8, max float8,
 *				  nbuckets int4) returns int4[]
 *
 * The counts as a one-dimensional array starting at 1; NULL when no row
 * was counted.
 */
Datum
ep_hist_finalfunc(PG_FUNCTION_ARGS)
{
	HistogramState *state;
	Datum	   *elements;

	(void) AggregateContext(fcinfo);
	state = PG_ARGISNULL(0) ? NULL : (HistogramState *) PG_GETARG_POINTER(0);
	if (state == NULL)
		PG_RETURN_NULL();

	elements = palloc_array(Datum, state->hs_nslots);
	for (int32 i = 0; i < state->hs_nslots; i++)
		elements[i] = Int32GetDatum(state->hs_counts[i]);
	PG_RETURN_ARRAYTYPE_P(construct_array(elements, state->hs_nslots, INT4OID,
										  sizeof(int32), true, TYPALIGN_INT));
}
