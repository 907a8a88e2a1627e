"""POP3 with real clients over TLS to localhost: python poplib (POP3_SSL on the 995-style
listener and STLS on the 110-style one), curl (pop3s:// and pop3:// with --ssl-reqd) and
fetchmail (implicit TLS and STLS, mda to a file), each checking what was fetched and that
deletions happen at QUIT only."""

import imaplib
import os
import poplib
import smtplib
import subprocess

import pytest


def deliver(server, to, subject, body="hello"):
    raw = (f"From: zoe@remote.test\r\nTo: {to}\r\nSubject: {subject}\r\n"
           f"Date: Mon, 23 Nov 2026 10:00:00 +0000\r\n\r\n{body}\r\n")
    with smtplib.SMTP("127.0.0.1", server.port("smtp"), local_hostname="client.test", timeout=30) as s:
        s.starttls(context=server.ssl_context())
        s.sendmail("zoe@remote.test", [to], raw)


def inbox_subjects(server, user, password):
    m = imaplib.IMAP4_SSL("127.0.0.1", server.port("imaps"), ssl_context=server.ssl_context(), timeout=30)
    m.login(user, password)
    m.select("INBOX")
    _, data = m.search(None, "ALL")
    out = []
    for num in data[0].split():
        _, d = m.fetch(num, "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
        out.append(d[0][1].decode().strip().removeprefix("Subject: "))
    m.logout()
    return out


@pytest.fixture
def account(server):
    password = server.add_user("paul@example.org")
    for s in ("first", "second", "third"):
        deliver(server, "paul@example.org", s, body=f"body of {s}\r\n.dot line")
    return "paul@example.org", password


def pop3s(server):
    return poplib.POP3_SSL("localhost", server.port("pop3s"), context=server.ssl_context(), timeout=30)


def test_poplib_pop3_ssl_every_command_and_quit(server, account):
    user, password = account
    p = pop3s(server)
    caps = p.capa()
    for cap in ("TOP", "UIDL", "USER", "SASL", "RESP-CODES", "PIPELINING"):
        assert cap in caps, caps
    assert "STLS" not in caps
    p.user(user)
    p.pass_(password)
    count, size = p.stat()
    assert count == 3 and size > 0
    _, listing, _ = p.list()
    assert [line.split()[0] for line in listing] == [b"1", b"2", b"3"]
    _, uidl, _ = p.uidl()
    assert len(uidl) == 3
    _, lines, _ = p.retr(2)
    text = b"\r\n".join(lines).decode()
    assert "Subject: second" in text
    # poplib undoes the dot-stuffing: the line is back as it was sent.
    assert b".dot line" in lines
    _, top, _ = p.top(1, 0)
    assert top[-1] == b"" and b"Subject: first" in top
    p.dele(1)
    p.dele(3)
    assert p.stat()[0] == 1
    p.rset()
    assert p.stat()[0] == 3
    p.dele(1)
    p.noop()
    # Not yet deleted: IMAP still sees three messages.
    assert len(inbox_subjects(server, user, password)) == 3
    p.quit()
    assert inbox_subjects(server, user, password) == ["second", "third"]
    # UIDL is stable: the next session lists the same ids for what is left.
    p = pop3s(server)
    p.user(user)
    p.pass_(password)
    _, again, _ = p.uidl()
    assert [line.split()[1] for line in again] == [line.split()[1] for line in uidl[1:]]
    p.quit()


def test_poplib_stls_and_a_dropped_session_deletes_nothing(server, account):
    user, password = account
    p = poplib.POP3("localhost", server.port("pop3"), timeout=30)
    assert "STLS" in p.capa() and "USER" not in p.capa()
    with pytest.raises(poplib.error_proto, match=r"\[AUTH\]"):
        p.user(user)
    p.stls(context=server.ssl_context())
    assert "USER" in p.capa()
    p.user(user)
    p.pass_(password)
    p.dele(1)
    p.dele(2)
    # Gone without QUIT: nothing is deleted.
    p.sock.close()
    p.file.close()
    assert len(inbox_subjects(server, user, password)) == 3


def test_poplib_second_session_is_refused_in_use(server, account):
    user, password = account
    first = pop3s(server)
    first.user(user)
    first.pass_(password)
    second = pop3s(server)
    second.user(user)
    with pytest.raises(poplib.error_proto, match=r"\[IN-USE\]"):
        second.pass_(password)
    first.quit()
    second.user(user)
    second.pass_(password)
    assert second.stat()[0] == 3
    second.quit()


def curl(server, url, user, password, *extra):
    port = int(url.rsplit(":", 1)[1].split("/")[0])
    args = ["curl", "-sS", "--resolve", f"localhost:{port}:127.0.0.1",
            "--cacert", str(server.data / "tls" / "cert.pem"),
            "--user", f"{user}:{password}", *extra, url]
    res = subprocess.run(args, capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    return res.stdout


def test_curl_pop3s_and_pop3_with_stls(server, account):
    user, password = account
    listing = curl(server, f"pop3s://localhost:{server.port('pop3s')}/", user, password)
    assert [line.split()[0] for line in listing.splitlines()] == ["1", "2", "3"]
    msg = curl(server, f"pop3s://localhost:{server.port('pop3s')}/2", user, password)
    assert "Subject: second" in msg and "\n.dot line" in msg
    # STLS required (--ssl-reqd), with curl's AUTH PLAIN after the upgrade.
    msg = curl(server, f"pop3://localhost:{server.port('pop3')}/3", user, password, "--ssl-reqd")
    assert "Subject: third" in msg
    # DELE through a custom request: applied at curl's QUIT.
    curl(server, f"pop3s://localhost:{server.port('pop3s')}/1", user, password,
         "--request", "DELE", "--list-only")
    assert inbox_subjects(server, user, password) == ["second", "third"]


@pytest.mark.parametrize("mode", ["ssl", "stls"])
def test_fetchmail_fetches_and_deletes(server, account, tmp_path, mode):
    user, password = account
    mbox = tmp_path / "mbox"
    port = server.port("pop3s" if mode == "ssl" else "pop3")
    tls = "ssl" if mode == "ssl" else "sslproto tls1.2+"
    rc = tmp_path / "fetchmailrc"
    rc.write_text(
        f'poll localhost with proto POP3 port {port}\n'
        f'  user "{user}" there with password "{password}"\n'
        f'  {tls} sslcertck sslcertfile "{server.data / "tls" / "cert.pem"}"\n'
        f'  mda "cat >> {mbox}"\n')
    os.chmod(rc, 0o600)
    env = dict(os.environ, HOME=str(tmp_path), FETCHMAILHOME=str(tmp_path))
    res = subprocess.run(["fetchmail", "-f", str(rc), "--nosyslog", "-v", "--nodetach"],
                         capture_output=True, text=True, timeout=120, env=env)
    assert res.returncode == 0, res.stdout + res.stderr
    fetched = mbox.read_text()
    for s in ("first", "second", "third"):
        assert f"Subject: {s}" in fetched, fetched
    # fetchmail deletes what it fetched (no `keep`); the server removed it at QUIT.
    assert inbox_subjects(server, user, password) == []
    if mode == "stls":
        assert "STLS" in res.stdout + res.stderr
