//! Certificates from an ACME CA (RFC 8555): ordering, challenge answers, renewal.

pub mod challenges;
