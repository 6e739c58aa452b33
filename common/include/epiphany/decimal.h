/*-------------------------------------------------------------------------
 *
 * decimal.h
 *	  Numeric values as scaled integers and back (decimal.c): the column
 *	  store's DECIMAL chunk encoding and its vector layer's decimal
 *	  arithmetic share these conversions.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  common/include/epiphany/decimal.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef EPIPHANY_DECIMAL_H
#define EPIPHANY_DECIMAL_H

#ifndef HAVE_INT128
#error "decimals need a 128-bit integer type"
#endif

#define MAX_DECIMAL_DIGITS	38	/* 10^38 < 2^127 */

/*
 * The most bytes EpWriteNumeric writes: a varlena header, the long
 * numeric header and ten base-10000 digits (39 decimal digits plus the
 * three that align the point to a digit boundary).
 */
#define NUMERIC_IMAGE_MAX_BYTES		(VARHDRSZ + 2 * sizeof(int16) + 11 * sizeof(int16))

extern int128 EpPow10(int k);
extern bool EpRescale(int128 *value, int from_scale, int to_scale);
extern bool EpNumericToScaled128(Datum value, int128 *scaled, int *scale, int *dscale);
extern bool EpNumericToScaled(Datum value, int64 *scaled, int *scale, int *dscale);
extern bool EpNumericAtDisplayScale(Datum value, int64 *scaled, int *dscale);
extern Size EpWriteNumeric(int128 value, int scale, int dscale, char *dst);
extern Datum EpScaledToNumeric(int128 value, int scale, int dscale);

#endif							/* EPIPHANY_DECIMAL_H */
