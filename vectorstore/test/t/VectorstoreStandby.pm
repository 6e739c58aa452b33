# vectorstore/test/t/VectorstoreStandby.pm
#	The primary and streaming standby that the WAL tests (001, 006, 008)
#	share: a primary with wal_consistency_checking = 'all' (every replayed
#	record's pages are compared with the primary's images) and the given
#	extra settings, and a standby that streams from it through a physical
#	replication slot.  The slot keeps the WAL the standby has not received
#	yet: a crash test writes tens of megabytes of WAL (every record carries
#	page images for the check), and without a slot the checkpoint that ends
#	the primary's crash recovery can remove segments that a lagging standby
#	still needs; it would then wait for them forever (001 once timed out
#	so).
#
# Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
package VectorstoreStandby;

use strict;
use warnings;
use Exporter 'import';
use PostgreSQL::Test::Cluster;

our @EXPORT = qw(start_primary_and_standby);

# start_primary_and_standby(EXTRA_CONF): starts both, returns ($primary,
# $standby).  EXTRA_CONF: more postgresql.conf lines for the primary.
sub start_primary_and_standby
{
	my ($extra_conf) = @_;
	my $primary = PostgreSQL::Test::Cluster->new('primary');
	$primary->init(allows_streaming => 1);
	$primary->append_conf('postgresql.conf',
		"wal_consistency_checking = 'all'\n" . ($extra_conf // ''));
	$primary->start;
	$primary->safe_psql('postgres',
		"SELECT pg_create_physical_replication_slot('standby', true)");
	$primary->backup('backup');

	my $standby = PostgreSQL::Test::Cluster->new('standby');
	$standby->init_from_backup($primary, 'backup', has_streaming => 1);
	$standby->append_conf('postgresql.conf', "primary_slot_name = 'standby'\n");
	$standby->start;
	return ($primary, $standby);
}

1;
