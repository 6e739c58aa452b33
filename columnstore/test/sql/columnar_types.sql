-- Every kind of value survives a merge into row groups unchanged: by-value
-- and by-reference, fixed and variable length, NULLs, extremes, values
-- large enough to be TOASTed in the delta store, arrays, jsonb, ranges,
-- composite and user-defined enum types.
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TYPE pair AS (a int, b text);
CREATE TABLE types_heap (
    id int, b bool, i2 int2, i4 int4, i8 int8, f4 float4, f8 float8, n numeric,
    c char(5), vc varchar(10), t text, by bytea, d date, tm time, tmz timetz,
    ts timestamp, tstz timestamptz, iv interval, u uuid, j jsonb, js json,
    ia int[], ta text[], r int4range, m mood, p pair, inet_v inet, mac macaddr,
    pt point, bits bit varying(12), x xml, tsv tsvector, nm name, o oid, mon money
);
CREATE TABLE types_col (LIKE types_heap) USING columnar;
INSERT INTO types_heap VALUES
 (1, true, 32767, 2147483647, 9223372036854775807, 'Infinity', 'NaN', 1e100,
  'abc', 'hello', 'text', '\xdeadbeef', 'infinity', '24:00', '23:59:59+14',
  '294276-12-31 23:59:59.999999', '-infinity', '178000000 years',
  'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"a": [1, 2, {"b": null}]}', '{"x" : 1}',
  '{1,NULL,3}', '{"a b",NULL,""}', '[1,10)', 'happy', ROW(1, 'x'), '10.0.0.1/8',
  '08:00:2b:01:02:03', '(1.5,-2)', B'101', '<a>1</a>', 'fat cat', 'nm', 4294967295, 12.34),
 (2, false, -32768, -2147483648, -9223372036854775808, '-Infinity', -1.5e-300, -0.000001,
  '', '', '', '\x', '-infinity', '00:00', '00:00-12', '4713-01-01 BC', 'epoch',
  '-1 day -00:00:01', '00000000-0000-0000-0000-000000000000', '[]', '[]',
  '{}', '{}', 'empty', 'sad', ROW(NULL, NULL), '::1', '00:00:00:00:00:00', '(0,0)',
  B'', '<b/>', '', '', 0, -92233720368547758.08),
 (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
-- Large values: TOASTed (compressed and external) in the delta store.
INSERT INTO types_heap (id, t, by, j, ta)
SELECT 3 + g, repeat('long text ' || g, 20000), decode(repeat('ab', 100000), 'hex'),
       jsonb_build_object('k', repeat('v', 50000)), ARRAY[repeat('z', 30000)]
  FROM generate_series(1, 3) g;
INSERT INTO types_col SELECT * FROM types_heap;
SELECT epiphany.columnar_merge('types_col');

-- Compare through the text form (some types have no equality operator).
SELECT count(*) AS differences
  FROM (SELECT id, row_to_json(th)::text AS r FROM types_heap th) h
  FULL JOIN (SELECT id, row_to_json(tc)::text AS r FROM types_col tc) c USING (id)
 WHERE h.r IS DISTINCT FROM c.r;
SELECT id, i8, f4, f8, n, tstz, iv, m, p FROM types_col ORDER BY id LIMIT 3;
SELECT id, length(t), length(by), length(j::text), length(ta[1]) FROM types_col WHERE id > 3 ORDER BY id;

-- Chunks with NULLs between values, and all-NULL chunks.
CREATE TABLE sparse (id int, v text, w int) USING columnar;
INSERT INTO sparse SELECT g, CASE WHEN g % 3 = 0 THEN NULL ELSE 'v' || g END, NULL
  FROM generate_series(1, 25000) g;
-- (an INSERT ... SELECT this large wrote row groups: nothing to merge)
SELECT epiphany.columnar_merge('sparse');
SELECT count(*), count(v), count(w), sum(id) FILTER (WHERE v IS NULL) FROM sparse;

DROP TABLE types_heap, types_col, sparse;
DROP TYPE mood, pair;
