//! The `mailsift` command line.
//!
//! Admin commands go through the running server's admin socket when it is up (redb lets one
//! process open the file), and open the store file directly when it is not.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use serde_json::Value;

use crate::admin::reply::{DomainInfo, KvEntry};
use crate::admin::{self, AdminReply, AdminRequest};
use crate::config::Config;
use crate::store::{DkimKey, Store, StoreError};

mod redirects;
pub mod setup;
mod trace;

#[derive(Debug, Parser)]
#[command(
    name = "mailsift",
    version,
    about = "A mail server whose filtering is extended with WebAssembly"
)]
pub struct Cli {
    /// Configuration file (TOML). Without it, development defaults are used (see README).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Print results as JSON, for scripts.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server.
    Serve,
    /// Manage mail domains.
    #[command(subcommand)]
    Domain(DomainCommand),
    /// Manage accounts (mailboxes).
    #[command(subcommand)]
    Account(AccountCommand),
    /// Manage per-device passwords of an account.
    #[command(subcommand)]
    Password(PasswordCommand),
    /// Aliases: other addresses of an account's mailbox (the account is told by mail).
    #[command(subcommand)]
    Alias(AliasCommand),
    /// Inspect the outbound queue.
    #[command(subcommand)]
    Queue(QueueCommand),
    /// WebAssembly filter plugins.
    #[command(subcommand)]
    Plugin(PluginCommand),
    /// Allow and block lists of an account or of a whole domain.
    #[command(subcommand)]
    List(ListCommand),
    /// The spam filter's model: train it from files, evaluate it on a labelled corpus.
    #[command(subcommand)]
    Spam(SpamCommand),
    /// Users' Sieve scripts (users manage their own over ManageSieve, port 4190).
    #[command(subcommand)]
    Sieve(SieveCommand),
    /// Copy mail from another provider over IMAP, in the background (`import status`).
    #[command(subcommand)]
    Import(crate::import::cli::ImportCommand),
    /// Redirects: forwarding of an account, virtual addresses (forward only).
    #[command(subcommand)]
    Redirect(redirects::RedirectCommand),
    /// Check a domain's DNS (MX, SPF, DKIM, DMARC) through the configured resolver and say what
    /// to publish. Exit status 1 when something is wrong.
    Doctor {
        /// One of this server's domains.
        domain: String,
    },
    /// Why did a message land there? Every stage's verdict for one message: sender
    /// authentication, each plugin (score, tags, explanation, time), Sieve, the folder per
    /// recipient and the outcome. QUEUE-ID is in the SMTP reply ("queued as …") and in the
    /// message's Received header ("id …").
    Trace {
        #[arg(value_name = "QUEUE-ID", required_unless_present = "recent")]
        queue_id: Option<String>,
        /// List the newest N traces instead (one line each).
        #[arg(long, value_name = "N", conflicts_with = "queue_id")]
        recent: Option<usize>,
    },
    /// Set up a production server for DOMAIN: write the config, create the domain, its DKIM
    /// key and a first account, and print every DNS record to publish.
    Setup(setup::SetupArgs),
    /// Certificates from an ACME CA (`[acme]`).
    #[command(subcommand)]
    Acme(AcmeCommand),
}

/// `mailsift acme …`.
#[derive(Debug, Subcommand)]
pub enum AcmeCommand {
    /// The ACME certificate's names and expiry (read from `data_dir/acme/`).
    Status,
}

/// `mailsift sieve …`: the administrator's side of what users do over ManageSieve. Works with
/// the server running (through its admin socket) or stopped.
#[derive(Debug, Subcommand)]
pub enum SieveCommand {
    /// Compile a script file and store it for ACCOUNT, replacing a script of the same name.
    Put {
        account: String,
        /// The script file, or `-` for standard input.
        file: PathBuf,
        /// The script's name (default: the file name without its extension).
        #[arg(long)]
        name: Option<String>,
        /// Also make it the active script (the one run on the account's incoming mail).
        #[arg(long)]
        activate: bool,
    },
    /// List ACCOUNT's scripts: name, size, and which one is active.
    List { account: String },
    /// Make NAME the active script of ACCOUNT, or with --none leave it without one.
    Activate {
        account: String,
        #[arg(required_unless_present = "none", conflicts_with = "none")]
        name: Option<String>,
        /// Deactivate: no script runs for the account.
        #[arg(long)]
        none: bool,
    },
    /// Print a script.
    Get { account: String, name: String },
    /// Delete a script (the active one must be deactivated first).
    Delete { account: String, name: String },
    /// Rename a script; it stays active if it was.
    Rename {
        account: String,
        from: String,
        to: String,
    },
    /// Compile a script file without storing it: `check [ACCOUNT] FILE`. Exit status 1, with
    /// `FILE: line N, column M: message`, when it has an error.
    Check {
        /// An optional account (it must exist), then the script file or `-` for standard input.
        #[arg(num_args = 1..=2, required = true, value_names = ["ACCOUNT", "FILE"])]
        args: Vec<String>,
    },
    /// Run SCRIPT on MESSAGE.eml outside the server and print the actions it would take
    /// (with the default `after` script when it takes no explicit filing action).
    Test {
        script: PathBuf,
        message: PathBuf,
        /// Envelope sender.
        #[arg(long, default_value = "sender@example.net", value_name = "ADDR")]
        from: String,
        /// Envelope recipient.
        #[arg(long, default_value = "user@example.org", value_name = "ADDR")]
        to: String,
        /// Tags as the plugins would give them (e.g. spam promotion).
        #[arg(long, num_args = 1.., value_name = "TAG")]
        tags: Vec<String>,
        /// The plugins' score (for spamtest).
        #[arg(long, value_name = "N")]
        score: Option<f64>,
    },
}

#[derive(Debug, Subcommand)]
pub enum SpamCommand {
    /// Train the global model of the installed spam plugin (and any plugin with a `learn` hook)
    /// from message files or folders of them.
    Train {
        /// Files or folders of spam.
        #[arg(long, num_args = 1.., value_name = "PATH")]
        spam: Vec<PathBuf>,
        /// Files or folders of ham (good mail).
        #[arg(long, num_args = 1.., value_name = "PATH")]
        ham: Vec<PathBuf>,
        /// Passes over the messages, spam and ham interleaved (the logistic model takes one
        /// step per message seen; Bayes counts each message once).
        #[arg(long, default_value_t = crate::plugins::eval::DEFAULT_PASSES, value_name = "N",
              value_parser = parse_passes)]
        passes: usize,
    },
    /// Train a fresh model from the train list only, score the test list, print precision,
    /// recall, false-positive rate, ROC AUC and throughput. A list has one `spam PATH` or
    /// `ham PATH` per line (scripts/fetch-spam-corpus.sh writes them for the SpamAssassin corpus).
    Eval {
        #[arg(long, value_name = "LIST")]
        train: PathBuf,
        /// Repeat to score several test lists with one trained model (one report each; with
        /// --json an array when more than one).
        #[arg(long, value_name = "LIST", required = true)]
        test: Vec<PathBuf>,
        /// The plugin component (default: spam.wasm in the plugin folder).
        #[arg(long, value_name = "WASM")]
        plugin: Option<PathBuf>,
        /// Also list the misclassified test messages with their scores.
        #[arg(long)]
        details: bool,
        /// Passes over the training list (as `spam train --passes`).
        #[arg(long, default_value_t = crate::plugins::eval::DEFAULT_PASSES, value_name = "N",
              value_parser = parse_passes)]
        passes: usize,
    },
}

/// `--passes`: 1 to 1000.
fn parse_passes(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if (1..=1000).contains(&n) => Ok(n),
        _ => Err(format!("`{s}` is not a number of passes (1 to 1000)")),
    }
}

/// Whose list: `--account ADDR` or `--domain DOMAIN` (all its accounts).
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct ListScopeArgs {
    /// One account's list.
    #[arg(long, value_name = "ADDRESS")]
    account: Option<String>,
    /// The list of every account of a domain.
    #[arg(long, value_name = "DOMAIN")]
    domain: Option<String>,
}

impl ListScopeArgs {
    fn scope(&self) -> crate::store::ListScope {
        match (&self.account, &self.domain) {
            (Some(a), _) => crate::store::ListScope::Account(a.clone()),
            (None, Some(d)) => crate::store::ListScope::Domain(d.clone()),
            // clap's group makes one of them required.
            (None, None) => crate::store::ListScope::Domain(String::new()),
        }
    }
}

/// Which list: `--allow` or `--block`.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct ListKindArgs {
    /// The allow list: the spam and promotions filters skip an authenticated sender on it.
    #[arg(long)]
    allow: bool,
    /// The block list: mail from a sender on it is refused (550 5.7.1).
    #[arg(long)]
    block: bool,
}

#[derive(Debug, Subcommand)]
pub enum ListCommand {
    /// Add ENTRY: an address (alice@example.com), a domain (example.com) or a domain with its
    /// subdomains (*.example.com).
    Add {
        #[command(flatten)]
        scope: ListScopeArgs,
        #[command(flatten)]
        kind: ListKindArgs,
        entry: String,
    },
    /// Remove ENTRY from whichever list of the scope holds it.
    Remove {
        #[command(flatten)]
        scope: ListScopeArgs,
        entry: String,
    },
    /// Show both lists of an account or a domain.
    Show {
        #[command(flatten)]
        scope: ListScopeArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum PluginCommand {
    /// Plugins in the plugin folder: version, description, state and (when the server runs)
    /// calls, errors and mean time per call.
    List,
    /// Set a plugin's setting for one account, e.g. `plugin set spam --account a@b.org
    /// enabled=false` (turns the spam filter off for that user). `KEY=` clears it.
    Set {
        plugin: String,
        #[arg(long, value_name = "ADDRESS")]
        account: String,
        /// KEY=VALUE
        setting: String,
    },
    /// Show a plugin's settings for one account.
    Get {
        plugin: String,
        #[arg(long, value_name = "ADDRESS")]
        account: String,
    },
    /// Print a plugin's stored keys and values (its key-value data), in key order.
    Kv {
        plugin: String,
        /// Only keys starting with this.
        #[arg(long, value_name = "P", default_value = "")]
        prefix: String,
        /// Only keys containing this account's address (e.g. its `settings/ADDRESS/…`).
        #[arg(long, value_name = "ADDRESS")]
        account: Option<String>,
        /// Show at most this many keys.
        #[arg(long, value_name = "N", default_value_t = admin::DEFAULT_KV_LIMIT)]
        limit: usize,
    },
    /// Run one plugin on one message outside the server and print its verdict and logs.
    Test {
        /// The plugin component (.wasm).
        plugin: PathBuf,
        /// The message (RFC 5322, e.g. a .eml file).
        message: PathBuf,
        /// MAIL FROM of the test envelope.
        #[arg(long, default_value = "sender@example.org", value_name = "ADDR")]
        from: String,
        /// RCPT TO of the test envelope (repeat for several).
        #[arg(long = "rcpt", value_name = "ADDR")]
        rcpt: Vec<String>,
    },
    /// Print the plugin interface (WIT) this server implements.
    Wit,
    /// Write a new plugin project (a folder outside any checkout is fine).
    New {
        /// The plugin's name: its package name and the file it builds (NAME.wasm).
        name: String,
        /// The plugin's language: rust, python or javascript.
        #[arg(long, default_value = "rust")]
        lang: String,
        /// Where to write the project (default: ./NAME). Must be new or empty.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
        /// Depend on the SDK at this path (default: this checkout's plugins/sdk when it exists,
        /// else the crates.io release).
        #[arg(long, value_name = "DIR")]
        sdk: Option<PathBuf>,
    },
    /// Build a plugin project into a component: Rust with cargo for wasm32-unknown-unknown and
    /// the component made inside mailsift; Python/JavaScript with componentize-py/-js.
    /// Writes DIR/NAME.wasm (or --out).
    Build {
        /// The project folder (default: the current folder).
        dir: Option<PathBuf>,
        /// Where to write the component.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum DomainCommand {
    /// Add a domain this server receives mail for.
    Add { name: String },
    /// List domains.
    List,
    /// Remove a domain (it must have no accounts left).
    Remove { name: String },
    /// Show a domain's DMARC handling, DKIM key and maintenance state.
    Show { name: String },
    /// Maintenance: mail is still received, but the domain's accounts cannot log in (IMAP,
    /// POP3, ManageSieve, submission) and their open sessions are ended.
    Maintenance {
        name: String,
        #[arg(value_parser = ["on", "off"])]
        state: String,
    },
    /// How inbound mail failing its sender's DMARC policy is handled for this domain's
    /// recipients (the server default is in [sender_auth]).
    Policy {
        name: String,
        /// When the sender publishes p=reject.
        #[arg(long, value_enum, value_name = "ACTION")]
        dmarc_reject: Option<admin::PolicySetting>,
        /// When the sender publishes p=quarantine (quarantine, annotate or default).
        #[arg(long, value_enum, value_name = "ACTION")]
        dmarc_quarantine: Option<admin::PolicySetting>,
    },
    /// Alias domains: the same mailboxes under another domain.
    #[command(subcommand)]
    Alias(DomainAliasCommand),
    /// Where mail for unknown addresses of the domain goes (an account or alias), or --none.
    CatchAll {
        name: String,
        #[arg(required_unless_present = "none", conflicts_with = "none")]
        address: Option<String>,
        /// No catch-all: unknown addresses are refused (550 5.1.1).
        #[arg(long)]
        none: bool,
    },
    /// Who postmaster@ and abuse@ of the domain reach (an account or alias), or --none for the
    /// default: `[submission] postmaster` if it is local, else the domain's oldest account.
    Admin {
        name: String,
        #[arg(required_unless_present = "none", conflicts_with = "none")]
        address: Option<String>,
        /// Back to the default.
        #[arg(long)]
        none: bool,
    },
    /// Make the domain's DKIM key (once) and print the DNS record to publish.
    Dkim {
        name: String,
        /// Replace the existing key with a new one.
        #[arg(long)]
        rotate: bool,
        /// `rsa` (the key every verifier accepts) or `ed25519` (an optional second key: mail is
        /// then signed with both, RFC 8463).
        #[arg(long, default_value = "rsa", value_parser = ["rsa", "ed25519"])]
        algorithm: String,
    },
    /// Domain settings: how many new addresses may be created per 24 hours (default 50,
    /// counting every address created in the domain; `account import-csv` enforces it).
    Set {
        name: String,
        /// A number, or `unlimited`.
        #[arg(long, value_name = "N|unlimited", value_parser = redirects::parse_per_day)]
        new_addresses_per_day: redirects::PerDay,
    },
}

/// `mailsift alias …`.
#[derive(Debug, Subcommand)]
pub enum AliasCommand {
    /// Give ACCOUNT the address ALIAS (in any of this server's domains): mail to it arrives in
    /// the account's mailbox and the account may send as it. At most `[accounts] max_aliases`.
    Add { account: String, alias: String },
    /// Take ALIAS from ACCOUNT.
    Remove { account: String, alias: String },
    /// List ACCOUNT's aliases.
    List { account: String },
}

/// `mailsift domain alias …`.
#[derive(Debug, Subcommand)]
pub enum DomainAliasCommand {
    /// Make ALIAS_DOMAIN (one of this server's domains) an alias domain of TARGET: every
    /// mailbox and alias of TARGET also receives under ALIAS_DOMAIN.
    Add {
        alias_domain: String,
        target: String,
    },
    /// ALIAS_DOMAIN is no longer an alias domain.
    Remove { alias_domain: String },
    /// List the alias domains.
    List,
}

#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// Create an account (its domain must exist) with its default folders.
    Add { address: String },
    /// List accounts, optionally of one domain.
    List {
        #[arg(long)]
        domain: Option<String>,
    },
    /// Delete an account with all its mail.
    Remove { address: String },
    /// Refuse all logins of an account (security incident); mail is still received.
    Block { address: String },
    /// Allow logins again.
    Unblock { address: String },
    /// Show an account: extra senders, sending limits, what it sent lately, its flag, its quota.
    Show { address: String },
    /// Set an account's storage quota: a size (`500M`, `2G`, bytes), `none` (unlimited) or
    /// `default` (`[accounts] default_quota_mb`).
    Quota {
        address: String,
        #[arg(value_parser = parse_quota)]
        size: QuotaArg,
    },
    /// The extra addresses an account may send as (shared mailboxes).
    Senders {
        address: String,
        #[command(subcommand)]
        action: SendersAction,
    },
    /// Set an account's sending limits (others keep the `[submission]` defaults).
    Limits {
        address: String,
        /// Messages per hour (0: no limit).
        #[arg(long)]
        per_hour: Option<u32>,
        /// Recipients per day (0: no limit).
        #[arg(long)]
        per_day: Option<u32>,
        /// Back to the `[submission]` defaults (before applying the options given).
        #[arg(long)]
        reset: bool,
    },
    /// Clear an account's sending flag after looking into it.
    Unflag { address: String },
    /// Create addresses from a CSV file (`-`: standard input) with the reference service's
    /// columns: local part; optional address to redirect to; optional `1` = delete after
    /// redirecting. The first line is a header. Prints a report per line with each created
    /// address's generated password (shown once).
    ImportCsv {
        file: PathBuf,
        #[arg(long)]
        domain: String,
    },
    /// Write a domain's addresses in the import-csv format (no passwords).
    ExportCsv {
        #[arg(long)]
        domain: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum SendersAction {
    /// Allow the account to send as ADDRESS.
    Add { sender: String },
    /// No longer allow it.
    Remove { sender: String },
    /// List them.
    List,
}

#[derive(Debug, Args)]
pub struct DeviceArgs {
    /// The account's address (also its login name).
    pub address: String,
    /// Who or what the password is for, e.g. "laptop" or "website contact form".
    #[arg(long)]
    pub device: String,
}

#[derive(Debug, Subcommand)]
pub enum PasswordCommand {
    /// Generate a password for a device; it is printed once and never again.
    Add(DeviceArgs),
    /// List an account's devices (never their passwords).
    List { address: String },
    /// Revoke a device's password.
    Remove(DeviceArgs),
}

#[derive(Debug, Subcommand)]
pub enum QueueCommand {
    /// Messages waiting for outbound delivery.
    List,
    /// One message: each recipient's state and every delivery attempt.
    Show { queue_id: String },
    /// Try a message again now instead of at its next scheduled attempt.
    Retry { queue_id: String },
    /// Remove a message from the queue without delivering it or telling the sender.
    Delete { queue_id: String },
}

/// `account quota`'s size: bytes (`Some(0)`: unlimited) or `None` for the default.
#[derive(Debug, Clone, Copy)]
pub struct QuotaArg(Option<u64>);

fn parse_quota(text: &str) -> Result<QuotaArg, String> {
    match text.to_ascii_lowercase().as_str() {
        "default" => Ok(QuotaArg(None)),
        "none" | "unlimited" => Ok(QuotaArg(Some(0))),
        other => crate::store::parse_size(other)
            .map(|n| QuotaArg(Some(n)))
            .ok_or_else(|| format!("{text}: expected a size such as 500M or 2G, none or default")),
    }
}

fn request_for(command: &Command, config: &Config) -> Option<AdminRequest> {
    use AdminRequest as R;
    Some(match command {
        Command::Trace {
            queue_id: Some(queue_id),
            ..
        } => R::TraceShow {
            queue_id: queue_id.clone(),
        },
        Command::Trace { recent, .. } => R::TraceRecent {
            limit: recent.unwrap_or(20),
        },
        Command::Setup(_) => return None,
        Command::Serve
        | Command::Plugin(PluginCommand::Test { .. })
        | Command::Plugin(PluginCommand::Wit)
        | Command::Plugin(PluginCommand::New { .. })
        | Command::Plugin(PluginCommand::Build { .. })
        | Command::Doctor { .. }
        | Command::Acme(_)
        | Command::Sieve(_)
        | Command::Import(_)
        // Its file is read in `run`.
        | Command::Account(AccountCommand::ImportCsv { .. })
        | Command::Spam(SpamCommand::Eval { .. }) => {
            return None;
        }
        Command::Redirect(c) => redirects::request(c),
        Command::Domain(DomainCommand::Set {
            name,
            new_addresses_per_day,
        }) => R::DomainNewAddresses {
            name: name.clone(),
            per_day: new_addresses_per_day.0,
        },
        Command::Account(AccountCommand::ExportCsv { domain }) => R::AccountExportCsv {
            domain: domain.clone(),
        },
        Command::Spam(SpamCommand::Train { spam, ham, passes }) => R::Learn {
            spam: absolute(spam),
            ham: absolute(ham),
            passes: *passes,
        },
        Command::Domain(DomainCommand::Show { name }) => R::DomainShow { name: name.clone() },
        Command::Domain(DomainCommand::Maintenance { name, state }) => R::DomainMaintenance {
            name: name.clone(),
            on: state == "on",
        },
        Command::Account(AccountCommand::Quota { address, size }) => R::AccountQuota {
            address: address.clone(),
            quota: size.0,
        },
        Command::Domain(DomainCommand::Policy {
            name,
            dmarc_reject,
            dmarc_quarantine,
        }) => R::DomainPolicy {
            name: name.clone(),
            dmarc_reject: *dmarc_reject,
            dmarc_quarantine: *dmarc_quarantine,
        },
        Command::Domain(DomainCommand::Dkim {
            name,
            rotate,
            algorithm,
        }) => R::DomainDkim {
            name: name.clone(),
            selector: config.sender_auth.dkim_selector.clone(),
            rotate: *rotate,
            algorithm: algorithm.clone(),
        },
        Command::Plugin(PluginCommand::List) => R::PluginList,
        Command::Plugin(PluginCommand::Set {
            plugin,
            account,
            setting,
        }) => {
            let (key, value) = setting.split_once('=').unwrap_or((setting.as_str(), ""));
            R::PluginSet {
                plugin: plugin.clone(),
                account: account.clone(),
                key: key.trim().to_string(),
                value: (!value.is_empty()).then(|| value.to_string()),
            }
        }
        Command::Plugin(PluginCommand::Get { plugin, account }) => R::PluginGet {
            plugin: plugin.clone(),
            account: account.clone(),
        },
        Command::Plugin(PluginCommand::Kv {
            plugin,
            prefix,
            account,
            limit,
        }) => R::PluginKv {
            plugin: plugin.clone(),
            prefix: prefix.clone(),
            account: account.clone(),
            limit: *limit,
        },
        Command::Alias(command) => R::AccountAliases {
            address: match command {
                AliasCommand::Add { account, .. }
                | AliasCommand::Remove { account, .. }
                | AliasCommand::List { account } => account.clone(),
            },
            change: match command {
                AliasCommand::Add { alias, .. } => admin::addresses::AliasOp::Add(alias.clone()),
                AliasCommand::Remove { alias, .. } => {
                    admin::addresses::AliasOp::Remove(alias.clone())
                }
                AliasCommand::List { .. } => admin::addresses::AliasOp::List,
            },
            max: config.accounts.max_aliases,
        },
        Command::Domain(DomainCommand::Alias(command)) => R::AliasDomains {
            change: match command {
                DomainAliasCommand::Add {
                    alias_domain,
                    target,
                } => admin::addresses::AliasDomainOp::Add {
                    alias_domain: alias_domain.clone(),
                    target: target.clone(),
                },
                DomainAliasCommand::Remove { alias_domain } => {
                    admin::addresses::AliasDomainOp::Remove {
                        alias_domain: alias_domain.clone(),
                    }
                }
                DomainAliasCommand::List => admin::addresses::AliasDomainOp::List,
            },
        },
        Command::Domain(DomainCommand::CatchAll { name, address, .. }) => R::DomainCatchAll {
            name: name.clone(),
            address: address.clone(),
        },
        Command::Domain(DomainCommand::Admin { name, address, .. }) => R::DomainAdmin {
            name: name.clone(),
            address: address.clone(),
        },
        Command::Domain(DomainCommand::Add { name }) => R::DomainAdd { name: name.clone() },
        Command::Domain(DomainCommand::List) => R::DomainList,
        Command::Domain(DomainCommand::Remove { name }) => R::DomainRemove { name: name.clone() },
        Command::Account(AccountCommand::Add { address }) => R::AccountAdd {
            address: address.clone(),
        },
        Command::Account(AccountCommand::List { domain }) => R::AccountList {
            domain: domain.clone(),
        },
        Command::Account(AccountCommand::Remove { address }) => R::AccountRemove {
            address: address.clone(),
        },
        Command::Account(AccountCommand::Block { address }) => R::AccountBlock {
            address: address.clone(),
            blocked: true,
        },
        Command::Account(AccountCommand::Unblock { address }) => R::AccountBlock {
            address: address.clone(),
            blocked: false,
        },
        Command::Account(AccountCommand::Show { address }) => R::AccountShow {
            address: address.clone(),
        },
        Command::Account(AccountCommand::Senders { address, action }) => R::AccountSenders {
            address: address.clone(),
            change: match action {
                SendersAction::Add { sender } => admin::SendersOp::Add(sender.clone()),
                SendersAction::Remove { sender } => admin::SendersOp::Remove(sender.clone()),
                SendersAction::List => admin::SendersOp::List,
            },
        },
        Command::Account(AccountCommand::Limits {
            address,
            per_hour,
            per_day,
            reset,
        }) => R::AccountLimits {
            address: address.clone(),
            per_hour: *per_hour,
            per_day: *per_day,
            reset: *reset,
        },
        Command::Account(AccountCommand::Unflag { address }) => R::AccountUnflag {
            address: address.clone(),
        },
        Command::Password(PasswordCommand::Add(a)) => R::PasswordAdd {
            address: a.address.clone(),
            device: a.device.clone(),
        },
        Command::Password(PasswordCommand::List { address }) => R::PasswordList {
            address: address.clone(),
        },
        Command::Password(PasswordCommand::Remove(a)) => R::PasswordRemove {
            address: a.address.clone(),
            device: a.device.clone(),
        },
        Command::Queue(QueueCommand::List) => R::QueueList,
        Command::Queue(QueueCommand::Show { queue_id }) => R::QueueShow {
            queue_id: queue_id.clone(),
        },
        Command::Queue(QueueCommand::Retry { queue_id }) => R::QueueRetry {
            queue_id: queue_id.clone(),
        },
        Command::Queue(QueueCommand::Delete { queue_id }) => R::QueueDelete {
            queue_id: queue_id.clone(),
        },
        Command::List(ListCommand::Add { scope, kind, entry }) => R::ListAdd {
            scope: scope.scope(),
            kind: if kind.block {
                crate::store::ListKind::Block
            } else {
                crate::store::ListKind::Allow
            },
            entry: entry.clone(),
        },
        Command::List(ListCommand::Remove { scope, entry }) => R::ListRemove {
            scope: scope.scope(),
            entry: entry.clone(),
        },
        Command::List(ListCommand::Show { scope }) => R::ListShow {
            scope: scope.scope(),
        },
    })
}

/// The server may run in another directory: give it absolute paths.
fn absolute(paths: &[PathBuf]) -> Vec<PathBuf> {
    paths
        .iter()
        .map(|p| std::path::absolute(p).unwrap_or_else(|_| p.clone()))
        .collect()
}

/// Runs an admin request through the server if it is up, else on the store file.
pub async fn run_admin(config: &Config, request: AdminRequest) -> anyhow::Result<AdminReply> {
    let socket = config.admin_socket_path();
    if socket.exists()
        && let Some(response) = admin::socket::request(&socket, &request).await?
    {
        return response.into_result().map_err(anyhow::Error::msg);
    }
    let store = match Store::open_with(
        &config.db_path(),
        crate::store::StoreOptions {
            cache_bytes: config.store.cache_bytes(),
            kv_cache_bytes: config.plugins.kv_cache_bytes(),
            kv_filter_bytes: config.plugins.kv_filter_bytes(),
        },
    ) {
        Ok(store) => store,
        Err(StoreError::Locked(path)) => anyhow::bail!(
            "{path} is in use, but the server's admin socket {} does not answer",
            socket.display()
        ),
        Err(e) => return Err(e.into()),
    };
    if matches!(request, AdminRequest::Learn { .. }) {
        // Learning runs the plugins: load them over the store, as the server would.
        let host = crate::plugins::PluginHost::new(
            config,
            std::sync::Arc::new(crate::plugins::StoreKv(store.clone())),
        )?;
        host.load_all();
        let host = std::sync::Arc::new(host);
        return Ok(admin::execute_with(&store, Some(&host), request).await?);
    }
    Ok(admin::execute(&store, request).await?)
}

async fn spam_eval(
    config: &Config,
    train: &std::path::Path,
    tests: &[PathBuf],
    plugin: Option<&std::path::Path>,
    passes: usize,
    json: bool,
    details: bool,
) -> anyhow::Result<()> {
    use crate::plugins::eval;
    let train = eval::read_list(train).map_err(anyhow::Error::msg)?;
    let tests = tests
        .iter()
        .map(|t| eval::read_list(t))
        .collect::<Result<Vec<_>, _>>()
        .map_err(anyhow::Error::msg)?;
    let wasm = plugin
        .map(std::path::Path::to_path_buf)
        .unwrap_or_else(|| config.plugin_dir().join("spam.wasm"));
    anyhow::ensure!(
        wasm.is_file(),
        "{} not found: build the plugins (scripts/build-plugins.sh) and pass --plugin plugins/dist/spam.wasm",
        wasm.display()
    );
    let config = config.clone();
    let reports = tokio::task::spawn_blocking(move || {
        let scratch = tempfile_dir()?;
        let r = eval::evaluate_many(&config, &wasm, &train, &tests, passes, &scratch);
        let _ = std::fs::remove_dir_all(&scratch);
        Ok::<_, anyhow::Error>(r?)
    })
    .await??;
    if json {
        match reports.as_slice() {
            [one] => println!("{}", serde_json::to_string_pretty(one)?),
            many => println!("{}", serde_json::to_string_pretty(many)?),
        }
    } else {
        for report in &reports {
            print!("{}", report.render());
            if details {
                print!("{}", report.render_misclassified());
            }
        }
    }
    Ok(())
}

/// A fresh scratch folder for a standalone plugin host.
fn tempfile_dir() -> anyhow::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!(
        "mailsift-eval-{}-{}",
        std::process::id(),
        chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()
    ));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// `plugin wit`, `plugin new` and `plugin build`; `None` for the other plugin commands.
fn plugin_author(command: &PluginCommand) -> Option<anyhow::Result<()>> {
    use crate::plugins::{author, author_lang};
    Some(match command {
        PluginCommand::Wit => {
            print!("{}", author::WIT);
            Ok(())
        }
        PluginCommand::New {
            name,
            lang,
            dir,
            sdk,
        } => (|| {
            let lang = author_lang::Lang::parse(lang)?;
            let dir = match lang {
                author_lang::Lang::Rust => author::new_rust(name, dir.as_deref(), sdk.as_deref())?,
                _ => author_lang::new_project(name, lang, dir.as_deref())?,
            };
            println!(
                "created {} ({lang:?}). Build it with: mailsift plugin build {}",
                dir.display(),
                dir.display()
            );
            Ok(())
        })(),
        PluginCommand::Build { dir, out } => {
            let dir = dir.clone().unwrap_or_else(|| PathBuf::from("."));
            // The language from the project's files (Cargo.toml, app.py, package.json/app.js).
            match author_lang::Lang::detect(&dir) {
                Some(lang @ (author_lang::Lang::Python | author_lang::Lang::JavaScript)) => {
                    author_lang::build(&dir, lang, out.as_deref())
                        .map(|w| println!("{}", w.display()))
                }
                _ => author::build(&dir, out.as_deref()).map(|written| {
                    for w in written {
                        println!("{}", w.display());
                    }
                }),
            }
        }
        _ => return None,
    })
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    if let Command::Setup(args) = &cli.command {
        // Writes the config rather than reading it.
        return setup::run(cli.config.as_deref(), args, cli.json).await;
    }
    // Plugin authoring needs no configuration (a plugin author may have no server).
    if let Command::Plugin(command) = &cli.command
        && let Some(result) = plugin_author(command)
    {
        return result;
    }
    let config = Config::load(cli.config.as_deref())?;
    if let Command::Plugin(PluginCommand::Test {
        plugin,
        message,
        from,
        rcpt,
    }) = &cli.command
    {
        return plugin_test(&config, plugin, message, from, rcpt, cli.json).await;
    }
    if let Command::Doctor { domain } = &cli.command {
        return doctor(&config, domain, cli.json).await;
    }
    if let Command::Acme(AcmeCommand::Status) = &cli.command {
        print!("{}", crate::acme::client::status_text(&config));
        return Ok(());
    }
    if let Command::Sieve(command) = &cli.command {
        return sieve_command(&config, command, cli.json).await;
    }
    if let Command::Import(command) = &cli.command {
        return crate::import::cli::run(&config, command, cli.json).await;
    }
    if let Command::Spam(SpamCommand::Eval {
        train,
        test,
        plugin,
        details,
        passes,
    }) = &cli.command
    {
        return spam_eval(
            &config,
            train,
            test,
            plugin.as_deref(),
            *passes,
            cli.json,
            *details,
        )
        .await;
    }
    if let Command::Account(AccountCommand::ImportCsv { file, domain }) = &cli.command {
        let result = run_admin(&config, redirects::import_request(file, domain)?).await?;
        if cli.json {
            println!("{}", serde_json::to_string_pretty(&result.to_json())?);
        } else {
            print_human(&result);
        }
        return Ok(());
    }
    let Some(request) = request_for(&cli.command, &config) else {
        crate::server::serve(config).await?;
        return Ok(());
    };
    let result = match request {
        AdminRequest::PluginList => plugin_list(&config).await?,
        request => run_admin(&config, request).await?,
    };
    if cli.json {
        println!("{}", serde_json::to_string_pretty(&result.to_json())?);
    } else {
        print_human(&result);
    }
    Ok(())
}

/// The running server's plugins (with counters); when it is stopped, the folder's plugins as they
/// would load, with zero counters.
async fn plugin_list(config: &Config) -> anyhow::Result<AdminReply> {
    let socket = config.admin_socket_path();
    if socket.exists()
        && let Some(response) = admin::socket::request(&socket, &AdminRequest::PluginList).await?
    {
        return response.into_result().map_err(anyhow::Error::msg);
    }
    let config = config.clone();
    let rows = tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
        let host = crate::plugins::PluginHost::new(
            &config,
            std::sync::Arc::new(crate::plugins::MemoryKv::default()),
        )?;
        host.load_all();
        Ok(host.status())
    })
    .await??;
    Ok(AdminReply::Plugins(rows))
}

async fn plugin_test(
    config: &Config,
    plugin: &std::path::Path,
    message: &std::path::Path,
    from: &str,
    rcpt: &[String],
    json: bool,
) -> anyhow::Result<()> {
    let raw = std::fs::read(message)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", message.display()))?;
    let rcpt = if rcpt.is_empty() {
        vec!["recipient@example.com".to_string()]
    } else {
        rcpt.to_vec()
    };
    let (config, plugin, from) = (config.clone(), plugin.to_path_buf(), from.to_string());
    let report = tokio::task::spawn_blocking(move || {
        crate::plugins::test_plugin(&config, &plugin, &raw, &from, &rcpt)
    })
    .await??;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        let p = &report.plugin;
        println!(
            "plugin   {} {} — {}",
            s(p, "name"),
            s(p, "version"),
            s(p, "description")
        );
        for r in &report.recipients {
            match r.get("error").and_then(Value::as_str) {
                Some(e) => println!("rcpt     <{}>: plugin failed: {e}", s(r, "recipient")),
                None => println!("rcpt     <{}>: {}", s(r, "recipient"), s(r, "smtp")),
            }
        }
        match (&report.verdict, &report.error) {
            (Some(v), _) => println!("verdict  {}", serde_json::to_string(v)?),
            (None, Some(e)) => println!("error    {e}"),
            (None, None) => {}
        }
        println!("time     {} µs", report.elapsed_us);
        println!(
            "work     {} fuel = {:.1}% of the CPU budget",
            report.fuel, report.budget_pct
        );
        for w in &report.kv_writes {
            match w.get("increment") {
                Some(d) => println!("kv       {} += {d}", s(w, "key")),
                None => println!(
                    "kv       {} = {}",
                    s(w, "key"),
                    w.get("value").map(|v| v.to_string()).unwrap_or_default()
                ),
            }
        }
        if report.logs.is_empty() {
            println!("logs     (none)");
        }
        for l in &report.logs {
            println!("log      [{}] {}", l.level, l.message);
        }
    }
    if report.error.is_some() {
        // The report says why; exit status 1 tells scripts the plugin failed.
        std::process::exit(1);
    }
    Ok(())
}

/// `mailsift doctor`: our DKIM key from the store (through the server when it runs), the DNS
/// checks from this process, through the configured resolver.
async fn doctor(config: &Config, domain: &str, json: bool) -> anyhow::Result<()> {
    let shown = run_admin(
        config,
        AdminRequest::DomainShow {
            name: domain.to_string(),
        },
    )
    .await
    .map_err(|e| {
        anyhow::anyhow!("{e} (doctor checks this server's domains: `mailsift domain add {domain}`)")
    })?;
    let AdminReply::Domain(shown) = shown else {
        anyhow::bail!("unexpected reply from the server: {}", shown.to_json());
    };
    let public = |k: &crate::admin::reply::DkimInfo| DkimKey {
        selector: k.selector.clone(),
        algorithm: k.algorithm.clone(),
        private_key: String::new(),
        public_key: k.public_key.clone(),
        created: 0,
    };
    let dkim = shown.dkim.as_ref().map(public);
    let dkim_ed25519 = shown.dkim_ed25519.as_deref().map(public);
    let resolver = crate::auth::authenticator(&config.dns)?;
    let report = crate::auth::doctor::check(
        &resolver,
        &shown.domain,
        &crate::auth::doctor::Server {
            hostname: &config.hostname,
            dkim: dkim.as_ref(),
            dkim_ed25519: dkim_ed25519.as_ref(),
        },
    )
    .await;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report.render());
    }
    if !report.ok {
        // The report says what is wrong; the status tells scripts.
        std::process::exit(1);
    }
    Ok(())
}

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

fn print_domain(d: &DomainInfo) {
    println!("domain            {}", d.domain);
    println!("added             {}", d.created);
    println!("DMARC p=reject    {}", d.dmarc_reject);
    println!("DMARC p=quarantine {}", d.dmarc_quarantine);
    match &d.dkim {
        None => println!(
            "DKIM key          none (make one with `mailsift domain dkim {}`)",
            d.domain
        ),
        Some(k) => {
            println!(
                "DKIM key          selector {}, {} (made {})",
                k.selector, k.algorithm, k.created
            );
            println!("publish this TXT record:");
            println!("{}. 3600 IN TXT \"{}\"", k.record_name, k.record_value);
        }
    }
    if d.maintenance {
        println!("maintenance       ON: logins refused, mail still received");
    } else {
        println!("maintenance       off");
    }
    if let Some(k) = &d.dkim_ed25519 {
        println!(
            "DKIM key (2nd)    selector {}, {} (made {})",
            k.selector, k.algorithm, k.created
        );
        println!("publish this TXT record:");
        println!("{}. 3600 IN TXT \"{}\"", k.record_name, k.record_value);
    }
    print_domain_addressing(d);
}

fn print_domain_addressing(d: &DomainInfo) {
    if let Some(target) = &d.alias_of {
        println!("alias domain of   {target} (its mailboxes and aliases receive here too)");
    }
    if !d.alias_domains.is_empty() {
        println!("alias domains     {}", d.alias_domains.join(", "));
    }
    println!(
        "catch-all         {}",
        d.catch_all.as_deref().unwrap_or("none")
    );
    match (&d.postmaster, &d.postmaster_source) {
        (Some(p), Some(source)) => println!("postmaster/abuse  {p} ({source})"),
        _ => println!(
            "postmaster/abuse  nobody: refused until the domain has an account (or `mailsift domain admin {} ADDRESS`)",
            d.domain
        ),
    }
}

fn print_account(a: &crate::admin::reply::AccountShown) {
    let limit = |v: Option<u32>| match v {
        Some(0) => "no limit".to_string(),
        Some(n) => n.to_string(),
        None => "default ([submission])".to_string(),
    };
    println!("account           {}", a.address);
    println!("created           {}", a.created);
    println!("blocked           {}", if a.blocked { "yes" } else { "no" });
    println!(
        "may also send as  {}",
        if a.send_as.is_empty() {
            "-".to_string()
        } else {
            a.send_as.join(", ")
        }
    );
    println!(
        "aliases           {}",
        if a.aliases.is_empty() {
            "-".to_string()
        } else {
            a.aliases.join(", ")
        }
    );
    println!("messages per hour {}", limit(a.per_hour));
    println!("recipients/day    {}", limit(a.per_day));
    println!(
        "sent              {} messages in the last hour, {} recipients in the last 24 hours",
        a.sent_last_hour, a.recipients_last_day
    );
    println!(
        "refused           {} times by its limits or the spam check in the last 24 hours",
        a.limit_refusals_last_day
    );
    let mb = |b: u64| format!("{:.1} MB", b as f64 / (1u64 << 20) as f64);
    println!(
        "storage           {} in {} messages, limit {}",
        mb(a.quota_used),
        a.quota_messages,
        match a.quota_limit {
            None => "none".to_string(),
            Some(l) if a.quota_default => format!("{} (default)", mb(l)),
            Some(l) => mb(l),
        }
    );
    match &a.flagged_since {
        Some(since) => println!(
            "FLAGGED           since {since}: its sending limits keep tripping (clear with `mailsift account unflag {}`)",
            a.address
        ),
        None => println!("flagged           no"),
    }
}

/// A reply as people read it. Each kind of reply has one rendering, whichever command asked.
fn print_human(reply: &AdminReply) {
    if redirects::print(reply) {
        return;
    }
    match reply {
        AdminReply::ImportQueued(_) | AdminReply::ImportJobs(_) => crate::import::cli::print(reply),
        AdminReply::DomainCreated(d) => println!("Added domain {}", d.what.domain),
        AdminReply::DomainRemoved(r) => println!("Removed domain {}", r.removed),
        AdminReply::AccountRemoved(r) => println!("Removed account {}", r.removed),
        AdminReply::Domain(d) => print_domain(d),
        AdminReply::PluginSetting(p) => match &p.value {
            Some(v) => println!("{}: {} = {} for {}", p.plugin, p.key, v, p.account),
            None => println!("{}: {} cleared for {}", p.plugin, p.key, p.account),
        },
        AdminReply::PluginSettings(p) => {
            if p.settings.is_empty() {
                println!("{}: no settings for {}", p.plugin, p.account);
            }
            for (k, v) in &p.settings {
                println!("{k}={v}");
            }
        }
        AdminReply::PluginKv(p) => {
            if p.entries.is_empty() {
                println!("{}: no keys", p.plugin);
            }
            for e in &p.entries {
                let more = if e.size > KvEntry::SHOWN { "…" } else { "" };
                match e.hex {
                    true => println!("{} = 0x{}{more} ({} bytes)", e.key, e.value, e.size),
                    false => println!("{} = {}{more}", e.key, e.value),
                }
            }
            if p.total > p.entries.len() as u64 {
                println!(
                    "({} of {} keys shown; --limit N for more)",
                    p.entries.len(),
                    p.total
                );
            }
        }
        AdminReply::Learned(l) => println!(
            "Learnt {} spam and {} ham messages ({} passes){}",
            l.spam,
            l.ham,
            l.passes,
            if l.unreadable > 0 {
                format!(" ({} unreadable files skipped)", l.unreadable)
            } else {
                String::new()
            }
        ),
        AdminReply::ListAdded(l) => {
            println!("Added {} to the {} list of {}", l.entry, l.list, l.scope)
        }
        AdminReply::ListRemoved(l) => {
            println!(
                "Removed {} from the {} list of {}",
                l.removed, l.list, l.scope
            )
        }
        AdminReply::ListShown(l) => {
            if l.entries.is_empty() {
                println!("The lists of {} are empty", l.scope);
            }
            for e in &l.entries {
                println!("{}\t{}\t(added {})", e.list, e.entry, e.created);
            }
        }
        AdminReply::Domains(rows) => {
            for d in rows {
                println!(
                    "{}\t(added {}){}",
                    d.what.domain,
                    d.created,
                    if d.what.maintenance {
                        "\tMAINTENANCE"
                    } else {
                        ""
                    }
                );
            }
        }
        AdminReply::AccountCreated(a) => {
            println!(
                "Created account {} with its default folders",
                a.what.address
            );
            println!(
                "Next: give it a device password with `mailsift password add {} --device NAME`",
                a.what.address
            );
        }
        AdminReply::AccountShown(a) => print_account(a),
        AdminReply::Aliases(a) => {
            if let Some(alias) = &a.added {
                println!(
                    "Added alias {alias} to {} ({} of {}); the account was told by mail",
                    a.address,
                    a.aliases.len(),
                    a.max
                );
            } else if let Some(alias) = &a.removed {
                println!(
                    "Removed alias {alias} from {}; the account was told by mail",
                    a.address
                );
            } else if a.aliases.is_empty() {
                println!("{} has no aliases", a.address);
            } else {
                for r in &a.aliases {
                    println!("{}\t(added {})", r.alias, r.created);
                }
            }
        }
        AdminReply::AliasDomains(d) => {
            if let Some(r) = &d.added {
                println!("{} is now an alias domain of {}", r.alias_domain, r.target);
            } else if let Some(r) = &d.removed {
                println!(
                    "{} is no longer an alias domain of {}",
                    r.alias_domain, r.target
                );
            } else if d.alias_domains.is_empty() {
                println!("No alias domains.");
            } else {
                for r in &d.alias_domains {
                    println!("{}\t→ {}", r.alias_domain, r.target);
                }
            }
        }
        AdminReply::AccountSenders(a) => {
            if a.senders.is_empty() {
                println!("{} may send only as itself", a.address);
            }
            for s in &a.senders {
                println!("{s}");
            }
        }
        AdminReply::AccountBlocked(a) => println!(
            "{} is now {}",
            a.address,
            if a.blocked { "blocked" } else { "unblocked" }
        ),
        AdminReply::Accounts(rows) => {
            for a in rows {
                println!(
                    "{}\t(created {}){}",
                    a.address,
                    a.created,
                    if a.blocked { "\tBLOCKED" } else { "" }
                );
            }
        }
        AdminReply::NewPassword(p) => {
            println!(
                "Password for device \"{}\" of {} (shown once; it cannot be displayed again):",
                p.device, p.address
            );
            println!();
            println!("    {}", p.password);
            println!();
            println!("Username: {}", p.address);
        }
        AdminReply::PasswordRemoved(p) => println!(
            "Revoked the password of device \"{}\" of {}",
            p.removed_device, p.address
        ),
        AdminReply::Passwords(rows) => {
            if rows.is_empty() {
                println!("No device passwords.");
            }
            for p in rows {
                println!(
                    "{}\tcreated {}\tlast used {}",
                    p.device,
                    p.created,
                    p.last_used.as_deref().unwrap_or("never used")
                );
            }
        }
        AdminReply::Queue(rows) => {
            if rows.is_empty() {
                println!("The queue is empty.");
            }
            for q in rows {
                println!(
                    "{}\t{}\tfrom <{}>\tto {}\tattempts {}\tnext {}",
                    q.queue_id,
                    q.created,
                    q.from,
                    q.recipients.join(", "),
                    q.attempts,
                    q.next_attempt
                );
            }
        }
        AdminReply::QueueEntry(q) => {
            println!("Queue id:     {}", q.queue_id);
            println!("From:         <{}>", q.from);
            println!("Size:         {} bytes", q.size);
            println!("Queued:       {}", q.created);
            println!("Attempts:     {}", q.attempts);
            println!("Next attempt: {}", q.next_attempt);
            if q.warned {
                println!("Delay warning sent to the sender.");
            }
            println!("Recipients:");
            for r in &q.recipients {
                println!("  {}\t{}\t{}", r.recipient, r.status, r.reply);
            }
            println!("Attempts log:");
            for a in &q.log {
                println!("  {}\t{}\t{}", a.time, a.recipient, a.result);
            }
        }
        AdminReply::QueueChanged(c) => match c.action.as_str() {
            "delete" => println!("Removed {} from the queue.", c.queue_id),
            _ => println!("{} will be tried again now.", c.queue_id),
        },
        AdminReply::Plugins(rows) => {
            if rows.is_empty() {
                println!("No plugins.");
            }
            for p in rows {
                println!(
                    "{}\t{}\t{}\tcalls {}\terrors {}\tmean {:.1} µs\tpeak {:.1}% of CPU budget{}",
                    p.name,
                    if p.version.is_empty() {
                        "-"
                    } else {
                        &p.version
                    },
                    p.state,
                    p.calls,
                    p.errors,
                    p.mean_us,
                    p.peak_budget_pct,
                    if p.hooks.is_empty() {
                        String::new()
                    } else {
                        format!("\thooks {}", p.hooks.join(","))
                    },
                );
                if !p.description.is_empty() {
                    println!("\t{}", p.description);
                }
                if let Some(e) = &p.error {
                    println!("\terror: {e}");
                }
            }
        }
        AdminReply::SieveStored(r) => println!(
            "Stored script \"{}\" for {} ({} bytes){}",
            r.name,
            r.account,
            r.size,
            if r.active { ", active" } else { "" }
        ),
        AdminReply::SieveScripts(rows) => {
            if rows.is_empty() {
                println!("No scripts.");
            }
            for r in rows {
                println!(
                    "{}\t{} bytes{}",
                    r.name,
                    r.size,
                    if r.active { "\tACTIVE" } else { "" }
                );
            }
        }
        // Exactly the stored text, so that `get … > file` round-trips.
        AdminReply::SieveScript(r) => print!("{}", r.script),
        AdminReply::SieveActive(r) => match &r.active {
            Some(name) => println!("\"{name}\" is now the active script of {}", r.account),
            None => println!("{} has no active script now", r.account),
        },
        AdminReply::SieveDeleted(r) => {
            println!("Deleted script \"{}\" of {}", r.deleted, r.account)
        }
        AdminReply::SieveRenamed(r) => println!(
            "Renamed script \"{}\" of {} to \"{}\"",
            r.from, r.account, r.to
        ),
        AdminReply::Trace(t) => print!("{}", trace::render(t)),
        AdminReply::Traces(rows) => print!("{}", trace::render_recent(rows)),
        // Shown by `redirects::print` above.
        AdminReply::Redirect(_)
        | AdminReply::Redirects(_)
        | AdminReply::RedirectRemoved(_)
        | AdminReply::NewAddressLimit(_)
        | AdminReply::CsvImport(_)
        | AdminReply::CsvExport(_) => {}
    }
}

/// A script from a file, or from standard input for `-`.
fn read_script(file: &std::path::Path) -> anyhow::Result<String> {
    let bytes = if file == std::path::Path::new("-") {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut buf)?;
        buf
    } else {
        std::fs::read(file).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?
    };
    String::from_utf8(bytes)
        .map_err(|_| anyhow::anyhow!("{}: a Sieve script is UTF-8 text", file.display()))
}

/// `mailsift sieve …`.
async fn sieve_command(config: &Config, command: &SieveCommand, json: bool) -> anyhow::Result<()> {
    use AdminRequest as R;
    let request = match command {
        SieveCommand::Check { args } => return sieve_check(config, args, json).await,
        SieveCommand::Test {
            script,
            message,
            from,
            to,
            tags,
            score,
        } => {
            let text = std::fs::read_to_string(script)
                .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", script.display()))?;
            let raw = std::fs::read(message)
                .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", message.display()))?;
            let (config, from, to, tags, score) = (
                config.clone(),
                from.clone(),
                to.clone(),
                tags.clone(),
                *score,
            );
            let actions = tokio::task::spawn_blocking(move || {
                crate::sieve::dry_run::dry_run(&config, &text, &raw, &from, &to, &tags, score)
            })
            .await?
            .map_err(|e| anyhow::anyhow!("{}: {e}", script.display()))?;
            if json {
                println!("{}", serde_json::to_string_pretty(&actions)?);
            } else {
                for a in &actions {
                    println!("{:<24} {}", a.action, a.detail);
                }
            }
            return Ok(());
        }
        SieveCommand::Put {
            account,
            file,
            name,
            activate,
        } => {
            let script = read_script(file)?;
            let name = match name {
                Some(n) => n.clone(),
                None => file
                    .file_stem()
                    .filter(|_| file != std::path::Path::new("-"))
                    .map(|s| s.to_string_lossy().into_owned())
                    .ok_or_else(|| anyhow::anyhow!("give the script a name with --name"))?,
            };
            // Checked here first, so that the error names the file; the server checks again.
            if let Err(e) = crate::sieve::scripts::validate(script.as_bytes(), &config.sieve.limits)
            {
                anyhow::bail!("{}: {e}", file.display());
            }
            R::SievePut {
                account: account.clone(),
                name,
                script,
                activate: *activate,
                limits: config.sieve.limits,
            }
        }
        SieveCommand::List { account } => R::SieveList {
            account: account.clone(),
        },
        SieveCommand::Activate { account, name, .. } => R::SieveActivate {
            account: account.clone(),
            name: name.clone(),
        },
        SieveCommand::Get { account, name } => R::SieveGet {
            account: account.clone(),
            name: name.clone(),
        },
        SieveCommand::Delete { account, name } => R::SieveDelete {
            account: account.clone(),
            name: name.clone(),
        },
        SieveCommand::Rename { account, from, to } => R::SieveRename {
            account: account.clone(),
            from: from.clone(),
            to: to.clone(),
        },
    };
    let result = run_admin(config, request).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&result.to_json())?);
    } else {
        print_human(&result);
    }
    Ok(())
}

/// `mailsift sieve check [ACCOUNT] FILE`: compiles with the configured limits, stores nothing.
async fn sieve_check(config: &Config, args: &[String], json: bool) -> anyhow::Result<()> {
    let (account, file) = match args {
        [file] => (None, file),
        [account, file] => (Some(account), file),
        _ => anyhow::bail!("usage: mailsift sieve check [ACCOUNT] FILE"),
    };
    if let Some(account) = account {
        // The account must exist; listing its scripts tells, server running or not.
        run_admin(
            config,
            AdminRequest::SieveList {
                account: account.clone(),
            },
        )
        .await?;
    }
    let path = PathBuf::from(file);
    let script = read_script(&path)?;
    match crate::sieve::check_script(script.as_bytes(), &config.sieve.limits) {
        Ok(_) => {
            if json {
                println!("{}", serde_json::json!({ "file": file, "ok": true }));
            } else {
                println!("{file}: OK");
            }
            Ok(())
        }
        Err(e) => {
            if json {
                println!(
                    "{}",
                    serde_json::json!({
                        "file": file,
                        "ok": false,
                        "line": e.line,
                        "column": e.column,
                        "message": e.message,
                    })
                );
            } else {
                eprintln!("{file}: {e}");
            }
            // The message says what is wrong; the status tells scripts.
            std::process::exit(1);
        }
    }
}
