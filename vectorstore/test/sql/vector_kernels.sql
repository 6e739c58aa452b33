-- The distance kernels against an exact formula, for every kernel family
-- this machine runs: "scalar" (portable C, the reference) and "auto" (the
-- best family the CPU supports: AVX2+FMA+F16C on most x86-64 machines; on
-- others auto is scalar and the comparison is trivially equal).
--
-- Lengths 1..67 cover every remainder modulo the 8 and 16 lanes of the
-- vector kernels.  Two data sets:
--   exact: binary fractions (multiples of 1/8, |x| <= 6.25) whose products
--     and sums are exact in float4 and float16, so every family must give
--     exactly the float8 formula;
--   rounded: sin/cos values, where float4 accumulation rounds; each result
--     must lie within 1e-5 of the formula, relative to the sum of the
--     magnitudes of its terms (67 terms x 2^-24 rounding < 4e-6).

CREATE TABLE kin (n int, kind text, a real[], b real[]);
INSERT INTO kin
SELECT n, 'exact',
       array_agg(((i * 37 + n * 11) % 101 - 50) / 8.0 ORDER BY i),
       array_agg(((i * 53 + n * 7) % 97 - 48) / 8.0 ORDER BY i)
  FROM generate_series(1, 67) n, generate_series(1, n) i GROUP BY n;
INSERT INTO kin
SELECT n, 'rounded',
       array_agg(sin(i * 0.7 + n) * 3 ORDER BY i),
       array_agg(cos(i * 1.3 - n) * 2 ORDER BY i)
  FROM generate_series(1, 67) n, generate_series(1, n) i GROUP BY n;
-- Halfvec data: the same arrays rounded to float16 (exact for "exact").
CREATE TABLE hin AS
SELECT n, kind, a::halfvec::real[] AS a, b::halfvec::real[] AS b FROM kin;

-- The formula, in float8 over the elements.
CREATE FUNCTION exact_distances(a real[], b real[],
                                OUT l2 float8, OUT ip float8, OUT cosine float8, OUT l1 float8,
                                OUT scale float8)
LANGUAGE sql IMMUTABLE AS $$
	SELECT sqrt(sum((x::float8 - y) ^ 2)), sum(x::float8 * y),
	       1 - sum(x::float8 * y) / sqrt(sum(x::float8 * x) * sum(y::float8 * y)),
	       sum(abs(x::float8 - y)),
	       sum(abs(x::float8 * y)) + sum(x::float8 * x) + sum(y::float8 * y)
	  FROM unnest(a, b) AS u(x, y)
$$;

-- Runs every operator under the current epiphany.simd into kout.
CREATE TABLE kout (level text, type text, n int, kind text,
                   l2 float8, ip float8, cosine float8, l1 float8);
CREATE PROCEDURE run_kernels() LANGUAGE sql AS $$
	INSERT INTO kout
	SELECT current_setting('epiphany.simd'), 'vector', n, kind,
	       a::vector <-> b::vector, -(a::vector <#> b::vector),
	       a::vector <=> b::vector, a::vector <+> b::vector
	  FROM kin;
	INSERT INTO kout
	SELECT current_setting('epiphany.simd'), 'halfvec', n, kind,
	       a::halfvec <-> b::halfvec, -(a::halfvec <#> b::halfvec),
	       a::halfvec <=> b::halfvec, a::halfvec <+> b::halfvec
	  FROM hin;
$$;

SET epiphany.simd = 'scalar';
SHOW epiphany.simd;
CALL run_kernels();
SET epiphany.simd = 'auto';
SHOW epiphany.simd;
CALL run_kernels();
RESET epiphany.simd;

-- Every family, type and length checked: 2 families x 2 types x 2 data
-- sets x 67 lengths.
SELECT level, type, kind, count(*) AS lengths FROM kout GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;

-- Exact data: exactly the formula.
SELECT o.level, o.type, o.n, o.l2, e.l2, o.ip, e.ip, o.cosine, e.cosine, o.l1, e.l1
  FROM kout o JOIN kin k USING (n, kind)
  JOIN hin h USING (n, kind)
 CROSS JOIN LATERAL exact_distances(CASE o.type WHEN 'vector' THEN k.a ELSE h.a END,
                                    CASE o.type WHEN 'vector' THEN k.b ELSE h.b END) e
 WHERE o.kind = 'exact'
   AND (o.l2 <> e.l2 OR o.ip <> e.ip OR o.l1 <> e.l1
        OR abs(o.cosine - e.cosine) > 1e-12);

-- Rounded data: within the stated tolerance (no rows expected).
SELECT o.level, o.type, o.n, o.l2, e.l2, o.ip, e.ip, o.cosine, e.cosine, o.l1, e.l1
  FROM kout o JOIN kin k USING (n, kind)
  JOIN hin h USING (n, kind)
 CROSS JOIN LATERAL exact_distances(CASE o.type WHEN 'vector' THEN k.a ELSE h.a END,
                                    CASE o.type WHEN 'vector' THEN k.b ELSE h.b END) e
 WHERE o.kind = 'rounded'
   AND (abs(o.l2 ^ 2 - e.l2 ^ 2) > 1e-5 * e.scale
        OR abs(o.ip - e.ip) > 1e-5 * e.scale
        OR abs(o.l1 - e.l1) > 1e-5 * e.l1
        OR abs(o.cosine - e.cosine) > 2e-5);

-- The two families agree with each other within the same tolerance.
SELECT s.type, s.kind, s.n, s.l2, a.l2, s.ip, a.ip
  FROM kout s JOIN kout a USING (type, kind, n)
 WHERE s.level = 'scalar' AND a.level = 'auto'
   AND (abs(s.l2 - a.l2) > 1e-5 * greatest(s.l2, 1)
        OR abs(s.ip - a.ip) > 1e-4 * greatest(abs(s.ip), 1)
        OR abs(s.cosine - a.cosine) > 4e-5
        OR abs(s.l1 - a.l1) > 1e-5 * greatest(s.l1, 1));

-- Bit kernels: Hamming and Jaccard over lengths 1..200 (whole words,
-- whole bytes and tails), against counts done on the text of the strings.
CREATE TABLE bin AS
SELECT n, string_agg(CASE WHEN (i * 7 + n) % 3 = 0 THEN '1' ELSE '0' END, '' ORDER BY i) AS a,
          string_agg(CASE WHEN (i * 5 + n) % 4 < 2 THEN '1' ELSE '0' END, '' ORDER BY i) AS b
  FROM generate_series(1, 200) n, generate_series(1, n) i GROUP BY n;
CREATE TABLE bout (level text, n int, hamming float8, jaccard float8);
SET epiphany.simd = 'scalar';
INSERT INTO bout SELECT 'scalar', n, a::varbit <~> b::varbit, a::varbit <%> b::varbit FROM bin;
SET epiphany.simd = 'auto';
INSERT INTO bout SELECT 'auto', n, a::varbit <~> b::varbit, a::varbit <%> b::varbit FROM bin;
RESET epiphany.simd;
WITH counts AS (
	SELECT n,
	       sum((substr(a, i, 1) <> substr(b, i, 1))::int) AS diff,
	       sum((substr(a, i, 1) = '1' AND substr(b, i, 1) = '1')::int) AS both,
	       sum((substr(a, i, 1) = '1' OR substr(b, i, 1) = '1')::int) AS either
	  FROM bin, generate_series(1, n) i GROUP BY n)
SELECT level, count(*) AS lengths,
       count(*) FILTER (WHERE o.hamming <> c.diff) AS hamming_wrong,
       count(*) FILTER (WHERE o.jaccard <> CASE WHEN c.both = 0 THEN 1
                                                ELSE 1 - c.both::float8 / c.either END) AS jaccard_wrong
  FROM bout o JOIN counts c USING (n) GROUP BY level ORDER BY level;

-- Run-time dispatch: "auto" must install the best family this CPU runs,
-- avx2 when /proc/cpuinfo lists AVX2, FMA, F16C and POPCNT (else scalar).
-- On the rounded data the families add in different orders, so their
-- results differ in the last bits somewhere: auto must give, bit for bit,
-- the chosen family's results (vector and halfvec, whose avx2 kernels
-- convert with F16C), and avx2's must differ from scalar's.
CREATE FUNCTION kernel_results(family text) RETURNS float8[] LANGUAGE plpgsql AS $$
DECLARE
  r float8[];
BEGIN
  PERFORM set_config('epiphany.simd', family, true);
  SELECT array_agg(x ORDER BY n, k) INTO r FROM (
    SELECT n, k, x FROM kin CROSS JOIN LATERAL (VALUES
      (1, a::vector <-> b::vector), (2, a::vector <#> b::vector),
      (3, a::vector <=> b::vector), (4, a::vector <+> b::vector),
      (5, a::halfvec <-> b::halfvec), (6, a::halfvec <#> b::halfvec),
      (7, a::halfvec <=> b::halfvec), (8, a::halfvec <+> b::halfvec)) v(k, x)
     WHERE kind = 'rounded') t;
  RETURN r;
END $$;
CREATE FUNCTION best_family() RETURNS text LANGUAGE sql AS $$
  SELECT CASE WHEN flags @> ARRAY['avx2', 'fma', 'f16c', 'popcnt'] THEN 'avx2' ELSE 'scalar' END
    FROM (SELECT regexp_split_to_array(coalesce(substring(pg_read_file('/proc/cpuinfo')
                                                           FROM 'flags\s*:\s*([^\n]*)'), ''), ' ')
                 AS flags) f $$;
BEGIN;
SELECT kernel_results('auto') = kernel_results(best_family()) AS auto_is_the_best_family,
       CASE WHEN best_family() = 'scalar' THEN true
            ELSE kernel_results('avx2') <> kernel_results('scalar') END AS avx2_differs_from_scalar,
       cardinality(kernel_results('scalar')) AS results;
COMMIT;
SHOW epiphany.simd;
DROP FUNCTION kernel_results(text), best_family();

-- epiphany.simd refuses unknown values; it is a developer setting, hidden
-- from pg_settings.
\set VERBOSITY terse
SET epiphany.simd = 'sse9';
\set VERBOSITY default
SELECT name, enumvals, context FROM pg_settings WHERE name = 'epiphany.simd';

DROP TABLE kin, hin, kout, bin, bout;
DROP FUNCTION exact_distances(real[], real[]);
DROP PROCEDURE run_kernels();
