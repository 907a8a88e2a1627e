//! Log output written off the hot threads, in batches.
//!
//! Formatting stays on the thread that logs (it needs the event's fields), but the `write(2)`
//! does not: a line is appended to a shared buffer under a mutex (one copy, no allocation once
//! the buffer has grown), and one flusher thread writes the buffer to standard error. After a
//! write the flusher waits `interval` before the next, so a busy server makes at most one
//! `write(2)` per interval however many lines it logs; an idle one writes a line as soon as it
//! is logged (the flusher is woken only when it is waiting, so a busy server makes no wake-up
//! calls either).
//!
//! Nothing is dropped: when the buffer holds [`MAX_BUFFERED`] octets (standard error is stuck,
//! e.g. a stalled journal), loggers wait for room, as they waited for the unbuffered write
//! before. What is still buffered is written when the [`FlushGuard`] is dropped (the end of
//! `main`) and before a panic's message. A SIGKILL (or the OOM killer) loses it: at most the
//! last `interval` of lines.
//!
//! Hand-written rather than `tracing-appender`'s non-blocking writer: that one sends each line
//! as its own allocation through a channel and writes each line separately (a wake-up and a
//! `write(2)` per line on a busy server); batching by time is the point here.

use std::io::{self, Write};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use tracing_subscriber::fmt::MakeWriter;

/// The most log output held before loggers wait for the flusher (bounded memory).
pub const MAX_BUFFERED: usize = 1 << 20;

struct State {
    buf: Vec<u8>,
    /// The flusher sleeps on `wake` (so a logger must notify it).
    flusher_waiting: bool,
    /// Loggers sleeping on `room`.
    loggers_waiting: usize,
    /// The guard was dropped: write what is left and stop.
    closed: bool,
}

struct Shared {
    state: Mutex<State>,
    wake: Condvar,
    room: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A poisoned lock only means a logger panicked mid-append; the bytes are still bytes.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A `MakeWriter` for the fmt layer: each event's line goes into the shared buffer.
#[derive(Clone)]
pub struct BufferedStderr {
    shared: Arc<Shared>,
}

/// Keeps the flusher running; dropping it writes what is buffered and stops the flusher.
pub struct FlushGuard {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

/// Starts the flusher thread writing to standard error at most once per `interval`.
pub fn buffered_stderr(interval: Duration) -> io::Result<(BufferedStderr, FlushGuard)> {
    buffered(interval, io::stderr())
}

/// As [`buffered_stderr`], to any writer (tests).
pub fn buffered<W: Write + Send + 'static>(
    interval: Duration,
    mut out: W,
) -> io::Result<(BufferedStderr, FlushGuard)> {
    let shared = Arc::new(Shared {
        state: Mutex::new(State {
            buf: Vec::with_capacity(64 * 1024),
            flusher_waiting: false,
            loggers_waiting: 0,
            closed: false,
        }),
        wake: Condvar::new(),
        room: Condvar::new(),
    });
    let flusher = shared.clone();
    let thread = std::thread::Builder::new()
        .name("log-flusher".into())
        .spawn(move || {
            let mut batch = Vec::with_capacity(64 * 1024);
            loop {
                let mut st = flusher.lock();
                while st.buf.is_empty() && !st.closed {
                    st.flusher_waiting = true;
                    st = flusher.wake.wait(st).unwrap_or_else(|e| e.into_inner());
                }
                st.flusher_waiting = false;
                if st.buf.is_empty() {
                    return; // closed and drained
                }
                std::mem::swap(&mut st.buf, &mut batch);
                let closed = st.closed;
                let waiting = st.loggers_waiting > 0;
                drop(st);
                if waiting {
                    flusher.room.notify_all();
                }
                // Nowhere to report a failed write to standard error; the lines are gone.
                let _ = out.write_all(&batch).and_then(|()| out.flush());
                batch.clear();
                if batch.capacity() > 4 * 64 * 1024 {
                    batch.shrink_to(64 * 1024);
                }
                if !closed {
                    std::thread::sleep(interval);
                }
            }
        })?;
    let writer = BufferedStderr {
        shared: shared.clone(),
    };
    let guard = FlushGuard {
        shared,
        thread: Some(thread),
    };
    guard.flush_before_panics();
    Ok((writer, guard))
}

impl FlushGuard {
    /// A panic's message goes straight to standard error: write the lines logged before it
    /// first, so they are not lost if the panic ends the process, and come in order.
    fn flush_before_panics(&self) {
        let weak = Arc::downgrade(&self.shared);
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if let Some(shared) = weak.upgrade() {
                // try_lock: never deadlock if the panic happened while a logger held the lock.
                if let Ok(mut st) = shared.state.try_lock() {
                    let _ = io::stderr().write_all(&st.buf);
                    st.buf.clear();
                }
            }
            previous(info);
        }));
    }
}

impl Drop for FlushGuard {
    fn drop(&mut self) {
        let mut st = self.shared.lock();
        st.closed = true;
        drop(st);
        self.shared.wake.notify_all();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// One event's writer: `write` appends to the shared buffer.
pub struct Line<'a> {
    shared: &'a Shared,
}

impl Write for Line<'_> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        let mut st = self.shared.lock();
        while st.buf.len() >= MAX_BUFFERED && !st.closed {
            st.loggers_waiting += 1;
            st = self.shared.room.wait(st).unwrap_or_else(|e| e.into_inner());
            st.loggers_waiting -= 1;
        }
        if st.closed {
            // After the guard is gone (the last moments of main): write directly.
            drop(st);
            return io::stderr().write(bytes);
        }
        st.buf.extend_from_slice(bytes);
        let wake = st.flusher_waiting;
        st.flusher_waiting = false;
        drop(st);
        if wake {
            self.shared.wake.notify_one();
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for BufferedStderr {
    type Writer = Line<'a>;

    fn make_writer(&'a self) -> Line<'a> {
        Line {
            shared: &self.shared,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    /// A writer the test can read, counting the writes made to it.
    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<(Vec<u8>, usize)>>);

    impl Write for Sink {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            let mut s = self.0.lock().unwrap();
            s.0.extend_from_slice(b);
            s.1 += 1;
            Ok(b.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl Sink {
        fn text(&self) -> String {
            String::from_utf8(self.0.lock().unwrap().0.clone()).unwrap()
        }
        fn writes(&self) -> usize {
            self.0.lock().unwrap().1
        }
    }

    #[test]
    fn an_idle_logger_writes_a_line_at_once() {
        let sink = Sink::default();
        let (w, _guard) = buffered(Duration::from_millis(200), sink.clone()).unwrap();
        // Let the flusher go to sleep waiting for work.
        std::thread::sleep(Duration::from_millis(20));
        let started = Instant::now();
        w.make_writer().write_all(b"one\n").unwrap();
        while sink.text().is_empty() {
            assert!(
                started.elapsed() < Duration::from_millis(150),
                "the line waited"
            );
            std::thread::sleep(Duration::from_millis(1));
        }
        assert_eq!(sink.text(), "one\n");
    }

    #[test]
    fn a_busy_logger_is_written_in_batches_in_order_and_nothing_is_lost() {
        let sink = Sink::default();
        let (w, guard) = buffered(Duration::from_millis(20), sink.clone()).unwrap();
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let w = w.clone();
                std::thread::spawn(move || {
                    for i in 0..2000 {
                        w.make_writer()
                            .write_all(format!("{t} {i}\n").as_bytes())
                            .unwrap();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        drop(guard);
        let text = sink.text();
        for t in 0..4 {
            let mine: Vec<usize> = text
                .lines()
                .filter_map(|l| l.strip_prefix(&format!("{t} ")))
                .map(|n| n.parse().unwrap())
                .collect();
            assert_eq!(mine, (0..2000).collect::<Vec<_>>(), "thread {t}");
        }
        assert!(sink.writes() < 8000 / 10, "{} writes", sink.writes());
    }

    #[test]
    fn a_stuck_output_makes_loggers_wait_not_drop_lines() {
        // An output that blocks until released, and a buffer limit quickly reached.
        struct Gate(Arc<(Mutex<bool>, Condvar)>, Sink);
        impl Write for Gate {
            fn write(&mut self, b: &[u8]) -> io::Result<usize> {
                let (open, cv) = &*self.0;
                let mut o = open.lock().unwrap();
                while !*o {
                    o = cv.wait(o).unwrap();
                }
                self.1.write(b)
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let gate = Arc::new((Mutex::new(false), Condvar::new()));
        let sink = Sink::default();
        let (w, guard) =
            buffered(Duration::from_millis(1), Gate(gate.clone(), sink.clone())).unwrap();
        let line = vec![b'x'; 1023];
        let logger = std::thread::spawn(move || {
            for _ in 0..(3 * MAX_BUFFERED / 1024) {
                let mut l = line.clone();
                l.push(b'\n');
                w.make_writer().write_all(&l).unwrap();
            }
        });
        std::thread::sleep(Duration::from_millis(100));
        assert!(!logger.is_finished(), "the logger should wait for room");
        *gate.0.lock().unwrap() = true;
        gate.1.notify_all();
        logger.join().unwrap();
        drop(guard);
        assert_eq!(sink.text().lines().count(), 3 * MAX_BUFFERED / 1024);
    }
}
