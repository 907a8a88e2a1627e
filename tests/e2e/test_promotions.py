"""The bundled promotions / social plugin through the real server: a newsletter lands in
Promotions (seen over IMAP); moving it back to INBOX over IMAP teaches the background learner that
its sender belongs in INBOX, so the next newsletter from that sender is delivered to INBOX; a
social-network notification lands in SocialNetworks; `mailsift plugin set promotions --account
ADDR enabled=false` turns the filter off for that account only."""

import imaplib
import os
import shutil
import smtplib
import time
from pathlib import Path

from conftest import ROOT, Server

BUNDLED = Path(os.environ.get("MAILSIFT_BUNDLED_PLUGINS", ROOT / "plugins" / "dist"))


def newsletter(n):
    return (
        "From: Northwind Deals <deals@northwind.test>\r\n"
        "To: bob@example.org\r\n"
        f"Subject: Spring sale {n}: 30% off everything\r\n"
        f"Message-ID: <spring-{n}@northwind.test>\r\n"
        "List-Unsubscribe: <https://northwind.test/u?id=7>\r\n"
        "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
        "Precedence: bulk\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/html; charset=utf-8\r\n\r\n"
        "<html><body><h1>Spring sale</h1><p>30% off everything, free shipping this week.</p>"
        '<a href="https://northwind.test/s?utm_campaign=spring">Shop now</a>'
        '<p><a href="https://northwind.test/u?id=7">Unsubscribe</a></p>'
        '<img src="https://northwind.test/o.gif" width="1" height="1"></body></html>\r\n'
    )


FRIEND_REQUEST = (
    "From: Facebook <notification@facebookmail.com>\r\n"
    "To: bob@example.org\r\n"
    "Subject: Lucia sent you a friend request\r\n"
    "Message-ID: <fr-1@facebookmail.com>\r\n"
    "X-Facebook-Notify: friend_request\r\n\r\n"
    "Lucia wants to be friends on Facebook.\r\n"
)


def send(srv, mail_from, rcpts, raw):
    with smtplib.SMTP("127.0.0.1", srv.port("smtp"), local_hostname="client.test", timeout=30) as s:
        s.sendmail(mail_from, rcpts, raw)


def folder_of(m, subject):
    """The folder holding the message with `subject` (None if none does)."""
    for folder in ("INBOX", "Promotions", "SocialNetworks"):
        m.select(folder)
        typ, data = m.search(None, "SUBJECT", f'"{subject}"')
        if data[0].split():
            return folder
    return None


def header(m, folder, subject, name):
    m.select(folder)
    typ, data = m.search(None, "SUBJECT", f'"{subject}"')
    num = data[0].split()[-1]
    typ, d = m.fetch(num, f"(BODY.PEEK[HEADER.FIELDS ({name})])")
    return d[0][1].decode().split(":", 1)[1].strip()


def test_newsletter_moved_back_to_inbox_teaches_the_filter(tmp_path):
    plugin = BUNDLED / "promotions.wasm"
    assert plugin.is_file(), f"{plugin} is missing: build it with `scripts/build-plugins.sh plugins/dist`"
    srv = Server(tmp_path)
    (srv.data / "plugins").mkdir(parents=True, exist_ok=True)
    shutil.copy(plugin, srv.data / "plugins" / "promotions.wasm")
    srv.start()
    try:
        password = srv.add_user("bob@example.org")
        carol_password = srv.add_user("carol@example.org")
        m = imaplib.IMAP4_SSL("127.0.0.1", srv.port("imaps"), ssl_context=srv.ssl_context(), timeout=30)
        m.login("bob@example.org", password)

        send(srv, "bounce@mail.northwind.test", ["bob@example.org"], newsletter(1))
        send(srv, "notification@facebookmail.com", ["bob@example.org"], FRIEND_REQUEST)
        assert folder_of(m, "Spring sale 1") == "Promotions"
        assert header(m, "Promotions", "Spring sale 1", "X-Mailsift-Category").startswith("promotion (")
        assert folder_of(m, "friend request") == "SocialNetworks"

        # Bob moves the newsletter back to INBOX. The learner runs in the background: send
        # newsletters until one stays in INBOX (or give up after 10 s).
        m.select("Promotions")
        typ, data = m.uid("SEARCH", None, "SUBJECT", '"Spring sale 1"')
        assert m.uid("MOVE", data[0].decode(), "INBOX")[0] == "OK"
        deadline = time.time() + 10
        n = 1
        while True:
            n += 1
            send(srv, "bounce@mail.northwind.test", ["bob@example.org"], newsletter(n))
            where = folder_of(m, f"Spring sale {n}")
            if where == "INBOX" or time.time() > deadline:
                break
            time.sleep(0.2)
        assert where == "INBOX", "the moved-back sender still goes to Promotions"
        assert header(m, "INBOX", f"Spring sale {n}", "X-Mailsift-Category") == (
            "inbox (learnt from the user's moves: deals@northwind.test)"
        )
        m.logout()

        # Only bob learnt it: carol gets the same newsletter in Promotions. Then carol turns the
        # filter off for her account, and the next one stays in her INBOX.
        c = imaplib.IMAP4_SSL("127.0.0.1", srv.port("imaps"), ssl_context=srv.ssl_context(), timeout=30)
        c.login("carol@example.org", carol_password)
        send(srv, "bounce@mail.northwind.test", ["carol@example.org"], newsletter(100))
        assert folder_of(c, "Spring sale 100") == "Promotions"
        srv.cli("plugin", "set", "promotions", "--account", "carol@example.org", "enabled=false")
        send(srv, "bounce@mail.northwind.test", ["carol@example.org"], newsletter(101))
        assert folder_of(c, "Spring sale 101") == "INBOX"
        c.logout()
    finally:
        srv.stop()
