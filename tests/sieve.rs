//! Data-driven Sieve cases: every folder under `tests/sieve_cases/` is one case —
//! `script.sieve` (bob's active script), `message.eml` (what arrives), `expected.toml` (the
//! SMTP reply, the copies stored in bob's folders with flags and headers, the messages queued).
//! A new case is one new folder. Messages run through the real pipeline: the
//! `verdict-from-headers` test plugin poses as the filters (X-Test-Score, X-Test-Tags,
//! X-Test-Folder, X-Test-Reject), then Sieve, then the store.
//!
//! Every queued message (redirects, vacation replies, notifications, DSNs) is then delivered by
//! the real outbound worker over SMTP on 127.0.0.1 to a capturing server (`[outbound.routes]`
//! sends every remote domain there), and the case checks what the destination received: the
//! envelope sender, the recipient and the `contains` strings; the queue must end empty.

mod support;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use mailsift::config::Config;
use mailsift::outbound::Outbound;
use mailsift::plugins::{PluginHost, StoreKv};
use mailsift::sieve::SieveRunner;
use mailsift::smtp::backend::{Envelope, IncomingMessage, SmtpBackend};
use mailsift::smtp::delivery::MailBackend;
use mailsift::srs::Srs;
use mailsift::store::Store;
use serde::Deserialize;
use tokio::net::TcpListener;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expected {
    #[serde(default = "default_from")]
    from: String,
    #[serde(default = "default_to")]
    to: Vec<String>,
    /// Scripts of bob's other than the active one (for include).
    #[serde(default)]
    other_scripts: Vec<String>,
    /// Entries of bob's allow list (for extlists).
    #[serde(default)]
    allow: Vec<String>,
    /// Deliver the message this many times (duplicate, vacation's once-per-period).
    #[serde(default = "one")]
    times: usize,
    reply: u16,
    #[serde(default)]
    reply_contains: Option<String>,
    #[serde(default)]
    stored: Vec<Stored>,
    #[serde(default)]
    queued: Vec<Queued>,
}

fn default_from() -> String {
    "sender@remote.test".into()
}
fn default_to() -> Vec<String> {
    vec!["bob@example.org".into()]
}
fn one() -> usize {
    1
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Stored {
    #[serde(default = "bob")]
    account: String,
    folder: String,
    #[serde(default)]
    flags: Vec<String>,
    #[serde(default)]
    contains: Vec<String>,
    #[serde(default)]
    lacks: Vec<String>,
}

fn bob() -> String {
    "bob@example.org".into()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Queued {
    to: String,
    /// The envelope sender, queued and delivered, exactly (`""`: the null sender).
    #[serde(default)]
    from: Option<String>,
    /// The envelope sender is an SRS address of bob's domain that stands for this address
    /// (a redirect of mail from outside, `srs.rs`), queued and delivered.
    #[serde(default)]
    srs_of: Option<String>,
    #[serde(default)]
    contains: Vec<String>,
}

/// The SRS secret of the cases: redirects rewrite their sender with it.
const SRS_SECRET: &[u8] = b"sieve-cases-secret";

fn srs() -> Arc<Srs> {
    Arc::new(Srs::new(SRS_SECRET, &[], 21))
}

impl Queued {
    /// Whether `sender` is the envelope sender this message should have.
    fn sender_ok(&self, sender: &str) -> bool {
        if let Some(f) = &self.from
            && f != sender
        {
            return false;
        }
        if let Some(orig) = &self.srs_of {
            let now = chrono::Utc::now().timestamp();
            let Some((local, domain)) = sender.rsplit_once('@') else {
                return false;
            };
            return domain == "example.org"
                && srs()
                    .reverse(local, now)
                    .is_ok_and(|a| a.eq_ignore_ascii_case(orig));
        }
        true
    }
}

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sieve_cases")
}

fn test_plugin() -> PathBuf {
    let dir = match std::env::var_os("MAILSIFT_TEST_PLUGINS") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("plugins/dist/testing"),
    };
    let p = dir.join("verdict-from-headers.wasm");
    assert!(
        p.is_file(),
        "{} is missing: run scripts/build-plugins.sh plugins/dist",
        p.display()
    );
    p
}

async fn run_case(case: &Path) -> Result<(), String> {
    let read = |f: &str| std::fs::read_to_string(case.join(f)).map_err(|e| format!("{f}: {e}"));
    let expected: Expected =
        toml::from_str(&read("expected.toml")?).map_err(|e| format!("expected.toml: {e}"))?;
    let script = read("script.sieve")?;
    let message = read("message.eml")?
        .replace("\r\n", "\n")
        .replace('\n', "\r\n");
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let config = Config {
        hostname: "mx.example.org".into(),
        data_dir: dir.path().to_path_buf(),
        ..Config::default()
    };
    std::fs::create_dir_all(config.plugin_dir()).map_err(|e| e.to_string())?;
    std::fs::copy(
        test_plugin(),
        config.plugin_dir().join("verdict-from-headers.wasm"),
    )
    .map_err(|e| e.to_string())?;
    let store = Store::open(&config.db_path()).map_err(|e| e.to_string())?;
    let limits = config.sieve.limits;
    mailsift::sieve::check_script(script.as_bytes(), &limits)
        .map_err(|e| format!("script.sieve: {e}"))?;
    let mut others = Vec::new();
    for name in &expected.other_scripts {
        others.push((name.clone(), read(&format!("{name}.sieve"))?));
    }
    let allow = expected.allow.clone();
    store
        .write(move |tx| {
            tx.add_domain("example.org")?;
            let bob = tx.add_account("bob@example.org")?.id;
            tx.add_account("carol@example.org")?;
            tx.sieve_put(bob, "main", &script, 32)?;
            for (name, text) in &others {
                tx.sieve_put(bob, name, text, 32)?;
            }
            for entry in &allow {
                tx.list_add(
                    &mailsift::store::ListScope::Account("bob@example.org".into()),
                    mailsift::store::ListKind::Allow,
                    entry,
                )?;
            }
            tx.sieve_set_active(bob, Some("main"))
        })
        .await
        .map_err(|e| e.to_string())?;
    let host =
        PluginHost::new(&config, Arc::new(StoreKv(store.clone()))).map_err(|e| e.to_string())?;
    host.load_all();
    let mut backend = MailBackend::with_plugins(store.clone(), Some(Arc::new(host)));
    backend.pipeline.srs = Some(srs());
    backend.pipeline.sieve = Some(Arc::new(
        SieveRunner::new(&config)
            .map_err(|e| e.to_string())?
            .with_srs(Some(srs())),
    ));
    let mut reply = None;
    for i in 0..expected.times {
        let r = backend
            .deliver(IncomingMessage {
                envelope: Envelope {
                    queue_id: format!("Q{i}"),
                    mail_from: expected.from.clone(),
                    recipients: expected.to.clone(),
                    helo: "client.test".into(),
                    client_ip: std::net::IpAddr::from([127, 0, 0, 1]),
                    authenticated_as: None,
                    tls: None,
                },
                raw: message.clone().into_bytes(),
            })
            .await;
        reply = Some(r);
    }
    let reply = reply.ok_or("times = 0")?;
    if reply.code != expected.reply {
        return Err(format!(
            "reply {} {} {}, expected {}",
            reply.code, reply.enhanced, reply.text, expected.reply
        ));
    }
    if let Some(want) = &expected.reply_contains
        && !reply.text.contains(want.as_str())
    {
        return Err(format!("reply text {:?} lacks {want:?}", reply.text));
    }
    // What is stored, per account: (folder, flags, content).
    // What the store holds, read in a scope that ends before any `.await`.
    let (queue, transactions, remote) = {
        let r = store.read().map_err(|e| e.to_string())?;
        let mut found: Vec<(String, String, Vec<String>, String)> = Vec::new();
        for account in ["bob@example.org", "carol@example.org"] {
            let a = r
                .account(account)
                .map_err(|e| e.to_string())?
                .ok_or("account")?;
            for mb in r.mailboxes(a.id).map_err(|e| e.to_string())? {
                for m in r.messages(mb.id).map_err(|e| e.to_string())? {
                    let raw = r
                        .blob(&m.blob)
                        .map_err(|e| e.to_string())?
                        .unwrap_or_default();
                    found.push((
                        account.to_string(),
                        mb.name.clone(),
                        m.flags.clone(),
                        String::from_utf8_lossy(&raw).into_owned(),
                    ));
                }
            }
        }
        let summary = || {
            found
                .iter()
                .map(|f| format!("{}:{} {:?}", f.0, f.1, f.2))
                .collect::<Vec<_>>()
        };
        if found.len() != expected.stored.len() {
            return Err(format!(
                "stored {:?}, expected {} copies",
                summary(),
                expected.stored.len()
            ));
        }
        for want in &expected.stored {
            let hit = found.iter().any(|(acct, folder, flags, raw)| {
                *acct == want.account
                    && folder.eq_ignore_ascii_case(&want.folder)
                    && want
                        .flags
                        .iter()
                        .all(|f| flags.iter().any(|g| g.eq_ignore_ascii_case(f)))
                    && want.contains.iter().all(|c| raw.contains(c.as_str()))
                    && !want.lacks.iter().any(|c| raw.contains(c.as_str()))
            });
            if !hit {
                return Err(format!(
                    "no stored copy matches {want:?}; stored {:?}",
                    summary()
                ));
            }
        }
        let queue = r.queue().map_err(|e| e.to_string())?;
        if queue.len() != expected.queued.len() {
            return Err(format!(
                "queued {:?}, expected {}",
                queue
                    .iter()
                    .map(|q| (&q.mail_from, &q.recipients))
                    .collect::<Vec<_>>(),
                expected.queued.len()
            ));
        }
        for want in &expected.queued {
            let hit = queue.iter().any(|q| {
                q.recipients
                    .iter()
                    .any(|t| t.eq_ignore_ascii_case(&want.to))
                    && want.sender_ok(&q.mail_from)
                    && {
                        let raw = r.blob(&q.blob).ok().flatten().unwrap_or_default();
                        let raw = String::from_utf8_lossy(&raw);
                        want.contains.iter().all(|c| raw.contains(c.as_str()))
                    }
            });
            if !hit {
                return Err(format!(
                    "no queued message matches {want:?}; queued {:?}",
                    queue
                        .iter()
                        .map(|q| (&q.mail_from, &q.recipients))
                        .collect::<Vec<_>>()
                ));
            }
        }
        // One SMTP transaction per queue entry and recipient domain.
        let transactions: usize = queue
            .iter()
            .map(|q| {
                let mut domains: Vec<String> = q.recipients.iter().map(|r| domain_of(r)).collect();
                domains.sort();
                domains.dedup();
                domains.len()
            })
            .sum();
        let remote: Vec<String> = queue
            .iter()
            .flat_map(|q| q.recipients.iter().map(|r| domain_of(r)))
            .collect();
        (queue, transactions, remote)
    };
    if queue.is_empty() {
        return Ok(());
    }
    deliver_queued(&store, config, &remote, &expected.queued, transactions).await
}

fn domain_of(address: &str) -> String {
    address
        .rsplit_once('@')
        .map(|(_, d)| d.to_ascii_lowercase())
        .unwrap_or_default()
}

/// Delivers the queue with the real outbound worker to a capturing SMTP server that every
/// remote domain of the queue is routed to, and checks what arrived there.
async fn deliver_queued(
    store: &Store,
    mut config: Config,
    domains: &[String],
    want: &[Queued],
    transactions: usize,
) -> Result<(), String> {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    for d in domains {
        config.outbound.routes.insert(d.clone(), addr.to_string());
    }
    config.outbound.timeout = 10;
    let got = support::smtp_sink::sink(listener).await;
    let outbound = Outbound::new(store.clone(), &config).map_err(|e| e.to_string())?;
    // Everything is due at once and the sink accepts it: one scan delivers the lot; a few
    // more only in case a scan found the concurrency bound taken.
    for _ in 0..5 {
        for h in outbound.scan() {
            h.await.map_err(|e| e.to_string())?;
        }
        if store
            .read()
            .and_then(|r| r.queue())
            .map_err(|e| e.to_string())?
            .is_empty()
        {
            break;
        }
    }
    let left = store
        .read()
        .and_then(|r| r.queue())
        .map_err(|e| e.to_string())?;
    if !left.is_empty() {
        return Err(format!(
            "not delivered: {:?}",
            left.iter()
                .map(|q| (&q.mail_from, &q.recipients, &q.log))
                .collect::<Vec<_>>()
        ));
    }
    let got = got.lock().map_err(|e| e.to_string())?.clone();
    let summary = || {
        got.iter()
            .map(|g| format!("<{}> -> {:?}", g.from, g.to))
            .collect::<Vec<_>>()
    };
    if got.len() != transactions {
        return Err(format!(
            "the destination received {:?}, expected {transactions} messages",
            summary()
        ));
    }
    for w in want {
        let hit = got.iter().any(|g| {
            g.to.iter().any(|t| t.eq_ignore_ascii_case(&w.to))
                && w.sender_ok(&g.from)
                && w.contains.iter().all(|c| g.data.contains(c.as_str()))
        });
        if !hit {
            return Err(format!(
                "no delivered message matches {w:?}; the destination received {:?}",
                summary()
            ));
        }
    }
    Ok(())
}

#[tokio::test]
async fn sieve_cases() {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(cases_dir())
        .expect("tests/sieve_cases")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    assert!(cases.len() >= 30, "only {} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        if let Err(e) = run_case(case).await {
            failures.push(format!(
                "{}: {e}",
                case.file_name().unwrap_or_default().to_string_lossy()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// `mailsift sieve test SCRIPT MESSAGE` prints the actions a script would take.
#[test]
fn sieve_test_command() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("s.sieve");
    std::fs::write(
        &script,
        "require [\"fileinto\", \"spamtest\", \"relational\", \"comparator-i;ascii-numeric\", \"vacation\"];\n\
         if spamtest :value \"ge\" :comparator \"i;ascii-numeric\" \"5\" { fileinto \"Junk\"; stop; }\n\
         vacation \"Away\";\n",
    )
    .unwrap();
    let msg = dir.path().join("m.eml");
    std::fs::write(
        &msg,
        "From: a@b.test\r\nTo: bob@example.org\r\nSubject: hi\r\n\r\nbody\r\n",
    )
    .unwrap();
    let run = |extra: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_mailsift"))
            .args(["sieve", "test"])
            .arg(&script)
            .arg(&msg)
            .args(extra)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let spam = run(&["--score", "8"]);
    assert!(
        spam.starts_with("fileinto") && spam.contains("Junk") && !spam.contains("send"),
        "{spam}"
    );
    let ham = run(&["--from", "alice@b.test", "--to", "bob@example.org"]);
    assert!(
        ham.contains("keep")
            && ham.contains("send (vacation/notify)")
            && ham.contains("alice@b.test"),
        "{ham}"
    );
    std::fs::write(&script, "require \"fileinto\";\n\nfileinto;\n").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mailsift"))
        .args(["sieve", "test"])
        .arg(&script)
        .arg(&msg)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("line 3"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
