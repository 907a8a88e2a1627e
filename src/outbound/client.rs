//! A small SMTP client for one delivery: greeting, EHLO (HELO fallback), opportunistic
//! STARTTLS, AUTH PLAIN (smart host), MAIL FROM, one RCPT TO per recipient, DATA.
//!
//! Why not the `mail-send` crate: its `send` fails the whole message on one refused recipient,
//! while a queue needs each recipient's own reply (RFC 5321 §3.3), and opportunistic STARTTLS
//! with a fall-back to plain text is below its builder too; 0.7 would also add a second rustls
//! crypto provider (aws-lc) to the build. `smtp-proto` (already ours, for the server) parses the
//! EHLO capabilities; replies are read here line by line with bounds on length and count.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

/// Longest reply line we read (RFC 5321 §4.5.3.1.5 says 512; servers send longer texts).
const MAX_LINE: usize = 4096;
/// Most lines of one multi-line reply.
const MAX_LINES: usize = 64;

/// A remote server's reply: code and text (lines joined with a space).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub code: u16,
    pub text: String,
}

impl Reply {
    pub fn is_positive(&self) -> bool {
        (200..400).contains(&self.code)
    }
    pub fn is_permanent(&self) -> bool {
        (500..600).contains(&self.code)
    }
}

impl std::fmt::Display for Reply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.code, self.text)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("connection: {0}")]
    Io(#[from] std::io::Error),
    #[error("timed out waiting for the server")]
    Timeout,
    #[error("malformed reply from the server")]
    Protocol,
    /// The server refused the session or the transaction as a whole.
    #[error("{0}")]
    Refused(Reply),
}

impl ClientError {
    /// A refusal with a 5xx code fails the recipients for good; anything else is retried.
    pub fn is_permanent(&self) -> bool {
        matches!(self, ClientError::Refused(r) if r.is_permanent())
    }
}

/// What one delivery run needs to know about the session it opens.
pub struct SessionParams<'a> {
    pub helo: &'a str,
    /// Host name the TLS client presents (SNI), when a name is known.
    pub server_name: Option<&'a str>,
    pub timeout: Duration,
    pub auth: Option<(&'a str, &'a str)>,
    /// TLS is required, with this (certificate-checking) connector: MTA-STS `enforce`.
    pub require_tls: Option<TlsConnector>,
}

enum Stream {
    Plain(BufReader<TcpStream>),
    Tls(Box<BufReader<TlsStream<TcpStream>>>),
}

pub struct Client {
    stream: Stream,
    timeout: Duration,
    /// What the server announced in its (last) EHLO reply that we use.
    starttls: bool,
    auth_plain: bool,
    size: bool,
    eight_bit: bool,
    smtputf8: bool,
    pub tls: bool,
}

impl Client {
    /// Connects, reads the greeting, says EHLO and upgrades to TLS when offered. TLS is
    /// opportunistic (RFC 7435, RFC 3207): any certificate is accepted, and a failed handshake
    /// is an error for this attempt (the connection is gone), retried later.
    pub async fn connect(addr: SocketAddr, p: &SessionParams<'_>) -> Result<Client, ClientError> {
        let tcp = tokio::time::timeout(p.timeout, TcpStream::connect(addr))
            .await
            .map_err(|_| ClientError::Timeout)??;
        let _ = tcp.set_nodelay(true);
        let mut client = Client {
            stream: Stream::Plain(BufReader::new(tcp)),
            timeout: p.timeout,
            starttls: false,
            auth_plain: false,
            size: false,
            eight_bit: false,
            smtputf8: false,
            tls: false,
        };
        let greeting = client.read_reply().await?;
        if greeting.code != 220 {
            return Err(ClientError::Refused(greeting));
        }
        client.ehlo(p.helo).await?;
        if p.require_tls.is_some() && !client.starttls {
            return Err(ClientError::Refused(Reply {
                code: 454,
                text: "4.7.5 STARTTLS required by the domain's MTA-STS policy is not offered"
                    .into(),
            }));
        }
        if client.starttls {
            let reply = client.command("STARTTLS\r\n").await?;
            if reply.code != 220 && p.require_tls.is_some() {
                return Err(ClientError::Refused(Reply {
                    code: 454,
                    text: format!("4.7.5 STARTTLS refused ({reply}) but required by MTA-STS"),
                }));
            }
            if reply.code == 220 {
                let connector = p.require_tls.clone().unwrap_or_else(connector);
                client = client.upgrade(p.server_name, addr, connector).await?;
                // RFC 3207 §4.2: forget what was learnt before TLS and ask again.
                client.ehlo(p.helo).await?;
            }
        }
        if let Some((user, password)) = p.auth {
            client.auth_plain(user, password).await?;
        }
        Ok(client)
    }

    async fn ehlo(&mut self, helo: &str) -> Result<(), ClientError> {
        self.send(format!("EHLO {helo}\r\n").as_bytes()).await?;
        let (reply, raw) = self.read_reply_raw().await?;
        if reply.code == 250 {
            let mut bytes = raw.iter();
            if let Ok(ehlo) = smtp_proto::EhloResponse::parse(&mut bytes) {
                self.starttls = !self.tls && ehlo.has_capability(smtp_proto::EXT_START_TLS);
                self.auth_plain = ehlo.has_capability(smtp_proto::EXT_AUTH)
                    && ehlo.auth_mechanisms & smtp_proto::AUTH_PLAIN != 0;
                self.size = ehlo.has_capability(smtp_proto::EXT_SIZE);
                self.eight_bit = ehlo.has_capability(smtp_proto::EXT_8BIT_MIME);
                self.smtputf8 = ehlo.has_capability(smtp_proto::EXT_SMTP_UTF8);
            }
            return Ok(());
        }
        // RFC 5321 §4.1.4: a server that does not know EHLO gets HELO.
        let reply = self.command(&format!("HELO {helo}\r\n")).await?;
        if reply.code != 250 {
            return Err(ClientError::Refused(reply));
        }
        self.starttls = false;
        self.auth_plain = false;
        self.size = false;
        self.eight_bit = false;
        self.smtputf8 = false;
        Ok(())
    }

    async fn upgrade(
        self,
        server_name: Option<&str>,
        addr: SocketAddr,
        connector: TlsConnector,
    ) -> Result<Client, ClientError> {
        let Stream::Plain(reader) = self.stream else {
            return Err(ClientError::Protocol);
        };
        // Bytes the server sent after its 220 would be a command injection (CVE-2011-0411
        // style); a reader holding any is refused.
        if !reader.buffer().is_empty() {
            return Err(ClientError::Protocol);
        }
        let tcp = reader.into_inner();
        let name = server_name
            .and_then(|n| ServerName::try_from(n.trim_end_matches('.').to_string()).ok())
            .unwrap_or_else(|| ServerName::IpAddress(addr.ip().into()));
        let tls = tokio::time::timeout(self.timeout, connector.connect(name, tcp))
            .await
            .map_err(|_| ClientError::Timeout)??;
        Ok(Client {
            stream: Stream::Tls(Box::new(BufReader::new(tls))),
            timeout: self.timeout,
            starttls: false,
            auth_plain: false,
            size: false,
            eight_bit: false,
            smtputf8: false,
            tls: true,
        })
    }

    async fn auth_plain(&mut self, user: &str, password: &str) -> Result<(), ClientError> {
        use base64::Engine;
        // Credentials never travel in the clear.
        if !self.tls || !self.auth_plain {
            return Err(ClientError::Refused(Reply {
                code: 454,
                text: "4.7.0 smart host offers no AUTH PLAIN over TLS".into(),
            }));
        }
        let token = base64::engine::general_purpose::STANDARD
            .encode(format!("\0{user}\0{password}").as_bytes());
        let reply = self.command(&format!("AUTH PLAIN {token}\r\n")).await?;
        if reply.code != 235 {
            return Err(ClientError::Refused(reply));
        }
        Ok(())
    }

    /// MAIL FROM, with the parameters the server announced and the message needs: SIZE
    /// (RFC 1870, so that a server can refuse before the data), BODY=8BITMIME (RFC 6152) for
    /// 8-bit content, SMTPUTF8 (RFC 6531) for non-ASCII addresses. A refusal concerns the whole
    /// message.
    pub async fn mail_from(
        &mut self,
        from: &str,
        size: usize,
        eight_bit: bool,
        utf8: bool,
    ) -> Result<(), ClientError> {
        let mut params = String::new();
        if self.size {
            params.push_str(&format!(" SIZE={size}"));
        }
        if eight_bit && self.eight_bit {
            params.push_str(" BODY=8BITMIME");
        }
        if utf8 && self.smtputf8 {
            params.push_str(" SMTPUTF8");
        }
        let reply = self
            .command(&format!("MAIL FROM:<{from}>{params}\r\n"))
            .await?;
        if reply.code != 250 {
            return Err(ClientError::Refused(reply));
        }
        Ok(())
    }

    /// RCPT TO: the recipient's own reply.
    pub async fn rcpt_to(&mut self, to: &str) -> Result<Reply, ClientError> {
        self.command(&format!("RCPT TO:<{to}>\r\n")).await
    }

    /// DATA with the message dot-stuffed (RFC 5321 §4.5.2); the final reply is what the
    /// accepted recipients get.
    pub async fn data(&mut self, raw: &[u8]) -> Result<Reply, ClientError> {
        let reply = self.command("DATA\r\n").await?;
        if reply.code != 354 {
            return Ok(reply);
        }
        let body = dot_stuff(raw);
        self.send(&body).await?;
        self.read_reply().await
    }

    /// RSET after a transaction that went nowhere; QUIT when done. Errors do not matter.
    pub async fn quit(mut self) {
        let _ = self.command("QUIT\r\n").await;
    }

    async fn command(&mut self, line: &str) -> Result<Reply, ClientError> {
        self.send(line.as_bytes()).await?;
        self.read_reply().await
    }

    async fn send(&mut self, bytes: &[u8]) -> Result<(), ClientError> {
        let fut = async {
            match &mut self.stream {
                Stream::Plain(s) => {
                    s.get_mut().write_all(bytes).await?;
                    s.get_mut().flush().await
                }
                Stream::Tls(s) => {
                    s.get_mut().write_all(bytes).await?;
                    s.get_mut().flush().await
                }
            }
        };
        tokio::time::timeout(self.timeout, fut)
            .await
            .map_err(|_| ClientError::Timeout)?
            .map_err(ClientError::Io)
    }

    async fn read_reply(&mut self) -> Result<Reply, ClientError> {
        Ok(self.read_reply_raw().await?.0)
    }

    async fn read_reply_raw(&mut self) -> Result<(Reply, Vec<u8>), ClientError> {
        let timeout = self.timeout;
        let fut = async {
            match &mut self.stream {
                Stream::Plain(s) => read_reply(s).await,
                Stream::Tls(s) => read_reply(s.as_mut()).await,
            }
        };
        tokio::time::timeout(timeout, fut)
            .await
            .map_err(|_| ClientError::Timeout)?
    }
}

/// Reads one (multi-line) reply: `ddd-text` lines ending with `ddd text`.
async fn read_reply<R: AsyncRead + Unpin>(
    r: &mut BufReader<R>,
) -> Result<(Reply, Vec<u8>), ClientError> {
    let mut raw = Vec::new();
    let mut texts = Vec::new();
    let mut code = None;
    for _ in 0..MAX_LINES {
        let mut line = Vec::new();
        let n = (&mut *r)
            .take(MAX_LINE as u64)
            .read_until(b'\n', &mut line)
            .await?;
        if n == 0 {
            return Err(ClientError::Io(std::io::ErrorKind::UnexpectedEof.into()));
        }
        if line.last() != Some(&b'\n') {
            return Err(ClientError::Protocol);
        }
        raw.extend_from_slice(&line);
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\r', '\n']);
        let digits = text.get(..3).ok_or(ClientError::Protocol)?;
        let this: u16 = digits.parse().map_err(|_| ClientError::Protocol)?;
        if !(200..600).contains(&this) || code.is_some_and(|c| c != this) {
            return Err(ClientError::Protocol);
        }
        code = Some(this);
        let sep = text.get(3..4).unwrap_or(" ");
        texts.push(text.get(4..).unwrap_or("").to_string());
        if sep != "-" {
            let reply = Reply {
                code: this,
                text: printable(&texts.join(" ")),
            };
            return Ok((reply, raw));
        }
    }
    Err(ClientError::Protocol)
}

/// Most characters of a reply's text kept: it goes into the attempt log (64 entries per
/// message) and DSNs, and a hostile server may send 64 lines of 4 KiB.
const MAX_REPLY_TEXT: usize = 512;

/// A reply's text as we keep it: printable, on one line, bounded.
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(MAX_REPLY_TEXT)
        .collect()
}

/// The message as DATA sends it: CRLF line ends, leading dots doubled, `.` at the end.
pub fn dot_stuff(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len() + raw.len() / 50 + 5);
    let mut at_line_start = true;
    let mut prev = 0u8;
    for &b in raw {
        if at_line_start && b == b'.' {
            out.push(b'.');
        }
        if b == b'\n' && prev != b'\r' {
            out.push(b'\r');
        }
        out.push(b);
        at_line_start = b == b'\n';
        prev = b;
    }
    if !at_line_start {
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b".\r\n");
    out
}

fn connector() -> TlsConnector {
    static CONNECTOR: std::sync::OnceLock<TlsConnector> = std::sync::OnceLock::new();
    CONNECTOR
        .get_or_init(|| {
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            let verifier = Arc::new(AnyCertificate(provider.clone()));
            let config = rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .map(|b| {
                    b.dangerous()
                        .with_custom_certificate_verifier(verifier)
                        .with_no_client_auth()
                });
            match config {
                Ok(c) => TlsConnector::from(Arc::new(c)),
                // The ring provider supports the default versions; this cannot fail in practice.
                Err(e) => {
                    tracing::error!(error = %e, "cannot build the outbound TLS configuration");
                    TlsConnector::from(Arc::new(
                        rustls::ClientConfig::builder()
                            .dangerous()
                            .with_custom_certificate_verifier(Arc::new(AnyCertificate(Arc::new(
                                rustls::crypto::ring::default_provider(),
                            ))))
                            .with_no_client_auth(),
                    ))
                }
            }
        })
        .clone()
}

/// Opportunistic TLS (RFC 7435 §3): encryption without authentication beats plain text, so any
/// certificate is accepted. Signatures are still checked, so the handshake itself is sound.
#[derive(Debug)]
struct AnyCertificate(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn replies_are_bounded_and_checked() {
        async fn parse(input: &[u8]) -> Result<Reply, ClientError> {
            let mut r = BufReader::new(input);
            read_reply(&mut r).await.map(|(reply, _)| reply)
        }
        let r = parse(b"250-first\r\n250 second\x07\r\n").await.unwrap();
        assert_eq!(r.code, 250);
        assert_eq!(r.text, "first second ");
        let long = format!("550 {}\r\n", "x".repeat(3000));
        assert_eq!(
            parse(long.as_bytes()).await.unwrap().text.len(),
            MAX_REPLY_TEXT
        );
        assert!(
            parse(b"250-a\r\n251 b\r\n").await.is_err(),
            "codes must agree"
        );
        assert!(parse(b"hello\r\n").await.is_err());
        assert!(parse(b"250 no end").await.is_err());
        let endless = "250-x\r\n".repeat(MAX_LINES + 1);
        assert!(parse(endless.as_bytes()).await.is_err());
    }

    #[test]
    fn dot_stuffing_and_line_ends() {
        assert_eq!(
            dot_stuff(b"a\n.b\r\n..c"),
            b"a\r\n..b\r\n...c\r\n.\r\n".to_vec()
        );
        assert_eq!(dot_stuff(b".\r\n"), b"..\r\n.\r\n".to_vec());
    }
}
