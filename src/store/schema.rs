//! Every redb table, in one place. Values are JSON (serde) so that records can grow fields with
//! `#[serde(default)]` without a migration; keys are typed so that range scans stay cheap.

use redb::TableDefinition;

/// Bumped when a change needs a migration; checked on open.
pub const SCHEMA_VERSION: u64 = 1;

/// "schema_version" and id counters ("account", "mailbox", "queue").
pub const META: TableDefinition<&str, u64> = TableDefinition::new("meta");

/// Domain name (lower case) → `Domain`.
pub const DOMAINS: TableDefinition<&str, &[u8]> = TableDefinition::new("domains");

/// Address (lower case) → `Account`.
pub const ACCOUNTS: TableDefinition<&str, &[u8]> = TableDefinition::new("accounts");

/// Account id → address, to find an account from a mailbox record.
pub const ACCOUNT_IDS: TableDefinition<u64, &str> = TableDefinition::new("account_ids");

/// Account id → `SendRecord`: what the account submitted lately (sending limits, flag).
pub const SENDING: TableDefinition<u64, &[u8]> = TableDefinition::new("sending");

/// (address, device name) → `DevicePassword` (argon2id hash, dates).
pub const PASSWORDS: TableDefinition<(&str, &str), &[u8]> = TableDefinition::new("passwords");

/// (account id, mailbox name) → mailbox id.
pub const MAILBOX_NAMES: TableDefinition<(u64, &str), u64> = TableDefinition::new("mailbox_names");

/// Mailbox id → `Mailbox` (UIDVALIDITY, UIDNEXT, special use, subscription, modseq).
pub const MAILBOXES: TableDefinition<u64, &[u8]> = TableDefinition::new("mailboxes");

/// (mailbox id, UID) → `MessageMeta` (blob hash, size, internal date, flags, modseq).
pub const MESSAGES: TableDefinition<(u64, u32), &[u8]> = TableDefinition::new("messages");

/// SHA-256 of the content → the raw message. Stored once however many mailboxes hold it.
pub const BLOBS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("blobs");

/// SHA-256 → number of `MESSAGES` (and queue entries) that reference the blob.
pub const BLOB_REFS: TableDefinition<&[u8], u64> = TableDefinition::new("blob_refs");

/// Queue id → `QueuedMessage`: mail waiting for outbound delivery.
pub const QUEUE: TableDefinition<u64, &[u8]> = TableDefinition::new("queue");

/// (next attempt, queue id) → (): the queue's entries in the order they fall due, so that the
/// delivery task reads only the due ones. Written with every change of an entry's next attempt
/// (`queue.rs`); built from `QUEUE` when a store without it is opened.
pub const QUEUE_DUE: TableDefinition<(i64, u64), ()> = TableDefinition::new("queue_due");

/// (plugin name, key) → value: each plugin's private key-value store. The plugin name is part of
/// the key and set by the host, never by the plugin, so no plugin can reach another's keys.
pub const PLUGIN_KV: TableDefinition<(&str, &str), &[u8]> = TableDefinition::new("plugin_kv");

/// (scope, entry) → `ListEntry`: allow and block lists. The scope is `account:ADDRESS` or
/// `domain:DOMAIN`; the entry is an address, a domain, or `*.domain` (the domain and its
/// subdomains). One entry is on one list per scope, so a point lookup finds it.
pub const LISTS: TableDefinition<(&str, &str), &[u8]> = TableDefinition::new("lists");

/// Sequence number → `TrainingEvent`: a user's action that classifies a message (moved into or
/// out of Junk, Promotions or SocialNetworks; `$Junk`/`$NotJunk` set), written in the same
/// transaction as the action and consumed by the learner, which calls the plugins' `learn`.
pub const TRAINING: TableDefinition<u64, &[u8]> = TableDefinition::new("training");

/// (account id, script name) → `SieveScript`: users' Sieve scripts (RFC 5228), managed with
/// ManageSieve (RFC 5804) or the CLI.
pub const SIEVE_SCRIPTS: TableDefinition<(u64, &str), &[u8]> =
    TableDefinition::new("sieve_scripts");

/// Account id → the name of its active script (at most one, RFC 5804 §1.4).
pub const SIEVE_ACTIVE: TableDefinition<u64, &str> = TableDefinition::new("sieve_active");

/// Name → secret bytes: "auth_index", the key of the device-password index (HMAC-SHA256),
/// generated when the store is created or first opened by a version that knows it.
pub const SECRETS: TableDefinition<&str, &[u8]> = TableDefinition::new("secrets");

/// Account id → (bytes, messages) stored in its mailboxes: the quota usage (RFC 9208), updated
/// in the same transaction as every insertion and removal of a message.
pub const USAGE: TableDefinition<u64, (u64, u64)> = TableDefinition::new("usage");

/// (account id, mailbox name) → `NameNode`: what IMAP keeps about a name beside its mailbox: a
/// subscription that outlives the mailbox (RFC 3501 §6.3.6, RFC 5258 `\NonExistent`) or the
/// `\Noselect` node that DELETE of a mailbox with children leaves (RFC 3501 §6.3.4).
pub const MAILBOX_NODES: TableDefinition<(u64, &str), &[u8]> =
    TableDefinition::new("mailbox_nodes");

/// (mailbox id, modseq, UID) → (): UIDs expunged at that modseq (RFC 7162 §3.2.5: VANISHED
/// (EARLIER) after a disconnect). Bounded per mailbox; the oldest entries are pruned first.
pub const VANISHED: TableDefinition<(u64, u64, u32), ()> = TableDefinition::new("vanished");

/// Mailbox id → (floor, entries): expunges at a modseq ≤ floor may have been forgotten, so a
/// resync from before the floor gets the full answer (RFC 7162 §3.2.5.2); `entries` counts the
/// mailbox's `VANISHED` rows so that pruning needs no scan.
pub const VANISHED_STATE: TableDefinition<u64, (u64, u64)> = TableDefinition::new("vanished_state");

/// Sequence number → `ReportJob`: a user's report of a message as phishing or spam (`$Phishing`
/// set with STORE, or a move into a report folder), written in the same transaction as the
/// action and consumed by `pipeline::report`, which sends the abuse report, moves the message
/// to Junk and removes the job in one transaction.
pub const REPORTS: TableDefinition<u64, &[u8]> = TableDefinition::new("reports");

/// Name → JSON value: settings the server writes into the store at start so that transactions
/// apply them ("report_folders": the configured report folders).
pub const SETTINGS: TableDefinition<&str, &[u8]> = TableDefinition::new("settings");
/// Job id → `ImportJob`: imports from another provider over IMAP (`mailsift import`), with a
/// checkpoint per source folder, so that a restarted server resumes where it stopped.
pub const IMPORT_JOBS: TableDefinition<u64, &[u8]> = TableDefinition::new("import_jobs");

/// Job id → the remote password, kept only while the job is queued or running: removed in the
/// same transaction that ends the job (done, failed or cancelled).
pub const IMPORT_SECRETS: TableDefinition<u64, &[u8]> = TableDefinition::new("import_secrets");

/// (account id, folder + Message-ID + content hash) → (mailbox id, UID) of the copy an import
/// made: a repeated import skips a message whose copy is still there.
pub const IMPORT_SEEN: TableDefinition<(u64, &str), (u64, u32)> =
    TableDefinition::new("import_seen");
/// Sequence number → (queue id, `TraceRecord`): every stage's verdict for one message
/// (`mailsift trace`), oldest first; rotated, at most `[store] trace_records` kept (`trace.rs`).
/// The queue id beside the record lets rotation drop its index entry without decoding it.
pub const TRACE: TableDefinition<u64, (&str, &[u8])> = TableDefinition::new("trace");

/// Queue id → sequence number in `TRACE`, removed with the record it points to.
pub const TRACE_IDS: TableDefinition<&str, u64> = TableDefinition::new("trace_ids");
/// Alias address (lower case) → `Alias`: another address of an account's mailbox
/// (`mailsift alias add`). Unique among aliases and accounts (`addresses.rs`).
pub const ALIASES: TableDefinition<&str, &[u8]> = TableDefinition::new("aliases");

/// (account id, alias address) → created (Unix seconds): an account's aliases, for listing
/// and the per-account limit without a scan.
pub const ACCOUNT_ALIASES: TableDefinition<(u64, &str), i64> =
    TableDefinition::new("account_aliases");

/// Domain name → `DomainAddressing`: its alias-domain target, catch-all address and
/// administrator (`mailsift domain alias|catch-all|admin`).
pub const DOMAIN_ADDRESSING: TableDefinition<&str, &[u8]> =
    TableDefinition::new("domain_addressing");

/// "defaults" → `AddressDefaults`: the configuration recipient resolution needs (hostname,
/// `[submission] postmaster`), written by the server at start.
pub const ADDRESS_DEFAULTS: TableDefinition<&str, &[u8]> = TableDefinition::new("address_defaults");
