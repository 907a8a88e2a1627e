//! Redirects (forwarding of an account, virtual addresses) and the record of addresses created
//! per domain that bounds how many may be created in 24 hours. Validation of addresses and
//! loops is the directory's job (`directory::redirects`).

use redb::{ReadableTable, WriteTransaction};
use serde::{Deserialize, Serialize};

use super::schema::{ACCOUNTS, ADDRESS_CREATIONS, NEW_ADDRESS_LIMITS, REDIRECTS};
use super::{ReadTx, Result, StoreError, Tx, decode, encode, get_json, now};

/// How long an address creation counts against its domain's limit.
pub const CREATION_WINDOW_SECS: i64 = 24 * 3600;
/// New addresses per domain per 24 hours unless an administrator sets another limit.
pub const DEFAULT_NEW_ADDRESSES_PER_DAY: u32 = 50;

/// Where mail to one address goes besides (or instead of) its mailbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Redirect {
    pub address: String,
    /// Local or remote addresses, lower case, at least one.
    pub targets: Vec<String>,
    /// For an account: forward only, keep no copy. A virtual address never keeps one.
    #[serde(default)]
    pub delete_after: bool,
    pub created: i64,
}

fn domain_of(address: &str) -> Result<&str> {
    address
        .rsplit_once('@')
        .map(|(_, d)| d)
        .ok_or_else(|| StoreError::Invalid(format!("{address} is not an address")))
}

fn count_since(
    table: &impl ReadableTable<(&'static str, i64, &'static str), ()>,
    domain: &str,
    since: i64,
) -> Result<u64> {
    let mut n = 0;
    for entry in table.range((domain, since, "")..=(domain, i64::MAX, "\u{10FFFF}"))? {
        entry?;
        n += 1;
    }
    Ok(n)
}

fn list(
    table: &impl ReadableTable<&'static str, &'static [u8]>,
    domain: Option<&str>,
) -> Result<Vec<Redirect>> {
    let mut out = Vec::new();
    for entry in table.iter()? {
        let (k, v) = entry?;
        if domain.is_none_or(|d| k.value().rsplit_once('@').is_some_and(|(_, ad)| ad == d)) {
            out.push(decode("redirects", v.value())?);
        }
    }
    Ok(out)
}

impl Tx<'_> {
    /// Sets (or replaces) the redirect of `redirect.address`. A new virtual address (not an
    /// account) counts as an address created in its domain.
    pub fn redirect_set(&mut self, redirect: &Redirect) -> Result<()> {
        self.directory_changed();
        let address = redirect.address.as_str();
        let is_new = self.txn().open_table(REDIRECTS)?.get(address)?.is_none();
        let is_account = self.txn().open_table(ACCOUNTS)?.get(address)?.is_some();
        // An alias already names a mailbox; a virtual address of the same name would shadow it.
        if self.alias_tx(address)? {
            return Err(StoreError::Exists(format!(
                "the address {address} (an alias)"
            )));
        }
        self.txn()
            .open_table(REDIRECTS)?
            .insert(address, encode(redirect).as_slice())?;
        if is_new && !is_account {
            self.note_address_created(address)?;
        }
        Ok(())
    }

    pub fn redirect_remove(&mut self, address: &str) -> Result<Redirect> {
        self.directory_changed();
        let mut table = self.txn().open_table(REDIRECTS)?;
        let removed = table.remove(address)?;
        match removed {
            Some(v) => decode("redirects", v.value()),
            None => Err(StoreError::NotFound(format!("redirect of {address}"))),
        }
    }

    /// Drops an address's redirect if it has one (its account is removed).
    pub(super) fn redirect_forget(&mut self, address: &str) -> Result<()> {
        self.directory_changed();
        self.txn().open_table(REDIRECTS)?.remove(address)?;
        Ok(())
    }

    /// Whether `address` is an account, an alias or a virtual address already.
    pub fn address_taken_tx(&self, address: &str) -> Result<bool> {
        self.address_taken(address)
    }

    /// Drops a removed domain's virtual addresses, creation record and limit, so that adding the
    /// domain again starts clean.
    pub(super) fn redirects_forget_domain(&mut self, domain: &str) -> Result<()> {
        self.directory_changed();
        let suffix = format!("@{domain}");
        let mut table = self.txn().open_table(REDIRECTS)?;
        for entry in table.extract_if(|k, _| k.ends_with(&suffix))? {
            entry?;
        }
        let mut created = self.txn().open_table(ADDRESS_CREATIONS)?;
        for entry in created.extract_from_if(
            (domain, i64::MIN, "")..=(domain, i64::MAX, "\u{10FFFF}"),
            |_, _| true,
        )? {
            entry?;
        }
        self.txn().open_table(NEW_ADDRESS_LIMITS)?.remove(domain)?;
        Ok(())
    }

    pub fn redirect_tx(&self, address: &str) -> Result<Option<Redirect>> {
        get_json(&self.txn().open_table(REDIRECTS)?, "redirects", address)
    }

    /// Records that `address` was created now, for its domain's limit of new addresses, and
    /// forgets the domain's creations older than the window (so the table stays small).
    pub fn note_address_created(&mut self, address: &str) -> Result<()> {
        let domain = domain_of(address)?;
        let now = now();
        let mut table = self.txn().open_table(ADDRESS_CREATIONS)?;
        let cutoff = now - CREATION_WINDOW_SECS;
        let old =
            table.extract_from_if((domain, i64::MIN, "")..(domain, cutoff, ""), |_, _| true)?;
        for entry in old {
            entry?;
        }
        table.insert((domain, now, address), ())?;
        Ok(())
    }

    /// Addresses created in `domain` at or after `since`.
    pub fn addresses_created_since_tx(&self, domain: &str, since: i64) -> Result<u64> {
        count_since(&self.txn().open_table(ADDRESS_CREATIONS)?, domain, since)
    }

    /// Sets the domain's limit of new addresses per 24 hours; `None`: unlimited.
    pub fn set_new_address_limit(&mut self, domain: &str, per_day: Option<u32>) -> Result<()> {
        if self.domain(domain)?.is_none() {
            return Err(StoreError::NotFound(format!("domain {domain}")));
        }
        self.txn()
            .open_table(NEW_ADDRESS_LIMITS)?
            .insert(domain, per_day.unwrap_or(u32::MAX))?;
        Ok(())
    }

    /// The domain's limit of new addresses per 24 hours; `None`: unlimited.
    pub fn new_address_limit_tx(&self, domain: &str) -> Result<Option<u32>> {
        let limit = self
            .txn()
            .open_table(NEW_ADDRESS_LIMITS)?
            .get(domain)?
            .map(|v| v.value());
        Ok(stored_limit(limit))
    }
}

fn stored_limit(limit: Option<u32>) -> Option<u32> {
    match limit {
        None => Some(DEFAULT_NEW_ADDRESSES_PER_DAY),
        Some(u32::MAX) => None,
        Some(n) => Some(n),
    }
}

impl ReadTx {
    pub fn redirect(&self, address: &str) -> Result<Option<Redirect>> {
        get_json(&self.txn().open_table(REDIRECTS)?, "redirects", address)
    }

    /// Every redirect, or those of one domain, by address.
    pub fn redirects(&self, domain: Option<&str>) -> Result<Vec<Redirect>> {
        list(&self.txn().open_table(REDIRECTS)?, domain)
    }

    pub fn addresses_created_since(&self, domain: &str, since: i64) -> Result<u64> {
        count_since(&self.txn().open_table(ADDRESS_CREATIONS)?, domain, since)
    }

    pub fn new_address_limit(&self, domain: &str) -> Result<Option<u32>> {
        let limit = self
            .txn()
            .open_table(NEW_ADDRESS_LIMITS)?
            .get(domain)?
            .map(|v| v.value());
        Ok(stored_limit(limit))
    }
}

/// Creates the tables (read transactions never meet a missing one).
pub(super) fn ensure_tables(txn: &WriteTransaction) -> Result<()> {
    txn.open_table(REDIRECTS)?;
    txn.open_table(ADDRESS_CREATIONS)?;
    txn.open_table(NEW_ADDRESS_LIMITS)?;
    Ok(())
}
