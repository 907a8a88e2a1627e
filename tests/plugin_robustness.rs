//! Every bundled plugin (the real components of `plugins/dist`: spam, promotions, attachments,
//! lists) through the real plugin host over malformed, truncated and multilingual MIME: every
//! message of `tests/corpus/` (with one sample per charset mail-parser decodes, see
//! `tests/corpus/robustness/generate.py`), hostile messages (deep nesting, absurd headers, broken
//! base64 and quoted-printable, invalid UTF-8, hostile HTML, broken archives) and seeded random
//! variants of all of them (cut points, splices, injected invalid UTF-8, broken encodings, header
//! garbage, byte flips, line-end changes). No input may make a plugin fail: a trap (a panic in
//! the plugin aborts it), a memory cap hit or a timeout counts as an error in the plugin's
//! statistics and skips its verdict, and the test names the input.
//!
//! The inputs come from `tests/support/robust_inputs.rs`, which the native tests of the plugin
//! libraries (`plugins/*-core/tests/robustness.rs`) share.
//!
//! CI runs 1000 variants (seconds to a minute in a debug build, depending on the load). A longer
//! run: `MAILSIFT_ROBUST_ITERS=20000 cargo test --test plugin_robustness -- --nocapture`;
//! `MAILSIFT_ROBUST_SEED=N` picks other variants.

#[path = "support/robust_inputs.rs"]
mod robust_inputs;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use mailsift::config::{Config, PluginConfig};
use mailsift::plugins::{MemoryKv, PluginHost, eval, types::LearnClass};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const BUNDLED: [&str; 4] = ["spam", "promotions", "attachments", "lists"];

fn bundled_dir() -> PathBuf {
    match std::env::var_os("MAILSIFT_BUNDLED_PLUGINS") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(ROOT).join("plugins/dist"),
    }
}

#[test]
fn bundled_plugins_never_fail_on_malformed_truncated_or_multilingual_mime() {
    // The host logs why a call failed (trap message, timeout, memory cap) as a warning.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("mailsift::plugins=warn")),
        )
        .with_test_writer()
        .try_init();
    let tmp = tempfile::tempdir().unwrap();
    let mut c = Config {
        data_dir: tmp.path().to_path_buf(),
        ..Config::default()
    };
    std::fs::create_dir_all(c.plugin_dir()).unwrap();
    for name in BUNDLED {
        let path = bundled_dir().join(format!("{name}.wasm"));
        assert!(
            path.is_file(),
            "plugin {} is missing: build the plugins with `scripts/build-plugins.sh plugins/dist`",
            path.display()
        );
        std::fs::copy(&path, c.plugin_dir().join(format!("{name}.wasm"))).unwrap();
        // A generous CPU bound: this test is about faults on hostile input, and a loaded CI
        // machine running a debug build must not turn into false failures. A plugin that
        // loops still fails.
        c.plugin.insert(
            name.to_string(),
            PluginConfig {
                cpu_ms: Some(10_000),
                ..PluginConfig::default()
            },
        );
    }
    let host = PluginHost::new(&c, Arc::new(MemoryKv::default())).unwrap();
    host.load_all();
    let plugins = host.registry().snapshot();
    let mut loaded: Vec<&str> = plugins.iter().map(|p| p.name.as_str()).collect();
    loaded.sort();
    assert_eq!(loaded, ["attachments", "lists", "promotions", "spam"]);

    let iters = robust_inputs::iterations();
    let inputs = robust_inputs::inputs(
        &Path::new(ROOT).join("tests/corpus"),
        iters,
        robust_inputs::seed(),
    );
    let started = Instant::now();
    let errors = || -> BTreeMap<String, u64> {
        plugins
            .iter()
            .map(|p| (p.name.clone(), p.stats.errors()))
            .collect()
    };
    // Microseconds spent per plugin so far: the slowest inputs are reported (not asserted: the
    // time depends on the machine's load).
    let spent = || -> Vec<f64> {
        plugins
            .iter()
            .map(|p| p.stats.mean_us() * p.stats.calls() as f64)
            .collect()
    };
    let mut slowest: Vec<(f64, String)> = Vec::new();
    let mut before = errors();
    let mut failures = Vec::new();
    let rcpt = vec!["bob@example.org".to_string()];
    for (i, input) in inputs.iter().enumerate() {
        let spent_before = spent();
        let view = eval::view_of(&input.raw, "ROBUST", rcpt.clone());
        let _ = host.filter(&view, &rcpt);
        // Learning reads the whole message too (spam: spam/ham; promotions: the folders).
        if i % 4 == 0 {
            let class = [
                LearnClass::Spam,
                LearnClass::Ham,
                LearnClass::Personal,
                LearnClass::Promotion,
                LearnClass::Social,
            ][(i / 4) % 5];
            let _ = host.learn(&view, class);
        }
        for ((p, b), a) in plugins.iter().zip(spent_before).zip(spent()) {
            slowest.push(((a - b) / 1000.0, format!("{} on {}", p.name, input.name)));
        }
        slowest.sort_by(|x, y| y.0.total_cmp(&x.0));
        slowest.truncate(5);
        let after = errors();
        for (name, n) in &after {
            if before.get(name) != Some(n) {
                failures.push(format!("{name} failed on {}", input.name));
            }
        }
        before = after;
    }
    let calls: u64 = plugins.iter().map(|p| p.stats.calls()).sum();
    println!(
        "{} inputs ({} variants, seed {}), {calls} plugin calls in {:.1} s",
        inputs.len(),
        iters,
        robust_inputs::seed(),
        started.elapsed().as_secs_f64()
    );
    for (ms, what) in &slowest {
        println!("slowest: {ms:.1} ms: {what}");
    }
    assert!(
        failures.is_empty(),
        "{} plugin failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
