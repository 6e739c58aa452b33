/* columnstore/sql/epiphany_columnstore--0.1.0.sql: the column engine. */

\echo Use "CREATE EXTENSION epiphany_columnstore" to load this file. \quit

-- Refuse to install unless the library was preloaded; the check function is
-- temporary so that it leaves nothing behind.
CREATE FUNCTION pg_temp.columnstore_require_preload() RETURNS void
AS 'MODULE_PATHNAME', 'ep_columnstore_require_preload' LANGUAGE C STRICT;
SELECT pg_temp.columnstore_require_preload();
DROP FUNCTION pg_temp.columnstore_require_preload();

-- The column store's functions live in schema epiphany, which the control
-- file makes; everyone may call them (each checks its own permissions).
GRANT USAGE ON SCHEMA epiphany TO PUBLIC;

CREATE FUNCTION epiphany.columnar_handler(internal) RETURNS table_am_handler
AS 'MODULE_PATHNAME', 'ep_columnar_handler' LANGUAGE C STRICT;

CREATE ACCESS METHOD columnar TYPE TABLE HANDLER epiphany.columnar_handler;
COMMENT ON ACCESS METHOD columnar IS 'EpiphanyDB column store';

-- The metadata catalog.  Rows are read and written by the library with the
-- snapshot of the statement, so row groups and deletions follow MVCC:
-- what an aborted transaction wrote is never seen.  storage_id is the
-- table's relfilenode: TRUNCATE, VACUUM FULL and CLUSTER get a new one.
CREATE SCHEMA _epiphany_columnar;

-- One row per storage: counters advanced in place, never rolled back, so
-- that a row number (and the TID made from it) is never used twice; and
-- the horizon below which VACUUM has removed the index entries of deleted
-- row-group rows.
CREATE TABLE _epiphany_columnar.storage (
    storage_id      oid PRIMARY KEY,
    next_row_number bigint NOT NULL,
    cleaned_xid     xid NOT NULL
);

CREATE TABLE _epiphany_columnar.row_group (
    storage_id  oid NOT NULL,
    first_row   bigint NOT NULL,
    row_count   bigint NOT NULL,
    chunk_rows  integer NOT NULL,
    chunk_count integer NOT NULL,
    PRIMARY KEY (storage_id, first_row)
);

-- One row per column and chunk of a row group; the chunk's bytes are a
-- value in the table's own TOAST relation, piece_runs says on which pages
-- its pieces were written (a hint that spares reads the TOAST index).
CREATE TABLE _epiphany_columnar.chunk (
    storage_id  oid NOT NULL,
    first_row   bigint NOT NULL,
    attnum      smallint NOT NULL,
    chunk       integer NOT NULL,
    row_count   integer NOT NULL,
    null_count  integer NOT NULL,
    encoding    smallint NOT NULL,
    compression smallint NOT NULL,
    raw_size    integer NOT NULL,
    plain_size  bigint NOT NULL,
    stored_size integer NOT NULL,
    toast_value oid NOT NULL,
    min_value   bytea,
    max_value   bytea,
    bloom       bytea,
    piece_runs  bytea,
    PRIMARY KEY (storage_id, first_row, attnum, chunk)
);

-- Rows of row groups that were deleted (or updated: new_tid is the new
-- version's TID in the delta store).
CREATE TABLE _epiphany_columnar.deleted_row (
    storage_id oid NOT NULL,
    row_number bigint NOT NULL,
    new_tid    tid,
    PRIMARY KEY (storage_id, row_number)
);

CREATE FUNCTION epiphany.columnar_merge(rel regclass) RETURNS bigint
AS 'MODULE_PATHNAME', 'ep_columnar_merge' LANGUAGE C STRICT;
COMMENT ON FUNCTION epiphany.columnar_merge(regclass) IS
    'Moves the rows of a columnar table''s delta store into compressed row groups; returns the rows moved';

CREATE FUNCTION epiphany.columnar_compact(
    rel regclass, OUT rows_moved bigint, OUT row_groups_dropped bigint)
RETURNS record
AS 'MODULE_PATHNAME', 'ep_columnar_compact' LANGUAGE C STRICT;
COMMENT ON FUNCTION epiphany.columnar_compact(regclass) IS
    'Rewrites the row groups of a columnar table that have many deleted rows and drops those whose rows are all deleted and cleaned by VACUUM';

-- The automatic merges and compactions of this database's columnar tables
-- since the server started (columnar_automerge.c), and the rows written to
-- each delta store since the last merge; last_error shows only to the table's owner and to
-- members of pg_read_all_stats.
CREATE FUNCTION epiphany.columnar_merge_stats(
    OUT relid regclass, OUT state text, OUT rows_written bigint,
    OUT merges bigint, OUT rows_merged bigint, OUT rows_compacted bigint,
    OUT row_groups_dropped bigint,
    OUT failures bigint, OUT last_request timestamptz, OUT last_start timestamptz,
    OUT last_end timestamptz, OUT last_failed boolean, OUT last_error text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'ep_columnar_merge_stats' LANGUAGE C STRICT VOLATILE;
COMMENT ON FUNCTION epiphany.columnar_merge_stats() IS
    'Automatic merges of columnar tables since the server started: state, counts, last status';

CREATE FUNCTION epiphany.columnar_stats(
    rel regclass,
    OUT row_groups bigint, OUT rows bigint, OUT delta_rows bigint,
    OUT deleted_rows bigint, OUT stored_bytes bigint, OUT raw_bytes bigint,
    OUT compression_ratio double precision, OUT encodings text[], OUT column_bytes json)
RETURNS record
AS 'MODULE_PATHNAME', 'ep_columnar_stats' LANGUAGE C STRICT;
COMMENT ON FUNCTION epiphany.columnar_stats(regclass) IS
    'Row groups, rows, delta rows, deleted rows, bytes, compression ratio, encodings and stored bytes per column of a columnar table';

-- Per-table options, by table (they outlive TRUNCATE and rewrites); rows
-- become columnar sorted by the segmentby columns, then the orderby columns,
-- and the chunks of the bloom columns get bloom filters.  Columns are kept
-- by name (RENAME COLUMN renames them, DROP COLUMN removes them).
-- pg_dump dumps the rows, and a restore maps table and column names to the
-- new objects.  The key prints as the table's name, like regclass, but a
-- name with no table behind it reads as 0 (columnar_relation_ref.c), and
-- the trigger below drops such rows: a restore of a dump that left tables
-- out (pg_dump -T) keeps the options of the tables it has.
CREATE TYPE _epiphany_columnar.relation_ref;
CREATE FUNCTION _epiphany_columnar.relation_ref_in(cstring)
RETURNS _epiphany_columnar.relation_ref
AS 'MODULE_PATHNAME', 'ep_relation_ref_in' LANGUAGE C STRICT STABLE PARALLEL SAFE;
CREATE FUNCTION _epiphany_columnar.relation_ref_out(_epiphany_columnar.relation_ref)
RETURNS cstring
AS 'MODULE_PATHNAME', 'ep_relation_ref_out' LANGUAGE C STRICT STABLE PARALLEL SAFE;
CREATE TYPE _epiphany_columnar.relation_ref (
    INPUT = _epiphany_columnar.relation_ref_in,
    OUTPUT = _epiphany_columnar.relation_ref_out,
    LIKE = pg_catalog.oid);
CREATE CAST (_epiphany_columnar.relation_ref AS oid) WITHOUT FUNCTION AS IMPLICIT;
CREATE CAST (oid AS _epiphany_columnar.relation_ref) WITHOUT FUNCTION AS ASSIGNMENT;

CREATE TABLE _epiphany_columnar.options (
    relid             _epiphany_columnar.relation_ref PRIMARY KEY,
    compression       text NOT NULL,
    compression_level integer NOT NULL,
    row_group_rows    integer NOT NULL,
    chunk_rows        integer NOT NULL,
    segmentby         name[] NOT NULL,
    orderby           name[] NOT NULL,
    bloom             name[] NOT NULL
);
SELECT pg_catalog.pg_extension_config_dump('_epiphany_columnar.options', '');
CREATE FUNCTION _epiphany_columnar.options_skip_missing() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.relid::oid = 0 THEN
        RETURN NULL;            -- the table is not there (a partial restore)
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER skip_missing BEFORE INSERT ON _epiphany_columnar.options
    FOR EACH ROW EXECUTE FUNCTION _epiphany_columnar.options_skip_missing();

CREATE FUNCTION epiphany.columnar_set_options(
    rel regclass,
    compression text DEFAULT NULL,
    compression_level integer DEFAULT NULL,
    row_group_rows integer DEFAULT NULL,
    chunk_rows integer DEFAULT NULL,
    segmentby text DEFAULT NULL,
    orderby text DEFAULT NULL,
    bloom text DEFAULT NULL)
RETURNS void
AS 'MODULE_PATHNAME', 'ep_columnar_set_options' LANGUAGE C;
COMMENT ON FUNCTION epiphany.columnar_set_options(regclass, text, integer, integer, integer, text, text, text) IS
    'Sets the options of a columnar table: compression (none, lz4, zstd), compression_level, row_group_rows, chunk_rows, segmentby and orderby column lists, and the columns whose chunks get bloom filters; NULL keeps a value';

CREATE FUNCTION epiphany.columnar_get_options(
    rel regclass,
    OUT compression text, OUT compression_level integer, OUT row_group_rows integer,
    OUT chunk_rows integer, OUT segmentby name[], OUT orderby name[], OUT bloom name[])
RETURNS record
AS 'MODULE_PATHNAME', 'ep_columnar_get_options' LANGUAGE C STRICT;

-- Every columnar table with its effective options.
CREATE VIEW epiphany.columnar_options AS
SELECT c.oid::regclass AS relation, o.*
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_am am ON am.oid = c.relam AND am.amname = 'columnar',
       LATERAL epiphany.columnar_get_options(c.oid) o;
GRANT SELECT ON epiphany.columnar_options TO PUBLIC;

CREATE FUNCTION epiphany.columnar_encodings(rel regclass)
RETURNS TABLE (attname name, encoding text, chunks bigint, raw_bytes bigint,
               stored_bytes bigint)
AS 'MODULE_PATHNAME', 'ep_columnar_encodings' LANGUAGE C STRICT;
COMMENT ON FUNCTION epiphany.columnar_encodings(regclass) IS
    'Encodings of a columnar table''s chunks per column: chunks, bytes before encoding and compression, bytes stored';

-- Wall-clock times of loading each chunk once, decoding it and copying the
-- decoded result (per round), per column and encoding: the decoders' speed
-- next to memory speed, for bench/columnar/decode.sh.
CREATE FUNCTION epiphany.columnar_decode_speed(rel regclass, rounds integer DEFAULT 10)
RETURNS TABLE (attname name, encoding text, chunks bigint, rows bigint,
               load_ms double precision, decode_ms double precision,
               memcpy_ms double precision)
AS 'MODULE_PATHNAME', 'ep_columnar_decode_speed' LANGUAGE C STRICT;
COMMENT ON FUNCTION epiphany.columnar_decode_speed(regclass, integer) IS
    'Per column and encoding: chunks, rows, ms to load them, to decode them and to memcpy the result';
