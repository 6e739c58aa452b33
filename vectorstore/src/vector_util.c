/*-------------------------------------------------------------------------
 *
 * vector_util.c
 *	  What vector, halfvec and sparsevec share: the checks that keep the
 *	  invariants of vectorstore.h, literal parsing, array conversion, typmods
 *	  and the error messages users see.
 *
 *	  Every error a user can cause is raised here or from a function named
 *	  here, so the three types report the same condition with the same
 *	  errcode and wording; the type's SQL name is passed in.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  vectorstore/src/vector_util.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "common/shortest_dec.h"
#include "epiphany/distance.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/lsyscache.h"
#include "vectorstore.h"

/*
 * Raises the error for a stored value whose header does not match its size.
 */
static void
CorruptValue(const char *typname, int dim, Size size)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("corrupted %s value", typname),
			 errdetail("Its header gives %d dimensions in %zu bytes.", dim, size)));
}

/*
 * EpVectorFromDatum - detoast a vector and check its header against its
 * size, so that no kernel reads past the value.  O(1).
 */
EpVector *
EpVectorFromDatum(Datum d)
{
	EpVector   *v = (EpVector *) PG_DETOAST_DATUM(d);

	if (v->dim < 1 || v->dim > EP_VECTOR_MAX_DIM || VARSIZE(v) != EP_VECTOR_SIZE(v->dim))
		CorruptValue("vector", v->dim, VARSIZE(v));
	return v;
}

/* EpHalfvecFromDatum - as EpVectorFromDatum, for halfvec. */
EpHalfvec *
EpHalfvecFromDatum(Datum d)
{
	EpHalfvec  *v = (EpHalfvec *) PG_DETOAST_DATUM(d);

	if (v->dim < 1 || v->dim > EP_HALFVEC_MAX_DIM || VARSIZE(v) != EP_HALFVEC_SIZE(v->dim))
		CorruptValue("halfvec", v->dim, VARSIZE(v));
	return v;
}

/*
 * EpSparsevecFromDatum - as EpVectorFromDatum, for sparsevec.  The order of
 * the indices is checked where values are made, not on every read.
 */
EpSparsevec *
EpSparsevecFromDatum(Datum d)
{
	EpSparsevec *v = (EpSparsevec *) PG_DETOAST_DATUM(d);

	if (v->dim < 1 || v->dim > EP_SPARSEVEC_MAX_DIM ||
		v->nnz < 0 || v->nnz > EP_SPARSEVEC_MAX_NNZ || v->nnz > v->dim ||
		VARSIZE(v) != EP_SPARSEVEC_SIZE(v->nnz))
		CorruptValue("sparsevec", v->dim, VARSIZE(v));
	return v;
}

/* EpCheckDim - refuse a dimension count outside 1..maxdim. */
void
EpCheckDim(int dim, int maxdim, const char *typname)
{
	if (dim < 1)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("%s must have at least 1 dimension", typname)));
	if (dim > maxdim)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s cannot have more than %d dimensions", typname, maxdim)));
}

/* EpCheckSameDims - refuse two operands of different lengths. */
void
EpCheckSameDims(int a, int b, const char *typname)
{
	if (a != b)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("different %s dimensions %d and %d", typname, a, b)));
}

/* EpCheckTypmod - refuse a value whose length differs from its column's. */
void
EpCheckTypmod(int dim, int32 typmod)
{
	if (typmod != -1 && dim != typmod)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("expected %d dimensions, not %d", typmod, dim)));
}

/*
 * EpTypmodIn - the typmod of "type(n)": n itself, within 1..maxdim.
 */
int32
EpTypmodIn(ArrayType *typmods, int maxdim, const char *typname)
{
	int32	   *values;
	int			n;

	values = ArrayGetIntegerTypmods(typmods, &n);
	if (n != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid type modifier"),
				 errdetail("Type %s takes one modifier, its number of dimensions.", typname)));
	if (values[0] < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("dimensions for type %s must be at least 1", typname)));
	if (values[0] > maxdim)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("dimensions for type %s cannot exceed %d", typname, maxdim)));
	return values[0];
}

/* EpCheckFloat4 - refuse NaN and infinity as elements. */
void
EpCheckFloat4(float4 value, const char *typname)
{
	if (isnan(value))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("NaN not allowed in %s", typname)));
	if (isinf(value))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("infinite value not allowed in %s", typname)));
}

/* Raises the error for a finite result too large for the element type. */
static void
OverflowError(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("value out of range: overflow")));
}

/*
 * EpFloat8ToFloat4 - an element from a double: NaN and infinity are refused
 * as in any input, a finite value beyond float4's range is an overflow.
 */
float4
EpFloat8ToFloat4(double value, const char *typname)
{
	float4		result;

	if (isnan(value) || isinf(value))
		EpCheckFloat4((float4) value, typname);
	result = (float4) value;
	if (isinf(result))
		OverflowError();
	return result;
}

/*
 * EpFloat8ToHalfChecked - a float16 element from a double, rounded once;
 * a finite value that rounds beyond 65504 is an overflow.
 */
uint16
EpFloat8ToHalfChecked(double value, const char *typname)
{
	uint16		result;

	if (isnan(value) || isinf(value))
		EpCheckFloat4((float4) value, typname);
	result = EpFloat8ToHalf(value);
	if (!EpHalfIsFinite(result))
		OverflowError();
	return result;
}

/* EpInvalidLiteral - the error for a literal that does not parse. */
void
EpInvalidLiteral(const char *literal, const char *typname)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type %s: \"%s\"", typname, literal)));
}

/* Raises the error for a number in a literal that the type cannot hold. */
static void
OutOfRangeToken(const char *start, const char *end, const char *typname)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("\"%s\" is out of range for type %s",
					pnstrdup(start, end - start), typname)));
}

/* EpSkipSpace - advance *pos past white space. */
void
EpSkipSpace(char **pos)
{
	while (isspace((unsigned char) **pos))
		(*pos)++;
}

/*
 * EpParseFloat4 - parse one float4 element at *pos (after optional white
 * space) and advance *pos past it.  strtof rounds the decimal once.
 */
float4
EpParseFloat4(char **pos, const char *literal, const char *typname)
{
	char	   *start = *pos;
	char	   *end;
	float4		value;

	errno = 0;
	value = strtof(start, &end);
	if (end == start)
		EpInvalidLiteral(literal, typname);
	if (errno == ERANGE && (value == 0.0f || isinf(value)))
		OutOfRangeToken(start, end, typname);
	EpCheckFloat4(value, typname);
	*pos = end;
	return value;
}

/*
 * EpParseHalf - as EpParseFloat4 for a float16 element: the decimal is read
 * as a double (rounded once) and rounded once more, to float16.
 */
uint16
EpParseHalf(char **pos, const char *literal, const char *typname)
{
	char	   *start = *pos;
	char	   *end;
	double		value;
	uint16		result;

	errno = 0;
	value = strtod(start, &end);
	if (end == start)
		EpInvalidLiteral(literal, typname);
	if (errno == ERANGE && (value == 0.0 || isinf(value)))
		OutOfRangeToken(start, end, typname);
	if (isnan(value) || isinf(value))
		EpCheckFloat4((float4) value, typname);
	result = EpFloat8ToHalf(value);
	if (!EpHalfIsFinite(result))
		OutOfRangeToken(start, end, typname);
	*pos = end;
	return result;
}

/*
 * EpParseDenseLiteral - parse "[x1, x2, ...]" into a palloc'd array of
 * float4 (half = false) or float16 bit patterns (half = true), and set *dim.
 *
 * White space is allowed around every element and around the brackets.
 * The dimension limit is checked before anything is allocated.
 */
void *
EpParseDenseLiteral(const char *literal, const char *typname, int maxdim,
					bool half, int *dim)
{
	char	   *pos = (char *) literal;
	int			capacity = 1;
	int			n = 0;
	float4	   *floats = NULL;
	uint16	   *halves = NULL;

	for (const char *p = literal; *p; p++)
		capacity += (*p == ',');
	if (capacity > maxdim)
		EpCheckDim(capacity, maxdim, typname);
	if (half)
		halves = palloc(sizeof(uint16) * capacity);
	else
		floats = palloc(sizeof(float4) * capacity);

	EpSkipSpace(&pos);
	if (*pos++ != '[')
		EpInvalidLiteral(literal, typname);
	EpSkipSpace(&pos);
	if (*pos == ']')
		EpCheckDim(0, maxdim, typname);

	for (;;)
	{
		Assert(n < capacity);
		if (half)
			halves[n++] = EpParseHalf(&pos, literal, typname);
		else
			floats[n++] = EpParseFloat4(&pos, literal, typname);
		EpSkipSpace(&pos);
		if (*pos == ',')
			pos++;
		else if (*pos == ']')
			break;
		else
			EpInvalidLiteral(literal, typname);
	}
	pos++;
	EpSkipSpace(&pos);
	if (*pos != '\0')
		EpInvalidLiteral(literal, typname);

	*dim = n;
	return half ? (void *) halves : (void *) floats;
}

/* Reads one array element as a double, by element type. */
static double
ArrayElementToFloat8(Datum d, Oid elemtype)
{
	switch (elemtype)
	{
		case INT4OID:
			return (double) DatumGetInt32(d);
		case FLOAT4OID:
			return (double) DatumGetFloat4(d);
		case FLOAT8OID:
			return DatumGetFloat8(d);
		case NUMERICOID:
			return DatumGetFloat8(DirectFunctionCall1(numeric_float8, d));
		default:
			elog(ERROR, "unsupported array element type %u", elemtype);
	}
	return 0.0;					/* keep the compiler quiet */
}

/*
 * EpArrayToFloat8 - the elements of a one-dimensional integer, real,
 * double precision or numeric array without NULLs, as a palloc'd array of
 * doubles; *dim is set and checked against 1..maxdim.
 */
double *
EpArrayToFloat8(ArrayType *array, const char *typname, int maxdim, int *dim)
{
	Oid			elemtype = ARR_ELEMTYPE(array);
	int16		typlen;
	bool		typbyval;
	char		typalign;
	Datum	   *elems;
	int			nelems;
	double	   *result;

	if (ARR_NDIM(array) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("array must be 1-D")));
	if (array_contains_nulls(array))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("array must not contain nulls")));

	EpCheckDim(ArrayGetNItems(ARR_NDIM(array), ARR_DIMS(array)), maxdim, typname);
	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	deconstruct_array(array, elemtype, typlen, typbyval, typalign, &elems, NULL, &nelems);

	result = palloc(sizeof(double) * nelems);
	for (int i = 0; i < nelems; i++)
		result[i] = ArrayElementToFloat8(elems[i], elemtype);
	pfree(elems);
	*dim = nelems;
	return result;
}

/* EpAppendFloat4 - append the shortest text that reads back as "value". */
void
EpAppendFloat4(StringInfo buf, float4 value)
{
	char		text[FLOAT_SHORTEST_DECIMAL_LEN];
	int			len = float_to_shortest_decimal_bufn(value, text);

	appendBinaryStringInfo(buf, text, len);
}

/*
 * EpSubvectorRange - the 0-based first element and the length of
 * subvector(v, start, count), with SQL substring semantics: start is
 * 1-based and may lie before the vector, the range is clipped to it, and
 * an empty result is an error (a vector has at least one dimension).
 */
void
EpSubvectorRange(int dim, int32 start, int32 count, int *first, int *n,
				 const char *typname)
{
	int64		from = start;
	int64		to = (int64) start + count;	/* exclusive, 1-based */

	if (count < 1)
		EpCheckDim(0, dim, typname);
	if (from < 1)
		from = 1;
	if (to > (int64) dim + 1)
		to = (int64) dim + 1;
	if (to <= from)
		EpCheckDim(0, dim, typname);
	*first = (int) (from - 1);
	*n = (int) (to - from);
}

/*
 * EpHashFloat4 - fold one element into a hash.  -0 hashes as 0, since the
 * two compare equal.
 */
uint32
EpHashFloat4(float4 value, uint32 seed)
{
	uint32		bits;

	if (value == 0.0f)
		value = 0.0f;
	memcpy(&bits, &value, sizeof(bits));
	return hash_combine(seed, hash_bytes_uint32(bits));
}

/*
 * EpCosineFromParts - 1 - a.b / (|a| |b|), with the similarity clamped to
 * [-1, 1] against rounding.  NaN when either vector is zero, as pgvector.
 */
double
EpCosineFromParts(double ab, double aa, double bb)
{
	double		denom = sqrt(aa * bb);
	double		similarity;

	if (denom == 0.0)
		return get_float8_nan();
	similarity = ab / denom;
	if (similarity > 1.0)
		similarity = 1.0;
	else if (similarity < -1.0)
		similarity = -1.0;
	return 1.0 - similarity;
}
