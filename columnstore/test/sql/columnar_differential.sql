-- A randomized differential test: the same few thousand random writes
-- (inserts, updates of values and of keys, deletes, upserts, range updates
-- and deletes, savepoints rolled back) applied to a heap table and to a
-- columnar one, with merges, compactions, VACUUM (which sets the merge
-- worker compacting at the same time) and VACUUM FULL of the columnar one in
-- between, must leave the two tables equal by sequential scans, by each
-- index and by parallel scans, and every statement must report the same row
-- count or the same error on both.  The seed is fixed, so the run is
-- repeatable; only counts of differences are printed (all must be 0).
SELECT setseed(0.42);

CREATE TABLE diff_h (k int PRIMARY KEY, g int NOT NULL, v text, n numeric);
CREATE TABLE diff_c (k int PRIMARY KEY, g int NOT NULL, v text, n numeric) USING columnar;
CREATE INDEX diff_h_g ON diff_h (g);
CREATE INDEX diff_c_g ON diff_c (g);
INSERT INTO diff_h SELECT i, i % 100, md5(i::text), i / 7.0 FROM generate_series(1, 2000) i;
SELECT epiphany.columnar_set_options('diff_c', row_group_rows => 1000, chunk_rows => 500);
INSERT INTO diff_c SELECT * FROM diff_h;
SELECT epiphany.columnar_merge('diff_c');

-- Statements whose outcome (row count or SQLSTATE) differed between the
-- two tables.
CREATE TABLE diff_mismatch (op int, stmt text, heap_outcome text, col_outcome text);
-- The next fresh key; keys are never reused by inserts of new keys.
CREATE TABLE diff_state (next_key int);
-- Statements that changed rows, by kind: proves every kind ran.
CREATE TABLE diff_ops (op int);
-- What the compactions of the phases did.
CREATE TABLE diff_compactions (rows_moved bigint, row_groups_dropped bigint);
INSERT INTO diff_state VALUES (2001);

-- Runs one statement, %1$I standing for the table, on both tables and
-- records a mismatch of outcomes.
CREATE FUNCTION pg_temp.both(op int, stmt text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  outcome text[];
  tbl text;
  n bigint;
BEGIN
  FOREACH tbl IN ARRAY ARRAY['diff_h', 'diff_c'] LOOP
    BEGIN
      EXECUTE format(stmt, tbl);
      GET DIAGNOSTICS n = ROW_COUNT;
      outcome := outcome || n::text;
    EXCEPTION WHEN OTHERS THEN
      outcome := outcome || ('error ' || SQLSTATE);
    END;
  END LOOP;
  IF outcome[1] NOT IN ('0') AND outcome[1] NOT LIKE 'error%' THEN
    INSERT INTO diff_ops VALUES (op);
  END IF;
  IF outcome[1] IS DISTINCT FROM outcome[2] THEN
    INSERT INTO diff_mismatch VALUES (op, stmt, outcome[1], outcome[2]);
  END IF;
END $$;

-- One random write.
CREATE FUNCTION pg_temp.random_op() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  r float8 := random();
  maxk int;
  a int;
  nk int;
  g int := floor(random() * 100)::int;
  v text := md5(random()::text);
BEGIN
  SELECT next_key INTO maxk FROM diff_state;
  a := 1 + floor(random() * maxk)::int;
  IF r < 0.30 THEN
    UPDATE diff_state SET next_key = next_key + 1 RETURNING next_key - 1 INTO nk;
    PERFORM pg_temp.both(1, format('INSERT INTO %%1$I VALUES (%s, %s, %L, %s)', nk, g, v, nk / 3.0));
  ELSIF r < 0.48 THEN
    PERFORM pg_temp.both(2, format('UPDATE %%1$I SET g = %s, v = %L WHERE k = %s', g, v, a));
  ELSIF r < 0.54 THEN
    UPDATE diff_state SET next_key = next_key + 1 RETURNING next_key - 1 INTO nk;
    PERFORM pg_temp.both(3, format('UPDATE %%1$I SET k = %s, n = n + 1 WHERE k = %s', nk, a));
  ELSIF r < 0.64 THEN
    PERFORM pg_temp.both(4, format('DELETE FROM %%1$I WHERE k = %s', a));
  ELSIF r < 0.74 THEN
    PERFORM pg_temp.both(5, format('INSERT INTO %%1$I AS t VALUES (%s, %s, %L, 0) '
                                   'ON CONFLICT (k) DO UPDATE SET g = t.g + 1, v = excluded.v', a, g, v));
  ELSIF r < 0.80 THEN
    PERFORM pg_temp.both(6, format('INSERT INTO %%1$I VALUES (%s, %s, %L, 1) ON CONFLICT DO NOTHING', a, g, v));
  ELSIF r < 0.86 THEN
    PERFORM pg_temp.both(7, format('UPDATE %%1$I SET n = coalesce(n, 0) + 1, v = v || ''+'' WHERE k BETWEEN %s AND %s', a, a + 20));
  ELSIF r < 0.90 THEN
    PERFORM pg_temp.both(8, format('DELETE FROM %%1$I WHERE k BETWEEN %s AND %s', a, a + 8));
  ELSIF r < 0.95 THEN
    PERFORM pg_temp.both(9, format('UPDATE %%1$I SET v = NULL, n = NULL WHERE g = %s AND k %%%% 5 = %s', g, a % 5));
  ELSE
    PERFORM pg_temp.both(10, format('DELETE FROM %%1$I WHERE g = %s AND k %%%% 7 = %s', g, a % 7));
  END IF;
END $$;

-- A phase: ops random writes, committed every 100; a merge every 300 (in
-- the same transaction as writes before it); one batch in ten is run in a
-- subtransaction that is rolled back, some with a merge inside.
CREATE PROCEDURE pg_temp.phase(ops int) LANGUAGE plpgsql AS $$
DECLARE
  i int := 0;
  j int;
BEGIN
  WHILE i < ops LOOP
    IF random() < 0.1 THEN
      BEGIN
        FOR j IN 1 .. 20 LOOP
          PERFORM pg_temp.random_op();
        END LOOP;
        IF random() < 0.5 THEN
          PERFORM epiphany.columnar_merge('diff_c');
        ELSE
          PERFORM epiphany.columnar_compact('diff_c');
        END IF;
        RAISE EXCEPTION 'roll back the batch';
      EXCEPTION WHEN raise_exception THEN
        NULL;
      END;
    END IF;
    PERFORM pg_temp.random_op();
    i := i + 1;
    IF i % 300 = 0 THEN
      PERFORM epiphany.columnar_merge('diff_c');
    END IF;
    IF i % 300 = 150 THEN
      INSERT INTO diff_compactions SELECT * FROM epiphany.columnar_compact('diff_c');
    END IF;
    IF i % 100 = 0 THEN
      COMMIT;
    END IF;
  END LOOP;
END $$;

-- The comparisons: differences by sequential scans, by the primary key, by
-- the secondary index, by point look-ups through the primary key, and the
-- row counts of a parallel scan.
CREATE FUNCTION pg_temp.seq_differences() RETURNS bigint LANGUAGE sql AS $$
  SELECT count(*) FROM ((SELECT * FROM diff_h EXCEPT ALL SELECT * FROM diff_c)
                        UNION ALL (SELECT * FROM diff_c EXCEPT ALL SELECT * FROM diff_h)) d
$$;
CREATE FUNCTION pg_temp.pkey_differences() RETURNS bigint LANGUAGE sql AS $$
  SELECT count(*) FROM ((SELECT * FROM diff_h WHERE k > 0 EXCEPT ALL SELECT * FROM diff_c WHERE k > 0)
                        UNION ALL (SELECT * FROM diff_c WHERE k > 0 EXCEPT ALL SELECT * FROM diff_h WHERE k > 0)) d
$$;
CREATE FUNCTION pg_temp.g_differences() RETURNS bigint LANGUAGE sql AS $$
  SELECT count(*) FROM ((SELECT * FROM diff_h WHERE g >= 0 EXCEPT ALL SELECT * FROM diff_c WHERE g >= 0)
                        UNION ALL (SELECT * FROM diff_c WHERE g >= 0 EXCEPT ALL SELECT * FROM diff_h WHERE g >= 0)) d
$$;
CREATE FUNCTION pg_temp.lookup_differences() RETURNS bigint LANGUAGE sql AS $$
  SELECT count(*) FROM diff_h h
   WHERE NOT EXISTS (SELECT FROM diff_c c WHERE c.k = h.k AND (c.*)::text = (h.*)::text)
$$;
CREATE FUNCTION pg_temp.compare() RETURNS TABLE (seq bigint, pkey bigint, g_index bigint,
                                                 lookups bigint, index_only bigint, parallel bigint,
                                                 counted bigint, mismatched_statements bigint)
LANGUAGE plpgsql AS $$
BEGIN
  seq := pg_temp.seq_differences();
  SET LOCAL enable_seqscan = off;
  SET LOCAL enable_bitmapscan = off;
  pkey := pg_temp.pkey_differences();
  g_index := pg_temp.g_differences();
  lookups := pg_temp.lookup_differences();
  index_only := abs((SELECT count(k) FROM diff_c WHERE k > 0) - (SELECT count(*) FROM diff_h));
  RESET enable_seqscan;
  RESET enable_bitmapscan;
  SET LOCAL max_parallel_workers_per_gather = 2;
  SET LOCAL parallel_setup_cost = 0;
  SET LOCAL parallel_tuple_cost = 0;
  SET LOCAL min_parallel_table_scan_size = 0;
  parallel := abs((SELECT count(k) FROM diff_c) - (SELECT count(*) FROM diff_h));
  RESET max_parallel_workers_per_gather;
  RESET parallel_setup_cost;
  RESET parallel_tuple_cost;
  RESET min_parallel_table_scan_size;
  -- count(*), min() and max() alone: from the metadata (ColumnarSummary)
  counted := abs((SELECT count(*) FROM diff_c) - (SELECT count(*) FROM diff_h)) +
    (SELECT count(*) FROM (SELECT min(k), max(k), min(v), max(v), max(n) FROM diff_c
                           EXCEPT SELECT min(k), max(k), min(v), max(v), max(n) FROM diff_h) x);
  mismatched_statements := (SELECT count(*) FROM diff_mismatch);
  RETURN NEXT;
END $$;

-- The index paths the comparisons use really are index scans.
SET enable_seqscan = off;
SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF) SELECT * FROM diff_c WHERE k > 0;
EXPLAIN (COSTS OFF) SELECT * FROM diff_c WHERE g >= 0;
EXPLAIN (COSTS OFF) SELECT count(*) FROM diff_h h
 WHERE NOT EXISTS (SELECT FROM diff_c c WHERE c.k = h.k AND (c.*)::text = (h.*)::text);
RESET enable_seqscan;
RESET enable_bitmapscan;
SET max_parallel_workers_per_gather = 2;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
EXPLAIN (COSTS OFF) SELECT count(k) FROM diff_c;
EXPLAIN (COSTS OFF) SELECT count(*) FROM diff_c;
RESET max_parallel_workers_per_gather;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;

-- Phase 1: writes over merged rows.
CALL pg_temp.phase(1200);
SELECT * FROM pg_temp.compare();
VACUUM diff_c;
SELECT * FROM pg_temp.compare();

-- Phase 2: more writes, then a merge and VACUUM.
CALL pg_temp.phase(900);
SELECT epiphany.columnar_merge('diff_c') >= 0 AS merged;
VACUUM diff_c;
SELECT * FROM pg_temp.compare();

-- Phase 3: writes, VACUUM FULL (everything rewritten into row groups).
CALL pg_temp.phase(900);
SELECT * FROM pg_temp.compare();
VACUUM FULL diff_c;
SELECT delta_rows, deleted_rows FROM epiphany.columnar_stats('diff_c');
SELECT * FROM pg_temp.compare();

-- Phase 4: writes over the rewritten table, merge, VACUUM, ANALYZE.
CALL pg_temp.phase(900);
SELECT epiphany.columnar_merge('diff_c') >= 0 AS merged;
VACUUM ANALYZE diff_c;
SELECT * FROM pg_temp.compare();

-- The run did what it meant to: every kind of statement ran and changed rows.
SELECT count(*) > 1000 AS many_rows, (SELECT next_key FROM diff_state) > 3000 AS many_new_keys
  FROM diff_h;
SELECT count(DISTINCT op) AS kinds_that_changed_rows FROM diff_ops;
SELECT sum(rows_moved) > 0 AS compactions_moved_rows FROM diff_compactions;
SELECT rows = (SELECT count(*) FROM diff_h) AS rows_agree, row_groups > 1 AS several_row_groups
  FROM epiphany.columnar_stats('diff_c');

DROP TABLE diff_h, diff_c, diff_mismatch, diff_state, diff_ops, diff_compactions;
