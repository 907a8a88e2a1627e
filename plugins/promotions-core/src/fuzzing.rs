//! The entry point of the fuzz target `promotions_core` (`fuzz/` at the repository root) and
//! of its replay test (`tests/fuzz_corpus.rs`): one function, so that the two cannot drift apart.

use crate::{classify, fediverse, html, text, Config, Email};

/// Arbitrary bytes as a message through the classifier, the fediverse detector and the text
/// and HTML scanners at limits that cut inside characters. Nothing may panic; the score is a
/// number.
pub fn message(raw: &[u8]) {
    let (headers, body) = naive_split(raw);
    let get = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    let from = get("from").map(|f| {
        f.rsplit_once('<')
            .map_or(f, |(_, r)| r.split('>').next().unwrap_or(""))
    });
    let email = Email {
        headers: headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect(),
        subject: get("subject").unwrap_or(""),
        from,
        text: Some(&body),
        html: Some(&body),
        attachment_types: vec!["text/calendar"],
    };
    let c = classify(&email, &Config::default());
    assert!(c.score.is_finite(), "score {}", c.score);
    let _ = c.summary();
    let _ = fediverse::detect(&email, &body);
    for limit in [1, 2, 3, 5, 64, 1000] {
        let _ = html::scan(&body, limit);
        let _ = text::normalize(&body, limit);
    }
}

/// A naive header/body split (the cores have no MIME parser): header fields up to the first
/// empty line, unfolded, and the rest as text, decoded lossily (as `tests/support/robust_inputs.rs`).
fn naive_split(raw: &[u8]) -> (Vec<(String, String)>, String) {
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
