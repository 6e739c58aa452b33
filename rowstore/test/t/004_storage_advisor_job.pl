# rowstore/test/t/004_storage_advisor_job.pl
#	The storage advisor's daily job run by the time store's scheduler, as
#	a role that is not a superuser: with epiphany.auto_apply_advice on and
#	the maintenance window open (postgresql.conf, reloaded), the scheduler
#	runs the job, which moves the role's append-only scanned table to the
#	column store and its much-updated columnar table to the row store, keeps
#	their rows, and leaves alone a table of another owner.  Synchronized by
#	polling the catalog, never by sleeping.  Then a site's threshold goes
#	through pg_dump and pg_restore.
#
# Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('advisor');
$node->init;
$node->start;
$node->safe_psql('postgres', 'CREATE DATABASE epiphany');
$node->safe_psql('epiphany', 'CREATE EXTENSION epiphany CASCADE');
$node->safe_psql('epiphany',
	'CREATE ROLE app LOGIN; GRANT CREATE ON SCHEMA public TO app');

sub app_psql
{
	my ($sql) = @_;
	return $node->safe_psql('epiphany', "SET ROLE app; $sql");
}

# The workload, as the role "app": events appended once and scanned 180
# times; accounts columnar, one row in three updated.  The superuser's
# table has the same workload as events.
my $append_and_scan = join(
	"\n",
	"INSERT INTO %1\$s SELECT g, g %% 20, (g %% 100) / 10.0 FROM generate_series(1, 20000) g;",
	"DO \$\$ BEGIN FOR i IN 1..180 LOOP PERFORM count(*), sum(reading) FROM %1\$s; END LOOP; END \$\$;");
app_psql('CREATE TABLE events (id bigint PRIMARY KEY, device int, reading float8)');
app_psql(sprintf($append_and_scan, 'events'));
app_psql(
	'CREATE TABLE accounts (id int PRIMARY KEY, balance numeric NOT NULL) USING columnar;'
	  . 'INSERT INTO accounts SELECT g, 100 FROM generate_series(1, 12000) g;'
	  . "SELECT epiphany.columnar_merge('accounts');"
	  . 'UPDATE accounts SET balance = balance + 1 WHERE id % 3 = 0;');
$node->safe_psql('epiphany',
	'CREATE TABLE admin_events (id bigint PRIMARY KEY, device int, reading float8)');
$node->safe_psql('epiphany', sprintf($append_and_scan, 'admin_events'));
$node->safe_psql('epiphany', 'SELECT pg_stat_force_next_flush()');
my $contents =
  "SELECT (SELECT count(*) || ' ' || sum(reading::numeric) FROM events), "
  . "(SELECT count(*) || ' ' || sum(balance) FROM accounts)";
my $before = app_psql($contents);

# Auto-apply on, the window open from an hour ago to an hour from now, in
# the server's time zone.
my $window = $node->safe_psql('epiphany',
	"SELECT to_char(localtime - interval '1 hour', 'HH24:MI') || ' ' || "
	  . "to_char(localtime + interval '1 hour', 'HH24:MI')");
my ($opens, $closes) = split(/ /, $window);
$node->append_conf(
	'postgresql.conf', qq(
epiphany.auto_apply_advice = on
epiphany.maintenance_window_start = '$opens'
epiphany.maintenance_window_end = '$closes'
));
$node->reload;
$node->poll_query_until('epiphany', 'SELECT epiphany.in_maintenance_window()')
  or die 'the window did not open';

# The role registers the job, due at once; the scheduler runs it.
my $job = app_psql('SELECT epiphany.schedule_storage_advisor(initial_start => now())');
like($job, qr/^\d+$/, 'the job is registered');
is( $node->safe_psql('epiphany',
		"SELECT owner FROM timescaledb_information.jobs WHERE job_id = $job"),
	'app',
	'the job runs as the role that registered it');
$node->poll_query_until('epiphany',
	"SELECT count(*) = 2 FROM epiphany.storage_advice WHERE applied_at IS NOT NULL")
  or die 'the job did not apply the advice';

is( $node->safe_psql(
		'epiphany',
		"SELECT string_agg(relation || ':' || current_storage || '->' || recommended_storage, ',' "
		  . 'ORDER BY relation) FROM epiphany.storage_advice'),
	'public.accounts:column->row,public.events:row->column',
	"the advice covers the role's tables only, in both directions");
is( $node->safe_psql(
		'epiphany',
		"SELECT string_agg(c.relname || ':' || a.amname, ',' ORDER BY c.relname) "
		  . 'FROM pg_class c JOIN pg_am a ON a.oid = c.relam '
		  . "WHERE c.relname IN ('events', 'accounts', 'admin_events')"),
	'accounts:heap,admin_events:heap,events:columnar',
	"both of the role's tables were converted, the other owner's was not");
is(app_psql($contents), $before,
	'the converted tables keep their rows');
$node->poll_query_until('epiphany',
	"SELECT last_run_status = 'Success' FROM timescaledb_information.job_stats WHERE job_id = $job"
) or die 'the run was not recorded as a success';
pass('the scheduler records the run as a success');

# A site's threshold survives pg_dump and pg_restore, beside the defaults
# that CREATE EXTENSION installs in the new database.
$node->safe_psql('epiphany',
	"SELECT epiphany.set_storage_advisor_threshold('min_rows', 50000)");
my $dumpdir = PostgreSQL::Test::Utils::tempdir;
$node->command_ok(
	[ 'pg_dump', '-Fc', '-d', $node->connstr('epiphany'), '-f', "$dumpdir/epiphany.dump" ],
	'pg_dump of the database');
$node->safe_psql('postgres', 'CREATE DATABASE restored');
$node->command_ok(
	[ 'pg_restore', '--exit-on-error', '-d', $node->connstr('restored'),
	  "$dumpdir/epiphany.dump" ],
	'pg_restore into a new database');
is( $node->safe_psql('restored',
		'SELECT name, value, default_value FROM epiphany.storage_advisor_thresholds '
		  . 'WHERE value <> default_value'),
	'min_rows|50000|10000',
	'the restored database has the site threshold over the shipped default');
is($node->safe_psql('restored', 'SELECT count(*) FROM epiphany.storage_advisor_thresholds'),
	'8', 'and every threshold once');

$node->stop;
done_testing();
