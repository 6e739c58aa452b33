# rowstore/test/t/003_monitoring.pl
#	Monitoring end to end: Debian's prometheus-postgres-exporter, run with
#	deploy/monitoring/queries.yaml against a cluster on 127.0.0.1 as a
#	monitoring role that cannot read the tables, serves epiphany_* metrics
#	whose values are the tables, rows, bytes, jobs and merges this test made on each
#	engine; every metric the Grafana dashboard plots is among them.  The
#	exporter is a requirement (scripts/install-deps.sh installs it): without
#	it the test fails.
#
# Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
use strict;
use warnings;
use File::Basename;
use File::Spec;
use HTTP::Tiny;
use JSON::PP;
use POSIX ();
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time usleep);

my $monitoring = dirname(__FILE__) . '/../../../deploy/monitoring';
my $queries = "$monitoring/queries.yaml";
my $dashboard = "$monitoring/grafana-dashboard.json";

# The exporter, from the PATH (Debian puts it in /usr/bin).
my ($exporter) =
  grep { -x $_ }
  map { File::Spec->catfile($_, 'prometheus-postgres-exporter') }
  split(/:/, $ENV{PATH});
ok(defined $exporter, 'prometheus-postgres-exporter is installed')
  or BAIL_OUT('prometheus-postgres-exporter is not on the PATH; run scripts/install-deps.sh');

my $node = PostgreSQL::Test::Cluster->new('monitoring');
$node->init;
$node->append_conf('postgresql.conf', "listen_addresses = '127.0.0.1'");
$node->start;
$node->safe_psql('postgres', 'CREATE DATABASE epiphany');
$node->safe_psql('epiphany', 'CREATE EXTENSION epiphany CASCADE');

# A few tables on every engine, and two jobs of the time store: one that
# fails when the scheduler runs it, one not due yet.
$node->safe_psql(
	'epiphany', q{
	CREATE TABLE orders (id int PRIMARY KEY, note text);
	INSERT INTO orders SELECT g, 'order ' || g FROM generate_series(1, 1000) g;
	CREATE TABLE history (id int, region text, amount float8) USING columnar;
	INSERT INTO history SELECT g, 'region ' || g % 8, g % 100 FROM generate_series(1, 20000) g;
	SELECT epiphany.columnar_merge('history');
	SET epiphany.columnar_merge_delta_rows = 1000;    -- the merge worker merges these
	INSERT INTO history SELECT g, 'region ' || g % 8, g % 100 FROM generate_series(20001, 22000) g;
	RESET epiphany.columnar_merge_delta_rows;
	CREATE TABLE docs (id int PRIMARY KEY, embedding vector(3));
	INSERT INTO docs SELECT g, ARRAY[g, g + 1, g + 2]::vector FROM generate_series(1, 50) g;
	CREATE INDEX ON docs USING hnsw (embedding vector_l2_ops);
	CREATE TABLE readings (time timestamptz NOT NULL, device int, value float8);
	SELECT create_hypertable('readings', 'time', chunk_time_interval => interval '1 day');
	INSERT INTO readings
	  SELECT timestamptz '2026-01-01' + g * interval '1 hour', g % 4, g FROM generate_series(0, 47) g;
	VACUUM ANALYZE;    -- VACUUM truncates the delta store the merge emptied
	CREATE PROCEDURE failing_job(job_id int, config jsonb) LANGUAGE plpgsql
	  AS $$ BEGIN RAISE EXCEPTION 'this job always fails'; END $$;
	CREATE PROCEDURE idle_job(job_id int, config jsonb) LANGUAGE sql AS $$ SELECT 1 $$;
	SELECT add_job('failing_job', '1 hour');
	SELECT add_job('idle_job', '1 day', initial_start => now() + interval '1 day');
	CREATE ROLE epiphany_monitor LOGIN IN ROLE pg_monitor;
});
$node->poll_query_until('epiphany',
	"SELECT count(*) = 1 FROM timescaledb_information.job_stats WHERE last_run_status = 'Failed'")
  or die 'the scheduler did not run the failing job';
$node->poll_query_until('epiphany',
	"SELECT merges = 1 FROM epiphany.columnar_merge_stats() WHERE relid = 'history'::regclass AND state = 'idle'")
  or die 'the merge worker did not merge the delta store';
$node->safe_psql('epiphany', 'ANALYZE history');
# Paused, it keeps its failed status: no retry can start during the test.
$node->safe_psql('epiphany',
	"SELECT alter_job(job_id, scheduled => false) FROM timescaledb_information.jobs WHERE proc_name = 'failing_job'"
);

# What the view says, as the exporter's role will see it.
my %view;
for my $line (
	split(
		/\n/,
		$node->safe_psql(
			'epiphany', q{
	SET ROLE epiphany_monitor;
	SELECT engine, tables, rows, table_bytes, index_bytes,
	       coalesce(compression_ratio::text, ''), coalesce(jobs::text, ''),
	       coalesce(failing_jobs::text, ''), coalesce(merges::text, ''),
	       coalesce(failing_merges::text, '')
	  FROM epiphany.stats ORDER BY engine})))
{
	my ($engine, @values) = split(/\|/, $line, -1);
	@{ $view{$engine} }{qw(tables rows table_bytes index_bytes ratio jobs failing merges failing_merges)}
	  = @values;
}
is_deeply(
	{ map { $_ => [ @{ $view{$_} }{qw(tables rows)} ] } keys %view },
	{
		row => [ 2, 1050 ],    # orders and docs are heap tables
		column => [ 1, 22000 ],
		vector => [ 1, 50 ],
		time => [ 1, 48 ],     # one hypertable; its chunks add their rows
	},
	'epiphany.stats counts the tables and rows made');

# The exporter on a free port, connected over TCP as the monitoring role.
my $http_port = PostgreSQL::Test::Cluster::get_free_port();
my $exporter_log = $PostgreSQL::Test::Utils::log_path . '/exporter.log';
my $dsn = sprintf('postgresql://epiphany_monitor@127.0.0.1:%d/epiphany?sslmode=disable',
	$node->port);
my $exporter_pid = fork() // die "could not fork: $!";
if ($exporter_pid == 0)
{
	$ENV{DATA_SOURCE_NAME} = $dsn;
	open(STDIN, '<', '/dev/null') or die $!;
	open(STDOUT, '>', $exporter_log) or die $!;
	open(STDERR, '>&', \*STDOUT) or die $!;
	{ exec($exporter, "--extend.query-path=$queries",
		"--web.listen-address=127.0.0.1:$http_port") };
	print STDERR "could not run $exporter: $!\n";
	POSIX::_exit(127);
}

# Stop the exporter however the test ends.
END
{
	local $?;    # keep the test's exit status
	if ($exporter_pid)
	{
		kill('TERM', $exporter_pid);
		waitpid($exporter_pid, 0);
	}
}

# Scrape until the exporter answers with the engines' metrics (it listens a
# moment after it starts, and connects to the server at the first scrape).
my $http = HTTP::Tiny->new(timeout => 10);
my $url = "http://127.0.0.1:$http_port/metrics";
my $deadline = time() + $PostgreSQL::Test::Utils::timeout_default;
my $metrics;
while (time() < $deadline)
{
	my $response = $http->get($url);
	if ($response->{success} && $response->{content} =~ /^epiphany_tables\{/m)
	{
		$metrics = $response->{content};
		last;
	}
	if (waitpid($exporter_pid, POSIX::WNOHANG) != 0)
	{
		$exporter_pid = 0;    # it exited: nothing to stop
		last;
	}
	usleep(200_000);
}
ok(defined $metrics, "the exporter serves epiphany metrics at $url")
  or diag('exporter log: ' . slurp_file($exporter_log));
$metrics //= '';
like($metrics, qr/^pg_exporter_user_queries_load_error\{[^}]*\} 0$/m,
	'the exporter loaded queries.yaml');
like($metrics, qr/^pg_exporter_last_scrape_error 0$/m, 'every query ran without error')
  or diag('exporter log: ' . slurp_file($exporter_log));

# name => { engine => value } for the series of database "epiphany".
my %scraped;
for my $line (split(/\n/, $metrics))
{
	next unless $line =~ /^(epiphany_\w+)\{([^}]*)\}\s+(\S+)$/;
	my ($name, $labels, $value) = ($1, $2, $3);
	my %label = $labels =~ /(\w+)="([^"]*)"/g;
	next unless ($label{datname} // '') eq 'epiphany';
	$scraped{$name}{ $label{engine} } = $value;
}

for my $engine (sort keys %view)
{
	for my $column (qw(tables rows table_bytes index_bytes))
	{
		my $got = $scraped{"epiphany_$column"}{$engine};
		ok(defined $got && $got == $view{$engine}{$column},
			"epiphany_$column of the $engine engine is the view's")
		  or diag("scraped " . ($got // 'nothing') . ", view $view{$engine}{$column}");
	}
}
ok(($scraped{epiphany_table_bytes}{$_} // 0) > 0, "the $_ engine's tables have bytes")
  for sort keys %view;
is_deeply(
	[ sort keys %{ $scraped{epiphany_compression_ratio} // {} } ],
	['column'], 'only the column engine has a compression ratio');
my $ratio = $scraped{epiphany_compression_ratio}{column} // 0;
ok($ratio == $view{column}{ratio}, 'the compression ratio is the view\'s')
  or diag("scraped $ratio, view $view{column}{ratio}");
cmp_ok($ratio, '>', 1, 'the columnar table takes less than its heap estimate');
is_deeply($scraped{epiphany_jobs_count}, { time => 2 }, 'two jobs of the time engine');
is_deeply($scraped{epiphany_jobs_failing}, { time => 1 }, 'one of them failing');
is($view{time}{jobs} . '|' . $view{time}{failing}, '2|1', 'as the view says');
is_deeply($scraped{epiphany_merges_count}, { column => 1 }, 'one automatic merge');
is_deeply($scraped{epiphany_merges_failing}, { column => 0 }, 'none failing');
is($view{column}{merges} . '|' . $view{column}{failing_merges}, '1|0', 'as the view says');

# Every epiphany_* metric the dashboard plots is served.
my $panels = decode_json(slurp_file($dashboard))->{panels};
my @plotted = map { $_->{expr} =~ /\b(epiphany_\w+)/g } map { @{ $_->{targets} } } @$panels;
ok(@plotted > 0, 'the dashboard plots epiphany metrics');
is_deeply([ grep { !exists $scraped{$_} } @plotted ],
	[], 'the exporter serves every metric of the dashboard');

$node->stop;
done_testing();
