#!/usr/bin/env python3
"""Soak (issue 20, item 4): one mailsift server under mixed, partly hostile traffic for a bounded
time; its RSS and open descriptors must stay flat and its log free of errors.

Legitimate clients (from 127.0.0.1): inbound SMTP deliveries (plain, with attachments, spammy,
with a blocked .exe), authenticated submission over implicit TLS, IMAP sessions (login, list,
select, search, fetch, IDLE for a moment, append, store + expunge, logout; STARTTLS and implicit
TLS), ManageSieve sessions (STARTTLS, AUTHENTICATE, PUTSCRIPT, SETACTIVE, GETSCRIPT,
LISTSCRIPTS) and POP3 (implicit TLS). Every legitimate session must succeed; a refusal by a
filter (the attachments plugin's 554) counts as a refusal, not a failure.

Hostile clients (from other loopback addresses, so that the bans they earn do not lock out the
legitimate ones): slowloris (a byte every few seconds) on every protocol; oversize lines and
literals; garbage bytes; wrong passwords from one address (brute force: the throttle must slow
and then ban it); connection floods beyond the per-address cap; TLS handshakes that stop
halfway; sessions abandoned in the middle of DATA.

Every `--sample` seconds the server's VmRSS and /proc/PID/fd count are printed. At the end:
  * RSS: after a warm-up (the first 25 % of the run), the post-warm-up time is cut in thirds;
    the RSS maximum of the last third may exceed that of the middle third by at most
    RSS_MARGIN (see below) — a leak grows it, a plateau does not;
  * descriptors: once the clients stop (and the server's own timeouts have closed what the
    hostile clients left open), the count returns to the idle baseline measured before the
    traffic, within FD_SLACK;
  * the log (stdout + stderr) has no ERROR or panic line other than those matching
    ALLOWED_ERRORS;
  * the server is alive throughout and exits cleanly on SIGTERM;
  * the hostile traffic met the limits it is meant to meet (throttle/ban, per-address cap).

    scripts/soak.py --seconds 120                 # the CI length (tests/e2e/test_soak.py)
    scripts/soak.sh 1800                          # the documented run (BENCHMARKS.md "Soak")
    scripts/soak.py --table WORK/soak-result.json 150   # its samples as a Markdown table
"""

import argparse
import base64
import email.message
import email.utils
import imaplib
import json
import os
import poplib
import random
import re
import shutil
import smtplib
import socket
import ssl
import sys
import tempfile
import threading
import time
import traceback
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "e2e"))
from conftest import Server  # noqa: E402  (the e2e harness: process, ports, CLI)

# Allowed growth of the RSS maximum from the middle to the last third of the post-warm-up time:
# 10 % of the middle third's maximum, at least 8 MiB. Why: the server's memory is not one heap
# that a leak alone moves. Plugin instances are recycled every `reuse_calls` calls (a fresh
# wasm linear memory each time), glibc keeps per-thread arenas whose high-water mark depends on
# which runtime worker happens to take a burst (a new blocking thread is a new arena: ~3 MiB),
# argon2 keeps ~19 MiB per concurrent hash, and redb's page cache fills up to cache_mb. These
# move the maximum by a few MiB between thirds. What the margin lets through: the 30-minute run
# has ~14 sessions/s, ~6,500 a third, so a leak above ~2.5 KiB per session fails it; smaller
# ones show in the least-squares slope printed at the end (and in the time series).
RSS_MARGIN_FRACTION = 0.10
RSS_MARGIN_MIN = 8 << 20
# Descriptors: the idle baseline is taken before the traffic; a few may differ at the end for
# reasons that are not leaks (an outbound retry connecting to the closed smart host at that
# moment, a redb file handle reopened).
FD_SLACK = 3

# The log lines at ERROR (or containing "panic") that a soak of hostile traffic may produce:
# none so far. Refusals (throttle, bans, caps, timeouts, oversize input) are logged at INFO or
# WARN; a new ERROR line is a finding. Patterns are regular expressions matched with search().
ALLOWED_ERRORS = [
]
# The WARN lines the hostile traffic is expected to cause (the refusals). Other WARN lines are
# listed in the result, for a reader to judge, but do not fail the run.
EXPECTED_WARNINGS = [
    r"per-address connection limit reached; refusing",
    r"client address banned after repeated failed logins",
    r"account closed to unfamiliar addresses after repeated failed logins",
    r"authentication failed user=victim@example\.org",
    r"generated a self-signed certificate",
]

CONFIG = """\
hostname = "mail.test"
data_dir = "{data}"

# Short timeouts so that the hostile sessions are cut off within the run (the defaults are
# minutes); the limits themselves are the shipped ones unless named here.
[limits]
max_message_size = 1048576
max_connections_per_ip = 20
command_timeout = 10
unauthenticated_timeout = 20
smtp_command_timeout = 20
smtp_data_timeout = 10
tls_handshake_timeout = 5
max_auth_failures = 3

[auth_throttle]
base_delay_ms = 100
max_delay_ms = 2000
ip_ban_after = 10
# Short ban: the brute force is banned, the ban expires, and it is banned again during the run.
ban_secs = 30

[submission]
# The soak submits far more than a person: no hourly cap (the cap has its own tests).
messages_per_hour = 0
recipients_per_day = 0

# Bounded stores small enough to fill during the warm-up, so that what still grows after it is a
# leak and not a cache reaching its cap: redb's page cache (default 64 MiB; it grows with the
# store file, ~35 MB after 7 minutes of this traffic) and the message traces (default 10,000,
# reached after ~20 minutes here). With the defaults RSS climbs ~3 MiB a minute until they are
# full, which is growth to a bound, not a leak (BENCHMARKS.md "Soak").
[store]
cache_mb = 16
trace_records = 1000

[log]
level = "info"

[outbound]
# Remote recipients of submitted mail stay queued, retried against a closed port on loopback.
smart_host = "127.0.0.1:9"
retry_initial = 30

[[listener]]
name = "smtp"
protocol = "smtp"
address = "127.0.0.1:0"
tls = "starttls"

[[listener]]
name = "submission"
protocol = "submission"
address = "127.0.0.1:0"
tls = "starttls"

[[listener]]
name = "submissions"
protocol = "submission"
address = "127.0.0.1:0"
tls = "implicit"

[[listener]]
name = "imap"
protocol = "imap"
address = "127.0.0.1:0"
tls = "starttls"

[[listener]]
name = "imaps"
protocol = "imap"
address = "127.0.0.1:0"
tls = "implicit"

[[listener]]
name = "pop3s"
protocol = "pop3"
address = "127.0.0.1:0"
tls = "implicit"

[[listener]]
name = "managesieve"
protocol = "managesieve"
address = "127.0.0.1:0"
tls = "starttls"
"""

LEGIT = "127.0.0.1"
BRUTE = "127.0.0.2"   # wrong passwords: gets throttled and banned
FLOOD = "127.0.0.3"   # connection floods: hits the per-address cap
HOSTILE = "127.0.0.4"  # slowloris, garbage, oversize, half TLS, abandoned DATA
USERS = [f"soak{k}@example.org" for k in range(4)]
VICTIM = "victim@example.org"
MAX_PER_IP = 20
KEEP_IN_INBOX = 40  # IMAP sessions expunge beyond this, so the store stays bounded


# -- bookkeeping ---------------------------------------------------------------------------------

class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.counts = Counter()
        self.failures = []  # (kind, message) of legitimate sessions that failed

    def add(self, key, n=1):
        with self.lock:
            self.counts[key] += n

    def fail(self, kind, exc):
        with self.lock:
            self.counts[f"{kind}:FAILED"] += 1
            if len(self.failures) < 50:
                self.failures.append((kind, "".join(traceback.format_exception_only(type(exc), exc)).strip()))


def proc_sample(pid):
    rss = hwm = threads = 0
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) * 1024
            elif line.startswith("VmHWM:"):
                hwm = int(line.split()[1]) * 1024
            elif line.startswith("Threads:"):
                threads = int(line.split()[1])
    fds = len(os.listdir(f"/proc/{pid}/fd"))
    return rss, hwm, fds, threads


def mib(n):
    return n / (1 << 20)


# -- message material ----------------------------------------------------------------------------

HAM_WORDS = ("meeting agenda project report budget review draft notes schedule lunch invoice "
             "release deploy merge ticket customer quarter design").split()
SPAM_TEXT = ("CONGRATULATIONS!!! You have WON $1,000,000 USD. Click here NOW to claim your FREE "
             "prize: http://win-big-prizes.example.biz/claim?id=1 Cheap V1AGRA, replica watches, "
             "100% guaranteed, act now, limited time offer, no credit check, viagra cialis casino. ")


def make_message(rng, sender, rcpt, kind):
    msg = email.message.EmailMessage()
    msg["From"] = sender
    msg["To"] = rcpt
    msg["Message-ID"] = f"<soak-{rng.getrandbits(64):x}@client.test>"
    msg["Date"] = email.utils.formatdate()
    if kind == "spam":
        msg["Subject"] = "WIN BIG $$$ FREE PRIZE claim now!!!"
        msg.set_content(SPAM_TEXT * rng.randint(2, 8))
    else:
        msg["Subject"] = " ".join(rng.choices(HAM_WORDS, k=4))
        msg.set_content("\n".join(" ".join(rng.choices(HAM_WORDS, k=12)) for _ in range(rng.randint(3, 60))))
    if kind == "attachment":
        msg.add_attachment(os.urandom(rng.randint(1000, 60000)), maintype="application",
                           subtype="pdf", filename="report.pdf")
    elif kind == "exe":
        msg.add_attachment(b"MZ" + os.urandom(2000), maintype="application",
                           subtype="octet-stream", filename="invoice.exe")
    return msg.as_bytes()


# -- the driver ----------------------------------------------------------------------------------

class Soak:
    def __init__(self, args):
        self.args = args
        self.rng_seed = args.seed
        self.stop = threading.Event()
        self.stats = Stats()
        self.samples = []  # (t, rss, hwm, fds, threads)
        self.t0 = None
        self.work = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="mailsift-soak-"))
        self.work.mkdir(parents=True, exist_ok=True)
        self.srv = None
        self.passwords = {}

    # .. setup ....................................................................................
    def start_server(self):
        srv = Server(self.work)
        srv.data.mkdir(parents=True, exist_ok=True)
        srv.config.write_text(CONFIG.format(data=srv.data) + "".join(f"\n{x}\n" for x in self.args.extra_config))
        if self.args.plugins:
            dist = Path(self.args.plugins)
            (srv.data / "plugins").mkdir(parents=True, exist_ok=True)
            for name in ("spam", "promotions", "lists", "attachments"):
                component = dist / f"{name}.wasm"
                if not component.is_file():
                    raise SystemExit(f"{component} is missing: build the plugins with "
                                     "`scripts/build-plugins.sh plugins/dist`, or pass --plugins ''")
                shutil.copy(component, srv.data / "plugins" / f"{name}.wasm")
        srv.start()
        self.srv = srv
        for user in USERS + [VICTIM]:
            self.passwords[user] = srv.add_user(user, device="soak")
        self.ctx = ssl.create_default_context(cafile=str(srv.data / "tls" / "cert.pem"))

    def port(self, name):
        return self.srv.port(name)

    def connect(self, name, source, timeout=30):
        return socket.create_connection(("127.0.0.1", self.port(name)), timeout=timeout,
                                        source_address=(source, 0))

    def tls(self, sock):
        return self.ctx.wrap_socket(sock, server_hostname="localhost")

    # .. legitimate sessions .......................................................................
    def smtp_inbound(self, rng):
        with smtplib.SMTP("127.0.0.1", self.port("smtp"), timeout=60, local_hostname="client.test",
                          source_address=(LEGIT, 0)) as s:
            s.ehlo()
            if rng.random() < 0.5:
                s.starttls(context=self.ctx_for_smtp())
                s.ehlo()
            for _ in range(rng.randint(1, 4)):
                kind = rng.choices(["ham", "attachment", "spam", "exe"], [6, 2, 2, 1])[0]
                rcpts = rng.sample(USERS, rng.randint(1, 2))
                data = make_message(rng, "sender@remote.test", rcpts[0], kind)
                try:
                    s.sendmail("sender@remote.test", rcpts, data)
                    self.stats.add(f"smtp:delivered:{kind}")
                except smtplib.SMTPDataError as e:
                    if e.smtp_code in (550, 554) and kind in ("exe", "spam"):
                        self.stats.add(f"smtp:refused-by-filter:{kind}")
                    else:
                        raise
            s.quit()

    def ctx_for_smtp(self):
        # smtplib checks the name it connected to ("127.0.0.1"); the certificate names localhost.
        ctx = ssl.create_default_context(cafile=str(self.srv.data / "tls" / "cert.pem"))
        ctx.check_hostname = False
        return ctx

    def submission(self, rng):
        user = rng.choice(USERS)
        with smtplib.SMTP_SSL("127.0.0.1", self.port("submissions"), timeout=60, local_hostname="client.test",
                              context=self.ctx_for_smtp(), source_address=(LEGIT, 0)) as s:
            s.login(user, self.passwords[user])
            for _ in range(rng.randint(1, 3)):
                # Mostly to local accounts; one in eight to a remote domain (queued, retried).
                remote = rng.random() < 0.125
                rcpt = "friend@remote.test" if remote else rng.choice(USERS)
                kind = rng.choices(["ham", "attachment"], [4, 1])[0]
                s.sendmail(user, [rcpt], make_message(rng, user, rcpt, kind))
                self.stats.add("submission:sent:" + ("remote" if remote else "local"))
            s.quit()

    def imap(self, rng):
        user = rng.choice(USERS)
        if rng.random() < 0.5:
            m = imaplib.IMAP4_SSL("localhost", self.port("imaps"), ssl_context=self.ctx, timeout=60)
        else:
            m = imaplib.IMAP4("localhost", self.port("imap"), timeout=60)
            m.starttls(ssl_context=self.ctx)
        try:
            ok(m.login(user, self.passwords[user]))
            ok(m.list())
            typ, data = m.select("INBOX")
            ok((typ, data))
            # UIDs throughout: the other IMAP thread expunges the same mailboxes, and a server may
            # announce those expunges during any UID command (RFC 9051 §7.5.1), which shifts the
            # sequence numbers imaplib does not track.
            ok(m.search(None, "SUBJECT", rng.choice(HAM_WORDS)))
            uids = ok(m.uid("SEARCH", None, "ALL"))[0].split()
            if uids:
                last = b",".join(uids[-5:]).decode()
                ok(m.uid("FETCH", last, "(FLAGS UID RFC822.SIZE BODY.PEEK[HEADER.FIELDS (SUBJECT FROM)])"))
                ok(m.uid("FETCH", uids[-1].decode(), "(BODY.PEEK[])"))
            self.idle(m, rng.uniform(0.3, 2.0))
            ok(m.append("INBOX", "(\\Seen)", None,
                        make_message(rng, user, user, "ham")))
            for box in ("INBOX", "Junk"):
                typ, _ = m.select(box)
                if typ != "OK":  # Junk exists once the spam filter has filed something
                    continue
                uids = ok(m.uid("SEARCH", None, "ALL"))[0].split()
                if len(uids) > KEEP_IN_INBOX:
                    old = f"{uids[0].decode()}:{uids[len(uids) - KEEP_IN_INBOX - 1].decode()}"
                    ok(m.uid("STORE", old, "+FLAGS.SILENT", "(\\Deleted)"))
                    # UID EXPUNGE (RFC 4315): only these, not what the other thread marked.
                    ok(m.uid("EXPUNGE", old))
                    self.stats.add("imap:expunged", len(uids) - KEEP_IN_INBOX)
            ok(m.logout())
        finally:
            try:
                m.shutdown()
            except OSError:
                pass

    @staticmethod
    def idle(m, seconds):
        """RFC 2177 IDLE with imaplib's plumbing (imaplib has no idle() before Python 3.14)."""
        tag = m._new_tag()
        m.send(tag + b" IDLE\r\n")
        line = m.readline()
        if not line.startswith(b"+"):
            raise AssertionError(f"IDLE refused: {line!r}")
        time.sleep(seconds)
        m.send(b"DONE\r\n")
        while True:
            line = m.readline()
            if not line:
                raise AssertionError("connection closed during IDLE")
            if line.startswith(tag):
                if b" OK" not in line:
                    raise AssertionError(f"IDLE ended with {line!r}")
                return

    def managesieve(self, rng):
        user = rng.choice(USERS)
        sock = self.connect("managesieve", LEGIT, timeout=60)
        f = sock.makefile("rb")
        try:
            sieve_response(f)
            sock.sendall(b"STARTTLS\r\n")
            sieve_response(f, expect="OK")
            sock = self.tls(sock)
            f = sock.makefile("rb")
            sieve_response(f, expect="OK")  # capabilities again, RFC 5804 §2.2
            auth = base64.b64encode(f"\0{user}\0{self.passwords[user]}".encode()).decode()
            sock.sendall(f'AUTHENTICATE "PLAIN" "{auth}"\r\n'.encode())
            sieve_response(f, expect="OK")
            script = SIEVE_SCRIPTS[rng.randrange(len(SIEVE_SCRIPTS))].encode()
            name = f"soak{rng.randrange(3)}"
            sock.sendall(f'PUTSCRIPT "{name}" {{{len(script)}+}}\r\n'.encode() + script + b"\r\n")
            sieve_response(f, expect="OK")
            sock.sendall(f'SETACTIVE "{name}"\r\n'.encode())
            sieve_response(f, expect="OK")
            sock.sendall(f'GETSCRIPT "{name}"\r\n'.encode())
            body = sieve_response(f, expect="OK")
            if script not in body:
                raise AssertionError(f"GETSCRIPT returned {body[:200]!r}")
            sock.sendall(b"LISTSCRIPTS\r\n")
            body = sieve_response(f, expect="OK")
            if f'"{name}" ACTIVE'.encode() not in body:
                raise AssertionError(f"LISTSCRIPTS: {body!r}")
            sock.sendall(b"LOGOUT\r\n")
            sieve_response(f, expect="OK")
        finally:
            sock.close()

    def pop3(self, rng):
        user = rng.choice(USERS)
        p = poplib.POP3_SSL("localhost", self.port("pop3s"), context=self.ctx, timeout=60)
        try:
            p.user(user)
            p.pass_(self.passwords[user])
            count, _ = p.stat()
            p.list()
            if count:
                try:
                    p.retr(rng.randint(1, count))
                except poplib.error_proto as e:
                    # The IMAP threads expunge the same INBOX: the maildrop keeps its numbers
                    # (RFC 1939 §4) and answers for a message removed since login with -ERR.
                    if b"was removed by another session" not in e.args[0]:
                        raise
                    self.stats.add("pop3:retr-removed-by-imap")
                p.uidl()
            p.quit()
        finally:
            p.close()

    # .. hostile sessions .........................................................................
    def slowloris(self, rng):
        """A byte every few seconds, never a full line: the command deadline must close it."""
        name, text = rng.choice([("smtp", b"EHLO slow.example\r\n"), ("imap", b"a1 LOGIN x y\r\n"),
                                 ("managesieve", b'AUTHENTICATE "PLAIN"\r\n'), ("submission", b"EHLO x\r\n"),
                                 ("pop3s", None)])
        t = time.time()
        try:
            sock = self.connect(name, HOSTILE, timeout=90)
            if text is None:  # implicit TLS: trickle the ClientHello itself
                text = client_hello()
            else:
                sock.recv(4096)  # greeting
            with sock:
                for i in range(10_000):
                    if self.stop.is_set():
                        self.stats.add("hostile:slowloris:stopped-by-driver")
                        return
                    sock.sendall(text[i % len(text):i % len(text) + 1])
                    if wait_closed(sock, self.args.slowloris_interval, self.stop):
                        break
            self.stats.add("hostile:slowloris:closed-by-server")
            self.stats.add(f"hostile:slowloris:max-seconds", 0)
            with self.stats.lock:
                c = self.stats.counts
                c["hostile:slowloris:max-seconds"] = max(c["hostile:slowloris:max-seconds"], int(time.time() - t))
        except (ConnectionError, socket.timeout, OSError):
            self.stats.add("hostile:slowloris:closed-by-server")

    def oversize(self, rng):
        kind = rng.choice(["smtp-line", "imap-literal", "imap-line", "sieve-literal", "smtp-data-line"])
        try:
            if kind == "smtp-line":
                sock = self.connect("smtp", HOSTILE)
                sock.recv(4096)
                sock.sendall(b"EHLO " + b"x" * 200_000 + b"\r\n")
            elif kind == "smtp-data-line":
                sock = self.connect("smtp", HOSTILE)
                f = sock.makefile("rb")
                f.readline()
                for cmd in (b"EHLO big.example", b"MAIL FROM:<a@remote.test>", f"RCPT TO:<{USERS[0]}>".encode(), b"DATA"):
                    sock.sendall(cmd + b"\r\n")
                    smtp_reply(f)
                # A line longer than max_line_length... and a message longer than max_message_size.
                chunk = b"y" * 65536
                for _ in range(40):
                    sock.sendall(chunk)
                sock.sendall(b"\r\n.\r\n")
            elif kind == "imap-literal":
                sock = self.connect("imap", HOSTILE)
                sock.recv(4096)
                sock.sendall(b"a1 LOGIN {4294967295}\r\n")
            elif kind == "imap-line":
                sock = self.connect("imap", HOSTILE)
                sock.recv(4096)
                sock.sendall(b"a1 NOOP " + b"z" * 300_000 + b"\r\n")
            else:
                sock = self.connect("managesieve", HOSTILE)
                sock.recv(4096)
                sock.sendall(b'PUTSCRIPT "x" {999999999+}\r\n' + b"w" * 100_000)
            wait_closed(sock, 15, self.stop)
            sock.close()
            self.stats.add(f"hostile:oversize:{kind}")
        except OSError:
            self.stats.add(f"hostile:oversize:{kind}:reset")

    def garbage(self, rng):
        name = rng.choice(["smtp", "submission", "imap", "imaps", "managesieve", "pop3s", "submissions"])
        try:
            sock = self.connect(name, HOSTILE)
            for _ in range(rng.randint(1, 20)):
                blob = bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 2000)))
                if rng.random() < 0.5:
                    blob += b"\r\n"
                sock.sendall(blob)
            wait_closed(sock, 12, self.stop)
            sock.close()
            self.stats.add("hostile:garbage")
        except OSError:
            self.stats.add("hostile:garbage:reset")

    def half_tls(self, rng):
        """A TLS handshake that stops halfway: half a ClientHello, or a whole one and no more."""
        name = rng.choice(["imaps", "submissions", "pop3s", "smtp"])
        try:
            sock = self.connect(name, HOSTILE)
            if name == "smtp":
                f = sock.makefile("rb")
                f.readline()
                sock.sendall(b"EHLO half.example\r\n")
                smtp_reply(f)
                sock.sendall(b"STARTTLS\r\n")
                smtp_reply(f)
            hello = client_hello()
            sock.sendall(hello[: len(hello) // 2] if rng.random() < 0.5 else hello)
            closed = wait_closed(sock, 30, self.stop)
            sock.close()
            self.stats.add("hostile:half-tls:" + ("closed-by-server" if closed else "given-up"))
        except OSError:
            self.stats.add("hostile:half-tls:reset")

    def abandoned_data(self, rng):
        try:
            sock = self.connect("smtp", HOSTILE)
            f = sock.makefile("rb")
            f.readline()
            for cmd in (b"EHLO gone.example", b"MAIL FROM:<a@remote.test>", f"RCPT TO:<{rng.choice(USERS)}>".encode(), b"DATA"):
                sock.sendall(cmd + b"\r\n")
                smtp_reply(f)
            sock.sendall(make_message(rng, "a@remote.test", USERS[0], "attachment")[: rng.randint(100, 30000)])
            if rng.random() < 0.5:
                # Vanish with a RST in the middle of DATA.
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                sock.close()
                self.stats.add("hostile:abandoned-data:reset")
            else:
                # Stop sending, stay connected: the DATA timeout must close it.
                closed = wait_closed(sock, 40, self.stop)
                sock.close()
                self.stats.add("hostile:abandoned-data:" + ("closed-by-server" if closed else "given-up"))
        except OSError:
            self.stats.add("hostile:abandoned-data:error")

    def brute_force(self, rng):
        """Wrong passwords from one address (IMAP LOGIN and SMTP AUTH): expect growing delays,
        then a ban."""
        if rng.random() < 0.5:
            try:
                sock = self.tls(self.connect("imaps", BRUTE))
                f = sock.makefile("rb")
                greeting = f.readline()
                if not greeting.startswith(b"* OK"):
                    self.stats.add("hostile:brute:refused-at-connect")
                    sock.close()
                    return
                for i in range(3):
                    t = time.time()
                    sock.sendall(f'a{i} LOGIN "{VICTIM}" "wrong{rng.getrandbits(32)}"\r\n'.encode())
                    line = f.readline()
                    while line.startswith(b"*"):
                        line = f.readline()
                    elapsed = time.time() - t
                    if not line:
                        self.stats.add("hostile:brute:closed")
                        break
                    if b"OK" in line.split(b" ", 2)[1:2]:
                        raise AssertionError("a wrong password was accepted")
                    self.stats.add("hostile:brute:no")
                    if b"UNAVAILABLE" in line:
                        self.stats.add("hostile:brute:banned")
                    if elapsed > 0.09:
                        self.stats.add("hostile:brute:delayed")
                sock.close()
            except OSError:
                self.stats.add("hostile:brute:closed")
        else:
            try:
                with smtplib.SMTP("127.0.0.1", self.port("submission"), timeout=30, local_hostname="brute.example",
                                  source_address=(BRUTE, 0)) as s:
                    s.starttls(context=self.ctx_for_smtp())
                    s.ehlo()
                    t = time.time()
                    try:
                        s.login(VICTIM, f"wrong{rng.getrandbits(32)}")
                        raise AssertionError("a wrong password was accepted")
                    except smtplib.SMTPAuthenticationError as e:
                        self.stats.add("hostile:brute:no")
                        if e.smtp_code in (421, 454) or b"too many" in e.smtp_error.lower():
                            self.stats.add("hostile:brute:banned")
                    if time.time() - t > 0.09:
                        self.stats.add("hostile:brute:delayed")
            except (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, OSError):
                self.stats.add("hostile:brute:closed")

    def flood(self, rng):
        """More connections from one address than max_connections_per_ip, held for a moment."""
        name = rng.choice(["imap", "smtp", "managesieve"])
        socks, accepted, refused = [], 0, 0
        for _ in range(MAX_PER_IP + 10):
            try:
                s = self.connect(name, FLOOD, timeout=10)
                socks.append(s)
                greeting = s.recv(512)
                if greeting.startswith((b"* OK", b"220", b'"IMPLEMENTATION"', b"OK")) or b"IMPLEMENTATION" in greeting:
                    accepted += 1
                else:
                    refused += 1
            except OSError:
                refused += 1
        time.sleep(rng.uniform(0.5, 2))
        for s in socks:
            s.close()
        self.stats.add("hostile:flood:accepted", accepted)
        self.stats.add("hostile:flood:refused", refused)
        if accepted > MAX_PER_IP:
            self.stats.fail("hostile:flood", AssertionError(f"{accepted} connections accepted from one address"))

    # .. threads ..................................................................................
    def loop(self, name, fn, pause, legit=True):
        rng = random.Random(f"{self.rng_seed}-{name}")
        while not self.stop.is_set():
            try:
                fn(rng)
                self.stats.add(f"sessions:{name}")
            except Exception as e:  # noqa: BLE001 — every failure of a legitimate session is reported
                if legit:
                    self.stats.fail(name, e)
                else:
                    self.stats.add(f"hostile:{name}:exception:{type(e).__name__}")
            self.stop.wait(rng.uniform(*pause))

    def hostile_mix(self, rng):
        rng.choices([self.oversize, self.garbage, self.half_tls, self.abandoned_data], [3, 3, 2, 2])[0](rng)

    def sampler(self):
        while True:
            self.sample()
            if self.stop.wait(self.args.sample):
                return

    def sample(self, label=""):
        rss, hwm, fds, threads = proc_sample(self.srv.proc.pid)
        t = time.time() - self.t0
        self.samples.append((t, rss, hwm, fds, threads))
        with self.stats.lock:
            sessions = sum(v for k, v in self.stats.counts.items() if k.startswith("sessions:"))
        print(f"{t:7.0f} s  RSS {mib(rss):6.1f} MiB  HWM {mib(hwm):6.1f} MiB  fds {fds:4d}  "
              f"threads {threads:3d}  sessions {sessions:6d} {label}", flush=True)

    def run(self):
        args = self.args
        self.start_server()
        self.t0 = time.time()
        time.sleep(3.0)  # plugins load after the listeners open
        rss0, _, fd0, _ = proc_sample(self.srv.proc.pid)
        print(f"# idle baseline: RSS {mib(rss0):.1f} MiB, {fd0} fds; work dir {self.work}", flush=True)
        self.t0 = time.time()
        legit = [("smtp", self.smtp_inbound, (0.0, 0.3)), ("smtp2", self.smtp_inbound, (0.0, 0.3)),
                 ("submission", self.submission, (0.2, 1.0)), ("imap", self.imap, (0.0, 0.5)),
                 ("imap2", self.imap, (0.0, 0.5)), ("managesieve", self.managesieve, (0.5, 2.0)),
                 ("pop3", self.pop3, (0.5, 2.0))]
        hostile = [("slowloris", self.slowloris, (0.0, 1.0)), ("slowloris2", self.slowloris, (0.0, 1.0)),
                   ("mix", self.hostile_mix, (0.0, 0.5)), ("mix2", self.hostile_mix, (0.0, 0.5)),
                   ("mix3", self.hostile_mix, (0.0, 0.5)),
                   ("brute", self.brute_force, (0.0, 0.5)), ("flood", self.flood, (3.0, 8.0))]
        threads = [threading.Thread(target=self.loop, args=(n, fn, p, True), daemon=True) for n, fn, p in legit]
        threads += [threading.Thread(target=self.loop, args=(n, fn, p, False), daemon=True) for n, fn, p in hostile]
        sampler = threading.Thread(target=self.sampler, daemon=True)
        sampler.start()
        for t in threads:
            t.start()
        deadline = self.t0 + args.seconds
        while time.time() < deadline:
            time.sleep(min(1.0, max(0.0, deadline - time.time())))
            if self.srv.proc.poll() is not None:
                break
        self.stop.set()
        for t in threads:
            t.join(60)
        sampler.join(5)
        alive = self.srv.proc.poll() is None
        # Descriptors once the clients have stopped: the server's own timeouts close what the
        # hostile clients left; wait for the count to come back to the baseline.
        fd_end = None
        if alive:
            end = time.time() + args.settle
            while time.time() < end:
                _, _, fd_end, _ = proc_sample(self.srv.proc.pid)
                if abs(fd_end - fd0) <= FD_SLACK:
                    break
                time.sleep(1)
            self.sample("(clients stopped)")
        exit_code = None
        if alive:
            self.srv.proc.terminate()
            try:
                exit_code = self.srv.proc.wait(30)
            except Exception:  # noqa: BLE001
                self.srv.proc.kill()
                exit_code = "killed"
        return self.verdict(alive, rss0, fd0, fd_end, exit_code)

    # .. verdict ..................................................................................
    def verdict(self, alive, rss0, fd0, fd_end, exit_code):
        problems = []
        if not alive:
            problems.append(f"the server died (exit {self.srv.proc.returncode})")
        elif exit_code != 0:
            problems.append(f"the server's exit on SIGTERM was {exit_code}")
        run = [s for s in self.samples if s[0] <= self.args.seconds]
        t_end = run[-1][0] if run else 0
        warm = 0.25 * t_end
        span = (t_end - warm) / 3
        middle = [s[1] for s in run if warm + span <= s[0] < warm + 2 * span]
        last = [s[1] for s in run if s[0] >= warm + 2 * span]
        rss_mid = max(middle) if middle else 0
        rss_last = max(last) if last else 0
        margin = max(RSS_MARGIN_MIN, RSS_MARGIN_FRACTION * rss_mid)
        if not middle or not last:
            problems.append("too few samples for the RSS comparison")
        elif rss_last > rss_mid + margin:
            problems.append(f"RSS grew: max {mib(rss_last):.1f} MiB in the last third against "
                            f"{mib(rss_mid):.1f} MiB in the middle third (margin {mib(margin):.1f} MiB)")
        slope = rss_slope([s for s in run if s[0] >= warm])
        if alive and (fd_end is None or abs(fd_end - fd0) > FD_SLACK):
            problems.append(f"descriptors did not return to the idle baseline: {fd0} at start, {fd_end} at the end")
        errors = log_errors(self.srv.log)
        if errors:
            problems.append(f"{len(errors)} unexpected ERROR/panic log lines, e.g. {errors[:5]}")
        c = self.stats.counts
        if self.stats.failures:
            problems.append(f"{len(self.stats.failures)} legitimate sessions failed: {self.stats.failures[:10]}")
        if c["hostile:flood:refused"] == 0:
            problems.append("no flood connection was refused: the per-address cap did not act")
        if c["hostile:brute:delayed"] == 0 or c["hostile:brute:banned"] == 0:
            problems.append("the brute force was not slowed down and then banned: the throttle did not act")
        for kind in ("smtp", "smtp2", "submission", "imap", "imap2", "managesieve", "pop3"):
            if c[f"sessions:{kind}"] == 0:
                problems.append(f"no {kind} session completed")
        result = {
            "seconds": self.args.seconds,
            "rss_idle_mib": round(mib(rss0), 1),
            "rss_middle_third_max_mib": round(mib(rss_mid), 1),
            "rss_last_third_max_mib": round(mib(rss_last), 1),
            "rss_margin_mib": round(mib(margin), 1),
            "rss_slope_mib_per_hour_after_warmup": round(slope, 1),
            "rss_hwm_mib": round(mib(max((s[2] for s in self.samples), default=0)), 1),
            "fd_idle": fd0,
            "fd_max": max((s[3] for s in self.samples), default=0),
            "fd_end": fd_end,
            "log_error_lines": len(errors),
            "log_warn_lines": count_level(self.srv.log, "WARN"),
            "log_unexpected_warnings": other_warnings(self.srv.log),
            "counts": dict(sorted(c.items())),
            "failures": self.stats.failures,
            "problems": problems,
            "work": str(self.work),
        }
        (self.work / "soak-result.json").write_text(json.dumps(
            dict(result, samples=[[round(t), s, h, f, th] for t, s, h, f, th in self.samples]), indent=1))
        print("# counts:")
        for k, v in sorted(c.items()):
            print(f"#   {k}: {v}")
        print("# " + json.dumps({k: v for k, v in result.items() if k not in ("counts", "failures")}))
        print("# PASS" if not problems else "# FAIL:\n#   " + "\n#   ".join(problems), flush=True)
        return result


def rss_slope(samples):
    """Least-squares slope of RSS over time, MiB per hour."""
    if len(samples) < 2:
        return 0.0
    ts = [s[0] for s in samples]
    rs = [mib(s[1]) for s in samples]
    mt, mr = sum(ts) / len(ts), sum(rs) / len(rs)
    var = sum((t - mt) ** 2 for t in ts)
    return 0.0 if var == 0 else 3600 * sum((t - mt) * (r - mr) for t, r in zip(ts, rs)) / var


LEVEL = re.compile(r"\b(ERROR|WARN)\b")
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def log_errors(path):
    out = []
    for raw in Path(path).read_text(errors="replace").splitlines():
        line = ANSI.sub("", raw)
        if re.search(r"\bERROR\b", line) or "panic" in line.lower():
            if not any(re.search(p, line) for p in ALLOWED_ERRORS):
                out.append(line[:300])
    return out


def other_warnings(path):
    out = Counter()
    for raw in Path(path).read_text(errors="replace").splitlines():
        line = ANSI.sub("", raw)
        if re.search(r"\bWARN\b", line) and not any(re.search(p, line) for p in EXPECTED_WARNINGS):
            out[re.sub(r"[0-9]+", "N", line.split(" WARN ", 1)[-1])[:200]] += 1
    return dict(out.most_common(10))


def count_level(path, level):
    return sum(1 for raw in Path(path).read_text(errors="replace").splitlines()
               if re.search(rf"\b{level}\b", ANSI.sub("", raw)))


# -- small protocol helpers ----------------------------------------------------------------------

SIEVE_SCRIPTS = [
    'require "fileinto";\nif header :contains "subject" "budget" {\n  fileinto "Junk";\n}\n',
    "keep;\n",
    'require ["fileinto", "imap4flags"];\nif header :contains "subject" "lunch" {\n  addflag "\\\\Flagged";\n}\nkeep;\n',
]


def ok(res):
    typ, data = res
    if typ not in ("OK", "BYE"):
        raise AssertionError(f"{typ} {data!r}")
    return data


def sieve_response(f, expect=None):
    """Lines (and literals) up to the next OK/NO/BYE line."""
    body = b""
    while True:
        line = f.readline()
        if not line:
            raise AssertionError("managesieve: connection closed")
        body += line
        m = re.search(rb"\{(\d+)\+?\}\r\n$", line)
        if m:
            body += f.read(int(m.group(1)))
            continue
        if line.startswith((b"OK", b"NO", b"BYE")):
            if expect and not line.startswith(expect.encode()):
                raise AssertionError(f"managesieve: {line!r}")
            return body


def smtp_reply(f):
    while True:
        line = f.readline()
        if not line:
            raise ConnectionError("closed")
        if len(line) < 4 or line[3:4] != b"-":
            return line




def wait_closed(sock, seconds, stop):
    """True if the server closes (or resets) the connection within `seconds`."""
    end = time.time() + seconds
    sock.settimeout(0.5)
    while time.time() < end and not stop.is_set():
        try:
            if not sock.recv(65536):
                return True
        except socket.timeout:
            continue
        except OSError:
            return True
    return False


_HELLO = None


def client_hello():
    """The first flight of a real TLS handshake (a ClientHello), made by ssl over memory BIOs."""
    global _HELLO
    if _HELLO is None:
        ctx = ssl.create_default_context()
        incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        obj = ctx.wrap_bio(incoming, outgoing, server_hostname="localhost")
        try:
            obj.do_handshake()
        except ssl.SSLWantReadError:
            pass
        _HELLO = outgoing.read()
    return _HELLO


def main_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=float(os.environ.get("MAILSIFT_SOAK_SECONDS", 120)))
    ap.add_argument("--sample", type=float, default=None, help="seconds between samples (default: run/60, 2..10)")
    ap.add_argument("--settle", type=float, default=45.0,
                    help="seconds to wait, once the clients stop, for the fds to return to the baseline")
    ap.add_argument("--slowloris-interval", type=float, default=3.0, help="seconds between slowloris bytes")
    ap.add_argument("--plugins", default=os.environ.get("MAILSIFT_PLUGINS_DIST", str(ROOT / "plugins" / "dist")),
                    help="directory with the bundled plugins (spam, promotions, lists, attachments); '' = none")
    ap.add_argument("--workdir", default=None)
    ap.add_argument("--extra-config", action="append", default=[],
                    help="TOML appended to the server's config (a section not already in it), e.g. "
                         "'[dns]\\ntimeout_ms = 100'")
    ap.add_argument("--seed", default="soak")
    args = ap.parse_args(argv)
    if args.sample is None:
        args.sample = min(10.0, max(2.0, args.seconds / 60))
    return args


def table(path, every):
    """A Markdown table of a finished run (its soak-result.json), one row every `every` seconds."""
    result = json.loads(Path(path).read_text())
    print("| time | RSS (MiB) | RSS high-water (MiB) | open fds | threads |")
    print("|---:|---:|---:|---:|---:|")
    next_t = 0.0
    samples = result["samples"]
    for i, (t, rss, hwm, fds, threads) in enumerate(samples):
        if t >= next_t or i == len(samples) - 1:
            label = f"{t / 60:.1f} min" if t <= result["seconds"] else f"{t / 60:.1f} min, clients stopped"
            print(f"| {label} | {mib(rss):.1f} | {mib(hwm):.1f} | {fds} | {threads} |")
            next_t = t + every - 1e-6 if t >= next_t else next_t


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--table"]:
        table(argv[1], float(argv[2]) if len(argv) > 2 else 180)
        return 0
    result = Soak(main_args(argv)).run()
    return 1 if result["problems"] else 0


if __name__ == "__main__":
    sys.exit(main())
