"""Sieve through the real server: a script uploaded with the CLI files mail into a folder it
creates, and its vacation reply lands in the outbound queue."""

import imaplib
import smtplib

from conftest import Server


def test_script_files_mail_and_queues_vacation(tmp_path):
    srv = Server(tmp_path).start()
    try:
        password = srv.add_user("bob@example.org")
        script = tmp_path / "filters.sieve"
        script.write_text(
            'require ["fileinto", "mailbox", "vacation", "imap4flags"];\n'
            'if header :contains "subject" "[work]" { fileinto :create :flags "\\\\Flagged" "Work"; }\n'
            'vacation :days 1 :subject "Away" "Back on Monday.";\n')
        srv.cli("sieve", "put", "bob@example.org", str(script), "--activate")
        with smtplib.SMTP("127.0.0.1", srv.port("smtp"), local_hostname="client.test", timeout=30) as s:
            s.sendmail("alice@remote.test", ["bob@example.org"],
                       "From: alice@remote.test\r\nTo: bob@example.org\r\nSubject: [work] plan\r\n\r\nhi\r\n")
        m = imaplib.IMAP4_SSL("127.0.0.1", srv.port("imaps"), ssl_context=srv.ssl_context(), timeout=30)
        m.login("bob@example.org", password)
        typ, data = m.select("Work")
        assert typ == "OK" and int(data[0]) == 1
        typ, data = m.fetch("1", "(FLAGS)")
        assert b"\\Flagged" in data[0]
        m.logout()
        queue = srv.cli("queue", "list", json_output=True)
        assert [q["recipients"] for q in queue] == [["alice@remote.test"]], queue
        assert queue[0]["from"] == ""
    finally:
        srv.stop()
