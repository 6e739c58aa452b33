-- count(*), min() and max() of a whole columnar table come from its metadata
-- (ColumnarSummary): row groups less deletions, chunk min/max (chunks with
-- deleted rows decoded), plus the delta store.  They must return exactly
-- what the aggregation over a scan returns, under every snapshot; with a
-- WHERE, another aggregate, a column outside an aggregate or row-level
-- security the plain plan runs instead.
CREATE TABLE cnt_c (id int, v text) USING columnar;
CREATE TABLE cnt_h (id int, v text);
INSERT INTO cnt_c SELECT g, 'v' || g FROM generate_series(1, 12000) g;
INSERT INTO cnt_h SELECT g, 'v' || g FROM generate_series(1, 12000) g;
DELETE FROM cnt_c WHERE id % 7 = 0;
DELETE FROM cnt_h WHERE id % 7 = 0;
UPDATE cnt_c SET v = v || '+' WHERE id % 11 = 0;
UPDATE cnt_h SET v = v || '+' WHERE id % 11 = 0;
INSERT INTO cnt_c VALUES (20001, 'delta'), (20002, NULL);
INSERT INTO cnt_h VALUES (20001, 'delta'), (20002, NULL);
SELECT row_groups > 0 AS row_groups, delta_rows > 0 AS delta, deleted_rows > 0 AS deleted
  FROM epiphany.columnar_stats('cnt_c');
EXPLAIN (COSTS OFF) SELECT count(*) FROM cnt_c;
SELECT (SELECT count(*) FROM cnt_c) AS columnar, (SELECT count(*) FROM cnt_h) AS heap;
SELECT count(*), count(*) + 1 AS plus_one FROM cnt_c;
-- the transaction's own changes, and a savepoint rolled back
BEGIN;
DELETE FROM cnt_c WHERE id <= 100;
INSERT INTO cnt_c VALUES (30000, 'mine');
SELECT count(*) FROM cnt_c;
SAVEPOINT s;
DELETE FROM cnt_c WHERE id > 20000;
SELECT count(*) FROM cnt_c;
ROLLBACK TO s;
SELECT count(*) FROM cnt_c;
ROLLBACK;
SELECT count(*) FROM cnt_c;
-- rescanned inside a lateral join
SELECT g, x.count FROM generate_series(1, 2) g, LATERAL (SELECT count(*) FROM cnt_c WHERE g > 0) x;
SELECT g, x.n FROM generate_series(1, 2) g, LATERAL (SELECT count(*) + g AS n FROM cnt_c) x;
-- not for these
EXPLAIN (COSTS OFF) SELECT count(*) FROM cnt_c WHERE id > 5;
EXPLAIN (COSTS OFF) SELECT count(id) FROM cnt_c;
EXPLAIN (COSTS OFF) SELECT count(*), sum(id) FROM cnt_c;
EXPLAIN (COSTS OFF) SELECT v, count(*) FROM cnt_c GROUP BY v;
ALTER TABLE cnt_c ENABLE ROW LEVEL SECURITY;
CREATE POLICY cnt_small ON cnt_c USING (id < 50);
CREATE ROLE cnt_reader;
GRANT SELECT ON cnt_c TO cnt_reader;
SET ROLE cnt_reader;
EXPLAIN (COSTS OFF) SELECT count(*) FROM cnt_c;
SELECT count(*) FROM cnt_c;
RESET ROLE;
DROP POLICY cnt_small ON cnt_c;
REVOKE SELECT ON cnt_c FROM cnt_reader;
DROP ROLE cnt_reader;
-- min() and max(): chunks without deletions by their stored min/max, the
-- others decoded; extremes deleted, updated into the delta store, in the
-- delta store, NULL-only, too long for a stored min/max, added later
SELECT (SELECT row(min(id), max(id), min(v), max(v)) FROM cnt_c) AS columnar,
       (SELECT row(min(id), max(id), min(v), max(v)) FROM cnt_h) AS heap;
EXPLAIN (COSTS OFF) SELECT min(id), max(id), min(v), max(v), count(*) FROM cnt_c;
DELETE FROM cnt_c WHERE id IN (1, 11999, 20002);
DELETE FROM cnt_h WHERE id IN (1, 11999, 20002);
UPDATE cnt_c SET id = -id WHERE id = 2;
UPDATE cnt_h SET id = -id WHERE id = 2;
ALTER TABLE cnt_c ADD COLUMN nothing int, ADD COLUMN later int DEFAULT 7, ADD COLUMN long text;
ALTER TABLE cnt_h ADD COLUMN nothing int, ADD COLUMN later int DEFAULT 7, ADD COLUMN long text;
INSERT INTO cnt_c (id, v, long) SELECT g, 'w' || g, repeat('x', 300) || g
  FROM generate_series(40001, 52000) g;
INSERT INTO cnt_h (id, v, long) SELECT g, 'w' || g, repeat('x', 300) || g
  FROM generate_series(40001, 52000) g;
SELECT (SELECT row(min(id), max(id), min(v), max(v), max(nothing), min(later), max(later),
                   md5(max(long)), count(*)) FROM cnt_c) AS columnar,
       (SELECT row(min(id), max(id), min(v), max(v), max(nothing), min(later), max(later),
                   md5(max(long)), count(*)) FROM cnt_h) AS heap \gx
EXPLAIN (COSTS OFF) SELECT max(long), min(later) FROM cnt_c;
-- a column whose text sorts by a collation: the column's own
CREATE TABLE cnt_coll (t text COLLATE "C") USING columnar;
INSERT INTO cnt_coll VALUES ('a'), ('B'), ('b'), ('A');
SELECT min(t), max(t) FROM cnt_coll;
EXPLAIN (COSTS OFF) SELECT min(t COLLATE "POSIX") FROM cnt_coll;
-- an empty table
CREATE TABLE cnt_empty (i int, s varchar(10)) USING columnar;
SELECT min(i), max(i), count(*) FROM cnt_empty;
-- a varchar column reaches max(text) through a binary-compatible cast; a
-- cast that changes values (to bigint) is not summarized
CREATE TABLE cnt_vc (i int, s varchar(10), c char(4)) USING columnar;
INSERT INTO cnt_vc SELECT g, 'v' || g, 'c' || (g % 10) FROM generate_series(1, 20000) g;
INSERT INTO cnt_vc VALUES (0, NULL, NULL);
EXPLAIN (COSTS OFF) SELECT min(s), max(s), max(c) FROM cnt_vc;
SELECT min(s), max(s), max(c), count(*) FROM cnt_vc;
SELECT min(s), max(s), max(c), count(*) FROM (SELECT * FROM cnt_vc OFFSET 0) scanned;
EXPLAIN (COSTS OFF) SELECT max(i::bigint) FROM cnt_vc;
DROP TABLE cnt_coll, cnt_empty, cnt_vc;
-- a materialized view on the column store
CREATE MATERIALIZED VIEW cnt_mv USING columnar AS SELECT * FROM cnt_h;
EXPLAIN (COSTS OFF) SELECT count(*) FROM cnt_mv;
SELECT count(*) FROM cnt_mv;
DROP MATERIALIZED VIEW cnt_mv;
DROP TABLE cnt_c, cnt_h;
