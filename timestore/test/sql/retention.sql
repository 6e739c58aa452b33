-- Retention: add_retention_policy / remove_retention_policy, the policy's
-- job run by run_job, and epiphany.timeseries_retention_policy for
-- hypertables without a policy of their own.  One row a day for 31 days,
-- in one-day chunks aligned on UTC midnight, so the counts do not depend on
-- the time of day the test runs.  Each policy is unscheduled in the
-- transaction that adds it, so that only run_job runs it.
SET timezone = 'UTC';
CREATE TABLE readings (time timestamptz NOT NULL, v int);
SELECT created FROM create_hypertable('readings', 'time', chunk_time_interval => interval '1 day');
INSERT INTO readings SELECT now() - i * interval '1 day', i FROM generate_series(0, 30) i;
SELECT count(*) FROM show_chunks('readings');

BEGIN;
SELECT add_retention_policy('readings', drop_after => interval '10 days') AS job \gset
SELECT scheduled FROM alter_job(:job, scheduled => false);
COMMIT;
SELECT job_id = :job AS same, application_name = format('Retention Policy [%s]', :job) AS named,
       schedule_interval, proc_schema, proc_name, hypertable_name, config->>'drop_after' AS drop_after
  FROM timescaledb_information.jobs WHERE hypertable_name = 'readings';
SELECT add_retention_policy('readings', interval '10 days');
SELECT add_retention_policy('readings', interval '10 days', if_not_exists => true) = :job AS kept;
SELECT add_retention_policy('readings', interval '20 days', if_not_exists => true) = :job AS kept;

-- The policy's job drops the chunks entirely older than drop_after.
CALL run_job(:job);
SELECT count(*) FROM show_chunks('readings');
SELECT min(v), max(v) FROM readings;
SELECT last_run_status, hypertable_name FROM timescaledb_information.job_stats WHERE job_id = :job;

SELECT remove_retention_policy('readings');
SELECT remove_retention_policy('readings');
SELECT remove_retention_policy('readings', if_exists => true);
SELECT count(*) FROM timescaledb_information.jobs WHERE hypertable_name = 'readings';

-- Refusals.
CREATE TABLE counters (t bigint NOT NULL);
SELECT created FROM create_hypertable('counters', 't', chunk_time_interval => 100);
SELECT add_retention_policy('counters', 100);

-- Integer time: a policy turns drop_after into a cutoff with the
-- hypertable's integer_now function.
CREATE FUNCTION counters_now() RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT 1000::bigint $$;
CREATE FUNCTION volatile_now() RETURNS bigint LANGUAGE sql VOLATILE AS $$ SELECT 1::bigint $$;
SELECT set_integer_now_func('counters', 'volatile_now');
SELECT set_integer_now_func('readings', 'counters_now');
SELECT set_integer_now_func('counters', 'counters_now');
SELECT set_integer_now_func('counters', 'counters_now');
SELECT set_integer_now_func('counters', 'counters_now', replace_if_exists => true);
SELECT integer_now_func FROM timescaledb_information.dimensions WHERE hypertable_name = 'counters';
INSERT INTO counters SELECT g FROM generate_series(0, 999, 10) g;
SELECT add_retention_policy('counters', interval '1 day');
BEGIN;
SELECT add_retention_policy('counters', 300) AS integer_job \gset
SELECT scheduled FROM alter_job(:integer_job, scheduled => false);
COMMIT;
CALL run_job(:integer_job);
SELECT min(t), count(*) FROM counters;
SELECT remove_retention_policy('counters');
SELECT add_retention_policy('readings', interval '-1 day');
SELECT add_retention_policy('readings', NULL::interval);
SELECT add_retention_policy('readings', interval '1 day', drop_created_before => interval '1 day');
SELECT add_retention_policy('pg_class', interval '1 day');

-- The default policy: a system job (id 1) applies the setting to
-- hypertables that have no policy; empty or 'none' keeps everything.
SELECT job_id, application_name, proc_name, scheduled FROM timescaledb_information.jobs WHERE job_id < 1000;
SET epiphany.timeseries_retention_policy = 'soon';
SET epiphany.timeseries_retention_policy = 'none';
CALL run_job(1);
SELECT count(*) FROM show_chunks('readings');
SET epiphany.timeseries_retention_policy = '5 days';
BEGIN;
SELECT add_retention_policy('readings', interval '8 days') AS job \gset
SELECT scheduled FROM alter_job(:job, scheduled => false);
COMMIT;
CALL run_job(1);
SELECT count(*) AS kept_by_own_policy FROM show_chunks('readings');
SELECT remove_retention_policy('readings');
CALL run_job(1);
SELECT count(*) AS after_default FROM show_chunks('readings');
RESET epiphany.timeseries_retention_policy;
DROP TABLE readings, counters;
DROP FUNCTION counters_now(), volatile_now();

-- A dropped hypertable takes its policy's job along, also when its owner
-- has no rights on the catalog.
CREATE ROLE retention_owner;
GRANT CREATE ON SCHEMA public TO retention_owner;
SET ROLE retention_owner;
CREATE TABLE short_lived (time timestamptz NOT NULL);
SELECT created FROM create_hypertable('short_lived', 'time');
INSERT INTO short_lived VALUES ('2024-01-01');
BEGIN;
SELECT add_retention_policy('short_lived', interval '1 day') AS job \gset
SELECT scheduled FROM alter_job(:job, scheduled => false);
COMMIT;
DROP TABLE short_lived;
RESET ROLE;
SELECT count(*) AS jobs_left FROM _epiphany_timestore.bgw_job WHERE id = :job;
SELECT count(*) AS catalog_left FROM _epiphany_timestore.chunk;
REVOKE CREATE ON SCHEMA public FROM retention_owner;
DROP ROLE retention_owner;
