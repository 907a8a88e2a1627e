//! ManageSieve server (RFC 5804): users upload, check, activate, fetch, rename and delete their
//! Sieve scripts with clients such as the Thunderbird Sieve add-on, sieve-connect or python
//! sievelib, on port 4190 with STARTTLS and SASL PLAIN.
//!
//! Own protocol code: there is no maintained ManageSieve server crate to build on (what exists
//! is client-side or unmaintained), and the protocol is small. The wire format is IMAP-like:
//! `framing` assembles commands with their literals under size limits, `parser` turns them into
//! [`parser::Command`]s, `response` writes OK/NO/BYE with response codes and strings, and
//! `session` is the state machine over the store (`store::sieve`), the directory and the Sieve
//! compiler (`sieve::check_script`).

pub mod framing;
pub mod parser;
pub mod response;
pub mod session;

pub use session::{ManageSieveConfig, run_session, sieve_extensions};
