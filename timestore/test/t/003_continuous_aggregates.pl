# timestore/test/t/003_continuous_aggregates.pl
#	Continuous aggregates across crashes, standbys and the scheduler: a
#	crash (immediate stop) in the middle of a refresh, in a transaction
#	block or after it switched late-row tables, leaves the last committed
#	materialization and every late row, so the next refresh makes the
#	view equal to the plain query again, as do random changes
#	with restarts between them; a streaming standby
#	replays the materialization and answers queries on both kinds of view;
#	a refresh policy run by the job scheduler keeps the view up to date;
#	pg_dump and a restore keep the aggregate working, and DROP removes it.
#
# Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $primary = PostgreSQL::Test::Cluster->new('primary');
$primary->init(allows_streaming => 1);
$primary->append_conf('postgresql.conf', 'epiphany.timeseries_scheduler = on');
$primary->start;
$primary->safe_psql(
	'postgres', q{
CREATE EXTENSION epiphany_timestore;
CREATE TABLE metrics (time timestamptz NOT NULL, device int, value int);
SELECT create_hypertable('metrics', 'time', chunk_time_interval => interval '1 day');
INSERT INTO metrics SELECT timestamptz '2024-01-01' + i * interval '1 minute', i % 5, i % 97
  FROM generate_series(0, 4 * 1440 - 1) i;
CREATE MATERIALIZED VIEW metrics_hourly
  WITH (timescaledb.continuous, timescaledb.materialized_only = true) AS
SELECT time_bucket('1 hour', time) AS bucket, device, sum(value) AS total, count(*) AS n
  FROM metrics GROUP BY 1, 2;
CREATE VIEW metrics_expected AS
SELECT time_bucket('1 hour', time) AS bucket, device, sum(value) AS total, count(*) AS n
  FROM metrics GROUP BY 1, 2;
});

my $differences = q{
SELECT count(*) FROM ((SELECT * FROM metrics_hourly EXCEPT ALL SELECT * FROM metrics_expected)
            UNION ALL (SELECT * FROM metrics_expected EXCEPT ALL SELECT * FROM metrics_hourly)) d};
is($primary->safe_psql('postgres', $differences), '0', 'created with its data');

# Late rows over every day, committed and logged; then a refresh that
# crashes before its commit.
$primary->safe_psql('postgres',
	"INSERT INTO metrics SELECT timestamptz '2024-01-01 00:30' + i * interval '7 hours', 1, 1000"
	  . " FROM generate_series(0, 12) i");
isnt($primary->safe_psql('postgres', $differences), '0', 'late rows make it stale');
my $session = $primary->background_psql('postgres');
$session->query_safe('BEGIN');
$session->query_safe("CALL refresh_continuous_aggregate('metrics_hourly', NULL, NULL)");
$primary->stop('immediate');
eval { $session->quit };
$primary->start;
isnt($primary->safe_psql('postgres', $differences),
	'0', 'the crashed refresh left nothing behind');
is( $primary->safe_psql('postgres',
		'SELECT EXISTS (SELECT FROM _epiphany_timestore.hypertable_invalidation_log)'
		  . ' OR EXISTS (SELECT FROM _epiphany_caggs._late_rows_1)'),
	't', 'and kept the late rows to merge');
$primary->safe_psql('postgres', "CALL refresh_continuous_aggregate('metrics_hourly', NULL, NULL)");
is($primary->safe_psql('postgres', $differences), '0', 'the next refresh repairs the view');

# A refresh CALLed outside a transaction block commits the switch of the
# late-row table writers copy into, then crashes while it merges (held up
# by a lock on the materialization): the rows it was draining stay, and
# the next refresh merges both tables.
$primary->safe_psql('postgres',
	"INSERT INTO metrics SELECT timestamptz '2024-01-01 01:40' + i * interval '5 hours', 2, 500"
	  . " FROM generate_series(0, 15) i");
my $active_table =
  'SELECT late_rows_active FROM _epiphany_timestore.continuous_agg';
my $active_before = $primary->safe_psql('postgres', $active_table);
my $blocker = $primary->background_psql('postgres');
$blocker->query_safe('BEGIN');
$blocker->query_safe(
	'LOCK _epiphany_caggs._materialized_hypertable_1 IN ACCESS EXCLUSIVE MODE');
my $refresher = $primary->background_psql('postgres');
$refresher->query_until(qr/started/,
	"\\echo started\nCALL refresh_continuous_aggregate('metrics_hourly', NULL, NULL);\n");
$primary->poll_query_until('postgres',
	"SELECT EXISTS (SELECT FROM pg_locks WHERE NOT granted AND relation ="
	  . " '_epiphany_caggs._materialized_hypertable_1'::regclass)")
  or die 'the refresh never waited for the materialization';
isnt($primary->safe_psql('postgres', $active_table),
	$active_before, 'the refresh switched the late-row table before merging');
$primary->stop('immediate');
eval { $blocker->quit };
eval { $refresher->quit };
$primary->start;
is($primary->safe_psql('postgres', 'SELECT count(*) FROM _epiphany_caggs._late_rows_1'),
	'16', 'the crashed merge left its late rows');
$primary->safe_psql('postgres', "CALL refresh_continuous_aggregate('metrics_hourly', NULL, NULL)");
is($primary->safe_psql('postgres', $differences), '0', 'the next refresh merges them');
is($primary->safe_psql('postgres', 'SELECT count(*) FROM _epiphany_caggs._late_rows_1'),
	'0', 'and empties both tables');

# Random changes (a new draw each run) with restarts in between (immediate
# stops, so nothing is flushed at shutdown): after each restart and
# refresh, the view, in both modes, equals the plain query.
for my $round (1 .. 4)
{
	$primary->safe_psql(
		'postgres', q{
INSERT INTO metrics SELECT timestamptz '2024-01-01' + random() * interval '5 days', (random() * 4)::int,
       (random() * 100)::int FROM generate_series(1, 300);
UPDATE metrics SET value = value + 1 WHERE time < timestamptz '2024-01-01' + random() * interval '4 days'
   AND device = (random() * 4)::int;
DELETE FROM metrics WHERE time BETWEEN timestamptz '2024-01-02' + random() * interval '2 days'
   AND timestamptz '2024-01-02' + random() * interval '2 days' + interval '30 minutes';
});
	$primary->stop('immediate');
	$primary->start;
	$primary->safe_psql('postgres',
		"CALL refresh_continuous_aggregate('metrics_hourly', NULL, NULL)");
	my $modes = '';
	for my $only ('true', 'false')
	{
		$primary->safe_psql('postgres',
			"ALTER MATERIALIZED VIEW metrics_hourly SET (timescaledb.materialized_only = $only)");
		$modes .= $primary->safe_psql('postgres', $differences);
	}
	is($modes, '00', "round $round: the view matches after a restart and a refresh");
}
$primary->safe_psql('postgres',
	'ALTER MATERIALIZED VIEW metrics_hourly SET (timescaledb.materialized_only = true)');

# A standby replays the materialization; both modes of the view answer.
$primary->backup('backup');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'backup', has_streaming => 1);
$standby->start;
$primary->safe_psql('postgres',
	"INSERT INTO metrics VALUES ('2024-01-02 05:10', 2, 5000), ('2024-01-06 00:10', 3, 7);"
	  . " CALL refresh_continuous_aggregate('metrics_hourly', NULL, '2024-01-05');"
	  . " ALTER MATERIALIZED VIEW metrics_hourly SET (timescaledb.materialized_only = false);");
$primary->wait_for_catchup($standby);
is($standby->safe_psql('postgres', $differences), '0', 'the standby reads the refreshed view');
is( $standby->safe_psql('postgres',
		"SELECT total FROM metrics_hourly WHERE bucket = '2024-01-06 00:00+00' AND device = 3"),
	'7', 'and its real-time part');

# The scheduler runs a refresh policy.
$primary->safe_psql('postgres',
	"INSERT INTO metrics VALUES ('2024-01-03 07:20', 4, 9000);"
	  . " SELECT add_continuous_aggregate_policy('metrics_hourly', NULL, NULL, interval '1 second');"
	  . " ALTER MATERIALIZED VIEW metrics_hourly SET (timescaledb.materialized_only = true);");
ok( $primary->poll_query_until(
		'postgres',
		"SELECT total_successes > 0 FROM timescaledb_information.job_stats"
		  . " WHERE hypertable_name LIKE '_materialized_hypertable_%'"),
	'the policy ran');
is($primary->safe_psql('postgres', $differences), '0', 'and refreshed the view');

# pg_dump and a plain restore keep the aggregate: its rows, refreshes (late
# rows merged, an update recomputed), and DROP removing every part.
my $dump = $primary->basedir . '/cagg.sql';
$primary->command_ok([ 'pg_dump', '-d', 'postgres', '-f', $dump ],
	'pg_dump of a database with a continuous aggregate');
$primary->safe_psql('postgres', 'CREATE DATABASE restored');
$primary->command_ok(
	[ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', 'restored', '-f', $dump ],
	'restore');
is($primary->safe_psql('restored', $differences), '0', 'the restored view matches');
$primary->safe_psql('restored',
	"INSERT INTO metrics VALUES ('2024-01-02 07:10', 1, 777);"
	  . " UPDATE metrics SET value = 0 WHERE time = '2024-01-03 00:00';"
	  . " CALL refresh_continuous_aggregate('metrics_hourly', NULL, NULL);");
is($primary->safe_psql('restored', $differences), '0', 'and refreshes');
$primary->safe_psql('restored', 'DROP MATERIALIZED VIEW metrics_hourly');
is( $primary->safe_psql('restored',
		"SELECT (SELECT count(*) FROM pg_class WHERE relnamespace = '_epiphany_caggs'::regnamespace)"
		  . " + (SELECT count(*) FROM _epiphany_timestore.continuous_agg)"
		  . " + (SELECT count(*) FROM pg_trigger WHERE tgname LIKE '_epiphany_cagg%')"),
	'0', 'DROP removes every part of the restored aggregate');

$standby->stop;
$primary->stop;
done_testing();
