-- time_bucket: every form, checked against independent PostgreSQL formulas
-- (date_trunc, date_bin, numeric floor division, calendar arithmetic) over
-- generated series, plus hand-computed edge cases.  Queries of the form
-- "SELECT count(*) ... WHERE time_bucket(...) IS DISTINCT FROM <formula>"
-- must return 0.
SET datestyle TO 'ISO, YMD';
SET timezone TO 'UTC';
SET intervalstyle TO 'postgres';

-- The signatures, argument names and defaults are TimescaleDB's.
SELECT pg_get_function_identity_arguments(p.oid) AS arguments,
       pg_get_function_result(p.oid) AS result,
       p.provolatile, p.proisstrict, p.proparallel
  FROM pg_proc p
 WHERE p.proname = 'time_bucket'
 ORDER BY 1;
SELECT pg_get_function_arguments('time_bucket(interval, timestamptz, text, timestamptz, interval)'::regprocedure);

-----------------------------------------------------------------------------
-- Integer times: buckets aligned to 0, floor semantics for negative times.
-----------------------------------------------------------------------------
SELECT x, time_bucket(10, x) AS b10, time_bucket(10, x, 3) AS b10_off3,
       time_bucket(10, x, -3) AS b10_offm3
  FROM unnest(ARRAY[-21, -20, -11, -10, -9, -1, 0, 1, 2, 3, 9, 10, 12, 13, 19]) x
 ORDER BY x;
SELECT time_bucket(5::smallint, -32763::smallint) AS int2_low,
       time_bucket(5::smallint, 32767::smallint) AS int2_high,
       time_bucket(1000::int, 2147483647) AS int4_high,
       time_bucket(1000::bigint, -9223372036854775000) AS int8_low,
       time_bucket(1000::bigint, 9223372036854775807) AS int8_high,
       time_bucket(9223372036854775807, -1::bigint, 1) AS int8_width_max;
-- An offset larger than the width acts modulo the width.
SELECT time_bucket(10, 7, 23) AS off23, time_bucket(10, 7, 3) AS off3,
       time_bucket(10, 7, -17) AS offm17;

-- Against numeric floor division, for every width 1..13 and offset -15..15.
SELECT count(*) AS int4_mismatches
  FROM generate_series(-300, 300) x, generate_series(1, 13) w,
       generate_series(-15, 15) o
 WHERE time_bucket(w, x) IS DISTINCT FROM (floor(x::numeric / w) * w)::int
    OR time_bucket(w, x, o) IS DISTINCT FROM (floor((x - o)::numeric / w) * w + o)::int;
SELECT count(*) AS int2_int8_mismatches
  FROM generate_series(-3000, 3000, 7) x, generate_series(1, 50, 7) w
 WHERE time_bucket(w::smallint, x::smallint)
           IS DISTINCT FROM (floor(x::numeric / w) * w)::smallint
    OR time_bucket(w::bigint * 1000000000000, x::bigint * 1000000000000001)
           IS DISTINCT FROM (floor(x::numeric * 1000000000000001 / (w::numeric * 1000000000000))
                             * w * 1000000000000)::bigint;

-----------------------------------------------------------------------------
-- timestamp: fixed widths, default origin Monday 2000-01-03.
-----------------------------------------------------------------------------
SELECT time_bucket('1 week', timestamp '2000-01-02 23:59:59') AS before_origin,
       time_bucket('1 week', timestamp '2000-01-03 00:00:00') AS at_origin,
       time_bucket('1 week', timestamp '1970-01-01 00:00:00') AS epoch_week,
       time_bucket('1 day', timestamp '1970-01-01 00:00:00') AS epoch_day,
       time_bucket('1 day', timestamp '1969-12-31 23:59:59.999999') AS before_epoch;
SELECT time_bucket('5 minutes', timestamp '2024-02-29 12:04:59.999999') AS last_usec,
       time_bucket('5 minutes', timestamp '2024-02-29 12:05:00') AS boundary,
       time_bucket('90 minutes', timestamp '2024-02-29 00:10') AS ninety,
       time_bucket('1 day 1 hour', timestamp '2000-01-04 00:59') AS odd_width,
       time_bucket('250 milliseconds', timestamp '2024-01-01 00:00:00.999') AS sub_second;
SELECT time_bucket('1 week', timestamp '0010-06-15 12:00 BC') AS bc_week,
       time_bucket('1 hour', timestamp '294276-12-31 23:59:59.999999') AS last_hour,
       time_bucket('100000 days', timestamp '2000-01-02') AS huge_width;

-- Weeks start on Mondays, as date_trunc's; days and hours as date_trunc's.
SELECT count(*) AS trunc_mismatches
  FROM generate_series(timestamp '1890-01-01', timestamp '2110-01-01', interval '9 hours 7 minutes 13.5 seconds') ts
 WHERE time_bucket('1 week', ts) <> date_trunc('week', ts)
    OR time_bucket('1 day', ts) <> date_trunc('day', ts)
    OR time_bucket('1 hour', ts) <> date_trunc('hour', ts)
    OR time_bucket('1 minute', ts) <> date_trunc('minute', ts);
-- Any fixed width: date_bin with the default origin, and the epoch formula.
SELECT count(*) AS date_bin_mismatches
  FROM generate_series(timestamp '1950-01-01', timestamp '2050-01-01', interval '17 hours 3 minutes 7.25 seconds') ts,
       unnest(ARRAY[interval '1 second', '250 milliseconds', '7 minutes', '1 hour',
                    '3 hours', '1 day', '2 days', '1 week', '10 days', '1 day 1 hour']) w
 WHERE time_bucket(w, ts) <> date_bin(w, ts, timestamp '2000-01-03');
SELECT count(*) AS epoch_formula_mismatches
  FROM generate_series(timestamp '1960-01-01', timestamp '2040-01-01', interval '5 hours 1 second') ts,
       unnest(ARRAY[60, 3600, 86400, 7 * 86400, 12345]) w
 WHERE time_bucket(make_interval(secs => w), ts)
       <> to_timestamp(floor((extract(epoch FROM ts) - extract(epoch FROM timestamp '2000-01-03')) / w) * w
                       + extract(epoch FROM timestamp '2000-01-03')) AT TIME ZONE 'UTC';

-----------------------------------------------------------------------------
-- Month widths: calendar months counted from 2000-01-01.
-----------------------------------------------------------------------------
SELECT time_bucket('1 month', timestamp '2024-02-29 23:59') AS feb,
       time_bucket('3 months', timestamp '2024-05-31 10:00') AS quarter,
       time_bucket('1 year', timestamp '2024-12-31 23:59:59.999999') AS year,
       time_bucket('5 months', timestamp '2000-04-01') AS five_in_2000,
       time_bucket('5 months', timestamp '1999-12-31') AS five_in_1999,
       time_bucket('1 month', timestamp '1970-01-01') AS epoch_month;
SELECT time_bucket('1 month', date '0002-06-15 BC') AS bc_month,
       time_bucket('7 months', date '0002-06-15 BC') AS bc_7_months,
       time_bucket('1 year', date '0001-01-01 BC') AS bc_year,
       time_bucket('2 years', date '0001-06-01') AS ad1_2_years;

SELECT count(*) AS month_trunc_mismatches
  FROM generate_series(timestamp '1700-01-01', timestamp '2300-01-01', interval '2 days 5 hours 11 minutes') ts
 WHERE time_bucket('1 month', ts) <> date_trunc('month', ts)
    OR time_bucket('3 months', ts) <> date_trunc('quarter', ts)
    OR time_bucket('1 year', ts) <> date_trunc('year', ts)
    OR time_bucket('10 years', ts) <> date_trunc('decade', ts);
-- Any month count, before and after the origin, also before year 1: the
-- calendar formula works on astronomical years (1 BC is year 0).
SELECT count(*) AS month_formula_mismatches
  FROM generate_series(date '0300-01-01 BC', date '2300-01-01', interval '13 days') d,
       generate_series(1, 25) w,
       LATERAL (SELECT (CASE WHEN extract(year FROM d) < 0 THEN extract(year FROM d) + 1
                             ELSE extract(year FROM d) END - 2000) * 12
                       + extract(month FROM d) - 1 AS m) months
 WHERE time_bucket(make_interval(months => w), d)
       <> (date '2000-01-01' + make_interval(months => (floor(m / w) * w)::int))::date;

-----------------------------------------------------------------------------
-- date: whole days, weeks and months.
-----------------------------------------------------------------------------
SELECT time_bucket('1 week', date '2000-01-02') AS sunday,
       time_bucket('1 week', date '2000-01-03') AS monday,
       time_bucket('4 days', date '1970-01-01') AS epoch,
       time_bucket('1 month', date '2024-02-29') AS month,
       time_bucket('1 day', date '5874897-12-31') AS last_date;
SELECT count(*) AS date_mismatches
  FROM generate_series(date '1800-01-01', date '2200-01-01', interval '1 day 1 hour') t,
       LATERAL (SELECT t::date AS d) dd,
       unnest(ARRAY[interval '1 day', '2 days', '1 week', '30 days']) w
 WHERE time_bucket(w, d) <> date_bin(w, d::timestamp, timestamp '2000-01-03')::date
    OR time_bucket('1 month', d) <> date_trunc('month', d)::date
    OR time_bucket('1 year', d) <> date_trunc('year', d)::date;

-----------------------------------------------------------------------------
-- timestamptz: buckets aligned in UTC whatever the session time zone.
-----------------------------------------------------------------------------
SET timezone TO 'Asia/Kolkata';
SELECT time_bucket('1 day', timestamptz '2024-03-10 03:00+05:30') AS day_utc,
       time_bucket('1 month', timestamptz '2024-03-01 03:00+05:30') AS month_utc,
       time_bucket('1 week', timestamptz '2000-01-03 04:00+05:30') AS week_utc;
SELECT count(*) AS tstz_mismatches
  FROM generate_series(timestamptz '1960-01-01 00:00+00', timestamptz '2040-01-01 00:00+00',
                       interval '11 hours 13 minutes 17 seconds') ts,
       unnest(ARRAY[interval '1 minute', '1 hour', '1 day', '1 week', '3 days']) w
 WHERE time_bucket(w, ts) <> date_bin(w, ts, timestamptz '2000-01-03 00:00+00')
    OR time_bucket('1 month', ts)
       <> date_trunc('month', ts AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
    OR time_bucket('1 year', ts)
       <> date_trunc('year', ts AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
SET timezone TO 'UTC';

-----------------------------------------------------------------------------
-- origin: any instant, before or after the times bucketed.
-----------------------------------------------------------------------------
SELECT time_bucket('1 hour', timestamp '2020-01-01 00:30', timestamp '2030-01-01 00:15') AS future_origin,
       time_bucket('1 week', timestamp '2024-03-14', timestamp '2024-03-10') AS sunday_weeks,
       time_bucket('1 day', timestamptz '2024-03-14 05:00+00', timestamptz '2024-01-01 06:00+00') AS six_am_days,
       time_bucket('1 week', date '2024-03-14', date '2024-03-10') AS date_sunday_weeks,
       time_bucket('3 months', timestamp '2024-03-14', timestamp '2024-02-20') AS feb_quarters,
       time_bucket('3 months', date '2024-01-31', date '2023-11-30') AS date_nov_quarters;
SELECT count(*) AS origin_mismatches
  FROM generate_series(timestamp '1990-01-01', timestamp '2030-01-01', interval '7 hours 3 minutes 1 second') ts,
       unnest(ARRAY[timestamp '1900-07-04 13:17:19', '2000-01-01', '2100-02-28 02:00']) o,
       unnest(ARRAY[interval '1 hour', '1 day', '1 week', '13 minutes']) w
 WHERE time_bucket(w, ts, o) <> date_bin(w, ts, o)
    OR time_bucket(w, ts::timestamptz, o::timestamptz) <> date_bin(w, ts::timestamptz, o::timestamptz)
    OR (w >= interval '1 day' AND extract(epoch FROM w) :: int % 86400 = 0 AND
        time_bucket(w, ts::date, o::date) <> date_bin(w, ts::date::timestamp, o::date::timestamp)::date);
-- A month origin only contributes its month.
SELECT count(*) AS month_origin_mismatches
  FROM generate_series(date '1950-01-01', date '2050-01-01', interval '5 days') d,
       generate_series(1, 12) w,
       unnest(ARRAY[date '1999-02-27', '2000-01-31', '2031-11-11']) o
 WHERE time_bucket(make_interval(months => w), d, o)
       <> (date_trunc('month', o) + make_interval(months =>
             (floor(((extract(year FROM d) - extract(year FROM o)) * 12
                     + extract(month FROM d) - extract(month FROM o)) / w) * w)::int))::date
    OR time_bucket(make_interval(months => w), d::timestamp, o::timestamp)
       <> time_bucket(make_interval(months => w), d, o)::timestamp;

-----------------------------------------------------------------------------
-- offset: time_bucket(w, ts - offset) + offset, as TimescaleDB defines it.
-----------------------------------------------------------------------------
SELECT time_bucket('1 day', timestamp '2024-03-14 01:00', interval '2 hours') AS before_offset,
       time_bucket('1 day', timestamp '2024-03-14 03:00', interval '2 hours') AS after_offset,
       time_bucket('1 day', timestamp '2024-03-14 03:00', interval '-2 hours') AS negative_offset,
       time_bucket('1 month', timestamp '2024-03-14', interval '15 days') AS month_mid,
       time_bucket('1 week', date '2024-03-14', interval '2 days') AS date_wednesday_weeks,
       time_bucket('1 week', date '2024-03-14', interval '-1 day') AS date_sunday_weeks,
       time_bucket('1 month', date '2024-03-01', interval '5 days') AS date_month_offset;
SELECT count(*) AS offset_mismatches
  FROM generate_series(timestamp '1990-01-01', timestamp '2030-01-01', interval '9 hours 1 minute 1 second') ts,
       unnest(ARRAY[interval '0', '2 hours', '-30 minutes', '1 day 1 hour', '40 days']) off,
       unnest(ARRAY[interval '1 hour', '1 day', '1 week']) w
 WHERE time_bucket(w, ts, off) <> date_bin(w, ts - off, timestamp '2000-01-03') + off
    OR time_bucket(w, ts::timestamptz, off)
       <> date_bin(w, ts::timestamptz - off, timestamptz '2000-01-03 00:00+00') + off;
SELECT count(*) AS date_offset_mismatches
  FROM generate_series(date '1990-01-01', date '2030-01-01', interval '1 day') t,
       LATERAL (SELECT t::date AS d) dd,
       unnest(ARRAY[interval '0', '1 day', '-3 days', '10 days']) off,
       unnest(ARRAY[interval '1 day', '1 week', '1 month']) w
 WHERE time_bucket(w, d, off) <> (time_bucket(w, (d - off)::date) + off)::date;

-----------------------------------------------------------------------------
-- The time zone form: wall-clock buckets in the zone, across DST changes.
-----------------------------------------------------------------------------
-- Europe/Berlin: CET (+01) to CEST (+02) on 2025-03-30 at 02:00 local, back
-- on 2025-10-26 at 03:00 local.  Buckets start at local midnight whatever
-- the offset; hours are whole UTC hours; the repeated hour 02:00-03:00 of
-- October gives two buckets labelled 02:00 local, one per instant.
SELECT ts, time_bucket('1 day', ts, 'Europe/Berlin') AS day,
       time_bucket('1 hour', ts, 'Europe/Berlin') AS hour,
       time_bucket('2 hours', ts, 'Europe/Berlin') AS two_hours
  FROM unnest(ARRAY[timestamptz '2025-03-29 22:59:59+00', '2025-03-29 23:00+00',
                    '2025-03-30 00:59:59+00', '2025-03-30 01:00+00', '2025-03-30 01:30+00',
                    '2025-03-30 22:30+00', '2025-10-25 22:30+00', '2025-10-26 00:30+00',
                    '2025-10-26 01:00+00', '2025-10-26 01:30+00', '2025-10-26 02:30+00',
                    '2025-10-26 23:30+00']) ts
 ORDER BY ts;
SELECT time_bucket('1 month', timestamptz '2025-03-31 22:30+00', 'Europe/Berlin') AS april_local,
       time_bucket('1 week', timestamptz '2025-03-30 23:00+00', 'Europe/Berlin') AS week_local,
       time_bucket('1 day', timestamptz '2025-03-30 12:00+00', 'Europe/Berlin',
                   origin => timestamptz '2025-01-01 06:00+01') AS six_am_local_days,
       time_bucket('1 day', timestamptz '2025-03-30 03:00+00', 'Europe/Berlin',
                   "offset" => interval '6 hours') AS offset_days,
       time_bucket('1 day', timestamptz '2025-03-30 12:00+00', 'Europe/Berlin', NULL, NULL) AS null_extras;
-- Over all of 2025 every 7 minutes: days, weeks and months match
-- date_trunc(..., zone); Berlin's offsets are whole hours, so its hour
-- buckets are UTC hours; an offset is applied to the instant.
SELECT count(*) AS berlin_mismatches
  FROM generate_series(timestamptz '2025-01-01 00:00+00', timestamptz '2026-01-01 00:00+00', interval '7 minutes') ts
 WHERE time_bucket('1 day', ts, 'Europe/Berlin') <> date_trunc('day', ts, 'Europe/Berlin')
    OR time_bucket('1 week', ts, 'Europe/Berlin') <> date_trunc('week', ts, 'Europe/Berlin')
    OR time_bucket('1 month', ts, 'Europe/Berlin') <> date_trunc('month', ts, 'Europe/Berlin')
    OR time_bucket('1 hour', ts, 'Europe/Berlin') <> date_trunc('hour', ts)
    OR time_bucket('1 day', ts, 'Europe/Berlin', "offset" => interval '2 hours')
       <> date_trunc('day', ts - interval '2 hours', 'Europe/Berlin') + interval '2 hours';
-- The result does not depend on the session's time zone.
SET timezone TO 'America/New_York';
SELECT count(*) AS session_zone_mismatches
  FROM generate_series(timestamptz '2025-01-01 00:00+00', timestamptz '2026-01-01 00:00+00', interval '53 minutes') ts
 WHERE time_bucket('1 day', ts, 'Europe/Berlin') <> date_trunc('day', ts, 'Europe/Berlin')
    OR time_bucket('30 minutes', ts, 'Asia/Kolkata') <> date_bin('30 minutes', ts, timestamptz '2000-01-01 00:00+00');
SET timezone TO 'UTC';

-----------------------------------------------------------------------------
-- Infinity is returned unchanged; NULL in, NULL out.
-----------------------------------------------------------------------------
SELECT time_bucket('1 day', timestamp 'infinity') AS ts_inf,
       time_bucket('1 month', timestamp '-infinity') AS ts_minf,
       time_bucket('1 day', timestamptz 'infinity') AS tstz_inf,
       time_bucket('1 week', date '-infinity') AS date_minf,
       time_bucket('1 day', timestamp 'infinity', timestamp '2000-01-01') AS origin_inf,
       time_bucket('1 day', timestamp 'infinity', interval '1 hour') AS offset_inf,
       time_bucket('1 day', date 'infinity', interval '1 day') AS date_offset_inf,
       time_bucket('1 day', timestamptz '-infinity', 'Europe/Berlin') AS tz_minf;
SELECT time_bucket(NULL::int, 1) IS NULL AS int_null,
       time_bucket('1 day', NULL::timestamp) IS NULL AS ts_null,
       time_bucket('1 day', now(), NULL::timestamptz) IS NULL AS origin_null,
       time_bucket('1 day', NULL::timestamptz, 'UTC') IS NULL AS tz_ts_null,
       time_bucket('1 day', now(), NULL::text) IS NULL AS tz_zone_null,
       time_bucket(NULL::interval, now(), 'UTC') IS NULL AS tz_width_null;
