-- Table-level operations on columnar tables: TRUNCATE, VACUUM, VACUUM FULL,
-- CLUSTER, column changes, access-method changes, index kinds, and what is
-- refused.
-- Nothing here asks the merge worker to compact in the background: the
-- file inspects row groups and index entries after its VACUUMs.
SET epiphany.columnar_auto_merge = off;
CREATE TABLE ddl_t (id int PRIMARY KEY, v text) USING columnar;
INSERT INTO ddl_t SELECT g, 'v' || g FROM generate_series(1, 20000) g;
SELECT epiphany.columnar_merge('ddl_t');
DELETE FROM ddl_t WHERE id <= 5000;
INSERT INTO ddl_t VALUES (1, 'back in the delta store');

-- VACUUM keeps everything; VACUUM FULL rewrites all live rows into row
-- groups, deleted rows gone.
VACUUM ddl_t;
SELECT count(*), sum(id) FROM ddl_t;
VACUUM FULL ddl_t;
SELECT row_groups, rows, delta_rows, deleted_rows FROM epiphany.columnar_stats('ddl_t');
SELECT count(*), sum(id) FROM ddl_t;
SELECT * FROM ddl_t WHERE id IN (1, 5001) ORDER BY id;

-- CLUSTER writes the rows in index order.
CREATE INDEX ddl_t_v ON ddl_t (v);
CLUSTER ddl_t USING ddl_t_v;
SELECT v FROM ddl_t LIMIT 3;
SELECT count(*), sum(id) FROM ddl_t;

-- Columns added later read as their default in older row groups; dropped
-- columns disappear; a type change rewrites.
ALTER TABLE ddl_t ADD COLUMN n int DEFAULT 42;
ALTER TABLE ddl_t ADD COLUMN z text;
INSERT INTO ddl_t VALUES (30000, 'new', 7, 'zz');
SELECT n, count(*) FROM ddl_t GROUP BY n ORDER BY n;
ALTER TABLE ddl_t DROP COLUMN z;
ALTER TABLE ddl_t ALTER COLUMN n TYPE bigint;
-- (the rewrite wrote row groups: nothing to merge)
SELECT epiphany.columnar_merge('ddl_t');
SELECT * FROM ddl_t WHERE id IN (30000, 6000) ORDER BY id;

-- TRUNCATE empties the table and its row groups.
TRUNCATE ddl_t;
SELECT count(*) FROM ddl_t;
SELECT row_groups, rows, delta_rows FROM epiphany.columnar_stats('ddl_t');
INSERT INTO ddl_t VALUES (1, 'after truncate', 1);
SELECT * FROM ddl_t;

-- Converting from and to heap keeps the rows.
CREATE TABLE conv (id int, v text);
INSERT INTO conv SELECT g, md5(g::text) FROM generate_series(1, 5000) g;
ALTER TABLE conv SET ACCESS METHOD columnar;
-- (the rewrite wrote row groups: nothing to merge)
SELECT epiphany.columnar_merge('conv');
SELECT count(*), count(DISTINCT v) FROM conv;
ALTER TABLE conv SET ACCESS METHOD heap;
SELECT amname FROM pg_class c JOIN pg_am a ON a.oid = c.relam WHERE c.relname = 'conv';
SELECT count(*), count(DISTINCT v) FROM conv;

-- Index kinds: btree (unique and expression), hash, GiST, GIN (read by
-- index scans; GIN, which only builds bitmaps, by ColumnarBitmapScan).
CREATE TABLE idx (id int, tags text[], r int4range, v text) USING columnar;
INSERT INTO idx SELECT g, ARRAY['t' || g % 10], int4range(g, g + 10), 'v' || g
  FROM generate_series(1, 5000) g;
SELECT epiphany.columnar_merge('idx');
CREATE UNIQUE INDEX idx_id ON idx (id);
CREATE INDEX idx_lower ON idx (lower(v));
CREATE INDEX idx_hash ON idx USING hash (v);
CREATE INDEX idx_gist ON idx USING gist (r);
CREATE INDEX idx_gin ON idx USING gin (tags);
SET enable_seqscan = off;
SELECT count(*) FROM idx WHERE lower(v) = 'v77';
SELECT count(*) FROM idx WHERE v = 'v78';
SELECT count(*) FROM idx WHERE r @> 100;
-- an index build reads only the columns of the keys, expressions and predicate
CREATE INDEX idx_partial ON idx (id) WHERE v LIKE 'v1%';
EXPLAIN (COSTS OFF) SELECT count(*) FROM idx WHERE v LIKE 'v1%' AND id < 200;
SELECT count(*) FROM idx WHERE v LIKE 'v1%' AND id < 200;
RESET enable_seqscan;
SELECT count(*) FROM idx WHERE tags @> ARRAY['t3'];
EXPLAIN (COSTS OFF) SELECT count(*) FROM idx WHERE tags @> ARRAY['t3'];

-- Refused, with the reason.
\set VERBOSITY terse
CREATE TEMP TABLE tmp_col (id int) USING columnar;
SELECT epiphany.columnar_merge('conv');
SELECT * FROM epiphany.columnar_stats('conv');
\set VERBOSITY default

-- Dropping a table forgets its metadata.
DROP TABLE idx;
DROP TABLE ddl_t;
SELECT count(*) AS leftover FROM _epiphany_columnar.row_group r
 WHERE NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.relfilenode = r.storage_id);
