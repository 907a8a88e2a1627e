"""Submission rules with real clients (swaks, curl) over the 587-style STARTTLS and the 465-style
implicit-TLS listeners (and mutt, when installed): sending as another local user or a foreign domain is refused with
553 5.7.1, an extra allowed sender is accepted, the hourly limit is enforced and flags the
account, local recipients get the mail as inbound mail, and the Received header does not show
the client's address."""

import imaplib
import os
import shutil
import subprocess

import pytest

from conftest import Server


@pytest.fixture
def sub_server(tmp_path):
    srv = Server(tmp_path)
    # Flag at the first refusal, so that the test sees the flag without waiting minutes.
    with open(srv.config, "a") as f:
        f.write("\n[submission]\nflag_after = 1\n")
    srv.start()
    yield srv
    srv.stop()


def swaks(server, listener, user, password, mail_from, to, header_from=None, subject="s"):
    args = ["swaks", "--server", "127.0.0.1", "--port", str(server.port(listener)),
            "--helo", "laptop.example", "--auth", "PLAIN", "--auth-user", user,
            "--auth-password", password, "--from", mail_from, "--to", to,
            "--header", f"Subject: {subject}"]
    if header_from:
        args += ["--header", f"From: {header_from}"]
    args += ["--tls-on-connect"] if listener == "submissions" else ["--tls"]
    res = subprocess.run(args, capture_output=True, text=True, timeout=60)
    return res.returncode, res.stdout + res.stderr


def curl(server, listener, user, password, mail_from, to, header_from, tmp_path, subject="c"):
    msg = tmp_path / "msg.eml"
    msg.write_bytes(
        f"From: {header_from}\r\nTo: {to}\r\nSubject: {subject}\r\n"
        f"Date: Mon, 23 Nov 2026 10:00:00 +0000\r\nMessage-ID: <{subject}@example.org>\r\n\r\n"
        "Hello.\r\n".encode())
    port = server.port(listener)
    scheme = "smtps" if listener == "submissions" else "smtp"
    args = ["curl", "-sS", "-v", "--url", f"{scheme}://mail.test:{port}",
            "--resolve", f"mail.test:{port}:127.0.0.1",
            "--cacert", str(server.data / "tls" / "cert.pem"),
            "--user", f"{user}:{password}", "--mail-from", mail_from, "--mail-rcpt", to,
            "--upload-file", str(msg)]
    if listener != "submissions":
        args.insert(1, "--ssl-reqd")
    res = subprocess.run(args, capture_output=True, text=True, timeout=60)
    return res.returncode, res.stdout + res.stderr


def inbox_messages(server, user, password):
    m = imaplib.IMAP4_SSL("127.0.0.1", server.port("imaps"), ssl_context=server.ssl_context(),
                          timeout=30)
    m.login(user, password)
    m.select("INBOX")
    _, data = m.search(None, "ALL")
    out = []
    for num in data[0].split():
        _, d = m.fetch(num, "(BODY.PEEK[])")
        out.append(d[0][1].decode())
    m.logout()
    return out


@pytest.mark.parametrize("listener", ["submission", "submissions"])
def test_sender_rules_with_swaks_and_curl(sub_server, tmp_path, listener):
    srv = sub_server
    alice = srv.add_user("alice@example.org")
    bob = srv.add_user("bob@example.org")
    srv.cli("account", "senders", "alice@example.org", "add", "sales@example.org")
    assert srv.cli("account", "senders", "alice@example.org", "list",
                   json_output=True)["senders"] == ["sales@example.org"]

    # (MAIL FROM, From header, accepted)
    cases = [
        ("alice@example.org", "alice@example.org", True),
        ("alice+lists@example.org", "alice+lists@example.org", True),
        ("sales@example.org", "Sales <sales@example.org>", True),
        ("bob@example.org", "bob@example.org", False),
        ("alice@foreign.test", "alice@foreign.test", False),
        ("alice@example.org", "bob@example.org", False),
    ]
    for i, (mail_from, header_from, ok) in enumerate(cases):
        rc, out = swaks(srv, listener, "alice@example.org", alice, mail_from,
                        "bob@example.org", header_from, subject=f"swaks{i}")
        if ok:
            assert rc == 0 and "250 2.0.0" in out, out
        else:
            assert rc != 0 and "553 5.7.1 Sender address not owned by user" in out, out
        rc, out = curl(srv, listener, "alice@example.org", alice, mail_from,
                       "bob@example.org", header_from, tmp_path, subject=f"curl{i}")
        if ok:
            assert rc == 0, out
        else:
            assert rc != 0 and "553 5.7.1" in out, out

    # The local recipient got exactly the accepted ones, as inbound mail, without the
    # client's address in our Received header.
    got = inbox_messages(srv, "bob@example.org", bob)
    accepted = sum(1 for c in cases if c[2])
    assert len(got) == 2 * accepted, [m.splitlines()[:3] for m in got]
    for m in got:
        first = next(line for line in m.splitlines() if line.startswith("Received:"))
        if "Subject: swaks" in m:
            assert first.startswith("Received: from laptop.example"), first
        assert "127.0.0.1" not in m.split("\r\n\r\n", 1)[0], m


def test_hourly_limit_and_flag(sub_server):
    srv = sub_server
    alice = srv.add_user("alice@example.org")
    srv.cli("account", "limits", "alice@example.org", "--per-hour", "2")
    for i in range(2):
        rc, out = swaks(srv, "submission", "alice@example.org", alice, "alice@example.org",
                        "someone@remote.test", subject=f"n{i}")
        assert rc == 0 and "250 2.0.0" in out, out
    rc, out = swaks(srv, "submissions", "alice@example.org", alice, "alice@example.org",
                    "someone@remote.test", subject="n3")
    assert rc != 0 and "451 4.7.1" in out, out
    shown = srv.cli("account", "show", "alice@example.org", json_output=True)
    assert shown["per_hour"] == 2
    assert shown["sent_last_hour"] == 2
    assert shown["flagged"] is True, shown
    human = srv.cli("account", "show", "alice@example.org").stdout
    assert "FLAGGED" in human, human
    assert "account flagged" in srv.log.read_text()
    # Remote recipients went to the outbound queue.
    assert len(srv.cli("queue", "list", json_output=True)) == 2

    # Counting survives a restart.
    srv.stop()
    srv.start()
    rc, out = swaks(srv, "submission", "alice@example.org", alice, "alice@example.org",
                    "someone@remote.test", subject="n4")
    assert rc != 0 and "451 4.7.1" in out, out
    srv.cli("account", "unflag", "alice@example.org")
    assert srv.cli("account", "show", "alice@example.org", json_output=True)["flagged"] is False


def mutt(server, listener, user, password, sender, to, tmp_path, subject):
    """Sends with mutt in batch mode (`-n`: no system muttrc), as `sender` in MAIL FROM and From."""
    port = server.port(listener)
    scheme = "smtps" if listener == "submissions" else "smtp"
    muttrc = tmp_path / "muttrc"
    muttrc.write_text(
        f'set smtp_url = "{scheme}://{user.replace("@", "%40")}@127.0.0.1:{port}/"\n'
        f'set smtp_pass = "{password}"\n'
        f'set ssl_ca_certificates_file = "{server.data / "tls" / "cert.pem"}"\n'
        'set ssl_starttls = yes\nset ssl_force_tls = yes\n'
        f'set from = "{sender}"\nset use_envelope_from = yes\n'
        'set hostname = "laptop.example"\nset record = ""\nset copy = no\n')
    env = dict(os.environ, HOME=str(tmp_path))
    res = subprocess.run(["mutt", "-n", "-F", str(muttrc), "-s", subject, to],
                         input="Hello from mutt.\n", capture_output=True, text=True,
                         timeout=60, env=env)
    return res.returncode, res.stdout + res.stderr


@pytest.mark.skipif(shutil.which("mutt") is None, reason="mutt is not installed")
@pytest.mark.parametrize("listener", ["submission", "submissions"])
def test_mutt_sender_rules(sub_server, tmp_path, listener):
    srv = sub_server
    alice = srv.add_user("alice@example.org")
    bob = srv.add_user("bob@example.org")
    rc, out = mutt(srv, listener, "alice@example.org", alice, "alice@example.org",
                   "bob@example.org", tmp_path, "from mutt")
    assert rc == 0, out
    for sender in ["bob@example.org", "alice@foreign.test"]:
        rc, out = mutt(srv, listener, "alice@example.org", alice, sender, "bob@example.org",
                       tmp_path, "forged")
        assert rc != 0 and "553 5.7.1" in out, out
    got = inbox_messages(srv, "bob@example.org", bob)
    assert len(got) == 1 and "Subject: from mutt" in got[0], got
