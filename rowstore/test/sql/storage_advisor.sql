-- The storage advisor (docs/storage-advisor.md): epiphany.default_storage_mode
-- = 'auto', epiphany.advise_storage() on a scripted workload in both
-- directions, the daily job and its maintenance window, epiphany.convert_table()
-- keeping data, constraints, indexes, grants and views, and its refusals.

CREATE FUNCTION am_of(rel regclass) RETURNS name LANGUAGE sql AS
  $$ SELECT a.amname FROM pg_class c JOIN pg_am a ON a.oid = c.relam WHERE c.oid = rel $$;

-- 1. auto: a new table starts on the row store, even where PostgreSQL's own
-- default access method is columnar; an explicit USING still wins.
SET epiphany.default_storage_mode = 'auto';
SET default_table_access_method = 'columnar';
CREATE TABLE started_auto (id int);
CREATE TABLE started_auto_as AS SELECT 1 AS id;
CREATE TABLE explicit_columnar (id int) USING columnar;
SELECT relname, am_of(oid) FROM pg_class
 WHERE relname IN ('started_auto', 'started_auto_as', 'explicit_columnar') ORDER BY relname;
RESET default_table_access_method;
DROP TABLE started_auto, started_auto_as, explicit_columnar;

-- The thresholds, each with its reason.
SELECT name, value, default_value FROM epiphany.storage_advisor_thresholds ORDER BY name;
SELECT count(*) FROM epiphany.storage_advisor_thresholds WHERE length(rationale) < 80;

-- 2. A scripted workload.  events: append-only, scanned in full 180 times
-- (the time model's break-even for a conversion is 176).  accounts:
-- columnar, then one account in three updated and 300 deleted one at a
-- time.  items: columnar, read only by key.  archive: columnar, scanned.
-- lookups: heap, read by key.  churn: heap, updated as much as it is
-- written.  tiny: below min_rows.
CREATE TABLE events (id bigint PRIMARY KEY, at timestamptz NOT NULL, device int NOT NULL,
                     reading float8);
INSERT INTO events
SELECT g, timestamptz '2026-01-01 00:00+00' + g * interval '1 minute', g % 20, (g % 100) / 10.0
  FROM generate_series(1, 20000) g;
DO $$ BEGIN FOR i IN 1..179 LOOP PERFORM count(*), sum(reading) FROM events; END LOOP; END $$;
SELECT count(*), sum(reading::numeric) FROM events;

CREATE TABLE accounts (id int PRIMARY KEY, balance numeric NOT NULL, owner_name text)
  USING columnar;
INSERT INTO accounts SELECT g, 100, 'owner ' || g FROM generate_series(1, 12000) g;
SELECT epiphany.columnar_merge('public.accounts');
UPDATE accounts SET balance = balance + 1 WHERE id % 3 = 0;
DO $$ BEGIN FOR i IN 1..300 LOOP DELETE FROM accounts WHERE id = i * 7; END LOOP; END $$;

CREATE TABLE items (id int PRIMARY KEY, name text) USING columnar;
INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 10000) g;
SELECT epiphany.columnar_merge('items');
SET enable_seqscan = off;
DO $$ BEGIN FOR i IN 1..50 LOOP PERFORM name FROM items WHERE id = i * 13; END LOOP; END $$;
RESET enable_seqscan;

CREATE TABLE archive (id int, note text) USING columnar;
INSERT INTO archive SELECT g, 'note ' || g % 50 FROM generate_series(1, 10000) g;
-- (an INSERT ... SELECT this large wrote row groups: nothing to merge)
SELECT epiphany.columnar_merge('archive');
DO $$ BEGIN FOR i IN 1..5 LOOP PERFORM count(*) FROM archive WHERE note = 'note 7'; END LOOP; END $$;

CREATE TABLE lookups (id int PRIMARY KEY, v text);
INSERT INTO lookups SELECT g, 'v' || g FROM generate_series(1, 10000) g;
SET enable_seqscan = off;
DO $$ BEGIN FOR i IN 1..200 LOOP PERFORM v FROM lookups WHERE id = i; END LOOP; END $$;
RESET enable_seqscan;

CREATE TABLE churn (id int PRIMARY KEY, n int);
INSERT INTO churn SELECT g, 0 FROM generate_series(1, 10000) g;
UPDATE churn SET n = n + 1;
DO $$ BEGIN FOR i IN 1..180 LOOP PERFORM count(*) FROM churn; END LOOP; END $$;

CREATE TABLE tiny (id int);
INSERT INTO tiny VALUES (1), (2), (3);

-- Statistics reach the views when the session reports them: now.
SELECT pg_stat_force_next_flush();

SELECT relation, current_storage, recommended_storage, action
  FROM epiphany.advise_storage()
 WHERE relation IN ('public.events', 'public.accounts', 'public.items', 'public.archive',
                    'public.lookups', 'public.churn', 'public.tiny')
 ORDER BY relation;

-- The advice explains itself with the figures it used.
SELECT relation, live_rows, inserts, changed_rows, seq_scans, seq_rows_read, index_scans,
       change_ratio, column_seconds_saved, rewrite_seconds
  FROM epiphany.storage_advice
 WHERE relation IN ('public.events', 'public.accounts', 'public.items', 'public.archive',
                    'public.lookups', 'public.churn', 'public.tiny')
 ORDER BY relation;
SELECT relation, reason FROM epiphany.storage_advice
 WHERE relation IN ('public.archive', 'public.lookups', 'public.churn', 'public.tiny')
 ORDER BY relation;
-- Both conversions come with a measured sample and their estimated size.
SELECT relation, sample_rows, estimated_compression >= 2 AS compresses,
       CASE action WHEN 'convert' THEN
         CASE recommended_storage WHEN 'column' THEN estimated_bytes < current_bytes
                                  ELSE estimated_bytes > 0 END END AS estimate_fits,
       reason LIKE 'moves to the ' || recommended_storage || ' store%' AS reason_names_target,
       reason LIKE '%sample of ' || sample_rows || ' rows compresses '
                   || estimated_compression || 'x%' AS reason_cites_sample
  FROM epiphany.storage_advice
 WHERE relation IN ('public.events', 'public.accounts', 'public.items') ORDER BY relation;
SELECT relation, regexp_replace(reason, '; the heap updates.*', '') AS why
  FROM epiphany.storage_advice WHERE relation IN ('public.accounts', 'public.items')
 ORDER BY relation;
SELECT regexp_replace(reason, '; a sample of .*', '') AS why
  FROM epiphany.storage_advice WHERE relation = 'public.events';

-- A site's threshold steers the advice (churn moves once its changes are
-- allowed), NULL restores the default; pg_dump keeps only the site's rows.
SELECT epiphany.set_storage_advisor_threshold('max_change_ratio_for_column', 2);
SELECT name, value, default_value FROM epiphany.storage_advisor_thresholds
 WHERE value <> default_value;
SELECT relation, recommended_storage, action FROM epiphany.advise_storage()
 WHERE relation = 'public.churn';
SELECT epiphany.set_storage_advisor_threshold('max_change_ratio_for_column', NULL);
SELECT relation, recommended_storage, action FROM epiphany.advise_storage()
 WHERE relation = 'public.churn';
SELECT count(*) FROM epiphany.storage_advisor_overrides;
SELECT c.relname, u.condition FROM pg_extension x, unnest(x.extconfig, x.extcondition) AS
       u(config, condition) JOIN pg_class c ON c.oid = u.config
 WHERE x.extname = 'epiphany' ORDER BY 1;
\set SHOW_CONTEXT never
SELECT epiphany.set_storage_advisor_threshold('no_such_threshold', 1);
SELECT epiphany.set_storage_advisor_threshold('min_rows', -1);
\set SHOW_CONTEXT errors

-- A table that leaves the candidates (dropped) leaves the advice.
DROP TABLE tiny;
SELECT count(*) FROM epiphany.advise_storage() WHERE relation = 'public.tiny';
SELECT count(*) FROM epiphany.storage_advice WHERE relation = 'public.tiny';

-- 3. The daily job.  Registered once, with the time store's add_job.
SELECT epiphany.schedule_storage_advisor(initial_start => now() + interval '1 day') AS job \gset
SELECT epiphany.schedule_storage_advisor() = :job AS same_job;
SELECT schedule_interval, proc_schema, proc_name, config
  FROM timescaledb_information.jobs WHERE job_id = :job;

-- auto_apply_advice is off by default: a run only advises.
SHOW epiphany.auto_apply_advice;
CALL run_job(:job);
SELECT relation, am_of(relid), action, applied_at IS NOT NULL AS applied
  FROM epiphany.storage_advice WHERE relation IN ('public.events', 'public.accounts') ORDER BY relation;

-- The maintenance window: times of day, and a window may span midnight.
SHOW epiphany.maintenance_window_start;
SHOW epiphany.maintenance_window_end;
SELECT t, epiphany.in_maintenance_window(t)
  FROM unnest('{00:59, 01:00, 04:59:59, 05:00}'::time[]) t ORDER BY t;
SET epiphany.maintenance_window_start = '22:30';
SET epiphany.maintenance_window_end = '02:00:00';
SELECT t, epiphany.in_maintenance_window(t)
  FROM unnest('{22:29, 22:30, 23:59, 00:00, 01:59, 02:00, 12:00}'::time[]) t ORDER BY t;
SET epiphany.maintenance_window_end = '22:30';
SELECT epiphany.in_maintenance_window('22:30'), epiphany.in_maintenance_window('10:00');
SET epiphany.maintenance_window_start = '24:00';
SET epiphany.maintenance_window_start = '2:30';
SET epiphany.maintenance_window_end = 'noon';
SET epiphany.maintenance_window_end = '12:60';

-- On, but outside the window: nothing is converted.  (The window is set
-- around the current time of day, so that the test runs at any hour.)
CREATE FUNCTION set_window(opens interval, closes interval) RETURNS boolean LANGUAGE sql AS $$
SELECT set_config('epiphany.maintenance_window_start', to_char(localtime + opens, 'HH24:MI'), false)
       IS NOT NULL AND
       set_config('epiphany.maintenance_window_end', to_char(localtime + closes, 'HH24:MI'), false)
       IS NOT NULL AND
       epiphany.in_maintenance_window() = (opens <= '0' AND closes > '0')
$$;
SET epiphany.auto_apply_advice = on;
SELECT set_window('1 hour', '2 hours');
SET client_min_messages = warning;
CALL run_job(:job);
RESET client_min_messages;
SELECT relation, am_of(relid), applied_at IS NOT NULL AS applied
  FROM epiphany.storage_advice WHERE relation IN ('public.events', 'public.accounts') ORDER BY relation;

-- Whether a procedure may commit: only when called non-atomically.
DO $$ BEGIN RAISE NOTICE 'a DO block: %', epiphany.transaction_control_allowed(); END $$;
BEGIN;
DO $$ BEGIN RAISE NOTICE 'in a transaction block: %', epiphany.transaction_control_allowed(); END $$;
COMMIT;
SELECT epiphany.transaction_control_allowed() AS in_a_query;

-- Inside the window: the job applies the conversions, each committed on
-- its own, since run_job by the job's owner outside a transaction block
-- may commit.  One that fails (an event trigger refuses to rewrite events)
-- is reported and skipped; the other stays applied.  Once the trigger is
-- gone, the next run converts events (and advises anew on accounts, now
-- on the heap: a new advice, not applied).
SELECT set_window('-1 hour', '1 hour');
CREATE FUNCTION keep_events_in_place() RETURNS event_trigger LANGUAGE plpgsql AS $$
BEGIN
  IF pg_event_trigger_table_rewrite_oid() = 'public.events'::regclass THEN
    RAISE EXCEPTION 'events stays where it is';
  END IF;
END $$;
CREATE EVENT TRIGGER keep_events ON table_rewrite EXECUTE FUNCTION keep_events_in_place();
SET client_min_messages = warning;
CALL run_job(:job);
RESET client_min_messages;
SELECT relation, am_of(relid), applied_at IS NOT NULL AS applied
  FROM epiphany.storage_advice WHERE relation IN ('public.events', 'public.accounts') ORDER BY relation;
DROP EVENT TRIGGER keep_events;
DROP FUNCTION keep_events_in_place();
SET client_min_messages = warning;
CALL run_job(:job);
RESET client_min_messages;
SELECT relation, am_of(relid), applied_at IS NOT NULL AS applied
  FROM epiphany.storage_advice WHERE relation IN ('public.events', 'public.accounts') ORDER BY relation;
SELECT count(*), sum(reading::numeric) FROM events;
SELECT count(*), sum(balance), count(DISTINCT owner_name) FROM accounts;
RESET epiphany.auto_apply_advice;
RESET epiphany.maintenance_window_start;
RESET epiphany.maintenance_window_end;
SELECT delete_job(:job);

-- Without the time store (simulated by pointing its registry row at an
-- extension that does not exist, then rolling back) there is no add_job.
BEGIN;
UPDATE epiphany.engine_registry SET extension = 'missing_time' WHERE engine = 'time';
\set SHOW_CONTEXT never
SELECT epiphany.schedule_storage_advisor();
\set SHOW_CONTEXT errors
ROLLBACK;

-- 4. convert_table keeps rows, constraints, indexes, grants, triggers and
-- dependent views; checked against a copy and the catalog's definitions.
CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL);
INSERT INTO customers SELECT g, 'customer ' || g FROM generate_series(1, 50) g;
CREATE TABLE orders (
    id int PRIMARY KEY,
    customer_id int NOT NULL REFERENCES customers (id),
    amount numeric(10, 2) NOT NULL CHECK (amount > 0),
    code text UNIQUE,
    placed date DEFAULT date '2026-01-01'
);
CREATE INDEX orders_placed ON orders (placed, customer_id);
CREATE TABLE order_lines (order_id int REFERENCES orders (id), line int,
                          PRIMARY KEY (order_id, line));
INSERT INTO orders
SELECT g, g % 50 + 1, g % 977 + 0.5, 'c' || g, date '2026-01-01' + g % 300
  FROM generate_series(1, 3000) g;
INSERT INTO order_lines SELECT g, 1 FROM generate_series(1, 3000, 7) g;
COMMENT ON TABLE orders IS 'orders of customers';
CREATE ROLE regress_advisor_reader;
GRANT SELECT, INSERT ON orders TO regress_advisor_reader;
CREATE VIEW big_orders AS SELECT id, amount FROM orders WHERE amount > 900;
CREATE FUNCTION orders_touch() RETURNS trigger LANGUAGE plpgsql AS
  $$ BEGIN NEW.code := coalesce(NEW.code, 'auto' || NEW.id); RETURN NEW; END $$;
CREATE TRIGGER orders_touch BEFORE INSERT ON orders FOR EACH ROW EXECUTE FUNCTION orders_touch();
CREATE TABLE orders_copy AS SELECT * FROM orders;

CREATE FUNCTION definitions(rel regclass) RETURNS text LANGUAGE sql AS $$
SELECT concat_ws(E'\n',
  (SELECT string_agg(conname || ': ' || pg_get_constraintdef(oid), E'\n' ORDER BY conname)
     FROM pg_constraint WHERE conrelid = rel OR confrelid = rel),
  (SELECT string_agg(pg_get_indexdef(indexrelid), E'\n' ORDER BY indexrelid::regclass::text)
     FROM pg_index WHERE indrelid = rel),
  (SELECT string_agg(tgname, ',' ORDER BY tgname) FROM pg_trigger
    WHERE tgrelid = rel AND NOT tgisinternal),
  (SELECT relacl::text FROM pg_class WHERE oid = rel),
  obj_description(rel, 'pg_class'),
  (SELECT string_agg(DISTINCT v.ev_class::regclass::text, ',') FROM pg_depend d
     JOIN pg_rewrite v ON v.oid = d.objid
    WHERE d.classid = 'pg_rewrite'::regclass AND d.refobjid = rel))
$$;
SELECT definitions('orders') AS before \gset
SELECT :'before';
SELECT count(*) FROM big_orders \gset big_

SELECT * FROM epiphany.convert_table('orders', 'column')
  \gset conv_
SELECT :'conv_relation', :'conv_old_storage', :'conv_new_storage',
       :conv_bytes_after < :conv_bytes_before AS smaller;
SELECT am_of('orders'), definitions('orders') = :'before' AS same_definitions;
SELECT (SELECT count(*) FROM (SELECT * FROM orders EXCEPT ALL SELECT * FROM orders_copy) d) AS missing,
       (SELECT count(*) FROM (SELECT * FROM orders_copy EXCEPT ALL SELECT * FROM orders) d) AS extra;
SELECT row_groups, rows, delta_rows FROM epiphany.columnar_stats('orders');
SELECT count(*) = :big_count AS view_same FROM big_orders;
-- The constraints still hold on the column store.
\set VERBOSITY terse
INSERT INTO orders VALUES (1, 1, 1, 'dup');
INSERT INTO orders VALUES (5001, 1, -1, 'negative');
INSERT INTO orders VALUES (5002, 999, 1, 'no customer');
DELETE FROM orders WHERE id = 1;
\set VERBOSITY default
SET ROLE regress_advisor_reader;
SELECT count(*) FROM orders;
INSERT INTO orders (id, customer_id, amount) VALUES (5003, 1, 1);
RESET ROLE;
SELECT code FROM orders WHERE id = 5003;
DELETE FROM orders WHERE id = 5003;

-- And back to the row store.
SELECT relation, old_storage, new_storage FROM epiphany.convert_table('orders', 'ROW');
SELECT am_of('orders'), definitions('orders') = :'before' AS same_definitions;
SELECT (SELECT count(*) FROM (SELECT * FROM orders EXCEPT ALL SELECT * FROM orders_copy) d) AS missing,
       (SELECT count(*) FROM (SELECT * FROM orders_copy EXCEPT ALL SELECT * FROM orders) d) AS extra;
SELECT count(*) = :big_count AS view_same FROM big_orders;
-- Converting to where it is already does nothing.
SELECT relation, old_storage, new_storage FROM epiphany.convert_table('orders', 'row');

-- An unlogged table converts and stays unlogged; names are quoted.
CREATE UNLOGGED TABLE "Scratch Table" (id int PRIMARY KEY);
INSERT INTO "Scratch Table" SELECT generate_series(1, 100);
SET client_min_messages = warning;
SELECT new_storage FROM epiphany.convert_table('"Scratch Table"', 'column');
RESET client_min_messages;
SELECT am_of(oid), relpersistence, (SELECT count(*) FROM "Scratch Table")
  FROM pg_class WHERE oid = '"Scratch Table"'::regclass;

-- 5. Refusals, each with its SQLSTATE.
CREATE FUNCTION try_convert(rel text, target text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    PERFORM epiphany.convert_table(rel::regclass, target);
    RETURN 'converted';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END $$;
CREATE TABLE parted (id int, at date) PARTITION BY RANGE (at);
CREATE TABLE parted_2026 PARTITION OF parted FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
CREATE TABLE readings (time timestamptz NOT NULL, device int, value float8);
SELECT count(*) FROM create_hypertable('readings', by_range('time', interval '1 day'));
INSERT INTO readings VALUES ('2026-01-01 10:00+00', 1, 1.5);
CREATE TEMP TABLE temporary_one (id int);
CREATE SEQUENCE a_sequence;
CREATE SCHEMA _epiphany_scratch;
CREATE TABLE _epiphany_scratch.internal (id int);
CREATE ROLE regress_advisor_other;
CREATE TABLE not_mine (id int);
ALTER TABLE not_mine OWNER TO regress_advisor_other;
GRANT SELECT ON not_mine TO regress_advisor_reader;
-- (chunk names carry ids that depend on the tests before this one)
SELECT what, regexp_replace(try_convert(rel, target), '_hyper_\d+_\d+_chunk', '_hyper_N_N_chunk')
  FROM (VALUES
    ('unknown target', 'orders', 'columnar'),
    ('empty target', 'orders', ''),
    ('partitioned table', 'parted', 'column'),
    ('view', 'big_orders', 'column'),
    ('sequence', 'a_sequence', 'row'),
    ('hypertable', 'readings', 'column'),
    ('chunk of a hypertable', (SELECT show_chunks('readings') LIMIT 1)::text, 'row'),
    ('temporary table', 'temporary_one', 'column'),
    ('extension''s table', 'epiphany.engine_registry', 'column'),
    ('engine''s internal table', '_epiphany_scratch.internal', 'column'),
    ('system catalog', 'pg_class', 'column')) v(what, rel, target);
-- Nor does the advisor look at engines' internal tables.
SELECT count(*) FROM epiphany.storage_workload() WHERE relation LIKE '\_epiphany%';
DROP SCHEMA _epiphany_scratch CASCADE;
-- parted_2026 is an ordinary table and converts.
SELECT try_convert('parted_2026', 'column'), am_of('parted_2026');
-- Another owner's table.
SET ROLE regress_advisor_reader;
SELECT try_convert('not_mine', 'column');
RESET ROLE;
-- The full error, with its hint.
\set SHOW_CONTEXT never
SELECT epiphany.convert_table('parted', 'column');
SELECT epiphany.convert_table('orders', 'columnar');
SELECT epiphany.convert_table('readings', 'column');
SELECT epiphany.advise_storage(0);
\set SHOW_CONTEXT errors

-- 6. The sample's columnar copy is written with the extension owner's
-- rights (columnar tables cannot be temporary): it takes only a temporary
-- table of the session, and copies values of the base types, so that a
-- domain's check, here one that logs who runs it, never runs with those
-- rights.  Domains, typmods and arrays survive the copy.
CREATE TABLE check_log (who name);
GRANT INSERT ON check_log TO PUBLIC;
CREATE FUNCTION logged_positive(v int) RETURNS boolean LANGUAGE plpgsql AS
  $$ BEGIN INSERT INTO check_log VALUES (current_user); RETURN v > 0; END $$;
CREATE DOMAIN positive AS int CHECK (logged_positive(VALUE));
CREATE DOMAIN small_positive AS positive CHECK (VALUE < 1000000);
CREATE DOMAIN short_text AS varchar(10);
CREATE ROLE regress_advisor_app;
GRANT CREATE ON SCHEMA public TO regress_advisor_app;
SET ROLE regress_advisor_app;
CREATE TABLE measured (id small_positive, label short_text, amount numeric(8, 2), bits bit(4),
                       ids small_positive[]);
INSERT INTO measured
SELECT g, 'l' || g % 7, g / 10.0, (g % 16)::bit(4), ARRAY[g] FROM generate_series(1, 2000) g;
SELECT * FROM epiphany.sample_columns('measured');
SELECT rows, heap_bytes > 0 AND columnar_bytes > 0 AS measured
  FROM epiphany.measure_storage_sample('measured', 500, 2000);
\set SHOW_CONTEXT never
SELECT * FROM epiphany.columnar_sample_size('measured');
\set SHOW_CONTEXT errors
RESET ROLE;
SELECT DISTINCT who FROM check_log;
DROP TABLE measured, check_log;
DROP DOMAIN short_text;
DROP DOMAIN small_positive;
DROP DOMAIN positive;
DROP FUNCTION logged_positive(integer);
REVOKE CREATE ON SCHEMA public FROM regress_advisor_app;
DROP ROLE regress_advisor_app;

DROP VIEW big_orders;
DROP TABLE order_lines, orders, orders_copy, customers, events, accounts, items, archive,
  lookups, churn,
  "Scratch Table", parted, readings, temporary_one, not_mine;
DROP SEQUENCE a_sequence;
DROP FUNCTION orders_touch(), definitions(regclass), try_convert(text, text), am_of(regclass),
  set_window(interval, interval);
DROP ROLE regress_advisor_reader, regress_advisor_other;
RESET epiphany.default_storage_mode;
