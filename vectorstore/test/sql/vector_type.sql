-- vector: text input and output, typmod, binary send/recv through COPY,
-- ordering (btree) and hashing.

-- Text form: brackets, commas, white space anywhere between tokens.
SELECT '[1,2,3]'::vector;
SELECT ' [ 1 , -2.5 ,3e2 ] '::vector;
SELECT '[1.5]'::vector;
-- Output is the shortest decimal that reads back as the same float4.
SELECT '[0.1, 0.30000001, 1e-7, 123456789, -0]'::vector;
SELECT '[3.4028235e38, -3.4028235e38, 1.4e-45]'::vector;
-- Round trip of awkward float4 values is exact.
SELECT v::text::vector = v AS round_trip
  FROM (VALUES ('[0.1,0.2,0.3]'::vector), ('[1.17549435e-38,3.4028235e38]'), ('[1e-45]')) t(v);

-- Typmod: vector(n) stores exactly n dimensions.
SELECT '[1,2,3]'::vector(3);
SELECT vector_dims('[1,2,3]'::vector(3));
CREATE TABLE vt (id int, v vector(3));
INSERT INTO vt VALUES (1, '[1,2,3]'), (2, '[0,0,0]'), (3, '[-1,2.5,0]');
\set VERBOSITY terse
INSERT INTO vt VALUES (4, '[1,2]');
INSERT INTO vt VALUES (4, '[1,2,3,4]');
SELECT '[1,2]'::vector(3);
\set VERBOSITY default
SELECT format_type(atttypid, atttypmod) FROM pg_attribute
 WHERE attrelid = 'vt'::regclass AND attname = 'v';
SELECT * FROM vt ORDER BY id;

-- Binary send/recv: COPY out in binary and back in; the values are equal.
\copy vt TO 'tmp_check/vector_type.bin' (FORMAT binary)
CREATE TABLE vt_copy (LIKE vt);
\copy vt_copy FROM 'tmp_check/vector_type.bin' (FORMAT binary)
SELECT a.id, a.v, a.v = b.v AS same FROM vt a JOIN vt_copy b USING (id) ORDER BY id;
-- The bytes on the wire: int16 dim, int16 0, then big-endian float4.
SELECT vector_send('[1,-2]'::vector);

-- Ordering: element by element, then the shorter vector first; -0 = 0.
SELECT v FROM (VALUES ('[1,2,3]'::vector), ('[1,2]'), ('[0,9,9]'), ('[1,2,4]'),
                      ('[-1]'), ('[1,2,3,0]')) t(v)
 ORDER BY v;
SELECT '[1,2]'::vector < '[1,2,0]', '[1,3]'::vector > '[1,2,9]',
       '[0]'::vector = '[-0]', '[1,2]'::vector <> '[1,2]',
       '[1,2]'::vector <= '[1,2]', '[1,2]'::vector >= '[1,3]';
SELECT vector_cmp('[1,2]', '[1,3]'), vector_cmp('[1,3]', '[1,2]'), vector_cmp('[5]', '[5]');

-- A btree index serves equality and range lookups.
CREATE INDEX vt_v_idx ON vt (v);
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM vt WHERE v = '[1,2,3]';
SELECT id FROM vt WHERE v = '[1,2,3]';
SELECT id FROM vt WHERE v < '[1,0,0]' ORDER BY v;
RESET enable_seqscan;

-- Hashing: equal vectors hash alike (-0 and 0 included), so GROUP BY and
-- hash joins agree with the equality operator.
SELECT vector_hash('[0,1]') = vector_hash('[-0,1]') AS zero_hash,
       vector_hash('[1,2]') <> vector_hash('[2,1]') AS order_matters;
SET enable_sort = off;
EXPLAIN (COSTS OFF) SELECT v, count(*) FROM (VALUES ('[1,2]'::vector), ('[1,2]')) t(v) GROUP BY v;
SELECT v, count(*) FROM (VALUES ('[1,2]'::vector), ('[1,2]'), ('[-0,1]'), ('[0,1]'), ('[1]')) t(v)
 GROUP BY v ORDER BY v;
RESET enable_sort;
SET enable_mergejoin = off;
SET enable_nestloop = off;
EXPLAIN (COSTS OFF) SELECT a.id FROM vt a JOIN vt_copy b ON a.v = b.v;
SELECT a.id FROM vt a JOIN vt_copy b ON a.v = b.v ORDER BY 1;
RESET enable_mergejoin;
RESET enable_nestloop;

-- Long vectors survive storage (STORAGE external, out of line).
CREATE TABLE vt_long (v vector(16000));
INSERT INTO vt_long SELECT array_fill(1.5::real, ARRAY[16000])::vector;
-- |v| = sqrt(16000 * 1.5^2) = sqrt(36000)
SELECT vector_dims(v), vector_norm(v), sqrt(36000::float8) AS expected FROM vt_long;

DROP TABLE vt, vt_copy, vt_long;
