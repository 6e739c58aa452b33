/* timestore/sql/epiphany_timestore--0.1.0.sql: the time-series engine. */

\echo Use "CREATE EXTENSION epiphany_timestore" to load this file. \quit

-- Refuse to install unless the library was preloaded; the check function is
-- temporary so that it leaves nothing behind.
CREATE FUNCTION pg_temp.timestore_require_preload() RETURNS void
AS 'MODULE_PATHNAME', 'ep_timestore_require_preload' LANGUAGE C STRICT;
SELECT pg_temp.timestore_require_preload();
DROP FUNCTION pg_temp.timestore_require_preload();
