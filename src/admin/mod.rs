//! Administration requests (domains, accounts, device passwords, queue), executed either by the
//! running server on behalf of the CLI (through the local admin socket, because redb lets one
//! process open the file) or by the CLI itself on the store file when the server is stopped.
//! Both paths run the same `execute`.

pub mod addresses;
pub mod redirects;
pub mod reply;
pub mod socket;

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::config::DmarcAction;
use crate::directory::{self, DirectoryError};
use crate::plugins::PluginHost;
use crate::sieve::scripts::{self, ScriptRefusal, ScriptsError};
use crate::store::{Domain, ListKind, ListScope, Store, StoreError};
pub use reply::AdminReply;
use reply::*;

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
        /// "rsa" (default) or "ed25519" (the second key).
        #[serde(default)]
        algorithm: String,
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
    /// Sets an account's storage quota in bytes: `Some(0)` unlimited, `None` the default.
    AccountQuota {
        address: String,
        quota: Option<u64>,
    },
    /// Puts a domain in or out of maintenance.
    DomainMaintenance {
        name: String,
        on: bool,
    },
    /// An account's details: sending settings, what it sent lately, its flag.
    AccountShow {
        address: String,
    },
    /// Adds, removes or lists the extra addresses an account may send as.
    AccountSenders {
        address: String,
        change: SendersOp,
    },
    /// Sets an account's sending limits (`None` keeps one; `reset` goes back to the
    /// `[submission]` defaults).
    AccountLimits {
        address: String,
        per_hour: Option<u32>,
        per_day: Option<u32>,
        reset: bool,
    },
    /// Clears an account's sending flag.
    AccountUnflag {
        address: String,
    },
    /// Adds, removes or lists an account's aliases. `max` is `[accounts] max_aliases` of the
    /// CLI's config, which is the server's.
    AccountAliases {
        address: String,
        change: addresses::AliasOp,
        #[serde(default = "default_max_aliases")]
        max: usize,
    },
    /// Adds, removes or lists alias domains.
    AliasDomains {
        change: addresses::AliasDomainOp,
    },
    /// Sets (`None`: clears) a domain's catch-all address.
    DomainCatchAll {
        name: String,
        address: Option<String>,
    },
    /// Sets (`None`: back to the default) who postmaster@ and abuse@ of a domain reach.
    DomainAdmin {
        name: String,
        address: Option<String>,
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
    /// One queue entry with each recipient's state and the attempts.
    QueueShow {
        queue_id: String,
    },
    /// Makes a queue entry due now.
    QueueRetry {
        queue_id: String,
    },
    /// Removes a queue entry without delivering it or telling the sender.
    QueueDelete {
        queue_id: String,
    },
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
    /// A plugin's stored keys and values (`plugin kv`): those starting with `prefix` and, with
    /// `account`, those whose key contains the account's address; at most `limit`.
    PluginKv {
        plugin: String,
        #[serde(default)]
        prefix: String,
        #[serde(default)]
        account: Option<String>,
        #[serde(default = "default_kv_limit")]
        limit: usize,
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
    /// `mailsift import …`: imports from another provider over IMAP.
    Import(crate::import::admin::ImportRequest),
    /// Every stage's verdict for one message (`mailsift trace`).
    TraceShow {
        queue_id: String,
    },
    /// The newest message traces, newest first.
    TraceRecent {
        limit: usize,
    },
    /// Forwards mail to `address` (an account, or a virtual address with no mailbox) to the
    /// targets, replacing its redirect if it has one; `delete_after`: an account keeps no copy.
    RedirectAdd {
        address: String,
        targets: Vec<String>,
        delete_after: bool,
    },
    RedirectRemove {
        address: String,
    },
    RedirectList {
        domain: Option<String>,
    },
    /// Sets a domain's limit of new addresses per 24 hours (`None`: unlimited).
    DomainNewAddresses {
        name: String,
        per_day: Option<u32>,
    },
    /// Creates the addresses of a CSV file (its content) in `domain`.
    AccountImportCsv {
        domain: String,
        csv: String,
    },
    AccountExportCsv {
        domain: String,
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
            AdminRequest::AccountImportCsv { domain, csv } => format!(
                "AccountImportCsv {{ domain: {domain:?}, size: {} }}",
                csv.len()
            ),
            other => format!("{other:?}"),
        }
    }
}

/// What `account senders` does.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "action", content = "sender", rename_all = "lowercase")]
pub enum SendersOp {
    Add(String),
    Remove(String),
    List,
}

/// An account's details as `account show` prints them.
fn account_shown(store: &Store, address: &str) -> Result<AccountShown, AdminError> {
    let account = existing_account(store, address)?;
    let read = store.read()?;
    let record = read.send_record(account.id)?;
    let usage = read.usage(account.id)?;
    let quota_limit = read.quota_limit(&account)?;
    let now = chrono::Utc::now().timestamp();
    Ok(AccountShown {
        address: account.address,
        created: date(account.created),
        blocked: account.blocked,
        send_as: account.sending.send_as,
        per_hour: account.sending.per_hour,
        per_day: account.sending.per_day,
        sent_last_hour: record.messages_last_hour(now),
        recipients_last_day: record.recipients_last_day(now),
        limit_refusals_last_day: record.trips_last_day(now),
        quota_used: usage.bytes,
        quota_messages: usage.messages,
        quota_limit,
        quota_default: account.quota.is_none(),
        flagged: record.flagged.is_some(),
        flagged_since: record.flagged.map(date),
        aliases: addresses::aliases_of(&read, account.id)?,
    })
}

/// The account requests about sending (`account show|senders|limits|unflag`).
async fn execute_sending(store: &Store, request: AdminRequest) -> Result<AdminReply, AdminError> {
    match request {
        AdminRequest::AccountShow { address } => {
            Ok(AdminReply::AccountShown(account_shown(store, &address)?))
        }
        AdminRequest::AccountSenders {
            address,
            change: op,
        } => {
            let account = existing_account(store, &address)?;
            let mut sending = account.sending.clone();
            match &op {
                SendersOp::Add(sender) => {
                    let sender = directory::normalize_new_account(sender)?;
                    if sender == account.address {
                        return Err(AdminError::Other(format!(
                            "{sender} is the account's own address"
                        )));
                    }
                    if !sending.send_as.contains(&sender) {
                        sending.send_as.push(sender);
                    }
                }
                SendersOp::Remove(sender) => {
                    let sender = lookup_address(sender)?;
                    let before = sending.send_as.len();
                    sending.send_as.retain(|s| *s != sender);
                    if sending.send_as.len() == before {
                        return Err(StoreError::NotFound(format!(
                            "{sender} among the senders of {}",
                            account.address
                        ))
                        .into());
                    }
                }
                SendersOp::List => {}
            }
            let account = if op == SendersOp::List {
                account
            } else {
                let address = account.address.clone();
                store
                    .write(move |tx| tx.set_sending(&address, sending.clone()))
                    .await?
            };
            Ok(AdminReply::AccountSenders(AccountSenders {
                address: account.address,
                senders: account.sending.send_as,
            }))
        }
        AdminRequest::AccountLimits {
            address,
            per_hour,
            per_day,
            reset,
        } => {
            if per_hour.is_some_and(|n| n > crate::config::MAX_MESSAGES_PER_HOUR) {
                return Err(AdminError::Other(format!(
                    "--per-hour: at most {} (0 = no limit)",
                    crate::config::MAX_MESSAGES_PER_HOUR
                )));
            }
            let account = existing_account(store, &address)?;
            let mut sending = account.sending.clone();
            if reset {
                sending.per_hour = None;
                sending.per_day = None;
            }
            sending.per_hour = per_hour.or(sending.per_hour);
            sending.per_day = per_day.or(sending.per_day);
            let a = account.address.clone();
            store
                .write(move |tx| tx.set_sending(&a, sending.clone()))
                .await?;
            Ok(AdminReply::AccountShown(account_shown(
                store,
                &account.address,
            )?))
        }
        AdminRequest::AccountUnflag { address } => {
            let account = existing_account(store, &address)?;
            let id = account.id;
            store.write(move |tx| tx.clear_send_flag(id)).await?;
            Ok(AdminReply::AccountShown(account_shown(
                store,
                &account.address,
            )?))
        }
        other => Err(AdminError::Other(format!(
            "not a sending request: {}",
            other.summary()
        ))),
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

fn dkim_info(k: &crate::store::DkimKey, domain: &str) -> DkimInfo {
    DkimInfo {
        selector: k.selector.clone(),
        public_key: k.public_key.clone(),
        algorithm: k.algorithm.clone(),
        created: date(k.created),
        record_name: crate::auth::dkim_key::record_name(k, domain),
        record_value: crate::auth::dkim_key::record_value(k),
    }
}

fn domain_info(d: &Domain) -> DomainInfo {
    let setting = |a: Option<DmarcAction>| a.map_or("default", DmarcAction::name).to_string();
    DomainInfo {
        domain: d.name.clone(),
        created: date(d.created),
        dmarc_reject: setting(d.dmarc_reject),
        dmarc_quarantine: setting(d.dmarc_quarantine),
        dkim: d.dkim.as_ref().map(|k| dkim_info(k, &d.name)),
        dkim_ed25519: d
            .dkim_ed25519
            .as_ref()
            .map(|k| Box::new(dkim_info(k, &d.name))),
        maintenance: d.maintenance,
        alias_of: None,
        alias_domains: Vec::new(),
        catch_all: None,
        admin: None,
        postmaster: None,
        postmaster_source: None,
    }
}

/// Feeds message files to the plugins' `learn` (global model: no recipient), committing the
/// plugins' writes every few hundred messages.
/// `learn` calls per commit when training from files.
const LEARN_BATCH: usize = 200;

fn default_max_aliases() -> usize {
    directory::aliases::DEFAULT_MAX_ALIASES
}

fn default_passes() -> usize {
    crate::plugins::eval::DEFAULT_PASSES
}

/// Keys `plugin kv` shows unless told otherwise (a trained spam model holds ~10⁵).
pub const DEFAULT_KV_LIMIT: usize = 1000;

fn default_kv_limit() -> usize {
    DEFAULT_KV_LIMIT
}

/// Trains the learning plugins' global models: every file once per pass, spam and ham
/// interleaved in a fixed shuffled order ([`eval::training_order`]).
fn learn_files(
    store: &Store,
    host: &PluginHost,
    spam: &[std::path::PathBuf],
    ham: &[std::path::PathBuf],
    passes: usize,
) -> Result<Learned, AdminError> {
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
    Ok(Learned {
        spam: counts[0],
        ham: counts[1],
        unreadable,
        passes: passes.max(1),
    })
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
    #[error(transparent)]
    Script(#[from] ScriptRefusal),
    #[error("{0}")]
    Other(String),
}

impl From<ScriptsError> for AdminError {
    fn from(e: ScriptsError) -> Self {
        match e {
            ScriptsError::Refused(r) => AdminError::Script(r),
            ScriptsError::Store(e) => AdminError::Store(e),
        }
    }
}

/// An existing account, by address.
fn existing_account(store: &Store, address: &str) -> Result<crate::store::Account, AdminError> {
    let address = lookup_address(address)?;
    store
        .read()?
        .account(&address)?
        .ok_or_else(|| StoreError::NotFound(format!("account {address}")).into())
}

/// The Sieve requests (`mailsift sieve …`).
async fn execute_sieve(store: &Store, request: AdminRequest) -> Result<AdminReply, AdminError> {
    match request {
        AdminRequest::SievePut {
            account,
            name,
            script,
            activate,
            limits,
        } => {
            let account = existing_account(store, &account)?;
            let (id, size) = (account.id, script.len());
            scripts::put(store, id, &name, script.as_bytes(), &limits, activate).await?;
            let active = store.read()?.sieve_active_name(id)?.as_deref() == Some(name.as_str());
            Ok(AdminReply::SieveStored(SieveStored {
                account: account.address,
                name,
                size,
                active,
            }))
        }
        AdminRequest::SieveList { account } => {
            let account = existing_account(store, &account)?;
            Ok(AdminReply::SieveScripts(
                store.read()?.sieve_scripts(account.id)?,
            ))
        }
        AdminRequest::SieveGet { account, name } => {
            let account = existing_account(store, &account)?;
            let read = store.read()?;
            let script = read
                .sieve_script(account.id, &name)?
                .ok_or_else(|| StoreError::NotFound(format!("script \"{name}\"")))?;
            let active = read.sieve_active_name(account.id)?.as_deref() == Some(name.as_str());
            Ok(AdminReply::SieveScript(SieveScriptShown {
                account: account.address,
                name: script.name,
                active,
                updated: date(script.updated),
                script: script.content,
            }))
        }
        AdminRequest::SieveActivate { account, name } => {
            let account = existing_account(store, &account)?;
            scripts::set_active(store, account.id, name.as_deref()).await?;
            Ok(AdminReply::SieveActive(SieveActive {
                account: account.address,
                active: name,
            }))
        }
        AdminRequest::SieveDelete { account, name } => {
            let account = existing_account(store, &account)?;
            scripts::delete(store, account.id, &name).await?;
            Ok(AdminReply::SieveDeleted(SieveDeleted {
                account: account.address,
                deleted: name,
            }))
        }
        AdminRequest::SieveRename { account, from, to } => {
            let account = existing_account(store, &account)?;
            scripts::rename(store, account.id, &from, &to).await?;
            Ok(AdminReply::SieveRenamed(SieveRenamed {
                account: account.address,
                from,
                to,
            }))
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

/// Executes one request and returns its typed reply (the CLI renders it for people).
pub async fn execute(store: &Store, request: AdminRequest) -> Result<AdminReply, AdminError> {
    execute_with(store, None, request).await
}

/// `execute`, with the running server's plugin host for the plugin requests.
pub async fn execute_with(
    store: &Store,
    plugins: Option<&Arc<PluginHost>>,
    request: AdminRequest,
) -> Result<AdminReply, AdminError> {
    match request {
        AdminRequest::Import(request) => crate::import::admin::execute(store, request).await,
        request @ (AdminRequest::AccountAliases { .. }
        | AdminRequest::AliasDomains { .. }
        | AdminRequest::DomainCatchAll { .. }
        | AdminRequest::DomainAdmin { .. }) => addresses::execute(store, request).await,
        request @ (AdminRequest::SievePut { .. }
        | AdminRequest::SieveList { .. }
        | AdminRequest::SieveGet { .. }
        | AdminRequest::SieveActivate { .. }
        | AdminRequest::SieveDelete { .. }
        | AdminRequest::SieveRename { .. }) => execute_sieve(store, request).await,
        AdminRequest::TraceShow { queue_id } => {
            let record = store.read()?.trace(queue_id.trim())?.ok_or_else(|| {
                StoreError::NotFound(format!(
                    "a trace of {queue_id} (it may be older than the last [store] trace_records messages)"
                ))
            })?;
            Ok(AdminReply::Trace(Box::new(record)))
        }
        AdminRequest::TraceRecent { limit } => Ok(AdminReply::Traces(
            store.read()?.trace_recent(limit.min(10_000))?,
        )),
        request @ (AdminRequest::RedirectAdd { .. }
        | AdminRequest::RedirectRemove { .. }
        | AdminRequest::RedirectList { .. }
        | AdminRequest::DomainNewAddresses { .. }
        | AdminRequest::AccountImportCsv { .. }
        | AdminRequest::AccountExportCsv { .. }) => redirects::execute(store, request).await,
        AdminRequest::PluginList => Ok(AdminReply::Plugins(
            plugins.map(|p| p.status()).unwrap_or_default(),
        )),
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
                .map(AdminReply::Learned)
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
                delta: None,
            };
            store
                .write(move |tx| tx.plugin_kv_apply(std::slice::from_ref(&write)))
                .await?;
            Ok(AdminReply::PluginSetting(PluginSetting {
                plugin,
                account,
                key,
                value,
            }))
        }
        AdminRequest::PluginGet { plugin, account } => {
            let account = lookup_address(&account)?;
            let prefix = format!("settings/{account}/");
            let rows = store.read()?.plugin_kv_prefix(&plugin, &prefix)?;
            let settings = rows
                .into_iter()
                .map(|(k, v)| {
                    (
                        k.trim_start_matches(&prefix).to_string(),
                        String::from_utf8_lossy(&v).into_owned(),
                    )
                })
                .collect();
            Ok(AdminReply::PluginSettings(PluginSettings {
                plugin,
                account,
                settings,
            }))
        }
        AdminRequest::PluginKv {
            plugin,
            prefix,
            account,
            limit,
        } => {
            let account = account.as_deref().map(lookup_address).transpose()?;
            let (rows, total) =
                store
                    .read()?
                    .plugin_kv_scan(&plugin, &prefix, account.as_deref(), limit)?;
            Ok(AdminReply::PluginKv(PluginKv {
                plugin,
                entries: rows
                    .into_iter()
                    .map(|(key, value)| KvEntry::new(key, &value))
                    .collect(),
                total,
            }))
        }
        AdminRequest::DomainAdd { name } => {
            let name = directory::normalize_domain(&name)?;
            let domain = store.write(move |tx| tx.add_domain(&name)).await?;
            Ok(AdminReply::DomainCreated(Created {
                what: DomainName {
                    maintenance: domain.maintenance,
                    domain: domain.name,
                },
                created: date(domain.created),
            }))
        }
        AdminRequest::DomainList => {
            let domains = store.read()?.domains()?;
            Ok(AdminReply::Domains(
                domains
                    .into_iter()
                    .map(|d| Created {
                        created: date(d.created),
                        what: DomainName {
                            domain: d.name,
                            maintenance: d.maintenance,
                        },
                    })
                    .collect(),
            ))
        }
        AdminRequest::DomainRemove { name } => {
            let name = directory::normalize_domain(&name)?;
            let n = name.clone();
            store.write(move |tx| tx.remove_domain(&n)).await?;
            Ok(AdminReply::DomainRemoved(Removed { removed: name }))
        }
        AdminRequest::DomainShow { name } => {
            let name = directory::normalize_domain(&name)?;
            let read = store.read()?;
            let domain = read
                .domain(&name)?
                .ok_or_else(|| StoreError::NotFound(format!("domain {name}")))?;
            let mut info = domain_info(&domain);
            addresses::fill_domain_info(&read, &mut info)?;
            Ok(AdminReply::Domain(info))
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
            Ok(AdminReply::Domain(domain_info(&domain)))
        }
        AdminRequest::DomainDkim {
            name,
            selector,
            rotate,
            algorithm,
        } => {
            let ed25519 = match algorithm.as_str() {
                "" | "rsa" => false,
                "ed25519" => true,
                other => {
                    return Err(AdminError::Other(format!(
                        "unknown DKIM algorithm {other:?} (rsa or ed25519)"
                    )));
                }
            };
            let name = directory::normalize_domain(&name)?;
            let existing = store
                .read()?
                .domain(&name)?
                .ok_or_else(|| StoreError::NotFound(format!("domain {name}")))?;
            let has = if ed25519 {
                existing.dkim_ed25519.is_some()
            } else {
                existing.dkim.is_some()
            };
            if has && !rotate {
                return Ok(AdminReply::Domain(domain_info(&existing)));
            }
            // RSA key generation takes a noticeable moment: off the async threads.
            let key = tokio::task::spawn_blocking(move || {
                let now = chrono::Utc::now().timestamp();
                if ed25519 {
                    // Its own selector: both keys are published side by side.
                    crate::auth::dkim_key::generate_ed25519(&format!("{selector}-ed25519"), now)
                } else {
                    crate::auth::dkim_key::generate(&selector, now)
                }
            })
            .await
            .map_err(|e| AdminError::Other(e.to_string()))?
            .map_err(|e| AdminError::Other(e.to_string()))?;
            let domain = store
                .write(move |tx| {
                    let mut d = tx
                        .domain(&name)?
                        .ok_or_else(|| StoreError::NotFound(format!("domain {name}")))?;
                    if ed25519 {
                        d.dkim_ed25519 = Some(key.clone());
                    } else {
                        d.dkim = Some(key.clone());
                    }
                    tx.update_domain(&d)?;
                    Ok(d)
                })
                .await?;
            Ok(AdminReply::Domain(domain_info(&domain)))
        }
        AdminRequest::AccountAdd { address } => {
            let address = directory::normalize_new_account(&address)?;
            let account = store.write(move |tx| tx.add_account(&address)).await?;
            Ok(AdminReply::AccountCreated(Created {
                what: AccountName {
                    address: account.address,
                },
                created: date(account.created),
            }))
        }
        AdminRequest::AccountList { domain } => {
            let domain = domain
                .map(|d| directory::normalize_domain(&d))
                .transpose()?;
            let accounts = store.read()?.accounts(domain.as_deref())?;
            Ok(AdminReply::Accounts(
                accounts
                    .into_iter()
                    .map(|a| AccountRow {
                        created: date(a.created),
                        address: a.address,
                        blocked: a.blocked,
                    })
                    .collect(),
            ))
        }
        AdminRequest::AccountRemove { address } => {
            let address = lookup_address(&address)?;
            let a = address.clone();
            store.write(move |tx| tx.remove_account(&a)).await?;
            Ok(AdminReply::AccountRemoved(Removed { removed: address }))
        }
        r @ (AdminRequest::AccountShow { .. }
        | AdminRequest::AccountSenders { .. }
        | AdminRequest::AccountLimits { .. }
        | AdminRequest::AccountUnflag { .. }) => execute_sending(store, r).await,
        AdminRequest::AccountBlock { address, blocked } => {
            let address = lookup_address(&address)?;
            let account = store
                .write(move |tx| tx.set_account_blocked(&address, blocked))
                .await?;
            Ok(AdminReply::AccountBlocked(AccountBlocked {
                address: account.address,
                blocked: account.blocked,
            }))
        }
        AdminRequest::AccountQuota { address, quota } => {
            let address = lookup_address(&address)?;
            let a = address.clone();
            store
                .write(move |tx| tx.set_account_quota(&a, quota))
                .await?;
            Ok(AdminReply::AccountShown(account_shown(store, &address)?))
        }
        AdminRequest::DomainMaintenance { name, on } => {
            let name = directory::normalize_domain(&name)?;
            let domain = store
                .write(move |tx| tx.set_domain_maintenance(&name, on))
                .await?;
            tracing::info!(domain = %domain.name, maintenance = on, "domain maintenance changed");
            Ok(AdminReply::Domain(domain_info(&domain)))
        }
        AdminRequest::PasswordAdd { address, device } => {
            let address = lookup_address(&address)?;
            let password = directory::create_device_password(store, &address, &device).await?;
            Ok(AdminReply::NewPassword(NewPassword {
                address,
                device,
                password,
            }))
        }
        AdminRequest::PasswordList { address } => {
            let address = lookup_address(&address)?;
            let read = store.read()?;
            if read.account(&address)?.is_none() {
                return Err(StoreError::NotFound(format!("account {address}")).into());
            }
            Ok(AdminReply::Passwords(
                read.passwords(&address)?
                    .into_iter()
                    .map(|p| PasswordRow {
                        device: p.device,
                        created: date(p.created),
                        last_used: p.last_used.map(date),
                    })
                    .collect(),
            ))
        }
        AdminRequest::PasswordRemove { address, device } => {
            let address = lookup_address(&address)?;
            let (a, d) = (address.clone(), device.clone());
            store.write(move |tx| tx.remove_password(&a, &d)).await?;
            Ok(AdminReply::PasswordRemoved(PasswordRemoved {
                address,
                removed_device: device,
            }))
        }
        AdminRequest::ListAdd { scope, kind, entry } => {
            let scope = list_scope(store, scope)?;
            let s = scope.clone();
            let added = store.write(move |tx| tx.list_add(&s, kind, &entry)).await?;
            Ok(AdminReply::ListAdded(ListAdded {
                scope: scope_name(&scope),
                list: added.kind.name().to_string(),
                entry: added.entry,
                created: date(added.created),
            }))
        }
        AdminRequest::ListRemove { scope, entry } => {
            let scope = list_scope(store, scope)?;
            let s = scope.clone();
            let removed = store.write(move |tx| tx.list_remove(&s, &entry)).await?;
            Ok(AdminReply::ListRemoved(ListRemoved {
                scope: scope_name(&scope),
                list: removed.kind.name().to_string(),
                removed: removed.entry,
            }))
        }
        AdminRequest::ListShow { scope } => {
            let scope = list_scope(store, scope)?;
            let entries = store.read()?.list_entries(&scope)?;
            Ok(AdminReply::ListShown(ListShown {
                scope: scope_name(&scope),
                entries: entries
                    .into_iter()
                    .map(|e| ListRow {
                        list: e.kind.name().to_string(),
                        entry: e.entry,
                        created: date(e.created),
                    })
                    .collect(),
            }))
        }
        AdminRequest::QueueList => {
            let queue = store.read()?.queue()?;
            Ok(AdminReply::Queue(
                queue
                    .into_iter()
                    .map(|q| QueueRow {
                        queue_id: q.queue_id,
                        from: q.mail_from,
                        recipients: q.recipients,
                        size: q.size,
                        created: date(q.created),
                        attempts: q.attempts,
                        next_attempt: date(q.next_attempt),
                    })
                    .collect(),
            ))
        }
        AdminRequest::QueueShow { queue_id } => {
            let q = store
                .read()?
                .queue_entry(&queue_id)?
                .ok_or_else(|| StoreError::NotFound(format!("queue entry {queue_id}")))?;
            Ok(AdminReply::QueueEntry(QueueEntryInfo {
                queue_id: q.queue_id.clone(),
                from: q.mail_from.clone(),
                size: q.size,
                created: date(q.created),
                attempts: q.attempts,
                next_attempt: date(q.next_attempt),
                warned: q.warned,
                recipients: q
                    .rcpt_states()
                    .into_iter()
                    .map(|r| QueueRecipientRow {
                        recipient: r.address,
                        status: r.status.name().to_string(),
                        reply: r.reply,
                    })
                    .collect(),
                log: q
                    .log
                    .into_iter()
                    .map(|a| QueueAttemptRow {
                        time: date(a.time),
                        recipient: a.recipient,
                        result: a.result,
                    })
                    .collect(),
            }))
        }
        AdminRequest::QueueRetry { queue_id } => {
            let id = queue_id.clone();
            if !store.write(move |tx| tx.queue_retry(&id)).await? {
                return Err(StoreError::NotFound(format!("queue entry {queue_id}")).into());
            }
            Ok(AdminReply::QueueChanged(QueueChanged {
                queue_id,
                action: "retry".into(),
            }))
        }
        AdminRequest::QueueDelete { queue_id } => {
            let id = queue_id.clone();
            if !store.write(move |tx| tx.queue_delete(&id)).await? {
                return Err(StoreError::NotFound(format!("queue entry {queue_id}")).into());
            }
            Ok(AdminReply::QueueChanged(QueueChanged {
                queue_id,
                action: "delete".into(),
            }))
        }
    }
}
