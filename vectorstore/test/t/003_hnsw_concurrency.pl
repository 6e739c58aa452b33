# vectorstore/test/t/003_hnsw_concurrency.pl
#	Concurrent writers on one hnsw index: pgbench clients insert rows
#	(starting from an empty graph, so they also race for the first
#	element and the entry point), delete rows, vacuum and scan at the same
#	time.  Afterwards an index scan that can reach the whole graph returns
#	exactly the table's rows, and so does it after a final VACUUM; all of it
#	for an unquantized and for an sq8 index.  The
#	index has the default m = 16: with a very small m, a plain HNSW graph
#	can leave an element that no neighbour links back to (README.md, "Not
#	done yet"), concurrency or not.
#
# Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('concurrency');
$node->init;
$node->start;

$node->safe_psql('postgres', 'CREATE EXTENSION epiphany_vectorstore');

# The same workload on an unquantized and on an sq8 index (whose first
# insert also sets the range, in a race with the other clients').
foreach my $with ('', "WITH (quantization = 'sq8')")
{
	my $kind = $with eq '' ? 'unquantized' : 'sq8';

	$node->safe_psql('postgres', qq{
DROP TABLE IF EXISTS c;
CREATE TABLE c (id serial, v vector(8));
CREATE INDEX c_hnsw ON c USING hnsw (v vector_l2_ops) $with;
});

	$node->pgbench(
		'--no-vacuum --client=4 --transactions=100',
		0,
		[qr{processed: 400/400}],
		[qr{^$}],
		"$kind: concurrent inserts, deletes, vacuums and scans",
		{
			"003_${kind}_insert\@8" => q{
INSERT INTO c (v)
  SELECT ARRAY(SELECT random() + g * 0 FROM generate_series(1, 8))::real[]
    FROM generate_series(1, 2) g;
},
			"003_${kind}_delete\@1" => q{
DELETE FROM c WHERE id = (SELECT max(id) - 3 FROM c);
},
			"003_${kind}_vacuum\@1" => q{
VACUUM c;
},
			"003_${kind}_scan\@2" => q{
SET enable_seqscan = off;
SELECT id FROM c ORDER BY v <-> '[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]' LIMIT 5;
}
		});

	# Every row through the index: ef_search above the row count.
	my $check = q{
SET enable_seqscan = off;
SET hnsw.ef_search = 1000;
SELECT (SELECT count(*) FROM c) > 0,
       (SELECT count(*) FROM c) < 1000,
       ARRAY(SELECT id FROM (SELECT id FROM c ORDER BY v <-> '[0,0,0,0,0,0,0,0]' LIMIT 1000) s
              ORDER BY id)
       = ARRAY(SELECT id FROM c ORDER BY id);
};
	is($node->safe_psql('postgres', $check), 't|t|t', "$kind: the index returns exactly the table's rows");
	is( $node->safe_psql(
			'postgres',
			"SET enable_seqscan = off; EXPLAIN (COSTS OFF) SELECT id FROM c ORDER BY v <-> '[0,0,0,0,0,0,0,0]' LIMIT 1000"
		),
		"Limit\n  ->  Index Scan using c_hnsw on c\n        Order By: (v <-> '[0,0,0,0,0,0,0,0]'::vector)",
		"$kind: through the index");

	$node->safe_psql('postgres', 'DELETE FROM c WHERE id % 4 = 0; VACUUM c;');
	is($node->safe_psql('postgres', $check), 't|t|t', "$kind: and after a final delete and VACUUM");
}

$node->stop;
done_testing();
