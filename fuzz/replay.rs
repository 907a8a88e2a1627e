//! The short, CI version of the fuzz targets: every seed (`fuzz/corpus/TARGET/`) and every
//! regression input (`fuzz/regressions/TARGET/`) through the target's entry function, then
//! deterministic random variants of the seeds (the mutator of `tests/support/robust_inputs.rs`,
//! fixed seed). Included by path from `tests/fuzz_corpus.rs` and from the plugin cores'
//! `tests/fuzz_corpus.rs`, next to `robust_inputs`; the fuzz targets call the same entry
//! functions, so the targets and these tests cannot drift apart.

use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};

use super::robust_inputs as inputs;

/// Variants per target, unless `MAILSIFT_FUZZ_REPLAY_ITERS` says otherwise.
pub const DEFAULT_ITERS: usize = 300;

pub fn iterations() -> usize {
    std::env::var("MAILSIFT_FUZZ_REPLAY_ITERS")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(DEFAULT_ITERS)
}

/// The files of `fuzz/DIR/TARGET/`, sorted (a missing directory is empty).
pub fn files(fuzz_dir: &Path, dir: &str, target: &str) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(fuzz_dir.join(dir).join(target))
        .map(|d| d.filter_map(|e| Some(e.ok()?.path())).collect())
        .unwrap_or_default();
    out.retain(|p| p.is_file());
    out.sort();
    out
}

/// Runs `entry` on every seed and regression input of `target`, then on `iters` variants of
/// the seeds. Returns the failures (file or variant, and the panic message); the caller asserts
/// none. Returns also how many seeds there were.
pub fn replay(
    fuzz_dir: &Path,
    target: &str,
    entry: fn(&[u8]),
    iters: usize,
) -> (usize, Vec<String>) {
    let mut failures = Vec::new();
    let mut check = |what: String, data: &[u8]| {
        if let Err(e) = std::panic::catch_unwind(AssertUnwindSafe(|| entry(data))) {
            let msg = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            // Kept for reproduction and for `fuzz/regressions/TARGET/`.
            let dir = std::env::temp_dir()
                .join("mailsift-fuzz-failures")
                .join(target);
            let file = dir.join(what.replace([' ', '(', ')', '/'], "_"));
            let _ = std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&file, data));
            failures.push(format!(
                "{target}: {what}: {msg} (input: {})",
                file.display()
            ));
        }
    };
    let seeds: Vec<Vec<u8>> = files(fuzz_dir, "corpus", target)
        .iter()
        .filter_map(|p| std::fs::read(p).ok())
        .collect();
    for (i, seed) in seeds.iter().enumerate() {
        check(format!("seed {i}"), seed);
    }
    for p in files(fuzz_dir, "regressions", target) {
        if let Ok(data) = std::fs::read(&p) {
            check(p.display().to_string(), &data);
        }
    }
    if !seeds.is_empty() {
        let mut rng = inputs::Rng::new(0x6675_7a7a ^ target.len() as u64);
        for i in 0..iters {
            let base = &seeds[rng.below(seeds.len())];
            let (kind, data) = inputs::mutate(&mut rng, base);
            check(format!("variant {i} ({kind})"), &data);
        }
    }
    (seeds.len(), failures)
}
