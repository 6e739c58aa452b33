-- ColumnarBitmapScan: bitmap scans of columnar tables, so that GIN indexes
-- and ANDs and ORs of btree conditions serve queries.  Every query runs on
-- a columnar table with bitmap scans forced and on its heap twin, and must
-- return the same rows; the table has rows in row groups, deleted and
-- updated rows, and rows in the delta store.
SET epiphany.columnar_auto_merge = off;
CREATE TABLE bm_h (id int, grp int, tags text[], doc jsonb, body tsvector, note text);
INSERT INTO bm_h
SELECT g, g % 50, ARRAY['t' || (g % 7), 'u' || (g % 11)],
       jsonb_build_object('k', g % 13, 'n', g),
       to_tsvector('simple', 'word' || (g % 17) || ' other' || (g % 5)), 'note ' || g
  FROM generate_series(1, 20000) g;
CREATE TABLE bm_c (LIKE bm_h) USING columnar;
INSERT INTO bm_c SELECT * FROM bm_h;
DELETE FROM bm_h WHERE id % 97 = 0;
DELETE FROM bm_c WHERE id % 97 = 0;
UPDATE bm_h SET tags = tags || 'upd'::text, grp = grp + 1 WHERE id % 101 = 0;
UPDATE bm_c SET tags = tags || 'upd'::text, grp = grp + 1 WHERE id % 101 = 0;
INSERT INTO bm_h VALUES (30001, 3, ARRAY['t3', 'new'], '{"k": 4}', to_tsvector('simple', 'word3'),
                         'delta');
INSERT INTO bm_c SELECT * FROM bm_h WHERE id > 30000;
SELECT row_groups > 0 AS row_groups, delta_rows > 0 AS delta, deleted_rows > 0 AS deleted
  FROM epiphany.columnar_stats('bm_c');
CREATE INDEX bm_h_tags ON bm_h USING gin (tags);
CREATE INDEX bm_c_tags ON bm_c USING gin (tags);
CREATE INDEX bm_h_doc ON bm_h USING gin (doc jsonb_path_ops);
CREATE INDEX bm_c_doc ON bm_c USING gin (doc jsonb_path_ops);
CREATE INDEX bm_h_body ON bm_h USING gin (body);
CREATE INDEX bm_c_body ON bm_c USING gin (body);
CREATE INDEX bm_h_grp ON bm_h (grp);
CREATE INDEX bm_c_grp ON bm_c (grp);
CREATE INDEX bm_h_id ON bm_h (id);
CREATE INDEX bm_c_id ON bm_c (id);
ANALYZE bm_h;
ANALYZE bm_c;

-- Runs query "q" on tables "tab"_c (columnar, only bitmap scans allowed)
-- and "tab"_h (heap), each in place of TBL; 'same' and whether the
-- columnar plan used the node.
CREATE FUNCTION bitmap_same(q text, tab text DEFAULT 'bm') RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  c text[];
  h text[];
  plan text := '';
  line text;
BEGIN
  SET LOCAL enable_seqscan = off;
  SET LOCAL enable_indexscan = off;
  SET LOCAL enable_indexonlyscan = off;
  FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || replace(q, 'TBL', tab || '_c') LOOP
    plan := plan || line;
  END LOOP;
  EXECUTE format('SELECT array_agg(t::text ORDER BY t::text) FROM (%s) t',
                 replace(q, 'TBL', tab || '_c')) INTO c;
  RESET enable_seqscan;
  RESET enable_indexscan;
  RESET enable_indexonlyscan;
  EXECUTE format('SELECT array_agg(t::text ORDER BY t::text) FROM (%s) t',
                 replace(q, 'TBL', tab || '_h')) INTO h;
  IF c IS DISTINCT FROM h THEN
    RETURN format('DIFFERENT: %s / %s', c, h);
  END IF;
  RETURN format('same (%s rows), %s', coalesce(cardinality(c), 0),
                CASE WHEN plan LIKE '%ColumnarBitmapScan%' THEN 'bitmap' ELSE 'no bitmap' END);
END $$;

SET enable_seqscan = off;
SET enable_indexscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM bm_c WHERE tags @> ARRAY['t3'] AND grp < 10;
EXPLAIN (COSTS OFF) SELECT id FROM bm_c WHERE grp = 3 OR id < 100;
RESET enable_seqscan;
RESET enable_indexscan;

-- GIN on arrays, jsonb and tsvector; btree ANDs and ORs; a filter on top
SELECT q, bitmap_same(format('SELECT id, grp, tags, note FROM TBL WHERE %s', q))
  FROM (VALUES ('tags @> ARRAY[''t3'']'), ('tags && ARRAY[''u5'', ''new'']'),
               ('tags @> ARRAY[''upd'']'), ('doc @> ''{"k": 4}'''),
               ('body @@ to_tsquery(''simple'', ''word3 & other2'')'),
               ('grp = 3 OR grp = 7'), ('grp = 3 OR id < 100'), ('grp = 3 AND id < 5000'),
               ('tags @> ARRAY[''t3''] AND grp < 10'), ('tags @> ARRAY[''nothing'']'))
       AS t(q);
-- lossy bitmaps: every offset of a lossy block is read and rechecked (a
-- bitmap of more blocks than work_mem holds exactly: 350,000 rows take
-- 1,203 virtual blocks)
CREATE TABLE lossy_h (id int, grp int);
INSERT INTO lossy_h SELECT g, g % 50 FROM generate_series(1, 350000) g;
CREATE TABLE lossy_c (LIKE lossy_h) USING columnar;
INSERT INTO lossy_c SELECT * FROM lossy_h;
DELETE FROM lossy_h WHERE id % 1000 = 7;
DELETE FROM lossy_c WHERE id % 1000 = 7;
CREATE INDEX ON lossy_h (grp);
CREATE INDEX ON lossy_c (grp);
ANALYZE lossy_h;
ANALYZE lossy_c;
SET work_mem = '64kB';
SELECT bitmap_same('SELECT count(*), sum(id), min(grp), max(grp)
                      FROM (SELECT id, grp FROM TBL WHERE grp = 7 OR grp = 44 OFFSET 0) s', 'lossy');
CREATE FUNCTION lossy_blocks(q text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  line text;
  found bigint := 0;
BEGIN
  SET LOCAL enable_seqscan = off;
  SET LOCAL enable_indexscan = off;
  FOR line IN EXECUTE 'EXPLAIN (ANALYZE, TIMING OFF, SUMMARY OFF, COSTS OFF) ' || q LOOP
    IF line ~ 'Lossy Blocks: ' THEN
      found := found + substring(line FROM 'Lossy Blocks: (\d+)')::bigint;
    END IF;
  END LOOP;
  RETURN found;
END $$;
SELECT lossy_blocks('SELECT id, grp FROM lossy_c WHERE grp = 7 OR grp = 44') > 0 AS lossy;
RESET work_mem;
DROP TABLE lossy_h, lossy_c;
-- rescans: a nested loop with the bitmap scan parameterized by the outer row
SET enable_hashjoin = off;
SET enable_mergejoin = off;
SELECT bitmap_same('SELECT v.g, b.id FROM (VALUES (3), (5), (49)) v(g) JOIN TBL b ON b.grp = v.g');
RESET enable_hashjoin;
RESET enable_mergejoin;
-- an UPDATE and a DELETE that find their rows through a bitmap
SET enable_seqscan = off;
SET enable_indexscan = off;
EXPLAIN (COSTS OFF) UPDATE bm_c SET note = 'changed' WHERE tags @> ARRAY['t2'] AND grp = 2;
UPDATE bm_c SET note = 'changed' WHERE tags @> ARRAY['t2'] AND grp = 2;
DELETE FROM bm_c WHERE doc @> '{"k": 5}' AND grp = 5;
RESET enable_seqscan;
RESET enable_indexscan;
UPDATE bm_h SET note = 'changed' WHERE tags @> ARRAY['t2'] AND grp = 2;
DELETE FROM bm_h WHERE doc @> '{"k": 5}' AND grp = 5;
SELECT bitmap_same('SELECT id, grp, note FROM TBL WHERE grp = 2 OR grp = 5');
SELECT count(*) AS changed FROM bm_c WHERE note = 'changed';

DROP TABLE bm_h, bm_c;

-- BRIN: the index summarizes the delta store's block ranges (row groups
-- keep the same summary per chunk, min/max), so its bitmaps hold delta
-- rows only, and ColumnarBitmapScan reads the row groups beside them with
-- the chunks the conditions rule out skipped.  Alone, ANDed and ORed with a
-- btree, after a merge, deletes and updates, and with new delta rows
-- summarized, the answers are the heap twin's; the index holds the delta
-- store's ranges only, however many row groups there are.
CREATE TABLE brin_h AS SELECT g AS id, g % 100 AS grp, 'v' || g AS note FROM generate_series(1, 50000) g;
CREATE TABLE brin_c (id int, grp int, note text) USING columnar;
SELECT epiphany.columnar_set_options('brin_c', row_group_rows => 10000, chunk_rows => 1000);
INSERT INTO brin_c SELECT * FROM brin_h WHERE id <= 40000 ORDER BY id;
INSERT INTO brin_c SELECT * FROM brin_h WHERE id > 40000 ORDER BY id LIMIT 5000;
SELECT epiphany.columnar_merge('brin_c') > 0 AS merged;
INSERT INTO brin_c SELECT * FROM brin_h WHERE id > 45000 ORDER BY id LIMIT 100;
SELECT epiphany.columnar_merge('brin_c') > 0 AS merged;
INSERT INTO brin_c SELECT * FROM brin_h WHERE id > 45100 ORDER BY id LIMIT 4900;
SELECT row_groups, delta_rows FROM epiphany.columnar_stats('brin_c');
CREATE INDEX brin_c_id ON brin_c USING brin (id) WITH (pages_per_range = 4);
CREATE INDEX brin_c_grp ON brin_c (grp);
SET enable_seqscan = off;
SET enable_indexscan = off;
EXPLAIN (COSTS OFF) SELECT id, note FROM brin_c WHERE id BETWEEN 12000 AND 12999;
RESET enable_seqscan;
RESET enable_indexscan;
SELECT q, bitmap_same(format('SELECT id, grp, note FROM TBL WHERE %s', q), 'brin')
  FROM unnest(ARRAY[
    'id BETWEEN 12000 AND 12999',               -- row groups only
    'id BETWEEN 47000 AND 47010',               -- delta rows only
    'id >= 39990 AND id < 45200',               -- both
    'id < 0',                                   -- nothing
    'id BETWEEN 47000 AND 47010 OR grp = 7',    -- ORed with a btree
    'id BETWEEN 5000 AND 46000 AND grp = 7'     -- ANDed with a btree
  ]) q;
SELECT bitmap_same('SELECT count(*), sum(id) FROM TBL WHERE id > 30000', 'brin');
-- rescans with the bounds from the outer row (the chunk filters follow)
SET enable_hashjoin = off;
SET enable_mergejoin = off;
SELECT bitmap_same('SELECT v.lo, b.id FROM (VALUES (12000), (47000), (3)) v(lo)
                      JOIN TBL b ON b.id BETWEEN v.lo AND v.lo + 9', 'brin');
RESET enable_hashjoin;
RESET enable_mergejoin;
-- the chunks the conditions rule out are skipped
CREATE FUNCTION chunks_skipped(q text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  line text;
BEGIN
  SET LOCAL enable_seqscan = off;
  SET LOCAL enable_indexscan = off;
  FOR line IN EXECUTE 'EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) ' || q LOOP
    IF line ~ 'Chunks Skipped: ' THEN
      RETURN substring(line FROM 'Chunks Skipped: (\d+)')::bigint;
    END IF;
  END LOOP;
  RETURN NULL;
END $$;
-- (46 chunks of id in row groups, the range in two of them)
SELECT chunks_skipped('SELECT id, note FROM brin_c WHERE id BETWEEN 12000 AND 12999') >= 40
       AS most_chunks_skipped;
-- deletes and updates (new versions in the delta store), then a summary
-- of the new delta ranges
DELETE FROM brin_h WHERE id % 10 = 3;
DELETE FROM brin_c WHERE id % 10 = 3;
UPDATE brin_h SET id = id + 100000 WHERE id % 1000 = 7;
UPDATE brin_c SET id = id + 100000 WHERE id % 1000 = 7;
SELECT brin_summarize_new_values('brin_c_id') >= 0 AS summarized;
SELECT q, bitmap_same(format('SELECT id, grp, note FROM TBL WHERE %s', q), 'brin')
  FROM unnest(ARRAY['id BETWEEN 12000 AND 12999', 'id > 100000', 'id BETWEEN 46000 AND 49999']) q;
-- Row-group rows are never summarized: ranges of their virtual blocks
-- have nothing to summarize, and loads with autosummarize leave the index
-- as small as before.
SELECT brin_summarize_range('brin_c_id', 2147483648) AS summarized_in_row_groups;
ALTER INDEX brin_c_id SET (autosummarize = on);
SELECT pg_relation_size('brin_c_id') AS size_before \gset
INSERT INTO brin_c SELECT g, g % 100, 'more' FROM generate_series(200001, 260000) g;
SELECT row_groups FROM epiphany.columnar_stats('brin_c');
SELECT pg_relation_size('brin_c_id') <= :size_before + 8192 AS index_stays_small;
DROP TABLE brin_h, brin_c;
DROP FUNCTION bitmap_same(text, text), lossy_blocks(text), chunks_skipped(text);
