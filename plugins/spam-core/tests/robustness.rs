//! The inputs of the plugin robustness test (`tests/plugin_robustness.rs` at the repository
//! root: the corpus, charset samples, hostile messages and seeded variants) through the spam
//! filter's tokenizer, rules, n-gram features and HTML scanner natively, split naively into
//! header fields and body. Nothing may panic. `MAILSIFT_ROBUST_ITERS` sets the number of
//! variants.

#[path = "../../../tests/support/robust_inputs.rs"]
mod robust_inputs;

use std::path::Path;

use mailsift_spam_core::{grams, html, rules, tokenize, Input};

#[test]
fn filter_survives_malformed_truncated_and_multilingual_mail() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/corpus");
    let inputs = robust_inputs::inputs(&corpus, robust_inputs::iterations(), robust_inputs::seed());
    assert!(inputs.len() > 300, "{} inputs", inputs.len());
    for input in &inputs {
        let (headers, body) = robust_inputs::naive_split(&input.raw);
        let get = |name: &str| {
            headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
        };
        let i = Input {
            headers: headers
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_str()))
                .collect(),
            subject: get("subject").unwrap_or(""),
            from: get("from").into_iter().collect(),
            text: Some(&body),
            html: Some(&body),
            attachments: vec![(get("subject"), "application/octet-stream")],
            spf: "fail",
            dkim: "none",
            dmarc: "",
        };
        // `tokens` makes no dated kind instead of filtering them out (issue 19, round 6):
        // the same tokens as filtering all of them.
        let kept = tokenize::tokens(&i);
        let mut want = tokenize::all_tokens(&i);
        want.retain(|t| !tokenize::is_dated(t));
        want.truncate(tokenize::MAX_TOKENS);
        assert_eq!(kept, want, "{}", input.name);
        for text_only in [
            Input {
                html: None,
                ..i.clone()
            },
            Input {
                text: None,
                ..i.clone()
            },
        ] {
            let mut want = tokenize::all_tokens(&text_only);
            want.retain(|t| !tokenize::is_dated(t));
            want.truncate(tokenize::MAX_TOKENS);
            assert_eq!(tokenize::tokens(&text_only), want, "{}", input.name);
        }
        let _ = rules::check(&i);
        let _ = grams::features(&i);
        let h = html::parse(&body);
        for l in &h.links {
            let _ = tokenize::base_domain(&l.href);
        }
    }
}
