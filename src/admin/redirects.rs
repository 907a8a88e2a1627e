//! The redirect, new-address-limit and CSV requests (`mailsift redirect …`, `mailsift domain
//! set`, `mailsift account import-csv|export-csv`), for both the admin socket and the stopped
//! server.

use serde::{Deserialize, Serialize};

use super::{AdminError, AdminReply, AdminRequest, date, lookup_address};
use crate::directory::{self, bulk, redirects};
use crate::store::{Redirect, Store, StoreError};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RedirectRow {
    pub address: String,
    pub targets: Vec<String>,
    /// `account` (its mail is kept unless `delete_after`) or `virtual` (forward only).
    pub kind: String,
    pub delete_after: bool,
    pub created: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewAddressLimit {
    pub domain: String,
    /// New addresses allowed per 24 hours; `None`: unlimited.
    pub per_day: Option<u32>,
    pub created_last_24h: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CsvExport {
    pub domain: String,
    pub csv: String,
}

fn row(store: &Store, r: Redirect) -> Result<RedirectRow, AdminError> {
    let account = store.read()?.account(&r.address)?.is_some();
    Ok(RedirectRow {
        kind: if account { "account" } else { "virtual" }.into(),
        delete_after: r.delete_after || !account,
        created: date(r.created),
        address: r.address,
        targets: r.targets,
    })
}

/// A domain of ours, normalized.
fn our_domain(store: &Store, name: &str) -> Result<String, AdminError> {
    let domain = directory::normalize_domain(name)?;
    if store.read()?.domain(&domain)?.is_none() {
        return Err(StoreError::NotFound(format!("domain {domain}")).into());
    }
    Ok(domain)
}

pub async fn execute(store: &Store, request: AdminRequest) -> Result<AdminReply, AdminError> {
    match request {
        AdminRequest::RedirectAdd {
            address,
            targets,
            delete_after,
        } => {
            let address = lookup_address(&address)?;
            let (_, domain) = address.rsplit_once('@').unwrap_or_default();
            our_domain(store, domain)?;
            let targets = {
                let read = store.read()?;
                if read.account(&address)?.is_none() {
                    // A virtual address follows the rules of new addresses (reserved names).
                    directory::normalize_new_account(&address)?;
                }
                redirects::check_rule(&read, &address, &targets)?
            };
            let redirect = Redirect {
                address,
                targets,
                delete_after,
                created: chrono::Utc::now().timestamp(),
            };
            let r = redirect.clone();
            store.write(move |tx| tx.redirect_set(&r)).await?;
            tracing::info!(address = %redirect.address, targets = ?redirect.targets, delete_after, "redirect set");
            Ok(AdminReply::Redirect(row(store, redirect)?))
        }
        AdminRequest::RedirectRemove { address } => {
            let address = lookup_address(&address)?;
            let removed = store.write(move |tx| tx.redirect_remove(&address)).await?;
            Ok(AdminReply::RedirectRemoved(row(store, removed)?))
        }
        AdminRequest::RedirectList { domain } => {
            let domain = domain.map(|d| our_domain(store, &d)).transpose()?;
            let all = store.read()?.redirects(domain.as_deref())?;
            Ok(AdminReply::Redirects(
                all.into_iter()
                    .map(|r| row(store, r))
                    .collect::<Result<_, _>>()?,
            ))
        }
        AdminRequest::DomainNewAddresses { name, per_day } => {
            let domain = our_domain(store, &name)?;
            let d = domain.clone();
            store
                .write(move |tx| tx.set_new_address_limit(&d, per_day))
                .await?;
            tracing::info!(%domain, ?per_day, "new-address limit set");
            let since =
                chrono::Utc::now().timestamp() - crate::store::redirects::CREATION_WINDOW_SECS;
            let read = store.read()?;
            Ok(AdminReply::NewAddressLimit(NewAddressLimit {
                per_day: read.new_address_limit(&domain)?,
                created_last_24h: read.addresses_created_since(&domain, since)?,
                domain,
            }))
        }
        AdminRequest::AccountImportCsv { domain, csv } => {
            let report = bulk::import(store, &domain, &csv).await?;
            Ok(AdminReply::CsvImport(report))
        }
        AdminRequest::AccountExportCsv { domain } => {
            let domain = our_domain(store, &domain)?;
            let csv = bulk::export(&store.read()?, &domain)?;
            Ok(AdminReply::CsvExport(CsvExport { domain, csv }))
        }
        other => Err(AdminError::Other(format!(
            "not a redirect or CSV request: {}",
            other.summary()
        ))),
    }
}
