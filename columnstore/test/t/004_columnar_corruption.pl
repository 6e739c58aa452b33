# columnstore/test/t/004_columnar_corruption.pl
#	Damaged chunk data on disk gives an ERROR that names the relation and
#	the block, never a crash or a wrong answer: with data checksums (as the
#	`make run` cluster has them), bytes changed in a page of the table's
#	TOAST relation, where chunks live, fail the page's checksum for
#	sequential scans, the aggregation node and index fetches alike; a TOAST
#	relation cut short fails the read of the missing block.  The server
#	keeps serving other tables afterwards.
#
# Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('corrupt');
$node->init(extra => ['--data-checksums']);
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION epiphany_columnstore');
$node->safe_psql('postgres', q{
	CREATE TABLE t (id int, price numeric(12,2), note text) USING columnar;
	INSERT INTO t SELECT g, g * 1.25, repeat('note ' || g, 3) FROM generate_series(1, 60000) g;
	CREATE INDEX t_id ON t (id);
	CREATE TABLE other (id int);
	INSERT INTO other SELECT generate_series(1, 100);
});
is($node->safe_psql('postgres', "SELECT row_groups > 0 FROM epiphany.columnar_stats('t')"),
	't', 'the rows are in row groups');
my $answer = $node->safe_psql('postgres', 'SELECT count(*), sum(price), max(note) FROM t');

my $toast_file = $node->data_dir . '/'
  . $node->safe_psql('postgres',
	"SELECT pg_relation_filepath(reltoastrelid) FROM pg_class WHERE relname = 't'");
my $toast_name = $node->safe_psql('postgres',
	"SELECT reltoastrelid::regclass FROM pg_class WHERE relname = 't'");
my $blocks = (-s $toast_file) / 8192;
ok($blocks > 4, "the chunks take $blocks blocks");

# Overwrite 64 bytes in the middle of block 2, inside its tuples' data.
$node->stop;
open(my $fh, '+<', $toast_file) or die "open $toast_file: $!";
binmode $fh;
seek($fh, 2 * 8192 + 4096, 0) or die "seek: $!";
print $fh ("\x5a" x 64);
close $fh;
$node->start;

my ($ret, $stdout, $stderr) =
  $node->psql('postgres', 'SELECT count(*), sum(price), max(note) FROM t');
isnt($ret, 0, 'a scan of the damaged chunks fails');
like($stderr, qr/invalid page in block 2 of relation/, 'the error names the block');
unlike($stdout, qr/\d/, 'and returns no answer');

($ret, $stdout, $stderr) = $node->psql('postgres',
	'SET enable_seqscan = off; SET enable_bitmapscan = off; '
	  . 'SELECT count(note) FROM t WHERE id BETWEEN 1 AND 60000');
isnt($ret, 0, 'index fetches of the damaged chunks fail');
like($stderr, qr/invalid page in block 2 of relation/, 'with the same error');

is($node->safe_psql('postgres', 'SELECT count(*) FROM other'),
	'100', 'the server serves other tables');

# A TOAST relation cut short: the missing block cannot be read.
$node->stop;
truncate($toast_file, 3 * 8192) or die "truncate: $!";
$node->start;
($ret, $stdout, $stderr) =
  $node->psql('postgres', 'SELECT count(*), sum(price), max(note) FROM t');
isnt($ret, 0, 'a scan of a truncated TOAST relation fails');
like($stderr, qr/could not read block \d+|invalid page in block|missing chunk number|corrupt chunk data/,
	'the error names what is missing');
is($node->safe_psql('postgres', 'SELECT count(*) FROM other'),
	'100', 'the server still serves other tables');
note("the damaged relation was $toast_name; the undamaged answer was $answer");

$node->stop;
done_testing();
