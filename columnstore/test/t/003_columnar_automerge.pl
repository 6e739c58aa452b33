# columnstore/test/t/003_columnar_automerge.pl
#	The automatic merge on a real server: the merge worker merges a delta
#	store that got epiphany.columnar_merge_delta_rows rows, and a streaming
#	standby (with WAL consistency checking on the primary) returns the same
#	rows and runs no merge worker; kill -9 of the server in the middle of a
#	background merge loses and duplicates nothing, and the table merges
#	again afterwards; a compaction survives kill -9 and is replayed by the
#	standby; DROP DATABASE succeeds while a background merge runs in that
#	database (the worker is stopped first).
#
# Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $fingerprint =
  "SELECT count(*), count(DISTINCT id), sum(id), md5(string_agg(id || ':' || v, ',' ORDER BY id)) FROM t";
my $workers =
  "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'epiphany_columnstore merge'";

# Waits until the merge statistics of "rel" in "db" satisfy "condition".
sub wait_for_merge_state
{
	my ($node, $db, $rel, $condition) = @_;
	return $node->poll_query_until($db,
		"SELECT count(*) = 1 FROM epiphany.columnar_merge_stats() WHERE relid = '$rel'::regclass AND $condition"
	);
}

my $primary = PostgreSQL::Test::Cluster->new('primary');
$primary->init(allows_streaming => 1);
$primary->append_conf('postgresql.conf',
	"wal_consistency_checking = 'all'\nwal_keep_size = '1GB'\nepiphany.columnar_merge_delta_rows = 5000");
$primary->start;
$primary->safe_psql('postgres', 'CREATE EXTENSION epiphany_columnstore');
# An index expression that sleeps makes a merge last long enough to be
# caught in the middle (the function lies about being immutable).
$primary->safe_psql(
	'postgres', q{
	CREATE FUNCTION slow_key(i int) RETURNS int LANGUAGE plpgsql IMMUTABLE
	  AS $$ BEGIN IF current_setting('test.slow', true) = 'on' THEN PERFORM pg_sleep(0.002); END IF; RETURN i; END $$;
	CREATE TABLE t (id int PRIMARY KEY, v text) USING columnar;
});
$primary->backup('base');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'base', has_streaming => 1);
$standby->start;

# 6,000 rows in three transactions: the third passes the threshold.
for my $part (0 .. 2)
{
	$primary->safe_psql('postgres',
		"INSERT INTO t SELECT g, 'v' || g FROM generate_series($part * 2000 + 1, $part * 2000 + 2000) g"
	);
}
ok(wait_for_merge_state($primary, 'postgres', 't', "merges = 1 AND state = 'idle'"),
	'the merge worker merged the delta store');
is( $primary->safe_psql('postgres',
		"SELECT rows, delta_rows FROM epiphany.columnar_stats('t')"),
	'6000|0',
	'every row is in row groups');
$primary->wait_for_catchup($standby, 'replay');
is( $standby->safe_psql('postgres', $fingerprint),
	$primary->safe_psql('postgres', $fingerprint),
	'the standby returns the same rows');
is($standby->safe_psql('postgres', "SELECT delta_rows FROM epiphany.columnar_stats('t')"),
	'0', 'and the same row groups');
is($standby->safe_psql('postgres', $workers), '0', 'no merge worker runs on the standby');
is($standby->safe_psql('postgres', 'SELECT count(*) FROM epiphany.columnar_merge_stats()'),
	'0', 'nor is any merge asked for there');

# kill -9 in the middle of a background merge.  The worker connects as a
# superuser, so the database's setting reaches it.
$primary->safe_psql('postgres', "ALTER DATABASE postgres SET test.slow = 'on'");
$primary->safe_psql('postgres', 'CREATE INDEX t_slow ON t (slow_key(id))');
$primary->safe_psql('postgres',
	"SET test.slow = off; INSERT INTO t SELECT g, 'w' || g FROM generate_series(6001, 12000) g");
my $before = $primary->safe_psql('postgres', $fingerprint);
ok(wait_for_merge_state($primary, 'postgres', 't', "state = 'running'"),
	'a second merge runs');
$primary->stop('immediate');
$primary->start;
is($primary->safe_psql('postgres', $fingerprint),
	$before, 'a crash during a background merge loses and duplicates nothing');
is($primary->safe_psql('postgres', "SELECT delta_rows FROM epiphany.columnar_stats('t')"),
	'6000', 'the interrupted merge left its rows in the delta store');

# After the restart the counts start again: 5,000 more rows merge all.
$primary->safe_psql('postgres', 'ALTER DATABASE postgres RESET test.slow');
$primary->safe_psql('postgres',
	"INSERT INTO t SELECT g, 'x' || g FROM generate_series(12001, 17000) g");
ok(wait_for_merge_state($primary, 'postgres', 't', "merges = 1 AND state = 'idle'"),
	'the table merges after the crash');
is($primary->safe_psql('postgres', "SELECT rows, delta_rows FROM epiphany.columnar_stats('t')"),
	'17000|0', 'with every row');
is( $primary->safe_psql('postgres',
		'SET enable_seqscan = off; SELECT v FROM t WHERE slow_key(id) = 9000'),
	'w9000', 'and its indexes');
$primary->wait_for_catchup($standby, 'replay');
is( $standby->safe_psql('postgres', $fingerprint),
	$primary->safe_psql('postgres', $fingerprint),
	'the standby follows');

# Compaction: rows deleted from row groups, then a compaction by hand that
# a crash interrupts (nothing lost or doubled), then one that the standby
# replays, then VACUUM and a compaction that drops the emptied row groups.
$primary->safe_psql('postgres',
	"SET epiphany.columnar_auto_merge = off; DELETE FROM t WHERE id % 3 = 0 OR id BETWEEN 1 AND 4000");
$before = $primary->safe_psql('postgres', $fingerprint);
my $session = $primary->background_psql('postgres');
$session->query_safe('BEGIN');
$session->query_safe("SELECT epiphany.columnar_compact('t')");
$primary->stop('immediate');
$session->quit;
$primary->start;
is($primary->safe_psql('postgres', $fingerprint),
	$before, 'a crash during a compaction loses and duplicates nothing');
is( $primary->safe_psql('postgres',
		"SELECT rows_moved > 0 FROM epiphany.columnar_compact('t')"),
	't', 'a compaction moves the remaining rows of sparse row groups');
$primary->safe_psql('postgres', 'SET epiphany.columnar_auto_merge = off; VACUUM t');
is( $primary->safe_psql('postgres',
		"SELECT row_groups_dropped > 0 FROM epiphany.columnar_compact('t')"),
	't', 'after VACUUM the emptied row groups are dropped');
is($primary->safe_psql('postgres', $fingerprint),
	$before, 'with every row kept');
$primary->wait_for_catchup($standby, 'replay');
is($standby->safe_psql('postgres', $fingerprint),
	$before, 'the standby replays the compaction');
is( $standby->safe_psql('postgres',
		'SET enable_seqscan = off; SELECT v FROM t WHERE id = 9001'),
	$primary->safe_psql('postgres', 'SET enable_seqscan = off; SELECT v FROM t WHERE id = 9001'),
	'and finds moved rows by index');

# DROP DATABASE while the database's merge worker is busy.
$primary->safe_psql('postgres', 'CREATE DATABASE busy');
$primary->safe_psql(
	'busy', q{
	CREATE EXTENSION epiphany_columnstore;
	CREATE FUNCTION slow_key(i int) RETURNS int LANGUAGE plpgsql IMMUTABLE
	  AS $$ BEGIN IF current_setting('test.slow', true) = 'on' THEN PERFORM pg_sleep(0.002); END IF; RETURN i; END $$;
	CREATE TABLE b (id int, v text) USING columnar;
	CREATE INDEX ON b (slow_key(id));
	ALTER DATABASE busy SET test.slow = 'on';
});
$primary->safe_psql('busy',
	"SET test.slow = off; INSERT INTO b SELECT g, 'b' FROM generate_series(1, 6000) g");
ok(wait_for_merge_state($primary, 'busy', 'b', "state = 'running'"),
	'a merge runs in the database');
my ($stdout, $stderr);
my $ret = $primary->psql('postgres', 'DROP DATABASE busy', stdout => \$stdout, stderr => \$stderr);
is($ret, 0, 'DROP DATABASE stops the merge worker and succeeds')
  or diag($stderr);
ok($primary->poll_query_until('postgres', $workers, '0'), 'no merge worker is left');

$standby->stop;
$primary->stop;
done_testing();
