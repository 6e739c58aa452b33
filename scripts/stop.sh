#!/usr/bin/env bash
# scripts/stop.sh
#	`make stop`: stops the cluster that `make run` started, keeping its data.
#
# Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

data="$EP_TOP/.epiphany/data"
if [ -f "$data/postmaster.pid" ]; then
	ep_as_server_user "$EP_PG_BINDIR/pg_ctl" stop -D "$data" -m fast
else
	ep_note "no cluster is running in $data"
fi
