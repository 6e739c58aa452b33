#!/usr/bin/env perl
# bench/vector/vectors_copy.pl FILE LIMIT
# bench/vector/vectors_copy.pl --dims FILE
#	Reads the vectors of a .fvecs file (each vector: little-endian int32
#	dimension count, then that many float32) or a .npy file (NumPy's
#	format, versions 1 to 3: a 2-D array of '<f4' or '<f8' in C order) and
#	prints the first LIMIT of them in COPY's text format for a table
#	(id int, v real[]), ids from 1 in file order; with --dims, prints the
#	dimension count only.  bench/vector/run.sh loads BENCH_FILE through it.
#	Refuses anything else (other element types, Fortran order, vectors of
#	different lengths, a truncated file) with a message and exit status 1.
#
# Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
use strict;
use warnings;

my $dims_only = 0;
if (@ARGV && $ARGV[0] eq '--dims')
{
	$dims_only = 1;
	shift @ARGV;
}
my ($file, $limit) = @ARGV;
die "usage: $0 FILE LIMIT | --dims FILE\n"
  unless defined $file && ($dims_only || defined $limit);
$limit = 1 if $dims_only;
die "$0: LIMIT must be a positive whole number\n" unless $limit =~ /^[1-9][0-9]*$/;

open(my $fh, '<:raw', $file) or die "$0: could not open \"$file\": $!\n";

# Reads exactly $len bytes, or returns undef at a clean end of file.
sub read_exact
{
	my ($len) = @_;
	my $buf = '';
	my $got = read($fh, $buf, $len);
	die "$0: could not read \"$file\": $!\n" unless defined $got;
	return undef if $got == 0;
	die "$0: \"$file\" is truncated\n" if $got != $len;
	return $buf;
}

sub emit
{
	my ($id, @values) = @_;
	print "$id\t{" . join(',', map { sprintf('%.9g', $_) } @values) . "}\n";
}

if ($file =~ /\.npy$/)
{
	my $magic = read_exact(8) // die "$0: \"$file\" is empty\n";
	my ($major) = unpack('x6 C', $magic);
	die "$0: \"$file\" is not a .npy file\n" unless substr($magic, 0, 6) eq "\x93NUMPY";
	my $header_len = $major == 1 ? unpack('v', read_exact(2)) : unpack('V', read_exact(4));
	my $header = read_exact($header_len);
	my ($descr) = $header =~ /'descr':\s*'([^']*)'/;
	my ($fortran) = $header =~ /'fortran_order':\s*(\w+)/;
	my ($rows, $dims) = $header =~ /'shape':\s*\(\s*(\d+)\s*,\s*(\d+)\s*\)/;
	die "$0: \"$file\": a 2-D array of '<f4' or '<f8' in C order is expected, not $header\n"
	  unless defined $descr && ($descr eq '<f4' || $descr eq '<f8')
	  && defined $fortran && $fortran eq 'False' && defined $dims && $dims > 0;
	if ($dims_only)
	{
		print "$dims\n";
		exit 0;
	}
	my ($size, $format) = $descr eq '<f4' ? (4, 'f<') : (8, 'd<');
	$rows = $limit if $rows > $limit;
	for my $id (1 .. $rows)
	{
		my $buf = read_exact($dims * $size) // die "$0: \"$file\" is truncated\n";
		emit($id, unpack("$format$dims", $buf));
	}
}
else
{
	die "$0: \"$file\": the name must end in .fvecs or .npy\n" unless $file =~ /\.fvecs$/;
	my $dims;
	my $id = 0;
	while ($id < $limit)
	{
		my $head = read_exact(4);
		last unless defined $head;
		my $d = unpack('l<', $head);
		die "$0: \"$file\": vector " . ($id + 1) . " has $d dimensions\n" if $d <= 0;
		$dims //= $d;
		die "$0: \"$file\": vector " . ($id + 1) . " has $d dimensions, not $dims\n"
		  if $d != $dims;
		if ($dims_only)
		{
			print "$dims\n";
			exit 0;
		}
		emit(++$id, unpack("f<$d", read_exact(4 * $d) // die "$0: \"$file\" is truncated\n"));
	}
	die "$0: \"$file\" holds no vector\n" unless defined $dims;
}
