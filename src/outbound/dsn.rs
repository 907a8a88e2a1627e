//! Delivery status notifications (RFC 3464): a `multipart/report` with a human part, the
//! `message/delivery-status` part and the original message's headers (`text/rfc822-headers`,
//! RFC 6522). Sent with the null sender, so that a DSN is never bounced (RFC 5321 §6.1).
//!
//! Written out by hand rather than with `mail-builder`: the structure is fixed, every part is
//! 7-bit text we produce (remote replies are sanitised to printable ASCII), so no encoding
//! choice is left for a builder to make.

use chrono::{DateTime, Utc};

/// Most bytes of the original headers quoted in a DSN.
const MAX_QUOTED_HEADERS: usize = 32 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DsnKind {
    /// Permanent failure or expiry: the recipients will not receive the message.
    Failed,
    /// Still being retried (the warning after `delay_warning_after`).
    Delayed,
}

/// One recipient's line in the report.
#[derive(Debug, Clone)]
pub struct DsnRecipient {
    pub address: String,
    /// RFC 3463 status code, e.g. `5.1.1`.
    pub status: String,
    /// The remote's reply or our error.
    pub diagnostic: String,
    /// The reply came from a remote SMTP server (`smtp;` diagnostic type).
    pub remote: bool,
}

pub struct DsnInput<'a> {
    pub kind: DsnKind,
    pub hostname: &'a str,
    pub queue_id: &'a str,
    pub to: &'a str,
    pub arrival: i64,
    pub now: i64,
    /// For `Delayed`: when we give up.
    pub retry_until: Option<i64>,
    pub recipients: &'a [DsnRecipient],
    pub original: &'a [u8],
}

fn rfc2822(t: i64) -> String {
    DateTime::<Utc>::from_timestamp(t, 0)
        .unwrap_or_default()
        .to_rfc2822()
}

/// Printable ASCII on one line, bounded: remote replies go into header-like fields.
pub fn sanitize(text: &str, max: usize) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                ' '
            }
        })
        .take(max)
        .collect::<String>()
        .trim()
        .to_string()
}

/// The RFC 3463 code at the start of a reply text (`5.1.1 User unknown`), if it agrees with
/// the reply's class; otherwise the class's generic code.
pub fn status_of(code: u16, text: &str) -> String {
    let class = match code / 100 {
        5 => '5',
        _ => '4',
    };
    let first = text.split_whitespace().next().unwrap_or("");
    let parts: Vec<&str> = first.split('.').collect();
    if parts.len() == 3
        && parts[0].len() == 1
        && parts[0].starts_with(class)
        && parts[1..]
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()))
    {
        return first.to_string();
    }
    format!("{class}.0.0")
}

/// The header block of a message (up to the first empty line), bounded at a line end.
fn original_headers(raw: &[u8]) -> Vec<u8> {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|p| p + 2)
        .or_else(|| raw.windows(2).position(|w| w == b"\n\n").map(|p| p + 1))
        .unwrap_or(raw.len());
    let mut head = raw.get(..end.min(MAX_QUOTED_HEADERS)).unwrap_or(raw);
    if end > MAX_QUOTED_HEADERS
        && let Some(last) = head.iter().rposition(|&b| b == b'\n')
    {
        head = head.get(..=last).unwrap_or(head);
    }
    let mut out = Vec::with_capacity(head.len() + 16);
    // Normalise line ends to CRLF.
    let mut prev = 0u8;
    for &b in head {
        if b == b'\n' && prev != b'\r' {
            out.push(b'\r');
        }
        out.push(b);
        prev = b;
    }
    if !out.ends_with(b"\r\n") {
        out.extend_from_slice(b"\r\n");
    }
    out
}

pub fn build(d: &DsnInput<'_>) -> Vec<u8> {
    let boundary = format!("{}/{}.dsn", d.queue_id, d.now);
    let (subject, action, intro) = match d.kind {
        DsnKind::Failed => (
            "Undelivered Mail Returned to Sender",
            "failed",
            "Your message could not be delivered to the following recipients.\r\n\
             This is a permanent error; it will not be retried.",
        ),
        DsnKind::Delayed => (
            "Delayed Mail (still being retried)",
            "delayed",
            "Your message has not been delivered yet to the following recipients.\r\n\
             No action is needed: delivery is still being retried.",
        ),
    };
    let mut s = String::new();
    s.push_str(&format!(
        "From: Mail Delivery System <MAILER-DAEMON@{host}>\r\n\
         To: <{to}>\r\n\
         Subject: {subject}\r\n\
         Date: {date}\r\n\
         Message-ID: <{qid}.{now}.dsn@{host}>\r\n\
         Auto-Submitted: auto-replied\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: multipart/report; report-type=delivery-status;\r\n\
         \tboundary=\"{boundary}\"\r\n\r\n\
         This is a MIME-encapsulated delivery status notification.\r\n\r\n\
         --{boundary}\r\n\
         Content-Type: text/plain; charset=us-ascii\r\n\r\n\
         This is the mail system at host {host}.\r\n\r\n{intro}\r\n\r\n",
        host = d.hostname,
        to = d.to,
        date = rfc2822(d.now),
        qid = d.queue_id,
        now = d.now,
    ));
    for r in d.recipients {
        s.push_str(&format!(
            "<{}>: {}\r\n",
            sanitize(&r.address, 256),
            sanitize(&r.diagnostic, 512)
        ));
    }
    if let (DsnKind::Delayed, Some(until)) = (d.kind, d.retry_until) {
        s.push_str(&format!(
            "\r\nDelivery will be tried until {}.\r\n",
            rfc2822(until)
        ));
    }
    // RFC 3464 §2.2: per-message fields, then one block per recipient.
    s.push_str(&format!(
        "\r\n--{boundary}\r\n\
         Content-Type: message/delivery-status\r\n\r\n\
         Reporting-MTA: dns; {host}\r\n\
         X-Mailsift-Queue-ID: {qid}\r\n\
         Arrival-Date: {arrival}\r\n",
        host = d.hostname,
        qid = d.queue_id,
        arrival = rfc2822(d.arrival),
    ));
    for r in d.recipients {
        s.push_str(&format!(
            "\r\nFinal-Recipient: rfc822; {}\r\nAction: {action}\r\nStatus: {}\r\n",
            sanitize(&r.address, 256),
            r.status
        ));
        if !r.diagnostic.is_empty() {
            let kind = if r.remote { "smtp" } else { "x-mailsift" };
            s.push_str(&format!(
                "Diagnostic-Code: {kind}; {}\r\n",
                sanitize(&r.diagnostic, 512)
            ));
        }
        s.push_str(&format!("Last-Attempt-Date: {}\r\n", rfc2822(d.now)));
        if let (DsnKind::Delayed, Some(until)) = (d.kind, d.retry_until) {
            s.push_str(&format!("Will-Retry-Until: {}\r\n", rfc2822(until)));
        }
    }
    s.push_str(&format!(
        "\r\n--{boundary}\r\nContent-Type: text/rfc822-headers\r\n\r\n"
    ));
    let mut out = s.into_bytes();
    out.extend_from_slice(&original_headers(d.original));
    out.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use mail_parser::MimeHeaders;

    #[test]
    fn status_codes() {
        assert_eq!(status_of(550, "5.1.1 User unknown"), "5.1.1");
        assert_eq!(status_of(550, "User unknown"), "5.0.0");
        assert_eq!(status_of(451, "4.7.1 later"), "4.7.1");
        assert_eq!(status_of(550, "4.7.1 mismatched"), "5.0.0");
    }

    #[test]
    fn report_parses_with_original_headers() {
        let original = b"From: a@example.org\r\nSubject: hello\r\n\r\nsecret body\r\n";
        let raw = build(&DsnInput {
            kind: DsnKind::Failed,
            hostname: "mx.example.net",
            queue_id: "Q1",
            to: "a@example.org",
            arrival: 0,
            now: 60,
            retry_until: None,
            recipients: &[DsnRecipient {
                address: "b@example.com".into(),
                status: "5.1.1".into(),
                diagnostic: "550 5.1.1 no\r\nsuch user".into(),
                remote: true,
            }],
            original,
        });
        let msg = mail_parser::MessageParser::default()
            .parse(&raw)
            .expect("parses");
        assert_eq!(msg.content_type().and_then(|c| c.subtype()), Some("report"));
        let text = String::from_utf8_lossy(&raw);
        assert!(text.contains("Final-Recipient: rfc822; b@example.com"));
        assert!(text.contains("Status: 5.1.1"));
        assert!(text.contains("Diagnostic-Code: smtp; 550 5.1.1 no  such user"));
        assert!(text.contains("Subject: hello"));
        assert!(!text.contains("secret body"));
        assert!(text.contains("Auto-Submitted: auto-replied"));
    }
}
