-- ColumnarAggregate: aggregations over a columnar table computed on decoded
-- chunks.  Every query runs on a columnar table and on its heap twin and
-- must give the same rows, shown as text (so numeric display scales count);
-- "vectorized" says that the columnar plan used the node.
SET epiphany.columnar_auto_merge = off;
CREATE TABLE agg_h (id int, grp int, cat text, code char(3), q numeric(12,2), p numeric,
                    d numeric(6,4), f float8, day date, ts timestamptz, big bigint,
                    small smallint, r numeric(10,2), s numeric(8,3));
CREATE TABLE agg_c (LIKE agg_h) USING columnar;
SELECT epiphany.columnar_set_options('agg_c', row_group_rows => 3000, chunk_rows => 500);
INSERT INTO agg_h
SELECT g, g % 7,
       CASE WHEN g % 13 = 0 THEN NULL ELSE 'cat' || (g % 5) END,
       CASE WHEN g % 17 = 0 THEN NULL ELSE chr(65 + g % 3) || chr(65 + g % 4) END,
       CASE WHEN g % 19 = 0 THEN NULL ELSE ((g * 37) % 20000 - 5000) / 100.0 END,
       CASE g % 4 WHEN 0 THEN g / 8.0 WHEN 1 THEN g::numeric WHEN 2 THEN (g % 50) * 1.5
                  ELSE NULL END,
       (g % 97) / 1000.0,
       CASE WHEN g % 23 = 0 THEN NULL ELSE (g % 1000) / 7.0 END,
       date '2024-01-01' + g % 400,
       timestamptz '2024-01-01 00:00+00' + g * interval '17 minutes',
       g::bigint * 1000003,
       (g % 300)::smallint,
       CASE WHEN g % 6 = 0 THEN NULL ELSE (g % 6) * 1000.25 END,
       (g % 4) * 2.125
  FROM generate_series(1, 9000) g;
INSERT INTO agg_c SELECT * FROM agg_h;
SELECT epiphany.columnar_merge('agg_c') > 0 AS merged;
-- deletions and updates in row groups, rows in the delta store
DELETE FROM agg_h WHERE id % 11 = 0;
DELETE FROM agg_c WHERE id % 11 = 0;
UPDATE agg_h SET q = q + 1, cat = 'updated' WHERE id % 29 = 0;
UPDATE agg_c SET q = q + 1, cat = 'updated' WHERE id % 29 = 0;
INSERT INTO agg_h VALUES (10001, 3, 'delta', 'ZZ', 12.5, 0.125, 0.5, 1.25, '2025-06-01',
                          '2025-06-01 12:00+00', 7, 7, 3000.75, 2.125),
                         (10002, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                          NULL, NULL);
INSERT INTO agg_c SELECT * FROM agg_h WHERE id > 10000;
SELECT row_groups > 1 AS row_groups, delta_rows > 0 AS delta, deleted_rows > 0 AS deleted
  FROM epiphany.columnar_stats('agg_c');
ANALYZE agg_h;
ANALYZE agg_c;

-- Runs query "q" (TBL: the table) on both; 'same' or the difference.
CREATE FUNCTION same_rows(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  c text[];
  h text[];
  plan text := '';
  line text;
BEGIN
  FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || replace(q, 'TBL', 'agg_c') LOOP
    plan := plan || line;
  END LOOP;
  EXECUTE format('SELECT array_agg(t::text ORDER BY t::text) FROM (%s) t',
                 replace(q, 'TBL', 'agg_c')) INTO c;
  EXECUTE format('SELECT array_agg(t::text ORDER BY t::text) FROM (%s) t',
                 replace(q, 'TBL', 'agg_h')) INTO h;
  IF c IS DISTINCT FROM h THEN
    RETURN format('DIFFERENT: %s / %s', c, h);
  END IF;
  RETURN CASE WHEN plan LIKE '%ColumnarAggregate%' THEN 'same, vectorized' ELSE 'same, plain' END;
END $$;

EXPLAIN (COSTS OFF)
SELECT count(*), sum(q) FROM agg_c WHERE day >= '2024-03-01' AND q < 50;

-- whole table: every aggregate and type
SELECT same_rows($$SELECT count(*), count(cat), count(q), sum(id), sum(big), sum(small),
  avg(id), avg(big), avg(small), sum(q), avg(q), sum(p), avg(p), min(q), max(q), min(p), max(p),
  round(sum(f)::numeric, 6), round(avg(f)::numeric, 6), min(f), max(f), min(day), max(day),
  min(ts), max(ts), min(cat), max(cat), min(code), max(code), min(id), max(big), min(small)
  FROM TBL$$);
SELECT count(*), sum(q), avg(q), sum(p), min(p), max(p), max(cat), min(code) FROM agg_c;
-- filters of every kind, each alone, then together
SELECT q, same_rows(format('SELECT count(*), sum(q), sum(p), min(day), max(cat) FROM TBL WHERE %s', q))
  FROM (VALUES ('day >= ''2024-03-01'''), ('day < ''2024-03-01'''), ('day = ''2024-02-02'''),
               ('day <> ''2024-02-02'''), ('q < 50'), ('q <= -12.34'), ('q = 12.95'),
               ('q = 12.951'), ('q > 12.951'), ('q >= 12.951'), ('q < 12.951'), ('q <> 0'),
               ('p > 0.125'), ('p <= 100'), ('p = 1.5'), ('50 > q'), ('d BETWEEN 0.01 AND 0.05'),
               ('id > 4000'), ('id < 4000::bigint'), ('big >= 5000000000'), ('small = 7'),
               ('f > 100'), ('f < 50.5'), ('ts < ''2024-02-01 00:00+00'''), ('ts < now()'),
               ('cat = ''cat2'''), ('cat <> ''cat2'''), ('cat > ''cat2'''), ('code = ''AB'''),
               ('cat IS NULL'), ('q IS NOT NULL'), ('cat LIKE ''cat%'''),
               ('day >= ''2024-03-01'' AND q < 50 AND cat <> ''cat1'' AND p IS NOT NULL'),
               ('q > 1000000'), ('id < 0'),
               ('id IN (3, 17, 4000, 99999, 10001)'), ('day IN (''2024-02-02'', ''2024-03-01'')'),
               ('small = ANY (ARRAY[7, NULL, 8]::int[])'), ('big IN (1000003, 2000006)'),
               ('id = ANY (''{}''::int[])'), ('id IN (5, 5, 6) AND q > 0'),
               ('ts IN (''2024-01-01 00:17+00'', ''2024-01-01 00:34+00'')'),
               -- two bounds of one column run as one range
               ('day >= ''2024-03-01'' AND day < ''2024-04-01'''), ('q > 12.951 AND q <= 40'),
               ('q >= 40 AND q < 12'), ('id > 100 AND id < 200 AND id <> 150'),
               ('q BETWEEN -10 AND 10.005 AND q <> 0'),
               ('day = ''2024-02-02'' AND day > ''2024-01-01'''),
               ('id >= 10 AND id <= 20 AND id >= 15'), ('50 > q AND q > 49.5')) AS t(q);
-- grouped by one and two columns of several types, NULL groups included
-- (a numeric key whose equal values show different scales shows the first
-- one met, which depends on the scan order: not compared)
SELECT g, same_rows(format('SELECT %s, count(*), count(p), sum(q), avg(p), min(day), max(code) FROM TBL GROUP BY %s', g, g))
  FROM (VALUES ('grp'), ('cat'), ('code'), ('day'), ('small'), ('q'), ('d'), ('f'),
               ('code, grp'), ('cat, day'), ('grp, cat')) AS t(g);
SELECT grp, cat, count(*), sum(q) FROM agg_c WHERE day < '2024-01-05' GROUP BY grp, cat
 ORDER BY grp, cat;
-- arithmetic in the aggregates' arguments, and expressions over aggregates
SELECT e, same_rows(format('SELECT %s FROM TBL', e))
  FROM (VALUES ('sum(q * d)'), ('sum(q * (1 - d) * (1 + d))'), ('avg(q + p)'),
               ('sum(q - 1.5)'), ('sum(id * q)'), ('sum(big * d)'), ('avg(small * 2.50)'),
               ('sum(q) / count(*)'), ('count(*) + 1'), ('sum(q * d) FILTER (WHERE id > 5)'),
               ('max(q) - min(q)')) AS t(e);
SELECT sum(q * (1 - d) * (1 + d)), avg(q + p) FROM agg_c;
-- numeric chunks read as scaled integers: decimal chunks (q with NULLs, d)
-- and dictionaries of one display scale (r with NULLs, s without), for
-- every row or, past a selective filter, for a few rows one at a time
SELECT attname, encoding, chunks > 0 AS chunks FROM epiphany.columnar_encodings('agg_c')
 WHERE attname IN ('q', 'd', 'r', 's') ORDER BY 1, 2;
SELECT q, same_rows(format('SELECT count(*), sum(r), avg(r), sum(s), sum(s * r), sum(q * s),
  avg(d * s), sum(q) FROM TBL WHERE %s', q))
  FROM (VALUES ('id > 0'), ('r > 2000'), ('s = 2.125'), ('s < 3 AND r >= 3000.75'),
               ('small = 7'), ('small = 7 AND r < 4000'), ('id < 40'), ('q > 40 AND s > 0'))
       AS t(q);
-- nothing matches: one row without GROUP BY, none with it
SELECT count(*), sum(q), avg(q), min(cat), max(day) FROM agg_c WHERE id < 0;
SELECT grp, count(*) FROM agg_c WHERE id < 0 GROUP BY grp;
-- values known when the query starts: parameters of a generic plan
SET plan_cache_mode = force_generic_plan;
PREPARE pq(numeric, date) AS
  SELECT count(*), sum(q) FROM agg_c WHERE q > $1 AND day < $2;
EXPLAIN (COSTS OFF) EXECUTE pq(10, '2024-06-01');
EXECUTE pq(10, '2024-06-01');
EXECUTE pq(-20.5, '2024-02-01');
EXECUTE pq(NULL, '2024-02-01');
PREPARE pin(int[]) AS SELECT count(*), sum(q) FROM agg_c WHERE id = ANY ($1);
EXPLAIN (COSTS OFF) EXECUTE pin('{1, 2, 3}');
EXECUTE pin('{1, 2, 3, 10001}');
EXECUTE pin('{}');
EXECUTE pin(NULL);
SELECT count(*), sum(q) FROM agg_h WHERE id = ANY ('{1, 2, 3, 10001}');
SELECT count(*), sum(q) FROM agg_h WHERE q > 10 AND day < '2024-06-01';
SELECT count(*), sum(q) FROM agg_h WHERE q > -20.5 AND day < '2024-02-01';
PREPARE pr(numeric, numeric) AS SELECT count(*), sum(q) FROM agg_c WHERE q > $1 AND q < $2;
EXECUTE pr(-5, 20.5);
EXECUTE pr(NULL, 20.5);
EXECUTE pr(-5, NULL);
SELECT count(*), sum(q) FROM agg_h WHERE q > -5 AND q < 20.5;
RESET plan_cache_mode;
-- rescans with a new outer value each time
SELECT x, (SELECT sum(q) FROM agg_c WHERE grp = x) AS c, (SELECT sum(q) FROM agg_h WHERE grp = x) AS h
  FROM generate_series(0, 2) x;
-- the transaction's own changes and a savepoint rolled back
BEGIN;
DELETE FROM agg_c WHERE grp = 1;
INSERT INTO agg_c (id, grp, q) VALUES (20000, 1, 99.99);
SELECT grp, count(*), sum(q) FROM agg_c WHERE grp < 3 GROUP BY grp ORDER BY grp;
SAVEPOINT s;
DELETE FROM agg_c WHERE grp = 2;
SELECT grp, count(*), sum(q) FROM agg_c WHERE grp < 3 GROUP BY grp ORDER BY grp;
ROLLBACK TO s;
SELECT grp, count(*), sum(q) FROM agg_c WHERE grp < 3 GROUP BY grp ORDER BY grp;
ROLLBACK;
SELECT grp, count(*), sum(q) FROM agg_c WHERE grp < 3 GROUP BY grp ORDER BY grp;
-- parallel workers of the node's own share the row groups and the delta
-- store's blocks; the leader merges their groups
SET min_parallel_table_scan_size = 0;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET max_parallel_workers_per_gather = 2;
CREATE FUNCTION workers_of(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  line text;
  planned bool := false;
  launched int := 0;
BEGIN
  FOR line IN EXECUTE 'EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) ' || q LOOP
    IF line LIKE '%->%' THEN
      EXIT;
    END IF;
    planned := planned OR line LIKE '%Workers Planned:%';
    IF line LIKE '%Workers Launched:%' THEN
      launched := split_part(line, ':', 2)::int;
    END IF;
  END LOOP;
  RETURN format('planned %s, launched %s', planned, launched > 0);
END $$;
SELECT workers_of('SELECT grp, count(*), sum(q) FROM agg_c GROUP BY grp');
-- (compared at the top level: functions run their queries without workers)
SELECT (SELECT array_agg(t::text ORDER BY t::text)
          FROM (SELECT grp, count(*), sum(q), avg(p), min(cat), max(code), min(day) FROM agg_c GROUP BY grp) t)
       = (SELECT array_agg(t::text ORDER BY t::text)
          FROM (SELECT grp, count(*), sum(q), avg(p), min(cat), max(code), min(day) FROM agg_h GROUP BY grp) t)
       AS same_by_grp;
SELECT (SELECT array_agg(t::text ORDER BY t::text)
          FROM (SELECT cat, code, count(*), sum(q * d), max(p) FROM agg_c WHERE day >= '2024-02-01' GROUP BY cat, code) t)
       = (SELECT array_agg(t::text ORDER BY t::text)
          FROM (SELECT cat, code, count(*), sum(q * d), max(p) FROM agg_h WHERE day >= '2024-02-01' GROUP BY cat, code) t)
       AS same_by_cat_code;
SELECT (SELECT row(count(*), sum(big), avg(small), round(sum(f)::numeric, 6), min(ts), max(cat))::text FROM agg_c WHERE q > 0)
       = (SELECT row(count(*), sum(big), avg(small), round(sum(f)::numeric, 6), min(ts), max(cat))::text FROM agg_h WHERE q > 0)
       AS same_whole;
SELECT grp, count(*), sum(q) FROM agg_c WHERE cat = 'cat3' GROUP BY grp ORDER BY grp;
SET epiphany.enable_parallel_workers = off;
SELECT workers_of('SELECT grp, count(*), sum(q) FROM agg_c GROUP BY grp');
RESET epiphany.enable_parallel_workers;
RESET min_parallel_table_scan_size;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET max_parallel_workers_per_gather;
-- left to the plain plan
SELECT q, same_rows(q)
  FROM (VALUES ('SELECT count(DISTINCT grp) FROM TBL'), ('SELECT grp, count(*) FROM TBL GROUP BY grp HAVING count(*) > 1'),
               ('SELECT string_agg(cat, '','' ORDER BY id) FROM TBL WHERE id < 20'),
               ('SELECT grp, cat, code, count(*) FROM TBL GROUP BY grp, cat, code'),
               ('SELECT count(*) FROM TBL WHERE id % 2 = 0'), ('SELECT count(*) FROM TBL WHERE q = ANY (''{1.5,2.25}'')'),
               ('SELECT count(*) FROM TBL WHERE id = 1 OR id = 2'), ('SELECT round(sum(f * 2)::numeric, 6) FROM TBL'),
               ('SELECT sum(id + 1) FROM TBL'), ('SELECT grp + 1, count(*) FROM TBL GROUP BY grp + 1'),
               ('SELECT sum(q) FROM TBL GROUP BY ROLLUP (grp)')) AS t(q);
SET epiphany.enable_vectorized_aggregation = off;
EXPLAIN (COSTS OFF) SELECT count(*), sum(q) FROM agg_c WHERE day >= '2024-03-01';
RESET epiphany.enable_vectorized_aggregation;
-- values without an exact vector form: the node hands over to its child
CREATE TABLE fb_c (k int, n numeric, f float8) USING columnar;
CREATE TABLE fb_h (k int, n numeric, f float8);
INSERT INTO fb_c SELECT g % 3, g, g FROM generate_series(1, 1000) g;
INSERT INTO fb_h SELECT g % 3, g, g FROM generate_series(1, 1000) g;
CREATE FUNCTION analyze_line(q text, label text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  line text;
BEGIN
  FOR line IN EXECUTE 'EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) ' || q LOOP
    IF line LIKE '%' || label || ':%' THEN
      RETURN trim(line);
    END IF;
  END LOOP;
  RETURN 'no ' || label;
END $$;
SELECT analyze_line('SELECT k, sum(n) FROM fb_c GROUP BY k', 'Fallback');
INSERT INTO fb_c VALUES (1, 'NaN', 'NaN'), (2, 1e30, 1e200), (0, -1e30, 2);
INSERT INTO fb_h VALUES (1, 'NaN', 'NaN'), (2, 1e30, 1e200), (0, -1e30, 2);
SELECT epiphany.columnar_merge('fb_c') > 0 AS merged;	-- into a row group
SELECT analyze_line('SELECT k, sum(n) FROM fb_c GROUP BY k', 'Fallback');
SELECT k, sum(n), avg(n) FROM fb_c GROUP BY k ORDER BY k;
SELECT k, sum(n), avg(n) FROM fb_h GROUP BY k ORDER BY k;
SELECT analyze_line('SELECT sum(n * n) FROM fb_c WHERE k = 0', 'Fallback');
SELECT (SELECT sum(n * n) FROM fb_c WHERE k = 0) AS c, (SELECT sum(n * n) FROM fb_h WHERE k = 0) AS h;
SELECT analyze_line('SELECT sum(f) FROM fb_c WHERE k = 2', 'Fallback');
SELECT (SELECT sum(f) FROM fb_c WHERE k = 2) AS c, (SELECT sum(f) FROM fb_h WHERE k = 2) AS h;
SELECT analyze_line('SELECT count(*) FROM fb_c WHERE n > ''NaN''', 'Fallback');
SELECT (SELECT count(*) FROM fb_c WHERE n < 'NaN') AS c, (SELECT count(*) FROM fb_h WHERE n < 'NaN') AS h;
-- a worker that meets such a value makes the leader fall back
SET min_parallel_table_scan_size = 0;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SELECT analyze_line('SELECT k, sum(n) FROM fb_c GROUP BY k', 'Fallback');
SELECT k, sum(n), avg(n) FROM fb_c GROUP BY k ORDER BY k;
RESET min_parallel_table_scan_size;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
DROP TABLE fb_c, fb_h;
-- chunks whose min/max show that every row passes a filter are not
-- filtered (time-ordered data: most chunks of a time range)
CREATE TABLE ord_c (t timestamptz, v numeric(10,2), k int) USING columnar;
CREATE TABLE ord_h (t timestamptz, v numeric(10,2), k int);
SELECT epiphany.columnar_set_options('ord_c', row_group_rows => 2000, chunk_rows => 500);
INSERT INTO ord_c SELECT timestamptz '2024-01-01 00:00+00' + g * interval '1 minute',
                         CASE WHEN g BETWEEN 3000 AND 3010 THEN NULL ELSE g % 100 / 4.0 END, g % 5
                    FROM generate_series(0, 5999) g;
SELECT epiphany.columnar_merge('ord_c') >= 0 AS merged;
INSERT INTO ord_h SELECT * FROM ord_c;
SELECT analyze_line('SELECT count(*), sum(v) FROM ord_c WHERE t >= ''2024-01-02 00:00+00''',
                    'Batches Unfiltered');
SELECT 't >= ''2024-01-01 08:20+00''' AS filter,
       (SELECT row(count(*), sum(v), min(t), max(k))::text FROM ord_c WHERE t >= '2024-01-01 08:20+00')
     = (SELECT row(count(*), sum(v), min(t), max(k))::text FROM ord_h WHERE t >= '2024-01-01 08:20+00') AS same;
SELECT 't > ''2024-01-01 08:20+00''' AS filter,
       (SELECT row(count(*), sum(v), min(t), max(k))::text FROM ord_c WHERE t > '2024-01-01 08:20+00')
     = (SELECT row(count(*), sum(v), min(t), max(k))::text FROM ord_h WHERE t > '2024-01-01 08:20+00') AS same;
SELECT 't <= ''2024-01-01 16:39+00''' AS filter,
       (SELECT row(count(*), sum(v), min(t), max(k))::text FROM ord_c WHERE t <= '2024-01-01 16:39+00')
     = (SELECT row(count(*), sum(v), min(t), max(k))::text FROM ord_h WHERE t <= '2024-01-01 16:39+00') AS same;
SELECT 't < ''2024-01-01 16:39+00''' AS filter,
       (SELECT row(count(*), sum(v), min(t), max(k))::text FROM ord_c WHERE t < '2024-01-01 16:39+00')
     = (SELECT row(count(*), sum(v), min(t), max(k))::text FROM ord_h WHERE t < '2024-01-01 16:39+00') AS same;
SELECT 'v IS NOT NULL' AS filter,
       (SELECT row(count(*), sum(v), min(t), max(k))::text FROM ord_c WHERE v IS NOT NULL)
     = (SELECT row(count(*), sum(v), min(t), max(k))::text FROM ord_h WHERE v IS NOT NULL) AS same;
SELECT 'v IS NULL' AS filter,
       (SELECT row(count(*), sum(v), min(t), max(k))::text FROM ord_c WHERE v IS NULL)
     = (SELECT row(count(*), sum(v), min(t), max(k))::text FROM ord_h WHERE v IS NULL) AS same;
SELECT 't = ''2024-01-01 08:20+00''' AS filter,
       (SELECT row(count(*), sum(v), min(t), max(k))::text FROM ord_c WHERE t = '2024-01-01 08:20+00')
     = (SELECT row(count(*), sum(v), min(t), max(k))::text FROM ord_h WHERE t = '2024-01-01 08:20+00') AS same;
SELECT (SELECT row(count(*), sum(v))::text FROM ord_c WHERE t >= '2024-01-01 08:20+00' AND t <= '2024-01-01 16:39+00')
     = (SELECT row(count(*), sum(v))::text FROM ord_h WHERE t >= '2024-01-01 08:20+00' AND t <= '2024-01-01 16:39+00') AS same_window,
       (SELECT row(count(*), sum(v))::text FROM ord_c WHERE t > '2024-01-01 08:19+00' AND v IS NOT NULL AND k <> 4)
     = (SELECT row(count(*), sum(v))::text FROM ord_h WHERE t > '2024-01-01 08:19+00' AND v IS NOT NULL AND k <> 4) AS same_mixed;
DROP TABLE ord_c, ord_h;
DROP FUNCTION same_rows(text), analyze_line(text, text), workers_of(text);
DROP TABLE agg_c, agg_h;
