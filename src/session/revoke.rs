//! Ends open sessions whose login is no longer valid: the account was blocked or removed, its
//! domain went into maintenance, or the device password it logged in with was removed.
//!
//! A logged-in session registers (account, device) and gets a [`LoginGuard`]; its I/O waits on
//! the guard's signal next to every read and checks it before every write, so a session in IMAP
//! IDLE or in the middle of a long FETCH ends too. One watcher task decides, by reading the store:
//! - at once when the store announces [`Change::Credentials`] for an account (the admin socket's
//!   `account block`, `password remove` and `domain maintenance` write through the store, so
//!   they land here; maintenance announces every account of the domain), and
//! - every [`RECHECK`] for every logged-in account, so a change that reaches the store another
//!   way (a missed notification, later a second backend written by another process) still ends
//!   the sessions within seconds. The re-check costs one account read and one password listing
//!   per distinct logged-in account.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::{broadcast, watch};

use crate::store::{AccountId, Change, Store};

/// Who a session logged in as, for revocation: the account and the device password used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginIdentity {
    pub account_id: AccountId,
    pub device: String,
}

/// Longest a revoked login survives when its change was not announced.
pub const RECHECK: Duration = Duration::from_secs(10);

struct Entry {
    account_id: AccountId,
    address: String,
    device: String,
    tx: watch::Sender<bool>,
}

#[derive(Default)]
struct Registry {
    next: u64,
    sessions: HashMap<u64, Entry>,
}

/// The registry of logged-in sessions, shared by every listener.
#[derive(Clone)]
pub struct Revoker {
    store: Store,
    registry: Arc<Mutex<Registry>>,
}

/// A logged-in session's registration; dropping it unregisters.
pub struct LoginGuard {
    id: u64,
    registry: Arc<Mutex<Registry>>,
    rx: watch::Receiver<bool>,
}

fn lock(registry: &Mutex<Registry>) -> MutexGuard<'_, Registry> {
    // A panic while holding the lock leaves a consistent map (every update is one insert or
    // remove), so a poisoned lock is still usable.
    registry.lock().unwrap_or_else(|p| p.into_inner())
}

impl LoginGuard {
    pub fn is_revoked(&self) -> bool {
        *self.rx.borrow()
    }

    /// Resolves once the login is revoked; never if the registry is gone.
    pub async fn revoked(&mut self) {
        if self.rx.wait_for(|revoked| *revoked).await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

impl Drop for LoginGuard {
    fn drop(&mut self) {
        lock(&self.registry).sessions.remove(&self.id);
    }
}

impl Revoker {
    pub fn new(store: Store) -> Revoker {
        Revoker {
            store,
            registry: Arc::default(),
        }
    }

    /// Registers a session that logged in as `address` (account `account_id`) with `device`'s
    /// password.
    pub fn register(&self, account_id: AccountId, address: &str, device: &str) -> LoginGuard {
        let (tx, rx) = watch::channel(false);
        let mut registry = lock(&self.registry);
        registry.next += 1;
        let id = registry.next;
        registry.sessions.insert(
            id,
            Entry {
                account_id,
                address: address.to_string(),
                device: device.to_string(),
                tx,
            },
        );
        LoginGuard {
            id,
            registry: self.registry.clone(),
            rx,
        }
    }

    /// Logged-in sessions now registered (for tests and logs).
    pub fn sessions(&self) -> usize {
        lock(&self.registry).sessions.len()
    }

    /// Re-checks the logins of `only` (or of every account) against the store and signals the
    /// sessions whose login is no longer valid. Returns how many were revoked.
    pub fn sweep(&self, only: Option<AccountId>) -> usize {
        let addresses: HashSet<(AccountId, String)> = lock(&self.registry)
            .sessions
            .values()
            .filter(|e| only.is_none_or(|id| e.account_id == id))
            .map(|e| (e.account_id, e.address.clone()))
            .collect();
        if addresses.is_empty() {
            return 0;
        }
        let read = match self.store.read() {
            Ok(read) => read,
            Err(e) => {
                tracing::warn!(error = %e, "revocation check: store unavailable");
                return 0;
            }
        };
        // Per account: None = every login revoked; Some(devices) = the devices still valid.
        let mut valid: HashMap<AccountId, Option<HashSet<String>>> = HashMap::new();
        for (account_id, address) in addresses {
            let in_maintenance = match address.rsplit_once('@').map(|(_, d)| read.domain(d)) {
                Some(Ok(domain)) => domain.is_some_and(|d| d.maintenance),
                Some(Err(e)) => {
                    tracing::warn!(error = %e, "revocation check: store error");
                    continue;
                }
                None => false,
            };
            let devices = match read.account(&address) {
                Ok(Some(account))
                    if account.id == account_id && !account.blocked && !in_maintenance =>
                {
                    match read.passwords(&address) {
                        Ok(list) => Some(list.into_iter().map(|p| p.device).collect()),
                        Err(e) => {
                            tracing::warn!(error = %e, "revocation check: store error");
                            continue;
                        }
                    }
                }
                Ok(_) => None,
                Err(e) => {
                    tracing::warn!(error = %e, "revocation check: store error");
                    continue;
                }
            };
            valid.insert(account_id, devices);
        }
        drop(read);
        let mut revoked = 0;
        for entry in lock(&self.registry).sessions.values() {
            let Some(devices) = valid.get(&entry.account_id) else {
                continue;
            };
            let still_valid = devices.as_ref().is_some_and(|d| d.contains(&entry.device));
            if !still_valid && !*entry.tx.borrow() {
                tracing::info!(user = %entry.address, device = %entry.device, "login revoked; ending the session");
                let _ = entry.tx.send(true);
                revoked += 1;
            }
        }
        revoked
    }

    /// Runs the watcher until the store closes: on every credentials change and every
    /// [`RECHECK`].
    pub async fn run(self) {
        let mut changes = self.store.subscribe();
        let mut tick = tokio::time::interval(RECHECK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let only = tokio::select! {
                change = changes.recv() => match change {
                    Ok(Change::Credentials { account_id }) => Some(account_id),
                    Ok(_) => continue,
                    Err(broadcast::error::RecvError::Lagged(_)) => None,
                    Err(broadcast::error::RecvError::Closed) => return,
                },
                _ = tick.tick() => None,
            };
            if lock(&self.registry).sessions.is_empty() {
                continue;
            }
            let me = self.clone();
            // redb reads are synchronous: off the async workers.
            if let Err(e) = tokio::task::spawn_blocking(move || me.sweep(only)).await {
                tracing::error!(error = %e, "revocation check failed");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn fixture() -> (tempfile::TempDir, Store, AccountId) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db")).unwrap();
        let account = store
            .write(|tx| {
                tx.add_domain("example.org")?;
                let a = tx.add_account("bob@example.org")?;
                tx.add_password("bob@example.org", "phone", "x")?;
                tx.add_password("bob@example.org", "laptop", "x")?;
                Ok(a)
            })
            .await
            .unwrap();
        (dir, store, account.id)
    }

    #[tokio::test]
    async fn removing_a_device_password_revokes_only_that_device() {
        let (_dir, store, id) = fixture().await;
        let revoker = Revoker::new(store.clone());
        tokio::spawn(revoker.clone().run());
        let mut phone = revoker.register(id, "bob@example.org", "phone");
        let laptop = revoker.register(id, "bob@example.org", "laptop");
        store
            .write(|tx| tx.remove_password("bob@example.org", "phone"))
            .await
            .unwrap();
        tokio::time::timeout(Duration::from_secs(3), phone.revoked())
            .await
            .expect("the phone's session was not revoked");
        assert!(!laptop.is_revoked());
        drop(phone);
        assert_eq!(revoker.sessions(), 1);
    }

    #[tokio::test]
    async fn blocking_revokes_every_login_and_the_sweep_catches_silent_changes() {
        let (_dir, store, id) = fixture().await;
        let revoker = Revoker::new(store.clone());
        let a = revoker.register(id, "bob@example.org", "phone");
        let b = revoker.register(id, "bob@example.org", "laptop");
        // No watcher running: the periodic sweep is what notices.
        store
            .write(|tx| tx.set_account_blocked("bob@example.org", true).map(|_| ()))
            .await
            .unwrap();
        assert!(!a.is_revoked());
        assert_eq!(revoker.sweep(None), 2);
        assert!(a.is_revoked() && b.is_revoked());
    }

    #[tokio::test]
    async fn maintenance_of_the_domain_revokes_its_logins_at_once() {
        let (_dir, store, id) = fixture().await;
        let revoker = Revoker::new(store.clone());
        tokio::spawn(revoker.clone().run());
        let mut phone = revoker.register(id, "bob@example.org", "phone");
        store
            .write(|tx| tx.set_domain_maintenance("example.org", true).map(|_| ()))
            .await
            .unwrap();
        tokio::time::timeout(Duration::from_secs(3), phone.revoked())
            .await
            .expect("the session was not revoked");
        // Out of maintenance, a new login stays valid.
        drop(phone);
        store
            .write(|tx| tx.set_domain_maintenance("example.org", false).map(|_| ()))
            .await
            .unwrap();
        let again = revoker.register(id, "bob@example.org", "phone");
        assert_eq!(revoker.sweep(None), 0);
        assert!(!again.is_revoked());
    }
}
