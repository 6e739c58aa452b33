# timestore/test/t/002_hypertables.pl
#	Hypertables across crashes, standbys and dumps: a crash (immediate stop)
#	while a transaction that created a chunk, or dropped chunks, is open
#	leaves no orphan chunk and loses no row; a streaming standby replays
#	chunk creation and answers queries on the hypertable; pg_dump and a
#	restore into another database keep the hypertable, its chunks, rows,
#	catalog and retention policy, and the restored hypertable keeps routing
#	rows, creating chunks and dropping with DROP TABLE.
#
# Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $primary = PostgreSQL::Test::Cluster->new('primary');
$primary->init(allows_streaming => 1);
$primary->start;
$primary->safe_psql(
	'postgres', q{
CREATE EXTENSION epiphany_timestore;
CREATE TABLE metrics (time timestamptz NOT NULL, device int, value float8,
                      PRIMARY KEY (device, time));
SELECT create_hypertable('metrics', 'time', chunk_time_interval => interval '1 day');
INSERT INTO metrics SELECT timestamptz '2024-01-01' + i * interval '1 hour', i % 5, i
  FROM generate_series(0, 71) i;
});
is($primary->safe_psql('postgres', 'SELECT count(*) FROM show_chunks(\'metrics\')'),
	'3', 'three daily chunks');

# Runs sql in a session that stays in its open transaction until the server
# goes down.
sub start_open_transaction
{
	my ($node, $sql) = @_;
	my $session = $node->background_psql('postgres');
	$session->query_safe('BEGIN');
	$session->query_safe($sql);
	return $session;
}

# A crash while a new chunk is uncommitted: no table, no catalog row.
my $chunks_before = $primary->safe_psql('postgres',
	'SELECT count(*) FROM pg_class WHERE relnamespace = \'_epiphany_chunks\'::regnamespace');
my $open = start_open_transaction($primary,
	"INSERT INTO metrics VALUES ('2024-02-01', 1, 1);");
$primary->stop('immediate');
eval { $open->quit };
$primary->start;
is( $primary->safe_psql('postgres',
		'SELECT count(*) FROM pg_class WHERE relnamespace = \'_epiphany_chunks\'::regnamespace'),
	$chunks_before,
	'a crash during chunk creation leaves no chunk table');
is($primary->safe_psql('postgres', 'SELECT count(*) FROM _epiphany_timestore.chunk'),
	'3', 'nor a catalog row');
$primary->safe_psql('postgres', "INSERT INTO metrics VALUES ('2024-02-01', 1, 1)");
is($primary->safe_psql('postgres', 'SELECT count(*) FROM show_chunks(\'metrics\')'),
	'4', 'the range gets its chunk afterwards');

# A crash while drop_chunks is uncommitted: every chunk and row is there.
$open = start_open_transaction($primary,
	"SELECT drop_chunks('metrics', older_than => '2024-01-03'::timestamptz);");
$primary->stop('immediate');
eval { $open->quit };
$primary->start;
is($primary->safe_psql('postgres', 'SELECT count(*) FROM metrics'),
	'73', 'a crash during drop_chunks loses no row');
is($primary->safe_psql('postgres', 'SELECT count(*) FROM show_chunks(\'metrics\')'),
	'4', 'and keeps every chunk');

# A standby replays chunk creation and answers queries.
$primary->backup('backup');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'backup', has_streaming => 1);
$standby->start;
$primary->safe_psql('postgres',
	"INSERT INTO metrics SELECT timestamptz '2024-03-01' + i * interval '1 day', 2, i FROM generate_series(0, 9) i");
$primary->wait_for_catchup($standby);
is($standby->safe_psql('postgres', 'SELECT count(*) FROM show_chunks(\'metrics\')'),
	'14', 'the standby has the new chunks');
is( $standby->safe_psql('postgres',
		"SELECT count(*) FROM metrics WHERE time >= '2024-03-01' AND time < '2024-03-05'"),
	'4', 'and answers a query on a time range');
is( $standby->safe_psql('postgres',
		"SELECT count(*) FROM metrics WHERE time > now() - interval '1 day'"),
	'0', 'and one bounded by now()');
$standby->stop;

# pg_dump and restore into another database, with a space-partitioned
# hypertable too.
$primary->safe_psql('postgres',
	"SELECT add_retention_policy('metrics', interval '5 years')");
$primary->safe_psql(
	'postgres', q{
CREATE TABLE spaced (time timestamptz NOT NULL, device text, value int);
SELECT create_hypertable('spaced', by_range('time', interval '1 day'));
SELECT add_dimension('spaced', by_hash('device', 3));
INSERT INTO spaced SELECT timestamptz '2024-01-01' + i * interval '1 hour', 'd' || (i % 7), i
  FROM generate_series(0, 47) i;
});
my $dump = $primary->basedir . '/metrics.sql';
$primary->command_ok([ 'pg_dump', '-d', 'postgres', '-f', $dump ],
	'pg_dump of a database with a hypertable');
$primary->safe_psql('postgres', 'CREATE DATABASE restored');
$primary->command_ok(
	[ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', 'restored', '-f', $dump ],
	'the dump restores');
my $summary = q{
	SELECT (SELECT count(*) FROM metrics) || '/' || (SELECT sum(value) FROM metrics)
	    || '/' || (SELECT count(*) FROM show_chunks('metrics'))
	    || '/' || (SELECT string_agg(range_start || '-' || range_end, ',' ORDER BY range_start)
	                 FROM timescaledb_information.chunks)
	    || '/' || (SELECT count(*) FROM timescaledb_information.jobs
	                WHERE hypertable_name = 'metrics' AND proc_name = 'policy_retention')};
is($primary->safe_psql('restored', $summary),
	$primary->safe_psql('postgres', $summary),
	'the restored hypertable has the same rows, chunks and policy');
my $spaced = q{
	SELECT count(*) || '/' || sum(value) || '/' || count(DISTINCT tableoid)
	    || '/' || (SELECT hash_column || hash_partitions FROM _epiphany_timestore.hypertable
	                WHERE relid = 'spaced'::regclass)
	  FROM spaced};
is($primary->safe_psql('restored', $spaced),
	$primary->safe_psql('postgres', $spaced),
	'the restored space-partitioned hypertable has the same rows, chunks and dimension');
$primary->safe_psql('restored',
	"INSERT INTO spaced SELECT '2024-01-02 00:30', 'd' || i, 0 FROM generate_series(0, 20) i");
is( $primary->safe_psql('restored',
		"SELECT count(*) FROM spaced r JOIN _epiphany_timestore.chunk k ON k.relid = r.tableoid
		  WHERE k.hash_slice <> _epiphany_timestore.partition_hash(r.device)::bigint * 3 / 2147483648"),
	'0', 'and routes new rows to the chunks of their slices');
$primary->safe_psql('restored',
	"INSERT INTO metrics VALUES ('2024-01-01 00:30', 9, 1), ('2025-01-01', 9, 1)");
is( $primary->safe_psql('restored',
		"SELECT count(*) FROM metrics WHERE device = 9 AND tableoid::regclass::text LIKE '_epiphany_chunks.%'"),
	'2', 'the restored hypertable routes rows into old and new chunks');
is( $primary->safe_psql('restored',
		"INSERT INTO metrics VALUES ('2024-01-01 00:30', 9, 2) ON CONFLICT (device, time) DO UPDATE SET value = excluded.value RETURNING value"),
	'2', 'upserts keep working on restored chunks');
$primary->safe_psql('restored', 'DROP TABLE metrics, spaced');
is( $primary->safe_psql('restored',
		"SELECT count(*) FROM pg_class WHERE relnamespace = '_epiphany_chunks'::regnamespace"),
	'0', 'DROP TABLE of the restored hypertables drops their chunks');

$primary->stop;
done_testing();
