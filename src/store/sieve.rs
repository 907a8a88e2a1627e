//! Users' Sieve scripts: stored by name per account, at most one active. The store checks
//! names and consistency (an active script cannot be deleted, RFC 5804 §2.10); the caller
//! compiles a script before storing it.

use redb::ReadableTable;
use serde::{Deserialize, Serialize};

use std::sync::Arc;

use super::dir_cache::{DirKind, DirRead};
use super::schema::{SIEVE_ACTIVE, SIEVE_SCRIPTS};
use super::types::AccountId;
use super::{ReadTx, Result, StoreError, Tx, decode, encode, now};

/// What the Sieve stage reads of a recipient's account for every message: its address and its
/// active script, kept in the directory cache (`dir_cache.rs`) until a directory or Sieve
/// write (every `Tx::sieve_*` below drops the cache before its commit).
#[derive(Debug, PartialEq, Eq)]
pub struct SieveRecipient {
    pub address: String,
    /// The active script's text, if the account has one.
    pub active: Option<String>,
}

impl DirRead<'_> {
    /// The account's address and active script (`None`: no such account).
    pub fn sieve_recipient(&self, account: AccountId) -> Result<Option<Arc<SieveRecipient>>> {
        let key = account.to_string();
        if let Some(found) = self.get::<SieveRecipient>(DirKind::Sieve, &key) {
            return Ok(Some(found));
        }
        let tx = self.tx()?;
        let Some(a) = tx.account_by_id(account)? else {
            return Ok(None);
        };
        let active = tx.sieve_active(account)?.map(|s| s.content);
        let size = a.address.len() + active.as_ref().map_or(0, String::len);
        let found = Arc::new(SieveRecipient {
            address: a.address,
            active,
        });
        self.insert(DirKind::Sieve, &key, found.clone(), size);
        Ok(Some(found))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SieveScript {
    pub name: String,
    pub content: String,
    pub updated: i64,
}

/// A script listed with its state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SieveListing {
    pub name: String,
    pub active: bool,
    pub size: usize,
}

/// RFC 5804 §1.6: script names are UTF-8 without controls; we also bound their length.
pub fn valid_script_name(name: &str) -> bool {
    !name.is_empty() && name.len() <= 128 && !name.chars().any(|c| c.is_control())
}

fn check_name(name: &str) -> Result<()> {
    if valid_script_name(name) {
        Ok(())
    } else {
        Err(StoreError::Invalid(format!(
            "\"{name}\" is not a script name (1 to 128 characters, no control characters)"
        )))
    }
}

impl Tx<'_> {
    /// Stores (or replaces) a script; refused beyond `max_scripts` scripts per account.
    pub fn sieve_put(
        &mut self,
        account: AccountId,
        name: &str,
        content: &str,
        max_scripts: usize,
    ) -> Result<()> {
        self.directory_changed();
        check_name(name)?;
        let mut table = self.txn().open_table(SIEVE_SCRIPTS)?;
        if table.get((account, name))?.is_none() {
            let count = table
                .range((account, "")..=(account, "\u{10FFFF}"))?
                .count();
            if count >= max_scripts {
                return Err(StoreError::Invalid(format!(
                    "too many scripts (at most {max_scripts} per account)"
                )));
            }
        }
        let script = SieveScript {
            name: name.to_string(),
            content: content.to_string(),
            updated: now(),
        };
        table.insert((account, name), encode(&script).as_slice())?;
        Ok(())
    }

    pub fn sieve_delete(&mut self, account: AccountId, name: &str) -> Result<()> {
        self.directory_changed();
        if self
            .txn()
            .open_table(SIEVE_ACTIVE)?
            .get(account)?
            .is_some_and(|a| a.value() == name)
        {
            return Err(StoreError::Invalid(format!(
                "\"{name}\" is the active script; deactivate it first"
            )));
        }
        if self
            .txn()
            .open_table(SIEVE_SCRIPTS)?
            .remove((account, name))?
            .is_none()
        {
            return Err(StoreError::NotFound(format!("script \"{name}\"")));
        }
        Ok(())
    }

    pub fn sieve_rename(&mut self, account: AccountId, from: &str, to: &str) -> Result<()> {
        self.directory_changed();
        check_name(to)?;
        let mut table = self.txn().open_table(SIEVE_SCRIPTS)?;
        if table.get((account, to))?.is_some() {
            return Err(StoreError::Exists(format!("script \"{to}\"")));
        }
        let mut script: SieveScript = match table.remove((account, from))? {
            Some(v) => decode("sieve_scripts", v.value())?,
            None => return Err(StoreError::NotFound(format!("script \"{from}\""))),
        };
        script.name = to.to_string();
        script.updated = now();
        table.insert((account, to), encode(&script).as_slice())?;
        drop(table);
        let mut active = self.txn().open_table(SIEVE_ACTIVE)?;
        if active.get(account)?.is_some_and(|a| a.value() == from) {
            active.insert(account, to)?;
        }
        Ok(())
    }

    /// Drops every script of an account (when it is removed).
    pub fn sieve_clear(&mut self, account: AccountId) -> Result<()> {
        self.directory_changed();
        self.txn().open_table(SIEVE_ACTIVE)?.remove(account)?;
        let mut table = self.txn().open_table(SIEVE_SCRIPTS)?;
        for row in table.extract_from_if((account, "")..=(account, "\u{10FFFF}"), |_, _| true)? {
            row?;
        }
        Ok(())
    }

    /// Makes `name` the active script; `None` deactivates (RFC 5804 §2.8, empty name).
    pub fn sieve_set_active(&mut self, account: AccountId, name: Option<&str>) -> Result<()> {
        self.directory_changed();
        let mut active = self.txn().open_table(SIEVE_ACTIVE)?;
        match name {
            None => {
                active.remove(account)?;
            }
            Some(name) => {
                if self
                    .txn()
                    .open_table(SIEVE_SCRIPTS)?
                    .get((account, name))?
                    .is_none()
                {
                    return Err(StoreError::NotFound(format!("script \"{name}\"")));
                }
                active.insert(account, name)?;
            }
        }
        Ok(())
    }
}

impl ReadTx {
    pub fn sieve_scripts(&self, account: AccountId) -> Result<Vec<SieveListing>> {
        let active = self.sieve_active_name(account)?;
        let table = self.txn().open_table(SIEVE_SCRIPTS)?;
        let mut out = Vec::new();
        for row in table.range((account, "")..=(account, "\u{10FFFF}"))? {
            let (k, v) = row?;
            let s: SieveScript = decode("sieve_scripts", v.value())?;
            out.push(SieveListing {
                active: active.as_deref() == Some(k.value().1),
                name: s.name,
                size: s.content.len(),
            });
        }
        Ok(out)
    }

    pub fn sieve_script(&self, account: AccountId, name: &str) -> Result<Option<SieveScript>> {
        match self.txn().open_table(SIEVE_SCRIPTS)?.get((account, name))? {
            Some(v) => Ok(Some(decode("sieve_scripts", v.value())?)),
            None => Ok(None),
        }
    }

    pub fn sieve_active_name(&self, account: AccountId) -> Result<Option<String>> {
        Ok(self
            .txn()
            .open_table(SIEVE_ACTIVE)?
            .get(account)?
            .map(|v| v.value().to_string()))
    }

    /// The active script of an account, if any.
    pub fn sieve_active(&self, account: AccountId) -> Result<Option<SieveScript>> {
        match self.sieve_active_name(account)? {
            Some(name) => self.sieve_script(account, &name),
            None => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::store::DirRead;

    type Step = Box<dyn Fn(&mut crate::store::Tx<'_>) -> crate::store::Result<()> + Send + Sync>;

    /// The Sieve stage's cached read follows every script change: each write to the scripts
    /// drops the cache, so the next message sees the new script (and none once deactivated).
    #[tokio::test]
    async fn the_cached_active_script_follows_every_change() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::store::Store::open(&dir.path().join("db")).unwrap();
        let id = store
            .write(|tx| {
                tx.add_domain("example.org")?;
                Ok(tx.add_account("bob@example.org")?.id)
            })
            .await
            .unwrap();
        let active = |store: &crate::store::Store| {
            let read = DirRead::new(store);
            let found = read.sieve_recipient(id).unwrap().unwrap();
            assert_eq!(found.address, "bob@example.org");
            found.active.clone()
        };
        assert_eq!(active(&store), None);
        assert_eq!(active(&store), None, "served from the cache");
        let steps: Vec<(Step, Option<&str>)> = vec![
            (Box::new(move |tx| tx.sieve_put(id, "a", "keep;", 5)), None),
            (
                Box::new(move |tx| tx.sieve_set_active(id, Some("a"))),
                Some("keep;"),
            ),
            (
                Box::new(move |tx| tx.sieve_put(id, "a", "discard;", 5)),
                Some("discard;"),
            ),
            (
                Box::new(move |tx| tx.sieve_rename(id, "a", "b")),
                Some("discard;"),
            ),
            (
                Box::new(move |tx| tx.sieve_put(id, "c", "stop;", 5)),
                Some("discard;"),
            ),
            (
                Box::new(move |tx| tx.sieve_set_active(id, Some("c"))),
                Some("stop;"),
            ),
            (Box::new(move |tx| tx.sieve_set_active(id, None)), None),
            (
                Box::new(move |tx| tx.sieve_set_active(id, Some("b"))),
                Some("discard;"),
            ),
            (Box::new(move |tx| tx.sieve_clear(id)), None),
        ];
        for (step, want) in steps {
            let step = std::sync::Arc::new(step);
            store.write(move |tx| step(tx)).await.unwrap();
            assert_eq!(active(&store).as_deref(), want);
            assert_eq!(active(&store).as_deref(), want, "cached");
        }
        let gone = DirRead::new(&store).sieve_recipient(id + 100).unwrap();
        assert!(gone.is_none());
    }

    #[tokio::test]
    async fn scripts_lifecycle() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::store::Store::open(&dir.path().join("db")).unwrap();
        let id = store
            .write(|tx| {
                tx.add_domain("example.org")?;
                Ok(tx.add_account("bob@example.org")?.id)
            })
            .await
            .unwrap();
        store
            .write(move |tx| {
                tx.sieve_put(id, "main", "keep;", 2)?;
                tx.sieve_put(id, "vacation", "keep;", 2)?;
                tx.sieve_set_active(id, Some("main"))
            })
            .await
            .unwrap();
        let e = store
            .write(move |tx| tx.sieve_put(id, "third", "keep;", 2))
            .await
            .unwrap_err();
        assert!(e.to_string().contains("too many"), "{e}");
        let e = store
            .write(move |tx| tx.sieve_delete(id, "main"))
            .await
            .unwrap_err();
        assert!(e.to_string().contains("active"), "{e}");
        store
            .write(move |tx| tx.sieve_rename(id, "main", "filters"))
            .await
            .unwrap();
        {
            let r = store.read().unwrap();
            assert_eq!(r.sieve_active(id).unwrap().unwrap().name, "filters");
            let l = r.sieve_scripts(id).unwrap();
            assert_eq!(l.iter().filter(|s| s.active).count(), 1);
        }
        store
            .write(move |tx| {
                tx.sieve_set_active(id, None)?;
                tx.sieve_delete(id, "filters")
            })
            .await
            .unwrap();
        assert_eq!(store.read().unwrap().sieve_scripts(id).unwrap().len(), 1);
    }
}
