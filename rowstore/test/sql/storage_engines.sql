-- epiphany.storage_engines: one row per engine, read from the catalogs.
-- The test cluster preloads all four libraries and has every extension.
SELECT engine, extension, library, version, access_methods, installed, preloaded
  FROM epiphany.storage_engines
 ORDER BY engine;

-- The libraries this backend loaded, and that preloading loaded them.
SELECT engine, library, preloaded
  FROM epiphany.loaded_libraries()
 ORDER BY library;

-- Access methods come from the catalogs: an access method that becomes a
-- member of an engine's extension shows up in that engine's row, and leaves
-- it when it stops being one.
CREATE ACCESS METHOD epiphany_test_am TYPE TABLE HANDLER heap_tableam_handler;
ALTER EXTENSION epiphany_columnstore ADD ACCESS METHOD epiphany_test_am;
SELECT engine, access_methods FROM epiphany.storage_engines WHERE engine = 'column';
ALTER EXTENSION epiphany_columnstore DROP ACCESS METHOD epiphany_test_am;
SELECT engine, access_methods FROM epiphany.storage_engines WHERE engine = 'column';
DROP ACCESS METHOD epiphany_test_am;

-- Versions come from pg_extension.
SELECT count(*) AS versions_match
  FROM epiphany.storage_engines s
  JOIN pg_extension x ON x.extname = s.extension AND x.extversion = s.version;

-- Anyone may read the view.
CREATE ROLE epiphany_reader;
SET ROLE epiphany_reader;
SELECT count(*) AS engines FROM epiphany.storage_engines;
RESET ROLE;
DROP ROLE epiphany_reader;
