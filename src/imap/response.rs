//! Response encoding helpers (RFC 9051 §4, §7).
//!
//! Everything writes into a `Vec<u8>`: responses may carry 8-bit literals.

use chrono::{FixedOffset, Offset, TimeZone, Utc};

/// Status of a tagged or untagged status response (RFC 9051 §7.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Ok,
    No,
    Bad,
    Bye,
    Preauth,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "OK",
            Status::No => "NO",
            Status::Bad => "BAD",
            Status::Bye => "BYE",
            Status::Preauth => "PREAUTH",
        }
    }
}

/// Make `text` safe as resp-text: no CR / LF (which would end the response early).
fn clean_text(text: &str) -> String {
    text.chars()
        .map(|c| if c == '\r' || c == '\n' { ' ' } else { c })
        .collect()
}

/// `tag SP status SP ["[" code "]" SP] text CRLF`
pub fn tagged(tag: &str, status: Status, code: Option<&str>, text: &str) -> Vec<u8> {
    status_line(tag, status, code, text)
}

/// `* SP status SP ["[" code "]" SP] text CRLF`
pub fn untagged_status(status: Status, code: Option<&str>, text: &str) -> Vec<u8> {
    status_line("*", status, code, text)
}

fn status_line(tag: &str, status: Status, code: Option<&str>, text: &str) -> Vec<u8> {
    let mut s = format!("{tag} {}", status.as_str());
    if let Some(code) = code {
        s.push_str(" [");
        s.push_str(&clean_text(code));
        s.push(']');
    }
    s.push(' ');
    let text = clean_text(text);
    // resp-text needs at least one character (RFC 9051 §9 `text = 1*TEXT-CHAR`).
    s.push_str(if text.is_empty() { "Done" } else { &text });
    s.push_str("\r\n");
    s.into_bytes()
}

/// `* data CRLF`, for untagged data whose fields are all atoms / numbers.
pub fn untagged(data: &str) -> Vec<u8> {
    format!("* {data}\r\n").into_bytes()
}

/// `+ text CRLF` (continuation request, RFC 9051 §7.5).
pub fn continuation(text: &str) -> Vec<u8> {
    format!("+ {}\r\n", clean_text(text)).into_bytes()
}

/// Can `s` be sent as an atom (RFC 9051 §9 ATOM-CHAR)? `NIL` cannot (it would read as NIL).
pub fn is_atom(s: &[u8]) -> bool {
    !s.is_empty()
        && !s.eq_ignore_ascii_case(b"NIL")
        && s.iter().all(|&c| {
            c > 0x20
                && c < 0x7f
                && !matches!(c, b'(' | b')' | b'{' | b'%' | b'*' | b'"' | b'\\' | b']')
        })
}

/// Can `s` be sent quoted? Only 7-bit TEXT-CHARs (no CR, LF, NUL), or, when `utf8` (after
/// `ENABLE UTF8=ACCEPT` / IMAP4rev2, RFC 9051 §9 `QUOTED-CHAR`), valid UTF-8 too.
fn is_quotable(s: &[u8], utf8: bool) -> bool {
    s.len() <= 1024
        && s.iter().all(|&c| c != 0 && c != b'\r' && c != b'\n')
        && (s.is_ascii() || (utf8 && std::str::from_utf8(s).is_ok()))
}

/// Write a `string`: quoted when safe (7-bit), else a literal `{n}\r\n...`.
pub fn write_string(out: &mut Vec<u8>, s: &[u8]) {
    write_string_utf8(out, s, false);
}

/// Like [`write_string`], allowing UTF-8 in quoted strings when `utf8` is set.
pub fn write_string_utf8(out: &mut Vec<u8>, s: &[u8], utf8: bool) {
    if is_quotable(s, utf8) {
        out.push(b'"');
        for &c in s {
            if c == b'"' || c == b'\\' {
                out.push(b'\\');
            }
            out.push(c);
        }
        out.push(b'"');
    } else {
        write_literal(out, s);
    }
}

/// Always a literal: `{n}\r\n` + bytes (used for message bodies).
pub fn write_literal(out: &mut Vec<u8>, s: &[u8]) {
    out.extend_from_slice(format!("{{{}}}\r\n", s.len()).as_bytes());
    out.extend_from_slice(s);
}

/// `nstring = string / NIL`
pub fn write_nstring(out: &mut Vec<u8>, s: Option<&[u8]>) {
    match s {
        Some(s) => write_string(out, s),
        None => out.extend_from_slice(b"NIL"),
    }
}

/// `astring`: atom when possible (mailbox names, etc.), else quoted / literal.
pub fn write_astring(out: &mut Vec<u8>, s: &[u8]) {
    if is_atom(s) {
        out.extend_from_slice(s);
    } else {
        write_string(out, s);
    }
}

/// Quote a mailbox name for LIST / STATUS responses: mailbox names are always sent quoted (as
/// Dovecot does) unless they need a literal, and UTF-8 is allowed when `utf8` is enabled.
pub fn write_mailbox(out: &mut Vec<u8>, name: &str, utf8: bool) {
    write_string_utf8(out, name.as_bytes(), utf8);
}

/// `flag-list = "(" [flag *(SP flag)] ")"`; flags are atoms (`\Seen`, `$Junk`).
pub fn write_flag_list<S: AsRef<str>>(out: &mut Vec<u8>, flags: &[S]) {
    out.push(b'(');
    for (i, f) in flags.iter().enumerate() {
        if i > 0 {
            out.push(b' ');
        }
        out.extend_from_slice(f.as_ref().as_bytes());
    }
    out.push(b')');
}

/// Same as [`write_flag_list`], returned as a string.
pub fn flag_list<S: AsRef<str>>(flags: &[S]) -> String {
    let mut out = Vec::new();
    write_flag_list(&mut out, flags);
    String::from_utf8_lossy(&out).into_owned()
}

/// IMAP `date-time` contents (no quotes): `17-Jul-1996 02:44:25 -0700` (RFC 9051 §9, day
/// zero-padded to two digits as RFC 9051 `date-day-fixed` allows and Dovecot does).
pub fn format_date_time(unix_secs: i64, offset_secs: i32) -> String {
    let offset = FixedOffset::east_opt(offset_secs).unwrap_or_else(|| Utc.fix());
    match offset.timestamp_opt(unix_secs, 0).single() {
        Some(dt) => dt.format("%d-%b-%Y %H:%M:%S %z").to_string(),
        None => "01-Jan-1970 00:00:00 +0000".to_string(),
    }
}

/// Quoted `date-time` for INTERNALDATE.
pub fn write_date_time(out: &mut Vec<u8>, unix_secs: i64, offset_secs: i32) {
    out.push(b'"');
    out.extend_from_slice(format_date_time(unix_secs, offset_secs).as_bytes());
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(f: impl FnOnce(&mut Vec<u8>)) -> String {
        let mut v = Vec::new();
        f(&mut v);
        String::from_utf8(v).unwrap()
    }

    #[test]
    fn strings() {
        assert_eq!(s(|o| write_string(o, b"hello world")), "\"hello world\"");
        assert_eq!(s(|o| write_string(o, b"a\"b\\c")), "\"a\\\"b\\\\c\"");
        assert_eq!(s(|o| write_string(o, b"")), "\"\"");
        assert_eq!(
            s(|o| write_string(o, b"two\r\nlines")),
            "{10}\r\ntwo\r\nlines"
        );
        assert_eq!(s(|o| write_string(o, "Grüße".as_bytes())), "{7}\r\nGrüße");
        assert_eq!(
            s(|o| write_string_utf8(o, "Grüße".as_bytes(), true)),
            "\"Grüße\""
        );
        assert_eq!(s(|o| write_nstring(o, None)), "NIL");
        assert_eq!(s(|o| write_nstring(o, Some(b"x"))), "\"x\"");
        assert_eq!(s(|o| write_astring(o, b"INBOX")), "INBOX");
        assert_eq!(s(|o| write_astring(o, b"NIL")), "\"NIL\"");
        assert_eq!(s(|o| write_astring(o, b"a b")), "\"a b\"");
        assert_eq!(s(|o| write_literal(o, b"abc")), "{3}\r\nabc");
        assert_eq!(s(|o| write_mailbox(o, "Sent", false)), "\"Sent\"");
    }

    #[test]
    fn lines() {
        assert_eq!(
            tagged("a1", Status::Ok, Some("READ-WRITE"), "SELECT completed"),
            b"a1 OK [READ-WRITE] SELECT completed\r\n"
        );
        assert_eq!(
            tagged("a2", Status::Bad, None, "bad\r\nthing"),
            b"a2 BAD bad  thing\r\n"
        );
        assert_eq!(tagged("a3", Status::No, None, ""), b"a3 NO Done\r\n");
        assert_eq!(
            untagged_status(Status::Bye, None, "Logging out"),
            b"* BYE Logging out\r\n"
        );
        assert_eq!(untagged("3 EXISTS"), b"* 3 EXISTS\r\n");
        assert_eq!(continuation("Ready"), b"+ Ready\r\n");
        assert_eq!(flag_list(&["\\Seen", "$Junk"]), "(\\Seen $Junk)");
        assert_eq!(flag_list::<&str>(&[]), "()");
    }

    #[test]
    fn date_time() {
        assert_eq!(
            format_date_time(837_596_665, -7 * 3600),
            "17-Jul-1996 02:44:25 -0700"
        );
        assert_eq!(format_date_time(0, 0), "01-Jan-1970 00:00:00 +0000");
        assert_eq!(
            format_date_time(1_700_000_000, 3600 + 1800),
            "14-Nov-2023 23:43:20 +0130"
        );
        let mut v = Vec::new();
        write_date_time(&mut v, 0, 0);
        assert_eq!(v, b"\"01-Jan-1970 00:00:00 +0000\"");
        // The parser reads back what we write.
        let back = crate::imap::parser::parse_date_time(&format_date_time(837_596_665, -25200));
        assert_eq!(back.map(|d| d.timestamp()), Some(837_596_665));
    }
}
