-- Iterative hnsw scans: with a selective filter, a plain scan returns at
-- most ef_search candidates and may leave the LIMIT unfilled; with
-- hnsw.iterative_scan the scan widens its search until the LIMIT is filled
-- (within hnsw.max_scan_tuples).
CREATE TABLE it (id int PRIMARY KEY, category int, v vector(2));
INSERT INTO it SELECT g, g % 50, ARRAY[cos(g * 0.37) * (1 + g % 7), sin(g * 0.37) * (1 + g % 7)]::vector
  FROM generate_series(1, 5000) g;
CREATE INDEX ON it USING hnsw (v vector_l2_ops);
ANALYZE it;
SET enable_seqscan = off;
SET hnsw.ef_search = 10;

EXPLAIN (COSTS OFF)
SELECT id FROM it WHERE category = 7 ORDER BY v <-> '[1, 1]' LIMIT 10;

-- Off: the 10 candidates hold few rows of category 7 (1 in 50).
SELECT count(*) < 10 AS unfilled FROM
  (SELECT id FROM it WHERE category = 7 ORDER BY v <-> '[1, 1]' LIMIT 10) s;

-- relaxed_order: 10 rows, all of category 7, most of them the exact top 10.
SET hnsw.iterative_scan = relaxed_order;
SELECT count(*) AS rows, count(*) FILTER (WHERE category = 7) AS in_category FROM
  (SELECT id, category FROM it WHERE category = 7 ORDER BY v <-> '[1, 1]' LIMIT 10) s;
SET enable_indexscan = off;
CREATE TEMP TABLE exact AS
  SELECT id FROM it WHERE category = 7 ORDER BY v <-> '[1, 1]' LIMIT 10;
RESET enable_indexscan;
SELECT count(*) >= 8 AS mostly_exact FROM exact e
  JOIN (SELECT id FROM it WHERE category = 7 ORDER BY v <-> '[1, 1]' LIMIT 10) s USING (id);

-- strict_order: the rows come in non-decreasing distance.
SET hnsw.iterative_scan = strict_order;
SELECT count(*) AS rows, bool_and(d >= prev) AS ordered FROM (
  SELECT d, coalesce(lag(d) OVER (ORDER BY n), 0) AS prev FROM (
    SELECT v <-> '[1, 1]' AS d, row_number() OVER () AS n FROM (
      SELECT v FROM it WHERE category = 7 ORDER BY v <-> '[1, 1]' LIMIT 10) s) t) u;

-- max_scan_tuples bounds the widening: a filter nothing passes ends the scan.
SET hnsw.iterative_scan = relaxed_order;
SET hnsw.max_scan_tuples = 100;
SELECT count(*) AS none FROM
  (SELECT id FROM it WHERE category = 999 ORDER BY v <-> '[1, 1]' LIMIT 10) s;

\set VERBOSITY terse
SET hnsw.iterative_scan = sometimes;
SET hnsw.max_scan_tuples = 0;
\set VERBOSITY default
RESET hnsw.max_scan_tuples;
RESET hnsw.iterative_scan;
RESET hnsw.ef_search;
RESET enable_seqscan;
DROP TABLE it;
