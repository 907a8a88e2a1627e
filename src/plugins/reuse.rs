//! Idle instances of plugins that declare themselves stateless (WIT 0.1.3 `traits`), kept for
//! the next call instead of a fresh instance per call.
//!
//! SECURITY: what reuse may and may not change.
//! - An idle instance is taken out of the pool for a call and put back only after the call
//!   returned normally, so it serves one call at a time and is never shared between concurrent
//!   calls (each `Store` is owned by the one thread that runs the call).
//! - After a trap, running out of fuel, the epoch backstop or a refused `memory.grow`, the
//!   instance may be in any state: it is dropped, never put back (`host::call`).
//! - After `max_calls` calls it is dropped too, so a slow leak or a heap that fragmented over
//!   many messages is bounded by a fresh instance.
//! - Each call gets its own CPU budget (fuel set anew), wall-clock backstop, key-value snapshot
//!   (taken at its first read, so it never sees an older view), pending writes, DNS budget and
//!   log quota (`HostState::begin_call`). The memory cap is the instance's, as for one call.
//! - An instance belongs to one loaded version of one plugin, with that plugin's config and
//!   store namespace: another plugin's calls never run in it, and a reload drops the pool.
//! - What a reused instance can carry from one message to the next is its own linear memory.
//!   The plugin could keep the same data anyway, in its key-value store (which persists across
//!   messages and restarts), so reuse gives a plugin no reach it did not have: isolation
//!   between plugins, between plugins and the server, and each plugin's limits are unchanged.
//!   The declaration is the plugin's promise about correctness (its verdicts do not depend on
//!   earlier messages in memory), not a security boundary; a plugin that does not declare it
//!   keeps a fresh instance per call.

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use wasmtime::Store;
use wasmtime::component::Instance;

use super::host::HostState;

/// An instance between calls, with the store that owns it.
pub(crate) struct Idle {
    pub store: Store<HostState>,
    pub instance: Instance,
    /// Calls it has served.
    pub calls: u32,
}

/// How many idle instances may exist across all plugins of one engine: each holds a slot of
/// the pooling allocator and its linear memory, so the total is bounded (`EngineSettings`
/// reserves the slots).
pub(crate) struct IdleBudget {
    count: AtomicUsize,
    cap: usize,
}

impl IdleBudget {
    pub fn new(cap: usize) -> Arc<IdleBudget> {
        Arc::new(IdleBudget {
            count: AtomicUsize::new(0),
            cap,
        })
    }

    fn reserve(&self) -> bool {
        self.count
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < self.cap).then_some(n + 1)
            })
            .is_ok()
    }

    fn release(&self, n: usize) {
        self.count.fetch_sub(n, Ordering::AcqRel);
    }
}

/// The idle instances of one loaded plugin version.
pub(crate) struct ReusePool {
    /// Calls one instance may serve; 0 or 1: never reuse.
    max_calls: u32,
    /// Idle instances kept for this plugin at most.
    per_plugin: usize,
    idle: Mutex<Vec<Idle>>,
    budget: Arc<IdleBudget>,
}

impl ReusePool {
    pub fn new(max_calls: u32, per_plugin: usize, budget: Arc<IdleBudget>) -> ReusePool {
        ReusePool {
            max_calls,
            per_plugin,
            idle: Mutex::new(Vec::new()),
            budget,
        }
    }

    /// A pool that never keeps anything (plugins that are not stateless).
    pub fn disabled(budget: Arc<IdleBudget>) -> ReusePool {
        ReusePool::new(0, 0, budget)
    }

    pub fn enabled(&self) -> bool {
        self.max_calls > 1 && self.per_plugin > 0
    }

    /// An idle instance, if one is waiting.
    pub fn take(&self) -> Option<Idle> {
        if !self.enabled() {
            return None;
        }
        let idle = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        if idle.is_some() {
            self.budget.release(1);
        }
        idle
    }

    /// Keeps an instance whose call returned normally, unless it has served its calls or the
    /// pool or the engine's budget is full (then it is dropped here, outside the lock).
    pub fn put(&self, idle: Idle) {
        if !self.enabled() || idle.calls >= self.max_calls || !self.budget.reserve() {
            return;
        }
        let mut pool = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        if pool.len() >= self.per_plugin {
            drop(pool);
            self.budget.release(1);
            return;
        }
        pool.push(idle);
    }

    /// Idle instances of this plugin now.
    pub fn len(&self) -> usize {
        self.idle.lock().unwrap_or_else(|e| e.into_inner()).len()
    }
}

impl Drop for ReusePool {
    fn drop(&mut self) {
        let n = self
            .idle
            .get_mut()
            .map_or_else(|e| e.into_inner().len(), |v| v.len());
        self.budget.release(n);
    }
}
