-- The whole SQL surface, checked from the catalog: every operator and every
-- cast of the extension is applied to fixed sample values of its types, and
-- every function is called through a statement listed here; a function,
-- operator or cast that the extension gains without a line here shows up
-- as missing.  Each result is printed, so a wrong one fails the test.
-- Samples (hand-checked): a = [1,2,3], b = [4,-5,6]: a - b = [-3,7,-3],
-- |a-b|^2 = 67, a.b = 12, |a|^2 = 14, |b|^2 = 77, cosine = 1 - 12/sqrt(1078)
-- = 0.63451..., L1 = 13; bits 1010 and 0110: Hamming 2, Jaccard 1 - 1/3.

-- The extension's objects of one catalog, as text.
CREATE FUNCTION surface_objects(catalog regclass) RETURNS SETOF oid LANGUAGE sql AS $$
  SELECT d.objid FROM pg_depend d
    JOIN pg_extension x ON x.oid = d.refobjid AND x.extname = 'epiphany_vectorstore'
   WHERE d.classid = catalog AND d.deptype = 'e'
$$;

-- The first and second sample of each argument type.
CREATE TABLE surface_samples (type regtype PRIMARY KEY, first text, second text);
INSERT INTO surface_samples VALUES
  ('vector', $$'[1,2,3]'::vector$$, $$'[4,-5,6]'::vector$$),
  ('halfvec', $$'[1,2,3]'::halfvec$$, $$'[4,-5,6]'::halfvec$$),
  ('sparsevec', $$'{1:1,2:2,3:3}/3'::sparsevec$$, $$'{1:4,2:-5,3:6}/3'::sparsevec$$),
  ('bit', $$B'1010'$$, $$B'0110'$$),
  ('integer[]', $$ARRAY[1,-2,3]$$, NULL),
  ('real[]', $$ARRAY[1.5,0,-3]::real[]$$, NULL),
  ('double precision[]', $$ARRAY[0.25,2,-1e-3]::float8[]$$, NULL),
  ('numeric[]', $$ARRAY[1.5,0,3.25]::numeric[]$$, NULL);

-- Runs one statement; its result as text, or its SQLSTATE and message.
CREATE FUNCTION surface_eval(statement text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  result text;
BEGIN
  EXECUTE statement INTO result;
  RETURN coalesce(result, 'NULL');
EXCEPTION WHEN others THEN
  RETURN 'ERROR ' || SQLSTATE || ': ' || SQLERRM;
END $$;

-- Every operator on the first and second samples of its types, and on
-- the second and first (the distances must be symmetric).
SELECT o.oid::regoperator AS operator,
       surface_eval(format('SELECT (%s %s %s)::text', l.first, o.oprname, r.second)) AS a_op_b,
       surface_eval(format('SELECT (%s %s %s)::text', l.second, o.oprname, r.first)) AS b_op_a
  FROM pg_operator o
  JOIN surface_samples l ON l.type = o.oprleft
  JOIN surface_samples r ON r.type = o.oprright
 WHERE o.oid IN (SELECT surface_objects('pg_operator'))
 ORDER BY o.oprleft::regtype::text, o.oprname;
-- Operators without samples for their types (none expected).
SELECT o.oid::regoperator FROM pg_operator o
 WHERE o.oid IN (SELECT surface_objects('pg_operator'))
   AND (o.oprleft NOT IN (SELECT type FROM surface_samples)
        OR o.oprright NOT IN (SELECT type FROM surface_samples));

-- Every cast, from the first sample of its source type; to a vector type,
-- also with the typmod 3 (the sample's length) and 2 (refused).
SELECT c.castsource::regtype AS source, c.casttarget::regtype AS target, c.castcontext,
       surface_eval(format('SELECT (%s)::%s::text', s.first, c.casttarget::regtype)) AS cast,
       CASE WHEN c.casttarget::regtype::text IN ('vector', 'halfvec', 'sparsevec') THEN
         surface_eval(format('SELECT (%s)::%s(3)::text', s.first, c.casttarget::regtype)) END AS typmod_3,
       CASE WHEN c.casttarget::regtype::text IN ('vector', 'halfvec', 'sparsevec') THEN
         surface_eval(format('SELECT (%s)::%s(2)::text', s.first, c.casttarget::regtype)) END AS typmod_2
  FROM pg_cast c JOIN surface_samples s ON s.type = c.castsource
 WHERE c.oid IN (SELECT surface_objects('pg_cast'))
 ORDER BY 1::text, 2::text;
SELECT c.castsource::regtype, c.casttarget::regtype FROM pg_cast c
 WHERE c.oid IN (SELECT surface_objects('pg_cast'))
   AND c.castsource NOT IN (SELECT type FROM surface_samples);

-- Every function and aggregate, through one statement each.
CREATE TABLE surface_calls (fn regprocedure PRIMARY KEY, statement text);
INSERT INTO surface_calls VALUES
  ('vector_in(cstring,oid,integer)', $$SELECT vector_in('[1,2.5]', 0, 2)::text$$),
  ('vector_out(vector)', $$SELECT vector_out('[1,2.5]')::text$$),
  ('vector_typmod_in(cstring[])', $$SELECT vector_typmod_in('{3}')::text$$),
  ('vector_send(vector)', $$SELECT vector_send('[1,2]')::text$$),
  ('l2_distance(vector,vector)', $$SELECT l2_distance('[1,2,3]'::vector, '[4,-5,6]')::text$$),
  ('inner_product(vector,vector)', $$SELECT inner_product('[1,2,3]'::vector, '[4,-5,6]')::text$$),
  ('cosine_distance(vector,vector)', $$SELECT cosine_distance('[1,2,3]'::vector, '[4,-5,6]')::text$$),
  ('l1_distance(vector,vector)', $$SELECT l1_distance('[1,2,3]'::vector, '[4,-5,6]')::text$$),
  ('vector_l2_squared_distance(vector,vector)', $$SELECT vector_l2_squared_distance('[1,2,3]', '[4,-5,6]')::text$$),
  ('vector_negative_inner_product(vector,vector)', $$SELECT vector_negative_inner_product('[1,2,3]', '[4,-5,6]')::text$$),
  ('vector_spherical_distance(vector,vector)', $$SELECT vector_spherical_distance('[1,0]', '[0,-1]')::text$$),
  ('vector_dims(vector)', $$SELECT vector_dims('[1,2,3]'::vector)::text$$),
  ('vector_norm(vector)', $$SELECT vector_norm('[3,-4]')::text$$),
  ('l2_normalize(vector)', $$SELECT l2_normalize('[3,-4]'::vector)::text$$),
  ('binary_quantize(vector)', $$SELECT binary_quantize('[1,-2,0,3]'::vector)::text$$),
  ('subvector(vector,integer,integer)', $$SELECT subvector('[1,2,3,4]'::vector, 2, 2)::text$$),
  ('vector_add(vector,vector)', $$SELECT vector_add('[1,2,3]', '[4,-5,6]')::text$$),
  ('vector_sub(vector,vector)', $$SELECT vector_sub('[1,2,3]', '[4,-5,6]')::text$$),
  ('vector_mul(vector,vector)', $$SELECT vector_mul('[1,2,3]', '[4,-5,6]')::text$$),
  ('vector_concat(vector,vector)', $$SELECT vector_concat('[1,2,3]', '[4,-5,6]')::text$$),
  ('vector_lt(vector,vector)', $$SELECT vector_lt('[1,2,3]', '[4,-5,6]')::text$$),
  ('vector_le(vector,vector)', $$SELECT vector_le('[4,-5,6]', '[4,-5,6]')::text$$),
  ('vector_eq(vector,vector)', $$SELECT vector_eq('[1,2,3]', '[1,2,3]')::text$$),
  ('vector_ne(vector,vector)', $$SELECT vector_ne('[1,2,3]', '[1,2,3]')::text$$),
  ('vector_ge(vector,vector)', $$SELECT vector_ge('[1,2,3]', '[4,-5,6]')::text$$),
  ('vector_gt(vector,vector)', $$SELECT vector_gt('[4,-5,6]', '[1,2,3]')::text$$),
  ('vector_cmp(vector,vector)', $$SELECT vector_cmp('[4,-5,6]', '[1,2,3]')::text$$),
  ('vector_hash(vector)', $$SELECT (vector_hash('[1,2,3]') = vector_hash('[1,2,3]'))::text$$),
  ('vector_accum(double precision[],vector)', $$SELECT vector_accum('{1,1,2,3}', '[4,-5,6]')::text$$),
  ('vector_combine(double precision[],double precision[])', $$SELECT vector_combine('{1,1,2,3}', '{2,4,-5,6}')::text$$),
  ('vector_avg(double precision[])', $$SELECT vector_avg('{2,5,-3,9}')::text$$),
  ('vector_sum(double precision[])', $$SELECT vector_sum('{2,5,-3,9}')::text$$),
  ('avg(vector)', $$SELECT avg(v)::text FROM (VALUES ('[1,2,3]'::vector), ('[4,-5,6]')) t(v)$$),
  ('sum(vector)', $$SELECT sum(v)::text FROM (VALUES ('[1,2,3]'::vector), ('[4,-5,6]')) t(v)$$),
  ('vector(vector,integer,boolean)', $$SELECT vector('[1,2,3]', 3, true)::text$$),
  ('array_to_vector(integer[],integer,boolean)', $$SELECT array_to_vector('{1,-2,3}'::int[], 3, true)::text$$),
  ('array_to_vector(real[],integer,boolean)', $$SELECT array_to_vector('{1.5,-2,3}'::real[], 3, true)::text$$),
  ('array_to_vector(double precision[],integer,boolean)', $$SELECT array_to_vector('{0.1,-2,3}'::float8[], -1, true)::text$$),
  ('array_to_vector(numeric[],integer,boolean)', $$SELECT array_to_vector('{1.25,-2,3}'::numeric[], -1, false)::text$$),
  ('vector_to_float4(vector,integer,boolean)', $$SELECT vector_to_float4('[1,-2,3]', -1, true)::text$$),
  ('halfvec_in(cstring,oid,integer)', $$SELECT halfvec_in('[1,2.5]', 0, 2)::text$$),
  ('halfvec_out(halfvec)', $$SELECT halfvec_out('[1,2.5]')::text$$),
  ('halfvec_typmod_in(cstring[])', $$SELECT halfvec_typmod_in('{3}')::text$$),
  ('halfvec_send(halfvec)', $$SELECT halfvec_send('[1,2]')::text$$),
  ('l2_distance(halfvec,halfvec)', $$SELECT l2_distance('[1,2,3]'::halfvec, '[4,-5,6]')::text$$),
  ('inner_product(halfvec,halfvec)', $$SELECT inner_product('[1,2,3]'::halfvec, '[4,-5,6]')::text$$),
  ('cosine_distance(halfvec,halfvec)', $$SELECT cosine_distance('[1,2,3]'::halfvec, '[4,-5,6]')::text$$),
  ('l1_distance(halfvec,halfvec)', $$SELECT l1_distance('[1,2,3]'::halfvec, '[4,-5,6]')::text$$),
  ('halfvec_l2_squared_distance(halfvec,halfvec)', $$SELECT halfvec_l2_squared_distance('[1,2,3]', '[4,-5,6]')::text$$),
  ('halfvec_negative_inner_product(halfvec,halfvec)', $$SELECT halfvec_negative_inner_product('[1,2,3]', '[4,-5,6]')::text$$),
  ('halfvec_spherical_distance(halfvec,halfvec)', $$SELECT halfvec_spherical_distance('[1,0]', '[0,-1]')::text$$),
  ('vector_dims(halfvec)', $$SELECT vector_dims('[1,2,3]'::halfvec)::text$$),
  ('l2_norm(halfvec)', $$SELECT l2_norm('[3,-4]'::halfvec)::text$$),
  ('l2_normalize(halfvec)', $$SELECT l2_normalize('[3,-4]'::halfvec)::text$$),
  ('binary_quantize(halfvec)', $$SELECT binary_quantize('[1,-2,0,3]'::halfvec)::text$$),
  ('subvector(halfvec,integer,integer)', $$SELECT subvector('[1,2,3,4]'::halfvec, 2, 2)::text$$),
  ('halfvec_add(halfvec,halfvec)', $$SELECT halfvec_add('[1,2,3]', '[4,-5,6]')::text$$),
  ('halfvec_sub(halfvec,halfvec)', $$SELECT halfvec_sub('[1,2,3]', '[4,-5,6]')::text$$),
  ('halfvec_mul(halfvec,halfvec)', $$SELECT halfvec_mul('[1,2,3]', '[4,-5,6]')::text$$),
  ('halfvec_concat(halfvec,halfvec)', $$SELECT halfvec_concat('[1,2,3]', '[4,-5,6]')::text$$),
  ('halfvec_lt(halfvec,halfvec)', $$SELECT halfvec_lt('[1,2,3]', '[4,-5,6]')::text$$),
  ('halfvec_le(halfvec,halfvec)', $$SELECT halfvec_le('[4,-5,6]', '[4,-5,6]')::text$$),
  ('halfvec_eq(halfvec,halfvec)', $$SELECT halfvec_eq('[1,2,3]', '[1,2,3]')::text$$),
  ('halfvec_ne(halfvec,halfvec)', $$SELECT halfvec_ne('[1,2,3]', '[1,2,3]')::text$$),
  ('halfvec_ge(halfvec,halfvec)', $$SELECT halfvec_ge('[1,2,3]', '[4,-5,6]')::text$$),
  ('halfvec_gt(halfvec,halfvec)', $$SELECT halfvec_gt('[4,-5,6]', '[1,2,3]')::text$$),
  ('halfvec_cmp(halfvec,halfvec)', $$SELECT halfvec_cmp('[4,-5,6]', '[1,2,3]')::text$$),
  ('halfvec_hash(halfvec)', $$SELECT (halfvec_hash('[1,2,3]') = halfvec_hash('[1,2,3]'))::text$$),
  ('halfvec_accum(double precision[],halfvec)', $$SELECT halfvec_accum('{1,1,2,3}', '[4,-5,6]')::text$$),
  ('halfvec_avg(double precision[])', $$SELECT halfvec_avg('{2,5,-3,9}')::text$$),
  ('halfvec_sum(double precision[])', $$SELECT halfvec_sum('{2,5,-3,9}')::text$$),
  ('avg(halfvec)', $$SELECT avg(v)::text FROM (VALUES ('[1,2,3]'::halfvec), ('[4,-5,6]')) t(v)$$),
  ('sum(halfvec)', $$SELECT sum(v)::text FROM (VALUES ('[1,2,3]'::halfvec), ('[4,-5,6]')) t(v)$$),
  ('halfvec(halfvec,integer,boolean)', $$SELECT halfvec('[1,2,3]', 3, true)::text$$),
  ('halfvec_to_vector(halfvec,integer,boolean)', $$SELECT halfvec_to_vector('[1,2,0.1]', 3, true)::text$$),
  ('vector_to_halfvec(vector,integer,boolean)', $$SELECT vector_to_halfvec('[1,2,0.1]', 3, true)::text$$),
  ('array_to_halfvec(integer[],integer,boolean)', $$SELECT array_to_halfvec('{1,-2,3}'::int[], 3, true)::text$$),
  ('array_to_halfvec(real[],integer,boolean)', $$SELECT array_to_halfvec('{1.5,-2,3}'::real[], 3, true)::text$$),
  ('array_to_halfvec(double precision[],integer,boolean)', $$SELECT array_to_halfvec('{0.1,-2,3}'::float8[], -1, true)::text$$),
  ('array_to_halfvec(numeric[],integer,boolean)', $$SELECT array_to_halfvec('{1.25,-2,3}'::numeric[], -1, false)::text$$),
  ('halfvec_to_float4(halfvec,integer,boolean)', $$SELECT halfvec_to_float4('[1,-2,0.1]', -1, true)::text$$),
  ('sparsevec_in(cstring,oid,integer)', $$SELECT sparsevec_in('{2:2.5}/3', 0, 3)::text$$),
  ('sparsevec_out(sparsevec)', $$SELECT sparsevec_out('{2:2.5}/3')::text$$),
  ('sparsevec_typmod_in(cstring[])', $$SELECT sparsevec_typmod_in('{3}')::text$$),
  ('sparsevec_send(sparsevec)', $$SELECT sparsevec_send('{2:1}/3')::text$$),
  ('l2_distance(sparsevec,sparsevec)', $$SELECT l2_distance('{1:1,2:2,3:3}/3'::sparsevec, '{1:4,2:-5,3:6}/3')::text$$),
  ('inner_product(sparsevec,sparsevec)', $$SELECT inner_product('{1:1,2:2,3:3}/3'::sparsevec, '{1:4,2:-5,3:6}/3')::text$$),
  ('cosine_distance(sparsevec,sparsevec)', $$SELECT cosine_distance('{1:1,2:2,3:3}/3'::sparsevec, '{1:4,2:-5,3:6}/3')::text$$),
  ('l1_distance(sparsevec,sparsevec)', $$SELECT l1_distance('{1:1,2:2,3:3}/3'::sparsevec, '{1:4,2:-5,3:6}/3')::text$$),
  ('sparsevec_l2_squared_distance(sparsevec,sparsevec)', $$SELECT sparsevec_l2_squared_distance('{1:1,2:2,3:3}/3', '{1:4,2:-5,3:6}/3')::text$$),
  ('sparsevec_negative_inner_product(sparsevec,sparsevec)', $$SELECT sparsevec_negative_inner_product('{1:1,2:2,3:3}/3', '{1:4,2:-5,3:6}/3')::text$$),
  ('l2_norm(sparsevec)', $$SELECT l2_norm('{1:3,3:-4}/3'::sparsevec)::text$$),
  ('l2_normalize(sparsevec)', $$SELECT l2_normalize('{1:3,3:-4}/3'::sparsevec)::text$$),
  ('sparsevec_lt(sparsevec,sparsevec)', $$SELECT sparsevec_lt('{1:1}/3', '{1:4}/3')::text$$),
  ('sparsevec_le(sparsevec,sparsevec)', $$SELECT sparsevec_le('{1:4}/3', '{1:4}/3')::text$$),
  ('sparsevec_eq(sparsevec,sparsevec)', $$SELECT sparsevec_eq('{1:1}/3', '{1:1}/3')::text$$),
  ('sparsevec_ne(sparsevec,sparsevec)', $$SELECT sparsevec_ne('{1:1}/3', '{1:1}/3')::text$$),
  ('sparsevec_ge(sparsevec,sparsevec)', $$SELECT sparsevec_ge('{1:1}/3', '{1:4}/3')::text$$),
  ('sparsevec_gt(sparsevec,sparsevec)', $$SELECT sparsevec_gt('{1:4}/3', '{1:1}/3')::text$$),
  ('sparsevec_cmp(sparsevec,sparsevec)', $$SELECT sparsevec_cmp('{1:4}/3', '{1:1}/3')::text$$),
  ('sparsevec_hash(sparsevec)', $$SELECT (sparsevec_hash('{1:1}/3') = sparsevec_hash('{1:1,2:0}/3'))::text$$),
  ('sparsevec(sparsevec,integer,boolean)', $$SELECT sparsevec('{1:1}/3', 3, true)::text$$),
  ('vector_to_sparsevec(vector,integer,boolean)', $$SELECT vector_to_sparsevec('[0,2,0]', 3, true)::text$$),
  ('sparsevec_to_vector(sparsevec,integer,boolean)', $$SELECT sparsevec_to_vector('{2:2}/3', 3, true)::text$$),
  ('halfvec_to_sparsevec(halfvec,integer,boolean)', $$SELECT halfvec_to_sparsevec('[0,0.1,0]', 3, true)::text$$),
  ('sparsevec_to_halfvec(sparsevec,integer,boolean)', $$SELECT sparsevec_to_halfvec('{2:0.1}/3', 3, true)::text$$),
  ('array_to_sparsevec(integer[],integer,boolean)', $$SELECT array_to_sparsevec('{0,-2,3}'::int[], 3, true)::text$$),
  ('array_to_sparsevec(real[],integer,boolean)', $$SELECT array_to_sparsevec('{1.5,0,3}'::real[], 3, true)::text$$),
  ('array_to_sparsevec(double precision[],integer,boolean)', $$SELECT array_to_sparsevec('{0.1,0,3}'::float8[], -1, true)::text$$),
  ('array_to_sparsevec(numeric[],integer,boolean)', $$SELECT array_to_sparsevec('{0,0,3.25}'::numeric[], -1, false)::text$$),
  ('hamming_distance(bit,bit)', $$SELECT hamming_distance(B'1010', B'0110')::text$$),
  ('jaccard_distance(bit,bit)', $$SELECT jaccard_distance(B'1010', B'0110')::text$$);

SELECT fn, surface_eval(statement) AS result FROM surface_calls ORDER BY fn::text;
-- Functions of the extension without a statement above: the two index
-- access method handlers and the three receive functions, which take an
-- internal argument (receive is tested through COPY in the type tests).
SELECT p.oid::regprocedure FROM pg_proc p
 WHERE p.oid IN (SELECT surface_objects('pg_proc'))
   AND p.oid NOT IN (SELECT fn FROM surface_calls)
 ORDER BY 1::text;
-- Statements above naming no function of the extension (none expected).
SELECT fn FROM surface_calls WHERE fn NOT IN (SELECT surface_objects('pg_proc'));

DROP TABLE surface_samples, surface_calls;
DROP FUNCTION surface_eval(text), surface_objects(regclass);
