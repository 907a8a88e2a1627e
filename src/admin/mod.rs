//! Administration requests (domains, accounts, device passwords, queue), executed either by the
//! running server on behalf of the CLI (through the local admin socket, because redb lets one
//! process open the file) or by the CLI itself on the store file when the server is stopped.
//! Both paths run the same `execute`.

pub mod socket;

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::config::DmarcAction;
use crate::directory::{self, DirectoryError};
use crate::plugins::PluginHost;
use crate::store::{Domain, ListKind, ListScope, Store, StoreError};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum AdminRequest {
    DomainAdd {
        name: String,
    },
    DomainList,
    DomainRemove {
        name: String,
    },
    /// A domain's settings: DMARC handling and DKIM key (public part).
    DomainShow {
        name: String,
    },
    /// Sets (or with `None`, keeps) the domain's handling of inbound DMARC failures.
    DomainPolicy {
        name: String,
        dmarc_reject: Option<PolicySetting>,
        dmarc_quarantine: Option<PolicySetting>,
    },
    /// Makes the domain's DKIM key if it has none (or a new one with `rotate`).
    DomainDkim {
        name: String,
        selector: String,
        rotate: bool,
    },
    AccountAdd {
        address: String,
    },
    AccountList {
        domain: Option<String>,
    },
    AccountRemove {
        address: String,
    },
    AccountBlock {
        address: String,
        blocked: bool,
    },
    PasswordAdd {
        address: String,
        device: String,
    },
    PasswordList {
        address: String,
    },
    PasswordRemove {
        address: String,
        device: String,
    },
    QueueList,
    /// Adds an allow or block entry to an account's or a domain's list.
    ListAdd {
        scope: ListScope,
        kind: ListKind,
        entry: String,
    },
    ListRemove {
        scope: ListScope,
        entry: String,
    },
    ListShow {
        scope: ListScope,
    },
    /// The running server's plugins with their counters.
    PluginList,
    /// Sets (or with `value: None`, clears) a per-account setting of a plugin, stored in the
    /// plugin's key-value data at `settings/ACCOUNT/KEY`, where the SDK's `settings` module
    /// reads it.
    PluginSet {
        plugin: String,
        account: String,
        key: String,
        value: Option<String>,
    },
    /// Trains the plugins' global models (their `learn` hook) from message files or folders.
    Learn {
        spam: Vec<std::path::PathBuf>,
        ham: Vec<std::path::PathBuf>,
        /// Passes over the messages (`spam train --passes`).
        #[serde(default = "default_passes")]
        passes: usize,
    },
    /// A plugin's settings for one account.
    PluginGet {
        plugin: String,
        account: String,
    },
    /// Compiles a Sieve script and stores it under `name` (replacing a script of that name),
    /// making it the active one with `activate`. `limits` are the `[sieve]` limits of the CLI's
    /// config, which is the server's (the admin socket lives in its data directory).
    SievePut {
        account: String,
        name: String,
        script: String,
        activate: bool,
        limits: crate::sieve::SieveLimits,
    },
    /// An account's scripts: name, active, size.
    SieveList {
        account: String,
    },
    SieveGet {
        account: String,
        name: String,
    },
    /// Makes `name` the active script; `None` leaves the account without one.
    SieveActivate {
        account: String,
        name: Option<String>,
    },
    /// Deletes a script (not the active one).
    SieveDelete {
        account: String,
        name: String,
    },
    SieveRename {
        account: String,
        from: String,
        to: String,
    },
}

impl AdminRequest {
    /// What the admin socket logs of a request: all of it, except script contents.
    pub fn summary(&self) -> String {
        match self {
            AdminRequest::SievePut {
                account,
                name,
                script,
                activate,
                ..
            } => format!(
                "SievePut {{ account: {account:?}, name: {name:?}, size: {}, activate: {activate} }}",
                script.len()
            ),
            other => format!("{other:?}"),
        }
    }
}

/// A per-domain DMARC setting: an action, or back to the server default.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum PolicySetting {
    Reject,
    Quarantine,
    Annotate,
    Default,
}

impl PolicySetting {
    fn action(self) -> Option<DmarcAction> {
        match self {
            PolicySetting::Reject => Some(DmarcAction::Reject),
            PolicySetting::Quarantine => Some(DmarcAction::Quarantine),
            PolicySetting::Annotate => Some(DmarcAction::Annotate),
            PolicySetting::Default => None,
        }
    }
}

fn domain_json(d: &Domain) -> Value {
    let setting = |a: Option<DmarcAction>| a.map_or("default", DmarcAction::name);
    json!({
        "domain": d.name,
        "created": date(d.created),
        "dmarc_reject": setting(d.dmarc_reject),
        "dmarc_quarantine": setting(d.dmarc_quarantine),
        "dkim": d.dkim.as_ref().map(|k| json!({
            "selector": k.selector,
            "public_key": k.public_key,
            "algorithm": k.algorithm,
            "created": date(k.created),
            "record_name": crate::auth::dkim_key::record_name(k, &d.name),
            "record_value": crate::auth::dkim_key::record_value(k),
        })),
    })
}

/// Feeds message files to the plugins' `learn` (global model: no recipient), committing the
/// plugins' writes every few hundred messages.
/// `learn` calls per commit when training from files.
const LEARN_BATCH: usize = 200;

fn default_passes() -> usize {
    crate::plugins::eval::DEFAULT_PASSES
}

/// Trains the learning plugins' global models: every file once per pass, spam and ham
/// interleaved in a fixed shuffled order ([`eval::training_order`]).
fn learn_files(
    store: &Store,
    host: &PluginHost,
    spam: &[std::path::PathBuf],
    ham: &[std::path::PathBuf],
    passes: usize,
) -> Result<Value, AdminError> {
    use crate::plugins::{eval, types::LearnClass};
    let mut files: Vec<(std::path::PathBuf, LearnClass)> = Vec::new();
    for (paths, class) in [(spam, LearnClass::Spam), (ham, LearnClass::Ham)] {
        let found = eval::message_files(paths).map_err(AdminError::Other)?;
        files.extend(found.into_iter().map(|f| (f, class)));
    }
    let mut counts = [0usize; 2];
    let mut unreadable = 0usize;
    let mut raw: Vec<Option<Vec<u8>>> = Vec::with_capacity(files.len());
    for (f, class) in &files {
        let r = std::fs::read(f).ok();
        match (&r, class) {
            (None, _) => unreadable += 1,
            (Some(_), LearnClass::Spam) => counts[0] += 1,
            (Some(_), _) => counts[1] += 1,
        }
        raw.push(r);
    }
    // Each learn call reads what the previous ones wrote: through an overlay of the writes not
    // yet committed, so that the store commits once per batch (a commit per call made
    // training ~5× slower) and the server keeps serving from the last committed state.
    let overlay = crate::plugins::OverlayKv::new(Arc::new(crate::plugins::StoreKv(store.clone())));
    let kv: Arc<dyn crate::plugins::KvSource> = Arc::new(overlay.clone());
    let order = eval::training_order(files.len(), passes.max(1));
    for (n, i) in order.iter().copied().enumerate() {
        if let Some(bytes) = &raw[i] {
            let writes = host.learn_over(
                kv.clone(),
                &eval::view_of(bytes, &format!("train-{i}"), Vec::new()),
                files[i].1,
            );
            overlay.apply(writes);
        }
        if (n + 1) % LEARN_BATCH == 0 {
            let batch = overlay.take();
            store.write_blocking(move |tx| tx.plugin_kv_apply(&batch))?;
        }
    }
    let rest = overlay.take();
    store.write_blocking(move |tx| tx.plugin_kv_apply(&rest))?;
    Ok(
        json!({ "spam": counts[0], "ham": counts[1], "unreadable": unreadable, "passes": passes.max(1) }),
    )
}

/// Checks and normalises a list scope: the account or domain must exist here.
fn list_scope(store: &Store, scope: ListScope) -> Result<ListScope, AdminError> {
    let read = store.read()?;
    Ok(match scope {
        ListScope::Account(a) => {
            let a = lookup_address(&a)?;
            if read.account(&a)?.is_none() {
                return Err(StoreError::NotFound(format!("account {a}")).into());
            }
            ListScope::Account(a)
        }
        ListScope::Domain(d) => {
            let d = directory::normalize_domain(&d)?;
            if read.domain(&d)?.is_none() {
                return Err(StoreError::NotFound(format!("domain {d}")).into());
            }
            ListScope::Domain(d)
        }
    })
}

fn scope_name(scope: &ListScope) -> String {
    match scope {
        ListScope::Account(a) => format!("account {a}"),
        ListScope::Domain(d) => format!("domain {d}"),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error(transparent)]
    Directory(#[from] DirectoryError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Address(#[from] directory::AddressError),
    #[error("{0}")]
    Other(String),
}

/// An existing account, by address.
fn existing_account(store: &Store, address: &str) -> Result<crate::store::Account, AdminError> {
    let address = lookup_address(address)?;
    store
        .read()?
        .account(&address)?
        .ok_or_else(|| StoreError::NotFound(format!("account {address}")).into())
}

fn check_script_name(name: &str) -> Result<(), AdminError> {
    if crate::store::sieve::valid_script_name(name) {
        Ok(())
    } else {
        Err(AdminError::Other(format!(
            "\"{name}\" is not a script name (1 to 128 characters, no control characters)"
        )))
    }
}

/// The Sieve requests (`mailsift sieve …`).
async fn execute_sieve(store: &Store, request: AdminRequest) -> Result<Value, AdminError> {
    match request {
        AdminRequest::SievePut {
            account,
            name,
            script,
            activate,
            limits,
        } => {
            let account = existing_account(store, &account)?;
            check_script_name(&name)?;
            crate::sieve::check_script(script.as_bytes(), &limits)
                .map_err(|e| AdminError::Other(e.to_string()))?;
            let (id, n, size) = (account.id, name.clone(), script.len());
            store
                .write(move |tx| {
                    tx.sieve_put(id, &n, &script, limits.max_scripts)?;
                    if activate {
                        tx.sieve_set_active(id, Some(&n))?;
                    }
                    Ok(())
                })
                .await?;
            let active = store.read()?.sieve_active_name(id)?.as_deref() == Some(name.as_str());
            Ok(json!({ "account": account.address, "name": name, "size": size, "active": active }))
        }
        AdminRequest::SieveList { account } => {
            let account = existing_account(store, &account)?;
            let scripts = store.read()?.sieve_scripts(account.id)?;
            serde_json::to_value(scripts).map_err(|e| AdminError::Other(e.to_string()))
        }
        AdminRequest::SieveGet { account, name } => {
            let account = existing_account(store, &account)?;
            let read = store.read()?;
            let script = read
                .sieve_script(account.id, &name)?
                .ok_or_else(|| StoreError::NotFound(format!("script \"{name}\"")))?;
            let active = read.sieve_active_name(account.id)?.as_deref() == Some(name.as_str());
            Ok(json!({
                "account": account.address,
                "name": script.name,
                "active": active,
                "updated": date(script.updated),
                "script": script.content,
            }))
        }
        AdminRequest::SieveActivate { account, name } => {
            let account = existing_account(store, &account)?;
            let (id, n) = (account.id, name.clone());
            store
                .write(move |tx| tx.sieve_set_active(id, n.as_deref()))
                .await?;
            Ok(json!({ "account": account.address, "active": name }))
        }
        AdminRequest::SieveDelete { account, name } => {
            let account = existing_account(store, &account)?;
            let (id, n) = (account.id, name.clone());
            store.write(move |tx| tx.sieve_delete(id, &n)).await?;
            Ok(json!({ "account": account.address, "deleted": name }))
        }
        AdminRequest::SieveRename { account, from, to } => {
            let account = existing_account(store, &account)?;
            check_script_name(&to)?;
            let (id, f, t) = (account.id, from.clone(), to.clone());
            store.write(move |tx| tx.sieve_rename(id, &f, &t)).await?;
            Ok(json!({ "account": account.address, "from": from, "to": to }))
        }
        other => Err(AdminError::Other(format!(
            "not a Sieve request: {}",
            other.summary()
        ))),
    }
}

fn lookup_address(address: &str) -> Result<String, AdminError> {
    directory::split_lookup(address)
        .map(|(l, d)| format!("{l}@{d}"))
        .ok_or_else(|| AdminError::Other(format!("\"{address}\" is not an address")))
}

fn date(ts: i64) -> String {
    chrono::DateTime::from_timestamp(ts, 0)
        .map(|d| d.format("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_default()
}

/// Executes one request and returns its result as JSON (the CLI renders it for people).
pub async fn execute(store: &Store, request: AdminRequest) -> Result<Value, AdminError> {
    execute_with(store, None, request).await
}

/// `execute`, with the running server's plugin host for the plugin requests.
pub async fn execute_with(
    store: &Store,
    plugins: Option<&Arc<PluginHost>>,
    request: AdminRequest,
) -> Result<Value, AdminError> {
    match request {
        request @ (AdminRequest::SievePut { .. }
        | AdminRequest::SieveList { .. }
        | AdminRequest::SieveGet { .. }
        | AdminRequest::SieveActivate { .. }
        | AdminRequest::SieveDelete { .. }
        | AdminRequest::SieveRename { .. }) => execute_sieve(store, request).await,
        AdminRequest::PluginList => {
            let rows = plugins.map(|p| p.status()).unwrap_or_default();
            serde_json::to_value(rows).map_err(|e| AdminError::Other(e.to_string()))
        }
        AdminRequest::Learn { spam, ham, passes } => {
            let host = plugins
                .cloned()
                .ok_or_else(|| AdminError::Other("no plugin host".into()))?;
            if !host
                .registry()
                .snapshot()
                .iter()
                .any(|p| p.has_hook(crate::plugins::types::Hook::Learn))
            {
                return Err(AdminError::Other(
                    "no loaded plugin learns (install the spam plugin in the plugin folder)".into(),
                ));
            }
            let store = store.clone();
            tokio::task::spawn_blocking(move || learn_files(&store, &host, &spam, &ham, passes))
                .await
                .map_err(|e| AdminError::Other(e.to_string()))?
        }
        AdminRequest::PluginSet {
            plugin,
            account,
            key,
            value,
        } => {
            let account = lookup_address(&account)?;
            if store.read()?.account(&account)?.is_none() {
                return Err(StoreError::NotFound(format!("account {account}")).into());
            }
            if !crate::config::valid_plugin_name(&plugin) {
                return Err(AdminError::Other(format!(
                    "\"{plugin}\" is not a plugin name"
                )));
            }
            if key.is_empty()
                || !key
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            {
                return Err(AdminError::Other(format!(
                    "\"{key}\" is not a setting name (letters, digits, - and _)"
                )));
            }
            let write = crate::store::KvWrite {
                plugin: plugin.clone(),
                key: format!("settings/{account}/{key}"),
                value: value.clone().map(String::into_bytes),
            };
            store
                .write(move |tx| tx.plugin_kv_apply(std::slice::from_ref(&write)))
                .await?;
            Ok(json!({ "plugin": plugin, "account": account, "key": key, "value": value }))
        }
        AdminRequest::PluginGet { plugin, account } => {
            let account = lookup_address(&account)?;
            let prefix = format!("settings/{account}/");
            let rows = store.read()?.plugin_kv_prefix(&plugin, &prefix)?;
            let settings: serde_json::Map<String, Value> = rows
                .into_iter()
                .map(|(k, v)| {
                    (
                        k.trim_start_matches(&prefix).to_string(),
                        Value::String(String::from_utf8_lossy(&v).into_owned()),
                    )
                })
                .collect();
            Ok(json!({ "plugin": plugin, "account": account, "settings": settings }))
        }
        AdminRequest::DomainAdd { name } => {
            let name = directory::normalize_domain(&name)?;
            let domain = store.write(move |tx| tx.add_domain(&name)).await?;
            Ok(json!({ "domain": domain.name, "created": date(domain.created) }))
        }
        AdminRequest::DomainList => {
            let domains = store.read()?.domains()?;
            Ok(Value::Array(
                domains
                    .into_iter()
                    .map(|d| json!({ "domain": d.name, "created": date(d.created) }))
                    .collect(),
            ))
        }
        AdminRequest::DomainRemove { name } => {
            let name = directory::normalize_domain(&name)?;
            let n = name.clone();
            store.write(move |tx| tx.remove_domain(&n)).await?;
            Ok(json!({ "removed": name }))
        }
        AdminRequest::DomainShow { name } => {
            let name = directory::normalize_domain(&name)?;
            let domain = store
                .read()?
                .domain(&name)?
                .ok_or_else(|| StoreError::NotFound(format!("domain {name}")))?;
            Ok(domain_json(&domain))
        }
        AdminRequest::DomainPolicy {
            name,
            dmarc_reject,
            dmarc_quarantine,
        } => {
            let name = directory::normalize_domain(&name)?;
            if dmarc_quarantine == Some(PolicySetting::Reject) {
                return Err(AdminError::Other(
                    "a sender asking for quarantine is not refused: use quarantine, annotate or default".into(),
                ));
            }
            let domain = store
                .write(move |tx| {
                    let mut d = tx
                        .domain(&name)?
                        .ok_or_else(|| StoreError::NotFound(format!("domain {name}")))?;
                    if let Some(s) = dmarc_reject {
                        d.dmarc_reject = s.action();
                    }
                    if let Some(s) = dmarc_quarantine {
                        d.dmarc_quarantine = s.action();
                    }
                    tx.update_domain(&d)?;
                    Ok(d)
                })
                .await?;
            Ok(domain_json(&domain))
        }
        AdminRequest::DomainDkim {
            name,
            selector,
            rotate,
        } => {
            let name = directory::normalize_domain(&name)?;
            let existing = store
                .read()?
                .domain(&name)?
                .ok_or_else(|| StoreError::NotFound(format!("domain {name}")))?;
            if existing.dkim.is_some() && !rotate {
                return Ok(domain_json(&existing));
            }
            // RSA key generation takes a noticeable moment: off the async threads.
            let key = tokio::task::spawn_blocking(move || {
                crate::auth::dkim_key::generate(&selector, chrono::Utc::now().timestamp())
            })
            .await
            .map_err(|e| AdminError::Other(e.to_string()))?
            .map_err(|e| AdminError::Other(e.to_string()))?;
            let domain = store
                .write(move |tx| {
                    let mut d = tx
                        .domain(&name)?
                        .ok_or_else(|| StoreError::NotFound(format!("domain {name}")))?;
                    d.dkim = Some(key.clone());
                    tx.update_domain(&d)?;
                    Ok(d)
                })
                .await?;
            Ok(domain_json(&domain))
        }
        AdminRequest::AccountAdd { address } => {
            let address = directory::normalize_new_account(&address)?;
            let account = store.write(move |tx| tx.add_account(&address)).await?;
            Ok(json!({ "address": account.address, "created": date(account.created) }))
        }
        AdminRequest::AccountList { domain } => {
            let domain = domain
                .map(|d| directory::normalize_domain(&d))
                .transpose()?;
            let accounts = store.read()?.accounts(domain.as_deref())?;
            Ok(Value::Array(
                accounts
                    .into_iter()
                    .map(|a| {
                        json!({ "address": a.address, "created": date(a.created), "blocked": a.blocked })
                    })
                    .collect(),
            ))
        }
        AdminRequest::AccountRemove { address } => {
            let address = lookup_address(&address)?;
            let a = address.clone();
            store.write(move |tx| tx.remove_account(&a)).await?;
            Ok(json!({ "removed": address }))
        }
        AdminRequest::AccountBlock { address, blocked } => {
            let address = lookup_address(&address)?;
            let account = store
                .write(move |tx| tx.set_account_blocked(&address, blocked))
                .await?;
            Ok(json!({ "address": account.address, "blocked": account.blocked }))
        }
        AdminRequest::PasswordAdd { address, device } => {
            let address = lookup_address(&address)?;
            let password = directory::create_device_password(store, &address, &device).await?;
            Ok(json!({ "address": address, "device": device, "password": password }))
        }
        AdminRequest::PasswordList { address } => {
            let address = lookup_address(&address)?;
            let read = store.read()?;
            if read.account(&address)?.is_none() {
                return Err(StoreError::NotFound(format!("account {address}")).into());
            }
            Ok(Value::Array(
                read.passwords(&address)?
                    .into_iter()
                    .map(|p| {
                        json!({
                            "device": p.device,
                            "created": date(p.created),
                            "last_used": p.last_used.map(date),
                        })
                    })
                    .collect(),
            ))
        }
        AdminRequest::PasswordRemove { address, device } => {
            let address = lookup_address(&address)?;
            let (a, d) = (address.clone(), device.clone());
            store.write(move |tx| tx.remove_password(&a, &d)).await?;
            Ok(json!({ "address": address, "removed_device": device }))
        }
        AdminRequest::ListAdd { scope, kind, entry } => {
            let scope = list_scope(store, scope)?;
            let s = scope.clone();
            let added = store.write(move |tx| tx.list_add(&s, kind, &entry)).await?;
            Ok(json!({
                "scope": scope_name(&scope),
                "list": added.kind.name(),
                "entry": added.entry,
                "created": date(added.created),
            }))
        }
        AdminRequest::ListRemove { scope, entry } => {
            let scope = list_scope(store, scope)?;
            let s = scope.clone();
            let removed = store.write(move |tx| tx.list_remove(&s, &entry)).await?;
            Ok(json!({
                "scope": scope_name(&scope),
                "list": removed.kind.name(),
                "removed": removed.entry,
            }))
        }
        AdminRequest::ListShow { scope } => {
            let scope = list_scope(store, scope)?;
            let entries = store.read()?.list_entries(&scope)?;
            Ok(json!({
                "scope": scope_name(&scope),
                "entries": entries
                    .into_iter()
                    .map(|e| json!({ "list": e.kind.name(), "entry": e.entry, "created": date(e.created) }))
                    .collect::<Vec<_>>(),
            }))
        }
        AdminRequest::QueueList => {
            let queue = store.read()?.queue()?;
            Ok(Value::Array(
                queue
                    .into_iter()
                    .map(|q| {
                        json!({
                            "queue_id": q.queue_id,
                            "from": q.mail_from,
                            "recipients": q.recipients,
                            "size": q.size,
                            "created": date(q.created),
                            "attempts": q.attempts,
                        })
                    })
                    .collect(),
            ))
        }
    }
}
