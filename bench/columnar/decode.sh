#!/usr/bin/env bash
# bench/columnar/decode.sh
#	`make bench-columnar-decode`: how fast each encoding decodes, next to
#	memory speed.  Fills a columnar table of the `make run` cluster with
#	BENCH_ROWS rows (1,000,000 by default) whose columns call for every
#	encoding (bit-packing, delta, run-length, Gorilla, dictionary, decimal,
#	plain), then prints, per column and encoding, the decoded rows per
#	second and the times of decoding against copying the decoded values
#	with memcpy (epiphany.columnar_decode_speed, 20 rounds, best of three
#	calls).  The baseline runs in the same call on the same chunks.
#
# Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
set -euo pipefail

rows=${BENCH_ROWS:-1000000}
db=bench_decode
source "$(dirname "$0")/common.sh"

bench_start "EpiphanyDB columnar decode speed: $rows rows"
echo

run_sql <<SQL
CREATE TABLE decode_speed (
    small int, seq bigint, ts timestamp, runs int, smooth float8, noisy float8,
    kind text, price numeric(12,2), note text) USING columnar;
INSERT INTO decode_speed
SELECT hashint4(g) & 1023, g * 3 + g % 3, timestamp '2026-01-01' + g * interval '1 second',
       g / 5000, sin(g / 1000.0), hashint8(g)::float8 / 7,
       (ARRAY['alpha', 'beta', 'gamma', 'delta'])[g % 4 + 1],
       (abs(hashint4(g)) % 100000) / 100.0, md5(g::text)
  FROM generate_series(1, $rows) g;
SQL

# Best of three calls, per column and encoding.
run_sql -c "CREATE TABLE runs AS SELECT * FROM epiphany.columnar_decode_speed('decode_speed', 20)" \
	-c "INSERT INTO runs SELECT * FROM epiphany.columnar_decode_speed('decode_speed', 20)" \
	-c "INSERT INTO runs SELECT * FROM epiphany.columnar_decode_speed('decode_speed', 20)"
run_sql -P footer=off <<'SQL'
SELECT r.attname AS "column", encoding, max(rows) AS rows,
       round(max(rows) / min(decode_ms) / 1000) AS "decode Mrows/s",
       round(max(rows) / min(memcpy_ms) / 1000) AS "memcpy Mrows/s",
       round((min(decode_ms) / min(memcpy_ms))::numeric, 1) AS "decode/memcpy",
       round((min(load_ms) / max(rows) * 1e6)::numeric, 1) AS "load ns/row"
  FROM runs r JOIN pg_attribute a ON a.attrelid = 'decode_speed'::regclass AND a.attname = r.attname
 GROUP BY r.attname, a.attnum, encoding ORDER BY a.attnum, encoding;
SQL
echo "decode/memcpy: time to decode the chunks into Datums and NULL flags over the time to"
echo "copy that result (9 bytes a row); load: fetching the chunks and decompressing them, once."
