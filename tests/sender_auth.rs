//! Sender authentication end to end: messages signed in the test with mail-auth, DNS answered by
//! a test server on 127.0.0.1, the server's SMTP backend with the real store, and one real SMTP
//! session over a loopback socket.

mod support;

use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;
use std::sync::{Arc, OnceLock};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use mail_auth::common::crypto::{RsaKey, Sha256};
use mail_auth::common::headers::HeaderWriter;
use mail_auth::dkim::DkimSigner;
use mailsift::auth::{SenderAuth, dkim_key};
use mailsift::config::{Config, DmarcAction};
use mailsift::smtp::backend::{Envelope, IncomingMessage, SmtpBackend};
use mailsift::smtp::delivery::MailBackend;
use mailsift::store::{DkimKey, Store};
use support::dns::DnsServer;

const HOST: &str = "mx.example.org";
const GOOD_IP: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 10);
const BAD_IP: Ipv4Addr = Ipv4Addr::new(198, 51, 100, 99);

/// One RSA key for the whole test binary (generation takes a moment).
fn signing_key() -> &'static DkimKey {
    static KEY: OnceLock<DkimKey> = OnceLock::new();
    KEY.get_or_init(|| dkim_key::generate("sel", 0).unwrap())
}

fn dkim_record() -> String {
    dkim_key::record_value(signing_key())
}

/// The zones every test sees.
fn dns() -> &'static DnsServer {
    static DNS: OnceLock<DnsServer> = OnceLock::new();
    DNS.get_or_init(|| {
        let d = DnsServer::start();
        let spf = "v=spf1 ip4:192.0.2.10 -all";
        // signed.test: DKIM key, SPF, DMARC reject.
        d.txt("signed.test", spf)
            .txt("sel._domainkey.signed.test", &dkim_record())
            .txt("_dmarc.signed.test", "v=DMARC1; p=reject");
        // lenient.test: DKIM key, DMARC p=none.
        d.txt("lenient.test", spf)
            .txt("sel._domainkey.lenient.test", &dkim_record())
            .txt("_dmarc.lenient.test", "v=DMARC1; p=none");
        // SPF variants without DMARC.
        d.txt("spf-fail.test", "v=spf1 ip4:192.0.2.10 -all");
        d.txt("spf-soft.test", "v=spf1 ip4:192.0.2.10 ~all");
        d.a("nospf.test", GOOD_IP);
        // DMARC policies, SPF only.
        d.txt("rejecting.test", spf)
            .txt("_dmarc.rejecting.test", "v=DMARC1; p=reject");
        d.txt("quarantining.test", spf)
            .txt("_dmarc.quarantining.test", "v=DMARC1; p=quarantine");
        d.txt("relaxed.test", spf)
            .txt("_dmarc.relaxed.test", "v=DMARC1; p=none");
        // For the cache test.
        d.txt("cached.test", spf)
            .txt("_dmarc.cached.test", "v=DMARC1; p=reject");
        // A forwarder that seals ARC sets.
        d.txt("sel._domainkey.forwarder.test", &dkim_record());
        // A domain whose nameserver never answers, and one that fails.
        d.blackhole("slow.test");
        d.servfail("broken.test");
        d
    })
}

fn config(dir: &Path) -> Config {
    let mut c = Config {
        hostname: HOST.into(),
        data_dir: dir.to_path_buf(),
        ..Config::default()
    };
    c.dns.nameservers = vec![dns().addr.to_string()];
    c.dns.timeout_ms = 300;
    c.dns.attempts = 1;
    // The tests connect from 127.0.0.1 and pose as remote servers.
    c.sender_auth.trusted_networks = Vec::new();
    c
}

async fn backend(dir: &Path, tune: impl FnOnce(&mut Config)) -> (MailBackend, Store) {
    let mut c = config(dir);
    tune(&mut c);
    let store = Store::open(&c.db_path()).unwrap();
    store
        .write(|tx| {
            tx.add_domain("example.org")?;
            tx.add_account("bob@example.org")?;
            tx.add_domain("example.net")?;
            tx.add_account("carol@example.net")?;
            Ok(())
        })
        .await
        .unwrap();
    let mut backend = MailBackend::new(store.clone());
    backend.pipeline.sender_auth = Some(Arc::new(SenderAuth::new(&c).unwrap()));
    (backend, store)
}

fn message(from: &str, subject: &str) -> String {
    format!(
        "From: Alice <{from}>\r\nTo: bob@example.org\r\nSubject: {subject}\r\n\
         Date: Mon, 23 Nov 2026 10:00:00 +0000\r\nMessage-ID: <{subject}@test>\r\n\r\n\
         Hello Bob,\r\nthis is a test.\r\n"
    )
}

fn sign(raw: &str, domain: &str, selector: &str) -> String {
    let der = STANDARD.decode(&signing_key().private_key).unwrap();
    let key =
        RsaKey::<Sha256>::from_key_der(rustls_pki_types::PrivateKeyDer::Pkcs1(der.into())).unwrap();
    let sig = DkimSigner::from_key(key)
        .domain(domain)
        .selector(selector)
        .headers(["From", "To", "Subject", "Date", "Message-ID"])
        .sign(raw.as_bytes())
        .unwrap();
    format!("{}{raw}", sig.to_header())
}

struct Sent {
    code: u16,
    text: String,
}

async fn send(
    backend: &MailBackend,
    ip: Ipv4Addr,
    mail_from: &str,
    rcpts: &[&str],
    raw: &str,
) -> Sent {
    let reply = backend
        .deliver(IncomingMessage {
            envelope: Envelope {
                queue_id: "Q1".into(),
                mail_from: mail_from.into(),
                recipients: rcpts.iter().map(|r| r.to_string()).collect(),
                helo: "client.test".into(),
                client_ip: IpAddr::V4(ip),
                authenticated_as: None,
                tls: None,
            },
            raw: raw.as_bytes().to_vec(),
        })
        .await;
    Sent {
        code: reply.code,
        text: format!("{} {}", reply.enhanced, reply.text),
    }
}

/// (folder, flags, message) of every stored copy for `address`.
fn stored(store: &Store, address: &str) -> Vec<(String, Vec<String>, String)> {
    let r = store.read().unwrap();
    let account = r.account(address).unwrap().unwrap();
    let mut out = Vec::new();
    for mailbox in r.mailboxes(account.id).unwrap() {
        for m in r.messages(mailbox.id).unwrap() {
            let raw = r.blob(&m.blob).unwrap().unwrap();
            out.push((
                mailbox.name.clone(),
                m.flags.clone(),
                String::from_utf8(raw).unwrap(),
            ));
        }
    }
    out
}

/// The value of our Authentication-Results field (unfolded).
fn auth_results(raw: &str) -> Vec<String> {
    let parsed = mail_parser::MessageParser::default()
        .parse(raw.as_bytes())
        .unwrap();
    parsed
        .headers()
        .iter()
        .filter(|h| h.name().eq_ignore_ascii_case("Authentication-Results"))
        .map(|h| {
            let v = &raw.as_bytes()[h.offset_start() as usize..h.offset_end() as usize];
            String::from_utf8_lossy(v)
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

fn ours(raw: &str) -> String {
    let ar = auth_results(raw);
    let mine: Vec<_> = ar.iter().filter(|v| v.starts_with(HOST)).collect();
    assert_eq!(
        mine.len(),
        1,
        "exactly one Authentication-Results of ours in {ar:?}"
    );
    mine[0].clone()
}

fn only_inbox(store: &Store, address: &str) -> String {
    let s = stored(store, address);
    assert_eq!(
        s.len(),
        1,
        "one stored copy, got {:?}",
        s.iter().map(|x| &x.0).collect::<Vec<_>>()
    );
    assert_eq!(s[0].0, "INBOX");
    s[0].2.clone()
}

#[tokio::test]
async fn dkim_pass_aligned_gives_dmarc_pass() {
    let dir = tempfile::tempdir().unwrap();
    let (b, store) = backend(dir.path(), |_| {}).await;
    // MAIL FROM elsewhere (SPF none): DMARC can pass only through the aligned DKIM signature.
    let raw = sign(
        &message("alice@signed.test", "dkim-pass"),
        "signed.test",
        "sel",
    );
    let sent = send(&b, BAD_IP, "bounces@nospf.test", &["bob@example.org"], &raw).await;
    assert_eq!(sent.code, 250, "{}", sent.text);
    let ar = ours(&only_inbox(&store, "bob@example.org"));
    assert!(
        ar.contains("dkim=pass header.d=signed.test header.s=sel"),
        "{ar}"
    );
    assert!(ar.contains("spf=none"), "{ar}");
    assert!(ar.contains("dmarc=pass header.from=signed.test"), "{ar}");
}

#[tokio::test]
async fn dkim_body_tampered_fails() {
    let dir = tempfile::tempdir().unwrap();
    let (b, store) = backend(dir.path(), |_| {}).await;
    let raw = sign(
        &message("alice@lenient.test", "tampered"),
        "lenient.test",
        "sel",
    )
    .replace("this is a test.", "this is a forgery.");
    let sent = send(&b, BAD_IP, "alice@lenient.test", &["bob@example.org"], &raw).await;
    // p=none: delivered, but annotated as failing.
    assert_eq!(sent.code, 250, "{}", sent.text);
    let ar = ours(&only_inbox(&store, "bob@example.org"));
    assert!(
        ar.contains("dkim=fail (body hash did not verify) header.d=lenient.test"),
        "{ar}"
    );
    assert!(ar.contains("spf=fail"), "{ar}");
    assert!(
        ar.contains("dmarc=fail (policy not aligned) header.from=lenient.test policy.dmarc=none"),
        "{ar}"
    );
}

#[tokio::test]
async fn dkim_missing_key() {
    let dir = tempfile::tempdir().unwrap();
    let (b, store) = backend(dir.path(), |_| {}).await;
    let raw = sign(
        &message("alice@lenient.test", "nokey"),
        "lenient.test",
        "gone",
    );
    let sent = send(
        &b,
        GOOD_IP,
        "alice@lenient.test",
        &["bob@example.org"],
        &raw,
    )
    .await;
    assert_eq!(sent.code, 250, "{}", sent.text);
    let ar = ours(&only_inbox(&store, "bob@example.org"));
    // RFC 6376 §6.1.2: no key record is a permanent failure of that signature.
    assert!(
        ar.contains("dkim=permerror") && ar.contains("header.s=gone"),
        "{ar}"
    );
    // SPF still passes and aligns, so DMARC passes.
    assert!(ar.contains("spf=pass") && ar.contains("dmarc=pass"), "{ar}");
}

#[tokio::test]
async fn spf_pass_fail_softfail_none() {
    let dir = tempfile::tempdir().unwrap();
    let (b, store) = backend(dir.path(), |_| {}).await;
    let cases = [
        (GOOD_IP, "a@spf-fail.test", "spf=pass"),
        (BAD_IP, "a@spf-fail.test", "spf=fail"),
        (BAD_IP, "a@spf-soft.test", "spf=softfail"),
        (BAD_IP, "a@nospf.test", "spf=none"),
    ];
    for (i, (ip, from, expect)) in cases.iter().enumerate() {
        let raw = message(from, &format!("spf{i}"));
        let sent = send(&b, *ip, from, &["bob@example.org"], &raw).await;
        // No DMARC record: SPF results annotate, they do not refuse.
        assert_eq!(sent.code, 250, "{from}: {}", sent.text);
        let all = stored(&store, "bob@example.org");
        let ar = ours(&all.last().unwrap().2);
        assert!(ar.contains(expect), "{from} from {ip}: {ar}");
        assert!(ar.contains(&format!("smtp.mailfrom={from}")), "{ar}");
    }
}

#[tokio::test]
async fn null_sender_checks_helo() {
    let dir = tempfile::tempdir().unwrap();
    let (b, store) = backend(dir.path(), |_| {}).await;
    let reply = b
        .deliver(IncomingMessage {
            envelope: Envelope {
                queue_id: "Q2".into(),
                mail_from: String::new(),
                recipients: vec!["bob@example.org".into()],
                helo: "spf-fail.test".into(),
                client_ip: IpAddr::V4(BAD_IP),
                authenticated_as: None,
                tls: None,
            },
            raw: message("mailer-daemon@spf-fail.test", "bounce").into_bytes(),
        })
        .await;
    assert_eq!(reply.code, 250);
    let ar = ours(&only_inbox(&store, "bob@example.org"));
    assert!(
        ar.contains("spf=fail") && ar.contains("smtp.helo=spf-fail.test"),
        "{ar}"
    );
}

#[tokio::test]
async fn dmarc_pass_by_spf_alignment() {
    let dir = tempfile::tempdir().unwrap();
    let (b, store) = backend(dir.path(), |_| {}).await;
    let raw = message("news@rejecting.test", "spf-aligned");
    let sent = send(
        &b,
        GOOD_IP,
        "bounce@rejecting.test",
        &["bob@example.org"],
        &raw,
    )
    .await;
    assert_eq!(sent.code, 250, "{}", sent.text);
    let ar = ours(&only_inbox(&store, "bob@example.org"));
    assert!(ar.contains("spf=pass") && ar.contains("dkim=none"), "{ar}");
    assert!(
        ar.contains("dmarc=pass header.from=rejecting.test policy.dmarc=reject"),
        "{ar}"
    );
}

#[tokio::test]
async fn dmarc_reject_is_refused_with_550() {
    let dir = tempfile::tempdir().unwrap();
    let (b, store) = backend(dir.path(), |_| {}).await;
    let raw = message("ceo@rejecting.test", "forged");
    let sent = send(&b, BAD_IP, "ceo@rejecting.test", &["bob@example.org"], &raw).await;
    assert_eq!(sent.code, 550, "{}", sent.text);
    assert!(sent.text.starts_with("5.7.1"), "{}", sent.text);
    assert!(
        sent.text.contains("rejecting.test") && sent.text.contains("DMARC"),
        "{}",
        sent.text
    );
    assert!(stored(&store, "bob@example.org").is_empty());
}

#[tokio::test]
async fn dmarc_quarantine_goes_to_junk() {
    let dir = tempfile::tempdir().unwrap();
    let (b, store) = backend(dir.path(), |_| {}).await;
    let raw = message("shop@quarantining.test", "quarantined");
    let sent = send(
        &b,
        BAD_IP,
        "shop@quarantining.test",
        &["bob@example.org"],
        &raw,
    )
    .await;
    assert_eq!(sent.code, 250, "{}", sent.text);
    let s = stored(&store, "bob@example.org");
    assert_eq!(s.len(), 1);
    assert_eq!(s[0].0, "Junk");
    assert!(s[0].1.iter().any(|f| f == "$Junk"), "{:?}", s[0].1);
    let ar = ours(&s[0].2);
    assert!(
        ar.contains(
            "dmarc=fail (policy not aligned) header.from=quarantining.test policy.dmarc=quarantine"
        ),
        "{ar}"
    );
}

#[tokio::test]
async fn dmarc_none_is_delivered_and_annotated() {
    let dir = tempfile::tempdir().unwrap();
    let (b, store) = backend(dir.path(), |_| {}).await;
    let raw = message("someone@relaxed.test", "p-none");
    let sent = send(
        &b,
        BAD_IP,
        "someone@relaxed.test",
        &["bob@example.org"],
        &raw,
    )
    .await;
    assert_eq!(sent.code, 250, "{}", sent.text);
    let ar = ours(&only_inbox(&store, "bob@example.org"));
    assert!(
        ar.contains("dmarc=fail (policy not aligned) header.from=relaxed.test policy.dmarc=none"),
        "{ar}"
    );
}

#[tokio::test]
async fn per_domain_policy_overrides_the_default() {
    let dir = tempfile::tempdir().unwrap();
    let (b, store) = backend(dir.path(), |_| {}).await;
    // example.net quarantines what the server would reject.
    store
        .write(|tx| {
            let mut d = tx.domain("example.net")?.unwrap();
            d.dmarc_reject = Some(DmarcAction::Quarantine);
            tx.update_domain(&d)
        })
        .await
        .unwrap();
    let raw = message("ceo@rejecting.test", "two-domains");
    let sent = send(
        &b,
        BAD_IP,
        "ceo@rejecting.test",
        &["bob@example.org", "carol@example.net"],
        &raw,
    )
    .await;
    // bob's domain rejects, carol's quarantines: one DATA reply, so carol gets it in Junk.
    assert_eq!(sent.code, 250, "{}", sent.text);
    assert!(stored(&store, "bob@example.org").is_empty());
    let carol = stored(&store, "carol@example.net");
    assert_eq!(carol.len(), 1);
    assert_eq!(carol[0].0, "Junk");

    // A server default of "annotate" delivers to INBOX.
    let dir2 = tempfile::tempdir().unwrap();
    let (b2, store2) = backend(dir2.path(), |c| {
        c.sender_auth.dmarc_reject = DmarcAction::Annotate
    })
    .await;
    let sent = send(
        &b2,
        BAD_IP,
        "ceo@rejecting.test",
        &["bob@example.org"],
        &raw,
    )
    .await;
    assert_eq!(sent.code, 250, "{}", sent.text);
    only_inbox(&store2, "bob@example.org");
}

#[tokio::test]
async fn forged_authentication_results_are_removed() {
    let dir = tempfile::tempdir().unwrap();
    let (b, store) = backend(dir.path(), |_| {}).await;
    let raw = format!(
        "Authentication-Results: {HOST}; dkim=pass header.d=bank.test; dmarc=pass\r\n\
         Authentication-Results: relay.other.test; spf=pass smtp.mailfrom=x@other.test\r\n{}",
        message("a@nospf.test", "forged-ar")
    );
    let sent = send(&b, BAD_IP, "a@nospf.test", &["bob@example.org"], &raw).await;
    assert_eq!(sent.code, 250, "{}", sent.text);
    let stored = only_inbox(&store, "bob@example.org");
    let ar = auth_results(&stored);
    assert_eq!(ar.len(), 2, "{ar:?}");
    let mine = ours(&stored);
    assert!(
        !mine.contains("bank.test"),
        "the forged field is gone: {mine}"
    );
    assert!(mine.contains("spf=none"), "{mine}");
    assert!(
        ar.iter().any(|v| v.starts_with("relay.other.test")),
        "others' fields stay"
    );
}

#[tokio::test]
async fn dns_timeout_is_a_tempfail_not_a_pass() {
    let dir = tempfile::tempdir().unwrap();
    let (b, store) = backend(dir.path(), |_| {}).await;
    for domain in ["slow.test", "broken.test"] {
        let raw = message(&format!("a@{domain}"), domain);
        let sent = send(
            &b,
            GOOD_IP,
            &format!("a@{domain}"),
            &["bob@example.org"],
            &raw,
        )
        .await;
        assert_eq!(sent.code, 451, "{domain}: {}", sent.text);
        assert!(sent.text.starts_with("4.4.3"), "{}", sent.text);
    }
    assert!(stored(&store, "bob@example.org").is_empty());
}

#[tokio::test]
async fn authenticated_and_trusted_clients_are_not_checked() {
    let dir = tempfile::tempdir().unwrap();
    // The default trusted networks (loopback) are kept here.
    let (b, store) = backend(dir.path(), |c| {
        c.sender_auth.trusted_networks = vec!["192.0.2.0/24".parse().unwrap()]
    })
    .await;
    let raw = message("ceo@rejecting.test", "trusted");
    // From a trusted network: would fail DMARC p=reject, but is not checked.
    let sent = send(&b, GOOD_IP, "ceo@slow.test", &["bob@example.org"], &raw).await;
    assert_eq!(sent.code, 250, "{}", sent.text);
    let stored = only_inbox(&store, "bob@example.org");
    assert!(
        auth_results(&stored).is_empty(),
        "no Authentication-Results when unchecked"
    );
    // An authenticated sender, from anywhere, likewise (allowed to send as that address:
    // submission's sender rules refuse addresses the account does not own).
    store
        .write(|tx| {
            tx.set_sending(
                "bob@example.org",
                mailsift::store::SendingSettings {
                    send_as: vec!["ceo@rejecting.test".into()],
                    ..Default::default()
                },
            )?;
            Ok(())
        })
        .await
        .unwrap();
    let reply = b
        .deliver(IncomingMessage {
            envelope: Envelope {
                queue_id: "Q3".into(),
                mail_from: "ceo@rejecting.test".into(),
                recipients: vec!["bob@example.org".into()],
                helo: "laptop".into(),
                client_ip: IpAddr::V4(BAD_IP),
                authenticated_as: Some("bob@example.org".into()),
                tls: None,
            },
            raw: message("ceo@rejecting.test", "authenticated").into_bytes(),
        })
        .await;
    assert_eq!(reply.code, 250);
}

/// Answers are cached for their TTL: once looked up, a domain keeps passing while its
/// nameserver is unreachable.
#[tokio::test]
async fn answers_are_cached() {
    let dir = tempfile::tempdir().unwrap();
    let (b, store) = backend(dir.path(), |_| {}).await;
    let raw = message("a@cached.test", "first");
    let sent = send(&b, GOOD_IP, "a@cached.test", &["bob@example.org"], &raw).await;
    assert_eq!(sent.code, 250, "{}", sent.text);
    dns().blackhole("cached.test");
    let raw = message("a@cached.test", "second");
    let sent = send(&b, GOOD_IP, "a@cached.test", &["bob@example.org"], &raw).await;
    // A lookup that reached the (now silent) nameserver would have made this a 451.
    assert_eq!(sent.code, 250, "{}", sent.text);
    let all = stored(&store, "bob@example.org");
    assert!(ours(&all[1].2).contains("dmarc=pass"));
}

/// A forwarder's ARC set (RFC 8617), sealed in the test with mail-auth, is verified.
#[tokio::test]
async fn arc_chain_is_verified() {
    use mail_auth::arc::ArcSealer;
    use mail_auth::{AuthenticatedMessage, AuthenticationResults};

    let dir = tempfile::tempdir().unwrap();
    let (b, store) = backend(dir.path(), |_| {}).await;
    let original = sign(
        &message("alice@lenient.test", "forwarded"),
        "lenient.test",
        "sel",
    );
    let resolver = mailsift::auth::authenticator(&config(dir.path()).dns).unwrap();
    let parsed = AuthenticatedMessage::parse(original.as_bytes()).unwrap();
    let dkim = resolver.verify_dkim(&parsed).await;
    let arc = resolver.verify_arc(&parsed).await;
    let results =
        AuthenticationResults::new("forwarder.test").with_dkim_results(&dkim, "lenient.test");
    let der = STANDARD.decode(&signing_key().private_key).unwrap();
    let key =
        RsaKey::<Sha256>::from_key_der(rustls_pki_types::PrivateKeyDer::Pkcs1(der.into())).unwrap();
    let set = ArcSealer::from_key(key)
        .domain("forwarder.test")
        .selector("sel")
        .headers(["From", "To", "Subject", "DKIM-Signature"])
        .seal(&parsed, &results, &arc)
        .unwrap();
    let sealed = format!("{}{}", set.to_header(), original);
    let sent = send(
        &b,
        BAD_IP,
        "list@forwarder.test",
        &["bob@example.org"],
        &sealed,
    )
    .await;
    assert_eq!(sent.code, 250, "{}", sent.text);
    let ar = ours(&only_inbox(&store, "bob@example.org"));
    assert!(ar.contains("arc=pass"), "{ar}");

    // The forwarder's seal no longer matches a modified message.
    let broken = sealed.replace("Subject: forwarded", "Subject: changed");
    let sent = send(
        &b,
        BAD_IP,
        "list@forwarder.test",
        &["bob@example.org"],
        &broken,
    )
    .await;
    assert_eq!(sent.code, 250, "{}", sent.text);
    let all = stored(&store, "bob@example.org");
    let ar = ours(
        &all.iter()
            .find(|m| m.2.contains("Subject: changed"))
            .unwrap()
            .2,
    );
    assert!(
        ar.contains("arc=fail") || ar.contains("arc=neutral"),
        "{ar}"
    );
    assert!(!ar.contains("arc=pass"), "{ar}");
}

/// One full SMTP session over a loopback socket: the verdict reaches the wire.
#[tokio::test]
async fn smtp_session_replies_with_the_verdict() {
    use mailsift::config::{Limits, Protocol, TlsMode};
    use mailsift::smtp::session::{SessionConfig, run_session};
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

    let dir = tempfile::tempdir().unwrap();
    let (b, store) = backend(dir.path(), |_| {}).await;
    let backend = Arc::new(b);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let session_config = Arc::new(SessionConfig {
        hostname: HOST.into(),
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

    async fn transaction(addr: std::net::SocketAddr, from: &str, body: &str) -> String {
        let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        let (r, mut w) = stream.into_split();
        let mut r = BufReader::new(r);
        let mut line = String::new();
        let mut reply = async |r: &mut BufReader<_>| -> String {
            loop {
                line.clear();
                r.read_line(&mut line).await.unwrap();
                if line.len() < 4 || line.as_bytes()[3] != b'-' {
                    return line.trim_end().to_string();
                }
            }
        };
        reply(&mut r).await;
        for cmd in [
            "EHLO client.test".to_string(),
            format!("MAIL FROM:<{from}>"),
            "RCPT TO:<bob@example.org>".into(),
            "DATA".into(),
        ] {
            w.write_all(format!("{cmd}\r\n").as_bytes()).await.unwrap();
            reply(&mut r).await;
        }
        w.write_all(format!("{body}.\r\n").as_bytes())
            .await
            .unwrap();
        let end = reply(&mut r).await;
        w.write_all(b"QUIT\r\n").await.unwrap();
        end
    }

    // The client is 127.0.0.1, which no test zone authorises: SPF fails.
    let end = transaction(
        addr,
        "ceo@rejecting.test",
        &message("ceo@rejecting.test", "wire-reject"),
    )
    .await;
    assert!(end.starts_with("550 5.7.1"), "{end}");
    let end = transaction(addr, "a@slow.test", &message("a@slow.test", "wire-timeout")).await;
    assert!(end.starts_with("451 4.4.3"), "{end}");
    let signed = sign(
        &message("alice@signed.test", "wire-pass"),
        "signed.test",
        "sel",
    );
    let end = transaction(addr, "alice@signed.test", &signed).await;
    assert!(end.starts_with("250"), "{end}");
    let ar = ours(&only_inbox(&store, "bob@example.org"));
    assert!(
        ar.contains("dkim=pass") && ar.contains("spf=fail") && ar.contains("dmarc=pass"),
        "{ar}"
    );
}

/// Checks one message from `from` (MAIL FROM and From:) against `sa`; returns the DNS queries
/// the check sent to `dns`.
async fn queries_of_check(sa: &SenderAuth, dns: &DnsServer, from: &str) -> Vec<String> {
    let before = dns.queries().len();
    let raw = message(from, "cache");
    let report = sa
        .check(&mailsift::auth::Inbound {
            client_ip: IpAddr::V4(GOOD_IP),
            helo: "client.test",
            mail_from: from,
            raw: raw.as_bytes(),
        })
        .await;
    assert!(report.temp_error().is_none(), "{}", report.header);
    dns.queries()[before..].to_vec()
}

/// A sender auth of its own against a DNS server of its own (counting its queries).
fn own_resolver(dns: &DnsServer) -> SenderAuth {
    let dir = tempfile::tempdir().unwrap();
    let mut c = config(dir.path());
    c.dns.nameservers = vec![dns.addr.to_string()];
    SenderAuth::new(&c).unwrap()
}

/// RFC 2308 §5: NXDOMAIN and NODATA are cached for their SOA's TTL, so a busy server asks
/// nothing for a sender that publishes no SPF and no DMARC; once the TTL ran out it asks again.
#[tokio::test]
async fn negative_answers_are_cached_for_their_ttl() {
    let dns = DnsServer::start();
    dns.a("bare.test", GOOD_IP).negative_ttl(Some(3));
    let sa = own_resolver(&dns);
    let first = queries_of_check(&sa, &dns, "a@bare.test").await;
    // SPF (NODATA), DMARC's tree walk (RFC 9989 §4.10: _dmarc.bare.test NXDOMAIN, _dmarc.test).
    for q in ["bare.test TXT", "_dmarc.bare.test TXT", "_dmarc.test TXT"] {
        assert!(first.iter().any(|x| x == q), "{q} not in {first:?}");
    }
    let second = queries_of_check(&sa, &dns, "a@bare.test").await;
    assert!(second.is_empty(), "the second message asked {second:?}");
    tokio::time::sleep(std::time::Duration::from_millis(3300)).await;
    let third = queries_of_check(&sa, &dns, "a@bare.test").await;
    assert_eq!(first, third, "after the TTL the names are asked again");
}

/// Positive answers too: a sender with SPF and DMARC costs no query once warm (the DMARC tree
/// walk's negative `_dmarc.test` included).
#[tokio::test]
async fn a_warm_sender_with_spf_and_dmarc_costs_no_query() {
    let dns = DnsServer::start();
    dns.txt("pub.test", "v=spf1 ip4:192.0.2.10 -all")
        .txt("_dmarc.pub.test", "v=DMARC1; p=reject");
    let sa = own_resolver(&dns);
    let first = queries_of_check(&sa, &dns, "a@pub.test").await;
    assert!(first.len() >= 3, "{first:?}");
    let second = queries_of_check(&sa, &dns, "a@pub.test").await;
    assert!(second.is_empty(), "the second message asked {second:?}");
}

/// A negative answer without an SOA (a broken server; RFC 2308 §5: should not be cached) is
/// kept for the resolver's short floor (2 s, `auth/resolver.rs`), not asked for every message.
#[tokio::test]
async fn negative_answers_without_soa_are_kept_briefly() {
    let dns = DnsServer::start();
    dns.negative_ttl(None);
    let sa = own_resolver(&dns);
    let first = queries_of_check(&sa, &dns, "a@nosoa.test").await;
    assert!(first.iter().any(|q| q == "nosoa.test TXT"), "{first:?}");
    let second = queries_of_check(&sa, &dns, "a@nosoa.test").await;
    assert!(second.is_empty(), "the second message asked {second:?}");
    tokio::time::sleep(std::time::Duration::from_millis(2300)).await;
    let third = queries_of_check(&sa, &dns, "a@nosoa.test").await;
    assert_eq!(first, third);
}
