//! Whose name the messages a script makes carry. sieve-rs writes a vacation reply's `:from`
//! and `:subject` (RFC 5230 §4.4, §4.5) and a notification's `:from` and mailto headers (RFC
//! 5435 §3.3, RFC 5436 §2.2) into the header as given, so a user's script could send mail from
//! another account's address, or start new header fields with a CR or LF in a string. These
//! messages leave as the user's own mail (DKIM-signed for our domains), so they follow the
//! submission rule (RFC 6409 §6.1, `directory::senders`): `From`, `Sender` and their `Resent-`
//! forms may name only addresses the account may send as. RFC 5230 §4.4 suggests ignoring a
//! `:from` that fails such a check rather than failing the action: `From` becomes the
//! account's address; a `Sender` that fails is dropped.

use crate::directory::senders::may_send_as;

/// Header fields that say who sent the message.
const IDENTITY_FIELDS: [&str; 4] = ["from", "sender", "resent-from", "resent-sender"];

/// `raw` (a message a script made) with its header rebuilt: every line break is CR LF (a bare
/// CR or LF from a script string is a break too, as many readers take it), a line that is
/// neither a field nor a continuation is dropped, and identity fields follow `allowed`.
pub fn own_identity(raw: &[u8], allowed: &[String], account: &str) -> Vec<u8> {
    let (head, body) = match find(raw, b"\r\n\r\n") {
        Some(i) => (&raw[..i], &raw[i + 4..]),
        None => (raw, &b""[..]),
    };
    let mut fields: Vec<Vec<&[u8]>> = Vec::new();
    for line in head.split(|&b| b == b'\r' || b == b'\n') {
        if line.is_empty() {
            continue;
        }
        match (line.first(), fields.last_mut()) {
            (Some(b' ' | b'\t'), Some(field)) => field.push(line),
            (Some(b' ' | b'\t'), None) => {}
            _ if line.contains(&b':') => fields.push(vec![line]),
            _ => {}
        }
    }
    let mut out = Vec::with_capacity(raw.len() + 64);
    let mut has_from = false;
    for field in fields {
        let text: Vec<u8> = field.join(&b" "[..]);
        let name_end = text.iter().position(|&b| b == b':').unwrap_or(0);
        let name = String::from_utf8_lossy(&text[..name_end])
            .trim()
            .to_ascii_lowercase();
        if IDENTITY_FIELDS.contains(&name.as_str()) {
            let value = String::from_utf8_lossy(&text[name_end + 1..]);
            let ok = names_only(&value, allowed);
            if name == "from" {
                if has_from {
                    continue;
                }
                has_from = true;
                if !ok {
                    tracing::info!(from = %value.trim(), %account, "a script's From is not the account's: replaced (RFC 5230 §4.4)");
                    out.extend_from_slice(format!("From: {account}\r\n").as_bytes());
                    continue;
                }
            } else if !ok {
                tracing::info!(field = %name, value = %value.trim(), %account, "a script's sender field is not the account's: dropped");
                continue;
            }
        }
        for (i, line) in field.iter().enumerate() {
            if i > 0 {
                out.extend_from_slice(b"\r\n");
            }
            out.extend_from_slice(line);
        }
        out.extend_from_slice(b"\r\n");
    }
    if !has_from {
        out.extend_from_slice(format!("From: {account}\r\n").as_bytes());
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
    out
}

/// Whether `value` names at least one address and only addresses of `allowed` (or their
/// subaddresses). Every `@`-word counts, in display names and comments too: a name that
/// looks like another's address is the trick this guards against.
fn names_only(value: &str, allowed: &[String]) -> bool {
    let words: Vec<&str> = value
        .split(|c: char| c.is_whitespace() || "<>,;:()\"[]".contains(c))
        .filter(|w| w.contains('@'))
        .collect();
    !words.is_empty() && words.iter().all(|w| may_send_as(allowed, w))
}

/// For a redirected copy that editheader changed (RFC 5293): the first sender field (`From`,
/// `Sender`, `Resent-From`, `Resent-Sender`) the script added that the original did not have
/// and that names an address the account may not send as. The copy leaves as the user's mail
/// (DKIM-signed for our domains), so it must not claim another's name (RFC 5293 §6 lets an
/// implementation restrict what may be changed; RFC 6409 §6.1 is the rule for users' mail).
pub fn forged_sender(original: &[u8], edited: &[u8], allowed: &[String]) -> Option<String> {
    let before = identity_fields(original);
    identity_fields(edited)
        .into_iter()
        .find(|f| !before.contains(f) && !names_only(&f.1, allowed))
        .map(|(name, value)| format!("{name}: {value}"))
}

/// The sender fields of `raw`'s header: (lower-case name, unfolded trimmed value). A bare CR
/// or LF ends a line here too, as in [`own_identity`].
fn identity_fields(raw: &[u8]) -> Vec<(String, String)> {
    let head = find(raw, b"\r\n\r\n").map_or(raw, |i| &raw[..i]);
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut current: Option<(String, String)> = None;
    for line in head.split(|&b| b == b'\r' || b == b'\n') {
        if line.is_empty() {
            // Between the CR and LF of one line break.
            continue;
        }
        let line = String::from_utf8_lossy(line);
        if line.starts_with([' ', '\t']) {
            if let Some((_, v)) = current.as_mut() {
                v.push(' ');
                v.push_str(line.trim());
            }
            continue;
        }
        fields.extend(current.take());
        if let Some((name, value)) = line.split_once(':') {
            current = Some((name.trim().to_ascii_lowercase(), value.trim().to_string()));
        }
    }
    fields.extend(current);
    fields.retain(|(name, _)| IDENTITY_FIELDS.contains(&name.as_str()));
    fields
}

/// True when `raw` (a message a script made) is sieve-rs's vacation reply or notification:
/// one of its `Auto-Submitted` fields is `auto-replied` or `auto-notified` (any of them: a
/// field a script string added before sieve-rs's own cannot hide it). A redirected copy that
/// editheader changed is not, and keeps its original `From`.
pub fn is_script_made(raw: &[u8]) -> bool {
    let head = find(raw, b"\r\n\r\n").map_or(raw, |i| &raw[..i]);
    head.split(|&b| b == b'\r' || b == b'\n').any(|line| {
        let line = String::from_utf8_lossy(line).to_ascii_lowercase();
        line.strip_prefix("auto-submitted:").is_some_and(|v| {
            let v = v.trim_start();
            v.starts_with("auto-replied") || v.starts_with("auto-notified")
        })
    })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::{forged_sender, is_script_made, own_identity};

    #[test]
    fn edited_sender_fields() {
        let allowed = vec!["alice@example.org".to_string()];
        let original = b"Received: x\r\nFrom: Bob <bob@example.org>\r\nSubject: s\r\n\r\nbody";
        // Unchanged, deleted, or changed to the account's own: fine.
        assert_eq!(forged_sender(original, original, &allowed), None);
        assert_eq!(
            forged_sender(original, b"Received: x\r\nSubject: s\r\n\r\nbody", &allowed),
            None
        );
        let own = b"From: alice@example.org\r\nSubject: s\r\n\r\nbody";
        assert_eq!(forged_sender(original, own, &allowed), None);
        // Added or changed to another's.
        let plain = b"From: carol@remote.test\r\nSubject: s\r\n\r\nbody";
        let forged = b"From: bob@example.org\r\nSubject: s\r\n\r\nbody";
        assert_eq!(
            forged_sender(plain, forged, &allowed).as_deref(),
            Some("from: bob@example.org")
        );
        let sender = b"From: carol@remote.test\r\nSender: bob@example.org\r\n\r\nbody";
        assert!(forged_sender(plain, sender, &allowed).is_some());
        let folded =
            b"From: carol@remote.test\r\nSender: alice@example.org\r\n bob@example.org\r\n\r\n";
        assert!(forged_sender(plain, folded, &allowed).is_some());
    }

    #[test]
    fn script_made_messages() {
        assert!(is_script_made(
            b"From: a@b.test\r\nAuto-Submitted: auto-replied\r\n\r\nx"
        ));
        assert!(is_script_made(
            b"From: a@b.test\r\nAuto-Submitted: no\r\nAuto-Submitted: auto-notified\r\n\r\n"
        ));
        assert!(!is_script_made(
            b"From: a@b.test\r\nSubject: x\r\n\r\nAuto-Submitted: auto-replied\r\n"
        ));
        assert!(!is_script_made(
            b"Received: from x\r\nFrom: a@b.test\r\n\r\n"
        ));
    }

    fn run(raw: &str) -> String {
        let allowed = vec![
            "alice@example.org".to_string(),
            "info@example.org".to_string(),
        ];
        String::from_utf8(own_identity(raw.as_bytes(), &allowed, "alice@example.org")).unwrap()
    }

    #[test]
    fn own_addresses_pass_unchanged() {
        for raw in [
            "From: alice@example.org\r\nTo: x@remote.test\r\nSubject: Auto: hi\r\nAuto-Submitted: auto-replied\r\n\r\naway\r\n",
            "From: \"Alice\" <alice+away@example.org>\r\nSubject: a\r\n long subject\r\n\r\nbody",
            "From: Info <info@example.org>\r\nTo: x@remote.test\r\n\r\n",
        ] {
            assert_eq!(run(raw), raw);
        }
    }

    #[test]
    fn other_identities_are_replaced_or_dropped() {
        let out = run("From: bob@example.org\r\nTo: x@remote.test\r\n\r\nbody");
        assert_eq!(
            out,
            "From: alice@example.org\r\nTo: x@remote.test\r\n\r\nbody"
        );
        let out = run("From: \"alice@example.org\" <bob@example.org>\r\n\r\n");
        assert_eq!(out, "From: alice@example.org\r\n\r\n");
        let out = run("From: bob@example.org (alice@example.org)\r\n\r\n");
        assert_eq!(out, "From: alice@example.org\r\n\r\n");
        let out = run("From: alice@example.org\r\nSender: bob@example.org\r\nTo: x@r.test\r\n\r\n");
        assert_eq!(out, "From: alice@example.org\r\nTo: x@r.test\r\n\r\n");
        let out = run("From: Alice\r\n\r\nb");
        assert_eq!(out, "From: alice@example.org\r\n\r\nb");
        let out = run("To: x@r.test\r\n\r\nb");
        assert_eq!(out, "To: x@r.test\r\nFrom: alice@example.org\r\n\r\nb");
    }

    #[test]
    fn injected_lines_become_fields_that_are_checked() {
        // `:from "alice@example.org\r\nSender: bob@example.org"`, a bare LF, a folded address.
        let out = run("From: alice@example.org\r\nSender: bob@example.org\r\nTo: x@r.test\r\n\r\n");
        assert!(!out.contains("bob@"), "{out}");
        let out = run("From: alice@example.org\nFrom: bob@example.org\r\nTo: x@r.test\r\n\r\n");
        assert_eq!(out, "From: alice@example.org\r\nTo: x@r.test\r\n\r\n");
        let out = run("From: alice@example.org\r\n bob@example.org\r\n\r\n");
        assert_eq!(out, "From: alice@example.org\r\n\r\n");
        let out = run("Subject: x\rnot a field\r\nFrom: alice@example.org\r\n\r\n");
        assert_eq!(out, "Subject: x\r\nFrom: alice@example.org\r\n\r\n");
    }
}
