# vectorstore/test/t/007_ivfflat_recall.pl
#	Quality of the ivfflat index as a number.  10,000 random 64-dimensional
#	vectors drawn around 100 random centres in [0,1)^64, each coordinate
#	within +-0.65 of its centre's, so that clusters overlap (seeded; real
#	embeddings are clustered too), lists = 100, 50 queries from the same
#	distribution: recall@10 against exact search must be at least 0.9 with
#	ivfflat.probes = 10 (0.956 when written; 0.6 of noise gives 1.0, 1.6
#	gives 0.80), and exactly 1 with probes = lists.  The same on uniformly
#	random vectors, which have no clusters to find: recall at probes = 10
#	is only noted (0.358 when written, as expected of any inverted-file
#	index on such data), recall at probes = lists must be 1.  Also checks
#	that the planner picks the index for ORDER BY ... LIMIT unaided.
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

# recall@10 of the index over the queries of table queries, at a probes.
sub recall
{
	my ($probes) = @_;
	return $node->safe_psql('postgres', qq{
SET enable_seqscan = off;
SET ivfflat.probes = $probes;
SELECT round(sum((SELECT count(*) FROM unnest(e.ids) x(id)
              WHERE x.id = ANY (ARRAY(SELECT id FROM items ORDER BY v <-> q.q LIMIT 10))))
       / 500.0, 3)
  FROM exact e JOIN queries q USING (qid);
});
}

# Loads items and queries with the given SELECT list for one row's vector
# (c: the row's centre), computes the exact answers, builds the index.
sub load
{
	my ($vector) = @_;
	$node->safe_psql('postgres', qq{
DROP TABLE IF EXISTS items, queries, exact, centres;
SELECT setseed(0.42);
CREATE TABLE centres (c int PRIMARY KEY, v real[]);
INSERT INTO centres
  SELECT c, ARRAY(SELECT random() + c * 0 FROM generate_series(1, 64))
    FROM generate_series(0, 99) c;
CREATE TABLE items (id int PRIMARY KEY, v vector(64));
INSERT INTO items SELECT i, $vector
  FROM generate_series(1, 10000) i JOIN centres c ON c.c = i % 100;
CREATE TABLE queries (qid int PRIMARY KEY, q vector(64));
INSERT INTO queries SELECT i, $vector
  FROM generate_series(1, 50) i JOIN centres c ON c.c = (i * 37) % 100;
CREATE TABLE exact AS
  SELECT qid, ARRAY(SELECT id FROM items ORDER BY v <-> q, id LIMIT 10) AS ids
    FROM queries;
CREATE INDEX items_ivf ON items USING ivfflat (v vector_l2_ops) WITH (lists = 100);
ANALYZE items;
});
}

load(q{ARRAY(SELECT c.v[d] + (random() - 0.5) * 1.3 FROM generate_series(1, 64) d)::real[]});

my $plan = $node->safe_psql('postgres',
	q{EXPLAIN (COSTS OFF) SELECT id FROM items ORDER BY v <-> (SELECT q FROM queries WHERE qid = 1) LIMIT 10}
);
like($plan, qr/Index Scan using items_ivf/,
	'the planner picks the index for ORDER BY ... LIMIT on 10,000 rows');

my $r10 = recall(10);
note("clustered data: recall\@10 at probes = 10: $r10");
cmp_ok($r10, '>=', 0.9, 'clustered data: recall@10 at probes = 10 is at least 0.9');
my $r1 = recall(1);
note("clustered data: recall\@10 at probes = 1: $r1");
is(recall(100), '1.000', 'clustered data: probes = lists is exact');

load(q{ARRAY(SELECT random() + c.c * 0 + d * 0 FROM generate_series(1, 64) d)::real[]});
my $u10 = recall(10);
note("uniform data: recall\@10 at probes = 10: $u10");
is(recall(100), '1.000', 'uniform data: probes = lists is exact');

done_testing();
