#!/usr/bin/env bash
# bench/timeseries/run.sh
#	`make bench-timeseries`: the TSBS cpu-only workload on the `make run`
#	cluster.  Our own generator writes 100 hosts reporting every 10 seconds
#	for BENCH_DAYS days (3 by default: 2,592,000 rows) - a tags table and a
#	cpu table whose ten usage_* columns are random walks between 0 and 100 -
#	to a CSV file, which is loaded by COPY into a heap table and into a
#	hypertable of 12-hour chunks.  Then it times the TSBS queries on both
#	(best of three in one session), checks that both return the same rows, and prints
#	ingest rows/s and every query's hypertable/heap time ratio (lower is
#	better for queries, higher for ingest).  Last, it times the planning of
#	a query, a DELETE and an UPDATE that need one chunk of a hypertable of
#	BENCH_CHUNKS (5,000) chunks.  The continuous-aggregate figures compare with their own
#	baselines, named under each line.
#
# Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
set -euo pipefail
source "$(dirname "$0")/../../scripts/lib.sh"

days=${BENCH_DAYS:-3}
chunk_count=${BENCH_CHUNKS:-5000}
port=${PGPORT:-5433}
db=bench_timeseries
user=$(ep_server_user)
psql_cmd=("$EP_PG_BINDIR/psql" -h 127.0.0.1 -p "$port" -U "$user" -X -q -v ON_ERROR_STOP=1)
csv=$(ep_as_server_user mktemp /tmp/epiphany-tsbs.XXXXXX.csv)
trap 'rm -f "$csv"' EXIT

run_sql() {
	ep_as_server_user "${psql_cmd[@]}" -d "$db" "$@"
}

# Milliseconds of one run of a statement (the last \timing line).
once_ms() {
	run_sql -c '\timing on' -c "$1" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -n 1
}

# Milliseconds of the best of three runs of one statement in one session,
# as TSBS runs its queries on open connections.
best_ms() {
	run_sql -c '\timing on' -c "$1" -c "$1" -c "$1" |
		sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | sort -g | head -n 1
}

# report NAME BASELINE MEASURED UNIT [BASELINE_LABEL MEASURED_LABEL]: one line with
# the ratio MEASURED / BASELINE, and the speed-up when it is over 2x.
report() {
	awk -v name="$1" -v h="$2" -v t="$3" -v unit="$4" -v hl="${5:-heap}" -v tl="${6:-hypertable}" \
		'BEGIN { printf "%-26s %-4s %12.1f %-6s %-10s %12.1f %-6s ratio %7.2f", name, hl, h, unit, tl, t, unit, t / h
		         if (t < h / 2) printf " (%.1fx faster)", h / t
		         printf "\n" }'
}

ep_as_server_user "${psql_cmd[@]}" -d postgres -c "DROP DATABASE IF EXISTS $db" \
	-c "CREATE DATABASE $db" >/dev/null
run_sql -c 'SET client_min_messages = warning' -c 'CREATE EXTENSION epiphany CASCADE'

echo "EpiphanyDB time-series benchmark (TSBS cpu-only): 100 hosts, every 10 s, $days days"
echo "commit $(git -C "$EP_TOP" rev-parse --short HEAD), $(run_sql -Atc 'SELECT version()' | cut -d, -f1)"
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores"
echo "settings: shared_buffers=$(run_sql -Atc 'SHOW shared_buffers'), work_mem=$(run_sql -Atc 'SHOW work_mem')"
echo

# The data: TSBS's tags, and cpu rows whose metrics are random walks with
# steps in [-5, 5] reflected at 0 and 100, from a random start per host.
run_sql >/dev/null <<SQL
SELECT setseed(0.2016);
CREATE TABLE tags AS
SELECT h AS id, 'host_' || h AS hostname,
       (ARRAY['us-east-1','us-west-1','us-west-2','eu-west-1','eu-central-1',
              'ap-southeast-1','ap-southeast-2','ap-northeast-1','sa-east-1'])[1 + h % 9] AS region,
       'dc_' || (h % 7) AS datacenter, (h % 100)::text AS rack,
       (ARRAY['Ubuntu16.10','Ubuntu16.04LTS','Ubuntu15.10'])[1 + h % 3] AS os,
       (ARRAY['x64','x86'])[1 + h % 2] AS arch,
       (ARRAY['SF','NYC','LON','CHI'])[1 + h % 4] AS team,
       (h % 20)::text AS service, (h % 2)::text AS service_version,
       (ARRAY['production','staging','test'])[1 + h % 3] AS service_environment
  FROM generate_series(0, 99) h;
CREATE FUNCTION reflect(x float8) RETURNS float8 LANGUAGE sql IMMUTABLE
    AS \$\$ SELECT CASE WHEN m <= 100 THEN m ELSE 200 - m END
              FROM (SELECT x - 200 * floor(x / 200) AS m) r \$\$;
COPY (
  SELECT time, 'host_' || h, h,
         round(reflect(s0)::numeric, 4), round(reflect(s1)::numeric, 4), round(reflect(s2)::numeric, 4),
         round(reflect(s3)::numeric, 4), round(reflect(s4)::numeric, 4), round(reflect(s5)::numeric, 4),
         round(reflect(s6)::numeric, 4), round(reflect(s7)::numeric, 4), round(reflect(s8)::numeric, 4),
         round(reflect(s9)::numeric, 4)
    FROM (SELECT time, h,
                 sum(d0) OVER w AS s0, sum(d1) OVER w AS s1, sum(d2) OVER w AS s2,
                 sum(d3) OVER w AS s3, sum(d4) OVER w AS s4, sum(d5) OVER w AS s5,
                 sum(d6) OVER w AS s6, sum(d7) OVER w AS s7, sum(d8) OVER w AS s8,
                 sum(d9) OVER w AS s9
            FROM (SELECT timestamptz '2016-01-01 00:00:00+00' + i * interval '10 seconds' AS time, h,
                         CASE WHEN i = 0 THEN random() * 100 ELSE random() * 10 - 5 END AS d0,
                         CASE WHEN i = 0 THEN random() * 100 ELSE random() * 10 - 5 END AS d1,
                         CASE WHEN i = 0 THEN random() * 100 ELSE random() * 10 - 5 END AS d2,
                         CASE WHEN i = 0 THEN random() * 100 ELSE random() * 10 - 5 END AS d3,
                         CASE WHEN i = 0 THEN random() * 100 ELSE random() * 10 - 5 END AS d4,
                         CASE WHEN i = 0 THEN random() * 100 ELSE random() * 10 - 5 END AS d5,
                         CASE WHEN i = 0 THEN random() * 100 ELSE random() * 10 - 5 END AS d6,
                         CASE WHEN i = 0 THEN random() * 100 ELSE random() * 10 - 5 END AS d7,
                         CASE WHEN i = 0 THEN random() * 100 ELSE random() * 10 - 5 END AS d8,
                         CASE WHEN i = 0 THEN random() * 100 ELSE random() * 10 - 5 END AS d9
                    FROM generate_series(0, $days * 8640 - 1) i, generate_series(0, 99) h) steps
          WINDOW w AS (PARTITION BY h ORDER BY time)) walks
   ORDER BY time, h
) TO '$csv' CSV;
SQL
rows=$(wc -l <"$csv")

columns='time timestamptz NOT NULL, hostname text, tags_id int,
    usage_user float8, usage_system float8, usage_idle float8, usage_nice float8,
    usage_iowait float8, usage_irq float8, usage_softirq float8, usage_steal float8,
    usage_guest float8, usage_guest_nice float8'
# The SQL that makes hypertable $1 of the cpu columns, 12-hour chunks and an
# index on (hostname, time DESC).
cpu_hypertable() {
	echo "CREATE TABLE $1 ($columns);
	      SELECT created FROM create_hypertable('$1', 'time', chunk_time_interval => interval '12 hours');
	      CREATE INDEX ON $1 (hostname, time DESC);"
}
run_sql >/dev/null <<SQL
CREATE TABLE cpu_heap ($columns);
CREATE INDEX ON cpu_heap (time DESC);
CREATE INDEX ON cpu_heap (hostname, time DESC);
$(cpu_hypertable cpu_hyper)
SQL

heap_ms=$(once_ms "COPY cpu_heap FROM '$csv' CSV")
hyper_ms=$(once_ms "COPY cpu_hyper FROM '$csv' CSV")
run_sql -c 'VACUUM ANALYZE cpu_heap' -c 'VACUUM ANALYZE cpu_hyper'
awk -v n="$rows" -v h="$heap_ms" -v t="$hyper_ms" \
	'BEGIN { printf "%-26s heap %12.0f rows/s hypertable %12.0f rows/s ratio %7.2f\n", "COPY ingest", n / h * 1000, n / t * 1000, h / t }'
echo "                           ($rows rows, $(run_sql -Atc "SELECT count(*) FROM show_chunks('cpu_hyper')") chunks)"

# The TSBS queries, in the PostgreSQL form TSBS generates for TimescaleDB
# (literal time bounds), with windows inside the data set.  avg_ is avg over the float column when
# timing, and over its exact numeric value when comparing results (float
# sums depend on the order rows are added in).
start="timestamptz '2016-01-02 08:00:00+00'"
hour_end="timestamptz '2016-01-02 09:00:00+00'"
half_day_end="timestamptz '2016-01-02 20:00:00+00'"
declare -A queries=(
	[single-groupby-1-1-1]="SELECT time_bucket('1 minute', time) AS minute, round(max(usage_user)::numeric, 6)
	   FROM TABLE WHERE hostname IN ('host_9') AND time >= $start AND time < $hour_end
	  GROUP BY minute ORDER BY minute"
	[double-groupby-1]="SELECT time_bucket('1 hour', time) AS hour, hostname, round(avg_(usage_user)::numeric, 6)
	   FROM TABLE WHERE time >= $start AND time < $half_day_end
	  GROUP BY hour, hostname ORDER BY hour, hostname"
	[double-groupby-all]="SELECT time_bucket('1 hour', time) AS hour, hostname,
	        round(avg_(usage_user)::numeric, 6), round(avg_(usage_system)::numeric, 6), round(avg_(usage_idle)::numeric, 6),
	        round(avg_(usage_nice)::numeric, 6), round(avg_(usage_iowait)::numeric, 6), round(avg_(usage_irq)::numeric, 6),
	        round(avg_(usage_softirq)::numeric, 6), round(avg_(usage_steal)::numeric, 6), round(avg_(usage_guest)::numeric, 6),
	        round(avg_(usage_guest_nice)::numeric, 6)
	   FROM TABLE WHERE time >= $start AND time < $half_day_end
	  GROUP BY hour, hostname ORDER BY hour, hostname"
	[high-cpu-all]="SELECT * FROM TABLE WHERE usage_user > 90.0
	    AND time >= $start AND time < $half_day_end ORDER BY time, hostname"
	[lastpoint]="SELECT DISTINCT ON (hostname) * FROM TABLE ORDER BY hostname, time DESC"
	[groupby-orderby-limit]="SELECT time_bucket('1 minute', time) AS minute, round(max(usage_user)::numeric, 6)
	   FROM TABLE WHERE time < $start GROUP BY minute ORDER BY minute DESC LIMIT 5"
	[full-scan-by-host]="SELECT hostname, round(avg_(usage_user)::numeric, 6), round(max(usage_system)::numeric, 6)
	   FROM TABLE GROUP BY hostname ORDER BY hostname"
)
mismatches=0
for name in single-groupby-1-1-1 double-groupby-1 double-groupby-all high-cpu-all lastpoint \
	groupby-orderby-limit full-scan-by-host; do
	timed=${queries[$name]//avg_(/avg(}
	exact=$(sed -E 's/avg_\(([a-z_]+)\)/avg(\1::numeric)/g' <<<"${queries[$name]}")
	heap_sql=${timed//TABLE/cpu_heap}
	hyper_sql=${timed//TABLE/cpu_hyper}
	if [ "$(run_sql -Atc "${exact//TABLE/cpu_heap}" | md5sum)" != \
		"$(run_sql -Atc "${exact//TABLE/cpu_hyper}" | md5sum)" ]; then
		echo "MISMATCH: $name returns different rows on the hypertable"
		mismatches=$((mismatches + 1))
	fi
	report "$name" "$(best_ms "$heap_sql")" "$(best_ms "$hyper_sql")" ms
done

# Continuous aggregates: an hourly roll-up (avg, max, min of every metric
# by host).  Its creation against CREATE TABLE AS of the same query; ingest
# by COPY into a hypertable with a roll-up defined against one without;
# refreshes after 1% late rows (spread over the whole data set, then inside
# one hour) against a forced full refresh; the dashboard query (the last 24
# hours by hour and host) on the real-time view against the raw rows.
metrics="usage_user usage_system usage_idle usage_nice usage_iowait usage_irq usage_softirq usage_steal usage_guest usage_guest_nice"
rollup="SELECT time_bucket('1 hour', time) AS bucket, hostname"
for m in $metrics; do
	rollup+=", avg($m) AS avg_${m#usage_}, max($m) AS max_${m#usage_}, min($m) AS min_${m#usage_}"
done
rollup+=" FROM cpu_hyper GROUP BY bucket, hostname"
table_ms=$(once_ms "CREATE TABLE cpu_rollup AS $rollup")
cagg_ms=$(once_ms "CREATE MATERIALIZED VIEW cpu_hourly WITH (timescaledb.continuous) AS $rollup")
report "cagg create" "$table_ms" "$cagg_ms" ms table cagg
echo "                           (baseline: CREATE TABLE AS of the same query)"

run_sql >/dev/null <<SQL
$(cpu_hypertable cpu_with_cagg)
CREATE MATERIALIZED VIEW cpu_with_cagg_hourly WITH (timescaledb.continuous) AS
SELECT time_bucket('1 hour', time) AS bucket, hostname, avg(usage_user), max(usage_user)
  FROM cpu_with_cagg GROUP BY 1, 2 WITH NO DATA;
$(cpu_hypertable cpu_without_cagg)
SQL
# Best of two loads each, in alternating order (the machine's speed drifts).
without_ms=$(once_ms "COPY cpu_without_cagg FROM '$csv' CSV")
with_ms=$(once_ms "COPY cpu_with_cagg FROM '$csv' CSV")
run_sql -c 'TRUNCATE cpu_with_cagg, cpu_without_cagg' >/dev/null
with_ms=$(awk -v a="$with_ms" -v b="$(once_ms "COPY cpu_with_cagg FROM '$csv' CSV")" 'BEGIN { print (a < b ? a : b) }')
without_ms=$(awk -v a="$without_ms" -v b="$(once_ms "COPY cpu_without_cagg FROM '$csv' CSV")" 'BEGIN { print (a < b ? a : b) }')
awk -v n="$rows" -v h="$without_ms" -v t="$with_ms" \
	'BEGIN { printf "%-26s none %12.0f rows/s cagg       %12.0f rows/s ratio %7.2f\n", "COPY ingest with cagg", n / h * 1000, n / t * 1000, h / t }'
run_sql -c 'SET client_min_messages = warning' -c 'DROP TABLE cpu_with_cagg, cpu_without_cagg CASCADE' >/dev/null

late=$((rows / 100))
late_rows() {
	echo "INSERT INTO cpu_hyper SELECT timestamptz '2016-01-01 00:00:05+00' + $1, 'host_' || h, h,
	        50, 50, 50, 50, 50, 50, 50, 50, 50, 50
	   FROM (SELECT i, i % 100 AS h FROM generate_series(1, $late) i) s"
}
# refresh_ms WHERE REFRESH: best of two runs of the refresh statement, each
# after a fresh batch of late rows at times WHERE and a checkpoint (so that
# no run competes with the flushing of the steps before it).
refresh_ms() {
	local best= ms
	for _ in 1 2; do
		run_sql -c "$(late_rows "$1")" -c CHECKPOINT >/dev/null
		ms=$(once_ms "$2")
		best=$(awk -v a="${best:-$ms}" -v b="$ms" 'BEGIN { print (a < b ? a : b) }')
	done
	echo "$best"
}
refresh="CALL refresh_continuous_aggregate('cpu_hourly', NULL, NULL)"
spread="random() * interval '$days days'"
spread_ms=$(refresh_ms "$spread" "$refresh")
full_ms=$(refresh_ms "$spread" "CALL refresh_continuous_aggregate('cpu_hourly', NULL, NULL, force => true)")
report "cagg refresh, 1% spread" "$full_ms" "$spread_ms" ms full refresh
hour_ms=$(refresh_ms "interval '1 day' + random() * interval '50 minutes'" "$refresh")
report "cagg refresh, 1% in 1 h" "$full_ms" "$hour_ms" ms full refresh
echo "                           ($late late rows; baseline: full refresh)"

day_start="timestamptz '2016-01-01 00:00:00+00' + interval '$days days' - interval '24 hours'"
raw_dash="SELECT time_bucket('1 hour', time) AS bucket, hostname, avg(usage_user), max(usage_user)
	   FROM cpu_hyper WHERE time >= $day_start GROUP BY 1, 2 ORDER BY 1, 2"
view_dash="SELECT bucket, hostname, avg_user, max_user FROM cpu_hourly
	  WHERE bucket >= $day_start ORDER BY 1, 2"
report "dashboard, last 24 h" "$(best_ms "$raw_dash")" "$(best_ms "$view_dash")" ms raw cagg
echo "                           (baseline: the same query on the raw hypertable)"

# Planning with many chunks: one row per one-hour chunk, 500 chunks a
# transaction (each new chunk holds its locks until commit).
run_sql >/dev/null <<SQL
CREATE TABLE many_chunks (time timestamptz NOT NULL, value float8);
SELECT created FROM create_hypertable('many_chunks', 'time', chunk_time_interval => interval '1 hour');
SQL
for ((first = 0; first < chunk_count; first += 500)); do
	run_sql -c "INSERT INTO many_chunks SELECT timestamptz '2016-01-01' + i * interval '1 hour', i
	              FROM generate_series($first, least($first + 499, $chunk_count - 1)) i"
done
# Planning time of an EXPLAIN (SUMMARY ON) in one session (warm caches):
# the best of three runs after a first one.
planning_ms() {
	run_sql -At -c "$1" -c "$1" -c "$1" -c "$1" |
		sed -n 's/^Planning Time: \([0-9.]*\) ms/\1/p' | tail -n 3 | sort -n | head -n 1
}
plan_query="EXPLAIN (SUMMARY ON, COSTS OFF) SELECT count(*) FROM many_chunks
             WHERE time >= '2016-03-01 00:00+00' AND time < '2016-03-01 01:00+00'"
plan_ms=$(planning_ms "$plan_query")
printf '%-26s %s chunks, a query needing one: planning %s ms (best of 3, warm)\n' "planning" "$chunk_count" "$plan_ms"
# UPDATE and DELETE of one chunk's rows: planned, opened and locked like the
# query (only that chunk), where PostgreSQL's expansion would lock all.
for statement in "DELETE FROM many_chunks" "UPDATE many_chunks SET value = value + 1"; do
	dml_plan="EXPLAIN (SUMMARY ON, COSTS OFF) $statement
	           WHERE time >= '2016-03-01 00:00+00' AND time < '2016-03-01 01:00+00'"
	dml_ms=$(planning_ms "$dml_plan")
	printf '%-26s %s chunks, %s of one: planning %s ms (best of 3, warm)\n' "planning" \
		"$chunk_count" "${statement%% *}" "$dml_ms"
done
# A real-time continuous aggregate over those chunks: its planning reads
# the watermark as a constant, so the raw part plans only the newest chunks.
run_sql -c "CREATE MATERIALIZED VIEW many_chunks_daily WITH (timescaledb.continuous) AS
            SELECT time_bucket('1 day', time) AS day, avg(value) FROM many_chunks GROUP BY 1" >/dev/null
view_plan="EXPLAIN (SUMMARY ON, COSTS OFF) SELECT * FROM many_chunks_daily WHERE day >= '2016-03-01'"
view_plan_ms=$(planning_ms "$view_plan")
printf '%-26s %s chunks, a real-time view: planning %s ms (best of 3, warm)\n' "planning" "$chunk_count" "$view_plan_ms"

[ "$mismatches" -eq 0 ] || exit 1
