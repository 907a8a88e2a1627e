//! Mailsift: a mail server whose filtering is extended with WebAssembly plugins.
//!
//! The way of one message: `smtp::session` → `pipeline::Pipeline::process` (stages) →
//! `pipeline::deliver` (one store write); readers come back through `imap::session`. Protocol
//! modules never import each other; they meet in `pipeline`, `directory`, `store` and the
//! session kit `session` (checked by scripts/check-boundaries.sh). See README.md, "Architecture".

pub mod acme;
pub mod admin;
pub mod auth;
pub mod cli;
pub mod config;
pub mod directory;
#[doc(hidden)]
pub mod fuzzing;
pub mod http;
pub mod imap;
pub mod import;
pub mod logging;
pub mod managesieve;
pub mod memory;
pub mod metrics;
pub mod mime;
pub mod net;
pub mod outbound;
pub mod pipeline;
pub mod plugins;
pub mod pop3;
pub mod server;
pub mod session;
pub mod sieve;
pub mod smtp;
pub mod srs;
pub mod store;
pub mod tls;
pub mod values;
