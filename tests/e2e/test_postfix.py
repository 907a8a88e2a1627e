"""Issue 14, interoperability with a foreign MTA: a private Postfix instance (Debian `postfix`,
its own config, queue and data directories, smtpd on a free port of 127.0.0.1) exchanges mail
with Mailsift in both directions. Mailsift's outbound delivery reaches Postfix through
`[outbound.routes]` and lands in Postfix's virtual maildir; Postfix relays mail for Mailsift's
domain to Mailsift's SMTP port (transport_maps), and it arrives in the user's INBOX over IMAP.
Both hops negotiate STARTTLS. The system's own Postfix (port 25) is never used."""

import imaplib
import os
import pwd
import shutil
import smtplib
import subprocess
import tempfile
from pathlib import Path

import pytest

from conftest import Server, free_port, wait_for
from test_foundation import make_message

POSTFIX = shutil.which("postfix") or ("/usr/sbin/postfix" if os.path.exists("/usr/sbin/postfix") else None)

pytestmark = pytest.mark.skipif(POSTFIX is None, reason="Debian package `postfix` is not installed (scripts/setup.sh installs it)")

# Every daemon without a chroot: the chroot would need copies of /etc files inside the queue dir.
MASTER_CF = """\
127.0.0.1:{port} inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
"""


class Postfix:
    """A private Postfix instance under its own directory (world-traversable: its daemons run as
    the `postfix` user, and pytest's tmp dirs are private to root)."""

    def __init__(self, port, mailsift_port, cert, key):
        self.root = Path(tempfile.mkdtemp(prefix="mailsift-postfix-"))
        os.chmod(self.root, 0o755)
        self.port = port
        self.conf = self.root / "etc"
        self.queue = self.root / "spool"
        self.data = self.root / "data"
        self.mail = self.root / "mail"
        self.log = self.root / "postfix.log"
        owner = pwd.getpwnam("postfix")
        for d in (self.conf, self.queue, self.data, self.mail):
            d.mkdir()
        os.chown(self.data, owner.pw_uid, owner.pw_gid)
        os.chown(self.mail, owner.pw_uid, owner.pw_gid)
        # The TLS key is read by smtpd before it drops privileges; copies keep them inside root.
        shutil.copy(cert, self.conf / "cert.pem")
        shutil.copy(key, self.conf / "key.pem")
        os.chmod(self.conf / "key.pem", 0o600)
        (self.conf / "master.cf").write_text(MASTER_CF.format(port=port))
        (self.conf / "main.cf").write_text(
            f"""\
compatibility_level = 3.6
queue_directory = {self.queue}
data_directory = {self.data}
maillog_file_prefixes = {self.root}
maillog_file = {self.log}
myhostname = mx.postfix.test
mydomain = postfix.test
myorigin = postfix.test
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
disable_dns_lookups = yes
smtp_host_lookup = native
alias_maps =
alias_database =
virtual_mailbox_domains = postfix.test
virtual_mailbox_base = {self.mail}
virtual_mailbox_maps = inline:{{ carol@postfix.test=carol/ }}
virtual_uid_maps = static:{owner.pw_uid}
virtual_gid_maps = static:{owner.pw_gid}
transport_maps = inline:{{ mailsift.test=smtp:[127.0.0.1]:{mailsift_port} }}
smtp_tls_security_level = may
smtp_tls_loglevel = 1
smtpd_tls_security_level = may
smtpd_tls_cert_file = {self.conf}/cert.pem
smtpd_tls_key_file = {self.conf}/key.pem
smtpd_tls_received_header = yes
smtpd_tls_loglevel = 1
"""
        )

    def run(self, *args):
        return subprocess.run([POSTFIX, "-c", str(self.conf), *args], capture_output=True, text=True, timeout=60)

    def start(self):
        res = self.run("start")
        assert res.returncode == 0, f"postfix start failed: {res.stdout}{res.stderr}\n{self.log_text()}"
        return self

    def stop(self):
        self.run("stop")
        shutil.rmtree(self.root, ignore_errors=True)

    def log_text(self):
        return self.log.read_text(errors="replace") if self.log.exists() else "(no postfix log)"

    def maildir_messages(self, user):
        new = self.mail / user / "new"
        return [p.read_bytes() for p in new.iterdir()] if new.is_dir() else []


def inbox(server, user, password):
    m = imaplib.IMAP4_SSL("localhost", server.port("imaps"), ssl_context=server.ssl_context(), timeout=30)
    m.login(user, password)
    typ, data = m.select("INBOX")
    out = []
    if int(data[0]):
        typ, data = m.fetch("1:*", "(BODY.PEEK[])")
        out = [p[1] for p in data if isinstance(p, tuple)]
    m.logout()
    return out


@pytest.fixture
def pair(tmp_path):
    """Mailsift (routing postfix.test to Postfix's port) and a Postfix (routing mailsift.test to
    Mailsift's MX listener)."""
    pf_port = free_port()
    ms = Server(tmp_path)
    text = ms.config.read_text().replace(
        "[outbound]\n", "[outbound]\nscan_interval = 1\nretry_initial = 1\nretry_max = 2\ntimeout = 10\n", 1
    )
    # Postfix's hostname and sender have no DNS here: SPF/DKIM checks would only add noise.
    text += f'\n[sender_auth]\nenabled = false\n\n[outbound.routes]\n"postfix.test" = "127.0.0.1:{pf_port}"\n'
    ms.config.write_text(text)
    ms.start()
    pf = None
    try:
        pf = Postfix(pf_port, ms.port("smtp"), ms.data / "tls" / "cert.pem", ms.data / "tls" / "key.pem").start()
        yield ms, pf
    finally:
        if pf:
            pf.stop()
        ms.stop()


def test_mailsift_outbound_arrives_in_postfix_maildir(pair):
    ms, pf = pair
    alice = ms.add_user("alice@mailsift.test")
    msg = make_message("alice@mailsift.test", "carol@postfix.test", subject="to postfix")
    mid = msg["Message-ID"]
    with smtplib.SMTP("127.0.0.1", ms.port("submission"), local_hostname="client.test", timeout=30) as s:
        s.starttls(context=ms.ssl_context())
        s.login("alice@mailsift.test", alice)
        assert s.send_message(msg) == {}
    got = wait_for(lambda: pf.maildir_messages("carol"), timeout=30, interval=0.2)
    assert len(got) == 1, f"nothing in Postfix's maildir\n{pf.log_text()}"
    assert mid.encode() in got[0]
    # Postfix's Received header: the hop from Mailsift ran over TLS.
    assert b"by mx.postfix.test (Postfix) with ESMTPS" in got[0], got[0][:1500]
    assert wait_for(lambda: ms.cli("queue", "list", json_output=True) == [], timeout=10)


def test_postfix_relays_into_mailsift_inbox(pair):
    ms, pf = pair
    bob = ms.add_user("bob@mailsift.test")
    msg = make_message("carol@postfix.test", "bob@mailsift.test", subject="from postfix")
    mid = msg["Message-ID"]
    with smtplib.SMTP("127.0.0.1", pf.port, local_hostname="client.test", timeout=30) as s:
        assert s.send_message(msg) == {}
    got = wait_for(lambda: inbox(ms, "bob@mailsift.test", bob), timeout=30, interval=0.2)
    assert len(got) == 1, f"nothing in bob's INBOX\n{pf.log_text()}"
    assert mid.encode() in got[0]
    # Mailsift's Received header: Postfix's smtp client used STARTTLS.
    assert b"from mx.postfix.test" in got[0] and b"with ESMTPS" in got[0], got[0][:1500]
