-- A bulk load hands each chunk to a background worker as soon as its rows
-- are collected, and writes what the worker encoded; with
-- epiphany.enable_parallel_workers off the loading backend encodes every
-- chunk itself.  Both ways give the same chunks (metadata, min/max, bloom
-- filters) and the same rows, for every kind of column: bit-packed,
-- decimal, dictionary, plain and TOAST-sized text, delta-encoded
-- timestamps, Gorilla floats, booleans, jsonb, all-NULL chunks, a dropped
-- column, and a short last chunk (which the backend encodes while the
-- worker finishes the others).
CREATE TABLE worker_src AS
SELECT g AS id,
       (g * 7919) % 100003 AS scattered,
       CASE WHEN g % 3000 < 1000 THEN NULL ELSE g END AS null_runs,
       (g % 11)::numeric / 100 AS cents,
       'mode-' || (g % 4) AS mode,
       md5(g::text) AS digest,
       CASE WHEN g % 9999 = 0 THEN repeat(md5(g::text), 4000) END AS big,
       timestamptz '2024-01-01 00:00+00' + g * interval '1 minute' AS at,
       g % 2 = 0 AS flag,
       jsonb_build_object('g', g) AS doc,
       (g / 3.0)::float8 AS ratio
  FROM generate_series(1, 24500) g;
ANALYZE worker_src;
CREATE TABLE worker_on (LIKE worker_src) USING columnar;
ALTER TABLE worker_on ADD COLUMN gone int;
ALTER TABLE worker_on DROP COLUMN gone;
CREATE TABLE worker_off (LIKE worker_on) USING columnar;
SELECT epiphany.columnar_set_options(t, row_group_rows => 5000, chunk_rows => 1000,
                                     bloom => 'digest, id')
  FROM unnest(ARRAY['worker_on', 'worker_off']::regclass[]) t;

SET client_min_messages = debug1;
INSERT INTO worker_on SELECT * FROM worker_src;
SET epiphany.enable_parallel_workers = off;
INSERT INTO worker_off SELECT * FROM worker_src;
RESET epiphany.enable_parallel_workers;
RESET client_min_messages;

CREATE VIEW worker_chunks AS
SELECT c.storage_id, c.first_row - min(c.first_row) OVER (PARTITION BY c.storage_id) AS row_in_table,
       c.attnum, c.chunk, c.row_count, c.null_count, c.encoding, c.compression, c.raw_size,
       c.plain_size, c.stored_size, c.min_value, c.max_value, c.bloom
  FROM _epiphany_columnar.chunk c;
SELECT count(*) AS chunks, count(DISTINCT encoding) AS encodings,
       count(*) FILTER (WHERE stored_size = 0) AS all_null,
       count(*) FILTER (WHERE bloom IS NOT NULL) AS with_bloom
  FROM worker_chunks WHERE storage_id = pg_relation_filenode('worker_on');
SELECT count(*) AS differing_chunks
  FROM ((SELECT row_in_table, attnum, chunk, row_count, null_count, encoding, compression,
                raw_size, plain_size, stored_size, min_value, max_value, bloom
           FROM worker_chunks WHERE storage_id = pg_relation_filenode('worker_on')
         EXCEPT
         SELECT row_in_table, attnum, chunk, row_count, null_count, encoding, compression,
                raw_size, plain_size, stored_size, min_value, max_value, bloom
           FROM worker_chunks WHERE storage_id = pg_relation_filenode('worker_off'))
        UNION ALL
        (SELECT row_in_table, attnum, chunk, row_count, null_count, encoding, compression,
                raw_size, plain_size, stored_size, min_value, max_value, bloom
           FROM worker_chunks WHERE storage_id = pg_relation_filenode('worker_off')
         EXCEPT
         SELECT row_in_table, attnum, chunk, row_count, null_count, encoding, compression,
                raw_size, plain_size, stored_size, min_value, max_value, bloom
           FROM worker_chunks WHERE storage_id = pg_relation_filenode('worker_on'))) x;
SELECT t::text, s.row_groups, s.rows, s.delta_rows,
       (SELECT count(*) FROM ((SELECT * FROM worker_src
                               EXCEPT ALL SELECT * FROM worker_on)
                              UNION ALL
                              (SELECT * FROM worker_on
                               EXCEPT ALL SELECT * FROM worker_src)) x) AS differences_on,
       (SELECT count(*) FROM ((SELECT * FROM worker_src
                               EXCEPT ALL SELECT * FROM worker_off)
                              UNION ALL
                              (SELECT * FROM worker_off
                               EXCEPT ALL SELECT * FROM worker_src)) x) AS differences_off
  FROM unnest(ARRAY['worker_on', 'worker_off']::regclass[]) t,
       epiphany.columnar_stats(t) s;
-- The zone maps and bloom filters the worker wrote skip chunks as the
-- backend's do.
SELECT count(*), min(id) FROM worker_on WHERE id BETWEEN 12001 AND 12010;
SELECT count(*) FROM worker_on WHERE digest = md5('777');

-- A column of a type the loading transaction could have created (an
-- enum, a domain: objects the worker might not see) keeps the encoding in
-- the backend.
CREATE TYPE worker_mood AS ENUM ('calm', 'busy');
CREATE TABLE worker_enum (id int, mood worker_mood) USING columnar;
SET client_min_messages = debug1;
INSERT INTO worker_enum
SELECT g, (ARRAY['calm', 'busy'])[g % 2 + 1]::worker_mood FROM generate_series(1, 12000) g;
RESET client_min_messages;
SELECT mood, count(*) FROM worker_enum GROUP BY mood ORDER BY mood;

-- A COPY that routes rows to several columnar partitions runs one worker:
-- the first partition to fill a chunk gets it, the others encode in the
-- backend (which parses for all of them anyway).
CREATE TABLE worker_parts (id int, v text) PARTITION BY LIST ((id % 2));
CREATE TABLE worker_p0 PARTITION OF worker_parts FOR VALUES IN (0) USING columnar;
CREATE TABLE worker_p1 PARTITION OF worker_parts FOR VALUES IN (1) USING columnar;
DO $$
BEGIN
  EXECUTE format('COPY (SELECT g, ''v'' || g FROM generate_series(1, 40000) g) TO %L',
                 current_setting('data_directory') || '/worker_parts.data');
END $$;
SET client_min_messages = debug1;
COPY worker_parts FROM 'worker_parts.data';
RESET client_min_messages;
SELECT t::text, s.row_groups, s.rows, s.delta_rows
  FROM unnest(ARRAY['worker_p0', 'worker_p1']::regclass[]) t, epiphany.columnar_stats(t) s;
SELECT count(*), count(DISTINCT id), sum(id) FROM worker_parts;

DROP TABLE worker_parts;
DROP VIEW worker_chunks;
DROP TABLE worker_src, worker_on, worker_off, worker_enum;
DROP TYPE worker_mood;
