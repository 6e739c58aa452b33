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
for info in $(grep '^pg_finfo_' <<<"$exported" || true); do
	# A here-string, not a pipe: with pipefail, grep -q closing the pipe early
	# would fail the pipeline and report a symbol as missing.
	if ! grep -qx "${info#pg_finfo_}" <<<"$exported"; then
		echo "error: $lib exports $info but not ${info#pg_finfo_}" >&2
		exit 1
	fi
done
