//! The connection to the other provider: TCP, TLS (implicit or STARTTLS) with tokio-rustls, and
//! an async-imap session logged in, with every byte the server sends counted against a budget
//! set before each command, so that a hostile or broken server cannot make us buffer more than
//! one message (async-imap alone would grow its buffer to 512 MiB).

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use rustls::RootCertStore;
use rustls::pki_types::{CertificateDer, ServerName, pem::PemObject};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

use super::ImportError;
use crate::store::import::{ImportSecurity, ImportSource};

/// What the remote server may send in answer to a command that carries no message (greeting,
/// LOGIN, LIST, SELECT, a FETCH of flags and dates).
pub const SMALL_BUDGET: u64 = 8 * 1024 * 1024;

/// A stream the IMAP client reads through.
pub trait Io: AsyncRead + AsyncWrite + Unpin + Send + std::fmt::Debug {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + std::fmt::Debug> Io for T {}

/// Reads at most `budget` bytes, then fails; the budget is reset before each command.
#[derive(Debug)]
pub struct Budgeted {
    inner: Box<dyn Io>,
    budget: Arc<AtomicU64>,
    /// Reads go through this buffer so that no read takes more than the budget left (a safe
    /// alternative to narrowing the caller's `ReadBuf`).
    scratch: Vec<u8>,
}

impl AsyncRead for Budgeted {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let me = self.get_mut();
        let left = me.budget.load(Ordering::Relaxed);
        if left == 0 {
            return Poll::Ready(Err(std::io::Error::other(
                "the remote server sent more than expected (message size limit)",
            )));
        }
        let want = buf
            .remaining()
            .min(me.scratch.len())
            .min(usize::try_from(left).unwrap_or(usize::MAX));
        let Some(scratch) = me.scratch.get_mut(..want) else {
            return Poll::Ready(Ok(()));
        };
        let mut inner_buf = ReadBuf::new(scratch);
        match Pin::new(&mut me.inner).poll_read(cx, &mut inner_buf) {
            Poll::Ready(Ok(())) => {
                let got = inner_buf.filled();
                me.budget
                    .fetch_sub((got.len() as u64).min(left), Ordering::Relaxed);
                buf.put_slice(got);
                Poll::Ready(Ok(()))
            }
            other => other,
        }
    }
}

impl AsyncWrite for Budgeted {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, data)
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

pub type Session = async_imap::Session<Budgeted>;

/// A logged-in session with its read budget and command deadline.
pub struct Remote {
    pub session: Session,
    budget: Arc<AtomicU64>,
    pub timeout: Duration,
}

impl Remote {
    /// Allows the server `bytes` for the next command's answer.
    pub fn allow(&self, bytes: u64) {
        self.budget.store(bytes, Ordering::Relaxed);
    }

    pub async fn logout(mut self) {
        self.allow(SMALL_BUDGET);
        let _ = tokio::time::timeout(self.timeout, self.session.logout()).await;
    }
}

/// Roots: the system's bundle and the job's own CA certificates.
fn tls_config(ca_pem: Option<&str>) -> Result<rustls::ClientConfig, ImportError> {
    let mut roots = RootCertStore::empty();
    for file in [
        "/etc/ssl/certs/ca-certificates.crt",
        "/etc/pki/tls/certs/ca-bundle.crt",
        "/etc/ssl/cert.pem",
    ] {
        if let Ok(certs) = CertificateDer::pem_file_iter(file) {
            roots.add_parsable_certificates(certs.filter_map(Result::ok));
            break;
        }
    }
    if let Some(pem) = ca_pem {
        let certs: Vec<_> = CertificateDer::pem_slice_iter(pem.as_bytes())
            .filter_map(Result::ok)
            .collect();
        let (added, _) = roots.add_parsable_certificates(certs);
        if added == 0 {
            return Err(ImportError::Tls("the CA file holds no certificate".into()));
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ImportError::Tls(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

async fn within<T, E: std::fmt::Display>(
    limit: Duration,
    what: &'static str,
    f: impl std::future::Future<Output = Result<T, E>>,
    wrap: fn(String) -> ImportError,
) -> Result<T, ImportError> {
    match tokio::time::timeout(limit, f).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(wrap(format!("{what}: {e}"))),
        Err(_) => Err(ImportError::Timeout(what)),
    }
}

/// Connects, secures the connection and logs in.
pub async fn connect(
    source: &ImportSource,
    password: &str,
    timeout: Duration,
) -> Result<Remote, ImportError> {
    let tcp = within(
        timeout,
        "connect",
        TcpStream::connect((source.host.as_str(), source.port)),
        ImportError::Connect,
    )
    .await?;
    let _ = tcp.set_nodelay(true);
    let connector =
        tokio_rustls::TlsConnector::from(Arc::new(tls_config(source.ca_pem.as_deref())?));
    let name = ServerName::try_from(source.host.clone())
        .map_err(|_| ImportError::Tls(format!("\"{}\" is not a host name", source.host)))?;
    let budget = Arc::new(AtomicU64::new(SMALL_BUDGET));
    let tcp_io: Box<dyn Io> = Box::new(tcp);
    let plain = Budgeted {
        inner: tcp_io,
        budget: budget.clone(),
        scratch: vec![0; 64 * 1024],
    };
    let tls_io: Box<dyn Io> = match source.security {
        ImportSecurity::Tls => {
            let Budgeted { inner, .. } = plain;
            Box::new(
                within(
                    timeout,
                    "TLS handshake",
                    connector.connect(name, inner),
                    ImportError::Tls,
                )
                .await?,
            )
        }
        ImportSecurity::Starttls => {
            // RFC 9051 §6.2.1: greeting, STARTTLS, then the handshake; async-imap has no STARTTLS
            // of its own, but its client reads the greeting and runs the command.
            let mut client = async_imap::Client::new(plain);
            within(
                timeout,
                "greeting",
                client.read_response(),
                ImportError::Protocol,
            )
            .await?;
            within(
                timeout,
                "STARTTLS",
                client.run_command_and_check_ok("STARTTLS", None),
                ImportError::Tls,
            )
            .await?;
            // `into_inner` drops whatever the server sent after its OK: nothing from before
            // the handshake is trusted.
            let Budgeted { inner, .. } = client.into_inner();
            Box::new(
                within(
                    timeout,
                    "TLS handshake",
                    connector.connect(name, inner),
                    ImportError::Tls,
                )
                .await?,
            )
        }
    };
    let stream = Budgeted {
        inner: tls_io,
        budget: budget.clone(),
        scratch: vec![0; 64 * 1024],
    };
    let mut client = async_imap::Client::new(stream);
    if source.security == ImportSecurity::Tls {
        within(
            timeout,
            "greeting",
            client.read_response(),
            ImportError::Protocol,
        )
        .await?;
    }
    budget.store(SMALL_BUDGET, Ordering::Relaxed);
    let session = match tokio::time::timeout(timeout, client.login(&source.user, password)).await {
        Ok(Ok(session)) => session,
        Ok(Err((e @ (async_imap::error::Error::No(_) | async_imap::error::Error::Bad(_)), _))) => {
            return Err(ImportError::Auth(e.to_string()));
        }
        Ok(Err((e, _))) => return Err(ImportError::Protocol(format!("login: {e}"))),
        Err(_) => return Err(ImportError::Timeout("login")),
    };
    Ok(Remote {
        session,
        budget,
        timeout,
    })
}
