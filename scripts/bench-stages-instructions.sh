#!/usr/bin/env bash
# Instructions per message of stages of the inbound pipeline (benches/stages.rs), counted by
# valgrind's callgrind: each stage is run alone (`--only STAGE`), counting only inside the bench's
# timing loop (`--toggle-collect`: set-up such as the RSA key generation is left out), divided by
# the number of runs of the loop (N and the warm-up's N/10).
# Unlike wall time, the count does not depend on what else the machine runs.
#
#   scripts/bench-stages-instructions.sh [N] [MESSAGE.eml] [STAGE...]
#
# Default N=20 (≥ 10) and the stages parse-twice parse-once parse auth-parse auth-from-parsed sieve.
# Needs valgrind (apt-get install valgrind) and the release bench (cargo bench --no-run), or
# STAGES_BIN=path of a bench binary already built.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
N="${1:-20}"
MESSAGE="${2:-}"
shift $(( $# > 2 ? 2 : $# ))
STAGES=("$@")
[ ${#STAGES[@]} -gt 0 ] || STAGES=(parse-twice parse-once parse auth-parse auth-from-parsed sieve)
cd "$ROOT"
# STAGES_BIN: another build of the bench (e.g. the `test` profile's, target/debug/deps/stages-*).
BIN="${STAGES_BIN:-}"
[ -n "$BIN" ] || BIN="$(cargo bench --bench stages --no-run --message-format=json 2>/dev/null \
    | python3 "$ROOT/scripts/cargo_executable.py" stages)"
[ -x "$BIN" ] || { echo "bench-stages-instructions: no bench binary" >&2; exit 1; }
# A few pool slots and a large CPU budget for the plugin stages (valgrind, see benches/stages.rs).
export MAILSIFT_BENCH_SMALL_POOL=1
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
count() { # stage iterations -> instructions inside the timing loop
    valgrind --tool=callgrind --toggle-collect='*stages::time*' --callgrind-out-file="$TMP/out" "$BIN" "$2" ${MESSAGE:+"$MESSAGE"} --only "$1" >/dev/null 2>"$TMP/err" \
        || { cat "$TMP/err" >&2; exit 1; }
    grep -E '^(summary|totals):' "$TMP/out" | head -1 | awk '{print $2}'
}
echo "| stage | instructions/message |"
echo "|---|---|"
# Runs of the measured closure at N iterations: the bench warms up with N/10 (at least 1) first.
runs() { local w=$(( $1 / 10 )); echo $(( $1 + (w > 1 ? w : 1) )); }
for s in "${STAGES[@]}"; do
    echo "| $s | $(( $(count "$s" "$N") / $(runs "$N") )) |"
done
