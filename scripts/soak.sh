#!/usr/bin/env bash
# Soak (issue 20): one server, mixed legitimate and hostile SMTP/submission/IMAP/ManageSieve/POP3
# traffic for SECONDS (default 1800), RSS and open descriptors sampled over time; fails if RSS
# keeps growing, descriptors do not return to the idle baseline, the log has an unexpected
# ERROR/panic line or a legitimate session fails. See scripts/soak.py; result in BENCHMARKS.md.
#   scripts/soak.sh              # the documented 30-minute run (debug build, as CI tests it)
#   scripts/soak.sh 120          # the CI length (tests/e2e/test_soak.py)
#   MAILSIFT_BIN=target/release/mailsift scripts/soak.sh 1800
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_ARG="${1:-1800}"
shift || true
if [ -z "${MAILSIFT_BIN:-}" ]; then
    cargo build --bin mailsift
    export MAILSIFT_BIN="$PWD/target/debug/mailsift"
fi
echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), binary $MAILSIFT_BIN"
exec /usr/bin/python3 scripts/soak.py --seconds "$SECONDS_ARG" "$@"
