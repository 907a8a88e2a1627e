//! Native experiment harness (not the product's evaluation, which is `mailsift spam eval` with
//! the real plugin). Usage:
//!   cargo run --release -p mailsift-spam-core --example eval -- CORPUS_DIR [--no-rules]
//! CORPUS_DIR holds train.list and test.list ("spam|ham RELATIVE_PATH" per line), as written by
//! scripts/fetch-spam-corpus.sh. By default it trains on train.list and scores test.list;
//! with CV=K it runs K-fold cross-validation inside train.list only, which is what tuning uses
//! (the test split is looked at once, for the record). Env: S, MINS, MAXT (Bayes parameters),
//! DEBUG (print misclassified messages' clues), TAIL (list the worst ham and spam).

use std::collections::HashMap;
use std::path::PathBuf;

use mail_parser::{MimeHeaders, PartType};
use mailsift_spam_core::bayes::{self, Counts, Params};
use mailsift_spam_core::{rules, tokenize, Input};

fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf29ce484222325, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100000001b3)
    })
}

struct Sample {
    tokens: Vec<String>,
    /// Hashed byte 4-grams of the start of the raw message (Goodman & Yih / Sculley style).
    grams: Vec<u32>,
    spam: bool,
    rules: f64,
    name: String,
    fold: u64,
}

/// The host's view of a message (src/plugins/view.rs), rebuilt here — a deliberate copy of
/// the server's code, because this MIT/Apache workspace cannot depend on the AGPL server
/// crate (nor pull wasmtime into a plugin's examples) — so that the harness sees
/// what the plugin sees: unfolded, RFC 2047-decoded header values; only real text and HTML
/// parts as bodies (joined); attachments including named inline text parts and the parts of
/// attached messages.
fn join_bodies(p: &mail_parser::Message<'_>, ids: &[u32], html: bool) -> Option<String> {
    let mut out: Option<String> = None;
    for id in ids {
        let text = match p.part(*id).map(|part| &part.body) {
            Some(PartType::Text(t)) if !html => t,
            Some(PartType::Html(t)) if html => t,
            _ => continue,
        };
        let s = out.get_or_insert_with(String::new);
        if !s.is_empty() {
            s.push('\n');
        }
        s.push_str(text);
    }
    out
}

fn flatten_attachments(
    p: &mail_parser::Message<'_>,
    depth: usize,
    out: &mut Vec<(Option<String>, String)>,
) {
    let mut ids: Vec<u32> = p.attachments.clone();
    ids.extend(p.text_body.iter().chain(&p.html_body).filter(|id| {
        p.part(**id)
            .is_some_and(|part| part.attachment_name().is_some())
    }));
    ids.sort_unstable();
    ids.dedup();
    for part in ids.into_iter().filter_map(|id| p.part(id)) {
        let ct = part
            .content_type()
            .map(|c| match c.subtype() {
                Some(s) => format!("{}/{}", c.ctype(), s),
                None => c.ctype().to_string(),
            })
            .unwrap_or_else(|| match part.body {
                PartType::Message(_) => "message/rfc822".into(),
                PartType::Text(_) => "text/plain".into(),
                PartType::Html(_) => "text/html".into(),
                _ => "application/octet-stream".into(),
            })
            .to_ascii_lowercase();
        out.push((part.attachment_name().map(String::from), ct));
        if let PartType::Message(inner) = &part.body {
            if depth < 8 {
                flatten_attachments(inner, depth + 1, out);
            }
        }
    }
}

fn decode_encoded_words(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut out = String::with_capacity(raw.len());
    let mut pending_ws = String::new();
    let mut after_word = false;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && bytes.get(i + 1) == Some(&b'?') {
            let mut stream = mail_parser::parsers::MessageStream::new(&bytes[i + 1..]);
            if let Some(text) = stream.decode_rfc2047() {
                if !after_word {
                    out.push_str(&pending_ws);
                }
                pending_ws.clear();
                out.push_str(&text);
                i += 1 + stream.offset();
                after_word = true;
                continue;
            }
        }
        let Some(c) = raw[i..].chars().next() else {
            break;
        };
        if c == ' ' || c == '\t' {
            pending_ws.push(c);
        } else {
            out.push_str(&pending_ws);
            pending_ws.clear();
            out.push(c);
            after_word = false;
        }
        i += c.len_utf8();
    }
    out.push_str(&pending_ws);
    out
}

fn load(path: &PathBuf, spam: bool, use_rules: bool, fold: u64) -> Option<Sample> {
    let raw = std::fs::read(path).ok()?;
    let m = mail_parser::MessageParser::default().parse(&raw[..])?;
    let headers: Vec<(String, String)> = m
        .headers()
        .iter()
        .map(|h| {
            let v =
                String::from_utf8_lossy(&raw[h.offset_start() as usize..h.offset_end() as usize])
                    .replace("\r\n", "")
                    .replace('\n', "")
                    .trim()
                    .to_string();
            (h.name().to_string(), decode_encoded_words(&v))
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
    let text = join_bodies(&m, &m.text_body, false);
    let html = join_bodies(&m, &m.html_body, true);
    let subject = m.subject().unwrap_or("").to_string();
    let mut attachments = Vec::new();
    flatten_attachments(&m, 0, &mut attachments);
    let input = Input {
        headers: headers
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect(),
        subject: &subject,
        from: from.iter().map(String::as_str).collect(),
        text: text.as_deref(),
        html: html.as_deref(),
        attachments: attachments
            .iter()
            .map(|(n, c)| (n.as_deref(), c.as_str()))
            .collect(),
        spf: "none",
        dkim: "none",
        dmarc: "none",
    };
    // DROP=prefix,prefix: leave out tokens starting with these (feature ablation).
    let drop: Vec<String> = std::env::var("DROP")
        .map(|d| {
            d.split(',')
                .filter(|p| !p.is_empty())
                .map(String::from)
                .collect()
        })
        .unwrap_or_default();
    let view_grams = mailsift_spam_core::grams::features(&input);
    let tokens: Vec<String> = tokenize::tokens(&input)
        .into_iter()
        .filter(|t| !drop.iter().any(|p| t.starts_with(p.as_str())))
        .collect();
    let rules = if use_rules {
        rules::check(&input).iter().map(|h| h.weight).sum()
    } else {
        0.0
    };
    let name = format!(
        "{}/{}",
        path.parent()?.file_name()?.to_string_lossy(),
        path.file_name()?.to_string_lossy()
    );
    // NBUCKETS=n: fold the features into fewer buckets (to measure collisions' cost).
    let mut grams: Vec<u32> = match env("NBUCKETS") {
        Some(n) => view_grams.iter().map(|g| g % n as u32).collect(),
        None => view_grams,
    };
    grams.sort_unstable();
    grams.dedup();
    Some(Sample {
        tokens,
        grams,
        spam,
        rules,
        name,
        fold,
    })
}

fn env(k: &str) -> Option<f64> {
    std::env::var(k).ok().and_then(|v| v.parse::<f64>().ok())
}

/// Scores of `test` by a Bayes model trained on `train` (10 × probability + rules).
fn bayes_scores(train: &[&Sample], test: &[&Sample]) -> Vec<f64> {
    let mut counts: HashMap<&str, Counts> = HashMap::new();
    let mut totals = Counts::default();
    let one = |spam: bool| {
        if spam {
            Counts { spam: 1, ham: 0 }
        } else {
            Counts { spam: 0, ham: 1 }
        }
    };
    // TUNE=m: train on mistakes and unsure messages only (SpamBayes' "train on unsure"): in a
    // shuffled order, a message is learnt only while the model is not yet right about it by a
    // margin m (probability within m of the wrong side), repeated for TUNEPASSES passes.
    match env("TUNE") {
        Some(margin) => {
            let mut order: Vec<usize> = (0..train.len()).collect();
            order.sort_by_key(|i| fnv(&format!("{i}")));
            let mut learnt = vec![false; train.len()];
            let p0 = Params::default();
            for _ in 0..env("TUNEPASSES").unwrap_or(3.0) as usize {
                for &i in &order {
                    if learnt[i] {
                        continue;
                    }
                    let s = train[i];
                    let pr = if totals.spam > 0 && totals.ham > 0 {
                        bayes::classify(
                            &s.tokens,
                            |j| {
                                counts
                                    .get(s.tokens[j].as_str())
                                    .copied()
                                    .unwrap_or_default()
                            },
                            totals,
                            &p0,
                        )
                        .probability
                    } else {
                        0.5
                    };
                    let wrongness = if s.spam { 1.0 - pr } else { pr };
                    if wrongness >= margin {
                        learnt[i] = true;
                        totals = totals.saturating_add(one(s.spam));
                        for t in &s.tokens {
                            let c = counts.entry(t.as_str()).or_default();
                            *c = c.saturating_add(one(s.spam));
                        }
                    }
                }
            }
            eprintln!(
                "tune: learnt {} of {}",
                learnt.iter().filter(|l| **l).count(),
                train.len()
            );
        }
        None => {
            for s in train {
                totals = totals.saturating_add(one(s.spam));
                for t in &s.tokens {
                    let c = counts.entry(t.as_str()).or_default();
                    *c = c.saturating_add(one(s.spam));
                }
            }
        }
    }
    let mut p = Params::default();
    if let Some(v) = env("S") {
        p.strength = v;
    }
    if let Some(v) = env("MINS") {
        p.min_strength = v;
    }
    if let Some(v) = env("MAXT") {
        p.max_tokens = v as usize;
    }
    test.iter()
        .map(|s| {
            let c = bayes::classify(
                &s.tokens,
                |i| {
                    counts
                        .get(s.tokens[i].as_str())
                        .copied()
                        .unwrap_or_default()
                },
                totals,
                &p,
            );
            let score = 10.0 * c.probability + s.rules;
            if std::env::var("DEBUG").is_ok()
                && ((s.spam && score < 6.0) || (!s.spam && score >= 4.0))
            {
                println!(
                    "{} {} score {score:.2} clues {:?}",
                    if s.spam { "FN" } else { "FP" },
                    s.name,
                    c.clues
                        .iter()
                        .map(|(t, f)| format!("{t}={f:.2}"))
                        .collect::<Vec<_>>()
                );
            }
            score
        })
        .collect()
}

/// The product's logistic model (`logistic`, over `grams` features): PASSES passes over the
/// training set in a fixed shuffled order (what `mailsift spam train --passes` does).
fn lr_scores(train: &[&Sample], test: &[&Sample]) -> Vec<f64> {
    use mailsift_spam_core::logistic::{self, Weights};
    let passes = env("PASSES").unwrap_or(20.0) as usize;
    let mut w = Weights::default();
    let mut order: Vec<usize> = (0..train.len()).collect();
    order.sort_by_key(|i| fnv(&format!("{i}")));
    for _ in 0..passes {
        for &i in &order {
            logistic::learn(&mut w, &[], &train[i].grams, train[i].spam);
        }
    }
    test.iter()
        .map(|s| 10.0 * logistic::probability(&[&w], &s.grams) as f64 + s.rules)
        .collect()
}

struct Metrics {
    auc: f64,
    fp_at_97: usize,
    fpr_at_97: f64,
    threshold_at_97: f64,
}

fn metrics(scored: &[(f64, bool)]) -> Metrics {
    let mut sorted = scored.to_vec();
    sorted.sort_by(|a, b| b.0.partial_cmp(&a.0).unwrap());
    let nspam = sorted.iter().filter(|s| s.1).count();
    let nham = sorted.len() - nspam;
    let mut hams_below = nham as f64;
    let mut auc = 0.0;
    for (_, y) in &sorted {
        if *y {
            auc += hams_below;
        } else {
            hams_below -= 1.0;
        }
    }
    let need = (0.97 * nspam as f64).ceil() as usize;
    let (mut tp, mut fp, mut th) = (0, 0, 0.0);
    for (s, y) in &sorted {
        if *y {
            tp += 1;
        } else {
            fp += 1;
        }
        if tp >= need {
            th = *s;
            break;
        }
    }
    // Ham tied with the threshold counts as a false positive too.
    let fp = fp.max(sorted.iter().filter(|(s, y)| !*y && *s >= th).count());
    Metrics {
        auc: auc / (nspam as f64 * nham as f64),
        fp_at_97: fp,
        fpr_at_97: 100.0 * fp as f64 / nham as f64,
        threshold_at_97: th,
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dir = PathBuf::from(&args[1]);
    let use_rules = !args.iter().any(|a| a == "--no-rules");
    let read_list = |name: &str| -> Vec<(PathBuf, bool)> {
        std::fs::read_to_string(dir.join(name))
            .unwrap()
            .lines()
            .filter_map(|l| l.split_once(' '))
            .map(|(label, path)| (dir.join(path), label == "spam"))
            .collect()
    };
    let cv: Option<u64> = env("CV").map(|k| k as u64);
    let mut samples = Vec::new();
    for (path, spam) in read_list("train.list") {
        let fold = match cv {
            Some(k) => fnv(&path.to_string_lossy()) % k,
            None => u64::MAX,
        };
        samples.extend(load(&path, spam, use_rules, fold));
    }
    if cv.is_none() {
        for (path, spam) in read_list("test.list") {
            samples.extend(load(&path, spam, use_rules, 0));
        }
    }
    let folds: Vec<u64> = match cv {
        Some(k) => (0..k).collect(),
        None => vec![0],
    };
    let mut scored: Vec<(f64, bool, usize)> = Vec::new();
    for f in folds {
        let train: Vec<&Sample> = samples.iter().filter(|s| s.fold != f).collect();
        let test_idx: Vec<usize> = (0..samples.len())
            .filter(|&i| samples[i].fold == f)
            .collect();
        let test: Vec<&Sample> = test_idx.iter().map(|&i| &samples[i]).collect();
        let model = std::env::var("MODEL").unwrap_or_else(|_| "bayes".into());
        let scores = match model.as_str() {
            "lr" => lr_scores(&train, &test),
            "mix" => {
                let mix = env("MIX").unwrap_or(0.5);
                bayes_scores(&train, &test)
                    .into_iter()
                    .zip(lr_scores(&train, &test))
                    .zip(&test)
                    .map(|((b, l), s)| mix * (b - s.rules) + (1.0 - mix) * (l - s.rules) + s.rules)
                    .collect()
            }
            _ => bayes_scores(&train, &test),
        };
        scored.extend(
            scores
                .into_iter()
                .zip(test_idx)
                .map(|(s, i)| (s, samples[i].spam, i)),
        );
    }
    let nspam = scored.iter().filter(|s| s.1).count();
    let nham = scored.len() - nspam;
    println!(
        "{}: scored {} (spam {nspam}, ham {nham})",
        if cv.is_some() {
            "cross-validation on train.list"
        } else {
            "train.list → test.list"
        },
        scored.len()
    );
    for th in [4.0, 5.0, 6.0, 6.5, 6.8, 7.0, 7.5, 8.0, 9.0] {
        let tp = scored.iter().filter(|(s, y, _)| *y && *s >= th).count();
        let fp = scored.iter().filter(|(s, y, _)| !*y && *s >= th).count();
        println!(
            "threshold {th:4.1}: recall {:.4} FPR {:.3}% ({fp} FP)",
            tp as f64 / nspam as f64,
            100.0 * fp as f64 / nham as f64,
        );
    }
    let m = metrics(&scored.iter().map(|(s, y, _)| (*s, *y)).collect::<Vec<_>>());
    println!(
        "ROC AUC {:.5}; at recall 0.97: threshold {:.3}, {} FP = FPR {:.3}%",
        m.auc, m.threshold_at_97, m.fp_at_97, m.fpr_at_97
    );
    if std::env::var("TAIL").is_ok() {
        let mut by_score = scored.clone();
        by_score.sort_by(|a, b| b.0.partial_cmp(&a.0).unwrap());
        for (s, _, i) in by_score.iter().filter(|x| !x.1).take(10) {
            println!("top ham {s:.3} {}", samples[*i].name);
        }
        for (s, _, i) in by_score
            .iter()
            .rev()
            .filter(|x| x.1)
            .take(env("NLOW").unwrap_or(25.0) as usize)
        {
            println!("low spam {s:.3} {}", samples[*i].name);
        }
    }
}
