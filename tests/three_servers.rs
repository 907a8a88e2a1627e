//! Issue 14, first acceptance item: three real `mailsift` processes on loopback (A for a.test,
//! B for b.test, C for c.test) and the test DNS zone of `support::dns` with each domain's DKIM
//! key, SPF and DMARC p=reject. Each server routes the other two domains to their MX listeners
//! (`[outbound.routes]`).
//!
//! 1. alice@a.test submits to bob@b.test at A; A signs (DKIM) and delivers; B's own
//!    Authentication-Results says dkim=pass, spf=pass, dmarc=pass.
//! 2. Bob's Sieve script redirects to carol@c.test: B forwards with an SRS0 envelope sender at
//!    b.test and an ARC set; C's Authentication-Results says spf=pass (for B's SRS address),
//!    dkim=pass (A's signature survived), dmarc=pass and arc=pass.
//! 3. alice@a.test to nobody@c.test: C refuses it (550 5.1.1) and alice gets a DSN at A.
//!
//! All three servers are on 127.0.0.1, so SPF can only check that IP: every domain's record
//! is `v=spf1 ip4:127.0.0.1 -all`; the SPF pass at C is still for the SRS domain b.test (the
//! original a.test would pass as well — only the `smtp.mailfrom` in C's header shows SRS ran).
//! B and C have `trusted_networks = []`, since loopback is trusted by default and trusted
//! clients are not checked.

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use support::cli::mailsift;
use support::dns::DnsServer;

/// One running `mailsift serve`; killed when dropped (also when the test panics).
struct Server {
    name: &'static str,
    dir: PathBuf,
    config: PathBuf,
    child: Option<Child>,
    ports: serde_json::Value,
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
    fn port(&self, listener: &str) -> u16 {
        let addr = self.ports[listener]
            .as_str()
            .expect("listener in listeners.json");
        addr.rsplit(':').next().unwrap().parse().unwrap()
    }

    fn cli(&self, args: &[&str]) -> String {
        let (code, out, err) = mailsift(&self.config, args);
        assert_eq!(code, 0, "{}: mailsift {args:?}: {out}{err}", self.name);
        out
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default()
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The config of the server for `domain`, its MX on `mx_port`, routing the `routes`.
fn write_config(dir: &Path, domain: &str, mx_port: u16, dns: &DnsServer, routes: &[(&str, u16)]) {
    let mut text = format!(
        r#"hostname = "mx.{domain}"
data_dir = "{data}"

[log]
level = "info,mailsift=debug"

[dns]
nameservers = ["{dns}"]
timeout_ms = 2000
attempts = 2

[outbound]
scan_interval = 1
retry_initial = 1
retry_max = 2
timeout = 20
mta_sts = false

[sender_auth]
trusted_networks = []

[[listener]]
name = "smtp"
protocol = "smtp"
address = "127.0.0.1:{mx_port}"
tls = "starttls"

[[listener]]
name = "submission"
protocol = "submission"
address = "127.0.0.1:0"
tls = "none"

[[listener]]
name = "imap"
protocol = "imap"
address = "127.0.0.1:0"
tls = "none"

[outbound.routes]
"#,
        data = dir.join("data").display(),
        dns = dns.addr,
    );
    for (d, port) in routes {
        text.push_str(&format!("\"{d}\" = \"127.0.0.1:{port}\"\n"));
    }
    std::fs::write(dir.join("mailsift.toml"), text).unwrap();
}

fn start(name: &'static str, dir: PathBuf) -> Server {
    let config = dir.join("mailsift.toml");
    let log = std::fs::File::create(dir.join("server.log")).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_mailsift"))
        .arg("--config")
        .arg(&config)
        .arg("serve")
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .expect("spawn mailsift serve");
    let mut server = Server {
        name,
        dir: dir.clone(),
        config,
        child: Some(child),
        ports: serde_json::Value::Null,
    };
    let listeners = dir.join("data").join("listeners.json");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(status) = server.child.as_mut().unwrap().try_wait().unwrap() {
            panic!("{name} exited early ({status}):\n{}", server.log());
        }
        if let Ok(text) = std::fs::read_to_string(&listeners)
            && let Ok(v) = serde_json::from_str::<serde_json::Value>(&text)
            && v.get("imap").is_some()
        {
            server.ports = v;
            return server;
        }
        assert!(
            Instant::now() < deadline,
            "{name} did not start:\n{}",
            server.log()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Polls `f` until it returns Some, or panics after `secs` with `what`.
fn wait_for<T>(secs: u64, what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out: {what}");
        std::thread::sleep(Duration::from_millis(250));
    }
}

// ---- a minimal SMTP client (submission without TLS, allowed from loopback) ----

fn smtp_reply(r: &mut BufReader<TcpStream>) -> (u16, String) {
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

fn smtp_cmd(r: &mut BufReader<TcpStream>, cmd: &str, want: u16) {
    r.get_mut()
        .write_all(format!("{cmd}\r\n").as_bytes())
        .unwrap();
    let (code, text) = smtp_reply(r);
    assert_eq!(code, want, "{cmd} -> {text}");
}

fn submit(port: u16, user: &str, password: &str, to: &str, subject: &str) {
    let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut r = BufReader::new(stream);
    assert_eq!(smtp_reply(&mut r).0, 220);
    smtp_cmd(&mut r, "EHLO client.test", 250);
    let token = base64::engine::general_purpose::STANDARD.encode(format!("\0{user}\0{password}"));
    smtp_cmd(&mut r, &format!("AUTH PLAIN {token}"), 235);
    smtp_cmd(&mut r, &format!("MAIL FROM:<{user}>"), 250);
    smtp_cmd(&mut r, &format!("RCPT TO:<{to}>"), 250);
    smtp_cmd(&mut r, "DATA", 354);
    let msg = format!(
        "From: Alice <{user}>\r\nTo: <{to}>\r\nSubject: {subject}\r\n\
         Date: Sun, 06 Dec 2026 10:00:00 +0000\r\nMessage-ID: <{subject}@a.test>\r\n\
         MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
         Hello over three servers.\r\n.\r\n"
    );
    r.get_mut().write_all(msg.as_bytes()).unwrap();
    let (code, text) = smtp_reply(&mut r);
    assert_eq!(code, 250, "end of DATA -> {text}");
    smtp_cmd(&mut r, "QUIT", 221);
}

// ---- a minimal IMAP client (LOGIN without TLS, allowed from loopback) ----

/// Sends `tag cmd` and returns the literals of the response, or None if the reply is not OK.
fn imap_cmd(r: &mut BufReader<TcpStream>, tag: &str, cmd: &str) -> Option<Vec<String>> {
    r.get_mut()
        .write_all(format!("{tag} {cmd}\r\n").as_bytes())
        .ok()?;
    let mut literals = Vec::new();
    loop {
        let mut line = Vec::new();
        if r.read_until(b'\n', &mut line).ok()? == 0 {
            return None;
        }
        let text = String::from_utf8_lossy(&line).into_owned();
        let trimmed = text.trim_end();
        if let Some(rest) = trimmed.strip_prefix(&format!("{tag} ")) {
            return rest.starts_with("OK").then_some(literals);
        }
        if trimmed.ends_with('}')
            && let Some(open) = trimmed.rfind('{')
            && let Ok(n) = trimmed[open + 1..trimmed.len() - 1].parse::<usize>()
        {
            let mut buf = vec![0u8; n];
            r.read_exact(&mut buf).ok()?;
            literals.push(String::from_utf8_lossy(&buf).into_owned());
        }
    }
}

/// The full text of every message in `user`'s INBOX.
fn inbox(server: &Server, user: &str, password: &str) -> Vec<String> {
    let Ok(stream) = TcpStream::connect(("127.0.0.1", server.port("imap"))) else {
        return Vec::new();
    };
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut r = BufReader::new(stream);
    let mut greeting = String::new();
    let _ = r.read_line(&mut greeting);
    let login = format!("LOGIN \"{user}\" \"{password}\"");
    if imap_cmd(&mut r, "a1", &login).is_none() || imap_cmd(&mut r, "a2", "SELECT INBOX").is_none()
    {
        return Vec::new();
    }
    let messages = imap_cmd(&mut r, "a3", "FETCH 1:* (BODY.PEEK[])").unwrap_or_default();
    let _ = imap_cmd(&mut r, "a4", "LOGOUT");
    messages
}

/// The unfolded value of the first header field `name` of `message`'s header.
fn header(message: &str, name: &str) -> Option<String> {
    let head = message.split("\r\n\r\n").next()?;
    let unfolded = head.replace("\r\n ", " ").replace("\r\n\t", " ");
    unfolded.split("\r\n").find_map(|l| {
        let (n, v) = l.split_once(':')?;
        n.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
    })
}

#[test]
fn submit_forward_with_srs_and_bounce_across_three_servers() {
    let dns = DnsServer::start();
    let root = tempfile::tempdir().unwrap();
    let domains = ["a.test", "b.test", "c.test"];
    let mx: Vec<u16> = domains.iter().map(|_| free_port()).collect();
    let mut dirs = Vec::new();
    for (i, domain) in domains.iter().enumerate() {
        let dir = root.path().join(&domain[..1]);
        std::fs::create_dir_all(&dir).unwrap();
        let routes: Vec<(&str, u16)> = domains
            .iter()
            .zip(&mx)
            .filter(|(d, _)| *d != domain)
            .map(|(d, p)| (*d, *p))
            .collect();
        write_config(&dir, domain, mx[i], &dns, &routes);
        let config = dir.join("mailsift.toml");
        let run = |args: &[&str]| {
            let (code, out, err) = mailsift(&config, args);
            assert_eq!(code, 0, "mailsift {args:?}: {out}{err}");
            out
        };
        run(&["domain", "add", domain]);
        // The DKIM key `mailsift domain dkim` makes, published as it says.
        let dkim: serde_json::Value =
            serde_json::from_str(&run(&["--json", "domain", "dkim", domain])).unwrap();
        dns.txt(
            dkim["dkim"]["record_name"].as_str().unwrap(),
            dkim["dkim"]["record_value"].as_str().unwrap(),
        );
        dns.txt(domain, "v=spf1 ip4:127.0.0.1 -all");
        dns.txt(&format!("_dmarc.{domain}"), "v=DMARC1; p=reject");
        dirs.push(dir);
    }

    let password = |dir: &Path, address: &str| -> String {
        let config = dir.join("mailsift.toml");
        let (code, out, err) = mailsift(&config, &["account", "add", address]);
        assert_eq!(code, 0, "{out}{err}");
        let (code, out, err) = mailsift(
            &config,
            &["--json", "password", "add", address, "--device", "test"],
        );
        assert_eq!(code, 0, "{out}{err}");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        v["password"].as_str().unwrap().to_string()
    };
    let alice = password(&dirs[0], "alice@a.test");
    let bob = password(&dirs[1], "bob@b.test");
    let carol = password(&dirs[2], "carol@c.test");
    // Bob forwards to carol and keeps a copy (so B's own results can be read in his INBOX).
    let script = dirs[1].join("fwd.sieve");
    std::fs::write(&script, "redirect \"carol@c.test\";\nkeep;\n").unwrap();
    let (code, out, err) = mailsift(
        &dirs[1].join("mailsift.toml"),
        &[
            "sieve",
            "put",
            "bob@b.test",
            script.to_str().unwrap(),
            "--activate",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");

    let a = start("A", dirs[0].clone());
    let b = start("B", dirs[1].clone());
    let c = start("C", dirs[2].clone());

    // 1. alice@a.test -> bob@b.test through A's submission listener.
    submit(
        a.port("submission"),
        "alice@a.test",
        &alice,
        "bob@b.test",
        "three-1",
    );
    let at_b = wait_for(30, "the message in bob's INBOX at B", || {
        inbox(&b, "bob@b.test", &bob).into_iter().next()
    });
    let ar_b = header(&at_b, "Authentication-Results").expect("B's Authentication-Results");
    assert!(
        ar_b.starts_with("mx.b.test;"),
        "B's own header: {ar_b}\n{at_b}"
    );
    for want in [
        "dkim=pass",
        "header.d=a.test",
        "spf=pass",
        "smtp.mailfrom=alice@a.test",
        "dmarc=pass",
    ] {
        assert!(ar_b.contains(want), "B: no {want} in {ar_b}\n{at_b}");
    }

    // 2. B's redirect reaches carol at C with an SRS0 envelope sender at b.test.
    let at_c = wait_for(30, "the forwarded message in carol's INBOX at C", || {
        inbox(&c, "carol@c.test", &carol).into_iter().next()
    });
    let ar_c = header(&at_c, "Authentication-Results").expect("C's Authentication-Results");
    assert!(
        ar_c.starts_with("mx.c.test;"),
        "C's own header: {ar_c}\n{at_c}"
    );
    for want in [
        "spf=pass",
        // Quoted, as RFC 8601 requires for a value with "=".
        "smtp.mailfrom=\"SRS0=",
        "dkim=pass",
        "header.d=a.test",
        "dmarc=pass",
        "arc=pass",
    ] {
        assert!(ar_c.contains(want), "C: no {want} in {ar_c}\n{at_c}");
    }
    assert!(
        ar_c.contains("=a.test=alice@b.test\""),
        "C's SPF checked B's SRS address for alice@a.test: {ar_c}"
    );
    let seal = header(&at_c, "ARC-Seal").expect("B's ARC set at C");
    assert!(seal.contains("i=1") && seal.contains("d=b.test"), "{seal}");

    // 3. C refuses an unknown recipient; alice gets the DSN in her INBOX at A.
    submit(
        a.port("submission"),
        "alice@a.test",
        &alice,
        "nobody@c.test",
        "three-3",
    );
    let dsn = wait_for(30, "the DSN in alice's INBOX at A", || {
        inbox(&a, "alice@a.test", &alice)
            .into_iter()
            .find(|m| m.contains("report-type=delivery-status"))
    });
    assert!(
        dsn.contains("Final-Recipient: rfc822; nobody@c.test"),
        "{dsn}"
    );
    assert!(dsn.contains("Status: 5."), "{dsn}");
    assert!(dsn.contains("three-3"), "the original headers: {dsn}");

    // Nothing left in any queue, and bob got the message exactly once.
    for s in [&a, &b, &c] {
        wait_for(10, "empty queues", || {
            (s.cli(&["--json", "queue", "list"]).trim() == "[]").then_some(())
        });
    }
    assert_eq!(inbox(&b, "bob@b.test", &bob).len(), 1);
    assert_eq!(inbox(&c, "carol@c.test", &carol).len(), 1);
}
