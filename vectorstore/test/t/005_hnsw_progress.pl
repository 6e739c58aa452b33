# vectorstore/test/t/005_hnsw_progress.pl
#	An hnsw build reports its progress in pg_stat_progress_create_index.
#	The build is held in the middle of its heap scan: the index is on an
#	expression whose function waits for an advisory lock at row 500, which
#	another session holds; the build then shows its "loading tuples" phase
#	with the 499 rows added so far.  Released, it finishes and the index
#	works.
#
# Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('progress');
$node->init;
$node->start;

$node->safe_psql('postgres', q{
CREATE EXTENSION epiphany_vectorstore;
CREATE TABLE p (id int, v vector(3));
INSERT INTO p SELECT i, ARRAY[sin(i), cos(i), sin(i * 0.3)]::real[] FROM generate_series(1, 1000) i;
-- Declared IMMUTABLE so that it may be indexed; it only waits.
CREATE FUNCTION hold_at_500(v vector, id int) RETURNS vector
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
  IF id = 500 THEN
    PERFORM pg_advisory_lock_shared(42);
    PERFORM pg_advisory_unlock_shared(42);
  END IF;
  RETURN v;
END $$;
});

my $locker = $node->background_psql('postgres');
$locker->query_safe('SELECT pg_advisory_lock(42)');

my $builder = $node->background_psql('postgres');
$builder->query_until(qr/building/, q{
\echo building
CREATE INDEX p_hnsw ON p USING hnsw ((hold_at_500(v, id)::vector(3)) vector_l2_ops);
});

ok( $node->poll_query_until(
		'postgres',
		q{SELECT phase = 'building index: loading tuples' AND tuples_done = 499
		    FROM pg_stat_progress_create_index WHERE relid = 'p'::regclass}),
	'the held build shows "loading tuples" and the rows added so far');

$locker->query_safe('SELECT pg_advisory_unlock(42)');
$builder->query_safe('SELECT 1');
$builder->quit;
$locker->quit;

is( $node->safe_psql(
		'postgres', q{
SET enable_seqscan = off;
SET hnsw.ef_search = 1000;
SELECT count(*) FROM (SELECT id FROM p ORDER BY hold_at_500(v, id)::vector(3) <-> '[0,1,0]' LIMIT 1000) s;
}),
	'1000',
	'the finished index holds every row');
is($node->safe_psql('postgres', 'SELECT count(*) FROM pg_stat_progress_create_index'),
	'0', 'no build is in progress any more');

$node->stop;
done_testing();
