//! The bundled spam filter: the mean of two learnt models — a Bayesian classifier over tokens
//! (Robinson/Fisher chi-square combining) and an online logistic regression over hashed byte
//! 4-grams (see `mailsift-spam-core`) — on a 0–10 scale, plus rules that need no training. At
//! `threshold` (default 7) the message is tagged `spam` and filed into Junk; at
//! `reject_threshold` (off by default) it is refused.
//!
//! Model: a global model (`mailsift spam train`) plus one per account learnt from the user's
//! actions (moving mail into or out of Junk, `$Junk`/`$NotJunk`); a recipient's message is
//! scored with the sum of both. Keys: `g/n` and `g/t/TOKEN` (global totals and token counts),
//! `g/weights` (the logistic model, 64 KiB), the same under `a/ACCOUNT/`, and `…/m/MSGKEY`
//! recording how a message was learnt, so that learning it the other way round (a mistake
//! corrected) first unlearns it from the counts.
//!
//! Per account: `mailsift plugin set spam --account ADDR enabled=false` turns it off; an allow
//! list entry for an authenticated sender skips classification.
//!
//! The global model is the bundled starting model (`model/starting-model.bin`, embedded at
//! build time) plus what the server has learnt (`mailsift spam train`): the stored counts add to
//! the starting counts, and the stored logistic weights add to the starting weights (each
//! training step is taken on their sum and changes only the stored part). So a fresh server
//! files obvious spam from the first day, and training on old mail cannot make the model forget
//! what modern legitimate mail looks like (issue 15). Config `starting_model = "false"` leaves
//! it out: the global model is then the server's own training alone. Users' lessons are learnt
//! on top of the global model per account. Between `unsure_threshold`
//! (default 4) and `threshold` a message is tagged `unsure` and its `X-Spam-Status`
//! starts with `Unsure`, for Sieve to treat borderline mail differently.

use mailsift_plugin_sdk::prelude::*;
use mailsift_spam_core::bayes::{self, Counts, Params};
use mailsift_spam_core::logistic::{self, Weights};
use mailsift_spam_core::score::{self, Band};
use mailsift_spam_core::starting::StartingModel;
use mailsift_spam_core::{grams, html, rules, tokenize, Input};

/// The bundled starting model (scripts/train-starting-model.sh; format in spam-core's
/// `starting` module).
static STARTING: &[u8] = include_bytes!("../model/starting-model.bin");

struct Spam;

// A static arena holds a message's working set (the
// 64 KiB logistic model, once or twice, and the tokens) without the costly memory.grow calls
// (see the SDK's `arena` module).
mailsift_plugin_sdk::arena_allocator!(1 << 20);

/// The starting model, unless the config turns it off or the file is not one.
fn starting() -> Option<StartingModel<'static>> {
    if config::get("starting_model").is_some_and(|v| v.trim().eq_ignore_ascii_case("false")) {
        return None;
    }
    StartingModel::parse(STARTING)
}

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
    // Token counts are only ever written together with totals of at least one message
    // (`learn_bayes`): a model with none has none, and reading a few thousand keys of an
    // account that never trained is most of a message's store reads (issue 19).
    if totals == Counts::default() {
        return (vec![Counts::default(); tokens.len()], totals);
    }
    let mut counts = Vec::with_capacity(tokens.len());
    let mut all = String::new();
    let mut ends = Vec::new();
    for chunk in tokens.chunks(CHUNK) {
        // The chunk's keys written one after the other into one buffer and lent as slices: one
        // allocation per chunk rather than per key (the SDK copies each key once more), and no
        // `format!` per token (issue 19).
        all.clear();
        ends.clear();
        for t in chunk {
            all.push_str(prefix);
            all.push_str("t/");
            all.push_str(t);
            ends.push(all.len());
        }
        let mut from = 0;
        let keys: Vec<&str> = ends
            .iter()
            .map(|&end| {
                let k = all.get(from..end).unwrap_or("");
                from = end;
                k
            })
            .collect();
        counts.extend(
            kv::get_many(&keys)
                .into_iter()
                .map(|v| v.map(|b| Counts::from_bytes(&b)).unwrap_or_default()),
        );
    }
    (counts, totals)
}

/// The logistic model under `prefix` (none learnt yet: all zero).
fn load_weights(prefix: &str) -> Weights {
    kv::get(&format!("{prefix}weights"))
        .map(Weights::from_bytes)
        .unwrap_or_default()
}

/// A model's probability as a rule name for the explanation: `BAYES_99`, `LOGIT_20`, ….
fn probability_rule(model: &'static str, p: f64) -> String {
    let band = match p {
        p if p < 0.01 => "00",
        p if p < 0.05 => "05",
        p if p < 0.20 => "20",
        p if p < 0.50 => "40",
        p if p < 0.80 => "60",
        p if p < 0.95 => "80",
        p if p < 0.99 => "95",
        p if p < 0.999 => "99",
        _ => "999",
    };
    format!("{model}_{band}")
}

/// What the classifiers know of a message under one model (global or an account's).
struct Model {
    counts: Vec<Counts>,
    totals: Counts,
    /// The bundled starting model's logistic weights, read in place (global model only).
    starting: Option<StartingModel<'static>>,
    /// The logistic models to sum (none when nothing was learnt).
    weights: Vec<Weights>,
}

/// The global model: the starting model (unless turned off) plus the store's own training.
fn load_global(tokens: &[String]) -> Model {
    let stored = load_model(&prefix(None), tokens);
    match starting() {
        Some(sm) => Model {
            counts: tokens
                .iter()
                .zip(&stored.counts)
                .map(|(t, c)| sm.counts(t).saturating_add(*c))
                .collect(),
            totals: sm.totals().saturating_add(stored.totals),
            // Summed first, as when it was expanded into the first of `weights`.
            starting: Some(sm),
            weights: stored.weights,
        },
        None => stored,
    }
}

/// The fixed logistic models a global step is taken on top of: the starting model's.
fn starting_weights() -> Vec<Weights> {
    starting().map(|sm| sm.weights()).into_iter().collect()
}

fn load_model(prefix: &str, tokens: &[String]) -> Model {
    let (counts, totals) = load(prefix, tokens);
    // An untrained model has no weights: skip reading them.
    let weights = if totals.spam > 0 || totals.ham > 0 {
        vec![load_weights(prefix)]
    } else {
        Vec::new()
    };
    Model {
        counts,
        totals,
        starting: None,
        weights,
    }
}

struct Score {
    score: f64,
    tests: Vec<String>,
}

/// The score: the mean of the Bayes and logistic probabilities on a 0–10 scale, plus the
/// rules' weights. Global and account models are summed (counts and weights alike).
fn score(
    tokens: &[String],
    features: &[u32],
    global: &Model,
    account: Option<&Model>,
    hits: &[rules::Hit],
) -> Score {
    // A user's own lesson counts as two sightings: it is about this user's mail, and one move
    // into Junk must count although a token seen once is below Bayes' count floor.
    let own = |c: Counts| c.saturating_add(c);
    let totals = match account {
        Some(a) => global.totals.saturating_add(own(a.totals)),
        None => global.totals,
    };
    let mut tests = Vec::new();
    let mut score = 0.0;
    // An untrained model says nothing: only the rules count until it has seen both classes.
    if totals.spam > 0 && totals.ham > 0 {
        let bayes = bayes::classify(
            tokens,
            |i| {
                let g = global.counts.get(i).copied().unwrap_or_default();
                match account {
                    Some(a) => g.saturating_add(own(a.counts.get(i).copied().unwrap_or_default())),
                    None => g,
                }
            },
            totals,
            &Params::default(),
        );
        let c = bayes.probability;
        // Summed in the order of the models: the starting model, the global one, the account's.
        let sums = [Some(global), account].into_iter().flatten().flat_map(|m| {
            m.starting
                .iter()
                .map(|sm| sm.weight_sum(features))
                .chain(m.weights.iter().map(|w| w.weight_sum(features)))
        });
        let lr = logistic::probability_of_sums(sums, features) as f64;
        let learnt = score::learnt(c, lr, bayes.telling, score::FULL_CLUES);
        score += 5.0 + (learnt - 5.0) * score::maturity(totals.spam, totals.ham);
        tests.push(probability_rule("BAYES", c));
        tests.push(probability_rule("LOGIT", lr));
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

    // Stateless (WIT 0.1.3): nothing read from one message is kept for the next (the only
    // lasting allocations are the interned names of configured lists, `reputation::intern`),
    // so the server may reuse an instance for many calls.
    fn traits() -> PluginTraits {
        PluginTraits::STATELESS
    }

    fn filter(message: &Message) -> Verdict {
        let threshold: f64 = config::parse_or("threshold", score::DEFAULT_THRESHOLD);
        let unsure: f64 = config::parse_or("unsure_threshold", score::DEFAULT_UNSURE);
        let reject: Option<f64> = config::parse("reject_threshold");
        let data = input(message);
        // The HTML is parsed once, for the tokenizer and the rules.
        let parsed = data.html.map(html::parse);
        let tokens = tokenize::tokens_with(&data, parsed.as_ref());
        let hits = rules::check_with(&data, parsed.as_ref());
        let listed = reputation::check(message);
        let hits = [hits, reputation::hits(&listed)].concat();
        let features = grams::features(&data);
        let global = load_global(&tokens);
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
            let account =
                settings::account_of(rcpt).map(|a| load_model(&prefix(Some(&a)), &tokens));
            let s = score(&tokens, &features, &global, account.as_ref(), &hits);
            let band = score::band(s.score, unsure, threshold);
            let status = format!(
                "{}, score={:.1} required={:.1} tests={}",
                match band {
                    Band::Spam => "Yes",
                    Band::Unsure => "Unsure",
                    Band::Ham => "No",
                },
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
                _ if band == Band::Spam => Decision::continue_with()
                    .score(s.score)
                    .tag("spam")
                    .folder("Junk")
                    .explain(status.clone()),
                _ if band == Band::Unsure => Decision::continue_with()
                    .score(s.score)
                    .tag("unsure")
                    .explain(status.clone()),
                _ => Decision::continue_with()
                    .score(s.score)
                    .explain(status.clone()),
            };
            verdict = verdict.for_recipient(rcpt.clone(), decision);
            header.get_or_insert((status, s.score));
        }
        for tag in &listed.tags {
            verdict = verdict.tag(tag.clone());
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
        let features = grams::features(&data);
        // Tokenizing is the costly part and only Bayes needs it: lazily, once.
        let mut tokens: Option<Vec<String>> = None;
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
        // Every model learns on top of what it is scored with: the global one on top of the
        // starting model, an account on top of the global one (starting model included).
        let mut fixed: Option<Vec<Weights>> = None;
        let mut global: Option<Weights> = None;
        for account in accounts {
            let p = prefix(account.as_deref());
            learn_bayes(&p, &id, spam, || {
                tokens
                    .get_or_insert_with(|| tokenize::tokens(&data))
                    .clone()
            });
            // Logistic: one gradient step every time the message is learnt (training several
            // passes over a corpus means learning each message several times), taken on the
            // sum of the fixed models and this one, changing only this one.
            let fixed = fixed.get_or_insert_with(starting_weights);
            let mut own = load_weights(&p);
            let weights = match account {
                Some(_) => {
                    let g = global.get_or_insert_with(|| load_weights(&prefix(None)));
                    let under: Vec<&Weights> = fixed.iter().chain(std::iter::once(&*g)).collect();
                    logistic::learn(&mut own, &under, &features, spam);
                    own
                }
                None => {
                    let under: Vec<&Weights> = fixed.iter().collect();
                    logistic::learn(&mut own, &under, &features, spam);
                    own
                }
            };
            kv::set(&format!("{p}weights"), weights.as_bytes());
            debug!(
                "{}: learnt as {} for {}",
                message.queue_id(),
                if spam { "spam" } else { "ham" },
                account.as_deref().unwrap_or("the global model")
            );
        }
    }
}

/// Bayes counts learn a message once per class: learning it again the same way changes
/// nothing, learning it the other way (a corrected mistake) first takes back the first lesson.
fn learn_bayes(p: &str, id: &str, spam: bool, tokens: impl FnOnce() -> Vec<String>) {
    let marker = format!("{p}m/{id}");
    let before = kv::get(&marker);
    let now: &[u8] = if spam { b"s" } else { b"h" };
    if before.as_deref() == Some(now) {
        return;
    }
    let one = |spam: bool| {
        if spam {
            Counts { spam: 1, ham: 0 }
        } else {
            Counts { spam: 0, ham: 1 }
        }
    };
    let undo = before.as_deref().map(|b| one(b == b"s"));
    let tokens = tokens();
    let (counts, totals) = load(p, &tokens);
    let apply = |c: Counts| {
        let mut c = c;
        if let Some(u) = undo {
            c.spam = c.spam.saturating_sub(u.spam);
            c.ham = c.ham.saturating_sub(u.ham);
        }
        c.saturating_add(one(spam))
    };
    for (t, c) in tokens.iter().zip(counts) {
        kv::set(&format!("{p}t/{t}"), &apply(c).to_bytes());
    }
    kv::set(&format!("{p}n"), &apply(totals).to_bytes());
    kv::set(&marker, now);
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

mod reputation;

export_plugin!(Spam);
