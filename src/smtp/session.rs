//! One SMTP session (RFC 5321), for the MX role (`Protocol::Smtp`) and for message submission
//! (`Protocol::Submission`, RFC 6409: authentication required before MAIL).
//!
//! Extensions: PIPELINING (RFC 2920), SIZE (RFC 1870), 8BITMIME (RFC 6152), ENHANCEDSTATUSCODES
//! (RFC 2034/3463), SMTPUTF8 (RFC 6531), STARTTLS (RFC 3207), AUTH PLAIN/LOGIN (RFC 4954).
//! CHUNKING is not offered. Wire details live in [`super::wire`] and [`super::data`]; everything
//! the session needs to decide comes through [`SmtpBackend`].

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use smtp_proto::{EhloResponse, MailFrom, RcptTo, Request};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::time::timeout;
use tokio_rustls::TlsAcceptor;
use tracing::{Instrument, Span, debug, info, info_span, warn};

use super::backend::{AuthResult, Envelope, IncomingMessage, RcptDecision, SmtpBackend};
use super::data::{DataOutcome, DataReader};
use super::wire::{self, InputBuffer, Line, MAX_AUTH_LINE, MAX_COMMAND_LINE};
use crate::config::{Limits, Protocol, TlsMode};
use crate::net::Conn;

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
    queue_id: String,
    mail_from: String,
    recipients: Vec<String>,
    /// MAIL FROM carried SMTPUTF8 (RFC 6531 §3.4).
    smtputf8: bool,
    /// Carries the queue id; every log line about this message is emitted in it.
    span: Span,
}

/// Runs one SMTP session to its end. Never panics on client input; errors are logged.
pub async fn run_session<B: SmtpBackend>(
    conn: Conn,
    peer: SocketAddr,
    config: Arc<SessionConfig>,
    backend: Arc<B>,
) {
    let span = info_span!("smtp", peer = %peer, listener = config.protocol.name());
    async move {
        let mut session = Session {
            conn,
            peer,
            config,
            backend,
            input: InputBuffer::new(),
            read_buf: vec![0; 16 * 1024],
            out: Vec::with_capacity(1024),
            helo: None,
            auth: None,
            auth_failures: 0,
            txn: None,
        };
        match session.run().await {
            Ok(()) | Err(SessionError::Eof) => debug!("session closed"),
            Err(e) => info!(error = %e, "session ended"),
        }
        let _ = timeout(Duration::from_secs(5), session.conn.shutdown()).await;
    }
    .instrument(span)
    .await
}

struct Session<B> {
    conn: Conn,
    peer: SocketAddr,
    config: Arc<SessionConfig>,
    backend: Arc<B>,
    input: InputBuffer,
    read_buf: Vec<u8>,
    /// Replies not yet written: flushed before every blocking read (RFC 2920 §3.2).
    out: Vec<u8>,
    helo: Option<Helo>,
    /// The account, once AUTH succeeded.
    auth: Option<String>,
    auth_failures: u32,
    txn: Option<Transaction>,
}

impl<B: SmtpBackend> Session<B> {
    async fn run(&mut self) -> Result<(), SessionError> {
        info!(tls = self.conn.is_tls(), "connected");
        let greeting = format!("220 {} ESMTP Mailsift\r\n", self.config.hostname);
        self.out.extend_from_slice(greeting.as_bytes());
        let result = self.command_loop().await;
        if let Err(SessionError::ReadTimeout) = result {
            // RFC 5321 §4.5.3.2: the server may close after a timeout, saying so with 421.
            self.reply(
                421,
                "4.4.2",
                format!("{} Timeout, closing", self.config.hostname),
            );
            let _ = self.flush().await;
        }
        result
    }

    async fn command_loop(&mut self) -> Result<(), SessionError> {
        let command_timeout = self.config.limits.smtp_command_timeout;
        loop {
            if self.out.len() > 16 * 1024 {
                // A client pipelining without reading must not grow our buffer unboundedly.
                self.flush().await?;
            }
            let line = match self.read_line(MAX_AUTH_LINE, command_timeout).await? {
                // RFC 5321 §4.5.3.1.4 (512 octets); RFC 4954 §4 allows AUTH lines up to 12288.
                Some(line) if line.len() <= MAX_COMMAND_LINE || wire::is_auth_command(&line) => {
                    line
                }
                _ => {
                    self.reply(500, "5.5.2", "Line too long");
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
        loop {
            match self.input.next_line(max) {
                Line::Complete(line) => return Ok(Some(line)),
                Line::TooLong => return Ok(None),
                Line::Incomplete => self.fill(timeout_secs).await?,
            }
        }
    }

    /// Flushes pending replies, then waits for more input.
    async fn fill(&mut self, timeout_secs: u64) -> Result<(), SessionError> {
        self.flush().await?;
        let n = timeout(
            Duration::from_secs(timeout_secs),
            self.conn.read(&mut self.read_buf),
        )
        .await
        .map_err(|_| SessionError::ReadTimeout)??;
        if n == 0 {
            return Err(SessionError::Eof);
        }
        self.input.extend(&self.read_buf[..n]);
        Ok(())
    }

    async fn flush(&mut self) -> Result<(), SessionError> {
        if self.out.is_empty() {
            return Ok(());
        }
        let out = std::mem::take(&mut self.out);
        let conn = &mut self.conn;
        timeout(
            Duration::from_secs(self.config.limits.smtp_command_timeout),
            async {
                conn.write_all(&out).await?;
                conn.flush().await
            },
        )
        .await
        .map_err(|_| SessionError::WriteTimeout)??;
        Ok(())
    }

    fn reply(&mut self, code: u16, enhanced: &str, text: impl AsRef<str>) {
        self.out
            .extend_from_slice(&wire::format_reply(code, enhanced, text.as_ref()));
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

    fn envelope(&self, txn: &Transaction) -> Envelope {
        Envelope {
            queue_id: txn.queue_id.clone(),
            mail_from: txn.mail_from.clone(),
            recipients: txn.recipients.clone(),
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
        let request = match wire::parse_command(line) {
            Ok(request) => request,
            Err(e) => {
                let (code, enhanced, text) = e.reply();
                self.reply(code, enhanced, text);
                return Ok(Flow::Continue);
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
            Request::Mail { from } => self.mail(from),
            Request::Rcpt { to } => self.rcpt(to).await,
            Request::Data => self.data().await?,
            Request::Bdat { chunk_size, .. } => {
                // CHUNKING is not advertised. Skip the chunk anyway, so that its bytes are
                // never read as commands.
                self.discard(chunk_size as u64).await?;
                self.reply(502, "5.5.1", "CHUNKING not supported");
            }
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
                 EHLO HELO STARTTLS AUTH MAIL RCPT DATA RSET NOOP VRFY HELP QUIT",
            ),
            Request::Quit => {
                self.reply(
                    221,
                    "2.0.0",
                    format!("{} closing connection", self.config.hostname),
                );
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
        if !extended {
            let text = format!("250 {}\r\n", self.config.hostname);
            self.out.extend_from_slice(text.as_bytes());
            return;
        }
        let mut ehlo = EhloResponse::new(self.config.hostname.as_str());
        ehlo.capabilities = smtp_proto::EXT_PIPELINING
            | smtp_proto::EXT_SIZE
            | smtp_proto::EXT_8BIT_MIME
            | smtp_proto::EXT_ENHANCED_STATUS_CODES
            | smtp_proto::EXT_SMTP_UTF8;
        ehlo.size = usize::try_from(self.config.limits.max_message_size).unwrap_or(usize::MAX);
        if self.starttls_offered() {
            ehlo.capabilities |= smtp_proto::EXT_START_TLS;
        }
        if self.auth_offered() {
            ehlo.capabilities |= smtp_proto::EXT_AUTH;
            ehlo.auth_mechanisms = smtp_proto::AUTH_PLAIN | smtp_proto::AUTH_LOGIN;
        }
        // Writing to a Vec cannot fail.
        let _ = ehlo.write(&mut self.out);
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
        let handshake = timeout(
            Duration::from_secs(self.config.limits.smtp_command_timeout),
            self.conn.upgrade(&acceptor),
        )
        .await;
        match handshake {
            Ok(Ok(())) => {
                info!(
                    tls = self.conn.tls_description().unwrap_or_default(),
                    "TLS started"
                );
                // §4.2: forget everything learnt before; the client must EHLO again.
                self.helo = None;
                self.auth = None;
                self.txn = None;
                Ok(Flow::Continue)
            }
            // The socket is gone with the failed handshake: nothing more can be sent.
            Ok(Err(e)) => Err(SessionError::Tls(e)),
            Err(_) => Err(SessionError::Tls(io::Error::other("handshake timed out"))),
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
        let (user, password) = match mechanism {
            smtp_proto::AUTH_PLAIN => {
                let payload = if initial.is_empty() {
                    // An empty challenge; the client answers with its PLAIN message.
                    self.out.extend_from_slice(b"334 \r\n");
                    match self.auth_response().await? {
                        Some(line) => line,
                        None => return Ok(Flow::Continue),
                    }
                } else {
                    initial.into_bytes()
                };
                match wire::decode_plain(&payload) {
                    Ok(credentials) => credentials,
                    Err(wire::AuthPayloadError::Authzid) => {
                        return Ok(self.auth_failed("(authzid)"));
                    }
                    Err(e) => {
                        self.reply(501, "5.5.2", format!("Invalid AUTH PLAIN response: {e}"));
                        return Ok(Flow::Continue);
                    }
                }
            }
            smtp_proto::AUTH_LOGIN => {
                let user = if initial.is_empty() {
                    let prompt = wire::encode_challenge("Username:");
                    self.out
                        .extend_from_slice(format!("334 {prompt}\r\n").as_bytes());
                    match self.auth_response().await? {
                        Some(line) => line,
                        None => return Ok(Flow::Continue),
                    }
                } else {
                    initial.into_bytes()
                };
                let Ok(user) = wire::decode_login(&user) else {
                    self.reply(501, "5.5.2", "Invalid base64 data");
                    return Ok(Flow::Continue);
                };
                let prompt = wire::encode_challenge("Password:");
                self.out
                    .extend_from_slice(format!("334 {prompt}\r\n").as_bytes());
                let Some(line) = self.auth_response().await? else {
                    return Ok(Flow::Continue);
                };
                let Ok(password) = wire::decode_login(&line) else {
                    self.reply(501, "5.5.2", "Invalid base64 data");
                    return Ok(Flow::Continue);
                };
                (user, password)
            }
            _ => {
                self.reply(504, "5.5.4", "Unrecognized authentication type");
                return Ok(Flow::Continue);
            }
        };
        match self.backend.authenticate(&user, &password).await {
            AuthResult::Success(account) => {
                info!(account = %account, "authenticated");
                self.auth = Some(account);
                self.reply(235, "2.7.0", "Authentication successful");
                Ok(Flow::Continue)
            }
            AuthResult::Failure => Ok(self.auth_failed(&user)),
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

    fn auth_failed(&mut self, user: &str) -> Flow {
        self.auth_failures += 1;
        warn!(
            user = %wire::sanitize(user),
            failures = self.auth_failures,
            "authentication failed"
        );
        if self.auth_failures >= self.config.limits.max_auth_failures {
            self.reply(421, "4.7.0", "Too many authentication failures, closing");
            Flow::Close
        } else {
            self.reply(535, "5.7.8", "Authentication credentials invalid");
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
            Some(line) if wire::is_auth_cancel(&line) => {
                self.reply(501, "5.7.0", "Authentication cancelled");
                Ok(None)
            }
            Some(line) => Ok(Some(line)),
        }
    }

    /// MAIL FROM (RFC 5321 §4.1.1.2).
    fn mail(&mut self, from: MailFrom<String>) {
        if self.helo.is_none() {
            self.reply(503, "5.5.1", "Send EHLO/HELO first");
            return;
        }
        if self.txn.is_some() {
            self.reply(503, "5.5.1", "Nested MAIL command");
            return;
        }
        if self.config.protocol == Protocol::Submission && self.auth.is_none() {
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
        let span = info_span!("txn", queue_id = %queue_id);
        info!(parent: &span, from = %from.address, size = from.size, "MAIL FROM");
        self.txn = Some(Transaction {
            queue_id,
            mail_from: from.address,
            recipients: Vec::new(),
            smtputf8,
            span,
        });
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
            .recipients
            .iter()
            .any(|r| r.eq_ignore_ascii_case(&address))
        {
            self.reply(250, "2.1.5", "OK");
            return;
        }
        if txn.recipients.len() >= self.config.limits.max_recipients {
            // RFC 5321 §4.5.3.1.10.
            self.reply(452, "4.5.3", "Too many recipients");
            return;
        }
        let envelope = self.envelope(txn);
        let span = txn.span.clone();
        let decision = self
            .backend
            .check_recipient(&envelope, &address)
            .instrument(span.clone())
            .await;
        match decision {
            RcptDecision::Accept | RcptDecision::Relay => {
                info!(parent: &span, to = %address, relay = (decision == RcptDecision::Relay), "RCPT TO accepted");
                if let Some(txn) = &mut self.txn {
                    txn.recipients.push(address);
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
            Some(txn) if txn.recipients.is_empty() => {
                // RFC 2920 §3.1: DATA after only failed RCPTs.
                self.reply(554, "5.5.1", "No valid recipients");
                return Ok(());
            }
            Some(_) => {}
        }
        self.reply(354, "", "Start mail input; end with <CRLF>.<CRLF>");
        let limits = &self.config.limits;
        let mut reader = DataReader::new(limits.max_message_size, limits.max_line_length);
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
        let Some(txn) = self.txn.take() else {
            return Ok(());
        };
        match reader.finish() {
            DataOutcome::TooBig => {
                info!(parent: &txn.span, "message refused: too big");
                self.reply(552, "5.3.4", "Message too big");
            }
            DataOutcome::LineTooLong => {
                // RFC 5321 §4.5.3.1.6 limits text lines to 1000 octets. 500 is a command
                // syntax reply; after DATA §4.3.2 lists 554 (transaction failed), permanent
                // because resending the same content fails again; RFC 3463 X.6.0 = media error.
                info!(parent: &txn.span, "message refused: line too long");
                self.reply(
                    554,
                    "5.6.0",
                    format!(
                        "Message has a line longer than {} octets",
                        self.config.limits.max_line_length
                    ),
                );
            }
            DataOutcome::Message(body) => {
                let helo = self.helo.as_ref();
                let with = with_protocol(
                    helo.is_some_and(|h| h.extended),
                    self.conn.is_tls(),
                    self.auth.is_some(),
                    txn.smtputf8,
                );
                let received = received_header(&ReceivedInfo {
                    helo: helo.map(|h| h.name.as_str()).unwrap_or(""),
                    ip: self.peer.ip(),
                    hostname: &self.config.hostname,
                    with,
                    queue_id: &txn.queue_id,
                    recipients: &txn.recipients,
                    date: &chrono::Utc::now().to_rfc2822(),
                });
                let mut raw = Vec::with_capacity(received.len() + body.len());
                raw.extend_from_slice(received.as_bytes());
                raw.extend_from_slice(&body);
                let size = raw.len();
                let envelope = self.envelope(&txn);
                let reply = self
                    .backend
                    .deliver(IncomingMessage { envelope, raw })
                    .instrument(txn.span.clone())
                    .await;
                info!(parent: &txn.span, size, code = reply.code, text = %reply.text, "DATA done");
                self.reply(reply.code, &reply.enhanced, &reply.text);
            }
        }
        Ok(())
    }

    /// Reads and drops `n` octets (an unwanted BDAT chunk).
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
    pub ip: IpAddr,
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
    // HELO is client-chosen: keep it to characters that cannot break the header's structure.
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
    let ip = match info.ip.to_canonical() {
        IpAddr::V4(v4) => format!("[{v4}]"),
        IpAddr::V6(v6) => format!("[IPv6:{v6}]"),
    };
    let mut h = format!(
        "Received: from {helo} ({ip})\r\n\tby {} (Mailsift) with {} id {}",
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
