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

-- One row per failed run of a job, and per successful one when
-- epiphany.timeseries_job_execution_logging is on (job_worker.c); rows
-- older than a month go as new ones come.  Kept after the job is deleted,
-- as TimescaleDB keeps them; not dumped.
CREATE TABLE _epiphany_timestore.bgw_job_history (
    id          bigserial PRIMARY KEY,
    job_id      integer NOT NULL,
    owner       regrole NOT NULL,
    succeeded   boolean NOT NULL,
    pid         integer,
    start_time  timestamptz,
    finish_time timestamptz NOT NULL,
    proc_schema name,
    proc_name   name,
    config      jsonb,
    sqlerrcode  text,
    err_message text
);
CREATE INDEX bgw_job_history_finish_idx ON _epiphany_timestore.bgw_job_history (finish_time);

-- System jobs (ids below 1000) come with the extension, not with a dump.
SELECT pg_catalog.pg_extension_config_dump('_epiphany_timestore.bgw_job', 'WHERE id >= 1000');
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


-- Wake the launcher when this transaction commits, so that this database
-- gets its scheduler at once rather than at the launcher's next scan.
CREATE FUNCTION pg_temp.timestore_wake_scheduler() RETURNS void
AS 'MODULE_PATHNAME', 'ep_timestore_wake_scheduler' LANGUAGE C STRICT;
SELECT pg_temp.timestore_wake_scheduler();
DROP FUNCTION pg_temp.timestore_wake_scheduler();

-----------------------------------------------------------------------------
-- Hypertables: the catalog, the chunk schema and the API (TimescaleDB 2.x
-- names, signatures and defaults).  A hypertable is a plain table that
-- holds no rows itself; its chunks are tables that inherit from it, one per
-- time range, created on demand by the INSERT and COPY paths (README.md,
-- "Hypertables").  Time values are kept as bigint "internal times":
-- microseconds since 2000-01-01 for timestamp and timestamptz, days since
-- 2000-01-01 for date, the value itself for integer types.
-----------------------------------------------------------------------------

CREATE SCHEMA _epiphany_chunks;
COMMENT ON SCHEMA _epiphany_chunks IS
    'epiphany_timestore: the chunks of hypertables';
GRANT USAGE ON SCHEMA _epiphany_chunks TO PUBLIC;

-- One row per hypertable.  relid is a regclass, so that a rename keeps the
-- row and a dump restores it by name.
CREATE TABLE _epiphany_timestore.hypertable (
    id             serial PRIMARY KEY,
    relid          regclass NOT NULL UNIQUE,
    time_column    name NOT NULL,
    time_type      regtype NOT NULL,
    chunk_interval bigint NOT NULL CHECK (chunk_interval > 0),
    integer_now_func regproc,          -- "now" of an integer time column
    -- Space partitioning (add_dimension ... by_hash): the column whose hash
    -- splits each time range into hash_partitions slices (hash_dimension.c).
    hash_column      name,
    hash_partitions  smallint CHECK (hash_partitions BETWEEN 1 AND 32767),
    hash_dimension_id integer,
    CHECK ((hash_column IS NULL) = (hash_partitions IS NULL))
);
CREATE SEQUENCE _epiphany_timestore.dimension_id_seq;

-- One row per chunk: the half-open range [range_start, range_end) of
-- internal times it holds (the bigint limits stand for "unbounded"), and,
-- on a space-partitioned hypertable, its hash slice (0 otherwise).
CREATE TABLE _epiphany_timestore.chunk (
    id             serial PRIMARY KEY,
    hypertable_id  integer NOT NULL
                   REFERENCES _epiphany_timestore.hypertable (id) ON DELETE CASCADE,
    relid          regclass NOT NULL UNIQUE,
    range_start    bigint NOT NULL,
    range_end      bigint NOT NULL,
    hash_slice     smallint NOT NULL DEFAULT 0 CHECK (hash_slice >= 0),
    created        timestamptz NOT NULL DEFAULT now(),
    CHECK (range_start < range_end)
);
CREATE INDEX chunk_range_idx ON _epiphany_timestore.chunk (hypertable_id, hash_slice, range_start);

SELECT pg_catalog.pg_extension_config_dump('_epiphany_timestore.hypertable', '');
SELECT pg_catalog.pg_extension_config_dump('_epiphany_timestore.hypertable_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('_epiphany_timestore.chunk', '');
SELECT pg_catalog.pg_extension_config_dump('_epiphany_timestore.chunk_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('_epiphany_timestore.dimension_id_seq', '');
GRANT SELECT ON _epiphany_timestore.hypertable, _epiphany_timestore.chunk TO PUBLIC;

-- The jobs views (their hypertable columns need the catalog above).
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
       hn.nspname AS hypertable_schema,
       hc.relname AS hypertable_name,
       j.check_schema,
       j.check_name
  FROM _epiphany_timestore.bgw_job j
  LEFT JOIN _epiphany_timestore.bgw_job_stat s ON s.job_id = j.id
  LEFT JOIN _epiphany_timestore.hypertable h ON h.id = j.hypertable_id
  LEFT JOIN pg_catalog.pg_class hc ON hc.oid = h.relid
  LEFT JOIN pg_catalog.pg_namespace hn ON hn.oid = hc.relnamespace;

-- A run is over when last_finish is at or after last_start; a run that
-- started and never finished (in progress, or the process stopped) has no
-- status yet, as in TimescaleDB.  The scheduler shows the running job's
-- application_name in pg_stat_activity.
CREATE VIEW timescaledb_information.job_stats AS
SELECT hn.nspname AS hypertable_schema,
       hc.relname AS hypertable_name,
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
  JOIN _epiphany_timestore.bgw_job_stat s ON s.job_id = j.id
  LEFT JOIN _epiphany_timestore.hypertable h ON h.id = j.hypertable_id
  LEFT JOIN pg_catalog.pg_class hc ON hc.oid = h.relid
  LEFT JOIN pg_catalog.pg_namespace hn ON hn.oid = hc.relnamespace;

-- The runs of jobs (TimescaleDB 2.15's job_history and job_errors), each
-- user seeing those of the jobs whose owner's privileges it has.
CREATE VIEW timescaledb_information.job_history AS
SELECT id, job_id, succeeded, proc_schema, proc_name, pid, start_time, finish_time,
       config, sqlerrcode, err_message
  FROM _epiphany_timestore.bgw_job_history
 WHERE pg_catalog.pg_has_role(owner, 'USAGE');

CREATE VIEW timescaledb_information.job_errors AS
SELECT job_id, proc_schema, proc_name, pid, start_time, finish_time, sqlerrcode, err_message
  FROM timescaledb_information.job_history
 WHERE NOT succeeded;

GRANT SELECT ON timescaledb_information.jobs, timescaledb_information.job_stats,
                timescaledb_information.job_history, timescaledb_information.job_errors
             TO PUBLIC;

-- Every change of the hypertable catalog (the API, a restore, a manual
-- UPDATE) invalidates the cached description of the table it names.
CREATE FUNCTION _epiphany_timestore.hypertable_changed() RETURNS trigger
AS 'MODULE_PATHNAME', 'ep_hypertable_changed' LANGUAGE C;
CREATE TRIGGER invalidate_cache
    AFTER INSERT OR UPDATE OR DELETE ON _epiphany_timestore.hypertable
    FOR EACH ROW EXECUTE FUNCTION _epiphany_timestore.hypertable_changed();

-- Rows reach a hypertable's chunks through the INSERT and COPY paths; this
-- trigger stops every other way of putting rows into the parent itself
-- (MERGE, logical replication, a function bypassing the planner).
CREATE FUNCTION _epiphany_timestore.insert_blocker() RETURNS trigger
AS 'MODULE_PATHNAME', 'ep_hypertable_insert_blocker' LANGUAGE C;

-- A dropped hypertable or chunk takes its catalog rows with it, and a
-- dropped hypertable its policies' jobs.  SECURITY DEFINER: the owner of a
-- table may drop it without rights on the catalog; only rows of tables
-- that are really gone are deleted.
CREATE FUNCTION _epiphany_timestore.forget_dropped_tables() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    DELETE FROM _epiphany_timestore.bgw_job j
     USING _epiphany_timestore.hypertable h, pg_event_trigger_dropped_objects() d
     WHERE d.classid = 'pg_class'::regclass AND d.objsubid = 0
       AND h.relid::oid = d.objid AND j.hypertable_id = h.id;
    DELETE FROM _epiphany_timestore.chunk c
     USING pg_event_trigger_dropped_objects() d
     WHERE d.classid = 'pg_class'::regclass AND d.objsubid = 0
       AND c.relid::oid = d.objid;
    DELETE FROM _epiphany_timestore.hypertable h
     USING pg_event_trigger_dropped_objects() d
     WHERE d.classid = 'pg_class'::regclass AND d.objsubid = 0
       AND h.relid::oid = d.objid;
END
$$;
CREATE EVENT TRIGGER epiphany_timestore_forget_dropped_tables ON sql_drop
    EXECUTE FUNCTION _epiphany_timestore.forget_dropped_tables();

-- The internal time of a value of a time column's type, and back (NULL for
-- an internal time the type cannot hold).
CREATE FUNCTION _epiphany_timestore.to_internal_time(value anyelement) RETURNS bigint
AS 'MODULE_PATHNAME', 'ep_to_internal_time' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION _epiphany_timestore.internal_time_to_text(value bigint, time_type regtype)
RETURNS text
AS 'MODULE_PATHNAME', 'ep_internal_time_to_text' LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION _epiphany_timestore.internal_time_to_timestamptz(value bigint, time_type regtype)
RETURNS timestamptz
AS 'MODULE_PATHNAME', 'ep_internal_time_to_timestamptz' LANGUAGE C STABLE STRICT PARALLEL SAFE;

-- The chunk interval, in internal time units, of chunk_time_interval given
-- for a column of type time_type (an interval, or an integer: microseconds
-- for time types); NULL gives the default.
CREATE FUNCTION _epiphany_timestore.chunk_interval_internal(time_type regtype,
                                                           chunk_time_interval anyelement)
RETURNS bigint
AS 'MODULE_PATHNAME', 'ep_chunk_interval_internal' LANGUAGE C STABLE PARALLEL SAFE;

-- Writes the catalog row of a new hypertable (the caller must own it).
CREATE FUNCTION _epiphany_timestore.hypertable_register(relation regclass, time_column name,
                                                       chunk_interval bigint)
RETURNS integer
AS 'MODULE_PATHNAME', 'ep_hypertable_register' LANGUAGE C VOLATILE STRICT;

-- The argument of create_hypertable's dimension form, built by by_range.
CREATE TYPE _epiphany_timestore.dimension_info AS (
    column_name    name,
    interval_value text,
    interval_type  regtype,
    num_partitions integer      -- by_hash only
);

CREATE FUNCTION by_range(column_name name,
                         partition_interval anyelement DEFAULT NULL::bigint,
                         partition_func regproc DEFAULT NULL)
RETURNS _epiphany_timestore.dimension_info
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    IF partition_func IS NOT NULL THEN
        RAISE EXCEPTION 'partition_func is not supported'
            USING ERRCODE = 'feature_not_supported',
                  HINT = 'Partition on a time or integer column directly.';
    END IF;
    RETURN ROW(column_name, partition_interval::text,
               pg_catalog.pg_typeof(partition_interval)::regtype, NULL::integer);
END
$$;

-- A hash dimension for add_dimension: number_partitions slices of the
-- column's hash (hash_dimension.c).
CREATE FUNCTION by_hash(column_name name, number_partitions integer,
                        partition_func regproc DEFAULT NULL)
RETURNS _epiphany_timestore.dimension_info
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    IF partition_func IS NOT NULL THEN
        RAISE EXCEPTION 'partition_func is not supported'
            USING ERRCODE = 'feature_not_supported',
                  HINT = 'Rows are spread by the hash function of the column''s type.';
    END IF;
    IF number_partitions IS NULL THEN
        RAISE EXCEPTION 'number_partitions must not be NULL'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    RETURN ROW(column_name, NULL::text, NULL::regtype, number_partitions);
END
$$;

-- The hash slice a value of a space-partitioned column falls in is
-- partition_hash(value) * partitions / 2^31; NULL hashes to 0.
CREATE FUNCTION _epiphany_timestore.partition_hash(value anyelement) RETURNS integer
AS 'MODULE_PATHNAME', 'ep_partition_hash' LANGUAGE C IMMUTABLE PARALLEL SAFE;

-- Writes a hypertable's hash dimension (the caller must own it; no chunk
-- may exist yet); returns the dimension's id.
CREATE FUNCTION _epiphany_timestore.add_hash_dimension(relation regclass, column_name name,
                                                      partitions integer)
RETURNS integer
AS 'MODULE_PATHNAME', 'ep_add_hash_dimension' LANGUAGE C VOLATILE STRICT;

-- The type of a hypertable's future time column, which must exist.
CREATE FUNCTION _epiphany_timestore.time_column_type(relation regclass, column_name name)
RETURNS regtype
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    result regtype;
BEGIN
    SELECT a.atttypid::regtype INTO result FROM pg_attribute a
     WHERE a.attrelid = relation AND a.attname = column_name
       AND a.attnum > 0 AND NOT a.attisdropped;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'column "%" does not exist', column_name
            USING ERRCODE = 'undefined_column';
    END IF;
    RETURN result;
END
$$;

-- The work of both forms of create_hypertable.
CREATE FUNCTION _epiphany_timestore.create_hypertable(relation regclass, time_column_name name,
                                                     chunk_interval bigint,
                                                     create_default_indexes boolean,
                                                     if_not_exists boolean,
                                                     migrate_data boolean,
                                                     hash_column name,
                                                     hash_partitions integer,
                                                     OUT hypertable_id integer,
                                                     OUT created boolean)
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    rel record;
    col record;
    existing integer;
    has_rows boolean;
BEGIN
    SELECT h.id INTO existing FROM _epiphany_timestore.hypertable h WHERE h.relid = relation;
    IF FOUND THEN
        IF if_not_exists THEN
            RAISE NOTICE 'table "%" is already a hypertable, skipping', relation;
            hypertable_id := existing;
            created := false;
            RETURN;
        END IF;
        RAISE EXCEPTION 'table "%" is already a hypertable', relation
            USING ERRCODE = 'duplicate_object';
    END IF;

    SELECT c.relkind, c.relpersistence,
           EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhrelid = c.oid OR i.inhparent = c.oid)
               AS inherits
      INTO rel FROM pg_class c WHERE c.oid = relation;
    IF rel.relkind <> 'r' THEN
        RAISE EXCEPTION 'table "%" cannot become a hypertable', relation
            USING ERRCODE = 'wrong_object_type',
                  DETAIL = CASE rel.relkind WHEN 'p' THEN 'It is a partitioned table.'
                                            ELSE 'It is not a plain table.' END;
    END IF;
    IF rel.relpersistence = 't' THEN
        RAISE EXCEPTION 'table "%" is temporary', relation
            USING ERRCODE = 'feature_not_supported',
                  HINT = 'Hypertables must be permanent or unlogged tables.';
    END IF;
    IF rel.inherits THEN
        RAISE EXCEPTION 'table "%" takes part in inheritance', relation
            USING ERRCODE = 'feature_not_supported',
                  HINT = 'A hypertable''s chunks inherit from it; it cannot have parents or children of its own.';
    END IF;

    SELECT a.attnum, a.atttypid::regtype AS atttype INTO col
      FROM pg_attribute a
     WHERE a.attrelid = relation AND a.attname = time_column_name
       AND a.attnum > 0 AND NOT a.attisdropped;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'column "%" does not exist', time_column_name
            USING ERRCODE = 'undefined_column';
    END IF;
    IF col.atttype NOT IN ('smallint'::regtype, 'integer'::regtype, 'bigint'::regtype,
                           'date'::regtype, 'timestamp'::regtype, 'timestamptz'::regtype) THEN
        RAISE EXCEPTION 'invalid type for dimension "%"', time_column_name
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('Column type %s is not a time type.', col.atttype),
                  HINT = 'Use a column of type timestamptz, timestamp, date, smallint, integer or bigint.';
    END IF;

    PERFORM 1 FROM pg_index i
     WHERE i.indrelid = relation AND (i.indisunique OR i.indisexclusion)
       AND NOT (col.attnum = ANY (i.indkey::smallint[]));
    IF FOUND THEN
        RAISE EXCEPTION 'cannot create a unique index without the column "%" (used in partitioning)',
                        time_column_name
            USING ERRCODE = 'invalid_table_definition',
                  HINT = 'Add the time column to every unique index and primary key of the table.';
    END IF;

    EXECUTE format('SELECT EXISTS (SELECT 1 FROM ONLY %s)', relation) INTO has_rows;
    IF has_rows AND NOT migrate_data THEN
        RAISE EXCEPTION 'table "%" is not empty', relation
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Pass migrate_data => true to move its rows into chunks.';
    END IF;

    -- Needs ownership: a user who does not own the table stops here.
    EXECUTE format('ALTER TABLE %s ALTER COLUMN %I SET NOT NULL', relation, time_column_name);
    EXECUTE format('CREATE TRIGGER _epiphany_insert_blocker BEFORE INSERT ON %s'
                   ' FOR EACH ROW EXECUTE FUNCTION _epiphany_timestore.insert_blocker()',
                   relation);
    IF create_default_indexes THEN
        PERFORM 1 FROM pg_index i
         WHERE i.indrelid = relation AND i.indkey[0] = col.attnum;
        IF NOT FOUND THEN
            EXECUTE format('CREATE INDEX ON %s (%I DESC)', relation, time_column_name);
        END IF;
    END IF;

    hypertable_id := _epiphany_timestore.hypertable_register(relation, time_column_name,
                                                            chunk_interval);
    IF hash_column IS NOT NULL THEN
        PERFORM _epiphany_timestore.add_dimension(relation, hash_column, hash_partitions,
                                                  false, false, false);
    END IF;
    created := true;
    IF has_rows THEN
        EXECUTE format('WITH moved AS (DELETE FROM ONLY %1$s RETURNING *)'
                       ' INSERT INTO %1$s SELECT * FROM moved', relation);
    END IF;
END
$$;

CREATE FUNCTION create_hypertable(
    relation regclass,
    time_column_name name,
    partitioning_column name DEFAULT NULL,
    number_partitions integer DEFAULT NULL,
    associated_schema_name name DEFAULT NULL,
    associated_table_prefix name DEFAULT NULL,
    chunk_time_interval anyelement DEFAULT NULL::bigint,
    create_default_indexes boolean DEFAULT true,
    if_not_exists boolean DEFAULT false,
    partitioning_func regproc DEFAULT NULL,
    migrate_data boolean DEFAULT false,
    chunk_target_size text DEFAULT NULL,
    chunk_sizing_func regproc DEFAULT NULL,
    time_partitioning_func regproc DEFAULT NULL
) RETURNS TABLE (hypertable_id integer, schema_name name, table_name name, created boolean)
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r record;
BEGIN
    IF relation IS NULL OR time_column_name IS NULL THEN
        RAISE EXCEPTION 'relation and time_column_name must not be NULL'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF partitioning_func IS NOT NULL OR time_partitioning_func IS NOT NULL
       OR associated_schema_name IS NOT NULL OR associated_table_prefix IS NOT NULL
       OR chunk_target_size IS NOT NULL OR chunk_sizing_func IS NOT NULL THEN
        RAISE EXCEPTION 'only relation, time_column_name, partitioning_column, number_partitions, chunk_time_interval, create_default_indexes, if_not_exists and migrate_data are supported'
            USING ERRCODE = 'feature_not_supported';
    END IF;
    IF (partitioning_column IS NULL) <> (number_partitions IS NULL) THEN
        RAISE EXCEPTION 'partitioning_column and number_partitions go together'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Give both to split every time range into number_partitions hash slices.';
    END IF;
    r := _epiphany_timestore.create_hypertable(
        relation, time_column_name,
        _epiphany_timestore.chunk_interval_internal(
            _epiphany_timestore.time_column_type(relation, time_column_name),
            chunk_time_interval),
        create_default_indexes, if_not_exists, migrate_data,
        partitioning_column, number_partitions);
    RETURN QUERY SELECT r.hypertable_id, n.nspname, c.relname, r.created
                   FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                  WHERE c.oid = relation;
END
$$;

CREATE FUNCTION create_hypertable(
    relation regclass,
    dimension _epiphany_timestore.dimension_info,
    create_default_indexes boolean DEFAULT true,
    if_not_exists boolean DEFAULT false,
    migrate_data boolean DEFAULT false
) RETURNS TABLE (hypertable_id integer, created boolean)
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    time_type regtype;
    chunk_interval bigint;
BEGIN
    IF relation IS NULL OR dimension IS NULL THEN
        RAISE EXCEPTION 'relation and dimension must not be NULL'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF dimension.num_partitions IS NOT NULL THEN
        RAISE EXCEPTION 'the first dimension of a hypertable must be a range (by_range)'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Add hash dimensions afterwards with add_dimension.';
    END IF;
    time_type := _epiphany_timestore.time_column_type(relation, dimension.column_name);
    -- The interval travels as text: turn it back into a value of its type.
    EXECUTE format('SELECT _epiphany_timestore.chunk_interval_internal($1, $2::%s)',
                   dimension.interval_type)
       INTO chunk_interval USING time_type, dimension.interval_value;
    RETURN QUERY SELECT * FROM _epiphany_timestore.create_hypertable(
        relation, dimension.column_name, chunk_interval,
        create_default_indexes, if_not_exists, migrate_data, NULL, NULL);
END
$$;

-- The work of both forms of add_dimension: a hash dimension only (a
-- second time dimension is not supported).
CREATE FUNCTION _epiphany_timestore.add_dimension(relation regclass, column_name name,
                                                 partitions integer, has_interval boolean,
                                                 has_partitioning_func boolean,
                                                 if_not_exists boolean,
                                                 OUT dimension_id integer, OUT created boolean)
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    h record;
BEGIN
    IF relation IS NULL OR column_name IS NULL THEN
        RAISE EXCEPTION 'hypertable and column_name must not be NULL'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF has_partitioning_func THEN
        RAISE EXCEPTION 'partitioning_func is not supported'
            USING ERRCODE = 'feature_not_supported',
                  HINT = 'Rows are spread by the hash function of the column''s type.';
    END IF;
    SELECT * INTO h FROM _epiphany_timestore.hypertable WHERE relid = relation;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'table "%" is not a hypertable', relation
            USING ERRCODE = 'undefined_object';
    END IF;
    IF column_name = h.time_column OR column_name = h.hash_column THEN
        IF if_not_exists THEN
            RAISE NOTICE 'column "%" is already a dimension, skipping', column_name;
            dimension_id := CASE WHEN column_name = h.hash_column THEN h.hash_dimension_id END;
            created := false;
            RETURN;
        END IF;
        RAISE EXCEPTION 'column "%" is already a dimension', column_name
            USING ERRCODE = 'duplicate_object';
    END IF;
    IF has_interval OR partitions IS NULL THEN
        RAISE EXCEPTION 'only hash dimensions can be added'
            USING ERRCODE = 'feature_not_supported',
                  HINT = 'Give number_partitions (or by_hash); a hypertable has one time dimension.';
    END IF;
    IF h.hash_column IS NOT NULL THEN
        RAISE EXCEPTION 'hypertable "%" already has a hash dimension on "%"', relation, h.hash_column
            USING ERRCODE = 'feature_not_supported';
    END IF;
    dimension_id := _epiphany_timestore.add_hash_dimension(relation, column_name, partitions);
    created := true;
END
$$;

CREATE FUNCTION add_dimension(hypertable regclass, dimension _epiphany_timestore.dimension_info,
                              if_not_exists boolean DEFAULT false)
RETURNS TABLE (dimension_id integer, created boolean)
LANGUAGE sql AS $$
    SELECT * FROM _epiphany_timestore.add_dimension($1, ($2).column_name, ($2).num_partitions,
                                                    ($2).interval_value IS NOT NULL, false, $3)
$$;

CREATE FUNCTION add_dimension(hypertable regclass, column_name name,
                              number_partitions integer DEFAULT NULL,
                              chunk_time_interval anyelement DEFAULT NULL::bigint,
                              partitioning_func regproc DEFAULT NULL,
                              if_not_exists boolean DEFAULT false)
RETURNS TABLE (dimension_id integer, schema_name name, table_name name, column_name name,
               created boolean)
LANGUAGE sql AS $$
    SELECT d.dimension_id, n.nspname, c.relname, $2, d.created
      FROM _epiphany_timestore.add_dimension($1, $2, $3, $4 IS NOT NULL, $5 IS NOT NULL, $6) d,
           pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     WHERE c.oid = $1
$$;

-- The function that gives "now" for a hypertable with an integer time column
-- (a STABLE function without arguments returning the column's type), used
-- by retention policies to turn drop_after into a cutoff.
CREATE FUNCTION set_integer_now_func(hypertable regclass, integer_now_func regproc,
                                     replace_if_exists boolean DEFAULT false)
RETURNS void
AS 'MODULE_PATHNAME', 'ep_set_integer_now_func' LANGUAGE C VOLATILE;

CREATE FUNCTION set_chunk_time_interval(hypertable regclass, chunk_time_interval anyelement,
                                        dimension_name name DEFAULT NULL)
RETURNS void
AS 'MODULE_PATHNAME', 'ep_set_chunk_time_interval' LANGUAGE C VOLATILE;

CREATE FUNCTION show_chunks(relation regclass, older_than "any" DEFAULT NULL,
                            newer_than "any" DEFAULT NULL)
RETURNS SETOF regclass
AS 'MODULE_PATHNAME', 'ep_show_chunks' LANGUAGE C STABLE;

CREATE FUNCTION drop_chunks(relation regclass, older_than "any" DEFAULT NULL,
                            newer_than "any" DEFAULT NULL, verbose boolean DEFAULT false)
RETURNS SETOF text
AS 'MODULE_PATHNAME', 'ep_drop_chunks' LANGUAGE C VOLATILE;

-- The chunk-creation DDL, run as the owner of the extension's schemas by
-- the INSERT and COPY paths (chunk.c), which then clone the indexes.  The
-- chunk's columns repeat the hypertable's one for one, dropped columns
-- included (as placeholders dropped again), so that both have the same
-- attribute numbers; the CHECK constraints, foreign keys, storage
-- parameters (its own and its TOAST table's) and columns' storage,
-- compression and statistics target are copied, the range becomes one more
-- CHECK constraint.
CREATE FUNCTION _epiphany_timestore.create_chunk_table(hypertable regclass, chunk_name name,
                                                      range_check text)
RETURNS regclass
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    chunk regclass;
    columns text;
    checks text;
    access_method name;
    parameters text;
    column_settings text;
    dropped record;
    fk record;
BEGIN
    SELECT string_agg(
             CASE WHEN a.attisdropped THEN format('%I "char"', 'epiphany_dropped_' || a.attnum)
             ELSE format('%I %s%s%s%s', a.attname, format_type(a.atttypid, a.atttypmod),
                         CASE WHEN a.attcollation <> t.typcollation
                              THEN ' COLLATE ' || a.attcollation::regcollation::text END,
                         CASE WHEN a.attnotnull THEN ' NOT NULL' END,
                         CASE WHEN a.attgenerated = 's'
                              THEN ' GENERATED ALWAYS AS (' || pg_get_expr(d.adbin, d.adrelid) || ') STORED'
                              WHEN d.adbin IS NOT NULL
                              THEN ' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid) END)
             END, ', ' ORDER BY a.attnum)
      INTO columns
      FROM pg_attribute a
      LEFT JOIN pg_type t ON t.oid = a.atttypid
      LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
     WHERE a.attrelid = hypertable AND a.attnum > 0;

    SELECT string_agg(format(', CONSTRAINT %I %s', c.conname, pg_get_constraintdef(c.oid)), '')
      INTO checks
      FROM pg_constraint c
     WHERE c.conrelid = hypertable AND c.contype = 'c' AND NOT c.connoinherit;

    SELECT am.amname INTO access_method
      FROM pg_class c JOIN pg_am am ON am.oid = c.relam WHERE c.oid = hypertable;

    SELECT string_agg(format('%s%I = %L', o.prefix, split_part(o.option, '=', 1),
                             substr(o.option, strpos(o.option, '=') + 1)), ', ')
      INTO parameters
      FROM (SELECT '' AS prefix, unnest(c.reloptions) AS option
              FROM pg_class c WHERE c.oid = hypertable
            UNION ALL
            SELECT 'toast.', unnest(t.reloptions)
              FROM pg_class c JOIN pg_class t ON t.oid = c.reltoastrelid
             WHERE c.oid = hypertable) o;

    EXECUTE format('CREATE %sTABLE _epiphany_chunks.%I (%s%s, CHECK (%s)) USING %I%s',
                   CASE WHEN (SELECT relpersistence FROM pg_class WHERE oid = hypertable) = 'u'
                        THEN 'UNLOGGED ' ELSE '' END,
                   chunk_name, columns, coalesce(checks, ''), range_check, access_method,
                   coalesce(' WITH (' || parameters || ')', ''));
    chunk := format('_epiphany_chunks.%I', chunk_name)::regclass;

    -- per-column storage, compression and statistics target, when set
    SELECT string_agg(concat_ws(', ',
             CASE WHEN a.attstorage <> t.typstorage
                  THEN format('ALTER COLUMN %I SET STORAGE %s', a.attname,
                              CASE a.attstorage WHEN 'p' THEN 'PLAIN' WHEN 'e' THEN 'EXTERNAL'
                                                WHEN 'm' THEN 'MAIN' ELSE 'EXTENDED' END) END,
             CASE WHEN a.attcompression <> ''
                  THEN format('ALTER COLUMN %I SET COMPRESSION %s', a.attname,
                              CASE a.attcompression WHEN 'l' THEN 'lz4' ELSE 'pglz' END) END,
             CASE WHEN a.attstattarget >= 0
                  THEN format('ALTER COLUMN %I SET STATISTICS %s', a.attname, a.attstattarget) END),
             ', ')
      INTO column_settings
      FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
     WHERE a.attrelid = hypertable AND a.attnum > 0 AND NOT a.attisdropped
       AND (a.attstorage <> t.typstorage OR a.attcompression <> '' OR a.attstattarget >= 0);
    IF column_settings IS NOT NULL THEN
        EXECUTE format('ALTER TABLE %s %s', chunk, column_settings);
    END IF;

    FOR dropped IN SELECT a.attnum FROM pg_attribute a
                    WHERE a.attrelid = hypertable AND a.attnum > 0 AND a.attisdropped
    LOOP
        EXECUTE format('ALTER TABLE %s DROP COLUMN %I', chunk, 'epiphany_dropped_' || dropped.attnum);
    END LOOP;
    EXECUTE format('ALTER TABLE %s INHERIT %s', chunk, hypertable);
    -- Columns and CHECK constraints are the hypertable's, as CREATE TABLE
    -- ... INHERITS would have made them: ALTER TABLE on the hypertable then
    -- drops or changes them on the chunk too, keeping both layouts equal.
    UPDATE pg_attribute SET attislocal = false
     WHERE attrelid = chunk AND attnum > 0 AND NOT attisdropped;
    UPDATE pg_constraint SET conislocal = false
     WHERE conrelid = chunk AND contype = 'c' AND coninhcount > 0;
    FOR fk IN SELECT c.conname, pg_get_constraintdef(c.oid) AS def
                FROM pg_constraint c WHERE c.conrelid = hypertable AND c.contype = 'f'
    LOOP
        EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I %s', chunk, fk.conname, fk.def);
    END LOOP;
    EXECUTE format('ALTER TABLE %s OWNER TO %I', chunk,
                   (SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = hypertable));
    RETURN chunk;
END
$$;

-- The information views of TimescaleDB 2.x for hypertables, chunks and
-- dimensions (one time dimension per hypertable, and at most one hash one).
CREATE VIEW timescaledb_information.hypertables AS
SELECT n.nspname AS hypertable_schema,
       c.relname AS hypertable_name,
       pg_catalog.pg_get_userbyid(c.relowner) AS owner,
       (1 + (h.hash_column IS NOT NULL)::integer)::smallint AS num_dimensions,
       (SELECT count(*) FROM _epiphany_timestore.chunk k WHERE k.hypertable_id = h.id)::bigint
           AS num_chunks,
       false AS compression_enabled,
       (SELECT pg_catalog.array_agg(DISTINCT t.spcname)
          FROM _epiphany_timestore.chunk k
          JOIN pg_catalog.pg_class kc ON kc.oid = k.relid
          JOIN pg_catalog.pg_tablespace t ON t.oid = kc.reltablespace
         WHERE k.hypertable_id = h.id) AS tablespaces
  FROM _epiphany_timestore.hypertable h
  JOIN pg_catalog.pg_class c ON c.oid = h.relid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace;

CREATE VIEW timescaledb_information.chunks AS
SELECT hn.nspname AS hypertable_schema,
       hc.relname AS hypertable_name,
       kn.nspname AS chunk_schema,
       kc.relname AS chunk_name,
       h.time_column AS primary_dimension,
       h.time_type AS primary_dimension_type,
       _epiphany_timestore.internal_time_to_timestamptz(k.range_start, h.time_type) AS range_start,
       _epiphany_timestore.internal_time_to_timestamptz(k.range_end, h.time_type) AS range_end,
       CASE WHEN h.time_type IN ('smallint'::regtype, 'integer'::regtype, 'bigint'::regtype)
            THEN k.range_start END AS range_start_integer,
       CASE WHEN h.time_type IN ('smallint'::regtype, 'integer'::regtype, 'bigint'::regtype)
            THEN k.range_end END AS range_end_integer,
       false AS is_compressed,
       t.spcname AS chunk_tablespace,
       k.created AS chunk_creation_time
  FROM _epiphany_timestore.chunk k
  JOIN _epiphany_timestore.hypertable h ON h.id = k.hypertable_id
  JOIN pg_catalog.pg_class hc ON hc.oid = h.relid
  JOIN pg_catalog.pg_namespace hn ON hn.oid = hc.relnamespace
  JOIN pg_catalog.pg_class kc ON kc.oid = k.relid
  JOIN pg_catalog.pg_namespace kn ON kn.oid = kc.relnamespace
  LEFT JOIN pg_catalog.pg_tablespace t ON t.oid = kc.reltablespace;

CREATE VIEW timescaledb_information.dimensions AS
SELECT n.nspname AS hypertable_schema,
       c.relname AS hypertable_name,
       1::bigint AS dimension_number,
       h.time_column AS column_name,
       h.time_type AS column_type,
       'Time'::text AS dimension_type,
       CASE WHEN h.time_type = 'date'::regtype
            THEN h.chunk_interval * interval '1 day'
            WHEN h.time_type IN ('timestamp'::regtype, 'timestamptz'::regtype)
            THEN pg_catalog.justify_hours(h.chunk_interval * interval '1 microsecond')
       END AS time_interval,
       CASE WHEN h.time_type IN ('smallint'::regtype, 'integer'::regtype, 'bigint'::regtype)
            THEN h.chunk_interval END AS integer_interval,
       h.integer_now_func::text::name AS integer_now_func,
       NULL::smallint AS num_partitions
  FROM _epiphany_timestore.hypertable h
  JOIN pg_catalog.pg_class c ON c.oid = h.relid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
UNION ALL
SELECT n.nspname, c.relname, 2::bigint, h.hash_column,
       (SELECT a.atttypid::regtype FROM pg_catalog.pg_attribute a
         WHERE a.attrelid = h.relid AND a.attname = h.hash_column),
       'Space'::text, NULL::interval, NULL::bigint, NULL::name, h.hash_partitions
  FROM _epiphany_timestore.hypertable h
  JOIN pg_catalog.pg_class c ON c.oid = h.relid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE h.hash_column IS NOT NULL;

GRANT SELECT ON timescaledb_information.hypertables, timescaledb_information.chunks,
                timescaledb_information.dimensions TO PUBLIC;

-----------------------------------------------------------------------------
-- Retention: add_retention_policy and remove_retention_policy (TimescaleDB
-- 2.x signatures) make a job that runs _epiphany_timestore.policy_retention;
-- the setting epiphany.timeseries_retention_policy is applied by a system
-- job to hypertables that have no retention policy of their own.
-----------------------------------------------------------------------------

CREATE FUNCTION _epiphany_timestore.job_set_hypertable(job_id integer, relation regclass,
                                                      application_name text)
RETURNS void
AS 'MODULE_PATHNAME', 'ep_job_set_hypertable' LANGUAGE C VOLATILE;

-- A policy's job: drop the chunks of its hypertable older than drop_after.
CREATE PROCEDURE _epiphany_timestore.policy_retention(job_id integer, config jsonb)
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    ht _epiphany_timestore.hypertable;
    cutoff bigint;
BEGIN
    SELECT * INTO ht FROM _epiphany_timestore.hypertable h
     WHERE h.id = (config->>'hypertable_id')::integer;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'hypertable of retention policy % does not exist', job_id
            USING ERRCODE = 'undefined_object';
    END IF;
    IF ht.integer_now_func IS NULL THEN
        PERFORM @extschema@.drop_chunks(ht.relid, older_than => (config->>'drop_after')::interval);
        RETURN;
    END IF;
    -- integer time: the cutoff is integer_now() minus drop_after
    EXECUTE format('SELECT %s()::bigint', ht.integer_now_func) INTO cutoff;
    cutoff := cutoff - (config->>'drop_after')::bigint;
    PERFORM @extschema@.drop_chunks(ht.relid, older_than => cutoff);
END
$$;

CREATE FUNCTION add_retention_policy(relation regclass,
                                     drop_after anyelement DEFAULT NULL::interval,
                                     if_not_exists boolean DEFAULT false,
                                     schedule_interval interval DEFAULT NULL,
                                     initial_start timestamptz DEFAULT NULL,
                                     timezone text DEFAULT NULL,
                                     drop_created_before interval DEFAULT NULL)
RETURNS integer
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    ht _epiphany_timestore.hypertable;
    existing record;
    drop_interval interval;
    drop_setting text;
    job integer;
BEGIN
    SELECT * INTO ht FROM _epiphany_timestore.hypertable h WHERE h.relid = relation;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'table "%" is not a hypertable', relation
            USING ERRCODE = 'undefined_object';
    END IF;
    IF drop_created_before IS NOT NULL THEN
        RAISE EXCEPTION 'drop_created_before is not supported'
            USING ERRCODE = 'feature_not_supported', HINT = 'Use drop_after.';
    END IF;
    IF drop_after IS NULL THEN
        RAISE EXCEPTION 'drop_after must be given' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF ht.time_type IN ('smallint'::regtype, 'integer'::regtype, 'bigint'::regtype) THEN
        IF ht.integer_now_func IS NULL THEN
            RAISE EXCEPTION 'integer_now function not set for hypertable "%"', relation
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      HINT = 'Call set_integer_now_func first.';
        END IF;
        IF pg_typeof(drop_after) NOT IN ('smallint'::regtype, 'integer'::regtype,
                                         'bigint'::regtype) OR drop_after::text::bigint <= 0 THEN
            RAISE EXCEPTION 'drop_after must be a positive integer for an integer time column'
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        drop_setting := drop_after::text;
    ELSE
        drop_interval := drop_after::text::interval;
        IF drop_interval <= interval '0' THEN
            RAISE EXCEPTION 'drop_after must be a positive interval'
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        drop_setting := drop_interval::text;
    END IF;

    SELECT j.id, j.config INTO existing FROM _epiphany_timestore.bgw_job j
     WHERE j.hypertable_id = ht.id AND j.proc_schema = '_epiphany_timestore'
       AND j.proc_name = 'policy_retention';
    IF FOUND THEN
        IF NOT if_not_exists THEN
            RAISE EXCEPTION 'retention policy already exists for hypertable "%"', relation
                USING ERRCODE = 'duplicate_object';
        END IF;
        IF existing.config->>'drop_after' <> drop_setting THEN
            RAISE WARNING 'retention policy already exists for hypertable "%" with another drop_after', relation;
        ELSE
            RAISE NOTICE 'retention policy already exists for hypertable "%", skipping', relation;
        END IF;
        RETURN existing.id;
    END IF;

    job := @extschema@.add_job('_epiphany_timestore.policy_retention'::regproc,
                               coalesce(schedule_interval, interval '1 day'),
                               config => jsonb_build_object('hypertable_id', ht.id,
                                                            'drop_after', drop_setting),
                               initial_start => initial_start,
                               fixed_schedule => initial_start IS NOT NULL,
                               timezone => timezone);
    PERFORM _epiphany_timestore.job_set_hypertable(job, relation,
                                                  format('Retention Policy [%s]', job));
    RETURN job;
END
$$;

CREATE FUNCTION remove_retention_policy(relation regclass, if_exists boolean DEFAULT false)
RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    job integer;
BEGIN
    SELECT j.id INTO job FROM _epiphany_timestore.bgw_job j
      JOIN _epiphany_timestore.hypertable h ON h.id = j.hypertable_id
     WHERE h.relid = relation AND j.proc_schema = '_epiphany_timestore'
       AND j.proc_name = 'policy_retention';
    IF NOT FOUND THEN
        IF if_exists THEN
            RAISE NOTICE 'retention policy not found for hypertable "%", skipping', relation;
            RETURN;
        END IF;
        RAISE EXCEPTION 'retention policy not found for hypertable "%"', relation
            USING ERRCODE = 'undefined_object';
    END IF;
    PERFORM @extschema@.delete_job(job);
END
$$;

-- The system job behind epiphany.timeseries_retention_policy: every
-- hypertable of a date or timestamp type without a retention policy of its
-- own loses the chunks older than the setting.
CREATE PROCEDURE _epiphany_timestore.policy_default_retention(job_id integer, config jsonb)
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    setting text := current_setting('epiphany.timeseries_retention_policy', true);
    ht record;
BEGIN
    IF setting IS NULL OR setting = '' OR lower(setting) = 'none' THEN
        RETURN;
    END IF;
    FOR ht IN
        SELECT h.relid FROM _epiphany_timestore.hypertable h
         WHERE h.time_type NOT IN ('smallint'::regtype, 'integer'::regtype, 'bigint'::regtype)
           AND NOT EXISTS (SELECT 1 FROM _epiphany_timestore.bgw_job j
                            WHERE j.hypertable_id = h.id
                              AND j.proc_schema = '_epiphany_timestore'
                              AND j.proc_name = 'policy_retention')
    LOOP
        PERFORM @extschema@.drop_chunks(ht.relid, older_than => setting::interval);
    END LOOP;
END
$$;

-- System jobs have ids below 1000, as TimescaleDB's.
INSERT INTO _epiphany_timestore.bgw_job
    (id, application_name, schedule_interval, max_runtime, max_retries, retry_period,
     proc_schema, proc_name, owner, fixed_schedule)
VALUES (1, 'Default Retention Policy [1]', interval '1 hour', interval '0', -1,
        interval '5 minutes', '_epiphany_timestore', 'policy_default_retention',
        current_user::regrole, false);

-----------------------------------------------------------------------------
-- Sizes and row counts of hypertables and their chunks (TimescaleDB 2.x
-- signatures; node_name is NULL, as on a single TimescaleDB node).  A table
-- that is not a hypertable gets NULL or no rows.
-----------------------------------------------------------------------------

-- The bytes of one table: its heap (all forks), indexes and TOAST table.
CREATE FUNCTION _epiphany_timestore.relation_bytes(relation regclass,
    OUT table_bytes bigint, OUT index_bytes bigint, OUT toast_bytes bigint,
    OUT total_bytes bigint)
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
SELECT pg_table_size(c.oid) - coalesce(pg_total_relation_size(nullif(c.reltoastrelid, 0)), 0),
       pg_indexes_size(c.oid),
       coalesce(pg_total_relation_size(nullif(c.reltoastrelid, 0)), 0),
       pg_total_relation_size(c.oid)
  FROM pg_class c WHERE c.oid = relation
$$;

-- The hypertable itself and its chunks.
CREATE FUNCTION _epiphany_timestore.hypertable_relations(relation regclass)
RETURNS SETOF regclass
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
SELECT h.relid FROM _epiphany_timestore.hypertable h WHERE h.relid = relation
UNION ALL
SELECT k.relid FROM _epiphany_timestore.chunk k
  JOIN _epiphany_timestore.hypertable h ON h.id = k.hypertable_id
 WHERE h.relid = relation
$$;

CREATE FUNCTION hypertable_detailed_size(hypertable regclass)
RETURNS TABLE (table_bytes bigint, index_bytes bigint, toast_bytes bigint,
               total_bytes bigint, node_name name)
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
SELECT sum(s.table_bytes)::bigint, sum(s.index_bytes)::bigint, sum(s.toast_bytes)::bigint,
       sum(s.total_bytes)::bigint, NULL::name
  FROM _epiphany_timestore.hypertable_relations(hypertable) r,
       LATERAL _epiphany_timestore.relation_bytes(r) s
HAVING count(*) > 0
$$;

CREATE FUNCTION hypertable_size(hypertable regclass) RETURNS bigint
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
SELECT sum(pg_total_relation_size(r))::bigint
  FROM _epiphany_timestore.hypertable_relations(hypertable) r
$$;

CREATE FUNCTION chunks_detailed_size(hypertable regclass)
RETURNS TABLE (chunk_schema name, chunk_name name, table_bytes bigint, index_bytes bigint,
               toast_bytes bigint, total_bytes bigint, node_name name)
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
SELECT n.nspname, c.relname, s.table_bytes, s.index_bytes, s.toast_bytes, s.total_bytes,
       NULL::name
  FROM _epiphany_timestore.chunk k
  JOIN _epiphany_timestore.hypertable h ON h.id = k.hypertable_id
  JOIN pg_class c ON c.oid = k.relid
  JOIN pg_namespace n ON n.oid = c.relnamespace,
       LATERAL _epiphany_timestore.relation_bytes(k.relid) s
 WHERE h.relid = hypertable
 ORDER BY k.range_start
$$;

-- The planner's row estimate (reltuples) of a table, summed over the chunks
-- of a hypertable; a table never vacuumed nor analysed counts 0.
CREATE FUNCTION approximate_row_count(relation regclass) RETURNS bigint
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
SELECT coalesce(sum(greatest(c.reltuples, 0)), 0)::bigint
  FROM pg_class c
 WHERE c.oid = relation
    OR c.oid IN (SELECT r FROM _epiphany_timestore.hypertable_relations(relation) r)
$$;

-----------------------------------------------------------------------------
-- Gap filling: time_bucket_gapfill, locf and interpolate (TimescaleDB 2.x
-- signatures).  Grouping by time_bucket_gapfill makes the planner put a
-- GapFill node above the aggregation (gapfill.c); evaluated on a row, the
-- function is time_bucket, and locf and interpolate return their value.
-----------------------------------------------------------------------------

CREATE FUNCTION time_bucket_gapfill(bucket_width smallint, ts smallint,
                                    start smallint DEFAULT NULL, finish smallint DEFAULT NULL)
RETURNS smallint AS 'MODULE_PATHNAME', 'ep_time_bucket_gapfill' LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION time_bucket_gapfill(bucket_width integer, ts integer,
                                    start integer DEFAULT NULL, finish integer DEFAULT NULL)
RETURNS integer AS 'MODULE_PATHNAME', 'ep_time_bucket_gapfill' LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION time_bucket_gapfill(bucket_width bigint, ts bigint,
                                    start bigint DEFAULT NULL, finish bigint DEFAULT NULL)
RETURNS bigint AS 'MODULE_PATHNAME', 'ep_time_bucket_gapfill' LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION time_bucket_gapfill(bucket_width interval, ts date,
                                    start date DEFAULT NULL, finish date DEFAULT NULL)
RETURNS date AS 'MODULE_PATHNAME', 'ep_time_bucket_gapfill' LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION time_bucket_gapfill(bucket_width interval, ts timestamp,
                                    start timestamp DEFAULT NULL, finish timestamp DEFAULT NULL)
RETURNS timestamp AS 'MODULE_PATHNAME', 'ep_time_bucket_gapfill' LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION time_bucket_gapfill(bucket_width interval, ts timestamptz,
                                    start timestamptz DEFAULT NULL, finish timestamptz DEFAULT NULL)
RETURNS timestamptz AS 'MODULE_PATHNAME', 'ep_time_bucket_gapfill' LANGUAGE C STABLE PARALLEL SAFE;
-- Buckets in a time zone.  Untyped start and finish literals after ts
-- resolve to this form (text is preferred for an unknown literal); a third
-- argument that starts with a digit and is no zone name is read as start,
-- so such calls keep working (gapfill.c, GapFillZoneArg).
CREATE FUNCTION time_bucket_gapfill(bucket_width interval, ts timestamptz, timezone text,
                                    start timestamptz DEFAULT NULL, finish timestamptz DEFAULT NULL)
RETURNS timestamptz AS 'MODULE_PATHNAME', 'ep_time_bucket_gapfill_timezone' LANGUAGE C STABLE PARALLEL SAFE;

CREATE FUNCTION locf(value anyelement, prev anyelement DEFAULT NULL,
                     treat_null_as_missing boolean DEFAULT false)
RETURNS anyelement AS 'MODULE_PATHNAME', 'ep_gapfill_marker' LANGUAGE C STABLE PARALLEL SAFE;

CREATE FUNCTION interpolate(value smallint, prev record DEFAULT NULL, next record DEFAULT NULL)
RETURNS smallint AS 'MODULE_PATHNAME', 'ep_gapfill_marker' LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION interpolate(value integer, prev record DEFAULT NULL, next record DEFAULT NULL)
RETURNS integer AS 'MODULE_PATHNAME', 'ep_gapfill_marker' LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION interpolate(value bigint, prev record DEFAULT NULL, next record DEFAULT NULL)
RETURNS bigint AS 'MODULE_PATHNAME', 'ep_gapfill_marker' LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION interpolate(value real, prev record DEFAULT NULL, next record DEFAULT NULL)
RETURNS real AS 'MODULE_PATHNAME', 'ep_gapfill_marker' LANGUAGE C STABLE PARALLEL SAFE;
CREATE FUNCTION interpolate(value double precision, prev record DEFAULT NULL, next record DEFAULT NULL)
RETURNS double precision AS 'MODULE_PATHNAME', 'ep_gapfill_marker' LANGUAGE C STABLE PARALLEL SAFE;

-----------------------------------------------------------------------------
-- Continuous aggregates (README.md, "Continuous aggregates").  CREATE
-- MATERIALIZED VIEW ... WITH (timescaledb.continuous) (continuous_aggregate.c)
-- makes, in schema _epiphany_caggs, a "direct view" holding the user's
-- query and a materialization hypertable holding its finalized rows; the
-- user's view reads the materialization, plus (real-time mode) the query
-- itself on the raw rows past the watermark.  Changes below a hypertable's
-- invalidation threshold are logged by a row trigger (cagg_invalidation.c)
-- and recomputed, whole buckets at a time, by refreshes (cagg_refresh.c).
-- Times are internal times; a NULL range bound is unbounded.
-----------------------------------------------------------------------------

CREATE SCHEMA _epiphany_caggs;
COMMENT ON SCHEMA _epiphany_caggs IS
    'epiphany_timestore: materialization hypertables and queries of continuous aggregates';
GRANT USAGE ON SCHEMA _epiphany_caggs TO PUBLIC;

-- One row per continuous aggregate.  source_hypertable_id is the raw
-- hypertable, or the materialization of the continuous aggregate it is
-- defined on.  invalidated is the set of internal times whose buckets must
-- be recomputed by the next refresh that covers them: everything at first.
CREATE TABLE _epiphany_timestore.continuous_agg (
    id                   serial PRIMARY KEY,
    user_view            regclass NOT NULL UNIQUE,
    direct_view          regclass NOT NULL UNIQUE,
    mat_hypertable_id    integer NOT NULL UNIQUE
                         REFERENCES _epiphany_timestore.hypertable (id) ON DELETE CASCADE,
    source_hypertable_id integer NOT NULL
                         REFERENCES _epiphany_timestore.hypertable (id) ON DELETE CASCADE,
    bucket_column        name NOT NULL,
    bucket_function      text NOT NULL,     -- of $1, a time of the source's type
    bucket_min_width     bigint NOT NULL CHECK (bucket_min_width > 0),
    materialized_only    boolean NOT NULL,
    watermark            bigint,            -- end of the newest materialized bucket
    invalidated          int8multirange NOT NULL DEFAULT '{(,)}',
    -- aggregates that merge late rows (cagg_merge.c); NULL for the others
    late_rows            regclass,          -- late rows waiting to be merged: the parent of
    late_rows_active     regclass,          --   the table writers copy them into
    late_rows_spare      regclass,          --   and the one written before the last flip
    partial_view         regclass,          -- the query with avg's hidden sums and counts
    late_view            regclass,          -- the same on the claimed late rows
    merge_keys           text,              -- the bucket and grouping columns, quoted, by commas
    merge_set            text               -- column = merge of m.column and d.column, ...
);

-- Per source hypertable: changes at or past the threshold are not logged
-- (no refresh has materialized them yet).
CREATE TABLE _epiphany_timestore.invalidation_threshold (
    hypertable_id integer PRIMARY KEY
                  REFERENCES _epiphany_timestore.hypertable (id) ON DELETE CASCADE,
    threshold     bigint NOT NULL
);

-- Changed times [lowest, greatest) of source hypertables, one row per
-- writing transaction, until a refresh moves them to continuous_agg.
CREATE TABLE _epiphany_timestore.hypertable_invalidation_log (
    hypertable_id integer NOT NULL
                  REFERENCES _epiphany_timestore.hypertable (id) ON DELETE CASCADE,
    lowest        bigint NOT NULL,
    greatest      bigint NOT NULL
);
CREATE INDEX hypertable_invalidation_log_idx
    ON _epiphany_timestore.hypertable_invalidation_log (hypertable_id);

SELECT pg_catalog.pg_extension_config_dump('_epiphany_timestore.continuous_agg', '');
SELECT pg_catalog.pg_extension_config_dump('_epiphany_timestore.continuous_agg_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('_epiphany_timestore.invalidation_threshold', '');
SELECT pg_catalog.pg_extension_config_dump('_epiphany_timestore.hypertable_invalidation_log', '');
GRANT SELECT ON _epiphany_timestore.continuous_agg, _epiphany_timestore.invalidation_threshold,
                _epiphany_timestore.hypertable_invalidation_log TO PUBLIC;

-- The row trigger on the chunks of source hypertables (and, for TRUNCATE,
-- the statement trigger on the hypertable); its argument is the hypertable id.
CREATE FUNCTION _epiphany_timestore.cagg_invalidation_trigger() RETURNS trigger
AS 'MODULE_PATHNAME', 'ep_cagg_invalidation_trigger' LANGUAGE C;

-- The watermark of continuous aggregate cagg_id as a value of time_type's
-- type: the end of its newest materialized bucket, or the type's lowest
-- value when nothing is materialized.  Read once per statement.
CREATE FUNCTION _epiphany_timestore.cagg_watermark(cagg_id integer, time_type anyelement)
RETURNS anyelement
AS 'MODULE_PATHNAME', 'ep_cagg_watermark' LANGUAGE C STABLE PARALLEL SAFE;

-- Recomputes the buckets of the continuous aggregate that lie entirely in
-- [window_start, window_end) and were invalidated (NULL: unbounded).  Called
-- by CALL outside a transaction block, it commits after raising the
-- invalidation threshold, so that writers are held up only for a moment.
CREATE PROCEDURE refresh_continuous_aggregate(continuous_aggregate regclass,
                                              window_start "any", window_end "any",
                                              force boolean DEFAULT false)
AS 'MODULE_PATHNAME', 'ep_refresh_continuous_aggregate' LANGUAGE C;

-- A refresh policy's job: refreshes [now - start_offset, now - end_offset).
CREATE PROCEDURE _epiphany_timestore.policy_refresh_continuous_aggregate(job_id integer,
                                                                       config jsonb)
AS 'MODULE_PATHNAME', 'ep_policy_refresh_continuous_aggregate' LANGUAGE C;

CREATE FUNCTION add_continuous_aggregate_policy(continuous_aggregate regclass,
                                                start_offset "any", end_offset "any",
                                                schedule_interval interval,
                                                if_not_exists boolean DEFAULT false,
                                                initial_start timestamptz DEFAULT NULL,
                                                timezone text DEFAULT NULL)
RETURNS integer
AS 'MODULE_PATHNAME', 'ep_add_continuous_aggregate_policy' LANGUAGE C VOLATILE;

CREATE FUNCTION remove_continuous_aggregate_policy(continuous_aggregate regclass,
                                                   if_not_exists boolean DEFAULT false,
                                                   if_exists boolean DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    job integer;
BEGIN
    SELECT j.id INTO job FROM _epiphany_timestore.bgw_job j
      JOIN _epiphany_timestore.continuous_agg c ON c.mat_hypertable_id = j.hypertable_id
     WHERE c.user_view = continuous_aggregate AND j.proc_schema = '_epiphany_timestore'
       AND j.proc_name = 'policy_refresh_continuous_aggregate';
    IF NOT FOUND THEN
        IF coalesce(if_exists, if_not_exists) THEN
            RAISE NOTICE 'continuous aggregate policy not found for "%", skipping',
                         continuous_aggregate;
            RETURN;
        END IF;
        RAISE EXCEPTION 'continuous aggregate policy not found for "%"', continuous_aggregate
            USING ERRCODE = 'undefined_object';
    END IF;
    PERFORM @extschema@.delete_job(job);
END
$$;

-- A continuous aggregate goes whole: when its user view or any of its parts
-- (direct, partial and late views, late-row table, materialization) is
-- dropped, by DROP MATERIALIZED VIEW, a cascade or DROP TABLE of its
-- hypertable, the rest and its catalog row follow, and a hypertable left
-- without aggregates loses its invalidation triggers.  The parts do not
-- depend on the user view in pg_depend (pg_dump would find a loop there, and
-- a restore would not keep it), so this trigger, which fires before
-- forget_dropped_tables (by name), is what ties them.
CREATE FUNCTION _epiphany_timestore.drop_continuous_agg_parts() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    cagg record;
    part oid;
    source regclass;
BEGIN
    FOR cagg IN
        DELETE FROM _epiphany_timestore.continuous_agg c
         USING _epiphany_timestore.hypertable m
         WHERE m.id = c.mat_hypertable_id
           AND EXISTS (SELECT FROM pg_event_trigger_dropped_objects() d
                        WHERE d.classid = 'pg_class'::regclass AND d.objsubid = 0
                          AND d.objid IN (c.user_view, c.direct_view, c.partial_view,
                                          c.late_view, c.late_rows, c.late_rows_active,
                                          c.late_rows_spare, m.relid))
        RETURNING c.*, m.relid AS mat_relid
    LOOP
        FOREACH part IN ARRAY ARRAY[cagg.user_view, cagg.late_view, cagg.partial_view,
                                    cagg.direct_view]::oid[] LOOP
            IF EXISTS (SELECT FROM pg_class WHERE oid = part) THEN
                EXECUTE format('DROP VIEW %s CASCADE', part::regclass);
            END IF;
        END LOOP;
        FOREACH part IN ARRAY ARRAY[cagg.late_rows_active, cagg.late_rows_spare, cagg.late_rows,
                                    cagg.mat_relid]::oid[] LOOP
            IF EXISTS (SELECT FROM pg_class WHERE oid = part) THEN
                EXECUTE format('DROP TABLE %s CASCADE', part::regclass);
            END IF;
        END LOOP;
        CONTINUE WHEN EXISTS (SELECT FROM _epiphany_timestore.continuous_agg
                               WHERE source_hypertable_id = cagg.source_hypertable_id);
        DELETE FROM _epiphany_timestore.invalidation_threshold
         WHERE hypertable_id = cagg.source_hypertable_id;
        DELETE FROM _epiphany_timestore.hypertable_invalidation_log
         WHERE hypertable_id = cagg.source_hypertable_id;
        SELECT h.relid INTO source FROM _epiphany_timestore.hypertable h
          JOIN pg_class c ON c.oid = h.relid
         WHERE h.id = cagg.source_hypertable_id;
        IF FOUND THEN
            EXECUTE format('DROP TRIGGER IF EXISTS _epiphany_cagg_invalidation ON %s', source);
            EXECUTE format('DROP TRIGGER IF EXISTS _epiphany_cagg_truncate ON %s', source);
        END IF;
    END LOOP;
END
$$;
CREATE EVENT TRIGGER epiphany_timestore_drop_continuous_agg_parts ON sql_drop
    EXECUTE FUNCTION _epiphany_timestore.drop_continuous_agg_parts();

CREATE VIEW timescaledb_information.continuous_aggregates AS
SELECT hn.nspname AS hypertable_schema,
       hc.relname AS hypertable_name,
       vn.nspname AS view_schema,
       vc.relname AS view_name,
       pg_catalog.pg_get_userbyid(vc.relowner) AS view_owner,
       c.materialized_only,
       false AS compression_enabled,
       mn.nspname AS materialization_hypertable_schema,
       mc.relname AS materialization_hypertable_name,
       pg_catalog.pg_get_viewdef(c.direct_view) AS view_definition,
       true AS finalized
  FROM _epiphany_timestore.continuous_agg c
  JOIN _epiphany_timestore.hypertable s ON s.id = c.source_hypertable_id
  JOIN _epiphany_timestore.hypertable m ON m.id = c.mat_hypertable_id
  JOIN pg_catalog.pg_class hc ON hc.oid = s.relid
  JOIN pg_catalog.pg_namespace hn ON hn.oid = hc.relnamespace
  JOIN pg_catalog.pg_class vc ON vc.oid = c.user_view
  JOIN pg_catalog.pg_namespace vn ON vn.oid = vc.relnamespace
  JOIN pg_catalog.pg_class mc ON mc.oid = m.relid
  JOIN pg_catalog.pg_namespace mn ON mn.oid = mc.relnamespace;
GRANT SELECT ON timescaledb_information.continuous_aggregates TO PUBLIC;
