/* timestore/sql/epiphany_timestore--0.1.0.sql: the time-series engine. */

\echo Use "CREATE EXTENSION epiphany_timestore" to load this file. \quit

-- Refuse to install unless the library was preloaded; the check function is
-- temporary so that it leaves nothing behind.
CREATE FUNCTION pg_temp.timestore_require_preload() RETURNS void
AS 'MODULE_PATHNAME', 'ep_timestore_require_preload' LANGUAGE C STRICT;
SELECT pg_temp.timestore_require_preload();
DROP FUNCTION pg_temp.timestore_require_preload();

-- Support functions of the aggregates live in their own schema, as
-- TimescaleDB keeps them out of the user's (its _timescaledb_functions);
-- users call only the aggregates and time_bucket.
CREATE SCHEMA _epiphany_timestore;
COMMENT ON SCHEMA _epiphany_timestore IS
    'epiphany_timestore internals: support functions of its aggregates, the job catalog';

-----------------------------------------------------------------------------
-- time_bucket: TimescaleDB 2.x signatures, argument names and defaults.
-- Buckets of days and weeks are aligned on Monday 2000-01-03, month and year
-- buckets on 2000-01-01, integer buckets on 0.  timestamptz buckets are
-- aligned in UTC unless a time zone is given.
-----------------------------------------------------------------------------

CREATE FUNCTION time_bucket(bucket_width smallint, ts smallint) RETURNS smallint
AS 'MODULE_PATHNAME', 'ep_time_bucket_int16'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION time_bucket(bucket_width integer, ts integer) RETURNS integer
AS 'MODULE_PATHNAME', 'ep_time_bucket_int32'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION time_bucket(bucket_width bigint, ts bigint) RETURNS bigint
AS 'MODULE_PATHNAME', 'ep_time_bucket_int64'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION time_bucket(bucket_width smallint, ts smallint, "offset" smallint)
RETURNS smallint
AS 'MODULE_PATHNAME', 'ep_time_bucket_int16'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION time_bucket(bucket_width integer, ts integer, "offset" integer)
RETURNS integer
AS 'MODULE_PATHNAME', 'ep_time_bucket_int32'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION time_bucket(bucket_width bigint, ts bigint, "offset" bigint)
RETURNS bigint
AS 'MODULE_PATHNAME', 'ep_time_bucket_int64'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION time_bucket(bucket_width interval, ts timestamp) RETURNS timestamp
AS 'MODULE_PATHNAME', 'ep_time_bucket_ts'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION time_bucket(bucket_width interval, ts timestamptz) RETURNS timestamptz
AS 'MODULE_PATHNAME', 'ep_time_bucket_tstz'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION time_bucket(bucket_width interval, ts date) RETURNS date
AS 'MODULE_PATHNAME', 'ep_time_bucket_date'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION time_bucket(bucket_width interval, ts timestamp, origin timestamp)
RETURNS timestamp
AS 'MODULE_PATHNAME', 'ep_time_bucket_ts'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION time_bucket(bucket_width interval, ts timestamptz, origin timestamptz)
RETURNS timestamptz
AS 'MODULE_PATHNAME', 'ep_time_bucket_tstz'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION time_bucket(bucket_width interval, ts date, origin date) RETURNS date
AS 'MODULE_PATHNAME', 'ep_time_bucket_date'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- The offset forms shift with PostgreSQL's interval arithmetic; for
-- timestamptz that follows the session's TimeZone when the offset has days
-- or months.  TimescaleDB marks them IMMUTABLE all the same, and so do we,
-- so that indexes and continuous aggregates defined for it carry over.
CREATE FUNCTION time_bucket(bucket_width interval, ts timestamp, "offset" interval)
RETURNS timestamp
AS 'MODULE_PATHNAME', 'ep_time_bucket_ts_offset'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION time_bucket(bucket_width interval, ts timestamptz, "offset" interval)
RETURNS timestamptz
AS 'MODULE_PATHNAME', 'ep_time_bucket_tstz_offset'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION time_bucket(bucket_width interval, ts date, "offset" interval)
RETURNS date
AS 'MODULE_PATHNAME', 'ep_time_bucket_date_offset'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- Buckets of the wall-clock time in a named zone.  Not STRICT: a NULL origin
-- or offset means none.  IMMUTABLE as in TimescaleDB: the zone is an
-- argument (its rules come from the tz database, as for timezone()).
CREATE FUNCTION time_bucket(bucket_width interval, ts timestamptz, timezone text,
                            origin timestamptz DEFAULT NULL,
                            "offset" interval DEFAULT NULL)
RETURNS timestamptz
AS 'MODULE_PATHNAME', 'ep_time_bucket_tstz_timezone'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

-----------------------------------------------------------------------------
-- first(value, time) and last(value, time): the value at the smallest
-- (largest) time, ordered by the time type's default btree operator class.
-----------------------------------------------------------------------------

CREATE FUNCTION _epiphany_timestore.first_sfunc(internal, anyelement, "any")
RETURNS internal
AS 'MODULE_PATHNAME', 'ep_first_sfunc'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION _epiphany_timestore.last_sfunc(internal, anyelement, "any")
RETURNS internal
AS 'MODULE_PATHNAME', 'ep_last_sfunc'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION _epiphany_timestore.first_combinefunc(internal, internal)
RETURNS internal
AS 'MODULE_PATHNAME', 'ep_first_combinefunc'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION _epiphany_timestore.last_combinefunc(internal, internal)
RETURNS internal
AS 'MODULE_PATHNAME', 'ep_last_combinefunc'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION _epiphany_timestore.bookend_serializefunc(internal)
RETURNS bytea
AS 'MODULE_PATHNAME', 'ep_bookend_serializefunc'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION _epiphany_timestore.bookend_deserializefunc(bytea, internal)
RETURNS internal
AS 'MODULE_PATHNAME', 'ep_bookend_deserializefunc'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION _epiphany_timestore.bookend_finalfunc(internal, anyelement, "any")
RETURNS anyelement
AS 'MODULE_PATHNAME', 'ep_bookend_finalfunc'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE AGGREGATE first(anyelement, "any") (
    SFUNC = _epiphany_timestore.first_sfunc,
    STYPE = internal,
    COMBINEFUNC = _epiphany_timestore.first_combinefunc,
    SERIALFUNC = _epiphany_timestore.bookend_serializefunc,
    DESERIALFUNC = _epiphany_timestore.bookend_deserializefunc,
    FINALFUNC = _epiphany_timestore.bookend_finalfunc,
    FINALFUNC_EXTRA,
    PARALLEL = SAFE
);

CREATE AGGREGATE last(anyelement, "any") (
    SFUNC = _epiphany_timestore.last_sfunc,
    STYPE = internal,
    COMBINEFUNC = _epiphany_timestore.last_combinefunc,
    SERIALFUNC = _epiphany_timestore.bookend_serializefunc,
    DESERIALFUNC = _epiphany_timestore.bookend_deserializefunc,
    FINALFUNC = _epiphany_timestore.bookend_finalfunc,
    FINALFUNC_EXTRA,
    PARALLEL = SAFE
);

-----------------------------------------------------------------------------
-- histogram(value, min, max, nbuckets) -> integer[] of nbuckets + 2 counts:
-- below min, the nbuckets equal-width buckets of [min, max), at or above max.
-----------------------------------------------------------------------------

CREATE FUNCTION _epiphany_timestore.hist_sfunc(state internal, val double precision,
    min double precision, max double precision, nbuckets integer)
RETURNS internal
AS 'MODULE_PATHNAME', 'ep_hist_sfunc'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION _epiphany_timestore.hist_combinefunc(state1 internal, state2 internal)
RETURNS internal
AS 'MODULE_PATHNAME', 'ep_hist_combinefunc'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION _epiphany_timestore.hist_serializefunc(internal)
RETURNS bytea
AS 'MODULE_PATHNAME', 'ep_hist_serializefunc'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION _epiphany_timestore.hist_deserializefunc(bytea, internal)
RETURNS internal
AS 'MODULE_PATHNAME', 'ep_hist_deserializefunc'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION _epiphany_timestore.hist_finalfunc(state internal, val double precision,
    min double precision, max double precision, nbuckets integer)
RETURNS integer[]
AS 'MODULE_PATHNAME', 'ep_hist_finalfunc'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE AGGREGATE histogram(double precision, double precision, double precision, integer) (
    SFUNC = _epiphany_timestore.hist_sfunc,
    STYPE = internal,
    COMBINEFUNC = _epiphany_timestore.hist_combinefunc,
    SERIALFUNC = _epiphany_timestore.hist_serializefunc,
    DESERIALFUNC = _epiphany_timestore.hist_deserializefunc,
    FINALFUNC = _epiphany_timestore.hist_finalfunc,
    FINALFUNC_EXTRA,
    PARALLEL = SAFE
);

-----------------------------------------------------------------------------
-- Jobs: the catalog, the API (TimescaleDB 2.x names, signatures and
-- defaults) and the timescaledb_information views.  The scheduler
-- background workers read these tables; see README.md, "Jobs".
-----------------------------------------------------------------------------

-- Job ids start at 1000, as TimescaleDB's (its ids below 1000 are its own
-- system jobs).
CREATE SEQUENCE _epiphany_timestore.bgw_job_id_seq MINVALUE 1000 START 1000;

-- One row per job.  The procedure and the check function are kept by name,
-- like TimescaleDB, so that a dump restores them whatever their new Oids.
CREATE TABLE _epiphany_timestore.bgw_job (
    id                integer PRIMARY KEY
                      DEFAULT nextval('_epiphany_timestore.bgw_job_id_seq'),
    application_name  name NOT NULL,
    schedule_interval interval NOT NULL CHECK (schedule_interval > interval '0'),
    max_runtime       interval NOT NULL CHECK (max_runtime >= interval '0'),
    max_retries       integer NOT NULL CHECK (max_retries >= -1),
    retry_period      interval NOT NULL CHECK (retry_period > interval '0'),
    proc_schema       name NOT NULL,
    proc_name         name NOT NULL,
    owner             regrole NOT NULL,
    scheduled         boolean NOT NULL DEFAULT true,
    fixed_schedule    boolean NOT NULL DEFAULT true,
    initial_start     timestamptz,
    hypertable_id     integer,
    config            jsonb,
    check_schema      name,
    check_name        name,
    timezone          text,
    CHECK ((check_schema IS NULL) = (check_name IS NULL))
);
ALTER SEQUENCE _epiphany_timestore.bgw_job_id_seq
    OWNED BY _epiphany_timestore.bgw_job.id;

-- One row per job, written by the scheduler around each run (and by
-- run_job).  Not dumped: a restored job gets a fresh row, due at its
-- initial_start (or at once), from the scheduler.
CREATE TABLE _epiphany_timestore.bgw_job_stat (
    job_id                 integer PRIMARY KEY
                           REFERENCES _epiphany_timestore.bgw_job (id) ON DELETE CASCADE,
    next_start             timestamptz NOT NULL,
    last_start             timestamptz,
    last_finish            timestamptz,
    last_successful_finish timestamptz,
    last_run_success       boolean,
    total_runs             bigint NOT NULL DEFAULT 0,
    total_duration         interval NOT NULL DEFAULT interval '0',
    total_successes        bigint NOT NULL DEFAULT 0,
    total_failures         bigint NOT NULL DEFAULT 0,
    consecutive_failures   integer NOT NULL DEFAULT 0,
    last_error             text,
    last_error_sqlstate    text
);

SELECT pg_catalog.pg_extension_config_dump('_epiphany_timestore.bgw_job', '');
SELECT pg_catalog.pg_extension_config_dump('_epiphany_timestore.bgw_job_id_seq', '');

-- Any change of the jobs (the API, a restore's COPY, a manual UPDATE) wakes
-- the database's scheduler when the transaction commits.
CREATE FUNCTION _epiphany_timestore.job_changed() RETURNS trigger
AS 'MODULE_PATHNAME', 'ep_timestore_job_changed' LANGUAGE C;
CREATE TRIGGER wake_scheduler
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON _epiphany_timestore.bgw_job
    FOR EACH STATEMENT EXECUTE FUNCTION _epiphany_timestore.job_changed();

GRANT USAGE ON SCHEMA _epiphany_timestore TO PUBLIC;
GRANT SELECT ON _epiphany_timestore.bgw_job, _epiphany_timestore.bgw_job_stat TO PUBLIC;

CREATE FUNCTION add_job(
    proc regproc,
    schedule_interval interval,
    config jsonb DEFAULT NULL,
    initial_start timestamptz DEFAULT NULL,
    scheduled boolean DEFAULT true,
    check_config regproc DEFAULT NULL,
    fixed_schedule boolean DEFAULT true,
    timezone text DEFAULT NULL
) RETURNS integer
AS 'MODULE_PATHNAME', 'ep_add_job' LANGUAGE C VOLATILE;

CREATE FUNCTION alter_job(
    job_id integer,
    schedule_interval interval DEFAULT NULL,
    max_runtime interval DEFAULT NULL,
    max_retries integer DEFAULT NULL,
    retry_period interval DEFAULT NULL,
    scheduled boolean DEFAULT NULL,
    config jsonb DEFAULT NULL,
    next_start timestamptz DEFAULT NULL,
    if_exists boolean DEFAULT false,
    check_config regproc DEFAULT NULL,
    fixed_schedule boolean DEFAULT NULL,
    initial_start timestamptz DEFAULT NULL,
    timezone text DEFAULT NULL
) RETURNS TABLE (job_id integer, schedule_interval interval, max_runtime interval,
                 max_retries integer, retry_period interval, scheduled boolean,
                 config jsonb, next_start timestamptz, check_config text,
                 fixed_schedule boolean, initial_start timestamptz, timezone text)
AS 'MODULE_PATHNAME', 'ep_alter_job' LANGUAGE C VOLATILE;

CREATE FUNCTION delete_job(job_id integer) RETURNS void
AS 'MODULE_PATHNAME', 'ep_delete_job' LANGUAGE C VOLATILE STRICT;

CREATE PROCEDURE run_job(job_id integer)
AS 'MODULE_PATHNAME', 'ep_run_job' LANGUAGE C;

CREATE SCHEMA timescaledb_information;
GRANT USAGE ON SCHEMA timescaledb_information TO PUBLIC;

CREATE VIEW timescaledb_information.jobs AS
SELECT j.id AS job_id,
       j.application_name,
       j.schedule_interval,
       j.max_runtime,
       j.max_retries,
       j.retry_period,
       j.proc_schema,
       j.proc_name,
       j.owner,
       j.scheduled,
       j.fixed_schedule,
       j.config,
       s.next_start,
       j.initial_start,
       NULL::name AS hypertable_schema,
       NULL::name AS hypertable_name,
       j.check_schema,
       j.check_name
  FROM _epiphany_timestore.bgw_job j
  LEFT JOIN _epiphany_timestore.bgw_job_stat s ON s.job_id = j.id;

-- A run is over when last_finish is at or after last_start; a run that
-- started and never finished (in progress, or the process stopped) has no
-- status yet, as in TimescaleDB.  The scheduler shows the running job's
-- application_name in pg_stat_activity.
CREATE VIEW timescaledb_information.job_stats AS
SELECT NULL::name AS hypertable_schema,
       NULL::name AS hypertable_name,
       j.id AS job_id,
       s.last_start AS last_run_started_at,
       s.last_successful_finish,
       CASE WHEN s.last_finish >= s.last_start THEN
           CASE WHEN s.last_run_success THEN 'Success' ELSE 'Failed' END
       END AS last_run_status,
       CASE WHEN EXISTS (SELECT 1 FROM pg_catalog.pg_stat_activity a
                          WHERE a.datname = current_database()
                            AND a.application_name = j.application_name
                            AND a.state = 'active') THEN 'Running'
            WHEN NOT j.scheduled THEN 'Paused'
            ELSE 'Scheduled'
       END AS job_status,
       CASE WHEN s.last_finish > s.last_start THEN s.last_finish - s.last_start
       END AS last_run_duration,
       CASE WHEN j.scheduled THEN s.next_start END AS next_start,
       s.total_runs,
       s.total_successes,
       s.total_failures
  FROM _epiphany_timestore.bgw_job j
  JOIN _epiphany_timestore.bgw_job_stat s ON s.job_id = j.id;

GRANT SELECT ON ALL TABLES IN SCHEMA timescaledb_information TO PUBLIC;

-- Wake the launcher when this transaction commits, so that this database
-- gets its scheduler at once rather than at the launcher's next scan.
CREATE FUNCTION pg_temp.timestore_wake_scheduler() RETURNS void
AS 'MODULE_PATHNAME', 'ep_timestore_wake_scheduler' LANGUAGE C STRICT;
SELECT pg_temp.timestore_wake_scheduler();
DROP FUNCTION pg_temp.timestore_wake_scheduler();
