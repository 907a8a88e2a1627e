"""imaptest-style concurrency stress (scripts/imap_stress.py): 10 clients on one INBOX running
random FETCH/STORE/EXPUNGE/APPEND/COPY/SEARCH/IDLE/SELECT/LOGOUT for ~10 s each with a fixed
seed and with a random one (printed), every session checking its own view of the mailbox.

IMAP_STRESS_SECONDS, IMAP_STRESS_CLIENTS and IMAP_STRESS_SEED make longer runs by hand."""

import importlib.util
import os
import random
from pathlib import Path

import pytest

USER = "stress@example.org"
SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "imap_stress.py"


def load_checker():
    spec = importlib.util.spec_from_file_location("imap_stress", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize("seed", [20261207, None], ids=["fixed-seed", "random-seed"])
def test_concurrent_sessions_stay_consistent(server, seed, capsys):
    password = server.add_user(USER)
    if seed is None:
        seed = int(os.environ.get("IMAP_STRESS_SEED", random.randrange(1 << 32)))
    seconds = os.environ.get("IMAP_STRESS_SECONDS", "10")
    clients = os.environ.get("IMAP_STRESS_CLIENTS", "10")
    print(f"imap stress seed {seed}")
    rc = load_checker().main([
        "--port", str(server.port("imaps")), "--tls", "--cafile", str(server.data / "tls" / "cert.pem"),
        "--host", "localhost", "--user", USER, "--password", password,
        "--clients", clients, "--seconds", seconds, "--seed", str(seed),
        "--server-pid", str(server.proc.pid),
    ])
    out = capsys.readouterr().out
    print(out)
    assert rc == 0, out
    # The run did work: not a handful of commands before everyone was disconnected.
    total = int(out.split(" commands in ")[0].rsplit("\n", 1)[-1])
    assert total > 1000, out


def test_search_of_content_while_messages_are_expunged(server):
    """A content SEARCH reads the metadata from one snapshot and the contents afterwards: a
    message expunged in between (by another session) has no content any more and must simply
    not match (RFC 9051 §6.4.4: the result lists the messages that match), not end the
    command with BAD. Found by the stress checker; before the fix this failed within seconds."""
    import threading
    import time
    from types import SimpleNamespace

    checker = load_checker()
    password = server.add_user(USER)
    args = SimpleNamespace(host="localhost", port=server.port("imaps"), tls=True, starttls=False,
                           cafile=str(server.data / "tls" / "cert.pem"), timeout=30)
    shared = checker.Shared()

    def login(cid):
        c = checker.Conn(args, shared, cid, random.Random(cid), {})
        c.connect()
        assert c.cmd(f'LOGIN {USER} "{password}"')[0].word == "OK"
        assert c.cmd("SELECT INBOX")[0].word == "OK"
        return c

    searcher, expunger = login(1), login(2)
    filler = ("lorem ipsum dolor sit amet " * 40 + "\r\n") * 4  # ~4 KB
    for i in range(300):
        msg = f"From: a@b.test\r\nSubject: m{i}\r\n\r\n{filler}".encode()
        assert expunger.cmd("APPEND INBOX", literal=msg)[0].word == "OK"
    stop = threading.Event()
    cycles = []

    def churn():
        while not stop.is_set():
            msg = f"From: a@b.test\r\nSubject: churn\r\n\r\n{filler}".encode()
            r, _ = expunger.cmd("APPEND INBOX", literal=msg)
            uid = r.code_args[1]
            expunger.cmd(f"UID STORE {uid} +FLAGS.SILENT (\\Deleted)")
            expunger.cmd(f"UID EXPUNGE {uid}")
            cycles.append(uid)

    t = threading.Thread(target=churn, daemon=True)
    t.start()
    replies = []
    deadline = time.time() + 5
    try:
        while time.time() < deadline:
            r, _ = searcher.cmd("UID SEARCH BODY nomatchanywhere")
            replies.append(r.word)
            if r.word != "OK":
                break
    except checker.Fatal:
        replies.append("BAD")
    finally:
        stop.set()
        t.join(30)
    assert set(replies) == {"OK"}, (dict(shared.errors), dict(shared.examples))
    # Enough of both to have overlapped many times.
    assert len(cycles) > 20 and len(replies) > 20, (len(cycles), len(replies))


def two_sessions(server):
    """Two of the checker's sessions logged in to one new account (implicit TLS)."""
    from types import SimpleNamespace

    checker = load_checker()
    password = server.add_user(USER)
    args = SimpleNamespace(host="localhost", port=server.port("imaps"), tls=True, starttls=False,
                           cafile=str(server.data / "tls" / "cert.pem"), timeout=30)
    shared = checker.Shared()
    a, b = (checker.Conn(args, shared, i, random.Random(i), {}) for i in (1, 2))
    for c in (a, b):
        c.connect()
        assert c.cmd(f'LOGIN {USER} "{password}"')[0].word == "OK"
    return shared, a, b


def test_copy_of_messages_expunged_elsewhere_says_expungeissued(server):
    """COPY by sequence number of messages another session expunged (this one not yet told)
    copies nothing: `NO [EXPUNGEISSUED]` (RFC 5530 §3) tells the client why, as FETCH does."""
    shared, a, b = two_sessions(server)
    assert a.cmd("APPEND INBOX", literal=b"Subject: x\r\n\r\nbody\r\n")[0].word == "OK"
    for c in (a, b):
        assert c.cmd("SELECT INBOX")[0].word == "OK"
    assert b.cmd("STORE 1 +FLAGS (\\Deleted)")[0].word == "OK"
    assert b.cmd("EXPUNGE")[0].word == "OK"
    r, _ = a.cmd("COPY 1 Trash", allow_no=("EXPUNGEISSUED",))
    assert (r.word, r.code) == ("NO", "EXPUNGEISSUED"), r.raw
    assert not shared.errors, dict(shared.examples)


def test_uid_copy_and_move_of_expunged_uids_are_ok(server):
    """UID COPY and UID MOVE ignore UIDs that no longer exist (RFC 9051 §6.4.9: "a UID COPY,
    UID MOVE, or UID STORE [may] return an OK without performing any operations")."""
    shared, a, b = two_sessions(server)
    r, _ = a.cmd("APPEND INBOX", literal=b"Subject: x\r\n\r\nbody\r\n")
    uid = r.code_args[1]
    for c in (a, b):
        assert c.cmd("SELECT INBOX")[0].word == "OK"
    assert b.cmd(f"UID STORE {uid} +FLAGS (\\Deleted)")[0].word == "OK"
    assert b.cmd("EXPUNGE")[0].word == "OK"
    for verb in ("COPY", "MOVE"):
        r, _ = a.cmd(f"UID {verb} {uid} Trash")
        assert r.word == "OK" and r.code is None, r.raw
    # The expunge was reported on the way (a UID command may: RFC 9051 §7.5.1).
    assert a.uids == [], a.uids
    assert not shared.errors, dict(shared.examples)
