#!/usr/bin/env python3
"""IDLE sessions on one INBOX while a stream of deliveries goes to the same INBOX: the server's
CPU per delivered message (every commit wakes every session, which syncs against the store's
shared mailbox view; the view cache is bypassed while a commit is in progress). A benchmark,
not a test; run from the repository root:

    MAILSIFT_BIN=target/release/mailsift /usr/bin/python3 scripts/bench_imap_herd.py SESSIONS MESSAGES STREAM

e.g. 200 5000 1000: 200 sessions (implicit TLS, LOGIN, SELECT INBOX, IDLE) on an INBOX of 5,000
messages (2 KB, by smtp-source), then 1,000 more messages by smtp-source at 16 connections.
Needs smtp-source (Debian package postfix)."""
import ssl, os, socket, subprocess, sys, tempfile, time, threading
from pathlib import Path
sys.path.insert(0, "tests/e2e")
from conftest import Server
N, M, S = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
work = Path(tempfile.mkdtemp(prefix="herd-"))
srv = Server(work)
text = srv.config.read_text().replace('level = "info,mailsift=debug"', 'level = "warn"', 1)
text += '\n[sender_auth]\nenabled = false\n'
srv.config.write_text(text)
srv.start()
pw = srv.add_user("a@bench.test")
port = srv.port("smtp")
src = ["/usr/sbin/smtp-source", "-s", "16", "-l", "2048", "-f", "x@x.test", "-t", "a@bench.test"]
subprocess.run(src + ["-m", str(M), f"127.0.0.1:{port}"], check=True)
iport = srv.port("imaps")
ctx = srv.ssl_context()
socks = []
for i in range(N):
    s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", iport)), server_hostname="mail.test")
    f = s.makefile("rb")
    f.readline()
    s.sendall(f"a LOGIN a@bench.test {pw}\r\nb SELECT INBOX\r\nc IDLE\r\n".encode())
    while True:
        l = f.readline()
        if not l or b" NO " in l or b" BAD " in l:
            raise SystemExit(f"IMAP: {l!r}")
        if l.startswith(b"+"):
            break
    socks.append((s, f))
def drain():
    import selectors
    sel = selectors.DefaultSelector()
    for s, f in socks:
        s.setblocking(False); sel.register(s, selectors.EVENT_READ)
    while not stop:
        for k, _ in sel.select(0.2):
            try:
                while k.fileobj.recv(65536):
                    pass
            except (BlockingIOError, ssl.SSLWantReadError):
                pass
stop = False
t = threading.Thread(target=drain, daemon=True); t.start()
pid = srv.proc.pid
def cpu():
    st = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(st[11]) + int(st[12])) / os.sysconf("SC_CLK_TCK")
time.sleep(1)
c0, t0 = cpu(), time.time()
subprocess.run(src + ["-m", str(S), f"127.0.0.1:{port}"], check=True)
time.sleep(2)
c1, t1 = cpu(), time.time()
stop = True
print(f"sessions {N} mailbox {M} stream {S}: server CPU {c1-c0:.2f} s = {(c1-c0)/S*1000:.2f} ms/delivery, {t1-t0-2:.1f} s")
srv.stop()
