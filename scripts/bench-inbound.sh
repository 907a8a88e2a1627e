#!/usr/bin/env bash
# Inbound mail side by side (issue 19): Mailsift and, when installed, Postfix -> Dovecot and
# Postfix + Rspamd -> Dovecot, on the same loads in interleaved rounds; prints Markdown tables
# with ratios against Mailsift (scripts/bench_inbound.py says what is measured and how).
#   scripts/bench-inbound.sh                          # 3 rounds, release build, every stack
#   scripts/bench-inbound.sh --stacks mailsift --rounds 1
#   MAILSIFT_BIN=target/debug/mailsift scripts/bench-inbound.sh --quick   # smoke test, < 2 min
# Needs root for the per-stack CPU accounting (cgroup); without it, /proc is sampled instead.
# Environment: MAILSIFT_BIN (default: a release build), SMTP_LOAD_BIN (default: built with
# `cargo build --bench smtp_load`, the dev profile with optimised dependencies, which the test
# suite has already built; the load generator is the client and is not measured).
set -euo pipefail
cd "$(dirname "$0")/.."
# Debian packages (postfix for smtp-source and the anchor stacks, dovecot, rspamd, redis) and
# their configs: scripts/setup-bench.sh, when present; stacks it could not provide are skipped.
if [ -x scripts/setup-bench.sh ]; then
    scripts/setup-bench.sh
elif ! command -v smtp-source >/dev/null && [ ! -x /usr/sbin/smtp-source ]; then
    echo "bench-inbound: smtp-source missing and scripts/setup-bench.sh absent: apt-get install postfix" >&2
    exit 1
fi
# The bundled plugins (the full default pipeline) and the public corpus (real mail).
if [ ! -f plugins/dist/spam.wasm ]; then
    MAILSIFT_PLUGINS=bundled scripts/build-plugins.sh plugins/dist
fi
[ -f target/corpus/spam-assassin/test.list ] || scripts/fetch-spam-corpus.sh
if [ -z "${MAILSIFT_BIN:-}" ]; then
    cargo build --release --bin mailsift
    export MAILSIFT_BIN="$PWD/target/release/mailsift"
fi
# One socket per connection on each side.
ulimit -n "$(ulimit -Hn)"
exec /usr/bin/python3 scripts/bench_inbound.py "$@"
