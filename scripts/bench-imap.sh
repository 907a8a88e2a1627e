#!/usr/bin/env bash
# IMAP side by side with Dovecot (issue 19, item 1(d)): FETCH of full messages, of headers and of
# ENVELOPE/FLAGS in a 10,000-message mailbox, SEARCH TEXT and SEARCH HEADER, then 10,000 idle
# connections, on a release Mailsift and a private Dovecot (own config, loopback, maildir) in one
# run, interleaved. A benchmark, not a test. See scripts/bench_imap.py for what is measured.
#   scripts/bench-imap.sh                 # 10000 messages, 10000 idle connections, 3 rounds
#   scripts/bench-imap.sh --quick         # smoke run: 1000 messages, 500 idle, 2 rounds
#   scripts/bench-imap.sh --messages 5000 --idle 0 --rounds 5
#   MAILSIFT_BIN=target/debug/mailsift scripts/bench-imap.sh --quick
# Needs Dovecot (installed from Debian when missing, if run as root) and an open-files limit
# above the number of idle connections (the client holds one socket per connection).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x /usr/sbin/dovecot ]; then
    if [ "$(id -u)" = 0 ]; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q dovecot-imapd >/dev/null
        # Only the private instance this script starts is wanted.
        systemctl disable --now dovecot >/dev/null 2>&1 || true
    else
        echo "dovecot-imapd is not installed (apt-get install dovecot-imapd)" >&2
        exit 1
    fi
fi
if [ -z "${MAILSIFT_BIN:-}" ]; then
    cargo build --release --bin mailsift
    export MAILSIFT_BIN="$PWD/target/release/mailsift"
fi
ulimit -n "$(ulimit -Hn)"
echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(/usr/sbin/dovecot --version | cut -d' ' -f1)"
exec /usr/bin/python3 scripts/bench_imap.py "$@"
