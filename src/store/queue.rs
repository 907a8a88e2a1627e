//! The outbound queue: messages accepted for remote recipients wait here, durably, until the
//! delivery task (`src/outbound/`) has an answer for every recipient. `mailsift queue` shows
//! them.
//!
//! Due entries are found through `QUEUE_DUE`, keyed by (next attempt, id), so a scan reads only
//! what is due, not the whole queue; every write below that changes an entry's next attempt
//! keeps that index in the same transaction.
//!
//! Crash safety rests on one rule: an entry's recipient becomes `delivered` (and the entry goes
//! away) only in the write that follows the remote's `250`. A crash before that write retries
//! the recipient; the one duplicate possible is a crash between the remote's 250 and our commit.

use redb::{ReadableTable, ReadableTableMetadata};

use super::schema::*;
use super::types::*;
use super::{AccountId, ReadTx, Result, Tx, decode, encode, now};

/// The outcome of one delivery run of a queue entry, applied in one write by `queue_record`.
#[derive(Debug, Clone, Default)]
pub struct QueueUpdate {
    /// Per-recipient results of this run, in order.
    pub attempts: Vec<AttemptRecord>,
    /// When to try the recipients still pending.
    pub next_attempt: i64,
    /// The delayed-delivery warning was sent with this update.
    pub warned: bool,
    /// Reports to the sender, committed with the results that caused them.
    pub notices: Vec<QueueNotice>,
}

/// A report (DSN) to the envelope sender.
#[derive(Debug, Clone)]
pub enum QueueNotice {
    /// A remote sender: queued with the null sender (RFC 3461 §6.2, no bounce of a bounce).
    Enqueue {
        queue_id: String,
        to: String,
        raw: Vec<u8>,
    },
    /// A local sender: delivered straight into the account's INBOX.
    Local { account_id: AccountId, raw: Vec<u8> },
}

/// The queue at a glance (`ReadTx::queue_stats`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueStats {
    pub messages: u64,
    /// Unix seconds the oldest entry was queued (`None`: the queue is empty).
    pub oldest_created: Option<i64>,
}

fn pending(states: &[RcptState]) -> bool {
    states.iter().any(|r| r.status == RcptStatus::Pending)
}

/// Marks in `META` that `QUEUE_DUE` covers every queue entry.
const DUE_INDEX_BUILT: &str = "queue_due_index";

/// Builds the next-attempt index of a store written before it existed (once; then every queue
/// write keeps it).
pub(super) fn ensure_due_index(txn: &redb::WriteTransaction) -> Result<()> {
    let mut meta = txn.open_table(META)?;
    if meta.get(DUE_INDEX_BUILT)?.is_some() {
        return Ok(());
    }
    let queue = txn.open_table(QUEUE)?;
    let mut due = txn.open_table(QUEUE_DUE)?;
    for item in queue.iter()? {
        let (id, v) = item?;
        let entry: QueuedMessage = decode("queue", v.value())?;
        due.insert((entry.next_attempt, id.value()), ())?;
    }
    meta.insert(DUE_INDEX_BUILT, 1)?;
    Ok(())
}

impl Tx<'_> {
    pub fn enqueue(
        &mut self,
        queue_id: &str,
        mail_from: &str,
        recipients: &[String],
        raw: &[u8],
    ) -> Result<QueuedMessage> {
        let id = self.next_id("queue")?;
        let blob = self.put_blob(raw, 1)?;
        let entry = QueuedMessage {
            id,
            queue_id: queue_id.to_string(),
            mail_from: mail_from.to_string(),
            recipients: recipients.to_vec(),
            blob,
            size: raw.len() as u64,
            created: now(),
            attempts: 0,
            rcpts: recipients
                .iter()
                .map(|r| RcptState {
                    address: r.clone(),
                    status: RcptStatus::Pending,
                    reply: String::new(),
                })
                .collect(),
            next_attempt: 0,
            warned: false,
            log: Vec::new(),
        };
        self.txn()
            .open_table(QUEUE)?
            .insert(id, encode(&entry).as_slice())?;
        self.txn().open_table(QUEUE_DUE)?.insert((0, id), ())?;
        *self.queue_due = true;
        Ok(entry)
    }

    /// Moves an entry in the next-attempt index (`None`: out of it).
    fn reindex(&mut self, id: u64, old: Option<i64>, new: Option<i64>) -> Result<()> {
        let mut due = self.txn().open_table(QUEUE_DUE)?;
        if let Some(old) = old {
            due.remove((old, id))?;
        }
        if let Some(new) = new {
            due.insert((new, id), ())?;
        }
        Ok(())
    }

    fn queue_get_tx(&self, id: u64) -> Result<Option<QueuedMessage>> {
        let table = self.txn().open_table(QUEUE)?;
        let value = table.get(id)?;
        match value {
            Some(v) => Ok(Some(decode("queue", v.value())?)),
            None => Ok(None),
        }
    }

    fn queue_remove_tx(&mut self, entry: &QueuedMessage) -> Result<()> {
        self.txn().open_table(QUEUE)?.remove(entry.id)?;
        self.reindex(entry.id, Some(entry.next_attempt), None)?;
        self.release_blob(&entry.blob)
    }

    /// Applies a delivery run: recipient states, the attempt log, the next attempt time and the
    /// notices, in one transaction. An entry with no recipient left pending is removed. Returns
    /// the entry as it now stands (`None`: removed, or deleted meanwhile by the administrator,
    /// in which case nothing is recorded and no notice sent).
    pub fn queue_record(&mut self, id: u64, update: &QueueUpdate) -> Result<Option<QueuedMessage>> {
        let Some(mut entry) = self.queue_get_tx(id)? else {
            return Ok(None);
        };
        let was_due = entry.next_attempt;
        let mut states = entry.rcpt_states();
        for a in &update.attempts {
            if let Some(state) = states
                .iter_mut()
                .find(|s| s.address == a.recipient && s.status == RcptStatus::Pending)
            {
                state.reply = a.result.clone();
                state.status = match a.status {
                    AttemptStatus::Delivered => RcptStatus::Delivered,
                    AttemptStatus::Permanent => RcptStatus::Failed,
                    AttemptStatus::Temporary => RcptStatus::Pending,
                };
            }
        }
        entry.rcpts = states;
        entry.attempts = entry.attempts.saturating_add(1);
        entry.next_attempt = update.next_attempt;
        entry.warned |= update.warned;
        entry.log.extend(update.attempts.iter().cloned());
        if entry.log.len() > MAX_ATTEMPT_LOG {
            let excess = entry.log.len() - MAX_ATTEMPT_LOG;
            entry.log.drain(..excess);
        }
        for notice in &update.notices {
            match notice {
                QueueNotice::Enqueue { queue_id, to, raw } => {
                    self.enqueue(queue_id, "", std::slice::from_ref(to), raw)?;
                }
                QueueNotice::Local { account_id, raw } => {
                    if let Some(inbox) = self.mailbox_tx(*account_id, "INBOX")? {
                        self.deliver(&[(inbox.id, Vec::new())], raw, now())?;
                    }
                }
            }
        }
        if pending(&entry.rcpts) {
            self.txn()
                .open_table(QUEUE)?
                .insert(id, encode(&entry).as_slice())?;
            self.reindex(id, Some(was_due), Some(entry.next_attempt))?;
            Ok(Some(entry))
        } else {
            entry.next_attempt = was_due;
            self.queue_remove_tx(&entry)?;
            Ok(None)
        }
    }

    /// Makes the entry due now (`mailsift queue retry`). False when there is no such entry.
    pub fn queue_retry(&mut self, queue_id: &str) -> Result<bool> {
        let Some(mut entry) = self.queue_find_tx(queue_id)? else {
            return Ok(false);
        };
        let was_due = entry.next_attempt;
        entry.next_attempt = 0;
        self.txn()
            .open_table(QUEUE)?
            .insert(entry.id, encode(&entry).as_slice())?;
        self.reindex(entry.id, Some(was_due), Some(0))?;
        *self.queue_due = true;
        Ok(true)
    }

    /// Removes the entry without delivering or bouncing it (`mailsift queue delete`).
    pub fn queue_delete(&mut self, queue_id: &str) -> Result<bool> {
        let Some(entry) = self.queue_find_tx(queue_id)? else {
            return Ok(false);
        };
        self.queue_remove_tx(&entry)?;
        Ok(true)
    }

    fn queue_find_tx(&self, queue_id: &str) -> Result<Option<QueuedMessage>> {
        let table = self.txn().open_table(QUEUE)?;
        for item in table.iter()? {
            let (_, v) = item?;
            let entry: QueuedMessage = decode("queue", v.value())?;
            if entry.queue_id == queue_id {
                return Ok(Some(entry));
            }
        }
        Ok(None)
    }
}

impl ReadTx {
    pub fn queue(&self) -> Result<Vec<QueuedMessage>> {
        let table = self.txn().open_table(QUEUE)?;
        let mut out = Vec::new();
        for entry in table.iter()? {
            let (_, v) = entry?;
            out.push(decode("queue", v.value())?);
        }
        Ok(out)
    }

    /// At most `limit` entries due at `now` (next attempt at or before it), soonest first: what
    /// the delivery task reads at each scan, through the next-attempt index.
    pub fn queue_due(&self, now: i64, limit: usize) -> Result<Vec<QueuedMessage>> {
        let due = self.txn().open_table(QUEUE_DUE)?;
        let queue = self.txn().open_table(QUEUE)?;
        let mut out = Vec::new();
        for item in due.range((i64::MIN, 0)..=(now, u64::MAX))? {
            if out.len() >= limit {
                break;
            }
            let (key, _) = item?;
            let (_, id) = key.value();
            if let Some(v) = queue.get(id)? {
                out.push(decode("queue", v.value())?);
            }
        }
        Ok(out)
    }

    /// When the next entry falls due (`None`: the queue is empty).
    pub fn queue_next_due(&self) -> Result<Option<i64>> {
        let due = self.txn().open_table(QUEUE_DUE)?;
        let first = due.first()?;
        Ok(first.map(|(k, _)| k.value().0))
    }

    /// The number of queue entries and when the oldest was queued, for the metrics: the
    /// table's stored length and its first entry (ids grow with time), not a scan.
    pub fn queue_stats(&self) -> Result<QueueStats> {
        let table = self.txn().open_table(QUEUE)?;
        let messages = table.len()?;
        let oldest_created = match table.first()? {
            Some((_, v)) => Some(decode::<QueuedMessage>("queue", v.value())?.created),
            None => None,
        };
        Ok(QueueStats {
            messages,
            oldest_created,
        })
    }

    /// One entry by its queue id (`mailsift queue show`).
    pub fn queue_entry(&self, queue_id: &str) -> Result<Option<QueuedMessage>> {
        Ok(self.queue()?.into_iter().find(|q| q.queue_id == queue_id))
    }
}

#[cfg(test)]
mod tests {
    use crate::store::{AttemptRecord, AttemptStatus, QueueUpdate, Store};

    #[test]
    fn due_index_follows_every_queue_write() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db")).unwrap();
        let signal = store.queue_signal();
        let ids: Vec<u64> = store
            .write_blocking(|tx| {
                let a = tx.enqueue("A", "x@l.test", &["r@a.test".into()], b"a")?.id;
                let b = tx.enqueue("B", "x@l.test", &["r@b.test".into()], b"b")?.id;
                Ok(vec![a, b])
            })
            .unwrap();
        // The commit signalled the delivery task (a permit is kept for it).
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        rt.block_on(async {
            tokio::time::timeout(std::time::Duration::from_secs(1), signal.notified())
                .await
                .expect("enqueue signals");
        });
        let due = |now| {
            let r = store.read().unwrap();
            let mut q: Vec<String> = r
                .queue_due(now, 10)
                .unwrap()
                .into_iter()
                .map(|q| q.queue_id)
                .collect();
            q.sort();
            q
        };
        assert_eq!(due(100), ["A", "B"]);
        assert_eq!(store.read().unwrap().queue_due(100, 1).unwrap().len(), 1);
        // A retried later, B delivered (removed).
        let (a, b) = (ids[0], ids[1]);
        store
            .write_blocking(move |tx| {
                let later = |rcpt: &str, status| QueueUpdate {
                    attempts: vec![AttemptRecord {
                        time: 100,
                        recipient: rcpt.into(),
                        result: "x".into(),
                        status,
                    }],
                    next_attempt: 160,
                    ..QueueUpdate::default()
                };
                tx.queue_record(a, &later("r@a.test", AttemptStatus::Temporary))?;
                tx.queue_record(b, &later("r@b.test", AttemptStatus::Delivered))?;
                Ok(())
            })
            .unwrap();
        assert!(due(100).is_empty());
        assert_eq!(store.read().unwrap().queue_next_due().unwrap(), Some(160));
        assert_eq!(due(160), ["A"]);
        // `queue retry` makes it due now; `queue delete` takes it out of the index.
        store.write_blocking(|tx| tx.queue_retry("A")).unwrap();
        assert_eq!(due(0), ["A"]);
        store.write_blocking(|tx| tx.queue_delete("A")).unwrap();
        assert_eq!(store.read().unwrap().queue_next_due().unwrap(), None);
        assert!(due(i64::MAX).is_empty());
    }

    #[test]
    fn index_built_for_a_store_without_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db");
        {
            let store = Store::open(&path).unwrap();
            store
                .write_blocking(|tx| tx.enqueue("A", "x@l.test", &["r@a.test".into()], b"a"))
                .unwrap();
        }
        // A store from before the index: the table emptied and the marker gone.
        {
            // The closed store's writer thread lets go of the file shortly after.
            let mut tries = 0;
            let db = loop {
                match redb::Database::create(&path) {
                    Ok(db) => break db,
                    Err(_) if tries < 100 => {
                        tries += 1;
                        std::thread::sleep(std::time::Duration::from_millis(20));
                    }
                    Err(e) => panic!("{e}"),
                }
            };
            let txn = db.begin_write().unwrap();
            {
                let mut due = txn.open_table(crate::store::schema::QUEUE_DUE).unwrap();
                due.retain(|_, _| false).unwrap();
                let mut meta = txn.open_table(crate::store::schema::META).unwrap();
                meta.remove(super::DUE_INDEX_BUILT).unwrap();
            }
            txn.commit().unwrap();
        }
        let store = (0..100)
            .find_map(|_| {
                Store::open(&path).ok().or_else(|| {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                    None
                })
            })
            .unwrap();
        let r = store.read().unwrap();
        assert_eq!(r.queue_due(0, 10).unwrap().len(), 1);
    }
}
