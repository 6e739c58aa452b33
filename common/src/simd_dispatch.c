/*-------------------------------------------------------------------------
 *
 * simd_dispatch.c
 *	  Chooses the distance kernels for the CPU this process runs on.
 *
 *	  The choice is made once, from _PG_init (EpSimdInit), after asking the
 *	  CPU (cpuid) which instructions it has and the operating system (xgetbv)
 *	  whether it saves the AVX registers on a context switch; without the
 *	  latter, AVX instructions fault even on a CPU that has them.  A caller
 *	  may later switch to another supported level (a developer setting);
 *	  an unsupported level is never installed.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  common/src/simd_dispatch.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include "epiphany/simd.h"

#ifdef EP_SIMD_X86_64
#include <cpuid.h>
#endif

static const EpDistanceKernels ScalarKernels = {
	.level = EP_SIMD_SCALAR,
	.name = "scalar",
	.l2_squared_f4 = EpL2SquaredFloat4Scalar,
	.inner_product_f4 = EpInnerProductFloat4Scalar,
	.cosine_parts_f4 = EpCosinePartsFloat4Scalar,
	.l1_f4 = EpL1Float4Scalar,
	.l2_squared_f16 = EpL2SquaredHalfScalar,
	.inner_product_f16 = EpInnerProductHalfScalar,
	.cosine_parts_f16 = EpCosinePartsHalfScalar,
	.l1_f16 = EpL1HalfScalar,
	.hamming = EpHammingScalar,
	.jaccard = EpJaccardScalar,
};

#ifdef EP_SIMD_X86_64
static const EpDistanceKernels Sse2Kernels = {
	.level = EP_SIMD_SSE2,
	.name = "sse2",
	.l2_squared_f4 = EpL2SquaredFloat4Sse2,
	.inner_product_f4 = EpInnerProductFloat4Sse2,
	.cosine_parts_f4 = EpCosinePartsFloat4Sse2,
	.l1_f4 = EpL1Float4Sse2,
	.l2_squared_f16 = EpL2SquaredHalfSse2,
	.inner_product_f16 = EpInnerProductHalfSse2,
	.cosine_parts_f16 = EpCosinePartsHalfSse2,
	.l1_f16 = EpL1HalfSse2,
	.hamming = EpHammingSse2,
	.jaccard = EpJaccardSse2,
};

static const EpDistanceKernels Avx2Kernels = {
	.level = EP_SIMD_AVX2,
	.name = "avx2",
	.l2_squared_f4 = EpL2SquaredFloat4Avx2,
	.inner_product_f4 = EpInnerProductFloat4Avx2,
	.cosine_parts_f4 = EpCosinePartsFloat4Avx2,
	.l1_f4 = EpL1Float4Avx2,
	.l2_squared_f16 = EpL2SquaredHalfAvx2,
	.inner_product_f16 = EpInnerProductHalfAvx2,
	.cosine_parts_f16 = EpCosinePartsHalfAvx2,
	.l1_f16 = EpL1HalfAvx2,
	.hamming = EpHammingPopcnt,
	.jaccard = EpJaccardPopcnt,
};

/* cpuid leaf 1, EDX */
#define CPUID_1_EDX_SSE2 (1u << 26)
/* cpuid leaf 1, ECX */
#define CPUID_1_ECX_FMA (1u << 12)
#define CPUID_1_ECX_POPCNT (1u << 23)
#define CPUID_1_ECX_OSXSAVE (1u << 27)
#define CPUID_1_ECX_AVX (1u << 28)
#define CPUID_1_ECX_F16C (1u << 29)
/* cpuid leaf 7 subleaf 0, EBX */
#define CPUID_7_EBX_AVX2 (1u << 5)
/* XCR0: the OS saves the XMM (bit 1) and YMM (bit 2) state */
#define XCR0_XMM_YMM 0x6u

/*
 * Reads extended control register 0.  Written as inline assembly so that
 * this file needs no target attribute; only called once OSXSAVE is known.
 */
static uint64
ReadXcr0(void)
{
	uint32		eax;
	uint32		edx;

	__asm__ __volatile__("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
	return ((uint64) edx << 32) | eax;
}

/*
 * True when the CPU has SSE2.  Every x86-64 CPU does, and every x86-64 OS
 * saves the XMM registers; asked anyway, so that no level is installed
 * unchecked.
 */
static bool
CpuHasSse2Level(void)
{
	unsigned int eax,
				ebx,
				ecx,
				edx;

	if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx))
		return false;
	return (edx & CPUID_1_EDX_SSE2) != 0;
}

/* True when the CPU and the OS support every instruction of Avx2Kernels. */
static bool
CpuHasAvx2Level(void)
{
	unsigned int eax,
				ebx,
				ecx,
				edx;
	const uint32 leaf1 = CPUID_1_ECX_FMA | CPUID_1_ECX_POPCNT |
		CPUID_1_ECX_OSXSAVE | CPUID_1_ECX_AVX | CPUID_1_ECX_F16C;

	if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx))
		return false;
	if ((ecx & leaf1) != leaf1)
		return false;
	if ((ReadXcr0() & XCR0_XMM_YMM) != XCR0_XMM_YMM)
		return false;
	if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx))
		return false;
	return (ebx & CPUID_7_EBX_AVX2) != 0;
}
#endif							/* EP_SIMD_X86_64 */

/* The kernels in use; scalar until EpSimdInit runs. */
const EpDistanceKernels *EpDistance = &ScalarKernels;

/* The best level found by EpSimdInit. */
static EpSimdLevel BestLevel = EP_SIMD_SCALAR;
static bool Probed = false;

/*
 * EpSimdInit - probe the CPU once and install the best kernels.  Called
 * from each module's _PG_init; calling it again changes nothing.
 */
void
EpSimdInit(void)
{
	if (Probed)
		return;
	Probed = true;
#ifdef EP_SIMD_X86_64
	if (CpuHasAvx2Level())
		BestLevel = EP_SIMD_AVX2;
	else if (CpuHasSse2Level())
		BestLevel = EP_SIMD_SSE2;
#endif
	EpSimdUseLevel(EP_SIMD_AUTO);
}

/* EpSimdBestLevel - the best level this machine supports. */
EpSimdLevel
EpSimdBestLevel(void)
{
	EpSimdInit();
	return BestLevel;
}

/* EpSimdLevelSupported - whether "level" may be installed here. */
bool
EpSimdLevelSupported(EpSimdLevel level)
{
	if (level == EP_SIMD_AUTO)
		return true;
	return level >= EP_SIMD_SCALAR && level <= EpSimdBestLevel();
}

/*
 * EpSimdUseLevel - install the kernels of "level" (EP_SIMD_AUTO: the best).
 * The caller must have checked EpSimdLevelSupported; installing a level the
 * machine lacks would crash on the first distance, so it is refused here.
 */
void
EpSimdUseLevel(EpSimdLevel level)
{
	if (level == EP_SIMD_AUTO)
		level = EpSimdBestLevel();
	if (!EpSimdLevelSupported(level))
		elog(ERROR, "SIMD level %d is not supported on this machine", (int) level);

	switch (level)
	{
#ifdef EP_SIMD_X86_64
		case EP_SIMD_SSE2:
			EpDistance = &Sse2Kernels;
			break;
		case EP_SIMD_AVX2:
			EpDistance = &Avx2Kernels;
			break;
#endif
		default:
			EpDistance = &ScalarKernels;
			break;
	}
}
