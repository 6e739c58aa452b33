# vectorstore/test/t/002_hnsw_recall.pl
#	Quality of the hnsw index as a number: 10,000 random 64-dimensional
#	vectors (seeded), an index built with the default options, 50 random
#	queries; recall@10 against exact search must be at least 0.95 with
#	hnsw.ef_search = 100.  Also checks that the planner picks the index for
#	ORDER BY ... LIMIT on this table without being forced to, and that the
#	answers stay the same when the index does not fit in shared buffers.
#
# Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('recall');
$node->init;
$node->start;

$node->safe_psql('postgres', 'CREATE EXTENSION epiphany_vectorstore');
$node->safe_psql('postgres', q{
SELECT setseed(0.42);
CREATE TABLE items (id int PRIMARY KEY, v vector(64));
INSERT INTO items
  SELECT i, ARRAY(SELECT random() + i * 0 FROM generate_series(1, 64))::real[]
    FROM generate_series(1, 10000) i;
CREATE TABLE queries (qid int PRIMARY KEY, q vector(64));
INSERT INTO queries
  SELECT i, ARRAY(SELECT random() + i * 0 FROM generate_series(1, 64))::real[]
    FROM generate_series(1, 50) i;
ANALYZE items;
});

# Exact answers, by sequential scan (no index exists yet).
$node->safe_psql('postgres', q{
CREATE TABLE exact AS
  SELECT qid, ARRAY(SELECT id FROM items ORDER BY v <-> q, id LIMIT 10) AS ids
    FROM queries;
});

$node->safe_psql('postgres', 'CREATE INDEX items_hnsw ON items USING hnsw (v vector_l2_ops)');
$node->safe_psql('postgres', 'ANALYZE items');

my $plan = $node->safe_psql('postgres',
	q{EXPLAIN (COSTS OFF) SELECT id FROM items ORDER BY v <-> (SELECT q FROM queries WHERE qid = 1) LIMIT 10}
);
like($plan, qr/Index Scan using items_hnsw/,
	'the planner picks the index for ORDER BY ... LIMIT on 10,000 rows');

my $recall = $node->safe_psql('postgres', q{
SET hnsw.ef_search = 100;
SELECT sum((SELECT count(*) FROM unnest(e.ids) x(id)
              WHERE x.id = ANY (ARRAY(SELECT id FROM items ORDER BY v <-> q.q LIMIT 10))))
       / 500.0
  FROM exact e JOIN queries q USING (qid);
});
note("recall\@10 at ef_search = 100: $recall");
cmp_ok($recall, '>=', 0.95, 'recall@10 at ef_search = 100 is at least 0.95');

my $recall40 = $node->safe_psql('postgres', q{
SELECT sum((SELECT count(*) FROM unnest(e.ids) x(id)
              WHERE x.id = ANY (ARRAY(SELECT id FROM items ORDER BY v <-> q.q LIMIT 10))))
       / 500.0
  FROM exact e JOIN queries q USING (qid);
});
note("recall\@10 at ef_search = 40 (default): $recall40");
cmp_ok($recall40, '<=', $recall, 'a larger ef_search does not lower recall');

# The same answers when the index does not fit in shared buffers: a scan's
# remembered buffers (one per block, kept across the rescans of one
# statement) then keep going stale, and every pin must fall back to the
# mapping table.  The search is deterministic, so every top-10 must be the
# one found above with the whole index cached.
my $answers_sql = q{
SET hnsw.ef_search = 100;
SELECT string_agg(qid || ':' || r.ids::text, ' ' ORDER BY qid)
  FROM queries q
  CROSS JOIN LATERAL (SELECT array_agg(id) AS ids
                        FROM (SELECT id FROM items ORDER BY v <-> q.q LIMIT 10) t) r;
};
my $answers = $node->safe_psql('postgres', $answers_sql);
my $index_blocks = $node->safe_psql('postgres',
	q{SELECT pg_relation_size('items_hnsw') / current_setting('block_size')::int});
$node->append_conf('postgresql.conf', 'shared_buffers = 256kB');
$node->restart;
cmp_ok($index_blocks, '>', 32 * 4, 'the index is far larger than 256kB of shared buffers');
is($node->safe_psql('postgres', $answers_sql), $answers,
	'the same top-10 of every query with 256kB of shared buffers');

$node->stop;
done_testing();
