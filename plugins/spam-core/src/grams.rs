//! Features for the logistic model: hashed byte 4-grams of the start of the message (its
//! header block as the plugin sees it, then the body text), as in the online logistic
//! regression filters that did best at TREC's spam tracks (Goodman & Yih 2006; Sculley &
//! Wachman 2007). No tokenizer to fool: obfuscated words, odd header layouts and mailer
//! fingerprints all show up as runs of bytes.

use crate::Input;

/// Bytes of the message looked at (header block first, then body).
pub const BYTES: usize = 3000;
/// Features are hashed into this many buckets: the logistic model is one weight per bucket
/// (64 KiB). Measured on the SpamAssassin corpus (plugins/spam/README.md): 2^14 buckets rank
/// as well as 2^16 and 2^20, and a message costs ~300 µs less to score than with 2^16.
pub const BUCKETS: u32 = 1 << 14;

fn fnv1a(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5u32, |h, b| {
        (h ^ *b as u32).wrapping_mul(0x0100_0193)
    })
}

/// The text the features are taken from: "Name: value" lines, a blank line, the body (plain
/// text if there is some, else the HTML source), cut at [`BYTES`].
///
/// The header block is read whole, dated formats included: leaving out the fields that date a
/// corpus (trace fields, Date, Message-ID, X- fields, signatures) was measured (issue 15,
/// plugins/spam/README.md) and cost more false positives on the public corpus than it saved on
/// modern mail. What keeps those formats from deciding is that this model is only half the
/// score, next to a Bayes model that no longer sees them ([`crate::tokenize`]).
pub fn source(input: &Input<'_>) -> Vec<u8> {
    let mut out = Vec::with_capacity(BYTES + 64);
    for (name, value) in &input.headers {
        if out.len() >= BYTES {
            break;
        }
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.push(b'\n');
    }
    out.push(b'\n');
    if let Some(body) = input.text.or(input.html) {
        out.extend_from_slice(body.as_bytes());
    }
    out.truncate(BYTES);
    out
}

/// The message's features: distinct bucket numbers, sorted.
pub fn features(input: &Input<'_>) -> Vec<u32> {
    features_of(&source(input))
}

/// The features of a source text.
pub fn features_of(src: &[u8]) -> Vec<u32> {
    // A bit per bucket (2 KiB) instead of sorting a few thousand numbers: reading the set bits
    // in order gives the same sorted, distinct list (issue 19).
    let mut seen = [0u64; BUCKETS as usize / 64];
    for w in src.windows(4) {
        let b = fnv1a(w) % BUCKETS;
        seen[(b / 64) as usize] |= 1 << (b % 64);
    }
    let mut out = Vec::with_capacity(src.len().min(BUCKETS as usize));
    for (i, word) in seen.iter().enumerate() {
        let mut bits = *word;
        while bits != 0 {
            out.push(i as u32 * 64 + bits.trailing_zeros());
            bits &= bits - 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn features_are_distinct_sorted_buckets() {
        let input = Input {
            headers: vec![("Subject", "hello hello")],
            subject: "hello hello",
            text: Some("hello"),
            ..Input::default()
        };
        let f = features(&input);
        assert!(f.windows(2).all(|w| w[0] < w[1]));
        assert!(f.iter().all(|b| *b < BUCKETS));
        // "hello" repeated: its 4-grams count once.
        assert!(f.len() < source(&input).len() - 3);
        assert_eq!(features(&input), f, "stable");
        let long = "x".repeat(10 * BYTES);
        let big = Input {
            text: Some(&long),
            ..Input::default()
        };
        assert!(source(&big).len() == BYTES);
    }
}
