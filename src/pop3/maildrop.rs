//! The maildrop of a POP3 session: the INBOX as it was at login (RFC 1939 §4: the maildrop is
//! fixed for the session; numbers never shift), the deletion marks, and the lock that keeps a
//! second POP3 session of the same account out (RFC 1939 §8, RFC 2449 §8.1.1 `[IN-USE]`).
//!
//! Only the UID and size of each message are kept (16 octets a message); contents are read from
//! the store one message at a time when RETR or TOP asks. IMAP sessions are not locked out: they
//! keep working on the same INBOX, and what they expunge meanwhile is answered `-ERR` here.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use crate::store::{AccountId, MailboxId, ReadTx, StoreError};

/// The accounts with an open POP3 session, shared by every POP3 listener (110 and 995).
#[derive(Debug, Clone, Default)]
pub struct MaildropLocks {
    held: Arc<Mutex<HashSet<AccountId>>>,
}

/// A held lock; dropping it (QUIT, or the connection ending any other way) releases it.
#[derive(Debug)]
pub struct MaildropLock {
    held: Arc<Mutex<HashSet<AccountId>>>,
    account_id: AccountId,
}

impl MaildropLocks {
    /// The lock of `account_id`, or None when another POP3 session holds it.
    pub fn try_lock(&self, account_id: AccountId) -> Option<MaildropLock> {
        // A panic while holding the lock leaves a consistent set: go on.
        let mut held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        held.insert(account_id).then(|| MaildropLock {
            held: self.held.clone(),
            account_id,
        })
    }
}

impl Drop for MaildropLock {
    fn drop(&mut self) {
        let mut held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        held.remove(&self.account_id);
    }
}

/// One message of the maildrop.
#[derive(Debug, Clone, Copy)]
pub struct Entry {
    pub uid: u32,
    pub size: u64,
    pub deleted: bool,
}

/// The session's view of the INBOX.
#[derive(Debug)]
pub struct Maildrop {
    pub mailbox_id: MailboxId,
    pub uidvalidity: u32,
    entries: Vec<Entry>,
    _lock: MaildropLock,
}

impl Maildrop {
    /// Reads the INBOX of `account_id` in one short snapshot.
    pub fn open(
        read: &ReadTx,
        account_id: AccountId,
        lock: MaildropLock,
    ) -> Result<Maildrop, StoreError> {
        let inbox = read
            .mailbox(account_id, "INBOX")?
            .ok_or_else(|| StoreError::NotFound("INBOX".into()))?;
        let entries = read
            .messages(inbox.id)?
            .into_iter()
            .map(|m| Entry {
                uid: m.uid,
                size: m.size,
                deleted: false,
            })
            .collect();
        Ok(Maildrop {
            mailbox_id: inbox.id,
            uidvalidity: inbox.uidvalidity,
            entries,
            _lock: lock,
        })
    }

    /// The message numbered `n` (1-based) unless marked deleted.
    pub fn get(&self, n: u32) -> Option<&Entry> {
        let i = usize::try_from(n).ok()?.checked_sub(1)?;
        self.entries.get(i).filter(|e| !e.deleted)
    }

    /// Marks message `n` deleted; false when there is no such (undeleted) message.
    pub fn delete(&mut self, n: u32) -> bool {
        let Some(i) = usize::try_from(n).ok().and_then(|n| n.checked_sub(1)) else {
            return false;
        };
        match self.entries.get_mut(i) {
            Some(e) if !e.deleted => {
                e.deleted = true;
                true
            }
            _ => false,
        }
    }

    /// RSET: no message is marked deleted any more.
    pub fn undelete_all(&mut self) {
        for e in &mut self.entries {
            e.deleted = false;
        }
    }

    /// The undeleted messages with their numbers.
    pub fn live(&self) -> impl Iterator<Item = (u32, &Entry)> {
        self.entries
            .iter()
            .zip(1u32..)
            .filter(|(e, _)| !e.deleted)
            .map(|(e, n)| (n, e))
    }

    /// STAT: count and total octets of the undeleted messages.
    pub fn stat(&self) -> (usize, u64) {
        self.live().fold((0, 0), |(n, size), (_, e)| {
            (n + 1, size.saturating_add(e.size))
        })
    }

    /// The UIDs marked deleted, to remove at QUIT.
    pub fn deleted_uids(&self) -> Vec<u32> {
        self.entries
            .iter()
            .filter(|e| e.deleted)
            .map(|e| e.uid)
            .collect()
    }

    /// The unique-id listing of a message (RFC 1939 §7 UIDL): UIDVALIDITY and UID, so it is
    /// the same in every session, whatever IMAP sessions do, for as long as the message stays
    /// in the INBOX; a new UIDVALIDITY (never reused) makes every id new, as it must.
    pub fn unique_id(&self, e: &Entry) -> String {
        format!("{}.{}", self.uidvalidity, e.uid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_lock_per_account_released_on_drop() {
        let locks = MaildropLocks::default();
        let a = locks.try_lock(1).unwrap();
        assert!(locks.try_lock(1).is_none());
        let _b = locks.try_lock(2).unwrap();
        drop(a);
        assert!(locks.try_lock(1).is_some());
    }
}
