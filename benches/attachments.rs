//! The bundled attachments plugin as a WebAssembly component against the same checks compiled
//! natively (`mailsift-attachments-core`, which is the plugin's whole logic), on the same
//! message view. Not a timed test: it prints numbers for BENCHMARKS.md.
//!
//!     scripts/bench-attachments.sh     (builds the plugins, then runs this)
//!
//! The two sides run alternately, one call each per iteration, so that a disturbance of the
//! (shared, noisy) machine hits both; medians are reported, and the ratio of the medians.
//!
//! Rows:
//! - `1 MB message, 900 KB zip`: a realistic office mail; a zip of several compressible files.
//!   The plugin reads each member's first 4 KiB (enough to recognise executables and archives),
//!   so most of the zip is never inflated.
//! - `zip in zip`: the same files, but inside a zip inside the zip: the inner zip is inflated
//!   whole to be opened.
//! - `60 MiB inner zip`: the worst case within the default limits: an inner zip of 60 MiB (under
//!   the 64 MiB inflation budget) that must be inflated whole. This sizes the plugin's CPU bound.
//!
//! WASM side: `PluginHost::filter` (fresh instance from the pool, the view copied into the
//! guest, the scan, the verdict). The no-op test plugin on the same view shows how much of that
//! is instance + copy. Components come from `MAILSIFT_PLUGINS_DIST` (default `plugins/dist`).

use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use mailsift::config::Config;
use mailsift::pipeline::{Envelope, MessageContext};
use mailsift::plugins::{MemoryKv, PluginHost, types, view};
use mailsift_attachments_core::{Part, Policy};

fn dist() -> PathBuf {
    std::env::var_os("MAILSIFT_PLUGINS_DIST")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("plugins/dist"))
}

/// Deterministic pseudo-random bytes (xorshift), for the incompressible parts.
fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// Text that compresses about 4:1, like prose or CSV.
fn prose(len: usize, seed: u64) -> Vec<u8> {
    const WORDS: &[&str] = &[
        "invoice", "total", "amount", "customer", "order", "delivery", "payment", "2024", "EUR",
        "quarter", "report", "revenue", "the", "and", "of", "to", "in", "for", "item", "price",
        "quantity", "net", "tax", "address", "Berlin", "Lyon", "Madrid", "shipped", "pending",
    ];
    let r = noise(len / 4 + 16, seed);
    let mut out = Vec::with_capacity(len + 16);
    let mut i = 0;
    while out.len() < len {
        out.extend_from_slice(WORDS[r[i % r.len()] as usize % WORDS.len()].as_bytes());
        out.push(if r[(i + 1) % r.len()] % 9 == 0 {
            b'\n'
        } else {
            b' '
        });
        out.extend_from_slice(format!("{}", r[(i + 2) % r.len()]).as_bytes());
        out.push(b';');
        i += 3;
    }
    out.truncate(len);
    out
}

fn zip(files: &[(String, Vec<u8>)], method: zip::CompressionMethod) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in files {
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(method)
            .large_file(data.len() > 1 << 31);
        w.start_file(name.as_str(), opts).expect("zip entry");
        w.write_all(data).expect("zip write");
    }
    w.finish().expect("zip").into_inner()
}

/// An office-like set of files: two "PDFs" (text streams and embedded images), a CSV export, a
/// document's XML, photos (already compressed), about 1.7 MB that zip to about 900 KB.
fn office_files() -> Vec<(String, Vec<u8>)> {
    let pdf = |seed| {
        let mut v = b"%PDF-1.7\n".to_vec();
        v.extend(prose(150_000, seed));
        v.extend(noise(120_000, seed + 1));
        v
    };
    vec![
        ("report-q1.pdf".into(), pdf(1)),
        ("report-q2.pdf".into(), pdf(3)),
        ("export/orders.csv".into(), prose(600_000, 5)),
        ("word/document.xml".into(), prose(200_000, 7)),
        ("photos/site-1.jpg".into(), noise(180_000, 9)),
        ("photos/site-2.jpg".into(), noise(140_000, 11)),
    ]
}

fn message_with(zip_name: &str, zip: &[u8]) -> Vec<u8> {
    use base64::Engine as _;
    let mut m = String::from(
        "From: \"Sender\" <sender@example.org>\r\nTo: rcpt@example.com\r\nSubject: Quarterly reports\r\n\
         Date: Mon, 1 Jan 2024 10:00:00 +0000\r\nMessage-ID: <bench-att@example.org>\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"BOUNDARY\"\r\n\r\n\
         --BOUNDARY\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello, the reports are attached.\r\n",
    );
    m.push_str(&format!(
        "--BOUNDARY\r\nContent-Type: application/zip\r\nContent-Disposition: attachment; filename=\"{zip_name}\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    ));
    let b64 = base64::engine::general_purpose::STANDARD.encode(zip);
    for line in b64.as_bytes().chunks(76) {
        m.push_str(std::str::from_utf8(line).unwrap_or_default());
        m.push_str("\r\n");
    }
    m.push_str("--BOUNDARY--\r\n");
    m.into_bytes()
}

fn parts(m: &types::Message) -> Vec<Part<'_>> {
    m.attachments
        .iter()
        .map(|a| Part {
            parent: a.parent.map(|p| p as usize),
            filename: a.filename.as_deref(),
            content_type: &a.content_type,
            content: &a.content,
            is_message: a.is_message,
        })
        .collect()
}

fn host(dir: &Path, component: &Path, name: &str) -> PluginHost {
    // The attachments plugin runs with its bundled defaults (memory_mb 256, cpu_ms 2000): the
    // worst case must pass within them (the bench stops if the plugin fails).
    let c = Config {
        data_dir: dir.to_path_buf(),
        ..Config::default()
    };
    std::fs::create_dir_all(c.plugin_dir()).expect("plugin dir");
    std::fs::copy(component, c.plugin_dir().join(format!("{name}.wasm"))).expect("copy");
    let host = PluginHost::new(&c, Arc::new(MemoryKv::default())).expect("host");
    host.load_all();
    assert_eq!(host.registry().snapshot().len(), 1, "{:?}", host.status());
    host
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn main() {
    let attachments = dist().join("attachments.wasm");
    let noop = dist().join("testing/noop.wasm");
    for p in [&attachments, &noop] {
        if !p.is_file() {
            eprintln!(
                "missing {}: build the plugins first (scripts/bench-attachments.sh does)",
                p.display()
            );
            std::process::exit(1);
        }
    }
    let envelope = Envelope {
        queue_id: "BENCHATT".into(),
        mail_from: "sender@example.org".into(),
        recipients: vec!["rcpt@example.com".into()],
        helo: "client.example.org".into(),
        client_ip: std::net::IpAddr::from([192, 0, 2, 1]),
        authenticated_as: None,
        tls: None,
    };
    let tmp = std::env::temp_dir().join(format!("mailsift-bench-att-{}", std::process::id()));
    let wasm = host(&tmp.join("a"), &attachments, "attachments");
    let noop = host(&tmp.join("n"), &noop, "noop");
    let policy = Policy::default();

    let files = office_files();
    let office = zip(&files, zip::CompressionMethod::Deflated);
    let inner = zip(&files, zip::CompressionMethod::Deflated);
    let nested = zip(
        &[
            ("cover-letter.pdf".to_string(), prose(50_000, 13)),
            ("all-reports.zip".to_string(), inner),
        ],
        zip::CompressionMethod::Deflated,
    );
    // 60 MiB of CSV-like text, stored (not compressed) in the inner zip; the outer zip deflates it.
    let big_inner = zip(
        &[("export/all-orders.csv".to_string(), prose(60 << 20, 17))],
        zip::CompressionMethod::Stored,
    );
    let worst = zip(
        &[("archive.zip".to_string(), big_inner)],
        zip::CompressionMethod::Deflated,
    );
    let cases = [
        ("1 MB message, 900 KB zip", "reports.zip", office, 200),
        ("zip in zip", "reports.zip", nested, 200),
        ("60 MiB inner zip (worst case)", "archive.zip", worst, 12),
    ];

    println!(
        "| case | message | zip | inflated by the scan | WASM filter ms | native scan ms | ratio | no-op plugin ms | WASM − no-op ms | ratio without instance + copy |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for (label, zip_name, zip_bytes, iterations) in cases {
        let raw = message_with(zip_name, &zip_bytes);
        let ctx = MessageContext::new(&envelope, &raw);
        let msg = view::message(&envelope, &raw, ctx.parsed.as_ref(), None);
        // Same verdict on both sides before timing anything.
        let native_report = mailsift_attachments_core::scan(&parts(&msg), &policy);
        let out = wasm.filter(&msg, &envelope.recipients);
        assert!(
            native_report.findings.is_empty() && out.merged.add_headers.is_empty(),
            "{label}: {:?} / {:?}",
            native_report.findings,
            out.merged
        );
        assert_eq!(wasm.status()[0].errors, 0, "{label}: the plugin failed");
        let (mut w, mut n, mut z) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..iterations {
            let t = Instant::now();
            std::hint::black_box(wasm.filter(&msg, &envelope.recipients));
            w.push(t.elapsed());
            let t = Instant::now();
            std::hint::black_box(mailsift_attachments_core::scan(&parts(&msg), &policy));
            n.push(t.elapsed());
            let t = Instant::now();
            std::hint::black_box(noop.filter(&msg, &envelope.recipients));
            z.push(t.elapsed());
        }
        assert_eq!(wasm.status()[0].errors, 0, "{label}: the plugin failed");
        let (w, n, z) = (median(w), median(n), median(z));
        let compute = w.saturating_sub(z);
        println!(
            "| {label} | {:.2} MB | {:.0} KB | {:.2} MB | {:.3} | {:.3} | {:.1}× | {:.3} | {:.3} | {:.1}× |",
            raw.len() as f64 / 1e6,
            zip_bytes.len() as f64 / 1e3,
            native_report.inflated as f64 / 1e6,
            ms(w),
            ms(n),
            ms(w) / ms(n),
            ms(z),
            ms(compute),
            ms(compute) / ms(n),
        );
    }
    // The CPU budget is counted in fuel: how much of it the most expensive call used.
    let row = &wasm.status()[0];
    println!(
        "\nattachments: the most expensive call used {:.1}% of its CPU budget (cpu_ms {}: {} fuel)",
        row.peak_budget_pct,
        Config::default().plugin_limits("attachments").cpu_ms,
        Config::default().plugin_limits("attachments").cpu_ms * mailsift::plugins::FUEL_PER_MS,
    );
    let _ = std::fs::remove_dir_all(&tmp);
}
