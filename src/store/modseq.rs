//! CONDSTORE/QRESYNC state beyond the per-message modseq (RFC 7162): the expunged UIDs of each
//! mailbox with the modseq of their expunge, so that a client reconnecting with QRESYNC learns
//! exactly which of its UIDs vanished, and conditional STORE (UNCHANGEDSINCE).
//!
//! Every write here is O(changes): an expunge adds one row per UID, and pruning removes the
//! oldest rows in bulk only when a mailbox exceeds its bound.

use redb::ReadableTable;

use super::messages::FlagOp;
use super::schema::*;
use super::types::*;
use super::{ReadTx, Result, Tx};

/// Expunged UIDs remembered per mailbox. Beyond this the oldest are forgotten, down to
/// `KEEP_AFTER_PRUNE`, so that pruning happens once per many expunges, not on every one.
pub const MAX_VANISHED: u64 = 50_000;
const KEEP_AFTER_PRUNE: u64 = MAX_VANISHED * 9 / 10;

const VANISHED_MIGRATED: &str = "vanished_migrated";

/// For a store made before expunges were remembered: each existing mailbox's floor is its
/// current modseq, since earlier expunges are unknown. Runs once.
pub(super) fn ensure_vanished(txn: &redb::WriteTransaction) -> Result<()> {
    let mut meta = txn.open_table(META)?;
    txn.open_table(VANISHED)?;
    let mut state = txn.open_table(VANISHED_STATE)?;
    if meta.get(VANISHED_MIGRATED)?.is_some() {
        return Ok(());
    }
    for entry in txn.open_table(MAILBOXES)?.iter()? {
        let (k, v) = entry?;
        let mailbox: Mailbox = super::decode("mailboxes", v.value())?;
        state.insert(k.value(), (mailbox.highest_modseq, 0))?;
    }
    meta.insert(VANISHED_MIGRATED, 1)?;
    Ok(())
}

/// What the store knows about expunges after a given modseq.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Vanished {
    /// Every UID expunged after the modseq, ascending.
    Known(Vec<u32>),
    /// Some expunges after the modseq were forgotten: the caller must compare UIDs instead.
    Forgotten,
}

impl Tx<'_> {
    /// Remembers `uids` as expunged at `modseq` (called by `remove_messages`, in its
    /// transaction, after the mailbox's modseq was bumped).
    pub(super) fn record_vanished(
        &mut self,
        mailbox_id: MailboxId,
        modseq: u64,
        uids: &[u32],
    ) -> Result<()> {
        if uids.is_empty() {
            return Ok(());
        }
        let mut table = self.txn().open_table(VANISHED)?;
        let mut state = self.txn().open_table(VANISHED_STATE)?;
        let (mut floor, mut count) = state.get(mailbox_id)?.map(|v| v.value()).unwrap_or((0, 0));
        for &uid in uids {
            if table.insert((mailbox_id, modseq, uid), ())?.is_none() {
                count += 1;
            }
        }
        if count > MAX_VANISHED {
            // Forget the oldest: the floor rises to the newest forgotten modseq.
            let excess = count - KEEP_AFTER_PRUNE;
            let mut doomed = Vec::new();
            for entry in table.range((mailbox_id, 0, 0)..=(mailbox_id, u64::MAX, u32::MAX))? {
                if doomed.len() as u64 >= excess {
                    break;
                }
                doomed.push(entry?.0.value());
            }
            for key in &doomed {
                table.remove(*key)?;
                floor = floor.max(key.1);
            }
            count -= doomed.len() as u64;
        }
        state.insert(mailbox_id, (floor, count))?;
        Ok(())
    }

    /// Forgets a removed mailbox's expunges.
    pub(super) fn forget_vanished(&mut self, mailbox_id: MailboxId) -> Result<()> {
        let mut table = self.txn().open_table(VANISHED)?;
        table.retain_in(
            (mailbox_id, 0, 0)..=(mailbox_id, u64::MAX, u32::MAX),
            |_, _| false,
        )?;
        self.txn().open_table(VANISHED_STATE)?.remove(mailbox_id)?;
        Ok(())
    }

    /// STORE with UNCHANGEDSINCE (RFC 7162 §3.1.3): changes the flags only of messages whose
    /// modseq is at most `unchanged_since`, atomically with the check. Returns the changed
    /// messages and the UIDs that failed the test (for `[MODIFIED]`).
    pub fn set_flags_unchanged_since(
        &mut self,
        mailbox_id: MailboxId,
        uids: &[u32],
        op: FlagOp,
        flags: &[String],
        unchanged_since: u64,
    ) -> Result<(Vec<MessageMeta>, Vec<u32>)> {
        let mut allowed = Vec::with_capacity(uids.len());
        let mut modified = Vec::new();
        {
            let table = self.txn().open_table(MESSAGES)?;
            for &uid in uids {
                if let Some(v) = table.get((mailbox_id, uid))? {
                    let meta: MessageMeta = super::decode("messages", v.value())?;
                    if meta.modseq > unchanged_since {
                        modified.push(uid);
                    } else {
                        allowed.push(uid);
                    }
                }
            }
        }
        let changed = self.set_flags(mailbox_id, &allowed, op, flags)?;
        Ok((changed, modified))
    }
}

impl ReadTx {
    /// UIDs expunged from the mailbox at a modseq above `since` (RFC 7162 §3.2.5, §3.2.6).
    pub fn vanished_since(&self, mailbox_id: MailboxId, since: u64) -> Result<Vanished> {
        let floor = self
            .txn()
            .open_table(VANISHED_STATE)?
            .get(mailbox_id)?
            .map(|v| v.value().0)
            .unwrap_or(0);
        if since < floor {
            return Ok(Vanished::Forgotten);
        }
        let table = self.txn().open_table(VANISHED)?;
        let start = since.saturating_add(1);
        let mut out = Vec::new();
        for entry in table.range((mailbox_id, start, 0)..=(mailbox_id, u64::MAX, u32::MAX))? {
            out.push(entry?.0.value().2);
        }
        out.sort_unstable();
        out.dedup();
        Ok(Vanished::Known(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    fn setup() -> (tempfile::TempDir, Store, MailboxId) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db")).unwrap();
        let inbox = store
            .write_blocking(|tx| {
                tx.add_domain("example.org")?;
                let account = tx.add_account("a@example.org")?;
                Ok(tx.mailbox_tx(account.id, "INBOX")?.unwrap().id)
            })
            .unwrap();
        (dir, store, inbox)
    }

    fn add(store: &Store, inbox: MailboxId, n: usize) -> Vec<u32> {
        (0..n)
            .map(|i| {
                let raw = format!("Subject: {i}\r\n\r\nbody {i}\r\n");
                store
                    .write_blocking(move |tx| tx.append(inbox, raw.as_bytes(), &[], 0))
                    .unwrap()
                    .1
            })
            .collect()
    }

    #[test]
    fn expunges_are_remembered_with_their_modseq() {
        let (_d, store, inbox) = setup();
        let uids = add(&store, inbox, 4);
        let before = store.read().unwrap().mailbox_by_id(inbox).unwrap().unwrap();
        let gone = vec![uids[1], uids[3]];
        let g = gone.clone();
        store
            .write_blocking(move |tx| tx.remove_messages(inbox, &g))
            .unwrap();
        let read = store.read().unwrap();
        let after = read.mailbox_by_id(inbox).unwrap().unwrap();
        assert!(after.highest_modseq > before.highest_modseq);
        assert_eq!(
            read.vanished_since(inbox, before.highest_modseq).unwrap(),
            Vanished::Known(gone)
        );
        assert_eq!(
            read.vanished_since(inbox, after.highest_modseq).unwrap(),
            Vanished::Known(vec![])
        );
    }

    #[test]
    fn unchanged_since_refuses_changed_messages_atomically() {
        let (_d, store, inbox) = setup();
        let uids = add(&store, inbox, 2);
        let read = store.read().unwrap();
        let m0 = read.message(inbox, uids[0]).unwrap().unwrap().modseq;
        drop(read);
        let (u0, u1) = (uids[0], uids[1]);
        // uid 1 changes after m0 is observed.
        store
            .write_blocking(move |tx| {
                tx.set_flags(inbox, &[u1], FlagOp::Add, &["\\Flagged".to_string()])
            })
            .unwrap();
        let since = store
            .read()
            .unwrap()
            .message(inbox, u1)
            .unwrap()
            .unwrap()
            .modseq
            - 1;
        let since = since.max(m0);
        let (changed, modified) = store
            .write_blocking(move |tx| {
                tx.set_flags_unchanged_since(
                    inbox,
                    &[u0, u1],
                    FlagOp::Add,
                    &["\\Seen".to_string()],
                    since,
                )
            })
            .unwrap();
        assert_eq!(changed.len(), 1);
        assert_eq!(changed[0].uid, u0);
        assert_eq!(modified, vec![u1]);
    }

    #[test]
    fn old_tombstones_are_pruned_and_the_floor_rises() {
        let (_d, store, inbox) = setup();
        // Fake a long history cheaply: record tombstones directly.
        store
            .write_blocking(move |tx| {
                for i in 0..(MAX_VANISHED + 1) {
                    tx.record_vanished(inbox, 10 + i, &[i as u32 + 1])?;
                }
                Ok(())
            })
            .unwrap();
        let read = store.read().unwrap();
        assert_eq!(read.vanished_since(inbox, 5).unwrap(), Vanished::Forgotten);
        match read.vanished_since(inbox, 10 + MAX_VANISHED - 2).unwrap() {
            Vanished::Known(v) => assert_eq!(v, vec![MAX_VANISHED as u32, MAX_VANISHED as u32 + 1]),
            Vanished::Forgotten => panic!("recent expunges must be known"),
        }
    }

    #[test]
    fn a_deleted_mailbox_forgets_its_expunges() {
        let (_d, store, inbox) = setup();
        store
            .write_blocking(move |tx| {
                tx.record_vanished(inbox, 5, &[1, 2])?;
                tx.forget_vanished(inbox)
            })
            .unwrap();
        assert_eq!(
            store.read().unwrap().vanished_since(inbox, 0).unwrap(),
            Vanished::Known(vec![])
        );
    }

    #[test]
    fn an_older_store_starts_remembering_from_its_current_modseq() {
        let (_d, store, inbox) = setup();
        let uids = add(&store, inbox, 3);
        let u = uids[0];
        store
            .write_blocking(move |tx| tx.remove_messages(inbox, &[u]))
            .unwrap();
        // Make it look like a store written before expunges were remembered.
        let db = store.inner.db.clone();
        let txn = db.begin_write().unwrap();
        txn.open_table(META)
            .unwrap()
            .remove(VANISHED_MIGRATED)
            .unwrap();
        txn.delete_table(VANISHED).unwrap();
        txn.delete_table(VANISHED_STATE).unwrap();
        ensure_vanished(&txn).unwrap();
        txn.commit().unwrap();
        let read = store.read().unwrap();
        let highest = read.mailbox_by_id(inbox).unwrap().unwrap().highest_modseq;
        assert_eq!(read.vanished_since(inbox, 1).unwrap(), Vanished::Forgotten);
        assert_eq!(
            read.vanished_since(inbox, highest).unwrap(),
            Vanished::Known(vec![])
        );
    }
}
