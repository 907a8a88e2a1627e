"""The classic relay tricks, one test case each, from tests/e2e/data/relay_tricks.tsv (its header
says what the columns mean). Every case runs a real SMTP session on 127.0.0.1 (the MX listener,
or submission after STARTTLS, with or without AUTH) with the MAIL FROM and RCPT TO exactly as
written, checks the reply, and then the outbound queue (`mailsift queue list --json`): nothing
an unauthenticated session sends is ever queued for outbound delivery, bounces included, and an
authenticated relay is queued once, for the right recipient. Accepted local mail must be in the
INBOX of user@our.test."""

import base64
import imaplib
import socket
import ssl
from pathlib import Path

import pytest

from conftest import Server

CASES_FILE = Path(__file__).parent / "data" / "relay_tricks.tsv"
USER = "user@our.test"
SESSIONS = {"mx", "mx-auth", "sub", "sub-auth"}


def load_cases():
    cases = []
    for n, line in enumerate(CASES_FILE.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        assert len(fields) == 6, f"{CASES_FILE.name}:{n}: 6 tab-separated fields, got {fields}"
        case_id, session, mail, rcpt, expect, why = fields
        assert session in SESSIONS, f"{CASES_FILE.name}:{n}: unknown session {session}"
        assert expect == "local" or expect.startswith("relay:") or expect[:1] in "45", expect
        cases.append(pytest.param(session, mail, rcpt, expect, why, id=case_id))
    ids = [c.id for c in cases]
    assert len(ids) == len(set(ids)), "duplicate case ids"
    return cases


class Client:
    """A raw SMTP client: commands go out byte for byte as written in the case file."""

    def __init__(self, port, ctx):
        self.ctx = ctx
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.file = self.sock.makefile("rb")
        self.reply()

    def reply(self):
        lines = []
        while True:
            line = self.file.readline()
            assert line, f"connection closed after {lines}"
            lines.append(line.decode("utf-8", "replace").rstrip("\r\n"))
            if line[3:4] != b"-":
                return int(lines[-1][:3]), "\n".join(lines)

    def cmd(self, text):
        self.sock.sendall(text.encode("utf-8") + b"\r\n")
        return self.reply()

    def starttls(self):
        code, text = self.cmd("STARTTLS")
        assert code == 220, text
        self.file.close()
        self.sock = self.ctx.wrap_socket(self.sock, server_hostname="localhost")
        self.file = self.sock.makefile("rb")

    def close(self):
        try:
            self.cmd("QUIT")
        except OSError:
            pass
        self.file.close()
        self.sock.close()


def inbox_count(srv, password):
    m = imaplib.IMAP4_SSL("127.0.0.1", srv.port("imaps"), ssl_context=srv.ssl_context(), timeout=30)
    m.login(USER, password)
    typ, data = m.select("INBOX", readonly=True)
    m.logout()
    return int(data[0])


@pytest.fixture(scope="module")
def relay_server(tmp_path_factory):
    srv = Server(tmp_path_factory.mktemp("relay")).start()
    password = srv.add_user(USER)
    # catch.test: a domain of ours without accounts, whose catch-all is user@our.test.
    srv.cli("domain", "add", "catch.test")
    srv.cli("domain", "catch-all", "catch.test", USER)
    yield srv, password
    srv.stop()


def queue_ids(srv):
    return {q["queue_id"]: q for q in srv.cli("queue", "list", json_output=True)}


def open_session(srv, password, session):
    ctx = srv.ssl_context()
    ctx.check_hostname = False  # the certificate names the hostname; the CA pins it
    if session.startswith("mx"):
        c = Client(srv.port("smtp"), ctx)
        code, text = c.cmd("EHLO client.other.test")
        assert code == 250, text
        if session == "mx-auth":
            # AUTH is not offered on the MX port (RFC 6409 §3.1); a password changes nothing.
            token = base64.b64encode(f"\0{USER}\0{password}".encode()).decode()
            code, text = c.cmd(f"AUTH PLAIN {token}")
            assert code >= 500, text
        return c
    c = Client(srv.port("submission"), ctx)
    assert c.cmd("EHLO laptop.test")[0] == 250
    c.starttls()
    assert c.cmd("EHLO laptop.test")[0] == 250
    if session == "sub-auth":
        token = base64.b64encode(f"\0{USER}\0{password}".encode()).decode()
        code, text = c.cmd(f"AUTH PLAIN {token}")
        assert code == 235, text
    return c


@pytest.mark.parametrize("session,mail,rcpt,expect,why", load_cases())
def test_relay_trick(relay_server, session, mail, rcpt, expect, why):
    srv, password = relay_server
    before = queue_ids(srv)
    inbox_before = inbox_count(srv, password) if expect == "local" else None

    c = open_session(srv, password, session)
    try:
        replies = []
        code, text = c.cmd(f"MAIL FROM:{mail}")
        replies.append(text)
        refused = None if code == 250 else (code, text)
        if refused is None:
            code, text = c.cmd(f"RCPT TO:{rcpt}")
            replies.append(text)
            refused = None if code == 250 else (code, text)
        if refused is None:
            # Accepted: send the message through, so that whatever would be queued is queued.
            code, text = c.cmd("DATA")
            replies.append(text)
            if code == 354:
                code, text = c.cmd(
                    f"From: {USER}\r\nTo: x@our.test\r\nSubject: relay {why[:40]}\r\n\r\nhi\r\n.")
                replies.append(text)
            refused = None if code == 250 else (code, text)
    finally:
        c.close()

    after = queue_ids(srv)
    new = [after[q] for q in after if q not in before]
    if session != "sub-auth":
        # The point of the suite: nothing from an unauthenticated session leaves this server.
        assert new == [], f"queued outbound from an unauthenticated session: {new}"

    if expect == "local":
        assert refused is None, f"{why}: expected local delivery, got {replies}"
        assert new == [], new
        assert inbox_count(srv, password) == inbox_before + 1, replies
    elif expect.startswith("relay:"):
        assert refused is None, f"{why}: expected relay, got {replies}"
        assert [q["recipients"] for q in new] == [[expect[len("relay:"):]]], new
    else:
        want_code, want_enhanced = expect.split(" ", 1)
        assert refused is not None, f"{why}: expected {expect}, accepted: {replies}"
        code, text = refused
        got_enhanced = text.splitlines()[-1][4:].split(" ", 1)[0]
        assert (str(code), got_enhanced) == (want_code, want_enhanced), f"{why}: {replies}"
        assert new == [], new
