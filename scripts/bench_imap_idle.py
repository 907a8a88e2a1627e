#!/usr/bin/env python3
"""Memory of many idle IMAP connections, and IDLE wake-up (see scripts/bench-imap-idle.sh).

Starts the mailsift binary on a fresh data directory (implicit-TLS IMAP and plain SMTP on
127.0.0.1, free ports), opens N TLS connections from one asyncio process, and on each: LOGIN
(a few accounts, one device password each), SELECT INBOX, IDLE. It prints the server's RSS
(VmRSS) before and after, the peak (VmHWM) and the cost per connection; then it delivers one
message by SMTP to every account and measures, per connection, the time from the end of DATA
until its `* n EXISTS` arrived (max and p50). A benchmark, not a test: nothing is asserted but
that every connection was woken."""

import argparse
import asyncio
import json
import os
import resource
import signal
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CONFIG = """\
hostname = "mail.test"
data_dir = "{data}"

[limits]
max_connections = {max_conn}
# Every connection comes from loopback: the per-address cap would refuse all but 50.
connection_limit_exempt = ["127.0.0.0/8"]
unauthenticated_timeout = 600
imap_idle_timeout = 3600

[auth_throttle]
exempt = ["127.0.0.0/8"]

[log]
level = "warn"

[plugins]
enabled = false

[outbound]
smart_host = "127.0.0.1:9"

[[listener]]
name = "imaps"
protocol = "imap"
address = "127.0.0.1:0"
tls = "{imap_tls}"

[[listener]]
name = "smtp"
protocol = "smtp"
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
    return f"{n / (1 << 20):.1f} MiB"


class Conn:
    def __init__(self, reader, writer):
        self.reader = reader
        self.writer = writer
        self.woken = None

    async def command(self, line):
        tag = line.split(b" ", 1)[0]
        self.writer.write(line + b"\r\n")
        await self.writer.drain()
        while True:
            got = await self.reader.readline()
            if not got:
                raise RuntimeError(f"connection closed after {line!r}")
            if got.startswith(tag + b" "):
                if not got.startswith(tag + b" OK"):
                    raise RuntimeError(got)
                return


async def open_one(port, ctx, user, password):
    reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=ctx, limit=1 << 16)
    c = Conn(reader, writer)
    greeting = await reader.readline()
    if not greeting.startswith(b"* OK"):
        raise RuntimeError(greeting)
    await c.command(b"L LOGIN " + user.encode() + b" " + password.encode())
    await c.command(b"S SELECT INBOX")
    writer.write(b"I IDLE\r\n")
    await writer.drain()
    line = await reader.readline()
    if not line.startswith(b"+"):
        raise RuntimeError(line)
    return c


async def wait_exists(c):
    while True:
        line = await c.reader.readline()
        if not line:
            raise RuntimeError("connection closed during IDLE")
        if line.endswith(b" EXISTS\r\n"):
            c.woken = time.monotonic()
            return


async def smtp_deliver(port, rcpts):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)

    async def reply():
        while True:
            line = await reader.readline()
            if not line:
                raise RuntimeError("SMTP connection closed")
            if line[3:4] != b"-":
                if line[:1] not in (b"2", b"3"):
                    raise RuntimeError(line)
                return

    async def cmd(line):
        writer.write(line + b"\r\n")
        await writer.drain()
        await reply()

    await reply()
    await cmd(b"EHLO bench.test")
    await cmd(b"MAIL FROM:<bench@remote.test>")
    for r in rcpts:
        await cmd(b"RCPT TO:<" + r.encode() + b">")
    await cmd(b"DATA")
    writer.write(b"From: bench@remote.test\r\nSubject: wake up\r\n"
                 b"Message-ID: <wake@remote.test>\r\n\r\nOne message for every idler.\r\n.\r\n")
    await writer.drain()
    sent = time.monotonic()
    await reply()
    accepted = time.monotonic()
    writer.write(b"QUIT\r\n")
    await writer.drain()
    writer.close()
    return sent, accepted


async def prefill(port, ctx, users, m):
    """M small messages in each account's INBOX: every selected session then holds M UIDs."""
    for user, password in users:
        reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=ctx)
        c = Conn(reader, writer)
        await reader.readline()
        await c.command(b"L LOGIN " + user.encode() + b" " + password.encode())
        for start in range(0, m, 500):
            batch = []
            for i in range(start, min(m, start + 500)):
                msg = (f"From: a{i}@remote.test\r\nSubject: filler {i}\r\n"
                       f"Message-ID: <f{i}@remote.test>\r\n\r\nFiller.\r\n").encode()
                batch.append(b"A APPEND INBOX {%d+}\r\n%s\r\n" % (len(msg), msg))
            writer.write(b"".join(batch))
            await writer.drain()
            done = 0
            while done < len(batch):
                line = await reader.readline()
                if line.startswith(b"A OK"):
                    done += 1
                elif not line.startswith(b"*"):
                    raise RuntimeError(line)
        writer.close()


async def bench(args, pid, ports, users):
    ctx = None
    if not args.plain:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    conns = []
    sem = asyncio.Semaphore(args.concurrency)
    done = 0
    # RSS once a tenth of the connections are open: the slope from there on leaves out what
    # the first logins cost once (argon2 working memory, store cache pages, allocator arenas).
    mark = max(1, args.n // 10)
    first = None

    async def worker(i):
        nonlocal done, first
        user, password = users[i % len(users)]
        async with sem:
            conns.append(await open_one(ports["imaps"], ctx, user, password))
        done += 1
        if done == mark:
            first = status(pid, "VmRSS")
        if done % 1000 == 0:
            print(f"  {done} connections idle, RSS {mib(status(pid, 'VmRSS'))}", flush=True)

    if args.messages:
        t0 = time.monotonic()
        await prefill(ports["imaps"], ctx, users, args.messages)
        print(f"  {args.messages} messages in each INBOX in {time.monotonic() - t0:.0f} s")
    before = status(pid, "VmRSS")
    t0 = time.monotonic()
    await asyncio.gather(*(worker(i) for i in range(args.n)))
    login_s = time.monotonic() - t0
    await asyncio.sleep(args.settle)
    after = status(pid, "VmRSS")
    peak = status(pid, "VmHWM")

    waiters = [asyncio.create_task(wait_exists(c)) for c in conns]
    await asyncio.sleep(0.5)
    sent, accepted = await smtp_deliver(ports["smtp"], [u for u, _ in users])
    try:
        await asyncio.wait_for(asyncio.gather(*waiters), timeout=args.wake_timeout)
    except asyncio.TimeoutError:
        pass
    woken = sorted(c.woken - sent for c in conns if c.woken is not None)
    after_wake = status(pid, "VmRSS")
    for c in conns:
        c.writer.transport.abort()

    print(f"# N={args.n}, {len(users)} accounts with {args.messages} messages in INBOX, login concurrency {args.concurrency}, "
          f"{'plain' if args.plain else 'TLS'}, binary {args.bin}")
    print(f"connect+LOGIN+SELECT+IDLE phase: {login_s:.1f} s ({args.n / login_s:.0f}/s)")
    print(f"server RSS before {mib(before)}, with {args.n} idle {mib(after)}, peak {mib(peak)}, "
          f"after the wake-up {mib(after_wake)}")
    per = (after - before) / args.n
    slope = (after - first) / max(1, args.n - mark)
    print(f"per connection: {per / 1024:.1f} KiB overall, {slope / 1024:.1f} KiB from "
          f"connection {mark} to {args.n} (RSS {mib(first)} at {mark})")
    print(f"SMTP 250 after {1000 * (accepted - sent):.0f} ms; woken {len(woken)}/{args.n}", end="")
    if woken:
        print(f"; EXISTS after end of DATA: p50 {1000 * statistics.median(woken):.0f} ms, "
              f"max {1000 * woken[-1]:.0f} ms")
    else:
        print()
    print("| N | RSS before | RSS idle | per connection (overall / slope) | login phase | "
          "wake p50 | wake max |")
    print("|---|---|---|---|---|---|---|")
    print(f"| {args.n} | {mib(before)} | {mib(after)} | {per / 1024:.1f} / {slope / 1024:.1f} KiB "
          f"| {login_s:.0f} s | "
          f"{1000 * statistics.median(woken):.0f} ms | {1000 * woken[-1]:.0f} ms |"
          if woken else "| (no wake-up) |")
    return 0 if len(woken) == args.n else 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("n", type=int, nargs="?", default=10_000, help="connections (default 10000)")
    ap.add_argument("--accounts", type=int, default=10, help="accounts the connections share")
    ap.add_argument("--concurrency", type=int, default=32, help="logins in flight")
    ap.add_argument("--settle", type=float, default=3.0, help="seconds before measuring RSS")
    ap.add_argument("--wake-timeout", type=float, default=30.0)
    ap.add_argument("--messages", type=int, default=0,
                    help="messages put in each INBOX first (default 0)")
    ap.add_argument("--plain", action="store_true",
                    help="IMAP without TLS (loopback logins allowed): shows what TLS costs")
    ap.add_argument("--bin", default=os.environ.get("MAILSIFT_BIN", "target/release/mailsift"))
    args = ap.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = args.n + 200
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard), hard))
        if hard < want:
            sys.exit(f"open files limit {hard} < {want}: raise `ulimit -Hn` or lower N")

    work = Path(tempfile.mkdtemp(prefix="mailsift-bench-idle-"))
    data = work / "data"
    config = work / "mailsift.toml"
    config.write_text(CONFIG.format(data=data, max_conn=args.n + 100,
                                    imap_tls="none" if args.plain else "implicit"))
    cli = [args.bin, "--config", str(config)]
    subprocess.run(cli + ["domain", "add", "example.org"], check=True, capture_output=True)
    users = []
    for k in range(args.accounts):
        user = f"idler{k}@example.org"
        subprocess.run(cli + ["account", "add", user], check=True, capture_output=True)
        out = subprocess.run(cli + ["--json", "password", "add", user, "--device", "bench"],
                             check=True, capture_output=True, text=True).stdout
        users.append((user, json.loads(out)["password"]))

    log = open(work / "server.log", "wb")
    # The child inherits the raised open-files limit.
    proc = subprocess.Popen(cli + ["serve"], stdout=log, stderr=subprocess.STDOUT, env=os.environ)
    try:
        listeners = data / "listeners.json"
        for _ in range(600):
            if listeners.exists():
                try:
                    ports = {k: int(v.rsplit(":", 1)[1])
                             for k, v in json.loads(listeners.read_text()).items()}
                    break
                except (ValueError, json.JSONDecodeError):
                    pass
            if proc.poll() is not None:
                sys.exit(f"server exited: {(work / 'server.log').read_text()}")
            time.sleep(0.1)
        else:
            sys.exit("server did not start")
        return asyncio.run(bench(args, proc.pid, ports, users))
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        print(f"# server log and data: {work}")


if __name__ == "__main__":
    sys.exit(main())
