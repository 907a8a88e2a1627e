//! A bounded in-memory cache of directory reads (issue 19): where a recipient address leads
//! (`directory::resolve`) and an account's or domain's allow/block list. A message resolves each
//! recipient at RCPT, again in the pipeline's recipients stage and in the lists plugin's lookup;
//! each was a read transaction, a few table opens and JSON decodes.
//!
//! Validity follows the plugin key-value cache's rule (`kv_cache.rs`), on the same commit
//! counter: a reader notes the generation `lo` before it opens its read transaction; every
//! write transaction that changes a directory table (domains, accounts, aliases, alias domains,
//! address defaults, redirects, lists, the default quota) calls [`DirCache::touch`] before its commit, which drops
//! every entry and raises `floor` to the generation that commit will have. An entry read at `lo`
//! is inserted only when `floor <= lo` (no directory write committed after `lo`), and is then
//! right for every generation until the next touch removes it. Directory writes are rare
//! (administration), so one floor for the whole cache costs nothing measurable.

use std::any::Any;
use std::cell::OnceCell;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex, MutexGuard};

use indexmap::{Equivalent, IndexMap};

use super::{ReadTx, Result, Store};

/// What an entry caches; part of its key, so that one kind is never served for another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DirKind {
    /// `directory::resolve` of an address, as given.
    Recipient,
    /// The allow/block entries of one list scope (`account:…`, `domain:…`).
    List,
    /// The server's default quota (key: empty).
    DefaultQuota,
    /// What the Sieve stage reads of an account (key: the account id): its address and its
    /// active script (`store/sieve.rs`).
    Sieve,
}

/// Bytes the cache holds at most: some 20,000 resolved addresses or small lists (an entry
/// is ~300-400 bytes), whatever the number of accounts; beyond, entries are evicted.
pub const DEFAULT_DIR_CACHE_BYTES: usize = 8 * 1024 * 1024;
/// What an entry costs beyond its key and the size its caller states: the map slot, the boxed
/// key, the `Arc` and allocator headers (kept generous).
const ENTRY_OVERHEAD: usize = 128;

pub struct DirCache {
    inner: Mutex<Inner>,
    /// Bytes held at most (0: off).
    capacity: usize,
}

#[derive(Default)]
struct Inner {
    map: IndexMap<Key, Slot>,
    bytes: usize,
    /// The generation of the latest commit that changed a directory table (or will).
    floor: u64,
    /// Where eviction looks next (entries are evicted in insertion-slot order, round robin).
    hand: usize,
}

#[derive(PartialEq, Eq)]
struct Key {
    kind: DirKind,
    key: Box<str>,
}

struct KeyRef<'a> {
    kind: DirKind,
    key: &'a str,
}

impl Hash for Key {
    fn hash<H: Hasher>(&self, state: &mut H) {
        KeyRef {
            kind: self.kind,
            key: &self.key,
        }
        .hash(state)
    }
}

impl Hash for KeyRef<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.kind.hash(state);
        self.key.hash(state);
    }
}

impl Equivalent<Key> for KeyRef<'_> {
    fn equivalent(&self, k: &Key) -> bool {
        self.kind == k.kind && *self.key == *k.key
    }
}

struct Slot {
    value: Arc<dyn Any + Send + Sync>,
    /// The reader generation it was read at: valid for readers at `since` or later.
    since: u64,
    size: usize,
}

impl Default for DirCache {
    fn default() -> Self {
        DirCache::new(DEFAULT_DIR_CACHE_BYTES)
    }
}

impl DirCache {
    /// A cache of at most `bytes`; 0 turns it off.
    pub fn new(bytes: usize) -> DirCache {
        DirCache {
            inner: Mutex::default(),
            capacity: bytes,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves the map consistent enough: sizes are a bound.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// In a write transaction, before its commit: a directory table is about to change in the
    /// commit of generation `next`.
    pub(super) fn touch(&self, next: u64) {
        let mut inner = self.lock();
        inner.floor = inner.floor.max(next);
        if !inner.map.is_empty() {
            inner.map.clear();
            inner.bytes = 0;
            inner.hand = 0;
        }
    }

    /// The cached value for a reader at `lo`.
    pub fn get<T: Any + Send + Sync>(&self, kind: DirKind, key: &str, lo: u64) -> Option<Arc<T>> {
        if self.capacity == 0 {
            return None;
        }
        let inner = self.lock();
        let slot = inner.map.get(&KeyRef { kind, key })?;
        if slot.since > lo {
            return None;
        }
        slot.value.clone().downcast::<T>().ok()
    }

    /// Caches what a reader at `lo` read (`size`: its heap bytes, roughly), unless a directory
    /// write may have changed it since `lo`.
    pub fn insert<T: Any + Send + Sync>(
        &self,
        kind: DirKind,
        key: &str,
        value: Arc<T>,
        size: usize,
        lo: u64,
    ) {
        let size = size + key.len() + ENTRY_OVERHEAD;
        if size > self.capacity / 8 {
            return;
        }
        let mut inner = self.lock();
        if inner.floor > lo || inner.map.contains_key(&KeyRef { kind, key }) {
            return;
        }
        while inner.bytes + size > self.capacity && !inner.map.is_empty() {
            if inner.hand >= inner.map.len() {
                inner.hand = 0;
            }
            let hand = inner.hand;
            if let Some((_, old)) = inner.map.swap_remove_index(hand) {
                inner.bytes -= old.size;
            }
            inner.hand += 1;
        }
        inner.map.insert(
            Key {
                kind,
                key: key.into(),
            },
            Slot {
                value,
                since: lo,
                size,
            },
        );
        inner.bytes += size;
    }

    /// Bytes held (keys, stated sizes and overhead), at most the bound.
    pub fn bytes(&self) -> usize {
        self.lock().bytes
    }

    pub fn len(&self) -> usize {
        self.lock().map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }
}

/// Reads through the directory cache at one generation: a read transaction is opened only at
/// the first miss (or an open one is borrowed: a plugin call's snapshot).
pub struct DirRead<'a> {
    cache: &'a DirCache,
    lo: u64,
    source: Source<'a>,
}

enum Source<'a> {
    Store(&'a Store, OnceCell<ReadTx>),
    Tx(&'a ReadTx),
}

impl<'a> DirRead<'a> {
    /// Through `store`'s cache; the generation is noted now, before any transaction opens.
    pub fn new(store: &'a Store) -> DirRead<'a> {
        let kv = store.kv_cache();
        DirRead {
            lo: kv.generation(),
            cache: &kv.dir,
            source: Source::Store(store, OnceCell::new()),
        }
    }

    /// Through `cache` with a transaction opened after generation `lo` was noted.
    pub(super) fn with_tx(cache: &'a DirCache, lo: u64, tx: &'a ReadTx) -> DirRead<'a> {
        DirRead {
            cache,
            lo,
            source: Source::Tx(tx),
        }
    }

    /// The read transaction (opened now if none is yet).
    pub fn tx(&self) -> Result<&ReadTx> {
        match &self.source {
            Source::Tx(tx) => Ok(tx),
            Source::Store(store, cell) => {
                if let Some(tx) = cell.get() {
                    return Ok(tx);
                }
                let tx = store.read()?;
                Ok(cell.get_or_init(|| tx))
            }
        }
    }

    pub fn get<T: Any + Send + Sync>(&self, kind: DirKind, key: &str) -> Option<Arc<T>> {
        self.cache.get(kind, key, self.lo)
    }

    pub fn insert<T: Any + Send + Sync>(
        &self,
        kind: DirKind,
        key: &str,
        value: Arc<T>,
        size: usize,
    ) {
        self.cache.insert(kind, key, value, size, self.lo)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_keys_do_not_mix_and_the_bound_holds() {
        let cache = DirCache::new(64 * 1024);
        cache.insert(DirKind::Recipient, "a@x.org", Arc::new(1u32), 8, 0);
        assert_eq!(
            cache
                .get::<u32>(DirKind::Recipient, "a@x.org", 0)
                .as_deref(),
            Some(&1)
        );
        assert!(cache.get::<u32>(DirKind::List, "a@x.org", 0).is_none());
        assert!(cache.get::<u32>(DirKind::Recipient, "b@x.org", 0).is_none());
        assert!(cache.get::<u64>(DirKind::Recipient, "a@x.org", 0).is_none());
        for i in 0..10_000 {
            cache.insert(
                DirKind::Recipient,
                &format!("u{i}@x.org"),
                Arc::new(i),
                100,
                0,
            );
            assert!(cache.bytes() <= cache.capacity());
        }
        assert!(cache.len() > 100);
        // A reader older than the entry does not use it.
        cache.insert(DirKind::List, "late", Arc::new(2u32), 8, 5);
        assert!(cache.get::<u32>(DirKind::List, "late", 4).is_none());
        assert!(cache.get::<u32>(DirKind::List, "late", 5).is_some());
        // A touch drops everything, and readers from before it do not insert.
        cache.touch(9);
        assert!(cache.is_empty());
        cache.insert(DirKind::List, "old", Arc::new(3u32), 8, 8);
        assert!(cache.is_empty());
        cache.insert(DirKind::List, "new", Arc::new(3u32), 8, 9);
        assert_eq!(cache.len(), 1);
        let off = DirCache::new(0);
        off.insert(DirKind::List, "k", Arc::new(1u8), 1, 0);
        assert!(off.get::<u8>(DirKind::List, "k", 0).is_none());
    }

    /// The default quota is cached, and a change of it is seen by the next check.
    #[test]
    fn the_default_quota_follows_its_changes() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db.redb")).unwrap();
        let account = store
            .write_blocking(|tx| {
                tx.add_domain("example.org")?;
                tx.add_account("a@example.org")
            })
            .unwrap();
        for _ in 0..2 {
            assert!(!store.dir_read().over_quota(&account).unwrap());
        }
        // A limit of one byte: an empty account is not over it; with usage it is.
        store.write_blocking(|tx| tx.set_default_quota(1)).unwrap();
        assert_eq!(store.dir_read().default_quota().unwrap(), 1);
        store
            .write_blocking(move |tx| tx.add_usage(account.id, 10, 1))
            .unwrap();
        assert!(store.dir_read().over_quota(&account).unwrap());
        store.write_blocking(|tx| tx.set_default_quota(0)).unwrap();
        assert!(!store.dir_read().over_quota(&account).unwrap());
        assert_eq!(store.dir_read().default_quota().unwrap(), 0);
    }

    #[test]
    fn off_is_off() {
        let off = DirCache::new(0);
        off.insert(DirKind::List, "k", Arc::new(1u8), 1, 0);
        assert!(off.get::<u8>(DirKind::List, "k", 0).is_none());
    }
}
