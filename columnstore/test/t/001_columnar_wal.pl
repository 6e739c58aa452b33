# columnstore/test/t/001_columnar_wal.pl
#	Columnar tables through WAL: a streaming standby (with WAL consistency
#	checking on the primary) returns what the primary returns after loads,
#	merges, updates, deletes and COPY straight into row groups; a crash in
#	the middle of an uncommitted bulk load, COPY or merge, and one in the
#	middle of a COPY statement writing row groups, loses no committed row
#	and duplicates none.
#
# Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

# A fingerprint of the whole table: any lost, duplicated or changed row
# changes it.
my $fingerprint =
  "SELECT count(*), count(DISTINCT id), sum(id), md5(string_agg(id || ':' || v || ':' || n, ',' ORDER BY id)) FROM t";

my $primary = PostgreSQL::Test::Cluster->new('primary');
$primary->init(allows_streaming => 1);
$primary->append_conf('postgresql.conf',
	"wal_consistency_checking = 'all'\nwal_keep_size = '2GB'");
$primary->start;
$primary->safe_psql('postgres', 'CREATE EXTENSION epiphany_columnstore');
$primary->safe_psql('postgres',
	'CREATE TABLE t (id int PRIMARY KEY, v text, n numeric) USING columnar');
$primary->safe_psql('postgres',
	"INSERT INTO t SELECT g, 'v' || g, g / 3.0 FROM generate_series(1, 20000) g");

$primary->backup('base');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'base', has_streaming => 1);
$standby->start;

# Rounds of merge, updates and deletes of row-group rows, and new rows.
for my $round (1 .. 3)
{
	$primary->safe_psql('postgres', "SELECT epiphany.columnar_merge('t')");
	$primary->safe_psql('postgres',
		"UPDATE t SET v = v || '+$round' WHERE id % 97 = $round");
	$primary->safe_psql('postgres', "DELETE FROM t WHERE id % 89 = $round");
	$primary->safe_psql('postgres',
		"INSERT INTO t SELECT g, 'r$round', g FROM generate_series(20000 + $round * 1000, 20000 + $round * 1000 + 499) g");
	$primary->wait_for_catchup($standby, 'replay');
	is( $standby->safe_psql('postgres', $fingerprint),
		$primary->safe_psql('postgres', $fingerprint),
		"round $round: the standby returns the same rows");
	is( $standby->safe_psql('postgres',
			'SET enable_seqscan = off; SELECT v FROM t WHERE id = 97 + ' . $round),
		$primary->safe_psql('postgres',
			'SET enable_seqscan = off; SELECT v FROM t WHERE id = 97 + ' . $round),
		"round $round: index scans agree");
}

# COPY into a table without indexes writes row groups directly.
my $copy_file = $primary->basedir . '/copy.data';
my $copy_print =
  "SELECT count(*), sum(id), md5(string_agg(id || ':' || v || ':' || n, ',' ORDER BY id)) FROM l";
$primary->safe_psql('postgres',
	"COPY (SELECT g, 'c' || g, g / 4.0 FROM generate_series(1, 30000) g) TO '$copy_file'");
$primary->safe_psql('postgres',
	'CREATE TABLE l (id int, v text, n numeric) USING columnar');
$primary->safe_psql('postgres', "COPY l FROM '$copy_file'");
is( $primary->safe_psql('postgres',
		"SELECT row_groups > 0, delta_rows FROM epiphany.columnar_stats('l')"),
	't|0',
	'COPY wrote row groups, no delta rows');
$primary->wait_for_catchup($standby, 'replay');
is( $standby->safe_psql('postgres', $copy_print),
	$primary->safe_psql('postgres', $copy_print),
	'the standby returns the rows of a direct COPY');
my $copy_before = $primary->safe_psql('postgres', $copy_print);

my $before = $primary->safe_psql('postgres', $fingerprint);

# Runs "sql" in a transaction left open, crashes the primary and restarts it.
sub crash_during
{
	my ($sql) = @_;
	my $session = $primary->background_psql('postgres');

	$session->query_safe('BEGIN');
	$session->query_safe($sql);
	$primary->stop('immediate');
	$session->quit;
	$primary->start;
	return;
}

# Crash during an uncommitted merge: every row is still there, once.
crash_during("SELECT epiphany.columnar_merge('t')");
is($primary->safe_psql('postgres', $fingerprint),
	$before, 'a crash during a merge loses and duplicates nothing');

# Crash during an uncommitted bulk load: none of its rows appear.
crash_during(
	"INSERT INTO t SELECT g, 'lost', 0 FROM generate_series(100001, 160000) g");
is($primary->safe_psql('postgres', $fingerprint),
	$before, 'a crash during a bulk load leaves only committed rows');

# Crash during an uncommitted direct COPY: none of its row groups appear.
crash_during("COPY l FROM '$copy_file'");
is($primary->safe_psql('postgres', $copy_print),
	$copy_before, 'a crash during a direct COPY leaves only committed rows');

# Crash in the middle of a direct COPY statement: an expression index whose
# function sleeps at one row holds the COPY after it has written two row
# groups (the TOAST relation has grown), then the server goes down.
$primary->safe_psql(
	'postgres', q{
	CREATE FUNCTION pause_at(i int) RETURNS int LANGUAGE plpgsql IMMUTABLE
	  AS $$ BEGIN IF current_setting('test.pause', true) = 'on' AND i = 45000 THEN
	  PERFORM pg_sleep(600); END IF; RETURN i; END $$;
	CREATE TABLE m (id int, v text, n numeric) USING columnar;
	SELECT epiphany.columnar_set_options('m', row_group_rows => 20000);
	CREATE INDEX m_pause ON m (pause_at(id));
});
my $m_file = $primary->basedir . '/m.data';
$primary->safe_psql('postgres',
	"COPY (SELECT g, 'm' || g, g / 7.0 FROM generate_series(1, 70000) g) TO '$m_file'");
$primary->safe_psql('postgres', "COPY m FROM '$m_file'");
my $m_print =
  "SELECT count(*), sum(id), md5(string_agg(id || ':' || v || ':' || n, ',' ORDER BY id, v)) FROM m";
my $m_before = $primary->safe_psql('postgres', $m_print);
my $toast_blocks =
  "SELECT pg_relation_size(reltoastrelid) / 8192 FROM pg_class WHERE relname = 'm'";
my $blocks_before = $primary->safe_psql('postgres', $toast_blocks);
my $copier = $primary->background_psql('postgres');
$copier->query_until(qr/started/,
	"\\echo started\nSET test.pause = 'on';\nCOPY m FROM '$m_file';\n");
ok( $primary->poll_query_until('postgres',
		"SELECT count(*) = 1 FROM pg_stat_activity WHERE wait_event = 'PgSleep' AND query LIKE 'COPY m%'"),
	'a direct COPY is held in the middle of its statement');
cmp_ok($primary->safe_psql('postgres', $toast_blocks),
	'>', $blocks_before, 'after writing row groups');
$primary->stop('immediate');
eval { $copier->quit; };    # its psql died with the server: the pipe is closed
$primary->start;
is($primary->safe_psql('postgres', $m_print),
	$m_before, 'a crash in the middle of a direct COPY leaves only committed rows');
$primary->safe_psql('postgres', "COPY m FROM '$m_file'");
is( $primary->safe_psql('postgres',
		"SELECT count(*), count(DISTINCT id), min(id), max(id) FROM m"),
	'140000|70000|1|70000',
	'the table loads again afterwards, each row twice now');
is( $primary->safe_psql('postgres',
		'SET enable_seqscan = off; SELECT count(*) FROM m WHERE pause_at(id) = 45000'),
	'2', 'and its index has the rows of both loads');

# After the crashes the table still merges, and the standby follows.
$primary->safe_psql('postgres', "SELECT epiphany.columnar_merge('t')");
$primary->safe_psql('postgres', 'VACUUM t');
is($primary->safe_psql('postgres', $fingerprint),
	$before, 'a merge after the crashes keeps every row');
is( $primary->safe_psql('postgres',
		"SELECT delta_rows FROM epiphany.columnar_stats('t')"),
	'0',
	'everything is in row groups');
$primary->wait_for_catchup($standby, 'replay');
is($standby->safe_psql('postgres', $fingerprint),
	$before, 'the standby has the same rows after the crashes');

is($standby->safe_psql('postgres', $copy_print),
	$copy_before, 'the standby has the same directly copied rows after the crashes');
is($standby->safe_psql('postgres', $m_print),
	$primary->safe_psql('postgres', $m_print),
	'and the rows of the table whose COPY the crash cut short');

$standby->stop;
$primary->stop;
done_testing();
