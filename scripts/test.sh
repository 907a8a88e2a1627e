#!/usr/bin/env bash
# Quick start, command 2: install what is missing and run the whole test suite: Rust unit and
# integration tests, then the end-to-end tests that drive the real binary with real clients
# (python smtplib/imaplib, mbsync, swaks) over 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# The plugin host's tests (tests/plugins.rs, tests/e2e/test_plugins.py) run the real test
# plugins: build them unless MAILSIFT_TEST_PLUGINS already points at built ones.
if [ -z "${MAILSIFT_TEST_PLUGINS:-}" ]; then
  if [ -x scripts/build-plugins.sh ]; then
    scripts/build-plugins.sh plugins/dist
  fi
  export MAILSIFT_TEST_PLUGINS="$PWD/plugins/dist/testing"
fi
cargo build --bins
cargo test --all-targets
# Debian's python3 is the one python3-pytest was installed for.
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
MAILSIFT_BIN="$(realpath "${CARGO_TARGET_DIR:-target}")/debug/mailsift" "$PY" -m pytest tests/e2e -q -p no:cacheprovider "$@"
