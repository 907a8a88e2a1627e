"""Block lists through the real server: `mailsift list add` while it runs (admin socket), then an
SMTP client refused at RCPT TO for the blocking recipient only, with the bundled `lists` plugin
in the plugin folder."""

import os
import shutil
import smtplib
from pathlib import Path

from conftest import ROOT, Server

BUNDLED = Path(os.environ.get("MAILSIFT_BUNDLED_PLUGINS", ROOT / "plugins" / "dist"))


def test_block_list_refuses_at_rcpt(tmp_path):
    lists = BUNDLED / "lists.wasm"
    assert lists.is_file(), f"{lists} is missing: build it with `scripts/build-plugins.sh plugins/dist`"
    srv = Server(tmp_path)
    (srv.data / "plugins").mkdir(parents=True, exist_ok=True)
    shutil.copy(lists, srv.data / "plugins" / "lists.wasm")
    srv.start()
    try:
        srv.add_user("bob@example.org")
        srv.add_user("carol@example.org")
        srv.cli("list", "add", "--account", "bob@example.org", "--block", "*.spam.test")
        with smtplib.SMTP("127.0.0.1", srv.port("smtp"), timeout=10) as s:
            s.ehlo("client.test")
            code, _ = s.mail("promo@mailer.spam.test")
            assert code == 250
            code, text = s.rcpt("bob@example.org")
            assert code == 550, text
            assert text.decode().startswith("5.7.1 Sender refused by the recipient's block list")
            code, _ = s.rcpt("carol@example.org")
            assert code == 250
            code, _ = s.data(b"From: promo@mailer.spam.test\r\nSubject: deal\r\n\r\nbuy\r\n")
            assert code == 250
    finally:
        srv.stop()


def test_changes_through_the_admin_socket_are_seen_by_the_next_rcpt(tmp_path):
    """Recipient resolutions and list lookups are cached in the server (issue 19): each change
    made with the CLI while it runs must answer the next transaction's RCPT TO in an open
    session."""
    lists = BUNDLED / "lists.wasm"
    assert lists.is_file(), f"{lists} is missing: build it with `scripts/build-plugins.sh plugins/dist`"
    srv = Server(tmp_path)
    (srv.data / "plugins").mkdir(parents=True, exist_ok=True)
    shutil.copy(lists, srv.data / "plugins" / "lists.wasm")
    srv.start()
    try:
        srv.add_user("bob@example.org")
        srv.add_user("carol@example.org")
        with smtplib.SMTP("127.0.0.1", srv.port("smtp"), timeout=10) as s:
            s.ehlo("client.test")

            def rcpt(address, times=2):
                # A transaction each: a recipient already accepted is not checked again.
                codes = set()
                for _ in range(times):
                    s.rset()
                    assert s.mail("news@mailer.spam.test")[0] == 250
                    codes.add(s.rcpt(address)[0])
                assert len(codes) == 1, (address, codes)
                return codes.pop()

            # Warm: each answer asked twice, so that it is cached before the change.
            assert rcpt("bob@example.org") == 250
            assert rcpt("carol@example.org") == 250
            assert rcpt("sales@example.org") == 550
            assert rcpt("dave@example.net") != 250, "not our domain yet"
            srv.cli("list", "add", "--account", "bob@example.org", "--block", "*.spam.test")
            assert rcpt("bob@example.org") == 550
            assert rcpt("carol@example.org") == 250, "bob's list answered for carol"
            srv.cli("list", "remove", "--account", "bob@example.org", "*.spam.test")
            assert rcpt("bob@example.org") == 250
            srv.cli("list", "add", "--domain", "example.org", "--block", "*.spam.test")
            assert rcpt("carol@example.org") == 550
            srv.cli("list", "remove", "--domain", "example.org", "*.spam.test")
            assert rcpt("carol@example.org") == 250
            srv.cli("alias", "add", "carol@example.org", "sales@example.org")
            assert rcpt("sales@example.org") == 250
            srv.cli("alias", "remove", "carol@example.org", "sales@example.org")
            assert rcpt("sales@example.org") == 550
            srv.cli("domain", "add", "example.net")
            srv.cli("account", "add", "dave@example.net")
            assert rcpt("dave@example.net") == 250
            srv.cli("account", "remove", "dave@example.net")
            assert rcpt("dave@example.net") == 550
    finally:
        srv.stop()
