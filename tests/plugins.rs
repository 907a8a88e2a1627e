//! Plugin host tests with real components: the test plugins of `plugins/testing/`, built by
//! `scripts/build-plugins.sh` into `plugins/dist/testing/` (or the directory named by
//! `MAILSIFT_TEST_PLUGINS`). A missing component fails the test with instructions; it is never
//! skipped silently.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use mailsift::config::{Config, OnError, PluginConfig};
use mailsift::pipeline::{self, MessageContext};
use mailsift::plugins::{MemoryKv, PluginHost, StoreKv, types, view};
use mailsift::smtp::backend::{Envelope, IncomingMessage, RcptDecision, SmtpBackend};
use mailsift::smtp::delivery::MailBackend;
use mailsift::store::Store;

fn plugin_dir() -> PathBuf {
    match std::env::var_os("MAILSIFT_TEST_PLUGINS") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("plugins/dist/testing"),
    }
}

/// The built test component `name`, or a failure that says how to build it.
fn component(name: &str) -> PathBuf {
    let path = plugin_dir().join(format!("{name}.wasm"));
    assert!(
        path.is_file(),
        "test plugin {} is missing: build the test plugins with `scripts/build-plugins.sh plugins/dist` \
         (or point MAILSIFT_TEST_PLUGINS at a directory holding them)",
        path.display()
    );
    path
}

fn config(data_dir: &Path) -> Config {
    Config {
        data_dir: data_dir.to_path_buf(),
        ..Config::default()
    }
}

fn install(config: &Config, name: &str, as_name: &str) {
    std::fs::create_dir_all(config.plugin_dir()).unwrap();
    std::fs::copy(
        component(name),
        config.plugin_dir().join(format!("{as_name}.wasm")),
    )
    .unwrap();
}

fn envelope(rcpts: &[&str]) -> pipeline::Envelope {
    pipeline::Envelope {
        queue_id: "TESTQ1".into(),
        mail_from: "sender@example.org".into(),
        recipients: rcpts.iter().map(|r| r.to_string()).collect(),
        helo: "client.example.org".into(),
        client_ip: std::net::IpAddr::from([127, 0, 0, 1]),
        authenticated_as: None,
        tls: None,
    }
}

const MESSAGE: &str = "From: Sender <sender@example.org>\r\nTo: rcpt@example.com\r\nSubject: Hello\r\nMessage-ID: <1@example.org>\r\n\r\nHello there.\r\n";

fn view_of(rcpts: &[&str], raw: &[u8]) -> types::Message {
    let env = envelope(rcpts);
    let ctx = MessageContext::new(&env, raw);
    view::message(&env, raw, ctx.parsed.as_ref(), None)
}

fn headers_of(host: &PluginHost, raw: &[u8]) -> Vec<(String, String)> {
    host.filter(
        &view_of(&["rcpt@example.com"], raw),
        &["rcpt@example.com".into()],
    )
    .merged
    .add_headers
}

#[test]
fn add_header_plugin_annotates_with_config() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = config(dir.path());
    install(&c, "add-header", "add-header");
    let mut p = PluginConfig::default();
    p.config.insert("version".into(), toml::Value::Integer(7));
    c.plugin.insert("add-header".into(), p);
    let host = PluginHost::new(&c, Arc::new(MemoryKv::default())).unwrap();
    host.load_all();
    let loaded = host.registry().snapshot();
    assert_eq!(loaded.len(), 1);
    assert_eq!(loaded[0].info.name, "add-header");
    let headers = headers_of(&host, MESSAGE.as_bytes());
    assert_eq!(
        headers,
        vec![("X-Test-Plugin".to_string(), "7".to_string())]
    );
    let status = host.status();
    assert_eq!(status[0].calls, 1);
    assert_eq!(status[0].errors, 0);
    assert!(status[0].mean_us > 0.0);
}

#[test]
fn invalid_files_are_refused_and_the_previous_version_stays() {
    let dir = tempfile::tempdir().unwrap();
    let c = config(dir.path());
    install(&c, "add-header", "p");
    let host = PluginHost::new(&c, Arc::new(MemoryKv::default())).unwrap();
    host.load_all();
    let before = host.registry().current_hash("p").unwrap();
    let file = c.plugin_dir().join("p.wasm");
    // Not WebAssembly; a core module; a truncated component.
    let component_bytes = std::fs::read(component("add-header")).unwrap();
    for (bytes, expect) in [
        (b"this is not wasm".to_vec(), "magic number"),
        (b"\0asm\x01\0\0\0".to_vec(), "core WebAssembly module"),
        (
            component_bytes[..component_bytes.len() / 2].to_vec(),
            "invalid component",
        ),
    ] {
        std::fs::write(&file, &bytes).unwrap();
        assert!(!host.load_file("p", &file));
        assert_eq!(
            host.registry().current_hash("p").as_deref(),
            Some(before.as_str())
        );
        let status = host.status();
        let error = status[0].error.clone().unwrap_or_default();
        assert!(error.contains(expect), "{error}");
        // The old version still runs.
        assert_eq!(headers_of(&host, MESSAGE.as_bytes()).len(), 1);
    }
    // A new plugin that is invalid from the start is listed as refused.
    std::fs::write(c.plugin_dir().join("broken.wasm"), b"junk").unwrap();
    host.load_all();
    let status = host.status();
    let broken = status.iter().find(|s| s.name == "broken").unwrap();
    assert_eq!(broken.state, "refused");
}

#[test]
fn precompiled_artifacts_are_cached() {
    let dir = tempfile::tempdir().unwrap();
    let c = config(dir.path());
    install(&c, "add-header", "add-header");
    let host = PluginHost::new(&c, Arc::new(MemoryKv::default())).unwrap();
    host.load_all();
    let cached: Vec<_> = std::fs::read_dir(c.plugin_cache_dir())
        .unwrap()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "cwasm"))
        .collect();
    assert_eq!(cached.len(), 1);
    // A second host (a restart) loads from the cache, which is much faster than compiling.
    drop(host);
    let started = Instant::now();
    let host = PluginHost::new(&c, Arc::new(MemoryKv::default())).unwrap();
    host.load_all();
    assert_eq!(host.registry().snapshot().len(), 1);
    assert!(started.elapsed() < Duration::from_secs(5));
    // A damaged cache entry is detected and replaced, never loaded.
    let entry = cached[0].path();
    let mut bytes = std::fs::read(&entry).unwrap();
    let n = bytes.len();
    bytes[n / 2] ^= 0xff;
    std::fs::write(&entry, bytes).unwrap();
    let host = PluginHost::new(&c, Arc::new(MemoryKv::default())).unwrap();
    host.load_all();
    assert_eq!(headers_of(&host, MESSAGE.as_bytes()).len(), 1);
}

#[test]
fn watcher_swaps_in_replaced_and_new_components() {
    let dir = tempfile::tempdir().unwrap();
    let c = config(dir.path());
    install(&c, "add-header", "p");
    let host = Arc::new(PluginHost::new(&c, Arc::new(MemoryKv::default())).unwrap());
    host.load_all();
    let _watcher = host.spawn_watcher(Duration::from_millis(50));
    let old = host.registry().current_hash("p").unwrap();
    let in_flight = host.registry().snapshot();

    // Replace through a temporary name and a rename, as deployment tools do.
    let tmp = c.plugin_dir().join("p.wasm.tmp");
    std::fs::copy(component("noop"), &tmp).unwrap();
    std::fs::rename(&tmp, c.plugin_dir().join("p.wasm")).unwrap();
    let started = Instant::now();
    while host.registry().current_hash("p").as_deref() == Some(old.as_str()) {
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "not swapped within 2 s"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // A message that started before the swap still holds the old version.
    assert_eq!(in_flight[0].sha256, old);
    assert!(headers_of(&host, MESSAGE.as_bytes()).is_empty());

    // A garbage file dropped in is refused; the plugin keeps running.
    std::fs::write(c.plugin_dir().join("p.wasm"), b"garbage").unwrap();
    std::thread::sleep(Duration::from_millis(400));
    assert_eq!(host.registry().snapshot().len(), 1);
    assert!(host.status()[0].error.is_some());

    // A new file appears; a removed one disappears.
    install(&c, "add-header", "q");
    let started = Instant::now();
    while host.registry().snapshot().len() < 2 {
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "new plugin not loaded within 2 s"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    std::fs::remove_file(c.plugin_dir().join("p.wasm")).unwrap();
    let started = Instant::now();
    while host.registry().snapshot().len() != 1 {
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "removed plugin still loaded"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn plugin_test_reports_verdict_and_logs() {
    let dir = tempfile::tempdir().unwrap();
    let c = config(dir.path());
    let report = mailsift::plugins::test_plugin(
        &c,
        &component("add-header"),
        MESSAGE.as_bytes(),
        "sender@example.org",
        &["rcpt@example.com".into()],
    )
    .unwrap();
    assert!(report.error.is_none(), "{:?}", report.error);
    let verdict = report.verdict.unwrap();
    assert_eq!(verdict["decision"], "continue");
    assert_eq!(verdict["add_headers"][0][0], "X-Test-Plugin");
    assert!(
        report.logs.iter().any(|l| l.message.contains("TEST")),
        "{:?}",
        report.logs
    );
}

// ---- through the SMTP backend, with the real store -------------------------------------------

async fn backend_with(
    dir: &Path,
    plugins: &[(&str, &str)],
    tune: impl FnOnce(&mut Config),
) -> (MailBackend, Store, Config) {
    let mut c = config(dir);
    for (component_name, as_name) in plugins {
        install(&c, component_name, as_name);
    }
    tune(&mut c);
    let store = Store::open(&c.db_path()).unwrap();
    store
        .write(|tx| {
            tx.add_domain("example.com")?;
            tx.add_account("alice@example.com")?;
            tx.add_account("bob@example.com")?;
            Ok(())
        })
        .await
        .unwrap();
    let host = PluginHost::new(&c, Arc::new(StoreKv(store.clone()))).unwrap();
    host.load_all();
    let backend = MailBackend::with_plugins(store.clone(), Some(Arc::new(host)));
    (backend, store, c)
}

fn smtp_envelope(rcpts: &[&str]) -> Envelope {
    Envelope {
        queue_id: "TESTQ1".into(),
        mail_from: "sender@example.org".into(),
        recipients: rcpts.iter().map(|r| r.to_string()).collect(),
        helo: "client.example.org".into(),
        client_ip: std::net::IpAddr::from([127, 0, 0, 1]),
        authenticated_as: None,
        tls: None,
    }
}

fn inbox(store: &Store, address: &str) -> Vec<Vec<u8>> {
    let r = store.read().unwrap();
    let account = r.account(address).unwrap().unwrap();
    let mailbox = r.mailbox(account.id, "INBOX").unwrap().unwrap();
    r.messages(mailbox.id)
        .unwrap()
        .iter()
        .map(|m| r.blob(&m.blob).unwrap().unwrap())
        .collect()
}

#[tokio::test]
async fn delivered_message_carries_the_plugin_header() {
    let dir = tempfile::tempdir().unwrap();
    let (backend, store, _) =
        backend_with(dir.path(), &[("add-header", "add-header")], |_| {}).await;
    let env = smtp_envelope(&[]);
    assert_eq!(
        backend.check_recipient(&env, "alice@example.com").await,
        RcptDecision::Accept
    );
    let reply = backend
        .deliver(IncomingMessage {
            envelope: smtp_envelope(&["alice@example.com"]),
            raw: MESSAGE.as_bytes().to_vec(),
        })
        .await;
    assert_eq!(reply.code, 250, "{reply:?}");
    let stored = inbox(&store, "alice@example.com");
    assert_eq!(stored.len(), 1);
    let text = String::from_utf8_lossy(&stored[0]);
    assert!(text.starts_with("X-Test-Plugin: 1\r\n"), "{text}");
}

#[tokio::test]
async fn on_error_policy_for_a_failing_plugin() {
    // An invalid component never loads; a plugin that traps is handled by its policy. Here the
    // real faulty plugins: accept skips the verdict, tempfail answers 451 4.7.0.
    for (faulty, policy, expect) in [
        ("panic", OnError::Accept, 250),
        ("panic", OnError::Tempfail, 451),
        ("loop-forever", OnError::Accept, 250),
        ("loop-forever", OnError::Tempfail, 451),
        ("alloc-1gib", OnError::Accept, 250),
        ("alloc-1gib", OnError::Tempfail, 451),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let (backend, store, _) = backend_with(
            dir.path(),
            &[(faulty, "faulty"), ("add-header", "z-add-header")],
            |c| {
                c.plugin.insert(
                    "faulty".into(),
                    PluginConfig {
                        on_error: Some(policy),
                        cpu_ms: Some(100),
                        memory_mb: Some(64),
                        ..PluginConfig::default()
                    },
                );
            },
        )
        .await;
        let started = Instant::now();
        let reply = backend
            .deliver(IncomingMessage {
                envelope: smtp_envelope(&["alice@example.com"]),
                raw: MESSAGE.as_bytes().to_vec(),
            })
            .await;
        assert_eq!(reply.code, expect, "{faulty} {policy:?}: {reply:?}");
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{faulty}: took {:?}",
            started.elapsed()
        );
        let stored = inbox(&store, "alice@example.com");
        if expect == 250 {
            // Fail open: the faulty verdict is skipped, the next plugin still ran.
            assert_eq!(stored.len(), 1);
            assert!(String::from_utf8_lossy(&stored[0]).starts_with("X-Test-Plugin: 1\r\n"));
        } else {
            assert_eq!(reply.enhanced, "4.7.0");
            assert!(stored.is_empty());
        }
        // The host is intact: the next message goes through the same way.
        let again = backend
            .deliver(IncomingMessage {
                envelope: smtp_envelope(&["alice@example.com"]),
                raw: MESSAGE.as_bytes().to_vec(),
            })
            .await;
        assert_eq!(again.code, expect);
        let status = backend.pipeline.plugins.as_ref().unwrap().status();
        let row = status.iter().find(|s| s.name == "faulty").unwrap();
        assert_eq!(row.errors, 2, "{faulty}");
    }
}

#[tokio::test]
async fn check_recipient_refuses_one_of_two() {
    let dir = tempfile::tempdir().unwrap();
    let (backend, store, _) = backend_with(
        dir.path(),
        &[("refuse-recipient", "refuse-recipient")],
        |_| {},
    )
    .await;
    store
        .write(|tx| tx.add_account("blocked@example.com").map(|_| ()))
        .await
        .unwrap();
    let env = smtp_envelope(&[]);
    match backend.check_recipient(&env, "blocked@example.com").await {
        RcptDecision::Refuse(r) => assert_eq!((r.code, r.enhanced.as_str()), (550, "5.7.1")),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        backend.check_recipient(&env, "alice@example.com").await,
        RcptDecision::Accept
    );
    // Unknown users are the directory's answer, before any plugin runs.
    match backend
        .check_recipient(&env, "blocked-nobody@example.com")
        .await
    {
        RcptDecision::Refuse(r) => assert_eq!((r.code, r.enhanced.as_str()), (550, "5.1.1")),
        other => panic!("{other:?}"),
    }
    let reply = backend
        .deliver(IncomingMessage {
            envelope: smtp_envelope(&["alice@example.com"]),
            raw: MESSAGE.as_bytes().to_vec(),
        })
        .await;
    assert_eq!(reply.code, 250);
    assert_eq!(inbox(&store, "alice@example.com").len(), 1);
    assert!(inbox(&store, "blocked@example.com").is_empty());
}

#[tokio::test]
async fn key_value_stores_are_private_and_persistent() {
    let dir = tempfile::tempdir().unwrap();
    let probe = |order: i64, value: &str| PluginConfig {
        order: Some(order),
        config: [("read", "k"), ("write", "k"), ("value", value)]
            .into_iter()
            .map(|(k, v)| (k.to_string(), toml::Value::String(v.to_string())))
            .collect(),
        ..PluginConfig::default()
    };
    let (backend, store, _) =
        backend_with(dir.path(), &[("kv-probe", "a"), ("kv-probe", "b")], |c| {
            c.plugin.insert("a".into(), probe(1, "secret-of-a"));
            c.plugin.insert("b".into(), probe(2, "from-b"));
        })
        .await;
    for _ in 0..2 {
        let reply = backend
            .deliver(IncomingMessage {
                envelope: smtp_envelope(&["alice@example.com"]),
                raw: MESSAGE.as_bytes().to_vec(),
            })
            .await;
        assert_eq!(reply.code, 250);
    }
    let stored = inbox(&store, "alice@example.com");
    let first = String::from_utf8_lossy(&stored[0]);
    let second = String::from_utf8_lossy(&stored[1]);
    assert_eq!(first.matches("X-KV-Read: none").count(), 2, "{first}");
    // Each reads back only its own value: b's write of the same key did not touch a's.
    assert!(
        second.starts_with("X-KV-Read: secret-of-a\r\nX-KV-Read: from-b\r\n"),
        "{second}"
    );
    let r = store.read().unwrap();
    assert_eq!(
        r.plugin_kv_get("a", "k").unwrap().as_deref(),
        Some(&b"secret-of-a"[..])
    );
    assert_eq!(
        r.plugin_kv_get("b", "k").unwrap().as_deref(),
        Some(&b"from-b"[..])
    );
}

#[test]
fn plugins_run_in_configured_order_then_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = config(dir.path());
    for name in ["zeta", "alpha", "mid", "first"] {
        install(&c, "noop", name);
    }
    c.plugin.insert(
        "zeta".into(),
        PluginConfig {
            order: Some(1),
            ..PluginConfig::default()
        },
    );
    c.plugin.insert(
        "mid".into(),
        PluginConfig {
            order: Some(5),
            ..PluginConfig::default()
        },
    );
    c.plugin.insert(
        "first".into(),
        PluginConfig {
            enabled: Some(false),
            ..PluginConfig::default()
        },
    );
    let host = PluginHost::new(&c, Arc::new(MemoryKv::default())).unwrap();
    host.load_all();
    let names: Vec<String> = host
        .registry()
        .snapshot()
        .iter()
        .map(|p| p.name.clone())
        .collect();
    assert_eq!(names, vec!["zeta", "mid", "alpha"]);
    let status = host.status();
    assert!(
        status
            .iter()
            .any(|s| s.name == "first" && s.state == "disabled")
    );
}

/// Log lines written while a test runs, for tests that count what was reported.
#[derive(Clone, Default)]
struct Captured(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Captured {
        self.clone()
    }
}

/// The process-wide log capture (the watcher logs from its own thread, so a thread-local
/// subscriber would not see it). Tests look only at lines naming their own plugins.
fn captured_logs() -> Captured {
    static CAPTURE: std::sync::OnceLock<Captured> = std::sync::OnceLock::new();
    CAPTURE
        .get_or_init(|| {
            let c = Captured::default();
            let _ = tracing_subscriber::fmt()
                .with_max_level(tracing::Level::DEBUG)
                .with_ansi(false)
                .with_writer(c.clone())
                .try_init();
            c
        })
        .clone()
}

fn log_lines(c: &Captured, needle: &str) -> Vec<String> {
    String::from_utf8_lossy(&c.0.lock().unwrap())
        .lines()
        .filter(|l| l.contains(needle))
        .map(str::to_string)
        .collect()
}

#[test]
fn a_plugin_refused_for_a_passing_reason_is_retried_by_the_watcher() {
    let logs = captured_logs();
    let dir = tempfile::tempdir().unwrap();
    let c = config(dir.path());
    install(&c, "add-header", "retried");
    let host = Arc::new(PluginHost::new(&c, Arc::new(MemoryKv::default())).unwrap());
    // The start-up compile fails, and so does the first retry (as on a machine too busy to
    // compile in time); the file itself never changes.
    host.inject_load_failures(2);
    host.load_all();
    assert!(host.registry().snapshot().is_empty());
    let status = host.status();
    assert_eq!(status[0].state, "refused");
    assert!(
        status[0]
            .error
            .as_deref()
            .unwrap_or("")
            .contains("injected")
    );
    let started = Instant::now();
    let _watcher = host.spawn_watcher(Duration::from_millis(50));
    while host.registry().snapshot().is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "the refused plugin was not retried"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // Backoff: 1 s before the first retry, 2 s before the second.
    assert!(
        started.elapsed() >= Duration::from_millis(2500),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(headers_of(&host, MESSAGE.as_bytes()).len(), 1);
    assert_eq!(host.status()[0].state, "loaded");
    let lines = log_lines(&logs, "plugin=\"retried\"");
    assert_eq!(
        lines.iter().filter(|l| l.contains("ERROR")).count(),
        1,
        "{lines:#?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("plugin loaded") && l.contains("failed_before=2"))
    );
}

#[test]
fn an_invalid_plugin_is_reported_once_per_version_of_the_file() {
    let logs = captured_logs();
    let dir = tempfile::tempdir().unwrap();
    let c = config(dir.path());
    std::fs::create_dir_all(c.plugin_dir()).unwrap();
    let file = c.plugin_dir().join("flaky.wasm");
    let junk = c.plugin_dir().join("junk.wasm");
    let bytes = std::fs::read(component("add-header")).unwrap();
    // Truncated: a compile error, retried with backoff. Junk: not a component, never retried.
    std::fs::write(&file, &bytes[..bytes.len() / 2]).unwrap();
    std::fs::write(&junk, b"not wasm at all").unwrap();
    let host = Arc::new(PluginHost::new(&c, Arc::new(MemoryKv::default())).unwrap());
    host.load_all();
    let _watcher = host.spawn_watcher(Duration::from_millis(50));
    std::thread::sleep(Duration::from_millis(3500));
    assert!(host.registry().snapshot().is_empty());
    let flaky = log_lines(&logs, "plugin=\"flaky\"");
    let errors = flaky.iter().filter(|l| l.contains("ERROR")).count();
    let retries = flaky.iter().filter(|l| l.contains("still refused")).count();
    assert_eq!(errors, 1, "{flaky:#?}");
    assert!(
        retries >= 1,
        "the compile failure was not retried: {flaky:#?}"
    );
    let junk_lines = log_lines(&logs, "plugin=\"junk\"");
    assert_eq!(junk_lines.len(), 1, "{junk_lines:#?}");
    assert!(junk_lines[0].contains("until the file changes"));

    // The file is completed: it loads at once, and the junk file, rewritten, is reported again.
    std::fs::write(&file, &bytes).unwrap();
    std::fs::write(&junk, b"still not wasm").unwrap();
    let started = Instant::now();
    while host.registry().snapshot().is_empty() {
        assert!(started.elapsed() < Duration::from_secs(2), "not loaded");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(log_lines(&logs, "plugin=\"junk\"").len(), 2);
}

#[tokio::test]
async fn log_lines_of_blocking_work_carry_the_message_span() {
    use tracing::Instrument;
    let logs = captured_logs();
    let dir = tempfile::tempdir().unwrap();
    let (backend, _, _) = backend_with(dir.path(), &[("panic", "spanned")], |_| {}).await;
    // As the SMTP session does: the transaction's span, with the queue id, around delivery.
    let reply = backend
        .deliver(IncomingMessage {
            envelope: smtp_envelope(&["alice@example.com"]),
            raw: MESSAGE.as_bytes().to_vec(),
        })
        .instrument(tracing::info_span!("txn", queue_id = "SPANQ7"))
        .await;
    assert!(reply.code == 250 || reply.code == 451, "{reply:?}");
    // The plugin ran on a blocking thread; its failure is logged there, under the span.
    let lines = log_lines(&logs, "plugin=spanned");
    assert!(
        lines
            .iter()
            .any(|l| l.contains("plugin failed") && l.contains("SPANQ7")),
        "{lines:#?}"
    );
}

/// `kv.increment` is applied inside the store write: 16 deliveries at once, each adding 1 to
/// the same counter, leave exactly 16 (a `get` then `set` loses counts when calls overlap).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn atomic_increment_counts_16_concurrent_deliveries_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let (backend, store, _) = backend_with(dir.path(), &[("kv-counter", "counter")], |_| {}).await;
    let backend = Arc::new(backend);
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..16 {
        let backend = backend.clone();
        tasks.spawn(async move {
            let mut envelope = smtp_envelope(&["alice@example.com"]);
            envelope.queue_id = format!("TESTQ{i}");
            backend
                .deliver(IncomingMessage {
                    envelope,
                    raw: MESSAGE.as_bytes().to_vec(),
                })
                .await
        });
    }
    while let Some(reply) = tasks.join_next().await {
        assert_eq!(reply.unwrap().code, 250);
    }
    let r = store.read().unwrap();
    assert_eq!(
        r.plugin_kv_get("counter", "messages").unwrap().as_deref(),
        Some(&b"16"[..])
    );
    drop(r);
    // Each call saw its snapshot plus its own +1: a value in 1..=16.
    let stored = inbox(&store, "alice@example.com");
    assert_eq!(stored.len(), 16);
    for m in &stored {
        let text = String::from_utf8_lossy(m);
        let seen: i64 = text
            .lines()
            .find_map(|l| l.strip_prefix("X-KV-Count: "))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("no X-KV-Count in {text}"));
        assert!((1..=16).contains(&seen), "{seen}");
    }
}

/// Visibility rule: a refused message's key-value writes are kept.
#[tokio::test]
async fn a_refused_message_keeps_its_increments() {
    let dir = tempfile::tempdir().unwrap();
    let (backend, store, _) = backend_with(dir.path(), &[("kv-counter", "counter")], |c| {
        let mut p = PluginConfig::default();
        p.config
            .insert("reject".into(), toml::Value::String("true".into()));
        c.plugin.insert("counter".into(), p);
    })
    .await;
    for _ in 0..2 {
        let reply = backend
            .deliver(IncomingMessage {
                envelope: smtp_envelope(&["alice@example.com"]),
                raw: MESSAGE.as_bytes().to_vec(),
            })
            .await;
        assert_eq!(reply.code, 554);
    }
    let r = store.read().unwrap();
    assert_eq!(
        r.plugin_kv_get("counter", "messages").unwrap().as_deref(),
        Some(&b"2"[..])
    );
}

/// The compatibility promise: a component built against WIT 0.1.1 (before `kv.increment`),
/// importing the older `kv` interface, loads in this host and its `get`/`set` still work.
#[tokio::test]
async fn a_component_built_for_wit_0_1_1_loads_and_uses_the_older_kv() {
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/plugin-0.1.1/kv-probe.wasm");
    let bytes = std::fs::read(&fixture).unwrap();
    let has = |needle: &str| bytes.windows(needle.len()).any(|w| w == needle.as_bytes());
    assert!(
        has("mailsift:plugin/kv@0.1.1") && !has("@0.1.2") && !has("@0.1.3"),
        "the fixture is a 0.1.1 component importing kv"
    );
    let current = std::fs::read(component("kv-counter")).unwrap();
    assert!(
        current
            .windows(24)
            .any(|w| w == b"mailsift:plugin/kv@0.1.3"),
        "plugins/dist is built against the current WIT"
    );
    let dir = tempfile::tempdir().unwrap();
    let (backend, store, c) = backend_with(dir.path(), &[], |c| {
        c.plugin.insert(
            "old".into(),
            PluginConfig {
                config: [("read", "k"), ("write", "k"), ("value", "kept")]
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), toml::Value::String(v.to_string())))
                    .collect(),
                ..PluginConfig::default()
            },
        );
    })
    .await;
    drop(backend);
    std::fs::create_dir_all(c.plugin_dir()).unwrap();
    std::fs::copy(&fixture, c.plugin_dir().join("old.wasm")).unwrap();
    let host = PluginHost::new(&c, Arc::new(StoreKv(store.clone()))).unwrap();
    host.load_all();
    assert_eq!(
        host.registry().snapshot().len(),
        1,
        "the 0.1.1 component loads"
    );
    let backend = MailBackend::with_plugins(store.clone(), Some(Arc::new(host)));
    for _ in 0..2 {
        let reply = backend
            .deliver(IncomingMessage {
                envelope: smtp_envelope(&["alice@example.com"]),
                raw: MESSAGE.as_bytes().to_vec(),
            })
            .await;
        assert_eq!(reply.code, 250);
    }
    let stored = inbox(&store, "alice@example.com");
    assert!(String::from_utf8_lossy(&stored[0]).contains("X-KV-Read: none"));
    assert!(String::from_utf8_lossy(&stored[1]).contains("X-KV-Read: kept"));
}

// --- Instance reuse for plugins that declare themselves stateless (WIT 0.1.3 `traits`) -------

/// A host with the `reuse-probe` test plugin (declared stateless; counts in a static the calls
/// its instance served) and its key-value data in memory.
fn reuse_host(tune: impl FnOnce(&mut Config)) -> (tempfile::TempDir, PluginHost, MemoryKv) {
    let dir = tempfile::tempdir().unwrap();
    let mut c = config(dir.path());
    install(&c, "reuse-probe", "probe");
    tune(&mut c);
    let kv = MemoryKv::default();
    let host = PluginHost::new(&c, Arc::new(kv.clone())).unwrap();
    host.load_all();
    (dir, host, kv)
}

/// One message with `subject` through the host: (X-Instance-Calls, X-KV-Seen), or the failure.
fn probe(host: &PluginHost, kv: &MemoryKv, subject: &str) -> Result<(u32, u32), String> {
    let raw = format!("From: a@example.org\r\nSubject: {subject}\r\n\r\nbody\r\n");
    let out = host.filter(
        &view_of(&["rcpt@example.com"], raw.as_bytes()),
        &["rcpt@example.com".into()],
    );
    kv.apply(&out.kv_writes);
    if let Some(failed) = out.calls.iter().find(|c| c.decision.starts_with("failed")) {
        return Err(failed.decision.clone());
    }
    let get = |name: &str| {
        out.merged
            .add_headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.parse::<u32>().unwrap())
            .unwrap_or_else(|| panic!("no {name} in {:?}", out.merged.add_headers))
    };
    Ok((get("X-Instance-Calls"), get("X-KV-Seen")))
}

#[test]
fn a_stateless_plugin_reuses_its_instance_up_to_reuse_calls() {
    let (_dir, host, kv) = reuse_host(|c| c.plugins.reuse_calls = 3);
    let loaded = host.registry().snapshot();
    assert!(loaded[0].traits.contains(types::PluginTraits::STATELESS));
    assert!(loaded[0].reuses_instances());
    let seen: Vec<(u32, u32)> = (0..7).map(|_| probe(&host, &kv, "hi").unwrap()).collect();
    // Three calls per instance, then a fresh one; every call reads a fresh key-value snapshot
    // (it sees the previous call's committed increment).
    assert_eq!(
        seen,
        vec![(1, 1), (2, 2), (3, 3), (1, 4), (2, 5), (3, 6), (1, 7)]
    );
    assert_eq!(loaded[0].idle_instances(), 1);
}

#[test]
fn reuse_calls_0_gives_every_call_a_fresh_instance() {
    let (_dir, host, kv) = reuse_host(|c| c.plugins.reuse_calls = 0);
    assert!(!host.registry().snapshot()[0].reuses_instances());
    for i in 1..=3 {
        assert_eq!(probe(&host, &kv, "hi").unwrap(), (1, i));
    }
}

#[test]
fn a_trap_drops_the_reused_instance() {
    let (_dir, host, kv) = reuse_host(|_| {});
    assert_eq!(probe(&host, &kv, "hi").unwrap().0, 1);
    assert_eq!(probe(&host, &kv, "hi").unwrap().0, 2);
    let err = probe(&host, &kv, "panic").unwrap_err();
    assert!(err.contains("trapped"), "{err}");
    // The instance that trapped is gone: the next call starts on a fresh one.
    assert_eq!(host.registry().snapshot()[0].idle_instances(), 0);
    assert_eq!(probe(&host, &kv, "hi").unwrap().0, 1);
    assert_eq!(probe(&host, &kv, "hi").unwrap().0, 2);
}

#[test]
fn the_memory_cap_holds_across_reused_calls_and_drops_the_instance() {
    let (_dir, host, kv) = reuse_host(|c| {
        c.plugin.insert(
            "probe".into(),
            PluginConfig {
                memory_mb: Some(8),
                ..PluginConfig::default()
            },
        );
    });
    // Each "grow" call keeps 1 MiB: the cap of the instance is reached after a few calls. The
    // call that hits it on the reused instance is run again on a fresh one (the message gets
    // the verdict a fresh instance gives), and that instance serves the calls after it.
    let mut counts = Vec::new();
    for _ in 0..16 {
        counts.push(probe(&host, &kv, "grow").unwrap().0);
    }
    let restart = counts
        .iter()
        .skip(1)
        .position(|&n| n == 1)
        .expect("the memory cap was never reached")
        + 1;
    assert!(restart > 1, "{counts:?}");
    let expected: Vec<u32> = (1..=restart as u32).chain(1..).take(16).collect();
    assert!(
        counts[..restart + 1] == expected[..restart + 1],
        "one instance per run of calls up to the cap: {counts:?}"
    );
    // Every kv increment of the failed attempts was dropped: 16 messages, 16 counts.
    assert_eq!(probe(&host, &kv, "hi").unwrap().1, 17);
}

#[test]
fn concurrent_calls_never_share_an_instance() {
    let (_dir, host, kv) = reuse_host(|_| {});
    let host = Arc::new(host);
    let counts: Vec<u32> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|_| {
                let host = host.clone();
                let kv = kv.clone();
                s.spawn(move || {
                    (0..25)
                        .map(|_| probe(&host, &kv, "hi").unwrap().0)
                        .collect::<Vec<u32>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    assert_eq!(counts.len(), 200);
    // Each instance counts its calls 1, 2, 3, … one at a time: there are at least as many
    // calls that saw n as saw n + 1, whatever the interleaving. Reuse did happen.
    let max = *counts.iter().max().unwrap();
    assert!(max > 1, "no instance was reused");
    for n in 1..max {
        let at = |k: u32| counts.iter().filter(|&&c| c == k).count();
        assert!(at(n) >= at(n + 1), "{n}: {} < {}", at(n), at(n + 1));
    }
    let idle = host.registry().snapshot()[0].idle_instances();
    assert!((1..=32).contains(&idle), "{idle} idle instances");
}

/// Components built against 0.1.0–0.1.2 have no `traits` export: they load, run, and get a
/// fresh instance per call as before.
#[test]
fn components_built_before_0_1_3_load_and_are_not_reused() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let old = fixtures.join("plugin-0.1.2/noop.wasm");
    let bytes = std::fs::read(&old).unwrap();
    let has = |needle: &str| bytes.windows(needle.len()).any(|w| w == needle.as_bytes());
    assert!(
        has("mailsift:plugin/types@0.1.2") && !has("@0.1.3"),
        "the fixture is a 0.1.2 component"
    );
    let current = std::fs::read(component("noop-stateless")).unwrap();
    assert!(
        current
            .windows(27)
            .any(|w| w == b"mailsift:plugin/types@0.1.3"),
        "plugins/dist is built against the current WIT"
    );
    let dir = tempfile::tempdir().unwrap();
    let c = config(dir.path());
    std::fs::create_dir_all(c.plugin_dir()).unwrap();
    std::fs::copy(&old, c.plugin_dir().join("a-old.wasm")).unwrap();
    std::fs::copy(
        fixtures.join("plugin-0.1.0/add-header.wasm"),
        c.plugin_dir().join("b-older.wasm"),
    )
    .unwrap();
    install(&c, "noop-stateless", "c-new");
    let host = PluginHost::new(&c, Arc::new(MemoryKv::default())).unwrap();
    host.load_all();
    let loaded = host.registry().snapshot();
    assert_eq!(loaded.len(), 3);
    for p in &loaded[..2] {
        assert!(
            p.traits == types::PluginTraits::empty() && !p.reuses_instances(),
            "{}",
            p.name
        );
    }
    assert!(loaded[2].reuses_instances());
    for _ in 0..3 {
        let out = host.filter(
            &view_of(&["rcpt@example.com"], MESSAGE.as_bytes()),
            &["rcpt@example.com".into()],
        );
        assert!(out.calls.iter().all(|c| !c.decision.starts_with("failed")));
        assert_eq!(out.merged.add_headers.len(), 1, "the 0.1.0 plugin ran");
    }
    assert_eq!(loaded[0].idle_instances(), 0);
    assert_eq!(loaded[2].idle_instances(), 1);
}
