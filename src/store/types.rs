//! The records the store keeps, as the rest of the server sees them.

use serde::{Deserialize, Serialize};

pub type AccountId = u64;
pub type MailboxId = u64;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Domain {
    pub name: String,
    /// Unix seconds.
    pub created: i64,
    /// This domain's handling of inbound mail failing a sender's DMARC `p=reject`; `None`
    /// takes the server default (`[sender_auth] dmarc_reject`).
    #[serde(default)]
    pub dmarc_reject: Option<crate::values::DmarcAction>,
    /// Likewise for `p=quarantine`.
    #[serde(default)]
    pub dmarc_quarantine: Option<crate::values::DmarcAction>,
    /// The domain's DKIM signing key, made by `mailsift domain dkim`.
    #[serde(default)]
    pub dkim: Option<DkimKey>,
    /// An optional Ed25519 key (RFC 8463) for a second signature next to the RSA one
    /// (`mailsift domain dkim --algorithm ed25519`).
    #[serde(default)]
    pub dkim_ed25519: Option<DkimKey>,
    /// Maintenance (`mailsift domain maintenance`): mail is still received, but the domain's
    /// accounts cannot log in (IMAP, POP3, ManageSieve, submission).
    #[serde(default)]
    pub maintenance: bool,
}

/// A DKIM key pair (RSA, PKCS#1 DER, base64) and the selector it is published under.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct DkimKey {
    pub selector: String,
    /// "rsa" or "ed25519" (RFC 6376 `k=` tag value).
    pub algorithm: String,
    pub private_key: String,
    pub public_key: String,
    pub created: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Account {
    pub id: AccountId,
    /// The full address, lower case; also the login name.
    pub address: String,
    pub created: i64,
    /// Set by an administrator during a security incident: logins are refused.
    #[serde(default)]
    pub blocked: bool,
    /// Who the account may send as beyond itself, and its own sending limits.
    #[serde(default)]
    pub sending: SendingSettings,
    /// Storage quota in bytes (`mailsift account quota`): `None` takes the server default
    /// (`[accounts] default_quota_mb`), `Some(0)` is unlimited.
    #[serde(default)]
    pub quota: Option<u64>,
}

/// An account's sending settings (`mailsift account senders|limits`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct SendingSettings {
    /// Extra addresses it may use as MAIL FROM and From (shared mailboxes), lower case.
    #[serde(default)]
    pub send_as: Vec<String>,
    /// Messages per hour; `None` takes `[submission] messages_per_hour`.
    #[serde(default)]
    pub per_hour: Option<u32>,
    /// Recipients per day; `None` takes `[submission] recipients_per_day`.
    #[serde(default)]
    pub per_day: Option<u32>,
}

/// What an account sent lately, for its limits (`store/sending.rs`). Bounded: at most
/// `MAX_MESSAGES` times, 24 hourly buckets, `MAX_TRIPS` trip times.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct SendRecord {
    /// Unix seconds of the messages sent in the last hour.
    #[serde(default)]
    pub messages: Vec<i64>,
    /// (hour start, recipients) of the last 24 hours.
    #[serde(default)]
    pub recipients: Vec<(i64, u32)>,
    /// Unix seconds of refusals by the limits or the spam check in the last 24 hours.
    #[serde(default)]
    pub trips: Vec<i64>,
    /// Since when the account is flagged (its limits kept tripping); cleared by the admin.
    #[serde(default)]
    pub flagged: Option<i64>,
    /// When the postmaster was last sent a notice about this account (outgoing spam), so a
    /// spamming account cannot flood the postmaster's mailbox.
    #[serde(default)]
    pub noticed: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct DevicePassword {
    pub device: String,
    /// PHC string (argon2id); the password itself is never stored.
    pub hash: String,
    pub created: i64,
    #[serde(default)]
    pub last_used: Option<i64>,
    /// Keyed index of the password (hex HMAC-SHA256 under the store's auth secret), which picks
    /// the device before the one argon2 verification of a login. `None` for passwords made before
    /// the index existed, until their next successful login.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Mailbox {
    pub id: MailboxId,
    pub account_id: AccountId,
    /// Full hierarchical name with `/` as the delimiter; `INBOX` is always spelled so.
    pub name: String,
    pub uidvalidity: u32,
    pub uid_next: u32,
    /// RFC 6154 attribute such as `\Sent`, for the mailboxes created with an account.
    #[serde(default)]
    pub special_use: Option<String>,
    #[serde(default)]
    pub subscribed: bool,
    /// Highest modification sequence of any change in this mailbox (RFC 7162).
    #[serde(default)]
    pub highest_modseq: u64,
    /// Highest UID some session has already been shown as `\Recent` (RFC 3501 §2.3.2):
    /// messages above it are recent for the next IMAP4rev1 session to select the mailbox.
    #[serde(default)]
    pub recent_uid: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct MessageMeta {
    pub uid: u32,
    /// Hex SHA-256 of the content, the key into the blob table.
    pub blob: String,
    pub size: u64,
    /// Unix seconds: when the message arrived (IMAP INTERNALDATE).
    pub internal_date: i64,
    /// The zone INTERNALDATE was given in, seconds east of UTC: an APPEND's date-time keeps
    /// its zone (RFC 9051 §6.3.12), and SEARCH BEFORE/ON/SINCE compare the date in it
    /// (§6.4.4). 0 (not stored) for delivered mail.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub internal_date_offset: i32,
    /// System flags (`\Seen`) and keywords (`$Junk`), as IMAP spells them.
    pub flags: Vec<String>,
    pub modseq: u64,
}

fn is_zero(n: &i32) -> bool {
    *n == 0
}

impl MessageMeta {
    pub fn has_flag(&self, flag: &str) -> bool {
        self.flags.iter().any(|f| f.eq_ignore_ascii_case(flag))
    }
}

/// A message handed to outbound delivery (submission to remote recipients, later redirects).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct QueuedMessage {
    pub id: u64,
    pub queue_id: String,
    pub mail_from: String,
    pub recipients: Vec<String>,
    pub blob: String,
    pub size: u64,
    pub created: i64,
    #[serde(default)]
    pub attempts: u32,
    /// Each recipient's state; empty in entries written before outbound delivery existed,
    /// which `rcpt_states` reads as every recipient pending.
    #[serde(default)]
    pub rcpts: Vec<RcptState>,
    /// Unix seconds of the next delivery attempt (0: at once).
    #[serde(default)]
    pub next_attempt: i64,
    /// The sender was told once that delivery is delayed.
    #[serde(default)]
    pub warned: bool,
    /// Every attempt, oldest first (the last `MAX_ATTEMPT_LOG` are kept).
    #[serde(default)]
    pub log: Vec<AttemptRecord>,
}

impl QueuedMessage {
    /// The recipients with their state (pending for entries from before states existed).
    pub fn rcpt_states(&self) -> Vec<RcptState> {
        if self.rcpts.len() == self.recipients.len() {
            return self.rcpts.clone();
        }
        self.recipients
            .iter()
            .map(|r| RcptState {
                address: r.clone(),
                status: RcptStatus::Pending,
                reply: String::new(),
            })
            .collect()
    }
}

/// Attempts kept per queue entry: bounded, since a message may be retried for days.
pub const MAX_ATTEMPT_LOG: usize = 64;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct RcptState {
    pub address: String,
    pub status: RcptStatus,
    /// The last reply (or error) for this recipient.
    #[serde(default)]
    pub reply: String,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum RcptStatus {
    Pending,
    Delivered,
    /// Permanently refused or expired; the sender was sent a DSN (unless the null sender).
    Failed,
}

impl RcptStatus {
    pub fn name(self) -> &'static str {
        match self {
            RcptStatus::Pending => "pending",
            RcptStatus::Delivered => "delivered",
            RcptStatus::Failed => "failed",
        }
    }
}

/// One delivery attempt for one recipient.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AttemptRecord {
    /// Unix seconds.
    pub time: i64,
    pub recipient: String,
    /// The remote's reply or the error, as text.
    pub result: String,
    /// What the attempt means for the recipient.
    pub status: AttemptStatus,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum AttemptStatus {
    Delivered,
    Permanent,
    Temporary,
}

/// What changed, broadcast after each commit so that IMAP IDLE and open sessions can notice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Messages were added to a mailbox.
    Exists {
        account_id: AccountId,
        mailbox_id: MailboxId,
    },
    /// Flags changed or messages were expunged.
    Updated {
        account_id: AccountId,
        mailbox_id: MailboxId,
    },
    /// Mailboxes were created, renamed or deleted.
    Mailboxes { account_id: AccountId },
    /// The account was blocked, unblocked or removed, or a device password removed: open
    /// sessions re-check their login (`session::revoke`).
    Credentials { account_id: AccountId },
}

impl Change {
    pub fn account_id(&self) -> AccountId {
        match self {
            Change::Exists { account_id, .. }
            | Change::Updated { account_id, .. }
            | Change::Mailboxes { account_id }
            | Change::Credentials { account_id } => *account_id,
        }
    }

    pub fn mailbox_id(&self) -> Option<MailboxId> {
        match self {
            Change::Exists { mailbox_id, .. } | Change::Updated { mailbox_id, .. } => {
                Some(*mailbox_id)
            }
            Change::Mailboxes { .. } | Change::Credentials { .. } => None,
        }
    }
}

/// The mailboxes every account is created with, and their RFC 6154 special-use attributes.
pub const DEFAULT_MAILBOXES: &[(&str, Option<&str>)] = &[
    ("INBOX", None),
    ("Sent", Some("\\Sent")),
    ("Drafts", Some("\\Drafts")),
    ("Trash", Some("\\Trash")),
    ("Junk", Some("\\Junk")),
    ("Archive", Some("\\Archive")),
    ("Promotions", None),
    ("SocialNetworks", None),
];
