# vectorstore/test/t/005_hnsw_progress.pl
#	Index builds report their progress in pg_stat_progress_create_index.
#	A build is held in the middle of a heap scan: the index is on an
#	expression whose function waits for an advisory lock at row 500, which
#	another session holds.  An hnsw build then shows its "loading tuples"
#	phase with the 499 rows added so far.  An ivfflat build reads the table
#	twice and is held in both: in its sampling scan it shows "performing
#	k-means", in its loading scan "loading tuples" with 499 rows.
#	Released, each build finishes and its index holds every row.
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

# Declared IMMUTABLE so that they may be indexed; they only wait.
# ivf_hold waits for lock 42 the first time it meets row 500 in a
# transaction (the sampling scan), for lock 43 the second time (loading).
$node->safe_psql('postgres', q{
CREATE EXTENSION epiphany_vectorstore;
CREATE TABLE p (id int, v vector(3));
INSERT INTO p SELECT i, ARRAY[sin(i), cos(i), sin(i * 0.3)]::real[] FROM generate_series(1, 1000) i;
CREATE FUNCTION hold_at_500(v vector, id int) RETURNS vector
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
  IF id = 500 THEN
    PERFORM pg_advisory_lock_shared(42);
    PERFORM pg_advisory_unlock_shared(42);
  END IF;
  RETURN v;
END $$;
CREATE FUNCTION ivf_hold(v vector, id int) RETURNS vector
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
  IF id = 500 THEN
    IF current_setting('ivf_hold.sampled', true) = 'yes' THEN
      PERFORM pg_advisory_lock_shared(43);
      PERFORM pg_advisory_unlock_shared(43);
    ELSE
      PERFORM set_config('ivf_hold.sampled', 'yes', true);
      PERFORM pg_advisory_lock_shared(42);
      PERFORM pg_advisory_unlock_shared(42);
    END IF;
  END IF;
  RETURN v;
END $$;
});

# Starts CREATE INDEX in the background while a session holds advisory
# locks 42 and 43; returns both sessions.
sub start_held_build
{
	my ($create_index) = @_;
	my $locker = $node->background_psql('postgres');
	$locker->query_safe('SELECT pg_advisory_lock(42), pg_advisory_lock(43)');
	my $builder = $node->background_psql('postgres');
	$builder->query_until(qr/building/, "\\echo building\n$create_index;\n");
	return ($locker, $builder);
}

# Waits until the build shows PHASE (and the condition MORE).
sub phase_shown
{
	my ($phase, $more, $name) = @_;
	ok( $node->poll_query_until(
			'postgres', qq{
SELECT phase = 'building index: $phase' $more
  FROM pg_stat_progress_create_index WHERE relid = 'p'::regclass}),
		$name);
}

# Waits for the build to end, then counts the rows an index scan of the
# expression returns.
sub finish_and_count
{
	my ($locker, $builder, $settings, $expr) = @_;
	$locker->query_safe('SELECT pg_advisory_unlock_all()');
	$builder->query_safe('SELECT 1');
	$builder->quit;
	$locker->quit;
	return $node->safe_psql('postgres', qq{
SET enable_seqscan = off;
$settings
SELECT count(*) FROM (SELECT id FROM p ORDER BY $expr <-> '[0,1,0]' LIMIT 1000) s;
});
}

my ($locker, $builder) = start_held_build(
	'CREATE INDEX p_hnsw ON p USING hnsw ((hold_at_500(v, id)::vector(3)) vector_l2_ops)');
phase_shown('loading tuples', 'AND tuples_done = 499',
	'hnsw: the held build shows "loading tuples" and the rows added so far');
is(finish_and_count($locker, $builder, 'SET hnsw.ef_search = 1000;', 'hold_at_500(v, id)::vector(3)'),
	'1000', 'hnsw: the finished index holds every row');
is($node->safe_psql('postgres', 'SELECT count(*) FROM pg_stat_progress_create_index'),
	'0', 'no build is in progress any more');

($locker, $builder) = start_held_build(
	'CREATE INDEX p_ivf ON p USING ivfflat ((ivf_hold(v, id)::vector(3)) vector_l2_ops) WITH (lists = 10)');
phase_shown('performing k-means', '',
	'ivfflat: the build held while sampling shows "performing k-means"');
$locker->query_safe('SELECT pg_advisory_unlock(42)');
phase_shown('loading tuples', 'AND tuples_done = 499',
	'ivfflat: held while loading, it shows "loading tuples" and the rows added so far');
is(finish_and_count($locker, $builder, 'SET ivfflat.probes = 10;', 'ivf_hold(v, id)::vector(3)'),
	'1000', 'ivfflat: the finished index holds every row');

$node->stop;
done_testing();
