"""OBJECTID (RFC 8474) over IMAPS: MAILBOXID on CREATE, SELECT, STATUS and LIST RETURN STATUS,
kept by RENAME; EMAILID kept by COPY; THREADID NIL; all stable across a server restart."""

import imaplib
import re

MSG = b"From: a@remote.test\r\nTo: oid@example.org\r\nSubject: ids\r\nMessage-ID: <oid-1@t>\r\n\r\nbody\r\n"


def connect(server, password):
    m = imaplib.IMAP4_SSL("127.0.0.1", server.port("imaps"), ssl_context=server.ssl_context(), timeout=30)
    m.login("oid@example.org", password)
    return m


def mailbox_id_of(m, name):
    typ, data = m.status(name, "(MAILBOXID MESSAGES)")
    assert typ == "OK", data
    return re.search(rb"MAILBOXID \(([A-Za-z0-9_-]{1,255})\)", data[0]).group(1).decode()


def email_ids(m, mailbox):
    assert m.select(mailbox)[0] == "OK"
    typ, data = m.fetch("1:*", "(EMAILID THREADID)")
    assert typ == "OK"
    lines = [d for d in data if isinstance(d, bytes)]
    for line in lines:
        assert b"THREADID NIL" in line
    return [re.search(rb"EMAILID \(([A-Za-z0-9_-]{1,255})\)", line).group(1).decode() for line in lines]


def test_object_ids_stable(server):
    password = server.add_user("oid@example.org")
    m = connect(server, password)
    assert "OBJECTID" in m.capability()[1][0].decode().split()
    typ, data = m.create("Projects")
    assert typ == "OK"
    created = re.search(rb"\[MAILBOXID \(([A-Za-z0-9_-]+)\)\]", data[0]).group(1).decode()
    assert mailbox_id_of(m, "Projects") == created
    inbox = mailbox_id_of(m, "INBOX")
    assert inbox != created
    # LIST RETURN (STATUS (MAILBOXID)) (RFC 5819 + RFC 8474).
    typ, _ = m._simple_command("LIST", '""', "Projects", "RETURN", "(STATUS (MAILBOXID))")  # noqa: SLF001
    assert typ == "OK"
    assert f"MAILBOXID ({created})".encode() in m.untagged_responses.pop("STATUS")[0]
    # RENAME keeps the id (§4); SELECT announces it.
    assert m.rename("Projects", "Work")[0] == "OK"
    assert mailbox_id_of(m, "Work") == created
    typ, _ = m.select("Work")
    assert typ == "OK"
    assert any(f"MAILBOXID ({created})".encode() in r for r in m.untagged_responses.get("OK", []))
    # EMAILID: same for a COPY, different for other content.
    assert m.append("Work", None, None, MSG)[0] == "OK"
    assert m.append("Work", None, None, MSG.replace(b"body", b"other"))[0] == "OK"
    ids = email_ids(m, "Work")
    assert len(ids) == 2 and ids[0] != ids[1]
    assert m.copy("1", "INBOX")[0] == "OK"
    assert email_ids(m, "INBOX") == [ids[0]]
    m.logout()

    server.stop()
    server.start()
    m = connect(server, password)
    assert mailbox_id_of(m, "Work") == created
    assert mailbox_id_of(m, "INBOX") == inbox
    assert email_ids(m, "Work") == ids
    m.logout()
