"""Issue 20, item 2: the crash loop. One server on one data directory, under concurrent load —
inbound SMTP on many connections, authenticated submission to a remote domain (queued, then
delivered to a loopback sink that records each delivery by Message-ID), and IMAP clients doing
APPEND, UID MOVE (RFC 6851) and UID EXPUNGE (RFC 4315) — is SIGKILLed at random moments and
restarted, again and again. Each client records what the server acknowledged (250 after DATA,
tagged OK) and what is in doubt (the connection was cut before the reply).

After the last restart: the database opened every time; every acknowledged message is present
exactly once where it belongs (every mailbox of each account is counted), every in-doubt one at
most once (an in-doubt MOVE in exactly one of its two mailboxes; a message to two local accounts
in both or neither; a submission to a local account and the peer stored and queued, or
neither); the queue drains, every acknowledged submission reached the sink, and a
duplicate delivery is allowed only where a kill fell between the sink's 250 and the queue's
commit (RFC 5321 §6.1, RFC 1047): attributed to that kill and bounded by the deliveries that can
be in flight at once (`max_per_destination`, whose slots are held until the commit).

`MAILSIFT_CRASHLOOP_KILLS` sets the number of kills (CI: 8); `MAILSIFT_CRASHLOOP_SEED` replays a
run's kill moments and client choices (the seed is printed); `scripts/crash-loop.sh` runs the
long version and prints the summary line (`CRASHLOOP ...`)."""

import imaplib
import os
import random
import re
import smtplib
import socket
import socketserver
import subprocess
import threading
import time
from collections import Counter

from conftest import BIN, Server, free_port, wait_for

KILLS = int(os.environ.get("MAILSIFT_CRASHLOOP_KILLS", "8"))
SEED = int(os.environ.get("MAILSIFT_CRASHLOOP_SEED") or random.SystemRandom().randrange(1 << 32))
# Up-time before each kill, after the listeners are bound (seconds).
UP_MIN, UP_MAX = 0.3, 1.6
# Share of kills followed by a second one while the restarted server opens its database.
EARLY_SHARE = 0.15
MAX_PER_DESTINATION = 4
INBOUND_WORKERS = 4
SUBMISSION_WORKERS = 2
IMAP_WORKERS = 3
USER = "max@example.org"
# A second local account: some inbound messages go to both (one transaction: both copies or
# none), some submissions to it and the peer (local copy and queue entry: both or none).
OTHER = "kim@example.org"
# Share of messages with the second recipient.
TWO_RCPT_SHARE = 0.3
SENDER = "alice@example.org"

# Client errors that mean the connection (or the server) went away mid-command.
CUT = (OSError, EOFError, smtplib.SMTPServerDisconnected, imaplib.IMAP4.abort)


# -- the loopback peer ---------------------------------------------------------------------------
class Sink:
    """A minimal SMTP server on 127.0.0.1 that accepts everything (no STARTTLS, so no TLS on
    the hop) and records each accepted message: Message-ID, when its 250 was sent, and the
    connection it came on."""

    def __init__(self):
        self.lock = threading.Lock()
        self.deliveries = []  # (monotonic time of the 250, message-id, connection number)
        self.connections = 0
        sink = self

        class Handler(socketserver.StreamRequestHandler):
            timeout = 60

            def handle(self):
                try:
                    self.session()
                except OSError:
                    pass  # the server was killed mid-session

            def session(self):
                with sink.lock:
                    sink.connections += 1
                    conn = sink.connections
                out = self.wfile
                out.write(b"220 sink.test ESMTP\r\n")
                while True:
                    line = self.rfile.readline(4096)
                    if not line:
                        return
                    verb = line[:4].upper()
                    if verb in (b"EHLO", b"HELO"):
                        out.write(b"250-sink.test\r\n250-8BITMIME\r\n250 SIZE 10485760\r\n")
                    elif verb == b"DATA":
                        out.write(b"354 go ahead\r\n")
                        data = []
                        while True:
                            l = self.rfile.readline(65536)
                            if not l:
                                return  # cut mid-DATA: not accepted
                            if l == b".\r\n":
                                break
                            data.append(l)
                        found = re.search(rb"^Message-ID:\s*(<[^>]+>)", b"".join(data), re.I | re.M)
                        mid = found.group(1).decode() if found else "<none>"
                        with sink.lock:
                            sink.deliveries.append((time.monotonic(), mid, conn))
                        out.write(b"250 2.0.0 accepted\r\n")
                    elif verb == b"QUIT":
                        out.write(b"221 bye\r\n")
                        return
                    else:  # MAIL, RCPT, RSET, NOOP
                        out.write(b"250 ok\r\n")

        class Threaded(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self.server = Threaded(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def snapshot(self):
        with self.lock:
            return list(self.deliveries)


# -- what the clients saw ------------------------------------------------------------------------
class Ledger:
    def __init__(self):
        self.lock = threading.Lock()
        # Inbound and submission: message-id -> "acked" | "doubt" | "refused".
        self.inbound = {}
        self.submitted = {}
        # Inbound and submitted messages also sent to OTHER.
        self.copy_to_other = set()
        # IMAP: message-id -> state tuple (see ImapWorker).
        self.imap = {}
        self.ops = Counter()

    def set(self, table, mid, state, op=None):
        with self.lock:
            getattr(self, table)[mid] = state
            if op:
                self.ops[op] += 1


def connect_retry(make, stop, deadline=60.0):
    """A client connection, retried while the server is down (between a kill and the restart)."""
    end = time.time() + deadline
    while not stop.is_set() and time.time() < end:
        try:
            return make()
        except CUT + (smtplib.SMTPException, imaplib.IMAP4.error, ConnectionError):
            time.sleep(0.05)
    return None


def smtp_worker(srv, ledger, stop, n, submission, password, rng):
    table = "submitted" if submission else "inbound"
    i = 0

    def make():
        port = srv.port("submission" if submission else "smtp")
        s = smtplib.SMTP("127.0.0.1", port, local_hostname="client.test", timeout=15)
        try:
            if submission:
                s.starttls(context=srv.ssl_context())
                s.login(SENDER, password)
            return s
        except BaseException:
            s.close()
            raise

    while not stop.is_set():
        s = connect_retry(make, stop)
        if s is None:
            continue
        try:
            while not stop.is_set():
                i += 1
                kind = "sub" if submission else "in"
                mid = f"<{kind}{n}.{i}.{SEED}@crash.test>"
                if submission:
                    frm, to = SENDER, ["bob@peer.test"]
                else:
                    frm, to = f"w{n}@remote.test", [USER]
                if rng.random() < TWO_RCPT_SHARE:
                    to.append(OTHER)
                    with ledger.lock:
                        ledger.copy_to_other.add(mid)
                msg = (f"From: {frm}\r\nTo: {', '.join(to)}\r\nSubject: {kind} {n}-{i}\r\nMessage-ID: {mid}\r\n\r\n"
                       + "crash loop body line\r\n" * rng.randint(1, 40))
                try:
                    s.sendmail(frm, to, msg)
                    ledger.set(table, mid, "acked", op=f"{kind} acked")
                except smtplib.SMTPResponseException as e:
                    # A reply that refuses (4xx/5xx): the message was not taken.
                    ledger.set(table, mid, "refused", op=f"{kind} refused {e.smtp_code}")
                    break
                except smtplib.SMTPRecipientsRefused:
                    ledger.set(table, mid, "refused", op=f"{kind} refused rcpt")
                    break
                except CUT:
                    ledger.set(table, mid, "doubt", op=f"{kind} in doubt")
                    break
        finally:
            try:
                s.close()
            except OSError:
                pass


class ImapWorker:
    """APPENDs its own messages to INBOX, MOVEs them to Archive (or back), EXPUNGEs some. A
    message's state (in `ledger.imap`):
      ("in", box)            acknowledged in box
      ("append?", box)       APPEND in doubt: in box at most once
      ("move?", src, dst)    MOVE in doubt: in exactly one of the two
      ("gone",)              EXPUNGE acknowledged (or APPEND refused)
      ("expunge?", box)      EXPUNGE in doubt: in box at most once
    A message in doubt is not touched again. UIDs come from APPENDUID / COPYUID (RFC 4315)."""

    def __init__(self, srv, ledger, stop, n, password, rng):
        self.srv, self.ledger, self.stop, self.n, self.password, self.rng = srv, ledger, stop, n, password, rng
        self.live = {}  # message-id -> (box, uid) for acknowledged messages
        self.i = 0

    def make(self):
        m = imaplib.IMAP4_SSL("localhost", self.srv.port("imaps"), ssl_context=self.srv.ssl_context(), timeout=15)
        try:
            m.login(USER, self.password)
            return m
        except BaseException:
            try:
                m.shutdown()
            except OSError:
                pass
            raise

    def run(self):
        while not self.stop.is_set():
            m = connect_retry(self.make, self.stop)
            if m is None:
                continue
            try:
                while not self.stop.is_set():
                    if not self.step(m):
                        break
            finally:
                try:
                    m.shutdown()
                except OSError:
                    pass

    def step(self, m):
        """One operation; False when the connection is gone."""
        choice = self.rng.random()
        if not self.live or choice < 0.5:
            return self.append(m)
        mid = self.rng.choice(sorted(self.live))
        if choice < 0.8:
            return self.move(m, mid)
        return self.expunge(m, mid)

    def append(self, m):
        self.i += 1
        mid = f"<imap{self.n}.{self.i}.{SEED}@crash.test>"
        msg = (f"From: imap{self.n}@example.org\r\nTo: {USER}\r\nSubject: appended {self.n}-{self.i}\r\n"
               f"Message-ID: {mid}\r\n\r\n" + "appended body\r\n" * self.rng.randint(1, 30)).encode()
        self.ledger.set("imap", mid, ("append?", "INBOX"))
        try:
            typ, data = m.append("INBOX", None, None, msg)
        except CUT:
            self.ledger.set("imap", mid, ("append?", "INBOX"), op="append in doubt")
            return False
        except imaplib.IMAP4.error:  # BAD: not executed
            typ = "BAD"
        if typ != "OK":
            self.ledger.set("imap", mid, ("gone",), op="append refused")
            return True
        uid = re.search(rb"APPENDUID \d+ (\d+)", data[0] or b"")
        self.ledger.set("imap", mid, ("in", "INBOX"), op="append acked")
        self.live[mid] = ("INBOX", int(uid.group(1)) if uid else None)
        return True

    def select(self, m, box):
        try:
            typ, _ = m.select(box)
        except imaplib.IMAP4.abort:
            raise
        except imaplib.IMAP4.error:
            return False
        return typ == "OK"

    def uid_of(self, m, mid, box, uid):
        if uid is not None:
            return uid
        typ, data = m.uid("SEARCH", None, "HEADER", "Message-ID", mid)
        found = data[0].split() if typ == "OK" and data and data[0] else []
        return int(found[0]) if found else None

    def move(self, m, mid):
        box, uid = self.live[mid]
        dst = "Archive" if box == "INBOX" else "INBOX"
        sent = False
        try:
            if not self.select(m, box):
                return True
            uid = self.uid_of(m, mid, box, uid)
            if uid is None:
                return True  # left for the final check to judge
            m.response("OK")  # drop older untagged OKs: COPYUID comes in one (RFC 6851 §4.3)
            self.ledger.set("imap", mid, ("move?", box, dst))
            sent = True
            typ, _ = m.uid("MOVE", str(uid), dst)
        except CUT:
            if sent:
                self.ledger.set("imap", mid, ("move?", box, dst), op="move in doubt")
                self.live.pop(mid)
            return False
        except imaplib.IMAP4.error:  # BAD: not executed
            typ = "BAD"
        if typ != "OK":
            self.ledger.set("imap", mid, ("in", box), op="move refused")
            return True
        _, oks = m.response("OK")
        new = None
        for line in oks or []:
            found = re.search(rb"COPYUID \d+ \S+ (\d+)", line or b"")
            if found:
                new = int(found.group(1))
        self.ledger.set("imap", mid, ("in", dst), op="move acked")
        self.live[mid] = (dst, new)
        return True

    def expunge(self, m, mid):
        box, uid = self.live[mid]
        sent = False
        try:
            if not self.select(m, box):
                return True
            uid = self.uid_of(m, mid, box, uid)
            if uid is None:
                return True
            self.ledger.set("imap", mid, ("expunge?", box))
            sent = True
            typ, _ = m.uid("STORE", str(uid), "+FLAGS.SILENT", r"(\Deleted)")
            if typ == "OK":
                typ, _ = m.uid("EXPUNGE", str(uid))
        except CUT:
            if sent:
                self.ledger.set("imap", mid, ("expunge?", box), op="expunge in doubt")
                self.live.pop(mid)
            return False
        except imaplib.IMAP4.error:
            typ = "BAD"
        if typ != "OK":
            # Perhaps flagged \Deleted but not expunged: still there, and left alone.
            self.ledger.set("imap", mid, ("expunge?", box), op="expunge refused")
            self.live.pop(mid)
            return True
        self.ledger.set("imap", mid, ("gone",), op="expunge acked")
        self.live.pop(mid)
        return True


# -- checks --------------------------------------------------------------------------------------
def account_ids(srv, user, password, sizes=None):
    """Message-IDs in each of the account's mailboxes: {mailbox: Counter}; with `sizes` (a
    list), each message's RFC822.SIZE appended to it."""
    m = imaplib.IMAP4_SSL("localhost", srv.port("imaps"), ssl_context=srv.ssl_context(), timeout=60)
    m.login(user, password)
    typ, listed = m.list()
    assert typ == "OK", listed
    boxes = {}
    for line in listed:
        found = re.search(rb'(?:"((?:[^"\\]|\\.)*)"|(\S+))$', line or b"")
        if not found or b"\\Noselect" in line:
            continue
        box = (found.group(1) or found.group(2)).decode()
        typ, data = m.select(f'"{box}"', readonly=True)
        assert typ == "OK", (box, data)
        ids = boxes[box] = Counter()
        if int(data[0]):
            typ, data = m.fetch("1:*", "(RFC822.SIZE BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
            assert typ == "OK"
            for part in data:
                if isinstance(part, tuple):
                    found = re.search(rb"<[^>]+>", part[1])
                    ids[found.group(0).decode() if found else "<none>"] += 1
                    size = re.search(rb"RFC822\.SIZE (\d+)", part[0])
                    if sizes is not None and size:
                        sizes.append(int(size.group(1)))
    m.logout()
    return boxes


def misplaced(user, boxes):
    """Our messages have no business in the account's other mailboxes (Junk, Sent, ...)."""
    return [f"{user}: {mid} in {box} ({n})" for box, ids in boxes.items() for mid, n in ids.items()]


def check_store(ledger, inbox, archive):
    problems = []
    known = set(ledger.inbound) | set(ledger.imap)
    for mid, n in (inbox + archive).items():
        if mid not in known:
            problems.append(f"{mid}: present ({n}) but never sent")
    for mid, state in ledger.inbound.items():
        i, a = inbox[mid], archive[mid]
        if a or (state == "acked" and i != 1) or (state == "doubt" and i > 1) or (state == "refused" and i):
            problems.append(f"inbound {mid} {state}: INBOX {i}, Archive {a}")
    for mid, state in ledger.imap.items():
        count = {"INBOX": inbox[mid], "Archive": archive[mid]}
        kind = state[0]
        if kind == "in":
            ok = count[state[1]] == 1 and sum(count.values()) == 1
        elif kind in ("append?", "expunge?"):
            ok = count[state[1]] <= 1 and sum(count.values()) == count[state[1]]
        elif kind == "move?":
            ok = sum(count.values()) == 1
        else:  # gone
            ok = sum(count.values()) == 0
        if not ok:
            problems.append(f"imap {mid} {state}: {count}")
    return problems


def check_other(ledger, inbox, other, deliveries):
    """The second recipient's copies: as the first recipient's (inbound, one transaction) or as
    the queue entry's (submission: local copy and queue entry are written together)."""
    problems = []
    delivered = {mid for _, mid, _ in deliveries}
    for mid, n in other.items():
        if mid not in ledger.copy_to_other:
            problems.append(f"{OTHER}: {mid} present ({n}) but never sent there")
    for mid in ledger.copy_to_other:
        n = other[mid]
        if mid in ledger.inbound:
            state = ledger.inbound[mid]
            ok = {"acked": n == 1, "doubt": n == inbox[mid] <= 1, "refused": n == 0}[state]
            if not ok:
                problems.append(f"inbound {mid} {state}: {OTHER} {n}, {USER} {inbox[mid]}")
        elif mid in ledger.submitted:
            state = ledger.submitted[mid]
            ok = {"acked": n == 1, "doubt": n <= 1 and (n == 1) == (mid in delivered), "refused": n == 0}[state]
            if not ok:
                problems.append(f"submission {mid} {state}: {OTHER} {n}, delivered to the peer: {mid in delivered}")
    return problems


def check_outbound(ledger, deliveries, epochs):
    """Returns (problems, duplicates per kill, duplicate details)."""
    problems = []
    by_mid = {}
    for t, mid, conn in deliveries:
        by_mid.setdefault(mid, []).append(t)
    for mid, state in ledger.submitted.items():
        got = len(by_mid.get(mid, []))
        if state == "acked" and got == 0:
            problems.append(f"submission {mid} acknowledged but never delivered")
        if state == "refused" and got:
            problems.append(f"submission {mid} refused but delivered {got}x")
    for mid in by_mid:
        if mid not in ledger.submitted:
            problems.append(f"sink got {mid}, never submitted")
    kills = [k for _, k in epochs if k is not None]
    per_kill = Counter()
    details = []
    for mid, times in by_mid.items():
        times.sort()
        for first, again in zip(times, times[1:]):
            # The earlier copy's 250 came before a kill (timed once the process was gone), the
            # later copy from a server started after it.
            k = next((j for j, kt in enumerate(kills) if kt >= first), None)
            if k is None or again < kills[k]:
                problems.append(f"{mid} delivered twice by one server run ({first:.3f}, {again:.3f})")
                continue
            per_kill[k] += 1
            details.append(f"{mid}: sink's 250 {kills[k] - first:.3f}s before kill {k + 1}, again after the restart")
    for k, n in per_kill.items():
        if n > MAX_PER_DESTINATION:
            problems.append(f"kill {k + 1}: {n} duplicates > {MAX_PER_DESTINATION} deliveries in flight at most")
    return problems, per_kill, details


def spawn(srv):
    """The server started without waiting for its listeners (as `Server.start` does)."""
    listeners = srv.data / "listeners.json"
    if listeners.exists():
        listeners.unlink()
    with open(srv.log, "ab") as logf:
        return subprocess.Popen([BIN, "--config", str(srv.config), "serve"], stdout=logf, stderr=subprocess.STDOUT)


def log_tail(srv, lines=40):
    return "\n".join(srv.log.read_text(errors="replace").splitlines()[-lines:])


# -- the test ------------------------------------------------------------------------------------
def fixed_port():
    """A free port below the kernel's ephemeral range: a port from that range (what
    `free_port()` gives) can be taken by some client's outgoing connection while the server is
    down between a kill and its restart, and the restart would fail for a reason that is not
    the server's."""
    try:
        low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
    except (OSError, ValueError, IndexError):
        low = 32768
    pick = random.SystemRandom()
    for _ in range(200):
        port = pick.randrange(max(1024, low - 12000), low)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue
    return free_port()


def crash_server(tmp_path, sink_port):
    srv = Server(tmp_path)
    text = srv.config.read_text()
    # Only the listeners the clients use, each on a fixed port so they find the server again
    # after each restart.
    head, *blocks = text.split("[[listener]]\n")
    kept = [b for b in blocks if re.search(r'^name = "(smtp|submission|imaps)"$', b, re.M)]
    assert len(kept) == 3
    text = head + "".join("[[listener]]\n" + b.replace('address = "127.0.0.1:0"', f'address = "127.0.0.1:{fixed_port()}"') for b in kept)
    text = text.replace(
        "[outbound]\n",
        f"[outbound]\nscan_interval = 1\nretry_initial = 1\nretry_max = 2\ntimeout = 10\n"
        f"max_per_destination = {MAX_PER_DESTINATION}\n",
        1,
    )
    # No sending limit: the submission workers send hundreds of messages an hour.
    text += "\n[submission]\nmessages_per_hour = 0\nrecipients_per_day = 0\n"
    text += f'\n[outbound.routes]\n"peer.test" = "127.0.0.1:{sink_port}"\n'
    srv.config.write_text(text)
    return srv


def test_crash_loop(tmp_path):
    print(f"crash loop: {KILLS} kills, seed {SEED} (MAILSIFT_CRASHLOOP_SEED={SEED} to replay)")
    began = time.time()
    rng = random.Random(SEED)
    sink = Sink()
    srv = crash_server(tmp_path, sink.port).start()
    ledger = Ledger()
    stop = threading.Event()
    threads = []
    epochs = []  # (start, kill) in time.monotonic(), the last one's kill None
    try:
        max_pw = srv.add_user(USER)
        kim_pw = srv.add_user(OTHER)
        alice_pw = srv.add_user(SENDER)
        m = imaplib.IMAP4_SSL("localhost", srv.port("imaps"), ssl_context=srv.ssl_context(), timeout=30)
        m.login(USER, max_pw)
        m.create("Archive")  # NO when the account's default mailboxes include it already
        assert m.select("Archive")[0] == "OK"
        m.logout()

        for n in range(INBOUND_WORKERS):
            threads.append(threading.Thread(target=smtp_worker, args=(srv, ledger, stop, n, False, None, random.Random(rng.random()))))
        for n in range(SUBMISSION_WORKERS):
            threads.append(threading.Thread(target=smtp_worker, args=(srv, ledger, stop, n, True, alice_pw, random.Random(rng.random()))))
        for n in range(IMAP_WORKERS):
            threads.append(threading.Thread(target=ImapWorker(srv, ledger, stop, n, max_pw, random.Random(rng.random())).run))
        for t in threads:
            t.daemon = True
            t.start()

        start = time.monotonic()
        kills = early = 0
        while kills < KILLS:
            time.sleep(rng.uniform(UP_MIN, UP_MAX))
            assert srv.proc.poll() is None, f"server exited by itself before kill {kills + 1} (seed {SEED})"
            srv.kill9()
            kills += 1
            kill_at = time.monotonic()  # the process is gone: nothing it sent comes later
            epochs.append((start, kill_at))
            start = kill_at
            if kills < KILLS and rng.random() < EARLY_SHARE:
                # Killed again while it opens the database and recovers (or just after).
                proc = spawn(srv)
                time.sleep(rng.uniform(0.0, 0.4))
                assert proc.poll() is None, f"server failed to start after kill {kills} (seed {SEED}):\n{log_tail(srv)}"
                proc.kill()
                proc.wait()
                kills += 1
                early += 1
                kill_at = time.monotonic()
                epochs.append((start, kill_at))
                start = kill_at
            # The database must open after every kill: a failed start fails the test.
            try:
                srv.start()
            except RuntimeError as e:
                raise AssertionError(f"no restart after kill {kills} (seed {SEED}): {e}") from e
        epochs.append((start, None))
        time.sleep(UP_MIN)
        stop.set()
        for t in threads:
            t.join(60)
        assert not any(t.is_alive() for t in threads), "a client hung"

        drained = wait_for(lambda: srv.cli("queue", "list", json_output=True) == [], timeout=120, interval=0.5)
        assert drained, srv.cli("queue", "list").stdout
        time.sleep(0.5)
        max_sizes, kim_sizes = [], []
        max_boxes = account_ids(srv, USER, max_pw, max_sizes)
        inbox, archive = max_boxes.pop("INBOX"), max_boxes.pop("Archive")
        kim_boxes = account_ids(srv, OTHER, kim_pw, kim_sizes)
        other = kim_boxes.pop("INBOX")
        bounces = account_ids(srv, SENDER, alice_pw)
        deliveries = sink.snapshot()

        problems = check_store(ledger, inbox, archive)
        problems += check_other(ledger, inbox, other, deliveries)
        problems += misplaced(USER, max_boxes) + misplaced(OTHER, kim_boxes)
        # The usage counters (RFC 9208 quota) change in the transaction that stores or removes
        # a message: after all the kills they still match what is there.
        for user, sizes in ((USER, max_sizes), (OTHER, kim_sizes)):
            shown = srv.cli("account", "show", user, json_output=True)
            if (shown["quota_messages"], shown["quota_used"]) != (len(sizes), sum(sizes)):
                problems.append(f"{user}: usage counted {shown['quota_messages']} messages, "
                                f"{shown['quota_used']} bytes; present {len(sizes)}, {sum(sizes)} bytes")
        out_problems, per_kill, details = check_outbound(ledger, deliveries, epochs)
        problems += out_problems
        if any(bounces.values()):
            problems.append(f"the sender got mail (bounces?): {misplaced(SENDER, bounces)}")
        log = srv.log.read_text(errors="replace")
        if "panicked" in log:
            problems.append("the server log shows a panic")

        states = Counter(ledger.inbound.values())
        sub = Counter(ledger.submitted.values())
        imap_states = Counter(s[0] for s in ledger.imap.values())
        dups = sum(per_kill.values())
        delivered = {d[1] for d in deliveries}
        # How the in-doubt operations turned out (either way is correct).
        doubt_in = sum(1 for mid, st in ledger.inbound.items() if st == "doubt" and inbox[mid])
        doubt_sub = sum(1 for mid, st in ledger.submitted.items() if st == "doubt" and mid in delivered)
        doubt_append = sum(1 for mid, st in ledger.imap.items() if st[0] == "append?" and inbox[mid])
        doubt_move = sum(1 for mid, st in ledger.imap.items() if st[0] == "move?" and (inbox + archive)[mid] and
                         {"INBOX": inbox, "Archive": archive}[st[2]][mid])
        doubt_expunge = sum(1 for mid, st in ledger.imap.items() if st[0] == "expunge?" and not (inbox + archive)[mid])
        summary = (
            f"CRASHLOOP kills={kills} during_startup={early} seed={SEED} duration={time.time() - began:.0f}s "
            f"inbound_acked={states['acked']} inbound_in_doubt={states['doubt']} inbound_refused={states['refused']} "
            f"imap_append_acked={ledger.ops['append acked']} imap_append_in_doubt={ledger.ops['append in doubt']} "
            f"imap_move_acked={ledger.ops['move acked']} imap_move_in_doubt={ledger.ops['move in doubt']} "
            f"imap_expunge_acked={ledger.ops['expunge acked']} imap_expunge_in_doubt={ledger.ops['expunge in doubt']} "
            f"present_inbox={sum(inbox.values())} present_archive={sum(archive.values())} "
            f"two_recipients={len(ledger.copy_to_other)} present_second_recipient={sum(other.values())} "
            f"submitted_acked={sub['acked']} submitted_in_doubt={sub['doubt']} submitted_refused={sub['refused']} "
            f"sink_deliveries={len(deliveries)} distinct={len({d[1] for d in deliveries})} duplicates={dups} "
            f"max_duplicates_per_kill={max(per_kill.values(), default=0)} "
            f"in_doubt_done_inbound={doubt_in} in_doubt_done_submitted={doubt_sub} in_doubt_done_append={doubt_append} "
            f"in_doubt_done_move={doubt_move} in_doubt_done_expunge={doubt_expunge} problems={len(problems)} "
            f"load={'/'.join(f'{x:.1f}' for x in os.getloadavg())}"
        )
        print(summary)
        print("client results:", dict(sorted(ledger.ops.items())))
        print(f"mailboxes checked for {USER}: INBOX, Archive, {sorted(max_boxes)}; usage counters checked: "
              f"{USER} {len(max_sizes)} messages / {sum(max_sizes)} bytes, {OTHER} {len(kim_sizes)} / {sum(kim_sizes)}")
        print("imap final states:", dict(imap_states))
        for d in details:
            print("duplicate (kill between the sink's 250 and the queue's commit):", d)
        assert not problems, f"seed {SEED}:\n" + "\n".join(problems[:50])
        # The load reached the server between kills: the run tested something.
        assert states["acked"] > 0 and sub["acked"] > 0 and ledger.ops["append acked"] > 0
        if KILLS >= 3:
            assert ledger.ops["move acked"] > 0 and ledger.ops["expunge acked"] > 0
    finally:
        stop.set()
        srv.stop()
        sink.close()


def test_checks_catch_loss_and_duplicates():
    """The checks above fail on what they must catch (no server: fed by hand)."""
    ledger = Ledger()
    ledger.inbound = {"<a>": "acked", "<b>": "doubt", "<c>": "acked", "<d>": "refused"}
    ledger.imap = {"<m>": ("in", "Archive"), "<n>": ("move?", "INBOX", "Archive"), "<g>": ("gone",),
                   "<e>": ("expunge?", "INBOX")}
    good_inbox = Counter({"<a>": 1, "<c>": 1, "<n>": 1, "<e>": 1})
    good_archive = Counter({"<m>": 1})
    assert check_store(ledger, good_inbox, good_archive) == []
    lost = check_store(ledger, good_inbox - Counter({"<a>": 1}), good_archive)
    assert len(lost) == 1 and "<a>" in lost[0]
    assert len(check_store(ledger, good_inbox + Counter({"<c>": 1, "<b>": 2}), good_archive)) == 2
    assert len(check_store(ledger, good_inbox + Counter({"<d>": 1, "<g>": 1}), good_archive)) == 2
    # A MOVE in doubt in both mailboxes, an acknowledged one left in its source, a stranger.
    assert len(check_store(ledger, good_inbox + Counter({"<m>": 1, "<x>": 1}), good_archive + Counter({"<n>": 1}))) == 3

    # The second recipient: a copy missing, half an in-doubt transaction, a stray.
    ledger.copy_to_other = {"<a>", "<b>"}
    assert check_other(ledger, good_inbox, Counter({"<a>": 1}), []) == []
    assert len(check_other(ledger, good_inbox, Counter(), [])) == 1
    assert len(check_other(ledger, good_inbox + Counter({"<b>": 1}), Counter({"<a>": 1}), [])) == 1
    assert len(check_other(ledger, good_inbox, Counter({"<a>": 1, "<z>": 1}), [])) == 1

    ledger.submitted = {"<s1>": "acked", "<s2>": "acked", "<s3>": "doubt", "<s4>": "refused"}
    # An in-doubt submission stored locally but never queued (or the reverse).
    ledger.copy_to_other = {"<s3>"}
    assert check_other(ledger, Counter(), Counter({"<s3>": 1}), [(1.0, "<s3>", 1)]) == []
    assert check_other(ledger, Counter(), Counter(), []) == []
    assert len(check_other(ledger, Counter(), Counter({"<s3>": 1}), [])) == 1
    assert len(check_other(ledger, Counter(), Counter(), [(1.0, "<s3>", 1)])) == 1
    epochs = [(0.0, 10.0), (10.0, 20.0), (20.0, None)]
    ok = [(1.0, "<s1>", 1), (9.9, "<s2>", 2), (11.0, "<s2>", 3)]
    problems, per_kill, _ = check_outbound(ledger, ok, epochs)
    assert problems == [] and per_kill == Counter({0: 1})
    # Lost; delivered twice by one server run; refused yet delivered.
    problems, _, _ = check_outbound(ledger, [(1.0, "<s1>", 1), (2.0, "<s1>", 1), (3.0, "<s4>", 1)], epochs)
    assert len(problems) == 3, problems
    # More duplicates at one kill than deliveries can be in flight.
    many = {f"<d{i}>": "acked" for i in range(MAX_PER_DESTINATION + 1)}
    ledger.submitted = many
    twice = [(9.0, m, 1) for m in many] + [(12.0, m, 2) for m in many]
    problems, per_kill, _ = check_outbound(ledger, twice, epochs)
    assert per_kill[0] == MAX_PER_DESTINATION + 1 and len(problems) == 1, problems
