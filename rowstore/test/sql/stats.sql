-- epiphany.stats: one row per engine, from the catalogs.
CREATE TABLE st_heap (id int PRIMARY KEY, v text);
CREATE TABLE st_col (id int, v text) USING columnar;
CREATE TABLE st_vec (id int PRIMARY KEY, e vector(3));
INSERT INTO st_heap SELECT g, repeat('x', 20) FROM generate_series(1, 1000) g;
INSERT INTO st_col SELECT g, repeat('x', 20) FROM generate_series(1, 20000) g;
SELECT epiphany.columnar_merge('st_col');
INSERT INTO st_vec SELECT g, ARRAY[g, g, g]::vector FROM generate_series(1, 100) g;
CREATE INDEX ON st_vec USING hnsw (e vector_l2_ops);
VACUUM ANALYZE st_heap, st_col, st_vec;
CREATE TABLE st_time (time timestamptz NOT NULL, v int);
SELECT created FROM create_hypertable('st_time', 'time', chunk_time_interval => interval '1 day');
INSERT INTO st_time SELECT timestamptz '2024-01-01' + g * interval '1 hour', g
  FROM generate_series(1, 72) g;
ANALYZE st_time;
CREATE PROCEDURE st_job(job_id int, config jsonb) LANGUAGE sql AS $$ SELECT 1 $$;
SELECT add_job('st_job', '1 hour', initial_start => now() + interval '1 day') > 0 AS job_added;

SELECT engine, tables, rows, table_bytes > 0 AS has_bytes, index_bytes > 0 AS has_indexes,
       compression_ratio > 2 AS compressed, jobs, failing_jobs
  FROM epiphany.stats ORDER BY engine;

-- Anyone may read it.
CREATE ROLE st_reader;
SET ROLE st_reader;
SELECT count(*) AS engines FROM epiphany.stats;
RESET ROLE;
DROP ROLE st_reader;
SELECT delete_job(job_id) FROM timescaledb_information.jobs WHERE proc_name = 'st_job';
DROP PROCEDURE st_job(int, jsonb);
DROP TABLE st_heap, st_col, st_vec, st_time;
