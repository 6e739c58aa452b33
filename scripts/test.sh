#!/usr/bin/env bash
# scripts/test.sh [MODULE ...]
#	`make test`: builds and installs every module (or the modules named, with
#	scripts/build.sh), then runs each one's suites - pg_regress files,
#	isolation specs, TAP files - each on throw-away clusters run by an
#	unprivileged user in a writable copy of the tree.  Prints a failing
#	suite's diffs and logs, ends with the line "N passed, M failed" counting
#	regression files, isolation specs and TAP files, and exits non-zero on
#	any failure (a build warning is a failure: the build uses -Werror).
#
# Copyright (c) 2026, EpiphanyDB contributors. Licensed under Apache-2.0.
set -uo pipefail
source "$(dirname "$0")/lib.sh"

passed=0
failed=0
failures=()

finish() {
	echo
	[ ${#failures[@]} -gt 0 ] && printf 'failed: %s\n' "${failures[@]}"
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit
}

record_failure() {
	failed=$((failed + 1))
	failures+=("$1")
}

modules=("$@")
[ ${#modules[@]} -gt 0 ] || modules=("${EP_MODULES[@]}")

if ! "$EP_TOP/scripts/build.sh" "${modules[@]}"; then
	record_failure "build"
	finish
fi

# A writable copy owned by the server user: the checkout may be read-only to
# it, and PostgreSQL refuses to run as root.
work=$(mktemp -d /tmp/epiphany-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
tar -C "$EP_TOP" --exclude=.git --exclude=.epiphany -cf - . | tar -C "$work" -xf -
[ "$(id -u)" -eq 0 ] && chown -R "$(ep_server_user)" "$work"
chmod 755 "$work"

run_make() {
	local module=$1
	shift
	ep_as_server_user PATH="$PATH" HOME="$work" \
		make -s -C "$work/$module" PG_CONFIG="$EP_PG_CONFIG" "$@"
}

# pg_regress and pg_isolation_regress print one "test NAME ... ok|FAILED" line
# a file; a run that fails before any test (cluster start-up) counts as one
# failure of the suite.
run_pg_regress_suite() {
	local module=$1 suite=$2 log ok bad status
	log="$work/$module-$suite.log"
	run_make "$module" "check-$suite" 2>&1 | tee "$log"
	status=${PIPESTATUS[0]}
	ok=$(grep -cE '^(test )? *[^ ]+ +\.\.\. ok' "$log")
	bad=$(grep -E '^(test )? *[^ ]+ +\.\.\. FAILED' "$log" | awk '{print ($1 == "test") ? $2 : $1}')
	passed=$((passed + ok))
	for t in $bad; do
		record_failure "$module/$suite/$t"
	done
	if [ "$status" -ne 0 ] && [ -z "$bad" ]; then
		record_failure "$module/$suite (did not run)"
	fi
	for f in "$work/$module/test/regression.diffs" "$work/$module/test/output_iso/regression.diffs"; do
		[ "$status" -ne 0 ] && [ -s "$f" ] && cat "$f"
	done
}

run_tap_suite() {
	local module=$1 t
	for t in "$work/$module"/test/t/*.pl; do
		[ -e "$t" ] || continue
		t=${t#"$work/$module/"}
		if run_make "$module" check-tap EP_TAP_TEST="$t"; then
			passed=$((passed + 1))
		else
			record_failure "$module/$t"
			find "$work/$module/tmp_check/tap/log" -name '*.log' -print -exec tail -n 40 {} \; 2>/dev/null
		fi
	done
}

for m in "${modules[@]}"; do
	ep_note "testing $m"
	run_pg_regress_suite "$m" regress
	run_pg_regress_suite "$m" isolation
	run_tap_suite "$m"
done
finish
