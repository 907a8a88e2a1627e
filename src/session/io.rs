//! Buffered session I/O shared by every protocol: reads under deadlines that trickled bytes
//! cannot extend, writes under a timeout, STARTTLS with a handshake timeout, a total session
//! lifetime, and the revocation signal of a logged-in session.
//!
//! Protocol framers stay sans-I/O: a session asks [`SessionIo::read`] for bytes and feeds them to
//! its framer, queues replies with [`SessionIo::send`], and flushes before it waits.
//!
//! Read deadlines: between commands the session waits up to its idle timeout for the first byte
//! of the next command (RFC 5321 §4.5.3.2.7, RFC 9051 §5.4). From that first byte the whole
//! command (line and literals) must arrive within `command_timeout`; later reads never reset that
//! deadline, so a client trickling a byte now and then is cut off. Large payloads earn extra time
//! only at `min_transfer_rate`, never more than the budget ahead of now.

use std::io;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::time::{Instant, timeout, timeout_at};
use tokio_rustls::TlsAcceptor;

use super::revoke::LoginGuard;
use crate::config::Limits;
use crate::net::Conn;

const READ_CHUNK: usize = 16 * 1024;
/// The read buffer between commands, and the most of the write buffer kept then: an idle session
/// (IMAP IDLE, thousands at once) should cost little. A command that needs more than one read
/// (literals, DATA) reads READ_CHUNK at a time from its second read on.
const IDLE_CHUNK: usize = 1024;
/// A farewell or a shutdown must not wait on a client that stopped reading.
const GOODBYE_TIMEOUT: Duration = Duration::from_secs(5);

/// `t + d`, saturating far in the future: durations come from the operator's configuration and
/// may be huge, and `Instant + Duration` panics on overflow.
fn after(t: Instant, d: Duration) -> Instant {
    t.checked_add(d)
        .unwrap_or_else(|| t + Duration::from_secs(100 * 365 * 86_400))
}

/// Why a session's I/O stopped. The session decides what, if anything, to say.
#[derive(Debug, thiserror::Error)]
pub enum IoError {
    #[error("i/o error: {0}")]
    Io(#[from] io::Error),
    #[error("client closed the connection")]
    Eof,
    #[error("timed out waiting for the client")]
    ReadTimeout,
    #[error("timed out writing to the client")]
    WriteTimeout,
    #[error("session lifetime reached")]
    Lifetime,
    #[error("credentials revoked")]
    Revoked,
    #[error("TLS handshake failed: {0}")]
    Handshake(io::Error),
    #[error("TLS handshake timed out")]
    HandshakeTimeout,
}

/// Sessions whose handlers return `std::io::Result` carry the kit's reason inside the
/// `io::Error`; [`IoError::reason`] gets it back to choose the farewell.
impl From<IoError> for io::Error {
    fn from(e: IoError) -> io::Error {
        match e {
            IoError::Io(e) => e,
            IoError::Eof => io::Error::from(io::ErrorKind::UnexpectedEof),
            other => io::Error::other(other),
        }
    }
}

impl IoError {
    /// The kit's reason inside an `io::Error` made by the `From` above, if any.
    pub fn reason(e: &io::Error) -> Option<&IoError> {
        e.get_ref()
            .and_then(|inner| inner.downcast_ref::<IoError>())
    }
}

/// What the server gives every session besides its protocol settings.
#[derive(Clone)]
pub struct Kit {
    /// Longest the session may last (the listener's `session_lifetime`).
    pub lifetime: Duration,
    /// Where a logged-in session registers to be ended when its credentials are revoked.
    pub revoker: Option<super::revoke::Revoker>,
}

impl Default for Kit {
    fn default() -> Self {
        Kit {
            lifetime: Duration::from_secs(Limits::default().imap_session_lifetime),
            revoker: None,
        }
    }
}

/// The read deadline in force.
#[derive(Debug, Clone, Copy)]
enum Wait {
    /// Between commands: no byte of the next one yet.
    Idle { until: Instant },
    /// Inside a command or payload, since `started`: it must be complete within the caller's
    /// budget plus what its size `earned` at `min_transfer_rate`, and never stall for longer
    /// than the budget.
    Busy {
        started: Instant,
        earned: Duration,
        last_read: Instant,
    },
}

pub struct SessionIo {
    conn: Conn,
    out: Vec<u8>,
    buf: Box<[u8]>,
    wait: Wait,
    /// When the session must end: its lifetime, or earlier while a login deadline applies.
    ends_at: Instant,
    lifetime_end: Instant,
    write_timeout: Duration,
    handshake_timeout: Duration,
    min_rate: u64,
    login: Option<LoginGuard>,
}

impl SessionIo {
    pub fn new(conn: Conn, limits: &Limits, lifetime: Duration) -> SessionIo {
        let now = Instant::now();
        SessionIo {
            conn,
            // Allocated by the first reply (or never: `send_buffer` hands one over).
            out: Vec::new(),
            buf: vec![0; IDLE_CHUNK].into_boxed_slice(),
            wait: Wait::Idle {
                until: after(now, Duration::from_secs(limits.command_timeout)),
            },
            ends_at: after(now, lifetime),
            lifetime_end: after(now, lifetime),
            write_timeout: Duration::from_secs(limits.write_timeout),
            handshake_timeout: Duration::from_secs(limits.tls_handshake_timeout),
            min_rate: limits.min_transfer_rate,
            login: None,
        }
    }

    pub fn conn(&self) -> &Conn {
        &self.conn
    }

    pub fn is_tls(&self) -> bool {
        self.conn.is_tls()
    }

    pub fn tls_description(&self) -> Option<String> {
        self.conn.tls_description()
    }

    /// Queues bytes for the next flush.
    pub fn send(&mut self, bytes: &[u8]) {
        self.out.extend_from_slice(bytes);
    }

    /// Octets queued and not yet written.
    pub fn pending(&self) -> usize {
        self.out.len()
    }

    /// Ends the session `within` from now if that comes before its lifetime (a client must log
    /// in within `unauthenticated_timeout` of connecting); `None` lifts it (after login).
    pub fn set_login_deadline(&mut self, within: Option<Duration>) {
        self.ends_at = within.map_or(self.lifetime_end, |d| {
            after(Instant::now(), d).min(self.lifetime_end)
        });
    }

    /// Between commands (after the previous reply): wait up to `idle` for the first byte of the
    /// next command. From that byte on, [`read`](Self::read)'s budget counts.
    pub fn expect_command(&mut self, idle: Duration) {
        self.wait = Wait::Idle {
            until: after(Instant::now(), idle),
        };
    }

    /// Attaches the login's revocation signal: reads and writes end with [`IoError::Revoked`]
    /// once the account is blocked or the device password removed.
    pub fn set_login(&mut self, login: Option<LoginGuard>) {
        self.login = login;
    }

    fn check_revoked(&self) -> Result<(), IoError> {
        match &self.login {
            Some(l) if l.is_revoked() => Err(IoError::Revoked),
            _ => Ok(()),
        }
    }

    /// Writes everything queued, within `write_timeout`.
    pub async fn flush(&mut self) -> Result<(), IoError> {
        if self.out.is_empty() {
            return Ok(());
        }
        let mut out = std::mem::take(&mut self.out);
        let written = self.write_out(&out).await;
        // Keep the allocation for the next replies unless a large response grew it.
        if out.capacity() <= 64 * 1024 {
            out.clear();
            self.out = out;
        }
        written
    }

    /// [`send`](Self::send) `bytes` then [`flush`](Self::flush), written from the caller's
    /// buffer when nothing else is queued (no copy, and no buffer of the kit's own: a session
    /// that formats its replies in its own buffer needs just that one). `bytes` is left empty.
    pub async fn flush_from(&mut self, bytes: &mut Vec<u8>) -> Result<(), IoError> {
        if !self.out.is_empty() {
            self.out.extend_from_slice(bytes);
            bytes.clear();
            return self.flush().await;
        }
        if bytes.is_empty() {
            return Ok(());
        }
        let written = self.write_out(bytes).await;
        bytes.clear();
        written
    }

    /// Writes `out` within `write_timeout`, unless the login was revoked.
    async fn write_out(&mut self, out: &[u8]) -> Result<(), IoError> {
        self.check_revoked()?;
        let conn = &mut self.conn;
        timeout(self.write_timeout, async {
            conn.write_all(out).await?;
            conn.flush().await
        })
        .await
        .map_err(|_| IoError::WriteTimeout)??;
        Ok(())
    }

    /// Writes a farewell (BYE, 421) briefly, ignoring failures: the session is ending anyway.
    /// A revoked login gets nothing more than the farewell, not the output it was still owed.
    pub async fn goodbye(&mut self, bytes: &[u8]) {
        if self.check_revoked().is_err() {
            self.out.clear();
        }
        self.out.extend_from_slice(bytes);
        let out = std::mem::take(&mut self.out);
        let conn = &mut self.conn;
        let _ = timeout(GOODBYE_TIMEOUT, async {
            conn.write_all(&out).await?;
            conn.flush().await
        })
        .await;
    }

    /// Closes the connection (TLS close_notify), briefly. Plain TCP needs nothing here: every
    /// caller ends the session next, and dropping the socket sends the FIN that `shutdown(2)`
    /// would (one system call less per connection).
    pub async fn shutdown(&mut self) {
        if !self.conn.is_tls() {
            return;
        }
        let _ = timeout(GOODBYE_TIMEOUT, self.conn.shutdown()).await;
    }

    /// Ends a session that the kit cut short (read deadline, lifetime, revocation) with the
    /// protocol's farewell, `bye(text)`; `idle` words the read deadline. Other errors end the
    /// session without words (the peer is gone or broken). Returns whether a farewell was sent.
    pub async fn farewell(
        &mut self,
        e: &io::Error,
        idle: &'static str,
        bye: impl FnOnce(&str) -> Vec<u8>,
    ) -> bool {
        let text = match IoError::reason(e) {
            Some(IoError::ReadTimeout) => idle,
            Some(IoError::Lifetime) => "Session time limit reached",
            Some(IoError::Revoked) => "Credentials revoked",
            _ => return false,
        };
        tracing::info!(reason = text, "closing the session");
        self.goodbye(&bye(text)).await;
        self.shutdown().await;
        true
    }

    /// Flushes, then waits for more bytes. Between commands the idle deadline applies; inside
    /// one, the unit in progress (command with its literals, or a DATA/BDAT payload) must be
    /// whole within `budget` of its first byte, plus what its size earned. Cancel-safe once the
    /// output is flushed (the IDLE loop selects over it).
    pub async fn read(&mut self, budget: Duration) -> Result<&[u8], IoError> {
        self.flush().await?;
        self.size_buffers();
        let until = match self.wait {
            Wait::Idle { until } => until,
            Wait::Busy {
                started,
                earned,
                last_read,
            } => after(after(started, budget), earned).min(after(last_read, budget)),
        };
        let (until, on_timeout) = if self.ends_at < until {
            (self.ends_at, IoError::Lifetime)
        } else {
            (until, IoError::ReadTimeout)
        };
        let read = async {
            match &mut self.login {
                Some(login) => {
                    tokio::select! {
                        r = self.conn.read(&mut self.buf) => r.map_err(IoError::Io),
                        _ = login.revoked() => Err(IoError::Revoked),
                    }
                }
                None => self.conn.read(&mut self.buf).await.map_err(IoError::Io),
            }
        };
        let n = timeout_at(until, read).await.map_err(|_| on_timeout)??;
        if n == 0 {
            return Err(IoError::Eof);
        }
        let now = Instant::now();
        self.wait = match self.wait {
            Wait::Idle { .. } => Wait::Busy {
                started: now,
                earned: Duration::ZERO,
                last_read: now,
            },
            Wait::Busy {
                started, earned, ..
            } => Wait::Busy {
                started,
                earned: earned + Duration::from_secs_f64(n as f64 / self.min_rate.max(1) as f64),
                last_read: now,
            },
        };
        Ok(&self.buf[..n])
    }

    /// Small buffers while waiting for a command; READ_CHUNK inside one that needs more reads.
    fn size_buffers(&mut self) {
        match self.wait {
            Wait::Idle { .. } => {
                if self.buf.len() > IDLE_CHUNK {
                    self.buf = vec![0; IDLE_CHUNK].into_boxed_slice();
                }
                if self.out.capacity() > IDLE_CHUNK {
                    self.out = Vec::new();
                }
            }
            Wait::Busy { .. } => {
                if self.buf.len() < READ_CHUNK {
                    self.buf = vec![0; READ_CHUNK].into_boxed_slice();
                }
            }
        }
    }

    /// STARTTLS (RFC 3207 §4.2, RFC 9051 §6.2.1, RFC 5804 §2.2): flushes the positive reply,
    /// then runs the handshake within `tls_handshake_timeout`. The caller must drop whatever its
    /// framer holds: input pipelined after the command was sent in clear text and must not be
    /// executed inside TLS (CVE-2011-0411). Bytes still in the socket are read by the handshake,
    /// which then fails, so they are never executed either.
    pub async fn starttls(&mut self, acceptor: &TlsAcceptor) -> Result<(), IoError> {
        self.flush().await?;
        let until = after(Instant::now(), self.handshake_timeout).min(self.ends_at);
        match timeout_at(until, self.conn.upgrade(acceptor)).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(IoError::Handshake(e)),
            Err(_) => Err(IoError::HandshakeTimeout),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::net::{TcpListener, TcpStream};

    async fn pair(limits: &Limits, lifetime: Duration) -> (SessionIo, TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (server, _) = listener.accept().await.unwrap();
        (
            SessionIo::new(Conn::Plain(server), limits, lifetime),
            client,
        )
    }

    #[tokio::test]
    async fn trickled_bytes_do_not_extend_the_command_deadline() {
        let limits = Limits {
            command_timeout: 1,
            ..Limits::default()
        };
        let (mut io, mut client) = pair(&limits, Duration::from_secs(60)).await;
        io.expect_command(Duration::from_secs(10));
        let start = Instant::now();
        let trickle = tokio::spawn(async move {
            for _ in 0..20 {
                if client.write_all(b"x").await.is_err() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        });
        let err = loop {
            match io.read(Duration::from_secs(1)).await {
                Ok(_) => continue,
                Err(e) => break e,
            }
        };
        assert!(matches!(err, IoError::ReadTimeout), "{err}");
        let took = start.elapsed();
        assert!(
            took < Duration::from_millis(1800),
            "deadline was extended: {took:?}"
        );
        trickle.abort();
    }

    #[tokio::test]
    async fn lifetime_ends_a_busy_session() {
        let limits = Limits::default();
        let (mut io, mut client) = pair(&limits, Duration::from_millis(500)).await;
        io.expect_command(Duration::from_secs(10));
        let feeder = tokio::spawn(async move {
            loop {
                if client.write_all(b"NOOP\r\n").await.is_err() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        });
        let err = loop {
            match io.read(Duration::from_secs(10)).await {
                Ok(_) => io.expect_command(Duration::from_secs(10)),
                Err(e) => break e,
            }
        };
        assert!(matches!(err, IoError::Lifetime), "{err}");
        feeder.abort();
    }

    #[tokio::test]
    async fn a_client_that_stops_reading_gets_a_write_timeout() {
        let limits = Limits {
            write_timeout: 1,
            ..Limits::default()
        };
        let (mut io, client) = pair(&limits, Duration::from_secs(60)).await;
        let chunk = vec![b'x'; 1024 * 1024];
        let start = Instant::now();
        let err = loop {
            io.send(&chunk);
            if let Err(e) = io.flush().await {
                break e;
            }
            assert!(start.elapsed() < Duration::from_secs(30), "never timed out");
        };
        assert!(matches!(err, IoError::WriteTimeout), "{err}");
        drop(client);
    }
}
