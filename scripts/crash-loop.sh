#!/usr/bin/env bash
# The long crash loop (issue 20): tests/e2e/test_crash_loop.py with KILLS SIGKILLs (default 100)
# of a server under mixed inbound, submission (queued, delivered to a loopback sink) and IMAP
# APPEND/MOVE/EXPUNGE load, then its checks. CI runs the same test with 8 kills.
#   scripts/crash-loop.sh [KILLS]        MAILSIFT_CRASHLOOP_SEED=N replays a run's kill moments;
#   MAILSIFT_BIN=path uses that binary (default: target/debug/mailsift, built here).
# Prints the test's output and a summary: kills, acknowledged / in-doubt / present counts,
# outbound deliveries and duplicates, duration, date, machine and load.
set -euo pipefail
cd "$(dirname "$0")/.."
KILLS="${1:-100}"
if [ -z "${MAILSIFT_BIN:-}" ]; then
    cargo build --bins
    MAILSIFT_BIN="$(realpath "${CARGO_TARGET_DIR:-target}")/debug/mailsift"
fi
export MAILSIFT_BIN
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
OUT="$(mktemp -t crash-loop.XXXXXX)"
started="$(date -u '+%Y-%m-%d %H:%M UTC')"
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
set +e
MAILSIFT_CRASHLOOP_KILLS="$KILLS" "$PY" -m pytest tests/e2e/test_crash_loop.py::test_crash_loop \
    -q -s -p no:cacheprovider 2>&1 | tee "$OUT"
rc=${PIPESTATUS[0]}
set -e
echo
echo "== crash loop summary =="
echo "date:    $started"
echo "machine: $(nproc) cores, $(uname -sr), load before $load_before, after $(cut -d' ' -f1-3 /proc/loadavg)"
echo "binary:  $MAILSIFT_BIN"
grep -h '^CRASHLOOP ' "$OUT" | tr ' ' '\n' | sed -n '2,$p' | sed 's/^/  /' || true
if [ "$rc" -eq 0 ]; then echo "result:  PASSED"; rm -f "$OUT"; else echo "result:  FAILED (pytest exit $rc; output in $OUT)"; fi
exit "$rc"
