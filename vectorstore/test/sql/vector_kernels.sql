-- The distance kernels against an exact formula and against each other, for
-- every kernel family this machine runs: "scalar" (portable C, the
-- reference), "sse2" (x86-64's baseline SSE2) and "auto" (the best family
-- the CPU supports: avx2 with FMA, F16C and POPCNT on most x86-64
-- machines).  Where /proc/cpuinfo lists no SSE2 (not x86-64), the sse2 rows
-- are computed by the scalar kernels and the checks that tell the families
-- apart are skipped.
--
-- Every distance operator and function of vector, halfvec and bit runs
-- under each family.  Lengths 1..70 cover every remainder modulo the 8, 16
-- and 32 elements of the kernels' blocks; 128, 129, 255, 256, 257 and 1000
-- run many blocks.  Two data sets:
--   exact: binary fractions (multiples of 1/8, |x| <= 6.25) whose products
--     and sums are exact in float4 and float16 (every sum stays below
--     2^18 / 64), so every family must give exactly the float8 formula;
--   rounded: sin/cos values, where float4 accumulation rounds; each result
--     must lie within 1e-5 of the formula, relative to the sum of the
--     magnitudes of its terms (a lane adds at most 125 terms, then 3 lane
--     sums and 7 tail terms: 135 x 2^-24 < 8.1e-6).

CREATE TABLE kin (n int, kind text, a real[], b real[]);
CREATE TABLE klengths AS
SELECT generate_series(1, 70) AS n UNION ALL SELECT unnest('{128,129,255,256,257,1000}'::int[]);
INSERT INTO kin
SELECT n, 'exact',
       array_agg(((i * 37 + n * 11) % 101 - 50) / 8.0 ORDER BY i),
       array_agg(((i * 53 + n * 7) % 97 - 48) / 8.0 ORDER BY i)
  FROM klengths, generate_series(1, n) i GROUP BY n;
INSERT INTO kin
SELECT n, 'rounded',
       array_agg(sin(i * 0.7 + n) * 3 ORDER BY i),
       array_agg(cos(i * 1.3 - n) * 2 ORDER BY i)
  FROM klengths, generate_series(1, n) i GROUP BY n;
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

-- The words of /proc/cpuinfo's first "flags" line.
CREATE FUNCTION cpu_flags() RETURNS text[] LANGUAGE sql AS $$
  SELECT regexp_split_to_array(coalesce(substring(pg_read_file('/proc/cpuinfo')
                                                  FROM 'flags\s*:\s*([^\n]*)'), ''), ' ') $$;
-- The family the tests ask for, or scalar where the CPU lacks it.
CREATE FUNCTION runnable(family text) RETURNS text LANGUAGE sql AS $$
  SELECT CASE WHEN family = 'sse2' AND NOT cpu_flags() @> '{sse2}' THEN 'scalar'
              ELSE family END $$;

-- Runs every dense operator and function under "family" into kout: the
-- four operators, then the seven functions (spherical on the inputs scaled
-- to |x| < 1/sqrt(n), so that the inner product stays within [-1, 1]).
CREATE TABLE kout (level text, type text, n int, kind text,
                   l2 float8, nip float8, cosine float8, l1 float8,
                   f_l2 float8, f_ip float8, f_cosine float8, f_l1 float8,
                   f_l2sq float8, f_nip float8, f_sph float8);
CREATE PROCEDURE run_kernels(family text) LANGUAGE plpgsql AS $$
BEGIN
	PERFORM set_config('epiphany.simd', runnable(family), false);
	INSERT INTO kout
	SELECT family, 'vector', n, kind,
	       a::vector <-> b::vector, a::vector <#> b::vector,
	       a::vector <=> b::vector, a::vector <+> b::vector,
	       l2_distance(a::vector, b::vector), inner_product(a::vector, b::vector),
	       cosine_distance(a::vector, b::vector), l1_distance(a::vector, b::vector),
	       vector_l2_squared_distance(a::vector, b::vector),
	       vector_negative_inner_product(a::vector, b::vector),
	       vector_spherical_distance(l2_normalize(a::vector), l2_normalize(b::vector))
	  FROM kin;
	INSERT INTO kout
	SELECT family, 'halfvec', n, kind,
	       a::halfvec <-> b::halfvec, a::halfvec <#> b::halfvec,
	       a::halfvec <=> b::halfvec, a::halfvec <+> b::halfvec,
	       l2_distance(a::halfvec, b::halfvec), inner_product(a::halfvec, b::halfvec),
	       cosine_distance(a::halfvec, b::halfvec), l1_distance(a::halfvec, b::halfvec),
	       halfvec_l2_squared_distance(a::halfvec, b::halfvec),
	       halfvec_negative_inner_product(a::halfvec, b::halfvec),
	       halfvec_spherical_distance(l2_normalize(a::halfvec), l2_normalize(b::halfvec))
	  FROM hin;
	PERFORM set_config('epiphany.simd', 'auto', false);
END $$;

SET epiphany.simd = 'scalar';
SHOW epiphany.simd;
SET epiphany.simd = 'sse2';
SHOW epiphany.simd;
RESET epiphany.simd;
CALL run_kernels('scalar');
CALL run_kernels('sse2');
CALL run_kernels('auto');
SHOW epiphany.simd;

-- Every family, type and length checked: 3 families x 2 types x 2 data
-- sets x 76 lengths.
SELECT level, type, kind, count(*) AS lengths FROM kout GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;

-- Within each family the functions agree with the operators they back
-- (<-> is l2_distance, the square root of the squared kernel sum, <#> the
-- negated inner product, <=> cosine_distance, <+> l1_distance), and the
-- spherical distance is one of an angle over pi.  No rows expected.
SELECT level, type, kind, n FROM kout
 WHERE l2 <> f_l2 OR l2 <> sqrt(f_l2sq) OR nip <> f_nip OR nip <> -f_ip
    OR cosine <> f_cosine OR l1 <> f_l1 OR NOT f_sph BETWEEN 0 AND 1;

-- Exact data: exactly the formula, in every family.
SELECT o.level, o.type, o.n, o.l2, e.l2, -o.nip, e.ip, o.cosine, e.cosine, o.l1, e.l1
  FROM kout o JOIN kin k USING (n, kind)
  JOIN hin h USING (n, kind)
 CROSS JOIN LATERAL exact_distances(CASE o.type WHEN 'vector' THEN k.a ELSE h.a END,
                                    CASE o.type WHEN 'vector' THEN k.b ELSE h.b END) e
 WHERE o.kind = 'exact'
   AND (o.l2 <> e.l2 OR -o.nip <> e.ip OR o.l1 <> e.l1
        OR abs(o.cosine - e.cosine) > 1e-12);

-- Rounded data: within the stated tolerance (no rows expected).
SELECT o.level, o.type, o.n, o.l2, e.l2, -o.nip, e.ip, o.cosine, e.cosine, o.l1, e.l1
  FROM kout o JOIN kin k USING (n, kind)
  JOIN hin h USING (n, kind)
 CROSS JOIN LATERAL exact_distances(CASE o.type WHEN 'vector' THEN k.a ELSE h.a END,
                                    CASE o.type WHEN 'vector' THEN k.b ELSE h.b END) e
 WHERE o.kind = 'rounded'
   AND (abs(o.l2 ^ 2 - e.l2 ^ 2) > 1e-5 * e.scale
        OR abs(-o.nip - e.ip) > 1e-5 * e.scale
        OR abs(o.l1 - e.l1) > 1e-5 * e.l1
        OR abs(o.cosine - e.cosine) > 2e-5);

-- sse2 and auto agree with scalar within the same tolerance, every
-- operator and function (no rows expected).
SELECT a.level, s.type, s.kind, s.n, s.l2, a.l2, s.nip, a.nip
  FROM kout s JOIN kout a USING (type, kind, n)
 WHERE s.level = 'scalar' AND a.level IN ('sse2', 'auto')
   AND (abs(s.l2 - a.l2) > 1e-5 * greatest(s.l2, 1)
        OR abs(s.nip - a.nip) > 1e-4 * greatest(abs(s.nip), 1)
        OR abs(s.cosine - a.cosine) > 4e-5
        OR abs(s.l1 - a.l1) > 1e-5 * greatest(s.l1, 1)
        OR abs(s.f_sph - a.f_sph) > 1e-5);

-- The sse2 kernels hold the scalar kernels' eight lanes and multiply, then
-- add, as they do; they add in the scalar order below 24 elements (at
-- most one 16-element block, one 8-lane block per chain) and cosine (one
-- chain) at every length.  There they must equal scalar bit for bit, both
-- types, both data sets (no rows expected).
SELECT s.type, s.kind, s.n
  FROM kout s JOIN kout a USING (type, kind, n)
 WHERE s.level = 'scalar' AND a.level = 'sse2'
   AND (s.cosine <> a.cosine OR s.f_cosine <> a.f_cosine
        OR (s.n < 24 AND (s.l2 <> a.l2 OR s.nip <> a.nip OR s.l1 <> a.l1
                           OR s.f_sph <> a.f_sph)));

-- Every finite float16 bit pattern (both zeros, the 2,046 subnormals, all
-- normals up to 65504; 63,488 patterns) widened by every family's halfvec
-- kernels: pattern p is element p % 19 of a 19-element halfvec that is
-- zero elsewhere (elements 0..15 widen in the kernels' blocks, 16..18 in
-- the tail), against 19 ones and 19 zeros.  The inner product is the
-- value, L1 its magnitude, squared L2 its square, all exact in float4, and
-- the cosine is 1 -/+ 1/sqrt(19) by its sign (no rows expected, in the
-- first query).  Infinities and NaN cannot reach a kernel: halfvec input
-- and receive refuse them (vector_bad_input); their widening is the same
-- bit operations, checked once over all 65,536 patterns (README).
CREATE TABLE half_patterns AS
SELECT p, x, (array_fill(0::real, ARRAY[p % 19]) || x::real
              || array_fill(0::real, ARRAY[18 - p % 19]))::halfvec AS v
  FROM (SELECT p, CASE WHEN p >= 32768 THEN -1 ELSE 1 END *
                  CASE WHEN (p & 31744) = 0 THEN (p & 1023) * 2 ^ -24
                       ELSE 2 ^ (((p & 31744) >> 10) - 15) * (1 + (p & 1023) / 1024.0::float8) END AS x
          FROM generate_series(0, 65535) p WHERE (p & 31744) <> 31744) s;
CREATE TABLE half_out (level text, p int, ip float8, l1 float8, l2sq float8, cosine float8);
CREATE PROCEDURE run_patterns(family text) LANGUAGE plpgsql AS $$
BEGIN
	PERFORM set_config('epiphany.simd', runnable(family), false);
	INSERT INTO half_out
	SELECT family, p, inner_product(v, array_fill(1::real, ARRAY[19])::halfvec),
	       l1_distance(v, array_fill(0::real, ARRAY[19])::halfvec),
	       halfvec_l2_squared_distance(v, array_fill(0::real, ARRAY[19])::halfvec),
	       cosine_distance(v, array_fill(1::real, ARRAY[19])::halfvec)
	  FROM half_patterns;
	PERFORM set_config('epiphany.simd', 'auto', false);
END $$;
CALL run_patterns('scalar');
CALL run_patterns('sse2');
CALL run_patterns('auto');
SELECT o.level, o.p, o.ip, h.x
  FROM half_out o JOIN half_patterns h USING (p)
 WHERE o.ip <> h.x OR o.l1 <> abs(h.x) OR o.l2sq <> h.x * h.x
    OR (h.x <> 0 AND abs(o.cosine - (1 - sign(h.x) / sqrt(19))) > 1e-6)
    OR (h.x = 0) <> (o.cosine = 'NaN');
SELECT level, count(*) AS patterns,
       count(*) FILTER (WHERE h.x <> 0 AND abs(h.x) < 2 ^ -14) AS subnormals,
       count(*) FILTER (WHERE h.x = 0) AS zeros,
       max(o.ip) AS largest
  FROM half_out o JOIN half_patterns h USING (p) GROUP BY level ORDER BY level;

-- Bit kernels: Hamming and Jaccard over lengths 1..200 bits and 1024,
-- 2049 and 8195 (whole 16-byte blocks, whole words, whole bytes and
-- tails), against counts done on the text of the strings, operators and
-- functions under each family.  Two data sets: "mixed" (a third and a half
-- of the bits set, no byte full) and "dense" (a almost full, b sparse, so
-- that a, a | b and a xor b have bytes of eight bits set).
CREATE TABLE bin AS
SELECT n, 'mixed' AS kind,
       string_agg(CASE WHEN (i * 7 + n) % 3 = 0 THEN '1' ELSE '0' END, '' ORDER BY i) AS a,
       string_agg(CASE WHEN (i * 5 + n) % 4 < 2 THEN '1' ELSE '0' END, '' ORDER BY i) AS b
  FROM (SELECT generate_series(1, 200) AS n UNION ALL SELECT unnest('{1024,2049,8195}'::int[])) l,
       generate_series(1, n) i GROUP BY n
UNION ALL
SELECT n, 'dense',
       string_agg(CASE WHEN (i * 11 + n) % 29 <> 0 THEN '1' ELSE '0' END, '' ORDER BY i),
       string_agg(CASE WHEN (i * 3 + n) % 17 = 0 THEN '1' ELSE '0' END, '' ORDER BY i)
  FROM (SELECT generate_series(1, 200) AS n UNION ALL SELECT unnest('{1024,2049,8195}'::int[])) l,
       generate_series(1, n) i GROUP BY n;
CREATE TABLE bout (level text, n int, kind text, hamming float8, jaccard float8,
                   f_hamming float8, f_jaccard float8);
CREATE PROCEDURE run_bits(family text) LANGUAGE plpgsql AS $$
BEGIN
	PERFORM set_config('epiphany.simd', runnable(family), false);
	INSERT INTO bout
	SELECT family, n, kind, a::varbit <~> b::varbit, a::varbit <%> b::varbit,
	       hamming_distance(a::varbit, b::varbit), jaccard_distance(a::varbit, b::varbit)
	  FROM bin;
	PERFORM set_config('epiphany.simd', 'auto', false);
END $$;
CALL run_bits('scalar');
CALL run_bits('sse2');
CALL run_bits('auto');
WITH counts AS (
	SELECT n, kind,
	       sum((substr(a, i, 1) <> substr(b, i, 1))::int) AS diff,
	       sum((substr(a, i, 1) = '1' AND substr(b, i, 1) = '1')::int) AS both,
	       sum((substr(a, i, 1) = '1' OR substr(b, i, 1) = '1')::int) AS either
	  FROM bin, generate_series(1, n) i GROUP BY n, kind)
SELECT level, kind, count(*) AS lengths,
       count(*) FILTER (WHERE o.hamming <> c.diff OR o.f_hamming <> c.diff) AS hamming_wrong,
       count(*) FILTER (WHERE o.jaccard <> j.want OR o.f_jaccard <> j.want) AS jaccard_wrong
  FROM bout o JOIN counts c USING (n, kind)
 CROSS JOIN LATERAL (SELECT CASE WHEN c.both = 0 THEN 1
                                 ELSE 1 - c.both::float8 / c.either END AS want) j
 GROUP BY level, kind ORDER BY level, kind;

-- Run-time dispatch: "auto" must install the best family this CPU runs:
-- avx2 when /proc/cpuinfo lists AVX2, FMA, F16C and POPCNT, else sse2 when
-- it lists SSE2, else scalar.  On the rounded data the families add in
-- different orders (sse2 in two chains without FMA, avx2 in four chains
-- with FMA), so their results differ in the last bits somewhere: auto must
-- give, bit for bit, the chosen family's results (vector and halfvec,
-- whose sse2 kernels widen with SSE2 and avx2 ones with F16C), and the
-- three families' results must differ from each other, which proves that
-- each setting installs its own kernels.
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
  SELECT CASE WHEN cpu_flags() @> ARRAY['avx2', 'fma', 'f16c', 'popcnt'] THEN 'avx2'
              WHEN cpu_flags() @> ARRAY['sse2'] THEN 'sse2'
              ELSE 'scalar' END $$;
BEGIN;
SELECT kernel_results('auto') = kernel_results(best_family()) AS auto_is_the_best_family,
       CASE WHEN best_family() = 'scalar' THEN true
            ELSE kernel_results('sse2') <> kernel_results('scalar') END AS sse2_differs_from_scalar,
       CASE WHEN best_family() <> 'avx2' THEN true
            ELSE kernel_results('avx2') <> kernel_results('scalar')
                 AND kernel_results('avx2') <> kernel_results('sse2') END AS avx2_differs_from_both,
       cardinality(kernel_results('scalar')) AS results;
COMMIT;
SHOW epiphany.simd;

-- epiphany.simd refuses unknown values; it is a developer setting, hidden
-- from pg_settings.
\set VERBOSITY terse
SET epiphany.simd = 'sse9';
\set VERBOSITY default
SELECT name, enumvals, context FROM pg_settings WHERE name = 'epiphany.simd';

DROP TABLE kin, klengths, hin, kout, half_patterns, half_out, bin, bout;
DROP FUNCTION exact_distances(real[], real[]), kernel_results(text), best_family(),
              runnable(text), cpu_flags();
DROP PROCEDURE run_kernels(text), run_patterns(text), run_bits(text);
