//! A Bayesian classifier over token presence: Robinson's smoothed per-token probability
//! ("Spam Detection", Gary Robinson, 2003) and Fisher's chi-square combining of the most
//! telling tokens, as SpamBayes does. Chosen by measurement over plain Graham-style naive Bayes
//! (see plugins/spam/README.md): the chi-square combination is sharp (most messages score near
//! 0 or 1) and says "unsure" honestly, which is what keeps false positives low.

/// How often a token was seen in spam and in ham (message counts).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub spam: u32,
    pub ham: u32,
}

impl Counts {
    pub fn to_bytes(self) -> [u8; 8] {
        let mut b = [0; 8];
        b[..4].copy_from_slice(&self.spam.to_le_bytes());
        b[4..].copy_from_slice(&self.ham.to_le_bytes());
        b
    }

    pub fn from_bytes(b: &[u8]) -> Counts {
        let n = |r: &[u8]| r.try_into().map(u32::from_le_bytes).unwrap_or(0);
        match b.len() {
            8 => Counts {
                spam: n(&b[..4]),
                ham: n(&b[4..]),
            },
            _ => Counts::default(),
        }
    }

    pub fn saturating_add(self, o: Counts) -> Counts {
        Counts {
            spam: self.spam.saturating_add(o.spam),
            ham: self.ham.saturating_add(o.ham),
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Params {
    /// Weight of the prior for a token (Robinson's s).
    pub strength: f64,
    /// The prior probability of an unknown token (Robinson's x).
    pub unknown: f64,
    /// Tokens closer than this to 0.5 are ignored.
    pub min_strength: f64,
    /// At most this many tokens (the most telling) are combined.
    pub max_tokens: usize,
    /// Tokens seen in fewer messages than this (spam and ham together) count as unknown:
    /// what a model has barely seen must not decide (issue 15).
    pub min_count: u32,
    /// A message with fewer telling tokens than this is pulled towards 0.5 in proportion: a
    /// verdict resting on two or three tokens is a guess, not evidence (issue 15).
    pub full_clues: usize,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            strength: 1.0,
            unknown: 0.5,
            min_strength: 0.1,
            max_tokens: 150,
            min_count: 2,
            full_clues: 10,
        }
    }
}

/// Robinson's f(w): the token's spam probability, pulled towards `unknown` when rarely seen.
pub fn token_probability(c: Counts, totals: Counts, p: &Params) -> f64 {
    let (ns, nh) = (totals.spam.max(1) as f64, totals.ham.max(1) as f64);
    let (s, h) = (c.spam as f64, c.ham as f64);
    let n = s + h;
    if n == 0.0 || c.spam.saturating_add(c.ham) < p.min_count {
        return p.unknown;
    }
    let spam_ratio = (s / ns).min(1.0);
    let ham_ratio = (h / nh).min(1.0);
    let raw = spam_ratio / (spam_ratio + ham_ratio);
    (p.strength * p.unknown + n * raw) / (p.strength + n)
}

/// P(chi² ≥ x2) for `v` (even) degrees of freedom, computed in a way that does not overflow.
fn chi2q(x2: f64, v: usize) -> f64 {
    let m = x2 / 2.0;
    let mut term = (-m).exp();
    let mut sum = term;
    for i in 1..v / 2 {
        term *= m / i as f64;
        sum += term;
    }
    sum.min(1.0)
}

/// The classifier's verdict on one message.
#[derive(Debug, Clone, PartialEq)]
pub struct Classification {
    /// 0 (ham) … 1 (spam); 0.5 is "no idea".
    pub probability: f64,
    /// The tokens that decided, most telling first, with their probability (for explanations).
    pub clues: Vec<(String, f64)>,
    /// How many telling tokens were combined (at most `max_tokens`).
    pub telling: usize,
}

/// Combines the per-token probabilities of a message's tokens.
pub fn classify(
    tokens: &[String],
    counts: impl Fn(usize) -> Counts,
    totals: Counts,
    p: &Params,
) -> Classification {
    let mut probs: Vec<(usize, f64)> = (0..tokens.len())
        .map(|i| (i, token_probability(counts(i), totals, p)))
        .filter(|(_, f)| (f - 0.5).abs() >= p.min_strength)
        .collect();
    probs.sort_by(|a, b| {
        (b.1 - 0.5)
            .abs()
            .partial_cmp(&(a.1 - 0.5).abs())
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(a.0.cmp(&b.0))
    });
    probs.truncate(p.max_tokens);
    if probs.is_empty() {
        return Classification {
            probability: 0.5,
            clues: Vec::new(),
            telling: 0,
        };
    }
    let (mut ln_ham, mut ln_spam) = (0.0f64, 0.0f64);
    for (_, f) in &probs {
        let f = f.clamp(1e-6, 1.0 - 1e-6);
        ln_spam += (1.0 - f).ln();
        ln_ham += f.ln();
    }
    let n = probs.len() * 2;
    let s = 1.0 - chi2q(-2.0 * ln_spam, n);
    let h = 1.0 - chi2q(-2.0 * ln_ham, n);
    let telling = probs.len();
    let confidence = (telling as f64 / p.full_clues.max(1) as f64).min(1.0);
    let combined = ((s - h + 1.0) / 2.0).clamp(0.0, 1.0);
    Classification {
        probability: 0.5 + (combined - 0.5) * confidence,
        telling,
        clues: probs
            .into_iter()
            .take(12)
            .map(|(i, f)| (tokens[i].clone(), f))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_roundtrip() {
        let c = Counts {
            spam: 7,
            ham: 1 << 20,
        };
        assert_eq!(Counts::from_bytes(&c.to_bytes()), c);
        assert_eq!(Counts::from_bytes(b"bad"), Counts::default());
    }

    #[test]
    fn probabilities() {
        let p = Params::default();
        let totals = Counts {
            spam: 100,
            ham: 100,
        };
        assert_eq!(token_probability(Counts::default(), totals, &p), 0.5);
        assert!(token_probability(Counts { spam: 50, ham: 0 }, totals, &p) > 0.99);
        assert!(token_probability(Counts { spam: 0, ham: 50 }, totals, &p) < 0.01);
        // One sighting is no evidence (below min_count); two are weak evidence.
        assert_eq!(
            token_probability(Counts { spam: 1, ham: 0 }, totals, &p),
            0.5
        );
        let twice = token_probability(Counts { spam: 2, ham: 0 }, totals, &p);
        assert!(twice > 0.8 && twice < 0.95, "{twice}");
    }

    #[test]
    fn chi_square_combining_is_sharp() {
        let p = Params::default();
        let totals = Counts {
            spam: 100,
            ham: 100,
        };
        let tokens: Vec<String> = (0..20).map(|i| format!("t{i}")).collect();
        let spammy = classify(&tokens, |_| Counts { spam: 40, ham: 1 }, totals, &p);
        assert!(spammy.probability > 0.99, "{spammy:?}");
        let hammy = classify(&tokens, |_| Counts { spam: 1, ham: 40 }, totals, &p);
        assert!(hammy.probability < 0.01);
        let mixed = classify(
            &tokens,
            |i| {
                if i % 2 == 0 {
                    Counts { spam: 40, ham: 1 }
                } else {
                    Counts { spam: 1, ham: 40 }
                }
            },
            totals,
            &p,
        );
        assert!((mixed.probability - 0.5).abs() < 0.1, "{mixed:?}");
        assert_eq!(
            classify(&tokens, |_| Counts::default(), totals, &p).probability,
            0.5
        );
        assert!(chi2q(1e6, 300) >= 0.0 && chi2q(0.0, 10) == 1.0);
    }
}
