"""CONDSTORE and QRESYNC (RFC 7162) over implicit TLS with python imaplib: MODSEQ, CHANGEDSINCE,
UNCHANGEDSINCE with [MODIFIED], SEARCH MODSEQ, STATUS HIGHESTMODSEQ, and a client that
disconnects, lets another session change flags, expunge and append, survives a server restart,
and resynchronises with SELECT (QRESYNC ...): exactly the vanished UIDs, the changed flags with
their MODSEQ and the new messages. `QresyncClient` is such a client: it keeps a local copy of a
mailbox and resynchronises it the way a QRESYNC mail client does."""

import imaplib
import re

import pytest

USER = "quinn@example.org"


def connect(server, password):
    m = imaplib.IMAP4_SSL("127.0.0.1", server.port("imaps"), ssl_context=server.ssl_context(), timeout=30)
    m.login(USER, password)
    return m


def run(m, name, *args, selected=False):
    """Sends a raw command; returns (status, tagged text, untagged responses by type)."""
    m.untagged_responses.clear()
    try:
        typ, data = m._simple_command(name, *args)  # noqa: SLF001
    except imaplib.IMAP4.error as e:
        if "command error: BAD" not in str(e):
            raise
        return "BAD", str(e), {}
    if selected and typ == "OK":
        m.state = "SELECTED"
    text = b" ".join(d for d in data if isinstance(d, bytes)).decode()
    untagged = {k: list(v) for k, v in m.untagged_responses.items()}
    m.untagged_responses.clear()
    return typ, text, untagged


def fetches(untagged):
    """FETCH responses as {uid: (flags set, modseq or None)}."""
    out = {}
    for item in untagged.get("FETCH", []):
        line = item.decode() if isinstance(item, bytes) else item[0].decode()
        uid = int(re.search(r"UID (\d+)", line).group(1))
        flags = re.search(r"FLAGS \(([^)]*)\)", line)
        modseq = re.search(r"MODSEQ \((\d+)\)", line)
        # \Recent is a session flag (RFC 3501 §2.3.2), not state a client caches: left out.
        shown = set(flags.group(1).split()) - {"\\Recent"} if flags else None
        out[uid] = (shown, int(modseq.group(1)) if modseq else None)
    return out


def uids_of(spec):
    out = set()
    for part in spec.split(","):
        if ":" in part:
            a, b = (int(x) for x in part.split(":"))
            out.update(range(min(a, b), max(a, b) + 1))
        elif part:
            out.add(int(part))
    return out


def vanished(untagged, earlier=True):
    out = set()
    for item in untagged.get("VANISHED", []):
        text = item.decode()
        if earlier:
            assert text.startswith("(EARLIER) "), text
            text = text[len("(EARLIER) "):]
        else:
            assert not text.startswith("("), text
        out |= uids_of(text)
    return out


def highest(untagged):
    return int(untagged["HIGHESTMODSEQ"][0])


def append(m, subject, flags=""):
    raw = f"From: a@remote.test\r\nTo: {USER}\r\nSubject: {subject}\r\n\r\nbody\r\n".encode()
    typ, _ = m.append("INBOX", f"({flags})" if flags else None, None, raw)
    assert typ == "OK"


@pytest.fixture
def account(server):
    password = server.add_user(USER)
    m = connect(server, password)
    for i in range(1, 7):
        append(m, f"message {i}")
    m.logout()
    return password


class QresyncClient:
    """A mail client's offline cache of INBOX, kept current with QRESYNC (RFC 7162 §3.2.5)."""

    def __init__(self, server, password):
        self.server, self.password = server, password
        self.uidvalidity = None
        self.modseq = None
        self.messages = {}  # uid -> flags
        self.last = None  # what the last resync reported

    def sync(self):
        m = connect(self.server, self.password)
        typ, text, u = run(m, "ENABLE", "QRESYNC")
        assert typ == "OK" and u.get("ENABLED") == [b"QRESYNC"], (text, u)
        param = f" (QRESYNC ({self.uidvalidity} {self.modseq}))" if self.modseq else ""
        typ, text, u = run(m, "SELECT", "INBOX" + param, selected=True)
        assert typ == "OK", text
        uidvalidity = int(u["UIDVALIDITY"][0])
        gone, changed = vanished(u), fetches(u)
        if uidvalidity != self.uidvalidity:
            # First sync (or the mailbox was recreated): fetch everything.
            typ, text, full = run(m, "UID", "FETCH", "1:*", "(FLAGS)")
            assert typ == "OK", text
            self.messages = {uid: flags for uid, (flags, _) in fetches(full).items()}
        else:
            for uid in gone:
                self.messages.pop(uid, None)
            for uid, (flags, modseq) in changed.items():
                assert modseq is not None and modseq > self.modseq, (uid, modseq)
                self.messages[uid] = flags
        self.uidvalidity, self.modseq = uidvalidity, highest(u)
        self.last = (gone, changed)
        m.logout()


def truth(server, password):
    m = connect(server, password)
    m.select("INBOX", readonly=True)
    typ, _, u = run(m, "UID", "FETCH", "1:*", "(FLAGS)")
    assert typ == "OK"
    m.logout()
    return {uid: flags for uid, (flags, _) in fetches(u).items()}


def test_capabilities_modseq_changedsince_unchangedsince_search_status(server, account):
    m = connect(server, account)
    caps = m.capability()[1][0].decode().split()
    assert "CONDSTORE" in caps and "QRESYNC" in caps
    typ, text, u = run(m, "SELECT", "INBOX (CONDSTORE)", selected=True)
    assert typ == "OK", text
    h0 = highest(u)
    assert h0 >= 6
    # Nothing changed since h0.
    typ, _, u = run(m, "FETCH", "1:*", "(FLAGS)", "(CHANGEDSINCE %d)" % h0)
    assert typ == "OK" and "FETCH" not in u, u
    # A STORE reports the new MODSEQ (CONDSTORE enabled by SELECT (CONDSTORE)).
    typ, _, u = run(m, "STORE", "2", "+FLAGS", "(\\Flagged)")
    f = fetches(u)
    assert typ == "OK" and f[2][0] == {"\\Flagged"} and f[2][1] > h0, u
    h1 = f[2][1]
    # CHANGEDSINCE returns only the changed message, with its MODSEQ.
    typ, _, u = run(m, "UID", "FETCH", "1:*", "(FLAGS)", "(CHANGEDSINCE %d)" % h0)
    assert fetches(u) == {2: ({"\\Flagged"}, h1)}, u
    # UNCHANGEDSINCE: message 2 changed after h0, so only 3 is stored; [MODIFIED 2].
    typ, text, u = run(m, "STORE", "2:3", "(UNCHANGEDSINCE %d)" % h0, "+FLAGS", "(\\Seen)")
    assert typ == "OK" and "[MODIFIED 2]" in text, text
    f = fetches(u)
    assert set(f) == {3} and f[3][0] == {"\\Seen"} and f[3][1] > h1, u
    h2 = f[3][1]
    typ, text, u = run(m, "UID", "STORE", "2", "(UNCHANGEDSINCE %d)" % h0, "FLAGS.SILENT", "()")
    assert typ == "OK" and "[MODIFIED 2]" in text, text
    # .SILENT with CONDSTORE still reports the MODSEQ of what changed.
    typ, text, u = run(m, "UID", "STORE", "4", "(UNCHANGEDSINCE %d)" % h2, "+FLAGS.SILENT", "(\\Answered)")
    f = fetches(u)
    assert typ == "OK" and "MODIFIED" not in text and f[4][0] is None and f[4][1] > h2, (text, u)
    # SEARCH MODSEQ: the matches and the highest modseq among them.
    typ, _, u = run(m, "SEARCH", "MODSEQ", str(h0 + 1))
    line = u["SEARCH"][0].decode()
    assert line == "2 3 4 (MODSEQ %d)" % f[4][1], line
    # ESEARCH (RFC 4731 §3.2): with only MIN and/or MAX, MODSEQ is that of the messages
    # returned; with ALL or COUNT, the highest of every match (imaptest's esearch-condstore).
    for returns, expected in [
        ("MIN", "MIN 2 MODSEQ %d" % h1),
        ("MAX", "MAX 4 MODSEQ %d" % f[4][1]),
        ("MIN MAX", "MIN 2 MAX 4 MODSEQ %d" % f[4][1]),
        ("MIN COUNT", "MIN 2 COUNT 3 MODSEQ %d" % f[4][1]),
    ]:
        typ, _, u = run(m, "SEARCH", "RETURN", "(%s)" % returns, "MODSEQ", str(h0 + 1))
        line = u["ESEARCH"][0].decode()
        assert typ == "OK" and line.endswith(") " + expected), (returns, line)
    # STATUS HIGHESTMODSEQ from a second session, and its flag change seen with MODSEQ here.
    other = connect(server, account)
    typ, data = other.status("INBOX", "(HIGHESTMODSEQ)")
    assert typ == "OK" and f"HIGHESTMODSEQ {f[4][1]}" in data[0].decode(), data
    other.select("INBOX")
    other.store("5", "+FLAGS", "($Important)")
    other.logout()
    typ, _, u = run(m, "NOOP")
    f5 = fetches(u)
    assert f5[5][0] == {"$Important"} and f5[5][1] > f[4][1], u
    m.logout()


def test_qresync_resync_after_disconnect_changes_and_restart(server, account):
    a = connect(server, account)
    typ, _, u = run(a, "ENABLE", "QRESYNC")
    assert u["ENABLED"] == [b"QRESYNC"]
    typ, _, u = run(a, "SELECT", "INBOX", selected=True)
    uidvalidity, h = int(u["UIDVALIDITY"][0]), highest(u)
    a.logout()

    # Another session, without CONDSTORE: a flag change, two expunges, one new message.
    b = connect(server, account)
    b.select("INBOX")
    b.uid("STORE", "2", "+FLAGS", "(\\Seen)")
    b.uid("STORE", "3,5", "+FLAGS", "(\\Deleted)")
    b.expunge()
    append(b, "message 7", "\\Flagged")
    b.logout()

    server.stop()
    server.start()

    # The client comes back: exactly what it missed.
    a = connect(server, account)
    typ, _, u = run(a, "SELECT", "INBOX (QRESYNC (%d %d))" % (uidvalidity, h), selected=True)
    assert typ == "BAD", "QRESYNC parameter without ENABLE QRESYNC"
    run(a, "ENABLE", "QRESYNC")
    typ, text, u = run(a, "SELECT", "INBOX (QRESYNC (%d %d))" % (uidvalidity, h), selected=True)
    assert typ == "OK", text
    assert vanished(u) == {3, 5}, u
    f = fetches(u)
    assert set(f) == {2, 7}, u
    assert f[2][0] == {"\\Seen"} and f[7][0] == {"\\Flagged"}, f
    assert all(m > h for _, m in f.values())
    h2 = highest(u)
    assert h2 >= max(m for _, m in f.values())

    # known-uids narrows both answers.
    typ, _, u = run(a, "SELECT", "INBOX (QRESYNC (%d %d 1:4))" % (uidvalidity, h), selected=True)
    assert "CLOSED" in u, u  # RFC 7162 §3.2.11: between the old mailbox's responses and the new
    assert vanished(u) == {3} and set(fetches(u)) == {2}, u
    # A UIDVALIDITY the client got wrong: no VANISHED, no FETCH; it must start over.
    typ, _, u = run(a, "SELECT", "INBOX (QRESYNC (%d %d))" % (uidvalidity + 1, h), selected=True)
    assert "VANISHED" not in u and "FETCH" not in u, u

    # UID FETCH (CHANGEDSINCE ... VANISHED), limited to the set asked for.
    typ, _, u = run(a, "UID", "FETCH", "1:6", "(FLAGS)", "(CHANGEDSINCE %d VANISHED)" % h)
    assert typ == "OK" and vanished(u) == {3, 5} and set(fetches(u)) == {2}, u
    typ, _, u = run(a, "FETCH", "1:*", "(FLAGS)", "(CHANGEDSINCE %d VANISHED)" % h)
    assert typ == "BAD", "VANISHED only with UID FETCH"

    # After ENABLE QRESYNC, expunges of another session arrive as VANISHED, never EXPUNGE.
    b = connect(server, account)
    b.select("INBOX")
    b.uid("STORE", "1", "+FLAGS", "(\\Deleted)")
    b.expunge()
    b.logout()
    typ, _, u = run(a, "NOOP")
    assert "EXPUNGE" not in u and vanished(u, earlier=False) == {1}, u
    # And its own EXPUNGE too.
    a.uid("STORE", "4", "+FLAGS", "(\\Deleted)")
    typ, _, u = run(a, "EXPUNGE")
    assert typ == "OK" and "EXPUNGE" not in u and vanished(u, earlier=False) == {4}, u
    typ, _, u = run(a, "SELECT", "INBOX (QRESYNC (%d %d))" % (uidvalidity, h2), selected=True)
    assert vanished(u) == {1, 4} and "FETCH" not in u, u
    # MOVE (RFC 6851 §4.3) announces the moved message as VANISHED too.
    typ, _, u = run(a, "UID", "MOVE", "6", "Archive")
    assert typ == "OK" and "EXPUNGE" not in u and vanished(u, earlier=False) == {6}, u
    a.logout()


def test_a_qresync_client_keeps_its_cache_in_step(server, account):
    client = QresyncClient(server, account)
    client.sync()
    assert client.messages == truth(server, account) and len(client.messages) == 6

    other = connect(server, account)
    other.select("INBOX")
    other.uid("STORE", "1:2", "+FLAGS", "(\\Answered $Work)")
    other.uid("STORE", "6", "+FLAGS", "(\\Deleted)")
    other.expunge()
    append(other, "new one")
    other.logout()
    client.sync()
    gone, changed = client.last
    assert gone == {6} and set(changed) == {1, 2, 7}, client.last
    assert client.messages == truth(server, account)

    # Nothing changed: nothing reported.
    client.sync()
    assert client.last == (set(), {}), client.last

    server.stop()
    server.start()
    other = connect(server, account)
    other.select("INBOX")
    other.uid("STORE", "3", "-FLAGS", "($Work)")  # no change: not reported
    other.uid("STORE", "4", "+FLAGS", "(\\Seen)")
    other.logout()
    client.sync()
    gone, changed = client.last
    assert gone == set() and set(changed) == {4}, client.last
    assert client.messages == truth(server, account)


def test_held_back_expunge_lowers_the_announced_highestmodseq(server, account):
    """RFC 7162 erratum 1810: during FETCH an expunge cannot be announced; the flag changes sent
    meanwhile come with a HIGHESTMODSEQ below that expunge, so a client that stops there and
    resynchronises later still learns of it."""
    a = connect(server, account)
    run(a, "ENABLE", "QRESYNC")
    typ, _, u = run(a, "SELECT", "INBOX", selected=True)
    uidvalidity, h = int(u["UIDVALIDITY"][0]), highest(u)
    b = connect(server, account)
    b.select("INBOX")
    b.uid("STORE", "3", "+FLAGS", "(\\Deleted)")
    b.expunge()
    b.uid("STORE", "2", "+FLAGS", "(\\Seen)")
    b.logout()
    typ, _, u = run(a, "FETCH", "1", "(FLAGS)")
    assert "VANISHED" not in u and set(fetches(u)) == {1, 2}, u
    resume = highest(u)
    assert resume == h, u
    a.logout()
    a = connect(server, account)
    run(a, "ENABLE", "QRESYNC")
    typ, _, u = run(a, "SELECT", "INBOX (QRESYNC (%d %d))" % (uidvalidity, resume), selected=True)
    assert vanished(u) == {3}, u
    a.logout()
