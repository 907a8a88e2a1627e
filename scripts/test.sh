#!/usr/bin/env bash
# Quick start, command 2: install what is missing and run the whole test suite: Rust unit and
# integration tests, then the end-to-end tests that drive the real binary with real clients
# (python smtplib/imaplib, mbsync, swaks) over 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# Protocol modules meet only in shared modules (README, "Architecture"); the check checks itself.
scripts/check-boundaries.sh --self-test
scripts/check-boundaries.sh
# The WASM plugins (bundled and test ones) as components; the host's tests load them.
scripts/build-plugins.sh plugins/dist
# Plain-Rust plugin libraries and glue are tested natively, on the host.
(cd plugins && cargo test -q -p mailsift-plugin-sdk -p promotions-core -p mailsift-spam-core -p mailsift-attachments-core -p attachments)
cargo build --bins
# Benches are run by scripts/bench-plugins.sh, not here (they are not timed tests).
cargo test --lib --bins --tests
# Debian's python3 is the one python3-pytest was installed for.
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
MAILSIFT_BIN="$(realpath "${CARGO_TARGET_DIR:-target}")/debug/mailsift" "$PY" -m pytest tests/e2e -q -p no:cacheprovider "$@"
