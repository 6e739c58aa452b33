-- Gap filling: time_bucket_gapfill with locf and interpolate, start and
-- finish from the arguments or the WHERE clause, groups, every time type.
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
CREATE TABLE metrics (time timestamptz NOT NULL, device int, value float8, reading int);
INSERT INTO metrics VALUES
    ('2024-01-01 00:10', 1, 1.0, 10), ('2024-01-01 00:50', 1, 3.0, 30),
    ('2024-01-01 03:20', 1, 9.0, 90), ('2024-01-01 01:30', 2, 5.0, NULL),
    ('2024-01-01 04:00', 2, NULL, 40);

-- Every hour from start to finish, with NULL aggregates in the gaps.
SELECT time_bucket_gapfill('1 hour', time, '2024-01-01 00:00', '2024-01-01 05:00') AS hour,
       avg(value), count(*)
  FROM metrics WHERE device = 1 GROUP BY hour ORDER BY hour;

-- start and finish from the WHERE clause; locf and interpolate per group.
SELECT device, time_bucket_gapfill('1 hour', time) AS hour,
       avg(value) AS avg, locf(avg(value)) AS locf, interpolate(avg(value)) AS interpolated,
       interpolate(max(reading)) AS reading
  FROM metrics
 WHERE time >= '2024-01-01 00:00' AND time < '2024-01-01 06:00'
 GROUP BY device, hour ORDER BY device, hour;

-- locf treats a NULL as a value unless told otherwise.
SELECT time_bucket_gapfill('1 hour', time) AS hour, locf(max(reading)) AS kept,
       locf(max(reading), treat_null_as_missing => true) AS filled
  FROM metrics
 WHERE device = 2 AND time >= '2024-01-01 00:00' AND time <= '2024-01-01 04:00'
 GROUP BY hour ORDER BY hour;

-- No rows in the range: every bucket, with NULLs.
SELECT time_bucket_gapfill('1 day', time, '2024-02-01', '2024-02-04') AS day, count(value)
  FROM metrics WHERE time >= '2024-02-01' GROUP BY day ORDER BY day;

-- Integer, date and timestamp times.
CREATE TABLE counters (t int NOT NULL, v int);
INSERT INTO counters VALUES (3, 1), (14, 2);
SELECT time_bucket_gapfill(5, t, 0, 20) AS slot, sum(v), locf(sum(v))
  FROM counters GROUP BY slot ORDER BY slot;
CREATE TABLE daily (day date NOT NULL, v int);
INSERT INTO daily VALUES ('2024-01-02', 1), ('2024-01-05', 5);
SELECT time_bucket_gapfill('1 day', day) AS d, interpolate(sum(v))
  FROM daily WHERE day >= '2024-01-01' AND day < '2024-01-07' GROUP BY d ORDER BY d;
SELECT time_bucket_gapfill('1 month', day::timestamp, '2023-11-01', '2024-03-01') AS month,
       count(*)
  FROM daily GROUP BY month ORDER BY month;

-- Before a group's first value, locf takes prev (here a subquery on the
-- group's device); interpolate draws from prev's and to next's (time, value).
SELECT device, time_bucket_gapfill('1 hour', time) AS hour,
       locf(avg(value), (SELECT value FROM metrics p WHERE p.device = m.device
                          AND p.time < '2024-01-01 01:00' ORDER BY time DESC LIMIT 1)) AS locf_prev,
       locf(max(reading), -1, treat_null_as_missing => true) AS locf_nulls,
       interpolate(avg(value),
                   (SELECT (time, value) FROM metrics p WHERE p.device = m.device
                     AND p.time < '2024-01-01 01:00' ORDER BY time DESC LIMIT 1),
                   (SELECT (time, value) FROM metrics p WHERE p.device = m.device
                     AND p.time >= '2024-01-01 04:00' AND value IS NOT NULL ORDER BY time LIMIT 1)) AS interpolated
  FROM metrics m
 WHERE time >= '2024-01-01 01:00' AND time < '2024-01-01 05:00'
 GROUP BY device, hour ORDER BY device, hour;
SELECT time_bucket_gapfill('1 hour', time) AS hour,
       interpolate(max(reading), ROW(timestamptz '2023-12-31 23:00', 0),
                   ROW(timestamptz '2024-01-01 06:00', 60)) AS reading
  FROM metrics WHERE device = 1 AND time >= '2024-01-01 00:00' AND time < '2024-01-01 06:00'
 GROUP BY hour ORDER BY hour;

-- The time zone form: wall-clock buckets across DST changes (a 23-hour
-- and a 25-hour day in Berlin; New York's repeated and skipped hours).
CREATE TABLE berlin (time timestamptz NOT NULL, v float8);
INSERT INTO berlin VALUES ('2024-03-30 12:00+01', 1), ('2024-04-01 12:00+02', 4),
                          ('2024-10-26 12:00+02', 10), ('2024-10-28 12:00+01', 30);
SELECT time_bucket_gapfill('1 day', time, 'Europe/Berlin') AS day, sum(v), interpolate(sum(v))
  FROM berlin WHERE time >= '2024-03-29 23:00+00' AND time < '2024-04-01 22:00+00'
 GROUP BY day ORDER BY day;
SELECT time_bucket_gapfill('1 day', time, 'Europe/Berlin', '2024-10-25 22:00+00',
                           '2024-10-28 23:00+00') AS day, sum(v), locf(sum(v))
  FROM berlin WHERE time >= '2024-10-01' GROUP BY day ORDER BY day;
SELECT hour, hour AT TIME ZONE 'America/New_York' AS local
  FROM (SELECT time_bucket_gapfill('1 hour', time, 'America/New_York') AS hour
          FROM berlin WHERE time >= '2024-11-03 03:00+00' AND time < '2024-11-03 08:00+00'
         GROUP BY hour) s ORDER BY hour;
SELECT time_bucket_gapfill('1 hour', time, 'America/New_York') AS hour, count(*)
  FROM berlin WHERE time >= '2024-03-10 05:00+00' AND time < '2024-03-10 09:00+00'
 GROUP BY hour ORDER BY hour;
SELECT time_bucket_gapfill('1 month', time, 'Europe/Berlin', timestamptz '2024-01-15',
                           timestamptz '2024-05-01') AS month, count(*)
  FROM berlin WHERE time < '2024-05-01' GROUP BY month ORDER BY month;
-- On a row; an untyped start in the timezone's place is read as start.
SELECT time_bucket_gapfill('1 day', timestamptz '2024-06-01 23:30+00', 'Europe/Berlin') AS zoned,
       time_bucket_gapfill('1 day', timestamptz '2024-06-01 23:30+00', '2024-01-01') AS plain;

-- On a hypertable, and under EXPLAIN.
SELECT created FROM create_hypertable('metrics', 'time', migrate_data => true,
                                      chunk_time_interval => interval '2 hours');
SELECT time_bucket_gapfill('1 hour', time) AS hour, device, locf(avg(value))
  FROM metrics WHERE time >= '2024-01-01 00:00' AND time < '2024-01-01 05:00'
 GROUP BY hour, device ORDER BY hour, device;
EXPLAIN (COSTS OFF)
SELECT time_bucket_gapfill(5, t, 0, 20) AS slot, sum(v) FROM counters GROUP BY slot;

-- Outside gap filling, the functions are time_bucket and the identity.
SELECT time_bucket_gapfill('1 hour', timestamptz '2024-01-01 10:42') AS bucket,
       locf(5), interpolate(2.5::float8);

-- Refusals.
SELECT time_bucket_gapfill('1 hour', time) AS hour, avg(value)
  FROM metrics WHERE time < '2024-01-02' GROUP BY hour;
SELECT time_bucket_gapfill('1 hour', time) AS hour, avg(value)
  FROM metrics WHERE time >= '2024-01-01' GROUP BY hour;
SELECT time_bucket_gapfill(-1, t, 0, 10) AS slot, sum(v) FROM counters GROUP BY slot;
SELECT time_bucket_gapfill('1 hour', time, NULL::timestamptz, '2024-01-02') AS hour, avg(value)
  FROM metrics GROUP BY hour;
SELECT time_bucket_gapfill('1 hour', time, timestamptz '-infinity', '2024-01-02') AS hour, count(*)
  FROM metrics GROUP BY hour;
SELECT time_bucket_gapfill('1 hour', time, 'Mars/Olympus') AS hour, count(*)
  FROM metrics WHERE time >= '2024-01-01' AND time < '2024-01-02' GROUP BY hour;
SELECT time_bucket_gapfill('1 hour', time, device::text) AS hour, count(*)
  FROM metrics WHERE time >= '2024-01-01' AND time < '2024-01-02' GROUP BY hour, device;
SELECT time_bucket_gapfill('1 hour', time, '2024-01-01', '2024-01-02', '2024-01-03') AS hour, count(*)
  FROM metrics GROUP BY hour;
SELECT time_bucket_gapfill('1 hour', time) AS hour, interpolate(max(reading), ROW(1, 2))
  FROM metrics WHERE device = 2 AND time >= '2023-12-31 22:00' AND time < '2024-01-01 06:00'
 GROUP BY hour;
SELECT time_bucket_gapfill('1 hour', time) AS hour,
       interpolate(max(reading), ROW(timestamptz '2023-12-31', 'x'::text))
  FROM metrics WHERE device = 2 AND time >= '2023-12-31 22:00' AND time < '2024-01-01 06:00'
 GROUP BY hour;
DROP TABLE metrics, counters, daily, berlin;
