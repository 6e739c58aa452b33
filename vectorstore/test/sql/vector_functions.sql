-- Distances, norms and the vector functions on vector, halfvec and
-- sparsevec.  Inputs are small integers or binary fractions, so every
-- result below is exact and was checked by hand:
--   a = [1,2,3], b = [4,5,6]: |a-b|^2 = 27, a.b = 32, |a|^2 = 14,
--   |b|^2 = 77, cosine = 1 - 32/sqrt(1078), L1 = 9.

-- The same distances on the three types, by operator and by function.
SELECT '[1,2,3]'::vector <-> '[4,5,6]' AS l2, '[1,2,3]'::vector <#> '[4,5,6]' AS neg_ip,
       '[1,2,3]'::vector <=> '[4,5,6]' AS cosine, '[1,2,3]'::vector <+> '[4,5,6]' AS l1;
SELECT '[1,2,3]'::halfvec <-> '[4,5,6]' AS l2, '[1,2,3]'::halfvec <#> '[4,5,6]' AS neg_ip,
       '[1,2,3]'::halfvec <=> '[4,5,6]' AS cosine, '[1,2,3]'::halfvec <+> '[4,5,6]' AS l1;
SELECT '{1:1,2:2,3:3}/3'::sparsevec <-> '{1:4,2:5,3:6}/3' AS l2,
       '{1:1,2:2,3:3}/3'::sparsevec <#> '{1:4,2:5,3:6}/3' AS neg_ip,
       '{1:1,2:2,3:3}/3'::sparsevec <=> '{1:4,2:5,3:6}/3' AS cosine,
       '{1:1,2:2,3:3}/3'::sparsevec <+> '{1:4,2:5,3:6}/3' AS l1;
SELECT l2_distance('[1,2,3]'::vector, '[4,5,6]'), inner_product('[1,2,3]'::vector, '[4,5,6]'),
       cosine_distance('[1,2,3]'::vector, '[4,5,6]'), l1_distance('[1,2,3]'::vector, '[4,5,6]');
SELECT l2_distance('[1,2,3]'::halfvec, '[4,5,6]'), inner_product('[1,2,3]'::halfvec, '[4,5,6]'),
       cosine_distance('[1,2,3]'::halfvec, '[4,5,6]'), l1_distance('[1,2,3]'::halfvec, '[4,5,6]');
SELECT l2_distance('{1:1,3:3}/3'::sparsevec, '{2:5,3:6}/3') AS l2_sqrt_35,
       inner_product('{1:1,3:3}/3'::sparsevec, '{2:5,3:6}/3') AS ip_18,
       cosine_distance('{1:1,3:3}/3'::sparsevec, '{2:5,3:6}/3'),
       l1_distance('{1:1,3:3}/3'::sparsevec, '{2:5,3:6}/3') AS l1_9;
-- Index support helpers.
SELECT vector_l2_squared_distance('[1,2,3]', '[4,5,6]'),
       vector_negative_inner_product('[1,2,3]', '[4,5,6]'),
       halfvec_l2_squared_distance('[1,2,3]', '[4,5,6]'),
       halfvec_negative_inner_product('[1,2,3]', '[4,5,6]'),
       sparsevec_l2_squared_distance('{1:1}/2', '{2:1}/2'),
       sparsevec_negative_inner_product('{1:1,2:3}/2', '{2:2}/2');
-- Spherical distance: angle / pi between unit vectors.
SELECT vector_spherical_distance('[1,0]', '[0,1]') AS quarter,
       vector_spherical_distance('[1,0]', '[-1,0]') AS half,
       halfvec_spherical_distance('[1,0]', '[1,0]') AS zero;
-- Cosine distance of a zero vector is NaN, as in pgvector; identical
-- directions are 0 and opposite ones 2.
SELECT '[0,0]'::vector <=> '[1,1]' AS nan_vector, '[0,0]'::halfvec <=> '[1,1]' AS nan_halfvec,
       '{}/2'::sparsevec <=> '{1:1}/2' AS nan_sparse,
       '[1,1]'::vector <=> '[2,2]' AS same, '[1,1]'::vector <=> '[-3,-3]' AS opposite;
-- Operators commute.
SELECT ('[1,2]'::vector <-> '[3,5]') = ('[3,5]'::vector <-> '[1,2]') AS commutes;

-- Norms.
SELECT vector_dims('[1,2,3]'::vector), vector_dims('[1,2]'::halfvec);
SELECT vector_norm('[3,4]'), l2_norm('[3,4]'::halfvec), l2_norm('{2:3,5:4}/9'::sparsevec);
SELECT vector_norm('[0,0]');

-- l2_normalize: unit length; the zero vector stays zero.
SELECT l2_normalize('[3,4]'::vector), l2_normalize('[3,4]'::halfvec),
       l2_normalize('{1:3,4:4}/5'::sparsevec);
SELECT l2_normalize('[0,0]'::vector), l2_normalize('[0,0]'::halfvec), l2_normalize('{}/2'::sparsevec);
SELECT round(vector_norm(l2_normalize('[1,2,3,4,5]'::vector))::numeric, 6) AS unit;
-- A value negligible next to the norm becomes zero and leaves the sparsevec.
SELECT l2_normalize('{1:1e-30,2:1e30}/2'::sparsevec);

-- binary_quantize: bit i is set when element i is positive (0 is not).
SELECT binary_quantize('[1,-2,0,0.5,3,-1,2,2,-7]'::vector);
SELECT binary_quantize('[1,-2,0,0.5]'::halfvec);

-- subvector(v, start, count): 1-based, clipped to the vector as SQL's
-- substring is; an empty result is an error.
SELECT subvector('[1,2,3,4,5]'::vector, 2, 3), subvector('[1,2,3,4,5]'::vector, 4, 10),
       subvector('[1,2,3,4,5]'::vector, 0, 2), subvector('[1,2,3,4,5]'::vector, -2, 4);
SELECT subvector('[1,2,3,4,5]'::halfvec, 1, 1), subvector('[1,2,3,4,5]'::halfvec, 5, 2147483647);
\set VERBOSITY terse
SELECT subvector('[1,2,3]'::vector, 4, 1);
SELECT subvector('[1,2,3]'::vector, 1, 0);
SELECT subvector('[1,2,3]'::vector, -5, 3);
SELECT subvector('[1,2,3]'::halfvec, 2, -1);
\set VERBOSITY default

-- Element-wise arithmetic and concatenation on vector.
SELECT '[1,2,3]'::vector + '[4,5,6]', '[1,2,3]'::vector - '[4,5,6]',
       '[1,2,3]'::vector * '[4,5,6]', '[1,2]'::vector || '[3]';
\set VERBOSITY terse
SELECT '[3e38]'::vector + '[3e38]';
SELECT '[-3e38]'::vector - '[3e38]';
SELECT '[1e20]'::vector * '[1e20]';
SELECT '[1,2]'::vector - '[1,2,3]';
SELECT array_fill(1::real, ARRAY[10000])::vector || array_fill(1::real, ARRAY[6001])::vector;
\set VERBOSITY default
SELECT vector_dims(array_fill(1::real, ARRAY[10000])::vector || array_fill(1::real, ARRAY[6000])::vector);
