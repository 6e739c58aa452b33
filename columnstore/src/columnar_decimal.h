/*-------------------------------------------------------------------------
 *
 * columnar_decimal.h
 *	  Numeric values as scaled integers and back (columnar_decimal.c): the
 *	  chunk codec's DECIMAL encoding and the vector layer's decimal
 *	  arithmetic share these conversions.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  columnstore/src/columnar_decimal.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef EPIPHANY_COLUMNAR_DECIMAL_H
#define EPIPHANY_COLUMNAR_DECIMAL_H

#ifndef HAVE_INT128
#error "the column store's decimals need a 128-bit integer type"
#endif

#define MAX_DECIMAL_DIGITS	38	/* 10^38 < 2^127 */

/*
 * The most bytes ColumnarWriteNumeric writes: a varlena header, the long
 * numeric header and ten base-10000 digits (39 decimal digits plus the
 * three that align the point to a digit boundary).
 */
#define NUMERIC_IMAGE_MAX_BYTES		(VARHDRSZ + 2 * sizeof(int16) + 11 * sizeof(int16))

extern int128 ColumnarPow10(int k);
extern bool ColumnarRescale(int128 *value, int from_scale, int to_scale);
extern bool ColumnarNumericToScaled128(Datum value, int128 *scaled, int *scale, int *dscale);
extern bool ColumnarNumericToScaled(Datum value, int64 *scaled, int *scale, int *dscale);
extern bool ColumnarNumericAtDisplayScale(Datum value, int64 *scaled, int *dscale);
extern Size ColumnarWriteNumeric(int128 value, int scale, int dscale, char *dst);
extern Datum ColumnarScaledToNumeric(int128 value, int scale, int dscale);

#endif							/* EPIPHANY_COLUMNAR_DECIMAL_H */
