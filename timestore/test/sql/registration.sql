-- The time engine's library is preloaded in the test cluster and registers
-- itself; the core's view reports it once the suite is installed.
CREATE EXTENSION epiphany CASCADE;
SELECT engine, extension, library, installed, preloaded
  FROM epiphany.storage_engines
 WHERE engine = 'time';

-- Dropping and re-creating the extension works and leaves no strays.
DROP EXTENSION epiphany;
DROP EXTENSION epiphany_timestore;
CREATE EXTENSION epiphany_timestore;
SELECT extname, extversion FROM pg_extension WHERE extname LIKE 'epiphany%' ORDER BY 1;
