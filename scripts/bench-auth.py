#!/usr/bin/env python3
"""Authentication under attack, measured against the real binary (not a timed test).

1. Timing: IMAP LOGIN reply time of an unknown user vs. a known user (10 device passwords) with
   a wrong password, interleaved, throttle off (so only the verification work is compared).
2. Memory: N simultaneous wrong logins for that account; prints the server's VmHWM/VmRSS.

Usage: scripts/bench-auth.py [--bin target/debug/mailsift] [--rounds 60] [--flood 200]
"""

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CONFIG = """\
hostname = "mail.test"
data_dir = "{data}"

[log]
level = "warn"

[auth_throttle]
enabled = false

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
                return int(line.split()[1])
    return 0


def login(port, user, password):
    s = socket.create_connection(("127.0.0.1", port), timeout=120)
    with s:
        f = s.makefile("rb")
        f.readline()
        t = time.perf_counter()
        s.sendall(f'a LOGIN "{user}" "{password}"\r\n'.encode())
        line = f.readline()
        elapsed = time.perf_counter() - t
    assert line.startswith(b"a NO"), line
    return elapsed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=str(ROOT / "target" / "debug" / "mailsift"))
    ap.add_argument("--rounds", type=int, default=60)
    ap.add_argument("--flood", type=int, default=200)
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        data = tmp / "data"
        config = tmp / "mailsift.toml"
        config.write_text(CONFIG.format(data=data))
        log = open(tmp / "server.log", "wb")
        proc = subprocess.Popen([args.bin, "--config", str(config), "serve"], stdout=log, stderr=subprocess.STDOUT)
        try:
            listeners = data / "listeners.json"
            for _ in range(600):
                if listeners.exists():
                    break
                time.sleep(0.05)
            port = int(json.loads(listeners.read_text())["imap"].rsplit(":", 1)[1])

            def cli(*a):
                subprocess.run([args.bin, "--config", str(config), *a], check=True, capture_output=True)

            cli("domain", "add", "example.org")
            cli("account", "add", "known@example.org")
            for i in range(10):
                cli("password", "add", "known@example.org", "--device", f"d{i}")

            # Warm-up (the dummy hash is made on first use).
            for _ in range(3):
                login(port, "nobody@example.org", "x")
                login(port, "known@example.org", "x")
            unknown, known = [], []
            for i in range(args.rounds):
                unknown.append(login(port, f"nobody{i}@example.org", "wrong-password"))
                known.append(login(port, "known@example.org", f"wrong-password-{i}"))
            mu, mk = statistics.median(unknown), statistics.median(known)
            print(f"reply time, median of {args.rounds}: unknown user {mu * 1000:.1f} ms, "
                  f"known user (10 device passwords) wrong password {mk * 1000:.1f} ms, "
                  f"difference {abs(mk - mu) / mk * 100:.1f}%")
            print(f"  means: unknown {statistics.mean(unknown) * 1000:.1f} ms, known {statistics.mean(known) * 1000:.1f} ms")

            rss_before = status(proc.pid, "VmRSS")
            barrier = threading.Barrier(args.flood)
            failures = []

            def attack(i):
                try:
                    s = socket.create_connection(("127.0.0.1", port), timeout=300)
                    with s:
                        f = s.makefile("rb")
                        f.readline()
                        barrier.wait()
                        s.sendall(f'a LOGIN "known@example.org" "flood-{i}"\r\n'.encode())
                        if not f.readline().startswith(b"a NO"):
                            failures.append(i)
                except Exception as e:  # noqa: BLE001 - counted, reported
                    failures.append(repr(e))

            t = time.perf_counter()
            threads = [threading.Thread(target=attack, args=(i,)) for i in range(args.flood)]
            for th in threads:
                th.start()
            for th in threads:
                th.join()
            took = time.perf_counter() - t
            alive = proc.poll() is None
            print(f"flood: {args.flood} simultaneous wrong logins (account with 10 device passwords) "
                  f"answered in {took:.1f} s, failures {len(failures)}, server alive {alive}; "
                  f"VmRSS before {rss_before / 1024:.0f} MiB, after {status(proc.pid, 'VmRSS') / 1024:.0f} MiB, "
                  f"VmHWM {status(proc.pid, 'VmHWM') / 1024:.0f} MiB")
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()


if __name__ == "__main__":
    main()
