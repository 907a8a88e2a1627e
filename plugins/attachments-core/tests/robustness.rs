//! The inputs of the plugin robustness test (`tests/plugin_robustness.rs` at the repository
//! root) through the attachment scanner natively: every message as a part of each kind the
//! scanner opens (zip, gzip, tar, attached message), and the decoded base64 parts of every
//! message (the archives of `tests/corpus/attachments` among them) cut and corrupted at seeded
//! random points. Nothing may panic. `MAILSIFT_ROBUST_ITERS` sets the number of variants.

#[path = "../../../tests/support/robust_inputs.rs"]
mod robust_inputs;

use std::path::Path;

use mailsift_attachments_core::{scan, Part, Policy};

const KINDS: [(&str, &str); 6] = [
    ("a.zip", "application/zip"),
    ("a.tar.gz", "application/gzip"),
    ("a.tar", "application/x-tar"),
    ("a.gz", "application/octet-stream"),
    ("x", "message/rfc822"),
    ("invoice.pdf", "application/pdf"),
];

fn scan_as_every_kind(data: &[u8], policy: &Policy) {
    for (name, ctype) in KINDS {
        let part = Part {
            parent: None,
            filename: Some(name),
            content_type: ctype,
            content: data,
            is_message: ctype == "message/rfc822",
        };
        let child = Part {
            parent: Some(0),
            filename: Some("b.zip"),
            content_type: "application/zip",
            content: data,
            is_message: false,
        };
        let _ = scan(&[part, child], policy);
    }
}

#[test]
fn scanner_survives_malformed_and_truncated_archives() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/corpus");
    let iters = robust_inputs::iterations();
    let inputs = robust_inputs::inputs(&corpus, iters, robust_inputs::seed());
    let policy = Policy::default();
    let mut archives = Vec::new();
    for input in &inputs {
        scan_as_every_kind(&input.raw, &policy);
        archives.extend(robust_inputs::naive_base64_parts(&input.raw));
    }
    assert!(!archives.is_empty());
    let mut rng = robust_inputs::Rng::new(robust_inputs::seed());
    for _ in 0..iters {
        let base = &archives[rng.below(archives.len())];
        let (_, data) = robust_inputs::mutate(&mut rng, base);
        scan_as_every_kind(&data, &policy);
    }
}
