//! Pins what the filter makes of real and hostile mail, so that making the tokenizer, the
//! n-gram features or the rules cheaper cannot change a verdict unnoticed (issue 19): a model
//! trained before such a change must give the same scores after it. For every message of the
//! robustness inputs (the corpus under tests/corpus, the hostile messages of
//! tests/support/robust_inputs.rs and seeded variants), read both as the host's view (a MIME
//! parser, as the plugin sees it) and split naively (odd bodies as text and HTML at once), the
//! test records a digest of every token (dated kinds included), of the features and of the rule
//! hits, and the score under the bundled starting model (a fixed trained model), and compares
//! them with `tests/pinned/spam.txt`.
//!
//! A deliberate change of the tokens is a change of the model's vocabulary (a trained model's
//! counts are kept by token): regenerate with `PIN_UPDATE=1 cargo test -p mailsift-spam-core
//! --test pinned` only together with a migration or a retrained starting model.

#[allow(dead_code)]
#[path = "../examples/common/mod.rs"]
mod common;
#[path = "../../../tests/support/robust_inputs.rs"]
mod robust_inputs;

use std::fmt::Write as _;
use std::path::Path;

use mailsift_spam_core::bayes::{self, Params};
use mailsift_spam_core::starting::StartingModel;
use mailsift_spam_core::{grams, html, logistic, rules, score, tokenize, Input};

/// Variants of the corpus messages pinned besides the messages themselves (fixed seed).
const VARIANTS: usize = 300;

fn fnv(h: u64, bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .fold(h, |h, b| (h ^ *b as u64).wrapping_mul(0x100000001b3))
}

/// One line: digest of tokens, features and rule hits, then the learnt probabilities and the
/// score as the plugin computes it for a recipient without an account model.
fn line(input: &Input<'_>, model: &StartingModel<'_>) -> String {
    // As the plugin does: the HTML parsed once for the tokenizer and the rules.
    let parsed = input.html.map(html::parse);
    let all = tokenize::all_tokens_with(input, parsed.as_ref());
    let tokens = tokenize::tokens_with(input, parsed.as_ref());
    let features = grams::features(input);
    let hits = rules::check_with(input, parsed.as_ref());
    assert_eq!(
        tokens,
        tokenize::tokens(input),
        "a shared parse changes nothing"
    );
    assert_eq!(hits, rules::check(input), "a shared parse changes nothing");
    let mut h = 0xcbf29ce484222325u64;
    for t in &all {
        h = fnv(h, t.as_bytes());
        h = fnv(h, &[0]);
    }
    h = fnv(h, &[1]);
    for t in &tokens {
        h = fnv(h, t.as_bytes());
        h = fnv(h, &[0]);
    }
    h = fnv(h, &[1]);
    for f in &features {
        h = fnv(h, &f.to_le_bytes());
    }
    h = fnv(h, &[1]);
    for hit in &hits {
        h = fnv(h, hit.name.as_bytes());
        h = fnv(h, &hit.weight.to_le_bytes());
    }
    let totals = model.totals();
    let counts: Vec<_> = tokens.iter().map(|t| model.counts(t)).collect();
    let b = bayes::classify(&tokens, |i| counts[i], totals, &Params::default());
    let weights = model.weights();
    let lr = logistic::probability(&[&weights], &features);
    let in_place =
        logistic::probability_of_sums([model.weight_sum(&features)].into_iter(), &features);
    assert_eq!(
        lr.to_bits(),
        in_place.to_bits(),
        "the starting model read in place"
    );
    let lr = lr as f64;
    let learnt = score::learnt(b.probability, lr, b.telling, score::FULL_CLUES);
    let mut s = 5.0 + (learnt - 5.0) * score::maturity(totals.spam, totals.ham);
    s += hits.iter().map(|h| h.weight).sum::<f64>();
    format!(
        "{h:016x} t={} f={} bayes={:.9} logit={:.9} score={:.1}",
        tokens.len(),
        features.len(),
        b.probability,
        lr,
        (s * 10.0).round() / 10.0
    )
}

fn naive_line(raw: &[u8], model: &StartingModel<'_>) -> String {
    let (headers, body) = robust_inputs::naive_split(raw);
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
        text: None,
        html: Some(&body),
        attachments: vec![(get("subject"), "application/octet-stream")],
        spf: "fail",
        dkim: "none",
        dmarc: "",
    };
    let as_html = line(&input, model);
    let input = Input {
        text: Some(&body),
        ..input
    };
    format!("{as_html} | {}", line(&input, model))
}

/// Everything pinned, one line per input.
pub fn pinned() -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let model_bytes = std::fs::read(root.join("plugins/spam/model/starting-model.bin"))
        .expect("the bundled starting model");
    let model = StartingModel::parse(&model_bytes).expect("a starting model");
    let inputs = robust_inputs::inputs(
        &root.join("tests/corpus"),
        VARIANTS,
        robust_inputs::DEFAULT_SEED,
    );
    let mut out = String::new();
    for i in &inputs {
        let viewed = match common::view_bytes(&i.raw) {
            Some(v) => line(&v.input(), &model),
            None => "unparsed".to_string(),
        };
        let naive = naive_line(&i.raw, &model);
        let _ = writeln!(out, "{}\t{viewed}\t{naive}", i.name.replace('\t', " "));
    }
    out
}

#[test]
fn tokens_features_rules_and_scores_are_pinned() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/pinned/spam.txt");
    let now = pinned();
    if std::env::var_os("PIN_UPDATE").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &now).unwrap();
        return;
    }
    let before = std::fs::read_to_string(&path).expect("tests/pinned/spam.txt (PIN_UPDATE=1)");
    let differ: Vec<String> = before
        .lines()
        .zip(now.lines())
        .filter(|(a, b)| a != b)
        .take(5)
        .map(|(a, b)| format!("pinned: {a}\n   now: {b}"))
        .collect();
    assert!(
        differ.is_empty(),
        "the filter's view of some messages changed:\n{}",
        differ.join("\n")
    );
    assert_eq!(before.lines().count(), now.lines().count(), "inputs differ");
    assert!(now.lines().count() > 1000);
}
