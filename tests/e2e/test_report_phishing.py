"""Reporting phishing and spam (issue 17 item 4): `STORE +FLAGS ($Phishing)` or a move into the
report folder sends an ARF report (RFC 5965) with the message attached to the abuse address,
teaches the spam filter (the `learn-recorder` test plugin counts learn calls and writes them into
an `X-Learned` header of the next message, see test_learning.py), and moves the message to Junk.
Setting the flag twice, APPEND or COPY with it send nothing more; the per-account rate limit
holds."""

import email
import email.policy
import imaplib
import time

from conftest import wait_for
from test_learning import wait_learned
from test_plugins import plugin_server

ABUSE = "abuse-desk@example.org"
BOB = "bob@example.org"


def start(tmp_path, max_per_hour=20):
    srv = plugin_server(tmp_path, {"learn-recorder": "learn-recorder"}, f"""
[reports]
abuse_address = "{ABUSE}"
max_per_hour = {max_per_hour}
""")
    passwords = {a: srv.add_user(a) for a in (BOB, ABUSE)}
    return srv, passwords


def login(srv, address, password):
    m = imaplib.IMAP4_SSL("127.0.0.1", srv.port("imaps"), ssl_context=srv.ssl_context(), timeout=30)
    m.login(address, password)
    return m


def deliver(srv, subject):
    import smtplib
    raw = (f"From: \"Your Bank\" <security@phish.example>\r\nTo: {BOB}\r\nSubject: {subject}\r\n"
           f"Message-ID: <{subject}@phish.example>\r\n\r\nVerify your account at http://phish.example/\r\n")
    with smtplib.SMTP("127.0.0.1", srv.port("smtp"), local_hostname="evil.example", timeout=30) as s:
        s.sendmail("bounce@phish.example", [BOB], raw)


def uid_of(m, mailbox, subject):
    m.select(f'"{mailbox}"')
    typ, data = m.uid("SEARCH", None, "SUBJECT", subject)
    assert typ == "OK"
    uids = data[0].split()
    return uids[-1].decode() if uids else None


def raw_of(m, mailbox, subject):
    uid = uid_of(m, mailbox, subject)
    typ, data = m.uid("FETCH", uid, "(BODY.PEEK[])")
    return data[0][1]


def reports(srv, password):
    """The raw messages in the abuse account's INBOX."""
    a = login(srv, ABUSE, password)
    try:
        typ, data = a.select("INBOX")
        n = int(data[0])
        out = []
        for i in range(1, n + 1):
            typ, d = a.fetch(str(i), "(BODY.PEEK[])")
            out.append(d[0][1])
        return out
    finally:
        a.logout()


def check_arf(raw, original, feedback_type):
    msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    assert msg.get_content_type() == "multipart/report"
    assert msg.get_param("report-type") == "feedback-report"
    assert msg["Auto-Submitted"] == "auto-generated"
    human, fr, attached = msg.get_payload()
    assert human.get_content_type() == "text/plain"
    assert fr.get_content_type() == "message/feedback-report"
    fields = fr.get_payload(0)  # the fields parse as a header block
    assert fields["Feedback-Type"] == feedback_type
    assert fields["Version"] == "1"
    assert fields["User-Agent"].startswith("Mailsift/")
    # The envelope sender is known only from our Authentication-Results (smtp.mailfrom) or a
    # Return-Path; the test server checks no SPF, so the field may be absent, never wrong.
    assert fields["Original-Mail-From"] in (None, "<bounce@phish.example>"), fields.items()
    assert fields["Original-Rcpt-To"] == f"<{BOB}>"
    assert fields["Arrival-Date"]
    assert fields["Source-IP"] == "127.0.0.1"
    assert fields["Reported-Domain"] == "phish.example"
    assert attached.get_content_type() == "message/rfc822"
    assert attached["Content-Transfer-Encoding"] in ("7bit", "8bit", "binary")
    # The reported message travels intact, byte for byte.
    assert original in raw, "the original is not attached intact"
    assert attached.get_payload(0)["Subject"] == email.message_from_bytes(original)["Subject"]


def test_phishing_keyword_reports_learns_and_junks(tmp_path):
    srv, pw = start(tmp_path)
    try:
        deliver(srv, "phish-one")
        m = login(srv, BOB, pw[BOB])
        original = raw_of(m, "INBOX", "phish-one")
        uid = uid_of(m, "INBOX", "phish-one")
        # The keyword is announced and settable; set twice: still one report.
        assert m.uid("STORE", uid, "+FLAGS", "($Phishing)")[0] == "OK"
        m.uid("STORE", uid, "+FLAGS", "($Phishing)")
        assert wait_for(lambda: len(reports(srv, pw[ABUSE])) == 1, timeout=15, interval=0.3)
        check_arf(reports(srv, pw[ABUSE])[0], original, "fraud")

        # Moved to Junk, gone from INBOX, and learnt as spam.
        assert wait_for(lambda: uid_of(m, "INBOX", "phish-one") is None, timeout=10, interval=0.3)
        assert uid_of(m, "Junk", "phish-one") is not None
        got = wait_learned(srv, m, {"spam": 1})
        assert got["spam"] == "1" and got["ham"] == "0", got

        # In Junk the flag is already set: setting it again reports nothing. APPEND with the
        # keyword and COPY of a flagged message are no reports either.
        jn = uid_of(m, "Junk", "phish-one")
        m.uid("STORE", jn, "+FLAGS", "($Phishing)")
        assert m.uid("COPY", jn, "Archive")[0] == "OK"
        assert m.append("INBOX", "($Phishing)", None,
                        b"From: a@b.example\r\nSubject: appended\r\n\r\nx\r\n")[0] == "OK"
        time.sleep(2)
        assert len(reports(srv, pw[ABUSE])) == 1
        assert uid_of(m, "INBOX", "appended") is not None
        m.logout()
    finally:
        srv.stop()


def test_moving_into_the_report_folders(tmp_path):
    srv, pw = start(tmp_path)
    try:
        deliver(srv, "phish-two")
        deliver(srv, "spam-three")
        m = login(srv, BOB, pw[BOB])
        assert m.create('"Report phishing"')[0] == "OK"
        assert m.create('"Report spam"')[0] == "OK"
        original = raw_of(m, "INBOX", "phish-two")
        spam = raw_of(m, "INBOX", "spam-three")
        m.select("INBOX")
        assert m.uid("MOVE", uid_of(m, "INBOX", "phish-two"), '"Report phishing"')[0] == "OK"
        assert wait_for(lambda: len(reports(srv, pw[ABUSE])) == 1, timeout=15, interval=0.3)
        check_arf(reports(srv, pw[ABUSE])[0], original, "fraud")
        m.select("INBOX")
        assert m.uid("COPY", uid_of(m, "INBOX", "spam-three"), '"Report spam"')[0] == "OK"
        assert wait_for(lambda: len(reports(srv, pw[ABUSE])) == 2, timeout=15, interval=0.3)
        check_arf(reports(srv, pw[ABUSE])[1], spam, "abuse")

        # Out of the report folders into Junk; both learnt as spam.
        assert wait_for(lambda: uid_of(m, "Report phishing", "phish-two") is None, timeout=10, interval=0.3)
        assert wait_for(lambda: uid_of(m, "Report spam", "spam-three") is None, timeout=10, interval=0.3)
        assert uid_of(m, "Junk", "phish-two") is not None
        assert uid_of(m, "Junk", "spam-three") is not None
        assert uid_of(m, "INBOX", "phish-two") is None
        got = wait_learned(srv, m, {"spam": 2})
        assert got["spam"] == "2", got
        m.logout()
    finally:
        srv.stop()


def test_rate_limit_per_account(tmp_path):
    srv, pw = start(tmp_path, max_per_hour=2)
    try:
        for i in range(4):
            deliver(srv, f"flood-{i}")
        m = login(srv, BOB, pw[BOB])
        m.select("INBOX")
        typ, data = m.uid("SEARCH", None, "SUBJECT", "flood-")
        uids = b",".join(data[0].split()).decode()
        assert m.uid("STORE", uids, "+FLAGS.SILENT", "($Phishing)")[0] == "OK"
        # Every message goes to Junk, but only two reports leave.
        assert wait_for(lambda: uid_of(m, "INBOX", "flood-") is None, timeout=15, interval=0.3)
        m.select("Junk")
        typ, data = m.uid("SEARCH", None, "SUBJECT", "flood-")
        assert len(data[0].split()) == 4
        time.sleep(1)
        assert len(reports(srv, pw[ABUSE])) == 2
        m.logout()
    finally:
        srv.stop()
