/*-------------------------------------------------------------------------
 *
 * halfvec.c
 *	  The halfvec type (IEEE 754 binary16 elements): text and binary I/O,
 *	  typmod, casts from and to arrays and vector, distances, element-wise
 *	  arithmetic, the btree and hash support, and pgvector's functions.
 *
 *	  Elements are float16 bit patterns (uint16), converted in portable C
 *	  (distance.h); no float16 C type or F16C instruction is needed outside
 *	  the dispatched kernels.  Results are computed in double, where the
 *	  sum, difference and product of two float16 values are exact, and
 *	  rounded once to float16; a result beyond 65504 is an overflow error.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  vectorstore/src/halfvec.c
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
#include "utils/varbit.h"
#include "vectorstore.h"

#define TYPNAME "halfvec"

/* The element as a double (exact). */
#define HALF_TO_DOUBLE(h) ((double) EpHalfToFloat4(h))

/*
 * EpInitHalfvec - a zeroed halfvec of "dim" elements, in the current memory
 * context.  The caller has checked dim.
 */
EpHalfvec *
EpInitHalfvec(int dim)
{
	Size		size = EP_HALFVEC_SIZE(dim);
	EpHalfvec  *result = (EpHalfvec *) palloc0(size);

	Assert(dim >= 1 && dim <= EP_HALFVEC_MAX_DIM);
	SET_VARSIZE(result, size);
	result->dim = dim;
	return result;
}

/* ----------------------------------------------------------------
 *		I/O
 * ----------------------------------------------------------------
 */

PG_FUNCTION_INFO_V1(ep_halfvec_in);
PG_FUNCTION_INFO_V1(ep_halfvec_out);
PG_FUNCTION_INFO_V1(ep_halfvec_typmod_in);
PG_FUNCTION_INFO_V1(ep_halfvec_recv);
PG_FUNCTION_INFO_V1(ep_halfvec_send);

/* halfvec_in(cstring, oid, integer): parses "[1, 2.5, 3]". */
Datum
ep_halfvec_in(PG_FUNCTION_ARGS)
{
	char	   *literal = PG_GETARG_CSTRING(0);
	int32		typmod = PG_GETARG_INT32(2);
	uint16	   *values;
	EpHalfvec  *result;
	int			dim;

	values = EpParseDenseLiteral(literal, TYPNAME, EP_HALFVEC_MAX_DIM, true, &dim);
	EpCheckTypmod(dim, typmod);
	result = EpInitHalfvec(dim);
	memcpy(result->x, values, sizeof(uint16) * dim);
	PG_RETURN_POINTER(result);
}

/*
 * halfvec_out(halfvec): each element as the shortest decimal that reads
 * back as the same float4, hence as the same float16.
 */
Datum
ep_halfvec_out(PG_FUNCTION_ARGS)
{
	EpHalfvec  *v = PG_GETARG_EP_HALFVEC_P(0);
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '[');
	for (int i = 0; i < v->dim; i++)
	{
		if (i > 0)
			appendStringInfoChar(&buf, ',');
		EpAppendFloat4(&buf, EpHalfToFloat4(v->x[i]));
	}
	appendStringInfoChar(&buf, ']');
	PG_RETURN_CSTRING(buf.data);
}

/* halfvec_typmod_in(cstring[]): the n of halfvec(n). */
Datum
ep_halfvec_typmod_in(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(EpTypmodIn(PG_GETARG_ARRAYTYPE_P(0), EP_HALFVEC_MAX_DIM, TYPNAME));
}

/* halfvec_recv(internal, oid, integer): checked like halfvec_in. */
Datum
ep_halfvec_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int32		typmod = PG_GETARG_INT32(2);
	int			dim;
	int			unused;
	EpHalfvec  *result;

	dim = (int) pq_getmsgint(buf, sizeof(int16));
	unused = (int) pq_getmsgint(buf, sizeof(int16));
	EpCheckDim(dim, EP_HALFVEC_MAX_DIM, TYPNAME);
	EpCheckTypmod(dim, typmod);
	if (unused != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary halfvec: reserved field is %d, not 0", unused)));
	result = EpInitHalfvec(dim);
	for (int i = 0; i < dim; i++)
	{
		result->x[i] = (uint16) pq_getmsgint(buf, sizeof(uint16));
		EpCheckFloat4(EpHalfToFloat4(result->x[i]), TYPNAME);
	}
	PG_RETURN_POINTER(result);
}

/*
 * halfvec_send(halfvec): int16 dim, int16 0, then dim float16 bit
 * patterns in network order, as pgvector's clients expect.
 */
Datum
ep_halfvec_send(PG_FUNCTION_ARGS)
{
	EpHalfvec  *v = PG_GETARG_EP_HALFVEC_P(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendint16(&buf, v->dim);
	pq_sendint16(&buf, 0);
	for (int i = 0; i < v->dim; i++)
		pq_sendint16(&buf, v->x[i]);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* ----------------------------------------------------------------
 *		Casts
 * ----------------------------------------------------------------
 */

PG_FUNCTION_INFO_V1(ep_halfvec);
PG_FUNCTION_INFO_V1(ep_array_to_halfvec);
PG_FUNCTION_INFO_V1(ep_halfvec_to_float4);
PG_FUNCTION_INFO_V1(ep_halfvec_to_vector);
PG_FUNCTION_INFO_V1(ep_vector_to_halfvec);

/* halfvec(halfvec, integer, boolean): enforces the typmod of halfvec(n). */
Datum
ep_halfvec(PG_FUNCTION_ARGS)
{
	EpHalfvec  *v = PG_GETARG_EP_HALFVEC_P(0);

	EpCheckTypmod(v->dim, PG_GETARG_INT32(1));
	PG_RETURN_POINTER(v);
}

/* array_to_halfvec(integer[] | real[] | double precision[] | numeric[], ...) */
Datum
ep_array_to_halfvec(PG_FUNCTION_ARGS)
{
	ArrayType  *array = PG_GETARG_ARRAYTYPE_P(0);
	int32		typmod = PG_GETARG_INT32(1);
	double	   *values;
	EpHalfvec  *result;
	int			dim;

	values = EpArrayToFloat8(array, TYPNAME, EP_HALFVEC_MAX_DIM, &dim);
	EpCheckTypmod(dim, typmod);
	result = EpInitHalfvec(dim);
	for (int i = 0; i < dim; i++)
		result->x[i] = EpFloat8ToHalfChecked(values[i], TYPNAME);
	PG_RETURN_POINTER(result);
}

/* halfvec_to_float4(halfvec, integer, boolean): the elements as real[]. */
Datum
ep_halfvec_to_float4(PG_FUNCTION_ARGS)
{
	EpHalfvec  *v = PG_GETARG_EP_HALFVEC_P(0);
	Datum	   *elems = palloc(sizeof(Datum) * v->dim);

	for (int i = 0; i < v->dim; i++)
		elems[i] = Float4GetDatum(EpHalfToFloat4(v->x[i]));
	PG_RETURN_POINTER(construct_array(elems, v->dim, FLOAT4OID, sizeof(float4),
									  true, TYPALIGN_INT));
}

/* halfvec_to_vector(halfvec, integer, boolean): exact. */
Datum
ep_halfvec_to_vector(PG_FUNCTION_ARGS)
{
	EpHalfvec  *v = PG_GETARG_EP_HALFVEC_P(0);
	EpVector   *result;

	EpCheckTypmod(v->dim, PG_GETARG_INT32(1));
	result = EpInitVector(v->dim);
	for (int i = 0; i < v->dim; i++)
		result->x[i] = EpHalfToFloat4(v->x[i]);
	PG_RETURN_POINTER(result);
}

/*
 * vector_to_halfvec(vector, integer, boolean): rounds each element to the
 * nearest float16; an element beyond 65504 is an overflow error.
 */
Datum
ep_vector_to_halfvec(PG_FUNCTION_ARGS)
{
	EpVector   *v = PG_GETARG_EP_VECTOR_P(0);
	EpHalfvec  *result;

	EpCheckDim(v->dim, EP_HALFVEC_MAX_DIM, TYPNAME);
	EpCheckTypmod(v->dim, PG_GETARG_INT32(1));
	result = EpInitHalfvec(v->dim);
	for (int i = 0; i < v->dim; i++)
		result->x[i] = EpFloat8ToHalfChecked(v->x[i], TYPNAME);
	PG_RETURN_POINTER(result);
}

/* ----------------------------------------------------------------
 *		Distances
 * ----------------------------------------------------------------
 */

PG_FUNCTION_INFO_V1(ep_halfvec_l2_distance);
PG_FUNCTION_INFO_V1(ep_halfvec_l2_squared_distance);
PG_FUNCTION_INFO_V1(ep_halfvec_inner_product);
PG_FUNCTION_INFO_V1(ep_halfvec_negative_inner_product);
PG_FUNCTION_INFO_V1(ep_halfvec_cosine_distance);
PG_FUNCTION_INFO_V1(ep_halfvec_spherical_distance);
PG_FUNCTION_INFO_V1(ep_halfvec_l1_distance);

/* Fetches two halfvecs of equal length. */
#define GET_TWO_HALFVECS(a, b) \
	do { \
		(a) = PG_GETARG_EP_HALFVEC_P(0); \
		(b) = PG_GETARG_EP_HALFVEC_P(1); \
		EpCheckSameDims((a)->dim, (b)->dim, TYPNAME); \
	} while (0)

/* l2_distance(halfvec, halfvec), operator <-> */
Datum
ep_halfvec_l2_distance(PG_FUNCTION_ARGS)
{
	EpHalfvec  *a;
	EpHalfvec  *b;

	GET_TWO_HALFVECS(a, b);
	PG_RETURN_FLOAT8(sqrt((double) EpDistance->l2_squared_f16(a->dim, a->x, b->x)));
}

/* halfvec_l2_squared_distance(halfvec, halfvec): for index support */
Datum
ep_halfvec_l2_squared_distance(PG_FUNCTION_ARGS)
{
	EpHalfvec  *a;
	EpHalfvec  *b;

	GET_TWO_HALFVECS(a, b);
	PG_RETURN_FLOAT8((double) EpDistance->l2_squared_f16(a->dim, a->x, b->x));
}

/* inner_product(halfvec, halfvec) */
Datum
ep_halfvec_inner_product(PG_FUNCTION_ARGS)
{
	EpHalfvec  *a;
	EpHalfvec  *b;

	GET_TWO_HALFVECS(a, b);
	PG_RETURN_FLOAT8((double) EpDistance->inner_product_f16(a->dim, a->x, b->x));
}

/* halfvec_negative_inner_product(halfvec, halfvec), operator <#> */
Datum
ep_halfvec_negative_inner_product(PG_FUNCTION_ARGS)
{
	EpHalfvec  *a;
	EpHalfvec  *b;

	GET_TWO_HALFVECS(a, b);
	PG_RETURN_FLOAT8(-(double) EpDistance->inner_product_f16(a->dim, a->x, b->x));
}

/* cosine_distance(halfvec, halfvec), operator <=> */
Datum
ep_halfvec_cosine_distance(PG_FUNCTION_ARGS)
{
	EpHalfvec  *a;
	EpHalfvec  *b;
	EpCosineParts p;

	GET_TWO_HALFVECS(a, b);
	p = EpDistance->cosine_parts_f16(a->dim, a->x, b->x);
	PG_RETURN_FLOAT8(EpCosineFromParts(p.ab, p.aa, p.bb));
}

/* halfvec_spherical_distance(halfvec, halfvec): angle over pi, unit input */
Datum
ep_halfvec_spherical_distance(PG_FUNCTION_ARGS)
{
	EpHalfvec  *a;
	EpHalfvec  *b;
	double		dot;

	GET_TWO_HALFVECS(a, b);
	dot = (double) EpDistance->inner_product_f16(a->dim, a->x, b->x);
	if (dot > 1.0)
		dot = 1.0;
	else if (dot < -1.0)
		dot = -1.0;
	PG_RETURN_FLOAT8(acos(dot) / M_PI);
}

/* l1_distance(halfvec, halfvec), operator <+> */
Datum
ep_halfvec_l1_distance(PG_FUNCTION_ARGS)
{
	EpHalfvec  *a;
	EpHalfvec  *b;

	GET_TWO_HALFVECS(a, b);
	PG_RETURN_FLOAT8((double) EpDistance->l1_f16(a->dim, a->x, b->x));
}

/* ----------------------------------------------------------------
 *		Functions
 * ----------------------------------------------------------------
 */

PG_FUNCTION_INFO_V1(ep_halfvec_vector_dims);
PG_FUNCTION_INFO_V1(ep_halfvec_l2_norm);
PG_FUNCTION_INFO_V1(ep_halfvec_l2_normalize);
PG_FUNCTION_INFO_V1(ep_halfvec_binary_quantize);
PG_FUNCTION_INFO_V1(ep_halfvec_subvector);

/* vector_dims(halfvec) */
Datum
ep_halfvec_vector_dims(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(PG_GETARG_EP_HALFVEC_P(0)->dim);
}

/* Euclidean norm, accumulated in double. */
static double
HalfvecNorm(const EpHalfvec *v)
{
	double		sum = 0.0;

	for (int i = 0; i < v->dim; i++)
		sum += HALF_TO_DOUBLE(v->x[i]) * HALF_TO_DOUBLE(v->x[i]);
	return sqrt(sum);
}

/* l2_norm(halfvec) */
Datum
ep_halfvec_l2_norm(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(HalfvecNorm(PG_GETARG_EP_HALFVEC_P(0)));
}

/* l2_normalize(halfvec): v / |v| rounded to float16; zero stays zero. */
Datum
ep_halfvec_l2_normalize(PG_FUNCTION_ARGS)
{
	EpHalfvec  *v = PG_GETARG_EP_HALFVEC_P(0);
	EpHalfvec  *result = EpInitHalfvec(v->dim);
	double		norm = HalfvecNorm(v);

	for (int i = 0; i < v->dim; i++)
		result->x[i] = norm > 0.0 ? EpFloat8ToHalf(HALF_TO_DOUBLE(v->x[i]) / norm) : v->x[i];
	PG_RETURN_POINTER(result);
}

/* binary_quantize(halfvec) -> bit(dim): bit i set when element i > 0. */
Datum
ep_halfvec_binary_quantize(PG_FUNCTION_ARGS)
{
	EpHalfvec  *v = PG_GETARG_EP_HALFVEC_P(0);
	VarBit	   *result = palloc0(VARBITTOTALLEN(v->dim));

	SET_VARSIZE(result, VARBITTOTALLEN(v->dim));
	VARBITLEN(result) = v->dim;
	for (int i = 0; i < v->dim; i++)
	{
		if (EpHalfToFloat4(v->x[i]) > 0.0f)
			VARBITS(result)[i / BITS_PER_BYTE] |= (bits8) (0x80 >> (i % BITS_PER_BYTE));
	}
	PG_RETURN_VARBIT_P(result);
}

/* subvector(halfvec, start integer, count integer), start 1-based */
Datum
ep_halfvec_subvector(PG_FUNCTION_ARGS)
{
	EpHalfvec  *v = PG_GETARG_EP_HALFVEC_P(0);
	EpHalfvec  *result;
	int			first;
	int			n;

	EpSubvectorRange(v->dim, PG_GETARG_INT32(1), PG_GETARG_INT32(2), &first, &n, TYPNAME);
	result = EpInitHalfvec(n);
	memcpy(result->x, v->x + first, sizeof(uint16) * n);
	PG_RETURN_POINTER(result);
}

/* ----------------------------------------------------------------
 *		Arithmetic
 * ----------------------------------------------------------------
 */

PG_FUNCTION_INFO_V1(ep_halfvec_add);
PG_FUNCTION_INFO_V1(ep_halfvec_sub);
PG_FUNCTION_INFO_V1(ep_halfvec_mul);
PG_FUNCTION_INFO_V1(ep_halfvec_concat);

typedef enum HalfvecArith
{
	HALFVEC_ADD,
	HALFVEC_SUB,
	HALFVEC_MUL
} HalfvecArith;

/*
 * Element-wise a op b: exact in double, then rounded once to float16.  A
 * result that rounds beyond 65504 is an overflow error.
 */
static EpHalfvec *
HalfvecArithmetic(const EpHalfvec *a, const EpHalfvec *b, HalfvecArith op)
{
	EpHalfvec  *result;

	EpCheckSameDims(a->dim, b->dim, TYPNAME);
	result = EpInitHalfvec(a->dim);
	for (int i = 0; i < a->dim; i++)
	{
		double		x = HALF_TO_DOUBLE(a->x[i]);
		double		y = HALF_TO_DOUBLE(b->x[i]);
		double		r;

		if (op == HALFVEC_ADD)
			r = x + y;
		else if (op == HALFVEC_SUB)
			r = x - y;
		else
			r = x * y;
		result->x[i] = EpFloat8ToHalfChecked(r, TYPNAME);
	}
	return result;
}

/* halfvec_add(halfvec, halfvec), operator + */
Datum
ep_halfvec_add(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(HalfvecArithmetic(PG_GETARG_EP_HALFVEC_P(0),
										PG_GETARG_EP_HALFVEC_P(1), HALFVEC_ADD));
}

/* halfvec_sub(halfvec, halfvec), operator - */
Datum
ep_halfvec_sub(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(HalfvecArithmetic(PG_GETARG_EP_HALFVEC_P(0),
										PG_GETARG_EP_HALFVEC_P(1), HALFVEC_SUB));
}

/* halfvec_mul(halfvec, halfvec), operator * */
Datum
ep_halfvec_mul(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(HalfvecArithmetic(PG_GETARG_EP_HALFVEC_P(0),
										PG_GETARG_EP_HALFVEC_P(1), HALFVEC_MUL));
}

/* halfvec_concat(halfvec, halfvec), operator || */
Datum
ep_halfvec_concat(PG_FUNCTION_ARGS)
{
	EpHalfvec  *a = PG_GETARG_EP_HALFVEC_P(0);
	EpHalfvec  *b = PG_GETARG_EP_HALFVEC_P(1);
	EpHalfvec  *result;

	EpCheckDim(a->dim + b->dim, EP_HALFVEC_MAX_DIM, TYPNAME);
	result = EpInitHalfvec(a->dim + b->dim);
	memcpy(result->x, a->x, sizeof(uint16) * a->dim);
	memcpy(result->x + a->dim, b->x, sizeof(uint16) * b->dim);
	PG_RETURN_POINTER(result);
}

/* ----------------------------------------------------------------
 *		Ordering and hashing
 * ----------------------------------------------------------------
 */

PG_FUNCTION_INFO_V1(ep_halfvec_lt);
PG_FUNCTION_INFO_V1(ep_halfvec_le);
PG_FUNCTION_INFO_V1(ep_halfvec_eq);
PG_FUNCTION_INFO_V1(ep_halfvec_ne);
PG_FUNCTION_INFO_V1(ep_halfvec_ge);
PG_FUNCTION_INFO_V1(ep_halfvec_gt);
PG_FUNCTION_INFO_V1(ep_halfvec_cmp);
PG_FUNCTION_INFO_V1(ep_halfvec_hash);

/* The btree order of vector.c, on the float16 values. */
static int
HalfvecCompare(const EpHalfvec *a, const EpHalfvec *b)
{
	int			n = Min(a->dim, b->dim);

	for (int i = 0; i < n; i++)
	{
		float4		x = EpHalfToFloat4(a->x[i]);
		float4		y = EpHalfToFloat4(b->x[i]);

		if (x < y)
			return -1;
		if (x > y)
			return 1;
	}
	return (a->dim > b->dim) - (a->dim < b->dim);
}

#define HALFVEC_COMPARE_ARGS() \
	HalfvecCompare(PG_GETARG_EP_HALFVEC_P(0), PG_GETARG_EP_HALFVEC_P(1))

Datum
ep_halfvec_lt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(HALFVEC_COMPARE_ARGS() < 0);
}

Datum
ep_halfvec_le(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(HALFVEC_COMPARE_ARGS() <= 0);
}

Datum
ep_halfvec_eq(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(HALFVEC_COMPARE_ARGS() == 0);
}

Datum
ep_halfvec_ne(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(HALFVEC_COMPARE_ARGS() != 0);
}

Datum
ep_halfvec_ge(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(HALFVEC_COMPARE_ARGS() >= 0);
}

Datum
ep_halfvec_gt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(HALFVEC_COMPARE_ARGS() > 0);
}

Datum
ep_halfvec_cmp(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(HALFVEC_COMPARE_ARGS());
}

/* halfvec_hash(halfvec): equal halfvecs (-0 = 0 included) hash alike. */
Datum
ep_halfvec_hash(PG_FUNCTION_ARGS)
{
	EpHalfvec  *v = PG_GETARG_EP_HALFVEC_P(0);
	uint32		hash = hash_bytes_uint32((uint32) v->dim);

	for (int i = 0; i < v->dim; i++)
		hash = EpHashFloat4(EpHalfToFloat4(v->x[i]), hash);
	PG_RETURN_UINT32(hash);
}
