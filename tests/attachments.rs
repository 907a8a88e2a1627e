//! The bundled attachments plugin, for real: the component built by `scripts/build-plugins.sh`
//! (`plugins/dist/attachments.wasm`, or the directory named by `MAILSIFT_PLUGINS_DIST`), loaded
//! by the plugin host, run through `MailBackend::deliver` with a real store, on every message of
//! the corpus in `tests/corpus/attachments` (written by its `generate.py`, expectations in
//! `expected.json`). A missing component fails with instructions; it is never skipped.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use mailsift::config::{Config, OnError, PluginConfig};
use mailsift::pipeline::{self, MessageContext};
use mailsift::plugins::verdict::Decision;
use mailsift::plugins::{MemoryKv, PluginHost, StoreKv, view};
use mailsift::smtp::backend::{Envelope, IncomingMessage, Reply, SmtpBackend};
use mailsift::smtp::delivery::MailBackend;
use mailsift::store::Store;

const HEADER: &str = "X-Mailsift-Attachments";

fn component() -> PathBuf {
    let dist = std::env::var_os("MAILSIFT_PLUGINS_DIST")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("plugins/dist"));
    let path = dist.join("attachments.wasm");
    assert!(
        path.is_file(),
        "the attachments plugin {} is missing: build it with `scripts/build-plugins.sh plugins/dist` \
         (or point MAILSIFT_PLUGINS_DIST at a directory holding attachments.wasm)",
        path.display()
    );
    path
}

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/attachments")
}

fn config(dir: &Path, settings: &[(&str, &str)], tune: impl FnOnce(&mut PluginConfig)) -> Config {
    let c = Config {
        data_dir: dir.to_path_buf(),
        ..Config::default()
    };
    std::fs::create_dir_all(c.plugin_dir()).unwrap();
    std::fs::copy(component(), c.plugin_dir().join("attachments.wasm")).unwrap();
    let mut p = PluginConfig::default();
    for (k, v) in settings {
        p.config
            .insert(k.to_string(), toml::Value::String(v.to_string()));
    }
    tune(&mut p);
    let mut c = c;
    c.plugin.insert("attachments".into(), p);
    c
}

async fn backend(c: &Config) -> (MailBackend, Store) {
    let store = Store::open(&c.db_path()).unwrap();
    store
        .write(|tx| {
            tx.add_domain("example.com")?;
            tx.add_account("alice@example.com")?;
            Ok(())
        })
        .await
        .unwrap();
    let host = PluginHost::new(c, Arc::new(StoreKv(store.clone()))).unwrap();
    host.load_all();
    assert_eq!(host.registry().snapshot().len(), 1, "{:?}", host.status());
    let backend = MailBackend::with_plugins(store.clone(), Some(Arc::new(host)));
    (backend, store)
}

async fn deliver(backend: &MailBackend, raw: Vec<u8>) -> Reply {
    backend
        .deliver(IncomingMessage {
            envelope: Envelope {
                queue_id: "ATTQ1".into(),
                mail_from: "sender@example.org".into(),
                recipients: vec!["alice@example.com".into()],
                helo: "client.example.org".into(),
                client_ip: std::net::IpAddr::from([127, 0, 0, 1]),
                authenticated_as: None,
                tls: None,
            },
            raw,
        })
        .await
}

fn inbox(store: &Store) -> Vec<Vec<u8>> {
    let r = store.read().unwrap();
    let account = r.account("alice@example.com").unwrap().unwrap();
    let mailbox = r.mailbox(account.id, "INBOX").unwrap().unwrap();
    r.messages(mailbox.id)
        .unwrap()
        .iter()
        .map(|m| r.blob(&m.blob).unwrap().unwrap())
        .collect()
}

/// The value of `name` in the stored message's header, unfolded.
fn header_value(raw: &[u8], name: &str) -> Option<String> {
    let parsed = mail_parser::MessageParser::default().parse(raw)?;
    parsed
        .headers()
        .iter()
        .find(|h| h.name().eq_ignore_ascii_case(name))
        .and_then(|h| h.value().as_text().map(str::to_string))
}

fn corpus(name: &str) -> Vec<u8> {
    std::fs::read(corpus_dir().join(name)).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_corpus_message_gets_its_expected_verdict() {
    let expected: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(&std::fs::read(corpus_dir().join("expected.json")).unwrap())
            .unwrap();
    // Every message on disk is listed and every listed message is on disk.
    let mut on_disk: Vec<String> = std::fs::read_dir(corpus_dir())
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".eml"))
        .collect();
    on_disk.sort();
    assert_eq!(
        on_disk,
        expected.keys().cloned().collect::<Vec<_>>(),
        "run tests/corpus/attachments/generate.py"
    );
    assert!(expected.len() >= 40, "{}", expected.len());

    let dir = tempfile::tempdir().unwrap();
    let c = config(dir.path(), &[], |_| {});
    let (backend, store) = backend(&c).await;
    let mut failures = Vec::new();
    let mut delivered = 0;
    for (name, want) in &expected {
        let reply = deliver(&backend, corpus(name)).await;
        if let Some(text) = want.get("reject").and_then(|t| t.as_str()) {
            if (reply.code, reply.enhanced.as_str(), reply.text.as_str()) != (554, "5.7.0", text) {
                failures.push(format!("{name}: want 554 5.7.0 {text}\n   got {reply:?}"));
            }
            continue;
        }
        assert_eq!(
            want.get("deliver"),
            Some(&serde_json::Value::Bool(true)),
            "{name}"
        );
        if reply.code != 250 {
            failures.push(format!("{name}: want 250, got {reply:?}"));
            continue;
        }
        delivered += 1;
        let stored = inbox(&store);
        if stored.len() != delivered {
            failures.push(format!("{name}: not in INBOX"));
            continue;
        }
        let got = header_value(&stored[delivered - 1], HEADER);
        let want_header = want.get("header").and_then(|h| h.as_str());
        if got.as_deref() != want_header {
            failures.push(format!(
                "{name}: {HEADER}: want {want_header:?}, got {got:?}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(delivered >= 5);
    // The host saw no plugin failure: every verdict above is the plugin's own.
    let status = backend.pipeline.plugins.as_ref().unwrap().status();
    assert_eq!(status[0].errors, 0, "{status:?}");
    assert_eq!(status[0].calls, expected.len() as u64);
}

fn view_of(raw: &[u8]) -> mailsift::plugins::types::Message {
    let env = pipeline::Envelope {
        queue_id: "ATTQ2".into(),
        mail_from: "sender@example.org".into(),
        recipients: vec!["alice@example.com".into()],
        helo: "client.example.org".into(),
        client_ip: std::net::IpAddr::from([127, 0, 0, 1]),
        authenticated_as: None,
        tls: None,
    };
    let ctx = MessageContext::new(&env, raw);
    view::message(&env, raw, ctx.parsed.as_ref(), None)
}

#[test]
fn settings_change_the_verdicts() {
    let dir = tempfile::tempdir().unwrap();
    let c = config(
        dir.path(),
        &[
            ("suspicious_archives", "tag"),
            ("suspicious_score", "2.5"),
            ("blocked_extensions", "bat"),
            ("extra_extensions", "pdf"),
        ],
        |_| {},
    );
    let host = PluginHost::new(&c, Arc::new(MemoryKv::default())).unwrap();
    host.load_all();
    let rcpts = ["alice@example.com".to_string()];
    let run = |name: &str| host.filter(&view_of(&corpus(name)), &rcpts).merged;

    // Too deep: now only tagged and scored.
    let m = run("zip-too-deep.eml");
    assert!(matches!(m.decision, Decision::Continue), "{:?}", m.decision);
    assert_eq!(m.tags, vec!["suspicious-archive"]);
    assert_eq!(m.score, 2.5);
    // The list replaced: .exe passes, .bat is still refused, .pdf added.
    assert!(matches!(run("upper-case.eml").decision, Decision::Continue));
    let m = run("harmless-zip-of-pdfs.eml");
    assert_eq!(
        m.decision,
        Decision::Reject(reply(
            "attachment \"reports.zip/q1.pdf\" has a blocked extension (.pdf)"
        ))
    );

    // Executable content: rejected when asked to.
    let dir = tempfile::tempdir().unwrap();
    let c = config(dir.path(), &[("executable_content", "reject")], |_| {});
    let host = PluginHost::new(&c, Arc::new(MemoryKv::default())).unwrap();
    host.load_all();
    let m = host
        .filter(
            &view_of(&corpus("executable-content-harmless-name.eml")),
            &rcpts,
        )
        .merged;
    assert_eq!(
        m.decision,
        Decision::Reject(reply(
            "attachment \"scan.pdf\" is an executable (Windows PE)"
        ))
    );

    // The defaults tag executables with the stable tag and score.
    let dir = tempfile::tempdir().unwrap();
    let c = config(dir.path(), &[], |_| {});
    let host = PluginHost::new(&c, Arc::new(MemoryKv::default())).unwrap();
    host.load_all();
    let m = host
        .filter(
            &view_of(&corpus("executable-content-harmless-name.eml")),
            &rcpts,
        )
        .merged;
    assert_eq!(m.tags, vec!["executable"]);
    assert_eq!(m.score, 3.0);
}

fn reply(text: &str) -> mailsift::plugins::verdict::Reply {
    mailsift::plugins::verdict::Reply {
        code: 554,
        enhanced: "5.7.0".into(),
        text: text.into(),
    }
}

#[tokio::test]
async fn a_failing_attachments_plugin_fails_closed() {
    // Only the memory cap is set, too small for this message (the plugin loads, but a 3 MB
    // message does not fit into 2 MiB): the bundled default policy is tempfail, so the message
    // is not let through unchecked.
    let dir = tempfile::tempdir().unwrap();
    let c = config(dir.path(), &[], |p| p.memory_mb = Some(2));
    assert_eq!(c.plugin_limits("attachments").on_error, OnError::Tempfail);
    let (backend, store) = backend(&c).await;
    let mut raw = corpus("zip.eml");
    let end = raw.len() - b"--=_mailsift_corpus_1--\r\n".len();
    let filler = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0\r\n";
    let big = format!(
        "--=_mailsift_corpus_1\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"data.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}",
        filler.repeat(40_000)
    );
    raw.splice(end..end, big.into_bytes());
    let reply = deliver(&backend, raw).await;
    assert_eq!(
        (reply.code, reply.enhanced.as_str()),
        (451, "4.7.0"),
        "{reply:?}"
    );
    assert!(inbox(&store).is_empty());
    let status = backend.pipeline.plugins.as_ref().unwrap().status();
    assert_eq!(status[0].on_error, "tempfail");
    assert_eq!(status[0].errors, 1);
}
