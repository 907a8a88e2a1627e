//! The group-commit writer: one thread owns redb's single write transaction and folds every
//! write that arrives while it is busy into the next transaction. Callers wait for the commit.
//!
//! Why a thread and not a task: a commit blocks on fsync, and redb's API is synchronous.

use std::any::Any;
use std::sync::Arc;
use std::sync::mpsc;
use std::time::Instant;

use redb::Database;
use tokio::sync::{Notify, broadcast, oneshot};

use super::{Change, Result, StoreError, Tx};

/// Most writes folded into one transaction; bounds the latency a large batch adds.
const MAX_BATCH: usize = 512;

type Output = Box<dyn Any + Send>;
type Op = Box<dyn FnMut(&mut Tx<'_>) -> Result<Output> + Send>;

struct Job {
    op: Op,
    reply: oneshot::Sender<Result<Output>>,
    /// A deferred write (`submit_deferred`): no caller waits, so it rides along with the next
    /// commit instead of costing an fsync of its own.
    deferred: bool,
    /// When it was queued: its wait for the writer is measured (`metrics`, store_seconds).
    queued: Instant,
}

/// A deferred write waits at most this long for a commit to ride along with.
const DEFER_FOR: std::time::Duration = std::time::Duration::from_secs(1);
/// Deferred writes held at most: more are committed at once (bounds memory under a flood).
const MAX_DEFERRED: usize = 256;

pub(super) struct Writer {
    jobs: mpsc::Sender<Job>,
}

impl Writer {
    pub fn start(
        db: Arc<Database>,
        changes: broadcast::Sender<Change>,
        queue_signal: Arc<Notify>,
        views: Arc<super::view::Views>,
        account_changes: Arc<Vec<broadcast::Sender<Change>>>,
    ) -> Writer {
        let (jobs, rx) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("store-writer".into())
            .spawn(move || run(db, rx, changes, queue_signal, views, account_changes))
            .unwrap_or_else(|e| panic!("cannot start the store writer thread: {e}"));
        Writer { jobs }
    }

    fn enqueue<R, F>(&self, op: F) -> Result<oneshot::Receiver<Result<Output>>>
    where
        R: Send + 'static,
        F: FnMut(&mut Tx<'_>) -> Result<R> + Send + 'static,
    {
        self.enqueue_as(op, false)
    }

    /// A write nobody waits for (the message trace of a refused message): committed with the
    /// next write, or alone after `DEFER_FOR`. Its failure is only logged.
    pub fn submit_deferred<F>(&self, op: F)
    where
        F: FnMut(&mut Tx<'_>) -> Result<()> + Send + 'static,
    {
        if self.enqueue_as(op, true).is_err() {
            tracing::debug!("deferred store write dropped: the store is closed");
        }
    }

    fn enqueue_as<R, F>(
        &self,
        mut op: F,
        deferred: bool,
    ) -> Result<oneshot::Receiver<Result<Output>>>
    where
        R: Send + 'static,
        F: FnMut(&mut Tx<'_>) -> Result<R> + Send + 'static,
    {
        let (reply, rx) = oneshot::channel();
        let op: Op = Box::new(move |tx| op(tx).map(|r| Box::new(r) as Output));
        self.jobs
            .send(Job {
                op,
                reply,
                deferred,
                queued: Instant::now(),
            })
            .map_err(|_| StoreError::Closed)?;
        Ok(rx)
    }

    pub async fn submit<R, F>(&self, op: F) -> Result<R>
    where
        R: Send + 'static,
        F: FnMut(&mut Tx<'_>) -> Result<R> + Send + 'static,
    {
        let rx = self.enqueue(op)?;
        downcast(rx.await.map_err(|_| StoreError::Closed)?)
    }

    pub fn submit_blocking<R, F>(&self, op: F) -> Result<R>
    where
        R: Send + 'static,
        F: FnMut(&mut Tx<'_>) -> Result<R> + Send + 'static,
    {
        let rx = self.enqueue(op)?;
        downcast(rx.blocking_recv().map_err(|_| StoreError::Closed)?)
    }
}

fn downcast<R: 'static>(out: Result<Output>) -> Result<R> {
    out?.downcast::<R>()
        .map(|b| *b)
        .map_err(|_| StoreError::Db("writer returned a value of the wrong type".into()))
}

fn run(
    db: Arc<Database>,
    rx: mpsc::Receiver<Job>,
    changes: broadcast::Sender<Change>,
    queue_signal: Arc<Notify>,
    views: Arc<super::view::Views>,
    account_changes: Arc<Vec<broadcast::Sender<Change>>>,
) {
    let send = |event: Change| {
        let shard = super::account_shard(event.account_id(), account_changes.len());
        if let Some(tx) = account_changes.get(shard) {
            let _ = tx.send(event.clone());
        }
        // No receiver is not an error: nobody is idling.
        let _ = changes.send(event);
    };
    // Deferred writes waiting for a commit, and when the oldest must go at the latest.
    let mut deferred: Vec<Job> = Vec::new();
    let mut deadline = std::time::Instant::now();
    let mut open = true;
    while open || !deferred.is_empty() {
        let first = if deferred.is_empty() {
            rx.recv().ok()
        } else {
            match rx.recv_timeout(deadline.saturating_duration_since(std::time::Instant::now())) {
                Ok(job) => Some(job),
                Err(mpsc::RecvTimeoutError::Timeout) => None,
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    open = false;
                    None
                }
            }
        };
        let mut batch = Vec::new();
        match first {
            Some(job) if job.deferred => {
                if deferred.is_empty() {
                    deadline = std::time::Instant::now() + DEFER_FOR;
                }
                deferred.push(job);
                if deferred.len() < MAX_DEFERRED {
                    continue;
                }
            }
            Some(job) => batch.push(job),
            // The channel closed: commit what is deferred, then stop.
            None if deferred.is_empty() => break,
            None => {}
        }
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let started = Instant::now();
        // Waits of the writes someone waits for (a deferred one waits on purpose).
        let waits: Vec<std::time::Duration> = batch
            .iter()
            .map(|j| started.saturating_duration_since(j.queued))
            .collect();
        batch.append(&mut deferred);
        let size = batch.len();
        match run_batch(&db, &views, &mut batch) {
            Ok((outputs, events, queued, ran)) => {
                let committed = Instant::now();
                crate::metrics::global().store_batch(
                    waits.into_iter(),
                    ran.saturating_duration_since(started),
                    committed.saturating_duration_since(ran),
                );
                tracing::trace!(size, "store batch committed");
                views.invalidate();
                // Writers first: a delivery's SMTP reply must not queue behind the thousands
                // of IDLE sessions its change wakes (issue 16).
                for (job, out) in batch.into_iter().zip(outputs) {
                    let _ = job.reply.send(Ok(out));
                }
                for event in events {
                    send(event);
                }
                if queued {
                    queue_signal.notify_one();
                }
            }
            Err(e) if size == 1 => {
                if let Some(job) = batch.pop() {
                    let _ = job.reply.send(Err(e));
                }
            }
            Err(e) => {
                // One write failed (or the commit did): nothing of the batch was committed.
                // Retry each alone so that one bad request cannot fail its neighbours.
                tracing::debug!(size, error = %e, "store batch failed; retrying writes one by one");
                for mut job in batch {
                    let result = run_batch(&db, &views, std::slice::from_mut(&mut job)).map(
                        |(mut outputs, events, queued, _)| {
                            views.invalidate();
                            for event in events {
                                send(event);
                            }
                            if queued {
                                queue_signal.notify_one();
                            }
                            outputs.pop()
                        },
                    );
                    let reply = match result {
                        Ok(Some(out)) => Ok(out),
                        Ok(None) => Err(StoreError::Db("write produced no result".into())),
                        Err(e) => Err(e),
                    };
                    let _ = job.reply.send(reply);
                }
            }
        }
    }
}

/// Runs a batch in one transaction: the outputs, the change notifications, and whether a queue
/// entry became due, all to be announced only after the commit; and when the writes had run
/// (the commit started).
fn run_batch(
    db: &Database,
    views: &super::view::Views,
    batch: &mut [Job],
) -> Result<(Vec<Output>, Vec<Change>, bool, Instant)> {
    let txn = db.begin_write()?;
    let mut events = Vec::new();
    let mut queued = false;
    let mut outputs = Vec::with_capacity(batch.len());
    // One `Tx` for the whole batch, so that its writes share the open tables (`tables.rs`).
    let mut tx = Tx::new(&txn, &mut events, &mut queued, &views.kv);
    let mut failed = None;
    for job in batch.iter_mut() {
        // A panicking write must not take the writer thread (and so every later write) with it.
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| (job.op)(&mut tx)))
            .unwrap_or_else(|_| Err(StoreError::Db("a store write panicked".into())));
        match result {
            Ok(out) => outputs.push(out),
            Err(e) => {
                failed = Some(e);
                break;
            }
        }
    }
    // Closes the tables it holds open: redb commits only what is closed.
    drop(tx);
    if let Some(e) = failed {
        let _ = txn.abort();
        return Err(e);
    }
    let ran = Instant::now();
    // Readers may see the commit from the moment it starts: no older cached view may be
    // served from then on (the caller's `invalidate` ends this after the commit).
    views.begin_commit();
    if let Err(e) = txn.commit() {
        views.invalidate();
        return Err(e.into());
    }
    Ok((outputs, events, queued, ran))
}

#[cfg(test)]
mod cost {
    //! What one delivery costs the writer (scripts/bench-store-commit.sh counts its
    //! instructions with callgrind at two sizes; the difference is the cost per message).
    use crate::store::{Store, TraceRecord, trace};

    fn env(name: &str, default: usize) -> usize {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    }

    /// A record shaped like the default pipeline's: four plugins, the stages, Sieve, a folder.
    fn record(i: usize) -> TraceRecord {
        let plugin = |name: &str| trace::TracePlugin {
            name: name.into(),
            decision: "continue".into(),
            score: 0.5,
            tags: vec!["ham".into()],
            elapsed_us: 120,
            ..Default::default()
        };
        TraceRecord {
            queue_id: format!("4Z{i:010X}"),
            time: 1_700_000_000,
            client_ip: "127.0.0.1".into(),
            helo: "client.example.net".into(),
            mail_from: "sender@example.net".into(),
            recipients: vec!["nina@example.org".into()],
            subject: Some("a message of about five kilobytes".into()),
            size: 5120,
            auth: Some(trace::TraceAuth {
                spf: "pass".into(),
                spf_domain: "example.net".into(),
                dkim: vec!["pass (d=example.net s=sel)".into()],
                arc: "none".into(),
                dmarc: "pass".into(),
                ..Default::default()
            }),
            stages: ["auth", "plugins", "sieve", "quota", "received"]
                .iter()
                .map(|s| trace::TraceStage {
                    name: (*s).into(),
                    elapsed_us: 50,
                    decided: None,
                })
                .collect(),
            plugins: ["spam", "phishing", "promotions", "attachments"]
                .iter()
                .map(|p| plugin(p))
                .collect(),
            score: 2.0,
            tags: vec!["ham".into()],
            sieve: vec![trace::TraceSieve {
                recipient: "nina@example.org".into(),
                actions: vec!["keep".into()],
            }],
            folders: vec![trace::TraceFolder {
                recipient: "nina@example.org".into(),
                folder: "INBOX".into(),
                ..Default::default()
            }],
            outcome: "delivered".into(),
            ..Default::default()
        }
    }

    /// `MAILSIFT_DELIVERIES` deliveries of distinct 5 KB messages to one INBOX, each with its
    /// trace record (cap `MAILSIFT_TRACE_CAP`, default 100 so that rotation runs), as
    /// `pipeline::deliver` writes them, `MAILSIFT_DELIVERY_BATCH` at a time.
    /// Also a test: at its defaults (20 deliveries) it checks that every delivery is counted.
    #[test]
    fn delivery_cost() {
        let n = env("MAILSIFT_DELIVERIES", 20);
        let batch = env("MAILSIFT_DELIVERY_BATCH", 1).max(1);
        let cap = env("MAILSIFT_TRACE_CAP", 100);
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db")).unwrap();
        let account = store
            .write_blocking(|tx| {
                tx.add_domain("example.org")?;
                Ok(tx.add_account("nina@example.org")?.id)
            })
            .unwrap();
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let body = "x".repeat(76) + "\r\n";
        let mut i = 0;
        while i < n {
            let round = batch.min(n - i);
            let writes = (i..i + round).map(|k| {
                let raw = format!(
                    "Message-ID: <{k}@example.net>\r\nSubject: m{k}\r\n\r\n{}",
                    body.repeat(66)
                )
                .into_bytes();
                let t = record(k);
                store.write(move |tx| {
                    let inbox = tx
                        .mailbox_tx(account, "INBOX")?
                        .ok_or_else(|| crate::store::StoreError::NotFound("INBOX".into()))?;
                    tx.deliver(&[(inbox.id, Vec::new())], &raw, 1_700_000_000)?;
                    tx.trace_append(&t, cap)
                })
            });
            for r in rt.block_on(futures::future::join_all(writes)) {
                r.unwrap();
            }
            i += round;
        }
        let read = store.read().unwrap();
        assert_eq!(read.usage(account).unwrap().messages, n as u64);
    }
}
