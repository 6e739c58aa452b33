# timestore/test/t/001_jobs.pl
#	The job scheduler end to end: a healthy job runs every second; a failing
#	job records its failures and is retried with doubling delays while the
#	healthy one keeps running; max_runtime cancels a job that runs too long;
#	job_errors and job_history list runs; a crash during a job leaves no
#	half state and the job runs again; job workers run procedures that
#	COMMIT, as the job's owner (one that cannot log in too), and several
#	jobs at once;
#	a killed scheduler is restarted by the launcher; DROP DATABASE stops a
#	database's scheduler; pg_dump keeps jobs; epiphany.timeseries_scheduler
#	switches scheduling off and on; jobs survive a restart;
#	a streaming standby runs no scheduler, and once promoted runs the jobs.
#
# Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $schedulers =
  "SELECT count(*) FROM pg_stat_activity "
  . "WHERE backend_type = 'epiphany_timestore scheduler'";

my $primary = PostgreSQL::Test::Cluster->new('primary');
$primary->init(allows_streaming => 1);
$primary->start;

$primary->safe_psql(
	'postgres', q{
CREATE EXTENSION epiphany_timestore;
CREATE TABLE ticks (job_id integer, at timestamptz DEFAULT clock_timestamp());
CREATE PROCEDURE tick(job_id integer, config jsonb) LANGUAGE sql
    AS $$ INSERT INTO ticks (job_id) VALUES (job_id) $$;
CREATE PROCEDURE broken(job_id integer, config jsonb) LANGUAGE plpgsql
    AS $$ BEGIN RAISE EXCEPTION 'broken on purpose'; END $$;
CREATE PROCEDURE slow(job_id integer, config jsonb) LANGUAGE sql
    AS $$ SELECT pg_sleep(60) $$;
});

# A healthy job every second.
my $healthy = $primary->safe_psql('postgres', "SELECT add_job('tick', '1 second')");
$primary->poll_query_until('postgres',
	"SELECT count(*) >= 2 FROM ticks WHERE job_id = $healthy")
  or die 'the healthy job did not run twice';
pass('a job with a 1-second schedule runs repeatedly');

# A failing job, retried after 1 s, 2 s, 4 s, then every 5 s (5 schedule
# intervals): next_start is always the last start or finish plus the delay
# for the failures so far (the start of a run already counts it).
my $failing = $primary->safe_psql('postgres',
	"SELECT job_id FROM alter_job(add_job('broken', '1 second'), retry_period => '1 second')"
);
my $stat = "_epiphany_timestore.bgw_job_stat WHERE job_id = $failing";
$primary->poll_query_until('postgres',
	"SELECT consecutive_failures >= 3 AND last_finish >= last_start FROM $stat")
  or die 'the failing job did not fail three times';
is( $primary->safe_psql(
		'postgres', qq{
SELECT total_successes, total_failures = consecutive_failures, last_error,
       last_error_sqlstate,
       next_start - greatest(last_start, last_finish)
         = least(interval '1 second' * 2 ^ (consecutive_failures - 1), interval '5 seconds')
  FROM $stat}),
	"0|t|broken on purpose|P0001|t",
	'failures are recorded and retried after doubling delays');
is( $primary->safe_psql(
		'postgres',
		"SELECT last_run_status FROM timescaledb_information.job_stats WHERE job_id = $failing"
	),
	'Failed',
	'job_stats shows the failure');
is( $primary->safe_psql(
		'postgres', qq{
SELECT count(*) >= 3, bool_and(err_message = 'broken on purpose' AND sqlerrcode = 'P0001'
                               AND proc_name = 'broken' AND start_time <= finish_time
                               AND pid <> pg_backend_pid())
  FROM timescaledb_information.job_errors WHERE job_id = $failing}),
	't|t',
	'job_errors lists each failed run');
is( $primary->safe_psql('postgres',
		"SELECT count(*) FROM timescaledb_information.job_history WHERE job_id = $healthy"),
	'0',
	'successful runs are not logged by default');
$primary->append_conf('postgresql.conf', 'epiphany.timeseries_job_execution_logging = on');
$primary->reload;
$primary->poll_query_until('postgres',
	"SELECT count(*) >= 2 FROM timescaledb_information.job_history WHERE job_id = $healthy AND succeeded")
  or die 'successful runs were not logged';
pass('with epiphany.timeseries_job_execution_logging, job_history has successful runs');
$primary->append_conf('postgresql.conf', 'epiphany.timeseries_job_execution_logging = off');
$primary->reload;

my $ticks = $primary->safe_psql('postgres',
	"SELECT count(*) FROM ticks WHERE job_id = $healthy");
$primary->poll_query_until('postgres',
	"SELECT count(*) > $ticks + 1 FROM ticks WHERE job_id = $healthy")
  or die 'the healthy job stopped';
pass('the healthy job keeps running beside the failing one');

# max_runtime cancels a run that takes too long; it is recorded as failed.
my $slow = $primary->safe_psql('postgres',
	"SELECT job_id FROM alter_job(add_job('slow', '1 hour'), max_runtime => '500 ms')");
$primary->poll_query_until('postgres',
	"SELECT last_finish >= last_start FROM _epiphany_timestore.bgw_job_stat WHERE job_id = $slow"
) or die 'the slow job was not stopped';
is( $primary->safe_psql(
		'postgres',
		"SELECT last_error, last_error_sqlstate FROM _epiphany_timestore.bgw_job_stat WHERE job_id = $slow"
	),
	'canceling statement due to statement timeout|57014',
	'max_runtime cancels the job');

# Each run is a job worker connected as the job's owner: a procedure may
# COMMIT; what it committed before an error stays, and the error is
# recorded.
$primary->safe_psql(
	'postgres', q{
CREATE ROLE job_login LOGIN;
CREATE ROLE job_nologin NOLOGIN;
CREATE TABLE batches (n int, by name DEFAULT current_user,
                      at timestamptz DEFAULT clock_timestamp());
GRANT INSERT, SELECT ON batches TO job_login, job_nologin;
CREATE PROCEDURE batched(job_id integer, config jsonb) LANGUAGE plpgsql AS $$
BEGIN
    FOR i IN 1..3 LOOP
        INSERT INTO batches (n) VALUES (i);
        COMMIT;
    END LOOP;
END $$;
CREATE PROCEDURE half_done(job_id integer, config jsonb) LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO batches (n) VALUES (100);
    COMMIT;
    INSERT INTO batches (n) VALUES (101);
    RAISE EXCEPTION 'failed after a commit';
END $$;
CREATE PROCEDURE record_user(job_id integer, config jsonb) LANGUAGE sql
    AS $$ INSERT INTO batches (n) VALUES (200) $$;
CREATE PROCEDURE nap(job_id integer, config jsonb) LANGUAGE sql
    AS $$ INSERT INTO batches (n) VALUES (300 + job_id % 2);
          SELECT pg_sleep(3);
          INSERT INTO batches (n) VALUES (310 + job_id % 2) $$;
});
my $new_jobs = $primary->safe_psql(
	'postgres', q{
SET ROLE job_login;
SELECT add_job('batched', '1 hour');
RESET ROLE;
SELECT add_job('half_done', '1 hour');
SET ROLE job_nologin;
SELECT add_job('record_user', '1 hour');
RESET ROLE;
SELECT add_job('nap', '1 hour');
SELECT add_job('nap', '1 hour');
});
my ($batched, $half_done, $record_user, $nap1, $nap2) = split /
/, $new_jobs;
my $done = sub {
	my ($job) = @_;
	return "SELECT last_finish >= last_start FROM _epiphany_timestore.bgw_job_stat WHERE job_id = $job";
};
$primary->poll_query_until('postgres', $done->($_))
  or die "job $_ did not run" foreach ($batched, $half_done, $record_user, $nap1, $nap2);
is( $primary->safe_psql(
		'postgres', qq{
SELECT (SELECT string_agg(n || ':' || by, ',' ORDER BY n) FROM batches WHERE n < 100),
       (SELECT last_run_status FROM timescaledb_information.job_stats WHERE job_id = $batched)}),
	'1:job_login,2:job_login,3:job_login|Success',
	'a job procedure commits batches, as its owner');
is( $primary->safe_psql(
		'postgres', qq{
SELECT (SELECT string_agg(n::text, ',' ORDER BY n) FROM batches WHERE n BETWEEN 100 AND 199),
       last_error FROM _epiphany_timestore.bgw_job_stat WHERE job_id = $half_done}),
	'100|failed after a commit',
	'what a failing job committed stays, and its error is recorded');
is( $primary->safe_psql('postgres', q{SELECT string_agg(by::text, ',') FROM batches WHERE n = 200}),
	'job_nologin',
	'the job of an owner who cannot log in runs as that owner');
is( $primary->safe_psql(
		'postgres', q{
SELECT count(*) FROM batches s1 JOIN batches s2 ON s2.n = 301 AND s1.n = 300
  JOIN batches e1 ON e1.n = 310 JOIN batches e2 ON e2.n = 311
 WHERE s1.at < e2.at AND s2.at < e1.at}),
	'1',
	'two jobs run at the same time');
$primary->safe_psql('postgres',
	"SELECT delete_job(j) FROM unnest(ARRAY[$batched, $half_done, $record_user, $nap1, $nap2]) j");

# A crash while a job runs: its uncommitted work is gone, the run counts
# as failed with the start mark's message, and the job runs again.
$primary->safe_psql(
	'postgres', q{
CREATE TABLE crash_log (n int);
CREATE PROCEDURE crashy(job_id integer, config jsonb) LANGUAGE sql
    AS $$ INSERT INTO crash_log VALUES (1); SELECT pg_sleep(60) $$;
});
my $crashy = $primary->safe_psql('postgres',
	"SELECT job_id FROM alter_job(add_job('crashy', '1 hour'), retry_period => '1 second')");
my $crashy_running =
  "SELECT count(*) = 1 FROM pg_stat_activity WHERE application_name = 'User-Defined Action [$crashy]' AND state = 'active'";
$primary->poll_query_until('postgres', $crashy_running)
  or die 'the job did not start';
$primary->stop('immediate');
$primary->start;
is( $primary->safe_psql(
		'postgres',
		"SELECT (SELECT count(*) FROM crash_log), last_error FROM _epiphany_timestore.bgw_job_stat WHERE job_id = $crashy"
	),
	'0|job did not finish: its process stopped during the run',
	'a crash during a job leaves none of its uncommitted work and counts the run as failed');
$primary->poll_query_until('postgres', $crashy_running)
  or die 'the job did not run again after the crash';
pass('the job runs again after the crash');
$primary->safe_psql('postgres',
	"SELECT delete_job($crashy), pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'User-Defined Action [$crashy]'");

# A scheduler that dies is started again by the launcher.
my $old_pid = $primary->safe_psql('postgres',
	"SELECT pid FROM pg_stat_activity WHERE backend_type = 'epiphany_timestore scheduler'"
);
$primary->safe_psql('postgres', "SELECT pg_terminate_backend($old_pid)");
$primary->poll_query_until('postgres',
	"$schedulers AND pid <> $old_pid AND datname = 'postgres'", '1')
  or die 'the scheduler was not restarted';
$ticks = $primary->safe_psql('postgres', "SELECT count(*) FROM ticks WHERE job_id = $healthy");
$primary->poll_query_until('postgres',
	"SELECT count(*) > $ticks + 1 FROM ticks WHERE job_id = $healthy")
  or die 'jobs did not run after the scheduler restarted';
pass('the launcher restarts a terminated scheduler');

# A database with a scheduler can still be dropped: DROP DATABASE stops
# its scheduler first instead of failing on the extra connection.
$primary->safe_psql('postgres', 'CREATE DATABASE scratch');
$primary->safe_psql('scratch', 'CREATE EXTENSION epiphany_timestore');
$primary->poll_query_until('postgres', "$schedulers AND datname = 'scratch'", '1')
  or die 'no scheduler started in the new database';
$primary->safe_psql('postgres', 'DROP DATABASE scratch');
pass('DROP DATABASE stops the database\'s scheduler');

# pg_dump keeps the jobs (not their statistics); restored, they run in the
# new database.
my $dump = $primary->basedir . '/jobs.sql';
$primary->command_ok([ 'pg_dump', '-d', 'postgres', '-f', $dump ],
	'pg_dump of a database with jobs');
$primary->safe_psql('postgres', 'CREATE DATABASE restored');
$primary->command_ok(
	[ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', 'restored', '-f', $dump ],
	'the dump restores');
is( $primary->safe_psql('restored',
		"SELECT string_agg(job_id || ':' || proc_name || ':' || schedule_interval, ',' ORDER BY job_id) FROM timescaledb_information.jobs"
	),
	$primary->safe_psql('postgres',
		"SELECT string_agg(job_id || ':' || proc_name || ':' || schedule_interval, ',' ORDER BY job_id) FROM timescaledb_information.jobs"
	),
	'the restored database has the same jobs');
$primary->poll_query_until('restored',
	"SELECT total_successes >= 2 FROM _epiphany_timestore.bgw_job_stat WHERE job_id = $healthy"
) or die 'the restored jobs do not run';
pass('the restored jobs run');
$primary->safe_psql('postgres', 'DROP DATABASE restored');

# epiphany.timeseries_scheduler = off stops the schedulers (the launcher
# stays); on again, the jobs run again.
$primary->append_conf('postgresql.conf', 'epiphany.timeseries_scheduler = off');
$primary->reload;
$primary->poll_query_until('postgres', $schedulers, '0')
  or die 'the schedulers did not stop';
is( $primary->safe_psql(
		'postgres',
		"SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'epiphany_timestore launcher'"
	),
	'1',
	'epiphany.timeseries_scheduler = off stops the schedulers, not the launcher');
$primary->append_conf('postgresql.conf', 'epiphany.timeseries_scheduler = on');
$primary->reload;
$ticks = $primary->safe_psql('postgres', "SELECT count(*) FROM ticks WHERE job_id = $healthy");
$primary->poll_query_until('postgres',
	"SELECT count(*) > $ticks + 1 FROM ticks WHERE job_id = $healthy")
  or die 'jobs did not run after the scheduler was switched on';
pass('switched on again, the jobs run');

# Jobs are catalog rows: they survive a restart and run again.
$primary->restart;
is( $primary->safe_psql('postgres',
		"SELECT string_agg(proc_name, ',' ORDER BY job_id) FROM timescaledb_information.jobs WHERE job_id >= 1000"
	),
	'tick,broken,slow',
	'the jobs survive a restart');
$ticks = $primary->safe_psql('postgres', "SELECT count(*) FROM ticks WHERE job_id = $healthy");
$primary->poll_query_until('postgres',
	"SELECT count(*) > $ticks + 1 FROM ticks WHERE job_id = $healthy")
  or die 'jobs did not run after the restart';
pass('jobs run again after a restart');

# A streaming standby replays the primary's jobs and runs but runs nothing
# itself: no launcher, no scheduler (checked once it has replayed runs the
# primary made after the standby started).
$primary->backup('base');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'base', has_streaming => 1);
$standby->start;
$ticks = $primary->safe_psql('postgres', "SELECT count(*) FROM ticks WHERE job_id = $healthy");
$primary->poll_query_until('postgres',
	"SELECT count(*) > $ticks + 1 FROM ticks WHERE job_id = $healthy")
  or die 'the primary stopped running jobs';
$primary->wait_for_catchup($standby, 'replay');
is( $standby->safe_psql(
		'postgres',
		"SELECT count(*) FROM pg_stat_activity WHERE backend_type LIKE 'epiphany_timestore%'"
	),
	'0',
	'the standby runs no launcher and no scheduler');
is($standby->safe_psql('postgres', 'SELECT count(*) FROM timescaledb_information.jobs WHERE job_id >= 1000'),
	'3', 'the standby has the replayed jobs');

# Once promoted, the standby runs the jobs.
$primary->stop;
my $at_promotion = $standby->safe_psql('postgres', 'SELECT count(*) FROM ticks');
$standby->promote;
$standby->poll_query_until('postgres',
	"SELECT count(*) > $at_promotion + 1 FROM ticks WHERE job_id = $healthy")
  or die 'the promoted standby does not run jobs';
pass('the promoted standby runs the jobs');
is($standby->safe_psql('postgres', "$schedulers AND datname = 'postgres'"),
	'1', 'the promoted standby has one scheduler');

$standby->stop;
done_testing();
