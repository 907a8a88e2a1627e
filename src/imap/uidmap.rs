//! A session's message sequence numbers ↔ UIDs as runs of consecutive UIDs (RFC 9051 §2.3.1).
//!
//! UIDs in a mailbox ascend and are mostly contiguous, so a 10,000-message mailbox is usually a
//! handful of runs: memory is O(gaps), not O(messages), which is what lets thousands of idle
//! sessions sit on one large mailbox. Lookups both ways are binary searches over the runs. The
//! worst case (every UID its own run) costs 12 bytes per message.

/// `len` consecutive UIDs from `start`; `before` messages precede the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Run {
    start: u32,
    len: u32,
    before: u32,
}

impl Run {
    fn end(&self) -> u32 {
        // A run never reaches past u32::MAX: `push` starts a new run instead.
        self.start + (self.len - 1)
    }
}

/// Ascending UIDs, message `n` (1-based) being `get(n - 1)`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct UidMap {
    runs: Vec<Run>,
}

impl UidMap {
    /// From ascending UIDs (a UID not above the last one is ignored).
    pub fn from_ascending(uids: impl IntoIterator<Item = u32>) -> UidMap {
        let mut map = UidMap::default();
        for u in uids {
            map.push(u);
        }
        map.runs.shrink_to_fit();
        map
    }

    pub fn len(&self) -> usize {
        self.runs.last().map_or(0, |r| (r.before + r.len) as usize)
    }

    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.runs.is_empty()
    }

    pub fn last(&self) -> Option<u32> {
        self.runs.last().map(Run::end)
    }

    /// The UID at 0-based index `i`.
    pub fn get(&self, i: usize) -> Option<u32> {
        let i = u32::try_from(i).ok()?;
        let k = self.runs.partition_point(|r| r.before + r.len <= i);
        let r = self.runs.get(k)?;
        Some(r.start + (i - r.before))
    }

    /// How many UIDs are below `uid` (the index `uid` has or would have).
    pub fn rank(&self, uid: u32) -> usize {
        let k = self.runs.partition_point(|r| r.end() < uid);
        match self.runs.get(k) {
            Some(r) if r.start <= uid => (r.before + (uid - r.start)) as usize,
            Some(r) => r.before as usize,
            None => self.len(),
        }
    }

    /// The 0-based index of `uid`, if present.
    pub fn position(&self, uid: u32) -> Option<usize> {
        let k = self.runs.partition_point(|r| r.end() < uid);
        let r = self.runs.get(k)?;
        (r.start <= uid).then(|| (r.before + (uid - r.start)) as usize)
    }

    pub fn contains(&self, uid: u32) -> bool {
        self.position(uid).is_some()
    }

    /// Appends `uid`, which must be above the last one (else it is ignored: UIDs only grow,
    /// RFC 9051 §2.3.1.1).
    pub fn push(&mut self, uid: u32) {
        match self.runs.last_mut() {
            Some(r) if uid <= r.end() => {}
            Some(r) if r.end().checked_add(1) == Some(uid) && r.before + r.len < u32::MAX => {
                r.len += 1
            }
            Some(r) => {
                let before = r.before.saturating_add(r.len);
                self.runs.push(Run {
                    start: uid,
                    len: 1,
                    before,
                })
            }
            None => self.runs.push(Run {
                start: uid,
                len: 1,
                before: 0,
            }),
        }
    }

    /// Keeps the UIDs for which `keep` holds (rebuilt in one pass: O(messages)).
    pub fn retain(&mut self, mut keep: impl FnMut(u32) -> bool) {
        *self = UidMap::from_ascending(self.iter().filter(|&u| keep(u)));
    }

    /// The UIDs in ascending order.
    pub fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        self.runs.iter().flat_map(|r| r.start..=r.end())
    }

    /// The UIDs in `lo..=hi`, as 0-based index range.
    pub fn index_range(&self, lo: u32, hi: u32) -> std::ops::Range<usize> {
        let start = self.rank(lo);
        let end = match hi.checked_add(1) {
            Some(h) => self.rank(h),
            None => self.len(),
        };
        start..end.max(start)
    }

    /// Bytes this map holds on the heap.
    #[cfg(test)]
    pub fn heap_size(&self) -> usize {
        self.runs.capacity() * std::mem::size_of::<Run>()
    }
}

#[cfg(test)]
mod tests {
    use super::UidMap;

    /// A small deterministic generator (xorshift): no dependency for a property-style test.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n.max(1)
        }
    }

    /// Every query of the map agrees with the plain ascending Vec it stands for.
    fn check(map: &UidMap, plain: &[u32]) {
        assert_eq!(map.len(), plain.len());
        assert_eq!(map.is_empty(), plain.is_empty());
        assert_eq!(map.last(), plain.last().copied());
        assert_eq!(map.iter().collect::<Vec<_>>(), plain);
        for (i, &u) in plain.iter().enumerate() {
            assert_eq!(map.get(i), Some(u));
            assert_eq!(map.position(u), Some(i));
        }
        assert_eq!(map.get(plain.len()), None);
        let top = plain.last().copied().unwrap_or(0) + 3;
        for u in 0..top {
            assert_eq!(map.position(u), plain.binary_search(&u).ok(), "uid {u}");
            assert_eq!(map.rank(u), plain.partition_point(|&x| x < u), "rank {u}");
        }
        for (lo, hi) in [(0, top), (2, 5), (top / 2, top), (7, 3), (0, u32::MAX)] {
            let start = plain.partition_point(|&x| x < lo);
            let end = plain.partition_point(|&x| x <= hi).max(start);
            assert_eq!(map.index_range(lo, hi), start..end);
        }
    }

    #[test]
    fn agrees_with_a_vec_under_random_appends_and_expunges() {
        for seed in 1..=40u64 {
            let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
            let mut plain: Vec<u32> = Vec::new();
            let mut map = UidMap::default();
            let mut next = 1 + rng.below(5) as u32;
            for _ in 0..60 {
                if rng.below(3) == 0 && !plain.is_empty() {
                    // Expunge a random subset (sometimes a block, sometimes scattered).
                    let cut = rng.below(plain.len() as u64) as u32;
                    let scattered = rng.below(2) == 0;
                    let mut r2 = Rng(rng.next() | 1);
                    let mut doomed = |u: u32| {
                        if scattered {
                            r2.below(4) == 0
                        } else {
                            u >= plain[cut as usize] && u < plain[cut as usize] + 5
                        }
                    };
                    let gone: Vec<u32> = plain.iter().copied().filter(|&u| doomed(u)).collect();
                    plain.retain(|u| gone.binary_search(u).is_err());
                    map.retain(|u| gone.binary_search(&u).is_err());
                } else {
                    // Deliveries: a burst of consecutive UIDs, sometimes after a gap.
                    next += rng.below(3) as u32;
                    for _ in 0..rng.below(8) {
                        plain.push(next);
                        map.push(next);
                        next += 1;
                    }
                }
                check(&map, &plain);
            }
        }
    }

    #[test]
    fn pushes_out_of_order_are_ignored_and_u32_max_is_fine() {
        let mut map = UidMap::from_ascending([3, 4, 5]);
        map.push(4);
        map.push(2);
        check(&map, &[3, 4, 5]);
        let map = UidMap::from_ascending([u32::MAX - 1, u32::MAX]);
        assert_eq!(map.position(u32::MAX), Some(1));
        assert_eq!(map.index_range(0, u32::MAX), 0..2);
    }

    #[test]
    fn a_contiguous_mailbox_is_one_run() {
        let map = UidMap::from_ascending(1..=10_000);
        assert_eq!(map.len(), 10_000);
        assert!(map.heap_size() <= 16, "{} bytes", map.heap_size());
        assert_eq!(map.get(9_999), Some(10_000));
        assert_eq!(map.position(5_000), Some(4_999));
    }
}
