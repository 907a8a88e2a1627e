//! Sequence-set resolution against a mailbox snapshot (RFC 9051 §9 `sequence-set`) and compact
//! UID-set encoding for COPYUID / APPENDUID (RFC 4315 §3).
//!
//! A snapshot is the ascending list of UIDs currently visible in the session; message sequence
//! number `n` is `uids[n - 1]`.

use super::command::{SeqNum, SeqRange, SequenceSet};
use std::ops::Range;

/// An ascending list of UIDs as a session sees it: a plain slice, or the run-length
/// `UidMap` a selected mailbox keeps (O(gaps) memory instead of O(messages)).
pub trait UidList {
    fn count(&self) -> usize;
    /// The UID at 0-based index `i`.
    fn uid_at(&self, i: usize) -> Option<u32>;
    /// The 0-based index of `uid`, if present.
    fn index_of(&self, uid: u32) -> Option<usize>;
    /// The indices of the UIDs in `lo..=hi`.
    fn indices_between(&self, lo: u32, hi: u32) -> Range<usize>;
    fn last_uid(&self) -> Option<u32> {
        self.count().checked_sub(1).and_then(|i| self.uid_at(i))
    }
}

impl UidList for [u32] {
    fn count(&self) -> usize {
        self.len()
    }
    fn uid_at(&self, i: usize) -> Option<u32> {
        self.get(i).copied()
    }
    fn index_of(&self, uid: u32) -> Option<usize> {
        self.binary_search(&uid).ok()
    }
    fn indices_between(&self, lo: u32, hi: u32) -> Range<usize> {
        let start = self.partition_point(|&u| u < lo);
        let end = self.partition_point(|&u| u <= hi);
        start..end.max(start)
    }
}

impl UidList for super::uidmap::UidMap {
    fn count(&self) -> usize {
        self.len()
    }
    fn uid_at(&self, i: usize) -> Option<u32> {
        self.get(i)
    }
    fn index_of(&self, uid: u32) -> Option<usize> {
        self.position(uid)
    }
    fn indices_between(&self, lo: u32, hi: u32) -> Range<usize> {
        self.index_range(lo, hi)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SequenceError {
    /// A message sequence number beyond the mailbox (RFC 9051 §6.4.5 wants BAD / NO).
    #[error("Invalid message sequence number: {0}")]
    OutOfRange(u32),
    /// `*` or any sequence number used on an empty mailbox.
    #[error("No messages in mailbox")]
    Empty,
    /// `$` used without a saved search result (RFC 5182 §2.1: BAD).
    #[error("No saved search result")]
    NoSavedResult,
}

impl SequenceSet {
    /// Build a set of single numbers / ranges from a list of values (e.g. a saved SEARCH result).
    pub fn from_values(values: &[u32]) -> SequenceSet {
        SequenceSet::Ranges(
            compact_ranges(values)
                .into_iter()
                .map(|(a, b)| SeqRange {
                    start: SeqNum::Value(a),
                    end: SeqNum::Value(b),
                })
                .collect(),
        )
    }
}

fn value(n: SeqNum, star: u32) -> u32 {
    match n {
        SeqNum::Value(v) => v,
        SeqNum::Star => star,
    }
}

/// Does the (non-`$`) set contain `n`, with `*` standing for `star`? `a:b` equals `b:a`.
pub fn set_contains(set: &SequenceSet, n: u32, star: u32) -> bool {
    match set {
        SequenceSet::Saved => false,
        SequenceSet::Ranges(ranges) => ranges.iter().any(|r| {
            let (a, b) = (value(r.start, star), value(r.end, star));
            a.min(b) <= n && n <= a.max(b)
        }),
    }
}

/// Resolve message sequence numbers to 0-based indices into `uids` (ascending, deduplicated).
/// Numbers beyond the mailbox are an error (RFC 9051 §6.4.5).
pub fn resolve_seq_set<L: UidList + ?Sized>(
    set: &SequenceSet,
    uids: &L,
    saved: Option<&[u32]>,
) -> Result<Vec<usize>, SequenceError> {
    let set = match set {
        SequenceSet::Saved => {
            // The saved result holds UIDs (RFC 5182 §2.1); map them to what is still present.
            let saved = saved.ok_or(SequenceError::NoSavedResult)?;
            return Ok(indices_of_uids(saved, uids));
        }
        s => s,
    };
    let SequenceSet::Ranges(ranges) = set else {
        return Ok(Vec::new());
    };
    let count = u32::try_from(uids.count()).unwrap_or(u32::MAX);
    if count == 0 {
        return Err(SequenceError::Empty);
    }
    let mut out = Vec::new();
    for r in ranges {
        let (a, b) = (value(r.start, count), value(r.end, count));
        let (lo, hi) = (a.min(b), a.max(b));
        if hi > count {
            return Err(SequenceError::OutOfRange(hi));
        }
        out.extend((lo..=hi).map(|n| n as usize - 1));
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

/// Resolve a UID set to 0-based indices into `uids`. UIDs not present are silently skipped;
/// `*` is the largest UID in use, so `n:*` always includes the last message even when
/// `n` is larger than it (RFC 9051 §6.4.9 / §9 `seq-range`).
pub fn resolve_uid_set<L: UidList + ?Sized>(
    set: &SequenceSet,
    uids: &L,
    saved: Option<&[u32]>,
) -> Vec<usize> {
    match set {
        SequenceSet::Saved => indices_of_uids(saved.unwrap_or_default(), uids),
        SequenceSet::Ranges(ranges) => {
            let Some(max) = uids.last_uid() else {
                return Vec::new();
            };
            let mut out = Vec::new();
            for r in ranges {
                let (a, b) = (value(r.start, max), value(r.end, max));
                let (lo, hi) = (a.min(b), a.max(b));
                out.extend(uids.indices_between(lo, hi));
            }
            out.sort_unstable();
            out.dedup();
            out
        }
    }
}

fn indices_of_uids<L: UidList + ?Sized>(wanted: &[u32], uids: &L) -> Vec<usize> {
    let mut out: Vec<usize> = wanted.iter().filter_map(|&u| uids.index_of(u)).collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// Group values into runs of consecutive ascending numbers, keeping their order (COPYUID's
/// source and destination sets must correspond element by element, RFC 4315 §3).
fn compact_ranges(values: &[u32]) -> Vec<(u32, u32)> {
    let mut runs: Vec<(u32, u32)> = Vec::new();
    for &v in values {
        match runs.last_mut() {
            Some((_, end)) if end.checked_add(1) == Some(v) => *end = v,
            _ => runs.push((v, v)),
        }
    }
    runs
}

/// Encode UIDs compactly, order preserved: `[1, 2, 3, 7]` → `1:3,7`.
pub fn encode_uid_set(values: &[u32]) -> String {
    let mut out = String::new();
    for (i, (a, b)) in compact_ranges(values).into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        if a == b {
            out.push_str(&a.to_string());
        } else {
            out.push_str(&format!("{a}:{b}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::imap::parser::parse_command;

    fn set_of(s: &str) -> SequenceSet {
        let cmd = parse_command(format!("a UID EXPUNGE {s}\r\n").as_bytes()).unwrap();
        match cmd.body {
            crate::imap::command::CommandBody::Expunge { uids: Some(s) } => s,
            _ => unreachable!(),
        }
    }

    #[test]
    fn seq_resolution() {
        let uids = [10, 11, 15, 20, 21];
        assert_eq!(
            resolve_seq_set(&set_of("1:3"), &uids[..], None),
            Ok(vec![0, 1, 2])
        );
        assert_eq!(
            resolve_seq_set(&set_of("5:2"), &uids[..], None),
            Ok(vec![1, 2, 3, 4])
        );
        assert_eq!(resolve_seq_set(&set_of("*"), &uids[..], None), Ok(vec![4]));
        assert_eq!(
            resolve_seq_set(&set_of("4:*,1,2"), &uids[..], None),
            Ok(vec![0, 1, 3, 4])
        );
        assert_eq!(
            resolve_seq_set(&set_of("*:4"), &uids[..], None),
            Ok(vec![3, 4])
        );
        assert_eq!(
            resolve_seq_set(&set_of("6"), &uids[..], None),
            Err(SequenceError::OutOfRange(6))
        );
        assert_eq!(
            resolve_seq_set(&set_of("1:*"), &[0u32; 0][..], None),
            Err(SequenceError::Empty)
        );
        assert_eq!(
            resolve_seq_set(&SequenceSet::Saved, &uids[..], None),
            Err(SequenceError::NoSavedResult)
        );
        assert_eq!(
            resolve_seq_set(&SequenceSet::Saved, &uids[..], Some(&[21, 10, 99])),
            Ok(vec![0, 4])
        );
    }

    #[test]
    fn uid_resolution() {
        let uids = [10, 11, 15, 20, 21];
        assert_eq!(
            resolve_uid_set(&set_of("1:12"), &uids[..], None),
            vec![0, 1]
        );
        assert_eq!(
            resolve_uid_set(&set_of("16:19"), &uids[..], None),
            Vec::<usize>::new()
        );
        assert_eq!(
            resolve_uid_set(&set_of("15:*"), &uids[..], None),
            vec![2, 3, 4]
        );
        // `n:*` with n beyond the last UID still matches the last message.
        assert_eq!(resolve_uid_set(&set_of("100:*"), &uids[..], None), vec![4]);
        assert_eq!(
            resolve_uid_set(&set_of("21:11,10"), &uids[..], None),
            vec![0, 1, 2, 3, 4]
        );
        assert_eq!(
            resolve_uid_set(&set_of("1:*"), &[0u32; 0][..], None),
            Vec::<usize>::new()
        );
        assert!(set_contains(&set_of("1:3,7"), 7, 9));
        assert!(set_contains(&set_of("5:*"), 9, 9));
        assert!(!set_contains(&set_of("5:*"), 4, 9));
        assert!(set_contains(&set_of("*:5"), 6, 9));
    }

    #[test]
    fn encoding() {
        assert_eq!(encode_uid_set(&[1, 2, 3, 7]), "1:3,7");
        assert_eq!(encode_uid_set(&[5]), "5");
        assert_eq!(encode_uid_set(&[]), "");
        assert_eq!(encode_uid_set(&[9, 3, 4, 5, 1]), "9,3:5,1");
        assert_eq!(
            encode_uid_set(&[u32::MAX - 1, u32::MAX]),
            "4294967294:4294967295"
        );
        assert_eq!(SequenceSet::from_values(&[1, 2, 4]), set_of("1:2,4"));
    }
}
