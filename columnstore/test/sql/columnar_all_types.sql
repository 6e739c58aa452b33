-- Every built-in data type survives the column store unchanged, read back
-- whole, through the column scan's chunk filters and through btree indexes.
--
-- One heap table has a column for each built-in type (and arrays of several
-- of them); 4,000 rows mix NULLs, extremes and special values (min/max,
-- infinities, NaN, -0, empty ranges, arrays and strings) with ordinary
-- values, and long values that are TOASTed where the type is varlena.
-- Rows 1001-1600 are runs (all NULL, one repeated extreme, two extremes
-- alternating) so that with 100-value chunks whole chunks are NULL,
-- constant or spread over the type's full range, which is where the typed
-- encodings (run lengths, dictionaries, deltas, bit-packing, XOR) meet
-- their edge cases.  The columnar twin gets rows 1-3600 through the delta
-- store and merges them into row groups; rows 3601-4000 stay in the delta
-- store.  A third table is written as row groups directly by CREATE TABLE
-- AS, with the default chunk size.
--
-- Which types are covered is read from the catalog: a type that is added
-- to PostgreSQL, or forgotten here, shows up in the "uncovered" list.

SET jit = off;  -- (compiling these long generated queries takes longer than running them)

-- Which value row g gets: NULL (NULL), 0 (its ordinary value) or k, the
-- k-th of n special values.
CREATE FUNCTION slot(g int, n int) RETURNS int
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN g BETWEEN 1001 AND 1200 OR g % 13 = 0 THEN NULL
    WHEN g BETWEEN 1201 AND 1400 THEN 1
    WHEN g BETWEEN 1401 AND 1600 THEN 1 + g % 2
    WHEN g % 5 = 0 THEN 1 + (g / 5) % n
    ELSE 0 END
$$;
-- s: special values; r: the ordinary value of row g.  Rows g % 400 = 7
-- get a long value instead where the type is varlena.
CREATE FUNCTION pick(g int, s anyarray, r anyelement) RETURNS anyelement
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE slot(g, array_length(s, 1)) WHEN 0 THEN r ELSE s[slot(g, array_length(s, 1))] END
$$;
-- A long string that pglz cannot shrink much (hex digits of md5 sums).
CREATE FUNCTION noise(g int, n int) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT string_agg(md5((g * 100000 + i)::text), '') FROM generate_series(1, n) i
$$;

-- Types whose values no SQL statement can make come from the catalogs:
-- pg_node_tree from rules, pg_ndistinct, pg_dependencies and pg_mcv_list
-- from extended statistics.
CREATE TABLE stats_src (a int, b int, c int);
INSERT INTO stats_src SELECT g % 4, g % 5, g % 3 FROM generate_series(1, 1000) g;
CREATE STATISTICS stats_src_ab (ndistinct, dependencies, mcv) ON a, b FROM stats_src;
CREATE STATISTICS stats_src_abc (ndistinct, dependencies, mcv) ON a, b, c FROM stats_src;
ANALYZE stats_src;
CREATE TABLE catalog_values AS
SELECT row_number() OVER (ORDER BY oid) - 1 AS i, ev_action AS nt
  FROM pg_rewrite WHERE ev_class = ANY ('{pg_timezone_names,pg_user,pg_group}'::regclass[]);
CREATE TABLE stats_values AS
SELECT row_number() OVER (ORDER BY s.stxname) - 1 AS i,
       d.stxdndistinct AS nd, d.stxddependencies AS dp, d.stxdmcv AS mcv
  FROM pg_statistic_ext s JOIN pg_statistic_ext_data d ON d.stxoid = s.oid
 WHERE s.stxrelid = 'stats_src'::regclass;
SELECT (SELECT count(*) FROM catalog_values) AS node_trees,
       (SELECT count(nd) + count(dp) + count(mcv) FROM stats_values) AS statistics;

CREATE TABLE all_heap (
    id int,
    c_bool bool, c_bytea bytea, c_char "char", c_name name,
    c_int2 int2, c_int4 int4, c_int8 int8, c_float4 float4, c_float8 float8,
    c_numeric numeric, c_numeric_15_2 numeric(15,2), c_money money,
    c_bpchar bpchar, c_char10 char(10), c_varchar varchar(20), c_text text,
    c_refcursor refcursor,
    c_date date, c_time time, c_timetz timetz, c_timestamp timestamp,
    c_timestamptz timestamptz, c_interval interval,
    c_uuid uuid, c_json json, c_jsonb jsonb, c_jsonpath jsonpath, c_xml xml,
    c_inet inet, c_cidr cidr, c_macaddr macaddr, c_macaddr8 macaddr8,
    c_bit bit(12), c_varbit varbit,
    c_point point, c_line line, c_lseg lseg, c_box box, c_path path,
    c_polygon polygon, c_circle circle,
    c_tsvector tsvector, c_tsquery tsquery,
    c_pg_lsn pg_lsn, c_xid xid, c_xid8 xid8, c_cid cid, c_tid tid, c_oid oid,
    c_pg_snapshot pg_snapshot, c_txid_snapshot txid_snapshot,
    c_int2vector int2vector, c_oidvector oidvector, c_aclitem aclitem,
    c_regclass regclass, c_regtype regtype, c_regproc regproc,
    c_regprocedure regprocedure, c_regoper regoper, c_regoperator regoperator,
    c_regconfig regconfig, c_regdictionary regdictionary,
    c_regnamespace regnamespace, c_regrole regrole, c_regcollation regcollation,
    c_int4range int4range, c_int8range int8range, c_numrange numrange,
    c_tsrange tsrange, c_tstzrange tstzrange, c_daterange daterange,
    c_int4multirange int4multirange, c_int8multirange int8multirange,
    c_nummultirange nummultirange, c_tsmultirange tsmultirange,
    c_tstzmultirange tstzmultirange, c_datemultirange datemultirange,
    c_pg_node_tree pg_node_tree, c_pg_ndistinct pg_ndistinct,
    c_pg_dependencies pg_dependencies, c_pg_mcv_list pg_mcv_list,
    a_int8 int8[], a_numeric numeric[], a_text text[], a_char "char"[],
    a_timestamptz timestamptz[], a_interval interval[], a_point point[],
    a_varbit varbit[], a_jsonb jsonb[], a_uuid uuid[], a_inet inet[],
    a_money money[], a_regtype regtype[], a_int4range int4range[],
    a_int4multirange int4multirange[]
);

-- Long values, for rows g % 400 = 7 of the varlena columns: compressible ones
-- (stored compressed, inline or out of line) and noise (out of line).
CREATE TABLE long_values AS
SELECT g AS id,
  decode(repeat(md5(g::text), 500), 'hex') AS c_bytea,
  repeat('9', 30000)::numeric + g AS c_numeric,
  repeat('bp' || g, 5000)::bpchar AS c_bpchar,
  repeat(md5(g::text), 600) AS c_text,
  ('["' || noise(g, 300) || '"]')::json AS c_json,
  jsonb_build_object('k', repeat(md5(g::text), 600)) AS c_jsonb,
  ('$."' || noise(g, 300) || '"')::jsonpath AS c_jsonpath,
  ('<r>' || noise(g, 300) || '</r>')::xml AS c_xml,
  repeat('10', 30000)::varbit AS c_varbit,
  ('[' || (SELECT string_agg(format('(%s,%s)', i * g, sin(i * g)), ',') FROM generate_series(1, 1000) i) || ']')::path AS c_path,
  ('(' || (SELECT string_agg(format('(%s,%s)', i * g, cos(i * g)), ',') FROM generate_series(1, 1000) i) || ')')::polygon AS c_polygon,
  (SELECT string_agg(repeat('x', 1500) || i || ':' || i, ' ') FROM generate_series(1, 10) i)::tsvector AS c_tsvector,
  -- (tsquery's storage is plain: it is never TOASTed, so a row holds it whole)
  (SELECT string_agg('w' || i, ' | ') FROM generate_series(1, 60) i)::tsquery AS c_tsquery,
  ('1:100000:' || (SELECT string_agg(i::text, ',') FROM generate_series(2, 60000, 3) i))::pg_snapshot AS c_pg_snapshot,
  numrange(0, repeat('9', 30000)::numeric + g) AS c_numrange,
  -- (long, but short enough for a btree index entry: these bounds do not compress)
  (SELECT range_agg(int4range(i * 3, i * 3 + 1 + g % 2)) FROM generate_series(1, 200) i) AS c_int4multirange,
  ARRAY[repeat(md5(g::text), 300), noise(g, 50)] AS a_text,
  -- (9 kB, compressed to what a btree index entry can hold)
  (SELECT ev_action FROM pg_rewrite WHERE ev_class = 'pg_roles'::regclass) AS c_pg_node_tree
  FROM generate_series(7, 4000, 400) g;

INSERT INTO all_heap
SELECT g,
  pick(g, '{true,false}'::bool[], g % 3 = 0),
  CASE WHEN lv.id IS NOT NULL THEN lv.c_bytea
       ELSE pick(g, '{"\\x","\\x00","\\xff"}'::bytea[],
                 int4send(g)) END,
  pick(g, ARRAY[''::"char", (-128)::"char", 127::"char"], (g % 256 - 128)::"char"),
  pick(g, ARRAY[''::name, repeat('x', 63)::name, 'a b'::name], ('n' || g)::name),
  pick(g, '{32767,-32768,0,-1}'::int2[], (g * 7919 % 30000 - 15000)::int2),
  pick(g, '{2147483647,-2147483648,0,-1}'::int4[], g * 104729 * (1 - 2 * (g % 2))),
  pick(g, '{9223372036854775807,-9223372036854775808,0,-1}'::int8[],
       g * 1000000007::int8 * (1 - 2 * (g % 2))),
  pick(g, '{Infinity,-Infinity,NaN,-0,1e-45,3.4028235e38,-3.4028235e38,1.1754944e-38}'::float4[],
       (g / 7.0)::float4),
  pick(g, '{Infinity,-Infinity,NaN,-0,5e-324,1.7976931348623157e308,-1.7976931348623157e308,2.2250738585072014e-308}'::float8[],
       sin(g) * 1000),
  CASE WHEN lv.id IS NOT NULL THEN lv.c_numeric
       ELSE pick(g, '{NaN,Infinity,-Infinity,0,-0.000001,123456789012345678901234567890.123456789,-1e-1000}'::numeric[],
                 round(g * 1.2345, (g % 5)::int)) END,
  pick(g, '{9999999999999.99,-9999999999999.99,0,NaN,0.01}'::numeric[], round(g * 1.01, 2)),
  pick(g, '{-92233720368547758.08,92233720368547758.07,0}'::money[], (g * 1.23)::numeric::money),
  CASE WHEN lv.id IS NOT NULL THEN lv.c_bpchar
       ELSE pick(g, ARRAY[''::bpchar, ' ', 'a  '],
                 ('b' || g)::bpchar) END,
  pick(g, ARRAY[''::char(10), 'abcdefghij', ' x'], ('c' || g)::char(10)),
  pick(g, ARRAY[''::varchar, '12345678901234567890', ' '], ('v' || g)::varchar),
  CASE WHEN lv.id IS NOT NULL THEN lv.c_text
       ELSE pick(g, ARRAY['', ' ', 'ü€😀', E'tab\tnewline\n\\'],
                 'text ' || g) END,
  pick(g, ARRAY[''::refcursor, 'c'], ('cur' || g)::refcursor),
  pick(g, '{-infinity,infinity,4714-11-24 BC,5874897-12-31}'::date[], '2000-01-01'::date + g * 17),
  pick(g, '{24:00,00:00,23:59:59.999999,00:00:00.000001}'::time[],
       '00:00'::time + g * interval '21.000001 s'),
  pick(g, '{24:00:00-15:59:59,00:00+15:59:59,12:00+00,00:00:00.000001-15:59:59}'::timetz[],
       (('00:00'::time + g * interval '21 s')::text || '+' || (g % 15) || ':30')::timetz),
  pick(g, '{-infinity,infinity,4714-11-24 00:00 BC,294276-12-31 23:59:59.999999}'::timestamp[],
       '2000-01-01'::timestamp + g * interval '1 h 1.5 s'),
  pick(g, '{-infinity,infinity,4714-11-24 00:00+00 BC,294276-12-31 23:59:59.999999+00}'::timestamptz[],
       '2000-01-01 00:00+00'::timestamptz + g * interval '1 h 1.000001 s'),
  pick(g, ARRAY['178000000 years 2147483647 days 2562047788:00:54.775807'::interval,
                '-178000000 years -2147483647 days -2562047788:00:54.775807', '0',
                '-1 day +00:00:01', '1 mon -1 day'],
       g * interval '1 day 1 min 0.5 s' + (g % 13) * interval '1 mon'),
  pick(g, '{00000000-0000-0000-0000-000000000000,ffffffff-ffff-ffff-ffff-ffffffffffff}'::uuid[],
       md5(g::text)::uuid),
  CASE WHEN lv.id IS NOT NULL THEN lv.c_json
       ELSE pick(g, ARRAY['[]'::json, 'null', '{}', '"\u0000"', '{"a" : 1 , "a": 2}'],
                 json_build_object('g', g)) END,
  CASE WHEN lv.id IS NOT NULL THEN lv.c_jsonb
       ELSE pick(g, ARRAY['[]'::jsonb, 'null', '{}', '{"a": [1, 2.5e300, -0, true, null, "x"]}'],
                 jsonb_build_object('g', g, 'h', g % 7)) END,
  CASE WHEN lv.id IS NOT NULL THEN lv.c_jsonpath
       ELSE pick(g, ARRAY['$'::jsonpath, 'strict $.a[*] ? (@ > 1 && @ like_regex "^x" flag "i")',
                 '$.datetime()', '$[last - 1]'],
                 ('$.k' || g)::jsonpath) END,
  CASE WHEN lv.id IS NOT NULL THEN lv.c_xml
       ELSE pick(g, ARRAY[''::xml, '<a/>', '<r a="1">x &amp; y</r>'],
                 ('<g>' || g || '</g>')::xml) END,
  pick(g, '{0.0.0.0/0,255.255.255.255,::/0,ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128,::ffff:1.2.3.4/100,10.1.2.3/8}'::inet[],
       ('10.' || g % 256 || '.' || g / 256 || '.1/' || 8 + g % 25)::inet),
  pick(g, '{0.0.0.0/0,255.255.255.255/32,::/0,ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128,10.0.0.0/8}'::cidr[],
       ('10.' || g % 256 || '.' || g / 256 || '.0/24')::cidr),
  pick(g, '{00:00:00:00:00:00,ff:ff:ff:ff:ff:ff}'::macaddr[],
       ('08:00:2b:' || lpad(to_hex(g % 256), 2, '0') || ':' || lpad(to_hex(g / 256), 2, '0') || ':01')::macaddr),
  pick(g, '{00:00:00:00:00:00:00:00,ff:ff:ff:ff:ff:ff:ff:ff,08:00:2b:01:02:03}'::macaddr8[],
       ('08:00:2b:ff:fe:' || lpad(to_hex(g % 256), 2, '0') || ':' || lpad(to_hex(g / 256), 2, '0') || ':01')::macaddr8),
  pick(g, '{000000000000,111111111111}'::bit(12)[], g::bit(12)),
  CASE WHEN lv.id IS NOT NULL THEN lv.c_varbit
       ELSE pick(g, ARRAY[''::varbit, '0', '1'],
                 g::bit(20)::varbit) END,
  pick(g, '{"(0,0)","(1.7976931348623157e308,-1.7976931348623157e308)","(NaN,Infinity)","(-0,-0)"}'::point[],
       point(g, -g / 3.0)),
  pick(g, '{"{1,-1,0}","{0,1,-1e308}","{1,0,NaN}"}'::line[], line(point(g, 1), point(0, g))),
  pick(g, '{"[(0,0),(0,0)]","[(-1e308,1e308),(1e308,-1e308)]"}'::lseg[], lseg(point(g, 1), point(-1, g))),
  pick(g, ARRAY['(0,0),(0,0)'::box, '(1e308,1e308),(-1e308,-1e308)', '(Infinity,Infinity),(-Infinity,-Infinity)'],
       box(point(g, g), point(-g, 1))),
  CASE WHEN lv.id IS NOT NULL THEN lv.c_path
       ELSE pick(g, '{"[(0,0)]","((0,0),(1,1))","[(1e308,-1e308),(NaN,0)]"}'::path[],
                 path(polygon(box(point(g, g), point(0, 0))))) END,
  CASE WHEN lv.id IS NOT NULL THEN lv.c_polygon
       ELSE pick(g, '{"((0,0))","((0,0),(1,1),(2,0))","((1e308,1e308),(-1e308,-1e308),(0,0))"}'::polygon[],
                 polygon(box(point(g, g), point(0, 0)))) END,
  pick(g, '{"<(0,0),0>","<(1e308,-1e308),1e308>","<(NaN,NaN),NaN>"}'::circle[], circle(point(g, -g), g)),
  CASE WHEN lv.id IS NOT NULL THEN lv.c_tsvector
       ELSE pick(g, ARRAY[''::tsvector, 'a:1A,2B b:3', 'x'],
                 ('w' || g || ' x' || g % 7)::tsvector) END,
  CASE WHEN lv.id IS NOT NULL THEN lv.c_tsquery
       ELSE pick(g, ARRAY['a & b'::tsquery, '!(x <-> y) | z:*AB', 'a <3> b', '!a'],
                 ('w' || g || ' & x')::tsquery) END,
  pick(g, '{0/0,FFFFFFFF/FFFFFFFF,FFFFFFFF/0,0/FFFFFFFF}'::pg_lsn[], '0/0'::pg_lsn + g::numeric * 123456789012),
  pick(g, '{0,4294967295,1,3}'::xid[], (g * 1000003::int8 % 4294967296)::text::xid),
  pick(g, '{0,18446744073709551615,1}'::xid8[], (g * 1000000007::int8)::text::xid8),
  pick(g, '{0,4294967295}'::cid[], g::text::cid),
  pick(g, '{"(0,0)","(4294967295,65535)","(0,1)"}'::tid[], format('(%s,%s)', g, g % 100)::tid),
  pick(g, '{0,4294967295,1}'::oid[], (g * 1000003::int8 % 4294967296)::oid),
  CASE WHEN lv.id IS NOT NULL THEN lv.c_pg_snapshot
       ELSE pick(g, '{1:1:,10:20:10\,14\,15,18446744073709551615:18446744073709551615:}'::pg_snapshot[],
                 (g || ':' || g + 10 || ':' || g + 1 || ',' || g + 5)::pg_snapshot) END,
  pick(g, '{18446744073709551615:18446744073709551615:,1:4294967295:2\,4294967294,10:20:10\,14\,15}'::txid_snapshot[],
       (g || ':' || g + 10 || ':' || g + 1 || ',' || g + 5)::txid_snapshot),
  pick(g, ARRAY[''::int2vector, '-32768 32767 0',
                (SELECT string_agg(i::text, ' ') FROM generate_series(1, 100) i)::int2vector],
       (g || ' ' || -g)::int2vector),
  pick(g, ARRAY[''::oidvector, '4294967295 0',
                (SELECT string_agg(i::text, ' ') FROM generate_series(1, 100) i)::oidvector],
       (g || ' ' || g * 7)::oidvector),
  pick(g, '{pg_monitor=r/pg_read_all_data,=arwdDxt/pg_monitor,pg_read_all_data=r*w*/pg_monitor}'::aclitem[],
       ('pg_monitor=' || (ARRAY['r', 'w', 'a', 'd'])[1 + g % 4] || '/pg_read_all_data')::aclitem),
  pick(g, '{-,pg_class,4294967295}'::regclass[], (g * 37 % 20000)::oid::regclass),
  pick(g, '{-,integer[],"character varying",4294967295}'::regtype[], (g * 37 % 20000)::oid::regtype),
  pick(g, '{-,now,int4in,4294967295}'::regproc[], (g * 37 % 20000)::oid::regproc),
  pick(g, '{-,abs(integer),"substring(text,integer,integer)"}'::regprocedure[], (g * 37 % 20000)::oid::regprocedure),
  pick(g, ARRAY[0::oid::regoper, '+(int4,int4)'::regoperator::oid::regoper, 4294967295::oid::regoper],
       (g * 37 % 20000)::oid::regoper),
  pick(g, '{0,"+(integer,integer)","-(NONE,bigint)",4294967295}'::regoperator[], (g * 37 % 20000)::oid::regoperator),
  pick(g, '{-,english,simple,4294967295}'::regconfig[], (g * 37 % 20000)::oid::regconfig),
  pick(g, '{-,simple,english_stem,4294967295}'::regdictionary[], (g * 37 % 20000)::oid::regdictionary),
  pick(g, '{-,pg_catalog,public,4294967295}'::regnamespace[], (g * 37 % 20000)::oid::regnamespace),
  pick(g, '{-,pg_monitor,pg_read_all_data,4294967295}'::regrole[], (g * 37 % 20000)::oid::regrole),
  pick(g, '{-,"\"C\"","\"POSIX\"",4294967295}'::regcollation[], (g * 37 % 20000)::oid::regcollation),
  pick(g, '{empty,"(,)","[-2147483648,2147483647)","[1,1]","(,5)","[7,)"}'::int4range[],
       int4range(g, g + g % 17 + 1)),
  pick(g, '{empty,"(,)","[-9223372036854775808,9223372036854775807)","[0,0]"}'::int8range[],
       int8range(g * 1000000007::int8, g * 1000000007::int8 + g)),
  CASE WHEN lv.id IS NOT NULL THEN lv.c_numrange
       ELSE pick(g, '{empty,"(,)","[-Infinity,Infinity]","(NaN,)","[-1e-1000,1e1000)"}'::numrange[]
            || numrange('-Infinity', 'Infinity'),
                 numrange(g / 3.0, g)) END,
  pick(g, '{empty,"(,)","[-infinity,infinity]","[4714-11-24 00:00 BC,294276-12-31 23:59:59.999999]"}'::tsrange[],
       tsrange('2000-01-01'::timestamp + g * interval '1 h', '2000-01-01'::timestamp + g * interval '2 h')),
  pick(g, '{empty,"(,)","[-infinity,infinity]","[4714-11-24 00:00+00 BC,294276-12-31 23:59:59.999999+00]"}'::tstzrange[],
       tstzrange('2000-01-01 00:00+00'::timestamptz + g * interval '1 h', NULL)),
  pick(g, '{empty,"(,)","[-infinity,infinity]","[4714-11-24 BC,5874897-12-31)"}'::daterange[],
       daterange('2000-01-01'::date + g, '2000-01-01'::date + 2 * g)),
  CASE WHEN lv.id IS NOT NULL THEN lv.c_int4multirange
       ELSE pick(g, ARRAY['{}'::int4multirange, '{(,)}', '{[-2147483648,-2147483647),[2147483646,2147483647)}', '{empty}'],
                 int4multirange(int4range(g, g + 2), int4range(g + 5, NULL))) END,
  pick(g, ARRAY['{}'::int8multirange, '{(,)}', '{[-9223372036854775808,-9223372036854775807),[0,1),[5,9223372036854775807)}'],
       int8multirange(int8range(g, g * 1000000007::int8))),
  pick(g, ARRAY['{}'::nummultirange, '{(,)}', '{[-Infinity,-1e1000),[0,0],(1e-1000,Infinity]}'],
       nummultirange(numrange(g / 7.0, g), numrange(g * 2, NULL))),
  pick(g, ARRAY['{}'::tsmultirange, '{(,)}', '{[-infinity,4714-11-24 00:00 BC],[294276-12-31 23:59:59.999999,infinity]}'],
       tsmultirange(tsrange('2000-01-01'::timestamp + g * interval '1 h', NULL))),
  pick(g, ARRAY['{}'::tstzmultirange, '{(,)}', '{[-infinity,infinity]}'],
       tstzmultirange(tstzrange(NULL, '2000-01-01 00:00+00'::timestamptz + g * interval '1 s'))),
  pick(g, ARRAY['{}'::datemultirange, '{(,)}', '{[-infinity,4714-11-24 BC],[5874897-12-30,infinity]}'],
       datemultirange(daterange('2000-01-01'::date + g, NULL))),
  CASE WHEN lv.id IS NOT NULL THEN lv.c_pg_node_tree
       WHEN g % 3 = 0 THEN (SELECT nt FROM catalog_values
                             WHERE i = (g / 3) % (SELECT count(*) FROM catalog_values)) END,
  CASE WHEN g % 3 = 1 THEN (SELECT nd FROM stats_values WHERE i = g % 2) END,
  CASE WHEN g % 3 = 1 THEN (SELECT dp FROM stats_values WHERE i = g % 2) END,
  CASE WHEN g % 3 = 1 THEN (SELECT mcv FROM stats_values WHERE i = g % 2) END,
  CASE slot(g, 4) WHEN 0 THEN ARRAY[g, -g, g * 1000000007::int8] WHEN 1 THEN '{}'
       WHEN 2 THEN '[0:2]={1,2,3}' WHEN 3 THEN '{{9223372036854775807,NULL},{-9223372036854775808,0}}'
       WHEN 4 THEN '{NULL}' END,
  CASE slot(g, 2) WHEN 0 THEN ARRAY[g / 7.0, round(g * 1.01, 2)] WHEN 1 THEN '{}'
       WHEN 2 THEN '{NaN,Infinity,-Infinity,NULL,0}' END,
  CASE WHEN lv.id IS NOT NULL THEN lv.a_text
       ELSE CASE slot(g, 3) WHEN 0 THEN ARRAY['t' || g, NULL] WHEN 1 THEN '{}'
                 WHEN 2 THEN '{"",NULL," "}' WHEN 3 THEN '{{a,b},{c,d}}' END END,
  CASE slot(g, 2) WHEN 0 THEN ARRAY[(g % 256 - 128)::"char", 'x'] WHEN 1 THEN '{}'
       WHEN 2 THEN ARRAY[''::"char", (-128)::"char", 127::"char"] END,
  CASE slot(g, 2) WHEN 0 THEN ARRAY['2000-01-01 00:00+00'::timestamptz + g * interval '1 s']
       WHEN 1 THEN '{}' WHEN 2 THEN '{-infinity,infinity,NULL}' END,
  CASE slot(g, 2) WHEN 0 THEN ARRAY[g * interval '1 s', g * interval '1 mon'] WHEN 1 THEN '{}'
       WHEN 2 THEN '{"178000000 years","-178000000 years",NULL}' END,
  CASE slot(g, 2) WHEN 0 THEN ARRAY[point(g, g)] WHEN 1 THEN '{}'
       WHEN 2 THEN '{"(NaN,NaN)",NULL,"(1e308,-1e308)"}' END,
  CASE slot(g, 2) WHEN 0 THEN ARRAY[g::bit(16)::varbit, B'1'] WHEN 1 THEN '{}'
       WHEN 2 THEN '{"",0,NULL}' END,
  CASE slot(g, 2) WHEN 0 THEN ARRAY[jsonb_build_array(g)] WHEN 1 THEN '{}'
       WHEN 2 THEN '{null,NULL,"[]","{}"}' END,
  CASE slot(g, 2) WHEN 0 THEN ARRAY[md5(g::text)::uuid] WHEN 1 THEN '{}'
       WHEN 2 THEN '{00000000-0000-0000-0000-000000000000,NULL}' END,
  CASE slot(g, 2) WHEN 0 THEN ARRAY[('10.0.' || g % 256 || '.1')::inet] WHEN 1 THEN '{}'
       WHEN 2 THEN '{::/0,NULL,255.255.255.255}' END,
  CASE slot(g, 2) WHEN 0 THEN ARRAY[(g * 0.01)::numeric::money] WHEN 1 THEN '{}'
       WHEN 2 THEN '{-92233720368547758.08,92233720368547758.07,NULL}' END,
  CASE slot(g, 2) WHEN 0 THEN ARRAY[(g * 37 % 20000)::oid::regtype] WHEN 1 THEN '{}'
       WHEN 2 THEN '{-,integer,NULL}' END,
  CASE slot(g, 2) WHEN 0 THEN ARRAY[int4range(g, g + 1)] WHEN 1 THEN '{}'
       WHEN 2 THEN '{empty,"(,)",NULL}' END,
  CASE slot(g, 2) WHEN 0 THEN ARRAY[int4multirange(int4range(g, g + 1), int4range(g + 3, g + 4))]
       WHEN 1 THEN '{}' WHEN 2 THEN ARRAY['{}'::int4multirange, '{(,)}', NULL] END
FROM generate_series(1, 4000) g LEFT JOIN long_values lv ON lv.id = g;

-- Built-in types without a column above.  The list: base, range and
-- multirange types of pg_catalog (typtype 'b', 'r', 'm'; pseudo-types such
-- as anyelement, record, internal or cstring have typtype 'p', and
-- composite types of the system catalogs 'c'), that are defined (no shell
-- types), and that are not the array type of another type (arrays are
-- containers, covered for several element types by the a_ columns; the
-- vector types int2vector and oidvector are types of their own and count).
-- Every such type has input and output functions.  Expected: only the
-- three types whose values exist inside index pages and that no SQL
-- expression returns: gtsvector (GiST's key for tsvector_ops; its input
-- function always fails) and the BRIN summaries pg_brin_bloom_summary and
-- pg_brin_minmax_multi_summary (the same).
SELECT t.oid::regtype AS uncovered
  FROM pg_type t
 WHERE t.typnamespace = 'pg_catalog'::regnamespace
   AND t.typtype IN ('b', 'r', 'm')
   AND t.typisdefined
   AND NOT EXISTS (SELECT 1 FROM pg_type e WHERE e.typarray = t.oid)
   AND t.oid NOT IN (SELECT atttypid FROM pg_attribute
                      WHERE attrelid = 'all_heap'::regclass AND attnum > 0)
 ORDER BY 1::text;
-- Each array column is an array of a type covered above.
SELECT attname FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
 WHERE attrelid = 'all_heap'::regclass AND attnum > 0 AND t.typelem <> 0
   AND t.typelem NOT IN (SELECT atttypid FROM pg_attribute WHERE attrelid = 'all_heap'::regclass)
   AND t.typsubscript = 'array_subscript_handler'::regproc
   AND EXISTS (SELECT 1 FROM pg_type e WHERE e.typarray = t.oid);

CREATE TABLE all_col (LIKE all_heap) USING columnar;
SELECT epiphany.columnar_set_options('all_col', row_group_rows => 1000, chunk_rows => 100);
-- Fewer than 10,000 rows expected: through the delta store.
INSERT INTO all_col SELECT * FROM all_heap WHERE id <= 3600 ORDER BY id;
SELECT row_groups, rows, delta_rows FROM epiphany.columnar_stats('all_col');
SELECT epiphany.columnar_merge('all_col');
INSERT INTO all_col SELECT * FROM all_heap WHERE id > 3600 ORDER BY id;
SELECT row_groups, rows, delta_rows FROM epiphany.columnar_stats('all_col');
-- Straight into row groups (CREATE TABLE AS), with 10,000-value chunks.
CREATE TABLE all_bulk USING columnar AS SELECT * FROM all_heap ORDER BY id;
SELECT row_groups, rows, delta_rows FROM epiphany.columnar_stats('all_bulk');

-- Every row, as the text of its values that the types' output functions
-- write (record_out, which also tells NULL from ''), matched by id both
-- ways (a row missing on either side counts).
CREATE TABLE row_diffs AS
WITH h AS (SELECT id, t::text AS r FROM all_heap t),
     c AS (SELECT id, t::text AS r FROM all_col t),
     b AS (SELECT id, t::text AS r FROM all_bulk t)
SELECT 'all_col' AS tbl, id FROM h FULL JOIN c USING (id) WHERE h.r IS DISTINCT FROM c.r
UNION ALL
SELECT 'all_bulk', id FROM h FULL JOIN b USING (id) WHERE h.r IS DISTINCT FROM b.r;
SELECT tbl, count(*) AS rows_differing FROM row_diffs GROUP BY tbl ORDER BY tbl;
-- The columns that differ in those rows, if any (none expected).
SELECT format($q$
SELECT %1$L AS "table", x.col, count(*) AS differences
  FROM row_diffs d LEFT JOIN all_heap h ON h.id = d.id LEFT JOIN %1$I c ON c.id = d.id,
       LATERAL (VALUES %2$s) x(col, hv, cv)
 WHERE d.tbl = %1$L AND x.hv IS DISTINCT FROM x.cv
 GROUP BY x.col ORDER BY x.col$q$,
  tbl, string_agg(format('(%L, ROW(h.%I)::text, ROW(c.%I)::text)', attname, attname, attname),
                  ', ' ORDER BY attnum))
  FROM pg_attribute, (VALUES ('all_col'), ('all_bulk')) tb(tbl)
 WHERE attrelid = 'all_heap'::regclass AND attnum > 0
 GROUP BY tbl ORDER BY tbl
\set ECHO none
\gexec
\set ECHO all
SELECT count(*), count(c_text), sum(length(c_text)), sum(length(c_json::text)),
       sum(length(c_numeric::text)), sum(length(c_path::text)), sum(length(c_pg_node_tree::text)) > 0 AS nodes
  FROM all_col;

-- Columns whose type has a default btree operator class, found as CREATE
-- INDEX finds it: for the type itself, for a type it is implicitly
-- binary-coercible to (opctype: varchar, cidr, the reg* types, refcursor
-- and the catalog types pg_node_tree, pg_ndistinct, ... whose "=" must be
-- named through that type), or for anyrange or anymultirange; and arrays
-- of those.
CREATE TABLE btree_cols AS
WITH base AS (
  -- (one class per column: the exact one, else the preferred type's, as
  -- CREATE INDEX chooses when a type is coercible to several, as varchar is)
  SELECT DISTINCT ON (a.attnum) a.attname, a.attnum, a.atttypid,
         CASE WHEN o.opcintype NOT IN (t.oid, 'anyrange'::regtype, 'anymultirange'::regtype)
              THEN o.opcintype::regtype END AS opctype
    FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
    JOIN pg_opclass o ON o.opcmethod = (SELECT oid FROM pg_am WHERE amname = 'btree') AND o.opcdefault
   WHERE a.attrelid = 'all_heap'::regclass AND a.attnum > 1
     AND (o.opcintype = t.oid
          OR EXISTS (SELECT 1 FROM pg_cast c WHERE c.castsource = t.oid AND c.casttarget = o.opcintype
                        AND c.castmethod = 'b' AND c.castcontext = 'i')
          OR (o.opcintype = 'anyrange'::regtype AND t.typtype = 'r')
          OR (o.opcintype = 'anymultirange'::regtype AND t.typtype = 'm'))
   ORDER BY a.attnum, o.opcintype = t.oid DESC,
            (SELECT typispreferred FROM pg_type WHERE oid = o.opcintype) DESC)
SELECT attname, attnum, opctype, false AS is_array FROM base
UNION ALL
SELECT a.attname, a.attnum, NULL, true
  FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
 WHERE a.attrelid = 'all_heap'::regclass AND a.attnum > 1
   AND EXISTS (SELECT 1 FROM pg_type e WHERE e.typarray = t.oid)
   AND t.typelem IN (SELECT atttypid FROM base);
SELECT count(*) AS btree_columns, count(DISTINCT attname) AS distinct_columns FROM btree_cols;
SELECT string_agg(attname, ', ' ORDER BY attnum) AS without_btree
  FROM pg_attribute
 WHERE attrelid = 'all_heap'::regclass AND attnum > 1
   AND attname NOT IN (SELECT attname FROM btree_cols);

-- Lookups of sample rows (every kind of special value, the runs, long
-- values, rows in row groups and in the delta store).
CREATE TABLE samples AS
SELECT id FROM all_heap
 WHERE (id % 5 = 0 AND id <= 60) OR id IN (1, 2, 3, 7, 407, 1201, 1401, 1402, 3601, 3607, 3610, 4000);

-- First through the column scan, whose chunk min/max and null counts skip
-- chunks: per column, `col = ANY (ARRAY(the samples' values))` (`col IN
-- (...)` for array columns) must return the same rows (id and text) as on
-- heap.  A generated query, one part per column, counts the rows found and
-- lists the columns whose rows differ.
EXPLAIN (COSTS OFF)
SELECT id FROM all_col c WHERE c.c_interval = ANY (ARRAY(SELECT c_interval FROM all_heap WHERE id < 10));
SELECT 'SELECT sum(found) AS rows_found, string_agg(col, '', '') FILTER (WHERE differing > 0) AS columns_differing FROM ('
       || string_agg(format($q$
(WITH h AS MATERIALIZED (SELECT id, ROW(%1$I)::text AS r FROM all_heap WHERE %1$I%2$s %3$s),
      c AS MATERIALIZED (SELECT id, ROW(%1$I)::text AS r FROM all_col WHERE %1$I%2$s %3$s)
 SELECT %1$L AS col, (SELECT count(*) FROM c) AS found,
        (SELECT count(*) FROM ((TABLE h EXCEPT ALL TABLE c) UNION ALL (TABLE c EXCEPT ALL TABLE h)) d) AS differing)$q$,
         attname, '::' || opctype,
         format(CASE WHEN is_array THEN 'IN (SELECT s.%1$I%2$s FROM all_heap s WHERE s.id IN (SELECT id FROM samples))'
                     ELSE '= ANY (ARRAY(SELECT s.%1$I%2$s FROM all_heap s WHERE s.id IN (SELECT id FROM samples)))' END,
                attname, '::' || opctype)),
         ' UNION ALL ' ORDER BY attnum) || ') f'
  FROM btree_cols
\set ECHO none
\gexec
\set ECHO all

-- Then each sample row alone through a btree index on (column, id): the
-- row must come back with the same text.
DO $$
DECLARE col name;
BEGIN
  FOR col IN SELECT attname FROM btree_cols ORDER BY attnum LOOP
    EXECUTE format('CREATE INDEX ON all_col (%I, id)', col);
  END LOOP;
END $$;
-- (index-only scans would answer from the index, not the table)
SET enable_seqscan = off;
SET enable_bitmapscan = off;
SET enable_indexonlyscan = off;
EXPLAIN (COSTS OFF)
SELECT (SELECT c.c_interval FROM all_col c WHERE c.c_interval = h.c_interval AND c.id = h.id)
  FROM all_heap h WHERE h.id IN (SELECT id FROM samples);
-- Columns whose lookup below does not use their own index.  Expected: the
-- three extended-statistics types, whose `col::bytea = value` PostgreSQL
-- does not match to a bytea_ops index on heap either; their lookups still
-- go through an index, on the id column of another one.
CREATE TABLE index_misses (attname name);
DO $$
DECLARE col record; line text; plan text; idx name;
BEGIN
  FOR col IN SELECT attname, opctype FROM btree_cols ORDER BY attnum LOOP
    plan := '';
    FOR line IN EXECUTE format(
        'EXPLAIN SELECT (SELECT ROW(c.%1$I)::text FROM all_col c WHERE c.%1$I%2$s = h.%1$I%2$s AND c.id = h.id) FROM all_heap h',
        col.attname, '::' || col.opctype) LOOP
      plan := plan || line || E'\n';
    END LOOP;
    SELECT ic.relname INTO idx
      FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
      JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
     WHERE i.indrelid = 'all_col'::regclass AND a.attname = col.attname;
    IF position(format('Index Scan using %s on all_col', idx) IN plan) = 0 THEN
      INSERT INTO index_misses VALUES (col.attname);
    END IF;
  END LOOP;
END $$;
SELECT attname FROM index_misses;
SELECT 'SELECT sum(found) AS rows_found, string_agg(col, '', '') FILTER (WHERE differing > 0) AS columns_differing FROM ('
       || string_agg(format($q$
SELECT %1$L AS col, count(*) AS found,
       count(*) FILTER (WHERE (SELECT ROW(c.%1$I)::text FROM all_col c
                                WHERE c.%1$I%2$s = h.%1$I%2$s AND c.id = h.id)
                              IS DISTINCT FROM ROW(h.%1$I)::text) AS differing
  FROM all_heap h WHERE h.id IN (SELECT id FROM samples) AND h.%1$I IS NOT NULL$q$,
         attname, '::' || opctype),
         ' UNION ALL ' ORDER BY attnum) || ') f'
  FROM btree_cols
\set ECHO none
\gexec
\set ECHO all
RESET enable_seqscan;
RESET enable_bitmapscan;
RESET enable_indexonlyscan;

DROP TABLE all_heap, all_col, all_bulk, row_diffs, btree_cols, samples, index_misses, stats_src, long_values,
  catalog_values, stats_values;
DROP FUNCTION slot(int, int), pick(int, anyarray, anyelement),
  noise(int, int);
