# vectorstore/test/t/006_ivfflat_wal.pl
#	WAL of the ivfflat index: a streaming standby replays the build (logged
#	once, page by page) and the GenericXLog records of inserts (tuple
#	added, chain extended) and vacuums (tuples removed), with
#	wal_consistency_checking = 'all' so that every replayed page is
#	compared with the primary's image; after each round of
#	delete/vacuum/insert the standby's index scans (probes = lists, so
#	exact) return what the primary's return, also through a halfvec
#	expression index (halfvec_cosine_ops) and a binary_quantize bit
#	expression index (bit_hamming_ops).  Then an immediate (crash)
#	stop right after committed inserts: after restart an index scan finds
#	every committed row.
#
# Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib $FindBin::RealBin;
use VectorstoreStandby;

my ($primary, $standby) = start_primary_and_standby();

# Top-10 of five queries, through the index only, every list probed.
my $topk_query = q{
SET enable_seqscan = off;
SET ivfflat.probes = 10;
SELECT q, ARRAY(SELECT i FROM tst ORDER BY v <-> q LIMIT 10)
  FROM unnest(ARRAY['[0,0,0]', '[0.5,0.5,0.5]', '[1,0,1]', '[0.2,0.9,0.1]',
                    '[1,1,1]']::vector[]) q
 ORDER BY q::text;
};

# The same queries through the halfvec and bit expression indexes.
my $typed_query = q{
SET enable_seqscan = off;
SET ivfflat.probes = 10;
SELECT q, ARRAY(SELECT i FROM tst ORDER BY v::halfvec(3) <=> q::halfvec(3) LIMIT 10),
       ARRAY(SELECT i FROM tst ORDER BY binary_quantize(v)::bit(3) <~> binary_quantize(q) LIMIT 10)
  FROM unnest(ARRAY['[0.1,0.1,0.1]', '[0.5,0.5,0.5]', '[1,0,1]', '[0.2,0.9,0.1]',
                    '[1,1,1]']::vector[]) q
 ORDER BY q::text;
};

# The exact answers, by sequential scan.
my $exact_query = q{
SET enable_indexscan = off;
SET enable_bitmapscan = off;
SELECT q, ARRAY(SELECT i FROM tst ORDER BY v <-> q, i LIMIT 10)
  FROM unnest(ARRAY['[0,0,0]', '[0.5,0.5,0.5]', '[1,0,1]', '[0.2,0.9,0.1]',
                    '[1,1,1]']::vector[]) q
 ORDER BY q::text;
};

# The standby replays everything and answers as the primary does, which is
# the exact answer.
sub check_replay
{
	my ($round) = @_;
	$primary->wait_for_catchup($standby);
	my $expected = $primary->safe_psql('postgres', $topk_query);
	my $got = $standby->safe_psql('postgres', $topk_query);
	is($got, $expected, "round $round: the standby returns the primary's top-10");
	is( $standby->safe_psql('postgres', $typed_query),
		$primary->safe_psql('postgres', $typed_query),
		"round $round: and so it does through the halfvec and bit indexes");
	is($expected, $primary->safe_psql('postgres', $exact_query),
		"round $round: which is the exact top-10");
}

$primary->safe_psql('postgres', 'CREATE EXTENSION epiphany_vectorstore');
$primary->safe_psql('postgres', q{
SELECT setseed(0.5);
CREATE TABLE tst (i int, v vector(3));
INSERT INTO tst SELECT i, ARRAY[random(), random(), random()]::real[]
  FROM generate_series(1, 1000) i;
CREATE INDEX tst_ivf ON tst USING ivfflat (v vector_l2_ops) WITH (lists = 10);
CREATE INDEX tst_half ON tst USING ivfflat ((v::halfvec(3)) halfvec_cosine_ops) WITH (lists = 10);
CREATE INDEX tst_bit ON tst USING ivfflat ((binary_quantize(v)::bit(3)) bit_hamming_ops)
  WITH (lists = 10);
});

my $plan = $standby->safe_psql('postgres',
	"SET enable_seqscan = off; EXPLAIN (COSTS OFF) SELECT i FROM tst ORDER BY v <-> '[0,0,0]' LIMIT 10"
);
like($plan, qr/Index Scan using tst_ivf/, 'the standby scans the index');
like(
	$standby->safe_psql('postgres',
		"SET enable_seqscan = off; EXPLAIN (COSTS OFF) SELECT i FROM tst ORDER BY binary_quantize(v)::bit(3) <~> B'101' LIMIT 10"
	),
	qr/Index Scan using tst_bit/,
	'and the bit index');
check_replay(0);

# Rounds of delete, vacuum and insert: 300 inserted rows a round fill
# posting pages and extend chains (records of up to three buffers).
for my $round (1 .. 8)
{
	my $lo = ($round - 1) * 100 + 1;
	my $next = 1000 + ($round - 1) * 300;
	$primary->safe_psql('postgres', qq{
DELETE FROM tst WHERE i BETWEEN $lo AND $lo + 79;
VACUUM tst;
INSERT INTO tst SELECT i, ARRAY[random(), random(), random()]::real[]
  FROM generate_series($next + 1, $next + 300) i;
});
	check_replay($round);
}

# Crash right after committed inserts into a fresh index (built on an empty
# table, so every tuple goes through the insert path): every committed row
# must be found by an index scan after restart.
$primary->safe_psql('postgres', q{
CREATE TABLE crash (i int, v vector(3));
CREATE INDEX crash_ivf ON crash USING ivfflat (v vector_l2_ops) WITH (lists = 5);
});
for my $batch (0 .. 5)
{
	my $first = $batch * 100 + 1;
	$primary->safe_psql('postgres', qq{
INSERT INTO crash SELECT i, ARRAY[random(), random(), random()]::real[]
  FROM generate_series($first, $first + 99) i;
});
}
$primary->stop('immediate');
$primary->start;

my $through_index = $primary->safe_psql('postgres', q{
SET enable_seqscan = off;
SET ivfflat.probes = 5;
SELECT count(*), min(i), max(i), count(DISTINCT i)
  FROM (SELECT i FROM crash ORDER BY v <-> '[0.5,0.5,0.5]' LIMIT 1000) s;
});
is($through_index, '600|1|600|600', 'after a crash the index finds every committed row');
is( $primary->safe_psql(
		'postgres',
		"SET enable_seqscan = off; EXPLAIN (COSTS OFF) SELECT i FROM crash ORDER BY v <-> '[0,0,0]' LIMIT 1000"
	),
	"Limit\n  ->  Index Scan using crash_ivf on crash\n        Order By: (v <-> '[0,0,0]'::vector)",
	'that count came from the index');

# The standby follows the restarted primary and agrees with it.
$primary->safe_psql('postgres',
	q{INSERT INTO tst SELECT i, ARRAY[random(), random(), random()]::real[] FROM generate_series(9001, 9300) i}
);
check_replay('after crash');

done_testing();
