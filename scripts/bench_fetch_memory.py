#!/usr/bin/env python3
"""Memory of one `FETCH 1:* BODY[]` over a large mailbox (see scripts/bench-fetch-memory.sh).

Starts the mailsift binary on a fresh data directory (one plain IMAP listener on 127.0.0.1),
fills INBOX with N distinct messages by pipelined APPENDs with LITERAL+ (RFC 7888) over several
connections (so that the store's group commit shares fsyncs), then runs one `FETCH 1:* BODY[]`
with a client that reads everything, and prints the server's RSS before, its peak (VmHWM, reset
just before the FETCH) and after, as a Markdown table row for BENCHMARKS.md."""

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

CONFIG = """\
hostname = "mail.test"
data_dir = "{data}"

[log]
level = "warn"

[plugins]
enabled = false

{store}
[[listener]]
name = "imap"
protocol = "imap"
address = "127.0.0.1:0"
tls = "none"
"""


def status(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    return 0


def mib(n):
    return f"{n / (1 << 20):.0f} MiB"


def message(i, size):
    head = (f"From: sender{i % 97}@remote.test\r\nTo: nina@example.org\r\n"
            f"Subject: benchmark message {i}\r\nMessage-ID: <bench-{i}@remote.test>\r\n"
            f"Date: Mon, 23 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n"
            f"Content-Type: text/plain; charset=utf-8\r\n\r\n")
    line = f"Line of message {i}: the quick brown fox jumps over the lazy dog.\r\n"
    return (head + line * max(1, (size - len(head)) // len(line))).encode()


class Client:
    def __init__(self, port, password):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=600)
        self.buf = b""
        self.line()
        self.command(b"L LOGIN nina@example.org " + password.encode())

    def line(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(1 << 16)
            if not chunk:
                raise RuntimeError("connection closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def command(self, cmd):
        tag = cmd.split(b" ", 1)[0]
        self.sock.sendall(cmd + b"\r\n")
        lines = []
        while True:
            line = self.line()
            lines.append(line)
            if line.startswith(tag + b" "):
                if not line.startswith(tag + b" OK"):
                    raise RuntimeError(line)
                return lines


def fill(port, password, n, size, connections):
    errors = []

    def work(k):
        try:
            c = Client(port, password)
            mine = list(range(k, n, connections))
            for start in range(0, len(mine), 100):
                batch = [message(i, size) for i in mine[start:start + 100]]
                c.sock.sendall(b"".join(b"A APPEND INBOX {%d+}\r\n%s\r\n" % (len(r), r) for r in batch))
                done = 0
                while done < len(batch):
                    line = c.line()
                    if line.startswith(b"A OK"):
                        done += 1
                    elif not line.startswith(b"*"):
                        raise RuntimeError(line)
            c.sock.close()
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("n", type=int, nargs="?", default=85_000, help="messages (default 85000)")
    ap.add_argument("--size", type=int, default=10_000, help="bytes per message (default 10000)")
    ap.add_argument("--connections", type=int, default=32, help="APPEND connections")
    ap.add_argument("--cache-mb", type=int, default=64, help="[store] cache_mb (0: no [store] section)")
    ap.add_argument("--settle", type=float, default=5.0, help="seconds before the 'after' figure")
    ap.add_argument("--bin", default=os.environ.get("MAILSIFT_BIN", "target/release/mailsift"))
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="mailsift-bench-"))
    data = work / "data"
    config = work / "mailsift.toml"
    # --cache-mb 0 leaves [store] out: for binaries older than that section.
    store = f"[store]\ncache_mb = {args.cache_mb}\n" if args.cache_mb else ""
    config.write_text(CONFIG.format(data=data, store=store))
    cli = [args.bin, "--config", str(config)]
    subprocess.run(cli + ["domain", "add", "example.org"], check=True, capture_output=True)
    subprocess.run(cli + ["account", "add", "nina@example.org"], check=True, capture_output=True)
    out = subprocess.run(cli + ["--json", "password", "add", "nina@example.org", "--device", "bench"],
                         check=True, capture_output=True, text=True).stdout
    password = json.loads(out)["password"]

    log = open(work / "server.log", "wb")
    proc = subprocess.Popen(cli + ["serve"], stdout=log, stderr=subprocess.STDOUT, env=os.environ)
    try:
        listeners = data / "listeners.json"
        for _ in range(600):
            if listeners.exists():
                try:
                    port = int(json.loads(listeners.read_text())["imap"].rsplit(":", 1)[1])
                    break
                except (ValueError, KeyError, json.JSONDecodeError):
                    pass
            if proc.poll() is not None:
                sys.exit(f"server exited: {(work / 'server.log').read_text()}")
            time.sleep(0.1)
        else:
            sys.exit("server did not start")
        pid = proc.pid
        idle = status(pid, "VmRSS")

        t0 = time.time()
        fill(port, password, args.n, args.size, args.connections)
        fill_s = time.time() - t0
        time.sleep(args.settle)

        c = Client(port, password)
        exists = [l for l in c.command(b"S SELECT INBOX") if l.endswith(b" EXISTS")]
        assert exists == [b"* %d EXISTS" % args.n], exists
        before = status(pid, "VmRSS")
        with open(f"/proc/{pid}/clear_refs", "w") as f:
            f.write("5")  # resets VmHWM to the current RSS
        t0 = time.time()
        c.sock.sendall(b"F FETCH 1:* BODY[]\r\n")
        total = len(c.buf)
        tail = c.buf
        while b"\r\nF OK" not in tail:
            chunk = c.sock.recv(1 << 20)
            if not chunk:
                raise RuntimeError("connection closed during FETCH")
            total += len(chunk)
            tail = tail[-16:] + chunk
        fetch_s = time.time() - t0
        peak = status(pid, "VmHWM")
        time.sleep(args.settle)
        after = status(pid, "VmRSS")
        c.command(b"Z LOGOUT")

        mailbox = args.n * args.size
        print(f"messages {args.n} x {args.size} B = {mib(mailbox)}; fill {fill_s:.0f} s; "
              f"FETCH {fetch_s:.1f} s, {mib(total)} read")
        print("| messages | mailbox | RSS idle | RSS before | peak (VmHWM) | after "
              f"{args.settle:.0f} s | FETCH |")
        print("|---|---|---|---|---|---|---|")
        print(f"| {args.n} | {mib(mailbox)} | {mib(idle)} | {mib(before)} | {mib(peak)} | "
              f"{mib(after)} | {fetch_s:.1f} s |")
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
        if not os.environ.get("KEEP"):
            subprocess.run(["rm", "-rf", str(work)])
        else:
            print(f"kept {work}")


if __name__ == "__main__":
    main()
