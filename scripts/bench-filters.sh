#!/usr/bin/env bash
# Builds the plugins and runs the per-plugin benchmark (benches/filters.rs): each bundled plugin in
# plugins/dist, alone, on a 5 KB message, against a no-plugin and a no-op-plugin baseline. Prints a
# Markdown table for BENCHMARKS.md.
#   scripts/bench-filters.sh
#   MAILSIFT_BENCH_MESSAGE=some.eml MAILSIFT_BENCH_CONFIG=mailsift.toml scripts/bench-filters.sh
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${MAILSIFT_BUNDLED_PLUGINS:-}" ]; then
    scripts/build-plugins.sh plugins/dist
    export MAILSIFT_BUNDLED_PLUGINS="$PWD/plugins/dist"
    export MAILSIFT_TEST_PLUGINS="$PWD/plugins/dist/testing"
fi
cargo bench --bench filters
