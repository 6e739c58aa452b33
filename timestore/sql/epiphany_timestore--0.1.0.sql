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
    'epiphany_timestore internals: support functions of its aggregates';

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
