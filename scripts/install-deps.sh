#!/usr/bin/env bash
# scripts/install-deps.sh
#	Installs, with apt-get, the Debian packages that building, running and
#	testing EpiphanyDB need; installs only what is missing, and changes
#	nothing when everything is there.  Stops with the list of packages and
#	the command to run when it lacks the rights to install them.
#
# Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

packages=(
	build-essential
	"postgresql-$EP_PG_MAJOR"
	"postgresql-server-dev-$EP_PG_MAJOR"
	"postgresql-contrib"
	libipc-run-perl
	liblz4-dev
	libzstd-dev
	prometheus-postgres-exporter	# the monitoring test runs the real exporter
)

missing=()
for p in "${packages[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if ! ep_can_be_root; then
	ep_die "missing packages: ${missing[*]}
This user cannot install them (not root, and sudo asks for a password).
Ask an administrator to run:  apt-get install ${missing[*]}"
fi

ep_note "installing ${missing[*]}"
# Debian's postgresql package would create and start a "main" cluster on
# port 5432; EpiphanyDB runs its own cluster, so do not make that one.
if [ ! -e /etc/postgresql-common/createcluster.conf ]; then
	ep_as_root mkdir -p /etc/postgresql-common/createcluster.d
	echo 'create_main_cluster = false' |
		ep_as_root tee /etc/postgresql-common/createcluster.d/epiphany.conf >/dev/null
fi
ep_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
ep_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
