//! `mailsift doctor`: each kind of DNS problem against a test DNS server on 127.0.0.1, through the
//! library and through the real binary (exit status, `--json`).

mod support;

use std::net::Ipv4Addr;
use std::sync::OnceLock;

use mailsift::auth::{authenticator, dkim_key, doctor};
use mailsift::config::DnsConfig;
use mailsift::store::DkimKey;
use support::cli::mailsift;
use support::dns::DnsServer;

const HOST: &str = "mx.mailsift.test";
const HOST_IP: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 25);

fn our_key() -> &'static DkimKey {
    static KEY: OnceLock<DkimKey> = OnceLock::new();
    KEY.get_or_init(|| dkim_key::generate("mailsift", 0).unwrap())
}

fn other_key() -> &'static DkimKey {
    static KEY: OnceLock<DkimKey> = OnceLock::new();
    KEY.get_or_init(|| dkim_key::generate("mailsift", 0).unwrap())
}

/// Publishes a complete, correct set of records for `domain`, except the ones `skip` names.
fn publish(d: &DnsServer, domain: &str, skip: &[&str]) {
    if !skip.contains(&"mx") {
        d.mx(domain, 10, HOST);
    }
    if !skip.contains(&"spf") {
        d.txt(domain, "v=spf1 ip4:192.0.2.25 -all");
    }
    // Unrelated TXT records must not confuse the SPF and DMARC checks.
    d.txt(domain, "google-site-verification=abc123");
    if !skip.contains(&"dkim") {
        d.txt(
            &format!("mailsift._domainkey.{domain}"),
            &dkim_key::record_value(our_key()),
        );
    }
    if !skip.contains(&"dmarc") {
        d.txt(
            &format!("_dmarc.{domain}"),
            &format!("v=DMARC1; p=quarantine; rua=mailto:dmarc@{domain}"),
        );
    }
}

fn dns() -> &'static DnsServer {
    static DNS: OnceLock<DnsServer> = OnceLock::new();
    DNS.get_or_init(|| {
        let d = DnsServer::start();
        d.a(HOST, HOST_IP);
        publish(&d, "clean.test", &[]);
        publish(&d, "nomx.test", &["mx"]);
        d.a("nomx.test", HOST_IP);
        publish(&d, "elsewhere.test", &["mx"]);
        d.mx("elsewhere.test", 10, "mail.provider.test");
        publish(&d, "nospf.test", &["spf"]);
        publish(&d, "spf-other.test", &["spf"]);
        d.txt(
            "spf-other.test",
            "v=spf1 ip4:203.0.113.7 include:_spf.provider.test ~all",
        );
        d.txt("_spf.provider.test", "v=spf1 ip4:203.0.113.0/24 -all");
        publish(&d, "twospf.test", &[]);
        d.txt("twospf.test", "v=spf1 include:_spf.provider.test -all");
        publish(&d, "baddmarc.test", &["dmarc"]);
        d.txt(
            "_dmarc.baddmarc.test",
            "v=DMARC1; p=reject rua=mailto:x@baddmarc.test",
        );
        publish(&d, "badpolicy.test", &["dmarc"]);
        d.txt("_dmarc.badpolicy.test", "v=DMARC1; p=block");
        publish(&d, "twodmarc.test", &[]);
        d.txt("_dmarc.twodmarc.test", "v=DMARC1; p=none");
        publish(&d, "nodmarc.test", &["dmarc"]);
        publish(&d, "dkimwrong.test", &["dkim"]);
        d.txt(
            "mailsift._domainkey.dkimwrong.test",
            &dkim_key::record_value(other_key()),
        );
        publish(&d, "nodkim.test", &["dkim"]);
        d.blackhole("slow.test");
        // For the CLI test (its DKIM key is made by the CLI, published later).
        publish(&d, "cli-broken.test", &["mx", "dkim"]);
        d
    })
}

fn dns_config() -> DnsConfig {
    DnsConfig {
        nameservers: vec![dns().addr.to_string()],
        timeout_ms: 300,
        attempts: 1,
        ..DnsConfig::default()
    }
}

async fn run(domain: &str) -> doctor::Report {
    let auth = authenticator(&dns_config()).unwrap();
    doctor::check(
        &auth,
        domain,
        &doctor::Server {
            hostname: HOST,
            dkim: Some(our_key()),
            dkim_ed25519: None,
        },
    )
    .await
}

fn codes(r: &doctor::Report) -> Vec<&'static str> {
    r.findings.iter().map(|f| f.code).collect()
}

#[tokio::test]
async fn clean_domain_has_no_finding() {
    let r = run("clean.test").await;
    assert!(r.ok, "{}", r.render());
    assert!(r.findings.is_empty());
    let checks: Vec<_> = r.passed.iter().map(|p| p.check).collect();
    assert_eq!(checks, ["mx", "spf", "dkim", "dmarc"]);
}

#[tokio::test]
async fn each_problem_is_reported_with_the_record_to_publish() {
    let key = dkim_key::record_value(our_key());
    let cases: &[(&str, &str, Option<&str>)] = &[
        (
            "nomx.test",
            "mx-missing",
            Some("nomx.test. 3600 IN MX 10 mx.mailsift.test."),
        ),
        (
            "elsewhere.test",
            "mx-elsewhere",
            Some("elsewhere.test. 3600 IN MX 10 mx.mailsift.test."),
        ),
        (
            "nospf.test",
            "spf-missing",
            Some("nospf.test. 3600 IN TXT \"v=spf1 mx a:mx.mailsift.test -all\""),
        ),
        (
            "spf-other.test",
            "spf-not-authorized",
            Some(
                "spf-other.test. 3600 IN TXT \"v=spf1 ip4:203.0.113.7 include:_spf.provider.test a:mx.mailsift.test ~all\"",
            ),
        ),
        ("twospf.test", "spf-multiple", None),
        (
            "baddmarc.test",
            "dmarc-malformed",
            Some(
                "_dmarc.baddmarc.test. 3600 IN TXT \"v=DMARC1; p=quarantine; rua=mailto:postmaster@baddmarc.test\"",
            ),
        ),
        ("badpolicy.test", "dmarc-invalid-policy", None),
        ("twodmarc.test", "dmarc-multiple", None),
        ("nodmarc.test", "dmarc-missing", None),
        ("dkimwrong.test", "dkim-mismatch", None),
        ("nodkim.test", "dkim-missing", None),
    ];
    for (domain, code, publish) in cases {
        let r = run(domain).await;
        assert!(!r.ok, "{domain}");
        assert_eq!(codes(&r), [*code], "{domain}:\n{}", r.render());
        let f = &r.findings[0];
        assert!(!f.problem.is_empty());
        if let Some(p) = publish {
            assert_eq!(f.publish.as_deref(), Some(*p), "{domain}");
        }
        if f.check == "dkim" {
            let expected = format!("mailsift._domainkey.{domain}. 3600 IN TXT \"{key}\"");
            assert_eq!(f.publish.as_deref(), Some(expected.as_str()));
        }
        assert!(r.render().contains(code));
    }
}

#[tokio::test]
async fn unreachable_dns_is_a_finding_not_a_pass() {
    let r = run("slow.test").await;
    assert!(!r.ok);
    assert!(
        codes(&r).iter().all(|c| *c == "dns-error"),
        "{}",
        r.render()
    );
    assert_eq!(r.findings.len(), 4);
}

/// An Ed25519 key published under its selector with another key is a mismatch.
#[tokio::test]
async fn ed25519_key_is_checked_too() {
    let auth = authenticator(&dns_config()).unwrap();
    let ours = dkim_key::generate_ed25519("mailsift-ed25519", 0).unwrap();
    let other = dkim_key::generate_ed25519("mailsift-ed25519", 0).unwrap();
    dns().txt(
        "mailsift-ed25519._domainkey.clean.test",
        &dkim_key::record_value(&other),
    );
    let r = doctor::check(
        &auth,
        "clean.test",
        &doctor::Server {
            hostname: HOST,
            dkim: Some(our_key()),
            dkim_ed25519: Some(&ours),
        },
    )
    .await;
    assert_eq!(codes(&r), ["dkim-mismatch"], "{}", r.render());
    assert!(r.findings[0].problem.contains("Ed25519"), "{}", r.render());
    assert!(
        r.findings[0]
            .publish
            .as_deref()
            .is_some_and(|p| p.contains(&ours.public_key)),
        "{}",
        r.render()
    );
}

#[tokio::test]
async fn domain_without_our_key_says_how_to_make_one() {
    let auth = authenticator(&dns_config()).unwrap();
    let r = doctor::check(
        &auth,
        "clean.test",
        &doctor::Server {
            hostname: HOST,
            dkim: None,
            dkim_ed25519: None,
        },
    )
    .await;
    assert_eq!(codes(&r), ["dkim-no-key"]);
    assert!(
        r.findings[0]
            .problem
            .contains("mailsift domain dkim clean.test")
    );
}

#[test]
fn cli_doctor_exit_status_json_and_dkim_record() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("mailsift.toml");
    std::fs::write(
        &config,
        format!(
            "hostname = \"{HOST}\"\ndata_dir = \"data\"\n\n[dns]\nnameservers = [\"{}\"]\ntimeout_ms = 300\nattempts = 1\n",
            dns().addr
        ),
    )
    .unwrap();
    let (code, _, err) = mailsift(&config, &["domain", "add", "cli-broken.test"]);
    assert_eq!(code, 0, "{err}");

    // Before a key exists, doctor says how to make one.
    let (code, out, _) = mailsift(&config, &["doctor", "cli-broken.test"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("dkim-no-key") && out.contains("mx-missing"),
        "{out}"
    );

    let (code, out, err) = mailsift(&config, &["domain", "dkim", "cli-broken.test"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("mailsift._domainkey.cli-broken.test. 3600 IN TXT \"v=DKIM1; k=rsa; p="),
        "{out}"
    );
    // Asking again keeps the key.
    let (_, again, _) = mailsift(&config, &["domain", "dkim", "cli-broken.test"]);
    assert_eq!(out, again);

    let (code, out, _) = mailsift(&config, &["--json", "doctor", "cli-broken.test"]);
    assert_eq!(code, 1);
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["ok"], false);
    let found: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert_eq!(found, ["mx-missing", "dkim-missing"], "{out}");
    let dkim_fix = report["findings"][1]["publish"]
        .as_str()
        .unwrap()
        .to_string();

    // Publish what doctor asked for: the domain is clean and the status 0.
    dns().mx("cli-broken.test", 10, HOST);
    let (name, value) = dkim_fix
        .split_once(" 3600 IN TXT ")
        .map(|(n, v)| (n.to_string(), v.trim_matches('"').to_string()))
        .unwrap();
    dns().txt(&name, &value);
    let (code, out, err) = mailsift(&config, &["doctor", "cli-broken.test"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("No problem found."), "{out}");

    // A second, Ed25519 key is checked too: unpublished, then published.
    let (code, out, err) = mailsift(
        &config,
        &[
            "domain",
            "dkim",
            "cli-broken.test",
            "--algorithm",
            "ed25519",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, _) = mailsift(&config, &["--json", "doctor", "cli-broken.test"]);
    assert_eq!(code, 1, "{out}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{out}");
    assert_eq!(findings[0]["code"], "dkim-missing", "{out}");
    assert!(
        findings[0]["problem"].as_str().unwrap().contains("Ed25519"),
        "{out}"
    );
    let fix = findings[0]["publish"].as_str().unwrap().to_string();
    assert!(fix.contains("k=ed25519"), "{fix}");
    let (name, value) = fix
        .split_once(" 3600 IN TXT ")
        .map(|(n, v)| (n.to_string(), v.trim_matches('"').to_string()))
        .unwrap();
    assert!(name.starts_with("mailsift-ed25519._domainkey."), "{name}");
    dns().txt(&name, &value);
    let (code, out, err) = mailsift(&config, &["doctor", "cli-broken.test"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("Ed25519 key"), "{out}");

    // A domain that is not ours is a clear error.
    let (code, _, err) = mailsift(&config, &["doctor", "stranger.test"]);
    assert_eq!(code, 1);
    assert!(err.contains("mailsift domain add stranger.test"), "{err}");
}
