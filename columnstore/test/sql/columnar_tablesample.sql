-- TABLESAMPLE on a columnar table: the sampling method chooses among the
-- delta store's blocks and the row groups' units of rows, then among their
-- rows.  Every sample holds only live rows; 100 percent is every live row
-- (row groups and delta store, deletions in both skipped); REPEATABLE gives
-- the same rows again; rescans take new parameters.
SET epiphany.columnar_auto_merge = off;
CREATE TABLE ts_heap (id int, grp int, note text);
INSERT INTO ts_heap SELECT i, i % 7, 'row ' || i FROM generate_series(1, 20000) i;
CREATE TABLE ts_col (LIKE ts_heap) USING columnar;
INSERT INTO ts_col SELECT * FROM ts_heap ORDER BY id;
-- rows in the delta store, deletions in both parts
INSERT INTO ts_heap SELECT i, i % 7, 'new ' || i FROM generate_series(20001, 20300) i;
INSERT INTO ts_col SELECT i, i % 7, 'new ' || i FROM generate_series(20001, 20300) i;
DELETE FROM ts_heap WHERE id % 10 = 3 OR id BETWEEN 20100 AND 20150;
DELETE FROM ts_col WHERE id % 10 = 3 OR id BETWEEN 20100 AND 20150;
SELECT row_groups, rows > 0 AS has_row_groups, delta_rows > 0 AS has_delta_rows,
       deleted_rows > 0 AS has_deleted_rows
  FROM epiphany.columnar_stats('ts_col');

EXPLAIN (COSTS OFF) SELECT * FROM ts_col TABLESAMPLE SYSTEM (5);

-- 100 percent: exactly the live rows, both methods
SELECT count(*) AS differences
  FROM ((SELECT * FROM ts_heap EXCEPT ALL SELECT * FROM ts_col TABLESAMPLE SYSTEM (100))
        UNION ALL
        (SELECT * FROM ts_col TABLESAMPLE SYSTEM (100) EXCEPT ALL SELECT * FROM ts_heap)) x;
SELECT count(*) AS differences
  FROM ((SELECT * FROM ts_heap EXCEPT ALL SELECT * FROM ts_col TABLESAMPLE BERNOULLI (100))
        UNION ALL
        (SELECT * FROM ts_col TABLESAMPLE BERNOULLI (100) EXCEPT ALL SELECT * FROM ts_heap)) x;
SELECT count(*) FROM ts_col TABLESAMPLE SYSTEM (0);

-- Partial samples: live rows only, about the share asked for, the same
-- rows again with the same seed.
CREATE TEMP TABLE sample_a AS SELECT * FROM ts_col TABLESAMPLE BERNOULLI (10) REPEATABLE (42);
CREATE TEMP TABLE sample_b AS SELECT * FROM ts_col TABLESAMPLE BERNOULLI (10) REPEATABLE (42);
SELECT count(*) BETWEEN 1400 AND 2200 AS about_ten_percent,
       count(DISTINCT grp) = 7 AS every_group,
       count(*) FILTER (WHERE id % 10 = 3 OR id BETWEEN 20100 AND 20150) AS deleted_rows
  FROM sample_a;
SELECT count(*) AS not_live FROM (SELECT * FROM sample_a EXCEPT ALL SELECT * FROM ts_heap) x;
SELECT count(*) AS seed_differences
  FROM ((SELECT * FROM sample_a EXCEPT ALL SELECT * FROM sample_b)
        UNION ALL
        (SELECT * FROM sample_b EXCEPT ALL SELECT * FROM sample_a)) x;
SELECT count(*) BETWEEN 2000 AND 6000 AS about_a_fifth
  FROM ts_col TABLESAMPLE SYSTEM (20) REPEATABLE (7);
SELECT count(*) AS not_live
  FROM (SELECT * FROM ts_col TABLESAMPLE SYSTEM (20) REPEATABLE (7)
        EXCEPT ALL SELECT * FROM ts_heap) x;

-- A rescan with new parameters.
SELECT p, (SELECT count(*) FROM ts_col TABLESAMPLE BERNOULLI (p) REPEATABLE (1)) AS rows
  FROM (VALUES (0), (100), (0)) v(p);

-- A method that picks blocks in a random order and stops at a row count.
CREATE EXTENSION tsm_system_rows;
SELECT count(*) AS rows, count(DISTINCT id) AS distinct_rows
  FROM ts_col TABLESAMPLE SYSTEM_ROWS (500);
SELECT count(*) AS not_live
  FROM (SELECT * FROM ts_col TABLESAMPLE SYSTEM_ROWS (500) EXCEPT ALL SELECT * FROM ts_heap) x;

-- An empty table.
TRUNCATE ts_col;
SELECT count(*) FROM ts_col TABLESAMPLE BERNOULLI (50);
DROP EXTENSION tsm_system_rows;
DROP TABLE ts_heap, ts_col;
