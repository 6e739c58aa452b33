# vectorstore/test/t/010_vector_compat_install.pl
#	`make install` and pgvector's extension name: the module Makefile's
#	rule install-vector-compat (part of install) is run into scratch
#	DESTDIRs.  Into an empty one it installs our `vector` extension
#	(compat/); over our own it installs again; over another package's
#	`vector` extension (a pgvector-like control file) it changes nothing,
#	adds no script, and says that it skipped ours.
#
# Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
use strict;
use warnings;
use FindBin;
use File::Path qw(make_path);
use PostgreSQL::Test::Utils;
use Test::More;

my $module = "$FindBin::RealBin/../..";
my $sharedir = `pg_config --sharedir`;
chomp $sharedir;

# Runs the rule into DESTDIR; returns its exit status and its output.
sub install_into
{
	my ($destdir) = @_;
	my $out = `make -s -C '$module' install-vector-compat DESTDIR='$destdir' 2>&1`;
	return ($? >> 8, $out);
}

# An empty DESTDIR: ours is installed.
my $empty = PostgreSQL::Test::Utils::tempdir();
my $extdir = "$empty$sharedir/extension";
my ($status, $out) = install_into($empty);
is($status, 0, 'into an empty directory: make succeeds');
like(slurp_file("$extdir/vector.control"), qr/EpiphanyDB/, 'our vector.control is installed');
ok(-f "$extdir/vector--0.1.0.sql", 'with its script');
unlike($out, qr/another package/, 'and nothing is said about another package');

# Over our own: installed again.
($status, $out) = install_into($empty);
is($status, 0, 'over our own extension: make succeeds');
unlike($out, qr/another package/, 'and installs it again');

# Over another package's extension named vector: left as it is.
my $foreign = PostgreSQL::Test::Utils::tempdir();
$extdir = "$foreign$sharedir/extension";
make_path($extdir);
my $pgvector_control = "comment = 'vector data type and ivfflat and hnsw access methods'\n"
  . "default_version = '0.8.0'\nmodule_pathname = '\$libdir/vector'\nrelocatable = true\n";
open(my $fh, '>', "$extdir/vector.control") or die "could not write vector.control: $!";
print $fh $pgvector_control;
close $fh;
($status, $out) = install_into($foreign);
is($status, 0, 'over another package\'s extension: make succeeds');
like($out, qr/another package's extension "vector" is installed; ours is not/,
	'and says that it skips ours');
is(slurp_file("$extdir/vector.control"), $pgvector_control, 'its control file is unchanged');
ok(!-e "$extdir/vector--0.1.0.sql", 'and no script of ours is added');

done_testing();
