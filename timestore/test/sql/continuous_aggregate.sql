-- Continuous aggregates: CREATE MATERIALIZED VIEW ... WITH
-- (timescaledb.continuous), refresh_continuous_aggregate with invalidations
-- from inserts, updates, deletes and TRUNCATE, real-time and
-- materialized-only views, ALTER, policies, information view, hierarchical
-- aggregates, the refused definitions and DROP.  Fixed 2024 data in UTC,
-- so nothing depends on the day the test runs.
SET timezone = 'UTC';
CREATE TABLE conditions (time timestamptz NOT NULL, device int, temp float8);
SELECT created FROM create_hypertable('conditions', 'time', chunk_time_interval => interval '1 day');
INSERT INTO conditions
SELECT t, d, d * 10 + extract(hour FROM t)
  FROM generate_series('2024-01-01'::timestamptz, '2024-01-04 23:50', '10 min') t,
       generate_series(1, 3) d;

-- The plain query every check compares the view with.
CREATE VIEW conditions_expected AS
SELECT time_bucket('1 hour', time) AS bucket, device, avg(temp) AS avg_temp,
       max(temp) AS max_temp, count(*) AS n
  FROM conditions GROUP BY 1, 2;
CREATE FUNCTION differences(view regclass) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN
    EXECUTE format('SELECT count(*) FROM ((SELECT * FROM %1$s EXCEPT ALL SELECT * FROM conditions_expected)'
                   ' UNION ALL (SELECT * FROM conditions_expected EXCEPT ALL SELECT * FROM %1$s)) d', view)
       INTO n;
    RETURN n;
END $$;

CREATE MATERIALIZED VIEW conditions_hourly WITH (timescaledb.continuous) AS
SELECT time_bucket('1 hour', time) AS bucket, device, avg(temp) AS avg_temp,
       max(temp) AS max_temp, count(*) AS n
  FROM conditions GROUP BY bucket, device;
SELECT view_name, materialized_only, materialization_hypertable_schema, finalized
  FROM timescaledb_information.continuous_aggregates;
SELECT count(*), differences('conditions_hourly') FROM conditions_hourly;
-- The materialization holds every bucket: the watermark is past them all.
SELECT format('%I.%I', materialization_hypertable_schema, materialization_hypertable_name) AS mat
  FROM timescaledb_information.continuous_aggregates \gset
SELECT count(*) FROM :mat;
-- It merges late rows into its groups: its pages are filled half, so
-- that merging updates rows in place.
SELECT DISTINCT c.reloptions FROM pg_class c
 WHERE c.oid = :'mat'::regclass OR c.oid IN (SELECT show_chunks(:'mat'));
SELECT _epiphany_timestore.cagg_watermark(c.id, NULL::timestamptz)
  FROM _epiphany_timestore.continuous_agg c;

-- Late rows, updates and deletes below the watermark are invalidated;
-- the materialized-only view shows them after a refresh.
ALTER MATERIALIZED VIEW conditions_hourly SET (timescaledb.materialized_only = true);
INSERT INTO conditions VALUES ('2024-01-02 03:05', 1, 1000);
UPDATE conditions SET temp = -5 WHERE time = '2024-01-03 07:10' AND device = 2;
DELETE FROM conditions WHERE time >= '2024-01-01 05:00' AND time < '2024-01-01 06:00' AND device = 3;
-- A row put straight into a chunk is invalidated by the chunk's trigger.
SELECT show_chunks('conditions', older_than => '2024-01-03', newer_than => '2024-01-02') AS chunk \gset
INSERT INTO :chunk VALUES ('2024-01-02 04:10', 3, 777);
-- COPY copies late rows for merging, as INSERT does.
COPY conditions FROM STDIN;
2024-01-03 09:05:00+00	2	300
2024-01-01 23:55:00+00	1	-7
\.
SELECT count(*) AS late_rows FROM _epiphany_caggs._late_rows_1;
SELECT lowest, greatest FROM _epiphany_timestore.hypertable_invalidation_log ORDER BY 1;
SELECT differences('conditions_hourly');
CALL refresh_continuous_aggregate('conditions_hourly', NULL, NULL);
SELECT differences('conditions_hourly');
SELECT count(*) FROM _epiphany_timestore.hypertable_invalidation_log;
SELECT * FROM conditions_hourly WHERE bucket = '2024-01-02 03:00' AND device = 1;
-- CALLed outside a transaction block, the refresh made writers copy late
-- rows into the other table, merged the first one's and truncated it.
CREATE VIEW late_tables AS
SELECT (SELECT count(*) FROM _epiphany_caggs._late_rows_1) AS late_rows,
       late_rows_active AS active, pg_relation_size(late_rows_active) AS active_size,
       pg_relation_size(late_rows_spare) AS spare_size
  FROM _epiphany_timestore.continuous_agg WHERE id = 1;
SELECT * FROM late_tables;
-- In a transaction block, it deletes the late rows it merges instead (their
-- table keeps its page).
BEGIN;
INSERT INTO conditions VALUES ('2024-01-02 03:15', 1, 10), ('2024-01-03 05:15', 2, 20);
SELECT * FROM late_tables;
CALL refresh_continuous_aggregate('conditions_hourly', NULL, NULL);
COMMIT;
SELECT * FROM late_tables;
SELECT differences('conditions_hourly');
DROP VIEW late_tables;

-- A refresh window only recomputes the whole buckets inside it.
INSERT INTO conditions VALUES ('2024-01-01 01:30', 2, 500), ('2024-01-03 01:30', 2, 500);
CALL refresh_continuous_aggregate('conditions_hourly', '2024-01-03', '2024-01-04');
SELECT differences('conditions_hourly');
SELECT max_temp FROM conditions_hourly WHERE device = 2 AND bucket IN ('2024-01-01 01:00', '2024-01-03 01:00') ORDER BY bucket;
CALL refresh_continuous_aggregate('conditions_hourly', '2024-01-01 01:20', '2024-01-01 02:10');
CALL refresh_continuous_aggregate('conditions_hourly', '2024-01-01 01:00', '2024-01-01 02:00');
SELECT differences('conditions_hourly');

-- Rows past the watermark: the materialized-only view lacks them, the
-- real-time view (the default) computes them from the raw rows.
INSERT INTO conditions VALUES ('2024-01-05 00:15', 1, 7), ('2024-01-05 02:15', 3, 9);
SELECT count(*) FROM conditions_hourly WHERE bucket >= '2024-01-05';
ALTER MATERIALIZED VIEW conditions_hourly SET (timescaledb.materialized_only = false);
SELECT * FROM conditions_hourly WHERE bucket >= '2024-01-05' ORDER BY bucket, device;
SELECT differences('conditions_hourly');
-- The raw part reads only the chunks at or past the watermark: one of the
-- five (the planner reads the watermark as a constant lower bound).
CREATE FUNCTION plan_lines(query text, pattern text) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE line text;
BEGIN
    FOR line IN EXECUTE 'EXPLAIN (ANALYZE, COSTS OFF, SUMMARY OFF, TIMING OFF) ' || query LOOP
        IF line ~ pattern THEN RETURN NEXT trim(line); END IF;
    END LOOP;
END $$;
SELECT count(*) AS raw_chunk_scans
  FROM plan_lines('SELECT * FROM conditions_hourly WHERE device = 1', ' on _hyper_1_');
CALL refresh_continuous_aggregate('conditions_hourly', '2024-01-05', '2024-01-06');
SELECT differences('conditions_hourly');
-- TRUNCATE invalidates everything.
TRUNCATE conditions;
SELECT count(*) FROM conditions_hourly;
CALL refresh_continuous_aggregate('conditions_hourly', NULL, NULL);
SELECT count(*) FROM conditions_hourly;
INSERT INTO conditions
SELECT t, d, d + extract(minute FROM t)
  FROM generate_series('2024-01-01'::timestamptz, '2024-01-02', '5 min') t, generate_series(1, 2) d;
CALL refresh_continuous_aggregate('conditions_hourly', NULL, NULL);
SELECT differences('conditions_hourly');
-- Nothing to do: a window without a whole bucket, or no change.
CALL refresh_continuous_aggregate('conditions_hourly', '2024-01-01 00:10', '2024-01-01 00:50');
CALL refresh_continuous_aggregate('conditions_hourly', '2024-01-02', '2024-01-01');
CALL refresh_continuous_aggregate('conditions_hourly', NULL, NULL, force => true);
SELECT differences('conditions_hourly');
-- refresh_continuous_aggregate works in a transaction block too.
BEGIN;
INSERT INTO conditions VALUES ('2024-01-01 10:10', 1, 99);
CALL refresh_continuous_aggregate('conditions_hourly', NULL, NULL);
SELECT differences('conditions_hourly');
COMMIT;
REFRESH MATERIALIZED VIEW conditions_hourly;

-- Policies: one per continuous aggregate, run by the scheduler or run_job.
BEGIN;
SELECT add_continuous_aggregate_policy('conditions_hourly', start_offset => NULL,
       end_offset => interval '1 hour', schedule_interval => interval '1 hour') AS job \gset
SELECT scheduled FROM alter_job(:job, scheduled => false);
COMMIT;
SELECT application_name = format('Refresh Continuous Aggregate Policy [%s]', :job) AS named,
       proc_name, hypertable_schema, config - 'mat_hypertable_id' AS config
  FROM timescaledb_information.jobs WHERE job_id = :job;
SELECT add_continuous_aggregate_policy('conditions_hourly', NULL, interval '1 hour', interval '1 hour');
SELECT add_continuous_aggregate_policy('conditions_hourly', NULL, interval '1 hour', interval '1 hour',
                                       if_not_exists => true) = :job AS kept;
SELECT add_continuous_aggregate_policy('conditions_hourly', 10, 1, interval '1 hour');
INSERT INTO conditions VALUES ('2024-01-01 11:10', 2, 77);
CALL run_job(:job);
SELECT last_run_status FROM timescaledb_information.job_stats WHERE job_id = :job;
SELECT differences('conditions_hourly');
SELECT remove_continuous_aggregate_policy('conditions_hourly');
SELECT remove_continuous_aggregate_policy('conditions_hourly');
SELECT remove_continuous_aggregate_policy('conditions_hourly', if_exists => true);

-- Hierarchical: a daily aggregate on the hourly one.
CREATE MATERIALIZED VIEW conditions_daily WITH (timescaledb.continuous) AS
SELECT time_bucket('1 day', bucket) AS day, device, max(max_temp) AS max_temp, sum(n) AS n
  FROM conditions_hourly GROUP BY 1, 2;
INSERT INTO conditions VALUES ('2024-01-01 12:10', 1, 5000);
CALL refresh_continuous_aggregate('conditions_hourly', NULL, NULL);
CALL refresh_continuous_aggregate('conditions_daily', NULL, NULL);
SELECT d.day, d.device, d.max_temp = e.max_temp AND d.n = e.n AS same
  FROM conditions_daily d
  JOIN (SELECT time_bucket('1 day', time) AS day, device, max(temp) AS max_temp, count(*) AS n
          FROM conditions GROUP BY 1, 2) e USING (day, device)
 ORDER BY 1, 2;
-- And a monthly one on the daily one.
CREATE MATERIALIZED VIEW conditions_monthly WITH (timescaledb.continuous) AS
SELECT time_bucket('1 month', day) AS month, device, max(max_temp) AS max_temp, sum(n) AS n
  FROM conditions_daily GROUP BY 1, 2;
INSERT INTO conditions VALUES ('2024-01-02 12:10', 2, 6000);
CALL refresh_continuous_aggregate('conditions_hourly', NULL, NULL);
CALL refresh_continuous_aggregate('conditions_daily', NULL, NULL);
CALL refresh_continuous_aggregate('conditions_monthly', NULL, NULL);
SELECT m.month, m.device, m.max_temp = e.max_temp AND m.n = e.n AS same
  FROM conditions_monthly m
  JOIN (SELECT time_bucket('1 month', time) AS month, device, max(temp) AS max_temp, count(*) AS n
          FROM conditions GROUP BY 1, 2) e USING (month, device)
 ORDER BY 1, 2;
DROP MATERIALIZED VIEW conditions_hourly;
DROP MATERIALIZED VIEW conditions_hourly CASCADE;
SELECT count(*) FROM _epiphany_timestore.continuous_agg;
SELECT count(*) FROM pg_class WHERE relnamespace = '_epiphany_caggs'::regnamespace;

-- ON CONFLICT: skipped rows and updates are invalidated, never merged.
CREATE TABLE readings (time timestamptz NOT NULL, dev int, v int, UNIQUE (dev, time));
SELECT created FROM create_hypertable('readings', 'time', chunk_time_interval => interval '1 day');
INSERT INTO readings SELECT t, 1, 1 FROM generate_series('2024-01-01'::timestamptz, '2024-01-03 23:00', '1 hour') t;
CREATE MATERIALIZED VIEW readings_daily WITH (timescaledb.continuous, timescaledb.materialized_only) AS
SELECT time_bucket('1 day', time) AS day, dev, sum(v) AS total, count(*) AS n FROM readings GROUP BY 1, 2;
INSERT INTO readings VALUES ('2024-01-01 05:00', 1, 100), ('2024-01-01 05:30', 1, 100) ON CONFLICT DO NOTHING;
INSERT INTO readings VALUES ('2024-01-02 05:00', 1, 100) ON CONFLICT (dev, time) DO UPDATE SET v = excluded.v;
INSERT INTO readings VALUES ('2024-01-02 06:10', 1, 5);
CALL refresh_continuous_aggregate('readings_daily', NULL, NULL);
SELECT * FROM readings_daily ORDER BY day;
-- Retention on the raw rows leaves the materialized buckets alone, unless
-- a refresh is forced over them.
SELECT count(*) FROM drop_chunks('readings', older_than => '2024-01-02'::timestamptz);
CALL refresh_continuous_aggregate('readings_daily', NULL, NULL);
SELECT * FROM readings_daily ORDER BY day;
CALL refresh_continuous_aggregate('readings_daily', NULL, '2024-01-02', force => true);
SELECT * FROM readings_daily ORDER BY day;
DROP TABLE readings CASCADE;

-- Definitions a continuous aggregate cannot have.
CREATE TABLE plain (time timestamptz NOT NULL, v int);
CREATE MATERIALIZED VIEW bad WITH (timescaledb.continuous) AS
SELECT time_bucket('1 hour', time), sum(v) FROM plain GROUP BY 1;
CREATE MATERIALIZED VIEW bad WITH (timescaledb.continuous) AS
SELECT device, avg(temp) FROM conditions GROUP BY device;
CREATE MATERIALIZED VIEW bad WITH (timescaledb.continuous) AS
SELECT time_bucket('1 hour', time) b, avg(temp) FROM conditions GROUP BY 1 ORDER BY 1;
CREATE MATERIALIZED VIEW bad WITH (timescaledb.continuous) AS
SELECT time_bucket('1 hour', time) b, avg(temp) FROM conditions WHERE time > now() - interval '1 day' GROUP BY 1;
CREATE MATERIALIZED VIEW bad WITH (timescaledb.continuous) AS
SELECT time_bucket('1 hour', c.time) b, avg(temp) FROM conditions c JOIN plain p ON p.v = c.device GROUP BY 1;
CREATE MATERIALIZED VIEW bad WITH (timescaledb.continuous) AS
SELECT time_bucket('1 hour', time) b, device, rank() OVER (ORDER BY device) FROM conditions GROUP BY 1, 2;
CREATE MATERIALIZED VIEW bad WITH (timescaledb.continuous) AS
SELECT DISTINCT time_bucket('1 hour', time) b, avg(temp) FROM conditions GROUP BY 1;
CREATE MATERIALIZED VIEW bad WITH (timescaledb.continuous, timescaledb.compress) AS
SELECT time_bucket('1 hour', time) b, avg(temp) FROM conditions GROUP BY 1;
CREATE MATERIALIZED VIEW bad WITH (timescaledb.continuous, timescaledb.unknown = 1) AS
SELECT time_bucket('1 hour', time) b, avg(temp) FROM conditions GROUP BY 1;
CREATE MATERIALIZED VIEW bad WITH (timescaledb.materialized_only) AS
SELECT time_bucket('1 hour', time) b, avg(temp) FROM conditions GROUP BY 1;
CREATE MATERIALIZED VIEW bad WITH (timescaledb.continuous) AS
SELECT time_bucket('1 hour', time) b, avg(temp) FROM ONLY conditions GROUP BY 1;
CREATE MATERIALIZED VIEW bad WITH (timescaledb.continuous) AS
SELECT time_bucket('1 hour', time) b, time_bucket('2 hours', time) b2, avg(temp) FROM conditions GROUP BY 1, 2;
CALL refresh_continuous_aggregate('plain', NULL, NULL);
SELECT count(*) FROM pg_class WHERE relnamespace = '_epiphany_caggs'::regnamespace;

-- The epiphany.continuous spelling, WITH NO DATA, column aliases, a
-- rename, IF NOT EXISTS, and DROP cleaning up every part.
CREATE MATERIALIZED VIEW daily_max (day, dev, top) WITH (epiphany.continuous) AS
SELECT time_bucket('1 day', time), device, max(temp) FROM conditions GROUP BY 1, 2
WITH NO DATA;
CREATE MATERIALIZED VIEW IF NOT EXISTS daily_max WITH (timescaledb.continuous) AS
SELECT time_bucket('1 day', time), device, max(temp) FROM conditions GROUP BY 1, 2;
SELECT format('%I.%I', materialization_hypertable_schema, materialization_hypertable_name) AS mat
  FROM timescaledb_information.continuous_aggregates WHERE view_name = 'daily_max' \gset
SELECT count(*) FROM :mat;
SELECT * FROM daily_max ORDER BY 1, 2;
ALTER MATERIALIZED VIEW daily_max RENAME TO daily_top;
CALL refresh_continuous_aggregate('daily_top', NULL, NULL);
SELECT * FROM daily_top ORDER BY 1, 2;
-- OWNER TO gives every part, the chunks and the policy's job to the new
-- owner, who can then refresh.
CREATE ROLE cagg_owner;
GRANT SELECT ON conditions TO cagg_owner;
SELECT add_continuous_aggregate_policy('daily_top', NULL, NULL, interval '1 day',
                                       initial_start => now() + interval '1 day') > 0 AS policy;
ALTER MATERIALIZED VIEW daily_top OWNER TO cagg_owner;
SELECT count(*) AS not_given
  FROM pg_class c
 WHERE (c.relnamespace = '_epiphany_caggs'::regnamespace OR c.oid = 'daily_top'::regclass
        OR c.oid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = :'mat'::regclass))
   AND c.relowner <> 'cagg_owner'::regrole;
SELECT owner FROM timescaledb_information.jobs WHERE proc_name = 'policy_refresh_continuous_aggregate';
INSERT INTO conditions VALUES ('2024-01-01 08:00', 1, 9999);
SET ROLE cagg_owner;
CALL refresh_continuous_aggregate('daily_top', NULL, NULL);
SELECT top FROM daily_top WHERE day = '2024-01-01' AND dev = 1;
RESET ROLE;
ALTER MATERIALIZED VIEW daily_top SET (fillfactor = 50);
DROP VIEW daily_top;
DROP MATERIALIZED VIEW daily_top;
SELECT count(*) FROM _epiphany_timestore.continuous_agg;
SELECT count(*) FROM pg_class WHERE relnamespace = '_epiphany_caggs'::regnamespace;
SELECT tgname FROM pg_trigger WHERE tgrelid = 'conditions'::regclass ORDER BY 1;
SELECT count(*) FROM _epiphany_timestore.invalidation_threshold;
DROP TABLE conditions CASCADE;
DROP ROLE cagg_owner;
DROP TABLE plain;
DROP FUNCTION differences(regclass);
DROP FUNCTION plan_lines(text, text);
