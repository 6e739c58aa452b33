/*-------------------------------------------------------------------------
 *
 * timestore.h
 *	  Declarations shared by the files of epiphany_timestore, the time
 *	  engine: the library name and the bucketing primitives that the SQL
 *	  functions of time_bucket.c are built on (and that continuous
 *	  aggregates and chunk ranges reuse).  Included only by the files under
 *	  timestore/src.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  timestore/src/timestore.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef EPIPHANY_TIMESTORE_H
#define EPIPHANY_TIMESTORE_H

#include "datatype/timestamp.h"
#include "utils/date.h"

#define EP_TIMESTORE_LIBRARY "epiphany_timestore"

/*
 * The default origin of time_bucket for dates and timestamps: Monday
 * 2000-01-03, two days after PostgreSQL's epoch (a Saturday), so that week
 * buckets start on Mondays like date_trunc('week', ...).  Month buckets only
 * look at the origin's year and month, so theirs is 2000-01-01.  Integer
 * buckets are aligned to 0.
 */
#define TIME_BUCKET_DEFAULT_ORIGIN_DAYS		2
#define TIME_BUCKET_DEFAULT_ORIGIN \
	((Timestamp) TIME_BUCKET_DEFAULT_ORIGIN_DAYS * USECS_PER_DAY)

/* time_bucket.c */
extern int64 TimeBucketInt64(int64 width, int64 value, int64 origin,
							 int64 min_value);
extern Timestamp TimeBucketTimestamp(const Interval *width, Timestamp value,
									 Timestamp origin);
extern DateADT TimeBucketDate(const Interval *width, DateADT value,
							  DateADT origin);

#endif							/* EPIPHANY_TIMESTORE_H */
