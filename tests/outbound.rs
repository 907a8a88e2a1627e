//! Outbound delivery end to end on 127.0.0.1: the delivery task works a real store's queue and
//! talks SMTP to a small sink (or to nothing) reached through `[outbound.routes]`; DNS cases
//! (null MX, implicit MX) through the test DNS server.

mod support;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mailsift::admin::{self, AdminReply, AdminRequest};
use mailsift::config::Config;
use mailsift::outbound::Outbound;
use mailsift::store::{QueuedMessage, Store};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

use support::dns::DnsServer;
use support::smtp_sink::{sink, sink_with};

struct Setup {
    _dir: tempfile::TempDir,
    store: Store,
    config: Config,
    dns: DnsServer,
}

/// A store with the local domain `local.test` and its account `alice@local.test`.
async fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("mailsift.redb")).unwrap();
    for request in [
        AdminRequest::DomainAdd {
            name: "local.test".into(),
        },
        AdminRequest::AccountAdd {
            address: "alice@local.test".into(),
        },
    ] {
        admin::execute(&store, request).await.unwrap();
    }
    let dns = DnsServer::start();
    let mut config = Config {
        hostname: "mx.local.test".into(),
        ..Config::default()
    };
    config.dns.nameservers = vec![dns.addr.to_string()];
    config.dns.timeout_ms = 1000;
    config.outbound.retry_initial = 1;
    config.outbound.retry_max = 2;
    config.outbound.timeout = 5;
    Setup {
        _dir: dir,
        store,
        config,
        dns,
    }
}

fn route(config: &mut Config, domain: &str, addr: SocketAddr) {
    config
        .outbound
        .routes
        .insert(domain.to_string(), addr.to_string());
}

async fn enqueue(store: &Store, id: &str, from: &str, to: &[&str]) {
    let (id, from) = (id.to_string(), from.to_string());
    let to: Vec<String> = to.iter().map(|s| s.to_string()).collect();
    let raw = format!(
        "From: <{from}>\r\nTo: <{}>\r\nSubject: test {id}\r\nMessage-ID: <{id}@local.test>\r\n\r\nHello.\r\n.leading dot\r\n",
        to.join(">, <")
    );
    store
        .write(move |tx| tx.enqueue(&id, &from, &to, raw.as_bytes()))
        .await
        .unwrap();
}

/// One scan of the queue, waiting for every delivery it started. Returns how many started.
async fn run_once(outbound: &Arc<Outbound>) -> usize {
    let handles = outbound.scan();
    let n = handles.len();
    for h in handles {
        h.await.unwrap();
    }
    n
}

fn queue(store: &Store) -> Vec<QueuedMessage> {
    store.read().unwrap().queue().unwrap()
}

/// The messages in alice's INBOX, as text.
fn alice_inbox(store: &Store) -> Vec<String> {
    let r = store.read().unwrap();
    let account = r.account("alice@local.test").unwrap().unwrap();
    let inbox = r.mailbox(account.id, "INBOX").unwrap().unwrap();
    r.messages(inbox.id)
        .unwrap()
        .into_iter()
        .map(|m| String::from_utf8_lossy(&r.blob(&m.blob).unwrap().unwrap()).into_owned())
        .collect()
}

async fn free_port() -> SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    l.local_addr().unwrap()
}

#[tokio::test]
async fn delivered_once_and_removed() {
    let mut s = setup().await;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    route(&mut s.config, "remote.test", listener.local_addr().unwrap());
    let got = sink(listener).await;
    enqueue(
        &s.store,
        "Q1",
        "alice@local.test",
        &["bob@remote.test", "carol@remote.test"],
    )
    .await;
    let outbound = Outbound::new(s.store.clone(), &s.config).unwrap();
    assert_eq!(run_once(&outbound).await, 1);
    assert!(
        queue(&s.store).is_empty(),
        "delivered entries leave the queue"
    );
    // Nothing is due any more: no second delivery.
    assert_eq!(run_once(&outbound).await, 0);
    let got = got.lock().unwrap().clone();
    assert_eq!(got.len(), 1, "one transaction for both recipients: {got:?}");
    assert_eq!(got[0].from, "alice@local.test");
    assert_eq!(got[0].to, vec!["bob@remote.test", "carol@remote.test"]);
    assert!(got[0].data.contains("Subject: test Q1"));
    assert!(
        got[0].data.contains("\r\n..leading dot\r\n"),
        "dot-stuffed: {}",
        got[0].data
    );
    assert!(alice_inbox(&s.store).is_empty(), "no DSN on success");
}

#[tokio::test]
async fn destination_down_is_retried_with_backoff_then_delivered() {
    let mut s = setup().await;
    let addr = free_port().await;
    route(&mut s.config, "remote.test", addr);
    enqueue(&s.store, "Q2", "alice@local.test", &["bob@remote.test"]).await;
    let outbound = Outbound::new(s.store.clone(), &s.config).unwrap();

    assert_eq!(run_once(&outbound).await, 1);
    let q = queue(&s.store);
    assert_eq!(q.len(), 1, "kept for a retry");
    assert_eq!(q[0].attempts, 1);
    let first = q[0].log[0].clone();
    assert!(first.result.starts_with("4.4.1"), "{first:?}");
    assert_eq!(
        q[0].next_attempt - first.time,
        1,
        "first retry after retry_initial"
    );
    // Not due yet.
    assert_eq!(run_once(&outbound).await, 0);

    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(run_once(&outbound).await, 1);
    let q = queue(&s.store);
    assert_eq!(q[0].attempts, 2);
    let second = q[0].log[1].clone();
    assert_eq!(q[0].next_attempt - second.time, 2, "backoff doubled");

    // `queue show` lists the attempts.
    let shown = admin::execute(
        &s.store,
        AdminRequest::QueueShow {
            queue_id: "Q2".into(),
        },
    )
    .await
    .unwrap();
    let AdminReply::QueueEntry(info) = shown else {
        panic!("{shown:?}")
    };
    assert_eq!(info.log.len(), 2);
    assert_eq!(info.recipients[0].status, "pending");
    assert!(info.recipients[0].reply.contains(&addr.to_string()));

    // The destination comes back; `queue retry` makes the entry due at once.
    let got = sink(TcpListener::bind(addr).await.unwrap()).await;
    admin::execute(
        &s.store,
        AdminRequest::QueueRetry {
            queue_id: "Q2".into(),
        },
    )
    .await
    .unwrap();
    assert_eq!(run_once(&outbound).await, 1);
    assert!(queue(&s.store).is_empty());
    assert_eq!(got.lock().unwrap().len(), 1);
    assert!(alice_inbox(&s.store).is_empty(), "no DSN: delivered");
}

#[tokio::test]
async fn permanent_refusal_sends_one_dsn_and_none_for_the_null_sender() {
    let mut s = setup().await;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    route(&mut s.config, "remote.test", listener.local_addr().unwrap());
    let got = sink(listener).await;
    enqueue(
        &s.store,
        "Q3",
        "alice@local.test",
        &["reject@remote.test", "bob@remote.test", "later@remote.test"],
    )
    .await;
    enqueue(&s.store, "Q4", "", &["reject@remote.test"]).await;
    let outbound = Outbound::new(s.store.clone(), &s.config).unwrap();
    assert_eq!(run_once(&outbound).await, 2);

    // bob got it; reject@ failed; later@ still pending.
    assert_eq!(got.lock().unwrap().len(), 1);
    assert_eq!(got.lock().unwrap()[0].to, vec!["bob@remote.test"]);
    let q = queue(&s.store);
    assert_eq!(q.len(), 1, "Q4 (null sender) is gone without a DSN: {q:?}");
    assert_eq!(q[0].queue_id, "Q3");
    let states: Vec<_> = q[0]
        .rcpt_states()
        .into_iter()
        .map(|r| (r.address, r.status.name()))
        .collect();
    assert_eq!(
        states,
        vec![
            ("reject@remote.test".to_string(), "failed"),
            ("bob@remote.test".to_string(), "delivered"),
            ("later@remote.test".to_string(), "pending"),
        ]
    );

    let inbox = alice_inbox(&s.store);
    assert_eq!(inbox.len(), 1, "one DSN, to the local sender only");
    let dsn = &inbox[0];
    assert!(dsn.contains("multipart/report; report-type=delivery-status"));
    assert!(dsn.contains("Final-Recipient: rfc822; reject@remote.test"));
    assert!(dsn.contains("Action: failed"));
    assert!(dsn.contains("Status: 5.1.1"));
    assert!(dsn.contains("Diagnostic-Code: smtp; 550 5.1.1 no such user here"));
    assert!(dsn.contains("Subject: test Q3"), "original headers quoted");
    assert!(
        !dsn.contains("bob@remote.test>: "),
        "delivered recipients are not reported"
    );

    // A retry of later@ (still 451) sends no second failure DSN.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(run_once(&outbound).await, 1);
    assert_eq!(alice_inbox(&s.store).len(), 1);
    assert_eq!(got.lock().unwrap().len(), 1, "bob is not sent it twice");
}

#[tokio::test]
async fn remote_sender_gets_a_dsn_queued_from_the_null_sender() {
    let mut s = setup().await;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    route(&mut s.config, "remote.test", listener.local_addr().unwrap());
    route(&mut s.config, "far.test", listener.local_addr().unwrap());
    let got = sink(listener).await;
    enqueue(&s.store, "Q5", "dave@far.test", &["reject@remote.test"]).await;
    let outbound = Outbound::new(s.store.clone(), &s.config).unwrap();
    assert_eq!(run_once(&outbound).await, 1);
    let q = queue(&s.store);
    assert_eq!(q.len(), 1, "{q:?}");
    assert_eq!(q[0].mail_from, "", "DSNs are sent from <>");
    assert_eq!(q[0].recipients, vec!["dave@far.test"]);
    // The DSN is delivered to the sender's server like any message.
    assert_eq!(run_once(&outbound).await, 1);
    assert!(queue(&s.store).is_empty());
    let got = got.lock().unwrap().clone();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].from, "");
    assert!(got[0].data.contains("Status: 5.1.1"));
}

#[tokio::test]
async fn null_mx_domain_fails_at_once() {
    let s = setup().await;
    s.dns.mx("nullmx.test", 0, ".");
    enqueue(&s.store, "Q6", "alice@local.test", &["bob@nullmx.test"]).await;
    let outbound = Outbound::new(s.store.clone(), &s.config).unwrap();
    assert_eq!(run_once(&outbound).await, 1);
    assert!(queue(&s.store).is_empty(), "not retried");
    let inbox = alice_inbox(&s.store);
    assert_eq!(inbox.len(), 1);
    assert!(inbox[0].contains("Status: 5.1.10"), "{}", inbox[0]);
    assert!(inbox[0].contains("null MX"));
}

#[tokio::test]
async fn implicit_mx_and_missing_domain() {
    let s = setup().await;
    // No MX: the domain's own address is the mail server (RFC 5321 §5.1), port 25.
    s.dns.a("implicit.test", std::net::Ipv4Addr::LOCALHOST);
    enqueue(&s.store, "Q7", "alice@local.test", &["bob@implicit.test"]).await;
    enqueue(&s.store, "Q8", "alice@local.test", &["bob@nowhere.test"]).await;
    let outbound = Outbound::new(s.store.clone(), &s.config).unwrap();
    assert_eq!(run_once(&outbound).await, 2);
    let q = queue(&s.store);
    assert_eq!(q.len(), 1, "{q:?}");
    assert_eq!(q[0].queue_id, "Q7");
    assert!(
        q[0].log[0].result.contains("[127.0.0.1:25]"),
        "{:?}",
        q[0].log
    );
    let inbox = alice_inbox(&s.store);
    assert_eq!(inbox.len(), 1, "the NXDOMAIN recipient is bounced");
    assert!(inbox[0].contains("Status: 5.1.2"));
}

#[tokio::test]
async fn delay_warning_once_and_expiry() {
    let mut s = setup().await;
    let addr = free_port().await;
    route(&mut s.config, "remote.test", addr);
    s.config.outbound.delay_warning_after = 0;
    enqueue(&s.store, "Q9", "alice@local.test", &["bob@remote.test"]).await;
    let outbound = Outbound::new(s.store.clone(), &s.config).unwrap();
    assert_eq!(run_once(&outbound).await, 1);
    let inbox = alice_inbox(&s.store);
    assert_eq!(inbox.len(), 1);
    assert!(inbox[0].contains("Action: delayed"));
    assert!(inbox[0].contains("Will-Retry-Until:"));
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(run_once(&outbound).await, 1);
    assert_eq!(alice_inbox(&s.store).len(), 1, "warned once");

    // Past expire_after: given up, with a failure DSN.
    s.config.outbound.expire_after = 0;
    let expiring = Outbound::new(s.store.clone(), &s.config).unwrap();
    admin::execute(
        &s.store,
        AdminRequest::QueueRetry {
            queue_id: "Q9".into(),
        },
    )
    .await
    .unwrap();
    assert_eq!(run_once(&expiring).await, 1);
    assert!(queue(&s.store).is_empty());
    let inbox = alice_inbox(&s.store);
    assert_eq!(inbox.len(), 2);
    assert!(inbox[1].contains("Action: failed"));
    assert!(inbox[1].contains("Status: 4.4.7"));
}

#[tokio::test]
async fn queue_delete_removes_without_dsn() {
    let mut s = setup().await;
    route(&mut s.config, "remote.test", free_port().await);
    enqueue(&s.store, "Q10", "alice@local.test", &["bob@remote.test"]).await;
    let reply = admin::execute(
        &s.store,
        AdminRequest::QueueDelete {
            queue_id: "Q10".into(),
        },
    )
    .await
    .unwrap();
    assert!(matches!(reply, AdminReply::QueueChanged(_)));
    assert!(queue(&s.store).is_empty());
    assert!(
        admin::execute(
            &s.store,
            AdminRequest::QueueShow {
                queue_id: "Q10".into()
            }
        )
        .await
        .is_err()
    );
    assert!(alice_inbox(&s.store).is_empty());
}

#[tokio::test]
async fn mx_hosts_in_preference_order() {
    use mailsift::outbound::route::{Route, resolve};
    let s = setup().await;
    s.dns
        .mx("multi.test", 20, "b.mx.test")
        .mx("multi.test", 10, "a.mx.test")
        .mx("multi.test", 30, "noaddr.mx.test")
        .a("a.mx.test", std::net::Ipv4Addr::new(127, 0, 0, 10))
        .a("b.mx.test", std::net::Ipv4Addr::new(127, 0, 0, 20));
    let dns = mailsift::auth::authenticator(&s.config.dns).unwrap();
    let Route::Hops(hops) = resolve("Multi.Test.", &s.config.outbound, &dns, false).await else {
        panic!("hops expected")
    };
    let got: Vec<(String, Vec<String>)> = hops
        .into_iter()
        .map(|h| (h.name, h.addrs.iter().map(|a| a.to_string()).collect()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("a.mx.test".to_string(), vec!["127.0.0.10:25".to_string()]),
            ("b.mx.test".to_string(), vec!["127.0.0.20:25".to_string()]),
        ],
        "MX without addresses skipped"
    );
    // DNS that does not answer: retried later, never a bounce.
    s.dns.servfail("broken.test");
    assert!(matches!(
        resolve("broken.test", &s.config.outbound, &dns, false).await,
        Route::Temporary(_)
    ));
}

#[tokio::test]
async fn esmtp_parameters_follow_the_message() {
    // The sink's EHLO announces 8BITMIME only: BODY=8BITMIME for 8-bit content, no SIZE.
    let mut s = setup().await;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    route(&mut s.config, "remote.test", addr);
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let l = lines.clone();
    tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        let (r, mut w) = stream.into_split();
        let mut r = BufReader::new(r);
        w.write_all(b"220 sink\r\n").await.unwrap();
        let mut in_data = false;
        loop {
            let mut line = String::new();
            if r.read_line(&mut line).await.unwrap_or(0) == 0 {
                return;
            }
            if in_data {
                if line == ".\r\n" {
                    in_data = false;
                    w.write_all(b"250 ok\r\n").await.unwrap();
                }
                continue;
            }
            l.lock().unwrap().push(line.trim_end().to_string());
            let reply: &[u8] = if line.starts_with("EHLO") {
                b"250-sink\r\n250 8BITMIME\r\n"
            } else if line.starts_with("DATA") {
                in_data = true;
                b"354 go\r\n"
            } else {
                b"250 ok\r\n"
            };
            w.write_all(reply).await.unwrap();
        }
    });
    let raw = "Subject: caf\u{e9}\r\n\r\nd\u{e9}j\u{e0} vu\r\n"
        .as_bytes()
        .to_vec();
    s.store
        .write(move |tx| {
            tx.enqueue(
                "Q11",
                "alice@local.test",
                &["bob@remote.test".to_string()],
                &raw,
            )
        })
        .await
        .unwrap();
    let outbound = Outbound::new(s.store.clone(), &s.config).unwrap();
    assert_eq!(run_once(&outbound).await, 1);
    assert!(queue(&s.store).is_empty());
    let lines = lines.lock().unwrap().clone();
    assert!(
        lines.contains(&"MAIL FROM:<alice@local.test> BODY=8BITMIME".to_string()),
        "{lines:?}"
    );
}

#[tokio::test]
async fn one_session_carries_several_messages() {
    let mut s = setup().await;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    route(&mut s.config, "remote.test", listener.local_addr().unwrap());
    s.config.outbound.max_per_destination = 1;
    let got = sink(listener).await;
    for i in 0..3 {
        enqueue(
            &s.store,
            &format!("R{i}"),
            "alice@local.test",
            &["bob@remote.test"],
        )
        .await;
    }
    let outbound = Outbound::new(s.store.clone(), &s.config).unwrap();
    assert_eq!(run_once(&outbound).await, 3);
    assert!(queue(&s.store).is_empty());
    let conns: Vec<usize> = got.lock().unwrap().iter().map(|r| r.conn).collect();
    assert_eq!(conns, vec![0, 0, 0], "connection reused");
}

#[tokio::test]
async fn a_session_closed_while_idle_is_replaced() {
    let mut s = setup().await;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    route(&mut s.config, "remote.test", listener.local_addr().unwrap());
    s.config.outbound.max_per_destination = 1;
    let got = sink_with(listener, true).await;
    for i in 0..3 {
        enqueue(
            &s.store,
            &format!("H{i}"),
            "alice@local.test",
            &["bob@remote.test"],
        )
        .await;
    }
    let outbound = Outbound::new(s.store.clone(), &s.config).unwrap();
    assert_eq!(run_once(&outbound).await, 3);
    assert!(queue(&s.store).is_empty(), "{:?}", queue(&s.store));
    let conns: Vec<usize> = got.lock().unwrap().iter().map(|r| r.conn).collect();
    assert_eq!(
        conns,
        vec![0, 1, 2],
        "a new session for each message, no failed attempt"
    );
}

/// An HTTPS server for `mta-sts.sts.test` and `mta-sts.sts2.test` (certificates from a test CA
/// written to `ca_file`), serving a policy per host. Returns its address.
async fn policy_server(ca_file: &std::path::Path) -> SocketAddr {
    use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca = rcgen::CertifiedIssuer::self_signed(ca_params, ca_key).unwrap();
    std::fs::write(ca_file, ca.as_ref().pem()).unwrap();
    let leaf_key = rcgen::KeyPair::generate().unwrap();
    let leaf = rcgen::CertificateParams::new(vec![
        "mta-sts.sts.test".to_string(),
        "mta-sts.sts2.test".to_string(),
    ])
    .unwrap()
    .signed_by(&leaf_key, &ca)
    .unwrap();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![leaf.der().clone()], key)
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut tls = BufReader::new(tls);
                let mut host = String::new();
                loop {
                    let mut line = String::new();
                    if tls.read_line(&mut line).await.unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                    if line.to_ascii_lowercase().starts_with("host:") {
                        host = line[5..].trim().to_string();
                    }
                }
                let body = if host == "mta-sts.sts2.test" {
                    "version: STSv1\r\nmode: enforce\r\nmx: *.nomatch.test\r\nmax_age: 600\r\n"
                } else {
                    "version: STSv1\r\nmode: enforce\r\nmx: mx.sts.test\r\nmax_age: 600\r\n"
                };
                let response = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n{body}",
                    body.len()
                );
                let _ = tls.get_mut().write_all(response.as_bytes()).await;
                let _ = tls.get_mut().shutdown().await;
            });
        }
    });
    addr
}

#[tokio::test]
async fn mta_sts_enforce_restricts_mx_hosts() {
    let mut s = setup().await;
    let ca_file = s._dir.path().join("ca.pem");
    let https = policy_server(&ca_file).await;
    s.config.outbound.mta_sts_port = https.port();
    s.config.outbound.mta_sts_ca_file = Some(ca_file);
    let lo = std::net::Ipv4Addr::LOCALHOST;
    for d in ["sts.test", "sts2.test"] {
        s.dns
            .txt(&format!("_mta-sts.{d}"), "v=STSv1; id=20261206")
            .a(&format!("mta-sts.{d}"), lo)
            .mx(d, 10, "mx.sts.test")
            .mx(d, 20, "evil.other.test");
    }
    s.dns.a("mx.sts.test", lo).a("evil.other.test", lo);
    enqueue(&s.store, "S1", "alice@local.test", &["bob@sts.test"]).await;
    enqueue(&s.store, "S2", "alice@local.test", &["bob@sts2.test"]).await;
    let outbound = Outbound::new(s.store.clone(), &s.config).unwrap();
    assert_eq!(run_once(&outbound).await, 2);
    let q = queue(&s.store);
    let result = |id: &str| {
        q.iter()
            .find(|e| e.queue_id == id)
            .map(|e| e.log[0].result.clone())
            .unwrap()
    };
    // sts.test: only the policy's MX host was tried (nothing listens on port 25: retried).
    let r1 = result("S1");
    assert!(r1.contains("mx.sts.test [127.0.0.1:25]"), "{r1}");
    // sts2.test: no MX host matches, so none is tried and the mail waits (RFC 8461 §5.1).
    let r2 = result("S2");
    assert!(r2.starts_with("4.7.5 no MX host of sts2.test"), "{r2}");

    // A policy host whose certificate is not trusted gives no policy (RFC 8461 §3.3): both
    // MX hosts are tried, the last being the one the policy would have excluded.
    s.config.outbound.mta_sts_ca_file = None;
    let plain = Outbound::new(s.store.clone(), &s.config).unwrap();
    for id in ["S1", "S2"] {
        let id = id.to_string();
        s.store.write(move |tx| tx.queue_retry(&id)).await.unwrap();
    }
    assert_eq!(run_once(&plain).await, 2);
    let q = queue(&s.store);
    let last = q.iter().find(|e| e.queue_id == "S2").unwrap().log[1]
        .result
        .clone();
    assert!(last.contains("evil.other.test"), "{last}");
}

/// Waits up to `secs` for `n` messages at the sink; returns how long it took.
async fn received_within(
    got: &support::smtp_sink::Captured,
    n: usize,
    secs: u64,
) -> Option<Duration> {
    let start = std::time::Instant::now();
    while start.elapsed() < Duration::from_secs(secs) {
        if got.lock().unwrap().len() >= n {
            return Some(start.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    None
}

/// The delivery task is woken by the store when mail is queued, and wakes itself when an entry
/// falls due: with a 60 s poll, a submitted message and a retry both leave within seconds.
#[tokio::test]
async fn fresh_mail_and_retries_leave_without_waiting_for_the_poll() {
    use mailsift::smtp::backend::{Envelope, IncomingMessage, SmtpBackend};
    let mut s = setup().await;
    s.config.outbound.scan_interval = 60;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    route(&mut s.config, "remote.test", listener.local_addr().unwrap());
    let down = free_port().await;
    route(&mut s.config, "down.test", down);
    let got = sink(listener).await;
    let outbound = Outbound::new(s.store.clone(), &s.config).unwrap();
    let task = tokio::spawn(outbound.run());
    // The task's first scan finds nothing; it now waits up to a minute.
    tokio::time::sleep(Duration::from_millis(300)).await;

    // Submitted by a logged-in user through the pipeline: queued, and at the sink at once.
    let backend = mailsift::smtp::delivery::MailBackend::new(s.store.clone());
    let submit = |to: &str| {
        IncomingMessage {
        envelope: Envelope {
            queue_id: format!("S-{to}"),
            mail_from: "alice@local.test".into(),
            recipients: vec![to.to_string()],
            helo: "laptop.test".into(),
            client_ip: std::net::IpAddr::from([127, 0, 0, 1]),
            authenticated_as: Some("alice@local.test".into()),
            tls: None,
        },
        raw: format!(
            "From: alice@local.test\r\nTo: {to}\r\nSubject: now\r\nMessage-ID: <{to}.now@local.test>\r\n\r\nHi.\r\n"
        )
        .into_bytes(),
    }
    };
    let reply = backend.deliver(submit("bob@remote.test")).await;
    assert_eq!(reply.code, 250, "{reply:?}");
    let took = received_within(&got, 1, 5).await;
    assert!(
        took.is_some_and(|t| t < Duration::from_secs(5)),
        "not delivered within 5 s with a 60 s poll: {:?}",
        queue(&s.store)
    );
    assert!(got.lock().unwrap()[0].data.contains("Subject: now"));

    // A destination that is down: the first attempt fails at once, the retry (1 s later,
    // `retry_initial`) runs when it falls due, not at the next poll.
    let reply = backend.deliver(submit("carol@down.test")).await;
    assert_eq!(reply.code, 250, "{reply:?}");
    let first_failed = async {
        loop {
            if queue(&s.store).first().is_some_and(|q| q.attempts >= 1) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(5), first_failed)
        .await
        .expect("the first attempt runs at once");
    let later = sink(TcpListener::bind(down).await.unwrap()).await;
    let took = received_within(&later, 1, 8).await;
    assert!(
        took.is_some(),
        "the retry did not run when due: {:?}",
        queue(&s.store)
    );
    let wait = async {
        while !queue(&s.store).is_empty() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(5), wait)
        .await
        .expect("the queue empties");
    task.abort();
}
