/*-------------------------------------------------------------------------
 *
 * sparsevec.c
 *	  The sparsevec type: the non-zero elements of a vector of up to 10^9
 *	  dimensions.  Text and binary I/O, typmod, casts from and to arrays,
 *	  vector and halfvec, distances, the btree and hash support.
 *
 *	  Invariants (vectorstore.h): indices are 0-based on disk and in the
 *	  binary form, 1-based in text; they are strictly increasing; no stored
 *	  value is zero, NaN or infinite.  Text input sorts its pairs and drops
 *	  zeros; binary input, which pgvector's clients write sorted, must be
 *	  sorted and has its zeros dropped.  Every distance is a merge of the
 *	  two index lists, accumulated in double.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  vectorstore/src/sparsevec.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include <limits.h>
#include <math.h>

#include "common/hashfn.h"
#include "epiphany/distance.h"
#include "fmgr.h"
#include "libpq/pqformat.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "vectorstore.h"

#define TYPNAME "sparsevec"

/* One element of a literal, before sorting. */
typedef struct SparsePair
{
	int32		index;			/* 0-based */
	float4		value;
} SparsePair;

/*
 * EpInitSparsevec - a sparsevec of "dim" dimensions with room for "nnz"
 * pairs, zeroed, in the current memory context.  The caller has checked
 * both and fills the pairs in index order.
 */
EpSparsevec *
EpInitSparsevec(int dim, int nnz)
{
	Size		size = EP_SPARSEVEC_SIZE(nnz);
	EpSparsevec *result = (EpSparsevec *) palloc0(size);

	Assert(dim >= 1 && dim <= EP_SPARSEVEC_MAX_DIM);
	Assert(nnz >= 0 && nnz <= EP_SPARSEVEC_MAX_NNZ && nnz <= dim);
	SET_VARSIZE(result, size);
	result->dim = dim;
	result->nnz = nnz;
	return result;
}

/* Refuses more stored elements than a sparsevec may hold. */
static void
CheckNnz(int64 nnz)
{
	if (nnz > EP_SPARSEVEC_MAX_NNZ)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("sparsevec cannot have more than %d non-zero elements",
						EP_SPARSEVEC_MAX_NNZ)));
}

/*
 * Builds a sparsevec from the dense values of a "dim"-long vector, keeping
 * the non-zero ones.
 */
static EpSparsevec *
SparsevecFromDense(int dim, const float4 *values)
{
	EpSparsevec *result;
	float4	   *out;
	int			nnz = 0;
	int			k = 0;

	for (int i = 0; i < dim; i++)
		nnz += (values[i] != 0.0f);
	CheckNnz(nnz);
	result = EpInitSparsevec(dim, nnz);
	out = EP_SPARSEVEC_VALUES(result);
	for (int i = 0; i < dim; i++)
	{
		if (values[i] == 0.0f)
			continue;
		result->indices[k] = i;
		out[k++] = values[i];
	}
	return result;
}

/* ----------------------------------------------------------------
 *		I/O
 * ----------------------------------------------------------------
 */

PG_FUNCTION_INFO_V1(ep_sparsevec_in);
PG_FUNCTION_INFO_V1(ep_sparsevec_out);
PG_FUNCTION_INFO_V1(ep_sparsevec_typmod_in);
PG_FUNCTION_INFO_V1(ep_sparsevec_recv);
PG_FUNCTION_INFO_V1(ep_sparsevec_send);

/* Parses a decimal integer at *pos (after optional white space). */
static int64
ParseInteger(char **pos, const char *literal)
{
	char	   *end;
	long		value;

	errno = 0;
	value = strtol(*pos, &end, 10);
	if (end == *pos)
		EpInvalidLiteral(literal, TYPNAME);
	if (errno == ERANGE || value > INT_MAX || value < INT_MIN)
		value = value < 0 ? INT_MIN : (long) INT_MAX + 1;	/* out of any range */
	*pos = end;
	return (int64) value;
}

/* Orders pairs by index. */
static int
ComparePairs(const void *a, const void *b)
{
	int32		x = ((const SparsePair *) a)->index;
	int32		y = ((const SparsePair *) b)->index;

	return (x > y) - (x < y);
}

/*
 * Parses the "{i:v, ...}" part of a literal into pairs (1-based indices
 * converted to 0-based after the dimension is known).  Returns the count.
 */
static int
ParsePairs(char **pos, const char *literal, SparsePair *pairs, int64 *raw)
{
	int			n = 0;

	EpSkipSpace(pos);
	if (*(*pos)++ != '{')
		EpInvalidLiteral(literal, TYPNAME);
	EpSkipSpace(pos);
	if (**pos == '}')
	{
		(*pos)++;
		return 0;
	}
	for (;;)
	{
		raw[n] = ParseInteger(pos, literal);
		EpSkipSpace(pos);
		if (*(*pos)++ != ':')
			EpInvalidLiteral(literal, TYPNAME);
		pairs[n].value = EpParseFloat4(pos, literal, TYPNAME);
		n++;
		EpSkipSpace(pos);
		if (**pos == ',')
			(*pos)++;
		else if (**pos == '}')
			break;
		else
			EpInvalidLiteral(literal, TYPNAME);
	}
	(*pos)++;
	return n;
}

/*
 * Converts the parsed 1-based indices to 0-based ones within "dim", sorts
 * the pairs by index and refuses a repeated index.
 */
static void
ResolvePairs(SparsePair *pairs, const int64 *raw, int n, int64 dim)
{
	for (int i = 0; i < n; i++)
	{
		if (raw[i] < 1 || raw[i] > dim)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("sparsevec index %lld is out of range for %lld dimensions",
							(long long) raw[i], (long long) dim),
					 errdetail("Indices of the text form start at 1.")));
		pairs[i].index = (int32) (raw[i] - 1);
	}
	qsort(pairs, n, sizeof(SparsePair), ComparePairs);
	for (int i = 1; i < n; i++)
	{
		if (pairs[i].index == pairs[i - 1].index)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("sparsevec index %d appears more than once", pairs[i].index + 1)));
	}
}

/* Builds a sparsevec from sorted, distinct pairs, leaving out zeros. */
static EpSparsevec *
SparsevecFromPairs(int dim, const SparsePair *pairs, int n)
{
	EpSparsevec *result;
	float4	   *values;
	int			nnz = 0;

	for (int i = 0; i < n; i++)
		nnz += (pairs[i].value != 0.0f);
	result = EpInitSparsevec(dim, nnz);
	values = EP_SPARSEVEC_VALUES(result);
	nnz = 0;
	for (int i = 0; i < n; i++)
	{
		if (pairs[i].value == 0.0f)
			continue;
		result->indices[nnz] = pairs[i].index;
		values[nnz++] = pairs[i].value;
	}
	return result;
}

/*
 * sparsevec_in(cstring, oid, integer): parses "{1:1.5,3:2}/5".  Indices
 * are 1-based and may come in any order; a repeated index is an error;
 * zero values are dropped.  A literal lists at most EP_SPARSEVEC_MAX_NNZ
 * pairs, zeros included, so that its size is bounded before parsing.
 */
Datum
ep_sparsevec_in(PG_FUNCTION_ARGS)
{
	char	   *literal = PG_GETARG_CSTRING(0);
	int32		typmod = PG_GETARG_INT32(2);
	char	   *pos = literal;
	int64		capacity = 1;
	SparsePair *pairs;
	int64	   *raw;
	int			n;
	int64		dim;

	for (const char *p = literal; *p; p++)
		capacity += (*p == ',');
	CheckNnz(capacity);
	pairs = palloc(sizeof(SparsePair) * capacity);
	raw = palloc(sizeof(int64) * capacity);

	n = ParsePairs(&pos, literal, pairs, raw);
	EpSkipSpace(&pos);
	if (*pos++ != '/')
		EpInvalidLiteral(literal, TYPNAME);
	EpSkipSpace(&pos);
	dim = ParseInteger(&pos, literal);
	EpSkipSpace(&pos);
	if (*pos != '\0')
		EpInvalidLiteral(literal, TYPNAME);

	EpCheckDim(dim < 0 ? 0 : (dim > INT_MAX ? INT_MAX : (int) dim),
			   EP_SPARSEVEC_MAX_DIM, TYPNAME);
	EpCheckTypmod((int) dim, typmod);
	ResolvePairs(pairs, raw, n, dim);
	PG_RETURN_POINTER(SparsevecFromPairs((int) dim, pairs, n));
}

/* sparsevec_out(sparsevec): "{1:1.5,3:2}/5", indices 1-based. */
Datum
ep_sparsevec_out(PG_FUNCTION_ARGS)
{
	EpSparsevec *v = PG_GETARG_EP_SPARSEVEC_P(0);
	float4	   *values = EP_SPARSEVEC_VALUES(v);
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');
	for (int i = 0; i < v->nnz; i++)
	{
		if (i > 0)
			appendStringInfoChar(&buf, ',');
		appendStringInfo(&buf, "%d:", v->indices[i] + 1);
		EpAppendFloat4(&buf, values[i]);
	}
	appendStringInfo(&buf, "}/%d", v->dim);
	PG_RETURN_CSTRING(buf.data);
}

/* sparsevec_typmod_in(cstring[]): the n of sparsevec(n). */
Datum
ep_sparsevec_typmod_in(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(EpTypmodIn(PG_GETARG_ARRAYTYPE_P(0), EP_SPARSEVEC_MAX_DIM, TYPNAME));
}

/* Raises the error for malformed binary sparsevec input. */
static void
InvalidBinary(const char *detail_fmt, int64 a, int64 b)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("invalid binary sparsevec"),
			 errdetail_internal(detail_fmt, (long long) a, (long long) b)));
}

/*
 * sparsevec_recv(internal, oid, integer): int32 dim, int32 nnz, int32 0,
 * nnz int32 0-based indices, nnz float4 values.  Everything is checked:
 * the header, index range and strict order, NaN and infinity; zero values
 * are dropped to keep the invariant.
 */
Datum
ep_sparsevec_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int32		typmod = PG_GETARG_INT32(2);
	int32		dim;
	int32		nnz;
	int32		unused;
	EpSparsevec *result;
	float4	   *values;
	int			kept = 0;

	dim = (int32) pq_getmsgint(buf, sizeof(int32));
	nnz = (int32) pq_getmsgint(buf, sizeof(int32));
	unused = (int32) pq_getmsgint(buf, sizeof(int32));
	EpCheckDim(dim, EP_SPARSEVEC_MAX_DIM, TYPNAME);
	EpCheckTypmod(dim, typmod);
	CheckNnz(nnz);
	if (nnz < 0 || nnz > dim)
		InvalidBinary("Element count %lld is outside 0..%lld, the dimension count.", nnz, dim);
	if (unused != 0)
		InvalidBinary("Its reserved field is %lld, not %lld.", unused, 0);

	result = EpInitSparsevec(dim, nnz);
	for (int i = 0; i < nnz; i++)
	{
		result->indices[i] = (int32) pq_getmsgint(buf, sizeof(int32));
		if (result->indices[i] < 0 || result->indices[i] >= dim)
			InvalidBinary("Index %lld is out of range for %lld dimensions.",
						  result->indices[i], dim);
		if (i > 0 && result->indices[i] <= result->indices[i - 1])
			InvalidBinary("Index %lld follows index %lld; indices must be strictly increasing.",
						  result->indices[i], result->indices[i - 1]);
	}
	values = EP_SPARSEVEC_VALUES(result);
	for (int i = 0; i < nnz; i++)
	{
		values[i] = pq_getmsgfloat4(buf);
		EpCheckFloat4(values[i], TYPNAME);
	}

	/* drop zeros: compact the pairs, then move the values after the indices */
	for (int i = 0; i < nnz; i++)
	{
		if (values[i] == 0.0f)
			continue;
		result->indices[kept] = result->indices[i];
		values[kept++] = values[i];
	}
	if (kept < nnz)
	{
		memmove(result->indices + kept, values, sizeof(float4) * kept);
		result->nnz = kept;
		SET_VARSIZE(result, EP_SPARSEVEC_SIZE(kept));
	}
	PG_RETURN_POINTER(result);
}

/* sparsevec_send(sparsevec): the format sparsevec_recv reads. */
Datum
ep_sparsevec_send(PG_FUNCTION_ARGS)
{
	EpSparsevec *v = PG_GETARG_EP_SPARSEVEC_P(0);
	float4	   *values = EP_SPARSEVEC_VALUES(v);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendint32(&buf, v->dim);
	pq_sendint32(&buf, v->nnz);
	pq_sendint32(&buf, 0);
	for (int i = 0; i < v->nnz; i++)
		pq_sendint32(&buf, v->indices[i]);
	for (int i = 0; i < v->nnz; i++)
		pq_sendfloat4(&buf, values[i]);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* ----------------------------------------------------------------
 *		Casts
 * ----------------------------------------------------------------
 */

PG_FUNCTION_INFO_V1(ep_sparsevec);
PG_FUNCTION_INFO_V1(ep_vector_to_sparsevec);
PG_FUNCTION_INFO_V1(ep_sparsevec_to_vector);
PG_FUNCTION_INFO_V1(ep_halfvec_to_sparsevec);
PG_FUNCTION_INFO_V1(ep_sparsevec_to_halfvec);
PG_FUNCTION_INFO_V1(ep_array_to_sparsevec);

/* sparsevec(sparsevec, integer, boolean): enforces sparsevec(n). */
Datum
ep_sparsevec(PG_FUNCTION_ARGS)
{
	EpSparsevec *v = PG_GETARG_EP_SPARSEVEC_P(0);

	EpCheckTypmod(v->dim, PG_GETARG_INT32(1));
	PG_RETURN_POINTER(v);
}

/* vector_to_sparsevec(vector, integer, boolean) */
Datum
ep_vector_to_sparsevec(PG_FUNCTION_ARGS)
{
	EpVector   *v = PG_GETARG_EP_VECTOR_P(0);

	EpCheckTypmod(v->dim, PG_GETARG_INT32(1));
	PG_RETURN_POINTER(SparsevecFromDense(v->dim, v->x));
}

/* halfvec_to_sparsevec(halfvec, integer, boolean) */
Datum
ep_halfvec_to_sparsevec(PG_FUNCTION_ARGS)
{
	EpHalfvec  *v = PG_GETARG_EP_HALFVEC_P(0);
	float4	   *values = palloc(sizeof(float4) * v->dim);

	EpCheckTypmod(v->dim, PG_GETARG_INT32(1));
	for (int i = 0; i < v->dim; i++)
		values[i] = EpHalfToFloat4(v->x[i]);
	PG_RETURN_POINTER(SparsevecFromDense(v->dim, values));
}

/* array_to_sparsevec(integer[] | real[] | double precision[] | numeric[], ...) */
Datum
ep_array_to_sparsevec(PG_FUNCTION_ARGS)
{
	ArrayType  *array = PG_GETARG_ARRAYTYPE_P(0);
	int32		typmod = PG_GETARG_INT32(1);
	double	   *doubles;
	float4	   *values;
	int			dim;

	doubles = EpArrayToFloat8(array, TYPNAME, EP_SPARSEVEC_MAX_DIM, &dim);
	EpCheckTypmod(dim, typmod);
	values = palloc(sizeof(float4) * dim);
	for (int i = 0; i < dim; i++)
		values[i] = EpFloat8ToFloat4(doubles[i], TYPNAME);
	PG_RETURN_POINTER(SparsevecFromDense(dim, values));
}

/* sparsevec_to_vector(sparsevec, integer, boolean) */
Datum
ep_sparsevec_to_vector(PG_FUNCTION_ARGS)
{
	EpSparsevec *v = PG_GETARG_EP_SPARSEVEC_P(0);
	float4	   *values = EP_SPARSEVEC_VALUES(v);
	EpVector   *result;

	EpCheckDim(v->dim, EP_VECTOR_MAX_DIM, "vector");
	EpCheckTypmod(v->dim, PG_GETARG_INT32(1));
	result = EpInitVector(v->dim);
	for (int i = 0; i < v->nnz; i++)
		result->x[v->indices[i]] = values[i];
	PG_RETURN_POINTER(result);
}

/* sparsevec_to_halfvec(sparsevec, integer, boolean): rounds to float16 */
Datum
ep_sparsevec_to_halfvec(PG_FUNCTION_ARGS)
{
	EpSparsevec *v = PG_GETARG_EP_SPARSEVEC_P(0);
	float4	   *values = EP_SPARSEVEC_VALUES(v);
	EpHalfvec  *result;

	EpCheckDim(v->dim, EP_HALFVEC_MAX_DIM, "halfvec");
	EpCheckTypmod(v->dim, PG_GETARG_INT32(1));
	result = EpInitHalfvec(v->dim);
	for (int i = 0; i < v->nnz; i++)
		result->x[v->indices[i]] = EpFloat8ToHalfChecked(values[i], "halfvec");
	PG_RETURN_POINTER(result);
}

/* ----------------------------------------------------------------
 *		Distances
 * ----------------------------------------------------------------
 */

PG_FUNCTION_INFO_V1(ep_sparsevec_l2_distance);
PG_FUNCTION_INFO_V1(ep_sparsevec_l2_squared_distance);
PG_FUNCTION_INFO_V1(ep_sparsevec_inner_product);
PG_FUNCTION_INFO_V1(ep_sparsevec_negative_inner_product);
PG_FUNCTION_INFO_V1(ep_sparsevec_cosine_distance);
PG_FUNCTION_INFO_V1(ep_sparsevec_l1_distance);
PG_FUNCTION_INFO_V1(ep_sparsevec_l2_norm);
PG_FUNCTION_INFO_V1(ep_sparsevec_l2_normalize);

/* The sums every sparse distance is made of, in one merge. */
typedef struct SparseSums
{
	double		ab;				/* sum of a[i] * b[i] */
	double		aa;				/* sum of a[i]^2 */
	double		bb;				/* sum of b[i]^2 */
	double		l2;				/* sum of (a[i] - b[i])^2 */
	double		l1;				/* sum of |a[i] - b[i]| */
} SparseSums;

/*
 * Merges the index lists of a and b (equal dims) and accumulates every
 * sum at once; an index missing from one side is a zero there.
 */
static SparseSums
MergeSums(const EpSparsevec *a, const EpSparsevec *b)
{
	const float4 *ax = EP_SPARSEVEC_VALUES(a);
	const float4 *bx = EP_SPARSEVEC_VALUES(b);
	SparseSums	s = {0, 0, 0, 0, 0};
	int			i = 0;
	int			j = 0;

	EpCheckSameDims(a->dim, b->dim, TYPNAME);
	while (i < a->nnz || j < b->nnz)
	{
		double		x = 0.0;
		double		y = 0.0;

		if (j >= b->nnz || (i < a->nnz && a->indices[i] < b->indices[j]))
			x = ax[i++];
		else if (i >= a->nnz || b->indices[j] < a->indices[i])
			y = bx[j++];
		else
		{
			x = ax[i++];
			y = bx[j++];
		}
		s.ab += x * y;
		s.aa += x * x;
		s.bb += y * y;
		s.l2 += (x - y) * (x - y);
		s.l1 += fabs(x - y);
	}
	return s;
}

#define MERGE_ARGS() \
	MergeSums(PG_GETARG_EP_SPARSEVEC_P(0), PG_GETARG_EP_SPARSEVEC_P(1))

/* l2_distance(sparsevec, sparsevec), operator <-> */
Datum
ep_sparsevec_l2_distance(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(sqrt(MERGE_ARGS().l2));
}

/* sparsevec_l2_squared_distance(sparsevec, sparsevec): for index support */
Datum
ep_sparsevec_l2_squared_distance(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(MERGE_ARGS().l2);
}

/* inner_product(sparsevec, sparsevec) */
Datum
ep_sparsevec_inner_product(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(MERGE_ARGS().ab);
}

/* sparsevec_negative_inner_product(sparsevec, sparsevec), operator <#> */
Datum
ep_sparsevec_negative_inner_product(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(-MERGE_ARGS().ab);
}

/* cosine_distance(sparsevec, sparsevec), operator <=> */
Datum
ep_sparsevec_cosine_distance(PG_FUNCTION_ARGS)
{
	SparseSums	s = MERGE_ARGS();

	PG_RETURN_FLOAT8(EpCosineFromParts(s.ab, s.aa, s.bb));
}

/* l1_distance(sparsevec, sparsevec), operator <+> */
Datum
ep_sparsevec_l1_distance(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(MERGE_ARGS().l1);
}

/* Euclidean norm, accumulated in double. */
static double
SparsevecNorm(const EpSparsevec *v)
{
	const float4 *values = EP_SPARSEVEC_VALUES(v);
	double		sum = 0.0;

	for (int i = 0; i < v->nnz; i++)
		sum += (double) values[i] * (double) values[i];
	return sqrt(sum);
}

/* l2_norm(sparsevec) */
Datum
ep_sparsevec_l2_norm(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(SparsevecNorm(PG_GETARG_EP_SPARSEVEC_P(0)));
}

/*
 * l2_normalize(sparsevec): v / |v|.  A value so small next to the norm
 * that it rounds to zero is dropped, to keep the no-zero invariant.
 */
Datum
ep_sparsevec_l2_normalize(PG_FUNCTION_ARGS)
{
	EpSparsevec *v = PG_GETARG_EP_SPARSEVEC_P(0);
	const float4 *values = EP_SPARSEVEC_VALUES(v);
	double		norm = SparsevecNorm(v);
	EpSparsevec *result;
	float4	   *out;
	int			k = 0;

	if (norm == 0.0)
		PG_RETURN_POINTER(v);
	result = EpInitSparsevec(v->dim, v->nnz);
	out = EP_SPARSEVEC_VALUES(result);
	for (int i = 0; i < v->nnz; i++)
	{
		float4		x = (float4) (values[i] / norm);

		if (x == 0.0f)
			continue;
		result->indices[k] = v->indices[i];
		out[k++] = x;
	}
	if (k < v->nnz)
	{
		memmove(result->indices + k, out, sizeof(float4) * k);
		result->nnz = k;
		SET_VARSIZE(result, EP_SPARSEVEC_SIZE(k));
	}
	PG_RETURN_POINTER(result);
}

/* ----------------------------------------------------------------
 *		Ordering and hashing
 * ----------------------------------------------------------------
 */

PG_FUNCTION_INFO_V1(ep_sparsevec_lt);
PG_FUNCTION_INFO_V1(ep_sparsevec_le);
PG_FUNCTION_INFO_V1(ep_sparsevec_eq);
PG_FUNCTION_INFO_V1(ep_sparsevec_ne);
PG_FUNCTION_INFO_V1(ep_sparsevec_ge);
PG_FUNCTION_INFO_V1(ep_sparsevec_gt);
PG_FUNCTION_INFO_V1(ep_sparsevec_cmp);
PG_FUNCTION_INFO_V1(ep_sparsevec_hash);

/*
 * The order of the dense vectors: element by element over the common
 * length, then the shorter first; the same order as vector's.  Walks the
 * two index lists and stops at the first position where they differ.
 */
static int
SparsevecCompare(const EpSparsevec *a, const EpSparsevec *b)
{
	const float4 *ax = EP_SPARSEVEC_VALUES(a);
	const float4 *bx = EP_SPARSEVEC_VALUES(b);
	int32		common = Min(a->dim, b->dim);
	int			i = 0;
	int			j = 0;

	for (;;)
	{
		int32		ai = i < a->nnz ? a->indices[i] : common;
		int32		bj = j < b->nnz ? b->indices[j] : common;
		float4		x = 0.0f;
		float4		y = 0.0f;

		if (Min(ai, bj) >= common)
			break;
		if (ai <= bj)
			x = ax[i++];
		if (bj <= ai)
			y = bx[j++];
		if (x != y)
			return x < y ? -1 : 1;
	}
	return (a->dim > b->dim) - (a->dim < b->dim);
}

#define SPARSEVEC_COMPARE_ARGS() \
	SparsevecCompare(PG_GETARG_EP_SPARSEVEC_P(0), PG_GETARG_EP_SPARSEVEC_P(1))

Datum
ep_sparsevec_lt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(SPARSEVEC_COMPARE_ARGS() < 0);
}

Datum
ep_sparsevec_le(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(SPARSEVEC_COMPARE_ARGS() <= 0);
}

Datum
ep_sparsevec_eq(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(SPARSEVEC_COMPARE_ARGS() == 0);
}

Datum
ep_sparsevec_ne(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(SPARSEVEC_COMPARE_ARGS() != 0);
}

Datum
ep_sparsevec_ge(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(SPARSEVEC_COMPARE_ARGS() >= 0);
}

Datum
ep_sparsevec_gt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(SPARSEVEC_COMPARE_ARGS() > 0);
}

Datum
ep_sparsevec_cmp(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(SPARSEVEC_COMPARE_ARGS());
}

/*
 * sparsevec_hash(sparsevec): equal values have equal dims and the same
 * pairs (no zeros are stored), so hashing the pairs is consistent.
 */
Datum
ep_sparsevec_hash(PG_FUNCTION_ARGS)
{
	EpSparsevec *v = PG_GETARG_EP_SPARSEVEC_P(0);
	const float4 *values = EP_SPARSEVEC_VALUES(v);
	uint32		hash = hash_bytes_uint32((uint32) v->dim);

	for (int i = 0; i < v->nnz; i++)
	{
		hash = hash_combine(hash, hash_bytes_uint32((uint32) v->indices[i]));
		hash = EpHashFloat4(values[i], hash);
	}
	PG_RETURN_UINT32(hash);
}
