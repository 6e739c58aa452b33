-- The automatic merge: a transaction that brings the rows written to a delta
-- store since its last merge to epiphany.columnar_merge_delta_rows asks, as
-- it commits, for a merge by the
-- database's merge worker, which merges one row group per transaction as
-- the table's owner and then vacuums the table.  Whether a merge is asked
-- for is decided at commit, so "no row in columnar_merge_stats" is exact;
-- the merge itself runs in the background, so the tests wait for it.
SHOW epiphany.columnar_auto_merge;
SHOW epiphany.columnar_merge_delta_rows;
SHOW epiphany.columnar_max_merge_workers;

-- Waits (up to a minute) until rel's merges and failures reach the counts
-- given and no merge of it is pending or running.
CREATE FUNCTION wait_for_merge(rel regclass, merges bigint, failures bigint DEFAULT 0)
RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    FOR i IN 1..600 LOOP
        IF EXISTS (SELECT 1 FROM epiphany.columnar_merge_stats() s
                    WHERE s.relid = rel AND s.state = 'idle'
                      AND s.merges >= wait_for_merge.merges
                      AND s.failures >= wait_for_merge.failures) THEN
            RETURN true;
        END IF;
        PERFORM pg_sleep(0.1);
    END LOOP;
    RETURN false;
END
$$;

SET epiphany.columnar_merge_delta_rows = 2000;

-- A delta store that gets 2,000 rows is merged and vacuumed; rows and the
-- primary key stay as they were.
CREATE TABLE am_events (id int PRIMARY KEY, device int, payload text) USING columnar;
SELECT epiphany.columnar_set_options('am_events', row_group_rows => 1000, chunk_rows => 500);
CREATE TABLE am_events_twin (id int PRIMARY KEY, device int, payload text);
INSERT INTO am_events SELECT g, g % 7, repeat(md5(g::text), 2) FROM generate_series(1, 3000) g;
INSERT INTO am_events_twin SELECT * FROM am_events;
SELECT wait_for_merge('am_events', 1);
SELECT state, merges, rows_merged, failures, last_failed, last_error IS NULL AS no_error,
       last_request <= last_start AND last_start <= last_end AS ordered
  FROM epiphany.columnar_merge_stats() WHERE relid = 'am_events'::regclass;
-- one row group per batch of row_group_rows rows; the delta store is empty,
-- and the worker vacuumed the table (this session's snapshot, older than
-- the merge, keeps VACUUM from freeing the merged rows' space right now)
SELECT row_groups, rows, delta_rows FROM epiphany.columnar_stats('am_events');
SELECT vacuum_count >= 1 AS vacuumed FROM pg_stat_user_tables WHERE relid = 'am_events'::regclass;
SELECT count(*) FROM (SELECT * FROM am_events EXCEPT SELECT * FROM am_events_twin) d;
SELECT count(*) FROM (SELECT * FROM am_events_twin EXCEPT SELECT * FROM am_events) d;
SET enable_seqscan = off;
SELECT id, device FROM am_events WHERE id IN (1, 1500, 3000) ORDER BY id;
RESET enable_seqscan;

-- UPDATE of row-group rows puts new versions into the delta store: merged too.
UPDATE am_events SET payload = 'updated' WHERE id <= 2500;
SELECT wait_for_merge('am_events', 2);
SELECT rows_written, merges, rows_merged, failures FROM epiphany.columnar_merge_stats()
 WHERE relid = 'am_events'::regclass;
-- (after the merge the worker compacts: how many row-group rows stay deleted
-- depends on the snapshots open meanwhile)
SELECT delta_rows FROM epiphany.columnar_stats('am_events');
SELECT count(*) FILTER (WHERE payload = 'updated') AS updated, count(*) FROM am_events;

-- Below the threshold, the rows are counted and nothing is asked for; with
-- the setting off, they are not even counted.
CREATE TABLE am_small (id int) USING columnar;
INSERT INTO am_small SELECT generate_series(1, 100);
SET epiphany.columnar_auto_merge = off;
CREATE TABLE am_off (id int, payload text) USING columnar;
INSERT INTO am_off SELECT g, repeat(md5(g::text), 2) FROM generate_series(1, 3000) g;
RESET epiphany.columnar_auto_merge;
SELECT relid, state, rows_written, merges, last_request
  FROM epiphany.columnar_merge_stats()
 WHERE relid IN ('am_small'::regclass, 'am_off'::regclass);
SELECT delta_rows FROM epiphany.columnar_stats('am_off');
-- A merge that fails (here an index expression raises an error that names
-- the user running it: the table's owner) rolls back; its rows stay in the
-- delta store, and the failure is recorded with its message.
CREATE ROLE regress_merge_owner;
CREATE ROLE regress_merge_watcher;
CREATE TABLE am_flag (fail boolean);
INSERT INTO am_flag VALUES (false);
GRANT SELECT ON am_flag TO regress_merge_owner;
CREATE FUNCTION am_picky(i int) RETURNS int LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    IF (SELECT fail FROM public.am_flag) THEN
        RAISE EXCEPTION 'merge as %', current_user;
    END IF;
    RETURN i;
END
$$;
CREATE TABLE am_failing (id int, payload text) USING columnar;
CREATE INDEX am_failing_picky ON am_failing (am_picky(id));
ALTER TABLE am_failing OWNER TO regress_merge_owner;
BEGIN;
INSERT INTO am_failing SELECT g, repeat(md5(g::text), 2) FROM generate_series(1, 3000) g;
UPDATE am_flag SET fail = true;
COMMIT;
SELECT wait_for_merge('am_failing', 0, 1);
SELECT state, merges, failures, last_failed, last_error
  FROM epiphany.columnar_merge_stats() WHERE relid = 'am_failing'::regclass;
SELECT row_groups, delta_rows FROM epiphany.columnar_stats('am_failing');
-- the message is shown only to the owner and to pg_read_all_stats
SET ROLE regress_merge_watcher;
SELECT last_failed, last_error FROM epiphany.columnar_merge_stats()
 WHERE relid = 'am_failing'::regclass;
RESET ROLE;
GRANT pg_read_all_stats TO regress_merge_watcher;
SET ROLE regress_merge_watcher;
SELECT last_error FROM epiphany.columnar_merge_stats() WHERE relid = 'am_failing'::regclass;
RESET ROLE;
-- once the cause is gone, a merge by hand moves every row
UPDATE am_flag SET fail = false;
SELECT epiphany.columnar_merge('am_failing');
SELECT count(*), sum(id) FROM am_failing;

-- A dropped table leaves the statistics.
SELECT 'am_failing'::regclass::oid AS failing_oid \gset
DROP TABLE am_failing;
SELECT count(*) FROM epiphany.columnar_merge_stats() WHERE relid::oid = :failing_oid;

DROP TABLE am_events, am_events_twin, am_small, am_off, am_flag;
DROP FUNCTION am_picky(int);
DROP FUNCTION wait_for_merge(regclass, bigint, bigint);
DROP ROLE regress_merge_owner;
DROP ROLE regress_merge_watcher;
RESET epiphany.columnar_merge_delta_rows;
