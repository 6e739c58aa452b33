-- Typed encodings: each column below holds data that favours one encoding.
-- After a merge the columnar table must return exactly the heap twin's
-- rows (floats bit for bit: -0, NaN and the infinities compared through
-- their text form), epiphany.columnar_encodings must show the encoding
-- the data calls for, and the encodings must actually save space.
CREATE TABLE enc_heap (
    id int8,            -- serial: delta
    small int4,         -- pseudo-random in [0, 100): bitpack
    tiny int2,          -- pseudo-random in [-3, 3]: bitpack
    runs int4,          -- runs of 1000 equal values: rle
    ts timestamptz,     -- every minute, a gap every 1000 rows: deltadelta
    smooth float8,      -- i / 4 with NaN, -0 and the infinities: gorilla
    noisy float8,       -- pseudo-random doubles: plain
    f4 float4,          -- i / 8 with NaN, -0, the infinities, NULLs: gorilla
    mode text,          -- 7 values: dictionary
    code char(10),      -- 3 values, some NULL: dictionary
    note text,          -- all distinct: plain
    price numeric,      -- 11 values: dictionary
    amount numeric,     -- all distinct, display scale 2: decimal (delta)
    cents numeric(12,2),  -- random, negative, zero, a fifth NULL: decimal (bitpack)
    mixed numeric,      -- display scales 0 and 1 mixed: plain
    huge numeric,       -- beyond 64 bits at its display scale: plain
    odd numeric,        -- display scale 2, a NaN: plain chunk, decimal chunk
    flag bool,          -- dictionary
    sparse int4,        -- a third NULL: delta
    extremes int8,      -- INT64_MIN + i and INT64_MAX - i alternating: delta
    poles int8,         -- runs of INT64_MIN and INT64_MAX: rle
    scattered int8,     -- 5 values far apart: dictionary of by-value entries
    d date,             -- runs of 100, with -infinity and infinity: rle
    nothing int4        -- all NULL: plain, no bytes
);
INSERT INTO enc_heap
SELECT i,
       ((hashint4(i) % 100) + 100) % 100,
       (((hashint4(i) % 7) + 7) % 7 - 3)::int2,
       i / 1000,
       timestamptz '2024-01-01 00:00:00+00' + i * interval '1 minute' + (i / 1000) * interval '1 hour',
       CASE i % 5000 WHEN 1 THEN 'NaN'::float8 WHEN 2 THEN '-0'::float8
            WHEN 3 THEN 'Infinity'::float8 WHEN 4 THEN '-Infinity'::float8
            ELSE (i / 4.0)::float8 END,
       hashint8(i)::float8 / 3.7 + hashint4(i)::float8 * 1e-9,
       CASE WHEN i % 10 = 9 THEN NULL
            WHEN i % 5000 = 1 THEN 'NaN'::float4 WHEN i % 5000 = 2 THEN '-0'::float4
            WHEN i % 5000 = 3 THEN 'Infinity'::float4 WHEN i % 5000 = 4 THEN '-Infinity'::float4
            ELSE (i / 8.0)::float4 END,
       (ARRAY['REG AIR', 'AIR', 'RAIL', 'SHIP', 'TRUCK', 'MAIL', 'FOB'])[i % 7 + 1],
       CASE i % 4 WHEN 0 THEN NULL WHEN 1 THEN 'alpha' WHEN 2 THEN 'beta' ELSE 'gamma' END,
       'note ' || md5(i::text),
       (i % 11) / 4.0,
       i * 1.01,
       CASE WHEN i % 5 = 0 THEN NULL WHEN i % 7 = 0 THEN 0
            ELSE (hashint4(i) % 10000000) / 100.0 END,
       CASE WHEN i % 2 = 0 THEN i::numeric ELSE i * 0.5 END,
       i * 1e17 + 0.25,
       CASE WHEN i = 77 THEN 'NaN' ELSE i * 0.01 END,
       i % 3 = 0,
       CASE WHEN i % 3 = 0 THEN NULL ELSE i END,
       CASE WHEN i % 2 = 0 THEN 9223372036854775807 - i ELSE -9223372036854775808 + i END,
       CASE WHEN (i / 1000) % 2 = 0 THEN -9223372036854775808 ELSE 9223372036854775807 END,
       (ARRAY[-4611686018427387904, -7, 0, 123456789012345, 9223372036854775807])[
           ((hashint4(i) % 5) + 5) % 5 + 1],
       CASE i WHEN 5 THEN '-infinity' WHEN 6 THEN 'infinity'
            ELSE date '2024-01-01' + i / 100 END,
       NULL
  FROM generate_series(0, 19999) i;
CREATE TABLE enc_col (LIKE enc_heap) USING columnar;
INSERT INTO enc_col SELECT * FROM enc_heap ORDER BY id;
-- (an INSERT ... SELECT this large wrote row groups: nothing to merge)
SELECT epiphany.columnar_merge('enc_col');

-- (a) The same rows both ways, by value and by text (-0 <> 0 as text).
SELECT count(*) AS missing FROM (SELECT * FROM enc_heap EXCEPT ALL SELECT * FROM enc_col) x;
SELECT count(*) AS extra FROM (SELECT * FROM enc_col EXCEPT ALL SELECT * FROM enc_heap) x;
SELECT count(*) AS text_differences
  FROM ((SELECT h::text FROM enc_heap h EXCEPT ALL SELECT c::text FROM enc_col c)
        UNION ALL
        (SELECT c::text FROM enc_col c EXCEPT ALL SELECT h::text FROM enc_heap h)) x;
-- Index fetches decode single values of bitpack, dictionary, plain and
-- decimal-over-bitpack chunks (a NULL found in the bitmap, a value's place
-- by the bitmap's rank) and whole chunks of the other encodings, or of any
-- chunk once eight of its rows were fetched: either way they return the
-- heap twin's rows.
CREATE INDEX enc_col_id ON enc_col (id);
CREATE INDEX enc_heap_id ON enc_heap (id);
SET enable_seqscan = off;
SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF) SELECT c::text FROM enc_col c WHERE c.id = 5;
-- (twice over: the second pass reads small compressed chunks, frame tables
-- and dictionary entries from the chunks' cached metadata)
SELECT count(*) AS few_fetches_per_chunk,
       count(*) FILTER (WHERE (SELECT c::text FROM enc_col c WHERE c.id = k) IS DISTINCT FROM
                              (SELECT h::text FROM enc_heap h WHERE h.id = k)) AS differences
  FROM (SELECT generate_series(1, 19999, 2857) UNION ALL
        SELECT generate_series(1, 19999, 2857)) AS g(k);
SELECT count(*) AS many_fetches_per_chunk,
       count(*) FILTER (WHERE (SELECT c::text FROM enc_col c WHERE c.id = k) IS DISTINCT FROM
                              (SELECT h::text FROM enc_heap h WHERE h.id = k)) AS differences
  FROM generate_series(0, 19999, 7) k;
RESET enable_seqscan;
RESET enable_bitmapscan;
DROP INDEX enc_col_id, enc_heap_id;
SELECT smooth::text, f4::text, count(*) FROM enc_col
 WHERE smooth IN ('NaN', 'Infinity', '-Infinity') OR smooth::text = '-0'
 GROUP BY 1, 2 ORDER BY 1;
SELECT min(extremes), max(extremes), min(poles), max(poles), min(d), max(d) FROM enc_col;
SELECT scattered, count(*) FROM enc_col GROUP BY 1 ORDER BY 1;
SELECT count(sparse), sum(sparse), count(code), count(f4), count(nothing) FROM enc_col;

-- Plain chunks of more than 8 kB are compressed in frames that a point
-- read fetches one at a time (the index fetches above read them).
SELECT a.attname, c.compression & 256 <> 0 AS framed, count(*)
  FROM _epiphany_columnar.chunk c
  JOIN pg_attribute a ON a.attrelid = 'enc_col'::regclass AND a.attnum = c.attnum
 WHERE c.storage_id = pg_relation_filenode('enc_col') AND c.encoding = 0 AND c.raw_size > 0
 GROUP BY 1, 2 ORDER BY 1, 2;

-- (b) The encoding each column's data calls for, in both chunks.
SELECT attname, encoding, chunks FROM epiphany.columnar_encodings('enc_col');

-- (c) Sizes: bytes in PLAIN form against bytes stored.  Values in [0, 100)
-- take 7 of 32 bits; the others shrink at least fivefold; high-cardinality
-- text and random doubles stay PLAIN and only the general codec helps.
SELECT attname, encoding, raw_bytes, stored_bytes * 5 < raw_bytes AS five_times_smaller,
       stored_bytes * 4 < raw_bytes AS four_times_smaller
  FROM epiphany.columnar_encodings('enc_col')
 WHERE attname IN ('id', 'small', 'runs', 'ts', 'smooth', 'f4', 'mode', 'code', 'price',
                   'flag', 'sparse', 'poles', 'd', 'note', 'noisy', 'amount')
 ORDER BY attname;

-- (d) columnar_stats sums the same chunks: its compression ratio is their
-- PLAIN bytes over their stored bytes, its encodings those they use, in
-- encoding number order.
SELECT s.compression_ratio = e.plain::float8 / e.stored AS ratio_matches,
       s.compression_ratio > 4 AS ratio_above_4, s.encodings
  FROM epiphany.columnar_stats('enc_col') s,
       (SELECT sum(raw_bytes) AS plain, sum(stored_bytes) AS stored
          FROM epiphany.columnar_encodings('enc_col')) e;
-- columnar_decode_speed times the same chunks: one row per column and
-- encoding with their chunks and rows (the times are not checked).
SELECT count(*) AS rows_differing
  FROM epiphany.columnar_decode_speed('enc_col', 2) d
  FULL JOIN epiphany.columnar_encodings('enc_col') e USING (attname, encoding)
 WHERE d.chunks IS DISTINCT FROM e.chunks OR d.load_ms < 0 OR d.decode_ms < 0
    OR d.memcpy_ms < 0;
SELECT attname, sum(rows) AS rows FROM epiphany.columnar_decode_speed('enc_col', 1)
 WHERE attname IN ('id', 'note') GROUP BY attname ORDER BY attname;
SELECT count(*) FROM enc_col;
SELECT * FROM epiphany.columnar_decode_speed('enc_col', 0);
SELECT * FROM epiphany.columnar_decode_speed('enc_heap', 1);
-- Its column_bytes: each column's stored bytes, as columnar_encodings sums them.
SELECT count(*) AS columns, count(*) FILTER (WHERE j.value::bigint = e.stored) AS matching
  FROM epiphany.columnar_stats('enc_col') s, json_each_text(s.column_bytes) j
  JOIN (SELECT attname::text AS col, sum(stored_bytes) AS stored
          FROM epiphany.columnar_encodings('enc_col') GROUP BY attname) e ON e.col = j.key;
CREATE TABLE enc_empty (LIKE enc_heap) USING columnar;
SELECT compression_ratio IS NULL AS no_ratio, encodings, column_bytes
  FROM epiphany.columnar_stats('enc_empty');
DROP TABLE enc_empty;

-- Chunks of fewer values, after more rows arrive: still the same rows.
INSERT INTO enc_heap SELECT * FROM enc_heap WHERE id < 37;
INSERT INTO enc_col SELECT * FROM enc_col WHERE id < 37;
SELECT epiphany.columnar_merge('enc_col');
SELECT count(*) AS text_differences
  FROM ((SELECT h::text FROM enc_heap h EXCEPT ALL SELECT c::text FROM enc_col c)
        UNION ALL
        (SELECT c::text FROM enc_col c EXCEPT ALL SELECT h::text FROM enc_heap h)) x;

-- Uncompressed chunks of several TOAST pieces: a point read fetches only
-- the pieces that hold the null bitmap, the headers and the value it reads
-- (for delta, the deltas before it), from the pages the writer recorded
-- for them (the chunk's piece_runs), without the TOAST index.  Fetches by
-- index that jump between chunks and within them return the heap twin's
-- rows.
CREATE TABLE enc_pieces USING columnar AS
SELECT id, small, tiny, mode, code, amount, cents, noisy, sparse, extremes, scattered
  FROM enc_heap LIMIT 0;
SELECT epiphany.columnar_set_options('enc_pieces', compression => 'none');
INSERT INTO enc_pieces
SELECT id, small, tiny, mode, code, amount, cents, noisy, sparse, extremes, scattered
  FROM enc_heap ORDER BY id;
SELECT e.attname, e.encoding,
       bool_and(c.raw_size > 1996) FILTER (WHERE c.row_count = 10000) AS several_pieces
  FROM epiphany.columnar_encodings('enc_pieces') e
  JOIN pg_attribute a ON a.attrelid = 'enc_pieces'::regclass AND a.attname = e.attname
  JOIN _epiphany_columnar.chunk c
    ON c.storage_id = pg_relation_filenode('enc_pieces') AND c.attnum = a.attnum
 GROUP BY 1, 2 ORDER BY 1;
-- Every chunk knows where its pieces are: runs of whole pieces.
SELECT count(*) AS chunks, count(*) FILTER (WHERE length(piece_runs) % 8 = 0) AS with_runs
  FROM _epiphany_columnar.chunk WHERE storage_id = pg_relation_filenode('enc_pieces');
CREATE INDEX enc_pieces_id ON enc_pieces (id);
CREATE TABLE fetch_ids AS
SELECT k FROM unnest(ARRAY[40, 10000, 41, 15555, 777, 19999, 4321, 10001, 9998,
                           12345, 9999, 19998]) k;
CREATE VIEW heap_pieces AS
SELECT id, small, tiny, mode, code, amount, cents, noisy, sparse, extremes, scattered
  FROM enc_heap;
CREATE VIEW toast_index_reads AS
SELECT sum(idx_scan) AS scans, sum(idx_tup_read) AS pieces FROM pg_stat_all_indexes
 WHERE relid = (SELECT reltoastrelid FROM pg_class WHERE relname = 'enc_pieces');
CREATE VIEW fetch_differences AS
SELECT count(*) AS fetches,
       count(*) FILTER (WHERE (SELECT c::text FROM enc_pieces c WHERE c.id = k) IS DISTINCT FROM
                              (SELECT h::text FROM heap_pieces h WHERE h.id = k)) AS differences
  FROM fetch_ids;
SELECT pg_stat_force_next_flush();
SELECT scans AS toast_scans_before FROM toast_index_reads \gset
SET enable_seqscan = off;
SET enable_bitmapscan = off;
SELECT * FROM fetch_differences;
SELECT pg_stat_force_next_flush();
SELECT pg_stat_clear_snapshot();
SELECT scans - :toast_scans_before AS toast_index_scans FROM toast_index_reads;

-- Piece runs that are wrong (each column gets the next column's, as if the
-- pieces had moved; one column's point past the TOAST relation's end, one
-- column's are not a whole number of runs): each piece found is checked,
-- the index is the fallback, and the rows are still the heap twin's.  A new
-- connection: the backend caches chunk metadata.
UPDATE _epiphany_columnar.chunk c SET piece_runs = o.piece_runs
  FROM _epiphany_columnar.chunk o
 WHERE c.storage_id = pg_relation_filenode('enc_pieces') AND o.storage_id = c.storage_id
   AND o.first_row = c.first_row AND o.chunk = c.chunk AND o.attnum = c.attnum % 11 + 1;
UPDATE _epiphany_columnar.chunk SET piece_runs = decode('a086010001000100', 'hex')
 WHERE storage_id = pg_relation_filenode('enc_pieces') AND attnum = 3;
UPDATE _epiphany_columnar.chunk SET piece_runs = decode('010203', 'hex')
 WHERE storage_id = pg_relation_filenode('enc_pieces') AND attnum = 4;
\c
SELECT pg_stat_force_next_flush();
SELECT scans AS toast_scans_before FROM toast_index_reads \gset
SET enable_seqscan = off;
SET enable_bitmapscan = off;
SELECT * FROM fetch_differences;
SELECT count(*) AS many_fetches,
       count(*) FILTER (WHERE (SELECT c::text FROM enc_pieces c WHERE c.id = k) IS DISTINCT FROM
                              (SELECT h::text FROM heap_pieces h WHERE h.id = k)) AS differences
  FROM generate_series(37, 19999, 13) k;
SELECT count(*) AS text_differences
  FROM ((SELECT h::text FROM heap_pieces h EXCEPT ALL SELECT c::text FROM enc_pieces c)
        UNION ALL
        (SELECT c::text FROM enc_pieces c EXCEPT ALL SELECT h::text FROM heap_pieces h)) x;
SELECT pg_stat_force_next_flush();
SELECT pg_stat_clear_snapshot();
SELECT scans > :toast_scans_before AS through_the_index FROM toast_index_reads;

-- Chunks without piece runs are read through the TOAST index, still piece
-- by piece (whole chunks: each fetch would read every piece of one of the
-- two big chunks of each column, about half of all pieces).
UPDATE _epiphany_columnar.chunk SET piece_runs = NULL
 WHERE storage_id = pg_relation_filenode('enc_pieces');
\c
SELECT pg_stat_force_next_flush();
SELECT pieces AS toast_rows_before FROM toast_index_reads \gset
SET enable_seqscan = off;
SET enable_bitmapscan = off;
SELECT * FROM fetch_differences;
SELECT pg_stat_force_next_flush();
SELECT pg_stat_clear_snapshot();
SELECT pieces - :toast_rows_before AS rows_read,
       (SELECT sum((stored_size + 1995) / 1996) FROM _epiphany_columnar.chunk
         WHERE storage_id = pg_relation_filenode('enc_pieces')) AS pieces
  FROM toast_index_reads \gset
SELECT :rows_read > 0 AS through_the_index,
       :rows_read < 12 * :pieces / 2 / 3 AS under_a_third_of_whole_chunks;
RESET enable_seqscan;
RESET enable_bitmapscan;
DROP VIEW fetch_differences, toast_index_reads, heap_pieces;
DROP TABLE enc_pieces, fetch_ids;

-- A point read of a delta chunk sums the deltas before its value: deltas
-- of 1, 2 and 4 bits by counting bits a word at a time, others (3 bits
-- here) by unpacking.  Index fetches at every kind of place in the chunk
-- return the heap twin's values (the first eight of a read, at word
-- boundaries and far into the chunk, are point reads; a read decodes the
-- whole chunk after that).
CREATE TABLE delta_heap AS
SELECT i AS id,
       sum(hashint4(i) & 1) OVER w AS w1, sum(hashint4(i) & 3) OVER w AS w2,
       sum(hashint4(i) & 7) OVER w AS w3, sum(hashint4(i) & 15) OVER w AS w4
  FROM generate_series(1, 5000) i WINDOW w AS (ORDER BY i);
CREATE TABLE delta_col (LIKE delta_heap) USING columnar;
SELECT epiphany.columnar_set_options('delta_col', compression => 'none', chunk_rows => 5000);
INSERT INTO delta_col SELECT * FROM delta_heap ORDER BY id;
SELECT epiphany.columnar_merge('delta_col');
SELECT attname, encoding FROM epiphany.columnar_encodings('delta_col') ORDER BY 1;
CREATE INDEX delta_col_id ON delta_col (id);
SET enable_seqscan = off;
SET enable_bitmapscan = off;
SELECT count(*) AS fetches,
       count(*) FILTER (WHERE (SELECT c::text FROM delta_col c WHERE c.id = k) IS DISTINCT FROM
                              (SELECT h::text FROM delta_heap h WHERE h.id = k)) AS differences
  FROM (SELECT unnest(ARRAY[17, 33, 65, 2, 4999, 16, 64, 1000]) AS k
        UNION ALL SELECT generate_series(1, 5000, 37)) ks;
RESET enable_seqscan;
RESET enable_bitmapscan;
DROP TABLE delta_heap, delta_col;

-- A point read keeps a small chunk (one TOAST piece, within the 2 kB memo)
-- with the connection's cached metadata: the next point read in that
-- chunk reads no TOAST block, uncompressed or compressed.
CREATE TABLE memo_col (id int, v int8, t text) USING columnar;
SELECT epiphany.columnar_set_options('memo_col', chunk_rows => 100);
INSERT INTO memo_col SELECT i, hashint4(i), repeat('x', i % 7) FROM generate_series(1, 1000) i;
SELECT epiphany.columnar_merge('memo_col');
CREATE INDEX memo_col_id ON memo_col (id);
SELECT e.attname, e.encoding, count(*) FILTER (WHERE c.compression = 0) AS uncompressed,
       max(c.stored_size) < 1996 AS one_piece
  FROM epiphany.columnar_encodings('memo_col') e
  JOIN pg_attribute a ON a.attrelid = 'memo_col'::regclass AND a.attname = e.attname
  JOIN _epiphany_columnar.chunk c
    ON c.storage_id = pg_relation_filenode('memo_col') AND c.attnum = a.attnum
 GROUP BY 1, 2 ORDER BY 1;
\c
SET enable_seqscan = off;
SET enable_bitmapscan = off;
SELECT id, v, t FROM memo_col WHERE id = 205;
SELECT pg_stat_force_next_flush();
SELECT toast_blks_hit + toast_blks_read AS toast_blocks_before FROM pg_statio_all_tables
 WHERE relid = 'memo_col'::regclass \gset
SELECT id, v, t FROM memo_col WHERE id = 250;
SELECT pg_stat_force_next_flush();
SELECT pg_stat_clear_snapshot();
SELECT toast_blks_hit + toast_blks_read - :toast_blocks_before AS toast_blocks_read
  FROM pg_statio_all_tables WHERE relid = 'memo_col'::regclass;
RESET enable_seqscan;
RESET enable_bitmapscan;
DROP TABLE memo_col;

-- Bit-packing at every width from 1 to 64 bits: chunk w of 333 rows holds
-- values of w random bits (the decoder reads most values with one 8-byte
-- load and the last few of a chunk bit by bit).
CREATE TABLE widths_heap (w int, v int8);
INSERT INTO widths_heap
SELECT w, CASE w WHEN 64 THEN hashint8extended(i, w)
                 WHEN 63 THEN hashint8extended(i, w) & 9223372036854775807
                 ELSE hashint8extended(i, w) & ((1::int8 << w) - 1) END
  FROM generate_series(1, 64) w, generate_series(1, 333) i ORDER BY w, i;
CREATE TABLE widths_col (LIKE widths_heap) USING columnar;
SELECT epiphany.columnar_set_options('widths_col', row_group_rows => 21312, chunk_rows => 333);
INSERT INTO widths_col SELECT * FROM widths_heap ORDER BY w;
SELECT encoding, chunks FROM epiphany.columnar_encodings('widths_col') WHERE attname = 'v';
SELECT count(*) AS differences
  FROM ((SELECT * FROM widths_heap EXCEPT ALL SELECT * FROM widths_col)
        UNION ALL
        (SELECT * FROM widths_col EXCEPT ALL SELECT * FROM widths_heap)) x;
SELECT w, max(v) FROM widths_col WHERE w IN (1, 7, 57, 58, 63, 64) GROUP BY w ORDER BY w;
DROP TABLE widths_heap, widths_col;

-- A damaged chunk catalog entry gives an error naming the table and the
-- column, never a crash or a wrong answer.  (The chunk bytes themselves
-- cannot be changed from SQL: TOAST relations refuse DML.)
CREATE TABLE enc_bad (id int8, mode text) USING columnar;
INSERT INTO enc_bad SELECT i, (ARRAY['a', 'b'])[i % 2 + 1] FROM generate_series(1, 1000) i;
SELECT epiphany.columnar_merge('enc_bad');
SELECT attname, encoding FROM epiphany.columnar_encodings('enc_bad');
-- Each damage is read by a new connection: a backend caches the chunk
-- metadata it has read, and only the column store writes the catalog.
UPDATE _epiphany_columnar.chunk SET encoding = 42
 WHERE storage_id = pg_relation_filenode('enc_bad') AND attnum = 2;
\c
SELECT count(mode) FROM enc_bad;
UPDATE _epiphany_columnar.chunk SET encoding = 1
 WHERE storage_id = pg_relation_filenode('enc_bad') AND attnum = 2;
\c
SELECT count(mode) FROM enc_bad;
UPDATE _epiphany_columnar.chunk SET encoding = 7
 WHERE storage_id = pg_relation_filenode('enc_bad') AND attnum = 2;
\c
SELECT count(mode) FROM enc_bad;
-- (its chunk is zstd-compressed: 2)
UPDATE _epiphany_columnar.chunk SET encoding = 6, compression = 256
 WHERE storage_id = pg_relation_filenode('enc_bad') AND attnum = 2;
\c
SELECT count(mode) FROM enc_bad;
UPDATE _epiphany_columnar.chunk SET encoding = 0, compression = 256 + 2
 WHERE storage_id = pg_relation_filenode('enc_bad') AND attnum = 2;
\c
SELECT count(mode) FROM enc_bad;
UPDATE _epiphany_columnar.chunk SET compression = 2
 WHERE storage_id = pg_relation_filenode('enc_bad') AND attnum = 2;
UPDATE _epiphany_columnar.chunk SET encoding = 6
 WHERE storage_id = pg_relation_filenode('enc_bad') AND attnum = 2;
UPDATE _epiphany_columnar.chunk SET encoding = 6
 WHERE storage_id = pg_relation_filenode('enc_bad') AND attnum = 1;
\c
SELECT sum(id) FROM enc_bad;
UPDATE _epiphany_columnar.chunk SET encoding = 3
 WHERE storage_id = pg_relation_filenode('enc_bad') AND attnum = 1;
\c
SELECT sum(id) FROM enc_bad;
UPDATE _epiphany_columnar.chunk SET encoding = 2
 WHERE storage_id = pg_relation_filenode('enc_bad') AND attnum = 1;
\c
SELECT sum(id), count(mode) FROM enc_bad;

-- A chunk whose TOAST value is gone, or shorter than the catalog says:
-- index fetches, which read TOAST values through a reader of their own,
-- report it (the detail names the value and the TOAST relation).
CREATE INDEX enc_bad_id ON enc_bad (id);
UPDATE _epiphany_columnar.chunk SET toast_value = (toast_value::int8 + 1000000)::oid
 WHERE storage_id = pg_relation_filenode('enc_bad') AND attnum = 2;
\c
SET enable_seqscan = off;
SET enable_bitmapscan = off;
\set VERBOSITY terse
SELECT mode FROM enc_bad WHERE id = 5;
UPDATE _epiphany_columnar.chunk SET toast_value = (toast_value::int8 - 1000000)::oid,
       stored_size = stored_size + 3000
 WHERE storage_id = pg_relation_filenode('enc_bad') AND attnum = 2;
\c
SET enable_seqscan = off;
SET enable_bitmapscan = off;
SELECT mode FROM enc_bad WHERE id = 5;
UPDATE _epiphany_columnar.chunk SET stored_size = stored_size - 3000
 WHERE storage_id = pg_relation_filenode('enc_bad') AND attnum = 2;
\c
SET enable_seqscan = off;
SET enable_bitmapscan = off;
SELECT mode FROM enc_bad WHERE id = 5;
RESET enable_seqscan;
RESET enable_bitmapscan;

\set VERBOSITY terse
SELECT * FROM epiphany.columnar_encodings('enc_heap');
\set VERBOSITY default

DROP TABLE enc_heap, enc_col, enc_bad;
