//! One shared read of a mailbox per committed change: when a delivery wakes thousands of IDLE
//! sessions on one mailbox, the first reads it and the others share that read (issue 16).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::{Mailbox, MailboxId, MessageMeta};

/// A mailbox and its messages as of one read transaction.
pub struct MailboxView {
    pub mailbox: Mailbox,
    pub messages: Vec<MessageMeta>,
}

/// Views read since the last commit. Cleared when a commit starts and again when it is done, and
/// neither served nor cached in between, so a cached view is always the latest committed state:
/// a session that read the store directly (FETCH, STORE) or through a newer view never gets an
/// older view afterwards, which would report messages it knows as expunged or flags and MODSEQs
/// going back (RFC 9051 §7.4.1, RFC 7162 §3.1). `generation` keeps a read that began before a
/// commit from being cached after it started.
#[derive(Default)]
pub(super) struct Views {
    inner: Mutex<Inner>,
    /// Plugins' key-value reads (`kv_cache.rs`): its generation advances with every commit.
    pub(super) kv: Arc<super::KvCache>,
}

#[derive(Default)]
struct Inner {
    generation: u64,
    map: HashMap<MailboxId, Arc<MailboxView>>,
    /// Messages in the cached views (`MAX_VIEW_MESSAGES` bounds it).
    messages: usize,
    /// Per mailbox (and UIDVALIDITY) the highest UID some session is claiming as `\Recent`:
    /// sessions woken together by a delivery would otherwise each queue a claim write.
    claims: HashMap<(MailboxId, u32), u32>,
    /// Between `begin_commit` and `invalidate`: a read may see the commit or not.
    committing: bool,
}

/// Mailboxes with cached views at most; beyond, the cache starts over (views are only useful
/// for the burst of reads right after one commit).
const MAX_VIEWS: usize = 256;
/// Messages in all cached views at most (~250 bytes each: ~25 MiB). A view lives until the next
/// commit, which on a quiet server may be long after the burst it served: counting mailboxes
/// alone would let 256 views of 200,000-message mailboxes stay resident (issue 19). A larger
/// mailbox's view is kept alone, since the sessions woken with it must still share one read.
pub(super) const MAX_VIEW_MESSAGES: usize = 100_000;
const MAX_CLAIMS: usize = 10_000;

impl Views {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(super) fn with_kv_cache(kv: super::KvCache) -> Views {
        Views {
            inner: Mutex::default(),
            kv: Arc::new(kv),
        }
    }

    /// Before a commit: from now until `invalidate`, readers may or may not see it, so nothing
    /// read is cached and nothing cached (older than it) is served.
    pub(super) fn begin_commit(&self) {
        let mut inner = self.lock();
        inner.generation = inner.generation.wrapping_add(1);
        inner.map.clear();
        inner.messages = 0;
        inner.committing = true;
    }

    /// After a commit (or a failed one): every cached view may be stale.
    pub(super) fn invalidate(&self) {
        self.kv.committed();
        let mut inner = self.lock();
        inner.generation = inner.generation.wrapping_add(1);
        inner.map.clear();
        inner.messages = 0;
        inner.committing = false;
    }

    /// The cached view and the generation to insert a fresh one under.
    pub(super) fn get(&self, id: MailboxId) -> (Option<Arc<MailboxView>>, u64) {
        let inner = self.lock();
        if inner.committing {
            return (None, inner.generation);
        }
        (inner.map.get(&id).cloned(), inner.generation)
    }

    /// Caches `view` unless a commit started since `generation` was taken.
    pub(super) fn insert(&self, id: MailboxId, generation: u64, view: Arc<MailboxView>) {
        let mut inner = self.lock();
        if inner.generation != generation || inner.committing {
            return;
        }
        let size = view.messages.len();
        if let Some(old) = inner.map.remove(&id) {
            inner.messages = inner.messages.saturating_sub(old.messages.len());
        }
        if inner.map.len() >= MAX_VIEWS || inner.messages + size > MAX_VIEW_MESSAGES {
            inner.map.clear();
            inner.messages = 0;
        }
        inner.map.insert(id, view);
        inner.messages += size;
    }

    /// Whether the caller may claim up to `up_to`: false when another session already does.
    pub(super) fn begin_claim(&self, id: MailboxId, uid_validity: u32, up_to: u32) -> bool {
        let mut inner = self.lock();
        if inner.claims.len() >= MAX_CLAIMS {
            inner.claims.clear();
        }
        let claimed = inner.claims.entry((id, uid_validity)).or_insert(0);
        if *claimed >= up_to {
            return false;
        }
        *claimed = up_to;
        true
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use crate::store::Store;

    /// The view is shared until a commit, and never older than the last commit: otherwise an
    /// IDLE session would miss the delivery that woke it.
    #[test]
    fn view_is_shared_until_a_commit() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db")).unwrap();
        let id = store
            .write_blocking(|tx| tx.create_mailbox(7, "Box", None, true))
            .unwrap()
            .id;
        let a = store.mailbox_view(id).unwrap().unwrap();
        let b = store.mailbox_view(id).unwrap().unwrap();
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(a.mailbox.recent_uid, 0);
        // A write that announces no change still makes the next view fresh.
        store
            .write_blocking(move |tx| tx.claim_recent(id, 3))
            .unwrap();
        let c = store.mailbox_view(id).unwrap().unwrap();
        assert!(!Arc::ptr_eq(&a, &c));
        assert_eq!(c.mailbox.recent_uid, 3);
        assert!(store.mailbox_view(id + 1000).unwrap().is_none());
    }

    /// Between the commit and the invalidation after it, the view cached before the commit
    /// was still served: a session that had already read the new state (SELECT through a
    /// fresh view, FETCH directly) then synced against the old one and announced EXPUNGE for
    /// a message that was there, or a MODSEQ lower than one it had shown (what
    /// scripts/imap_stress.py once reported; the race itself was inferred from the code).
    #[test]
    fn no_view_from_before_a_commit_is_served_or_cached_during_it() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db")).unwrap();
        let id = store
            .write_blocking(|tx| tx.create_mailbox(7, "Box", None, true))
            .unwrap()
            .id;
        let views = super::Views::default();
        let before = store.mailbox_view(id).unwrap().unwrap();
        let (_, generation) = views.get(id);
        views.insert(id, generation, before.clone());
        assert!(views.get(id).0.is_some());
        views.begin_commit();
        // The commit may be visible to readers from here on: the old view is not served ...
        assert!(views.get(id).0.is_none());
        // ... and neither a read begun before nor one made now is cached.
        views.insert(id, generation, before.clone());
        let (_, during) = views.get(id);
        views.insert(id, during, before.clone());
        assert!(views.get(id).0.is_none());
        views.invalidate();
        views.insert(id, during, before.clone());
        assert!(views.get(id).0.is_none());
        let (_, after) = views.get(id);
        views.insert(id, after, before);
        assert!(views.get(id).0.is_some());
    }

    #[test]
    fn a_stale_read_is_not_cached() {
        let views = super::Views::default();
        let (_, generation) = views.get(1);
        views.invalidate();
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db")).unwrap();
        let id = store
            .write_blocking(|tx| tx.create_mailbox(7, "Box", None, true))
            .unwrap()
            .id;
        let view = store.mailbox_view(id).unwrap().unwrap();
        views.insert(1, generation, view);
        assert!(views.get(1).0.is_none());
    }

    /// The views kept are bounded by their messages, not only by their number: a quiet server
    /// keeps its last views until the next commit.
    #[test]
    fn cached_views_are_bounded_by_messages() {
        use crate::store::{Mailbox, MailboxView, MessageMeta};
        let view = |n: usize| {
            Arc::new(MailboxView {
                mailbox: Mailbox {
                    id: 1,
                    account_id: 1,
                    name: "INBOX".into(),
                    uidvalidity: 1,
                    uid_next: n as u32 + 1,
                    special_use: None,
                    subscribed: true,
                    highest_modseq: 0,
                    recent_uid: 0,
                },
                messages: (0..n as u32)
                    .map(|uid| MessageMeta {
                        uid,
                        blob: String::new(),
                        size: 0,
                        internal_date: 0,
                        internal_date_offset: 0,
                        flags: Vec::new(),
                        modseq: 0,
                    })
                    .collect(),
            })
        };
        let views = super::Views::default();
        let half = super::MAX_VIEW_MESSAGES / 2;
        views.insert(1, 0, view(half));
        views.insert(2, 0, view(half));
        assert!(views.get(1).0.is_some() && views.get(2).0.is_some());
        // A third would go over: the cache starts over with it alone.
        views.insert(3, 0, view(10));
        assert!(views.get(1).0.is_none() && views.get(3).0.is_some());
        assert_eq!(views.lock().messages, 10);
        // Larger than the bound: kept alone (its sessions still share one read).
        views.insert(4, 0, view(super::MAX_VIEW_MESSAGES + 1));
        assert!(views.get(4).0.is_some() && views.get(3).0.is_none());
        views.insert(3, 0, view(10));
        assert!(views.get(4).0.is_none() && views.get(3).0.is_some());
        assert_eq!(views.lock().messages, 10);
    }

    /// Sessions woken together queue one `\Recent` claim write, not one each.
    #[test]
    fn one_claim_per_range() {
        let views = super::Views::default();
        assert!(views.begin_claim(1, 9, 3));
        assert!(!views.begin_claim(1, 9, 3));
        assert!(!views.begin_claim(1, 9, 2));
        assert!(views.begin_claim(1, 9, 4));
        // A recreated mailbox (new UIDVALIDITY) starts over.
        assert!(views.begin_claim(1, 10, 1));
    }
}

#[cfg(test)]
mod channel_tests {
    use crate::store::{Change, Store};

    /// An IDLE session hears its own account's changes and not another account's.
    #[tokio::test]
    async fn account_channel_carries_only_its_accounts_changes() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db")).unwrap();
        let mut mine = store.subscribe_account(7);
        store
            .write(|tx| tx.create_mailbox(8, "Other", None, true).map(|_| ()))
            .await
            .unwrap();
        store
            .write(|tx| tx.create_mailbox(7, "Box", None, true).map(|_| ()))
            .await
            .unwrap();
        assert_eq!(
            mine.recv().await.unwrap(),
            Change::Mailboxes { account_id: 7 }
        );
        assert!(mine.try_recv().is_err());
    }
}
