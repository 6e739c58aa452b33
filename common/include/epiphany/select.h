/*-------------------------------------------------------------------------
 *
 * select.h
 *	  Selection kernels (common/src/select.c): the rows of a column of
 *	  64-bit integers whose values fall in a range, as row numbers, in a
 *	  portable and an AVX2 version chosen at run time (simd.h's probe).
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  common/include/epiphany/select.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef EPIPHANY_SELECT_H
#define EPIPHANY_SELECT_H

/* Room a selection needs beyond its rows: the AVX2 kernel stores 4 at once. */
#define EP_SELECT_SLACK		4

/*
 * EpSelectRange - writes to rows[] the i in [0, n), ascending, with
 * lo <= values[i] <= lo + span (compared as unsigned offsets from lo, so
 * span = hi - lo in uint64 covers any signed range) and !nulls[i]; returns
 * how many.  rows has room for n + EP_SELECT_SLACK.
 */
extern int	EpSelectRange(const int64 *values, const bool *nulls, int n, int64 lo, uint64 span,
						  int32 *rows);

#endif							/* EPIPHANY_SELECT_H */
