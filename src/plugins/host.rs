//! What a plugin can reach: its log, its own key-value store and its own config values. Also
//! the bounded call itself (fresh store + instance, CPU budget in fuel, memory cap).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use wasmtime::component::{
    ComponentExportIndex, ComponentNamedList, Instance, Lift, Lower, TypedFunc,
};
use wasmtime::{Store, StoreLimits, StoreLimitsBuilder, Trap};

use super::CallError;
use super::bindings::mailsift::plugin::{config, kv, lists, log, types};
use super::engine::{
    CpuMeter, EPOCH_TICK, PluginEngine, backstop_ms, backstop_ticks, fuel_budget, fuel_of_cpu,
    thread_cpu_time,
};
use super::registry::LoadedPlugin;
use crate::store::{KvWrite, ListKind, ListMatch, ListScope, counter_bytes, counter_value};

/// Longest key a plugin may use (the plugin's name is prepended by the host).
pub const MAX_KEY: usize = 512;
/// Largest value.
pub const MAX_VALUE: usize = 1 << 20;
/// Most bytes of writes one call may buffer (they are committed after the call).
pub const MAX_PENDING: usize = 8 << 20;
/// Most keys in one `get-many`.
pub const MAX_GET_MANY: usize = 1024;
/// Log lines kept per call; more are counted and dropped (a plugin must not flood the log).
pub const MAX_LOG_LINES: u32 = 100;
/// Longest log line, in bytes.
pub const MAX_LOG_LINE: usize = 4096;

/// Where plugins' key-value data lives: the server's store, or memory for `plugin test`.
pub trait KvSource: Send + Sync {
    fn snapshot(&self) -> Result<Box<dyn KvSnapshot>, String>;

    /// [`KvSnapshot::list_matches`] for a call that has no snapshot open: a source that can
    /// answer without one (the store's directory cache) saves opening it.
    fn list_matches(&self, recipient: &str, sender: &str) -> Result<Vec<ListMatch>, String> {
        self.snapshot()?.list_matches(recipient, sender)
    }
}

/// A consistent read view, opened at a call's first read.
pub trait KvSnapshot: Send {
    fn get(&self, plugin: &str, key: &str) -> Result<Option<Vec<u8>>, String>;

    /// Allow/block list entries of `recipient` (and its domain) matching `sender`.
    fn list_matches(&self, recipient: &str, sender: &str) -> Result<Vec<ListMatch>, String> {
        let _ = (recipient, sender);
        Ok(Vec::new())
    }
}

/// Reads from the server's redb store, through its cache of plugin key-value reads
/// (`store::KvReader`: repeated reads of a trained model cost no B-tree walk, and every
/// commit that writes a key invalidates it before a later call can read it).
pub struct StoreKv(pub crate::store::Store);

struct StoreSnapshot(crate::store::KvReader);

impl KvSource for StoreKv {
    fn snapshot(&self) -> Result<Box<dyn KvSnapshot>, String> {
        Ok(Box::new(StoreSnapshot(
            self.0.plugin_kv_reader().map_err(|e| e.to_string())?,
        )))
    }

    fn list_matches(&self, recipient: &str, sender: &str) -> Result<Vec<ListMatch>, String> {
        list_matches(&self.0.dir_read(), recipient, sender)
    }
}

/// The allow/block entries of `recipient`'s account and domain matching `sender`, through the
/// directory cache (a read transaction only on a miss).
fn list_matches(
    read: &crate::store::DirRead<'_>,
    recipient: &str,
    sender: &str,
) -> Result<Vec<ListMatch>, String> {
    let found =
        crate::directory::resolve_cached_shared(read, recipient).map_err(|e| e.to_string())?;
    let crate::directory::Recipient::Local { account, .. } = &*found else {
        return Ok(Vec::new());
    };
    let domain = account.address.rsplit_once('@').map_or("", |(_, d)| d);
    read.list_matches(&account.address, domain, sender)
        .map_err(|e| e.to_string())
}

impl KvSnapshot for StoreSnapshot {
    fn get(&self, plugin: &str, key: &str) -> Result<Option<Vec<u8>>, String> {
        self.0.get(plugin, key).map_err(|e| e.to_string())
    }

    fn list_matches(&self, recipient: &str, sender: &str) -> Result<Vec<ListMatch>, String> {
        list_matches(&self.0.dir_read(), recipient, sender)
    }
}

/// One key-value snapshot for all the plugin calls on one message, opened at the first read:
/// one read transaction per message instead of one per plugin that reads (the calls run one
/// after another on one thread, and what they write is committed after all of them, so they
/// read the same data either way). Each plugin still reads only its own keys (the snapshot is
/// asked with the calling plugin's name); lookups that need no snapshot go to the source.
pub struct MessageKv {
    base: Arc<dyn KvSource>,
    snapshot: Arc<Mutex<Option<Box<dyn KvSnapshot>>>>,
}

impl MessageKv {
    pub fn new(base: Arc<dyn KvSource>) -> MessageKv {
        MessageKv {
            base,
            snapshot: Arc::new(Mutex::new(None)),
        }
    }
}

/// A call's handle on a [`MessageKv`]'s snapshot.
struct SharedSnapshot(Arc<Mutex<Option<Box<dyn KvSnapshot>>>>);

impl KvSource for MessageKv {
    fn snapshot(&self) -> Result<Box<dyn KvSnapshot>, String> {
        let mut open = self.snapshot.lock().unwrap_or_else(|e| e.into_inner());
        if open.is_none() {
            *open = Some(self.base.snapshot()?);
        }
        Ok(Box::new(SharedSnapshot(self.snapshot.clone())))
    }

    fn list_matches(&self, recipient: &str, sender: &str) -> Result<Vec<ListMatch>, String> {
        self.base.list_matches(recipient, sender)
    }
}

impl KvSnapshot for SharedSnapshot {
    fn get(&self, plugin: &str, key: &str) -> Result<Option<Vec<u8>>, String> {
        match &*self.0.lock().unwrap_or_else(|e| e.into_inner()) {
            Some(s) => s.get(plugin, key),
            None => Err("no snapshot".into()),
        }
    }

    fn list_matches(&self, recipient: &str, sender: &str) -> Result<Vec<ListMatch>, String> {
        match &*self.0.lock().unwrap_or_else(|e| e.into_inner()) {
            Some(s) => s.list_matches(recipient, sender),
            None => Err("no snapshot".into()),
        }
    }
}

/// In-memory key-value data (for `mailsift plugin test`, `mailsift spam eval` and tests).
/// Calls read the live map (no copy per call: an evaluation run trains a model of a few
/// hundred thousand keys); writes are applied by the caller after each call.
#[derive(Default, Clone)]
pub struct MemoryKv(pub Arc<Mutex<MemoryMap>>);

/// (plugin, key) → value.
pub type MemoryMap = BTreeMap<(String, String), Vec<u8>>;

impl MemoryKv {
    pub fn apply(&self, writes: &[KvWrite]) {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        for w in writes {
            let k = (w.plugin.clone(), w.key.clone());
            match w.applied_to(map.get(&k).map(Vec::as_slice)) {
                Some(v) => {
                    map.insert(k, v);
                }
                None => {
                    map.remove(&k);
                }
            }
        }
    }
}

struct MemorySnapshot(Arc<Mutex<MemoryMap>>);

impl KvSource for MemoryKv {
    fn snapshot(&self) -> Result<Box<dyn KvSnapshot>, String> {
        Ok(Box::new(MemorySnapshot(self.0.clone())))
    }
}

impl KvSnapshot for MemorySnapshot {
    fn get(&self, plugin: &str, key: &str) -> Result<Option<Vec<u8>>, String> {
        let map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        Ok(map.get(&(plugin.to_string(), key.to_string())).cloned())
    }
}

/// Writes not committed yet, read before an underlying store: a run of `learn` calls
/// (`mailsift spam train`) sees its own earlier writes while the store commits once per batch
/// instead of once per call. A deleted key is remembered as `None`; an increment of a key with
/// no value written stays a delta, applied to the store's value at commit.
/// (plugin, key) → the last write (increments folded into it).
type PendingWrites = Arc<Mutex<BTreeMap<(String, String), KvWrite>>>;

#[derive(Clone)]
pub struct OverlayKv {
    base: Arc<dyn KvSource>,
    pending: PendingWrites,
}

impl OverlayKv {
    pub fn new(base: Arc<dyn KvSource>) -> OverlayKv {
        OverlayKv {
            base,
            pending: Arc::default(),
        }
    }

    pub fn apply(&self, writes: Vec<KvWrite>) {
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        for w in writes {
            let k = (w.plugin.clone(), w.key.clone());
            let folded = match (pending.get(&k), w.delta) {
                (Some(before), Some(d)) => match before.delta {
                    Some(d0) => KvWrite {
                        delta: Some(d0.saturating_add(d)),
                        ..w
                    },
                    None => KvWrite {
                        value: w.applied_to(before.value.as_deref()),
                        delta: None,
                        ..w
                    },
                },
                _ => w,
            };
            pending.insert(k, folded);
        }
    }

    /// How many keys are waiting.
    pub fn len(&self) -> usize {
        self.pending.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The pending writes (the last one per key), emptying the overlay: call once they are
    /// about to be committed, before the next read.
    pub fn take(&self) -> Vec<KvWrite> {
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        std::mem::take(&mut *pending).into_values().collect()
    }
}

struct OverlaySnapshot {
    base: Box<dyn KvSnapshot>,
    pending: PendingWrites,
}

impl KvSource for OverlayKv {
    fn snapshot(&self) -> Result<Box<dyn KvSnapshot>, String> {
        Ok(Box::new(OverlaySnapshot {
            base: self.base.snapshot()?,
            pending: self.pending.clone(),
        }))
    }

    fn list_matches(&self, recipient: &str, sender: &str) -> Result<Vec<ListMatch>, String> {
        self.base.list_matches(recipient, sender)
    }
}

impl KvSnapshot for OverlaySnapshot {
    fn get(&self, plugin: &str, key: &str) -> Result<Option<Vec<u8>>, String> {
        let pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        match pending.get(&(plugin.to_string(), key.to_string())) {
            Some(w) if w.delta.is_some() => {
                Ok(w.applied_to(self.base.get(plugin, key)?.as_deref()))
            }
            Some(w) => Ok(w.value.clone()),
            None => self.base.get(plugin, key),
        }
    }

    fn list_matches(&self, recipient: &str, sender: &str) -> Result<Vec<ListMatch>, String> {
        self.base.list_matches(recipient, sender)
    }
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct LogLine {
    pub level: &'static str,
    pub message: String,
}

/// The state of one call's store.
pub struct HostState {
    plugin: Arc<str>,
    limits: StoreLimits,
    config: Arc<Vec<(String, String)>>,
    kv_source: Arc<dyn KvSource>,
    snapshot: Option<Box<dyn KvSnapshot>>,
    /// This call's writes, visible to its own reads, committed after it returns.
    pending: BTreeMap<String, Pending>,
    pending_bytes: usize,
    capture: Option<Vec<LogLine>>,
    log_lines: u32,
    dns: DnsCall,
}

impl HostState {
    fn snapshot(&mut self) -> wasmtime::Result<&dyn KvSnapshot> {
        if self.snapshot.is_none() {
            self.snapshot = Some(
                self.kv_source
                    .snapshot()
                    .map_err(|e| wasmtime::format_err!("key-value store unavailable: {e}"))?,
            );
        }
        match &self.snapshot {
            Some(s) => Ok(s.as_ref()),
            None => wasmtime::bail!("key-value store unavailable"),
        }
    }

    fn kv_read(&mut self, key: &str) -> wasmtime::Result<Option<Vec<u8>>> {
        check_key(key)?;
        let delta = match self.pending.get(key) {
            Some(Pending::Value(v)) => return Ok(v.clone()),
            Some(Pending::Add(d)) => Some(*d),
            None => None,
        };
        let stored = self.snapshot_get(key)?;
        Ok(match delta {
            Some(d) => Some(counter_bytes(
                counter_value(stored.as_deref()).saturating_add(d),
            )),
            None => stored,
        })
    }

    fn snapshot_get(&mut self, key: &str) -> wasmtime::Result<Option<Vec<u8>>> {
        let plugin = self.plugin.clone();
        self.snapshot()?
            .get(&plugin, key)
            .map_err(|e| wasmtime::format_err!("key-value read failed: {e}"))
    }

    /// `kv.increment`: a delta recorded for the commit (which adds it to the value stored
    /// then), or folded into a value this call already set. Returns what this call sees.
    fn kv_increment(&mut self, key: String, delta: i64) -> wasmtime::Result<i64> {
        check_key(&key)?;
        let now = match self.pending.get(&key) {
            Some(Pending::Value(v)) => {
                let n = counter_value(v.as_deref()).saturating_add(delta);
                self.pending
                    .insert(key, Pending::Value(Some(counter_bytes(n))));
                return Ok(n);
            }
            Some(Pending::Add(d)) => d.saturating_add(delta),
            None => {
                self.pending_bytes += key.len() + 8;
                if self.pending_bytes > MAX_PENDING {
                    wasmtime::bail!(
                        "more than {MAX_PENDING} bytes of key-value writes in one call"
                    );
                }
                delta
            }
        };
        let stored = counter_value(self.snapshot_get(&key)?.as_deref());
        self.pending.insert(key, Pending::Add(now));
        Ok(stored.saturating_add(now))
    }

    fn kv_write(&mut self, key: String, value: Option<Vec<u8>>) -> wasmtime::Result<()> {
        check_key(&key)?;
        let size = key.len() + value.as_ref().map_or(0, Vec::len);
        if value.as_ref().is_some_and(|v| v.len() > MAX_VALUE) {
            wasmtime::bail!("key-value value larger than {MAX_VALUE} bytes");
        }
        self.pending_bytes += size;
        if self.pending_bytes > MAX_PENDING {
            wasmtime::bail!("more than {MAX_PENDING} bytes of key-value writes in one call");
        }
        self.pending.insert(key, Pending::Value(value));
        Ok(())
    }

    /// Resets what belongs to one call (key-value snapshot and writes, log quota, DNS budget)
    /// before a call, so a reused instance's call starts like a fresh one's.
    fn begin_call(&mut self, kv_source: Arc<dyn KvSource>, capture: bool, dns: DnsCall) {
        self.kv_source = kv_source;
        self.snapshot = None;
        self.pending.clear();
        self.pending_bytes = 0;
        self.capture = capture.then(Vec::new);
        self.log_lines = 0;
        self.dns = dns;
    }

    /// This call's writes and captured logs, leaving the per-call state empty.
    fn finish_call(&mut self) -> (Vec<KvWrite>, Vec<LogLine>) {
        // The snapshot is a read transaction: not kept open while the instance idles; nor is
        // the call's source (a training run's overlay of pending writes, say).
        self.snapshot = None;
        self.kv_source = no_kv();
        self.pending_bytes = 0;
        let logs = self.capture.take().unwrap_or_default();
        if self.pending.is_empty() {
            return (Vec::new(), logs);
        }
        let plugin = self.plugin.to_string();
        let writes = std::mem::take(&mut self.pending)
            .into_iter()
            .map(|(key, p)| match p {
                Pending::Value(value) => KvWrite::set(plugin.clone(), key, value),
                Pending::Add(d) => KvWrite {
                    delta: Some(d),
                    ..KvWrite::set(plugin.clone(), key, None)
                },
            })
            .collect();
        (writes, logs)
    }
}

/// A call's buffered change of one key.
enum Pending {
    /// `set` (`Some`) or `delete` (`None`).
    Value(Option<Vec<u8>>),
    /// The sum of `increment`s, added to the stored counter at commit.
    Add(i64),
}

fn check_key(key: &str) -> wasmtime::Result<()> {
    if key.len() > MAX_KEY {
        wasmtime::bail!("key-value key longer than {MAX_KEY} bytes");
    }
    Ok(())
}

impl types::Host for HostState {}

impl log::Host for HostState {
    fn log(&mut self, level: log::Level, message: String) -> wasmtime::Result<()> {
        self.log_lines += 1;
        if self.log_lines > MAX_LOG_LINES {
            if self.log_lines == MAX_LOG_LINES + 1 {
                tracing::warn!(plugin = %self.plugin, "plugin log flood; dropping further lines of this call");
            }
            return Ok(());
        }
        // A line nobody reads (a level the subscriber does not enable, outside `plugin test`)
        // is not copied and filtered: the bundled filters log a debug line per message.
        let enabled = match level {
            log::Level::Trace => tracing::enabled!(tracing::Level::TRACE, plugin),
            log::Level::Debug => tracing::enabled!(tracing::Level::DEBUG, plugin),
            log::Level::Info => tracing::enabled!(tracing::Level::INFO, plugin),
            log::Level::Warn => tracing::enabled!(tracing::Level::WARN, plugin),
            log::Level::Error => tracing::enabled!(tracing::Level::ERROR, plugin),
        };
        if !enabled && self.capture.is_none() {
            return Ok(());
        }
        let mut message = message;
        if message.len() > MAX_LOG_LINE {
            let mut end = MAX_LOG_LINE;
            while !message.is_char_boundary(end) {
                end -= 1;
            }
            message.truncate(end);
        }
        // Control characters would let a plugin forge log lines (the usual line has none:
        // kept as it is, no copy).
        if message.chars().any(char::is_control) {
            message = message
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
        }
        // The message's queue id comes from the caller's span (`pipeline::spawn_blocking`).
        let p = &*self.plugin;
        let name = match level {
            log::Level::Trace => {
                tracing::trace!(plugin = p, "{message}");
                "trace"
            }
            log::Level::Debug => {
                tracing::debug!(plugin = p, "{message}");
                "debug"
            }
            log::Level::Info => {
                tracing::info!(plugin = p, "{message}");
                "info"
            }
            log::Level::Warn => {
                tracing::warn!(plugin = p, "{message}");
                "warn"
            }
            log::Level::Error => {
                tracing::error!(plugin = p, "{message}");
                "error"
            }
        };
        if let Some(lines) = &mut self.capture {
            lines.push(LogLine {
                level: name,
                message,
            });
        }
        Ok(())
    }
}

impl kv::Host for HostState {
    fn get(&mut self, key: String) -> wasmtime::Result<Option<Vec<u8>>> {
        self.kv_read(&key)
    }

    fn get_many(&mut self, keys: Vec<String>) -> wasmtime::Result<Vec<Option<Vec<u8>>>> {
        if keys.len() > MAX_GET_MANY {
            wasmtime::bail!("get-many of more than {MAX_GET_MANY} keys");
        }
        keys.iter().map(|k| self.kv_read(k)).collect()
    }

    fn set(&mut self, key: String, value: Vec<u8>) -> wasmtime::Result<()> {
        self.kv_write(key, Some(value))
    }

    fn delete(&mut self, key: String) -> wasmtime::Result<()> {
        self.kv_write(key, None)
    }

    fn increment(&mut self, key: String, delta: i64) -> wasmtime::Result<i64> {
        self.kv_increment(key, delta)
    }
}

/// Longest address accepted by `lists.lookup` (RFC 5321 §4.5.3.1.3: 256 octets for a path).
const MAX_LOOKUP_ADDRESS: usize = 320;

impl lists::Host for HostState {
    fn lookup(
        &mut self,
        recipient: String,
        sender: String,
    ) -> wasmtime::Result<Vec<lists::ListMatch>> {
        if recipient.len() > MAX_LOOKUP_ADDRESS || sender.len() > MAX_LOOKUP_ADDRESS {
            return Ok(Vec::new());
        }
        // Without a snapshot open, the source answers from the directory cache: no read
        // transaction for the lists plugin's one lookup per recipient.
        let matches = match &self.snapshot {
            Some(snapshot) => snapshot.list_matches(&recipient, &sender),
            None => self.kv_source.list_matches(&recipient, &sender),
        }
        .map_err(|e| wasmtime::format_err!("list lookup failed: {e}"))?;
        Ok(matches
            .into_iter()
            .map(|m| lists::ListMatch {
                kind: match m.kind {
                    ListKind::Allow => lists::ListKind::Allow,
                    ListKind::Block => lists::ListKind::Block,
                },
                scope: match m.scope {
                    ListScope::Account(_) => lists::ListScope::Account,
                    ListScope::Domain(_) => lists::ListScope::Domain,
                },
                entry: m.entry,
            })
            .collect())
    }
}

// The `dns` import, for plugins granted it (see `dns.rs`); also the allow/block lists above.
use super::bindings::mailsift::plugin::dns;
use super::dns::{DnsCall, Failure, Kind};

/// Most names in one `dns` request (more is a fault, like an oversized `get-many`).
pub const MAX_DNS_NAMES: usize = 1000;

impl HostState {
    fn dns_lookup(
        &mut self,
        kind: Kind,
        names: Vec<String>,
    ) -> wasmtime::Result<Vec<Result<Vec<String>, dns::DnsError>>> {
        if names.len() > MAX_DNS_NAMES {
            wasmtime::bail!("dns request of more than {MAX_DNS_NAMES} names");
        }
        Ok(self
            .dns
            .lookup(kind, &names)
            .into_iter()
            .map(|a| {
                a.map(|records| records.to_vec()).map_err(|f| match f {
                    Failure::Denied => dns::DnsError::Denied,
                    Failure::Budget => dns::DnsError::Budget,
                    Failure::InvalidName => dns::DnsError::InvalidName,
                    Failure::Timeout => dns::DnsError::Timeout,
                    Failure::Failed => dns::DnsError::Failed,
                })
            })
            .collect())
    }
}

impl dns::Host for HostState {
    fn lookup_a(
        &mut self,
        names: Vec<String>,
    ) -> wasmtime::Result<Vec<Result<Vec<String>, dns::DnsError>>> {
        self.dns_lookup(Kind::A, names)
    }

    fn lookup_txt(
        &mut self,
        names: Vec<String>,
    ) -> wasmtime::Result<Vec<Result<Vec<String>, dns::DnsError>>> {
        self.dns_lookup(Kind::Txt, names)
    }
}

impl config::Host for HostState {
    fn get(&mut self, key: String) -> wasmtime::Result<Option<String>> {
        Ok(self
            .config
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.clone()))
    }

    fn all(&mut self) -> wasmtime::Result<Vec<(String, String)>> {
        Ok(self.config.as_ref().clone())
    }
}

/// The typed handle of an export for one call. Type checking is done once per loaded version
/// (`registry::load` calls `get_typed_func` with the same types on an instance of the same
/// component), not on every message.
pub(crate) fn typed_export<P, R>(
    store: &mut Store<HostState>,
    instance: &Instance,
    index: &ComponentExportIndex,
) -> wasmtime::Result<TypedFunc<P, R>>
where
    P: ComponentNamedList + Lower,
    R: ComponentNamedList + Lift,
{
    let func = instance
        .get_func(&mut *store, index)
        .ok_or_else(|| wasmtime::format_err!("export missing"))?;
    // Safety: `index` belongs to this instance's component, and `registry::load` refused the
    // component unless `get_typed_func::<P, R>` succeeded for this very export; the callers
    // use the same `P` and `R` as that check (see `LoadedPlugin::exports`).
    Ok(unsafe { TypedFunc::new_unchecked(func) })
}

/// What one call produced. On failure the key-value writes are dropped; logs are kept.
pub(crate) struct CallOutput<R> {
    pub result: Result<R, CallError>,
    pub writes: Vec<KvWrite>,
    pub logs: Vec<LogLine>,
    /// Fuel the call used (instantiation included), i.e. the plugin's own work.
    pub fuel: u64,
    /// Wall time of the call, set by the caller that measures it (`PluginHost::call_over`),
    /// so that it reads the clock once for its statistics, metrics and the message's trace.
    pub took: std::time::Duration,
}

/// An empty key-value source for a store between calls (shared: no allocation per call).
fn no_kv() -> Arc<dyn KvSource> {
    static EMPTY: std::sync::LazyLock<Arc<dyn KvSource>> =
        std::sync::LazyLock::new(|| Arc::new(MemoryKv::default()));
    EMPTY.clone()
}

/// A new store for one instance of `plugin`, its per-call state still to be set.
fn new_store(engine: &PluginEngine, plugin: &LoadedPlugin) -> Store<HostState> {
    let settings = &plugin.settings;
    let state = HostState {
        plugin: plugin.name_arc.clone(),
        limits: StoreLimitsBuilder::new()
            .memory_size(settings.memory_bytes())
            .instances(64)
            .tables(64)
            .memories(16)
            // A refused grow traps with a clear message instead of letting the guest abort.
            .trap_on_grow_failure(true)
            .build(),
        config: settings.config.clone(),
        kv_source: no_kv(),
        snapshot: None,
        pending: BTreeMap::new(),
        pending_bytes: 0,
        capture: None,
        log_lines: 0,
        dns: DnsCall::denied(),
    };
    let mut store = Store::new(engine.engine(), state);
    store.limiter(|s| &mut s.limits);
    store
}

/// Runs `f` under `plugin`'s CPU budget (fuel), a wall-clock backstop and its memory cap, on a
/// fresh instance, or on an idle one when the plugin declared itself stateless (see `reuse`).
///
/// A call on a reused instance that hits the memory cap is run once more on a fresh instance:
/// the cap counts what earlier calls left allocated (fragmentation of the plugin's heap), and
/// the message must get the verdict a fresh instance would give it. The failed attempt's
/// writes are dropped as for any failed call; a fresh instance that hits the cap fails as
/// before.
pub(crate) fn call<R>(
    engine: &PluginEngine,
    plugin: &LoadedPlugin,
    kv_source: Arc<dyn KvSource>,
    capture: bool,
    f: impl Fn(&mut Store<HostState>, &Instance) -> wasmtime::Result<R>,
) -> CallOutput<R> {
    let reused = plugin.reuse.take();
    let was_reused = reused.is_some();
    let out = call_on(engine, plugin, kv_source.clone(), capture, reused, &f);
    if was_reused && matches!(out.result, Err(CallError::Memory(_))) {
        let again = call_on(engine, plugin, kv_source, capture, None, &f);
        let mut logs = out.logs;
        logs.extend(again.logs);
        return CallOutput {
            logs,
            fuel: out.fuel.saturating_add(again.fuel),
            ..again
        };
    }
    out
}

/// One attempt of [`call`]: on `reused`, or on a fresh instance.
fn call_on<R>(
    engine: &PluginEngine,
    plugin: &LoadedPlugin,
    kv_source: Arc<dyn KvSource>,
    capture: bool,
    reused: Option<super::reuse::Idle>,
    f: &impl Fn(&mut Store<HostState>, &Instance) -> wasmtime::Result<R>,
) -> CallOutput<R> {
    let settings = &plugin.settings;
    let (mut store, reused, calls) = match reused {
        Some(idle) => (idle.store, Some(idle.instance), idle.calls),
        None => (new_store(engine, plugin), None, 0),
    };
    let dns = match &settings.resolver {
        Some(resolver) => resolver.call(settings.dns),
        None => DnsCall::denied(),
    };
    store.data_mut().begin_call(kv_source, capture, dns);
    // The CPU bound is the plugin's own work (fuel, or the thread's CPU time), not wall time:
    // a busy machine must not skip verdicts. The wall-clock backstop (see `backstop_ms`) only
    // stops a call stuck in imports. Both are set anew for every call, on a reused instance too.
    let meter = engine.cpu_meter;
    let fuel = fuel_budget(settings.cpu_ms);
    let cpu_start = match meter {
        CpuMeter::Fuel => std::time::Duration::ZERO,
        CpuMeter::Time => thread_cpu_time(),
    };
    let result = match meter {
        CpuMeter::Fuel => store
            .set_fuel(fuel)
            .map_err(|e| CallError::Instantiate(format!("{e:#}"))),
        CpuMeter::Time => Ok(()),
    };
    watch_deadline(&mut store, meter, settings.cpu_ms, cpu_start);
    let result = result
        .and_then(|()| match reused {
            Some(instance) => Ok(instance),
            None => plugin
                .pre
                .instantiate(&mut store)
                .map_err(|e| classify(&e, settings.cpu_ms, settings.memory_mb, true)),
        })
        .and_then(|instance| {
            f(&mut store, &instance)
                .map(|r| (r, instance))
                .map_err(|e| classify(&e, settings.cpu_ms, settings.memory_mb, false))
        });
    let used = match meter {
        CpuMeter::Fuel => fuel.saturating_sub(store.get_fuel().unwrap_or(0)),
        CpuMeter::Time => fuel_of_cpu(thread_cpu_time().saturating_sub(cpu_start)),
    };
    let (writes, logs) = store.data_mut().finish_call();
    let result = match result {
        Ok((r, instance)) => {
            // Only an instance whose call returned normally is kept: after a trap, a CPU or
            // memory bound it is dropped here with its store.
            plugin.reuse.put(super::reuse::Idle {
                store,
                instance,
                calls: calls + 1,
            });
            Ok(r)
        }
        Err(e) => Err(e),
    };
    CallOutput {
        writes: if result.is_ok() { writes } else { Vec::new() },
        result,
        logs,
        fuel: used,
        took: std::time::Duration::ZERO,
    }
}

/// A call with [`CpuMeter::Time`] used up its CPU budget (raised by the epoch callback).
#[derive(Debug)]
struct CpuBudgetSpent;

impl std::fmt::Display for CpuBudgetSpent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CPU budget used up")
    }
}

impl std::error::Error for CpuBudgetSpent {}

/// Sets the epoch deadline of a call and what happens when it passes.
///
/// Time spent waiting for DNS answers is not the plugin's CPU time: when the wall-clock
/// backstop passes, it is extended by the waits not yet granted, and only then interrupts.
/// With [`CpuMeter::Time`] the deadline is the next tick: each tick compares the thread's
/// CPU time since the call began with the budget (a trap like running out of fuel) and the
/// wall time, less the DNS waits, with the backstop.
fn watch_deadline(
    store: &mut Store<HostState>,
    meter: CpuMeter,
    cpu_ms: u64,
    cpu_start: std::time::Duration,
) {
    match meter {
        CpuMeter::Fuel => {
            let mut granted = std::time::Duration::ZERO;
            store.epoch_deadline_callback(move |ctx| {
                let waited = ctx.data().dns.waited;
                let extra = waited.saturating_sub(granted);
                granted = waited;
                let tick = EPOCH_TICK.as_nanos().max(1);
                let ticks = extra.as_nanos().div_ceil(tick) as u64;
                Ok(if ticks > 0 {
                    wasmtime::UpdateDeadline::Continue(ticks)
                } else {
                    wasmtime::UpdateDeadline::Interrupt
                })
            });
            store.set_epoch_deadline(backstop_ticks(cpu_ms));
        }
        CpuMeter::Time => {
            let budget = std::time::Duration::from_millis(cpu_ms);
            let backstop = std::time::Duration::from_millis(backstop_ms(cpu_ms));
            let started = std::time::Instant::now();
            store.epoch_deadline_callback(move |ctx| {
                // The callback runs on the thread that runs the plugin.
                if thread_cpu_time().saturating_sub(cpu_start) > budget {
                    return Err(CpuBudgetSpent.into());
                }
                let waited = ctx.data().dns.waited;
                if started.elapsed().saturating_sub(waited) >= backstop {
                    return Ok(wasmtime::UpdateDeadline::Interrupt);
                }
                Ok(wasmtime::UpdateDeadline::Continue(1))
            });
            store.set_epoch_deadline(1);
        }
    }
}

fn classify(e: &wasmtime::Error, cpu_ms: u64, memory_mb: u64, instantiating: bool) -> CallError {
    if e.downcast_ref::<CpuBudgetSpent>().is_some() {
        return CallError::Timeout(cpu_ms);
    }
    match e.downcast_ref::<Trap>() {
        Some(Trap::OutOfFuel) => return CallError::Timeout(cpu_ms),
        Some(Trap::Interrupt) => return CallError::Stalled(backstop_ms(cpu_ms)),
        _ => {}
    }
    let cause = e.root_cause().to_string();
    // `trap_on_grow_failure` words it so; a refused initial memory says "memory limits".
    if cause.contains("forcing trap when growing memory") || cause.contains("memory limits") {
        return CallError::Memory(memory_mb);
    }
    let mut text: String = cause.chars().take(300).collect();
    if let Some(func) = guest_function(e) {
        text.push_str(" in ");
        text.push_str(&func);
    }
    if instantiating {
        CallError::Instantiate(text)
    } else {
        CallError::Trap(text)
    }
}

/// The innermost frame of the plugin's own code (not its standard library or allocator), so
/// that a log line says where it failed without a whole backtrace.
fn guest_function(e: &wasmtime::Error) -> Option<String> {
    let bt = e.downcast_ref::<wasmtime::WasmBacktrace>()?;
    // The Display form is demangled: "  6:  0xf21 - panic.wasm!<panic::Panic as …>::filter::h5f…".
    let text = bt.to_string();
    const RUNTIME: [&str; 8] = [
        "std",
        "core",
        "alloc",
        "__rustc",
        "dlmalloc",
        "<dlmalloc",
        "rust_",
        "mailsift_plugin_sdk",
    ];
    let names: Vec<&str> = text
        .lines()
        .filter_map(|l| l.split_once('!').map(|(_, f)| f.trim()))
        .collect();
    let name = names
        .iter()
        .find(|n| !RUNTIME.iter().any(|r| n.starts_with(r)))
        .or(names.first())?;
    Some(name.chars().take(160).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(key: &str, value: Option<&str>) -> KvWrite {
        KvWrite::set("p", key, value.map(|v| v.as_bytes().to_vec()))
    }

    #[test]
    fn overlay_reads_its_pending_writes_before_the_store() {
        let base = MemoryKv::default();
        base.apply(&[write("a", Some("old")), write("b", Some("kept"))]);
        let overlay = OverlayKv::new(Arc::new(base.clone()));
        overlay.apply(vec![
            write("a", Some("first")),
            write("a", Some("new")),
            write("b", None),
            write("c", Some("added")),
        ]);
        let snap = overlay.snapshot().unwrap();
        let get = |k: &str| {
            snap.get("p", k)
                .unwrap()
                .map(|v| String::from_utf8(v).unwrap())
        };
        assert_eq!(get("a").as_deref(), Some("new"));
        assert_eq!(get("b"), None, "a pending delete hides the stored value");
        assert_eq!(get("c").as_deref(), Some("added"));
        assert_eq!(snap.get("other", "a").unwrap(), None);
        // Taking the batch: the last write per key, and the overlay is empty after.
        let batch = overlay.take();
        assert_eq!(batch.len(), 3);
        assert!(overlay.is_empty());
        base.apply(&batch);
        let snap = overlay.snapshot().unwrap();
        assert_eq!(snap.get("p", "a").unwrap().as_deref(), Some(&b"new"[..]));
        assert_eq!(snap.get("p", "b").unwrap(), None);
    }

    #[test]
    fn increments_fold_in_the_overlay_and_memory() {
        let inc = |key: &str, d: i64| KvWrite {
            delta: Some(d),
            ..write(key, None)
        };
        let base = MemoryKv::default();
        base.apply(&[write("n", Some("10")), inc("n", 5), inc("fresh", -2)]);
        let overlay = OverlayKv::new(Arc::new(base.clone()));
        // A pending delta reads as the base plus the delta; a set then an increment is a set.
        overlay.apply(vec![
            inc("n", 1),
            inc("n", 2),
            write("s", Some("7")),
            inc("s", 3),
        ]);
        let snap = overlay.snapshot().unwrap();
        assert_eq!(snap.get("p", "n").unwrap().as_deref(), Some(&b"18"[..]));
        assert_eq!(snap.get("p", "fresh").unwrap().as_deref(), Some(&b"-2"[..]));
        assert_eq!(snap.get("p", "s").unwrap().as_deref(), Some(&b"10"[..]));
        let batch = overlay.take();
        assert!(batch.iter().any(|w| w.key == "n" && w.delta == Some(3)));
        // Another writer adds meanwhile: the delta still applies on top at commit.
        base.apply(&[inc("n", 100)]);
        base.apply(&batch);
        let snap = base.snapshot().unwrap();
        assert_eq!(snap.get("p", "n").unwrap().as_deref(), Some(&b"118"[..]));
        assert_eq!(snap.get("p", "s").unwrap().as_deref(), Some(&b"10"[..]));
    }
}

#[cfg(test)]
mod cost {
    //! What the `lists` plugin's lookup costs the host (one recipient, no entries in either
    //! scope: the common case), counted under valgrind at two call counts:
    //!
    //!     MAILSIFT_LIST_CALLS=N valgrind --tool=dhat|callgrind LIB_TEST_BIN \
    //!         --exact plugins::host::cost::list_lookup_cost --test-threads=1
    use super::*;

    #[test]
    fn list_lookup_cost() {
        let n: usize = std::env::var("MAILSIFT_LIST_CALLS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(3);
        let dir = tempfile::tempdir().unwrap();
        let store = crate::store::Store::open(&dir.path().join("db")).unwrap();
        store
            .write_blocking(|tx| {
                tx.add_domain("example.org")?;
                tx.add_account("nina@example.org")?;
                Ok(())
            })
            .unwrap();
        let kv = StoreKv(store);
        for _ in 0..n {
            let found = kv
                .list_matches("nina@example.org", "News@Mail.Shop.example.com")
                .unwrap();
            assert!(found.is_empty());
        }
    }
}
