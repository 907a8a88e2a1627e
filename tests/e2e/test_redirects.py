"""Redirects and CSV import through the running server: the CLI talks to it over the admin
socket, SMTP accepts the virtual address at RCPT TO, the copies arrive in the targets' INBOX
(IMAP), the remote target is queued with an SRS0 envelope sender."""

import imaplib
import smtplib

from conftest import Server


def test_redirect_and_csv_with_the_server_running(tmp_path):
    srv = Server(tmp_path).start()
    try:
        bob = srv.add_user("bob@example.org")
        srv.cli("redirect", "add", "team@example.org", "bob@example.org", "friend@remote.test")
        rows = srv.cli("redirect", "list", json_output=True)
        assert [(r["address"], r["kind"]) for r in rows] == [("team@example.org", "virtual")], rows
        refused = srv.cli("redirect", "add", "bob@example.org", "team@example.org", check=False)
        assert refused.returncode != 0 and "loop" in refused.stderr, refused.stderr
        csv = tmp_path / "new.csv"
        csv.write_text("local_part;redirect;delete\ncarol;;\n;;\nbad name;;\n")
        report = srv.cli("account", "import-csv", str(csv), "--domain", "example.org", json_output=True)
        assert (report["created"], report["refused"]) == (1, 1), report
        carol = report["lines"][1]["password"]
        with smtplib.SMTP("127.0.0.1", srv.port("smtp"), local_hostname="client.test", timeout=30) as s:
            s.ehlo("client.test")
            assert s.mail("alice@elsewhere.test")[0] == 250
            assert s.rcpt("team@example.org")[0] == 250
            assert s.rcpt("nobody@example.org")[0] == 550
            assert s.data(b"From: alice@elsewhere.test\r\nSubject: to the team\r\n\r\nhi\r\n")[0] == 250
        m = imaplib.IMAP4_SSL("127.0.0.1", srv.port("imaps"), ssl_context=srv.ssl_context(), timeout=30)
        m.login("bob@example.org", bob)
        typ, data = m.select("INBOX")
        assert typ == "OK" and int(data[0]) == 1
        m.logout()
        m = imaplib.IMAP4_SSL("127.0.0.1", srv.port("imaps"), ssl_context=srv.ssl_context(), timeout=30)
        m.login("carol@example.org", carol)
        m.logout()
        queue = srv.cli("queue", "list", json_output=True)
        assert [q["recipients"] for q in queue] == [["friend@remote.test"]], queue
        assert queue[0]["from"].upper().startswith("SRS0="), queue
        assert queue[0]["from"].endswith("@example.org"), queue
        exported = srv.cli("account", "export-csv", "--domain", "example.org").stdout
        assert exported.splitlines() == [
            "local_part,redirect,delete_after_redirect",
            "bob,,",
            "carol,,",
            "team,bob@example.org friend@remote.test,1",
        ], exported
    finally:
        srv.stop()
