//! IMAP4rev1 (RFC 3501) / IMAP4rev2 (RFC 9051) server: wire format (`parser`, `framing`,
//! `response`), FETCH rendering, SEARCH evaluation, and the session state machine.

pub mod command;
mod condstore;
mod context;
pub mod fetch;
pub mod framing;
mod mailbox_cmds;
mod message_cmds;
pub mod multiappend;
pub mod objectid;
pub mod parser;
mod quota;
pub mod response;
pub mod search;
mod selected;
pub mod sequence;
pub mod session;
pub mod sort;
mod sort_cmds;
pub mod thread;
mod uidmap;
pub mod utf7;

pub use session::{ImapConfig, run_session};
