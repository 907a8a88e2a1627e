"""SORT, ESORT and THREAD (RFC 5256, RFC 5267) over IMAPS with python imaplib, on the corpus in
tests/corpus/imap-sort (messages APPENDed with fixed INTERNALDATEs, expected orders by hand)."""

import imaplib
from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "imap-sort"


def corpus_lines(name):
    return [l for l in (CORPUS / name).read_text().splitlines() if l.strip() and not l.startswith("#")]


@pytest.fixture
def sorted_box(server):
    password = server.add_user("sorter@example.org")
    m = imaplib.IMAP4_SSL("127.0.0.1", server.port("imaps"), ssl_context=server.ssl_context(), timeout=30)
    m.login("sorter@example.org", password)
    assert m.create("Corpus")[0] == "OK"
    for line in corpus_lines("arrival.txt"):
        name, date = line.split(" ", 1)
        typ, data = m.append("Corpus", None, f'"{date}"', (CORPUS / name).read_bytes())
        assert typ == "OK", data
    assert m.select("Corpus")[0] == "OK"
    yield m
    m.logout()


def run(m, command):
    """Sends one command; returns (status, untagged lines, tag); the tagged line is in m.last_tagged."""
    tag = m._new_tag().decode()  # noqa: SLF001
    m.send(f"{tag} {command}\r\n".encode())
    lines = []
    while True:
        line = m.readline().decode("utf-8", "replace").rstrip("\r\n")
        if line.startswith(tag + " "):
            m.last_tagged = line
            return line.split(" ", 2)[1], lines, tag
        lines.append(line)


def test_capabilities_announced(sorted_box):
    caps = sorted_box.capability()[1][0].decode().split()
    for cap in ("SORT", "SORT=DISPLAY", "ESORT", "THREAD=ORDEREDSUBJECT", "THREAD=REFERENCES"):
        assert cap in caps, cap


def test_corpus_sort_and_thread_orders(sorted_box):
    cases = corpus_lines("expected.txt")
    assert len(cases) >= 15
    for case in cases:
        command, want = case.split(" => ")
        status, lines, tag = run(sorted_box, command)
        assert status == "OK", (command, lines)
        got = [l for l in lines if l.split(" ")[1] in ("SORT", "THREAD", "ESEARCH")]
        assert got == [want.replace("{tag}", tag)], command


def test_errors(sorted_box):
    assert run(sorted_box, "SORT (DATE) ISO-8859-1 ALL")[0] == "NO"
    assert "[BADCHARSET" in sorted_box.last_tagged
    assert run(sorted_box, "THREAD REFERENCES KOI8-R ALL")[0] == "NO"
    for bad in ("SORT (DATE) UTF-8", "SORT () UTF-8 ALL", "SORT (NOPE) UTF-8 ALL", "THREAD NOPE UTF-8 ALL",
                "UID THREAD REFERENCES UTF-8"):
        assert run(sorted_box, bad)[0] == "BAD", bad
    sorted_box.close()
    assert run(sorted_box, "SORT (DATE) UTF-8 ALL")[0] == "BAD"


def test_imaplib_sort_and_thread_helpers(sorted_box):
    typ, data = sorted_box.sort("(REVERSE ARRIVAL)", "UTF-8", "ALL")
    assert typ == "OK" and data[0] == b"11 10 9 8 7 6 5 3 1 2 4 12"
    typ, data = sorted_box.uid("THREAD", "REFERENCES", "UTF-8", "ALL")
    assert typ == "OK" and data[0] == b"(9 8)(12)((6)(7))(1 2 (11)(3))(4 5)(10)"


def test_uid_and_sequence_numbers_differ_after_expunge(sorted_box):
    assert sorted_box.store("1", "+FLAGS", "\\Deleted")[0] == "OK"
    assert sorted_box.expunge()[0] == "OK"
    assert run(sorted_box, "UID SORT (DATE) UTF-8 ALL")[1][-1] == "* SORT 8 9 12 6 7 2 4 11 3 5 10"
    assert run(sorted_box, "SORT (DATE) UTF-8 ALL")[1][-1] == "* SORT 7 8 11 5 6 1 3 10 2 4 9"
    # Without message 1, 2 roots the kickoff thread; 11 and 3 stay its children.
    assert run(sorted_box, "UID THREAD REFERENCES UTF-8 SUBJECT kickoff")[1][-1] == "* THREAD (2 (11)(3))"
