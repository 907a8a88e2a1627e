#!/usr/bin/env bash
# Quick start, command 2: install what is missing and run the whole test suite: Rust unit and
# integration tests, then the end-to-end tests that drive the real binary with real clients
# (python smtplib/imaplib, mbsync, swaks) over 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
# Each phase's start and the whole run's time, in seconds since the start (CI must stay under 30
# minutes; BENCHMARKS.md, "Build time of the test suite (CI)", records them).
phase() { echo "==> test.sh [${SECONDS}s] $*"; }
trap 'echo "==> test.sh [${SECONDS}s] end (status $?)"' EXIT
phase setup
scripts/setup.sh
phase check-boundaries
# Protocol modules meet only in shared modules (README, "Architecture"); the check checks itself.
scripts/check-boundaries.sh --self-test
scripts/check-boundaries.sh
phase build-plugins
# The WASM plugins (bundled and test ones) as components; the host's tests load them.
scripts/build-plugins.sh plugins/dist
phase plugin-native-tests
# Plain-Rust plugin libraries and glue are tested natively, on the host.
(cd plugins && cargo test -q -p mailsift-plugin-sdk -p promotions-core -p mailsift-spam-core -p mailsift-attachments-core -p attachments)
phase cargo-build
# The binary the end-to-end tests run and every test target, in one cargo run: the mailsift
# library, its unit-test build and the binaries compile side by side on both cores instead of one
# after the other. (Cargo.toml gives [dependencies] the features the dev-dependencies need, so
# both share one build of the dependencies.)
cargo build --bins --tests
phase cargo-test
# Benches are run by scripts/bench-plugins.sh, not here (they are not timed tests).
cargo test --lib --bins --tests
phase e2e
# Debian's python3 is the one python3-pytest was installed for.
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
MAILSIFT_BIN="$(realpath "${CARGO_TARGET_DIR:-target}")/debug/mailsift" "$PY" -m pytest tests/e2e -q -p no:cacheprovider "$@"
