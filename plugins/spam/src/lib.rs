//! The bundled spam filter. A Bayesian classifier (token counts in the plugin's key-value store;
//! Robinson/Fisher chi-square combining, see `mailsift-spam-core`) plus rules that need no
//! training, scored 0–10 (+ rule weights). At `threshold` (default 6) the message is tagged
//! `spam` and filed into Junk; at `reject_threshold` (off by default) it is refused.
//!
//! Model: a global model (`mailsift spam train`) plus one per account learnt from the user's
//! actions (moving mail into or out of Junk, `$Junk`/`$NotJunk`); a recipient's message is
//! scored with the sum of both. Keys: `g/n` and `g/t/TOKEN` (global totals and token counts),
//! `a/ACCOUNT/n`, `a/ACCOUNT/t/TOKEN`, and `…/m/MSGKEY` recording how a message was learnt, so
//! that learning it the other way round (a mistake corrected) first unlearns it.
//!
//! Per account: `mailsift plugin set spam --account ADDR enabled=false` turns it off; an allow
//! list entry for an authenticated sender skips classification.

use mailsift_plugin_sdk::prelude::*;
use mailsift_spam_core::bayes::{self, Counts, Params};
use mailsift_spam_core::{rules, tokenize, Input};

struct Spam;

/// `get-many` takes at most this many keys per call.
const CHUNK: usize = 1000;

fn prefix(account: Option<&str>) -> String {
    match account {
        Some(a) => format!("a/{a}/"),
        None => "g/".to_string(),
    }
}

fn input(m: &Message) -> Input<'_> {
    Input {
        headers: m
            .headers
            .iter()
            .map(|h| (h.name.as_str(), h.value.as_str()))
            .collect(),
        subject: m.subject_str(),
        from: m.from.iter().map(|a| a.address.as_str()).collect(),
        text: m.text_body.as_deref(),
        html: m.html_body.as_deref(),
        attachments: m
            .attachments
            .iter()
            .map(|a| (a.filename.as_deref(), a.content_type.as_str()))
            .collect(),
        spf: m.auth.spf.as_str(),
        dkim: m.auth.dkim.as_str(),
        dmarc: m.auth.dmarc.as_str(),
    }
}

/// Counts of `tokens` under `prefix`, and the totals.
fn load(prefix: &str, tokens: &[String]) -> (Vec<Counts>, Counts) {
    let totals = kv::get(&format!("{prefix}n"))
        .map(|b| Counts::from_bytes(&b))
        .unwrap_or_default();
    let mut counts = Vec::with_capacity(tokens.len());
    for chunk in tokens.chunks(CHUNK) {
        let keys: Vec<String> = chunk.iter().map(|t| format!("{prefix}t/{t}")).collect();
        counts.extend(
            kv::get_many(&keys)
                .into_iter()
                .map(|v| v.map(|b| Counts::from_bytes(&b)).unwrap_or_default()),
        );
    }
    (counts, totals)
}

fn bayes_rule(p: f64) -> &'static str {
    match p {
        p if p < 0.01 => "BAYES_00",
        p if p < 0.05 => "BAYES_05",
        p if p < 0.20 => "BAYES_20",
        p if p < 0.50 => "BAYES_40",
        p if p < 0.80 => "BAYES_60",
        p if p < 0.95 => "BAYES_80",
        p if p < 0.99 => "BAYES_95",
        p if p < 0.999 => "BAYES_99",
        _ => "BAYES_999",
    }
}

struct Score {
    score: f64,
    tests: Vec<String>,
}

fn score(
    tokens: &[String],
    global: &(Vec<Counts>, Counts),
    account: Option<&(Vec<Counts>, Counts)>,
    hits: &[rules::Hit],
) -> Score {
    let totals = match account {
        Some(a) => global.1.add(a.1),
        None => global.1,
    };
    let mut tests = Vec::new();
    let mut score = 0.0;
    // An untrained model says nothing: only the rules count until it has seen both classes.
    if totals.spam > 0 && totals.ham > 0 {
        let c = bayes::classify(
            tokens,
            |i| {
                let g = global.0.get(i).copied().unwrap_or_default();
                match account {
                    Some(a) => g.add(a.0.get(i).copied().unwrap_or_default()),
                    None => g,
                }
            },
            totals,
            &Params::default(),
        );
        score += 10.0 * c.probability;
        tests.push(bayes_rule(c.probability).to_string());
    }
    for h in hits {
        score += h.weight;
        tests.push(h.name.to_string());
    }
    Score {
        score: (score * 10.0).round() / 10.0,
        tests,
    }
}

impl Plugin for Spam {
    fn info() -> PluginInfo {
        plugin_info!().hook(Hook::Learn)
    }

    fn filter(message: &Message) -> Verdict {
        let threshold: f64 = config::parse_or("threshold", 6.0);
        let reject: Option<f64> = config::parse("reject_threshold");
        let data = input(message);
        let tokens = tokenize::tokens(&data);
        let hits = rules::check(&data);
        let global = load(&prefix(None), &tokens);
        let mut verdict = Verdict::continue_with();
        let mut header = None;
        for rcpt in &message.envelope.recipients {
            if !settings::enabled(rcpt) {
                continue;
            }
            if let Standing::Allowed(m) = lists::standing(message, rcpt) {
                debug!(
                    "{}: <{}> allow-lists {}; not classified",
                    message.queue_id(),
                    rcpt,
                    m.entry
                );
                continue;
            }
            let account = settings::account_of(rcpt).map(|a| load(&prefix(Some(&a)), &tokens));
            let s = score(&tokens, &global, account.as_ref(), &hits);
            let is_spam = s.score >= threshold;
            let status = format!(
                "{}, score={:.1} required={:.1} tests={}",
                if is_spam { "Yes" } else { "No" },
                s.score,
                threshold,
                if s.tests.is_empty() {
                    "none".to_string()
                } else {
                    s.tests.join(",")
                }
            );
            let decision = match reject {
                Some(r) if s.score >= r => Decision::reject(
                    554,
                    "5.7.1",
                    format!("Message refused as spam (score {:.1})", s.score),
                ),
                _ if is_spam => Decision::continue_with()
                    .score(s.score)
                    .tag("spam")
                    .folder("Junk")
                    .explain(status.clone()),
                _ => Decision::continue_with()
                    .score(s.score)
                    .explain(status.clone()),
            };
            verdict = verdict.for_recipient(rcpt.clone(), decision);
            header.get_or_insert((status, s.score));
        }
        if let Some((status, score)) = header {
            verdict = verdict.header("X-Spam-Status", status).score(score);
        }
        verdict
    }

    fn learn(message: &Message, class: LearnClass) {
        let spam = match class {
            LearnClass::Spam => true,
            LearnClass::Ham => false,
            _ => return,
        };
        let data = input(message);
        let tokens = tokenize::tokens(&data);
        let id = message_key(message);
        let accounts: Vec<Option<String>> = if message.envelope.recipients.is_empty() {
            vec![None]
        } else {
            message
                .envelope
                .recipients
                .iter()
                .filter_map(|r| settings::account_of(r))
                .map(Some)
                .collect()
        };
        for account in accounts {
            let p = prefix(account.as_deref());
            let marker = format!("{p}m/{id}");
            let before = kv::get(&marker);
            let now: &[u8] = if spam { b"s" } else { b"h" };
            if before.as_deref() == Some(now) {
                continue;
            }
            let one = |spam: bool| {
                if spam {
                    Counts { spam: 1, ham: 0 }
                } else {
                    Counts { spam: 0, ham: 1 }
                }
            };
            let undo = before.as_deref().map(|b| one(b == b"s"));
            let (counts, totals) = load(&p, &tokens);
            let apply = |c: Counts| {
                let mut c = c;
                if let Some(u) = undo {
                    c.spam = c.spam.saturating_sub(u.spam);
                    c.ham = c.ham.saturating_sub(u.ham);
                }
                c.add(one(spam))
            };
            for (t, c) in tokens.iter().zip(counts) {
                kv::set(&format!("{p}t/{t}"), &apply(c).to_bytes());
            }
            kv::set(&format!("{p}n"), &apply(totals).to_bytes());
            kv::set(&marker, now);
            info!(
                "{}: learnt as {} for {}",
                message.queue_id(),
                if spam { "spam" } else { "ham" },
                account.as_deref().unwrap_or("the global model")
            );
        }
    }
}

/// Identifies a message for unlearning: its Message-ID, or a hash of its subject and text.
fn message_key(m: &Message) -> String {
    let basis = match m.header("Message-ID") {
        Some(id) if !id.trim().is_empty() => id.trim().to_string(),
        _ => format!(
            "{}\n{}",
            m.subject_str(),
            m.text_body.as_deref().unwrap_or("")
        ),
    };
    let h = basis.bytes().fold(0xcbf29ce484222325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100000001b3)
    });
    format!("{h:016x}")
}

export_plugin!(Spam);
