# vectorstore/test/t/008_hnsw_parallel_build.pl
#	Parallel hnsw builds.  On 6,000 random 16-dimensional vectors, the
#	same index is built serially (max_parallel_maintenance_workers = 0)
#	and in parallel (the table's parallel_workers = 1, so that
#	plan_create_index_workers grants a worker for so small a table).  The
#	parallel build is seen to happen: while it runs, pg_stat_activity shows
#	a parallel worker whose leader is the building backend (the indexed
#	expression sleeps a little per row so that the build lasts long enough
#	to be seen; no time is asserted).  Both builds index every row
#	(pg_class.reltuples of the index is 6,000, the count the build
#	returns), an iterative scan reaches at least 99% of them (plain HNSW
#	can leave a few elements that no neighbour links back to; README.md,
#	"Not done yet"), both find at least 95% of the exact
#	top-10 of 30 queries at hnsw.ef_search = 100, and their recalls differ
#	by less than 0.03.  A streaming standby (through a replication slot;
#	wal_consistency_checking = 'all' on the primary) replays the parallel
#	build and returns the primary's top-10; after an immediate stop and
#	restart the index still returns them.  Then a parallel build past
#	epiphany.vector_index_build_memory falls back to the serial build (its
#	spill NOTICE) and still holds every row.
#
# Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use VectorstoreStandby;

my ($primary, $standby) = start_primary_and_standby(q{
max_parallel_maintenance_workers = 2
max_parallel_workers = 4
maintenance_work_mem = '256MB'
});

$primary->safe_psql('postgres', q{
CREATE EXTENSION epiphany_vectorstore;
SELECT setseed(0.25);
CREATE TABLE t (id int PRIMARY KEY, v vector(16));
INSERT INTO t SELECT i, (SELECT array_agg(random()) FROM generate_series(1, 16) WHERE i > 0)
  FROM generate_series(1, 6000) i;
CREATE TABLE q (qid int PRIMARY KEY, v vector(16));
INSERT INTO q SELECT i, (SELECT array_agg(random()) FROM generate_series(1, 16) WHERE i > 0)
  FROM generate_series(1, 30) i;
-- The indexed expression: the value itself, after a short sleep, so that
-- a build lasts a few seconds.  PARALLEL SAFE, or no worker is planned.
CREATE FUNCTION slow(v vector) RETURNS vector
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
  PERFORM pg_sleep(0.0005);
  RETURN v;
END $$;
ALTER TABLE t SET (parallel_workers = 1);
});

# Recall@10 of the index against the exact top-10, over the 30 queries.
my $recall_query = q{
SET hnsw.ef_search = 100;
SELECT round(avg(cardinality(ARRAY(
         SELECT unnest(ARRAY(SELECT id FROM t ORDER BY slow(t.v)::vector(16) <-> q.v LIMIT 10))
         INTERSECT
         SELECT unnest(ARRAY(SELECT id FROM t ORDER BY t.v <-> q.v, id LIMIT 10)))) / 10.0), 3)
  FROM q;
};

# Whether the index counts every row, and an iterative scan of it reaches
# at least 99% of them, each once.
my $all_query = q{
SET enable_seqscan = off;
SET hnsw.iterative_scan = strict_order;
SET hnsw.max_scan_tuples = 100000;
SELECT (SELECT reltuples FROM pg_class WHERE relname = 't_hnsw') = 6000,
       count(*) >= 5940 AND count(*) = count(DISTINCT id)
  FROM (SELECT id FROM t ORDER BY slow(v)::vector(16) <-> '[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]'
         LIMIT 10000) s;
};

# The top-10 of each query through the index only.
my $topk_query = q{
SET enable_seqscan = off;
SET hnsw.ef_search = 100;
SELECT qid, ARRAY(SELECT id FROM t ORDER BY slow(t.v)::vector(16) <-> q.v LIMIT 10)
  FROM q ORDER BY qid;
};

# Serial build.
$primary->safe_psql('postgres', q{
SET max_parallel_maintenance_workers = 0;
CREATE INDEX t_hnsw ON t USING hnsw ((slow(v)::vector(16)) vector_l2_ops);
});
like(
	$primary->safe_psql('postgres',
		"SET enable_seqscan = off; EXPLAIN (COSTS OFF) SELECT id FROM t ORDER BY slow(v)::vector(16) <-> '[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1]' LIMIT 10"
	),
	qr/Index Scan using t_hnsw/,
	'the queries use the index');
my $serial_recall = $primary->safe_psql('postgres', $recall_query);
is($primary->safe_psql('postgres', $all_query), 't|t', 'the serial index holds every row');
$primary->safe_psql('postgres', 'DROP INDEX t_hnsw');

# Parallel build, watched from another session.
my $builder = $primary->background_psql('postgres');
my $builder_pid = $builder->query_safe('SELECT pg_backend_pid()');
$builder_pid =~ s/\s+//g;
$builder->query_until(qr/building/, q{
\echo building
CREATE INDEX t_hnsw ON t USING hnsw ((slow(v)::vector(16)) vector_l2_ops);
});
ok( $primary->poll_query_until(
		'postgres', qq{
SELECT count(*) > 0 FROM pg_stat_activity
 WHERE backend_type = 'parallel worker' AND leader_pid = $builder_pid}),
	'a parallel worker of the building backend runs during the build');
$builder->query_safe('SELECT 1');
$builder->quit;

my $parallel_recall = $primary->safe_psql('postgres', $recall_query);
cmp_ok($serial_recall, '>=', 0.95, "serial build: recall\@10 $serial_recall");
cmp_ok($parallel_recall, '>=', 0.95, "parallel build: recall\@10 $parallel_recall");
cmp_ok(abs($serial_recall - $parallel_recall), '<', 0.03, 'the recalls are about the same');
is($primary->safe_psql('postgres', $all_query), 't|t', 'the parallel index holds every row');

# The standby replays the parallel build.
$primary->wait_for_catchup($standby);
my $primary_topk = $primary->safe_psql('postgres', $topk_query);
is($standby->safe_psql('postgres', $topk_query), $primary_topk,
	"the standby returns the primary's top-10");

# A crash right after the build loses nothing.
$primary->stop('immediate');
$primary->start;
is($primary->safe_psql('postgres', $topk_query), $primary_topk,
	'after a crash the index returns the same top-10');
is($primary->safe_psql('postgres', $all_query), 't|t', 'and holds every row');

# Past the memory limit the parallel build gives way to the serial one,
# which goes on on disk.
$primary->safe_psql('postgres', 'DROP INDEX t_hnsw');
my ($ret, $stdout, $stderr) = $primary->psql('postgres', q{
SET epiphany.vector_index_build_memory = '1MB';
CREATE INDEX t_hnsw ON t USING hnsw (v vector_l2_ops);
});
is($ret, 0, 'a parallel build past the memory limit succeeds');
like($stderr, qr/no longer fits in epiphany.vector_index_build_memory/,
	'by the serial build, which spills to disk');
is( $primary->safe_psql(
		'postgres', q{
SET enable_seqscan = off;
SET hnsw.iterative_scan = strict_order;
SET hnsw.max_scan_tuples = 100000;
SELECT (SELECT reltuples FROM pg_class WHERE relname = 't_hnsw') = 6000,
       count(*) >= 5940 AND count(*) = count(DISTINCT id)
  FROM (SELECT id FROM t ORDER BY v <-> '[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]' LIMIT 10000) s;
}),
	't|t',
	'and the index holds every row');

$standby->stop;
$primary->stop;
done_testing();
