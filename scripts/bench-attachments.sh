#!/usr/bin/env bash
# Builds the plugins and runs the attachments benchmark (benches/attachments.rs): the bundled
# attachments plugin as a WebAssembly component against the same checks compiled natively, on a
# 1 MB message with a 900 KB zip (and two heavier cases), measured alternately in one run.
# Prints a Markdown table for BENCHMARKS.md.
#   scripts/bench-attachments.sh
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${MAILSIFT_PLUGINS_DIST:-}" ]; then
    scripts/build-plugins.sh plugins/dist
    export MAILSIFT_PLUGINS_DIST="$PWD/plugins/dist"
fi
cargo bench --bench attachments
