/*-------------------------------------------------------------------------
 *
 * bitvec.c
 *	  Distances between PostgreSQL bit strings: Hamming and Jaccard, the
 *	  distances of binary-quantized vectors.
 *
 *	  Relies on bit strings keeping their pad bits zero (varbit.c does),
 *	  so whole bytes can be counted.  The counting kernels come from the
 *	  dispatch table of simd.h.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  vectorstore/src/bitvec.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include "epiphany/simd.h"
#include "fmgr.h"
#include "utils/varbit.h"
#include "vectorstore.h"

PG_FUNCTION_INFO_V1(ep_hamming_distance);
PG_FUNCTION_INFO_V1(ep_jaccard_distance);

/* Refuses two bit strings of different lengths. */
static void
CheckSameLength(const VarBit *a, const VarBit *b)
{
	if (VARBITLEN(a) != VARBITLEN(b))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("different bit lengths %d and %d", VARBITLEN(a), VARBITLEN(b))));
}

/* hamming_distance(bit, bit), operator <~>: the number of differing bits */
Datum
ep_hamming_distance(PG_FUNCTION_ARGS)
{
	VarBit	   *a = PG_GETARG_VARBIT_P(0);
	VarBit	   *b = PG_GETARG_VARBIT_P(1);

	CheckSameLength(a, b);
	PG_RETURN_FLOAT8((double) EpDistance->hamming(VARBITBYTES(a), VARBITS(a), VARBITS(b)));
}

/*
 * jaccard_distance(bit, bit), operator <%>: 1 - |a & b| / |a | b|.  Two
 * strings without a common set bit (both empty included) are at distance 1,
 * as in pgvector.
 */
Datum
ep_jaccard_distance(PG_FUNCTION_ARGS)
{
	VarBit	   *a = PG_GETARG_VARBIT_P(0);
	VarBit	   *b = PG_GETARG_VARBIT_P(1);
	EpJaccardCounts c;

	CheckSameLength(a, b);
	c = EpDistance->jaccard(VARBITBYTES(a), VARBITS(a), VARBITS(b));
	if (c.ab == 0)
		PG_RETURN_FLOAT8(1.0);
	PG_RETURN_FLOAT8(1.0 - (double) c.ab / (double) (c.aa + c.bb - c.ab));
}
