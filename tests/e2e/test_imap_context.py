"""CONTEXT=SEARCH (RFC 5267 §4) over IMAPS with raw imaplib commands: PARTIAL windows of SEARCH
and SORT results, UPDATE searches kept current while a second session appends, flags and
expunges, and CANCELUPDATE."""

import imaplib
import re

import pytest

MSG = "From: a@example.org\r\nTo: ctx@example.org\r\nSubject: {subject}\r\n\r\nbody {n}\r\n"


def connect(server, password):
    m = imaplib.IMAP4_SSL("127.0.0.1", server.port("imaps"), ssl_context=server.ssl_context(), timeout=30)
    m.login("ctx@example.org", password)
    return m


def run(m, command):
    """Sends one command; returns (status, untagged lines, tag); the tagged line is in m.last_tagged."""
    tag = m._new_tag().decode()  # noqa: SLF001
    m.send(f"{tag} {command}\r\n".encode())
    lines = []
    while True:
        line = m.readline().decode("utf-8", "replace").rstrip("\r\n")
        if line.startswith(tag + " "):
            m.last_tagged = line
            return line.split(" ", 2)[1], lines, tag
        lines.append(line)


@pytest.fixture
def sessions(server):
    password = server.add_user("ctx@example.org")
    a, b = connect(server, password), connect(server, password)
    for n in range(1, 11):
        typ, data = a.append("INBOX", None, None, MSG.format(subject=f"s{n:02}", n=n).encode())
        assert typ == "OK", data
    assert a.select("INBOX")[0] == "OK"
    assert b.select("INBOX")[0] == "OK"
    yield a, b
    a.logout()
    b.logout()


def esearch(lines, tag):
    return [l for l in lines if l.startswith(f'* ESEARCH (TAG "{tag}")')]


def test_capability(sessions):
    a, _ = sessions
    caps = a.capability()[1][0].decode().split()
    assert "CONTEXT=SEARCH" in caps
    assert "CONTEXT=SORT" not in caps


def test_partial_windows(sessions):
    a, _ = sessions
    status, lines, tag = run(a, "SEARCH RETURN (PARTIAL 3:5) ALL")
    assert status == "OK"
    assert esearch(lines, tag) == [f'* ESEARCH (TAG "{tag}") PARTIAL (3:5 3:5)']
    status, lines, tag = run(a, "UID SEARCH RETURN (COUNT PARTIAL 9:20) ALL")
    assert esearch(lines, tag) == [f'* ESEARCH (TAG "{tag}") UID COUNT 10 PARTIAL (9:20 9:10)']
    status, lines, tag = run(a, "SEARCH RETURN (PARTIAL 20:11) ALL")
    assert esearch(lines, tag) == [f'* ESEARCH (TAG "{tag}") PARTIAL (11:20 NIL)']
    status, lines, tag = run(a, "SEARCH RETURN (PARTIAL -1:-2) ALL")
    assert esearch(lines, tag) == [f'* ESEARCH (TAG "{tag}") PARTIAL (-1:-2 9:10)']
    status, lines, tag = run(a, "SORT RETURN (PARTIAL 1:3) (REVERSE SUBJECT) UTF-8 ALL")
    assert status == "OK"
    assert esearch(lines, tag) == [f'* ESEARCH (TAG "{tag}") PARTIAL (1:3 10,9,8)']
    for bad in ("SEARCH RETURN (PARTIAL 0:3) ALL", "SEARCH RETURN (ALL PARTIAL 1:3) ALL",
                "SEARCH RETURN (PARTIAL 1:-3) ALL", "SEARCH RETURN (PARTIAL) ALL"):
        assert run(a, bad)[0] == "BAD", bad


def test_update_follows_other_session(sessions):
    a, b = sessions
    status, lines, tag = run(a, "UID SEARCH RETURN (UPDATE) UNSEEN")
    assert status == "OK"
    assert esearch(lines, tag) == [f'* ESEARCH (TAG "{tag}") UID ALL 1:10']
    # Flags set by another session take messages out of the result.
    assert b.uid("STORE", "2,4", "+FLAGS", "(\\Seen)")[0] == "OK"
    _, lines, _ = run(a, "NOOP")
    assert esearch(lines, tag) == [f'* ESEARCH (TAG "{tag}") UID REMOVEFROM (0 2,4)']
    # A delivery (APPEND by another session) adds to it; a flag removed brings one back.
    assert b.append("INBOX", None, None, MSG.format(subject="new", n=11).encode())[0] == "OK"
    assert b.uid("STORE", "4", "-FLAGS", "(\\Seen)")[0] == "OK"
    _, lines, _ = run(a, "NOOP")
    assert esearch(lines, tag) == [f'* ESEARCH (TAG "{tag}") UID ADDTO (0 4,11)']
    # An expunge removes it.
    assert b.uid("STORE", "5", "+FLAGS", "(\\Deleted)")[0] == "OK"
    assert b.expunge()[0] == "OK"
    _, lines, _ = run(a, "NOOP")
    assert esearch(lines, tag) == [f'* ESEARCH (TAG "{tag}") UID REMOVEFROM (0 5)']
    assert "* 5 EXPUNGE" in lines
    # This session's own STORE is reflected too.
    _, lines, _ = run(a, "UID STORE 1 +FLAGS (\\Seen)")
    assert esearch(lines, tag) == [f'* ESEARCH (TAG "{tag}") UID REMOVEFROM (0 1)']
    # Nothing changed: no update.
    _, lines, _ = run(a, "NOOP")
    assert esearch(lines, tag) == []


def test_cancelupdate_stops_updates(sessions):
    a, b = sessions
    _, _, tag = run(a, "UID SEARCH RETURN (UPDATE) UNSEEN")
    status, _, _ = run(a, f'CANCELUPDATE "{tag}"')
    assert status == "OK"
    assert b.uid("STORE", "3", "+FLAGS", "(\\Seen)")[0] == "OK"
    _, lines, _ = run(a, "NOOP")
    assert esearch(lines, tag) == []
    assert any(re.match(r"\* \d+ FETCH", l) for l in lines)
    # Cancelling what is not kept is an error.
    assert run(a, f'CANCELUPDATE "{tag}"')[0] == "BAD"


def test_update_searches_are_bounded(sessions):
    a, b = sessions
    tags = []
    for _ in range(10):
        status, lines, tag = run(a, "UID SEARCH RETURN (UPDATE) UNSEEN")
        assert status == "OK" and not any("NOUPDATE" in l for l in lines)
        tags.append(tag)
    status, lines, tag = run(a, "UID SEARCH RETURN (UPDATE) UNSEEN")
    assert status == "OK"
    assert f'* OK [NOUPDATE "{tag}"]' in " ".join(lines)
    assert esearch(lines, tag) == [f'* ESEARCH (TAG "{tag}") UID ALL 1:10']
    assert b.uid("STORE", "7", "+FLAGS", "(\\Seen)")[0] == "OK"
    _, lines, _ = run(a, "NOOP")
    for t in tags:
        assert esearch(lines, t) == [f'* ESEARCH (TAG "{t}") UID REMOVEFROM (0 7)']
    assert esearch(lines, tag) == []
    # Reselecting ends them all.
    assert a.select("INBOX")[0] == "OK"
    assert b.uid("STORE", "8", "+FLAGS", "(\\Seen)")[0] == "OK"
    _, lines, _ = run(a, "NOOP")
    assert not [l for l in lines if "ESEARCH" in l]
    # Only ALL results are kept current; COUNT with UPDATE is answered without updates.
    status, lines, tag = run(a, "UID SEARCH RETURN (COUNT UPDATE) UNSEEN")
    assert status == "OK" and f'* OK [NOUPDATE "{tag}"]' in " ".join(lines)
    assert esearch(lines, tag) == [f'* ESEARCH (TAG "{tag}") UID COUNT 8']


def test_update_during_idle_and_positional_keys(sessions):
    a, b = sessions
    _, lines, body_tag = run(a, "UID SEARCH RETURN (UPDATE) BODY \"body 1\"")
    assert esearch(lines, body_tag) == [f'* ESEARCH (TAG "{body_tag}") UID ALL 1,10']
    # Sequence-number keys change meaning when messages go: re-evaluated over the mailbox.
    _, lines, seq_tag = run(a, "UID SEARCH RETURN (UPDATE) 9:*")
    assert esearch(lines, seq_tag) == [f'* ESEARCH (TAG "{seq_tag}") UID ALL 9:10']
    tag = a._new_tag().decode()  # noqa: SLF001
    a.send(f"{tag} IDLE\r\n".encode())
    assert a.readline().startswith(b"+")
    assert b.append("INBOX", None, None, MSG.format(subject="late", n=12).encode())[0] == "OK"
    assert b.uid("STORE", "1", "+FLAGS", "(\\Deleted)")[0] == "OK"
    assert b.expunge()[0] == "OK"
    got = []
    while len([l for l in got if "ESEARCH" in l]) < 4:
        got.append(a.readline().decode().rstrip("\r\n"))
    a.send(b"DONE\r\n")
    while not got[-1].startswith(tag + " "):
        got.append(a.readline().decode().rstrip("\r\n"))
    assert got[-1].startswith(f"{tag} OK")
    assert f'* ESEARCH (TAG "{body_tag}") UID ADDTO (0 11)' in got  # "body 12", the new UID 11
    assert f'* ESEARCH (TAG "{body_tag}") UID REMOVEFROM (0 1)' in got
    # After the expunge, 9:* is UIDs 10 and 11.
    assert f'* ESEARCH (TAG "{seq_tag}") UID REMOVEFROM (0 9)' in got
    assert f'* ESEARCH (TAG "{seq_tag}") UID ADDTO (0 11)' in got


def test_update_of_a_search_by_sequence_numbers(sessions):
    """A SEARCH (not UID SEARCH) kept current speaks message sequence numbers, without the UID
    indicator; a message expunged from its result is removed in the numbering the client
    still has, before the EXPUNGE that renumbers (RFC 5267 §4.3; imaptest's
    search-context-update cases)."""
    a, b = sessions
    # Sequence numbers no longer equal UIDs: UID 1 goes, so message n is UID n + 1.
    assert b.uid("STORE", "1", "+FLAGS", "(\\Deleted)")[0] == "OK"
    assert b.expunge()[0] == "OK"
    _, lines, _ = run(a, "NOOP")
    assert "* 1 EXPUNGE" in lines
    status, lines, tag = run(a, "SEARCH RETURN (UPDATE) SEEN")
    assert status == "OK"
    assert esearch(lines, tag) == [f'* ESEARCH (TAG "{tag}")']
    _, lines, _ = run(a, "STORE 2,4,6 +FLAGS (\\Seen)")
    assert esearch(lines, tag) == [f'* ESEARCH (TAG "{tag}") ADDTO (0 2,4,6)']
    # Message 4 (UID 5) expunged by the other session.
    assert b.uid("STORE", "5", "+FLAGS", "(\\Deleted)")[0] == "OK"
    assert b.expunge()[0] == "OK"
    _, lines, _ = run(a, "NOOP")
    assert esearch(lines, tag) == [f'* ESEARCH (TAG "{tag}") REMOVEFROM (0 4)'], lines
    assert lines.index(f'* ESEARCH (TAG "{tag}") REMOVEFROM (0 4)') < lines.index("* 4 EXPUNGE")
    # Old message 6 is message 5 now (UID 7): unseen by the other session.
    assert b.uid("STORE", "7", "-FLAGS", "(\\Seen)")[0] == "OK"
    _, lines, _ = run(a, "NOOP")
    assert esearch(lines, tag) == [f'* ESEARCH (TAG "{tag}") REMOVEFROM (0 5)'], lines
    # A new message that matches: added by its sequence number, after its EXISTS.
    assert b.append("INBOX", "(\\Seen)", None, MSG.format(subject="new", n=11).encode())[0] == "OK"
    _, lines, _ = run(a, "NOOP")
    assert esearch(lines, tag) == [f'* ESEARCH (TAG "{tag}") ADDTO (0 9)'], lines
    assert lines.index("* 9 EXISTS") < lines.index(f'* ESEARCH (TAG "{tag}") ADDTO (0 9)')
