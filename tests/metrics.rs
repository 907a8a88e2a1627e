//! The metrics the pipeline records, read back through `metrics::render` after real traffic
//! through the server's SMTP backend and a real store: refusals by reason, copies by folder
//! class, the pipeline's latency, and the queue gauges read at scrape time.
//!
//! One test in this binary: the registry is process-wide, so the values below are exact.

use std::net::IpAddr;
use std::sync::Arc;

use mailsift::config::Config;
use mailsift::metrics;
use mailsift::sieve::SieveRunner;
use mailsift::smtp::backend::{Envelope, IncomingMessage, RcptDecision, SmtpBackend};
use mailsift::smtp::delivery::MailBackend;
use mailsift::store::Store;

/// The value of `name{labels}` in the exposition (0 when absent).
fn sample(text: &str, name: &str, labels: &str) -> f64 {
    let head = if labels.is_empty() {
        format!("{name} ")
    } else {
        format!("{name}{{{labels}}} ")
    };
    text.lines()
        .find_map(|l| l.strip_prefix(&head))
        .map(|v| v.trim().parse().unwrap())
        .unwrap_or(0.0)
}

fn envelope(to: &[&str], authenticated: bool) -> Envelope {
    Envelope {
        queue_id: "Q1".into(),
        mail_from: "alice@example.org".into(),
        recipients: to.iter().map(|s| s.to_string()).collect(),
        helo: "client.test".into(),
        client_ip: IpAddr::from([127, 0, 0, 1]),
        authenticated_as: authenticated.then(|| "alice@example.org".to_string()),
        tls: None,
    }
}

const MESSAGE: &str = "From: Alice <alice@example.org>\r\nTo: someone\r\nSubject: Hello\r\n\
    Date: Mon, 23 Nov 2026 10:00:00 +0000\r\nMessage-ID: <hello@test>\r\n\r\nHi there.\r\n";

async fn send(b: &MailBackend, env: Envelope) -> u16 {
    b.deliver(IncomingMessage {
        envelope: env,
        raw: MESSAGE.as_bytes().to_vec(),
    })
    .await
    .code
}

#[tokio::test]
async fn pipeline_traffic_moves_the_metrics() {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        hostname: "mx.example.org".into(),
        data_dir: dir.path().to_path_buf(),
        ..Config::default()
    };
    let store = Store::open(&config.db_path()).unwrap();
    store
        .write(|tx| {
            tx.add_domain("example.org")?;
            tx.add_account("alice@example.org")?;
            let bob = tx.add_account("bob@example.org")?.id;
            tx.sieve_put(bob, "main", "require \"fileinto\"; fileinto \"Junk\";", 32)?;
            tx.sieve_set_active(bob, Some("main"))?;
            let carol = tx.add_account("carol@example.org")?.id;
            tx.create_mailbox(carol, "Clients/ACME", None, true)?;
            tx.sieve_put(
                carol,
                "main",
                "require [\"fileinto\", \"reject\"];\n\
                 if header :contains \"subject\" \"Hello\" { reject \"not from you\"; }",
                32,
            )?;
            tx.sieve_set_active(carol, Some("main"))?;
            let dave = tx.add_account("dave@example.org")?.id;
            tx.create_mailbox(dave, "Clients/ACME", None, true)?;
            tx.sieve_put(
                dave,
                "main",
                "require \"fileinto\"; fileinto \"Clients/ACME\";",
                32,
            )?;
            tx.sieve_set_active(dave, Some("main"))
        })
        .await
        .unwrap();
    let mut b = MailBackend::new(store.clone());
    b.pipeline.sieve = Some(Arc::new(SieveRunner::new(&config).unwrap()));

    let before = metrics::render(&store);
    assert_eq!(sample(&before, "mailsift_queue_messages", ""), 0.0);

    // RCPT TO refusals: an unknown user, relaying without login.
    let env = envelope(&[], false);
    assert!(matches!(
        b.check_recipient(&env, "nobody@example.org").await,
        RcptDecision::Refuse(_)
    ));
    assert!(matches!(
        b.check_recipient(&env, "friend@elsewhere.test").await,
        RcptDecision::Refuse(_)
    ));
    assert!(matches!(
        b.check_recipient(&env, "alice@example.org").await,
        RcptDecision::Accept
    ));

    // Copies: INBOX, Junk (bob's script), a user folder (dave's), then one refused by Sieve.
    assert_eq!(send(&b, envelope(&["alice@example.org"], false)).await, 250);
    assert_eq!(
        send(
            &b,
            envelope(&["alice@example.org", "bob@example.org"], false)
        )
        .await,
        250
    );
    assert_eq!(send(&b, envelope(&["dave@example.org"], false)).await, 250);
    assert_eq!(send(&b, envelope(&["carol@example.org"], false)).await, 550);
    // Submitted mail for a remote recipient: into the outbound queue.
    assert_eq!(
        send(&b, envelope(&["friend@elsewhere.test"], true)).await,
        250
    );

    let text = metrics::render(&store);
    let refused = |reason: &str| {
        sample(
            &text,
            "mailsift_messages_refused_total",
            &format!("reason=\"{reason}\""),
        )
    };
    assert_eq!(refused("unknown_user"), 1.0, "{text}");
    assert_eq!(refused("relay"), 1.0);
    assert_eq!(refused("sieve"), 1.0);
    assert_eq!(refused("spam"), 0.0);
    let delivered = |folder: &str| {
        sample(
            &text,
            "mailsift_messages_delivered_total",
            &format!("folder=\"{folder}\""),
        )
    };
    assert_eq!(delivered("inbox"), 2.0);
    assert_eq!(delivered("junk"), 1.0);
    assert_eq!(delivered("other"), 1.0);
    assert_eq!(delivered("promotions"), 0.0);
    // No user's folder name and no address ever becomes a label.
    assert!(!text.contains("ACME"), "{text}");
    assert!(!text.contains("example.org"), "{text}");
    assert_eq!(
        sample(
            &text,
            "mailsift_pipeline_seconds_count",
            "outcome=\"stored\""
        ),
        4.0
    );
    assert_eq!(
        sample(
            &text,
            "mailsift_pipeline_seconds_count",
            "outcome=\"refused\""
        ),
        1.0
    );
    assert_eq!(
        sample(
            &text,
            "mailsift_pipeline_seconds_bucket",
            "le=\"+Inf\",outcome=\"stored\""
        ),
        4.0
    );
    // Read from the store at scrape time.
    assert_eq!(sample(&text, "mailsift_queue_messages", ""), 1.0);
    let age = sample(&text, "mailsift_queue_oldest_age_seconds", "");
    assert!((0.0..60.0).contains(&age), "{age}");
    let size = sample(&text, "mailsift_store_size_bytes", "");
    let on_disk = std::fs::metadata(config.db_path()).unwrap().len() as f64;
    assert_eq!(size, on_disk);
}
