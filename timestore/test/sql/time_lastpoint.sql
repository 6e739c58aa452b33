-- LastPoint: "DISTINCT ON (c) ... ORDER BY c, time DESC" on a hypertable
-- with an index on (c, time) probes each chunk's index for the newest row
-- of every value instead of reading every row.  Every answer is compared
-- with the usual plan (enable_indexscan = off turns LastPoint off).
CREATE TABLE lp (time timestamptz NOT NULL, host text, reading float8, note text);
SELECT created FROM create_hypertable('lp', 'time', chunk_time_interval => interval '1 day');
CREATE INDEX lp_host_time ON lp (host, time DESC);
INSERT INTO lp SELECT timestamptz '2024-01-01 00:00+00' + g * interval '10 seconds',
                      'host' || (g % 9), g, 'n' || g
  FROM generate_series(0, 60000) g;
-- a value found only in the oldest chunk, NULLs in two chunks, a value
-- whose newest row is deleted, one whose newest row is updated
INSERT INTO lp VALUES ('2024-01-01 00:00:01+00', 'old-only', -1, 'old'),
                      ('2024-01-02 00:00:01+00', NULL, -2, 'null 1'),
                      ('2024-01-03 00:00:01+00', NULL, -3, 'null 2');
DELETE FROM lp WHERE host = 'host3' AND time = (SELECT max(time) FROM lp WHERE host = 'host3');
UPDATE lp SET note = 'updated' WHERE host = 'host4' AND time = (SELECT max(time) FROM lp WHERE host = 'host4');
ANALYZE lp;
SELECT count(*) AS chunks FROM show_chunks('lp');

CREATE FUNCTION lp_answer(query text, OUT plan text, OUT rows bigint, OUT digest text)
LANGUAGE plpgsql AS $$
DECLARE line text;
BEGIN
    plan := '';
    FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || query LOOP
        IF line ~ 'LastPoint|Unique|Sort' AND plan = '' THEN
            plan := btrim(line);
        END IF;
    END LOOP;
    EXECUTE 'SELECT count(*), md5(coalesce(string_agg(x::text, '',''), '''')) FROM (' || query || ') x'
       INTO rows, digest;
END
$$;
-- The plan and answer, then the answer of the usual plan.
CREATE FUNCTION lp_compare(query text)
RETURNS TABLE (plan text, rows bigint, same_answer boolean) LANGUAGE plpgsql AS $$
DECLARE fast record; usual record;
BEGIN
    SELECT * INTO fast FROM lp_answer(query);
    SET LOCAL enable_indexscan = off;
    SELECT * INTO usual FROM lp_answer(query);
    RETURN QUERY SELECT fast.plan, fast.rows, fast.digest = usual.digest;
END
$$;

SELECT * FROM lp_compare('SELECT DISTINCT ON (host) * FROM lp ORDER BY host, time DESC');
SELECT * FROM lp_compare('SELECT DISTINCT ON (host) host, time, note FROM lp ORDER BY host, time DESC');
SELECT * FROM lp_compare('SELECT DISTINCT ON (host) reading * 2 AS doubled, host FROM lp ORDER BY host, time DESC');
SELECT DISTINCT ON (host) host, time, reading, note FROM lp ORDER BY host, time DESC;
EXPLAIN (COSTS OFF) SELECT DISTINCT ON (host) * FROM lp ORDER BY host, time DESC;
-- with LIMIT
SELECT * FROM lp_compare('SELECT DISTINCT ON (host) host, time FROM lp ORDER BY host, time DESC LIMIT 3');

-- Bounds on time (constants, or values known when the query starts) are
-- keys of every probe; the chunks they rule out are not probed.
SELECT * FROM lp_compare($$SELECT DISTINCT ON (host) * FROM lp WHERE time >= '2024-01-05' ORDER BY host, time DESC$$);
SELECT * FROM lp_compare($$SELECT DISTINCT ON (host) * FROM lp WHERE time < '2024-01-02 12:00' ORDER BY host, time DESC$$);
SELECT * FROM lp_compare($$SELECT DISTINCT ON (host) * FROM lp
  WHERE time > '2024-01-02' AND time <= '2024-01-03 00:00:01+00' ORDER BY host, time DESC$$);
-- (a plan chosen by estimates that ANALYZE's sample moves: not printed)
SELECT rows, same_answer FROM lp_compare($$SELECT DISTINCT ON (host) * FROM lp
  WHERE time >= timestamptz '2024-01-07' - interval '1 hour' ORDER BY host, time DESC$$);
SELECT * FROM lp_compare($$SELECT DISTINCT ON (host) * FROM lp WHERE time = '2024-01-01 00:00:01+00' ORDER BY host, time DESC$$);
SELECT * FROM lp_compare($$SELECT DISTINCT ON (host) * FROM lp WHERE time > '2030-01-01' ORDER BY host, time DESC$$);
SELECT * FROM lp_compare($$SELECT DISTINCT ON (host) * FROM lp WHERE time > now() - interval '1000 years' ORDER BY host, time DESC$$);
PREPARE since(timestamptz) AS
  SELECT DISTINCT ON (host) host, time FROM lp WHERE time >= $1 ORDER BY host, time DESC;
SET plan_cache_mode = force_generic_plan;
EXPLAIN (COSTS OFF) EXECUTE since('2024-01-07 14:39:30+00');
EXECUTE since('2024-01-07 14:39:30+00');
EXECUTE since(NULL);
RESET plan_cache_mode;
DEALLOCATE since;

-- Not taken: other restrictions, another order, another DISTINCT ON.
SELECT * FROM lp_compare('SELECT DISTINCT ON (host) * FROM lp WHERE reading > 10 ORDER BY host, time DESC');
SELECT * FROM lp_compare($$SELECT DISTINCT ON (host) * FROM lp WHERE time > '2024-01-05' AND reading > 10 ORDER BY host, time DESC$$);
SELECT * FROM lp_compare('SELECT DISTINCT ON (host) * FROM lp ORDER BY host, time');
SELECT * FROM lp_compare('SELECT DISTINCT ON (host) * FROM lp ORDER BY host DESC, time DESC');
SELECT * FROM lp_compare('SELECT DISTINCT ON (note) * FROM lp ORDER BY note, time DESC');

-- An index in the other time order, on a hypertable whose chunks number
-- their columns differently (a column dropped before they were made), and
-- a chunk made after the plan was cached.
CREATE TABLE lp2 (time timestamptz NOT NULL, gone int, host int, reading float8);
SELECT created FROM create_hypertable('lp2', 'time', chunk_time_interval => interval '1 day');
ALTER TABLE lp2 DROP COLUMN gone;
CREATE INDEX ON lp2 (host, time);
INSERT INTO lp2 SELECT timestamptz '2024-01-01 00:00+00' + g * interval '10 seconds', g % 5, g
  FROM generate_series(0, 50000) g;
ANALYZE lp2;
SELECT * FROM lp_compare('SELECT DISTINCT ON (host) * FROM lp2 ORDER BY host, time DESC');
PREPARE newest AS SELECT DISTINCT ON (host) host, time, reading FROM lp2 ORDER BY host, time DESC;
SET plan_cache_mode = force_generic_plan;
EXECUTE newest;
INSERT INTO lp2 VALUES ('2024-02-01 00:00+00', 3, 333), ('2024-02-01 00:00+00', 1000, 1000);
SELECT count(*) AS chunks FROM show_chunks('lp2');
EXECUTE newest;
EXPLAIN (COSTS OFF) EXECUTE newest;
RESET plan_cache_mode;
DEALLOCATE newest;

-- Space partitioning (chunks of several hash slices share a time range;
-- a value lives in one slice), and a date time column.
CREATE TABLE lp3 (time timestamptz NOT NULL, device int, reading int);
SELECT created FROM create_hypertable('lp3', 'time', chunk_time_interval => interval '7 days');
SELECT created FROM add_dimension('lp3', by_hash('device', 3));
CREATE INDEX ON lp3 (device, time DESC);
INSERT INTO lp3 SELECT timestamptz '2024-01-01 00:00+00' + g * interval '10 seconds', g % 40, g
  FROM generate_series(1, 100000) g;
INSERT INTO lp3 VALUES ('2023-06-01 00:00+00', 1000, -1);
ANALYZE lp3;
SELECT count(*) AS chunks FROM show_chunks('lp3');
SELECT * FROM lp_compare('SELECT DISTINCT ON (device) * FROM lp3 ORDER BY device, time DESC');
SELECT * FROM lp_compare($$SELECT DISTINCT ON (device) * FROM lp3
  WHERE time >= '2024-01-08 00:00+00' ORDER BY device, time DESC$$);
CREATE TABLE lp4 (day date NOT NULL, device int, reading int);
SELECT created FROM create_hypertable('lp4', 'day', chunk_time_interval => interval '365 days');
CREATE INDEX ON lp4 (device, day DESC);
INSERT INTO lp4 SELECT date '2020-01-01' + g / 40, g % 40, g FROM generate_series(0, 39999) g;
ANALYZE lp4;
SELECT * FROM lp_compare('SELECT DISTINCT ON (device) * FROM lp4 ORDER BY device, day DESC');
SELECT * FROM lp_compare($$SELECT DISTINCT ON (device) * FROM lp4
  WHERE day < '2021-06-01' ORDER BY device, day DESC$$);
DROP TABLE lp3, lp4;

-- Without the index, or when the hypertable's rows are hidden by row-level
-- security, the usual plan.
CREATE ROLE regress_lp_reader;
GRANT SELECT ON lp TO regress_lp_reader;
ALTER TABLE lp ENABLE ROW LEVEL SECURITY;
CREATE POLICY lp_even ON lp FOR SELECT TO regress_lp_reader USING (reading::int % 2 = 0);
SET ROLE regress_lp_reader;
SELECT * FROM lp_compare('SELECT DISTINCT ON (host) * FROM lp ORDER BY host, time DESC');
RESET ROLE;
DROP POLICY lp_even ON lp;
ALTER TABLE lp DISABLE ROW LEVEL SECURITY;
REVOKE ALL ON lp FROM regress_lp_reader;
DROP ROLE regress_lp_reader;
DROP INDEX lp_host_time;
SELECT * FROM lp_compare('SELECT DISTINCT ON (host) * FROM lp ORDER BY host, time DESC');

DROP FUNCTION lp_compare(text);
DROP FUNCTION lp_answer(text);
DROP TABLE lp, lp2;
