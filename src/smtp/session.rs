//! One SMTP session (RFC 5321), for the MX role (`Protocol::Smtp`) and for message submission
//! (`Protocol::Submission`, RFC 6409: authentication required before MAIL).
//!
//! Extensions: PIPELINING (RFC 2920), SIZE (RFC 1870), 8BITMIME (RFC 6152), ENHANCEDSTATUSCODES
//! (RFC 2034/3463), SMTPUTF8 (RFC 6531), CHUNKING (RFC 3030, without BINARYMIME), STARTTLS
//! (RFC 3207), AUTH PLAIN/LOGIN (RFC 4954). Wire details live in [`super::wire`] and [`super::data`]; everything
//! the session needs to decide comes through [`SmtpBackend`].

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use smtp_proto::{EhloResponse, MailFrom, RcptTo, Request};
use tokio_rustls::TlsAcceptor;
use tracing::{Instrument, Span, debug, info, info_span, warn};

use super::backend::{AuthResult, Envelope, IncomingMessage, RcptDecision, SmtpBackend};
use super::data::{DataOutcome, DataReader};
use super::spool::{MessageBuffer, Spool};
use super::wire::{self, Framed, InputBuffer, MAX_AUTH_LINE, MAX_COMMAND_LINE};
use crate::config::{Limits, Protocol, TlsMode};
use crate::metrics::{self, Refused};
use crate::net::Conn;
use crate::session::io::{IoError, Kit, SessionIo};
use crate::session::sasl::{self, Mechanism, SaslError, Step};

/// Unrecognised or malformed command lines before the session is closed with 421.
const MAX_PROTOCOL_ERRORS: u32 = 20;

/// What a listener tells its sessions.
#[derive(Clone)]
pub struct SessionConfig {
    /// Our name in the greeting, EHLO reply and Received headers.
    pub hostname: String,
    /// `Smtp` (MX role) or `Submission` (AUTH required before MAIL). Other values behave as
    /// `Smtp`.
    pub protocol: Protocol,
    /// `Starttls` offers STARTTLS on plain connections; `Implicit` means the caller passes an
    /// already-TLS `Conn`; `None` offers no TLS (and allows AUTH from loopback only).
    pub tls_mode: TlsMode,
    /// Needed for STARTTLS; without it STARTTLS is not offered.
    pub tls_acceptor: Option<TlsAcceptor>,
    pub limits: Limits,
    /// Session lifetime and login revocation (`session::io`).
    pub kit: Kit,
    /// The memory budget for messages being received, shared by all listeners; `None` keeps
    /// every message in memory.
    pub spool: Option<Arc<Spool>>,
    /// Whether the Received header of an authenticated session's mail names the client's IP
    /// address (`[submission] received_shows_client_ip`).
    pub received_shows_client_ip: bool,
}

/// Why a session ended early. Logged, never shown to the client.
#[derive(Debug, thiserror::Error)]
enum SessionError {
    #[error("i/o error: {0}")]
    Io(#[from] io::Error),
    #[error("timed out waiting for the client")]
    ReadTimeout,
    #[error("timed out writing to the client")]
    WriteTimeout,
    #[error("client closed the connection")]
    Eof,
    #[error("TLS handshake failed: {0}")]
    Tls(io::Error),
    #[error("session lifetime reached")]
    Lifetime,
    #[error("credentials revoked")]
    Revoked,
}

impl From<IoError> for SessionError {
    fn from(e: IoError) -> Self {
        match e {
            IoError::Io(e) => SessionError::Io(e),
            IoError::Eof => SessionError::Eof,
            IoError::ReadTimeout => SessionError::ReadTimeout,
            IoError::WriteTimeout => SessionError::WriteTimeout,
            IoError::Lifetime => SessionError::Lifetime,
            IoError::Revoked => SessionError::Revoked,
            IoError::Handshake(e) => SessionError::Tls(e),
            IoError::HandshakeTimeout => SessionError::Tls(io::Error::other("handshake timed out")),
        }
    }
}

/// Whether the session goes on after a command.
enum Flow {
    Continue,
    Close,
}

struct Helo {
    name: String,
    /// EHLO rather than HELO.
    extended: bool,
}

/// A mail transaction, from MAIL FROM to the end of DATA (or RSET).
struct Transaction {
    /// Queue id, sender and the accepted recipients, with the session's HELO name, client,
    /// login and TLS, which cannot change within a transaction (EHLO, STARTTLS and AUTH end or
    /// are refused in one): built once at MAIL FROM, lent to each RCPT check, moved into the
    /// delivery (no copy per command).
    envelope: Envelope,
    /// MAIL FROM carried SMTPUTF8 (RFC 6531 §3.4).
    smtputf8: bool,
    /// Carries the queue id; every log line about this message is emitted in it.
    span: Span,
    /// The message so far when it comes in BDAT chunks (RFC 3030).
    chunks: Option<DataReader>,
}

/// Runs one SMTP session to its end. Never panics on client input; errors are logged.
pub async fn run_session<B: SmtpBackend>(
    conn: Conn,
    peer: SocketAddr,
    config: Arc<SessionConfig>,
    backend: Arc<B>,
) {
    let span = info_span!("smtp", peer = %peer, role = config.protocol.name());
    async move {
        let lifetime = config.kit.lifetime;
        let mut session = Session {
            conn: SessionIo::new(conn, &config.limits, lifetime),
            peer,
            config,
            backend,
            input: InputBuffer::new(),
            out: Vec::with_capacity(1024),
            helo: None,
            auth: None,
            auth_failures: 0,
            errors: 0,
            txn: None,
        };
        // With "connected" at debug, the session's line at info says whether it used TLS.
        match session.run().await {
            Ok(()) | Err(SessionError::Eof) => info!(tls = session.conn.is_tls(), "disconnected"),
            Err(e) => info!(tls = session.conn.is_tls(), error = %e, "session ended"),
        }
        session.conn.shutdown().await;
    }
    .instrument(span)
    .await
}

struct Session<B> {
    /// The connection behind the kit's deadlines (`session::io`).
    conn: SessionIo,
    peer: SocketAddr,
    config: Arc<SessionConfig>,
    backend: Arc<B>,
    input: InputBuffer,
    /// Replies not yet written: flushed before every blocking read (RFC 2920 §3.2).
    out: Vec<u8>,
    helo: Option<Helo>,
    /// The account, once AUTH succeeded.
    auth: Option<String>,
    auth_failures: u32,
    /// Unparseable or overlong command lines so far.
    errors: u32,
    txn: Option<Transaction>,
}

impl<B: SmtpBackend> Session<B> {
    async fn run(&mut self) -> Result<(), SessionError> {
        debug!(tls = self.conn.is_tls(), "connected");
        // "220 <hostname> ESMTP Mailsift", written in place: no allocation per connection.
        self.out.extend_from_slice(b"220 ");
        self.out.extend_from_slice(self.config.hostname.as_bytes());
        self.out.extend_from_slice(b" ESMTP Mailsift\r\n");
        let result = self.command_loop().await;
        // RFC 5321 §4.5.3.2: the server may close after a timeout, saying so with 421.
        let farewell = match &result {
            Err(SessionError::ReadTimeout) => Some(("4.4.2", "Timeout, closing")),
            Err(SessionError::Lifetime) => Some(("4.4.2", "Session time limit reached, closing")),
            Err(SessionError::Revoked) => Some(("4.7.0", "Credentials revoked, closing")),
            _ => None,
        };
        if let Some((enhanced, text)) = farewell {
            let text = format!("{} {text}", self.config.hostname);
            let mut line = std::mem::take(&mut self.out);
            if matches!(result, Err(SessionError::Revoked)) {
                // Nothing more for a revoked login, not even replies it was still owed.
                line.clear();
            }
            line.extend_from_slice(&wire::format_reply(421, enhanced, &text));
            self.conn.goodbye(&line).await;
        }
        result
    }

    async fn command_loop(&mut self) -> Result<(), SessionError> {
        let wait = Duration::from_secs(self.config.limits.smtp_command_timeout);
        let command_timeout = self.config.limits.command_timeout;
        // One buffer for every command line of the session (not one allocation per command).
        let mut line = Vec::new();
        loop {
            if self.out.len() > 16 * 1024 {
                // A client pipelining without reading must not grow our buffer unboundedly.
                self.flush().await?;
            }
            if line.capacity() > 2 * MAX_COMMAND_LINE {
                // An AUTH line (up to 12288 octets) was read: do not keep that much per session.
                line = Vec::new();
            }
            // RFC 5321 §4.5.3.2.7: up to the command timeout for the next command to start;
            // once it has, `command_timeout` for the whole line, however it trickles in.
            self.conn.expect_command(wait);
            let complete = self
                .read_line_into(MAX_AUTH_LINE, command_timeout, &mut line)
                .await?;
            match complete {
                // RFC 5321 §4.5.3.1.4 (512 octets); RFC 4954 §4 allows AUTH lines up to 12288.
                true if line.len() <= MAX_COMMAND_LINE || wire::is_auth_command(&line) => {}
                _ => {
                    if let Flow::Close = self.protocol_error(500, "5.5.2", "Line too long".into()) {
                        self.flush().await?;
                        return Ok(());
                    }
                    continue;
                }
            };
            if let Flow::Close = self.command(&line).await? {
                self.flush().await?;
                return Ok(());
            }
        }
    }

    // ---- I/O ----

    /// The next line, reading as needed; `None` for a line over `max` octets (consumed).
    async fn read_line(
        &mut self,
        max: usize,
        timeout_secs: u64,
    ) -> Result<Option<Vec<u8>>, SessionError> {
        let mut line = Vec::new();
        Ok(self
            .read_line_into(max, timeout_secs, &mut line)
            .await?
            .then_some(line))
    }

    /// [`read_line`](Self::read_line) into `line` (reused): false for a line over `max`.
    async fn read_line_into(
        &mut self,
        max: usize,
        timeout_secs: u64,
        line: &mut Vec<u8>,
    ) -> Result<bool, SessionError> {
        loop {
            match self.input.next_line_into(max, line) {
                Framed::Complete => return Ok(true),
                Framed::TooLong => return Ok(false),
                Framed::Incomplete => self.fill(timeout_secs).await?,
            }
        }
    }

    /// Flushes pending replies, then waits for more input. The line or payload being read must
    /// be whole within `timeout_secs` of its first byte (`session::io`: trickling does not
    /// extend it).
    async fn fill(&mut self, timeout_secs: u64) -> Result<(), SessionError> {
        self.flush().await?;
        let bytes = self.conn.read(Duration::from_secs(timeout_secs)).await?;
        self.input.extend(bytes);
        Ok(())
    }

    /// Writes queued replies within the kit's write timeout.
    async fn flush(&mut self) -> Result<(), SessionError> {
        if self.out.is_empty() {
            return Ok(());
        }
        // Written from our buffer, not copied into the kit's.
        self.conn.flush_from(&mut self.out).await?;
        Ok(())
    }

    /// Replies to a line we could not take as a command. Like Postfix's hard error limit, a
    /// client producing nothing but errors (a confused program, an HTTP request sent to the SMTP
    /// port) is disconnected rather than served forever.
    fn protocol_error(&mut self, code: u16, enhanced: &str, text: String) -> Flow {
        self.errors += 1;
        if self.errors >= MAX_PROTOCOL_ERRORS {
            self.reply(421, "4.7.0", "Too many errors, closing");
            Flow::Close
        } else {
            self.reply(code, enhanced, text);
            Flow::Continue
        }
    }

    fn reply(&mut self, code: u16, enhanced: &str, text: impl AsRef<str>) {
        wire::format_reply_into(&mut self.out, code, enhanced, text.as_ref());
    }

    // ---- state ----

    fn starttls_offered(&self) -> bool {
        self.config.tls_mode == TlsMode::Starttls
            && !self.conn.is_tls()
            && self.config.tls_acceptor.is_some()
    }

    /// AUTH only on submission listeners, and only where the password cannot be sniffed.
    fn auth_offered(&self) -> bool {
        self.config.protocol == Protocol::Submission
            && (self.conn.is_tls()
                || (self.config.tls_mode == TlsMode::None && self.peer.ip().is_loopback()))
    }

    /// The envelope of a new transaction (see [`Transaction::envelope`]).
    fn envelope(&self, queue_id: String, mail_from: String) -> Envelope {
        Envelope {
            queue_id,
            mail_from,
            recipients: Vec::new(),
            helo: self
                .helo
                .as_ref()
                .map(|h| h.name.clone())
                .unwrap_or_default(),
            client_ip: self.peer.ip(),
            authenticated_as: self.auth.clone(),
            tls: self.conn.tls_description(),
        }
    }

    fn reset_transaction(&mut self) {
        if let Some(txn) = self.txn.take() {
            debug!(parent: &txn.span, "transaction reset");
        }
    }

    // ---- commands ----

    async fn command(&mut self, line: &[u8]) -> Result<Flow, SessionError> {
        match wire::parse_bdat(line) {
            Some(Ok(bdat)) => return self.bdat(bdat.size, bdat.last).await,
            Some(Err(e)) => return Ok(self.protocol_error(501, "5.5.4", e.to_string())),
            None => {}
        }
        let request = match wire::parse_command(line) {
            Ok(request) => request,
            Err(e) => {
                let (code, enhanced, text) = e.reply();
                return Ok(self.protocol_error(code, enhanced, text));
            }
        };
        match request {
            Request::Ehlo { host } => self.helo(host, true),
            Request::Helo { host } => self.helo(host, false),
            Request::StartTls => return self.starttls().await,
            Request::Auth {
                mechanism,
                initial_response,
            } => return self.auth(mechanism, initial_response).await,
            Request::Mail { from } => self.mail(from).await,
            Request::Rcpt { to } => self.rcpt(to).await,
            Request::Data => self.data().await?,
            // Taken by `wire::parse_bdat` above; smtp-proto's reading of the size is not used.
            Request::Bdat {
                chunk_size,
                is_last,
            } => return self.bdat(chunk_size as u64, is_last).await,
            Request::Rset => {
                self.reset_transaction();
                self.reply(250, "2.0.0", "OK");
            }
            Request::Noop { .. } => self.reply(250, "2.0.0", "OK"),
            // RFC 5321 §3.5.3: 252 when we will not verify (address harvesting).
            Request::Vrfy { .. } => self.reply(
                252,
                "2.5.0",
                "Cannot VRFY user, but will accept message and attempt delivery",
            ),
            Request::Help { .. } => self.reply(
                214,
                "2.0.0",
                "Mailsift SMTP server. Commands:\n\
                 EHLO HELO STARTTLS AUTH MAIL RCPT DATA BDAT RSET NOOP VRFY HELP QUIT",
            ),
            Request::Quit => {
                let hostname = self.config.hostname.as_str();
                if hostname.chars().all(|c| c.is_ascii_graphic()) {
                    // What `reply` would write, in place (one per connection): no allocation.
                    self.out.extend_from_slice(b"221 2.0.0 ");
                    self.out.extend_from_slice(hostname.as_bytes());
                    self.out.extend_from_slice(b" closing connection\r\n");
                } else {
                    self.reply(221, "2.0.0", format!("{hostname} closing connection"));
                }
                return Ok(Flow::Close);
            }
            Request::Lhlo { .. }
            | Request::Expn { .. }
            | Request::Etrn { .. }
            | Request::Atrn { .. }
            | Request::Burl { .. } => self.reply(502, "5.5.1", "Command not implemented"),
        }
        Ok(Flow::Continue)
    }

    /// EHLO / HELO (RFC 5321 §4.1.1.1): resets any transaction. Replies to EHLO/HELO carry no
    /// enhanced status code (RFC 2034 §3).
    fn helo(&mut self, host: String, extended: bool) {
        self.reset_transaction();
        debug!(helo = %wire::sanitize(&host), extended, "hello");
        self.helo = Some(Helo {
            name: host,
            extended,
        });
        let hostname = self.config.hostname.as_str();
        if !extended {
            self.out.extend_from_slice(b"250 ");
            self.out.extend_from_slice(hostname.as_bytes());
            self.out.extend_from_slice(b"\r\n");
            return;
        }
        let mut ehlo = EhloResponse::new(hostname);
        ehlo.capabilities = smtp_proto::EXT_PIPELINING
            | smtp_proto::EXT_SIZE
            | smtp_proto::EXT_8BIT_MIME
            | smtp_proto::EXT_ENHANCED_STATUS_CODES
            | smtp_proto::EXT_SMTP_UTF8
            | smtp_proto::EXT_CHUNKING;
        ehlo.size = usize::try_from(self.config.limits.max_message_size).unwrap_or(usize::MAX);
        if self.starttls_offered() {
            ehlo.capabilities |= smtp_proto::EXT_START_TLS;
        }
        if self.auth_offered() {
            ehlo.capabilities |= smtp_proto::EXT_AUTH;
            ehlo.auth_mechanisms = smtp_proto::AUTH_PLAIN | smtp_proto::AUTH_LOGIN;
        }
        // Written straight into the reply buffer (writing to a Vec cannot fail): no
        // allocation per connection.
        let start = self.out.len();
        let _ = ehlo.write(&mut self.out);
        // smtp-proto's first line reads "250-host you had me at EHLO": cut it to a plain
        // "250-host" in place, keeping the capability lines after it.
        let name_end = start + 4 + hostname.len();
        if let Some(cr) = self.out[start..]
            .iter()
            .position(|&b| b == b'\n')
            .map(|i| start + i.saturating_sub(1))
            && cr > name_end
        {
            self.out.drain(name_end..cr);
        }
    }

    /// STARTTLS (RFC 3207).
    async fn starttls(&mut self) -> Result<Flow, SessionError> {
        if self.conn.is_tls() {
            self.reply(503, "5.5.1", "Already using TLS");
            return Ok(Flow::Continue);
        }
        let acceptor = match &self.config.tls_acceptor {
            Some(acceptor) if self.starttls_offered() => acceptor.clone(),
            _ => {
                self.reply(502, "5.5.1", "STARTTLS not available");
                return Ok(Flow::Continue);
            }
        };
        self.reply(220, "2.0.0", "Ready to start TLS");
        self.flush().await?;
        // §4.2: anything pipelined after STARTTLS was sent in plain text; it must not be
        // executed inside the TLS session (CVE-2011-0411 and friends).
        self.input.clear();
        match self.conn.starttls(&acceptor).await {
            Ok(()) => {
                info!(
                    tls = self.conn.tls_description().unwrap_or_default(),
                    "TLS started"
                );
                // §4.2: forget everything learnt before; the client must EHLO again.
                self.helo = None;
                self.auth = None;
                self.conn.set_login(None);
                self.txn = None;
                Ok(Flow::Continue)
            }
            // The socket is gone with the failed handshake: nothing more can be sent.
            Err(e) => Err(e.into()),
        }
    }

    /// AUTH PLAIN / LOGIN (RFC 4954, RFC 4616).
    async fn auth(&mut self, mechanism: u64, initial: String) -> Result<Flow, SessionError> {
        if self.config.protocol != Protocol::Submission {
            self.reply(502, "5.5.1", "AUTH not available");
            return Ok(Flow::Continue);
        }
        if !self.helo.as_ref().is_some_and(|h| h.extended) {
            self.reply(503, "5.5.1", "Send EHLO first");
            return Ok(Flow::Continue);
        }
        if self.auth.is_some() {
            self.reply(503, "5.5.1", "Already authenticated");
            return Ok(Flow::Continue);
        }
        if self.txn.is_some() {
            // RFC 4954 §4: not permitted during a mail transaction.
            self.reply(503, "5.5.1", "AUTH not permitted during a mail transaction");
            return Ok(Flow::Continue);
        }
        if !self.auth_offered() {
            // RFC 4954 §6.
            self.reply(
                538,
                "5.7.11",
                "Encryption required for requested authentication mechanism",
            );
            return Ok(Flow::Continue);
        }
        let mechanism = match mechanism {
            smtp_proto::AUTH_PLAIN => Mechanism::Plain,
            smtp_proto::AUTH_LOGIN => Mechanism::Login,
            _ => {
                self.reply(504, "5.5.4", "Unrecognized authentication type");
                return Ok(Flow::Continue);
            }
        };
        // The shared SASL decoder (session::sasl); only the replies are SMTP's (RFC 4954 §4).
        let mut exchange = sasl::Exchange::new(mechanism);
        let initial = (!initial.is_empty()).then(|| initial.into_bytes());
        let mut step = exchange.start(initial.as_deref());
        let credentials = loop {
            match step {
                Ok(Step::Done(credentials)) => break credentials,
                Ok(Step::Challenge(text)) => {
                    self.out
                        .extend_from_slice(format!("334 {}\r\n", Step::encoded(text)).as_bytes());
                    let Some(line) = self.auth_response().await? else {
                        return Ok(Flow::Continue);
                    };
                    step = exchange.respond(&line);
                }
                Err(SaslError::Authzid) => {
                    return Ok(self.auth_failed("(authzid)", "Not authorized to act as that user"));
                }
                Err(SaslError::Cancelled) => {
                    self.reply(501, "5.7.0", "Authentication cancelled");
                    return Ok(Flow::Continue);
                }
                Err(e) => {
                    self.reply(501, "5.5.2", format!("Invalid AUTH response: {e}"));
                    return Ok(Flow::Continue);
                }
            }
        };
        let (user, password) = (credentials.authcid, credentials.password);
        match self
            .backend
            .authenticate(self.peer.ip(), &user, &password)
            .await
        {
            AuthResult::Success(account, identity) => {
                info!(account = %account, "authenticated");
                if let (Some(revoker), Some(id)) = (&self.config.kit.revoker, identity) {
                    let guard = revoker.register(id.account_id, &account, &id.device);
                    self.conn.set_login(Some(guard));
                }
                self.auth = Some(account);
                self.reply(235, "2.7.0", "Authentication successful");
                Ok(Flow::Continue)
            }
            AuthResult::Failure => {
                Ok(self.auth_failed(&user, "Authentication credentials invalid"))
            }
            AuthResult::Refused(reply) => {
                info!(user = %wire::sanitize(&user), code = reply.code, "authentication refused");
                self.reply(reply.code, &reply.enhanced, &reply.text);
                Ok(Flow::Continue)
            }
            AuthResult::TempFail => {
                self.reply(454, "4.7.0", "Temporary authentication failure");
                Ok(Flow::Continue)
            }
        }
    }

    /// A failed AUTH: 535 5.7.8 with `text` (RFC 4954 §6), or 421 after too many.
    fn auth_failed(&mut self, user: &str, text: &str) -> Flow {
        self.auth_failures += 1;
        metrics::global().login_failed(self.config.protocol.name());
        warn!(
            user = %wire::sanitize(user),
            failures = self.auth_failures,
            "authentication failed"
        );
        if self.auth_failures >= self.config.limits.max_auth_failures {
            self.reply(421, "4.7.0", "Too many authentication failures, closing");
            Flow::Close
        } else {
            self.reply(535, "5.7.8", text);
            Flow::Continue
        }
    }

    /// One client line of a SASL exchange; `None` when the exchange ended (reply queued).
    async fn auth_response(&mut self) -> Result<Option<Vec<u8>>, SessionError> {
        let timeout_secs = self.config.limits.smtp_command_timeout;
        match self.read_line(MAX_AUTH_LINE, timeout_secs).await? {
            None => {
                self.reply(500, "5.5.6", "Authentication exchange line is too long");
                Ok(None)
            }
            Some(line) => Ok(Some(line)),
        }
    }

    /// MAIL FROM (RFC 5321 §4.1.1.2).
    async fn mail(&mut self, from: MailFrom<String>) {
        if self.helo.is_none() {
            self.reply(503, "5.5.1", "Send EHLO/HELO first");
            return;
        }
        if self.txn.is_some() {
            self.reply(503, "5.5.1", "Nested MAIL command");
            return;
        }
        if self.config.protocol == Protocol::Submission && self.auth.is_none() {
            metrics::refused(Refused::AuthRequired);
            self.reply(530, "5.7.0", "Authentication required");
            return;
        }
        // smtp-proto parses every registered extension; refuse those we do not offer
        // (§4.1.1.11). AUTH= (RFC 4954 §5) is accepted and ignored.
        let offered =
            smtp_proto::MAIL_BODY_7BIT | smtp_proto::MAIL_BODY_8BITMIME | smtp_proto::MAIL_SMTPUTF8;
        if from.flags & !offered != 0
            || from.trans_id.is_some()
            || from.by != 0
            || from.env_id.is_some()
            || from.solicit.is_some()
            || from.mtrk.is_some()
            || from.hold_for != 0
            || from.hold_until != 0
            || from.mt_priority != 0
        {
            self.reply(555, "5.5.4", "Unsupported MAIL FROM parameter");
            return;
        }
        // RFC 1870 §6.1.
        if from.size as u64 > self.config.limits.max_message_size {
            metrics::refused(Refused::TooBig);
            self.reply(
                552,
                "5.3.4",
                "Message size exceeds fixed maximum message size",
            );
            return;
        }
        let smtputf8 = from.flags & smtp_proto::MAIL_SMTPUTF8 != 0;
        if from.address.chars().any(char::is_control) {
            self.reply(501, "5.1.7", "Bad sender address syntax");
            return;
        }
        if !smtputf8 && !from.address.is_ascii() {
            // RFC 6531 §3.6.2, RFC 6533 §3.
            self.reply(553, "5.6.7", "Non-ASCII address requires SMTPUTF8");
            return;
        }
        let queue_id = new_queue_id();
        // `auth` is filled in by the pipeline's sender authentication (SPF, DKIM, DMARC), so
        // that the message's one line at info carries it.
        let span = info_span!("txn", queue_id = %queue_id, auth = tracing::field::Empty);
        debug!(parent: &span, from = %from.address, size = from.size, "MAIL FROM");
        let txn = Transaction {
            envelope: self.envelope(queue_id, from.address),
            smtputf8,
            span,
            chunks: None,
        };
        if self.auth.is_some() {
            // RFC 6409 §6.1: the sender rules and the sending rate, at the command they
            // concern.
            let refusal = self
                .backend
                .check_sender(&txn.envelope)
                .instrument(txn.span.clone())
                .await;
            if let Some(r) = refusal {
                info!(parent: &txn.span, code = r.code, "MAIL FROM refused");
                self.reply(r.code, &r.enhanced, &r.text);
                return;
            }
        }
        self.txn = Some(txn);
        self.reply(250, "2.1.0", "OK");
    }

    /// RCPT TO (RFC 5321 §4.1.1.3).
    async fn rcpt(&mut self, to: RcptTo<String>) {
        let Some(txn) = &self.txn else {
            self.reply(503, "5.5.1", "Need MAIL before RCPT");
            return;
        };
        if to.orcpt.is_some() || to.flags != 0 || to.rrvs != 0 {
            self.reply(555, "5.5.4", "Unsupported RCPT TO parameter");
            return;
        }
        let address = to.address;
        if address.is_empty() || address.chars().any(char::is_control) {
            self.reply(501, "5.1.3", "Bad recipient address syntax");
            return;
        }
        if !txn.smtputf8 && !address.is_ascii() {
            self.reply(553, "5.6.7", "Non-ASCII address requires SMTPUTF8");
            return;
        }
        if txn
            .envelope
            .recipients
            .iter()
            .any(|r| r.eq_ignore_ascii_case(&address))
        {
            self.reply(250, "2.1.5", "OK");
            return;
        }
        if txn.envelope.recipients.len() >= self.config.limits.max_recipients {
            // RFC 5321 §4.5.3.1.10.
            self.reply(452, "4.5.3", "Too many recipients");
            return;
        }
        let span = txn.span.clone();
        let decision = self
            .backend
            .check_recipient(&txn.envelope, &address)
            .instrument(span.clone())
            .await;
        match decision {
            RcptDecision::Accept | RcptDecision::Relay => {
                debug!(parent: &span, to = %address, relay = (decision == RcptDecision::Relay), "RCPT TO accepted");
                if let Some(txn) = &mut self.txn {
                    txn.envelope.recipients.push(address);
                }
                self.reply(250, "2.1.5", "OK");
            }
            RcptDecision::Refuse(reply) => {
                info!(parent: &span, to = %address, code = reply.code, "RCPT TO refused");
                self.reply(reply.code, &reply.enhanced, &reply.text);
            }
        }
    }

    /// DATA (RFC 5321 §4.1.1.4). The transaction ends here whatever happens.
    async fn data(&mut self) -> Result<(), SessionError> {
        match &self.txn {
            None => {
                self.reply(503, "5.5.1", "Need MAIL command");
                return Ok(());
            }
            Some(txn) if txn.envelope.recipients.is_empty() => {
                // RFC 2920 §3.1: DATA after only failed RCPTs.
                self.reply(554, "5.5.1", "No valid recipients");
                return Ok(());
            }
            Some(txn) if txn.chunks.is_some() => {
                // RFC 3030 §2: DATA and BDAT cannot be mixed in one transaction.
                self.reply(503, "5.5.1", "DATA not allowed after BDAT");
                return Ok(());
            }
            Some(_) => {}
        }
        self.reply(354, "", "Start mail input; end with <CRLF>.<CRLF>");
        let limits = &self.config.limits;
        let mut reader = DataReader::new(limits.max_message_size, limits.max_line_length)
            .with_buffer(self.message_buffer_with_head());
        let data_timeout = limits.smtp_data_timeout;
        loop {
            let pending = self.input.pending();
            let len = pending.len();
            if let Some(n) = reader.feed(pending) {
                self.input.consume(n);
                break;
            }
            self.input.consume(len);
            self.fill(data_timeout).await?;
        }
        if let Some(txn) = self.txn.take() {
            let (outcome, head) = reader.finish_with_head();
            self.finish_message(txn, outcome, head).await;
        }
        Ok(())
    }

    /// BDAT (RFC 3030 §2). A chunk is read in full, so that its bytes are never taken for
    /// commands; a refused chunk ends the transaction. The message size limit counts all the
    /// chunks of a message together.
    async fn bdat(&mut self, size: u64, last: bool) -> Result<Flow, SessionError> {
        let max_size = self.config.limits.max_message_size;
        let refusal = match &self.txn {
            None => Some((503, "5.5.1", "Need MAIL command")),
            Some(txn) if txn.envelope.recipients.is_empty() => {
                Some((554, "5.5.1", "No valid recipients"))
            }
            Some(txn)
                if txn
                    .chunks
                    .as_ref()
                    .map_or(0, DataReader::received)
                    .saturating_add(size)
                    > max_size =>
            {
                // Normalisation never shrinks a message: too big already, refused before
                // reading rather than after.
                Some((552, "5.3.4", "Message too big"))
            }
            Some(_) => None,
        };
        if let Some((code, enhanced, text)) = refusal {
            if size > max_size {
                // Reading and dropping more than a whole message's worth could take forever
                // (`BDAT 1000000000000000000`), and no chunk that large is mail we would take:
                // answer, then close (RFC 5321 §3.8: 421 when the server closes).
                if let Some(txn) = self.txn.take() {
                    info!(parent: &txn.span, size, "BDAT chunk refused: larger than a message may be");
                    metrics::refused(Refused::TooBig);
                }
                self.reply(code, enhanced, text);
                self.reply(
                    421,
                    "4.7.0",
                    format!(
                        "{} Cannot skip a BDAT chunk of {size} octets, closing",
                        self.config.hostname
                    ),
                );
                return Ok(Flow::Close);
            }
            self.discard(size).await?;
            if code == 552
                && let Some(txn) = self.txn.take()
            {
                info!(parent: &txn.span, "message refused: too big");
                metrics::refused(Refused::TooBig);
            }
            self.reply(code, enhanced, text);
            return Ok(Flow::Continue);
        }
        let limits = &self.config.limits;
        let max_line = limits.max_line_length;
        let mut reader = self
            .txn
            .as_mut()
            .and_then(|txn| txn.chunks.take())
            .unwrap_or_else(|| {
                DataReader::new_chunked(max_size, max_line)
                    .with_buffer(self.message_buffer_with_head())
            });
        let data_timeout = limits.smtp_data_timeout;
        let mut left = size;
        while left > 0 {
            if self.input.pending().is_empty() {
                self.fill(data_timeout).await?;
            }
            let pending = self.input.pending();
            let take = usize::try_from(left)
                .unwrap_or(usize::MAX)
                .min(pending.len());
            reader.feed_chunk(&pending[..take]);
            self.input.consume(take);
            left -= take as u64;
        }
        let Some(mut txn) = self.txn.take() else {
            return Ok(Flow::Continue);
        };
        if last || reader.failed() {
            let (outcome, head) = reader.finish_with_head();
            self.finish_message(txn, outcome, head).await;
        } else {
            txn.chunks = Some(reader);
            self.txn = Some(txn);
            self.reply(250, "2.0.0", format!("{size} octets received"));
        }
        Ok(Flow::Continue)
    }

    /// Where a new message is kept while it comes in.
    fn message_buffer(&self) -> MessageBuffer {
        match &self.config.spool {
            Some(spool) => MessageBuffer::spooled(spool.clone()),
            None => MessageBuffer::memory(),
        }
    }

    /// [`Session::message_buffer`] that starts with the transaction's Received field as it
    /// would be now, so that the message is received right behind it: at the end the field is
    /// made again (the date of the end of the message, as before) and, nearly always the same
    /// length, written over the first one: the message is not copied behind it
    /// (`finish_message`).
    fn message_buffer_with_head(&self) -> MessageBuffer {
        let buffer = self.message_buffer();
        match &self.txn {
            Some(txn) => buffer.with_head(self.received(txn, FIRST_BODY_CAPACITY).into_bytes()),
            None => buffer,
        }
    }

    /// Our Received field for `txn`, dated now, in a string with room for `room` more octets.
    fn received(&self, txn: &Transaction, room: usize) -> String {
        let helo = self.helo.as_ref();
        let with = with_protocol(
            helo.is_some_and(|h| h.extended),
            self.conn.is_tls(),
            self.auth.is_some(),
            txn.smtputf8,
        );
        received_header_with_room(
            &ReceivedInfo {
                helo: helo.map(|h| h.name.as_str()).unwrap_or(""),
                ip: (self.auth.is_none() || self.config.received_shows_client_ip)
                    .then(|| self.peer.ip()),
                hostname: &self.config.hostname,
                with,
                queue_id: &txn.envelope.queue_id,
                recipients: &txn.envelope.recipients,
                date: &chrono::Utc::now().to_rfc2822(),
            },
            room,
        )
    }

    /// Replies to the end of a message (DATA or last BDAT) and hands it over if it is whole.
    /// A `Message` starts with `head` octets reserved for the Received field
    /// ([`Session::message_buffer_with_head`]).
    async fn finish_message(&mut self, txn: Transaction, outcome: DataOutcome, head: usize) {
        match outcome {
            DataOutcome::TooBig => {
                info!(parent: &txn.span, "message refused: too big");
                metrics::refused(Refused::TooBig);
                self.reply(552, "5.3.4", "Message too big");
            }
            DataOutcome::LineTooLong => {
                // RFC 5321 §4.5.3.1.6 limits text lines to 1000 octets. 500 is a command
                // syntax reply; after DATA §4.3.2 lists 554 (transaction failed), permanent
                // because resending the same content fails again; RFC 3463 X.6.0 = media error.
                info!(parent: &txn.span, "message refused: line too long");
                metrics::refused(Refused::Malformed);
                self.reply(
                    554,
                    "5.6.0",
                    format!(
                        "Message has a line longer than {} octets",
                        self.config.limits.max_line_length
                    ),
                );
            }
            DataOutcome::SpoolFailed(e) => {
                warn!(parent: &txn.span, error = %e, "message refused: cannot spool it");
                metrics::refused(Refused::Temporary);
                self.reply(
                    451,
                    "4.3.0",
                    "Cannot store the message now, try again later",
                );
            }
            DataOutcome::Message(body) if body.len() <= head => {
                // `BDAT 0 LAST` alone, or DATA then `.`: no header, not a message (RFC 5322
                // §3.6 requires Date and From). RFC 3463 X.6.0: a content (media) error.
                info!(parent: &txn.span, "message refused: empty");
                metrics::refused(Refused::Malformed);
                self.reply(554, "5.6.0", "Message is empty");
            }
            DataOutcome::Message(body) => {
                // The header as of now, then the body behind it in the same allocation: in
                // the head reserved for it when it has that length (nearly always: only the
                // date's length can differ), else in a new one.
                let raw = put_in_head(&self.received(&txn, 0), body, head);
                let size = raw.len();
                metrics::global().received(self.config.protocol.name());
                let Transaction { envelope, span, .. } = txn;
                // For the line below: the pipeline takes the envelope (and may change its
                // recipients); the line names the transaction's own.
                let (from, to) = (envelope.mail_from.clone(), envelope.recipients.clone());
                let started = Instant::now();
                let reply = self
                    .backend
                    .deliver(IncomingMessage { envelope, raw })
                    .instrument(span.clone())
                    .await;
                // The message's one line at info (like Postfix's): who, to whom, how big, the
                // outcome, and the time the pipeline and the commit took.
                info!(
                    parent: &span,
                    from = %from,
                    to = %Joined(&to),
                    size,
                    code = reply.code,
                    text = %reply.text,
                    ms = %format_args!("{:.1}", started.elapsed().as_secs_f64() * 1000.0),
                    "message done"
                );
                self.reply(reply.code, &reply.enhanced, &reply.text);
            }
        }
    }

    /// Reads and drops `n` octets (a refused BDAT chunk).
    async fn discard(&mut self, mut n: u64) -> Result<(), SessionError> {
        let data_timeout = self.config.limits.smtp_data_timeout;
        loop {
            let take = (self.input.pending().len() as u64).min(n);
            self.input.consume(take as usize);
            n -= take;
            if n == 0 {
                return Ok(());
            }
            self.fill(data_timeout).await?;
        }
    }
}

/// Addresses joined with commas for a log line, without building the string.
struct Joined<'a>(&'a [String]);

impl std::fmt::Display for Joined<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, a) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            f.write_str(a)?;
        }
        Ok(())
    }
}

/// `field` then the message that follows the first `head` octets of `buf`: written over them
/// when it has their length (no copy of the message), else in a new allocation.
fn put_in_head(field: &str, mut buf: Vec<u8>, head: usize) -> Vec<u8> {
    match buf.get_mut(..head) {
        Some(room) if room.len() == field.len() => {
            room.copy_from_slice(field.as_bytes());
            buf
        }
        _ => {
            let message = buf.get(head..).unwrap_or_default();
            let mut raw = Vec::with_capacity(field.len() + message.len());
            raw.extend_from_slice(field.as_bytes());
            raw.extend_from_slice(message);
            raw
        }
    }
}

/// Capacity for the first octets of a message behind its Received field (grown as needed):
/// most mail is a few KiB, so most messages are received without moving them.
const FIRST_BODY_CAPACITY: usize = 8 * 1024;

/// A queue id: 12 Crockford base32 characters, 30 bits of milliseconds then 30 random bits,
/// so ids are unique in practice and roughly sortable within days.
pub fn new_queue_id() -> String {
    const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let millis = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0);
    let mask = (1u64 << 30) - 1;
    let value = ((millis & mask) << 30) | (rand::random::<u64>() & mask);
    (0..12)
        .rev()
        .map(|i| ALPHABET[((value >> (i * 5)) & 31) as usize] as char)
        .collect()
}

/// The `with` keyword of the Received header (RFC 3848, RFC 6531 §3.7.3).
pub fn with_protocol(extended: bool, tls: bool, auth: bool, smtputf8: bool) -> &'static str {
    match (extended, smtputf8, tls, auth) {
        (false, _, _, _) => "SMTP",
        (true, false, false, false) => "ESMTP",
        (true, false, true, false) => "ESMTPS",
        (true, false, false, true) => "ESMTPA",
        (true, false, true, true) => "ESMTPSA",
        (true, true, false, false) => "UTF8SMTP",
        (true, true, true, false) => "UTF8SMTPS",
        (true, true, false, true) => "UTF8SMTPA",
        (true, true, true, true) => "UTF8SMTPSA",
    }
}

/// What goes into our Received header.
pub struct ReceivedInfo<'a> {
    pub helo: &'a str,
    /// `None` hides the client's address (mail of logged-in users, unless configured).
    pub ip: Option<IpAddr>,
    pub hostname: &'a str,
    pub with: &'a str,
    pub queue_id: &'a str,
    pub recipients: &'a [String],
    /// RFC 5322 date-time.
    pub date: &'a str,
}

/// The trace header (RFC 5321 §4.4). No reverse DNS lookup is done, so TCP-info is the bare
/// address literal. `for` is given only for a single recipient, so that a message to several
/// recipients does not disclose the others (Bcc) to each of them.
pub fn received_header(info: &ReceivedInfo<'_>) -> String {
    received_header_with_room(info, 0)
}

/// [`received_header`] in a string with room for `room` more octets (the message behind it).
fn received_header_with_room(info: &ReceivedInfo<'_>, room: usize) -> String {
    use std::fmt::Write as _;
    // Written into one string (writing to a String cannot fail).
    let mut h = String::with_capacity(
        room + 160
            + info.helo.len()
            + info.hostname.len()
            + info.date.len()
            + 4 * info.queue_id.len(),
    );
    h.push_str("Received: from ");
    let ip = info.ip.map(|ip| ip.to_canonical());
    // HELO is client-chosen: keep it to characters that cannot break the header's structure.
    let safe = |c: char| c.is_ascii_alphanumeric() || "-._:[]".contains(c);
    // Without the TCP-info, an EHLO address literal would tell what it no longer does.
    if info.helo.is_empty() || (ip.is_none() && info.helo.starts_with('[')) {
        h.push_str("unknown");
    } else {
        h.extend(info.helo.chars().map(|c| if safe(c) { c } else { '_' }));
    }
    match ip {
        Some(IpAddr::V4(v4)) => {
            let _ = write!(h, " ([{v4}])");
        }
        Some(IpAddr::V6(v6)) => {
            let _ = write!(h, " ([IPv6:{v6}])");
        }
        None => {}
    }
    let _ = write!(
        h,
        "\r\n\tby {} (Mailsift) with {} id {}",
        info.hostname, info.with, info.queue_id
    );
    if let [rcpt] = info.recipients {
        h.push_str("\r\n\tfor <");
        h.extend(
            rcpt.chars()
                .map(|c| if c.is_control() || c == '>' { '_' } else { c }),
        );
        h.push('>');
    }
    let _ = write!(h, ";\r\n\t{}\r\n", info.date);
    h
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use base64::Engine;
    use base64::engine::general_purpose::STANDARD as BASE64;
    use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
    use tokio::net::{TcpListener, TcpStream};
    use tokio::task::JoinHandle;
    use tokio::time::timeout;

    use super::*;
    use crate::smtp::backend::Reply;

    /// Local domain `example.org`; `unknown@example.org` does not exist; anything else is
    /// foreign and relayed only for authenticated sessions.
    #[derive(Default)]
    struct MockBackend {
        delivered: Mutex<Vec<IncomingMessage>>,
    }

    impl SmtpBackend for MockBackend {
        async fn check_recipient(&self, envelope: &Envelope, recipient: &str) -> RcptDecision {
            if recipient == "unknown@example.org" {
                RcptDecision::Refuse(Reply::new(550, "5.1.1", "No such user"))
            } else if recipient.ends_with("@example.org") || recipient == "postmaster" {
                RcptDecision::Accept
            } else if envelope.authenticated_as.is_some() {
                RcptDecision::Relay
            } else {
                RcptDecision::Refuse(Reply::new(554, "5.7.1", "Relay access denied"))
            }
        }

        async fn authenticate(
            &self,
            _client: IpAddr,
            username: &str,
            password: &str,
        ) -> AuthResult {
            match (username, password) {
                ("alice", "secret") => AuthResult::Success("alice@example.org".into(), None),
                ("blocked", _) => AuthResult::Refused(Reply::new(535, "5.7.8", "Account blocked")),
                _ => AuthResult::Failure,
            }
        }

        async fn deliver(&self, message: IncomingMessage) -> Reply {
            let id = message.envelope.queue_id.clone();
            self.delivered.lock().unwrap().push(message);
            Reply::new(250, "2.0.0", format!("Ok: queued as {id}"))
        }
    }

    fn config(protocol: Protocol) -> SessionConfig {
        SessionConfig {
            hostname: "mx.test".into(),
            protocol,
            tls_mode: TlsMode::None,
            tls_acceptor: None,
            limits: Limits {
                max_message_size: 2000,
                max_recipients: 3,
                max_auth_failures: 3,
                ..Limits::default()
            },
            kit: Kit::default(),
            spool: None,
            received_shows_client_ip: false,
        }
    }

    struct Client<S> {
        s: BufReader<S>,
    }

    impl<S: AsyncRead + AsyncWrite + Unpin> Client<S> {
        fn new(s: S) -> Self {
            Client {
                s: BufReader::new(s),
            }
        }

        async fn send(&mut self, data: &str) {
            self.send_bytes(data.as_bytes()).await;
        }

        async fn send_bytes(&mut self, data: &[u8]) {
            self.s.get_mut().write_all(data).await.unwrap();
            self.s.get_mut().flush().await.unwrap();
        }

        /// One complete (possibly multi-line) reply; "" at EOF.
        async fn reply(&mut self) -> String {
            let mut all = String::new();
            loop {
                let mut line = String::new();
                let n = timeout(Duration::from_secs(10), self.s.read_line(&mut line))
                    .await
                    .expect("reply timed out")
                    .unwrap();
                if n == 0 {
                    return all;
                }
                assert!(line.ends_with("\r\n"), "{line:?}");
                all.push_str(&line);
                if line.as_bytes().get(3) != Some(&b'-') {
                    return all;
                }
            }
        }

        async fn cmd(&mut self, command: &str) -> String {
            self.send(&format!("{command}\r\n")).await;
            self.reply().await
        }
    }

    /// A session over a real loopback socket.
    async fn start(
        config: SessionConfig,
        backend: Arc<MockBackend>,
    ) -> (Client<TcpStream>, JoinHandle<()>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let config = Arc::new(config);
        let server = tokio::spawn(async move {
            let (tcp, peer) = listener.accept().await.unwrap();
            run_session(Conn::Plain(tcp), peer, config, backend).await;
        });
        let tcp = TcpStream::connect(addr).await.unwrap();
        (Client::new(tcp), server)
    }

    async fn ready(protocol: Protocol) -> (Client<TcpStream>, Arc<MockBackend>) {
        let backend = Arc::new(MockBackend::default());
        let (mut c, _) = start(config(protocol), backend.clone()).await;
        assert_eq!(c.reply().await, "220 mx.test ESMTP Mailsift\r\n");
        assert!(c.cmd("EHLO client.test").await.starts_with("250-mx.test"));
        (c, backend)
    }

    fn plain(user: &str, pass: &str) -> String {
        BASE64.encode(format!("\0{user}\0{pass}"))
    }

    #[test]
    fn session_future_is_send() {
        fn assert_send<T: Send>(_: &T) {}
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = l.local_addr().unwrap();
            let tcp = TcpStream::connect(addr).await.unwrap();
            let fut = run_session(
                Conn::Plain(tcp),
                addr,
                Arc::new(config(Protocol::Smtp)),
                Arc::new(MockBackend::default()),
            );
            assert_send(&fut);
        });
    }

    #[tokio::test]
    async fn greeting_and_capabilities() {
        let backend = Arc::new(MockBackend::default());
        let (mut c, _) = start(config(Protocol::Smtp), backend.clone()).await;
        assert_eq!(c.reply().await, "220 mx.test ESMTP Mailsift\r\n");
        let ehlo = c.cmd("EHLO client.test").await;
        for cap in [
            "PIPELINING",
            "SIZE 2000",
            "8BITMIME",
            "ENHANCEDSTATUSCODES",
            "SMTPUTF8",
            "CHUNKING",
        ] {
            assert!(ehlo.contains(cap), "{cap} missing in {ehlo}");
        }
        // MX listener: no AUTH; tls none: no STARTTLS.
        assert!(!ehlo.contains("AUTH"), "{ehlo}");
        assert!(!ehlo.contains("STARTTLS"), "{ehlo}");
        assert!(ehlo.starts_with("250-mx.test\r\n"), "{ehlo}");
        assert!(ehlo.ends_with("\r\n") && ehlo.lines().last().unwrap().starts_with("250 "));
        assert_eq!(c.cmd("HELO client.test").await, "250 mx.test\r\n");
        assert!(c.cmd("NOOP").await.starts_with("250 2.0.0"));
        assert!(c.cmd("VRFY bob").await.starts_with("252 2.5.0"));
        assert!(c.cmd("HELP").await.starts_with("214-2.0.0"));
        assert!(c.cmd("EXPN list").await.starts_with("502 5.5.1"));
        assert!(c.cmd("STARTTLS").await.starts_with("502 5.5.1"));
        assert!(c.cmd("AUTH PLAIN").await.starts_with("502 5.5.1"));
        assert!(c.cmd("FROB").await.starts_with("500 5.5.2"));
        assert_eq!(
            c.cmd("QUIT").await,
            "221 2.0.0 mx.test closing connection\r\n"
        );
        assert_eq!(c.reply().await, "", "connection not closed after QUIT");
        // The EHLO reply, written in place, is smtp-proto's with a plain first line.
        assert_eq!(ehlo, reference_ehlo(0), "{ehlo}");

        // Submission on loopback without TLS offers AUTH.
        let (mut c, _) = start(config(Protocol::Submission), backend).await;
        c.reply().await;
        let ehlo = c.cmd("EHLO client.test").await;
        assert!(ehlo.contains("250-AUTH PLAIN LOGIN") || ehlo.contains("250-AUTH LOGIN PLAIN"));
        assert_eq!(ehlo, reference_ehlo(smtp_proto::EXT_AUTH), "{ehlo}");
    }

    /// The EHLO reply of `mx.test` as smtp-proto writes it (capabilities in its order), with
    /// the first line made plain.
    fn reference_ehlo(extra: u32) -> String {
        let mut ehlo = EhloResponse::new("mx.test");
        ehlo.capabilities = smtp_proto::EXT_PIPELINING
            | smtp_proto::EXT_SIZE
            | smtp_proto::EXT_8BIT_MIME
            | smtp_proto::EXT_ENHANCED_STATUS_CODES
            | smtp_proto::EXT_SMTP_UTF8
            | smtp_proto::EXT_CHUNKING
            | extra;
        ehlo.size = 2000;
        ehlo.auth_mechanisms = smtp_proto::AUTH_PLAIN | smtp_proto::AUTH_LOGIN;
        let mut lines = Vec::new();
        ehlo.write(&mut lines).unwrap();
        let text = String::from_utf8(lines).unwrap();
        let (_, caps) = text.split_once('\n').unwrap();
        format!("250-mx.test\r\n{caps}")
    }

    #[tokio::test]
    async fn delivers_exact_bytes_with_received_header() {
        let (mut c, backend) = ready(Protocol::Smtp).await;
        assert_eq!(
            c.cmd("MAIL FROM:<sender@remote.test>").await,
            "250 2.1.0 OK\r\n"
        );
        assert_eq!(c.cmd("RCPT TO:<bob@example.org>").await, "250 2.1.5 OK\r\n");
        assert!(c.cmd("DATA").await.starts_with("354 "));
        c.send("Subject: hi\r\n\r\n..dotted\r\nline\r\n.\r\n").await;
        let reply = c.reply().await;
        assert!(reply.starts_with("250 2.0.0 Ok: queued as "), "{reply}");

        let delivered = backend.delivered.lock().unwrap().pop().unwrap();
        let env = &delivered.envelope;
        assert_eq!(env.mail_from, "sender@remote.test");
        assert_eq!(env.recipients, ["bob@example.org"]);
        assert_eq!(env.helo, "client.test");
        assert_eq!(env.client_ip.to_string(), "127.0.0.1");
        assert_eq!(env.authenticated_as, None);
        assert_eq!(env.tls, None);
        assert_eq!(env.queue_id.len(), 12);
        assert!(reply.contains(&env.queue_id));

        let raw = String::from_utf8(delivered.raw.clone()).unwrap();
        let expected_head = format!(
            "Received: from client.test ([127.0.0.1])\r\n\tby mx.test (Mailsift) with ESMTP id {}\r\n\tfor <bob@example.org>;\r\n\t",
            env.queue_id
        );
        assert!(raw.starts_with(&expected_head), "{raw}");
        let (date, body) = raw[expected_head.len()..].split_once("\r\n").unwrap();
        assert!(chrono::DateTime::parse_from_rfc2822(date).is_ok(), "{date}");
        assert_eq!(body, "Subject: hi\r\n\r\n.dotted\r\nline\r\n");

        // The transaction is over; EHLO state is kept.
        assert!(
            c.cmd("RCPT TO:<bob@example.org>")
                .await
                .starts_with("503 5.5.1")
        );
        assert!(c.cmd("MAIL FROM:<>").await.starts_with("250 2.1.0"));
    }

    #[tokio::test]
    async fn recipient_refusals_pass_through() {
        let (mut c, backend) = ready(Protocol::Smtp).await;
        c.cmd("MAIL FROM:<a@remote.test>").await;
        assert_eq!(
            c.cmd("RCPT TO:<unknown@example.org>").await,
            "550 5.1.1 No such user\r\n"
        );
        assert_eq!(
            c.cmd("RCPT TO:<someone@elsewhere.test>").await,
            "554 5.7.1 Relay access denied\r\n"
        );
        assert_eq!(c.cmd("DATA").await, "554 5.5.1 No valid recipients\r\n");
        assert!(c.cmd("RCPT TO:<Postmaster>").await.starts_with("250 2.1.5"));
        assert!(c.cmd("RCPT TO:<>").await.starts_with("501 5.1.3"));
        assert!(
            c.cmd("RCPT TO:<x@example.org> NOTIFY=NEVER")
                .await
                .starts_with("555 5.5.4")
        );
        c.cmd("RCPT TO:<c@example.org>").await;
        c.cmd("RCPT TO:<d@example.org>").await;
        assert_eq!(
            c.cmd("RCPT TO:<e@example.org>").await,
            "452 4.5.3 Too many recipients\r\n"
        );
        assert!(c.cmd("RSET").await.starts_with("250 2.0.0"));
        assert!(c.cmd("DATA").await.starts_with("503 5.5.1"));
        assert!(backend.delivered.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn sequence_errors() {
        let backend = Arc::new(MockBackend::default());
        let (mut c, _) = start(config(Protocol::Smtp), backend).await;
        c.reply().await;
        assert!(c.cmd("MAIL FROM:<a@b.test>").await.starts_with("503 5.5.1"));
        c.cmd("EHLO client.test").await;
        assert!(
            c.cmd("RCPT TO:<bob@example.org>")
                .await
                .starts_with("503 5.5.1")
        );
        assert!(c.cmd("DATA").await.starts_with("503 5.5.1"));
        assert!(c.cmd("MAIL FROM:<a@b.test>").await.starts_with("250"));
        assert!(c.cmd("MAIL FROM:<a@b.test>").await.starts_with("503 5.5.1"));
        assert!(c.cmd("MAIL FROM:a@b.test").await.starts_with("501 5.5.4"));
        let long = format!("NOOP {}", "x".repeat(600));
        assert_eq!(c.cmd(&long).await, "500 5.5.2 Line too long\r\n");
        assert!(c.cmd("NOOP").await.starts_with("250"));
        // Non-ASCII address without SMTPUTF8.
        c.cmd("RSET").await;
        assert!(
            c.cmd("MAIL FROM:<jösé@b.test>")
                .await
                .starts_with("553 5.6.7")
        );
        assert!(
            c.cmd("MAIL FROM:<jösé@b.test> SMTPUTF8")
                .await
                .starts_with("250")
        );
        // Nothing but garbage: closed at MAX_PROTOCOL_ERRORS (two errors above).
        for _ in 2..MAX_PROTOCOL_ERRORS - 1 {
            assert!(c.cmd("GET / HTTP/1.1").await.starts_with("500 5.5.2"));
        }
        assert!(c.cmd("GET / HTTP/1.1").await.starts_with("421 4.7.0"));
        assert_eq!(c.reply().await, "");
    }

    #[tokio::test]
    async fn size_limits() {
        let (mut c, backend) = ready(Protocol::Smtp).await;
        assert_eq!(
            c.cmd("MAIL FROM:<a@remote.test> SIZE=5000").await,
            "552 5.3.4 Message size exceeds fixed maximum message size\r\n"
        );
        assert!(
            c.cmd("MAIL FROM:<a@remote.test> SIZE=100")
                .await
                .starts_with("250")
        );
        c.cmd("RCPT TO:<bob@example.org>").await;
        assert!(c.cmd("DATA").await.starts_with("354"));
        let line = format!("{}\r\n", "x".repeat(70));
        c.send(&line.repeat(40)).await;
        c.send(".\r\n").await;
        assert_eq!(c.reply().await, "552 5.3.4 Message too big\r\n");
        // The session goes on; the transaction is gone.
        assert!(c.cmd("RCPT TO:<bob@example.org>").await.starts_with("503"));

        assert!(backend.delivered.lock().unwrap().is_empty());
    }

    /// Lines longer than RFC 5321's 998 octets are taken up to `max_line_length` (1 MiB by
    /// default, as Postfix takes long lines); a longer one is refused with a clear reply.
    #[tokio::test]
    async fn long_lines() {
        let cases: &[(&str, usize, Option<usize>, &str)] = &[
            (
                "5,000 octets, default bound",
                5000,
                None,
                "250 2.0.0 Ok: queued",
            ),
            (
                "at a configured bound",
                10_000,
                Some(10_000),
                "250 2.0.0 Ok: queued",
            ),
            (
                "over a configured bound",
                10_001,
                Some(10_000),
                "554 5.6.0 Message has a line longer than 10000 octets",
            ),
        ];
        for &(case, len, bound, want) in cases {
            let mut cfg = config(Protocol::Smtp);
            cfg.limits.max_message_size = 100_000;
            if let Some(bound) = bound {
                cfg.limits.max_line_length = bound;
            }
            let backend = Arc::new(MockBackend::default());
            let (mut c, _) = start(cfg, backend.clone()).await;
            c.reply().await;
            c.cmd("EHLO client.test").await;
            c.cmd("MAIL FROM:<a@remote.test>").await;
            c.cmd("RCPT TO:<bob@example.org>").await;
            assert!(c.cmd("DATA").await.starts_with("354"), "{case}");
            let line = "y".repeat(len);
            c.send(&format!("Subject: long\r\n\r\n{line}\r\n.\r\n"))
                .await;
            let reply = c.reply().await;
            assert!(reply.starts_with(want), "{case}: {reply}");
            let delivered = backend.delivered.lock().unwrap().pop();
            match delivered {
                Some(m) if want.starts_with("250") => {
                    let raw = String::from_utf8(m.raw).unwrap();
                    assert!(raw.ends_with(&format!("\r\n\r\n{line}\r\n")), "{case}");
                }
                None if !want.starts_with("250") => {}
                other => panic!("{case}: delivered {:?}", other.is_some()),
            }
            assert!(c.cmd("NOOP").await.starts_with("250"), "{case}");
        }
        assert!(Limits::default().max_line_length >= 1024 * 1024);
    }

    /// Messages being received past the per-message size or the shared memory budget go to
    /// files in the spool folder; they come out whole and the files are removed.
    #[tokio::test]
    async fn large_uploads_are_spooled_to_disk() {
        let dir = tempfile::tempdir().unwrap();
        let spool_dir = dir.path().join("spool");
        let spool = Arc::new(Spool::new(spool_dir.clone(), 10_000, 15_000).unwrap());
        let count = || std::fs::read_dir(&spool_dir).unwrap().count();
        let mut clients = Vec::new();
        let mut backends = Vec::new();
        for (k, size) in [(0u8, 8000usize), (1, 8000), (2, 30_000)] {
            let mut cfg = config(Protocol::Smtp);
            cfg.limits.max_message_size = 100_000;
            cfg.spool = Some(spool.clone());
            let backend = Arc::new(MockBackend::default());
            let (mut c, _) = start(cfg, backend.clone()).await;
            c.reply().await;
            c.cmd("EHLO client.test").await;
            c.cmd("MAIL FROM:<a@remote.test>").await;
            c.cmd("RCPT TO:<bob@example.org>").await;
            assert!(c.cmd("DATA").await.starts_with("354"));
            let line = format!("{}\r\n", char::from(b'a' + k).to_string().repeat(98));
            let body = line.repeat(size / 100);
            c.send(&body).await;
            clients.push((c, body));
            backends.push(backend);
        }
        // The first fits the budget; the second would pass it; the third is over the
        // per-message size: two files, at most the budget in memory.
        for _ in 0..100 {
            if count() == 2 && spool.in_memory() == 8000 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!((count(), spool.in_memory()), (2, 8000));
        for ((c, body), backend) in clients.iter_mut().zip(&backends) {
            c.send(".\r\n").await;
            assert!(c.reply().await.starts_with("250 2.0.0 Ok: queued"));
            let m = backend.delivered.lock().unwrap().pop().unwrap();
            assert!(m.raw.ends_with(body.as_bytes()));
        }
        assert_eq!((count(), spool.in_memory()), (0, 0));
    }

    /// BDAT edge cases, data-driven: each step sends bytes and expects replies (prefixes; ""
    /// is the end of the connection). The test config's message limit is 2000 octets.
    /// Bytes to send, then the replies expected.
    type Step = (String, Vec<&'static str>);

    #[tokio::test]
    async fn bdat_edges() {
        const TXN: &str = "MAIL FROM:<a@remote.test>\r\nRCPT TO:<bob@example.org>\r\n";
        let ok2 = ["250 2.1.0", "250 2.1.5"];
        let cases: Vec<(&str, Vec<Step>)> = vec![
            (
                "a size that overflows 64 bits: refused, the next commands are answered",
                vec![
                    (
                        format!("{TXN}BDAT 99999999999999999999999 LAST\r\nNOOP\r\nQUIT\r\n"),
                        [
                            &ok2[..],
                            &[
                                "501 5.5.4 BDAT chunk size out of range",
                                "250 2.0.0 OK",
                                "221",
                            ],
                        ]
                        .concat(),
                    ),
                    (String::new(), vec![""]),
                ],
            ),
            (
                "the same outside a transaction",
                vec![(
                    "BDAT 184467440737095516150\r\nNOOP\r\n".into(),
                    vec!["501 5.5.4", "250 2.0.0 OK"],
                )],
            ),
            (
                "an absurd size: refused, then 421 and the connection closes",
                vec![(
                    format!("{TXN}BDAT 1000000000000000000 LAST\r\n"),
                    [&ok2[..], &["552 5.3.4 Message too big", "421 4.7.0", ""]].concat(),
                )],
            ),
            (
                "BDAT 0 LAST alone is an empty message, refused",
                vec![
                    (
                        format!("{TXN}BDAT 0 LAST\r\n"),
                        [&ok2[..], &["554 5.6.0 Message is empty"]].concat(),
                    ),
                    ("NOOP\r\n".into(), vec!["250 2.0.0 OK"]),
                ],
            ),
            (
                "so is DATA with nothing before the dot",
                vec![(
                    format!("{TXN}DATA\r\n.\r\nNOOP\r\n"),
                    [
                        &ok2[..],
                        &["354", "554 5.6.0 Message is empty", "250 2.0.0 OK"],
                    ]
                    .concat(),
                )],
            ),
            (
                "BDAT 0 LAST ends a chunked message",
                vec![(
                    format!("{TXN}BDAT 5\r\nx: y\nBDAT 0 LAST\r\n"),
                    [
                        &ok2[..],
                        &["250 2.0.0 5 octets received", "250 2.0.0 Ok: queued"],
                    ]
                    .concat(),
                )],
            ),
            (
                "the size limit counts all chunks together; the refused chunk is skipped",
                vec![(
                    format!(
                        "{TXN}BDAT 800\r\n{a}BDAT 800\r\n{a}BDAT 800 LAST\r\n{a}NOOP\r\n",
                        a = "a".repeat(800)
                    ),
                    [
                        &ok2[..],
                        &[
                            "250 2.0.0 800 octets received",
                            "250 2.0.0 800 octets received",
                            "552 5.3.4 Message too big",
                            "250 2.0.0 OK",
                        ],
                    ]
                    .concat(),
                )],
            ),
        ];
        for (case, steps) in cases {
            let (mut c, backend) = ready(Protocol::Smtp).await;
            for (send, replies) in steps {
                c.send(&send).await;
                for want in replies {
                    let got = c.reply().await;
                    if want.is_empty() {
                        assert_eq!(got, "", "{case}");
                    } else {
                        assert!(got.starts_with(want), "{case}: {got:?}, wanted {want}");
                    }
                }
            }
            let delivered = backend.delivered.lock().unwrap().len();
            assert_eq!(
                delivered,
                usize::from(case.ends_with("chunked message")),
                "{case}"
            );
        }
    }

    #[tokio::test]
    async fn pipelined_transaction() {
        let (mut c, backend) = ready(Protocol::Smtp).await;
        c.send(
            "MAIL FROM:<a@remote.test>\r\nRCPT TO:<bob@example.org>\r\n\
             RCPT TO:<unknown@example.org>\r\nRCPT TO:<carol@example.org>\r\nDATA\r\n",
        )
        .await;
        assert!(c.reply().await.starts_with("250 2.1.0"));
        assert!(c.reply().await.starts_with("250 2.1.5"));
        assert!(c.reply().await.starts_with("550 5.1.1"));
        assert!(c.reply().await.starts_with("250 2.1.5"));
        assert!(c.reply().await.starts_with("354"));
        // Body, end marker and the next commands in one write.
        c.send("Subject: p\r\n\r\nbody\r\n.\r\nMAIL FROM:<b@remote.test>\r\nQUIT\r\n")
            .await;
        assert!(c.reply().await.starts_with("250 2.0.0"));
        assert!(c.reply().await.starts_with("250 2.1.0"));
        assert!(c.reply().await.starts_with("221"));
        let delivered = backend.delivered.lock().unwrap();
        assert_eq!(delivered.len(), 1);
        let m = &delivered[0];
        assert_eq!(
            m.envelope.recipients,
            ["bob@example.org", "carol@example.org"]
        );
        let raw = String::from_utf8_lossy(&m.raw);
        // Two recipients: no `for` clause.
        assert!(!raw.contains("\tfor <"), "{raw}");
        assert!(raw.ends_with("\r\n\r\nbody\r\n"), "{raw}");
    }

    #[tokio::test]
    async fn smuggled_commands_stay_in_the_body() {
        let (mut c, backend) = ready(Protocol::Smtp).await;
        c.send("MAIL FROM:<a@remote.test>\r\nRCPT TO:<bob@example.org>\r\nDATA\r\n")
            .await;
        for _ in 0..3 {
            c.reply().await;
        }
        c.send("Subject: s\r\n\r\nx\n.\nMAIL FROM:<ceo@example.org>\r\nRCPT TO:<bob@example.org>\r\nDATA\r\nforged\r\n.\r\n")
            .await;
        assert!(c.reply().await.starts_with("250 2.0.0"));
        assert!(c.cmd("NOOP").await.starts_with("250 2.0.0 OK"));
        let delivered = backend.delivered.lock().unwrap();
        assert_eq!(delivered.len(), 1);
        assert!(String::from_utf8_lossy(&delivered[0].raw).contains("MAIL FROM:<ceo@example.org>"));
    }

    #[tokio::test]
    async fn chunking() {
        let (mut c, backend) = ready(Protocol::Smtp).await;
        // A refused chunk is consumed whole: its content is never run as commands.
        c.send("BDAT 6\r\nQUIT\r\n").await;
        assert!(c.reply().await.starts_with("503 5.5.1"));
        assert!(c.cmd("NOOP").await.starts_with("250"));

        c.send(
            "MAIL FROM:<a@remote.test>\r\nRCPT TO:<bob@example.org>\r\nBDAT 12\r\nSubject: c\r\n\r",
        )
        .await;
        assert!(c.reply().await.starts_with("250 2.1.0"));
        assert!(c.reply().await.starts_with("250 2.1.5"));
        assert_eq!(c.reply().await, "250 2.0.0 12 octets received\r\n");
        assert!(c.cmd("DATA").await.starts_with("503 5.5.1"));
        // No dot transparency; bare LF normalised even across the chunk boundary.
        c.send("BDAT 9 LAST\r\n\n.\r\nbody\n").await;
        assert!(c.reply().await.starts_with("250 2.0.0 Ok: queued"));
        {
            let m = backend.delivered.lock().unwrap().pop().unwrap();
            let raw = String::from_utf8(m.raw).unwrap();
            let body = raw.split_once("+0000\r\n").unwrap().1;
            assert_eq!(body, "Subject: c\r\n\r\n.\r\nbody\r\n");
        }

        // Too big: refused at the chunk that crosses the limit, transaction gone.
        c.cmd("MAIL FROM:<a@remote.test>").await;
        c.cmd("RCPT TO:<bob@example.org>").await;
        let big = format!("{}\r\n", "z".repeat(73)).repeat(20);
        c.send(&format!("BDAT 1500\r\n{big}")).await;
        assert!(c.reply().await.starts_with("250 2.0.0"));
        c.send(&format!("BDAT 1500 LAST\r\n{big}")).await;
        assert_eq!(c.reply().await, "552 5.3.4 Message too big\r\n");
        c.send("BDAT 3 LAST\r\nabc").await;
        assert!(c.reply().await.starts_with("503 5.5.1"));
        assert!(backend.delivered.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn submission_auth() {
        let (mut c, backend) = ready(Protocol::Submission).await;
        assert_eq!(
            c.cmd("MAIL FROM:<alice@example.org>").await,
            "530 5.7.0 Authentication required\r\n"
        );
        assert_eq!(
            c.cmd(&format!("AUTH PLAIN {}", plain("alice", "wrong")))
                .await,
            "535 5.7.8 Authentication credentials invalid\r\n"
        );
        assert!(c.cmd("AUTH PLAIN !!!").await.starts_with("501"));
        assert!(c.cmd("AUTH CRAM-MD5").await.starts_with("504 5.5.4"));
        // Empty initial response, then cancel.
        assert_eq!(c.cmd("AUTH PLAIN").await, "334 \r\n");
        assert!(c.cmd("*").await.starts_with("501"));
        assert!(c.cmd("AUTH PLAIN =").await.starts_with("501"));
        assert_eq!(
            c.cmd(&format!("AUTH PLAIN {}", plain("blocked", "x")))
                .await,
            "535 5.7.8 Account blocked\r\n"
        );
        assert_eq!(
            c.cmd(&format!("AUTH PLAIN {}", plain("alice", "secret")))
                .await,
            "235 2.7.0 Authentication successful\r\n"
        );
        assert!(c.cmd("AUTH PLAIN").await.starts_with("503 5.5.1"));
        assert!(
            c.cmd("MAIL FROM:<alice@example.org>")
                .await
                .starts_with("250")
        );
        assert!(
            c.cmd("RCPT TO:<friend@elsewhere.test>")
                .await
                .starts_with("250 2.1.5")
        );
        c.cmd("DATA").await;
        c.send("Subject: out\r\n\r\nhello\r\n.\r\n").await;
        assert!(c.reply().await.starts_with("250"));
        let m = backend.delivered.lock().unwrap().pop().unwrap();
        assert_eq!(
            m.envelope.authenticated_as.as_deref(),
            Some("alice@example.org")
        );
        assert!(String::from_utf8_lossy(&m.raw).contains(" with ESMTPA id "));
    }

    #[tokio::test]
    async fn auth_login_and_failure_limit() {
        let (mut c, _) = ready(Protocol::Submission).await;
        assert_eq!(c.cmd("AUTH LOGIN").await, "334 VXNlcm5hbWU6\r\n");
        assert_eq!(c.cmd(&BASE64.encode("alice")).await, "334 UGFzc3dvcmQ6\r\n");
        assert!(c.cmd(&BASE64.encode("nope")).await.starts_with("535 5.7.8"));
        assert!(c.cmd("AUTH PLAIN").await.starts_with("334"));
        assert!(c.cmd(&plain("alice", "bad")).await.starts_with("535 5.7.8"));
        // Third failure (max_auth_failures = 3) closes the connection.
        assert!(
            c.cmd(&format!("AUTH LOGIN {}", BASE64.encode("alice")))
                .await
                .starts_with("334 UGFzc3dvcmQ6")
        );
        assert!(c.cmd(&BASE64.encode("bad")).await.starts_with("421 4.7.0"));
        assert_eq!(c.reply().await, "");

        let (mut c, _) = ready(Protocol::Submission).await;
        c.cmd("AUTH LOGIN").await;
        c.cmd(&BASE64.encode("alice")).await;
        assert!(c.cmd(&BASE64.encode("secret")).await.starts_with("235"));
    }

    #[tokio::test]
    async fn auth_not_offered_without_tls() {
        // STARTTLS mode on loopback, before STARTTLS: no AUTH (password would go in clear).
        let backend = Arc::new(MockBackend::default());
        let mut cfg = config(Protocol::Submission);
        cfg.tls_mode = TlsMode::Starttls;
        let (mut c, _) = start(cfg, backend).await;
        c.reply().await;
        let ehlo = c.cmd("EHLO client.test").await;
        assert!(!ehlo.contains("AUTH"), "{ehlo}");
        assert!(c.cmd("AUTH PLAIN").await.starts_with("538 5.7.11"));
    }

    #[tokio::test]
    async fn command_timeout() {
        let backend = Arc::new(MockBackend::default());
        let mut cfg = config(Protocol::Smtp);
        cfg.limits.smtp_command_timeout = 1;
        let (mut c, server) = start(cfg, backend).await;
        c.reply().await;
        assert!(c.reply().await.starts_with("421 4.4.2"));
        assert_eq!(c.reply().await, "");
        timeout(Duration::from_secs(5), server)
            .await
            .unwrap()
            .unwrap();
    }

    fn tls_pair() -> (TlsAcceptor, tokio_rustls::TlsConnector) {
        let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
        let cert = certified.cert.der().clone();
        let key =
            rustls_pki_types::PrivateKeyDer::Pkcs8(certified.signing_key.serialize_der().into());
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let server = rustls::ServerConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![cert.clone()], key)
            .unwrap();
        let mut roots = rustls::RootCertStore::empty();
        roots.add(cert).unwrap();
        let client = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        (
            TlsAcceptor::from(Arc::new(server)),
            tokio_rustls::TlsConnector::from(Arc::new(client)),
        )
    }

    #[tokio::test]
    async fn starttls_discards_pipelined_input_and_resets_state() {
        let (acceptor, connector) = tls_pair();
        let backend = Arc::new(MockBackend::default());
        let mut cfg = config(Protocol::Submission);
        cfg.tls_mode = TlsMode::Starttls;
        cfg.tls_acceptor = Some(acceptor);
        let (mut c, _) = start(cfg, backend.clone()).await;
        c.reply().await;
        let ehlo = c.cmd("EHLO client.test").await;
        assert!(
            ehlo.contains("STARTTLS") && !ehlo.contains("AUTH"),
            "{ehlo}"
        );

        // A command injected after STARTTLS in the same packet must not survive the upgrade.
        c.send("STARTTLS\r\nEHLO injected.test\r\n").await;
        assert_eq!(c.reply().await, "220 2.0.0 Ready to start TLS\r\n");
        let tcp = c.s.into_inner();
        let name = rustls_pki_types::ServerName::try_from("localhost").unwrap();
        let tls = connector.connect(name, tcp).await.unwrap();
        let mut c = Client::new(tls);

        // Had the injected EHLO run, MAIL would not be a sequence error; the state was reset.
        c.send("NOOP\r\n").await;
        assert!(c.reply().await.starts_with("250 2.0.0"));
        assert!(
            c.cmd("MAIL FROM:<alice@example.org>")
                .await
                .starts_with("503 5.5.1")
        );
        let ehlo = c.cmd("EHLO client.test").await;
        assert!(!ehlo.contains("STARTTLS"), "{ehlo}");
        assert!(
            ehlo.contains("AUTH PLAIN LOGIN") || ehlo.contains("AUTH LOGIN PLAIN"),
            "{ehlo}"
        );
        assert!(c.cmd("STARTTLS").await.starts_with("503 5.5.1"));
        assert!(
            c.cmd(&format!("AUTH PLAIN {}", plain("alice", "secret")))
                .await
                .starts_with("235")
        );
        c.send("MAIL FROM:<alice@example.org>\r\nRCPT TO:<x@elsewhere.test>\r\nDATA\r\n")
            .await;
        for _ in 0..3 {
            c.reply().await;
        }
        c.send("Subject: tls\r\n\r\nsecret\r\n.\r\n").await;
        assert!(c.reply().await.starts_with("250"));
        let m = backend.delivered.lock().unwrap().pop().unwrap();
        assert!(m.envelope.tls.is_some());
        assert_eq!(m.envelope.helo, "client.test");
        assert!(String::from_utf8_lossy(&m.raw).contains(" with ESMTPSA id "));
    }

    /// The header written into one string is what the former builder (a `format!` per part)
    /// made, octet for octet.
    #[test]
    fn field_goes_in_the_head_or_in_front_of_the_message() {
        // Same length: in place, the same allocation.
        let buf = b"xxxxBODY".to_vec();
        let at = buf.as_ptr();
        let out = put_in_head("Rcv:", buf, 4);
        assert_eq!(out, b"Rcv:BODY");
        assert_eq!(out.as_ptr(), at);
        // Another length (the date got a digit longer), no head, or a head past the end.
        assert_eq!(put_in_head("Recv:", b"xxxxBODY".to_vec(), 4), b"Recv:BODY");
        assert_eq!(put_in_head("R:", b"xxxxBODY".to_vec(), 4), b"R:BODY");
        assert_eq!(put_in_head("R:", b"BODY".to_vec(), 0), b"R:BODY");
        assert_eq!(put_in_head("R:", b"BO".to_vec(), 4), b"R:");
    }

    #[test]
    fn received_header_matches_the_former_builder() {
        fn former(info: &ReceivedInfo<'_>) -> String {
            let helo: String = info
                .helo
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || "-._:[]".contains(c) {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            let helo = if helo.is_empty() { "unknown" } else { &helo };
            let from = match info.ip.map(|ip| ip.to_canonical()) {
                Some(IpAddr::V4(v4)) => format!("{helo} ([{v4}])"),
                Some(IpAddr::V6(v6)) => format!("{helo} ([IPv6:{v6}])"),
                None if helo.starts_with('[') => "unknown".to_string(),
                None => helo.to_string(),
            };
            let mut h = format!(
                "Received: from {from}\r\n\tby {} (Mailsift) with {} id {}",
                info.hostname, info.with, info.queue_id
            );
            if let [rcpt] = info.recipients {
                let rcpt: String = rcpt
                    .chars()
                    .map(|c| if c.is_control() || c == '>' { '_' } else { c })
                    .collect();
                h.push_str(&format!("\r\n\tfor <{rcpt}>"));
            }
            h.push_str(&format!(";\r\n\t{}\r\n", info.date));
            h
        }
        let one = ["b\u{e9}b>x\r@example.org".to_string()];
        let two = ["a@x.test".to_string(), "b@x.test".to_string()];
        for helo in [
            "",
            "client.test",
            "[192.0.2.1]",
            "evil (x);\r\nX: 1",
            "\u{e9}t\u{e9}",
        ] {
            for ip in [
                None,
                Some("192.0.2.7".parse().unwrap()),
                Some("::ffff:192.0.2.7".parse().unwrap()),
                Some("2001:db8::1".parse().unwrap()),
            ] {
                for recipients in [&one[..], &two[..], &[]] {
                    let info = ReceivedInfo {
                        helo,
                        ip,
                        hostname: "mx.test",
                        with: "ESMTPS",
                        queue_id: "0123456789AB",
                        recipients,
                        date: "Tue, 1 Jul 2003 10:52:37 +0000",
                    };
                    assert_eq!(received_header(&info), former(&info));
                    let roomy = received_header_with_room(&info, 5000);
                    assert_eq!(roomy, former(&info));
                    assert!(roomy.capacity() >= roomy.len() + 5000);
                }
            }
        }
    }

    #[test]
    fn received_header_format() {
        let rcpts = vec!["bob@example.org".to_string()];
        let h = received_header(&ReceivedInfo {
            helo: "evil (x);\r\nX-Injected: 1",
            ip: Some("2001:db8::1".parse().unwrap()),
            hostname: "mx.test",
            with: with_protocol(true, true, true, false),
            queue_id: "0123456789AB",
            recipients: &rcpts,
            date: "Tue, 1 Jul 2003 10:52:37 +0000",
        });
        assert_eq!(
            h,
            "Received: from evil__x____X-Injected:_1 ([IPv6:2001:db8::1])\r\n\
             \tby mx.test (Mailsift) with ESMTPSA id 0123456789AB\r\n\
             \tfor <bob@example.org>;\r\n\tTue, 1 Jul 2003 10:52:37 +0000\r\n"
        );
        // Hidden for logged-in users: neither the address nor an address literal for EHLO.
        for (helo, from) in [
            ("laptop.example", "laptop.example"),
            ("[192.168.1.20]", "unknown"),
        ] {
            let h = received_header(&ReceivedInfo {
                helo,
                ip: None,
                hostname: "mx.test",
                with: "ESMTPSA",
                queue_id: "0123456789AB",
                recipients: &rcpts,
                date: "Tue, 1 Jul 2003 10:52:37 +0000",
            });
            assert!(
                h.starts_with(&format!("Received: from {from}\r\n\tby mx.test")),
                "{h}"
            );
            assert!(!h.contains("192.168"), "{h}");
        }
        assert_eq!(with_protocol(false, false, false, false), "SMTP");
        assert_eq!(with_protocol(true, true, false, false), "ESMTPS");
        assert_eq!(with_protocol(true, false, true, true), "UTF8SMTPA");
    }

    #[test]
    fn queue_ids_are_distinct() {
        let ids: std::collections::HashSet<String> = (0..1000).map(|_| new_queue_id()).collect();
        assert_eq!(ids.len(), 1000);
        assert!(ids.iter().all(|id| {
            id.len() == 12
                && id
                    .bytes()
                    .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
        }));
    }
}
