//! The fuzz target `attachments_core`'s seeds and regression inputs (`fuzz/` at the repository root),
//! and seeded variants of the seeds, through the entry function the target calls. Fails if the
//! core panics. `MAILSIFT_FUZZ_REPLAY_ITERS` sets the number of variants.

#[path = "../../../tests/support/robust_inputs.rs"]
mod robust_inputs;

#[path = "../../../fuzz/replay.rs"]
mod replay;

use std::path::Path;

#[test]
fn seeds_regressions_and_variants_never_panic() {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
    std::panic::set_hook(Box::new(|_| {}));
    let (seeds, failures) = replay::replay(
        &fuzz,
        "attachments_core",
        mailsift_attachments_core::fuzzing::attachment,
        replay::iterations(),
    );
    let _ = std::panic::take_hook();
    assert!(seeds > 0, "no seeds");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
