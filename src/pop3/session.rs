//! The POP3 session: AUTHORIZATION, TRANSACTION and UPDATE states (RFC 1939 §3) over the
//! session kit. Like the other protocol sessions it talks only to the store, the directory and
//! the kit.
//!
//! - Passwords (USER/PASS, AUTH PLAIN/LOGIN) only over TLS, or from loopback when the listener
//!   has no TLS at all: the IMAP and ManageSieve rule (RFC 2595 §2.2).
//! - Deletions are marks until QUIT; only QUIT in the TRANSACTION state enters UPDATE and removes
//!   them (RFC 1939 §6). A connection that ends any other way deletes nothing.
//! - Replies are queued and flushed when no further command is buffered, so pipelined commands
//!   (RFC 2449 §6.6 PIPELINING) are answered in order in as few writes as possible.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio_rustls::TlsAcceptor;
use tracing::Instrument;

use super::command::{Command, ParseError, parse};
use super::maildrop::{Maildrop, MaildropLocks};
use super::response::{Stuffer, crlf_len, err, ok, top};
use crate::config::{Limits, TlsMode};
use crate::directory::{Authenticated, Directory};
use crate::net::Conn;
use crate::session::io::{IoError, Kit, SessionIo};
use crate::session::literal::{self, LiteralFramer, LiteralLimits};
use crate::session::sasl::{self, Mechanism, SaslError, Step};
use crate::store::Store;

/// Per-listener settings for POP3 sessions.
#[derive(Clone)]
pub struct Pop3Config {
    pub hostname: String,
    pub tls_mode: TlsMode,
    pub tls_acceptor: Option<TlsAcceptor>,
    /// Timeouts and the failed-authentication limit (`unauthenticated_timeout`,
    /// `imap_idle_timeout` once logged in, `max_auth_failures`).
    pub limits: Limits,
    /// Session lifetime and login revocation (`session::io`).
    pub kit: Kit,
    /// One POP3 session per account, across every POP3 listener.
    pub locks: MaildropLocks,
}

/// Longest line read. RFC 2449 §4 bounds commands to 255 octets and RFC 5034 §4 lets SASL
/// responses be longer; this leaves room for both without letting a line grow memory.
pub const MAX_LINE: usize = 2048;
/// Unknown or malformed commands in a row before the session is closed: a client that speaks
/// something else (or a scanner) does not keep a connection slot.
pub const MAX_BAD_COMMANDS: u32 = 10;
/// Message contents are dot-stuffed in pieces of this size...
const CHUNK: usize = 64 * 1024;
/// ...and written out once this much is queued, so a RETR holds one message and a little more.
const FLUSH_AT: usize = 256 * 1024;

/// What the loop does after a command.
enum Next {
    Continue,
    Close,
    StartTls,
}

struct Session {
    conn: SessionIo,
    peer: SocketAddr,
    config: Arc<Pop3Config>,
    store: Store,
    directory: Directory,
    framer: LiteralFramer,
    /// The name given with USER, waiting for PASS.
    user: Option<String>,
    /// Set once logged in: the TRANSACTION state.
    maildrop: Option<Maildrop>,
    auth_failures: u32,
    bad_commands: u32,
}

/// Runs one POP3 connection to its end. `conn` is already TLS on implicit-TLS listeners (995).
pub async fn run_session(
    conn: Conn,
    peer: SocketAddr,
    config: Arc<Pop3Config>,
    store: Store,
    directory: Directory,
) {
    // Only bare lines are read (`next_line`): POP3 has no literals.
    let framer = LiteralFramer::new(
        literal::MANAGESIEVE,
        LiteralLimits {
            max_line: MAX_LINE,
            max_literals: 0,
            max_upload: 0,
            max_literals_before_login: 0,
            max_skip: 0,
        },
    );
    let mut io = SessionIo::new(conn, &config.limits, config.kit.lifetime);
    io.expect_command(Duration::from_secs(config.limits.unauthenticated_timeout));
    // A client must log in within `unauthenticated_timeout` of connecting.
    io.set_login_deadline(Some(Duration::from_secs(
        config.limits.unauthenticated_timeout,
    )));
    let mut session = Session {
        conn: io,
        peer,
        config,
        store,
        directory,
        framer,
        user: None,
        maildrop: None,
        auth_failures: 0,
        bad_commands: 0,
    };
    let span = tracing::info_span!("pop3", %peer);
    async move {
        tracing::debug!(tls = session.conn.is_tls(), "connected");
        match session.run().await {
            Ok(()) => tracing::debug!("disconnected"),
            Err(e) => {
                // RFC 1939 §3: a session that ends without QUIT does not enter UPDATE; the
                // marks die with it.
                if !session
                    .conn
                    .farewell(&e, "Disconnecting: idle for too long", |t| err(None, t))
                    .await
                {
                    tracing::debug!(error = %e, "disconnected with an error");
                }
            }
        }
    }
    .instrument(span)
    .await;
}

impl Session {
    fn send(&mut self, bytes: &[u8]) {
        self.conn.send(bytes);
    }

    fn inactivity_timeout(&self) -> Duration {
        // RFC 1939 §3: the autologout timer is at least 10 minutes once logged in.
        Duration::from_secs(match self.maildrop {
            None => self.config.limits.unauthenticated_timeout,
            Some(_) => self.config.limits.imap_idle_timeout,
        })
    }

    /// A command ended: the next one may take up to the inactivity timeout to start.
    fn command_done(&mut self) {
        let idle = self.inactivity_timeout();
        self.conn.expect_command(idle);
    }

    /// Reads more bytes into the framer; Ok(false) on EOF. Timeouts, the session lifetime and
    /// revocation end the session with the kit's error (answered by `run_session`).
    async fn fill(&mut self) -> std::io::Result<bool> {
        let budget = Duration::from_secs(self.config.limits.command_timeout);
        match self.conn.read(budget).await {
            Ok(bytes) => {
                self.framer.feed(bytes);
                Ok(true)
            }
            Err(IoError::Eof) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// The next line, reading as needed (flushing first); `Ok(Err(()))` for a line over
    /// [`MAX_LINE`] (skipped to its end), `Ok(Ok(None))` at EOF.
    async fn next_line(&mut self) -> std::io::Result<Result<Option<Vec<u8>>, ()>> {
        loop {
            match self.framer.next_line() {
                Ok(Some(line)) => return Ok(Ok(Some(line))),
                Ok(None) => {
                    if !self.fill().await? {
                        return Ok(Ok(None));
                    }
                }
                Err(literal::LineTooLong) => return Ok(Err(())),
            }
        }
    }

    /// Cleartext passwords only over TLS, or from loopback when TLS is off altogether: the
    /// IMAP session's rule (RFC 2595 §2.2, like IMAP's LOGINDISABLED).
    fn login_allowed(&self) -> bool {
        self.conn.is_tls()
            || (self.config.tls_mode == TlsMode::None && self.peer.ip().is_loopback())
    }

    fn stls_offered(&self) -> bool {
        !self.conn.is_tls()
            && self.maildrop.is_none()
            && self.config.tls_mode == TlsMode::Starttls
            && self.config.tls_acceptor.is_some()
    }

    /// The CAPA list (RFC 2449 §5), without the status line.
    fn capabilities(&self) -> Vec<u8> {
        let mut caps = vec![
            "TOP".to_string(),
            "UIDL".into(),
            "RESP-CODES".into(),
            "AUTH-RESP-CODE".into(),
            "PIPELINING".into(),
        ];
        // Offered only where a password may be sent (RFC 2595 §4: after STLS).
        if self.login_allowed() {
            caps.push("USER".into());
            caps.push("SASL PLAIN LOGIN".into());
        }
        if self.stls_offered() {
            caps.push("STLS".into());
        }
        caps.push(format!(
            "IMPLEMENTATION Mailsift-{}",
            env!("CARGO_PKG_VERSION")
        ));
        let mut out = Vec::new();
        for c in caps {
            out.extend_from_slice(c.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b".\r\n");
        out
    }

    async fn run(&mut self) -> std::io::Result<()> {
        // No APOP timestamp: passwords are stored hashed, so APOP cannot be offered.
        let greeting = ok(&format!("{} Mailsift POP3 ready", self.config.hostname));
        self.send(&greeting);
        loop {
            let line = match self.next_line().await? {
                Ok(Some(line)) => line,
                Ok(None) => return Ok(()),
                Err(()) => {
                    self.command_done();
                    self.send(&err(None, "Line too long"));
                    if self.bad_command() {
                        return self.close().await;
                    }
                    continue;
                }
            };
            self.command_done();
            let command = match parse(&line) {
                Ok(c) => c,
                Err(e) => {
                    let text = match e {
                        ParseError::Unknown => "Unknown command".to_string(),
                        other => format!("Syntax error: {other}"),
                    };
                    self.send(&err(None, &text));
                    if self.bad_command() {
                        return self.close().await;
                    }
                    continue;
                }
            };
            self.bad_commands = 0;
            tracing::debug!(command = command.name(), "POP3 command");
            let next = self.dispatch(command).await?;
            // Reads inside the command (a SASL response) started a new unit.
            self.command_done();
            // Pipelined commands are answered together, but a client that sends many and reads
            // nothing must not make the replies pile up (a LIST of a large maildrop each).
            if self.conn.pending() >= FLUSH_AT {
                self.conn.flush().await?;
            }
            match next {
                Next::Continue => {}
                Next::Close => return self.close().await,
                Next::StartTls => {
                    // RFC 2595 §4: nothing the client sent before the handshake survives it
                    // (CVE-2011-0411 class); the handshake has `tls_handshake_timeout`.
                    self.framer.take_buffered();
                    let Some(acceptor) = self.config.tls_acceptor.clone() else {
                        return Ok(());
                    };
                    if let Err(e) = self.conn.starttls(&acceptor).await {
                        tracing::debug!(error = %e, "STLS handshake failed");
                        return Ok(());
                    }
                    // §4: what the client said before TLS (its USER) is forgotten.
                    self.user = None;
                    self.command_done();
                }
            }
        }
    }

    /// Counts a bad command; true when the session should end.
    fn bad_command(&mut self) -> bool {
        self.bad_commands += 1;
        if self.bad_commands >= MAX_BAD_COMMANDS {
            tracing::info!("too many invalid commands; closing");
            self.send(&err(None, "Too many invalid commands"));
            return true;
        }
        false
    }

    async fn close(&mut self) -> std::io::Result<()> {
        self.conn.flush().await?;
        self.conn.shutdown().await;
        Ok(())
    }

    async fn dispatch(&mut self, command: Command) -> std::io::Result<Next> {
        match command {
            Command::Capa => {
                let caps = self.capabilities();
                self.send(&ok("Capability list follows"));
                self.send(&caps);
            }
            Command::Noop => match self.maildrop {
                Some(_) => self.send(&ok("")),
                None => self.send(&err(None, "NOOP is not valid before login")),
            },
            Command::Quit => return Ok(self.quit().await),
            Command::Stls => {
                if self.stls_offered() {
                    self.send(&ok("Begin TLS negotiation now"));
                    return Ok(Next::StartTls);
                }
                self.send(&err(None, "STLS is not available"));
            }
            Command::User(_) | Command::Pass(_) | Command::Auth { .. }
                if self.maildrop.is_some() =>
            {
                self.send(&err(None, "Already logged in"));
            }
            Command::Auth {
                mechanism: None, ..
            } => {
                // The mechanism list of the pre-CAPA convention, empty where passwords are not
                // accepted.
                self.send(&ok("Supported SASL mechanisms follow"));
                if self.login_allowed() {
                    self.send(b"PLAIN\r\nLOGIN\r\n");
                }
                self.send(b".\r\n");
            }
            Command::User(_) | Command::Pass(_) | Command::Auth { .. } if !self.login_allowed() => {
                self.send(&err(
                    Some("AUTH"),
                    "Plaintext authentication disallowed before STLS",
                ));
            }
            Command::User(name) => {
                self.user = Some(name);
                self.send(&ok("Send PASS"));
            }
            Command::Pass(password) => match self.user.take() {
                Some(user) => return Ok(self.login(&user, &password).await),
                None => self.send(&err(None, "USER first")),
            },
            Command::Auth {
                mechanism: Some(mechanism),
                initial_response,
            } => return self.authenticate(&mechanism, initial_response).await,
            other => {
                if self.maildrop.is_none() {
                    self.send(&err(
                        None,
                        &format!("{} is not valid before login", other.name()),
                    ));
                } else {
                    self.transaction(other).await?;
                }
            }
        }
        Ok(Next::Continue)
    }

    /// AUTH (RFC 5034 §4) through the kit's SASL decoder.
    async fn authenticate(
        &mut self,
        mechanism: &str,
        initial_response: Option<String>,
    ) -> std::io::Result<Next> {
        let Some(mechanism) = Mechanism::from_name(mechanism) else {
            self.send(&err(None, "Unsupported SASL mechanism"));
            return Ok(Next::Continue);
        };
        let mut exchange = sasl::Exchange::new(mechanism);
        let mut step = exchange.start(initial_response.as_deref().map(str::as_bytes));
        let credentials = loop {
            match step {
                Ok(Step::Done(credentials)) => break credentials,
                Ok(Step::Challenge(text)) => {
                    // `+ ` and the base64 challenge (empty for PLAIN).
                    self.send(format!("+ {}\r\n", Step::encoded(text)).as_bytes());
                    self.conn.flush().await?;
                    let line = match self.next_line().await? {
                        Ok(Some(line)) => line,
                        Ok(None) => return Ok(Next::Close),
                        Err(()) => {
                            self.send(&err(None, "Response too long"));
                            return Ok(Next::Continue);
                        }
                    };
                    step = exchange.respond(&line);
                }
                Err(SaslError::Cancelled) => {
                    self.send(&err(None, "Authentication cancelled"));
                    return Ok(Next::Continue);
                }
                Err(SaslError::Authzid) => {
                    self.send(&err(Some("AUTH"), "Cannot act as another user"));
                    return Ok(Next::Continue);
                }
                Err(e) => {
                    self.send(&err(None, &format!("Invalid SASL response: {e}")));
                    return Ok(Next::Continue);
                }
            }
        };
        Ok(self
            .login(&credentials.authcid, &credentials.password)
            .await)
    }

    /// Checks the password through the directory (throttle, device passwords), then locks and
    /// reads the maildrop: the TRANSACTION state.
    async fn login(&mut self, username: &str, password: &str) -> Next {
        let (account, device) = match self
            .directory
            .login(self.peer.ip(), username, password)
            .await
        {
            Ok(Authenticated::Ok { account, device }) => (account, device),
            Ok(refused) => return self.refused(username, refused),
            Err(e) => {
                tracing::error!(error = %e, "authentication error");
                self.send(&err(
                    Some("SYS/TEMP"),
                    "Authentication temporarily unavailable",
                ));
                return Next::Continue;
            }
        };
        // RFC 1939 §8 / RFC 2449 §8.1.1: one session per maildrop.
        let Some(lock) = self.config.locks.try_lock(account.id) else {
            tracing::info!(user = %account.address, "POP3 login refused: maildrop in use");
            self.send(&err(
                Some("IN-USE"),
                "Mailbox is in use by another POP3 session",
            ));
            return Next::Continue;
        };
        let maildrop = match self
            .store
            .read()
            .and_then(|read| Maildrop::open(&read, account.id, lock))
        {
            Ok(m) => m,
            Err(e) => {
                tracing::error!(error = %e, user = %account.address, "cannot open the maildrop");
                self.send(&err(Some("SYS/TEMP"), "Mailbox temporarily unavailable"));
                return Next::Continue;
            }
        };
        tracing::info!(user = %account.address, %device, "POP3 login");
        // Blocking the account or removing this device's password ends the session.
        let guard = self
            .config
            .kit
            .revoker
            .as_ref()
            .map(|r| r.register(account.id, &account.address, &device));
        self.conn.set_login(guard);
        self.conn.set_login_deadline(None);
        let (count, size) = maildrop.stat();
        self.maildrop = Some(maildrop);
        self.send(&ok(&format!("Logged in, {count} messages ({size} octets)")));
        Next::Continue
    }

    /// A login the directory refused. Written without an exhaustive match so that a new kind of
    /// refusal in the directory still compiles here and is answered as a temporary refusal.
    fn refused(&mut self, username: &str, outcome: Authenticated) -> Next {
        let user = crate::session::throttle::printable(username);
        if matches!(outcome, Authenticated::BadCredentials) {
            self.auth_failures += 1;
            crate::metrics::global().login_failed("pop3");
            tracing::info!(%user, failures = self.auth_failures, "POP3 login failed");
            // RFC 3206 §4: [AUTH], the credentials are the problem.
            self.send(&err(Some("AUTH"), "Invalid credentials"));
            if self.auth_failures >= self.config.limits.max_auth_failures {
                self.send(&err(None, "Too many failed logins"));
                return Next::Close;
            }
        } else if matches!(outcome, Authenticated::Blocked) {
            tracing::warn!(%user, "POP3 login refused: account blocked");
            // RFC 3206 §5: [SYS/PERM], not to be fixed by the user retrying.
            self.send(&err(
                Some("SYS/PERM"),
                "This account is blocked; contact your administrator",
            ));
        } else if let Authenticated::Throttled { retry_after } = outcome {
            self.send(&err(
                Some("SYS/TEMP"),
                &format!(
                    "Too many failed logins; try again in {} seconds",
                    retry_after.as_secs().max(1)
                ),
            ));
        } else if let Authenticated::Maintenance { domain } = &outcome {
            tracing::info!(%user, %domain, "POP3 login refused: domain in maintenance");
            // RFC 3206 §5: [SYS/TEMP], the same words as IMAP's [UNAVAILABLE].
            self.send(&err(
                Some("SYS/TEMP"),
                &crate::directory::maintenance_text(domain),
            ));
        } else {
            tracing::warn!(%user, "POP3 login refused");
            self.send(&err(Some("SYS/TEMP"), "Login refused; try again later"));
        }
        Next::Continue
    }

    /// The TRANSACTION state's commands (RFC 1939 §5).
    async fn transaction(&mut self, command: Command) -> std::io::Result<()> {
        let Some(md) = self.maildrop.as_mut() else {
            return Ok(());
        };
        let reply = match command {
            Command::Stat => {
                let (count, size) = md.stat();
                ok(&format!("{count} {size}"))
            }
            Command::List(Some(n)) => match md.get(n) {
                Some(e) => ok(&format!("{n} {}", e.size)),
                None => err(None, "No such message"),
            },
            Command::Uidl(Some(n)) => match md.get(n) {
                Some(e) => ok(&format!("{n} {}", md.unique_id(e))),
                None => err(None, "No such message"),
            },
            Command::List(None) | Command::Uidl(None) => {
                let uidl = matches!(command, Command::Uidl(_));
                let (count, size) = md.stat();
                let mut out = ok(&format!("{count} messages ({size} octets)"));
                for (n, e) in md.live() {
                    let line = if uidl {
                        format!("{n} {}\r\n", md.unique_id(e))
                    } else {
                        format!("{n} {}\r\n", e.size)
                    };
                    out.extend_from_slice(line.as_bytes());
                }
                out.extend_from_slice(b".\r\n");
                out
            }
            Command::Dele(n) => {
                if md.delete(n) {
                    ok(&format!("Message {n} deleted"))
                } else {
                    err(None, "No such message")
                }
            }
            Command::Rset => {
                md.undelete_all();
                let (count, size) = md.stat();
                ok(&format!("{count} messages ({size} octets)"))
            }
            Command::Retr(n) => return self.send_message(n, None).await,
            Command::Top { msg, lines } => return self.send_message(msg, Some(lines)).await,
            // Handled by `dispatch`.
            Command::Capa
            | Command::Stls
            | Command::User(_)
            | Command::Pass(_)
            | Command::Auth { .. }
            | Command::Noop
            | Command::Quit => return Ok(()),
        };
        self.send(&reply);
        Ok(())
    }

    /// RETR (whole message) or TOP (header and `lines` lines of the body): read from the store,
    /// one message in memory, streamed out dot-stuffed in chunks.
    async fn send_message(&mut self, n: u32, lines: Option<u64>) -> std::io::Result<()> {
        let Some(md) = self.maildrop.as_ref() else {
            return Ok(());
        };
        let Some(entry) = md.get(n).copied() else {
            self.send(&err(None, "No such message"));
            return Ok(());
        };
        let content = match self.read_message(md.mailbox_id, entry.uid) {
            Ok(Some(content)) => content,
            // Expunged by an IMAP session since login: that message only.
            Ok(None) => {
                self.send(&err(
                    None,
                    &format!("Message {n} was removed by another session"),
                ));
                return Ok(());
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot read a message");
                self.send(&err(Some("SYS/TEMP"), "Message temporarily unavailable"));
                return Ok(());
            }
        };
        let body = match lines {
            Some(lines) => top(&content, lines),
            None => &content[..],
        };
        // The octets that follow, before dot-stuffing (RFC 1939 §7): the stored size unless
        // the message was stored with bare line ends (an IMAP APPEND).
        self.send(&ok(&format!("{} octets", crlf_len(body))));
        let mut stuffer = Stuffer::default();
        let mut chunk = Vec::with_capacity(CHUNK + CHUNK / 8);
        for piece in body.chunks(CHUNK) {
            stuffer.push(piece, &mut chunk);
            self.conn.send(&chunk);
            chunk.clear();
            if self.conn.pending() >= FLUSH_AT {
                self.conn.flush().await?;
            }
        }
        stuffer.finish(&mut chunk);
        self.conn.send(&chunk);
        Ok(())
    }

    /// A message's content, or None when it is no longer in the mailbox. The metadata snapshot
    /// is dropped before the content is read (docs/store.md).
    fn read_message(
        &self,
        mailbox_id: crate::store::MailboxId,
        uid: u32,
    ) -> Result<Option<Vec<u8>>, crate::store::StoreError> {
        let blob = {
            let read = self.store.read()?;
            match read.message(mailbox_id, uid)? {
                Some(meta) => meta.blob,
                None => return Ok(None),
            }
        };
        self.store.blobs().get(&blob)
    }

    /// QUIT (RFC 1939 §6): in TRANSACTION, the UPDATE state removes the messages marked
    /// deleted, in one store write that tells IMAP sessions (they see the EXPUNGE); the lock is
    /// released only after it. In AUTHORIZATION it just ends the session.
    async fn quit(&mut self) -> Next {
        let Some(md) = self.maildrop.as_ref() else {
            self.send(&ok(&format!("{} closing", self.config.hostname)));
            return Next::Close;
        };
        let uids = md.deleted_uids();
        let count = uids.len();
        if count > 0 {
            let (mailbox_id, uidvalidity) = (md.mailbox_id, md.uidvalidity);
            let result = self
                .store
                .write(move |tx| match tx.mailbox_by_id_tx(mailbox_id)? {
                    // Messages an IMAP session removed meanwhile are skipped.
                    Some(m) if m.uidvalidity == uidvalidity => {
                        tx.remove_messages(mailbox_id, &uids)
                    }
                    _ => Ok(()),
                })
                .await;
            if let Err(e) = result {
                tracing::error!(error = %e, "POP3 update failed");
                self.send(&err(Some("SYS/TEMP"), "Some deleted messages not removed"));
                return Next::Close;
            }
        }
        tracing::info!(deleted = count, "POP3 quit");
        self.send(&ok(&format!(
            "{} closing ({count} messages deleted)",
            self.config.hostname
        )));
        Next::Close
    }
}
