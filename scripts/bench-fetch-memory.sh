#!/usr/bin/env bash
# Memory of reading a large mailbox back: fills INBOX with N messages (default 85000, ~10 KB each)
# and runs one `FETCH 1:* BODY[]` with a client reading everything; prints the server's RSS
# before, at peak (VmHWM) and after, as a row for BENCHMARKS.md. A benchmark, not a test.
#   scripts/bench-fetch-memory.sh                 # 85000 messages, release build
#   scripts/bench-fetch-memory.sh 2000 --size 50000
#   MAILSIFT_BIN=target/debug/mailsift scripts/bench-fetch-memory.sh 20000
# Other allocators can be compared on one binary with the environment, e.g.
#   LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2 MALLOC_CONF=background_thread:true
#   GLIBC_TUNABLES=glibc.malloc.arena_max=2
# --cache-mb N sets [store] cache_mb (0 leaves the section out, for older binaries).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${MAILSIFT_BIN:-}" ]; then
    cargo build --release --bin mailsift
    export MAILSIFT_BIN="$PWD/target/release/mailsift"
fi
echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
exec /usr/bin/python3 scripts/bench_fetch_memory.py "$@"
