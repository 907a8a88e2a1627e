//! IMAP4rev1 (RFC 3501) / IMAP4rev2 (RFC 9051) server protocol: wire format, FETCH rendering,
//! SEARCH evaluation. Pure code; the socket-facing session lives in `session` (phase 2).

pub mod command;
pub mod fetch;
pub mod framing;
pub mod parser;
pub mod response;
pub mod search;
pub mod sequence;
pub mod utf7;
