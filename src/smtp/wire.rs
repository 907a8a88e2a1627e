//! SMTP wire format without I/O: command-line framing, command parsing (via `smtp-proto`), reply
//! formatting (AUTH payloads are decoded by `session::sasl`). The session state machine drives these.

use std::borrow::Cow;

use smtp_proto::Request;

/// RFC 5321 §4.5.3.1.4: a command line is at most 512 octets including CRLF.
pub const MAX_COMMAND_LINE: usize = 512;
/// RFC 4954 §4: AUTH raises the command-line limit to 12288 octets (initial responses and
/// continuation lines carry base64 payloads).
pub const MAX_AUTH_LINE: usize = 12288;

/// The input buffer's first allocation (a command line is at most 512 octets, RFC 5321
/// §4.5.3.1.4; a few fit).
const INITIAL_INPUT: usize = 1024;

/// One framed input line.
#[derive(Debug, PartialEq, Eq)]
pub enum Line {
    /// A complete line including its terminating LF (and CR if sent).
    Complete(Vec<u8>),
    /// A line longer than the limit; it has been consumed through its LF.
    TooLong,
    /// No complete line is buffered yet.
    Incomplete,
}

/// What [`InputBuffer::next_line_into`] found (as [`Line`], the line itself in the caller's
/// buffer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framed {
    Complete,
    TooLong,
    Incomplete,
}

/// Bytes read from the client and not yet consumed.
///
/// Own framing instead of `smtp_proto::RequestReceiver`: the crate's receiver has a fixed
/// 4096-octet limit, and after an overlong line it resumes parsing in the middle of that line,
/// which would execute the line's tail as a command. Here an overlong line is skipped through
/// its LF and reported once.
#[derive(Debug, Default)]
pub struct InputBuffer {
    buf: Vec<u8>,
    pos: usize,
    /// Set while skipping the rest of an overlong line.
    overflow: bool,
}

impl InputBuffer {
    pub fn new() -> InputBuffer {
        InputBuffer::default()
    }

    /// Appends bytes read from the socket.
    pub fn extend(&mut self, data: &[u8]) {
        if self.pos > 0 && self.pos == self.buf.len() {
            self.buf.clear();
            self.pos = 0;
        }
        if self.buf.capacity() == 0 {
            // Room for a session's command lines at once, rather than growing from the first
            // line's size (a few reallocations per connection).
            self.buf.reserve(data.len().max(INITIAL_INPUT));
        }
        self.buf.extend_from_slice(data);
    }

    /// The unconsumed bytes.
    pub fn pending(&self) -> &[u8] {
        &self.buf[self.pos..]
    }

    /// Marks `n` pending bytes as consumed.
    pub fn consume(&mut self, n: usize) {
        self.pos = (self.pos + n).min(self.buf.len());
        if self.pos == self.buf.len() {
            self.buf.clear();
            self.pos = 0;
        } else if self.pos > 64 * 1024 {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
    }

    /// Drops everything buffered (STARTTLS, RFC 3207 §4.2: pipelined plaintext after the
    /// command must not be carried into the TLS session).
    pub fn clear(&mut self) {
        self.buf.clear();
        self.pos = 0;
        self.overflow = false;
    }

    /// Takes the next line if complete; `max` counts octets including CRLF.
    ///
    /// A command line ended by a bare LF is accepted (lenient, as smtp-proto's parser is): no
    /// command can be smuggled that way, unlike the DATA end marker, which is strict.
    pub fn next_line(&mut self, max: usize) -> Line {
        let mut line = Vec::new();
        match self.next_line_into(max, &mut line) {
            Framed::Complete => Line::Complete(line),
            Framed::TooLong => Line::TooLong,
            Framed::Incomplete => Line::Incomplete,
        }
    }

    /// [`next_line`](Self::next_line) into `line` (replacing its content; left empty unless
    /// `Complete`): a session reuses one buffer for all its commands rather than allocating
    /// one per line.
    pub fn next_line_into(&mut self, max: usize, line: &mut Vec<u8>) -> Framed {
        line.clear();
        let pending = self.pending();
        match pending.iter().position(|&b| b == b'\n') {
            Some(i) => {
                let len = i + 1;
                let too_long = self.overflow || len > max;
                if !too_long {
                    line.extend_from_slice(&pending[..len]);
                }
                self.overflow = false;
                self.consume(len);
                if too_long {
                    Framed::TooLong
                } else {
                    Framed::Complete
                }
            }
            None => {
                let n = pending.len();
                if n > max {
                    // Keep memory bounded: forget the line so far, remember that it was long.
                    self.overflow = true;
                    self.consume(n);
                }
                Framed::Incomplete
            }
        }
    }
}

/// Why a command line was not understood; each maps to one reply.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    #[error("command unrecognized")]
    Unknown,
    #[error("syntax: {0}")]
    Syntax(&'static str),
    #[error("bad sender address syntax")]
    BadSender,
    #[error("bad recipient address syntax")]
    BadRecipient,
    /// A well-formed address literal in RCPT TO (RFC 5321 §4.1.3), which smtp-proto does not
    /// parse and this server takes no mail for.
    #[error("address literal")]
    AddressLiteral,
    #[error("invalid parameter {0}")]
    InvalidParameter(&'static str),
    #[error("unsupported parameter {0}")]
    UnsupportedParameter(String),
}

impl CommandError {
    pub fn reply(&self) -> (u16, &'static str, String) {
        match self {
            CommandError::Unknown => (500, "5.5.2", "Command unrecognized".into()),
            CommandError::Syntax(s) => (501, "5.5.4", format!("Syntax: {s}")),
            CommandError::BadSender => (501, "5.1.7", "Bad sender address syntax".into()),
            CommandError::BadRecipient => (501, "5.1.3", "Bad recipient address syntax".into()),
            // Valid syntax, so not 501: refused by policy (RFC 5321 §4.2.3 550; RFC 3463 5.7.1).
            // Mail for our own literal is not required (§4.1.3 "MAY"), and the outbound queue
            // routes by domain names only.
            CommandError::AddressLiteral => (
                550,
                "5.7.1",
                "Address literals are not accepted; use a domain name".into(),
            ),
            CommandError::InvalidParameter(p) => (501, "5.5.4", format!("Invalid {p} parameter")),
            // RFC 5321 §4.1.1.11: 555 for MAIL/RCPT parameters not recognised or implemented.
            CommandError::UnsupportedParameter(p) => (
                555,
                "5.5.4",
                format!("Unsupported parameter {}", sanitize(p)),
            ),
        }
    }
}

/// Parses one complete command line (ending in LF) with `smtp-proto`.
pub fn parse_command(line: &[u8]) -> Result<Request<String>, CommandError> {
    let mut iter = line.iter();
    match Request::parse(&mut iter) {
        Ok(Request::Rcpt { mut to }) => {
            // smtp-proto maps `<Postmaster>` to the empty address, but RFC 5321 §4.1.1.3
            // requires accepting RCPT TO:<Postmaster> without a domain.
            if to.address.is_empty() && contains_ci(line, b"<postmaster>") {
                to.address = Cow::Borrowed("postmaster");
            }
            if let Some(quoted) = requote(&to.address) {
                to.address = Cow::Owned(quoted);
            }
            Ok(Request::Rcpt { to }.into_owned())
        }
        Ok(Request::Mail { mut from }) => {
            if let Some(quoted) = requote(&from.address) {
                from.address = Cow::Owned(quoted);
            }
            Ok(Request::Mail { from }.into_owned())
        }
        Ok(request) => Ok(request.into_owned()),
        Err(e) => Err(match e {
            smtp_proto::Error::UnknownCommand => CommandError::Unknown,
            smtp_proto::Error::SyntaxError { syntax } => CommandError::Syntax(syntax),
            smtp_proto::Error::InvalidSenderAddress => CommandError::BadSender,
            smtp_proto::Error::InvalidRecipientAddress if rcpt_has_address_literal(line) => {
                CommandError::AddressLiteral
            }
            smtp_proto::Error::InvalidRecipientAddress => CommandError::BadRecipient,
            smtp_proto::Error::InvalidParameter { param } => CommandError::InvalidParameter(param),
            smtp_proto::Error::UnsupportedParameter { param } => {
                CommandError::UnsupportedParameter(param)
            }
            // A complete line never needs more data; anything else is not a request error.
            _ => CommandError::Unknown,
        }),
    }
}

/// The address with its local part quoted again when it is not a Dot-string (RFC 5321 §4.1.2);
/// `None` when it needs no quotes.
///
/// smtp-proto hands addresses over unquoted (`<"a b"@x>` as `a b@x`, `<"a@b"@x>` as `a@b@x`).
/// The domain is still what follows the last `@`, so the local routing decision is right, but
/// an address relayed on unquoted names another mailbox at the next hop: `"a@b"@x` would reach
/// it as `a@b@x`, which a lenient parser there reads as a route through `b` (the quoted-`@`
/// relay trick). Needless quotes stay off (`"user"@x` is `user@x`, the same mailbox).
fn requote(address: &str) -> Option<String> {
    let (local, domain) = address.rsplit_once('@')?;
    if is_dot_string(local) {
        return None;
    }
    let mut out = String::with_capacity(address.len() + 4);
    out.push('"');
    for c in local.chars() {
        // RFC 5321 §4.1.2 quoted-pairSMTP.
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push_str("\"@");
    out.push_str(domain);
    Some(out)
}

/// RFC 5321 §4.1.2 `Dot-string = Atom *("." Atom)`, with RFC 6531 §3.3's UTF-8 in `atext`.
fn is_dot_string(local: &str) -> bool {
    local.split('.').all(|atom| {
        !atom.is_empty()
            && atom.bytes().all(|b| {
                b >= 0x80 || b.is_ascii_alphanumeric() || b"!#$%&'*+-/=?^_`{|}~".contains(&b)
            })
    })
}

/// Whether the forward-path of a RCPT TO line is `<local-part@address-literal>` (after an
/// ignored source route, RFC 5321 §4.1.1.3).
fn rcpt_has_address_literal(line: &[u8]) -> bool {
    let Some(open) = line.iter().position(|&b| b == b'<') else {
        return false;
    };
    let rest = &line[open + 1..];
    let Some(close) = rest.iter().position(|&b| b == b'>') else {
        return false;
    };
    let Ok(path) = std::str::from_utf8(&rest[..close]) else {
        return false;
    };
    let mailbox = match path.strip_prefix('@') {
        Some(routed) => routed.split_once(':').map_or(path, |(_, mailbox)| mailbox),
        None => path,
    };
    let Some((local, domain)) = mailbox.rsplit_once('@') else {
        return false;
    };
    let quoted = local.len() >= 2 && local.starts_with('"') && local.ends_with('"');
    (quoted || is_dot_string(local)) && is_address_literal(domain)
}

/// RFC 5321 §4.1.3: `[IPv4]`, `[IPv6:addr]` or `[tag:content]` (General-address-literal).
fn is_address_literal(domain: &str) -> bool {
    let Some(inner) = domain.strip_prefix('[').and_then(|d| d.strip_suffix(']')) else {
        return false;
    };
    if inner.parse::<std::net::Ipv4Addr>().is_ok() {
        return true;
    }
    match inner.split_once(':') {
        Some((tag, addr)) if tag.eq_ignore_ascii_case("IPv6") => {
            addr.parse::<std::net::Ipv6Addr>().is_ok()
        }
        Some((tag, content)) => {
            !tag.is_empty()
                && !tag.ends_with('-')
                && tag.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !content.is_empty()
                && content
                    .bytes()
                    .all(|b| (33..=90).contains(&b) || (94..=126).contains(&b))
        }
        None => false,
    }
}

/// A BDAT command (RFC 3030 §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bdat {
    pub size: u64,
    pub last: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BdatError {
    #[error("Syntax: BDAT chunk-size [LAST]")]
    Syntax,
    /// No client can send this many octets, so none are coming: the session stays in step.
    #[error("BDAT chunk size out of range")]
    Overflow,
}

/// `bdat-cmd = "BDAT" SP chunk-size [SP end-marker] CRLF`, `chunk-size = 1*DIGIT`,
/// `end-marker = "LAST"` (RFC 3030 §2); `None` when `line` is not a BDAT command.
///
/// Parsed here rather than by smtp-proto, whose size parser turns sizes of 20 digits or more
/// into unrelated numbers (`BDAT 999999999999999999999 LAST` comes out as a chunk of 9 octets),
/// after which the session would read the client's next commands as chunk data.
pub fn parse_bdat(line: &[u8]) -> Option<Result<Bdat, BdatError>> {
    let line = trim_eol(line);
    let verb = line.get(..4)?;
    if !verb.eq_ignore_ascii_case(b"BDAT") || !matches!(line.get(4), None | Some(b' ')) {
        return None;
    }
    let mut args = line[4..].split(|&c| c == b' ').filter(|a| !a.is_empty());
    let (Some(size), last, None) = (args.next(), args.next(), args.next()) else {
        return Some(Err(BdatError::Syntax));
    };
    let last = match last {
        None => false,
        Some(marker) if marker.eq_ignore_ascii_case(b"LAST") => true,
        Some(_) => return Some(Err(BdatError::Syntax)),
    };
    if !size.iter().all(u8::is_ascii_digit) {
        return Some(Err(BdatError::Syntax));
    }
    let mut n: u64 = 0;
    for &d in size {
        match n
            .checked_mul(10)
            .and_then(|n| n.checked_add(u64::from(d - b'0')))
        {
            Some(v) => n = v,
            None => return Some(Err(BdatError::Overflow)),
        }
    }
    Some(Ok(Bdat { size: n, last }))
}

fn contains_ci(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle))
}

/// True for the first word of `line` being `AUTH` (which may use the longer RFC 4954 limit).
pub fn is_auth_command(line: &[u8]) -> bool {
    line.len() >= 5 && line[..4].eq_ignore_ascii_case(b"AUTH") && line[4] == b' '
}

/// The line without its CRLF / LF.
pub fn trim_eol(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// Replaces anything that could break the reply framing (CR, LF, other controls) in text that
/// may come from the client or a backend.
pub fn sanitize(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

fn valid_enhanced(code: u16, enhanced: &str) -> bool {
    // class.subject.detail (RFC 3463 §2): the class is the reply's first digit (one digit, as
    // the code is 200..=599 here), subject and detail 1 to 3 digits each.
    let mut parts = enhanced.split('.');
    let class_ok = parts
        .next()
        .is_some_and(|p| p.len() == 1 && p.as_bytes()[0] == b'0' + (code / 100) as u8);
    let digits = |p: Option<&str>| {
        p.is_some_and(|p| (1..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()))
    };
    class_ok && digits(parts.next()) && digits(parts.next()) && parts.next().is_none()
}

/// Formats a reply (RFC 5321 §4.2). Each `\n` in `text` starts a continuation line
/// (`code-text`), the last line uses `code text`. Enhanced status codes (RFC 2034/3463) are put
/// on every line for 2xx/4xx/5xx; an invalid one is replaced by `class.0.0`. 3xx replies (354,
/// 334) carry none: RFC 3463 defines no class 3.
pub fn format_reply(code: u16, enhanced: &str, text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() + 16);
    format_reply_into(&mut out, code, enhanced, text);
    out
}

/// [`format_reply`] appended to `out`, without allocating (a session formats every reply of
/// every message).
pub fn format_reply_into(out: &mut Vec<u8>, code: u16, enhanced: &str, text: &str) {
    let code = if (200..600).contains(&code) {
        code
    } else {
        451
    };
    let class = (code / 100) as u8;
    let enhanced: Option<&str> = if class == 3 {
        None
    } else if valid_enhanced(code, enhanced) {
        Some(enhanced)
    } else {
        None
    };
    let digits = [
        b'0' + class,
        b'0' + (code / 10 % 10) as u8,
        b'0' + (code % 10) as u8,
    ];
    let mut lines = text.split('\n').peekable();
    while let Some(line) = lines.next() {
        out.extend_from_slice(&digits);
        out.push(if lines.peek().is_none() { b' ' } else { b'-' });
        // What `sanitize` then `trim_end` leave: controls become spaces, trailing spaces go.
        let end = line
            .char_indices()
            .rev()
            .find(|&(_, c)| !c.is_control() && !c.is_whitespace())
            .map_or(0, |(i, c)| i + c.len_utf8());
        let line = &line[..end];
        if class != 3 {
            match enhanced {
                Some(e) => out.extend_from_slice(e.as_bytes()),
                None => out.extend_from_slice(&[b'0' + class, b'.', b'0', b'.', b'0']),
            }
            if !line.is_empty() {
                out.push(b' ');
            }
        }
        if line.chars().any(char::is_control) {
            let mut utf8 = [0u8; 4];
            for c in line.chars() {
                let c = if c.is_control() { ' ' } else { c };
                out.extend_from_slice(c.encode_utf8(&mut utf8).as_bytes());
            }
        } else {
            out.extend_from_slice(line.as_bytes());
        }
        out.extend_from_slice(b"\r\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_framed_and_long_lines_skipped() {
        let mut b = InputBuffer::new();
        b.extend(b"NOOP\r\nQU");
        assert_eq!(b.next_line(512), Line::Complete(b"NOOP\r\n".to_vec()));
        assert_eq!(b.next_line(512), Line::Incomplete);
        b.extend(b"IT\r\n");
        assert_eq!(b.next_line(512), Line::Complete(b"QUIT\r\n".to_vec()));

        // Overlong line arriving in pieces: reported once, at its end, tail never parsed.
        let mut b = InputBuffer::new();
        b.extend(&[b'A'; 600]);
        assert_eq!(b.next_line(512), Line::Incomplete);
        b.extend(b"RCPT TO:<x@y>\r\nNOOP\r\n");
        assert_eq!(b.next_line(512), Line::TooLong);
        assert_eq!(b.next_line(512), Line::Complete(b"NOOP\r\n".to_vec()));

        let mut b = InputBuffer::new();
        b.extend(&[b'A'; 520]);
        b.extend(b"\r\n");
        assert_eq!(b.next_line(512), Line::TooLong);
        assert_eq!(b.next_line(512), Line::Incomplete);
    }

    #[test]
    fn lines_into_one_reused_buffer() {
        let mut b = InputBuffer::new();
        let mut line = Vec::new();
        b.extend(b"EHLO x\r\nQUIT\r\nNO");
        assert_eq!(b.next_line_into(512, &mut line), Framed::Complete);
        assert_eq!(line, b"EHLO x\r\n");
        assert_eq!(b.next_line_into(512, &mut line), Framed::Complete);
        assert_eq!(line, b"QUIT\r\n");
        assert_eq!(b.next_line_into(512, &mut line), Framed::Incomplete);
        assert!(line.is_empty());
        b.extend(&[b'A'; 600]);
        b.extend(b"\r\n");
        assert_eq!(b.next_line_into(512, &mut line), Framed::TooLong);
        assert!(line.is_empty());
    }

    #[test]
    fn clear_discards_pipelined_input() {
        let mut b = InputBuffer::new();
        b.extend(b"STARTTLS\r\nMAIL FROM:<evil@x>\r\n");
        assert!(matches!(b.next_line(512), Line::Complete(_)));
        b.clear();
        assert_eq!(b.next_line(512), Line::Incomplete);
        assert!(b.pending().is_empty());
    }

    #[test]
    fn commands_parse() {
        match parse_command(b"MAIL FROM:<a@b.example> SIZE=1000 BODY=8BITMIME\r\n") {
            Ok(Request::Mail { from }) => {
                assert_eq!(from.address, "a@b.example");
                assert_eq!(from.size, 1000);
            }
            other => panic!("{other:?}"),
        }
        match parse_command(b"RCPT TO:<PostMaster>\r\n") {
            Ok(Request::Rcpt { to }) => assert_eq!(to.address, "postmaster"),
            other => panic!("{other:?}"),
        }
        assert_eq!(parse_command(b"FOO bar\r\n"), Err(CommandError::Unknown));
        // Quoted local parts keep (only) the quotes they need.
        for (line, want) in [
            (
                &b"RCPT TO:<\"a@b.test\"@c.test>\r\n"[..],
                "\"a@b.test\"@c.test",
            ),
            (b"RCPT TO:<\"a b\"@c.test>\r\n", "\"a b\"@c.test"),
            (b"RCPT TO:<\"a\\\"b\"@c.test>\r\n", "\"a\\\"b\"@c.test"),
            (b"RCPT TO:<\"user\"@c.test>\r\n", "user@c.test"),
            (b"RCPT TO:<user%b.test@c.test>\r\n", "user%b.test@c.test"),
            (b"RCPT TO:<@a.test:u.v@c.test>\r\n", "u.v@c.test"),
            (
                b"RCPT TO:<j\xc3\xb6s\xc3\xa9@c.test>\r\n",
                "j\u{f6}s\u{e9}@c.test",
            ),
        ] {
            match parse_command(line) {
                Ok(Request::Rcpt { to }) => assert_eq!(to.address, want),
                other => panic!("{other:?}"),
            }
        }
        // Address literals: refused by policy when well-formed, as syntax errors otherwise.
        for (line, want) in [
            (
                &b"RCPT TO:<u@[127.0.0.1]>\r\n"[..],
                CommandError::AddressLiteral,
            ),
            (b"RCPT TO:<u@[IPv6:::1]>\r\n", CommandError::AddressLiteral),
            (
                b"RCPT TO:<\"a b\"@[192.0.2.1]>\r\n",
                CommandError::AddressLiteral,
            ),
            (
                b"RCPT TO:<@x.test:u@[192.0.2.1]>\r\n",
                CommandError::AddressLiteral,
            ),
            (b"RCPT TO:<u@[x-tag:abc]>\r\n", CommandError::AddressLiteral),
            (b"RCPT TO:<u@[999.0.0.1]>\r\n", CommandError::BadRecipient),
            (
                b"RCPT TO:<u@[IPv6:1.2.3.4]>\r\n",
                CommandError::BadRecipient,
            ),
            (b"RCPT TO:<u@[other.test]>\r\n", CommandError::BadRecipient),
            (b"RCPT TO:<@[127.0.0.1]>\r\n", CommandError::BadRecipient),
            (b"RCPT TO:<a b@[127.0.0.1]>\r\n", CommandError::BadRecipient),
        ] {
            assert_eq!(
                parse_command(line).map(|_| ()),
                Err(want),
                "{}",
                String::from_utf8_lossy(line)
            );
        }
        match parse_command(b"MAIL FROM:<\"x@y.test\"@z.test>\r\n") {
            Ok(Request::Mail { from }) => assert_eq!(from.address, "\"x@y.test\"@z.test"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            parse_command(b"MAIL FROM:bad\r\n"),
            Err(CommandError::Syntax(_))
        ));
        assert!(is_auth_command(b"auth PLAIN xyz\r\n"));
        assert!(!is_auth_command(b"AUTHX\r\n"));
    }

    #[test]
    fn replies_are_formatted() {
        assert_eq!(format_reply(250, "2.1.0", "OK"), b"250 2.1.0 OK\r\n");
        assert_eq!(
            format_reply(214, "2.0.0", "one\ntwo"),
            b"214-2.0.0 one\r\n214 2.0.0 two\r\n"
        );
        // Injected CR/LF inside a line cannot forge a reply; a bad enhanced code is replaced.
        assert_eq!(
            format_reply(550, "2.1.1", "no\r\u{0}x"),
            b"550 5.0.0 no  x\r\n"
        );
        assert_eq!(format_reply(354, "", "Go"), b"354 Go\r\n");
    }

    /// The allocation-free formatter against the straightforward one it replaced.
    #[test]
    fn replies_match_the_reference_formatter() {
        fn reference(code: u16, enhanced: &str, text: &str) -> Vec<u8> {
            let code = if (200..600).contains(&code) {
                code
            } else {
                451
            };
            let class = code / 100;
            let parts: Vec<&str> = enhanced.split('.').collect();
            let valid = parts.len() == 3
                && parts[0] == class.to_string()
                && parts[1..]
                    .iter()
                    .all(|p| (1..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()));
            let enhanced = match class {
                3 => None,
                _ if valid => Some(enhanced.to_string()),
                _ => Some(format!("{class}.0.0")),
            };
            let lines: Vec<String> = text.split('\n').map(sanitize).collect();
            let mut out = Vec::new();
            for (i, line) in lines.iter().enumerate() {
                let sep = if i + 1 == lines.len() { ' ' } else { '-' };
                let line = line.trim_end();
                let s = match &enhanced {
                    Some(e) if line.is_empty() => format!("{code}{sep}{e}\r\n"),
                    Some(e) => format!("{code}{sep}{e} {line}\r\n"),
                    None => format!("{code}{sep}{line}\r\n"),
                };
                out.extend_from_slice(s.as_bytes());
            }
            out
        }
        let codes = [
            0, 99, 199, 200, 220, 250, 334, 354, 421, 451, 452, 550, 554, 599, 600, 999,
        ];
        let enhanced = [
            "",
            "2.0.0",
            "2.1.5",
            "4.7.0",
            "5.7.1",
            "5.123.456",
            "5.1234.1",
            "5.1.",
            ".1.1",
            "5.1.1.1",
            "55.1.1",
            "x.1.1",
            "5.a.1",
            "3.0.0",
            "4.0.0 ",
            "٥.1.1",
        ];
        let texts = [
            "",
            "OK",
            "one\ntwo",
            "one\n\ntwo\n",
            "no\r\u{0}x",
            "trailing   ",
            "tab\t",
            "ctl\u{85}\u{7f}end",
            "nbsp\u{a0}",
            "\u{a0}x\u{2003}",
            "é ü\n日本 ",
            "\n",
            "\r\n",
            "  lead",
            "a\u{0}\u{0}",
        ];
        for code in codes {
            for e in enhanced {
                for t in texts {
                    assert_eq!(
                        format_reply(code, e, t),
                        reference(code, e, t),
                        "{code} {e:?} {t:?}"
                    );
                }
            }
        }
        let mut out = b"250 earlier\r\n".to_vec();
        format_reply_into(&mut out, 250, "2.1.0", "OK");
        assert_eq!(out, b"250 earlier\r\n250 2.1.0 OK\r\n");
    }

    type Parsed = Option<Result<Bdat, BdatError>>;

    #[test]
    fn bdat_commands() {
        let ok = |size, last| Some(Ok(Bdat { size, last }));
        let cases: &[(&[u8], Parsed)] = &[
            (b"BDAT 0 LAST\r\n", ok(0, true)),
            (b"bdat 12\r\n", ok(12, false)),
            (b"BDAT 007 last\n", ok(7, true)),
            (b"BDAT 18446744073709551615\r\n", ok(u64::MAX, false)),
            (
                b"BDAT 18446744073709551616 LAST\r\n",
                Some(Err(BdatError::Overflow)),
            ),
            (
                b"BDAT 999999999999999999999 LAST\r\n",
                Some(Err(BdatError::Overflow)),
            ),
            (b"BDAT\r\n", Some(Err(BdatError::Syntax))),
            (b"BDAT LAST\r\n", Some(Err(BdatError::Syntax))),
            (b"BDAT 12x LAST\r\n", Some(Err(BdatError::Syntax))),
            (b"BDAT -1\r\n", Some(Err(BdatError::Syntax))),
            (b"BDAT 1 LAST x\r\n", Some(Err(BdatError::Syntax))),
            (b"BDAT 1 FIRST\r\n", Some(Err(BdatError::Syntax))),
            (b"BDATX 1\r\n", None),
            (b"NOOP\r\n", None),
        ];
        for (line, want) in cases {
            assert_eq!(&parse_bdat(line), want, "{}", String::from_utf8_lossy(line));
        }
    }
}
