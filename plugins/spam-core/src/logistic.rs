//! Online logistic regression over the hashed byte 4-grams of [`crate::grams`]: each message
//! is a binary feature vector scaled to unit length, and learning one message is one
//! stochastic gradient step on the log loss. It learns from one message at a time (a user's
//! correction is one step), and ranks better than Bayes alone on the messages Bayes finds
//! hardest; the plugin averages the two (see plugins/spam/README.md for the measurements).

use crate::grams::BUCKETS;

/// Step size of one learning step (features scaled to a unit vector, so this is large).
pub const RATE: f32 = 5.0;
/// Weights are kept within ±LIMIT so that no single feature can decide alone.
pub const LIMIT: f32 = 20.0;

/// One weight per feature bucket, kept in its stored form (little-endian f32s, 64 KiB) so
/// that reading the model is one copy: a message reads a few thousand of its 16,384 weights.
#[derive(Debug, Clone, PartialEq)]
pub struct Weights(Vec<u8>);

impl Default for Weights {
    fn default() -> Self {
        Weights(vec![0; BUCKETS as usize * 4])
    }
}

impl Weights {
    /// Takes a stored table; one of the wrong size (not written by this version) reads as
    /// zero, and so does a weight that is not a finite number.
    pub fn from_bytes(b: Vec<u8>) -> Weights {
        if b.len() != BUCKETS as usize * 4 {
            return Weights::default();
        }
        Weights(b)
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    fn get(&self, feature: u32) -> f32 {
        let i = feature as usize * 4;
        match self.0.get(i..i + 4) {
            Some(b) => {
                let w = f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
                if w.is_finite() {
                    w
                } else {
                    0.0
                }
            }
            None => 0.0,
        }
    }

    fn set(&mut self, feature: u32, w: f32) {
        let i = feature as usize * 4;
        if let Some(b) = self.0.get_mut(i..i + 4) {
            b.copy_from_slice(&w.to_le_bytes());
        }
    }

    /// The sum of the features' weights.
    fn sum(&self, features: &[u32]) -> f32 {
        features.iter().map(|f| self.get(*f)).sum()
    }

    /// Adds `delta` to every feature's weight, kept within ±[`LIMIT`].
    fn add(&mut self, features: &[u32], delta: f32) {
        for f in features {
            let w = (self.get(*f) + delta).clamp(-LIMIT, LIMIT);
            self.set(*f, w);
        }
    }
}

fn scale(n: usize) -> f32 {
    1.0 / (n.max(1) as f32).sqrt()
}

fn sigmoid(z: f32) -> f32 {
    1.0 / (1.0 + (-z).exp())
}

/// The spam probability of a message with these features under the sum of `models` (the
/// global model and an account's).
pub fn probability(models: &[&Weights], features: &[u32]) -> f32 {
    probability_of_sums(models.iter().map(|m| m.sum(features)), features)
}

/// [`probability`] from each model's sum of the features' weights, in the same order (a model
/// read in place, such as the starting model's `weight_sum`, need not be expanded first).
pub fn probability_of_sums(sums: impl Iterator<Item = f32>, features: &[u32]) -> f32 {
    let z: f32 = sums.sum::<f32>() * scale(features.len());
    sigmoid(z)
}

impl Weights {
    /// The sum of the features' weights (see [`probability_of_sums`]).
    pub fn weight_sum(&self, features: &[u32]) -> f32 {
        self.sum(features)
    }
}

/// Learns one message: one gradient step on the log loss of the sum of `fixed` and `model`,
/// changing only `model` (an account learns on top of the global model without changing it).
pub fn learn(model: &mut Weights, fixed: &[&Weights], features: &[u32], spam: bool) {
    let mut all: Vec<&Weights> = fixed.to_vec();
    all.push(model);
    let p = probability(&all, features);
    let target = if spam { 1.0 } else { 0.0 };
    let delta = RATE * (target - p) * scale(features.len());
    model.add(features, delta);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learning_moves_the_probability() {
        let features: Vec<u32> = (0..100).map(|i| i * 7).collect();
        let other: Vec<u32> = (0..100).map(|i| i * 7 + 1).collect();
        let mut w = Weights::default();
        assert_eq!(probability(&[&w], &features), 0.5);
        for _ in 0..3 {
            learn(&mut w, &[], &features, true);
        }
        let p = probability(&[&w], &features);
        assert!(p > 0.9, "{p}");
        assert_eq!(probability(&[&w], &other), 0.5, "other features untouched");
        learn(&mut w, &[], &features, false);
        assert!(probability(&[&w], &features) < p);
        assert_eq!(probability(&[&w], &[]), 0.5);
    }

    #[test]
    fn an_account_learns_on_top_of_the_global_model() {
        let features: Vec<u32> = (0..50).collect();
        let mut global = Weights::default();
        for _ in 0..5 {
            learn(&mut global, &[], &features, true);
        }
        let before = global.clone();
        let mut account = Weights::default();
        learn(&mut account, &[&global], &features, false);
        assert_eq!(global, before);
        assert!(probability(&[&global, &account], &features) < probability(&[&global], &features));
        // The global model is already sure: a spam lesson barely moves the account.
        let mut sure = Weights::default();
        learn(&mut sure, &[&global], &features, true);
        assert!(sure.get(0) < account.get(0).abs());
    }

    #[test]
    fn stored_form_roundtrips_and_bad_data_reads_as_zero() {
        let mut w = Weights::default();
        w.add(&[1, 2, BUCKETS + 5], 1.5);
        assert_eq!(Weights::from_bytes(w.as_bytes().to_vec()), w);
        assert_eq!(Weights::from_bytes(b"bad".to_vec()), Weights::default());
        let mut nan = Weights::default().as_bytes().to_vec();
        nan[..4].copy_from_slice(&f32::NAN.to_le_bytes());
        assert_eq!(Weights::from_bytes(nan).get(0), 0.0);
        w.add(&[1], 100.0);
        assert_eq!(w.get(1), LIMIT);
    }
}
