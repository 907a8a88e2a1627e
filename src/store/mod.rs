//! The mail store: one redb file holding domains, accounts, device passwords, mailboxes,
//! messages (content-addressed blobs plus per-mailbox UID/flags/modseq) and the outbound queue.
//!
//! Reads open a redb read transaction (`Store::read`), which never blocks writers. All writes go
//! through one writer thread (`writer.rs`) that batches concurrent requests into one write
//! transaction: a delivery is acknowledged only after the commit that contains it, and many
//! deliveries share one fsync.
//!
//! `Store` is the seam for a later distributed backend: protocol code only sees `ReadTx`/`Tx`
//! methods named for what they mean (deliver, append, set flags…), never redb tables.

mod accounts;
mod addresses;
pub mod blobs;
mod dir_cache;
pub mod import;
mod kv_cache;
mod kv_filter;
pub mod lists;
pub mod mailboxes;
pub mod messages;
pub mod modseq;
mod plugin_kv;
mod queue;
mod quota;
pub mod redirects;
pub mod reports;
pub mod schema;
mod sending;
pub mod sieve;
mod tables;
pub mod trace;
mod trace_codec;
pub mod training;
pub mod types;
mod view;
mod writer;

use std::path::Path;
use std::sync::Arc;

use redb::{Database, ReadableDatabase, ReadableTable};
use tokio::sync::{Notify, broadcast};

pub use addresses::{AddressDefaults, Alias, DomainAddressing};
pub use blobs::BlobStore;
pub use dir_cache::{DEFAULT_DIR_CACHE_BYTES, DirCache, DirKind, DirRead};
pub use kv_cache::{DEFAULT_KV_CACHE_BYTES, KvCache, KvReader};
pub use kv_filter::{DEFAULT_KV_FILTER_BYTES, KeyFilter};
pub use lists::{ListEntry, ListKind, ListMatch, ListScope};
pub use messages::{CopyResult, FlagOp};
pub use modseq::Vanished;
pub use plugin_kv::{KvWrite, counter_bytes, counter_value};
pub use queue::{QueueNotice, QueueStats, QueueUpdate};
pub use quota::{Usage, parse_size};
pub use redirects::Redirect;
pub use reports::{ReportJob, ReportKind};
pub use sieve::{SieveListing, SieveScript};
pub use trace::TraceRecord;
pub use training::{TrainingAction, TrainingEvent};
pub use types::*;
pub use view::MailboxView;
use writer::Writer;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the database {0} is in use by another process (is the server running?)")]
    Locked(String),
    #[error("database error: {0}")]
    Db(String),
    #[error("corrupt record in {table}: {message}")]
    Corrupt {
        table: &'static str,
        message: String,
    },
    #[error("{0} already exists")]
    Exists(String),
    #[error("{0} not found")]
    NotFound(String),
    #[error("{0}")]
    Invalid(String),
    #[error("the store is shutting down")]
    Closed,
    /// Storing would take the account over its quota (RFC 9208 OVERQUOTA; RFC 3463 4.2.2).
    #[error("{0} is over its storage quota")]
    OverQuota(String),
}

macro_rules! db_error {
    ($($t:ty),*) => {$(
        impl From<$t> for StoreError {
            fn from(e: $t) -> Self {
                StoreError::Db(e.to_string())
            }
        }
    )*};
}
db_error!(
    redb::Error,
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError
);

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

pub(crate) fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

pub(crate) fn encode<T: serde::Serialize>(value: &T) -> Vec<u8> {
    // Serialising plain structs of strings and integers to JSON cannot fail.
    serde_json::to_vec(value).unwrap_or_default()
}

pub(crate) fn decode<T: serde::de::DeserializeOwned>(
    table: &'static str,
    bytes: &[u8],
) -> Result<T> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Corrupt {
        table,
        message: e.to_string(),
    })
}

/// How the store is opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreOptions {
    /// Bytes of database pages kept in memory (redb's read cache and write buffer). redb's own
    /// default is 1 GiB, which one `FETCH 1:* BODY[]` over a large mailbox fills and keeps.
    pub cache_bytes: usize,
    /// Bytes of plugins' key-value reads kept in memory (`kv_cache.rs`); 0: none.
    pub kv_cache_bytes: usize,
    /// Bytes of the filter of plugin keys that may be stored (`kv_filter.rs`); 0: none.
    pub kv_filter_bytes: usize,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            cache_bytes: 64 * 1024 * 1024,
            kv_cache_bytes: DEFAULT_KV_CACHE_BYTES,
            kv_filter_bytes: DEFAULT_KV_FILTER_BYTES,
        }
    }
}

#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    db: Arc<Database>,
    blobs: BlobStore,
    writer: Writer,
    changes: broadcast::Sender<Change>,
    queue_signal: Arc<Notify>,
    views: Arc<view::Views>,
    /// The same changes, split by account (`account_id % ACCOUNT_SHARDS`), for IDLE.
    account_changes: Arc<Vec<broadcast::Sender<Change>>>,
    /// The store file, for its size (`metrics`).
    path: std::path::PathBuf,
}

/// Channels the per-account change notifications are spread over: an IDLE session is woken by
/// changes of its own account (and the few sharing its shard), not by every delivery.
const ACCOUNT_SHARDS: usize = 64;

impl Store {
    /// Opens (or creates) the store file with default options and starts its writer thread.
    pub fn open(path: &Path) -> Result<Store> {
        Store::open_with(path, StoreOptions::default())
    }

    /// Opens (or creates) the store file and starts its writer thread.
    pub fn open_with(path: &Path, options: StoreOptions) -> Result<Store> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| StoreError::Db(format!("cannot create {}: {e}", parent.display())))?;
        }
        let db = match Database::builder()
            .set_cache_size(options.cache_bytes)
            .create(path)
        {
            Ok(db) => db,
            Err(redb::DatabaseError::DatabaseAlreadyOpen) => {
                return Err(StoreError::Locked(path.display().to_string()));
            }
            Err(e) => return Err(StoreError::Db(format!("{}: {e}", path.display()))),
        };
        let db = Arc::new(db);
        init_schema(&db)?;
        let (changes, _) = broadcast::channel(1024);
        let queue_signal = Arc::new(Notify::new());
        // Every stored plugin key in the filter before the first reader can use it.
        let filter = KeyFilter::new(options.kv_filter_bytes);
        fill_key_filter(&db, &filter)?;
        let views = Arc::new(view::Views::with_kv_cache(KvCache::with_filter(
            options.kv_cache_bytes,
            filter,
        )));
        let account_changes: Arc<Vec<_>> = Arc::new(
            (0..ACCOUNT_SHARDS)
                .map(|_| broadcast::channel(256).0)
                .collect(),
        );
        let writer = Writer::start(
            db.clone(),
            changes.clone(),
            queue_signal.clone(),
            views.clone(),
            account_changes.clone(),
        );
        Ok(Store {
            inner: Arc::new(Inner {
                blobs: BlobStore::new(db.clone()),
                db,
                writer,
                changes,
                queue_signal,
                views,
                account_changes,
                path: path.to_path_buf(),
            }),
        })
    }

    /// The store file's size in bytes (`None` when it cannot be read).
    pub fn file_size(&self) -> Option<u64> {
        std::fs::metadata(&self.inner.path).ok().map(|m| m.len())
    }

    /// A consistent read-only view of the store's metadata. Keep it short: never hold one
    /// across an `.await` (clippy.toml forbids it), so that a slow client pins nothing.
    pub fn read(&self) -> Result<ReadTx> {
        Ok(ReadTx {
            txn: self.inner.db.begin_read()?,
        })
    }

    /// The cache of plugins' key-value reads (`plugin_kv_reader`).
    pub fn kv_cache(&self) -> &Arc<KvCache> {
        &self.inner.views.kv
    }

    /// Directory reads through their cache (`dir_cache.rs`), at the current generation.
    pub fn dir_read(&self) -> DirRead<'_> {
        DirRead::new(self)
    }

    /// The cache of directory reads.
    pub fn dir_cache(&self) -> &DirCache {
        &self.inner.views.kv.dir
    }

    /// Message contents, read apart from the metadata that names them.
    pub fn blobs(&self) -> &BlobStore {
        &self.inner.blobs
    }

    /// Runs `op` in a write transaction shared with other concurrent writes, and returns once the
    /// transaction is committed (durable). `op` may be run more than once: when another write in
    /// the same batch fails, the batch is rolled back and each write is retried alone.
    pub async fn write<R, F>(&self, op: F) -> Result<R>
    where
        R: Send + 'static,
        F: FnMut(&mut Tx<'_>) -> Result<R> + Send + 'static,
    {
        self.inner.writer.submit(op).await
    }

    /// The mailbox and its messages as of now, shared by every caller until the next commit:
    /// one read per change however many IDLE sessions it wakes (issue 16). None when the
    /// mailbox does not exist.
    pub fn mailbox_view(&self, id: MailboxId) -> Result<Option<Arc<MailboxView>>> {
        let (cached, generation) = self.inner.views.get(id);
        if let Some(view) = cached {
            return Ok(Some(view));
        }
        let read = self.read()?;
        let Some(mailbox) = read.mailbox_by_id(id)? else {
            return Ok(None);
        };
        let messages = read.messages(id)?;
        drop(read);
        let view = Arc::new(MailboxView { mailbox, messages });
        self.inner.views.insert(id, generation, view.clone());
        Ok(Some(view))
    }

    /// Whether the caller should write a `\Recent` claim up to `up_to`: false when another
    /// session of this process is already claiming as far, so that sessions woken together do
    /// not each queue the same write (RFC 3501 §2.3.2 still holds: the write decides).
    pub fn begin_recent_claim(&self, mailbox: &Mailbox, up_to: u32) -> bool {
        self.inner
            .views
            .begin_claim(mailbox.id, mailbox.uidvalidity, up_to)
    }

    /// A write nobody waits for, folded into the next commit (or committed alone within a
    /// second): for records whose loss in a crash is acceptable (the message trace of a
    /// refused message), so that they cost no fsync of their own.
    pub fn write_deferred<F>(&self, op: F)
    where
        F: FnMut(&mut Tx<'_>) -> Result<()> + Send + 'static,
    {
        self.inner.writer.submit_deferred(op)
    }

    /// Blocking form of `write`, for the CLI outside an async runtime.
    pub fn write_blocking<R, F>(&self, op: F) -> Result<R>
    where
        R: Send + 'static,
        F: FnMut(&mut Tx<'_>) -> Result<R> + Send + 'static,
    {
        self.inner.writer.submit_blocking(op)
    }

    /// Change notifications, sent after each commit.
    pub fn subscribe(&self) -> broadcast::Receiver<Change> {
        self.inner.changes.subscribe()
    }

    /// Change notifications of one account (and of the few others sharing its channel: check
    /// `Change::account_id`), sent after each commit.
    pub fn subscribe_account(&self, account_id: AccountId) -> broadcast::Receiver<Change> {
        let shards = &self.inner.account_changes;
        shards[account_shard(account_id, shards.len())].subscribe()
    }

    /// Notified after each commit that made a queue entry due now (`enqueue`, `queue_retry`),
    /// so the outbound task sends fresh mail at once instead of at its next scan. For one
    /// waiter: `notify_one` keeps a permit while nobody waits, so no wake-up is lost.
    pub fn queue_signal(&self) -> Arc<Notify> {
        self.inner.queue_signal.clone()
    }
}

fn init_schema(db: &Database) -> Result<()> {
    let txn = db.begin_write()?;
    {
        let mut meta = txn.open_table(schema::META)?;
        let version = meta.get("schema_version")?.map(|v| v.value());
        match version {
            None => {
                meta.insert("schema_version", schema::SCHEMA_VERSION)?;
            }
            Some(v) if v == schema::SCHEMA_VERSION => {}
            Some(v) => {
                return Err(StoreError::Db(format!(
                    "the database has schema version {v}; this Mailsift understands {}",
                    schema::SCHEMA_VERSION
                )));
            }
        }
        // Create every table so that read transactions never meet a missing one.
        txn.open_table(schema::DOMAINS)?;
        txn.open_table(schema::LISTS)?;
        txn.open_table(schema::TRAINING)?;
        txn.open_table(schema::REPORTS)?;
        txn.open_table(schema::SETTINGS)?;
        txn.open_table(schema::SIEVE_SCRIPTS)?;
        txn.open_table(schema::SIEVE_ACTIVE)?;
        txn.open_table(schema::ACCOUNTS)?;
        txn.open_table(schema::ACCOUNT_IDS)?;
        txn.open_table(schema::SENDING)?;
        txn.open_table(schema::PASSWORDS)?;
        txn.open_table(schema::MAILBOX_NAMES)?;
        txn.open_table(schema::MAILBOXES)?;
        txn.open_table(schema::MAILBOX_NODES)?;
        txn.open_table(schema::MESSAGES)?;
        txn.open_table(schema::BLOBS)?;
        txn.open_table(schema::BLOB_REFS)?;
        txn.open_table(schema::QUEUE)?;
        txn.open_table(schema::PLUGIN_KV)?;
        txn.open_table(schema::TRACE)?;
        txn.open_table(schema::TRACE_IDS)?;
        accounts::ensure_auth_secret(&txn)?;
        addresses::ensure_tables(&txn)?;
        redirects::ensure_tables(&txn)?;
    }
    // After the block: it holds `meta` open, which the index build writes to.
    queue::ensure_due_index(&txn)?;
    quota::ensure_usage(&txn)?;
    modseq::ensure_vanished(&txn)?;
    import::ensure_tables(&txn)?;
    txn.commit()?;
    Ok(())
}

/// A write transaction, as the writer thread lends it to the operations of one batch.
pub struct Tx<'a> {
    /// Only through `txn()` (which closes the hot tables first) or beside `hot`.
    txn: &'a redb::WriteTransaction,
    /// The tables of a delivery, open across the batch's writes (`tables.rs`).
    hot: std::cell::RefCell<tables::Hot<'a>>,
    changes: &'a mut Vec<Change>,
    /// A queue entry became due now: the writer signals the outbound task after the commit.
    queue_due: &'a mut bool,
    /// Plugins' cached key-value reads: a write touches its keys before the commit.
    kv: &'a KvCache,
    /// Quota limits read in this transaction, by account (`quota.rs`): a batch's deliveries to
    /// one account read the account record once. Emptied by `directory_changed`, which every
    /// write of an account record or the default quota calls first, and gone with the batch.
    quota_limits: std::cell::RefCell<Vec<(AccountId, Option<u64>)>>,
}

impl<'a> Tx<'a> {
    pub(super) fn new(
        txn: &'a redb::WriteTransaction,
        changes: &'a mut Vec<Change>,
        queue_due: &'a mut bool,
        kv: &'a KvCache,
    ) -> Tx<'a> {
        Tx {
            txn,
            hot: Default::default(),
            changes,
            queue_due,
            kv,
            quota_limits: Default::default(),
        }
    }

    /// The transaction, for opening a table directly: the hot tables are closed first, since
    /// redb refuses to open a table twice. A hot table in use right now stays open (only
    /// `tables.rs` users hold one, and they open nothing else meanwhile).
    fn txn(&self) -> &'a redb::WriteTransaction {
        if let Ok(mut hot) = self.hot.try_borrow_mut() {
            hot.close();
        }
        self.txn
    }

    /// The hot tables (`tables.rs`), with the transaction to open them in.
    fn hot(
        &self,
    ) -> Result<(
        std::cell::RefMut<'_, tables::Hot<'a>>,
        &'a redb::WriteTransaction,
    )> {
        let hot = self
            .hot
            .try_borrow_mut()
            .map_err(|_| StoreError::Db("the table cache is already in use".into()))?;
        Ok((hot, self.txn))
    }
}

impl Tx<'_> {
    fn next_id(&mut self, counter: &str) -> Result<u64> {
        let mut meta = self.txn().open_table(schema::META)?;
        let next = meta.get(counter)?.map(|v| v.value()).unwrap_or(0) + 1;
        meta.insert(counter, next)?;
        Ok(next)
    }

    /// Before changing a directory table (domains, accounts, aliases, alias domains, address
    /// defaults, redirects, allow/block lists): cached directory reads go (`dir_cache.rs`).
    fn directory_changed(&self) {
        self.kv.touch_directory();
        self.quota_limits.borrow_mut().clear();
    }

    fn notify(&mut self, change: Change) {
        if !self.changes.contains(&change) {
            self.changes.push(change);
        }
    }
}

/// A read transaction.
pub struct ReadTx {
    txn: redb::ReadTransaction,
}

impl ReadTx {
    fn txn(&self) -> &redb::ReadTransaction {
        &self.txn
    }
}

/// Reads a JSON record from a `&str`-keyed table.
fn get_json<T: serde::de::DeserializeOwned>(
    table: &impl ReadableTable<&'static str, &'static [u8]>,
    name: &'static str,
    key: &str,
) -> Result<Option<T>> {
    match table.get(key)? {
        Some(v) => Ok(Some(decode(name, v.value())?)),
        None => Ok(None),
    }
}

/// The per-account channel an account's changes go to.
fn account_shard(account_id: AccountId, shards: usize) -> usize {
    (account_id % shards.max(1) as u64) as usize
}

/// Sets the bits of every key of the `plugin_kv` table (`kv_filter.rs`), when the store opens.
fn fill_key_filter(db: &Database, filter: &KeyFilter) -> Result<()> {
    if !filter.enabled() {
        return Ok(());
    }
    let txn = db.begin_read()?;
    let table = txn.open_table(schema::PLUGIN_KV)?;
    for entry in redb::ReadableTable::iter(&table)? {
        let (k, _) = entry?;
        let (plugin, key) = k.value();
        filter.insert(plugin, key);
    }
    Ok(())
}
