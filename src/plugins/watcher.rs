//! Watches the plugin folder by polling (name, size, mtime) of `*.wasm` files: portable, no
//! extra dependency, and a readdir every quarter second costs nothing.
//!
//! A file is loaded only once it has looked the same in two consecutive polls, so a component
//! still being written is not picked up half-way; if it is anyway (a writer that pauses), it
//! fails validation, the previous version stays, and the finished file is retried when its size
//! or mtime changes. Writing to a temporary name and renaming into place is still the safe way.
//!
//! A file refused for a reason that may pass (`PluginError::is_transient`: unreadable, or
//! compiling / the first call did not finish on a busy machine) is retried with backoff
//! (1 s doubling to 5 min) without waiting for it to change.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};

use super::PluginHost;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    pub path: PathBuf,
    pub size: u64,
    pub mtime: Option<SystemTime>,
}

/// The `*.wasm` files of `dir` by plugin name (file stem). Names that are not valid plugin
/// names are skipped with a warning.
pub(crate) fn scan(dir: &Path) -> BTreeMap<String, Entry> {
    let mut out = BTreeMap::new();
    let Ok(read) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in read.flatten() {
        let path = entry.path();
        if path.extension().and_then(|e| e.to_str()) != Some("wasm") {
            continue;
        }
        let Some(name) = path.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        if !crate::config::valid_plugin_name(name) {
            tracing::warn!(file = %path.display(), "ignoring plugin file: the name may only use letters, digits, - and _");
            continue;
        }
        let Ok(meta) = std::fs::metadata(&path) else {
            continue;
        };
        if !meta.is_file() {
            continue;
        }
        out.insert(
            name.to_string(),
            Entry {
                path,
                size: meta.len(),
                mtime: meta.modified().ok(),
            },
        );
    }
    out
}

/// Stops the watcher thread when dropped.
pub struct WatcherHandle {
    stop: Arc<AtomicBool>,
}

impl Drop for WatcherHandle {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

pub(crate) fn spawn(host: Arc<PluginHost>, interval: Duration) -> WatcherHandle {
    let stop = Arc::new(AtomicBool::new(false));
    let stop2 = stop.clone();
    let spawned = std::thread::Builder::new()
        .name("plugin-watcher".into())
        .spawn(move || run(host, interval, stop2));
    if let Err(e) = spawned {
        tracing::error!(error = %e, "cannot start the plugin folder watcher; hot reload is off");
    }
    WatcherHandle { stop }
}

fn run(host: Arc<PluginHost>, interval: Duration, stop: Arc<AtomicBool>) {
    // What the folder looked like at the last poll, and what has been acted on.
    let mut seen = scan(host.dir());
    // Empty at first: the first stable poll re-checks every file, which is a no-op for files
    // `load_all` already took (same hash) and catches changes made since.
    let mut handled: BTreeMap<String, Entry> = BTreeMap::new();
    while !stop.load(Ordering::Relaxed) {
        std::thread::sleep(interval);
        let now = scan(host.dir());
        for (name, entry) in &now {
            let stable = seen.get(name) == Some(entry);
            if stable && handled.get(name) != Some(entry) {
                handled.insert(name.clone(), entry.clone());
                // `load_file` compares content hashes: a touched but unchanged file is a no-op.
                host.load_file(name, &entry.path);
            }
        }
        // Files refused for a reason that may pass (slow compile at start-up, unreadable for a
        // moment) are tried again when their backoff is due, even though they did not change.
        for (name, path) in host.registry().due_retries(Instant::now()) {
            if now.get(&name).is_some_and(|e| e.path == path) {
                host.load_file(&name, &path);
            }
        }
        for name in handled.keys().cloned().collect::<Vec<_>>() {
            if !now.contains_key(&name) {
                handled.remove(&name);
                if host.registry().remove(&name) {
                    tracing::info!(plugin = %name, "plugin file removed; plugin unloaded");
                }
            }
        }
        seen = now;
    }
}
