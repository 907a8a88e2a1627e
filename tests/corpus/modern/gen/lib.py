"""Assemble the modern corpus .eml files from per-message specs.

Bodies, subjects, senders and structure are written by hand in the content modules
(ham_*.py, spam_*.py); this module only builds envelopes (Received chains, DKIM/ARC/
Authentication-Results, Message-ID) and MIME encodings, deterministically: the random
choices are seeded from each message's file name, so rebuilding gives identical files.

All addresses use example/.example/.test/.invalid domains or invented brands under
.example; all IP addresses come from RFC 5737 / RFC 3849 documentation ranges.
"""

import base64
import hashlib
import quopri
import random
import textwrap
from datetime import datetime, timedelta, timezone
from email.header import Header
from email.utils import format_datetime

MESSAGES = []  # filled by M()


def M(**kw):
    """Register one message spec (see build.py for the fields)."""
    MESSAGES.append(kw)
    return kw


def rng_for(name):
    return random.Random(int(hashlib.sha256(name.encode()).hexdigest()[:16], 16))


def ip4(r):
    net = r.choice(["192.0.2", "198.51.100", "203.0.113"])
    return f"{net}.{r.randint(2, 250)}"


def ip6(r):
    return "2001:db8:%x:%x::%x" % (r.randint(1, 0xFFFF), r.randint(1, 0xFFFF), r.randint(1, 0xFFF))


def b64blob(r, n):
    return base64.b64encode(bytes(r.getrandbits(8) for _ in range(n))).decode()


def hexid(r, n):
    return "".join(r.choice("0123456789abcdef") for _ in range(n))


def alnum(r, n, alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"):
    return "".join(r.choice(alphabet) for _ in range(n))


def enc_words(s, charset="utf-8", mode=None):
    """RFC 2047-encode a header value if it is not ASCII."""
    try:
        s.encode("ascii")
        return s
    except UnicodeEncodeError:
        pass
    h = Header(s, charset=charset, maxlinelen=76, header_name="Subject")
    out = h.encode(linesep="\n")
    if mode == "q" and "?b?" in out.lower():
        # force Q encoding
        from email import charset as cs

        c = cs.Charset(charset)
        c.header_encoding = cs.QP
        out = Header(s, charset=c, maxlinelen=76).encode(linesep="\n")
    return out


def addr(display, email, charset="utf-8"):
    if not display:
        return email
    try:
        display.encode("ascii")
        if any(ch in display for ch in ',.;:()"@'):
            return f'"{display}" <{email}>'
        return f"{display} <{email}>"
    except UnicodeEncodeError:
        return f"{enc_words(display, charset)} <{email}>"


def fold(name, value):
    """Fold long structured-ish header values at spaces/semicolons."""
    line = f"{name}: {value}"
    if len(line) <= 78 or "\n" in value:
        return line
    parts = value.split(" ")
    out, cur = [], f"{name}:"
    for p in parts:
        if len(cur) + 1 + len(p) > 76 and cur.strip() != f"{name}:":
            out.append(cur)
            cur = "\t" + p
        else:
            cur = cur + " " + p
    out.append(cur)
    return "\n".join(out)


# ---------------------------------------------------------------- bodies


def encode_body(text, charset, cte):
    data = text.encode(charset)
    if cte == "8bit" and charset.lower() not in ("utf-8", "us-ascii"):
        cte = "qp"  # the files are written as UTF-8 text; a raw Latin-1 body would not survive that
    if cte == "qp":
        return quopri.encodestring(data).decode("ascii"), "quoted-printable"
    if cte == "b64":
        return "\n".join(textwrap.wrap(base64.b64encode(data).decode(), 76)) + "\n", "base64"
    if cte == "7bit":
        data.decode("ascii")
        return text, "7bit"
    return data.decode(charset), "8bit"


def pick_cte(text, charset, cte, r):
    if cte:
        return cte
    try:
        text.encode("ascii")
        ascii_ok = max((len(l) for l in text.split("\n")), default=0) < 900
    except UnicodeEncodeError:
        ascii_ok = False
    if ascii_ok:
        return r.choice(["7bit", "7bit", "qp"])
    return r.choice(["8bit", "qp", "qp", "b64"])


def b64_attachment(data):
    return "\n".join(textwrap.wrap(base64.b64encode(data).decode(), 76)) + "\n"


def fake_pdf(lines):
    """A tiny, well-formed one-page PDF showing the given lines of text."""
    stream = "BT /F1 11 Tf 56 780 Td 14 TL\n"
    for l in lines:
        l = l.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        l = l.encode("latin-1", "replace").decode("latin-1")
        stream += f"({l}) Tj T*\n"
    stream += "ET"
    objs = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(stream.encode('latin-1'))} >>\nstream\n{stream}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
    offsets = []
    for i, o in enumerate(objs, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n{o}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objs)+1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objs)+1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


def ics(uid, summary, start, end, organizer, attendees, location="", method="REQUEST", tzid=None,
        description=""):
    """A VCALENDAR text; start/end are 'YYYYMMDDTHHMMSS' (local to tzid) or '...Z'."""
    lines = [
        "BEGIN:VCALENDAR",
        "PRODID:-//Mailsift corpus//Calendar 1.0//EN",
        "VERSION:2.0",
        "CALSCALE:GREGORIAN",
        f"METHOD:{method}",
    ]
    if tzid:
        lines += [
            "BEGIN:VTIMEZONE",
            f"TZID:{tzid}",
            "BEGIN:STANDARD",
            "DTSTART:19701025T030000",
            "TZOFFSETFROM:+0200",
            "TZOFFSETTO:+0100",
            "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
            "END:STANDARD",
            "BEGIN:DAYLIGHT",
            "DTSTART:19700329T020000",
            "TZOFFSETFROM:+0100",
            "TZOFFSETTO:+0200",
            "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
            "END:DAYLIGHT",
            "END:VTIMEZONE",
        ]
    lines += ["BEGIN:VEVENT"]
    if tzid:
        lines += [f"DTSTART;TZID={tzid}:{start}", f"DTEND;TZID={tzid}:{end}"]
    else:
        lines += [f"DTSTART:{start}", f"DTEND:{end}"]
    lines += [
        "DTSTAMP:20250101T000000Z",
        f"ORGANIZER;CN={organizer[0]}:mailto:{organizer[1]}",
        f"UID:{uid}",
    ]
    for cn, em in attendees:
        lines.append(f"ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE;CN={cn}:mailto:{em}")
    if description:
        lines.append("DESCRIPTION:" + description.replace("\n", "\\n").replace(",", "\\,"))
    if location:
        lines.append("LOCATION:" + location.replace(",", "\\,"))
    lines += ["SEQUENCE:0", "STATUS:CONFIRMED", f"SUMMARY:{summary}", "TRANSP:OPAQUE", "END:VEVENT", "END:VCALENDAR"]
    # RFC 5545 §3.1: fold content lines at 75 octets
    folded = []
    for l in lines:
        while len(l.encode()) > 75:
            cut = 74
            while len(l[:cut].encode()) > 74:
                cut -= 1
            folded.append(l[:cut])
            l = " " + l[cut:]
        folded.append(l)
    return "\r\n".join(folded) + "\r\n"
