"""MULTIAPPEND (RFC 3502) over IMAPS: several messages in one APPEND with synchronizing and
LITERAL+ literals, APPENDUID with a UID set, and all-or-none (quota on the total, bad syntax)."""

import imaplib
import re

USER = "multi@example.org"


def msg(n, size=0):
    return (f"From: a@remote.test\r\nTo: {USER}\r\nSubject: part {n}\r\n\r\n" + "x" * size + "\r\n").encode()


def connect(server, password):
    m = imaplib.IMAP4_SSL("127.0.0.1", server.port("imaps"), ssl_context=server.ssl_context(), timeout=30)
    m.login(USER, password)
    return m


def raw_append(m, parts, sync=True):
    """APPEND "Drafts" with several messages; parts are (flags, date, bytes). Returns the tagged line."""
    tag = m._new_tag().decode()  # noqa: SLF001
    head = f'{tag} APPEND "Drafts"'.encode()
    chunks = []
    for flags, date, data in parts:
        head += b" "
        if flags:
            head += f"({flags}) ".encode()
        if date:
            head += f'"{date}" '.encode()
        head += f"{{{len(data)}{'' if sync else '+'}}}".encode()
        chunks.append((head, data))
        head = b""
    for i, (line, data) in enumerate(chunks):
        m.send(line + b"\r\n")
        if sync:
            cont = m.readline()
            if not cont.startswith(b"+"):
                return cont.decode().rstrip()
        m.send(data)
    m.send(b"\r\n")
    while True:
        line = m.readline().decode().rstrip()
        if line.startswith(tag + " "):
            return line


def count(m, mailbox="Drafts"):
    typ, data = m.status(mailbox, "(MESSAGES)")
    return int(re.search(rb"MESSAGES (\d+)", data[0]).group(1))


def test_multiappend(server):
    password = server.add_user(USER)
    m = connect(server, password)
    assert "MULTIAPPEND" in m.capability()[1][0].decode().split()
    line = raw_append(m, [("\\Seen", "01-Feb-2024 10:00:00 +0000", msg(1)), (None, None, msg(2)),
                          ("\\Flagged $Work", None, msg(3))])
    assert re.match(r"\S+ OK \[APPENDUID \d+ 1:3\]", line), line
    line = raw_append(m, [(None, None, msg(4)), (None, None, msg(5))], sync=False)
    assert re.match(r"\S+ OK \[APPENDUID \d+ 4:5\]", line), line
    assert m.select("Drafts")[0] == "OK"
    typ, data = m.fetch("1:5", "(FLAGS INTERNALDATE BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    text = b" ".join(d[0] + d[1] if isinstance(d, tuple) else d for d in data)
    for n in range(1, 6):
        assert f"part {n}".encode() in text
    assert b"01-Feb-2024 10:00:00 +0000" in text and b"$Work" in text
    m.logout()


def test_multiappend_all_or_none(server):
    password = server.add_user(USER)
    m = connect(server, password)
    before = count(m)
    # A syntax error in the third message: nothing of the first two is stored.
    line = raw_append(m, [(None, None, msg(1)), (None, None, msg(2)), (None, "not a date", msg(3))],
                      sync=False)
    assert " BAD " in line, line
    assert count(m) == before
    # Each message fits the quota, the three together do not: NO [OVERQUOTA], nothing stored.
    server.cli("account", "quota", USER, "20K")
    line = raw_append(m, [(None, None, msg(i, 8000)) for i in range(3)])
    assert "NO [OVERQUOTA]" in line, line
    assert count(m) == before
    line = raw_append(m, [(None, None, msg(i, 8000)) for i in range(2)])
    assert " OK " in line, line
    assert count(m) == before + 2
    m.logout()
