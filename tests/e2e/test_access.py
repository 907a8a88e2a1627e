"""Access controls of the reference service (issue 16): a domain in maintenance (mail still
received; IMAP, ManageSieve and submission logins refused with a clear text; open sessions
ended), a blocked account (logins refused, mail still received), and the per-account storage
quota (RFC 9208): 452 4.2.2 on delivery, NO [OVERQUOTA] on APPEND and COPY, GETQUOTAROOT,
usage freed by EXPUNGE and kept across a restart. Real binary, real sockets on 127.0.0.1."""

import base64
import imaplib
import poplib
import smtplib
import socket
import ssl
import time

import pytest

from conftest import Server

USER = "alice@example.org"
OTHER = "bob@other.test"


def deliver(srv, to, raw, sender="zoe@remote.test"):
    with smtplib.SMTP("127.0.0.1", srv.port("smtp"), local_hostname="client.test", timeout=30) as s:
        s.starttls(context=srv.ssl_context())
        s.sendmail(sender, [to], raw)


def message(subject, size=100):
    body = ("x" * 76 + "\r\n") * max(1, size // 78)
    return (f"From: zoe@remote.test\r\nTo: {USER}\r\nSubject: {subject}\r\n"
            f"Date: Mon, 23 Nov 2026 10:00:00 +0000\r\n\r\n{body}")


def imap(srv):
    return imaplib.IMAP4_SSL("127.0.0.1", srv.port("imaps"), ssl_context=srv.ssl_context(), timeout=30)


def read_until(s, marker: bytes, limit: float = 10.0) -> bytes:
    out = b""
    deadline = time.time() + limit
    while marker not in out and time.time() < deadline:
        b = s.recv(4096)
        if not b:
            break
        out += b
    return out


def read_line(s) -> bytes:
    out = b""
    while not out.endswith(b"\n"):
        b = s.recv(1)
        if not b:
            break
        out += b
    return out


def closed_within(s, seconds: float) -> tuple[bool, bytes]:
    s.settimeout(seconds)
    data = b""
    try:
        while True:
            b = s.recv(65536)
            if not b:
                return True, data
            data += b
    except (ConnectionResetError, ssl.SSLError, BrokenPipeError):
        return True, data
    except (socket.timeout, TimeoutError):
        return False, data


def imap_idle(srv, user, password):
    """A raw IMAPS session logged in, INBOX selected, in IDLE."""
    s = srv.ssl_context().wrap_socket(
        socket.create_connection(("127.0.0.1", srv.port("imaps")), timeout=10), server_hostname="localhost")
    read_line(s)
    s.sendall(f'a LOGIN {user} "{password}"\r\n'.encode())
    assert b"a OK" in read_until(s, b"a OK")
    s.sendall(b"b SELECT INBOX\r\nc IDLE\r\n")
    assert b"\r\n+ " in read_until(s, b"\r\n+ ")
    return s


def sieve_session(srv):
    """A ManageSieve session after STARTTLS, before authentication."""
    s = socket.create_connection(("127.0.0.1", srv.port("managesieve")), timeout=10)
    read_until(s, b"OK")
    s.sendall(b"STARTTLS\r\n")
    read_line(s)
    t = srv.ssl_context().wrap_socket(s, server_hostname="localhost")
    read_until(t, b"OK")
    return t


def sieve_auth(t, user, password) -> bytes:
    token = base64.b64encode(f"\0{user}\0{password}".encode()).decode()
    t.sendall(f'AUTHENTICATE "PLAIN" "{token}"\r\n'.encode())
    return read_line(t)


def imap_login_error(srv, user, password) -> str:
    m = imap(srv)
    try:
        m.login(user, password)
    except imaplib.IMAP4.error as e:
        return str(e)
    finally:
        try:
            m.logout()
        except Exception:  # noqa: BLE001 - the server may have closed it
            pass
    raise AssertionError("the login was accepted")


def submission_auth(srv, user, password):
    with smtplib.SMTP_SSL("127.0.0.1", srv.port("submissions"), context=srv.ssl_context(),
                          local_hostname="client.test", timeout=30) as s:
        s.ehlo()
        token = base64.b64encode(f"\0{user}\0{password}".encode()).decode()
        return s.docmd("AUTH", f"PLAIN {token}")


# ---- maintenance ------------------------------------------------------------------------------


def test_maintenance_refuses_logins_keeps_reception_and_ends_open_sessions(server):
    password = server.add_user(USER)
    other = server.add_user(OTHER)
    idle = imap_idle(server, USER, password)
    sieve = sieve_session(server)
    assert sieve_auth(sieve, USER, password).startswith(b"OK")
    bystander = imap(server)
    bystander.login(OTHER, other)
    bystander.select("INBOX")

    started = time.time()
    shown = server.cli("domain", "maintenance", "example.org", "on", json_output=True)
    assert shown["maintenance"] is True
    # Open sessions of the domain end within seconds (the store's change event), in IDLE too.
    closed, data = closed_within(idle, 10)
    assert closed and b"* BYE" in data, data
    closed, data = closed_within(sieve, 10)
    assert closed and b"BYE" in data, data
    assert time.time() - started < 10
    # Another domain's session goes on.
    assert bystander.noop()[0] == "OK"

    # New logins are refused with RFC 5530 UNAVAILABLE and a clear text.
    err = imap_login_error(server, USER, password)
    assert "[UNAVAILABLE]" in err and "example.org is in maintenance" in err, err
    t = sieve_session(server)
    reply = sieve_auth(t, USER, password)
    assert reply.startswith(b"NO (TRYLATER)") and b"example.org is in maintenance" in reply, reply
    t.close()
    code, text = submission_auth(server, USER, password)
    assert (code, text[:5]) == (454, b"4.7.0") and b"maintenance" in text, (code, text)
    # POP3: RFC 3206 [SYS/TEMP] with the same words.
    p = poplib.POP3_SSL("localhost", server.port("pop3s"), context=server.ssl_context(), timeout=30)
    p.user(USER)
    with pytest.raises(poplib.error_proto) as refused:
        p.pass_(password)
    assert b"[SYS/TEMP]" in refused.value.args[0] and b"example.org is in maintenance" in refused.value.args[0]
    p.close()
    # A wrong password still reads as a wrong password.
    assert "AUTHENTICATIONFAILED" in imap_login_error(server, USER, "wrong-password")

    # Mail is still received and stored.
    deliver(server, USER, message("during maintenance"))
    listed = server.cli("domain", "list", json_output=True)
    assert any(d["domain"] == "example.org" and d.get("maintenance") for d in listed), listed
    assert "maintenance       ON" in server.cli("domain", "show", "example.org").stdout

    server.cli("domain", "maintenance", "example.org", "off")
    m = imap(server)
    m.login(USER, password)
    typ, data = m.select("INBOX")
    assert typ == "OK" and data[0] == b"1"
    typ, data = m.fetch("1", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    assert b"during maintenance" in data[0][1]
    m.logout()
    t = sieve_session(server)
    assert sieve_auth(t, USER, password).startswith(b"OK")
    t.close()
    bystander.logout()


# ---- blocked account ----------------------------------------------------------------------------


def test_blocked_account_is_refused_everywhere_but_still_receives_mail(server):
    password = server.add_user(USER)
    server.cli("account", "block", USER)
    err = imap_login_error(server, USER, password)
    assert "[AUTHORIZATIONFAILED]" in err and "blocked" in err, err
    t = sieve_session(server)
    reply = sieve_auth(t, USER, password)
    assert reply.startswith(b"NO") and b"This account is blocked" in reply, reply
    t.close()
    code, text = submission_auth(server, USER, password)
    assert code == 535 and b"blocked" in text, (code, text)
    # Blocking is against logins (a security incident), not against mail: it is still received.
    deliver(server, USER, message("while blocked"))
    server.cli("account", "unblock", USER)
    m = imap(server)
    m.login(USER, password)
    typ, data = m.select("INBOX")
    assert typ == "OK" and data[0] == b"1"
    m.logout()


# ---- quota ----------------------------------------------------------------------------------------


def usage(srv):
    return srv.cli("account", "show", USER, json_output=True)


def test_quota_on_delivery_append_copy_and_expunge_and_across_a_restart(server):
    password = server.add_user(USER)
    shown = server.cli("account", "quota", USER, "20K", json_output=True)
    assert shown["quota_limit"] == 20 * 1024 and shown["quota_default"] is False
    deliver(server, USER, message("one", 8000))
    deliver(server, USER, message("two", 8000))
    used = usage(server)["quota_used"]
    assert 16000 <= used <= 20 * 1024 and usage(server)["quota_messages"] == 2

    # The message that would go over is refused at the end of DATA, for its recipient.
    with pytest.raises(smtplib.SMTPDataError) as e:
        deliver(server, USER, message("three", 8000))
    assert e.value.smtp_code == 452 and e.value.smtp_error.startswith(b"4.2.2"), e.value
    # Once full, at RCPT already.
    server.cli("account", "quota", USER, str(used))
    with pytest.raises(smtplib.SMTPRecipientsRefused) as e:
        deliver(server, USER, message("four"))
    code, text = e.value.recipients[USER]
    assert code == 452 and text.startswith(b"4.2.2") and b"Mailbox full" in text, (code, text)

    m = imap(server)
    m.login(USER, password)
    # Full: the login carries a warning (RFC 9051 [ALERT]).
    assert any(b"[ALERT] Your mailbox is 100% full" in r for r in m.untagged_responses.get("OK", [])), \
        m.untagged_responses
    typ, caps = m.capability()
    assert b"QUOTA" in caps[0].split() and b"QUOTA=RES-STORAGE" in caps[0].split(), caps
    typ, data = m.getquotaroot("INBOX")
    assert typ == "OK", data
    assert data[0] in ([b'INBOX ""'], [b'"INBOX" ""']), data
    assert data[1] == [f'"" (STORAGE {-(-used // 1024)} {-(-used // 1024)})'.encode()], data
    typ, data = m.append("INBOX", None, None, message("appended").encode())
    assert typ == "NO" and b"[OVERQUOTA]" in data[0], data
    m.select("INBOX")
    typ, data = m.status("INBOX", "(DELETED DELETED-STORAGE)")
    assert data == [b'"INBOX" (DELETED 0 DELETED-STORAGE 0)'] or data == [b'INBOX (DELETED 0 DELETED-STORAGE 0)'], data
    typ, data = m.copy("1", "Archive")
    assert typ == "NO" and b"[OVERQUOTA]" in data[0], data
    # Moving within the account does not change the usage: allowed.
    typ, data = m._simple_command("MOVE", "2", "Archive")
    assert typ == "OK", data
    typ, data = m._simple_command("SETQUOTA", '""', "(STORAGE 100000)")
    assert typ == "NO" and b"[NOPERM]" in data[0], data
    # EXPUNGE frees the usage, and delivery works again.
    typ, data = m.fetch("1", "(RFC822.SIZE)")
    size = int(data[0].split(b"RFC822.SIZE ")[1].rstrip(b")"))
    m.store("1", "+FLAGS", "\\Deleted")
    typ, data = m.status("INBOX", "(DELETED DELETED-STORAGE)")
    assert f"(DELETED 1 DELETED-STORAGE {-(-size // 1024)})".encode() in data[0], data
    m.expunge()
    assert usage(server)["quota_messages"] == 1
    deliver(server, USER, message("after expunge", 4000))
    typ, data = m.getquota('""')
    assert typ == "OK" and data[0].startswith(b'"" (STORAGE '), data
    m.logout()

    before = usage(server)
    assert before["quota_messages"] == 2
    server.stop()
    server.start()
    after = usage(server)
    assert (after["quota_used"], after["quota_messages"]) == (before["quota_used"], before["quota_messages"])

    server.cli("account", "quota", USER, "none")
    assert usage(server)["quota_limit"] is None
    deliver(server, USER, message("unlimited", 8000))


def test_a_full_mailbox_does_not_hold_back_the_other_recipients(server):
    password = server.add_user(USER)
    other = server.add_user("carol@example.org")
    server.cli("account", "quota", USER, "4K")
    with smtplib.SMTP("127.0.0.1", server.port("smtp"), local_hostname="client.test", timeout=30) as s:
        s.starttls(context=server.ssl_context())
        refused = s.sendmail("zoe@remote.test", [USER, "carol@example.org"], message("big", 8000))
    assert refused == {}
    m = imap(server)
    m.login("carol@example.org", other)
    assert m.select("INBOX")[1][0] == b"1"
    m.logout()
    m = imap(server)
    m.login(USER, password)
    assert m.select("INBOX")[1][0] == b"0"
    m.logout()
    # The sender is told about the full mailbox only (a DSN in the outbound queue).
    queued = server.cli("queue", "list", json_output=True)
    assert [q["recipients"] for q in queued] == [["zoe@remote.test"]], queued
    assert queued[0]["from"] in ("", "<>"), queued


def test_default_quota_from_the_config(tmp_path):
    srv = Server(tmp_path)
    srv.config.write_text(srv.config.read_text() + "\n[accounts]\ndefault_quota_mb = 1\n")
    srv.start()
    try:
        password = srv.add_user(USER)
        shown = srv.cli("account", "show", USER, json_output=True)
        assert shown["quota_limit"] == 1 << 20 and shown["quota_default"] is True
        m = imap(srv)
        m.login(USER, password)
        typ, data = m.getquotaroot("INBOX")
        assert typ == "OK" and data[1] == [b'"" (STORAGE 0 1024)'], data
        m.logout()
        assert "limit 1.0 MB (default)" in srv.cli("account", "show", USER).stdout
    finally:
        srv.stop()
