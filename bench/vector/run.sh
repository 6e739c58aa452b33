#!/usr/bin/env bash
# bench/vector/run.sh
#	`make bench-vector`: approximate nearest-neighbour search with the hnsw
#	index in the `make run` cluster.  Generates a clustered Gaussian data
#	set in SQL with a fixed seed (BENCH_ROWS points of BENCH_DIMS
#	dimensions, 100,000 x 128 by default, around BENCH_CLUSTERS centres)
#	plus BENCH_QUERIES held-out query points from the same distribution,
#	computes the exact top-10 of every query by sequential scan (the
#	baseline, timed), builds the index (m = 16, ef_construction = 64,
#	timed, with its size), then for each hnsw.ef_search prints recall@10
#	against the exact answers and server-side queries per second: all the
#	queries run in one statement through a LATERAL join, so client round
#	trips do not count; best of three runs in one session after a warm-up; then
#	the smallest ef_search whose recall@10 reaches 0.95, with its q/s.  Then
#	the same for each quantized index of BENCH_QUANTIZATION ("sq8 binary" by
#	default; "" for none), built on the same table in the same run: its
#	build time, size and the ratio of the unquantized size to it, and for
#	each ef_search its recall@10 and q/s against the unquantized index's
#	(epiphany.hnsw_rerank_candidates at its default, or BENCH_RERANK: a
#	number, or "ef" to re-rank every candidate of each ef_search).
#	BENCH_EF lists the ef_search values (default "10 20 40 80 100 120
#	160").  BENCH_BUILD_WORKERS sets max_parallel_maintenance_workers for
#	the builds (default: the server's; 0 builds serially); the settings
#	line shows it.  BENCH_HOST is the server's host or socket directory
#	(default 127.0.0.1).  Ratios: hnsw / exact search, and ours / pgvector
#	when a server with pgvector is found: the peer BENCH_PEER_PORT
#	(BENCH_PEER_HOST, default BENCH_HOST), typically a second PostgreSQL
#	15 without our libraries, or else this server if pgvector is installed
#	in it and can be created in a database of its own (it usually cannot:
#	our preloaded library reserves the hnsw.* settings).  There the same
#	points and exact answers are copied into database
#	bench_vector_pgvector, the same unquantized index is built with the
#	same session settings, and each ef_search is timed right after ours
#	(alternated, so a change in the machine's speed hits both); the
#	output has pgvector's build time, size, recall@10 and q/s beside ours
#	and the ratios.  BENCH_BUILD_RUNS (default 1) builds each unquantized
#	index that many times, ours and pgvector's alternated, and reports the
#	fastest of each with every time.  The script only detects pgvector, it
#	never installs it.
#
#	BENCH_FILE names a .fvecs or .npy file of points to use instead of the
#	generated ones (vectors_copy.pl reads it): its first BENCH_ROWS +
#	BENCH_QUERIES vectors are read, the last BENCH_QUERIES of them being
#	the held-out queries, and its dimensions replace BENCH_DIMS.
#
#	Filtered search: every item has a category, a hash of its id modulo
#	100 (1% of the items each, independent of the clusters), and each
#	query asks for the 10 nearest items of one category ("WHERE category
#	= c ORDER BY v <-> q LIMIT 10", exact answers by sequential scan).
#	Through the unquantized index (seqscan off, hnsw.iterative_scan =
#	relaxed_order, BENCH_FILTER_EF, default 40) it prints recall@10 and
#	q/s, on pgvector's server too; then the plan the planner picks by
#	itself for that query, with its recall@10 and q/s.
#
# Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
set -euo pipefail
source "$(dirname "$0")/../../scripts/lib.sh"

rows=${BENCH_ROWS:-100000}
dims=${BENCH_DIMS:-128}
nqueries=${BENCH_QUERIES:-200}
file=${BENCH_FILE:-}
filter_ef=${BENCH_FILTER_EF:-40}
nclusters=${BENCH_CLUSTERS:-100}
m=16
ef_construction=64
read -r -a quantizations <<<"${BENCH_QUANTIZATION-sq8 binary}"
read -r -a ef_values <<<"${BENCH_EF:-10 20 40 80 100 120 160}"
rerank=${BENCH_RERANK:-}
port=${PGPORT:-5433}
db=bench_vector
pgv_db=bench_vector_pgvector
user=$(ep_server_user)
host=${BENCH_HOST:-127.0.0.1}
psql_cmd=("$EP_PG_BINDIR/psql" -h "$host" -p "$port" -U "$user" -X -q -v ON_ERROR_STOP=1)
# pgvector's database lives on the peer server when one is given.
pgv_psql_cmd=("${psql_cmd[@]}")
[ -z "${BENCH_PEER_PORT:-}" ] ||
	pgv_psql_cmd=("$EP_PG_BINDIR/psql" -h "${BENCH_PEER_HOST:-$host}" -p "$BENCH_PEER_PORT" -U "$user"
		-X -q -v ON_ERROR_STOP=1)
# Every session: no parallel plans (a LATERAL subquery would not get any
# anyway), no JIT (it compiles the 200-query statement for longer than the
# index takes to run it), and a build memory that holds the whole graph.
[ -z "$file" ] || dims=$(perl "$(dirname "$0")/vectors_copy.pl" --dims "$file")
session_opts="-c max_parallel_workers_per_gather=0 -c jit=off -c maintenance_work_mem=2GB -c epiphany.vector_index_build_memory=2GB"
[ -z "${BENCH_BUILD_WORKERS:-}" ] ||
	session_opts+=" -c max_parallel_maintenance_workers=$BENCH_BUILD_WORKERS"

# run_sql DATABASE [psql arguments]: on the server that holds DATABASE.
run_sql() {
	local database=$1
	shift
	if [ "$database" = "$pgv_db" ]; then
		ep_as_server_user PGOPTIONS="$session_opts" "${pgv_psql_cmd[@]}" -d "$database" "$@"
	else
		ep_as_server_user PGOPTIONS="$session_opts" "${psql_cmd[@]}" -d "$database" "$@"
	fi
}

# pgv_admin [psql arguments]: in database postgres of pgvector's server.
pgv_admin() {
	ep_as_server_user "${pgv_psql_cmd[@]}" -d postgres "$@"
}

# Milliseconds of one run of the last statement of a psql script.
once_ms() {
	local database=$1
	shift
	run_sql "$database" -c '\timing on' "$@" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -n 1
}

# best_ms DATABASE STATEMENT [psql -c settings]: milliseconds of the best
# of three runs of a statement in one session, after a first run that
# warms the backend (a new backend's first index scan costs about 0.2 s
# more on the 100,000 x 128 set).
best_ms() {
	local database=$1 sql=$2
	shift 2
	run_sql "$database" -c '\timing on' "$@" -c "$sql" -c "$sql" -c "$sql" -c "$sql" |
		sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -n 3 | sort -n | head -n 1
}

calc() {
	awk "BEGIN { printf \"$1\", $2 }"
}

# The data set: centre coordinates from a hash (uniform in [-1, 1]), the
# points' offsets from random() under a fixed seed (Box-Muller, sigma 0.5),
# evaluated in generate_series order, so every run makes the same points.
generate_sql="
SELECT setseed(0.42);
CREATE TABLE points AS
  SELECT i AS id,
         ARRAY(SELECT (abs(hashint8((1 + i % $nclusters) * 100003 + j)) % 20001) / 10000.0 - 1
                      + 0.5 * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random())
                 FROM generate_series(1, $dims) j)::real[] AS v
    FROM generate_series(1, $rows + $nqueries) i;
"
query_sql="SELECT count(*) FROM queries q
  CROSS JOIN LATERAL (SELECT id FROM items ORDER BY v <-> q.q LIMIT 10) r"

# Loads the points of the current database into items (each with its
# category, 1% of the items each) and queries.
load_items() {
	local database=$1
	run_sql "$database" <<SQL
CREATE TABLE items (id int PRIMARY KEY, category int NOT NULL, v vector($dims));
INSERT INTO items SELECT id, abs(hashint4(id)) % 100, v::vector($dims) FROM points WHERE id <= $rows;
CREATE TABLE queries (qid int PRIMARY KEY, q vector($dims));
INSERT INTO queries SELECT id, v::vector($dims) FROM points WHERE id > $rows;
VACUUM ANALYZE items;
VACUUM ANALYZE queries;
SQL
}

# build DATABASE PREFIX [QUANTIZATION]: builds the index (replacing the
# previous one) and fills PREFIX_build (s; the fastest so far of this
# PREFIX), PREFIX_builds (every time) and PREFIX_size (MB).
build() {
	local database=$1 prefix=$2 quant=${3:-none} ms s best_var=${2}_build times_var=${2}_builds
	local with="m = $m, ef_construction = $ef_construction"
	[ "$quant" = none ] || with+=", quantization = '$quant'"
	run_sql "$database" -c 'DROP INDEX IF EXISTS items_hnsw'
	ms=$(once_ms "$database" -c "CREATE INDEX items_hnsw ON items USING hnsw (v vector_l2_ops)
		WITH ($with)")
	s=$(calc '%.2f' "$ms / 1000")
	printf -v "$times_var" '%s' "${!times_var:+${!times_var} }$s"
	if [ -z "${!best_var:-}" ] || awk "BEGIN { exit !($s < ${!best_var}) }"; then
		printf -v "$best_var" '%s' "$s"
	fi
	printf -v "${prefix}_size" '%s' \
		"$(run_sql "$database" -Atc "SELECT round(pg_relation_size('items_hnsw') / 1048576.0, 1)")"
	run_sql "$database" -c 'ANALYZE items'
}

# measure DATABASE PREFIX QUANTIZATION EF: fills PREFIX_recall_EF and
# PREFIX_qps_EF for the index build made.
measure() {
	local database=$1 prefix=$2 quant=$3 ef=$4 ms plan rr
	# the re-rank count of a quantized index (a repeated SET otherwise)
	rr="SET enable_seqscan = off"
	[ "$quant" = none ] || [ -z "$rerank" ] ||
		rr="SET epiphany.hnsw_rerank_candidates = ${rerank/#ef/$ef}"
	plan=$(run_sql "$database" -Atc "SET hnsw.ef_search = $ef" -c "SET enable_seqscan = off" \
		-c "EXPLAIN (COSTS OFF) $query_sql")
	if ! grep -q 'Index Scan using items_hnsw' <<<"$plan"; then
		echo "error: the hnsw index is not used in $database:" >&2
		echo "$plan" >&2
		exit 1
	fi
	printf -v "${prefix}_recall_$ef" '%s' "$(run_sql "$database" -Atc "SET hnsw.ef_search = $ef" \
		-c "SET enable_seqscan = off" -c "$rr" -c "
SELECT round(sum((SELECT count(*) FROM unnest(e.ids) x(id) WHERE x.id = ANY (r.ids)))
             / (10.0 * count(*)), 3)
  FROM exact e JOIN queries q USING (qid)
  CROSS JOIN LATERAL (SELECT array_agg(id) AS ids
                        FROM (SELECT id FROM items ORDER BY v <-> q.q LIMIT 10) t) r")"
	ms=$(best_ms "$database" "$query_sql" -c "SET hnsw.ef_search = $ef" \
		-c "SET enable_seqscan = off" -c "$rr")
	printf -v "${prefix}_qps_$ef" '%s' "$(calc '%.0f' "$nqueries * 1000 / $ms")"
}

# The filtered queries: each query's category is its qid modulo 100.
filtered_sql="SELECT count(*) FROM queries q
  CROSS JOIN LATERAL (SELECT id FROM items WHERE category = q.qid % 100 ORDER BY v <-> q.q LIMIT 10) r"

# measure_filtered DATABASE PREFIX MODE: fills PREFIX_frecall, PREFIX_fqps
# and PREFIX_fplan for the filtered queries, through the hnsw index
# (MODE forced: seqscan off, iterative scan relaxed_order) or by the plan
# the planner picks with the same iterative scan (MODE planner).
measure_filtered() {
	local database=$1 prefix=$2 mode=$3 plan ms
	local settings=(-c "SET hnsw.ef_search = $filter_ef" -c "SET hnsw.iterative_scan = relaxed_order")
	[ "$mode" = planner ] || settings+=(-c "SET enable_seqscan = off")
	plan=$(run_sql "$database" -Atc "SET jit = off" "${settings[@]}" -c "EXPLAIN (COSTS OFF) $filtered_sql")
	if grep -q 'Index Scan using items_hnsw' <<<"$plan"; then
		printf -v "${prefix}_fplan" '%s' "the hnsw index"
	elif [ "$mode" = forced ]; then
		echo "error: the hnsw index is not used for the filtered queries in $database:" >&2
		echo "$plan" >&2
		exit 1
	else
		printf -v "${prefix}_fplan" '%s' "an exact plan ($(grep -o -m1 -E 'Seq Scan|Index Scan using [a-z_]+|Bitmap Heap Scan' <<<"$plan" | tail -n 1))"
	fi
	printf -v "${prefix}_frecall" '%s' "$(run_sql "$database" -Atc "SET jit = off" "${settings[@]}" -c "
SELECT round(sum((SELECT count(*) FROM unnest(e.ids) x(id) WHERE x.id = ANY (r.ids)))
             / sum(cardinality(e.ids)), 3)
  FROM exact_filtered e JOIN queries q USING (qid)
  CROSS JOIN LATERAL (SELECT array_agg(id) AS ids
                        FROM (SELECT id FROM items WHERE category = q.qid % 100
                               ORDER BY v <-> q.q LIMIT 10) t) r")"
	ms=$(best_ms "$database" "$filtered_sql" "${settings[@]}")
	printf -v "${prefix}_fqps" '%s' "$(calc '%.0f' "$nqueries * 1000 / $ms")"
}

# at_target PREFIX: sets PREFIX_target to "ef_search E: recall@10 R at Q
# q/s" for the smallest ef_search whose recall@10 reaches 0.95 (the
# issue's operating point) and PREFIX_target_qps to Q; both empty when none
# does.
at_target() {
	local prefix=$1 ef recall_var qps_var
	printf -v "${prefix}_target" '%s' ""
	printf -v "${prefix}_target_qps" '%s' ""
	for ef in "${ef_values[@]}"; do
		recall_var=${prefix}_recall_$ef
		qps_var=${prefix}_qps_$ef
		if awk "BEGIN { exit !(${!recall_var} >= 0.95) }"; then
			printf -v "${prefix}_target" '%s' "ef_search $ef: recall@10 ${!recall_var} at ${!qps_var} q/s"
			printf -v "${prefix}_target_qps" '%s' "${!qps_var}"
			return
		fi
	done
}

# Prints the settings of DATABASE's server that matter here.
show_settings() {
	local database=$1 name line=""
	for name in shared_buffers work_mem maintenance_work_mem max_parallel_workers_per_gather \
		max_parallel_maintenance_workers jit; do
		line+="$name=$(run_sql "$database" -Atc "SHOW $name"), "
	done
	echo "${line%, }"
}

ep_as_server_user "${psql_cmd[@]}" -d postgres -c "DROP DATABASE IF EXISTS $db" \
	-c "DROP DATABASE IF EXISTS $pgv_db" -c "CREATE DATABASE $db" >/dev/null
run_sql "$db" -c 'CREATE EXTENSION epiphany_vectorstore'

echo "EpiphanyDB vector benchmark: $rows x $dims, $nclusters clusters, $nqueries held-out queries, top-10"
commit=$(git -C "$EP_TOP" rev-parse --short HEAD)
if ! git -C "$EP_TOP" diff --quiet HEAD -- vectorstore common bench/vector ||
	[ -n "$(git -C "$EP_TOP" ls-files --others --exclude-standard -- vectorstore common bench/vector)" ]; then
	commit+=" with uncommitted changes to vectorstore, common or bench/vector"
fi
echo "commit $commit, $(run_sql "$db" -Atc 'SELECT version()' | cut -d, -f1)"
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores," \
	"simd $(run_sql "$db" -Atc 'SHOW epiphany.simd')"
echo "settings: $(show_settings "$db")," \
	"epiphany.vector_index_build_memory=$(run_sql "$db" -Atc 'SHOW epiphany.vector_index_build_memory');" \
	"index: m=$m, ef_construction=$ef_construction, vector_l2_ops"

# pgvector: on the peer server, or in this one if it loads next to our
# library; a database of its own either way.
pgvector=""
pgv_admin -c "DROP DATABASE IF EXISTS $pgv_db" -c "CREATE DATABASE $pgv_db" >/dev/null
if run_sql "$pgv_db" -c 'CREATE EXTENSION vector' >/dev/null 2>&1; then
	pgvector=$(run_sql "$pgv_db" -Atc "SELECT e.extversion FROM pg_extension e
		JOIN pg_available_extensions a ON a.name = e.extname
		WHERE e.extname = 'vector' AND a.comment NOT ILIKE '%epiphany%'")
fi
if [ -z "$pgvector" ]; then
	pgv_admin -c "DROP DATABASE $pgv_db" >/dev/null
	echo "pgvector: not available${BENCH_PEER_PORT:+ on the peer server (port $BENCH_PEER_PORT)}"
else
	echo "pgvector $pgvector in database $pgv_db${BENCH_PEER_PORT:+ of the peer server (port $BENCH_PEER_PORT)}," \
		"$(run_sql "$pgv_db" -Atc 'SELECT version()' | cut -d, -f1); settings: $(show_settings "$pgv_db")"
fi
echo

if [ -z "$file" ]; then
	ms=$(once_ms "$db" -c "$generate_sql")
	echo "generated $((rows + nqueries)) points in $(calc '%.1f' "$ms / 1000") s"
else
	run_sql "$db" -c "CREATE TABLE points (id int PRIMARY KEY, v real[])"
	perl "$(dirname "$0")/vectors_copy.pl" "$file" $((rows + nqueries)) |
		run_sql "$db" -c "COPY points FROM STDIN"
	total=$(run_sql "$db" -Atc "SELECT count(*) FROM points")
	[ "$total" -gt "$nqueries" ] || ep_die "$file holds $total vectors, not more than BENCH_QUERIES ($nqueries)"
	rows=$((total - nqueries))
	echo "read $total points of $dims dimensions from $file: $rows items, $nqueries queries"
fi
load_items "$db"

# Exact answers, which are also the baseline: every query in one statement.
ms=$(once_ms "$db" -c 'SET enable_indexscan = off' -c "
CREATE TABLE exact AS
  SELECT q.qid, r.ids
    FROM queries q
    CROSS JOIN LATERAL (SELECT array_agg(id) AS ids
                          FROM (SELECT id FROM items ORDER BY v <-> q.q LIMIT 10) t) r")
exact_qps=$(calc '%.1f' "$nqueries * 1000 / $ms")
echo "exact search (sequential scan): $nqueries queries in $(calc '%.0f' "$ms") ms, $exact_qps q/s"
run_sql "$db" -c "
CREATE TABLE exact_filtered AS
  SELECT q.qid, r.ids
    FROM queries q
    CROSS JOIN LATERAL (SELECT array_agg(id) AS ids
                          FROM (SELECT id FROM items WHERE category = q.qid % 100
                                 ORDER BY v <-> q.q LIMIT 10) t) r"

if [ -n "$pgvector" ]; then
	run_sql "$pgv_db" -c "CREATE TABLE points (id int, v real[])"
	run_sql "$db" -c "COPY points TO STDOUT" | run_sql "$pgv_db" -c "COPY points FROM STDIN"
	load_items "$pgv_db"
	run_sql "$pgv_db" -c "CREATE TABLE exact (qid int, ids int[])"
	run_sql "$db" -c "COPY exact TO STDOUT" | run_sql "$pgv_db" -c "COPY exact FROM STDIN"
	run_sql "$pgv_db" -c "CREATE TABLE exact_filtered (qid int, ids int[])"
	run_sql "$db" -c "COPY exact_filtered TO STDOUT" | run_sql "$pgv_db" -c "COPY exact_filtered FROM STDIN"
fi

for ((run = 0; run < ${BENCH_BUILD_RUNS:-1}; run++)); do
	build "$db" ours
	[ -z "$pgvector" ] || build "$pgv_db" pgv
done
# shellcheck disable=SC2154 # ours_*, pgv_* and q_* are set by build and measure (printf -v)
echo "hnsw build: ${ours_build} s (fastest of: ${ours_builds}), index ${ours_size} MB"
if [ -n "$pgvector" ]; then
	# shellcheck disable=SC2154
	echo "pgvector build: ${pgv_build} s (fastest of: ${pgv_builds}), index ${pgv_size} MB;" \
		"ours/pgvector: build time $(calc '%.2f' "$ours_build / $pgv_build")," \
		"size $(calc '%.2f' "$ours_size / $pgv_size")"
fi
echo

for ef in "${ef_values[@]}"; do
	measure "$db" ours none "$ef"
	[ -z "$pgvector" ] || measure "$pgv_db" pgv none "$ef"
done
if [ -n "$pgvector" ]; then
	printf '%-10s %10s %10s %12s %14s %12s %12s\n' ef_search recall@10 q/s hnsw/exact \
		pgv_recall@10 pgv_q/s ours/pgv_q/s
else
	printf '%-10s %10s %10s %12s\n' ef_search recall@10 q/s hnsw/exact
fi
for ef in "${ef_values[@]}"; do
	recall_var=ours_recall_$ef
	qps_var=ours_qps_$ef
	line=$(printf '%-10s %10s %10s %12s' "$ef" "${!recall_var}" "${!qps_var}" \
		"$(calc '%.1f' "${!qps_var} / $exact_qps")")
	if [ -n "$pgvector" ]; then
		pgv_recall_var=pgv_recall_$ef
		pgv_qps_var=pgv_qps_$ef
		line+=$(printf ' %14s %12s %12s' "${!pgv_recall_var}" "${!pgv_qps_var}" \
			"$(calc '%.2f' "${!qps_var} / ${!pgv_qps_var}")")
	fi
	echo "$line"
done
echo

# The operating point the issue's target is stated at.
at_target ours
echo "at recall@10 >= 0.95: ${ours_target:-not reached with ef_search up to ${ef_values[-1]}}"
if [ -n "$pgvector" ]; then
	at_target pgv
	echo "pgvector at recall@10 >= 0.95: ${pgv_target:-not reached with ef_search up to ${ef_values[-1]}}"
	# shellcheck disable=SC2154 # set by at_target (printf -v)
	[ -z "$ours_target" ] || [ -z "$pgv_target" ] ||
		echo "ours/pgvector q/s at recall@10 >= 0.95: $(calc '%.2f' "$ours_target_qps / $pgv_target_qps")"
fi

# Filtered search at 1% selectivity, through the unquantized index.
echo
measure_filtered "$db" ours forced
# shellcheck disable=SC2154 # ours_f* and pgv_f* are set by measure_filtered (printf -v)
echo "filtered search, 1% of the items match (hnsw.iterative_scan = relaxed_order," \
	"ef_search $filter_ef, index forced): recall@10 $ours_frecall at $ours_fqps q/s"
if [ -n "$pgvector" ]; then
	measure_filtered "$pgv_db" pgv forced
	# shellcheck disable=SC2154
	echo "pgvector, the same: recall@10 $pgv_frecall at $pgv_fqps q/s;" \
		"ours/pgvector q/s $(calc '%.2f' "$ours_fqps / $pgv_fqps")"
fi
measure_filtered "$db" ours planner
# shellcheck disable=SC2154
echo "the planner's own choice for these queries: $ours_fplan, recall@10 $ours_frecall at $ours_fqps q/s"

# Quantized indexes on the same table, against the unquantized one above.
for quant in "${quantizations[@]}"; do
	build "$db" "q_$quant" "$quant"
	for ef in "${ef_values[@]}"; do
		measure "$db" "q_$quant" "$quant" "$ef"
	done
	build_var=q_${quant}_build
	size_var=q_${quant}_size
	echo
	echo "quantization = '$quant': build ${!build_var} s, index ${!size_var} MB" \
		"(unquantized / $quant: $(calc '%.2f' "$ours_size / ${!size_var}") x smaller)," \
		"epiphany.hnsw_rerank_candidates = ${rerank:-$(run_sql "$db" -Atc 'SHOW epiphany.hnsw_rerank_candidates')}"
	printf '%-10s %10s %10s %12s %16s %14s\n' ef_search recall@10 q/s hnsw/exact \
		unquant_recall unquant_q/s
	for ef in "${ef_values[@]}"; do
		recall_var=q_${quant}_recall_$ef
		qps_var=q_${quant}_qps_$ef
		base_recall_var=ours_recall_$ef
		base_qps_var=ours_qps_$ef
		printf '%-10s %10s %10s %12s %16s %14s\n' "$ef" "${!recall_var}" "${!qps_var}" \
			"$(calc '%.1f' "${!qps_var} / $exact_qps")" "${!base_recall_var}" "${!base_qps_var}"
	done
	at_target "q_$quant"
	target_var=q_${quant}_target
	echo "$quant at recall@10 >= 0.95: ${!target_var:-not reached with ef_search up to ${ef_values[-1]}}"
done
echo "ratios: hnsw/exact and ours/pgvector above 1 are better for q/s; below 1 for build time and size"
