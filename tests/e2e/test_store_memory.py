"""Reading a large mailbox back: `FETCH 1:* BODY[]` streams in batches, so the server's memory grows
by a batch (and the bounded store cache), not by the mailbox; and a client that stops reading in
the middle of a big FETCH holds no store transaction, so other sessions' writes and deliveries
still commit."""

import smtplib
import socket
import threading
import time

from conftest import Server

SIZE = 50 * 1024


def rss(pid, field):
    """A /proc/PID/status figure (VmRSS, VmHWM) in bytes."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise AssertionError(f"no {field} for {pid}")


def reset_peak(pid):
    # Linux ≥ 4.0: writing 5 resets VmHWM to the current RSS.
    with open(f"/proc/{pid}/clear_refs", "w") as f:
        f.write("5")


def message(i, size=SIZE):
    head = (f"From: sender{i % 50}@remote.test\r\nTo: nina@example.org\r\n"
            f"Subject: message {i}\r\nMessage-ID: <m{i}@remote.test>\r\n"
            f"Date: Mon, 23 Nov 2026 10:00:00 +0000\r\n\r\n")
    line = f"line of message {i} " + "x" * 58 + "\r\n"
    body = line * max(1, (size - len(head)) // len(line))
    return (head + body).encode()


class Raw:
    """A minimal IMAP client over implicit TLS that reads exactly what the test asks for."""

    def __init__(self, server, password, user="nina@example.org"):
        sock = socket.create_connection(("127.0.0.1", server.port("imaps")), timeout=60)
        self.sock = server.ssl_context().wrap_socket(sock, server_hostname="127.0.0.1")
        self.buf = b""
        self.line()  # greeting
        self.command(b"L LOGIN " + user.encode() + b" " + password.encode())

    def line(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            assert chunk, "connection closed"
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def command(self, cmd):
        tag = cmd.split(b" ", 1)[0]
        self.sock.sendall(cmd + b"\r\n")
        lines = []
        while True:
            line = self.line()
            lines.append(line)
            if line.startswith(tag + b" "):
                assert line.startswith(tag + b" OK"), line
                return lines

    def append_many(self, raws):
        """APPENDs with LITERAL+ (RFC 7888), pipelined."""
        out = b"".join(b"A%d APPEND INBOX {%d+}\r\n%s\r\n" % (i, len(r), r) for i, r in enumerate(raws))
        self.sock.sendall(out)
        done = 0
        while done < len(raws):
            line = self.line()
            if line.startswith(b"A") and b" OK " in line:
                done += 1
            else:
                assert line.startswith(b"*"), line

    def read_until_tagged(self, tag):
        """Reads a whole response, literals included; returns (untagged FETCH count, bytes)."""
        marker = b"\r\n" + tag + b" OK"
        total = len(self.buf)
        tail = self.buf
        self.buf = b""
        while True:
            i = tail.find(marker)
            if i >= 0:
                break
            chunk = self.sock.recv(1 << 20)
            assert chunk, "connection closed"
            total += len(chunk)
            tail = tail[-64:] + chunk
        return total

    def close(self):
        self.sock.close()


def fill(server, password, n, size=SIZE, connections=8):
    """Appends n distinct messages over several connections (so commits are shared)."""
    def work(k):
        c = Raw(server, password)
        mine = [message(i, size) for i in range(k, n, connections)]
        for start in range(0, len(mine), 50):
            c.append_many(mine[start:start + 50])
        c.close()

    threads = [threading.Thread(target=work, args=(k,)) for k in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def test_large_fetch_grows_memory_by_a_batch_not_the_mailbox(tmp_path):
    srv = Server(tmp_path, max_size=1024 * 1024)
    with open(srv.config, "a") as f:
        f.write("\n[store]\ncache_mb = 16\n")
    srv.start()
    try:
        password = srv.add_user("nina@example.org")
        n = 2000
        fill(srv, password, n)
        total = n * SIZE
        # Restarted: the store's cache starts cold, as for a mailbox read back days later.
        srv.stop()
        srv.start()
        c = Raw(srv, password)
        exists = [l for l in c.command(b"S SELECT INBOX") if l.endswith(b" EXISTS")]
        assert exists == [b"* %d EXISTS" % n]
        pid = srv.proc.pid
        time.sleep(1)
        before = rss(pid, "VmRSS")
        reset_peak(pid)
        c.sock.sendall(b"F FETCH 1:* BODY[]\r\n")
        got = c.read_until_tagged(b"F")
        peak = rss(pid, "VmHWM")
        assert got > total, (got, total)
        growth = peak - before
        print(f"mailbox {total >> 20} MiB, RSS before {before >> 20} MiB, peak {peak >> 20} MiB")
        # Well below the mailbox (100 MiB): a batch, the 16 MiB cache and the \Seen write.
        # Measured: 24 MiB on an idle machine; 40-44 MiB with the cores busy (the whole suite,
        # or three spinning processes), the same with the binary before issue 19: the session's
        # task then moves between runtime threads and glibc keeps a batch in each thread's arena.
        # Half the mailbox still fails when a FETCH holds the mailbox.
        assert growth < total * 0.5, f"peak RSS grew by {growth >> 20} MiB for a {total >> 20} MiB mailbox"
        c.close()
    finally:
        srv.stop()


def test_client_that_stops_reading_does_not_block_writes(server):
    password = server.add_user("nina@example.org")
    n = 200
    size = 100 * 1024
    fill(server, password, n, size=size, connections=4)
    reader = Raw(server, password)
    reader.command(b"S SELECT INBOX")
    # 20 MB of answer: far more than the socket buffers hold, so the server's write blocks.
    reader.sock.sendall(b"F FETCH 1:* BODY.PEEK[]\r\n")
    first = reader.sock.recv(65536)
    assert first.startswith(b"* 1 FETCH")
    time.sleep(1.0)  # the server is now stuck writing to this client

    # Another session's write (APPEND) and an SMTP delivery both commit meanwhile.
    writer = Raw(server, password)
    started = time.time()
    writer.append_many([message(10_000)])
    with smtplib.SMTP("127.0.0.1", server.port("smtp"), local_hostname="client.test", timeout=30) as s:
        s.starttls(context=server.ssl_context())
        s.sendmail("zoe@remote.test", ["nina@example.org"], message(10_001))
    assert time.time() - started < 20
    status = writer.command(b"T STATUS INBOX (MESSAGES)")
    assert b"(MESSAGES %d)" % (n + 2) in b"".join(status), status
    # A write on the very messages being fetched commits too.
    writer.command(b"W SELECT INBOX")
    writer.command(b"X STORE 1:10 +FLAGS (\\Flagged)")
    writer.close()

    # The stalled FETCH then completes, with every message it was asked for.
    reader.buf = first
    got = reader.read_until_tagged(b"F")
    assert got > n * size
    reader.close()
