/* rowstore/sql/epiphany--0.1.0.sql: the EpiphanyDB core, schema "epiphany". */

\echo Use "CREATE EXTENSION epiphany CASCADE" to load this file. \quit

GRANT USAGE ON SCHEMA epiphany TO PUBLIC;

-- The engine registry: the engines that make up EpiphanyDB and where each
-- lives.  Everything that changes (versions, access methods, installation,
-- preloading) is read from the catalogs by epiphany.storage_engines.
CREATE TABLE epiphany.engine_registry (
    engine                 text PRIMARY KEY,
    extension              name NOT NULL UNIQUE,
    library                text NOT NULL UNIQUE,
    builtin_access_methods boolean NOT NULL,
    description            text NOT NULL
);

INSERT INTO epiphany.engine_registry VALUES
    ('row', 'epiphany', 'epiphany_rowstore', true,
     'PostgreSQL heap and its indexes: transactions and point access'),
    ('column', 'epiphany_columnstore', 'epiphany_columnstore', false,
     'columnar table access method: analytics'),
    ('vector', 'epiphany_vectorstore', 'epiphany_vectorstore', false,
     'vector types and approximate nearest-neighbour indexes: similarity search'),
    ('time', 'epiphany_timestore', 'epiphany_timestore', false,
     'hypertables, time functions, policies and jobs: time series');

CREATE FUNCTION epiphany.loaded_libraries(
    OUT engine text, OUT library text, OUT preloaded boolean)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'ep_loaded_libraries'
LANGUAGE C STRICT VOLATILE PARALLEL RESTRICTED;

COMMENT ON FUNCTION epiphany.loaded_libraries() IS
    'EpiphanyDB libraries loaded in this backend, and whether shared_preload_libraries loaded them';

-- One row per engine.  Access methods are those the engine's extension owns
-- (pg_depend), plus PostgreSQL's built-in ones for the row engine;
-- FirstNormalObjectId (16384) separates built-in objects from created ones.
CREATE VIEW epiphany.storage_engines AS
SELECT r.engine,
       r.extension,
       r.library,
       coalesce(x.extversion, a.default_version) AS version,
       ARRAY(SELECT am.amname
               FROM pg_catalog.pg_am am
              WHERE (r.builtin_access_methods AND am.oid < 16384)
                 OR EXISTS (SELECT 1
                              FROM pg_catalog.pg_depend d
                             WHERE d.classid = 'pg_catalog.pg_am'::regclass
                               AND d.objid = am.oid
                               AND d.refclassid = 'pg_catalog.pg_extension'::regclass
                               AND d.refobjid = x.oid
                               AND d.deptype = 'e')
              ORDER BY am.amname)::name[] AS access_methods,
       x.oid IS NOT NULL AS installed,
       coalesce(l.preloaded, false) AS preloaded,
       r.description
  FROM epiphany.engine_registry r
  LEFT JOIN pg_catalog.pg_extension x ON x.extname = r.extension
  LEFT JOIN pg_catalog.pg_available_extensions a ON a.name = r.extension
  LEFT JOIN epiphany.loaded_libraries() l ON l.library = r.library;

COMMENT ON VIEW epiphany.storage_engines IS
    'EpiphanyDB engines: extension, version, access methods, installed here, library preloaded';

GRANT SELECT ON epiphany.storage_engines TO PUBLIC;

-- Embeddings without a model: feature hashing of the words and character
-- trigrams of a text, L2-normalised (C in the vector store's library, which
-- owns the vector type).  Lexical, not semantic: texts that share words and
-- spellings are close.
CREATE FUNCTION epiphany.embed_text(content text, dims integer DEFAULT 384) RETURNS vector
AS '$libdir/epiphany_vectorstore', 'ep_embed_text'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION epiphany.embed_text(text, integer) IS
    'Lexical embedding of a text by feature hashing of words and trigrams, L2-normalised; not semantic';

-- Monitoring.  epiphany.stats reads the engines' own catalogs only through
-- the two functions below, which look for the engine's extension first and
-- read its catalog by dynamic SQL: the view depends on no object of another
-- extension and works whichever engines are installed in the database.

-- Whether the engine's extension is installed in this database.  Anyone
-- may call it: the registry holds nothing that epiphany.storage_engines
-- does not show.
GRANT SELECT ON epiphany.engine_registry TO PUBLIC;

CREATE FUNCTION epiphany.engine_installed(engine text) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE STRICT
AS $$
SELECT EXISTS (SELECT 1
                 FROM pg_catalog.pg_extension x
                 JOIN epiphany.engine_registry r ON r.extension = x.extname
                WHERE r.engine = $1)
$$;

-- The time engine's tables: every hypertable, and every chunk with the
-- hypertable it belongs to.  No rows without the time store.
CREATE FUNCTION epiphany.time_engine_tables(OUT relid oid, OUT hypertable oid)
RETURNS SETOF record
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT epiphany.engine_installed('time') THEN
        RETURN;
    END IF;
    RETURN QUERY EXECUTE
        'SELECT h.relid::oid, h.relid::oid FROM _epiphany_timestore.hypertable h
         UNION ALL
         SELECT c.relid::oid, h.relid::oid
           FROM _epiphany_timestore.chunk c
           JOIN _epiphany_timestore.hypertable h ON h.id = c.hypertable_id';
END
$$;

COMMENT ON FUNCTION epiphany.time_engine_tables() IS
    'Hypertables and their chunks (none without the time store), for epiphany.stats';

-- The time engine's background jobs: users' jobs and policies (ids from
-- 1000; the lower ids are the time store's own system jobs) and how many of
-- them failed their last run.  NULLs without the time store.
CREATE FUNCTION epiphany.time_engine_jobs(OUT jobs bigint, OUT failing_jobs bigint)
RETURNS record
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF epiphany.engine_installed('time') THEN
        EXECUTE 'SELECT count(*), count(*) FILTER (WHERE s.last_run_status = ''Failed'')
                   FROM timescaledb_information.job_stats s
                  WHERE s.job_id >= 1000'
           INTO jobs, failing_jobs;
    END IF;
END
$$;

COMMENT ON FUNCTION epiphany.time_engine_jobs() IS
    'Users'' jobs of the time store and those whose last run failed (NULL without it), for epiphany.stats';

-- One row per engine with its user tables (extension-owned and system
-- tables excluded), their rows (pg_class.reltuples, as of the last VACUUM
-- or ANALYZE), bytes of table data and of indexes, and the time engine's
-- jobs.  Every plain table and partition counts once, for the engine that
-- stores it, except the time engine's: a hypertable counts once, for the
-- time engine, and its chunks add their rows and bytes to it.  A table with
-- a column of the vector engine's types counts for the vector engine too.
-- compression_ratio estimates the heap size the column store's tables
-- would take (rows times the analyzed widths plus the heap's 28 bytes per
-- row: 24 of tuple header, 4 of line pointer) over their actual size; NULL
-- before ANALYZE.  pg_statistic is read with the view owner's rights, so
-- that a monitoring role sees the ratio without reading the tables.
CREATE VIEW epiphany.stats AS
WITH time_tables AS (
    SELECT * FROM epiphany.time_engine_tables()
),
user_tables AS (
    SELECT c.oid, c.reltuples, am.amname,
           EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                     JOIN pg_catalog.pg_depend d
                       ON d.classid = 'pg_catalog.pg_type'::regclass
                      AND d.objid = a.atttypid AND d.deptype = 'e'
                     JOIN pg_catalog.pg_extension x ON x.oid = d.refobjid
                     JOIN epiphany.engine_registry r
                       ON r.extension = x.extname AND r.engine = 'vector'
                    WHERE a.attrelid = c.oid AND a.attnum > 0
                      AND NOT a.attisdropped) AS has_vectors,
           tt.relid IS NOT NULL AS in_hypertable,
           tt.relid IS DISTINCT FROM tt.hypertable AS is_chunk
      FROM pg_catalog.pg_class c
      JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      JOIN pg_catalog.pg_am am ON am.oid = c.relam
      LEFT JOIN time_tables tt ON tt.relid = c.oid
     WHERE c.relkind = 'r'
       AND n.nspname NOT IN ('pg_catalog', 'information_schema')
       AND n.nspname NOT LIKE 'pg\_%'
       AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                        WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid
                          AND d.deptype = 'e')
),
engine_tables AS (
    SELECT 'row'::text AS engine, t.* FROM user_tables t
     WHERE t.amname = 'heap' AND NOT t.in_hypertable
    UNION ALL
    SELECT 'column', t.* FROM user_tables t WHERE t.amname = 'columnar' AND NOT t.in_hypertable
    UNION ALL
    SELECT 'vector', t.* FROM user_tables t WHERE t.has_vectors
    UNION ALL
    SELECT 'time', t.* FROM user_tables t WHERE t.in_hypertable
),
heap_estimate AS (
    SELECT t.oid,
           greatest(t.reltuples, 0) *
           (28 + (SELECT sum(s.stawidth) FROM pg_catalog.pg_statistic s
                   WHERE s.starelid = t.oid AND NOT s.stainherit)) AS bytes
      FROM user_tables t WHERE t.amname = 'columnar' AND NOT t.in_hypertable
),
jobs AS (
    SELECT * FROM epiphany.time_engine_jobs()
)
SELECT r.engine,
       count(t.oid) FILTER (WHERE NOT t.is_chunk) AS tables,
       coalesce(sum(greatest(t.reltuples, 0)), 0)::bigint AS rows,
       coalesce(sum(pg_catalog.pg_table_size(t.oid)), 0)::bigint AS table_bytes,
       coalesce(sum(pg_catalog.pg_indexes_size(t.oid)), 0)::bigint AS index_bytes,
       CASE WHEN r.engine = 'column' THEN
           round((SELECT sum(h.bytes) FROM heap_estimate h)::numeric /
                 nullif(sum(pg_catalog.pg_table_size(t.oid)), 0), 2)
       END AS compression_ratio,
       CASE WHEN r.engine = 'time' THEN (SELECT j.jobs FROM jobs j) END AS jobs,
       CASE WHEN r.engine = 'time' THEN (SELECT j.failing_jobs FROM jobs j) END AS failing_jobs
  FROM epiphany.engine_registry r
  LEFT JOIN engine_tables t ON t.engine = r.engine
 GROUP BY r.engine;

COMMENT ON VIEW epiphany.stats IS
    'Per engine: user tables, rows, table and index bytes, column store compression, time store jobs';

GRANT SELECT ON epiphany.stats TO PUBLIC;
