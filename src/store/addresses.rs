//! Addresses beside accounts: aliases (other addresses of an account's mailbox) and each
//! domain's addressing (alias-domain target, catch-all, administrator). Where an address leads
//! is the directory's job (`directory/aliases.rs`); the store keeps the records consistent: an
//! alias is unique among aliases and accounts, belongs to an existing account in one of our
//! domains, goes with its account, and alias domains do not chain.

use redb::{ReadableTable, ReadableTableMetadata};
use serde::{Deserialize, Serialize};

use super::schema::*;
use super::types::{Account, AccountId};
use super::{ReadTx, Result, StoreError, Tx, decode, encode, get_json, now};

/// One alias of an account.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Alias {
    /// Lower case.
    pub address: String,
    pub account_id: AccountId,
    /// Unix seconds.
    pub created: i64,
}

/// A domain's addressing settings. The default (all `None`) is not stored.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct DomainAddressing {
    /// This domain is an alias domain of that one: the target's mailboxes and aliases also
    /// receive under this domain.
    #[serde(default)]
    pub alias_of: Option<String>,
    /// Where mail for an unknown local part of the domain goes (a local address).
    #[serde(default)]
    pub catch_all: Option<String>,
    /// Who postmaster@ and abuse@ of the domain reach (a local address); `None`: the default
    /// (see `directory::aliases::domain_admin`).
    #[serde(default)]
    pub admin: Option<String>,
}

impl DomainAddressing {
    fn is_empty(&self) -> bool {
        *self == DomainAddressing::default()
    }
}

/// What recipient resolution needs of the configuration, kept in the store so that every
/// reader (the server, the CLI on a stopped server) sees it; the server writes it at start.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct AddressDefaults {
    /// The server's name (`hostname`): the primary domain is the one it is in.
    #[serde(default)]
    pub hostname: String,
    /// `[submission] postmaster`, lower case; empty when unset.
    #[serde(default)]
    pub postmaster: String,
}

const DEFAULTS_KEY: &str = "defaults";

fn read_alias(
    table: &impl ReadableTable<&'static str, &'static [u8]>,
    address: &str,
) -> Result<Option<Alias>> {
    get_json(table, "aliases", address)
}

fn read_addressing(
    table: &impl ReadableTable<&'static str, &'static [u8]>,
    domain: &str,
) -> Result<DomainAddressing> {
    Ok(get_json(table, "domain_addressing", domain)?.unwrap_or_default())
}

fn aliases_in(
    table: &impl ReadableTable<(u64, &'static str), i64>,
    account_id: AccountId,
) -> Result<Vec<Alias>> {
    let mut out = Vec::new();
    for entry in table.range((account_id, "")..)? {
        let (k, v) = entry?;
        let (id, address) = k.value();
        if id != account_id {
            break;
        }
        out.push(Alias {
            address: address.to_string(),
            account_id,
            created: v.value(),
        });
    }
    Ok(out)
}

impl Tx<'_> {
    /// Gives the account `account` the alias `alias` (both lower case; the alias checked by the
    /// directory's address rules). Refused when the alias's domain is not ours, the address is
    /// an account or an alias already, or the account has `max` aliases.
    pub fn add_alias(
        &mut self,
        account: &str,
        alias: &str,
        max: usize,
    ) -> Result<(Account, Alias)> {
        self.directory_changed();
        let domain = alias
            .rsplit_once('@')
            .map(|(_, d)| d)
            .ok_or_else(|| StoreError::Invalid(format!("{alias} is not an address")))?;
        if self.txn().open_table(DOMAINS)?.get(domain)?.is_none() {
            return Err(StoreError::NotFound(format!(
                "domain {domain} (an alias must be in one of this server's domains)"
            )));
        }
        let owner: Account = get_json(&self.txn().open_table(ACCOUNTS)?, "accounts", account)?
            .ok_or_else(|| StoreError::NotFound(format!("account {account}")))?;
        if self.address_taken(alias)? {
            return Err(StoreError::Exists(format!("the address {alias}")));
        }
        let mut index = self.txn().open_table(ACCOUNT_ALIASES)?;
        let count = index
            .range((owner.id, "")..)?
            .map_while(|e| e.ok())
            .take_while(|(k, _)| k.value().0 == owner.id)
            .count();
        if count >= max {
            return Err(StoreError::Invalid(format!(
                "{account} already has {count} aliases, the limit ([accounts] max_aliases = {max})"
            )));
        }
        let record = Alias {
            address: alias.to_string(),
            account_id: owner.id,
            created: now(),
        };
        index.insert((owner.id, alias), record.created)?;
        drop(index);
        // Counts against the domain's limit of new addresses per 24 hours (`store::redirects`).
        self.note_address_created(alias)?;
        self.txn()
            .open_table(ALIASES)?
            .insert(alias, encode(&record).as_slice())?;
        Ok((owner, record))
    }

    /// Takes the alias `alias` from the account `account`.
    pub fn remove_alias(&mut self, account: &str, alias: &str) -> Result<(Account, Alias)> {
        self.directory_changed();
        let owner: Account = get_json(&self.txn().open_table(ACCOUNTS)?, "accounts", account)?
            .ok_or_else(|| StoreError::NotFound(format!("account {account}")))?;
        let mut aliases = self.txn().open_table(ALIASES)?;
        let record = match read_alias(&aliases, alias)? {
            Some(r) if r.account_id == owner.id => r,
            _ => {
                return Err(StoreError::NotFound(format!(
                    "{alias} among the aliases of {account}"
                )));
            }
        };
        aliases.remove(alias)?;
        drop(aliases);
        self.txn()
            .open_table(ACCOUNT_ALIASES)?
            .remove((owner.id, alias))?;
        Ok((owner, record))
    }

    /// Whether `address` (lower case) is an account or an alias.
    pub fn address_taken(&self, address: &str) -> Result<bool> {
        Ok(self.txn().open_table(ACCOUNTS)?.get(address)?.is_some()
            || self.txn().open_table(ALIASES)?.get(address)?.is_some()
            || self.redirect_tx(address)?.is_some())
    }

    /// Whether `address` (lower case) is an alias.
    pub(super) fn alias_tx(&self, address: &str) -> Result<bool> {
        Ok(self.txn().open_table(ALIASES)?.get(address)?.is_some())
    }

    /// Removes every alias of an account (the account is being removed).
    pub(super) fn aliases_clear(&mut self, account_id: AccountId) -> Result<()> {
        self.directory_changed();
        let gone = aliases_in(&self.txn().open_table(ACCOUNT_ALIASES)?, account_id)?;
        let mut aliases = self.txn().open_table(ALIASES)?;
        let mut index = self.txn().open_table(ACCOUNT_ALIASES)?;
        for a in gone {
            aliases.remove(a.address.as_str())?;
            index.remove((account_id, a.address.as_str()))?;
        }
        Ok(())
    }

    pub fn domain_addressing(&self, domain: &str) -> Result<DomainAddressing> {
        read_addressing(&self.txn().open_table(DOMAIN_ADDRESSING)?, domain)
    }

    /// Replaces a domain's addressing settings (the domain must exist).
    pub fn set_domain_addressing(
        &mut self,
        domain: &str,
        settings: &DomainAddressing,
    ) -> Result<()> {
        self.directory_changed();
        if self.txn().open_table(DOMAINS)?.get(domain)?.is_none() {
            return Err(StoreError::NotFound(format!("domain {domain}")));
        }
        let mut table = self.txn().open_table(DOMAIN_ADDRESSING)?;
        if settings.is_empty() {
            table.remove(domain)?;
        } else {
            table.insert(domain, encode(settings).as_slice())?;
        }
        Ok(())
    }

    /// Makes `alias` an alias domain of `target`. Both must be our domains; alias domains do
    /// not chain (the target is no alias domain, nothing is an alias domain of `alias`).
    pub fn set_alias_domain(&mut self, alias: &str, target: &str) -> Result<()> {
        self.directory_changed();
        for d in [alias, target] {
            if self.txn().open_table(DOMAINS)?.get(d)?.is_none() {
                return Err(StoreError::NotFound(format!(
                    "domain {d} (add it first with `mailsift domain add {d}`)"
                )));
            }
        }
        if alias == target {
            return Err(StoreError::Invalid(format!(
                "{alias} cannot be an alias domain of itself"
            )));
        }
        let table = self.txn().open_table(DOMAIN_ADDRESSING)?;
        if let Some(t) = read_addressing(&table, target)?.alias_of {
            return Err(StoreError::Invalid(format!(
                "{target} is itself an alias domain (of {t}): use {t} as the target"
            )));
        }
        for entry in table.iter()? {
            let (k, v) = entry?;
            let settings: DomainAddressing = decode("domain_addressing", v.value())?;
            if settings.alias_of.as_deref() == Some(alias) {
                return Err(StoreError::Invalid(format!(
                    "{} is an alias domain of {alias}; an alias domain cannot have alias domains",
                    k.value()
                )));
            }
        }
        let mut settings = read_addressing(&table, alias)?;
        drop(table);
        match settings.alias_of.as_deref() {
            Some(t) if t == target => return Ok(()),
            Some(t) => {
                return Err(StoreError::Exists(format!(
                    "{alias} as an alias domain of {t} (remove that first)"
                )));
            }
            None => {}
        }
        settings.alias_of = Some(target.to_string());
        self.set_domain_addressing(alias, &settings)
    }

    /// Ends `alias` being an alias domain.
    pub fn remove_alias_domain(&mut self, alias: &str) -> Result<String> {
        self.directory_changed();
        let mut settings = self.domain_addressing(alias)?;
        let Some(target) = settings.alias_of.take() else {
            return Err(StoreError::NotFound(format!("{alias} as an alias domain")));
        };
        self.set_domain_addressing(alias, &settings)?;
        Ok(target)
    }

    /// Before a domain is removed: refused while aliases live in it or other domains are its
    /// alias domains; its own settings go.
    pub(super) fn forget_domain_addressing(&mut self, name: &str) -> Result<()> {
        self.directory_changed();
        let suffix = format!("@{name}");
        for entry in self.txn().open_table(ALIASES)?.iter()? {
            let (k, _) = entry?;
            if k.value().ends_with(&suffix) {
                return Err(StoreError::Invalid(format!(
                    "domain {name} still has aliases (first: {}); remove them first",
                    k.value()
                )));
            }
        }
        let mut table = self.txn().open_table(DOMAIN_ADDRESSING)?;
        for entry in table.iter()? {
            let (k, v) = entry?;
            let settings: DomainAddressing = decode("domain_addressing", v.value())?;
            if settings.alias_of.as_deref() == Some(name) {
                return Err(StoreError::Invalid(format!(
                    "{} is an alias domain of {name}; remove it first (`mailsift domain alias remove {}`)",
                    k.value(),
                    k.value()
                )));
            }
        }
        table.remove(name)?;
        Ok(())
    }

    /// The configuration resolution needs (see `AddressDefaults`); the server writes it at start.
    pub fn set_address_defaults(&mut self, defaults: &AddressDefaults) -> Result<()> {
        self.directory_changed();
        self.txn()
            .open_table(ADDRESS_DEFAULTS)?
            .insert(DEFAULTS_KEY, encode(defaults).as_slice())?;
        Ok(())
    }
}

impl ReadTx {
    /// The alias record of `address` (lower case), if it is an alias.
    pub fn alias(&self, address: &str) -> Result<Option<Alias>> {
        read_alias(&self.txn().open_table(ALIASES)?, address)
    }

    /// An account's aliases, by address.
    pub fn aliases_of(&self, account_id: AccountId) -> Result<Vec<Alias>> {
        aliases_in(&self.txn().open_table(ACCOUNT_ALIASES)?, account_id)
    }

    /// A domain's addressing settings (all `None` when it has none).
    pub fn domain_addressing(&self, domain: &str) -> Result<DomainAddressing> {
        read_addressing(&self.txn().open_table(DOMAIN_ADDRESSING)?, domain)
    }

    /// Every domain with addressing settings.
    pub fn domain_addressings(&self) -> Result<Vec<(String, DomainAddressing)>> {
        let table = self.txn().open_table(DOMAIN_ADDRESSING)?;
        let mut out = Vec::with_capacity(table.len()? as usize);
        for entry in table.iter()? {
            let (k, v) = entry?;
            out.push((
                k.value().to_string(),
                decode("domain_addressing", v.value())?,
            ));
        }
        Ok(out)
    }

    pub fn address_defaults(&self) -> Result<AddressDefaults> {
        Ok(get_json(
            &self.txn().open_table(ADDRESS_DEFAULTS)?,
            "address_defaults",
            DEFAULTS_KEY,
        )?
        .unwrap_or_default())
    }

    /// The domain's oldest account (the lowest id: ids only grow). Stops at the first match.
    pub fn oldest_account(&self, domain: &str) -> Result<Option<Account>> {
        let suffix = format!("@{domain}");
        let address = {
            let ids = self.txn().open_table(ACCOUNT_IDS)?;
            let mut found = None;
            for entry in ids.iter()? {
                let (_, v) = entry?;
                if v.value().ends_with(&suffix) {
                    found = Some(v.value().to_string());
                    break;
                }
            }
            found
        };
        match address {
            Some(a) => self.account(&a),
            None => Ok(None),
        }
    }
}

/// Creates the tables of this module, so that read transactions never meet a missing one.
pub(super) fn ensure_tables(txn: &redb::WriteTransaction) -> Result<()> {
    txn.open_table(ALIASES)?;
    txn.open_table(ACCOUNT_ALIASES)?;
    txn.open_table(DOMAIN_ADDRESSING)?;
    txn.open_table(ADDRESS_DEFAULTS)?;
    Ok(())
}
