"""`/metrics` after real traffic: the real binary with an http listener and the bundled `lists`
plugin; SMTP mail accepted (into INBOX and, by a Sieve script, into Junk), refused for an unknown
user, a block list, relaying and a missing login; one IMAP login with a bad password. The
exposition is fetched over HTTP and parsed with python3-prometheus-client's OpenMetrics parser
(what the route serves), and the counters must have moved by exactly what was done."""

import imaplib
import os
import shutil
import smtplib
import urllib.request
from pathlib import Path

from prometheus_client.openmetrics.parser import text_string_to_metric_families

from conftest import ROOT, Server, wait_for

BUNDLED = Path(os.environ.get("MAILSIFT_BUNDLED_PLUGINS", ROOT / "plugins" / "dist"))


def scrape(srv):
    """{(sample name, frozenset(labels)): value}, and the raw text."""
    url = f"http://127.0.0.1:{srv.port('http')}/metrics"
    with urllib.request.urlopen(url, timeout=10) as r:
        assert r.status == 200
        assert r.headers["Content-Type"].startswith("application/openmetrics-text")
        body = r.read().decode()
    samples = {}
    types = {}
    for family in text_string_to_metric_families(body):
        types[family.name] = family.type
        for s in family.samples:
            samples[(s.name, frozenset(s.labels.items()))] = s.value
    return samples, types, body


def value(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_metrics_move_with_traffic(tmp_path):
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
        script = tmp_path / "junk.sieve"
        script.write_text('require "fileinto";\nfileinto "Junk";\n')
        srv.cli("sieve", "put", "carol@example.org", str(script), "--activate")

        before, types, _ = scrape(srv)
        assert types["mailsift_messages_received"] == "counter"
        assert types["mailsift_messages_refused"] == "counter"
        assert types["mailsift_pipeline_seconds"] == "histogram"
        assert types["mailsift_sessions_open"] == "gauge"
        assert types["mailsift_queue_messages"] == "gauge"

        with smtplib.SMTP("127.0.0.1", srv.port("smtp"), timeout=10) as s:
            s.ehlo("client.test")
            assert s.mail("friend@sender.test")[0] == 250
            assert s.rcpt("nobody@example.org")[0] == 550
            assert s.rcpt("bob@example.org")[0] == 250
            assert s.rcpt("carol@example.org")[0] == 250
            code, _ = s.data(b"From: friend@sender.test\r\nSubject: hi\r\n\r\nhello\r\n")
            assert code == 250
            # A second transaction: the block list, then relaying without login.
            assert s.mail("promo@mailer.spam.test")[0] == 250
            assert s.rcpt("bob@example.org")[0] == 550
            assert s.rcpt("someone@elsewhere.test")[0] == 554
            s.rset()
        with smtplib.SMTP("127.0.0.1", srv.port("submission"), timeout=10) as s:
            s.ehlo("client.test")
            assert s.mail("bob@example.org")[0] == 530
        imap = imaplib.IMAP4("127.0.0.1", srv.port("imap"), timeout=10)
        imap.starttls(ssl_context=srv.ssl_context())
        try:
            imap.login("bob@example.org", "not-the-password")
            raise AssertionError("a bad password logged in")
        except imaplib.IMAP4.error:
            pass
        imap.logout()

        # The sessions above are closed: none counted as open any more.
        def settled():
            s, _, _ = scrape(srv)
            return all(value(s, "mailsift_sessions_open", protocol=p) == 0 for p in ("smtp", "submission", "imap")) and s

        after = wait_for(settled, timeout=10)
        assert after, "sessions still counted as open"
        after, types, body = scrape(srv)
        # A plugin's families appear with its first call.
        assert types["mailsift_plugin_call_seconds"] == "histogram"
        assert types["mailsift_plugin_calls"] == "counter"

        def moved(name, **labels):
            return value(after, name, **labels) - value(before, name, **labels)

        assert moved("mailsift_messages_received_total", protocol="smtp") == 1
        assert moved("mailsift_messages_received_total", protocol="submission") == 0
        assert moved("mailsift_messages_refused_total", reason="unknown_user") == 1
        assert moved("mailsift_messages_refused_total", reason="block_list") == 1
        assert moved("mailsift_messages_refused_total", reason="relay") == 1
        assert moved("mailsift_messages_refused_total", reason="auth_required") == 1
        assert moved("mailsift_messages_refused_total", reason="spam") == 0
        assert moved("mailsift_messages_delivered_total", folder="inbox") == 1
        assert moved("mailsift_messages_delivered_total", folder="junk") == 1
        assert moved("mailsift_messages_delivered_total", folder="other") == 0
        assert moved("mailsift_pipeline_seconds_count", outcome="stored") == 1
        assert moved("mailsift_pipeline_seconds_bucket", outcome="stored", le="+Inf") == 1
        assert moved("mailsift_login_failures_total", protocol="imap") == 1
        assert moved("mailsift_login_failures_total", protocol="smtp") == 0
        assert moved("mailsift_sessions_total", protocol="smtp") == 1
        assert moved("mailsift_sessions_total", protocol="submission") == 1
        assert moved("mailsift_sessions_total", protocol="imap") == 1

        # The lists plugin: three RCPT checks and the message's filter call, none failed.
        calls = moved("mailsift_plugin_calls_total", plugin="lists")
        assert calls >= 4, calls
        assert moved("mailsift_plugin_errors_total", plugin="lists") == 0
        assert moved("mailsift_plugin_call_seconds_count", plugin="lists") == calls

        # Gauges read at scrape time.
        assert value(after, "mailsift_queue_messages") == 0
        assert value(after, "mailsift_queue_oldest_age_seconds") == 0
        store_size = value(after, "mailsift_store_size_bytes")
        assert 0 < store_size <= (srv.data / "mailsift.redb").stat().st_size * 4, store_size
        assert value(after, "mailsift_process_resident_memory_bytes") > 1 << 20

        # No address or folder name of a user in any label.
        assert "example.org" not in body and "sender.test" not in body
        assert "Junk" not in body
    finally:
        srv.stop()


def test_queue_gauges_follow_the_outbound_queue(tmp_path):
    """Submitted mail for a remote domain stays queued (the tests' smart host is a closed port):
    the queue gauges show it, and the outbound counter shows the deferral."""
    srv = Server(tmp_path).start()
    try:
        password = srv.add_user("ann@example.org")
        before, _, _ = scrape(srv)
        assert value(before, "mailsift_queue_messages") == 0
        with smtplib.SMTP("127.0.0.1", srv.port("submission"), timeout=10) as s:
            s.starttls(context=srv.ssl_context())
            s.login("ann@example.org", password)
            s.sendmail(
                "ann@example.org",
                ["someone@remote.test"],
                b"From: ann@example.org\r\nTo: someone@remote.test\r\nSubject: out\r\n\r\nhello\r\n",
            )

        def deferred():
            s, _, _ = scrape(srv)
            return value(s, "mailsift_outbound_recipients_total", result="deferred") >= 1 and s

        after = wait_for(deferred, timeout=20, interval=0.2)
        assert after, "the deferral was not counted"
        assert value(after, "mailsift_queue_messages") == 1
        assert 0 <= value(after, "mailsift_queue_oldest_age_seconds") < 60
        assert value(after, "mailsift_outbound_recipients_total", result="delivered") == 0
        assert value(after, "mailsift_messages_received_total", protocol="submission") == 1
    finally:
        srv.stop()
