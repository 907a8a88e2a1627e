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
