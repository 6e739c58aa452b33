/* rowstore/sql/epiphany--0.1.0.sql: the EpiphanyDB core, schema "epiphany". */

\echo Use "CREATE EXTENSION epiphany CASCADE" to load this file. \quit

GRANT USAGE ON SCHEMA epiphany TO PUBLIC;

-- The engine registry: the engines that make up EpiphanyDB and where each
-- lives.  Everything that changes (versions, access methods, installation,
-- preloading) is read from the catalogs by epiphany.storage_engines.
CREATE TABLE epiphany.engine_registry (
    engine                 text PRIMARY KEY,
    extension              name NOT NULL UNIQUE,
    library                text NOT NULL UNIQUE,
    builtin_access_methods boolean NOT NULL,
    description            text NOT NULL
);

INSERT INTO epiphany.engine_registry VALUES
    ('row', 'epiphany', 'epiphany_rowstore', true,
     'PostgreSQL heap and its indexes: transactions and point access'),
    ('column', 'epiphany_columnstore', 'epiphany_columnstore', false,
     'columnar table access method: analytics'),
    ('vector', 'epiphany_vectorstore', 'epiphany_vectorstore', false,
     'vector types and approximate nearest-neighbour indexes: similarity search'),
    ('time', 'epiphany_timestore', 'epiphany_timestore', false,
     'hypertables, time functions, policies and jobs: time series');

CREATE FUNCTION epiphany.loaded_libraries(
    OUT engine text, OUT library text, OUT preloaded boolean)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'ep_loaded_libraries'
LANGUAGE C STRICT VOLATILE PARALLEL RESTRICTED;

COMMENT ON FUNCTION epiphany.loaded_libraries() IS
    'EpiphanyDB libraries loaded in this backend, and whether shared_preload_libraries loaded them';

-- One row per engine.  Access methods are those the engine's extension owns
-- (pg_depend), plus PostgreSQL's built-in ones for the row engine;
-- FirstNormalObjectId (16384) separates built-in objects from created ones.
CREATE VIEW epiphany.storage_engines AS
SELECT r.engine,
       r.extension,
       r.library,
       coalesce(x.extversion, a.default_version) AS version,
       ARRAY(SELECT am.amname
               FROM pg_catalog.pg_am am
              WHERE (r.builtin_access_methods AND am.oid < 16384)
                 OR EXISTS (SELECT 1
                              FROM pg_catalog.pg_depend d
                             WHERE d.classid = 'pg_catalog.pg_am'::regclass
                               AND d.objid = am.oid
                               AND d.refclassid = 'pg_catalog.pg_extension'::regclass
                               AND d.refobjid = x.oid
                               AND d.deptype = 'e')
              ORDER BY am.amname)::name[] AS access_methods,
       x.oid IS NOT NULL AS installed,
       coalesce(l.preloaded, false) AS preloaded,
       r.description
  FROM epiphany.engine_registry r
  LEFT JOIN pg_catalog.pg_extension x ON x.extname = r.extension
  LEFT JOIN pg_catalog.pg_available_extensions a ON a.name = r.extension
  LEFT JOIN epiphany.loaded_libraries() l ON l.library = r.library;

COMMENT ON VIEW epiphany.storage_engines IS
    'EpiphanyDB engines: extension, version, access methods, installed here, library preloaded';

GRANT SELECT ON epiphany.storage_engines TO PUBLIC;

-- Embeddings without a model: feature hashing of the words and character
-- trigrams of a text, L2-normalised (C in the vector store's library, which
-- owns the vector type).  Lexical, not semantic: texts that share words and
-- spellings are close.
CREATE FUNCTION epiphany.embed_text(content text, dims integer DEFAULT 384) RETURNS vector
AS '$libdir/epiphany_vectorstore', 'ep_embed_text'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION epiphany.embed_text(text, integer) IS
    'Lexical embedding of a text by feature hashing of words and trigrams, L2-normalised; not semantic';
