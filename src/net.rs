//! A connection that starts in plain text and may be upgraded to TLS (STARTTLS), or starts in TLS
//! (implicit TLS). Shared by every protocol server so that STARTTLS is written once.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

/// A client connection, plain or TLS.
pub enum Conn {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
    /// Transitional state while a STARTTLS handshake owns the socket; never read or written.
    Upgrading,
}

impl Conn {
    /// Performs the TLS handshake on an accepted socket (implicit TLS listeners).
    pub async fn accept_tls(tcp: TcpStream, acceptor: &TlsAcceptor) -> io::Result<Conn> {
        Ok(Conn::Tls(Box::new(
            crate::tls::accept(tcp, acceptor).await?,
        )))
    }

    /// Upgrades a plain connection in place (STARTTLS). Any bytes the client pipelined after the
    /// STARTTLS command must already have been discarded by the caller (RFC 3207 §4.2, RFC 9051 §6.2.1),
    /// which is why protocol sessions clear their read buffer before calling this.
    pub async fn upgrade(&mut self, acceptor: &TlsAcceptor) -> io::Result<()> {
        match std::mem::replace(self, Conn::Upgrading) {
            Conn::Plain(tcp) => {
                *self = Conn::Tls(Box::new(acceptor.accept(tcp).await?));
                Ok(())
            }
            other => {
                *self = other;
                Err(io::Error::other("connection is already using TLS"))
            }
        }
    }

    pub fn is_tls(&self) -> bool {
        matches!(self, Conn::Tls(_))
    }

    /// The TLS protocol version and cipher suite, for Received headers and logs.
    pub fn tls_description(&self) -> Option<String> {
        match self {
            Conn::Tls(s) => {
                let (_, conn) = s.get_ref();
                let version = conn.protocol_version().map(|v| format!("{v:?}"));
                let suite = conn
                    .negotiated_cipher_suite()
                    .map(|s| format!("{:?}", s.suite()));
                Some(format!(
                    "{} {}",
                    version.unwrap_or_default(),
                    suite.unwrap_or_default()
                ))
            }
            _ => None,
        }
    }

    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        match self {
            Conn::Plain(s) => s.peer_addr(),
            Conn::Tls(s) => s.get_ref().0.peer_addr(),
            Conn::Upgrading => Err(io::Error::other("connection is upgrading")),
        }
    }
}

fn upgrading() -> io::Error {
    io::Error::other("connection used during TLS upgrade")
}

impl AsyncRead for Conn {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
            Conn::Upgrading => Poll::Ready(Err(upgrading())),
        }
    }
}

impl AsyncWrite for Conn {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
            Conn::Upgrading => Poll::Ready(Err(upgrading())),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_flush(cx),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
            Conn::Upgrading => Poll::Ready(Err(upgrading())),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
            Conn::Upgrading => Poll::Ready(Err(upgrading())),
        }
    }
}
