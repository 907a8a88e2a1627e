//! The fuzz targets' seeds and regression inputs, and a few hundred seeded variants of the
//! seeds per target, through the same entry functions the fuzz targets call
//! (`mailsift::fuzzing`). Fails if a parser panics or an invariant breaks. The long version
//! is `scripts/fuzz.sh` (cargo-fuzz; not run in CI: its instrumented build is too slow).
//! `MAILSIFT_FUZZ_REPLAY_ITERS` sets the variants per target, `MAILSIFT_FUZZ_TARGETS` (names,
//! comma-separated) picks targets; a failing input is written to the temporary directory.

#[path = "support/robust_inputs.rs"]
mod robust_inputs;

#[path = "../fuzz/replay.rs"]
mod replay;

use std::path::Path;

#[test]
fn seeds_regressions_and_variants_never_panic() {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    // The panic hook would print every caught panic; the failures are listed below instead.
    std::panic::set_hook(Box::new(|_| {}));
    let mut failures = Vec::new();
    let only = std::env::var("MAILSIFT_FUZZ_TARGETS").unwrap_or_default();
    for (target, entry) in mailsift::fuzzing::TARGETS {
        if !only.is_empty() && !only.split(',').any(|t| t == *target) {
            continue;
        }
        let (seeds, f) = replay::replay(&fuzz, target, *entry, replay::iterations());
        assert!(seeds > 0, "no seeds for {target}");
        failures.extend(f);
    }
    let _ = std::panic::take_hook();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
