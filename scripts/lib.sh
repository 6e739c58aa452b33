# scripts/lib.sh
#	Shell helpers shared by the set-up and test scripts; sourced, never run.
#	Knows who may install packages (root, or a user with passwordless sudo)
#	and who runs servers (PostgreSQL refuses root: as root, the "postgres"
#	user; otherwise the invoking user).
#
# Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.

EP_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
EP_PG_MAJOR=15
EP_PG_BINDIR=/usr/lib/postgresql/$EP_PG_MAJOR/bin
EP_PG_CONFIG=$EP_PG_BINDIR/pg_config
EP_MODULES=(rowstore columnstore vectorstore timestore)

ep_die() {
	echo "error: $*" >&2
	exit 1
}

ep_note() {
	echo "==> $*"
}

# True when this process may run commands as root.
ep_can_be_root() {
	[ "$(id -u)" -eq 0 ] || sudo -n true 2>/dev/null
}

# Runs a command as root: directly, or through passwordless sudo.
ep_as_root() {
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	else
		sudo -n "$@"
	fi
}

# The unprivileged account that owns and runs clusters.
ep_server_user() {
	if [ "$(id -u)" -eq 0 ]; then
		echo postgres
	else
		id -un
	fi
}

# Runs a command as the server user, with the environment given as NAME=VALUE
# words before the command.
ep_as_server_user() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- env "$@"
	else
		env "$@"
	fi
}
