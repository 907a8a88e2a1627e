//! Native experiment harness (the product's evaluation is `scripts/eval-spam.sh`, which runs
//! the real component through `mailsift spam eval`). Usage:
//!   cargo run --release -p mailsift-spam-core --example eval -- CORPUS_DIR [--no-rules]
//! CORPUS_DIR holds train.list and test.list ("spam|ham RELATIVE_PATH" per line), as written by
//! scripts/fetch-spam-corpus.sh. By default it trains on train.list and scores test.list;
//! with CV=K it runs K-fold cross-validation inside train.list only, which is what tuning uses
//! (the test split is looked at once, for the record).
//!
//! Modern mail: MODERN_HAM and MODERN_SPAM (comma-separated folders, read recursively) are
//! scored by the same trained model, and the share filed as spam at the plugin's threshold is
//! printed. STARTING=path scores everything with a starting model file instead of training;
//! with ON_TOP=1 it trains on top of it, as the plugin's `mailsift spam train` does.
//!
//! Env: S, MINC, MINS, MAXT (Bayes parameters), DROP (token prefixes left out), PASSES,
//! DEBUG (print misclassified messages' clues), TAIL (list the worst ham and spam).

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use mailsift_spam_core::bayes::{self, Counts, Params};
use mailsift_spam_core::logistic::{self, Weights};
use mailsift_spam_core::starting::{self, StartingModel};
use mailsift_spam_core::{grams, rules, score, tokenize};

fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf29ce484222325, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100000001b3)
    })
}

struct Sample {
    tokens: Vec<String>,
    grams: Vec<u32>,
    spam: bool,
    rules: f64,
    rule_names: Vec<&'static str>,
    name: String,
    fold: u64,
}

fn load(path: &Path, spam: bool, use_rules: bool, fold: u64) -> Option<Sample> {
    let v = common::view(path)?;
    let input = v.input();
    let drop: Vec<String> = std::env::var("DROP")
        .map(|d| {
            d.split(',')
                .filter(|p| !p.is_empty())
                .map(String::from)
                .collect()
        })
        .unwrap_or_default();
    // ALL_TOKENS=1: the dated token kinds too (the model before issue 15).
    let all = if std::env::var("ALL_TOKENS").is_ok() {
        tokenize::all_tokens(&input)
    } else {
        tokenize::tokens(&input)
    };
    let tokens: Vec<String> = all
        .into_iter()
        .filter(|t| !drop.iter().any(|p| t.starts_with(p.as_str())))
        .collect();
    let hits = rules::check(&input);
    // RULEW=NAME:WEIGHT,…: try other weights for named rules.
    let rulew: Vec<(String, f64)> = std::env::var("RULEW")
        .map(|d| {
            d.split(',')
                .filter_map(|p| p.split_once(':'))
                .filter_map(|(n, w)| Some((n.to_string(), w.parse().ok()?)))
                .collect()
        })
        .unwrap_or_default();
    let rules = if use_rules {
        hits.iter()
            .map(|h| {
                rulew
                    .iter()
                    .find(|(n, _)| n == h.name)
                    .map_or(h.weight, |(_, w)| *w)
            })
            .sum()
    } else {
        0.0
    };
    let name = format!(
        "{}/{}",
        path.parent()?.file_name()?.to_string_lossy(),
        path.file_name()?.to_string_lossy()
    );
    Some(Sample {
        tokens,
        grams: match std::env::var("GRAMS").as_deref() {
            Ok("body") | Ok("light") => {
                let mut src = Vec::new();
                if std::env::var("GRAMS").as_deref() == Ok("light") {
                    for n in ["Subject", "From"] {
                        if let Some(v) = input.header(n) {
                            src.extend_from_slice(format!("{n}: {v}\n").as_bytes());
                        }
                    }
                    src.push(b'\n');
                }
                match (input.text, input.html) {
                    (Some(t), _) => src.extend_from_slice(t.as_bytes()),
                    (None, Some(h)) => {
                        src.extend_from_slice(mailsift_spam_core::html::parse(h).text.as_bytes())
                    }
                    _ => {}
                }
                src.truncate(grams::BYTES);
                grams::features_of(&src)
            }
            Ok("raw") => {
                let mut src = Vec::new();
                for (n, v) in &input.headers {
                    src.extend_from_slice(format!("{n}: {v}\n").as_bytes());
                }
                src.push(b'\n');
                if let Some(b) = input.text.or(input.html) {
                    src.extend_from_slice(b.as_bytes());
                }
                src.truncate(grams::BYTES);
                grams::features_of(&src)
            }
            _ => grams::features(&input),
        },
        spam,
        rules,
        rule_names: hits.iter().map(|h| h.name).collect(),
        name,
        fold,
    })
}

fn env(k: &str) -> Option<f64> {
    std::env::var(k).ok().and_then(|v| v.parse::<f64>().ok())
}

fn params() -> Params {
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
    if let Some(v) = env("CLUES") {
        p.full_clues = v as usize;
    }
    if let Some(v) = env("MINC") {
        p.min_count = v as u32;
    }
    p
}

/// A trained model: Bayes counts and logistic weights (what the plugin stores).
struct Trained {
    counts: HashMap<String, Counts>,
    totals: Counts,
    weights: Weights,
}

fn one(spam: bool) -> Counts {
    if spam {
        Counts { spam: 1, ham: 0 }
    } else {
        Counts { spam: 0, ham: 1 }
    }
}

/// Bayes counts once per message; the logistic model PASSES passes in a fixed shuffled order
/// (what `mailsift spam train --passes` does).
fn train(samples: &[&Sample], fixed: Option<&Weights>) -> Trained {
    let mut counts: HashMap<String, Counts> = HashMap::new();
    let mut totals = Counts::default();
    for s in samples {
        totals = totals.saturating_add(one(s.spam));
        for t in &s.tokens {
            let c = counts.entry(t.clone()).or_default();
            *c = c.saturating_add(one(s.spam));
        }
    }
    let passes = env("PASSES").unwrap_or(20.0) as usize;
    let mut weights = Weights::default();
    let mut order: Vec<usize> = (0..samples.len()).collect();
    order.sort_by_key(|i| fnv(&format!("{i}")));
    for _ in 0..passes {
        for &i in &order {
            let fixed: Vec<&Weights> = fixed.into_iter().collect();
            logistic::learn(&mut weights, &fixed, &samples[i].grams, samples[i].spam);
        }
    }
    Trained {
        counts,
        totals,
        weights,
    }
}

enum Scorer<'a> {
    Trained(&'a Trained),
    Starting(&'a StartingModel<'a>, Weights),
    /// ON_TOP=1: trained on top of the starting model, as the plugin's `spam train` does.
    Stacked(&'a StartingModel<'a>, Weights, &'a Trained),
}

/// The plugin's score for one message (without rules when MODEL is bayes or lr alone).
fn score_of(m: &Scorer<'_>, s: &Sample, p: &Params) -> (f64, Vec<(String, f64)>) {
    let (c, lr) = match m {
        Scorer::Trained(t) => (
            bayes::classify(
                &s.tokens,
                |i| t.counts.get(&s.tokens[i]).copied().unwrap_or_default(),
                t.totals,
                p,
            ),
            logistic::probability(&[&t.weights], &s.grams) as f64,
        ),
        Scorer::Starting(sm, w) => (
            bayes::classify(&s.tokens, |i| sm.counts(&s.tokens[i]), sm.totals(), p),
            logistic::probability(&[w], &s.grams) as f64,
        ),
        Scorer::Stacked(sm, w, t) => (
            bayes::classify(
                &s.tokens,
                |i| {
                    sm.counts(&s.tokens[i])
                        .saturating_add(t.counts.get(&s.tokens[i]).copied().unwrap_or_default())
                },
                sm.totals().saturating_add(t.totals),
                p,
            ),
            logistic::probability(&[w, &t.weights], &s.grams) as f64,
        ),
    };
    // FAM=f0: pull the learnt score towards neutral when fewer than f0 of the message's tokens
    // are known to the model (experiment).
    let known = match m {
        Scorer::Trained(t) => s
            .tokens
            .iter()
            .filter(|x| {
                t.counts
                    .get(*x)
                    .is_some_and(|c| c.spam + c.ham >= p.min_count)
            })
            .count(),
        Scorer::Starting(sm, _) | Scorer::Stacked(sm, _, _) => s
            .tokens
            .iter()
            .filter(|x| {
                let c = sm.counts(x);
                c.spam + c.ham >= p.min_count
            })
            .count(),
    };
    let fam = known as f64 / s.tokens.len().max(1) as f64;
    if std::env::var("FAMPRINT").is_ok() {
        println!("fam {} {:.3}", if s.spam { "spam" } else { "ham" }, fam);
    }
    let model = std::env::var("MODEL").unwrap_or_else(|_| "mix".into());
    let learnt = match model.as_str() {
        "bayes" => 10.0 * c.probability,
        "lr" => 10.0 * lr,
        _ => {
            // LRW=w: the logistic model's share of the mix (the plugin: LOGISTIC_SHARE).
            score::learnt_with(
                c.probability,
                lr,
                c.telling,
                env("FULL").map(|v| v as usize).unwrap_or(score::FULL_CLUES),
                env("LRW").unwrap_or(score::LOGISTIC_SHARE),
            )
        }
    };
    let learnt = match env("FAM") {
        Some(f0) => 5.0 + (learnt - 5.0) * (fam / f0).min(1.0),
        None => learnt,
    };
    (learnt + s.rules, c.clues)
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
        auc: auc / (nspam as f64 * nham as f64).max(1.0),
        fp_at_97: fp,
        fpr_at_97: 100.0 * fp as f64 / (nham as f64).max(1.0),
        threshold_at_97: th,
    }
}

fn folders(var: &str) -> Vec<PathBuf> {
    std::env::var(var)
        .map(|v| {
            v.split(',')
                .filter(|p| !p.is_empty())
                .flat_map(|d| common::files_under(Path::new(d)))
                .collect()
        })
        .unwrap_or_default()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dir = PathBuf::from(&args[1]);
    let use_rules = !args.iter().any(|a| a == "--no-rules");
    let read_list = |name: &str| -> Vec<(PathBuf, bool)> {
        std::fs::read_to_string(dir.join(name))
            .unwrap_or_default()
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
    // EXTRA_TRAIN=list,list: more training messages (the modern corpus's training split).
    for list in std::env::var("EXTRA_TRAIN")
        .unwrap_or_default()
        .split(',')
        .filter(|l| !l.is_empty())
    {
        let base = Path::new(list)
            .parent()
            .unwrap_or(Path::new("."))
            .to_path_buf();
        for line in std::fs::read_to_string(list).unwrap_or_default().lines() {
            if let Some((label, path)) = line.split_once(' ') {
                samples.extend(load(
                    &base.join(path),
                    label == "spam",
                    use_rules,
                    u64::MAX - 1,
                ));
            }
        }
    }
    if cv.is_none() {
        for (path, spam) in read_list("test.list") {
            samples.extend(load(&path, spam, use_rules, 0));
        }
    }
    // MODERN_LISTS=list,list: labelled modern messages scored like MODERN_HAM/MODERN_SPAM.
    let mut listed: Vec<(PathBuf, bool)> = Vec::new();
    for list in std::env::var("MODERN_LISTS")
        .unwrap_or_default()
        .split(',')
        .filter(|l| !l.is_empty())
    {
        let base = Path::new(list)
            .parent()
            .unwrap_or(Path::new("."))
            .to_path_buf();
        for line in std::fs::read_to_string(list).unwrap_or_default().lines() {
            if let Some((label, path)) = line.split_once(' ') {
                listed.push((base.join(path), label == "spam"));
            }
        }
    }
    let mut modern_ham: Vec<Sample> = listed
        .iter()
        .filter(|(_, s)| !s)
        .filter_map(|(p, _)| load(p, false, use_rules, 0))
        .collect();
    let mut modern_spam: Vec<Sample> = listed
        .iter()
        .filter(|(_, s)| *s)
        .filter_map(|(p, _)| load(p, true, use_rules, 0))
        .collect();
    modern_ham.extend(
        folders("MODERN_HAM")
            .iter()
            .filter_map(|p| load(p, false, use_rules, 0)),
    );
    modern_spam.extend(
        folders("MODERN_SPAM")
            .iter()
            .filter_map(|p| load(p, true, use_rules, 0)),
    );
    let p = params();
    let threshold = env("THRESHOLD").unwrap_or(score::DEFAULT_THRESHOLD);
    let starting_bytes = std::env::var("STARTING")
        .ok()
        .map(|f| std::fs::read(f).expect("starting model file"));
    let starting = starting_bytes
        .as_deref()
        .map(|b| StartingModel::parse(b).expect("a valid starting model"));
    let folds: Vec<u64> = match cv {
        Some(k) => (0..k).collect(),
        None => vec![0],
    };
    let mut scored: Vec<(f64, bool, usize)> = Vec::new();
    let mut modern_scores: Vec<(f64, bool, usize)> = Vec::new();
    for f in folds {
        let train_set: Vec<&Sample> = samples.iter().filter(|s| s.fold != f).collect();
        let trained;
        let on_top = std::env::var("ON_TOP").is_ok();
        let scorer = match &starting {
            Some(sm) if on_top => {
                let w = sm.weights();
                trained = train(&train_set, Some(&w));
                Scorer::Stacked(sm, w, &trained)
            }
            Some(sm) => Scorer::Starting(sm, sm.weights()),
            None => {
                trained = train(&train_set, None);
                // SAVE=path: write the trained model as a starting model (train-model.sh).
                if let Ok(out) = std::env::var("SAVE") {
                    let bytes = starting::encode(
                        trained.totals,
                        trained.counts.iter().map(|(t, c)| (t.as_str(), *c)),
                        &trained.weights,
                        env("PRUNE_MINC").map(|v| v as u32).unwrap_or(p.min_count),
                        |c| {
                            (bayes::token_probability(c, trained.totals, &p) - 0.5).abs()
                                >= env("PRUNE_DEV").unwrap_or(p.min_strength)
                        },
                    );
                    std::fs::write(&out, &bytes).expect("write the starting model");
                    println!(
                        "wrote {out}: {} bytes, {} tokens",
                        bytes.len(),
                        StartingModel::parse(&bytes)
                            .map(|m| m.tokens())
                            .unwrap_or(0)
                    );
                }
                Scorer::Trained(&trained)
            }
        };
        for (i, s) in samples.iter().enumerate().filter(|(_, s)| s.fold == f) {
            let (score, clues) = score_of(&scorer, s, &p);
            if std::env::var("DEBUG").is_ok() && s.spam != (score >= threshold) {
                println!(
                    "{} {} {score:.2} {:?} {clues:?}",
                    s.spam, s.name, s.rule_names
                );
            }
            scored.push((score, s.spam, i));
        }
        if f == 0 {
            for (i, s) in modern_ham.iter().chain(&modern_spam).enumerate() {
                let (score, clues) = score_of(&scorer, s, &p);
                if std::env::var("MDEBUG").is_ok() && (s.spam != (score >= threshold)) {
                    println!(
                        "modern {} {} {score:.2} {:?} {:?}",
                        if s.spam { "spam" } else { "ham" },
                        s.name,
                        s.rule_names,
                        clues
                            .iter()
                            .map(|(t, f)| format!("{t}={f:.2}"))
                            .collect::<Vec<_>>()
                    );
                }
                modern_scores.push((score, s.spam, i));
            }
        }
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
    if nspam > 0 {
        let tp = scored
            .iter()
            .filter(|(s, y, _)| *y && *s >= threshold)
            .count();
        let fp = scored
            .iter()
            .filter(|(s, y, _)| !*y && *s >= threshold)
            .count();
        println!(
            "threshold {threshold:4.1}: recall {:.4} FPR {:.3}% ({fp} FP)",
            tp as f64 / nspam as f64,
            100.0 * fp as f64 / nham as f64,
        );
        let m = metrics(&scored.iter().map(|(s, y, _)| (*s, *y)).collect::<Vec<_>>());
        println!(
            "ROC AUC {:.5}; at recall 0.97: threshold {:.3}, {} FP = FPR {:.3}%",
            m.auc, m.threshold_at_97, m.fp_at_97, m.fpr_at_97
        );
    }
    let mh = modern_scores.iter().filter(|s| !s.1).count();
    let ms = modern_scores.len() - mh;
    let unsure = env("UNSURE").unwrap_or(score::DEFAULT_UNSURE);
    if mh > 0 {
        let fp = modern_scores
            .iter()
            .filter(|(s, y, _)| !*y && *s >= threshold)
            .count();
        let un = modern_scores
            .iter()
            .filter(|(s, y, _)| !*y && *s >= unsure && *s < threshold)
            .count();
        println!(
            "modern ham: {fp} of {mh} filed as spam = {:.2}%; {un} unsure",
            100.0 * fp as f64 / mh as f64
        );
    }
    // Rules on modern ham: none may add more than a little (RULES_MAX, default 2.0).
    let rules_max = env("RULES_MAX").unwrap_or(2.0);
    for s in modern_ham.iter().filter(|s| s.rules >= rules_max) {
        println!(
            "rules on modern ham: {} {:.1} {:?}",
            s.name, s.rules, s.rule_names
        );
    }
    if ms > 0 {
        let tp = modern_scores
            .iter()
            .filter(|(s, y, _)| *y && *s >= threshold)
            .count();
        let un = modern_scores
            .iter()
            .filter(|(s, y, _)| *y && *s >= unsure && *s < threshold)
            .count();
        println!(
            "modern spam: recall {:.3} ({tp} of {ms}); {un} unsure",
            tp as f64 / ms as f64
        );
    }
    if std::env::var("TAIL").is_ok() {
        let mut by_score = scored.clone();
        by_score.sort_by(|a, b| b.0.partial_cmp(&a.0).unwrap());
        for (s, _, i) in by_score.iter().filter(|x| !x.1).take(10) {
            println!(
                "top ham {s:.3} {} {:?}",
                samples[*i].name, samples[*i].rule_names
            );
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
