"""Wire framing under attack, against the real binary: IMAP/ManageSieve literal bounds before
login, over-long lines, ManageSieve literal echo, SMTP BDAT sizes and long DATA lines."""

import smtplib
import socket
import time

import pytest
from conftest import Server

MB = 1024 * 1024


def rss_kb(pid, field="VmRSS"):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise AssertionError(f"no {field} for {pid}")


def connect(server, name):
    s = socket.create_connection(("127.0.0.1", server.port(name)), timeout=10)
    return s, s.makefile("rb")


def stream_until_closed(sock, limit):
    """Sends zeros until the server stops reading (or `limit` bytes); returns bytes sent."""
    chunk = b"0" * (256 * 1024)
    sent = 0
    sock.settimeout(5)
    try:
        while sent < limit:
            sent += sock.send(chunk)
    except (BrokenPipeError, ConnectionResetError, socket.timeout):
        pass
    return sent


def read_line(f):
    try:
        return f.readline()
    except ConnectionResetError:
        return b""


@pytest.fixture
def big_server(tmp_path):
    """A server taking 64 MB messages, so a 50 MB literal is within the message size."""
    srv = Server(tmp_path, max_size=64 * MB).start()
    yield srv
    srv.stop()


def test_unauthenticated_append_literals_are_cut_off(big_server):
    """The attack of issue 13: an unauthenticated client streaming `APPEND INBOX {52428800+}`
    again and again. Each connection is told BYE at the announcement and nothing is buffered."""
    server = big_server
    pid = server.proc.pid
    before = rss_kb(pid)
    started = time.time()
    for _ in range(20):
        s, f = connect(server, "imap")
        assert f.readline().startswith(b"* OK")
        s.sendall(b"a APPEND INBOX {52428800+}\r\n")
        sent = stream_until_closed(s, 60 * MB)
        reply = read_line(f)
        assert reply in (b"", b"* BYE [TOOBIG] Literal too large\r\n"), reply
        # Cut off early: what was sent fits in the socket buffers, not the 50 MB announced.
        assert sent < 40 * MB, sent
        s.close()
    assert server.proc.poll() is None, "server died"
    hwm, now = rss_kb(pid, "VmHWM"), rss_kb(pid)
    print(f"RSS before {before} kB, after {now} kB, peak {hwm} kB, {time.time() - started:.1f} s")
    assert hwm < 300 * 1024, f"peak RSS {hwm} kB"


def test_pre_login_literal_bounds(server):
    s, f = connect(server, "imap")
    assert f.readline().startswith(b"* OK")
    # Credentials fit.
    s.sendall(b"a LOGIN {4}\r\n")
    assert f.readline().startswith(b"+ ")
    s.sendall(b"fred {6+}\r\nsecret\r\n")
    assert f.readline().startswith(b"a NO")  # PRIVACYREQUIRED: no TLS, but framed fine
    # A synchronising literal over the bound is refused politely; the session goes on.
    s.sendall(b"b APPEND INBOX {52428800}\r\n")
    assert f.readline() == b"b NO [TOOBIG] Literal of 52428800 octets is too large\r\n"
    # All literals of a command count together (default bound 8 KiB).
    s.sendall(b"c LOGIN {5000+}\r\n" + b"u" * 5000 + b" {5000+}\r\n")
    assert read_line(f) == b"* BYE [TOOBIG] Literal too large\r\n"
    assert read_line(f) == b""
    s.close()


def test_over_long_line_does_not_echo_the_tag(server):
    s, f = connect(server, "imap")
    assert f.readline().startswith(b"* OK")
    s.sendall(b"A" * 80_000 + b" NOOP\r\nb NOOP\r\n")
    line = f.readline()
    assert line == b"* BAD [TOOBIG] Command line too long\r\n", line[:100]
    assert f.readline().startswith(b"b OK")
    # 50 MB of garbage without a line end is skipped, not buffered.
    stream_until_closed(s, 50 * MB)
    s.sendall(b"\r\nc NOOP\r\n")
    assert f.readline() == b"* BAD [TOOBIG] Command line too long\r\n"
    assert f.readline().startswith(b"c OK")
    s.close()


def test_managesieve_echoes_invalid_utf8_with_its_length(server):
    s, f = connect(server, "managesieve")
    while not f.readline().startswith(b"OK"):
        pass
    s.sendall(b"NOOP {3+}\r\n\xff\xfe\xe9\r\n")
    assert f.readline() == b"OK (TAG {3}\r\n"
    assert f.read(len(b'\xff\xfe\xe9) "Done"\r\n')) == b'\xff\xfe\xe9) "Done"\r\n'
    s.sendall(b"NOOP\r\n")
    assert f.readline() == b'OK "Done"\r\n'
    # Before login, a script-sized literal on its way is not read.
    s.sendall(b'PUTSCRIPT "a" {100000+}\r\n')
    assert read_line(f).startswith(b"BYE (QUOTA/MAXSIZE)")
    s.close()


@pytest.fixture
def mx(server):
    server.add_user("nina@example.org")
    s, f = connect(server, "smtp")
    assert f.readline().startswith(b"220")

    def reply():
        lines = []
        while True:
            line = read_line(f)
            lines.append(line)
            if len(line) < 4 or line[3:4] != b"-":
                return b"".join(lines)

    s.sendall(b"EHLO client.test\r\n")
    assert b"CHUNKING" in reply()
    yield s, reply
    s.close()


TXN = b"MAIL FROM:<zoe@remote.test>\r\nRCPT TO:<nina@example.org>\r\n"


def test_bdat_overflow_keeps_the_session_in_step(mx):
    s, reply = mx
    s.sendall(TXN + b"BDAT 99999999999999999999999 LAST\r\nNOOP\r\nQUIT\r\n")
    assert reply().startswith(b"250 2.1.0")
    assert reply().startswith(b"250 2.1.5")
    assert reply().startswith(b"501 5.5.4 BDAT chunk size out of range")
    assert reply().startswith(b"250 2.0.0")
    assert reply().startswith(b"221")


def test_bdat_absurd_size_closes_cleanly(mx):
    s, reply = mx
    s.sendall(TXN + b"BDAT 1000000000000000 LAST\r\n")
    reply(), reply()
    assert reply().startswith(b"552 5.3.4")
    assert reply().startswith(b"421 4.7.0")
    assert reply() == b""


def test_bdat_0_last_is_refused(mx):
    s, reply = mx
    s.sendall(TXN + b"BDAT 0 LAST\r\nNOOP\r\n")
    reply(), reply()
    assert reply().startswith(b"554 5.6.0 Message is empty")
    assert reply().startswith(b"250 2.0.0")


def test_long_data_lines(server):
    """A 5,000-octet line is accepted (the bound is 1 MiB by default, RFC 5321 says 998)."""
    server.add_user("nina@example.org")
    with smtplib.SMTP("127.0.0.1", server.port("smtp"), local_hostname="client.test", timeout=30) as c:
        msg = "Subject: long\r\n\r\n" + "x" * 5000 + "\r\n"
        assert c.sendmail("zoe@remote.test", ["nina@example.org"], msg) == {}


def test_data_line_over_the_bound_is_refused(tmp_path):
    srv = Server(tmp_path)
    srv.config.write_text(srv.config.read_text().replace("[limits]\n", "[limits]\nmax_line_length = 10000\n"))
    srv.start()
    try:
        srv.add_user("nina@example.org")
        with smtplib.SMTP("127.0.0.1", srv.port("smtp"), local_hostname="client.test", timeout=30) as c:
            ok = "Subject: l\r\n\r\n" + "y" * 10000 + "\r\n"
            assert c.sendmail("zoe@remote.test", ["nina@example.org"], ok) == {}
            with pytest.raises(smtplib.SMTPDataError) as e:
                c.sendmail("zoe@remote.test", ["nina@example.org"], "Subject: l\r\n\r\n" + "y" * 10001 + "\r\n")
            assert e.value.smtp_code == 554
            assert b"5.6.0 Message has a line longer than 10000 octets" in e.value.smtp_error
            assert c.noop()[0] == 250
    finally:
        srv.stop()


def test_large_message_is_spooled_to_disk_while_received(big_server):
    """Over 4 MiB (spool_message_above) a message being received goes to data_dir/spool/; the
    file is gone once the message is done."""
    from conftest import wait_for

    server = big_server
    server.add_user("nina@example.org")
    spool = server.data / "spool"
    s, f = connect(server, "smtp")
    f.readline()
    s.sendall(b"HELO client.test\r\n" + TXN + b"DATA\r\n")
    for _ in range(4):
        f.readline()
    line = b"z" * 98 + b"\r\n"
    s.sendall(b"Subject: big\r\n\r\n" + line * (6 * MB // 100))
    assert wait_for(lambda: len(list(spool.iterdir())) == 1, timeout=10)
    s.sendall(b".\r\n")
    assert f.readline().startswith(b"250 2.0.0")
    assert list(spool.iterdir()) == []
    s.sendall(b"QUIT\r\n")
    s.close()
