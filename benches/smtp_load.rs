//! The inbound benchmark's tools (issue 19; driven by scripts/bench-inbound.sh):
//!
//! - `dns --port P --zone FILE`: an authoritative DNS server on 127.0.0.1 (UDP and TCP) serving
//!   the zone file's TXT, MX and A records, NXDOMAIN for every other name. Zone file lines:
//!   `NAME TXT "text"`, `NAME MX PREF EXCHANGE`, `NAME A 1.2.3.4`; `#` starts a comment.
//! - `send --port P --conns C --count N [--rate R] (--size BYTES | --corpus LIST) --from A --to B`:
//!   an SMTP load generator. C connections, each reusing its session (MAIL/RCPT/DATA, RSET after
//!   a failure), pipelined when the server offers PIPELINING (RFC 2920). With `--rate` the load is
//!   open loop: message i is due at start + i/R and its latency counts from then, so a server that
//!   falls behind shows as latency rather than as a lower offered rate. Prints one JSON line.
//!
//! Not a test harness (`harness = false`): `cargo bench --bench smtp_load --no-run` builds it.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};

#[allow(dead_code)]
#[path = "../tests/support/dns.rs"]
mod dns;

#[derive(Parser)]
#[command(about = "SMTP load generator and local DNS server for scripts/bench-inbound.sh")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve a zone file on 127.0.0.1:PORT (UDP and TCP) until killed.
    Dns {
        #[arg(long, default_value_t = 0)]
        port: u16,
        #[arg(long)]
        zone: PathBuf,
    },
    /// Offer SMTP load to 127.0.0.1:PORT and print one JSON line of results.
    Send(SendArgs),
}

#[derive(clap::Args, Clone)]
struct SendArgs {
    #[arg(long)]
    port: u16,
    #[arg(long, default_value_t = 1)]
    conns: usize,
    #[arg(long)]
    count: u64,
    /// Messages per second offered (open loop); none: as fast as the server answers.
    #[arg(long)]
    rate: Option<f64>,
    /// Synthetic messages of about this many bytes.
    #[arg(long, conflicts_with = "corpus")]
    size: Option<usize>,
    /// A list file of `spam PATH` / `ham PATH` lines (scripts/fetch-spam-corpus.sh); relative
    /// paths are relative to the list's folder. Sent in turn, over and over.
    #[arg(long)]
    corpus: Option<PathBuf>,
    #[arg(long)]
    from: String,
    #[arg(long, required = true)]
    to: Vec<String>,
    #[arg(long, default_value = "client.bench.test")]
    helo: String,
    /// Seconds to wait for any one reply before the message counts as failed.
    #[arg(long, default_value_t = 120)]
    timeout: u64,
    /// Also write one line per message sent to this file: its number, when it was due (ms from
    /// the start), its size in bytes and its latency in ms. Where a tail comes from (large
    /// messages, or a stall every message waited through) shows there.
    #[arg(long)]
    per_message: Option<PathBuf>,
}

fn main() {
    let cli = Cli::parse();
    match cli.command {
        Command::Dns { port, zone } => {
            let server = dns::DnsServer::start_on(port);
            if let Err(e) = load_zone(&server, &zone) {
                eprintln!("smtp_load dns: {}: {e}", zone.display());
                std::process::exit(2);
            }
            println!("{}", server.addr);
            loop {
                std::thread::park();
            }
        }
        Command::Send(args) => {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .expect("tokio runtime");
            match rt.block_on(send(args)) {
                Ok(line) => println!("{line}"),
                Err(e) => {
                    eprintln!("smtp_load send: {e}");
                    std::process::exit(2);
                }
            }
        }
    }
}

fn load_zone(server: &dns::DnsServer, path: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let bad = || format!("line {}: {line}", n + 1);
        let mut parts = line.splitn(3, char::is_whitespace);
        let (Some(name), Some(kind), Some(rest)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(bad());
        };
        let rest = rest.trim();
        match kind.to_ascii_uppercase().as_str() {
            "TXT" => {
                server.txt(name, rest.trim_matches('"'));
            }
            "A" => {
                server.a(name, rest.parse().map_err(|_| bad())?);
            }
            "MX" => {
                let (pref, exchange) = rest.split_once(char::is_whitespace).ok_or_else(bad)?;
                server.mx(name, pref.parse().map_err(|_| bad())?, exchange.trim());
            }
            _ => return Err(bad()),
        }
    }
    Ok(())
}

/// Messages as sent after DATA: CRLF line ends, dot-stuffed (RFC 5321 §4.5.2), ending in
/// `CRLF.CRLF`.
fn wire(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len() + raw.len() / 40 + 5);
    let mut lines: Vec<&[u8]> = raw.split(|&b| b == b'\n').collect();
    if lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    for line in lines {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.first() == Some(&b'.') {
            out.push(b'.');
        }
        out.extend_from_slice(line);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b".\r\n");
    out
}

fn synthetic(size: usize, from: &str, to: &str) -> Vec<u8> {
    let mut m = format!(
        "From: Bench Sender <{from}>\r\nTo: <{to}>\r\nSubject: Load test message\r\n\
         Date: Mon, 1 Jan 2024 10:00:00 +0000\r\nMessage-ID: <load@bench.test>\r\n\
         MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
    );
    let line = "The quick brown fox jumps over the lazy dog, then some more words to fill it.\r\n";
    while m.len() + line.len() <= size {
        m.push_str(line);
    }
    wire(m.as_bytes())
}

fn corpus(list: &Path) -> Result<Vec<Vec<u8>>, String> {
    let text = std::fs::read_to_string(list).map_err(|e| format!("{}: {e}", list.display()))?;
    let base = list.parent().unwrap_or(Path::new("."));
    let mut out = Vec::new();
    for line in text.lines() {
        let Some((_, path)) = line.trim().split_once(' ') else {
            continue;
        };
        let path = base.join(path.trim());
        let raw = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        out.push(wire(&raw));
    }
    if out.is_empty() {
        return Err(format!("{}: no messages listed", list.display()));
    }
    Ok(out)
}

struct Shared {
    args: SendArgs,
    messages: Vec<Vec<u8>>,
    next: AtomicU64,
    start: Instant,
    latencies: Mutex<Vec<Duration>>,
    /// (number, due since start, size, latency) of each message, for `--per-message`.
    records: Mutex<Vec<(u64, Duration, usize, Duration)>>,
    failed: AtomicU64,
    first_error: Mutex<Option<String>>,
}

impl Shared {
    fn fail(&self, e: String) {
        self.failed.fetch_add(1, Ordering::Relaxed);
        let mut first = self.first_error.lock().unwrap_or_else(|p| p.into_inner());
        if first.is_none() {
            *first = Some(e);
        }
    }
}

async fn send(args: SendArgs) -> Result<String, String> {
    let messages = match (&args.corpus, args.size) {
        (Some(list), _) => corpus(list)?,
        (None, Some(size)) => vec![synthetic(size, &args.from, &args.to[0])],
        (None, None) => return Err("--size or --corpus is needed".into()),
    };
    let cpu0 = cpu_seconds();
    let shared = Arc::new(Shared {
        args: args.clone(),
        messages,
        next: AtomicU64::new(0),
        start: Instant::now(),
        latencies: Mutex::new(Vec::with_capacity(args.count.min(1 << 20) as usize)),
        records: Mutex::new(Vec::new()),
        failed: AtomicU64::new(0),
        first_error: Mutex::new(None),
    });
    let workers: Vec<_> = (0..args.conns.max(1))
        .map(|_| tokio::spawn(worker(shared.clone())))
        .collect();
    for w in workers {
        if let Err(e) = w.await {
            shared.fail(format!("worker: {e}"));
        }
    }
    let elapsed = shared.start.elapsed().as_secs_f64();
    if let Some(path) = &args.per_message {
        let mut recs =
            std::mem::take(&mut *shared.records.lock().unwrap_or_else(|p| p.into_inner()));
        recs.sort_by_key(|r| r.0);
        let mut out = String::from("# message due_ms bytes latency_ms\n");
        for (i, due, size, took) in recs {
            out.push_str(&format!(
                "{i} {:.3} {size} {:.3}\n",
                due.as_secs_f64() * 1000.0,
                took.as_secs_f64() * 1000.0
            ));
        }
        std::fs::write(path, out).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    let mut lat = std::mem::take(&mut *shared.latencies.lock().unwrap_or_else(|p| p.into_inner()));
    lat.sort();
    let pct = |p: f64| -> f64 {
        if lat.is_empty() {
            return 0.0;
        }
        let i = ((lat.len() as f64 * p).ceil() as usize).clamp(1, lat.len()) - 1;
        lat[i].as_secs_f64() * 1000.0
    };
    let sent = lat.len();
    let json = serde_json::json!({
        "sent": sent,
        "failed": shared.failed.load(Ordering::Relaxed),
        "first_error": *shared.first_error.lock().unwrap_or_else(|p| p.into_inner()),
        "elapsed_s": elapsed,
        "msg_per_s": sent as f64 / elapsed.max(1e-9),
        "offered_rate": args.rate,
        "latency_ms": {"p50": pct(0.50), "p90": pct(0.90), "p99": pct(0.99), "max": pct(1.0)},
        "client_cpu_s": cpu_seconds() - cpu0,
    });
    Ok(json.to_string())
}

/// User + system CPU of this process (all threads).
fn cpu_seconds() -> f64 {
    // SAFETY: getrusage writes into the zeroed struct we pass and nothing else.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) } != 0 {
        return 0.0;
    }
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    tv(u.ru_utime) + tv(u.ru_stime)
}

struct Session {
    reader: BufReader<OwnedReadHalf>,
    writer: OwnedWriteHalf,
    pipelining: bool,
    /// The last transaction failed: RSET before the next one.
    dirty: bool,
}

async fn worker(shared: Arc<Shared>) {
    let args = &shared.args;
    let timeout = Duration::from_secs(args.timeout);
    let mut session: Option<Session> = None;
    loop {
        let i = shared.next.fetch_add(1, Ordering::Relaxed);
        if i >= args.count {
            break;
        }
        // Open loop: message i is due at start + i/rate whether or not the server kept up.
        let due = match args.rate {
            Some(r) if r > 0.0 => {
                let due = shared.start + Duration::from_secs_f64(i as f64 / r);
                tokio::time::sleep_until(due.into()).await;
                Some(due)
            }
            _ => None,
        };
        if session.is_none() {
            match tokio::time::timeout(timeout, connect(args)).await {
                Ok(Ok(s)) => session = Some(s),
                Ok(Err(e)) => {
                    shared.fail(format!("connect: {e}"));
                    continue;
                }
                Err(_) => {
                    shared.fail("connect: timed out".into());
                    continue;
                }
            }
        }
        let Some(s) = session.as_mut() else { continue };
        let message = &shared.messages[(i as usize) % shared.messages.len()];
        let to = &args.to[(i as usize) % args.to.len()];
        let begun = Instant::now();
        match tokio::time::timeout(timeout, transaction(s, &args.from, to, message)).await {
            Ok(Ok(())) => {
                let from = due.map_or(begun, |d| d.min(begun));
                let took = from.elapsed();
                shared
                    .latencies
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(took);
                if args.per_message.is_some() {
                    shared
                        .records
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .push((i, from - shared.start, message.len(), took));
                }
            }
            Ok(Err(Failure::Reply(e))) => {
                s.dirty = true;
                shared.fail(e);
            }
            Ok(Err(Failure::Io(e))) => {
                session = None;
                shared.fail(e);
            }
            Err(_) => {
                session = None;
                shared.fail("reply timed out".into());
            }
        }
    }
    if let Some(mut s) = session {
        let _ = s.writer.write_all(b"QUIT\r\n").await;
        let _ = tokio::time::timeout(Duration::from_secs(5), read_reply(&mut s.reader)).await;
    }
}

enum Failure {
    /// The server refused: the session goes on (after RSET).
    Reply(String),
    /// The connection is unusable.
    Io(String),
}

async fn connect(args: &SendArgs) -> Result<Session, String> {
    let stream = TcpStream::connect(("127.0.0.1", args.port))
        .await
        .map_err(|e| e.to_string())?;
    let _ = stream.set_nodelay(true);
    let (r, w) = stream.into_split();
    let mut s = Session {
        reader: BufReader::new(r),
        writer: w,
        pipelining: false,
        dirty: false,
    };
    let (code, _) = read_reply(&mut s.reader).await?;
    if code != 220 {
        return Err(format!("greeting {code}"));
    }
    s.writer
        .write_all(format!("EHLO {}\r\n", args.helo).as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    let (code, lines) = read_reply(&mut s.reader).await?;
    if code != 250 {
        return Err(format!("EHLO: {}", lines.join(" / ")));
    }
    s.pipelining = lines.iter().any(|l| {
        l.get(4..)
            .is_some_and(|k| k.eq_ignore_ascii_case("PIPELINING"))
    });
    Ok(s)
}

async fn transaction(s: &mut Session, from: &str, to: &str, message: &[u8]) -> Result<(), Failure> {
    let io = |e: std::io::Error| Failure::Io(e.to_string());
    let mut expect: VecDeque<(&str, u16)> = VecDeque::new();
    let mut cmds = String::new();
    if s.dirty {
        cmds.push_str("RSET\r\n");
        expect.push_back(("RSET", 250));
    }
    cmds.push_str(&format!("MAIL FROM:<{from}>\r\n"));
    expect.push_back(("MAIL", 250));
    cmds.push_str(&format!("RCPT TO:<{to}>\r\n"));
    expect.push_back(("RCPT", 250));
    cmds.push_str("DATA\r\n");
    expect.push_back(("DATA", 354));
    if s.pipelining {
        // RFC 2920 §3.1: DATA may end a group; its 354 comes after the others' replies.
        s.writer.write_all(cmds.as_bytes()).await.map_err(io)?;
    }
    let mut refused = None;
    let mut lines = cmds.split_inclusive("\r\n");
    while let Some((name, want)) = expect.pop_front() {
        if !s.pipelining {
            let line = lines.next().unwrap_or_default();
            s.writer.write_all(line.as_bytes()).await.map_err(io)?;
        }
        let (code, text) = read_reply(&mut s.reader).await.map_err(Failure::Io)?;
        if code == 354 && name == "DATA" {
            if let Some(e) = refused {
                // Accepted DATA after a refusal: end the empty message to stay in step.
                s.writer.write_all(b".\r\n").await.map_err(io)?;
                read_reply(&mut s.reader).await.map_err(Failure::Io)?;
                s.dirty = true;
                return Err(Failure::Reply(e));
            }
            break;
        }
        if code != want && refused.is_none() {
            refused = Some(format!("{name}: {}", text.join(" / ")));
        }
        if !s.pipelining && name != "RSET" && refused.is_some() {
            // Unpipelined: stop at the first refusal (no DATA after a refused RCPT).
            return Err(Failure::Reply(refused.unwrap_or_default()));
        }
    }
    if let Some(e) = refused {
        // DATA was refused too (no valid recipient), so no message follows.
        s.dirty = true;
        return Err(Failure::Reply(e));
    }
    s.writer.write_all(message).await.map_err(io)?;
    let (code, text) = read_reply(&mut s.reader).await.map_err(Failure::Io)?;
    if code != 250 {
        return Err(Failure::Reply(format!("end of DATA: {}", text.join(" / "))));
    }
    s.dirty = false;
    Ok(())
}

/// One reply (all its lines, RFC 5321 §4.2.1): its code and its lines. Lines longer than 4 KiB
/// or without a three-digit code are errors.
async fn read_reply(r: &mut BufReader<OwnedReadHalf>) -> Result<(u16, Vec<String>), String> {
    let mut lines = Vec::new();
    loop {
        let mut buf = Vec::new();
        let n = (&mut *r)
            .take(4096)
            .read_until(b'\n', &mut buf)
            .await
            .map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("connection closed by the server".into());
        }
        if buf.last() != Some(&b'\n') {
            return Err("reply line too long".into());
        }
        let line = String::from_utf8_lossy(&buf).trim_end().to_string();
        let code = line
            .get(..3)
            .and_then(|c| c.parse::<u16>().ok())
            .ok_or_else(|| format!("malformed reply: {line:?}"))?;
        let more = line.as_bytes().get(3) == Some(&b'-');
        lines.push(line);
        if lines.len() > 100 {
            return Err("reply of more than 100 lines".into());
        }
        if !more {
            return Ok((code, lines));
        }
    }
}
