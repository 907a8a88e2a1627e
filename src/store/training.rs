//! Training events: the facts a learner needs ("the user moved this message from Junk to
//! INBOX", "set $NotJunk on it"), recorded durably in the transaction of the user's action. The
//! store does not interpret them; `pipeline::learn` does. An event holds a reference on its blob
//! so the message content survives until it has been learnt, even if it is expunged at once.

use redb::ReadableTable;
use serde::{Deserialize, Serialize};

use super::schema::TRAINING;
use super::types::{AccountId, Mailbox};
use super::{ReadTx, Result, Tx, decode, encode, now};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum TrainingAction {
    /// Copied or moved from `from` to `to` (mailbox names; special-use attributes alongside).
    Moved {
        from: String,
        from_use: Option<String>,
        to: String,
        to_use: Option<String>,
    },
    /// A keyword was added (`$Junk`, `$NotJunk`, RFC 5788 registry) in `mailbox`.
    Flagged { keyword: String, mailbox: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrainingEvent {
    pub account_id: AccountId,
    /// The message content (blob id).
    pub blob: String,
    pub action: TrainingAction,
    pub at: i64,
}

/// Keywords whose setting is a classification by the user.
pub const TRAINING_KEYWORDS: [&str; 2] = ["$Junk", "$NotJunk"];

/// Mailboxes whose entry or exit classifies a message: by special use or by name.
pub fn is_training_mailbox(m: &Mailbox) -> bool {
    m.special_use.as_deref() == Some("\\Junk")
        || ["INBOX", "Junk", "Promotions", "SocialNetworks"]
            .iter()
            .any(|n| m.name.eq_ignore_ascii_case(n))
}

impl Tx<'_> {
    pub(super) fn record_training(
        &mut self,
        account_id: AccountId,
        blob: &str,
        action: TrainingAction,
    ) -> Result<()> {
        let seq = self.next_id("training")?;
        self.add_blob_ref(blob)?;
        let event = TrainingEvent {
            account_id,
            blob: blob.to_string(),
            action,
            at: now(),
        };
        self.txn()
            .open_table(TRAINING)?
            .insert(seq, encode(&event).as_slice())?;
        Ok(())
    }

    /// Forgets learnt events and releases their blobs.
    pub fn training_done(&mut self, seqs: &[u64]) -> Result<()> {
        for &seq in seqs {
            let removed = self
                .txn()
                .open_table(TRAINING)?
                .remove(seq)?
                .map(|v| v.value().to_vec());
            if let Some(bytes) = removed {
                let event: TrainingEvent = decode("training", &bytes)?;
                self.release_blob(&event.blob)?;
            }
        }
        Ok(())
    }
}

impl ReadTx {
    /// The oldest `limit` events not yet learnt.
    pub fn training_events(&self, limit: usize) -> Result<Vec<(u64, TrainingEvent)>> {
        let table = self.txn().open_table(TRAINING)?;
        let mut out = Vec::new();
        for row in table.iter()?.take(limit) {
            let (k, v) = row?;
            out.push((k.value(), decode("training", v.value())?));
        }
        Ok(out)
    }
}
