//! Per-message cost of the plugin stage: building the plugins' view of the message once, then
//! a fresh instance + `filter` call per plugin. One and four no-op plugins, for a 5 KB and a
//! 1 MB message. Not a timed test: it prints numbers for BENCHMARKS.md.
//!
//!     scripts/bench-plugins.sh        (builds the test plugins, then runs this)
//!
//! Components come from `MAILSIFT_TEST_PLUGINS` or `plugins/dist/testing`.
//!
//! With `MAILSIFT_LANG_PLUGINS=DIR` (scripts/bench-plugins.sh --lang), it instead compares one
//! plugin per language on the 5 KB message: the Rust no-op, and the Python and JavaScript
//! subject-rule examples from DIR (scripts/build-lang-plugins.sh), with load time and memory.
//!
//! Then (issue 19) the host's cost per call, side by side in one run: the no-op plugin on a
//! fresh instance per call against the same no-op declared stateless (`noop-stateless`, instances
//! reused), and the pooling allocator's `linear_memory_keep_resident` at 0, 64 KiB, 1 MiB and
//! 4 MiB (the memset or page faults of a slot's reuse). `MAILSIFT_BENCH_SCALE` (default 1)
//! multiplies every iteration count: 0.05 is a smoke run of a few seconds.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use mailsift::config::Config;
use mailsift::pipeline::{Envelope, MessageContext};
use mailsift::plugins::{MemoryKv, PluginHost, view};

fn plugin_dir() -> PathBuf {
    match std::env::var_os("MAILSIFT_TEST_PLUGINS") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("plugins/dist/testing"),
    }
}

fn message(size: usize) -> Vec<u8> {
    let mut m = String::from(
        "Received: from client.example.org (client.example.org [192.0.2.1])\r\n\tby mail.example.com with ESMTP id BENCH1\r\n\
         From: \"Sender\" <sender@example.org>\r\nTo: rcpt@example.com\r\nCc: other@example.com\r\n\
         Subject: =?UTF-8?Q?Benchmark_message_=E2=9C=93?=\r\nDate: Mon, 1 Jan 2024 10:00:00 +0000\r\n\
         Message-ID: <bench@example.org>\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"BOUNDARY\"\r\n\r\n\
         --BOUNDARY\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n",
    );
    let line = "The quick brown fox jumps over the lazy dog, and then some more words to fill.\r\n";
    // A fifth of the size as text, the rest as a base64 attachment (typical of large mail).
    while m.len() < size / 5 {
        m.push_str(line);
    }
    m.push_str("--BOUNDARY\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"data.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\n");
    let b64 = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0\r\n";
    while m.len() < size - 20 {
        m.push_str(b64);
    }
    m.push_str("--BOUNDARY--\r\n");
    m.into_bytes()
}

fn host_with(data_dir: &Path, noop: &Path, n: usize, lang: bool) -> PluginHost {
    host_tuned(
        data_dir,
        noop,
        n,
        lang,
        (mailsift::plugins::KEEP_RESIDENT, true),
        None,
    )
}

fn host_tuned(
    data_dir: &Path,
    noop: &Path,
    n: usize,
    lang: bool,
    (keep_resident, pagemap_scan): (usize, bool),
    case: Option<(u32, bool)>,
) -> PluginHost {
    let mut c = Config {
        data_dir: data_dir.to_path_buf(),
        ..Config::default()
    };
    if lang {
        // The Python and JavaScript interpreters need more than the default budgets.
        c.plugins.memory_mb = 256;
        c.plugins.cpu_ms = 5000;
    }
    if let Some((_, reuse)) = case {
        c.plugins.reuse_calls = if reuse { 1000 } else { 0 };
        // Under valgrind (what this mode is for) a plugin's `info` call alone is past the
        // default 50 ms of thread CPU time, and the plugin would be refused.
        c.plugins.cpu_ms = 60_000;
    }
    std::fs::create_dir_all(c.plugin_dir()).expect("plugin dir");
    for i in 0..n {
        std::fs::copy(noop, c.plugin_dir().join(format!("noop{i}.wasm"))).expect("copy");
    }
    let host = PluginHost::with_engine_settings(&c, Arc::new(MemoryKv::default()), |s| {
        s.keep_resident = keep_resident;
        s.pagemap_scan = pagemap_scan;
        // Fewer pool slots reserve less address space (valgrind cannot map the default's).
        if let Some((n, _)) = case {
            s.slots = n;
            s.idle_instances = s.idle_instances.min(n / 2);
        }
    })
    .expect("host");
    host.load_all();
    assert_eq!(host.registry().snapshot().len(), n, "plugins did not load");
    host
}

/// Mean time per run, best of `ROUNDS` rounds: the machine is shared (builds, other tests), and
/// the best round is the one least disturbed by them.
fn time(iterations: usize, mut f: impl FnMut()) -> Duration {
    const ROUNDS: usize = 7;
    let iterations = scaled(iterations);
    for _ in 0..iterations / 10 + 1 {
        f();
    }
    let per_round = (iterations / ROUNDS).max(1);
    (0..ROUNDS)
        .map(|_| {
            let started = Instant::now();
            for _ in 0..per_round {
                f();
            }
            started.elapsed() / per_round as u32
        })
        .min()
        .unwrap_or_default()
}

/// `n` times `MAILSIFT_BENCH_SCALE`, at least 7 (one per round).
fn scaled(n: usize) -> usize {
    let scale: f64 = std::env::var("MAILSIFT_BENCH_SCALE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1.0);
    ((n as f64 * scale) as usize).max(7)
}

/// Issue 19: the host's cost per call of a plugin that does nothing, fresh instance against
/// reused, and the pool slot's memory reset at several `keep_resident` sizes.
fn host_cost(tmp: &Path, noop: &Path, envelope: &Envelope) {
    let stateless = plugin_dir().join("noop-stateless.wasm");
    if !stateless.is_file() {
        eprintln!("missing {}: build the test plugins", stateless.display());
        return;
    }
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    let sizes = [("5 KB", 5 * 1024, 3000), ("1 MB", 1024 * 1024, 150)];
    let views: Vec<_> = sizes
        .iter()
        .map(|&(label, size, iterations)| {
            let raw = message(size);
            let ctx = MessageContext::new(envelope, &raw);
            let v = view::message(envelope, &raw, ctx.parsed.as_ref(), None);
            (label, iterations, v)
        })
        .collect();
    println!();
    println!("Host cost per call of a no-op plugin (keep_resident 4 MiB):");
    println!();
    println!("| message | fresh instance µs/call | reused (stateless) µs/call | ratio |");
    println!("|---|---|---|---|");
    let fresh = host_with(&tmp.join("fresh"), noop, 1, false);
    let reused = host_with(&tmp.join("reused"), &stateless, 1, false);
    assert!(reused.registry().snapshot()[0].reuses_instances());
    for (label, iterations, msg) in &views {
        // Interleaved: a disturbance of the shared machine hits both sides alike.
        let mut a = Duration::MAX;
        let mut b = Duration::MAX;
        for _ in 0..3 {
            a = a.min(time(*iterations, || {
                std::hint::black_box(fresh.filter(msg, &envelope.recipients));
            }));
            b = b.min(time(*iterations, || {
                std::hint::black_box(reused.filter(msg, &envelope.recipients));
            }));
        }
        println!(
            "| {label} | {:.1} | {:.1} | {:.2} |",
            us(a),
            us(b),
            a.as_secs_f64() / b.as_secs_f64().max(1e-12)
        );
    }
    println!();
    println!(
        "Pool slot reset, no-op plugin, fresh instance per call: `linear_memory_keep_resident` \
         with `pagemap_scan` (reset only the pages written) on and off:"
    );
    println!();
    println!("| keep_resident | pagemap_scan | 5 KB µs/call | 1 MB µs/call |");
    println!("|---|---|---|---|");
    for (label, bytes) in [
        ("0", 0usize),
        ("64 KiB", 64 << 10),
        ("1 MiB", 1 << 20),
        ("4 MiB", 4 << 20),
    ] {
        for scan in [false, true] {
            let dir = tmp.join(format!("kr{bytes}-{scan}"));
            let host = host_tuned(&dir, noop, 1, false, (bytes, scan), None);
            let t: Vec<String> = views
                .iter()
                .map(|(_, iterations, msg)| {
                    format!(
                        "{:.1}",
                        us(time(*iterations, || {
                            std::hint::black_box(host.filter(msg, &envelope.recipients));
                        }))
                    )
                })
                .collect();
            let scan = if scan { "on" } else { "off" };
            println!("| {label} | {scan} | {} |", t.join(" | "));
        }
    }
}

/// `MAILSIFT_BENCH_CASE=fresh|reused:BYTES:CALLS[:KEEP_RESIDENT[:PAGEMAP_SCAN 0|1]]`, with
/// `MAILSIFT_BENCH_PLUGIN=FILE.wasm` for another plugin than the no-op: one host, CALLS calls on a
/// message of BYTES (or the file `MAILSIFT_BENCH_MESSAGE`), nothing printed but the time. For instruction counts that the shared
/// machine does not disturb: run it under `valgrind --tool=callgrind` with two CALLS values and
/// divide the difference by the difference of the calls.
fn single_case(case: &str, noop: &Path, envelope: &Envelope) {
    let parts: Vec<&str> = case.split(':').collect();
    let num = |i: usize, d: usize| parts.get(i).and_then(|v| v.parse().ok()).unwrap_or(d);
    let (size, calls) = (num(1, 5 * 1024), num(2, 100));
    let keep = num(3, mailsift::plugins::KEEP_RESIDENT);
    let reuse = parts.first() == Some(&"reused");
    // Another plugin (e.g. a bundled one declared stateless); `fresh` then turns reuse off.
    let plugin = match std::env::var_os("MAILSIFT_BENCH_PLUGIN") {
        Some(p) => PathBuf::from(p),
        None if reuse => plugin_dir().join("noop-stateless.wasm"),
        None => noop.to_path_buf(),
    };
    let tmp = std::env::temp_dir().join(format!("mailsift-bench-case-{}", std::process::id()));
    let settings = (keep, num(4, 1) == 1);
    let host = host_tuned(&tmp, &plugin, 1, false, settings, Some((2, reuse)));
    // MAILSIFT_BENCH_MESSAGE=FILE.eml: a real message instead of the synthetic one of BYTES.
    let raw = match std::env::var_os("MAILSIFT_BENCH_MESSAGE") {
        Some(f) => std::fs::read(&f).expect("MAILSIFT_BENCH_MESSAGE"),
        None => message(size),
    };
    let ctx = MessageContext::new(envelope, &raw);
    let msg = view::message(envelope, &raw, ctx.parsed.as_ref(), None);
    let started = Instant::now();
    for _ in 0..calls {
        std::hint::black_box(host.filter(&msg, &envelope.recipients));
    }
    println!(
        "{case}: {:.1} µs/call",
        started.elapsed().as_secs_f64() * 1e6 / calls.max(1) as f64
    );
    let _ = std::fs::remove_dir_all(&tmp);
}

/// Resident set size of this process, in KiB (Linux; 0 elsewhere).
fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// `--lang` mode: one plugin per language, 5 KB message.
fn compare_languages(lang_dir: &Path, noop: &Path, envelope: &Envelope) {
    let tmp = std::env::temp_dir().join(format!("mailsift-bench-lang-{}", std::process::id()));
    let raw = message(5 * 1024);
    let ctx = MessageContext::new(envelope, &raw);
    let msg = view::message(envelope, &raw, ctx.parsed.as_ref(), None);
    println!(
        "| plugin | component MB | load (compile) ms | µs/message | RSS after load MiB | RSS growth over calls MiB |"
    );
    println!("|---|---|---|---|---|---|");
    for (label, path, iterations) in [
        ("Rust no-op", noop.to_path_buf(), 3000),
        (
            "Python subject rule",
            lang_dir.join("subject_rule_py.wasm"),
            200,
        ),
        (
            "JavaScript subject rule",
            lang_dir.join("subject_rule_js.wasm"),
            200,
        ),
    ] {
        if !path.is_file() {
            eprintln!(
                "missing {}: run scripts/build-lang-plugins.sh",
                path.display()
            );
            continue;
        }
        let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        let before = rss_kib();
        let started = Instant::now();
        let host = host_with(&tmp.join(label.replace(' ', "-")), &path, 1, true);
        let load = started.elapsed();
        let loaded = rss_kib();
        let calls = time(iterations, || {
            std::hint::black_box(host.filter(&msg, &envelope.recipients));
        });
        let after = rss_kib();
        println!(
            "| {label} | {:.1} | {:.0} | {:.1} | {:.1} | {:.1} |",
            size as f64 / 1e6,
            load.as_secs_f64() * 1e3,
            calls.as_secs_f64() * 1e6,
            loaded.saturating_sub(before) as f64 / 1024.0,
            after.saturating_sub(loaded) as f64 / 1024.0,
        );
    }
    let _ = std::fs::remove_dir_all(&tmp);
}

fn main() {
    let noop = plugin_dir().join("noop.wasm");
    if !noop.is_file() {
        eprintln!(
            "missing {}: build the test plugins first (scripts/bench-plugins.sh does)",
            noop.display()
        );
        std::process::exit(1);
    }
    let envelope = Envelope {
        queue_id: "BENCH1".into(),
        mail_from: "sender@example.org".into(),
        recipients: vec!["rcpt@example.com".into()],
        helo: "client.example.org".into(),
        client_ip: std::net::IpAddr::from([192, 0, 2, 1]),
        authenticated_as: None,
        tls: None,
    };
    if let Ok(case) = std::env::var("MAILSIFT_BENCH_CASE") {
        single_case(&case, &noop, &envelope);
        return;
    }
    if let Some(dir) = std::env::var_os("MAILSIFT_LANG_PLUGINS") {
        compare_languages(Path::new(&dir), &noop, &envelope);
        return;
    }
    let tmp = std::env::temp_dir().join(format!("mailsift-bench-{}", std::process::id()));
    let hosts: Vec<(usize, PluginHost)> = [1usize, 4]
        .iter()
        .map(|&n| (n, host_with(&tmp.join(format!("h{n}")), &noop, n, false)))
        .collect();
    println!(
        "| message | plugins | parse µs | view µs | plugins µs | total µs/message | µs/plugin |"
    );
    println!("|---|---|---|---|---|---|---|");
    for (label, size, iterations) in [("5 KB", 5 * 1024, 3000), ("1 MB", 1024 * 1024, 150)] {
        let raw = message(size);
        let parse = time(iterations, || {
            let ctx = MessageContext::new(&envelope, &raw);
            std::hint::black_box(&ctx.parsed);
        });
        let ctx = MessageContext::new(&envelope, &raw);
        let view_t = time(iterations, || {
            std::hint::black_box(view::message(&envelope, &raw, ctx.parsed.as_ref(), None));
        });
        let msg = view::message(&envelope, &raw, ctx.parsed.as_ref(), None);
        for (n, host) in &hosts {
            let calls = time(iterations, || {
                let out = host.filter(&msg, &envelope.recipients);
                std::hint::black_box(out);
            });
            let us = |d: Duration| d.as_secs_f64() * 1e6;
            println!(
                "| {label} | {n} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1} |",
                us(parse),
                us(view_t),
                us(calls),
                us(parse + view_t + calls),
                us(calls) / *n as f64,
            );
        }
    }
    drop(hosts);
    host_cost(&tmp, &noop, &envelope);
    let _ = std::fs::remove_dir_all(&tmp);
}
