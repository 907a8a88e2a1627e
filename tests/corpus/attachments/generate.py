#!/usr/bin/env python3
"""Writes the attachments plugin's test corpus: one .eml per case and expected.json.

    python3 tests/corpus/attachments/generate.py

Python standard library only. The output is deterministic (fixed dates, boundaries, archive
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
import struct
import tarfile
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
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

    # Harmless look-alikes: delivered.
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
    total = sum(os.path.getsize(os.path.join(HERE, n)) for n in expected)
    print(f"wrote {len(expected)} messages ({total // 1024} KiB) and expected.json to {HERE}")


if __name__ == "__main__":
    main()
