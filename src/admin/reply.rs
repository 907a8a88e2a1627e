//! What administration requests answer, typed. The server sends these over the admin socket and
//! the CLI renders them for people or prints them with `--json`: both sides use the same types,
//! so renaming a field is a compile error, not output that silently goes blank.
//!
//! `--json` prints the payload of a reply (not its tag), with the field names below: scripts
//! read them, so they are part of the CLI's interface.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::plugins::PluginStatus;
use crate::store::SieveListing;

/// One reply per kind of request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "result", rename_all = "snake_case")]
pub enum AdminReply {
    DomainCreated(Created<DomainName>),
    Domains(Vec<Created<DomainName>>),
    Domain(DomainInfo),
    DomainRemoved(Removed),
    AccountCreated(Created<AccountName>),
    Accounts(Vec<AccountRow>),
    AccountRemoved(Removed),
    AccountBlocked(AccountBlocked),
    AccountShown(AccountShown),
    AccountSenders(AccountSenders),
    Aliases(AliasesShown),
    AliasDomains(AliasDomainsShown),
    NewPassword(NewPassword),
    Passwords(Vec<PasswordRow>),
    PasswordRemoved(PasswordRemoved),
    ListAdded(ListAdded),
    ListRemoved(ListRemoved),
    ListShown(ListShown),
    Queue(Vec<QueueRow>),
    QueueEntry(QueueEntryInfo),
    QueueChanged(QueueChanged),
    Plugins(Vec<PluginStatus>),
    PluginSetting(PluginSetting),
    PluginSettings(PluginSettings),
    PluginKv(PluginKv),
    Learned(Learned),
    SieveStored(SieveStored),
    SieveScripts(Vec<SieveListing>),
    SieveScript(SieveScriptShown),
    SieveActive(SieveActive),
    SieveDeleted(SieveDeleted),
    SieveRenamed(SieveRenamed),
    /// `import imap|csv`: a line per job asked for.
    ImportQueued(Vec<crate::import::admin::ImportQueued>),
    /// `import status|cancel`.
    ImportJobs(Vec<crate::import::admin::ImportJobRow>),
    Trace(Box<crate::store::TraceRecord>),
    Traces(Vec<crate::store::TraceRecord>),
    Redirect(super::redirects::RedirectRow),
    Redirects(Vec<super::redirects::RedirectRow>),
    RedirectRemoved(super::redirects::RedirectRow),
    NewAddressLimit(super::redirects::NewAddressLimit),
    CsvImport(crate::directory::bulk::ImportReport),
    CsvExport(super::redirects::CsvExport),
}

impl AdminReply {
    /// The payload as `--json` prints it.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self)
            .ok()
            .and_then(|mut v| v.get_mut("result").map(serde_json::Value::take))
            .unwrap_or(serde_json::Value::Null)
    }
}

/// Something made, with when (dates are `YYYY-MM-DD HH:MM:SS UTC`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Created<T> {
    #[serde(flatten)]
    pub what: T,
    pub created: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DomainName {
    pub domain: String,
    /// In maintenance (`domain maintenance`): logins refused, mail still received.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub maintenance: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountName {
    pub address: String,
}

/// A domain's settings (`domain show`, `policy`, `dkim`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DomainInfo {
    pub domain: String,
    pub created: String,
    /// `reject`, `quarantine`, `annotate` or `default`.
    pub dmarc_reject: String,
    pub dmarc_quarantine: String,
    pub dkim: Option<DkimInfo>,
    /// The optional second (Ed25519) key.
    #[serde(default)]
    pub dkim_ed25519: Option<Box<DkimInfo>>,
    /// In maintenance: logins refused, mail still received.
    #[serde(default)]
    pub maintenance: bool,
    /// This domain is an alias domain of that one.
    #[serde(default)]
    pub alias_of: Option<String>,
    /// The alias domains of this domain.
    #[serde(default)]
    pub alias_domains: Vec<String>,
    /// Where mail for unknown local parts goes.
    #[serde(default)]
    pub catch_all: Option<String>,
    /// The administrator set with `domain admin` (`None`: the default).
    #[serde(default)]
    pub admin: Option<String>,
    /// The account postmaster@ and abuse@ reach now, and why (`None`: nobody, refused).
    #[serde(default)]
    pub postmaster: Option<String>,
    #[serde(default)]
    pub postmaster_source: Option<String>,
}

/// The public half of a domain's DKIM key and the record to publish.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DkimInfo {
    pub selector: String,
    pub public_key: String,
    pub algorithm: String,
    pub created: String,
    pub record_name: String,
    pub record_value: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Removed {
    pub removed: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountRow {
    pub address: String,
    pub created: String,
    pub blocked: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountBlocked {
    pub address: String,
    pub blocked: bool,
}

/// `account show`: an account with its sending settings and what it sent lately.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountShown {
    pub address: String,
    pub created: String,
    pub blocked: bool,
    /// Extra addresses it may send as.
    pub send_as: Vec<String>,
    /// Its own limits; `None`: the `[submission]` defaults.
    pub per_hour: Option<u32>,
    pub per_day: Option<u32>,
    pub sent_last_hour: usize,
    pub recipients_last_day: u64,
    /// Refusals by its limits or the outgoing spam check (at most one a minute counted).
    pub limit_refusals_last_day: usize,
    /// Bytes and messages stored (RFC 9208 STORAGE and MESSAGE usage).
    #[serde(default)]
    pub quota_used: u64,
    #[serde(default)]
    pub quota_messages: u64,
    /// The storage limit in bytes (`None`: unlimited) and whether it is the server default.
    #[serde(default)]
    pub quota_limit: Option<u64>,
    #[serde(default)]
    pub quota_default: bool,
    /// Its limits kept tripping: "has my account sent spam?".
    pub flagged: bool,
    pub flagged_since: Option<String>,
    /// Its aliases (`alias add`).
    #[serde(default)]
    pub aliases: Vec<String>,
}

/// An account's aliases (`alias add|remove|list`), with what changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AliasesShown {
    pub address: String,
    pub aliases: Vec<AliasRow>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub added: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub removed: Option<String>,
    /// `[accounts] max_aliases`.
    pub max: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AliasRow {
    pub alias: String,
    pub created: String,
}

/// Alias domains (`domain alias add|remove|list`), with what changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AliasDomainsShown {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub added: Option<AliasDomainRow>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub removed: Option<AliasDomainRow>,
    pub alias_domains: Vec<AliasDomainRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AliasDomainRow {
    pub alias_domain: String,
    pub target: String,
}

/// The extra addresses an account may send as.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountSenders {
    pub address: String,
    pub senders: Vec<String>,
}

/// A new device password: the only time it is shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewPassword {
    pub address: String,
    pub device: String,
    pub password: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PasswordRow {
    pub device: String,
    pub created: String,
    pub last_used: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PasswordRemoved {
    pub address: String,
    pub removed_device: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListAdded {
    /// `account ADDRESS` or `domain NAME`.
    pub scope: String,
    /// `allow` or `block`.
    pub list: String,
    pub entry: String,
    pub created: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListRemoved {
    pub scope: String,
    pub list: String,
    pub removed: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListShown {
    pub scope: String,
    pub entries: Vec<ListRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListRow {
    pub list: String,
    pub entry: String,
    pub created: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueRow {
    pub queue_id: String,
    pub from: String,
    pub recipients: Vec<String>,
    pub size: u64,
    pub created: String,
    pub attempts: u32,
    /// When the delivery task next tries it.
    #[serde(default)]
    pub next_attempt: String,
}

/// `queue show`: one entry, each recipient's state, and the attempts (oldest first).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueEntryInfo {
    pub queue_id: String,
    pub from: String,
    pub size: u64,
    pub created: String,
    pub attempts: u32,
    pub next_attempt: String,
    /// The sender was told that delivery is delayed.
    pub warned: bool,
    pub recipients: Vec<QueueRecipientRow>,
    pub log: Vec<QueueAttemptRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueRecipientRow {
    pub recipient: String,
    /// `pending`, `delivered` or `failed`.
    pub status: String,
    /// The last reply or error.
    pub reply: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueAttemptRow {
    pub time: String,
    pub recipient: String,
    pub result: String,
}

/// `queue retry` / `queue delete`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueChanged {
    pub queue_id: String,
    pub action: String,
}

/// A per-account plugin setting set (`value`) or cleared (`None`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PluginSetting {
    pub plugin: String,
    pub account: String,
    pub key: String,
    pub value: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PluginSettings {
    pub plugin: String,
    pub account: String,
    pub settings: BTreeMap<String, String>,
}

/// A plugin's stored keys (`plugin kv`): the first entries in key order and how many matched.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PluginKv {
    pub plugin: String,
    pub entries: Vec<KvEntry>,
    pub total: u64,
}

/// One stored key. `value` is the text when the value is printable UTF-8, else its hex
/// (`hex: true`); either is cut at `KvEntry::SHOWN` bytes of the value (`size` is the whole).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KvEntry {
    pub key: String,
    pub value: String,
    pub hex: bool,
    pub size: usize,
}

impl KvEntry {
    pub const SHOWN: usize = 1024;

    pub fn new(key: String, value: &[u8]) -> KvEntry {
        let shown = &value[..value.len().min(Self::SHOWN)];
        let text = match std::str::from_utf8(shown) {
            Ok(t) => Some(t),
            // Cut inside a character: keep the valid part.
            Err(e) if e.error_len().is_none() => {
                std::str::from_utf8(&shown[..e.valid_up_to()]).ok()
            }
            Err(_) => None,
        };
        match text.filter(|t| !t.chars().any(char::is_control)) {
            Some(t) => KvEntry {
                key,
                value: t.to_string(),
                hex: false,
                size: value.len(),
            },
            None => KvEntry {
                key,
                value: hex::encode(shown),
                hex: true,
                size: value.len(),
            },
        }
    }
}

/// What `spam train` fed the learning plugins.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Learned {
    pub spam: usize,
    pub ham: usize,
    pub unreadable: usize,
    pub passes: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SieveStored {
    pub account: String,
    pub name: String,
    pub size: usize,
    pub active: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SieveScriptShown {
    pub account: String,
    pub name: String,
    pub active: bool,
    pub updated: String,
    pub script: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SieveActive {
    pub account: String,
    pub active: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SieveDeleted {
    pub account: String,
    pub deleted: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SieveRenamed {
    pub account: String,
    pub from: String,
    pub to: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every reply crosses the admin socket as JSON and comes back equal, and `--json` prints
    /// the payload with the documented field names.
    #[test]
    fn replies_round_trip_and_print_their_payload() {
        let replies = vec![
            AdminReply::DomainCreated(Created {
                what: DomainName {
                    domain: "example.org".into(),
                    maintenance: false,
                },
                created: "2026-12-06 05:00:00 UTC".into(),
            }),
            AdminReply::Accounts(vec![AccountRow {
                address: "a@example.org".into(),
                created: "c".into(),
                blocked: true,
            }]),
            AdminReply::Domain(DomainInfo {
                domain: "example.org".into(),
                created: "c".into(),
                dmarc_reject: "default".into(),
                dmarc_quarantine: "annotate".into(),
                dkim: Some(DkimInfo {
                    selector: "s".into(),
                    public_key: "k".into(),
                    algorithm: "rsa".into(),
                    created: "c".into(),
                    record_name: "s._domainkey.example.org".into(),
                    record_value: "v=DKIM1; k=rsa; p=k".into(),
                }),
                dkim_ed25519: None,
                maintenance: true,
                alias_of: None,
                alias_domains: vec!["example.net".into()],
                catch_all: Some("all@example.org".into()),
                admin: None,
                postmaster: Some("a@example.org".into()),
                postmaster_source: Some("the domain's oldest account".into()),
            }),
            AdminReply::Aliases(AliasesShown {
                address: "a@example.org".into(),
                aliases: vec![AliasRow {
                    alias: "b@example.org".into(),
                    created: "c".into(),
                }],
                added: Some("b@example.org".into()),
                removed: None,
                max: 50,
            }),
            AdminReply::PluginSetting(PluginSetting {
                plugin: "spam".into(),
                account: "a@example.org".into(),
                key: "enabled".into(),
                value: None,
            }),
            AdminReply::PluginKv(PluginKv {
                plugin: "counter".into(),
                entries: vec![
                    KvEntry::new("messages".into(), b"16"),
                    KvEntry::new("bin".into(), &[0, 0xff]),
                ],
                total: 3,
            }),
            AdminReply::SieveScripts(vec![SieveListing {
                name: "main".into(),
                active: true,
                size: 5,
            }]),
        ];
        for reply in replies {
            let wire = serde_json::to_string(&reply).unwrap();
            let back: AdminReply = serde_json::from_str(&wire).unwrap();
            assert_eq!(back, reply);
        }
        let created = AdminReply::DomainCreated(Created {
            what: DomainName {
                domain: "example.org".into(),
                maintenance: false,
            },
            created: "2026-12-06 05:00:00 UTC".into(),
        });
        assert_eq!(
            created.to_json(),
            serde_json::json!({ "domain": "example.org", "created": "2026-12-06 05:00:00 UTC" })
        );
        let blocked = AdminReply::AccountBlocked(AccountBlocked {
            address: "a@example.org".into(),
            blocked: true,
        });
        assert_eq!(
            blocked.to_json(),
            serde_json::json!({ "address": "a@example.org", "blocked": true })
        );
    }
}
