//! Sender authentication of inbound mail — SPF (RFC 7208), DKIM (RFC 6376), DMARC (RFC 7489),
//! ARC (RFC 8617) with the mail-auth crate — our Authentication-Results header (RFC 8601), our
//! domains' DKIM keys, and `mailsift doctor`, which checks a domain's DNS records.
//!
//! The SMTP backend calls `SenderAuth::check` at the end of DATA, before the pipeline; the
//! pipeline's `sender_auth` stage turns the report into a decision per recipient.

mod check;
pub mod dkim_key;
pub mod doctor;
mod resolver;
mod results;
mod seal;
pub mod sign;
mod txt_cache;

pub use check::{AuthReport, DkimCheck, Inbound, Outcome, PublishedPolicy, SenderAuth};
pub use resolver::authenticator;
pub use results::{forged_fields, strip_forged};

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("{0}")]
    Config(String),
    #[error("{0}")]
    Key(String),
}
