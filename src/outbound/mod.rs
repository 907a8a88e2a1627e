//! Outbound delivery: the task that works the store's queue (`src/store/queue.rs`). It takes
//! the entries that are due (through the store's next-attempt index) as soon as the store
//! signals new mail, when the next entry falls due, or every `scan_interval` at the latest, and
//! for each recipient domain finds the route
//! (`route.rs`: configured route, smart host, or MX through the `[dns]` resolver), sends over
//! SMTP (`client.rs`, opportunistic STARTTLS) and records each recipient's result in one store
//! write. Refused or expired recipients are reported to the sender in a DSN (`dsn.rs`),
//! committed in the same write; a delayed-delivery warning is sent once.
//!
//! Crash safety: a recipient is marked delivered only in the write after the remote's `250`; an
//! entry leaves the queue only when no recipient is pending. A crash anywhere retries what was
//! not recorded (one duplicate at most, when the crash falls between the 250 and the write).

pub mod client;
pub mod dsn;
pub mod mta_sts;
pub mod route;
mod worker;

pub use worker::{Outbound, backoff};

#[derive(Debug, thiserror::Error)]
pub enum OutboundError {
    #[error("DNS resolver: {0}")]
    Resolver(#[from] crate::auth::AuthError),
}
