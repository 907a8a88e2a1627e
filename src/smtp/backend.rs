//! The narrow door between an SMTP session and the rest of the server.
//!
//! The session speaks the protocol; everything it needs to decide (who is a recipient, who may
//! authenticate, what happens to a message) comes through this trait. The server implements it
//! with the directory, the pipeline and the store; tests implement it with a mock.

use std::future::Future;
use std::net::IpAddr;

pub use crate::values::Envelope;

/// A reply the backend wants sent as is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub code: u16,
    /// Enhanced status code (RFC 3463), e.g. "5.7.1".
    pub enhanced: String,
    pub text: String,
}

impl Reply {
    pub fn new(code: u16, enhanced: &str, text: impl Into<String>) -> Reply {
        Reply {
            code,
            enhanced: enhanced.to_string(),
            text: text.into(),
        }
    }
}

/// The verdict on one RCPT TO.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RcptDecision {
    /// A local mailbox: accept (250 2.1.5).
    Accept,
    /// Not local, and this session may relay (authenticated submission): accept for the queue.
    Relay,
    /// Refused with this reply (550 5.1.1 unknown user, 554 5.7.1 relay denied, 451 …).
    Refuse(Reply),
}

/// The result of SMTP AUTH.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthResult {
    /// Authenticated as this account (the canonical address), with the device password used
    /// when the backend knows it (so the session ends if that password is revoked).
    Success(String, Option<crate::session::revoke::LoginIdentity>),
    /// Wrong user or password, or a revoked device password: 535 5.7.8.
    Failure,
    /// The account is blocked by an administrator, or the service is in maintenance.
    Refused(Reply),
    /// The directory could not answer: 454 4.7.0.
    TempFail,
}

/// The message handed over at the end of DATA.
#[derive(Debug, Clone)]
pub struct IncomingMessage {
    pub envelope: Envelope,
    /// The message as received (dot-unstuffed, CRLF line endings), with our Received header
    /// already prepended.
    pub raw: Vec<u8>,
}

pub trait SmtpBackend: Send + Sync + 'static {
    /// Called at MAIL FROM of an authenticated session: may this user send as
    /// `envelope.mail_from` now (the sender rules, the hourly rate)? `None` accepts.
    fn check_sender(&self, envelope: &Envelope) -> impl Future<Output = Option<Reply>> + Send {
        let _ = envelope;
        async { None }
    }

    /// Called at each RCPT TO. `envelope.recipients` holds the recipients accepted so far.
    fn check_recipient(
        &self,
        envelope: &Envelope,
        recipient: &str,
    ) -> impl Future<Output = RcptDecision> + Send;

    /// Checks a username and password (AUTH PLAIN / LOGIN) from `client`, through the
    /// authentication throttle.
    fn authenticate(
        &self,
        client: IpAddr,
        username: &str,
        password: &str,
    ) -> impl Future<Output = AuthResult> + Send;

    /// Runs the pipeline and stores the message. The future completes only once the message is
    /// durable (or refused); its reply is the one sent for DATA: 250, 554 5.7.x, 451 4.x.y.
    fn deliver(&self, message: IncomingMessage) -> impl Future<Output = Reply> + Send;
}
