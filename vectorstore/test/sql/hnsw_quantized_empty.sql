-- Quantized hnsw indexes built on an empty table (format 4): the first
-- 256 rows are stored exact and their values set the ranges; after that a
-- value more than a few steps outside its sq8 range is stored exact
-- rather than clamped.  The data are those that broke the former rule
-- (ranges from the first value only): a first row near 1, rows in [0, 1],
-- then rows in [-100, 100] and three tight clusters hundreds of units
-- away.  Every check compares the index with the exact answer of a
-- sequential scan: each row's own vector finds that row first, a search
-- with a large hnsw.ef_search reaches every row, and the top-10 of 60
-- queries equal the exact ones; then again after DELETE, VACUUM and more
-- inserts; then a binary index.  All values come from sines of the row
-- number, so no two rows are equal and no two distances tie.

CREATE TABLE ee (id int PRIMARY KEY, v vector(3));
CREATE INDEX ee_sq8 ON ee USING hnsw (v vector_l2_ops) WITH (quantization = 'sq8');

-- Rows of a part of the data set: 'unit' in [0, 1], 'wide' in [-100, 100],
-- 'cluster' around one of three far-apart centres (within 0.05 of it).
CREATE FUNCTION ee_rows(part text, lo int, hi int) RETURNS TABLE (id int, v vector)
LANGUAGE sql AS $$
  SELECT i, CASE part
    WHEN 'unit' THEN ARRAY[0.5 + 0.5 * sin(i * 0.37), 0.5 + 0.5 * sin(i * 0.53 + 1),
                           0.5 + 0.5 * sin(i * 0.71 + 2)]
    WHEN 'wide' THEN ARRAY[100 * sin(i * 1.37), 100 * sin(i * 2.11 + 1), 100 * sin(i * 3.07 + 2)]
    ELSE ARRAY[(ARRAY[500, -500, 0])[i % 3 + 1] + 0.05 * sin(i * 0.91),
               (ARRAY[500, 0, -700])[i % 3 + 1] + 0.05 * sin(i * 1.13 + 1),
               (ARRAY[500, 300, -700])[i % 3 + 1] + 0.05 * sin(i * 1.29 + 2)]
    END::real[]::vector
  FROM generate_series(lo, hi) i
$$;

-- Queries: near the unit cube, across [-100, 100], near each cluster.
CREATE TABLE eq (qid int PRIMARY KEY, q vector(3));
INSERT INTO eq SELECT i, ARRAY[0.6 * cos(i * 1.7), 0.5 + 0.6 * sin(i * 0.9), 0.4 * cos(i * 2.3)]::real[]
  FROM generate_series(1, 20) i;
INSERT INTO eq SELECT i, ARRAY[90 * cos(i * 1.1), 90 * sin(i * 0.7), 90 * cos(i * 0.3)]::real[]
  FROM generate_series(21, 40) i;
INSERT INTO eq SELECT i, ARRAY[(ARRAY[500, -500, 0])[i % 3 + 1] + 3 * sin(i),
                              (ARRAY[500, 0, -700])[i % 3 + 1] + 3 * cos(i),
                              (ARRAY[500, 300, -700])[i % 3 + 1] + 3 * sin(2 * i)]::real[]
  FROM generate_series(41, 60) i;

-- Queries of eq whose top-10 through the index equals the exact top-10
-- (a sequential scan), in the same order.
CREATE FUNCTION ee_matches() RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  n bigint;
BEGIN
  SET LOCAL enable_seqscan = off;
  SET LOCAL enable_indexscan = off;
  SET LOCAL enable_bitmapscan = off;
  CREATE TEMP TABLE ee_exact ON COMMIT DROP AS
    SELECT qid, ARRAY(SELECT id FROM ee ORDER BY v <-> q, id LIMIT 10) AS ids FROM eq;
  SET LOCAL enable_indexscan = on;
  SELECT count(*) INTO n FROM ee_exact e JOIN eq USING (qid)
   WHERE e.ids = ARRAY(SELECT id FROM ee ORDER BY v <-> q LIMIT 10);
  DROP TABLE ee_exact;
  RETURN n;
END $$;

-- Rows that a search with the row's own vector returns first, and rows a
-- search from the origin with ef_search = 1000 reaches (every one of up to
-- 1,000 rows when none is lost).
CREATE FUNCTION ee_found_first() RETURNS bigint
LANGUAGE sql SET enable_seqscan = off AS $$
  SELECT count(*) FROM ee a
   WHERE (SELECT b.id FROM ee b ORDER BY b.v <-> a.v LIMIT 1) = a.id
$$;
CREATE FUNCTION ee_reached() RETURNS bigint
LANGUAGE sql SET enable_seqscan = off SET hnsw.ef_search = 1000 AS $$
  SELECT count(*) FROM (
    SELECT id FROM ee
     ORDER BY v <-> (SELECT array_fill(0, ARRAY[vector_dims(q)])::real[]::vector
                       FROM eq WHERE qid = 1)
     LIMIT 1000) s
$$;

SET hnsw.ef_search = 200;
SET epiphany.hnsw_rerank_candidates = 100;

-- The first row near 1, then 299 more in the unit cube (the sample is the
-- first 256), then the far rows, then more in the unit cube.
INSERT INTO ee VALUES (1, '[1,1.01,0.99]');
INSERT INTO ee SELECT * FROM ee_rows('unit', 2, 300);
INSERT INTO ee SELECT * FROM ee_rows('wide', 301, 500);
INSERT INTO ee SELECT * FROM ee_rows('cluster', 501, 800);
INSERT INTO ee SELECT * FROM ee_rows('unit', 801, 900);

-- The index runs (for the correlated search too).
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM ee ORDER BY v <-> '[0,0,0]' LIMIT 10;
EXPLAIN (COSTS OFF) SELECT count(*) FROM ee a
 WHERE (SELECT b.id FROM ee b ORDER BY b.v <-> a.v LIMIT 1) = a.id;
RESET enable_seqscan;

SELECT count(*) AS rows, ee_found_first() AS found_first, ee_reached() AS reached,
       ee_matches() AS top10_matches FROM ee;

-- After DELETE and VACUUM, then inserts of both kinds.
DELETE FROM ee WHERE id % 7 = 0;
VACUUM ee;
INSERT INTO ee SELECT * FROM ee_rows('wide', 901, 950);
INSERT INTO ee SELECT * FROM ee_rows('unit', 951, 1000);
SELECT count(*) AS rows, ee_found_first() AS found_first, ee_reached() AS reached,
       ee_matches() AS top10_matches FROM ee;

-- binary: the same data set, built empty, as the first 3 dimensions of
-- 24 (the other 21 spread in [-1, 1]: 3 bits alone could not tell 1,000
-- rows apart).  The sample sets each threshold and offset; a row more
-- than 8 offsets from a threshold (the far rows and clusters) is stored
-- exact.  Each of those rows is found first whenever an unquantized
-- index finds it (on these 24 dimensions the graph itself misses one
-- row, 562 of a tight cluster, quantized or not).  Coded rows of the unit
-- cube may share their 24 bits with another and, like the rows of any
-- binary index, are not all certain to be found: 99% of all rows and 95%
-- of the top-10 lists are the floor.
DROP TABLE ee, eq;
CREATE TABLE ee (id int PRIMARY KEY, v vector(24));
CREATE TABLE eq (qid int PRIMARY KEY, q vector(24));
CREATE INDEX ee_bin ON ee USING hnsw (v vector_l2_ops) WITH (quantization = 'binary');
CREATE FUNCTION ee_rows24(part text, lo int, hi int) RETURNS TABLE (id int, v vector)
LANGUAGE sql AS $$
  SELECT r.id, (r.v::real[] || ARRAY(SELECT sin(r.id * (0.3 + j * 0.11) + j)
                                       FROM generate_series(1, 21) j)::real[])::vector
  FROM ee_rows(part, lo, hi) r
$$;
INSERT INTO eq SELECT qid, (ARRAY[0.6 * cos(qid * 1.7), 0.5 + 0.6 * sin(qid * 0.9), 0.4 * cos(qid * 2.3)]::real[]
    || ARRAY(SELECT 0.8 * cos(qid * (0.2 + j * 0.13)) FROM generate_series(1, 21) j)::real[])::vector
  FROM generate_series(1, 60) qid;
INSERT INTO ee VALUES (1, array_fill(1, ARRAY[24])::real[]::vector);
INSERT INTO ee SELECT * FROM ee_rows24('unit', 2, 300);
INSERT INTO ee SELECT * FROM ee_rows24('wide', 301, 500);
INSERT INTO ee SELECT * FROM ee_rows24('cluster', 501, 800);
INSERT INTO ee SELECT * FROM ee_rows24('unit', 801, 900);
SET enable_seqscan = off;
CREATE TEMP TABLE ee_bin_found AS
  SELECT id FROM ee a WHERE (SELECT b.id FROM ee b ORDER BY b.v <-> a.v LIMIT 1) = a.id;
RESET enable_seqscan;
SELECT count(*) AS rows, ee_reached() >= 0.99 * 900 AS nearly_all_reached,
       ee_matches() >= 0.95 * 60 AS top10_floor,
       (SELECT count(*) >= 0.99 * 900 FROM ee_bin_found) AS nearly_all_found_first FROM ee;
CREATE INDEX ee_none ON ee USING hnsw (v vector_l2_ops);
DROP INDEX ee_bin;
SET enable_seqscan = off;
SELECT count(*) AS far_found_unquantized,
       count(*) FILTER (WHERE id NOT IN (SELECT id FROM ee_bin_found)) AS far_missed_by_binary
  FROM ee a WHERE id BETWEEN 301 AND 800
   AND (SELECT b.id FROM ee b ORDER BY b.v <-> a.v LIMIT 1) = a.id;
RESET enable_seqscan;

DROP TABLE ee, eq;
DROP FUNCTION ee_rows24, ee_rows, ee_matches, ee_found_first, ee_reached;
