//! The ManageSieve session: greeting, STARTTLS, AUTHENTICATE PLAIN/LOGIN, and the script commands
//! over the store. Like the other protocol sessions it talks only to the store, the directory
//! and the Sieve compiler.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio_rustls::TlsAcceptor;
use tracing::Instrument;

use super::framing::{Frame, Framer, Oversize};
use super::parser::{Command, parse_command, parse_sasl_response};
use super::response::{Status, bye, no, no_code, ok, ok_with_tag, response, string};
use crate::config::{Limits, TlsMode};
use crate::directory::{Authenticated, Directory};
use crate::net::Conn;
use crate::session::io::{IoError, Kit, SessionIo};
use crate::session::sasl::{self, Mechanism, SaslError, Step};
use crate::sieve::SieveLimits;
use crate::sieve::scripts::{self, ScriptRefusal, ScriptsError};
use crate::store::{Account, Store, StoreError};

/// Longest command text (everything but literal octets). Script names are at most 128
/// characters and quoted strings at most 1024 octets (RFC 5804 §4), so this is generous.
pub const MAX_LINE: usize = 8 * 1024;
/// Literal octets per command beyond the largest script: room for the script name.
const LITERAL_SLACK: u64 = 8 * 1024;
/// Octets of an oversized command read and dropped (to answer it with a clean NO) before the
/// connection is closed instead.
const MIN_SKIP: u64 = 1024 * 1024;

/// Per-listener settings for ManageSieve sessions.
#[derive(Clone)]
pub struct ManageSieveConfig {
    pub hostname: String,
    pub tls_mode: TlsMode,
    pub tls_acceptor: Option<TlsAcceptor>,
    /// Timeouts and the failed-authentication limit (`unauthenticated_timeout`,
    /// `imap_idle_timeout` once logged in, `max_auth_failures`).
    pub limits: Limits,
    /// Script size and count limits (`[sieve]`).
    pub sieve: SieveLimits,
    /// Session lifetime and login revocation (`session::io`).
    pub kit: Kit,
}

/// The Sieve extensions scripts may use (the `SIEVE` capability): everything the sieve-rs
/// compiler accepts, except its test-suite comparator. Should the runtime ever refuse an
/// extension, it has to go from here too.
pub fn sieve_extensions() -> Vec<String> {
    sieve::compiler::grammar::Capability::all()
        .iter()
        .map(|c| c.to_string())
        .filter(|c| c != "comparator-elbonia")
        .collect()
}

/// What the loop does after a command.
enum Next {
    Continue,
    Close,
    StartTls,
}

struct Session {
    /// The connection behind the kit's deadlines (`session::io`).
    conn: SessionIo,
    peer: SocketAddr,
    config: Arc<ManageSieveConfig>,
    store: Store,
    directory: Directory,
    framer: Framer,
    out: Vec<u8>,
    account: Option<Account>,
    auth_failures: u32,
}

/// Runs one ManageSieve connection to its end. `conn` is already TLS on implicit-TLS listeners.
pub async fn run_session(
    conn: Conn,
    peer: SocketAddr,
    config: Arc<ManageSieveConfig>,
    store: Store,
    directory: Directory,
) {
    let max_literal = (config.sieve.max_script_size as u64).saturating_add(LITERAL_SLACK);
    let framer = Framer::new(
        MAX_LINE,
        max_literal,
        max_literal.saturating_mul(16).max(MIN_SKIP),
        config.limits.max_literal_before_login,
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
        out: Vec::new(),
        account: None,
        auth_failures: 0,
    };
    let span = tracing::info_span!("managesieve", %peer);
    async move {
        tracing::debug!(tls = session.conn.is_tls(), "connected");
        match session.run().await {
            Ok(()) => tracing::debug!("disconnected"),
            Err(e) => {
                if !session
                    .conn
                    .farewell(&e, "Disconnecting: idle for too long", bye)
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
    fn send(&mut self, bytes: Vec<u8>) {
        self.out.extend_from_slice(&bytes);
    }

    /// Writes the queued output within the kit's write timeout.
    async fn flush(&mut self) -> std::io::Result<()> {
        if !self.out.is_empty() {
            self.conn.send(&self.out);
            self.out.clear();
            self.conn.flush().await?;
        }
        Ok(())
    }

    /// A command ended: the next one may take up to the inactivity timeout to start.
    fn command_done(&mut self) {
        let idle = self.inactivity_timeout();
        self.conn.expect_command(idle);
    }

    fn inactivity_timeout(&self) -> Duration {
        Duration::from_secs(match self.account {
            None => self.config.limits.unauthenticated_timeout,
            Some(_) => self.config.limits.imap_idle_timeout,
        })
    }

    /// Reads more bytes into the framer; Ok(false) on EOF. A command (with its literals) must
    /// be whole within `command_timeout` of its first byte; timeouts, the session lifetime and
    /// revocation end the session with the kit's error (BYE said by `run_session`).
    async fn fill(&mut self) -> std::io::Result<bool> {
        self.flush().await?;
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

    /// The next complete command (or SASL response), reading as needed; None when the
    /// connection is over.
    async fn next_frame(&mut self) -> std::io::Result<Option<Frame>> {
        loop {
            match self.framer.next_frame() {
                Ok(Some(frame)) => return Ok(Some(frame)),
                Ok(None) => {
                    self.flush().await?;
                    if !self.fill().await? {
                        return Ok(None);
                    }
                }
                Err(e) => {
                    tracing::info!(size = e.size, "literal far too large; closing");
                    self.send(response(
                        Status::Bye,
                        Some("QUOTA/MAXSIZE"),
                        &format!("{e}; closing the connection"),
                    ));
                    self.flush().await?;
                    return Ok(None);
                }
            }
        }
    }

    /// Cleartext passwords only over TLS, or from loopback when TLS is off altogether: the
    /// IMAP session's rule (RFC 5804 §2.1, like IMAP's LOGINDISABLED).
    fn login_allowed(&self) -> bool {
        self.conn.is_tls()
            || (self.config.tls_mode == TlsMode::None && self.peer.ip().is_loopback())
    }

    fn starttls_offered(&self) -> bool {
        !self.conn.is_tls()
            && self.account.is_none()
            && self.config.tls_mode == TlsMode::Starttls
            && self.config.tls_acceptor.is_some()
    }

    /// The capability lines (RFC 5804 §1.7), without the final OK.
    fn capabilities(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let mut cap = |name: &str, value: Option<&str>| {
            out.extend(string(name.as_bytes()));
            if let Some(v) = value {
                out.push(b' ');
                out.extend(string(v.as_bytes()));
            }
            out.extend_from_slice(b"\r\n");
        };
        cap(
            "IMPLEMENTATION",
            Some(&format!("Mailsift {}", env!("CARGO_PKG_VERSION"))),
        );
        // Empty before TLS: allowed when STARTTLS is offered (RFC 5804 §1.7).
        cap(
            "SASL",
            Some(if self.login_allowed() {
                "PLAIN LOGIN"
            } else {
                ""
            }),
        );
        cap("SIEVE", Some(&sieve_extensions().join(" ")));
        if self.starttls_offered() {
            cap("STARTTLS", None);
        }
        cap(
            "MAXREDIRECTS",
            Some(&self.config.sieve.max_redirects.to_string()),
        );
        // The `enotify` extension is in SIEVE, so its methods must be listed (§1.7).
        cap("NOTIFY", Some("mailto"));
        if let Some(account) = &self.account {
            cap("OWNER", Some(&account.address));
        }
        cap("UNAUTHENTICATE", None);
        cap("VERSION", Some("1.0"));
        out
    }

    async fn run(&mut self) -> std::io::Result<()> {
        let caps = self.capabilities();
        self.send(caps);
        let hostname = self.config.hostname.clone();
        self.send(ok(&format!("{hostname} Mailsift ManageSieve ready")));
        loop {
            let Some(frame) = self.next_frame().await? else {
                return Ok(());
            };
            self.command_done();
            let bytes = match frame {
                Frame::Command(bytes) => bytes,
                Frame::Oversized(Oversize::Line) => {
                    self.send(no(&format!(
                        "Command line too long (at most {MAX_LINE} octets outside literals)"
                    )));
                    continue;
                }
                Frame::Oversized(Oversize::Literal(size)) => {
                    self.send(no_code(
                        "QUOTA/MAXSIZE",
                        &format!(
                            "A string of {size} octets is too large: scripts may have at most {} octets",
                            self.config.sieve.max_script_size
                        ),
                    ));
                    continue;
                }
            };
            let command = match parse_command(&bytes) {
                Ok(c) => c,
                Err(e) => {
                    self.send(no(&format!("Syntax error: {e}")));
                    continue;
                }
            };
            tracing::debug!(command = command.name(), "ManageSieve command");
            let next = self.dispatch(command).await?;
            // Reads inside the command (a SASL response) started a new unit.
            self.command_done();
            // Script-sized literals only once logged in (the pre-login bound, see framing.rs).
            self.framer.set_logged_in(self.account.is_some());
            match next {
                Next::Continue => {}
                Next::Close => {
                    self.flush().await?;
                    self.conn.shutdown().await;
                    return Ok(());
                }
                Next::StartTls => {
                    self.flush().await?;
                    // RFC 5804 §2.2: nothing the client sent before the handshake survives it
                    // (CVE-2011-0411 class); the handshake has `tls_handshake_timeout`.
                    self.framer.take_buffered();
                    let Some(acceptor) = self.config.tls_acceptor.clone() else {
                        return Ok(());
                    };
                    if let Err(e) = self.conn.starttls(&acceptor).await {
                        tracing::debug!(error = %e, "STARTTLS handshake failed");
                        return Ok(());
                    }
                    // The server speaks first after the handshake: capabilities again (§2.2).
                    let caps = self.capabilities();
                    self.send(caps);
                    self.send(ok("TLS negotiation successful"));
                }
            }
        }
    }

    async fn dispatch(&mut self, command: Command) -> std::io::Result<Next> {
        match command {
            Command::Capability => {
                let caps = self.capabilities();
                self.send(caps);
                self.send(ok("Capability completed"));
            }
            Command::Noop { tag } => match tag {
                // RFC 5804 §2.14: the tag comes back in a TAG response code.
                Some(tag) => self.send(ok_with_tag(&tag, "Done")),
                None => self.send(ok("Done")),
            },
            Command::Logout => {
                self.send(ok("Logout completed"));
                return Ok(Next::Close);
            }
            Command::StartTls => {
                if !self.starttls_offered() {
                    self.send(no("STARTTLS is not available"));
                } else {
                    self.send(ok("Begin TLS negotiation now"));
                    return Ok(Next::StartTls);
                }
            }
            Command::Authenticate {
                mechanism,
                initial_response,
            } => return self.authenticate(&mechanism, initial_response).await,
            Command::Unauthenticate => match self.account.take() {
                Some(account) => {
                    tracing::info!(user = %account.address, "ManageSieve unauthenticate");
                    self.conn.set_login(None);
                    self.conn.set_login_deadline(Some(Duration::from_secs(
                        self.config.limits.unauthenticated_timeout,
                    )));
                    self.send(ok("Back to the non-authenticated state"));
                }
                None => self.send(no("Not authenticated")),
            },
            other => {
                let Some(account) = self.account.clone() else {
                    self.send(no(&format!("{} requires authentication", other.name())));
                    return Ok(Next::Continue);
                };
                let reply = match self.script_command(&account, other).await {
                    Ok(reply) => reply,
                    Err(e) => store_failure(e),
                };
                self.send(reply);
            }
        }
        Ok(Next::Continue)
    }

    /// AUTHENTICATE PLAIN or LOGIN (RFC 5804 §2.1, RFC 4616), with or without an initial response.
    async fn authenticate(
        &mut self,
        mechanism: &str,
        initial_response: Option<Vec<u8>>,
    ) -> std::io::Result<Next> {
        if self.account.is_some() {
            self.send(no("Already authenticated"));
            return Ok(Next::Continue);
        }
        if !self.login_allowed() {
            self.send(no_code("ENCRYPT-NEEDED", "Use STARTTLS first"));
            return Ok(Next::Continue);
        }
        let Some(mechanism) = Mechanism::from_name(mechanism) else {
            self.send(no(
                "Unsupported SASL mechanism; this server offers PLAIN and LOGIN",
            ));
            return Ok(Next::Continue);
        };
        // The shared SASL decoder (session::sasl); every failure is a NO here (RFC 5804 §2.1).
        let mut exchange = sasl::Exchange::new(mechanism);
        let mut step = exchange.start(initial_response.as_deref());
        let credentials = loop {
            match step {
                Ok(Step::Done(credentials)) => break credentials,
                Ok(Step::Challenge(text)) => {
                    // The challenge is a string holding base64 (RFC 5804 §2.1).
                    self.send(format!("\"{}\"\r\n", Step::encoded(text)).into_bytes());
                    let Some(frame) = self.next_frame().await? else {
                        return Ok(Next::Close);
                    };
                    let parsed = match frame {
                        Frame::Command(bytes) => parse_sasl_response(&bytes),
                        Frame::Oversized(_) => Err("SASL response too long".to_string()),
                    };
                    step = match parsed {
                        Ok(Some(response)) => exchange.respond(&response),
                        Ok(None) => Err(SaslError::Cancelled),
                        Err(e) => {
                            self.send(no(&format!("Bad SASL response: {e}")));
                            return Ok(Next::Continue);
                        }
                    };
                }
                Err(SaslError::Authzid) => {
                    self.send(no("Cannot act as another user"));
                    return Ok(Next::Continue);
                }
                Err(SaslError::Cancelled) => {
                    self.send(no("Authentication cancelled"));
                    return Ok(Next::Continue);
                }
                Err(e) => {
                    self.send(no(&format!("Invalid SASL response: {e}")));
                    return Ok(Next::Continue);
                }
            }
        };
        Ok(self
            .login(&credentials.authcid, &credentials.password)
            .await)
    }

    async fn login(&mut self, username: &str, password: &str) -> Next {
        match self
            .directory
            .login(self.peer.ip(), username, password)
            .await
        {
            Ok(Authenticated::Ok { account, device }) => {
                tracing::info!(user = %account.address, %device, "ManageSieve login");
                // Blocking the account or removing this device's password ends the session.
                let guard = self
                    .config
                    .kit
                    .revoker
                    .as_ref()
                    .map(|r| r.register(account.id, &account.address, &device));
                self.conn.set_login(guard);
                self.conn.set_login_deadline(None);
                self.account = Some(account);
                self.send(ok("Logged in"));
                Next::Continue
            }
            Ok(Authenticated::Blocked) => {
                tracing::warn!(user = %username, "ManageSieve login refused: account blocked");
                self.send(no("This account is blocked; contact your administrator"));
                Next::Continue
            }
            // RFC 5804 §1.3: TRYLATER, a temporary refusal.
            Ok(Authenticated::Maintenance { domain }) => {
                tracing::info!(user = %username, "ManageSieve login refused: domain in maintenance");
                self.send(no_code(
                    "TRYLATER",
                    &crate::directory::maintenance_text(&domain),
                ));
                Next::Continue
            }
            Ok(Authenticated::BadCredentials) => {
                self.auth_failures += 1;
                crate::metrics::global().login_failed("managesieve");
                tracing::info!(user = %username, failures = self.auth_failures, "ManageSieve login failed");
                if self.auth_failures >= self.config.limits.max_auth_failures {
                    self.send(bye("Too many failed authentications"));
                    return Next::Close;
                }
                self.send(no("Authentication failed"));
                Next::Continue
            }
            // Banned by the throttle: refused without checking.
            Ok(Authenticated::Throttled { retry_after }) => {
                self.send(no_code(
                    "TRYLATER",
                    &format!(
                        "Too many failed logins; try again in {} seconds",
                        retry_after.as_secs().max(1)
                    ),
                ));
                Next::Continue
            }
            Err(e) => {
                tracing::error!(error = %e, "authentication error");
                self.send(no_code(
                    "TRYLATER",
                    "Authentication temporarily unavailable",
                ));
                Next::Continue
            }
        }
    }

    /// The commands of the authenticated state; the reply to send. The rules are
    /// `sieve::scripts`'s, shared with the CLI; this only words them (RFC 5804 §1.3 codes).
    async fn script_command(
        &mut self,
        account: &Account,
        command: Command,
    ) -> Result<Vec<u8>, StoreError> {
        let id = account.id;
        let limits = self.config.sieve;
        let result = match command {
            Command::HaveSpace { name, size } => {
                scripts::check_space(&self.store.read()?, id, &name, size, &limits)
                    .map(|()| ok("Putscript would succeed"))
            }
            Command::PutScript { name, script } => {
                let r = scripts::put(&self.store, id, &name, &script, &limits, false).await;
                if r.is_ok() {
                    tracing::info!(user = %account.address, script = %name, "script stored");
                }
                r.map(|()| ok("Script stored"))
            }
            Command::CheckScript { script } => scripts::validate(&script, &limits)
                .map(|_| ok("Script is valid"))
                .map_err(ScriptsError::from),
            Command::ListScripts => {
                let mut out = Vec::new();
                for s in self.store.read()?.sieve_scripts(id)? {
                    out.extend(string(s.name.as_bytes()));
                    if s.active {
                        out.extend_from_slice(b" ACTIVE");
                    }
                    out.extend_from_slice(b"\r\n");
                }
                out.extend(ok("Listscripts completed"));
                Ok(out)
            }
            Command::SetActive { name } => {
                let active = (!name.is_empty()).then_some(name.as_str());
                let r = scripts::set_active(&self.store, id, active).await;
                if r.is_ok() {
                    tracing::info!(user = %account.address, script = %name, "active script set");
                }
                r.map(|()| match active {
                    None => ok("No script is active now"),
                    Some(_) => ok("Script activated"),
                })
            }
            Command::GetScript { name } => match self.store.read()?.sieve_script(id, &name)? {
                None => Err(ScriptRefusal::NotFound(name).into()),
                Some(script) => {
                    // Always a literal: clients expect one (RFC 5804 §2.9).
                    let mut out = format!("{{{}}}\r\n", script.content.len()).into_bytes();
                    out.extend_from_slice(script.content.as_bytes());
                    out.extend_from_slice(b"\r\n");
                    out.extend(ok("Getscript completed"));
                    Ok(out)
                }
            },
            Command::DeleteScript { name } => {
                let r = scripts::delete(&self.store, id, &name).await;
                if r.is_ok() {
                    tracing::info!(user = %account.address, script = %name, "script deleted");
                }
                r.map(|()| ok("Script deleted"))
            }
            Command::RenameScript { from, to } => {
                let r = scripts::rename(&self.store, id, &from, &to).await;
                if r.is_ok() {
                    tracing::info!(user = %account.address, %from, %to, "script renamed");
                }
                r.map(|()| ok("Script renamed"))
            }
            Command::Authenticate { .. }
            | Command::StartTls
            | Command::Logout
            | Command::Capability
            | Command::Noop { .. }
            | Command::Unauthenticate => Ok(no("Unexpected command")),
        };
        match result {
            Ok(reply) => Ok(reply),
            Err(ScriptsError::Refused(r)) => Ok(refusal(&r)),
            Err(ScriptsError::Store(e)) => Err(e),
        }
    }
}

/// A refused script operation as the NO response with the RFC 5804 §1.3 code that fits.
fn refusal(r: &ScriptRefusal) -> Vec<u8> {
    let code = match r {
        ScriptRefusal::TooLarge { .. } => Some("QUOTA/MAXSIZE"),
        ScriptRefusal::TooMany { .. } => Some("QUOTA/MAXSCRIPTS"),
        ScriptRefusal::Active(_) => Some("ACTIVE"),
        ScriptRefusal::NotFound(_) => Some("NONEXISTENT"),
        ScriptRefusal::Exists(_) => Some("ALREADYEXISTS"),
        ScriptRefusal::BadName(_) | ScriptRefusal::NotUtf8 | ScriptRefusal::Compile(_) => None,
    };
    match code {
        Some(code) => no_code(code, &r.to_string()),
        None => no(&r.to_string()),
    }
}

/// A store error as the NO response with the RFC 5804 §1.3 code that fits.
fn store_failure(e: StoreError) -> Vec<u8> {
    match e {
        StoreError::Exists(what) => no_code("ALREADYEXISTS", &format!("{what} already exists")),
        StoreError::NotFound(what) => no_code("NONEXISTENT", &format!("{what} does not exist")),
        StoreError::Invalid(why) => no(&why),
        other => {
            tracing::error!(error = %other, "store error");
            no_code("TRYLATER", "Internal error, try again later")
        }
    }
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD as BASE64;
    use tokio::io::{
        AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader,
    };
    use tokio::net::{TcpListener, TcpStream};
    use tokio::time::timeout;

    use super::*;

    struct Client<S> {
        s: BufReader<S>,
    }

    impl<S: AsyncRead + AsyncWrite + Unpin> Client<S> {
        async fn send(&mut self, data: &[u8]) {
            self.s.get_mut().write_all(data).await.unwrap();
            self.s.get_mut().flush().await.unwrap();
        }

        /// Lines up to and including the next OK/NO/BYE line, literals read whole; "" at EOF.
        async fn response(&mut self) -> String {
            let mut all = Vec::new();
            loop {
                let mut line = Vec::new();
                let n = timeout(Duration::from_secs(10), self.s.read_until(b'\n', &mut line))
                    .await
                    .expect("response timed out")
                    .unwrap();
                if n == 0 {
                    break;
                }
                assert!(line.ends_with(b"\r\n"), "{line:?}");
                all.extend_from_slice(&line);
                if let Some(size) = super::super::framing::literal_announcement(&line) {
                    let mut literal = vec![0; size as usize];
                    self.s.read_exact(&mut literal).await.unwrap();
                    all.extend(literal);
                    continue;
                }
                if [&b"OK"[..], b"NO", b"BYE"]
                    .iter()
                    .any(|s| line.starts_with(s))
                {
                    break;
                }
            }
            String::from_utf8(all).unwrap()
        }

        async fn cmd(&mut self, command: &str) -> String {
            self.send(format!("{command}\r\n").as_bytes()).await;
            self.response().await
        }
    }

    struct Fixture {
        _dir: tempfile::TempDir,
        store: Store,
        password: String,
        account: Account,
    }

    async fn fixture() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db")).unwrap();
        let password = "correct horse battery".to_string();
        let hash = crate::directory::hash_password(&password).unwrap();
        let account = store
            .write(move |tx| {
                tx.add_domain("example.org")?;
                let a = tx.add_account("bob@example.org")?;
                tx.add_password("bob@example.org", "test", &hash)?;
                Ok(a)
            })
            .await
            .unwrap();
        Fixture {
            _dir: dir,
            store,
            password,
            account,
        }
    }

    fn config() -> ManageSieveConfig {
        ManageSieveConfig {
            hostname: "mail.test".into(),
            tls_mode: TlsMode::None,
            tls_acceptor: None,
            limits: Limits {
                max_auth_failures: 2,
                ..Limits::default()
            },
            sieve: SieveLimits {
                max_script_size: 200,
                max_scripts: 2,
                ..SieveLimits::default()
            },
            kit: Kit::default(),
        }
    }

    async fn start(
        config: ManageSieveConfig,
        store: &Store,
    ) -> (Client<TcpStream>, tokio::task::JoinHandle<()>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let config = Arc::new(config);
        let store = store.clone();
        let server = tokio::spawn(async move {
            let (tcp, peer) = listener.accept().await.unwrap();
            let directory = Directory::new(store.clone());
            run_session(Conn::Plain(tcp), peer, config, store, directory).await;
        });
        let tcp = TcpStream::connect(addr).await.unwrap();
        (
            Client {
                s: BufReader::new(tcp),
            },
            server,
        )
    }

    fn plain(user: &str, pass: &str) -> String {
        BASE64.encode(format!("\0{user}\0{pass}"))
    }

    /// A logged-in session on a loopback listener without TLS.
    async fn logged_in(f: &Fixture) -> Client<TcpStream> {
        let (mut c, _) = start(config(), &f.store).await;
        c.response().await;
        let r = c
            .cmd(&format!(
                "AUTHENTICATE \"PLAIN\" \"{}\"",
                plain("bob@example.org", &f.password)
            ))
            .await;
        assert_eq!(r, "OK \"Logged in\"\r\n");
        c
    }

    fn put(name: &str, script: &str) -> String {
        format!("PUTSCRIPT \"{name}\" {{{}+}}\r\n{script}", script.len())
    }

    #[test]
    fn session_future_is_send() {
        fn assert_send<T: Send>(_: &T) {}
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let f = fixture().await;
            let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = l.local_addr().unwrap();
            let tcp = TcpStream::connect(addr).await.unwrap();
            let fut = run_session(
                Conn::Plain(tcp),
                addr,
                Arc::new(config()),
                f.store.clone(),
                Directory::new(f.store.clone()),
            );
            assert_send(&fut);
        });
    }

    #[test]
    fn extensions_come_from_the_compiler() {
        let ext = sieve_extensions();
        for e in ["fileinto", "vacation", "imap4flags", "envelope", "enotify"] {
            assert!(ext.iter().any(|x| x == e), "{e} missing in {ext:?}");
        }
        assert!(!ext.iter().any(|x| x.contains("elbonia")));
        // Every advertised extension compiles in a require.
        for e in &ext {
            let script = format!("require \"{e}\";\n");
            assert!(
                crate::sieve::check_script(script.as_bytes(), &SieveLimits::default()).is_ok(),
                "{e}"
            );
        }
    }

    #[tokio::test]
    async fn greeting_capabilities_and_noop() {
        let f = fixture().await;
        let (mut c, _) = start(config(), &f.store).await;
        let greeting = c.response().await;
        assert!(
            greeting.starts_with("\"IMPLEMENTATION\" \"Mailsift "),
            "{greeting}"
        );
        // Loopback without TLS configured: PLAIN is offered, STARTTLS is not.
        assert!(
            greeting.contains("\r\n\"SASL\" \"PLAIN LOGIN\"\r\n"),
            "{greeting}"
        );
        assert!(greeting.contains("\r\n\"SIEVE\" \"envelope "), "{greeting}");
        assert!(
            greeting.contains("\r\n\"VERSION\" \"1.0\"\r\n"),
            "{greeting}"
        );
        assert!(
            greeting.contains("\r\n\"UNAUTHENTICATE\"\r\n"),
            "{greeting}"
        );
        assert!(
            greeting.contains("\r\n\"MAXREDIRECTS\" \"4\"\r\n"),
            "{greeting}"
        );
        assert!(!greeting.contains("STARTTLS"), "{greeting}");
        assert!(!greeting.contains("OWNER"), "{greeting}");
        assert!(
            greeting.ends_with("\r\nOK \"mail.test Mailsift ManageSieve ready\"\r\n"),
            "{greeting}"
        );
        let caps = c.cmd("capability").await;
        assert!(caps.ends_with("OK \"Capability completed\"\r\n"), "{caps}");
        assert_eq!(caps.lines().count(), greeting.lines().count());
        assert_eq!(c.cmd("NOOP").await, "OK \"Done\"\r\n");
        assert_eq!(
            c.cmd("NOOP \"STARTTLS-RESYNC-CAPA\"").await,
            "OK (TAG \"STARTTLS-RESYNC-CAPA\") \"Done\"\r\n"
        );
        // Script commands need authentication; syntax errors are NO, not the end.
        assert_eq!(
            c.cmd("LISTSCRIPTS").await,
            "NO \"LISTSCRIPTS requires authentication\"\r\n"
        );
        assert!(
            c.cmd("FROB")
                .await
                .starts_with("NO \"Syntax error: unknown command FROB")
        );
        assert!(
            c.cmd("GETSCRIPT unquoted")
                .await
                .starts_with("NO \"Syntax error")
        );
        assert_eq!(
            c.cmd("UNAUTHENTICATE").await,
            "NO \"Not authenticated\"\r\n"
        );
        assert_eq!(
            c.cmd("STARTTLS").await,
            "NO \"STARTTLS is not available\"\r\n"
        );
        assert_eq!(c.cmd("LOGOUT").await, "OK \"Logout completed\"\r\n");
        assert_eq!(c.response().await, "");
    }

    /// A NOOP tag that is not UTF-8 comes back as a literal announcing the octets sent.
    #[tokio::test]
    async fn noop_tag_with_invalid_utf8_is_echoed_with_its_length() {
        let f = fixture().await;
        let (mut c, _) = start(config(), &f.store).await;
        c.response().await;
        c.send(b"NOOP {3+}\r\n\xff\xfe\xe9\r\n").await;
        let want = b"OK (TAG {3}\r\n\xff\xfe\xe9) \"Done\"\r\n";
        let mut got = vec![0; want.len()];
        timeout(Duration::from_secs(10), c.s.read_exact(&mut got))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(got, want, "{}", String::from_utf8_lossy(&got));
        // Still in step.
        assert_eq!(c.cmd("NOOP").await, "OK \"Done\"\r\n");
    }

    /// Before login a command may carry only small literals; one over the bound that is already
    /// on its way is not read: BYE at once.
    #[tokio::test]
    async fn large_literal_before_login_is_cut_off() {
        let f = fixture().await;
        let (mut c, _) = start(config(), &f.store).await;
        c.response().await;
        // (Only the announcement: unread octets would make the close a reset.)
        c.send(b"AUTHENTICATE \"PLAIN\" {52428800+}\r\n").await;
        let bye = c.response().await;
        assert!(bye.starts_with("BYE (QUOTA/MAXSIZE)"), "{bye}");
        assert_eq!(c.response().await, "");
    }

    #[tokio::test]
    async fn authenticate_plain_forms_and_failures() {
        let f = fixture().await;
        let (mut c, server) = start(config(), &f.store).await;
        c.response().await;
        // Without an initial response: an empty challenge, then the response as a literal.
        c.send(b"AUTHENTICATE \"PLAIN\"\r\n").await;
        let mut line = String::new();
        c.s.read_line(&mut line).await.unwrap();
        assert_eq!(line, "\"\"\r\n");
        c.send(b"\"*\"\r\n").await;
        assert_eq!(c.response().await, "NO \"Authentication cancelled\"\r\n");
        assert!(
            c.cmd("AUTHENTICATE \"DIGEST-MD5\"")
                .await
                .starts_with("NO \"Unsupported SASL mechanism")
        );
        assert_eq!(
            c.cmd("AUTHENTICATE \"PLAIN\" \"!!!\"").await,
            "NO \"Invalid SASL response: invalid base64\"\r\n"
        );
        let other = BASE64.encode(format!(
            "alice@example.org\0bob@example.org\0{}",
            f.password
        ));
        assert_eq!(
            c.cmd(&format!("AUTHENTICATE \"PLAIN\" \"{other}\"")).await,
            "NO \"Cannot act as another user\"\r\n"
        );
        c.send(b"AUTHENTICATE \"PLAIN\"\r\n").await;
        line.clear();
        c.s.read_line(&mut line).await.unwrap();
        let good = plain("bob@example.org", &f.password);
        c.send(format!("{{{}+}}\r\n{good}\r\n", good.len()).as_bytes())
            .await;
        assert_eq!(c.response().await, "OK \"Logged in\"\r\n");
        let caps = c.cmd("CAPABILITY").await;
        assert!(caps.contains("\"OWNER\" \"bob@example.org\"\r\n"), "{caps}");
        assert_eq!(
            c.cmd(&format!("AUTHENTICATE \"PLAIN\" \"{good}\"")).await,
            "NO \"Already authenticated\"\r\n"
        );
        // UNAUTHENTICATE: back to where scripts are out of reach, and a wrong password now
        // counts towards the limit (2): NO, then BYE.
        assert_eq!(
            c.cmd("UNAUTHENTICATE").await,
            "OK \"Back to the non-authenticated state\"\r\n"
        );
        assert_eq!(
            c.cmd("LISTSCRIPTS").await,
            "NO \"LISTSCRIPTS requires authentication\"\r\n"
        );
        let bad = plain("bob@example.org", "wrong");
        assert_eq!(
            c.cmd(&format!("AUTHENTICATE \"PLAIN\" \"{bad}\"")).await,
            "NO \"Authentication failed\"\r\n"
        );
        assert_eq!(
            c.cmd(&format!("AUTHENTICATE \"PLAIN\" \"{bad}\"")).await,
            "BYE \"Too many failed authentications\"\r\n"
        );
        assert_eq!(c.response().await, "");
        timeout(Duration::from_secs(5), server)
            .await
            .unwrap()
            .unwrap();
    }

    #[tokio::test]
    async fn scripts_put_check_list_activate_get_rename_delete() {
        let f = fixture().await;
        let mut c = logged_in(&f).await;
        assert_eq!(
            c.cmd("LISTSCRIPTS").await,
            "OK \"Listscripts completed\"\r\n"
        );
        let script = "require \"fileinto\";\r\nif header :contains \"Subject\" \"x\" {\r\n  fileinto \"Junk\";\r\n}\r\n";
        assert_eq!(
            c.cmd(&put("main", script)).await,
            "OK \"Script stored\"\r\n"
        );
        // A syntax error: refused with its line number, nothing stored.
        let broken = "require \"fileinto\";\r\n\r\nif header :is \"Subject\" {\r\n  keep;\r\n}\r\n";
        let r = c.cmd(&put("broken", broken)).await;
        assert!(r.starts_with("NO \"line 3, column "), "{r}");
        let r = c
            .cmd(&format!("CHECKSCRIPT {{{}+}}\r\n{broken}", broken.len()))
            .await;
        assert!(r.starts_with("NO \"line 3, column "), "{r}");
        assert_eq!(
            c.cmd(&format!("CHECKSCRIPT {{{}+}}\r\n{script}", script.len()))
                .await,
            "OK \"Script is valid\"\r\n"
        );
        // Not UTF-8 (in a comment, where the compiler does not look).
        c.send(b"CHECKSCRIPT {9+}\r\n# \xff\r\nkeep;\r\n").await;
        let r = c.response().await;
        assert!(r.starts_with("NO "), "{r}");
        assert_eq!(
            c.cmd("LISTSCRIPTS").await,
            "\"main\"\r\nOK \"Listscripts completed\"\r\n"
        );
        // Activate, get back exactly what was stored.
        assert_eq!(
            c.cmd("SETACTIVE \"main\"").await,
            "OK \"Script activated\"\r\n"
        );
        assert_eq!(
            c.cmd("LISTSCRIPTS").await,
            "\"main\" ACTIVE\r\nOK \"Listscripts completed\"\r\n"
        );
        assert_eq!(
            c.cmd("GETSCRIPT \"main\"").await,
            format!(
                "{{{}}}\r\n{script}\r\nOK \"Getscript completed\"\r\n",
                script.len()
            )
        );
        assert_eq!(
            c.cmd("GETSCRIPT \"nope\"").await,
            "NO (NONEXISTENT) \"There is no script named \\\"nope\\\"\"\r\n"
        );
        assert!(
            c.cmd("SETACTIVE \"nope\"")
                .await
                .starts_with("NO (NONEXISTENT)")
        );
        // The active script cannot be deleted.
        assert!(
            c.cmd("DELETESCRIPT \"main\"")
                .await
                .starts_with("NO (ACTIVE) ")
        );
        // Replace in place, rename (the active mark follows), refuse a clash.
        assert_eq!(
            c.cmd(&put("main", "keep;\r\n")).await,
            "OK \"Script stored\"\r\n"
        );
        assert_eq!(
            c.cmd(&put("other", "stop;")).await,
            "OK \"Script stored\"\r\n"
        );
        assert!(
            c.cmd("RENAMESCRIPT \"main\" \"other\"")
                .await
                .starts_with("NO (ALREADYEXISTS)")
        );
        assert!(
            c.cmd("RENAMESCRIPT \"gone\" \"x\"")
                .await
                .starts_with("NO (NONEXISTENT)")
        );
        assert_eq!(
            c.cmd("RENAMESCRIPT \"main\" \"filters\"").await,
            "OK \"Script renamed\"\r\n"
        );
        assert_eq!(
            c.cmd("LISTSCRIPTS").await,
            "\"filters\" ACTIVE\r\n\"other\"\r\nOK \"Listscripts completed\"\r\n"
        );
        assert_eq!(
            c.cmd("DELETESCRIPT \"other\"").await,
            "OK \"Script deleted\"\r\n"
        );
        assert!(
            c.cmd("DELETESCRIPT \"other\"")
                .await
                .starts_with("NO (NONEXISTENT)")
        );
        assert_eq!(
            c.cmd("SETACTIVE \"\"").await,
            "OK \"No script is active now\"\r\n"
        );
        assert_eq!(
            c.cmd("DELETESCRIPT \"filters\"").await,
            "OK \"Script deleted\"\r\n"
        );
        let read = f.store.read().unwrap();
        assert!(read.sieve_scripts(f.account.id).unwrap().is_empty());
    }

    #[tokio::test]
    async fn quotas_size_and_count() {
        let f = fixture().await;
        let mut c = logged_in(&f).await;
        // max_script_size 200, max_scripts 2.
        assert_eq!(
            c.cmd("HAVESPACE \"a\" 200").await,
            "OK \"Putscript would succeed\"\r\n"
        );
        assert!(
            c.cmd("HAVESPACE \"a\" 201")
                .await
                .starts_with("NO (QUOTA/MAXSIZE) ")
        );
        let big = format!("{}\r\nkeep;\r\n", "#".repeat(300));
        assert!(
            c.cmd(&put("big", &big))
                .await
                .starts_with("NO (QUOTA/MAXSIZE) ")
        );
        // Far over the literal bound (200 + slack): read, dropped, refused; the session goes on.
        let huge = "#".repeat(20_000);
        let r = c.cmd(&put("huge", &huge)).await;
        assert!(
            r.starts_with("NO (QUOTA/MAXSIZE) \"A string of 20000 octets"),
            "{r}"
        );
        assert_eq!(
            c.cmd(&put("one", "keep;")).await,
            "OK \"Script stored\"\r\n"
        );
        assert_eq!(
            c.cmd(&put("two", "keep;")).await,
            "OK \"Script stored\"\r\n"
        );
        assert!(
            c.cmd(&put("three", "keep;"))
                .await
                .starts_with("NO (QUOTA/MAXSCRIPTS) ")
        );
        assert!(
            c.cmd("HAVESPACE \"three\" 10")
                .await
                .starts_with("NO (QUOTA/MAXSCRIPTS) ")
        );
        // Replacing an existing script is not a new one.
        assert_eq!(
            c.cmd("HAVESPACE \"two\" 10").await,
            "OK \"Putscript would succeed\"\r\n"
        );
        assert_eq!(
            c.cmd(&put("two", "stop;")).await,
            "OK \"Script stored\"\r\n"
        );
        // Bad names.
        assert!(
            c.cmd(&put("", "keep;"))
                .await
                .starts_with("NO \"\\\"\\\" is not a script name")
        );
        // A line too long is refused and the session goes on.
        let r = c
            .cmd(&format!("GETSCRIPT \"{}\"", "n".repeat(MAX_LINE)))
            .await;
        assert!(r.starts_with("NO \"Command line too long"), "{r}");
        assert_eq!(c.cmd("NOOP").await, "OK \"Done\"\r\n");
        // Past what is worth reading: BYE.
        c.send(b"PUTSCRIPT \"x\" {999999999+}\r\n").await;
        assert!(c.response().await.starts_with("BYE (QUOTA/MAXSIZE) "));
        assert_eq!(c.response().await, "");
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
    async fn starttls_then_capabilities_then_plain() {
        let f = fixture().await;
        let (acceptor, connector) = tls_pair();
        let mut cfg = config();
        cfg.tls_mode = TlsMode::Starttls;
        cfg.tls_acceptor = Some(acceptor);
        let (mut c, _) = start(cfg, &f.store).await;
        let greeting = c.response().await;
        // Before TLS: STARTTLS offered, no mechanism, and PLAIN refused even from loopback.
        assert!(greeting.contains("\r\n\"STARTTLS\"\r\n"), "{greeting}");
        assert!(greeting.contains("\r\n\"SASL\" \"\"\r\n"), "{greeting}");
        let good = plain("bob@example.org", &f.password);
        assert_eq!(
            c.cmd(&format!("AUTHENTICATE \"PLAIN\" \"{good}\"")).await,
            "NO (ENCRYPT-NEEDED) \"Use STARTTLS first\"\r\n"
        );
        // A command pipelined after STARTTLS must not survive the upgrade.
        c.send(format!("STARTTLS\r\nAUTHENTICATE \"PLAIN\" \"{good}\"\r\n").as_bytes())
            .await;
        assert_eq!(c.response().await, "OK \"Begin TLS negotiation now\"\r\n");
        let tcp = c.s.into_inner();
        let name = rustls_pki_types::ServerName::try_from("localhost").unwrap();
        let tls = connector.connect(name, tcp).await.unwrap();
        let mut c = Client {
            s: BufReader::new(tls),
        };
        // The server speaks first after the handshake: its capabilities, now with PLAIN.
        let caps = c.response().await;
        assert!(caps.contains("\r\n\"SASL\" \"PLAIN LOGIN\"\r\n"), "{caps}");
        assert!(!caps.contains("STARTTLS"), "{caps}");
        assert!(
            caps.ends_with("OK \"TLS negotiation successful\"\r\n"),
            "{caps}"
        );
        // Had the pipelined AUTHENTICATE run, this would be "Already authenticated".
        assert_eq!(
            c.cmd(&format!("AUTHENTICATE \"PLAIN\" \"{good}\"")).await,
            "OK \"Logged in\"\r\n"
        );
        assert_eq!(
            c.cmd("STARTTLS").await,
            "NO \"STARTTLS is not available\"\r\n"
        );
        assert_eq!(c.cmd(&put("s", "keep;")).await, "OK \"Script stored\"\r\n");
    }

    #[tokio::test]
    async fn idle_unauthenticated_clients_are_disconnected() {
        let f = fixture().await;
        let mut cfg = config();
        cfg.limits.unauthenticated_timeout = 1;
        let (mut c, server) = start(cfg, &f.store).await;
        c.response().await;
        assert_eq!(
            c.response().await,
            "BYE \"Disconnecting: idle for too long\"\r\n"
        );
        assert_eq!(c.response().await, "");
        timeout(Duration::from_secs(5), server)
            .await
            .unwrap()
            .unwrap();
    }
}
