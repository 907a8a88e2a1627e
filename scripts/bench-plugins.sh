#!/usr/bin/env bash
# Builds the test plugins and runs the plugin-host benchmark (benches/plugins.rs), which prints a
# Markdown table of per-message cost for one and four no-op plugins on 5 KB and 1 MB messages.
#   scripts/bench-plugins.sh
#   scripts/bench-plugins.sh --lang   one plugin per language on a 5 KB message: the Rust no-op
#                                     next to the Python and JavaScript examples (built with
#                                     scripts/build-lang-plugins.sh), with load time and memory
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = --lang ]; then
    export MAILSIFT_LANG_PLUGINS="${MAILSIFT_LANG_PLUGINS:-$PWD/plugins/dist/lang}"
    ls "$MAILSIFT_LANG_PLUGINS"/subject_rule_py.wasm "$MAILSIFT_LANG_PLUGINS"/subject_rule_js.wasm >/dev/null 2>&1 ||
        scripts/build-lang-plugins.sh "$MAILSIFT_LANG_PLUGINS"
fi
if [ -z "${MAILSIFT_TEST_PLUGINS:-}" ]; then
    scripts/build-plugins.sh plugins/dist
    export MAILSIFT_TEST_PLUGINS="$PWD/plugins/dist/testing"
fi
cargo bench --bench plugins
