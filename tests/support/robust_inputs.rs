//! Malformed, truncated and multilingual messages for the plugin robustness tests: the host test
//! (`tests/plugin_robustness.rs`, every bundled component through the real plugin host) and the
//! native tests of the plugin libraries (`plugins/*-core/tests/robustness.rs`, which include this
//! file by path). Plain `std`, deterministic for a seed.
//!
//! The inputs: every `*.eml` under `tests/corpus/` (the charset samples of
//! `tests/corpus/robustness/charsets/` among them, one per charset mail-parser decodes), a set of
//! hostile messages built here (deep nesting, absurd headers, broken encodings, hostile HTML), and
//! variants of all of them: cut at random points, with invalid UTF-8 and NUL bytes injected, with
//! base64 and quoted-printable broken, with header garbage.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// Variants per run, unless `MAILSIFT_ROBUST_ITERS` says otherwise (CI keeps the default; a
/// longer run: `MAILSIFT_ROBUST_ITERS=20000 cargo test --test plugin_robustness`).
pub const DEFAULT_ITERS: usize = 1000;
/// Seed of the variants; `MAILSIFT_ROBUST_SEED` picks another run.
pub const DEFAULT_SEED: u64 = 0x6d61_696c_7369_6674;

pub fn iterations() -> usize {
    std::env::var("MAILSIFT_ROBUST_ITERS")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(DEFAULT_ITERS)
}

pub fn seed() -> u64 {
    std::env::var("MAILSIFT_ROBUST_SEED")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(DEFAULT_SEED)
}

/// xorshift64*: small, deterministic, no crate needed.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed | 1)
    }

    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform-ish in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// A named input message.
pub struct Input {
    pub name: String,
    pub raw: Vec<u8>,
}

/// Every `*.eml` under `dir` (recursively), sorted by path.
pub fn corpus(dir: &Path) -> Vec<Input> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "eml") {
                out.push(p);
            }
        }
    }
    let mut files = Vec::new();
    walk(dir, &mut files);
    files.sort();
    files
        .into_iter()
        .filter_map(|p| {
            let raw = std::fs::read(&p).ok()?;
            let name = p
                .strip_prefix(dir)
                .unwrap_or(&p)
                .to_string_lossy()
                .into_owned();
            Some(Input { name, raw })
        })
        .collect()
}

const HEAD: &str = "From: Sender <a@example.org>\r\nTo: bob@example.org\r\nMessage-ID: <x@example.org>\r\nMIME-Version: 1.0\r\n";

/// Hostile messages written here.
pub fn generated() -> Vec<Input> {
    let mut out = Vec::new();
    let mut add = |name: &str, raw: Vec<u8>| {
        out.push(Input {
            name: format!("generated/{name}"),
            raw,
        })
    };

    // Deep multipart nesting, and attached messages inside attached messages.
    let mut m = String::from(HEAD);
    for i in 0..300 {
        m += &format!("Content-Type: multipart/mixed; boundary=\"b{i}\"\r\n\r\n--b{i}\r\n");
    }
    m += "Content-Type: text/html\r\n\r\n<p>deep &eacute; é</p>\r\n";
    for i in (0..300).rev() {
        m += &format!("--b{i}--\r\n");
    }
    add("deep-multipart", m.into_bytes());
    let mut m = String::new();
    for _ in 0..120 {
        m += HEAD;
        m += "Subject: nested\r\nContent-Type: message/rfc822\r\n\r\n";
    }
    m += HEAD;
    m += "Content-Type: application/zip; name=\"a.zip\"\r\nContent-Transfer-Encoding: base64\r\n\r\nUEsDBBQAAAAIAA==\r\n";
    add("deep-rfc822", m.into_bytes());

    // Absurd headers.
    let mut m = String::from(HEAD);
    m += &format!("Subject: {}\r\n", "é".repeat(40_000));
    m += &format!("X-Long: {}\r\n", "a".repeat(200_000));
    for i in 0..3000 {
        m += &format!("X-Many-{i}: v\r\n");
    }
    m += "Received: from\r\n \r\n \r\n\t\r\n";
    m += "no colon at all\r\nX-Nul: a\0b\r\n: empty name\r\n";
    m += "Subject: =?utf-8?B?####?= =?x-unknown?Q?=FF=FE?= =?utf-8?Q?=E2=82?= =?=?= =?utf-8?B?\r\n";
    m += "From: =?utf-8?Q?=F0=9F=98?= <@>, <>, \"\" <a@@b>, ,,,\r\n";
    m += "List-Unsubscribe: <\r\nList-ID: <favourite..>\r\nIn-Reply-To: <conversation-@>\r\n";
    m += &format!(
        "Content-Type: text/plain; {}charset=\"\r\n",
        "p=v; ".repeat(2000)
    );
    m += "Content-Disposition: attachment; filename*0*=utf-8''%E2%82; filename*1*=%FF%; filename*=x''\r\n";
    m += "\r\nbody\r\n";
    add("absurd-headers", m.into_bytes());

    // Broken transfer encodings.
    add(
        "bad-base64",
        format!("{HEAD}Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!@@@====PGh0bWw+\r\n=\r\nA\r\n").into_bytes(),
    );
    add(
        "bad-qp",
        format!("{HEAD}Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=ZZ=E9=C3=\r\n=\r\n=F0=9F=\r\n=").into_bytes(),
    );
    add(
        "bad-boundaries",
        format!("{HEAD}Content-Type: multipart/alternative; boundary=\"\"\r\n\r\n--\r\n--\r\nContent-Type: text/plain\r\n\r\nx\r\n----\r\n").into_bytes(),
    );
    add(
        "unknown-encoding",
        format!("{HEAD}Content-Type: text/plain; charset=utf-32\r\nContent-Transfer-Encoding: x-uuencode\r\n\r\nbegin 644 a.exe\r\n`\r\nend\r\n").into_bytes(),
    );

    // Hostile HTML: entity floods, unclosed constructs, many script tags.
    let mut html = String::new();
    html += &"&".repeat(100_000);
    html += &"é&".repeat(20_000);
    html += &"<script>x</script>".repeat(5_000);
    html += &"<SCRIPT>".repeat(2_000);
    html += "<!-- never closed <a href=\"https://x.example/@a/1\">";
    add(
        "hostile-html",
        format!("{HEAD}Content-Type: text/html; charset=utf-8\r\n\r\n{html}").into_bytes(),
    );
    let mut html = String::from("<html><body>");
    for i in 0..3000 {
        html += &format!(
            "<a href=\"https://h{i}.example/@u/{i}?utm_campaign=x\">é{i}</a><img src=x width=1 height=1 alt=\"&#x1F600;&#xFFFFFFFF;&#99999999999;\">"
        );
    }
    add(
        "many-links",
        format!("{HEAD}Content-Type: text/html; charset=utf-8\r\n\r\n{html}").into_bytes(),
    );

    // Invalid UTF-8 everywhere, in an 8bit body that claims UTF-8.
    let mut m = format!("{HEAD}Subject: \u{ff}\u{fe} caf\u{e9}\r\n").into_bytes();
    m.extend_from_slice(b"X-Raw: \xff\xfe\xc3\x28\xa0\xa1\xe2\x82\r\n");
    m.extend_from_slice(b"Content-Type: text/html; charset=utf-8\r\n\r\n");
    m.extend_from_slice(b"<p>\xc3\xa9&\xe9t\xe9 \xf0\x9f\x98 &e\xcc\x81acute; \xed\xa0\x80 \xf8\x88\x80\x80\x80</p>\r\n");
    add("invalid-utf8", m);

    // Archives the attachments plugin opens: a truncated zip, a zip bomb header, a bogus tar.
    let mut zip = b"PK\x03\x04\x14\x00\x00\x00\x08\x00".to_vec();
    zip.extend_from_slice(&[0xff; 64]);
    zip.extend_from_slice(
        b"PK\x05\x06\x00\x00\x00\x00\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x00\x00",
    );
    let mut tar = vec![b'a'; 512];
    tar[257..262].copy_from_slice(b"ustar");
    let b64 = |d: &[u8]| {
        const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut s = String::new();
        for c in d.chunks(3) {
            let n = (c[0] as u32) << 16
                | (*c.get(1).unwrap_or(&0) as u32) << 8
                | *c.get(2).unwrap_or(&0) as u32;
            for k in 0..4 {
                if k <= c.len() {
                    s.push(T[(n >> (18 - 6 * k)) as usize & 63] as char);
                } else {
                    s.push('=');
                }
            }
        }
        s
    };
    let mut m = format!("{HEAD}Content-Type: multipart/mixed; boundary=\"z\"\r\n\r\n");
    for (name, data) in [
        ("a.zip", &zip),
        ("b.tar", &tar),
        ("c.tar.gz", &zip),
        ("d.exe", &tar),
    ] {
        m += &format!(
            "--z\r\nContent-Type: application/octet-stream; name=\"{name}\"\r\nContent-Disposition: attachment; filename=\"{name}\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n",
            b64(data)
        );
    }
    m += "--z--\r\n";
    add("broken-archives", m.into_bytes());
    out
}

/// One random variant of `base`: what was done, and the bytes.
pub fn mutate(rng: &mut Rng, base: &[u8]) -> (&'static str, Vec<u8>) {
    let mut m = base.to_vec();
    let len = m.len().max(1);
    let kind = match rng.below(7) {
        0 => {
            m.truncate(rng.below(len));
            "cut"
        }
        1 => {
            // Several cuts: a message spliced from pieces of itself.
            let a = rng.below(len);
            let b = rng.below(len);
            let (a, b) = (a.min(b), a.max(b));
            m.drain(a..b.min(m.len()));
            "splice"
        }
        2 => {
            for _ in 0..1 + rng.below(40) {
                let at = rng.below(m.len() + 1);
                let junk: &[u8] = match rng.below(6) {
                    0 => b"\xff",
                    1 => b"\xc3",
                    2 => b"\xe2\x82",
                    3 => b"\xf0\x9f\x98",
                    4 => b"\0",
                    _ => b"\xed\xa0\x80",
                };
                m.splice(at..at, junk.iter().copied());
            }
            "invalid-utf8"
        }
        3 => {
            // Break encodings: junk into base64 lines, bad `=XX` escapes, lying headers.
            for _ in 0..1 + rng.below(20) {
                let at = rng.below(m.len() + 1);
                let junk: &[u8] = match rng.below(5) {
                    0 => b"!@#$%",
                    1 => b"=ZZ",
                    2 => b"=\r\n=",
                    3 => b"====",
                    _ => b"\r\nContent-Transfer-Encoding: base64\r\n",
                };
                m.splice(at..at, junk.iter().copied());
            }
            "bad-encoding"
        }
        4 => {
            // Header garbage at the top or after a random line end.
            let junk: &[u8] = match rng.below(5) {
                0 => b"Content-Type: multipart/mixed; boundary=\"\"\r\n",
                1 => b"Subject: =?utf-8?B?8J+Y?= =?shift_jis?B?gqA?= =?euc-kr?Q?=B0?=\r\n",
                2 => b"Content-Type: text/html; charset=utf-7\r\n",
                3 => b"X: \r\n \r\n\t\xff\r\n",
                _ => b"Content-Type: message/rfc822\r\n",
            };
            let at = if rng.below(2) == 0 {
                0
            } else {
                m.iter()
                    .enumerate()
                    .skip(rng.below(len))
                    .find(|(_, b)| **b == b'\n')
                    .map_or(0, |(i, _)| i + 1)
            };
            m.splice(at..at, junk.iter().copied());
            "header-garbage"
        }
        5 => {
            // Random byte flips.
            for _ in 0..1 + rng.below(64) {
                if let Some(i) = m.len().checked_sub(1).map(|n| rng.below(n + 1)) {
                    m[i] = rng.next() as u8;
                }
            }
            "bit-flips"
        }
        _ => {
            // Line ends: bare CR, bare LF, or none.
            let to: &[u8] = match rng.below(3) {
                0 => b"\r",
                1 => b"\n",
                _ => b"",
            };
            let mut out = Vec::with_capacity(m.len());
            let mut i = 0;
            while i < m.len() {
                if m[i] == b'\r' && m.get(i + 1) == Some(&b'\n') {
                    out.extend_from_slice(to);
                    i += 2;
                } else if m[i] == b'\n' {
                    out.extend_from_slice(to);
                    i += 1;
                } else {
                    out.push(m[i]);
                    i += 1;
                }
            }
            m = out;
            "line-ends"
        }
    };
    (kind, m)
}

/// The inputs of one run: every base message once, then `iters` variants of random bases.
pub fn inputs(corpus_dir: &Path, iters: usize, seed: u64) -> Vec<Input> {
    let mut bases = corpus(corpus_dir);
    bases.extend(generated());
    let mut rng = Rng::new(seed);
    let mut out = Vec::with_capacity(bases.len() + iters);
    for i in 0..iters {
        let base = &bases[rng.below(bases.len())];
        let (kind, raw) = mutate(&mut rng, &base.raw);
        out.push(Input {
            name: format!("{} ({kind} #{i})", base.name),
            raw,
        });
    }
    bases.extend(out);
    bases
}

/// A naive header/body split (for the native tests, which have no MIME parser): the header
/// fields up to the first empty line, unfolded, and the rest as text, decoded lossily.
pub fn naive_split(raw: &[u8]) -> (Vec<(String, String)>, String) {
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .or_else(|| text.split_once("\n\n"))
        .unwrap_or((&text, ""));
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in head.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some((_, v)) = headers.last_mut() {
                v.push(' ');
                v.push_str(line.trim());
            }
        } else if let Some((n, v)) = line.split_once(':') {
            headers.push((n.to_string(), v.trim().to_string()));
        }
    }
    (headers, body.to_string())
}

/// The decoded contents of the base64 parts of a message (found naively: the lines after a
/// `Content-Transfer-Encoding: base64` header block), for the native tests of the attachment
/// scanner, which get part contents from the host.
pub fn naive_base64_parts(raw: &[u8]) -> Vec<Vec<u8>> {
    let text = String::from_utf8_lossy(raw);
    let mut out = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if !line
            .to_ascii_lowercase()
            .starts_with("content-transfer-encoding: base64")
        {
            continue;
        }
        // Skip the rest of the part's header, then decode up to the next empty line or boundary.
        for l in lines.by_ref() {
            if l.trim().is_empty() {
                break;
            }
        }
        let mut data = String::new();
        for l in lines.by_ref() {
            if l.trim().is_empty() || l.starts_with("--") {
                break;
            }
            data.push_str(l.trim());
        }
        out.push(decode_base64(&data));
    }
    out
}

/// Lenient base64: skips what is not in the alphabet, stops at `=`.
pub fn decode_base64(s: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for b in s.bytes() {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => break,
            _ => continue,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}
