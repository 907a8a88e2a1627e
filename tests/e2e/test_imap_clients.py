"""IMAP with real clients over TLS to `localhost` (the test CA passed to each client): curl
(imaps:// and imap:// with STARTTLS), python imaplib (IMAP4_SSL and STARTTLS; IDLE, APPEND,
COPY, MOVE, SEARCH, STORE, EXPUNGE, UID commands), fetchmail over IMAP (implicit TLS and
STARTTLS), offlineimap, mutt and neomutt. Every test checks the result on the server with a separate
imaplib session, not only the client's exit status. mbsync is in test_clients.py, the POP3
clients in test_pop3.py. mutt runs in a private tmux server: its index and pager need a terminal."""

import imaplib
import os
import re
import shutil
import smtplib
import socket
import subprocess
import tempfile
import threading
import time

import pytest

from conftest import wait_for


def deliver(server, to, subject, body="hello", sender="zoe@remote.test"):
    raw = (f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\n"
           f"Message-ID: <{subject.replace(' ', '-')}@client.test>\r\n"
           f"Date: Mon, 23 Nov 2026 10:00:00 +0000\r\n\r\n{body}\r\n")
    with smtplib.SMTP("127.0.0.1", server.port("smtp"), local_hostname="client.test", timeout=30) as s:
        s.starttls(context=server.ssl_context())
        s.sendmail(sender, [to], raw)


def ca(server):
    return str(server.data / "tls" / "cert.pem")


def imaps(server, user, password):
    m = imaplib.IMAP4_SSL("localhost", server.port("imaps"), ssl_context=server.ssl_context(), timeout=30)
    m.login(user, password)
    return m


def folder_state(server, user, password, folder="INBOX"):
    """{subject: set of flags} of a folder, read with EXAMINE so nothing changes."""
    m = imaps(server, user, password)
    typ, _ = m.select(f'"{folder}"', readonly=True)
    assert typ == "OK", folder
    out = {}
    typ, data = m.fetch("1:*", "(FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    for item in data:
        if not isinstance(item, tuple):
            continue
        flags = set(re.search(rb"FLAGS \(([^)]*)\)", item[0]).group(1).decode().split())
        subject = item[1].decode().strip().removeprefix("Subject: ")
        out[subject] = flags
    m.logout()
    return out


@pytest.fixture
def account(server):
    password = server.add_user("ivy@example.org")
    for s in ("first", "second", "third"):
        deliver(server, "ivy@example.org", s, body=f"body of {s}")
    return "ivy@example.org", password


# -- curl ----------------------------------------------------------------------------------------

def curl(server, url, user, password, *extra, check=True):
    port = int(url.split("://", 1)[1].split("/", 1)[0].rsplit(":", 1)[1])
    args = ["curl", "-sS", "--resolve", f"localhost:{port}:127.0.0.1", "--cacert", ca(server),
            "--user", f"{user}:{password}", *extra, url]
    res = subprocess.run(args, capture_output=True, text=True, timeout=60)
    if check:
        assert res.returncode == 0, res.stderr
    return res


def test_curl_imaps_list_fetch_examine_append_and_starttls(server, account, tmp_path):
    user, password = account
    base = f"imaps://localhost:{server.port('imaps')}"
    listing = curl(server, f"{base}/", user, password).stdout
    names = [line.rsplit(" ", 1)[1].strip('"') for line in listing.splitlines() if line.startswith("* LIST")]
    for folder in ("INBOX", "Sent", "Junk", "Trash"):
        assert folder in names, listing

    # ;UID=2 fetches with BODY[] (not PEEK): the server marks that message, and only it, \Seen.
    msg = curl(server, f"{base}/INBOX;UID=2", user, password).stdout
    assert "Subject: second" in msg and "body of second" in msg
    state = folder_state(server, user, password)
    assert "\\Seen" in state["second"] and "\\Seen" not in state["first"] | state["third"], state

    # RFC 5092 URL parts: a header section, the text, and a partial range.
    out = curl(server, f"{base}/INBOX;UID=1;SECTION=HEADER.FIELDS%20(SUBJECT)", user, password).stdout
    assert out.strip() == "Subject: first", out
    out = curl(server, f"{base}/INBOX;UID=3;SECTION=TEXT", user, password).stdout
    assert out.strip() == "body of third", out
    out = curl(server, f"{base}/INBOX;UID=3;SECTION=TEXT;PARTIAL=5.2", user, password).stdout
    assert out == "of", out
    out = curl(server, f"{base}/", user, password, "-X", "STATUS INBOX (MESSAGES UNSEEN)").stdout
    # curl fetches BODY[section] without .PEEK, so every message it read is now \Seen.
    assert re.search(r"\(MESSAGES 3 UNSEEN 0\)", out), out

    out = curl(server, f"{base}/", user, password, "-X", "EXAMINE INBOX").stdout
    assert re.search(r"^\* 3 EXISTS", out, re.M), out
    # curl prints only the untagged lines; a read-only selection permits no flag changes.
    assert "[PERMANENTFLAGS ()]" in out, out

    # Upload = APPEND into a folder; the server stores it there.
    upload = tmp_path / "up.eml"
    upload.write_bytes(b"From: ivy@example.org\r\nTo: ivy@example.org\r\nSubject: curl append\r\n"
                       b"\r\nuploaded by curl\r\n")
    curl(server, f"{base}/Sent", user, password, "-T", str(upload))
    assert list(folder_state(server, user, password, "Sent")) == ["curl append"]

    # A search through a custom request.
    out = curl(server, f"{base}/INBOX?SUBJECT%20third", user, password).stdout
    assert re.search(r"^\* SEARCH 3\s*$", out, re.M), out

    # imap:// on the STARTTLS listener with TLS required: curl upgrades before it logs in.
    res = curl(server, f"imap://localhost:{server.port('imap')}/INBOX;UID=3", user, password,
               "--ssl-reqd", "-v")
    assert "Subject: third" in res.stdout
    assert "STARTTLS" in res.stderr, res.stderr
    assert "\\Seen" in folder_state(server, user, password)["third"]

    # Wrong password: curl fails and the server's refusal is the reason.
    res = curl(server, f"{base}/", user, "wrong", check=False)
    assert res.returncode != 0


# -- python imaplib ------------------------------------------------------------------------------

def idle_until(m, predicate, timeout=10.0):
    """RFC 2177 IDLE over imaplib's plumbing (Python 3.11 has no idle()): returns the untagged
    lines seen until predicate matched one, then ends IDLE with DONE."""
    tag = m._new_tag()
    m.send(tag + b" IDLE\r\n")
    line = m.readline()
    assert line.startswith(b"+"), line
    seen = []
    m.sock.settimeout(timeout)
    try:
        while True:
            line = m.readline()
            assert line, "connection closed during IDLE"
            seen.append(line.strip())
            if predicate(line):
                break
    finally:
        m.send(b"DONE\r\n")
    while True:
        line = m.readline()
        if line.startswith(tag):
            assert b" OK" in line, line
            break
        seen.append(line.strip())
    m.sock.settimeout(30)
    return seen


@pytest.mark.parametrize("mode", ["imaps", "starttls"])
def test_imaplib_session(server, account, mode):
    user, password = account
    if mode == "imaps":
        m = imaps(server, user, password)
    else:
        m = imaplib.IMAP4("localhost", server.port("imap"), timeout=30)
        m.starttls(ssl_context=server.ssl_context())
        m.login(user, password)
    caps = m.capabilities
    for cap in ("IDLE", "MOVE", "UIDPLUS"):
        assert cap in caps, caps

    typ, data = m.select("INBOX")
    assert data[0] == b"3"

    # IDLE: a delivery while idling is announced as EXISTS.
    t = threading.Timer(0.5, deliver, args=(server, user, "fourth"))
    t.start()
    seen = idle_until(m, lambda line: re.match(rb"\* 4 EXISTS", line) is not None)
    t.join()
    assert any(re.match(rb"\* 4 EXISTS", s) for s in seen), seen

    # IDLE: another session's flag change and expunge are announced too (RFC 3501 §7.4.1).
    def other_session():
        o = imaps(server, user, password)
        o.select("INBOX")
        o.store("4", "+FLAGS", r"(\Flagged)")
        o.store("4", "+FLAGS", r"(\Deleted)")
        o.expunge()
        o.logout()
    t = threading.Timer(0.5, other_session)
    t.start()
    seen = idle_until(m, lambda line: re.match(rb"\* 4 EXPUNGE", line) is not None)
    t.join()
    assert any(re.match(rb"\* 4 FETCH \(.*FLAGS \([^)]*\\Flagged", s) for s in seen), seen
    assert any(re.match(rb"\* 4 EXPUNGE", s) for s in seen), seen
    m.response("EXPUNGE")

    # APPEND with flags; UIDPLUS reports the new UID.
    typ, data = m.append("INBOX", r"(\Flagged)", None,
                         b"From: ivy@example.org\r\nSubject: appended\r\n\r\nby imaplib\r\n")
    assert typ == "OK", data
    appended_uid = int(re.search(rb"APPENDUID \d+ (\d+)", data[0]).group(1))

    typ, data = m.uid("SEARCH", None, "FLAGGED")
    assert data[0].split() == [str(appended_uid).encode()]
    typ, data = m.search(None, "SUBJECT", "second")
    assert data[0].split() == [b"2"]

    # STORE by sequence number and by UID.
    typ, data = m.store("1", "+FLAGS", r"(\Seen)")
    assert typ == "OK" and b"\\Seen" in data[0]
    typ, _ = m.uid("STORE", str(appended_uid), "+FLAGS", "(\\Answered $Label1)")
    assert typ == "OK"

    # COPY and UID MOVE to other folders.
    typ, data = m.copy("1", "Trash")
    assert typ == "OK", data
    typ, data = m.uid("SEARCH", None, "SUBJECT", "third")
    third_uid = data[0].split()[0].decode()
    typ, data = m.uid("MOVE", third_uid, "Junk")
    assert typ == "OK", data
    # RFC 6851 §3.3: MOVE announces the removal from the source with EXPUNGE.
    assert m.response("EXPUNGE")[1] == [b"3"]

    # Delete "second" and EXPUNGE.
    m.store("2", "+FLAGS", r"(\Deleted)")
    typ, data = m.expunge()
    assert typ == "OK" and data == [b"2"], data

    # UID FETCH of the appended message.
    typ, data = m.uid("FETCH", str(appended_uid), "(FLAGS BODY.PEEK[TEXT])")
    assert b"by imaplib" in data[0][1]
    m.logout()

    inbox = folder_state(server, user, password)
    assert set(inbox) == {"first", "appended"}, inbox
    assert "\\Seen" in inbox["first"]
    assert {"\\Flagged", "\\Answered", "$Label1"} <= inbox["appended"], inbox
    trash = folder_state(server, user, password, "Trash")
    assert set(trash) == {"first"} and "\\Seen" in trash["first"], trash
    assert set(folder_state(server, user, password, "Junk")) == {"third"}


# -- fetchmail over IMAP -------------------------------------------------------------------------

@pytest.mark.parametrize("mode,keep", [("ssl", False), ("starttls", True)])
def test_fetchmail_imap(server, account, tmp_path, mode, keep):
    user, password = account
    mbox = tmp_path / "mbox"
    port = server.port("imaps" if mode == "ssl" else "imap")
    tls = "ssl" if mode == "ssl" else "sslproto tls1.2+"
    rc = tmp_path / "fetchmailrc"
    rc.write_text(
        f'poll localhost with proto IMAP port {port}\n'
        f'  user "{user}" there with password "{password}"\n'
        f'  {tls} sslcertck sslcertfile "{ca(server)}"\n'
        f'  {"keep" if keep else "nokeep"}\n'
        f'  mda "cat >> {mbox}"\n')
    os.chmod(rc, 0o600)
    env = dict(os.environ, HOME=str(tmp_path), FETCHMAILHOME=str(tmp_path))

    def run():
        res = subprocess.run(["fetchmail", "-f", str(rc), "--nosyslog", "-v", "--nodetach"],
                             capture_output=True, text=True, timeout=120, env=env)
        return res

    res = run()
    assert res.returncode == 0, res.stdout + res.stderr
    fetched = mbox.read_text()
    for s in ("first", "second", "third"):
        assert f"Subject: {s}" in fetched, fetched
    if mode == "starttls":
        assert "STARTTLS" in res.stdout + res.stderr
    state = folder_state(server, user, password)
    if keep:
        # `keep`: still on the server, now \Seen, and a second run fetches nothing new
        # (fetchmail asks the server for UNSEEN messages).
        assert set(state) == {"first", "second", "third"}, state
        assert all("\\Seen" in flags for flags in state.values()), state
        deliver(server, user, "fourth")
        res = run()
        assert res.returncode == 0, res.stdout + res.stderr
        fetched = mbox.read_text()
        assert fetched.count("Subject: first") == 1 and "Subject: fourth" in fetched, fetched
    else:
        # Default: fetchmail marks what it fetched \Deleted and expunges it.
        assert state == {}, state


def test_fetchmail_imap_idle_wakes_on_delivery(server, account, tmp_path):
    """fetchmail's `idle` keeps the IMAP session in IDLE (RFC 2177) after fetching; a delivery
    must wake it, be fetched and be deleted on the server."""
    user, password = account
    mbox = tmp_path / "mbox"
    rc = tmp_path / "fetchmailrc"
    rc.write_text(
        f'poll localhost with proto IMAP port {server.port("imaps")}\n'
        f'  user "{user}" there with password "{password}"\n'
        f'  ssl sslcertck sslcertfile "{ca(server)}" idle\n'
        f'  mda "cat >> {mbox}"\n')
    os.chmod(rc, 0o600)
    env = dict(os.environ, HOME=str(tmp_path), FETCHMAILHOME=str(tmp_path))
    log = open(tmp_path / "fetchmail.log", "w")
    proc = subprocess.Popen(["fetchmail", "-f", str(rc), "--nosyslog", "-v", "--nodetach"],
                            stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        def fetched(subject):
            return mbox.exists() and f"Subject: {subject}" in mbox.read_text()

        assert wait_for(lambda: fetched("third"), timeout=30), (tmp_path / "fetchmail.log").read_text()
        # Its -v trace shows the IDLE command sent (not just the capability).
        assert wait_for(lambda: re.search(r"IMAP> \S+ IDLE", (tmp_path / "fetchmail.log").read_text()),
                        timeout=30), (tmp_path / "fetchmail.log").read_text()
        deliver(server, user, "fourth")
        assert wait_for(lambda: fetched("fourth"), timeout=30), (tmp_path / "fetchmail.log").read_text()
        assert proc.poll() is None, "fetchmail left IDLE mode"
        assert wait_for(lambda: folder_state(server, user, password) == {}, timeout=10)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


# -- offlineimap ---------------------------------------------------------------------------------

def maildir_messages(folder):
    out = {}
    for sub in ("cur", "new"):
        d = folder / sub
        if d.is_dir():
            for name in os.listdir(d):
                text = (d / name).read_bytes()
                subject = re.search(rb"^Subject: (.*?)\r?$", text, re.M).group(1).decode()
                out[subject] = d / name
    return out


def test_commands_right_after_starttls_are_answered(server):
    """A command written the moment the STARTTLS handshake ends, while the server's TLS 1.3
    session tickets are still on their way, is answered every time (RFC 9051 §6.2.1). This is
    the server's half of the offlineimap STARTTLS retry below: that lost write is the client's."""
    ctx = server.ssl_context()
    for i in range(40):
        with socket.create_connection(("127.0.0.1", server.port("imap")), timeout=10) as raw:
            f = raw.makefile("rb")
            assert f.readline().startswith(b"* OK")
            raw.sendall(b"a STARTTLS\r\n")
            assert f.readline().startswith(b"a OK"), i
            with ctx.wrap_socket(raw, server_hostname="localhost") as tls:
                tls.sendall(b"b CAPABILITY\r\n")
                got = b""
                while b"\r\nb " not in got:
                    chunk = tls.recv(4096)
                    assert chunk, (i, got)
                    got += chunk
                assert b"\r\nb OK" in got and b"AUTH=PLAIN" in got, (i, got)


@pytest.mark.parametrize("tls", ["ssl", "starttls"])
def test_offlineimap_two_way_sync(server, account, tmp_path, tls):
    if not shutil.which("offlineimap"):
        pytest.skip("offlineimap not installed (scripts/setup.sh installs offlineimap3)")
    user, password = account
    m = imaps(server, user, password)
    m.create("Projects")
    m.create("Projects/Alpha")
    m.append("Projects/Alpha", r"(\Flagged)", None,
             b"From: ivy@example.org\r\nSubject: alpha note\r\n\r\nalpha\r\n")
    # A folder name in modified UTF-7 with a space ("Café Notes", RFC 3501 §5.1.3) holding a
    # 200 kB message that must arrive byte for byte.
    big = (b"From: ivy@example.org\r\nSubject: big one\r\n\r\n"
           + b"".join(b"line %06d of the big one\r\n" % i for i in range(8000)))
    assert m.create('"Caf&AOk- Notes"')[0] == "OK"
    assert m.append('"Caf&AOk- Notes"', None, None, big)[0] == "OK"
    m.logout()

    mail = tmp_path / "Mail"
    rc = tmp_path / "offlineimaprc"
    rc.write_text(f"""[general]
accounts = test
metadata = {tmp_path / "meta"}
socktimeout = 15

[Account test]
localrepository = local
remoterepository = remote

[Repository local]
type = Maildir
localfolders = {mail}

[Repository remote]
type = IMAP
remotehost = localhost
remoteport = {server.port("imaps" if tls == "ssl" else "imap")}
remoteuser = {user}
remotepass = {password}
ssl = {"yes" if tls == "ssl" else "no"}
starttls = {"yes" if tls == "starttls" else "no"}
sslcacertfile = {ca(server)}
""")

    def sync():
        # imaplib2 (offlineimap's IMAP library) starts its reader thread right after the STARTTLS
        # handshake; the TLS 1.3 session tickets a server sends then (an OpenSSL server does too)
        # wake it into a blocking read while the main thread writes CAPABILITY on the same Python
        # SSL object. About 1 connection in 20 the write is lost and the client waits for a reply
        # to a command the server never received. The same client hangs the same way against a
        # Python/OpenSSL server; a client that reads and writes from one thread never does
        # (test_commands_right_after_starttls_are_answered). So a run that failed there, before
        # LOGIN (nothing synced yet), is run again; socktimeout makes such a run fail in seconds.
        for _ in range(3):
            res = subprocess.run(["offlineimap", "-c", str(rc), "-o", "-u", "basic", "-d", "imap"],
                                 capture_output=True, text=True, timeout=180)
            out = res.stdout + res.stderr
            lost = (res.returncode != 0 and "Failed to start TLS connection" in out
                    and not re.search(r"> b'\S+ (LOGIN|AUTHENTICATE)", out))
            if not (tls == "starttls" and lost):
                break
        assert res.returncode == 0, res.stdout + res.stderr
        assert "ERROR" not in res.stdout + res.stderr, (res.stdout + res.stderr)[-3000:]
        return res

    res = sync()
    if tls == "starttls":
        # offlineimap's protocol trace (-d imap) shows the upgrade before LOGIN.
        out = res.stdout + res.stderr
        starttls = re.search(r"> b'\S+ STARTTLS", out)
        login = re.search(r"> b'\S+ (LOGIN|AUTHENTICATE)", out)
        assert starttls and login and starttls.start() < login.start(), out[:6000]
    inbox = maildir_messages(mail / "INBOX")
    assert set(inbox) == {"first", "second", "third"}, inbox
    alpha = maildir_messages(mail / "Projects.Alpha" if (mail / "Projects.Alpha").is_dir()
                             else mail / "Projects" / "Alpha")
    assert set(alpha) == {"alpha note"}
    for folder in ("Sent", "Trash"):
        assert (mail / folder).is_dir(), os.listdir(mail)
    cafe = maildir_messages(mail / "Caf&AOk- Notes")
    assert set(cafe) == {"big one"}, os.listdir(mail)
    assert cafe["big one"].read_bytes().replace(b"\r\n", b"\n") == big.replace(b"\r\n", b"\n")

    # Locally: mark "first" read, delete "second", and file a new message into Projects/Alpha.
    path = inbox["first"]
    base, _, flags = path.name.partition(":2,")
    os.rename(path, path.parent.parent / "cur" / f"{base}:2,{''.join(sorted(set(flags + 'S')))}")
    os.unlink(inbox["second"])
    alpha_dir = next(iter(alpha.values())).parent.parent
    (alpha_dir / "new" / f"{int(time.time())}.local.test").write_bytes(
        b"From: ivy@example.org\r\nSubject: written offline\r\n\r\nlocal\r\n")
    # A folder made locally is created on the server with its message.
    for sub in ("cur", "new", "tmp"):
        (mail / "Local Notes" / sub).mkdir(parents=True)
    (mail / "Local Notes" / "new" / f"{int(time.time())}.notes.test").write_bytes(
        b"From: ivy@example.org\r\nSubject: note to self\r\n\r\nremember\r\n")
    # And on the server, meanwhile: a new delivery.
    deliver(server, user, "fourth")
    sync()

    state = folder_state(server, user, password)
    assert set(state) == {"first", "third", "fourth"}, state
    assert "\\Seen" in state["first"] and "\\Seen" not in state["third"], state
    alpha_state = folder_state(server, user, password, "Projects/Alpha")
    assert set(alpha_state) == {"alpha note", "written offline"}, alpha_state
    assert "\\Flagged" in alpha_state["alpha note"]
    assert "fourth" in maildir_messages(mail / "INBOX")
    assert set(folder_state(server, user, password, "Local Notes")) == {"note to self"}


# -- mutt ----------------------------------------------------------------------------------------

def muttrc(server, tmp_path, user, password, listener="imaps"):
    scheme = "imaps" if listener == "imaps" else "imap"
    rc = tmp_path / "muttrc"
    rc.write_text(
        f'set folder = "{scheme}://{user.replace("@", "%40")}@localhost:{server.port(listener)}/"\n'
        'set spoolfile = "+INBOX"\n'
        f'set imap_pass = "{password}"\n'
        f'set ssl_ca_certificates_file = "{ca(server)}"\n'
        'set ssl_starttls = yes\nset ssl_force_tls = yes\nset ssl_verify_host = yes\n'
        'set header_cache = ""\nset message_cachedir = ""\nset imap_check_subscribed = no\n'
        'set confirmcreate = no\nset confirmappend = no\nset delete = yes\nset move = no\n'
        'set mark_old = no\nset wait_key = no\nset pipe_split = no\nset beep = no\n'
        'set quit = yes\nset sort = date-sent\nset from = "ivy@example.org"\n'
        'set hostname = "laptop.example"\nset sendmail = "/bin/true"\n')
    return rc


def tmux_socket():
    # A Unix socket path has ~107 bytes at most: a short private directory, not tmp_path.
    return os.path.join(tempfile.mkdtemp(prefix="mstmux"), "s")


def tmux_env(tmp_path):
    env = dict(os.environ, HOME=str(tmp_path), TERM="xterm")
    env.pop("TMUX", None)  # a private server even when the tests themselves run inside tmux
    return env


def run_mutt_in_tmux(tmp_path, args, done, timeout=60):
    """mutt's index and pager need a terminal: run it in a private tmux server (its own socket
    under tmp_path) and wait for `done` (written by the shell when mutt exits)."""
    sock = tmux_socket()
    env = tmux_env(tmp_path)
    cmd = " ".join(f"'{a}'" for a in args) + f"; echo $? > {done}"
    subprocess.run(["tmux", "-S", sock, "new-session", "-d", "-x", "200", "-y", "50", cmd],
                   check=True, env=env, timeout=30)
    screen = ""
    try:
        deadline = time.time() + timeout
        while time.time() < deadline and not done.exists():
            res = subprocess.run(["tmux", "-S", sock, "capture-pane", "-p"], capture_output=True,
                                 text=True, env=env, timeout=30)
            screen = res.stdout or screen
            time.sleep(0.2)
        assert done.exists(), f"mutt did not finish; screen:\n{screen}"
        assert done.read_text().strip() == "0", screen
    finally:
        subprocess.run(["tmux", "-S", sock, "kill-server"], capture_output=True, env=env, timeout=30)
        shutil.rmtree(os.path.dirname(sock), ignore_errors=True)
    return screen


@pytest.mark.parametrize("mutt", ["mutt", "neomutt"])
@pytest.mark.parametrize("listener", ["imaps", "imap"])
def test_mutt_reads_flags_saves_and_appends(server, account, tmp_path, listener, mutt):
    if not shutil.which(mutt) or not shutil.which("tmux"):
        pytest.skip(f"{mutt} or tmux not installed (scripts/setup.sh installs them)")
    user, password = account
    rc = muttrc(server, tmp_path, user, password, listener)
    piped = tmp_path / "piped.txt"
    archived = tmp_path / "archived.txt"
    done = tmp_path / "mutt.done"
    keys = (
        # Save "second" to a new folder (created by mutt, CREATE + COPY), purged at sync.
        "<tag-pattern>~s second<enter><tag-prefix><save-message>=Archive<enter>"
        "<untag-pattern>~A<enter>"
        # Read "first" in the pager: it becomes \Seen on the server.
        "<search>~s first<enter><display-message><exit>"
        # Flag "third" and pipe its text out.
        "<search>~s third<enter><flag-message>"
        f"<pipe-message>cat > {piped}<enter>"
        "<sync-mailbox>"
        # Open the other folder and pipe what is there.
        f"<change-folder>=Archive<enter><pipe-message>cat > {archived}<enter>"
        "<quit>")
    run_mutt_in_tmux(tmp_path, [mutt, "-n", "-F", str(rc), "-e", f'push "{keys}"'], done)

    assert "Subject: third" in piped.read_text() and "body of third" in piped.read_text()
    assert "Subject: second" in archived.read_text()
    state = folder_state(server, user, password)
    assert set(state) == {"first", "third"}, state
    assert "\\Seen" in state["first"], state
    assert "\\Flagged" in state["third"], state
    assert set(folder_state(server, user, password, "Archive")) == {"second"}

    # Batch mode (no terminal): a sent message's copy is APPENDed to the record folder. neomutt
    # skips an IMAP Fcc in batch mode ("not supported in batch mode"), so only mutt here.
    if mutt != "mutt":
        return
    env = dict(os.environ, HOME=str(tmp_path))
    res = subprocess.run([mutt, "-n", "-F", str(rc), "-e", "set record = +Sent", "-e", "set copy = yes",
                          "-s", "from mutt", "someone@remote.test"],
                         input="Hello from mutt.\n", capture_output=True, text=True, timeout=60, env=env)
    assert res.returncode == 0, res.stdout + res.stderr
    sent = folder_state(server, user, password, "Sent")
    assert set(sent) == {"from mutt"} and "\\Seen" in sent["from mutt"], sent


class Tmux:
    """A private tmux server (its own socket under tmp_path) running one program."""

    def __init__(self, tmp_path, command):
        self.sock = tmux_socket()
        self.env = tmux_env(tmp_path)
        subprocess.run(["tmux", "-S", self.sock, "new-session", "-d", "-x", "200", "-y", "50", command],
                       check=True, env=self.env, timeout=30)

    def screen(self):
        return subprocess.run(["tmux", "-S", self.sock, "capture-pane", "-p"], capture_output=True,
                              text=True, env=self.env, timeout=30).stdout

    def wait_screen(self, predicate, timeout=20):
        last = wait_for(lambda: (lambda s: s if predicate(s) else None)(self.screen()), timeout=timeout)
        assert last, f"screen never matched:\n{self.screen()}"
        return last

    def keys(self, *keys):
        subprocess.run(["tmux", "-S", self.sock, "send-keys", *keys], check=True, env=self.env, timeout=30)

    def close(self):
        subprocess.run(["tmux", "-S", self.sock, "kill-server"], capture_output=True, env=self.env, timeout=30)
        shutil.rmtree(os.path.dirname(self.sock), ignore_errors=True)


@pytest.mark.parametrize("parent", ["kept", "deleted"])
@pytest.mark.parametrize("mutt", ["mutt", "neomutt"])
def test_mutt_folder_browser_lists_and_descends(server, account, tmp_path, mutt, parent):
    """The folder browser (LIST) shows every folder, a modified-UTF-7 name decoded, a parent
    with children that can be entered to reach the child — also after the parent was deleted,
    which leaves it as a \\Noselect node (RFC 3501 §6.3.4)."""
    if not shutil.which(mutt) or not shutil.which("tmux"):
        pytest.skip(f"{mutt} or tmux not installed (scripts/setup.sh installs them)")
    user, password = account
    m = imaps(server, user, password)
    for name in ("Projects", "Projects/Alpha", '"Caf&AOk- Notes"'):
        assert m.create(name)[0] == "OK"
    m.append("Projects/Alpha", None, None, b"From: ivy@example.org\r\nSubject: in alpha\r\n\r\nx\r\n")
    if parent == "deleted":
        assert m.delete("Projects")[0] == "OK"
    m.logout()
    rc = muttrc(server, tmp_path, user, password)
    # neomutt's browser opens on its (empty) list of mailboxes; Tab switches to the folders.
    toggle = "<toggle-mailboxes>" if mutt == "neomutt" else ""
    tmux = Tmux(tmp_path, f"{mutt} -n -F {rc} -e 'push \"<change-folder>?{toggle}\"'")
    try:
        screen = tmux.wait_screen(lambda s: "Projects/" in s and "Trash" in s)
        for name in ("INBOX", "Sent", "Junk", "Café Notes", "Projects/"):
            assert re.search(rf"\s{re.escape(name)}\s*$", screen, re.M), screen
        # Search for the parent in the browser, enter it, and the child is listed.
        tmux.keys("/", "^Projects/$", "Enter")
        time.sleep(0.3)
        tmux.keys("Enter")
        screen = tmux.wait_screen(lambda s: "Alpha" in s)
        assert re.search(r"Projects/Alpha\s*$|\sAlpha\s*$", screen, re.M), screen
        # Opening the child shows its message.
        tmux.keys("/", "Alpha", "Enter")
        time.sleep(0.3)
        tmux.keys("Enter")
        tmux.wait_screen(lambda s: "in alpha" in s)
    finally:
        tmux.close()


@pytest.mark.parametrize("mutt", ["mutt", "neomutt"])
def test_mutt_index_sees_new_mail_and_other_sessions_flags(server, account, tmp_path, mutt):
    """An open mailbox in mutt (IDLE between keystrokes) shows a new delivery and a flag set by
    another session, without any key pressed."""
    if not shutil.which(mutt) or not shutil.which("tmux"):
        pytest.skip(f"{mutt} or tmux not installed (scripts/setup.sh installs them)")
    user, password = account
    rc = muttrc(server, tmp_path, user, password)
    with open(rc, "a") as f:
        f.write("set imap_idle = yes\nset timeout = 1\nset mail_check = 1\n")
    tmux = Tmux(tmp_path, f"{mutt} -n -F {rc}")
    try:
        screen = tmux.wait_screen(lambda s: "third" in s and "first" in s)
        assert not re.search(r"^.*!.*\bfirst\s*$", screen, re.M), screen
        deliver(server, user, "fifth")
        tmux.wait_screen(lambda s: "fifth" in s)
        m = imaps(server, user, password)
        m.select("INBOX")
        typ, data = m.search(None, "SUBJECT", "first")
        m.store(data[0], "+FLAGS", r"(\Flagged)")
        m.logout()
        # The index shows the flag ("!") in the line of "first".
        tmux.wait_screen(lambda s: re.search(r"^.*!.*\bfirst\s*$", s, re.M) is not None)
    finally:
        tmux.close()
