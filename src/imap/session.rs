//! The IMAP session: connection loop, states (RFC 9051 §3), authentication and dispatch.
//!
//! Mailbox commands live in `mailbox_cmds.rs`, message commands in `message_cmds.rs`, and the
//! selected-mailbox snapshot with its untagged updates in `selected.rs`. The session reads the
//! store through read transactions and writes through `Store::write`; it never talks to the
//! other protocol servers.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio_rustls::TlsAcceptor;
use tracing::Instrument;

use super::command::{Command, CommandBody};
use super::framing::{CommandFramer, Frame, FramingError};
use super::parser::{is_idle_done, parse_command};
use super::response::{Status, continuation, tagged, untagged, untagged_status};
use super::selected::Selected;
use crate::config::{Limits, TlsMode};
use crate::directory::{Authenticated, Directory};
use crate::net::Conn;
use crate::session::io::{IoError, Kit, SessionIo};
use crate::session::sasl::{self, Mechanism, SaslError, Step};
use crate::store::{Account, Store, StoreError};

/// Per-listener settings for IMAP sessions.
#[derive(Clone)]
pub struct ImapConfig {
    pub hostname: String,
    pub tls_mode: TlsMode,
    pub tls_acceptor: Option<TlsAcceptor>,
    pub limits: Limits,
    /// Session lifetime and login revocation (`session::io`).
    pub kit: Kit,
}

/// Flush the output buffer when it grows past this (large FETCH results).
const FLUSH_AT: usize = 256 * 1024;

pub(super) enum State {
    NotAuthenticated,
    Authenticated(Account),
    Selected(Account, Box<Selected>),
}

/// What the dispatcher tells the loop to do after a command.
pub(super) enum Next {
    Continue,
    Logout,
    StartTls,
    Idle(String),
}

pub(super) struct Session {
    /// The connection behind the kit's deadlines (`session::io`).
    pub conn: SessionIo,
    pub peer: SocketAddr,
    pub config: Arc<ImapConfig>,
    pub store: Store,
    pub directory: Directory,
    pub framer: CommandFramer,
    pub state: State,
    pub out: Vec<u8>,
    /// RFC 9051 behaviour was ENABLEd (ESEARCH replies, no \Recent).
    pub rev2: bool,
    /// RFC 6855 UTF8=ACCEPT was ENABLEd: mailbox names in UTF-8 instead of modified UTF-7.
    pub utf8: bool,
    /// RFC 7162 CONDSTORE was enabled (ENABLE, SELECT (CONDSTORE) or a MODSEQ command).
    pub condstore: bool,
    /// RFC 7162 QRESYNC was ENABLEd: VANISHED instead of EXPUNGE.
    pub qresync: bool,
    /// The QRESYNC parameter of the SELECT in progress (`condstore.rs`).
    pub pending_qresync: Option<super::command::Qresync>,
    auth_failures: u32,
}

/// Runs one IMAP connection to its end. `conn` is already TLS for implicit-TLS listeners.
pub async fn run_session(
    conn: Conn,
    peer: SocketAddr,
    config: Arc<ImapConfig>,
    store: Store,
    directory: Directory,
) {
    let framer = CommandFramer::new(
        config.limits.max_imap_command,
        config.limits.max_message_size,
        config.limits.max_literal_before_login,
    );
    let mut io = SessionIo::new(conn, &config.limits, config.kit.lifetime);
    io.expect_command(Duration::from_secs(config.limits.unauthenticated_timeout));
    // A client must log in within `unauthenticated_timeout` of connecting, however busy it
    // keeps the connection.
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
        state: State::NotAuthenticated,
        out: Vec::new(),
        rev2: false,
        utf8: false,
        condstore: false,
        qresync: false,
        pending_qresync: None,
        auth_failures: 0,
    };
    let span = tracing::info_span!("imap", %peer);
    async move {
        tracing::debug!(tls = session.conn.is_tls(), "connected");
        match session.run().await {
            Ok(()) => tracing::debug!("disconnected"),
            Err(e) => {
                let bye = |text: &str| untagged_status(Status::Bye, None, text);
                if !session
                    .conn
                    .farewell(&e, "Autologout; idle for too long", bye)
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
    pub(super) fn send(&mut self, bytes: Vec<u8>) {
        self.out.extend_from_slice(&bytes);
    }

    /// Writes the queued output within the kit's write timeout: a client that stops reading
    /// (say during a large FETCH) is dropped instead of holding the session.
    pub(super) async fn flush(&mut self) -> std::io::Result<()> {
        if !self.out.is_empty() {
            self.conn.send(&self.out);
            self.out.clear();
            if self.out.capacity() > 2 * FLUSH_AT {
                self.out = Vec::new();
            }
            self.conn.flush().await?;
        }
        Ok(())
    }

    /// Flushes when the buffer is large, so a big FETCH does not sit in memory.
    pub(super) async fn maybe_flush(&mut self) -> std::io::Result<()> {
        if self.out.len() >= FLUSH_AT {
            self.flush().await?;
        }
        Ok(())
    }

    /// Before waiting on the client: a FETCH may have grown the output buffer to FLUSH_AT and
    /// more, which thousands of idle sessions must not keep (issue 16).
    fn release_output(&mut self) {
        if self.out.capacity() > 4096 {
            self.out = Vec::new();
        }
    }

    fn inactivity_timeout(&self) -> Duration {
        match self.state {
            State::NotAuthenticated => {
                Duration::from_secs(self.config.limits.unauthenticated_timeout)
            }
            _ => Duration::from_secs(self.config.limits.imap_idle_timeout),
        }
    }

    /// Reads more bytes into the framer; Ok(false) on EOF. A command (line and literals) must
    /// be whole within `command_timeout` of its first byte; timeouts, the session lifetime and
    /// revocation end the session with the kit's error (BYE said by `run_session`).
    async fn fill(&mut self) -> std::io::Result<bool> {
        self.flush().await?;
        self.release_output();
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

    /// A command ended: the next one may take up to the inactivity timeout to start.
    fn command_done(&mut self) {
        let idle = self.inactivity_timeout();
        self.conn.expect_command(idle);
    }

    pub(super) fn capabilities(&self) -> String {
        let mut caps = vec!["IMAP4rev1", "IMAP4rev2"];
        let tls = self.conn.is_tls();
        if !tls && self.config.tls_mode == TlsMode::Starttls && self.config.tls_acceptor.is_some() {
            caps.push("STARTTLS");
        }
        if matches!(self.state, State::NotAuthenticated) {
            if self.login_allowed() {
                caps.push("AUTH=PLAIN");
                caps.push("AUTH=LOGIN");
                caps.push("SASL-IR");
            } else {
                caps.push("LOGINDISABLED");
            }
        }
        caps.extend([
            "LITERAL+",
            "ENABLE",
            "ID",
            "IDLE",
            "NAMESPACE",
            "UNSELECT",
            "UIDPLUS",
            "MOVE",
            "CHILDREN",
            "SPECIAL-USE",
            "LIST-EXTENDED",
            "LIST-STATUS",
            "ESEARCH",
            // RFC 5256 / RFC 5267 (ESORT) / RFC 5957.
            "SORT",
            "SORT=DISPLAY",
            "ESORT",
            // RFC 5267 §4: PARTIAL and UPDATE for SEARCH (not SORT: CONTEXT=SORT is not offered).
            "CONTEXT=SEARCH",
            "THREAD=ORDEREDSUBJECT",
            "THREAD=REFERENCES",
            // RFC 8474.
            "OBJECTID",
            // RFC 3502.
            "MULTIAPPEND",
            "SEARCHRES",
            "STATUS=SIZE",
            "UTF8=ACCEPT",
            "BINARY",
            // RFC 7162: per-message modseq, CHANGEDSINCE/UNCHANGEDSINCE, VANISHED resync.
            "CONDSTORE",
            "QRESYNC",
            // RFC 9208: storage quota per account, one quota root ("") for all its mailboxes.
            "QUOTA",
            "QUOTA=RES-STORAGE",
        ]);
        caps.join(" ")
    }

    /// Cleartext passwords only over TLS, or from loopback when TLS is off altogether
    /// (RFC 9051 §11.1, LOGINDISABLED).
    fn login_allowed(&self) -> bool {
        self.conn.is_tls()
            || (self.config.tls_mode == TlsMode::None && self.peer.ip().is_loopback())
    }

    async fn run(&mut self) -> std::io::Result<()> {
        let greeting = format!(
            "[CAPABILITY {}] {} Mailsift IMAP ready",
            self.capabilities(),
            self.config.hostname
        );
        self.send(untagged_status(Status::Ok, None, &greeting));
        self.flush().await?;
        loop {
            let frame = match self.framer.next_frame() {
                Ok(Some(frame)) => frame,
                Ok(None) => {
                    self.flush().await?;
                    if !self.fill().await? {
                        return Ok(());
                    }
                    continue;
                }
                Err(FramingError::LineTooLong { tag }) => {
                    self.command_done();
                    let tag = tag.unwrap_or_else(|| "*".into());
                    self.send(tagged(
                        &tag,
                        Status::Bad,
                        Some("TOOBIG"),
                        "Command line too long",
                    ));
                    continue;
                }
                Err(FramingError::LiteralTooLarge { tag, fatal, size }) => {
                    self.command_done();
                    if fatal {
                        self.send(untagged_status(
                            Status::Bye,
                            Some("TOOBIG"),
                            "Literal too large",
                        ));
                        self.flush().await?;
                        return Ok(());
                    }
                    let tag = tag.unwrap_or_else(|| "*".into());
                    self.send(tagged(
                        &tag,
                        Status::No,
                        Some("TOOBIG"),
                        &format!("Literal of {size} octets is too large"),
                    ));
                    continue;
                }
            };
            let bytes = match frame {
                Frame::Continuation => {
                    self.send(continuation("Ready for literal data"));
                    self.flush().await?;
                    continue;
                }
                Frame::Command(bytes) => bytes,
            };
            self.command_done();
            let command = match parse_command(&bytes) {
                Ok(c) => c,
                Err(e) => {
                    let tag = e.tag.unwrap_or_else(|| "*".into());
                    self.send(tagged(&tag, Status::Bad, None, &e.reason));
                    continue;
                }
            };
            let tag = command.tag.clone();
            let name = command.body.name();
            tracing::debug!(%tag, command = name, "IMAP command");
            let next = self.dispatch(command).await?;
            // Large literals only once logged in (the pre-login bound, see framing.rs).
            self.framer
                .set_logged_in(!matches!(self.state, State::NotAuthenticated));
            match next {
                Next::Continue => {}
                Next::Logout => {
                    self.flush().await?;
                    self.conn.shutdown().await;
                    return Ok(());
                }
                Next::StartTls => {
                    self.flush().await?;
                    // RFC 9051 §11.1: anything the client pipelined after STARTTLS is discarded
                    // (CVE-2011-0411 class); the handshake has `tls_handshake_timeout`.
                    self.framer.take_buffered();
                    let Some(acceptor) = self.config.tls_acceptor.clone() else {
                        return Ok(());
                    };
                    if let Err(e) = self.conn.starttls(&acceptor).await {
                        tracing::debug!(error = %e, "STARTTLS handshake failed");
                        return Ok(());
                    }
                    self.command_done();
                }
                Next::Idle(tag) => {
                    if !self.idle(&tag).await? {
                        return Ok(());
                    }
                }
            }
            // Reads inside the command (a SASL response, IDLE's DONE) started a new unit.
            self.command_done();
            self.maybe_flush().await?;
        }
    }

    async fn dispatch(&mut self, command: Command) -> std::io::Result<Next> {
        let Command { tag, body } = command;
        // Commands valid in any state (RFC 9051 §6.1).
        match body {
            CommandBody::Capability => {
                let caps = self.capabilities();
                self.send(untagged(&format!("CAPABILITY {caps}")));
                self.send(tagged(&tag, Status::Ok, None, "CAPABILITY completed"));
                return Ok(Next::Continue);
            }
            CommandBody::Noop => {
                self.sync(true).await;
                self.send(tagged(&tag, Status::Ok, None, "NOOP completed"));
                return Ok(Next::Continue);
            }
            CommandBody::Logout => {
                self.send(untagged_status(Status::Bye, None, "Logging out"));
                self.send(tagged(&tag, Status::Ok, None, "LOGOUT completed"));
                return Ok(Next::Logout);
            }
            CommandBody::Id(_) => {
                let version = env!("CARGO_PKG_VERSION");
                self.send(untagged(&format!(
                    "ID (\"name\" \"Mailsift\" \"version\" \"{version}\")"
                )));
                self.send(tagged(&tag, Status::Ok, None, "ID completed"));
                return Ok(Next::Continue);
            }
            _ => {}
        }
        if matches!(self.state, State::NotAuthenticated) {
            return self.dispatch_not_authenticated(tag, body).await;
        }
        match body {
            CommandBody::StartTls
            | CommandBody::Login { .. }
            | CommandBody::Authenticate { .. } => {
                self.send(tagged(&tag, Status::Bad, None, "Already authenticated"));
                Ok(Next::Continue)
            }
            CommandBody::Idle => {
                self.send(continuation("idling"));
                self.flush().await?;
                Ok(Next::Idle(tag))
            }
            body => {
                self.dispatch_authenticated(&tag, body).await?;
                Ok(Next::Continue)
            }
        }
    }

    async fn dispatch_not_authenticated(
        &mut self,
        tag: String,
        body: CommandBody,
    ) -> std::io::Result<Next> {
        // Cleartext passwords only over TLS (RFC 9051 §11.1).
        if matches!(
            body,
            CommandBody::Login { .. } | CommandBody::Authenticate { .. }
        ) && !self.login_allowed()
        {
            self.send(tagged(
                &tag,
                Status::No,
                Some("PRIVACYREQUIRED"),
                "Use STARTTLS first",
            ));
            return Ok(Next::Continue);
        }
        match body {
            CommandBody::StartTls => {
                if self.conn.is_tls()
                    || self.config.tls_mode != TlsMode::Starttls
                    || self.config.tls_acceptor.is_none()
                {
                    self.send(tagged(&tag, Status::Bad, None, "STARTTLS not available"));
                    return Ok(Next::Continue);
                }
                self.send(tagged(&tag, Status::Ok, None, "Begin TLS negotiation now"));
                Ok(Next::StartTls)
            }
            CommandBody::Login { username, password } => {
                Ok(self.login(&tag, &username, &password).await)
            }
            CommandBody::Authenticate {
                mechanism,
                initial_response,
            } => {
                let Some(mechanism) = Mechanism::from_name(&mechanism) else {
                    self.send(tagged(
                        &tag,
                        Status::No,
                        None,
                        "Unsupported authentication mechanism",
                    ));
                    return Ok(Next::Continue);
                };
                // The shared SASL decoder (session::sasl); the replies are IMAP's: a cancel is
                // BAD (RFC 9051 §6.2.2), acting for another user NO [AUTHORIZATIONFAILED].
                let mut exchange = sasl::Exchange::new(mechanism);
                let mut step = exchange.start(initial_response.as_deref().map(str::as_bytes));
                let credentials = loop {
                    match step {
                        Ok(Step::Done(credentials)) => break credentials,
                        Ok(Step::Challenge(text)) => {
                            self.send(continuation(&Step::encoded(text)));
                            self.flush().await?;
                            let line = loop {
                                match self.framer.next_line() {
                                    Ok(Some(line)) => break line,
                                    Ok(None) => {
                                        if !self.fill().await? {
                                            return Ok(Next::Logout);
                                        }
                                    }
                                    Err(_) => {
                                        self.send(tagged(
                                            &tag,
                                            Status::Bad,
                                            None,
                                            "Response too long",
                                        ));
                                        return Ok(Next::Continue);
                                    }
                                }
                            };
                            step = exchange.respond(&line);
                        }
                        Err(SaslError::Authzid) => {
                            self.send(tagged(
                                &tag,
                                Status::No,
                                Some("AUTHORIZATIONFAILED"),
                                "Cannot act as another user",
                            ));
                            return Ok(Next::Continue);
                        }
                        Err(SaslError::Cancelled) => {
                            self.send(tagged(&tag, Status::Bad, None, "Authentication cancelled"));
                            return Ok(Next::Continue);
                        }
                        Err(e) => {
                            self.send(tagged(
                                &tag,
                                Status::Bad,
                                None,
                                &format!("Invalid SASL response: {e}"),
                            ));
                            return Ok(Next::Continue);
                        }
                    }
                };
                Ok(self
                    .login(&tag, &credentials.authcid, &credentials.password)
                    .await)
            }
            CommandBody::Enable(_) => {
                self.send(tagged(&tag, Status::Bad, None, "Log in first"));
                Ok(Next::Continue)
            }
            other => {
                self.send(tagged(
                    &tag,
                    Status::Bad,
                    None,
                    &format!("{} requires authentication", other.name()),
                ));
                Ok(Next::Continue)
            }
        }
    }

    async fn login(&mut self, tag: &str, username: &str, password: &str) -> Next {
        match self
            .directory
            .login(self.peer.ip(), username, password)
            .await
        {
            Ok(Authenticated::Ok { account, device }) => {
                tracing::info!(user = %account.address, %device, "IMAP login");
                // Blocking the account or removing this device's password ends the session.
                let guard = self
                    .config
                    .kit
                    .revoker
                    .as_ref()
                    .map(|r| r.register(account.id, &account.address, &device));
                self.conn.set_login(guard);
                self.conn.set_login_deadline(None);
                self.state = State::Authenticated(account);
                if let Some(alert) = self.quota_alert() {
                    self.send(alert);
                }
                let caps = self.capabilities();
                self.send(tagged(
                    tag,
                    Status::Ok,
                    Some(&format!("CAPABILITY {caps}")),
                    "Logged in",
                ));
                Next::Continue
            }
            Ok(Authenticated::Blocked) => {
                tracing::warn!(user = %username, "IMAP login refused: account blocked");
                self.send(tagged(
                    tag,
                    Status::No,
                    Some("AUTHORIZATIONFAILED"),
                    "This account is blocked; contact your administrator",
                ));
                Next::Continue
            }
            // RFC 5530 §3: UNAVAILABLE, a temporary refusal.
            Ok(Authenticated::Maintenance { domain }) => {
                tracing::info!(user = %username, "IMAP login refused: domain in maintenance");
                self.send(tagged(
                    tag,
                    Status::No,
                    Some("UNAVAILABLE"),
                    &crate::directory::maintenance_text(&domain),
                ));
                Next::Continue
            }
            Ok(Authenticated::BadCredentials) => {
                self.auth_failures += 1;
                crate::metrics::global().login_failed("imap");
                tracing::info!(user = %username, failures = self.auth_failures, "IMAP login failed");
                self.send(tagged(
                    tag,
                    Status::No,
                    Some("AUTHENTICATIONFAILED"),
                    "Invalid credentials",
                ));
                if self.auth_failures >= self.config.limits.max_auth_failures {
                    self.send(untagged_status(Status::Bye, None, "Too many failed logins"));
                    return Next::Logout;
                }
                Next::Continue
            }
            // Banned by the throttle: refused without checking (RFC 5530 UNAVAILABLE: temporary).
            Ok(Authenticated::Throttled { retry_after }) => {
                self.send(tagged(
                    tag,
                    Status::No,
                    Some("UNAVAILABLE"),
                    &format!(
                        "Too many failed logins; try again in {} seconds",
                        retry_after.as_secs().max(1)
                    ),
                ));
                Next::Continue
            }
            Err(e) => {
                tracing::error!(error = %e, "authentication error");
                self.send(tagged(
                    tag,
                    Status::No,
                    Some("UNAVAILABLE"),
                    "Authentication temporarily unavailable",
                ));
                Next::Continue
            }
        }
    }

    pub(super) fn account(&self) -> Option<&Account> {
        match &self.state {
            State::Authenticated(a) | State::Selected(a, _) => Some(a),
            State::NotAuthenticated => None,
        }
    }

    /// IDLE (RFC 2177): report changes as they happen until DONE. Ok(false) ends the session.
    async fn idle(&mut self, tag: &str) -> std::io::Result<bool> {
        let account_id = self.account().map(|a| a.id).unwrap_or_default();
        // Its account's channel: other accounts' deliveries do not wake this session.
        let mut changes = self.store.subscribe_account(account_id);
        let selected_id = self.selected().map(|s| s.mailbox.id);
        // Anything that happened before we subscribed.
        self.sync(true).await;
        self.flush().await?;
        self.release_output();
        // Up to the idle timeout for DONE to start (RFC 2177 §3: clients re-issue IDLE at least
        // every 29 minutes); the session lifetime and revocation still apply.
        self.conn
            .expect_command(Duration::from_secs(self.config.limits.imap_idle_timeout));
        let budget = Duration::from_secs(self.config.limits.command_timeout);
        loop {
            match self.framer.next_line() {
                Ok(Some(line)) => {
                    if is_idle_done(&line) {
                        self.sync(true).await;
                        self.send(tagged(tag, Status::Ok, None, "IDLE terminated"));
                    } else {
                        self.send(tagged(tag, Status::Bad, None, "Expected DONE"));
                    }
                    return Ok(true);
                }
                Ok(None) => {}
                Err(_) => {
                    self.send(tagged(tag, Status::Bad, None, "Expected DONE"));
                    return Ok(true);
                }
            }
            tokio::select! {
                read = self.conn.read(budget) => {
                    match read {
                        Ok(bytes) => self.framer.feed(bytes),
                        Err(IoError::Eof) => return Ok(false),
                        Err(e) => return Err(e.into()),
                    }
                }
                change = changes.recv() => {
                    let relevant = match &change {
                        // Only the selected mailbox's changes are reported (RFC 2177): a
                        // delivery to another folder must not make thousands of idle sessions
                        // read the store.
                        Ok(c) => {
                            c.account_id() == account_id
                                && c.mailbox_id().is_none_or(|m| Some(m) == selected_id)
                        }
                        // Lagged: we missed some; a sync finds out what changed.
                        Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => true,
                        Err(tokio::sync::broadcast::error::RecvError::Closed) => return Ok(false),
                    };
                    if relevant {
                        self.sync(true).await;
                        self.flush().await?;
                    }
                }
            }
        }
    }

    /// Maps a store error to a tagged NO with the RFC 5530 response code that fits.
    pub(super) fn store_error(&mut self, tag: &str, e: &StoreError) {
        let (code, text) = match e {
            StoreError::Exists(what) => ("ALREADYEXISTS", format!("{what} already exists")),
            StoreError::NotFound(what) => ("NONEXISTENT", format!("{what} does not exist")),
            StoreError::Invalid(why) => ("CANNOT", why.clone()),
            // RFC 9208 §4.1 / RFC 5530: the operation would exceed the account's quota.
            StoreError::OverQuota(_) => (
                "OVERQUOTA",
                "Quota exceeded: delete or expunge messages first".to_string(),
            ),
            other => {
                tracing::error!(error = %other, "store error");
                ("SERVERBUG", "Internal error, try again later".to_string())
            }
        };
        self.send(tagged(tag, Status::No, Some(code), &text));
    }
}

#[cfg(test)]
mod tests {
    use tokio::net::{TcpListener, TcpStream};

    use super::*;

    /// Every connection's task holds this future for its whole life: with 10,000 idle sessions
    /// (issue 16) each KiB costs 10 MB. Commands run in their own boxed future (`run`), so the
    /// session's own state stays small however large a command's future is.
    #[tokio::test]
    async fn session_future_is_small() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db")).unwrap();
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        let tcp = TcpStream::connect(addr).await.unwrap();
        let config = Arc::new(ImapConfig {
            hostname: "mail.test".into(),
            tls_mode: TlsMode::None,
            tls_acceptor: None,
            limits: Limits::default(),
            kit: Kit::default(),
        });
        let directory = Directory::new(store.clone());
        let fut = run_session(Conn::Plain(tcp), addr, config, store, directory);
        let size = std::mem::size_of_val(&fut);
        eprintln!("IMAP session future: {size} bytes");
        assert!(size < 8192, "IMAP session future is {size} bytes");
    }
}
