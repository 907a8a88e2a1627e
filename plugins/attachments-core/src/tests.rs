//! The walk on archives built in memory. Names, sniffing and normalisation have their own
//! tests in `names.rs` and `sniff.rs`; whole messages are tested through the real plugin in the
//! server's `tests/attachments.rs` with the corpus of `tests/corpus/attachments`.

use std::io::{Cursor, Write};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use super::*;

fn zip_with(files: &[(&str, &[u8])], method: CompressionMethod) -> Vec<u8> {
    let mut w = ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in files {
        w.start_file(
            *name,
            SimpleFileOptions::default().compression_method(method),
        )
        .unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

fn zip(files: &[(&str, &[u8])]) -> Vec<u8> {
    zip_with(files, CompressionMethod::Deflated)
}

fn gzip(data: &[u8], name: Option<&str>) -> Vec<u8> {
    let mut b = flate2::GzBuilder::new();
    if let Some(n) = name {
        b = b.filename(n);
    }
    let mut e = b.write(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn tar(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (name, data) in files {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, name, *data).unwrap();
    }
    b.into_inner().unwrap()
}

fn part<'a>(name: &'a str, content: &'a [u8]) -> Part<'a> {
    Part {
        parent: None,
        filename: Some(name),
        content_type: "application/octet-stream",
        content,
        is_message: false,
    }
}

fn texts(parts: &[Part<'_>], policy: &Policy) -> Vec<String> {
    scan(parts, policy)
        .findings
        .iter()
        .map(Finding::text)
        .collect()
}

fn first_text(parts: &[Part<'_>]) -> Option<String> {
    texts(parts, &Policy::default()).into_iter().next()
}

fn pe() -> Vec<u8> {
    let mut b = vec![0u8; 1024];
    b[..2].copy_from_slice(b"MZ");
    b[0x3C..0x40].copy_from_slice(&0x80u32.to_le_bytes());
    b[0x80..0x84].copy_from_slice(b"PE\0\0");
    b
}

const PDF: &[u8] =
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

#[test]
fn top_level_name() {
    assert_eq!(
        first_text(&[part("Invoice.PDF.EXE", b"x")]).as_deref(),
        Some("attachment \"Invoice.PDF.EXE\" has a blocked extension (.exe)")
    );
    // Shown without the override, so the reader sees the real name.
    assert_eq!(
        first_text(&[part("invoice\u{202E}fdp.scr", b"x")]).as_deref(),
        Some("attachment \"invoicefdp.scr\" has a blocked extension (.scr)")
    );
    assert_eq!(
        first_text(&[part("notes.txt", b"run.exe is mentioned here")]),
        None
    );
}

#[test]
fn zip_members_nested_three_deep_are_inspected() {
    let z3 = zip(&[("payload/run.exe", b"x")]);
    let z2 = zip(&[("readme.txt", b"hi"), ("level3.zip", &z3)]);
    let z1 = zip(&[("level2.zip", &z2)]);
    let report = scan(&[part("invoice.zip", &z1)], &Policy::default());
    assert_eq!(
        report.findings[0].text(),
        "attachment \"invoice.zip/level2.zip/level3.zip/payload/run.exe\" has a blocked extension (.exe)"
    );
    assert_eq!(report.archives, 3);
}

#[test]
fn too_deep_is_suspicious_and_not_read() {
    let mut z = zip(&[("run.exe", b"x")]);
    let mut names = Vec::new();
    for level in (1..=6).rev() {
        let name = format!("l{level}.zip");
        z = zip(&[(&name, &z)]);
        names.push(name);
    }
    let report = scan(&[part("outer.zip", &z)], &Policy::default());
    assert_eq!(
        report.findings.iter().map(Finding::text).collect::<Vec<_>>(),
        vec!["attachment \"outer.zip/l1.zip/l2.zip/l3.zip/l4.zip\" is a suspicious archive (nested deeper than 4 levels)"]
    );
    // Four levels are fine.
    let mut z = zip(&[("a.txt", b"x")]);
    for _ in 0..3 {
        z = zip(&[("in.zip", &z)]);
    }
    assert!(scan(&[part("outer.zip", &z)], &Policy::default())
        .findings
        .is_empty());
}

#[test]
fn zip_in_attached_message_and_message_depth() {
    let z = zip(&[("Run.Exe", b"x")]);
    let msg = Part {
        parent: None,
        filename: Some("Fwd invoice.eml"),
        content_type: "message/rfc822",
        content: b"From: a\r\n\r\nx",
        is_message: true,
    };
    let inner = Part {
        parent: Some(0),
        filename: Some("invoice.zip"),
        ..part("", &z)
    };
    assert_eq!(
        first_text(&[msg, inner]).as_deref(),
        Some("attachment \"Fwd invoice.eml/invoice.zip/Run.Exe\" has a blocked extension (.exe)")
    );
    // Unnamed messages five deep: the fifth message's parts are beyond the bound.
    let mut parts = vec![];
    for i in 0..5usize {
        parts.push(Part {
            parent: i.checked_sub(1),
            filename: None,
            content_type: "message/rfc822",
            content: b"x",
            is_message: true,
        });
    }
    parts.push(Part {
        parent: Some(4),
        ..part("run.exe", b"x")
    });
    assert_eq!(
        texts(&parts, &Policy::default()),
        vec!["attachment \"message-0.eml/message-1.eml/message-2.eml/message-3.eml/message-4.eml\" is a suspicious attached message (nested deeper than 4 levels)"]
    );
    // A message part the host could not parse.
    let unparsed = Part {
        content_type: "message/rfc822",
        ..part("old.eml", b"From: x\r\n\r\nbody")
    };
    assert_eq!(
        first_text(&[unparsed]).as_deref(),
        Some("attachment \"old.eml\" is a suspicious attached message (cannot be parsed)")
    );
    // Cyclic parent links end the chain instead of looping.
    let a = Part {
        parent: Some(1),
        filename: None,
        content_type: "message/rfc822",
        content: b"",
        is_message: true,
    };
    let b = Part {
        parent: Some(0),
        ..a
    };
    assert!(scan(&[a, b], &Policy::default()).findings.is_empty());
}

/// Sets the "encrypted" flag (general purpose bit 0) in every local and central header, as
/// ZipCrypto would; the data stays readable bytes, but no reader will decrypt it without a key.
fn encrypt_flags(mut z: Vec<u8>) -> Vec<u8> {
    for i in 0..z.len().saturating_sub(10) {
        if &z[i..i + 4] == b"PK\x03\x04" {
            z[i + 6] |= 1;
        } else if &z[i..i + 4] == b"PK\x01\x02" {
            z[i + 8] |= 1;
        }
    }
    z
}

#[test]
fn encrypted_entries() {
    let z = encrypt_flags(zip(&[("report.pdf", PDF), ("tools/run.exe", b"x")]));
    assert_eq!(
        first_text(&[part("secret.zip", &z)]).as_deref(),
        Some("attachment \"secret.zip/tools/run.exe\" has a blocked extension (.exe)")
    );
    let z = encrypt_flags(zip(&[("report.pdf", PDF)]));
    assert_eq!(
        texts(&[part("secret.zip", &z)], &Policy::default()),
        vec!["attachment \"secret.zip/report.pdf\" is encrypted"]
    );
    let z = encrypt_flags(zip(&[("inner.zip", &zip(&[("a.txt", b"a")]))]));
    assert_eq!(
        texts(&[part("secret.zip", &z)], &Policy::default()),
        vec![
            "attachment \"secret.zip/inner.zip\" is encrypted",
            "attachment \"secret.zip/inner.zip\" is a suspicious archive (encrypted archive that cannot be inspected)"
        ]
    );
}

#[test]
fn tar_gzip_and_tar() {
    let t = tar(&[("docs/readme.txt", b"hello"), ("bin/run.exe", b"x")]);
    let tgz = gzip(&t, Some("backup.tar"));
    assert_eq!(
        first_text(&[part("backup.tar.gz", &tgz)]).as_deref(),
        Some("attachment \"backup.tar.gz/bin/run.exe\" has a blocked extension (.exe)")
    );
    assert_eq!(
        first_text(&[part("backup.tar", &t)]).as_deref(),
        Some("attachment \"backup.tar/bin/run.exe\" has a blocked extension (.exe)")
    );
    // A single gzipped file: its stored name, or the file's name without .gz.
    assert_eq!(
        first_text(&[part("tool.gz", &gzip(b"x", Some("setup.exe")))]).as_deref(),
        Some("attachment \"tool.gz/setup.exe\" has a blocked extension (.exe)")
    );
    assert_eq!(
        first_text(&[part("Run.BAT.gz", &gzip(b"x", None))]).as_deref(),
        Some("attachment \"Run.BAT.gz/Run.BAT\" has a blocked extension (.bat)")
    );
    // tar.gz is one level: a tgz in three zips is still inspected.
    let mut z = zip(&[("b.tgz", &tgz)]);
    z = zip(&[("c.zip", &z)]);
    z = zip(&[("d.zip", &z)]);
    assert_eq!(
        first_text(&[part("a.zip", &z)]).as_deref(),
        Some("attachment \"a.zip/d.zip/c.zip/b.tgz/bin/run.exe\" has a blocked extension (.exe)")
    );
    // Harmless ones.
    let t = tar(&[("a.pdf", PDF)]);
    assert!(scan(
        &[
            part("docs.tgz", &gzip(&t, None)),
            part("notes.txt.gz", &gzip(b"notes", None))
        ],
        &Policy::default()
    )
    .findings
    .is_empty());
}

#[test]
fn a_zip_bomb_is_refused_from_its_directory_without_inflating() {
    let zeros = vec![0u8; 3 << 18];
    let bomb = zip(&[("zeros.bin", &zeros)]);
    assert!(bomb.len() < 2_000, "{}", bomb.len());
    let policy = Policy {
        max_expanded_bytes: 512 << 10,
        ..Policy::default()
    };
    let report = scan(&[part("bomb.zip", &bomb)], &policy);
    assert_eq!(report.findings.iter().map(Finding::text).collect::<Vec<_>>(), vec!["attachment \"bomb.zip\" is a suspicious archive (declares more than 512 KiB of content)"]);
    assert_eq!(report.inflated, 0);
    // Nested: copies of a small bomb inside a zip add up.
    let inner = zip(&[("zeros.bin", &vec![0u8; 256 << 10])]);
    let names: Vec<String> = (0..4).map(|i| format!("part{i}.zip")).collect();
    let outer = zip(&names
        .iter()
        .map(|n| (n.as_str(), inner.as_slice()))
        .collect::<Vec<_>>());
    let report = scan(
        &[part("nested.zip", &outer)],
        &Policy {
            max_expanded_bytes: 640 << 10,
            ..Policy::default()
        },
    );
    assert_eq!(report.findings[0].text(), "attachment \"nested.zip/part2.zip\" is a suspicious archive (declares more than 640 KiB of content)");
    assert!(report.inflated < 64 << 10, "{}", report.inflated);
    // A gzip bomb by its trailer.
    let gz = gzip(&zeros, None);
    assert_eq!(first_text(&[part("z.gz", &gz)]), None);
    assert_eq!(
        texts(&[part("z.gz", &gz)], &policy),
        vec!["attachment \"z.gz\" is a suspicious archive (declares more than 512 KiB of content)"]
    );
}

#[test]
fn inflation_is_metered() {
    // The inner zip must be read whole to be opened; it is bigger than the budget.
    let noise: Vec<u8> = (0..200_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let inner = zip_with(&[("noise.bin", &noise)], CompressionMethod::Stored);
    let outer = zip(&[("inner.zip", &inner)]);
    let policy = Policy {
        max_inflated_bytes: 64 << 10,
        ..Policy::default()
    };
    let report = scan(&[part("outer.zip", &outer)], &policy);
    assert_eq!(report.findings.iter().map(Finding::text).collect::<Vec<_>>(), vec!["attachment \"outer.zip/inner.zip\" is a suspicious archive (inflates to more than 64 KiB)"]);
    assert!(report.inflated <= 64 << 10);
    // With the default budget it is read and found harmless.
    let report = scan(&[part("outer.zip", &outer)], &Policy::default());
    assert!(report.findings.is_empty(), "{:?}", report.findings);
    assert!(report.inflated >= inner.len() as u64);
}

#[test]
fn member_count_is_bounded_but_names_are_checked_first() {
    let names: Vec<String> = (0..1001).map(|i| format!("f{i}.txt")).collect();
    let files: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b""[..])).collect();
    let z = zip_with(&files, CompressionMethod::Stored);
    assert_eq!(
        first_text(&[part("many.zip", &z)]).as_deref(),
        Some("attachment \"many.zip\" is a suspicious archive (more than 1000 members)")
    );
    let mut with_exe = files.clone();
    with_exe.push(("zzz/run.cmd", b""));
    let z = zip_with(&with_exe, CompressionMethod::Stored);
    assert_eq!(
        first_text(&[part("many.zip", &z)]).as_deref(),
        Some("attachment \"many.zip/zzz/run.cmd\" has a blocked extension (.cmd)")
    );
}

#[test]
fn executables_by_content() {
    let exe = pe();
    let report = scan(
        &[
            part("report.pdf", &exe),
            part("docs.zip", &zip(&[("photo.jpg", &exe)])),
        ],
        &Policy::default(),
    );
    assert_eq!(
        report
            .findings
            .iter()
            .map(Finding::text)
            .collect::<Vec<_>>(),
        vec![
            "attachment \"report.pdf\" is an executable (Windows PE)",
            "attachment \"docs.zip/photo.jpg\" is an executable (Windows PE)"
        ]
    );
    let elf = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0";
    assert_eq!(
        first_text(&[part("x.dat", elf)]).as_deref(),
        Some("attachment \"x.dat\" is an executable (ELF)")
    );
}

#[test]
fn damaged_and_disguised_archives() {
    assert_eq!(
        first_text(&[part("a.zip", b"PK\x03\x04 not really a zip")]).as_deref(),
        Some("attachment \"a.zip\" is a suspicious archive (damaged or unreadable)")
    );
    assert_eq!(
        first_text(&[part("a.tgz", b"\x1f\x8b\x08\0garbage")]).as_deref(),
        Some("attachment \"a.tgz\" is a suspicious archive (damaged or unreadable)")
    );
    // A zip appended to an image opens in unzip tools: looked into.
    let mut gif = b"GIF89a\x01\0\x01\0\0\0\0;".to_vec();
    gif.extend(zip(&[("run.pif", b"x")]));
    assert_eq!(
        first_text(&[part("cat.gif", &gif)]).as_deref(),
        Some("attachment \"cat.gif/run.pif\" has a blocked extension (.pif)")
    );
    // Something that merely contains the trailer signature is no finding.
    assert_eq!(
        first_text(&[part("cat.gif", b"GIF89a PK\x05\x06 and more")]),
        None
    );
    // A zip renamed to .pdf is still a zip.
    assert_eq!(
        first_text(&[part("scan.pdf", &zip(&[("a.js", b"x")]))]).as_deref(),
        Some("attachment \"scan.pdf/a.js\" has a blocked extension (.js)")
    );
}

#[test]
fn local_header_names_are_checked_too() {
    let mut z = zip_with(&[("invoice.txt", b"x")], CompressionMethod::Stored);
    // Rewrite the name in the local header only: some extractors use that one.
    let at = z.windows(4).position(|w| w == b"PK\x03\x04").unwrap() + 30;
    z[at..at + 11].copy_from_slice(b"invoice.vbs");
    assert_eq!(
        first_text(&[part("a.zip", &z)]).as_deref(),
        Some("attachment \"a.zip/invoice.vbs\" has a blocked extension (.vbs)")
    );
}

#[test]
fn harmless_archives() {
    let z = zip(&[
        ("q1.pdf", PDF),
        ("q2.pdf", PDF),
        ("notes/run.exe.txt", b"run.exe is mentioned"),
    ]);
    let report = scan(&[part("reports.zip", &z)], &Policy::default());
    assert!(report.findings.is_empty(), "{:?}", report.findings);
    assert_eq!((report.archives, report.members), (1, 3));
    assert!(report.inflated < 1024);
}

#[test]
fn long_paths_are_shortened_in_texts() {
    let long = format!("{}.exe", "x".repeat(300));
    let text = first_text(&[part(&long, b"")]).unwrap();
    assert!(text.len() <= 200, "{}", text.len());
    assert!(
        text.ends_with("xxx.exe\" has a blocked extension (.exe)"),
        "{text}"
    );
    let path = format!("{}.zip", "a".repeat(100));
    let f = Finding {
        path: format!("{path}/{path}/run.exe"),
        kind: Kind::BlockedExtension(".exe".into()),
    };
    assert!(f.text().contains("/.../run.exe\""), "{}", f.text());
    assert!(f.text().len() <= 200);
}

#[test]
fn findings_are_bounded_per_kind() {
    let exe = pe();
    let names: Vec<String> = (0..40).map(|i| format!("f{i}.dat")).collect();
    let files: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), exe.as_slice())).collect();
    let mut files = files;
    files.push(("last.com", b"x"));
    let report = scan(&[part("many.zip", &zip(&files))], &Policy::default());
    // The blocked name is met first (names before contents), and kept.
    assert_eq!(
        report.findings[0].text(),
        "attachment \"many.zip/last.com\" has a blocked extension (.com)"
    );
    let report = scan(&[part("many.zip", &zip(&files[..40]))], &Policy::default());
    assert_eq!(report.findings.len(), MAX_FINDINGS_PER_KIND);
    assert_eq!(report.omitted, 40 - MAX_FINDINGS_PER_KIND as u64);
}

// --- 7z and RAR ---------------------------------------------------------------------------------

use crate::rar::tests::{build4, build5, member, Member};
use crate::sevenz::tests::{build as build7z, Options as SevenZ};

fn sevenz(files: &[(&str, &[u8])]) -> Vec<u8> {
    build7z(
        files,
        SevenZ {
            packed_header: true,
            ..SevenZ::default()
        },
    )
}

#[test]
fn sevenz_and_rar_members_are_refused_by_name() {
    let files: &[(&str, &[u8])] = &[("docs/a.pdf", PDF), ("evil.exe", b"MZ")];
    assert_eq!(
        first_text(&[part("archive.7z", &sevenz(files))]).as_deref(),
        Some("attachment \"archive.7z/evil.exe\" has a blocked extension (.exe)")
    );
    let plain = build7z(files, SevenZ::default());
    assert_eq!(
        first_text(&[part("renamed.pdf", &plain)]).as_deref(),
        Some("attachment \"renamed.pdf/evil.exe\" has a blocked extension (.exe)")
    );
    let members = [member("docs\\a.pdf", PDF), member("bin\\Run.SCR", b"x")];
    for (rar, name) in [
        (build4(&members, false, false), "v4.rar"),
        (build5(&members, false), "v5.rar"),
    ] {
        assert_eq!(
            first_text(&[part(name, &rar)]),
            Some(format!(
                "attachment \"{name}/bin\\Run.SCR\" has a blocked extension (.scr)"
            ))
        );
    }
    // RAR 4 Unicode name: shown with non-ASCII as '?'.
    let rar = build4(&[member("Factura_María.js", b"x")], true, false);
    assert_eq!(
        first_text(&[part("f.rar", &rar)]).as_deref(),
        Some("attachment \"f.rar/Factura_Mar?a.js\" has a blocked extension (.js)")
    );
    // Real 7-Zip output, packed and plain header.
    for a in [
        &include_bytes!("testdata/lzma2-packed-header.7z")[..],
        &include_bytes!("testdata/plain-header.7z")[..],
    ] {
        assert_eq!(
            first_text(&[part("real.7z", a)]).as_deref(),
            Some("attachment \"real.7z/bin/evil.exe\" has a blocked extension (.exe)")
        );
    }
}

#[test]
fn harmless_sevenz_and_rar() {
    let files: &[(&str, &[u8])] = &[
        ("q1.pdf", PDF),
        ("notes/run.exe.txt", b"run.exe is mentioned"),
        ("empty/", b""),
    ];
    let members = [member("q1.pdf", PDF), member("notes/run.exe.txt", b"x")];
    for a in [
        sevenz(files),
        build4(&members, true, false),
        build5(&members, false),
    ] {
        let report = scan(&[part("reports.bin", &a)], &Policy::default());
        assert!(report.findings.is_empty(), "{:?}", report.findings);
        assert_eq!(report.archives, 1);
    }
}

#[test]
fn archives_nest_through_sevenz_and_rar() {
    // Stored members are looked at like zip members: a zip in a 7z, a RAR in a zip, a RAR in
    // a RAR; an executable by content.
    let z = zip(&[("payload/run.exe", b"x")]);
    assert_eq!(
        first_text(&[part(
            "bundle.7z",
            &build7z(&[("inner.zip", &z)], SevenZ::default())
        )])
        .as_deref(),
        Some("attachment \"bundle.7z/inner.zip/payload/run.exe\" has a blocked extension (.exe)")
    );
    let rar = build5(&[member("run.bat", b"x")], false);
    let outer = zip(&[("payload.rar", &rar)]);
    assert_eq!(
        first_text(&[part("outer.zip", &outer)]).as_deref(),
        Some("attachment \"outer.zip/payload.rar/run.bat\" has a blocked extension (.bat)")
    );
    let rar2 = build4(&[member("inner.rar", &rar)], false, false);
    assert_eq!(
        first_text(&[part("outer.rar", &rar2)]).as_deref(),
        Some("attachment \"outer.rar/inner.rar/run.bat\" has a blocked extension (.bat)")
    );
    let exe = pe();
    assert_eq!(
        first_text(&[part(
            "photos.rar",
            &build5(&[member("photo.jpg", &exe)], false)
        )])
        .as_deref(),
        Some("attachment \"photos.rar/photo.jpg\" is an executable (Windows PE)")
    );
    // A compressed archive inside is not unpacked: it cannot be inspected.
    let packed = build7z(
        &[("inner.zip", &z)],
        SevenZ {
            compressed: true,
            ..SevenZ::default()
        },
    );
    assert_eq!(
        first_text(&[part("bundle.7z", &packed)]).as_deref(),
        Some("attachment \"bundle.7z/inner.zip\" is a suspicious archive (archive compressed with an unsupported method)")
    );
    let packed = build5(
        &[Member {
            compressed: true,
            ..member("inner.7z", b"opaque")
        }],
        false,
    );
    assert_eq!(
        first_text(&[part("bundle.rar", &packed)]).as_deref(),
        Some("attachment \"bundle.rar/inner.7z\" is a suspicious archive (archive compressed with an unsupported method)")
    );
    // Depth: a 7z in three zips is inspected; its members are at depth 4.
    let mut z = zip(&[("c.7z", &sevenz(&[("x.vbs", b"x")]))]);
    z = zip(&[("b.zip", &z)]);
    z = zip(&[("a.zip", &z)]);
    assert_eq!(
        first_text(&[part("top.zip", &z)]).as_deref(),
        Some("attachment \"top.zip/a.zip/b.zip/c.7z/x.vbs\" has a blocked extension (.vbs)")
    );
    z = zip(&[("top.zip", &z)]);
    assert_eq!(
        first_text(&[part("top2.zip", &z)]).as_deref(),
        Some("attachment \"top2.zip/top.zip/a.zip/b.zip/c.7z\" is a suspicious archive (nested deeper than 4 levels)")
    );
}

#[test]
fn encrypted_sevenz_and_rar() {
    let enc = build7z(
        &[("report.pdf", PDF)],
        SevenZ {
            encrypted: true,
            compressed: true,
            ..SevenZ::default()
        },
    );
    assert_eq!(
        texts(&[part("secret.7z", &enc)], &Policy::default()),
        vec!["attachment \"secret.7z/report.pdf\" is encrypted"]
    );
    let members = [Member {
        encrypted: true,
        ..member("tools.zip", b"....")
    }];
    assert_eq!(
        texts(&[part("secret.rar", &build5(&members, false))], &Policy::default()),
        vec![
            "attachment \"secret.rar/tools.zip\" is encrypted",
            "attachment \"secret.rar/tools.zip\" is a suspicious archive (encrypted archive that cannot be inspected)"
        ]
    );
    // Encrypted headers: no name can be read; refused like an encrypted archive in a zip.
    for a in [build4(&members, false, true), build5(&members, true)] {
        assert_eq!(
            texts(&[part("secret.rar", &a)], &Policy::default()),
            vec![
                "attachment \"secret.rar\" is encrypted",
                "attachment \"secret.rar\" is a suspicious archive (encrypted archive, names unreadable)"
            ]
        );
    }
}

#[test]
fn damaged_sevenz_and_rar() {
    let a = sevenz(&[("a.txt", b"aaaa"), ("b.txt", b"bbbb")]);
    assert_eq!(
        first_text(&[part("a.7z", &a[..a.len() - 3])]).as_deref(),
        Some("attachment \"a.7z\" is a suspicious archive (damaged or unreadable)")
    );
    // Names before the damage are still checked.
    let long = [0u8; 64];
    let r = build4(
        &[member("notes.txt", b"notes"), member("setup.exe", &long)],
        false,
        false,
    );
    assert_eq!(
        texts(&[part("t.rar", &r[..r.len() - 20])], &Policy::default()),
        vec!["attachment \"t.rar/setup.exe\" has a blocked extension (.exe)"]
    );
    let r = build5(
        &[member("notes.txt", b"notes"), member("b.txt", &long)],
        false,
    );
    assert_eq!(
        texts(&[part("t.rar", &r[..r.len() - 20])], &Policy::default()),
        vec!["attachment \"t.rar\" is a suspicious archive (damaged or unreadable)"]
    );
}

#[test]
fn sevenz_and_rar_bounds() {
    // Member count: names first, then the bound.
    let names: Vec<String> = (0..1001).map(|i| format!("f{i}.txt")).collect();
    let members: Vec<Member<'_>> = names.iter().map(|n| member(n, b"")).collect();
    assert_eq!(
        first_text(&[part("many.rar", &build5(&members, false))]).as_deref(),
        Some("attachment \"many.rar\" is a suspicious archive (more than 1000 members)")
    );
    let files: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b"x"[..])).collect();
    assert_eq!(
        first_text(&[part("many.7z", &sevenz(&files))]).as_deref(),
        Some("attachment \"many.7z\" is a suspicious archive (more than 1000 members)")
    );
    // Declared sizes: a bomb is refused from its headers.
    let bomb = build5(
        &[Member {
            compressed: true,
            declared: Some(300 << 20),
            ..member("zeros.bin", b"opaque")
        }],
        false,
    );
    assert_eq!(
        first_text(&[part("bomb.rar", &bomb)]).as_deref(),
        Some("attachment \"bomb.rar\" is a suspicious archive (declares more than 256 MiB of content)")
    );
    // A packed 7z header is decoded within the inflation budget.
    let a = sevenz(&files[..200]);
    let report = scan(
        &[part("a.7z", &a)],
        &Policy {
            max_inflated_bytes: 1024,
            ..Policy::default()
        },
    );
    assert_eq!(
        report.findings[0].text(),
        "attachment \"a.7z\" is a suspicious archive (inflates to more than 1 KiB)"
    );
    let report = scan(&[part("a.7z", &a)], &Policy::default());
    assert!(report.findings.is_empty(), "{:?}", report.findings);
    assert!(report.inflated > 1024, "{}", report.inflated);
}

/// Random cuts and byte flips of every 7z and RAR test archive: the walk never panics, and
/// stays within its bounds.
#[test]
fn damaged_sevenz_and_rar_never_panic() {
    let z = zip(&[("run.exe", b"x")]);
    let files: &[(&str, &[u8])] = &[
        ("docs/", b""),
        ("a.pdf", PDF),
        ("inner.zip", &z),
        ("empty.txt", b""),
        ("evil.exe", b"MZ"),
    ];
    let members = [
        Member {
            dir: true,
            ..member("docs", b"")
        },
        member("a.pdf", PDF),
        member("inner.zip", &z),
        Member {
            encrypted: true,
            ..member("enc.txt", b"xx")
        },
        Member {
            compressed: true,
            ..member("p.txt", b"xx")
        },
        member("Faktura_Ü.exe", b"MZ"),
    ];
    let mut samples = vec![
        build7z(files, SevenZ::default()),
        sevenz(files),
        build7z(
            files,
            SevenZ {
                lzma2_header: true,
                ..SevenZ::default()
            },
        ),
        build7z(
            files,
            SevenZ {
                compressed: true,
                encrypted: true,
                ..SevenZ::default()
            },
        ),
        build4(&members, false, false),
        build4(&members, true, false),
        build5(&members, false),
        include_bytes!("testdata/lzma2-packed-header.7z").to_vec(),
        include_bytes!("testdata/plain-header.7z").to_vec(),
        include_bytes!("testdata/copy.7z").to_vec(),
        include_bytes!("testdata/py7zr-lzma2-header.7z").to_vec(),
    ];
    samples.push(zip(&[("nested.rar", &samples[6].clone())]));
    // xorshift64*: deterministic, no extra crate.
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_F491_4F6C_DD1D)
    };
    let policy = Policy::default();
    for sample in &samples {
        for round in 0..1500 {
            let mut b = sample.clone();
            match round % 3 {
                0 => b.truncate((next() as usize) % (b.len() + 1)),
                1 => {
                    for _ in 0..1 + next() % 4 {
                        let i = (next() as usize) % b.len();
                        b[i] ^= 1 << (next() % 8);
                    }
                }
                _ => {
                    let i = (next() as usize) % b.len();
                    b[i] = [0x00, 0xFF, 0x7F, 0x80][(next() % 4) as usize];
                    let cut = b.len() - (next() as usize) % (b.len() / 4 + 1);
                    b.truncate(cut.max(8));
                }
            }
            let report = scan(&[part("x.bin", &b)], &policy);
            assert!(report.inflated <= policy.max_inflated_bytes);
            assert!(report.findings.len() <= 4 * MAX_FINDINGS_PER_KIND);
        }
    }
}

#[test]
fn listing_stops_at_its_own_bound() {
    // 100 001 empty members: the listing stops at 100 000; names before are checked.
    let names: Vec<String> = (0..100_001).map(|i| format!("{i}.txt")).collect();
    let mut members: Vec<Member<'_>> = names.iter().map(|n| member(n, b"")).collect();
    let policy = Policy {
        max_members: 1 << 20,
        ..Policy::default()
    };
    let rar = build5(&members, false);
    assert_eq!(
        texts(&[part("huge.rar", &rar)], &policy),
        vec!["attachment \"huge.rar\" is a suspicious archive (more than 100000 members)"]
    );
    members[10] = member("x.exe", b"");
    let rar = build5(&members, false);
    assert_eq!(
        texts(&[part("huge.rar", &rar)], &policy),
        vec!["attachment \"huge.rar/x.exe\" has a blocked extension (.exe)"]
    );
}
