#!/usr/bin/env bash
# scripts/check-symbols.sh LIBRARY.so
#	Fails when a module exports anything but what the server looks up:
#	ep_* (V1 functions, handlers, workers), _PG_init, Pg_magic_func, pg_finfo_*.
#	Keeping everything else hidden lets pgvector, TimescaleDB or Citus load in
#	the same backend, and keeps each module's copy of common/ private.
set -euo pipefail
lib=$1
bad=$(nm -D --defined-only "$lib" | awk '{print $3}' |
	grep -vE '^(ep_.*|_PG_init|Pg_magic_func|pg_finfo_.*|_init|_fini|_edata|_end|__bss_start)$' || true)
if [ -n "$bad" ]; then
	echo "error: $lib exports symbols outside ep_*, _PG_init, Pg_magic_func, pg_finfo_*:" >&2
	echo "$bad" >&2
	exit 1
fi
# Every V1 info function needs its function exported beside it.
exported=$(nm -D --defined-only "$lib" | awk '{print $3}')
for info in $(echo "$exported" | grep '^pg_finfo_' || true); do
	if ! echo "$exported" | grep -qx "${info#pg_finfo_}"; then
		echo "error: $lib exports $info but not ${info#pg_finfo_}" >&2
		exit 1
	fi
done
