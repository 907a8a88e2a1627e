//! The loaded plugins. The ordered list is published through an `ArcSwap`: a message takes a
//! snapshot at its start and runs every plugin of that snapshot, so a swap never changes the
//! plugins under a message in flight, and the old versions are freed when the last such message
//! is done. Counters live per plugin name, so they survive reloads.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use wasmtime::component::{Component, InstancePre};

use super::engine::PluginEngine;
use super::host::{self, HostState, MemoryKv};
use super::{ArtifactCache, Exports, PluginError, types};
use crate::config::{Config, OnError};

/// Limits and policy of one plugin, from `[plugin.NAME]` over a bundled plugin's built-in
/// settings over `[plugins]` (`Config::plugin_limits`).
#[derive(Debug, Clone)]
pub struct PluginSettings {
    pub order: Option<i64>,
    pub cpu_ms: u64,
    pub memory_mb: u64,
    pub on_error: OnError,
    pub enabled: bool,
    /// Granted `dns` (`[plugin.NAME] grants`).
    pub dns: bool,
    /// The host's resolver and cache behind the `dns` import (set by the host that loads the
    /// plugin; without it every lookup is denied).
    pub resolver: Option<Arc<super::dns::PluginDns>>,
    pub config: Arc<Vec<(String, String)>>,
    /// Calls one instance may serve if the plugin is stateless (`[plugins] reuse_calls`).
    pub reuse_calls: u32,
}

impl PluginSettings {
    pub fn resolve(config: &Config, name: &str) -> PluginSettings {
        let d = &config.plugins;
        let p = config.plugin.get(name);
        let limits = config.plugin_limits(name);
        PluginSettings {
            order: p.and_then(|p| p.order),
            cpu_ms: limits.cpu_ms,
            memory_mb: limits.memory_mb,
            on_error: limits.on_error,
            enabled: d.enabled && p.and_then(|p| p.enabled).unwrap_or(true),
            dns: p.is_some_and(|p| p.grants.contains(&crate::config::Grant::Dns)),
            resolver: None,
            config: Arc::new(super::plugin_config_values(config, name)),
            reuse_calls: d.reuse_calls,
        }
    }

    pub fn memory_bytes(&self) -> usize {
        (self.memory_mb as usize) << 20
    }
}

/// Calls, failures and time spent, per plugin name.
#[derive(Debug, Default)]
pub struct Stats {
    calls: AtomicU64,
    errors: AtomicU64,
    nanos: AtomicU64,
    /// Fuel used by all calls, and by the most expensive one (the plugin's own work; with
    /// `cpu_meter = "time"`, its CPU time in fuel units: `engine::fuel_of_cpu`).
    fuel: AtomicU64,
    max_fuel: AtomicU64,
}

impl Stats {
    pub fn record(&self, elapsed: Duration, failed: bool, fuel: u64) {
        self.calls.fetch_add(1, Ordering::Relaxed);
        if failed {
            self.errors.fetch_add(1, Ordering::Relaxed);
        }
        self.nanos
            .fetch_add(elapsed.as_nanos() as u64, Ordering::Relaxed);
        self.fuel.fetch_add(fuel, Ordering::Relaxed);
        self.max_fuel.fetch_max(fuel, Ordering::Relaxed);
    }

    /// Fuel used by all calls so far.
    pub fn fuel(&self) -> u64 {
        self.fuel.load(Ordering::Relaxed)
    }

    /// Fuel of the most expensive call so far.
    pub fn max_fuel(&self) -> u64 {
        self.max_fuel.load(Ordering::Relaxed)
    }

    pub fn calls(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }

    pub fn errors(&self) -> u64 {
        self.errors.load(Ordering::Relaxed)
    }

    pub fn mean_us(&self) -> f64 {
        let calls = self.calls();
        if calls == 0 {
            return 0.0;
        }
        self.nanos.load(Ordering::Relaxed) as f64 / calls as f64 / 1000.0
    }
}

/// One loaded version of a plugin.
pub struct LoadedPlugin {
    pub name: String,
    pub(crate) name_arc: Arc<str>,
    pub file: PathBuf,
    /// SHA-256 of the component file.
    pub sha256: String,
    pub info: types::PluginInfo,
    /// What the plugin declared with the `traits` export (WIT 0.1.3); empty for older ones.
    pub traits: types::PluginTraits,
    pub settings: PluginSettings,
    pub(crate) pre: InstancePre<HostState>,
    pub(crate) exports: Exports,
    /// Idle instances, for a plugin that declared itself stateless.
    pub(crate) reuse: super::reuse::ReusePool,
    pub stats: Arc<Stats>,
    /// This plugin's series in the global metrics, looked up at its first call.
    pub(crate) series: std::sync::OnceLock<crate::metrics::PluginSeries>,
    pub loaded_at: chrono::DateTime<chrono::Utc>,
}

impl LoadedPlugin {
    pub fn has_hook(&self, hook: types::Hook) -> bool {
        self.info.hooks.contains(&hook)
    }

    /// Whether calls may reuse an idle instance (declared stateless and reuse not disabled).
    pub fn reuses_instances(&self) -> bool {
        self.reuse.enabled()
    }

    /// Idle instances kept now.
    pub fn idle_instances(&self) -> usize {
        self.reuse.len()
    }

    pub fn info_json(&self) -> serde_json::Value {
        serde_json::json!({
            "name": self.name,
            "reported_name": self.info.name,
            "version": self.info.version,
            "description": self.info.description,
            "hooks": self.info.hooks.iter().map(|h| match h {
                types::Hook::CheckRecipient => "check-recipient",
                types::Hook::Learn => "learn",
            }).collect::<Vec<_>>(),
            "stateless": self.traits.contains(types::PluginTraits::STATELESS),
            "sha256": self.sha256,
        })
    }

    fn sort_key(&self) -> (bool, i64, String) {
        (
            self.settings.order.is_none(),
            self.settings.order.unwrap_or(0),
            self.name.clone(),
        )
    }
}

/// Validates and compiles a component and prepares it for instantiation. Calls its `info`
/// export (bounded like any call) to learn its version, description and hooks.
pub(crate) fn load(
    engine: &PluginEngine,
    cache: Option<&ArtifactCache>,
    name: &str,
    path: &Path,
    bytes: &[u8],
    sha256: String,
    settings: PluginSettings,
) -> Result<LoadedPlugin, PluginError> {
    check_component_header(bytes)?;
    let component = match cache {
        Some(cache) => cache.load_or_compile(engine, bytes)?.0,
        None => Component::new(engine.engine(), bytes)
            .map_err(|e| PluginError::Compile(format!("{e:#}")))?,
    };
    let pre = engine
        .linker
        .instantiate_pre(&component)
        .map_err(|e| PluginError::Link(format!("{e:#}")))?;
    let export = |n: &str| component.get_export_index(None, n);
    let exports = Exports {
        info: export("info"),
        filter: export("filter").ok_or(PluginError::Export("filter"))?,
        check_recipient: export("check-recipient"),
        learn: export("learn"),
        traits: export("traits"),
    };
    let mut plugin = LoadedPlugin {
        name: name.to_string(),
        name_arc: Arc::from(name),
        file: path.to_path_buf(),
        sha256,
        info: types::PluginInfo {
            name: name.to_string(),
            version: "unknown".into(),
            description: String::new(),
            hooks: Vec::new(),
        },
        traits: types::PluginTraits::empty(),
        settings,
        pre,
        exports,
        reuse: super::reuse::ReusePool::disabled(engine.idle.clone()),
        stats: Arc::new(Stats::default()),
        series: std::sync::OnceLock::new(),
        loaded_at: chrono::Utc::now(),
    };
    // One instantiation now checks every export's type against the world, so that a mismatch
    // is refused here and not on the first message.
    let exports = plugin.exports.clone();
    let out = host::call(
        engine,
        &plugin,
        Arc::new(MemoryKv::default()),
        false,
        |store, instance| {
            instance
                .get_typed_func::<(&types::Message,), (types::Verdict,)>(
                    &mut *store,
                    &exports.filter,
                )
                .map_err(|_| wasmtime::format_err!("filter"))?;
            if let Some(i) = &exports.check_recipient {
                instance
                    .get_typed_func::<(&types::Envelope, &str), (types::Decision,)>(&mut *store, i)
                    .map_err(|_| wasmtime::format_err!("check-recipient"))?;
            }
            if let Some(i) = &exports.learn {
                instance
                    .get_typed_func::<(&types::Message, types::LearnClass), ()>(&mut *store, i)
                    .map_err(|_| wasmtime::format_err!("learn"))?;
            }
            let traits = match &exports.traits {
                Some(i) => {
                    let f = instance
                        .get_typed_func::<(), (types::PluginTraits,)>(&mut *store, i)
                        .map_err(|_| wasmtime::format_err!("traits"))?;
                    f.call(&mut *store, ())?.0
                }
                None => types::PluginTraits::empty(),
            };
            match &exports.info {
                Some(i) => {
                    let f = instance
                        .get_typed_func::<(), (types::PluginInfo,)>(&mut *store, i)
                        .map_err(|_| wasmtime::format_err!("info"))?;
                    Ok((Some(f.call(&mut *store, ())?.0), traits))
                }
                None => Ok((None, traits)),
            }
        },
    );
    match out.result {
        Ok((info, traits)) => {
            if let Some(info) = info {
                plugin.info = sanitize_info(info, name);
            }
            plugin.traits = traits;
            if traits.contains(types::PluginTraits::STATELESS) {
                // Per plugin at most as many idle instances as messages run plugins at once.
                let per_plugin = (engine.idle_cap() / 4).max(1);
                plugin.reuse = super::reuse::ReusePool::new(
                    plugin.settings.reuse_calls,
                    per_plugin,
                    engine.idle.clone(),
                );
            }
        }
        Err(super::CallError::Trap(t))
            if ["filter", "check-recipient", "learn", "info", "traits"].contains(&t.as_str()) =>
        {
            return Err(PluginError::Export(match t.as_str() {
                "filter" => "filter",
                "check-recipient" => "check-recipient",
                "learn" => "learn",
                "traits" => "traits",
                _ => "info",
            }));
        }
        // Stalled (the wall-clock backstop) or out of pool slots: not the component's fault.
        // Running out of fuel is: `info` does the same work every time.
        Err(e @ (super::CallError::Stalled(_) | super::CallError::Instantiate(_))) => {
            return Err(PluginError::Unfinished(e.to_string()));
        }
        Err(e) => return Err(PluginError::Info(e.to_string())),
    }
    Ok(plugin)
}

/// A cheap first check, so that a core module or random bytes get a clear message.
fn check_component_header(bytes: &[u8]) -> Result<(), PluginError> {
    if bytes.len() < 8 || &bytes[..4] != b"\0asm" {
        return Err(PluginError::NotComponent(
            "the file does not start with the WebAssembly magic number".into(),
        ));
    }
    // Bytes 4..8: version 1 + layer 0 is a core module; layer 1 is a component.
    if bytes[6..8] == [0, 0] {
        return Err(PluginError::NotComponent(
            "this is a core WebAssembly module; turn it into a component (see plugins/README)"
                .into(),
        ));
    }
    Ok(())
}

/// Plugin-reported text ends up in logs and CLI output: no control characters, bounded length.
fn sanitize_info(info: types::PluginInfo, name: &str) -> types::PluginInfo {
    let clean = |s: String, max: usize| -> String {
        s.chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .take(max)
            .collect()
    };
    let mut hooks = info.hooks;
    hooks.dedup();
    types::PluginInfo {
        name: if info.name.is_empty() {
            name.to_string()
        } else {
            clean(info.name, 64)
        },
        version: clean(info.version, 64),
        description: clean(info.description, 300),
        hooks,
    }
}

/// A file that is in the folder but not running.
#[derive(Debug, Clone)]
enum Inactive {
    Disabled {
        file: PathBuf,
    },
    Refused {
        file: PathBuf,
        sha256: String,
        error: String,
        /// When to try this same file again: `None` for a file that is invalid as it is (it
        /// is tried again only when it changes).
        retry: Option<Retry>,
    },
}

/// The backoff of a file whose loading failed for a reason that may pass (see
/// `PluginError::is_transient`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Retry {
    /// Failed attempts so far at this version of the file.
    pub attempts: u32,
    pub at: Instant,
}

/// First retry after a transient failure; doubled per failure up to `RETRY_MAX`.
const RETRY_FIRST: Duration = Duration::from_secs(1);
const RETRY_MAX: Duration = Duration::from_secs(300);

/// The delay before retry number `attempts` (1-based).
pub(crate) fn backoff(attempts: u32) -> Duration {
    RETRY_FIRST
        .saturating_mul(1u32 << attempts.saturating_sub(1).min(16))
        .min(RETRY_MAX)
}

#[derive(Default)]
pub struct Registry {
    current: ArcSwap<Vec<Arc<LoadedPlugin>>>,
    /// Serialises writers (the watcher and the initial load); readers never take it.
    write: Mutex<()>,
    stats: Mutex<BTreeMap<String, Arc<Stats>>>,
    inactive: Mutex<BTreeMap<String, Inactive>>,
}

/// A row of `mailsift plugin list`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PluginStatus {
    pub name: String,
    pub file: String,
    pub state: String,
    pub version: String,
    pub description: String,
    pub hooks: Vec<String>,
    pub order: Option<i64>,
    pub on_error: String,
    pub calls: u64,
    pub errors: u64,
    pub mean_us: f64,
    /// The largest share of its CPU budget (`cpu_ms`, as `[plugins] cpu_meter` counts it) one
    /// call used, in percent: how close the plugin comes to being stopped.
    #[serde(default)]
    pub peak_budget_pct: f64,
    pub error: Option<String>,
}

impl Registry {
    /// The plugins in order, as of now. Cheap (an atomic load and a reference count).
    pub fn snapshot(&self) -> Arc<Vec<Arc<LoadedPlugin>>> {
        self.current.load_full()
    }

    pub fn current_hash(&self, name: &str) -> Option<String> {
        self.current
            .load()
            .iter()
            .find(|p| p.name == name)
            .map(|p| p.sha256.clone())
    }

    /// The hash of a refused file, so the watcher does not retry it until it changes.
    pub fn refused_hash(&self, name: &str) -> Option<String> {
        match lock(&self.inactive).get(name) {
            Some(Inactive::Refused { sha256, .. }) => Some(sha256.clone()),
            _ => None,
        }
    }

    /// Whether loading this version of the file now would only repeat a refusal: it is
    /// invalid as it is, or its retry is not due yet. Returns the failed attempts so far
    /// otherwise (0: never tried).
    pub(crate) fn refusal_stands(&self, name: &str, sha256: &str, now: Instant) -> Result<(), u32> {
        match lock(&self.inactive).get(name) {
            Some(Inactive::Refused {
                sha256: refused,
                retry,
                ..
            }) if refused == sha256 => match retry {
                None => Ok(()),
                Some(r) if r.at > now => Ok(()),
                Some(r) => Err(r.attempts),
            },
            _ => Err(0),
        }
    }

    /// The refused files whose retry is due, for the watcher.
    pub(crate) fn due_retries(&self, now: Instant) -> Vec<(String, PathBuf)> {
        lock(&self.inactive)
            .iter()
            .filter_map(|(name, i)| match i {
                Inactive::Refused {
                    file,
                    retry: Some(r),
                    ..
                } if r.at <= now => Some((name.clone(), file.clone())),
                _ => None,
            })
            .collect()
    }

    pub(crate) fn publish(&self, mut plugin: LoadedPlugin) {
        let _w = lock(&self.write);
        plugin.stats = lock(&self.stats)
            .entry(plugin.name.clone())
            .or_default()
            .clone();
        lock(&self.inactive).remove(&plugin.name);
        let plugin = Arc::new(plugin);
        let mut list: Vec<Arc<LoadedPlugin>> = self
            .current
            .load()
            .iter()
            .filter(|p| p.name != plugin.name)
            .cloned()
            .collect();
        list.push(plugin);
        list.sort_by_key(|p| p.sort_key());
        self.current.store(Arc::new(list));
    }

    /// Removes a plugin whose file is gone.
    pub fn remove(&self, name: &str) -> bool {
        let _w = lock(&self.write);
        lock(&self.inactive).remove(name);
        let before = self.current.load();
        if !before.iter().any(|p| p.name == name) {
            return false;
        }
        let list: Vec<_> = before.iter().filter(|p| p.name != name).cloned().collect();
        self.current.store(Arc::new(list));
        true
    }

    /// Records a refusal; a `transient` one is retried with backoff, counting the failures at
    /// the same version of the file. Returns the retry, if any.
    pub(crate) fn set_refused(
        &self,
        name: &str,
        file: &Path,
        sha256: String,
        error: String,
        transient: bool,
    ) -> Option<Retry> {
        let mut inactive = lock(&self.inactive);
        let retry = transient.then(|| {
            let attempts = match inactive.get(name) {
                Some(Inactive::Refused {
                    sha256: s,
                    retry: Some(r),
                    ..
                }) if *s == sha256 => r.attempts + 1,
                _ => 1,
            };
            Retry {
                attempts,
                at: Instant::now() + backoff(attempts),
            }
        });
        inactive.insert(
            name.to_string(),
            Inactive::Refused {
                file: file.to_path_buf(),
                sha256,
                error,
                retry,
            },
        );
        retry
    }

    pub(crate) fn set_disabled(&self, name: &str, file: &Path) {
        lock(&self.inactive).insert(
            name.to_string(),
            Inactive::Disabled {
                file: file.to_path_buf(),
            },
        );
    }

    /// One row per plugin: running ones in order, then disabled and refused files.
    pub fn status(&self, _dir: &Path) -> Vec<PluginStatus> {
        let mut rows = Vec::new();
        for p in self.snapshot().iter() {
            rows.push(PluginStatus {
                name: p.name.clone(),
                file: p.file.display().to_string(),
                state: "loaded".into(),
                version: p.info.version.clone(),
                description: p.info.description.clone(),
                hooks: p
                    .info
                    .hooks
                    .iter()
                    .map(|h| match h {
                        types::Hook::CheckRecipient => "check-recipient".to_string(),
                        types::Hook::Learn => "learn".to_string(),
                    })
                    .collect(),
                order: p.settings.order,
                on_error: format!("{:?}", p.settings.on_error).to_lowercase(),
                calls: p.stats.calls(),
                errors: p.stats.errors(),
                mean_us: (p.stats.mean_us() * 10.0).round() / 10.0,
                peak_budget_pct: {
                    let budget = super::engine::fuel_budget(p.settings.cpu_ms).max(1) as f64;
                    (p.stats.max_fuel() as f64 * 1000.0 / budget).round() / 10.0
                },
                error: None,
            });
        }
        let running: Vec<String> = rows.iter().map(|r| r.name.clone()).collect();
        for (name, inactive) in lock(&self.inactive).iter() {
            let (file, state, error) = match inactive {
                Inactive::Disabled { file } => (file, "disabled", None),
                // A refused replacement of a running plugin: the running row says it all,
                // plus the error.
                Inactive::Refused { file, error, .. } => (file, "refused", Some(error.clone())),
            };
            if running.contains(name) {
                if let Some(row) = rows.iter_mut().find(|r| &r.name == name) {
                    row.error = error.map(|e| format!("newer file refused: {e}"));
                }
                continue;
            }
            rows.push(PluginStatus {
                name: name.clone(),
                file: file.display().to_string(),
                state: state.into(),
                version: String::new(),
                description: String::new(),
                hooks: Vec::new(),
                order: None,
                on_error: String::new(),
                calls: 0,
                errors: 0,
                mean_us: 0.0,
                peak_budget_pct: 0.0,
                error,
            });
        }
        rows
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding one of these locks leaves plain data behind; keep going.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        assert_eq!(backoff(1), Duration::from_secs(1));
        assert_eq!(backoff(2), Duration::from_secs(2));
        assert_eq!(backoff(5), Duration::from_secs(16));
        assert_eq!(backoff(10), RETRY_MAX);
        assert_eq!(backoff(u32::MAX), RETRY_MAX);
    }

    #[test]
    fn transient_refusals_come_due_and_permanent_ones_stand() {
        let r = Registry::default();
        let file = Path::new("/x/p.wasm");
        let now = Instant::now();
        assert_eq!(r.refusal_stands("p", "h1", now), Err(0));
        // Invalid as it is: stands until the file changes.
        assert!(
            r.set_refused("p", file, "h1".into(), "bad".into(), false)
                .is_none()
        );
        assert_eq!(r.refusal_stands("p", "h1", now + RETRY_MAX), Ok(()));
        assert_eq!(r.refusal_stands("p", "h2", now), Err(0));
        assert!(r.due_retries(now + RETRY_MAX).is_empty());
        // Transient: due after the backoff, attempts counted per version.
        let first = r
            .set_refused("p", file, "h2".into(), "slow".into(), true)
            .unwrap();
        assert_eq!(first.attempts, 1);
        assert_eq!(r.refusal_stands("p", "h2", Instant::now()), Ok(()));
        let later = Instant::now() + Duration::from_secs(2);
        assert_eq!(r.refusal_stands("p", "h2", later), Err(1));
        assert_eq!(
            r.due_retries(later),
            vec![("p".to_string(), file.to_path_buf())]
        );
        let second = r
            .set_refused("p", file, "h2".into(), "slow".into(), true)
            .unwrap();
        assert_eq!(second.attempts, 2);
        let third = r
            .set_refused("p", file, "h3".into(), "slow".into(), true)
            .unwrap();
        assert_eq!(third.attempts, 1);
    }
}
