#!/usr/bin/env python3
"""TLS session resumption, measured against the real binary (issue 19; not a timed test).

N distinct clients (each with its own TLS context, as N sending MTAs or mail clients are)
connect to an implicit-TLS IMAP listener and read the greeting, keeping the session the server
gave them; then each connects again offering that session. Prints, per round, how many
handshakes were resumed and the server's CPU per connection (utime + stime from /proc over the
round). With stateless tickets every returning client resumes; with a server-side session
cache, only the last ones still in it do.

Usage: scripts/bench-tls-resumption.py [--bin target/release/mailsift] [--clients 1000]
       [--tls 1.3|1.2] [--rounds 2]
"""

import argparse
import json
import os
import signal
import socket
import ssl
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CONFIG = """\
hostname = "mail.test"
data_dir = "{data}"

[log]
level = "warn"

[limits]
connection_limit_exempt = ["127.0.0.0/8"]

[[listener]]
name = "imaps"
protocol = "imap"
address = "127.0.0.1:0"
tls = "implicit"
"""


def cpu_ticks(pid):
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def context(version):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    v = ssl.TLSVersion.TLSv1_3 if version == "1.3" else ssl.TLSVersion.TLSv1_2
    ctx.minimum_version = ctx.maximum_version = v
    return ctx


def connect(port, ctx, session):
    """One connection: the greeting read (which also takes in TLS 1.3 tickets), then closed.
    Returns (session to offer next time, whether this one was resumed)."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as raw:
        with ctx.wrap_socket(raw, server_hostname="mail.test", session=session) as s:
            line = s.recv(4096)
            assert line.startswith(b"* OK"), line
            return s.session, s.session_reused


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=str(ROOT / "target" / "release" / "mailsift"))
    ap.add_argument("--clients", type=int, default=1000)
    ap.add_argument("--tls", choices=["1.3", "1.2"], default="1.3")
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    tick = os.sysconf("SC_CLK_TCK")

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        data = tmp / "data"
        config = tmp / "mailsift.toml"
        config.write_text(CONFIG.format(data=data))
        log = open(tmp / "server.log", "wb")
        proc = subprocess.Popen([args.bin, "--config", str(config), "serve"],
                                stdout=log, stderr=subprocess.STDOUT)
        try:
            listeners = data / "listeners.json"
            for _ in range(600):
                if listeners.exists():
                    break
                time.sleep(0.05)
            port = int(json.loads(listeners.read_text())["imaps"].rsplit(":", 1)[1])
            clients = [[context(args.tls), None] for _ in range(args.clients)]
            print(f"binary: {args.bin}  TLS {args.tls}  clients: {args.clients}")
            for r in range(1, args.rounds + 1):
                before = cpu_ticks(proc.pid)
                t = time.perf_counter()
                resumed = 0
                for c in clients:
                    c[1], reused = connect(port, c[0], c[1])
                    resumed += reused
                took = time.perf_counter() - t
                cpu = (cpu_ticks(proc.pid) - before) / tick
                print(f"round {r}: {resumed} of {args.clients} resumed; "
                      f"server CPU {1e6 * cpu / args.clients:.0f} µs per connection; "
                      f"{args.clients / took:.0f} connections/s (one client at a time)")
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()


if __name__ == "__main__":
    main()
