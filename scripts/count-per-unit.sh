#!/usr/bin/env bash
# Allocations and instructions per unit of work of a lib test harness (issue 19): the test runs
# under valgrind (dhat for heap blocks, callgrind for instructions, every thread) at N1 and N2
# units, set by the environment variable VAR; the difference divided by N2 - N1 is one unit's
# cost, set-up cancelled out. Counts, not times: they do not depend on the machine's load.
#
#   scripts/count-per-unit.sh TEST VAR N1 N2 [NAME=VALUE...]
#   scripts/count-per-unit.sh sieve::run::cost::default_run_cost MAILSIFT_SIEVE_RUNS 10 50
#   scripts/count-per-unit.sh plugins::host::cost::list_lookup_cost MAILSIFT_LIST_CALLS 10 50
#   scripts/count-per-unit.sh store::writer::cost::delivery_cost MAILSIFT_DELIVERIES 16 64 MAILSIFT_DELIVERY_BATCH=16
#
# LIB_TEST_BIN: a lib test binary already built (`cargo test --lib --no-run`), e.g. another
# branch's, to compare side by side. Needs valgrind.
set -euo pipefail
[ $# -ge 4 ] || { sed -n 2,13p "$0" >&2; exit 2; }
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TEST="$1" VAR="$2" N1="$3" N2="$4"
shift 4
cd "$ROOT"
BIN="${LIB_TEST_BIN:-}"
[ -n "$BIN" ] || BIN="$(cargo test --lib --no-run --message-format=json 2>/dev/null \
    | python3 "$ROOT/scripts/cargo_executable.py" mailsift --test)"
[ -x "$BIN" ] || { echo "count-per-unit: no lib test binary" >&2; exit 1; }
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
count() { # units -> "blocks instructions"
    env "$VAR=$1" "${@:2}" valgrind --tool=dhat --dhat-out-file="$TMP/dhat" "$BIN" --exact "$TEST" \
        --test-threads=1 >/dev/null 2>"$TMP/err" || { cat "$TMP/err" >&2; exit 1; }
    local blocks
    blocks="$(grep -oE 'Total: +[0-9,]+ bytes in [0-9,]+ blocks' "$TMP/err" | awk '{print $5}' | tr -d ,)"
    env "$VAR=$1" "${@:2}" valgrind --tool=callgrind --callgrind-out-file="$TMP/cg" "$BIN" --exact "$TEST" \
        --test-threads=1 >/dev/null 2>"$TMP/err" || { cat "$TMP/err" >&2; exit 1; }
    echo "$blocks $(grep -E '^(summary|totals):' "$TMP/cg" | head -1 | awk '{print $2}')"
}
read -r b1 i1 < <(count "$N1" "$@")
read -r b2 i2 < <(count "$N2" "$@")
echo "$TEST: $(( (b2 - b1) / (N2 - N1) )) allocations, $(( (i2 - i1) / (N2 - N1) )) instructions per unit"
