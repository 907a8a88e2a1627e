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
//! waits for the load to end, or trims at most once a minute while the load lasts, so that a
//! peak followed by steady traffic is still given back (BENCHMARKS.md, "Memory trimming under
//! load").

use std::time::Duration;

/// How often the arenas are looked at.
const INTERVAL: Duration = Duration::from_secs(3);

/// Free bytes inside the arenas below which nothing is done (trimming costs a walk of the heaps).
const THRESHOLD: usize = 16 * 1024 * 1024;

/// How much the free or the used bytes may move between two looks for the arenas to count as
/// settled (nothing allocating or freeing much: the peak is over).
const SETTLED: usize = 1024 * 1024;

/// Looks after which a trim is due even if the arenas never settle (steady load): ~1 minute.
const UNSETTLED_LOOKS: u32 = 20;

/// What the arenas held at one look.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Look {
    /// Free inside the arenas (`fordblks`).
    free: usize,
    /// Allocated (`uordblks`).
    used: usize,
}

/// What the thread remembers between looks.
#[derive(Debug, Clone, Copy, Default)]
struct State {
    /// The previous look.
    prev: Look,
    /// Free bytes the last trim left (after a trim the freed pages still count as free for
    /// malloc, so without a change since then a trim would give back nothing new).
    after_trim: usize,
    /// Looks since the last trim (or since the start).
    looks: u32,
}

/// Whether to trim at look `now`.
fn worth_trimming(state: &State, now: Look) -> bool {
    let settled = now.free.abs_diff(state.prev.free) < SETTLED
        && now.used.abs_diff(state.prev.used) < SETTLED;
    now.free >= THRESHOLD
        && now.free.abs_diff(state.after_trim) >= SETTLED
        && (settled || state.looks >= UNSETTLED_LOOKS)
}

/// Starts the trimming thread (once per process; later calls do nothing).
pub fn start_trimmer() {
    static STARTED: std::sync::Once = std::sync::Once::new();
    STARTED.call_once(|| {
        let spawned = std::thread::Builder::new()
            .name("memory-trim".into())
            .spawn(|| {
                let mut state = State::default();
                loop {
                    std::thread::sleep(INTERVAL);
                    state = trim_if_worth_it(state);
                }
            });
        if let Err(e) = spawned {
            tracing::warn!(error = %e, "cannot start the memory trimming thread");
        }
    });
}

/// What the arenas hold now.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn look() -> Look {
    // SAFETY: a thread-safe glibc call without arguments that point anywhere.
    let info = unsafe { libc::mallinfo2() };
    Look {
        free: info.fordblks,
        used: info.uordblks,
    }
}

/// Looks at the arenas and trims when `worth_trimming`.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn trim_if_worth_it(state: State) -> State {
    let now = look();
    if !worth_trimming(&state, now) {
        return State {
            prev: now,
            looks: state.looks.saturating_add(1),
            ..state
        };
    }
    let began = std::time::Instant::now();
    // SAFETY: a thread-safe glibc call without pointer arguments; 0 keeps no extra padding at
    // the top of the heap.
    unsafe { libc::malloc_trim(0) };
    tracing::debug!(
        free_mib = now.free >> 20,
        took_us = began.elapsed().as_micros() as u64,
        "returned free memory to the system"
    );
    let now = look();
    State {
        prev: now,
        after_trim: now.free,
        looks: 0,
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn trim_if_worth_it(state: State) -> State {
    state
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

    fn state(prev: Look, after_trim_mib: usize, looks: u32) -> State {
        State {
            prev,
            after_trim: after_trim_mib * MIB,
            looks,
        }
    }

    /// A peak, then quiet: the trim waits until the arenas stop moving, then happens once.
    #[test]
    fn trims_once_the_peak_is_over() {
        // The FETCH is running: used and free change between looks.
        assert!(!worth_trimming(&state(look(5, 300), 0, 1), look(40, 250)));
        // It ended: 200 MiB freed since the last look.
        assert!(!worth_trimming(&state(look(40, 250), 0, 2), look(240, 50)));
        // Quiet since: trim.
        assert!(worth_trimming(&state(look(240, 50), 0, 3), look(240, 50)));
        // After the trim the same free bytes are still counted: nothing new to give back.
        assert!(!worth_trimming(
            &state(look(240, 50), 240, 1),
            look(240, 50)
        ));
        // A later peak that settles is trimmed again.
        assert!(worth_trimming(&state(look(120, 50), 240, 5), look(120, 50)));
    }

    /// Under steady load the arenas move between looks: no trim for a minute, so no arena lock
    /// held while messages are being processed, and no pages given back only to be faulted in
    /// again; then one, so that a peak followed by steady traffic is still given back.
    #[test]
    fn under_load_at_most_one_trim_a_minute() {
        assert!(!worth_trimming(&state(look(60, 80), 0, 1), look(52, 83)));
        assert!(!worth_trimming(&state(look(52, 83), 0, 5), look(52, 90)));
        assert!(!worth_trimming(
            &state(look(52, 83), 0, UNSETTLED_LOOKS - 1),
            look(61, 83)
        ));
        assert!(worth_trimming(
            &state(look(52, 83), 0, UNSETTLED_LOOKS),
            look(61, 83)
        ));
        // Little free memory: never worth a walk of the heaps.
        assert!(!worth_trimming(&state(look(8, 80), 0, 100), look(8, 80)));
    }

    /// The thread's bookkeeping: a look that does not trim is counted.
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    #[test]
    fn a_look_without_a_trim_is_counted() {
        // The first look never trims (nothing to compare it with): one look counted, and the
        // look remembered for the next.
        let s = trim_if_worth_it(State::default());
        assert_eq!(s.looks, 1);
        assert_eq!(s.after_trim, 0);
        assert!(s.prev.used > 0, "{s:?}");
    }
}
