//! The entry point of the fuzz target `spam_core` (`fuzz/` at the repository root) and of its
//! replay test (`tests/fuzz_corpus.rs`): one function, so that the two cannot drift apart.

use crate::{grams, html, logistic, rules, tokenize, Input};

/// Arbitrary bytes as a message through the tokenizer, the rules, the n-gram features and the
/// HTML scanner. Nothing may panic; probabilities stay within 0..=1.
pub fn message(raw: &[u8]) {
    let (headers, body) = naive_split(raw);
    let get = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    let input = Input {
        headers: headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect(),
        subject: get("subject").unwrap_or(""),
        from: get("from").into_iter().collect(),
        text: Some(&body),
        html: Some(&body),
        attachments: vec![(get("content-disposition"), "application/octet-stream")],
        spf: get("x-spf").unwrap_or("none"),
        dkim: "none",
        dmarc: "",
    };
    let _ = tokenize::all_tokens(&input);
    let _ = rules::check(&input);
    let features = grams::features(&input);
    let p = logistic::probability(&[&logistic::Weights::default()], &features);
    assert!((0.0..=1.0).contains(&p), "probability {p}");
    let h = html::parse(&body);
    for l in &h.links {
        let _ = tokenize::base_domain(&l.href);
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
