//! The one wasmtime `Engine` of the server: component model, pooling allocator, the CPU budget
//! of a call (the thread's CPU time read at epoch ticks, or fuel metering: [`CpuMeter`]), epoch
//! interruption driven by a ticker thread (that check and the wall-clock backstop), and the
//! linker with the host's imports.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use wasmtime::component::{HasSelf, Linker};
use wasmtime::{
    Config as WasmConfig, Enabled, Engine, InstanceAllocationStrategy, PoolingAllocationConfig,
};

use super::PluginError;
use super::host::HostState;
use crate::config::Config;

/// One epoch tick: the resolution of the wall-clock backstop (seconds), so a coarse tick
/// spares the ticker thread's wake-ups.
pub const EPOCH_TICK: Duration = Duration::from_millis(10);

/// Fuel per millisecond of `cpu_ms`. A call's CPU bound is counted in wasmtime fuel (one unit
/// per WebAssembly instruction, roughly), i.e. in the plugin's own work: a busy machine that
/// deschedules the worker thread, or a slow host call, does not use it up (issue 15: under load
/// a wall-clock bound of 50 ms skipped verdicts and failed training). Measured with
/// benches/filters.rs (BENCHMARKS.md, "CPU budget in fuel"): the bundled plugins' code runs
/// 7–11 units per ns of an idle core and a tight loop about 10, so `cpu_ms = 50` is 500 M
/// units, 45–70 ms of real work: about what the old wall-clock bound gave on an idle machine.
pub const FUEL_PER_MS: u64 = 10_000_000;

/// The wall-clock backstop of a call: `BACKSTOP_FACTOR` times its CPU budget, and never less
/// than `MIN_BACKSTOP`.
const BACKSTOP_FACTOR: u64 = 10;
const MIN_BACKSTOP: Duration = Duration::from_secs(5);

/// Bytes of each linear memory kept resident (reset with memset instead of madvise) when a pool
/// slot is reused. Measured with benches/plugins.rs: a no-op plugin on a 1 MB message costs
/// ~150 µs with 4 MiB against 550–750 µs with 0 or 64 KiB (page faults); 5 KB messages are
/// within noise either way. benches/plugins.rs compares the values side by side (issue 19).
pub const KEEP_RESIDENT: usize = 4 << 20;

/// How a call's CPU budget (`cpu_ms`) is counted (`[plugins] cpu_meter`): `Fuel` is
/// deterministic (the same message costs the same fuel on any machine, which `mailsift plugin
/// test` reports) but the compiled code counts it in every basic block; `Time` reads the
/// thread's CPU time (`CLOCK_THREAD_CPUTIME_ID`) at each epoch tick, so the code carries only
/// the epoch check, and the bound holds to within a tick ([`EPOCH_TICK`]).
pub use crate::config::CpuMeter;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EngineSettings {
    /// How calls' CPU budgets are counted.
    pub cpu_meter: CpuMeter,
    /// Largest linear memory any plugin may grow to (the largest configured `memory_mb`, or a
    /// bundled plugin's built-in one).
    pub max_memory_bytes: usize,
    /// Instances that may exist at once; calls beyond fail to instantiate (and are handled by
    /// the plugin's policy), so it is sized well above the host's concurrency bound.
    pub slots: u32,
    /// Bytes of linear memory kept resident per pool slot (see [`KEEP_RESIDENT`]).
    pub keep_resident: usize,
    /// Reset a reused slot's memory by scanning for the pages the last instance wrote (Linux
    /// `PAGEMAP_SCAN`, kernel 6.7+; wasmtime falls back to the plain reset where it is
    /// missing) instead of zeroing all of its first `keep_resident` bytes. Same result, every
    /// page back to its initial contents, for less work: a plugin touches few of its pages.
    pub pagemap_scan: bool,
    /// Idle instances of stateless plugins kept across all plugins (`reuse::IdleBudget`); their
    /// slots come on top of `slots`' margin for calls.
    pub idle_instances: u32,
}

impl EngineSettings {
    pub fn for_config(config: &Config, concurrency: usize) -> EngineSettings {
        let max_mb = config.max_plugin_memory_mb();
        let idle_instances = if config.plugins.reuse_calls > 1 {
            concurrency as u32 * 4
        } else {
            0
        };
        EngineSettings {
            cpu_meter: config.plugins.cpu_meter,
            max_memory_bytes: (max_mb as usize) << 20,
            // Concurrent message calls plus `info` calls of plugins being loaded, with margin,
            // plus the idle instances kept for reuse.
            slots: (concurrency as u32 * 4).max(16) + idle_instances,
            keep_resident: KEEP_RESIDENT,
            pagemap_scan: true,
            idle_instances,
        }
    }
}

pub struct PluginEngine {
    pub(crate) engine: Engine,
    pub(crate) linker: Arc<Linker<HostState>>,
    /// Text that changes whenever compiled code would (wasmtime version, compiler flags,
    /// tunables, our settings): part of the artifact cache key.
    pub(crate) fingerprint: String,
    /// Bounds the idle instances of all plugins together.
    pub(crate) idle: Arc<super::reuse::IdleBudget>,
    idle_cap: usize,
    pub(crate) cpu_meter: CpuMeter,
    stop: Arc<AtomicBool>,
}

impl Drop for PluginEngine {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// A `Hasher` that feeds SHA-256, to turn wasmtime's compatibility `Hash` into stable bytes.
struct ShaHasher(sha2::Sha256);

impl std::hash::Hasher for ShaHasher {
    fn finish(&self) -> u64 {
        0
    }
    fn write(&mut self, bytes: &[u8]) {
        use sha2::Digest;
        self.0.update(bytes);
    }
}

impl PluginEngine {
    pub fn new(settings: &EngineSettings) -> Result<PluginEngine, PluginError> {
        let mut pool = PoolingAllocationConfig::default();
        pool.total_component_instances(settings.slots)
            .total_core_instances(settings.slots * 4)
            .total_memories(settings.slots * 2)
            .total_tables(settings.slots * 4)
            .max_memory_size(settings.max_memory_bytes)
            .linear_memory_keep_resident(settings.keep_resident)
            .pagemap_scan(if settings.pagemap_scan {
                Enabled::Auto
            } else {
                Enabled::No
            })
            .table_keep_resident(64 << 10);
        let mut cfg = WasmConfig::new();
        cfg.wasm_component_model(true)
            .consume_fuel(settings.cpu_meter == CpuMeter::Fuel)
            .epoch_interruption(true)
            .allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
        let engine = Engine::new(&cfg).map_err(|e| PluginError::Engine(format!("{e:#}")))?;

        let mut linker = Linker::<HostState>::new(&engine);
        super::bindings::Filter::add_to_linker::<HostState, HasSelf<HostState>>(&mut linker, |s| s)
            .map_err(|e| PluginError::Engine(format!("{e:#}")))?;

        let mut hasher = ShaHasher(sha2::Digest::new());
        std::hash::Hash::hash(&engine.precompile_compatibility_hash(), &mut hasher);
        std::hash::Hash::hash(settings, &mut hasher);
        let fingerprint = format!(
            "wasmtime-48/{}",
            hex::encode(sha2::Digest::finalize(hasher.0))
        );

        // The ticker holds only a weak reference: dropping the last `Engine` ends it.
        let stop = Arc::new(AtomicBool::new(false));
        let weak = engine.weak();
        let stop2 = stop.clone();
        std::thread::Builder::new()
            .name("plugin-epoch".into())
            .spawn(move || {
                // Ticks follow the clock, not the count of sleeps: on a busy machine this thread
                // wakes late, and a backstop that drifted with the load would stretch with it.
                let started = std::time::Instant::now();
                let mut ticks: u128 = 0;
                while !stop2.load(Ordering::Relaxed) {
                    std::thread::sleep(EPOCH_TICK);
                    let Some(engine) = weak.upgrade() else { break };
                    let due = started.elapsed().as_nanos() / EPOCH_TICK.as_nanos().max(1);
                    while ticks < due {
                        engine.increment_epoch();
                        ticks += 1;
                    }
                }
            })
            .map_err(|e| PluginError::Engine(format!("cannot start the epoch thread: {e}")))?;

        Ok(PluginEngine {
            engine,
            linker: Arc::new(linker),
            fingerprint,
            idle: super::reuse::IdleBudget::new(settings.idle_instances as usize),
            idle_cap: settings.idle_instances as usize,
            cpu_meter: settings.cpu_meter,
            stop,
        })
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Most idle instances kept across all plugins (0: no reuse).
    pub fn idle_cap(&self) -> usize {
        self.idle_cap
    }
}

/// The fuel of a call with a CPU budget of `cpu_ms` (milliseconds of work).
pub fn fuel_budget(cpu_ms: u64) -> u64 {
    cpu_ms.saturating_mul(FUEL_PER_MS)
}

/// CPU time the calling thread has used so far (`CLOCK_THREAD_CPUTIME_ID`): not advanced while
/// the thread is descheduled or blocked.
pub fn thread_cpu_time() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // Safety: `ts` is a valid out-pointer for the duration of the call.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return Duration::ZERO;
    }
    Duration::new(
        ts.tv_sec.max(0) as u64,
        ts.tv_nsec.clamp(0, 999_999_999) as u32,
    )
}

/// Budget units (fuel, or its equivalent in thread CPU time) of `cpu`: what the counters and
/// `peak_budget_pct` report in either [`CpuMeter`].
pub fn fuel_of_cpu(cpu: Duration) -> u64 {
    (cpu.as_nanos().saturating_mul(FUEL_PER_MS as u128) / 1_000_000).min(u64::MAX as u128) as u64
}

/// The wall-clock backstop of a call with a CPU budget of `cpu_ms`, in milliseconds. Fuel is
/// spent only by the plugin's own instructions, not by the host's side of its imports (a
/// key-value or list read costs it a few units however long the store takes), so a plugin
/// looping on imports that are cheap to it and costly to us, or one whose import stalled, would
/// otherwise hold a worker for as long as it likes. The epoch deadline stops it as soon as it
/// runs again past the backstop. The backstop is far above what a busy machine stretches a
/// call that fits its budget to, so it is not what decides whether a verdict is skipped.
pub fn backstop_ms(cpu_ms: u64) -> u64 {
    cpu_ms
        .saturating_mul(BACKSTOP_FACTOR)
        .max(MIN_BACKSTOP.as_millis() as u64)
}

/// Epoch ticks for the backstop of a call with a CPU budget of `cpu_ms`; one extra so it is
/// never shorter than [`backstop_ms`].
pub fn backstop_ticks(cpu_ms: u64) -> u64 {
    let tick = EPOCH_TICK.as_millis().max(1) as u64;
    backstop_ms(cpu_ms).div_ceil(tick) + 1
}
