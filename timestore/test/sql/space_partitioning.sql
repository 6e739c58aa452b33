-- Space partitioning: add_dimension(..., by_hash(column, n)) and the older
-- spellings; routing by time and hash slice (INSERT, COPY, upsert); the
-- chunks' CHECK constraints; planning that reads only the slices of
-- "column = constant" and "column IN (...)", and run-time exclusion for
-- parameters; time order across slices;
-- continuous aggregates; refusals.
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET client_min_messages = notice;

-- The number of chunk scans in the plan of a query.
CREATE FUNCTION scanned_chunks(query text) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    line text;
    n integer := 0;
BEGIN
    FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || query LOOP
        IF line ~ ' on _hyper_' THEN
            n := n + 1;
        END IF;
    END LOOP;
    RETURN n;
END
$$;

CREATE TABLE readings (time timestamptz NOT NULL, device text, value float8);
SELECT created FROM create_hypertable('readings', by_range('time', interval '1 day'));
SELECT created FROM add_dimension('readings', by_hash('device', 4));
SELECT created FROM add_dimension('readings', by_hash('device', 4), if_not_exists => true);
SELECT column_name, dimension_type, num_partitions
  FROM timescaledb_information.dimensions WHERE hypertable_name = 'readings'
 ORDER BY dimension_number;
SELECT num_dimensions FROM timescaledb_information.hypertables WHERE hypertable_name = 'readings';

-- Three days of 20 devices: every (day, slice) gets its chunk.
INSERT INTO readings
SELECT timestamptz '2024-01-01' + i * interval '1 hour', 'dev' || (i % 20), i
  FROM generate_series(0, 71) i;
COPY readings FROM STDIN;
2024-01-02 12:30:00+00	dev7	1000
2024-01-02 12:40:00+00	\N	1001
\.
SELECT count(*) AS chunks, count(DISTINCT hash_slice) AS slices
  FROM _epiphany_timestore.chunk k JOIN _epiphany_timestore.hypertable h ON h.id = k.hypertable_id
 WHERE h.relid = 'readings'::regclass;
-- Every row is in the chunk of its day and of its hash slice.
SELECT count(*) AS misplaced
  FROM readings r JOIN _epiphany_timestore.chunk k ON k.relid = r.tableoid
 WHERE k.hash_slice <> _epiphany_timestore.partition_hash(r.device)::bigint * 4 / 2147483648
    OR _epiphany_timestore.to_internal_time(r.time) NOT BETWEEN k.range_start AND k.range_end - 1;
SELECT _epiphany_timestore.partition_hash(NULL::text) AS null_hash;
-- The CHECK constraints hold the slices too: a row of another slice
-- cannot be written into a chunk directly.
DO $$
DECLARE
    chunk regclass := (SELECT k.relid FROM _epiphany_timestore.chunk k
                         JOIN _epiphany_timestore.hypertable h ON h.id = k.hypertable_id
                        WHERE h.relid = 'readings'::regclass AND k.hash_slice = 0 LIMIT 1);
    other text := (SELECT d FROM (SELECT 'x' || i AS d FROM generate_series(1, 100) i) s
                    WHERE _epiphany_timestore.partition_hash(d)::bigint * 4 / 2147483648 = 3 LIMIT 1);
BEGIN
    EXECUTE format('INSERT INTO %s VALUES (%L, %L, 0)', chunk,
                   (SELECT min(time) FROM readings WHERE tableoid = chunk), other);
    RAISE EXCEPTION 'the row was accepted';
EXCEPTION WHEN check_violation THEN
    RAISE NOTICE 'refused by the chunk''s CHECK constraint';
END
$$;

-- Upserts find the conflicting row in its chunk.
CREATE UNIQUE INDEX ON readings (time, device);
INSERT INTO readings VALUES ('2024-01-01 03:00', 'dev3', -1)
    ON CONFLICT (time, device) DO UPDATE SET value = excluded.value;
SELECT value FROM readings WHERE time = '2024-01-01 03:00' AND device = 'dev3';

-- Planning reads only the slices the query allows.
SELECT scanned_chunks('SELECT * FROM readings') AS all_chunks,
       scanned_chunks($q$SELECT * FROM readings WHERE device = 'dev3'$q$) AS one_device,
       scanned_chunks($q$SELECT * FROM readings WHERE device = 'dev3' AND time < '2024-01-02'$q$) AS one_device_one_day,
       scanned_chunks($q$SELECT * FROM readings WHERE device IN ('dev3', 'dev3')$q$) AS in_list,
       scanned_chunks($q$SELECT * FROM readings WHERE device = 'dev3' AND device = 'dev4'$q$) <= 3 AS contradiction;
SELECT count(*), sum(value) FROM readings WHERE device = 'dev3';
SELECT count(*), sum(value) FROM readings WHERE device IN ('dev3', 'dev4', 'dev5');
SELECT count(*) FROM readings WHERE device IS NULL;

-- A value known only when the executor starts (a parameter of a generic
-- plan) leaves the other slices' chunks out then, alone or with a time
-- bound; the rows are those of the constant queries above.
CREATE FUNCTION startup_exclusion(query text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    line text;
    excluded text := 'none';
    scanned integer := 0;
BEGIN
    FOR line IN EXECUTE 'EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) ' || query LOOP
        IF line ~ ' on _hyper_' THEN
            scanned := scanned + 1;
        ELSIF line ~ 'Chunks excluded during startup' THEN
            excluded := substring(line FROM '[0-9]+$');
        END IF;
    END LOOP;
    RETURN format('excluded %s, scanned %s', excluded, scanned);
END
$$;
SET plan_cache_mode = force_generic_plan;
PREPARE by_device(text) AS SELECT count(*), sum(value) FROM readings WHERE device = $1;
PREPARE by_devices(text[]) AS SELECT count(*), sum(value) FROM readings WHERE device = ANY ($1);
PREPARE by_device_since(text, timestamptz) AS
    SELECT count(*), sum(value) FROM readings WHERE device = $1 AND time >= $2;
SELECT startup_exclusion($q$EXECUTE by_device('dev3')$q$) AS one_device,
       startup_exclusion($q$EXECUTE by_devices('{dev3,dev4,dev5}')$q$) AS three_devices,
       startup_exclusion($q$EXECUTE by_device_since('dev3', '2024-01-02')$q$) AS one_device_two_days,
       startup_exclusion($q$EXECUTE by_device(NULL)$q$) AS null_device;
EXECUTE by_device('dev3');
EXECUTE by_devices('{dev3,dev4,dev5}');
EXECUTE by_device_since('dev3', '2024-01-02');
SELECT count(*), sum(value) FROM readings WHERE device = 'dev3' AND time >= '2024-01-02';
DEALLOCATE ALL;
RESET plan_cache_mode;
DROP FUNCTION startup_exclusion(text);

-- Time order across slices (merged), against a plain table.
CREATE TABLE twin AS SELECT * FROM readings;
SELECT (SELECT array_agg(value) FROM (SELECT value FROM readings ORDER BY time DESC LIMIT 5) s) =
       (SELECT array_agg(value) FROM (SELECT value FROM twin ORDER BY time DESC LIMIT 5) s) AS same_newest;
SELECT (SELECT array_agg(value) FROM (SELECT value FROM readings WHERE device = 'dev5' ORDER BY time LIMIT 2) s) =
       (SELECT array_agg(value) FROM (SELECT value FROM twin WHERE device = 'dev5' ORDER BY time LIMIT 2) s) AS same_oldest;

-- A continuous aggregate over it.
CREATE MATERIALIZED VIEW readings_daily WITH (timescaledb.continuous) AS
SELECT time_bucket('1 day', time) AS day, device, count(*), avg(value)
  FROM readings GROUP BY day, device;
INSERT INTO readings VALUES ('2024-01-01 00:30', 'dev1', 5);
CALL refresh_continuous_aggregate('readings_daily', NULL, NULL);
SELECT count(*) AS mismatches FROM (
    (SELECT * FROM readings_daily EXCEPT
     SELECT time_bucket('1 day', time), device, count(*), avg(value) FROM readings GROUP BY 1, 2)
    UNION ALL
    (SELECT time_bucket('1 day', time), device, count(*), avg(value) FROM readings GROUP BY 1, 2
     EXCEPT SELECT * FROM readings_daily)) d;
DROP MATERIALIZED VIEW readings_daily;

-- Renaming the column; drop_chunks takes every slice of a range.
ALTER TABLE readings RENAME device TO sensor;
SELECT column_name FROM timescaledb_information.dimensions
 WHERE hypertable_name = 'readings' AND dimension_number = 2;
INSERT INTO readings VALUES ('2024-01-03 05:00', 'dev11', 7);
SELECT count(*) FROM drop_chunks('readings', older_than => timestamptz '2024-01-02');
SELECT count(*) AS chunks FROM show_chunks('readings');
SELECT min(time) FROM readings;

-- The older spellings: create_hypertable(..., partitioning_column,
-- number_partitions) and add_dimension(..., number_partitions => n).
CREATE TABLE counters (t bigint NOT NULL, k int, v int);
SELECT created FROM create_hypertable('counters', 't', 'k', 2, chunk_time_interval => 100);
INSERT INTO counters SELECT i, i % 7, i FROM generate_series(0, 199) i;
SELECT count(*) AS chunks, count(DISTINCT hash_slice) AS slices FROM _epiphany_timestore.chunk k
  JOIN _epiphany_timestore.hypertable h ON h.id = k.hypertable_id WHERE h.relid = 'counters'::regclass;
SELECT scanned_chunks('SELECT * FROM counters WHERE k = 3') AS one_key;
CREATE TABLE events (time timestamptz NOT NULL, id int, kind text, UNIQUE (time, id));
SELECT created FROM create_hypertable('events', 'time');
SELECT schema_name, table_name, column_name, created
  FROM add_dimension('events', 'id', number_partitions => 3);

-- Refusals.
SELECT * FROM add_dimension('readings', by_hash('value', 2));
SELECT * FROM add_dimension('events', 'kind', number_partitions => 2);
CREATE TABLE empty_ht (time timestamptz NOT NULL, a int, b point, UNIQUE (time));
SELECT created FROM create_hypertable('empty_ht', 'time');
SELECT * FROM add_dimension('empty_ht', 'a', number_partitions => 2);
ALTER TABLE empty_ht DROP CONSTRAINT empty_ht_time_key;
SELECT * FROM add_dimension('empty_ht', 'b', number_partitions => 2);
SELECT * FROM add_dimension('empty_ht', 'a', number_partitions => 0);
SELECT * FROM add_dimension('empty_ht', 'a', chunk_time_interval => 10);
SELECT * FROM add_dimension('empty_ht', 'a', number_partitions => 2, partitioning_func => 'hashint4'::regproc);
SELECT * FROM add_dimension('empty_ht', 'time', number_partitions => 2);
SELECT * FROM add_dimension('empty_ht', 'missing', number_partitions => 2);
SELECT * FROM add_dimension('twin', 'device', number_partitions => 2);
CREATE TABLE filled (time timestamptz NOT NULL, k int);
SELECT created FROM create_hypertable('filled', 'time');
INSERT INTO filled VALUES ('2024-01-01', 1);
SELECT * FROM add_dimension('filled', 'k', number_partitions => 2);
SELECT * FROM create_hypertable('twin', by_hash('device', 2));
SELECT * FROM create_hypertable('twin', 'time', partitioning_column => 'device');
CREATE UNIQUE INDEX ON readings (time);
ALTER TABLE readings ADD PRIMARY KEY (time);
ALTER TABLE readings ALTER sensor TYPE varchar;
ALTER TABLE readings DROP COLUMN sensor;
-- A row cannot move to another slice by UPDATE (as in TimescaleDB, rows
-- do not move between chunks).
DO $$
BEGIN
    UPDATE readings SET sensor = (SELECT d FROM (SELECT 'x' || i AS d FROM generate_series(1, 100) i) s
                                   WHERE _epiphany_timestore.partition_hash(d)::bigint * 4 / 2147483648 <>
                                         _epiphany_timestore.partition_hash('dev12'::text)::bigint * 4 / 2147483648
                                   LIMIT 1)
     WHERE sensor = 'dev12';
    RAISE EXCEPTION 'the row moved';
EXCEPTION WHEN check_violation THEN
    RAISE NOTICE 'refused by the chunk''s CHECK constraint';
END
$$;
DROP TABLE readings, twin, counters, events, empty_ht, filled;
DROP FUNCTION scanned_chunks(text);
