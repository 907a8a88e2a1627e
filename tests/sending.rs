//! Mail that leaves: DKIM signatures made at enqueue time (verified with mail-auth against the
//! test DNS server), SRS rewriting of Sieve redirects and the return of bounces to SRS
//! addresses, through the server's SMTP backend and the real store.

mod support;

use std::net::IpAddr;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use mail_auth::{AuthenticatedMessage, DkimResult};
use mailsift::auth::dkim_key;
use mailsift::config::Config;
use mailsift::pipeline::RcptCheck;
use mailsift::sieve::SieveRunner;
use mailsift::smtp::backend::{Envelope, IncomingMessage, SmtpBackend};
use mailsift::smtp::delivery::MailBackend;
use mailsift::srs::Srs;
use mailsift::store::{DkimKey, QueuedMessage, Store};
use support::dns::DnsServer;

fn rsa_key() -> &'static DkimKey {
    static KEY: OnceLock<DkimKey> = OnceLock::new();
    KEY.get_or_init(|| dkim_key::generate("mailsift", 0).unwrap())
}

fn ed_key() -> &'static DkimKey {
    static KEY: OnceLock<DkimKey> = OnceLock::new();
    KEY.get_or_init(|| dkim_key::generate_ed25519("ed", 0).unwrap())
}

fn dns() -> &'static DnsServer {
    static DNS: OnceLock<DnsServer> = OnceLock::new();
    DNS.get_or_init(|| {
        let d = DnsServer::start();
        d.txt(
            "mailsift._domainkey.example.org",
            &dkim_key::record_value(rsa_key()),
        )
        .txt(
            "ed._domainkey.example.org",
            &dkim_key::record_value(ed_key()),
        )
        // The remote sender of forwarded mail: SPF for 192.0.2.10, the same RSA key.
        .txt("remote.test", "v=spf1 ip4:192.0.2.10 -all")
        .txt(
            "mailsift._domainkey.remote.test",
            &dkim_key::record_value(rsa_key()),
        );
        d
    })
}

fn config(dir: &Path) -> Config {
    let mut c = Config {
        hostname: "mx.example.org".into(),
        data_dir: dir.to_path_buf(),
        ..Config::default()
    };
    c.dns.nameservers = vec![dns().addr.to_string()];
    c.dns.timeout_ms = 500;
    c.dns.attempts = 1;
    c
}

const SECRET: &[u8] = b"test-secret";

/// example.org (with its RSA key) and its users; bob redirects everything to a remote address.
async fn backend(dir: &Path) -> (MailBackend, Store) {
    let c = config(dir);
    let store = Store::open(&c.db_path()).unwrap();
    store
        .write(|tx| {
            tx.add_domain("example.org")?;
            let mut d = tx.domain("example.org")?.unwrap();
            d.dkim = Some(rsa_key().clone());
            tx.update_domain(&d)?;
            tx.add_account("alice@example.org")?;
            let bob = tx.add_account("bob@example.org")?.id;
            tx.sieve_put(bob, "main", "redirect \"friend@elsewhere.test\";", 32)?;
            tx.sieve_set_active(bob, Some("main"))
        })
        .await
        .unwrap();
    let srs = Arc::new(Srs::new(SECRET, &[], 21));
    let mut b = MailBackend::new(store.clone());
    b.pipeline.srs = Some(srs.clone());
    b.pipeline.sieve = Some(Arc::new(SieveRunner::new(&c).unwrap().with_srs(Some(srs))));
    (b, store)
}

fn envelope(from: &str, to: &[&str], authenticated: bool) -> Envelope {
    Envelope {
        queue_id: "Q1".into(),
        mail_from: from.into(),
        recipients: to.iter().map(|s| s.to_string()).collect(),
        helo: "client.test".into(),
        client_ip: IpAddr::from([127, 0, 0, 1]),
        authenticated_as: authenticated.then(|| "alice@example.org".to_string()),
        tls: None,
    }
}

async fn send(b: &MailBackend, env: Envelope, raw: &str) -> u16 {
    b.deliver(IncomingMessage {
        envelope: env,
        raw: raw.as_bytes().to_vec(),
    })
    .await
    .code
}

fn message(from: &str) -> String {
    format!(
        "From: Alice <{from}>\r\nTo: friend@elsewhere.test\r\nSubject: Hello\r\n\
         Date: Mon, 23 Nov 2026 10:00:00 +0000\r\nMessage-ID: <hello@test>\r\n\r\nHi there.\r\n"
    )
}

fn queue(store: &Store) -> Vec<(QueuedMessage, String)> {
    let r = store.read().unwrap();
    r.queue()
        .unwrap()
        .into_iter()
        .map(|q| {
            let raw = r.blob(&q.blob).unwrap().unwrap_or_default();
            (q, String::from_utf8_lossy(&raw).into_owned())
        })
        .collect()
}

async fn dkim_results(dir: &Path, raw: &str) -> Vec<(DkimResult, String)> {
    let auth = mailsift::auth::authenticator(&config(dir).dns).unwrap();
    let parsed = AuthenticatedMessage::parse(raw.as_bytes()).unwrap();
    auth.verify_dkim(&parsed)
        .await
        .into_iter()
        .map(|o| {
            let d = o.signature().map(|s| s.d.clone()).unwrap_or_default();
            (o.result().clone(), d)
        })
        .collect()
}

/// Submitted mail from one of our domains leaves signed, and the signature verifies (dkim=pass)
/// with the key published in DNS; mail from a foreign From domain is not signed.
#[tokio::test]
async fn submitted_mail_is_dkim_signed() {
    let dir = tempfile::tempdir().unwrap();
    let (b, store) = backend(dir.path()).await;
    let code = send(
        &b,
        envelope("alice@example.org", &["friend@elsewhere.test"], true),
        &message("alice@example.org"),
    )
    .await;
    assert_eq!(code, 250);
    let q = queue(&store);
    assert_eq!(q.len(), 1);
    let raw = &q[0].1;
    assert!(raw.starts_with("DKIM-Signature:"), "{raw}");
    assert!(raw.contains("s=mailsift"), "{raw}");
    let results = dkim_results(dir.path(), raw).await;
    assert_eq!(results, vec![(DkimResult::Pass, "example.org".to_string())]);
    // The signature covers the body: a changed body fails.
    let tampered = raw.replace("Hi there.", "Hi there!");
    let results = dkim_results(dir.path(), &tampered).await;
    assert_eq!(results.len(), 1);
    assert_ne!(results[0].0, DkimResult::Pass, "{results:?}");

    // A From domain that is not ours (or has no key) is not signed. (Alice may send as that
    // address: submission's sender rules refuse addresses an account does not own.)
    let dir2 = tempfile::tempdir().unwrap();
    let (b, store) = backend(dir2.path()).await;
    store
        .write(|tx| {
            tx.set_sending(
                "alice@example.org",
                mailsift::store::SendingSettings {
                    send_as: vec!["someone@foreign.test".into()],
                    ..Default::default()
                },
            )?;
            Ok(())
        })
        .await
        .unwrap();
    let code = send(
        &b,
        envelope("alice@example.org", &["friend@elsewhere.test"], true),
        &message("someone@foreign.test"),
    )
    .await;
    assert_eq!(code, 250);
    let q = queue(&store);
    assert_eq!(q.len(), 1);
    assert!(!q[0].1.contains("DKIM-Signature"), "{}", q[0].1);
}

/// The Ed25519 signature (RFC 8463) next to the RSA one: both verify.
#[tokio::test]
async fn rsa_and_ed25519_signatures_verify() {
    let dir = tempfile::tempdir().unwrap();
    let raw = message("alice@example.org");
    let signed = mailsift::auth::sign::sign_message(
        &[rsa_key().clone(), ed_key().clone()],
        "example.org",
        raw.into_bytes(),
    );
    let signed = String::from_utf8(signed).unwrap();
    assert_eq!(signed.matches("DKIM-Signature:").count(), 2, "{signed}");
    assert!(signed.contains("a=ed25519-sha256"), "{signed}");
    let results = dkim_results(dir.path(), &signed).await;
    assert_eq!(results.len(), 2);
    assert!(
        results.iter().all(|r| r.0 == DkimResult::Pass),
        "{results:?}"
    );
}

/// A Sieve redirect leaves with an SRS0 envelope sender at bob's domain (its From is the
/// original foreign one, so it is not signed); a bounce to that address is verified at RCPT and goes
/// back to the original sender; forged and foreign-domain SRS addresses are refused at RCPT.
#[tokio::test]
async fn redirect_uses_srs_and_bounces_come_back() {
    let dir = tempfile::tempdir().unwrap();
    let (b, store) = backend(dir.path()).await;
    let code = send(
        &b,
        envelope("sender@remote.test", &["bob@example.org"], false),
        &message("sender@remote.test"),
    )
    .await;
    assert_eq!(code, 250);
    let q = queue(&store);
    assert_eq!(
        q.len(),
        1,
        "{:?}",
        q.iter().map(|q| &q.0).collect::<Vec<_>>()
    );
    let redirect = &q[0].0;
    assert_eq!(
        redirect.recipients,
        vec!["friend@elsewhere.test".to_string()]
    );
    let srs_addr = redirect.mail_from.clone();
    assert!(srs_addr.starts_with("SRS0="), "{srs_addr}");
    assert!(
        srs_addr.ends_with("=remote.test=sender@example.org"),
        "{srs_addr}"
    );
    // Not ours: the redirected message is not signed by us (its From is foreign).
    assert!(!q[0].1.contains("DKIM-Signature"));

    // The bounce: RCPT TO the SRS address is accepted, and the DSN goes to the original sender.
    let bounce_env = envelope("", &[&srs_addr], false);
    assert_eq!(
        b.pipeline.check_rcpt(&bounce_env, &srs_addr).await,
        RcptCheck::Accept
    );
    let dsn =
        "From: MAILER-DAEMON@elsewhere.test\r\nTo: x\r\nSubject: Undelivered\r\n\r\nbounce\r\n";
    assert_eq!(send(&b, bounce_env, dsn).await, 250);
    let q = queue(&store);
    let back = q
        .iter()
        .find(|(m, _)| m.recipients == ["sender@remote.test".to_string()])
        .expect("the bounce is queued to the original sender");
    assert_eq!(back.0.mail_from, "");
    assert!(back.1.contains("Subject: Undelivered"));

    // Forged hash, another secret, an unknown domain.
    let forged = {
        let (l, d) = srs_addr.rsplit_once('@').unwrap();
        let mut chars: Vec<char> = l.chars().collect();
        // The hash compares case-insensitively: change letters, not case.
        for c in &mut chars[5..7] {
            *c = if c.eq_ignore_ascii_case(&'A') {
                'B'
            } else {
                'A'
            };
        }
        format!("{}@{d}", chars.into_iter().collect::<String>())
    };
    let other =
        Srs::new(b"not-ours", &[], 21).forward("x@remote.test", "example.org", 1_796_000_000);
    for rcpt in [
        forged.as_str(),
        other.as_str(),
        "SRS0=abcd=AA=remote.test=x@example.org",
    ] {
        match b
            .pipeline
            .check_rcpt(&envelope("", &[rcpt], false), rcpt)
            .await
        {
            RcptCheck::Refuse(r) => {
                assert_eq!((r.code, r.enhanced.as_str()), (550, "5.1.1"), "{rcpt}");
            }
            other => panic!("{rcpt}: {other:?}"),
        }
    }
    // An SRS-looking address at a domain that is not ours is not ours to verify: relay rules.
    let foreign = "SRS0=abcd=AA=remote.test=x@elsewhere.test";
    match b
        .pipeline
        .check_rcpt(&envelope("", &[foreign], false), foreign)
        .await
    {
        RcptCheck::Refuse(r) => assert_eq!(r.code, 554),
        other => panic!("{other:?}"),
    }
}

/// A redirect of mail from a local sender keeps its envelope sender (SPF passes for our own
/// domains) and is signed, as every message Sieve sends with a From of ours.
#[tokio::test]
async fn local_sender_redirect_is_signed_not_rewritten() {
    let dir = tempfile::tempdir().unwrap();
    let (b, store) = backend(dir.path()).await;
    let code = send(
        &b,
        envelope("alice@example.org", &["bob@example.org"], true),
        &message("alice@example.org"),
    )
    .await;
    assert_eq!(code, 250);
    let q = queue(&store);
    assert_eq!(q.len(), 1);
    assert_eq!(q[0].0.mail_from, "alice@example.org");
    let results = dkim_results(dir.path(), &q[0].1).await;
    assert_eq!(results, vec![(DkimResult::Pass, "example.org".to_string())]);
}

/// Inbound mail that passed our checks and that Sieve redirects leaves ARC-sealed (RFC 8617) by
/// the forwarding domain: the next hop verifies the chain (arc=pass) and reads our results
/// (SPF and DKIM pass) in the ARC-Authentication-Results; the sender's DKIM signature still
/// verifies.
#[tokio::test]
async fn forwarded_mail_is_arc_sealed() {
    let dir = tempfile::tempdir().unwrap();
    let (mut b, store) = backend(dir.path()).await;
    let mut c = config(dir.path());
    c.sender_auth.trusted_networks = Vec::new();
    b.pipeline.sender_auth = Some(Arc::new(mailsift::auth::SenderAuth::new(&c).unwrap()));
    let raw = mailsift::auth::sign::sign_message(
        &[rsa_key().clone()],
        "remote.test",
        message("sender@remote.test").into_bytes(),
    );
    let mut env = envelope("sender@remote.test", &["bob@example.org"], false);
    env.client_ip = IpAddr::from([192, 0, 2, 10]);
    let code = b.deliver(IncomingMessage { envelope: env, raw }).await.code;
    assert_eq!(code, 250);
    let q = queue(&store);
    assert_eq!(q.len(), 1);
    let (m, fwd) = &q[0];
    assert!(m.mail_from.starts_with("SRS0="), "{}", m.mail_from);
    assert!(fwd.starts_with("ARC-Seal: i=1;"), "{fwd}");
    assert!(fwd.contains("d=example.org"), "{fwd}");
    let aar = fwd
        .lines()
        .skip_while(|l| !l.starts_with("ARC-Authentication-Results:"))
        .take_while(|l| !l.starts_with("DKIM-Signature") && !l.starts_with("ARC-Seal"))
        .collect::<String>();
    assert!(
        aar.contains("spf=pass") && aar.contains("dkim=pass"),
        "{aar}"
    );
    let auth = mailsift::auth::authenticator(&config(dir.path()).dns).unwrap();
    let parsed = AuthenticatedMessage::parse(fwd.as_bytes()).unwrap();
    let arc = auth.verify_arc(&parsed).await;
    assert_eq!(arc.result(), &DkimResult::Pass, "{arc:?}");
    let dkim = dkim_results(dir.path(), fwd).await;
    assert_eq!(dkim, vec![(DkimResult::Pass, "remote.test".to_string())]);
    // A changed forwarded message breaks the seal.
    let broken = fwd.replace("Subject: Hello", "Subject: Changed");
    let parsed = AuthenticatedMessage::parse(broken.as_bytes()).unwrap();
    assert_ne!(auth.verify_arc(&parsed).await.result(), &DkimResult::Pass);
}

/// `[srs]`: with no secret configured, one is generated on first start and kept in the store
/// (addresses made before a restart still verify after it); a configured secret and its grace
/// list are used as given; `enabled = false` turns SRS off.
#[tokio::test]
async fn srs_secret_from_config_or_store() {
    use mailsift::config::SrsConfig;
    use mailsift::pipeline::outgoing::srs_from_config;
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&config(dir.path()).db_path()).unwrap();
    let now = 1_796_000_000;
    let generated = SrsConfig::default();
    let first = srs_from_config(&generated, &store).await.unwrap().unwrap();
    let addr = first.forward("a@remote.test", "example.org", now);
    let (local, _) = addr.rsplit_once('@').unwrap();
    let again = srs_from_config(&generated, &store).await.unwrap().unwrap();
    assert_eq!(again.reverse(local, now).unwrap(), "a@remote.test");

    let configured = SrsConfig {
        secret: "new".into(),
        previous_secrets: vec!["old".into()],
        ..SrsConfig::default()
    };
    let srs = srs_from_config(&configured, &store).await.unwrap().unwrap();
    assert!(
        srs.reverse(local, now).is_err(),
        "the generated secret is not configured"
    );
    let old = Srs::new(b"old", &[], 21).forward("a@remote.test", "example.org", now);
    let (old_local, _) = old.rsplit_once('@').unwrap();
    assert_eq!(srs.reverse(old_local, now).unwrap(), "a@remote.test");
    let off = SrsConfig {
        enabled: false,
        ..SrsConfig::default()
    };
    assert!(srs_from_config(&off, &store).await.unwrap().is_none());
}

/// `mailsift domain dkim --algorithm ed25519` adds a second key (own selector) next to the RSA
/// one; mail is then signed with both and both verify.
#[tokio::test]
async fn second_ed25519_key_signs_too() {
    use mailsift::admin::{AdminReply, AdminRequest, execute};
    let dir = tempfile::tempdir().unwrap();
    let (b, store) = backend(dir.path()).await;
    let reply = execute(
        &store,
        AdminRequest::DomainDkim {
            name: "example.org".into(),
            selector: "mailsift".into(),
            rotate: false,
            algorithm: "ed25519".into(),
        },
    )
    .await
    .unwrap();
    let AdminReply::Domain(info) = reply else {
        panic!("{reply:?}")
    };
    let ed = info.dkim_ed25519.expect("an Ed25519 key");
    assert_eq!(ed.algorithm, "ed25519");
    assert_eq!(ed.record_name, "mailsift-ed25519._domainkey.example.org");
    assert!(ed.record_value.starts_with("v=DKIM1; k=ed25519; p="));
    // The RSA key is untouched.
    assert_eq!(info.dkim.unwrap().public_key, rsa_key().public_key);
    dns().txt(&ed.record_name, &ed.record_value);
    let code = send(
        &b,
        envelope("alice@example.org", &["friend@elsewhere.test"], true),
        &message("alice@example.org"),
    )
    .await;
    assert_eq!(code, 250);
    let q = queue(&store);
    let raw = &q[0].1;
    assert_eq!(raw.matches("DKIM-Signature:").count(), 2, "{raw}");
    let results = dkim_results(dir.path(), raw).await;
    assert_eq!(results.len(), 2, "{results:?}");
    assert!(
        results.iter().all(|r| r.0 == DkimResult::Pass),
        "{results:?}"
    );
}

/// Over a real SMTP session on 127.0.0.1: a bounce to a forged SRS address is refused at RCPT
/// with `550 5.1.1`; one to a genuine address is accepted and queued to the original sender.
#[tokio::test]
async fn forged_srs_refused_on_the_wire() {
    use mailsift::config::{Limits, Protocol, TlsMode};
    use mailsift::smtp::session::{SessionConfig, run_session};
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

    let dir = tempfile::tempdir().unwrap();
    let (b, store) = backend(dir.path()).await;
    let backend = Arc::new(b);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let session_config = Arc::new(SessionConfig {
        hostname: "mx.example.org".into(),
        protocol: Protocol::Smtp,
        tls_mode: TlsMode::None,
        tls_acceptor: None,
        limits: Limits::default(),
        kit: Default::default(),
        spool: None,
        received_shows_client_ip: false,
    });
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
    let now = chrono::Utc::now().timestamp();
    let genuine = Srs::new(SECRET, &[], 21).forward("sender@remote.test", "example.org", now);
    let forged = Srs::new(b"guess", &[], 21).forward("victim@remote.test", "example.org", now);

    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (r, mut w) = stream.into_split();
    let mut r = BufReader::new(r);
    let mut reply = async move |cmd: &str| -> String {
        if !cmd.is_empty() {
            w.write_all(format!("{cmd}\r\n").as_bytes()).await.unwrap();
        }
        let mut line = String::new();
        loop {
            line.clear();
            r.read_line(&mut line).await.unwrap();
            if line.len() < 4 || line.as_bytes()[3] != b'-' {
                return line.trim_end().to_string();
            }
        }
    };
    assert!(reply("").await.starts_with("220"));
    assert!(reply("EHLO mx.remote.test").await.starts_with("250"));
    assert!(reply("MAIL FROM:<>").await.starts_with("250"));
    let refused = reply(&format!("RCPT TO:<{forged}>")).await;
    assert!(refused.starts_with("550 5.1.1"), "{refused}");
    let accepted = reply(&format!("RCPT TO:<{genuine}>")).await;
    assert!(accepted.starts_with("250"), "{accepted}");
    assert!(reply("DATA").await.starts_with("354"));
    let end =
        reply("From: MAILER-DAEMON@elsewhere.test\r\nSubject: Undelivered\r\n\r\nbounce\r\n.")
            .await;
    assert!(end.starts_with("250"), "{end}");
    let q = queue(&store);
    assert_eq!(q.len(), 1);
    assert_eq!(q[0].0.recipients, ["sender@remote.test".to_string()]);
    assert_eq!(q[0].0.mail_from, "");
}

/// A vacation reply (From: bob, one of ours) leaves DKIM-signed with the null sender and
/// `Auto-Submitted: auto-replied`.
#[tokio::test]
async fn vacation_reply_is_signed() {
    let dir = tempfile::tempdir().unwrap();
    let (b, store) = backend(dir.path()).await;
    let bob = store
        .read()
        .unwrap()
        .account("bob@example.org")
        .unwrap()
        .unwrap()
        .id;
    store
        .write(move |tx| {
            tx.sieve_put(
                bob,
                "away",
                "require \"vacation\";\nvacation :days 1 :subject \"Away\" \"Back on Monday.\";",
                32,
            )?;
            tx.sieve_set_active(bob, Some("away"))
        })
        .await
        .unwrap();
    let raw =
        message("sender@remote.test").replace("To: friend@elsewhere.test", "To: bob@example.org");
    let code = send(
        &b,
        envelope("sender@remote.test", &["bob@example.org"], false),
        &raw,
    )
    .await;
    assert_eq!(code, 250);
    let q = queue(&store);
    assert_eq!(q.len(), 1);
    let (m, reply) = &q[0];
    assert_eq!(
        (m.mail_from.as_str(), m.recipients.as_slice()),
        ("", &["sender@remote.test".to_string()][..])
    );
    assert!(reply.contains("Auto-Submitted: auto-replied"), "{reply}");
    let results = dkim_results(dir.path(), reply).await;
    assert_eq!(results, vec![(DkimResult::Pass, "example.org".to_string())]);
}
