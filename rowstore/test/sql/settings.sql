-- epiphany.default_storage_mode: row (the default) keeps PostgreSQL's heap;
-- column makes new tables columnar; auto starts them on the heap for the
-- storage advisor to move (tested in storage_advisor).
SHOW epiphany.default_storage_mode;
SELECT name, setting, enumvals, context
  FROM pg_settings WHERE name = 'epiphany.default_storage_mode';

CREATE FUNCTION am_of(rel regclass) RETURNS name LANGUAGE sql AS
  $$ SELECT a.amname FROM pg_class c LEFT JOIN pg_am a ON a.oid = c.relam WHERE c.oid = rel $$;

CREATE TABLE by_default (id int);
SELECT am_of('by_default');

SET epiphany.default_storage_mode = 'column';
SHOW epiphany.default_storage_mode;
CREATE TABLE in_column_mode (id int PRIMARY KEY, v text);
CREATE TABLE explicit_heap (id int) USING heap;
CREATE TABLE as_select AS SELECT g AS id FROM generate_series(1, 10) g;
CREATE TEMP TABLE temporary_one (id int);
CREATE TABLE parted (id int, at date) PARTITION BY RANGE (at);
CREATE TABLE parted_2024 PARTITION OF parted FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
SELECT relname, am_of(oid) FROM pg_class
 WHERE relname IN ('in_column_mode', 'explicit_heap', 'as_select', 'temporary_one',
                   'parted', 'parted_2024')
 ORDER BY relname;
INSERT INTO in_column_mode VALUES (1, 'one');
SELECT * FROM in_column_mode;
SET epiphany.default_storage_mode = 'row';
CREATE TABLE back_in_row_mode (id int);
SELECT am_of('back_in_row_mode');
DROP TABLE by_default, in_column_mode, explicit_heap, as_select, temporary_one, parted,
  back_in_row_mode;

SET epiphany.default_storage_mode = 'auto';
SHOW epiphany.default_storage_mode;
CREATE TABLE in_auto_mode (id int);
SELECT am_of('in_auto_mode');
DROP TABLE in_auto_mode;
DROP FUNCTION am_of(regclass);
RESET epiphany.default_storage_mode;

-- An invalid value is refused with the list of valid ones.
SET epiphany.default_storage_mode = 'columnar';
ALTER DATABASE contrib_regression SET epiphany.default_storage_mode = 'bogus';

-- In a database without the column store, column mode cannot create a table.
CREATE DATABASE epiphany_no_column;
\c epiphany_no_column
SET epiphany.default_storage_mode = 'column';
\set VERBOSITY terse
CREATE TABLE needs_columnar (id int);
\set VERBOSITY default
\c contrib_regression
DROP DATABASE epiphany_no_column;
