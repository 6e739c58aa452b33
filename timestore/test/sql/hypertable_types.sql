-- Hypertables on every time type, at the ends of each type's range, and
-- create_hypertable's forms and refusals.
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';

-- The dimension form, integer time with an integer interval; negative
-- times are bucketed with floor division.
CREATE TABLE readings_int (t bigint NOT NULL, v int);
SELECT created FROM create_hypertable('readings_int', by_range('t', 1000));
INSERT INTO readings_int VALUES (0, 1), (999, 2), (1000, 3), (-1, 4), (-1000, 5), (-1001, 6),
    (9223372036854775807, 7), (-9223372036854775808, 8);
SELECT range_start_integer, range_end_integer, array_agg(v ORDER BY v) AS rows
  FROM readings_int r JOIN timescaledb_information.chunks c
    ON c.chunk_name = (SELECT relname FROM pg_class WHERE oid = r.tableoid)
 GROUP BY 1, 2 ORDER BY 1;
SELECT integer_interval FROM timescaledb_information.dimensions WHERE hypertable_name = 'readings_int';
-- The chunk of a range, named by its bounds (ids depend on the tests before).
CREATE FUNCTION pg_temp.chunk_range(chunk regclass) RETURNS text LANGUAGE sql AS $$
    SELECT format('[%s, %s)', k.range_start, k.range_end)
      FROM _epiphany_timestore.chunk k WHERE k.relid = chunk $$;
SELECT pg_temp.chunk_range(c) FROM show_chunks('readings_int', older_than => 0) c;
SELECT count(*) AS dropped FROM drop_chunks('readings_int', older_than => -1000);
SELECT pg_temp.chunk_range(c) FROM show_chunks('readings_int') c ORDER BY 1;
SELECT count(*) FROM readings_int;
SELECT show_chunks('readings_int', older_than => interval '1 day');

-- smallint: the last chunk's range ends past the type; its constraint
-- only has the lower bound.
CREATE TABLE readings_small (t smallint NOT NULL, v int);
SELECT created FROM create_hypertable('readings_small', 't', chunk_time_interval => 10000);
INSERT INTO readings_small VALUES (32767, 1), (-32768, 2), (0, 3);
SELECT pg_get_constraintdef(oid) FROM pg_constraint
 WHERE conrelid IN (SELECT show_chunks('readings_small')) AND contype = 'c' ORDER BY 1;
SELECT created FROM create_hypertable('readings_small', 't', chunk_time_interval => 40000);

-- date: whole days; the default is 7 days.
CREATE TABLE daily (day date NOT NULL, v int);
SELECT created FROM create_hypertable('daily', 'day');
INSERT INTO daily VALUES ('2024-01-01', 1), ('2024-01-04', 2), ('0001-01-01', 3), ('5874897-12-31', 4);
SELECT range_start, range_end FROM timescaledb_information.chunks
 WHERE hypertable_name = 'daily' ORDER BY range_start NULLS FIRST;
SELECT day, pg_temp.chunk_range(tableoid) FROM daily ORDER BY day;
INSERT INTO daily VALUES ('infinity', 5);

-- timestamp without time zone, with a migrated table and an explicit
-- interval; create_default_indexes adds an index on time.
CREATE TABLE events (ts timestamp, payload text);
INSERT INTO events SELECT timestamp '2024-01-01' + i * interval '6 hours', 'e' || i
  FROM generate_series(0, 19) i;
SELECT created FROM create_hypertable('events', 'ts', chunk_time_interval => interval '1 day');
SELECT created FROM create_hypertable('events', 'ts', chunk_time_interval => interval '1 day',
                                migrate_data => true);
SELECT count(*) AS in_parent FROM ONLY events;
SELECT count(*), count(DISTINCT tableoid) FROM events;
SELECT indexdef FROM pg_indexes WHERE tablename = 'events';
SELECT min(ts), max(ts) FROM events;
CREATE TABLE events_nodefault (ts timestamp NOT NULL);
SELECT created FROM create_hypertable('events_nodefault', 'ts', create_default_indexes => false);
SELECT count(*) FROM pg_indexes WHERE tablename = 'events_nodefault';
SELECT created FROM create_hypertable('events_nodefault', by_range('ts', interval '1 hour'),
                                if_not_exists => true);

-- Refusals, each with its error code.
CREATE FUNCTION pg_temp.refusal(statement text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE statement;
    RETURN 'accepted';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END $$;
CREATE TABLE bad (t timestamptz, n numeric, u int, i int);
SELECT pg_temp.refusal($$SELECT create_hypertable('bad', 'missing')$$);
SELECT pg_temp.refusal($$SELECT create_hypertable('bad', 'n')$$);
SELECT pg_temp.refusal($$SELECT create_hypertable('bad', NULL)$$);
SELECT pg_temp.refusal($$SELECT create_hypertable('bad', 't', chunk_time_interval => interval '-1 day')$$);
SELECT pg_temp.refusal($$SELECT create_hypertable('bad', 't', chunk_time_interval => 0)$$);
SELECT pg_temp.refusal($$SELECT create_hypertable('bad', 't', chunk_time_interval => 'abc'::text)$$);
SELECT pg_temp.refusal($$SELECT create_hypertable('bad', 'i', chunk_time_interval => interval '1 day')$$);
SELECT pg_temp.refusal($$SELECT create_hypertable('bad', 't', associated_schema_name => 'elsewhere')$$);
SELECT pg_temp.refusal($$SELECT create_hypertable('bad', by_range('t', interval '1 day', 'abs(int)'::regprocedure::regproc))$$);
CREATE UNIQUE INDEX bad_u ON bad (u);
SELECT pg_temp.refusal($$SELECT create_hypertable('bad', 't')$$);
DROP INDEX bad_u;
CREATE TABLE bad_date (d date);
SELECT pg_temp.refusal($$SELECT create_hypertable('bad_date', 'd', chunk_time_interval => interval '12 hours')$$);
CREATE TABLE bad_parted (t timestamptz) PARTITION BY RANGE (t);
SELECT pg_temp.refusal($$SELECT create_hypertable('bad_parted', 't')$$);
CREATE TEMP TABLE bad_temp (t timestamptz);
SELECT pg_temp.refusal($$SELECT create_hypertable('bad_temp', 't')$$);
CREATE TABLE bad_child () INHERITS (bad);
SELECT pg_temp.refusal($$SELECT create_hypertable('bad', 't')$$);
SELECT pg_temp.refusal($$SELECT set_chunk_time_interval('bad', interval '1 day')$$);
SELECT pg_temp.refusal($$SELECT set_chunk_time_interval('events', interval '1 day', 'payload')$$);
SELECT pg_temp.refusal($$SELECT set_chunk_time_interval('events', NULL::interval)$$);
CREATE ROLE hypertable_stranger;
GRANT SELECT, INSERT ON bad_date TO hypertable_stranger;
SET ROLE hypertable_stranger;
SELECT pg_temp.refusal($$SELECT create_hypertable('bad_date', 'd')$$);
RESET ROLE;
DROP OWNED BY hypertable_stranger;
DROP ROLE hypertable_stranger;
DROP TABLE bad, bad_child, bad_date, bad_parted, bad_temp;
DROP TABLE readings_int, readings_small, daily, events, events_nodefault;
SELECT count(*) FROM _epiphany_timestore.hypertable;

-- Sizes and row counts.
CREATE TABLE sized (time timestamptz NOT NULL, payload text);
SELECT created FROM create_hypertable('sized', 'time', chunk_time_interval => interval '1 day');
INSERT INTO sized SELECT timestamptz '2024-01-01' + i * interval '1 hour', repeat('x', 3000)
  FROM generate_series(0, 47) i;
ANALYZE sized;
SELECT approximate_row_count('sized');
SELECT hypertable_size('sized') =
       (SELECT sum(pg_total_relation_size(r)) FROM (SELECT 'sized'::regclass AS r
         UNION ALL SELECT show_chunks('sized')) t) AS size_is_the_sum;
SELECT table_bytes > 0 AS heap, index_bytes > 0 AS indexes, toast_bytes > 0 AS toast,
       total_bytes = table_bytes + index_bytes + toast_bytes AS total_adds_up, node_name
  FROM hypertable_detailed_size('sized');
SELECT total_bytes = pg_total_relation_size(format('%I.%I', chunk_schema, chunk_name))
       AS matches
  FROM chunks_detailed_size('sized');
SELECT hypertable_size('pg_class'), approximate_row_count('pg_am') > 0 AS plain_table;
SELECT count(*) FROM hypertable_detailed_size('pg_class');
DROP TABLE sized;

-- Row-level security on a hypertable holds through chunk expansion, run-time
-- exclusion and the INSERT path (WITH CHECK), and COPY FROM is refused.
CREATE TABLE secured (time timestamptz NOT NULL, tenant text NOT NULL, v int);
SELECT created FROM create_hypertable('secured', 'time', chunk_time_interval => interval '1 day');
INSERT INTO secured VALUES ('2024-01-01', 'a', 1), ('2024-01-01', 'b', 2),
                           ('2024-01-02', 'a', 3), ('2024-01-02', 'b', 4);
ALTER TABLE secured ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_a ON secured USING (tenant = 'a') WITH CHECK (tenant = 'a');
CREATE ROLE secured_reader;
GRANT SELECT, INSERT ON secured TO secured_reader;
SET ROLE secured_reader;
SELECT tenant, v FROM secured ORDER BY v;
SELECT tenant, v FROM secured WHERE time >= '2024-01-02' ORDER BY v;
SELECT tenant, v FROM secured WHERE time < now() ORDER BY time DESC LIMIT 1;
INSERT INTO secured VALUES ('2024-01-03', 'a', 5);
INSERT INTO secured VALUES ('2024-01-03', 'b', 6);
COPY secured FROM stdin;
2024-01-04 00:00:00+00	a	7
\.
-- Nor can the chunks be read directly, around the policy.
SELECT bool_or(has_table_privilege(c, 'SELECT')) AS reads_a_chunk FROM show_chunks('secured') c;
RESET ROLE;
SELECT tenant, v FROM secured ORDER BY v;
DROP TABLE secured;
DROP OWNED BY secured_reader;
DROP ROLE secured_reader;

-- ALTER TABLE on a hypertable that has chunks: a primary key and a foreign
-- key reach every chunk; the time column cannot be retyped or dropped and
-- a unique constraint must include it; renaming it keeps the hypertable
-- working.
CREATE TABLE owners (id int PRIMARY KEY);
INSERT INTO owners VALUES (1);
CREATE TABLE altered (time timestamptz NOT NULL, owner int, v int);
SELECT created FROM create_hypertable('altered', 'time', chunk_time_interval => interval '1 day');
INSERT INTO altered VALUES ('2024-01-01', 1, 1), ('2024-01-02', 1, 2);
ALTER TABLE altered ADD PRIMARY KEY (owner, time);
ALTER TABLE altered ADD CONSTRAINT altered_owner_fkey FOREIGN KEY (owner) REFERENCES owners (id);
SELECT count(*) AS chunk_unique_indexes FROM pg_index i
 WHERE i.indrelid IN (SELECT show_chunks('altered')) AND i.indisunique;
SELECT count(*) AS chunk_foreign_keys FROM pg_constraint c
 WHERE c.conrelid IN (SELECT show_chunks('altered')) AND c.contype = 'f';
INSERT INTO altered VALUES ('2024-01-01', 1, 9)
ON CONFLICT (owner, time) DO UPDATE SET v = excluded.v RETURNING v;
DO $$ BEGIN
    INSERT INTO altered VALUES ('2024-01-01', 2, 1);
EXCEPTION WHEN foreign_key_violation THEN
    RAISE NOTICE 'refused by the chunk''s foreign key';
END $$;
ALTER TABLE altered ADD UNIQUE (owner);
ALTER TABLE altered ALTER COLUMN time TYPE timestamp;
ALTER TABLE altered DROP COLUMN time;
ALTER TABLE altered RENAME COLUMN time TO ts;
INSERT INTO altered VALUES ('2024-01-05', 1, 5);
SELECT column_name FROM timescaledb_information.dimensions WHERE hypertable_name = 'altered';
SELECT count(*) FROM altered WHERE ts >= '2024-01-01';
DROP TABLE altered, owners;

-- Storage parameters: new chunks take the hypertable's (and its TOAST
-- table's), and its columns' storage, compression and statistics target;
-- ALTER TABLE ... SET and RESET on the hypertable reach every chunk, other
-- commands in the same statement keep their effect.
CREATE TABLE tuned (time timestamptz NOT NULL, v text)
    WITH (fillfactor = 70, autovacuum_vacuum_scale_factor = 0.05, toast.autovacuum_enabled = false);
SELECT created FROM create_hypertable('tuned', 'time', chunk_time_interval => interval '1 day');
INSERT INTO tuned VALUES ('2024-01-01', 'a');
SELECT c.reloptions, t.reloptions AS toast_reloptions
  FROM pg_class c JOIN pg_class t ON t.oid = c.reltoastrelid
 WHERE c.oid IN (SELECT show_chunks('tuned'));
ALTER TABLE tuned SET (fillfactor = 90, parallel_workers = 2), RESET (autovacuum_vacuum_scale_factor),
    ALTER COLUMN v SET STORAGE external, ALTER COLUMN v SET COMPRESSION pglz,
    ALTER COLUMN time SET STATISTICS 500;
INSERT INTO tuned VALUES ('2024-01-02', 'b');
SELECT c.relname LIKE '%chunk' AS is_chunk, c.reloptions FROM pg_class c
 WHERE c.oid IN (SELECT show_chunks('tuned')) OR c.oid = 'tuned'::regclass ORDER BY c.oid;
SELECT a.attname, a.attstorage, a.attcompression, a.attstattarget, count(*) AS chunks
  FROM pg_attribute a WHERE a.attrelid IN (SELECT show_chunks('tuned')) AND a.attnum > 0
 GROUP BY 1, 2, 3, 4 ORDER BY 1;
ALTER TABLE tuned SET (no_such_parameter = 1);
DROP TABLE tuned;
