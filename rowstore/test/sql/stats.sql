-- epiphany.stats: one row per engine, from the catalogs.
CREATE TABLE st_heap (id int PRIMARY KEY, v text);
CREATE TABLE st_col (id int, v text) USING columnar;
CREATE TABLE st_vec (id int PRIMARY KEY, e vector(3));
INSERT INTO st_heap SELECT g, repeat('x', 20) FROM generate_series(1, 1000) g;
INSERT INTO st_col SELECT g, repeat('x', 20) FROM generate_series(1, 20000) g;
-- (an INSERT ... SELECT this large wrote row groups: nothing to merge)
SELECT epiphany.columnar_merge('st_col');
-- 1,000 rows into the delta store with a threshold of 500: the column
-- store's merge worker merges them (waited for below).
SET epiphany.columnar_merge_delta_rows = 500;
INSERT INTO st_col SELECT g, repeat('y', 20) FROM generate_series(20001, 21000) g;
RESET epiphany.columnar_merge_delta_rows;
DO $$
BEGIN
    FOR i IN 1..600 LOOP
        EXIT WHEN (SELECT merges FROM epiphany.columnar_merge_stats()
                    WHERE relid = 'st_col'::regclass AND state = 'idle') >= 1;
        PERFORM pg_sleep(0.1);
    END LOOP;
END
$$;
INSERT INTO st_vec SELECT g, ARRAY[g, g, g]::vector FROM generate_series(1, 100) g;
CREATE INDEX ON st_vec USING hnsw (e vector_l2_ops);
VACUUM ANALYZE st_heap, st_col, st_vec;
CREATE TABLE st_time (time timestamptz NOT NULL, v int);
SELECT created FROM create_hypertable('st_time', 'time', chunk_time_interval => interval '1 day');
INSERT INTO st_time SELECT timestamptz '2024-01-01' + g * interval '1 hour', g
  FROM generate_series(1, 72) g;
ANALYZE st_time;
-- Partitions count as tables of the engine that stores them.
CREATE TABLE st_part (id int, v text) PARTITION BY RANGE (id);
CREATE TABLE st_part_1 PARTITION OF st_part FOR VALUES FROM (1) TO (11);
CREATE TABLE st_part_2 PARTITION OF st_part FOR VALUES FROM (11) TO (21);
INSERT INTO st_part SELECT g, 'p' FROM generate_series(1, 20) g;
ANALYZE st_part;
CREATE PROCEDURE st_job(job_id int, config jsonb) LANGUAGE sql AS $$ SELECT 1 $$;
SELECT add_job('st_job', '1 hour', initial_start => now() + interval '1 day') > 0 AS job_added;

-- The hypertable is one table of the time engine, its four chunks add
-- their rows and bytes.
SELECT count(*) AS chunks FROM show_chunks('st_time');
SELECT engine, tables, rows, table_bytes > 0 AS has_bytes, index_bytes > 0 AS has_indexes,
       compression_ratio > 2 AS compressed, jobs, failing_jobs, merges, failing_merges
  FROM epiphany.stats ORDER BY engine;

-- The view and its functions depend on no object of the engines'
-- extensions: any engine may be missing from the database.
SELECT count(*) AS engine_dependencies
  FROM pg_depend d
 WHERE ((d.classid = 'pg_rewrite'::regclass
         AND d.objid IN (SELECT oid FROM pg_rewrite WHERE ev_class = 'epiphany.stats'::regclass))
        OR (d.classid = 'pg_proc'::regclass
            AND d.objid IN ('epiphany.engine_installed(text)'::regprocedure,
                            'epiphany.time_engine_tables()'::regprocedure,
                            'epiphany.time_engine_jobs()'::regprocedure,
                            'epiphany.column_engine_merges()'::regprocedure)))
   AND EXISTS (SELECT 1 FROM pg_depend e
                JOIN pg_extension x ON x.oid = e.refobjid
               WHERE e.classid = d.refclassid AND e.objid = d.refobjid
                 AND e.refclassid = 'pg_extension'::regclass AND e.deptype = 'e'
                 AND x.extname IN (SELECT extension FROM epiphany.engine_registry
                                    WHERE engine <> 'row'));
SELECT engine, epiphany.engine_installed(engine) FROM epiphany.engine_registry ORDER BY engine;
SELECT epiphany.engine_installed('no such engine');

-- Without the time, vector and column engines' extensions (simulated by
-- pointing their registry rows at extensions that do not exist, then
-- rolling back) the view still answers: the time store's catalog is not
-- read, so the hypertable and its chunks are heap tables, and there are no
-- jobs and no merges.
BEGIN;
UPDATE epiphany.engine_registry SET extension = 'missing_' || engine
 WHERE engine IN ('time', 'vector', 'column');
SELECT engine, tables, rows, jobs, failing_jobs, merges FROM epiphany.stats ORDER BY engine;
ROLLBACK;

-- Anyone may read it, and a role that may not read the tables sees the
-- same figures, the compression ratio included, whatever its search_path.
CREATE ROLE st_reader;
SET ROLE st_reader;
SET search_path = pg_catalog;
SELECT engine, tables, rows, table_bytes > 0 AS has_bytes, index_bytes > 0 AS has_indexes,
       compression_ratio > 2 AS compressed, jobs, failing_jobs, merges, failing_merges
  FROM epiphany.stats ORDER BY engine;
RESET search_path;
RESET ROLE;
DROP ROLE st_reader;
SELECT delete_job(job_id) FROM timescaledb_information.jobs WHERE proc_name = 'st_job';
DROP PROCEDURE st_job(int, jsonb);
DROP TABLE st_heap, st_col, st_vec, st_time, st_part;
