/*-------------------------------------------------------------------------
 *
 * distance.c
 *	  Distance kernels over float4, float16 and bit arrays: the portable
 *	  reference kernels, their x86-64 variants, and float16 conversion.
 *
 *	  The portable kernels keep EP_DISTANCE_LANES independent partial sums,
 *	  added in one fixed order at the end, so that the compiler may
 *	  vectorize them without reassociating floating-point sums (no
 *	  -ffast-math).  The SSE2 variants keep the same eight lanes in two
 *	  chains of two 4-lane registers, and the AVX2 variants four registers
 *	  of eight lanes (to hide the multiply-add latency), so both add in
 *	  other orders and round differently: results agree within float4
 *	  rounding, and exactly when the sums are exact (the tests use both).
 *	  The variants are compiled with per-function target attributes and
 *	  must be reached only through simd.h, which checks the CPU first;
 *	  nothing here is built with -march.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  common/src/distance.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include <math.h>

#include "epiphany/distance.h"
#include "port/pg_bitutils.h"

#ifdef EP_SIMD_X86_64
#include <immintrin.h>
#endif

#define DOUBLE_MANT_BITS 52
#define DOUBLE_EXP_BIAS 1023
#define HALF_EXP_BIAS 15
#define HALF_MANT_BITS 10
/* Mantissa bits a double has beyond a float16's. */
#define HALF_DROP_BITS (DOUBLE_MANT_BITS - HALF_MANT_BITS)

/* ----------------------------------------------------------------
 *		float16 conversion
 * ----------------------------------------------------------------
 */

/*
 * Rounds "mantissa" right by "shift" bits to nearest, ties to even.  A carry
 * out of the kept bits is the caller's to interpret (it moves a float16 to
 * the next exponent, or to infinity).
 */
static uint64
RoundRightShift(uint64 mantissa, int shift)
{
	uint64		kept = mantissa >> shift;
	uint64		rest = mantissa & ((UINT64CONST(1) << shift) - 1);
	uint64		half = UINT64CONST(1) << (shift - 1);

	if (rest > half || (rest == half && (kept & 1)))
		kept++;
	return kept;
}

/*
 * EpFloat8ToHalf - round a double to the nearest float16, ties to even.
 *
 * Rounding happens once, from the double, so a value parsed from text or
 * read from numeric is not rounded twice through float4.  Values beyond
 * the largest float16 (after rounding) become infinity and NaN stays NaN:
 * callers check the result with EpHalfIsFinite.  Portable: bit operations
 * only, no F16C.
 */
uint16
EpFloat8ToHalf(double value)
{
	uint64		bits;
	uint16		sign;
	int			exponent;
	uint64		mantissa;
	int			e;

	memcpy(&bits, &value, sizeof(bits));
	sign = (uint16) ((bits >> 48) & EP_HALF_SIGN_MASK);
	exponent = (int) ((bits >> DOUBLE_MANT_BITS) & 0x7FF);
	mantissa = bits & ((UINT64CONST(1) << DOUBLE_MANT_BITS) - 1);

	if (exponent == 0x7FF)
		return sign | EP_HALF_POS_INFINITY | (mantissa != 0 ? 0x200 : 0);

	e = exponent - DOUBLE_EXP_BIAS + HALF_EXP_BIAS;
	if (e >= 0x1F)
		return sign | EP_HALF_POS_INFINITY;
	if (e <= 0)
	{
		/* subnormal float16 (or zero): below 2^-25 everything rounds to 0 */
		if (e < -HALF_MANT_BITS)
			return sign;
		mantissa |= UINT64CONST(1) << DOUBLE_MANT_BITS;
		/* a carry into bit 10 yields the smallest normal, as it should */
		return sign | (uint16) RoundRightShift(mantissa, HALF_DROP_BITS + 1 - e);
	}

	/* normal: a carry out of the mantissa increments the exponent */
	return sign | (uint16) (((uint64) e << HALF_MANT_BITS) +
							RoundRightShift(mantissa, HALF_DROP_BITS));
}

/* ----------------------------------------------------------------
 *		Portable kernels
 * ----------------------------------------------------------------
 */

/* Adds the lanes in a fixed order shared by every variant. */
static inline float
SumLanes(const float *lanes)
{
	return ((lanes[0] + lanes[4]) + (lanes[2] + lanes[6])) +
		((lanes[1] + lanes[5]) + (lanes[3] + lanes[7]));
}

/* Widens EP_DISTANCE_LANES float16 values to float4. */
static inline void
WidenLanes(float *out, const uint16 *in)
{
	for (int j = 0; j < EP_DISTANCE_LANES; j++)
		out[j] = EpHalfToFloat4(in[j]);
}

static inline void
L2Lanes(float *acc, const float *a, const float *b)
{
	for (int j = 0; j < EP_DISTANCE_LANES; j++)
	{
		float		d = a[j] - b[j];

		acc[j] += d * d;
	}
}

static inline void
InnerProductLanes(float *acc, const float *a, const float *b)
{
	for (int j = 0; j < EP_DISTANCE_LANES; j++)
		acc[j] += a[j] * b[j];
}

static inline void
CosineLanes(float *ab, float *aa, float *bb, const float *a, const float *b)
{
	for (int j = 0; j < EP_DISTANCE_LANES; j++)
	{
		ab[j] += a[j] * b[j];
		aa[j] += a[j] * a[j];
		bb[j] += b[j] * b[j];
	}
}

static inline void
L1Lanes(float *acc, const float *a, const float *b)
{
	for (int j = 0; j < EP_DISTANCE_LANES; j++)
		acc[j] += fabsf(a[j] - b[j]);
}

/*
 * The tails: elements past the last full block of lanes, summed one by one
 * in index order (shared by the portable, the SSE2 and the AVX2 kernels).
 */
static inline float
L2Tail(int from, int n, const float *a, const float *b)
{
	float		sum = 0.0f;

	for (int i = from; i < n; i++)
	{
		float		d = a[i] - b[i];

		sum += d * d;
	}
	return sum;
}

static inline float
InnerProductTail(int from, int n, const float *a, const float *b)
{
	float		sum = 0.0f;

	for (int i = from; i < n; i++)
		sum += a[i] * b[i];
	return sum;
}

static inline void
CosineTail(int from, int n, const float *a, const float *b, EpCosineParts *parts)
{
	for (int i = from; i < n; i++)
	{
		parts->ab += a[i] * b[i];
		parts->aa += a[i] * a[i];
		parts->bb += b[i] * b[i];
	}
}

static inline float
L1Tail(int from, int n, const float *a, const float *b)
{
	float		sum = 0.0f;

	for (int i = from; i < n; i++)
		sum += fabsf(a[i] - b[i]);
	return sum;
}

/* Widens a float16 tail (fewer than EP_DISTANCE_LANES values). */
static inline int
WidenTail(int from, int n, const uint16 *a, const uint16 *b, float *fa, float *fb)
{
	for (int i = from; i < n; i++)
	{
		fa[i - from] = EpHalfToFloat4(a[i]);
		fb[i - from] = EpHalfToFloat4(b[i]);
	}
	return n - from;
}

/* EpL2SquaredFloat4Scalar - sum of (a[i] - b[i])^2. */
float
EpL2SquaredFloat4Scalar(int n, const float *a, const float *b)
{
	float		acc[EP_DISTANCE_LANES] = {0};
	int			i;

	for (i = 0; i + EP_DISTANCE_LANES <= n; i += EP_DISTANCE_LANES)
		L2Lanes(acc, a + i, b + i);
	return SumLanes(acc) + L2Tail(i, n, a, b);
}

/* EpInnerProductFloat4Scalar - sum of a[i] * b[i]. */
float
EpInnerProductFloat4Scalar(int n, const float *a, const float *b)
{
	float		acc[EP_DISTANCE_LANES] = {0};
	int			i;

	for (i = 0; i + EP_DISTANCE_LANES <= n; i += EP_DISTANCE_LANES)
		InnerProductLanes(acc, a + i, b + i);
	return SumLanes(acc) + InnerProductTail(i, n, a, b);
}

/* EpCosinePartsFloat4Scalar - a.b, a.a and b.b in one pass. */
EpCosineParts
EpCosinePartsFloat4Scalar(int n, const float *a, const float *b)
{
	float		ab[EP_DISTANCE_LANES] = {0};
	float		aa[EP_DISTANCE_LANES] = {0};
	float		bb[EP_DISTANCE_LANES] = {0};
	EpCosineParts parts;
	int			i;

	for (i = 0; i + EP_DISTANCE_LANES <= n; i += EP_DISTANCE_LANES)
		CosineLanes(ab, aa, bb, a + i, b + i);
	parts.ab = SumLanes(ab);
	parts.aa = SumLanes(aa);
	parts.bb = SumLanes(bb);
	CosineTail(i, n, a, b, &parts);
	return parts;
}

/* EpL1Float4Scalar - sum of |a[i] - b[i]|. */
float
EpL1Float4Scalar(int n, const float *a, const float *b)
{
	float		acc[EP_DISTANCE_LANES] = {0};
	int			i;

	for (i = 0; i + EP_DISTANCE_LANES <= n; i += EP_DISTANCE_LANES)
		L1Lanes(acc, a + i, b + i);
	return SumLanes(acc) + L1Tail(i, n, a, b);
}

/*
 * The float16 kernels widen each block of lanes exactly to float4 and then
 * share the float4 lane and tail code, so a halfvec distance equals the
 * distance of the same values cast to vector.
 */
float
EpL2SquaredHalfScalar(int n, const uint16 *a, const uint16 *b)
{
	float		acc[EP_DISTANCE_LANES] = {0};
	float		fa[EP_DISTANCE_LANES];
	float		fb[EP_DISTANCE_LANES];
	int			i;
	int			rest;

	for (i = 0; i + EP_DISTANCE_LANES <= n; i += EP_DISTANCE_LANES)
	{
		WidenLanes(fa, a + i);
		WidenLanes(fb, b + i);
		L2Lanes(acc, fa, fb);
	}
	rest = WidenTail(i, n, a, b, fa, fb);
	return SumLanes(acc) + L2Tail(0, rest, fa, fb);
}

float
EpInnerProductHalfScalar(int n, const uint16 *a, const uint16 *b)
{
	float		acc[EP_DISTANCE_LANES] = {0};
	float		fa[EP_DISTANCE_LANES];
	float		fb[EP_DISTANCE_LANES];
	int			i;
	int			rest;

	for (i = 0; i + EP_DISTANCE_LANES <= n; i += EP_DISTANCE_LANES)
	{
		WidenLanes(fa, a + i);
		WidenLanes(fb, b + i);
		InnerProductLanes(acc, fa, fb);
	}
	rest = WidenTail(i, n, a, b, fa, fb);
	return SumLanes(acc) + InnerProductTail(0, rest, fa, fb);
}

EpCosineParts
EpCosinePartsHalfScalar(int n, const uint16 *a, const uint16 *b)
{
	float		ab[EP_DISTANCE_LANES] = {0};
	float		aa[EP_DISTANCE_LANES] = {0};
	float		bb[EP_DISTANCE_LANES] = {0};
	float		fa[EP_DISTANCE_LANES];
	float		fb[EP_DISTANCE_LANES];
	EpCosineParts parts;
	int			i;
	int			rest;

	for (i = 0; i + EP_DISTANCE_LANES <= n; i += EP_DISTANCE_LANES)
	{
		WidenLanes(fa, a + i);
		WidenLanes(fb, b + i);
		CosineLanes(ab, aa, bb, fa, fb);
	}
	parts.ab = SumLanes(ab);
	parts.aa = SumLanes(aa);
	parts.bb = SumLanes(bb);
	rest = WidenTail(i, n, a, b, fa, fb);
	CosineTail(0, rest, fa, fb, &parts);
	return parts;
}

float
EpL1HalfScalar(int n, const uint16 *a, const uint16 *b)
{
	float		acc[EP_DISTANCE_LANES] = {0};
	float		fa[EP_DISTANCE_LANES];
	float		fb[EP_DISTANCE_LANES];
	int			i;
	int			rest;

	for (i = 0; i + EP_DISTANCE_LANES <= n; i += EP_DISTANCE_LANES)
	{
		WidenLanes(fa, a + i);
		WidenLanes(fb, b + i);
		L1Lanes(acc, fa, fb);
	}
	rest = WidenTail(i, n, a, b, fa, fb);
	return SumLanes(acc) + L1Tail(0, rest, fa, fb);
}

/* Population count of a 64-bit word without a popcount instruction. */
static inline uint64
PopCount64Portable(uint64 x)
{
	x = x - ((x >> 1) & UINT64CONST(0x5555555555555555));
	x = (x & UINT64CONST(0x3333333333333333)) + ((x >> 2) & UINT64CONST(0x3333333333333333));
	x = (x + (x >> 4)) & UINT64CONST(0x0F0F0F0F0F0F0F0F);
	return (x * UINT64CONST(0x0101010101010101)) >> 56;
}

/* Loads 8 bytes of a bit string, whatever its alignment. */
static inline uint64
LoadWord(const uint8 *p)
{
	uint64		w;

	memcpy(&w, p, sizeof(w));
	return w;
}

/* EpHammingScalar - number of differing bits in two byte strings. */
uint64
EpHammingScalar(uint32 nbytes, const uint8 *a, const uint8 *b)
{
	uint64		count = 0;
	uint32		i;

	for (i = 0; i + sizeof(uint64) <= nbytes; i += sizeof(uint64))
		count += PopCount64Portable(LoadWord(a + i) ^ LoadWord(b + i));
	for (; i < nbytes; i++)
		count += pg_number_of_ones[a[i] ^ b[i]];
	return count;
}

/* EpJaccardScalar - bits set in both, in a, and in b. */
EpJaccardCounts
EpJaccardScalar(uint32 nbytes, const uint8 *a, const uint8 *b)
{
	EpJaccardCounts c = {0, 0, 0};
	uint32		i;

	for (i = 0; i + sizeof(uint64) <= nbytes; i += sizeof(uint64))
	{
		uint64		wa = LoadWord(a + i);
		uint64		wb = LoadWord(b + i);

		c.ab += PopCount64Portable(wa & wb);
		c.aa += PopCount64Portable(wa);
		c.bb += PopCount64Portable(wb);
	}
	for (; i < nbytes; i++)
	{
		c.ab += pg_number_of_ones[a[i] & b[i]];
		c.aa += pg_number_of_ones[a[i]];
		c.bb += pg_number_of_ones[b[i]];
	}
	return c;
}

/* ----------------------------------------------------------------
 *		x86-64 variants: SSE2 (every x86-64 CPU has it)
 * ----------------------------------------------------------------
 */
#ifdef EP_SIMD_X86_64

#define EP_TARGET_SSE2 __attribute__((target("sse2")))

/*
 * The SSE2 kernels hold the EP_DISTANCE_LANES lanes of the portable
 * kernels in two 4-lane registers (lo: lanes 0-3, hi: lanes 4-7), and
 * multiply then add, as the portable kernels do (SSE2 has no fused
 * multiply-add).  They run EP_SSE2_CHAINS such pairs over blocks of
 * EP_SSE2_CHAINS * 8 elements, so that two additions are in flight;
 * leftover whole blocks of 8 go to the first chain, the rest to the
 * shared scalar tail, and the chains are added lane by lane before
 * SumLanes.  Below 24 elements (at most one block, one 8-element block per
 * chain) that is the portable kernels' order exactly; beyond, the results
 * differ by float4 rounding.
 */
#define EP_SSE2_CHAINS 2
#define EP_SSE2_BLOCK (EP_SSE2_CHAINS * EP_DISTANCE_LANES)
StaticAssertDecl(EP_DISTANCE_LANES == 8, "the SSE2 kernels hold the lanes in two registers");

/* Stores the lanes of "lo" and "hi" and adds them as SumLanes does. */
EP_TARGET_SSE2 static inline float
SumRegisters(__m128 lo, __m128 hi)
{
	float		lanes[EP_DISTANCE_LANES];

	_mm_storeu_ps(lanes, lo);
	_mm_storeu_ps(lanes + 4, hi);
	return SumLanes(lanes);
}

/* Loads four float4 values. */
EP_TARGET_SSE2 static inline __m128
LoadFloats4(const float *p)
{
	return _mm_loadu_ps(p);
}

/*
 * Loads four float16 values and widens them exactly: EpHalfToFloat4 on
 * four lanes, the same bit operations and the same exact float4
 * subtraction for subnormals, with its two selections done by masks, so
 * every bit pattern (signed zeros, subnormals, infinities, NaN payloads)
 * widens to the bits EpHalfToFloat4 gives.
 */
EP_TARGET_SSE2 static inline __m128
LoadHalves4(const uint16 *p)
{
	const __m128i exp_mask = _mm_set1_epi32((int) ((uint32) EP_HALF_EXP_MASK << 13));
	__m128i		h = _mm_unpacklo_epi16(_mm_loadl_epi64((const __m128i *) p),
									   _mm_setzero_si128());
	__m128i		normal = _mm_slli_epi32(_mm_and_si128(h, _mm_set1_epi32(0x7FFF)), 13);
	__m128i		exponent = _mm_and_si128(normal, exp_mask);
	__m128i		sign = _mm_slli_epi32(_mm_and_si128(h, _mm_set1_epi32(EP_HALF_SIGN_MASK)), 16);
	__m128i		special;
	__m128i		zero;
	__m128		subnormal;

	normal = _mm_add_epi32(normal, _mm_set1_epi32((127 - 15) << 23));
	subnormal = _mm_sub_ps(_mm_castsi128_ps(_mm_add_epi32(normal, _mm_set1_epi32(1 << 23))),
						   _mm_set1_ps(6.103515625e-05f));	/* 2^-14 */
	special = _mm_cmpeq_epi32(exponent, exp_mask);
	normal = _mm_add_epi32(normal, _mm_and_si128(special, _mm_set1_epi32((128 - 16) << 23)));
	zero = _mm_cmpeq_epi32(exponent, _mm_setzero_si128());
	normal = _mm_or_si128(_mm_and_si128(zero, _mm_castps_si128(subnormal)),
						  _mm_andnot_si128(zero, normal));
	return _mm_castsi128_ps(_mm_or_si128(normal, sign));
}

/* acc + (a - b)^2, rounded after the multiply as in L2Lanes */
EP_TARGET_SSE2 static inline __m128
L2StepSse2(__m128 acc, __m128 va, __m128 vb)
{
	__m128		d = _mm_sub_ps(va, vb);

	return _mm_add_ps(acc, _mm_mul_ps(d, d));
}

/* acc + a * b */
EP_TARGET_SSE2 static inline __m128
InnerProductStepSse2(__m128 acc, __m128 va, __m128 vb)
{
	return _mm_add_ps(acc, _mm_mul_ps(va, vb));
}

/* acc + |a - b|: clearing the sign bit is fabsf */
EP_TARGET_SSE2 static inline __m128
L1StepSse2(__m128 acc, __m128 va, __m128 vb)
{
	return _mm_add_ps(acc, _mm_andnot_ps(_mm_set1_ps(-0.0f), _mm_sub_ps(va, vb)));
}

/* Copies a float4 tail (fewer than EP_DISTANCE_LANES values). */
static inline int
Float4Tail(int from, int n, const float *a, const float *b, float *fa, float *fb)
{
	memcpy(fa, a + from, sizeof(float) * (n - from));
	memcpy(fb, b + from, sizeof(float) * (n - from));
	return n - from;
}

/*
 * Defines one SSE2 kernel, as EP_DEFINE_AVX2_KERNEL below does for AVX2:
 * STEP(acc, va, vb) over four elements at a time loaded by LOAD, TAIL over
 * the rest, copied out as float4 by COPYTAIL.  The two chains' four
 * registers are named variables, so that they stay in registers.
 */
#define EP_DEFINE_SSE2_KERNEL(NAME, ELEM, LOAD, COPYTAIL, STEP, TAIL) \
EP_TARGET_SSE2 float \
NAME(int n, const ELEM *a, const ELEM *b) \
{ \
	__m128		lo0 = _mm_setzero_ps(); \
	__m128		hi0 = _mm_setzero_ps(); \
	__m128		lo1 = _mm_setzero_ps(); \
	__m128		hi1 = _mm_setzero_ps(); \
	float		fa[EP_DISTANCE_LANES]; \
	float		fb[EP_DISTANCE_LANES]; \
	int			i; \
	int			rest; \
\
	for (i = 0; i + EP_SSE2_BLOCK <= n; i += EP_SSE2_BLOCK) \
	{ \
		lo0 = STEP(lo0, LOAD(a + i), LOAD(b + i)); \
		hi0 = STEP(hi0, LOAD(a + i + 4), LOAD(b + i + 4)); \
		lo1 = STEP(lo1, LOAD(a + i + 8), LOAD(b + i + 8)); \
		hi1 = STEP(hi1, LOAD(a + i + 12), LOAD(b + i + 12)); \
	} \
	for (; i + EP_DISTANCE_LANES <= n; i += EP_DISTANCE_LANES) \
	{ \
		lo0 = STEP(lo0, LOAD(a + i), LOAD(b + i)); \
		hi0 = STEP(hi0, LOAD(a + i + 4), LOAD(b + i + 4)); \
	} \
	rest = COPYTAIL(i, n, a, b, fa, fb); \
	return SumRegisters(_mm_add_ps(lo0, lo1), _mm_add_ps(hi0, hi1)) + \
		TAIL(0, rest, fa, fb); \
}

EP_DEFINE_SSE2_KERNEL(EpL2SquaredFloat4Sse2, float, LoadFloats4, Float4Tail,
					  L2StepSse2, L2Tail)
EP_DEFINE_SSE2_KERNEL(EpInnerProductFloat4Sse2, float, LoadFloats4, Float4Tail,
					  InnerProductStepSse2, InnerProductTail)
EP_DEFINE_SSE2_KERNEL(EpL1Float4Sse2, float, LoadFloats4, Float4Tail,
					  L1StepSse2, L1Tail)
EP_DEFINE_SSE2_KERNEL(EpL2SquaredHalfSse2, uint16, LoadHalves4, WidenTail,
					  L2StepSse2, L2Tail)
EP_DEFINE_SSE2_KERNEL(EpInnerProductHalfSse2, uint16, LoadHalves4, WidenTail,
					  InnerProductStepSse2, InnerProductTail)
EP_DEFINE_SSE2_KERNEL(EpL1HalfSse2, uint16, LoadHalves4, WidenTail,
					  L1StepSse2, L1Tail)

/*
 * Cosine keeps three sums of two registers, six independent chains already,
 * so it runs one chain: the portable kernel's lanes and order exactly.
 */
#define EP_DEFINE_SSE2_COSINE(NAME, ELEM, LOAD, COPYTAIL) \
EP_TARGET_SSE2 EpCosineParts \
NAME(int n, const ELEM *a, const ELEM *b) \
{ \
	__m128		ab_lo = _mm_setzero_ps(); \
	__m128		ab_hi = _mm_setzero_ps(); \
	__m128		aa_lo = _mm_setzero_ps(); \
	__m128		aa_hi = _mm_setzero_ps(); \
	__m128		bb_lo = _mm_setzero_ps(); \
	__m128		bb_hi = _mm_setzero_ps(); \
	float		fa[EP_DISTANCE_LANES]; \
	float		fb[EP_DISTANCE_LANES]; \
	EpCosineParts parts; \
	int			i; \
	int			rest; \
\
	for (i = 0; i + EP_DISTANCE_LANES <= n; i += EP_DISTANCE_LANES) \
	{ \
		__m128		va_lo = LOAD(a + i); \
		__m128		vb_lo = LOAD(b + i); \
		__m128		va_hi = LOAD(a + i + 4); \
		__m128		vb_hi = LOAD(b + i + 4); \
\
		ab_lo = InnerProductStepSse2(ab_lo, va_lo, vb_lo); \
		ab_hi = InnerProductStepSse2(ab_hi, va_hi, vb_hi); \
		aa_lo = InnerProductStepSse2(aa_lo, va_lo, va_lo); \
		aa_hi = InnerProductStepSse2(aa_hi, va_hi, va_hi); \
		bb_lo = InnerProductStepSse2(bb_lo, vb_lo, vb_lo); \
		bb_hi = InnerProductStepSse2(bb_hi, vb_hi, vb_hi); \
	} \
	parts.ab = SumRegisters(ab_lo, ab_hi); \
	parts.aa = SumRegisters(aa_lo, aa_hi); \
	parts.bb = SumRegisters(bb_lo, bb_hi); \
	rest = COPYTAIL(i, n, a, b, fa, fb); \
	CosineTail(0, rest, fa, fb, &parts); \
	return parts; \
}

EP_DEFINE_SSE2_COSINE(EpCosinePartsFloat4Sse2, float, LoadFloats4, Float4Tail)
EP_DEFINE_SSE2_COSINE(EpCosinePartsHalfSse2, uint16, LoadHalves4, WidenTail)

/*
 * Bits set in each byte of "x": the portable SWAR popcount on sixteen
 * bytes (SSE2 has no popcount instruction; a 16-bit shift moves bits
 * across bytes, and each mask drops those).
 */
EP_TARGET_SSE2 static inline __m128i
PopCountBytes(__m128i x)
{
	const __m128i m1 = _mm_set1_epi8(0x55);
	const __m128i m2 = _mm_set1_epi8(0x33);
	const __m128i m4 = _mm_set1_epi8(0x0F);

	x = _mm_sub_epi8(x, _mm_and_si128(_mm_srli_epi16(x, 1), m1));
	x = _mm_add_epi8(_mm_and_si128(x, m2), _mm_and_si128(_mm_srli_epi16(x, 2), m2));
	return _mm_and_si128(_mm_add_epi8(x, _mm_srli_epi16(x, 4)), m4);
}

/* Adds the bits set in "x" to the two 64-bit counts of "acc". */
EP_TARGET_SSE2 static inline __m128i
AddPopCount(__m128i acc, __m128i x)
{
	return _mm_add_epi64(acc, _mm_sad_epu8(PopCountBytes(x), _mm_setzero_si128()));
}

/* The sum of the two 64-bit counts of "acc". */
EP_TARGET_SSE2 static inline uint64
SumCounts(__m128i acc)
{
	uint64		c[2];

	_mm_storeu_si128((__m128i *) c, acc);
	return c[0] + c[1];
}

/* Whole 16-byte blocks in SSE2 registers, the rest by the portable kernel. */
EP_TARGET_SSE2 uint64
EpHammingSse2(uint32 nbytes, const uint8 *a, const uint8 *b)
{
	__m128i		acc = _mm_setzero_si128();
	uint32		i;

	for (i = 0; i + sizeof(__m128i) <= nbytes; i += sizeof(__m128i))
		acc = AddPopCount(acc, _mm_xor_si128(_mm_loadu_si128((const __m128i *) (a + i)),
											 _mm_loadu_si128((const __m128i *) (b + i))));
	return SumCounts(acc) + EpHammingScalar(nbytes - i, a + i, b + i);
}

EP_TARGET_SSE2 EpJaccardCounts
EpJaccardSse2(uint32 nbytes, const uint8 *a, const uint8 *b)
{
	__m128i		ab = _mm_setzero_si128();
	__m128i		aa = _mm_setzero_si128();
	__m128i		bb = _mm_setzero_si128();
	EpJaccardCounts c;
	uint32		i;

	for (i = 0; i + sizeof(__m128i) <= nbytes; i += sizeof(__m128i))
	{
		__m128i		va = _mm_loadu_si128((const __m128i *) (a + i));
		__m128i		vb = _mm_loadu_si128((const __m128i *) (b + i));

		ab = AddPopCount(ab, _mm_and_si128(va, vb));
		aa = AddPopCount(aa, va);
		bb = AddPopCount(bb, vb);
	}
	c = EpJaccardScalar(nbytes - i, a + i, b + i);
	c.ab += SumCounts(ab);
	c.aa += SumCounts(aa);
	c.bb += SumCounts(bb);
	return c;
}

/* ----------------------------------------------------------------
 *		x86-64 variants: AVX2 + FMA (+ F16C for float16), POPCNT
 * ----------------------------------------------------------------
 */

#define EP_TARGET_AVX2 __attribute__((target("avx2,fma")))
#define EP_TARGET_AVX2_F16C __attribute__((target("avx2,fma,f16c")))
#define EP_TARGET_POPCNT __attribute__((target("popcnt")))

/* Stores the eight lanes of "v" and adds them as SumLanes does. */
EP_TARGET_AVX2 static inline float
SumRegister(__m256 v)
{
	float		lanes[EP_DISTANCE_LANES];

	_mm256_storeu_ps(lanes, v);
	return SumLanes(lanes);
}

EP_TARGET_AVX2 static inline __m256
AbsRegister(__m256 v)
{
	return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), v);
}

/* Loads eight float16 values and widens them exactly. */
EP_TARGET_AVX2_F16C static inline __m256
LoadHalves(const uint16 *p)
{
	return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *) p));
}

/*
 * The AVX2 kernels run EP_AVX2_CHAINS independent accumulators over blocks
 * of EP_AVX2_CHAINS * 8 elements, because one chain of fused multiply-adds
 * waits on its own latency (4 cycles) while the CPU can start two per
 * cycle.  Leftover whole blocks of 8 go to the first chain, the rest to
 * the shared scalar tail.
 */
#define EP_AVX2_CHAINS 4
#define EP_AVX2_BLOCK (EP_AVX2_CHAINS * EP_DISTANCE_LANES)
StaticAssertDecl(EP_AVX2_BLOCK == 32, "the AVX2 kernels unroll four chains of eight lanes");

/*
 * Defines one AVX2 kernel accumulating STEP(acc, va, vb) over the loaded
 * blocks (LOAD: float4 or float16) and TAIL over the rest, copied out as
 * float4 by COPYTAIL.  A macro, so that the loop is written once for the
 * six kernels that share it; each expansion is an ordinary function with
 * its target attribute.  The four chains are named variables, not an
 * array, so that they stay in registers.
 */
#define EP_DEFINE_AVX2_KERNEL(NAME, ELEM, TARGET, LOAD, COPYTAIL, STEP, TAIL) \
TARGET float \
NAME(int n, const ELEM *a, const ELEM *b) \
{ \
	__m256		acc0 = _mm256_setzero_ps(); \
	__m256		acc1 = _mm256_setzero_ps(); \
	__m256		acc2 = _mm256_setzero_ps(); \
	__m256		acc3 = _mm256_setzero_ps(); \
	float		fa[EP_DISTANCE_LANES]; \
	float		fb[EP_DISTANCE_LANES]; \
	int			i; \
	int			rest; \
\
	for (i = 0; i + EP_AVX2_BLOCK <= n; i += EP_AVX2_BLOCK) \
	{ \
		acc0 = STEP(acc0, LOAD(a + i), LOAD(b + i)); \
		acc1 = STEP(acc1, LOAD(a + i + 8), LOAD(b + i + 8)); \
		acc2 = STEP(acc2, LOAD(a + i + 16), LOAD(b + i + 16)); \
		acc3 = STEP(acc3, LOAD(a + i + 24), LOAD(b + i + 24)); \
	} \
	for (; i + EP_DISTANCE_LANES <= n; i += EP_DISTANCE_LANES) \
		acc0 = STEP(acc0, LOAD(a + i), LOAD(b + i)); \
	acc0 = _mm256_add_ps(_mm256_add_ps(acc0, acc1), _mm256_add_ps(acc2, acc3)); \
	rest = COPYTAIL(i, n, a, b, fa, fb); \
	return SumRegister(acc0) + TAIL(0, rest, fa, fb); \
}

/* Loads eight float4 values. */
EP_TARGET_AVX2 static inline __m256
LoadFloats(const float *p)
{
	return _mm256_loadu_ps(p);
}

/* acc + (a - b)^2 */
EP_TARGET_AVX2 static inline __m256
L2Step(__m256 acc, __m256 va, __m256 vb)
{
	__m256		d = _mm256_sub_ps(va, vb);

	return _mm256_fmadd_ps(d, d, acc);
}

/* acc + a * b */
EP_TARGET_AVX2 static inline __m256
InnerProductStep(__m256 acc, __m256 va, __m256 vb)
{
	return _mm256_fmadd_ps(va, vb, acc);
}

/* acc + |a - b| */
EP_TARGET_AVX2 static inline __m256
L1Step(__m256 acc, __m256 va, __m256 vb)
{
	return _mm256_add_ps(acc, AbsRegister(_mm256_sub_ps(va, vb)));
}

EP_DEFINE_AVX2_KERNEL(EpL2SquaredFloat4Avx2, float, EP_TARGET_AVX2, LoadFloats, Float4Tail,
					  L2Step, L2Tail)
EP_DEFINE_AVX2_KERNEL(EpInnerProductFloat4Avx2, float, EP_TARGET_AVX2, LoadFloats, Float4Tail,
					  InnerProductStep, InnerProductTail)
EP_DEFINE_AVX2_KERNEL(EpL1Float4Avx2, float, EP_TARGET_AVX2, LoadFloats, Float4Tail,
					  L1Step, L1Tail)
EP_DEFINE_AVX2_KERNEL(EpL2SquaredHalfAvx2, uint16, EP_TARGET_AVX2_F16C, LoadHalves, WidenTail,
					  L2Step, L2Tail)
EP_DEFINE_AVX2_KERNEL(EpInnerProductHalfAvx2, uint16, EP_TARGET_AVX2_F16C, LoadHalves, WidenTail,
					  InnerProductStep, InnerProductTail)
EP_DEFINE_AVX2_KERNEL(EpL1HalfAvx2, uint16, EP_TARGET_AVX2_F16C, LoadHalves, WidenTail,
					  L1Step, L1Tail)

/*
 * Cosine keeps three sums, hence three chains already; two blocks per
 * iteration give six, enough to cover the multiply-add latency.
 */
#define EP_DEFINE_AVX2_COSINE(NAME, ELEM, TARGET, LOAD, COPYTAIL) \
TARGET EpCosineParts \
NAME(int n, const ELEM *a, const ELEM *b) \
{ \
	__m256		ab0 = _mm256_setzero_ps(); \
	__m256		aa0 = _mm256_setzero_ps(); \
	__m256		bb0 = _mm256_setzero_ps(); \
	__m256		ab1 = _mm256_setzero_ps(); \
	__m256		aa1 = _mm256_setzero_ps(); \
	__m256		bb1 = _mm256_setzero_ps(); \
	float		fa[EP_DISTANCE_LANES]; \
	float		fb[EP_DISTANCE_LANES]; \
	EpCosineParts parts; \
	int			i; \
	int			rest; \
\
	for (i = 0; i + 2 * EP_DISTANCE_LANES <= n; i += 2 * EP_DISTANCE_LANES) \
	{ \
		__m256		va0 = LOAD(a + i); \
		__m256		vb0 = LOAD(b + i); \
		__m256		va1 = LOAD(a + i + 8); \
		__m256		vb1 = LOAD(b + i + 8); \
\
		ab0 = _mm256_fmadd_ps(va0, vb0, ab0); \
		aa0 = _mm256_fmadd_ps(va0, va0, aa0); \
		bb0 = _mm256_fmadd_ps(vb0, vb0, bb0); \
		ab1 = _mm256_fmadd_ps(va1, vb1, ab1); \
		aa1 = _mm256_fmadd_ps(va1, va1, aa1); \
		bb1 = _mm256_fmadd_ps(vb1, vb1, bb1); \
	} \
	if (i + EP_DISTANCE_LANES <= n) \
	{ \
		__m256		va0 = LOAD(a + i); \
		__m256		vb0 = LOAD(b + i); \
\
		ab0 = _mm256_fmadd_ps(va0, vb0, ab0); \
		aa0 = _mm256_fmadd_ps(va0, va0, aa0); \
		bb0 = _mm256_fmadd_ps(vb0, vb0, bb0); \
		i += EP_DISTANCE_LANES; \
	} \
	parts.ab = SumRegister(_mm256_add_ps(ab0, ab1)); \
	parts.aa = SumRegister(_mm256_add_ps(aa0, aa1)); \
	parts.bb = SumRegister(_mm256_add_ps(bb0, bb1)); \
	rest = COPYTAIL(i, n, a, b, fa, fb); \
	CosineTail(0, rest, fa, fb, &parts); \
	return parts; \
}

EP_DEFINE_AVX2_COSINE(EpCosinePartsFloat4Avx2, float, EP_TARGET_AVX2, LoadFloats, Float4Tail)
EP_DEFINE_AVX2_COSINE(EpCosinePartsHalfAvx2, uint16, EP_TARGET_AVX2_F16C, LoadHalves, WidenTail)

EP_TARGET_POPCNT uint64
EpHammingPopcnt(uint32 nbytes, const uint8 *a, const uint8 *b)
{
	uint64		count = 0;
	uint32		i;

	for (i = 0; i + sizeof(uint64) <= nbytes; i += sizeof(uint64))
		count += __builtin_popcountll(LoadWord(a + i) ^ LoadWord(b + i));
	for (; i < nbytes; i++)
		count += pg_number_of_ones[a[i] ^ b[i]];
	return count;
}

EP_TARGET_POPCNT EpJaccardCounts
EpJaccardPopcnt(uint32 nbytes, const uint8 *a, const uint8 *b)
{
	EpJaccardCounts c = {0, 0, 0};
	uint32		i;

	for (i = 0; i + sizeof(uint64) <= nbytes; i += sizeof(uint64))
	{
		uint64		wa = LoadWord(a + i);
		uint64		wb = LoadWord(b + i);

		c.ab += __builtin_popcountll(wa & wb);
		c.aa += __builtin_popcountll(wa);
		c.bb += __builtin_popcountll(wb);
	}
	for (; i < nbytes; i++)
	{
		c.ab += pg_number_of_ones[a[i] & b[i]];
		c.aa += pg_number_of_ones[a[i]];
		c.bb += pg_number_of_ones[b[i]];
	}
	return c;
}

#endif							/* EP_SIMD_X86_64 */
