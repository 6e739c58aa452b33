-- UPDATE, DELETE and SELECT ... FOR UPDATE on hypertables plan, open and
-- lock only the chunks that their constant time bounds and hash
-- restrictions allow (hypertable_expand.c); bounds known only at run time
-- exclude chunks when the executor starts.  Every statement changes the
-- same rows as on a heap table with the same rows.  Chunks are named by
-- their first day in the output (their names carry ids that depend on the
-- tests run before).
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';

CREATE TABLE metrics (time timestamptz NOT NULL, device int, value float8, note text);
SELECT created FROM create_hypertable('metrics', by_range('time', interval '1 day'));
INSERT INTO metrics
SELECT timestamptz '2024-01-01' + i * interval '1 hour', i % 4, i, 'n' || i
  FROM generate_series(0, 10 * 24 - 1) i;
CREATE TABLE metrics_heap AS SELECT * FROM metrics;

-- The EXPLAIN of a statement with chunk names replaced by "chunk_" and
-- their first day (MMDD).
CREATE FUNCTION plan(query text, options text DEFAULT 'COSTS OFF')
RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
    line text;
    c record;
BEGIN
    FOR line IN EXECUTE 'EXPLAIN (' || options || ') ' || query LOOP
        FOR c IN SELECT chunk_name, range_start FROM timescaledb_information.chunks
                  ORDER BY length(chunk_name) DESC, chunk_name LOOP
            line := replace(line, c.chunk_name, 'chunk_' || to_char(c.range_start, 'MMDD'));
        END LOOP;
        RETURN NEXT line;
    END LOOP;
END
$$;

-- The chunks (by first day) that this transaction holds a lock on.
CREATE VIEW locked_chunks AS
SELECT string_agg(to_char(c.range_start, 'MMDD'), ' ' ORDER BY c.range_start) AS locked
  FROM pg_locks l
  JOIN timescaledb_information.chunks c
    ON l.relation = format('%I.%I', c.chunk_schema, c.chunk_name)::regclass
 WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation';

-- Runs statement (a format string, %s for the table) on the hypertable and
-- on its heap twin; returns both row counts.
CREATE FUNCTION on_both(statement text, OUT hypertable bigint, OUT heap bigint)
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format(statement, 'metrics');
    GET DIAGNOSTICS hypertable = ROW_COUNT;
    EXECUTE format(statement, 'metrics_heap');
    GET DIAGNOSTICS heap = ROW_COUNT;
END
$$;

CREATE VIEW differences AS
SELECT count(*) AS differences FROM (
    (SELECT * FROM metrics EXCEPT ALL SELECT * FROM metrics_heap)
    UNION ALL
    (SELECT * FROM metrics_heap EXCEPT ALL SELECT * FROM metrics)) d;

-- Plans list only the chunks the bounds allow, in ModifyTable and below.
SELECT plan('DELETE FROM metrics WHERE time < ''2024-01-03''');
SELECT plan('UPDATE metrics SET value = 0 WHERE time >= ''2024-01-05 12:00'' AND time < ''2024-01-06'' RETURNING time');
SELECT plan('UPDATE metrics SET value = 0 WHERE time BETWEEN ''2024-01-04'' AND ''2024-01-05'' AND device = 1');
-- No chunk allowed: the statement still runs (statement triggers), on nothing.
SELECT plan('DELETE FROM metrics WHERE time < ''2023-01-01''');
SELECT plan('DELETE FROM metrics WHERE false');
-- Bounds known at run time: all chunks planned, excluded at executor start.
SELECT plan('DELETE FROM metrics WHERE time > now() - interval ''1 day''');
-- EXPLAIN VERBOSE names the row identity columns ChunkExclusion returns.
SELECT line FROM plan('UPDATE metrics SET value = 1 WHERE time > now() - interval ''1 day'' RETURNING time',
            'VERBOSE, COSTS OFF') line WHERE line !~ 'Update on _epiphany_chunks';
SELECT plan('SELECT * FROM metrics WHERE time < ''2024-01-02'' FOR UPDATE');

-- The statement locks only its chunks.
BEGIN;
DELETE FROM metrics WHERE time >= '2024-01-03' AND time < '2024-01-04 06:00';
SELECT * FROM locked_chunks;
ROLLBACK;
BEGIN;
UPDATE metrics SET value = -1 WHERE time < '2024-01-01 06:00' RETURNING time, value;
SELECT * FROM locked_chunks;
ROLLBACK;
BEGIN;
SELECT time FROM metrics WHERE time > '2024-01-10 21:00' FOR UPDATE;
SELECT * FROM locked_chunks;
ROLLBACK;
BEGIN;
SELECT time FROM metrics WHERE time > '2024-01-09 22:00' AND time < '2024-01-10' FOR SHARE;
SELECT * FROM locked_chunks;
ROLLBACK;
-- A hypertable read by UPDATE ... FROM or DELETE ... USING too.
BEGIN;
UPDATE metrics_heap h SET note = m.note || '!' FROM metrics m
 WHERE m.time = h.time AND m.time >= '2024-01-07' AND m.time < '2024-01-07 03:00';
SELECT * FROM locked_chunks;
ROLLBACK;
BEGIN;
DELETE FROM metrics m USING metrics o
 WHERE o.time = m.time - interval '1 day' AND o.time = '2024-01-02 05:00'
   AND m.time > '2024-01-03' AND m.time < '2024-01-04'
RETURNING m.time, o.time AS day_before;
SELECT * FROM locked_chunks;
ROLLBACK;

-- The same rows change as on the heap table.
SELECT * FROM on_both('DELETE FROM %s WHERE time < ''2024-01-01 12:00''');
SELECT * FROM on_both('UPDATE %s SET value = value * 2 WHERE time >= ''2024-01-02 06:00'' AND time <= ''2024-01-03 06:00''');
SELECT * FROM on_both('UPDATE %s SET note = ''odd'' WHERE device IN (1, 3) AND time > ''2024-01-04''::date + 1');
SELECT * FROM on_both('DELETE FROM %s WHERE time IN (SELECT time FROM metrics WHERE value > 400 AND time > ''2024-01-09'')');
SELECT * FROM on_both('DELETE FROM %s t WHERE EXISTS (SELECT 1 FROM metrics_heap h WHERE h.time = t.time AND h.device = 2) AND t.time < ''2024-01-03''');
SELECT * FROM on_both('UPDATE %s t SET value = h.value + 1 FROM metrics_heap h WHERE h.time = t.time - interval ''2 hours'' AND t.time BETWEEN ''2024-01-05'' AND ''2024-01-05 12:00''');
SELECT * FROM on_both('WITH gone AS (DELETE FROM %1$s WHERE time >= ''2024-01-06'' AND time < ''2024-01-06 05:00'' RETURNING *) UPDATE %1$s t SET note = ''after'' FROM gone WHERE t.time = gone.time + interval ''1 day''');
SELECT * FROM on_both('UPDATE %s SET value = 7 WHERE time = ''2024-01-08 08:00'' OR time = ''2024-01-02 02:00''');
SELECT * FROM on_both('DELETE FROM %s WHERE time > ''2024-02-01''');
SELECT * FROM on_both('UPDATE %s SET value = value + 1 WHERE time < now()');
SELECT * FROM differences;
DROP VIEW differences;

-- RETURNING gives the new values and the chunk's table oid, not the parent's.
UPDATE metrics SET value = value + 0.5 WHERE time >= '2024-01-10 22:00'
RETURNING time, value, tableoid = 'metrics'::regclass AS on_parent;

-- An UPDATE that moves a row to another chunk's range fails, as before:
-- the chunk's CHECK constraint refuses it (the row is not rerouted).
DO $$
BEGIN
    UPDATE metrics SET time = time + interval '5 days' WHERE time = '2024-01-02 05:00';
EXCEPTION WHEN check_violation THEN
    RAISE NOTICE 'refused: %', SQLSTATE;
END
$$;
-- Within the chunk's range it is an ordinary update.
SELECT * FROM on_both('UPDATE %s SET time = time + interval ''30 minutes'' WHERE time = ''2024-01-02 05:00''');

-- Triggers: statement triggers on the hypertable fire once, row triggers
-- (cloned on the chunks) for each row, UPDATE OF a column only when it is
-- set; also on a chunk made after a column of the hypertable was dropped.
CREATE TABLE trigger_log (what text, n int);
CREATE FUNCTION log_statement() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO trigger_log VALUES (TG_OP || ' statement', NULL);
    RETURN NULL;
END
$$;
CREATE FUNCTION log_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO trigger_log VALUES (TG_OP || ' ' || TG_WHEN || ' row', 1);
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    NEW.note := 'triggered';
    RETURN NEW;
END
$$;
CREATE TRIGGER statement_log AFTER UPDATE OR DELETE ON metrics
    FOR EACH STATEMENT EXECUTE FUNCTION log_statement();
CREATE TRIGGER row_log BEFORE UPDATE OF value OR DELETE ON metrics
    FOR EACH ROW EXECUTE FUNCTION log_row();
ALTER TABLE metrics DROP COLUMN device;
INSERT INTO metrics VALUES ('2024-01-20 01:00', 1, 'new'), ('2024-01-20 02:00', 2, 'new');
UPDATE metrics SET value = value * 10 WHERE time >= '2024-01-20' RETURNING time, value, note;
UPDATE metrics SET note = 'plain' WHERE time >= '2024-01-20' RETURNING time, value, note;
DELETE FROM metrics WHERE time > '2024-01-04 22:00' AND time < '2024-01-05 01:00' RETURNING time, note;
DELETE FROM metrics WHERE time < '2000-01-01';
SELECT what, count(*) AS times, sum(n) AS rows FROM trigger_log GROUP BY what ORDER BY what;
DROP TRIGGER statement_log ON metrics;
DROP TRIGGER row_log ON metrics;

-- WHERE CURRENT OF a cursor that locks FOR UPDATE (such a cursor keeps
-- PostgreSQL's expansion: the statement asks it for every chunk's mark).
BEGIN;
DECLARE locked CURSOR FOR SELECT time, value FROM metrics WHERE time >= '2024-01-07 05:00' FOR UPDATE;
FETCH 1 FROM locked;
DELETE FROM metrics WHERE CURRENT OF locked RETURNING time;
FETCH 1 FROM locked;
UPDATE metrics SET value = 1000 WHERE CURRENT OF locked RETURNING time, value;
COMMIT;
DO $$
DECLARE
    c CURSOR FOR SELECT * FROM metrics WHERE time >= '2024-01-10 21:00' FOR UPDATE;
BEGIN
    FOR r IN c LOOP
        UPDATE metrics SET value = -1 WHERE CURRENT OF c;
    END LOOP;
END
$$;
SELECT time, value FROM metrics WHERE time >= '2024-01-07 05:00' AND time < '2024-01-07 08:00'
   OR time >= '2024-01-10 21:00' ORDER BY time;

-- A statement trigger with a transition table sees the rows of every
-- chunk; whole-row references are translated to the chunks.
CREATE FUNCTION count_old() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE NOTICE 'old rows: %', (SELECT count(*) FROM old_rows);
    RETURN NULL;
END
$$;
CREATE TRIGGER count_old AFTER DELETE ON metrics REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION count_old();
DELETE FROM metrics WHERE time > '2024-01-06 22:00' AND time < '2024-01-07 02:00';
DROP TRIGGER count_old ON metrics;
UPDATE metrics m SET note = m::text WHERE time = '2024-01-08 03:00' RETURNING note;
DELETE FROM metrics m WHERE time = '2024-01-08 04:00' RETURNING m;

-- Row-level security: the parent's policy applies to every chunk.
CREATE ROLE hypertable_modify_user;
GRANT SELECT, UPDATE, DELETE ON metrics TO hypertable_modify_user;
ALTER TABLE metrics ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_notes ON metrics USING (note LIKE 'n1%');
SET ROLE hypertable_modify_user;
UPDATE metrics SET value = 0 WHERE time >= '2024-01-01' AND time < '2024-01-01 16:00' RETURNING time, note;
DELETE FROM metrics WHERE time >= '2024-01-05 08:00' AND time < '2024-01-05 12:00' RETURNING time, note;
RESET ROLE;
ALTER TABLE metrics DISABLE ROW LEVEL SECURITY;
DROP POLICY own_notes ON metrics;
REVOKE ALL ON metrics FROM hypertable_modify_user;
DROP ROLE hypertable_modify_user;

-- Prepared statements.  A generic plan with a parameter excludes at
-- executor start; a cached plan is made again when a chunk appears.
SET plan_cache_mode = force_generic_plan;
PREPARE delete_day(timestamptz) AS
    DELETE FROM metrics WHERE time >= $1 AND time < $1 + interval '1 day';
EXECUTE delete_day('2024-01-09');
SELECT line FROM plan('EXECUTE delete_day(''2024-01-08'')') line WHERE line ~ 'excluded|Append';
PREPARE update_later AS UPDATE metrics SET note = 'later' WHERE time >= '2024-02-01';
EXECUTE update_later;
INSERT INTO metrics VALUES ('2024-02-02 00:00', 1, 'x'), ('2024-02-05 00:00', 2, 'y');
EXECUTE update_later;
EXECUTE delete_day('2024-02-02');
SELECT time, note FROM metrics WHERE time >= '2024-02-01' ORDER BY time;
DEALLOCATE delete_day;
DEALLOCATE update_later;
RESET plan_cache_mode;

-- Space partitioning: "column = constant" keeps one hash slice's chunks.
CREATE TABLE readings (time timestamptz NOT NULL, device text, value float8);
SELECT created FROM create_hypertable('readings', by_range('time', interval '1 day'));
SELECT created FROM add_dimension('readings', by_hash('device', 4));
INSERT INTO readings
SELECT timestamptz '2024-01-01' + i * interval '1 hour', 'dev' || (i % 8), i
  FROM generate_series(0, 71) i;
CREATE TABLE readings_heap AS SELECT * FROM readings;
SELECT count(*) AS chunk_scans
  FROM plan('DELETE FROM readings WHERE device = ''dev3'' AND time < ''2024-01-02''') line
 WHERE line ~ 'Scan on chunk_';
BEGIN;
DELETE FROM readings WHERE device = 'dev3' AND time < '2024-01-03' RETURNING time, device;
SELECT count(*) AS locked_chunks FROM pg_locks l
  JOIN timescaledb_information.chunks c
    ON l.relation = format('%I.%I', c.chunk_schema, c.chunk_name)::regclass
 WHERE l.pid = pg_backend_pid() AND c.hypertable_name = 'readings';
COMMIT;
DELETE FROM readings_heap WHERE device = 'dev3' AND time < '2024-01-03';
UPDATE readings SET value = -value WHERE device IN ('dev1', 'dev2') AND time >= '2024-01-02';
UPDATE readings_heap SET value = -value WHERE device IN ('dev1', 'dev2') AND time >= '2024-01-02';
SELECT count(*) AS differences FROM (
    (SELECT * FROM readings EXCEPT ALL SELECT * FROM readings_heap)
    UNION ALL
    (SELECT * FROM readings_heap EXCEPT ALL SELECT * FROM readings)) d;

-- A hypertable on the column store: its chunks are columnar tables, and
-- UPDATE and DELETE reach only the chunks needed there too.
CREATE EXTENSION epiphany_columnstore;
CREATE TABLE columnar_metrics (time timestamptz NOT NULL, value int) USING columnar;
SELECT created FROM create_hypertable('columnar_metrics', by_range('time', interval '1 day'));
INSERT INTO columnar_metrics
SELECT timestamptz '2024-01-01' + i * interval '1 hour', i FROM generate_series(0, 71) i;
CREATE TABLE columnar_heap AS SELECT * FROM columnar_metrics;
SELECT DISTINCT a.amname FROM timescaledb_information.chunks c
  JOIN pg_class r ON r.oid = format('%I.%I', c.chunk_schema, c.chunk_name)::regclass
  JOIN pg_am a ON a.oid = r.relam
 WHERE c.hypertable_name = 'columnar_metrics';
SELECT line FROM plan('DELETE FROM columnar_metrics WHERE time < ''2024-01-02''') line
 WHERE line ~ '(Delete|Update) on';
DELETE FROM columnar_metrics WHERE time < '2024-01-01 05:00';
DELETE FROM columnar_heap WHERE time < '2024-01-01 05:00';
WITH changed AS (
    UPDATE columnar_metrics SET value = -value WHERE time >= '2024-01-03 20:00' RETURNING time, value)
SELECT * FROM changed ORDER BY time;
UPDATE columnar_heap SET value = -value WHERE time >= '2024-01-03 20:00';
SELECT count(*) AS differences FROM (
    (SELECT * FROM columnar_metrics EXCEPT ALL SELECT * FROM columnar_heap)
    UNION ALL
    (SELECT * FROM columnar_heap EXCEPT ALL SELECT * FROM columnar_metrics)) d;
DROP TABLE columnar_metrics, columnar_heap;
DROP EXTENSION epiphany_columnstore;

-- MERGE keeps PostgreSQL's expansion, and still works.
MERGE INTO metrics m USING (VALUES (timestamptz '2024-01-03 01:00')) v(t) ON m.time = v.t
WHEN MATCHED THEN UPDATE SET note = 'merged';
SELECT time, note FROM metrics WHERE note = 'merged';

DROP VIEW locked_chunks;
DROP TABLE readings, readings_heap, metrics, metrics_heap, trigger_log;
DROP FUNCTION plan(text, text), on_both(text), log_statement(), log_row(), count_old();
