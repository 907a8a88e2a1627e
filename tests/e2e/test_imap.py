"""IMAP command coverage with python imaplib, over STARTTLS (143) and implicit TLS (993)."""

import imaplib
import re
import smtplib

import pytest

MULTIPART = (
    "From: Zoe Sender <zoe@remote.test>\r\n"
    "To: Nina <nina@example.org>\r\n"
    "Cc: other@remote.test\r\n"
    "Subject: Quarterly report\r\n"
    "Date: Tue, 10 Nov 2026 09:30:00 +0100\r\n"
    "Message-ID: <report-1@remote.test>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"XYZ\"\r\n"
    "\r\n"
    "--XYZ\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "\r\n"
    "Please find the numbers attached.\r\n"
    "--XYZ\r\n"
    "Content-Type: application/pdf; name=\"report.pdf\"\r\n"
    "Content-Disposition: attachment; filename=\"report.pdf\"\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "JVBERi0xLjQKJcfsj6IKNSAwIG9iago=\r\n"
    "--XYZ--\r\n"
)


def deliver(server, to, raw, sender="zoe@remote.test"):
    with smtplib.SMTP("127.0.0.1", server.port("smtp"), local_hostname="client.test", timeout=30) as s:
        s.starttls(context=server.ssl_context())
        s.sendmail(sender, [to], raw)


def simple(subject, body="hello", sender="zoe@remote.test", to="nina@example.org"):
    return (f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\n"
            f"Date: Mon, 23 Nov 2026 10:00:00 +0000\r\n\r\n{body}\r\n")


@pytest.fixture
def mailbox(server):
    password = server.add_user("nina@example.org")
    deliver(server, "nina@example.org", MULTIPART)
    deliver(server, "nina@example.org", simple("lunch tomorrow", "pizza or sushi?"))
    deliver(server, "nina@example.org", simple("Invoice 42", "amount due", sender="billing@shop.test"))
    m = imaplib.IMAP4_SSL("127.0.0.1", server.port("imaps"), ssl_context=server.ssl_context(), timeout=30)
    m.login("nina@example.org", password)
    yield m, password
    try:
        m.logout()
    except Exception:  # noqa: BLE001 - already closed by the test
        pass


def test_starttls_and_authenticate_plain(server):
    password = server.add_user("olga@example.org")
    m = imaplib.IMAP4("127.0.0.1", server.port("imap"), timeout=30)
    assert "STARTTLS" in m.capabilities and "LOGINDISABLED" in m.capabilities
    typ, _ = m._simple_command("LOGIN", "olga@example.org", password)  # noqa: SLF001
    assert typ == "NO"
    m.starttls(ssl_context=server.ssl_context())
    assert "AUTH=PLAIN" in m.capabilities
    m.authenticate("PLAIN", lambda _: f"\0olga@example.org\0{password}".encode())
    assert m.state == "AUTH"
    m.logout()


def test_capability_namespace_id_enable(mailbox):
    m, _ = mailbox
    caps = m.capability()[1][0].decode()
    for cap in ("IMAP4rev1", "IMAP4rev2", "IDLE", "UIDPLUS", "MOVE", "SPECIAL-USE", "NAMESPACE", "ID", "ENABLE"):
        assert cap in caps.split(), cap
    typ, data = m._simple_command("NAMESPACE")  # noqa: SLF001
    assert typ == "OK"
    assert m.untagged_responses.pop("NAMESPACE")[0] == b'(("" "/")) NIL NIL'
    typ, data = m.xatom("ID", '("name" "pytest")')
    assert typ == "OK"
    assert b"Mailsift" in m.untagged_responses.pop("ID")[0]
    typ, data = m.enable("UTF8=ACCEPT")
    assert typ == "OK"


def test_fetch_items(mailbox):
    m, _ = mailbox
    typ, data = m.select("INBOX")
    assert data[0] == b"3"
    typ, data = m.fetch("1", "(FLAGS UID INTERNALDATE RFC822.SIZE ENVELOPE)")
    line = data[0].decode()
    assert "UID 1" in line and "RFC822.SIZE" in line and "INTERNALDATE" in line
    assert '"Quarterly report"' in line and '("Zoe Sender" NIL "zoe" "remote.test")' in line
    typ, data = m.fetch("1", "(BODYSTRUCTURE)")
    bs = data[0].decode()
    assert '"mixed"' in bs.lower() and '"application" "pdf"' in bs.lower() and "report.pdf" in bs
    typ, data = m.fetch("1", "(BODY.PEEK[1])")
    assert data[0][1] == b"Please find the numbers attached."
    typ, data = m.fetch("1", "(BODY.PEEK[2.MIME])")
    assert b"Content-Disposition: attachment" in data[0][1]
    typ, data = m.fetch("1", "(BODY.PEEK[HEADER.FIELDS (SUBJECT FROM)])")
    assert data[0][1].startswith(b"From: Zoe") and b"Subject: Quarterly report" in data[0][1]
    typ, data = m.fetch("1", "(BODY.PEEK[]<0.10>)")
    assert data[0][1] == b"Received: "
    typ, data = m.fetch("1", "(RFC822.HEADER)")
    assert data[0][1].endswith(b"\r\n\r\n")
    # PEEK did not set \Seen; BODY[] does.
    typ, data = m.fetch("1", "(FLAGS)")
    assert b"\\Seen" not in data[0]
    typ, data = m.fetch("1", "(BODY[TEXT])")
    typ, data = m.fetch("1", "(FLAGS)")
    assert b"\\Seen" in data[0]


def test_store_and_search(mailbox):
    m, _ = mailbox
    m.select("INBOX")
    typ, data = m.store("2", "+FLAGS", "(\\Flagged $Important)")
    assert typ == "OK" and b"\\Flagged" in data[0] and b"$Important" in data[0]
    assert m.search(None, "FLAGGED")[1][0] == b"2"
    assert m.search(None, "KEYWORD", "$Important")[1][0] == b"2"
    assert m.search(None, "UNFLAGGED")[1][0] == b"1 3"
    assert m.search(None, "SUBJECT", "invoice")[1][0] == b"3"
    assert m.search(None, "FROM", "billing@shop.test")[1][0] == b"3"
    assert m.search(None, "TO", "nina")[1][0] == b"1 2 3"
    assert m.search(None, "BODY", "sushi")[1][0] == b"2"
    assert m.search(None, "TEXT", '"numbers attached"')[1][0] == b"1"
    assert m.search(None, "HEADER", "Message-ID", "report-1")[1][0] == b"1"
    assert m.search(None, "SENTBEFORE", "15-Nov-2026")[1][0] == b"1"
    assert m.search(None, "SINCE", "1-Jan-2020")[1][0] == b"1 2 3"
    assert m.search(None, "OR", "SUBJECT", "lunch", "SUBJECT", "invoice")[1][0] == b"2 3"
    assert m.search(None, "NOT", "SUBJECT", "lunch")[1][0] == b"1 3"
    assert m.search(None, "2:3", "UNSEEN")[1][0] == b"2 3"
    assert m.uid("SEARCH", "UID", "2:*")[1][0] == b"2 3"
    assert m.search(None, "LARGER", "300")[1][0] == b"1"
    m.store("2", "FLAGS", "(\\Seen)")
    typ, data = m.fetch("2", "(FLAGS)")
    assert b"\\Flagged" not in data[0] and b"\\Seen" in data[0]
    m.store("2", "-FLAGS.SILENT", "(\\Seen)")
    typ, data = m.fetch("2", "(FLAGS)")
    # Only \Recent is left: this session was the first to select the mailbox (RFC 3501 §2.3.2).
    assert b"FLAGS (\\Recent)" in data[0]


def test_copy_move_expunge_with_uidplus(mailbox):
    m, _ = mailbox
    m.select("INBOX")
    typ, data = m.uid("COPY", "1", "Archive")
    assert typ == "OK"
    # imaplib files the tagged response code under its name.
    code = m.response("COPYUID")[1][0]
    assert re.fullmatch(rb"\d+ 1 1", code), code
    typ, data = m.uid("MOVE", "2", "Trash")
    assert typ == "OK"
    assert m.select("INBOX")[1][0] == b"2"
    m.store("1", "+FLAGS", "(\\Deleted)")
    typ, data = m.expunge()
    assert data == [b"1"]
    assert m.select("INBOX")[1][0] == b"1"
    assert m.select("Archive")[1][0] == b"1"
    assert m.select("Trash")[1][0] == b"1"
    # UID EXPUNGE only removes the given UIDs.
    m.select("INBOX")
    m.store("1", "+FLAGS", "(\\Deleted)")
    typ, _ = m.uid("EXPUNGE", "999")
    assert typ == "OK" and m.select("INBOX")[1][0] == b"1"
    # COPY to a mailbox that does not exist: TRYCREATE.
    typ, data = m.copy("1", "Nowhere")
    assert typ == "NO" and b"TRYCREATE" in data[0]


def test_mailbox_management_and_status(mailbox):
    m, _ = mailbox
    assert m.create("Work/Projects")[0] == "OK"
    assert m.subscribe("Work/Projects")[0] == "OK"
    typ, data = m.list('""', "Work*")
    names = [d.decode() for d in data]
    assert any(n.endswith('"Work"') and "\\HasChildren" in n for n in names)
    assert any(n.endswith('"Work/Projects"') for n in names)
    assert m.rename("Work/Projects", "Work/Done")[0] == "OK"
    assert m.create("Work/Done")[0] == "NO"
    assert m.unsubscribe("Work/Done")[0] == "OK"
    lsub = [d.decode() for d in m.lsub('""', "*")[1]]
    assert not any("Work/Done" in n for n in lsub) and any('"INBOX"' in n for n in lsub)
    assert m.subscribe("Work/Done")[0] == "OK"
    assert m.delete("Work/Done")[0] == "OK"
    assert m.delete("INBOX")[0] == "NO"
    typ, data = m.status("INBOX", "(MESSAGES UNSEEN UIDNEXT UIDVALIDITY SIZE)")
    line = data[0].decode()
    assert "MESSAGES 3" in line and "UNSEEN 3" in line and "UIDNEXT 4" in line
    typ, data = m._simple_command("LIST", '""', '"*"', "RETURN", "(SPECIAL-USE)")  # noqa: SLF001
    assert typ == "OK"
    listed = [d.decode() for d in m.untagged_responses.pop("LIST")]
    assert any("\\Junk" in n and '"Junk"' in n for n in listed)
    # A non-ASCII mailbox name round-trips in modified UTF-7.
    assert m.create("&AMk-t&AOk-")[0] == "OK"  # "Été"
    assert any("&AMk-t&AOk-" in d.decode() for d in m.list('""', "*")[1])


def test_append_with_flags_and_appenduid(mailbox):
    m, _ = mailbox
    msg = simple("draft", "unsent").encode()
    typ, data = m.append("Drafts", "(\\Draft \\Seen)", imaplib.Time2Internaldate(1700000000), msg)
    assert typ == "OK" and b"APPENDUID" in data[0]
    m.select("Drafts")
    typ, data = m.fetch("1", "(FLAGS INTERNALDATE BODY.PEEK[])")
    assert b"\\Draft" in data[0][0] and b"14-Nov-2023" in data[0][0]
    assert data[0][1] == msg
    typ, data = m.append("Missing", None, None, msg)
    assert typ == "NO" and b"TRYCREATE" in data[0]


def test_append_keeps_the_zone_of_internaldate(mailbox):
    """APPEND's date-time keeps its zone (RFC 9051 §6.3.12): FETCH INTERNALDATE gives it back
    as sent, COPY keeps it, and SEARCH ON/BEFORE/SINCE compare the date in that zone, not in
    UTC (§6.4.4; imaptest's search-intdate case)."""
    m, _ = mailbox
    assert m.create("Zones")[0] == "OK"
    msg = simple("zoned", "late evening").encode()
    # 00:30 on the 21st at +0200 is 22:30 on the 20th in UTC.
    assert m.append("Zones", None, '"21-Mar-2007 00:30:00 +0200"', msg)[0] == "OK"
    assert m.append("Zones", None, '"20-Mar-2007 10:00:00 -0730"', msg)[0] == "OK"
    assert m.select("Zones")[0] == "OK"
    typ, data = m.fetch("1:2", "(INTERNALDATE)")
    got = b" ".join(d if isinstance(d, bytes) else d[0] for d in data).decode()
    assert 'INTERNALDATE "21-Mar-2007 00:30:00 +0200"' in got, got
    assert 'INTERNALDATE "20-Mar-2007 10:00:00 -0730"' in got, got
    assert m.search(None, "ON", "21-Mar-2007")[1][0] == b"1"
    assert m.search(None, "ON", "20-Mar-2007")[1][0] == b"2"
    assert m.search(None, "SINCE", "21-Mar-2007")[1][0] == b"1"
    assert m.search(None, "BEFORE", "21-Mar-2007")[1][0] == b"2"
    assert m.copy("1", "INBOX")[0] == "OK"
    assert m.select("INBOX")[0] == "OK"
    typ, data = m.search(None, "ON", "21-Mar-2007")
    last = data[0].split()[-1].decode()
    typ, data = m.fetch(last, "(INTERNALDATE)")
    assert b'INTERNALDATE "21-Mar-2007 00:30:00 +0200"' in data[0], data


def test_examine_is_read_only(mailbox):
    m, _ = mailbox
    typ, data = m.select("INBOX", readonly=True)
    assert typ == "OK"
    typ, data = m.store("1", "+FLAGS", "(\\Seen)")
    assert typ == "NO"
    m.fetch("1", "(BODY[])")
    m.select("INBOX")
    assert b"\\Seen" not in m.fetch("1", "(FLAGS)")[1][0]


def test_two_sessions_see_each_others_changes(server, mailbox):
    m, password = mailbox
    other = imaplib.IMAP4_SSL("127.0.0.1", server.port("imaps"), ssl_context=server.ssl_context(), timeout=30)
    other.login("nina@example.org", password)
    m.select("INBOX")
    other.select("INBOX")
    other.store("1", "+FLAGS", "(\\Answered)")
    other.store("3", "+FLAGS", "(\\Deleted)")
    other.expunge()
    m.noop()
    responses = dict(m.untagged_responses)
    assert responses.get("EXPUNGE") == [b"3"], responses
    assert any(b"\\Answered" in f for f in responses.get("FETCH", [])), responses
    other.logout()
