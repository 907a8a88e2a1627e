//! Users' compiled Sieve scripts, kept by the SHA-256 of their text so that a message does not
//! compile its recipient's active script (and each `include :personal`) again: compiling is
//! most of a Sieve run for a script of any size (BENCHMARKS.md, "Sieve: compiled user scripts
//! kept"), and the text is read from the store anyway. Keyed by content, a script replaced
//! over ManageSieve is a new key and takes effect on the next message; the old one ages out.
//! Compile errors are kept too: a broken active script is not compiled again for every message.
//!
//! Bounded by bytes (the texts' lengths plus a fixed overhead per entry, a stand-in for the
//! compiled form, which is of the same order); past the budget the least recently used quarter
//! is dropped at once, so eviction costs O(log n) per insertion amortised.

use std::collections::HashMap;
use std::sync::Mutex;

use sha2::{Digest, Sha256};

/// Bytes of script text (plus [`ENTRY_OVERHEAD`] each) kept.
pub const DEFAULT_BUDGET: usize = 8 << 20;
/// Counted per entry on top of the text: the map's slot, the digest, the compiled tree's
/// fixed parts.
const ENTRY_OVERHEAD: usize = 512;

type Key = [u8; 32];

pub struct ScriptCache<V> {
    inner: Mutex<Inner<V>>,
    budget: usize,
}

struct Inner<V> {
    map: HashMap<Key, Entry<V>>,
    bytes: usize,
    clock: u64,
}

struct Entry<V> {
    value: V,
    weight: usize,
    used: u64,
}

impl<V: Clone> ScriptCache<V> {
    pub fn new(budget: usize) -> ScriptCache<V> {
        ScriptCache {
            inner: Mutex::new(Inner {
                map: HashMap::new(),
                bytes: 0,
                clock: 0,
            }),
            budget,
        }
    }

    /// The value kept for `text`, or `compile(text)`'s, kept for next time. The compiler runs
    /// outside the lock: two runs racing on a new script may both compile it (same result).
    pub fn get_or_compile(&self, text: &str, compile: impl FnOnce(&str) -> V) -> V {
        let key: Key = Sha256::digest(text.as_bytes()).into();
        if let Some(v) = self.lookup(&key) {
            return v;
        }
        let value = compile(text);
        self.insert(
            key,
            value.clone(),
            text.len().saturating_add(ENTRY_OVERHEAD),
        );
        value
    }

    fn lookup(&self, key: &Key) -> Option<V> {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner.clock += 1;
        let now = inner.clock;
        let e = inner.map.get_mut(key)?;
        e.used = now;
        Some(e.value.clone())
    }

    fn insert(&self, key: Key, value: V, weight: usize) {
        if weight > self.budget {
            return;
        }
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner.clock += 1;
        let used = inner.clock;
        if let Some(old) = inner.map.insert(
            key,
            Entry {
                value,
                weight,
                used,
            },
        ) {
            inner.bytes -= old.weight;
        }
        inner.bytes += weight;
        if inner.bytes > self.budget {
            inner.evict_to(self.budget - self.budget / 4);
        }
    }

    /// Scripts kept, and their weight in bytes.
    pub fn usage(&self) -> (usize, usize) {
        let inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        (inner.map.len(), inner.bytes)
    }
}

impl<V> Inner<V> {
    /// Drops the least recently used entries until at most `target` bytes are kept.
    fn evict_to(&mut self, target: usize) {
        let mut ages: Vec<(u64, usize)> = self.map.values().map(|e| (e.used, e.weight)).collect();
        ages.sort_unstable_by_key(|&(used, _)| used);
        let mut bytes = self.bytes;
        let mut cutoff = 0;
        for (used, weight) in ages {
            if bytes <= target {
                break;
            }
            bytes -= weight;
            cutoff = used;
        }
        self.map.retain(|_, e| e.used > cutoff);
        self.bytes = self.map.values().map(|e| e.weight).sum();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;
    use std::sync::Arc;

    #[test]
    fn the_same_text_compiles_once_and_a_changed_one_again() {
        let cache = ScriptCache::<Arc<String>>::new(DEFAULT_BUDGET);
        let compiles = Cell::new(0);
        let compile = |t: &str| {
            compiles.set(compiles.get() + 1);
            Arc::new(t.to_uppercase())
        };
        let a = cache.get_or_compile("keep;", compile);
        let b = cache.get_or_compile("keep;", compile);
        assert!(
            Arc::ptr_eq(&a, &b),
            "the second run reuses the first compile"
        );
        assert_eq!(compiles.get(), 1);
        // A script replaced (ManageSieve PUTSCRIPT) is another text: compiled on first use.
        let c = cache.get_or_compile("discard;", compile);
        assert_eq!(*c, "DISCARD;");
        assert_eq!(compiles.get(), 2);
    }

    #[test]
    fn errors_are_kept_too() {
        let cache = ScriptCache::<Result<u32, String>>::new(DEFAULT_BUDGET);
        let compiles = Cell::new(0);
        for _ in 0..3 {
            let r = cache.get_or_compile("if {", |_| {
                compiles.set(compiles.get() + 1);
                Err("syntax".to_string())
            });
            assert_eq!(r, Err("syntax".to_string()));
        }
        assert_eq!(compiles.get(), 1);
    }

    #[test]
    fn the_budget_holds_and_recent_scripts_stay() {
        // Room for about ten entries of 100 bytes of text.
        let budget = 10 * (100 + ENTRY_OVERHEAD);
        let cache = ScriptCache::<usize>::new(budget);
        let text = |i: usize| format!("{i:0100}");
        let hot = text(0);
        for i in 0..200 {
            cache.get_or_compile(&text(i), |_| i);
            // One script in use all along (a busy recipient) is never the oldest.
            cache.get_or_compile(&hot, |_| usize::MAX);
            let (_, bytes) = cache.usage();
            assert!(bytes <= budget, "{bytes} > {budget}");
        }
        let mut compiled_again = false;
        cache.get_or_compile(&hot, |_| {
            compiled_again = true;
            0
        });
        assert!(
            !compiled_again,
            "the script used by every message was evicted"
        );
        let (entries, _) = cache.usage();
        assert!((2..=10).contains(&entries), "{entries} entries");
    }

    #[test]
    fn a_script_larger_than_the_budget_is_compiled_but_not_kept() {
        let cache = ScriptCache::<usize>::new(1000);
        let big = "x".repeat(2000);
        assert_eq!(cache.get_or_compile(&big, |t| t.len()), 2000);
        assert_eq!(cache.usage(), (0, 0));
    }
}
