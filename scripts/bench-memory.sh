#!/usr/bin/env bash
# Resident memory against the number of stored messages (issue 19: RSS must not grow with the
# stored mail beyond the configured caches). Delivers N messages (default 200000) with Postfix's
# smtp-source through the full default pipeline, samples the server's VmRSS/VmHWM, open fds and
# threads every 10000 messages, then SELECT/FETCH/SEARCH on the biggest mailbox. A benchmark.
#   scripts/bench-memory.sh                  # 200000 messages, release build
#   scripts/bench-memory.sh --quick          # 5000 messages, sampled every 1000
#   MAILSIFT_BIN=target/debug/mailsift scripts/bench-memory.sh 20000 --every 2000 --smaps
#   scripts/bench-memory.sh 50000 --cache-mb 16 --no-plugins
# Needs smtp-source (apt-get install postfix; the postfix service need not run).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${MAILSIFT_BIN:-}" ]; then
    cargo build --release --bin mailsift
    export MAILSIFT_BIN="$PWD/target/release/mailsift"
fi
ulimit -n "$(ulimit -Hn)"
echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
exec /usr/bin/python3 scripts/bench_memory.py "$@"
