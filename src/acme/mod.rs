//! Certificates from an ACME CA (RFC 8555): ordering, challenge answers, renewal.

pub mod certinfo;
pub mod challenges;
pub mod client;
pub mod state;

pub use certinfo::CertInfo;
pub use client::AcmeClient;

#[derive(Debug, thiserror::Error)]
pub enum AcmeError {
    #[error("ACME: {0}")]
    Protocol(#[from] instant_acme::Error),
    #[error("ACME state {path}: {source}")]
    State {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("ACME account file {path}: {message}")]
    Account {
        path: std::path::PathBuf,
        message: String,
    },
    #[error("ACME order: {0}")]
    Order(String),
    #[error("ACME certificate: {0}")]
    Certificate(#[from] crate::tls::TlsError),
}
