-- The columnar access method: rows land in the delta store, a merge moves
-- them into compressed row groups, and every query returns what the same
-- query returns on a heap twin.
CREATE TABLE heap_t (id int PRIMARY KEY, grp int, name text, amount numeric(12,2), at date);
CREATE TABLE col_t (id int PRIMARY KEY, grp int, name text, amount numeric(12,2), at date)
    USING columnar;
INSERT INTO heap_t
SELECT g, g % 17, 'name ' || (g % 250), (g * 7 % 1000) / 4.0, date '2024-01-01' + g % 400
  FROM generate_series(1, 25000) g;
INSERT INTO col_t SELECT * FROM heap_t;

SELECT amname FROM pg_class c JOIN pg_am a ON a.oid = c.relam WHERE c.relname = 'col_t';
SELECT row_groups, rows, delta_rows, deleted_rows FROM epiphany.columnar_stats('col_t');

-- Everything is in the delta store: same answers as the heap.
SELECT count(*), sum(id), sum(amount), count(DISTINCT name), min(at), max(at) FROM col_t;
(SELECT * FROM heap_t EXCEPT SELECT * FROM col_t)
UNION ALL (SELECT * FROM col_t EXCEPT SELECT * FROM heap_t);

-- Merge: the rows move into one compressed row group (up to 150000 rows
-- each), and the answers stay the same.
SELECT epiphany.columnar_merge('col_t');
SELECT row_groups, rows, delta_rows, deleted_rows, stored_bytes < raw_bytes / 3 AS compressed
  FROM epiphany.columnar_stats('col_t');
SELECT count(*), sum(id), sum(amount), count(DISTINCT name), min(at), max(at) FROM col_t;
(SELECT * FROM heap_t EXCEPT SELECT * FROM col_t)
UNION ALL (SELECT * FROM col_t EXCEPT SELECT * FROM heap_t);
SELECT grp, count(*), sum(amount) FROM col_t GROUP BY grp ORDER BY grp LIMIT 5;

-- A second merge of an empty delta store moves nothing.
SELECT epiphany.columnar_merge('col_t');

-- Rows inserted after the merge are read together with the row groups.
INSERT INTO heap_t VALUES (25001, 1, 'late', 1.25, '2025-01-01');
INSERT INTO col_t VALUES (25001, 1, 'late', 1.25, '2025-01-01');
SELECT row_groups, rows, delta_rows FROM epiphany.columnar_stats('col_t');
SELECT count(*), sum(id) FROM col_t;

-- Index scans reach rows in both parts.
EXPLAIN (COSTS OFF) SELECT * FROM col_t WHERE id = 12345;
SELECT * FROM col_t WHERE id = 12345;
SELECT * FROM col_t WHERE id = 25001;
SELECT * FROM col_t WHERE id IN (1, 777, 24999, 25001) ORDER BY id;

-- A secondary index built after the merge covers the row groups.
CREATE INDEX col_t_name ON col_t (name);
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM col_t WHERE name = 'name 42';
SELECT count(*) FROM col_t WHERE name = 'name 42';
RESET enable_seqscan;
SELECT count(*) FROM heap_t WHERE name = 'name 42';

-- A parallel index build shares the row groups among its participants.
SET max_parallel_maintenance_workers = 2;
SET min_parallel_table_scan_size = 0;
SET maintenance_work_mem = '64MB';
CREATE INDEX col_t_grp_parallel ON col_t (grp, id);
RESET max_parallel_maintenance_workers;
RESET min_parallel_table_scan_size;
RESET maintenance_work_mem;
SET enable_seqscan = off;
SELECT count(*), sum(id) FROM col_t WHERE grp = 5;
RESET enable_seqscan;
SELECT count(*), sum(id) FROM heap_t WHERE grp = 5;
DROP INDEX col_t_grp_parallel;

-- Parallel scans share the row groups among the workers.
SET max_parallel_workers_per_gather = 2;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
EXPLAIN (COSTS OFF) SELECT count(*), sum(amount) FROM col_t;
SELECT count(*), sum(amount) FROM col_t;
-- epiphany.enable_parallel_workers off plans the same scan in one process.
SET epiphany.enable_parallel_workers = off;
EXPLAIN (COSTS OFF) SELECT count(*), sum(amount) FROM col_t;
SELECT count(*), sum(amount) FROM col_t;
RESET epiphany.enable_parallel_workers;
RESET max_parallel_workers_per_gather;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;

-- The columnar scan decodes only the columns a query needs and skips the
-- chunks (10,000 rows each) whose min/max rule out a "column op constant"
-- qual; every qual is still checked on every row it returns, delta rows
-- included.
EXPLAIN (COSTS OFF) SELECT sum(amount) FROM col_t WHERE id < 5000;
-- (count(*) alone comes from the metadata: columnar_summary)
EXPLAIN (COSTS OFF) SELECT count(*) FROM col_t;
EXPLAIN (COSTS OFF) SELECT * FROM col_t WHERE id > 24990;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
  SELECT sum(amount) FROM col_t WHERE id < 5000;
SET enable_indexscan = off;
SET enable_indexonlyscan = off;
SET enable_bitmapscan = off;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
  SELECT count(*) FROM col_t WHERE 24000 <= id AND name = 'late';
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
  SELECT count(*) FROM col_t WHERE id = 12345;
RESET enable_indexscan;
RESET enable_indexonlyscan;
RESET enable_bitmapscan;
SELECT sum(amount) FROM col_t WHERE id < 5000;
SELECT sum(amount) FROM heap_t WHERE id < 5000;

-- Filter values may be expressions without columns, evaluated when the scan
-- starts: parameters, init plans, stable functions; and again at a rescan.
PREPARE below(int) AS SELECT count(*), sum(id) FROM col_t WHERE id < $1;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) EXECUTE below(5000);
EXECUTE below(5000);
EXECUTE below(15000);
DEALLOCATE below;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
  SELECT count(*) FROM col_t WHERE at >= (SELECT max(at) FROM heap_t) - 10;
SELECT count(*) FROM col_t WHERE at >= (SELECT max(at) FROM heap_t) - 10;
SELECT count(*) FROM heap_t WHERE at >= (SELECT max(at) FROM heap_t) - 10;
-- IN lists skip the chunks that none of their values falls in (an empty
-- list: all of them); IS [NOT] NULL skips chunks by their null counts.
SET enable_indexscan = off;
SET enable_indexonlyscan = off;
SET enable_bitmapscan = off;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
  SELECT count(*) FROM col_t WHERE id IN (3, 17, 24999, NULL);
SELECT count(*), sum(id) FROM col_t WHERE id IN (3, 17, 24999, NULL);
SELECT count(*), sum(id) FROM heap_t WHERE id IN (3, 17, 24999, NULL);
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
  SELECT count(*) FROM col_t WHERE id = ANY ('{}');
PREPARE among(int[]) AS SELECT count(*), sum(id) FROM col_t WHERE id = ANY ($1);
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) EXECUTE among('{10001, 10002}');
EXECUTE among('{10001, 10002}');
DEALLOCATE among;
SELECT count(*), sum(id) FROM col_t WHERE name IN ('name 7', 'late');
SELECT count(*), sum(id) FROM heap_t WHERE name IN ('name 7', 'late');
RESET enable_indexscan;
RESET enable_indexonlyscan;
RESET enable_bitmapscan;
CREATE TABLE col_nulls (id int, v int) USING columnar;
SELECT epiphany.columnar_set_options('col_nulls', chunk_rows => 1000);
INSERT INTO col_nulls SELECT g, CASE WHEN g > 4000 THEN NULL ELSE g END
  FROM generate_series(1, 5000) g;
SELECT epiphany.columnar_merge('col_nulls');
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
  SELECT count(*) FROM col_nulls WHERE v IS NULL;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
  SELECT count(*) FROM col_nulls WHERE v IS NOT NULL;
SELECT count(*) FILTER (WHERE v IS NULL) AS nulls, count(v) AS values FROM col_nulls;
DROP TABLE col_nulls;
SET enable_hashjoin = off;
SET enable_mergejoin = off;
SET enable_indexscan = off;
SET enable_bitmapscan = off;
SELECT v.x, c.n FROM (VALUES (3000), (12000), (0)) v(x),
       LATERAL (SELECT count(*) AS n FROM col_t WHERE id < v.x) c ORDER BY v.x;
RESET enable_hashjoin;
RESET enable_mergejoin;
RESET enable_indexscan;
RESET enable_bitmapscan;
SELECT count(*), sum(id) FROM col_t WHERE 24000 <= id;
SELECT count(*), sum(id) FROM heap_t WHERE 24000 <= id;
SELECT count(*) FROM col_t WHERE name > 'name 50' AND at >= date '2024-06-01';
SELECT count(*) FROM heap_t WHERE name > 'name 50' AND at >= date '2024-06-01';

-- ANALYZE sees the row groups: the planner's estimate and the statistics
-- cover the whole table.
ANALYZE col_t;
SELECT reltuples FROM pg_class WHERE relname = 'col_t';
SELECT attname, n_distinct FROM pg_stats WHERE tablename = 'col_t' ORDER BY attname;
EXPLAIN (COSTS OFF, SUMMARY OFF) SELECT * FROM col_t WHERE grp = 3;

-- The compressed chunks live in the table's TOAST relation and count in
-- its size; once everything is merged, VACUUM gives back the delta store's
-- emptied pages, keeping one.
SELECT epiphany.columnar_merge('col_t');
VACUUM col_t;
SELECT pg_relation_size('col_t') / current_setting('block_size')::int AS delta_pages;
SELECT pg_relation_size(reltoastrelid) >= (SELECT stored_bytes FROM epiphany.columnar_stats('col_t'))
       AS chunks_in_toast
  FROM pg_class WHERE relname = 'col_t';
SELECT pg_table_size('col_t') < pg_table_size('heap_t') / 5 AS five_times_smaller;
SELECT count(*), sum(id) FROM col_t;
ANALYZE col_t;
SELECT reltuples FROM pg_class WHERE relname = 'col_t';

DROP TABLE heap_t, col_t;

-- The planner's row count subtracts deleted rows: counted up to 1,000
-- markers, extrapolated beyond (planning stays cheap with millions).
CREATE TABLE col_del (id int) USING columnar;
INSERT INTO col_del SELECT generate_series(1, 40000);
CREATE FUNCTION planned_rows(q text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  plan json;
BEGIN
  EXECUTE 'EXPLAIN (FORMAT JSON) ' || q INTO plan;
  RETURN (plan -> 0 -> 'Plan' ->> 'Plan Rows')::bigint;
END $$;
DELETE FROM col_del WHERE id % 100 = 0;
ANALYZE col_del;
SELECT count(*) AS live, planned_rows('SELECT * FROM col_del') BETWEEN 39400 AND 39800
       AS counted_below_1000_markers
  FROM col_del;
DELETE FROM col_del WHERE id % 4 = 1;
ANALYZE col_del;
SELECT count(*) AS live, planned_rows('SELECT * FROM col_del') BETWEEN 28500 AND 31500
       AS extrapolated_within_5_percent
  FROM col_del;
DROP TABLE col_del;
DROP FUNCTION planned_rows(text);

-- Costs: a filter on a column that follows the storage order lets the scan
-- skip chunks, so the planner expects it to cost less than the same filter,
-- as selective, on a column in random order (ANALYZE's correlation).
CREATE TABLE cost_t (sorted int, shuffled int, pad text) USING columnar;
INSERT INTO cost_t SELECT g, (g * 7919) % 100000, 'x' FROM generate_series(1, 100000) g;
ANALYZE cost_t;
-- (the load wrote row groups only: ANALYZE still samples them)
SELECT attname, correlation > 0.99 AS ordered, abs(correlation) < 0.1 AS random
  FROM pg_stats WHERE tablename = 'cost_t' AND attname <> 'pad' ORDER BY attname;
CREATE FUNCTION pg_temp.plan_cost(query text) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE plan json;
BEGIN
    EXECUTE 'EXPLAIN (FORMAT JSON) ' || query INTO plan;
    RETURN (plan -> 0 -> 'Plan' ->> 'Total Cost')::float8;
END
$$;
SELECT pg_temp.plan_cost('SELECT pad FROM cost_t WHERE sorted < 1000') <
       pg_temp.plan_cost('SELECT pad FROM cost_t WHERE shuffled < 1000') / 2 AS sorted_costs_less;
DROP TABLE cost_t;
