//! The Authentication-Results header field (RFC 8601): removing forged ones that claim to come
//! from this host before we add our own.
//!
//! RFC 8601 §5: a border MTA must not let a header field claiming its authserv-id through from
//! outside, or downstream readers (IMAP clients, Sieve, plugins) would trust a forgery.

/// Removes every `Authentication-Results` header field whose authserv-id is `hostname`
/// (case-insensitive) from the header section of `raw`. The body and all other fields are left
/// byte for byte; returns the message and how many fields were removed.
pub fn strip_forged(raw: Vec<u8>, hostname: &str) -> (Vec<u8>, usize) {
    let header_end = header_section_end(&raw);
    let mut remove = Vec::new();
    let mut pos = 0;
    while pos < header_end {
        let end = field_end(&raw, pos, header_end);
        if is_ours(&raw[pos..end], hostname) {
            remove.push(pos..end);
        }
        pos = end;
    }
    if remove.is_empty() {
        return (raw, 0);
    }
    let mut out = Vec::with_capacity(raw.len());
    let mut last = 0;
    for r in &remove {
        out.extend_from_slice(&raw[last..r.start]);
        last = r.end;
    }
    out.extend_from_slice(&raw[last..]);
    (out, remove.len())
}

/// How many fields `strip_forged` would remove, without copying the message (the usual
/// answer is none, and the message is then kept as it is, parse included).
pub fn forged_fields(raw: &[u8], hostname: &str) -> usize {
    let header_end = header_section_end(raw);
    let mut count = 0;
    let mut pos = 0;
    while pos < header_end {
        let end = field_end(raw, pos, header_end);
        if is_ours(&raw[pos..end], hostname) {
            count += 1;
        }
        pos = end;
    }
    count
}

/// Offset just past the header section (before the empty line), or the whole message when there
/// is no body.
fn header_section_end(raw: &[u8]) -> usize {
    if raw.starts_with(b"\r\n") {
        return 0;
    }
    match raw.windows(4).position(|w| w == b"\r\n\r\n") {
        Some(i) => i + 2,
        None => raw.len(),
    }
}

/// End of the field starting at `start`: after its last line's CRLF, following folded lines
/// (continuation lines start with space or tab, RFC 5322 §2.2.3).
fn field_end(raw: &[u8], start: usize, limit: usize) -> usize {
    let mut pos = start;
    loop {
        match raw[pos..limit].iter().position(|&b| b == b'\n') {
            None => return limit,
            Some(i) => {
                pos += i + 1;
                if pos >= limit || !matches!(raw[pos], b' ' | b'\t') {
                    return pos;
                }
            }
        }
    }
}

fn is_ours(field: &[u8], hostname: &str) -> bool {
    let Some(colon) = field.iter().position(|&b| b == b':') else {
        return false;
    };
    let name = field[..colon].trim_ascii();
    if !name.eq_ignore_ascii_case(b"Authentication-Results") {
        return false;
    }
    authserv_id(&field[colon + 1..]).is_some_and(|id| id.eq_ignore_ascii_case(hostname.as_bytes()))
}

/// The authserv-id: the first token of the value, after whitespace and comments (RFC 8601 §2.2),
/// ending at `;`, whitespace or a comment. A quoted-string id is unquoted.
fn authserv_id(value: &[u8]) -> Option<&[u8]> {
    let mut i = 0;
    let mut depth = 0usize;
    while i < value.len() {
        match value[i] {
            b'(' => depth += 1,
            b')' if depth > 0 => depth -= 1,
            b'\\' if depth > 0 => i += 1,
            b' ' | b'\t' | b'\r' | b'\n' => {}
            _ if depth > 0 => {}
            _ => break,
        }
        i += 1;
    }
    let rest = value.get(i..)?;
    if let Some(quoted) = rest.strip_prefix(b"\"") {
        let end = quoted.iter().position(|&b| b == b'"')?;
        return Some(&quoted[..end]);
    }
    let end = rest
        .iter()
        .position(|&b| matches!(b, b';' | b' ' | b'\t' | b'\r' | b'\n' | b'('))
        .unwrap_or(rest.len());
    (end > 0).then(|| &rest[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOST: &str = "mx.example.org";

    fn strip(s: &str) -> (String, usize) {
        let (out, n) = strip_forged(s.as_bytes().to_vec(), HOST);
        (String::from_utf8(out).unwrap(), n)
    }

    #[test]
    fn removes_fields_claiming_this_host_only() {
        let msg = "Received: x\r\n\
            Authentication-Results: mx.example.org; spf=pass smtp.mailfrom=a@b\r\n\
            authentication-results: (forged)  MX.Example.ORG;\r\n\tdkim=pass header.d=b\r\n\
            Authentication-Results: other.example; dmarc=pass\r\n\
            Authentication-Results: mx.example.org.evil; dmarc=pass\r\n\
            Authentication-Results: \"mx.example.org\"; dmarc=pass\r\n\
            Subject: hi\r\n\
            \r\n\
            Authentication-Results: mx.example.org; in the body stays\r\n";
        let (out, n) = strip(msg);
        assert_eq!(n, 3);
        assert_eq!(
            out,
            "Received: x\r\n\
            Authentication-Results: other.example; dmarc=pass\r\n\
            Authentication-Results: mx.example.org.evil; dmarc=pass\r\n\
            Subject: hi\r\n\
            \r\n\
            Authentication-Results: mx.example.org; in the body stays\r\n"
        );
    }

    #[test]
    fn untouched_without_forgeries() {
        let msg = "Subject: x\r\n\r\nbody\r\n";
        assert_eq!(strip(msg), (msg.to_string(), 0));
        let no_body = "Authentication-Results: mx.example.org; none\r\n";
        assert_eq!(strip(no_body), (String::new(), 1));
        assert_eq!(strip("\r\nbody"), ("\r\nbody".to_string(), 0));
    }

    #[test]
    fn authserv_id_forms() {
        assert_eq!(authserv_id(b" a.b; x"), Some(&b"a.b"[..]));
        assert_eq!(authserv_id(b" (c (nested)) a.b 1; x"), Some(&b"a.b"[..]));
        assert_eq!(authserv_id(b" \"a.b\"; x"), Some(&b"a.b"[..]));
        assert_eq!(authserv_id(b"  "), None);
    }
}
