/*-------------------------------------------------------------------------
 *
 * distance.h
 *	  Distance kernels over dense float4, float16 and bit arrays, and the
 *	  float16 conversions they rely on.  Included by the files of any module
 *	  that computes distances (the vector store today, the column store next);
 *	  callers go through the dispatch table of simd.h, not these names.
 *
 *	  Every kernel takes a length and two arrays of that length, reads them
 *	  only, allocates nothing and cannot fail.  Float kernels accumulate in
 *	  float4 over independent lanes in a fixed order; the scalar and the
 *	  vector variants (SSE2, AVX2) differ only by rounding (see
 *	  vectorstore/README.md).
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  common/include/epiphany/distance.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef EPIPHANY_DISTANCE_H
#define EPIPHANY_DISTANCE_H

/* Lanes of the portable kernels: one AVX2 register of float4. */
#define EP_DISTANCE_LANES 8

/* IEEE 754 binary16 bit patterns. */
#define EP_HALF_SIGN_MASK 0x8000
#define EP_HALF_EXP_MASK 0x7C00
#define EP_HALF_MANT_MASK 0x03FF
#define EP_HALF_POS_INFINITY 0x7C00
/* Largest finite float16, 65504. */
#define EP_HALF_MAX 65504.0

/* Whether a float16 bit pattern is neither infinite nor NaN. */
#define EpHalfIsFinite(h) (((h) & EP_HALF_EXP_MASK) != EP_HALF_EXP_MASK)

/* The three sums a cosine distance needs: a.b, a.a and b.b. */
typedef struct EpCosineParts
{
	float		ab;
	float		aa;
	float		bb;
} EpCosineParts;

/* The three counts a Jaccard distance needs: |a & b|, |a| and |b|. */
typedef struct EpJaccardCounts
{
	uint64		ab;
	uint64		aa;
	uint64		bb;
} EpJaccardCounts;

/*
 * EpHalfToFloat4 - widen a float16 bit pattern to float4, exactly.
 *
 * Every float16 value, subnormals and infinities included, is a float4
 * value, so this conversion never rounds.  The exponent and mantissa bits
 * are moved into float4 position and the exponent rebased (bias 15 to
 * 127); then two cases are selected, not branched to, so that the
 * compiler can vectorize loops over this function: infinity and NaN take
 * the all-ones exponent, and a subnormal (or zero) is renormalized by one
 * float4 subtraction of 2^-14, which is exact.  (A union is the type pun
 * C allows.)
 */
static inline float
EpHalfToFloat4(uint16 h)
{
	const uint32 exp_mask = (uint32) EP_HALF_EXP_MASK << 13;
	union
	{
		uint32		u;
		float		f;
	}			normal, subnormal;
	uint32		exponent;

	normal.u = ((uint32) h & 0x7FFF) << 13;
	exponent = normal.u & exp_mask;
	normal.u += (uint32) (127 - 15) << 23;
	subnormal.u = normal.u + (1u << 23);
	subnormal.f -= 6.103515625e-05f;	/* 2^-14 */
	normal.u = exponent == exp_mask ? normal.u + ((uint32) (128 - 16) << 23) : normal.u;
	normal.u = exponent == 0 ? subnormal.u : normal.u;
	normal.u |= ((uint32) h & EP_HALF_SIGN_MASK) << 16;
	return normal.f;
}

/* distance.c: float16 conversion */
extern uint16 EpFloat8ToHalf(double value);

/* distance.c: portable kernels (the reference for every variant) */
extern float EpL2SquaredFloat4Scalar(int n, const float *a, const float *b);
extern float EpInnerProductFloat4Scalar(int n, const float *a, const float *b);
extern EpCosineParts EpCosinePartsFloat4Scalar(int n, const float *a, const float *b);
extern float EpL1Float4Scalar(int n, const float *a, const float *b);
extern float EpL2SquaredHalfScalar(int n, const uint16 *a, const uint16 *b);
extern float EpInnerProductHalfScalar(int n, const uint16 *a, const uint16 *b);
extern EpCosineParts EpCosinePartsHalfScalar(int n, const uint16 *a, const uint16 *b);
extern float EpL1HalfScalar(int n, const uint16 *a, const uint16 *b);
extern uint64 EpHammingScalar(uint32 nbytes, const uint8 *a, const uint8 *b);
extern EpJaccardCounts EpJaccardScalar(uint32 nbytes, const uint8 *a, const uint8 *b);

/*
 * distance.c: x86-64 variants, compiled with per-function target attributes.
 * Call them only through simd.h, which checks the CPU and the OS first.
 */
#if defined(__x86_64__) && defined(__GNUC__)
#define EP_SIMD_X86_64 1
extern float EpL2SquaredFloat4Sse2(int n, const float *a, const float *b);
extern float EpInnerProductFloat4Sse2(int n, const float *a, const float *b);
extern EpCosineParts EpCosinePartsFloat4Sse2(int n, const float *a, const float *b);
extern float EpL1Float4Sse2(int n, const float *a, const float *b);
extern float EpL2SquaredHalfSse2(int n, const uint16 *a, const uint16 *b);
extern float EpInnerProductHalfSse2(int n, const uint16 *a, const uint16 *b);
extern EpCosineParts EpCosinePartsHalfSse2(int n, const uint16 *a, const uint16 *b);
extern float EpL1HalfSse2(int n, const uint16 *a, const uint16 *b);
extern uint64 EpHammingSse2(uint32 nbytes, const uint8 *a, const uint8 *b);
extern EpJaccardCounts EpJaccardSse2(uint32 nbytes, const uint8 *a, const uint8 *b);
extern float EpL2SquaredFloat4Avx2(int n, const float *a, const float *b);
extern float EpInnerProductFloat4Avx2(int n, const float *a, const float *b);
extern EpCosineParts EpCosinePartsFloat4Avx2(int n, const float *a, const float *b);
extern float EpL1Float4Avx2(int n, const float *a, const float *b);
extern float EpL2SquaredHalfAvx2(int n, const uint16 *a, const uint16 *b);
extern float EpInnerProductHalfAvx2(int n, const uint16 *a, const uint16 *b);
extern EpCosineParts EpCosinePartsHalfAvx2(int n, const uint16 *a, const uint16 *b);
extern float EpL1HalfAvx2(int n, const uint16 *a, const uint16 *b);
extern uint64 EpHammingPopcnt(uint32 nbytes, const uint8 *a, const uint8 *b);
extern EpJaccardCounts EpJaccardPopcnt(uint32 nbytes, const uint8 *a, const uint8 *b);
#endif

#endif							/* EPIPHANY_DISTANCE_H */
