#!/usr/bin/env python3
"""Resident memory against stored messages (see scripts/bench-memory.sh; issue 19).

Starts the mailsift binary on a fresh data directory with the full default pipeline (the four
bundled plugins from plugins/dist, the default Sieve, durable commits; sender authentication
skips loopback as shipped), delivers N messages with Postfix's smtp-source (5 KB payload, 16
sessions spread over a few accounts), and every `--every` messages samples the server: VmRSS,
VmHWM, RssAnon/RssFile, open fds, threads and the store file's size. Then it opens one IMAP
session on the biggest mailbox (SELECT, FETCH 1:* (FLAGS UID), SEARCH) and samples again, and
prints the samples as a Markdown table for BENCHMARKS.md. A benchmark, not a test: nothing is
asserted but that every message was accepted."""

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CONFIG = """\
hostname = "mail.test"
data_dir = "{data}"

[limits]
max_connections = 1000
# smtp-source opens one connection per message, all from loopback.
connection_limit_exempt = ["127.0.0.0/8"]

[auth_throttle]
exempt = ["127.0.0.0/8"]

[log]
level = "warn"

[outbound]
smart_host = "127.0.0.1:9"

{store}
[[listener]]
name = "smtp"
protocol = "smtp"
address = "127.0.0.1:0"
tls = "none"

[[listener]]
name = "imap"
protocol = "imap"
address = "127.0.0.1:0"
tls = "none"
"""


def proc_status(pid):
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, rest = line.partition(":")
            parts = rest.split()
            if parts and parts[0].isdigit():
                out[key] = int(parts[0]) * (1024 if len(parts) > 1 else 1)
    return out


def mib(n):
    return f"{n / (1 << 20):.0f}"


def top_mappings(pid, k=8):
    """The k mappings with the most resident memory (from /proc/PID/smaps)."""
    maps, current = [], None
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
                parts = line.split()
                lo, hi = (int(x, 16) for x in parts[0].split("-"))
                current = [parts[5] if len(parts) > 5 else "[anon]", hi - lo, 0]
                maps.append(current)
            elif line.startswith("Rss:") and current is not None:
                current[2] = int(line.split()[1]) * 1024
    maps.sort(key=lambda m: -m[2])
    return maps[:k]


class Sampler:
    def __init__(self, pid, store_file):
        self.pid = pid
        self.store_file = store_file
        self.rows = []
        self.t0 = time.monotonic()
        self.cpu0 = self.cpu()

    def cpu(self):
        with open(f"/proc/{self.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def sample(self, label):
        st = proc_status(self.pid)
        fds = len(os.listdir(f"/proc/{self.pid}/fd"))
        size = self.store_file.stat().st_size if self.store_file.exists() else 0
        row = {
            "at": label,
            "rss": st.get("VmRSS", 0),
            "hwm": st.get("VmHWM", 0),
            "anon": st.get("RssAnon", 0),
            "file": st.get("RssFile", 0),
            "fds": fds,
            "threads": st.get("Threads", 0),
            "store": size,
            "t": time.monotonic() - self.t0,
            "cpu": self.cpu() - self.cpu0,
        }
        self.rows.append(row)
        print(f"  {label}: RSS {mib(row['rss'])} MiB (anon {mib(row['anon'])}, file "
              f"{mib(row['file'])}), peak {mib(row['hwm'])} MiB, {fds} fds, "
              f"{row['threads']} threads, store {mib(size)} MiB, {row['t']:.0f} s", flush=True)
        return row

    def table(self):
        print("| stored / step | VmRSS MiB | VmHWM MiB | anon / file MiB | fds | threads "
              "| store file MiB | elapsed s |")
        print("|---|---|---|---|---|---|---|---|")
        for r in self.rows:
            print(f"| {r['at']} | {mib(r['rss'])} | {mib(r['hwm'])} | {mib(r['anon'])} / "
                  f"{mib(r['file'])} | {r['fds']} | {r['threads']} | {mib(r['store'])} "
                  f"| {r['t']:.0f} |")


def deliver(args, port, users, count, smtp_source):
    """`count` messages, split over the accounts, 16 sessions in all; returns failures."""
    per = [count // len(users) + (1 if i < count % len(users) else 0)
           for i in range(len(users))]
    sessions = max(1, args.sessions // len(users))
    procs = []
    for user, n in zip(users, per):
        if n == 0:
            continue
        procs.append(subprocess.Popen(
            [smtp_source, "-s", str(sessions), "-m", str(n), "-l", str(args.size),
             "-f", "bench@remote.test", "-t", user, "-M", "client.test",
             f"127.0.0.1:{port}"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT))
    failed = 0
    for p in procs:
        out, _ = p.communicate()
        if p.returncode != 0:
            failed += 1
            print(f"  smtp-source failed ({p.returncode}): {out.decode(errors='replace')[-500:]}")
    return failed


class Imap:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.file = self.sock.makefile("rb")
        self.n = 0
        self.file.readline()

    def command(self, line):
        """Sends one command and reads its whole response; returns the untagged lines' count
        and the lines themselves (literals are read and dropped)."""
        self.n += 1
        tag = b"c%d" % self.n
        self.sock.sendall(tag + b" " + line.encode() + b"\r\n")
        lines = []
        while True:
            got = self.file.readline()
            if not got:
                raise RuntimeError(f"connection closed after {line}")
            m = re.search(rb"\{(\d+)\}\r\n$", got)
            if m:
                self.file.read(int(m.group(1)))
            if got.startswith(tag + b" "):
                if not got.startswith(tag + b" OK"):
                    raise RuntimeError(got)
                return lines
            lines.append(got)


def imap_session(port, user, password, sampler, prefix=""):
    c = Imap(port)
    c.command(f"LOGIN {user} {password}")
    biggest, most = "INBOX", -1
    for line in c.command('LIST "" "*"'):
        m = re.search(rb'"([^"]*)"\r\n$', line) or re.search(rb" (\S+)\r\n$", line)
        if not m:
            continue
        name = m.group(1).decode()
        st = c.command(f'STATUS "{name}" (MESSAGES)')
        count = int(re.search(rb"MESSAGES (\d+)", st[0]).group(1)) if st else 0
        if count > most:
            biggest, most = name, count
    t = time.monotonic()
    c.command(f'SELECT "{biggest}"')
    sampler.sample(f"{prefix}SELECT {biggest} ({most})")
    fetched = c.command("FETCH 1:* (FLAGS UID)")
    sampler.sample(f"{prefix}FETCH 1:* (FLAGS UID) ({len(fetched)} lines)")
    found = c.command("SEARCH FROM bench")
    sampler.sample(f"{prefix}SEARCH FROM ({len(found)} lines)")
    c.command("LOGOUT")
    return time.monotonic() - t


def start(cli, data, work, log):
    """Starts the server; returns it and its listeners' ports once it listens."""
    listeners = data / "listeners.json"
    if listeners.exists():
        listeners.unlink()
    proc = subprocess.Popen(cli + ["serve"], stdout=log, stderr=subprocess.STDOUT)
    for _ in range(3000):
        if listeners.exists():
            try:
                return proc, {k: int(v.rsplit(":", 1)[1])
                              for k, v in json.loads(listeners.read_text()).items()}
            except (ValueError, json.JSONDecodeError):
                pass
        if proc.poll() is not None:
            sys.exit(f"server exited: {(work / 'server.log').read_text()}")
        time.sleep(0.1)
    proc.kill()
    sys.exit("server did not start")


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("n", type=int, nargs="?", default=200_000,
                    help="messages to deliver (default 200000)")
    ap.add_argument("--quick", action="store_true", help="5000 messages, sampled every 1000")
    ap.add_argument("--every", type=int, default=10_000, help="sample every so many messages")
    ap.add_argument("--accounts", type=int, default=4, help="accounts the messages go to")
    ap.add_argument("--sessions", type=int, default=16, help="SMTP sessions in parallel")
    ap.add_argument("--size", type=int, default=5120, help="payload bytes per message")
    ap.add_argument("--cache-mb", type=int, default=None,
                    help="[store] cache_mb (default: leave the server's default)")
    ap.add_argument("--no-plugins", action="store_true", help="without the bundled plugins")
    ap.add_argument("--smaps", action="store_true",
                    help="print the largest mappings at the end (where the memory is)")
    ap.add_argument("--settle", type=float, default=6.0,
                    help="seconds to wait before the last sample (the trimmer runs every 5 s)")
    ap.add_argument("--bin", default=os.environ.get("MAILSIFT_BIN", "target/release/mailsift"))
    ap.add_argument("--plugins", default=os.environ.get("MAILSIFT_BUNDLED_PLUGINS",
                                                        str(ROOT / "plugins" / "dist")))
    args = ap.parse_args()
    if args.quick:
        args.n, args.every = 5_000, 1_000
    smtp_source = shutil.which("smtp-source") or "/usr/sbin/smtp-source"
    if not Path(smtp_source).exists():
        sys.exit("smtp-source not found: apt-get install postfix")

    work = Path(tempfile.mkdtemp(prefix="mailsift-bench-memory-"))
    data = work / "data"
    config = work / "mailsift.toml"
    store = "" if args.cache_mb is None else f"[store]\ncache_mb = {args.cache_mb}\n"
    text = CONFIG.format(data=data, store=store)
    if args.no_plugins:
        text += "\n[plugins]\nenabled = false\n"
    config.write_text(text)
    if not args.no_plugins:
        (data / "plugins").mkdir(parents=True)
        for name in ("spam", "promotions", "lists", "attachments"):
            shutil.copy(Path(args.plugins) / f"{name}.wasm", data / "plugins" / f"{name}.wasm")
    cli = [args.bin, "--config", str(config)]
    subprocess.run(cli + ["domain", "add", "example.org"], check=True, capture_output=True)
    users = []
    for k in range(args.accounts):
        user = f"user{k}@example.org"
        subprocess.run(cli + ["account", "add", user], check=True, capture_output=True)
        out = subprocess.run(cli + ["--json", "password", "add", user, "--device", "bench"],
                             check=True, capture_output=True, text=True).stdout
        users.append((user, json.loads(out)["password"]))

    log = open(work / "server.log", "ab")
    proc, ports = start(cli, data, work, log)
    try:
        print(f"# {args.n} messages of {args.size} B payload to {args.accounts} accounts, "
              f"{args.sessions} sessions, plugins {'off' if args.no_plugins else 'on'}, "
              f"cache_mb {args.cache_mb if args.cache_mb is not None else 'default'}, "
              f"binary {args.bin}", flush=True)
        sampler = Sampler(proc.pid, data / "mailsift.redb")
        if not sampler.store_file.exists():
            found = sorted(data.glob("*.redb")) + sorted(data.glob("*.db"))
            if found:
                sampler.store_file = found[0]
        sampler.sample("0 (idle)")
        sent, failed = 0, 0
        while sent < args.n:
            step = min(args.every, args.n - sent)
            failed += deliver(args, ports["smtp"], [u for u, _ in users], step, smtp_source)
            sent += step
            row = sampler.sample(str(sent))
            rate = step / max(1e-9, row["t"] - (sampler.rows[-2]["t"]))
            print(f"    {rate:.0f} msg/s, server CPU {1000 * row['cpu'] / sent:.2f} ms/msg "
                  f"overall", flush=True)
        time.sleep(args.settle)
        sampler.sample(f"{sent}, {args.settle:.0f} s later")
        imap_s = imap_session(ports["imap"], users[0][0], users[0][1], sampler)
        time.sleep(args.settle)
        sampler.sample(f"after IMAP, {args.settle:.0f} s later")
        mappings = top_mappings(proc.pid) if args.smaps else []
        # A restart over the full store: nothing read at start may scale with it.
        stop(proc)
        proc, ports = start(cli, data, work, log)
        sampler.pid = proc.pid
        time.sleep(max(args.settle, 5.0))  # the plugins load after the listeners open
        sampler.sample("restarted, idle")
        imap_s2 = imap_session(ports["imap"], users[0][0], users[0][1], sampler, "restarted, ")
        print(f"# IMAP session {imap_s:.1f} s, after the restart {imap_s2:.1f} s; "
              f"smtp-source runs failed: {failed}")
        sampler.table()
        if mappings:
            print("# largest mappings before the restart (resident MiB, size MiB, name):")
            for name, size, rss in mappings:
                print(f"#   {mib(rss):>6} {mib(size):>8}  {name}")
        return 1 if failed else 0
    finally:
        stop(proc)
        log.close()
        print(f"# server log and data: {work}")


if __name__ == "__main__":
    sys.exit(main())
