# rowstore/test/t/002_demo.pl
#	The demo that `make run` loads (deploy/demo/demo.sql) loads on a fresh
#	cluster, every table has its rows on its engine, and the README's three
#	statements return sensible rows.
#
# Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
use strict;
use warnings;
use File::Basename;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $demo = dirname(__FILE__) . '/../../../deploy/demo/demo.sql';

my $node = PostgreSQL::Test::Cluster->new('demo');
$node->init;
$node->start;
$node->safe_psql('postgres', 'CREATE DATABASE epiphany');
$node->safe_psql('epiphany', 'CREATE EXTENSION epiphany CASCADE');
my ($ret, $stdout, $stderr) =
  $node->psql('epiphany', undef, extra_params => [ '-f', $demo ]);
is($ret, 0, 'the demo loads') or diag($stderr);

my %rows = (
	customers => 10000,
	products => 1000,
	orders => 200000,
	order_history => 1000000,
	documents => 5000);
for my $table (sort keys %rows)
{
	is($node->safe_psql('epiphany', "SELECT count(*) FROM $table"),
		$rows{$table}, "$table has its rows");
}
ok($node->safe_psql('epiphany', 'SELECT count(*) FROM sensor_data') > 500000,
	'sensor_data has a week of readings');
ok( $node->safe_psql('epiphany',
		"SELECT num_chunks FROM timescaledb_information.hypertables WHERE hypertable_name = 'sensor_data'"
	) >= 8,
	'sensor_data is a hypertable of daily chunks');
is( $node->safe_psql('epiphany',
		"SELECT count(*) FROM timescaledb_information.jobs WHERE hypertable_name = 'sensor_data' AND proc_name = 'policy_retention'"
	),
	'1',
	'sensor_data has a retention policy');
is( $node->safe_psql(
		'epiphany', q{
	SELECT count(*) FROM (
	  (SELECT hour, device_id, readings FROM sensor_data_hourly
	   EXCEPT SELECT time_bucket('1 hour', timestamp), device_id, count(*) FROM sensor_data GROUP BY 1, 2)
	  UNION ALL
	  (SELECT time_bucket('1 hour', timestamp), device_id, count(*) FROM sensor_data GROUP BY 1, 2
	   EXCEPT SELECT hour, device_id, readings FROM sensor_data_hourly)) d}),
	'0',
	'sensor_data_hourly is a continuous aggregate that matches its query');
is( $node->safe_psql('epiphany',
		"SELECT count(*) FROM timescaledb_information.jobs WHERE proc_name = 'policy_refresh_continuous_aggregate'"),
	'1',
	'with a refresh policy');
is( $node->safe_psql(
		'epiphany',
		"SELECT a.amname FROM pg_class c JOIN pg_am a ON a.oid = c.relam WHERE c.relname = 'order_history'"),
	'columnar',
	'order_history is on the column store');
is( $node->safe_psql('epiphany',
		"SELECT row_groups > 0 AND delta_rows = 0 FROM epiphany.columnar_stats('order_history')"),
	't',
	'order_history is merged into row groups');

# The three statements of the README.
my $nearest = $node->safe_psql(
	'epiphany', q{
	SET enable_seqscan = off;
	SELECT count(*) FROM (
	  SELECT id, content, embedding <-> epiphany.embed_text('monitoring time series', 384) AS distance
	    FROM documents
	   ORDER BY embedding <-> epiphany.embed_text('monitoring time series', 384) LIMIT 10) n
	 WHERE content LIKE '%monitoring%' OR content LIKE '%time series%'});
is($nearest, '10', 'vector search finds documents about the query words');

my $hours = $node->safe_psql(
	'epiphany', q{
	SELECT count(*) FROM (
	  SELECT time_bucket('1 hour', timestamp) AS hour, avg(temperature), max(humidity)
	    FROM sensor_data WHERE timestamp >= NOW() - INTERVAL '24 hours'
	   GROUP BY hour ORDER BY hour) h});
ok($hours >= 24 && $hours <= 25, "the last 24 hours come in hourly buckets ($hours)");

my $categories = $node->safe_psql(
	'epiphany', q{
	WITH recent_orders AS (SELECT customer_id, product_id, quantity, order_date FROM orders
	  WHERE order_date >= CURRENT_DATE - INTERVAL '30 days')
	SELECT count(*) FROM (
	  SELECT p.category, sum(ro.quantity) AS total_quantity,
	         count(DISTINCT ro.customer_id) AS unique_customers
	    FROM recent_orders ro JOIN products p ON ro.product_id = p.id
	   GROUP BY p.category ORDER BY total_quantity DESC) c});
is($categories, '8', 'recent orders by category: every category');

$node->stop;
done_testing();
