-- TIDs of a columnar table: delta rows keep heap TIDs in small blocks; a
-- row of a row group has the virtual TID (2^31 + n / 291, n % 291 + 1) of
-- its row number n.  TID scans and TID range scans find rows by them.
SET epiphany.columnar_auto_merge = off;
CREATE TABLE tid_c (id int, v text) USING columnar;
-- 700 rows go to the delta store (too few for a direct bulk write)
INSERT INTO tid_c SELECT g, 'v' || g FROM generate_series(1, 700) g;
SELECT min(ctid) AS first_delta, max(ctid) < '(100,1)' AS delta_blocks_small FROM tid_c;
SELECT epiphany.columnar_merge('tid_c');
SELECT row_groups, rows, delta_rows FROM epiphany.columnar_stats('tid_c');
SELECT id, ctid FROM tid_c WHERE id IN (1, 2, 291, 292, 582, 583, 700) ORDER BY id;
-- Rows keep their insertion order, so id i has row number i - 1: every ctid
-- is where the formula puts it.
SELECT count(*) AS misplaced FROM tid_c
 WHERE ctid <> format('(%s,%s)', 2147483648 + (id - 1) / 291, (id - 1) % 291 + 1)::tid;
SELECT count(*) AS below_2_31 FROM tid_c WHERE ctid < '(2147483648,1)';

-- New rows go to the delta store, with small block numbers again.
INSERT INTO tid_c VALUES (701, 'v701'), (702, 'v702');
SELECT id, ctid < '(100,1)' AS small_block FROM tid_c WHERE id > 700 ORDER BY id;
SELECT ctid AS delta_tid FROM tid_c WHERE id = 701 \gset

-- TID scan on a row-group row, on the first row of the second block, on a
-- delta row, and on TIDs that hold no row.
EXPLAIN (COSTS OFF) SELECT id, v FROM tid_c WHERE ctid = '(2147483648,1)';
SELECT id, v FROM tid_c WHERE ctid = '(2147483648,1)';
SELECT id, v FROM tid_c WHERE ctid = '(2147483649,1)';
SELECT id, v FROM tid_c WHERE ctid = :'delta_tid';
SELECT id, v FROM tid_c WHERE ctid = '(2147483650,119)';
SELECT count(*) FROM tid_c WHERE ctid = '(2147483650,120)';
SELECT count(*) FROM tid_c WHERE ctid = '(2147483660,1)';
SELECT id FROM tid_c WHERE ctid = ANY (ARRAY['(2147483648,10)', '(2147483649,10)', :'delta_tid']::tid[])
 ORDER BY id;

-- TID range scans inside one block, across the block boundary, and over the
-- whole row-group range.
EXPLAIN (COSTS OFF)
SELECT id FROM tid_c WHERE ctid >= '(2147483648,5)' AND ctid < '(2147483648,9)';
SELECT id FROM tid_c WHERE ctid >= '(2147483648,5)' AND ctid < '(2147483648,9)' ORDER BY id;
SELECT array_agg(id ORDER BY id) FROM tid_c
 WHERE ctid >= '(2147483648,289)' AND ctid <= '(2147483649,3)';
SELECT count(*), min(id), max(id) FROM tid_c WHERE ctid >= '(2147483648,1)';
SELECT count(*), min(id), max(id) FROM tid_c WHERE ctid > '(2147483649,291)';
SELECT array_agg(id ORDER BY id) FROM tid_c WHERE ctid < '(2147483648,1)';

-- A deleted row-group row is gone from TID scans; its updated version is a
-- delta row with a small block number.
DELETE FROM tid_c WHERE id = 3;
UPDATE tid_c SET v = 'new' WHERE id = 4;
SELECT count(*) AS deleted_found FROM tid_c WHERE ctid = '(2147483648,3)';
SELECT count(*) AS old_version_found FROM tid_c WHERE ctid = '(2147483648,4)';
SELECT ctid < '(2147483648,1)' AS in_delta, v FROM tid_c WHERE id = 4;
SELECT array_agg(id ORDER BY id) FROM tid_c
 WHERE ctid >= '(2147483648,1)' AND ctid < '(2147483648,6)';

-- A second merge moves the delta rows into a new row group.  A row group
-- reserves row_group_rows (150,000) row numbers when its first row arrives,
-- so the new rows are numbered from 150,000 on: block 2^31 + 515, offset 136.
SELECT epiphany.columnar_merge('tid_c');
SELECT array_agg(ctid ORDER BY ctid) AS new_tids FROM tid_c WHERE id IN (4, 701, 702);
SELECT count(*) AS below_2_31 FROM tid_c WHERE ctid < '(2147483648,1)';
SELECT id, v FROM tid_c
 WHERE ctid = ANY ('{"(2147484163,136)","(2147484163,137)","(2147484163,138)"}'::tid[]) ORDER BY id;
SELECT array_agg(id ORDER BY id) FROM tid_c WHERE ctid > '(2147483650,118)';
DROP TABLE tid_c;
