//! A bounded in-memory cache of plugins' key-value reads (issue 19): a trained spam model reads
//! one key per token of every message, and most are the same few thousand keys each time.
//!
//! Reads keep the snapshot semantics a plugin had without the cache: a call's reads are those of
//! one read transaction. The writer thread counts its commits (`generation`); a reader notes the
//! generation before it opens its read transaction (`lo`), so that transaction holds every commit
//! up to `lo`, perhaps a few more. Every write of a key *touches* it in the write transaction,
//! before the commit: the cached value goes, and its shard's `floor` rises to the generation the
//! commit will have. Hence:
//!
//! - an entry cached by a reader at `lo` (`since`) is inserted only when no write touched its
//!   shard after `lo` (`floor <= lo`): no commit after `lo` changed the key, so the value read is
//!   the key's value at every generation from `lo` until the next touch removes the entry;
//! - a reader at `lo` uses an entry only when `since <= lo`: its transaction is at `lo` or later
//!   and before the entry's removal, where the entry's value holds.
//!
//! A write that fails to commit touched its keys for nothing: harmless.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use indexmap::{Equivalent, IndexMap};
use redb::ReadOnlyTable;

use super::schema::PLUGIN_KV;
use super::{ReadTx, Result, Store};

/// Shards, each its own lock and share of the bound: readers of different keys rarely meet.
const SHARDS: usize = 32;
/// What an entry costs beyond its key and value bytes: the map's slot, two boxed strings and a
/// boxed value with their allocator headers (measured order of magnitude, kept generous).
const ENTRY_OVERHEAD: usize = 96;
/// Largest value cached (larger ones are read from the store each time).
const MAX_CACHED_VALUE: usize = 256 * 1024;
/// Default bound (`[plugins] kv_cache_mb`): 32 MiB. Without the key filter (`kv_filter.rs`)
/// the cache lost on corpus mail (mostly inserts of rare tokens' absent keys); with it, only keys
/// the model holds reach the cache, and on corpus mail at 500 msg/s it took the median CPU per
/// message from 2.30 to 2.00 ms and the p99 from 44 to 20 ms (six interleaved pairs,
/// BENCHMARKS.md), for ~20 MiB of RSS.
pub const DEFAULT_KV_CACHE_BYTES: usize = 32 * 1024 * 1024;

pub struct KvCache {
    shards: Box<[Mutex<Shard>]>,
    /// Bytes each shard may hold (0: the cache is off).
    shard_bytes: usize,
    hasher: RandomState,
    /// Write transactions committed so far: only the writer thread advances it, after a commit.
    generation: AtomicU64,
    /// Directory reads (`dir_cache.rs`), valid by the same generation.
    pub(super) dir: super::DirCache,
    /// Which keys may be stored at all (`kv_filter.rs`): reads of the others skip the B-tree.
    pub(super) filter: super::KeyFilter,
}

#[derive(Default)]
struct Shard {
    map: IndexMap<Key, Slot>,
    bytes: usize,
    /// The clock hand of the eviction (CLOCK: a hit earns an entry one more round).
    hand: usize,
    /// The generation of the latest write to touch a key of this shard: readers older than it
    /// may hold a value older than that write, and do not insert.
    floor: u64,
    /// Hashes of keys missed once and not cached yet: a key is cached at its second miss, so
    /// that the many keys a message reads only once (rare tokens) do not churn the cache.
    doorkeeper: std::collections::HashSet<u64>,
}

/// Hashes remembered by a shard's doorkeeper at most (8 bytes each, plus the set's overhead).
const DOORKEEPER: usize = 16 * 1024;

struct Key {
    plugin: Box<str>,
    key: Box<str>,
}

/// A borrowed `Key`, for lookups without allocating.
struct KeyRef<'a> {
    plugin: &'a str,
    key: &'a str,
}

impl Hash for Key {
    fn hash<H: Hasher>(&self, state: &mut H) {
        KeyRef {
            plugin: &self.plugin,
            key: &self.key,
        }
        .hash(state)
    }
}

impl Hash for KeyRef<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.plugin.hash(state);
        self.key.hash(state);
    }
}

impl PartialEq for Key {
    fn eq(&self, other: &Self) -> bool {
        self.plugin == other.plugin && self.key == other.key
    }
}

impl Eq for Key {}

impl Equivalent<Key> for KeyRef<'_> {
    fn equivalent(&self, k: &Key) -> bool {
        *self.plugin == *k.plugin && *self.key == *k.key
    }
}

struct Slot {
    /// `None`: the key is absent (most tokens of a message are not in the model).
    value: Option<Box<[u8]>>,
    /// The reader generation it was read at: valid for readers at `since` or later.
    since: u64,
    referenced: bool,
}

fn entry_size(plugin: &str, key: &str, value: Option<&[u8]>) -> usize {
    plugin.len() + key.len() + value.map_or(0, <[u8]>::len) + ENTRY_OVERHEAD
}

impl Default for KvCache {
    fn default() -> Self {
        KvCache::new(DEFAULT_KV_CACHE_BYTES)
    }
}

impl KvCache {
    /// A cache of at most `bytes` (keys, values and their overhead); 0 turns it off. The key
    /// filter has its default size.
    pub fn new(bytes: usize) -> KvCache {
        KvCache::with_filter(bytes, super::KeyFilter::default())
    }

    /// A cache of at most `bytes` and the given key filter (filled by `Store::open_with`).
    pub(super) fn with_filter(bytes: usize, filter: super::KeyFilter) -> KvCache {
        KvCache {
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
            shard_bytes: bytes / SHARDS,
            hasher: RandomState::new(),
            generation: AtomicU64::new(0),
            dir: super::DirCache::default(),
            filter,
        }
    }

    fn enabled(&self) -> bool {
        self.shard_bytes > 0
    }

    fn shard(&self, k: &KeyRef<'_>) -> MutexGuard<'_, Shard> {
        self.shard_at(self.hasher.hash_one(k))
    }

    fn shard_at(&self, hash: u64) -> MutexGuard<'_, Shard> {
        let i = (hash % SHARDS as u64) as usize;
        // A panic while holding a shard leaves it consistent enough: sizes are only a bound.
        self.shards[i].lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The generation a reader notes before opening its read transaction.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// After each commit of the writer thread (`Views::invalidate`).
    pub(super) fn committed(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    /// In a write transaction, before its commit: `key` is about to change.
    pub(super) fn touch(&self, plugin: &str, key: &str) {
        // Before the commit that may store it (`kv_filter.rs`): a delete sets the bits too,
        // which only costs a read of a key that is gone.
        self.filter.insert(plugin, key);
        if !self.enabled() {
            return;
        }
        // Only the writer thread commits, so the commit this write belongs to is the next one.
        let next = self.generation() + 1;
        let k = KeyRef { plugin, key };
        let mut shard = self.shard(&k);
        shard.floor = shard.floor.max(next);
        if let Some((old, slot)) = shard.map.swap_remove_entry(&k) {
            shard.bytes -= entry_size(&old.plugin, &old.key, slot.value.as_deref());
        }
    }

    /// In a write transaction, before its commit: a directory table (or a list) is about to
    /// change (`dir_cache.rs`).
    pub(super) fn touch_directory(&self) {
        // Only the writer thread commits, so the commit this write belongs to is the next one.
        self.dir.touch(self.generation() + 1);
    }

    /// In a write transaction, before its commit: any key may change (a plugin's data cleared).
    pub(super) fn touch_all(&self) {
        if !self.enabled() {
            return;
        }
        let next = self.generation() + 1;
        for shard in self.shards.iter() {
            let mut shard = shard.lock().unwrap_or_else(|e| e.into_inner());
            shard.floor = shard.floor.max(next);
            shard.map.clear();
            shard.bytes = 0;
            shard.hand = 0;
        }
    }

    /// The cached value for a reader at `lo`: `Some(None)` when the key is known absent.
    fn get(&self, plugin: &str, key: &str, lo: u64) -> Option<Option<Vec<u8>>> {
        if !self.enabled() {
            return None;
        }
        let k = KeyRef { plugin, key };
        let mut shard = self.shard(&k);
        let slot = shard.map.get_mut(&k)?;
        if slot.since > lo {
            return None;
        }
        slot.referenced = true;
        Some(slot.value.as_deref().map(<[u8]>::to_vec))
    }

    /// Caches what a reader at `lo` read, unless a write may have changed it since `lo`.
    fn insert(&self, plugin: &str, key: &str, value: Option<&[u8]>, lo: u64) {
        if !self.enabled() || value.is_some_and(|v| v.len() > MAX_CACHED_VALUE) {
            return;
        }
        let size = entry_size(plugin, key, value);
        if size > self.shard_bytes {
            return;
        }
        let k = KeyRef { plugin, key };
        let hash = self.hasher.hash_one(&k);
        let mut shard = self.shard_at(hash);
        if shard.floor > lo || shard.map.contains_key(&k) {
            return;
        }
        if !shard.doorkeeper.remove(&hash) {
            if shard.doorkeeper.len() >= DOORKEEPER {
                shard.doorkeeper.clear();
            }
            shard.doorkeeper.insert(hash);
            return;
        }
        while shard.bytes + size > self.shard_bytes && shard.evict_one() {}
        shard.map.insert(
            Key {
                plugin: plugin.into(),
                key: key.into(),
            },
            Slot {
                value: value.map(Box::from),
                since: lo,
                referenced: false,
            },
        );
        shard.bytes += size;
    }

    /// Bytes held (keys, values and overhead), at most the bound.
    pub fn bytes(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.lock().unwrap_or_else(|e| e.into_inner()).bytes)
            .sum()
    }

    /// Entries held.
    pub fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.lock().unwrap_or_else(|e| e.into_inner()).map.len())
            .sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The bound, in bytes.
    pub fn capacity(&self) -> usize {
        self.shard_bytes * SHARDS
    }
}

impl Shard {
    /// Drops one entry not hit since the hand last passed it; false when empty.
    fn evict_one(&mut self) -> bool {
        // Each pass clears the bits it skips, so this ends within two rounds.
        loop {
            if self.map.is_empty() {
                return false;
            }
            if self.hand >= self.map.len() {
                self.hand = 0;
            }
            let Some((_, slot)) = self.map.get_index_mut(self.hand) else {
                return false;
            };
            if slot.referenced {
                slot.referenced = false;
                self.hand += 1;
                continue;
            }
            if let Some((k, slot)) = self.map.swap_remove_index(self.hand) {
                self.bytes -= entry_size(&k.plugin, &k.key, slot.value.as_deref());
            }
            return true;
        }
    }
}

/// One consistent read view of plugins' key-value data, through the cache: the read
/// transaction (for other reads of the same call, such as allow/block lists) and the
/// generation noted before it was opened.
pub struct KvReader {
    cache: Arc<KvCache>,
    lo: u64,
    tx: ReadTx,
    /// Opened once for the view's reads (not once per key).
    table: ReadOnlyTable<(&'static str, &'static str), &'static [u8]>,
}

impl KvReader {
    pub fn get(&self, plugin: &str, key: &str) -> Result<Option<Vec<u8>>> {
        // Absent from every snapshot that can be opened now, this one included.
        if !self.cache.filter.may_contain(plugin, key) {
            return Ok(None);
        }
        if let Some(v) = self.cache.get(plugin, key, self.lo) {
            return Ok(v);
        }
        let value = self.table.get((plugin, key))?.map(|v| v.value().to_vec());
        self.cache.insert(plugin, key, value.as_deref(), self.lo);
        Ok(value)
    }

    /// The read transaction under this view.
    pub fn read_tx(&self) -> &ReadTx {
        &self.tx
    }

    /// Directory reads (recipients, lists) at this view's generation, through their cache.
    pub fn dir_read(&self) -> super::DirRead<'_> {
        super::DirRead::with_tx(&self.cache.dir, self.lo, &self.tx)
    }
}

impl Store {
    /// A read view of plugins' key-value data that serves repeated reads from memory.
    pub fn plugin_kv_reader(&self) -> Result<KvReader> {
        let cache = self.kv_cache().clone();
        // Before the transaction: it then holds every commit up to `lo` (see the module text).
        let lo = cache.generation();
        let tx = self.read()?;
        let table = tx.txn.open_table(PLUGIN_KV)?;
        Ok(KvReader {
            cache,
            lo,
            tx,
            table,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{KvWrite, StoreOptions};

    fn open(bytes: usize) -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_with(
            &dir.path().join("db.redb"),
            StoreOptions {
                kv_cache_bytes: bytes,
                // The cache's own behaviour, absent keys included (the filter would answer
                // those first: `the_key_filter_never_hides_a_stored_key`).
                kv_filter_bytes: 0,
                ..StoreOptions::default()
            },
        )
        .unwrap();
        (dir, store)
    }

    fn set(store: &Store, key: &str, value: Option<&str>) {
        let w = vec![KvWrite::set("p", key, value.map(|v| v.as_bytes().to_vec()))];
        store
            .write_blocking(move |tx| tx.plugin_kv_apply(&w))
            .unwrap();
    }

    fn get(r: &KvReader, key: &str) -> Option<String> {
        r.get("p", key)
            .unwrap()
            .map(|v| String::from_utf8(v).unwrap())
    }

    /// Opens the store at `path`, waiting for a store dropped just before to let go of the
    /// file (its writer thread does so shortly after).
    fn open_at(path: &std::path::Path, filter_bytes: usize) -> Store {
        let options = StoreOptions {
            kv_filter_bytes: filter_bytes,
            ..StoreOptions::default()
        };
        let mut opened = Store::open_with(path, options);
        for _ in 0..100 {
            if !matches!(opened, Err(crate::store::StoreError::Locked(_))) {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
            opened = Store::open_with(path, options);
        }
        opened.unwrap()
    }

    /// The key filter (`kv_filter.rs`) never hides a stored key: keys stored before the store
    /// opened (filled at open) and written, deleted and written again since (set before each
    /// commit) read the same as the table itself, through views opened before and after each
    /// write; and most keys never stored skip the table.
    #[test]
    fn the_key_filter_never_hides_a_stored_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.redb");
        {
            let store = open_at(&path, 1 << 16);
            let w: Vec<_> = (0..500)
                .map(|i| KvWrite::set("p", format!("old/{i}"), Some(vec![b'o'])))
                .collect();
            store
                .write_blocking(move |tx| tx.plugin_kv_apply(&w))
                .unwrap();
        }
        // A new process: the filter knows the old keys only from the fill at open.
        let store = open_at(&path, 1 << 16);
        assert!(store.kv_cache().filter.enabled());
        let mut views = vec![store.plugin_kv_reader().unwrap()];
        // A fixed pseudo-random sequence of sets and deletes over old and new keys.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for step in 0..400 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let key = match x % 3 {
                0 => format!("old/{}", (x >> 8) % 500),
                _ => format!("new/{}", (x >> 8) % 300),
            };
            let value = (x >> 40) % 4 != 0;
            set(&store, &key, value.then_some("v"));
            if step % 50 == 0 {
                views.push(store.plugin_kv_reader().unwrap());
            }
        }
        views.push(store.plugin_kv_reader().unwrap());
        let keys: Vec<String> = (0..500)
            .map(|i| format!("old/{i}"))
            .chain((0..300).map(|i| format!("new/{i}")))
            .chain((0..300).map(|i| format!("never/{i}")))
            .collect();
        for view in &views {
            for k in &keys {
                let truth = view.read_tx().plugin_kv_get("p", k).unwrap();
                assert_eq!(view.get("p", k).unwrap(), truth, "{k}");
            }
        }
        let filter = &store.kv_cache().filter;
        assert!((0..500).all(|i| filter.may_contain("p", &format!("old/{i}"))));
        let passed = (0..10_000)
            .filter(|i| filter.may_contain("p", &format!("never/{i}")))
            .count();
        assert!(
            passed < 100,
            "{passed} of 10,000 absent keys read the table"
        );
        // Off: every key may be present, and reads are the same.
        drop(views);
        drop(store);
        let off = open_at(&path, 0);
        assert!(!off.kv_cache().filter.enabled());
        let view = off.plugin_kv_reader().unwrap();
        for k in &keys {
            let truth = view.read_tx().plugin_kv_get("p", k).unwrap();
            assert_eq!(view.get("p", k).unwrap(), truth, "{k}");
        }
    }

    /// A write is seen by every view opened after its commit, never by one opened before
    /// (the snapshot a plugin's call reads from), however often the key was read.
    #[test]
    fn writes_invalidate_and_snapshots_hold() {
        let (_dir, store) = open(1 << 20);
        set(&store, "k", Some("1"));
        let before = store.plugin_kv_reader().unwrap();
        assert_eq!(get(&before, "k").as_deref(), Some("1"));
        assert_eq!(get(&before, "absent"), None);
        let again = store.plugin_kv_reader().unwrap();
        assert_eq!(get(&again, "k").as_deref(), Some("1"));
        assert_eq!(get(&again, "absent"), None);
        assert!(
            store.kv_cache().len() >= 2,
            "reads are cached at their second miss"
        );

        set(&store, "k", Some("2"));
        set(&store, "absent", Some("now"));
        let after = store.plugin_kv_reader().unwrap();
        for _ in 0..2 {
            assert_eq!(get(&after, "k").as_deref(), Some("2"));
            assert_eq!(get(&after, "absent").as_deref(), Some("now"));
        }
        // Cached again by `after`: the older view must still read its own snapshot.
        assert_eq!(get(&before, "k").as_deref(), Some("1"));
        assert_eq!(get(&before, "absent"), None);
        let later = store.plugin_kv_reader().unwrap();
        assert_eq!(get(&later, "k").as_deref(), Some("2"));

        // An increment, a delete and a plugin's data cleared: each seen by the next view.
        let inc = vec![KvWrite {
            delta: Some(5),
            ..KvWrite::set("p", "k", None)
        }];
        store
            .write_blocking(move |tx| tx.plugin_kv_apply(&inc))
            .unwrap();
        assert_eq!(
            get(&store.plugin_kv_reader().unwrap(), "k").as_deref(),
            Some("7")
        );
        set(&store, "k", None);
        assert_eq!(get(&store.plugin_kv_reader().unwrap(), "k"), None);
        set(&store, "k", Some("3"));
        assert_eq!(
            get(&store.plugin_kv_reader().unwrap(), "k").as_deref(),
            Some("3")
        );
        store
            .write_blocking(|tx| tx.plugin_kv_clear("p").map(|_| ()))
            .unwrap();
        assert_eq!(get(&store.plugin_kv_reader().unwrap(), "k"), None);
        assert_eq!(get(&store.plugin_kv_reader().unwrap(), "absent"), None);
    }

    /// A view opened before a commit that reads a key first after it must not cache its old
    /// value for later views.
    #[test]
    fn an_old_view_does_not_cache_its_old_value() {
        let (_dir, store) = open(1 << 20);
        set(&store, "k", Some("old"));
        // A first miss, so that the next one caches (the doorkeeper).
        assert_eq!(
            get(&store.plugin_kv_reader().unwrap(), "k").as_deref(),
            Some("old")
        );
        let old = store.plugin_kv_reader().unwrap();
        set(&store, "k", Some("new"));
        assert_eq!(get(&old, "k").as_deref(), Some("old"));
        let fresh = store.plugin_kv_reader().unwrap();
        assert_eq!(get(&fresh, "k").as_deref(), Some("new"));
        assert_eq!(get(&fresh, "k").as_deref(), Some("new"));
    }

    #[test]
    fn stays_within_its_bound_and_off_is_off() {
        let bound = 64 * 1024;
        let (_dir, store) = open(bound);
        let writes: Vec<KvWrite> = (0..5000)
            .map(|i| KvWrite::set("p", format!("token/{i}"), Some(vec![b'x'; 40])))
            .collect();
        store
            .write_blocking(move |tx| tx.plugin_kv_apply(&writes))
            .unwrap();
        let r = store.plugin_kv_reader().unwrap();
        for round in 0..3 {
            for i in 0..5000 {
                let v = r.get("p", &format!("token/{i}")).unwrap();
                assert_eq!(v.as_deref(), Some(&[b'x'; 40][..]), "round {round}");
                // Absent keys are cached too, and count.
                assert_eq!(r.get("p", &format!("none/{i}")).unwrap(), None);
                assert!(store.kv_cache().bytes() <= bound);
            }
        }
        let cache = store.kv_cache();
        assert!(cache.bytes() <= cache.capacity() && cache.capacity() <= bound);
        assert!(
            cache.len() > 100,
            "the cache holds what fits: {}",
            cache.len()
        );
        // A value larger than a shard's share is not cached at all.
        let big = vec![KvWrite::set("p", "big", Some(vec![0; 100_000]))];
        store
            .write_blocking(move |tx| tx.plugin_kv_apply(&big))
            .unwrap();
        let r = store.plugin_kv_reader().unwrap();
        assert_eq!(r.get("p", "big").unwrap().map(|v| v.len()), Some(100_000));
        assert!(store.kv_cache().bytes() <= bound);

        let (_dir, off) = open(0);
        set(&off, "k", Some("1"));
        let r = off.plugin_kv_reader().unwrap();
        assert_eq!(get(&r, "k").as_deref(), Some("1"));
        assert_eq!(off.kv_cache().len(), 0);
    }

    /// Writers commit two keys always equal; readers on other threads read both through the
    /// cache in one view: a stale cached value would show as a pair that differs, or a count
    /// that goes back.
    #[test]
    fn concurrent_readers_see_consistent_views() {
        let (_dir, store) = open(1 << 20);
        set(&store, "a", Some("0"));
        set(&store, "b", Some("0"));
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let readers: Vec<_> = (0..3)
            .map(|n| {
                let (store, stop) = (store.clone(), stop.clone());
                std::thread::spawn(move || {
                    let mut last = 0u64;
                    let mut views = 0;
                    while !stop.load(Ordering::Relaxed) || views < 50 {
                        let r = store.plugin_kv_reader().unwrap();
                        // Alternate the order, so that either key may be the cached one.
                        let (x, y) = if n % 2 == 0 {
                            (get(&r, "a"), get(&r, "b"))
                        } else {
                            let y = get(&r, "b");
                            (get(&r, "a"), y)
                        };
                        assert_eq!(x, y, "one view, two different commits");
                        let v: u64 = x.unwrap().parse().unwrap();
                        assert!(v >= last, "a view older than the one before: {v} < {last}");
                        last = v;
                        views += 1;
                    }
                    last
                })
            })
            .collect();
        for i in 1..=200u64 {
            let v = i.to_string();
            let w = vec![
                KvWrite::set("p", "a", Some(v.clone().into_bytes())),
                KvWrite::set("p", "b", Some(v.into_bytes())),
            ];
            store
                .write_blocking(move |tx| tx.plugin_kv_apply(&w))
                .unwrap();
        }
        stop.store(true, Ordering::Relaxed);
        for r in readers {
            r.join().unwrap();
        }
        let r = store.plugin_kv_reader().unwrap();
        assert_eq!(get(&r, "a").as_deref(), Some("200"));
        assert_eq!(get(&r, "b").as_deref(), Some("200"));
    }
}
