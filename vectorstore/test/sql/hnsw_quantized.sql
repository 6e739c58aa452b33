-- Quantized hnsw indexes (quantization = 'sq8' and 'binary'): the graph
-- keeps compact codes, the scan re-ranks its best candidates by the exact
-- distance read from the table.  Every answer is compared with the exact
-- answer of a sequential scan on the same data (as in hnsw_vector), EXPLAIN
-- proves the index ran; then the option's refusals, indexes of more than
-- 2,000 dimensions, the size against the unquantized index at the same
-- recall, inserts into an index built empty, VACUUM and iterative scans.
-- The points lie on smooth curves (sines of the row number), so no two
-- distances tie and each exact top-10 is unique.

CREATE TABLE qv (id int PRIMARY KEY, v vector(32));
INSERT INTO qv SELECT i, ARRAY(SELECT sin(i * (0.1 + j * 0.037) + j) FROM generate_series(1, 32) j)::real[]
  FROM generate_series(1, 1000) i;
CREATE TABLE qq (qid int PRIMARY KEY, q vector(32));
INSERT INTO qq SELECT i, ARRAY(SELECT 0.9 * cos(i * 1.7 + j * 0.5) FROM generate_series(1, 32) j)::real[]
  FROM generate_series(1, 5) i;

-- Exact answers of "ORDER BY expr op qexpr" on table tbl for each query of
-- qq, by sequential scan.
CREATE FUNCTION q_exact(tbl text, expr text, op text, qexpr text)
RETURNS TABLE (qid int, ids int[])
LANGUAGE plpgsql SET enable_indexscan = off SET enable_bitmapscan = off AS $$
BEGIN
  RETURN QUERY EXECUTE format(
    'SELECT qid, ARRAY(SELECT id FROM %s ORDER BY %s %s %s, id LIMIT 10) FROM qq ORDER BY qid',
    tbl, expr, op, qexpr);
END $$;

-- The same through the index: the number of queries whose top-10 is
-- exactly the exact one, in the same order (5 of 5 expected).
CREATE FUNCTION q_matches(tbl text, expr text, op text, qexpr text) RETURNS bigint
LANGUAGE plpgsql SET enable_seqscan = off AS $$
DECLARE
  n bigint;
BEGIN
  EXECUTE format(
    'SELECT count(*) FROM q_exact(%L, %L, %L, %L) e JOIN qq USING (qid)
      WHERE e.ids = ARRAY(SELECT id FROM %s ORDER BY %s %s %s LIMIT 10)',
    tbl, expr, op, qexpr, tbl, expr, op, qexpr) INTO n;
  RETURN n;
END $$;

SET hnsw.ef_search = 100;

-- sq8, vector_l2_ops: the index runs and returns the exact top-10.
CREATE INDEX qv_sq8 ON qv USING hnsw (v vector_l2_ops) WITH (quantization = 'sq8');
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM qv ORDER BY v <-> (SELECT q FROM qq WHERE qid = 1) LIMIT 10;
RESET enable_seqscan;
SELECT q_matches('qv', 'v', '<->', 'q') AS sq8_l2_matches;
-- The distances returned are the exact ones: the index's rows, with their
-- distances computed again, come in ascending distance (all 50 re-ranked).
SET enable_seqscan = off;
SET epiphany.hnsw_rerank_candidates = 50;
SELECT bool_and(d >= prev) AS ordered, count(*) AS rows FROM (
  SELECT d, lag(d, 1, 0::float8) OVER (ORDER BY n) AS prev FROM (
    SELECT v <-> (SELECT q FROM qq WHERE qid = 3) AS d, row_number() OVER () AS n FROM (
      SELECT v FROM qv ORDER BY v <-> (SELECT q FROM qq WHERE qid = 3) LIMIT 50) s) t) u;
RESET epiphany.hnsw_rerank_candidates;
RESET enable_seqscan;

-- The other distances, and binary codes.
DROP INDEX qv_sq8;
CREATE INDEX qv_sq8_ip ON qv USING hnsw (v vector_ip_ops) WITH (quantization = 'sq8');
SELECT q_matches('qv', 'v', '<#>', 'q') AS sq8_ip_matches;
DROP INDEX qv_sq8_ip;
CREATE INDEX qv_sq8_cos ON qv USING hnsw (v vector_cosine_ops) WITH (quantization = 'sq8');
SELECT q_matches('qv', 'v', '<=>', 'q') AS sq8_cosine_matches;
DROP INDEX qv_sq8_cos;
CREATE INDEX qv_sq8_l1 ON qv USING hnsw (v vector_l1_ops) WITH (quantization = 'sq8');
SELECT q_matches('qv', 'v', '<+>', 'q') AS sq8_l1_matches;
DROP INDEX qv_sq8_l1;
CREATE INDEX qv_bin ON qv USING hnsw (v vector_l2_ops) WITH (quantization = 'binary');
SELECT q_matches('qv', 'v', '<->', 'q') AS binary_l2_matches;
-- Re-ranking is what makes binary codes exact (the default, 40, is less
-- than ef_search, 100, here): with one candidate re-ranked, the rest come
-- in the order of their codes' distances.
SET epiphany.hnsw_rerank_candidates = 1;
SELECT q_matches('qv', 'v', '<->', 'q') < 5 AS binary_unranked_differs;
RESET epiphany.hnsw_rerank_candidates;
DROP INDEX qv_bin;
CREATE INDEX qv_bin_cos ON qv USING hnsw (v vector_cosine_ops) WITH (quantization = 'binary');
SELECT q_matches('qv', 'v', '<=>', 'q') AS binary_cosine_matches;
DROP INDEX qv_bin_cos;
CREATE INDEX qv_none ON qv USING hnsw (v vector_l2_ops) WITH (quantization = 'none');
SELECT q_matches('qv', 'v', '<->', 'q') AS none_matches;
DROP INDEX qv_none;

-- halfvec: a column, and an expression index re-ranked through the
-- expression evaluated on the table row.
CREATE TABLE qh (id int PRIMARY KEY, v halfvec(32));
INSERT INTO qh SELECT id, v::halfvec(32) FROM qv;
CREATE INDEX qh_sq8 ON qh USING hnsw (v halfvec_l2_ops) WITH (quantization = 'sq8');
SELECT q_matches('qh', 'v', '<->', 'q::halfvec(32)') AS halfvec_sq8_l2_matches;
DROP INDEX qh_sq8;
CREATE INDEX qh_bin_ip ON qh USING hnsw (v halfvec_ip_ops) WITH (quantization = 'binary');
SELECT q_matches('qh', 'v', '<#>', 'q::halfvec(32)') AS halfvec_binary_ip_matches;
DROP INDEX qh_bin_ip;
CREATE INDEX qv_half ON qv USING hnsw ((v::halfvec(32)) halfvec_cosine_ops)
  WITH (quantization = 'sq8');
SET enable_seqscan = off;
EXPLAIN (COSTS OFF)
SELECT id FROM qv ORDER BY v::halfvec(32) <=> (SELECT q FROM qq WHERE qid = 1)::halfvec(32) LIMIT 10;
RESET enable_seqscan;
SELECT q_matches('qv', 'v::halfvec(32)', '<=>', 'q::halfvec(32)') AS halfvec_expression_matches;
DROP INDEX qv_half;

-- Inserts after the build (some values far outside the build's range,
-- stored exact rather than clamped), DELETE and VACUUM.
CREATE INDEX qv_sq8 ON qv USING hnsw (v vector_l2_ops) WITH (quantization = 'sq8');
INSERT INTO qv SELECT i, ARRAY(SELECT 3 * sin(i * (0.1 + j * 0.037) + j) FROM generate_series(1, 32) j)::real[]
  FROM generate_series(1001, 1300) i;
SELECT q_matches('qv', 'v', '<->', 'q') AS sq8_matches_after_insert;
DELETE FROM qv WHERE id % 3 = 0;
VACUUM qv;
SELECT q_matches('qv', 'v', '<->', 'q') AS sq8_matches_after_vacuum;
SET enable_seqscan = off;
SELECT count(*) AS deleted_rows FROM (SELECT id FROM qv ORDER BY v <-> (SELECT q FROM qq WHERE qid = 2) LIMIT 100) s
 WHERE id % 3 = 0;
RESET enable_seqscan;
INSERT INTO qv SELECT i, ARRAY(SELECT sin(i * (0.1 + j * 0.037) + j) FROM generate_series(1, 32) j)::real[]
  FROM generate_series(3, 999, 3) i;
SELECT q_matches('qv', 'v', '<->', 'q') AS sq8_matches_after_reinsert;
REINDEX INDEX qv_sq8;
SELECT q_matches('qv', 'v', '<->', 'q') AS sq8_matches_after_reindex;
-- ALTER INDEX changes the option, which the pages follow at REINDEX.
CREATE TEMP TABLE qv_sizes AS SELECT 'sq8' AS step, pg_relation_size('qv_sq8') AS bytes;
ALTER INDEX qv_sq8 SET (quantization = 'none');
INSERT INTO qv_sizes SELECT 'altered', pg_relation_size('qv_sq8');
REINDEX INDEX qv_sq8;
INSERT INTO qv_sizes SELECT 'reindexed', pg_relation_size('qv_sq8');
SELECT a.bytes = s.bytes AS same_after_alter, r.bytes > s.bytes AS larger_after_reindex
  FROM qv_sizes s, qv_sizes a, qv_sizes r
 WHERE s.step = 'sq8' AND a.step = 'altered' AND r.step = 'reindexed';
SELECT q_matches('qv', 'v', '<->', 'q') AS unquantized_matches_after_reindex;
DROP TABLE qv_sizes;
DROP INDEX qv_sq8;

-- Each dimension has its own range: here the first dimension splits the
-- rows into two groups 100 apart and the others range over [-1, 1], yet
-- the codes order the rows of a group so well that re-ranking only the 10
-- nearest by code already gives the exact top-10 (one range for all
-- dimensions would give the small ones steps of 0.4).
CREATE TABLE qd (id int PRIMARY KEY, v vector(32));
INSERT INTO qd SELECT id, (ARRAY[100 * (id % 2)]::real[] || (v::real[])[2:32])::vector(32)
  FROM qv WHERE id <= 1000;
CREATE INDEX qd_sq8 ON qd USING hnsw (v vector_l2_ops) WITH (quantization = 'sq8');
CREATE TABLE qq_saved AS SELECT * FROM qq;
UPDATE qq SET q = (ARRAY[0]::real[] || (q::real[])[2:32])::vector(32);
SET epiphany.hnsw_rerank_candidates = 10;
SELECT q_matches('qd', 'v', '<->', 'q') AS per_dimension_matches;
RESET epiphany.hnsw_rerank_candidates;
DELETE FROM qq;
INSERT INTO qq SELECT * FROM qq_saved;
DROP TABLE qd, qq_saved;

-- An index built empty stores its first 256 values exact and takes its
-- ranges from them; the next ones are coded in them (stored exact where
-- they fall far outside; hnsw_quantized_empty tests that).
CREATE TABLE qe (id int PRIMARY KEY, v vector(32));
CREATE INDEX qe_sq8 ON qe USING hnsw (v vector_l2_ops) WITH (quantization = 'sq8');
INSERT INTO qe SELECT * FROM qv ORDER BY id;
SELECT q_matches('qe', 'v', '<->', 'q') AS empty_build_sq8_matches;
DROP TABLE qe;
CREATE UNLOGGED TABLE qu (id int PRIMARY KEY, v vector(32));
CREATE INDEX qu_bin ON qu USING hnsw (v vector_l2_ops) WITH (quantization = 'binary');
INSERT INTO qu SELECT * FROM qv ORDER BY id;
SELECT q_matches('qu', 'v', '<->', 'q') AS unlogged_binary_matches;
DROP TABLE qu;

-- Iterative scans: a filter one row in ten passes fills its LIMIT, and
-- strict order returns the filtered exact top-10.
CREATE INDEX qv_sq8 ON qv USING hnsw (v vector_l2_ops) WITH (quantization = 'sq8');
SET hnsw.ef_search = 10;
SET enable_seqscan = off;
SELECT count(*) < 10 AS unfilled FROM
  (SELECT id FROM qv WHERE id % 10 = 7 ORDER BY v <-> (SELECT q FROM qq WHERE qid = 4) LIMIT 10) s;
SET hnsw.iterative_scan = strict_order;
SELECT ARRAY(SELECT id FROM qv WHERE id % 10 = 7
              ORDER BY v <-> (SELECT q FROM qq WHERE qid = 4) LIMIT 10) =
       ARRAY(SELECT id FROM qv WHERE id % 10 = 7
              ORDER BY l2_distance(v, (SELECT q FROM qq WHERE qid = 4)), id LIMIT 10)
  AS strict_filtered_exact;
SET hnsw.iterative_scan = relaxed_order;
SELECT count(*) AS rows, count(*) FILTER (WHERE id % 10 = 7) AS filtered FROM
  (SELECT id FROM qv WHERE id % 10 = 7 ORDER BY v <-> (SELECT q FROM qq WHERE qid = 4) LIMIT 10) s;
RESET hnsw.iterative_scan;
-- A NULL argument (a generic plan's parameter) returns every indexed row.
PREPARE qnull(vector) AS SELECT count(*) FROM (SELECT id FROM qv ORDER BY v <-> $1 LIMIT 5000) s;
SET plan_cache_mode = force_generic_plan;
EXPLAIN (COSTS OFF) EXECUTE qnull(NULL);
EXECUTE qnull(NULL);
SELECT count(*) AS table_rows FROM qv;
RESET plan_cache_mode;
DEALLOCATE qnull;
-- A query of another length gets the distance functions' error.
\set VERBOSITY terse
SELECT id FROM qv ORDER BY v <-> '[1,2,3]' LIMIT 1;
\set VERBOSITY default
RESET enable_seqscan;
SET hnsw.ef_search = 100;
DROP INDEX qv_sq8;

-- The option and its refusals.
\set VERBOSITY terse
CREATE INDEX ON qv USING hnsw (v vector_l2_ops) WITH (quantization = 'sq4');
CREATE INDEX ON qv USING hnsw (v vector_l2_ops) WITH (quantization = '');
CREATE TABLE qs (id int, s sparsevec(5), b bit(8));
CREATE INDEX ON qs USING hnsw (b bit_hamming_ops) WITH (quantization = 'binary');
CREATE INDEX ON qs USING hnsw (s sparsevec_l2_ops) WITH (quantization = 'none');
SET epiphany.hnsw_rerank_candidates = 0;
\set VERBOSITY default
CREATE INDEX ON qs USING hnsw (s sparsevec_l2_ops) WITH (quantization = 'sq8');
DROP TABLE qs;
-- sq8 keeps a byte per dimension: 16,000 dimensions do not fit a page.
CREATE TABLE qw (v vector(16000));
CREATE INDEX ON qw USING hnsw (v vector_l2_ops) WITH (quantization = 'sq8');
DROP TABLE qw;

-- More than 2,000 dimensions: sq8 on vector(4000) and halfvec(4000),
-- binary on vector(16000) and halfvec(16000); each top-5 is the exact one.
-- Whether the index's top-5 of the row id's value, ordered by
-- "expr <-> its value", is the exact one (a distance function is never
-- matched to an index).
CREATE FUNCTION q_wide_exact(tbl text, expr text, id int) RETURNS bool
LANGUAGE plpgsql SET enable_seqscan = off AS $$
DECLARE
  r bool;
BEGIN
  EXECUTE format(
    'SELECT ARRAY(SELECT id FROM %1$s ORDER BY %2$s <-> q.%2$s LIMIT 5) =
            ARRAY(SELECT id FROM %1$s ORDER BY l2_distance(%2$s, q.%2$s), id LIMIT 5)
       FROM %1$s q WHERE q.id = %3$s', tbl, expr, id) INTO r;
  RETURN r;
END $$;
CREATE TABLE qw4 (id int PRIMARY KEY, v vector(4000));
INSERT INTO qw4 SELECT i, ARRAY(SELECT sin(i * 0.3 + j * 0.01 * i) FROM generate_series(1, 4000) j)::real[]
  FROM generate_series(1, 60) i;
CREATE INDEX qw4_sq8 ON qw4 USING hnsw (v vector_l2_ops) WITH (quantization = 'sq8');
CREATE INDEX qw4_half ON qw4 USING hnsw ((v::halfvec(4000)) halfvec_l2_ops) WITH (quantization = 'sq8');
SET enable_seqscan = off;
-- (q_wide_exact's query runs the index)
EXPLAIN (COSTS OFF)
SELECT ARRAY(SELECT id FROM qw4 ORDER BY v <-> q.v LIMIT 5) FROM qw4 q WHERE q.id = 7;
RESET enable_seqscan;
SELECT id, q_wide_exact('qw4', 'v', id) AS vector_exact,
       q_wide_exact('qw4', 'v::halfvec(4000)', id) AS halfvec_exact
  FROM qw4 WHERE id IN (7, 30) ORDER BY id;
DROP TABLE qw4;
CREATE TABLE qw16 (id int PRIMARY KEY, v vector(16000));
INSERT INTO qw16 SELECT i, ARRAY(SELECT sin(i * 0.3 + j * 0.001 * i) FROM generate_series(1, 16000) j)::real[]
  FROM generate_series(1, 30) i;
CREATE INDEX qw16_bin ON qw16 USING hnsw (v vector_l2_ops) WITH (quantization = 'binary');
CREATE INDEX qw16_half ON qw16 USING hnsw ((v::halfvec(16000)) halfvec_l2_ops) WITH (quantization = 'binary');
SET enable_seqscan = off;
EXPLAIN (COSTS OFF)
SELECT id FROM qw16 ORDER BY v::halfvec(16000) <-> (SELECT v FROM qw16 WHERE id = 4)::halfvec(16000) LIMIT 5;
RESET enable_seqscan;
SELECT id, q_wide_exact('qw16', 'v', id) AS vector_exact,
       q_wide_exact('qw16', 'v::halfvec(16000)', id) AS halfvec_exact
  FROM qw16 WHERE id IN (4, 21) ORDER BY id;
DROP TABLE qw16;

-- Size at the same recall: 2,000 points of 512 dimensions around 20
-- centres (overlapping clusters), 20 held-out queries.  At ef_search 10 and
-- 20, where the unquantized index misses some of the exact top-10, the
-- sq8 index finds as many, in less than a third of the size.  The binary
-- index is smaller still, but its one-bit codes need a wider search: at
-- ef_search 160, all re-ranked, it finds most of the top-10.
-- qb_make(dims) makes such a set: table qb, queries qbq, answers qb_exact.
CREATE FUNCTION qb_make(dims int) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  DROP TABLE IF EXISTS qb, qbq, qb_exact;
  EXECUTE format('CREATE TABLE qb (id int PRIMARY KEY, v vector(%s))', dims);
  PERFORM setseed(0.25);
  INSERT INTO qb SELECT i, ARRAY(SELECT sin((i % 20) * 1.3 + j) + 1.5 * (random() - 0.5)
                                   FROM generate_series(1, dims) j)::real[]
    FROM generate_series(1, 2020) i;
  CREATE TABLE qbq AS SELECT id - 2000 AS qid, v AS q FROM qb WHERE id > 2000;
  DELETE FROM qb WHERE id > 2000;
  CREATE TABLE qb_exact AS
    SELECT qid, ARRAY(SELECT id FROM qb ORDER BY v <-> q, id LIMIT 10) AS ids FROM qbq;
END $$;
SELECT qb_make(512);
-- recall@10 of the index of table qb over the held-out queries at ef,
-- every candidate re-ranked
CREATE FUNCTION qb_recall(ef int) RETURNS numeric
LANGUAGE plpgsql SET enable_seqscan = off AS $$
DECLARE
  r numeric;
BEGIN
  PERFORM set_config('hnsw.ef_search', ef::text, true);
  PERFORM set_config('epiphany.hnsw_rerank_candidates', ef::text, true);
  SELECT sum((SELECT count(*) FROM unnest(e.ids) x WHERE x = ANY (t.ids)))::numeric / (10 * count(*))
    INTO r
    FROM qb_exact e JOIN qbq USING (qid)
    CROSS JOIN LATERAL (SELECT ARRAY(SELECT id FROM qb ORDER BY v <-> qbq.q LIMIT 10) AS ids) t;
  RETURN r;
END $$;
-- qb_measure(kind) builds an index of that quantization on qb and adds
-- its size and recall at ef_search 10, 20 and 160 to qb_size.
CREATE TEMP TABLE qb_size (kind text, bytes bigint, r10 numeric, r20 numeric, r160 numeric);
CREATE FUNCTION qb_measure(kind text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('CREATE INDEX qb_index ON qb USING hnsw (v vector_l2_ops) WITH (quantization = %L)',
                 kind);
  INSERT INTO qb_size
    SELECT kind, pg_relation_size('qb_index'), qb_recall(10), qb_recall(20), qb_recall(160);
  DROP INDEX qb_index;
END $$;
SELECT qb_measure('none'), qb_measure('sq8'), qb_measure('binary');
SELECT n.r10 < 1 AND n.r20 < 1 AS unquantized_misses_some FROM qb_size n WHERE n.kind = 'none';
SELECT s.kind, s.bytes * 3 < n.bytes AS third_of_unquantized,
       s.r10 >= n.r10 - 0.01 AND s.r20 >= n.r20 - 0.01 AS same_recall,
       s.r160 >= 0.8 AS wide_search_recall
  FROM qb_size s, qb_size n WHERE n.kind = 'none' AND s.kind <> 'none' ORDER BY s.kind;

-- A build past epiphany.vector_index_build_memory sets the range from the
-- values it built in memory and inserts the others on disk, coded in it.
SET epiphany.vector_index_build_memory = '1MB';
\set VERBOSITY terse
CREATE INDEX qb_spill ON qb USING hnsw (v vector_l2_ops) WITH (quantization = 'sq8');
\set VERBOSITY default
RESET epiphany.vector_index_build_memory;
SELECT qb_recall(40) >= 0.95 AS spilled_recall, pg_relation_size('qb_spill') * 3 <
       (SELECT bytes FROM qb_size WHERE kind = 'none') AS spilled_third;
DROP INDEX qb_spill;

-- At 128 dimensions too: the neighbour lists of a quantized index are
-- compact (about 2 bytes a neighbour rather than 6), which is what brings
-- an sq8 index of short vectors under a third of the unquantized one.
SELECT qb_make(128);
TRUNCATE qb_size;
SELECT qb_measure('none'), qb_measure('sq8');
SELECT s.bytes * 3 < n.bytes AS third_of_unquantized,
       s.r10 >= n.r10 - 0.02 AND s.r20 >= n.r20 - 0.02 AND s.r160 >= n.r160 - 0.02 AS same_recall
  FROM qb_size s, qb_size n WHERE n.kind = 'none' AND s.kind = 'sq8';
-- and every row is reachable through the compact lists
CREATE INDEX qb_sq8 ON qb USING hnsw (v vector_l2_ops) WITH (quantization = 'sq8');
SET hnsw.iterative_scan = relaxed_order;
SET enable_seqscan = off;
SELECT count(DISTINCT id) FROM (SELECT id FROM qb ORDER BY v <-> (SELECT q FROM qbq WHERE qid = 1)
                                LIMIT 5000) s;
RESET enable_seqscan;
RESET hnsw.iterative_scan;
DROP INDEX qb_sq8;

RESET hnsw.ef_search;
DROP TABLE qb, qbq, qb_exact, qb_size, qv, qh, qq;
DROP FUNCTION q_exact, q_matches, q_wide_exact, qb_recall, qb_make, qb_measure;
