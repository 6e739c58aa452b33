-- The catalog shape of the SQL surface: every function is IMMUTABLE, STRICT
-- and PARALLEL SAFE and calls an ep_* C symbol; the types are stored out of
-- line; the operator classes pass amvalidate.

-- Functions of the extension that break the rule (none expected; the hnsw
-- handler is exempt: the server calls it, and handlers are VOLATILE).
SELECT p.oid::regprocedure, p.provolatile, p.proisstrict, p.proparallel, p.prosrc
  FROM pg_proc p
  JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
  JOIN pg_extension x ON x.oid = d.refobjid AND x.extname = 'epiphany_vectorstore'
 WHERE p.prokind = 'f'
   AND (p.provolatile <> 'i' OR NOT p.proisstrict OR p.proparallel <> 's'
        OR p.prolang <> (SELECT oid FROM pg_language WHERE lanname = 'c')
        OR p.prosrc NOT LIKE 'ep\_%')
   AND p.prorettype <> 'index_am_handler'::regtype;

-- What the extension contains, by kind.
SELECT CASE d.classid
         WHEN 'pg_proc'::regclass THEN (SELECT CASE prokind WHEN 'a' THEN 'aggregate' ELSE 'function' END
                                          FROM pg_proc WHERE oid = d.objid)
         WHEN 'pg_type'::regclass THEN 'type'
         WHEN 'pg_operator'::regclass THEN 'operator'
         WHEN 'pg_opclass'::regclass THEN 'operator class'
         WHEN 'pg_opfamily'::regclass THEN 'operator family'
         WHEN 'pg_cast'::regclass THEN 'cast'
         WHEN 'pg_am'::regclass THEN 'access method'
         ELSE d.classid::regclass::text END AS kind,
       count(*)
  FROM pg_depend d
  JOIN pg_extension x ON x.oid = d.refobjid AND x.extname = 'epiphany_vectorstore'
 WHERE d.deptype = 'e'
 GROUP BY 1 ORDER BY 1;

-- Aggregates: parallel safe, with a combine function.
SELECT a.aggfnoid::regprocedure, a.aggtransfn, a.aggcombinefn, a.aggfinalfn, a.agginitval,
       p.proparallel
  FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
 WHERE p.proname IN ('avg', 'sum')
   AND p.proargtypes[0] IN ('vector'::regtype, 'halfvec'::regtype)
 ORDER BY 1::text;

-- Types: variable length, stored out of line without compression.
SELECT typname, typlen, typstorage, typalign FROM pg_type
 WHERE typname IN ('vector', 'halfvec', 'sparsevec') ORDER BY typname;

-- The btree and hash operator classes are complete.
SELECT c.opcname, am.amname, amvalidate(c.oid)
  FROM pg_opclass c JOIN pg_am am ON am.oid = c.opcmethod
 WHERE c.opcname IN ('vector_ops', 'halfvec_ops', 'sparsevec_ops')
 ORDER BY 1, 2;
