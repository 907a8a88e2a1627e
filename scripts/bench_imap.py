#!/usr/bin/env python3
"""IMAP side by side with Dovecot (issue 19, item 1(d)); see scripts/bench-imap.sh.

Starts a release Mailsift and a private Dovecot (own config under a temporary folder, maildir,
passwd-file users, plain IMAP on a free loopback port), fills one INBOX on each with the same M
generated messages of a few KB (MULTIAPPEND, RFC 3502), then measures on both, interleaved round
by round (the order of the two stacks alternates):

  fetch-full     FETCH 1:* BODY.PEEK[]
  fetch-header   FETCH 1:* BODY.PEEK[HEADER]
  fetch-meta     FETCH 1:* (FLAGS UID ENVELOPE RFC822.SIZE)
  search-text    SEARCH TEXT "<word>"   (the word is in ~10% of the bodies)
  search-header  SEARCH HEADER X-Bench-List "<list>"   (~10% of the messages)

Each from one logged-in connection with INBOX selected; wall time as the client sees it (until the
tagged OK) and the server's CPU time (utime+stime of the server's processes from /proc/PID/stat;
for Dovecot every process under its master, the per-connection `imap` worker included, plus what
the master reaped meanwhile). Then N idle connections (LOGIN, SELECT INBOX, IDLE) on each stack,
one stack after the other, and the memory of the server's processes (sum of VmRSS, and of Pss,
which counts pages shared between Dovecot's forked processes once).

A benchmark, not a test: it checks that both stacks return the same number of messages and
search hits, and exits non-zero when they do not."""

import argparse
import asyncio
import grp
import json
import os
import pwd
import random
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# --------------------------------------------------------------------------------------------
# Messages

WORDS = """the of and to in is that for it as was with be by on not he this are or his from at
which but have an they you were her all she there would their we him been has when who will more
no if out so said what up its about into than them can only other new some could time these two
may then do first any my now such like our over man me even most made after also did many before
must through back years where much your way well down should because each just those people how
too little state good very make world still own see men work long get here between both life being
under never day same another know while last might us great old year off come since against go
came right used take three meeting report budget invoice project schedule review release draft
server network customer account update delivery office quarter team agenda notes summary figures
travel booking contract payment order shipping support ticket feature request question answer
""".split()
TEXT_WORD = "zanzibar"  # in ~10% of bodies: the SEARCH TEXT needle
LISTS = [f"list{k}" for k in range(10)]  # X-Bench-List: one of ten, the SEARCH HEADER target
NAMES = ["Alice Martin", "Bob Chen", "Carol Diaz", "Dan Okafor", "Eve Novak", "Frank Rossi",
         "Grace Kim", "Heidi Weber", "Ivan Petrov", "Judy Smith", "Mallory Brown", "Oscar Lind"]
DOMAINS = ["example.com", "example.net", "mail.example.org", "corp.example", "lists.example"]


def words(rng, n):
    return " ".join(rng.choice(WORDS) for _ in range(n))


def paragraph(rng, n_words):
    out, line = [], []
    for w in words(rng, n_words).split():
        line.append(w)
        if sum(len(x) + 1 for x in line) > 68:
            out.append(" ".join(line))
            line = []
    if line:
        out.append(" ".join(line))
    return "\r\n".join(out)


def addr(rng):
    name = rng.choice(NAMES)
    local = name.split()[0].lower()
    return name, f"{local}@{rng.choice(DOMAINS)}"


def make_message(i, rng):
    """One real-looking message of a few KB: a few Received lines, the usual headers, a plain
    text body, sometimes multipart/alternative with HTML, sometimes a small base64 attachment;
    RFC 2047 subjects and quoted-printable now and then."""
    fname, faddr = addr(rng)
    tname, taddr = addr(rng)
    day = 1 + i % 28
    date = f"Tue, {day:02d} Oct 2024 {i % 24:02d}:{i % 60:02d}:{(i * 7) % 60:02d} +0200"
    subject = words(rng, rng.randint(3, 8)).capitalize()
    if i % 13 == 0:
        subject = "=?UTF-8?Q?R=C3=BCckfrage_" + subject.replace(" ", "_") + "?="
    hdr = []
    for hop in range(rng.randint(2, 4)):
        hdr.append(f"Received: from relay{hop}.{rng.choice(DOMAINS)} (relay{hop}.example "
                   f"[192.0.2.{(i + hop) % 250 + 1}])\r\n\tby mx.example.org with ESMTPS id "
                   f"{rng.getrandbits(48):012x}\r\n\tfor <{taddr}>; {date}")
    hdr += [f"Message-ID: <{i}.{rng.getrandbits(32):08x}@{faddr.split('@')[1]}>",
            f"Date: {date}",
            f'From: "{fname}" <{faddr}>',
            f'To: "{tname}" <{taddr}>',
            f"Subject: {subject}",
            f"X-Bench-List: {LISTS[i % len(LISTS)]}",
            "MIME-Version: 1.0"]
    if i % 3 == 0:
        hdr.append(f"Cc: {addr(rng)[1]}, {addr(rng)[1]}")
    if i % 5 == 0:
        hdr.append(f"In-Reply-To: <{i - 1}.parent@example.com>")
        hdr.append(f"References: <{i - 2}.root@example.com> <{i - 1}.parent@example.com>")
    body = paragraph(rng, rng.randint(250, 700))
    if i % 10 == 3:  # ~10% carry the needle, somewhere in the middle of the text
        lines = body.split("\r\n")
        k = len(lines) // 2
        lines[k] = lines[k] + f" {TEXT_WORD} trip"
        body = "\r\n".join(lines)
    kind = i % 10
    if kind in (0, 4, 8):
        boundary = f"=_alt_{i:06d}"
        html = "<html><body><p>" + body.replace("\r\n", "</p>\r\n<p>") + "</p></body></html>"
        hdr.append(f'Content-Type: multipart/alternative; boundary="{boundary}"')
        text = (f"This is a multi-part message in MIME format.\r\n\r\n--{boundary}\r\n"
                "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
                f"{body}\r\n--{boundary}\r\n"
                "Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
                f"{html}\r\n--{boundary}--\r\n")
    elif kind == 6:
        import base64
        boundary = f"=_mix_{i:06d}"
        blob = base64.encodebytes(rng.randbytes(rng.randint(600, 1500))).decode().replace("\n", "\r\n")
        hdr.append(f'Content-Type: multipart/mixed; boundary="{boundary}"')
        text = (f"--{boundary}\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n{body}\r\n"
                f"--{boundary}\r\nContent-Type: application/octet-stream; name=\"data{i}.bin\"\r\n"
                "Content-Transfer-Encoding: base64\r\n"
                f"Content-Disposition: attachment; filename=\"data{i}.bin\"\r\n\r\n{blob}"
                f"--{boundary}--\r\n")
    elif kind == 9:
        hdr.append("Content-Type: text/plain; charset=utf-8")
        hdr.append("Content-Transfer-Encoding: quoted-printable")
        text = body.replace(" the ", " th=C3=A9 ", 1) + "\r\n"
    else:
        hdr.append("Content-Type: text/plain; charset=us-ascii")
        text = body + "\r\n"
    return ("\r\n".join(hdr) + "\r\n\r\n" + text).encode()


def corpus_messages(folder, m):
    files = sorted(p for p in Path(folder).rglob("*") if p.is_file() and p.stat().st_size > 0)
    if not files:
        sys.exit(f"no files under {folder}")
    out = []
    for i in range(m):
        raw = files[i % len(files)].read_bytes()
        raw = re.sub(rb"\r?\n", b"\r\n", raw)
        out.append(raw)
    return out


# --------------------------------------------------------------------------------------------
# A small synchronous IMAP client: enough to drive both servers and read large responses fast.

LITERAL = re.compile(rb"\{(\d+)\}\r\n$")


class Imap:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.f = self.sock.makefile("rb", buffering=1 << 20)
        self.n = 0
        greeting = self.f.readline()
        if not greeting.startswith(b"* OK"):
            raise RuntimeError(f"greeting: {greeting!r}")

    def command(self, line, on_untagged=None):
        """Send one command; return the tagged status line. Untagged responses (with their
        literals) go to on_untagged(first_line, literal_bytes_total)."""
        self.n += 1
        tag = b"b%d" % self.n
        self.sock.sendall(tag + b" " + line + b"\r\n")
        return self.finish(tag, on_untagged)

    def finish(self, tag, on_untagged=None):
        f = self.f
        while True:
            line = f.readline()
            if not line:
                raise RuntimeError("connection closed")
            first, got = line, 0
            while True:
                m = LITERAL.search(line)
                if not m:
                    break
                n = int(m.group(1))
                data = f.read(n)
                if len(data) != n:
                    raise RuntimeError("short literal")
                got += n
                line = f.readline()
            if first.startswith(tag + b" "):
                if not first.startswith(tag + b" OK"):
                    raise RuntimeError(f"{first!r}")
                return first
            if on_untagged:
                on_untagged(first, got)

    def append_many(self, mailbox, messages):
        """One MULTIAPPEND (RFC 3502) with non-synchronising literals (LITERAL+, RFC 7888)."""
        self.n += 1
        tag = b"b%d" % self.n
        parts = [tag + b" APPEND " + mailbox.encode()]
        for msg in messages:
            parts.append(b" {%d+}\r\n" % len(msg))
            parts.append(msg)
        parts.append(b"\r\n")
        self.sock.sendall(b"".join(parts))
        return self.finish(tag)

    def close(self):
        try:
            self.sock.sendall(b"z LOGOUT\r\n")
        except OSError:
            pass
        self.sock.close()


# --------------------------------------------------------------------------------------------
# Process accounting

TICK = os.sysconf("SC_CLK_TCK")


def children_map():
    kids = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2:].split()
        kids.setdefault(int(fields[1]), []).append(int(d))
    return kids


def tree(root):
    kids = children_map()
    out, todo = [], [root]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, []))
    return out


def cpu_seconds(pids, root):
    """utime+stime of the live processes, plus the root's cutime+cstime (children it reaped)."""
    total = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2:].split()
        total += int(fields[11]) + int(fields[12])
        if p == root:
            total += int(fields[13]) + int(fields[14])
    return total / TICK


def memory(pids):
    """(sum of VmRSS, sum of Pss) in bytes."""
    rss = pss = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Rss:"):
                        rss += int(line.split()[1]) * 1024
                    elif line.startswith("Pss:"):
                        pss += int(line.split()[1]) * 1024
        except OSError:
            continue
    return rss, pss


def mib(n):
    return f"{n / (1 << 20):.1f} MiB"


# --------------------------------------------------------------------------------------------
# The two stacks

MAILSIFT_CONFIG = """\
hostname = "mail.test"
data_dir = "{data}"

[limits]
max_connections = {max_conn}
# Every connection comes from loopback: the per-address cap would refuse most idlers.
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
name = "imap"
protocol = "imap"
address = "127.0.0.1:0"
tls = "none"
"""

DOVECOT_CONF = """\
base_dir = {d}/run
state_dir = {d}/state
instance_name = mailsift-bench-{port}
protocols = imap
listen = 127.0.0.1
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {login_user}
log_path = {d}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 0
# One user opens every idle connection from 127.0.0.1 (the default allows 10).
mail_max_userip_connections = {max_conn}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {d}/passwd
}}
userdb {{
  driver = static
  args = uid={user} gid={group} home={d}/mail/%u
}}
mail_location = maildir:{d}/mail/%u/Maildir
namespace inbox {{
  inbox = yes
  separator = /
}}
service imap-login {{
  chroot =
  # The default 100 login processes in flight is plenty for the bench's login concurrency;
  # raised only so that queued logins never wait on it.
  process_limit = 512
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
}}
service imap {{
  # Default client_limit (1: one process per connection); the process cap raised so that the
  # idle test can reach N connections.
  process_limit = {max_conn}
}}
service anvil {{
  chroot =
}}
default_vsz_limit = 1G
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, log, timeout=30):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            sys.exit(f"server exited: {Path(log).read_text()[-3000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                if s.recv(100).startswith(b"* OK"):
                    return
        except OSError:
            pass
        time.sleep(0.1)
    sys.exit(f"server on {port} did not start: {Path(log).read_text()[-3000:]}")


class Mailsift:
    name = "mailsift"

    def __init__(self, work, binary, max_conn):
        self.work = work / "mailsift"
        self.work.mkdir()
        self.bin = binary
        data = self.work / "data"
        self.config = self.work / "mailsift.toml"
        self.config.write_text(MAILSIFT_CONFIG.format(data=data, max_conn=max_conn + 100))
        self.data = data
        self.proc = None

    def cli(self, *args):
        return subprocess.run([self.bin, "--config", str(self.config), *args], check=True,
                              capture_output=True, text=True).stdout

    def start(self):
        self.cli("domain", "add", "example.org")
        self.user = "bench@example.org"
        self.cli("account", "add", self.user)
        out = self.cli("--json", "password", "add", self.user, "--device", "bench")
        self.password = json.loads(out)["password"]
        self.log = self.work / "server.log"
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen([self.bin, "--config", str(self.config), "serve"],
                                         stdout=log, stderr=subprocess.STDOUT)
        listeners = self.data / "listeners.json"
        for _ in range(600):
            if listeners.exists():
                try:
                    self.port = int(json.loads(listeners.read_text())["imap"].rsplit(":", 1)[1])
                    break
                except (ValueError, KeyError, json.JSONDecodeError):
                    pass
            if self.proc.poll() is not None:
                sys.exit(f"mailsift exited: {self.log.read_text()[-3000:]}")
            time.sleep(0.1)
        else:
            sys.exit("mailsift did not start")
        wait_port(self.port, self.proc, self.log)

    def pids(self):
        return [self.proc.pid]

    def root(self):
        return self.proc.pid

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()


class Dovecot:
    name = "dovecot"
    binary = "/usr/sbin/dovecot"

    def __init__(self, work, max_conn):
        # As root, Dovecot runs its mail processes as the `dovecot` user (never uid 0), which
        # must reach the folder.
        self.dir = work / "dovecot"
        self.dir.mkdir()
        os.chmod(work, 0o755)
        os.chmod(self.dir, 0o755)
        self.port = free_port()
        if os.getuid() == 0:
            user = group = "dovecot"
            login_user = "dovenull"
        else:
            user = login_user = pwd.getpwuid(os.getuid()).pw_name
            group = grp.getgrgid(os.getgid()).gr_name
        for sub in ("run", "state", "mail"):
            (self.dir / sub).mkdir()
        if os.getuid() == 0:
            shutil.chown(self.dir / "mail", user, group)
        self.conf = self.dir / "dovecot.conf"
        self.conf.write_text(DOVECOT_CONF.format(d=self.dir, port=self.port, user=user, group=group,
                                                 login_user=login_user, max_conn=max_conn + 100))
        self.user, self.password = "bench", "bench secret"
        (self.dir / "passwd").write_text(f"{self.user}:{{PLAIN}}{self.password}:::::\n")
        self.proc = None

    def start(self):
        self.log = self.dir / "dovecot.log"
        self.proc = subprocess.Popen([self.binary, "-F", "-c", str(self.conf)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        self.log.touch()
        wait_port(self.port, self.proc, self.log)

    def pids(self):
        return tree(self.proc.pid)

    def root(self):
        return self.proc.pid

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()


# --------------------------------------------------------------------------------------------
# Measurements

def fill(stack, messages, batch):
    c = Imap(stack.port)
    c.command(b"LOGIN " + stack.user.encode() + b' "' + stack.password.encode() + b'"')
    t0 = time.monotonic()
    for k in range(0, len(messages), batch):
        c.append_many("INBOX", messages[k:k + batch])
    took = time.monotonic() - t0
    c.close()
    return took


def session(stack):
    c = Imap(stack.port)
    c.command(b"LOGIN " + stack.user.encode() + b' "' + stack.password.encode() + b'"')
    c.command(b"SELECT INBOX")
    return c


OPS = [
    ("fetch-full", b"FETCH 1:* BODY.PEEK[]", "fetch"),
    ("fetch-header", b"FETCH 1:* BODY.PEEK[HEADER]", "fetch"),
    ("fetch-meta", b"FETCH 1:* (FLAGS UID ENVELOPE RFC822.SIZE)", "fetch"),
    ("search-text", b'SEARCH TEXT "' + TEXT_WORD.encode() + b'"', "search"),
    ("search-header", b'SEARCH HEADER X-Bench-List "' + LISTS[3].encode() + b'"', "search"),
]


def run_op(stack, conn, line, kind):
    counted = {"n": 0, "bytes": 0}

    def untagged(first, got):
        if kind == "fetch" and b" FETCH " in first:
            counted["n"] += 1
            counted["bytes"] += got
        elif kind == "search" and first.startswith(b"* SEARCH"):
            counted["n"] += len(first.split()) - 2

    pids = stack.pids()
    cpu0 = cpu_seconds(pids, stack.root())
    t0 = time.monotonic()
    conn.command(line, untagged)
    wall = time.monotonic() - t0
    cpu = cpu_seconds(stack.pids(), stack.root()) - cpu0
    return wall, cpu, counted["n"], counted["bytes"]


async def idle_connections(stack, n, concurrency, settle):
    """N connections: LOGIN, SELECT INBOX, IDLE. Returns (opened, rss, pss) with all of them
    open, or stops early (and says so) when the machine runs low on memory."""
    conns = []
    sem = asyncio.Semaphore(concurrency)
    low = {"hit": False}

    async def one():
        if low["hit"]:
            return
        async with sem:
            if low["hit"]:
                return
            reader, writer = await asyncio.open_connection("127.0.0.1", stack.port)

            async def cmd(line):
                writer.write(line + b"\r\n")
                await writer.drain()
                tag = line.split(b" ", 1)[0]
                while True:
                    got = await reader.readline()
                    if not got:
                        raise RuntimeError(f"{stack.name}: closed after {line!r}")
                    if got.startswith(tag + b" "):
                        if not got.startswith(tag + b" OK"):
                            raise RuntimeError(f"{stack.name}: {got!r}")
                        return

            greeting = await reader.readline()
            if not greeting.startswith(b"* OK"):
                raise RuntimeError(f"{stack.name}: {greeting!r}")
            await cmd(b'l LOGIN ' + stack.user.encode() + b' "' + stack.password.encode() + b'"')
            await cmd(b"s SELECT INBOX")
            writer.write(b"i IDLE\r\n")
            await writer.drain()
            line = await reader.readline()
            if not line.startswith(b"+"):
                raise RuntimeError(f"{stack.name}: IDLE {line!r}")
            conns.append(writer)
            if len(conns) % 1000 == 0:
                avail = mem_available()
                print(f"  {stack.name}: {len(conns)} idle, server RSS "
                      f"{mib(memory(stack.pids())[0])}, machine MemAvailable {mib(avail)}",
                      flush=True)
                if avail < LOW_MEMORY:
                    low["hit"] = True

    t0 = time.monotonic()
    await asyncio.gather(*(one() for _ in range(n)))
    took = time.monotonic() - t0
    await asyncio.sleep(settle)
    rss, pss = memory(stack.pids())
    procs = len(stack.pids())
    for w in conns:
        w.transport.abort()
    if low["hit"]:
        print(f"  {stack.name}: stopped at {len(conns)} connections: MemAvailable below "
              f"{mib(LOW_MEMORY)}")
    return len(conns), rss, pss, procs, took


LOW_MEMORY = 2 << 30


def mem_available():
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--messages", type=int, default=10_000, help="messages in the INBOX (10000)")
    ap.add_argument("--idle", type=int, default=None, help="idle connections (10000; 0: skip)")
    ap.add_argument("--rounds", type=int, default=3, help="interleaved rounds of every operation")
    ap.add_argument("--quick", action="store_true",
                    help="smoke run: 1000 messages, 500 idle connections, 2 rounds")
    ap.add_argument("--batch", type=int, default=200, help="messages per MULTIAPPEND")
    ap.add_argument("--corpus", help="take the messages from the files under this folder "
                                     "(cycled) instead of generating them")
    ap.add_argument("--only", choices=["mailsift", "dovecot"], help="run one stack only")
    ap.add_argument("--ops", default=",".join(o[0] for o in OPS),
                    help="operations to run, comma-separated")
    ap.add_argument("--concurrency", type=int, default=32, help="idle logins in flight")
    ap.add_argument("--settle", type=float, default=3.0, help="seconds before measuring RSS")
    ap.add_argument("--keep", action="store_true", help="leave the work folder")
    ap.add_argument("--hold", metavar="FILE",
                    help="after filling and warming up, print the servers' pids and wait until "
                         "FILE exists before measuring (to attach a profiler)")
    ap.add_argument("--bin", default=os.environ.get("MAILSIFT_BIN", "target/release/mailsift"))
    args = ap.parse_args()
    if args.quick:
        args.messages, args.rounds = 1000, 2
    if args.idle is None:
        args.idle = 500 if args.quick else 10_000
    ops = [o for o in OPS if o[0] in args.ops.split(",")]

    want = args.idle + 500
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < want:
        if hard < want:
            sys.exit(f"open files limit {hard} < {want}: raise `ulimit -Hn` or lower --idle")
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))

    if args.corpus:
        messages = corpus_messages(args.corpus, args.messages)
    else:
        rng = random.Random(19)
        messages = [make_message(i, rng) for i in range(args.messages)]
    total = sum(len(m) for m in messages)
    print(f"# {len(messages)} messages, {mib(total)} ({total // len(messages)} bytes on average), "
          f"{args.rounds} rounds, {args.idle} idle connections; mailsift {args.bin}")

    work = Path(tempfile.mkdtemp(prefix="mailsift-bench-imap-"))
    stacks = []
    if args.only != "dovecot":
        stacks.append(Mailsift(work, args.bin, args.idle))
    if args.only != "mailsift":
        if not os.path.exists(Dovecot.binary):
            sys.exit("dovecot is not installed: apt-get install dovecot-imapd")
        stacks.append(Dovecot(work, args.idle))
    failed = False
    try:
        for s in stacks:
            s.start()
        for s in stacks:
            took = fill(s, messages, args.batch)
            print(f"  filled {s.name} in {took:.1f} s ({len(messages) / took:.0f} msg/s)",
                  flush=True)
        conns = {s.name: session(s) for s in stacks}
        # One warm-up pass of every op (Dovecot builds its index and cache on first use; both
        # read the mailbox into the page cache).
        for s in stacks:
            for _, line, kind in ops:
                run_op(s, conns[s.name], line, kind)
        if args.hold:
            print("pids: " + ", ".join(f"{s.name} {s.root()}" for s in stacks), flush=True)
            while not os.path.exists(args.hold):
                time.sleep(0.2)
        results = {}  # (op, stack) -> [(wall, cpu, n, bytes)]
        for r in range(args.rounds):
            order = stacks if r % 2 == 0 else list(reversed(stacks))
            for op, line, kind in ops:
                for s in order:
                    results.setdefault((op, s.name), []).append(run_op(s, conns[s.name], line, kind))
        for c in conns.values():
            c.close()

        print()
        print(f"| operation ({len(messages)} messages) | " + " | ".join(
            f"{s.name} wall | {s.name} CPU" for s in stacks) +
            (" | wall ratio (dovecot / mailsift) | CPU ratio |" if len(stacks) == 2 else " |") +
            " results |")
        print("|---" * (1 + 2 * len(stacks) + (2 if len(stacks) == 2 else 0) + 1) + "|")
        for op, _, kind in ops:
            cells, med = [], {}
            counts = []
            for s in stacks:
                rs = results[(op, s.name)]
                wall = statistics.median(x[0] for x in rs)
                cpu = statistics.median(x[1] for x in rs)
                med[s.name] = (wall, cpu)
                cells += [f"{wall * 1000:.0f} ms", f"{cpu * 1000:.0f} ms"]
                counts.append(rs[-1][2])
            if len(stacks) == 2:
                (mw, mc), (dw, dc) = med["mailsift"], med["dovecot"]
                cells.append(f"{dw / mw:.2f}" if mw else "-")
                cells.append(f"{dc / mc:.2f}" if mc else "-")
            if len(set(counts)) > 1:
                failed = True
            cells.append(" / ".join(str(c) for c in counts) +
                         (" messages" if kind == "fetch" else " hits"))
            print(f"| {op} | " + " | ".join(cells) + " |")
        print("(median of the rounds; CPU: the server's processes, from /proc/PID/stat, "
              f"{1000 / TICK:.0f} ms resolution)")

        if args.idle:
            print()
            rows = []
            for s in stacks:
                base_rss, base_pss = memory(s.pids())
                opened, rss, pss, procs, took = asyncio.run(
                    idle_connections(s, args.idle, args.concurrency, args.settle))
                rows.append((s.name, opened, base_rss, rss, pss, procs, took))
            print(f"| {args.idle} idle connections (LOGIN, SELECT, IDLE) | opened | RSS before | "
                  "RSS idle (sum) | PSS idle (sum) | processes | per connection (RSS) | "
                  "login phase |")
            print("|---|---|---|---|---|---|---|---|")
            for name, opened, base, rss, pss, procs, took in rows:
                per = (rss - base) / max(1, opened)
                print(f"| {name} | {opened} | {mib(base)} | {mib(rss)} | {mib(pss)} | {procs} | "
                      f"{per / 1024:.1f} KiB | {took:.0f} s |")
                if opened < args.idle:
                    failed = True
    finally:
        for s in stacks:
            s.stop()
        if args.keep:
            print(f"# work folder: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
