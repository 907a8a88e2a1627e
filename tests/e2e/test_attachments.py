"""The bundled attachments plugin through the real server: a message from the corpus with a
blocked file inside a zip, a 7z or a RAR archive is refused on the wire with 554 5.7.0 and the
member's name; a zip of PDFs is delivered and readable over IMAP.

The component comes from $MAILSIFT_PLUGINS_DIST or plugins/dist (built by
scripts/build-plugins.sh); a missing one fails the test with instructions."""

import imaplib
import os
import shutil
import smtplib
from pathlib import Path

from conftest import ROOT, Server

DIST = Path(os.environ.get("MAILSIFT_PLUGINS_DIST", ROOT / "plugins" / "dist"))
CORPUS = ROOT / "tests" / "corpus" / "attachments"


def test_blocked_attachment_refused_on_the_wire_and_harmless_zip_delivered(tmp_path):
    component = DIST / "attachments.wasm"
    assert component.is_file(), (
        f"{component} is missing: build the plugins with `scripts/build-plugins.sh plugins/dist` "
        "(or set MAILSIFT_PLUGINS_DIST)"
    )
    srv = Server(tmp_path)
    (srv.data / "plugins").mkdir(parents=True)
    shutil.copy(component, srv.data / "plugins" / "attachments.wasm")
    srv.start()
    try:
        password = srv.add_user("alice@example.com")
        with smtplib.SMTP("127.0.0.1", srv.port("smtp"), local_hostname="client.test", timeout=60) as s:
            s.ehlo()
            try:
                s.sendmail("sender@remote.test", ["alice@example.com"], (CORPUS / "zip.eml").read_bytes())
                raise AssertionError("the blocked attachment was accepted")
            except smtplib.SMTPDataError as e:
                assert e.smtp_code == 554, e
                assert e.smtp_error == (
                    b'5.7.0 attachment "invoice.zip/payload/run.exe" has a blocked extension (.exe)'
                ), e.smtp_error
            # 7z and RAR members are named from the archives' headers.
            for eml, text in [
                ("7z.eml", b'5.7.0 attachment "archive.7z/evil.exe" has a blocked extension (.exe)'),
                ("rar4.eml", b'5.7.0 attachment "invoice.rar/payload\\evil.exe" has a blocked extension (.exe)'),
                ("rar5.eml", b'5.7.0 attachment "archive.rar/evil.exe" has a blocked extension (.exe)'),
            ]:
                try:
                    s.sendmail("sender@remote.test", ["alice@example.com"], (CORPUS / eml).read_bytes())
                    raise AssertionError(f"{eml} was accepted")
                except smtplib.SMTPDataError as e:
                    assert (e.smtp_code, e.smtp_error) == (554, text), (eml, e)
            # The same session goes on: a zip of PDFs is delivered.
            refused = s.sendmail("sender@remote.test", ["alice@example.com"],
                                 (CORPUS / "harmless-zip-of-pdfs.eml").read_bytes())
            assert refused == {}
        m = imaplib.IMAP4_SSL("127.0.0.1", srv.port("imaps"), ssl_context=srv.ssl_context(), timeout=30)
        m.login("alice@example.com", password)
        m.select("INBOX")
        _, data = m.search(None, "ALL")
        nums = data[0].split()
        assert len(nums) == 1
        _, d = m.fetch(nums[0], "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
        assert b"Quarterly reports" in d[0][1]
        m.logout()
        rows = srv.cli("plugin", "list", json_output=True)
        row = next(r for r in rows if r["name"] == "attachments")
        assert row["state"] == "loaded" and row["on_error"] == "tempfail", row
        assert row["calls"] == 5 and row["errors"] == 0, row
    finally:
        srv.stop()
