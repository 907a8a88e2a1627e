//! The address requests: an account's aliases (`mailsift alias`), alias domains (`mailsift
//! domain alias`), a domain's catch-all and administrator (`mailsift domain catch-all|admin`).

use serde::{Deserialize, Serialize};

use super::reply::{
    AdminReply, AliasDomainRow, AliasDomainsShown, AliasRow, AliasesShown, DomainInfo,
};
use super::{AdminError, AdminRequest, date, existing_account, lookup_address};
use crate::directory::{self, aliases};
use crate::store::{ReadTx, Store, StoreError};

/// What `alias` does.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "action", content = "alias", rename_all = "lowercase")]
pub enum AliasOp {
    Add(String),
    Remove(String),
    List,
}

/// What `domain alias` does.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "action", rename_all = "lowercase")]
pub enum AliasDomainOp {
    /// Makes `alias_domain` an alias domain of `target`.
    Add {
        alias_domain: String,
        target: String,
    },
    Remove {
        alias_domain: String,
    },
    List,
}

pub(super) async fn execute(
    store: &Store,
    request: AdminRequest,
) -> Result<AdminReply, AdminError> {
    match request {
        AdminRequest::AccountAliases {
            address,
            change,
            max,
        } => account_aliases(store, &address, change, max).await,
        AdminRequest::AliasDomains { change } => alias_domains(store, change).await,
        AdminRequest::DomainCatchAll { name, address } => {
            let name = directory::normalize_domain(&name)?;
            let address = address.map(|a| mailbox_address(store, &a)).transpose()?;
            let n = name.clone();
            store
                .write(move |tx| {
                    let mut s = tx.domain_addressing(&n)?;
                    s.catch_all = address.clone();
                    tx.set_domain_addressing(&n, &s)
                })
                .await?;
            tracing::info!(domain = %name, "catch-all changed");
            domain_reply(store, &name)
        }
        AdminRequest::DomainAdmin { name, address } => {
            let name = directory::normalize_domain(&name)?;
            let address = address.map(|a| mailbox_address(store, &a)).transpose()?;
            let n = name.clone();
            store
                .write(move |tx| {
                    let mut s = tx.domain_addressing(&n)?;
                    s.admin = address.clone();
                    tx.set_domain_addressing(&n, &s)
                })
                .await?;
            tracing::info!(domain = %name, "domain administrator changed");
            domain_reply(store, &name)
        }
        other => Err(AdminError::Other(format!(
            "not an address request: {}",
            other.summary()
        ))),
    }
}

/// An address that leads to a local mailbox now (an account or an alias, in our domains or
/// their alias domains), lower case: what a catch-all or an administrator must be.
fn mailbox_address(store: &Store, address: &str) -> Result<String, AdminError> {
    let address = lookup_address(address)?;
    if aliases::mailbox_of(&store.read()?, &address)?.is_none() {
        return Err(AdminError::Other(format!(
            "{address} is not an account or alias of this server"
        )));
    }
    Ok(address)
}

async fn account_aliases(
    store: &Store,
    address: &str,
    change: AliasOp,
    max: usize,
) -> Result<AdminReply, AdminError> {
    let account = existing_account(store, address)?;
    let (mut added, mut removed) = (None, None);
    match change {
        AliasOp::Add(alias) => {
            let alias = aliases::normalize_alias(&alias)?;
            let (a, al) = (account.address.clone(), alias.clone());
            store
                .write(move |tx| {
                    let (owner, record) = tx.add_alias(&a, &al, max)?;
                    notify(tx, &owner, &record.address, true, record.created)
                })
                .await?;
            tracing::info!(account = %account.address, %alias, "alias added");
            added = Some(alias);
        }
        AliasOp::Remove(alias) => {
            let alias = lookup_address(&alias)?;
            let (a, al) = (account.address.clone(), alias.clone());
            store
                .write(move |tx| {
                    let (owner, record) = tx.remove_alias(&a, &al)?;
                    notify(tx, &owner, &record.address, false, crate::store::now())
                })
                .await?;
            tracing::info!(account = %account.address, %alias, "alias removed");
            removed = Some(alias);
        }
        AliasOp::List => {}
    }
    let rows = store
        .read()?
        .aliases_of(account.id)?
        .into_iter()
        .map(|a| AliasRow {
            alias: a.address,
            created: date(a.created),
        })
        .collect();
    Ok(AdminReply::Aliases(AliasesShown {
        address: account.address,
        aliases: rows,
        added,
        removed,
        max,
    }))
}

/// Puts the alias notice into the account's INBOX, in the transaction that changes the alias.
/// A full mailbox does not stop the change: the notice is then left out (and logged).
fn notify(
    tx: &mut crate::store::Tx<'_>,
    account: &crate::store::Account,
    alias: &str,
    added: bool,
    now: i64,
) -> Result<(), StoreError> {
    let raw = aliases::alias_notice(&account.address, alias, added, now);
    let Some(inbox) = tx.mailbox_tx(account.id, "INBOX")? else {
        return Ok(());
    };
    match tx.deliver(&[(inbox.id, Vec::new())], &raw, now) {
        Ok(_) => Ok(()),
        Err(StoreError::OverQuota(_)) => {
            tracing::warn!(account = %account.address, %alias, "alias notice not delivered: mailbox full");
            Ok(())
        }
        Err(e) => Err(e),
    }
}

async fn alias_domains(store: &Store, change: AliasDomainOp) -> Result<AdminReply, AdminError> {
    let (mut added, mut removed) = (None, None);
    match change {
        AliasDomainOp::Add {
            alias_domain,
            target,
        } => {
            let alias_domain = directory::normalize_domain(&alias_domain)?;
            let target = directory::normalize_domain(&target)?;
            let (a, t) = (alias_domain.clone(), target.clone());
            store.write(move |tx| tx.set_alias_domain(&a, &t)).await?;
            tracing::info!(%alias_domain, %target, "alias domain added");
            added = Some(AliasDomainRow {
                alias_domain,
                target,
            });
        }
        AliasDomainOp::Remove { alias_domain } => {
            let alias_domain = directory::normalize_domain(&alias_domain)?;
            let a = alias_domain.clone();
            let target = store.write(move |tx| tx.remove_alias_domain(&a)).await?;
            tracing::info!(%alias_domain, %target, "alias domain removed");
            removed = Some(AliasDomainRow {
                alias_domain,
                target,
            });
        }
        AliasDomainOp::List => {}
    }
    let alias_domains = store
        .read()?
        .domain_addressings()?
        .into_iter()
        .filter_map(|(alias_domain, s)| {
            s.alias_of.map(|target| AliasDomainRow {
                alias_domain,
                target,
            })
        })
        .collect();
    Ok(AdminReply::AliasDomains(AliasDomainsShown {
        added,
        removed,
        alias_domains,
    }))
}

fn domain_reply(store: &Store, name: &str) -> Result<AdminReply, AdminError> {
    let read = store.read()?;
    let domain = read
        .domain(name)?
        .ok_or_else(|| StoreError::NotFound(format!("domain {name}")))?;
    let mut info = super::domain_info(&domain);
    fill_domain_info(&read, &mut info)?;
    Ok(AdminReply::Domain(info))
}

/// Adds a domain's addressing to what `domain show` prints: alias domains, catch-all, and who
/// postmaster@ and abuse@ reach now.
pub(super) fn fill_domain_info(read: &ReadTx, info: &mut DomainInfo) -> Result<(), AdminError> {
    let settings = read.domain_addressing(&info.domain)?;
    info.alias_of = settings.alias_of;
    info.catch_all = settings.catch_all;
    info.admin = settings.admin;
    info.alias_domains = read
        .domain_addressings()?
        .into_iter()
        .filter(|(_, s)| s.alias_of.as_deref() == Some(info.domain.as_str()))
        .map(|(d, _)| d)
        .collect();
    if let Some((account, source)) = aliases::domain_admin(read, &info.domain)? {
        info.postmaster = Some(account.address);
        info.postmaster_source = Some(source.describe().to_string());
    }
    Ok(())
}

/// An account's aliases, for `account show`.
pub(super) fn aliases_of(read: &ReadTx, account_id: u64) -> Result<Vec<String>, AdminError> {
    Ok(read
        .aliases_of(account_id)?
        .into_iter()
        .map(|a| a.address)
        .collect())
}
