#!/usr/bin/env bash
# scripts/build.sh [MODULE ...]
#	Installs missing packages, builds every module (or those named) warning-free (-Werror),
#	checks that each library exports only its entry points, and installs the
#	libraries and extension files into PostgreSQL.  Shared by `make run` and
#	`make test`; safe to run again.
#
# Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

"$EP_TOP/scripts/install-deps.sh"

modules=("$@")
[ ${#modules[@]} -gt 0 ] || modules=("${EP_MODULES[@]}")
for m in "${modules[@]}"; do
	[ -f "$EP_TOP/$m/Makefile" ] || ep_die "no module named $m"
done

jobs=$(nproc 2>/dev/null || echo 2)
for m in "${modules[@]}"; do
	ep_note "building $m"
	make -s -C "$EP_TOP/$m" -j"$jobs" PG_CONFIG="$EP_PG_CONFIG" all
	make -s -C "$EP_TOP/$m" PG_CONFIG="$EP_PG_CONFIG" check-symbols
done

if ! ep_can_be_root && [ ! -w "$("$EP_PG_CONFIG" --pkglibdir)" ]; then
	ep_die "cannot install into $("$EP_PG_CONFIG" --pkglibdir): not root, and sudo asks for a password"
fi
for m in "${modules[@]}"; do
	if [ -w "$("$EP_PG_CONFIG" --pkglibdir)" ]; then
		make -s -C "$EP_TOP/$m" PG_CONFIG="$EP_PG_CONFIG" install
	else
		ep_as_root make -s -C "$EP_TOP/$m" PG_CONFIG="$EP_PG_CONFIG" install
	fi
done
ep_note "installed ${modules[*]} into PostgreSQL $EP_PG_MAJOR"
