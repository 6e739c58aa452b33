-- Per-table options: compression, row group and chunk sizes, and the sort
-- order (segmentby, then orderby) rows take when they become columnar.
-- Nothing here asks the merge worker to compact in the background: the
-- file inspects row groups and index entries after its VACUUMs.
SET epiphany.columnar_auto_merge = off;
CREATE TABLE opt (id int, device int, at timestamp, v text) USING columnar;
SELECT * FROM epiphany.columnar_options WHERE relation = 'opt'::regclass;

SELECT epiphany.columnar_set_options('opt', compression => 'none', row_group_rows => 2000,
                                     chunk_rows => 500, segmentby => 'device', orderby => 'at');
SELECT * FROM epiphany.columnar_options WHERE relation = 'opt'::regclass;

-- Rows arrive in id order; they become columnar by device, then time.
INSERT INTO opt SELECT g, g % 4, timestamp '2024-01-01' + (5000 - g) * interval '1 minute', 'v' || g
  FROM generate_series(1, 5000) g;
SELECT epiphany.columnar_merge('opt');
SELECT row_groups, rows, stored_bytes = raw_bytes AS uncompressed FROM epiphany.columnar_stats('opt');
SELECT id, device, at FROM opt LIMIT 3;
SELECT count(*) AS out_of_order FROM (
  SELECT device, at, lag(device) OVER w AS pdev, lag(at) OVER w AS pat
    FROM (SELECT device, at, row_number() OVER () AS n FROM opt) s
  WINDOW w AS (ORDER BY n)) x
 WHERE (pdev, pat) > (device, at);
-- Sorted rows make chunk filters sharp: one device is a quarter of the chunks.
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT count(*) FROM opt WHERE device = 2;

-- Options apply to later merges and rewrites, and outlive TRUNCATE.
SELECT epiphany.columnar_set_options('opt', compression => 'lz4', orderby => '');
VACUUM FULL opt;
SELECT row_groups, rows, stored_bytes < raw_bytes AS compressed FROM epiphany.columnar_stats('opt');
SELECT id, device FROM opt LIMIT 3;
TRUNCATE opt;
SELECT compression, row_group_rows, chunk_rows, segmentby, orderby
  FROM epiphany.columnar_options WHERE relation = 'opt'::regclass;
SELECT epiphany.columnar_set_options('opt', compression => 'zstd', compression_level => 19);
SELECT compression, compression_level FROM epiphany.columnar_options WHERE relation = 'opt'::regclass;

-- Invalid options are refused and change nothing.
\set VERBOSITY terse
SELECT epiphany.columnar_set_options('opt', compression => 'gzip');
SELECT epiphany.columnar_set_options('opt', compression_level => 0);
SELECT epiphany.columnar_set_options('opt', row_group_rows => 10);
SELECT epiphany.columnar_set_options('opt', chunk_rows => 1000000);
SELECT epiphany.columnar_set_options('opt', row_group_rows => 1000, chunk_rows => 5000);
SELECT epiphany.columnar_set_options('opt', orderby => 'nope');
SELECT epiphany.columnar_set_options('opt', orderby => 'at,,id');
CREATE TABLE heap_opt (id int);
SELECT epiphany.columnar_set_options('heap_opt', compression => 'none');
CREATE ROLE opt_stranger;
SET ROLE opt_stranger;
SELECT epiphany.columnar_set_options('opt', compression => 'none');
RESET ROLE;
DROP ROLE opt_stranger;
\set VERBOSITY default
SELECT compression, compression_level, row_group_rows, chunk_rows
  FROM epiphany.columnar_options WHERE relation = 'opt'::regclass;

-- Sort keys are kept by name, so that pg_dump carries them to the restored
-- table: they follow RENAME COLUMN (on inheritors too) and leave with DROP
-- COLUMN; a column added later under a dropped key's name is no key.
SELECT epiphany.columnar_set_options('opt', segmentby => 'device', orderby => 'at, id');
ALTER TABLE opt RENAME COLUMN device TO dev;
ALTER TABLE opt RENAME at TO ts;
SELECT segmentby, orderby FROM epiphany.columnar_options WHERE relation = 'opt'::regclass;
SELECT relid, segmentby, orderby FROM _epiphany_columnar.options WHERE relid = 'opt'::regclass;
ALTER TABLE opt DROP COLUMN ts;
ALTER TABLE opt ADD COLUMN ts timestamp;
SELECT segmentby, orderby FROM epiphany.columnar_options WHERE relation = 'opt'::regclass;
INSERT INTO opt (id, dev, v) SELECT g, 5 - g % 5, 'w' FROM generate_series(1, 20) g;
SELECT epiphany.columnar_merge('opt');
SELECT dev, count(*) FROM (SELECT dev, row_number() OVER () AS n FROM opt) x
 GROUP BY dev ORDER BY min(n);
CREATE TABLE opt_parent (id int, dev int);
CREATE TABLE opt_child () INHERITS (opt_parent) USING columnar;
SELECT epiphany.columnar_set_options('opt_child', orderby => 'dev');
ALTER TABLE opt_parent RENAME COLUMN dev TO device;
SELECT orderby FROM epiphany.columnar_options WHERE relation = 'opt_child'::regclass;
DROP TABLE opt_parent, opt_child;

-- Bloom filters: equality and IN skip the chunks whose filter rules their
-- values out, where min/max cannot (every chunk spans the whole range).
CREATE TABLE opt_bloom (id int, code text, n int8, p point) USING columnar;
SELECT epiphany.columnar_set_options('opt_bloom', chunk_rows => 1000, bloom => 'code, n');
SELECT bloom FROM epiphany.columnar_options WHERE relation = 'opt_bloom'::regclass;
INSERT INTO opt_bloom SELECT g, md5(g::text), hashint8(g), point(g, g)
  FROM generate_series(1, 5000) g;
SELECT epiphany.columnar_merge('opt_bloom');
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
  SELECT id FROM opt_bloom WHERE code = md5('4321');
SELECT id FROM opt_bloom WHERE code = md5('4321');
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
  SELECT id FROM opt_bloom WHERE n IN (hashint8(10), hashint8(4999), NULL);
SELECT id FROM opt_bloom WHERE n IN (hashint8(10), hashint8(4999), NULL) ORDER BY id;
-- a constant of another type: min/max alone decide
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
  SELECT id FROM opt_bloom WHERE n = hashint4(7);
\set VERBOSITY terse
SELECT epiphany.columnar_set_options('opt_bloom', bloom => 'nope');
SELECT epiphany.columnar_set_options('opt_bloom', bloom => 'p');
\set VERBOSITY default
ALTER TABLE opt_bloom RENAME COLUMN code TO digest;
SELECT bloom FROM epiphany.columnar_options WHERE relation = 'opt_bloom'::regclass;
DROP TABLE opt_bloom;

-- Dropping the table forgets its options.
SELECT 'opt'::regclass::oid AS opt_oid \gset
DROP TABLE opt, heap_opt;
SELECT count(*) AS leftover FROM _epiphany_columnar.options WHERE relid = :opt_oid;
