#!/usr/bin/env bash
# Instructions per delivered message of the store's writer (issue 19): the test
# `store::writer::cost::delivery_cost` (distinct 5 KB messages, each with a trace record of the
# default pipeline's shape, written as `pipeline::deliver` writes them) run under valgrind's
# callgrind at N1 and N2 deliveries; (I(N2) - I(N1)) / (N2 - N1) is the cost of one delivery,
# every thread included (the writer thread's commit too), set-up and start-up cancelled out.
# Unlike wall time, the count does not depend on what else the machine runs.
#
#   scripts/bench-store-commit.sh [N1] [N2] [BATCH...]
#
# Defaults: N1=16, N2=64, batches 1 and 16 (16 concurrent writes folded into one commit).
# LIB_TEST_BIN: a lib test binary already built (`cargo test --lib --no-run`), e.g. another
# branch's, to compare side by side. Needs valgrind (apt-get install valgrind).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
N1="${1:-16}"
N2="${2:-64}"
shift $(( $# > 2 ? 2 : $# ))
BATCHES=("$@")
[ ${#BATCHES[@]} -gt 0 ] || BATCHES=(1 16)
cd "$ROOT"
BIN="${LIB_TEST_BIN:-}"
[ -n "$BIN" ] || BIN="$(cargo test --lib --no-run --message-format=json 2>/dev/null \
    | python3 "$ROOT/scripts/cargo_executable.py" mailsift --test)"
[ -x "$BIN" ] || { echo "bench-store-commit: no lib test binary" >&2; exit 1; }
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
count() { # deliveries batch -> instructions of the whole run
    MAILSIFT_DELIVERIES="$1" MAILSIFT_DELIVERY_BATCH="$2" valgrind --tool=callgrind \
        --callgrind-out-file="$TMP/out" "$BIN" --exact store::writer::cost::delivery_cost \
        --test-threads=1 >/dev/null 2>"$TMP/err" || { cat "$TMP/err" >&2; exit 1; }
    grep -E '^(summary|totals):' "$TMP/out" | head -1 | awk '{print $2}'
}
echo "| deliveries per commit | instructions/message |"
echo "|---|---|"
for b in "${BATCHES[@]}"; do
    a="$(count "$N1" "$b")"
    z="$(count "$N2" "$b")"
    echo "| $b | $(( (z - a) / (N2 - N1) )) |"
done
