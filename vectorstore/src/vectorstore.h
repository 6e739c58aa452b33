/*-------------------------------------------------------------------------
 *
 * vectorstore.h
 *	  The on-disk layouts of vector, halfvec and sparsevec, their limits, and
 *	  the helpers the files of epiphany_vectorstore share.  Included only by
 *	  the files under vectorstore/src; the format is drawn in README.md.
 *
 *	  Invariants of every stored value (checked by the input, receive and
 *	  cast functions, and cheaply re-checked by the accessors below):
 *	  1 <= dim <= the type's maximum; the varlena size is exactly the size
 *	  the header implies; no element is NaN or infinite; "unused" is zero.
 *	  A sparsevec also keeps 0 <= nnz <= min(dim, EP_SPARSEVEC_MAX_NNZ),
 *	  strictly increasing 0-based indices below dim, and no zero value.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  vectorstore/src/vectorstore.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef EPIPHANY_VECTORSTORE_H
#define EPIPHANY_VECTORSTORE_H

#include "fmgr.h"
#include "lib/stringinfo.h"
#include "utils/array.h"

#define EP_VECTORSTORE_LIBRARY "epiphany_vectorstore"

/* Limits, as pgvector's, so that every pgvector value fits. */
#define EP_VECTOR_MAX_DIM 16000
#define EP_HALFVEC_MAX_DIM 16000
#define EP_SPARSEVEC_MAX_DIM 1000000000
#define EP_SPARSEVEC_MAX_NNZ 16000

/*
 * vector: dim float4 values.  Same bytes as pgvector's vector.
 */
typedef struct EpVector
{
	int32		vl_len_;		/* varlena header (do not touch directly) */
	int16		dim;			/* number of elements, 1..EP_VECTOR_MAX_DIM */
	int16		unused;			/* zero; reserved */
	float4		x[FLEXIBLE_ARRAY_MEMBER];	/* the elements, native order */
} EpVector;

#define EP_VECTOR_SIZE(dim) (offsetof(EpVector, x) + sizeof(float4) * (dim))

/*
 * halfvec: dim IEEE 754 binary16 values, stored as their bit patterns.
 * Same bytes as pgvector's halfvec.
 */
typedef struct EpHalfvec
{
	int32		vl_len_;		/* varlena header (do not touch directly) */
	int16		dim;			/* number of elements, 1..EP_HALFVEC_MAX_DIM */
	int16		unused;			/* zero; reserved */
	uint16		x[FLEXIBLE_ARRAY_MEMBER];	/* float16 bit patterns */
} EpHalfvec;

#define EP_HALFVEC_SIZE(dim) (offsetof(EpHalfvec, x) + sizeof(uint16) * (dim))

/*
 * sparsevec: nnz (index, value) pairs of a dim-long vector, indices first.
 * Same bytes as pgvector's sparsevec.
 */
typedef struct EpSparsevec
{
	int32		vl_len_;		/* varlena header (do not touch directly) */
	int32		dim;			/* logical length, 1..EP_SPARSEVEC_MAX_DIM */
	int32		nnz;			/* stored pairs, 0..EP_SPARSEVEC_MAX_NNZ */
	int32		unused;			/* zero; reserved */
	int32		indices[FLEXIBLE_ARRAY_MEMBER];	/* 0-based, strictly
												 * increasing; nnz float4
												 * values follow */
} EpSparsevec;

#define EP_SPARSEVEC_SIZE(nnz) \
	(offsetof(EpSparsevec, indices) + (sizeof(int32) + sizeof(float4)) * (nnz))
#define EP_SPARSEVEC_VALUES(v) ((float4 *) ((v)->indices + (v)->nnz))

/* Accessors: detoast, then check the header against the size. */
#define PG_GETARG_EP_VECTOR_P(n) EpVectorFromDatum(PG_GETARG_DATUM(n))
#define PG_GETARG_EP_HALFVEC_P(n) EpHalfvecFromDatum(PG_GETARG_DATUM(n))
#define PG_GETARG_EP_SPARSEVEC_P(n) EpSparsevecFromDatum(PG_GETARG_DATUM(n))

/* vector_util.c: checks, parsing and conversions shared by the types */
extern EpVector *EpVectorFromDatum(Datum d);
extern EpHalfvec *EpHalfvecFromDatum(Datum d);
extern EpSparsevec *EpSparsevecFromDatum(Datum d);
extern void EpCheckDim(int dim, int maxdim, const char *typname);
extern void EpCheckSameDims(int a, int b, const char *typname);
extern void EpCheckTypmod(int dim, int32 typmod);
extern int32 EpTypmodIn(ArrayType *typmods, int maxdim, const char *typname);
extern void EpCheckFloat4(float4 value, const char *typname);
extern float4 EpFloat8ToFloat4(double value, const char *typname);
extern uint16 EpFloat8ToHalfChecked(double value, const char *typname);
extern float4 EpParseFloat4(char **pos, const char *literal, const char *typname);
extern void EpSkipSpace(char **pos);
extern void EpInvalidLiteral(const char *literal, const char *typname) pg_attribute_noreturn();
extern uint16 EpParseHalf(char **pos, const char *literal, const char *typname);
extern void *EpParseDenseLiteral(const char *literal, const char *typname,
								 int maxdim, bool half, int *dim);
extern double *EpArrayToFloat8(ArrayType *array, const char *typname, int maxdim, int *dim);
extern void EpAppendFloat4(StringInfo buf, float4 value);
extern void EpSubvectorRange(int dim, int32 start, int32 count, int *first, int *n,
							 const char *typname);
extern uint32 EpHashFloat4(float4 value, uint32 seed);
extern double EpCosineFromParts(double ab, double aa, double bb);

/* vector.c */
extern EpVector *EpInitVector(int dim);

/*
 * The shape of every operator class of the vector index access methods:
 * support procedure 1 is the distance, float8 f(T, T), ordering like the
 * operator; 2 is an optional norm, float8 f(T), zero meaning "skip the
 * value"; strategy 1 is the ORDER BY operator.
 */
#define EP_INDEX_DISTANCE_PROC 1
#define EP_INDEX_NORM_PROC 2
#define EP_INDEX_ORDER_STRATEGY 1

/* vector_opclass.c */
extern bool EpValidateDistanceOpclass(Oid opclassoid);

/* halfvec.c */
extern EpHalfvec *EpInitHalfvec(int dim);

/* sparsevec.c */
extern EpSparsevec *EpInitSparsevec(int dim, int nnz);

/* vectorstore.c: the epiphany.simd developer setting */
extern void EpDefineVectorSettings(void);
extern int	ep_vector_index_build_memory;	/* kB */

/* vector_compat.c */
extern void VectorCompatInit(void);

#endif							/* EPIPHANY_VECTORSTORE_H */
