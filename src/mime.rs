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
        let (end, bytes) = match encoding {
            Encoding::Base64 => stream.decode_base64_mime(&boundary),
            Encoding::QuotedPrintable => stream.decode_quoted_printable_mime(&boundary),
            Encoding::None => stream.mime_part(&boundary),
        };
        if end == usize::MAX {
            // mail-parser recovers the part as text and looks for the boundary again.
            let (_, found) = stream.seek_part_end(state.boundary.as_deref());
            if !found {
                state.boundary = None;
            }
        } else if kind == Kind::Message && encoded > 0 {
            // An encoded attached message: mail-parser decodes and parses it as a message of
            // its own (then copies it with a recursive `into_owned`).
            let here = stack.len() + 1;
            let inner = scan(&bytes, encoded - 1, limit.saturating_sub(here));
            deepest = deepest.max(here + inner);
            if deepest > limit {
                return deepest;
            }
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
    // The small-stack test of everything that walks an accepted message (parse, clone,
    // BODYSTRUCTURE, plugin view) is in imap::fetch, which may use both rooms.
}
