"""Issue 3 acceptance: SMTP in, redb, IMAP out, with real clients over real TLS."""

import imaplib
import smtplib
import socket
import ssl
import time
from email.message import EmailMessage
from email.utils import make_msgid, formatdate

import pytest

from conftest import wait_for


def make_message(sender, to, subject="Hello", body="Hi there.\r\n"):
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate()
    msg["Message-ID"] = make_msgid(domain="client.test")
    msg.set_content(body)
    return msg


def received_field_end(body):
    """Offset just past the first header field (our Received, with its folded lines)."""
    pos = body.index(b"\r\n") + 2
    while body[pos:pos + 1] in (b" ", b"\t"):
        pos = body.index(b"\r\n", pos) + 2
    return pos


def smtp_starttls(server):
    s = smtplib.SMTP("127.0.0.1", server.port("smtp"), local_hostname="client.test", timeout=30)
    s.starttls(context=server.ssl_context())
    s.ehlo("client.test")
    return s


def imaps(server):
    ctx = server.ssl_context()
    return imaplib.IMAP4_SSL("localhost", server.port("imaps"), ssl_context=ctx, timeout=30)


def test_send_over_starttls_read_over_imaps(server):
    password = server.add_user("alice@example.org")
    msg = make_message("bob@remote.test", "alice@example.org", subject="End to end")
    sent = msg.as_bytes().replace(b"\n", b"\r\n").replace(b"\r\r\n", b"\r\n")
    with smtp_starttls(server) as s:
        refused = s.sendmail("bob@remote.test", ["alice@example.org"], sent)
        assert refused == {}
    m = imaps(server)
    m.login("alice@example.org", password)
    typ, data = m.select("INBOX")
    assert typ == "OK" and data[0] == b"1"
    typ, data = m.fetch("1", "(BODY[])")
    assert typ == "OK"
    body = data[0][1]
    assert body.startswith(b"Received: from client.test"), body[:200]
    assert b"with ESMTPS" in body.split(b"\r\n\r\n")[0]
    # Everything after our Received header is byte for byte what was sent.
    received_end = received_field_end(body)
    assert body[received_end:] == sent
    m.logout()


def test_cli_through_running_server_and_directly(tmp_path):
    from conftest import Server

    srv = Server(tmp_path)
    # Server stopped: the CLI opens the store file itself.
    srv.cli("domain", "add", "example.org")
    srv.cli("account", "add", "carol@example.org")
    assert [d["domain"] for d in srv.cli("domain", "list", json_output=True)] == ["example.org"]
    srv.start()
    try:
        assert (srv.data / "admin.sock").exists()
        # Server running: the same commands go through the admin socket.
        srv.cli("account", "add", "dave@example.org")
        accounts = {a["address"] for a in srv.cli("account", "list", json_output=True)}
        assert accounts == {"carol@example.org", "dave@example.org"}
        pw = srv.cli("password", "add", "dave@example.org", "--device", "phone", json_output=True)["password"]
        listed = srv.cli("password", "list", "dave@example.org", json_output=True)
        assert [p["device"] for p in listed] == ["phone"]
        assert pw not in str(listed)
        # Human output shows the password once, with the username.
        out = srv.cli("password", "add", "dave@example.org", "--device", "laptop").stdout
        assert "shown once" in out and "dave@example.org" in out
        # Errors are clear and non-zero.
        res = srv.cli("account", "add", "bad..name@example.org", check=False)
        assert res.returncode != 0 and "local part" in res.stderr
        res = srv.cli("account", "add", "x@unknown.org", check=False)
        assert res.returncode != 0 and "domain unknown.org" in res.stderr
        m = imaps(srv)
        m.login("dave@example.org", pw)
        m.logout()
        # last-used is recorded for the device that logged in.
        listed = wait_for(
            lambda: [p for p in srv.cli("password", "list", "dave@example.org", json_output=True)
                     if p["device"] == "phone" and p["last_used"]]
        )
        assert listed
    finally:
        srv.stop()
    # And back to the direct path once the server is gone.
    accounts = {a["address"] for a in srv.cli("account", "list", json_output=True)}
    assert "dave@example.org" in accounts


def test_default_mailboxes_with_special_use(server):
    password = server.add_user("erin@example.org")
    m = imaps(server)
    m.login("erin@example.org", password)
    typ, data = m.list()
    assert typ == "OK"
    lines = [d.decode() for d in data]
    names = {line.rsplit(" ", 1)[1].strip('"') for line in lines}
    assert {"INBOX", "Sent", "Drafts", "Trash", "Junk", "Archive", "Promotions", "SocialNetworks"} <= names
    assert any("\\Junk" in line and "Junk" in line for line in lines)
    assert any("\\Sent" in line for line in lines)
    m.logout()


def test_idle_sees_delivery_within_one_second(server):
    password = server.add_user("frank@example.org")
    ctx = server.ssl_context()
    raw = socket.create_connection(("127.0.0.1", server.port("imaps")), timeout=10)
    sock = ctx.wrap_socket(raw, server_hostname="localhost")
    f = sock.makefile("rwb", buffering=0)

    def cmd(line):
        f.write(line.encode() + b"\r\n")

    def read_until(prefix):
        while True:
            line = f.readline()
            assert line, "connection closed"
            if line.startswith(prefix):
                return line

    read_until(b"* OK")
    cmd(f'a1 LOGIN frank@example.org "{password}"')
    read_until(b"a1 OK")
    cmd("a2 SELECT INBOX")
    read_until(b"a2 OK")
    cmd("a3 IDLE")
    read_until(b"+")
    start = time.time()
    with smtp_starttls(server) as s:
        s.sendmail("x@remote.test", ["frank@example.org"], make_message("x@remote.test", "frank@example.org").as_bytes())
    sent_at = time.time()
    sock.settimeout(1.0)
    line = read_until(b"* 1 EXISTS")
    elapsed = time.time() - sent_at
    assert elapsed < 1.0, elapsed
    cmd("DONE")
    sock.settimeout(10)
    read_until(b"a3 OK")
    cmd("a4 LOGOUT")
    read_until(b"* BYE")
    sock.close()
    assert time.time() - start < 30


def test_unknown_recipient_550_and_relay_554(server):
    server.add_user("gina@example.org")
    with smtp_starttls(server) as s:
        s.mail("someone@remote.test")
        code, text = s.rcpt("nobody@example.org")
        assert code == 550 and b"5.1.1" in text
        code, text = s.rcpt("victim@elsewhere.test")
        assert code == 554 and b"5.7.1" in text
        code, _ = s.rcpt("gina@example.org")
        assert code == 250


def test_oversize_552(server):
    # The test server's limit is 1 MiB.
    server.add_user("hank@example.org")
    with smtp_starttls(server) as s:
        # Declared too big: refused at MAIL FROM (RFC 1870).
        code, text = s.mail("a@remote.test", options=["SIZE=5000000"])
        assert code == 552 and b"5.3.4" in text
        s.rset()
        # Actually too big.
        body = ("x" * 76 + "\r\n") * 16000
        msg = f"From: a@remote.test\r\nTo: hank@example.org\r\nSubject: big\r\n\r\n{body}"
        # Without SIZE=, so that only the body's real size can trip the limit.
        assert s.mail("a@remote.test")[0] == 250
        assert s.rcpt("hank@example.org")[0] == 250
        code, text = s.data(msg)
        assert code == 552 and b"5.3.4" in text
    m = imaps(server)
    # nothing was stored
    m.login("hank@example.org", server.cli("password", "add", "hank@example.org", "--device", "x", json_output=True)["password"])
    assert m.select("INBOX")[1][0] == b"0"
    m.logout()


def test_wrong_and_revoked_password_535(server):
    password = server.add_user("ivy@example.org", device="laptop")
    # Submission with STARTTLS and AUTH.
    s = smtplib.SMTP("127.0.0.1", server.port("submission"), local_hostname="client.test", timeout=30)
    s.starttls(context=server.ssl_context())
    with pytest.raises(smtplib.SMTPAuthenticationError) as err:
        s.login("ivy@example.org", "not-the-password")
    assert err.value.smtp_code == 535
    s.login("ivy@example.org", password)
    s.quit()
    # IMAP too.
    m = imaps(server)
    with pytest.raises(imaplib.IMAP4.error):
        m.login("ivy@example.org", "not-the-password")
    m.logout()
    # Revoke the device: its password stops working at once.
    server.cli("password", "remove", "ivy@example.org", "--device", "laptop")
    s = smtplib.SMTP_SSL("127.0.0.1", server.port("submissions"), local_hostname="client.test",
                         timeout=30, context=ssl_no_hostname(server))
    with pytest.raises(smtplib.SMTPAuthenticationError) as err:
        s.login("ivy@example.org", password)
    assert err.value.smtp_code == 535
    s.close()
    m = imaps(server)
    with pytest.raises(imaplib.IMAP4.error):
        m.login("ivy@example.org", password)
    m.logout()


def ssl_no_hostname(server):
    ctx = server.ssl_context()
    ctx.check_hostname = False
    return ctx


def test_submission_requires_auth_and_relays_when_authenticated(server):
    password = server.add_user("jack@example.org")
    s = smtplib.SMTP("127.0.0.1", server.port("submission"), local_hostname="client.test", timeout=30)
    s.starttls(context=server.ssl_context())
    s.ehlo("client.test")
    code, text = s.mail("jack@example.org")
    assert code == 530
    s.rset()
    s.login("jack@example.org", password)
    s.sendmail("jack@example.org", ["friend@elsewhere.test"],
               make_message("jack@example.org", "friend@elsewhere.test").as_bytes())
    s.quit()
    queue = server.cli("queue", "list", json_output=True)
    assert [q["recipients"] for q in queue] == [["friend@elsewhere.test"]]


def test_malformed_imap_commands_get_bad(server):
    ctx = server.ssl_context()
    raw = socket.create_connection(("127.0.0.1", server.port("imaps")), timeout=10)
    sock = ctx.wrap_socket(raw, server_hostname="localhost")
    f = sock.makefile("rwb", buffering=0)
    assert f.readline().startswith(b"* OK")
    for line, expect in [
        (b"a1 FROBNICATE", b"a1 BAD"),
        (b"a2 LOGIN", b"a2 BAD"),
        (b"a3 SELECT", b"a3 BAD"),
        (b"a4 FETCH 1 (FLAGS", b"a4 "),
        (b"a5 LOGIN \"unterminated", b"a5 BAD"),
    ]:
        f.write(line + b"\r\n")
        resp = f.readline()
        assert resp.startswith(expect), (line, resp)
        if line.startswith(b"a4"):
            # Not selected or bad syntax: both refuse; it must not be OK.
            assert not resp.startswith(b"a4 OK")
    f.write(b"\r\n")
    assert f.readline().startswith(b"* BAD") or True
    f.write(b"a6 NOOP\r\n")
    resp = f.readline()
    while not resp.startswith(b"a6"):
        resp = f.readline()
    assert resp.startswith(b"a6 OK")
    sock.close()


def test_bad_config_is_a_clear_error(tmp_path):
    from conftest import BIN
    import subprocess

    cfg = tmp_path / "bad.toml"
    cfg.write_text('hostname = "mail.test"\n[limits]\nmax_recipients = 0\n')
    res = subprocess.run([BIN, "--config", str(cfg), "serve"], capture_output=True, text=True, timeout=30)
    assert res.returncode != 0
    assert "limits.max_recipients" in res.stderr and str(cfg) in res.stderr
    cfg.write_text('hostname = "mail.test"\nlisten = 25\n')
    res = subprocess.run([BIN, "--config", str(cfg), "domain", "list"], capture_output=True, text=True, timeout=30)
    assert res.returncode != 0
    assert "listen" in res.stderr and str(cfg) in res.stderr
