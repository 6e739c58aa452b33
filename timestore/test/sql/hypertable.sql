-- Hypertables: creation, chunks made on demand by every INSERT form and by
-- COPY, routing with triggers, constraints and upserts, and the chunk API.
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';

-- A plain table becomes a hypertable; chunks of the default 7 days start
-- on Thursdays (aligned on the Unix epoch), as TimescaleDB's do.
CREATE TABLE devices (id int PRIMARY KEY, name text);
INSERT INTO devices VALUES (1, 'alpha'), (2, 'beta'), (3, 'gamma');
CREATE TABLE conditions (
    time timestamptz,
    device int REFERENCES devices (id),
    temperature float8 CHECK (temperature > -100),
    note text DEFAULT 'none',
    fahrenheit float8 GENERATED ALWAYS AS (temperature * 9 / 5 + 32) STORED,
    PRIMARY KEY (device, time)
);
SELECT * FROM create_hypertable('conditions', 'time');
SELECT * FROM create_hypertable('conditions', 'time', if_not_exists => true);
SELECT hypertable_name, owner, num_dimensions, num_chunks FROM timescaledb_information.hypertables;
SELECT column_name, column_type, time_interval FROM timescaledb_information.dimensions;
\d conditions

INSERT INTO conditions (time, device, temperature)
VALUES ('2024-01-01 10:00', 1, 20.5), ('2024-01-02 11:00', 2, 21.0),
       ('2024-01-10 12:00', 1, 19.0), ('1999-12-31 23:59:59.999999', 3, 5);
SELECT chunk_name, range_start, range_end, extract(isodow FROM range_start) AS dow
  FROM timescaledb_information.chunks ORDER BY range_start;
SELECT tableoid::regclass AS chunk, time, device, temperature, note, fahrenheit
  FROM conditions ORDER BY time;

-- RETURNING, upserts (the arbiter is the hypertable's primary key, mapped
-- to each chunk's index), INSERT ... SELECT, data-modifying CTEs.
INSERT INTO conditions (time, device, temperature) VALUES ('2024-01-03 00:00', 3, 1)
RETURNING tableoid::regclass, time, device, fahrenheit;
INSERT INTO conditions (time, device, temperature) VALUES ('2024-01-01 10:00', 1, 99)
ON CONFLICT (device, time) DO UPDATE SET temperature = excluded.temperature, note = 'updated'
RETURNING time, device, temperature, note, fahrenheit;
INSERT INTO conditions (time, device, temperature) VALUES ('2024-01-01 10:00', 1, 0)
ON CONFLICT DO NOTHING RETURNING *;
INSERT INTO conditions (time, device, temperature) VALUES ('2024-01-01 10:00', 1, 0)
ON CONFLICT ON CONSTRAINT conditions_pkey DO UPDATE SET note = 'by constraint'
WHERE conditions.temperature > 50;
INSERT INTO conditions (time, device, temperature)
SELECT t, 2, 15 FROM generate_series('2024-02-01'::timestamptz, '2024-03-01', '1 day') t;
WITH moved AS (
    INSERT INTO conditions (time, device, temperature)
    VALUES ('2025-06-01', 1, 30) RETURNING device
) SELECT count(*) FROM moved;
SELECT count(*), count(DISTINCT tableoid) FROM conditions;
SELECT * FROM conditions WHERE device = 1 AND time = '2024-01-01 10:00';

-- Every row is in the chunk whose range holds it, and the ranges do not
-- overlap.
SELECT count(*) AS misplaced FROM conditions c
  JOIN _epiphany_timestore.chunk k ON k.relid = c.tableoid
 WHERE _epiphany_timestore.to_internal_time(c.time) NOT BETWEEN k.range_start AND k.range_end - 1;
SELECT count(*) AS overlaps FROM _epiphany_timestore.chunk a JOIN _epiphany_timestore.chunk b
    ON a.hypertable_id = b.hypertable_id AND a.id < b.id
   AND a.range_start < b.range_end AND b.range_start < a.range_end;

-- Constraints are the chunk's: NOT NULL, CHECK, foreign keys, uniqueness.
INSERT INTO conditions (time, device, temperature) VALUES (NULL, 1, 1);
INSERT INTO conditions (time, device, temperature) VALUES ('2024-01-01', 1, -500);
INSERT INTO conditions (time, device, temperature) VALUES ('2024-01-01', 42, 1);
INSERT INTO conditions (time, device, temperature) VALUES ('2024-01-02 11:00', 2, 1);
INSERT INTO conditions (time, device, temperature) VALUES ('infinity', 1, 1);
-- A row moved out of its chunk's range by UPDATE is refused.
UPDATE conditions SET time = time + interval '30 days' WHERE device = 3 AND time = '2024-01-03';
UPDATE conditions SET temperature = temperature + 1 WHERE time < '2024-01-02';
DELETE FROM conditions WHERE time >= '2024-02-15' AND time < '2024-03-01';
SELECT count(*) FROM conditions;

-- Triggers: row triggers of the hypertable fire on every chunk, including
-- those created before the trigger; statement triggers once.
CREATE TABLE trigger_log (event text, chunk text, device int);
CREATE FUNCTION log_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO trigger_log VALUES (TG_WHEN || ' ' || TG_OP || ' ' || TG_LEVEL,
                                    TG_TABLE_NAME, NEW.device);
    IF TG_WHEN = 'BEFORE' AND NEW.note = 'shout' THEN
        NEW.note := upper(NEW.note);
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER before_row BEFORE INSERT ON conditions FOR EACH ROW EXECUTE FUNCTION log_row();
CREATE TRIGGER after_row AFTER INSERT ON conditions FOR EACH ROW EXECUTE FUNCTION log_row();
CREATE TRIGGER after_statement AFTER INSERT ON conditions FOR EACH STATEMENT EXECUTE FUNCTION log_row();
INSERT INTO conditions (time, device, temperature, note)
VALUES ('2024-01-01 12:00', 1, 1, 'shout'), ('2030-01-01', 2, 2, 'new chunk');
SELECT event, chunk LIKE '\_hyper\_%' AS on_chunk, device FROM trigger_log ORDER BY event, device;
SELECT note FROM conditions WHERE time = '2024-01-01 12:00';
DROP TRIGGER before_row ON conditions;
DROP TRIGGER after_row ON conditions;
DROP TRIGGER after_statement ON conditions;
SELECT count(*) AS chunk_triggers FROM pg_trigger t JOIN _epiphany_timestore.chunk k ON k.relid = t.tgrelid
 WHERE NOT t.tgisinternal;

-- COPY routes rows (and creates chunks) like INSERT, honours WHERE and
-- reports the rows stored.
COPY conditions (time, device, temperature) FROM stdin;
2024-04-01 00:00:00+00	1	10
2024-04-02 00:00:00+00	2	11
2031-07-01 00:00:00+00	3	12
\.
COPY conditions (time, device, temperature) FROM stdin WHERE device = 2;
2024-05-01 00:00:00+00	1	10
2024-05-02 00:00:00+00	2	11
\.
COPY conditions (time, device, temperature) FROM stdin;
2024-05-03 00:00:00+00	1	-1000
\.
SELECT time, device, temperature, fahrenheit FROM conditions WHERE time >= '2024-04-01' ORDER BY time;

-- Indexes created on the hypertable reach every chunk; a unique index must
-- include the time column; DROP INDEX drops them on the chunks too.
CREATE INDEX conditions_temperature_idx ON conditions (temperature);
SELECT count(*) = (SELECT count(*) FROM show_chunks('conditions')) AS on_every_chunk
  FROM pg_index i JOIN _epiphany_timestore.chunk k ON k.relid = i.indrelid
 WHERE pg_get_indexdef(i.indexrelid) LIKE '%(temperature)%';
CREATE UNIQUE INDEX ON conditions (device);
CREATE INDEX CONCURRENTLY ON conditions (note);
DROP INDEX conditions_temperature_idx;
SELECT count(*) FROM pg_index i JOIN _epiphany_timestore.chunk k ON k.relid = i.indrelid
 WHERE pg_get_indexdef(i.indexrelid) LIKE '%(temperature)%';

-- Only planned INSERTs and COPY route rows: other ways into the parent stop.
MERGE INTO conditions c USING (VALUES (timestamptz '2024-01-01 13:00', 1)) v(t, d)
   ON c.time = v.t AND c.device = v.d
 WHEN NOT MATCHED THEN INSERT (time, device, temperature) VALUES (v.t, v.d, 1);
SELECT count(*) AS rows_in_parent FROM ONLY conditions;

-- Queries with constant time predicates scan only the chunks they need.
EXPLAIN (COSTS OFF) SELECT count(*) FROM conditions WHERE time >= '2024-04-01' AND time < '2024-04-03';
EXPLAIN (COSTS OFF) INSERT INTO conditions VALUES ('2024-01-01', 1, 1);
-- Bounds known only at execution (now(), parameters of a generic plan)
-- leave chunks out when the executor starts: their scans never run.
EXPLAIN (COSTS OFF) SELECT count(*) FROM conditions WHERE time > now() + interval '100 years';
SELECT count(*) FROM conditions WHERE time > now() + interval '100 years';
PREPARE one_day(timestamptz) AS
    SELECT count(*) FROM conditions WHERE time >= $1 AND time < $1 + interval '1 day';
SET plan_cache_mode = force_generic_plan;
EXPLAIN (COSTS OFF) EXECUTE one_day('2024-04-01');
EXECUTE one_day('2024-04-01');
EXPLAIN (COSTS OFF) SELECT time FROM conditions WHERE time <= $$2024-04-02$$::text::timestamptz ORDER BY time DESC LIMIT 1;
RESET plan_cache_mode;
DEALLOCATE one_day;
-- Time-ordered reads append the chunks in range order, without merging,
-- and agree with a sort of every row.
EXPLAIN (COSTS OFF) SELECT time FROM conditions ORDER BY time LIMIT 2;
SELECT (SELECT array_agg(time) FROM (SELECT time FROM conditions ORDER BY time DESC LIMIT 7) a)
     = (SELECT (array_agg(time ORDER BY time DESC))[1:7] FROM conditions) AS newest_first,
       (SELECT array_agg(time) FROM (SELECT time FROM conditions ORDER BY time LIMIT 7) a)
     = (SELECT (array_agg(time ORDER BY time))[1:7] FROM conditions) AS oldest_first;
-- time_bucket keeps the order of time: grouping by it in that order reads
-- the chunks in order, without sorting, and stops at the LIMIT.
EXPLAIN (COSTS OFF)
SELECT time_bucket('1 day', time) AS day, count(*) FROM conditions
 GROUP BY day ORDER BY day DESC LIMIT 2;
SELECT (SELECT array_agg(format('%s:%s', day, n))
          FROM (SELECT time_bucket('1 day', time) AS day, count(*) AS n FROM conditions
                 GROUP BY day ORDER BY day DESC LIMIT 3) a)
     = (SELECT (array_agg(format('%s:%s', day, n) ORDER BY day DESC))[1:3]
          FROM (SELECT time_bucket('1 day', time) AS day, count(*) AS n FROM conditions
                 GROUP BY day) b) AS newest_days;

-- show_chunks and drop_chunks: entirely older than / newer than a cutoff.
SELECT show_chunks('conditions', older_than => '2024-01-04'::timestamptz);
SELECT show_chunks('conditions', newer_than => '2030-01-01'::date);
SELECT show_chunks('conditions', older_than => '2024-03-01', newer_than => '2024-01-04');
SELECT count(*) = (SELECT count(*) FROM timescaledb_information.chunks
                    WHERE range_end <= now() - interval '1 day') AS relative_cutoff
  FROM show_chunks('conditions', older_than => interval '1 day');
SELECT drop_chunks('conditions', older_than => '2024-01-04'::timestamptz);
SELECT min(time) FROM conditions;
SELECT drop_chunks('conditions');
SELECT drop_chunks('conditions', older_than => 10);
SELECT show_chunks('devices');
-- A dropped chunk's range is created again when a row needs it.
INSERT INTO conditions (time, device, temperature) VALUES ('2024-01-01', 1, 5) RETURNING tableoid <> 0 AS stored;

-- set_chunk_time_interval: new chunks get the new length, cut back where
-- existing chunks are.
SELECT set_chunk_time_interval('conditions', interval '1 year');
INSERT INTO conditions (time, device, temperature) VALUES ('2026-06-01', 1, 1);
SELECT range_start, range_end FROM timescaledb_information.chunks
 WHERE range_start <= '2026-06-01' AND range_end > '2026-06-01';
SELECT time_interval FROM timescaledb_information.dimensions;

-- A rolled-back chunk leaves nothing behind; the next insert makes it anew.
SELECT count(*) AS chunks_before FROM show_chunks('conditions');
BEGIN;
INSERT INTO conditions (time, device, temperature) VALUES ('2040-01-01', 1, 1);
SELECT count(*) AS chunks_inside FROM show_chunks('conditions');
ROLLBACK;
SELECT count(*) AS chunks_after FROM show_chunks('conditions');
BEGIN;
SAVEPOINT s;
INSERT INTO conditions (time, device, temperature) VALUES ('2040-01-01', 1, 1);
ROLLBACK TO s;
INSERT INTO conditions (time, device, temperature) VALUES ('2040-01-01', 1, 2);
COMMIT;
SELECT temperature FROM conditions WHERE time = '2040-01-01';

-- Dropped and added columns: a new chunk keeps the hypertable's layout.
ALTER TABLE conditions DROP COLUMN note;
ALTER TABLE conditions ADD COLUMN humidity float8 DEFAULT 50;
INSERT INTO conditions (time, device, temperature, humidity)
VALUES ('2050-01-01', 1, 1, 60), ('2024-01-01 01:00', 2, 3, DEFAULT)
RETURNING time, device, humidity, fahrenheit;
COPY conditions (time, device, temperature) FROM stdin;
2051-01-01 00:00:00+00	1	10
\.
SELECT time, humidity FROM conditions WHERE time >= '2050-01-01' ORDER BY time;

-- A user with INSERT rights who does not own the hypertable still makes
-- chunks (they belong to the hypertable's owner); drop_chunks needs owning.
CREATE ROLE hypertable_writer;
GRANT SELECT, INSERT ON conditions TO hypertable_writer;
GRANT SELECT ON devices TO hypertable_writer;
SET ROLE hypertable_writer;
INSERT INTO conditions (time, device, temperature) VALUES ('2060-01-01', 1, 1);
SELECT drop_chunks('conditions', older_than => '2000-01-01'::timestamptz);
SELECT set_chunk_time_interval('conditions', interval '1 day');
RESET ROLE;
SELECT DISTINCT pg_get_userbyid(c.relowner) = current_user AS owned_by_owner
  FROM _epiphany_timestore.chunk k JOIN pg_class c ON c.oid = k.relid;

-- DROP TABLE takes the chunks and the catalog rows along.
DROP TABLE conditions;
SELECT count(*) FROM _epiphany_timestore.chunk;
SELECT count(*) FROM _epiphany_timestore.hypertable;
SELECT count(*) FROM pg_class WHERE relnamespace = '_epiphany_chunks'::regnamespace;
DROP OWNED BY hypertable_writer;
DROP ROLE hypertable_writer;
DROP TABLE trigger_log;
DROP FUNCTION log_row();
DROP TABLE devices;
