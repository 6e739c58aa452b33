-- Filtered search: ORDER BY distance LIMIT k above a filter.  An index's
-- cost grows with the tuples it must return to fill the LIMIT (about k
-- divided by the filter's selectivity), so the planner keeps the hnsw or
-- ivfflat scan for no or a broad filter and takes an exact plan (here a
-- sequential scan and a top-N sort) for a selective one, whose answer is
-- then exact.  (Before, the index cost the same whatever the filter, and
-- it was taken here too.)
CREATE TABLE fs (id int PRIMARY KEY, category int, v vector(8));
INSERT INTO fs
SELECT g, CASE WHEN g % 50 = 0 THEN 1 ELSE 2 + g % 2 END,
       (SELECT array_agg(sin(g * 7 + d)) FROM generate_series(1, 8) d)::vector
  FROM generate_series(1, 20000) g;
CREATE INDEX fs_hnsw ON fs USING hnsw (v vector_l2_ops);
ANALYZE fs;
SELECT category, count(*) FROM fs GROUP BY category ORDER BY category;

-- no filter, a filter that half the rows pass: the hnsw index
EXPLAIN (COSTS OFF) SELECT id FROM fs ORDER BY v <-> '[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]' LIMIT 10;
EXPLAIN (COSTS OFF) SELECT id FROM fs WHERE category = 2
 ORDER BY v <-> '[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]' LIMIT 10;
-- 400 rows of 20,000 pass: the exact plan, which returns the 10 nearest
EXPLAIN (COSTS OFF) SELECT id FROM fs WHERE category = 1
 ORDER BY v <-> '[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]' LIMIT 10;
SELECT array_agg(id) AS planned FROM (SELECT id FROM fs WHERE category = 1
 ORDER BY v <-> '[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]' LIMIT 10) q;
SET enable_indexscan = off;
SET enable_bitmapscan = off;
SELECT array_agg(id) AS exact FROM (SELECT id FROM fs WHERE category = 1
 ORDER BY v <-> '[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]' LIMIT 10) q;
RESET enable_indexscan;
RESET enable_bitmapscan;

-- ivfflat: one probe of 20 lists reads about 1,000 rows, of which about 20
-- pass the same filter, enough for the LIMIT: the index stays
DROP INDEX fs_hnsw;
CREATE INDEX fs_ivf ON fs USING ivfflat (v vector_l2_ops) WITH (lists = 20);
ANALYZE fs;
EXPLAIN (COSTS OFF) SELECT id FROM fs ORDER BY v <-> '[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]' LIMIT 10;
EXPLAIN (COSTS OFF) SELECT id FROM fs WHERE category = 1
 ORDER BY v <-> '[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]' LIMIT 10;
DROP TABLE fs;
