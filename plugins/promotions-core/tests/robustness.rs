//! The inputs of the plugin robustness test (`tests/plugin_robustness.rs` at the repository
//! root: the corpus, charset samples, hostile messages and seeded variants) through the
//! classifier natively, split naively into header fields and body (the plugin gets them parsed
//! from the host). Nothing may panic. `MAILSIFT_ROBUST_ITERS` sets the number of variants.

#[path = "../../../tests/support/robust_inputs.rs"]
mod robust_inputs;

use std::path::Path;

use promotions_core::{classify, fediverse, html, text, Config, Email};

#[test]
fn classifier_survives_malformed_truncated_and_multilingual_mail() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/corpus");
    let inputs = robust_inputs::inputs(&corpus, robust_inputs::iterations(), robust_inputs::seed());
    assert!(inputs.len() > 300, "{} inputs", inputs.len());
    let config = Config::default();
    for input in &inputs {
        let (headers, body) = robust_inputs::naive_split(&input.raw);
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
        let c = classify(&email, &config);
        assert!(c.score.is_finite(), "{}", input.name);
        let _ = fediverse::detect(&email, &body);
        // Every limit, so that cuts land everywhere inside multi-byte characters.
        for limit in [1, 2, 3, 5, 10, 64, 1000] {
            let _ = html::scan(&body, limit);
            let _ = text::normalize(&body, limit);
        }
        let _ = text::has_discount(&body);
    }
}
