"""Addresses through the real server: aliases (`mailsift alias`), alias domains, a catch-all,
postmaster@/abuse@ and the bare <Postmaster>, subaddresses. Mail goes in over SMTP on
127.0.0.1 and is read back over IMAP (implicit TLS) from the mailbox it should reach.

- The address rule: reserved names, malformed and taken addresses are refused as aliases.
- The alias limit: the 51st alias is refused with the default, and a configured lower
  `[accounts] max_aliases` applies (server stopped: the CLI works on the store file).
- The account finds a notice (Auto-Submitted: auto-generated) in its INBOX when an alias is
  added and when it is removed.
- A message To the address and Cc its alias arrives twice; To two subaddresses of one
  address, once.
- Reserved names other than postmaster and abuse stay refused (550), even with a catch-all."""

import email
import imaplib
import smtplib
import time

import pytest

from conftest import Server, wait_for


def imap(srv, user, password):
    m = imaplib.IMAP4_SSL("127.0.0.1", srv.port("imaps"), ssl_context=srv.ssl_context(), timeout=30)
    m.login(user, password)
    return m


def inbox(srv, user, password):
    """Every message of the INBOX, parsed, oldest first."""
    m = imap(srv, user, password)
    try:
        m.select("INBOX", readonly=True)
        _, data = m.uid("SEARCH", None, "ALL")
        out = []
        for uid in data[0].split():
            _, parts = m.uid("FETCH", uid, "(BODY.PEEK[])")
            out.append(email.message_from_bytes(parts[0][1]))
        return out
    finally:
        m.logout()


def subjects(srv, user, password):
    return [str(msg["Subject"]) for msg in inbox(srv, user, password)]


def send(srv, rcpts, subject, to_header=None, cc_header=None):
    """Sends one message from outside; returns the RCPT TO replies."""
    replies = {}
    with smtplib.SMTP("127.0.0.1", srv.port("smtp"), timeout=30) as s:
        s.ehlo("client.test")
        assert s.mail("sender@outside.test")[0] == 250
        for r in rcpts:
            replies[r] = s.rcpt(r)
        if any(code == 250 for code, _ in replies.values()):
            headers = f"From: sender@outside.test\r\nSubject: {subject}\r\n"
            if to_header:
                headers += f"To: {to_header}\r\n"
            if cc_header:
                headers += f"Cc: {cc_header}\r\n"
            code, text = s.data((headers + "\r\nhello\r\n").encode())
            assert code == 250, text
        else:
            s.rset()
    return replies


def count(srv, user, password, subject, expected):
    """Waits until `subject` is in the INBOX `expected` times; returns the count seen."""
    got = wait_for(lambda: subjects(srv, user, password).count(subject) >= expected, timeout=10)
    n = subjects(srv, user, password).count(subject)
    assert n == expected, f"{subject!r}: {n} copies, expected {expected}"
    return got


@pytest.fixture
def srv(tmp_path):
    s = Server(tmp_path).start()
    yield s
    s.stop()


def test_aliases_notices_and_double_delivery(srv):
    alice = srv.add_user("alice@example.org")
    bob = srv.add_user("bob@example.org")
    srv.cli("domain", "add", "example.net")

    # The address rule: reserved, malformed, taken, not ours.
    for bad in ["postmaster@example.org", "no-reply@example.org", "a b@example.org", "x+y@example.org",
                "bob@example.org", "sales@elsewhere.test", ".dot@example.org"]:
        res = srv.cli("alias", "add", "alice@example.org", bad, check=False)
        assert res.returncode != 0, f"{bad} accepted: {res.stdout}"
    res = srv.cli("alias", "add", "alice@example.org", "no-reply@example.org", check=False)
    assert "reserved" in res.stderr

    # Added through the running server: a notice in alice's INBOX.
    out = srv.cli("alias", "add", "alice@example.org", "Sales@Example.org", json_output=True)
    assert out["added"] == "sales@example.org"
    assert [a["alias"] for a in out["aliases"]] == ["sales@example.org"]
    assert srv.cli("alias", "add", "bob@example.org", "sales@example.org", check=False).returncode != 0
    assert srv.cli("account", "add", "sales@example.org", check=False).returncode != 0
    notices = wait_for(lambda: [m for m in inbox(srv, "alice@example.org", alice)
                                if "sales@example.org" in str(m["Subject"])])
    assert len(notices) == 1
    assert notices[0]["Auto-Submitted"] == "auto-generated"
    assert "New alias" in str(notices[0]["Subject"])
    assert "alice@example.org" in notices[0]["To"]
    shown = srv.cli("account", "show", "alice@example.org", json_output=True)
    assert shown["aliases"] == ["sales@example.org"]
    assert srv.cli("alias", "list", "alice@example.org", json_output=True)["aliases"][0]["alias"] == "sales@example.org"

    # Alias delivery, and an alias's subaddress.
    replies = send(srv, ["sales@example.org"], "to the alias")
    assert replies["sales@example.org"][0] == 250
    count(srv, "alice@example.org", alice, "to the alias", 1)
    send(srv, ["sales+q4@example.org"], "to the alias's subaddress")
    count(srv, "alice@example.org", alice, "to the alias's subaddress", 1)

    # To the address and Cc its alias: twice (the reference service documents it). To two
    # subaddresses of the address: once.
    send(srv, ["alice@example.org", "sales@example.org"], "to and cc",
         to_header="alice@example.org", cc_header="sales@example.org")
    count(srv, "alice@example.org", alice, "to and cc", 2)
    send(srv, ["alice+a@example.org", "alice+b@example.org", "alice@example.org"], "subaddresses")
    count(srv, "alice@example.org", alice, "subaddresses", 1)
    assert subjects(srv, "bob@example.org", bob) == []

    # Alice may send as her alias (submission, RFC 6409 §6.1); not as bob.
    with smtplib.SMTP("127.0.0.1", srv.port("submission"), timeout=30) as s:
        s.starttls(context=srv.ssl_context())
        s.login("alice@example.org", alice)
        assert s.mail("sales@example.org")[0] == 250
        s.rset()
        assert s.mail("bob@example.org")[0] == 553

    # Removed: a second notice, and the alias is refused again.
    out = srv.cli("alias", "remove", "alice@example.org", "sales@example.org", json_output=True)
    assert out["removed"] == "sales@example.org" and out["aliases"] == []
    removed = wait_for(lambda: [m for m in inbox(srv, "alice@example.org", alice)
                                if "removed" in str(m["Subject"])])
    assert len(removed) == 1 and removed[0]["Auto-Submitted"] == "auto-generated"
    assert send(srv, ["sales@example.org"], "after removal")["sales@example.org"][0] == 550


def test_alias_limit_default_and_configured(tmp_path):
    srv = Server(tmp_path).start()
    try:
        password = srv.add_user("many@example.org")
    finally:
        srv.stop()
    # Server stopped: the CLI works on the store file; the default limit is 50.
    for i in range(50):
        srv.cli("alias", "add", "many@example.org", f"m{i}@example.org")
    res = srv.cli("alias", "add", "many@example.org", "m50@example.org", check=False)
    assert res.returncode != 0 and "limit" in res.stderr, res.stderr
    assert len(srv.cli("alias", "list", "many@example.org", json_output=True)["aliases"]) == 50
    # A configured lower limit.
    srv.config.write_text(srv.config.read_text().replace(
        "[log]", "[accounts]\nmax_aliases = 2\n\n[log]"))
    srv.cli("account", "add", "few@example.org")
    srv.cli("alias", "add", "few@example.org", "f1@example.org")
    srv.cli("alias", "add", "few@example.org", "f2@example.org")
    res = srv.cli("alias", "add", "few@example.org", "f3@example.org", check=False)
    assert res.returncode != 0 and "max_aliases = 2" in res.stderr, res.stderr
    # The aliases made offline deliver once the server runs, with their notices waiting.
    srv.start()
    try:
        notices = [s for s in subjects(srv, "many@example.org", password) if s.startswith("New alias")]
        assert len(notices) == 50
        send(srv, ["m49@example.org"], "to the fiftieth")
        count(srv, "many@example.org", password, "to the fiftieth", 1)
        assert send(srv, ["m50@example.org"], "refused")["m50@example.org"][0] == 550
    finally:
        srv.stop()


def test_alias_domain_catch_all_and_postmaster(srv):
    alice = srv.add_user("alice@example.org")  # the oldest account of example.org
    bob = srv.add_user("bob@example.org")
    srv.cli("alias", "add", "bob@example.org", "help@example.org")
    srv.cli("domain", "add", "example.net")

    # Alias domain: mailboxes and aliases of example.org also receive under example.net.
    assert send(srv, ["bob@example.net"], "before")["bob@example.net"][0] == 550
    assert srv.cli("domain", "alias", "add", "example.net", "example.org", json_output=True)["added"] == {
        "alias_domain": "example.net", "target": "example.org"}
    assert srv.cli("domain", "alias", "add", "example.org", "example.net", check=False).returncode != 0
    send(srv, ["bob@example.net"], "alias domain")
    send(srv, ["help@example.net"], "alias domain alias")
    send(srv, ["bob+tag@example.net"], "alias domain subaddress")
    for subject in ["alias domain", "alias domain alias", "alias domain subaddress"]:
        count(srv, "bob@example.org", bob, subject, 1)
    assert send(srv, ["nobody@example.net"], "x")["nobody@example.net"][0] == 550
    shown = srv.cli("domain", "show", "example.org", json_output=True)
    assert shown["alias_domains"] == ["example.net"]
    assert srv.cli("domain", "show", "example.net", json_output=True)["alias_of"] == "example.org"

    # postmaster@ and abuse@ (any case) reach the oldest account by default, for the alias
    # domain too; the bare <Postmaster> too (RFC 5321 §4.1.1.3: the hostname is mail.test, so
    # the primary domain is the first by name).
    shown = srv.cli("domain", "show", "example.org", json_output=True)
    assert shown["postmaster"] == "alice@example.org"
    assert "oldest" in shown["postmaster_source"]
    replies = send(srv, ["postmaster@example.org", "Abuse@Example.org", "postmaster@example.net"], "roles")
    assert all(code == 250 for code, _ in replies.values()), replies
    count(srv, "alice@example.org", alice, "roles", 3)
    with smtplib.SMTP("127.0.0.1", srv.port("smtp"), timeout=30) as s:
        s.ehlo("client.test")
        assert s.mail("sender@outside.test")[0] == 250
        code, text = s.docmd("RCPT TO:<PostMaster>")
        assert code == 250, text
        assert s.data(b"From: sender@outside.test\r\nSubject: bare postmaster\r\n\r\nhi\r\n")[0] == 250
    count(srv, "alice@example.org", alice, "bare postmaster", 1)

    # The domain's administrator (here an alias of bob's).
    srv.cli("domain", "admin", "example.org", "help@example.org")
    assert srv.cli("domain", "show", "example.org", json_output=True)["postmaster"] == "bob@example.org"
    send(srv, ["abuse@example.org"], "abuse report")
    count(srv, "bob@example.org", bob, "abuse report", 1)
    assert srv.cli("domain", "admin", "example.org", "nobody@example.org", check=False).returncode != 0
    srv.cli("domain", "admin", "example.org", "--none")
    send(srv, ["abuse@example.org"], "back to default")
    count(srv, "alice@example.org", alice, "back to default", 1)

    # Catch-all: unknown local parts go to it; reserved names other than the roles stay refused.
    assert send(srv, ["whoever@example.org"], "x")["whoever@example.org"][0] == 550
    srv.cli("domain", "catch-all", "example.org", "bob@example.org")
    assert srv.cli("domain", "show", "example.org", json_output=True)["catch_all"] == "bob@example.org"
    replies = send(srv, ["whoever@example.org", "no-reply@example.org", "mailer-daemon@example.org"], "catch")
    assert replies["whoever@example.org"][0] == 250
    assert replies["no-reply@example.org"][0] == 550
    assert replies["mailer-daemon@example.org"][0] == 550
    count(srv, "bob@example.org", bob, "catch", 1)
    srv.cli("domain", "catch-all", "example.org", "--none")
    assert send(srv, ["whoever@example.org"], "x")["whoever@example.org"][0] == 550

    # Removing the alias domain ends it.
    srv.cli("domain", "alias", "remove", "example.net")
    assert send(srv, ["bob@example.net"], "x")["bob@example.net"][0] == 550
    assert srv.cli("domain", "alias", "list", json_output=True)["alias_domains"] == []
