//! DNS reputation: the `dns` import (granted per plugin, budgeted, cached, bounded) and the spam
//! plugin's DNSBL and URIBL checks, against the local test DNS server. Also: a component built
//! against the previous WIT version (0.1.0, without `dns`) still loads and runs.

mod support;

use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use mailsift::config::{Config, Grant, PluginConfig};
use mailsift::plugins::eval::{self, view_of};
use mailsift::plugins::{MemoryKv, PluginHost, types};
use support::dns::DnsServer;

/// A built component: bundled ones from `MAILSIFT_BUNDLED_PLUGINS` (default plugins/dist), test
/// ones (`testing/NAME.wasm`) from `MAILSIFT_TEST_PLUGINS` (default plugins/dist/testing).
fn dist(file: &str) -> PathBuf {
    let (var, default, file) = match file.strip_prefix("testing/") {
        Some(f) => ("MAILSIFT_TEST_PLUGINS", "plugins/dist/testing", f),
        None => ("MAILSIFT_BUNDLED_PLUGINS", "plugins/dist", file),
    };
    let dir = match std::env::var_os(var) {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join(default),
    };
    let p = dir.join(file);
    assert!(
        p.is_file(),
        "{} is missing: build the plugins with `scripts/build-plugins.sh plugins/dist`",
        p.display()
    );
    p
}

const LISTED_IP: &str = "203.0.113.7";
const CLEAN_IP: &str = "198.51.100.20";

/// The lists: a DNSBL listing 203.0.113.7 (127.0.0.2, with a TXT reason) and a multi-URIBL
/// listing spammy.test with bit 8 and otherlist.test with bit 2 only.
fn dns_server() -> DnsServer {
    let dns = DnsServer::start();
    dns.a("7.113.0.203.zen.dnsbl.test", Ipv4Addr::new(127, 0, 0, 2))
        .txt(
            "7.113.0.203.zen.dnsbl.test",
            "Listed: see https://dnsbl.test/7",
        )
        .a("spammy.test.multi.uribl.test", Ipv4Addr::new(127, 0, 0, 8))
        .a(
            "otherlist.test.multi.uribl.test",
            Ipv4Addr::new(127, 0, 0, 2),
        )
        .blackhole("slow.test")
        .servfail("broken.test");
    dns
}

struct Fixture {
    host: PluginHost,
    _dir: tempfile::TempDir,
}

/// A host with only `wasm` (named by its file stem) loaded, its DNS pointed at `dns`.
fn fixture(wasm: &Path, dns: &DnsServer, tune: impl FnOnce(&mut Config)) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config {
        data_dir: dir.path().to_path_buf(),
        ..Config::default()
    };
    config.dns.nameservers = vec![dns.addr.to_string()];
    config.dns.timeout_ms = 1000;
    config.dns.attempts = 1;
    config.plugins.dns_timeout_ms = 400;
    tune(&mut config);
    let host =
        eval::standalone_host(&config, wasm, Arc::new(MemoryKv::default()), dir.path()).unwrap();
    Fixture { host, _dir: dir }
}

fn spam_config(grant: bool, extra: &[(&str, &str)]) -> impl FnOnce(&mut Config) {
    let mut section = PluginConfig {
        config: [
            ("dnsbl", "zen.dnsbl.test:3.0"),
            ("uribl", "multi.uribl.test&8:2.5"),
            // No bundled starting model: score differences are the lists' weights alone.
            ("starting_model", "false"),
        ]
        .iter()
        .chain(extra)
        .map(|(k, v)| (k.to_string(), toml::Value::String(v.to_string())))
        .collect(),
        ..PluginConfig::default()
    };
    if grant {
        section.grants = vec![Grant::Dns];
    }
    move |c: &mut Config| {
        c.plugin.insert("spam".into(), section);
    }
}

fn message(body: &str) -> Vec<u8> {
    format!(
        "From: shop@sender.test\r\nTo: bob@example.org\r\nSubject: Your order\r\n\
         Date: Mon, 23 Nov 2026 10:00:00 +0000\r\nMessage-ID: <1@sender.test>\r\n\
         Content-Type: text/html; charset=utf-8\r\n\r\n<p>{body}</p>\r\n"
    )
    .into_bytes()
}

struct Scored {
    score: f64,
    status: String,
    tags: Vec<String>,
    headers: Vec<(String, String)>,
}

fn run(host: &PluginHost, raw: &[u8], client_ip: &str) -> Scored {
    let rcpt = vec!["bob@example.org".to_string()];
    let mut view: types::Message = view_of(raw, "Q", rcpt.clone());
    view.envelope.client_ip = client_ip.to_string();
    let out = host.filter(&view, &rcpt);
    let status = out
        .merged
        .add_headers
        .iter()
        .find(|(n, _)| n == "X-Spam-Status")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    Scored {
        score: out.merged.score,
        status,
        tags: out.merged.tags.clone(),
        headers: out.merged.add_headers,
    }
}

#[test]
fn dnsbl_and_uribl_hits_raise_the_score() {
    let dns = dns_server();
    let f = fixture(&dist("spam.wasm"), &dns, spam_config(true, &[]));
    let clean = run(
        &f.host,
        &message("See <a href=\"https://shop.clean.test/order\">your order</a>"),
        CLEAN_IP,
    );
    assert!(!clean.status.contains("DNSBL") && !clean.status.contains("URIBL"));
    assert!(clean.tags.iter().all(|t| t != "dnsbl" && t != "uribl"));

    let dnsbl = run(
        &f.host,
        &message("See <a href=\"https://shop.clean.test/order\">your order</a>"),
        LISTED_IP,
    );
    assert!(
        (dnsbl.score - clean.score - 3.0).abs() < 1e-9,
        "{} vs {}",
        dnsbl.score,
        clean.score
    );
    assert!(
        dnsbl.status.contains("DNSBL_ZEN_DNSBL_TEST"),
        "{}",
        dnsbl.status
    );
    assert!(dnsbl.tags.iter().any(|t| t == "dnsbl"));

    // A listed link domain (any host under it), with the list's bit 8; a domain the same
    // multi-list carries only with bit 2 does not count for this entry.
    let both = run(
        &f.host,
        &message(
            "Buy at <a href=\"http://WWW.Spammy.test/buy\">here</a> or https://otherlist.test/x",
        ),
        LISTED_IP,
    );
    assert!(
        (both.score - clean.score - 5.5).abs() < 1e-9,
        "{} {}",
        both.score,
        both.status
    );
    assert!(
        both.status.contains("URIBL_MULTI_URIBL_TEST_M8"),
        "{}",
        both.status
    );
    assert!(both.tags.iter().any(|t| t == "uribl"));
    let queried = dns.queries();
    assert!(
        queried.contains(&"7.113.0.203.zen.dnsbl.test A".to_string()),
        "{queried:?}"
    );
    assert!(
        queried.contains(&"spammy.test.multi.uribl.test A".to_string()),
        "{queried:?}"
    );
}

#[test]
fn without_the_grant_the_plugin_resolves_nothing() {
    let dns = dns_server();
    let f = fixture(&dist("spam.wasm"), &dns, spam_config(false, &[]));
    let s = run(
        &f.host,
        &message("Buy at <a href=\"http://www.spammy.test/buy\">here</a>"),
        LISTED_IP,
    );
    assert!(
        !s.status.contains("DNSBL") && !s.status.contains("URIBL"),
        "{}",
        s.status
    );
    assert_eq!(
        dns.queries(),
        Vec::<String>::new(),
        "no query reached the DNS server"
    );
    assert_eq!(f.host.dns_queries_sent(), 0);

    // What the plugin is told: `denied`, for every name.
    let probe = fixture(&dist("testing/dns-probe.wasm"), &dns, |_| {});
    let raw = b"X-Lookup: 7.113.0.203.zen.dnsbl.test, example.test\r\nSubject: x\r\n\r\nx\r\n";
    let out = run(&probe.host, raw, LISTED_IP);
    assert_eq!(
        dns_headers(&out),
        ["7.113.0.203.zen.dnsbl.test!denied", "example.test!denied"]
    );
    assert!(dns.queries().is_empty());
}

fn dns_headers(s: &Scored) -> Vec<String> {
    s.headers
        .iter()
        .filter(|(n, _)| n == "X-Dns")
        .map(|(_, v)| v.clone())
        .collect()
}

fn probe_with_grant(dns: &DnsServer, tune: impl FnOnce(&mut Config)) -> Fixture {
    fixture(&dist("testing/dns-probe.wasm"), dns, |c| {
        c.plugin.insert(
            "dns-probe".into(),
            PluginConfig {
                grants: vec![Grant::Dns],
                ..PluginConfig::default()
            },
        );
        tune(c);
    })
}

#[test]
fn lookups_answer_a_txt_nxdomain_invalid_names_timeouts_and_failures() {
    let dns = dns_server();
    let f = probe_with_grant(&dns, |_| {});
    let raw = b"X-Lookup: 7.113.0.203.ZEN.dnsbl.test., 8.113.0.203.zen.dnsbl.test, bad name.test, localhost, x.slow.test, x.broken.test\r\nSubject: x\r\n\r\nx\r\n";
    let started = std::time::Instant::now();
    let out = run(&f.host, raw, LISTED_IP);
    // The blackholed name waits the 400 ms timeout, in parallel with the others, and the wait
    // does not count against the plugin's 50 ms CPU bound.
    assert!(started.elapsed() < std::time::Duration::from_secs(3));
    assert_eq!(
        dns_headers(&out),
        [
            "7.113.0.203.ZEN.dnsbl.test.=127.0.0.2",
            "8.113.0.203.zen.dnsbl.test=",
            "bad name.test!invalid-name",
            "localhost!invalid-name",
            "x.slow.test!timeout",
            "x.broken.test!failed",
        ]
    );
    let txt =
        b"X-Lookup: 7.113.0.203.zen.dnsbl.test\r\nX-Lookup-Kind: txt\r\nSubject: x\r\n\r\nx\r\n";
    assert_eq!(
        dns_headers(&run(&f.host, txt, LISTED_IP)),
        ["7.113.0.203.zen.dnsbl.test=Listed: see https://dnsbl.test/7"]
    );
}

#[test]
fn the_budget_bounds_lookups_per_message() {
    let dns = dns_server();
    // The spam plugin asked to check 200 link domains: the host's budget (20) stops it.
    let f = fixture(
        &dist("spam.wasm"),
        &dns,
        spam_config(true, &[("uribl_max_domains", "100")]),
    );
    let links: String = (0..200)
        .map(|i| format!("<a href=\"http://d{i}.test/\">{i}</a> "))
        .collect();
    run(&f.host, &message(&links), LISTED_IP);
    let n = dns.queries().len();
    assert!(n > 0 && n <= 20, "{n} queries");

    // The probe sees exactly where the budget ends.
    let dns = dns_server();
    let f = probe_with_grant(&dns, |c| c.plugins.dns_budget = 5);
    let names: Vec<String> = (0..8).map(|i| format!("n{i}.budget.test")).collect();
    let raw = format!("X-Lookup: {}\r\nSubject: x\r\n\r\nx\r\n", names.join(","));
    let got = dns_headers(&run(&f.host, raw.as_bytes(), LISTED_IP));
    let expected: Vec<String> = names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            if i < 5 {
                format!("{n}=")
            } else {
                format!("{n}!budget")
            }
        })
        .collect();
    assert_eq!(got, expected);
    assert_eq!(dns.queries().len(), 5);
    // The budget is per call: the next message gets its own.
    assert_eq!(
        dns_headers(&run(&f.host, raw.as_bytes(), LISTED_IP))[0],
        "n0.budget.test="
    );
}

#[test]
fn answers_are_cached_across_messages() {
    let dns = dns_server();
    let f = fixture(&dist("spam.wasm"), &dns, spam_config(true, &[]));
    let raw = message("Buy at <a href=\"http://www.spammy.test/buy\">here</a> https://clean.test/");
    let first = run(&f.host, &raw, LISTED_IP);
    let after_first = dns.queries();
    assert_eq!(after_first.len(), 3, "{after_first:?}");
    let second = run(&f.host, &raw, LISTED_IP);
    assert_eq!(
        dns.queries(),
        after_first,
        "the second message is answered from the cache"
    );
    assert_eq!(first.score, second.score);
    assert!(second.status.contains("DNSBL_ZEN_DNSBL_TEST"));
    assert!(second.status.contains("URIBL_MULTI_URIBL_TEST_M8"));
}

#[test]
fn a_component_built_for_wit_0_1_0_still_loads_and_runs() {
    let old =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/plugin-0.1.0/add-header.wasm");
    let bytes = std::fs::read(&old).unwrap();
    let has = |needle: &str| bytes.windows(needle.len()).any(|w| w == needle.as_bytes());
    assert!(
        has("mailsift:plugin/log@0.1.0") && !has("@0.1.1") && !has("@0.1.2") && !has("@0.1.3"),
        "the fixture is a 0.1.0 component"
    );
    let new = std::fs::read(dist("testing/add-header.wasm")).unwrap();
    assert!(
        new.windows(25).any(|w| w == b"mailsift:plugin/log@0.1.3"),
        "plugins/dist is built against the current WIT"
    );
    let dns = DnsServer::start();
    let f = fixture(&old, &dns, |_| {});
    let out = run(&f.host, b"Subject: x\r\n\r\nx\r\n", CLEAN_IP);
    assert!(
        out.headers
            .iter()
            .any(|(n, v)| n == "X-Test-Plugin" && v == "1"),
        "{:?}",
        out.headers
    );
}

/// The whole delivery path: an SMTP delivery from 127.0.0.1 (`dnsbl_private` lets the test
/// list a loopback client), plugins on a blocking thread, the stored message's header.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivered_message_from_a_listed_client_shows_the_hit() {
    use mailsift::smtp::backend::{Envelope, IncomingMessage, SmtpBackend};
    use mailsift::smtp::delivery::MailBackend;
    use mailsift::store::Store;

    let dns = dns_server();
    dns.a("1.0.0.127.zen.dnsbl.test", Ipv4Addr::new(127, 0, 0, 2));
    let dir = tempfile::tempdir().unwrap();
    let mut c = Config {
        data_dir: dir.path().to_path_buf(),
        ..Config::default()
    };
    c.dns.nameservers = vec![dns.addr.to_string()];
    c.dns.timeout_ms = 1000;
    c.dns.attempts = 1;
    spam_config(true, &[("dnsbl_private", "true")])(&mut c);
    std::fs::create_dir_all(c.plugin_dir()).unwrap();
    std::fs::copy(dist("spam.wasm"), c.plugin_dir().join("spam.wasm")).unwrap();
    let store = Store::open(&c.db_path()).unwrap();
    store
        .write(|tx| {
            tx.add_domain("example.org")?;
            tx.add_account("bob@example.org")?;
            Ok(())
        })
        .await
        .unwrap();
    let host = PluginHost::new(&c, Arc::new(mailsift::plugins::StoreKv(store.clone()))).unwrap();
    host.load_all();
    let backend = MailBackend::with_plugins(store.clone(), Some(Arc::new(host)));
    let reply = backend
        .deliver(IncomingMessage {
            envelope: Envelope {
                queue_id: "REP1".into(),
                mail_from: "shop@sender.test".into(),
                recipients: vec!["bob@example.org".into()],
                helo: "client.sender.test".into(),
                client_ip: std::net::IpAddr::from([127, 0, 0, 1]),
                authenticated_as: None,
                tls: None,
            },
            raw: message("Buy at <a href=\"http://www.spammy.test/buy\">here</a>"),
        })
        .await;
    assert_eq!(reply.code, 250, "{reply:?}");
    let r = store.read().unwrap();
    let account = r.account("bob@example.org").unwrap().unwrap();
    let mut stored = Vec::new();
    for name in ["INBOX", "Junk"] {
        if let Some(mailbox) = r.mailbox(account.id, name).unwrap() {
            for m in r.messages(mailbox.id).unwrap() {
                stored
                    .push(String::from_utf8_lossy(&r.blob(&m.blob).unwrap().unwrap()).into_owned());
            }
        }
    }
    assert_eq!(stored.len(), 1);
    assert!(
        stored[0].contains("DNSBL_ZEN_DNSBL_TEST")
            && stored[0].contains("URIBL_MULTI_URIBL_TEST_M8"),
        "{}",
        stored[0]
    );
    assert!(
        dns.queries()
            .contains(&"1.0.0.127.zen.dnsbl.test A".to_string())
    );
}
