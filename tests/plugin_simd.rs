//! The plugins' WebAssembly is built with SIMD (`simd128`, plugins/.cargo/config.toml), where the
//! spam and promotions cores scan bytes sixteen at a time; natively (the cores' own tests,
//! plugins/spam-core/tests/pinned.rs) the eight-byte word scans run. These tests check the
//! WebAssembly build (issue 19, sixth round):
//! - plugins/testing/scan-probe compares every scan with a byte loop inside WebAssembly;
//! - the bundled spam and promotions components give pinned verdicts on corpus messages
//!   (`tests/pinned/plugin-verdicts.txt`, made with the components built before SIMD; regenerate
//!   with `PIN_UPDATE=1 cargo test --test plugin_simd` only for a deliberate change of verdicts,
//!   together with plugins/spam-core/tests/pinned/spam.txt).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use mailsift::config::Config;
use mailsift::pipeline::{self, MessageContext};
use mailsift::plugins::eval::{self, view_of};
use mailsift::plugins::{MemoryKv, PluginHost, view};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn dist(var: &str, default: &str) -> PathBuf {
    match std::env::var_os(var) {
        Some(d) => PathBuf::from(d),
        None => Path::new(ROOT).join(default),
    }
}

fn component(dir: PathBuf, name: &str) -> PathBuf {
    let p = dir.join(format!("{name}.wasm"));
    assert!(
        p.is_file(),
        "{} is missing: build the plugins with `scripts/build-plugins.sh plugins/dist`",
        p.display()
    );
    p
}

fn host_of(wasm: &Path, dir: &Path) -> PluginHost {
    let mut config = Config {
        data_dir: dir.to_path_buf(),
        ..Config::default()
    };
    // The probe runs some 500,000 scans and their byte loops: room for a busy machine.
    config.plugins.cpu_ms = 20_000;
    eval::standalone_host(&config, wasm, Arc::new(MemoryKv::default()), dir).unwrap()
}

fn envelope() -> pipeline::Envelope {
    pipeline::Envelope {
        queue_id: "SIMDQ1".into(),
        mail_from: "sender@example.org".into(),
        recipients: vec!["bob@example.org".into()],
        helo: "client.example.org".into(),
        client_ip: std::net::IpAddr::from([127, 0, 0, 1]),
        authenticated_as: None,
        tls: None,
    }
}

#[test]
fn scans_in_webassembly_equal_byte_loops() {
    let dir = tempfile::tempdir().unwrap();
    let wasm = component(
        dist("MAILSIFT_TEST_PLUGINS", "plugins/dist/testing"),
        "scan-probe",
    );
    let host = host_of(&wasm, dir.path());
    let html = std::fs::read(
        Path::new(ROOT).join("tests/corpus/promotions/promotion/02-shoes-klaviyo-winter-sale.eml"),
    )
    .unwrap();
    let plain = b"From: a@example.org\r\nSubject: Hello <there> & \"you\"\r\n\r\nbody?x#y\r\n";
    for raw in [plain.to_vec(), html] {
        let env = envelope();
        let ctx = MessageContext::new(&env, &raw);
        let v = view::message(&env, &raw, ctx.parsed.as_ref(), None);
        let out = host.filter(&v, &env.recipients);
        let probe = out
            .merged
            .add_headers
            .iter()
            .find(|(n, _)| n == "X-Scan-Probe")
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("no X-Scan-Probe: {:?}", out.calls));
        eprintln!("X-Scan-Probe: {probe}");
        let words: Vec<&str> = probe.split(' ').collect();
        assert_eq!(words.first(), Some(&"ok"), "{probe}");
        // Built with SIMD: otherwise the word scans ran and the SIMD ones went untested.
        assert_eq!(words.get(2), Some(&"simd128"), "{probe}");
        assert!(words[1].parse::<u64>().unwrap() > 500_000, "{probe}");
    }
}

/// Corpus messages: the promotions and the modern corpus.
fn corpus() -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    for (dir, step) in [("tests/corpus/promotions", 1), ("tests/corpus/modern", 1)] {
        let mut here = Vec::new();
        let mut stack = vec![Path::new(ROOT).join(dir)];
        while let Some(d) = stack.pop() {
            let Ok(rd) = std::fs::read_dir(&d) else {
                continue;
            };
            for e in rd {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.extension().is_some_and(|x| x == "eml") {
                    here.push(p);
                }
            }
        }
        here.sort();
        files.extend(here.into_iter().step_by(step));
    }
    files
        .into_iter()
        .map(|p| {
            let name = p.strip_prefix(ROOT).unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&p).unwrap())
        })
        .collect()
}

#[test]
fn bundled_components_give_the_pinned_verdicts() {
    let plugins = dist("MAILSIFT_BUNDLED_PLUGINS", "plugins/dist");
    let messages = corpus();
    assert!(messages.len() > 100, "corpus missing: {}", messages.len());
    let mut got = String::new();
    for name in ["spam", "promotions"] {
        let dir = tempfile::tempdir().unwrap();
        let host = host_of(&component(plugins.clone(), name), dir.path());
        for (file, raw) in &messages {
            let rcpt = vec!["bob@example.org".to_string()];
            let out = host.filter(&view_of(raw, "F", rcpt.clone()), &rcpt);
            let m = &out.merged;
            writeln!(
                got,
                "{name} {file} score={:.9} folder={:?} tags={:?} headers={:?} rcpt={:?} why={:?}",
                m.score, m.folder, m.tags, m.add_headers, m.per_recipient, m.explanations
            )
            .unwrap();
        }
    }
    let pinned = Path::new(ROOT).join("tests/pinned/plugin-verdicts.txt");
    if std::env::var_os("PIN_UPDATE").is_some() {
        std::fs::create_dir_all(pinned.parent().unwrap()).unwrap();
        std::fs::write(&pinned, &got).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&pinned).unwrap();
    for (g, w) in got.lines().zip(want.lines()) {
        assert_eq!(g, w);
    }
    assert_eq!(got.lines().count(), want.lines().count());
}
