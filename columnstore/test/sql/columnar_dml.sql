-- UPDATE, DELETE, upsert and row locks on rows of row groups behave as on
-- heap: the same statements on a heap twin give the same table.
-- Nothing here asks the merge worker to compact in the background: the
-- file inspects row groups and index entries after its VACUUMs.
SET epiphany.columnar_auto_merge = off;
CREATE TABLE heap_d (id int PRIMARY KEY, k int, v text);
CREATE TABLE col_d (id int PRIMARY KEY, k int, v text) USING columnar;
INSERT INTO heap_d SELECT g, g % 10, 'v' || g FROM generate_series(1, 3000) g;
INSERT INTO col_d SELECT * FROM heap_d;
SELECT epiphany.columnar_merge('col_d');

CREATE FUNCTION same() RETURNS bigint LANGUAGE sql AS $$
  SELECT count(*) FROM ((SELECT * FROM heap_d EXCEPT ALL SELECT * FROM col_d)
                        UNION ALL (SELECT * FROM col_d EXCEPT ALL SELECT * FROM heap_d)) d
$$;

UPDATE heap_d SET v = v || '!' WHERE k = 3;
UPDATE col_d SET v = v || '!' WHERE k = 3;
DELETE FROM heap_d WHERE id % 7 = 0;
DELETE FROM col_d WHERE id % 7 = 0;
SELECT same() AS differences, (SELECT count(*) FROM col_d) AS rows;
SELECT rows, delta_rows, deleted_rows FROM epiphany.columnar_stats('col_d');

-- Updating an updated row follows it into the delta store.
UPDATE heap_d SET v = 'twice' WHERE id = 3;
UPDATE col_d SET v = 'twice' WHERE id = 3;
SELECT * FROM col_d WHERE id = 3;

-- Deleted keys can be inserted again; live ones cannot.
INSERT INTO col_d VALUES (7, 0, 'back');
INSERT INTO heap_d VALUES (7, 0, 'back');
\set VERBOSITY terse
INSERT INTO col_d VALUES (8, 0, 'duplicate');
\set VERBOSITY default

-- Upsert against rows of row groups.
INSERT INTO heap_d VALUES (10, 0, 'x'), (14, 4, 'new') ON CONFLICT (id) DO UPDATE SET v = 'upserted';
INSERT INTO col_d VALUES (10, 0, 'x'), (14, 4, 'new') ON CONFLICT (id) DO UPDATE SET v = 'upserted';
INSERT INTO heap_d VALUES (11, 0, 'x') ON CONFLICT DO NOTHING;
INSERT INTO col_d VALUES (11, 0, 'x') ON CONFLICT DO NOTHING;
SELECT * FROM col_d WHERE id IN (10, 11, 14) ORDER BY id;
SELECT same() AS differences;

-- Rollback and savepoints: a rolled-back deletion is no deletion.
BEGIN;
DELETE FROM col_d WHERE id = 20;
SAVEPOINT s;
UPDATE col_d SET v = 'in savepoint' WHERE id = 21;
ROLLBACK TO s;
UPDATE col_d SET v = 'kept' WHERE id = 22;
ROLLBACK;
SELECT * FROM col_d WHERE id IN (20, 21, 22) ORDER BY id;
BEGIN;
DELETE FROM col_d WHERE id = 20;
DELETE FROM heap_d WHERE id = 20;
SAVEPOINT s;
UPDATE col_d SET v = 'in savepoint' WHERE id = 21;
RELEASE s;
COMMIT;
UPDATE heap_d SET v = 'in savepoint' WHERE id = 21;
SELECT same() AS differences;

-- A row deleted twice in one statement counts once; a row updated by an
-- earlier command of the transaction can be updated again.
BEGIN;
UPDATE col_d SET v = 'first' WHERE id = 30;
UPDATE col_d SET v = 'second' WHERE id = 30;
COMMIT;
UPDATE heap_d SET v = 'second' WHERE id = 30;
SELECT same() AS differences;

-- Row locks and foreign keys referencing rows of row groups.
SELECT id, v FROM col_d WHERE id = 31 FOR UPDATE;
SELECT id, v FROM col_d WHERE id = 32 FOR KEY SHARE;
CREATE TABLE child (parent int REFERENCES col_d (id));
INSERT INTO child VALUES (31), (32);
\set VERBOSITY terse
INSERT INTO child VALUES (35);
DELETE FROM col_d WHERE id = 31;
\set VERBOSITY default
DROP TABLE child;

-- After a second merge everything is in row groups again; still the same.
SELECT epiphany.columnar_merge('col_d') > 0 AS merged;
SELECT same() AS differences, (SELECT delta_rows FROM epiphany.columnar_stats('col_d')) AS delta_rows;
UPDATE heap_d SET k = k + 1;
UPDATE col_d SET k = k + 1;
SELECT same() AS differences;
DROP FUNCTION same();
DROP TABLE heap_d, col_d;

-- VACUUM removes the index entries of row-group rows whose deletion no
-- snapshot can miss any more; the rows stay hidden by their markers, and
-- the next VACUUM starts where this one stopped.
CREATE EXTENSION pageinspect;
CREATE FUNCTION leaf_items(idx regclass) RETURNS bigint LANGUAGE sql AS $$
  SELECT sum(s.live_items) FROM generate_series(1, pg_relation_size(idx) / 8192 - 1) b,
         LATERAL bt_page_stats(idx::text, b) s WHERE s.type = 'l' $$;
CREATE TABLE vac_c (id int, v text) USING columnar;
CREATE INDEX vac_c_id ON vac_c (id);
INSERT INTO vac_c SELECT g, 'v' || g FROM generate_series(1, 3000) g;
SELECT epiphany.columnar_merge('vac_c');
DELETE FROM vac_c WHERE id % 3 = 0;
UPDATE vac_c SET v = v || '+' WHERE id <= 10;
SELECT leaf_items('vac_c_id') AS before_vacuum;
VACUUM vac_c;
SELECT leaf_items('vac_c_id') AS after_vacuum;
SET enable_seqscan = off;
SELECT count(*), sum(id) FROM vac_c WHERE id > 0;
SELECT * FROM vac_c WHERE id BETWEEN 4 AND 6 ORDER BY id;
RESET enable_seqscan;
SELECT count(*), sum(id) FROM vac_c;
DELETE FROM vac_c WHERE id > 2990;
VACUUM vac_c;
SELECT leaf_items('vac_c_id') AS after_second_vacuum;
-- VACUUM (INDEX_CLEANUP OFF) leaves them
DELETE FROM vac_c WHERE id BETWEEN 100 AND 199;
VACUUM (INDEX_CLEANUP OFF) vac_c;
SELECT leaf_items('vac_c_id') AS index_cleanup_off;
VACUUM vac_c;
SELECT leaf_items('vac_c_id') AS index_cleanup_on;
DROP TABLE vac_c;
DROP FUNCTION leaf_items(regclass);
DROP EXTENSION pageinspect;
