-- halfvec: float16 elements.  Text and binary I/O, rounding to float16
-- (nearest, ties to even; overflow is an error), typmod, ordering, hashing.

SELECT '[1,2,3]'::halfvec;
SELECT ' [ 1 , -2.5 ,3e2 ] '::halfvec;
-- Rounding to the nearest float16; output is the shortest decimal that
-- reads back as the same value.
SELECT '[0.1, 0.333333, 3.14159265, 1000.3]'::halfvec;
-- Integers above 2048 are spaced 2 apart; ties go to the even mantissa.
SELECT '[2049, 2051, 2053, 4097, 4099]'::halfvec;
-- The largest finite value, and values that round down to it.
SELECT '[65504, 65519.99, -65504]'::halfvec;
-- Subnormals: 2^-24 is the smallest; half of it rounds to zero (even),
-- a little more rounds up to it.
SELECT '[5.960464477539063e-8, 2.9802322387695312e-8, 2.99e-8, 6.1035156e-5]'::halfvec;
SELECT '[-0, 1e-10]'::halfvec;

-- Typmod.
SELECT '[1,2,3]'::halfvec(3);
CREATE TABLE ht (id int, v halfvec(3));
INSERT INTO ht VALUES (1, '[1,2,3]'), (2, '[0.5,-0.25,1024]'), (3, '[0,0,0]');
\set VERBOSITY terse
INSERT INTO ht VALUES (4, '[1,2]');
\set VERBOSITY default
SELECT format_type(atttypid, atttypmod) FROM pg_attribute
 WHERE attrelid = 'ht'::regclass AND attname = 'v';

-- Binary send/recv: int16 dim, int16 0, then big-endian float16 bits.
SELECT halfvec_send('[1,-2,65504]'::halfvec);
\copy ht TO 'tmp_check/halfvec_type.bin' (FORMAT binary)
CREATE TABLE ht_copy (LIKE ht);
\copy ht_copy FROM 'tmp_check/halfvec_type.bin' (FORMAT binary)
SELECT a.id, a.v, a.v = b.v AS same FROM ht a JOIN ht_copy b USING (id) ORDER BY id;

-- Ordering, btree and hash.
SELECT v FROM (VALUES ('[1,2,3]'::halfvec), ('[1,2]'), ('[0,9,9]'), ('[1,2,4]'), ('[-1]')) t(v)
 ORDER BY v;
SELECT '[0]'::halfvec = '[-0]', '[1,2]'::halfvec < '[1,2,0]', halfvec_cmp('[1,3]', '[1,2]');
SELECT halfvec_hash('[0,1]') = halfvec_hash('[-0,1]') AS zero_hash;
CREATE INDEX ht_v_idx ON ht (v);
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM ht WHERE v = '[1,2,3]';
SELECT id FROM ht WHERE v = '[1,2,3]';
RESET enable_seqscan;
SET enable_sort = off;
SELECT v, count(*) FROM (VALUES ('[1,2]'::halfvec), ('[1,2]'), ('[-0,1]'), ('[0,1]')) t(v)
 GROUP BY v ORDER BY v;
RESET enable_sort;

-- Arithmetic is exact before one rounding to float16; overflow is an error.
SELECT '[1,2,3]'::halfvec + '[0.5,0.25,2048]', '[1,2,3]'::halfvec - '[4,5,6]',
       '[1.5,2,3]'::halfvec * '[2,0.5,-1]';
SELECT '[2048]'::halfvec + '[1]' AS tie_to_even, '[2048]'::halfvec + '[3]' AS up;
SELECT '[1,2]'::halfvec || '[3]';
\set VERBOSITY terse
SELECT '[65504]'::halfvec + '[16]';
SELECT '[300]'::halfvec * '[300]';
SELECT '[1,2]'::halfvec + '[1,2,3]';
\set VERBOSITY default

DROP TABLE ht, ht_copy;
