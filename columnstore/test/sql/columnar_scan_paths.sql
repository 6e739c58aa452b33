-- ColumnarScan on its own, without an aggregate above it:
-- (1) a parallel plain scan run at the top level, whose rows equal a heap
--     twin's over row groups, delta rows and deletions;
-- (2) chunk skipping by min/max and null counts for each type and operator,
--     with the rows compared with a heap twin.
SET epiphany.columnar_auto_merge = off;
SET epiphany.enable_vectorized_aggregation = off;

-- (1) Parallel plain scan.  Both tables get the same statements.
CREATE TABLE ps_c (id int, g int, t text) USING columnar;
CREATE TABLE ps_h (id int, g int, t text);
SELECT epiphany.columnar_set_options('ps_c', row_group_rows => 5000, chunk_rows => 1000);
INSERT INTO ps_c SELECT g, g % 97, 'r' || g FROM generate_series(1, 20000) g;
INSERT INTO ps_h SELECT g, g % 97, 'r' || g FROM generate_series(1, 20000) g;
SELECT epiphany.columnar_merge('ps_c');
INSERT INTO ps_c SELECT g, g % 97, 'd' || g FROM generate_series(20001, 21500) g;
INSERT INTO ps_h SELECT g, g % 97, 'd' || g FROM generate_series(20001, 21500) g;
DELETE FROM ps_c WHERE id % 10 = 3;
DELETE FROM ps_h WHERE id % 10 = 3;
UPDATE ps_c SET t = t || 'u' WHERE id % 1000 = 7;
UPDATE ps_h SET t = t || 'u' WHERE id % 1000 = 7;
-- four row groups, delta rows (new ones and updated versions), deletions
SELECT row_groups, rows, delta_rows, deleted_rows FROM epiphany.columnar_stats('ps_c');

SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;

-- EXPLAIN ANALYZE at the top level, written to a file and read back so that
-- the numbers that vary (row counts per worker, workers launched) can be masked.
\pset format unaligned
\pset tuples_only on
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
  SELECT id, t FROM ps_c WHERE g < 50 \g tmp_check/columnar_scan_paths_explain.txt
\pset format aligned
\pset tuples_only off
CREATE TEMP TABLE ps_plan (line text);
\copy ps_plan FROM 'tmp_check/columnar_scan_paths_explain.txt'
SELECT regexp_replace(line, '\d+', 'N', 'g') AS masked_plan FROM ps_plan
 WHERE line NOT LIKE '%Workers Launched%' AND line NOT LIKE '%Worker %';
SELECT split_part(line, ':', 2)::int > 0 AS workers_launched
  FROM ps_plan WHERE line LIKE '%Workers Launched:%';
-- the rows Gather collected from the workers and the leader: as many as the
-- heap's (the scan node's own count is a per-process average, rounded)
SELECT (regexp_match(line, 'actual rows=(\d+)'))[1]::int AS gathered_rows
  FROM ps_plan WHERE line LIKE 'Gather%';
SELECT count(*) AS heap_rows FROM ps_h WHERE g < 50;

-- The comparison itself runs at the top level, in parallel.
EXPLAIN (COSTS OFF)
SELECT count(*) FROM (SELECT id, g, t FROM ps_c WHERE g < 50
                      EXCEPT ALL SELECT id, g, t FROM ps_h WHERE g < 50) d;
SELECT count(*) AS only_columnar FROM (SELECT id, g, t FROM ps_c WHERE g < 50
                      EXCEPT ALL SELECT id, g, t FROM ps_h WHERE g < 50) d;
SELECT count(*) AS only_heap FROM (SELECT id, g, t FROM ps_h WHERE g < 50
                      EXCEPT ALL SELECT id, g, t FROM ps_c WHERE g < 50) d;
-- the whole table too (no filter), both ways
SELECT count(*) AS only_columnar FROM (SELECT * FROM ps_c EXCEPT ALL SELECT * FROM ps_h) d;
SELECT count(*) AS only_heap FROM (SELECT * FROM ps_h EXCEPT ALL SELECT * FROM ps_c) d;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;

-- (2) Chunk skipping.  Rows are loaded in id order and every column grows
-- with id, so each chunk of 500 rows covers its own range of every column.
-- nul is NULL in the first 1,000 rows only: two chunks all NULL, eight none.
SET max_parallel_workers_per_gather = 0;
CREATE TABLE sk_c (id int4, b int8, d date, ts timestamptz, tsn timestamp, n numeric, s text,
                   nul int4)
  USING columnar;
SELECT epiphany.columnar_set_options('sk_c', row_group_rows => 1000, chunk_rows => 500);
CREATE TABLE sk_h (LIKE sk_c);
INSERT INTO sk_c SELECT g, g * 1000000000::int8, date '2020-01-01' + g,
       timestamptz '2020-01-01 00:00+00' + g * interval '1 hour',
       timestamp '2020-01-01' + g * interval '1 minute', g / 100.0,
       lpad(g::text, 6, '0'), CASE WHEN g > 1000 THEN g END
  FROM generate_series(1, 5000) g;
INSERT INTO sk_h SELECT g, g * 1000000000::int8, date '2020-01-01' + g,
       timestamptz '2020-01-01 00:00+00' + g * interval '1 hour',
       timestamp '2020-01-01' + g * interval '1 minute', g / 100.0,
       lpad(g::text, 6, '0'), CASE WHEN g > 1000 THEN g END
  FROM generate_series(1, 5000) g;
SELECT epiphany.columnar_merge('sk_c');
SELECT row_groups, rows, delta_rows FROM epiphany.columnar_stats('sk_c');

-- "Chunks Skipped" of the ColumnarScan (0 when the line is missing); an
-- error if the plan has no ColumnarScan or has an aggregate.
CREATE FUNCTION chunks_skipped(q text) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
  line text;
  scan bool := false;
  skipped int := 0;
BEGIN
  FOR line IN EXECUTE 'EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) ' || q LOOP
    IF line LIKE '%Aggregate%' THEN
      RAISE EXCEPTION 'aggregate in plan: %', line;
    END IF;
    scan := scan OR line LIKE '%Custom Scan (ColumnarScan)%';
    IF line LIKE '%Chunks Skipped:%' THEN
      skipped := split_part(line, ':', 2)::int;
    END IF;
  END LOOP;
  IF NOT scan THEN
    RAISE EXCEPTION 'no ColumnarScan in the plan of %', q;
  END IF;
  RETURN skipped;
END $$;
-- The same query on both tables returns the same rows.
CREATE FUNCTION same_rows(q text) RETURNS bool LANGUAGE plpgsql AS $$
DECLARE
  c text[];
  h text[];
BEGIN
  EXECUTE format('SELECT array_agg(t::text ORDER BY t::text) FROM (%s) t', replace(q, 'TBL', 'sk_c')) INTO c;
  EXECUTE format('SELECT array_agg(t::text ORDER BY t::text) FROM (%s) t', replace(q, 'TBL', 'sk_h')) INTO h;
  RETURN c IS NOT DISTINCT FROM h;
END $$;

CREATE TEMP TABLE sk_cases (col text, cond text);
INSERT INTO sk_cases VALUES
  ('int4', 'id = 2345'), ('int4', 'id < 600'), ('int4', 'id <= 500'), ('int4', 'id > 4400'),
  ('int4', 'id >= 4501'), ('int4', 'id BETWEEN 1200 AND 1700'), ('int4', 'id IN (7, 4999)'),
  ('int8', 'b = 2345000000000'), ('int8', 'b < 600000000000'), ('int8', 'b <= 500000000000'),
  ('int8', 'b > 4400000000000'), ('int8', 'b >= 4501000000000'),
  ('int8', 'b BETWEEN 1200000000000 AND 1700000000000'), ('int8', 'b IN (7000000000, 4999000000000)'),
  ('date', $$d = '2026-06-01'$$), ('date', $$d < '2021-06-01'$$), ('date', $$d <= '2021-05-15'$$),
  ('date', $$d > '2033-01-01'$$), ('date', $$d >= '2033-01-01'$$),
  ('date', $$d BETWEEN '2023-04-01' AND '2024-01-01'$$), ('date', $$d IN ('2020-01-08', '2033-09-01')$$),
  ('timestamptz', $$ts = '2020-03-10 12:00+00'$$), ('timestamptz', $$ts < '2020-01-20 00:00+00'$$),
  ('timestamptz', $$ts <= '2020-01-20 00:00+00'$$), ('timestamptz', $$ts > '2020-07-20 00:00+00'$$),
  ('timestamptz', $$ts >= '2020-07-20 00:00+00'$$),
  ('timestamptz', $$ts BETWEEN '2020-03-01 00:00+00' AND '2020-03-20 00:00+00'$$),
  ('timestamptz', $$ts IN ('2020-01-02 00:00+00', '2020-07-25 00:00+00')$$),
  ('numeric', 'n = 23.45'), ('numeric', 'n < 6'), ('numeric', 'n <= 5'), ('numeric', 'n > 44'),
  ('numeric', 'n >= 45.01'), ('numeric', 'n BETWEEN 12 AND 17'), ('numeric', 'n IN (0.07, 49.99)'),
  ('text', $$s = '002345'$$), ('text', $$s < '000600'$$), ('text', $$s <= '000500'$$),
  ('text', $$s > '004400'$$), ('text', $$s >= '004501'$$), ('text', $$s BETWEEN '001200' AND '001700'$$),
  ('text', $$s IN ('000007', '004999')$$),
  ('timestamp', $$tsn = '2020-01-02 15:00'$$), ('timestamp', $$tsn < '2020-01-01 08:00'$$),
  ('timestamp', $$tsn <= '2020-01-01 08:20'$$), ('timestamp', $$tsn > '2020-01-04 09:00'$$),
  ('timestamp', $$tsn >= '2020-01-04 03:01'$$),
  ('timestamp', $$tsn BETWEEN '2020-01-01 20:00' AND '2020-01-02 04:00'$$),
  ('timestamp', $$tsn IN ('2020-01-01 00:07', '2020-01-04 11:19')$$),
  ('int4 nulls', 'nul IS NULL'), ('int4 nulls', 'nul IS NOT NULL'), ('int4 nulls', 'nul < 1600'),
  -- controls: conditions that hold in every chunk, or that min/max cannot use
  ('control', 'id > 0'), ('control', 'id <> 2345'), ('control', 'id % 1000 = 7');
-- Ten chunks per column: the number skipped is exact for these data.
-- Every condition but the controls skips chunks.
SELECT col, cond, chunks_skipped(format('SELECT id FROM sk_c WHERE %s', cond)) AS skipped,
       same_rows(format('SELECT id, b, d, ts, tsn, n, s, nul FROM TBL WHERE %s', cond)) AS same
  FROM sk_cases ORDER BY col, cond;
-- after deletions, updates and delta rows the filters still skip and the rows agree
DELETE FROM sk_c WHERE id % 7 = 0;
DELETE FROM sk_h WHERE id % 7 = 0;
UPDATE sk_c SET s = s || 'x' WHERE id % 100 = 1;
UPDATE sk_h SET s = s || 'x' WHERE id % 100 = 1;
SELECT col, cond, chunks_skipped(format('SELECT id FROM sk_c WHERE %s', cond)) AS skipped,
       same_rows(format('SELECT id, b, d, ts, tsn, n, s, nul FROM TBL WHERE %s', cond)) AS same
  FROM sk_cases ORDER BY col, cond;

DROP FUNCTION chunks_skipped(text), same_rows(text);
DROP TABLE ps_c, ps_h, sk_c, sk_h;
