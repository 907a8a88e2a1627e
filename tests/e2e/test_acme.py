"""Certificates swapped into running listeners: from an ACME CA (Debian's pebble, RFC 8555,
TLS-ALPN-01 per RFC 8737) and from replaced `[tls]` files. Same PID throughout: no restart."""

import datetime
import imaplib
import json
import os
import shutil
import socket
import ssl
import subprocess
import time
import urllib.request

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from conftest import Server, free_port, wait_for

PEBBLE = shutil.which("pebble")
CHALLTESTSRV = shutil.which("pebble-challtestsrv")


# -- a throwaway PKI ---------------------------------------------------------------------------
def _name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def make_ca(cn="mailsift test CA"):
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(cn))
        .issuer_name(_name(cn))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return cert, key


def make_leaf(ca, names, ips=(), cn=None):
    ca_cert, ca_key = ca
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    import ipaddress

    san = [x509.DNSName(n) for n in names] + [x509.IPAddress(ipaddress.ip_address(i)) for i in ips]
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(cn or names[0]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName(san), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    return cert, key


def pem_cert(cert):
    return cert.public_bytes(serialization.Encoding.PEM)


def pem_key(key):
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def presented(port, server_hostname="mail.test"):
    """The DER certificate a TLS listener presents (no verification: we compare bytes)."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        with ctx.wrap_socket(raw, server_hostname=server_hostname) as tls:
            return tls.getpeercert(binary_form=True)


def wait_port(port, timeout=20):
    def up():
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            return False

    assert wait_for(up, timeout=timeout), f"nothing listening on 127.0.0.1:{port}"


# -- pebble ------------------------------------------------------------------------------------
class Pebble:
    def __init__(self, workdir, tls_port, http_port):
        self.workdir = workdir
        self.ca = make_ca("pebble https test CA")
        cert, key = make_leaf(self.ca, ["localhost"], ips=["127.0.0.1"])
        (workdir / "pebble-https-ca.pem").write_bytes(pem_cert(self.ca[0]))
        (workdir / "pebble-cert.pem").write_bytes(pem_cert(cert))
        (workdir / "pebble-key.pem").write_bytes(pem_key(key))
        self.https_ca = workdir / "pebble-https-ca.pem"
        self.port = free_port()
        self.mgmt = free_port()
        self.dns = free_port()
        self.challtest_mgmt = free_port()
        (workdir / "pebble.json").write_text(
            json.dumps(
                {
                    "pebble": {
                        "listenAddress": f"127.0.0.1:{self.port}",
                        "managementListenAddress": f"127.0.0.1:{self.mgmt}",
                        "certificate": str(workdir / "pebble-cert.pem"),
                        "privateKey": str(workdir / "pebble-key.pem"),
                        "httpPort": http_port,
                        "tlsPort": tls_port,
                        "ocspResponderURL": "",
                        "externalAccountBindingRequired": False,
                    }
                }
            )
        )
        self.procs = []

    @property
    def directory(self):
        return f"https://127.0.0.1:{self.port}/dir"

    def start(self):
        # Every name resolves to 127.0.0.1 (and no AAAA: Mailsift listens on IPv4 loopback).
        dns_log = open(self.workdir / "challtestsrv.log", "ab")
        self.procs.append(
            subprocess.Popen(
                [CHALLTESTSRV, "-defaultIPv4", "127.0.0.1", "-defaultIPv6", "",
                 "-dns01", f"127.0.0.1:{self.dns}", "-http01", "", "-https01", "",
                 "-tlsalpn01", "", "-management", f"127.0.0.1:{self.challtest_mgmt}"],
                stdout=dns_log, stderr=subprocess.STDOUT,
            )
        )
        env = dict(os.environ, PEBBLE_VA_NOSLEEP="1", PEBBLE_WFE_NONCEREJECT="0")
        log = open(self.workdir / "pebble.log", "ab")
        self.procs.append(
            subprocess.Popen(
                [PEBBLE, "-config", str(self.workdir / "pebble.json"),
                 "-dnsserver", f"127.0.0.1:{self.dns}"],
                stdout=log, stderr=subprocess.STDOUT, env=env,
            )
        )
        wait_port(self.challtest_mgmt)
        wait_port(self.port)
        wait_port(self.mgmt)
        return self

    def root_pem(self):
        ctx = ssl.create_default_context(cafile=str(self.https_ca))
        with urllib.request.urlopen(f"https://127.0.0.1:{self.mgmt}/roots/0", context=ctx, timeout=10) as r:
            return r.read()

    def stop(self):
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()


@pytest.mark.skipif(not (PEBBLE and CHALLTESTSRV), reason="Debian's pebble is not installed")
def test_acme_tls_alpn_certificate_is_obtained_and_swapped_in_without_restart(tmp_path):
    imaps_port = free_port()
    srv = Server(tmp_path)
    pebble = Pebble(tmp_path, tls_port=imaps_port, http_port=free_port())
    text = srv.config.read_text()
    block = 'name = "imaps"\nprotocol = "imap"\naddress = "127.0.0.1:0"'
    assert block in text
    text = text.replace(block, f'name = "imaps"\nprotocol = "imap"\naddress = "127.0.0.1:{imaps_port}"')
    text += f"""
[acme]
enabled = true
directory = "{pebble.directory}"
contact = "postmaster@mail.test"
domains = ["mail.test"]
challenge = "tls-alpn-01"
ca_file = "{pebble.https_ca}"
"""
    srv.config.write_text(text)
    # Mailsift first, while the CA is still down: it serves its self-signed certificate, its
    # first attempt fails, and it retries with back-off instead of crashing.
    srv.start()
    try:
        pid = srv.proc.pid
        self_signed = (srv.data / "tls" / "cert.pem").read_bytes()
        before = presented(imaps_port)
        assert before == ssl.PEM_cert_to_DER_cert(self_signed.decode())
        assert wait_for(lambda: "ACME certificate not obtained" in srv.log.read_text(), timeout=15), srv.log.read_text()
        assert srv.proc.poll() is None

        pebble.start()
        root = pebble.root_pem()
        # The next attempt (15 s back-off) orders, answers TLS-ALPN-01 on this very listener,
        # and swaps the certificate in.
        assert wait_for(lambda: presented(imaps_port) != before, timeout=90, interval=0.5), (
            srv.log.read_text() + (tmp_path / "pebble.log").read_text()
        )
        assert srv.proc.poll() is None and srv.proc.pid == pid, "the server restarted"

        # The new certificate chains to pebble's root and names mail.test: a verifying client
        # accepts it, on implicit TLS and on STARTTLS.
        (tmp_path / "pebble-root.pem").write_bytes(root)
        ctx = ssl.create_default_context(cafile=str(tmp_path / "pebble-root.pem"))
        with socket.create_connection(("127.0.0.1", imaps_port), timeout=10) as raw:
            with ctx.wrap_socket(raw, server_hostname="mail.test") as tls:
                cert = x509.load_der_x509_certificate(tls.getpeercert(binary_form=True))
        assert "Pebble Intermediate" in cert.issuer.rfc4514_string(), cert.issuer
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        assert san.get_values_for_type(x509.DNSName) == ["mail.test"]
        # imaplib checks the name against the address it dialled: verify the chain only,
        # then compare with the certificate above.
        chain_only = ssl.create_default_context(cafile=str(tmp_path / "pebble-root.pem"))
        chain_only.check_hostname = False
        imap = imaplib.IMAP4("127.0.0.1", srv.port("imap"), timeout=10)
        imap.starttls(ssl_context=chain_only)
        assert imap.sock.getpeercert(binary_form=True) == cert.public_bytes(serialization.Encoding.DER)
        imap.logout()

        # State on disk, keys private; `mailsift acme status` reports names and expiry.
        acme_dir = srv.data / "acme"
        for secret in ("key.pem", "account.json"):
            assert (acme_dir / secret).stat().st_mode & 0o777 == 0o600, secret
        out = srv.cli("acme", "status").stdout
        assert "mail.test" in out and "expires" in out, out
    finally:
        srv.stop()
        pebble.stop()

    # A restart uses the stored certificate at once, without a new order.
    orders_before = srv.log.read_text().count("ACME certificate installed")
    srv.start()
    try:
        assert presented(imaps_port) != before
        time.sleep(1)
        assert srv.log.read_text().count("ACME certificate installed") == orders_before
    finally:
        srv.stop()


def test_replaced_certificate_files_are_served_without_restart_and_a_broken_file_keeps_the_old(tmp_path):
    ca = make_ca()
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"

    def install(cert, key):
        # Key then certificate, as an operator copying files would: the watcher must not take
        # the half-replaced pair.
        key_path.write_bytes(pem_key(key))
        cert_path.write_bytes(pem_cert(cert))

    first = make_leaf(ca, ["mail.test"])
    install(*first)
    srv = Server(tmp_path)
    srv.config.write_text(
        srv.config.read_text().replace(
            "[limits]", f'[tls]\ncert = "{cert_path}"\nkey = "{key_path}"\n\n[limits]', 1
        )
    )
    srv.start()
    try:
        pid = srv.proc.pid
        port = srv.port("imaps")
        der = lambda c: c.public_bytes(serialization.Encoding.DER)  # noqa: E731
        assert presented(port) == der(first[0])

        second = make_leaf(ca, ["mail.test"])
        install(*second)
        assert wait_for(lambda: presented(port) == der(second[0]), timeout=15, interval=0.25)
        # STARTTLS listeners share the certificate.
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        imap = imaplib.IMAP4("127.0.0.1", srv.port("imap"), timeout=10)
        imap.starttls(ssl_context=ctx)
        assert imap.sock.getpeercert(binary_form=True) == der(second[0])
        imap.logout()

        # A broken certificate file: logged, and the current certificate stays.
        cert_path.write_text("-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n")
        assert wait_for(lambda: "keeping the current one" in srv.log.read_text(), timeout=15)
        assert presented(port) == der(second[0])
        # A certificate whose key is not the one in key.pem: refused the same way.
        third = make_leaf(ca, ["mail.test"])
        cert_path.write_bytes(pem_cert(third[0]))
        assert wait_for(lambda: srv.log.read_text().count("keeping the current one") >= 2, timeout=15)
        assert presented(port) == der(second[0])
        # SIGHUP reloads at once too; the fixed pair is then served.
        key_path.write_bytes(pem_key(third[1]))
        srv.proc.send_signal(__import__("signal").SIGHUP)
        assert wait_for(lambda: presented(port) == der(third[0]), timeout=15, interval=0.25)
        assert srv.proc.poll() is None and srv.proc.pid == pid
    finally:
        srv.stop()


@pytest.mark.skipif(not (PEBBLE and CHALLTESTSRV), reason="Debian's pebble is not installed")
def test_acme_http_01_through_the_http_listener(tmp_path):
    http_port = free_port()
    srv = Server(tmp_path)
    pebble = Pebble(tmp_path, tls_port=free_port(), http_port=http_port)
    text = srv.config.read_text()
    block = 'name = "http"\nprotocol = "http"\naddress = "127.0.0.1:0"'
    assert block in text, "the e2e config has no HTTP listener"
    text = text.replace(block, f'name = "http"\nprotocol = "http"\naddress = "127.0.0.1:{http_port}"')
    text += f"""
[acme]
enabled = true
directory = "{pebble.directory}"
challenge = "http-01"
domains = ["mail.test"]
ca_file = "{pebble.https_ca}"
"""
    srv.config.write_text(text)
    pebble.start()
    srv.start()
    try:
        pid = srv.proc.pid
        self_signed = ssl.PEM_cert_to_DER_cert((srv.data / "tls" / "cert.pem").read_text())
        assert wait_for(lambda: "ACME certificate installed" in srv.log.read_text(), timeout=60, interval=0.25), (
            srv.log.read_text() + (tmp_path / "pebble.log").read_text()
        )
        assert "challenge=Http01" in srv.log.read_text()
        # Real validation (no PEBBLE_VA_ALWAYS_VALID): pebble fetched the key authorization from
        # our HTTP listener before it issued.
        (tmp_path / "pebble-root.pem").write_bytes(pebble.root_pem())
        ctx = ssl.create_default_context(cafile=str(tmp_path / "pebble-root.pem"))
        for listener in ("imaps", "https"):
            with socket.create_connection(("127.0.0.1", srv.port(listener)), timeout=10) as raw:
                with ctx.wrap_socket(raw, server_hostname="mail.test") as tls:
                    der = tls.getpeercert(binary_form=True)
            assert der != self_signed
            assert "Pebble Intermediate" in x509.load_der_x509_certificate(der).issuer.rfc4514_string()
        assert srv.proc.poll() is None and srv.proc.pid == pid
    finally:
        srv.stop()
        pebble.stop()
