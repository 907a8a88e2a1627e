//! Returning freed memory to the operating system after a peak.
//!
//! glibc's malloc keeps memory freed by a burst (a large FETCH, many large uploads at once) in
//! its per-thread arenas: it is free for the process but still resident, so the server stays at
//! its peak for ever. A background thread looks every few seconds at how much is free inside the
//! arenas (`mallinfo2`) and, when that is large, has changed since the last trim and has settled
//! (the peak is over), asks glibc to give it back (`malloc_trim`, which also releases free pages
//! in the middle of a heap).
//! Measured against jemalloc and mimalloc in BENCHMARKS.md ("FETCH memory"): it returns more than
//! either within the interval and needs no C allocator in the build. Other C libraries: nothing.
//!
//! Why "settled": `malloc_trim` holds each arena's lock while it hands the arena's free pages
//! back one `madvise` at a time (7–13 ms on a loaded 2-core machine, hundreds of calls), so every
//! thread allocating from that arena waits; and the pages given back under load are faulted in
//! again at once. Under steady load the arenas' free and used bytes move between looks, so it
//! waits for the load to end (BENCHMARKS.md, "Memory trimming under load").

use std::time::Duration;

/// How often the arenas are looked at.
const INTERVAL: Duration = Duration::from_secs(3);

/// Free bytes inside the arenas below which nothing is done (trimming costs a walk of the heaps).
const THRESHOLD: usize = 16 * 1024 * 1024;

/// How much the free or the used bytes may move between two looks for the arenas to count as
/// settled (nothing allocating or freeing much: the peak is over).
const SETTLED: usize = 1024 * 1024;

/// What the arenas held at one look.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Look {
    /// Free inside the arenas (`fordblks`).
    free: usize,
    /// Allocated (`uordblks`).
    used: usize,
}

/// Whether to trim at look `now`, after look `prev` one interval before, when the last trim
/// left `after_trim` free (after a trim the freed pages still count as free for malloc, so
/// without a change since then a trim would give back nothing new).
fn worth_trimming(prev: Look, now: Look, after_trim: usize) -> bool {
    now.free >= THRESHOLD
        && now.free.abs_diff(after_trim) >= SETTLED
        && now.free.abs_diff(prev.free) < SETTLED
        && now.used.abs_diff(prev.used) < SETTLED
}

/// Starts the trimming thread (once per process; later calls do nothing).
pub fn start_trimmer() {
    static STARTED: std::sync::Once = std::sync::Once::new();
    STARTED.call_once(|| {
        let spawned = std::thread::Builder::new()
            .name("memory-trim".into())
            .spawn(|| {
                let mut prev = Look::default();
                let mut after_trim = 0usize;
                loop {
                    std::thread::sleep(INTERVAL);
                    (prev, after_trim) = trim_if_worth_it(prev, after_trim);
                }
            });
        if let Err(e) = spawned {
            tracing::warn!(error = %e, "cannot start the memory trimming thread");
        }
    });
}

/// Looks at the arenas and trims when `worth_trimming`. Returns this look and what the last
/// trim left free.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn trim_if_worth_it(prev: Look, after_trim: usize) -> (Look, usize) {
    // SAFETY: both are thread-safe glibc calls without arguments that point anywhere.
    let info = unsafe { libc::mallinfo2() };
    let now = Look {
        free: info.fordblks,
        used: info.uordblks,
    };
    if !worth_trimming(prev, now, after_trim) {
        return (now, after_trim);
    }
    let began = std::time::Instant::now();
    // SAFETY: as above; 0 keeps no extra padding at the top of the heap.
    unsafe { libc::malloc_trim(0) };
    tracing::debug!(
        free_mib = now.free >> 20,
        took_us = began.elapsed().as_micros() as u64,
        "returned free memory to the system"
    );
    // SAFETY: as above.
    let info = unsafe { libc::mallinfo2() };
    let now = Look {
        free: info.fordblks,
        used: info.uordblks,
    };
    (now, now.free)
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn trim_if_worth_it(prev: Look, after_trim: usize) -> (Look, usize) {
    (prev, after_trim)
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

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: usize = 1024 * 1024;

    fn look(free_mib: usize, used_mib: usize) -> Look {
        Look {
            free: free_mib * MIB,
            used: used_mib * MIB,
        }
    }

    /// A peak, then quiet: the trim waits until the arenas stop moving, then happens once.
    #[test]
    fn trims_once_the_peak_is_over() {
        // The FETCH is running: used and free change between looks.
        assert!(!worth_trimming(look(5, 300), look(40, 250), 0));
        // It ended: 200 MiB freed since the last look.
        assert!(!worth_trimming(look(40, 250), look(240, 50), 0));
        // Quiet since: trim.
        assert!(worth_trimming(look(240, 50), look(240, 50), 0));
        // After the trim the same free bytes are still counted: nothing new to give back.
        assert!(!worth_trimming(look(240, 50), look(240, 50), 240 * MIB));
        // A later peak that settles is trimmed again.
        assert!(worth_trimming(look(120, 50), look(120, 50), 240 * MIB));
    }

    /// Under steady load the arenas move between looks: no trim, so no arena lock held while
    /// messages are being processed, and no pages given back only to be faulted in again.
    #[test]
    fn no_trim_while_memory_is_in_use() {
        assert!(!worth_trimming(look(60, 80), look(52, 83), 0));
        assert!(!worth_trimming(look(52, 83), look(52, 90), 0));
        assert!(!worth_trimming(look(52, 83), look(61, 83), 0));
        // Little free memory: never worth a walk of the heaps.
        assert!(!worth_trimming(look(8, 80), look(8, 80), 0));
    }
}
