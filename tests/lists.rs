//! Allow and block lists with the real `lists` plugin (plugins/lists) and a stand-in classifier
//! (plugins/testing/junk-all, which applies the same allow rule as the spam plugin), through the
//! SMTP backend with the real store, sender authentication against a test DNS server on
//! 127.0.0.1, and the `mailsift list` CLI.

mod support;

use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use mail_auth::common::crypto::{RsaKey, Sha256};
use mail_auth::common::headers::HeaderWriter;
use mail_auth::dkim::DkimSigner;
use mailsift::auth::{SenderAuth, dkim_key};
use mailsift::config::Config;
use mailsift::plugins::{PluginHost, StoreKv};
use mailsift::smtp::backend::{Envelope, IncomingMessage, RcptDecision, SmtpBackend};
use mailsift::smtp::delivery::MailBackend;
use mailsift::store::{DkimKey, ListKind, ListScope, Store};
use support::cli::mailsift;
use support::dns::DnsServer;

const GOOD_IP: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 10);
const BAD_IP: Ipv4Addr = Ipv4Addr::new(198, 51, 100, 99);

fn dist(var: &str, sub: &str) -> PathBuf {
    match std::env::var_os(var) {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("plugins/dist")
            .join(sub),
    }
}

/// A built component, or a failure that says how to build it (never a silent skip).
fn component(dir: PathBuf, name: &str) -> PathBuf {
    let path = dir.join(format!("{name}.wasm"));
    assert!(
        path.is_file(),
        "plugin {} is missing: build the plugins with `scripts/build-plugins.sh plugins/dist`",
        path.display()
    );
    path
}

fn key() -> &'static DkimKey {
    static KEY: OnceLock<DkimKey> = OnceLock::new();
    KEY.get_or_init(|| dkim_key::generate("sel", 0).unwrap())
}

fn dns() -> &'static DnsServer {
    static DNS: OnceLock<DnsServer> = OnceLock::new();
    DNS.get_or_init(|| {
        let d = DnsServer::start();
        d.txt("friend.test", "v=spf1 ip4:192.0.2.10 -all")
            .txt("sel._domainkey.friend.test", &dkim_key::record_value(key()))
            .txt("_dmarc.friend.test", "v=DMARC1; p=none");
        d.txt("bad.test", "v=spf1 ip4:192.0.2.10 -all");
        d.txt("mail.bad.test", "v=spf1 ip4:192.0.2.10 -all");
        d
    })
}

async fn backend(dir: &Path) -> (MailBackend, Store, Config) {
    let mut c = Config {
        hostname: "mx.example.org".into(),
        data_dir: dir.to_path_buf(),
        ..Config::default()
    };
    c.dns.nameservers = vec![dns().addr.to_string()];
    c.dns.timeout_ms = 300;
    c.dns.attempts = 1;
    c.sender_auth.trusted_networks = Vec::new();
    std::fs::create_dir_all(c.plugin_dir()).unwrap();
    for (src, name) in [
        (
            component(dist("MAILSIFT_BUNDLED_PLUGINS", ""), "lists"),
            "lists",
        ),
        (
            component(dist("MAILSIFT_TEST_PLUGINS", "testing"), "junk-all"),
            "junk-all",
        ),
    ] {
        std::fs::copy(src, c.plugin_dir().join(format!("{name}.wasm"))).unwrap();
    }
    let store = Store::open(&c.db_path()).unwrap();
    store
        .write(|tx| {
            tx.add_domain("example.org")?;
            tx.add_account("bob@example.org")?;
            tx.add_account("carol@example.org")?;
            tx.add_domain("example.net")?;
            tx.add_account("dave@example.net")?;
            Ok(())
        })
        .await
        .unwrap();
    let host = PluginHost::new(&c, Arc::new(StoreKv(store.clone()))).unwrap();
    host.load_all();
    let mut backend = MailBackend::with_plugins(store.clone(), Some(Arc::new(host)));
    backend.pipeline.sender_auth = Some(Arc::new(SenderAuth::new(&c).unwrap()));
    (backend, store, c)
}

async fn add(store: &Store, scope: ListScope, kind: ListKind, entry: &str) {
    let entry = entry.to_string();
    store
        .write(move |tx| tx.list_add(&scope, kind, &entry).map(|_| ()))
        .await
        .unwrap();
}

fn envelope(mail_from: &str, ip: Ipv4Addr) -> Envelope {
    Envelope {
        queue_id: "L1".into(),
        mail_from: mail_from.into(),
        recipients: Vec::new(),
        helo: "client.test".into(),
        client_ip: IpAddr::V4(ip),
        authenticated_as: None,
        tls: None,
    }
}

async fn rcpt(b: &MailBackend, mail_from: &str, recipient: &str) -> RcptDecision {
    b.check_recipient(&envelope(mail_from, GOOD_IP), recipient)
        .await
}

fn refused(d: &RcptDecision) -> Option<String> {
    match d {
        RcptDecision::Refuse(r) => Some(format!("{} {} {}", r.code, r.enhanced, r.text)),
        _ => None,
    }
}

#[tokio::test]
async fn block_by_address_and_domain_per_account_and_per_domain() {
    let dir = tempfile::tempdir().unwrap();
    let (b, store, _) = backend(dir.path()).await;
    add(
        &store,
        ListScope::Account("bob@example.org".into()),
        ListKind::Block,
        "spammer@bad.test",
    )
    .await;
    add(
        &store,
        ListScope::Account("carol@example.org".into()),
        ListKind::Block,
        "bad.test",
    )
    .await;
    add(
        &store,
        ListScope::Domain("example.net".into()),
        ListKind::Block,
        "*.bad.test",
    )
    .await;

    // An address on bob's list: refused for bob (and bob+tag), not for carol… who blocks the
    // whole domain; dave's domain blocks the domain and its subdomains.
    let r = rcpt(&b, "spammer@bad.test", "bob@example.org").await;
    assert_eq!(
        refused(&r).as_deref(),
        Some("550 5.7.1 Sender refused by the recipient's block list")
    );
    assert!(refused(&rcpt(&b, "spammer@bad.test", "bob+news@example.org").await).is_some());
    assert!(refused(&rcpt(&b, "other@bad.test", "bob@example.org").await).is_none());
    assert!(refused(&rcpt(&b, "other@bad.test", "carol@example.org").await).is_some());
    assert!(refused(&rcpt(&b, "x@mail.bad.test", "carol@example.org").await).is_none());
    assert!(refused(&rcpt(&b, "x@mail.bad.test", "dave@example.net").await).is_some());
    assert!(refused(&rcpt(&b, "x@bad.test", "dave@example.net").await).is_some());
    assert!(refused(&rcpt(&b, "x@good.test", "dave@example.net").await).is_none());

    // At DATA, a From header on the block list drops that recipient (the bounce case: <>).
    let raw = "From: spammer@bad.test\r\nTo: bob@example.org\r\nSubject: hi\r\n\r\nbody\r\n";
    let mut env = envelope("", GOOD_IP);
    env.helo = "bad.test".into();
    env.recipients = vec!["bob@example.org".into(), "carol@example.org".into()];
    let reply = b
        .deliver(IncomingMessage {
            envelope: env,
            raw: raw.as_bytes().to_vec(),
        })
        .await;
    // Both block it (bob by address, carol by domain): refused.
    assert_eq!(reply.code, 550, "{}", reply.text);
    assert_eq!(reply.enhanced, "5.7.1");
}

/// The lists plugin's lookups and the recipient resolution are served from the directory
/// cache: each change of a list, an account or a domain must be seen by the very next RCPT,
/// and one account's cached list never answers for another.
#[tokio::test]
async fn list_and_directory_changes_are_seen_by_the_next_rcpt() {
    let dir = tempfile::tempdir().unwrap();
    let (b, store, _) = backend(dir.path()).await;
    let from = "spammer@bad.test";
    for _ in 0..3 {
        assert!(refused(&rcpt(&b, from, "bob@example.org").await).is_none());
        assert!(refused(&rcpt(&b, from, "carol@example.org").await).is_none());
    }
    let bob = ListScope::Account("bob@example.org".into());
    add(&store, bob.clone(), ListKind::Block, from).await;
    assert!(refused(&rcpt(&b, from, "bob@example.org").await).is_some());
    // Carol's lookups were cached too: bob's entry must not answer for her.
    for _ in 0..2 {
        assert!(refused(&rcpt(&b, from, "carol@example.org").await).is_none());
    }
    store
        .write(move |tx| tx.list_remove(&bob, from).map(|_| ()))
        .await
        .unwrap();
    assert!(refused(&rcpt(&b, from, "bob@example.org").await).is_none());
    // A domain-wide entry, then the domain's account list changes.
    add(
        &store,
        ListScope::Domain("example.org".into()),
        ListKind::Block,
        "bad.test",
    )
    .await;
    assert!(refused(&rcpt(&b, from, "carol@example.org").await).is_some());
    assert!(refused(&rcpt(&b, from, "dave@example.net").await).is_none());
    let unknown = rcpt(&b, "x@good.test", "erin@example.org").await;
    assert!(refused(&unknown).is_some(), "no such user yet");
    store
        .write(|tx| tx.add_account("erin@example.org").map(|_| ()))
        .await
        .unwrap();
    assert!(refused(&rcpt(&b, "x@good.test", "erin@example.org").await).is_none());
    assert!(refused(&rcpt(&b, from, "erin@example.org").await).is_some());
    store
        .write(|tx| tx.remove_account("erin@example.org"))
        .await
        .unwrap();
    assert!(refused(&rcpt(&b, "x@good.test", "erin@example.org").await).is_some());
}

fn signed(from: &str) -> String {
    let raw = format!(
        "From: Alice <{from}>\r\nTo: bob@example.org\r\nSubject: lunch\r\n\
         Date: Mon, 23 Nov 2026 10:00:00 +0000\r\nMessage-ID: <lunch@friend.test>\r\n\r\n\
         See you at noon.\r\n"
    );
    let der = STANDARD.decode(&key().private_key).unwrap();
    let k =
        RsaKey::<Sha256>::from_key_der(rustls_pki_types::PrivateKeyDer::Pkcs1(der.into())).unwrap();
    let sig = DkimSigner::from_key(k)
        .domain("friend.test")
        .selector("sel")
        .headers(["From", "To", "Subject", "Date", "Message-ID"])
        .sign(raw.as_bytes())
        .unwrap();
    format!("{}{raw}", sig.to_header())
}

fn folders(store: &Store, address: &str) -> Vec<(String, String)> {
    let r = store.read().unwrap();
    let account = r.account(address).unwrap().unwrap();
    let mut out = Vec::new();
    for mailbox in r.mailboxes(account.id).unwrap() {
        for m in r.messages(mailbox.id).unwrap() {
            let raw = String::from_utf8(r.blob(&m.blob).unwrap().unwrap()).unwrap();
            out.push((mailbox.name.clone(), raw));
        }
    }
    out
}

async fn deliver(b: &MailBackend, ip: Ipv4Addr, raw: &str) -> u16 {
    let mut env = envelope("alice@friend.test", ip);
    env.recipients = vec!["bob@example.org".into()];
    b.deliver(IncomingMessage {
        envelope: env,
        raw: raw.as_bytes().to_vec(),
    })
    .await
    .code
}

#[tokio::test]
async fn allow_skips_the_classifier_only_for_an_authenticated_sender() {
    let dir = tempfile::tempdir().unwrap();
    let (b, store, _) = backend(dir.path()).await;

    // Without an allow entry the stand-in classifier files everything into Junk.
    assert_eq!(
        deliver(&b, GOOD_IP, &signed("alice@friend.test")).await,
        250
    );
    assert_eq!(folders(&store, "bob@example.org").last().unwrap().0, "Junk");

    add(
        &store,
        ListScope::Account("bob@example.org".into()),
        ListKind::Allow,
        "alice@friend.test",
    )
    .await;
    // Genuine (SPF, DKIM and DMARC pass): INBOX.
    assert_eq!(
        deliver(&b, GOOD_IP, &signed("alice@friend.test")).await,
        250
    );
    let lunch: Vec<_> = folders(&store, "bob@example.org")
        .into_iter()
        .filter(|(_, r)| r.contains("lunch"))
        .collect();
    let mut where_: Vec<_> = lunch.iter().map(|(f, _)| f.as_str()).collect();
    where_.sort();
    assert_eq!(
        where_,
        ["INBOX", "Junk"],
        "before and after the allow entry"
    );
    assert!(lunch.iter().all(|(_, r)| !r.contains("X-Mailsift-Lists")));

    // The same address forged: from an address SPF refuses, unsigned. The allow entry is
    // ignored (Junk) and the header says so.
    let forged = "From: Alice <alice@friend.test>\r\nTo: bob@example.org\r\nSubject: wire transfer\r\n\r\nPay now.\r\n";
    assert_eq!(deliver(&b, BAD_IP, forged).await, 250);
    let (folder, raw) = folders(&store, "bob@example.org")
        .into_iter()
        .find(|(_, r)| r.contains("wire transfer"))
        .unwrap();
    assert_eq!(folder, "Junk");
    assert!(
        raw.contains("X-Mailsift-Lists: bob@example.org: allow entry alice@friend.test ignored, sender not authenticated (dmarc=fail spf=fail dkim=none)"),
        "{raw}"
    );

    // A domain-wide allow entry of bob's domain works the same way for carol.
    add(
        &store,
        ListScope::Domain("example.org".into()),
        ListKind::Allow,
        "friend.test",
    )
    .await;
    let mut env = envelope("alice@friend.test", GOOD_IP);
    env.recipients = vec!["carol@example.org".into()];
    let code = b
        .deliver(IncomingMessage {
            envelope: env,
            raw: signed("alice@friend.test").into_bytes(),
        })
        .await
        .code;
    assert_eq!(code, 250);
    assert_eq!(folders(&store, "carol@example.org")[0].0, "INBOX");
}

#[test]
fn list_cli() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("mailsift.toml");
    std::fs::write(&config, "data_dir = \"data\"\n").unwrap();
    for args in [
        &["domain", "add", "example.org"][..],
        &["account", "add", "bob@example.org"],
        &[
            "list",
            "add",
            "--account",
            "bob@example.org",
            "--block",
            "Spammer@Bad.test",
        ],
        &[
            "list",
            "add",
            "--domain",
            "example.org",
            "--allow",
            "*.partner.test",
        ],
    ] {
        let (code, _, err) = mailsift(&config, args);
        assert_eq!(code, 0, "{args:?}: {err}");
    }
    let (_, out, _) = mailsift(&config, &["list", "show", "--account", "bob@example.org"]);
    assert!(out.contains("block\tspammer@bad.test"), "{out}");
    let (_, out, _) = mailsift(
        &config,
        &["--json", "list", "show", "--domain", "example.org"],
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["entries"][0]["entry"], "*.partner.test");
    assert_eq!(v["entries"][0]["list"], "allow");

    // Clear errors: both scopes, no list, unknown account, bad entry, the other list.
    let (code, _, err) = mailsift(
        &config,
        &["list", "add", "--account", "bob@example.org", "x.test"],
    );
    assert_ne!(code, 0);
    assert!(err.contains("--allow") || err.contains("--block"), "{err}");
    let (code, _, err) = mailsift(
        &config,
        &[
            "list",
            "add",
            "--account",
            "nobody@example.org",
            "--block",
            "x.test",
        ],
    );
    assert_ne!(code, 0);
    assert!(err.contains("nobody@example.org"), "{err}");
    let (code, _, err) = mailsift(
        &config,
        &[
            "list",
            "add",
            "--account",
            "bob@example.org",
            "--block",
            "not a domain",
        ],
    );
    assert_ne!(code, 0);
    assert!(err.contains("not an address or a domain"), "{err}");
    let (code, _, err) = mailsift(
        &config,
        &[
            "list",
            "add",
            "--account",
            "bob@example.org",
            "--allow",
            "spammer@bad.test",
        ],
    );
    assert_ne!(code, 0);
    assert!(err.contains("block list"), "{err}");

    let (code, out, _) = mailsift(
        &config,
        &[
            "list",
            "remove",
            "--account",
            "bob@example.org",
            "spammer@bad.test",
        ],
    );
    assert_eq!(code, 0);
    assert!(
        out.contains("Removed spammer@bad.test from the block list"),
        "{out}"
    );
    let (_, out, _) = mailsift(&config, &["list", "show", "--account", "bob@example.org"]);
    assert!(out.contains("are empty"), "{out}");
}
