-- sparsevec: text form {index:value,...}/dim with 1-based indices.  Input
-- sorts the pairs and drops zeros; duplicates are refused.  Binary I/O,
-- typmod, ordering consistent with vector, hashing.

SELECT '{1:1.5,3:2}/5'::sparsevec;
SELECT ' { 3 : 2 , 1 : 1.5 } / 5 '::sparsevec;
SELECT '{}/3'::sparsevec;
SELECT '{2:0,4:-1,1:0}/4'::sparsevec;
SELECT '{1000000000:1}/1000000000'::sparsevec;

-- Typmod.
SELECT '{1:1}/3'::sparsevec(3);
CREATE TABLE st (id int, v sparsevec(5));
INSERT INTO st VALUES (1, '{1:1.5,3:2}/5'), (2, '{}/5'), (3, '{5:-1}/5');
\set VERBOSITY terse
INSERT INTO st VALUES (4, '{1:1}/4');
\set VERBOSITY default
SELECT format_type(atttypid, atttypmod) FROM pg_attribute
 WHERE attrelid = 'st'::regclass AND attname = 'v';

-- Binary: int32 dim, int32 nnz, int32 0, 0-based int32 indices, float4 values.
SELECT sparsevec_send('{2:1.5,4:-1}/5'::sparsevec);
\copy st TO 'tmp_check/sparsevec_type.bin' (FORMAT binary)
CREATE TABLE st_copy (LIKE st);
\copy st_copy FROM 'tmp_check/sparsevec_type.bin' (FORMAT binary)
SELECT a.id, a.v, a.v = b.v AS same FROM st a JOIN st_copy b USING (id) ORDER BY id;

-- Ordering is that of the dense vectors, then dims: it agrees with vector.
WITH v(x) AS (VALUES ('[1,0,3]'::vector), ('[1,0]'), ('[0,0,0]'), ('[0,-1,0]'),
                     ('[1,0,2]'), ('[1,0,3,0]'), ('[0,0,1]'))
SELECT x AS vec, x::sparsevec AS sparse,
       row_number() OVER (ORDER BY x) AS vector_rank,
       row_number() OVER (ORDER BY x::sparsevec) AS sparsevec_rank
  FROM v ORDER BY vector_rank;
SELECT '{1:1}/2'::sparsevec = '{1:1}/2', '{1:1}/2'::sparsevec = '{1:1}/3',
       '{1:1}/2'::sparsevec < '{1:1}/3', '{2:1}/2'::sparsevec > '{1:1}/2';
SELECT sparsevec_hash('{1:1,3:2}/3') = sparsevec_hash('{3:2,1:1,2:0}/3') AS same_hash;
CREATE INDEX st_v_idx ON st (v);
SET enable_seqscan = off;
SELECT id FROM st WHERE v = '{3:2,1:1.5}/5';
RESET enable_seqscan;
SET enable_sort = off;
SELECT v, count(*) FROM (VALUES ('{1:1}/2'::sparsevec), ('{1:1,2:0}/2'), ('{}/2')) t(v)
 GROUP BY v ORDER BY v;
RESET enable_sort;

DROP TABLE st, st_copy;
