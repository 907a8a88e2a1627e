//! The cache of plugins' key-value reads (`store/kv_cache.rs`) seen from the plugins: a lesson
//! committed to the store changes the very next verdict of the spam plugin, and a plugin's
//! increment is seen by its next call, while the model's reads are served from memory.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use mailsift::config::Config;
use mailsift::plugins::eval::{self, view_of};
use mailsift::plugins::types::LearnClass;
use mailsift::plugins::{PluginHost, StoreKv};
use mailsift::smtp::backend::{Envelope, IncomingMessage, SmtpBackend};
use mailsift::smtp::delivery::MailBackend;
use mailsift::store::{Store, StoreOptions};

fn dist() -> PathBuf {
    match std::env::var_os("MAILSIFT_BUNDLED_PLUGINS") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("plugins/dist"),
    }
}

fn component(path: PathBuf) -> PathBuf {
    assert!(
        path.is_file(),
        "{} is missing: build the plugins with `scripts/build-plugins.sh plugins/dist`",
        path.display()
    );
    path
}

fn message(subject: &str, body: &str, n: usize) -> Vec<u8> {
    format!(
        "From: sender{n}@example.net\r\nTo: bob@example.org\r\nSubject: {subject}\r\n\
         Date: Mon, 23 Nov 2026 10:00:00 +0000\r\nMessage-ID: <{n}.kv@example.net>\r\n\r\n{body}\r\n"
    )
    .into_bytes()
}

/// A store with the read cache and the key filter (`store/kv_filter.rs`) of the given sizes.
fn open_store(dir: &Path, kv_cache_bytes: usize, kv_filter_bytes: usize) -> Store {
    Store::open_with(
        &dir.join("db.redb"),
        StoreOptions {
            kv_cache_bytes,
            kv_filter_bytes,
            ..StoreOptions::default()
        },
    )
    .unwrap()
}

/// The spam plugin over a real store: each lesson is committed as the learner commits it.
struct Spam {
    host: PluginHost,
    store: Store,
}

impl Spam {
    fn learn(&self, raw: &[u8], class: LearnClass) {
        let v = view_of(raw, "L", vec!["bob@example.org".into()]);
        let writes = self.host.learn(&v, class);
        assert!(!writes.is_empty());
        self.store
            .write_blocking(move |tx| tx.plugin_kv_apply(&writes))
            .unwrap();
    }

    fn score(&self, raw: &[u8]) -> f64 {
        let rcpt = vec!["bob@example.org".to_string()];
        self.host
            .filter(&view_of(raw, "F", rcpt.clone()), &rcpt)
            .merged
            .score
    }
}

fn spam(dir: &Path) -> Spam {
    let config = Config {
        data_dir: dir.to_path_buf(),
        ..Config::default()
    };
    let store = open_store(dir, 4 << 20, 1 << 20);
    let host = eval::standalone_host(
        &config,
        &component(dist().join("spam.wasm")),
        Arc::new(StoreKv(store.clone())),
        dir,
    )
    .unwrap();
    Spam { host, store }
}

/// The scores of a message before and after the user calls a similar one spam, then ham: each
/// lesson moves the next score although the model's keys were cached by the reads before it.
#[test]
fn a_lesson_changes_the_next_verdict() {
    let dir = tempfile::tempdir().unwrap();
    let s = spam(dir.path());
    for (i, body) in [
        "Cheap replica watches, order now, best prices, limited offer",
        "Make money from home, guaranteed income, click here to order now",
    ]
    .iter()
    .enumerate()
    {
        s.learn(&message("Offer", body, i), LearnClass::Spam);
    }
    for (i, body) in [
        "The quarterly report is attached, please review the figures",
        "Can we move the project meeting to Thursday afternoon",
    ]
    .iter()
    .enumerate()
    {
        s.learn(&message("Work", body, 10 + i), LearnClass::Ham);
    }
    let grey = message(
        "Newsletter",
        "Weekly newsletter: gadgets, travel deals and garden tips",
        20,
    );
    let grey2 = message(
        "Newsletter",
        "Weekly newsletter: gadgets, travel deals and cooking tips",
        21,
    );
    let before = s.score(&grey2);
    assert_eq!(s.score(&grey2), before, "the same model, the same score");
    // Only keys the model holds reach the cache: the key filter answers the others.
    let cached = s.store.kv_cache().len();
    assert!(cached >= 5, "the model's reads are cached: {cached}");

    s.learn(&grey, LearnClass::Spam);
    let after = s.score(&grey2);
    assert!(after > before, "spam lesson: {before} -> {after}");
    s.learn(&grey, LearnClass::Ham);
    let back = s.score(&grey2);
    assert!(back < before, "ham lesson: {before} -> {back}");

    // The same lessons on a store without the cache or the key filter give the same scores:
    // a lesson's new keys are seen through both (the filter has their bits before the commit).
    let dir2 = tempfile::tempdir().unwrap();
    let config = Config {
        data_dir: dir2.path().to_path_buf(),
        ..Config::default()
    };
    let plain = open_store(dir2.path(), 0, 0);
    let host = eval::standalone_host(
        &config,
        &component(dist().join("spam.wasm")),
        Arc::new(StoreKv(plain.clone())),
        dir2.path(),
    )
    .unwrap();
    let p = Spam { host, store: plain };
    for (i, body) in [
        "Cheap replica watches, order now, best prices, limited offer",
        "Make money from home, guaranteed income, click here to order now",
    ]
    .iter()
    .enumerate()
    {
        p.learn(&message("Offer", body, i), LearnClass::Spam);
    }
    for (i, body) in [
        "The quarterly report is attached, please review the figures",
        "Can we move the project meeting to Thursday afternoon",
    ]
    .iter()
    .enumerate()
    {
        p.learn(&message("Work", body, 10 + i), LearnClass::Ham);
    }
    assert_eq!(p.score(&grey2), before);
    p.learn(&grey, LearnClass::Spam);
    assert_eq!(p.score(&grey2), after);
    p.learn(&grey, LearnClass::Ham);
    assert_eq!(p.score(&grey2), back);
    assert_eq!(p.store.kv_cache().len(), 0);
}

/// Deliveries one after the other through the pipeline: each call of the counting plugin sees
/// the increments every earlier delivery committed, though it read the counter before.
#[tokio::test]
async fn an_increment_is_seen_by_the_next_call() {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        data_dir: dir.path().to_path_buf(),
        ..Config::default()
    };
    std::fs::create_dir_all(config.plugin_dir()).unwrap();
    std::fs::copy(
        component(dist().join("testing/kv-counter.wasm")),
        config.plugin_dir().join("counter.wasm"),
    )
    .unwrap();
    // An increment of a key absent until then: its bits are set before the commit.
    let store = open_store(&config.data_dir, 1 << 20, 1 << 20);
    store
        .write(|tx| {
            tx.add_domain("example.com")?;
            tx.add_account("alice@example.com")?;
            Ok(())
        })
        .await
        .unwrap();
    let host = PluginHost::new(&config, Arc::new(StoreKv(store.clone()))).unwrap();
    host.load_all();
    let backend = MailBackend::with_plugins(store.clone(), Some(Arc::new(host)));
    for n in 1..=5 {
        let reply = backend
            .deliver(IncomingMessage {
                envelope: Envelope {
                    queue_id: format!("KVQ{n}"),
                    mail_from: "sender@example.org".into(),
                    recipients: vec!["alice@example.com".into()],
                    helo: "client.example.org".into(),
                    client_ip: std::net::IpAddr::from([127, 0, 0, 1]),
                    authenticated_as: None,
                    tls: None,
                },
                raw: format!("From: s@example.org\r\nSubject: {n}\r\n\r\nHello.\r\n").into_bytes(),
            })
            .await;
        assert_eq!(reply.code, 250, "{reply:?}");
        // What the next call will read, as read views see it: cached by the second at the
        // latest (a key is cached at its second miss).
        for _ in 0..2 {
            let r = store.plugin_kv_reader().unwrap();
            assert_eq!(
                r.get("counter", "messages").unwrap().as_deref(),
                Some(n.to_string().as_bytes())
            );
        }
        assert!(!store.kv_cache().is_empty());
    }
    let r = store.read().unwrap();
    let account = r.account("alice@example.com").unwrap().unwrap();
    let inbox = r.mailbox(account.id, "INBOX").unwrap().unwrap();
    let seen: Vec<String> = r
        .messages(inbox.id)
        .unwrap()
        .iter()
        .map(|m| {
            let raw = String::from_utf8(r.blob(&m.blob).unwrap().unwrap()).unwrap();
            raw.lines()
                .find_map(|l| l.strip_prefix("X-KV-Count: "))
                .unwrap_or_default()
                .trim()
                .to_string()
        })
        .collect();
    assert_eq!(seen, ["1", "2", "3", "4", "5"]);
}
