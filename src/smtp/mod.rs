//! SMTP: inbound (MX) and submission sessions.

pub mod backend;
pub mod data;
pub mod delivery;
pub mod session;
pub mod spool;
pub mod wire;

pub use session::{SessionConfig, run_session};
