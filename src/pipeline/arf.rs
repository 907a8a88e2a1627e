//! The Abuse Reporting Format (RFC 5965): the report `pipeline::report` sends when a user
//! reports a message as phishing or spam. Three parts in a `multipart/report;
//! report-type=feedback-report` (RFC 6522): a human-readable text, the machine-readable
//! `message/feedback-report` fields, and the reported message, intact, as `message/rfc822`.
//!
//! What the report says about the message's arrival (envelope sender, client IP) is read from
//! the header fields this server added at delivery: the topmost `Received` field and our own
//! `Authentication-Results` (forged ones were removed at delivery, RFC 8601 §5).

use std::net::IpAddr;

use mail_builder::MessageBuilder;
use mail_builder::headers::content_type::ContentType;
use mail_builder::headers::raw::Raw;
use mail_builder::mime::MimePart;

use crate::store::ReportKind;

/// Longest value copied from the reported message into a report field.
const MAX_FIELD: usize = 256;

/// RFC 5965 §7.3 (Feedback Report Type Values): `fraud` is "some kind of fraud or phishing
/// activity", `abuse` "unsolicited email or some other kind of email abuse".
pub fn feedback_type(kind: ReportKind) -> &'static str {
    match kind {
        ReportKind::Phishing => "fraud",
        ReportKind::Spam => "abuse",
    }
}

/// One report to build.
pub struct Report<'a> {
    pub kind: ReportKind,
    /// This server's name (Reporting-MTA, the From domain, our authserv-id).
    pub hostname: &'a str,
    /// The abuse address the report goes to.
    pub to: &'a str,
    /// The account that reported the message (Original-Rcpt-To: it received it).
    pub reporter: &'a str,
    /// How the user reported it ("keyword $Phishing set in INBOX").
    pub via: &'a str,
    /// When the message arrived (unix seconds; Arrival-Date).
    pub arrival: i64,
    /// Now (unix seconds; the report's Date).
    pub now: i64,
    /// The reported message, attached as it is stored.
    pub original: &'a [u8],
}

/// What the reported message's header fields tell about its arrival.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Facts {
    pub mail_from: Option<String>,
    pub source_ip: Option<IpAddr>,
    pub reported_domain: Option<String>,
    pub auth_results: Option<String>,
    pub subject: Option<String>,
}

/// Builds the report message (CRLF line ends).
pub fn build(r: &Report<'_>) -> Vec<u8> {
    let facts = facts(r.original, r.hostname);
    let what = match r.kind {
        ReportKind::Phishing => "phishing",
        ReportKind::Spam => "spam",
    };
    let arrival = rfc5322_date(r.arrival);
    let subject = facts.subject.as_deref().unwrap_or("(no subject)");
    let text = format!(
        "This is an abuse report (RFC 5965) from {host}.\r\n\
         \r\n\
         The user {reporter} reported the attached message as {what} ({via}).\r\n\
         \r\n\
         Subject:      {subject}\r\n\
         Arrived:      {arrival}\r\n\
         Envelope from: {from}\r\n\
         Client IP:    {ip}\r\n\
         \r\n\
         The message was moved to the user's Junk folder and the spam filter learnt it as spam.\r\n",
        host = r.hostname,
        reporter = r.reporter,
        via = r.via,
        from = facts.mail_from.as_deref().unwrap_or("unknown"),
        ip = facts
            .source_ip
            .map(|ip| ip.to_string())
            .unwrap_or_else(|| "unknown".into()),
    );
    let fields = feedback_fields(r, &facts, &arrival);
    let report = MimePart::new(
        ContentType::new("multipart/report").attribute("report-type", "feedback-report"),
        vec![
            MimePart::new(
                ContentType::new("text/plain").attribute("charset", "utf-8"),
                text,
            ),
            // RFC 5965 §3: the fields are plain text; a transfer encoding is given so that the
            // builder writes them as they are (it would base64 any non-text/* part).
            MimePart::new("message/feedback-report", fields)
                .header("Content-Transfer-Encoding", Raw::new("7bit")),
            // RFC 2046 §5.2.1: message/rfc822 allows only 7bit, 8bit or binary.
            MimePart::new("message/rfc822", r.original)
                .header("Content-Transfer-Encoding", Raw::new(encoding(r.original))),
        ],
    );
    let id = format!(
        "<{}.{:08x}.arf@{}>",
        r.now,
        rand::random::<u32>(),
        r.hostname
    );
    MessageBuilder::new()
        .from((
            "Mail system".to_string(),
            format!("MAILER-DAEMON@{}", r.hostname),
        ))
        .to(r.to.to_string())
        .subject(format!("{} report: {subject}", capitalised(what)))
        .date(r.now)
        .header("Message-ID", Raw::new(id))
        // RFC 3834 §5: a report is not to be answered automatically.
        .header("Auto-Submitted", Raw::new("auto-generated"))
        .body(report)
        .write_to_vec()
        .unwrap_or_default()
}

/// The `message/feedback-report` part (RFC 5965 §3.1, §3.2): required fields first.
fn feedback_fields(r: &Report<'_>, facts: &Facts, arrival: &str) -> String {
    let mut f = format!(
        "Feedback-Type: {}\r\nUser-Agent: Mailsift/{}\r\nVersion: 1\r\n",
        feedback_type(r.kind),
        env!("CARGO_PKG_VERSION")
    );
    if let Some(from) = &facts.mail_from {
        f.push_str(&format!("Original-Mail-From: <{from}>\r\n"));
    }
    f.push_str(&format!("Original-Rcpt-To: <{}>\r\n", clean(r.reporter)));
    f.push_str(&format!("Arrival-Date: {arrival}\r\n"));
    f.push_str(&format!("Reporting-MTA: dns; {}\r\n", clean(r.hostname)));
    if let Some(ip) = facts.source_ip {
        f.push_str(&format!("Source-IP: {ip}\r\n"));
    }
    if let Some(ar) = &facts.auth_results {
        f.push_str(&format!("Authentication-Results: {ar}\r\n"));
    }
    if let Some(domain) = &facts.reported_domain {
        f.push_str(&format!("Reported-Domain: {domain}\r\n"));
    }
    f
}

/// Reads the arrival facts from the message's header fields.
pub fn facts(raw: &[u8], hostname: &str) -> Facts {
    let Some(parsed) = crate::mime::parse(raw) else {
        return Facts::default();
    };
    let mut facts = Facts {
        subject: parsed.subject().map(clean).filter(|s| !s.is_empty()),
        reported_domain: parsed
            .from()
            .and_then(|a| a.first())
            .and_then(|a| a.address())
            .and_then(|a| a.rsplit_once('@'))
            .map(|(_, d)| d.trim().to_ascii_lowercase())
            .filter(|d| is_domain(d)),
        ..Facts::default()
    };
    let mut first_received = true;
    for (name, value) in parsed.headers_raw() {
        if name.eq_ignore_ascii_case("Received") && first_received {
            // Only the topmost field is ours; below it anyone could have written anything.
            first_received = false;
            facts.source_ip = received_ip(value, hostname);
        } else if name.eq_ignore_ascii_case("Return-Path") && facts.mail_from.is_none() {
            let v = clean(value);
            let v = v.trim().trim_start_matches('<').trim_end_matches('>');
            facts.mail_from = is_address(v).then(|| v.to_string());
        } else if name.eq_ignore_ascii_case("Authentication-Results")
            && facts.auth_results.is_none()
        {
            let v = clean(value);
            let ours = v
                .split_once(';')
                .is_some_and(|(id, _)| id.trim().eq_ignore_ascii_case(hostname));
            if ours {
                if facts.mail_from.is_none() {
                    facts.mail_from = smtp_mailfrom(&v);
                }
                facts.auth_results = Some(v);
            }
        }
    }
    facts
}

/// The client address of a `Received: from helo ([192.0.2.1]) by HOSTNAME` field written by this
/// server (smtp::session); a message that came in otherwise (APPEND, import) has none.
fn received_ip(value: &str, hostname: &str) -> Option<IpAddr> {
    let value = value.split_whitespace().collect::<Vec<_>>().join(" ");
    let (from, by) = value.split_once(" by ")?;
    let by_us = by
        .split_whitespace()
        .next()
        .is_some_and(|h| h.eq_ignore_ascii_case(hostname));
    if !by_us {
        return None;
    }
    let start = from.find("([")? + 2;
    let end = start + from.get(start..)?.find("])")?;
    let literal = from.get(start..end)?;
    literal
        .strip_prefix("IPv6:")
        .unwrap_or(literal)
        .parse()
        .ok()
}

/// `smtp.mailfrom=ADDRESS` of an Authentication-Results value (RFC 8601 §2.7.2).
fn smtp_mailfrom(ar: &str) -> Option<String> {
    let (_, rest) = ar.split_once("smtp.mailfrom=")?;
    let v: String = rest
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != ';')
        .collect();
    let v = v.trim_matches('"');
    is_address(v).then(|| v.to_string())
}

/// One line of printable text, bounded: folded lines unfolded, control characters dropped.
fn clean(value: &str) -> String {
    let mut out = String::new();
    let mut space = false;
    for c in value.chars() {
        if c.is_whitespace() {
            space = !out.is_empty();
            continue;
        }
        if c.is_control() {
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        out.push(c);
        if out.len() >= MAX_FIELD {
            break;
        }
    }
    out
}

fn is_address(v: &str) -> bool {
    v.len() <= MAX_FIELD
        && v.rsplit_once('@')
            .is_some_and(|(l, d)| !l.is_empty() && is_domain(d))
        && !v
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "<>()[],;\\\"".contains(c))
}

fn is_domain(d: &str) -> bool {
    !d.is_empty()
        && d.len() <= 253
        && d.split('.')
            .all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
}

/// 7bit when every line is short US-ASCII, else 8bit (binary when it has NULs or bare CR/LF).
fn encoding(raw: &[u8]) -> &'static str {
    let bare = raw.iter().enumerate().any(|(i, &b)| {
        b == 0
            || (b == b'\n' && (i == 0 || raw.get(i - 1) != Some(&b'\r')))
            || (b == b'\r' && raw.get(i + 1) != Some(&b'\n'))
    });
    let long = raw.split(|&b| b == b'\n').any(|l| l.len() > 998);
    if bare || long {
        "binary"
    } else if raw.is_ascii() {
        "7bit"
    } else {
        "8bit"
    }
}

fn rfc5322_date(ts: i64) -> String {
    chrono::DateTime::from_timestamp(ts, 0)
        .unwrap_or_default()
        .to_rfc2822()
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mail_parser::MimeHeaders;

    const ORIGINAL: &[u8] = b"Authentication-Results: mail.test; spf=fail smtp.mailfrom=bad@phish.example\r\n\
Received: from evil.example ([192.0.2.7])\r\n\tby mail.test (Mailsift) with ESMTPS id Q1\r\n\tfor <bob@example.org>;\r\n\tSun, 6 Dec 2026 10:00:00 +0000\r\n\
Received: from x ([198.51.100.1]) by y\r\n\
From: \"Your Bank\" <security@phish.example>\r\n\
To: bob@example.org\r\n\
Subject: Verify your account\r\n\
\r\n\
Click here: http://phish.example/login\r\n";

    fn report(kind: ReportKind) -> Vec<u8> {
        build(&Report {
            kind,
            hostname: "mail.test",
            to: "abuse@example.org",
            reporter: "bob@example.org",
            via: "keyword $Phishing set in INBOX",
            arrival: 1_796_551_200,
            now: 1_796_551_300,
            original: ORIGINAL,
        })
    }

    fn part<'a>(
        msg: &'a mail_parser::Message<'a>,
        ctype: &str,
    ) -> &'a mail_parser::MessagePart<'a> {
        msg.parts
            .iter()
            .find(|p| {
                p.content_type()
                    .map(|c| format!("{}/{}", c.ctype(), c.subtype().unwrap_or("")))
                    .is_some_and(|c| c.eq_ignore_ascii_case(ctype))
            })
            .unwrap_or_else(|| panic!("no {ctype} part"))
    }

    #[test]
    fn phishing_report_is_arf() {
        let raw = report(ReportKind::Phishing);
        let msg = mail_parser::MessageParser::default().parse(&raw).unwrap();
        let ct = msg.content_type().unwrap();
        assert_eq!((ct.ctype(), ct.subtype()), ("multipart", Some("report")));
        assert_eq!(ct.attribute("report-type"), Some("feedback-report"));
        assert_eq!(msg.parts[0].sub_parts().map(|p| p.len()), Some(3));
        assert_eq!(
            msg.header_raw("Auto-Submitted").map(str::trim),
            Some("auto-generated")
        );
        assert_eq!(msg.subject(), Some("Phishing report: Verify your account"));

        let fr = part(&msg, "message/feedback-report");
        let body = String::from_utf8_lossy(fr.contents()).to_string();
        for line in [
            "Feedback-Type: fraud\r\n",
            "Version: 1\r\n",
            "Original-Mail-From: <bad@phish.example>\r\n",
            "Original-Rcpt-To: <bob@example.org>\r\n",
            "Source-IP: 192.0.2.7\r\n",
            "Reported-Domain: phish.example\r\n",
            "Reporting-MTA: dns; mail.test\r\n",
        ] {
            assert!(body.contains(line), "{line:?} missing from {body}");
        }
        assert!(body.starts_with("Feedback-Type: fraud\r\nUser-Agent: Mailsift/"));
        assert!(body.contains("Arrival-Date: "));
        // The original is attached byte for byte, not re-encoded.
        assert!(
            raw.windows(ORIGINAL.len()).any(|w| w == ORIGINAL),
            "original not attached intact"
        );
        let attached = part(&msg, "message/rfc822");
        let inner = attached.message().unwrap();
        assert_eq!(inner.subject(), Some("Verify your account"));
    }

    #[test]
    fn spam_report_is_abuse() {
        let raw = report(ReportKind::Spam);
        let text = String::from_utf8_lossy(&raw);
        assert!(text.contains("Feedback-Type: abuse\r\n"));
        assert!(text.contains("Subject: Spam report: Verify your account"));
    }

    #[test]
    fn facts_tolerate_hostile_headers() {
        let raw = b"Received: from x ([not-an-ip])\r\n\
Authentication-Results: other.host; spf=pass smtp.mailfrom=forged@x.example\r\n\
Return-Path: <a b@c>\r\n\
From: <@>\r\n\
Subject: line\r\n one\r\n\r\nbody";
        let f = facts(raw, "mail.test");
        assert_eq!(f.source_ip, None);
        assert_eq!(
            f.mail_from, None,
            "another host's Authentication-Results is not trusted"
        );
        assert_eq!(f.auth_results, None);
        assert_eq!(f.reported_domain, None);
        assert_eq!(f.subject.as_deref(), Some("line one"));
        assert_eq!(facts(b"", "mail.test"), Facts::default());
        assert_eq!(facts(&[0xff; 300], "mail.test").source_ip, None);
        let theirs = b"Received: from h ([192.0.2.9])\r\n\tby other.example (Mailsift)\r\n\r\n";
        assert_eq!(
            facts(theirs, "mail.test").source_ip,
            None,
            "only our Received is trusted"
        );
        let v6 = b"Received: from h ([IPv6:2001:db8::1])\r\n\tby mail.test (Mailsift)\r\n\r\n";
        assert_eq!(facts(v6, "mail.test").source_ip, "2001:db8::1".parse().ok());
    }

    #[test]
    fn attached_encoding_is_never_base64() {
        assert_eq!(encoding(b"a\r\nb\r\n"), "7bit");
        assert_eq!(encoding("é\r\n".as_bytes()), "8bit");
        assert_eq!(encoding(b"a\nb"), "binary");
        assert_eq!(encoding(b"a\0b"), "binary");
    }
}
