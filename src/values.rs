//! Value types shared by several rooms (config, store, pipeline, plugins, sieve, smtp). This
//! module depends on nothing else in the crate, which keeps the rooms free of import cycles
//! (`config`↔`sieve`, `store`→`config`, `plugins`→`pipeline` used to be cycles).

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

/// Who sent the message and to whom, as the SMTP session established it: what recipient
/// checks, the pipeline and plugins read. One type from the session to the store.
#[derive(Debug, Clone)]
pub struct Envelope {
    /// Queue id of this transaction: in every log line about the message.
    pub queue_id: String,
    /// MAIL FROM reverse-path without angle brackets; empty for the null sender `<>`.
    pub mail_from: String,
    /// Accepted RCPT TO forward-paths, without angle brackets, in the order given.
    pub recipients: Vec<String>,
    pub helo: String,
    pub client_ip: IpAddr,
    /// The account name when the session authenticated (SMTP AUTH).
    pub authenticated_as: Option<String>,
    /// The TLS version/cipher when the transaction ran over TLS.
    pub tls: Option<String>,
}

/// What to do with inbound mail that fails DMARC, by the policy its sender's domain publishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DmarcAction {
    /// Refuse at the end of DATA with `550 5.7.1`.
    Reject,
    /// Deliver into the recipient's Junk folder.
    Quarantine,
    /// Deliver normally; only the Authentication-Results header tells.
    Annotate,
}

impl DmarcAction {
    pub fn name(self) -> &'static str {
        match self {
            DmarcAction::Reject => "reject",
            DmarcAction::Quarantine => "quarantine",
            DmarcAction::Annotate => "annotate",
        }
    }
}

/// Bounds on scripts (sieve-rs enforces them while compiling and running).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SieveLimits {
    /// Largest script, in bytes.
    pub max_script_size: usize,
    /// Scripts per account.
    pub max_scripts: usize,
    /// `include` depth.
    pub max_includes: usize,
    /// `redirect` actions per message.
    pub max_redirects: usize,
    /// Outgoing messages (redirect, vacation, notify) per message.
    pub max_out_messages: usize,
    /// Instructions executed per message (a loop bound).
    pub cpu: usize,
}

impl Default for SieveLimits {
    fn default() -> Self {
        SieveLimits {
            max_script_size: 64 * 1024,
            max_scripts: 32,
            max_includes: 3,
            max_redirects: 4,
            max_out_messages: 5,
            cpu: 50_000,
        }
    }
}
