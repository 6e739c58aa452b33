/*-------------------------------------------------------------------------
 *
 * time_bucket.c
 *	  time_bucket(): the start of the fixed-width bucket a time value falls
 *	  into, for smallint, integer, bigint, date, timestamp and timestamptz,
 *	  with TimescaleDB's signatures and results.
 *
 *	  Invariants: a bucket start is value - ((value - origin) mod width) with
 *	  a floor modulo, so it is never after the value and buckets tile the
 *	  whole line, before the origin too; only the bucket start can leave the
 *	  type's range, and that is an error, never a wrapped value.  Widths in
 *	  months bucket calendar months counted from the origin's month.  Infinite
 *	  dates and timestamps are returned unchanged.  The arithmetic is done in
 *	  64 bits without intermediate overflow; the design and every deviation
 *	  from TimescaleDB are in timestore/README.md.
 *
 * Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
 *
 * IDENTIFICATION
 *	  timestore/src/time_bucket.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "epiphany/compat.h"

#include "common/int.h"
#include "fmgr.h"
#include "timestore.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/fmgrprotos.h"
#include "utils/timestamp.h"

#define MONTHS_PER_YEAR_I64 ((int64) MONTHS_PER_YEAR)

PG_FUNCTION_INFO_V1(ep_time_bucket_int16);
PG_FUNCTION_INFO_V1(ep_time_bucket_int32);
PG_FUNCTION_INFO_V1(ep_time_bucket_int64);
PG_FUNCTION_INFO_V1(ep_time_bucket_date);
PG_FUNCTION_INFO_V1(ep_time_bucket_ts);
PG_FUNCTION_INFO_V1(ep_time_bucket_tstz);
PG_FUNCTION_INFO_V1(ep_time_bucket_date_offset);
PG_FUNCTION_INFO_V1(ep_time_bucket_ts_offset);
PG_FUNCTION_INFO_V1(ep_time_bucket_tstz_offset);
PG_FUNCTION_INFO_V1(ep_time_bucket_tstz_timezone);

/* ----------------------------------------------------------------
 *		Width validation
 * ----------------------------------------------------------------
 */

static void
ReportNonPositiveWidth(void)
{
	ereport(ERROR,
			errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			errmsg("bucket width must be greater than zero"));
}

/*
 * Checks a width given in months: a calendar width cannot also carry days or
 * a time part (a month has no fixed length in days), and it must be positive.
 */
static void
CheckMonthWidth(const Interval *width)
{
	Assert(width->month != 0);

	if (width->day != 0 || width->time != 0)
		ereport(ERROR,
				errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				errmsg("bucket width cannot combine months with days or time"),
				errhint("Use a width of whole months or years, or one of days and time only."));
	if (width->month < 0)
		ReportNonPositiveWidth();
}

/*
 * Converts an interval without months to microseconds.  Errors out when the
 * sum overflows 64 bits.
 */
static int64
IntervalMicroseconds(const Interval *interval)
{
	int64		days_usecs;
	int64		result;

	Assert(interval->month == 0);

	if (pg_mul_s64_overflow((int64) interval->day, USECS_PER_DAY, &days_usecs) ||
		pg_add_s64_overflow(days_usecs, interval->time, &result))
		ereport(ERROR,
				errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				errmsg("interval out of range"));
	return result;
}

/*
 * The length in microseconds of a width that has no months; it must be
 * positive.
 */
static int64
FixedWidthMicroseconds(const Interval *width)
{
	int64		usecs = IntervalMicroseconds(width);

	if (usecs <= 0)
		ReportNonPositiveWidth();
	return usecs;
}

/* ----------------------------------------------------------------
 *		Bucketing arithmetic
 * ----------------------------------------------------------------
 */

/* a mod width, in [0, width); width must be positive */
static inline int64
FloorMod(int64 a, int64 width)
{
	int64		r = a % width;

	Assert(width > 0);
	return r < 0 ? r + width : r;
}

/*
 * The distance from value back to the start of its bucket:
 * (value - origin) mod width, computed without forming value - origin,
 * which could overflow.
 */
static inline int64
DistanceToBucketStart(int64 value, int64 width, int64 origin)
{
	int64		r = FloorMod(value, width) - FloorMod(origin, width);

	return r < 0 ? r + width : r;
}

/*
 * TimeBucketInt64 - start of the bucket of "value" for integer times.
 *
 * Buckets are "width" long and one of them starts at "origin" (the offset of
 * the SQL function); value and origin may be anywhere in the int64 range.
 * min_value is the smallest value of the SQL type: a bucket starting below
 * it is an error.  Errors out unless width is positive.
 */
int64
TimeBucketInt64(int64 width, int64 value, int64 origin, int64 min_value)
{
	int64		result;

	if (width <= 0)
		ReportNonPositiveWidth();

	if (pg_sub_s64_overflow(value, DistanceToBucketStart(value, width, origin),
							&result) ||
		result < min_value)
		ereport(ERROR,
				errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				errmsg("time bucket out of range"),
				errdetail("The bucket of value %lld would start before %lld.",
						  (long long) value, (long long) min_value));
	return result;
}

/* Months since January of year 0 (1 BC) of a finite timestamp, in UTC. */
static int64
TimestampMonths(Timestamp value)
{
	struct pg_tm tm;
	fsec_t		fsec;

	if (timestamp2tm(value, NULL, &tm, &fsec, NULL, NULL) != 0)
		ereport(ERROR,
				errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				errmsg("timestamp out of range"));
	return (int64) tm.tm_year * MONTHS_PER_YEAR + tm.tm_mon - 1;
}

/* Months since January of year 0 (1 BC) of a finite date. */
static int64
DateMonths(DateADT value)
{
	int			year;
	int			month;
	int			day;

	j2date(value + POSTGRES_EPOCH_JDATE, &year, &month, &day);
	return (int64) year * MONTHS_PER_YEAR + month - 1;
}

/*
 * The first day of a month counted as by DateMonths.  The year and month are
 * derived with floor division, so that months before 1 BC come out right.
 */
static DateADT
MonthStartDate(int64 months)
{
	int64		month0 = FloorMod(months, MONTHS_PER_YEAR_I64);
	int64		year = (months - month0) / MONTHS_PER_YEAR_I64;
	int64		month = month0 + 1;
	DateADT		result;

	if (year < JULIAN_MINYEAR || year > JULIAN_MAXYEAR ||
		!IS_VALID_JULIAN((int) year, (int) month, 1))
		ereport(ERROR,
				errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				errmsg("date out of range"));

	result = date2j((int) year, (int) month, 1) - POSTGRES_EPOCH_JDATE;
	if (!IS_VALID_DATE(result))
		ereport(ERROR,
				errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				errmsg("date out of range"));
	return result;
}

/* The first month of the month bucket of value_months. */
static int64
BucketMonths(const Interval *width, int64 value_months, int64 origin_months)
{
	CheckMonthWidth(width);
	return value_months - FloorMod(value_months - origin_months, width->month);
}

static void
CheckOriginIsFinite(bool finite)
{
	if (!finite)
		ereport(ERROR,
				errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				errmsg("time_bucket origin must be finite"));
}

/*
 * TimeBucketTimestamp - start of the bucket of a finite timestamp.
 *
 * Used for timestamp and, in UTC, for timestamptz (same representation).
 * Widths in months bucket calendar months counted from the origin's month
 * and return midnight of the bucket's first day; other widths are fixed
 * lengths aligned on origin, which must be finite.
 */
Timestamp
TimeBucketTimestamp(const Interval *width, Timestamp value, Timestamp origin)
{
	int64		period;
	Timestamp	result;

	Assert(!TIMESTAMP_NOT_FINITE(value));
	CheckOriginIsFinite(!TIMESTAMP_NOT_FINITE(origin));

	if (width->month != 0)
	{
		int64		months = BucketMonths(width, TimestampMonths(value),
										  TimestampMonths(origin));

		result = (Timestamp) MonthStartDate(months) * USECS_PER_DAY;
	}
	else
	{
		period = FixedWidthMicroseconds(width);
		if (pg_sub_s64_overflow(value,
								DistanceToBucketStart(value, period, origin),
								&result))
			result = DT_NOBEGIN;
	}

	if (!IS_VALID_TIMESTAMP(result))
		ereport(ERROR,
				errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				errmsg("timestamp out of range"));
	return result;
}

/*
 * TimeBucketDate - start of the bucket of a finite date.
 *
 * Widths in months behave as for timestamps; other widths must be whole
 * days and are aligned on origin, which must be finite.
 */
DateADT
TimeBucketDate(const Interval *width, DateADT value, DateADT origin)
{
	int64		period;
	int64		result;

	Assert(!DATE_NOT_FINITE(value));
	CheckOriginIsFinite(!DATE_NOT_FINITE(origin));

	if (width->month != 0)
		return MonthStartDate(BucketMonths(width, DateMonths(value),
										   DateMonths(origin)));

	period = FixedWidthMicroseconds(width);
	if (period % USECS_PER_DAY != 0)
		ereport(ERROR,
				errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				errmsg("bucket width for dates must be a whole number of days"));
	period /= USECS_PER_DAY;

	result = (int64) value - FloorMod((int64) value - origin, period);
	if (!IS_VALID_DATE(result))
		ereport(ERROR,
				errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				errmsg("date out of range"));
	return (DateADT) result;
}

/* ----------------------------------------------------------------
 *		SQL functions on integer times
 *
 * time_bucket(bucket_width T, ts T [, "offset" T]) for T in smallint,
 * integer, bigint; one C function serves both arities.
 * ----------------------------------------------------------------
 */

Datum
ep_time_bucket_int16(PG_FUNCTION_ARGS)
{
	int16		offset = PG_NARGS() > 2 ? PG_GETARG_INT16(2) : 0;

	PG_RETURN_INT16((int16) TimeBucketInt64(PG_GETARG_INT16(0),
											PG_GETARG_INT16(1),
											offset, PG_INT16_MIN));
}

Datum
ep_time_bucket_int32(PG_FUNCTION_ARGS)
{
	int32		offset = PG_NARGS() > 2 ? PG_GETARG_INT32(2) : 0;

	PG_RETURN_INT32((int32) TimeBucketInt64(PG_GETARG_INT32(0),
											PG_GETARG_INT32(1),
											offset, PG_INT32_MIN));
}

Datum
ep_time_bucket_int64(PG_FUNCTION_ARGS)
{
	int64		offset = PG_NARGS() > 2 ? PG_GETARG_INT64(2) : 0;

	PG_RETURN_INT64(TimeBucketInt64(PG_GETARG_INT64(0), PG_GETARG_INT64(1),
									offset, PG_INT64_MIN));
}

/* ----------------------------------------------------------------
 *		SQL functions on dates and timestamps, with an optional origin
 *
 * time_bucket(bucket_width interval, ts T [, origin T]) for T in date,
 * timestamp, timestamptz.  PG_NARGS tells the two forms apart; the origin
 * defaults to 2000-01-03.
 * ----------------------------------------------------------------
 */

Datum
ep_time_bucket_date(PG_FUNCTION_ARGS)
{
	Interval   *width = PG_GETARG_INTERVAL_P(0);
	DateADT		value = PG_GETARG_DATEADT(1);
	DateADT		origin = PG_NARGS() > 2 ?
		PG_GETARG_DATEADT(2) : TIME_BUCKET_DEFAULT_ORIGIN_DAYS;

	if (DATE_NOT_FINITE(value))
		PG_RETURN_DATEADT(value);
	PG_RETURN_DATEADT(TimeBucketDate(width, value, origin));
}

Datum
ep_time_bucket_ts(PG_FUNCTION_ARGS)
{
	Interval   *width = PG_GETARG_INTERVAL_P(0);
	Timestamp	value = PG_GETARG_TIMESTAMP(1);
	Timestamp	origin = PG_NARGS() > 2 ?
		PG_GETARG_TIMESTAMP(2) : TIME_BUCKET_DEFAULT_ORIGIN;

	if (TIMESTAMP_NOT_FINITE(value))
		PG_RETURN_TIMESTAMP(value);
	PG_RETURN_TIMESTAMP(TimeBucketTimestamp(width, value, origin));
}

/* Buckets of timestamptz are aligned in UTC, as TimescaleDB does. */
Datum
ep_time_bucket_tstz(PG_FUNCTION_ARGS)
{
	Interval   *width = PG_GETARG_INTERVAL_P(0);
	TimestampTz value = PG_GETARG_TIMESTAMPTZ(1);
	TimestampTz origin = PG_NARGS() > 2 ?
		PG_GETARG_TIMESTAMPTZ(2) : TIME_BUCKET_DEFAULT_ORIGIN;

	if (TIMESTAMP_NOT_FINITE(value))
		PG_RETURN_TIMESTAMPTZ(value);
	PG_RETURN_TIMESTAMPTZ(TimeBucketTimestamp(width, value, origin));
}

/* ----------------------------------------------------------------
 *		SQL functions with an interval offset
 *
 * time_bucket(bucket_width interval, ts T, "offset" interval): buckets of
 * ts - offset, shifted back by offset.  The shifts use PostgreSQL's own
 * interval arithmetic, so a timestamptz offset with days or months follows
 * the session's time zone exactly as in TimescaleDB.
 * ----------------------------------------------------------------
 */

/*
 * A date offset must be whole days without months (a month offset would
 * move bucket starts off the first of the month); returns it in days.
 */
static int64
DateOffsetDays(const Interval *offset)
{
	int64		usecs;

	if (offset->month != 0)
		ereport(ERROR,
				errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				errmsg("offset for dates cannot contain months or years"));
	usecs = IntervalMicroseconds(offset);
	if (usecs % USECS_PER_DAY != 0)
		ereport(ERROR,
				errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				errmsg("offset for dates must be a whole number of days"));
	return usecs / USECS_PER_DAY;
}

/* value + days as a date, or an error when it leaves the date range */
static DateADT
DateAddDays(int64 value, int64 days)
{
	int64		result = value + days;

	if (!IS_VALID_DATE(result))
		ereport(ERROR,
				errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				errmsg("date out of range"));
	return (DateADT) result;
}

Datum
ep_time_bucket_date_offset(PG_FUNCTION_ARGS)
{
	Interval   *width = PG_GETARG_INTERVAL_P(0);
	DateADT		value = PG_GETARG_DATEADT(1);
	int64		offset_days = DateOffsetDays(PG_GETARG_INTERVAL_P(2));
	DateADT		bucket;

	if (DATE_NOT_FINITE(value))
		PG_RETURN_DATEADT(value);

	bucket = TimeBucketDate(width, DateAddDays(value, -offset_days),
							TIME_BUCKET_DEFAULT_ORIGIN_DAYS);
	PG_RETURN_DATEADT(DateAddDays(bucket, offset_days));
}

Datum
ep_time_bucket_ts_offset(PG_FUNCTION_ARGS)
{
	Interval   *width = PG_GETARG_INTERVAL_P(0);
	Timestamp	value = PG_GETARG_TIMESTAMP(1);
	Datum		offset = PG_GETARG_DATUM(2);
	Timestamp	shifted;

	if (TIMESTAMP_NOT_FINITE(value))
		PG_RETURN_TIMESTAMP(value);

	shifted = DatumGetTimestamp(DirectFunctionCall2(timestamp_mi_interval,
													TimestampGetDatum(value),
													offset));
	shifted = TimeBucketTimestamp(width, shifted, TIME_BUCKET_DEFAULT_ORIGIN);
	PG_RETURN_DATUM(DirectFunctionCall2(timestamp_pl_interval,
										TimestampGetDatum(shifted), offset));
}

Datum
ep_time_bucket_tstz_offset(PG_FUNCTION_ARGS)
{
	Interval   *width = PG_GETARG_INTERVAL_P(0);
	TimestampTz value = PG_GETARG_TIMESTAMPTZ(1);
	Datum		offset = PG_GETARG_DATUM(2);
	TimestampTz shifted;

	if (TIMESTAMP_NOT_FINITE(value))
		PG_RETURN_TIMESTAMPTZ(value);

	shifted = DatumGetTimestampTz(DirectFunctionCall2(timestamptz_mi_interval,
													  TimestampTzGetDatum(value),
													  offset));
	shifted = TimeBucketTimestamp(width, shifted, TIME_BUCKET_DEFAULT_ORIGIN);
	PG_RETURN_DATUM(DirectFunctionCall2(timestamptz_pl_interval,
										TimestampTzGetDatum(shifted), offset));
}

/* ----------------------------------------------------------------
 *		The time zone form
 * ----------------------------------------------------------------
 */

/*
 * time_bucket(bucket_width interval, ts timestamptz, timezone text,
 *			   origin timestamptz DEFAULT NULL, "offset" interval DEFAULT NULL)
 *
 * Buckets the wall-clock time of ts in the named zone and returns the
 * instant at which that wall-clock bucket starts.  Steps, as TimescaleDB
 * 2.27 and later take them:
 *	1. subtract the offset from ts as an instant (before the zone
 *	   conversion, so that it cannot produce a wall-clock time that a DST
 *	   change skipped);
 *	2. convert to local time in the zone, bucket it (a given origin is
 *	   converted to local time as well);
 *	3. convert the bucket start back to an instant; a wall-clock time that
 *	   a fall-back transition repeats is read as the later, standard-time
 *	   instant, which can lie after ts: step back one width until it does
 *	   not;
 *	4. add the offset back.
 * Not STRICT because origin and offset may be NULL (then unused); a NULL
 * width, ts or zone gives NULL.
 */
Datum
ep_time_bucket_tstz_timezone(PG_FUNCTION_ARGS)
{
	Datum		width;
	TimestampTz value;
	TimestampTz result;
	bool		have_offset = PG_NARGS() > 4 && !PG_ARGISNULL(4);
	TimestampTz origin;
	bool		have_origin = PG_NARGS() > 3 && !PG_ARGISNULL(3);

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_NULL();

	width = PG_GETARG_DATUM(0);
	value = PG_GETARG_TIMESTAMPTZ(1);

	if (TIMESTAMP_NOT_FINITE(value))
		PG_RETURN_TIMESTAMPTZ(value);

	if (have_offset)
		value = DatumGetTimestampTz(DirectFunctionCall2(timestamptz_mi_interval,
														TimestampTzGetDatum(value),
														PG_GETARG_DATUM(4)));
	if (have_origin)
		origin = PG_GETARG_TIMESTAMPTZ(3);
	result = TimeBucketInZone(DatumGetIntervalP(width), value, PG_GETARG_DATUM(2),
							  have_origin ? &origin : NULL);
	if (have_offset)
		result = DatumGetTimestampTz(DirectFunctionCall2(timestamptz_pl_interval,
														 TimestampTzGetDatum(result),
														 PG_GETARG_DATUM(4)));
	PG_RETURN_TIMESTAMPTZ(result);
}

/*
 * TimeBucketInZone - steps 2 and 3 above: the instant at which the
 * wall-clock bucket of finite value in zone (a text datum) starts.  origin
 * is an instant, or NULL for the default origin.
 */
TimestampTz
TimeBucketInZone(const Interval *width, TimestampTz value, Datum zone, const TimestampTz *origin)
{
	Timestamp	local;
	Timestamp	local_origin = TIME_BUCKET_DEFAULT_ORIGIN;
	TimestampTz result;

	local = DatumGetTimestamp(DirectFunctionCall2(timestamptz_zone, zone,
												  TimestampTzGetDatum(value)));
	if (origin != NULL)
		local_origin = DatumGetTimestamp(DirectFunctionCall2(timestamptz_zone, zone,
															 TimestampTzGetDatum(*origin)));
	local = TimeBucketTimestamp(width, local, local_origin);

	result = DatumGetTimestampTz(DirectFunctionCall2(timestamp_zone, zone,
													 TimestampGetDatum(local)));
	while (result > value)
		result = DatumGetTimestampTz(DirectFunctionCall2(timestamptz_mi_interval,
														 TimestampTzGetDatum(result),
														 IntervalPGetDatum(width)));
	return result;
}
