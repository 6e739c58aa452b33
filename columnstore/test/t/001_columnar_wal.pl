# columnstore/test/t/001_columnar_wal.pl
#	Columnar tables through WAL: a streaming standby (with WAL consistency
#	checking on the primary) returns what the primary returns after loads,
#	merges, updates, deletes and COPY straight into row groups; a crash in
#	the middle of an uncommitted bulk load, COPY or merge loses no committed
#	row and duplicates none.
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

$standby->stop;
$primary->stop;
done_testing();
