//! Returning freed memory to the operating system after a peak.
//!
//! glibc's malloc keeps memory freed by a burst (a large FETCH, many large uploads at once) in
//! its per-thread arenas: it is free for the process but still resident, so the server stays at
//! its peak for ever. A background thread looks every few seconds at how much is free inside the
//! arenas (`mallinfo2`) and, when that is large and has changed since the last look, asks glibc
//! to give it back (`malloc_trim`, which also releases free pages in the middle of a heap).
//! Measured against jemalloc and mimalloc in BENCHMARKS.md ("FETCH memory"): it returns more than
//! either within the interval and needs no C allocator in the build. Other C libraries: nothing.

use std::time::Duration;

/// How often the arenas are looked at.
const INTERVAL: Duration = Duration::from_secs(5);

/// Free bytes inside the arenas below which nothing is done (trimming costs a walk of the heaps).
const THRESHOLD: usize = 16 * 1024 * 1024;

/// Starts the trimming thread (once per process; later calls do nothing).
pub fn start_trimmer() {
    static STARTED: std::sync::Once = std::sync::Once::new();
    STARTED.call_once(|| {
        let spawned = std::thread::Builder::new()
            .name("memory-trim".into())
            .spawn(|| {
                let mut last = 0usize;
                loop {
                    std::thread::sleep(INTERVAL);
                    last = trim_if_worth_it(last);
                }
            });
        if let Err(e) = spawned {
            tracing::warn!(error = %e, "cannot start the memory trimming thread");
        }
    });
}

/// Trims when at least `THRESHOLD` is free and the amount moved by a MiB since the last trim
/// (after a trim the freed pages still count as free for malloc). Returns the amount seen.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn trim_if_worth_it(last: usize) -> usize {
    // SAFETY: both are thread-safe glibc calls without arguments that point anywhere.
    let free = unsafe { libc::mallinfo2() }.fordblks;
    if free >= THRESHOLD && free.abs_diff(last) >= 1024 * 1024 {
        // SAFETY: as above; 0 keeps no extra padding at the top of the heap.
        unsafe { libc::malloc_trim(0) };
        tracing::debug!(free_mib = free >> 20, "returned free memory to the system");
        // SAFETY: as above.
        return unsafe { libc::mallinfo2() }.fordblks;
    }
    last
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn trim_if_worth_it(last: usize) -> usize {
    last
}

/// The process's resident memory in bytes (`/proc/self/statm`: pages resident × page size),
/// for the metrics. `None` where there is no procfs.
pub fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    // SAFETY: sysconf reads a constant of the system; no pointers.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    Some(pages.saturating_mul(u64::try_from(page).ok()?))
}
