//! The group-commit writer: one thread owns redb's single write transaction and folds every
//! write that arrives while it is busy into the next transaction. Callers wait for the commit.
//!
//! Why a thread and not a task: a commit blocks on fsync, and redb's API is synchronous.

use std::any::Any;
use std::sync::Arc;
use std::sync::mpsc;

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
}

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

    fn enqueue<R, F>(&self, mut op: F) -> Result<oneshot::Receiver<Result<Output>>>
    where
        R: Send + 'static,
        F: FnMut(&mut Tx<'_>) -> Result<R> + Send + 'static,
    {
        let (reply, rx) = oneshot::channel();
        let op: Op = Box::new(move |tx| op(tx).map(|r| Box::new(r) as Output));
        self.jobs
            .send(Job { op, reply })
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
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let size = batch.len();
        match run_batch(&db, &mut batch) {
            Ok((outputs, events, queued)) => {
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
                    let result = run_batch(&db, std::slice::from_mut(&mut job)).map(
                        |(mut outputs, events, queued)| {
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
/// entry became due, all to be announced only after the commit.
fn run_batch(db: &Database, batch: &mut [Job]) -> Result<(Vec<Output>, Vec<Change>, bool)> {
    let txn = db.begin_write()?;
    let mut events = Vec::new();
    let mut queued = false;
    let mut outputs = Vec::with_capacity(batch.len());
    for job in batch.iter_mut() {
        let mut tx = Tx {
            txn: &txn,
            changes: &mut events,
            queue_due: &mut queued,
        };
        // A panicking write must not take the writer thread (and so every later write) with it.
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| (job.op)(&mut tx)))
            .unwrap_or_else(|_| Err(StoreError::Db("a store write panicked".into())));
        match result {
            Ok(out) => outputs.push(out),
            Err(e) => {
                let _ = txn.abort();
                return Err(e);
            }
        }
    }
    txn.commit()?;
    Ok((outputs, events, queued))
}
