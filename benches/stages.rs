//! Per-stage cost of the inbound pipeline (issue 19): the real stages the server runs
//! (`pipeline::stages::inbound`), with the bundled plugins from `plugins/dist` under their
//! default settings, the default Sieve script, a redb store with default options and sender
//! authentication through the server's own resolver against a DNS server on 127.0.0.1
//! (tests/support/dns.rs). Prints a Markdown table of wall µs per message (median of the
//! iterations, and the minimum) for each stage:
//!
//! - parse: `MessageContext::new` (the depth scan and mail-parser), and next to it what sender
//!   authentication parses: `AuthenticatedMessage::parse` of the raw message against
//!   `AuthenticatedMessage::from_parsed` of the pipeline's parse; then side by side the two
//!   parses the server made before issue 19 (`parse-twice`) and the one it makes now
//!   (`parse-once`: `pipeline::Received`);
//! - sender authentication on the parsed message (SPF, DKIM, DMARC, ARC, our
//!   Authentication-Results, the forged-field strip and the stage itself), with a warm resolver
//!   cache (a busy server) and a cold one (a fresh resolver per message: every lookup goes to
//!   the DNS server);
//! - each bundled plugin alone, then the plugin stage with all of them, as the server runs it;
//! - Sieve (the default script, one recipient), then for a recipient with a script of their
//!   own (kept compiled by the runner), and the compile of that script alone;
//! - the commit: one durable store write per message, and `BATCH` concurrent deliveries that
//!   the store's writer batches into one commit (µs per message);
//! - the whole `Pipeline::process` (everything above, from the end of DATA to durable).
//!
//!     cargo bench --bench stages -- [ITERATIONS] [MESSAGE.eml] [--batch N] [--only STAGE]
//!
//! Defaults: 200 iterations, a synthetic 5 KB message like smtp-source's (DKIM-signed by the
//! sender's domain, SPF and DMARC published), batch 16. A message file (a corpus message, e.g.
//! tests/corpus/modern/ham/001-coffee-subscription-receipt.eml) is sent from the same domain,
//! its line ends made CRLF as SMTP's DATA reader makes them.
//! `--only STAGE` (parse, auth-parse, auth-from-parsed, parse-twice, parse-once, auth-warm,
//! auth-cold, plugin:NAME, plugins, plugins-batch, sieve, sieve-user, sieve-compile, commit,
//! commit-batch, rcpt, rcpt-hooks, process) runs one row, for instruction counts:
//! `valgrind --tool=callgrind` at two iteration counts, the difference divided by the
//! difference of iterations is the instructions per message.
//! `--train LIST [--train-count N]` first trains the spam plugin's global model in the store on
//! a corpus list (`spam PATH`/`ham PATH` lines, as target/corpus/spam-assassin/train.list; N
//! messages of each class, default 100), so that its rows read a trained model (one key per
//! token); `--kv-cache-mb N` sizes the store's cache of those reads (0: off) for an A/B.
//! `--kv-filter-mb N` sizes the filter of stored keys (0: off; `store/kv_filter.rs`).
//! `MAILSIFT_BENCH_EVICT=KiB` evicts the caches before each timed run (what the server's other
//! work does between two messages); `MAILSIFT_BENCH_BATCH=B` sizes `plugins-batch` (default 4).

#[path = "../tests/support/dns.rs"]
#[allow(dead_code)]
mod dns;

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use mail_auth::AuthenticatedMessage;
use mail_auth::common::crypto::{RsaKey, Sha256};
use mail_auth::common::headers::HeaderWriter;
use mail_auth::dkim::DkimSigner;
use mailsift::auth::{Inbound, SenderAuth, dkim_key};
use mailsift::config::Config;
use mailsift::directory::Directory;
use mailsift::pipeline::stages::{self, Stage};
use mailsift::pipeline::{DeliveryPlan, Envelope, InboundAuth, MessageContext, Pipeline, Received};
use mailsift::plugins::{PluginHost, StoreKv};
use mailsift::sieve::SieveRunner;
use mailsift::store::{DkimKey, Store, TraceRecord};

const SENDER_DOMAIN: &str = "shop.example";
const CLIENT_IP: [u8; 4] = [192, 0, 2, 7];
const RCPT: &str = "rcpt@example.com";
/// A user's filter script as a webmail's filter editor writes it: 26 rules (lists, senders,
/// subjects, size, priority, body words, variables, envelope), none matching the bench message.
const USER_SIEVE: &str = r#"require ["fileinto", "imap4flags", "envelope", "regex", "variables", "relational", "comparator-i;ascii-numeric", "mailbox", "body"];
# rule:[list rust-lang]
if header :contains "list-id" "rust-lang" {
    fileinto :create "Lists/rust-lang";
    stop;
}
# rule:[list debian-devel]
if header :contains "list-id" "debian-devel" {
    fileinto :create "Lists/debian-devel";
    stop;
}
# rule:[list lwn]
if header :contains "list-id" "lwn" {
    fileinto :create "Lists/lwn";
    stop;
}
# rule:[list postgres-hackers]
if header :contains "list-id" "postgres-hackers" {
    fileinto :create "Lists/postgres-hackers";
    stop;
}
# rule:[list kernel]
if header :contains "list-id" "kernel" {
    fileinto :create "Lists/kernel";
    stop;
}
# rule:[list python-dev]
if header :contains "list-id" "python-dev" {
    fileinto :create "Lists/python-dev";
    stop;
}
# rule:[list llvm-dev]
if header :contains "list-id" "llvm-dev" {
    fileinto :create "Lists/llvm-dev";
    stop;
}
# rule:[list freebsd-current]
if header :contains "list-id" "freebsd-current" {
    fileinto :create "Lists/freebsd-current";
    stop;
}
# rule:[list openbsd-tech]
if header :contains "list-id" "openbsd-tech" {
    fileinto :create "Lists/openbsd-tech";
    stop;
}
# rule:[list haskell-cafe]
if header :contains "list-id" "haskell-cafe" {
    fileinto :create "Lists/haskell-cafe";
    stop;
}
# rule:[sender 0]
if address :is "from" "billing@bank.example" {
    addflag "\\Flagged";
    fileinto "Important";
    stop;
}
# rule:[sender 1]
if address :is "from" "noreply@shop.example" {
    addflag "\\Flagged";
    fileinto "Important";
    stop;
}
# rule:[sender 2]
if address :is "from" "alerts@monitoring.example" {
    addflag "\\Flagged";
    fileinto "Important";
    stop;
}
# rule:[sender 3]
if address :is "from" "boss@work.example" {
    addflag "\\Flagged";
    fileinto "Important";
    stop;
}
# rule:[sender 4]
if address :is "from" "hr@work.example" {
    addflag "\\Flagged";
    fileinto "Important";
    stop;
}
# rule:[subject 0]
if anyof (header :contains "subject" "invoice", header :regex "subject" "^\\[invoice\\]") {
    fileinto "Filed/0";
}
# rule:[subject 1]
if anyof (header :contains "subject" "receipt", header :regex "subject" "^\\[receipt\\]") {
    fileinto "Filed/1";
}
# rule:[subject 2]
if anyof (header :contains "subject" "unsubscribe", header :regex "subject" "^\\[unsubscribe\\]") {
    fileinto "Filed/2";
}
# rule:[subject 3]
if anyof (header :contains "subject" "webinar", header :regex "subject" "^\\[webinar\\]") {
    fileinto "Filed/3";
}
# rule:[subject 4]
if anyof (header :contains "subject" "password reset", header :regex "subject" "^\\[password reset\\]") {
    fileinto "Filed/4";
}
# rule:[big]
if size :over 5M {
    fileinto "Large";
}
# rule:[priority]
if header :value "ge" :comparator "i;ascii-numeric" "x-priority" "4" {
    addflag "$Low";
}
# rule:[spam words]
if body :text :contains ["viagra", "lottery winner", "wire transfer now"] {
    fileinto "Junk";
    stop;
}
# rule:[vars]
if header :matches "to" "*+*@*" {
    set "detail" "${2}";
    fileinto "Plus/${detail}";
}
# rule:[envelope]
if envelope :domain :is "from" "partner.example" {
    fileinto "Partners";
}
# rule:[exists]
if exists "x-github-reason" {
    fileinto "GitHub";
}
"#;

struct Args {
    iterations: usize,
    message: Option<PathBuf>,
    batch: usize,
    only: Option<String>,
    train: Option<PathBuf>,
    train_count: usize,
    kv_cache_mb: Option<usize>,
    kv_filter_mb: Option<usize>,
}

fn args() -> Args {
    let mut a = Args {
        iterations: 200,
        message: None,
        batch: 16,
        only: None,
        train: None,
        train_count: 100,
        kv_cache_mb: None,
        kv_filter_mb: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            // `cargo bench` passes `--bench` to a harness-less bench.
            "--bench" => {}
            "--batch" => a.batch = it.next().and_then(|n| n.parse().ok()).expect("--batch N"),
            "--only" => a.only = Some(it.next().expect("--only STAGE")),
            "--train" => a.train = Some(PathBuf::from(it.next().expect("--train LIST"))),
            "--train-count" => {
                a.train_count = it
                    .next()
                    .and_then(|n| n.parse().ok())
                    .expect("--train-count N")
            }
            "--kv-cache-mb" => {
                a.kv_cache_mb = Some(
                    it.next()
                        .and_then(|n| n.parse().ok())
                        .expect("--kv-cache-mb N"),
                )
            }
            "--kv-filter-mb" => {
                a.kv_filter_mb = Some(
                    it.next()
                        .and_then(|n| n.parse().ok())
                        .expect("--kv-filter-mb N"),
                )
            }
            n if n.parse::<usize>().is_ok() => a.iterations = n.parse().unwrap_or(200),
            path => a.message = Some(PathBuf::from(path)),
        }
    }
    a.iterations = a.iterations.max(1);
    a.batch = a.batch.max(1);
    a
}

/// A 5 KB message as `smtp-source -l 5120` sends it: a few header fields and lines of text.
fn synthetic(size: usize) -> String {
    let mut m = format!(
        "From: <news@{SENDER_DOMAIN}>\r\nTo: <{RCPT}>\r\nDate: Mon, 1 Jan 2024 10:00:00 +0000\r\n\
         Message-Id: <bench.stages@{SENDER_DOMAIN}>\r\nSubject: La de da\r\n\r\n"
    );
    let mut i = 0;
    while m.len() < size {
        m.push_str(&format!("La de da de da {i}.\r\n"));
        i += 1;
    }
    m
}

/// A message file as the server stores it after SMTP: line ends made CRLF by the same reader
/// (corpus files have LF ends; a stage fed LF-only text would scan its whole body for the end
/// of the header, which no received message makes it do).
fn as_received(file: &[u8]) -> Vec<u8> {
    use mailsift::smtp::data::{DataOutcome, DataReader};
    let mut reader = DataReader::new_chunked(u64::MAX, usize::MAX);
    reader.feed_chunk(file);
    match reader.finish() {
        DataOutcome::Message(m) => m,
        _ => panic!("message file not readable as a message"),
    }
}

/// `raw` DKIM-signed by the sender's domain (most mail is), so DKIM verification is measured.
fn sign(raw: &[u8], key: &DkimKey) -> Vec<u8> {
    let der = STANDARD.decode(&key.private_key).expect("key");
    let rsa = RsaKey::<Sha256>::from_key_der(rustls_pki_types::PrivateKeyDer::Pkcs1(der.into()))
        .expect("key");
    let sig = DkimSigner::from_key(rsa)
        .domain(SENDER_DOMAIN)
        .selector(&key.selector)
        .headers(["From", "To", "Subject", "Date", "Message-ID"])
        .sign(raw)
        .expect("sign");
    let mut out = sig.to_header().into_bytes();
    out.extend_from_slice(raw);
    out
}

/// Per-iteration wall times: median and minimum.
struct Timing {
    median: Duration,
    min: Duration,
}

// Never inlined: scripts/bench-stages-instructions.sh counts instructions inside it.
#[inline(never)]
fn time(iterations: usize, mut f: impl FnMut()) -> Timing {
    for _ in 0..(iterations / 10).max(1) {
        f();
    }
    // MAILSIFT_BENCH_EVICT=KiB: before each timed run (untimed), write one byte per cache line
    // of a buffer that large, as the server's other work (sessions, the store, the kernel) does
    // between two messages: the row then costs what it does with cold caches.
    let mut evict = vec![
        0u8;
        std::env::var("MAILSIFT_BENCH_EVICT")
            .ok()
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or(0)
            * 1024
    ];
    let mut runs: Vec<Duration> = (0..iterations)
        .map(|_| {
            for b in evict.iter_mut().step_by(64) {
                *b = b.wrapping_add(1);
            }
            std::hint::black_box(&mut evict);
            let started = Instant::now();
            f();
            started.elapsed()
        })
        .collect();
    runs.sort();
    Timing {
        median: runs[runs.len() / 2],
        min: runs[0],
    }
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

struct Table {
    only: Option<String>,
    iterations: usize,
}

impl Table {
    fn wants(&self, name: &str) -> bool {
        self.only.as_deref().is_none_or(|o| o == name)
    }

    /// Times `f` as the row `name` (when selected) and prints it.
    fn row(&self, name: &str, what: &str, f: impl FnMut()) {
        if !self.wants(name) {
            return;
        }
        let t = time(self.iterations, f);
        self.print(name, what, t);
    }

    fn print(&self, name: &str, what: &str, t: Timing) {
        println!(
            "| {name} | {:.1} | {:.1} | {what} |",
            us(t.median),
            us(t.min)
        );
    }
}

fn envelope() -> Envelope {
    Envelope {
        queue_id: "BENCHSTAGES".into(),
        mail_from: format!("news@{SENDER_DOMAIN}"),
        recipients: vec![RCPT.into()],
        helo: format!("mta1.{SENDER_DOMAIN}"),
        client_ip: IpAddr::from(CLIENT_IP),
        authenticated_as: None,
        tls: None,
    }
}

fn config(data_dir: &Path, dns: &dns::DnsServer) -> Config {
    let mut c = Config {
        hostname: "mx.example.com".into(),
        data_dir: data_dir.to_path_buf(),
        ..Config::default()
    };
    c.dns.nameservers = vec![dns.addr.to_string()];
    // Under valgrind (MAILSIFT_BENCH_SMALL_POOL) a call runs ~50× slower: a large CPU budget
    // keeps the plugins from timing out.
    if std::env::var_os("MAILSIFT_BENCH_SMALL_POOL").is_some() {
        c.plugins.cpu_ms = 60_000;
    }
    c
}

/// A plugin host with the given bundled components (their file names keep their default
/// settings), its key-value data in `store`, as the server starts it.
fn host(c: &Config, store: &Store, components: &[PathBuf]) -> Arc<PluginHost> {
    let dir = c.plugin_dir();
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("plugin dir");
    for p in components {
        std::fs::copy(p, dir.join(p.file_name().expect("name"))).expect("copy");
    }
    // MAILSIFT_BENCH_SMALL_POOL=1: a few pool slots, for valgrind (it cannot map the address
    // space of the default pool; scripts/bench-stages-instructions.sh sets it).
    let host = PluginHost::with_engine_settings(c, Arc::new(StoreKv(store.clone())), |s| {
        if std::env::var_os("MAILSIFT_BENCH_SMALL_POOL").is_some() {
            // Four idle instances: one per stateless bundled plugin (all four are; with three,
            // one of them ran on a fresh instance per call, whose memory reset the counts
            // included).
            s.idle_instances = s.idle_instances.min(4);
            s.slots = 3 + s.idle_instances;
        }
    })
    .expect("host");
    host.load_all();
    assert_eq!(
        host.registry().snapshot().len(),
        components.len(),
        "plugins did not load"
    );
    Arc::new(host)
}

/// Trains the spam plugin's global model on up to `count` messages of each class of a corpus
/// list, committing each lesson as the learner does; returns how many were learnt.
fn train(
    rt: &tokio::runtime::Runtime,
    store: &Store,
    host: &PluginHost,
    list: &Path,
    count: usize,
) -> usize {
    use mailsift::plugins::types::LearnClass;
    let text = std::fs::read_to_string(list).expect("training list");
    let base = list.parent().unwrap_or(Path::new("."));
    let (mut spam, mut ham, mut n) = (0, 0, 0);
    for line in text.lines() {
        let (class, counter) = match line.split_once(' ') {
            Some(("spam", _)) => (LearnClass::Spam, &mut spam),
            Some(("ham", _)) => (LearnClass::Ham, &mut ham),
            _ => continue,
        };
        if *counter >= count {
            continue;
        }
        *counter += 1;
        let Some((_, rel)) = line.split_once(' ') else {
            continue;
        };
        let raw = std::fs::read(base.join(rel)).expect("training message");
        let view = mailsift::plugins::eval::view_of(&raw, "T", Vec::new());
        let writes = host.learn(&view, class);
        rt.block_on(store.write(move |tx| tx.plugin_kv_apply(&writes)))
            .expect("commit");
        n += 1;
    }
    n
}

/// The plan as the stages before the plugins leave it (recipients resolved, sender checked).
fn plan_before_plugins(pre: &[Box<dyn Stage>], ctx: &MessageContext<'_>) -> DeliveryPlan {
    let mut plan = DeliveryPlan::default();
    for s in pre {
        s.run(&mut plan, ctx).expect("stage");
    }
    plan
}

fn trace(envelope: &Envelope, size: usize) -> TraceRecord {
    TraceRecord {
        queue_id: envelope.queue_id.clone(),
        time: 0,
        client_ip: envelope.client_ip.to_string(),
        helo: envelope.helo.clone(),
        mail_from: envelope.mail_from.clone(),
        recipients: envelope.recipients.clone(),
        size: size as u64,
        outcome: "stored".into(),
        ..TraceRecord::default()
    }
}

fn main() {
    let args = args();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let key = dkim_key::generate("bench", 0).expect("key");
    let dns = dns::DnsServer::start();
    dns.txt(SENDER_DOMAIN, "v=spf1 ip4:192.0.2.0/24 -all")
        .txt(
            &format!("bench._domainkey.{SENDER_DOMAIN}"),
            &dkim_key::record_value(&key),
        )
        .txt(&format!("_dmarc.{SENDER_DOMAIN}"), "v=DMARC1; p=none");
    let (raw, source) = match &args.message {
        Some(path) => (
            as_received(&std::fs::read(path).expect("message file")),
            path.display().to_string(),
        ),
        None => (
            sign(synthetic(5 * 1024).as_bytes(), &key),
            "synthetic 5 KB (smtp-source-like, DKIM-signed)".into(),
        ),
    };
    let tmp = tempfile::tempdir().expect("tmp");
    let c = config(tmp.path(), &dns);
    let store = Store::open_with(
        &c.db_path(),
        mailsift::store::StoreOptions {
            cache_bytes: c.store.cache_bytes(),
            kv_cache_bytes: args
                .kv_cache_mb
                .map_or(c.plugins.kv_cache_bytes(), |mb| mb << 20),
            kv_filter_bytes: args
                .kv_filter_mb
                .map_or(c.plugins.kv_filter_bytes(), |mb| mb << 20),
        },
    )
    .expect("store");
    let rcpt_id = rt
        .block_on(store.write(|tx| {
            tx.add_domain("example.com")?;
            Ok(tx.add_account(RCPT)?.id)
        }))
        .expect("account");
    let directory = Directory::new(store.clone());
    let sender_auth = Arc::new(SenderAuth::new(&c).expect("sender auth"));
    let sieve = Arc::new(SieveRunner::new(&c).expect("sieve"));
    let bundled = Path::new(env!("CARGO_MANIFEST_DIR")).join("plugins/dist");
    let mut components: Vec<PathBuf> = ["spam", "promotions", "attachments", "lists"]
        .iter()
        .map(|n| bundled.join(format!("{n}.wasm")))
        .filter(|p| p.is_file())
        .collect();
    components.sort();
    if components.is_empty() {
        eprintln!(
            "no bundled plugins in {}: scripts/build-plugins.sh",
            bundled.display()
        );
        std::process::exit(1);
    }
    let envelope = envelope();
    let inbound = Inbound {
        client_ip: envelope.client_ip,
        helo: &envelope.helo,
        mail_from: &envelope.mail_from,
        raw: &raw,
    };
    let report = rt.block_on(sender_auth.check(&inbound));
    let auth = InboundAuth {
        report,
        dmarc_reject: sender_auth.config().dmarc_reject,
        dmarc_quarantine: sender_auth.config().dmarc_quarantine,
    };
    let ctx = MessageContext::new(&envelope, &raw).with_auth(Some(&auth));
    let t = Table {
        only: args.only.clone(),
        iterations: args.iterations,
    };
    println!(
        "Message: {source}, {} bytes; sender authentication: spf={} dkim={} dmarc={}; {} iterations; plugins: {}.\n",
        raw.len(),
        auth.report.spf.name(),
        auth.report.dkim_summary().name(),
        auth.report.dmarc.name(),
        args.iterations,
        components
            .iter()
            .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!("| stage | median µs/message | min µs | what |");
    println!("|---|---|---|---|");

    t.row(
        "parse",
        "`MessageContext::new`: depth scan + mail-parser",
        || {
            std::hint::black_box(MessageContext::new(&envelope, &raw).parsed);
        },
    );
    t.row(
        "auth-parse",
        "`AuthenticatedMessage::parse` (its own header parse + body hashes)",
        || {
            std::hint::black_box(AuthenticatedMessage::parse(&raw));
        },
    );
    if let Some(parsed) = ctx.parsed.as_ref() {
        t.row(
            "auth-from-parsed",
            "`AuthenticatedMessage::from_parsed` of the pipeline's parse (+ body hashes)",
            || {
                std::hint::black_box(AuthenticatedMessage::from_parsed(parsed, &raw, true));
            },
        );
    }
    // Side by side: what the server did before issue 19 (two parses) and does now (one).
    t.row(
        "parse-twice",
        "before: `MessageContext::new` + `AuthenticatedMessage::parse` (with the copies of the next row)",
        || {
            let (e, r) = (envelope.clone(), raw.clone());
            std::hint::black_box(MessageContext::new(&e, &r).parsed);
            std::hint::black_box(AuthenticatedMessage::parse(&r));
        },
    );
    t.row(
        "parse-once",
        "now: `pipeline::Received::parse` (one parse, the auth view from it)",
        || {
            std::hint::black_box(Received::parse(envelope.clone(), raw.clone(), true));
        },
    );
    let received = Received::parse(envelope.clone(), raw.clone(), true);
    let auth_stage = stages::SenderAuthentication {
        directory: directory.clone(),
    };
    let recipients = stages::Recipients {
        directory: directory.clone(),
    };
    // What the server does for sender authentication: the checks (DNS on the async side) on the
    // parsed message, the search for forged Authentication-Results fields, and the stage.
    let check = |sa: &SenderAuth| {
        let report = rt.block_on(sa.check_parsed(&inbound, received.authenticated()));
        std::hint::black_box(mailsift::auth::forged_fields(&raw, sa.hostname()));
        let a = InboundAuth {
            report,
            dmarc_reject: sa.config().dmarc_reject,
            dmarc_quarantine: sa.config().dmarc_quarantine,
        };
        let ctx = MessageContext {
            envelope: &envelope,
            raw: &raw,
            parsed: None,
            auth: Some(&a),
            too_deep: false,
        };
        let mut plan = DeliveryPlan::default();
        recipients.run(&mut plan, &ctx).expect("recipients");
        auth_stage.run(&mut plan, &ctx).expect("sender auth");
        std::hint::black_box(plan);
    };
    t.row(
        "auth-warm",
        "sender authentication, resolver cache warm (a busy server)",
        || check(&sender_auth),
    );
    if t.wants("auth-cold") {
        // A fresh resolver per message, made outside the timing: every lookup goes out.
        let fresh: Vec<SenderAuth> = (0..args.iterations + args.iterations / 10 + 1)
            .map(|_| SenderAuth::new(&c).expect("sender auth"))
            .collect();
        let mut fresh = fresh.into_iter();
        t.row(
            "auth-cold",
            "sender authentication, resolver cache cold (5 lookups to the local DNS server)",
            || check(&fresh.next().expect("enough resolvers")),
        );
    }
    if args
        .only
        .as_deref()
        .is_some_and(|o| o.starts_with("parse") || o.starts_with("auth"))
    {
        // Nothing below is wanted: no plugin is compiled (slow under valgrind).
        return;
    }
    if let Some(list) = &args.train {
        let spam = components
            .iter()
            .find(|p| p.file_stem().is_some_and(|s| s == "spam"))
            .expect("spam.wasm to train");
        let trainer = host(
            &config(&tmp.path().join("train"), &dns),
            &store,
            std::slice::from_ref(spam),
        );
        let learnt = train(&rt, &store, &trainer, list, args.train_count);
        println!(
            "Spam model trained on {learnt} messages of {}.\n",
            list.display()
        );
    }
    let all_plugins = host(&c, &store, &components);
    let pre: Vec<Box<dyn Stage>> = vec![
        Box::new(stages::Recipients {
            directory: directory.clone(),
        }),
        Box::new(stages::SenderAuthentication {
            directory: directory.clone(),
        }),
    ];
    for component in &components {
        let name = component
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let row = format!("plugin:{name}");
        if !t.wants(&row) {
            continue;
        }
        let h = host(
            &config(&tmp.path().join(&name), &dns),
            &store,
            std::slice::from_ref(component),
        );
        let stage = stages::Plugins { host: h };
        t.row(
            &row,
            "this plugin alone through the plugin stage (view + instance + call)",
            || {
                let mut plan = plan_before_plugins(&pre, &ctx);
                stage.run(&mut plan, &ctx).expect("plugins");
                std::hint::black_box(plan);
            },
        );
    }
    // What running the plugins plugin-major over a batch of messages would cost per message
    // (each plugin's code and data stay in cache from one message to the next), against the
    // `plugins` row (message-major, as the server runs them): MAILSIFT_BENCH_BATCH messages
    // (default 4), per message; with MAILSIFT_BENCH_EVICT, caches are cold per batch.
    if t.wants("plugins-batch") {
        let n: usize = std::env::var("MAILSIFT_BENCH_BATCH")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(4)
            .max(1);
        let names: Vec<String> = components
            .iter()
            .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
            .collect();
        let auth_report = ctx.auth.map(|a| &a.report);
        let timing = time(args.iterations, || {
            // The views are built per message, as the plugin stage builds its one.
            let views: Vec<_> = (0..n)
                .map(|_| {
                    mailsift::plugins::view::message(
                        &envelope,
                        &raw,
                        ctx.parsed.as_ref(),
                        auth_report,
                    )
                })
                .collect();
            for name in &names {
                let only = std::slice::from_ref(name);
                for view in &views {
                    std::hint::black_box(all_plugins.filter_only(
                        view,
                        &envelope.recipients,
                        Some(only),
                    ));
                }
            }
        });
        t.print(
            "plugins-batch",
            &format!("the bundled plugins plugin-major over {n} messages, per message"),
            Timing {
                median: timing.median / n as u32,
                min: timing.min / n as u32,
            },
        );
    }
    let plugin_stage = stages::Plugins {
        host: all_plugins.clone(),
    };
    t.row(
        "plugins",
        "the plugin stage with all bundled plugins, as the server runs it",
        || {
            let mut plan = plan_before_plugins(&pre, &ctx);
            plugin_stage.run(&mut plan, &ctx).expect("plugins");
            std::hint::black_box(plan);
        },
    );
    let mut after_plugins = plan_before_plugins(&pre, &ctx);
    plugin_stage.run(&mut after_plugins, &ctx).expect("plugins");
    let sieve_stage = stages::Sieve {
        runner: sieve.clone(),
        store: store.clone(),
    };
    t.row("sieve", "the default Sieve script, one recipient", || {
        let mut plan = after_plugins.clone();
        sieve_stage.run(&mut plan, &ctx).expect("sieve");
        std::hint::black_box(plan);
    });
    // A recipient with an active script of their own, as a webmail's filter editor writes one
    // (none matches this message: every rule is tested, then the default script files it).
    // `sieve-user` runs the stage as the server does (the compiled script kept by the runner,
    // `sieve/cache.rs`); `sieve-compile` is the compile that each message paid before.
    rt.block_on(store.write(move |tx| {
        tx.sieve_put(rcpt_id, "roundcube", USER_SIEVE, 10)?;
        tx.sieve_set_active(rcpt_id, Some("roundcube"))
    }))
    .expect("user script");
    t.row(
        "sieve-user",
        "the stage for a recipient with a 26-rule script of their own (compiled once, kept)",
        || {
            let mut plan = after_plugins.clone();
            sieve_stage.run(&mut plan, &ctx).expect("sieve");
            std::hint::black_box(plan);
        },
    );
    let limits = c.sieve.limits;
    t.row(
        "sieve-compile",
        "compiling that script, which every message did before it was kept",
        || {
            let compiled = mailsift::sieve::check_script(USER_SIEVE.as_bytes(), &limits);
            std::hint::black_box(compiled.is_ok());
        },
    );
    rt.block_on(store.write(move |tx| tx.sieve_set_active(rcpt_id, None)))
        .expect("script off");
    let mut planned = after_plugins.clone();
    sieve_stage.run(&mut planned, &ctx).expect("sieve");
    let traced = (std::sync::Arc::new(trace(&envelope, raw.len())), 10_000);
    t.row(
        "commit",
        "`pipeline::deliver`: one durable store write (fsync) per message, with its trace",
        || {
            rt.block_on(mailsift::pipeline::deliver(
                &store,
                &envelope,
                planned.clone(),
                raw.clone(),
                Some(traced.clone()),
            ))
            .expect("deliver");
        },
    );
    if t.wants("commit-batch") {
        let batch = args.batch;
        let rounds = (args.iterations / batch).max(3);
        let timing = time(rounds, || {
            rt.block_on(futures::future::join_all((0..batch).map(|_| {
                mailsift::pipeline::deliver(
                    &store,
                    &envelope,
                    planned.clone(),
                    raw.clone(),
                    Some(traced.clone()),
                )
            })))
            .into_iter()
            .for_each(|r| r.expect("deliver"));
        });
        t.print(
            "commit-batch",
            &format!(
                "{batch} concurrent deliveries batched by the store's writer, per message ({rounds} rounds)"
            ),
            Timing {
                median: timing.median / batch as u32,
                min: timing.min / batch as u32,
            },
        );
    }
    let mut pipeline = Pipeline::new(store.clone(), directory.clone());
    pipeline.plugins = Some(all_plugins.clone());
    pipeline.sender_auth = Some(sender_auth.clone());
    pipeline.sieve = Some(sieve.clone());
    pipeline.hostname = c.hostname.clone();
    pipeline.trace_records = c.store.trace_records;
    // RCPT TO: the directory, then the plugins' `check-recipient` hooks (the bundled `lists`
    // declares one) on a blocking thread, as the SMTP session asks for every recipient.
    t.row(
        "rcpt",
        "`Pipeline::check_rcpt`: directory + `check-recipient` hooks via the blocking pool",
        || {
            let check = rt.block_on(pipeline.check_rcpt(&envelope, RCPT));
            std::hint::black_box(check);
        },
    );
    let rcpt_view = mailsift::plugins::view::envelope(&envelope);
    t.row(
        "rcpt-hooks",
        "`PluginHost::check_recipient` alone: the hooks' calls on this thread",
        || {
            std::hint::black_box(all_plugins.check_recipient(&rcpt_view, RCPT));
        },
    );
    t.row(
        "process",
        "`Pipeline::process`: all of the above, end of DATA to durable (warm cache)",
        || {
            let outcome = rt.block_on(pipeline.process(envelope.clone(), raw.clone()));
            assert!(
                matches!(outcome, mailsift::pipeline::Outcome::Stored { .. }),
                "{outcome:?}"
            );
        },
    );
}
