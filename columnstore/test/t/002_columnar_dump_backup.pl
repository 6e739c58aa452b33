# columnstore/test/t/002_columnar_dump_backup.pl
#	Columnar tables through pg_dump and pg_basebackup: a database holding
#	merged row groups, delta rows, deleted and updated rows and indexes is
#	dumped and restored (custom format with pg_restore, plain format with
#	psql) into new databases with the same rows, working indexes and the
#	columnar access method; a base backup taken while a merge is running,
#	started as a new node, holds the primary's committed rows.
#
#	Per-table options (epiphany.columnar_set_options) are dumped and restored
#	by table and column names, which still find the columns when a dropped
#	column shifted their attribute numbers; the restored rows were loaded by
#	COPY with them.  A dump that leaves a table out restores the others'
#	options.
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
  "SELECT count(*), count(DISTINCT id), md5(string_agg(t::text, ',' ORDER BY id)) FROM t";
# The same rows read through the secondary index only.
my $by_index =
  "SET enable_seqscan = off; SET enable_bitmapscan = off; "
  . "SELECT count(*), md5(string_agg(t::text, ',' ORDER BY id)) FROM t WHERE v >= ''";

my $node = PostgreSQL::Test::Cluster->new('primary');
$node->init(allows_streaming => 1);
$node->start;
$node->safe_psql('postgres', 'CREATE DATABASE src');
$node->safe_psql('src', 'CREATE EXTENSION epiphany_columnstore');
$node->safe_psql(
	'src', q{
	CREATE TABLE t (gone int, id int PRIMARY KEY, v text NOT NULL, n numeric) USING columnar;
	ALTER TABLE t DROP COLUMN gone;
	CREATE INDEX t_v ON t (v);
	SELECT epiphany.columnar_set_options('t', compression => 'lz4',
	                                     row_group_rows => 1000, chunk_rows => 100,
	                                     orderby => 'n');
	INSERT INTO t SELECT g, 'v' || g, g / 7.0 FROM generate_series(1, 5000) g;
	SELECT epiphany.columnar_merge('t');
	DELETE FROM t WHERE id % 9 = 0;
	UPDATE t SET v = v || '+', n = NULL WHERE id % 11 = 0;
	INSERT INTO t SELECT g, 'delta' || g, g FROM generate_series(5001, 5300) g;
	DELETE FROM t WHERE id BETWEEN 5100 AND 5110;
});
is( $node->safe_psql('src',
		"SELECT row_groups > 1, delta_rows > 0, deleted_rows > 0 FROM epiphany.columnar_stats('t')"),
	't|t|t',
	'the source table has row groups, delta rows and deleted rows');
my $source = $node->safe_psql('src', $fingerprint);
my $options =
  "SELECT compression, row_group_rows, chunk_rows, segmentby, orderby FROM epiphany.columnar_options WHERE relation = 't'::regclass";
is($node->safe_psql('src', $options), 'lz4|1000|100|{}|{n}', 'the source table has options');
is($node->safe_psql('src', $by_index), $node->safe_psql('src', 'SELECT count(*), md5(string_agg(t::text, \',\' ORDER BY id)) FROM t'),
	'the source index returns every row');

my $dumpdir = PostgreSQL::Test::Utils::tempdir;
$node->command_ok(
	[ 'pg_dump', '-Fc', '-d', $node->connstr('src'), '-f', "$dumpdir/src.dump" ],
	'pg_dump in custom format');
$node->command_ok(
	[ 'pg_dump', '-Fp', '-d', $node->connstr('src'), '-f', "$dumpdir/src.sql" ],
	'pg_dump in plain format');

$node->safe_psql('postgres', 'CREATE DATABASE dst_custom');
$node->command_ok(
	[ 'pg_restore', '--exit-on-error', '-d', $node->connstr('dst_custom'), "$dumpdir/src.dump" ],
	'pg_restore into a new database');
$node->safe_psql('postgres', 'CREATE DATABASE dst_plain');
$node->command_ok(
	[ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr('dst_plain'),
	  '-f', "$dumpdir/src.sql" ],
	'psql restores the plain dump');

for my $db ('dst_custom', 'dst_plain')
{
	is($node->safe_psql($db, $fingerprint), $source, "$db: the same rows");
	is($node->safe_psql($db, $options),
		$node->safe_psql('src', $options), "$db: the same options");
	is( $node->safe_psql($db,
			"SELECT row_groups >= 5, delta_rows FROM epiphany.columnar_stats('t')"),
		't|0', "$db: COPY loaded row groups of the table's size");
	is( $node->safe_psql($db,
			"SELECT amname FROM pg_class c JOIN pg_am a ON a.oid = c.relam WHERE c.relname = 't'"),
		'columnar', "$db: the restored table is columnar");
	like(
		$node->safe_psql($db,
			'SET enable_seqscan = off; SET enable_bitmapscan = off; EXPLAIN (COSTS OFF) SELECT * FROM t WHERE v >= \'\''),
		qr/Index Scan using t_v on t/,
		"$db: the secondary index is used");
	is($node->safe_psql($db, $by_index),
		$node->safe_psql('src', $by_index), "$db: the secondary index returns every row");
	is( $node->safe_psql($db,
			'SET enable_seqscan = off; SELECT v FROM t WHERE id = 5200'),
		'delta5200', "$db: the primary key finds a row");

	# The restored rows merge into row groups and stay the same.
	$node->safe_psql($db, "SELECT epiphany.columnar_merge('t')");
	is($node->safe_psql($db, $fingerprint), $source, "$db: the same rows after a merge");
	is($node->safe_psql($db, $by_index),
		$node->safe_psql('src', $by_index), "$db: the index agrees after a merge");
	is( $node->safe_psql($db,
			"SELECT delta_rows, rows FROM epiphany.columnar_stats('t')"),
		'0|' . (split /\|/, $source)[0],
		"$db: every row is in row groups");
}

# A dump that leaves a table out (pg_dump -T) still carries that table's
# options row; the restore skips it and keeps the other table's options.
$node->safe_psql(
	'src', q{
	CREATE TABLE left_out (x int) USING columnar;
	SELECT epiphany.columnar_set_options('left_out', compression => 'none');
});
$node->command_ok(
	[ 'pg_dump', '-Fp', '-T', 'left_out', '-d', $node->connstr('src'), '-f',
	  "$dumpdir/partial.sql" ],
	'pg_dump leaving a columnar table out');
$node->safe_psql('postgres', 'CREATE DATABASE dst_partial');
$node->command_ok(
	[ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr('dst_partial'),
	  '-f', "$dumpdir/partial.sql" ],
	'psql restores the partial dump without an error');
is($node->safe_psql('dst_partial', $options),
	$node->safe_psql('src', $options), 'the restored table keeps its options');
is($node->safe_psql('dst_partial', 'SELECT count(*) FROM _epiphany_columnar.options'),
	'1', 'the left-out table\'s options row was skipped');
is($node->safe_psql('dst_partial', $fingerprint), $source, 'and the rows are there');

# A base backup taken while a merge is running (its transaction open, its
# row groups and index entries written): the restored node has exactly the
# committed rows, in the delta store, and can merge them.
$node->safe_psql('src',
	"INSERT INTO t SELECT g, 'late' || g, g FROM generate_series(6001, 9000) g");
my $committed = $node->safe_psql('src', $fingerprint);
my $merge = $node->background_psql('src');
$merge->query_safe('BEGIN');
$merge->query_safe("SELECT epiphany.columnar_merge('t')");
$node->backup('during_merge');
$merge->query_safe('COMMIT');
$merge->quit;
is($node->safe_psql('src', $fingerprint), $committed, 'the merge kept every row');
is( $node->safe_psql('src', "SELECT delta_rows FROM epiphany.columnar_stats('t')"),
	'0', 'the merge committed on the primary');

my $restored = PostgreSQL::Test::Cluster->new('restored');
$restored->init_from_backup($node, 'during_merge');
$restored->start;
is($restored->safe_psql('src', $fingerprint), $committed,
	'the restored node has the committed rows');
is($restored->safe_psql('src', $by_index), $node->safe_psql('src', $by_index),
	'the restored node\'s index returns the same rows');
is( $restored->safe_psql('src',
		"SELECT delta_rows > 3000 FROM epiphany.columnar_stats('t')"),
	't', 'the running merge is not in the backup: the rows are in the delta store');
$restored->safe_psql('src', "SELECT epiphany.columnar_merge('t')");
is($restored->safe_psql('src', $fingerprint), $committed,
	'the restored node merges and keeps every row');
is($restored->safe_psql('src', $by_index), $node->safe_psql('src', $by_index),
	'the restored node\'s index agrees after its merge');

$restored->stop;
$node->stop;
done_testing();
