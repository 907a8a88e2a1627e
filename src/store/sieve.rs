//! Users' Sieve scripts: stored by name per account, at most one active. The store checks
//! names and consistency (an active script cannot be deleted, RFC 5804 §2.10); the caller
//! compiles a script before storing it.

use redb::ReadableTable;
use serde::{Deserialize, Serialize};

use super::schema::{SIEVE_ACTIVE, SIEVE_SCRIPTS};
use super::types::AccountId;
use super::{ReadTx, Result, StoreError, Tx, decode, encode, now};

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
        self.txn().open_table(SIEVE_ACTIVE)?.remove(account)?;
        let mut table = self.txn().open_table(SIEVE_SCRIPTS)?;
        for row in table.extract_from_if((account, "")..=(account, "\u{10FFFF}"), |_, _| true)? {
            row?;
        }
        Ok(())
    }

    /// Makes `name` the active script; `None` deactivates (RFC 5804 §2.8, empty name).
    pub fn sieve_set_active(&mut self, account: AccountId, name: Option<&str>) -> Result<()> {
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
