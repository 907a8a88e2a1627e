//! The entry point of the fuzz target `attachments_core` (`fuzz/` at the repository root) and of
//! its replay test (`tests/fuzz_corpus.rs`): one function, so that the two cannot drift apart.

use crate::{scan, Part, Policy};

/// How the bytes are offered: the archive kinds the scanner opens, an attached message, and a
/// plain file.
const KINDS: [(&str, &str); 6] = [
    ("a.zip", "application/zip"),
    ("a.tar.gz", "application/gzip"),
    ("a.tar", "application/x-tar"),
    ("a.7z", "application/x-7z-compressed"),
    ("x", "message/rfc822"),
    ("invoice.pdf", "application/pdf"),
];

/// Arbitrary bytes as the content of a part of each kind, with a nested part pointing at it.
/// The first byte picks the kind (so the fuzzer can steer); the bounds are small so that an
/// execution stays fast, and every finding must format.
pub fn attachment(data: &[u8]) {
    let Some((&pick, content)) = data.split_first() else {
        return;
    };
    let (name, ctype) = KINDS[usize::from(pick) % KINDS.len()];
    let policy = Policy {
        max_members: 200,
        max_inflated_bytes: 1 << 20,
        max_expanded_bytes: 4 << 20,
        ..Policy::default()
    };
    let parts = [
        Part {
            parent: None,
            filename: Some(name),
            content_type: ctype,
            content,
            is_message: ctype == "message/rfc822",
        },
        Part {
            parent: Some(0),
            filename: Some("b.zip"),
            content_type: "application/zip",
            content,
            is_message: false,
        },
    ];
    let report = scan(&parts, &policy);
    for f in &report.findings {
        let _ = f.text();
    }
}
