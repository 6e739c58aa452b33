-- first(value, time) and last(value, time): the value at the smallest and
-- largest time, checked against ORDER BY ... LIMIT 1 / DISTINCT ON, with
-- NULLs, ties, several value and time types, window use, partition-wise
-- (combine) and parallel (serialize, deserialize, combine) plans.
SET datestyle TO 'ISO, YMD';
SET timezone TO 'UTC';

CREATE TABLE readings (
    device int NOT NULL,
    ts timestamptz,
    temperature numeric,
    note text
);
INSERT INTO readings VALUES
    (1, '2024-01-01 00:00+00', 20.5, 'first of device 1'),
    (1, '2024-01-01 01:00+00', 21.0, 'middle'),
    (1, '2024-01-01 02:00+00', 19.25, 'last of device 1'),
    (2, '2024-01-01 00:30+00', NULL, 'NULL value at the first time'),
    (2, '2024-01-01 01:30+00', 18.0, 'a value'),
    (2, NULL, 99.9, 'NULL time: ignored'),
    (2, '2024-01-01 03:30+00', NULL, 'NULL value at the last time'),
    (3, NULL, 42.0, 'only NULL times'),
    (3, NULL, 43.0, 'only NULL times'),
    (4, '2024-01-01 05:00+00', 1.0, 'tie: seen first'),
    (4, '2024-01-01 05:00+00', 2.0, 'tie: seen second'),
    (4, '2024-01-01 04:00+00', 0.5, 'earliest');

SELECT device,
       first(temperature, ts) AS first_temp, last(temperature, ts) AS last_temp,
       first(note, ts) AS first_note, last(note, ts) AS last_note
  FROM readings GROUP BY device ORDER BY device;

-- Ties keep the row seen first, for first() and last() alike (TimescaleDB
-- compares strictly); on a heap table read serially that is insertion
-- order.
SELECT last(note, ts) AS last_tie, first(note, ts) FILTER (WHERE device = 4 AND ts > '2024-01-01 04:30+00') AS first_tie
  FROM readings WHERE device = 4;

-- No rows, or no non-NULL time: NULL.
SELECT first(temperature, ts) IS NULL AS empty_first, last(note, ts) IS NULL AS empty_last
  FROM readings WHERE false;
SELECT first(temperature, NULL::int) IS NULL AS null_times FROM readings;

-- Other time types: integers, numeric, text (by its collation), dates.
SELECT first(v, t) AS int_first, last(v, t) AS int_last
  FROM (VALUES ('a', 3), ('b', -7), ('c', 12), ('d', 0)) x(v, t);
SELECT first(v, t) AS numeric_first, last(v, t) AS numeric_last
  FROM (VALUES (1, 2.5), (2, -0.001), (3, 1e10), (4, 'NaN'::numeric)) x(v, t);
SELECT first(v, t COLLATE "C") AS text_first_c, last(v, t COLLATE "C") AS text_last_c
  FROM (VALUES (1, 'banana'), (2, 'Apple'), (3, 'cherry'), (4, 'apple')) x(v, t);
SELECT first(t, d) AS date_first, last(t::text, d) AS date_last
  FROM (VALUES (1, date '2020-02-29'), (2, date '1999-12-31'), (3, date 'infinity')) x(t, d);
SELECT first(ARRAY[v], t) AS array_value, last(row(v, t), t) AS record_value
  FROM (VALUES (1, 10), (2, 30), (3, 20)) x(v, t);

-- A time type without a btree ordering: one row needs no comparison (as in
-- TimescaleDB); two rows are an error.
SELECT first(p, p) FROM (VALUES (point '(1,2)')) x(p);
\set VERBOSITY terse
SELECT first(p, p) FROM (VALUES (point '(1,2)'), (point '(3,4)')) x(p);
\set VERBOSITY default

-- As a window aggregate.
SELECT device, ts, first(temperature, ts) OVER w AS running_first,
       last(temperature, ts) OVER w AS running_last
  FROM readings WHERE device = 1
WINDOW w AS (ORDER BY ts ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
 ORDER BY ts;

-- A larger data set with distinct times per group: equal to DISTINCT ON,
-- for numeric and for text (detoasted wide) values.
CREATE TABLE metrics WITH (autovacuum_enabled = off) AS
SELECT i % 97 AS host,
       timestamptz '2024-01-01 00:00+00' + i * interval '1 second' AS ts,
       (i * 7919 % 10007)::numeric / 100 AS val,
       repeat(md5(i::text), 1 + i % 300) AS payload
  FROM generate_series(1, 60000) i;
ALTER TABLE metrics ALTER payload SET STORAGE EXTERNAL;
UPDATE metrics SET ts = ts - (host * interval '1 hour') WHERE host % 3 = 0;
ANALYZE metrics;

CREATE VIEW expected AS
SELECT f.host, f.val AS first_val, f.payload AS first_payload,
       l.val AS last_val, l.payload AS last_payload
  FROM (SELECT DISTINCT ON (host) host, val, payload FROM metrics ORDER BY host, ts) f
  JOIN (SELECT DISTINCT ON (host) host, val, payload FROM metrics ORDER BY host, ts DESC) l
 USING (host);

SELECT count(*) AS groups,
       count(*) FILTER (WHERE (a.first_val, a.first_payload, a.last_val, a.last_payload)
                          IS DISTINCT FROM
                          (e.first_val, e.first_payload, e.last_val, e.last_payload)) AS mismatches
  FROM (SELECT host, first(val, ts) AS first_val, first(payload, ts) AS first_payload,
               last(val, ts) AS last_val, last(payload, ts) AS last_payload
          FROM metrics GROUP BY host) a
  FULL JOIN expected e USING (host);

-- Partition-wise aggregation: partial states per partition are combined.
CREATE TABLE metrics_part (host int, ts timestamptz, val numeric, payload text)
    PARTITION BY RANGE (ts);
CREATE TABLE metrics_part_1 PARTITION OF metrics_part
    FOR VALUES FROM (MINVALUE) TO ('2024-01-01 08:00+00')
    WITH (autovacuum_enabled = off);
CREATE TABLE metrics_part_2 PARTITION OF metrics_part
    FOR VALUES FROM ('2024-01-01 08:00+00') TO (MAXVALUE)
    WITH (autovacuum_enabled = off);
INSERT INTO metrics_part SELECT * FROM metrics;
ANALYZE metrics_part;
SET enable_partitionwise_aggregate = on;
SET max_parallel_workers_per_gather = 0;
EXPLAIN (COSTS OFF)
SELECT host, first(val, ts), last(payload, ts) FROM metrics_part GROUP BY host;
SELECT count(*) FILTER (WHERE (a.first_val, a.first_payload, a.last_val, a.last_payload)
                          IS DISTINCT FROM
                          (e.first_val, e.first_payload, e.last_val, e.last_payload)) AS partitionwise_mismatches
  FROM (SELECT host, first(val, ts) AS first_val, first(payload, ts) AS first_payload,
               last(val, ts) AS last_val, last(payload, ts) AS last_payload
          FROM metrics_part GROUP BY host) a
  FULL JOIN expected e USING (host);
RESET enable_partitionwise_aggregate;
RESET max_parallel_workers_per_gather;

-- Parallel plan: partial aggregates in workers, states serialized, then
-- deserialized and combined in the leader; same result as the serial plan.
CREATE TABLE serial_result AS
SELECT first(val, ts) AS first_val, last(val, ts) AS last_val,
       first(payload, ts) AS first_payload, last(host, ts) AS last_host,
       last(ts, payload COLLATE "C") AS ts_at_max_payload
  FROM metrics;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF)
SELECT first(val, ts), last(val, ts), first(payload, ts), last(host, ts), last(ts, payload COLLATE "C")
  FROM metrics;
SELECT (p.first_val, p.last_val, p.first_payload, p.last_host, p.ts_at_max_payload)
       IS NOT DISTINCT FROM
       (s.first_val, s.last_val, s.first_payload, s.last_host, s.ts_at_max_payload) AS parallel_equals_serial,
       p.first_val = (SELECT val FROM metrics ORDER BY ts LIMIT 1) AS first_val_ok,
       p.last_val = (SELECT val FROM metrics ORDER BY ts DESC LIMIT 1) AS last_val_ok,
       p.first_payload = (SELECT payload FROM metrics ORDER BY ts LIMIT 1) AS first_payload_ok,
       p.last_host = (SELECT host FROM metrics ORDER BY ts DESC LIMIT 1) AS last_host_ok,
       p.ts_at_max_payload = (SELECT ts FROM metrics ORDER BY payload COLLATE "C" DESC LIMIT 1) AS ts_ok
  FROM (SELECT first(val, ts) AS first_val, last(val, ts) AS last_val,
               first(payload, ts) AS first_payload, last(host, ts) AS last_host,
               last(ts, payload COLLATE "C") AS ts_at_max_payload
          FROM metrics) p, serial_result s;
EXPLAIN (COSTS OFF)
SELECT host, first(val, ts), last(payload, ts) FROM metrics GROUP BY host;
SELECT count(*) FILTER (WHERE (a.first_val, a.first_payload, a.last_val, a.last_payload)
                          IS DISTINCT FROM
                          (e.first_val, e.first_payload, e.last_val, e.last_payload)) AS parallel_mismatches
  FROM (SELECT host, first(val, ts) AS first_val, first(payload, ts) AS first_payload,
               last(val, ts) AS last_val, last(payload, ts) AS last_payload
          FROM metrics GROUP BY host) a
  FULL JOIN expected e USING (host);
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;

DROP VIEW expected;
DROP TABLE readings, metrics, metrics_part, serial_result;
