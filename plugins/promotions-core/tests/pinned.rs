//! Pins the classifier's answer (category, score and reasons) for real and hostile mail, so that
//! making the text scanning cheaper cannot change a verdict unnoticed (issue 19). For every
//! message of the robustness inputs (the corpus under tests/corpus, the hostile messages of
//! tests/support/robust_inputs.rs and seeded variants), read both as the host's view and split
//! naively (odd bodies as text and as HTML), the summary line is compared with
//! `tests/pinned/promotions.txt`. Regenerate with `PIN_UPDATE=1 cargo test -p promotions-core
//! --test pinned` only for a deliberate change of the classifier.

#[allow(dead_code)]
#[path = "../../spam-core/examples/common/mod.rs"]
mod common;
#[path = "../../../tests/support/robust_inputs.rs"]
mod robust_inputs;

use std::fmt::Write as _;
use std::path::Path;

use promotions_core::{classify, Config, Email};

const VARIANTS: usize = 300;

fn answer(email: &Email<'_>, config: &Config) -> String {
    let c = classify(email, config);
    format!("{} [{}]", c.summary(), c.score)
}

fn pinned() -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let config = Config::default();
    let inputs = robust_inputs::inputs(
        &root.join("tests/corpus"),
        VARIANTS,
        robust_inputs::DEFAULT_SEED,
    );
    let mut out = String::new();
    for i in &inputs {
        let viewed = match common::view_bytes(&i.raw) {
            Some(v) => answer(
                &Email {
                    headers: v
                        .headers
                        .iter()
                        .map(|(a, b)| (a.as_str(), b.as_str()))
                        .collect(),
                    subject: &v.subject,
                    from: v.from.first().map(String::as_str),
                    text: v.text.as_deref(),
                    html: v.html.as_deref(),
                    attachment_types: v.attachments.iter().map(|(_, c)| c.as_str()).collect(),
                },
                &config,
            ),
            None => "unparsed".to_string(),
        };
        let (headers, body) = robust_inputs::naive_split(&i.raw);
        let get = |name: &str| {
            headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
        };
        let email = Email {
            headers: headers
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_str()))
                .collect(),
            subject: get("subject").unwrap_or(""),
            from: get("from"),
            text: Some(&body),
            html: None,
            attachment_types: vec!["application/octet-stream"],
        };
        let as_text = answer(&email, &config);
        let as_html = answer(
            &Email {
                text: None,
                html: Some(&body),
                ..email
            },
            &config,
        );
        let _ = writeln!(
            out,
            "{}\t{viewed}\t{as_text}\t{as_html}",
            i.name.replace('\t', " ")
        );
    }
    out
}

#[test]
fn classifications_are_pinned() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/pinned/promotions.txt");
    let now = pinned();
    if std::env::var_os("PIN_UPDATE").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &now).unwrap();
        return;
    }
    let before =
        std::fs::read_to_string(&path).expect("tests/pinned/promotions.txt (PIN_UPDATE=1)");
    let differ: Vec<String> = before
        .lines()
        .zip(now.lines())
        .filter(|(a, b)| a != b)
        .take(5)
        .map(|(a, b)| format!("pinned: {a}\n   now: {b}"))
        .collect();
    assert!(
        differ.is_empty(),
        "the classifier's answer for some messages changed:\n{}",
        differ.join("\n")
    );
    assert_eq!(before.lines().count(), now.lines().count(), "inputs differ");
    assert!(now.lines().count() > 1000);
}
