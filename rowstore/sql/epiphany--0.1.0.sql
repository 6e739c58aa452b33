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

-- The column engine's automatic merges in this database since the server
-- started, and its tables whose last automatic merge failed.  NULLs
-- without the column store.
CREATE FUNCTION epiphany.column_engine_merges(OUT merges bigint, OUT failing_merges bigint)
RETURNS record
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF epiphany.engine_installed('column') THEN
        EXECUTE 'SELECT coalesce(sum(s.merges), 0)::bigint, count(*) FILTER (WHERE s.last_failed)
                   FROM epiphany.columnar_merge_stats() s'
           INTO merges, failing_merges;
    END IF;
END
$$;

COMMENT ON FUNCTION epiphany.column_engine_merges() IS
    'Automatic merges of the column store since start-up and its tables whose last one failed (NULL without it), for epiphany.stats';

-- One row per engine with its user tables (extension-owned and system
-- tables excluded), their rows (pg_class.reltuples, as of the last VACUUM
-- or ANALYZE), bytes of table data and of indexes, the time engine's jobs
-- and the column engine's automatic merges.  Every plain table and partition counts once, for the engine that
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
),
merges AS (
    SELECT * FROM epiphany.column_engine_merges()
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
       CASE WHEN r.engine = 'time' THEN (SELECT j.failing_jobs FROM jobs j) END AS failing_jobs,
       CASE WHEN r.engine = 'column' THEN (SELECT m.merges FROM merges m) END AS merges,
       CASE WHEN r.engine = 'column' THEN (SELECT m.failing_merges FROM merges m) END AS failing_merges
  FROM epiphany.engine_registry r
  LEFT JOIN engine_tables t ON t.engine = r.engine
 GROUP BY r.engine;

COMMENT ON VIEW epiphany.stats IS
    'Per engine: user tables, rows, table and index bytes, column store compression and merges, time store jobs';

GRANT SELECT ON epiphany.stats TO PUBLIC;

-- ---------------------------------------------------------------------------
-- Storage advisor (docs/storage-advisor.md).  epiphany.advise_storage()
-- reads each table's workload from pg_stat_user_tables (and, for columnar
-- tables, the column store's own count of changed compressed rows),
-- measures a sample of the table in the other engine when the workload
-- alone does not settle it, and writes one row of advice per table to
-- epiphany.storage_advice.  epiphany.convert_table() applies one advice;
-- epiphany.storage_advisor_job() is the daily job.
-- ---------------------------------------------------------------------------

-- The advisor's thresholds, each with the reason for its value, as the
-- extension ships them.
CREATE TABLE epiphany.storage_advisor_defaults (
    name      text PRIMARY KEY,
    value     numeric NOT NULL CHECK (value >= 0),
    rationale text NOT NULL
);

INSERT INTO epiphany.storage_advisor_defaults VALUES
    ('min_rows', 10000,
     'A column chunk holds 10,000 values: a smaller table fills partial chunks and fits in a few '
     'heap pages, so neither engine gains enough to pay for a rewrite.'),
    ('max_change_ratio_for_column', 0.05,
     'Append-mostly: at most 5 rows updated or deleted per 100 rows written.  On the column store '
     'each update or delete of a compressed row writes a deletion marker (and a new delta-store '
     'row), and the dead row stays in its row group until the table is rewritten.'),
    ('min_compression_for_column', 2,
     'The sample must shrink at least 2x in the column store: scans there gain mostly by reading '
     'fewer bytes (6.4x smaller gave 1.4x faster scans in make bench-columnar); less is not worth '
     'a rewrite.'),
    ('min_change_ratio_for_row', 0.20,
     'A columnar table goes back to the heap once 20 rows per 100 written were updated or deleted: '
     'the heap changes rows in place.  Four times the append-mostly bound, so that a table near '
     'either bound is not moved back and forth.'),
    ('scan_saving_us_per_row', 0.0404,
     'Each row read by a sequential scan takes 0.0404 microseconds less on the column store: full '
     'scans of the 6,000,000-row table of make bench-columnar saved 0.243 s on average (Q1 0.337 s, '
     'Q6 0.205 s, count 0.126 s, group-by 0.302 s).'),
    ('lookup_cost_us', 2565,
     'Each index scan takes 2,565 microseconds more on the column store: 370.3 against 7,359.8 '
     'lookups by primary key per second in make bench-columnar (a lookup decodes whole chunks of '
     'every column).'),
    ('column_rewrite_us_per_row', 7.1,
     'Writing a table into the column store (rows, then the merge into row groups) takes 7.1 '
     'microseconds a row: 42.6 s for the 6,000,000 rows of make bench-columnar.'),
    ('row_rewrite_us_per_row', 2.1,
     'Writing a table into the heap takes 2.1 microseconds a row: 12.7 s for the 6,000,000 rows of '
     'make bench-columnar.');

-- A site's own values (epiphany.set_storage_advisor_threshold).  Kept
-- apart from the defaults so that pg_dump saves exactly the site's rows and
-- a restore, which installs the defaults first, adds them without conflict.
CREATE TABLE epiphany.storage_advisor_overrides (
    name  text PRIMARY KEY REFERENCES epiphany.storage_advisor_defaults (name),
    value numeric NOT NULL CHECK (value >= 0)
);

SELECT pg_catalog.pg_extension_config_dump('epiphany.storage_advisor_overrides', '');

-- The thresholds in force: the site's value where it set one.
CREATE VIEW epiphany.storage_advisor_thresholds AS
SELECT d.name, coalesce(o.value, d.value) AS value, d.value AS default_value, d.rationale
  FROM epiphany.storage_advisor_defaults d
  LEFT JOIN epiphany.storage_advisor_overrides o ON o.name = d.name;

COMMENT ON VIEW epiphany.storage_advisor_thresholds IS
    'Thresholds of epiphany.advise_storage() in force, their defaults and the rationale of each';

GRANT SELECT ON epiphany.storage_advisor_defaults, epiphany.storage_advisor_thresholds TO PUBLIC;

-- Sets a threshold for this database (NULL restores the default) and
-- returns the value now in force.  Writing the overrides takes a
-- superuser (or a role granted it): the thresholds steer every role's
-- advice and the daily job's conversions.
CREATE FUNCTION epiphany.set_storage_advisor_threshold(threshold text, value numeric)
RETURNS numeric
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM epiphany.storage_advisor_defaults d WHERE d.name = threshold) THEN
        RAISE EXCEPTION 'unknown storage advisor threshold "%"', threshold
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'The thresholds are listed in epiphany.storage_advisor_thresholds.';
    END IF;
    IF value < 0 THEN
        RAISE EXCEPTION 'invalid value % for storage advisor threshold "%"', value, threshold
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Thresholds are counts or ratios, zero or more.';
    END IF;
    IF value IS NULL THEN
        DELETE FROM epiphany.storage_advisor_overrides o WHERE o.name = threshold;
    ELSE
        INSERT INTO epiphany.storage_advisor_overrides VALUES (threshold, value)
            ON CONFLICT (name) DO UPDATE SET value = excluded.value;
    END IF;
    RETURN epiphany.storage_advisor_threshold(threshold);
END
$$;

-- Whether the current user may convert the table: its owner or a member
-- of the owning role, as ALTER TABLE requires.
CREATE FUNCTION epiphany.owns_table(relid oid) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE STRICT
AS $$
SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_class c
                WHERE c.oid = $1 AND pg_catalog.pg_has_role(c.relowner, 'USAGE'))
$$;

-- The advice: one row per table, from the latest run that looked at it.
-- change_ratio: rows updated or deleted per row written (the larger of the
-- rows inserted and the rows stored); on a columnar table the changed rows
-- are the column store's deletion markers plus the delta store's updates,
-- because a merge counts as deletions in pg_stat_user_tables.
-- column_seconds_saved: the time the recorded workload would have saved on
-- the column store (negative: on the row store); rewrite_seconds: the time
-- a conversion to the other store takes (epiphany.storage_time_model).
-- estimated_bytes: the table's size in the recommended engine, from a
-- sample of sample_rows rows; estimated_compression: the sample's heap
-- size over its columnar size.
CREATE TABLE epiphany.storage_advice (
    relid                 oid PRIMARY KEY,
    relation              text NOT NULL,  -- schema-qualified, as advised
    advised_at            timestamptz NOT NULL,
    current_storage       text NOT NULL CHECK (current_storage IN ('row', 'column')),
    recommended_storage   text NOT NULL CHECK (recommended_storage IN ('row', 'column')),
    action                text NOT NULL CHECK (action IN ('keep', 'convert')),
    reason                text NOT NULL,
    live_rows             bigint NOT NULL,
    inserts               bigint NOT NULL,
    updates               bigint NOT NULL,
    deletes               bigint NOT NULL,
    changed_rows          bigint NOT NULL,
    seq_scans             bigint NOT NULL,
    seq_rows_read         bigint NOT NULL,
    index_scans           bigint NOT NULL,
    change_ratio          numeric NOT NULL,
    column_seconds_saved  numeric NOT NULL,
    rewrite_seconds       numeric NOT NULL,
    sample_rows           bigint,
    current_bytes         bigint NOT NULL,
    estimated_bytes       bigint,
    estimated_compression numeric,
    applied_at            timestamptz,
    CHECK ((action = 'convert') = (current_storage <> recommended_storage))
);

COMMENT ON TABLE epiphany.storage_advice IS
    'Storage advice per table from epiphany.advise_storage(): recommendation, reason and the figures it used';

-- Everyone reads the advice; each role writes the rows of the tables it
-- owns (superusers, the daily job's usual owner, write every row).
ALTER TABLE epiphany.storage_advice ENABLE ROW LEVEL SECURITY;
CREATE POLICY storage_advice_read ON epiphany.storage_advice FOR SELECT USING (true);
CREATE POLICY storage_advice_write ON epiphany.storage_advice
    USING (epiphany.owns_table(relid)) WITH CHECK (epiphany.owns_table(relid));
GRANT SELECT, INSERT, UPDATE, DELETE ON epiphany.storage_advice TO PUBLIC;

-- The engine of a table: 'row' (heap), 'column' (columnar) or NULL.
CREATE FUNCTION epiphany.storage_of(rel regclass) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE STRICT
AS $$
SELECT CASE am.amname WHEN 'heap' THEN 'row' WHEN 'columnar' THEN 'column' END
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_am am ON am.oid = c.relam
 WHERE c.oid = $1
$$;

-- Columns of a temporary sample table for its columnar copy: each column
-- with its domain (through nested domains) replaced by the base type, so
-- that copying the rows evaluates no domain constraint, which would run a
-- user's function with the rights of epiphany.columnar_sample_size.
-- "definition" lists name and type, "selection" the casts to those types.
CREATE FUNCTION epiphany.sample_columns(sample regclass,
    OUT definition text, OUT selection text)
RETURNS record
LANGUAGE sql STABLE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
WITH RECURSIVE base (attnum, attname, typid, typmod) AS (
    SELECT a.attnum, a.attname, a.atttypid, a.atttypmod
      FROM pg_attribute a
     WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped
    UNION ALL
    SELECT b.attnum, b.attname, t.typbasetype,
           CASE WHEN b.typmod = -1 THEN t.typtypmod ELSE b.typmod END
      FROM base b JOIN pg_type t ON t.oid = b.typid
     WHERE t.typtype = 'd'
),
resolved AS (
    SELECT b.attnum, b.attname, format_type(b.typid, nullif(b.typmod, -1)) AS typname
      FROM base b JOIN pg_type t ON t.oid = b.typid
     WHERE t.typtype <> 'd'
)
SELECT string_agg(format('%I %s', r.attname, r.typname), ', ' ORDER BY r.attnum),
       string_agg(format('%I::%s', r.attname, r.typname), ', ' ORDER BY r.attnum)
  FROM resolved r
$$;

-- Size in the column store of a sample the caller copied into a temporary
-- heap table of this session: a columnar copy is written, merged into row
-- groups, measured and dropped, all in the caller's transaction.  Columnar
-- tables cannot be temporary, so the copy is a table of this schema, which
-- is why the function runs with its owner's rights.  It accepts only a
-- temporary table of this session, reads it with ONLY (no inheritance
-- children) and copies plain values of the base types (sample_columns), so
-- that no code of the caller runs with those rights.  stored_bytes: the
-- chunks' encoded and compressed bytes; table_bytes: the pages that hold
-- them (the copy's size without its delta store, emptied by the merge).
CREATE FUNCTION epiphany.columnar_sample_size(sample regclass,
    OUT rows bigint, OUT stored_bytes bigint, OUT table_bytes bigint)
RETURNS record
LANGUAGE plpgsql VOLATILE STRICT SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    source text;
    columns record;
BEGIN
    SELECT format('%I.%I', n.nspname, c.relname) INTO source
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.oid = sample AND c.relkind = 'r' AND c.relpersistence = 't'
       AND c.relnamespace = pg_my_temp_schema();
    IF source IS NULL THEN
        RAISE EXCEPTION 'relation "%" is not a temporary table of this session', sample
            USING ERRCODE = 'wrong_object_type',
                  HINT = 'Copy the sample into a temporary table first.';
    END IF;
    SELECT * INTO columns FROM epiphany.sample_columns(sample);
    -- One sample at a time per database: the copy has a fixed name.
    PERFORM pg_advisory_xact_lock(hashtext('epiphany.columnar_sample_size'));
    EXECUTE format('CREATE TABLE epiphany.storage_advisor_sample (%s) USING columnar',
                   columns.definition);
    EXECUTE format('INSERT INTO epiphany.storage_advisor_sample SELECT %s FROM ONLY %s',
                   columns.selection, source);
    PERFORM epiphany.columnar_merge('epiphany.storage_advisor_sample');
    SELECT s.rows, s.stored_bytes INTO rows, stored_bytes
      FROM epiphany.columnar_stats('epiphany.storage_advisor_sample') s;
    table_bytes := pg_table_size('epiphany.storage_advisor_sample') -
                   pg_relation_size('epiphany.storage_advisor_sample');
    DROP TABLE epiphany.storage_advisor_sample;
END
$$;

-- Measures up to sample_rows rows of a table: the pages they take on the
-- heap and in the column store.  A heap table is sampled by whole pages
-- (TABLESAMPLE SYSTEM, fixed seed), which keeps neighbouring rows together
-- as the column store's delta and run-length encodings would see them; a
-- columnar table, which refuses TABLESAMPLE, gives its first rows.
CREATE FUNCTION epiphany.measure_storage_sample(rel regclass, sample_rows integer,
    live_rows bigint, OUT rows bigint, OUT heap_bytes bigint, OUT columnar_bytes bigint)
RETURNS record
LANGUAGE plpgsql VOLATILE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    source text := rel::text;
BEGIN
    IF epiphany.storage_of(rel) = 'row' AND live_rows > sample_rows THEN
        -- Twice the share needed, so that LIMIT rather than chance decides.
        source := format('%s TABLESAMPLE SYSTEM (%s) REPEATABLE (0)', rel,
                         least(100, 200.0 * sample_rows / live_rows));
    END IF;
    EXECUTE format('CREATE TEMP TABLE epiphany_storage_sample USING heap AS '
                   'SELECT * FROM %s LIMIT %s', source, sample_rows);
    SELECT count(*) INTO rows FROM pg_temp.epiphany_storage_sample;
    heap_bytes := pg_table_size('pg_temp.epiphany_storage_sample');
    SELECT s.table_bytes INTO columnar_bytes
      FROM epiphany.columnar_sample_size('pg_temp.epiphany_storage_sample') s;
    DROP TABLE pg_temp.epiphany_storage_sample;
END
$$;

-- The workload of every table the advisor may advise on: plain tables and
-- partitions on the heap or the column store, permanent or unlogged, owned
-- by the current user's roles, outside the system schemas and the engines'
-- internal schemas (_epiphany*), not members of an extension and not part
-- of a hypertable.  Counters are cumulative since
-- the statistics were last reset.  The column store's UPDATE and DELETE of
-- a compressed row write a deletion marker (and the new version through
-- the heap, counted as an insert) while its merge moves rows out of the
-- delta store with heap deletions: so on a columnar table the changed rows
-- are the markers plus the delta store's updates, and the stored rows come
-- from epiphany.columnar_stats.
CREATE FUNCTION epiphany.storage_workload(
    OUT relid oid, OUT relation text, OUT storage text, OUT live_rows bigint,
    OUT inserts bigint, OUT updates bigint, OUT deletes bigint, OUT changed_rows bigint,
    OUT seq_scans bigint, OUT seq_rows_read bigint, OUT index_scans bigint,
    OUT current_bytes bigint)
RETURNS SETOF record
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
WITH candidates AS (
    SELECT c.oid, n.nspname, c.relname, epiphany.storage_of(c.oid) AS storage
      FROM pg_class c
      JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind = 'r' AND c.relpersistence IN ('p', 'u')
       AND n.nspname NOT IN ('pg_catalog', 'information_schema')
       AND n.nspname NOT LIKE 'pg\_%'
       AND n.nspname NOT LIKE '\_epiphany%'
       AND epiphany.storage_of(c.oid) IS NOT NULL
       AND pg_has_role(c.relowner, 'USAGE')
       AND NOT EXISTS (SELECT 1 FROM pg_depend d
                        WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                          AND d.deptype = 'e')
       AND c.oid NOT IN (SELECT t.relid FROM epiphany.time_engine_tables() t)
),
columnar AS (
    SELECT k.oid, s.*
      FROM candidates k, LATERAL epiphany.columnar_stats(k.oid) s
     WHERE k.storage = 'column'
)
SELECT k.oid,
       format('%I.%I', k.nspname, k.relname),
       k.storage,
       CASE k.storage WHEN 'row' THEN coalesce(s.n_live_tup, 0)
            ELSE col.rows + col.delta_rows END,
       coalesce(s.n_tup_ins, 0),
       coalesce(s.n_tup_upd, 0),
       coalesce(s.n_tup_del, 0),
       CASE k.storage WHEN 'row' THEN coalesce(s.n_tup_upd + s.n_tup_del, 0)
            ELSE col.deleted_rows + coalesce(s.n_tup_upd, 0) END,
       coalesce(s.seq_scan, 0),
       coalesce(s.seq_tup_read, 0),
       coalesce(s.idx_scan, 0),
       pg_table_size(k.oid)
  FROM candidates k
  LEFT JOIN pg_stat_user_tables s ON s.relid = k.oid
  LEFT JOIN columnar col ON col.oid = k.oid
$$;

COMMENT ON FUNCTION epiphany.storage_workload() IS
    'Per table the advisor may advise on: engine, rows, writes, scans and bytes it bases its advice on';

-- The threshold of that name (epiphany.storage_advisor_thresholds).
CREATE FUNCTION epiphany.storage_advisor_threshold(threshold text) RETURNS numeric
LANGUAGE plpgsql STABLE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    result numeric;
BEGIN
    SELECT t.value INTO result FROM epiphany.storage_advisor_thresholds t
     WHERE t.name = threshold;
    IF result IS NULL THEN
        RAISE EXCEPTION 'storage advisor threshold "%" is missing', threshold
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Restore its row in epiphany.storage_advisor_defaults.';
    END IF;
    RETURN result;
END
$$;

-- The advisor's time model, from the measured costs of
-- epiphany.storage_advisor_thresholds: how much faster the recorded
-- workload (rows read by sequential scans, index scans) would have run on
-- the column store than on the heap (negative: slower), and how long
-- rewriting the table into the other store takes.  Seconds, to the
-- millisecond.
CREATE FUNCTION epiphany.storage_time_model(seq_rows_read bigint, index_scans bigint,
    live_rows bigint, current_storage text,
    OUT column_seconds_saved numeric, OUT rewrite_seconds numeric)
RETURNS record
LANGUAGE sql STABLE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
SELECT round((seq_rows_read * epiphany.storage_advisor_threshold('scan_saving_us_per_row')
              - index_scans * epiphany.storage_advisor_threshold('lookup_cost_us')) / 1e6, 3),
       round(live_rows * epiphany.storage_advisor_threshold(
                 CASE current_storage WHEN 'row' THEN 'column_rewrite_us_per_row'
                                      ELSE 'row_rewrite_us_per_row' END) / 1e6, 3)
$$;

-- "run 0.145 s faster" or "run 0.513 s slower", for the reasons.
CREATE FUNCTION epiphany.storage_time_phrase(seconds numeric) RETURNS text
LANGUAGE sql IMMUTABLE STRICT
AS $$
SELECT CASE WHEN $1 >= 0 THEN format('run %s s faster', $1) ELSE format('run %s s slower', -$1) END
$$;

-- Why a heap table stays on the heap, from its workload alone: the failed
-- conditions, with the figures, or NULL when the workload favours the
-- column store.
CREATE FUNCTION epiphany.row_stays_because(a epiphany.storage_advice) RETURNS text
LANGUAGE plpgsql STABLE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    max_change numeric := epiphany.storage_advisor_threshold('max_change_ratio_for_column');
    failed text[] := '{}';
BEGIN
    IF a.change_ratio > max_change THEN
        failed := failed || format('%s rows updated or deleted per row written (max_change_ratio_for_column %s)',
                                   round(a.change_ratio, 3), max_change);
    END IF;
    IF a.column_seconds_saved < a.rewrite_seconds THEN
        failed := failed || format('on the column store its workload (%s rows read by sequential scans, '
                                   '%s index scans) would have %s, which does not pay for the %s s '
                                   'a rewrite takes', a.seq_rows_read, a.index_scans,
                                   epiphany.storage_time_phrase(a.column_seconds_saved),
                                   a.rewrite_seconds);
    END IF;
    IF cardinality(failed) = 0 THEN
        RETURN NULL;
    END IF;
    RETURN 'stays on the row store: ' || array_to_string(failed, '; ');
END
$$;

-- Why a columnar table goes back to the heap, with the figures, or NULL
-- when it stays.
CREATE FUNCTION epiphany.column_leaves_because(a epiphany.storage_advice) RETURNS text
LANGUAGE plpgsql STABLE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    min_change numeric := epiphany.storage_advisor_threshold('min_change_ratio_for_row');
    found text[] := '{}';
BEGIN
    IF a.change_ratio >= min_change THEN
        found := found || format('%s rows updated or deleted per row written (min_change_ratio_for_row %s)',
                                 round(a.change_ratio, 3), min_change);
    END IF;
    IF -a.column_seconds_saved >= a.rewrite_seconds THEN
        found := found || format('on the row store its workload (%s index scans, %s rows read by '
                                 'sequential scans) would have %s, more than the %s s a rewrite takes',
                                 a.index_scans, a.seq_rows_read,
                                 epiphany.storage_time_phrase(-a.column_seconds_saved),
                                 a.rewrite_seconds);
    END IF;
    IF cardinality(found) = 0 THEN
        RETURN NULL;
    END IF;
    RETURN 'moves to the row store: ' || array_to_string(found, '; ');
END
$$;

-- Advises on every table of epiphany.storage_workload(): records one row
-- per table in epiphany.storage_advice (replacing its previous advice) and
-- returns this run's rows.  The workload decides first; the sample is
-- measured only for a table whose workload favours the other engine.  Rows
-- of tables the run did not look at (dropped, or no longer candidates) go,
-- as far as row-level security lets the caller delete them.  Read the
-- statistics after pg_stat_force_next_flush() in the writing sessions to
-- see their latest counts.
CREATE FUNCTION epiphany.advise_storage(sample_rows integer DEFAULT 10000)
RETURNS SETOF epiphany.storage_advice
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    w record;
    model record;
    advice epiphany.storage_advice;
    min_rows numeric := epiphany.storage_advisor_threshold('min_rows');
BEGIN
    IF sample_rows IS NULL OR sample_rows < 1 THEN
        RAISE EXCEPTION 'invalid sample size %', coalesce(sample_rows::text, 'NULL')
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Give a number of rows of at least 1; the default, 10000, is one column chunk.';
    END IF;
    PERFORM pg_stat_clear_snapshot();
    FOR w IN SELECT * FROM epiphany.storage_workload() ORDER BY relation LOOP
        SELECT * INTO model
          FROM epiphany.storage_time_model(w.seq_rows_read, w.index_scans, w.live_rows, w.storage);
        advice := ROW(w.relid, w.relation, now(), w.storage, w.storage, 'keep', '',
                      w.live_rows, w.inserts, w.updates, w.deletes, w.changed_rows,
                      w.seq_scans, w.seq_rows_read, w.index_scans,
                      round(w.changed_rows::numeric / greatest(w.inserts, w.live_rows, 1), 4),
                      model.column_seconds_saved, model.rewrite_seconds,
                      NULL, w.current_bytes, NULL, NULL, NULL);
        advice := epiphany.advise_table(advice, sample_rows, min_rows);
        INSERT INTO epiphany.storage_advice SELECT (advice).*
            ON CONFLICT (relid) DO UPDATE SET
                relation = excluded.relation, advised_at = excluded.advised_at,
                current_storage = excluded.current_storage,
                recommended_storage = excluded.recommended_storage,
                action = excluded.action, reason = excluded.reason,
                live_rows = excluded.live_rows, inserts = excluded.inserts,
                updates = excluded.updates, deletes = excluded.deletes,
                changed_rows = excluded.changed_rows, seq_scans = excluded.seq_scans,
                seq_rows_read = excluded.seq_rows_read, index_scans = excluded.index_scans,
                change_ratio = excluded.change_ratio,
                column_seconds_saved = excluded.column_seconds_saved,
                rewrite_seconds = excluded.rewrite_seconds,
                sample_rows = excluded.sample_rows, current_bytes = excluded.current_bytes,
                estimated_bytes = excluded.estimated_bytes,
                estimated_compression = excluded.estimated_compression,
                applied_at = NULL;
        RETURN NEXT advice;
    END LOOP;
    DELETE FROM epiphany.storage_advice a WHERE a.advised_at < now();
END
$$;

COMMENT ON FUNCTION epiphany.advise_storage(integer) IS
    'Advises row or column storage for every table the caller owns from its workload and a measured sample; writes epiphany.storage_advice';

-- Completes the advice for one table: "workload" holds its figures from
-- epiphany.storage_workload() and the time model, with the current storage
-- recommended (see epiphany.advise_storage).  The workload decides whether
-- the other store is worth a look; epiphany.advise_from_sample decides.
CREATE FUNCTION epiphany.advise_table(workload epiphany.storage_advice, sample_rows integer,
    min_rows numeric)
RETURNS epiphany.storage_advice
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    a epiphany.storage_advice := workload;
    because text;
BEGIN
    IF a.live_rows < min_rows THEN
        a.reason := format('stays on the %s store: %s rows, fewer than min_rows %s',
                           a.current_storage, a.live_rows, min_rows);
        RETURN a;
    END IF;
    IF a.current_storage = 'row' THEN
        a.reason := epiphany.row_stays_because(a);
        IF a.reason IS NOT NULL THEN
            RETURN a;
        END IF;
    ELSE
        because := epiphany.column_leaves_because(a);
        IF because IS NULL THEN
            a.reason := format('stays on the column store: %s rows updated or deleted per row '
                               'written (min_change_ratio_for_row %s); on the row store its '
                               'workload (%s index scans, %s rows read by sequential scans) '
                               'would have %s, which does not pay for the %s s a rewrite takes',
                               a.change_ratio,
                               epiphany.storage_advisor_threshold('min_change_ratio_for_row'),
                               a.index_scans, a.seq_rows_read,
                               epiphany.storage_time_phrase(-a.column_seconds_saved),
                               a.rewrite_seconds);
            RETURN a;
        END IF;
    END IF;
    RETURN epiphany.advise_from_sample(a, sample_rows, because);
END
$$;

-- Finishes the advice for a table whose workload favours the other store
-- ("because" says why, for a columnar table): measures a sample, and moves
-- a heap table only when the sample compresses enough.
CREATE FUNCTION epiphany.advise_from_sample(a epiphany.storage_advice, sample_rows integer,
    because text)
RETURNS epiphany.storage_advice
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    sample record;
    min_compression numeric := epiphany.storage_advisor_threshold('min_compression_for_column');
BEGIN
    SELECT * INTO sample FROM epiphany.measure_storage_sample(a.relid, sample_rows, a.live_rows);
    IF sample.rows = 0 OR sample.columnar_bytes = 0 THEN
        a.reason := format('stays on the %s store: the sample of %s rows could not be measured '
                           '(no rows visible to this transaction)', a.current_storage, sample.rows);
        RETURN a;
    END IF;
    a.sample_rows := sample.rows;
    a.estimated_compression := round(sample.heap_bytes::numeric / sample.columnar_bytes, 2);
    IF a.current_storage = 'column' THEN
        a.estimated_bytes := round(sample.heap_bytes::numeric / sample.rows * a.live_rows);
        a.recommended_storage := 'row';
        a.reason := format('%s; the heap updates, deletes and looks up rows in place; about %s '
                           'bytes instead of %s (a sample of %s rows compresses %sx)',
                           because, a.estimated_bytes, a.current_bytes, sample.rows,
                           a.estimated_compression);
    ELSIF a.estimated_compression < min_compression THEN
        a.reason := format('stays on the row store: a sample of %s rows compresses only %sx '
                           'in the column store (min_compression_for_column %s)',
                           sample.rows, a.estimated_compression, min_compression);
        RETURN a;
    ELSE
        a.estimated_bytes := round(sample.columnar_bytes::numeric / sample.rows * a.live_rows);
        a.recommended_storage := 'column';
        a.reason := format('moves to the column store: %s rows updated or deleted per row written; '
                           'there its workload (%s rows read by sequential scans, %s index scans) '
                           'would have %s, more than the %s s a rewrite takes; a sample of %s '
                           'rows compresses %sx, so about %s bytes instead of %s',
                           a.change_ratio, a.seq_rows_read, a.index_scans,
                           epiphany.storage_time_phrase(a.column_seconds_saved),
                           a.rewrite_seconds, sample.rows, a.estimated_compression,
                           a.estimated_bytes, a.current_bytes);
    END IF;
    a.action := 'convert';
    RETURN a;
END
$$;

-- Refuses, with the reason, a conversion of "rel" to "target" that
-- ALTER TABLE ... SET ACCESS METHOD cannot do or that would break an
-- engine's rules; returns the table's current storage.
CREATE FUNCTION epiphany.check_conversion(rel regclass, target text) RETURNS text
LANGUAGE plpgsql STABLE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    c pg_class;
BEGIN
    IF target NOT IN ('row', 'column') THEN
        RAISE EXCEPTION 'invalid storage "%"', target
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Use ''row'' or ''column''.';
    END IF;
    SELECT * INTO c FROM pg_class WHERE oid = rel;
    IF c.relkind = 'p' THEN
        RAISE EXCEPTION 'cannot convert partitioned table "%"', rel
            USING ERRCODE = 'feature_not_supported',
                  DETAIL = 'A partitioned table has no storage of its own.',
                  HINT = 'Convert its partitions one by one.';
    ELSIF c.relkind <> 'r' THEN
        RAISE EXCEPTION '"%" is not a table', rel
            USING ERRCODE = 'wrong_object_type',
                  HINT = 'Only tables can be converted between the row and the column store.';
    ELSIF rel IN (SELECT t.relid FROM epiphany.time_engine_tables() t) THEN
        RAISE EXCEPTION 'cannot convert "%", which is part of a hypertable', rel
            USING ERRCODE = 'feature_not_supported',
                  DETAIL = 'The time store manages the storage of hypertables and their chunks.',
                  HINT = 'Leave hypertables on the time store.';
    ELSIF c.oid < 16384 OR c.relnamespace = 'pg_catalog'::regnamespace THEN
        RAISE EXCEPTION 'cannot convert system catalog "%"', rel
            USING ERRCODE = 'insufficient_privilege';
    ELSIF (SELECT nspname FROM pg_namespace WHERE oid = c.relnamespace) LIKE '\_epiphany%' THEN
        RAISE EXCEPTION 'cannot convert "%", which is internal to an EpiphanyDB engine', rel
            USING ERRCODE = 'feature_not_supported',
                  HINT = 'The engines decide how the tables of their _epiphany schemas are stored.';
    ELSIF EXISTS (SELECT 1 FROM pg_depend d
                   WHERE d.classid = 'pg_class'::regclass AND d.objid = rel AND d.deptype = 'e') THEN
        RAISE EXCEPTION 'cannot convert "%", which belongs to an extension', rel
            USING ERRCODE = 'feature_not_supported',
                  HINT = 'The extension''s own scripts decide how its tables are stored.';
    ELSIF NOT pg_has_role(c.relowner, 'USAGE') THEN
        RAISE EXCEPTION 'must be owner of table "%" to convert it', rel
            USING ERRCODE = 'insufficient_privilege',
                  HINT = format('Run it as %s, or as a member of that role.', c.relowner::regrole);
    ELSIF epiphany.storage_of(rel) IS NULL THEN
        RAISE EXCEPTION 'cannot convert "%", which uses access method "%"', rel,
                        (SELECT amname FROM pg_am WHERE oid = c.relam)
            USING ERRCODE = 'feature_not_supported',
                  HINT = 'Only tables on the heap (row) or columnar (column) can be converted.';
    END IF;
    IF target = 'column' THEN
        IF NOT EXISTS (SELECT 1 FROM pg_am WHERE amname = 'columnar') THEN
            RAISE EXCEPTION 'cannot convert "%" to the column store, which is not installed', rel
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      HINT = 'Run CREATE EXTENSION epiphany_columnstore.';
        ELSIF c.relpersistence = 't' THEN
            RAISE EXCEPTION 'cannot convert temporary table "%" to the column store', rel
                USING ERRCODE = 'feature_not_supported',
                      DETAIL = 'Columnar tables cannot be temporary.';
        END IF;
    END IF;
    RETURN epiphany.storage_of(rel);
END
$$;

-- Converts one table to the row ('row', heap) or the column ('column')
-- store with ALTER TABLE ... SET ACCESS METHOD, which rewrites the rows
-- and rebuilds the indexes but keeps the table's OID, so its constraints,
-- indexes, grants, triggers, statistics counters and dependent views stay.
-- A table moved to the column store is then merged into compressed row
-- groups.  Reports each phase as a NOTICE (ALTER TABLE reports to no
-- pg_stat_progress view) and marks the table's advice as applied.  Holds
-- ACCESS EXCLUSIVE on the table until the transaction ends.
CREATE FUNCTION epiphany.convert_table(rel regclass, target text,
    OUT relation regclass, OUT old_storage text, OUT new_storage text,
    OUT bytes_before bigint, OUT bytes_after bigint)
RETURNS record
LANGUAGE plpgsql VOLATILE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    relation := rel;
    new_storage := lower(target);
    old_storage := epiphany.check_conversion(rel, new_storage);
    IF old_storage = new_storage THEN
        RAISE NOTICE 'table "%" is already on the % store, nothing to do', rel, new_storage;
        bytes_before := pg_table_size(rel);
        bytes_after := bytes_before;
        RETURN;
    END IF;
    RAISE NOTICE 'converting "%" to the % store: 1/4 locking', rel, new_storage;
    EXECUTE format('LOCK TABLE %s IN ACCESS EXCLUSIVE MODE', rel);
    bytes_before := pg_table_size(rel);
    RAISE NOTICE 'converting "%" to the % store: 2/4 rewriting rows and rebuilding indexes',
        rel, new_storage;
    EXECUTE format('ALTER TABLE %s SET ACCESS METHOD %s', rel,
                   CASE new_storage WHEN 'row' THEN 'heap' ELSE 'columnar' END);
    IF new_storage = 'column' THEN
        RAISE NOTICE 'converting "%" to the column store: 3/4 compressing into row groups', rel;
        PERFORM epiphany.columnar_merge(rel);
    ELSE
        RAISE NOTICE 'converting "%" to the row store: 3/4 no compression step', rel;
    END IF;
    RAISE NOTICE 'converting "%" to the % store: 4/4 analyzing', rel, new_storage;
    EXECUTE format('ANALYZE %s', rel);
    bytes_after := pg_table_size(rel);
    UPDATE epiphany.storage_advice a SET applied_at = now()
     WHERE a.relid = rel AND a.action = 'convert' AND a.recommended_storage = new_storage;
END
$$;

COMMENT ON FUNCTION epiphany.convert_table(regclass, text) IS
    'Moves a table to the row (heap) or column (columnar) store, keeping indexes, constraints, grants and views';

-- Whether a time of day lies in the maintenance window set by
-- epiphany.maintenance_window_start and _end (a window may span midnight;
-- equal bounds make an empty window).
CREATE FUNCTION epiphany.in_maintenance_window(at time DEFAULT localtime) RETURNS boolean
LANGUAGE sql STABLE STRICT
AS $$
SELECT CASE WHEN s < e THEN $1 >= s AND $1 < e
            WHEN s > e THEN $1 >= s OR $1 < e
            ELSE false END
  FROM (SELECT current_setting('epiphany.maintenance_window_start')::time AS s,
               current_setting('epiphany.maintenance_window_end')::time AS e) w
$$;

-- Whether the calling procedure may COMMIT (procedure_context.c).
CREATE FUNCTION epiphany.transaction_control_allowed() RETURNS boolean
AS 'MODULE_PATHNAME', 'ep_transaction_control_allowed' LANGUAGE C VOLATILE;

-- The storage advisor's job (signature of the time store's jobs): advises
-- on every table the job's owner owns and, when epiphany.auto_apply_advice
-- is on and the job runs inside the maintenance window, applies the
-- advice not applied yet, smallest tables first.  config may hold
-- {"sample_rows": n}.  Called non-atomically (a job worker, or CALL
-- outside a transaction block), it commits the advice, then each
-- conversion on its own: a converted table's lock goes at once, and a
-- conversion that fails (a lock_timeout, say) is reported as a WARNING and
-- skipped, the others going on.  Called atomically, it does the same in
-- one transaction, where the first failure undoes the run.  No SET clause:
-- a procedure with one cannot commit; search_path is set inside instead.
CREATE PROCEDURE epiphany.storage_advisor_job(job_id integer, config jsonb)
LANGUAGE plpgsql
AS $$
DECLARE
    todo record;
    nonatomic boolean;
BEGIN
    PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
    PERFORM epiphany.advise_storage(coalesce((config ->> 'sample_rows')::integer, 10000));
    IF NOT current_setting('epiphany.auto_apply_advice')::boolean THEN
        RETURN;
    END IF;
    IF NOT epiphany.in_maintenance_window() THEN
        RAISE NOTICE 'storage advice not applied: % is outside the maintenance window (% to %)',
            localtime(0), current_setting('epiphany.maintenance_window_start'),
            current_setting('epiphany.maintenance_window_end');
        RETURN;
    END IF;
    nonatomic := epiphany.transaction_control_allowed();
    IF nonatomic THEN
        COMMIT;             -- the advice stays, whatever the conversions do
    END IF;
    FOR todo IN SELECT a.relid, a.recommended_storage FROM epiphany.storage_advice a
                 WHERE a.action = 'convert' AND a.applied_at IS NULL
                   AND epiphany.owns_table(a.relid)
                 ORDER BY a.current_bytes, a.relid LOOP
        PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
        IF NOT nonatomic THEN
            PERFORM epiphany.convert_table(todo.relid, todo.recommended_storage);
            CONTINUE;
        END IF;
        BEGIN
            PERFORM epiphany.convert_table(todo.relid, todo.recommended_storage);
        EXCEPTION WHEN OTHERS THEN
            RAISE WARNING 'storage advice for % not applied: %', todo.relid::regclass, SQLERRM;
        END;
        COMMIT;
    END LOOP;
END
$$;

-- Registers the storage advisor's job with the time store (its add_job)
-- and returns the job's id; when the job exists already, returns its id.
-- Without the time store, refuses and says how else to schedule it.
CREATE FUNCTION epiphany.schedule_storage_advisor(
    schedule_interval interval DEFAULT interval '1 day',
    initial_start timestamptz DEFAULT NULL) RETURNS integer
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    api regnamespace;
    job integer;
BEGIN
    SELECT p.pronamespace INTO api
      FROM pg_extension x
      JOIN pg_depend d ON d.refclassid = 'pg_extension'::regclass AND d.refobjid = x.oid
                      AND d.classid = 'pg_proc'::regclass AND d.deptype = 'e'
      JOIN pg_proc p ON p.oid = d.objid AND p.proname = 'add_job'
     WHERE x.extname = (SELECT r.extension FROM epiphany.engine_registry r
                         WHERE r.engine = 'time');
    IF api IS NULL THEN
        RAISE EXCEPTION 'cannot schedule the storage advisor: the time store is not installed'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Run CREATE EXTENSION epiphany_timestore, or run "CALL epiphany.storage_advisor_job(0, NULL)" daily from cron or a systemd timer.';
    END IF;
    EXECUTE 'SELECT j.job_id FROM timescaledb_information.jobs j
              WHERE j.proc_schema = ''epiphany'' AND j.proc_name = ''storage_advisor_job''
              ORDER BY j.job_id LIMIT 1' INTO job;
    IF job IS NOT NULL THEN
        RETURN job;
    END IF;
    EXECUTE format('SELECT %I.add_job(%L::regproc, $1, initial_start => $2)', api,
                   'epiphany.storage_advisor_job')
       INTO job USING schedule_interval, initial_start;
    RETURN job;
END
$$;

COMMENT ON FUNCTION epiphany.schedule_storage_advisor(interval, timestamptz) IS
    'Registers epiphany.storage_advisor_job with the time store''s job scheduler (daily by default); returns the job id';
