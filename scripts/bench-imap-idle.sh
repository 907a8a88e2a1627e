#!/usr/bin/env bash
# Memory of many idle IMAP connections (TLS, logged in, INBOX selected, in IDLE) and the time
# one SMTP delivery takes to wake them all (issue 16). A benchmark, not a test.
#   scripts/bench-imap-idle.sh                      # 10000 connections, release build
#   scripts/bench-imap-idle.sh 2000 --accounts 4
#   MAILSIFT_BIN=target/debug/mailsift scripts/bench-imap-idle.sh 200   # quick check
# Needs an open-files limit above N (client and server each hold N sockets).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${MAILSIFT_BIN:-}" ]; then
    cargo build --release --bin mailsift
    export MAILSIFT_BIN="$PWD/target/release/mailsift"
fi
# Both this client and the server (its child) hold one socket per connection.
ulimit -n "$(ulimit -Hn)"
echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
exec /usr/bin/python3 scripts/bench_imap_idle.py "$@"
