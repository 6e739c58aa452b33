-- The ivfflat operator classes of halfvec and bit: halfvec_l2_ops,
-- halfvec_ip_ops, halfvec_cosine_ops on a halfvec column and on a
-- (v::halfvec(3)) expression, bit_hamming_ops on a bit column and on a
-- (binary_quantize(v)::bit(n)) expression.  With ivfflat.probes equal to
-- the index's lists the scan reads every list, so its answer must be the
-- exact one of a sequential scan: for halfvec the top-10 ids (the points
-- lie on a smooth curve, so no two distances tie), for bit the distances
-- of the top-10 (Hamming distances are small integers and tie).  Also
-- inserts, DELETE + VACUUM, iterative scans, the centroids k-means gives
-- (bits by majority), dimension limits and bad input.

CREATE TABLE hv (id int PRIMARY KEY, v vector(3), h halfvec(3));
INSERT INTO hv SELECT i, a::vector(3), a::vector(3)::halfvec(3)
  FROM (SELECT i, ARRAY[sin(i * 0.7), cos(i * 1.3), sin(i * 0.11)]::real[] AS a
          FROM generate_series(1, 2000) i) s;
CREATE TABLE hq (qid int PRIMARY KEY, q vector(3));
INSERT INTO hq VALUES (1, '[0.1,0.2,-0.1]'), (2, '[0.5,-0.5,0.25]'), (3, '[1,1,1]'),
  (4, '[-0.9,0.1,-0.3]'), (5, '[0.2,0.8,-0.6]');

-- Exact top-10 ids of "ORDER BY expr op (q cast)" for each query, by
-- sequential scan.
CREATE FUNCTION hv_exact(expr text, op text, cast_to text)
RETURNS TABLE (qid int, ids int[])
LANGUAGE plpgsql SET enable_indexscan = off SET enable_bitmapscan = off AS $$
BEGIN
  RETURN QUERY EXECUTE format(
    'SELECT qid, ARRAY(SELECT id FROM hv ORDER BY %s %s q::%s, id LIMIT 10) FROM hq ORDER BY qid',
    expr, op, cast_to);
END $$;

-- The number of queries whose index top-10 is exactly the exact one (5
-- expected).
CREATE FUNCTION hv_matches(expr text, op text, cast_to text) RETURNS bigint
LANGUAGE plpgsql SET enable_seqscan = off AS $$
DECLARE
  n bigint;
BEGIN
  EXECUTE format(
    'SELECT count(*) FROM hv_exact(%L, %L, %L) e JOIN hq USING (qid)
      WHERE e.ids = ARRAY(SELECT id FROM hv ORDER BY %s %s q::%s LIMIT 10)',
    expr, op, cast_to, expr, op, cast_to) INTO n;
  RETURN n;
END $$;

SET ivfflat.probes = 20;

-- halfvec_l2_ops on a halfvec column.
CREATE INDEX hv_l2 ON hv USING ivfflat (h halfvec_l2_ops) WITH (lists = 20);
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM hv ORDER BY h <-> '[0.5,-0.5,0.25]' LIMIT 10;
RESET enable_seqscan;
SELECT hv_matches('h', '<->', 'halfvec(3)') AS halfvec_l2_matches;
-- every row is in exactly one list
SET enable_seqscan = off;
SELECT count(*) AS rows, count(DISTINCT id) AS distinct_rows
  FROM (SELECT id FROM hv ORDER BY h <-> '[0,0,0]' LIMIT 5000) s;
RESET enable_seqscan;

-- Inserts, DELETE + VACUUM: still exact, no deleted row comes back.
DELETE FROM hv WHERE id % 3 = 0;
VACUUM hv;
INSERT INTO hv SELECT i, a::vector(3), a::vector(3)::halfvec(3)
  FROM (SELECT i, ARRAY[sin(i * 0.7), cos(i * 1.3), sin(i * 0.11)]::real[] AS a
          FROM generate_series(2001, 2600) i) s;
SELECT hv_matches('h', '<->', 'halfvec(3)') AS halfvec_l2_matches_after_vacuum;
SET enable_seqscan = off;
SELECT count(*) AS rows, count(*) FILTER (WHERE id % 3 = 0 AND id <= 2000) AS deleted_rows
  FROM (SELECT id FROM hv ORDER BY h <-> '[0,0,0]' LIMIT 5000) s;
RESET enable_seqscan;

-- Iterative scans: one probe and a filter keeping a tenth of the rows
-- come short of the LIMIT; relaxed_order reads further lists and fills it.
SET ivfflat.probes = 1;
SET enable_seqscan = off;
SELECT count(*) < 30 AS off_short
  FROM (SELECT id FROM hv WHERE id % 10 = 1 ORDER BY h <-> '[1,1,1]' LIMIT 30) s;
SET ivfflat.iterative_scan = relaxed_order;
SELECT count(*) AS relaxed_filled
  FROM (SELECT id FROM hv WHERE id % 10 = 1 ORDER BY h <-> '[1,1,1]' LIMIT 30) s;
RESET ivfflat.iterative_scan;
RESET enable_seqscan;
SET ivfflat.probes = 20;
DROP INDEX hv_l2;

-- halfvec_ip_ops and halfvec_cosine_ops.
CREATE INDEX hv_ip ON hv USING ivfflat (h halfvec_ip_ops) WITH (lists = 20);
SELECT hv_matches('h', '<#>', 'halfvec(3)') AS halfvec_ip_matches;
DROP INDEX hv_ip;
CREATE INDEX hv_cos ON hv USING ivfflat (h halfvec_cosine_ops) WITH (lists = 20);
SELECT hv_matches('h', '<=>', 'halfvec(3)') AS halfvec_cosine_matches;
DROP INDEX hv_cos;

-- An expression index on a vector column.
CREATE INDEX hv_expr ON hv USING ivfflat ((v::halfvec(3)) halfvec_l2_ops) WITH (lists = 20);
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM hv ORDER BY v::halfvec(3) <-> '[1,1,1]' LIMIT 10;
RESET enable_seqscan;
SELECT hv_matches('v::halfvec(3)', '<->', 'halfvec(3)') AS halfvec_expr_matches;
DROP INDEX hv_expr;

-- A query of another length is refused.
\set VERBOSITY terse
CREATE INDEX hv_l2 ON hv USING ivfflat (h halfvec_l2_ops) WITH (lists = 4);
SET enable_seqscan = off;
SELECT id FROM hv ORDER BY h <-> '[1,1]' LIMIT 1;
RESET enable_seqscan;
-- a value of another length (here through the expression) is refused too
CREATE TABLE hvx (v vector);
INSERT INTO hvx VALUES ('[1,2,3]'), ('[4,5,6]');
CREATE INDEX hvx_expr ON hvx USING ivfflat ((v::halfvec(3)) halfvec_l2_ops) WITH (lists = 1);
INSERT INTO hvx VALUES ('[1,2]');
DROP TABLE hvx;
\set VERBOSITY default

-- bit_hamming_ops.  Hamming distances tie, so the index's top-10 is
-- compared with the exact one by its distances.
CREATE TABLE hb (id int PRIMARY KEY, b bit(24));
INSERT INTO hb SELECT i, (((i * 2654435761::bigint) >> 7) & 16777215)::bit(24)
  FROM generate_series(1, 2000) i;
CREATE TABLE hbq (qid int PRIMARY KEY, q bit(24));
INSERT INTO hbq SELECT i, (((i * 40503 + 977) * 2246822519::bigint) >> 9 & 16777215)::bit(24)
  FROM generate_series(1, 5) i;

-- The top-10 distances of "ORDER BY expr <~> qexpr" on tbl for each query
-- of hbq, under the caller's plan settings; then exact (sequential scan)
-- and through the index.
CREATE FUNCTION hb_dists(tbl text, expr text, qexpr text)
RETURNS TABLE (qid int, d float8[]) LANGUAGE plpgsql AS $$
BEGIN
  RETURN QUERY EXECUTE format(
    'SELECT qid, ARRAY(SELECT %s <~> %s FROM %s ORDER BY %s <~> %s LIMIT 10) FROM hbq ORDER BY qid',
    expr, qexpr, tbl, expr, qexpr);
END $$;
CREATE FUNCTION hb_dists_exact(tbl text, expr text, qexpr text)
RETURNS TABLE (qid int, d float8[]) LANGUAGE sql
SET enable_indexscan = off SET enable_bitmapscan = off AS $$ SELECT * FROM hb_dists(tbl, expr, qexpr) $$;
CREATE FUNCTION hb_dists_index(tbl text, expr text, qexpr text)
RETURNS TABLE (qid int, d float8[]) LANGUAGE sql
SET enable_seqscan = off AS $$ SELECT * FROM hb_dists(tbl, expr, qexpr) $$;
-- The number of queries (of 5) whose index distances equal the exact ones.
CREATE FUNCTION hb_matches(tbl text, expr text, qexpr text) RETURNS bigint
LANGUAGE sql AS $$
  SELECT count(*) FROM hb_dists_exact(tbl, expr, qexpr) e
    JOIN hb_dists_index(tbl, expr, qexpr) i USING (qid) WHERE e.d = i.d $$;

CREATE INDEX hb_ham ON hb USING ivfflat (b bit_hamming_ops) WITH (lists = 16);
SET ivfflat.probes = 16;
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM hb ORDER BY b <~> B'101010101010101010101010' LIMIT 10;
RESET enable_seqscan;
SELECT d FROM hb_dists_exact('hb', 'b', 'q') WHERE qid = 1;
SELECT hb_matches('hb', 'b', 'q') AS bit_matches;
-- every row is in exactly one list
SET enable_seqscan = off;
SELECT count(*) AS rows, count(DISTINCT id) AS distinct_rows
  FROM (SELECT id FROM hb ORDER BY b <~> B'000000000000000000000000' LIMIT 5000) s;
RESET enable_seqscan;
-- with one probe, only one list is read: answers are missed (which also
-- shows hb_dists_index goes through the index) and fewer rows come back
SET ivfflat.probes = 1;
SELECT hb_matches('hb', 'b', 'q') < 5 AS one_probe_misses;
SET enable_seqscan = off;
SELECT count(*) > 0 AND count(*) < 2000 AS one_list
  FROM (SELECT id FROM hb ORDER BY b <~> B'000000000000000000000000' LIMIT 5000) s;
RESET enable_seqscan;
SET ivfflat.probes = 16;
-- inserts, DELETE + VACUUM
DELETE FROM hb WHERE id % 4 = 0;
VACUUM hb;
INSERT INTO hb SELECT i, (((i * 2654435761::bigint) >> 7) & 16777215)::bit(24)
  FROM generate_series(2001, 2500) i;
SELECT hb_matches('hb', 'b', 'q') AS bit_matches_after_vacuum;
SET enable_seqscan = off;
SELECT count(*) AS rows, count(*) FILTER (WHERE id % 4 = 0 AND id <= 2000) AS deleted_rows
  FROM (SELECT id FROM hb ORDER BY b <~> B'000000000000000000000000' LIMIT 5000) s;
RESET enable_seqscan;
DROP INDEX hb_ham;

-- Centroids of bits are bits, each the majority of its cluster: two
-- clusters of 8-bit strings around 11110000 and 00001111 (one bit
-- flipped at a time); with two lists each cluster has its own list, and
-- the nearest list of 11110000 holds exactly the first cluster.
CREATE TABLE hbc (id int, b bit(8));
INSERT INTO hbc SELECT i, B'11110000' # (1 << (i % 8))::bit(8) FROM generate_series(1, 40) i;
INSERT INTO hbc SELECT i, B'00001111' # (1 << (i % 8))::bit(8) FROM generate_series(41, 80) i;
CREATE INDEX hbc_ham ON hbc USING ivfflat (b bit_hamming_ops) WITH (lists = 2);
SET ivfflat.probes = 1;
SET enable_seqscan = off;
SELECT count(*) AS rows, min(id), max(id)
  FROM (SELECT id FROM hbc ORDER BY b <~> B'11110000' LIMIT 100) s;
SELECT count(*) AS rows, min(id), max(id)
  FROM (SELECT id FROM hbc ORDER BY b <~> B'00001111' LIMIT 100) s;
RESET enable_seqscan;
DROP TABLE hbc;

-- An expression index on binary_quantize, then re-ranking by the exact
-- distance (the pgvector pattern).
SET ivfflat.probes = 20;
CREATE INDEX hv_bq ON hv USING ivfflat ((binary_quantize(v)::bit(3)) bit_hamming_ops)
  WITH (lists = 20);
SET enable_seqscan = off;
EXPLAIN (COSTS OFF)
  SELECT id FROM hv ORDER BY binary_quantize(v)::bit(3) <~> binary_quantize('[1,1,1]'::vector)
  LIMIT 10;
RESET enable_seqscan;
-- every row is found, and the rows come in ascending Hamming distance
SET enable_seqscan = off;
SELECT count(*) AS rows, bool_and(d >= prev) AS ordered
  FROM (SELECT d, lag(d, 1, 0::float8) OVER () AS prev
          FROM (SELECT binary_quantize(v)::bit(3) <~> B'111' AS d FROM hv
                 ORDER BY binary_quantize(v)::bit(3) <~> B'111' LIMIT 5000) s) t;
-- re-ranking the 200 nearest by Hamming distance gives the exact top-1
SELECT id FROM (SELECT id, v FROM hv ORDER BY binary_quantize(v)::bit(3) <~> B'111' LIMIT 200) s
  ORDER BY v <-> '[1,1,1]' LIMIT 1;
RESET enable_seqscan;
SELECT id FROM hv WHERE binary_quantize(v)::bit(3) = B'111'
  ORDER BY v <-> '[1,1,1]' LIMIT 1;
DROP INDEX hv_bq;

-- Dimension limits: a centroid must fit a list page.  vector up to 2032,
-- halfvec up to 4064, bit up to 65024 (pgvector: 2000, 4000, 64000).
\set VERBOSITY terse
CREATE TABLE hdim (v vector(2032), v2 vector(2033), h halfvec(4064), h2 halfvec(4065),
                   b bit(65024), b2 bit(65025), bv bit varying);
CREATE INDEX ON hdim USING ivfflat (v vector_l2_ops) WITH (lists = 1);
CREATE INDEX ON hdim USING ivfflat (v2 vector_l2_ops) WITH (lists = 1);
CREATE INDEX ON hdim USING ivfflat (h halfvec_l2_ops) WITH (lists = 1);
CREATE INDEX ON hdim USING ivfflat (h2 halfvec_l2_ops) WITH (lists = 1);
CREATE INDEX ON hdim USING ivfflat (b bit_hamming_ops) WITH (lists = 1);
CREATE INDEX ON hdim USING ivfflat (b2 bit_hamming_ops) WITH (lists = 1);
CREATE INDEX ON hdim USING ivfflat (bv bit_hamming_ops) WITH (lists = 1);
CREATE INDEX ON hdim USING ivfflat ((binary_quantize(v)) bit_hamming_ops) WITH (lists = 1);
\set VERBOSITY default
-- the error in full, with its detail and hint
CREATE INDEX ON hdim USING ivfflat (h2 halfvec_l2_ops) WITH (lists = 1);
-- a 2,033-dimension vector column can be indexed as halfvec
CREATE INDEX hdim_h ON hdim USING ivfflat ((v2::halfvec(2033)) halfvec_l2_ops) WITH (lists = 2);
INSERT INTO hdim (v2) SELECT array_fill(i::real, ARRAY[2033])::vector(2033)
  FROM generate_series(1, 20) i;
-- and a 65,024-bit column at its widest
INSERT INTO hdim (b) SELECT repeat(CASE WHEN i % 2 = 0 THEN '1' ELSE '0' END, 65024)::bit(65024)
  FROM generate_series(1, 4) i;
CREATE INDEX hdim_b ON hdim USING ivfflat (b bit_hamming_ops) WITH (lists = 2);
SET ivfflat.probes = 2;
SET enable_seqscan = off;
SELECT round((v2::halfvec(2033) <-> array_fill(3::real, ARRAY[2033])::halfvec(2033))::numeric, 2)
    AS nearest
  FROM hdim ORDER BY v2::halfvec(2033) <-> array_fill(3::real, ARRAY[2033])::halfvec(2033)
  LIMIT 1;
SELECT b <~> repeat('1', 65024)::bit(65024) AS nearest_bits
  FROM hdim ORDER BY b <~> repeat('1', 65024)::bit(65024) LIMIT 1;
RESET enable_seqscan;
DROP TABLE hdim;

-- jaccard and l1 have no ivfflat class, and the halfvec and bit classes
-- are not defaults (as in pgvector): they are named.
\set VERBOSITY terse
CREATE INDEX ON hb USING ivfflat (b bit_jaccard_ops);
CREATE INDEX ON hv USING ivfflat (h halfvec_l1_ops);
CREATE INDEX ON hb USING ivfflat (b);
-- a class of another distance (here a user's, with l1) is refused
CREATE OPERATOR CLASS vector_l1_ops_user FOR TYPE vector USING ivfflat AS
  OPERATOR 1 <+> (vector, vector) FOR ORDER BY float_ops,
  FUNCTION 1 l1_distance(vector, vector);
CREATE INDEX ON hv USING ivfflat (v vector_l1_ops_user) WITH (lists = 2);
DROP OPERATOR FAMILY vector_l1_ops_user USING ivfflat;
\set VERBOSITY default

-- Unlogged: the init fork holds the lists, with centroids of the key type.
CREATE UNLOGGED TABLE hbu (id int, b bit(24), h halfvec(3));
CREATE INDEX hbu_b ON hbu USING ivfflat (b bit_hamming_ops) WITH (lists = 4);
CREATE INDEX hbu_h ON hbu USING ivfflat (h halfvec_cosine_ops) WITH (lists = 4);
INSERT INTO hbu SELECT id, b, '[1,2,3]' FROM hb;
SET ivfflat.probes = 4;
SET enable_seqscan = off;
SELECT count(*) AS bit_rows
  FROM (SELECT id FROM hbu ORDER BY b <~> B'000000000000000000000000' LIMIT 5000) s;
SELECT count(*) AS halfvec_rows FROM (SELECT id FROM hbu ORDER BY h <=> '[3,2,1]' LIMIT 5000) s;
RESET enable_seqscan;
DROP TABLE hbu;

-- The operator classes are valid.
SELECT opcname, opcintype::regtype, amvalidate(c.oid)
  FROM pg_opclass c JOIN pg_am a ON a.oid = c.opcmethod
 WHERE a.amname = 'ivfflat'
 ORDER BY opcname;

RESET ivfflat.probes;
DROP TABLE hv, hq, hb, hbq;
DROP FUNCTION hv_exact, hv_matches, hb_dists, hb_dists_exact, hb_dists_index, hb_matches;
