/*-------------------------------------------------------------------------
 *
 * vector_aggregates.c
 *	  avg and sum over vector and halfvec, parallel-safe.
 *
 *	  The transition state is a float8[]: element 0 counts the rows, the
 *	  others hold the running sums in double, so long sums neither overflow
 *	  float4 early nor lose the small terms.  The initial state is {0}; the
 *	  first row replaces it by a state of dim + 1 elements.
 *
 *	  Memory: when called as an aggregate (AggCheckCallContext), the
 *	  transition and combine functions update their first state in place,
 *	  so a group allocates one state, not one per row.  Called directly
 *	  from SQL, they work on a copy.  A state is also checked before use,
 *	  since SQL can pass any float8[].
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  vectorstore/src/vector_aggregates.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include "catalog/pg_type.h"
#include "epiphany/distance.h"
#include "fmgr.h"
#include "utils/array.h"
#include "vectorstore.h"

/* Position of the row count in a state. */
#define STATE_COUNT 0

PG_FUNCTION_INFO_V1(ep_vector_accum);
PG_FUNCTION_INFO_V1(ep_halfvec_accum);
PG_FUNCTION_INFO_V1(ep_vector_combine);
PG_FUNCTION_INFO_V1(ep_vector_avg);
PG_FUNCTION_INFO_V1(ep_vector_sum);
PG_FUNCTION_INFO_V1(ep_halfvec_avg);
PG_FUNCTION_INFO_V1(ep_halfvec_sum);

/*
 * Checks a state and returns its number of dimensions (0 for the initial
 * state) and its elements.
 */
static int
StateDims(ArrayType *state, float8 **elems)
{
	int			n;

	if (ARR_NDIM(state) != 1 || ARR_ELEMTYPE(state) != FLOAT8OID || ARR_HASNULL(state))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("invalid vector aggregate state"),
				 errdetail("A state is a one-dimensional float8 array without nulls.")));
	n = ARR_DIMS(state)[0];
	*elems = (float8 *) ARR_DATA_PTR(state);
	if (n == 1 && (*elems)[STATE_COUNT] != 0.0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("invalid vector aggregate state"),
				 errdetail("A state of one element counts no rows.")));
	return n - 1;
}

/* A new state of "dim" dimensions, zeroed, in the current context. */
static ArrayType *
NewState(int dim)
{
	Datum	   *zeros = palloc(sizeof(Datum) * (dim + 1));

	for (int i = 0; i <= dim; i++)
		zeros[i] = Float8GetDatum(0.0);
	return construct_array(zeros, dim + 1, FLOAT8OID, sizeof(float8),
						   FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
}

/*
 * Returns the state to update for a row of "dim" dimensions: the first
 * argument itself inside an aggregate, a copy otherwise, a new state for
 * the first row.
 */
static ArrayType *
StateForUpdate(FunctionCallInfo fcinfo, int dim, const char *typname, float8 **elems)
{
	ArrayType  *state = PG_GETARG_ARRAYTYPE_P(0);
	int			sdim = StateDims(state, elems);

	if (sdim == 0)
		state = NewState(dim);
	else
	{
		EpCheckSameDims(sdim, dim, typname);
		if (!AggCheckCallContext(fcinfo, NULL))
			state = PG_GETARG_ARRAYTYPE_P_COPY(0);
	}
	*elems = (float8 *) ARR_DATA_PTR(state);
	return state;
}

/* vector_accum(float8[], vector): adds one row to the state */
Datum
ep_vector_accum(PG_FUNCTION_ARGS)
{
	EpVector   *v = PG_GETARG_EP_VECTOR_P(1);
	float8	   *elems;
	ArrayType  *state = StateForUpdate(fcinfo, v->dim, "vector", &elems);

	elems[STATE_COUNT] += 1.0;
	for (int i = 0; i < v->dim; i++)
		elems[i + 1] += (float8) v->x[i];
	PG_RETURN_ARRAYTYPE_P(state);
}

/* halfvec_accum(float8[], halfvec): adds one row to the state */
Datum
ep_halfvec_accum(PG_FUNCTION_ARGS)
{
	EpHalfvec  *v = PG_GETARG_EP_HALFVEC_P(1);
	float8	   *elems;
	ArrayType  *state = StateForUpdate(fcinfo, v->dim, "halfvec", &elems);

	elems[STATE_COUNT] += 1.0;
	for (int i = 0; i < v->dim; i++)
		elems[i + 1] += (float8) EpHalfToFloat4(v->x[i]);
	PG_RETURN_ARRAYTYPE_P(state);
}

/*
 * vector_combine(float8[], float8[]): merges two partial states (parallel
 * aggregation); serves vector and halfvec alike.
 */
Datum
ep_vector_combine(PG_FUNCTION_ARGS)
{
	ArrayType  *other = PG_GETARG_ARRAYTYPE_P(1);
	float8	   *otherElems;
	int			otherDim = StateDims(other, &otherElems);
	float8	   *elems;
	ArrayType  *state;

	if (otherDim == 0)
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	state = StateForUpdate(fcinfo, otherDim, "vector", &elems);
	for (int i = 0; i <= otherDim; i++)
		elems[i] += otherElems[i];
	PG_RETURN_ARRAYTYPE_P(state);
}

/*
 * Reads a final state: its dimensions (checked against the type's limit)
 * and elements; false when no row was aggregated.
 */
static bool
FinalState(FunctionCallInfo fcinfo, int maxdim, const char *typname, int *dim, float8 **elems)
{
	*dim = StateDims(PG_GETARG_ARRAYTYPE_P(0), elems);
	if (*dim == 0)
		return false;
	EpCheckDim(*dim, maxdim, typname);
	return true;
}

/* vector_avg(float8[]) -> vector: NULL over no rows */
Datum
ep_vector_avg(PG_FUNCTION_ARGS)
{
	float8	   *elems;
	int			dim;
	EpVector   *result;

	if (!FinalState(fcinfo, EP_VECTOR_MAX_DIM, "vector", &dim, &elems))
		PG_RETURN_NULL();
	result = EpInitVector(dim);
	for (int i = 0; i < dim; i++)
		result->x[i] = EpFloat8ToFloat4(elems[i + 1] / elems[STATE_COUNT], "vector");
	PG_RETURN_POINTER(result);
}

/* vector_sum(float8[]) -> vector: NULL over no rows; overflow is an error */
Datum
ep_vector_sum(PG_FUNCTION_ARGS)
{
	float8	   *elems;
	int			dim;
	EpVector   *result;

	if (!FinalState(fcinfo, EP_VECTOR_MAX_DIM, "vector", &dim, &elems))
		PG_RETURN_NULL();
	result = EpInitVector(dim);
	for (int i = 0; i < dim; i++)
		result->x[i] = EpFloat8ToFloat4(elems[i + 1], "vector");
	PG_RETURN_POINTER(result);
}

/* halfvec_avg(float8[]) -> halfvec: NULL over no rows */
Datum
ep_halfvec_avg(PG_FUNCTION_ARGS)
{
	float8	   *elems;
	int			dim;
	EpHalfvec  *result;

	if (!FinalState(fcinfo, EP_HALFVEC_MAX_DIM, "halfvec", &dim, &elems))
		PG_RETURN_NULL();
	result = EpInitHalfvec(dim);
	for (int i = 0; i < dim; i++)
		result->x[i] = EpFloat8ToHalfChecked(elems[i + 1] / elems[STATE_COUNT], "halfvec");
	PG_RETURN_POINTER(result);
}

/* halfvec_sum(float8[]) -> halfvec: NULL over no rows; overflow is an error */
Datum
ep_halfvec_sum(PG_FUNCTION_ARGS)
{
	float8	   *elems;
	int			dim;
	EpHalfvec  *result;

	if (!FinalState(fcinfo, EP_HALFVEC_MAX_DIM, "halfvec", &dim, &elems))
		PG_RETURN_NULL();
	result = EpInitHalfvec(dim);
	for (int i = 0; i < dim; i++)
		result->x[i] = EpFloat8ToHalfChecked(elems[i + 1], "halfvec");
	PG_RETURN_POINTER(result);
}
