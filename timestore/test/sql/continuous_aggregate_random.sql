-- Continuous aggregates against the plain query, after a random mix of
-- inserts (late ones included), updates, deletes and partial refreshes,
-- each in its own transaction: after every full refresh the views (real-time
-- and materialized-only) must equal the plain GROUP BY.  Bucket kinds:
-- days in a time zone across both clock changes, calendar months, integers
-- and weeks of dates.  The integer and date aggregates merge late rows
-- (cagg_merge.c); the others recompute.  The seed fixes the mix, so the
-- output is stable.
SET timezone = 'UTC';
CREATE TABLE tz_readings (time timestamptz NOT NULL, dev int, v int);
SELECT created FROM create_hypertable('tz_readings', 'time', chunk_time_interval => interval '30 days');
CREATE TABLE int_readings (time int NOT NULL, dev int, v int);
SELECT created FROM create_hypertable('int_readings', 'time', chunk_time_interval => 1000);
CREATE TABLE date_readings (day date NOT NULL, dev int, v int);
SELECT created FROM create_hypertable('date_readings', 'day');

-- The continuous aggregates, each with the plain query it must equal.
CREATE TABLE checked (view regclass, expected text);
CREATE MATERIALIZED VIEW berlin_days WITH (timescaledb.continuous) AS
SELECT time_bucket('1 day', time, 'Europe/Berlin') AS day, dev, sum(v) AS total, count(*) AS n,
       min(v) AS low, max(v) AS high, avg(v) AS mean, stddev(v) AS sd
  FROM tz_readings GROUP BY 1, 2;
CREATE MATERIALIZED VIEW months WITH (timescaledb.continuous) AS
SELECT time_bucket('1 month', time) AS month, sum(v) AS total, count(*) AS n
  FROM tz_readings GROUP BY 1;
CREATE MATERIALIZED VIEW hundreds WITH (timescaledb.continuous) AS
SELECT time_bucket(100, time) AS b, dev, sum(v) AS total, max(v) AS high, avg(v) AS mean,
       count(*) AS n
  FROM int_readings GROUP BY 1, 2;
CREATE MATERIALIZED VIEW weeks WITH (timescaledb.continuous) AS
SELECT time_bucket('7 days', day) AS week, dev, count(*) AS n, sum(v) AS total
  FROM date_readings GROUP BY 1, 2;
INSERT INTO checked VALUES
  ('berlin_days', $$SELECT time_bucket('1 day', time, 'Europe/Berlin'), dev, sum(v), count(*), min(v), max(v), avg(v), stddev(v) FROM tz_readings GROUP BY 1, 2$$),
  ('months', $$SELECT time_bucket('1 month', time), sum(v), count(*) FROM tz_readings GROUP BY 1$$),
  ('hundreds', $$SELECT time_bucket(100, time), dev, sum(v), max(v), avg(v), count(*) FROM int_readings GROUP BY 1, 2$$),
  ('weeks', $$SELECT time_bucket('7 days', day), dev, count(*), sum(v) FROM date_readings GROUP BY 1, 2$$);

CREATE TABLE failures (step int, view regclass, materialized_only boolean, differences bigint);
CREATE TABLE checks (step int);
-- Compares every view, in both modes, with its plain query.
CREATE PROCEDURE check_all(step int) LANGUAGE plpgsql AS $$
DECLARE
    c record;
    mode boolean;
    n bigint;
BEGIN
    FOR c IN SELECT * FROM checked LOOP
        FOREACH mode IN ARRAY ARRAY[false, true] LOOP
            EXECUTE format('ALTER MATERIALIZED VIEW %s SET (timescaledb.materialized_only = %s)', c.view, mode::text);
            EXECUTE format('SELECT count(*) FROM ((SELECT * FROM %1$s EXCEPT ALL %2$s)'
                           ' UNION ALL (%2$s EXCEPT ALL SELECT * FROM %1$s)) d', c.view, c.expected)
               INTO n;
            IF n <> 0 THEN
                INSERT INTO failures VALUES (step, c.view, mode, n);
            END IF;
        END LOOP;
        EXECUTE format('ALTER MATERIALIZED VIEW %s SET (timescaledb.materialized_only = false)', c.view);
    END LOOP;
    INSERT INTO checks VALUES (step);
END $$;

-- Random times: timestamps in 2024, integers in [0, 10000), dates in 2024.
CREATE FUNCTION rnd_time() RETURNS timestamptz LANGUAGE sql AS
$$ SELECT '2024-01-01'::timestamptz + random() * interval '366 days' $$;
CREATE FUNCTION rnd_int() RETURNS int LANGUAGE sql AS $$ SELECT (random() * 10000)::int $$;
CREATE FUNCTION rnd_date() RETURNS date LANGUAGE sql AS
$$ SELECT '2024-01-01'::date + (random() * 365)::int $$;

SELECT setseed(0.25);
CREATE TABLE steps AS
SELECT i, CASE
    WHEN i % 10 = 0 THEN
        format('CALL refresh_continuous_aggregate(%L, NULL, NULL); ', 'berlin_days') ||
        format('CALL refresh_continuous_aggregate(%L, NULL, NULL); ', 'months') ||
        format('CALL refresh_continuous_aggregate(%L, NULL, NULL); ', 'hundreds') ||
        format('CALL refresh_continuous_aggregate(%L, NULL, NULL); ', 'weeks') ||
        format('CALL check_all(%s)', i)
    WHEN r < 0.35 THEN format(
        'INSERT INTO tz_readings SELECT rnd_time(), (random() * 3)::int, (random() * 100)::int FROM generate_series(1, %s); '
        'INSERT INTO int_readings SELECT rnd_int(), (random() * 3)::int, (random() * 100)::int FROM generate_series(1, %s); '
        'INSERT INTO date_readings SELECT rnd_date(), (random() * 3)::int, (random() * 100)::int FROM generate_series(1, %s)',
        1 + (r * 400)::int, 1 + (r * 100)::int, 1 + (r * 100)::int)
    WHEN r < 0.5 THEN format(
        'UPDATE tz_readings SET v = v + 1 WHERE dev = %1$s AND time < rnd_time() AND time > rnd_time(); '
        'UPDATE int_readings SET v = v + 1 WHERE dev = %1$s AND time BETWEEN %2$s AND %2$s + 300; '
        'UPDATE date_readings SET v = v + 1 WHERE dev = %1$s AND day > rnd_date()', (r * 30)::int % 3, (r * 9000)::int)
    WHEN r < 0.65 THEN format(
        'DELETE FROM tz_readings WHERE dev = %1$s AND time BETWEEN %2$L AND %2$L::timestamptz + interval ''20 days''; '
        'DELETE FROM int_readings WHERE dev = %1$s AND time BETWEEN %3$s AND %3$s + 200; '
        'DELETE FROM date_readings WHERE dev = %1$s AND day BETWEEN %4$L AND %4$L::date + 10',
        (r * 30)::int % 3, '2024-01-01'::timestamptz + r * interval '360 days', (r * 9000)::int,
        '2024-01-01'::date + (r * 360)::int)
    WHEN r < 0.8 THEN format(
        'CALL refresh_continuous_aggregate(''berlin_days'', %1$L::timestamptz, %1$L::timestamptz + interval ''40 days''); '
        'CALL refresh_continuous_aggregate(''months'', %1$L::timestamptz, %1$L::timestamptz + interval ''75 days''); '
        'CALL refresh_continuous_aggregate(''hundreds'', %2$s, %2$s + 1500); '
        'CALL refresh_continuous_aggregate(''weeks'', %3$L::date, %3$L::date + 50)',
        '2024-01-01'::timestamptz + r * interval '300 days', (r * 8000)::int, '2024-01-01'::date + (r * 300)::int)
    ELSE format(
        'INSERT INTO tz_readings SELECT %1$L::timestamptz + i * interval ''1 hour'', 1, i FROM generate_series(1, 50) i; '
        'INSERT INTO int_readings SELECT %2$s + i, 2, i FROM generate_series(1, 50) i', 
        '2024-01-01'::timestamptz + r * interval '50 days', (r * 1000)::int)
    END AS sql
  FROM (SELECT i, random() AS r FROM generate_series(1, 60) i) s;

SET client_min_messages = warning;
\set QUIET on
SELECT sql FROM steps ORDER BY i \gexec
\set QUIET off
RESET client_min_messages;
SELECT count(*) AS checks FROM checks;
SELECT * FROM failures ORDER BY step, view;
SELECT (SELECT count(*) FROM tz_readings) > 1000 AS enough_rows,
       (SELECT count(*) FROM berlin_days) > 300 AS enough_days,
       (SELECT count(*) FROM months) AS months;

DROP MATERIALIZED VIEW berlin_days;
DROP MATERIALIZED VIEW months;
DROP MATERIALIZED VIEW hundreds;
DROP MATERIALIZED VIEW weeks;
DROP TABLE tz_readings, int_readings, date_readings, checked, failures, checks, steps;
DROP PROCEDURE check_all(int);
DROP FUNCTION rnd_time(), rnd_int(), rnd_date();
