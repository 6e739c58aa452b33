-- time_bucket: bad input gets an error with a specific SQLSTATE; NULL in
-- gives NULL out.
SET datestyle TO 'ISO, YMD';
SET timezone TO 'UTC';

-- Runs a query and returns its SQLSTATE and message, or 'ok: <result>'.
CREATE FUNCTION pg_temp.outcome(query text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    result text;
BEGIN
    EXECUTE query INTO result;
    RETURN 'ok: ' || coalesce(result, 'NULL');
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;

\set VERBOSITY terse
-- Width zero or negative: 22023 (invalid_parameter_value).
SELECT time_bucket(0, 10);
SELECT time_bucket('-1 day', timestamp '2024-01-01');
SELECT time_bucket('-1 month', date '2024-01-01');
-- Months mixed with days or time: 0A000 (feature_not_supported).
SELECT time_bucket('1 month 1 day', timestamp '2024-01-01');
-- A bucket that would start before the type's first value.
SELECT time_bucket('1 week', timestamp '4714-11-24 00:00:00 BC', timestamp '2000-01-04');
SELECT time_bucket(10::smallint, (-32768)::smallint);
\set VERBOSITY default

SELECT query, pg_temp.outcome(query)
  FROM unnest(ARRAY[
    -- widths
    $$SELECT time_bucket(0::smallint, 1::smallint)$$,
    $$SELECT time_bucket(-5, 1)$$,
    $$SELECT time_bucket(0::bigint, 1::bigint, 1::bigint)$$,
    $$SELECT time_bucket('0', timestamp '2024-01-01')$$,
    $$SELECT time_bucket('1 day -24 hours', timestamptz '2024-01-01')$$,
    $$SELECT time_bucket('-1 hour', date '2024-01-01')$$,
    $$SELECT time_bucket('-3 months', timestamp '2024-01-01')$$,
    $$SELECT time_bucket('1 month 1 day', date '2024-01-01')$$,
    $$SELECT time_bucket('1 year 2 hours', timestamptz '2024-01-01')$$,
    $$SELECT time_bucket('-1 month 1 day', timestamp '2024-01-01')$$,
    $$SELECT time_bucket('1 hour', date '2024-01-01')$$,
    $$SELECT time_bucket('25 hours', date '2024-01-01')$$,
    $$SELECT time_bucket('2000000000 days', timestamp '2024-01-01')$$,
    -- results out of range
    $$SELECT time_bucket(10::smallint, (-32768)::smallint)$$,
    $$SELECT time_bucket(10::smallint, 5::smallint, 32767::smallint)$$,
    $$SELECT time_bucket(10, -2147483648)$$,
    $$SELECT time_bucket(10::bigint, -9223372036854775808)$$,
    $$SELECT time_bucket('1 day', timestamp '4714-11-24 00:00:00 BC')$$,
    $$SELECT time_bucket('1 week', timestamp '4714-11-24 00:00:00 BC')$$,
    $$SELECT time_bucket('1 week', timestamp '4714-11-24 00:00:00 BC', timestamp '2000-01-04')$$,
    $$SELECT time_bucket('1 week', timestamptz '4714-11-24 00:00:00+00 BC', timestamptz '2000-01-04 00:00+00')$$,
    $$SELECT time_bucket('1 month', timestamp '4714-11-30 00:00:00 BC')$$,
    $$SELECT time_bucket('1 month', date '4714-11-24 BC')$$,
    $$SELECT time_bucket('1 week', date '4714-11-24 BC')$$,
    $$SELECT time_bucket('1 week', date '4714-11-24 BC', date '2000-01-04')$$,
    $$SELECT time_bucket('1 day', timestamp '4714-11-24 00:00:00 BC', interval '1 hour')$$,
    $$SELECT time_bucket('1 day', date '4714-11-24 BC', interval '1 day')$$,
    -- origins and offsets
    $$SELECT time_bucket('1 day', timestamp '2024-01-01', timestamp 'infinity')$$,
    $$SELECT time_bucket('1 month', timestamptz '2024-01-01', timestamptz '-infinity')$$,
    $$SELECT time_bucket('1 day', date '2024-01-01', date 'infinity')$$,
    $$SELECT time_bucket('1 day', date '2024-01-01', interval '1 hour')$$,
    $$SELECT time_bucket('1 day', date '2024-01-01', interval '1 month')$$,
    $$SELECT time_bucket('1 day', timestamptz '2024-01-01', 'Europe/Berlin', timestamptz 'infinity')$$,
    -- time zones
    $$SELECT time_bucket('1 day', timestamptz '2024-01-01', 'Mars/Olympus_Mons')$$,
    $$SELECT time_bucket('0', timestamptz '2024-01-01', 'Europe/Berlin')$$,
    $$SELECT time_bucket('1 month 1 day', timestamptz '2024-01-01', 'Europe/Berlin')$$,
    -- a width that is only checked when the time is finite (as TimescaleDB)
    $$SELECT time_bucket('-1 day', timestamp 'infinity')$$
  ]) AS query;

-- NULL arguments of the STRICT forms give NULL; the time zone form is not
-- STRICT but gives NULL for a NULL width, time or zone, and ignores a NULL
-- origin or offset.
SELECT time_bucket(NULL::smallint, 1::smallint) AS a,
       time_bucket(1::bigint, NULL::bigint) AS b,
       time_bucket(10, 5, NULL::int) AS c,
       time_bucket('1 day', timestamp '2024-01-01', NULL::timestamp) AS d,
       time_bucket('1 day', timestamp '2024-01-01', NULL::interval) AS e,
       time_bucket(NULL::interval, date '2024-01-01') AS f,
       time_bucket('1 day', NULL::timestamptz, 'UTC') AS g,
       time_bucket('1 day', timestamptz '2024-01-01 10:00+00', NULL::text) AS h,
       time_bucket('1 day', timestamptz '2024-01-01 10:00+00', 'UTC', NULL, NULL) AS i;
