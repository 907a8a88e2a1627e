//! `mailsift setup DOMAIN`, the systemd unit and the documented install layout: the written
//! config parses and a server starts with it (ports moved to 127.0.0.1); the printed DNS records,
//! served by a test DNS server on 127.0.0.1, satisfy `mailsift doctor`; the account's printed
//! password logs in; an existing config is not overwritten without --force; the unit passes
//! `systemd-analyze verify` (when available) and names the paths setup and the README use.

mod support;

use std::io::{BufRead, BufReader};
use std::net::{Ipv4Addr, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use mailsift::cli::setup::{DEFAULT_CONFIG, DEFAULT_DATA_DIR};
use mailsift::config::Config;
use support::cli::mailsift;
use support::dns::DnsServer;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The strings of a zone-file TXT value (`"a" "b"`), joined (RFC 7208 §3.3).
fn txt_value(zone: &str) -> String {
    zone.split('"')
        .skip(1)
        .step_by(2)
        .collect::<Vec<_>>()
        .concat()
}

#[test]
fn setup_writes_a_config_that_starts_and_records_that_doctor_accepts() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let config = dir.join("etc/mailsift.toml");
    let data = dir.join("lib/mailsift");
    let data_arg = data.display().to_string();
    let (code, out, err) = mailsift(
        &config,
        &[
            "--json",
            "setup",
            "example.test",
            "--data-dir",
            &data_arg,
            "--account",
            "alice",
            "--ip",
            "192.0.2.25",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["hostname"], "mail.example.test");
    assert_eq!(report["account"], "alice@example.test");
    let password = report["password"].as_str().unwrap().to_string();
    assert!(password.len() >= 16);

    // Not overwritten without --force.
    let written = std::fs::read_to_string(&config).unwrap();
    let (code, _, err) = mailsift(&config, &["setup", "example.test", "--data-dir", &data_arg]);
    assert_eq!(code, 1);
    assert!(err.contains("--force"), "{err}");
    assert_eq!(std::fs::read_to_string(&config).unwrap(), written);

    // The production config: standard ports, the data directory, the ACME keys left commented.
    let c = Config::load(Some(&config)).unwrap();
    assert_eq!(c.hostname, "mail.example.test");
    assert_eq!(c.data_dir, data);
    let ports: Vec<u16> = c.listeners.iter().map(|l| l.address.port()).collect();
    assert_eq!(ports, [25, 587, 465, 143, 993, 110, 995, 4190, 80, 443]);
    assert!(
        c.acme.enabled,
        "a production config obtains its certificate"
    );
    assert_eq!(c.acme.domains, ["mail.example.test"]);
    assert!(c.plugin_dir().is_dir());

    // Every record printed; the ones the test DNS server can serve are published as printed.
    let records = report["records"].as_array().unwrap();
    let zone: Vec<&str> = records
        .iter()
        .map(|r| r["zone"].as_str().unwrap())
        .collect();
    for expected in [
        "example.test. 3600 IN MX 10 mail.example.test.",
        "mail.example.test. 3600 IN A 192.0.2.25",
        "example.test. 3600 IN TXT \"v=spf1 mx a:mail.example.test -all\"",
        "_submissions._tcp.example.test. 3600 IN SRV 0 1 465 mail.example.test.",
        "_submission._tcp.example.test. 3600 IN SRV 0 1 587 mail.example.test.",
        "_imaps._tcp.example.test. 3600 IN SRV 0 1 993 mail.example.test.",
        "_imap._tcp.example.test. 3600 IN SRV 0 1 143 mail.example.test.",
        "_pop3s._tcp.example.test. 3600 IN SRV 10 1 995 mail.example.test.",
        "_sieve._tcp.example.test. 3600 IN SRV 0 1 4190 mail.example.test.",
        "autoconfig.example.test. 3600 IN CNAME mail.example.test.",
        "autodiscover.example.test. 3600 IN CNAME mail.example.test.",
    ] {
        assert!(zone.contains(&expected), "{expected} not in {zone:#?}");
    }
    assert!(
        zone.iter()
            .any(|z| z.starts_with("_dmarc.example.test. 3600 IN TXT \"v=DMARC1; p=")),
        "{zone:#?}"
    );
    let dns = DnsServer::start();
    let mut served = 0;
    for r in records {
        let name = r["name"].as_str().unwrap();
        let value = r["value"].as_str().unwrap();
        match r["kind"].as_str().unwrap() {
            "MX" => {
                let (pref, host) = value.split_once(' ').unwrap();
                dns.mx(name, pref.parse().unwrap(), host.trim_end_matches('.'));
            }
            "A" => {
                dns.a(name, value.parse::<Ipv4Addr>().unwrap());
            }
            "TXT" => {
                // DKIM's 2048-bit key is longer than one string: split as RFC 1035 wants.
                assert!(value.split('"').all(|s| s.len() <= 255), "{value}");
                dns.txt(name, &txt_value(value));
            }
            _ => continue,
        }
        served += 1;
    }
    assert_eq!(served, 5, "MX, A, SPF, DKIM and DMARC");
    let mut text = written.clone();
    text.push_str(&format!(
        "\n[dns]\nnameservers = [\"{}\"]\ntimeout_ms = 500\nattempts = 2\n",
        dns.addr
    ));
    std::fs::write(&config, &text).unwrap();
    let (code, out, err) = mailsift(&config, &["doctor", "example.test"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("No problem found."), "{out}");

    // The server starts on that config with its listeners moved to free loopback ports.
    // Never the network beyond loopback: no ACME CA in the test.
    let local = text
        .replace("\"0.0.0.0:", "\"127.0.0.1:0\" # ")
        .replace("[acme]\nenabled = true", "[acme]\nenabled = false");
    let local = local
        .lines()
        .map(|l| match l.split_once(" # ") {
            Some((kv, _)) if kv.starts_with("address = ") => kv.to_string(),
            _ => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    let local_config = dir.join("etc/local.toml");
    std::fs::write(&local_config, &local).unwrap();
    let log = std::fs::File::create(dir.join("server.log")).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_mailsift"))
        .arg("--config")
        .arg(&local_config)
        .arg("serve")
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap();
    let listeners = data.join("listeners.json");
    let deadline = Instant::now() + Duration::from_secs(120);
    let ports = loop {
        if let Some(status) = child.try_wait().unwrap() {
            panic!(
                "exited ({status}):\n{}",
                std::fs::read_to_string(dir.join("server.log")).unwrap()
            );
        }
        if let Ok(t) = std::fs::read_to_string(&listeners)
            && let Ok(v) = serde_json::from_str::<serde_json::Value>(&t)
            && v.as_object().is_some_and(|o| o.len() == 10)
        {
            break v;
        }
        assert!(Instant::now() < deadline, "the server did not start");
        std::thread::sleep(Duration::from_millis(50));
    };
    let smtp: u16 = ports["smtp"]
        .as_str()
        .unwrap()
        .rsplit(':')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let mut banner = String::new();
    BufReader::new(TcpStream::connect(("127.0.0.1", smtp)).unwrap())
        .read_line(&mut banner)
        .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert!(banner.starts_with("220 mail.example.test"), "{banner}");

    // The printed password is the account's.
    let store = mailsift::store::Store::open(&c.db_path()).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let ok = rt.block_on(async {
        mailsift::directory::Directory::new(store)
            .authenticate("alice@example.test", &password)
            .await
            .unwrap()
    });
    assert!(
        matches!(ok, mailsift::directory::Authenticated::Ok { .. }),
        "{ok:?}"
    );
}

/// `Key=value` lines of the unit.
fn unit_values(unit: &str, key: &str) -> Vec<String> {
    unit.lines()
        .filter_map(|l| l.strip_prefix(&format!("{key}=")))
        .map(str::to_string)
        .collect()
}

#[test]
fn systemd_unit_is_hardened_and_matches_the_install_layout() {
    let unit = std::fs::read_to_string(Path::new(ROOT).join("contrib/mailsift.service")).unwrap();
    let readme = std::fs::read_to_string(Path::new(ROOT).join("README.md")).unwrap();
    let binary = "/usr/local/bin/mailsift";
    assert_eq!(
        unit_values(&unit, "ExecStart"),
        [format!("{binary} --config {DEFAULT_CONFIG} serve")]
    );
    assert_eq!(unit_values(&unit, "ReadWritePaths"), [DEFAULT_DATA_DIR]);
    assert_eq!(
        unit_values(&unit, "StateDirectory"),
        [DEFAULT_DATA_DIR.trim_start_matches("/var/lib/")]
    );
    for (key, value) in [
        ("NoNewPrivileges", "yes"),
        ("ProtectSystem", "strict"),
        ("ProtectHome", "yes"),
        ("PrivateTmp", "yes"),
        ("PrivateDevices", "yes"),
        ("CapabilityBoundingSet", "CAP_NET_BIND_SERVICE"),
        ("AmbientCapabilities", "CAP_NET_BIND_SERVICE"),
        ("RestrictAddressFamilies", "AF_INET AF_INET6 AF_UNIX"),
        ("SystemCallFilter", "@system-service"),
        ("LockPersonality", "yes"),
        ("User", "mailsift"),
    ] {
        assert_eq!(unit_values(&unit, key), [value], "{key}");
    }
    // wasmtime compiles plugins at run time: W^X memory would stop every plugin.
    assert!(unit_values(&unit, "MemoryDenyWriteExecute").is_empty());
    // The README documents the same layout.
    let section = readme
        .split("## Installing on a server")
        .nth(1)
        .expect("README section \"Installing on a server\"");
    for path in [
        binary,
        DEFAULT_CONFIG,
        DEFAULT_DATA_DIR,
        &format!("{DEFAULT_DATA_DIR}/plugins"),
        "/etc/systemd/system/mailsift.service",
        "contrib/mailsift.service",
    ] {
        assert!(section.contains(path), "README does not name {path}");
        assert!(
            unit.contains(path.trim_start_matches("contrib/")),
            "the unit does not name {path}"
        );
    }

    // systemd's own check, with the binary pointed at the one just built (it must exist).
    let available = Command::new("systemd-analyze")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !available {
        eprintln!("SKIPPED: systemd-analyze is not installed");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let copy = tmp.path().join("mailsift.service");
    std::fs::write(&copy, unit.replace(binary, env!("CARGO_BIN_EXE_mailsift"))).unwrap();
    let out = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&copy)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let ours: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("mailsift.service"))
        .collect();
    assert!(
        out.status.success() && ours.is_empty(),
        "systemd-analyze verify: {stderr}"
    );
}
