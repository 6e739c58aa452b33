# vectorstore/test/t/009_kill9_bulk_insert.pl
#	kill -9 of a backend in the middle of a bulk insert.  One table has
#	three indexes, each reached by its own operator: hnsw (<->), hnsw
#	with quantization = 'sq8' (<=>) and ivfflat (<#>).  500 rows are
#	committed before the indexes are built and 100 by a second session
#	while a bulk INSERT of 2,000 rows is held after its first 1,500 (the
#	inserted expression waits for an advisory lock), so all three
#	indexes hold those uncommitted elements.  The inserting backend is
#	then killed with SIGKILL; the postmaster restarts the cluster and
#	crash recovery runs.  Afterwards each index, scanned alone, returns
#	exactly the 600 committed rows (none of the aborted ones, none
#	missing), and goes on working: more inserts, then VACUUM, which
#	removes the aborted elements, and the same check again.
#
# Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('kill9');
$node->init;
# (the test clusters turn it off; it is on by default)
$node->append_conf('postgresql.conf', "restart_after_crash = on\n");
$node->start;

$node->safe_psql('postgres', q{
CREATE EXTENSION epiphany_vectorstore;
CREATE TABLE k (id int PRIMARY KEY, v vector(8));
INSERT INTO k SELECT i, ARRAY(SELECT random() + 0.1 + i * 0 FROM generate_series(1, 8))::real[]
  FROM generate_series(1, 500) i;
CREATE INDEX k_hnsw ON k USING hnsw (v vector_l2_ops);
CREATE INDEX k_sq8 ON k USING hnsw (v vector_cosine_ops) WITH (quantization = 'sq8');
CREATE INDEX k_ivf ON k USING ivfflat (v vector_ip_ops) WITH (lists = 10);
-- The value itself; at row 2001 it waits for advisory lock 42.
CREATE FUNCTION held(v vector, id int) RETURNS vector LANGUAGE plpgsql AS $$
BEGIN
  IF id = 2001 THEN
    PERFORM pg_advisory_lock_shared(42);
  END IF;
  RETURN v;
END $$;
});

# Whether the index of operator OP, scanned alone, returns exactly the
# table's rows, each once, and the table has ROWS rows.
sub check_index
{
	my ($op, $index, $what, $rows) = @_;
	my $query = "SELECT id FROM k ORDER BY v $op '[1,1,1,1,1,1,1,1]' LIMIT 100000";
	my $settings = q{
SET enable_seqscan = off;
SET hnsw.ef_search = 1000;
SET hnsw.iterative_scan = relaxed_order;
SET hnsw.max_scan_tuples = 100000;
SET epiphany.hnsw_rerank_candidates = 1000;
SET ivfflat.probes = 10;
};
	like($node->safe_psql('postgres', "$settings EXPLAIN (COSTS OFF) $query"),
		qr/Index Scan using $index on k/, "$what: the query scans $index");
	is( $node->safe_psql(
			'postgres', "$settings
SELECT ARRAY(SELECT id FROM ($query) s ORDER BY id) = ARRAY(SELECT id FROM k ORDER BY id),
       (SELECT count(*) FROM k)"),
		"t|$rows",
		"$what: $index returns exactly the table's $rows rows");
}

my $locker = $node->background_psql('postgres');
$locker->query_safe('SELECT pg_advisory_lock(42)');

my $bulk = $node->background_psql('postgres', on_error_stop => 0);
my $bulk_pid = $bulk->query_safe('SELECT pg_backend_pid()');
$bulk_pid =~ s/\s+//g;
$bulk->query_until(qr/inserting/, q{
\echo inserting
INSERT INTO k SELECT i, held(ARRAY(SELECT random() + 0.1 + i * 0 FROM generate_series(1, 8))::vector(8), i)
  FROM generate_series(501, 2500) i;
});
ok( $node->poll_query_until(
		'postgres', qq{
SELECT wait_event_type = 'Lock' AND wait_event = 'advisory'
  FROM pg_stat_activity WHERE pid = $bulk_pid}),
	'the bulk insert is held after 1,500 rows');

# Committed while the bulk insert is open: these must survive.
$node->safe_psql('postgres', q{
INSERT INTO k SELECT i, ARRAY(SELECT random() + 0.1 + i * 0 FROM generate_series(1, 8))::real[]
  FROM generate_series(10001, 10100) i;
});
cmp_ok(
	$node->safe_psql('postgres', "SELECT pg_relation_size('k_hnsw') / 8192"),
	'>', 20, 'the hnsw index holds the uncommitted elements too');

my $log_offset = -s $node->logfile;
is(kill('KILL', $bulk_pid), 1, 'kill -9 of the inserting backend');
$node->poll_query_until('postgres', 'SELECT true') or die 'the server did not come back';
ok( $node->log_contains(
		qr/server process \(PID $bulk_pid\) was terminated by signal 9/, $log_offset),
	'the postmaster restarted the cluster after the kill');
eval { $bulk->quit; };
eval { $locker->quit; };

check_index('<->', 'k_hnsw', 'after the crash', 600);
check_index('<=>', 'k_sq8', 'after the crash', 600);
check_index('<#>', 'k_ivf', 'after the crash', 600);

$node->safe_psql('postgres', q{
INSERT INTO k SELECT i, ARRAY(SELECT random() + 0.1 + i * 0 FROM generate_series(1, 8))::real[]
  FROM generate_series(20001, 20200) i;
VACUUM k;
});
check_index('<->', 'k_hnsw', 'after inserts and VACUUM', 800);
check_index('<=>', 'k_sq8', 'after inserts and VACUUM', 800);
check_index('<#>', 'k_ivf', 'after inserts and VACUUM', 800);

$node->stop;
done_testing();
