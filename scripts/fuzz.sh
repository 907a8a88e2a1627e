#!/usr/bin/env bash
# Runs the cargo-fuzz targets in fuzz/ (libFuzzer) for a set time each and writes the results
# table to fuzz/RESULTS.md.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]      (default: 120 s, every target)
#
# Installs cargo-fuzz if missing. Uses a nightly toolchain if one is installed, otherwise the
# stable one with RUSTC_BOOTSTRAP=1 (cargo-fuzz needs -Z flags). Crashes land in
# fuzz/artifacts/TARGET/ (fuzz/cores/artifacts/TARGET/ for the plugin cores); once fixed, copy
# the input to fuzz/regressions/TARGET/ so that tests/fuzz_corpus.rs (or the plugin cores'
# tests/fuzz_corpus.rs) replays it in every test run.
# The run's corpus grows in fuzz/corpus-run/ (ignored by git); the seeds in fuzz/corpus/ are not
# touched. Not part of CI: the coverage-instrumented build of the server and its dependencies
# (wasmtime included) takes tens of minutes on a small machine.
#
# Environment: FUZZ_RSS_MB (default 2048), FUZZ_TIMEOUT (seconds per input, default 10),
# FUZZ_SANITIZER (none|address, default none: safe Rust; address doubles build and run time).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
SECONDS_PER_TARGET=${1:-120}
shift || true
RSS_MB=${FUZZ_RSS_MB:-2048}
TIMEOUT=${FUZZ_TIMEOUT:-10}
SANITIZER=${FUZZ_SANITIZER:-none}

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz.sh: installing cargo-fuzz" >&2
    cargo install cargo-fuzz --locked
fi

# cargo-fuzz passes -Z flags to rustc: nightly, or stable told to accept them.
if cargo +nightly --version >/dev/null 2>&1; then
    FUZZ=(cargo +nightly fuzz)
    TOOLCHAIN="nightly ($(rustc +nightly --version))"
else
    export RUSTC_BOOTSTRAP=1
    FUZZ=(cargo fuzz)
    TOOLCHAIN="stable with RUSTC_BOOTSTRAP=1 ($(rustc --version))"
fi

# Two fuzz crates: fuzz/ (the server's parsers; its build includes wasmtime) and fuzz/cores/
# (the plugin cores, a quick build). A target is run from the crate that lists it.
declare -A DIR_OF
for dir in fuzz/cores fuzz; do
    for t in $("${FUZZ[@]}" list --fuzz-dir "$dir"); do
        DIR_OF[$t]=$dir
    done
done
TARGETS=("$@")
if [ ${#TARGETS[@]} -eq 0 ]; then
    mapfile -t TARGETS < <("${FUZZ[@]}" list --fuzz-dir fuzz/cores; "${FUZZ[@]}" list --fuzz-dir fuzz)
fi
BUILD_START=$(date +%s)
for t in "${TARGETS[@]}"; do
    if [ -z "${DIR_OF[$t]:-}" ]; then
        echo "fuzz.sh: no target $t (targets: ${!DIR_OF[*]})" >&2
        exit 2
    fi
    "${FUZZ[@]}" build --fuzz-dir "${DIR_OF[$t]}" -s "$SANITIZER" "$t"
done
BUILD_SECONDS=$(($(date +%s) - BUILD_START))

LOGS=$ROOT/fuzz/logs
mkdir -p "$LOGS"
ROWS=()
TOTAL_CRASHES=0
for t in "${TARGETS[@]}"; do
    artifacts=${DIR_OF[$t]}/artifacts/$t
    mkdir -p "fuzz/corpus-run/$t" "$artifacts"
    before=$(find "$artifacts" -type f | wc -l)
    start=$(date +%s)
    # Exit status 1 is a crash found (the artifact is kept); go on with the other targets.
    "${FUZZ[@]}" run --fuzz-dir "${DIR_OF[$t]}" -s "$SANITIZER" "$t" "fuzz/corpus-run/$t" "fuzz/corpus/$t" -- \
        -max_total_time="$SECONDS_PER_TARGET" -rss_limit_mb="$RSS_MB" -timeout="$TIMEOUT" \
        -max_len=65536 -print_final_stats=1 >"$LOGS/$t.log" 2>&1 || true
    elapsed=$(($(date +%s) - start))
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$LOGS/$t.log" | grep -o '[0-9]*$' | tail -n 1)
    cov=$(grep -o 'cov: [0-9]*' "$LOGS/$t.log" | tail -n 1 | grep -o '[0-9]*')
    corpus=$(find "fuzz/corpus-run/$t" -type f | wc -l)
    after=$(find "$artifacts" -type f | wc -l)
    crashes=$((after - before))
    TOTAL_CRASHES=$((TOTAL_CRASHES + crashes))
    ROWS+=("| $t | $(date -u +'%Y-%m-%d %H:%M') | $elapsed | ${execs:-?} | ${cov:-?} | $corpus | $crashes |")
    echo "fuzz.sh: $t: ${elapsed}s, ${execs:-?} execs, coverage ${cov:-?}, corpus $corpus, crashes $crashes" >&2
done

# Rows of targets not run this time, and the hand-kept section (crashes found and fixed),
# survive a new run.
for row in $(sed -n 's/^| \([a-z0-9_]*\) | 20.*/\1/p' fuzz/RESULTS.md 2>/dev/null); do
    if ! printf '%s\n' "${TARGETS[@]}" | grep -qx "$row"; then
        ROWS+=("$(grep "^| $row | 20" fuzz/RESULTS.md)")
    fi
done
FIXED=$(sed -n '/^## Crashes found and fixed/,$p' fuzz/RESULTS.md 2>/dev/null || true)
{
    echo "# Fuzzing results"
    echo
    echo "Written by \`scripts/fuzz.sh\` (last: \`scripts/fuzz.sh $SECONDS_PER_TARGET ${*:-}\`, $(date -u +'%Y-%m-%d %H:%M UTC'))"
    echo "on $(nproc) shared cores, $TOOLCHAIN, sanitizer: $SANITIZER; its build step took"
    echo "${BUILD_SECONDS} s (0 when already built). Options: \`-max_total_time=SECONDS -rss_limit_mb=$RSS_MB -timeout=$TIMEOUT -max_len=65536\`."
    echo "Coverage is libFuzzer's count of covered edges; corpus counts the files in \`fuzz/corpus-run/TARGET/\`"
    echo "(seeds not included) after the run."
    echo
    echo "| target | run (UTC) | seconds | execs | coverage (edges) | corpus (files) | new crashes |"
    echo "|---|---|---|---|---|---|---|"
    printf '%s\n' "${ROWS[@]}" | sort
    echo
    echo "New crashes in the last run: $TOTAL_CRASHES (inputs in \`fuzz/artifacts/TARGET/\` or"
    echo "\`fuzz/cores/artifacts/TARGET/\`, logs in \`fuzz/logs/\`)."
    echo
    if [ -n "$FIXED" ]; then
        echo "$FIXED"
    else
        echo "## Crashes found and fixed"
        echo
        echo "None yet."
    fi
} >fuzz/RESULTS.md.new
mv fuzz/RESULTS.md.new fuzz/RESULTS.md
echo "fuzz.sh: results in fuzz/RESULTS.md" >&2
