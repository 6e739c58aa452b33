-- Edge cases of shape and size: no columns, only dropped columns, added
-- columns with volatile and constant defaults, very wide values, all-NULL
-- rows, row groups of exactly the configured size and one more, merges
-- rolled back (whole transaction, with TRUNCATE, in a savepoint), COPY,
-- CREATE TABLE AS and INSERT ... SELECT from a table into itself.
-- Nothing here asks the merge worker to compact in the background: the
-- file inspects row groups and index entries after its VACUUMs.
SET epiphany.columnar_auto_merge = off;

-- A table with no columns keeps its row count through a merge and deletes.
CREATE TABLE edge_z () USING columnar;
INSERT INTO edge_z DEFAULT VALUES;
INSERT INTO edge_z SELECT FROM generate_series(1, 2499);
SELECT epiphany.columnar_merge('edge_z');
INSERT INTO edge_z DEFAULT VALUES;
SELECT count(*) FROM edge_z;
SELECT row_groups, rows, delta_rows FROM epiphany.columnar_stats('edge_z');
DELETE FROM edge_z WHERE ctid IN (SELECT ctid FROM edge_z LIMIT 10);
SELECT count(*) FROM edge_z;
DROP TABLE edge_z;

-- A table whose columns are all dropped: the rows remain, reading nothing;
-- a column added afterwards reads as its default.
CREATE TABLE edge_dropped (a int, b text) USING columnar;
INSERT INTO edge_dropped SELECT g, 'x' || g FROM generate_series(1, 1500) g;
SELECT epiphany.columnar_merge('edge_dropped');
INSERT INTO edge_dropped SELECT g, 'y' FROM generate_series(1, 20) g;
ALTER TABLE edge_dropped DROP COLUMN a, DROP COLUMN b;
SELECT count(*) FROM edge_dropped;
INSERT INTO edge_dropped DEFAULT VALUES;
SELECT epiphany.columnar_merge('edge_dropped');
SELECT count(*) FROM edge_dropped;
ALTER TABLE edge_dropped ADD COLUMN c int DEFAULT 5;
SELECT c, count(*) FROM edge_dropped GROUP BY c;
VACUUM FULL edge_dropped;
SELECT c, count(*) FROM edge_dropped GROUP BY c;
DROP TABLE edge_dropped;

-- Added columns: a constant default is a missing value that row groups
-- written before read back; a volatile default rewrites the table, giving
-- each row its own value, and keeps the other columns.
CREATE TABLE edge_add (id int PRIMARY KEY, v text) USING columnar;
INSERT INTO edge_add SELECT g, 'v' || g FROM generate_series(1, 3000) g;
SELECT epiphany.columnar_merge('edge_add');
DELETE FROM edge_add WHERE id % 10 = 0;
INSERT INTO edge_add VALUES (3001, 'delta');
ALTER TABLE edge_add ADD COLUMN c int DEFAULT 7;
SELECT c, count(*) FROM edge_add GROUP BY c;
SET enable_seqscan = off;
SELECT * FROM edge_add WHERE id IN (1, 3001) ORDER BY id;
RESET enable_seqscan;
ALTER TABLE edge_add ADD COLUMN r float8 DEFAULT random();
SELECT count(*) AS rows, count(r) AS with_r, count(DISTINCT r) > 2000 AS distinct_r,
       sum(id) = (SELECT sum(g) FROM generate_series(1, 3001) g WHERE g % 10 <> 0) AS same_ids,
       bool_and(v = CASE id WHEN 3001 THEN 'delta' ELSE 'v' || id END) AS same_values
  FROM edge_add;
-- (the rewrite wrote row groups: nothing to merge)
SELECT epiphany.columnar_merge('edge_add');
SELECT row_groups, rows, delta_rows, deleted_rows FROM epiphany.columnar_stats('edge_add');
SET enable_seqscan = off;
SELECT id, v, c, r IS NOT NULL AS has_r FROM edge_add WHERE id IN (1, 10, 11, 3001) ORDER BY id;
RESET enable_seqscan;
DROP TABLE edge_add;

-- A volatile default after a dropped column: the rewrite reads the old
-- rows (with the dropped column) and writes the new ones.
CREATE TABLE edge_add2 (id int PRIMARY KEY, a int, b text) USING columnar;
INSERT INTO edge_add2 SELECT g, g % 10, 'b' || g FROM generate_series(1, 1500) g;
SELECT epiphany.columnar_merge('edge_add2');
ALTER TABLE edge_add2 DROP COLUMN a;
ALTER TABLE edge_add2 ADD COLUMN c float8 DEFAULT random();
SELECT count(*), count(c), count(DISTINCT b), sum(id) FROM edge_add2;
DROP TABLE edge_add2;

-- Values of 1 MB that do not compress, TOASTed in the delta store, then
-- moved into row groups, updated and read back by index.
CREATE TABLE edge_wide (id int PRIMARY KEY, big text, small int) USING columnar;
INSERT INTO edge_wide
SELECT i, (SELECT string_agg(md5((i * 100000 + j)::text), '') FROM generate_series(1, 32768) j), i
  FROM generate_series(1, 4) i;
CREATE TEMP TABLE edge_wide_sums AS SELECT id, length(big) AS len, md5(big) AS sum FROM edge_wide;
SELECT id, len FROM edge_wide_sums ORDER BY id;
SELECT epiphany.columnar_merge('edge_wide');
SELECT count(*) AS same FROM edge_wide w JOIN edge_wide_sums s ON s.id = w.id AND s.sum = md5(w.big);
UPDATE edge_wide SET small = -small WHERE id = 2;
SET enable_seqscan = off;
SELECT id, small, md5(big) = (SELECT sum FROM edge_wide_sums WHERE id = 2) AS same FROM edge_wide WHERE id = 2;
RESET enable_seqscan;
SELECT epiphany.columnar_merge('edge_wide');
SELECT count(*) AS same FROM edge_wide w JOIN edge_wide_sums s ON s.id = w.id AND s.sum = md5(w.big);
DROP TABLE edge_wide;

-- 1,600 rows of NULLs only: chunks with nothing stored.
CREATE TABLE edge_nulls (a int, b text, c numeric, d float8) USING columnar;
INSERT INTO edge_nulls SELECT NULL, NULL, NULL, NULL FROM generate_series(1, 1600);
SELECT epiphany.columnar_merge('edge_nulls');
SELECT count(*), count(a), count(b), count(c), count(d) FROM edge_nulls;
SELECT count(*) FROM edge_nulls WHERE a IS NULL AND b IS NULL AND c IS NULL AND d IS NULL;
DROP TABLE edge_nulls;

-- Row groups of exactly row_group_rows make one row group; one row more
-- makes two, the second holding that row.
CREATE TABLE edge_rg1 (id int, v text) USING columnar;
CREATE TABLE edge_rg2 (id int, v text) USING columnar;
SELECT epiphany.columnar_set_options('edge_rg1', row_group_rows => 1000, chunk_rows => 100);
SELECT epiphany.columnar_set_options('edge_rg2', row_group_rows => 1000, chunk_rows => 100);
INSERT INTO edge_rg1 SELECT g, 'v' || g FROM generate_series(1, 1000) g;
INSERT INTO edge_rg2 SELECT g, 'v' || g FROM generate_series(1, 1001) g;
SELECT epiphany.columnar_merge('edge_rg1'), epiphany.columnar_merge('edge_rg2');
SELECT c.relname, rg.first_row - min(rg.first_row) OVER (PARTITION BY c.relname) AS first_row,
       rg.row_count, rg.chunk_rows, rg.chunk_count
  FROM _epiphany_columnar.row_group rg
  JOIN pg_class c ON c.relfilenode = rg.storage_id AND c.relname IN ('edge_rg1', 'edge_rg2')
 ORDER BY 1, 2;
SELECT count(*), count(DISTINCT id), sum(id), max(v) FROM edge_rg1;
SELECT count(*), count(DISTINCT id), sum(id), (SELECT v FROM edge_rg2 WHERE id = 1001) FROM edge_rg2;
DROP TABLE edge_rg1, edge_rg2;

-- A merge rolled back leaves each row in the delta store, once.
CREATE TABLE edge_rb (id int PRIMARY KEY, v text) USING columnar;
INSERT INTO edge_rb SELECT g, 'v' || g FROM generate_series(1, 1200) g;
BEGIN;
SELECT epiphany.columnar_merge('edge_rb');
SELECT row_groups, rows, delta_rows FROM epiphany.columnar_stats('edge_rb');
ROLLBACK;
SELECT row_groups, rows, delta_rows FROM epiphany.columnar_stats('edge_rb');
SELECT count(*), count(DISTINCT id) FROM edge_rb;
SET enable_seqscan = off;
SELECT count(*) FROM edge_rb WHERE id > 0;
SELECT * FROM edge_rb WHERE id = 600;
RESET enable_seqscan;

-- A merge then TRUNCATE, rolled back: the rows are back in the delta store.
BEGIN;
SELECT epiphany.columnar_merge('edge_rb');
TRUNCATE edge_rb;
SELECT count(*) FROM edge_rb;
ROLLBACK;
SELECT row_groups, rows, delta_rows FROM epiphany.columnar_stats('edge_rb');
SELECT count(*), count(DISTINCT id) FROM edge_rb;

-- A merge in a savepoint rolled back, then a merge that commits.
BEGIN;
UPDATE edge_rb SET v = 'updated' WHERE id <= 10;
SAVEPOINT s;
SELECT epiphany.columnar_merge('edge_rb');
ROLLBACK TO s;
SELECT count(*), count(DISTINCT id), count(*) FILTER (WHERE v = 'updated') FROM edge_rb;
SELECT epiphany.columnar_merge('edge_rb');
COMMIT;
SELECT row_groups, rows, delta_rows FROM epiphany.columnar_stats('edge_rb');
SELECT count(*), count(DISTINCT id), count(*) FILTER (WHERE v = 'updated') FROM edge_rb;
SET enable_seqscan = off;
SELECT * FROM edge_rb WHERE id IN (5, 600) ORDER BY id;
RESET enable_seqscan;
DROP TABLE edge_rb;

-- A cursor opened before a merge of its own transaction still returns
-- every row; WHERE CURRENT OF updates and deletes row-group rows.
CREATE TABLE edge_cur (id int PRIMARY KEY, v int) USING columnar;
INSERT INTO edge_cur SELECT g, g FROM generate_series(1, 100) g;
DO $$
DECLARE
  c CURSOR FOR SELECT id FROM edge_cur;
  n int := 0;
  total bigint := 0;
  r record;
BEGIN
  OPEN c;
  FOR i IN 1 .. 3 LOOP
    FETCH c INTO r;
    n := n + 1;
    total := total + r.id;
  END LOOP;
  PERFORM epiphany.columnar_merge('edge_cur');
  LOOP
    FETCH c INTO r;
    EXIT WHEN NOT FOUND;
    n := n + 1;
    total := total + r.id;
  END LOOP;
  RAISE NOTICE 'cursor rows %, sum of ids %', n, total;
END $$;
BEGIN;
DECLARE c2 CURSOR FOR SELECT * FROM edge_cur WHERE id BETWEEN 1 AND 5 ORDER BY id FOR UPDATE;
FETCH 1 FROM c2;
UPDATE edge_cur SET v = -1 WHERE CURRENT OF c2;
FETCH 1 FROM c2;
DELETE FROM edge_cur WHERE CURRENT OF c2;
COMMIT;
SELECT * FROM edge_cur WHERE id <= 3 ORDER BY id;
SELECT rows, delta_rows, deleted_rows FROM epiphany.columnar_stats('edge_cur');
DROP TABLE edge_cur;

-- COPY FROM STDIN into the delta store, then merged.
CREATE TABLE edge_copy (id int PRIMARY KEY, v text, n numeric) USING columnar;
COPY edge_copy FROM STDIN;
1	one	1.5
2	\N	\N
3	three, with a tab	-3
\.
SELECT epiphany.columnar_merge('edge_copy');
COPY edge_copy FROM STDIN (FORMAT csv);
4,four,4
5,"five, quoted",
\.
SELECT * FROM edge_copy ORDER BY id;
DROP TABLE edge_copy;

-- CREATE TABLE AS from a columnar table, and INSERT ... SELECT from a table
-- into itself: it reads only the rows from before the statement.
CREATE TABLE edge_self (id int, v text) USING columnar;
INSERT INTO edge_self SELECT g, 'v' || g FROM generate_series(1, 2000) g;
SELECT epiphany.columnar_merge('edge_self');
DELETE FROM edge_self WHERE id % 4 = 0;
INSERT INTO edge_self VALUES (2001, 'delta');
CREATE TABLE edge_ctas USING columnar AS SELECT * FROM edge_self;
SELECT count(*), sum(id) FROM edge_ctas;
SELECT amname FROM pg_class c JOIN pg_am a ON a.oid = c.relam WHERE c.relname = 'edge_ctas';
INSERT INTO edge_self SELECT id + 10000, v FROM edge_self;
SELECT count(*), sum(id) FROM edge_self;
SELECT epiphany.columnar_merge('edge_self');
INSERT INTO edge_self SELECT id + 100000, v FROM edge_self WHERE id < 10000;
SELECT count(*), count(DISTINCT id), sum(id) FROM edge_self;
SELECT count(*) AS differences FROM
  ((SELECT id, v FROM edge_self WHERE id < 10000 EXCEPT ALL SELECT id, v FROM edge_ctas)
   UNION ALL (SELECT id, v FROM edge_ctas EXCEPT ALL SELECT id, v FROM edge_self WHERE id < 10000)) d;
DROP TABLE edge_self, edge_ctas;
