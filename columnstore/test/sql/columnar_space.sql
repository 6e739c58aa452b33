-- The space of deleted row-group rows is reused: rounds of deleting every
-- row, VACUUM, compaction (which drops the emptied row groups and deletes
-- their chunks' TOAST values), VACUUM (which frees those TOAST tuples) and
-- loading as many new rows leave the table about the size it had after the
-- first load, where without reuse it would grow by that size each round.
SET epiphany.columnar_auto_merge = off;
CREATE TABLE sp (id int PRIMARY KEY, grp int, payload text) USING columnar;
SELECT epiphany.columnar_set_options('sp', row_group_rows => 5000, chunk_rows => 1000,
                                     compression => 'none');
INSERT INTO sp SELECT g, g % 13, md5(g::text) || md5((g * 7)::text) FROM generate_series(1, 30000) g;
SELECT epiphany.columnar_merge('sp') >= 0 AS merged;
SELECT row_groups, rows, delta_rows FROM epiphany.columnar_stats('sp');
CREATE TEMP TABLE sizes AS
SELECT 0 AS round, pg_total_relation_size('sp') AS bytes,
       pg_relation_size((SELECT reltoastrelid FROM pg_class WHERE relname = 'sp')) AS toast_bytes;

-- round 1
DELETE FROM sp;
VACUUM sp;
SELECT row_groups_dropped FROM epiphany.columnar_compact('sp');
VACUUM sp;
INSERT INTO sp SELECT g, g % 13, md5(g::text) || md5((g * 1)::text)
  FROM generate_series(100000, 129999) g;
SELECT epiphany.columnar_merge('sp') >= 0 AS merged;
VACUUM sp;
INSERT INTO sizes
SELECT 1, pg_total_relation_size('sp'),
       pg_relation_size((SELECT reltoastrelid FROM pg_class WHERE relname = 'sp'));
-- round 2
DELETE FROM sp;
VACUUM sp;
SELECT row_groups_dropped FROM epiphany.columnar_compact('sp');
VACUUM sp;
INSERT INTO sp SELECT g, g % 13, md5(g::text) || md5((g * 2)::text)
  FROM generate_series(200000, 229999) g;
SELECT epiphany.columnar_merge('sp') >= 0 AS merged;
VACUUM sp;
INSERT INTO sizes
SELECT 2, pg_total_relation_size('sp'),
       pg_relation_size((SELECT reltoastrelid FROM pg_class WHERE relname = 'sp'));
-- round 3
DELETE FROM sp;
VACUUM sp;
SELECT row_groups_dropped FROM epiphany.columnar_compact('sp');
VACUUM sp;
INSERT INTO sp SELECT g, g % 13, md5(g::text) || md5((g * 3)::text)
  FROM generate_series(300000, 329999) g;
SELECT epiphany.columnar_merge('sp') >= 0 AS merged;
VACUUM sp;
INSERT INTO sizes
SELECT 3, pg_total_relation_size('sp'),
       pg_relation_size((SELECT reltoastrelid FROM pg_class WHERE relname = 'sp'));

-- every round holds just its own 30,000 rows, in 6 row groups
SELECT row_groups, rows, delta_rows, deleted_rows FROM epiphany.columnar_stats('sp');
SELECT count(*), min(id), max(id) FROM sp;
-- the chunks' TOAST relation stays within a third of its first size (without
-- reuse it would be four times as large after round 3)
SELECT round, toast_bytes <= (SELECT toast_bytes FROM sizes WHERE round = 0) * 4 / 3 AS toast_reused,
       bytes <= (SELECT bytes FROM sizes WHERE round = 0) * 2 AS table_bounded
  FROM sizes WHERE round > 0 ORDER BY round;
DROP TABLE sp;
