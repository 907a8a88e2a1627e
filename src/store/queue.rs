//! The outbound queue: messages accepted for remote recipients wait here, durably, until the
//! delivery task (`src/outbound/`) has an answer for every recipient. `mailsift queue` shows
//! them.
//!
//! Crash safety rests on one rule: an entry's recipient becomes `delivered` (and the entry goes
//! away) only in the write that follows the remote's `250`. A crash before that write retries
//! the recipient; the one duplicate possible is a crash between the remote's 250 and our commit.

use redb::ReadableTable;

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

fn pending(states: &[RcptState]) -> bool {
    states.iter().any(|r| r.status == RcptStatus::Pending)
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
        self.txn
            .open_table(QUEUE)?
            .insert(id, encode(&entry).as_slice())?;
        Ok(entry)
    }

    fn queue_get_tx(&self, id: u64) -> Result<Option<QueuedMessage>> {
        let table = self.txn.open_table(QUEUE)?;
        let value = table.get(id)?;
        match value {
            Some(v) => Ok(Some(decode("queue", v.value())?)),
            None => Ok(None),
        }
    }

    fn queue_remove_tx(&mut self, entry: &QueuedMessage) -> Result<()> {
        self.txn.open_table(QUEUE)?.remove(entry.id)?;
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
            self.txn
                .open_table(QUEUE)?
                .insert(id, encode(&entry).as_slice())?;
            Ok(Some(entry))
        } else {
            self.queue_remove_tx(&entry)?;
            Ok(None)
        }
    }

    /// Makes the entry due now (`mailsift queue retry`). False when there is no such entry.
    pub fn queue_retry(&mut self, queue_id: &str) -> Result<bool> {
        let Some(mut entry) = self.queue_find_tx(queue_id)? else {
            return Ok(false);
        };
        entry.next_attempt = 0;
        self.txn
            .open_table(QUEUE)?
            .insert(entry.id, encode(&entry).as_slice())?;
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
        let table = self.txn.open_table(QUEUE)?;
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
        let table = self.txn.open_table(QUEUE)?;
        let mut out = Vec::new();
        for entry in table.iter()? {
            let (_, v) = entry?;
            out.push(decode("queue", v.value())?);
        }
        Ok(out)
    }

    /// One entry by its queue id (`mailsift queue show`).
    pub fn queue_entry(&self, queue_id: &str) -> Result<Option<QueuedMessage>> {
        Ok(self.queue()?.into_iter().find(|q| q.queue_id == queue_id))
    }
}
