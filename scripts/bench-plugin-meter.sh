#!/usr/bin/env bash
# Instructions per plugin call under each CPU meter (`[plugins] cpu_meter`: "fuel" counts
# WebAssembly fuel in the plugin's compiled code, "time" reads the thread's CPU time at epoch
# ticks), counted by valgrind's callgrind inside benches/filters.rs's `measured` (one
# `PluginHost::filter` of the bench's 5 KB newsletter, the plugin alone, instances reused as in
# the server). Unlike wall or CPU time, the count does not depend on what else the machine runs.
#
#   scripts/bench-plugin-meter.sh [CALLS] [PLUGIN...]
#
# Default CALLS=20, plugins noop lists attachments promotions spam. Needs valgrind, the plugins
# in plugins/dist (scripts/build-plugins.sh plugins/dist) and a build of the bench: FILTERS_BIN=path,
# or built here with `cargo bench --bench filters --no-run` (release profile).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CALLS="${1:-20}"
shift $(( $# > 0 ? 1 : 0 ))
PLUGINS=("$@")
[ ${#PLUGINS[@]} -gt 0 ] || PLUGINS=(noop lists attachments promotions spam)
cd "$ROOT"
BIN="${FILTERS_BIN:-}"
[ -n "$BIN" ] || BIN="$(cargo bench --bench filters --no-run --message-format=json 2>/dev/null \
    | python3 "$ROOT/scripts/cargo_executable.py" filters)"
[ -x "$BIN" ] || { echo "bench-plugin-meter: no bench binary" >&2; exit 1; }
export MAILSIFT_BUNDLED_PLUGINS="${MAILSIFT_BUNDLED_PLUGINS:-$ROOT/plugins/dist}"
export MAILSIFT_TEST_PLUGINS="${MAILSIFT_TEST_PLUGINS:-$ROOT/plugins/dist/testing}"
export MAILSIFT_BENCH_SMALL_POOL=1
# Under valgrind a call runs ~50× slower: a large budget keeps the backstop (10 × cpu_ms) away.
CFG="$(mktemp)"
printf "[plugins]\ncpu_ms = 60000\n" > "$CFG"
export MAILSIFT_BENCH_CONFIG="${MAILSIFT_BENCH_CONFIG:-$CFG}"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP" "$CFG"' EXIT
count() { # plugin meter -> instructions per call
    MAILSIFT_BENCH_CASE="$1:$2:$CALLS" valgrind --tool=callgrind --toggle-collect='*filters::measured*' \
        --callgrind-out-file="$TMP/out" "$BIN" >/dev/null 2>"$TMP/err" || { cat "$TMP/err" >&2; exit 1; }
    local total
    total="$(grep -E '^(summary|totals):' "$TMP/out" | head -1 | awk '{print $2}')"
    echo $(( total / CALLS ))
}
echo "| plugin | instructions/call, fuel | instructions/call, CPU time | time / fuel |"
echo "|---|---|---|---|"
for p in "${PLUGINS[@]}"; do
    f="$(count "$p" fuel)"
    t="$(count "$p" time)"
    echo "| $p | $f | $t | $(python3 -c "print(f'{$t / max($f, 1):.3f}')") |"
done
