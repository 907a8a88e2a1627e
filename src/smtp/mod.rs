//! SMTP: inbound (MX) and submission sessions.

pub mod backend;
pub mod delivery;
