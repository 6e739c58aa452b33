-- Jobs: add_job, alter_job, delete_job and run_job with TimescaleDB's
-- signatures, their validation, and the timescaledb_information views.
-- Every job here is unscheduled, so the scheduler running in this cluster
-- leaves it alone and run_job drives every run.  (Runs by the scheduler,
-- back-off, restart and standbys are covered by test/t/001_jobs.pl.)
\set VERBOSITY terse

CREATE TABLE job_log (job_id integer, config jsonb, who name);
CREATE PROCEDURE log_proc(job_id integer, config jsonb) LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO job_log VALUES (job_id, config, current_user);
END $$;
CREATE FUNCTION log_func(job_id integer, config jsonb) RETURNS void LANGUAGE sql AS $$
    INSERT INTO job_log VALUES (job_id, config, current_user);
$$;
CREATE PROCEDURE fail_proc(job_id integer, config jsonb) LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO job_log VALUES (job_id, config, current_user);
    RAISE EXCEPTION 'failed on purpose (config %)', config;
END $$;
CREATE FUNCTION check_cfg(config jsonb) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF config ? 'bad' THEN
        RAISE EXCEPTION 'config rejected by check_cfg';
    END IF;
END $$;
CREATE PROCEDURE wrong_args(a integer) LANGUAGE sql AS $$ SELECT 1 $$;
CREATE PROCEDURE secret_proc(job_id integer, config jsonb) LANGUAGE sql AS $$ SELECT 1 $$;
REVOKE ALL ON PROCEDURE secret_proc(integer, jsonb) FROM PUBLIC;

-- The API's signatures and defaults are TimescaleDB's.
SELECT p.proname, p.prokind, pg_get_function_arguments(p.oid) AS arguments,
       pg_get_function_result(p.oid) AS result
  FROM pg_proc p
 WHERE p.proname IN ('add_job', 'alter_job', 'delete_job', 'run_job')
 ORDER BY p.proname;

-- add_job: ids start at 1000 (the extension was just created, so the ids
-- printed in error messages below are stable); defaults as TimescaleDB's (no runtime limit,
-- unlimited retries every 5 minutes, fixed schedule aligned on the call).
SELECT add_job('log_proc', '1 hour', config => '{"a": 1}', scheduled => false) AS j1 \gset
SELECT :j1 >= 1000 AS id_from_1000;
SELECT job_id = :j1 AS is_j1,
       application_name = 'User-Defined Action [' || :j1 || ']' AS app_name,
       schedule_interval, max_runtime, max_retries, retry_period,
       proc_schema, proc_name, owner = current_user::regrole AS owned_by_me,
       scheduled, fixed_schedule, config,
       next_start = initial_start AS due_at_origin, initial_start <= now() AS origin_at_call,
       hypertable_schema, hypertable_name, check_schema, check_name
  FROM timescaledb_information.jobs WHERE job_id = :j1;

-- The views have TimescaleDB's columns, in its order.
SELECT attname, format_type(atttypid, atttypmod)
  FROM pg_attribute
 WHERE attrelid = 'timescaledb_information.jobs'::regclass AND attnum > 0
 ORDER BY attnum;
SELECT attname, format_type(atttypid, atttypmod)
  FROM pg_attribute
 WHERE attrelid = 'timescaledb_information.job_stats'::regclass AND attnum > 0
 ORDER BY attnum;
SELECT attrelid::regclass, string_agg(attname, ', ' ORDER BY attnum)
  FROM pg_attribute
 WHERE attrelid IN ('timescaledb_information.job_history'::regclass,
                    'timescaledb_information.job_errors'::regclass) AND attnum > 0
 GROUP BY attrelid ORDER BY attrelid::regclass::text;

-- Before any run.
SELECT last_run_started_at, last_successful_finish, last_run_status, job_status,
       last_run_duration, next_start, total_runs, total_successes, total_failures
  FROM timescaledb_information.job_stats WHERE job_id = :j1;

-- run_job runs the procedure in this session with (job_id, config) and
-- records the run; the fixed schedule's next start is initial_start + 1 h.
CALL run_job(:j1);
SELECT job_id = :j1 AS is_j1, config, who = current_user AS as_owner FROM job_log;
SELECT last_run_status, job_status, total_runs, total_successes, total_failures,
       last_run_started_at <= last_successful_finish AS ordered,
       last_run_duration >= interval '0' AS has_duration,
       next_start IS NULL AS paused_has_no_next_start
  FROM timescaledb_information.job_stats WHERE job_id = :j1;
SELECT s.next_start = j.initial_start + interval '1 hour' AS next_slot,
       s.consecutive_failures, s.last_error
  FROM _epiphany_timestore.bgw_job j
  JOIN _epiphany_timestore.bgw_job_stat s ON s.job_id = j.id
 WHERE j.id = :j1;
CALL run_job(:j1);
SELECT total_runs, total_successes FROM timescaledb_information.job_stats WHERE job_id = :j1;
-- Successful runs reach job_history only with
-- epiphany.timeseries_job_execution_logging (failures always do).
SELECT count(*) FROM timescaledb_information.job_history WHERE job_id = :j1;

-- A function works too (SELECT instead of CALL); a drifting schedule
-- starts again one interval after the end of the run.
SELECT add_job('log_func', '10 minutes', fixed_schedule => false, scheduled => false) AS j2 \gset
SELECT initial_start IS NULL AS no_origin FROM timescaledb_information.jobs WHERE job_id = :j2;
CALL run_job(:j2);
SELECT count(*) FROM job_log WHERE job_id = :j2 AND config IS NULL;
SELECT next_start = last_finish + interval '10 minutes' AS drifts,
       next_start > now() AS in_future
  FROM _epiphany_timestore.bgw_job_stat WHERE job_id = :j2;

-- A fixed daily schedule from an old origin: the next start is the first
-- origin + k days after now (in UTC, the job having no time zone).
SELECT add_job('log_proc', '1 day', initial_start => '2000-01-03 00:00+00',
               scheduled => false) AS j3 \gset
CALL run_job(:j3);
SELECT next_start > now() AS after_now,
       next_start <= now() + interval '1 day' AS within_a_day,
       mod(extract(epoch FROM next_start - '2000-01-03 00:00+00')::numeric, 86400) AS offset_in_day
  FROM _epiphany_timestore.bgw_job_stat WHERE job_id = :j3;

-- A failing job raises its error to run_job's caller; nothing is recorded.
SELECT add_job('fail_proc', '1 hour', config => '{"n": 7}', scheduled => false) AS j4 \gset
CALL run_job(:j4);
SELECT total_runs, total_failures FROM timescaledb_information.job_stats WHERE job_id = :j4;
SELECT count(*) FROM job_log WHERE job_id = :j4;

-- Called outside a transaction block by the job's owner, run_job lets the
-- procedure COMMIT; inside one, the COMMIT is refused.
CREATE PROCEDURE commit_proc(job_id integer, config jsonb) LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO job_log VALUES (job_id, config, current_user);
    COMMIT;
    INSERT INTO job_log VALUES (job_id, '"after commit"', current_user);
END $$;
SELECT add_job('commit_proc', '1 hour', scheduled => false) AS jc \gset
CALL run_job(:jc);
SELECT config FROM job_log WHERE job_id = :jc ORDER BY config NULLS FIRST;
SELECT total_runs, total_successes FROM timescaledb_information.job_stats WHERE job_id = :jc;
BEGIN;
CALL run_job(:jc);
ROLLBACK;
SELECT delete_job(:jc);

-- alter_job returns TimescaleDB's record; NULL arguments keep values.
SELECT job_id = :j1 AS is_j1, schedule_interval, max_runtime, max_retries, retry_period,
       scheduled, config, next_start = '2030-01-01 00:00+00' AS next_start_set,
       check_config, fixed_schedule, initial_start IS NOT NULL AS has_origin, timezone
  FROM alter_job(:j1, schedule_interval => '2 hours', max_runtime => '5 minutes',
                 max_retries => 3, retry_period => '1 minute', config => '{"b": 2}',
                 next_start => '2030-01-01 00:00+00', check_config => 'check_cfg',
                 timezone => 'Europe/Berlin');
SELECT schedule_interval, max_runtime, max_retries, retry_period, config, check_config, timezone
  FROM alter_job(:j1, scheduled => false);
SELECT check_schema, check_name, next_start = '2030-01-01 00:00+00' AS kept
  FROM timescaledb_information.jobs WHERE job_id = :j1;
-- A new initial_start becomes the next start; check_config => '-' removes the check.
SELECT next_start = '2031-06-01 12:00+00' AS next_is_origin, check_config
  FROM alter_job(:j1, initial_start => '2031-06-01 12:00+00', check_config => '-');

-- Validation errors.
SELECT add_job(NULL, '1 hour');
SELECT add_job('log_proc', NULL);
SELECT add_job('log_proc', '0');
SELECT add_job('log_proc', '-1 minute');
SELECT add_job('no_such_proc', '1 hour');
SELECT add_job('wrong_args', '1 hour');
SELECT add_job('log_proc', '1 hour', check_config => 'log_proc');
SELECT add_job('log_proc', '1 hour', config => '{"bad": 1}', check_config => 'check_cfg');
SELECT add_job('log_proc', '1 hour', timezone => 'Mars/Olympus_Mons');
SELECT * FROM alter_job(424242);
SELECT * FROM alter_job(424242, if_exists => true);
SELECT * FROM alter_job(NULL);
SELECT * FROM alter_job(:j1, schedule_interval => '0');
SELECT * FROM alter_job(:j1, max_runtime => '-1 second');
SELECT * FROM alter_job(:j1, max_retries => -2);
SELECT * FROM alter_job(:j1, retry_period => '0');
SELECT * FROM alter_job(:j1, config => '{"bad": true}', check_config => 'check_cfg');
SELECT delete_job(424242);
CALL run_job(424242);
-- The failed calls changed nothing and took no job id.
SELECT count(*) FROM timescaledb_information.jobs WHERE job_id >= 1000;
SELECT max(job_id) - min(job_id) AS id_span FROM timescaledb_information.jobs WHERE job_id >= 1000;

-- Owners: a job runs as the role that added it; only roles with that
-- role's privileges may change, run or delete it.
CREATE ROLE regress_job_user;
GRANT INSERT ON job_log TO regress_job_user;
SET ROLE regress_job_user;
SELECT add_job('secret_proc', '1 hour');
SELECT * FROM alter_job(:j1, scheduled => false);
SELECT delete_job(:j1);
CALL run_job(:j1);
SELECT add_job('log_proc', '1 hour', scheduled => false) AS j5 \gset
CALL run_job(:j5);
RESET ROLE;
CALL run_job(:j5);
SELECT who, count(*) FROM job_log WHERE job_id = :j5 GROUP BY who;
SELECT owner FROM timescaledb_information.jobs WHERE job_id = :j5;

-- delete_job removes the job and its statistics.
SELECT delete_job(:j5);
SELECT delete_job(:j4);
SELECT count(*) FROM timescaledb_information.jobs WHERE job_id IN (:j4, :j5);
SELECT count(*) FROM _epiphany_timestore.bgw_job_stat WHERE job_id IN (:j4, :j5);

-- The job catalog is dumped with the database (the statistics are not).
SELECT c.relname
  FROM pg_extension e, unnest(e.extconfig) AS t(oid)
  JOIN pg_class c ON c.oid = t.oid
 WHERE e.extname = 'epiphany_timestore'
 ORDER BY 1;

REVOKE INSERT ON job_log FROM regress_job_user;
DROP ROLE regress_job_user;
