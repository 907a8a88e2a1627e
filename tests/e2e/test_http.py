"""The HTTP listener (issue 17 item 5): mail client self-configuration documents fetched with
curl over HTTP and HTTPS and checked against their formats and the server's real listeners,
/metrics (Prometheus text, restricted to configured networks), /healthz, and hostile clients
(slowloris, connection caps, session lifetime). Real binary, real sockets on 127.0.0.1."""

import plistlib
import re
import socket
import subprocess
import time
import xml.etree.ElementTree as ET

import pytest
from prometheus_client.parser import text_string_to_metric_families

from conftest import Server

USER = "ann@example.org"
AUTOCONFIG_PATHS = ["/.well-known/autoconfig/mail/config-v1.1.xml", "/mail/config-v1.1.xml"]
AD_REQUEST_NS = "http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"
AD_NS = "{http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006}"
AD_OUTLOOK_NS = "{http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a}"


def start(tmp_path, http_section: str = "", replace=()) -> Server:
    tmp_path.mkdir(parents=True, exist_ok=True)
    srv = Server(tmp_path)
    text = srv.config.read_text()
    for old, new in replace:
        assert old in text, old
        text = text.replace(old, new, 1)
    if http_section:
        text += "\n[http]\n" + http_section.strip() + "\n"
    srv.config.write_text(text)
    return srv.start()


@pytest.fixture
def make(tmp_path):
    servers = []

    def _make(*args, **kw):
        srv = start(tmp_path / f"s{len(servers)}", *args, **kw)
        servers.append(srv)
        return srv

    yield _make
    for srv in servers:
        srv.stop()


@pytest.fixture
def srv(make):
    s = make()
    s.add_user(USER)
    return s


def curl(srv: Server, path: str, https=False, data=None, method=None):
    """(status, content type, body bytes) of one request made by curl."""
    port = srv.port("https" if https else "http")
    url = f"{'https' if https else 'http'}://localhost:{port}{path}"
    cmd = ["curl", "-sS", "--max-time", "20", "-o", "-", "-w", "\n%{http_code} %{content_type}"]
    if https:
        cmd += ["--cacert", str(srv.data / "tls" / "cert.pem")]
    if data is not None:
        cmd += ["--data-binary", "@-", "-H", "Content-Type: text/xml"]
    if method:
        cmd += ["-X", method]
    res = subprocess.run(cmd + [url], input=data, capture_output=True, timeout=30)
    assert res.returncode == 0, res.stderr
    body, _, trailer = res.stdout.rpartition(b"\n")
    status, _, ctype = trailer.decode().partition(" ")
    return int(status), ctype, body


def expected(srv: Server):
    """The services a client must be told about: the real ports, implicit TLS first; the MX,
    ManageSieve and HTTP listeners never."""
    p = srv.port
    return {
        "imap": [("127.0.0.1", p("imaps"), "SSL"), ("127.0.0.1", p("imap"), "STARTTLS")],
        "pop3": [("127.0.0.1", p("pop3s"), "SSL"), ("127.0.0.1", p("pop3"), "STARTTLS")],
        "smtp": [("127.0.0.1", p("submissions"), "SSL"), ("127.0.0.1", p("submission"), "STARTTLS")],
    }


@pytest.mark.parametrize("https", [False, True])
@pytest.mark.parametrize("path", AUTOCONFIG_PATHS)
def test_thunderbird_autoconfig(srv, path, https):
    status, ctype, body = curl(srv, f"{path}?emailaddress=ann%40example.org", https=https)
    assert status == 200 and ctype.startswith("application/xml"), (status, ctype, body)
    root = ET.fromstring(body)  # well-formed, or this raises
    assert root.tag == "clientConfig" and root.get("version") == "1.1"
    provider = root.find("emailProvider")
    assert provider.get("id") == "example.org"
    assert [d.text for d in provider.findall("domain")] == ["example.org"]
    got = {"imap": [], "pop3": [], "smtp": []}
    for el in provider.findall("incomingServer") + provider.findall("outgoingServer"):
        assert el.find("username").text == "%EMAILADDRESS%"
        assert el.find("authentication").text == "password-cleartext"
        got[el.get("type")].append((el.find("hostname").text, int(el.find("port").text),
                                    el.find("socketType").text))
    assert got == expected(srv)
    assert all(el.get("type") == "smtp" for el in provider.findall("outgoingServer"))
    assert str(srv.port("smtp")).encode() not in body


def test_autoconfig_without_address_lists_hosted_domains(srv):
    srv.cli("domain", "add", "example.net")
    status, _, body = curl(srv, AUTOCONFIG_PATHS[0])
    assert status == 200
    domains = {d.text for d in ET.fromstring(body).find("emailProvider").findall("domain")}
    assert domains == {"example.org", "example.net"}


@pytest.mark.parametrize("https", [False, True])
def test_outlook_autodiscover(srv, https):
    request = f"""<?xml version="1.0" encoding="utf-8"?>
<Autodiscover xmlns="{AD_REQUEST_NS}">
  <Request>
    <EMailAddress>{USER}</EMailAddress>
    <AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema>
  </Request>
</Autodiscover>""".encode()
    status, ctype, body = curl(srv, "/autodiscover/autodiscover.xml", https=https, data=request)
    assert status == 200 and "xml" in ctype, (status, body)
    root = ET.fromstring(body)
    assert root.tag == AD_NS + "Autodiscover"
    account = root.find(f"{AD_OUTLOOK_NS}Response/{AD_OUTLOOK_NS}Account")
    assert account.find(AD_OUTLOOK_NS + "AccountType").text == "email"
    assert account.find(AD_OUTLOOK_NS + "Action").text == "settings"
    got = {"imap": [], "pop3": [], "smtp": []}
    for proto in account.findall(AD_OUTLOOK_NS + "Protocol"):
        t = lambda name: proto.find(AD_OUTLOOK_NS + name).text  # noqa: E731
        assert t("LoginName") == USER
        assert t("SSL") == "on" and t("AuthRequired") == "on"
        socket_type = {"SSL": "SSL", "TLS": "STARTTLS"}[t("Encryption")]
        got[t("Type").lower()].append((t("Server"), int(t("Port")), socket_type))
    assert got == expected(srv)
    # The capitalised path Outlook uses, and only POST.
    status, _, _ = curl(srv, "/Autodiscover/Autodiscover.xml", data=request)
    assert status == 200
    status, _, _ = curl(srv, "/autodiscover/autodiscover.xml")
    assert status == 405


@pytest.mark.parametrize("https", [False, True])
def test_apple_profile(srv, https):
    status, ctype, body = curl(srv, "/apple/mail.mobileconfig?emailaddress=ann%40example.org", https=https)
    assert status == 200 and ctype == "application/x-apple-aspen-config", (status, ctype)
    profile = plistlib.loads(body)
    assert profile["PayloadType"] == "Configuration" and profile["PayloadVersion"] == 1
    uuid = re.compile(r"^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$")
    assert uuid.match(profile["PayloadUUID"])
    [mail] = profile["PayloadContent"]
    assert mail["PayloadType"] == "com.apple.mail.managed"
    assert uuid.match(mail["PayloadUUID"]) and mail["PayloadUUID"] != profile["PayloadUUID"]
    assert mail["EmailAccountType"] == "EmailTypeIMAP"
    assert mail["EmailAddress"] == USER
    assert (mail["IncomingMailServerHostName"], mail["IncomingMailServerPortNumber"]) == \
        ("127.0.0.1", srv.port("imaps"))
    assert (mail["OutgoingMailServerHostName"], mail["OutgoingMailServerPortNumber"]) == \
        ("127.0.0.1", srv.port("submissions"))
    assert mail["IncomingMailServerUseSSL"] is True and mail["OutgoingMailServerUseSSL"] is True
    assert mail["IncomingMailServerUsername"] == mail["OutgoingMailServerUsername"] == USER
    assert mail["IncomingMailServerAuthentication"] == "EmailAuthPassword"
    # The same address gets the same identifiers: a new download replaces the profile.
    assert plistlib.loads(curl(srv, "/apple/mail.mobileconfig?emailaddress=ann%40example.org")[2]) == profile


def test_addresses_are_validated_and_escaped(srv):
    for query in ["emailaddress=", "emailaddress=nobody", "emailaddress=%3Cscript%3E%40example.org",
                  "emailaddress=a%40b%40example.org", "emailaddress=ann%40example.org%0A",
                  "emailaddress=a%22b%40example.org", "emailaddress=%FF%FE"]:
        for path in AUTOCONFIG_PATHS + ["/apple/mail.mobileconfig"]:
            status, _, body = curl(srv, f"{path}?{query}")
            assert status == 400, (path, query, status, body)
    assert curl(srv, "/apple/mail.mobileconfig")[0] == 400
    # A well-formed address of a domain this server does not host.
    assert curl(srv, f"{AUTOCONFIG_PATHS[1]}?emailaddress=ann%40elsewhere.example")[0] == 404
    # Markup-significant characters allowed in a local part come back escaped.
    status, _, body = curl(srv, "/autodiscover/autodiscover.xml",
                           data=b"<Autodiscover><Request><EMailAddress>o'neil&amp;co@example.org"
                                b"</EMailAddress></Request></Autodiscover>")
    assert status == 200, body
    assert b"<LoginName>o&apos;neil&amp;co@example.org</LoginName>" in body
    logins = {e.text for e in ET.fromstring(body).iter(AD_OUTLOOK_NS + "LoginName")}
    assert logins == {"o'neil&co@example.org"}
    status, _, body = curl(srv, "/apple/mail.mobileconfig?emailaddress=o%27neil%26co%40example.org")
    assert status == 200 and plistlib.loads(body)["PayloadContent"][0]["EmailAddress"] == "o'neil&co@example.org"
    for bad in [b"", b"<Autodiscover/>", b"<EMailAddress>not an address</EMailAddress>",
                b"\xff\xfe<EMailAddress>", b"<!DOCTYPE a [<!ENTITY e 'x@example.org'>]><EMailAddress>&e;</EMailAddress>"]:
        assert curl(srv, "/autodiscover/autodiscover.xml", data=bad)[0] == 400, bad
    assert curl(srv, "/autodiscover/autodiscover.xml", data=b"<" * 200_000)[0] == 413


def test_metrics_from_loopback(srv):
    for https in (False, True):
        status, ctype, body = curl(srv, "/metrics", https=https)
        assert status == 200, body
        assert ctype.startswith("application/openmetrics-text") or ctype.startswith("text/plain"), ctype
        families = {f.name: f for f in text_string_to_metric_families(body.decode())}
        info = families["mailsift_build_info"]
        assert info.type == "gauge"
        assert any(s.value == 1 and "version" in s.labels for s in info.samples)


def test_metrics_forbidden_outside_the_configured_networks(make):
    srv = make('metrics_networks = ["10.0.0.0/8"]')
    status, _, body = curl(srv, "/metrics")
    assert status == 403, body
    assert b"mailsift_" not in body
    assert curl(srv, "/healthz")[0] == 200


def test_healthz(srv):
    status, ctype, body = curl(srv, "/healthz")
    assert (status, body) == (200, b"ok\n")
    assert curl(srv, "/healthz", https=True)[0] == 200
    assert curl(srv, "/nothing/here")[0] == 404


def test_slowloris_is_cut_off_while_others_are_served(make):
    srv = make("header_timeout = 2")
    s = socket.create_connection(("127.0.0.1", srv.port("http")), timeout=10)
    started = time.monotonic()
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n")
    cut_off = None
    for i in range(60):
        time.sleep(0.25)
        try:
            s.sendall(f"X-Slow-{i}: y\r\n".encode())
        except OSError:
            cut_off = time.monotonic() - started
            break
        s.setblocking(False)
        try:
            if s.recv(4096) == b"":
                cut_off = time.monotonic() - started
                break
        except BlockingIOError:
            pass
        except OSError:
            cut_off = time.monotonic() - started
            break
        finally:
            s.setblocking(True)
        # Meanwhile other clients are answered.
        if i == 2:
            assert curl(srv, "/healthz")[0] == 200
    s.close()
    assert cut_off is not None, "a client trickling headers was never cut off"
    assert 1.5 <= cut_off < 6, cut_off


def test_connection_caps_and_session_lifetime(make):
    srv = make(replace=[
        ("max_connections_per_ip = 1000", "max_connections_per_ip = 3"),
        ('name = "http"\nprotocol = "http"\n', 'name = "http"\nprotocol = "http"\nsession_lifetime = 3\n'),
    ])
    port = srv.port("http")
    held = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(3)]
    time.sleep(0.3)
    extra = socket.create_connection(("127.0.0.1", port), timeout=10)
    answer = extra.recv(4096)
    assert answer.startswith(b"HTTP/1.1 503"), answer
    extra.close()
    for s in held[1:]:
        s.close()
    # A keep-alive client asking again and again is still ended at the session lifetime.
    s = held[0]
    started = time.monotonic()
    ended = None
    while time.monotonic() - started < 10:
        try:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
            data = s.recv(4096)
        except OSError:
            data = b""
        if not data:
            ended = time.monotonic() - started
            break
        assert data.startswith(b"HTTP/1.1 200"), data
        time.sleep(0.3)
    s.close()
    assert ended is not None and ended < 6, ended
