"""RFC 3501 / RFC 9051 behaviour, checked on the wire with a small raw client so that the order
of untagged responses is visible: FLAGS before FETCH (§7.2.6), \\Recent (§2.3.2), ENVELOPE
groups, message/rfc822 sections, BINARY (RFC 3516), LIST-EXTENDED (RFC 5258), DELETE of a
parent (§6.3.4), UIDs and where other sessions' changes are announced (§7.4.1).

Several tests drive two or three concurrent sessions of the same account."""

import re
import smtplib
import socket
import ssl

import pytest

USER = "nina@example.org"


class Client:
    """One IMAP connection over implicit TLS; `cmd` returns the untagged lines and the tagged
    reply of one command, literals inlined, in the order the server sent them."""

    def __init__(self, server, password=None):
        raw = socket.create_connection(("127.0.0.1", server.port("imaps")), timeout=30)
        self.sock = server.ssl_context().wrap_socket(raw, server_hostname="localhost")
        self.buf = b""
        self.n = 0
        self.greeting = self.line()
        if password:
            _, done = self.cmd(f'LOGIN {USER} "{password}"')
            assert done.split()[1] == b"OK", done

    def line(self):
        while b"\r\n" not in self.buf:
            data = self.sock.recv(65536)
            if not data:
                raise EOFError(self.buf)
            self.buf += data
        line, self.buf = self.buf.split(b"\r\n", 1)
        # A literal: read its bytes and the rest of the response.
        m = re.search(rb"~?\{(\d+)\}$", line)
        if m:
            n = int(m.group(1))
            while len(self.buf) < n:
                self.buf += self.sock.recv(65536)
            line = line + b"\r\n" + self.buf[:n]
            self.buf = self.buf[n:]
            line += self.line()
        return line

    def send(self, data):
        self.sock.sendall(data)

    def cmd(self, text, literal=None):
        """Sends `tag text` (with `literal` after a `{n}` continuation) and reads to the tag."""
        self.n += 1
        tag = f"t{self.n}".encode()
        if literal is not None:
            self.send(tag + b" " + text.encode() + b"\r\n")
            cont = self.line()
            if not cont.startswith(b"+"):
                return [], cont
            self.send(literal + b"\r\n")
        else:
            self.send(tag + b" " + text.encode() + b"\r\n")
        lines = []
        while True:
            line = self.line()
            if line.startswith(tag + b" "):
                return lines, line
            lines.append(line)

    def ok(self, text, literal=None):
        lines, done = self.cmd(text, literal)
        assert done.split()[1] == b"OK", (text, lines, done)
        return lines

    def close(self):
        try:
            self.cmd("LOGOUT")
        except (OSError, EOFError):
            pass
        self.sock.close()


def deliver(server, raw, to=USER):
    with smtplib.SMTP("127.0.0.1", server.port("smtp"), local_hostname="client.test", timeout=30) as s:
        s.starttls(context=server.ssl_context())
        s.sendmail("zoe@remote.test", [to], raw)


def simple(subject, body="hello"):
    return (f"From: zoe@remote.test\r\nTo: {USER}\r\nSubject: {subject}\r\n"
            f"Date: Mon, 23 Nov 2026 10:00:00 +0000\r\n\r\n{body}\r\n")


@pytest.fixture
def account(server):
    return server.add_user(USER)


def flags_of(line):
    m = re.search(rb"FLAGS \(([^)]*)\)", line)
    return m.group(1).split() if m else None


def announced(lines):
    """The keywords of the last untagged FLAGS response among `lines`."""
    out = None
    for line in lines:
        if line.startswith(b"* FLAGS "):
            out = set(line[len(b"* FLAGS ("):-1].split())
    return out


def assert_flags_announced_before_fetch(known, lines):
    """Every keyword a FETCH shows was in a FLAGS response before it (RFC 3501 §7.2.6)."""
    known = set(known)
    for line in lines:
        if line.startswith(b"* FLAGS "):
            known = set(line[len(b"* FLAGS ("):-1].split())
        elif b" FETCH " in line and flags_of(line) is not None:
            for f in flags_of(line):
                if not f.startswith(b"\\"):
                    assert f in known, (f, lines)


# -- 1. FLAGS before a FETCH that shows a new keyword ---------------------------------------------

def test_new_keyword_of_another_session_is_announced_before_fetch(server, account):
    deliver(server, simple("one"))
    a, b = Client(server, account), Client(server, account)
    known = announced(a.ok("SELECT INBOX"))
    assert b"$Project" not in known
    b.ok("SELECT INBOX")
    b.ok("STORE 1 +FLAGS ($Project)")
    lines = a.ok("NOOP")
    assert any(b"$Project" in line and b"FETCH" in line for line in lines), lines
    assert_flags_announced_before_fetch(known, lines)
    # The PERMANENTFLAGS response comes with it.
    assert any(b"PERMANENTFLAGS" in line and b"$Project" in line for line in lines), lines
    a.close()
    b.close()


def test_keyword_from_store_copy_and_append_is_announced(server, account):
    deliver(server, simple("one"))
    a, b, c = Client(server, account), Client(server, account), Client(server, account)
    a.ok("CREATE Work")
    known = announced(a.ok("SELECT INBOX"))
    # STORE in the same session: FLAGS before the FETCH of the STORE reply.
    lines = a.ok("STORE 1 +FLAGS ($Mine)")
    assert_flags_announced_before_fetch(known, lines)
    known = announced(lines) or known
    assert b"$Mine" in known
    # APPEND by another session with a keyword the selecting session has not seen.
    msg = simple("appended").encode()
    b.ok(f"APPEND INBOX ($Appended) {{{len(msg)}}}", msg)
    lines = a.ok("NOOP") + a.ok("FETCH 1:* FLAGS")
    assert_flags_announced_before_fetch(known, lines)
    known = announced(lines) or known
    # COPY into a mailbox a third session has selected.
    work_known = announced(c.ok("SELECT Work"))
    a.ok("STORE 2 +FLAGS ($Copied)")
    a.ok("COPY 1:2 Work")
    lines = c.ok("NOOP") + c.ok("FETCH 1:* FLAGS")
    assert any(b"$Copied" in line for line in lines), lines
    assert_flags_announced_before_fetch(work_known, lines)
    for x in (a, b, c):
        x.close()


# -- 2. \Recent ------------------------------------------------------------------------------------

def recent_count(lines):
    for line in lines:
        m = re.match(rb"\* (\d+) RECENT", line)
        if m:
            return int(m.group(1))
    return None


def test_exactly_one_session_sees_a_message_as_recent(server, account):
    deliver(server, simple("one"))
    deliver(server, simple("two"))
    a = Client(server, account)
    st = a.ok("STATUS INBOX (RECENT MESSAGES)")
    assert b"RECENT 2" in st[0], st
    # EXAMINE shows them as recent without claiming them.
    lines = a.ok("EXAMINE INBOX")
    assert recent_count(lines) == 2, lines
    assert b"\\Recent" in a.ok("FETCH 2 FLAGS")[0]
    a.ok("UNSELECT")
    lines = a.ok("SELECT INBOX")
    assert recent_count(lines) == 2, lines
    assert b"\\Recent" in a.ok("FETCH 1 FLAGS")[0]
    assert a.ok("SEARCH RECENT")[0] == b"* SEARCH 1 2"
    assert a.ok("SEARCH NEW")[0] == b"* SEARCH 1 2"
    # A second session after the first: nothing is recent for it.
    b = Client(server, account)
    lines = b.ok("SELECT INBOX")
    assert recent_count(lines) == 0, lines
    assert b"\\Recent" not in b.ok("FETCH 1 FLAGS")[0]
    assert b.ok("SEARCH RECENT")[0] == b"* SEARCH"
    # A new delivery while both are selected: exactly one of them gets it as recent.
    c = Client(server, account)
    c.ok("ENABLE IMAP4rev2")
    rev2 = c.ok("SELECT INBOX")
    assert recent_count(rev2) is None, rev2
    deliver(server, simple("three"))
    got = []
    for x in (b, a):
        lines = x.ok("NOOP")
        assert any(line == b"* 3 EXISTS" for line in lines), lines
        got.append(b"\\Recent" in x.ok("FETCH 3 FLAGS")[0])
    assert got.count(True) == 1, got
    # IMAP4rev2 never reports RECENT or \Recent.
    lines = c.ok("NOOP") + c.ok("FETCH 1:* FLAGS")
    assert not any(b"RECENT" in line or b"\\Recent" in line for line in lines), lines
    # SEARCH NEW is recent and unseen.
    who = b if got[0] else a
    who.ok("STORE 3 +FLAGS (\\Seen)")
    assert who.ok("SEARCH NEW")[0] == b"* SEARCH"
    assert who.ok("SEARCH RECENT")[0] == b"* SEARCH 3"
    for x in (a, b, c):
        x.close()


# -- 3. ENVELOPE with group syntax ---------------------------------------------------------------

def test_envelope_group_syntax(server, account):
    raw = ("From: zoe@remote.test\r\n"
           "To: undisclosed-recipients:;\r\n"
           "Cc: Team: a@x.test, \"Bee\" <b@y.test>;, solo@z.test\r\n"
           "Bcc: \"Empty Group\": ;\r\n"
           "Subject: groups\r\n\r\nbody\r\n")
    a = Client(server, account)
    msg = raw.encode()
    a.ok(f"APPEND INBOX {{{len(msg)}}}", msg)
    a.ok("SELECT INBOX")
    line = a.ok("FETCH 1 ENVELOPE")[0].decode()
    assert ('((NIL NIL "undisclosed-recipients" NIL)(NIL NIL NIL NIL)) '
            '((NIL NIL "Team" NIL)(NIL NIL "a" "x.test")("Bee" NIL "b" "y.test")(NIL NIL NIL NIL)'
            '(NIL NIL "solo" "z.test")) '
            '((NIL NIL "Empty Group" NIL)(NIL NIL NIL NIL))') in line, line
    a.close()


# -- 4. Sections of message/rfc822 parts ---------------------------------------------------------

INNER = ("From: inner@remote.test\r\n"
         "Subject: Inner\r\n"
         "MIME-Version: 1.0\r\n"
         "Content-Type: multipart/mixed; boundary=in\r\n"
         "\r\n"
         "--in\r\n"
         "Content-Type: text/plain\r\n"
         "\r\n"
         "inner text\r\n"
         "--in\r\n"
         "Content-Type: message/rfc822\r\n"
         "\r\n"
         "From: deep@remote.test\r\n"
         "Subject: Deep\r\n"
         "\r\n"
         "deep body\r\n"
         "--in--\r\n")

OUTER = ("From: zoe@remote.test\r\n"
         f"To: {USER}\r\n"
         "Subject: Fwd\r\n"
         "MIME-Version: 1.0\r\n"
         "Content-Type: multipart/mixed; boundary=out\r\n"
         "\r\n"
         "--out\r\n"
         "Content-Type: text/plain\r\n"
         "\r\n"
         "see below\r\n"
         "--out\r\n"
         "Content-Type: message/rfc822\r\n"
         "Content-Description: forwarded\r\n"
         "\r\n"
         f"{INNER}"
         "--out--\r\n")


def literal_of(line):
    m = re.search(rb"\{(\d+)\}\r\n", line)
    assert m, line
    start = m.end()
    return line[start:start + int(m.group(1))]


def test_sections_of_an_encapsulated_message(server, account):
    deliver(server, OUTER)
    a = Client(server, account)
    a.ok("SELECT INBOX")
    header = literal_of(a.ok("FETCH 1 BODY.PEEK[2.HEADER]")[0])
    assert header == INNER.split("\r\n\r\n", 1)[0].encode() + b"\r\n\r\n"
    text = literal_of(a.ok("FETCH 1 BODY.PEEK[2.TEXT]")[0])
    # The CRLF before the outer boundary belongs to the boundary (RFC 2046 §5.1.1).
    assert text == INNER.split("\r\n\r\n", 1)[1].encode().removesuffix(b"\r\n")
    fields = literal_of(a.ok("FETCH 1 BODY.PEEK[2.HEADER.FIELDS (Subject)]")[0])
    assert fields == b"Subject: Inner\r\n\r\n"
    mime = literal_of(a.ok("FETCH 1 BODY.PEEK[2.MIME]")[0])
    assert mime == b"Content-Type: message/rfc822\r\nContent-Description: forwarded\r\n\r\n"
    assert literal_of(a.ok("FETCH 1 BODY.PEEK[2.1]")[0]) == b"inner text"
    # Nested twice: 2.2 is the message/rfc822 inside the encapsulated message.
    assert literal_of(a.ok("FETCH 1 BODY.PEEK[2.2.TEXT]")[0]) == b"deep body"
    assert literal_of(a.ok("FETCH 1 BODY.PEEK[2.2.HEADER]")[0]) == \
        b"From: deep@remote.test\r\nSubject: Deep\r\n\r\n"
    bs = a.ok("FETCH 1 BODYSTRUCTURE")[0].decode()
    # The message/rfc822 part carries the encapsulated envelope, body and line count.
    assert '("message" "rfc822" NIL NIL "forwarded" "7bit" ' in bs, bs
    assert '(NIL "Inner" ((NIL NIL "inner" "remote.test"))' in bs, bs
    assert '(NIL "Deep" ((NIL NIL "deep" "remote.test"))' in bs, bs
    a.close()


def test_sections_of_a_message_that_is_message_rfc822(server, account):
    raw = ("From: zoe@remote.test\r\n"
           f"To: {USER}\r\n"
           "Subject: bounce\r\n"
           "MIME-Version: 1.0\r\n"
           "Content-Type: message/rfc822\r\n"
           "\r\n"
           "From: deep@remote.test\r\n"
           "Subject: Deep\r\n"
           "\r\n"
           "deep body\r\n")
    deliver(server, raw)
    a = Client(server, account)
    a.ok("SELECT INBOX")
    assert literal_of(a.ok("FETCH 1 BODY.PEEK[1.TEXT]")[0]) == b"deep body\r\n"
    assert literal_of(a.ok("FETCH 1 BODY.PEEK[1.HEADER]")[0]) == \
        b"From: deep@remote.test\r\nSubject: Deep\r\n\r\n"
    bs = a.ok("FETCH 1 BODYSTRUCTURE")[0].decode()
    assert bs.startswith('* 1 FETCH (BODYSTRUCTURE ("message" "rfc822" NIL NIL NIL "7bit" '), bs
    assert '(NIL "Deep" ((NIL NIL "deep" "remote.test"))' in bs, bs
    a.close()


# -- 5. BINARY (RFC 3516) ------------------------------------------------------------------------

BINARY_MSG = (b"From: zoe@remote.test\r\n"
              b"Subject: binary\r\n"
              b"MIME-Version: 1.0\r\n"
              b"Content-Type: multipart/mixed; boundary=b\r\n"
              b"\r\n"
              b"--b\r\n"
              b"Content-Type: text/plain; charset=utf-8\r\n"
              b"Content-Transfer-Encoding: quoted-printable\r\n"
              b"\r\n"
              b"Gr=C3=BC=C3=9Fe, soft=\r\n"
              b"break\r\n"
              b"--b\r\n"
              b"Content-Type: application/octet-stream\r\n"
              b"Content-Transfer-Encoding: base64\r\n"
              b"\r\n"
              b"AAECAwQ=\r\n"
              b"--b\r\n"
              b"Content-Type: application/x-odd\r\n"
              b"Content-Transfer-Encoding: x-uuencode\r\n"
              b"\r\n"
              b"begin 644 x\r\n"
              b"--b--\r\n")


def test_binary_fetch_and_literal8_append(server, account):
    a = Client(server, account)
    caps = a.ok("CAPABILITY")[0]
    assert b" BINARY" in caps, caps
    # APPEND with a literal8 (RFC 3516 §4.4): synchronising and non-synchronising.
    a.ok(f"APPEND INBOX ~{{{len(BINARY_MSG)}}}", BINARY_MSG)
    nul = b"From: zoe@remote.test\r\nSubject: nul\r\n\r\nA\x00B\r\n"
    a.send(b"x1 APPEND INBOX ~{%d+}\r\n" % len(nul) + nul + b"\r\n")
    done = a.line()
    assert done.startswith(b"x1 OK"), done
    a.ok("SELECT INBOX")
    line = a.ok("FETCH 1 BINARY.PEEK[1]")[0]
    assert literal_of(line) == "Grüße, softbreak".encode(), line
    assert a.ok("FETCH 1 BINARY.SIZE[1]")[0] == b"* 1 FETCH (BINARY.SIZE[1] %d)" % len("Grüße, softbreak".encode())
    line = a.ok("FETCH 1 BINARY.PEEK[2]")[0]
    assert b"BINARY[2] ~{5}\r\n\x00\x01\x02\x03\x04" in line, line
    assert a.ok("FETCH 1 BINARY.SIZE[2]")[0] == b"* 1 FETCH (BINARY.SIZE[2] 5)"
    # BINARY.PEEK leaves \Seen alone, BINARY sets it.
    assert b"\\Seen" not in a.ok("FETCH 1 FLAGS")[0]
    lines = a.ok("FETCH 1 BINARY[1]")
    assert any(b"\\Seen" in line for line in lines), lines
    # An encoding the server cannot decode: NO [UNKNOWN-CTE].
    lines, done = a.cmd("FETCH 1 BINARY.PEEK[3]")
    assert done.split()[1] == b"NO" and b"[UNKNOWN-CTE]" in done, done
    # The NUL message survived APPEND byte for byte.
    line = a.ok("FETCH 2 BINARY.PEEK[]")[0]
    assert b"A\x00B" in line, line
    a.close()


# -- 6. LIST-EXTENDED (RFC 5258), LSUB parents -------------------------------------------------------

def list_lines(lines):
    """{name: (attributes, extended data)} of LIST/LSUB responses."""
    out = {}
    for line in lines:
        m = re.match(rb'\* (?:LIST|LSUB) \(([^)]*)\) "/" ("[^"]*"|\S+)(.*)$', line)
        if m:
            out[m.group(2).strip(b'"').decode()] = (set(m.group(1).decode().split()), m.group(3).decode().strip())
    return out


def test_list_extended_subscribed_nonexistent_and_childinfo(server, account):
    a = Client(server, account)
    for name in ("Fruit", "Fruit/Apple", "Fruit/Banana", "Vegetable", "Vegetable/Broccoli"):
        a.ok(f"CREATE {name}")
    a.ok("SUBSCRIBE Fruit/Apple")
    a.ok("SUBSCRIBE Fruit/Banana")
    # Fruit/Banana is deleted while subscribed: the subscription stays.
    a.ok("DELETE Fruit/Banana")
    got = list_lines(a.ok('LIST (SUBSCRIBED) "" "*"'))
    assert "\\NonExistent" in got["Fruit/Banana"][0] and "\\Subscribed" in got["Fruit/Banana"][0], got
    assert "\\Subscribed" in got["Fruit/Apple"][0], got
    assert "Fruit" not in got and "Vegetable" not in got, got
    # RECURSIVEMATCH: Fruit is not subscribed but has subscribed children.
    got = list_lines(a.ok('LIST (SUBSCRIBED RECURSIVEMATCH) "" "%"'))
    assert got["Fruit"][1] == '("CHILDINFO" ("SUBSCRIBED"))', got
    assert "\\Subscribed" not in got["Fruit"][0], got
    assert "Vegetable" not in got, got
    # With `*` the subscribed children are listed themselves: no parent entry for them.
    got = list_lines(a.ok('LIST (SUBSCRIBED RECURSIVEMATCH) "" "*"'))
    assert "Fruit" not in got and "Fruit/Apple" in got, got
    # REMOTE is accepted (there are no remote mailboxes).
    got = list_lines(a.ok('LIST (REMOTE) "" "Fruit/*"'))
    assert set(got) == {"Fruit/Apple"}, got
    # Return options SUBSCRIBED and CHILDREN.
    got = list_lines(a.ok('LIST "" "%" RETURN (SUBSCRIBED CHILDREN)'))
    assert "\\HasChildren" in got["Fruit"][0] and "\\Subscribed" not in got["Fruit"][0], got
    got = list_lines(a.ok('LIST "" "Fruit/%" RETURN (SUBSCRIBED)'))
    assert "\\Subscribed" in got["Fruit/Apple"][0], got
    # LIST-STATUS (RFC 5819).
    lines = a.ok('LIST "" "Fruit/%" RETURN (STATUS (MESSAGES UIDNEXT))')
    assert any(line.startswith(b'* STATUS "Fruit/Apple" (MESSAGES 0 UIDNEXT 1)') or
               line.startswith(b'* STATUS Fruit/Apple (MESSAGES 0 UIDNEXT 1)') for line in lines), lines
    # The kept subscription can be removed.
    a.ok("UNSUBSCRIBE Fruit/Banana")
    got = list_lines(a.ok('LIST (SUBSCRIBED) "" "*"'))
    assert "Fruit/Banana" not in got, got
    a.close()


def test_lsub_returns_noselect_parents_of_subscribed_children(server, account):
    a = Client(server, account)
    a.ok("CREATE Projects/Alpha")
    a.ok("SUBSCRIBE Projects/Alpha")
    got = list_lines(a.ok('LSUB "" "%"'))
    assert got["Projects"][0] == {"\\Noselect"}, got
    got = list_lines(a.ok('LSUB "" "*"'))
    assert "Projects/Alpha" in got and "Projects" not in got, got
    a.close()


def test_create_does_not_subscribe(server, account):
    """CREATE makes a mailbox, not a subscription (RFC 9051 §6.3.4): an existing but
    unsubscribed parent of a subscribed name is `\\Noselect` in LSUB %, and LIST (SUBSCRIBED)
    shows only what was subscribed (imaptest's subscribe and listext cases)."""
    a = Client(server, account)
    for name in ("Top/", "Top/one", "Top/two/", "Top/two/deep"):
        a.ok(f"CREATE {name}")
    got = list_lines(a.ok('LSUB "" "Top*"'))
    assert got == {}, got
    a.ok("SUBSCRIBE Top/two/deep")
    got = list_lines(a.ok('LSUB "" "Top/%"'))
    assert got == {"Top/two": ({"\\Noselect"}, "")}, got
    got = list_lines(a.ok('LIST (SUBSCRIBED) "" "Top*"'))
    assert set(got) == {"Top/two/deep"}, got
    got = list_lines(a.ok('LIST "" "Top/%" RETURN (SUBSCRIBED)'))
    assert all("\\Subscribed" not in attrs for attrs, _ in got.values()), got
    a.close()


# -- 7. DELETE of a mailbox with children ------------------------------------------------------------

def test_delete_parent_keeps_a_noselect_node(server, account):
    a = Client(server, account)
    a.ok("CREATE Work/Reports")
    msg = simple("in work").encode()
    a.ok(f"APPEND Work {{{len(msg)}}}", msg)
    a.ok("DELETE Work")
    got = list_lines(a.ok('LIST "" "%"'))
    assert got["Work"][0] >= {"\\Noselect", "\\HasChildren"}, got
    got = list_lines(a.ok('LIST "" "Work/%"'))
    assert "Work/Reports" in got, got
    lines, done = a.cmd("SELECT Work")
    assert done.split()[1] == b"NO", done
    _, done = a.cmd("STATUS Work (MESSAGES)")
    assert done.split()[1] == b"NO", done
    # A \Noselect node with children cannot be deleted.
    _, done = a.cmd("DELETE Work")
    assert done.split()[1] == b"NO", done
    # Creating a child under it keeps it \Noselect.
    a.ok("CREATE Work/Notes")
    assert "\\Noselect" in list_lines(a.ok('LIST "" "Work"'))["Work"][0]
    # Once the children are gone, the node can be deleted.
    a.ok("DELETE Work/Reports")
    a.ok("DELETE Work/Notes")
    got = list_lines(a.ok('LIST "" "Work"'))
    assert "\\Noselect" in got["Work"][0] and "\\HasNoChildren" in got["Work"][0], got
    a.ok("DELETE Work")
    assert "Work" not in list_lines(a.ok('LIST "" "*"'))
    # CREATE of the name of a \Noselect node makes a selectable, empty mailbox again.
    a.ok("CREATE Home/Bills")
    a.ok(f"APPEND Home {{{len(msg)}}}", msg)
    a.ok("DELETE Home")
    a.ok("CREATE Home")
    lines = a.ok("SELECT Home")
    assert b"* 0 EXISTS" in lines, lines
    a.close()


def test_rename_moves_noselect_nodes(server, account):
    a = Client(server, account)
    a.ok("CREATE A/B/C")
    a.ok("DELETE A/B")
    a.ok("RENAME A Z")
    got = list_lines(a.ok('LIST "" "*"'))
    assert "\\Noselect" in got["Z/B"][0] and "Z/B/C" in got and "A/B" not in got, got
    a.close()


# -- 8. UIDs, UIDVALIDITY, where other sessions' changes are announced -----------------------------

def uid_of(lines):
    for line in lines:
        m = re.search(rb"UID (\d+)", line)
        if m:
            return int(m.group(1))
    return None


def code_value(lines, code):
    for line in lines:
        m = re.search(rb"\[" + code.encode() + rb" (\d+)\]", line)
        if m:
            return int(m.group(1))
    return None


def test_uids_are_never_reused(server, account):
    a = Client(server, account)
    for i in range(3):
        msg = simple(f"m{i}").encode()
        a.ok(f"APPEND INBOX {{{len(msg)}}}", msg)
    lines = a.ok("SELECT INBOX")
    validity = code_value(lines, "UIDVALIDITY")
    a.ok("STORE 3 +FLAGS (\\Deleted)")
    a.ok("EXPUNGE")
    a.close()
    server.stop()
    server.start()
    a = Client(server, account)
    lines = a.ok("SELECT INBOX")
    assert code_value(lines, "UIDVALIDITY") == validity, lines
    assert code_value(lines, "UIDNEXT") == 4, lines
    msg = simple("after restart").encode()
    _, done = a.cmd(f"APPEND INBOX {{{len(msg)}}}", msg)
    assert b"APPENDUID %d 4]" % validity in done, done
    # DELETE + CREATE of the same name: a new UIDVALIDITY.
    a.ok("CREATE Box")
    old = code_value(a.ok("SELECT Box"), "UIDVALIDITY")
    a.ok("UNSELECT")
    a.ok("DELETE Box")
    a.ok("CREATE Box")
    new = code_value(a.ok("SELECT Box"), "UIDVALIDITY")
    assert new != old, (old, new)
    a.close()


def test_expunge_is_announced_only_where_allowed(server, account):
    for i in range(3):
        deliver(server, simple(f"m{i}"))
    a, b, c = Client(server, account), Client(server, account), Client(server, account)
    for x in (a, b, c):
        x.ok("SELECT INBOX")
    b.ok("STORE 2 +FLAGS (\\Deleted \\Flagged)")
    b.ok("EXPUNGE")
    # Not during FETCH, STORE or SEARCH by sequence number (RFC 3501 §7.4.1)...
    for command in ("STORE 3 +FLAGS (\\Answered)", "SEARCH ALL"):
        lines = a.ok(command)
        assert not any(line.endswith(b" EXPUNGE") for line in lines), (command, lines)
    # ...and sequence numbers still work as the client knows them. Message 2's data is gone:
    # the others are returned and the FETCH ends NO [EXPUNGEISSUED] (RFC 5530 §3, RFC 2180
    # §4.1.3), so the client knows to sync; its UID, which this session still knows, is given.
    lines, done = a.cmd("FETCH 1:3 (FLAGS)")
    assert done.split()[1:3] == [b"NO", b"[EXPUNGEISSUED]"], done
    assert not any(line.endswith(b" EXPUNGE") for line in lines), lines
    assert [line.split()[1] for line in lines if b" FETCH " in line] == [b"1", b"3"], lines
    lines = a.ok("FETCH 3 (UID)")
    assert uid_of(lines) == 3, lines
    lines = a.ok("FETCH 2 (UID)")
    assert lines == [b"* 2 FETCH (UID 2)"], lines
    lines = a.ok("NOOP")
    assert b"* 2 EXPUNGE" in lines, lines
    # UID commands, CHECK and IDLE announce it.
    lines = c.ok("UID FETCH 1:* (FLAGS)")
    assert b"* 2 EXPUNGE" in lines, lines
    # Flag changes of another session come as untagged FETCH, also during a FETCH.
    d = Client(server, account)
    d.ok("SELECT INBOX")
    b.ok("STORE 1 +FLAGS (\\Flagged)")
    lines = d.ok("FETCH 2 (UID)")
    assert any(line.startswith(b"* 1 FETCH") and b"\\Flagged" in line for line in lines), lines
    b.ok("STORE 1 +FLAGS (\\Deleted)")
    b.ok("EXPUNGE")
    lines = d.ok("CHECK")
    assert b"* 1 EXPUNGE" in lines, lines
    # IDLE: the expunge arrives while idling.
    b.ok("STORE 1 +FLAGS (\\Deleted)")
    d.send(b"i1 IDLE\r\n")
    assert d.line().startswith(b"+")
    b.ok("EXPUNGE")
    seen = [d.line()]
    while seen[-1] != b"* 1 EXPUNGE":
        assert b"FETCH" in seen[-1], seen
        seen.append(d.line())
    d.send(b"DONE\r\n")
    while not d.line().startswith(b"i1 OK"):
        pass
    for x in (a, b, c, d):
        x.close()


def test_keywords_per_mailbox_are_bounded(server, account):
    deliver(server, simple("one"))
    a = Client(server, account)
    a.ok("SELECT INBOX")
    # 5 keywords are announced from the start; 995 more reach the bound of 1000.
    many = " ".join(f"k{i}" for i in range(995))
    lines = a.ok(f"STORE 1 +FLAGS.SILENT ({many})")
    assert any(b"PERMANENTFLAGS" in line and b"\\*" not in line for line in lines), lines[-1][:200]
    _, done = a.cmd("STORE 1 +FLAGS (one-too-many)")
    assert b"NO [LIMIT]" in done, done
    # Known keywords and system flags can still be set.
    a.ok("STORE 1 +FLAGS (k5 \\Flagged)")
    a.close()


def test_recent_goes_to_the_idling_session_that_hears_first(server, account):
    a, b = Client(server, account), Client(server, account)
    a.ok("SELECT INBOX")
    b.ok("SELECT INBOX")
    a.send(b"i1 IDLE\r\n")
    assert a.line().startswith(b"+")
    deliver(server, simple("while idling"))
    assert a.line() == b"* 1 EXISTS"
    assert a.line() == b"* 1 RECENT"
    a.send(b"DONE\r\n")
    assert a.line().startswith(b"i1 OK")
    lines = b.ok("NOOP")
    assert b"* 1 EXISTS" in lines and b"* 0 RECENT" in lines, lines
    assert b.ok("SEARCH RECENT")[0] == b"* SEARCH"
    assert a.ok("SEARCH RECENT")[0] == b"* SEARCH 1"
    # An expunged recent message leaves the count.
    a.ok("STORE 1 +FLAGS (\\Deleted)")
    lines = a.ok("EXPUNGE")
    assert b"* 1 EXPUNGE" in lines, lines
    a.close()
    b.close()
