//! TLS server configuration: the configured certificate, or a self-signed one generated on first
//! start so that a fresh install speaks TLS at once (clients will warn until a real certificate
//! is configured).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::ServerConfig;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;

use crate::config::Config;

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read certificate {path}: {message}")]
    Certificate { path: PathBuf, message: String },
    #[error("cannot read private key {path}: {message}")]
    Key { path: PathBuf, message: String },
    #[error("cannot generate a self-signed certificate: {0}")]
    Generate(String),
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid certificate/key pair: {0}")]
    Rustls(#[from] rustls::Error),
}

/// The certificate and key files in use: the configured ones, or generated ones under
/// `data_dir/tls/`.
pub fn certificate_paths(config: &Config) -> Result<(PathBuf, PathBuf), TlsError> {
    if let (Some(cert), Some(key)) = (&config.tls.cert, &config.tls.key) {
        return Ok((cert.clone(), key.clone()));
    }
    let dir = config.data_dir.join("tls");
    let cert = dir.join("cert.pem");
    let key = dir.join("key.pem");
    if !cert.exists() || !key.exists() {
        generate_self_signed(&config.hostname, &cert, &key)?;
        tracing::warn!(
            cert = %cert.display(),
            "generated a self-signed certificate for localhost and {}; set [tls] cert and key for real clients",
            config.hostname
        );
    }
    Ok((cert, key))
}

fn generate_self_signed(hostname: &str, cert_path: &Path, key_path: &Path) -> Result<(), TlsError> {
    // Loopback addresses too, so that clients connecting to 127.0.0.1 can verify the name.
    let mut names = vec![
        "localhost".to_string(),
        "127.0.0.1".to_string(),
        "::1".to_string(),
    ];
    if hostname != "localhost" {
        names.push(hostname.to_string());
    }
    let certified =
        rcgen::generate_simple_self_signed(names).map_err(|e| TlsError::Generate(e.to_string()))?;
    if let Some(dir) = cert_path.parent() {
        std::fs::create_dir_all(dir).map_err(|source| TlsError::Write {
            path: dir.to_path_buf(),
            source,
        })?;
    }
    write_private(key_path, certified.signing_key.serialize_pem().as_bytes())?;
    std::fs::write(cert_path, certified.cert.pem()).map_err(|source| TlsError::Write {
        path: cert_path.to_path_buf(),
        source,
    })?;
    Ok(())
}

/// Writes a file readable by its owner only (a private key).
fn write_private(path: &Path, content: &[u8]) -> Result<(), TlsError> {
    use std::io::Write;
    #[cfg(unix)]
    use std::os::unix::fs::OpenOptionsExt;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    options.mode(0o600);
    let err = |source| TlsError::Write {
        path: path.to_path_buf(),
        source,
    };
    let mut file = options.open(path).map_err(err)?;
    file.write_all(content).map_err(err)
}

/// Builds the rustls acceptor shared by every TLS listener.
pub fn acceptor(config: &Config) -> Result<TlsAcceptor, TlsError> {
    let (cert_path, key_path) = certificate_paths(config)?;
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&cert_path)
        .and_then(|it| it.collect::<Result<Vec<_>, _>>())
        .map_err(|e| TlsError::Certificate {
            path: cert_path.clone(),
            message: e.to_string(),
        })?;
    if certs.is_empty() {
        return Err(TlsError::Certificate {
            path: cert_path,
            message: "no certificate in the file".into(),
        });
    }
    let key = PrivateKeyDer::from_pem_file(&key_path).map_err(|e| TlsError::Key {
        path: key_path.clone(),
        message: e.to_string(),
    })?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let server = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(certs, key)?;
    Ok(TlsAcceptor::from(Arc::new(server)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generates_and_loads_a_self_signed_certificate() {
        let dir = tempfile::tempdir().unwrap();
        let config = Config {
            data_dir: dir.path().to_path_buf(),
            hostname: "mail.example.org".into(),
            ..Config::default()
        };
        acceptor(&config).unwrap();
        assert!(dir.path().join("tls/cert.pem").exists());
        // A second start reuses the same certificate.
        let before = std::fs::read(dir.path().join("tls/cert.pem")).unwrap();
        acceptor(&config).unwrap();
        assert_eq!(
            before,
            std::fs::read(dir.path().join("tls/cert.pem")).unwrap()
        );
    }

    #[test]
    fn a_missing_certificate_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config {
            data_dir: dir.path().to_path_buf(),
            ..Config::default()
        };
        config.tls.cert = Some(dir.path().join("nope.pem"));
        config.tls.key = Some(dir.path().join("nope.key"));
        let err = acceptor(&config).err().unwrap().to_string();
        assert!(err.contains("nope.pem"), "{err}");
    }
}
