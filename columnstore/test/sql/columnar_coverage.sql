-- Options, indexes and constraints proven on rows merged into row groups:
-- (1) compression_level reaches zstd; (2) hash and GiST indexes are used and
-- stay right through DML and merges, against a heap twin; (3) a columnar
-- table as the referencing side of foreign keys, a UNIQUE constraint that is
-- not the primary key, and a deferred unique constraint.
SET epiphany.columnar_auto_merge = off;

-- (1) compression_level: the same rows at zstd level 1 and level 19.
CREATE TABLE lvl1 (id int, doc text, k int8) USING columnar;
CREATE TABLE lvl19 (id int, doc text, k int8) USING columnar;
SELECT epiphany.columnar_set_options('lvl1', compression => 'zstd', compression_level => 1);
SELECT epiphany.columnar_set_options('lvl19', compression => 'zstd', compression_level => 19);
-- text that zstd compresses well, with repeats far apart
INSERT INTO lvl1 SELECT g, md5((g % 3000)::text) || ' ' || md5((g % 1700)::text) || ' item ' || (g % 500),
       (g * 7919) % 100003 FROM generate_series(1, 20000) g;
INSERT INTO lvl19 SELECT * FROM lvl1;
SELECT epiphany.columnar_merge('lvl1'), epiphany.columnar_merge('lvl19');
SELECT c1.attname, c1.encoding, c1.raw_bytes = c19.raw_bytes AS same_raw,
       c19.stored_bytes <= c1.stored_bytes AS l19_not_larger,
       c19.stored_bytes < c1.stored_bytes AS l19_smaller
  FROM epiphany.columnar_encodings('lvl1') c1
  JOIN epiphany.columnar_encodings('lvl19') c19 USING (attname, encoding)
 ORDER BY attname, encoding;
SELECT s19.stored_bytes < s1.stored_bytes AS table_smaller_at_19
  FROM epiphany.columnar_stats('lvl1') s1, epiphany.columnar_stats('lvl19') s19;
-- The level applies to later rewrites of the same table.
SELECT stored_bytes AS before_bytes FROM epiphany.columnar_stats('lvl1') \gset
SELECT epiphany.columnar_set_options('lvl1', compression_level => 19);
VACUUM FULL lvl1;
SELECT s.stored_bytes < :before_bytes AS rewrite_smaller,
       s.stored_bytes = s19.stored_bytes AS same_as_lvl19
  FROM epiphany.columnar_stats('lvl1') s, epiphany.columnar_stats('lvl19') s19;
SELECT count(*) AS differ FROM (SELECT * FROM lvl1 EXCEPT ALL SELECT * FROM lvl19) d;
DROP TABLE lvl1, lvl19;

-- (2) Hash and GiST indexes, built over row groups, then kept through DML and
-- merges.  Both tables get the same statements.
CREATE TABLE ix_c (id int, k int, r int4range, p point) USING columnar;
CREATE TABLE ix_h (id int, k int, r int4range, p point);
INSERT INTO ix_c SELECT g, g % 211, int4range(g, g + g % 50), point(g % 100, g / 100)
  FROM generate_series(1, 6000) g;
INSERT INTO ix_h SELECT g, g % 211, int4range(g, g + g % 50), point(g % 100, g / 100)
  FROM generate_series(1, 6000) g;
SELECT epiphany.columnar_merge('ix_c');
CREATE INDEX ix_c_k ON ix_c USING hash (k);
CREATE INDEX ix_c_r ON ix_c USING gist (r);
CREATE INDEX ix_c_p ON ix_c USING gist (p);
CREATE INDEX ix_h_k ON ix_h USING hash (k);
CREATE INDEX ix_h_r ON ix_h USING gist (r);
CREATE INDEX ix_h_p ON ix_h USING gist (p);

-- The queries run through the indexes (plans checked), and their rows are
-- compared with the heap twin's.
SET enable_seqscan = off;
SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM ix_c WHERE k = 17;
EXPLAIN (COSTS OFF) SELECT id FROM ix_c WHERE r @> 1000;
EXPLAIN (COSTS OFF) SELECT id FROM ix_c WHERE p <@ box '((10,10),(12,20))';
EXPLAIN (COSTS OFF) SELECT id FROM ix_c ORDER BY p <-> point '(50.3,30.1)' LIMIT 3;
CREATE FUNCTION ix_same() RETURNS TABLE (query text, same bool, n bigint) LANGUAGE plpgsql AS $$
DECLARE
  q text;
  c int[];
  h int[];
BEGIN
  FOREACH q IN ARRAY ARRAY[
    'SELECT id FROM TBL WHERE k = 17',
    'SELECT id FROM TBL WHERE k IN (0, 5, 210)',
    'SELECT id FROM TBL WHERE r @> 1000',
    'SELECT id FROM TBL WHERE r && int4range(3000, 3010)',
    'SELECT id FROM TBL WHERE p <@ box ''((10,10),(12,20))''',
    'SELECT id FROM (SELECT id FROM TBL ORDER BY p <-> point ''(50.3,30.1)'' LIMIT 3) s']
  LOOP
    EXECUTE format('SELECT array_agg(id ORDER BY id) FROM (%s) s', replace(q, 'TBL', 'ix_c')) INTO c;
    EXECUTE format('SELECT array_agg(id ORDER BY id) FROM (%s) s', replace(q, 'TBL', 'ix_h')) INTO h;
    query := q;
    same := c IS NOT DISTINCT FROM h;
    n := coalesce(cardinality(c), 0);
    RETURN NEXT;
  END LOOP;
END $$;
SELECT * FROM ix_same();

-- DML on row-group rows and on delta rows, then a merge, then more DML.
INSERT INTO ix_c SELECT g, g % 211, int4range(g - 5000, g - 4000), point(g % 100, -1)
  FROM generate_series(6001, 6400) g;
INSERT INTO ix_h SELECT g, g % 211, int4range(g - 5000, g - 4000), point(g % 100, -1)
  FROM generate_series(6001, 6400) g;
UPDATE ix_c SET k = 17, r = int4range(995, 1005), p = point(11, 15) WHERE id % 97 = 0;
UPDATE ix_h SET k = 17, r = int4range(995, 1005), p = point(11, 15) WHERE id % 97 = 0;
DELETE FROM ix_c WHERE id % 5 = 0;
DELETE FROM ix_h WHERE id % 5 = 0;
SELECT * FROM ix_same();
SELECT epiphany.columnar_merge('ix_c');
SELECT row_groups > 1 AS merged_again, delta_rows FROM epiphany.columnar_stats('ix_c');
SELECT * FROM ix_same();
UPDATE ix_c SET k = 0 WHERE id BETWEEN 6001 AND 6050;
UPDATE ix_h SET k = 0 WHERE id BETWEEN 6001 AND 6050;
DELETE FROM ix_c WHERE k = 17 AND id > 5000;
DELETE FROM ix_h WHERE k = 17 AND id > 5000;
VACUUM ix_c;
VACUUM ix_h;
SELECT * FROM ix_same();
EXPLAIN (COSTS OFF) SELECT id FROM ix_c WHERE k = 17;
EXPLAIN (COSTS OFF) SELECT id FROM ix_c WHERE r @> 1000;
RESET enable_seqscan;
RESET enable_bitmapscan;
DROP FUNCTION ix_same();
DROP TABLE ix_c, ix_h;

-- (3) Constraints.
-- A columnar table referencing a heap parent, with ON DELETE CASCADE, and a
-- second one with the default NO ACTION.
CREATE TABLE fk_p (id int PRIMARY KEY);
INSERT INTO fk_p SELECT generate_series(1, 10);
CREATE TABLE fk_c (id int PRIMARY KEY, pid int REFERENCES fk_p ON DELETE CASCADE) USING columnar;
CREATE TABLE fk_n (id int PRIMARY KEY, pid int REFERENCES fk_p) USING columnar;
INSERT INTO fk_c SELECT g, g % 10 + 1 FROM generate_series(1, 3000) g;
INSERT INTO fk_n SELECT g, 9 FROM generate_series(1, 50) g;
SELECT epiphany.columnar_merge('fk_c'), epiphany.columnar_merge('fk_n');
SELECT rows, delta_rows FROM epiphany.columnar_stats('fk_c');
\set VERBOSITY terse
INSERT INTO fk_c VALUES (5001, 11);
UPDATE fk_c SET pid = 42 WHERE id = 7;
DELETE FROM fk_p WHERE id = 9;
\set VERBOSITY default
SELECT pid, count(*) FROM fk_c WHERE id = 7 OR pid = 9 GROUP BY pid ORDER BY pid;
-- The cascade deletes row-group rows (deletion markers), and only them.
DELETE FROM fk_n;
DELETE FROM fk_p WHERE id = 3;
SELECT count(*) AS orphans FROM fk_c WHERE pid = 3;
SELECT count(*) AS remaining, count(DISTINCT pid) AS parents FROM fk_c;
SELECT rows, delta_rows, deleted_rows FROM epiphany.columnar_stats('fk_c');
-- the same through a rolled-back cascade: nothing is lost
BEGIN;
DELETE FROM fk_p WHERE id = 4;
SELECT count(*) FROM fk_c WHERE pid = 4;
ROLLBACK;
SELECT count(*) FROM fk_c WHERE pid = 4;
-- A parent update with ON UPDATE NO ACTION is refused while merged rows
-- point at it; valid child updates of merged rows pass.
UPDATE fk_c SET pid = 1 WHERE id BETWEEN 10 AND 19;
SELECT pid, count(*) FROM fk_c WHERE id BETWEEN 10 AND 19 GROUP BY pid;
\set VERBOSITY terse
UPDATE fk_p SET id = 100 WHERE id = 1;
\set VERBOSITY default
DROP TABLE fk_c, fk_n, fk_p;

-- A UNIQUE constraint that is not the primary key.
CREATE TABLE uq_c (id int PRIMARY KEY, code text UNIQUE, n int) USING columnar;
INSERT INTO uq_c SELECT g, 'c' || g, g FROM generate_series(1, 2000) g;
SELECT epiphany.columnar_merge('uq_c');
\set VERBOSITY terse
INSERT INTO uq_c VALUES (3001, 'c17', 0);
UPDATE uq_c SET code = 'c18' WHERE id = 19;
INSERT INTO uq_c VALUES (3002, 'new', 0), (3003, 'new', 0);
\set VERBOSITY default
SELECT count(*) FROM uq_c WHERE code IN ('c17', 'c18', 'new');
-- NULLs do not conflict; a deleted merged row's code can be taken again.
INSERT INTO uq_c VALUES (3004, NULL, 0), (3005, NULL, 0);
DELETE FROM uq_c WHERE id = 17;
INSERT INTO uq_c VALUES (3006, 'c17', 0);
UPDATE uq_c SET code = 'c18x' WHERE id = 18;
UPDATE uq_c SET code = 'c18' WHERE id = 19;
SELECT id, code FROM uq_c WHERE code IN ('c17', 'c18', 'c18x') OR code IS NULL ORDER BY id;
SELECT epiphany.columnar_merge('uq_c');
\set VERBOSITY terse
INSERT INTO uq_c VALUES (3007, 'c18', 0);
\set VERBOSITY default
DROP TABLE uq_c;

-- A DEFERRABLE INITIALLY DEFERRED unique constraint: checked at COMMIT.
CREATE TABLE dq_c (id int, k int, CONSTRAINT dq_k UNIQUE (k) DEFERRABLE INITIALLY DEFERRED)
  USING columnar;
INSERT INTO dq_c SELECT g, g FROM generate_series(1, 1000) g;
SELECT epiphany.columnar_merge('dq_c');
-- shifting every key passes through duplicates, which the commit no longer has
BEGIN;
UPDATE dq_c SET k = k + 1;
COMMIT;
SELECT min(k), max(k), count(DISTINCT k) FROM dq_c;
-- a duplicate is accepted by the statement and refused at COMMIT
BEGIN;
INSERT INTO dq_c VALUES (2001, 500);
SELECT count(*) FROM dq_c WHERE k = 500;
\set VERBOSITY terse
COMMIT;
\set VERBOSITY default
SELECT count(*) FROM dq_c WHERE k = 500;
-- the same after a merge for an update of a merged row, and SET CONSTRAINTS
-- IMMEDIATE reports it at once
SELECT epiphany.columnar_merge('dq_c');
BEGIN;
UPDATE dq_c SET k = 10 WHERE id = 20;
\set VERBOSITY terse
COMMIT;
\set VERBOSITY default
BEGIN;
UPDATE dq_c SET k = 10 WHERE id = 20;
\set VERBOSITY terse
SET CONSTRAINTS dq_k IMMEDIATE;
\set VERBOSITY default
ROLLBACK;
SELECT id, k FROM dq_c WHERE id IN (9, 20) ORDER BY id;
DROP TABLE dq_c;
