-- Casts: arrays to and from the three types, typmod enforcement, and the
-- conversions between vector, halfvec and sparsevec.

-- From integer[], real[], double precision[] and numeric[].
SELECT ARRAY[1,2,3]::vector, ARRAY[1.5,2,3]::real[]::vector,
       ARRAY[1.5,2,3]::float8[]::vector, ARRAY[1.5,2,3]::numeric[]::vector;
SELECT ARRAY[1,2,3]::halfvec, ARRAY[1.5,2,3]::real[]::halfvec,
       ARRAY[0.1,2,3]::float8[]::halfvec, ARRAY[1.5,2,3]::numeric[]::halfvec;
SELECT ARRAY[1,0,3]::sparsevec, ARRAY[0,1.5]::real[]::sparsevec,
       ARRAY[0,0]::float8[]::sparsevec, ARRAY[2.5,0]::numeric[]::sparsevec;
-- A double is rounded once: to float4 for vector, to float16 for halfvec.
SELECT ARRAY[0.1::float8]::vector, ARRAY[0.1::float8]::halfvec;
-- Assignment casts let arrays be inserted into vector columns.
CREATE TABLE ct (v vector(3), h halfvec(3), s sparsevec(3));
INSERT INTO ct VALUES (ARRAY[1,2,3], ARRAY[1,2,3], ARRAY[1,0,3]);
INSERT INTO ct VALUES ('{4,5,6}'::real[], '{4,5,6}'::real[], '{0,0,6}'::real[]);
SELECT * FROM ct ORDER BY v;
-- Back to real[] (vector: implicit, halfvec: assignment).
SELECT '[1,2.5,3]'::vector::real[], '[1,2.5,3]'::halfvec::real[];
SELECT array_length(v::real[], 1) FROM ct ORDER BY v LIMIT 1;

-- Typmod casts.
SELECT '[1,2,3]'::vector::vector(3), '[1,2,3]'::halfvec::halfvec(3), '{1:1}/3'::sparsevec::sparsevec(3);
SELECT ARRAY[1,2,3]::vector(3), ARRAY[1,2,3]::halfvec(3), ARRAY[1,2,3]::sparsevec(3);
\set VERBOSITY terse
SELECT '[1,2,3]'::vector::vector(2);
SELECT '[1,2,3]'::halfvec::halfvec(4);
SELECT '{1:1}/3'::sparsevec::sparsevec(2);
SELECT ARRAY[1,2,3]::vector(2);
SELECT ARRAY[1,2,3]::halfvec(2);
SELECT ARRAY[1,2,3]::sparsevec(2);
SELECT '[1,2,3]'::halfvec::vector(2);
SELECT '[1,2,3]'::vector::halfvec(2);
SELECT '[1,2,3]'::vector::sparsevec(2);
SELECT '{1:1}/3'::sparsevec::vector(2);
SELECT '{1:1}/3'::sparsevec::halfvec(2);
\set VERBOSITY default

-- vector <-> halfvec <-> sparsevec.
SELECT '[1,0.1,-3]'::vector::halfvec, '[1,0.1,-3]'::halfvec::vector;
SELECT '[1,0,-3]'::vector::sparsevec, '{1:1,3:-3}/3'::sparsevec::vector;
SELECT '[1,0,0.1]'::halfvec::sparsevec, '{1:1,3:0.1}/3'::sparsevec::halfvec;
-- Round trips through the wider types are exact.
SELECT v::halfvec::vector::halfvec = v::halfvec AS half_round_trip,
       v::sparsevec::vector = v AS sparse_round_trip
  FROM (VALUES ('[0.1,-2,3,0]'::vector)) t(v);
-- Implicit casts: a vector literal works against halfvec and sparsevec columns.
SELECT h <-> '[1,2,3]'::vector, s <-> '[1,0,3]'::vector FROM ct ORDER BY v;

\set VERBOSITY terse
-- Arrays: one dimension, no NULLs, no NaN or infinity, in range.
SELECT ARRAY[[1,2],[3,4]]::vector;
SELECT ARRAY[1,NULL,3]::vector;
SELECT '{}'::real[]::vector;
SELECT ARRAY['NaN']::float8[]::vector;
SELECT ARRAY['Infinity']::real[]::halfvec;
SELECT ARRAY['NaN']::numeric[]::sparsevec;
SELECT ARRAY[1e39]::float8[]::vector;
SELECT ARRAY[70000]::halfvec;
SELECT ARRAY[1e39]::numeric[]::sparsevec;
SELECT array_fill(1::real, ARRAY[16001])::vector;
SELECT array_fill(1::real, ARRAY[16001])::halfvec;
SELECT array_fill(1::real, ARRAY[16001])::sparsevec;
-- Conversions past a type's limits.
SELECT '[70000]'::vector::halfvec;
SELECT '{1:70000}/1'::sparsevec::halfvec;
SELECT '{1:1}/16001'::sparsevec::vector;
SELECT '{1:1}/16001'::sparsevec::halfvec;
\set VERBOSITY default
-- A sparsevec may be longer than 16,000 dimensions as long as it has at
-- most 16,000 non-zero elements.
SELECT l2_norm(s), s::text LIKE '%}/20000' AS dims_20000
  FROM (SELECT (array_fill(1::real, ARRAY[16000]) || array_fill(0::real, ARRAY[4000]))::sparsevec AS s) t;
SELECT vector_dims(array_fill(1::real, ARRAY[16000])::sparsevec::vector);

DROP TABLE ct;
