//! Submission rules over real submission sessions on 127.0.0.1: who a logged-in user may send
//! as (MAIL FROM and From), the sending limits and the flag, the outgoing spam check with the
//! real spam plugin, the Received header, and local recipients delivered as inbound mail.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use mailsift::config::{Config, Limits, Protocol, SubmissionConfig, TlsMode};
use mailsift::plugins::{PluginHost, StoreKv};
use mailsift::smtp::delivery::MailBackend;
use mailsift::smtp::session::{SessionConfig, run_session};
use mailsift::store::{SendingSettings, Store};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};

fn dist(name: &str) -> PathBuf {
    let dir = match std::env::var_os("MAILSIFT_BUNDLED_PLUGINS") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("plugins/dist"),
    };
    let p = dir.join(name);
    assert!(p.is_file(), "{} is missing", p.display());
    p
}

struct Server {
    addr: SocketAddr,
    store: Store,
    password: String,
    _dir: tempfile::TempDir,
}

/// A submission listener (no TLS: AUTH is offered on loopback) over the server's backend, with
/// the spam plugin and a plugin that files everything into Junk (not a submission plugin).
async fn start(tune: impl FnOnce(&mut SubmissionConfig)) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config {
        data_dir: dir.path().to_path_buf(),
        ..Config::default()
    };
    // Rules only (no bundled starting model): the scores below are the rules' weights.
    let mut spam = mailsift::config::PluginConfig::default();
    spam.config
        .insert("starting_model".into(), toml::Value::String("false".into()));
    config.plugin.insert("spam".into(), spam);
    std::fs::create_dir_all(config.plugin_dir()).unwrap();
    std::fs::copy(dist("spam.wasm"), config.plugin_dir().join("spam.wasm")).unwrap();
    std::fs::copy(
        dist("testing/junk-all.wasm"),
        config.plugin_dir().join("junk-all.wasm"),
    )
    .unwrap();
    let store = Store::open(&config.db_path()).unwrap();
    store
        .write(|tx| {
            tx.add_domain("example.org")?;
            tx.add_account("alice@example.org")?;
            tx.add_account("bob@example.org")?;
            tx.set_sending(
                "alice@example.org",
                SendingSettings {
                    send_as: vec!["sales@example.org".into()],
                    ..SendingSettings::default()
                },
            )?;
            Ok(())
        })
        .await
        .unwrap();
    let password = mailsift::directory::create_device_password(&store, "alice@example.org", "t")
        .await
        .unwrap();
    let host = PluginHost::new(&config, Arc::new(StoreKv(store.clone()))).unwrap();
    host.load_all();
    assert_eq!(host.registry().snapshot().len(), 2, "{:?}", host.status());
    let mut backend = MailBackend::with_plugins(store.clone(), Some(Arc::new(host)));
    backend.pipeline.sieve = Some(Arc::new(
        mailsift::sieve::SieveRunner::new(&config).unwrap(),
    ));
    let mut submission = SubmissionConfig::default();
    tune(&mut submission);
    backend.pipeline.submission = Arc::new(submission);
    let backend = Arc::new(backend);
    let session_config = Arc::new(SessionConfig {
        hostname: "mail.example.org".into(),
        protocol: Protocol::Submission,
        tls_mode: TlsMode::None,
        tls_acceptor: None,
        limits: Limits::default(),
        kit: Default::default(),
        spool: None,
        received_shows_client_ip: false,
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((stream, peer)) = listener.accept().await {
            tokio::spawn(run_session(
                mailsift::net::Conn::Plain(stream),
                peer,
                session_config.clone(),
                backend.clone(),
            ));
        }
    });
    Server {
        addr,
        store,
        password,
        _dir: dir,
    }
}

struct Client {
    r: BufReader<OwnedReadHalf>,
    w: OwnedWriteHalf,
}

impl Client {
    /// Connected and logged in as alice.
    async fn login(server: &Server) -> Client {
        let (r, w) = tokio::net::TcpStream::connect(server.addr)
            .await
            .unwrap()
            .into_split();
        let mut c = Client {
            r: BufReader::new(r),
            w,
        };
        c.reply().await;
        assert!(c.cmd("EHLO laptop.example").await.starts_with("250"));
        let plain = STANDARD.encode(format!("\0alice@example.org\0{}", server.password));
        let auth = c.cmd(&format!("AUTH PLAIN {plain}")).await;
        assert!(auth.starts_with("235"), "{auth}");
        c
    }

    async fn reply(&mut self) -> String {
        let mut line = String::new();
        loop {
            line.clear();
            self.r.read_line(&mut line).await.unwrap();
            if line.len() < 4 || line.as_bytes()[3] != b'-' {
                return line.trim_end().to_string();
            }
        }
    }

    async fn cmd(&mut self, cmd: &str) -> String {
        self.w
            .write_all(format!("{cmd}\r\n").as_bytes())
            .await
            .unwrap();
        self.reply().await
    }

    /// One transaction; the first reply that is not 2xx/3xx, or the final reply.
    async fn send(&mut self, mail_from: &str, rcpts: &[&str], message: &str) -> String {
        let r = self.cmd(&format!("MAIL FROM:<{mail_from}>")).await;
        if !r.starts_with('2') {
            return r;
        }
        for rcpt in rcpts {
            let r = self.cmd(&format!("RCPT TO:<{rcpt}>")).await;
            if !r.starts_with('2') {
                self.cmd("RSET").await;
                return r;
            }
        }
        let r = self.cmd("DATA").await;
        assert!(r.starts_with("354"), "{r}");
        self.w
            .write_all(format!("{message}.\r\n").as_bytes())
            .await
            .unwrap();
        self.reply().await
    }
}

fn message(from: &str, subject: &str) -> String {
    format!(
        "From: Alice <{from}>\r\nTo: bob@example.org\r\nSubject: {subject}\r\n\
         Date: Mon, 23 Nov 2026 10:00:00 +0000\r\nMessage-ID: <{subject}@example.org>\r\n\r\n\
         Hello Bob,\r\nthe figures are in the shared folder.\r\n"
    )
}

/// Bob's stored messages: (folder, content).
fn stored(store: &Store, address: &str) -> Vec<(String, String)> {
    let r = store.read().unwrap();
    let account = r.account(address).unwrap().unwrap();
    let mut out = Vec::new();
    for mailbox in r.mailboxes(account.id).unwrap() {
        for m in r.messages(mailbox.id).unwrap() {
            let raw = r.blob(&m.blob).unwrap().unwrap();
            out.push((mailbox.name.clone(), String::from_utf8(raw).unwrap()));
        }
    }
    out
}

#[tokio::test]
async fn sender_rules() {
    let server = start(|_| {}).await;
    let mut c = Client::login(&server).await;
    // (case, MAIL FROM, From header, expected reply)
    let cases = [
        (
            "own address",
            "alice@example.org",
            "alice@example.org",
            "250 2.0.0",
        ),
        (
            "own, other case",
            "Alice@Example.ORG",
            "ALICE@example.org",
            "250 2.0.0",
        ),
        (
            "subaddress",
            "alice+news@example.org",
            "alice+news@example.org",
            "250 2.0.0",
        ),
        (
            "extra allowed sender",
            "sales@example.org",
            "sales@example.org",
            "250 2.0.0",
        ),
        (
            "null sender, own From",
            "",
            "alice@example.org",
            "250 2.0.0",
        ),
        (
            "another local user",
            "bob@example.org",
            "bob@example.org",
            "553 5.7.1 Sender address not owned by user",
        ),
        (
            "a foreign domain",
            "alice@example.com",
            "alice@example.com",
            "553 5.7.1 Sender address not owned by user",
        ),
        (
            "a lookalike local part",
            "alicex@example.org",
            "alice@example.org",
            "553 5.7.1",
        ),
        (
            "From of another user, good MAIL FROM",
            "alice@example.org",
            "bob@example.org",
            "553 5.7.1 Sender address not owned by user",
        ),
        (
            "From of a foreign domain, good MAIL FROM",
            "alice@example.org",
            "ceo@bank.example",
            "553 5.7.1",
        ),
    ];
    for (i, (case, mail_from, from, expected)) in cases.iter().enumerate() {
        let got = c
            .send(
                mail_from,
                &["bob@example.org"],
                &message(from, &format!("case{i}")),
            )
            .await;
        assert!(got.starts_with(expected), "{case}: {got}");
    }
    // A good From with a forged Sender, and a message with no From at all.
    let sender = format!(
        "Sender: bob@example.org\r\n{}",
        message("alice@example.org", "sender")
    );
    let got = c
        .send("alice@example.org", &["bob@example.org"], &sender)
        .await;
    assert!(got.starts_with("553 5.7.1"), "{got}");
    let no_from = "To: bob@example.org\r\nSubject: x\r\n\r\nbody\r\n";
    let got = c
        .send("alice@example.org", &["bob@example.org"], no_from)
        .await;
    assert!(got.starts_with("550 5.6.0"), "{got}");

    // Exactly the accepted cases reached Bob, as inbound mail: in INBOX although a plugin
    // that is not a submission plugin files everything into Junk; no client IP in Received.
    let bob = stored(&server.store, "bob@example.org");
    let accepted = cases.iter().filter(|c| c.3.starts_with("250")).count();
    assert_eq!(bob.len(), accepted, "{bob:?}");
    for (folder, raw) in &bob {
        assert_eq!(folder, "INBOX");
        let received = raw.lines().find(|l| l.starts_with("Received:")).unwrap();
        assert!(
            received.starts_with("Received: from laptop.example"),
            "{received}"
        );
        assert!(!raw.contains("127.0.0.1"), "{raw}");
        assert!(
            raw.contains("X-Spam-Status: No"),
            "the spam plugin ran: {raw}"
        );
    }
    // Remote recipients are queued for outbound delivery.
    let got = c
        .send(
            "alice@example.org",
            &["someone@remote.example"],
            &message("alice@example.org", "remote"),
        )
        .await;
    assert!(got.starts_with("250"), "{got}");
    assert_eq!(server.store.read().unwrap().queue().unwrap().len(), 1);
}

/// The postmaster's mailbox gets a notice about an outgoing spam refusal, at most one per
/// account per `notice_interval`: by default `postmaster@` the primary local domain.
#[tokio::test]
async fn outgoing_spam_tells_the_postmaster_once_an_hour() {
    let server = start(|s| s.spam_threshold = 1.5).await;
    // "postmaster" is reserved for the system: the store makes the mailbox, as an operator's
    // tool would.
    server
        .store
        .write(|tx| tx.add_account("postmaster@example.org").map(|_| ()))
        .await
        .unwrap();
    let mut c = Client::login(&server).await;
    let bare = |subject: &str| {
        format!(
            "From: alice@example.org\r\nTo: x@remote.example\r\nSubject: {subject}\r\n\r\nbody\r\n"
        )
    };
    for subject in ["cheap pills", "more pills", "still pills"] {
        let got = c
            .send("alice@example.org", &["x@remote.example"], &bare(subject))
            .await;
        assert!(got.starts_with("550 5.7.1"), "{got}");
    }
    let notices = stored(&server.store, "postmaster@example.org");
    assert_eq!(notices.len(), 1, "one notice an hour: {notices:?}");
    let (folder, text) = &notices[0];
    assert_eq!(folder, "INBOX");
    for want in [
        "Subject: Outgoing spam refused from alice@example.org",
        "Auto-Submitted: auto-generated",
        "cheap pills",
        "x@remote.example",
        "mailsift account show alice@example.org",
    ] {
        assert!(text.contains(want), "{want:?} missing from {text}");
    }
    assert!(
        !text.contains("\r\n\r\nbody"),
        "the message's content is not copied"
    );
    // Nothing of it went out.
    assert!(server.store.read().unwrap().queue().unwrap().is_empty());
}

/// With no setting and no postmaster account, the notice reaches postmaster@ the primary
/// domain through recipient resolution: the domain's oldest account, or the administrator set
/// with `mailsift domain admin`.
#[tokio::test]
async fn outgoing_spam_notice_needs_no_configuration() {
    let server = start(|s| s.spam_threshold = 1.5).await;
    let mut c = Client::login(&server).await;
    let bare = |subject: &str| {
        format!(
            "From: alice@example.org\r\nTo: x@remote.example\r\nSubject: {subject}\r\n\r\nbody\r\n"
        )
    };
    let got = c
        .send("alice@example.org", &["x@remote.example"], &bare("pills"))
        .await;
    assert!(got.starts_with("550 5.7.1"), "{got}");
    let notices = stored(&server.store, "alice@example.org");
    assert_eq!(notices.len(), 1, "the oldest account gets it: {notices:?}");
    assert!(
        notices[0]
            .1
            .contains("Outgoing spam refused from alice@example.org")
    );
    // The domain's administrator, once set, gets it instead.
    let server = start(|s| s.spam_threshold = 1.5).await;
    server
        .store
        .write(|tx| {
            let mut s = tx.domain_addressing("example.org")?;
            s.admin = Some("bob@example.org".into());
            tx.set_domain_addressing("example.org", &s)
        })
        .await
        .unwrap();
    let mut c = Client::login(&server).await;
    let got = c
        .send("alice@example.org", &["x@remote.example"], &bare("pills"))
        .await;
    assert!(got.starts_with("550 5.7.1"), "{got}");
    let notices = stored(&server.store, "bob@example.org");
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert!(stored(&server.store, "alice@example.org").is_empty());
}

/// `[submission] postmaster` names the administrator's account.
#[tokio::test]
async fn outgoing_spam_notice_goes_to_the_configured_postmaster() {
    let server = start(|s| {
        s.spam_threshold = 1.5;
        s.postmaster = "bob@example.org".into();
    })
    .await;
    let mut c = Client::login(&server).await;
    let bare = "From: alice@example.org\r\nTo: x@remote.example\r\nSubject: pills\r\n\r\nbody\r\n";
    let got = c
        .send("alice@example.org", &["x@remote.example"], bare)
        .await;
    assert!(got.starts_with("550 5.7.1"), "{got}");
    let notices = stored(&server.store, "bob@example.org");
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert!(
        notices[0].1.contains("alice@example.org"),
        "{}",
        notices[0].1
    );
}

#[tokio::test]
async fn hourly_and_daily_limits_and_the_flag() {
    let server = start(|s| s.flag_after = 1).await;
    let id = server
        .store
        .write(|tx| {
            let a = tx.set_sending(
                "alice@example.org",
                SendingSettings {
                    per_hour: Some(2),
                    per_day: Some(5),
                    ..SendingSettings::default()
                },
            )?;
            Ok(a.id)
        })
        .await
        .unwrap();
    let mut c = Client::login(&server).await;
    for i in 0..2 {
        let got = c
            .send(
                "alice@example.org",
                &["bob@example.org", "x@remote.example"],
                &message("alice@example.org", &format!("h{i}")),
            )
            .await;
        assert!(got.starts_with("250"), "{got}");
    }
    let got = c
        .send(
            "alice@example.org",
            &["bob@example.org"],
            &message("alice@example.org", "h3"),
        )
        .await;
    assert!(got.starts_with("451 4.7.1"), "{got}");
    let record = server.store.read().unwrap().send_record(id).unwrap();
    assert!(record.flagged.is_some(), "flagged after one trip here");

    // The daily cap counts recipients: 4 sent, the 5th is allowed, the 6th is refused.
    server
        .store
        .write(|tx| {
            tx.set_sending(
                "alice@example.org",
                SendingSettings {
                    per_hour: Some(0),
                    per_day: Some(5),
                    ..SendingSettings::default()
                },
            )?;
            Ok(())
        })
        .await
        .unwrap();
    assert!(
        c.cmd("MAIL FROM:<alice@example.org>")
            .await
            .starts_with("250")
    );
    assert!(c.cmd("RCPT TO:<bob@example.org>").await.starts_with("250"));
    let got = c.cmd("RCPT TO:<y@remote.example>").await;
    assert!(got.starts_with("550 5.7.1"), "{got}");
}

#[tokio::test]
async fn outgoing_spam_is_refused() {
    // Without its starting model the spam plugin scores only its rules: no Date (1.0) and no
    // Message-ID (0.5).
    let server = start(|s| s.spam_threshold = 1.5).await;
    let mut c = Client::login(&server).await;
    let got = c
        .send(
            "alice@example.org",
            &["x@remote.example"],
            &message("alice@example.org", "fine"),
        )
        .await;
    assert!(got.starts_with("250"), "{got}");
    let bare = "From: alice@example.org\r\nTo: x@remote.example\r\nSubject: buy\r\n\r\nbody\r\n";
    let got = c
        .send("alice@example.org", &["x@remote.example"], bare)
        .await;
    assert!(
        got.starts_with("550 5.7.1 Message refused: it looks like spam"),
        "{got}"
    );
    assert_eq!(server.store.read().unwrap().queue().unwrap().len(), 1);
}

/// Local recipients of submitted mail get it as inbound mail: their Sieve script files it.
#[tokio::test]
async fn local_recipients_get_it_as_inbound_mail() {
    let server = start(|_| {}).await;
    let bob = server
        .store
        .read()
        .unwrap()
        .account("bob@example.org")
        .unwrap()
        .unwrap();
    let script = "require \"fileinto\";\nif header :contains \"subject\" \"report\" { fileinto \"Archive\"; }\n";
    mailsift::sieve::scripts::put(
        &server.store,
        bob.id,
        "main",
        script.as_bytes(),
        &Default::default(),
        true,
    )
    .await
    .unwrap();
    let mut c = Client::login(&server).await;
    for subject in ["weekly-report", "lunch"] {
        let got = c
            .send(
                "alice@example.org",
                &["bob@example.org"],
                &message("alice@example.org", subject),
            )
            .await;
        assert!(got.starts_with("250"), "{got}");
    }
    let mut folders: Vec<String> = stored(&server.store, "bob@example.org")
        .into_iter()
        .map(|(folder, _)| folder)
        .collect();
    folders.sort();
    assert_eq!(folders, ["Archive", "INBOX"]);
    // Nothing was queued: both recipients were local.
    assert!(server.store.read().unwrap().queue().unwrap().is_empty());
}
