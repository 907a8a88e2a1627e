#!/usr/bin/env bash
# Builds the test plugins and runs the plugin-host benchmark (benches/plugins.rs), which prints a
# Markdown table of per-message cost for one and four no-op plugins on 5 KB and 1 MB messages.
#   scripts/bench-plugins.sh
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${MAILSIFT_TEST_PLUGINS:-}" ]; then
    scripts/build-plugins.sh plugins/dist
    export MAILSIFT_TEST_PLUGINS="$PWD/plugins/dist/testing"
fi
cargo bench --bench plugins
