/*-------------------------------------------------------------------------
 *
 * vector.c
 *	  The vector type (float4 elements): text and binary I/O, typmod,
 *	  casts from and to arrays, distances, element-wise arithmetic, the
 *	  btree and hash support, and the vector functions of pgvector's SQL.
 *
 *	  Values are made only by EpInitVector and filled with checked elements,
 *	  so every result keeps the invariants of vectorstore.h.  Distances go
 *	  through the kernels of simd.h and are returned as float8.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  vectorstore/src/vector.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "epiphany/simd.h"
#include "fmgr.h"
#include "libpq/pqformat.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/varbit.h"
#include "vectorstore.h"

#define TYPNAME "vector"

/*
 * EpInitVector - a zeroed vector of "dim" elements, in the current memory
 * context.  The caller has checked dim.
 */
EpVector *
EpInitVector(int dim)
{
	Size		size = EP_VECTOR_SIZE(dim);
	EpVector   *result = (EpVector *) palloc0(size);

	Assert(dim >= 1 && dim <= EP_VECTOR_MAX_DIM);
	SET_VARSIZE(result, size);
	result->dim = dim;
	return result;
}

/* ----------------------------------------------------------------
 *		I/O
 * ----------------------------------------------------------------
 */

PG_FUNCTION_INFO_V1(ep_vector_in);
PG_FUNCTION_INFO_V1(ep_vector_out);
PG_FUNCTION_INFO_V1(ep_vector_typmod_in);
PG_FUNCTION_INFO_V1(ep_vector_recv);
PG_FUNCTION_INFO_V1(ep_vector_send);

/* vector_in(cstring, oid, integer): parses "[1, 2.5, 3]". */
Datum
ep_vector_in(PG_FUNCTION_ARGS)
{
	char	   *literal = PG_GETARG_CSTRING(0);
	int32		typmod = PG_GETARG_INT32(2);
	float4	   *values;
	EpVector   *result;
	int			dim;

	values = EpParseDenseLiteral(literal, TYPNAME, EP_VECTOR_MAX_DIM, false, &dim);
	EpCheckTypmod(dim, typmod);
	result = EpInitVector(dim);
	memcpy(result->x, values, sizeof(float4) * dim);
	PG_RETURN_POINTER(result);
}

/* vector_out(vector): "[1,2.5,3]", each element in its shortest exact form. */
Datum
ep_vector_out(PG_FUNCTION_ARGS)
{
	EpVector   *v = PG_GETARG_EP_VECTOR_P(0);
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '[');
	for (int i = 0; i < v->dim; i++)
	{
		if (i > 0)
			appendStringInfoChar(&buf, ',');
		EpAppendFloat4(&buf, v->x[i]);
	}
	appendStringInfoChar(&buf, ']');
	PG_RETURN_CSTRING(buf.data);
}

/* vector_typmod_in(cstring[]): the n of vector(n). */
Datum
ep_vector_typmod_in(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(EpTypmodIn(PG_GETARG_ARRAYTYPE_P(0), EP_VECTOR_MAX_DIM, TYPNAME));
}

/*
 * vector_recv(internal, oid, integer): the binary form of vector_send,
 * checked as strictly as text input (dimensions, reserved field, NaN and
 * infinity); a short message fails in pq_getmsg*.
 */
Datum
ep_vector_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int32		typmod = PG_GETARG_INT32(2);
	int			dim;
	int			unused;
	EpVector   *result;

	dim = (int) pq_getmsgint(buf, sizeof(int16));
	unused = (int) pq_getmsgint(buf, sizeof(int16));
	EpCheckDim(dim, EP_VECTOR_MAX_DIM, TYPNAME);
	EpCheckTypmod(dim, typmod);
	if (unused != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary vector: reserved field is %d, not 0", unused)));
	result = EpInitVector(dim);
	for (int i = 0; i < dim; i++)
	{
		result->x[i] = pq_getmsgfloat4(buf);
		EpCheckFloat4(result->x[i], TYPNAME);
	}
	PG_RETURN_POINTER(result);
}

/*
 * vector_send(vector): int16 dim, int16 0, then dim float4 in network
 * order; the format pgvector's clients write with COPY BINARY.
 */
Datum
ep_vector_send(PG_FUNCTION_ARGS)
{
	EpVector   *v = PG_GETARG_EP_VECTOR_P(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendint16(&buf, v->dim);
	pq_sendint16(&buf, 0);
	for (int i = 0; i < v->dim; i++)
		pq_sendfloat4(&buf, v->x[i]);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* ----------------------------------------------------------------
 *		Casts
 * ----------------------------------------------------------------
 */

PG_FUNCTION_INFO_V1(ep_vector);
PG_FUNCTION_INFO_V1(ep_array_to_vector);
PG_FUNCTION_INFO_V1(ep_vector_to_float4);

/* vector(vector, integer, boolean): enforces the typmod of vector(n). */
Datum
ep_vector(PG_FUNCTION_ARGS)
{
	EpVector   *v = PG_GETARG_EP_VECTOR_P(0);

	EpCheckTypmod(v->dim, PG_GETARG_INT32(1));
	PG_RETURN_POINTER(v);
}

/* array_to_vector(integer[] | real[] | double precision[] | numeric[], ...) */
Datum
ep_array_to_vector(PG_FUNCTION_ARGS)
{
	ArrayType  *array = PG_GETARG_ARRAYTYPE_P(0);
	int32		typmod = PG_GETARG_INT32(1);
	double	   *values;
	EpVector   *result;
	int			dim;

	values = EpArrayToFloat8(array, TYPNAME, EP_VECTOR_MAX_DIM, &dim);
	EpCheckTypmod(dim, typmod);
	result = EpInitVector(dim);
	for (int i = 0; i < dim; i++)
		result->x[i] = EpFloat8ToFloat4(values[i], TYPNAME);
	PG_RETURN_POINTER(result);
}

/* vector_to_float4(vector, integer, boolean): the elements as real[]. */
Datum
ep_vector_to_float4(PG_FUNCTION_ARGS)
{
	EpVector   *v = PG_GETARG_EP_VECTOR_P(0);
	Datum	   *elems = palloc(sizeof(Datum) * v->dim);

	for (int i = 0; i < v->dim; i++)
		elems[i] = Float4GetDatum(v->x[i]);
	PG_RETURN_POINTER(construct_array(elems, v->dim, FLOAT4OID, sizeof(float4),
									  true, TYPALIGN_INT));
}

/* ----------------------------------------------------------------
 *		Distances
 * ----------------------------------------------------------------
 */

PG_FUNCTION_INFO_V1(ep_l2_distance);
PG_FUNCTION_INFO_V1(ep_vector_l2_squared_distance);
PG_FUNCTION_INFO_V1(ep_inner_product);
PG_FUNCTION_INFO_V1(ep_vector_negative_inner_product);
PG_FUNCTION_INFO_V1(ep_cosine_distance);
PG_FUNCTION_INFO_V1(ep_vector_spherical_distance);
PG_FUNCTION_INFO_V1(ep_l1_distance);

/* Fetches two vectors of equal length. */
#define GET_TWO_VECTORS(a, b) \
	do { \
		(a) = PG_GETARG_EP_VECTOR_P(0); \
		(b) = PG_GETARG_EP_VECTOR_P(1); \
		EpCheckSameDims((a)->dim, (b)->dim, TYPNAME); \
	} while (0)

/* l2_distance(vector, vector), operator <-> */
Datum
ep_l2_distance(PG_FUNCTION_ARGS)
{
	EpVector   *a;
	EpVector   *b;

	GET_TWO_VECTORS(a, b);
	PG_RETURN_FLOAT8(sqrt((double) EpDistance->l2_squared_f4(a->dim, a->x, b->x)));
}

/* vector_l2_squared_distance(vector, vector): for index support */
Datum
ep_vector_l2_squared_distance(PG_FUNCTION_ARGS)
{
	EpVector   *a;
	EpVector   *b;

	GET_TWO_VECTORS(a, b);
	PG_RETURN_FLOAT8((double) EpDistance->l2_squared_f4(a->dim, a->x, b->x));
}

/* inner_product(vector, vector) */
Datum
ep_inner_product(PG_FUNCTION_ARGS)
{
	EpVector   *a;
	EpVector   *b;

	GET_TWO_VECTORS(a, b);
	PG_RETURN_FLOAT8((double) EpDistance->inner_product_f4(a->dim, a->x, b->x));
}

/* vector_negative_inner_product(vector, vector), operator <#> */
Datum
ep_vector_negative_inner_product(PG_FUNCTION_ARGS)
{
	EpVector   *a;
	EpVector   *b;

	GET_TWO_VECTORS(a, b);
	PG_RETURN_FLOAT8(-(double) EpDistance->inner_product_f4(a->dim, a->x, b->x));
}

/* cosine_distance(vector, vector), operator <=> */
Datum
ep_cosine_distance(PG_FUNCTION_ARGS)
{
	EpVector   *a;
	EpVector   *b;
	EpCosineParts p;

	GET_TWO_VECTORS(a, b);
	p = EpDistance->cosine_parts_f4(a->dim, a->x, b->x);
	PG_RETURN_FLOAT8(EpCosineFromParts(p.ab, p.aa, p.bb));
}

/*
 * vector_spherical_distance(vector, vector): the angle between two unit
 * vectors over pi, in [0, 1]; for index support on normalized data.
 */
Datum
ep_vector_spherical_distance(PG_FUNCTION_ARGS)
{
	EpVector   *a;
	EpVector   *b;
	double		dot;

	GET_TWO_VECTORS(a, b);
	dot = (double) EpDistance->inner_product_f4(a->dim, a->x, b->x);
	if (dot > 1.0)
		dot = 1.0;
	else if (dot < -1.0)
		dot = -1.0;
	PG_RETURN_FLOAT8(acos(dot) / M_PI);
}

/* l1_distance(vector, vector), operator <+> */
Datum
ep_l1_distance(PG_FUNCTION_ARGS)
{
	EpVector   *a;
	EpVector   *b;

	GET_TWO_VECTORS(a, b);
	PG_RETURN_FLOAT8((double) EpDistance->l1_f4(a->dim, a->x, b->x));
}

/* ----------------------------------------------------------------
 *		Functions
 * ----------------------------------------------------------------
 */

PG_FUNCTION_INFO_V1(ep_vector_dims);
PG_FUNCTION_INFO_V1(ep_vector_norm);
PG_FUNCTION_INFO_V1(ep_l2_normalize);
PG_FUNCTION_INFO_V1(ep_binary_quantize);
PG_FUNCTION_INFO_V1(ep_subvector);

/* vector_dims(vector) */
Datum
ep_vector_dims(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(PG_GETARG_EP_VECTOR_P(0)->dim);
}

/* Euclidean norm, accumulated in double. */
static double
VectorNorm(const EpVector *v)
{
	double		sum = 0.0;

	for (int i = 0; i < v->dim; i++)
		sum += (double) v->x[i] * (double) v->x[i];
	return sqrt(sum);
}

/* vector_norm(vector) */
Datum
ep_vector_norm(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(VectorNorm(PG_GETARG_EP_VECTOR_P(0)));
}

/* l2_normalize(vector): v / |v|; the zero vector is returned as it is. */
Datum
ep_l2_normalize(PG_FUNCTION_ARGS)
{
	EpVector   *v = PG_GETARG_EP_VECTOR_P(0);
	EpVector   *result = EpInitVector(v->dim);
	double		norm = VectorNorm(v);

	for (int i = 0; i < v->dim; i++)
		result->x[i] = norm > 0.0 ? (float4) (v->x[i] / norm) : v->x[i];
	PG_RETURN_POINTER(result);
}

/*
 * binary_quantize(vector) -> bit(dim): bit i is set when element i is
 * positive.  Bits are stored most significant first, as bit strings are.
 */
Datum
ep_binary_quantize(PG_FUNCTION_ARGS)
{
	EpVector   *v = PG_GETARG_EP_VECTOR_P(0);
	VarBit	   *result = palloc0(VARBITTOTALLEN(v->dim));

	SET_VARSIZE(result, VARBITTOTALLEN(v->dim));
	VARBITLEN(result) = v->dim;
	for (int i = 0; i < v->dim; i++)
	{
		if (v->x[i] > 0.0f)
			VARBITS(result)[i / BITS_PER_BYTE] |= (bits8) (0x80 >> (i % BITS_PER_BYTE));
	}
	PG_RETURN_VARBIT_P(result);
}

/* subvector(vector, start integer, count integer), start 1-based */
Datum
ep_subvector(PG_FUNCTION_ARGS)
{
	EpVector   *v = PG_GETARG_EP_VECTOR_P(0);
	EpVector   *result;
	int			first;
	int			n;

	EpSubvectorRange(v->dim, PG_GETARG_INT32(1), PG_GETARG_INT32(2), &first, &n, TYPNAME);
	result = EpInitVector(n);
	memcpy(result->x, v->x + first, sizeof(float4) * n);
	PG_RETURN_POINTER(result);
}

/* ----------------------------------------------------------------
 *		Arithmetic
 * ----------------------------------------------------------------
 */

PG_FUNCTION_INFO_V1(ep_vector_add);
PG_FUNCTION_INFO_V1(ep_vector_sub);
PG_FUNCTION_INFO_V1(ep_vector_mul);
PG_FUNCTION_INFO_V1(ep_vector_concat);

typedef enum VectorArith
{
	VECTOR_ADD,
	VECTOR_SUB,
	VECTOR_MUL
} VectorArith;

/*
 * Element-wise a op b in float4.  A finite operand pair whose result is
 * infinite overflowed, which is an error rather than a stored infinity.
 */
static EpVector *
VectorArithmetic(const EpVector *a, const EpVector *b, VectorArith op)
{
	EpVector   *result;

	EpCheckSameDims(a->dim, b->dim, TYPNAME);
	result = EpInitVector(a->dim);
	for (int i = 0; i < a->dim; i++)
	{
		float4		r;

		if (op == VECTOR_ADD)
			r = a->x[i] + b->x[i];
		else if (op == VECTOR_SUB)
			r = a->x[i] - b->x[i];
		else
			r = a->x[i] * b->x[i];
		result->x[i] = r;
	}
	for (int i = 0; i < a->dim; i++)
	{
		if (isinf(result->x[i]))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("value out of range: overflow")));
	}
	return result;
}

/* vector_add(vector, vector), operator + */
Datum
ep_vector_add(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(VectorArithmetic(PG_GETARG_EP_VECTOR_P(0),
									   PG_GETARG_EP_VECTOR_P(1), VECTOR_ADD));
}

/* vector_sub(vector, vector), operator - */
Datum
ep_vector_sub(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(VectorArithmetic(PG_GETARG_EP_VECTOR_P(0),
									   PG_GETARG_EP_VECTOR_P(1), VECTOR_SUB));
}

/* vector_mul(vector, vector), operator * */
Datum
ep_vector_mul(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(VectorArithmetic(PG_GETARG_EP_VECTOR_P(0),
									   PG_GETARG_EP_VECTOR_P(1), VECTOR_MUL));
}

/* vector_concat(vector, vector), operator || */
Datum
ep_vector_concat(PG_FUNCTION_ARGS)
{
	EpVector   *a = PG_GETARG_EP_VECTOR_P(0);
	EpVector   *b = PG_GETARG_EP_VECTOR_P(1);
	EpVector   *result;

	EpCheckDim(a->dim + b->dim, EP_VECTOR_MAX_DIM, TYPNAME);
	result = EpInitVector(a->dim + b->dim);
	memcpy(result->x, a->x, sizeof(float4) * a->dim);
	memcpy(result->x + a->dim, b->x, sizeof(float4) * b->dim);
	PG_RETURN_POINTER(result);
}

/* ----------------------------------------------------------------
 *		Ordering and hashing
 * ----------------------------------------------------------------
 */

PG_FUNCTION_INFO_V1(ep_vector_lt);
PG_FUNCTION_INFO_V1(ep_vector_le);
PG_FUNCTION_INFO_V1(ep_vector_eq);
PG_FUNCTION_INFO_V1(ep_vector_ne);
PG_FUNCTION_INFO_V1(ep_vector_ge);
PG_FUNCTION_INFO_V1(ep_vector_gt);
PG_FUNCTION_INFO_V1(ep_vector_cmp);
PG_FUNCTION_INFO_V1(ep_vector_hash);

/*
 * The btree order: element by element over the common length, then the
 * shorter vector first.  Elements are never NaN, so the order is total;
 * -0 equals 0.
 */
static int
VectorCompare(const EpVector *a, const EpVector *b)
{
	int			n = Min(a->dim, b->dim);

	for (int i = 0; i < n; i++)
	{
		if (a->x[i] < b->x[i])
			return -1;
		if (a->x[i] > b->x[i])
			return 1;
	}
	return (a->dim > b->dim) - (a->dim < b->dim);
}

#define VECTOR_COMPARE_ARGS() \
	VectorCompare(PG_GETARG_EP_VECTOR_P(0), PG_GETARG_EP_VECTOR_P(1))

Datum
ep_vector_lt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(VECTOR_COMPARE_ARGS() < 0);
}

Datum
ep_vector_le(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(VECTOR_COMPARE_ARGS() <= 0);
}

Datum
ep_vector_eq(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(VECTOR_COMPARE_ARGS() == 0);
}

Datum
ep_vector_ne(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(VECTOR_COMPARE_ARGS() != 0);
}

Datum
ep_vector_ge(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(VECTOR_COMPARE_ARGS() >= 0);
}

Datum
ep_vector_gt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(VECTOR_COMPARE_ARGS() > 0);
}

Datum
ep_vector_cmp(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(VECTOR_COMPARE_ARGS());
}

/* vector_hash(vector): equal vectors (-0 = 0 included) hash alike. */
Datum
ep_vector_hash(PG_FUNCTION_ARGS)
{
	EpVector   *v = PG_GETARG_EP_VECTOR_P(0);
	uint32		hash = hash_bytes_uint32((uint32) v->dim);

	for (int i = 0; i < v->dim; i++)
		hash = EpHashFloat4(v->x[i], hash);
	PG_RETURN_UINT32(hash);
}
