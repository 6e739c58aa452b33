-- Compaction gives back the space of deleted row-group rows: a row group
-- whose rows were all deleted (and whose index entries VACUUM removed) is
-- dropped; one with at least a fifth of its rows deleted is rewritten, its
-- remaining rows moved into new row groups.  epiphany.columnar_compact()
-- does it at once; VACUUM asks the merge worker to do it.
CREATE TABLE cp (id int PRIMARY KEY, grp int, payload text) USING columnar;
SELECT epiphany.columnar_set_options('cp', row_group_rows => 1000, chunk_rows => 500);
INSERT INTO cp SELECT g, g % 13, md5(g::text) FROM generate_series(1, 5000) g;
SELECT epiphany.columnar_merge('cp');
CREATE TABLE cp_twin AS SELECT * FROM cp;
CREATE FUNCTION cp_differences() RETURNS bigint LANGUAGE sql AS $$
  SELECT count(*) FROM ((SELECT * FROM cp EXCEPT ALL SELECT * FROM cp_twin)
                        UNION ALL (SELECT * FROM cp_twin EXCEPT ALL SELECT * FROM cp)) d
$$;

-- The first row group loses every row, the second half of them, the last
-- a tenth (too few to rewrite).
DELETE FROM cp WHERE id <= 1000 OR id BETWEEN 1001 AND 1500 OR (id > 4000 AND id % 10 = 0);
DELETE FROM cp_twin WHERE id <= 1000 OR id BETWEEN 1001 AND 1500 OR (id > 4000 AND id % 10 = 0);
SELECT row_groups, rows, deleted_rows FROM epiphany.columnar_stats('cp');

-- Before VACUUM, index entries still point at the dead row group: only the
-- sparse one is rewritten (its 500 remaining rows move).
SELECT * FROM epiphany.columnar_compact('cp');
SELECT row_groups, rows, deleted_rows FROM epiphany.columnar_stats('cp');
SELECT cp_differences();

-- VACUUM removes the index entries of the deleted and moved rows (it asks
-- the worker to compact too: turned off here to show each step); the next
-- compaction drops both emptied row groups and their markers.
SET epiphany.columnar_auto_merge = off;
VACUUM cp;
RESET epiphany.columnar_auto_merge;
SELECT * FROM epiphany.columnar_compact('cp');
SELECT row_groups, rows, deleted_rows FROM epiphany.columnar_stats('cp');
SELECT cp_differences();
SELECT * FROM epiphany.columnar_compact('cp');

-- Every access path finds the moved rows, and only them.
SET enable_seqscan = off;
SELECT id, grp FROM cp WHERE id IN (1, 1000, 1001, 1501, 2000, 4010, 4011) ORDER BY id;
RESET enable_seqscan;
SELECT count(*), min(id), max(id) FROM cp;
SELECT grp, count(*) FROM cp WHERE grp < 3 GROUP BY grp ORDER BY grp;
SELECT count(*), min(id), max(id) FROM cp_twin WHERE true;
-- the moved rows can be updated and deleted as any other
UPDATE cp SET payload = 'moved' WHERE id BETWEEN 1501 AND 1510;
UPDATE cp_twin SET payload = 'moved' WHERE id BETWEEN 1501 AND 1510;
DELETE FROM cp WHERE id = 1600;
DELETE FROM cp_twin WHERE id = 1600;
SELECT cp_differences();

-- VACUUM asks the merge worker, which compacts the row group that lost
-- 600 rows.  (Its own VACUUM cannot clean the moved rows' entries while
-- this session's wait holds an older snapshot, so one more VACUUM and
-- compaction here drop the emptied row group, unless the worker did.)
DELETE FROM cp WHERE id BETWEEN 2001 AND 2600;
DELETE FROM cp_twin WHERE id BETWEEN 2001 AND 2600;
VACUUM cp;
DO $$
BEGIN
    FOR i IN 1..600 LOOP
        EXIT WHEN (SELECT rows_compacted FROM epiphany.columnar_merge_stats()
                    WHERE relid = 'cp'::regclass AND state = 'idle') >= 1;
        PERFORM pg_sleep(0.1);
    END LOOP;
END
$$;
SELECT state, merges, rows_compacted, failures
  FROM epiphany.columnar_merge_stats() WHERE relid = 'cp'::regclass;
SET epiphany.columnar_auto_merge = off;
VACUUM cp;
RESET epiphany.columnar_auto_merge;
SELECT count(*) FROM epiphany.columnar_compact('cp');
SELECT row_groups, rows, deleted_rows FROM epiphany.columnar_stats('cp');
SELECT cp_differences();

-- Only the owner may compact; a heap table is refused.
CREATE ROLE regress_cp_other;
SET ROLE regress_cp_other;
SELECT * FROM epiphany.columnar_compact('cp');
RESET ROLE;
DROP ROLE regress_cp_other;
SELECT * FROM epiphany.columnar_compact('cp_twin');

DROP FUNCTION cp_differences();
DROP TABLE cp, cp_twin;
