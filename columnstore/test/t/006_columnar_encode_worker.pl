# columnstore/test/t/006_columnar_encode_worker.pl
#	The encoding worker of a bulk load on a real server: a COPY held in the
#	middle (an index expression waits for an advisory lock at one row) has
#	its worker running; when the worker is terminated there, the COPY
#	finishes by encoding the rest itself, logs that, and the table holds
#	exactly the file's rows; a COPY cancelled in the middle leaves no
#	worker behind and no row; with no worker slot the COPY encodes by
#	itself.
#
# Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $encoders =
  "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'epiphany_columnstore encoder'";
my $no_encoders =
  "SELECT count(*) = 0 FROM pg_stat_activity WHERE backend_type = 'epiphany_columnstore encoder'";
my $print =
  "SELECT count(*), count(DISTINCT id), sum(id), md5(string_agg(id || ':' || v || ':' || n, ',' ORDER BY id, v)) FROM m";

my $node = PostgreSQL::Test::Cluster->new('node');
$node->init;
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION epiphany_columnstore');
# The index function waits at row 45000 while another session holds
# advisory lock 42 (it lies about being immutable).
$node->safe_psql(
	'postgres', q{
	CREATE FUNCTION hold_at(i int) RETURNS int LANGUAGE plpgsql IMMUTABLE
	  AS $$ BEGIN IF i = 45000 THEN PERFORM pg_advisory_lock_shared(42);
	  PERFORM pg_advisory_unlock_shared(42); END IF; RETURN i; END $$;
	CREATE TABLE m (id int, v text, n numeric) USING columnar;
	SELECT epiphany.columnar_set_options('m', row_group_rows => 20000, chunk_rows => 1000);
	CREATE INDEX m_hold ON m (hold_at(id));
	CREATE TABLE expected (id int, v text, n numeric);
});
my $file = $node->basedir . '/m.data';
$node->safe_psql('postgres',
	"COPY (SELECT g, 'm' || g, g / 7.0 FROM generate_series(1, 70000) g) TO '$file'");
$node->safe_psql('postgres', "COPY expected FROM '$file'");
my $expected = $node->safe_psql('postgres', $print =~ s/FROM m$/FROM expected/r);

# Starts a COPY of the file into m that stops at row 45000 until the
# returned session releases the lock.
sub held_copy
{
	my $holder = $node->background_psql('postgres');
	$holder->query_safe('SELECT pg_advisory_lock(42)');
	my $copier = $node->background_psql('postgres', on_error_stop => 0);
	$copier->query_until(qr/started/, "\\echo started\nCOPY m FROM '$file';\n");
	ok( $node->poll_query_until('postgres',
			"SELECT count(*) = 1 FROM pg_stat_activity WHERE wait_event = 'advisory' AND query LIKE 'COPY m%'"
		),
		'a COPY is held in the middle');
	return ($holder, $copier);
}

# The worker is terminated while the COPY is held: the COPY goes on alone.
my ($holder, $copier) = held_copy();
is($node->safe_psql('postgres', $encoders), '1', 'the held COPY has its encoding worker');
my $log_offset = -s $node->logfile;
$node->safe_psql('postgres',
	"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE backend_type = 'epiphany_columnstore encoder'"
);
ok($node->poll_query_until('postgres', $no_encoders), 'the worker is gone');
$holder->query_safe('SELECT pg_advisory_unlock(42)');
$copier->query_safe('SELECT 1');    # returns once the COPY is over
$copier->quit;
$holder->quit;
is($node->safe_psql('postgres', $print), $expected,
	'the COPY whose worker was terminated loaded every row once');
ok( $node->log_contains(
		qr/the encoding worker of a columnar load into "m" exited; the load encodes the rest itself/,
		$log_offset),
	'and logged that it encoded the rest itself');
is( $node->safe_psql('postgres',
		"SET enable_seqscan = off; SELECT count(*) FROM m WHERE hold_at(id) BETWEEN 44990 AND 45010"
	),
	'21',
	'its index finds the rows around the pause');

# A COPY cancelled while held: no row, and its worker exits.
$node->safe_psql('postgres', 'TRUNCATE m');
($holder, $copier) = held_copy();
is($node->safe_psql('postgres', $encoders), '1', 'the second COPY has its worker');
$node->safe_psql('postgres',
	"SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE query LIKE 'COPY m%' AND backend_type = 'client backend'"
);
$holder->query_safe('SELECT pg_advisory_unlock(42)');
$copier->quit;
$holder->quit;
ok($node->poll_query_until('postgres', $no_encoders),
	'the cancelled COPY leaves no encoding worker');
is($node->safe_psql('postgres', 'SELECT count(*) FROM m'), '0', 'and no row');
$node->safe_psql('postgres', "COPY m FROM '$file'");
is($node->safe_psql('postgres', $print), $expected, 'the table loads again afterwards');

# No background worker slot at all: the load encodes by itself.
$node->append_conf('postgresql.conf', 'max_worker_processes = 0');
$node->restart;
$node->safe_psql('postgres', 'TRUNCATE m');
my ($stdout, $stderr) = ('', '');
$node->psql(
	'postgres',
	"SET client_min_messages = debug1; COPY m FROM '$file'",
	stdout => \$stdout,
	stderr => \$stderr);
like($stderr, qr/columnar load into "m" encodes by itself/,
	'without a worker slot the COPY encodes by itself');
is($node->safe_psql('postgres', $print), $expected, 'and loads every row once');

$node->stop;
done_testing();
