#!/usr/bin/env bash
# scripts/run.sh
#	`make run`: installs what is missing, builds and installs every module,
#	then creates (once) and starts a local cluster under ./.epiphany/ with
#	the four libraries preloaded, listening on 127.0.0.1:$PGPORT (default
#	5433), with database "epiphany" holding the whole suite and, on the first
#	run, the demo (deploy/demo/demo.sql).  Prints the psql command that
#	connects.
#
#	Safe to run again: an existing cluster is reused with its data, and
#	restarted when the build installed new libraries.  A port
#	taken by another server, or a failed first start, stops the script with a
#	clear message and leaves no half-made cluster behind.
#
# Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

port=${PGPORT:-5433}
home="$EP_TOP/.epiphany"
user=$(ep_server_user)

"$EP_TOP/scripts/build.sh"

pg() {
	ep_as_server_user "$EP_PG_BINDIR/$1" "${@:2}"
}

# Where the cluster lives.  The server user must reach the checkout; when it
# cannot (a checkout under /root, say), the data goes to the server user's
# home and ./.epiphany links to it.
ensure_home() {
	if [ -e "$home" ]; then
		return
	fi
	if [ "$(id -u)" -eq 0 ] && ! runuser -u "$user" -- test -x "$EP_TOP"; then
		local target
		target="$(getent passwd "$user" | cut -d: -f6)/epiphany-$(echo "$EP_TOP" | md5sum | cut -c1-8)"
		mkdir -p "$target"
		chown "$user" "$target"
		ln -s "$target" "$home"
		ep_note "$user cannot reach $EP_TOP: the cluster lives in $target"
	else
		mkdir -p "$home"
		[ "$(id -u)" -eq 0 ] && chown "$user" "$home"
	fi
}

running() {
	[ -f "$home/data/postmaster.pid" ] && pg pg_ctl status -D "$home/data" >/dev/null 2>&1
}

port_in_use() {
	(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null
}

create_cluster() {
	ep_note "creating a cluster in $home/data"
	rm -rf "$home/data.new"
	pg initdb -D "$home/data.new" -U "$user" --auth=trust --encoding=UTF8 --locale=C.UTF-8 \
		--data-checksums >/dev/null
	cp "$EP_TOP/deploy/postgresql/epiphany.conf" "$home/data.new/epiphany.conf"
	[ "$(id -u)" -eq 0 ] && chown "$user" "$home/data.new/epiphany.conf"
	cat >>"$home/data.new/postgresql.conf" <<CONF

# Added by EpiphanyDB's make run: a development cluster on this machine only.
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = ''
include 'epiphany.conf'
CONF
	mv "$home/data.new" "$home/data"
}

start_cluster() {
	local fresh=$1
	mkdir -p "$home/log"
	[ "$(id -u)" -eq 0 ] && chown "$user" "$home/log"
	if ! pg pg_ctl start -w -D "$home/data" -l "$home/log/postgresql.log" -o "-p $port" >/dev/null; then
		tail -n 20 "$home/log/postgresql.log" >&2 || true
		if [ "$fresh" = yes ]; then
			rm -rf "$home/data"
			ep_die "the new cluster did not start; it was removed (log above)"
		fi
		ep_die "the cluster in $home/data did not start (log above)"
	fi
}

# True when an installed library is newer than the running server: a server
# that preloads a library must restart to use a new build of it (new
# backends would otherwise load a second copy beside the preloaded one).
libraries_changed() {
	local lib
	for lib in "$("$EP_PG_CONFIG" --pkglibdir)"/epiphany_*.so; do
		[ "$lib" -nt "$home/data/postmaster.pid" ] && return 0
	done
	return 1
}

ensure_home
if running; then
	port=$(sed -n 4p "$home/data/postmaster.pid")
	if libraries_changed; then
		ep_note "restarting the cluster in $home/data to load the new build"
		pg pg_ctl restart -w -m fast -D "$home/data" -l "$home/log/postgresql.log" -o "-p $port" >/dev/null
	else
		ep_note "the cluster in $home/data is already running"
	fi
else
	if port_in_use; then
		ep_die "port $port on 127.0.0.1 is in use by another program.
Stop it, or choose another port:  PGPORT=5434 make run"
	fi
	fresh=no
	if [ ! -f "$home/data/PG_VERSION" ]; then
		create_cluster
		fresh=yes
	fi
	start_cluster "$fresh"
fi

psql_cmd=(psql -h 127.0.0.1 -p "$port" -U "$user")
if [ "$(pg psql -h 127.0.0.1 -p "$port" -U "$user" -d postgres -XAtc \
	"SELECT count(*) FROM pg_database WHERE datname = 'epiphany'")" = 0 ]; then
	pg createdb -h 127.0.0.1 -p "$port" -U "$user" epiphany
fi
pg psql -h 127.0.0.1 -p "$port" -U "$user" -d epiphany -Xq -v ON_ERROR_STOP=1 \
	-c 'SET client_min_messages = warning' -c 'CREATE EXTENSION IF NOT EXISTS epiphany CASCADE'

# The demo, once: a database that already has it keeps its data.
if [ "$(pg psql -h 127.0.0.1 -p "$port" -U "$user" -d epiphany -XAtc \
	"SELECT to_regclass('public.documents') IS NULL")" = t ]; then
	ep_note "loading the demo (deploy/demo/demo.sql)"
	pg psql -h 127.0.0.1 -p "$port" -U "$user" -d epiphany -Xq -v ON_ERROR_STOP=1 \
		-f - <"$EP_TOP/deploy/demo/demo.sql" >/dev/null
fi

echo
echo "EpiphanyDB is running on 127.0.0.1:$port (data in $home/data)."
echo "Connect with:"
echo
echo "    ${psql_cmd[*]} epiphany"
echo
echo "Then try:  SELECT * FROM epiphany.storage_engines;"
echo "           SELECT id, content FROM documents"
echo "            ORDER BY embedding <-> epiphany.embed_text('monitoring time series', 384) LIMIT 5;"
echo "Stop it with:  make stop"
