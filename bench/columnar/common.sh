# bench/columnar/common.sh
#	Sourced by the column store's benchmarks with "db" set: the `make run`
#	cluster's port (PGPORT, default 5433), psql as the server user, run_sql
#	on a fresh database "db" with the extensions created, and the header
#	lines every benchmark prints (commit, PostgreSQL version, CPU).
#
# Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
# shellcheck shell=bash
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"

port=${PGPORT:-5433}
user=$(ep_server_user)
psql_cmd=("$EP_PG_BINDIR/psql" -h 127.0.0.1 -p "$port" -U "$user" -X -q -v ON_ERROR_STOP=1)

run_sql() {
	ep_as_server_user "${psql_cmd[@]}" -d "$db" "$@"
}

# Drops and creates "db" with the extensions; prints the title and header.
bench_start() {
	ep_as_server_user "${psql_cmd[@]}" -d postgres -c "DROP DATABASE IF EXISTS $db" \
		-c "CREATE DATABASE $db" >/dev/null 2>&1
	run_sql -c 'CREATE EXTENSION epiphany CASCADE' 2>/dev/null
	echo "$1"
	echo "commit $(git -C "$EP_TOP" rev-parse --short HEAD), $(run_sql -Atc 'SELECT version()' | cut -d, -f1)"
	echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores"
}
