//! The bundled starting model: what the plugin knows before anyone has trained it, so that a
//! fresh server files obvious spam from the first day (issue 15). It is trained at build time
//! (`scripts/train-starting-model.sh`) and embedded into the component.
//!
//! The stored form is compact (a few hundred KiB at most) and read without copying:
//!
//! ```text
//! "MSSM" | version u32 = 1 | spam total u32 | ham total u32 | token count u32 | weight scale f32
//! | BUCKETS logistic weights as i16 (weight = i16 × scale)
//! | token count × (FNV-1a-32 hash of the token u32, spam u16, ham u16), sorted by hash
//! ```
//!
//! All integers little-endian. Tokens are kept by hash (collisions among the kept tokens are
//! merged; at a few ten thousand tokens in 2^32 they are rare and harmless), and only tokens
//! seen often enough to count (see `bayes::Params::min_count`) and far enough from neutral to
//! matter are kept.

use crate::bayes::Counts;
use crate::grams::BUCKETS;
use crate::logistic::Weights;

const MAGIC: &[u8; 4] = b"MSSM";
const VERSION: u32 = 1;
const HEADER: usize = 24;
const ENTRY: usize = 8;

/// FNV-1a, 32 bits: a token's key in the table.
pub fn token_hash(token: &str) -> u32 {
    token.bytes().fold(0x811c_9dc5u32, |h, b| {
        (h ^ b as u32).wrapping_mul(0x0100_0193)
    })
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    b.get(at..at + 4)
        .and_then(|s| s.try_into().ok())
        .map(u32::from_le_bytes)
}

/// A parsed starting model, borrowing its bytes.
#[derive(Debug, Clone, Copy)]
pub struct StartingModel<'a> {
    totals: Counts,
    scale: f32,
    weights: &'a [u8],
    entries: &'a [u8],
}

impl<'a> StartingModel<'a> {
    /// Reads a model; `None` when the bytes are not one (wrong magic, version or size).
    pub fn parse(b: &'a [u8]) -> Option<StartingModel<'a>> {
        if b.get(..4)? != MAGIC || u32_at(b, 4)? != VERSION {
            return None;
        }
        let totals = Counts {
            spam: u32_at(b, 8)?,
            ham: u32_at(b, 12)?,
        };
        let n = u32_at(b, 16)? as usize;
        let scale = f32::from_bits(u32_at(b, 20)?);
        let wlen = BUCKETS as usize * 2;
        let weights = b.get(HEADER..HEADER + wlen)?;
        let entries = b.get(HEADER + wlen..)?;
        if entries.len() != n.checked_mul(ENTRY)? || !scale.is_finite() {
            return None;
        }
        Some(StartingModel {
            totals,
            scale,
            weights,
            entries,
        })
    }

    pub fn totals(&self) -> Counts {
        self.totals
    }

    pub fn tokens(&self) -> usize {
        self.entries.len() / ENTRY
    }

    /// How often `token` was seen (zero when it was not kept).
    pub fn counts(&self, token: &str) -> Counts {
        self.counts_of_hash(token_hash(token))
    }

    /// The counts of the entry whose hash is `key` (zero when there is none).
    fn counts_of_hash(&self, key: u32) -> Counts {
        let n = self.tokens();
        let (mut lo, mut hi) = (0usize, n);
        // The hashes are spread evenly over u32 and sorted: interpolation. The entry a key's
        // hash predicts within the range still open lies a few places from the key's; each probe
        // shrinks the range to one side of it (`[lo, hi)` holds the hashes in `[klo, khi)`, the
        // key among them), so the next guess is made from closer neighbours: ~3 probes where
        // galloping from one guess and bisecting took ~12 (the bundled model's entries lie up
        // to ~280 places from the first guess; issue 19, round 6). What is left is bisected.
        // The same entry is found: hashes are sorted and distinct (`encode` makes them so).
        let hash_at = |i: usize| u32_at(self.entries, i * ENTRY).unwrap_or(u32::MAX);
        let (mut klo, mut khi) = (0u64, 1u64 << 32);
        let key64 = u64::from(key);
        for _ in 0..4 {
            if hi - lo <= 8 {
                break;
            }
            // In `[lo, hi)`: `key64 - klo < khi - klo`.
            let guess = lo + ((key64 - klo) * (hi - lo) as u64 / (khi - klo)) as usize;
            let h = hash_at(guess);
            match h.cmp(&key) {
                std::cmp::Ordering::Less => {
                    lo = guess + 1;
                    klo = u64::from(h) + 1;
                }
                std::cmp::Ordering::Greater => {
                    hi = guess;
                    khi = u64::from(h);
                }
                std::cmp::Ordering::Equal => {
                    lo = guess;
                    hi = guess + 1;
                    break;
                }
            }
        }
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let at = mid * ENTRY;
            let h = u32_at(self.entries, at).unwrap_or(u32::MAX);
            match h.cmp(&key) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => {
                    let e = &self.entries[at..at + ENTRY];
                    return Counts {
                        spam: u16::from_le_bytes([e[4], e[5]]) as u32,
                        ham: u16::from_le_bytes([e[6], e[7]]) as u32,
                    };
                }
            }
        }
        Counts::default()
    }

    /// The sum of the features' weights, read in place: the same number as
    /// `weights().weight_sum(features)` without expanding all 16,384 weights (64 KiB) for the
    /// few hundred a message has (issue 19).
    pub fn weight_sum(&self, features: &[u32]) -> f32 {
        // With no weight able to overflow (|i16| <= 32768 times a finite scale; the bundled
        // model's), none needs the test below: the same sum in the same order, without a test
        // per feature (issue 19, round 6).
        if (self.scale * 32768.0).is_finite() {
            return features
                .iter()
                .map(|f| {
                    let i = *f as usize * 2;
                    match self.weights.get(i..i + 2) {
                        Some(q) => i16::from_le_bytes([q[0], q[1]]) as f32 * self.scale,
                        None => 0.0,
                    }
                })
                .sum();
        }
        features
            .iter()
            .map(|f| {
                let i = *f as usize * 2;
                match self.weights.get(i..i + 2) {
                    Some(q) => {
                        let w = i16::from_le_bytes([q[0], q[1]]) as f32 * self.scale;
                        // As `Weights` reads a stored weight: one that is not finite is zero.
                        if w.is_finite() {
                            w
                        } else {
                            0.0
                        }
                    }
                    None => 0.0,
                }
            })
            .sum()
    }

    /// The logistic model, expanded into its working form.
    pub fn weights(&self) -> Weights {
        let mut out = Vec::with_capacity(BUCKETS as usize * 4);
        for q in self.weights.chunks_exact(2) {
            let w = i16::from_le_bytes([q[0], q[1]]) as f32 * self.scale;
            out.extend_from_slice(&w.to_le_bytes());
        }
        Weights::from_bytes(out)
    }
}

/// Writes a starting model: `tokens` are (token, counts) pairs; those seen in fewer than
/// `min_count` messages are left out. Counts above u16 are scaled down with the totals.
pub fn encode<'t>(
    totals: Counts,
    tokens: impl IntoIterator<Item = (&'t str, Counts)>,
    weights: &Weights,
    min_count: u32,
    keep: impl Fn(Counts) -> bool,
) -> Vec<u8> {
    let biggest = totals.spam.max(totals.ham).max(1);
    let div = biggest.div_ceil(u16::MAX as u32).max(1);
    let shrink = |c: Counts| Counts {
        spam: c.spam.div_ceil(div).min(u16::MAX as u32),
        ham: c.ham.div_ceil(div).min(u16::MAX as u32),
    };
    let mut entries: Vec<(u32, Counts)> = tokens
        .into_iter()
        .filter(|(_, c)| c.spam.saturating_add(c.ham) >= min_count && keep(*c))
        .map(|(t, c)| (token_hash(t), shrink(c)))
        .collect();
    entries.sort_by_key(|e| e.0);
    // Merge the rare collisions so that the table stays searchable.
    entries.dedup_by(|b, a| {
        if a.0 == b.0 {
            a.1 = a.1.saturating_add(b.1);
            true
        } else {
            false
        }
    });
    let ws: Vec<f32> = weights
        .as_bytes()
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .map(|w| if w.is_finite() { w } else { 0.0 })
        .collect();
    let max = ws.iter().fold(0.0f32, |m, w| m.max(w.abs()));
    let scale = if max > 0.0 {
        max / i16::MAX as f32
    } else {
        1.0
    };
    let totals = shrink(totals);
    let mut out = Vec::with_capacity(HEADER + ws.len() * 2 + entries.len() * ENTRY);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
    out.extend_from_slice(&totals.spam.to_le_bytes());
    out.extend_from_slice(&totals.ham.to_le_bytes());
    out.extend_from_slice(&(entries.len() as u32).to_le_bytes());
    out.extend_from_slice(&scale.to_bits().to_le_bytes());
    for w in &ws {
        out.extend_from_slice(&((w / scale).round() as i16).to_le_bytes());
    }
    for (h, c) in entries {
        out.extend_from_slice(&h.to_le_bytes());
        out.extend_from_slice(&(c.spam as u16).to_le_bytes());
        out.extend_from_slice(&(c.ham as u16).to_le_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logistic;

    #[test]
    fn roundtrip() {
        let mut w = Weights::default();
        let f: Vec<u32> = (0..40).collect();
        for _ in 0..5 {
            logistic::learn(&mut w, &[], &f, true);
        }
        let totals = Counts { spam: 10, ham: 20 };
        let toks = [
            ("viagra", Counts { spam: 9, ham: 0 }),
            ("meeting", Counts { spam: 0, ham: 12 }),
            ("rare", Counts { spam: 1, ham: 0 }),
        ];
        let b = encode(totals, toks, &w, 2, |_| true);
        let m = StartingModel::parse(&b).unwrap();
        assert_eq!(m.totals(), totals);
        assert_eq!(m.tokens(), 2);
        assert_eq!(m.counts("viagra"), Counts { spam: 9, ham: 0 });
        assert_eq!(m.counts("meeting"), Counts { spam: 0, ham: 12 });
        assert_eq!(m.counts("rare"), Counts::default(), "below min_count");
        assert_eq!(m.counts("unknown"), Counts::default());
        let p0 = logistic::probability(&[&w], &f);
        let p1 = logistic::probability(&[&m.weights()], &f);
        assert!((p0 - p1).abs() < 1e-3, "{p0} {p1}");
        assert!(StartingModel::parse(&b[..b.len() - 1]).is_none());
        assert!(StartingModel::parse(b"MSSM").is_none());
        assert!(StartingModel::parse(b"").is_none());
    }

    #[test]
    fn weights_summed_in_place_as_expanded() {
        // The bundled model (no weight can overflow: the test per weight skipped) and the same
        // weights under scales where some or all overflow to infinity (tested per weight).
        let b = include_bytes!("../../spam/model/starting-model.bin").to_vec();
        let features: Vec<u32> = (0..BUCKETS).step_by(7).chain([BUCKETS + 3]).collect();
        for scale in [None, Some(1e34f32), Some(f32::MAX)] {
            let mut b = b.clone();
            if let Some(s) = scale {
                b[20..24].copy_from_slice(&s.to_bits().to_le_bytes());
            }
            let m = StartingModel::parse(&b).unwrap();
            let want = m.weights().weight_sum(&features);
            assert_eq!(
                m.weight_sum(&features).to_bits(),
                want.to_bits(),
                "{scale:?}"
            );
        }
    }

    #[test]
    fn the_bundled_model_finds_every_hash_as_bisection_does() {
        // Every entry's hash, its neighbours (absent or the next entry) and spread values:
        // the interpolation finds what a plain binary search over the table finds.
        let b = include_bytes!("../../spam/model/starting-model.bin");
        let m = StartingModel::parse(b).unwrap();
        let hashes: Vec<u32> = (0..m.tokens())
            .map(|i| u32_at(m.entries, i * ENTRY).unwrap())
            .collect();
        assert!(hashes.windows(2).all(|w| w[0] < w[1]));
        let reference = |key: u32| match hashes.binary_search(&key) {
            Ok(i) => {
                let e = &m.entries[i * ENTRY..i * ENTRY + ENTRY];
                Counts {
                    spam: u16::from_le_bytes([e[4], e[5]]) as u32,
                    ham: u16::from_le_bytes([e[6], e[7]]) as u32,
                }
            }
            Err(_) => Counts::default(),
        };
        let spread = (0..20_000u32).map(|i| i.wrapping_mul(0x9e37_79b9));
        let edges = [0, 1, u32::MAX - 1, u32::MAX];
        for key in hashes
            .iter()
            .flat_map(|h| [h.wrapping_sub(1), *h, h.wrapping_add(1)])
            .chain(spread)
            .chain(edges)
        {
            assert_eq!(m.counts_of_hash(key), reference(key), "{key:#x}");
        }
    }

    #[test]
    fn a_large_table_finds_every_token() {
        // More entries than the window search's threshold: every kept token is found with its
        // counts (the window or the full search), and tokens not kept are not.
        let names: Vec<String> = (0..5000).map(|i| format!("tok{i}")).collect();
        let toks = names.iter().enumerate().map(|(i, t)| {
            (
                t.as_str(),
                Counts {
                    spam: i as u32 % 7 + 2,
                    ham: i as u32 % 5,
                },
            )
        });
        let b = encode(
            Counts { spam: 9, ham: 9 },
            toks,
            &Weights::default(),
            2,
            |_| true,
        );
        let m = StartingModel::parse(&b).unwrap();
        assert_eq!(m.tokens(), 5000);
        for (i, t) in names.iter().enumerate() {
            let want = Counts {
                spam: i as u32 % 7 + 2,
                ham: i as u32 % 5,
            };
            assert_eq!(m.counts(t), want, "{t}");
        }
        for i in 5000..7000 {
            assert_eq!(m.counts(&format!("tok{i}")), Counts::default());
        }
    }
}
