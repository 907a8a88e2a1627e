//! How the two learnt models and the rules make one score on the plugin's 0–10 scale, and the
//! bands of the verdict: at `threshold` and above the message is spam, from `unsure` up to
//! the threshold it is unsure (tagged `unsure`, for Sieve), below it is ham.

/// The score at which a message is tagged `spam` (plugin config `threshold`).
pub const DEFAULT_THRESHOLD: f64 = 7.0;
/// The score from which a message below the threshold is tagged `unsure` (plugin config
/// `unsure_threshold`).
pub const DEFAULT_UNSURE: f64 = 4.0;

/// Below this many telling Bayes tokens, the learnt score is pulled towards neutral (5) in
/// proportion: a message the model barely knows is not judged by it (issue 15).
pub const FULL_CLUES: usize = 5;

/// A model that has seen fewer messages than this of either class is not trusted fully: its
/// learnt score is pulled towards 5 in proportion (a `mailsift spam train` on a handful of
/// messages must not file mail on its word).
pub const MATURE: u32 = 5;

/// How far a model trained on `spam` and `ham` messages is trusted, 0–1.
pub fn maturity(spam: u32, ham: u32) -> f64 {
    (spam.min(ham) as f64 / MATURE as f64).min(1.0)
}

/// The logistic model's share of the learnt score (Bayes has the rest). Chosen by 5-fold
/// cross-validation inside the SA training list (plugins/spam/README.md): at 0.5 (the plain
/// mean) 11 false positives at recall 0.97, at LOGISTIC_SHARE fewer.
pub const LOGISTIC_SHARE: f64 = 0.65;

/// The learnt part of the score: the Bayes and logistic probabilities mixed (the logistic
/// model's share [`LOGISTIC_SHARE`]), 0–10, pulled towards 5 when Bayes found fewer than
/// `full_clues` telling tokens.
pub fn learnt(bayes: f64, logistic: f64, telling: usize, full_clues: usize) -> f64 {
    learnt_with(bayes, logistic, telling, full_clues, LOGISTIC_SHARE)
}

/// [`learnt`] with another logistic share (for tuning).
pub fn learnt_with(
    bayes: f64,
    logistic: f64,
    telling: usize,
    full_clues: usize,
    share: f64,
) -> f64 {
    let confidence = (telling as f64 / full_clues.max(1) as f64).min(1.0);
    let mixed = (1.0 - share) * bayes + share * logistic;
    5.0 + (10.0 * mixed - 5.0) * confidence
}

/// The verdict's band for a score.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Band {
    Ham,
    Unsure,
    Spam,
}

pub fn band(score: f64, unsure: f64, threshold: f64) -> Band {
    if score >= threshold {
        Band::Spam
    } else if score >= unsure {
        Band::Unsure
    } else {
        Band::Ham
    }
}
