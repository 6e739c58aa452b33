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

-- Filtered search at 1% selectivity: 20,000 random points of 16
-- dimensions around 50 centres, in 100 categories of 200 rows that cut
-- across the clusters, and 20 held-out queries, each asking for the 10
-- nearest rows of one category.  Through the index (forced), a plain scan
-- leaves LIMITs unfilled (its 40 candidates hold about 0.4 rows of the
-- category); with hnsw.iterative_scan every LIMIT is filled with rows of
-- the category and recall@10 against the exact answers is at least 0.9.
-- Unforced, the planner takes the exact plan for so selective a filter.
SELECT setseed(0.75);
CREATE TABLE f1 (id int PRIMARY KEY, category int, v vector(16));
INSERT INTO f1
SELECT g, (g * 37) % 100,
       ARRAY(SELECT sin((g % 50) * 1.7 + d) + 0.3 * (random() - 0.5) FROM generate_series(1, 16) d)::vector
  FROM generate_series(1, 20020) g;
CREATE TABLE f1q AS SELECT id - 20000 AS qid, category, v AS q FROM f1 WHERE id > 20000;
DELETE FROM f1 WHERE id > 20000;
CREATE INDEX f1_hnsw ON f1 USING hnsw (v vector_l2_ops);
ANALYZE f1;
CREATE TABLE f1_exact AS
  SELECT qid, ARRAY(SELECT id FROM f1 WHERE category = f1q.category ORDER BY v <-> q, id LIMIT 10) AS ids
    FROM f1q;
EXPLAIN (COSTS OFF) SELECT id FROM f1 WHERE category = 3 ORDER BY v <-> (SELECT q FROM f1q WHERE qid = 1) LIMIT 10;
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM f1 WHERE category = 3 ORDER BY v <-> (SELECT q FROM f1q WHERE qid = 1) LIMIT 10;
-- rows returned, rows of the category, and recall@10, over the 20 queries
CREATE FUNCTION f1_recall(OUT returned bigint, OUT in_category bigint, OUT recall numeric)
LANGUAGE sql AS $$
  SELECT sum(cardinality(r.ids)), sum((SELECT count(*) FROM f1 WHERE f1.id = ANY (r.ids)
                                         AND f1.category = f1q.category)),
         sum((SELECT count(*) FROM unnest(e.ids) x WHERE x = ANY (r.ids)))::numeric / 200
    FROM f1_exact e JOIN f1q USING (qid)
    CROSS JOIN LATERAL (SELECT ARRAY(SELECT id FROM f1 WHERE category = f1q.category
                                      ORDER BY v <-> f1q.q LIMIT 10) AS ids) r $$;
SELECT returned < 200 AS unfilled FROM f1_recall();
SET hnsw.iterative_scan = relaxed_order;
SELECT returned, in_category, recall >= 0.9 AS recall_at_least_0_9 FROM f1_recall();
SET hnsw.iterative_scan = strict_order;
SELECT returned, in_category, recall >= 0.9 AS recall_at_least_0_9 FROM f1_recall();
RESET hnsw.iterative_scan;
RESET enable_seqscan;
DROP FUNCTION f1_recall;
DROP TABLE f1, f1q, f1_exact;
