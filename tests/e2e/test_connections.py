"""Connections and session I/O under attack (issue 13): per-address caps, session lifetime,
command deadlines that trickling cannot extend, write timeouts, STARTTLS timeouts and pipelined
input, and revocation of open sessions. Real binary, real sockets on 127.0.0.x."""

import base64
import smtplib
import socket
import ssl
import time

import pytest

from conftest import Server, wait_for

USER = "alice@example.org"


def start(tmp_path, limits: str, max_size: int = 1024 * 1024) -> Server:
    srv = Server(tmp_path, max_size=max_size)
    lines = [line for line in limits.strip().splitlines() if line]
    keys = {line.split("=", 1)[0].strip() for line in lines}
    text = "\n".join(
        line for line in srv.config.read_text().splitlines()
        if line.split("=", 1)[0].strip() not in keys
    ) + "\n"
    text = text.replace("[limits]\n", "[limits]\n" + "".join(line + "\n" for line in lines), 1)
    srv.config.write_text(text)
    return srv.start()


@pytest.fixture
def make(tmp_path):
    servers = []

    def _make(limits: str, **kw):
        srv = start(tmp_path, limits, **kw)
        servers.append(srv)
        return srv

    yield _make
    for s in servers:
        s.stop()


def connect(port: int, source: str = "127.0.0.1", rcvbuf: int | None = None) -> socket.socket:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf is not None:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.bind((source, 0))
    s.settimeout(10)
    s.connect(("127.0.0.1", port))
    return s


def read_line(s) -> bytes:
    """One line, read byte by byte so that nothing after it is consumed (STARTTLS)."""
    out = b""
    while not out.endswith(b"\n"):
        b = s.recv(1)
        if not b:
            break
        out += b
    return out


def read_until(s, marker: bytes, limit: float = 10.0) -> bytes:
    out = b""
    deadline = time.time() + limit
    while marker not in out and time.time() < deadline:
        b = s.recv(4096)
        if not b:
            break
        out += b
    return out


def closed_within(s, seconds: float) -> tuple[bool, bytes]:
    """Reads until EOF; (True, data) if the server closed within `seconds`."""
    s.settimeout(seconds)
    data = b""
    try:
        while True:
            b = s.recv(65536)
            if not b:
                return True, data
            data += b
    except (ConnectionResetError, ssl.SSLError, BrokenPipeError):
        return True, data
    except (socket.timeout, TimeoutError):
        return False, data


def tls(srv, s):
    return srv.ssl_context().wrap_socket(s, server_hostname="localhost")


# ---- per-address cap and lifetime ----------------------------------------------------------


def test_per_ip_cap_refuses_the_extra_client_and_serves_another_address(make):
    srv = make("max_connections_per_ip = 3\nsmtp_session_lifetime = 4")
    port = srv.port("smtp")
    # Slow clients from 127.0.0.1 holding every slot: each sends a NOOP now and then.
    held = [connect(port) for _ in range(3)]
    for s in held:
        assert read_line(s).startswith(b"220 ")
        s.sendall(b"NOOP\r\n")
        assert read_line(s).startswith(b"250")
    extra = connect(port)
    assert read_line(extra).startswith(b"421 4.7.0"), "the over-cap client was not refused"
    other = connect(port, source="127.0.0.2")
    assert read_line(other).startswith(b"220 "), "a client from another address was locked out"
    other.sendall(b"QUIT\r\n")
    assert read_line(other).startswith(b"221")
    # Same cap on IMAP, with its own busy reply.
    imap = [connect(srv.port("imap")) for _ in range(3)]
    for s in imap:
        assert read_line(s).startswith(b"* OK")
    assert read_line(connect(srv.port("imap"))).startswith(b"* BYE")
    # The SMTP session lifetime (4 s) ends the slow clients however active they are, and frees
    # their slots.
    start_t = time.time()
    for s in held:
        s.settimeout(8)
        last = b""
        while True:
            try:
                s.sendall(b"NOOP\r\n")
            except OSError:
                break
            line = read_line(s)
            if not line:
                break
            last = line
            time.sleep(0.3)
        assert last.startswith(b"421 4.4.2"), last
    assert time.time() - start_t < 8
    again = connect(port)
    assert read_line(again).startswith(b"220 ")


# ---- command deadline against trickling --------------------------------------------------------


def test_trickling_one_byte_per_second_is_cut_at_the_command_deadline(make):
    srv = make("command_timeout = 3")
    for name, greeting, command, farewell in [
        ("smtp", b"220", b"NOOP NOOP NOOP NOOP\r\n", b"421 4.4.2"),
        ("imap", b"* OK", b"a NOOP NOOP NOOP NOOP\r\n", b"* BYE"),
    ]:
        s = connect(srv.port(name))
        assert read_line(s).startswith(greeting)
        started = time.time()
        got = b""
        try:
            for byte in command:
                s.sendall(bytes([byte]))
                time.sleep(1)
                s.setblocking(False)
                try:
                    chunk = s.recv(4096)
                    got += chunk
                    if not chunk or farewell in got:
                        break
                except BlockingIOError:
                    pass
                finally:
                    s.setblocking(True)
        except OSError:
            pass
        elapsed = time.time() - started
        closed, rest = closed_within(s, 5)
        got += rest
        assert closed, f"{name}: trickling client still connected after {elapsed:.1f} s"
        assert farewell in got, (name, got)
        assert elapsed < 6, f"{name}: cut only after {elapsed:.1f} s"


# ---- STARTTLS ------------------------------------------------------------------------------


def test_starttls_followed_by_silence_is_timed_out(make):
    srv = make("tls_handshake_timeout = 2")
    cases = [
        ("smtp", b"EHLO x\r\n", b"250 ", b"STARTTLS\r\n", b"220"),
        ("imap", None, None, b"a STARTTLS\r\n", b"a OK"),
        ("managesieve", None, b"OK", b"STARTTLS\r\n", b"OK"),
    ]
    for name, hello, hello_end, starttls, ready in cases:
        s = connect(srv.port(name))
        if hello:
            read_line(s)
            s.sendall(hello)
            read_until(s, hello_end)
        elif hello_end:
            read_until(s, hello_end)
        else:
            read_line(s)
        s.sendall(starttls)
        assert read_line(s).startswith(ready), name
        started = time.time()
        closed, _ = closed_within(s, 6)
        assert closed, f"{name}: silent STARTTLS client never timed out"
        assert time.time() - started < 5, name


def test_input_pipelined_after_starttls_is_not_executed(make):
    srv = make("")
    # SMTP: HELP pipelined after STARTTLS must not answer inside TLS (CVE-2011-0411).
    s = connect(srv.port("smtp"))
    read_line(s)
    s.sendall(b"EHLO x\r\n")
    read_until(s, b"250 ")
    s.sendall(b"STARTTLS\r\nHELP\r\n")
    assert read_line(s).startswith(b"220")
    t = tls(srv, s)
    t.sendall(b"NOOP\r\n")
    first = read_line(t)
    assert first.startswith(b"250"), f"injected command answered: {first!r}"
    t.close()

    # IMAP.
    s = connect(srv.port("imap"))
    read_line(s)
    s.sendall(b"a STARTTLS\r\nb CAPABILITY\r\n")
    assert read_line(s).startswith(b"a OK")
    t = tls(srv, s)
    t.sendall(b"c NOOP\r\n")
    first = read_line(t)
    assert first.startswith(b"c OK"), f"injected command answered: {first!r}"
    t.close()

    # ManageSieve: after TLS the server speaks first (capabilities, OK), then our NOOP's tag.
    s = connect(srv.port("managesieve"))
    read_until(s, b"OK")
    s.sendall(b'STARTTLS\r\nNOOP "injected"\r\n')
    assert read_line(s).startswith(b"OK")
    t = tls(srv, s)
    caps = read_until(t, b"OK")
    t.sendall(b'NOOP "real"\r\n')
    reply = read_until(t, b"real")
    assert b"injected" not in caps + reply, caps + reply
    assert b"real" in reply
    t.close()


# ---- write timeout ---------------------------------------------------------------------------


def test_a_client_that_stops_reading_a_large_fetch_is_dropped(make):
    size = 12 * 1024 * 1024
    srv = make("write_timeout = 2", max_size=16 * 1024 * 1024)
    password = srv.add_user(USER)
    body = ("x" * 76 + "\r\n") * (size // 78)
    msg = f"From: a@remote.test\r\nTo: {USER}\r\nSubject: big\r\n\r\n{body}"
    with smtplib.SMTP("127.0.0.1", srv.port("smtp"), local_hostname="c.test", timeout=120) as c:
        c.sendmail("a@remote.test", [USER], msg.encode())
    raw = connect(srv.port("imaps"), rcvbuf=4096)
    s = tls(srv, raw)
    read_line(s)
    s.sendall(f'a LOGIN {USER} "{password}"\r\n'.encode())
    assert b"a OK" in read_until(s, b"a OK")
    s.sendall(b"b SELECT INBOX\r\n")
    read_until(s, b"b OK")
    s.sendall(b"c FETCH 1 BODY[]\r\n")
    # Stop reading: the server's writes block, and the write timeout (2 s) ends the session.
    # Wait for the server to give up (its log says so) without reading a byte, then read.
    wait_for(lambda: "timed out writing" in srv.log.read_text(), timeout=20, interval=0.2)
    closed, data = closed_within(s, 10)
    assert closed
    assert len(data) < size, "the whole message was delivered: the server never gave up"
    assert wait_for(lambda: "timed out writing" in srv.log.read_text(), timeout=5)


# ---- revocation --------------------------------------------------------------------------------


def imap_login(srv, user, password):
    s = tls(srv, connect(srv.port("imaps")))
    read_line(s)
    s.sendall(f'a LOGIN {user} "{password}"\r\n'.encode())
    assert b"a OK" in read_until(s, b"a OK")
    s.sendall(b"b SELECT INBOX\r\n")
    read_until(s, b"b OK")
    return s


def sieve_login(srv, user, password):
    s = connect(srv.port("managesieve"))
    read_until(s, b"OK")
    s.sendall(b"STARTTLS\r\n")
    read_line(s)
    t = tls(srv, s)
    read_until(t, b"OK")
    token = base64.b64encode(f"\0{user}\0{password}".encode()).decode()
    t.sendall(f'AUTHENTICATE "PLAIN" "{token}"\r\n'.encode())
    assert read_line(t).startswith(b"OK")
    return t


def smtp_login(srv, user, password):
    s = tls(srv, connect(srv.port("submissions")))
    read_line(s)
    s.sendall(b"EHLO c.test\r\n")
    read_until(s, b"250 ")
    token = base64.b64encode(f"\0{user}\0{password}".encode()).decode()
    s.sendall(f"AUTH PLAIN {token}\r\n".encode())
    assert read_line(s).startswith(b"235")
    return s


def assert_ended(s, marker: bytes, what: str):
    closed, data = closed_within(s, 15)
    assert closed, f"{what}: still open after revocation"
    assert marker in data, (what, data)


def test_blocking_an_account_ends_its_open_sessions(make):
    srv = make("")
    password = srv.add_user(USER)
    idle = imap_login(srv, USER, password)
    idle.sendall(b"c IDLE\r\n")
    assert read_line(idle).startswith(b"+")
    plain = imap_login(srv, USER, password)
    sieve = sieve_login(srv, USER, password)
    smtp = smtp_login(srv, USER, password)
    started = time.time()
    srv.cli("account", "block", USER)
    assert_ended(idle, b"* BYE", "IMAP in IDLE")
    assert_ended(plain, b"* BYE", "IMAP")
    assert_ended(sieve, b"BYE", "ManageSieve")
    assert_ended(smtp, b"421 4.7.0", "SMTP submission")
    assert time.time() - started < 10


def test_removing_a_device_password_ends_only_that_devices_sessions(make):
    srv = make("")
    phone = srv.add_user(USER, device="phone")
    laptop = srv.cli("password", "add", USER, "--device", "laptop", json_output=True)["password"]
    idle = imap_login(srv, USER, phone)
    idle.sendall(b"c IDLE\r\n")
    assert read_line(idle).startswith(b"+")
    sieve = sieve_login(srv, USER, phone)
    smtp = smtp_login(srv, USER, phone)
    kept = imap_login(srv, USER, laptop)
    srv.cli("password", "remove", USER, "--device", "phone")
    assert_ended(idle, b"* BYE", "IMAP in IDLE")
    assert_ended(sieve, b"BYE", "ManageSieve")
    assert_ended(smtp, b"421 4.7.0", "SMTP submission")
    # The laptop's session goes on.
    kept.sendall(b"d NOOP\r\n")
    assert b"d OK" in read_until(kept, b"d OK")
