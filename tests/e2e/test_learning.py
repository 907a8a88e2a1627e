"""Users' actions over IMAP reach the plugins' `learn` hook: MOVE into Junk (spam), COPY out of
Junk then delete (ham), `$Junk` set with STORE (spam), moving back from Promotions (personal).
The `learn-recorder` test plugin counts learn calls per class and reports the counts in an
`X-Learned` header on the next message, which is how the test reads them."""

import imaplib
import shutil
import smtplib
import time

from conftest import Server
from test_plugins import component


def send(srv, subject):
    with smtplib.SMTP("127.0.0.1", srv.port("smtp"), local_hostname="client.test", timeout=30) as s:
        s.sendmail("sender@remote.test", ["bob@example.org"],
                   f"From: sender@remote.test\r\nTo: bob@example.org\r\nSubject: {subject}\r\n\r\nbody\r\n")


def learned(m, subject):
    """The X-Learned header of the INBOX message with `subject`."""
    m.select("INBOX")
    typ, data = m.search(None, "SUBJECT", subject)
    num = data[0].split()[-1]
    typ, d = m.fetch(num, "(BODY.PEEK[HEADER.FIELDS (X-Learned)])")
    value = d[0][1].decode().split(":", 1)[1].strip()
    return dict(kv.split("=") for kv in value.split())


def wait_learned(srv, m, want, timeout=10):
    """Sends probes until the counts reach `want` (the learner runs in the background)."""
    deadline = time.time() + timeout
    n = 0
    while True:
        n += 1
        subject = f"probe-{n}-{int(time.time() * 1000)}"
        send(srv, subject)
        got = learned(m, subject)
        if all(int(got[k]) >= v for k, v in want.items()) or time.time() > deadline:
            return got
        time.sleep(0.2)


def test_imap_actions_reach_learn(tmp_path):
    srv = Server(tmp_path)
    (srv.data / "plugins").mkdir(parents=True, exist_ok=True)
    shutil.copy(component("learn-recorder"), srv.data / "plugins" / "learn-recorder.wasm")
    srv.start()
    try:
        password = srv.add_user("bob@example.org")
        for s in ["one", "two", "three", "four"]:
            send(srv, s)
        m = imaplib.IMAP4_SSL("127.0.0.1", srv.port("imaps"), ssl_context=srv.ssl_context(), timeout=30)
        m.login("bob@example.org", password)
        m.select("INBOX")

        # MOVE into Junk: spam.
        typ, data = m.uid("SEARCH", None, "SUBJECT", "one")
        assert m.uid("MOVE", data[0].decode(), "Junk")[0] == "OK"
        got = wait_learned(srv, m, {"spam": 1})
        assert got["spam"] == "1" and got["ham"] == "0", got

        # COPY back out of Junk, then delete it there (what clients without MOVE do): ham.
        m.select("Junk")
        assert m.copy("1", "INBOX")[0] == "OK"
        m.store("1", "+FLAGS", "(\\Deleted)")
        m.expunge()
        m.select("INBOX")
        got = wait_learned(srv, m, {"ham": 1})
        assert got["ham"] == "1" and got["spam"] == "1", got

        # STORE +FLAGS $Junk: spam again; $NotJunk: ham again.
        typ, data = m.search(None, "SUBJECT", "two")
        m.store(data[0].decode(), "+FLAGS", "($Junk)")
        typ, data = m.search(None, "SUBJECT", "three")
        m.store(data[0].decode(), "+FLAGS", "($NotJunk)")
        got = wait_learned(srv, m, {"spam": 2, "ham": 2})
        assert (got["spam"], got["ham"]) == ("2", "2"), got

        # Into Promotions, then back to INBOX: promotion, then personal. Archive teaches nothing.
        typ, data = m.uid("SEARCH", None, "SUBJECT", "four")
        m.uid("MOVE", data[0].decode(), "Promotions")
        m.select("Promotions")
        m.uid("MOVE", "1:*", "INBOX")
        m.select("INBOX")
        typ, data = m.uid("SEARCH", None, "SUBJECT", "two")
        m.uid("MOVE", data[0].decode(), "Archive")
        got = wait_learned(srv, m, {"promotion": 1, "personal": 1})
        assert (got["promotion"], got["personal"]) == ("1", "1"), got
        assert (got["spam"], got["ham"], got["social"]) == ("2", "2", "0"), got
        m.logout()
    finally:
        srv.stop()
