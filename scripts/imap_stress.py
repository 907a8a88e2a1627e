#!/usr/bin/env python3
"""IMAP concurrency stress checker in the manner of Dovecot's imaptest (Python 3 stdlib only).

N clients log in to one account, select INBOX and run random commands for D seconds (FETCH of
flags/envelope/bodystructure/body parts, STORE +/-FLAGS and FLAGS, EXPUNGE, UID EXPUNGE, APPEND,
COPY, SEARCH, NOOP, CHECK, IDLE, SELECT, STATUS, LOGOUT and reconnect). Each connection keeps its
own view of the mailbox from the responses it sees (raw sockets: every untagged response is
parsed) and reports what is certainly wrong:

- tagged BAD, NO where the RFCs do not allow one (FETCH/STORE/COPY of messages expunged by
  another session may end `NO [EXPUNGEISSUED]`, RFC 5530 §3; counted, not an error), unexpected
  disconnects, response lines that do not parse (literals, quoted strings, lists, codes);
- EXISTS/EXPUNGE/VANISHED bookkeeping (RFC 9051 §7.4, RFC 7162 §3.2.10): EXISTS never decreases,
  EXPUNGE/FETCH sequence numbers are within the count, no EXPUNGE or VANISHED while answering
  FETCH, STORE or SEARCH (RFC 9051 §7.5.1), a sequence number's UID changes only by an expunge
  before it, UIDs grow with sequence numbers, messages new since SELECT have UIDs >= its UIDNEXT;
- flags: each client owns a keyword (`$own<N>`) that only it stores, always by UID STORE, so its
  presence is known exactly and any FETCH that disagrees is an error ("flags changed
  unexpectedly"); a FETCH shows no keyword not announced by FLAGS (RFC 3501 §7.2.6); `\\Recent`
  is seen by one session only (RFC 3501 §2.3.2) and never after ENABLE IMAP4rev2;
- CONDSTORE/QRESYNC sessions (RFC 7162): a message's MODSEQ and the HIGHESTMODSEQ never decrease,
  and no command shows a MODSEQ below one another session was shown before it was sent (a stale
  read); FETCH (CHANGEDSINCE) and UID FETCH (CHANGEDSINCE .. VANISHED) are exercised;
- EXPUNGE removes only messages some session marked `\\Deleted` (checked at the end, since the
  marking session learns COPY's destination UIDs only from COPYUID);
- APPENDUID/COPYUID (RFC 4315): the UID is then fetchable (unless it was marked \\Deleted and
  expunged meanwhile) and BODY[], BODY[HEADER], BODY[TEXT] and RFC822.SIZE of every message the
  checker knows the bytes of are byte-identical to what was appended;
- a checkpoint at the end, as imaptest's: with every client stopped, each session's NOOP brings
  its view up to date, so the flags it was last shown equal what FETCH returns, and all sessions
  agree on the messages;
- at the end the server answers a new login, and (with --server-pid) its RSS did not keep growing.

Exit status 0 only when there was no error. Example:
    scripts/imap_stress.py --port 993 --tls --user a@example.org --password secret -c 20 -s 60
"""

import argparse
import random
import re
import socket
import ssl
import sys
import threading
import time
from collections import Counter, defaultdict

STATUS_WORDS = {b"OK", b"NO", b"BAD", b"BYE", b"PREAUTH"}
SYSTEM_FLAGS = ["\\Seen", "\\Flagged", "\\Answered", "\\Draft"]
SHARED_KEYWORDS = ["$Label1", "$Label2", "$Work", "$Todo"]
OTHER_MAILBOX = "StressCopy"


class ParseError(Exception):
    pass


class Fatal(Exception):
    """The connection cannot go on (disconnect, BAD, malformed response): reconnect."""


class Atom(str):
    pass


# --- response framing and grammar ---------------------------------------------------------------

LITERAL_AT_END = re.compile(rb"~?\{(\d+)\+?\}$")


def extract(buf):
    """(one complete response with its literals and inner CRLFs, rest) or None if incomplete."""
    pos = 0
    while True:
        idx = buf.find(b"\r\n", pos)
        if idx < 0:
            return None
        m = LITERAL_AT_END.search(buf, pos, idx)
        if m and m.end() == idx:
            end = idx + 2 + int(m.group(1))
            if len(buf) < end:
                return None
            pos = end
            continue
        return buf[:idx], buf[idx + 2:]


def parse_item(data, i):
    if i >= len(data):
        raise ParseError("value expected at end")
    c = data[i:i + 1]
    if c == b"(":
        return parse_list(data, i + 1)
    if c == b'"':
        out = bytearray()
        i += 1
        while True:
            if i >= len(data):
                raise ParseError("unterminated quoted string")
            ch = data[i:i + 1]
            if ch == b"\\":
                nxt = data[i + 1:i + 2]
                if nxt not in (b"\\", b'"'):
                    raise ParseError("bad escape in quoted string")
                out += nxt
                i += 2
                continue
            if ch in (b"\r", b"\n"):
                raise ParseError("CR/LF in quoted string")
            if ch == b'"':
                return bytes(out), i + 1
            out += ch
            i += 1
    if c == b"{" or data[i:i + 2] == b"~{":
        m = re.compile(rb"~?\{(\d+)\}\r\n").match(data, i)
        if not m:
            raise ParseError("bad literal")
        n = int(m.group(1))
        if m.end() + n > len(data):
            raise ParseError("short literal")
        return data[m.end():m.end() + n], m.end() + n
    start = i
    while i < len(data):
        ch = data[i:i + 1]
        if ch == b"[":
            close = data.find(b"]", i)
            if close < 0:
                raise ParseError("unterminated [")
            i = close + 1
            continue
        if ch in (b" ", b"(", b")", b"\r", b"\n") or ch == b'"' or ch == b"{":
            break
        if data[i] < 0x20 or data[i] == 0x7F:
            raise ParseError("control character in atom")
        i += 1
    if i == start:
        raise ParseError(f"unexpected {c!r}")
    return Atom(data[start:i].decode("utf-8", "replace")), i


def parse_list(data, i):
    items = []
    while True:
        if i >= len(data):
            raise ParseError("unterminated list")
        c = data[i:i + 1]
        if c == b")":
            return items, i + 1
        if items:
            # body-type-mpart: body parts follow each other without a space (RFC 9051 §9).
            if c == b"(" and isinstance(items[-1], list):
                pass
            elif c != b" ":
                raise ParseError("missing space in list")
            else:
                i += 1
        item, i = parse_item(data, i)
        items.append(item)


def parse_seq(data, i=0):
    """Space-separated values up to the end of `data`."""
    items = []
    while i < len(data):
        if items:
            # THREAD's thread-lists follow each other without a space (RFC 5256 §4).
            if data[i:i + 1] == b"(" and isinstance(items[-1], list):
                pass
            elif data[i:i + 1] != b" ":
                raise ParseError(f"missing space at {i}")
            else:
                i += 1
        item, i = parse_item(data, i)
        items.append(item)
    return items


def parse_resp_text(rest):
    """`[code] text` -> (code name, code args, text)."""
    if rest.startswith(b"["):
        close = rest.find(b"]")
        if close < 0:
            raise ParseError("unterminated response code")
        code = parse_seq(rest[1:close])
        if not code or not isinstance(code[0], Atom):
            raise ParseError("empty response code")
        text = rest[close + 1:]
        if text and not text.startswith(b" "):
            raise ParseError("no space after response code")
        return code[0].upper(), code[1:], text.strip()
    return None, [], rest


class Resp:
    """One parsed response: kind is 'tagged', 'untagged' or 'cont'."""

    def __init__(self, raw):
        self.raw = raw
        self.tag = None
        self.number = None
        self.word = None
        self.code = None
        self.code_args = []
        self.args = []
        if raw.startswith(b"+"):
            self.kind = "cont"
            return
        tag, sp, rest = raw.partition(b" ")
        if not sp or not tag:
            raise ParseError("no tag")
        self.kind = "untagged" if tag == b"*" else "tagged"
        self.tag = tag.decode("ascii", "replace")
        word, _, rest = rest.partition(b" ")
        if word.isdigit() and self.kind == "untagged":
            self.number = int(word)
            word, _, rest = rest.partition(b" ")
        self.word = word.upper().decode("ascii", "replace")
        if word.upper() in STATUS_WORDS:
            if self.number is not None:
                raise ParseError("number before status")
            self.code, self.code_args, _ = parse_resp_text(rest)
        elif self.kind == "tagged":
            raise ParseError("tagged response without OK/NO/BAD")
        elif self.word in ("CAPABILITY", "ENABLED"):
            self.args = rest.split()
        else:
            self.args = parse_seq(rest)


# --- messages -----------------------------------------------------------------------------------

WORDS = ("alpha beta gamma delta report meeting invoice lunch release draft budget quarterly "
         "review notes photo trip ticket update Über café naïve 日本 zebra").split()


def make_message(rng, serial):
    subj = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 6)))
    if any(ord(ch) > 127 for ch in subj) and rng.random() < 0.7:
        import base64
        subj = "=?UTF-8?B?" + base64.b64encode(subj.encode()).decode() + "?="
    head = [
        f"From: \"Sender {serial}\" <s{serial}@remote.test>",
        rng.choice(["To: stress@example.org", "To: a@b.test, \"Q, R\" <q@r.test>",
                    "To: undisclosed-recipients:;", "To: group: x@y.test, z@w.test;"]),
        f"Subject: {subj}",
        f"Date: Mon, {rng.randint(1, 28)} Nov 2026 10:{rng.randint(10, 59)}:00 +0100",
        f"Message-ID: <stress.{serial}.{rng.getrandbits(32)}@remote.test>",
    ]
    if rng.random() < 0.3:
        head.append(f"In-Reply-To: <stress.{max(serial - 1, 0)}@remote.test>")
    kind = rng.random()
    text = "\r\n".join(" ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 12)))
                       for _ in range(rng.randint(1, 60)))
    if kind < 0.5:
        head.append("Content-Type: text/plain; charset=utf-8")
        head.append("Content-Transfer-Encoding: 8bit")
        body = text + "\r\n"
    elif kind < 0.8:
        import base64
        att = base64.encodebytes(rng.randbytes(rng.randint(10, 3000))).decode().replace("\n", "\r\n")
        head.append("MIME-Version: 1.0")
        head.append('Content-Type: multipart/mixed; boundary="b1"')
        body = ("--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + text + "\r\n"
                "--b1\r\nContent-Type: application/octet-stream; name=\"x.bin\"\r\n"
                "Content-Disposition: attachment; filename=\"x.bin\"\r\n"
                "Content-Transfer-Encoding: base64\r\n\r\n" + att + "--b1--\r\n")
    else:
        head.append("MIME-Version: 1.0")
        head.append('Content-Type: multipart/alternative; boundary="alt"')
        inner = ("From: inner@x.test\r\nSubject: forwarded\r\nContent-Type: text/plain\r\n\r\n"
                 "inner body\r\n")
        body = ("--alt\r\nContent-Type: text/plain\r\n\r\n" + text + "\r\n"
                "--alt\r\nContent-Type: text/html\r\n\r\n<p>" + text[:200] + "</p>\r\n"
                "--alt\r\nContent-Type: message/rfc822\r\n\r\n" + inner + "--alt--\r\n")
    return ("\r\n".join(head) + "\r\n\r\n" + body).encode()


def header_of(msg):
    idx = msg.find(b"\r\n\r\n")
    return msg if idx < 0 else msg[:idx + 4]


def text_of(msg):
    idx = msg.find(b"\r\n\r\n")
    return b"" if idx < 0 else msg[idx + 4:]


def uid_set(uids):
    uids = sorted(set(uids))
    out = []
    i = 0
    while i < len(uids):
        j = i
        while j + 1 < len(uids) and uids[j + 1] == uids[j] + 1:
            j += 1
        out.append(str(uids[i]) if i == j else f"{uids[i]}:{uids[j]}")
        i = j + 1
    return ",".join(out)


def parse_set(text):
    out = []
    for part in str(text).split(","):
        if ":" in part:
            a, b = (int(x) for x in part.split(":"))
            out.extend(range(min(a, b), max(a, b) + 1))
        elif part:
            out.append(int(part))
    return out


# --- shared state -------------------------------------------------------------------------------

class Shared:
    def __init__(self):
        self.lock = threading.Lock()
        self.errors = Counter()
        self.examples = defaultdict(list)
        self.commands = Counter()
        self.allowed_no = Counter()
        self.bodies = {}  # uid -> bytes appended (or copied from such)
        self.ever_deleted = set()  # UIDs some session may have marked \Deleted
        self.replaced = set()  # UIDs whose flags someone replaced (STORE FLAGS): owner keywords unknown
        self.expunged = set()  # UIDs reported expunged to some session
        self.recent_by = {}  # uid -> session key that saw \Recent
        self.uidvalidity = None
        self.static = {}  # (uid, item) -> value: a message's content never changes
        self.moved = set()  # UIDs MOVEd out (RFC 6851): removed without \Deleted
        self.unfetched = []  # (uid, APPENDUID/COPYUID, client) that UID FETCH did not return
        self.modseq_seen = defaultdict(list)  # uid -> [(monotonic time shown, MODSEQ)], rising
        self.copies = []  # (source uid, destination uid) of COPY into INBOX: flags go along
        self.history = defaultdict(list)  # uid -> what happened to it, for error reports

    def note(self, uid, event):
        with self.lock:
            if len(self.history[uid]) < 20:
                self.history[uid].append(f"{time.time():.3f} {event}")

    def error(self, kind, example):
        with self.lock:
            self.errors[kind] += 1
            if len(self.examples[kind]) < 3:
                self.examples[kind].append(example[:600])

    def count(self, name):
        with self.lock:
            self.commands[name] += 1


# --- one connection -----------------------------------------------------------------------------

class Conn:
    def __init__(self, args, shared, client_id, rng, owner):
        self.a = args
        self.shared = shared
        self.cid = client_id
        self.rng = rng
        self.owner = owner  # uid -> bool: whether this client's keyword is set (client-wide)
        self.kw = f"$own{client_id}"
        self.buf = b""
        self.n = 0
        self.sock = None
        self.selects = 0
        self.mode = "plain"
        self.current = ""
        self.sent_at = 0.0
        self.inflight = set()  # UIDs whose owner keyword is being changed by this command
        self.reset_view()

    # -- view --
    def reset_view(self):
        self.uids = []  # index seq-1 -> uid or None
        self.new = []  # whether the slot appeared after SELECT
        self.flags = {}  # uid -> set of flags last shown
        self.modseq = {}
        self.modseq_log = defaultdict(list)  # uid -> last (command, MODSEQ) shown, for reports
        self.highestmodseq = 0
        self.select_modseq = 0
        self.uidnext = None
        self.announced = set()
        self.selected = False
        self.read_only = False

    def err(self, kind, detail):
        self.shared.error(kind, f"client {self.cid} ({self.mode}): {detail}")

    # -- io --
    def connect(self):
        raw = socket.create_connection((self.a.host, self.a.port), timeout=self.a.timeout)
        if self.a.tls:
            raw = tls_context(self.a).wrap_socket(raw, server_hostname=self.a.host)
        self.sock = raw
        self.buf = b""
        greeting = self.read()
        if greeting.word != "OK":
            raise Fatal(f"greeting {greeting.raw!r}")
        if self.a.starttls:
            r, _ = self.cmd("STARTTLS")
            if r.word != "OK":
                raise Fatal("STARTTLS refused")
            self.sock = tls_context(self.a).wrap_socket(self.sock, server_hostname=self.a.host)

    def close(self):
        if self.sock:
            try:
                self.sock.close()
            except OSError:
                pass
        self.sock = None

    def read(self):
        while True:
            got = extract(self.buf)
            if got:
                raw, self.buf = got
                try:
                    return Resp(raw)
                except ParseError as e:
                    self.err("malformed response", f"{e}: {raw[:300]!r}")
                    raise Fatal("malformed")
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                self.err("timeout", f"no response in {self.a.timeout}s; pending {self.buf[:200]!r}")
                raise Fatal("timeout")
            except OSError as e:
                self.err("unexpected disconnect", f"{e!r}")
                raise Fatal("disconnect")
            if not data:
                self.err("unexpected disconnect", f"EOF; pending {self.buf[:200]!r}")
                raise Fatal("eof")
            self.buf += data

    def send(self, data):
        try:
            self.sock.sendall(data)
        except OSError as e:
            self.err("unexpected disconnect", f"send: {e!r}")
            raise Fatal("send")

    def cmd(self, text, kind=None, literal=None, sync_literal=False, allow_no=(), on_resp=None):
        """Runs one command; processes every untagged response; returns (tagged, untagged)."""
        self.n += 1
        tag = f"c{self.cid}x{self.n}"
        name = kind or text.split()[0]
        self.current = text[:60]
        self.sent_at = time.monotonic()
        self.shared.count(name)
        untagged = []
        if literal is not None:
            if sync_literal:
                self.send(f"{tag} {text} {{{len(literal)}}}\r\n".encode())
                while True:
                    r = self.read()
                    if r.kind == "cont":
                        break
                    if r.kind == "tagged":
                        self.err("APPEND refused before literal", r.raw.decode("utf-8", "replace"))
                        return r, untagged
                    self.untagged(r, name)
                    untagged.append(r)
                self.send(literal + b"\r\n")
            else:
                self.send(f"{tag} {text} {{{len(literal)}+}}\r\n".encode() + literal + b"\r\n")
        else:
            self.send(f"{tag} {text}\r\n".encode())
        while True:
            r = self.read()
            if r.kind == "cont":
                self.err("unexpected continuation", f"{text[:80]}: {r.raw!r}")
                raise Fatal("cont")
            if r.kind == "untagged":
                self.untagged(r, name)
                if on_resp:
                    on_resp(r)
                untagged.append(r)
                if r.word == "BYE" and name != "LOGOUT":
                    self.err("unexpected BYE", f"{text[:80]}: {r.raw!r}")
                    raise Fatal("bye")
                continue
            if r.tag != tag:
                self.err("wrong tag", f"sent {tag}, got {r.raw!r}")
                raise Fatal("tag")
            if r.word == "BAD":
                self.err("BAD", f"{text[:120]} -> {r.raw.decode('utf-8', 'replace')}")
                raise Fatal("bad")
            if r.word == "NO":
                if r.code in allow_no:
                    with self.shared.lock:
                        self.shared.allowed_no[f"{name} NO [{r.code}]"] += 1
                else:
                    self.err(f"unexpected NO to {name}", f"{text[:120]} -> {r.raw.decode('utf-8', 'replace')}")
            return r, untagged

    # -- untagged bookkeeping --
    def untagged(self, r, name):
        seq_cmd = name in ("FETCH", "STORE", "SEARCH")
        w = r.word
        if r.number is not None:
            n = r.number
            if w == "EXISTS":
                if n < len(self.uids):
                    self.err("EXISTS decreased", f"{n} < {len(self.uids)} without EXPUNGE")
                    del self.uids[n:]
                    del self.new[n:]
                else:
                    grow = n - len(self.uids)
                    self.uids.extend([None] * grow)
                    self.new.extend([self.selected] * grow)
            elif w == "EXPUNGE":
                if seq_cmd:
                    self.err("EXPUNGE during " + name, "RFC 9051 §7.5.1 forbids it")
                if n < 1 or n > len(self.uids):
                    self.err("EXPUNGE out of range", f"* {n} EXPUNGE with {len(self.uids)} messages")
                    return
                uid = self.uids.pop(n - 1)
                self.new.pop(n - 1)
                if uid is not None:
                    self.gone(uid)
            elif w == "RECENT":
                if n > len(self.uids):
                    self.err("RECENT above EXISTS", f"{n} > {len(self.uids)}")
                if self.mode == "rev2":
                    self.err("RECENT after ENABLE IMAP4rev2", r.raw.decode())
            elif w == "FETCH":
                self.fetch(n, r)
            else:
                self.err("unknown untagged response", repr(r.raw[:200]))
            return
        if w == "FLAGS":
            if not r.args or not isinstance(r.args[0], list):
                self.err("malformed FLAGS", repr(r.raw[:200]))
            else:
                self.announced = {str(f).lower() for f in r.args[0]}
        elif w == "VANISHED":
            args = r.args
            if args and isinstance(args[0], list):
                # RFC 7162 §3.2.10: EARLIER changes nothing in the view; only as asked for.
                if name != "UID FETCH VANISHED":
                    self.err("VANISHED (EARLIER) outside SELECT/FETCH", repr(r.raw[:200]))
                return
            if seq_cmd:
                self.err("VANISHED during " + name, "RFC 7162 §3.2.10 / RFC 9051 §7.5.1")
            if self.mode != "qresync":
                self.err("VANISHED without QRESYNC", repr(r.raw[:200]))
            for uid in parse_set(args[0] if args else ""):
                self.vanish(uid)
        elif w in ("OK", "NO", "BAD", "BYE", "PREAUTH"):
            if w in ("NO", "BAD"):
                self.err(f"untagged {w}", r.raw.decode("utf-8", "replace"))
            if r.code == "HIGHESTMODSEQ" and r.code_args:
                self.highest(int(r.code_args[0]), r)
            elif r.code == "UIDNEXT" and r.code_args:
                if not self.selected:
                    self.uidnext = int(r.code_args[0])
            elif r.code == "UIDVALIDITY" and r.code_args:
                v = int(r.code_args[0])
                with self.shared.lock:
                    if self.shared.uidvalidity is None:
                        self.shared.uidvalidity = v
                    elif self.shared.uidvalidity != v:
                        self.err("UIDVALIDITY changed", f"{self.shared.uidvalidity} -> {v}")
        elif w in ("SEARCH", "ESEARCH", "STATUS", "LIST", "CAPABILITY", "ENABLED", "LSUB", "SORT", "THREAD"):
            pass
        else:
            self.err("unknown untagged response", repr(r.raw[:200]))

    def gone(self, uid):
        self.shared.note(uid, f"client {self.cid} told expunged")
        self.flags.pop(uid, None)
        self.modseq.pop(uid, None)
        with self.shared.lock:
            self.shared.expunged.add(uid)

    def vanish(self, uid):
        if uid in self.uids:
            i = self.uids.index(uid)
            del self.uids[i]
            del self.new[i]
            self.gone(uid)
            return
        # Unknown slots between known neighbours are interchangeable: drop one of that gap.
        prev = 0
        for i, u in enumerate(self.uids):
            if u is not None:
                prev = u
                continue
            nxt = next((x for x in self.uids[i + 1:] if x is not None), None)
            if prev < uid and (nxt is None or nxt > uid):
                del self.uids[i]
                del self.new[i]
                self.gone(uid)
                return
        self.err("VANISHED for an unknown UID", f"{uid} not in the session's view")

    def highest(self, value, r):
        if value < self.highestmodseq:
            self.err("HIGHESTMODSEQ decreased", f"{self.highestmodseq} -> {value}: {r.raw[:120]!r}")
        self.highestmodseq = max(self.highestmodseq, value)

    def fetch(self, n, r):
        if n < 1 or n > len(self.uids):
            self.err("FETCH beyond EXISTS", f"* {n} FETCH with {len(self.uids)} messages: {r.raw[:150]!r}")
            return
        if len(r.args) != 1 or not isinstance(r.args[0], list) or len(r.args[0]) % 2:
            self.err("malformed FETCH", repr(r.raw[:200]))
            return
        items = r.args[0]
        data = {}
        for k, v in zip(items[0::2], items[1::2]):
            if not isinstance(k, Atom):
                self.err("malformed FETCH", f"item name {k!r}")
                return
            data[k.upper()] = v
        uid = None
        if "UID" in data:
            try:
                uid = int(data["UID"])
            except (TypeError, ValueError):
                self.err("malformed FETCH", f"UID {data['UID']!r}")
                return
            self.learn_uid(n, uid)
        uid = self.uids[n - 1]
        if "FLAGS" in data:
            self.check_flags(uid, data["FLAGS"], r)
        if "MODSEQ" in data:
            v = data["MODSEQ"]
            if not (isinstance(v, list) and len(v) == 1 and str(v[0]).isdigit()):
                self.err("malformed FETCH", f"MODSEQ {v!r}")
            elif uid is not None:
                m = int(v[0])
                log = self.modseq_log[uid]
                log.append((self.current, m))
                del log[:-4]
                if m < self.modseq.get(uid, 0):
                    self.err("MODSEQ decreased", f"uid {uid}: {self.modseq[uid]} -> {m}: {log}")
                self.modseq[uid] = max(m, self.modseq.get(uid, 0))
                # Linearizability: a command sent after some session was shown MODSEQ x for a
                # message reads the store after that, so it cannot show less than x.
                now = time.monotonic()
                with self.shared.lock:
                    seen = self.shared.modseq_seen[uid]
                    before = [x for t, x in seen if t < self.sent_at]
                    if not seen or m > seen[-1][1]:
                        seen.append((now, m))
                        del seen[:-8]
                if before and m < max(before):
                    self.err("stale MODSEQ (older than one another session was shown before)",
                             f"uid {uid}: {m} < {max(before)} ({self.current})")
                if self.mode in ("plain", "rev2"):
                    self.err("MODSEQ without CONDSTORE", repr(r.raw[:150]))
        elif self.mode in ("condstore", "qresync") and "FLAGS" in data and uid is not None:
            # RFC 7162 §3.2.4: with CONDSTORE enabled, every FETCH of FLAGS carries MODSEQ.
            self.err("FLAGS without MODSEQ after ENABLE CONDSTORE", repr(r.raw[:150]))
        if "ENVELOPE" in data:
            env = data["ENVELOPE"]
            if not isinstance(env, list) or len(env) != 10:
                self.err("malformed ENVELOPE", repr(r.raw[:300]))
        for key in ("BODYSTRUCTURE", "BODY"):
            if key in data and not isinstance(data[key], list):
                self.err(f"malformed {key}", repr(r.raw[:300]))
        if "INTERNALDATE" in data:
            if not re.fullmatch(rb"[ \d]\d-[A-Z][a-z]{2}-\d{4} \d\d:\d\d:\d\d [+-]\d{4}",
                                data["INTERNALDATE"] if isinstance(data["INTERNALDATE"], bytes) else b""):
                self.err("malformed INTERNALDATE", repr(data["INTERNALDATE"]))
        if uid is not None:
            # A message is immutable (RFC 9051 §2.3): every session must see the same data.
            for key, v in data.items():
                if key in ("UID", "FLAGS", "MODSEQ") or key.startswith("BINARY"):
                    continue
                key = key.replace("BODY.PEEK[", "BODY[")
                with self.shared.lock:
                    first = self.shared.static.setdefault((uid, key), v)
                if first != v:
                    self.err("message data changed", f"uid {uid} {key}: {str(first)[:150]} -> {str(v)[:150]}")
        body = self.shared.bodies.get(uid) if uid is not None else None
        if body is not None:
            checks = {"BODY[]": body, "RFC822": body, "BODY[HEADER]": header_of(body),
                      "RFC822.HEADER": header_of(body), "BODY[TEXT]": text_of(body), "RFC822.TEXT": text_of(body)}
            for key, want in checks.items():
                if key in data and data[key] != want:
                    got = data[key]
                    self.err("body differs from what was appended",
                             f"uid {uid} {key}: {len(got) if isinstance(got, bytes) else got!r} bytes vs {len(want)}")
            if "RFC822.SIZE" in data and str(data["RFC822.SIZE"]) != str(len(body)):
                self.err("RFC822.SIZE differs", f"uid {uid}: {data['RFC822.SIZE']} vs {len(body)}")

    def learn_uid(self, n, uid):
        i = n - 1
        known = self.uids[i]
        if known is not None and known != uid:
            self.err("UID of a sequence number changed", f"seq {n}: {known} -> {uid}")
            self.uids[i] = uid
            return
        for j in range(i - 1, -1, -1):
            if self.uids[j] is not None:
                if self.uids[j] >= uid:
                    self.err("UIDs not ascending", f"seq {j + 1} uid {self.uids[j]} >= seq {n} uid {uid}")
                break
        for j in range(i + 1, len(self.uids)):
            if self.uids[j] is not None:
                if self.uids[j] <= uid:
                    self.err("UIDs not ascending", f"seq {n} uid {uid} >= seq {j + 1} uid {self.uids[j]}")
                break
        if self.uidnext is not None:
            if self.new[i] and uid < self.uidnext:
                self.err("new message's UID below UIDNEXT", f"uid {uid} < UIDNEXT {self.uidnext} at SELECT")
            if not self.new[i] and uid >= self.uidnext:
                self.err("UID at SELECT not below UIDNEXT", f"uid {uid} >= UIDNEXT {self.uidnext}")
        self.uids[i] = uid

    def check_flags(self, uid, flags, r):
        if not isinstance(flags, list) or not all(isinstance(f, Atom) for f in flags):
            self.err("malformed FLAGS item", repr(r.raw[:200]))
            return
        lower = {f.lower() for f in flags}
        for f in flags:
            if not f.startswith("\\") and f.lower() not in self.announced:
                self.err("keyword not announced in FLAGS", f"{f} (RFC 3501 §7.2.6): {r.raw[:150]!r}")
        if uid is None:
            return
        if "\\recent" in lower and self.read_only:
            if self.mode == "rev2":
                self.err("\\Recent after ENABLE IMAP4rev2", repr(r.raw[:150]))
            # EXAMINE shows unclaimed messages as recent without claiming them (RFC 3501 §6.3.2).
        elif "\\recent" in lower:
            if self.mode == "rev2":
                self.err("\\Recent after ENABLE IMAP4rev2", repr(r.raw[:150]))
            key = (self.cid, id(self), self.selects)
            with self.shared.lock:
                first = self.shared.recent_by.setdefault(uid, key)
            if first != key:
                self.err("\\Recent in two sessions", f"uid {uid} (RFC 3501 §2.3.2)")
        if uid in self.owner and uid not in self.inflight:
            with self.shared.lock:
                replaced = uid in self.shared.replaced
            if not replaced and (self.kw.lower() in lower) != self.owner[uid]:
                self.err("flags changed unexpectedly",
                         f"uid {uid}: {self.kw} should be {'set' if self.owner[uid] else 'unset'}: {r.raw[:160]!r}")
        self.flags[uid] = lower


def tls_context(args):
    if args.cafile:
        return ssl.create_default_context(cafile=args.cafile)
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def quote(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


# --- a client: a connection after another, random commands --------------------------------------

class Client(threading.Thread):
    def __init__(self, args, shared, cid, seed, deadline):
        super().__init__(daemon=True)
        self.a = args
        self.shared = shared
        self.cid = cid
        self.rng = random.Random(seed)
        self.deadline = deadline
        self.owner = {}
        self.serial = 0
        self.final = None

    def run(self):
        while time.time() < self.deadline:
            c = Conn(self.a, self.shared, self.cid, self.rng, self.owner)
            try:
                self.session(c)
            except Fatal:
                time.sleep(0.2)
            except Exception as e:  # a checker bug must show, not hang the run
                self.shared.error("checker exception", f"client {self.cid}: {e!r}")
                import traceback
                traceback.print_exc()
            finally:
                if c is not self.final:
                    c.close()

    def session(self, c):
        c.connect()
        r, _ = c.cmd(f"LOGIN {quote(self.a.user)} {quote(self.a.password)}")
        if r.word != "OK":
            raise Fatal("login")
        c.mode = self.rng.choice(["plain", "plain", "condstore", "condstore", "qresync", "rev2"])
        if c.mode != "plain":
            ext = {"condstore": "CONDSTORE", "qresync": "QRESYNC", "rev2": "IMAP4rev2"}[c.mode]
            c.cmd(f"ENABLE {ext}")
        self.select(c)
        while time.time() < self.deadline:
            if not self.step(c):
                return  # logged out
        self.final = c  # kept open for the checkpoint

    def select(self, c):
        c.reset_view()
        c.selects += 1
        r, _ = c.cmd("SELECT INBOX")
        if r.word != "OK":
            raise Fatal("select")
        if c.uidnext is None:
            c.err("no UIDNEXT at SELECT", "RFC 9051 §6.3.2")
        c.select_modseq = c.highestmodseq
        c.selected = True
        if c.uids:
            items = "UID FLAGS MODSEQ" if c.mode in ("condstore", "qresync") else "UID FLAGS"
            c.cmd(f"FETCH 1:* ({items})", allow_no=("EXPUNGEISSUED",))

    def seqset(self, c, maxlen=5):
        n = len(c.uids)
        if n == 0:
            return None
        a = self.rng.randint(1, n)
        r = self.rng.random()
        if r < 0.1:
            return "1:*"
        if r < 0.2:
            return f"{a}:*"
        b = min(n, a + self.rng.randint(0, maxlen - 1))
        return str(a) if a == b else f"{a}:{b}"

    def known_uids(self, c, k):
        known = [u for u in c.uids if u is not None]
        if not known:
            return []
        return self.rng.sample(known, min(k, len(known)))

    def step(self, c):
        n = len(c.uids)
        target = self.a.target
        w = {
            "fetch_flags": 10, "fetch_rich": 8, "fetch_body": 6, "uid_fetch": 5, "changedsince": 2,
            "store": 8, "store_own": 8, "store_replace": 1, "store_deleted": 4,
            "expunge": 3, "uid_expunge": 1, "append": 5, "copy": 3, "copy_other": 1, "move": 1,
            "search": 5, "search_own": 2, "sort": 1, "thread": 1, "list": 1, "mailbox": 1, "noop": 4, "check": 2, "idle": 2, "select": 1, "examine": 1, "status": 1, "reconnect": 1,
        }
        if n > 2 * target:
            w["store_deleted"] *= 4
            w["expunge"] *= 3
            w["append"] = w["copy"] = 0
            w["move"] *= 3
        elif n < target // 2:
            w["store_deleted"] = 0
            w["append"] *= 3
        if c.mode == "rev2":
            w["check"] = 0  # removed in IMAP4rev2 (RFC 9051 §6.4.1 is gone), still fine to skip
        op = self.rng.choices(list(w), weights=list(w.values()))[0]
        if n == 0 and op in ("fetch_flags", "fetch_rich", "fetch_body", "store", "copy", "copy_other"):
            op = "append"
        return getattr(self, "op_" + op)(c)

    # -- commands --
    def op_fetch_flags(self, c):
        s = self.seqset(c, 10)
        items = self.rng.choice(["FLAGS", "(UID FLAGS)", "(FLAGS INTERNALDATE)"])
        if c.mode in ("condstore", "qresync") and self.rng.random() < 0.5:
            items = "(UID FLAGS MODSEQ)"
        c.cmd(f"FETCH {s} {items}", kind="FETCH", allow_no=("EXPUNGEISSUED",))
        return True

    def op_fetch_rich(self, c):
        s = self.seqset(c, 5)
        items = self.rng.choice(["(UID ENVELOPE)", "(BODYSTRUCTURE)", "(UID RFC822.SIZE INTERNALDATE FLAGS)",
                                 "(ENVELOPE BODYSTRUCTURE FLAGS UID)", "BODY", "ALL", "FAST", "FULL"])
        c.cmd(f"FETCH {s} {items}", kind="FETCH", allow_no=("EXPUNGEISSUED",))
        return True

    def op_fetch_body(self, c):
        s = self.seqset(c, 3)
        items = self.rng.choice(["(UID BODY.PEEK[])", "(UID RFC822.SIZE BODY.PEEK[HEADER])", "(UID BODY.PEEK[TEXT])",
                                 "(UID BODY.PEEK[1])", "(UID BODY.PEEK[HEADER.FIELDS (SUBJECT FROM)])",
                                 "(UID BODY[])", "(UID RFC822.HEADER)", "(UID BODY.PEEK[]<10.100>)",
                                 "(UID BINARY.PEEK[1])"])
        c.cmd(f"FETCH {s} {items}", kind="FETCH", allow_no=("EXPUNGEISSUED", "UNKNOWN-CTE"))
        return True

    def op_changedsince(self, c):
        """FETCH (CHANGEDSINCE m): only messages whose MODSEQ is above m (RFC 7162 §3.1.4.1)."""
        if c.mode not in ("condstore", "qresync") or not c.uids or not c.highestmodseq:
            return self.op_noop(c)
        since = max(0, c.highestmodseq - self.rng.randint(0, 50))
        shown = []

        def note(r):
            if r.word == "FETCH" and r.args and isinstance(r.args[0], list):
                d = dict(zip([str(k).upper() for k in r.args[0][0::2]], r.args[0][1::2]))
                m = d.get("MODSEQ")
                if isinstance(m, list) and m and str(m[0]).isdigit():
                    shown.append(int(m[0]))

        if c.mode == "qresync" and self.rng.random() < 0.5:
            c.cmd(f"UID FETCH 1:* (FLAGS) (CHANGEDSINCE {since} VANISHED)", kind="UID FETCH VANISHED", on_resp=note)
        else:
            c.cmd(f"FETCH 1:* (UID FLAGS) (CHANGEDSINCE {since})", kind="FETCH", on_resp=note,
                  allow_no=("EXPUNGEISSUED",))
        # Unsolicited FETCHes of changes (sent on the way) may have any MODSEQ above what the
        # session was told; a solicited one at or below `since` is wrong, but the two cannot be
        # told apart here, so only MODSEQs no higher than what was known at SELECT are flagged.
        low = [m for m in shown if m <= since and m <= c.select_modseq]
        if low:
            c.err("CHANGEDSINCE returned an unchanged message", f"since {since}: MODSEQ {low[:5]}")
        return True

    def op_uid_fetch(self, c):
        uids = self.known_uids(c, 3)
        if not uids:
            return self.op_noop(c)
        items = self.rng.choice(["(FLAGS)", "(RFC822.SIZE BODY.PEEK[])", "(ENVELOPE)", "(BODY.PEEK[TEXT] FLAGS)"])
        c.cmd(f"UID FETCH {uid_set(uids)} {items}", kind="UID FETCH")
        return True

    def some_flags(self):
        pool = SYSTEM_FLAGS + SHARED_KEYWORDS
        return self.rng.sample(pool, self.rng.randint(1, 2))

    def op_store(self, c):
        s = self.seqset(c, 5)
        if s is None:
            return True
        op = self.rng.choice(["+FLAGS", "-FLAGS", "+FLAGS.SILENT", "-FLAGS.SILENT"])
        if op.endswith(".SILENT"):
            # The session is not told its own silent changes: their flags become unknown here.
            lo, _, hi = s.partition(":")
            top = len(c.uids) if hi == "*" else int(hi or lo)
            for u in c.uids[int(lo) - 1:top] if lo != "1" or hi != "*" else c.uids:
                c.flags.pop(u, None)
        flags = " ".join(self.some_flags())
        c.cmd(f"STORE {s} {op} ({flags})", kind="STORE", allow_no=("EXPUNGEISSUED",))
        return True

    def op_store_own(self, c):
        uids = self.known_uids(c, self.rng.randint(1, 4))
        if not uids:
            return self.op_noop(c)
        add = self.rng.random() < 0.6
        flags = [c.kw] + (self.some_flags()[:1] if self.rng.random() < 0.5 else [])
        c.inflight = set(uids)
        # Unknown until the reply says (a lost connection leaves them unknown).
        for u in uids:
            self.owner.pop(u, None)
        shown = {}

        def note(r):
            if r.word == "FETCH" and r.number is not None and 0 < r.number <= len(c.uids):
                u = c.uids[r.number - 1]
                if u in c.inflight and isinstance(r.args[0], list):
                    d = dict(zip([str(k).upper() for k in r.args[0][0::2]], r.args[0][1::2]))
                    if isinstance(d.get("FLAGS"), list):
                        shown[u] = c.kw.lower() in {str(f).lower() for f in d["FLAGS"]}

        prefix = "UID STORE " + uid_set(uids)
        if c.mode in ("condstore", "qresync") and self.rng.random() < 0.2:
            prefix += f" (UNCHANGEDSINCE {c.highestmodseq or 1})"
        r, _ = c.cmd(f"{prefix} {'+' if add else '-'}FLAGS ({' '.join(flags)})", kind="UID STORE", on_resp=note)
        c.inflight = set()
        modified = set()
        if r.code == "MODIFIED" and r.code_args:
            modified = set(parse_set(r.code_args[0]))
        for u in uids:
            if r.word == "OK" and u not in modified:
                self.owner[u] = add
                with self.shared.lock:
                    replaced = u in self.shared.replaced
                if u in shown and shown[u] != add and not replaced:
                    c.err("STORE reply shows old flags", f"uid {u} {'+' if add else '-'}{c.kw}")
            else:
                self.owner.pop(u, None)
        return True

    def op_store_replace(self, c):
        uids = self.known_uids(c, 2)
        if not uids:
            return True
        with self.shared.lock:
            self.shared.replaced.update(uids)
        flags = self.some_flags()
        c.cmd(f"UID STORE {uid_set(uids)} FLAGS ({' '.join(flags)})", kind="UID STORE")
        return True

    def op_store_deleted(self, c):
        uids = self.known_uids(c, self.rng.randint(1, 3))
        if not uids:
            return True
        add = self.rng.random() < 0.85
        if add:
            # Recorded before it can happen: an expunge of these seen by anyone is then legal.
            with self.shared.lock:
                self.shared.ever_deleted.update(uids)
        for u in uids:
            self.shared.note(u, f"client {self.cid} {'+' if add else '-'}\\Deleted")
        c.cmd(f"UID STORE {uid_set(uids)} {'+' if add else '-'}FLAGS (\\Deleted)", kind="UID STORE")
        return True

    def op_expunge(self, c):
        c.cmd("EXPUNGE")
        return True

    def op_uid_expunge(self, c):
        uids = self.known_uids(c, 4)
        if not uids:
            return True
        c.cmd(f"UID EXPUNGE {uid_set(uids)}", kind="UID EXPUNGE")
        return True

    def op_append(self, c):
        self.serial += 1
        msg = make_message(self.rng, self.cid * 1_000_000 + self.serial)
        flags = self.rng.choice(["", "(\\Seen) ", f"({c.kw} $Work) ", "(\\Flagged \\Deleted) "])
        date = self.rng.choice(["", '"05-Dec-2026 10:11:12 +0100" '])
        r, _ = c.cmd(f"APPEND INBOX {flags}{date}".rstrip(), kind="APPEND", literal=msg,
                     sync_literal=self.rng.random() < 0.5)
        if r.word != "OK":
            return True
        if r.code != "APPENDUID" or len(r.code_args) != 2:
            c.err("APPEND without APPENDUID", r.raw.decode("utf-8", "replace"))
            return True
        validity, uid = int(r.code_args[0]), int(r.code_args[1])
        if self.shared.uidvalidity is not None and validity != self.shared.uidvalidity:
            c.err("APPENDUID UIDVALIDITY differs", f"{validity} vs {self.shared.uidvalidity}")
        self.shared.note(uid, f"client {self.cid} appended with {flags!r}")
        with self.shared.lock:
            self.shared.bodies[uid] = msg
            if "\\Deleted" in flags:
                self.shared.ever_deleted.add(uid)
        self.owner[uid] = c.kw in flags
        self.verify_uid(c, uid, "APPENDUID")
        return True

    def verify_uid(self, c, uid, what):
        got = {}

        def note(r):
            if r.word == "FETCH" and r.number is not None and 0 < r.number <= len(c.uids):
                if c.uids[r.number - 1] == uid:
                    got["seen"] = True

        c.cmd(f"UID FETCH {uid} (UID RFC822.SIZE BODY.PEEK[])", kind="UID FETCH", on_resp=note)
        if not got:
            # Fine if it was \Deleted and expunged, or moved, meanwhile: known for certain only
            # at the end (a MOVE by sequence number learns its UIDs from COPYUID).
            with self.shared.lock:
                self.shared.unfetched.append((uid, what, c.cid))

    def op_copy(self, c, dest="INBOX"):
        uid = self.rng.random() < 0.3
        s = uid_set(self.known_uids(c, 3)) if uid else self.seqset(c, 3)
        if not s:
            return True
        # RFC 5530 §3: NO [EXPUNGEISSUED] when another session expunged the messages; UID COPY
        # ignores UIDs that are gone (RFC 9051 §6.4.9), so it is OK, copying what remains.
        r, _ = c.cmd(f"{'UID ' if uid else ''}COPY {s} {dest}", kind="UID COPY" if uid else "COPY",
                     allow_no=() if uid else ("EXPUNGEISSUED",))
        if r.word != "OK":
            return True
        if r.code != "COPYUID" or len(r.code_args) != 3:
            # RFC 4315 §3: COPYUID unless nothing was copied (all expunged).
            if not s.endswith("*") and not uid:
                c.err("COPY without COPYUID", r.raw.decode("utf-8", "replace"))
            return True
        src, dst = parse_set(r.code_args[1]), parse_set(r.code_args[2])
        if len(src) != len(dst):
            c.err("COPYUID sets differ in size", r.raw.decode())
            return True
        if dest != "INBOX":
            return True
        for a, b in zip(src, dst):
            self.shared.note(b, f"client {self.cid} copied from {a}")
        with self.shared.lock:
            self.shared.copies.extend(zip(src, dst))
            for a, b in zip(src, dst):
                if a in self.shared.bodies:
                    self.shared.bodies[b] = self.shared.bodies[a]
                if a in self.shared.ever_deleted:
                    self.shared.ever_deleted.add(b)
        self.verify_uid(c, dst[-1], "COPYUID")
        return True

    def op_move(self, c):
        """MOVE to the other mailbox: COPYUID in an untagged OK before the expunges (RFC 6851
        §4.3), so that the removal of exactly those messages is accounted for."""
        uid = self.rng.random() < 0.5
        if uid:
            uids = self.known_uids(c, 2)
            if not uids:
                return True
            what = uid_set(uids)
        else:
            what = self.seqset(c, 2)
            if what is None or what.endswith("*"):
                return True
        codes = []

        def note(r):
            if r.word == "OK" and r.code == "COPYUID" and len(r.code_args) == 3:
                src = parse_set(r.code_args[1])
                with self.shared.lock:
                    self.shared.moved.update(src)
                codes.append(src)

        # Recorded before the command: another session may be told of the expunge first.
        if uid:
            with self.shared.lock:
                self.shared.moved.update(uids)
        # RFC 9051 §6.4.9: UIDs that are gone are ignored, so UID MOVE is never NO for that.
        r, _ = c.cmd(f"{'UID ' if uid else ''}MOVE {what} {OTHER_MAILBOX}", kind="UID MOVE" if uid else "MOVE",
                     allow_no=() if uid else ("EXPUNGEISSUED",), on_resp=note)
        if r.word == "OK" and not codes and not uid:
            c.err("MOVE without COPYUID", f"{what}: {r.raw!r}")
        return True

    def op_copy_other(self, c):
        return self.op_copy(c, OTHER_MAILBOX)

    def op_search(self, c):
        q = self.rng.choice(["ALL", "FLAGGED", "UNSEEN", "DELETED", "KEYWORD $Work", "UNKEYWORD $Todo",
                             "SUBJECT report", "BODY meeting", "LARGER 2000", "OR SEEN FLAGGED", "NOT DELETED"])
        uid = self.rng.random() < 0.4
        results = []

        def note(r):
            if r.word == "SEARCH":
                results.extend(int(x) for x in r.args if str(x).isdigit())
            elif r.word == "ESEARCH":
                args = r.args
                for k, v in zip(args, args[1:]):
                    if str(k).upper() == "ALL":
                        results.extend(parse_set(v))

        n_before = len(c.uids)
        r, _ = c.cmd(f"{'UID ' if uid else ''}SEARCH {q}", kind="UID SEARCH" if uid else "SEARCH", on_resp=note)
        if not uid:
            bad = [x for x in results if x < 1 or x > max(n_before, len(c.uids))]
            if bad:
                c.err("SEARCH result beyond EXISTS", f"{bad[:5]} with {len(c.uids)} messages")
        return True

    def op_search_own(self, c):
        """UID SEARCH KEYWORD of this client's keyword must agree with what it stored."""
        results = set()

        def note(r):
            if r.word == "SEARCH":
                results.update(int(x) for x in r.args if str(x).isdigit())
            elif r.word == "ESEARCH":
                for k, v in zip(r.args, r.args[1:]):
                    if str(k).upper() == "ALL":
                        results.update(parse_set(v))

        r, _ = c.cmd(f"UID SEARCH KEYWORD {c.kw}", kind="UID SEARCH", on_resp=note)
        if r.word != "OK":
            return True
        with self.shared.lock:
            replaced = set(self.shared.replaced)
        for u in results:
            if self.owner.get(u) is False and u not in replaced:
                c.err("SEARCH KEYWORD matched a message without it", f"uid {u} {c.kw}")
        missing = [u for u in c.uids if u is not None and self.owner.get(u) and u not in results
                   and u not in replaced]
        if missing:
            # Gone meanwhile is fine; still there with the keyword is not.
            has = set()

            def note2(r):
                if r.word == "FETCH" and r.number is not None and 0 < r.number <= len(c.uids):
                    u = c.uids[r.number - 1]
                    d = dict(zip([str(k).upper() for k in r.args[0][0::2]], r.args[0][1::2]))
                    if isinstance(d.get("FLAGS"), list) and c.kw.lower() in {str(f).lower() for f in d["FLAGS"]}:
                        has.add(u)

            c.cmd(f"UID FETCH {uid_set(missing)} (FLAGS)", kind="UID FETCH", on_resp=note2)
            for u in sorted(has):
                c.err("SEARCH KEYWORD missed a message", f"uid {u} has {c.kw}")
        return True

    def op_sort(self, c):
        uid = self.rng.random() < 0.5
        crit = self.rng.choice(["ARRIVAL", "REVERSE DATE", "SUBJECT", "FROM", "SIZE", "REVERSE ARRIVAL CC"])
        got = []

        def note(r):
            if r.word == "SORT":
                got.extend(int(x) for x in r.args if str(x).isdigit())

        n_before = len(c.uids)
        c.cmd(f"{'UID ' if uid else ''}SORT ({crit}) UTF-8 ALL", kind="UID SORT" if uid else "SORT", on_resp=note)
        self.check_numbers(c, "SORT", crit, got, uid, n_before)
        return True

    def op_thread(self, c):
        uid = self.rng.random() < 0.5
        algo = self.rng.choice(["REFERENCES", "ORDEREDSUBJECT"])
        got = []

        def walk(x):
            if isinstance(x, list):
                for y in x:
                    walk(y)
            elif str(x).isdigit():
                got.append(int(x))
            else:
                c.err("malformed THREAD", repr(x))

        def note(r):
            if r.word == "THREAD":
                walk(r.args)

        n_before = len(c.uids)
        c.cmd(f"{'UID ' if uid else ''}THREAD {algo} UTF-8 ALL", kind="UID THREAD" if uid else "THREAD", on_resp=note)
        self.check_numbers(c, "THREAD", algo, sorted(got), uid, n_before)
        return True

    @staticmethod
    def check_numbers(c, command, what, got, uid, n_before):
        """A SORT or THREAD result names each message once, and by sequence number only
        messages the session knew of before or after the command."""
        if len(set(got)) != len(got):
            c.err(f"{command} result with duplicates", f"{what}: {got[:20]}")
        if not uid and any(x < 1 or x > max(n_before, len(c.uids)) for x in got):
            c.err(f"{command} result beyond EXISTS", f"{got[:20]} with {len(c.uids)} messages")

    def op_list(self, c):
        c.cmd(self.rng.choice(['LIST "" *', 'LIST "" %', 'LSUB "" *', 'LIST (SUBSCRIBED) "" * RETURN (STATUS (MESSAGES))']),
              kind="LIST")
        return True

    def op_mailbox(self, c):
        """CREATE, APPEND to, SELECT-less STATUS and DELETE of a mailbox of this client."""
        self.serial += 1
        name = f"Stress{self.cid}x{self.serial}"
        c.cmd(f"CREATE {name}")
        r, _ = c.cmd(f"APPEND {name}", kind="APPEND", literal=make_message(self.rng, self.serial))
        got = {}

        def note(r):
            if r.word == "STATUS" and len(r.args) == 2 and isinstance(r.args[1], list):
                got.update(zip([str(k).upper() for k in r.args[1][0::2]], r.args[1][1::2]))

        c.cmd(f"STATUS {name} (MESSAGES UIDNEXT)", on_resp=note)
        if str(got.get("MESSAGES")) != "1":
            c.err("STATUS after APPEND to a new mailbox", f"{name}: {got}")
        c.cmd(f"DELETE {name}")
        return True

    def op_noop(self, c):
        c.cmd("NOOP")
        return True

    def op_check(self, c):
        c.cmd("CHECK")
        return True

    def op_idle(self, c):
        c.n += 1
        tag = f"c{self.cid}x{c.n}"
        self.shared.count("IDLE")
        c.send(f"{tag} IDLE\r\n".encode())
        while True:
            r = c.read()
            if r.kind == "cont":
                break
            if r.kind == "tagged":
                c.err("IDLE refused", r.raw.decode())
                return True
            c.untagged(r, "IDLE")
        c.current = "IDLE"
        end = time.time() + self.rng.uniform(0.05, 0.4)
        c.sock.settimeout(0.05)
        try:
            while time.time() < end:
                got = extract(c.buf)
                if got:
                    raw, c.buf = got
                    try:
                        resp = Resp(raw)
                    except ParseError as e:
                        c.err("malformed response", f"{e}: {raw[:300]!r}")
                        raise Fatal("malformed")
                    c.untagged(resp, "IDLE")
                    continue
                try:
                    data = c.sock.recv(65536)
                except (socket.timeout, ssl.SSLWantReadError):
                    continue
                if not data:
                    c.err("unexpected disconnect", "EOF during IDLE")
                    raise Fatal("eof")
                c.buf += data
        finally:
            c.sock.settimeout(self.a.timeout)
        c.send(b"DONE\r\n")
        while True:
            r = c.read()
            if r.kind == "untagged":
                c.untagged(r, "IDLE")
                continue
            if r.tag != tag or r.word != "OK":
                c.err("IDLE did not end OK", r.raw.decode("utf-8", "replace"))
                raise Fatal("idle")
            return True

    def op_select(self, c):
        self.select(c)
        return True

    def op_examine(self, c):
        """EXAMINE, look, SELECT again: read-only, and its \\Recent claims nothing."""
        c.reset_view()
        c.selects += 1
        c.read_only = True
        r, _ = c.cmd("EXAMINE INBOX")
        if r.word != "OK" or r.code != "READ-ONLY":
            c.err("EXAMINE not OK [READ-ONLY]", r.raw.decode("utf-8", "replace"))
        c.selected = True
        if c.uids:
            c.cmd("FETCH 1:* (UID FLAGS)", kind="FETCH", allow_no=("EXPUNGEISSUED",))
            r, _ = c.cmd("STORE 1 +FLAGS (\\Flagged)", kind="STORE", allow_no=("READ-ONLY",))
            if r.word == "OK":
                c.err("STORE allowed after EXAMINE", "RFC 9051 §6.3.3")
        self.select(c)
        return True

    def op_status(self, c):
        c.cmd(f"STATUS {OTHER_MAILBOX} (MESSAGES UIDNEXT UNSEEN)")
        return True

    def op_reconnect(self, c):
        c.cmd("LOGOUT")
        return False


# --- driver -------------------------------------------------------------------------------------

def rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def prepare(args, shared, rng):
    """Creates the COPY target mailbox and tops INBOX up to the target size."""
    c = Conn(args, shared, 0, rng, {})
    c.connect()
    r, _ = c.cmd(f"LOGIN {quote(args.user)} {quote(args.password)}")
    if r.word != "OK":
        sys.exit(f"login failed: {r.raw!r}")
    c.cmd(f"CREATE {OTHER_MAILBOX}", allow_no=("ALREADYEXISTS",))
    r, _ = c.cmd("SELECT INBOX")
    c.selected = True
    if c.uids:
        c.cmd("FETCH 1:* (UID FLAGS)")
        with shared.lock:
            for uid, fl in c.flags.items():
                if "\\deleted" in fl:
                    shared.ever_deleted.add(uid)
    for i in range(max(0, args.target - len(c.uids))):
        msg = make_message(rng, i)
        r, _ = c.cmd("APPEND INBOX", literal=msg)
        if r.code == "APPENDUID":
            shared.bodies[int(r.code_args[1])] = msg
    c.cmd("LOGOUT")
    c.close()
    shared.commands.clear()
    shared.recent_by.clear()


def checkpoint(clients, shared):
    """imaptest's checkpoint: with every client stopped, each session's NOOP must bring its
    view up to date, so the flags it was last shown for each message equal what a FETCH returns
    now, and all sessions agree on the messages."""
    views = []
    for cl in clients:
        c = cl.final
        if c is None:
            continue
        try:
            c.cmd("NOOP")
            before = {u: set(f) - {"\\recent"} for u, f in c.flags.items() if u in c.uids}
            if c.uids:
                c.cmd("FETCH 1:* (UID FLAGS)", kind="FETCH")
            for u, f in sorted(before.items()):
                now = c.flags.get(u, set()) - {"\\recent"}
                if u in c.uids and now != f:
                    c.err("flag change not announced", f"uid {u}: session shows {sorted(f)}, FETCH {sorted(now)}")
            views.append((cl.cid, list(c.uids)))
            c.cmd("LOGOUT")
        except Fatal:
            pass
        finally:
            c.close()
    distinct = {tuple(v) for _, v in views}
    if len(distinct) > 1:
        shared.error("sessions disagree on the mailbox after NOOP",
                     "; ".join(f"client {cid}: {len(v)} msgs, uids ..{v[-3:]}" for cid, v in views[:4]))
    return len(views)


def final_check(args, shared):
    with shared.lock:
        # COPY gives its flags to the copies (RFC 9051 §6.4.7): a copy of a message that may
        # have been \Deleted may be too, whatever order the copying sessions learnt it in.
        deleted = set(shared.ever_deleted)
        grew = True
        while grew:
            grew = False
            for a, b in shared.copies:
                if a in deleted and b not in deleted:
                    deleted.add(b)
                    grew = True
        wrong = sorted(shared.expunged - deleted - shared.moved)
    for uid, what, cid in shared.unfetched:
        if uid not in deleted and uid not in shared.moved:
            shared.error(f"{what} UID not fetchable", f"client {cid}: uid {uid}: {shared.history.get(uid)}")
    for uid in wrong[:3]:
        shared.error("expunged a message never marked \\Deleted", f"uid {uid}: {shared.history.get(uid)}")
    c = Conn(args, shared, 0, random.Random(0), {})
    try:
        c.connect()
        r, _ = c.cmd(f"LOGIN {quote(args.user)} {quote(args.password)}")
        c.cmd("SELECT INBOX")
        c.cmd("LOGOUT")
    except Fatal:
        shared.error("server not answering at the end", "a new connection failed")
    finally:
        c.close()


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=143)
    p.add_argument("--user", required=True)
    p.add_argument("--password", required=True)
    p.add_argument("-c", "--clients", type=int, default=10)
    p.add_argument("-s", "--seconds", type=float, default=30)
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--tls", action="store_true", help="implicit TLS (port 993)")
    p.add_argument("--starttls", action="store_true")
    p.add_argument("--cafile", help="verify the server certificate against this CA (else no check)")
    p.add_argument("--target", type=int, default=30, help="messages to keep in INBOX, about")
    p.add_argument("--timeout", type=float, default=30)
    p.add_argument("--server-pid", type=int, help="check this process is alive and its RSS stays bounded")
    p.add_argument("--max-rss-growth-mib", type=float, default=64,
                   help="RSS growth allowed from the first third of the run to the end")
    args = p.parse_args(argv)
    seed = args.seed if args.seed is not None else random.randrange(1 << 32)
    print(f"imap_stress: seed {seed}, {args.clients} clients, {args.seconds}s", flush=True)
    shared = Shared()
    rng = random.Random(seed)
    prepare(args, shared, rng)
    start = time.time()
    deadline = start + args.seconds
    clients = [Client(args, shared, i + 1, rng.randrange(1 << 32), deadline) for i in range(args.clients)]
    for cl in clients:
        cl.start()
    samples = []
    while any(cl.is_alive() for cl in clients):
        if args.server_pid:
            samples.append((time.time() - start, rss_kib(args.server_pid)))
        time.sleep(0.5)
        if time.time() > deadline + args.timeout + 10:
            shared.error("client hung", "threads still running after the deadline")
            break
    elapsed = time.time() - start
    synced = checkpoint(clients, shared)
    print(f"checkpoint: {synced} sessions compared")
    final_check(args, shared)
    if args.server_pid:
        alive = rss_kib(args.server_pid)
        if alive is None:
            shared.error("server process gone", f"pid {args.server_pid}")
        else:
            third = [r for t, r in samples if t >= args.seconds / 3 and r]
            if third and alive - third[0] > args.max_rss_growth_mib * 1024:
                shared.error("RSS grew", f"{third[0]} KiB at a third of the run -> {alive} KiB at the end")
            print(f"server RSS: {samples[0][1] if samples else '?'} KiB at start, {alive} KiB at the end")
    total = sum(shared.commands.values())
    print(f"{total} commands in {elapsed:.1f}s: {total / max(elapsed, 0.001):.0f}/s")
    print("  " + ", ".join(f"{k} {v}" for k, v in shared.commands.most_common()))
    if shared.allowed_no:
        print("allowed NO replies: " + ", ".join(f"{k} {v}" for k, v in shared.allowed_no.most_common()))
    if shared.errors:
        print(f"ERRORS (seed {seed}):")
        for kind, count in shared.errors.most_common():
            print(f"  {count:6d}  {kind}")
            for ex in shared.examples[kind]:
                print(f"            e.g. {ex}")
        return 1
    print("no errors")
    return 0


if __name__ == "__main__":
    sys.exit(main())
