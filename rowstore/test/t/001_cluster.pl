# rowstore/test/t/001_cluster.pl
#	The harness end to end: the suite refuses to install without preloading;
#	with the four libraries preloaded it installs, a streaming standby
#	follows, and after an immediate (crash) stop and restart of the primary
#	the catalog and the data are intact on both nodes.
#
# Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $preload =
  'epiphany_rowstore,epiphany_columnstore,epiphany_vectorstore,epiphany_timestore';
my $engines_query =
  'SELECT engine, extension, version, installed, preloaded '
  . 'FROM epiphany.storage_engines ORDER BY engine';

my $primary = PostgreSQL::Test::Cluster->new('primary');
$primary->init(allows_streaming => 1);

# Without preloading, the engines that need it refuse to install, with a
# hint, and the failed CREATE EXTENSION leaves nothing behind.
$primary->adjust_conf('postgresql.conf', 'shared_preload_libraries', "''");
$primary->start;
my ($ret, $stdout, $stderr) =
  $primary->psql('postgres', 'CREATE EXTENSION epiphany CASCADE');
isnt($ret, 0, 'CREATE EXTENSION epiphany CASCADE fails without preloading');
like(
	$stderr,
	qr/library "epiphany_\w+" must be loaded via shared_preload_libraries/,
	'the error names the library');
like($stderr, qr/HINT:.*shared_preload_libraries/, 'the hint says how to fix it');
is( $primary->safe_psql(
		'postgres', "SELECT count(*) FROM pg_extension WHERE extname LIKE 'epiphany%'"),
	'0',
	'nothing is half-installed');
($ret, $stdout, $stderr) =
  $primary->psql('postgres', 'CREATE EXTENSION epiphany_timestore');
like($stderr, qr/"epiphany_timestore" must be loaded/, 'the time store needs preloading');
is($primary->psql('postgres', 'CREATE EXTENSION epiphany_vectorstore'),
	0, 'the vector store does not need preloading');
$primary->safe_psql('postgres', 'DROP EXTENSION epiphany_vectorstore');

# Preloaded: the suite installs and every engine reports itself.
$primary->adjust_conf('postgresql.conf', 'shared_preload_libraries', "'$preload'");
$primary->restart;
$primary->safe_psql('postgres', 'CREATE DATABASE epiphany');
$primary->safe_psql('epiphany', 'CREATE EXTENSION epiphany CASCADE');
$primary->safe_psql('epiphany',
	'CREATE TABLE orders (id int PRIMARY KEY, note text); '
	  . "INSERT INTO orders SELECT g, 'order ' || g FROM generate_series(1, 1000) g");
my $engines = $primary->safe_psql('epiphany', $engines_query);
is( $engines,
	"column|epiphany_columnstore|0.1.0|t|t\n"
	  . "row|epiphany|0.1.0|t|t\n"
	  . "time|epiphany_timestore|0.1.0|t|t\n"
	  . "vector|epiphany_vectorstore|0.1.0|t|t",
	'four engines, installed and preloaded');

# A streaming standby replays the catalog changes.
$primary->backup('base');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'base', has_streaming => 1);
$standby->start;
$primary->safe_psql('epiphany',
	"INSERT INTO orders SELECT g, 'late ' || g FROM generate_series(1001, 1500) g");
$primary->wait_for_catchup($standby, 'replay');
is($standby->safe_psql('epiphany', $engines_query), $engines,
	'the standby lists the same engines');
is($standby->safe_psql('epiphany', 'SELECT count(*), sum(id) FROM orders'),
	'1500|1125750', 'the standby has every row');

# Crash the primary: committed work survives, the standby follows again.
$primary->stop('immediate');
$primary->start;
is($primary->safe_psql('epiphany', $engines_query), $engines,
	'the catalog is intact after a crash');
is($primary->safe_psql('epiphany', 'SELECT count(*), sum(id) FROM orders'),
	'1500|1125750', 'every committed row survives the crash');
$primary->safe_psql('epiphany',
	"INSERT INTO orders VALUES (1501, 'after the crash')");
$primary->wait_for_catchup($standby, 'replay');
is($standby->safe_psql('epiphany', 'SELECT count(*), max(id) FROM orders'),
	'1501|1501', 'the standby follows the restarted primary');
is($standby->safe_psql('epiphany', $engines_query), $engines,
	'the standby catalog is intact');

$standby->stop;
$primary->stop;
done_testing();
