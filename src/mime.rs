//! Safe parsing of untrusted messages: a bound on MIME nesting.
//!
//! mail-parser parses nesting iteratively, but the `Message` it returns is a tree as deep as the
//! message's `message/rfc822` nesting, and cloning, dropping and `into_owned` (which it runs on
//! a base64-encoded attached message) recurse over that tree. A 458 KB message nested 5,000
//! levels deep overflows any thread's stack. So every parse of mail goes through this module:
//! first a cheap scan that follows mail-parser's own MIME walk (its stream primitives, so
//! boundaries are found exactly as it finds them) but only counts depth, and stops once past the
//! limit; only a message within the limit is parsed into a tree.
//!
//! The limit is Postfix's `mime_nesting_limit` default (100): far above what real mail uses
//! (forwards of forwards rarely pass 10), and far below what overflows a 2 MB stack.

use std::borrow::Cow;

use mail_parser::parsers::MessageStream;
use mail_parser::{
    ContentType, Encoding, GetHeader, HeaderName, HeaderValue, Message, MessageParser, MessagePart,
    PartType,
};

/// Deepest MIME nesting (multiparts and attached messages together) a message may have.
pub const MAX_NESTING: usize = 100;

/// How many base64/quoted-printable encoded attached messages mail-parser decodes within one
/// another (its `MAX_NESTED_ENCODED`); deeper ones stay opaque.
const MAX_ENCODED: usize = 3;

/// The SMTP reply text for a message over the limit (sent with `554 5.6.0`, RFC 3463 §3.7:
/// "other or undefined media error", as Postfix does).
pub const TOO_DEEP_TEXT: &str = "Message content rejected: MIME nesting exceeds the safety limit";

/// The MIME nesting depth of `raw` as mail-parser would build it, counted up to `limit + 1`
/// (the scan stops there, so its cost is bounded by the message size, not by the depth).
/// A message without structure has depth 0; each multipart or attached message adds one.
pub fn nesting_depth(raw: &[u8], limit: usize) -> usize {
    scan(raw, MAX_ENCODED, limit)
}

/// Whether `raw` nests deeper than [`MAX_NESTING`].
pub fn too_deep(raw: &[u8]) -> bool {
    nesting_depth(raw, MAX_NESTING) > MAX_NESTING
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Message,
    Digest,
    Multipart,
    Leaf,
}

struct Frame {
    kind: Kind,
    boundary: Option<Vec<u8>>,
    /// Pushed when entering an attached message (mail-parser's `(state, Some(message))`).
    entered_message: bool,
}

/// Mirrors the control flow of mail-parser 0.11's `MessageParser::parse_` (iterative, with an
/// explicit stack), minus everything but the stack depth.
fn scan(raw: &[u8], encoded: usize, limit: usize) -> usize {
    // Only the two fields the structure depends on are parsed, as the full parse parses them
    // (Content-Type, and Content-Transfer-Encoding as unstructured text); every other field is
    // skipped: parsing Received chains and address lists was most of the scan's cost (issue 19).
    let parser = MessageParser::new()
        .header_content_type(HeaderName::ContentType)
        .header_text(HeaderName::ContentTransferEncoding)
        .default_header_ignore();
    let mut stream = MessageStream::new(raw);
    let mut state = Frame {
        kind: Kind::Message,
        boundary: None,
        entered_message: false,
    };
    let mut stack: Vec<Frame> = Vec::new();
    let mut headers = Vec::new();
    let mut deepest = 0usize;
    'outer: loop {
        headers.clear();
        if !stream.parse_headers(&parser, &mut headers) {
            break;
        }
        let content_type = headers
            .header_value(&HeaderName::ContentType)
            .and_then(|c| c.as_content_type());
        let mut kind = match content_type {
            Some(ct) if ct.ctype().eq_ignore_ascii_case("multipart") => {
                if ct
                    .subtype()
                    .is_some_and(|s| s.eq_ignore_ascii_case("digest"))
                {
                    Kind::Digest
                } else {
                    Kind::Multipart
                }
            }
            Some(ct)
                if ct.ctype().eq_ignore_ascii_case("message")
                    && ct.subtype().is_some_and(|s| {
                        s.eq_ignore_ascii_case("rfc822") || s.eq_ignore_ascii_case("global")
                    }) =>
            {
                Kind::Message
            }
            Some(_) => Kind::Leaf,
            // RFC 2046 §5.1.5: in a digest, a part without a type is a message.
            None if state.kind == Kind::Digest => Kind::Message,
            None => Kind::Leaf,
        };
        if matches!(kind, Kind::Multipart | Kind::Digest) {
            if let Some(boundary) = content_type.and_then(|c| c.attribute("boundary"))
                && stream.seek_next_part(boundary.as_bytes())
            {
                let outer = std::mem::replace(
                    &mut state,
                    Frame {
                        kind,
                        boundary: Some(boundary.as_bytes().to_vec()),
                        entered_message: false,
                    },
                );
                stack.push(outer);
                deepest = deepest.max(stack.len());
                if deepest > limit {
                    return deepest;
                }
                stream.skip_crlf();
                continue;
            }
            kind = Kind::Leaf;
        }
        let encoding = match headers.header_value(&HeaderName::ContentTransferEncoding) {
            Some(HeaderValue::Text(e)) if e.eq_ignore_ascii_case("base64") => Encoding::Base64,
            Some(HeaderValue::Text(e)) if e.eq_ignore_ascii_case("quoted-printable") => {
                Encoding::QuotedPrintable
            }
            _ => Encoding::None,
        };
        if kind == Kind::Message && encoding == Encoding::None {
            let boundary = state.boundary.take();
            let outer = std::mem::replace(
                &mut state,
                Frame {
                    kind: Kind::Message,
                    boundary,
                    entered_message: true,
                },
            );
            stack.push(outer);
            deepest = deepest.max(stack.len());
            if deepest > limit {
                return deepest;
            }
            continue;
        }
        let boundary = state.boundary.clone().unwrap_or_default();
        // Only an encoded attached message's bytes are needed (to scan it in turn); any other
        // part is only walked past, without decoding it (issue 19: decoding every encoded part
        // once more doubled the parse of quoted-printable and base64 mail).
        let inner = kind == Kind::Message && encoded > 0;
        let ended = match encoding {
            Encoding::Base64 if inner => Part::Decoded(stream.decode_base64_mime(&boundary)),
            Encoding::QuotedPrintable if inner => {
                Part::Decoded(stream.decode_quoted_printable_mime(&boundary))
            }
            Encoding::Base64 => Part::Skipped(skip_base64(&mut stream, raw, &boundary)),
            Encoding::QuotedPrintable => {
                Part::Skipped(skip_quoted_printable(&mut stream, raw, &boundary))
            }
            Encoding::None => Part::Skipped(stream.mime_part(&boundary).0 != usize::MAX),
        };
        match ended {
            Part::Skipped(false) | Part::Decoded((usize::MAX, _)) => {
                // mail-parser recovers the part as text and looks for the boundary again.
                let (_, found) = stream.seek_part_end(state.boundary.as_deref());
                if !found {
                    state.boundary = None;
                }
            }
            Part::Decoded((_, bytes)) => {
                // An encoded attached message: mail-parser decodes and parses it as a message
                // of its own (then copies it with a recursive `into_owned`).
                let here = stack.len() + 1;
                let inner = scan(&bytes, encoded - 1, limit.saturating_sub(here));
                deepest = deepest.max(here + inner);
                if deepest > limit {
                    return deepest;
                }
            }
            Part::Skipped(true) => {}
        }
        if state.boundary.is_some() {
            loop {
                if state.kind == Kind::Message {
                    // The end of an attached message's last part: back to its container.
                    match stack.pop() {
                        Some(mut prev) if state.entered_message => {
                            prev.boundary = state.boundary.take();
                            state = prev;
                        }
                        _ => break 'outer,
                    }
                }
                if stream.is_multipart_end() {
                    match stack.pop() {
                        Some(prev) => {
                            state = prev;
                            if let Some(b) = &state.boundary
                                && stream.seek_next_part_offset(b).is_some()
                            {
                                continue;
                            }
                        }
                        None => break 'outer,
                    }
                    break 'outer;
                }
                break;
            }
        } else if stream.offset() >= raw.len() {
            break;
        }
    }
    deepest
}

/// How the scan got past a part's body: decoded (mail-parser's decoder: its end, or
/// `usize::MAX`, and the bytes), or skipped (whether its end was found as the decoder finds it).
enum Part<'x> {
    Decoded((usize, Cow<'x, [u8]>)),
    Skipped(bool),
}

/// Moves `stream` (over `data`) exactly as mail-parser 0.11's `decode_quoted_printable_mime`
/// does, without decoding: past the boundary that ends the part (`true`), to the end of the
/// data when there is no boundary (`true`), or back where it was when the decoder would give up
/// (`false`: an `=` after an unfinished escape, or no boundary found). The scan must find the
/// parts' ends where the parser does, or its depth would not be the parser's; the unit tests
/// compare the two on generated parts. The decoder's states, byte by byte: `=` starts an
/// escape; in an escape, a hex digit expects a second, white space is skipped, any other byte
/// ends it; a line feed ends an escape that has no digit yet (a soft line break); `--`
/// followed by the boundary ends the part, in any state, at any place in a line.
fn skip_quoted_printable(stream: &mut MessageStream<'_>, data: &[u8], boundary: &[u8]) -> bool {
    #[derive(Clone, Copy, PartialEq, Eq)]
    enum Qp {
        Plain,
        Escape,
        FirstDigit,
    }
    let rest = data.get(stream.offset()..).unwrap_or_default();
    stream.checkpoint();
    let mut state = Qp::Plain;
    let mut i = 0;
    loop {
        if state == Qp::Plain {
            // Outside an escape only `=` and a boundary's `--` change anything: jump to them.
            match rest
                .get(i..)
                .and_then(|tail| memchr::memchr2(b'=', b'-', tail))
            {
                Some(n) => i += n,
                None => break,
            }
        }
        let Some(&ch) = rest.get(i) else { break };
        // The byte before this one in the part (the decoder starts with 0).
        let last = i.checked_sub(1).and_then(|p| rest.get(p)).copied();
        match ch {
            b'=' if state == Qp::Plain => state = Qp::Escape,
            b'=' => {
                stream.restore();
                return false;
            }
            b'\n' => {
                if state == Qp::Escape {
                    state = Qp::Plain;
                }
            }
            b'\r' => {}
            b'-' if !boundary.is_empty()
                && last == Some(b'-')
                && rest
                    .get(i + 1..)
                    .is_some_and(|tail| tail.starts_with(boundary)) =>
            {
                stream.skip_bytes(i + 1 + boundary.len());
                return true;
            }
            _ => {
                state = match state {
                    Qp::Plain => Qp::Plain,
                    Qp::Escape if is_hex_digit(ch) => Qp::FirstDigit,
                    Qp::Escape if ch.is_ascii_whitespace() => Qp::Escape,
                    Qp::Escape | Qp::FirstDigit => Qp::Plain,
                }
            }
        }
        i += 1;
    }
    to_end(stream, rest.len(), boundary)
}

/// What mail-parser's quoted-printable decoder takes for a hex digit (its `HEX_MAP`).
fn is_hex_digit(ch: u8) -> bool {
    mail_parser::decoders::quoted_printable::HEX_MAP
        .get(usize::from(ch))
        .is_some_and(|&v| v != -1)
}

/// Moves `stream` exactly as mail-parser 0.11's `decode_base64_mime` does, without decoding
/// (see [`skip_quoted_printable`]). Its only ways out: `--` followed by the boundary (`true`),
/// `--` not followed by it or a byte that is neither in the alphabet, `=`, nor white space
/// (`false`, the stream back where it was), or the end of the data (`true` when there is no
/// boundary). Padding never fails it, so where the four-byte groups fall does not matter.
fn skip_base64(stream: &mut MessageStream<'_>, data: &[u8], boundary: &[u8]) -> bool {
    let rest = data.get(stream.offset()..).unwrap_or_default();
    stream.checkpoint();
    // The decoder starts as if after a line end.
    let mut last = b'\n';
    for (i, &ch) in rest.iter().enumerate() {
        if !is_base64(ch) {
            match ch {
                b'=' | b'\n' | b' ' | b'\t' | b'\r' => {}
                b'-' if last == b'-' => {
                    if !boundary.is_empty()
                        && rest
                            .get(i + 1..)
                            .is_some_and(|tail| tail.starts_with(boundary))
                    {
                        stream.skip_bytes(i + 1 + boundary.len());
                        return true;
                    }
                    stream.restore();
                    return false;
                }
                b'-' => {}
                _ => {
                    stream.restore();
                    return false;
                }
            }
        }
        last = ch;
    }
    to_end(stream, rest.len(), boundary)
}

/// Whether mail-parser's base64 decoder takes `ch` as a digit (its `BASE64_MAP`; every row of
/// the table has the same digits, which a unit test checks).
fn is_base64(ch: u8) -> bool {
    mail_parser::decoders::base64::BASE64_MAP
        .first()
        .and_then(|row| row.get(usize::from(ch)))
        .is_some_and(|&v| v < 0x01ff_ffff)
}

/// The end of a part's data reached without its boundary: where the decoders leave the
/// stream (one read past the end) when there is no boundary to find (`true`); back at the
/// part's start when there is (`false`).
fn to_end(stream: &mut MessageStream<'_>, rest: usize, boundary: &[u8]) -> bool {
    if boundary.is_empty() {
        if rest > 0 {
            stream.skip_bytes(rest);
        }
        // The decoders' last `next()` finds nothing and moves one past the end.
        let _ = stream.next();
        true
    } else {
        stream.restore();
        false
    }
}

/// Parsing with the nesting bound, as a method of mail-parser's parser.
pub trait BoundedParse {
    /// Parses `raw`, unless it nests deeper than [`MAX_NESTING`]: then only its header is
    /// parsed and its body is one opaque `application/octet-stream` part, so readers (IMAP
    /// FETCH and SEARCH) still see the message without walking its structure. (SMTP refuses
    /// such messages; this is for ones stored anyway, by APPEND or before the limit.)
    fn parse_bounded<'x>(&self, raw: &'x [u8]) -> Option<Message<'x>>;
}

impl BoundedParse for MessageParser {
    fn parse_bounded<'x>(&self, raw: &'x [u8]) -> Option<Message<'x>> {
        if !too_deep(raw) {
            return self.parse(raw);
        }
        Some(flattened(self, raw))
    }
}

/// [`BoundedParse::parse_bounded`] with mail-parser's default settings.
pub fn parse(raw: &[u8]) -> Option<Message<'_>> {
    MessageParser::default().parse_bounded(raw)
}

/// The message as one leaf part: its header fields, with the content type (which describes a
/// structure that is not walked) read as `application/octet-stream`, and its body as raw bytes.
fn flattened<'x>(parser: &MessageParser, raw: &'x [u8]) -> Message<'x> {
    let mut stream = MessageStream::new(raw);
    let mut headers = Vec::new();
    stream.parse_headers(parser, &mut headers);
    for h in headers
        .iter_mut()
        .filter(|h| h.name == HeaderName::ContentType)
    {
        h.value = HeaderValue::ContentType(ContentType {
            c_type: Cow::Borrowed("application"),
            c_subtype: Some(Cow::Borrowed("octet-stream")),
            attributes: None,
        });
    }
    let body_start = stream.offset().min(raw.len());
    let end = u32::try_from(raw.len()).unwrap_or(u32::MAX);
    Message {
        html_body: Vec::new(),
        text_body: Vec::new(),
        attachments: vec![0],
        parts: vec![MessagePart {
            headers,
            is_encoding_problem: true,
            body: PartType::Binary(Cow::Borrowed(raw.get(body_start..).unwrap_or_default())),
            encoding: Encoding::None,
            offset_header: 0,
            offset_body: u32::try_from(body_start).unwrap_or(u32::MAX),
            offset_end: end,
        }],
        raw_message: Cow::Borrowed(raw),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use mail_parser::MimeHeaders;
    use rand::Rng as _;

    /// A message with `depth` `message/rfc822` parts, each inside a `multipart/mixed`, like the
    /// one from the attack (about 90 bytes a level).
    pub fn nested_rfc822(depth: usize) -> Vec<u8> {
        let mut body = b"Subject: innermost\r\n\r\nhello\r\n".to_vec();
        for i in 0..depth {
            let b = format!("b{i}");
            let mut outer = format!(
                "Subject: level {i}\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"{b}\"\r\n\r\n--{b}\r\nContent-Type: message/rfc822\r\n\r\n"
            )
            .into_bytes();
            outer.extend_from_slice(&body);
            outer.extend_from_slice(format!("\r\n--{b}--\r\n").as_bytes());
            body = outer;
        }
        let mut m = b"From: a@example.org\r\nTo: b@example.com\r\n".to_vec();
        m.extend_from_slice(&body);
        m
    }

    /// `message/rfc822` directly inside `message/rfc822`, with no multipart between.
    pub fn bare_rfc822(depth: usize) -> Vec<u8> {
        let mut m = b"From: a@example.org\r\nSubject: bare\r\n".to_vec();
        for _ in 0..depth {
            m.extend_from_slice(b"Content-Type: message/rfc822\r\n\r\nSubject: x\r\n");
        }
        m.extend_from_slice(b"\r\nhello\r\n");
        m
    }

    /// `multipart/mixed` nested `depth` levels, each with a text part.
    pub fn nested_multipart(depth: usize) -> Vec<u8> {
        let mut m = b"From: a@example.org\r\nSubject: multi\r\nMIME-Version: 1.0\r\n".to_vec();
        for i in 0..depth {
            m.extend_from_slice(
                format!("Content-Type: multipart/mixed; boundary=\"m{i}\"\r\n\r\n--m{i}\r\n")
                    .as_bytes(),
            );
        }
        m.extend_from_slice(b"Content-Type: text/plain\r\n\r\ndeep\r\n");
        for i in (0..depth).rev() {
            m.extend_from_slice(format!("--m{i}--\r\n").as_bytes());
        }
        m
    }

    /// Depth as measured on mail-parser's own tree (multiparts and messages), for comparison.
    fn tree_depth(m: &Message<'_>) -> usize {
        fn part(m: &Message<'_>, idx: usize, seen: usize) -> usize {
            match m.parts.get(idx).map(|p| &p.body) {
                Some(PartType::Multipart(children)) => children
                    .iter()
                    .map(|c| part(m, *c as usize, seen + 1))
                    .max()
                    .unwrap_or(seen + 1),
                Some(PartType::Message(inner)) => part(inner, 0, seen + 1),
                _ => seen,
            }
        }
        part(m, 0, 0)
    }

    #[test]
    fn depth_matches_mail_parser_on_ordinary_shapes() {
        for raw in [
            nested_rfc822(0),
            nested_rfc822(1),
            nested_rfc822(7),
            nested_multipart(1),
            nested_multipart(9),
            bare_rfc822(3),
        ] {
            let parsed = MessageParser::default().parse(&raw[..]).unwrap();
            assert_eq!(nesting_depth(&raw, 1000), tree_depth(&parsed));
        }
        assert_eq!(nesting_depth(&nested_rfc822(7), 1000), 14);
        assert_eq!(nesting_depth(b"Subject: x\r\n\r\nplain\r\n", 10), 0);
    }

    #[test]
    fn digest_parts_without_type_are_messages() {
        let raw = b"Subject: d\r\nContent-Type: multipart/digest; boundary=\"d\"\r\n\r\n--d\r\n\r\nSubject: inner\r\n\r\nbody\r\n--d--\r\n";
        let parsed = MessageParser::default().parse(&raw[..]).unwrap();
        assert_eq!(nesting_depth(raw, 10), tree_depth(&parsed));
        assert_eq!(nesting_depth(raw, 10), 2);
    }

    #[test]
    fn encoded_attached_messages_are_counted() {
        use base64::Engine as _;
        let inner = nested_rfc822(3);
        let encoded = base64::engine::general_purpose::STANDARD.encode(&inner);
        let raw = format!(
            "Subject: e\r\nContent-Type: multipart/mixed; boundary=\"e\"\r\n\r\n--e\r\nContent-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n{encoded}\r\n--e--\r\n"
        );
        let parsed = MessageParser::default().parse(raw.as_bytes()).unwrap();
        assert_eq!(nesting_depth(raw.as_bytes(), 1000), tree_depth(&parsed));
        assert_eq!(nesting_depth(raw.as_bytes(), 1000), 2 + 6);
    }

    #[test]
    fn the_attack_is_found_quickly_and_parsed_flat() {
        for raw in [
            nested_rfc822(5000),
            bare_rfc822(5000),
            nested_multipart(5000),
        ] {
            let started = std::time::Instant::now();
            assert!(too_deep(&raw));
            assert_eq!(nesting_depth(&raw, MAX_NESTING), MAX_NESTING + 1);
            assert!(started.elapsed() < std::time::Duration::from_secs(2));
            let flat = parse(&raw).unwrap();
            assert_eq!(flat.parts.len(), 1);
            assert!(flat.subject().is_some());
            assert!(matches!(flat.parts[0].body, PartType::Binary(_)));
            let ct = flat.content_type().unwrap();
            assert_eq!(
                (ct.ctype(), ct.subtype()),
                ("application", Some("octet-stream"))
            );
        }
        // Just within the limit: parsed as a tree.
        let raw = nested_multipart(MAX_NESTING);
        assert!(!too_deep(&raw));
        assert!(parse(&raw).unwrap().parts.len() > 1);
    }
    /// Bytes that steer the decoders (escapes, hex digits, white space, line ends, dashes, the
    /// base64 alphabet and a byte of neither), with a boundary now and then, anywhere in a line.
    fn tricky_bytes(rng: &mut impl rand::Rng, len: usize, boundary: &[u8]) -> Vec<u8> {
        const ALPHABET: &[u8] = b"==--\r\n\n \tAaFf09gZz+/.=\x0c\xe9";
        let mut out = Vec::with_capacity(len + 16);
        while out.len() < len {
            match rng.gen_range(0..40) {
                0 if !boundary.is_empty() => {
                    out.extend_from_slice(b"--");
                    out.extend_from_slice(boundary);
                }
                1 => out.extend_from_slice(b"=\r\n"),
                2 => out.extend_from_slice(b"=3D"),
                _ => out.push(ALPHABET[rng.gen_range(0..ALPHABET.len())]),
            }
        }
        out
    }

    /// Where a stream is, as far as a parser can tell: its offset, and the bytes it reads next.
    fn position(stream: &mut MessageStream<'_>) -> (usize, Vec<u8>) {
        let at = stream.offset();
        stream.checkpoint();
        let next: Vec<u8> = stream.by_ref().take(4).copied().collect();
        stream.restore();
        (at, next)
    }

    #[test]
    fn skipping_a_part_leaves_the_stream_where_decoding_does() {
        use rand::SeedableRng as _;
        let mut rng = rand::rngs::StdRng::seed_from_u64(19);
        let (mut found, mut failed, mut overflowed) = (0, 0, 0);
        for case in 0..20_000 {
            let boundary: &[u8] = if case % 3 == 0 { b"" } else { b"bd" };
            let len = rng.gen_range(0..60);
            let data = tricky_bytes(&mut rng, len, boundary);
            let start = rng.gen_range(0..=data.len().min(3));
            for base64 in [false, true] {
                let mut decoded = MessageStream::new(&data);
                let mut skipped = MessageStream::new(&data);
                decoded.skip_bytes(start);
                skipped.skip_bytes(start);
                // mail-parser's quoted-printable decoder can subtract past zero on a boundary
                // right after an empty line (see `a_soft_break_before_the_boundary_parses`): a
                // panic in a build that checks overflow in mail-parser, not comparable there.
                let Ok(end) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    if base64 {
                        decoded.decode_base64_mime(boundary).0
                    } else {
                        decoded.decode_quoted_printable_mime(boundary).0
                    }
                })) else {
                    overflowed += 1;
                    continue;
                };
                let ok = if base64 {
                    skip_base64(&mut skipped, &data, boundary)
                } else {
                    skip_quoted_printable(&mut skipped, &data, boundary)
                };
                let what = format!(
                    "{:?} from {start}, base64 {base64}",
                    String::from_utf8_lossy(&data)
                );
                assert_eq!(ok, end != usize::MAX, "{what}");
                assert_eq!(position(&mut skipped), position(&mut decoded), "{what}");
                // Where a later `restore` goes back to, as the parser's recovery uses it.
                decoded.restore();
                skipped.restore();
                assert_eq!(skipped.offset(), decoded.offset(), "{what}");
                if ok { found += 1 } else { failed += 1 }
            }
        }
        // Both ways out were taken many times.
        assert!(
            found > 5_000 && failed > 5_000 && overflowed < 2_000,
            "{found} {failed} {overflowed}"
        );
    }

    #[test]
    fn every_row_of_the_base64_table_has_the_same_digits() {
        for row in mail_parser::decoders::base64::BASE64_MAP {
            for ch in 0..=255u8 {
                assert_eq!(row[usize::from(ch)] < 0x01ff_ffff, is_base64(ch), "{ch}");
            }
        }
    }

    /// A message of random structure: multiparts, attached messages (some of them encoded),
    /// leaves in every encoding with bodies of [`tricky_bytes`].
    fn random_message(rng: &mut impl rand::Rng, depth: usize, n: &mut usize) -> Vec<u8> {
        let encodings = ["7bit", "quoted-printable", "base64"];
        let encoding = encodings[rng.gen_range(0..encodings.len())];
        let mut m =
            format!("Subject: s{n}\r\nContent-Transfer-Encoding: {encoding}\r\n").into_bytes();
        *n += 1;
        match rng.gen_range(0..4) {
            0 | 1 if depth > 0 => {
                let b = format!("b{n}");
                m.extend_from_slice(
                    format!("Content-Type: multipart/mixed; boundary=\"{b}\"\r\n\r\n").as_bytes(),
                );
                for _ in 0..rng.gen_range(1..4) {
                    m.extend_from_slice(format!("--{b}\r\n").as_bytes());
                    let part = random_message(rng, depth - 1, n);
                    m.extend_from_slice(&part);
                    m.extend_from_slice(b"\r\n");
                }
                if rng.gen_bool(0.8) {
                    m.extend_from_slice(format!("--{b}--\r\n").as_bytes());
                }
            }
            2 if depth > 0 => {
                m.extend_from_slice(b"Content-Type: message/rfc822\r\n\r\n");
                let inner = random_message(rng, depth - 1, n);
                if encoding == "base64" {
                    use base64::Engine as _;
                    let encoded = base64::engine::general_purpose::STANDARD.encode(&inner);
                    m.extend_from_slice(encoded.as_bytes());
                } else {
                    m.extend_from_slice(&inner);
                }
            }
            _ => {
                m.extend_from_slice(b"Content-Type: text/plain\r\n\r\n");
                let len = rng.gen_range(0..80);
                let outer = format!("b{}", rng.gen_range(0..(*n).max(1)));
                m.extend_from_slice(&tricky_bytes(rng, len, outer.as_bytes()));
            }
        }
        m
    }

    #[test]
    fn depth_matches_mail_parser_on_random_encoded_structures() {
        use rand::SeedableRng as _;
        let mut rng = rand::rngs::StdRng::seed_from_u64(1919);
        let (mut cases, mut same) = (0, 0);
        for _ in 0..3_000 {
            let mut n = 0;
            let raw = random_message(&mut rng, 4, &mut n);
            // mail-parser's own overflow, in a build that checks it (see above).
            let Ok(parsed) = std::panic::catch_unwind(|| MessageParser::default().parse(&raw[..]))
            else {
                continue;
            };
            let parsed = parsed.unwrap();
            let (scanned, built) = (nesting_depth(&raw, 1000), tree_depth(&parsed));
            // Never shallower than the tree (what the bound relies on). On a few broken
            // structures the scan counts a level or two that mail-parser's tree leaves out;
            // the same with every part decoded (checked when the skipping came in), so it is
            // the scan's, not the skipping's.
            assert!(scanned >= built, "{}", String::from_utf8_lossy(&raw));
            cases += 1;
            if scanned == built {
                same += 1;
            }
        }
        // Equal on all but a few.
        assert!(
            cases > 2_900 && same * 100 >= cases * 99,
            "{same} of {cases}"
        );
    }
    /// A quoted-printable part whose first line is a soft line break, right before the
    /// boundary: mail-parser 0.11.9 subtracts past zero there (a panic where overflow is
    /// checked). Release builds wrap it into a no-op; `[profile.dev.package.mail-parser]`
    /// makes debug builds (the test suite's server) do the same, so a message like this one is
    /// parsed, not a panic of the session that received it.
    #[test]
    fn a_soft_break_before_the_boundary_parses() {
        let raw = b"Subject: qp\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=\r\n--b--\r\n";
        let parsed = parse(raw).unwrap();
        assert_eq!(parsed.subject(), Some("qp"));
        assert_eq!(nesting_depth(raw, 10), 1);
    }
    // The small-stack test of everything that walks an accepted message (parse, clone,
    // BODYSTRUCTURE, plugin view) is in imap::fetch, which may use both rooms.
}
