"""Real clients (mbsync, swaks) and crash durability; the other IMAP clients are in
test_imap_clients.py."""

import imaplib
import os
import re
import smtplib
import subprocess
import threading
from email.utils import make_msgid

import pytest

from conftest import Server


def send_plain(server, to, subject, sender="news@remote.test"):
    mid = make_msgid(domain="client.test")
    msg = (f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\nMessage-ID: {mid}\r\n"
           f"Date: Mon, 23 Nov 2026 10:00:00 +0000\r\n\r\nBody of {subject}\r\n")
    with smtplib.SMTP("127.0.0.1", server.port("smtp"), local_hostname="client.test", timeout=30) as s:
        s.starttls(context=server.ssl_context())
        s.sendmail(sender, [to], msg)
    return mid


def imaps_login(server, user, password):
    m = imaplib.IMAP4_SSL("127.0.0.1", server.port("imaps"), ssl_context=server.ssl_context(), timeout=30)
    m.login(user, password)
    return m


def test_swaks_delivers_over_starttls(server):
    password = server.add_user("kim@example.org")
    res = subprocess.run(
        ["swaks", "--server", "127.0.0.1", "--port", str(server.port("smtp")), "--tls",
         "--from", "sender@remote.test", "--to", "kim@example.org", "--helo", "swaks.test",
         "--header", "Subject: via swaks"],
        capture_output=True, text=True, timeout=60,
    )
    assert res.returncode == 0, res.stdout + res.stderr
    assert "250 2.0.0" in res.stdout
    m = imaps_login(server, "kim@example.org", password)
    m.select("INBOX")
    typ, data = m.fetch("1", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    assert b"via swaks" in data[0][1]
    m.logout()


def maildir_files(root):
    out = {}
    for sub in ("cur", "new"):
        d = os.path.join(root, sub)
        if os.path.isdir(d):
            for name in os.listdir(d):
                path = os.path.join(d, name)
                with open(path, "rb") as f:
                    subject = re.search(rb"^Subject: (.*?)\r?$", f.read(), re.M).group(1).decode()
                out[subject] = path
    return out


@pytest.mark.parametrize("tls", ["IMAPS", "STARTTLS"])
def test_mbsync_syncs_and_pushes_flag_and_deletion(server, tmp_path, tls):
    password = server.add_user("lee@example.org")
    for i in range(3):
        send_plain(server, "lee@example.org", f"msg{i}")
    maildir = tmp_path / "Mail"
    maildir.mkdir()
    rc = tmp_path / "mbsyncrc"
    rc.write_text(f"""
IMAPAccount test
Host localhost
Port {server.port("imaps" if tls == "IMAPS" else "imap")}
User lee@example.org
Pass {password}
SSLType {tls}
CertificateFile {server.data / "tls" / "cert.pem"}

IMAPStore remote
Account test

MaildirStore local
Path {maildir}/
Inbox {maildir}/INBOX
SubFolders Verbatim

Channel test
Far :remote:
Near :local:
Patterns *
Create Near
Expunge Both
SyncState *
Sync All
""")

    def mbsync():
        res = subprocess.run(["mbsync", "-c", str(rc), "-a"], capture_output=True, text=True, timeout=120)
        assert res.returncode == 0, res.stdout + res.stderr
        return res

    mbsync()
    files = maildir_files(maildir / "INBOX")
    assert set(files) == {"msg0", "msg1", "msg2"}
    for folder in ("Sent", "Junk", "Trash", "Promotions"):
        assert (maildir / folder).is_dir(), folder

    # Locally: flag msg0 and delete msg1.
    path = files["msg0"]
    base = os.path.basename(path).split(":2,")[0]
    flags = os.path.basename(path).split(":2,")[1] if ":2," in path else ""
    new_flags = "".join(sorted(set(flags + "F")))
    os.rename(path, os.path.join(maildir / "INBOX" / "cur", f"{base}:2,{new_flags}"))
    os.unlink(files["msg1"])
    mbsync()

    m = imaps_login(server, "lee@example.org", password)
    typ, data = m.select("INBOX")
    assert data[0] == b"2"
    typ, data = m.search(None, "FLAGGED")
    flagged = data[0].split()
    assert len(flagged) == 1
    typ, data = m.fetch(flagged[0], "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    assert b"msg0" in data[0][1]
    typ, data = m.fetch("1:*", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    subjects = b" ".join(d[1] for d in data if isinstance(d, tuple))
    assert b"msg1" not in subjects and b"msg2" in subjects

    # Server-side changes reach the Maildir at the next sync: a flag, a deletion, a new delivery
    # and a new folder with a message.
    typ, data = m.search(None, "SUBJECT", "msg2")
    m.store(data[0], "+FLAGS", "(\\Seen)")
    m.store(flagged[0], "+FLAGS", "(\\Deleted)")
    m.expunge()
    m.create("Projects")
    m.append("Projects", None, None, b"From: lee@example.org\r\nSubject: plan\r\n\r\nplan\r\n")
    m.logout()
    send_plain(server, "lee@example.org", "msg3")
    mbsync()
    files = maildir_files(maildir / "INBOX")
    assert set(files) == {"msg2", "msg3"}, files
    assert "S" in os.path.basename(files["msg2"]).split(":2,")[1]
    assert set(maildir_files(maildir / "Projects")) == {"plan"}


def test_sigkill_after_250_loses_nothing(tmp_path):
    srv = Server(tmp_path).start()
    password = srv.add_user("max@example.org")
    acked = []
    lock = threading.Lock()
    errors = []

    def worker(n):
        try:
            with smtplib.SMTP("127.0.0.1", srv.port("smtp"), local_hostname="client.test", timeout=30) as s:
                for i in range(6):
                    mid = make_msgid(domain=f"w{n}.test")
                    msg = (f"From: w{n}@remote.test\r\nTo: max@example.org\r\nSubject: {n}-{i}\r\n"
                           f"Message-ID: {mid}\r\n\r\nbody\r\n")
                    s.sendmail(f"w{n}@remote.test", ["max@example.org"], msg)
                    with lock:
                        acked.append(mid)
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    srv.kill9()  # right after the last 250
    assert not errors, errors
    assert len(acked) == 48
    srv.start()
    try:
        m = imaps_login(srv, "max@example.org", password)
        typ, data = m.select("INBOX")
        assert int(data[0]) == 48
        typ, data = m.fetch("1:*", "(BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
        ids = [re.search(rb"<[^>]+>", d[1]).group(0).decode() for d in data if isinstance(d, tuple)]
        assert sorted(ids) == sorted(acked)
        assert len(set(ids)) == 48
        m.logout()
    finally:
        srv.stop()
