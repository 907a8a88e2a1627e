//! The POP3 server over real sockets on 127.0.0.1, with real TLS (implicit on the 995-style
//! listener, STLS on the 110-style one): every command, deletions only at QUIT, stable UIDL
//! across sessions, the per-account lock, sessions beside IMAP on the same INBOX, passwords
//! refused before TLS, and the authentication throttle.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use mailsift::config::{AuthThrottleConfig, Limits, TlsMode};
use mailsift::directory::{Directory, create_device_password};
use mailsift::imap::{self, ImapConfig};
use mailsift::net::Conn;
use mailsift::pop3::{self, MaildropLocks, Pop3Config};
use mailsift::session::io::Kit;
use mailsift::session::revoke::Revoker;
use mailsift::session::throttle::AuthThrottle;
use mailsift::store::{MailboxId, Store};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::timeout;
use tokio_rustls::{TlsAcceptor, TlsConnector};

const USER: &str = "bob@example.org";

trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

struct Fixture {
    _dir: tempfile::TempDir,
    store: Store,
    directory: Directory,
    inbox: MailboxId,
    password: String,
    acceptor: TlsAcceptor,
    connector: TlsConnector,
    locks: MaildropLocks,
}

/// Three messages: a plain one, one with lines starting with a dot, one stored with bare LFs.
const MESSAGES: [&[u8]; 3] = [
    b"From: a@remote.test\r\nSubject: one\r\n\r\nfirst body\r\nline 2\r\nline 3\r\n",
    b"From: a@remote.test\r\nSubject: two\r\n\r\n.leading dot\r\n.\r\nafter\r\n",
    b"From: a@remote.test\nSubject: three\n\nbare lf\n",
];

fn tls_pair() -> (TlsAcceptor, TlsConnector) {
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let cert = certified.cert.der().clone();
    let key = rustls_pki_types::PrivateKeyDer::Pkcs8(certified.signing_key.serialize_der().into());
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
        TlsConnector::from(Arc::new(client)),
    )
}

async fn fixture(throttle: AuthThrottleConfig) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("db")).unwrap();
    let inbox = store
        .write(|tx| {
            tx.add_domain("example.org")?;
            let a = tx.add_account(USER)?;
            Ok(tx.mailbox_tx(a.id, "INBOX")?.unwrap().id)
        })
        .await
        .unwrap();
    let password = create_device_password(&store, USER, "mail-client")
        .await
        .unwrap();
    for raw in MESSAGES {
        store
            .write(move |tx| tx.deliver(&[(inbox, vec![])], raw, 1_700_000_000))
            .await
            .unwrap();
    }
    let directory = Directory::with_throttle(store.clone(), Arc::new(AuthThrottle::new(throttle)));
    let (acceptor, connector) = tls_pair();
    Fixture {
        _dir: dir,
        store,
        directory,
        inbox,
        password,
        acceptor,
        connector,
        locks: MaildropLocks::default(),
    }
}

fn no_throttle() -> AuthThrottleConfig {
    AuthThrottleConfig {
        enabled: false,
        ..AuthThrottleConfig::default()
    }
}

/// A POP3 listener with `tls`; sessions see their peer as `peer` when given (to play a client
/// that is not on loopback while the socket is).
async fn listen(f: &Fixture, tls: TlsMode, peer: Option<SocketAddr>, limits: Limits) -> SocketAddr {
    listen_with(f, tls, peer, limits, Kit::default()).await
}

async fn listen_with(
    f: &Fixture,
    tls: TlsMode,
    peer: Option<SocketAddr>,
    limits: Limits,
    kit: Kit,
) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let config = Arc::new(Pop3Config {
        hostname: "mail.test".into(),
        tls_mode: tls,
        tls_acceptor: Some(f.acceptor.clone()),
        limits,
        kit,
        locks: f.locks.clone(),
    });
    let (store, directory, acceptor) = (f.store.clone(), f.directory.clone(), f.acceptor.clone());
    tokio::spawn(async move {
        loop {
            let (tcp, real) = listener.accept().await.unwrap();
            let conn = match tls {
                TlsMode::Implicit => match Conn::accept_tls(tcp, &acceptor).await {
                    Ok(c) => c,
                    Err(_) => continue,
                },
                _ => Conn::Plain(tcp),
            };
            tokio::spawn(pop3::run_session(
                conn,
                peer.unwrap_or(real),
                config.clone(),
                store.clone(),
                directory.clone(),
            ));
        }
    });
    addr
}

async fn listen_imap(f: &Fixture) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let config = Arc::new(ImapConfig {
        hostname: "mail.test".into(),
        tls_mode: TlsMode::None,
        tls_acceptor: None,
        limits: Limits::default(),
        kit: Kit::default(),
    });
    let (store, directory) = (f.store.clone(), f.directory.clone());
    tokio::spawn(async move {
        loop {
            let (tcp, peer) = listener.accept().await.unwrap();
            tokio::spawn(imap::run_session(
                Conn::Plain(tcp),
                peer,
                config.clone(),
                store.clone(),
                directory.clone(),
            ));
        }
    });
    addr
}

struct Client {
    s: BufReader<Box<dyn Stream>>,
}

impl Client {
    async fn plain(addr: SocketAddr) -> Client {
        let tcp = TcpStream::connect(addr).await.unwrap();
        let mut c = Client {
            s: BufReader::new(Box::new(tcp) as Box<dyn Stream>),
        };
        let greeting = c.line().await;
        assert!(greeting.starts_with("+OK "), "{greeting}");
        c
    }

    async fn tls(addr: SocketAddr, connector: &TlsConnector) -> Client {
        let tcp = TcpStream::connect(addr).await.unwrap();
        let name = rustls_pki_types::ServerName::try_from("localhost").unwrap();
        let tls = connector.connect(name, tcp).await.unwrap();
        let mut c = Client {
            s: BufReader::new(Box::new(tls) as Box<dyn Stream>),
        };
        let greeting = c.line().await;
        assert!(greeting.starts_with("+OK "), "{greeting}");
        c
    }

    async fn send(&mut self, bytes: &[u8]) {
        self.s.get_mut().write_all(bytes).await.unwrap();
        self.s.get_mut().flush().await.unwrap();
    }

    /// One line, CRLF included; "" at EOF.
    async fn line(&mut self) -> String {
        let mut buf = Vec::new();
        timeout(Duration::from_secs(20), self.s.read_until(b'\n', &mut buf))
            .await
            .expect("no reply")
            .unwrap_or(0);
        String::from_utf8(buf).unwrap()
    }

    async fn cmd(&mut self, line: &str) -> String {
        self.send(format!("{line}\r\n").as_bytes()).await;
        self.line().await
    }

    /// The lines of a multi-line body up to the final `.` (excluded), still dot-stuffed.
    async fn body(&mut self) -> Vec<String> {
        let mut lines = Vec::new();
        loop {
            let l = self.line().await;
            assert!(!l.is_empty(), "connection closed in a multi-line reply");
            assert!(l.ends_with("\r\n"), "{l:?}");
            if l == ".\r\n" {
                return lines;
            }
            lines.push(l.trim_end_matches("\r\n").to_string());
        }
    }

    /// A command with a multi-line reply: its status line and its lines.
    async fn multi(&mut self, line: &str) -> (String, Vec<String>) {
        let status = self.cmd(line).await;
        assert!(status.starts_with("+OK"), "{line}: {status}");
        (status, self.body().await)
    }

    async fn login(&mut self, password: &str) {
        assert_eq!(self.cmd(&format!("USER {USER}")).await, "+OK Send PASS\r\n");
        let r = self.cmd(&format!("PASS {password}")).await;
        assert!(r.starts_with("+OK Logged in"), "{r}");
    }
}

fn stored_uids(f: &Fixture) -> Vec<u32> {
    let read = f.store.read().unwrap();
    read.messages(f.inbox)
        .unwrap()
        .iter()
        .map(|m| m.uid)
        .collect()
}

fn plain(user: &str, password: &str) -> String {
    BASE64.encode(format!("\0{user}\0{password}"))
}

#[tokio::test]
async fn every_command_over_implicit_tls_and_deletions_only_at_quit() {
    let f = fixture(no_throttle()).await;
    let addr = listen(&f, TlsMode::Implicit, None, Limits::default()).await;
    let mut c = Client::tls(addr, &f.connector).await;
    let (_, caps) = c.multi("CAPA").await;
    for cap in [
        "TOP",
        "UIDL",
        "USER",
        "RESP-CODES",
        "AUTH-RESP-CODE",
        "PIPELINING",
        "SASL PLAIN LOGIN",
    ] {
        assert!(caps.iter().any(|c| c == cap), "{cap} missing: {caps:?}");
    }
    assert!(!caps.iter().any(|c| c == "STLS"), "{caps:?}");
    assert!(caps.iter().any(|c| c.starts_with("IMPLEMENTATION ")));
    // Transaction commands before login.
    assert!(c.cmd("STAT").await.starts_with("-ERR "));
    assert!(c.cmd("PASS x").await.starts_with("-ERR USER first"));
    c.login(&f.password).await;
    assert!(c.cmd("USER x").await.starts_with("-ERR Already logged in"));

    let sizes: Vec<usize> = MESSAGES.iter().map(|m| m.len()).collect();
    let total: usize = sizes.iter().sum();
    assert_eq!(c.cmd("STAT").await, format!("+OK 3 {total}\r\n"));
    let (_, list) = c.multi("LIST").await;
    assert_eq!(
        list,
        vec![
            format!("1 {}", sizes[0]),
            format!("2 {}", sizes[1]),
            format!("3 {}", sizes[2])
        ]
    );
    assert_eq!(c.cmd("LIST 2").await, format!("+OK 2 {}\r\n", sizes[1]));
    assert!(c.cmd("LIST 4").await.starts_with("-ERR "));
    assert!(c.cmd("LIST 0").await.starts_with("-ERR "));
    let uidvalidity = f
        .store
        .read()
        .unwrap()
        .mailbox_by_id(f.inbox)
        .unwrap()
        .unwrap()
        .uidvalidity;
    let (_, uidl) = c.multi("UIDL").await;
    let uids = stored_uids(&f);
    let want: Vec<String> = uids
        .iter()
        .zip(1..)
        .map(|(uid, n)| format!("{n} {uidvalidity}.{uid}"))
        .collect();
    assert_eq!(uidl, want);
    assert_eq!(
        c.cmd("UIDL 3").await,
        format!("+OK 3 {uidvalidity}.{}\r\n", uids[2])
    );

    // TOP: the header, the blank line, n body lines.
    let (_, top) = c.multi("TOP 1 1").await;
    assert_eq!(
        top,
        ["From: a@remote.test", "Subject: one", "", "first body"]
    );
    let (_, top) = c.multi("TOP 1 0").await;
    assert_eq!(top, ["From: a@remote.test", "Subject: one", ""]);
    assert!(c.cmd("TOP 9 1").await.starts_with("-ERR "));
    // RETR: dot-stuffed, with the octet count.
    let (status, body) = c.multi("RETR 2").await;
    assert_eq!(status, format!("+OK {} octets\r\n", sizes[1]));
    assert_eq!(
        body,
        [
            "From: a@remote.test",
            "Subject: two",
            "",
            "..leading dot",
            "..",
            "after"
        ]
    );
    // Bare LFs go out as CRLF (`body` checks every line ends in CRLF).
    let (status, body) = c.multi("RETR 3").await;
    assert_eq!(body.last().unwrap(), "bare lf");
    // The octets as sent: each of its 4 bare LFs went out as CRLF.
    assert_eq!(status, format!("+OK {} octets\r\n", sizes[2] + 4));

    // DELE marks; the message is gone from this session's view only.
    assert_eq!(c.cmd("DELE 1").await, "+OK Message 1 deleted\r\n");
    assert!(c.cmd("DELE 1").await.starts_with("-ERR "));
    assert!(c.cmd("RETR 1").await.starts_with("-ERR "));
    assert!(c.cmd("LIST 1").await.starts_with("-ERR "));
    assert_eq!(
        c.cmd("STAT").await,
        format!("+OK 2 {}\r\n", sizes[1] + sizes[2])
    );
    assert_eq!(c.multi("UIDL").await.1.len(), 2);
    assert_eq!(stored_uids(&f).len(), 3, "DELE must not delete before QUIT");
    // RSET unmarks.
    assert!(c.cmd("RSET").await.starts_with("+OK 3 messages"));
    assert_eq!(c.cmd("STAT").await, format!("+OK 3 {total}\r\n"));
    assert_eq!(c.cmd("NOOP").await, "+OK\r\n");
    // Pipelined (RFC 2449 PIPELINING): answered in order.
    c.send(b"DELE 1\r\nDELE 3\r\nSTAT\r\n").await;
    assert!(c.line().await.starts_with("+OK Message 1"));
    assert!(c.line().await.starts_with("+OK Message 3"));
    assert_eq!(c.line().await, format!("+OK 1 {}\r\n", sizes[1]));
    // Unknown and malformed commands.
    assert_eq!(c.cmd("XTND XMIT").await, "-ERR Unknown command\r\n");
    assert!(c.cmd("RETR x").await.starts_with("-ERR Syntax error"));
    assert!(c.cmd("STLS").await.starts_with("-ERR "));
    assert_eq!(stored_uids(&f).len(), 3);
    // QUIT: UPDATE removes exactly the marked messages.
    assert!(c.cmd("QUIT").await.starts_with("+OK "));
    assert_eq!(c.line().await, "", "the server closes after QUIT");
    assert_eq!(stored_uids(&f), vec![uids[1]]);
}

#[tokio::test]
async fn a_dropped_connection_deletes_nothing_and_uidl_is_stable() {
    let f = fixture(no_throttle()).await;
    let addr = listen(&f, TlsMode::Implicit, None, Limits::default()).await;
    let mut c = Client::tls(addr, &f.connector).await;
    c.login(&f.password).await;
    let (_, first) = c.multi("UIDL").await;
    assert!(c.cmd("DELE 1").await.starts_with("+OK"));
    assert!(c.cmd("DELE 2").await.starts_with("+OK"));
    drop(c);
    // The lock goes with the session; the next one sees everything, with the same ids.
    let mut c = loop {
        let mut c = Client::tls(addr, &f.connector).await;
        c.send(format!("USER {USER}\r\nPASS {}\r\n", f.password).as_bytes())
            .await;
        c.line().await;
        let r = c.line().await;
        if r.starts_with("+OK") {
            break c;
        }
        assert!(r.starts_with("-ERR [IN-USE]"), "{r}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(stored_uids(&f).len(), 3);
    assert_eq!(c.multi("UIDL").await.1, first);
    // A later delivery keeps the old ids and adds a new one.
    f.store
        .write({
            let inbox = f.inbox;
            move |tx| tx.deliver(&[(inbox, vec![])], b"Subject: four\r\n\r\n4\r\n", 0)
        })
        .await
        .unwrap();
    assert!(c.cmd("QUIT").await.starts_with("+OK"));
    let mut c = Client::tls(addr, &f.connector).await;
    c.login(&f.password).await;
    let (_, third) = c.multi("UIDL").await;
    assert_eq!(third[..3], first[..]);
    assert_eq!(third.len(), 4);
}

#[tokio::test]
async fn a_second_session_is_locked_out_until_the_first_quits() {
    let f = fixture(no_throttle()).await;
    let implicit = listen(&f, TlsMode::Implicit, None, Limits::default()).await;
    let starttls = listen(&f, TlsMode::Starttls, None, Limits::default()).await;
    let mut first = Client::tls(implicit, &f.connector).await;
    first.login(&f.password).await;
    // Across listeners too (110 and 995 share the lock).
    let mut second = Client::plain(starttls).await;
    assert_eq!(
        second.cmd("STLS").await,
        "+OK Begin TLS negotiation now\r\n"
    );
    let tcp = second.s.into_inner();
    let name = rustls_pki_types::ServerName::try_from("localhost").unwrap();
    let Ok(tls) = f.connector.connect(name, tcp).await else {
        panic!("handshake")
    };
    let mut second = Client {
        s: BufReader::new(Box::new(tls) as Box<dyn Stream>),
    };
    second.cmd(&format!("USER {USER}")).await;
    let r = second.cmd(&format!("PASS {}", f.password)).await;
    assert!(r.starts_with("-ERR [IN-USE] "), "{r}");
    // Still in AUTHORIZATION: it may try again once the first is gone.
    assert!(first.cmd("QUIT").await.starts_with("+OK"));
    assert_eq!(first.line().await, "");
    second.login(&f.password).await;
    assert!(second.cmd("STAT").await.starts_with("+OK 3 "));
}

#[tokio::test]
async fn stls_hides_passwords_until_tls_and_drops_pipelined_input() {
    let f = fixture(no_throttle()).await;
    let addr = listen(&f, TlsMode::Starttls, None, Limits::default()).await;
    let mut c = Client::plain(addr).await;
    let (_, caps) = c.multi("CAPA").await;
    assert!(caps.iter().any(|c| c == "STLS"), "{caps:?}");
    assert!(
        !caps.iter().any(|c| c == "USER" || c.starts_with("SASL")),
        "{caps:?}"
    );
    // Even from loopback: the listener offers TLS, so passwords wait for it.
    let r = c.cmd(&format!("USER {USER}")).await;
    assert!(r.starts_with("-ERR [AUTH] "), "{r}");
    let r = c
        .cmd(&format!("AUTH PLAIN {}", plain(USER, &f.password)))
        .await;
    assert!(r.starts_with("-ERR [AUTH] "), "{r}");
    // A command pipelined after STLS must not survive the upgrade.
    c.send(format!("STLS\r\nUSER {USER}\r\n").as_bytes()).await;
    assert_eq!(c.line().await, "+OK Begin TLS negotiation now\r\n");
    let tcp = c.s.into_inner();
    let name = rustls_pki_types::ServerName::try_from("localhost").unwrap();
    let tls = f.connector.connect(name, tcp).await.unwrap();
    let mut c = Client {
        s: BufReader::new(Box::new(tls) as Box<dyn Stream>),
    };
    let (_, caps) = c.multi("CAPA").await;
    assert!(caps.iter().any(|c| c == "USER"), "{caps:?}");
    assert!(caps.iter().any(|c| c == "SASL PLAIN LOGIN"), "{caps:?}");
    assert!(!caps.iter().any(|c| c == "STLS"), "{caps:?}");
    // Had the pipelined USER run, PASS would be accepted here.
    assert!(c.cmd("PASS x").await.starts_with("-ERR USER first"));
    assert!(c.cmd("STLS").await.starts_with("-ERR "));
    // AUTH with a listing, a cancel, a challenge, and a wrong authzid.
    let (_, mechs) = c.multi("AUTH").await;
    assert_eq!(mechs, ["PLAIN", "LOGIN"]);
    assert_eq!(c.cmd("AUTH PLAIN").await, "+ \r\n");
    assert_eq!(c.cmd("*").await, "-ERR Authentication cancelled\r\n");
    assert!(c.cmd("AUTH CRAM-MD5").await.starts_with("-ERR "));
    let other = BASE64.encode(format!("alice@example.org\0{USER}\0{}", f.password));
    assert_eq!(
        c.cmd(&format!("AUTH PLAIN {other}")).await,
        "-ERR [AUTH] Cannot act as another user\r\n"
    );
    assert_eq!(c.cmd("AUTH PLAIN").await, "+ \r\n");
    let r = c.cmd(&plain(USER, &f.password)).await;
    assert!(r.starts_with("+OK Logged in, 3 messages"), "{r}");
    assert!(c.cmd("AUTH PLAIN x").await.starts_with("-ERR Already"));
    assert!(c.cmd("QUIT").await.starts_with("+OK"));

    // AUTH LOGIN, and AUTH PLAIN with an initial response.
    let mut c = Client::tls(
        listen(&f, TlsMode::Implicit, None, Limits::default()).await,
        &f.connector,
    )
    .await;
    assert_eq!(
        c.cmd("AUTH LOGIN").await,
        format!("+ {}\r\n", BASE64.encode("Username:"))
    );
    assert_eq!(
        c.cmd(&BASE64.encode(USER)).await,
        format!("+ {}\r\n", BASE64.encode("Password:"))
    );
    assert!(
        c.cmd(&BASE64.encode(&f.password))
            .await
            .starts_with("+OK Logged in")
    );
    assert!(c.cmd("QUIT").await.starts_with("+OK"));
    let addr = listen(&f, TlsMode::Implicit, None, Limits::default()).await;
    let mut c = Client::tls(addr, &f.connector).await;
    let r = c
        .cmd(&format!("AUTH PLAIN {}", plain(USER, &f.password)))
        .await;
    assert!(r.starts_with("+OK Logged in"), "{r}");
}

#[tokio::test]
async fn passwords_are_refused_in_clear_text_from_a_non_loopback_client() {
    let f = fixture(no_throttle()).await;
    let remote: SocketAddr = "192.0.2.10:40000".parse().unwrap();
    let addr = listen(&f, TlsMode::None, Some(remote), Limits::default()).await;
    let mut c = Client::plain(addr).await;
    let (_, caps) = c.multi("CAPA").await;
    assert!(
        !caps
            .iter()
            .any(|c| c == "USER" || c.starts_with("SASL") || c == "STLS")
    );
    assert!(
        c.cmd(&format!("USER {USER}"))
            .await
            .starts_with("-ERR [AUTH] ")
    );
    let r = c
        .cmd(&format!("AUTH PLAIN {}", plain(USER, &f.password)))
        .await;
    assert!(r.starts_with("-ERR [AUTH] "), "{r}");
    assert_eq!(c.multi("AUTH").await.1, Vec::<String>::new());
    // The same listener from loopback: the exception IMAP makes (no TLS configured at all).
    let local = listen(&f, TlsMode::None, None, Limits::default()).await;
    let mut c = Client::plain(local).await;
    c.login(&f.password).await;
}

#[tokio::test]
async fn beside_imap_on_the_same_inbox() {
    let f = fixture(no_throttle()).await;
    let pop = listen(&f, TlsMode::Implicit, None, Limits::default()).await;
    let imap = listen_imap(&f).await;
    let tcp = TcpStream::connect(imap).await.unwrap();
    let mut i = Client {
        s: BufReader::new(Box::new(tcp) as Box<dyn Stream>),
    };
    i.line().await;
    assert!(
        i.cmd(&format!("a LOGIN {USER} {}", f.password))
            .await
            .starts_with("a OK")
    );
    i.send(b"b SELECT INBOX\r\n").await;
    loop {
        if i.line().await.starts_with("b OK") {
            break;
        }
    }
    let mut p = Client::tls(pop, &f.connector).await;
    p.login(&f.password).await;
    let (_, uidl) = p.multi("UIDL").await;
    // IMAP expunges message 2 while POP3 holds its snapshot.
    i.send(b"c STORE 2 +FLAGS (\\Deleted)\r\nd EXPUNGE\r\n")
        .await;
    loop {
        if i.line().await.starts_with("d OK") {
            break;
        }
    }
    // POP3 numbers do not shift; the expunged message is an error, the others still work.
    let r = p.cmd("RETR 2").await;
    assert!(r.starts_with("-ERR Message 2 was removed"), "{r}");
    assert!(p.cmd("TOP 2 0").await.starts_with("-ERR "));
    assert!(p.multi("RETR 3").await.1.contains(&"bare lf".to_string()));
    assert_eq!(p.multi("UIDL").await.1, uidl);
    // Deleting it too is harmless at QUIT.
    assert!(p.cmd("DELE 1").await.starts_with("+OK"));
    assert!(p.cmd("DELE 2").await.starts_with("+OK"));
    assert!(p.cmd("QUIT").await.starts_with("+OK"));
    assert_eq!(p.line().await, "");
    // The IMAP session is told about POP3's deletion at its next NOOP.
    i.send(b"e NOOP\r\n").await;
    let mut untagged = Vec::new();
    loop {
        let l = i.line().await;
        if l.starts_with("e OK") {
            break;
        }
        untagged.push(l);
    }
    assert!(
        untagged.contains(&"* 1 EXPUNGE\r\n".to_string()),
        "{untagged:?}"
    );
    assert_eq!(stored_uids(&f).len(), 1);
    i.send(b"f FETCH 1 (BODY.PEEK[HEADER.FIELDS (SUBJECT)])\r\n")
        .await;
    let mut fetched = String::new();
    loop {
        let l = i.line().await;
        fetched.push_str(&l);
        if l.starts_with("f ") {
            break;
        }
    }
    assert!(fetched.contains("Subject: three"), "{fetched}");
}

#[tokio::test]
async fn wrong_passwords_are_throttled_and_end_the_session() {
    let f = fixture(AuthThrottleConfig {
        base_delay_ms: 300,
        max_delay_ms: 5000,
        ip_ban_after: 3,
        ..AuthThrottleConfig::default()
    })
    .await;
    let remote: SocketAddr = "198.51.100.7:40000".parse().unwrap();
    let addr = listen(
        &f,
        TlsMode::Implicit,
        Some(remote),
        Limits {
            max_auth_failures: 3,
            ..Limits::default()
        },
    )
    .await;
    let mut c = Client::tls(addr, &f.connector).await;
    let mut took = Vec::new();
    for _ in 0..3 {
        c.cmd(&format!("USER {USER}")).await;
        let start = Instant::now();
        let r = c.cmd("PASS wrong-password").await;
        took.push(start.elapsed());
        assert_eq!(r, "-ERR [AUTH] Invalid credentials\r\n");
    }
    // Growing delays (300, 600, 1200 ms), then the session's failure limit closes it.
    assert!(took[1] >= Duration::from_millis(550), "{took:?}");
    assert!(took[2] >= Duration::from_millis(1100), "{took:?}");
    assert_eq!(c.line().await, "-ERR Too many failed logins\r\n");
    assert_eq!(c.line().await, "");
    // The address is banned now: even the right password is refused unchecked.
    let mut c = Client::tls(addr, &f.connector).await;
    c.cmd(&format!("USER {USER}")).await;
    let r = c.cmd(&format!("PASS {}", f.password)).await;
    assert!(
        r.starts_with("-ERR [SYS/TEMP] Too many failed logins"),
        "{r}"
    );
}

#[tokio::test]
async fn long_lines_and_garbage_do_not_keep_the_connection() {
    let f = fixture(no_throttle()).await;
    let addr = listen(&f, TlsMode::Implicit, None, Limits::default()).await;
    let mut c = Client::tls(addr, &f.connector).await;
    let long = format!("USER {}\r\n", "x".repeat(pop3::session::MAX_LINE * 4));
    c.send(long.as_bytes()).await;
    assert_eq!(c.line().await, "-ERR Line too long\r\n");
    // Still in step.
    assert!(c.cmd("CAPA").await.starts_with("+OK"));
    c.body().await;
    for _ in 0..pop3::session::MAX_BAD_COMMANDS - 1 {
        assert_eq!(c.cmd("HELO x").await, "-ERR Unknown command\r\n");
    }
    assert_eq!(c.cmd("HELO x").await, "-ERR Unknown command\r\n");
    assert_eq!(c.line().await, "-ERR Too many invalid commands\r\n");
    assert_eq!(c.line().await, "");
}

#[tokio::test]
async fn blocking_the_account_ends_the_session_and_deletes_nothing() {
    let f = fixture(no_throttle()).await;
    let revoker = Revoker::new(f.store.clone());
    tokio::spawn(revoker.clone().run());
    let kit = Kit {
        revoker: Some(revoker),
        ..Kit::default()
    };
    let addr = listen_with(&f, TlsMode::Implicit, None, Limits::default(), kit).await;
    let mut c = Client::tls(addr, &f.connector).await;
    c.login(&f.password).await;
    assert!(c.cmd("DELE 1").await.starts_with("+OK"));
    f.store
        .write(|tx| tx.set_account_blocked(USER, true).map(|_| ()))
        .await
        .unwrap();
    assert_eq!(c.line().await, "-ERR Credentials revoked\r\n");
    assert_eq!(c.line().await, "");
    assert_eq!(stored_uids(&f).len(), 3);
    // And the blocked account cannot log in again.
    let mut c = Client::tls(addr, &f.connector).await;
    c.cmd(&format!("USER {USER}")).await;
    let r = c.cmd(&format!("PASS {}", f.password)).await;
    assert!(r.starts_with("-ERR [SYS/PERM] "), "{r}");
}

#[tokio::test]
async fn idle_clients_are_disconnected_without_an_update() {
    let f = fixture(no_throttle()).await;
    let limits = Limits {
        unauthenticated_timeout: 1,
        imap_idle_timeout: 1,
        ..Limits::default()
    };
    let addr = listen(&f, TlsMode::Implicit, None, limits).await;
    let mut c = Client::tls(addr, &f.connector).await;
    assert_eq!(c.line().await, "-ERR Disconnecting: idle for too long\r\n");
    assert_eq!(c.line().await, "");
    let mut c = Client::tls(addr, &f.connector).await;
    c.login(&f.password).await;
    assert!(c.cmd("DELE 2").await.starts_with("+OK"));
    assert_eq!(c.line().await, "-ERR Disconnecting: idle for too long\r\n");
    assert_eq!(c.line().await, "");
    assert_eq!(stored_uids(&f).len(), 3);
}

#[tokio::test]
async fn many_pipelined_commands_are_answered_in_order() {
    let f = fixture(no_throttle()).await;
    let addr = listen(&f, TlsMode::Implicit, None, Limits::default()).await;
    let mut c = Client::tls(addr, &f.connector).await;
    c.login(&f.password).await;
    let n = 5000;
    let mut batch = String::new();
    for i in 0..n {
        batch.push_str(if i % 2 == 0 { "STAT\r\n" } else { "UIDL 2\r\n" });
    }
    // Sent in one go, read afterwards (the replies fit in the socket buffers).
    c.send(batch.as_bytes()).await;
    let stat = c.line().await;
    assert!(stat.starts_with("+OK 3 "), "{stat}");
    for i in 1..n {
        let r = c.line().await;
        if i % 2 == 0 {
            assert_eq!(r, stat);
        } else {
            assert!(r.starts_with("+OK 2 "), "{r}");
        }
    }
    assert!(c.cmd("QUIT").await.starts_with("+OK"));
}
