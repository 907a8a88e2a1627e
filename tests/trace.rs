//! `mailsift trace QUEUE-ID`: the real server (sender authentication against a test DNS server on
//! 127.0.0.1, the bundled spam plugin, the default Sieve script) receives obvious spam over SMTP;
//! the queue id from the 250 reply and the Received header gives every stage's verdict, with
//! the server running (admin socket) and stopped (store file). A refused message is traced too.

mod support;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use support::cli::mailsift;
use support::dns::DnsServer;

fn spam_wasm() -> PathBuf {
    let dir = match std::env::var_os("MAILSIFT_BUNDLED_PLUGINS") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("plugins/dist"),
    };
    let p = dir.join("spam.wasm");
    assert!(
        p.is_file(),
        "{} is missing: build the plugins with `scripts/build-plugins.sh plugins/dist`",
        p.display()
    );
    p
}

struct Server {
    child: Option<Child>,
    dir: PathBuf,
    smtp: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Server {
    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default()
    }

    /// SIGTERM, as systemd stops it, and wait for the exit.
    fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(c.id().to_string())
                .status();
            let deadline = Instant::now() + Duration::from_secs(20);
            while c.try_wait().unwrap().is_none() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn start(dir: &Path, config: &Path) -> Server {
    let log = std::fs::File::create(dir.join("server.log")).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_mailsift"))
        .arg("--config")
        .arg(config)
        .arg("serve")
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .expect("spawn mailsift serve");
    let mut server = Server {
        child: Some(child),
        dir: dir.to_path_buf(),
        smtp: 0,
    };
    let listeners = dir.join("data").join("listeners.json");
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if let Some(status) = server.child.as_mut().unwrap().try_wait().unwrap() {
            panic!("the server exited early ({status}):\n{}", server.log());
        }
        if let Ok(text) = std::fs::read_to_string(&listeners)
            && let Ok(v) = serde_json::from_str::<serde_json::Value>(&text)
            && let Some(addr) = v.get("smtp").and_then(|a| a.as_str())
        {
            server.smtp = addr.rsplit(':').next().unwrap().parse().unwrap();
            return server;
        }
        assert!(
            Instant::now() < deadline,
            "the server did not start:\n{}",
            server.log()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn reply(r: &mut BufReader<TcpStream>) -> (u16, String) {
    let mut all = String::new();
    loop {
        let mut line = String::new();
        assert!(
            r.read_line(&mut line).unwrap() > 0,
            "SMTP connection closed"
        );
        all.push_str(&line);
        if line.len() < 4 || line.as_bytes()[3] != b'-' {
            return (line[..3].parse().unwrap(), all);
        }
    }
}

/// One SMTP transaction as a remote server would make it; the reply to the end of DATA.
fn send(port: u16, from: &str, to: &str, message: &str) -> (u16, String) {
    let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let mut r = BufReader::new(stream);
    assert_eq!(reply(&mut r).0, 220);
    for (cmd, want) in [
        ("EHLO client.test".to_string(), 250),
        (format!("MAIL FROM:<{from}>"), 250),
        (format!("RCPT TO:<{to}>"), 250),
        ("DATA".to_string(), 354),
    ] {
        r.get_mut()
            .write_all(format!("{cmd}\r\n").as_bytes())
            .unwrap();
        let (code, text) = reply(&mut r);
        assert_eq!(code, want, "{cmd} -> {text}");
    }
    let mut body = String::new();
    for line in message.lines() {
        if line.starts_with('.') {
            body.push('.');
        }
        body.push_str(line);
        body.push_str("\r\n");
    }
    body.push_str(".\r\n");
    r.get_mut().write_all(body.as_bytes()).unwrap();
    let out = reply(&mut r);
    let _ = r.get_mut().write_all(b"QUIT\r\n");
    out
}

#[test]
fn trace_shows_every_stage_of_a_message_filed_into_junk() {
    let dns = DnsServer::start();
    // The spammer's domain authorises another address: SPF fails from 127.0.0.1.
    dns.txt("fernbank-verify.test", "v=spf1 ip4:192.0.2.10 -all")
        .txt("_dmarc.fernbank-verify.test", "v=DMARC1; p=none");
    dns.txt("forger.test", "v=spf1 ip4:192.0.2.10 -all")
        .txt("_dmarc.forger.test", "v=DMARC1; p=reject");

    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let config = dir.join("mailsift.toml");
    std::fs::write(
        &config,
        format!(
            "hostname = \"mx.example.org\"\ndata_dir = \"data\"\n\n\
             [store]\ntrace_records = 100\n\n\
             [dns]\nnameservers = [\"{}\"]\ntimeout_ms = 500\nattempts = 2\n\n\
             [sender_auth]\ntrusted_networks = []\n\n\
             [[listener]]\nname = \"smtp\"\nprotocol = \"smtp\"\naddress = \"127.0.0.1:0\"\ntls = \"none\"\n",
            dns.addr
        ),
    )
    .unwrap();
    std::fs::create_dir_all(dir.join("data/plugins")).unwrap();
    std::fs::copy(spam_wasm(), dir.join("data/plugins/spam.wasm")).unwrap();
    for args in [
        &["domain", "add", "example.org"][..],
        &["account", "add", "bob@example.org"],
    ] {
        let (code, _, err) = mailsift(&config, args);
        assert_eq!(code, 0, "{args:?}: {err}");
    }

    let mut server = start(dir, &config);
    let spam = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/corpus/modern/obvious-spam/001-bank-account-suspended.eml"),
    )
    .unwrap();
    let (code, text) = send(
        server.smtp,
        "security-alert@fernbank-verify.test",
        "bob@example.org",
        &spam,
    );
    assert_eq!(code, 250, "{text}\n{}", server.log());
    let id = text
        .split("queued as ")
        .nth(1)
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|| panic!("no queue id in {text}"));

    // With the server running: through the admin socket.
    let (code, out, err) = mailsift(&config, &["trace", &id]);
    assert_eq!(code, 0, "{err}\n{}", server.log());
    for expected in [
        format!("message    {id}"),
        "<security-alert@fernbank-verify.test>".to_string(),
        "SPF      fail (domain fernbank-verify.test)".to_string(),
        "DKIM     none".to_string(),
        "ARC      none".to_string(),
        "DMARC    fail (From domain fernbank-verify.test), policy p=none".to_string(),
        "sender-auth".to_string(),
        "plugins".to_string(),
        "bob@example.org: fileinto \"Junk\"".to_string(),
        "bob@example.org → Junk".to_string(),
        "outcome    delivered".to_string(),
    ] {
        assert!(out.contains(&expected), "missing `{expected}` in:\n{out}");
    }
    let plugin_line = out
        .lines()
        .find(|l| l.trim_start().starts_with("spam "))
        .unwrap_or_else(|| panic!("no spam plugin line:\n{out}"));
    assert!(plugin_line.contains("continue") && plugin_line.contains("ms"));
    // The spam plugin judges per recipient (each user's own model and settings).
    let for_bob = out
        .lines()
        .find(|l| l.contains("for bob@example.org: continue score +"))
        .unwrap_or_else(|| panic!("no per-recipient verdict:\n{out}"));
    assert!(
        for_bob.contains("tags spam") && for_bob.contains("folder Junk"),
        "{for_bob}"
    );
    assert!(out.contains("bob@example.org → Junk  [score +"), "{out}");

    let (code, json, err) = mailsift(&config, &["--json", "trace", &id]);
    assert_eq!(code, 0, "{err}");
    let t: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(t["queue_id"], id.as_str());
    assert_eq!(t["auth"]["spf"], "fail");
    assert_eq!(t["auth"]["dmarc"], "fail");
    let stages: Vec<&str> = t["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        stages,
        [
            "recipients",
            "sender-auth",
            "plugins",
            "sieve",
            "quarantine"
        ]
    );
    let spam_plugin = &t["plugins"][0];
    assert_eq!(spam_plugin["name"], "spam");
    assert_eq!(spam_plugin["decision"], "continue");
    assert!(spam_plugin["elapsed_us"].as_u64().unwrap() > 0);
    assert!(
        spam_plugin["per_recipient"][0]
            .as_str()
            .unwrap()
            .contains("tags spam"),
        "{json}"
    );
    assert_eq!(t["sieve"][0]["recipient"], "bob@example.org");
    assert_eq!(t["folders"][0]["folder"], "Junk");
    assert!(t["folders"][0]["score"].as_f64().unwrap() > 5.0, "{json}");
    assert!(
        t["folders"][0]["tags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|tag| tag == "spam"),
        "{json}"
    );
    assert_eq!(t["outcome"], "delivered");

    // A refused message (DMARC p=reject) is traced too, with the reply; `--recent` finds it.
    let forged = "From: <boss@forger.test>\r\nTo: <bob@example.org>\r\nSubject: wire money\r\n\
                  Date: Sun, 06 Dec 2026 10:00:00 +0000\r\nMessage-ID: <f@forger.test>\r\n\r\nnow\r\n";
    let (code, text) = send(server.smtp, "boss@forger.test", "bob@example.org", forged);
    assert_eq!(code, 550, "{text}");
    let deadline = Instant::now() + Duration::from_secs(10);
    let refused_id = loop {
        let (_, json, _) = mailsift(&config, &["--json", "trace", "--recent", "5"]);
        let rows: serde_json::Value = serde_json::from_str(&json).unwrap_or_default();
        if let Some(row) = rows
            .as_array()
            .and_then(|r| r.iter().find(|r| r["outcome"] == "refused"))
        {
            assert!(
                row["reply"].as_str().unwrap().starts_with("550 5.7.1"),
                "{row}"
            );
            break row["queue_id"].as_str().unwrap().to_string();
        }
        assert!(Instant::now() < deadline, "refused message not traced");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_ne!(refused_id, id);

    // Stopped: the CLI reads the store file; the Received header carries the same id.
    server.stop();
    let (code, stopped, err) = mailsift(&config, &["trace", &id]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(stopped, out);
    let (code, out, _) = mailsift(&config, &["trace", &refused_id]);
    assert_eq!(code, 0);
    assert!(out.contains("outcome    refused: 550 5.7.1"), "{out}");
    assert!(out.contains("decided: reject 550"), "{out}");
    let (code, _, err) = mailsift(&config, &["trace", "NOSUCHID"]);
    assert_eq!(code, 1);
    assert!(err.contains("trace"), "{err}");

    let db = mailsift::config::Config::load(Some(&config))
        .unwrap()
        .db_path();
    let store = mailsift::store::Store::open(&db).unwrap();
    let read = store.read().unwrap();
    let account = read.account("bob@example.org").unwrap().unwrap();
    let junk = read
        .mailboxes(account.id)
        .unwrap()
        .into_iter()
        .find(|m| m.name == "Junk")
        .unwrap();
    let m = &read.messages(junk.id).unwrap()[0];
    let raw = String::from_utf8(read.blob(&m.blob).unwrap().unwrap()).unwrap();
    assert!(raw.contains(&format!("id {id}")), "{raw}");
}
