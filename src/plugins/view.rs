//! The typed view of a message that plugins get (`types::Message`), built once per message
//! from the pipeline's parsed form and shared by every plugin.

use mail_parser::{Address, MessagePart, MimeHeaders, PartType};

use super::types;
use crate::auth::{AuthReport, Outcome};
use crate::values::Envelope;

/// Attached messages nested deeper than this are not flattened further.
const MAX_DEPTH: usize = 8;

pub fn envelope(env: &Envelope) -> types::Envelope {
    types::Envelope {
        queue_id: env.queue_id.clone(),
        mail_from: env.mail_from.clone(),
        recipients: env.recipients.clone(),
        client_ip: ip_string(env.client_ip),
        helo: env.helo.clone(),
        authenticated_user: env.authenticated_as.clone(),
    }
}

/// An address as text in one allocation (`to_string` grows the string octet by octet).
pub(crate) fn ip_string(ip: std::net::IpAddr) -> String {
    use std::fmt::Write as _;
    // The longest IPv6 text (an IPv4-mapped address in full) is 45 octets.
    let mut s = String::with_capacity(45);
    let _ = write!(s, "{ip}");
    s
}

/// The sender-authentication results; all `none` when the message was not checked
/// (authenticated or trusted sender, or checks turned off).
pub fn sender_auth(report: Option<&AuthReport>) -> types::SenderAuth {
    let Some(r) = report else {
        return types::SenderAuth {
            spf: types::AuthResult::None,
            spf_domain: None,
            dkim: types::AuthResult::None,
            dkim_domains: Vec::new(),
            dmarc: types::AuthResult::None,
            from_domain: None,
        };
    };
    types::SenderAuth {
        spf: auth_result(r.spf),
        spf_domain: Some(r.spf_domain.clone()).filter(|d| !d.is_empty()),
        dkim: auth_result(r.dkim_summary()),
        dkim_domains: r.dkim_pass_domains(),
        dmarc: auth_result(r.dmarc),
        from_domain: r.from_domain.clone(),
    }
}

fn auth_result(o: Outcome) -> types::AuthResult {
    match o {
        Outcome::None => types::AuthResult::None,
        Outcome::Pass => types::AuthResult::Pass,
        Outcome::Fail => types::AuthResult::Fail,
        Outcome::SoftFail => types::AuthResult::Softfail,
        Outcome::Neutral => types::AuthResult::Neutral,
        Outcome::TempError => types::AuthResult::Temperror,
        Outcome::PermError => types::AuthResult::Permerror,
    }
}

pub fn message(
    env: &Envelope,
    raw: &[u8],
    parsed: Option<&mail_parser::Message<'_>>,
    auth: Option<&AuthReport>,
) -> types::Message {
    let mut m = types::Message {
        envelope: envelope(env),
        auth: sender_auth(auth),
        headers: Vec::new(),
        subject: None,
        from: Vec::new(),
        to: Vec::new(),
        cc: Vec::new(),
        text_body: None,
        html_body: None,
        attachments: Vec::new(),
        raw_size: raw.len() as u64,
    };
    let Some(p) = parsed else {
        return m;
    };
    let source = p.raw_message();
    m.headers = p
        .headers()
        .iter()
        .map(|h| {
            let start = (h.offset_start as usize).min(source.len());
            let end = (h.offset_end as usize).clamp(start, source.len());
            let raw = unfold(&lossy(&source[start..end]));
            types::Header {
                name: h.name().to_string(),
                value: decode_encoded_words(&raw),
                raw,
            }
        })
        .collect();
    m.subject = p.subject().map(str::to_string);
    m.from = addresses(p.from());
    m.to = addresses(p.to());
    m.cc = addresses(p.cc());
    m.text_body = join_bodies(p, &p.text_body, false);
    m.html_body = join_bodies(p, &p.html_body, true);
    flatten_attachments(p, None, 0, &mut m.attachments);
    m
}

fn addresses(a: Option<&Address<'_>>) -> Vec<types::Address> {
    a.map(|a| {
        a.iter()
            .filter_map(|addr| {
                Some(types::Address {
                    name: addr.name.as_ref().map(|n| n.to_string()),
                    address: addr.address.as_ref()?.to_string(),
                })
            })
            .collect()
    })
    .unwrap_or_default()
}

/// Text (or HTML) parts of the body, joined. mail-parser lists an HTML part among the text
/// parts when there is no text alternative (and vice versa); only real ones are taken here.
fn join_bodies(p: &mail_parser::Message<'_>, ids: &[u32], html: bool) -> Option<String> {
    let mut out: Option<String> = None;
    for id in ids {
        let text = match p.part(*id).map(|part| &part.body) {
            Some(PartType::Text(t)) if !html => t,
            Some(PartType::Html(t)) if html => t,
            _ => continue,
        };
        let s = out.get_or_insert_with(String::new);
        if !s.is_empty() {
            s.push('\n');
        }
        s.push_str(text);
    }
    out
}

/// The parts plugins see as attachments: mail-parser's attachments, plus text and HTML parts
/// that carry a filename. mail-parser counts an inline `text/plain` part with
/// `Content-Disposition: inline; filename="x.js"` as body text, but mail clients offer it as a
/// file too, so a filter must see its name. In MIME order.
fn attachment_parts<'a>(
    p: &'a mail_parser::Message<'a>,
) -> impl Iterator<Item = &'a MessagePart<'a>> {
    let mut ids: Vec<u32> = p.attachments.clone();
    ids.extend(p.text_body.iter().chain(&p.html_body).filter(|id| {
        p.part(**id)
            .is_some_and(|part| part.attachment_name().is_some())
    }));
    ids.sort_unstable();
    ids.dedup();
    ids.into_iter().filter_map(|id| p.part(id))
}

fn flatten_attachments(
    p: &mail_parser::Message<'_>,
    parent: Option<u32>,
    depth: usize,
    out: &mut Vec<types::Attachment>,
) {
    for part in attachment_parts(p) {
        let index = out.len() as u32;
        out.push(attachment(part, parent));
        if let PartType::Message(inner) = &part.body
            && depth < MAX_DEPTH
        {
            flatten_attachments(inner, Some(index), depth + 1, out);
        }
    }
}

fn attachment(part: &MessagePart<'_>, parent: Option<u32>) -> types::Attachment {
    let content_type = part
        .content_type()
        .map(|ct| match ct.subtype() {
            Some(sub) => format!("{}/{}", ct.ctype(), sub),
            None => ct.ctype().to_string(),
        })
        .unwrap_or_else(|| match part.body {
            PartType::Message(_) => "message/rfc822".into(),
            PartType::Text(_) => "text/plain".into(),
            PartType::Html(_) => "text/html".into(),
            _ => "application/octet-stream".into(),
        })
        .to_ascii_lowercase();
    let (content, is_message): (Vec<u8>, bool) = match &part.body {
        PartType::Text(t) | PartType::Html(t) => (t.as_bytes().to_vec(), false),
        PartType::Binary(b) | PartType::InlineBinary(b) => (b.to_vec(), false),
        PartType::Message(m) => (m.raw_message().to_vec(), true),
        PartType::Multipart(_) => (Vec::new(), false),
    };
    types::Attachment {
        parent,
        filename: part.attachment_name().map(str::to_string),
        content_type,
        size: content.len() as u64,
        content,
        inline: matches!(part.body, PartType::InlineBinary(_))
            || part.content_disposition().is_some_and(|d| d.is_inline()),
        is_message,
    }
}

/// `String::from_utf8_lossy`, checking with the faster `from_utf8` first: header fields are
/// nearly always valid UTF-8 (ASCII), and the lossy decoder walks them octet by octet.
fn lossy(b: &[u8]) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(b) {
        Ok(s) => std::borrow::Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(b),
    }
}

/// RFC 5322 §2.2.3 unfolding: remove CRLF before whitespace; then trim.
fn unfold(value: &str) -> String {
    // Most fields are on one line: one copy instead of two replacements and a trim.
    if !value.contains('\n') {
        return value.trim().to_string();
    }
    let mut out = String::with_capacity(value.len());
    for line in value.split('\n') {
        out.push_str(line.strip_suffix('\r').unwrap_or(line));
    }
    out.trim().to_string()
}

/// Decodes RFC 2047 encoded words in an unstructured value; whitespace between two adjacent
/// encoded words is dropped (RFC 2047 §6.2).
pub fn decode_encoded_words(raw: &str) -> String {
    // Without an encoded word the loop below gives `raw` back unchanged: copy it at once.
    if !raw.contains("=?") {
        return raw.to_string();
    }
    let bytes = raw.as_bytes();
    let mut out = String::with_capacity(raw.len());
    let mut pending_ws = String::new();
    let mut after_word = false;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && bytes.get(i + 1) == Some(&b'?') {
            let mut stream = mail_parser::parsers::MessageStream::new(&bytes[i + 1..]);
            if let Some(text) = stream.decode_rfc2047() {
                if !after_word {
                    out.push_str(&pending_ws);
                }
                pending_ws.clear();
                out.push_str(&text);
                i += 1 + stream.offset();
                after_word = true;
                continue;
            }
        }
        let Some(c) = raw[i..].chars().next() else {
            break;
        };
        if c == ' ' || c == '\t' {
            pending_ws.push(c);
        } else {
            out.push_str(&pending_ws);
            pending_ws.clear();
            out.push(c);
            after_word = false;
        }
        i += c.len_utf8();
    }
    out.push_str(&pending_ws);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_and_header_text_match_the_std_conversions() {
        for ip in [
            "192.0.2.1",
            "::1",
            "::ffff:192.0.2.1",
            "2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff",
        ] {
            let ip: std::net::IpAddr = ip.parse().unwrap();
            assert_eq!(ip_string(ip), ip.to_string());
        }
        for b in [
            &b"Subject: plain"[..],
            "caf\u{e9}".as_bytes(),
            b"bad \xff\xfe utf-8",
            b"",
        ] {
            assert_eq!(lossy(b), String::from_utf8_lossy(b));
        }
    }

    #[test]
    fn sender_auth_results_reach_the_plugins() {
        use crate::auth::DkimCheck;
        let report = AuthReport {
            spf: Outcome::SoftFail,
            spf_domain: "bounce.example.org".into(),
            dkim: vec![
                DkimCheck {
                    outcome: Outcome::Fail,
                    domain: Some("other.example".into()),
                    selector: Some("s".into()),
                },
                DkimCheck {
                    outcome: Outcome::Pass,
                    domain: Some("example.org".into()),
                    selector: Some("s".into()),
                },
            ],
            arc: Outcome::None,
            dmarc: Outcome::Pass,
            from_domain: Some("example.org".into()),
            dmarc_policy: None,
            header: String::new(),
        };
        let a = sender_auth(Some(&report));
        assert!(matches!(a.spf, types::AuthResult::Softfail));
        assert_eq!(a.spf_domain.as_deref(), Some("bounce.example.org"));
        assert!(matches!(a.dkim, types::AuthResult::Pass));
        assert_eq!(a.dkim_domains, vec!["example.org"]);
        assert!(matches!(a.dmarc, types::AuthResult::Pass));
        assert_eq!(a.from_domain.as_deref(), Some("example.org"));
        let none = sender_auth(None);
        assert!(matches!(none.dmarc, types::AuthResult::None) && none.dkim_domains.is_empty());
    }

    fn env() -> Envelope {
        Envelope {
            queue_id: "Q1".into(),
            mail_from: "a@example.org".into(),
            recipients: vec!["b@example.com".into()],
            helo: "mx.example.org".into(),
            client_ip: std::net::IpAddr::from([192, 0, 2, 1]),
            authenticated_as: None,
            tls: None,
        }
    }

    #[test]
    fn unfold_and_plain_values_match_the_general_path() {
        // The fast paths (one line; no encoded word) give what the general code gives.
        let general = |v: &str| v.replace("\r\n", "").replace('\n', "").trim().to_string();
        for v in [
            " plain value ",
            "one\r\n two",
            "a\nb\r",
            "x\r\r\n\ty",
            "lone\rcarriage return",
            "\r\n",
            "",
            "tabs\t and  spaces\t",
            "=?UTF-8?Q?a?=\r\n =?UTF-8?Q?b?=",
        ] {
            assert_eq!(unfold(v), general(v), "{v:?}");
        }
        for v in ["plain  value\t", " = ? not a word ?=", "", "a =? b"] {
            assert_eq!(decode_encoded_words(v), v);
        }
    }

    #[test]
    fn encoded_words() {
        assert_eq!(decode_encoded_words("plain text"), "plain text");
        assert_eq!(decode_encoded_words("=?UTF-8?Q?Caf=C3=A9?= ok"), "Café ok");
        assert_eq!(
            decode_encoded_words("=?UTF-8?B?SGVsbG8=?= =?UTF-8?Q?_World?="),
            "Hello World"
        );
        assert_eq!(decode_encoded_words("a =?bogus"), "a =?bogus");
    }

    #[test]
    fn attachment_names_from_every_header_form() {
        // Each part's filename the way a sender may write it; `None`: no name at all.
        let parts: &[(&str, Option<&str>)] = &[
            (
                "Content-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"plain.exe\"",
                Some("plain.exe"),
            ),
            // Content-Type name only (older clients).
            (
                "Content-Type: application/octet-stream; name=\"ct-name.scr\"",
                Some("ct-name.scr"),
            ),
            // RFC 2231 continuations with a charset and percent-encoding (§3, §4).
            (
                "Content-Type: application/octet-stream\r\nContent-Disposition: attachment;\r\n filename*0*=UTF-8''Rechnung%20M%C3%A4;\r\n filename*1*=rz.pdf.exe",
                Some("Rechnung März.pdf.exe"),
            ),
            // RFC 2047 encoded word in a quoted parameter (common, though not standard).
            (
                "Content-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"=?UTF-8?B?0YHRh9GR0YIuanM=?=\"",
                Some("счёт.js"),
            ),
            // Right-to-left override, kept as is for the plugin to normalise.
            (
                "Content-Type: application/octet-stream\r\nContent-Disposition: attachment; filename*=UTF-8''invoice%E2%80%AEfdp.exe",
                Some("invoice\u{202e}fdp.exe"),
            ),
            // An inline text part with a filename: mail-parser files it as body text.
            (
                "Content-Type: text/plain\r\nContent-Disposition: inline; filename=\"run.js\"",
                Some("run.js"),
            ),
            ("Content-Type: image/png", None),
        ];
        let mut raw = String::from(
            "From: a@example.org\r\nSubject: names\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nbody mentions run.exe\r\n",
        );
        for (headers, _) in parts {
            raw.push_str(&format!("--b\r\n{headers}\r\n\r\nxx\r\n"));
        }
        raw.push_str("--b--\r\n");
        let parsed = mail_parser::MessageParser::default().parse(raw.as_bytes());
        let m = message(&env(), raw.as_bytes(), parsed.as_ref(), None);
        let names: Vec<Option<&str>> = m
            .attachments
            .iter()
            .map(|a| a.filename.as_deref())
            .collect();
        assert_eq!(names, parts.iter().map(|p| p.1).collect::<Vec<_>>());
        // The named text part is still the body text as well; the unnamed one is not listed.
        assert!(
            m.text_body
                .as_deref()
                .unwrap_or("")
                .contains("body mentions run.exe")
        );
        assert!(m.attachments.iter().all(|a| a.parent.is_none()));
    }

    #[test]
    fn builds_view_with_nested_attachments() {
        let raw = concat!(
            "From: =?UTF-8?Q?J=C3=BCrgen?= <j@example.org>\r\n",
            "To: b@example.com, \"C\" <c@example.com>\r\n",
            "Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=\r\n",
            "X-Long: one\r\n two\r\n",
            "MIME-Version: 1.0\r\n",
            "Content-Type: multipart/mixed; boundary=\"b1\"\r\n",
            "\r\n",
            "--b1\r\n",
            "Content-Type: text/plain; charset=utf-8\r\n",
            "\r\n",
            "Hello body\r\n",
            "--b1\r\n",
            "Content-Type: application/pdf\r\n",
            "Content-Disposition: attachment; filename=\"a.pdf\"\r\n",
            "Content-Transfer-Encoding: base64\r\n",
            "\r\n",
            "JVBERi0=\r\n",
            "--b1\r\n",
            "Content-Type: message/rfc822\r\n",
            "\r\n",
            "From: x@example.net\r\n",
            "Subject: inner\r\n",
            "Content-Type: multipart/mixed; boundary=\"b2\"\r\n",
            "\r\n",
            "--b2\r\n",
            "Content-Type: text/plain\r\n",
            "\r\n",
            "inner text\r\n",
            "--b2\r\n",
            "Content-Type: application/zip\r\n",
            "Content-Disposition: attachment; filename=\"x.zip\"\r\n",
            "\r\n",
            "PK\r\n",
            "--b2--\r\n",
            "--b1--\r\n",
        );
        let parsed = mail_parser::MessageParser::default().parse(raw.as_bytes());
        let m = message(&env(), raw.as_bytes(), parsed.as_ref(), None);
        assert_eq!(m.subject.as_deref(), Some("Grüße"));
        assert_eq!(m.from[0].address, "j@example.org");
        assert_eq!(m.from[0].name.as_deref(), Some("Jürgen"));
        assert_eq!(m.to.len(), 2);
        let long = m.headers.iter().find(|h| h.name == "X-Long").unwrap();
        assert_eq!(long.raw, "one two");
        let subj = m.headers.iter().find(|h| h.name == "Subject").unwrap();
        assert_eq!(subj.raw, "=?UTF-8?Q?Gr=C3=BC=C3=9Fe?=");
        assert_eq!(subj.value, "Grüße");
        assert_eq!(m.text_body.as_deref().map(str::trim), Some("Hello body"));
        assert_eq!(m.html_body, None);
        let names: Vec<_> = m
            .attachments
            .iter()
            .map(|a| (a.content_type.as_str(), a.filename.as_deref(), a.parent))
            .collect();
        assert_eq!(names[0], ("application/pdf", Some("a.pdf"), None));
        assert_eq!(names[1].0, "message/rfc822");
        assert!(m.attachments[1].is_message);
        let zip = names.iter().find(|n| n.1 == Some("x.zip")).unwrap();
        assert_eq!(zip.2, Some(1));
        assert_eq!(m.attachments[0].content, b"%PDF-");
        assert_eq!(m.raw_size, raw.len() as u64);
    }
}
