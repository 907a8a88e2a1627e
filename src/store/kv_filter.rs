//! Which plugin keys may be in the store: a fixed-size Bloom filter over every key of the
//! `plugin_kv` table (issue 19).
//!
//! A trained spam model reads one key per token of every message (`kv.get-many`), and about half
//! of a message's tokens are not in the model. Each of those reads was a full B-tree walk of
//! redb (its page cache's locks included) to find nothing: on corpus mail the model's reads were
//! a fifth of the server's CPU. The filter answers "certainly absent" for most of them from one
//! 32-byte block of memory.
//!
//! Correctness rests on one rule: **a key's bits are set before any commit that can make the key
//! visible**. The store sets the bits of every key it holds when it opens (before any reader),
//! and `Tx::plugin_kv_apply` sets a key's bits in the write transaction, before its commit (the
//! same place it drops the key from the read cache). Bits are never cleared, so the filter holds
//! every key of every snapshot a reader can open: a key it says is absent is absent from that
//! reader's snapshot. Keys deleted since the store opened only cost a read, as before.
//!
//! The memory is fixed (`[plugins] kv_filter_mb`): past a few million keys it answers "may be
//! present" more often and saves less, but never wrong and never larger.
//!
//! The layout is the split-block Bloom filter of Apache Parquet's specification (blocks of eight
//! 32-bit words, one bit set per word, chosen by eight odd multipliers): one cache line per
//! lookup, about 0.5 % false positives at ~16 bits per key. No crate offers a concurrent filter
//! that is filled by one thread while others read it without a lock; this one is atomics.

use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU32, Ordering};

/// Default size (`[plugins] kv_filter_mb`): 4 MiB, ~2 million keys at under 1 % false positives.
pub const DEFAULT_KV_FILTER_BYTES: usize = 4 * 1024 * 1024;

/// The multipliers of Parquet's split-block Bloom filter: odd, so each maps a hash to a
/// different bit of its word.
const SALT: [u32; 8] = [
    0x47b6_137b,
    0x4497_4d91,
    0x8824_ad5b,
    0xa2b7_289d,
    0x7054_95c7,
    0x2df1_424b,
    0x9efc_4947,
    0x5c6b_fb31,
];

type Block = [AtomicU32; 8];

pub struct KeyFilter {
    /// Empty when the filter is off: every key may be present.
    blocks: Box<[Block]>,
    hasher: foldhash::fast::FixedState,
}

impl KeyFilter {
    /// A filter of about `bytes` (rounded down to a power of two of 32-byte blocks); 0: off.
    pub fn new(bytes: usize) -> KeyFilter {
        let n = bytes / std::mem::size_of::<Block>();
        let n = if n == 0 { 0 } else { 1 << n.ilog2() };
        KeyFilter {
            blocks: (0..n).map(|_| Default::default()).collect(),
            hasher: foldhash::fast::FixedState::with_seed(0x6d61_696c_7369_6674),
        }
    }

    /// The bytes it holds.
    pub fn bytes(&self) -> usize {
        std::mem::size_of_val(&*self.blocks)
    }

    fn hash(&self, plugin: &str, key: &str) -> u64 {
        // Both parts, with the plugin's length, so ("ab", "c") and ("a", "bc") differ.
        self.hasher.hash_one((plugin.len(), plugin, key))
    }

    /// The block of a hash, and the bit each of its words holds for it.
    fn place(&self, h: u64) -> Option<(&Block, [u32; 8])> {
        let n = self.blocks.len();
        if n == 0 {
            return None;
        }
        // The high half picks the block, the low half the bits (as Parquet's filter does).
        let i = ((h >> 32) as usize) & (n - 1);
        let low = h as u32;
        let mut bits = [0u32; 8];
        for (b, salt) in bits.iter_mut().zip(SALT) {
            *b = 1 << (low.wrapping_mul(salt) >> 27);
        }
        self.blocks.get(i).map(|b| (b, bits))
    }

    /// Records that `key` of `plugin` may be stored: before the commit that stores it.
    pub fn insert(&self, plugin: &str, key: &str) {
        if let Some((block, bits)) = self.place(self.hash(plugin, key)) {
            for (word, bit) in block.iter().zip(bits) {
                // Release: a reader that sees the commit after this sees the bits (redb's commit
                // and `begin_read` order them too; this does not rely on it alone).
                if word.load(Ordering::Relaxed) & bit == 0 {
                    word.fetch_or(bit, Ordering::Release);
                }
            }
        }
    }

    /// False only when `key` of `plugin` is in no snapshot a reader can open now.
    pub fn may_contain(&self, plugin: &str, key: &str) -> bool {
        match self.place(self.hash(plugin, key)) {
            None => true,
            Some((block, bits)) => block
                .iter()
                .zip(bits)
                .all(|(word, bit)| word.load(Ordering::Acquire) & bit != 0),
        }
    }

    /// Whether it can say "absent" at all.
    pub fn enabled(&self) -> bool {
        !self.blocks.is_empty()
    }
}

impl Default for KeyFilter {
    fn default() -> Self {
        KeyFilter::new(DEFAULT_KV_FILTER_BYTES)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_inserted_key_may_be_present() {
        let f = KeyFilter::new(64 * 1024);
        let keys: Vec<String> = (0..20_000).map(|i| format!("t/token{i}")).collect();
        for k in &keys {
            f.insert("spam", k);
        }
        assert!(keys.iter().all(|k| f.may_contain("spam", k)));
    }

    #[test]
    fn absent_keys_are_mostly_excluded() {
        // 64 KiB = 524,288 bits for 20,000 keys (~26 bits per key): well under 1 % false positives.
        let f = KeyFilter::new(64 * 1024);
        for i in 0..20_000 {
            f.insert("spam", &format!("t/token{i}"));
        }
        let false_positives = (0..100_000)
            .filter(|i| f.may_contain("spam", &format!("t/other{i}")))
            .count();
        assert!(false_positives < 1_000, "{false_positives} of 100,000");
        // The plugin is part of the key.
        let other_plugin = (0..20_000)
            .filter(|i| f.may_contain("lists", &format!("t/token{i}")))
            .count();
        assert!(other_plugin < 200, "{other_plugin} of 20,000");
        assert!(!f.may_contain("sp", "amt/token1") || !f.may_contain("spamt/", "token1"));
    }

    #[test]
    fn off_says_every_key_may_be_present() {
        let f = KeyFilter::new(0);
        assert!(!f.enabled());
        assert!(f.may_contain("spam", "anything"));
        f.insert("spam", "x");
        assert_eq!(f.bytes(), 0);
        // Sizes round down to a power of two of blocks.
        assert_eq!(KeyFilter::new(100).bytes(), 64);
        assert_eq!(
            KeyFilter::new(DEFAULT_KV_FILTER_BYTES).bytes(),
            DEFAULT_KV_FILTER_BYTES
        );
    }
}
