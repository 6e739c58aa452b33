-- CREATE EXTENSION epiphany CASCADE installs the whole suite; each extension
-- lands in its schema: the core and the column store in "epiphany", the
-- vector and time stores where the user creates them (public by default),
-- as pgvector and TimescaleDB do.
DROP EXTENSION epiphany;
DROP EXTENSION epiphany_columnstore, epiphany_vectorstore, epiphany_timestore;
SELECT count(*) AS leftover FROM pg_extension WHERE extname LIKE 'epiphany%';

CREATE EXTENSION epiphany CASCADE;
SELECT x.extname, x.extversion, n.nspname
  FROM pg_extension x JOIN pg_namespace n ON n.oid = x.extnamespace
 WHERE x.extname LIKE 'epiphany%'
 ORDER BY x.extname;

-- The engines cannot go while the core needs them.
\set VERBOSITY terse
DROP EXTENSION epiphany_vectorstore;
\set VERBOSITY default

-- The preload checks of the column and time stores leave no function behind.
SELECT count(*) AS leftover_checks FROM pg_proc WHERE proname LIKE '%require_preload';
