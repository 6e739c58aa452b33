/*-------------------------------------------------------------------------
 *
 * select.c
 *	  Selection kernels: the rows of a column of 64-bit integers whose
 *	  values fall in a range.  The AVX2 version compares four values at a
 *	  time and appends the passing row numbers with one 16-byte store from
 *	  a table of the 16 possible four-bit masks; it runs only where
 *	  simd.h's probe found AVX2 (the CPU has it and the OS saves its
 *	  registers), the portable version everywhere else.  Both return the
 *	  same rows.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  common/src/select.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include "epiphany/select.h"
#include "epiphany/simd.h"

#ifdef EP_SIMD_X86_64
#include <immintrin.h>
#endif

/* The rows in [from, n) that pass, appended at rows[count]; the new count. */
static int
SelectRangeScalar(const int64 *values, const bool *nulls, int from, int n, int64 lo,
				  uint64 span, int32 *rows, int count)
{
	for (int i = from; i < n; i++)
	{
		rows[count] = i;
		count += !nulls[i] & ((uint64) values[i] - (uint64) lo <= span);
	}
	return count;
}

#ifdef EP_SIMD_X86_64

/* For each 4-bit mask, how many bits it has set ... */
static const int MaskCount[16] = {0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4};

/* ... and their positions, first ones first. */
static const int32 MaskPositions[16][4] = {
	{0, 0, 0, 0}, {0, 0, 0, 0}, {1, 0, 0, 0}, {0, 1, 0, 0},
	{2, 0, 0, 0}, {0, 2, 0, 0}, {1, 2, 0, 0}, {0, 1, 2, 0},
	{3, 0, 0, 0}, {0, 3, 0, 0}, {1, 3, 0, 0}, {0, 1, 3, 0},
	{2, 3, 0, 0}, {0, 2, 3, 0}, {1, 2, 3, 0}, {0, 1, 2, 3},
};

__attribute__((target("avx2")))
static int
SelectRangeAvx2(const int64 *values, const bool *nulls, int n, int64 lo, uint64 span,
				int32 *rows)
{
	/* unsigned a > b as signed (a ^ sign) > (b ^ sign) */
	const __m256i sign = _mm256_set1_epi64x(PG_INT64_MIN);
	const __m256i low = _mm256_set1_epi64x(lo);
	const __m256i limit = _mm256_set1_epi64x((int64) (span ^ (uint64) PG_INT64_MIN));
	int			count = 0;
	int			i = 0;

	for (; i + 4 <= n; i += 4)
	{
		__m256i		v = _mm256_loadu_si256((const __m256i *) (values + i));
		__m256i		offset = _mm256_xor_si256(_mm256_sub_epi64(v, low), sign);
		__m256i		above = _mm256_cmpgt_epi64(offset, limit);
		int			mask = ~_mm256_movemask_pd(_mm256_castsi256_pd(above)) & 0xF;
		uint32		null_bytes;
		__m128i		positions;

		memcpy(&null_bytes, nulls + i, sizeof(uint32));
		/* bools are 0 or 1: bit 8k of null_bytes is row i + k's flag */
		mask &= ~(int) ((null_bytes & 0x1) | ((null_bytes >> 7) & 0x2) |
						((null_bytes >> 14) & 0x4) | ((null_bytes >> 21) & 0x8));
		positions = _mm_add_epi32(_mm_loadu_si128((const __m128i *) MaskPositions[mask]),
								  _mm_set1_epi32(i));
		_mm_storeu_si128((__m128i *) (rows + count), positions);
		count += MaskCount[mask];
	}
	return SelectRangeScalar(values, nulls, i, n, lo, span, rows, count);
}
#endif							/* EP_SIMD_X86_64 */

int
EpSelectRange(const int64 *values, const bool *nulls, int n, int64 lo, uint64 span,
			  int32 *rows)
{
#ifdef EP_SIMD_X86_64
	if (EpSimdBestLevel() >= EP_SIMD_AVX2)
		return SelectRangeAvx2(values, nulls, n, lo, span, rows);
#endif
	return SelectRangeScalar(values, nulls, 0, n, lo, span, rows, 0);
}
