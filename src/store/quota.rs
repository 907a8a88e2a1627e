//! Per-account storage quota (RFC 9208 STORAGE and MESSAGE resources).
//!
//! The usage of an account is a counter in `USAGE`, changed in the same write transaction as
//! the message it counts (`insert_message`, `remove_messages`), so it is never recounted per
//! message and survives restarts. It is counted once from the messages when a store made
//! before the counter is first opened (`ensure_usage`). The limit is the account's own
//! (`Account::quota`) or the server default, kept in `META` so that every transaction and the
//! offline CLI see the same one.

use std::collections::HashMap;

use redb::ReadableTable;

use super::schema::{ACCOUNTS, MAILBOXES, MESSAGES, META, USAGE};
use super::types::{Account, AccountId, Mailbox, MessageMeta};
use super::{DirKind, DirRead, ReadTx, Result, StoreError, Tx, decode, get_json};

/// What an account stores: bytes (RFC 822 sizes) and messages, over all its mailboxes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    pub bytes: u64,
    pub messages: u64,
}

const DEFAULT_QUOTA: &str = "default_quota";
const USAGE_COUNTED: &str = "usage_counted";

/// Counts every account's usage once, for a store made before the counter existed.
pub(super) fn ensure_usage(txn: &redb::WriteTransaction) -> Result<()> {
    let mut meta = txn.open_table(META)?;
    let mut usage = txn.open_table(USAGE)?;
    if meta.get(USAGE_COUNTED)?.is_some() {
        return Ok(());
    }
    let mut owner: HashMap<u64, AccountId> = HashMap::new();
    for entry in txn.open_table(MAILBOXES)?.iter()? {
        let (k, v) = entry?;
        let mailbox: Mailbox = decode("mailboxes", v.value())?;
        owner.insert(k.value(), mailbox.account_id);
    }
    let mut totals: HashMap<AccountId, Usage> = HashMap::new();
    for entry in txn.open_table(MESSAGES)?.iter()? {
        let (k, v) = entry?;
        let Some(&account) = owner.get(&k.value().0) else {
            continue;
        };
        let meta: MessageMeta = decode("messages", v.value())?;
        let total = totals.entry(account).or_default();
        total.bytes += meta.size;
        total.messages += 1;
    }
    for (account, total) in totals {
        usage.insert(account, (total.bytes, total.messages))?;
    }
    meta.insert(USAGE_COUNTED, 1)?;
    Ok(())
}

fn read_usage(table: &impl ReadableTable<u64, (u64, u64)>, account: AccountId) -> Result<Usage> {
    Ok(match table.get(account)? {
        Some(v) => {
            let (bytes, messages) = v.value();
            Usage { bytes, messages }
        }
        None => Usage::default(),
    })
}

/// `Tx::quota_limit` through the write transaction's open tables.
fn limit_in<'t>(
    hot: &mut super::tables::Hot<'t>,
    txn: &'t redb::WriteTransaction,
    account: AccountId,
) -> Result<Option<u64>> {
    let default = hot.meta(txn)?.get(DEFAULT_QUOTA)?.map_or(0, |v| v.value());
    let address = match hot.account_ids(txn)?.get(account)? {
        Some(a) => a.value().to_string(),
        None => return Ok(None),
    };
    let record: Option<Account> = get_json(&*hot.accounts(txn)?, "accounts", &address)?;
    Ok(record.and_then(|a| limit_of(&a, default)))
}

/// The limit in bytes that applies to `account` (`None`: unlimited).
fn limit_of(account: &Account, default: u64) -> Option<u64> {
    match account.quota.unwrap_or(default) {
        0 => None,
        n => Some(n),
    }
}

impl Tx<'_> {
    /// Adds (or with negative deltas removes) stored bytes and messages to an account's usage.
    pub(super) fn add_usage(
        &mut self,
        account: AccountId,
        bytes: i64,
        messages: i64,
    ) -> Result<()> {
        let (mut hot, txn) = self.hot()?;
        let table = hot.usage(txn)?;
        let now = read_usage(&*table, account)?;
        let new = (
            now.bytes.saturating_add_signed(bytes),
            now.messages.saturating_add_signed(messages),
        );
        if new == (0, 0) {
            table.remove(account)?;
        } else {
            table.insert(account, new)?;
        }
        Ok(())
    }

    pub fn usage(&self, account: AccountId) -> Result<Usage> {
        read_usage(&self.txn().open_table(USAGE)?, account)
    }

    /// Adds `(account, bytes, messages)` to each account's usage, refusing with
    /// [`StoreError::OverQuota`] when one would go over its limit (RFC 9208 §5: the caller's
    /// whole write then fails and nothing of it is stored). One read and one write per account.
    pub(super) fn charge_usage(&mut self, adds: &[(AccountId, u64, u64)]) -> Result<()> {
        let (mut hot, txn) = self.hot()?;
        for &(account, bytes, messages) in adds {
            let now = read_usage(&*hot.usage(txn)?, account)?;
            if let Some(limit) = self.limit_memo(&mut hot, txn, account)?
                && now.bytes.saturating_add(bytes) > limit
            {
                return Err(StoreError::OverQuota(format!("account {account}")));
            }
            hot.usage(txn)?.insert(
                account,
                (
                    now.bytes.saturating_add(bytes),
                    now.messages.saturating_add(messages),
                ),
            )?;
        }
        Ok(())
    }

    /// The server's default quota in bytes (0 = unlimited); the server writes its
    /// configuration's value at start.
    pub fn set_default_quota(&mut self, bytes: u64) -> Result<()> {
        // Read through the directory cache (`DirRead::over_quota`).
        self.directory_changed();
        self.txn().open_table(META)?.insert(DEFAULT_QUOTA, bytes)?;
        Ok(())
    }

    /// Sets an account's own quota in bytes (`Some(0)`: unlimited; `None`: the default).
    pub fn set_account_quota(&mut self, address: &str, quota: Option<u64>) -> Result<Account> {
        self.directory_changed();
        let mut accounts = self.txn().open_table(ACCOUNTS)?;
        let mut account: Account = get_json(&accounts, "accounts", address)?
            .ok_or_else(|| StoreError::NotFound(format!("account {address}")))?;
        account.quota = quota;
        accounts.insert(address, super::encode(&account).as_slice())?;
        Ok(account)
    }

    /// The limit of an account in bytes (`None`: unlimited).
    pub fn quota_limit(&self, account: AccountId) -> Result<Option<u64>> {
        let (mut hot, txn) = self.hot()?;
        self.limit_memo(&mut hot, txn, account)
    }

    /// `limit_in`, remembered for the rest of the transaction (`Tx::quota_limits`).
    fn limit_memo<'t>(
        &self,
        hot: &mut super::tables::Hot<'t>,
        txn: &'t redb::WriteTransaction,
        account: AccountId,
    ) -> Result<Option<u64>> {
        if let Some((_, limit)) = self
            .quota_limits
            .borrow()
            .iter()
            .find(|(a, _)| *a == account)
        {
            return Ok(*limit);
        }
        let limit = limit_in(hot, txn, account)?;
        let mut memo = self.quota_limits.borrow_mut();
        // Bounded: a batch to many accounts keeps the last few dozen.
        if memo.len() >= 64 {
            memo.clear();
        }
        memo.push((account, limit));
        Ok(limit)
    }

    /// Refuses with [`StoreError::OverQuota`] when storing `bytes` more would take `account`
    /// over its limit (RFC 9208 §5: the whole operation fails, nothing is stored).
    pub fn check_quota(&self, account: AccountId, bytes: u64) -> Result<()> {
        let Some(limit) = self.quota_limit(account)? else {
            return Ok(());
        };
        let used = self.usage(account)?.bytes;
        if used.saturating_add(bytes) > limit {
            return Err(StoreError::OverQuota(format!("account {account}")));
        }
        Ok(())
    }
}

impl ReadTx {
    pub fn usage(&self, account: AccountId) -> Result<Usage> {
        read_usage(&self.txn().open_table(USAGE)?, account)
    }

    pub fn default_quota(&self) -> Result<u64> {
        Ok(self
            .txn()
            .open_table(META)?
            .get(DEFAULT_QUOTA)?
            .map_or(0, |v| v.value()))
    }

    /// The limit that applies to `account` in bytes (`None`: unlimited).
    pub fn quota_limit(&self, account: &Account) -> Result<Option<u64>> {
        Ok(limit_of(account, self.default_quota()?))
    }

    /// Whether the account is already at or over its limit (RCPT-time check, RFC 3463 4.2.2).
    pub fn over_quota(&self, account: &Account) -> Result<bool> {
        Ok(match self.quota_limit(account)? {
            Some(limit) => self.usage(account.id)?.bytes >= limit,
            None => false,
        })
    }
}

impl DirRead<'_> {
    /// The server's default quota, through the directory cache.
    pub fn default_quota(&self) -> Result<u64> {
        if let Some(q) = self.get::<u64>(DirKind::DefaultQuota, "") {
            return Ok(*q);
        }
        let q = self.tx()?.default_quota()?;
        self.insert(DirKind::DefaultQuota, "", std::sync::Arc::new(q), 8);
        Ok(q)
    }

    /// [`ReadTx::over_quota`]; the usage (which every delivery changes) is read only for an
    /// account with a limit.
    pub fn over_quota(&self, account: &Account) -> Result<bool> {
        Ok(match limit_of(account, self.default_quota()?) {
            Some(limit) => self.tx()?.usage(account.id)?.bytes >= limit,
            None => false,
        })
    }
}

/// Parses a size such as `500M`, `2G`, `1024K`, `1000` (bytes) into bytes. Units are binary.
pub fn parse_size(text: &str) -> Option<u64> {
    let text = text.trim();
    let (digits, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => text.split_at(i),
        None => (text, ""),
    };
    let n: u64 = digits.parse().ok()?;
    let factor: u64 = match unit.to_ascii_uppercase().as_str() {
        "" | "B" => 1,
        "K" | "KB" | "KIB" => 1 << 10,
        "M" | "MB" | "MIB" => 1 << 20,
        "G" | "GB" | "GIB" => 1 << 30,
        "T" | "TB" | "TIB" => 1 << 40,
        _ => return None,
    };
    n.checked_mul(factor)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("1000"), Some(1000));
        assert_eq!(parse_size("2M"), Some(2 << 20));
        assert_eq!(parse_size("1g"), Some(1 << 30));
        assert_eq!(parse_size("x"), None);
        assert_eq!(parse_size("5Q"), None);
    }

    /// The limit is remembered within a write transaction (a batch), and forgotten when the
    /// quota changes in it: the next delivery of the same batch sees the new limit.
    #[tokio::test]
    async fn a_quota_changed_within_a_batch_applies_to_its_next_delivery() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db")).unwrap();
        let refused = store
            .write(|tx| {
                tx.add_domain("example.org")?;
                let a = tx.add_account("carol@example.org")?;
                let inbox = tx.mailbox_tx(a.id, "INBOX")?.unwrap().id;
                // Unlimited, remembered by the first delivery.
                tx.deliver(&[(inbox, vec![])], &[b'x'; 100], 0)?;
                tx.set_account_quota("carol@example.org", Some(150))?;
                let over = tx.deliver(&[(inbox, vec![])], &[b'y'; 100], 0);
                tx.set_account_quota("carol@example.org", None)?;
                tx.set_default_quota(120)?;
                let over_default = tx.deliver(&[(inbox, vec![])], &[b'z'; 100], 0);
                tx.set_default_quota(0)?;
                tx.deliver(&[(inbox, vec![])], &[b'w'; 100], 0)?;
                Ok((over, over_default))
            })
            .await
            .unwrap();
        assert!(
            matches!(refused.0, Err(StoreError::OverQuota(_))),
            "{refused:?}"
        );
        assert!(
            matches!(refused.1, Err(StoreError::OverQuota(_))),
            "{refused:?}"
        );
    }

    #[tokio::test]
    async fn usage_follows_deliveries_copies_and_expunges_and_the_limit_is_enforced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db");
        let store = Store::open(&path).unwrap();
        let (id, inbox, trash) = store
            .write(|tx| {
                tx.add_domain("example.org")?;
                let a = tx.add_account("bob@example.org")?;
                let inbox = tx.mailbox_tx(a.id, "INBOX")?.unwrap().id;
                let trash = tx.mailbox_tx(a.id, "Trash")?.unwrap().id;
                tx.set_account_quota("bob@example.org", Some(250))?;
                Ok((a.id, inbox, trash))
            })
            .await
            .unwrap();
        let msg = vec![b'x'; 100];
        let m = msg.clone();
        store
            .write(move |tx| tx.deliver(&[(inbox, vec![])], &m, 0).map(|_| ()))
            .await
            .unwrap();
        store
            .write(move |tx| tx.copy_messages(inbox, &[1], trash).map(|_| ()))
            .await
            .unwrap();
        let usage = store.read().unwrap().usage(id).unwrap();
        assert_eq!(
            usage,
            Usage {
                bytes: 200,
                messages: 2
            }
        );
        let m = msg.clone();
        let over = store
            .write(move |tx| tx.deliver(&[(inbox, vec![])], &m, 0).map(|_| ()))
            .await;
        assert!(matches!(over, Err(StoreError::OverQuota(_))), "{over:?}");
        store
            .write(move |tx| tx.remove_messages(trash, &[1]))
            .await
            .unwrap();
        let m = msg.clone();
        store
            .write(move |tx| tx.deliver(&[(inbox, vec![])], &m, 0).map(|_| ()))
            .await
            .unwrap();
        drop(store);
        // The counter survives a restart (the writer thread lets go of the file shortly after).
        let mut reopened = Store::open(&path);
        for _ in 0..100 {
            if !matches!(reopened, Err(StoreError::Locked(_))) {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            reopened = Store::open(&path);
        }
        let store = reopened.unwrap();
        let read = store.read().unwrap();
        assert_eq!(
            read.usage(id).unwrap(),
            Usage {
                bytes: 200,
                messages: 2
            }
        );
    }
}
