#!/usr/bin/env python3
"""Writes the attachments plugin's test corpus: one .eml per case and expected.json.

    python3 tests/corpus/attachments/generate.py

Python standard library only, plus 7-Zip's `7z` (Debian: p7zip-full, installed by
scripts/setup.sh) for the 7z cases; RAR archives (no free RAR writer exists) and the
encrypted-header 7z are written byte by byte below. It also writes the small real 7z archives the
attachments-core unit tests include (plugins/attachments-core/src/testdata/). The output is
deterministic (fixed dates, boundaries, archive
timestamps), so re-running it changes nothing; the generated files are committed with this
script. tests/attachments.rs runs every file through the real plugin and the real delivery path
and checks expected.json: {"file.eml": {"reject": "exact reply text"}} (a 554 5.7.0 reply), or
{"deliver": true} (stored in INBOX), optionally with "header": the X-Mailsift-Attachments value.

MIME is written by hand rather than with the email package: several cases need header forms
(RFC 2231 continuations, encoded words inside quotes, raw bidi characters) that the email
package would normalise away.
"""

import base64
import gzip
import hashlib
import io
import json
import os
import shutil
import struct
import subprocess
import tarfile
import tempfile
import zipfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
TESTDATA = os.path.join(HERE, "..", "..", "..", "plugins", "attachments-core", "src", "testdata")
DATE = (2024, 1, 2, 3, 4, 6)  # zip timestamps (DOS time: even seconds)
MTIME = 1704164646  # tar/gzip timestamps: 2024-01-02T03:04:06Z

DEFAULT_BLOCKED = "exe com cmd cpl hta scf sct lnk bat js jse wsh ws wsf wsc vbe vb vbs shs pif scr".split()

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

# A minimal Windows PE header: "MZ", e_lfanew at 0x3C pointing at "PE\0\0".
PE = bytearray(512)
PE[0:2] = b"MZ"
PE[0x3C:0x40] = struct.pack("<I", 0x80)
PE[0x80:0x84] = b"PE\0\0"
PE = bytes(PE)


# --- archives -----------------------------------------------------------------------------------


def make_zip(files, method=zipfile.ZIP_DEFLATED, level=9):
    """files: list of (name, bytes). Deterministic: fixed timestamps, fixed order."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in files:
            info = zipfile.ZipInfo(name, date_time=DATE)
            info.compress_type = method
            info.external_attr = 0o644 << 16
            z.writestr(info, data, compress_type=method, compresslevel=level if method == zipfile.ZIP_DEFLATED else None)
    return buf.getvalue()


def set_encrypted_flag(data):
    """Marks every entry as encrypted (general-purpose bit 0, APPNOTE 4.4.4) in both its central
    and local header. Python's zipfile cannot write encrypted entries; the flag is what readers go
    by, and like real ZipCrypto entries the names stay readable while the content cannot be read
    without the password. The central directory is walked structurally (not by searching for
    signatures, which could also occur inside data)."""
    b = bytearray(data)
    eocd = b.rfind(b"PK\x05\x06")
    count = struct.unpack_from("<H", b, eocd + 10)[0]
    pos = struct.unpack_from("<I", b, eocd + 16)[0]
    for _ in range(count):
        assert b[pos:pos + 4] == b"PK\x01\x02"
        b[pos + 8] |= 1
        name_len, extra_len, comment_len = struct.unpack_from("<HHH", b, pos + 28)
        local = struct.unpack_from("<I", b, pos + 42)[0]
        assert b[local:local + 4] == b"PK\x03\x04"
        b[local + 6] |= 1
        pos += 46 + name_len + extra_len + comment_len
    return bytes(b)


def make_tar(files):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as t:
        for name, data in files:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = MTIME
            info.mode = 0o644
            info.uname = info.gname = "user"
            t.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def make_gzip(data, name):
    buf = io.BytesIO()
    with gzip.GzipFile(filename=name, mode="wb", fileobj=buf, mtime=MTIME) as g:
        g.write(data)
    return buf.getvalue()


def make_7z(files, *switches):
    """A real 7z archive made by 7-Zip: files is a list of (name, bytes); switches are passed to
    `7z a` (e.g. "-mhc=off" for a plain header, "-m0=Copy" to store). Time stamps are left out
    (-mtm=off etc.) and modes fixed, so the output only depends on the 7-Zip version."""
    exe = shutil.which("7z")
    if exe is None:
        raise SystemExit("generate.py: 7z not found: install p7zip-full (scripts/setup.sh does)")
    with tempfile.TemporaryDirectory() as tmp:
        for name, data in files:
            path = os.path.join(tmp, "in", name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(data)
            os.chmod(path, 0o644)
        out = os.path.join(tmp, "out.7z")
        subprocess.run(
            [exe, "a", "-bd", "-bso0", "-mtm=off", "-mtc=off", "-mta=off", "-mmt=1", *switches, out, *[n for n, _ in files]],
            cwd=os.path.join(tmp, "in"), check=True,
        )
        with open(out, "rb") as f:
            return f.read()


def sevenz_number(n):
    """7zFormat.txt NUMBER; only the one-byte form is needed here."""
    assert n < 0x80
    return bytes([n])


def make_7z_encrypted_headers():
    """A 7z whose header is encrypted (what `7z a -p -mhe=on` writes): the encoded header's only
    coder is AES-256 (06 F1 07 01), so no name can be read without the password. Written by hand
    because 7-Zip draws a random IV; the 'ciphertext' here is fixed bytes."""
    cipher = hashlib.sha256(b"mailsift").digest() * 3  # 96 bytes
    iv = hashlib.md5(b"iv").digest()
    aes_props = bytes([0x53, 0x0F]) + iv  # NumCyclesPower 19, IV present, IV size 16
    header = bytes([0x17, 0x06, 0, 1, 0x09]) + sevenz_number(len(cipher)) + b"\x00"
    header += bytes([0x07, 0x0B, 1, 0, 1, 0x24]) + bytes([0x06, 0xF1, 0x07, 0x01])
    header += sevenz_number(len(aes_props)) + aes_props
    header += bytes([0x0C]) + sevenz_number(90) + b"\x00\x00"
    start = struct.pack("<QQI", len(cipher), len(header), zlib.crc32(header))
    return b"7z\xbc\xaf\x27\x1c\x00\x04" + struct.pack("<I", zlib.crc32(start)) + start + cipher + header


# RAR: written byte by byte, stored (uncompressed) members with correct CRCs. RAR 4 after unrar's
# technote.txt, RAR 5 after RARLAB's "RAR 5.0 archive format".

RAR4_SIG = b"Rar!\x1a\x07\x00"
RAR5_SIG = b"Rar!\x1a\x07\x01\x00"
DOS_TIME = 0x58221061  # 2024-01-02 03:04:06


def rar4_block(typ, flags, fields, data=b""):
    h = struct.pack("<BHH", typ, flags, 7 + len(fields)) + fields
    return struct.pack("<H", zlib.crc32(h) & 0xFFFF) + h + data


def rar4_unicode_name(name):
    """LHD_UNICODE name field: the ASCII name ('_' for anything else), NUL, then the name
    encoded against it (high byte 0, every character as opcode 2: a full 16-bit unit)."""
    ascii_name = "".join(c if ord(c) < 128 else "_" for c in name).encode()
    units = name.encode("utf-16-le")
    enc = bytearray([0])
    for i in range(0, len(units), 8):
        chunk = units[i:i + 8]
        enc.append(0xAA)
        enc += chunk
    return ascii_name + b"\x00" + bytes(enc)


def make_rar4(files, encrypted=()):
    """files: list of (name, bytes); names in `encrypted` get the LHD_PASSWORD flag (their data
    stays as given: only the flag matters to a lister)."""
    out = RAR4_SIG + rar4_block(0x73, 0, bytes(6))
    for name, data in files:
        flags = 0x8000
        if name in encrypted:
            flags |= 0x0004
        if all(ord(c) < 128 for c in name):
            raw = name.encode()
        else:
            flags |= 0x0200
            raw = rar4_unicode_name(name)
        fields = struct.pack("<IIBIIBBHI", len(data), len(data), 2, zlib.crc32(data), DOS_TIME, 29, 0x30, len(raw), 0x20) + raw
        out += rar4_block(0x74, flags, fields, data)
    return out + rar4_block(0x7B, 0x4000, b"")


def vint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n == 0:
            out.append(b)
            return bytes(out)
        out.append(b | 0x80)


def rar5_block(typ, fields, data=b"", extra=b""):
    flags = (0x0001 if extra else 0) | (0x0002 if data else 0)
    body = vint(typ) + vint(flags) + (vint(len(extra)) if extra else b"") + (vint(len(data)) if data else b"") + fields + extra
    sized = vint(len(body)) + body
    return struct.pack("<I", zlib.crc32(sized)) + sized + data


def make_rar5(files, encrypted_headers=False):
    out = RAR5_SIG
    if encrypted_headers:
        # Archive encryption header (type 4): version 0, flags 0, KDF count 15, salt; everything
        # after it is ciphertext.
        out += rar5_block(4, vint(0) + vint(0) + bytes([15]) + hashlib.md5(b"salt").digest())
        return out + hashlib.sha256(b"mailsift").digest() * 2
    out += rar5_block(1, vint(0))
    for name, data in files:
        raw = name.encode()
        # File flags: CRC32 present; unpacked size; attributes; CRC; compression 0 (store); host
        # OS 0 (Windows); name.
        fields = vint(0x0004) + vint(len(data)) + vint(0x20) + struct.pack("<I", zlib.crc32(data)) + vint(0) + vint(0) + vint(len(raw)) + raw
        out += rar5_block(2, fields, data)
    return out + rar5_block(5, vint(0))


# --- messages -----------------------------------------------------------------------------------


def b64(data):
    s = base64.b64encode(data).decode()
    return "\r\n".join(s[i:i + 76] for i in range(0, len(s), 76))


def part(headers, body, cte="base64"):
    """One MIME part. headers: list of header lines (already formatted, may be folded)."""
    lines = list(headers)
    if cte:
        lines.append(f"Content-Transfer-Encoding: {cte}")
    payload = b64(body) if cte == "base64" else body.decode("utf-8")
    return "\r\n".join(lines) + "\r\n\r\n" + payload + "\r\n"


def attachment(filename, data, ctype="application/octet-stream"):
    return part([f"Content-Type: {ctype}", f'Content-Disposition: attachment; filename="{filename}"'], data)


def text_part(text):
    return part(["Content-Type: text/plain; charset=utf-8"], text.encode(), cte="8bit")


def message(subject, parts, boundary="=_mailsift_corpus_1", extra_headers=()):
    head = [
        "From: Sender <sender@example.org>",
        "To: alice@example.com",
        f"Subject: {subject}",
        "Date: Tue, 02 Jan 2024 03:04:06 +0000",
        f"Message-ID: <{hashlib.sha1(subject.encode()).hexdigest()[:16]}@example.org>",
        "MIME-Version: 1.0",
        *extra_headers,
        f'Content-Type: multipart/mixed; boundary="{boundary}"',
    ]
    body = "".join(f"--{boundary}\r\n{p}" for p in parts) + f"--{boundary}--\r\n"
    return ("\r\n".join(head) + "\r\n\r\n" + body).encode("utf-8")


def forwarded(inner_bytes, filename=None):
    """An attached message (message/rfc822), with or without a filename."""
    headers = ["Content-Type: message/rfc822"]
    if filename:
        headers.append(f'Content-Disposition: attachment; filename="{filename}"')
    return "\r\n".join(headers) + "\r\n\r\n" + inner_bytes.decode("utf-8") + "\r\n"


BODY = text_part("Hello,\r\nplease find the file attached.\r\n")


def blocked(path, ext):
    return {"reject": f'attachment "{path}" has a blocked extension (.{ext})'}


def suspicious(path, reason, what="archive"):
    return {"reject": f'attachment "{path}" is a suspicious {what} ({reason})'}


DELIVER = {"deliver": True}


def cases():
    out = {}

    # Every default extension.
    for ext in DEFAULT_BLOCKED:
        out[f"ext-{ext}.eml"] = (
            message(f"Extension .{ext}", [BODY, attachment(f"document.{ext}", b"payload")]),
            blocked(f"document.{ext}", ext),
        )

    out["upper-case.eml"] = (message("Upper case", [BODY, attachment("INVOICE.EXE", b"x")]), blocked("INVOICE.EXE", "exe"))
    out["double-extension.eml"] = (
        message("Double extension", [BODY, attachment("invoice.pdf.exe", b"x")]),
        blocked("invoice.pdf.exe", "exe"),
    )
    out["trailing-dots-spaces.eml"] = (
        message("Trailing dots", [BODY, attachment("setup.exe. . ", b"x")]),
        # Shown as received, without the surrounding white space.
        blocked("setup.exe. .", "exe"),
    )
    out["content-type-name.eml"] = (
        message("Content-Type name only", [BODY, part(['Content-Type: application/octet-stream; name="update.scr"'], b"x")]),
        blocked("update.scr", "scr"),
    )
    # RFC 2231 §3 continuations with §4 charset and percent-encoding: "Rechnung März.pdf.exe".
    out["rfc2231.eml"] = (
        message(
            "RFC 2231 name",
            [
                BODY,
                part(
                    [
                        "Content-Type: application/octet-stream",
                        "Content-Disposition: attachment;\r\n filename*0*=UTF-8''Rechnung%20M%C3%A4;\r\n filename*1*=rz.pdf.exe",
                    ],
                    b"x",
                ),
            ],
        ),
        blocked("Rechnung M?rz.pdf.exe", "exe"),
    )
    # RFC 2047 encoded word inside the quoted filename (what many clients send): "Factura_María.js".
    encoded = "=?UTF-8?B?" + base64.b64encode("Factura_María.js".encode()).decode() + "?="
    out["rfc2047.eml"] = (
        message(
            "RFC 2047 name",
            [BODY, part(["Content-Type: application/octet-stream", f'Content-Disposition: attachment; filename="{encoded}"'], b"x")],
        ),
        blocked("Factura_Mar?a.js", "js"),
    )
    # Right-to-left override: displays as "invoiceexe.pdf", is "invoice<RLO>fdp.exe".
    out["right-to-left-override.eml"] = (
        message(
            "RLO",
            [BODY, part(["Content-Type: application/pdf", "Content-Disposition: attachment; filename*=UTF-8''invoice%E2%80%AEfdp.exe"], b"x")],
        ),
        blocked("invoicefdp.exe", "exe"),
    )
    out["zero-width.eml"] = (
        message(
            "Zero-width space",
            [BODY, part(["Content-Type: application/octet-stream", "Content-Disposition: attachment; filename*=UTF-8''run.e%E2%80%8Bxe"], b"x")],
        ),
        blocked("run.exe", "exe"),
    )
    # An inline text part with a filename (mail-parser files it as body text; clients offer it as a file).
    out["inline-text-with-filename.eml"] = (
        message(
            "Inline script",
            [BODY, part(["Content-Type: text/plain", 'Content-Disposition: inline; filename="update.js"'], b"WScript.Echo(1)\r\n", cte="7bit")],
        ),
        blocked("update.js", "js"),
    )

    # Archives.
    out["zip.eml"] = (
        message("Zip", [BODY, attachment("invoice.zip", make_zip([("readme.txt", b"read me"), ("payload/run.exe", PE)]), "application/zip")]),
        blocked("invoice.zip/payload/run.exe", "exe"),
    )
    z3 = make_zip([("payload/run.exe", PE)])
    z2 = make_zip([("notes.txt", b"level 2"), ("level3.zip", z3)])
    z1 = make_zip([("level2.zip", z2)])
    out["zip-in-zip-3-deep.eml"] = (
        message("Zip in zip in zip", [BODY, attachment("invoice.zip", z1, "application/zip")]),
        blocked("invoice.zip/level2.zip/level3.zip/payload/run.exe", "exe"),
    )
    inner = message("Invoice", [BODY, attachment("invoice.zip", make_zip([("Invoice.PDF.vbs", b"x")]), "application/zip")], boundary="=_inner_1")
    out["zip-in-attached-message.eml"] = (
        message("Fwd: Invoice", [BODY, forwarded(inner, "Fwd Invoice.eml")]),
        blocked("Fwd Invoice.eml/invoice.zip/Invoice.PDF.vbs", "vbs"),
    )
    out["zip-in-unnamed-attached-message.eml"] = (
        message("Fwd: Invoice (unnamed)", [BODY, forwarded(inner)]),
        blocked("message-0.eml/invoice.zip/Invoice.PDF.vbs", "vbs"),
    )
    out["zip-encrypted.eml"] = (
        message(
            "Encrypted zip",
            [BODY, attachment("secret.zip", set_encrypted_flag(make_zip([("report.pdf", PDF), ("tools/setup.exe", PE)])), "application/zip")],
        ),
        blocked("secret.zip/tools/setup.exe", "exe"),
    )
    out["zip-encrypted-inner-archive.eml"] = (
        message(
            "Encrypted zip holding an archive",
            [BODY, attachment("secret.zip", set_encrypted_flag(make_zip([("inner.zip", make_zip([("a.txt", b"a")]))])), "application/zip")],
        ),
        suspicious("secret.zip/inner.zip", "encrypted archive that cannot be inspected"),
    )
    out["tar-gz.eml"] = (
        message(
            "tar.gz",
            [BODY, attachment("backup.tar.gz", make_gzip(make_tar([("docs/readme.txt", b"hello"), ("bin/run.bat", b"@echo off\r\n")]), "backup.tar"), "application/gzip")],
        ),
        blocked("backup.tar.gz/bin/run.bat", "bat"),
    )
    out["tar.eml"] = (
        message("tar", [BODY, attachment("backup.tar", make_tar([("a.txt", b"a"), ("tools/x.cpl", b"x")]), "application/x-tar")]),
        blocked("backup.tar/tools/x.cpl", "cpl"),
    )
    out["gz.eml"] = (
        message("gz", [BODY, attachment("tool.gz", make_gzip(PE, "setup.exe"), "application/gzip")]),
        blocked("tool.gz/setup.exe", "exe"),
    )
    # Six zips deep: the fifth one's members would be five containers deep (max_depth is 4).
    deep = make_zip([("run.exe", PE)])
    for level in range(6, 1, -1):
        deep = make_zip([(f"l{level}.zip", deep)])
    out["zip-too-deep.eml"] = (
        message("Too deep", [BODY, attachment("l1.zip", deep, "application/zip")]),
        suspicious("l1.zip/l2.zip/l3.zip/l4.zip/l5.zip", "nested deeper than 4 levels"),
    )
    names = [(f"file{i:04}.txt", b"") for i in range(1001)]
    out["zip-too-many-members.eml"] = (
        message("Many members", [BODY, attachment("many.zip", make_zip(names, zipfile.ZIP_STORED), "application/zip")]),
        suspicious("many.zip", "more than 1000 members"),
    )
    # A zip bomb: one entry declaring 280 MiB of zeros, ~280 KB on disk. Refused from the
    # directory (declared sizes) without inflating.
    bomb = make_zip([("zeros.bin", bytes(280 << 20))])
    out["zip-bomb.eml"] = (
        message("Bomb", [BODY, attachment("bomb.zip", bomb, "application/zip")]),
        suspicious("bomb.zip", "declares more than 256 MiB of content"),
    )
    # A nested bomb: ten copies of a zip holding 100 MiB of zeros. Deflated zeros are themselves
    # repetitive, so the outer zip is small. Each copy is small to read, but together they declare
    # 1000 MiB: the third one crosses 256 MiB.
    small_bomb = make_zip([("zeros.bin", bytes(100 << 20))])
    nested = make_zip([(f"part{i}.zip", small_bomb) for i in range(10)])
    out["zip-bomb-nested.eml"] = (
        message("Nested bomb", [BODY, attachment("nested.zip", nested, "application/zip")]),
        suspicious("nested.zip/part2.zip", "declares more than 256 MiB of content"),
    )

    # 7z: names from the header (LZMA-packed by default), without unpacking members.
    out["7z.eml"] = (
        message("7z", [BODY, attachment("archive.7z", make_7z([("readme.txt", b"read me"), ("evil.exe", PE)]), "application/x-7z-compressed")]),
        blocked("archive.7z/evil.exe", "exe"),
    )
    out["7z-plain-header.eml"] = (
        message("7z plain header", [BODY, attachment("tools.7z", make_7z([("notes.txt", b"notes"), ("bin/evil.exe", PE)], "-mhc=off"), "application/x-7z-compressed")]),
        blocked("tools.7z/bin/evil.exe", "exe"),
    )
    # Stored members lie in the archive as they are: a zip inside is opened like any member.
    out["zip-in-7z.eml"] = (
        message("Zip in 7z", [BODY, attachment("bundle.7z", make_7z([("inner.zip", make_zip([("payload/run.exe", PE)]))], "-m0=Copy"), "application/x-7z-compressed")]),
        blocked("bundle.7z/inner.zip/payload/run.exe", "exe"),
    )
    # A compressed member is never unpacked: one whose name says archive cannot be looked into.
    out["7z-compressed-archive-inside.eml"] = (
        message("Zip in compressed 7z", [BODY, attachment("bundle.7z", make_7z([("inner.zip", make_zip([("a.txt", b"a")]))]), "application/x-7z-compressed")]),
        suspicious("bundle.7z/inner.zip", "archive compressed with an unsupported method"),
    )
    out["7z-encrypted-headers.eml"] = (
        message("7z encrypted headers", [BODY, attachment("secret.7z", make_7z_encrypted_headers(), "application/x-7z-compressed")]),
        suspicious("secret.7z", "encrypted archive, names unreadable"),
    )
    whole = make_7z([("report.pdf", PDF), ("notes.txt", b"notes " * 50)])
    out["7z-truncated.eml"] = (
        message("7z truncated", [BODY, attachment("report.7z", whole[: len(whole) // 2], "application/x-7z-compressed")]),
        suspicious("report.7z", "damaged or unreadable"),
    )
    # RAR 4 and 5, written byte by byte.
    out["rar4.eml"] = (
        message("RAR 4", [BODY, attachment("invoice.rar", make_rar4([("readme.txt", b"read me"), ("payload\\evil.exe", PE)]), "application/vnd.rar")]),
        blocked("invoice.rar/payload\\evil.exe", "exe"),
    )
    out["rar4-unicode-name.eml"] = (
        message("RAR 4 Unicode name", [BODY, attachment("factura.rar", make_rar4([("Factura_María.exe", PE)]), "application/vnd.rar")]),
        blocked("factura.rar/Factura_Mar?a.exe", "exe"),
    )
    out["rar5.eml"] = (
        message("RAR 5", [BODY, attachment("archive.rar", make_rar5([("docs/readme.txt", b"read me"), ("evil.exe", PE)]), "application/vnd.rar")]),
        blocked("archive.rar/evil.exe", "exe"),
    )
    out["rar-in-zip.eml"] = (
        message("RAR in zip", [BODY, attachment("outer.zip", make_zip([("payload.rar", make_rar5([("run.exe", PE)]))]), "application/zip")]),
        blocked("outer.zip/payload.rar/run.exe", "exe"),
    )
    out["rar5-encrypted-headers.eml"] = (
        message("RAR 5 encrypted headers", [BODY, attachment("secret.rar", make_rar5([], encrypted_headers=True), "application/vnd.rar")]),
        suspicious("secret.rar", "encrypted archive, names unreadable"),
    )
    whole = make_rar5([("report.pdf", PDF), ("notes.txt", b"notes " * 50)])
    out["rar-truncated.eml"] = (
        message("RAR truncated", [BODY, attachment("report.rar", whole[: len(whole) - 100], "application/vnd.rar")]),
        suspicious("report.rar", "damaged or unreadable"),
    )
    whole = make_rar4([("notes.txt", b"notes " * 50), ("tools/setup.exe", PE)])
    out["rar-truncated-names-checked.eml"] = (
        message("RAR truncated with exe", [BODY, attachment("tools.rar", whole[: len(whole) - 100], "application/vnd.rar")]),
        blocked("tools.rar/tools/setup.exe", "exe"),
    )

    # Harmless look-alikes: delivered.
    out["harmless-7z-of-pdfs.eml"] = (
        message("Reports in 7z", [BODY, attachment("reports.7z", make_7z([("q1.pdf", PDF), ("q2.pdf", PDF), ("notes.txt", b"see q1.pdf")]), "application/x-7z-compressed")]),
        DELIVER,
    )
    out["harmless-rar5.eml"] = (
        message("Reports in RAR", [BODY, attachment("reports.rar", make_rar5([("q1.pdf", PDF), ("notes/run.exe.txt", b"run.exe is mentioned")]), "application/vnd.rar")]),
        DELIVER,
    )
    out["harmless-rar4-encrypted-pdf.eml"] = (
        message("Encrypted RAR report", [BODY, attachment("report.rar", make_rar4([("report.pdf", PDF)], encrypted={"report.pdf"}), "application/vnd.rar")]),
        {"deliver": True, "header": 'attachment "report.rar/report.pdf" is encrypted'},
    )
    out["harmless-zip-of-pdfs.eml"] = (
        message("Quarterly reports", [BODY, attachment("reports.zip", make_zip([("q1.pdf", PDF), ("q2.pdf", PDF), ("q3.pdf", PDF)]), "application/zip")]),
        DELIVER,
    )
    out["harmless-text-mentions-exe.eml"] = (
        message(
            "How to install",
            [
                text_part("Download setup.exe from the site, then run.exe will start.\r\nAn attachment \"run.exe\" is not here.\r\n"),
                part(["Content-Type: text/html; charset=utf-8"], b'<p>Get <a href="https://example.org/setup.exe">setup.exe</a></p>\r\n', cte="7bit"),
            ],
            boundary="=_mailsift_corpus_2",
        ),
        DELIVER,
    )
    out["harmless-exe-outside-attachments.eml"] = (
        message(
            "run.exe and setup.exe",
            [
                BODY,
                part(
                    [
                        "Content-Type: text/plain; charset=utf-8",
                        'Content-Disposition: attachment; filename="readme.txt"',
                        "Content-Description: instructions for setup.exe",
                        "Content-ID: <setup.exe@example.org>",
                    ],
                    b"Run setup.exe, then run.exe.\r\n",
                ),
            ],
            extra_headers=["X-Original-Name: run.exe"],
        ),
        DELIVER,
    )
    out["harmless-tar-gz-of-text.eml"] = (
        message("Logs", [BODY, attachment("logs.tar.gz", make_gzip(make_tar([("logs/a.log", b"ok\n" * 100), ("logs/b.log", b"fine\n" * 100)]), "logs.tar"), "application/gzip")]),
        DELIVER,
    )
    out["harmless-encrypted-pdf.eml"] = (
        message("Encrypted report", [BODY, attachment("report.zip", set_encrypted_flag(make_zip([("report.pdf", PDF)])), "application/zip")]),
        {"deliver": True, "header": 'attachment "report.zip/report.pdf" is encrypted'},
    )
    # Executable content under a harmless name: delivered, tagged and annotated (the default).
    out["executable-content-harmless-name.eml"] = (
        message("Scan", [BODY, attachment("scan.pdf", PE, "application/pdf"), attachment("photos.zip", make_zip([("photo.jpg", PE)]), "application/zip")]),
        {
            "deliver": True,
            "header": 'attachment "scan.pdf" is an executable (Windows PE); attachment "photos.zip/photo.jpg" is an executable (Windows PE)',
        },
    )
    return out


def testdata():
    """Real 7-Zip archives for the attachments-core unit tests (src/sevenz.rs)."""
    return {
        "lzma2-packed-header.7z": make_7z([("readme.txt", b"read me"), ("bin/evil.exe", PE)]),
        "plain-header.7z": make_7z([("readme.txt", b"read me"), ("bin/evil.exe", PE)], "-mhc=off"),
        "copy.7z": make_7z([("a.pdf", PDF), ("inner.zip", make_zip([("run.exe", PE)]))], "-m0=Copy"),
    }


def main():
    for name in os.listdir(HERE):
        if name.endswith(".eml"):
            os.remove(os.path.join(HERE, name))
    expected = {}
    for name, (raw, want) in sorted(cases().items()):
        with open(os.path.join(HERE, name), "wb") as f:
            f.write(raw)
        expected[name] = want
    with open(os.path.join(HERE, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True, ensure_ascii=True)
        f.write("\n")
    os.makedirs(TESTDATA, exist_ok=True)
    for name, data in sorted(testdata().items()):
        with open(os.path.join(TESTDATA, name), "wb") as f:
            f.write(data)
    total = sum(os.path.getsize(os.path.join(HERE, n)) for n in expected)
    print(f"wrote {len(expected)} messages ({total // 1024} KiB) and expected.json to {HERE}")


if __name__ == "__main__":
    main()
