-- Bulk loads - COPY FROM, table rewrites, CREATE TABLE AS, and INSERT ...
-- SELECT of an expected 10,000 rows or more - write row groups directly,
-- with no delta rows, when nothing can look a row up before the load ends:
-- no INSERT trigger (but BEFORE STATEMENT), and no index, or only
-- non-unique indexes and no sort key.  Otherwise they fill the delta store.
-- Either way the table returns the rows it was given.
CREATE TABLE copy_src AS
SELECT g AS id, 'v' || g AS v, (g % 7)::numeric / 4 AS n,
       date '2024-01-01' + (hashint4(g) & 1023) AS d,
       CASE WHEN g % 5 = 0 THEN NULL ELSE g END AS maybe
  FROM generate_series(1, 25000) g;
-- Files in the data directory, which COPY FROM finds by relative path.
DO $$
DECLARE
  dir text := current_setting('data_directory') || '/';
BEGIN
  EXECUTE format('COPY copy_src TO %L', dir || 'columnar_copy_src.data');
  EXECUTE format('COPY (SELECT * FROM copy_src WHERE id <= 100) TO %L',
                 dir || 'columnar_copy_small.data');
  -- 15,000 good rows, then one that does not parse
  EXECUTE format('COPY (SELECT id::text, v, n::text, d::text, maybe::text FROM copy_src
                         WHERE id <= 15000
                        UNION ALL SELECT ''oops'', ''x'', ''1'', ''2024-01-01'', NULL) TO %L',
                 dir || 'columnar_copy_bad.data');
END $$;

CREATE FUNCTION copy_check(t regclass, OUT row_groups bigint, OUT rows bigint,
                           OUT delta_rows bigint, OUT differences bigint)
LANGUAGE plpgsql AS $$
BEGIN
  SELECT s.row_groups, s.rows, s.delta_rows INTO row_groups, rows, delta_rows
    FROM epiphany.columnar_stats(t) s;
  EXECUTE format('SELECT count(*) FROM ((SELECT * FROM copy_src EXCEPT ALL SELECT * FROM %s)
                   UNION ALL (SELECT * FROM %s EXCEPT ALL SELECT * FROM copy_src)) x', t, t)
    INTO differences;
END $$;

-- No index: row groups of the table's size, the last one short.
CREATE TABLE copy_plain (LIKE copy_src) USING columnar;
SELECT epiphany.columnar_set_options('copy_plain', row_group_rows => 10000, chunk_rows => 1000);
COPY copy_plain FROM 'columnar_copy_src.data';
SELECT * FROM copy_check('copy_plain');

-- A load that fails inside a savepoint leaves nothing behind, not even the
-- rows it still buffered; the next load in the transaction starts afresh.
TRUNCATE copy_plain;
BEGIN;
SAVEPOINT before_load;
COPY copy_plain FROM 'columnar_copy_bad.data';
ROLLBACK TO before_load;
COPY copy_plain FROM 'columnar_copy_small.data';
COMMIT;
SELECT count(*), min(id), max(id) FROM copy_plain;
-- and so does one whose transaction aborts
BEGIN;
COPY copy_plain FROM 'columnar_copy_src.data';
ROLLBACK;
SELECT count(*) FROM copy_plain;

-- Non-unique indexes get entries for the new row numbers.
CREATE TABLE copy_indexed (LIKE copy_src) USING columnar;
CREATE INDEX copy_indexed_id ON copy_indexed (id);
CREATE INDEX copy_indexed_v ON copy_indexed USING hash (v);
COPY copy_indexed FROM 'columnar_copy_src.data';
SELECT * FROM copy_check('copy_indexed');
SET enable_seqscan = off;
SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF) SELECT * FROM copy_indexed WHERE id = 12345;
SELECT * FROM copy_indexed WHERE id = 12345;
SELECT id FROM copy_indexed WHERE v = 'v24999';
RESET enable_seqscan;
RESET enable_bitmapscan;

-- A sort key: the load is sorted before it is written, so the zone maps of
-- the sort column are narrow.
CREATE TABLE copy_sorted (LIKE copy_src) USING columnar;
SELECT epiphany.columnar_set_options('copy_sorted', chunk_rows => 1000, orderby => 'd');
COPY copy_sorted FROM 'columnar_copy_src.data';
SELECT * FROM copy_check('copy_sorted');
SELECT count(*) AS out_of_order
  FROM (SELECT d < lag(d) OVER (ORDER BY ctid) AS back FROM copy_sorted) x WHERE back;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT count(*) FROM copy_sorted WHERE d < date '2024-01-11';

-- A unique index: the delta store, which checks keys as rows arrive.
CREATE TABLE copy_unique (LIKE copy_src) USING columnar;
ALTER TABLE copy_unique ADD PRIMARY KEY (id);
COPY copy_unique FROM 'columnar_copy_src.data';
SELECT * FROM copy_check('copy_unique');
COPY copy_unique FROM 'columnar_copy_small.data';

-- An AFTER ROW trigger: the delta store, where the trigger finds its row.
CREATE TABLE copy_log (id int, v text);
CREATE FUNCTION copy_log_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO copy_log VALUES (NEW.id, NEW.v);
  RETURN NULL;
END $$;
CREATE TABLE copy_triggered (LIKE copy_src) USING columnar;
CREATE TRIGGER copy_triggered_log AFTER INSERT ON copy_triggered
  FOR EACH ROW EXECUTE FUNCTION copy_log_row();
COPY copy_triggered FROM 'columnar_copy_small.data';
SELECT row_groups, rows, delta_rows FROM epiphany.columnar_stats('copy_triggered');
SELECT count(*), sum(id) FROM copy_log;
-- So does an AFTER STATEMENT trigger, which must see every row of the load.
CREATE FUNCTION copy_count_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE NOTICE 'the table has % rows', (SELECT count(*) FROM copy_counted);
  RETURN NULL;
END $$;
CREATE TABLE copy_counted (LIKE copy_src) USING columnar;
CREATE TRIGGER copy_counted_count AFTER INSERT ON copy_counted
  FOR EACH STATEMENT EXECUTE FUNCTION copy_count_rows();
COPY copy_counted FROM 'columnar_copy_small.data';
SELECT row_groups, rows, delta_rows FROM epiphany.columnar_stats('copy_counted');
-- and so does one on the partitioned table a COPY goes through
CREATE TABLE copy_parts (LIKE copy_src) PARTITION BY RANGE (id);
CREATE TABLE copy_part_low PARTITION OF copy_parts FOR VALUES FROM (MINVALUE) TO (50) USING columnar;
CREATE TABLE copy_part_high PARTITION OF copy_parts FOR VALUES FROM (50) TO (MAXVALUE) USING columnar;
COPY copy_parts FROM 'columnar_copy_small.data';
SELECT row_groups, rows, delta_rows FROM epiphany.columnar_stats('copy_part_high');
CREATE FUNCTION copy_count_parts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE NOTICE 'the partitions have % rows', (SELECT count(*) FROM copy_parts);
  RETURN NULL;
END $$;
CREATE TRIGGER copy_parts_count AFTER INSERT ON copy_parts
  FOR EACH STATEMENT EXECUTE FUNCTION copy_count_parts();
COPY copy_parts FROM 'columnar_copy_small.data';
SELECT row_groups, rows, delta_rows FROM epiphany.columnar_stats('copy_part_high');
DROP TABLE copy_parts;
DROP FUNCTION copy_count_parts();

-- INSERT ... SELECT: directly when the planner expects many rows.
CREATE TABLE insert_plain (LIKE copy_src) USING columnar;
INSERT INTO insert_plain SELECT * FROM copy_src;
SELECT * FROM copy_check('insert_plain');
INSERT INTO insert_plain SELECT * FROM copy_src WHERE id <= 10;
SELECT row_groups, rows, delta_rows FROM epiphany.columnar_stats('insert_plain');
-- RETURNING goes to the delta store
TRUNCATE insert_plain;
WITH ins AS (INSERT INTO insert_plain SELECT * FROM copy_src RETURNING id)
SELECT count(*) FROM ins;
SELECT * FROM copy_check('insert_plain');
-- the rest of the transaction sees the rows; EXPLAIN alone inserts none
TRUNCATE insert_plain;
BEGIN;
EXPLAIN (COSTS OFF) INSERT INTO insert_plain SELECT * FROM copy_src;
INSERT INTO insert_plain SELECT * FROM copy_src;
SELECT count(*), sum(id) FROM insert_plain;
COMMIT;
SELECT * FROM copy_check('insert_plain');
-- a statement that fails in a savepoint leaves nothing, nor does one in a
-- function whose exception block rolls it back
TRUNCATE insert_plain;
BEGIN;
SAVEPOINT before_insert;
INSERT INTO insert_plain SELECT id, v, n / (id - 20000), d, maybe FROM copy_src;
ROLLBACK TO before_insert;
DO $$
BEGIN
  INSERT INTO insert_plain SELECT id, v, n / (id - 20000), d, maybe FROM copy_src;
EXCEPTION WHEN division_by_zero THEN
  RAISE NOTICE 'insert failed: %', SQLERRM;
END $$;
INSERT INTO insert_plain SELECT * FROM copy_src WHERE id > 24990;
COMMIT;
SELECT row_groups, rows, delta_rows FROM epiphany.columnar_stats('insert_plain');
SELECT count(*), min(id), max(id) FROM insert_plain;
-- inside a function, whose next statement sees the rows
CREATE FUNCTION insert_all() RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO insert_plain SELECT * FROM copy_src;
  RETURN (SELECT count(*) FROM insert_plain);
END $$;
TRUNCATE insert_plain;
SELECT insert_all();
SELECT * FROM copy_check('insert_plain');
-- a non-unique index gets entries; a unique one keeps the delta store
TRUNCATE copy_indexed;
INSERT INTO copy_indexed SELECT * FROM copy_src;
SELECT * FROM copy_check('copy_indexed');
SET enable_seqscan = off;
SET enable_bitmapscan = off;
SELECT * FROM copy_indexed WHERE id = 777;
RESET enable_seqscan;
RESET enable_bitmapscan;
TRUNCATE copy_unique;
INSERT INTO copy_unique SELECT * FROM copy_src;
SELECT * FROM copy_check('copy_unique');

-- Rewrites, CREATE TABLE AS and materialized views fill row groups directly
-- too; a rewrite keeps the table's options (here its sort key).
CREATE TABLE rw_heap AS SELECT * FROM copy_src;
ALTER TABLE rw_heap SET ACCESS METHOD columnar;
SELECT * FROM copy_check('rw_heap');
SELECT epiphany.columnar_set_options('rw_heap', orderby => 'd');
ALTER TABLE rw_heap ALTER COLUMN id TYPE bigint;
SELECT row_groups, rows, delta_rows FROM epiphany.columnar_stats('rw_heap');
SELECT count(*) AS out_of_order
  FROM (SELECT d < lag(d) OVER (ORDER BY ctid) AS back FROM rw_heap) x WHERE back;
SELECT count(*), sum(id) FROM rw_heap;
CREATE TABLE rw_ctas USING columnar AS SELECT * FROM copy_src;
SELECT * FROM copy_check('rw_ctas');
CREATE MATERIALIZED VIEW rw_mv USING columnar AS SELECT id, v FROM copy_src WHERE id % 2 = 0;
REFRESH MATERIALIZED VIEW rw_mv;
SELECT row_groups, rows, delta_rows FROM epiphany.columnar_stats('rw_mv');
SELECT count(*), sum(id) FROM rw_mv;
EXPLAIN (COSTS OFF) SELECT count(*) FROM rw_mv WHERE id < 100;
-- a COPY into a table created in the transaction, row by row (a volatile
-- default): the delta store, so each row is there for the next one
BEGIN;
CREATE TABLE rw_new (id int, v text, n numeric, d date, maybe int,
                     r float8 DEFAULT random()) USING columnar;
COPY rw_new (id, v, n, d, maybe) FROM 'columnar_copy_small.data';
SELECT row_groups, rows, delta_rows FROM epiphany.columnar_stats('rw_new');
COMMIT;
DROP TABLE rw_heap, rw_ctas, rw_new;
DROP MATERIALIZED VIEW rw_mv;

-- CREATE TABLE AS and REFRESH over a query the planner would run with
-- parallel workers: the leader of a parallel query cannot reserve row
-- numbers (an in-place catalog update), so a statement filling a columnar
-- relation plans its query without workers and loads row groups directly,
-- then gives the setting back.  EXPLAIN ANALYZE of such a statement does run
-- a parallel plan: its rows go to the delta store.
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT * FROM copy_src WHERE id % 3 = 0;
CREATE TABLE par_ctas USING columnar AS SELECT * FROM copy_src WHERE id % 3 = 0;
SHOW max_parallel_workers_per_gather;
SELECT row_groups > 0 AS row_groups, rows, delta_rows FROM epiphany.columnar_stats('par_ctas');
SELECT count(*), sum(id), count(maybe) FROM par_ctas;
SELECT count(*), sum(id), count(maybe) FROM copy_src WHERE id % 3 = 0;
CREATE MATERIALIZED VIEW par_mv USING columnar AS SELECT id, v FROM copy_src WHERE id % 3 = 1;
INSERT INTO copy_src SELECT id + 100000, v, n, d, maybe FROM copy_src WHERE id <= 3000;
REFRESH MATERIALIZED VIEW par_mv;
SELECT row_groups > 0 AS row_groups, rows, delta_rows FROM epiphany.columnar_stats('par_mv');
SELECT count(*), sum(id) FROM par_mv;
SELECT count(*), sum(id) FROM copy_src WHERE id % 3 = 1;
DELETE FROM copy_src WHERE id > 100000;
DO $$
DECLARE
  line text;
BEGIN
  FOR line IN EXECUTE 'EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
      CREATE TABLE par_explained USING columnar AS SELECT * FROM copy_src WHERE id % 3 = 2' LOOP
    IF line LIKE '%Gather%' THEN
      RAISE NOTICE 'a parallel plan';
    END IF;
  END LOOP;
END $$;
SELECT row_groups, rows, delta_rows FROM epiphany.columnar_stats('par_explained');
SELECT count(*), sum(id) FROM par_explained;
SELECT count(*), sum(id) FROM copy_src WHERE id % 3 = 2;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
DROP TABLE par_ctas, par_explained;
DROP MATERIALIZED VIEW par_mv;

DROP TABLE copy_src, copy_plain, copy_indexed, copy_sorted, copy_unique, copy_triggered,
  copy_log, copy_counted, insert_plain;
DROP FUNCTION copy_check(regclass), copy_log_row(), copy_count_rows(), insert_all();
