-- avg and sum over vector and halfvec: float8 state, combine functions,
-- parallel plans, no rows, NULLs and mismatched dimensions.

CREATE TABLE agg (g int, v vector(3), h halfvec(3));
INSERT INTO agg VALUES (1, '[1,2,3]', '[1,2,3]'), (1, '[4,5,6]', '[4,5,6]'),
                       (2, '[1,1,1]', '[1,1,1]'), (2, NULL, NULL), (2, '[0,0,2]', '[0,0,2]');
SELECT g, avg(v), sum(v), avg(h), sum(h) FROM agg GROUP BY g ORDER BY g;
SELECT avg(v), sum(v), avg(h), sum(h) FROM agg;
-- No rows, or only NULLs: NULL.
SELECT avg(v), sum(v), avg(h), sum(h) FROM agg WHERE false;
SELECT avg(v), sum(v) FROM agg WHERE v IS NULL;
-- Sums run in double: small terms are not lost, float4 overflow is caught
-- at the end only.
SELECT sum(v) FROM (VALUES ('[16777216]'::vector), ('[1]'), ('[1]')) t(v);
SELECT sum(v) FROM (VALUES ('[3e38]'::vector), ('[3e38]'), ('[-3e38]')) t(v);
\set VERBOSITY terse
SELECT sum(v) FROM (VALUES ('[3e38]'::vector), ('[3e38]')) t(v);
SELECT sum(h) FROM (VALUES ('[60000]'::halfvec), ('[60000]')) t(h);
SELECT avg(v) FROM (VALUES ('[1,2]'::vector), ('[1,2,3]')) t(v);
\set VERBOSITY default
-- halfvec: the average is rounded to float16 at the end only; here
-- (1 + 2^-11) / 2 lies halfway between two float16 values and goes to even.
SELECT avg(h) FROM (VALUES ('[1]'::halfvec), ('[0.00048828125]')) t(h);

-- A parallel plan combines partial states and gives the same answer.
CREATE TABLE agg_big AS
  SELECT i, ARRAY[i % 7, i % 11, 1]::vector(3) AS v, ARRAY[i % 7, i % 11, 1]::halfvec(3) AS h
    FROM generate_series(1, 5000) i;
ANALYZE agg_big;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF) SELECT avg(v), sum(v), avg(h), sum(h) FROM agg_big;
SELECT avg(v), sum(v), avg(h), sum(h) FROM agg_big;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
RESET parallel_leader_participation;
SET max_parallel_workers_per_gather = 0;
SELECT avg(v), sum(v), avg(h), sum(h) FROM agg_big;
RESET max_parallel_workers_per_gather;
-- The exact per-column averages, for comparison.
SELECT avg(i % 7) AS a1, avg(i % 11) AS a2, sum(i % 7) AS s1, sum(i % 11) AS s2
  FROM generate_series(1, 5000) i;

-- The support functions called directly work on copies and check their state.
SELECT vector_accum('{0}', '[1,2]'), vector_accum('{1,1,2}', '[1,2]');
SELECT vector_combine('{1,1,2}', '{2,3,4}'), vector_combine('{0}', '{2,3,4}'),
       vector_combine('{2,3,4}', '{0}');
SELECT vector_avg('{2,3,4}'), vector_sum('{2,3,4}'), halfvec_avg('{2,3,4}'), vector_avg('{0}');
\set VERBOSITY terse
SELECT vector_accum('{1,1}', '[1,2]');
SELECT vector_accum('{{1,2},{3,4}}', '[1,2]');
SELECT vector_accum('{}', '[1,2]');
SELECT vector_accum('{1,NULL,2}', '[1,2]');
SELECT vector_accum('{5}', '[1,2]');
SELECT vector_combine('{1,1,2}', '{1,1,2,3}');
SELECT vector_avg(array_fill(1::float8, ARRAY[16002]));
SELECT vector_avg('{0,1}');
\set VERBOSITY default

DROP TABLE agg, agg_big;
