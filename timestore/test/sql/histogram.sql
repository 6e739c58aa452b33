-- histogram(value, min, max, nbuckets): nbuckets + 2 counts (below min,
-- the buckets of [min, max), at or above max), checked by hand on small
-- data (the figures TimescaleDB documents for the same input) and against
-- count(*) per width_bucket() on larger data, serially and in parallel.

CREATE TABLE hist_small (key real, label text);
INSERT INTO hist_small VALUES
    (0, 'hi'), (1, 'sup'), (2, 'hello'), (3, 'yo'), (4, 'howdy'), (5, 'hola'),
    (6, 'ya'), (1, 'sup'), (2, 'hello'), (1, 'sup');

-- Keys 0 1 1 1 2 2 3 4 5 6.  [0,9) in 2: [0,4.5) has 8, [4.5,9) has 2.
SELECT histogram(key, 0, 9, 2) FROM hist_small;
-- [0,9) in 5 buckets of 1.8: [0,1.8) has 0 1 1 1, [1.8,3.6) 2 2 3,
-- [3.6,5.4) 4 5, [5.4,7.2) 6, [7.2,9) nothing.
SELECT histogram(key, 0, 9, 5) FROM hist_small;
-- Below min (0 < 1) and at or above max (3 4 5 6 >= 3).
SELECT histogram(key, 1, 3, 2) FROM hist_small;
SELECT histogram(key, 1, 3, 1) FROM hist_small;
SELECT label, histogram(key, 0, 7, 3) FROM hist_small GROUP BY label ORDER BY label;
-- Boundaries: a value equal to max goes above, one equal to min into bucket 1.
SELECT histogram(v, 0, 10, 5)
  FROM unnest(ARRAY[-0.000001, 0, 1.999999, 2, 9.999999, 10, 1e300, '-infinity', 'infinity']::float8[]) v;

-- NULL arguments: the row is ignored; no counted row gives NULL.
SELECT histogram(v, 0, 10, 2) FROM unnest(ARRAY[1, NULL, 7, NULL]::float8[]) v;
SELECT histogram(v, 0, 10, 2) IS NULL AS all_null FROM unnest(ARRAY[NULL, NULL]::float8[]) v;
SELECT histogram(key, 0, 9, 2) IS NULL AS no_rows FROM hist_small WHERE false;

-- Errors.
\set VERBOSITY terse
SELECT histogram(key, 5, 1, 2) FROM hist_small;
SELECT histogram(key, 1, 1, 2) FROM hist_small;
SELECT histogram(key, 0, 9, 0) FROM hist_small;
SELECT histogram(key, 0, 9, -3) FROM hist_small;
SELECT histogram(key, 0, 9, 2147483647) FROM hist_small;
SELECT histogram(key, 'NaN', 9, 2) FROM hist_small;
SELECT histogram(key, 0, 'infinity', 2) FROM hist_small;
SELECT histogram(i, 10, 90, CASE WHEN i = 1 THEN 1 ELSE 1000000 END) FROM generate_series(1, 100) i;
-- On PostgreSQL 15, width_bucket() cannot handle bounds whose distance
-- overflows double precision; that is an error, not a wrong count.
SELECT histogram(10.3, -1.79769e+308, 1.79769e+308, 10);
\set VERBOSITY default

-- 50000 values in 40 groups against count(*) per width_bucket() slot.
CREATE TABLE hist_big WITH (autovacuum_enabled = off) AS
SELECT i % 40 AS grp, ((i * 7919) % 10007) / 100.0 - 10 AS v
  FROM generate_series(1, 50000) i;
ANALYZE hist_big;
CREATE VIEW hist_expected AS
SELECT grp, array_agg(coalesce(n, 0) ORDER BY slot) AS counts
  FROM (SELECT DISTINCT grp FROM hist_big) g
 CROSS JOIN generate_series(0, 21) slot
  LEFT JOIN (SELECT grp, width_bucket(v, 0, 80, 20) AS slot, count(*)::int AS n
               FROM hist_big GROUP BY 1, 2) c USING (grp, slot)
 GROUP BY grp;

SELECT count(*) AS groups,
       count(*) FILTER (WHERE h.counts IS DISTINCT FROM e.counts) AS mismatches,
       sum((SELECT sum(x) FROM unnest(h.counts) x)) AS total
  FROM (SELECT grp, histogram(v, 0, 80, 20) AS counts FROM hist_big GROUP BY grp) h
  FULL JOIN hist_expected e USING (grp);

-- Parallel: partial states serialized in workers and combined.
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT histogram(v, 0, 80, 20) FROM hist_big;
SELECT histogram(v, 0, 80, 20) = (SELECT array_agg(n ORDER BY slot) FROM
           (SELECT slot, (SELECT count(*)::int FROM hist_big
                           WHERE width_bucket(v, 0, 80, 20) = slot) AS n
              FROM generate_series(0, 21) slot) s) AS parallel_matches
  FROM hist_big;
EXPLAIN (COSTS OFF) SELECT grp, histogram(v, 0, 80, 20) FROM hist_big GROUP BY grp;
SELECT count(*) FILTER (WHERE h.counts IS DISTINCT FROM e.counts) AS parallel_group_mismatches
  FROM (SELECT grp, histogram(v, 0, 80, 20) AS counts FROM hist_big GROUP BY grp) h
  FULL JOIN hist_expected e USING (grp);
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;

DROP VIEW hist_expected;
DROP TABLE hist_small, hist_big;
