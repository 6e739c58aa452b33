-- The ivfflat index on vector: every answer of the index is compared with
-- the exact answer of a sequential scan on the same data (bloom's
-- pattern), EXPLAIN proves the index ran, and the check is repeated after
-- DELETE + VACUUM + INSERT, REINDEX and VACUUM FULL.  The 2,000 points lie
-- on a smooth curve (sin and cos of the row number), so no two distances
-- tie and the exact top-10 is unique; with ivfflat.probes equal to the
-- index's lists the scan reads every list and must find the exact top-10.

CREATE TABLE iv (id int PRIMARY KEY, v vector(3));
INSERT INTO iv SELECT i, ARRAY[sin(i * 0.7), cos(i * 1.3), sin(i * 0.11)]::real[]
  FROM generate_series(1, 2000) i;
CREATE TABLE iq (qid int PRIMARY KEY, q vector(3));
INSERT INTO iq VALUES (1, '[0.1,0.2,-0.1]'), (2, '[0.5,-0.5,0.25]'), (3, '[1,1,1]'),
  (4, '[-0.9,0.1,-0.3]'), (5, '[0.2,0.8,-0.6]');

-- Exact answers of "ORDER BY expr op q" on table tbl for each query of iq,
-- by sequential scan.
CREATE FUNCTION ivf_exact(tbl text, op text)
RETURNS TABLE (qid int, ids int[])
LANGUAGE plpgsql SET enable_indexscan = off SET enable_bitmapscan = off AS $$
BEGIN
  RETURN QUERY EXECUTE format(
    'SELECT qid, ARRAY(SELECT id FROM %s ORDER BY v %s q, id LIMIT 10) FROM iq ORDER BY qid',
    tbl, op);
END $$;

-- The same through the index: the number of queries whose top-10 is
-- exactly the exact one (5 of 5 expected).
CREATE FUNCTION ivf_matches(tbl text, op text) RETURNS bigint
LANGUAGE plpgsql SET enable_seqscan = off AS $$
DECLARE
  n bigint;
BEGIN
  EXECUTE format(
    'SELECT count(*) FROM ivf_exact(%L, %L) e JOIN iq USING (qid)
      WHERE e.ids = ARRAY(SELECT id FROM %s ORDER BY v %s q LIMIT 10)',
    tbl, op, tbl, op) INTO n;
  RETURN n;
END $$;

SHOW ivfflat.probes;
SET ivfflat.probes = 20;

-- vector_l2_ops (the default class)
CREATE INDEX iv_l2 ON iv USING ivfflat (v) WITH (lists = 20);
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM iv ORDER BY v <-> '[0.5,-0.5,0.25]' LIMIT 10;
SELECT id, round((v <-> '[0.5,-0.5,0.25]')::numeric, 4) AS dist
  FROM iv ORDER BY v <-> '[0.5,-0.5,0.25]' LIMIT 10;
RESET enable_seqscan;
SELECT ids FROM ivf_exact('iv', '<->') WHERE qid = 2;
SELECT ivf_matches('iv', '<->') AS l2_matches;

-- With one probe the scan reads one list: fewer rows than the table, but
-- each of them in distance order.
SET ivfflat.probes = 1;
SET enable_seqscan = off;
SELECT count(*) > 0 AND count(*) < 2000 AS one_list
  FROM (SELECT id FROM iv ORDER BY v <-> '[1,1,1]' LIMIT 2000) s;
SELECT bool_and(d >= prev) AS ordered
  FROM (SELECT d, lag(d, 1, 0::float8) OVER () AS prev
          FROM (SELECT v <-> '[1,1,1]' AS d FROM iv ORDER BY v <-> '[1,1,1]' LIMIT 2000) s) t;

-- Iterative scans: with one probe, a filter that keeps a tenth of the rows
-- comes short of its LIMIT; relaxed_order reads the next lists, one probe
-- at a time, until it is filled, and ivfflat.max_probes bounds how many
-- lists it reads (never fewer than ivfflat.probes).
SHOW ivfflat.iterative_scan;
SHOW ivfflat.max_probes;
CREATE FUNCTION ivf_rows(lim int, filtered boolean) RETURNS bigint LANGUAGE sql AS $$
  SELECT count(*) FROM (SELECT id FROM iv WHERE NOT filtered OR id % 10 = 0
                         ORDER BY v <-> '[1,1,1]' LIMIT lim) s $$;
SELECT ivf_rows(30, true) < 30 AS off_short;
SELECT ivf_rows(5000, false) AS off_one_list \gset
SET ivfflat.iterative_scan = relaxed_order;
SELECT ivf_rows(30, true) AS relaxed_filled, ivf_rows(5000, false) AS relaxed_all;
SET ivfflat.max_probes = 2;
SELECT ivf_rows(5000, false) > :off_one_list AND ivf_rows(5000, false) < 2000 AS two_lists;
SET ivfflat.probes = 3;
SELECT ivf_rows(5000, false) AS three_lists_iterative \gset
SET ivfflat.iterative_scan = off;
SELECT ivf_rows(5000, false) = :three_lists_iterative AS max_below_probes;
RESET ivfflat.max_probes;
DROP FUNCTION ivf_rows;
\set VERBOSITY terse
SET ivfflat.iterative_scan = strict_order;
SET ivfflat.max_probes = 0;
\set VERBOSITY default
RESET enable_seqscan;
SET ivfflat.probes = 20;

-- The index follows DELETE, VACUUM and INSERT.
DELETE FROM iv WHERE id % 3 = 0;
VACUUM iv;
INSERT INTO iv SELECT i, ARRAY[sin(i * 0.7), cos(i * 1.3), sin(i * 0.11)]::real[]
  FROM generate_series(2001, 2600) i;
SELECT ivf_matches('iv', '<->') AS l2_matches_after_vacuum;
SET enable_seqscan = off;
-- no deleted row comes back, every live row does
SELECT count(*) AS rows, count(*) FILTER (WHERE id % 3 = 0 AND id <= 2000) AS deleted_rows
  FROM (SELECT id FROM iv ORDER BY v <-> '[0,0,0]' LIMIT 5000) s;
RESET enable_seqscan;

-- ... and REINDEX, REINDEX CONCURRENTLY, and VACUUM FULL.
REINDEX INDEX iv_l2;
SELECT ivf_matches('iv', '<->') AS l2_matches_after_reindex;
CREATE TEMP TABLE iv_oid AS SELECT 'iv_l2'::regclass::oid AS before;
REINDEX INDEX CONCURRENTLY iv_l2;
SELECT before <> 'iv_l2'::regclass::oid AS rebuilt, (SELECT indisvalid FROM pg_index
         WHERE indexrelid = 'iv_l2'::regclass) AS valid FROM iv_oid;
DROP TABLE iv_oid;
SELECT ivf_matches('iv', '<->') AS l2_matches_after_reindex_concurrently;
VACUUM FULL iv;
SELECT ivf_matches('iv', '<->') AS l2_matches_after_vacuum_full;
DROP INDEX iv_l2;

-- The other operator classes.
CREATE INDEX iv_ip ON iv USING ivfflat (v vector_ip_ops) WITH (lists = 20);
SELECT ivf_matches('iv', '<#>') AS ip_matches;
DROP INDEX iv_ip;
CREATE INDEX iv_cos ON iv USING ivfflat (v vector_cosine_ops) WITH (lists = 20);
SELECT ivf_matches('iv', '<=>') AS cosine_matches;
DROP INDEX iv_cos;

-- CREATE INDEX CONCURRENTLY.
CREATE INDEX CONCURRENTLY iv_cic ON iv USING ivfflat (v vector_l2_ops) WITH (lists = 20);
SELECT indisvalid FROM pg_index WHERE indexrelid = 'iv_cic'::regclass;
SELECT ivf_matches('iv', '<->') AS concurrent_build_matches;
DROP INDEX iv_cic;

-- A partial index serves the queries whose filter implies its predicate,
-- and holds only the rows that pass it, inserted ones included.
CREATE INDEX iv_part ON iv USING ivfflat (v vector_l2_ops) WITH (lists = 20) WHERE id % 2 = 0;
INSERT INTO iv SELECT i, ARRAY[sin(i * 0.7), cos(i * 1.3), sin(i * 0.11)]::real[]
  FROM generate_series(2601, 2700) i;
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM iv WHERE id % 2 = 0 ORDER BY v <-> '[0.5,-0.5,0.25]' LIMIT 10;
SELECT count(*) AS part_matches FROM iq
 WHERE ARRAY(SELECT id FROM iv WHERE id % 2 = 0 ORDER BY v <-> q LIMIT 10)
       = (SELECT ids FROM ivf_exact('(SELECT * FROM iv WHERE id % 2 = 0) p', '<->') e
           WHERE e.qid = iq.qid);
SELECT count(*) AS part_rows, count(*) FILTER (WHERE id % 2 = 1) AS odd_rows,
       (SELECT count(*) FROM iv WHERE id % 2 = 0) AS even_rows_in_table
  FROM (SELECT id FROM iv WHERE id % 2 = 0 ORDER BY v <-> '[0,0,0]' LIMIT 5000) s;
RESET enable_seqscan;
DROP INDEX iv_part;

-- The default of lists is pgvector's, 100: a build is deterministic (fixed
-- seed), so an index built without options has the bytes of one built
-- with lists = 100 (page LSN and checksum aside), and not those of 99.
CREATE EXTENSION pageinspect;
CREATE FUNCTION ivf_pages(idx regclass) RETURNS text LANGUAGE sql AS $$
  SELECT md5(string_agg(substr(get_raw_page(idx::text, b), 11), '' ORDER BY b))
    FROM generate_series(0, pg_relation_size(idx) / current_setting('block_size')::int - 1) b $$;
CREATE INDEX iv_default ON iv USING ivfflat (v vector_l2_ops);
CREATE INDEX iv_100 ON iv USING ivfflat (v vector_l2_ops) WITH (lists = 100);
CREATE INDEX iv_99 ON iv USING ivfflat (v vector_l2_ops) WITH (lists = 99);
SELECT ivf_pages('iv_default') = ivf_pages('iv_100') AS default_is_100,
       ivf_pages('iv_default') <> ivf_pages('iv_99') AS lists_differ;
DROP INDEX iv_default, iv_100, iv_99;
DROP FUNCTION ivf_pages(regclass);
DROP EXTENSION pageinspect;

-- epiphany.vector_index_build_memory bounds the k-means sample (50 rows a
-- list, 4 bytes a dimension): here 1MB holds 1,024 of the 1,200 rows that
-- 30 lists would sample, so the sample is smaller, with a NOTICE, and the
-- index is still exact when every list is probed.
CREATE TABLE iw (id int PRIMARY KEY, v vector(256));
INSERT INTO iw SELECT i, ARRAY(SELECT sin(i * (0.1 + j * 0.037) + j) FROM generate_series(1, 256) j)::real[]
  FROM generate_series(1, 1200) i;
SET epiphany.vector_index_build_memory = '1MB';
CREATE INDEX iw_ivf ON iw USING ivfflat (v vector_l2_ops) WITH (lists = 30);
RESET epiphany.vector_index_build_memory;
SET ivfflat.probes = 30;
SET enable_seqscan = off;
SELECT ARRAY(SELECT id FROM iw ORDER BY v <-> (SELECT v FROM iw WHERE id = 600) LIMIT 10)
     = ARRAY(SELECT id FROM iw ORDER BY l2_distance(v, (SELECT v FROM iw WHERE id = 600)), id LIMIT 10)
       AS exact_with_every_list;
RESET enable_seqscan;
SET ivfflat.probes = 20;
DROP INDEX iw_ivf;
-- within the limit, no NOTICE
CREATE INDEX iw_ivf ON iw USING ivfflat (v vector_l2_ops) WITH (lists = 2);
DROP TABLE iw;

-- More lists than rows: the extra lists stay empty and the answers exact.
CREATE TABLE ism (id int PRIMARY KEY, v vector(3));
INSERT INTO ism SELECT id, v FROM iv WHERE id <= 30;
CREATE INDEX ism_l2 ON ism USING ivfflat (v vector_l2_ops) WITH (lists = 50);
SET ivfflat.probes = 50;
SELECT ivf_matches('ism', '<->') AS small_matches;
-- an empty index takes inserts into its empty lists
TRUNCATE ism;
INSERT INTO ism SELECT id, v FROM iv WHERE id <= 30;
SELECT ivf_matches('ism', '<->') AS matches_after_truncate;
DROP TABLE ism;
SET ivfflat.probes = 20;

-- An unlogged table: the init fork holds the metapage and the lists.
CREATE UNLOGGED TABLE iu (id int PRIMARY KEY, v vector(3));
INSERT INTO iu SELECT id, v FROM iv;
CREATE INDEX iu_l2 ON iu USING ivfflat (v vector_l2_ops) WITH (lists = 20);
SELECT ivf_matches('iu', '<->') AS unlogged_matches;
DROP TABLE iu;

-- NULLs are not indexed; with cosine, zero vectors are not either (their
-- distance is undefined).
CREATE TABLE inl (id int, v vector(3));
INSERT INTO inl SELECT i, CASE WHEN i % 10 = 0 THEN NULL
                               ELSE ARRAY[i, i % 7, -i % 5]::real[] END
  FROM generate_series(1, 100) i;
INSERT INTO inl VALUES (101, '[0,0,0]');
CREATE INDEX inl_cos ON inl USING ivfflat (v vector_cosine_ops) WITH (lists = 4);
INSERT INTO inl VALUES (102, NULL), (103, '[0,0,0]'), (104, '[1,2,3]');
SET ivfflat.probes = 4;
SET enable_seqscan = off;
SELECT count(*), count(*) FILTER (WHERE v IS NULL) AS nulls,
       count(*) FILTER (WHERE v = '[0,0,0]') AS zeros
  FROM (SELECT v FROM inl ORDER BY v <=> '[1,1,1]' LIMIT 200) s;
-- A NULL argument (here the parameter of a generic plan) returns every
-- indexed row.
SET plan_cache_mode = force_generic_plan;
PREPARE inl_null(vector) AS
  SELECT count(*) FROM (SELECT id FROM inl ORDER BY v <=> $1 LIMIT 1000) s;
EXPLAIN (COSTS OFF) EXECUTE inl_null(NULL);
EXECUTE inl_null(NULL);
DEALLOCATE inl_null;
RESET plan_cache_mode;
RESET enable_seqscan;
DROP TABLE inl;

-- The planner: a tiny table is scanned and sorted.
CREATE TABLE iti (id int, v vector(3));
INSERT INTO iti SELECT i, ARRAY[i, 0, 0]::real[] FROM generate_series(1, 10) i;
CREATE INDEX ON iti USING ivfflat (v vector_l2_ops) WITH (lists = 2);
ANALYZE iti;
EXPLAIN (COSTS OFF) SELECT id FROM iti ORDER BY v <-> '[0,0,0]' LIMIT 3;
-- Without ORDER BY the index is useless.
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM iti WHERE v = '[1,0,0]';
RESET enable_seqscan;
DROP TABLE iti;

-- Dimensions, options and the setting, out of range.
\set VERBOSITY terse
CREATE TABLE idm (v vector);
CREATE INDEX ON idm USING ivfflat (v vector_l2_ops);
DROP TABLE idm;
CREATE INDEX ON iv USING ivfflat (v vector_l2_ops) WITH (lists = 0);
CREATE INDEX ON iv USING ivfflat (v vector_l2_ops) WITH (lists = 32769);
CREATE INDEX ON iv USING ivfflat (v vector_l2_ops) WITH (nlist = 10);
CREATE INDEX ON iv USING ivfflat (v vector_l2_ops) WITH (lists = -1);
CREATE INDEX ON iv USING ivfflat (v vector_l2_ops) WITH (lists = 'many');
CREATE INDEX ON iv USING ivfflat (v vector_l2_ops) WITH (lists = 1e10);
CREATE INDEX ON iv USING ivfflat (v vector_l2_ops) WITH (lists = 10, lists = 20);
CREATE INDEX ON iv USING ivfflat (v vector_l2_ops) WITH (m = 16);
SET ivfflat.probes = 0;
SET ivfflat.probes = 32769;
\set VERBOSITY default

-- The operator classes are valid.
SELECT opcname, amvalidate(c.oid)
  FROM pg_opclass c JOIN pg_am a ON a.oid = c.opcmethod
 WHERE a.amname = 'ivfflat'
 ORDER BY opcname;

RESET ivfflat.probes;
DROP TABLE iv, iq;
DROP FUNCTION ivf_exact, ivf_matches;
