# vectorstore/test/t/011_bench_vectors_copy.pl
#	bench/vector/vectors_copy.pl, which loads BENCH_FILE for
#	`make bench-vector`: made-up .fvecs and .npy files (NumPy format
#	versions 1 and 2, '<f4' and '<f8') give the expected COPY lines and
#	dimension counts, LIMIT cuts them, and files it cannot read are
#	refused with a message (other element type, Fortran order, vectors of
#	different lengths, a truncated file, another name).  Then the COPY
#	lines load into a table (id int, v real[]) whose vectors are the
#	file's.
#
# Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
use strict;
use warnings;
use FindBin;
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $script = "$FindBin::RealBin/../../../bench/vector/vectors_copy.pl";
my $dir = PostgreSQL::Test::Utils::tempdir();
my @vectors = ([ 1, -2.5, 0.125 ], [ 3e-5, 4, 1e10 ], [ 0, 0, -7 ]);

sub write_file
{
	my ($name, $bytes) = @_;
	open(my $fh, '>:raw', "$dir/$name") or die "could not write $name: $!";
	print $fh $bytes;
	close $fh;
	return "$dir/$name";
}

# A .npy file: magic, version, header padded to a multiple of 64, data.
sub npy
{
	my ($major, $descr, $fortran, $shape, $data) = @_;
	my $header = "{'descr': '$descr', 'fortran_order': $fortran, 'shape': $shape, }";
	my $prefix = $major == 1 ? 10 : 12;
	$header .= ' ' x (63 - ($prefix + length($header)) % 64) . "\n";
	return "\x93NUMPY" . pack('CC', $major, 0)
	  . ($major == 1 ? pack('v', length $header) : pack('V', length $header))
	  . $header . $data;
}

# Runs the script; returns its exit status, standard output and error.
sub run_script
{
	my @args = @_;
	my ($stdout, $stderr);
	my $ok = IPC::Run::run([ 'perl', $script, @args ], '>', \$stdout, '2>', \$stderr);
	return ($ok ? 0 : 1, $stdout, $stderr);
}

my $expected = "1\t{1,-2.5,0.125}\n2\t{2.99999992e-05,4,1e+10}\n3\t{0,0,-7}\n";
my $fvecs = write_file('a.fvecs', join('', map { pack('l<f<3', 3, @$_) } @vectors));
my $f4 = join('', map { pack('f<3', @$_) } @vectors);
my $f8 = join('', map { pack('d<3', @$_) } @vectors);
my %files = (
	'fvecs' => $fvecs,
	'npy v1 <f4' => write_file('a.npy', npy(1, '<f4', 'False', '(3, 3)', $f4)),
	'npy v2 <f4' => write_file('b.npy', npy(2, '<f4', 'False', '(3, 3)', $f4)));
foreach my $kind (sort keys %files)
{
	my ($status, $out) = run_script($files{$kind}, 100);
	is($status, 0, "$kind: read");
	is($out, $expected, "$kind: the COPY lines, ids from 1 in file order");
	($status, $out) = run_script('--dims', $files{$kind});
	is($out, "3\n", "$kind: 3 dimensions");
	($status, $out) = run_script($files{$kind}, 2);
	is($out, join('', (split /(?<=\n)/, $expected)[ 0 .. 1 ]), "$kind: LIMIT 2 keeps the first 2");
}
# float8 elements are printed after rounding to float4's 9 digits
my ($status, $out) = run_script(write_file('c.npy', npy(1, '<f8', 'False', '(3, 3)', $f8)), 100);
is($out, "1\t{1,-2.5,0.125}\n2\t{3e-05,4,1e+10}\n3\t{0,0,-7}\n", "npy <f8: read");

my %bad = (
	'element type' => [ write_file('d.npy', npy(1, '<i4', 'False', '(3, 3)', $f4)), qr/'<f4' or '<f8'/ ],
	'Fortran order' => [ write_file('e.npy', npy(1, '<f4', 'True', '(3, 3)', $f4)), qr/C order/ ],
	'truncated .npy' => [ write_file('f.npy', npy(1, '<f4', 'False', '(3, 3)', substr($f4, 0, 30))), qr/truncated/ ],
	'mixed lengths' => [ write_file('g.fvecs', pack('l<f<3', 3, 1, 2, 3) . pack('l<f<2', 2, 1, 2)), qr/has 2 dimensions, not 3/ ],
	'truncated .fvecs' => [ write_file('h.fvecs', pack('l<f<2', 3, 1, 2)), qr/truncated/ ],
	'another name' => [ write_file('i.bin', $f4), qr/must end in \.fvecs or \.npy/ ]);
foreach my $case (sort keys %bad)
{
	my ($file, $message) = @{ $bad{$case} };
	my ($status, $stdout, $stderr) = run_script($file, 100);
	is($status, 1, "$case: refused");
	like($stderr, $message, "$case: with a message");
}

# The lines load as the table the bench reads.
my $node = PostgreSQL::Test::Cluster->new('vectors_copy');
$node->init;
$node->start;
$node->safe_psql('postgres', 'CREATE TABLE points (id int PRIMARY KEY, v real[])');
(undef, $out) = run_script($fvecs, 100);
$node->safe_psql('postgres', "COPY points FROM STDIN;\n$out\\.\n");
is( $node->safe_psql('postgres', 'SELECT id, v FROM points ORDER BY id'),
	"1|{1,-2.5,0.125}\n2|{3e-05,4,1e+10}\n3|{0,0,-7}",
	'the COPY lines load the vectors of the file');
$node->stop;
done_testing();
