# vectorstore/test/t/004_hnsw_corruption.pl
#	Bytes of an hnsw index damaged on disk give an ERROR with SQLSTATE
#	XX002 (index_corrupted), never a crash: the element page's page id,
#	the metapage's magic number and version, an element tuple's type and
#	slot count, and in a quantized index the metapage's quantization kind,
#	flags and range page count, its range page, and a compact element
#	tuple's offset bits and neighbour list count (a quantized index is
#	written in format version 4, with compact tuples).  Each case damages
#	a copy of the intact file and restores it afterwards.
#
# Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
use strict;
use warnings;
use File::Copy;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('corruption');
$node->init;
$node->start;

$node->safe_psql('postgres', q{
CREATE EXTENSION epiphany_vectorstore;
CREATE TABLE t (id int, v vector(3));
INSERT INTO t SELECT i, ARRAY[i, i % 7, i % 11]::real[] FROM generate_series(1, 100) i;
CREATE INDEX t_hnsw ON t USING hnsw (v vector_l2_ops);
CHECKPOINT;
});
my $file = $node->data_dir . '/'
  . $node->safe_psql('postgres', "SELECT pg_relation_filepath('t_hnsw')");
my $blcksz = $node->safe_psql('postgres', 'SHOW block_size');
my $query = q{
\set VERBOSITY verbose
SET enable_seqscan = off;
SET hnsw.ef_search = 1000;
SELECT count(*) FROM (SELECT id FROM t ORDER BY v <-> '[1,1,1]' LIMIT 1000) s;
};

is($node->safe_psql('postgres', $query), '100', 'the intact index returns every row');
$node->stop;
copy($file, "$file.intact") or die "could not copy $file: $!";

# Reads and writes bytes of the index file.
sub read_bytes
{
	my ($offset, $len) = @_;
	my $buf;
	open(my $fh, '<', $file) or die "could not open $file: $!";
	binmode $fh;
	seek($fh, $offset, 0);
	read($fh, $buf, $len);
	close $fh;
	return $buf;
}

sub write_bytes
{
	my ($offset, $bytes) = @_;
	open(my $fh, '+<', $file) or die "could not open $file: $!";
	binmode $fh;
	seek($fh, $offset, 0);
	print $fh $bytes;
	close $fh;
}

# Damages the file, runs the query, checks the error, restores the file.
sub check_damage
{
	my ($name, $offset, $bytes, $message) = @_;
	write_bytes($offset, $bytes);
	$node->start;
	my ($ret, $stdout, $stderr) = $node->psql('postgres', $query);
	isnt($ret, 0, "$name: the query fails");
	like($stderr, qr/ERROR:  XX002: \Q$message\E/, "$name: index_corrupted error");
	$node->stop;
	copy("$file.intact", $file) or die "could not restore $file: $!";
}

# Line pointer 1 of block 1 (4 bytes after the 24-byte page header):
# lp_off is its low 15 bits.
my $lp = unpack('V', read_bytes($blcksz + 24, 4));
my $tuple = $blcksz + ($lp & 0x7FFF);

check_damage('page id', 2 * $blcksz - 2, pack('v', 0x1234),
	'index "t_hnsw" contains an unexpected page at block 1');
check_damage('magic number', 24, pack('V', 0xDEADBEEF),
	'index "t_hnsw" is not an hnsw index');
check_damage('format version', 28, pack('V', 99),
	'index "t_hnsw" has an unsupported format version');
check_damage('tuple type', $tuple, pack('C', 0),
	'index "t_hnsw" contains an invalid element tuple at (1,1)');
check_damage('slot count', $tuple + 10, pack('v', 7),
	'index "t_hnsw" contains an invalid element tuple at (1,1)');

$node->start;
is($node->safe_psql('postgres', $query), '100', 'the restored index works again');

# A quantized index (metapage version 4): its quantization fields.
$node->safe_psql('postgres', q{
CREATE TABLE tq (id int, v vector(3));
INSERT INTO tq SELECT i, ARRAY[i, i % 7, i % 11]::real[] FROM generate_series(1, 100) i;
CREATE INDEX tq_hnsw ON tq USING hnsw (v vector_l2_ops) WITH (quantization = 'sq8');
CHECKPOINT;
});
$file = $node->data_dir . '/'
  . $node->safe_psql('postgres', "SELECT pg_relation_filepath('tq_hnsw')");
$query =~ s/FROM t ORDER/FROM tq ORDER/;
is($node->safe_psql('postgres', $query), '100', 'the intact quantized index returns every row');
$node->stop;
copy($file, "$file.intact") or die "could not copy $file: $!";
is(unpack('V', read_bytes(28, 4)), 4, 'a quantized index has format version 4');
# block 1 is the range page, block 2 the first element page
$lp = unpack('V', read_bytes(2 * $blcksz + 24, 4));
$tuple = 2 * $blcksz + ($lp & 0x7FFF);
is(unpack('C', read_bytes($tuple, 1)), 0xE2, 'its element tuples are compact');
check_damage('offset bits', $tuple + 3, pack('C', 0),
	'index "tq_hnsw" contains an invalid element tuple at (2,1)');
# the count of its level 0 list, right after the 16-byte header, above 2 * m
check_damage('neighbour count', $tuple + 16, pack('C', 33),
	'index "tq_hnsw" contains an invalid element tuple at (2,1)');
# a varint that runs past the end of its list: every byte with the high bit
check_damage('neighbour list', $tuple + 17, pack('C', 0xFF) x 72,
	'index "tq_hnsw" contains an invalid element tuple at (2,1)');
check_damage('quantization kind', 48, pack('C', 7),
	'index "tq_hnsw" has an invalid metapage');
check_damage('quantization flags', 49, pack('C', 0x80),
	'index "tq_hnsw" has an invalid metapage');
check_damage('range page count', 50, pack('v', 9),
	'index "tq_hnsw" has an invalid metapage');
# block 1 is the range page: (lo, step) of each dimension after its header
check_damage('range step', $blcksz + 24 + 4, pack('f', 0),
	'index "tq_hnsw" contains an invalid range page at block 1');
check_damage('range page kind', 2 * $blcksz - 8, pack('v', 2),
	'index "tq_hnsw" contains an unexpected page at block 1');
$node->start;
is($node->safe_psql('postgres', $query), '100', 'the restored quantized index works again');
$node->stop;
done_testing();
