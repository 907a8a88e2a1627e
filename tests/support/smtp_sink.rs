//! A small capturing SMTP server for tests, on a listener the test binds on 127.0.0.1: it
//! records every message it accepts (envelope sender, recipients, data, which connection) so
//! a test can check what a destination received. Recipients whose local part starts with
//! `reject` get `550`, with `later` get `451`, all others `250`. With `hang_up`, it closes each
//! connection right after accepting a message (a server that drops idle sessions).

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// One message as the sink received it.
#[derive(Debug, Clone)]
pub struct Received {
    /// The reverse-path without brackets; empty for the null sender `<>`.
    pub from: String,
    /// The recipients the sink accepted.
    pub to: Vec<String>,
    /// The message as sent (dot-stuffing kept, the final `.` line dropped).
    pub data: String,
    /// Which connection (0, 1, …, in accept order) carried it.
    pub conn: usize,
}

pub type Captured = Arc<Mutex<Vec<Received>>>;

/// The path of `MAIL FROM:<path> params` or `RCPT TO:<path> params` after the colon.
fn path(rest: &str) -> String {
    let rest = rest.trim_start();
    match rest.strip_prefix('<').and_then(|r| r.split_once('>')) {
        Some((p, _)) => p.to_string(),
        None => rest.split_whitespace().next().unwrap_or("").to_string(),
    }
}

/// Starts the sink on `listener`; returns what it receives.
pub async fn sink(listener: TcpListener) -> Captured {
    sink_with(listener, false).await
}

/// The sink; with `hang_up`, it closes each connection right after accepting a message.
pub async fn sink_with(listener: TcpListener, hang_up: bool) -> Captured {
    let got: Captured = Arc::new(Mutex::new(Vec::new()));
    let g = got.clone();
    tokio::spawn(async move {
        let mut accepted = 0;
        while let Ok((stream, _)) = listener.accept().await {
            let g = g.clone();
            let conn = accepted;
            accepted += 1;
            tokio::spawn(async move {
                let (r, mut w) = stream.into_split();
                let mut r = BufReader::new(r);
                if w.write_all(b"220 sink ESMTP\r\n").await.is_err() {
                    return;
                }
                let (mut from, mut to) = (String::new(), Vec::new());
                loop {
                    let mut line = String::new();
                    if r.read_line(&mut line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    let upper = line.to_ascii_uppercase();
                    let reply: String = if upper.starts_with("EHLO") {
                        "250-sink\r\n250 8BITMIME\r\n".into()
                    } else if upper.starts_with("MAIL FROM:") {
                        from = path(line.get(10..).unwrap_or(""));
                        to.clear();
                        "250 2.1.0 ok\r\n".into()
                    } else if upper.starts_with("RCPT TO:") {
                        let rcpt = path(line.get(8..).unwrap_or(""));
                        if rcpt.starts_with("reject") {
                            "550 5.1.1 no such user here\r\n".into()
                        } else if rcpt.starts_with("later") {
                            "451 4.3.0 try again later\r\n".into()
                        } else {
                            to.push(rcpt);
                            "250 2.1.5 ok\r\n".into()
                        }
                    } else if upper.starts_with("DATA") {
                        if w.write_all(b"354 go ahead\r\n").await.is_err() {
                            return;
                        }
                        let mut data = String::new();
                        loop {
                            let mut l = String::new();
                            if r.read_line(&mut l).await.unwrap_or(0) == 0 {
                                return;
                            }
                            if l == ".\r\n" {
                                break;
                            }
                            data.push_str(&l);
                        }
                        g.lock().unwrap().push(Received {
                            from: from.clone(),
                            to: std::mem::take(&mut to),
                            data,
                            conn,
                        });
                        if hang_up {
                            let _ = w.write_all(b"250 2.0.0 queued\r\n").await;
                            return;
                        }
                        "250 2.0.0 queued\r\n".into()
                    } else if upper.starts_with("QUIT") {
                        let _ = w.write_all(b"221 bye\r\n").await;
                        return;
                    } else {
                        "250 ok\r\n".into()
                    };
                    if w.write_all(reply.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    got
}
