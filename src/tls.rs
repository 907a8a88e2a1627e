//! TLS server configuration: the configured certificate, or a self-signed one generated on first
//! start so that a fresh install speaks TLS at once (clients will warn until a real certificate
//! is configured).
//!
//! Every listener's handshakes go through one [`CertResolver`], so a renewed certificate (ACME)
//! or replaced files apply to new connections at once, without a restart.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use arc_swap::ArcSwap;
use rustls::ServerConfig;
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio_rustls::server::TlsStream;
use tokio_rustls::{LazyConfigAcceptor, TlsAcceptor};

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

/// Reads a PEM certificate chain and its private key and checks that they belong together.
pub fn load_certified_key(cert_path: &Path, key_path: &Path) -> Result<CertifiedKey, TlsError> {
    let cert_pem = std::fs::read(cert_path).map_err(|e| TlsError::Certificate {
        path: cert_path.to_path_buf(),
        message: e.to_string(),
    })?;
    let key_pem = std::fs::read(key_path).map_err(|e| TlsError::Key {
        path: key_path.to_path_buf(),
        message: e.to_string(),
    })?;
    certified_key_from_pem(&cert_pem, &key_pem).map_err(|e| match e {
        TlsError::Certificate { message, .. } => TlsError::Certificate {
            path: cert_path.to_path_buf(),
            message,
        },
        TlsError::Key { message, .. } => TlsError::Key {
            path: key_path.to_path_buf(),
            message,
        },
        other => other,
    })
}

/// A certificate chain and key from PEM text (the ACME client's output, or files).
pub fn certified_key_from_pem(cert_pem: &[u8], key_pem: &[u8]) -> Result<CertifiedKey, TlsError> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsError::Certificate {
            path: PathBuf::new(),
            message: e.to_string(),
        })?;
    if certs.is_empty() {
        return Err(TlsError::Certificate {
            path: PathBuf::new(),
            message: "no certificate in the file".into(),
        });
    }
    let key = PrivateKeyDer::from_pem_slice(key_pem).map_err(|e| TlsError::Key {
        path: PathBuf::new(),
        message: e.to_string(),
    })?;
    // Also refuses a key that does not match the certificate (a half-replaced pair).
    Ok(CertifiedKey::from_der(certs, key, &provider())?)
}

fn provider() -> rustls::crypto::CryptoProvider {
    rustls::crypto::ring::default_provider()
}

/// ALPN protocol of TLS-ALPN-01 validation (RFC 8737 §6.2).
pub const ACME_TLS_ALPN: &[u8] = b"acme-tls/1";

/// Chooses the certificate of every handshake: the current one, swapped atomically when a
/// renewed or replaced certificate arrives, or a TLS-ALPN-01 challenge certificate.
#[derive(Debug)]
pub struct CertResolver {
    current: ArcSwap<CertifiedKey>,
    /// Lower-cased DNS name → challenge certificate, while an ACME validation is pending.
    challenges: Mutex<HashMap<String, Arc<CertifiedKey>>>,
}

/// Pending TLS-ALPN-01 challenges are one per configured name; the cap bounds a misbehaving
/// CA exchange.
const MAX_ALPN_CHALLENGES: usize = 256;

impl CertResolver {
    fn new(initial: CertifiedKey) -> CertResolver {
        CertResolver {
            current: ArcSwap::from_pointee(initial),
            challenges: Mutex::new(HashMap::new()),
        }
    }
}

impl ResolvesServerCert for CertResolver {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        if offers_acme_alpn(hello.alpn()) {
            // RFC 8737 §3: a validation handshake gets the challenge certificate for the SNI
            // name, or no certificate at all (never the real one).
            let name = hello.server_name()?.to_ascii_lowercase();
            return self.challenges.lock().ok()?.get(&name).cloned();
        }
        Some(self.current.load_full())
    }
}

fn offers_acme_alpn<'a>(alpn: Option<impl Iterator<Item = &'a [u8]>>) -> bool {
    alpn.is_some_and(|mut protocols| protocols.any(|p| p == ACME_TLS_ALPN))
}

/// The certificates of every TLS listener, replaceable while the server runs.
#[derive(Clone)]
pub struct Certificates {
    resolver: Arc<CertResolver>,
    acceptor: TlsAcceptor,
}

impl Certificates {
    /// The configured certificate (or the generated self-signed one).
    pub fn load(config: &Config) -> Result<Certificates, TlsError> {
        let (cert_path, key_path) = certificate_paths(config)?;
        Certificates::with_key(load_certified_key(&cert_path, &key_path)?)
    }

    pub fn with_key(key: CertifiedKey) -> Result<Certificates, TlsError> {
        let resolver = Arc::new(CertResolver::new(key));
        let mut server = ServerConfig::builder_with_provider(Arc::new(provider()))
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_cert_resolver(resolver.clone());
        // Stateless session tickets (RFC 8446 §4.6.1, RFC 5077 for TLS 1.2): a client that
        // comes back (an MTA delivering a queue over several connections, a mail client
        // polling) resumes without a certificate signature. The ticket keys live only in
        // memory and rotate every 6 hours (rustls' `Ticketer`); TLS 1.3 resumption still does
        // a fresh (EC)DHE exchange, so forward secrecy holds. rustls' default keeps sessions
        // in a server-side cache of 256, which a busy MX's senders overrun.
        server.ticketer = rustls::crypto::ring::Ticketer::new()?;
        Ok(Certificates {
            resolver,
            acceptor: TlsAcceptor::from(Arc::new(server)),
        })
    }

    /// The acceptor shared by every TLS listener (implicit TLS and STARTTLS).
    pub fn acceptor(&self) -> TlsAcceptor {
        self.acceptor.clone()
    }

    /// New handshakes use `key` from now on; established sessions keep theirs.
    pub fn replace(&self, key: CertifiedKey) {
        self.resolver.current.store(Arc::new(key));
    }

    /// The end-entity certificate currently presented.
    pub fn current_end_entity(&self) -> Option<CertificateDer<'static>> {
        self.resolver.current.load().cert.first().cloned()
    }

    /// Answers TLS-ALPN-01 validation for `name` (RFC 8737 §3): a self-signed certificate for
    /// the name with the critical acmeIdentifier extension holding SHA-256(key authorization).
    pub fn add_alpn_challenge(&self, name: &str, key_auth_digest: &[u8]) -> Result<(), TlsError> {
        let mut params = rcgen::CertificateParams::new(vec![name.to_string()])
            .map_err(|e| TlsError::Generate(e.to_string()))?;
        params
            .custom_extensions
            .push(rcgen::CustomExtension::new_acme_identifier(key_auth_digest));
        let key_pair = rcgen::KeyPair::generate().map_err(|e| TlsError::Generate(e.to_string()))?;
        let cert = params
            .self_signed(&key_pair)
            .map_err(|e| TlsError::Generate(e.to_string()))?;
        let key = PrivateKeyDer::try_from(key_pair.serialize_der())
            .map_err(|e| TlsError::Generate(e.to_string()))?;
        // Not `from_der`: its consistency check parses the certificate with webpki, which
        // refuses the critical acmeIdentifier extension.
        let signing_key = provider().key_provider.load_private_key(key)?;
        let certified = CertifiedKey::new(vec![cert.der().clone()], signing_key);
        let mut map = self
            .resolver
            .challenges
            .lock()
            .map_err(|_| TlsError::Generate("challenge map poisoned".into()))?;
        let name = name.to_ascii_lowercase();
        if map.len() >= MAX_ALPN_CHALLENGES && !map.contains_key(&name) {
            return Err(TlsError::Generate("too many pending challenges".into()));
        }
        map.insert(name, Arc::new(certified));
        Ok(())
    }

    pub fn remove_alpn_challenge(&self, name: &str) {
        if let Ok(mut map) = self.resolver.challenges.lock() {
            map.remove(&name.to_ascii_lowercase());
        }
    }

    /// Re-reads `cert_path`/`key_path` when either changes (checked every `interval`) or on
    /// SIGHUP. A file that does not load keeps the certificate in use and logs an error.
    pub async fn watch_files(self, cert_path: PathBuf, key_path: PathBuf, interval: Duration) {
        let stamp = |p: &Path| {
            std::fs::metadata(p)
                .ok()
                .map(|m| (m.modified().ok(), m.len()))
        };
        let mut seen = (stamp(&cert_path), stamp(&key_path));
        #[cfg(unix)]
        let mut hangup =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok();
        loop {
            #[cfg(unix)]
            let forced = match hangup.as_mut() {
                Some(signal) => tokio::select! {
                    _ = tokio::time::sleep(interval) => false,
                    _ = signal.recv() => true,
                },
                None => {
                    tokio::time::sleep(interval).await;
                    false
                }
            };
            #[cfg(not(unix))]
            let forced = {
                tokio::time::sleep(interval).await;
                false
            };
            let now = (stamp(&cert_path), stamp(&key_path));
            if now == seen && !forced {
                continue;
            }
            // Remembered even on failure: a broken file is reported once, not every poll;
            // the next change (the key of a half-replaced pair, a fixed file) retries.
            seen = now;
            match load_certified_key(&cert_path, &key_path) {
                Ok(key) => {
                    self.replace(key);
                    tracing::info!(cert = %cert_path.display(), "TLS certificate reloaded");
                }
                Err(e) => {
                    tracing::error!(error = %e, "new TLS certificate not loaded; keeping the current one")
                }
            }
        }
    }
}

/// Builds a rustls acceptor for the configured certificate (one that is never replaced).
pub fn acceptor(config: &Config) -> Result<TlsAcceptor, TlsError> {
    Ok(Certificates::load(config)?.acceptor())
}

/// The TLS handshake of an implicit-TLS connection. A ClientHello offering `acme-tls/1` is a
/// TLS-ALPN-01 validation (RFC 8737 §3): it is answered with the challenge certificate and
/// `acme-tls/1` selected, and the connection ends after the handshake. ALPN is negotiated only
/// there, so that clients offering other protocols are served as before.
pub async fn accept<IO>(io: IO, acceptor: &TlsAcceptor) -> std::io::Result<TlsStream<IO>>
where
    IO: AsyncRead + AsyncWrite + Unpin,
{
    let start = LazyConfigAcceptor::new(rustls::server::Acceptor::default(), io).await?;
    if offers_acme_alpn(start.client_hello().alpn()) {
        let mut config = (**acceptor.config()).clone();
        config.alpn_protocols = vec![ACME_TLS_ALPN.to_vec()];
        let mut stream = start.into_stream(Arc::new(config)).await?;
        let _ = stream.shutdown().await;
        return Err(std::io::Error::other("TLS-ALPN-01 validation answered"));
    }
    start.into_stream(acceptor.config().clone()).await
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

    /// Accepts any server certificate: these tests compare what is presented.
    #[derive(Debug)]
    struct AnyCert;

    impl rustls::client::danger::ServerCertVerifier for AnyCert {
        fn verify_server_cert(
            &self,
            _: &CertificateDer<'_>,
            _: &[CertificateDer<'_>],
            _: &rustls_pki_types::ServerName<'_>,
            _: &[u8],
            _: rustls_pki_types::UnixTime,
        ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
            Ok(rustls::client::danger::ServerCertVerified::assertion())
        }
        fn verify_tls12_signature(
            &self,
            _: &[u8],
            _: &CertificateDer<'_>,
            _: &rustls::DigitallySignedStruct,
        ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
            Ok(rustls::client::danger::HandshakeSignatureValid::assertion())
        }
        fn verify_tls13_signature(
            &self,
            _: &[u8],
            _: &CertificateDer<'_>,
            _: &rustls::DigitallySignedStruct,
        ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
            Ok(rustls::client::danger::HandshakeSignatureValid::assertion())
        }
        fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
            provider()
                .signature_verification_algorithms
                .supported_schemes()
        }
    }

    /// One handshake through `tls::accept` over a real loopback socket: the certificate the
    /// client saw and the ALPN protocol chosen, or None when the handshake failed.
    async fn handshake(
        certs: &Certificates,
        name: &str,
        alpn: &[&[u8]],
    ) -> Option<(CertificateDer<'static>, Option<Vec<u8>>)> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let acceptor = certs.acceptor();
        let server = tokio::spawn(async move {
            let (tcp, _) = listener.accept().await.unwrap();
            if let Ok(mut stream) = accept(tcp, &acceptor).await {
                let _ = stream.write_all(b"* OK\r\n").await;
                let _ = stream.shutdown().await;
            }
        });
        let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnyCert))
            .with_no_client_auth();
        config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
        let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
        let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
        let server_name = rustls_pki_types::ServerName::try_from(name.to_string()).unwrap();
        let result = connector.connect(server_name, tcp).await.ok().map(|s| {
            let (_, conn) = s.get_ref();
            (
                conn.peer_certificates().unwrap()[0].clone().into_owned(),
                conn.alpn_protocol().map(|p| p.to_vec()),
            )
        });
        let _ = server.await;
        result
    }

    /// A client that keeps its sessions (as real MTAs and mail clients do) comes back with a
    /// resumed handshake, over TLS 1.3 and 1.2 alike, even after more other clients than
    /// rustls' default in-memory session cache holds (256) came in between: the tickets carry
    /// the session, the server keeps nothing per client.
    #[tokio::test]
    async fn a_returning_client_resumes_its_session_after_many_others() {
        use rustls::HandshakeKind;
        let (certs, _) = certificates_for("mail.example.org");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let acceptor = certs.acceptor();
        let server = tokio::spawn(async move {
            loop {
                let (tcp, _) = listener.accept().await.unwrap();
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    if let Ok(mut stream) = accept(tcp, &acceptor).await {
                        let _ = stream.write_all(b"* OK\r\n").await;
                        let _ = stream.shutdown().await;
                    }
                });
            }
        });
        let client = |version: &'static rustls::SupportedProtocolVersion| {
            let config = rustls::ClientConfig::builder_with_provider(Arc::new(provider()))
                .with_protocol_versions(&[version])
                .unwrap()
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(AnyCert))
                .with_no_client_auth();
            tokio_rustls::TlsConnector::from(Arc::new(config))
        };
        // One connection: how its handshake went. Reading to the end also takes in the
        // tickets the server sends after the handshake.
        let connect = |connector: tokio_rustls::TlsConnector| async move {
            let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
            let name = rustls_pki_types::ServerName::try_from("mail.example.org").unwrap();
            let mut stream = connector.connect(name, tcp).await.unwrap();
            let mut greeting = Vec::new();
            tokio::io::AsyncReadExt::read_to_end(&mut stream, &mut greeting)
                .await
                .unwrap();
            assert_eq!(greeting, b"* OK\r\n");
            stream.get_ref().1.handshake_kind()
        };
        for version in [&rustls::version::TLS13, &rustls::version::TLS12] {
            let returning = client(version);
            assert_eq!(connect(returning.clone()).await, Some(HandshakeKind::Full));
            assert_eq!(
                connect(returning.clone()).await,
                Some(HandshakeKind::Resumed),
                "{version:?}"
            );
            for _ in 0..300 {
                connect(client(version)).await;
            }
            assert_eq!(
                connect(returning).await,
                Some(HandshakeKind::Resumed),
                "{version:?} after 300 other clients"
            );
        }
        server.abort();
    }

    fn certificates_for(name: &str) -> (Certificates, CertificateDer<'static>) {
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(vec![name.to_string()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        let ck =
            certified_key_from_pem(cert.pem().as_bytes(), key.serialize_pem().as_bytes()).unwrap();
        (
            Certificates::with_key(ck).unwrap(),
            cert.der().clone().into_owned(),
        )
    }

    #[tokio::test]
    async fn a_replaced_certificate_serves_the_next_handshake() {
        let (certs, first) = certificates_for("mail.example.org");
        let (seen, alpn) = handshake(&certs, "mail.example.org", &[b"imap"])
            .await
            .unwrap();
        assert_eq!(seen, first);
        assert_eq!(alpn, None, "ALPN is only negotiated for acme-tls/1");
        let (other, second) = certificates_for("mail.example.org");
        certs.replace(Arc::unwrap_or_clone(other.resolver.current.load_full()));
        let (seen, _) = handshake(&certs, "mail.example.org", &[]).await.unwrap();
        assert_eq!(seen, second);
    }

    #[tokio::test]
    async fn tls_alpn_01_answers_with_the_challenge_certificate_only_for_pending_names() {
        let (certs, real) = certificates_for("mail.example.org");
        // No challenge pending: a validation handshake gets no certificate at all.
        assert!(
            handshake(&certs, "mail.example.org", &[ACME_TLS_ALPN])
                .await
                .is_none()
        );
        let digest = [7u8; 32];
        certs
            .add_alpn_challenge("Mail.Example.org", &digest)
            .unwrap();
        let (seen, alpn) = handshake(&certs, "mail.example.org", &[b"h2", ACME_TLS_ALPN])
            .await
            .unwrap();
        assert_eq!(alpn.as_deref(), Some(ACME_TLS_ALPN));
        assert_ne!(seen, real);
        // RFC 8737 §3: id-pe-acmeIdentifier (1.3.6.1.5.5.7.1.31), critical, OCTET STRING of
        // the SHA-256 digest.
        let oid = [0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x1f];
        let mut extension = oid.to_vec();
        extension.extend_from_slice(&[0x01, 0x01, 0xff, 0x04, 0x22, 0x04, 0x20]);
        extension.extend_from_slice(&digest);
        assert!(
            seen.windows(extension.len())
                .any(|w| w == extension.as_slice()),
            "acmeIdentifier extension missing"
        );
        // Another name, or an ordinary client, is unaffected.
        assert!(
            handshake(&certs, "other.example.org", &[ACME_TLS_ALPN])
                .await
                .is_none()
        );
        let (seen, _) = handshake(&certs, "mail.example.org", &[]).await.unwrap();
        assert_eq!(seen, real);
        certs.remove_alpn_challenge("mail.example.org");
        assert!(
            handshake(&certs, "mail.example.org", &[ACME_TLS_ALPN])
                .await
                .is_none()
        );
    }

    #[test]
    fn a_mismatched_key_is_refused() {
        let key = rcgen::KeyPair::generate().unwrap();
        let other = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(vec!["a.example".into()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        assert!(
            certified_key_from_pem(cert.pem().as_bytes(), other.serialize_pem().as_bytes())
                .is_err()
        );
        assert!(certified_key_from_pem(b"garbage", key.serialize_pem().as_bytes()).is_err());
    }
}
