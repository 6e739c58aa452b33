# vectorstore/test/t/001_hnsw_wal.pl
#	WAL of the hnsw index: a streaming standby (VectorstoreStandby.pm)
#	replays the build (logged once, page by page) and the GenericXLog
#	records of inserts and vacuums, with wal_consistency_checking = 'all'
#	so that every replayed page is compared with the primary's image;
#	after each round of
#	delete/vacuum/insert the standby's index scans return what the
#	primary's return.  Then an immediate (crash) stop right after committed
#	inserts: after restart an index scan finds every committed row.  Two
#	quantized indexes go through the same rounds: sq8, built from data, and
#	binary on halfvec, built empty (its first insert sets the range in the
#	metapage); a quantized index built empty also goes through the crash.
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

# Top-10 of five queries, through the index only.
my $topk_query = q{
SET enable_seqscan = off;
SET hnsw.ef_search = 100;
SELECT q, ARRAY(SELECT i FROM tst ORDER BY v <-> q LIMIT 10)
  FROM unnest(ARRAY['[0,0,0]', '[0.5,0.5,0.5]', '[1,0,1]', '[0.2,0.9,0.1]',
                    '[1,1,1]']::vector[]) q
 ORDER BY q::text;
};

# The same through the quantized indexes, on 16 dimensions.
my $quantized_query = q{
SET enable_seqscan = off;
SET hnsw.ef_search = 100;
SELECT k, ARRAY(SELECT i FROM tq ORDER BY v <-> array_fill(k * 0.2, ARRAY[16])::vector(16) LIMIT 10),
       ARRAY(SELECT i FROM tb ORDER BY v <=> array_fill(k * 0.2 - 0.5, ARRAY[16])::halfvec(16) LIMIT 10)
  FROM generate_series(1, 5) k ORDER BY k;
};

# The standby replays everything and answers as the primary does.
sub check_replay
{
	my ($round) = @_;
	$primary->wait_for_catchup($standby);
	my $expected = $primary->safe_psql('postgres', $topk_query);
	my $got = $standby->safe_psql('postgres', $topk_query);
	is($got, $expected, "round $round: the standby returns the primary's top-10");
	unlike($expected, qr/\{\}/, "round $round: every query has answers");
	$expected = $primary->safe_psql('postgres', $quantized_query);
	$got = $standby->safe_psql('postgres', $quantized_query);
	is($got, $expected, "round $round: the standby's quantized indexes return the primary's top-10");
	unlike($expected, qr/\{\}/, "round $round: every query of the quantized indexes has answers");
}

$primary->safe_psql('postgres', 'CREATE EXTENSION epiphany_vectorstore');
$primary->safe_psql('postgres', q{
SELECT setseed(0.5);
CREATE TABLE tst (i int, v vector(3));
INSERT INTO tst SELECT i, ARRAY[random(), random(), random()]::real[]
  FROM generate_series(1, 1000) i;
CREATE INDEX tst_hnsw ON tst USING hnsw (v vector_l2_ops);
CREATE TABLE tq (i int, v vector(16));
INSERT INTO tq SELECT i, ARRAY(SELECT random() FROM generate_series(1, 16))::real[]
  FROM generate_series(1, 500) i;
CREATE INDEX tq_sq8 ON tq USING hnsw (v vector_l2_ops) WITH (quantization = 'sq8');
CREATE TABLE tb (i int, v halfvec(16));
CREATE INDEX tb_bin ON tb USING hnsw (v halfvec_cosine_ops) WITH (quantization = 'binary');
INSERT INTO tb SELECT i, ARRAY(SELECT random() - 0.5 FROM generate_series(1, 16))::real[]
  FROM generate_series(1, 500) i;
});

my $plan = $standby->safe_psql('postgres',
	"SET enable_seqscan = off; EXPLAIN (COSTS OFF) SELECT i FROM tst ORDER BY v <-> '[0,0,0]' LIMIT 10"
);
like($plan, qr/Index Scan using tst_hnsw/, 'the standby scans the index');
check_replay(0);

# Rounds of delete, vacuum and insert: inserts and vacuum write GenericXLog
# records (element tuples, neighbour lists, deleted flags, entry point).
for my $round (1 .. 8)
{
	my $lo = ($round - 1) * 100 + 1;
	my $next = 1000 + ($round - 1) * 100;
	$primary->safe_psql('postgres', qq{
DELETE FROM tst WHERE i BETWEEN $lo AND $lo + 79;
VACUUM tst;
INSERT INTO tst SELECT i, ARRAY[random(), random(), random()]::real[]
  FROM generate_series($next + 1, $next + 100) i;
DELETE FROM tq WHERE i BETWEEN $lo AND $lo + 39;
DELETE FROM tb WHERE i BETWEEN $lo AND $lo + 39;
VACUUM tq;
VACUUM tb;
INSERT INTO tq SELECT i, ARRAY(SELECT random() FROM generate_series(1, 16))::real[]
  FROM generate_series($next + 1, $next + 50) i;
INSERT INTO tb SELECT i, ARRAY(SELECT random() - 0.5 FROM generate_series(1, 16))::real[]
  FROM generate_series($next + 1, $next + 50) i;
});
	check_replay($round);
}

# Crash right after committed inserts into a fresh index: every committed
# row must be found by an index scan after restart.  The sq8 index built
# empty stores its first 256 values exact, sets its ranges from them (the
# range pages and the metapage record of the sixth batch) and codes the
# last 44 in them, never clamping one far (hnswquant.c): a search finds
# all 300 rows, each row's own vector finds that row first, a walk of
# every element page (a NULL query of a generic plan) finds all 300, and
# a search returns after the crash exactly what it returned before it.
# (Before format 4 the ranges came from the first value, and a search
# once reached 284 of the 300.)
$primary->safe_psql('postgres', q{
CREATE TABLE crash (i int, v vector(3));
CREATE INDEX crash_hnsw ON crash USING hnsw (v vector_l2_ops);
CREATE TABLE crashq (i int, v vector(3));
CREATE INDEX crashq_sq8 ON crashq USING hnsw (v vector_l2_ops) WITH (quantization = 'sq8');
});
for my $batch (0 .. 5)
{
	my $first = $batch * 50 + 1;
	$primary->safe_psql('postgres', qq{
INSERT INTO crash SELECT i, ARRAY[random(), random(), random()]::real[]
  FROM generate_series($first, $first + 49) i;
INSERT INTO crashq SELECT * FROM crash WHERE i >= $first;
});
}
my $crashq_search = q{
SET enable_seqscan = off;
SET hnsw.ef_search = 1000;
SELECT array_agg(i ORDER BY n) FROM (SELECT i, row_number() OVER () AS n
  FROM (SELECT i FROM crashq ORDER BY v <-> '[0.5,0.5,0.5]' LIMIT 1000) s) t;
};
my $crashq_before = $primary->safe_psql('postgres', $crashq_search);
$primary->stop('immediate');
$primary->start;

my $through_index = $primary->safe_psql('postgres', q{
SET enable_seqscan = off;
SET hnsw.ef_search = 1000;
SELECT count(*), min(i), max(i), count(DISTINCT i)
  FROM (SELECT i FROM crash ORDER BY v <-> '[0.5,0.5,0.5]' LIMIT 1000) s;
});
is($through_index, '300|1|300|300', 'after a crash the index finds every committed row');
is( $primary->safe_psql(
		'postgres',
		"SET enable_seqscan = off; EXPLAIN (COSTS OFF) SELECT i FROM crash ORDER BY v <-> '[0,0,0]' LIMIT 1000"
	),
	"Limit\n  ->  Index Scan using crash_hnsw on crash\n        Order By: (v <-> '[0,0,0]'::vector)",
	'that count came from the index');
is( $primary->safe_psql(
		'postgres', q{
SET enable_seqscan = off;
SET plan_cache_mode = force_generic_plan;
PREPARE walk(vector) AS SELECT count(*), min(i), max(i), count(DISTINCT i)
  FROM (SELECT i FROM crashq ORDER BY v <-> $1 LIMIT 1000) s;
EXECUTE walk(NULL);
}),
	'300|1|300|300',
	'after a crash the quantized index holds every committed row');
is( $primary->safe_psql(
		'postgres', q{
SET enable_seqscan = off;
SET hnsw.ef_search = 1000;
SELECT count(*), min(i), max(i), count(DISTINCT i)
  FROM (SELECT i FROM crashq ORDER BY v <-> '[0.5,0.5,0.5]' LIMIT 1000) s;
}),
	'300|1|300|300',
	'after a crash the quantized index finds every committed row');
is( $primary->safe_psql(
		'postgres', q{
SET enable_seqscan = off;
SELECT count(*) FROM crashq a
 WHERE (SELECT b.i FROM crashq b ORDER BY b.v <-> a.v LIMIT 1) = a.i;
}),
	'300',
	'and each row\'s own vector finds that row first');
is($primary->safe_psql('postgres', $crashq_search),
	$crashq_before, 'and a search of it returns what it returned before the crash');

# The standby follows the restarted primary and agrees with it.
$primary->safe_psql('postgres',
	q{INSERT INTO tst SELECT i, ARRAY[random(), random(), random()]::real[] FROM generate_series(5001, 5100) i}
);
check_replay('after crash');

done_testing();
