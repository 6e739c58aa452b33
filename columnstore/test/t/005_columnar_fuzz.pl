# columnstore/test/t/005_columnar_fuzz.pl
#	Without data checksums nothing catches a changed byte before the
#	column store reads it: its decoders must then check every header,
#	length, code and offset themselves.  Rounds of random bytes written over
#	the chunk data inside the TOAST tuples of uncompressed and compressed
#	columnar tables (every encoding), each followed by sequential scans, the
#	aggregation node, index fetches and a merge: queries may fail with an
#	error (or, inevitably, return other values) but the server never
#	crashes.  The rounds use fixed seeds; the log names the bytes changed.
#
# Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use File::Copy;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('fuzz');
$node->init;
$node->append_conf('postgresql.conf', "restart_after_crash = off\nepiphany.columnar_auto_merge = off");
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION epiphany_columnstore');

# One column per encoding (see columnar_encodings.sql), in a table whose
# chunks stay uncompressed and in one whose chunks are compressed.
for my $t (['plain_t', 'none'], ['zstd_t', 'zstd'])
{
	my ($name, $compression) = @$t;
	$node->safe_psql('postgres', qq{
		CREATE TABLE $name (id int8, small int4, runs int4, ts timestamptz, smooth float8,
		                    mode text, price numeric(12,2), note text, flag bool)
		  USING columnar;
		SELECT epiphany.columnar_set_options('$name', compression => '$compression',
		                                     chunk_rows => 2000, row_group_rows => 8000);
		INSERT INTO $name
		SELECT i, i % 100, i / 500,
		       timestamptz '2024-01-01 00:00+00' + i * interval '1 minute',
		       i / 4.0,
		       (ARRAY['REG AIR', 'AIR', 'RAIL', 'SHIP'])[i % 4 + 1],
		       CASE WHEN i % 9 = 0 THEN NULL ELSE (i % 5000) / 100.0 END,
		       'note ' || md5(i::text), i % 3 = 0
		  FROM generate_series(1, 24000) i;
		CREATE INDEX ${name}_id ON $name (id);
	});
}
is( $node->safe_psql('postgres',
		"SELECT sum(row_groups) FROM (SELECT (epiphany.columnar_stats(t)).row_groups FROM "
		  . "unnest(ARRAY['plain_t', 'zstd_t']::regclass[]) t) s"),
	'6', 'both tables are in row groups');

my @queries = (
	'SELECT count(*), sum(small), max(note), min(ts), sum(price), avg(smooth), count(mode) FROM %s',
	'SELECT mode, count(*), sum(price), max(ts) FROM %s WHERE small < 50 GROUP BY mode',
	'SELECT * FROM %s WHERE runs = 20',
	'SET enable_seqscan = off; SET enable_bitmapscan = off; '
	  . 'SELECT * FROM %s WHERE id IN (1, 777, 2001, 5000, 9999, 15003, 23999)',
	'SELECT epiphany.columnar_merge(\'%s\'), count(*) FROM %s');

# The TOAST files, and a pristine copy of each.
my %pristine;
my @files;
for my $name ('plain_t', 'zstd_t')
{
	my $file = $node->data_dir . '/'
	  . $node->safe_psql('postgres',
		"SELECT pg_relation_filepath(reltoastrelid) FROM pg_class WHERE relname = '$name'");
	push @files, $file;
}
$node->stop;
for my $file (@files)
{
	copy($file, "$file.pristine") or die "copy $file: $!";
	$pristine{$file} = "$file.pristine";
}

# The byte ranges of chunk data in a heap page of TOAST tuples: each normal
# line pointer's tuple, past its header, chunk_id, chunk_seq and varlena
# header.
sub data_ranges
{
	my ($page) = @_;
	my $lower = unpack('v', substr($page, 12, 2));
	my @ranges;
	for (my $lp = 24; $lp + 4 <= $lower; $lp += 4)
	{
		my $word = unpack('V', substr($page, $lp, 4));
		my $off = $word & 0x7fff;
		my $flags = ($word >> 15) & 3;
		my $len = ($word >> 17) & 0x7fff;
		next unless $flags == 1 && $len > 40;
		my $hoff = unpack('C', substr($page, $off + 22, 1));
		my $start = $off + $hoff + 12;
		push @ranges, [ $start, $off + $len - $start ] if $off + $len > $start;
	}
	return @ranges;
}

# Writes "count" random bytes over chunk data of "file"; returns a
# description of what it changed.
sub damage
{
	my ($file, $count) = @_;
	my $blocks = (-s $file) / 8192;
	my @changed;
	open(my $fh, '+<', $file) or die "open $file: $!";
	binmode $fh;
	for (1 .. $count)
	{
		my $block = int(rand($blocks));
		my $page;
		seek($fh, $block * 8192, 0) or die "seek: $!";
		read($fh, $page, 8192) == 8192 or die "read: $!";
		my @ranges = data_ranges($page);
		next unless @ranges;
		my $r = $ranges[ int(rand(@ranges)) ];
		my $at = $r->[0] + int(rand($r->[1]));
		my $byte = int(rand(256));
		seek($fh, $block * 8192 + $at, 0) or die "seek: $!";
		print $fh chr($byte);
		push @changed, "block $block offset $at = $byte";
	}
	close $fh;
	return join('; ', @changed);
}

my $failures = 0;
for my $round (1 .. 16)
{
	srand(1000 + $round);
	my @what;
	for my $file (@files)
	{
		copy($pristine{$file}, $file) or die "restore $file: $!";
		push @what, damage($file, $round <= 8 ? 4 : 32);
	}
	note("round $round: " . join(' | ', @what));
	$node->start;
	for my $name ('plain_t', 'zstd_t')
	{
		for my $q (@queries)
		{
			my $sql = $q =~ /columnar_merge/ ? sprintf($q, $name, $name) : sprintf($q, $name);
			my ($ret) = $node->psql('postgres', "BEGIN; $sql; ROLLBACK;");
			$failures++ if $ret != 0;
		}
	}
	is($node->safe_psql('postgres', 'SELECT 1'), '1', "round $round: the server is up");
	$node->stop;
}
note("$failures of the queries failed with an error");
unlike(slurp_file($node->logfile), qr/terminated by signal|was terminated by exception/,
	'no backend crashed in any round');
like(slurp_file($node->logfile), qr/ERROR:  corrupt chunk in column "\w+" of columnar table/,
	'damage was found and reported as such');

$node->start;
for my $file (@files)
{
	unlink("$file.pristine");
}
$node->stop;
done_testing();
