-- Bad input of every kind gives an error with a specific errcode, never a
-- crash: malformed literals (22P02), NaN and infinity (22000), numbers out
-- of range (22003), too many dimensions or elements (54000), bad typmods
-- (22023), different dimensions (22000), corrupt binary input (22P03, or
-- 08P01 when the message is short).

-- Runs one statement and reports its SQLSTATE and message (tests only).
CREATE FUNCTION sqlstate_of(statement text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE statement;
	RETURN 'no error';
EXCEPTION WHEN others THEN
	RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

-- Malformed vector and halfvec literals, and no dimensions.
SELECT statement, sqlstate_of(statement) FROM (VALUES
  ($q$SELECT ''::vector$q$),
  ($q$SELECT '1,2,3'::vector$q$),
  ($q$SELECT '[1,2,3'::vector$q$),
  ($q$SELECT '[1,2,3]]'::vector$q$),
  ($q$SELECT '[1,,3]'::vector$q$),
  ($q$SELECT '[1,2,]'::vector$q$),
  ($q$SELECT '[,1]'::vector$q$),
  ($q$SELECT '[1 2]'::vector$q$),
  ($q$SELECT '[a]'::vector$q$),
  ($q$SELECT '[1]x'::vector$q$),
  ($q$SELECT '[1e]'::halfvec$q$),
  ($q$SELECT '(1,2)'::halfvec$q$),
  ($q$SELECT '[]'::vector$q$),
  ($q$SELECT '[ ]'::halfvec$q$)
) t(statement);

-- NaN and infinity, in any spelling strtod accepts, and numbers out of range.
SELECT statement, sqlstate_of(statement) FROM (VALUES
  ($q$SELECT '[NaN]'::vector$q$),
  ($q$SELECT '[1,inf]'::vector$q$),
  ($q$SELECT '[-Infinity]'::vector$q$),
  ($q$SELECT '[nan]'::halfvec$q$),
  ($q$SELECT '[1,Infinity]'::halfvec$q$),
  ($q$SELECT '[1e39]'::vector$q$),
  ($q$SELECT '[-1e39]'::vector$q$),
  ($q$SELECT '[1e-50]'::vector$q$),
  ($q$SELECT '[65520]'::halfvec$q$),
  ($q$SELECT '[1e400]'::halfvec$q$)
) t(statement);

-- Too many dimensions (16,000 at most).
SELECT statement, sqlstate_of(statement) FROM (VALUES
  ($q$SELECT ('[' || repeat('1,', 16000) || '1]')::vector$q$),
  ($q$SELECT ('[' || repeat('1,', 16000) || '1]')::halfvec$q$)
) t(statement);

SELECT vector_dims(('[' || repeat('1,', 15999) || '1]')::vector);

-- Malformed sparsevec literals, indices and dimensions.
SELECT statement, sqlstate_of(statement) FROM (VALUES
  ($q$SELECT ''::sparsevec$q$),
  ($q$SELECT '{1:1}'::sparsevec$q$),
  ($q$SELECT '{1:1}/'::sparsevec$q$),
  ($q$SELECT '{1:1/3'::sparsevec$q$),
  ($q$SELECT '{1}/3'::sparsevec$q$),
  ($q$SELECT '{1:}/3'::sparsevec$q$),
  ($q$SELECT '{:1}/3'::sparsevec$q$),
  ($q$SELECT '{1:1,}/3'::sparsevec$q$),
  ($q$SELECT '{1:1}/3x'::sparsevec$q$),
  ($q$SELECT '[1,2]'::sparsevec$q$),
  ($q$SELECT '{0:1}/3'::sparsevec$q$),
  ($q$SELECT '{4:1}/3'::sparsevec$q$),
  ($q$SELECT '{-1:1}/3'::sparsevec$q$),
  ($q$SELECT '{1:1,1:2}/3'::sparsevec$q$),
  ($q$SELECT '{2:1,1:3,2:0}/3'::sparsevec$q$),
  ($q$SELECT '{}/0'::sparsevec$q$),
  ($q$SELECT '{}/-1'::sparsevec$q$),
  ($q$SELECT '{}/1000000001'::sparsevec$q$),
  ($q$SELECT '{}/99999999999999999999'::sparsevec$q$),
  ($q$SELECT '{1:NaN}/3'::sparsevec$q$),
  ($q$SELECT '{1:1e39}/3'::sparsevec$q$)
) t(statement);

SELECT sqlstate_of($q$SELECT ('{' || string_agg(i || ':1', ',') || '}/20000')::sparsevec
                       FROM generate_series(1, 16001) i$q$) AS too_many_elements;

-- Typmods.
SELECT statement, sqlstate_of(statement) FROM (VALUES
  ($q$SELECT '[1]'::vector(0)$q$),
  ($q$SELECT '[1]'::vector(16001)$q$),
  ($q$SELECT '[1]'::halfvec(-1)$q$),
  ($q$SELECT '{}/1'::sparsevec(1000000001)$q$),
  ($q$SELECT '[1]'::vector(1, 2)$q$)
) t(statement);

\set VERBOSITY terse
CREATE TABLE bad (v vector(2, 3));
\set VERBOSITY default

-- Mixed dimensions.
SELECT statement, sqlstate_of(statement) FROM (VALUES
  ($q$SELECT '[1,2]'::vector <-> '[1,2,3]'$q$),
  ($q$SELECT '[1,2]'::halfvec <=> '[1,2,3]'$q$),
  ($q$SELECT '{1:1}/2'::sparsevec <#> '{1:1}/3'$q$),
  ($q$SELECT '[1,2]'::vector <+> '[1]'$q$)
) t(statement);

-- Corrupt binary input.  A bytea column copied out in binary carries its
-- raw bytes, so copying that file into a vector column hands those bytes to
-- the type's receive function.  recv_as runs the round trip server-side
-- (in the data directory of the test cluster) and reports the outcome.
CREATE TABLE raw (b bytea);
CREATE TABLE vin (v vector);
CREATE TABLE hin (v halfvec);
CREATE TABLE sin (v sparsevec);
CREATE FUNCTION recv_as(bytes bytea, target text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	path text := current_setting('data_directory') || '/epiphany_recv_test.bin';
	detail text;
	result text;
BEGIN
	TRUNCATE raw;
	INSERT INTO raw VALUES (bytes);
	EXECUTE format('COPY raw TO %L (FORMAT binary)', path);
	EXECUTE format('TRUNCATE %I', target);
	EXECUTE format('COPY %I FROM %L (FORMAT binary)', target, path);
	EXECUTE format('SELECT v::text FROM %I', target) INTO result;
	RETURN 'ok: ' || result;
EXCEPTION WHEN others THEN
	GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
	RETURN SQLSTATE || ': ' || SQLERRM || coalesce(' (' || nullif(detail, '') || ')', '');
END $$;

SELECT what, recv_as(bytes, target) FROM (VALUES
  ('vector [1,-2]: accepted', '\x000200003f800000c0000000'::bytea, 'vin'),
  ('vector: 0 dimensions', '\x00000000', 'vin'),
  ('vector: 16001 dimensions', '\x3e810000', 'vin'),
  ('vector: reserved field set', '\x000100013f800000', 'vin'),
  ('vector: NaN', '\x000100007fc00000', 'vin'),
  ('vector: -Infinity', '\x00010000ff800000', 'vin'),
  ('vector: too few bytes', '\x000200003f800000', 'vin'),
  ('vector: too many bytes', '\x000100003f8000003f800000', 'vin'),
  ('halfvec [1,-2]: accepted', '\x000200003c00c000', 'hin'),
  ('halfvec: Infinity', '\x000100007c00', 'hin'),
  ('halfvec: NaN', '\x00010000fe00', 'hin'),
  ('halfvec: too few bytes', '\x000200003c00', 'hin'),
  ('halfvec: 0 dimensions', '\x00000000', 'hin'),
  ('halfvec: 16001 dimensions', '\x3e810000', 'hin'),
  ('halfvec: reserved field set', '\x000100013c00', 'hin'),
  ('halfvec: too many bytes', '\x000100003c003c00', 'hin'),
  ('halfvec: 65504 and a subnormal: accepted', '\x000200007bff0001', 'hin'),
  ('sparsevec: 0 dimensions', '\x000000000000000000000000', 'sin'),
  ('sparsevec: too few bytes', '\x00000003000000020000000000000000', 'sin'),
  ('sparsevec: infinite value', '\x00000003000000010000000000000000ff800000', 'sin'),
  ('sparsevec {1:1,3:2}/3: accepted',
   '\x00000003000000020000000000000000000000023f80000040000000', 'sin'),
  ('sparsevec: 2 elements for 1 dimension',
   '\x0000000100000002000000000000000000000001' || '\x3f8000003f800000'::bytea, 'sin'),
  ('sparsevec: negative element count', '\x00000003ffffffff00000000', 'sin'),
  ('sparsevec: 16001 elements', '\x0001000000003e8100000000', 'sin'),
  ('sparsevec: reserved field set', '\x000000030000000000000001', 'sin'),
  ('sparsevec: index out of range', '\x0000000300000001000000000000000300000000' || '\x3f800000'::bytea, 'sin'),
  ('sparsevec: indices out of order',
   '\x00000003000000020000000000000002000000013f8000003f800000', 'sin'),
  ('sparsevec: duplicate index',
   '\x00000003000000020000000000000001000000013f8000003f800000', 'sin'),
  ('sparsevec: NaN value', '\x000000030000000100000000000000007fc00000', 'sin'),
  ('sparsevec: 1000000001 dimensions', '\x3b9aca010000000000000000', 'sin'),
  ('sparsevec: zero values are dropped',
   '\x0000000300000002000000000000000000000002000000003f800000', 'sin')
) t(what, bytes, target);

DROP TABLE raw, vin, hin, sin;
DROP FUNCTION recv_as(bytea, text);
DROP FUNCTION sqlstate_of(text);
