#!/usr/bin/env bash
# Outbound throughput to Postfix's smtp-sink (issue 14): one Mailsift on loopback routes
# sink.test (`[outbound.routes]`) to `smtp-sink -c 127.0.0.1:PORT 100`; N messages are submitted
# over C concurrent authenticated submission connections, then the queue is polled until empty.
# The account's sending limits are lifted in the bench's config so they do not cap the figure.
# Prints submission time, time until the queue is empty and msg/s.
#   scripts/bench-outbound.sh [N] [C]       (defaults 1000 messages, 8 connections)
# Measures a release build (`cargo build --release --bin mailsift` first); another binary with
#   MAILSIFT_BIN=target/debug/mailsift scripts/bench-outbound.sh
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-1000}"
C="${2:-8}"
if [ -z "${MAILSIFT_BIN:-}" ]; then
    cargo build --release --bin mailsift
    export MAILSIFT_BIN="$PWD/target/release/mailsift"
fi
command -v smtp-sink >/dev/null || PATH="$PATH:/usr/sbin"
command -v smtp-sink >/dev/null || { echo "bench-outbound: smtp-sink missing (Debian package postfix; scripts/setup.sh)" >&2; exit 1; }
[ -x "$MAILSIFT_BIN" ] || { echo "bench-outbound: $MAILSIFT_BIN missing (cargo build --release --bin mailsift)" >&2; exit 1; }

echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')  cpus: $(nproc)  uptime: $(uptime)"
echo "binary: $MAILSIFT_BIN  messages: $N  submission connections: $C"

exec /usr/bin/python3 - "$N" "$C" <<'EOF'
import re, subprocess, sys, tempfile, threading, time, smtplib, shutil
from pathlib import Path
sys.path.insert(0, "tests/e2e")
from conftest import Server, free_port
from test_foundation import make_message

n, conns = int(sys.argv[1]), int(sys.argv[2])
work = Path(tempfile.mkdtemp(prefix="mailsift-bench-outbound-"))
sink_port = free_port()
sink_out = open(work / "sink.out", "wb")
# -c: count delivered messages; -u: smtp-sink refuses to run as root without it; backlog 100.
sink = subprocess.Popen(["smtp-sink", "-u", "nobody", "-c", f"127.0.0.1:{sink_port}", "100"], stdout=sink_out, stderr=subprocess.STDOUT)
srv = Server(work)
# Logs at the shipped default level; limits lifted (0 = none) so the hourly cap does not bound
# the figure; the queue is worked as shipped (woken by new mail, scan_interval only a safety net).
text = srv.config.read_text().replace('level = "info,mailsift=debug"', 'level = "info"', 1)
text += f'\n[sender_auth]\nenabled = false\n\n[submission]\nmessages_per_hour = 0\nrecipients_per_day = 0\n'
text += f'\n[outbound.routes]\n"sink.test" = "127.0.0.1:{sink_port}"\n'
srv.config.write_text(text)
srv.start()
try:
    password = srv.add_user("alice@bench.test")
    body = "x" * 70 + "\r\n"
    per = [n // conns + (1 if i < n % conns else 0) for i in range(conns)]
    errors = []

    def submit(count, k):
        try:
            with smtplib.SMTP("127.0.0.1", srv.port("submission"), timeout=60) as s:
                s.starttls(context=srv.ssl_context())
                s.login("alice@bench.test", password)
                for i in range(count):
                    msg = make_message("alice@bench.test", f"user{k}@sink.test", subject=f"bench {k}.{i}", body=body * 40)
                    s.send_message(msg)
        except Exception as e:  # reported below: a failed submission makes the figures void
            errors.append(repr(e))

    t0 = time.time()
    threads = [threading.Thread(target=submit, args=(c, k)) for k, c in enumerate(per)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    t_sub = time.time() - t0
    if errors:
        sys.exit(f"submission failed: {errors[:3]}")
    while True:
        q = srv.cli("queue", "list", json_output=True)
        left = len(q)
        if time.time() - t0 > 20 and not getattr(sys, "_shown", 0):
            sys._shown = 1
            print("still queued:", srv.cli("queue", "show", q[0]["queue_id"]).stdout[-600:], flush=True)
        if left == 0:
            break
        if time.time() - t0 > 900:
            sys.exit(f"queue not empty after 900 s: {left} left")
        time.sleep(0.2)
    t_all = time.time() - t0
    # An empty queue also means refused mail (bounced to alice): check smtp-sink's own count
    # (-c prints a running counter).
    sink.terminate()
    sink.wait()
    sink_out.close()
    counts = re.findall(rb"\d+", (work / "sink.out").read_bytes())
    received = int(counts[-1]) if counts else 0
    print(f"smtp-sink received {received} messages")
    if received != n:
        sys.exit(f"smtp-sink received {received} of {n}: the figures are void")
    print(f"message size: ~{len(body) * 40 // 1024 + 1} KB body")
    print(f"submitted {n} in {t_sub:.2f} s ({n / t_sub:.1f} msg/s accepted)")
    print(f"queue empty after {t_all:.2f} s: {n / t_all:.1f} msg/s end to end (submission + delivery overlap)")
finally:
    srv.stop()
    if sink.poll() is None:
        sink.terminate()
        sink.wait()
    sink_out.close()
    shutil.rmtree(work, ignore_errors=True)
EOF
