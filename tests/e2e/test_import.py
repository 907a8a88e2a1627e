"""Import from another provider over IMAP (`mailsift import`): from a Dovecot started here
(Debian's dovecot-imapd, own config on loopback, TLS with a private CA made here) and from a
second Mailsift. Every folder, flag and internal date arrives; special-use folders land in ours;
a second import adds nothing; the confirmation mail states the count; a server killed mid-import
resumes and every message is there exactly once; the password is gone when the job ends."""

import email
import email.policy
import imaplib
import os
import pwd
import grp
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from conftest import Server, free_port, wait_for

DOVECOT = "/usr/sbin/dovecot"

pytestmark = pytest.mark.skipif(not os.path.exists(DOVECOT), reason="dovecot-imapd is not installed")


def make_certs(folder: Path):
    """A private CA and a certificate for 127.0.0.1 signed by it (what --ca-file trusts)."""
    def run(*args):
        subprocess.run(args, check=True, capture_output=True, cwd=folder)

    run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
        "-days", "2", "-subj", "/CN=Mailsift test CA")
    run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "key.pem", "-out", "leaf.csr",
        "-subj", "/CN=127.0.0.1")
    (folder / "ext.cnf").write_text("subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n")
    run("openssl", "x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", "cert.pem", "-days", "2", "-extfile", "ext.cnf")


DOVECOT_CONF = """\
base_dir = {d}/run
state_dir = {d}/state
instance_name = mailsift-test-{port}
protocols = imap
listen = 127.0.0.1
default_internal_user = {internal_user}
default_internal_group = {internal_group}
default_login_user = {login_user}
log_path = {d}/dovecot.log
ssl = yes
ssl_cert = <{d}/cert.pem
ssl_key = <{d}/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 0
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {d}/passwd
}}
userdb {{
  driver = static
  args = uid={mail_user} gid={mail_group} home={d}/mail/%u
}}
mail_location = maildir:{d}/mail/%u/Maildir
namespace inbox {{
  inbox = yes
  separator = /
  mailbox "Sent Messages" {{
    special_use = \\Sent
  }}
  mailbox Drafts {{
    special_use = \\Drafts
  }}
  mailbox Spam {{
    special_use = \\Junk
  }}
  mailbox "Deleted Items" {{
    special_use = \\Trash
  }}
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
"""


class Dovecot:
    """A private Dovecot: passwd-file users, maildir in a temporary folder, loopback ports."""

    def __init__(self):
        # Not under pytest's tmp_path: as root, Dovecot's mail processes run as the `dovecot`
        # user (it refuses uid 0), which must reach the folder.
        self.dir = Path(tempfile.mkdtemp(prefix="mailsift-dovecot-"))
        os.chmod(self.dir, 0o755)
        make_certs(self.dir)
        self.port, self.tls_port = free_port(), free_port()
        if os.getuid() == 0:
            # Dovecot runs no login process as root, and no mail process as uid 0.
            internal, login, mail = "dovecot", "dovenull", "dovecot"
            internal_group, mail_group = "dovecot", "dovecot"
        else:
            me = pwd.getpwuid(os.getuid()).pw_name
            group = grp.getgrgid(os.getgid()).gr_name
            internal = login = mail = me
            internal_group = mail_group = group
        for sub in ("run", "state", "mail"):
            (self.dir / sub).mkdir()
        if os.getuid() == 0:
            shutil.chown(self.dir / "mail", mail, mail_group)
        self.users = {}
        self.conf = self.dir / "dovecot.conf"
        self.conf.write_text(DOVECOT_CONF.format(
            d=self.dir, port=self.port, tls_port=self.tls_port, internal_user=internal,
            internal_group=internal_group, login_user=login, mail_user=mail, mail_group=mail_group))
        (self.dir / "passwd").write_text("")
        self.proc = None

    def add_user(self, user, password):
        self.users[user] = password
        (self.dir / "passwd").write_text("".join(f"{u}:{{PLAIN}}{p}:::::\n" for u, p in self.users.items()))

    def start(self):
        self.proc = subprocess.Popen([DOVECOT, "-F", "-c", str(self.conf)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)

        def ready():
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                    return s.recv(100).startswith(b"* OK")
            except OSError:
                return False

        assert wait_for(ready, timeout=15), (self.dir / "dovecot.log").read_text()
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)

    def login(self, user):
        m = imaplib.IMAP4("127.0.0.1", self.port)
        m.login(user, self.users[user])
        return m


@pytest.fixture
def dovecot():
    d = Dovecot()
    # Users before the start: Dovecot notices a changed passwd-file by its mtime (seconds).
    d.add_user("alice", "dovecot secret")
    d.add_user("erin", "erin pw")
    d.start()
    yield d
    d.stop()


def started(folder: Path) -> Server:
    folder.mkdir()
    return Server(folder).start()


def imap_date(ts):
    return imaplib.Time2Internaldate(ts)


def message(mid, subject, size=0):
    filler = ("x" * 70 + "\r\n") * (size // 72)
    return (f"From: Alice <alice@old.example>\r\nTo: bob@example.org\r\nSubject: {subject}\r\n"
            f"Message-ID: <{mid}>\r\nDate: Mon, 1 Feb 2021 10:00:00 +0000\r\n\r\n"
            f"Body of {subject}\r\n{filler}").encode()


# Folder at the source → (folder here, messages: (message-id, flags, internal date)).
BASE = 1_600_000_000


def seed(m, layout):
    """APPENDs the layout into an IMAP account; returns {message-id: (target folder, flags, date)}."""
    expected = {}
    n = 0
    for source, (target, count, flags) in layout.items():
        if source != "INBOX":
            m.create(f'"{source}"')
        for i in range(count):
            n += 1
            mid = f"{source.replace(' ', '_').replace('/', '.')}-{i}@old.example"
            date = BASE + n * 86400 + i * 61
            typ, data = m.append(f'"{source}"', "(" + " ".join(flags) + ")" if flags else None,
                                 imap_date(date), message(mid, f"{source} {i}"))
            assert typ == "OK", data
            expected[mid] = (target, {f.lower() for f in flags}, date)
    return expected


LAYOUT = {
    "INBOX": ("INBOX", 4, ["\\Seen", "$Label1"]),
    "Sent Messages": ("Sent", 3, ["\\Seen", "\\Answered"]),
    "Drafts": ("Drafts", 2, ["\\Draft"]),
    "Spam": ("Junk", 2, ["$Junk"]),
    "Deleted Items": ("Trash", 2, ["\\Seen", "\\Deleted"]),
    "Work": ("Work", 1, ["\\Flagged", "customer_a"]),
    "Work/Projects/2024": ("Work/Projects/2024", 3, ["\\Flagged", "$Important", "Project-X"]),
    "Kunden M\u00fcller": ("Kunden M\u00fcller", 1, []),
}


def utf7(name):
    """Modified UTF-7 (RFC 3501 §5.1.3) for the one non-ASCII name above."""
    return name.replace("\u00fc", "&APw-")


def seed_layout(m):
    layout = {utf7(k): v for k, v in LAYOUT.items()}
    expected = seed(m, layout)
    return expected


def run_import(server, *args, password):
    return subprocess.run(
        [server_bin(), "--config", str(server.config), "--json", "import", *args, "--password-stdin"],
        input=password + "\n", capture_output=True, text=True, timeout=60)


def server_bin():
    from conftest import BIN
    return BIN


def wait_done(server, job, timeout=120):
    def done():
        rows = server.cli("import", "status", str(job), json_output=True)
        return rows[0] if rows[0]["state"] in ("done", "failed", "cancelled") else None

    row = wait_for(done, timeout=timeout, interval=0.3)
    assert row, server.cli("import", "status", str(job)).stdout
    return row


def queued_job(res):
    assert res.returncode == 0, res.stdout + res.stderr
    import json
    lines = json.loads(res.stdout)
    assert lines[0]["job"], lines
    return lines[0]["job"]


def mailsift_login(server, address, password):
    m = imaplib.IMAP4("127.0.0.1", server.port("imap"))
    m.starttls(server.ssl_context())
    m.login(address, password)
    return m


def folders_here(m):
    typ, data = m.list()
    names = []
    for line in data:
        mt = re.match(rb'\((.*?)\) "(.*?)" (.*)', line)
        name = mt.group(3).decode()
        names.append(name.strip('"'))
    return names


def decode_utf7(name):
    return name.replace("&APw-", "\u00fc")


def contents(m, folder):
    """{message-id: (flags, internal date)} of a folder here, and every Message-ID in order."""
    typ, _ = m.select(f'"{folder}"', readonly=True)
    assert typ == "OK", folder
    typ, data = m.fetch("1:*", "(FLAGS INTERNALDATE BODY.PEEK[HEADER.FIELDS (MESSAGE-ID SUBJECT)])")
    out, ids = {}, []
    if data == [None]:
        return out, ids
    for item in data:
        if not isinstance(item, tuple):
            continue
        meta, header = item
        flags = set(f.decode().lower() for f in re.search(rb"FLAGS \((.*?)\)", meta).group(1).split())
        flags.discard("\\recent")
        date = imaplib.Internaldate2tuple(meta)
        ts = int(time.mktime(date))
        mt = re.search(rb"Message-ID: <(.*?)>", header, re.I)
        subj = re.search(rb"Subject: (.*?)\r\n", header, re.I)
        mid = mt.group(1).decode() if mt else "subject:" + (subj.group(1).decode() if subj else "")
        out[mid] = (flags, ts)
        ids.append(mid)
    return out, ids


def check_arrived(m, expected):
    """Every expected message in its folder here, once, with its flags and internal date."""
    names = [decode_utf7(n) for n in folders_here(m)]
    by_folder = {}
    for mid, (target, flags, date) in expected.items():
        by_folder.setdefault(target, {})[mid] = (flags, date)
    for target, msgs in by_folder.items():
        assert target in names, (target, names)
        got, ids = contents(m, target.replace("\u00fc", "&APw-"))
        for mid, (flags, date) in msgs.items():
            assert mid in got, (target, mid, sorted(got))
            assert ids.count(mid) == 1, (target, mid)
            assert got[mid][0] == flags, (target, mid, got[mid][0], flags)
            assert got[mid][1] == date, (target, mid, got[mid][1], date)


def confirmations(m):
    m.select("INBOX", readonly=True)
    typ, data = m.search(None, 'FROM', '"mailer-daemon"')
    out = []
    for num in data[0].split():
        typ, msg = m.fetch(num, "(BODY.PEEK[])")
        parsed = email.message_from_bytes(msg[0][1], policy=email.policy.default)
        headers = "".join(f"{k}: {v}\n" for k, v in parsed.items())
        out.append(headers + "\n" + parsed.get_content())
    return out


def test_import_from_dovecot(tmp_path, dovecot):
    src = dovecot.login("alice")
    expected = seed_layout(src)
    src.logout()
    total = len(expected)

    server = started(tmp_path / "here")
    try:
        password = server.add_user("bob@example.org")
        res = run_import(server, "imap", "--host", "127.0.0.1", "--port", str(dovecot.tls_port), "--tls",
                         "--user", "alice", "--into", "bob@example.org",
                         "--ca-file", str(dovecot.dir / "ca.pem"), password="dovecot secret")
        job = queued_job(res)
        row = wait_done(server, job)
        assert row["state"] == "done", row
        assert row["copied"] == total and row["total"] == total, row
        assert row["credentials_kept"] is False

        m = mailsift_login(server, "bob@example.org", password)
        check_arrived(m, expected)
        notes = confirmations(m)
        assert len(notes) == 1
        assert f"Import finished: {total} messages copied" in notes[0], notes[0]
        assert f"Messages copied: {total}" in notes[0]
        assert "Auto-Submitted: auto-generated" in notes[0]
        # Folder by folder, under the source's names (decoded) and ours.
        assert "Sent Messages -> Sent: 3 of 3" in notes[0], notes[0]
        assert "Kunden M\u00fcller -> Kunden M\u00fcller: 1 of 1" in notes[0], notes[0]
        counts = {f: len(contents(m, f)[1]) for f in folders_here(m)}
        m.logout()

        # Again, this time over STARTTLS: nothing new, only the second confirmation.
        res = run_import(server, "imap", "--host", "127.0.0.1", "--port", str(dovecot.port), "--starttls",
                         "--user", "alice", "--into", "bob@example.org",
                         "--ca-file", str(dovecot.dir / "ca.pem"), password="dovecot secret")
        row = wait_done(server, queued_job(res))
        assert row["state"] == "done", row
        assert row["copied"] == 0 and row["duplicates"] == total, row
        m = mailsift_login(server, "bob@example.org", password)
        again = {f: len(contents(m, f)[1]) for f in folders_here(m)}
        counts["INBOX"] += 1  # the second confirmation
        assert again == counts
        notes = confirmations(m)
        assert any("Import finished: 0 messages copied" in n for n in notes), notes
        m.logout()

        # A wrong password: the job fails, says why, and keeps nothing.
        res = run_import(server, "imap", "--host", "127.0.0.1", "--port", str(dovecot.tls_port), "--tls",
                         "--user", "alice", "--into", "bob@example.org",
                         "--ca-file", str(dovecot.dir / "ca.pem"), password="wrong")
        row = wait_done(server, queued_job(res))
        assert row["state"] == "failed" and "login" in (row["error"] or ""), row
        # Without the CA, the certificate is not trusted.
        res = run_import(server, "imap", "--host", "127.0.0.1", "--port", str(dovecot.tls_port), "--tls",
                         "--user", "alice", "--into", "bob@example.org", password="dovecot secret")
        row = wait_done(server, queued_job(res))
        assert row["state"] == "failed" and "TLS" in (row["error"] or ""), row
    finally:
        server.stop()
    # The server is stopped: the CLI reads the store itself. No job kept its password.
    rows = server.cli("import", "status", json_output=True)
    assert len(rows) == 4
    assert all(not r["credentials_kept"] for r in rows), rows


def test_import_from_second_mailsift(tmp_path):
    source = started(tmp_path / "source")
    server = started(tmp_path / "here")
    try:
        carol = source.add_user("carol@old.example")
        src = mailsift_login(source, "carol@old.example", carol)
        layout = {
            "INBOX": ("INBOX", 3, ["\\Seen", "$Forwarded"]),
            "Sent": ("Sent", 2, ["\\Seen"]),
            "Archive": ("Archive", 1, ["\\Seen", "\\Flagged"]),
            "Projects/Alpha": ("Projects/Alpha", 2, ["Alpha-Label"]),
        }
        # Mailsift has these folders already: CREATE says so, which seed() does not mind.
        expected = seed(src, layout)
        src.logout()
        password = server.add_user("dave@example.org")
        res = run_import(server, "imap", "--host", "127.0.0.1", "--port", str(source.port("imaps")), "--tls",
                         "--user", "carol@old.example", "--into", "dave@example.org",
                         "--ca-file", str(source.data / "tls" / "cert.pem"), password=carol)
        row = wait_done(server, queued_job(res))
        assert row["state"] == "done", row
        assert row["copied"] == len(expected), row
        m = mailsift_login(server, "dave@example.org", password)
        check_arrived(m, expected)
        assert any(f"Import finished: {len(expected)} messages copied" in n for n in confirmations(m))
        m.logout()
    finally:
        server.stop()
        source.stop()


def test_restart_mid_import_resumes(tmp_path, dovecot):
    count = 1500
    src = dovecot.login("alice")
    src.create("Bulk")
    for i in range(count):
        folder = "INBOX" if i % 2 else "Bulk"
        typ, _ = src.append(folder, "(\\Seen)", imap_date(BASE + i * 60),
                            message(f"bulk-{i}@old.example", f"bulk {i}", size=6000))
        assert typ == "OK"
    src.logout()

    server = started(tmp_path / "here")
    password = server.add_user("bob@example.org")
    res = run_import(server, "imap", "--host", "127.0.0.1", "--port", str(dovecot.tls_port), "--tls",
                     "--user", "alice", "--into", "bob@example.org",
                     "--ca-file", str(dovecot.dir / "ca.pem"), password="dovecot secret")
    job = queued_job(res)

    def midway():
        row = server.cli("import", "status", str(job), json_output=True)[0]
        return row if 0 < row["copied"] < count and row["state"] == "running" else None

    row = wait_for(midway, timeout=60, interval=0.02)
    assert row, server.cli("import", "status", str(job)).stdout
    server.kill9()
    # Stopped: the checkpoint is in the store, and so is the password (the job has not ended).
    stopped = server.cli("import", "status", str(job), json_output=True)[0]
    assert stopped["state"] == "running" and stopped["copied"] < count, stopped
    assert stopped["credentials_kept"] is True

    server.start()
    try:
        row = wait_done(server, job)
        assert row["state"] == "done", row
        assert row["copied"] == count, row
        assert row["credentials_kept"] is False
        m = mailsift_login(server, "bob@example.org", password)
        seen = []
        for folder in ("INBOX", "Bulk"):
            seen += [i for i in contents(m, folder)[1] if i.startswith("bulk-")]
        assert len(seen) == count, (len(seen), count)
        assert len(set(seen)) == count, "a message arrived twice"
        notes = confirmations(m)
        assert len(notes) == 1 and f"Import finished: {count} messages copied" in notes[0], notes
        m.logout()
    finally:
        server.stop()


def test_csv_batch(tmp_path, dovecot):
    src = dovecot.login("alice")
    src.append("INBOX", "(\\Seen)", imap_date(BASE), message("csv-1@old.example", "csv 1"))
    src.logout()
    server = started(tmp_path / "here")
    try:
        server.add_user("bob@example.org")
        server.add_user("erin@example.org")
        batch = tmp_path / "batch.csv"
        batch.write_text(
            "address,host,port,security,user,password\n"
            f"bob@example.org,127.0.0.1,{dovecot.tls_port},tls,alice,dovecot secret\n"
            f"erin@example.org,127.0.0.1,{dovecot.port},starttls,erin,erin pw\n"
            f"nobody@example.org,127.0.0.1,{dovecot.port},starttls,erin,erin pw\n")
        res = subprocess.run([server_bin(), "--config", str(server.config), "import", "csv", str(batch),
                              "--ca-file", str(dovecot.dir / "ca.pem")], capture_output=True, text=True)
        assert res.returncode == 1, res.stdout + res.stderr
        assert "1: import 1 queued into bob@example.org" in res.stdout, res.stdout
        assert "2: import 2 queued into erin@example.org" in res.stdout, res.stdout
        assert "3: refused for nobody@example.org: no account" in res.stdout, res.stdout
        assert wait_done(server, 1)["copied"] == 1
        assert wait_done(server, 2)["state"] == "done"
        many = tmp_path / "many.csv"
        many.write_text("address,host,port,security,user,password\n"
                        + "".join(f"u{i}@example.org,h,993,tls,u,p\n" for i in range(26)))
        res = server.cli("import", "csv", str(many), check=False)
        assert res.returncode != 0 and "more than 25" in res.stderr, res.stderr

        # A server that never answers: the job waits (time-out), and `import cancel` ends it
        # at once, password included.
        with socket.socket() as silent:
            silent.bind(("127.0.0.1", 0))
            silent.listen(4)
            res = run_import(server, "imap", "--host", "127.0.0.1", "--port", str(silent.getsockname()[1]),
                             "--tls", "--user", "x", "--into", "bob@example.org", password="pw")
            job = queued_job(res)
            assert wait_for(lambda: server.cli("import", "status", str(job), json_output=True)[0]["state"]
                            == "running", timeout=10)
            row = server.cli("import", "cancel", str(job), json_output=True)[0]
            assert row["state"] == "cancelled" and not row["credentials_kept"], row
            row = server.cli("import", "status", str(job), json_output=True)[0]
            assert row["state"] == "cancelled" and not row["credentials_kept"], row
    finally:
        server.stop()
