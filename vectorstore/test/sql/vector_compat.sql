-- pgvector's extension name: clients run CREATE EXTENSION IF NOT EXISTS
-- vector.  Ours requires epiphany_vectorstore (installed here) and adds no
-- object of its own.
CREATE EXTENSION IF NOT EXISTS vector;
CREATE EXTENSION IF NOT EXISTS vector;
SELECT x.extname, r.extname AS requires
  FROM pg_extension x
  JOIN pg_depend d ON d.classid = 'pg_extension'::regclass AND d.objid = x.oid
                  AND d.refclassid = 'pg_extension'::regclass
  JOIN pg_extension r ON r.oid = d.refobjid
 WHERE x.extname = 'vector';
SELECT count(*) AS own_objects FROM pg_depend
 WHERE refclassid = 'pg_extension'::regclass
   AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'vector') AND deptype = 'e';
CREATE TABLE items (id bigserial PRIMARY KEY, embedding vector(3));
INSERT INTO items (embedding) VALUES ('[1,2,3]'), ('[4,5,6]');
SELECT id FROM items ORDER BY embedding <-> '[3,1,2]' LIMIT 1;
DROP TABLE items;
-- Dropping it keeps the vector store.
DROP EXTENSION vector;
SELECT '[1,2]'::vector AS still_there;
-- In a database without the vector store the statement, without CASCADE,
-- installs it too, as it does with pgvector (the preloaded library adds
-- CASCADE).
SELECT current_database() AS regress_db \gset
CREATE DATABASE vector_compat_empty;
\c vector_compat_empty
CREATE EXTENSION IF NOT EXISTS vector;
SELECT extname FROM pg_extension WHERE extname IN ('vector', 'epiphany_vectorstore') ORDER BY 1;
SELECT '[1,2,3]'::vector <-> '[1,2,5]' AS distance;
\c :regress_db
DROP DATABASE vector_compat_empty;
