//! Native experiment harness (not the product's evaluation, which is `mailsift spam eval` with
//! the real plugin): trains on 70% of a labelled corpus, scores the other 30%, prints metrics at
//! several thresholds. Usage: cargo run --release --example eval -- CORPUS_DIR [--no-rules]
//! where CORPUS_DIR holds spam-*/ and *ham*/ folders of messages.

use std::collections::HashMap;
use std::path::PathBuf;

use mailsift_spam_core::bayes::{self, Counts, Params};
use mailsift_spam_core::{rules, tokenize, Input};

fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf29ce484222325, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100000001b3)
    })
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dir = PathBuf::from(&args[1]);
    let use_rules = !args.iter().any(|a| a == "--no-rules");
    let mut files = Vec::new();
    for sub in std::fs::read_dir(&dir).unwrap() {
        let sub = sub.unwrap().path();
        if !sub.is_dir() {
            continue;
        }
        let spam = sub
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("spam");
        for f in std::fs::read_dir(&sub).unwrap() {
            let f = f.unwrap().path();
            if f.extension().is_some_and(|e| e == "txt") {
                files.push((f, spam));
            }
        }
    }
    files.sort();
    let parser = mail_parser::MessageParser::default();
    let mut train = Vec::new();
    let mut test = Vec::new();
    for (path, spam) in &files {
        let raw = std::fs::read(path).unwrap();
        let Some(m) = parser.parse(&raw[..]) else {
            continue;
        };
        let headers: Vec<(String, String)> = m
            .headers()
            .iter()
            .map(|h| {
                let v = String::from_utf8_lossy(
                    &raw[h.offset_start() as usize..h.offset_end() as usize],
                );
                (
                    h.name().to_string(),
                    v.split_whitespace().collect::<Vec<_>>().join(" "),
                )
            })
            .collect();
        let from: Vec<String> = m
            .from()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.address())
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default();
        let text = m.body_text(0).map(|t| t.into_owned());
        let html = m.body_html(0).map(|t| t.into_owned());
        let text = if m.text_body.is_empty() { None } else { text };
        let html = if m.html_body.is_empty() || m.html_body == m.text_body {
            None
        } else {
            html
        };
        let subject = m.subject().unwrap_or("").to_string();
        let input = Input {
            headers: headers
                .iter()
                .map(|(a, b)| (a.as_str(), b.as_str()))
                .collect(),
            subject: &subject,
            from: from.iter().map(String::as_str).collect(),
            text: text.as_deref(),
            html: html.as_deref(),
            attachments: Vec::new(),
            spf: "none",
            dkim: "none",
            dmarc: "none",
        };
        let toks = tokenize::tokens(&input);
        let rule_score: f64 = if use_rules {
            rules::check(&input).iter().map(|h| h.weight).sum()
        } else {
            0.0
        };
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if fnv(&name) % 10 < 3 {
            test.push((
                toks,
                *spam,
                rule_score,
                name.clone(),
                path.parent()
                    .unwrap()
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .to_string(),
            ));
        } else {
            train.push((toks, *spam));
        }
    }
    let mut counts: HashMap<String, Counts> = HashMap::new();
    let mut totals = Counts::default();
    for (toks, spam) in &train {
        let one = if *spam {
            Counts { spam: 1, ham: 0 }
        } else {
            Counts { spam: 0, ham: 1 }
        };
        totals = totals.add(one);
        for t in toks {
            let c = counts.entry(t.clone()).or_default();
            *c = c.add(one);
        }
    }
    let mut p = Params::default();
    let env = |k: &str| std::env::var(k).ok().and_then(|v| v.parse::<f64>().ok());
    if let Some(v) = env("S") {
        p.strength = v;
    }
    if let Some(v) = env("MINS") {
        p.min_strength = v;
    }
    if let Some(v) = env("MAXT") {
        p.max_tokens = v as usize;
    }
    let mut scored: Vec<(f64, bool)> = test
        .iter()
        .map(|(toks, spam, rs, name, dir)| {
            let c = bayes::classify(
                toks,
                |i| counts.get(&toks[i]).copied().unwrap_or_default(),
                totals,
                &p,
            );
            let score = 10.0 * c.probability + rs;
            if std::env::var("DEBUG").is_ok()
                && ((*spam && score < 9.0) || (!*spam && score >= 5.0))
            {
                println!(
                    "{} {dir}/{name} score {score:.2} clues {:?}",
                    if *spam { "FN" } else { "FP" },
                    c.clues
                        .iter()
                        .take(8)
                        .map(|(t, f)| format!("{t}={f:.2}"))
                        .collect::<Vec<_>>()
                );
            }
            (score, *spam)
        })
        .collect();
    if let Some(epochs) = env("LR") {
        // Logistic regression over the same tokens, trained online (SGD), `epochs` passes.
        let lr = env("RATE").unwrap_or(0.05);
        let mut w: HashMap<String, f64> = HashMap::new();
        let mut order: Vec<usize> = (0..train.len()).collect();
        // A fixed shuffle (spam and ham interleaved as mail arrives).
        order.sort_by_key(|i| fnv(&format!("{i}")));
        for _ in 0..(epochs as usize) {
            for &i in &order {
                let (toks, spam) = &train[i];
                let z: f64 = toks.iter().map(|t| w.get(t).copied().unwrap_or(0.0)).sum();
                let pr = 1.0 / (1.0 + (-z).exp());
                let g = (if *spam { 1.0 } else { 0.0 }) - pr;
                for t in toks {
                    *w.entry(t.clone()).or_default() += lr * g;
                }
            }
        }
        let mix = env("MIX").unwrap_or(0.0);
        scored = test
            .iter()
            .zip(scored.iter())
            .map(|((toks, spam, rs, _, _), (nb, _))| {
                let z: f64 = toks.iter().map(|t| w.get(t).copied().unwrap_or(0.0)).sum();
                let lr = 10.0 / (1.0 + (-z).exp());
                (mix * (nb - rs) + (1.0 - mix) * lr + rs, *spam)
            })
            .collect();
    }
    let (nspam, nham) = (
        scored.iter().filter(|s| s.1).count(),
        scored.iter().filter(|s| !s.1).count(),
    );
    println!(
        "train {} (spam {}), test {} (spam {nspam}, ham {nham})",
        train.len(),
        totals.spam,
        scored.len()
    );
    for th in [3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 9.5] {
        let tp = scored.iter().filter(|(s, y)| *y && *s >= th).count();
        let fp = scored.iter().filter(|(s, y)| !*y && *s >= th).count();
        println!(
            "threshold {th:4.1}: recall {:.4} FPR {:.4}% ({fp} FP) precision {:.4}",
            tp as f64 / nspam as f64,
            100.0 * fp as f64 / nham as f64,
            tp as f64 / (tp + fp).max(1) as f64
        );
    }
    if std::env::var("TAIL").is_ok() {
        let mut idx: Vec<usize> = (0..scored.len()).collect();
        idx.sort_by(|&a, &b| scored[b].0.partial_cmp(&scored[a].0).unwrap());
        for &i in idx.iter().filter(|&&i| !scored[i].1).take(8) {
            println!("top ham {:.3} {}/{}", scored[i].0, test[i].4, test[i].3);
        }
        for &i in idx.iter().rev().filter(|&&i| scored[i].1).take(20) {
            println!("low spam {:.3} {}/{}", scored[i].0, test[i].4, test[i].3);
        }
    }
    scored.sort_by(|a, b| b.0.partial_cmp(&a.0).unwrap());
    // AUC: probability a random spam outscores a random ham.
    let mut hams_below = nham as f64;
    let mut auc = 0.0;
    for (_, y) in &scored {
        if *y {
            auc += hams_below;
        } else {
            hams_below -= 1.0;
        }
    }
    println!("ROC AUC {:.5}", auc / (nspam as f64 * nham as f64));
    let need = (0.97 * nspam as f64).ceil() as usize;
    let (mut tp, mut fp) = (0, 0);
    for (s, y) in &scored {
        if *y {
            tp += 1;
        } else {
            fp += 1;
        }
        if tp >= need {
            println!(
                "at recall 0.97: threshold {s:.4}, FP {fp} = FPR {:.3}%",
                100.0 * fp as f64 / nham as f64
            );
            break;
        }
    }
    let worst: Vec<_> = test.iter().zip(scored.iter()).take(0).collect();
    let _ = worst;
}
