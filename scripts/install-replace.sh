#!/bin/sh
# scripts/install-replace.sh
#	Installs a module's shared library for PGXS (INSTALL_SHLIB in
#	common/mk/module.mk): writes the new file beside the destination and
#	renames it over the old one.  `install` rewrites the old file in place,
#	which crashes every running server that has it loaded (preloaded
#	libraries are mapped); after a rename those servers keep the old copy
#	until they restart, and new servers load the new one.
#
#	Usage: install-replace.sh [options ignored] SOURCE DESTINATION
#
# Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
set -eu
for last; do :; done
destination=$last
source=
for arg; do
	[ "$arg" = "$destination" ] && break
	source=$arg
done
temporary="$destination.new.$$"
trap 'rm -f "$temporary"' EXIT
install -m 755 "$source" "$temporary"
mv -f "$temporary" "$destination"
trap - EXIT
