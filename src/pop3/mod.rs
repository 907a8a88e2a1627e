//! POP3 server (RFC 1939) with CAPA and response codes (RFC 2449, RFC 3206), STLS (RFC 2595)
//! and SASL AUTH (RFC 5034), on 110 with STLS and on 995 with implicit TLS.
//!
//! Own protocol code: crates.io has POP3 clients (`pop3`, `rs-pop3`, `async-pop`,
//! `rust-pop3-client`) but no maintained server crate that could sit on our store, session kit
//! and directory (`rusmes-pop3` is tied to its own server framework and storage), and the
//! protocol is small. `command` parses lines into commands and `response` writes status lines
//! and dot-stuffed bodies, both sans-I/O; `maildrop` is the INBOX snapshot with its deletion
//! marks and the per-account lock; `session` is the state machine over the session kit
//! (`session::io` deadlines and STLS, `sasl`, the directory's throttled login, revocation).

pub mod command;
pub mod maildrop;
pub mod response;
pub mod session;

pub use maildrop::MaildropLocks;
pub use session::{Pop3Config, run_session};
