//! The WebAssembly plugin host.
//!
//! Plugins are components of the `filter` world in `wit/plugin.wit`. Each `*.wasm` file in the
//! plugin folder is validated, compiled once (the machine code is cached on disk, see `cache`),
//! linked against the host's imports (`log`, `kv`, `config`, `lists`, and `dns` for plugins
//! granted it; nothing else) into an `InstancePre`,
//! and published in the `registry`. Every call then gets a fresh instance from the pooling
//! allocator — or, for a plugin that declares itself stateless (WIT 0.1.3), an idle instance of
//! that same plugin (see `reuse` for why that keeps the isolation) — a CPU budget (the calling
//! thread's CPU time, or wasmtime fuel, `[plugins] cpu_meter`: the plugin's work, so a busy
//! machine does not shorten it; a generous wall-clock epoch deadline backs it up) and a memory cap, so a plugin cannot take the server down: a
//! trap, timeout or cap hit is logged with the plugin's name and the queue id and handled by
//! the plugin's `on_error` policy.
//!
//! The `watcher` swaps new or replaced files in atomically while messages are in flight: a message
//! keeps the set of plugin versions it started with.

pub mod author;
pub mod author_lang;
mod cache;
pub mod componentize;
mod dns;
mod engine;
pub mod eval;
mod host;
mod registry;
mod reuse;
pub mod verdict;
pub mod view;
mod watcher;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use wasmtime::component::ComponentExportIndex;

pub use cache::{ArtifactCache, cache_key};
pub use engine::{CpuMeter, EngineSettings, FUEL_PER_MS, KEEP_RESIDENT, PluginEngine};
pub use host::{KvSnapshot, KvSource, LogLine, MemoryKv, OverlayKv, StoreKv};
pub use registry::{LoadedPlugin, PluginSettings, PluginStatus, Registry, Stats};
pub use verdict::{Merged, RcptOutcome, Reply};
pub use watcher::WatcherHandle;

use crate::config::{Config, OnError};
use crate::store::KvWrite;
use host::HostState;

/// Bindings generated from `wit/plugin.wit`. Imports are trappable so that a plugin abusing
/// them (oversized keys, too many writes) is stopped like any other fault.
pub mod bindings {
    wasmtime::component::bindgen!({
        path: "wit",
        world: "filter",
        imports: { default: trappable },
    });
}

pub use bindings::mailsift::plugin::types;

#[derive(Debug, thiserror::Error)]
pub enum PluginError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("not a WebAssembly component: {0}")]
    NotComponent(String),
    #[error("invalid component: {0}")]
    Compile(String),
    #[error(
        "the component needs imports the host does not provide (only log, kv, config, lists and dns exist): {0}"
    )]
    Link(String),
    #[error("the component does not export `{0}` with the type of the `filter` world")]
    Export(&'static str),
    #[error("calling `info` failed: {0}")]
    Info(String),
    #[error("calling `info` did not finish: {0}")]
    Unfinished(String),
    #[error("plugin engine: {0}")]
    Engine(String),
    #[error("{0}")]
    Invalid(String),
}

impl PluginError {
    /// Whether loading the same file again may succeed: it could not be read, or compiling or
    /// the first call ran out of time or resources (a busy machine at start-up). A file that is
    /// not a component, needs other imports or exports the wrong types stays refused until it
    /// changes. Compile errors are retried too: wasmtime does not tell a malformed module from
    /// a compilation that failed for lack of resources, and the backoff keeps retries cheap.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            PluginError::Read { .. }
                | PluginError::Compile(_)
                | PluginError::Unfinished(_)
                | PluginError::Engine(_)
        )
    }
}

/// Why one call into a plugin failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum CallError {
    /// The plugin's work exceeded its budget (`cpu_ms`): out of fuel, or its thread's CPU time.
    #[error("timed out: used up its CPU budget of {0} ms")]
    Timeout(u64),
    /// The wall-clock backstop (milliseconds) passed, e.g. in slow imports that the CPU budget
    /// does not count.
    #[error("timed out: still running after {0} ms of wall time")]
    Stalled(u64),
    #[error("memory cap of {0} MiB exceeded")]
    Memory(u64),
    #[error("trapped: {0}")]
    Trap(String),
    #[error("cannot instantiate: {0}")]
    Instantiate(String),
}

/// The indices of the exports the host calls, resolved once per loaded version.
#[derive(Clone)]
pub(crate) struct Exports {
    pub info: Option<ComponentExportIndex>,
    pub filter: ComponentExportIndex,
    pub check_recipient: Option<ComponentExportIndex>,
    pub learn: Option<ComponentExportIndex>,
    /// Since WIT 0.1.3; absent in older components.
    pub traits: Option<ComponentExportIndex>,
}

/// Result of running the plugins on one message.
#[derive(Debug, Default)]
pub struct FilterOutcome {
    pub merged: Merged,
    /// Key-value writes of the calls that succeeded, to commit with the delivery.
    pub kv_writes: Vec<KvWrite>,
    /// Each plugin's verdict and time, in order, for the message trace (`mailsift trace`).
    pub calls: Vec<crate::store::trace::TracePlugin>,
}

/// Result of the check-recipient hooks for one RCPT TO.
#[derive(Debug)]
pub struct RecipientOutcome {
    /// `None`: every plugin let the recipient through.
    pub refusal: Option<Reply>,
    /// The plugin that refused, when one decided to (not when one failed closed).
    pub refused_by: Option<String>,
    pub kv_writes: Vec<KvWrite>,
}

/// What `mailsift plugin test` reports.
#[derive(Debug, serde::Serialize)]
pub struct TestReport {
    pub plugin: serde_json::Value,
    pub recipients: Vec<serde_json::Value>,
    pub verdict: Option<serde_json::Value>,
    pub error: Option<String>,
    pub elapsed_us: u64,
    /// Fuel used by the `filter` call: the plugin's own work, the same on any machine.
    pub fuel: u64,
    /// That fuel as a share of the plugin's CPU budget (`cpu_ms`), in percent.
    pub budget_pct: f64,
    pub logs: Vec<LogLine>,
    pub kv_writes: Vec<serde_json::Value>,
}

pub struct PluginHost {
    engine: PluginEngine,
    cache: Option<ArtifactCache>,
    registry: Registry,
    config: Arc<Config>,
    kv: Arc<dyn KvSource>,
    dir: PathBuf,
    /// Bounds the messages running plugins at once to about the number of cores: more would
    /// only hold more instances' memory while they wait for a core.
    permits: Arc<tokio::sync::Semaphore>,
    /// See `inject_load_failures`.
    injected_failures: std::sync::atomic::AtomicU32,
    /// The `dns` import's resolver and cache, shared by all calls.
    dns: Arc<dns::PluginDns>,
}

impl PluginHost {
    /// Creates the host for `config` (engine, cache in the data directory) without loading
    /// anything yet: call `load_all`, then `spawn_watcher`.
    pub fn new(config: &Config, kv: Arc<dyn KvSource>) -> Result<PluginHost, PluginError> {
        PluginHost::with_engine_settings(config, kv, |_| {})
    }

    /// [`PluginHost::new`] with the engine's settings adjusted by `adjust`: for benchmarks that
    /// compare settings side by side (e.g. `keep_resident`).
    #[doc(hidden)]
    pub fn with_engine_settings(
        config: &Config,
        kv: Arc<dyn KvSource>,
        adjust: impl FnOnce(&mut EngineSettings),
    ) -> Result<PluginHost, PluginError> {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let concurrency = (cores * 2).clamp(2, 32);
        let mut settings = EngineSettings::for_config(config, concurrency);
        adjust(&mut settings);
        let engine = PluginEngine::new(&settings)?;
        let cache = match ArtifactCache::new(&config.plugin_cache_dir(), &engine) {
            Ok(c) => Some(c),
            Err(e) => {
                tracing::warn!(error = %e, "plugin cache unavailable; compiling every start");
                None
            }
        };
        Ok(PluginHost {
            engine,
            cache,
            registry: Registry::default(),
            config: Arc::new(config.clone()),
            kv,
            dir: config.plugin_dir(),
            permits: Arc::new(tokio::sync::Semaphore::new(concurrency)),
            injected_failures: std::sync::atomic::AtomicU32::new(0),
            dns: Arc::new(dns::PluginDns::new(config)),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Waits for a slot to run plugins for one message or recipient.
    pub async fn permit(&self) -> Option<tokio::sync::OwnedSemaphorePermit> {
        self.permits.clone().acquire_owned().await.ok()
    }

    /// Loads every plugin in the folder. Invalid files are logged and skipped.
    pub fn load_all(&self) {
        for (name, path) in watcher::scan(&self.dir)
            .into_iter()
            .map(|(n, e)| (n, e.path))
        {
            self.load_file(&name, &path);
        }
        let loaded = self.registry.snapshot();
        tracing::info!(
            dir = %self.dir.display(),
            plugins = ?loaded.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(),
            "plugins loaded"
        );
    }

    /// Validates, compiles and publishes one file. On failure the previous version (if any)
    /// stays. Returns whether the registry changed.
    pub fn load_file(&self, name: &str, path: &Path) -> bool {
        let settings = PluginSettings::resolve(&self.config, name);
        let settings = PluginSettings {
            resolver: Some(self.dns.clone()),
            ..settings
        };
        if !settings.enabled {
            self.registry.set_disabled(name, path);
            return false;
        }
        let (hash, result) = match std::fs::read(path) {
            Ok(bytes) => {
                let hash = sha256_hex(&bytes);
                if self.registry.current_hash(name).as_deref() == Some(hash.as_str()) {
                    return false;
                }
                let attempts = match self.registry.refusal_stands(name, &hash, Instant::now()) {
                    Ok(()) => return false,
                    Err(attempts) => attempts,
                };
                let started = Instant::now();
                let result = match self.take_injected_failure() {
                    Some(e) => Err(e),
                    None => registry::load(
                        &self.engine,
                        self.cache.as_ref(),
                        name,
                        path,
                        &bytes,
                        hash.clone(),
                        settings,
                    ),
                };
                (hash, result.map(|p| (p, started, attempts)))
            }
            // Unknown content: recorded under an empty hash, retried like any transient error.
            Err(source) => (
                String::new(),
                Err(PluginError::Read {
                    path: path.display().to_string(),
                    source,
                }),
            ),
        };
        match result {
            Ok((plugin, started, failed_before)) => {
                let replaced = self.registry.current_hash(name).is_some();
                tracing::info!(
                    plugin = name,
                    version = %plugin.info.version,
                    sha256 = hash.get(..16).unwrap_or(""),
                    ms = started.elapsed().as_millis() as u64,
                    replaced,
                    failed_before,
                    "plugin loaded"
                );
                self.registry.publish(plugin);
                true
            }
            Err(e) => {
                let keeping = self.registry.current_hash(name).is_some();
                let retry =
                    self.registry
                        .set_refused(name, path, hash, e.to_string(), e.is_transient());
                let keeping = if keeping {
                    "; the previous version stays"
                } else {
                    ""
                };
                // Reported once per version of the file; later failures of the same version
                // only at debug level, so a file that keeps failing does not flood the log.
                match retry {
                    Some(r) if r.attempts > 1 => tracing::debug!(
                        plugin = name,
                        file = %path.display(),
                        error = %e,
                        attempts = r.attempts,
                        retry_in_s = registry::backoff(r.attempts).as_secs(),
                        "plugin still refused{keeping}"
                    ),
                    Some(r) => tracing::error!(
                        plugin = name,
                        file = %path.display(),
                        error = %e,
                        retry_in_s = registry::backoff(r.attempts).as_secs(),
                        "plugin refused, will retry{keeping}"
                    ),
                    None => tracing::error!(
                        plugin = name,
                        file = %path.display(),
                        error = %e,
                        "plugin refused until the file changes{keeping}"
                    ),
                }
                false
            }
        }
    }

    /// Makes the next `n` loads fail as a compile error would, before any work: for tests of
    /// the retry of transient failures (which cannot be provoked reliably otherwise).
    #[doc(hidden)]
    pub fn inject_load_failures(&self, n: u32) {
        self.injected_failures
            .store(n, std::sync::atomic::Ordering::SeqCst);
    }

    fn take_injected_failure(&self) -> Option<PluginError> {
        use std::sync::atomic::Ordering;
        self.injected_failures
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .ok()
            .map(|_| PluginError::Compile("injected failure".into()))
    }

    /// Starts watching the plugin folder.
    pub fn spawn_watcher(self: &Arc<Self>, interval: Duration) -> WatcherHandle {
        watcher::spawn(self.clone(), interval)
    }

    /// Runs every plugin's `filter` on a message, in order, and merges their verdicts. Blocking:
    /// call it from a blocking thread.
    pub fn filter(&self, message: &types::Message, recipients: &[String]) -> FilterOutcome {
        self.filter_only(message, recipients, None)
    }

    /// `filter` with only the plugins named in `only` (all with `None`): submitted mail runs
    /// the plugins `[submission] plugins` lists.
    pub fn filter_only(
        &self,
        message: &types::Message,
        recipients: &[String],
        only: Option<&[String]>,
    ) -> FilterOutcome {
        let plugins = self.registry.snapshot();
        let mut merger = verdict::Merger::new(recipients);
        let mut kv_writes = Vec::new();
        let mut calls = Vec::new();
        // One key-value snapshot for the message's calls (closed when they are done).
        let kv: Arc<dyn KvSource> = Arc::new(host::MessageKv::new(self.kv.clone()));
        for plugin in plugins
            .iter()
            .filter(|p| only.is_none_or(|names| names.iter().any(|n| *n == p.name)))
        {
            let run = self.call_over(kv.clone(), plugin, false, |store, instance| {
                let f = host::typed_export::<(&types::Message,), (types::Verdict,)>(
                    store,
                    instance,
                    &plugin.exports.filter,
                )?;
                Ok(f.call(&mut *store, (message,))?.0)
            });
            // The call's time as `call_over` measured it (one clock reading less per call).
            let elapsed_us = run.took.as_micros() as u64;
            match run.result {
                Ok(verdict) => {
                    kv_writes.extend(run.writes);
                    calls.push(verdict::trace(&plugin.name, &verdict, elapsed_us));
                    if merger.add(&plugin.name, verdict) {
                        break;
                    }
                }
                Err(e) => {
                    calls.push(crate::store::trace::TracePlugin {
                        name: plugin.name.clone(),
                        decision: format!("failed: {e}"),
                        elapsed_us,
                        ..Default::default()
                    });
                    self.log_failure(plugin, "filter", &e);
                    if plugin.settings.on_error == OnError::Tempfail {
                        merger.fail_closed(&plugin.name);
                        break;
                    }
                }
            }
        }
        FilterOutcome {
            merged: merger.finish(),
            kv_writes,
            calls,
        }
    }

    /// Runs the `check-recipient` hooks (of plugins that declare it) for one RCPT TO. The first
    /// refusal wins.
    pub fn check_recipient(&self, envelope: &types::Envelope, recipient: &str) -> RecipientOutcome {
        let plugins = self.registry.snapshot();
        let mut kv_writes = Vec::new();
        for plugin in plugins
            .iter()
            .filter(|p| p.has_hook(types::Hook::CheckRecipient))
        {
            let Some(index) = plugin.exports.check_recipient.as_ref() else {
                continue;
            };
            let run = self.call(plugin, false, |store, instance| {
                let f = host::typed_export::<(&types::Envelope, &str), (types::Decision,)>(
                    store, instance, index,
                )?;
                Ok(f.call(&mut *store, (envelope, recipient))?.0)
            });
            match run.result {
                Ok(decision) => {
                    kv_writes.extend(run.writes);
                    if let Some(reply) = verdict::recipient_refusal(&decision) {
                        tracing::info!(
                            plugin = %plugin.name,
                            recipient,
                            code = reply.code,
                            "recipient refused by plugin"
                        );
                        return RecipientOutcome {
                            refusal: Some(reply),
                            refused_by: Some(plugin.name.clone()),
                            kv_writes,
                        };
                    }
                }
                Err(e) => {
                    self.log_failure(plugin, "check-recipient", &e);
                    if plugin.settings.on_error == OnError::Tempfail {
                        return RecipientOutcome {
                            refusal: Some(verdict::fail_closed_reply()),
                            refused_by: None,
                            kv_writes,
                        };
                    }
                }
            }
        }
        RecipientOutcome {
            refusal: None,
            refused_by: None,
            kv_writes,
        }
    }

    /// Runs every `learn` hook (of plugins that declare it). Errors are only logged.
    pub fn learn(&self, message: &types::Message, class: types::LearnClass) -> Vec<KvWrite> {
        self.learn_over(self.kv.clone(), message, class)
    }

    /// [`PluginHost::learn`] reading the plugins' data from `kv` instead of the host's own
    /// (an [`OverlayKv`] over it, for training runs that commit in batches).
    pub fn learn_over(
        &self,
        kv: Arc<dyn KvSource>,
        message: &types::Message,
        class: types::LearnClass,
    ) -> Vec<KvWrite> {
        let plugins = self.registry.snapshot();
        let mut kv_writes = Vec::new();
        for plugin in plugins.iter().filter(|p| p.has_hook(types::Hook::Learn)) {
            let Some(index) = plugin.exports.learn.as_ref() else {
                continue;
            };
            let run = self.call_over(kv.clone(), plugin, false, |store, instance| {
                let f = host::typed_export::<(&types::Message, types::LearnClass), ()>(
                    store, instance, index,
                )?;
                f.call(&mut *store, (message, class))?;
                Ok(())
            });
            match run.result {
                Ok(()) => kv_writes.extend(run.writes),
                Err(e) => self.log_failure(plugin, "learn", &e),
            }
        }
        kv_writes
    }

    /// Logs a failed call; the queue id comes from the caller's span.
    fn log_failure(&self, plugin: &LoadedPlugin, hook: &str, e: &CallError) {
        let policy = match plugin.settings.on_error {
            OnError::Accept => "accept (verdict skipped)",
            OnError::Tempfail => "tempfail (451 4.7.0)",
        };
        tracing::warn!(
            plugin = %plugin.name,
            hook,
            error = %e,
            policy,
            "plugin failed"
        );
    }

    /// One bounded call: fresh store and instance, CPU budget, memory cap; counters updated.
    fn call<R>(
        &self,
        plugin: &LoadedPlugin,
        capture_logs: bool,
        f: impl Fn(
            &mut wasmtime::Store<HostState>,
            &wasmtime::component::Instance,
        ) -> wasmtime::Result<R>,
    ) -> host::CallOutput<R> {
        self.call_over(self.kv.clone(), plugin, capture_logs, f)
    }

    /// [`PluginHost::call`] with the plugin's data read from `kv`.
    fn call_over<R>(
        &self,
        kv: Arc<dyn KvSource>,
        plugin: &LoadedPlugin,
        capture_logs: bool,
        f: impl Fn(
            &mut wasmtime::Store<HostState>,
            &wasmtime::component::Instance,
        ) -> wasmtime::Result<R>,
    ) -> host::CallOutput<R> {
        let started = Instant::now();
        let mut out = host::call(&self.engine, plugin, kv, capture_logs, f);
        let took = started.elapsed();
        out.took = took;
        plugin.stats.record(took, out.result.is_err(), out.fuel);
        // The per-version `stats` restart with each reload; the metrics count across them.
        let metrics = crate::metrics::global();
        let series = plugin
            .series
            .get_or_init(|| metrics.plugin_series(&plugin.name));
        metrics.plugin_call_on(series, took, out.result.is_err());
        out
    }

    /// Names plugins' DNS lookups sent to the resolver so far (cache misses): a lookup denied,
    /// over budget or answered from the cache sends nothing.
    pub fn dns_queries_sent(&self) -> u64 {
        self.dns.sent()
    }

    /// Status of every plugin file, for `mailsift plugin list`.
    pub fn status(&self) -> Vec<PluginStatus> {
        self.registry.status(&self.dir)
    }
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// `mailsift plugin test`: one plugin on one message, outside the server, with an in-memory
/// key-value store, logs captured.
pub fn test_plugin(
    config: &Config,
    wasm: &Path,
    raw: &[u8],
    mail_from: &str,
    recipients: &[String],
) -> Result<TestReport, PluginError> {
    let name = wasm
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("plugin")
        .to_string();
    let bytes = std::fs::read(wasm).map_err(|source| PluginError::Read {
        path: wasm.display().to_string(),
        source,
    })?;
    let mut config = config.clone();
    // The standalone run must not depend on (or write to) a data directory.
    config.data_dir = std::env::temp_dir().join("mailsift-plugin-test-unused");
    // Fuel whatever the server's `cpu_meter`: the report's work is then the same on any
    // machine (what a plugin author compares between versions).
    let engine = PluginEngine::new(&EngineSettings {
        cpu_meter: engine::CpuMeter::Fuel,
        ..EngineSettings::for_config(&config, 2)
    })?;
    let hash = sha256_hex(&bytes);
    let mut settings = PluginSettings::resolve(&config, &name);
    settings.enabled = true;
    let plugin_dns = Arc::new(dns::PluginDns::new(&config));
    settings.resolver = Some(plugin_dns.clone());
    let plugin = registry::load(&engine, None, &name, wasm, &bytes, hash, settings)?;
    let memory = Arc::new(MemoryKv::default());
    let host = PluginHost {
        engine,
        cache: None,
        registry: Registry::default(),
        config: Arc::new(config),
        kv: memory.clone(),
        dir: PathBuf::new(),
        permits: Arc::new(tokio::sync::Semaphore::new(1)),
        injected_failures: std::sync::atomic::AtomicU32::new(0),
        dns: plugin_dns,
    };
    let queue_id = "TEST".to_string();
    let envelope = crate::values::Envelope {
        queue_id: queue_id.clone(),
        mail_from: mail_from.to_string(),
        recipients: recipients.to_vec(),
        helo: "localhost".into(),
        client_ip: std::net::IpAddr::from([127, 0, 0, 1]),
        authenticated_as: None,
        tls: None,
    };
    let mut logs = Vec::new();
    let mut kv_writes = Vec::new();
    let mut rcpt_rows = Vec::new();
    let started = Instant::now();
    if plugin.has_hook(types::Hook::CheckRecipient)
        && let Some(index) = plugin.exports.check_recipient
    {
        let mut accepted: Vec<String> = Vec::new();
        for rcpt in recipients {
            let env = view::envelope(&crate::values::Envelope {
                recipients: accepted.clone(),
                ..envelope.clone()
            });
            let run = host.call(&plugin, true, |store, instance| {
                let f = host::typed_export::<(&types::Envelope, &str), (types::Decision,)>(
                    store, instance, &index,
                )?;
                Ok(f.call(&mut *store, (&env, rcpt.as_str()))?.0)
            });
            logs.extend(run.logs);
            match run.result {
                Ok(decision) => {
                    // Later calls see earlier calls' writes, as in the server.
                    memory.apply(&run.writes);
                    kv_writes.extend(run.writes);
                    let refusal = verdict::recipient_refusal(&decision);
                    if refusal.is_none() {
                        accepted.push(rcpt.clone());
                    }
                    rcpt_rows.push(serde_json::json!({
                        "recipient": rcpt,
                        "decision": verdict::decision_json(&decision),
                        "smtp": refusal.map_or_else(|| "250 2.1.5 OK".to_string(), |r| r.to_string()),
                    }));
                }
                Err(e) => rcpt_rows.push(serde_json::json!({
                    "recipient": rcpt,
                    "error": e.to_string(),
                    "on_error": format!("{:?}", plugin.settings.on_error).to_lowercase(),
                })),
            }
        }
    }
    let parsed = crate::mime::parse(raw);
    let message = view::message(&envelope, raw, parsed.as_ref(), None);
    let run = host.call(&plugin, true, |store, instance| {
        let f = host::typed_export::<(&types::Message,), (types::Verdict,)>(
            store,
            instance,
            &plugin.exports.filter,
        )?;
        Ok(f.call(&mut *store, (&message,))?.0)
    });
    let elapsed_us = started.elapsed().as_micros() as u64;
    let budget = engine::fuel_budget(plugin.settings.cpu_ms).max(1) as f64;
    let budget_pct = (run.fuel as f64 * 1000.0 / budget).round() / 10.0;
    let fuel = run.fuel;
    logs.extend(run.logs);
    let (verdict, error) = match run.result {
        Ok(verdict) => {
            kv_writes.extend(run.writes);
            (Some(verdict::verdict_json(&verdict)), None)
        }
        Err(e) => (None, Some(e.to_string())),
    };
    Ok(TestReport {
        plugin: plugin.info_json(),
        recipients: rcpt_rows,
        verdict,
        error,
        elapsed_us,
        fuel,
        budget_pct,
        logs,
        kv_writes: kv_writes
            .iter()
            .map(|w| match w.delta {
                Some(d) => serde_json::json!({ "key": w.key, "increment": d }),
                None => serde_json::json!({
                    "key": w.key,
                    "value": w.value.as_ref().map(|v| String::from_utf8_lossy(v).into_owned()),
                }),
            })
            .collect(),
    })
}

/// The per-plugin `[plugin.NAME.config]` values as the `config` import returns them.
pub(crate) fn plugin_config_values(config: &Config, name: &str) -> Vec<(String, String)> {
    let mut out = BTreeMap::new();
    if let Some(p) = config.plugin.get(name) {
        for (k, v) in &p.config {
            if let Some(v) = crate::config::plugin_config_value(v) {
                out.insert(k.clone(), v);
            }
        }
    }
    out.into_iter().collect()
}
