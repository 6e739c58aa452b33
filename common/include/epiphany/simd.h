/*-------------------------------------------------------------------------
 *
 * simd.h
 *	  The dispatch table of distance kernels, chosen once per process for
 *	  the CPU it runs on.  Included by any module that computes distances;
 *	  the module calls EpSimdInit from its _PG_init and then calls kernels
 *	  through EpDistance only.
 *
 *	  Invariants: EpDistance always points at a complete, static table; a
 *	  level is installed only after the CPU and the OS were found to support
 *	  every instruction its kernels use.  Each module links its own copy of
 *	  common/src/simd_dispatch.c, so each library has its own table.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  common/include/epiphany/simd.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef EPIPHANY_SIMD_H
#define EPIPHANY_SIMD_H

#include "epiphany/distance.h"

/*
 * Kernel families, from the portable one up; values of epiphany.simd.  A
 * machine that runs a level runs every level below it.
 */
typedef enum EpSimdLevel
{
	EP_SIMD_AUTO = -1,			/* the best level the machine supports */
	EP_SIMD_SCALAR = 0,			/* portable C, any CPU */
	EP_SIMD_SSE2 = 1,			/* x86-64's baseline SSE2 (every x86-64 CPU) */
	EP_SIMD_AVX2 = 2			/* x86-64 with AVX2, FMA, F16C, POPCNT and OS
								 * support for the YMM state */
} EpSimdLevel;

/* One complete set of kernels; see distance.h for their contracts. */
typedef struct EpDistanceKernels
{
	EpSimdLevel level;
	const char *name;
	float		(*l2_squared_f4) (int n, const float *a, const float *b);
	float		(*inner_product_f4) (int n, const float *a, const float *b);
	EpCosineParts (*cosine_parts_f4) (int n, const float *a, const float *b);
	float		(*l1_f4) (int n, const float *a, const float *b);
	float		(*l2_squared_f16) (int n, const uint16 *a, const uint16 *b);
	float		(*inner_product_f16) (int n, const uint16 *a, const uint16 *b);
	EpCosineParts (*cosine_parts_f16) (int n, const uint16 *a, const uint16 *b);
	float		(*l1_f16) (int n, const uint16 *a, const uint16 *b);
	uint64		(*hamming) (uint32 nbytes, const uint8 *a, const uint8 *b);
	EpJaccardCounts (*jaccard) (uint32 nbytes, const uint8 *a, const uint8 *b);
} EpDistanceKernels;

/* simd_dispatch.c */
extern const EpDistanceKernels *EpDistance;
extern void EpSimdInit(void);
extern EpSimdLevel EpSimdBestLevel(void);
extern bool EpSimdLevelSupported(EpSimdLevel level);
extern void EpSimdUseLevel(EpSimdLevel level);

#endif							/* EPIPHANY_SIMD_H */
