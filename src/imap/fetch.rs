//! FETCH rendering (RFC 9051 §6.4.5, §7.5.2; RFC 3501 §7.4.2): ENVELOPE, BODY / BODYSTRUCTURE,
//! `BODY[section]<partial>`, RFC822.*, BINARY (RFC 3516).
//!
//! Structure comes from `mail_parser`; section bytes are cut from the original message using its
//! byte offsets, so `BODY[...]` returns exactly the bytes received. Offsets of the parts of a
//! nested message index that nested message's `raw_message` (which, for an un-encoded
//! message/rfc822 part, is the whole outer message).

use std::borrow::Cow;
use std::sync::LazyLock;

use mail_parser::parsers::MessageStream;
use mail_parser::{Addr, Address, HeaderValue, Message, MessageParser, MessagePart, PartType};

use crate::mime::BoundedParse;

use super::command::{FetchAttr, Partial, Section, SectionText};
use super::response::{
    write_date_time, write_flag_list, write_literal, write_nstring, write_string,
};

/// Per-message data the store supplies for FETCH.
#[derive(Debug, Clone, Copy)]
pub struct FetchMeta<'a> {
    pub seq: u32,
    pub uid: u32,
    /// Flags as sent to the client (`\Seen`, `$Junk`, ...). When a non-PEEK body fetch sets
    /// \Seen, the session stores it first and passes the updated flags (and adds FLAGS to the
    /// requested items if absent, RFC 9051 §6.4.5).
    pub flags: &'a [String],
    /// Unix seconds.
    pub internal_date: i64,
    /// Offset of the INTERNALDATE's zone, seconds east of UTC.
    pub internal_date_offset: i32,
    /// RFC822.SIZE: the stored message's size in octets.
    pub size: u64,
    /// RFC 7162 MODSEQ.
    pub modseq: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    /// An item needing the message body was requested but `raw` was `None`.
    #[error("message content not available")]
    MissingContent,
    /// BINARY of a part whose Content-Transfer-Encoding is unknown (RFC 3516 §4.2:
    /// `NO [UNKNOWN-CTE]`).
    #[error("Unknown Content-Transfer-Encoding")]
    UnknownCte,
}

/// Does rendering these items need the message content (not just metadata)?
pub fn needs_raw(attrs: &[FetchAttr]) -> bool {
    attrs.iter().any(|a| {
        !matches!(
            a,
            FetchAttr::Flags
                | FetchAttr::Uid
                | FetchAttr::InternalDate
                | FetchAttr::Rfc822Size
                | FetchAttr::ModSeq
                | FetchAttr::ThreadId
        )
    })
}

/// Do these items implicitly set \Seen (RFC 9051 §6.4.5: BODY[...], BINARY[...], RFC822,
/// RFC822.TEXT)?
pub fn sets_seen(attrs: &[FetchAttr]) -> bool {
    attrs.iter().any(|a| {
        matches!(
            a,
            FetchAttr::Rfc822
                | FetchAttr::Rfc822Text
                | FetchAttr::BodySection { peek: false, .. }
                | FetchAttr::Binary { peek: false, .. }
        )
    })
}

/// Render one `* seq FETCH (...)` response line (with CRLF) for `attrs`.
pub fn render_fetch(
    meta: &FetchMeta<'_>,
    raw: Option<&[u8]>,
    attrs: &[FetchAttr],
) -> Result<Vec<u8>, FetchError> {
    let mut out = format!("* {} FETCH (", meta.seq).into_bytes();
    let mut parsed: Option<Message<'_>> = None;
    let depth = attrs.iter().map(depth_of).max().unwrap_or(Depth::Raw);
    for (i, attr) in attrs.iter().enumerate() {
        if i > 0 {
            out.push(b' ');
        }
        match attr {
            FetchAttr::Flags => {
                out.extend_from_slice(b"FLAGS ");
                write_flag_list(&mut out, meta.flags);
            }
            FetchAttr::Uid => out.extend_from_slice(format!("UID {}", meta.uid).as_bytes()),
            FetchAttr::InternalDate => {
                out.extend_from_slice(b"INTERNALDATE ");
                write_date_time(&mut out, meta.internal_date, meta.internal_date_offset);
            }
            FetchAttr::Rfc822Size => {
                out.extend_from_slice(format!("RFC822.SIZE {}", meta.size).as_bytes())
            }
            FetchAttr::ModSeq => {
                out.extend_from_slice(format!("MODSEQ ({})", meta.modseq).as_bytes())
            }
            // RFC 8474 §5: `EMAILID (id)`, `THREADID NIL`.
            FetchAttr::EmailId => {
                let raw = raw.ok_or(FetchError::MissingContent)?;
                let id = super::objectid::email_id(raw);
                out.extend_from_slice(format!("EMAILID ({id})").as_bytes())
            }
            FetchAttr::ThreadId => out.extend_from_slice(b"THREADID NIL"),
            FetchAttr::Rfc822 => {
                let raw = raw.ok_or(FetchError::MissingContent)?;
                out.extend_from_slice(b"RFC822 ");
                write_literal(&mut out, raw);
            }
            _ if depth_of(attr) == Depth::Raw => {
                let raw = raw.ok_or(FetchError::MissingContent)?;
                render_raw_item(&mut out, raw, attr);
            }
            _ => {
                let raw = raw.ok_or(FetchError::MissingContent)?;
                if parsed.is_none() {
                    // One parse per message, as deep as the deepest item asks: the header
                    // block alone for ENVELOPE / HEADER / TEXT, the MIME tree otherwise.
                    parsed = Some(match depth {
                        Depth::Full => parse(raw),
                        Depth::Envelope => parse_header_with(&ENVELOPE_FIELDS, raw)
                            .unwrap_or_else(|| unparsed(raw)),
                        _ => parse_header_with(&FIELD_BOUNDS, raw).unwrap_or_else(|| unparsed(raw)),
                    });
                }
                // Set just above.
                let Some(msg) = parsed.as_ref() else {
                    return Err(FetchError::MissingContent);
                };
                render_content_item(&mut out, msg, attr)?;
            }
        }
    }
    out.extend_from_slice(b")\r\n");
    Ok(out)
}

/// How much of a message an item needs parsed. Whole-message items are cut from the stored
/// bytes as they are: parsing 10,000 messages to send them unchanged was most of the cost of
/// `FETCH 1:* BODY.PEEK[]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Depth {
    /// Metadata or the raw bytes (`RFC822`, `BODY[]`, `BINARY[]`).
    Raw,
    /// Where the top-level header fields are (`BODY[HEADER...]`, `BODY[TEXT]`, RFC822.HEADER).
    Header,
    /// The same, with the address fields parsed (ENVELOPE).
    Envelope,
    /// The MIME tree (BODYSTRUCTURE, numbered parts, MIME).
    Full,
}

fn depth_of(attr: &FetchAttr) -> Depth {
    match attr {
        FetchAttr::Flags
        | FetchAttr::Uid
        | FetchAttr::InternalDate
        | FetchAttr::Rfc822Size
        | FetchAttr::ModSeq
        | FetchAttr::EmailId
        | FetchAttr::ThreadId
        | FetchAttr::Rfc822 => Depth::Raw,
        FetchAttr::Envelope => Depth::Envelope,
        FetchAttr::Rfc822Header | FetchAttr::Rfc822Text => Depth::Header,
        FetchAttr::BodySection { section, .. } if section.part.is_empty() => match section.text {
            None => Depth::Raw,
            Some(
                SectionText::Header
                | SectionText::Text
                | SectionText::HeaderFields(_)
                | SectionText::HeaderFieldsNot(_),
            ) => Depth::Header,
            Some(SectionText::Mime) => Depth::Full,
        },
        // BINARY[] of the whole message is the message as stored (RFC 3516 §4.2).
        FetchAttr::Binary { part, .. } | FetchAttr::BinarySize { part } if part.is_empty() => {
            Depth::Raw
        }
        FetchAttr::Body
        | FetchAttr::BodyStructure
        | FetchAttr::BodySection { .. }
        | FetchAttr::Binary { .. }
        | FetchAttr::BinarySize { .. } => Depth::Full,
    }
}

/// The items of [`Depth::Raw`] that carry content: the whole stored message, as
/// `section_bytes` / `binary_bytes` return it for an empty part path.
fn render_raw_item(out: &mut Vec<u8>, raw: &[u8], attr: &FetchAttr) {
    match attr {
        FetchAttr::BodySection {
            section, partial, ..
        } => {
            out.extend_from_slice(b"BODY[");
            write_section_spec(out, section);
            out.push(b']');
            write_partial(out, Some(raw), *partial);
        }
        FetchAttr::Binary { part, partial, .. } => {
            out.extend_from_slice(b"BINARY[");
            out.extend_from_slice(join_part(part).as_bytes());
            out.push(b']');
            write_partial(out, Some(raw), *partial);
        }
        FetchAttr::BinarySize { part } => {
            out.extend_from_slice(b"BINARY.SIZE[");
            out.extend_from_slice(join_part(part).as_bytes());
            out.extend_from_slice(b"] ");
            out.extend_from_slice(raw.len().to_string().as_bytes());
        }
        _ => {}
    }
}

/// Parse a message (nesting bounded, see `crate::mime`); input mail-parser rejects becomes a
/// one-part message with no headers.
pub fn parse(raw: &[u8]) -> Message<'_> {
    MessageParser::default()
        .parse_bounded(raw)
        .unwrap_or_else(|| unparsed(raw))
}

/// What [`parse`] returns for input mail-parser rejects.
fn unparsed(raw: &[u8]) -> Message<'_> {
    Message {
        html_body: Vec::new(),
        text_body: Vec::new(),
        attachments: Vec::new(),
        parts: vec![MessagePart {
            headers: Vec::new(),
            is_encoding_problem: true,
            body: PartType::Text(Cow::Borrowed("")),
            encoding: mail_parser::Encoding::None,
            offset_header: 0,
            offset_body: 0,
            offset_end: u32::try_from(raw.len()).unwrap_or(u32::MAX),
        }],
        raw_message: Cow::Borrowed(raw),
    }
}

/// Header reading for items that use only where the fields are: no value is parsed (mail-parser
/// parses Received, dates, addresses... by default; Received alone was the largest cost of
/// `FETCH BODY.PEEK[HEADER]`). Every field reader stops at the same end of field.
static FIELD_BOUNDS: LazyLock<MessageParser> = LazyLock::new(|| {
    // A non-empty map makes mail-parser use it (and the default) instead of its own table.
    MessageParser::new()
        .ignore_header(mail_parser::HeaderName::Received)
        .default_header_ignore()
});

/// For ENVELOPE: the address fields parsed (as mail-parser's defaults parse them); the others
/// are written from their raw bytes.
static ENVELOPE_FIELDS: LazyLock<MessageParser> = LazyLock::new(|| {
    use mail_parser::HeaderName as H;
    MessageParser::new()
        .header_address(H::From)
        .header_address(H::Sender)
        .header_address(H::ReplyTo)
        .header_address(H::To)
        .header_address(H::Cc)
        .header_address(H::Bcc)
        .default_header_ignore()
});

/// The top-level header block only: part 0 of [`parse`] with the same header fields and
/// offsets (mail-parser's own header reader, as its full parse runs it first), without
/// walking or decoding the body. No MIME nesting is followed, so no depth bound is needed.
/// `None` where mail-parser's full parse finds no message either.
pub fn parse_header_with<'x>(parser: &MessageParser, raw: &'x [u8]) -> Option<Message<'x>> {
    let mut stream = MessageStream::new(raw);
    let mut headers = Vec::new();
    let end = u32::try_from(raw.len()).unwrap_or(u32::MAX);
    let body_at = if stream.parse_headers(parser, &mut headers) {
        u32::try_from(stream.offset().min(raw.len())).unwrap_or(u32::MAX)
    } else if headers.is_empty() {
        return None;
    } else {
        // Header fields up to the end and no blank line: all header, empty body (as
        // mail-parser's "message without a body").
        end
    };
    Some(Message {
        html_body: Vec::new(),
        text_body: Vec::new(),
        attachments: Vec::new(),
        parts: vec![MessagePart {
            headers,
            is_encoding_problem: false,
            body: PartType::Text(Cow::Borrowed("")),
            encoding: mail_parser::Encoding::None,
            offset_header: 0,
            offset_body: body_at,
            offset_end: end,
        }],
        raw_message: Cow::Borrowed(raw),
    })
}

fn render_content_item(
    out: &mut Vec<u8>,
    msg: &Message<'_>,
    attr: &FetchAttr,
) -> Result<(), FetchError> {
    match attr {
        FetchAttr::Envelope => {
            out.extend_from_slice(b"ENVELOPE ");
            write_envelope(out, msg);
        }
        FetchAttr::Body => {
            out.extend_from_slice(b"BODY ");
            write_body_structure(out, msg, 0, false, 0);
        }
        FetchAttr::BodyStructure => {
            out.extend_from_slice(b"BODYSTRUCTURE ");
            write_body_structure(out, msg, 0, true, 0);
        }
        FetchAttr::Rfc822Header => {
            out.extend_from_slice(b"RFC822.HEADER ");
            write_literal(out, &header_bytes(msg));
        }
        FetchAttr::Rfc822Text => {
            out.extend_from_slice(b"RFC822.TEXT ");
            let s = Section {
                part: vec![],
                text: Some(SectionText::Text),
            };
            write_nliteral(out, section_bytes(msg, &s).as_deref());
        }
        FetchAttr::BodySection {
            section, partial, ..
        } => {
            out.extend_from_slice(b"BODY[");
            write_section_spec(out, section);
            out.push(b']');
            let data = section_bytes(msg, section);
            write_partial(out, data.as_deref(), *partial);
        }
        FetchAttr::Binary { part, partial, .. } => {
            out.extend_from_slice(b"BINARY[");
            out.extend_from_slice(join_part(part).as_bytes());
            out.push(b']');
            let data = binary_bytes(msg, part)?;
            write_partial(out, data.as_deref(), *partial);
        }
        FetchAttr::BinarySize { part } => {
            out.extend_from_slice(b"BINARY.SIZE[");
            out.extend_from_slice(join_part(part).as_bytes());
            out.extend_from_slice(b"] ");
            let n = binary_bytes(msg, part)?.map_or(0, |d| d.len());
            out.extend_from_slice(n.to_string().as_bytes());
        }
        // Metadata items are handled by the caller.
        _ => {}
    }
    Ok(())
}

fn join_part(part: &[u32]) -> String {
    part.iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(".")
}

/// Echo a section spec in the response: `1.2.HEADER.FIELDS (From To)`.
fn write_section_spec(out: &mut Vec<u8>, section: &Section) {
    out.extend_from_slice(join_part(&section.part).as_bytes());
    let Some(text) = &section.text else {
        return;
    };
    if !section.part.is_empty() {
        out.push(b'.');
    }
    let (name, fields) = match text {
        SectionText::Header => ("HEADER", None),
        SectionText::Text => ("TEXT", None),
        SectionText::Mime => ("MIME", None),
        SectionText::HeaderFields(f) => ("HEADER.FIELDS", Some(f)),
        SectionText::HeaderFieldsNot(f) => ("HEADER.FIELDS.NOT", Some(f)),
    };
    out.extend_from_slice(name.as_bytes());
    if let Some(fields) = fields {
        out.extend_from_slice(b" (");
        for (i, f) in fields.iter().enumerate() {
            if i > 0 {
                out.push(b' ');
            }
            super::response::write_astring(out, f.as_bytes());
        }
        out.push(b')');
    }
}

/// `<origin>` and the data; a partial past the end yields an empty string (RFC 9051 §6.4.5).
fn write_partial(out: &mut Vec<u8>, data: Option<&[u8]>, partial: Option<Partial>) {
    match partial {
        None => {
            out.push(b' ');
            write_nliteral(out, data);
        }
        Some(p) => {
            out.extend_from_slice(format!("<{}> ", p.origin).as_bytes());
            let data = data.map(|d| {
                let start = (p.origin as usize).min(d.len());
                let end = start.saturating_add(p.length as usize).min(d.len());
                &d[start..end]
            });
            write_nliteral(out, data);
        }
    }
}

/// Body data as a literal (NIL when the section does not exist). Data with NUL is sent as
/// `literal8` (`~{n}`, RFC 3516 §4.3), only reachable through BINARY.
fn write_nliteral(out: &mut Vec<u8>, data: Option<&[u8]>) {
    match data {
        None => out.extend_from_slice(b"NIL"),
        Some(d) if d.contains(&0) => {
            out.push(b'~');
            write_literal(out, d);
        }
        Some(d) => write_literal(out, d),
    }
}

fn slice(raw: &[u8], start: u32, end: u32) -> &[u8] {
    let (s, e) = (start as usize, end as usize);
    raw.get(s.min(e)..e.min(raw.len())).unwrap_or_default()
}

fn part_header<'m>(msg: &'m Message<'_>, idx: usize) -> &'m [u8] {
    msg.parts.get(idx).map_or(&[][..], |p| {
        slice(&msg.raw_message, p.offset_header, p.offset_body)
    })
}

fn part_body<'m>(msg: &'m Message<'_>, idx: usize) -> &'m [u8] {
    msg.parts.get(idx).map_or(&[][..], |p| {
        slice(&msg.raw_message, p.offset_body, p.offset_end)
    })
}

/// The top-level header block, including the blank line that ends it.
fn header_bytes<'m>(msg: &'m Message<'_>) -> Cow<'m, [u8]> {
    Cow::Borrowed(part_header(msg, 0))
}

/// A node selected by a part path: a part of `msg`, or (`root`) the message `msg` itself.
#[derive(Clone, Copy)]
struct Node<'m, 'x> {
    msg: &'m Message<'x>,
    idx: usize,
    root: bool,
}

/// Walk a part path (RFC 9051 §6.4.5): the parts of a multipart are numbered from 1; a
/// non-multipart message has a single part 1 (its body); the parts of a message/rfc822 part are
/// those of the message it encapsulates.
fn resolve<'m, 'x>(msg: &'m Message<'x>, path: &[u32]) -> Option<Node<'m, 'x>> {
    let mut node = Node {
        msg,
        idx: 0,
        root: true,
    };
    for &n in path {
        let n = n as usize;
        loop {
            let part = node.msg.parts.get(node.idx)?;
            match (&part.body, node.root) {
                (PartType::Multipart(children), _) => {
                    node.idx = *children.get(n.checked_sub(1)?)? as usize;
                    node.root = false;
                    break;
                }
                (_, true) if n == 1 => {
                    node.root = false;
                    break;
                }
                (PartType::Message(nested), false) => {
                    node = Node {
                        msg: nested,
                        idx: 0,
                        root: true,
                    };
                    // Apply `n` to the encapsulated message.
                }
                _ => return None,
            }
        }
    }
    Some(node)
}

/// The message a HEADER / TEXT specifier refers to: the top-level one for an empty path,
/// else the message encapsulated in a message/rfc822 part.
fn message_of<'m, 'x>(node: Node<'m, 'x>) -> Option<&'m Message<'x>> {
    if node.root {
        return Some(node.msg);
    }
    match &node.msg.parts.get(node.idx)?.body {
        PartType::Message(nested) => Some(nested),
        _ => None,
    }
}

/// The bytes of `BODY[section]` (`None` when the section does not exist).
pub fn section_bytes<'m>(msg: &'m Message<'_>, section: &Section) -> Option<Cow<'m, [u8]>> {
    let node = resolve(msg, &section.part)?;
    match &section.text {
        None if node.root => Some(Cow::Borrowed(&msg.raw_message[..])),
        None => Some(Cow::Borrowed(part_body(node.msg, node.idx))),
        Some(SectionText::Mime) => Some(Cow::Borrowed(part_header(node.msg, node.idx))),
        Some(text) => {
            let Some(m) = message_of(node) else {
                // HEADER / TEXT of a part that is not message/rfc822: empty (as Dovecot).
                return Some(Cow::Borrowed(&[]));
            };
            match text {
                SectionText::Header => Some(Cow::Borrowed(part_header(m, 0))),
                // To the end of the message: a multipart's root part ends at its closing
                // boundary, and TEXT holds the epilogue too (RFC 9051 §6.4.5). An encapsulated
                // message shares the outer message's bytes (its offsets are into them), so it
                // ends where its message/rfc822 part does.
                SectionText::Text => {
                    let end = if node.root {
                        m.raw_message.len()
                    } else {
                        node.msg
                            .parts
                            .get(node.idx)
                            .map_or(0, |p| p.offset_end as usize)
                    };
                    let start = m.parts.first().map_or(0, |p| p.offset_body as usize);
                    Some(Cow::Borrowed(
                        m.raw_message
                            .get(start.min(end)..end.min(m.raw_message.len()))
                            .unwrap_or_default(),
                    ))
                }
                SectionText::HeaderFields(names) => {
                    Some(Cow::Owned(filter_header(part_header(m, 0), names, true)))
                }
                SectionText::HeaderFieldsNot(names) => {
                    Some(Cow::Owned(filter_header(part_header(m, 0), names, false)))
                }
                SectionText::Mime => None,
            }
        }
    }
}

/// Split a header block into raw fields (each with its folded continuation lines and CRLF).
fn header_fields(header: &[u8]) -> Vec<&[u8]> {
    let mut fields = Vec::new();
    let mut start = 0;
    let mut pos = 0;
    while pos < header.len() {
        let end = header[pos..]
            .iter()
            .position(|&c| c == b'\n')
            .map_or(header.len(), |i| pos + i + 1);
        let line = &header[pos..end];
        if line == b"\r\n" || line == b"\n" {
            break;
        }
        if pos > start && !matches!(line.first(), Some(b' ') | Some(b'\t')) {
            fields.push(&header[start..pos]);
            start = pos;
        }
        pos = end;
    }
    if pos > start {
        fields.push(&header[start..pos]);
    }
    fields
}

fn field_name(field: &[u8]) -> &[u8] {
    let name = field
        .iter()
        .position(|&c| c == b':')
        .map_or(field, |i| &field[..i]);
    name.trim_ascii()
}

/// HEADER.FIELDS / HEADER.FIELDS.NOT: the matching fields, verbatim, then the blank line
/// (RFC 9051 §6.4.5).
fn filter_header(header: &[u8], names: &[String], keep: bool) -> Vec<u8> {
    let mut out = Vec::new();
    for field in header_fields(header) {
        let name = field_name(field);
        let listed = names
            .iter()
            .any(|n| n.as_bytes().eq_ignore_ascii_case(name));
        if listed == keep {
            out.extend_from_slice(field);
            if !field.ends_with(b"\n") {
                out.extend_from_slice(b"\r\n");
            }
        }
    }
    out.extend_from_slice(b"\r\n");
    out
}

/// BINARY[part]: the part's content with its Content-Transfer-Encoding removed (RFC 3516 §4.2).
fn binary_bytes<'m>(
    msg: &'m Message<'_>,
    part: &[u32],
) -> Result<Option<Cow<'m, [u8]>>, FetchError> {
    let Some(node) = resolve(msg, part) else {
        return Ok(None);
    };
    if node.root {
        return Ok(Some(Cow::Borrowed(&msg.raw_message[..])));
    }
    let p = &node.msg.parts[node.idx];
    let body = part_body(node.msg, node.idx);
    if matches!(p.body, PartType::Multipart(_)) {
        return Ok(Some(Cow::Borrowed(body)));
    }
    let cte = header_text(node.msg, p, "Content-Transfer-Encoding")
        .map(|s| s.trim().to_ascii_lowercase())
        .unwrap_or_default();
    Ok(Some(match cte.as_str() {
        "" | "7bit" | "8bit" | "binary" => Cow::Borrowed(body),
        "base64" => Cow::Owned(decode_base64(body)),
        "quoted-printable" => Cow::Owned(decode_qp(body)),
        _ => return Err(FetchError::UnknownCte),
    }))
}

fn decode_base64(data: &[u8]) -> Vec<u8> {
    use base64::Engine;
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    const LENIENT: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new()
            .with_decode_allow_trailing_bits(true)
            .with_decode_padding_mode(DecodePaddingMode::RequireNone),
    );
    let mut clean: Vec<u8> = data
        .iter()
        .copied()
        .take_while(|&c| c != b'=')
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/'))
        .collect();
    if clean.len() % 4 == 1 {
        clean.pop();
    }
    LENIENT.decode(&clean).unwrap_or_default()
}

fn decode_qp(data: &[u8]) -> Vec<u8> {
    let hex = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(data.len());
    let mut i = 0;
    while i < data.len() {
        let c = data[i];
        if c == b'=' {
            match (data.get(i + 1), data.get(i + 2)) {
                (Some(b'\r'), Some(b'\n')) => i += 3,
                (Some(b'\n'), _) => i += 2,
                (Some(&a), Some(&b)) if hex(a).is_some() && hex(b).is_some() => {
                    out.push(hex(a).unwrap_or(0) << 4 | hex(b).unwrap_or(0));
                    i += 3;
                }
                _ => {
                    out.push(c);
                    i += 1;
                }
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// ENVELOPE (RFC 9051 §7.5.2)

/// Raw value of the first header `name` of a part, unfolded and trimmed.
fn header_text(msg: &Message<'_>, part: &MessagePart<'_>, name: &str) -> Option<String> {
    let h = part
        .headers
        .iter()
        .find(|h| h.name().eq_ignore_ascii_case(name))?;
    let raw = slice(&msg.raw_message, h.offset_start, h.offset_end);
    let unfolded: Vec<u8> = raw
        .iter()
        .copied()
        .filter(|&c| c != b'\r' && c != b'\n')
        .collect();
    Some(String::from_utf8_lossy(unfolded.trim_ascii()).into_owned())
}

fn write_nstring_opt(out: &mut Vec<u8>, s: Option<&str>) {
    write_nstring(out, s.map(str::as_bytes));
}

/// Non-ASCII display names (already decoded by mail-parser) go back out as an RFC 2047
/// encoded-word, as clients expect 7-bit envelope strings.
fn encode_word(s: &str) -> Cow<'_, str> {
    use base64::Engine;
    if s.is_ascii() {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(format!(
            "=?utf-8?B?{}?=",
            base64::engine::general_purpose::STANDARD.encode(s.as_bytes())
        ))
    }
}

fn write_addr(out: &mut Vec<u8>, addr: &Addr<'_>) {
    out.push(b'(');
    write_nstring_opt(out, addr.name.as_deref().map(encode_word).as_deref());
    out.push(b' ');
    // An obsolete source route (RFC 5322 §4.4 `obs-route`: `<@relay,@other:user@host>`) is
    // the address's second field, `addr-adl` (RFC 9051 §7.5.2), not part of its mailbox name.
    let (route, address) = match addr.address.as_deref() {
        Some(a) if a.starts_with('@') => match a.split_once(':') {
            Some((route, rest)) => (Some(route), Some(rest)),
            None => (None, Some(a)),
        },
        other => (None, other),
    };
    write_nstring_opt(out, route);
    out.push(b' ');
    match address {
        Some(a) => match a.rsplit_once('@') {
            Some((local, domain)) => {
                write_string(out, local.as_bytes());
                out.push(b' ');
                write_string(out, domain.as_bytes());
            }
            None => {
                write_string(out, a.as_bytes());
                out.extend_from_slice(b" \"MISSING_DOMAIN\"");
            }
        },
        None => out.extend_from_slice(b"\"MISSING_MAILBOX\" \"MISSING_DOMAIN\""),
    }
    out.push(b')');
}

/// An address list: `(addr addr ...)` or NIL; groups as `(NIL NIL "name" NIL) ... (NIL NIL NIL
/// NIL)` (RFC 9051 §7.5.2).
fn write_address_list(out: &mut Vec<u8>, addr: Option<&Address<'_>>) -> bool {
    let mut items = Vec::new();
    match addr {
        Some(Address::List(list)) => {
            for a in list
                .iter()
                .filter(|a| a.address.is_some() || a.name.is_some())
            {
                write_addr(&mut items, a);
            }
        }
        Some(Address::Group(groups)) => {
            for g in groups {
                match &g.name {
                    Some(name) => {
                        items.extend_from_slice(b"(NIL NIL ");
                        write_string(&mut items, encode_word(name).as_bytes());
                        items.extend_from_slice(b" NIL)");
                        for a in &g.addresses {
                            write_addr(&mut items, a);
                        }
                        items.extend_from_slice(b"(NIL NIL NIL NIL)");
                    }
                    None => {
                        for a in &g.addresses {
                            write_addr(&mut items, a);
                        }
                    }
                }
            }
        }
        None => {}
    }
    if items.is_empty() {
        out.extend_from_slice(b"NIL");
        false
    } else {
        out.push(b'(');
        out.extend_from_slice(&items);
        out.push(b')');
        true
    }
}

fn address_header<'m, 'x>(part: &'m MessagePart<'x>, name: &str) -> Option<&'m Address<'x>> {
    part.headers
        .iter()
        .find(|h| h.name().eq_ignore_ascii_case(name))
        .and_then(|h| h.value().as_address())
}

/// ENVELOPE of a message: `(date subject from sender reply-to to cc bcc in-reply-to
/// message-id)`. Unstructured fields are the raw (unfolded) header values; sender and reply-to
/// default to from.
pub fn write_envelope(out: &mut Vec<u8>, msg: &Message<'_>) {
    let Some(root) = msg.parts.first() else {
        out.extend_from_slice(b"(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)");
        return;
    };
    out.push(b'(');
    write_nstring_opt(out, header_text(msg, root, "Date").as_deref());
    out.push(b' ');
    write_nstring_opt(out, header_text(msg, root, "Subject").as_deref());
    out.push(b' ');
    let from = address_header(root, "From");
    let mut from_buf = Vec::new();
    write_address_list(&mut from_buf, from);
    out.extend_from_slice(&from_buf);
    for name in ["Sender", "Reply-To"] {
        out.push(b' ');
        if !write_address_list(out, address_header(root, name)) {
            // Replace the NIL just written with From's list.
            out.truncate(out.len() - 3);
            out.extend_from_slice(&from_buf);
        }
    }
    for name in ["To", "Cc", "Bcc"] {
        out.push(b' ');
        write_address_list(out, address_header(root, name));
    }
    out.push(b' ');
    write_nstring_opt(out, header_text(msg, root, "In-Reply-To").as_deref());
    out.push(b' ');
    write_nstring_opt(out, header_text(msg, root, "Message-ID").as_deref());
    out.push(b')');
}

// ---------------------------------------------------------------------------------------------
// BODY / BODYSTRUCTURE (RFC 9051 §7.5.2 and §9 `body`)

fn count_lines(data: &[u8]) -> usize {
    let n = data.iter().filter(|&&c| c == b'\n').count();
    if data.last().is_some_and(|&c| c != b'\n') {
        n + 1
    } else {
        n
    }
}

/// `body-fld-param`: `("name" "value" ...)` or NIL.
fn write_params(out: &mut Vec<u8>, params: &[(String, String)]) {
    if params.is_empty() {
        out.extend_from_slice(b"NIL");
        return;
    }
    out.push(b'(');
    for (i, (k, v)) in params.iter().enumerate() {
        if i > 0 {
            out.push(b' ');
        }
        write_string(out, k.as_bytes());
        out.push(b' ');
        write_string(out, encode_word(v).as_bytes());
    }
    out.push(b')');
}

fn content_params(ct: Option<&mail_parser::ContentType<'_>>) -> Vec<(String, String)> {
    ct.and_then(|c| c.attributes())
        .map(|attrs| {
            attrs
                .iter()
                .map(|a| (a.name.to_string(), a.value.to_string()))
                .collect()
        })
        .unwrap_or_default()
}

fn content_type_of<'m, 'x>(
    part: &'m MessagePart<'x>,
    name: &str,
) -> Option<&'m mail_parser::ContentType<'x>> {
    part.headers
        .iter()
        .find(|h| h.name().eq_ignore_ascii_case(name))
        .and_then(|h| match h.value() {
            HeaderValue::ContentType(ct) => Some(ct),
            _ => None,
        })
}

/// `body-ext-*` tail after the md5 / params: `SP dsp SP lang SP loc`.
fn write_ext_tail(out: &mut Vec<u8>, msg: &Message<'_>, part: &MessagePart<'_>) {
    out.push(b' ');
    match content_type_of(part, "Content-Disposition") {
        Some(d) => {
            out.push(b'(');
            write_string(out, d.ctype().as_bytes());
            out.push(b' ');
            write_params(out, &content_params(Some(d)));
            out.push(b')');
        }
        None => out.extend_from_slice(b"NIL"),
    }
    out.push(b' ');
    let langs: Vec<String> = header_text(msg, part, "Content-Language")
        .map(|l| {
            l.split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default();
    match langs.len() {
        0 => out.extend_from_slice(b"NIL"),
        1 => write_string(out, langs[0].as_bytes()),
        _ => {
            out.push(b'(');
            for (i, l) in langs.iter().enumerate() {
                if i > 0 {
                    out.push(b' ');
                }
                write_string(out, l.as_bytes());
            }
            out.push(b')');
        }
    }
    out.push(b' ');
    write_nstring_opt(out, header_text(msg, part, "Content-Location").as_deref());
}

/// How deep BODYSTRUCTURE describes nested parts (the recursion's bound); deeper ones are
/// summarised (an empty text part, or an attached message as opaque data). `crate::mime::parse`
/// already flattens messages nested deeper, so every message SMTP accepts is described fully.
const MAX_STRUCTURE_DEPTH: usize = crate::mime::MAX_NESTING;

/// Write `body` for part `idx` of `msg`; `extensible` selects BODYSTRUCTURE over BODY.
pub fn write_body_structure(
    out: &mut Vec<u8>,
    msg: &Message<'_>,
    idx: usize,
    extensible: bool,
    depth: usize,
) {
    let Some(part) = msg.parts.get(idx) else {
        out.extend_from_slice(b"(\"text\" \"plain\" NIL NIL NIL \"7bit\" 0 0)");
        return;
    };
    let ct = content_type_of(part, "Content-Type");
    if let PartType::Multipart(children) = &part.body {
        out.push(b'(');
        if children.is_empty() || depth > MAX_STRUCTURE_DEPTH {
            // `1*body` needs one: stand in an empty text part.
            out.extend_from_slice(b"(\"text\" \"plain\" NIL NIL NIL \"7bit\" 0 0)");
        }
        for &child in children.iter().take(if depth > MAX_STRUCTURE_DEPTH {
            0
        } else {
            usize::MAX
        }) {
            write_body_structure(out, msg, child as usize, extensible, depth + 1);
        }
        out.push(b' ');
        let subtype = ct.and_then(|c| c.subtype()).unwrap_or("mixed");
        write_string(out, subtype.as_bytes());
        if extensible {
            out.push(b' ');
            write_params(out, &content_params(ct));
            write_ext_tail(out, msg, part);
        }
        out.push(b')');
        return;
    }

    let nested = match &part.body {
        PartType::Message(m) if depth <= MAX_STRUCTURE_DEPTH => Some(m),
        _ => None,
    };
    let (mut ctype, mut subtype) = match ct {
        Some(c) => (
            c.ctype().to_string(),
            c.subtype().unwrap_or_default().to_string(),
        ),
        None if nested.is_some() => ("message".to_string(), "rfc822".to_string()),
        None => ("text".to_string(), "plain".to_string()),
    };
    let is_msg = ctype.eq_ignore_ascii_case("message")
        && (subtype.eq_ignore_ascii_case("rfc822") || subtype.eq_ignore_ascii_case("global"));
    if is_msg && nested.is_none() {
        // Unparseable encapsulated message: describe it as opaque data.
        ctype = "application".into();
        subtype = "octet-stream".into();
    }
    if subtype.is_empty() {
        subtype = if ctype.eq_ignore_ascii_case("text") {
            "plain".into()
        } else {
            "octet-stream".into()
        };
    }
    let is_text = ctype.eq_ignore_ascii_case("text");
    let mut params = content_params(ct);
    if is_text
        && !params
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("charset"))
    {
        params.insert(0, ("charset".into(), "us-ascii".into()));
    }
    let body = part_body(msg, idx);

    out.push(b'(');
    write_string(out, ctype.as_bytes());
    out.push(b' ');
    write_string(out, subtype.as_bytes());
    out.push(b' ');
    write_params(out, &params);
    out.push(b' ');
    write_nstring_opt(out, header_text(msg, part, "Content-ID").as_deref());
    out.push(b' ');
    write_nstring_opt(
        out,
        header_text(msg, part, "Content-Description").as_deref(),
    );
    out.push(b' ');
    let enc = header_text(msg, part, "Content-Transfer-Encoding").unwrap_or_else(|| "7bit".into());
    write_string(out, enc.as_bytes());
    out.push(b' ');
    out.extend_from_slice(body.len().to_string().as_bytes());
    match nested {
        Some(m) if is_msg => {
            out.push(b' ');
            write_envelope(out, m);
            out.push(b' ');
            write_body_structure(out, m, 0, extensible, depth + 1);
            out.push(b' ');
            out.extend_from_slice(count_lines(body).to_string().as_bytes());
        }
        _ if is_text => {
            out.push(b' ');
            out.extend_from_slice(count_lines(body).to_string().as_bytes());
        }
        _ => {}
    }
    if extensible {
        out.push(b' ');
        write_nstring_opt(out, header_text(msg, part, "Content-MD5").as_deref());
        write_ext_tail(out, msg, part);
    }
    out.push(b')');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::imap::parser::parse_command;

    const SIMPLE: &[u8] = b"From: \"Joe Q. Public\" <john.q.public@example.com>\r\n\
To: Mary Smith <mary@x.test>, jdoe@example.org, Who? <one@y.test>\r\n\
Cc: <boss@nil.test>, \"Giant; \\\"Big\\\" Box\" <sysservices@example.net>\r\n\
Date: Tue, 1 Jul 2003 10:52:37\r\n +0200\r\n\
Message-ID: <5678.21-Nov-1997@example.com>\r\n\
Subject: Test\r\n\
\r\n\
Hi everyone.\r\n";

    const ALTERNATIVE: &[u8] = b"From: a@example.com\r\n\
To: b@example.com\r\n\
Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?= aus =?ISO-8859-1?Q?M=FCnchen?=\r\n\
MIME-Version: 1.0\r\n\
Content-Type: multipart/alternative; boundary=\"b1\"\r\n\
\r\n\
This is a multi-part message in MIME format.\r\n\
--b1\r\n\
Content-Type: text/plain; charset=utf-8; format=flowed\r\n\
Content-Transfer-Encoding: quoted-printable\r\n\
\r\n\
Gr=C3=BC=C3=9Fe!\r\n\
Zweite Zeile\r\n\
--b1\r\n\
Content-Type: text/html; charset=utf-8\r\n\
\r\n\
<p>Gr\xc3\xbc\xc3\x9fe!</p>\r\n\
--b1--\r\n";

    const MIXED: &[u8] = b"From: =?utf-8?B?SsO8cmdlbg==?= <j@example.de>\r\n\
To: undisclosed-recipients:;\r\n\
Reply-To: list@example.org\r\n\
Subject: Report\r\n\
Content-Type: multipart/mixed; boundary=outer\r\n\
\r\n\
--outer\r\n\
Content-Type: text/plain\r\n\
\r\n\
See attached.\r\n\
--outer\r\n\
Content-Type: application/pdf; name=\"report.pdf\"\r\n\
Content-Transfer-Encoding: base64\r\n\
Content-Disposition: attachment; filename=\"report.pdf\"\r\n\
Content-ID: <pdf1@example.de>\r\n\
Content-Description: The report\r\n\
Content-Language: en, de\r\n\
\r\n\
JVBERi0xLjQK\r\n\
AAEC\r\n\
--outer\r\n\
Content-Type: message/rfc822\r\n\
\r\n\
From: inner@example.com\r\n\
Subject: Inner\r\n\
Content-Type: multipart/alternative; boundary=inner\r\n\
\r\n\
--inner\r\n\
Content-Type: text/plain; charset=us-ascii\r\n\
\r\n\
inner text\r\n\
--inner\r\n\
Content-Type: text/html\r\n\
\r\n\
<b>inner</b>\r\n\
--inner--\r\n\
\r\n\
--outer--\r\n";

    fn meta(flags: &[String]) -> FetchMeta<'_> {
        FetchMeta {
            seq: 1,
            uid: 42,
            flags,
            internal_date: 837_596_665,
            internal_date_offset: -7 * 3600,
            size: 1234,
            modseq: 9,
        }
    }

    fn fetch(raw: &[u8], items: &str) -> String {
        let cmd = parse_command(format!("a FETCH 1 {items}\r\n").as_bytes()).unwrap();
        let crate::imap::command::CommandBody::Fetch { attrs, .. } = cmd.body else {
            panic!()
        };
        let flags = vec!["\\Seen".to_string()];
        let out = render_fetch(&meta(&flags), Some(raw), &attrs).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn metadata_items() {
        let flags = vec!["\\Seen".to_string(), "$Junk".to_string()];
        let attrs = [
            FetchAttr::Uid,
            FetchAttr::Flags,
            FetchAttr::InternalDate,
            FetchAttr::Rfc822Size,
            FetchAttr::ModSeq,
        ];
        assert!(!needs_raw(&attrs));
        let out = render_fetch(&meta(&flags), None, &attrs).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "* 1 FETCH (UID 42 FLAGS (\\Seen $Junk) INTERNALDATE \"17-Jul-1996 02:44:25 -0700\" RFC822.SIZE 1234 MODSEQ (9))\r\n"
        );
        assert_eq!(
            render_fetch(&meta(&flags), None, &[FetchAttr::Envelope]),
            Err(FetchError::MissingContent)
        );
        assert!(needs_raw(&[FetchAttr::Envelope]));
        assert!(sets_seen(&[FetchAttr::Rfc822]));
        assert!(!sets_seen(&[FetchAttr::Rfc822Header]));
    }

    #[test]
    fn simple_envelope_and_structure() {
        assert_eq!(
            fetch(SIMPLE, "ENVELOPE"),
            "* 1 FETCH (ENVELOPE (\"Tue, 1 Jul 2003 10:52:37 +0200\" \"Test\" \
((\"Joe Q. Public\" NIL \"john.q.public\" \"example.com\")) \
((\"Joe Q. Public\" NIL \"john.q.public\" \"example.com\")) \
((\"Joe Q. Public\" NIL \"john.q.public\" \"example.com\")) \
((\"Mary Smith\" NIL \"mary\" \"x.test\")(NIL NIL \"jdoe\" \"example.org\")(\"Who?\" NIL \"one\" \"y.test\")) \
((NIL NIL \"boss\" \"nil.test\")(\"Giant; \\\"Big\\\" Box\" NIL \"sysservices\" \"example.net\")) \
NIL NIL \"<5678.21-Nov-1997@example.com>\"))\r\n"
        );
        assert_eq!(
            fetch(SIMPLE, "(BODYSTRUCTURE BODY)"),
            "* 1 FETCH (BODYSTRUCTURE (\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 14 1 NIL NIL NIL NIL) \
BODY (\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 14 1))\r\n"
        );
    }

    #[test]
    fn simple_sections() {
        let hdr_len = SIMPLE.len() - 14;
        assert_eq!(
            fetch(SIMPLE, "BODY[TEXT]"),
            "* 1 FETCH (BODY[TEXT] {14}\r\nHi everyone.\r\n)\r\n"
        );
        // Part 1 of a non-multipart message is its body.
        assert_eq!(
            fetch(SIMPLE, "BODY.PEEK[1]"),
            "* 1 FETCH (BODY[1] {14}\r\nHi everyone.\r\n)\r\n"
        );
        let all = fetch(SIMPLE, "BODY[]");
        assert!(all.starts_with(&format!("* 1 FETCH (BODY[] {{{}}}\r\nFrom:", SIMPLE.len())));
        assert!(fetch(SIMPLE, "RFC822").contains(&format!("RFC822 {{{}}}", SIMPLE.len())));
        let h = fetch(SIMPLE, "BODY.PEEK[HEADER]");
        assert!(h.starts_with(&format!("* 1 FETCH (BODY[HEADER] {{{hdr_len}}}\r\nFrom:")));
        assert!(h.ends_with("Subject: Test\r\n\r\n)\r\n"));
        assert_eq!(
            fetch(SIMPLE, "RFC822.HEADER"),
            h.replace("BODY[HEADER]", "RFC822.HEADER")
        );
        assert_eq!(
            fetch(SIMPLE, "BODY.PEEK[HEADER.FIELDS (subject DATE x-none)]"),
            "* 1 FETCH (BODY[HEADER.FIELDS (subject DATE x-none)] {57}\r\n\
Date: Tue, 1 Jul 2003 10:52:37\r\n +0200\r\nSubject: Test\r\n\r\n)\r\n"
        );
        let not = fetch(
            SIMPLE,
            "BODY.PEEK[HEADER.FIELDS.NOT (From To Cc Date Message-ID)]",
        );
        assert_eq!(
            not,
            "* 1 FETCH (BODY[HEADER.FIELDS.NOT (From To Cc Date Message-ID)] {17}\r\nSubject: Test\r\n\r\n)\r\n"
        );
        assert_eq!(
            fetch(SIMPLE, "BODY[TEXT]<3.5>"),
            "* 1 FETCH (BODY[TEXT]<3> {5}\r\nevery)\r\n"
        );
        assert_eq!(
            fetch(SIMPLE, "BODY[TEXT]<100.5>"),
            "* 1 FETCH (BODY[TEXT]<100> {0}\r\n)\r\n"
        );
        assert_eq!(fetch(SIMPLE, "BODY[2]"), "* 1 FETCH (BODY[2] NIL)\r\n");
        assert_eq!(fetch(SIMPLE, "BODY[1.1]"), "* 1 FETCH (BODY[1.1] NIL)\r\n");
        assert_eq!(
            fetch(SIMPLE, "RFC822.TEXT"),
            "* 1 FETCH (RFC822.TEXT {14}\r\nHi everyone.\r\n)\r\n"
        );
    }

    #[test]
    fn alternative_structure() {
        assert_eq!(
            fetch(ALTERNATIVE, "BODYSTRUCTURE"),
            "* 1 FETCH (BODYSTRUCTURE ((\"text\" \"plain\" (\"charset\" \"utf-8\" \"format\" \"flowed\") NIL NIL \"quoted-printable\" 30 2 NIL NIL NIL NIL)\
(\"text\" \"html\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" 15 1 NIL NIL NIL NIL) \"alternative\" (\"boundary\" \"b1\") NIL NIL NIL))\r\n"
        );
        assert_eq!(
            fetch(ALTERNATIVE, "BODY"),
            "* 1 FETCH (BODY ((\"text\" \"plain\" (\"charset\" \"utf-8\" \"format\" \"flowed\") NIL NIL \"quoted-printable\" 30 2)\
(\"text\" \"html\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" 15 1) \"alternative\"))\r\n"
        );
        assert_eq!(
            fetch(ALTERNATIVE, "BODY[1]"),
            "* 1 FETCH (BODY[1] {30}\r\nGr=C3=BC=C3=9Fe!\r\nZweite Zeile)\r\n"
        );
        assert_eq!(
            fetch(ALTERNATIVE, "BODY[1.MIME]"),
            "* 1 FETCH (BODY[1.MIME] {103}\r\nContent-Type: text/plain; charset=utf-8; format=flowed\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n)\r\n"
        );
        assert_eq!(
            fetch(ALTERNATIVE, "BINARY.PEEK[1]"),
            "* 1 FETCH (BINARY[1] {22}\r\nGr\u{fc}\u{df}e!\r\nZweite Zeile)\r\n"
        );
        assert_eq!(
            fetch(ALTERNATIVE, "BINARY.SIZE[1]"),
            "* 1 FETCH (BINARY.SIZE[1] 22)\r\n"
        );
        assert_eq!(
            fetch(ALTERNATIVE, "BODY[2]"),
            "* 1 FETCH (BODY[2] {15}\r\n<p>Gr\u{fc}\u{df}e!</p>)\r\n"
        );
        // Encoded words stay as they are in the envelope.
        assert!(
            fetch(ALTERNATIVE, "ENVELOPE")
                .contains("\"=?UTF-8?Q?Gr=C3=BC=C3=9Fe?= aus =?ISO-8859-1?Q?M=FCnchen?=\"")
        );
    }

    #[test]
    fn mixed_with_attachment_and_nested_message() {
        let bs = fetch(MIXED, "BODYSTRUCTURE");
        let inner_env = "(NIL \"Inner\" ((NIL NIL \"inner\" \"example.com\")) ((NIL NIL \"inner\" \"example.com\")) ((NIL NIL \"inner\" \"example.com\")) NIL NIL NIL NIL NIL)";
        let expected = format!(
            "* 1 FETCH (BODYSTRUCTURE (\
(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 13 1 NIL NIL NIL NIL)\
(\"application\" \"pdf\" (\"name\" \"report.pdf\") \"<pdf1@example.de>\" \"The report\" \"base64\" 18 NIL (\"attachment\" (\"filename\" \"report.pdf\")) (\"en\" \"de\") NIL)\
(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 224 {inner_env} \
((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 10 1 NIL NIL NIL NIL)\
(\"text\" \"html\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 12 1 NIL NIL NIL NIL) \"alternative\" (\"boundary\" \"inner\") NIL NIL NIL) \
13 NIL NIL NIL NIL) \
\"mixed\" (\"boundary\" \"outer\") NIL NIL NIL))\r\n"
        );
        assert_eq!(bs, expected);

        assert_eq!(
            fetch(MIXED, "BODY[2]"),
            "* 1 FETCH (BODY[2] {18}\r\nJVBERi0xLjQK\r\nAAEC)\r\n"
        );
        assert_eq!(
            fetch(MIXED, "BINARY[2]"),
            "* 1 FETCH (BINARY[2] ~{12}\r\n%PDF-1.4\n\0\x01\x02)\r\n"
        );
        let part3 = fetch(MIXED, "BODY[3]");
        assert!(part3.starts_with("* 1 FETCH (BODY[3] {224}\r\nFrom: inner@example.com\r\n"));
        assert!(part3.ends_with("--inner--\r\n)\r\n"));
        assert_eq!(
            fetch(MIXED, "BODY[3.HEADER]"),
            "* 1 FETCH (BODY[3.HEADER] {96}\r\nFrom: inner@example.com\r\nSubject: Inner\r\nContent-Type: multipart/alternative; boundary=inner\r\n\r\n)\r\n"
        );
        assert_eq!(
            fetch(MIXED, "BODY[3.HEADER.FIELDS (Subject)]"),
            "* 1 FETCH (BODY[3.HEADER.FIELDS (Subject)] {18}\r\nSubject: Inner\r\n\r\n)\r\n"
        );
        assert!(
            fetch(MIXED, "BODY[3.TEXT]")
                .starts_with("* 1 FETCH (BODY[3.TEXT] {128}\r\n--inner\r\n")
        );
        assert_eq!(
            fetch(MIXED, "BODY[3.1]"),
            "* 1 FETCH (BODY[3.1] {10}\r\ninner text)\r\n"
        );
        assert_eq!(
            fetch(MIXED, "BODY[3.2]"),
            "* 1 FETCH (BODY[3.2] {12}\r\n<b>inner</b>)\r\n"
        );
        assert_eq!(
            fetch(MIXED, "BODY[3.MIME]"),
            "* 1 FETCH (BODY[3.MIME] {32}\r\nContent-Type: message/rfc822\r\n\r\n)\r\n"
        );
        assert_eq!(
            fetch(MIXED, "BODY[3.2.MIME]"),
            "* 1 FETCH (BODY[3.2.MIME] {27}\r\nContent-Type: text/html\r\n\r\n)\r\n"
        );
        assert_eq!(fetch(MIXED, "BODY[3.3]"), "* 1 FETCH (BODY[3.3] NIL)\r\n");
        assert_eq!(fetch(MIXED, "BODY[4]"), "* 1 FETCH (BODY[4] NIL)\r\n");
    }

    #[test]
    fn envelope_groups_and_encoded_names() {
        let env = fetch(MIXED, "ENVELOPE");
        assert_eq!(
            env,
            "* 1 FETCH (ENVELOPE (NIL \"Report\" \
((\"=?utf-8?B?SsO8cmdlbg==?=\" NIL \"j\" \"example.de\")) \
((\"=?utf-8?B?SsO8cmdlbg==?=\" NIL \"j\" \"example.de\")) \
((NIL NIL \"list\" \"example.org\")) \
((NIL NIL \"undisclosed-recipients\" NIL)(NIL NIL NIL NIL)) NIL NIL NIL NIL))\r\n"
        );
        let raw = b"From: a@b.c\r\nTo: Team: x@y.z, \"W\" <w@y.z>;, solo@q.r\r\n\r\nbody";
        let env = fetch(raw, "ENVELOPE");
        assert!(
            env.contains("((NIL NIL \"Team\" NIL)(NIL NIL \"x\" \"y.z\")(\"W\" NIL \"w\" \"y.z\")(NIL NIL NIL NIL)(NIL NIL \"solo\" \"q.r\"))"),
            "{env}"
        );
    }

    /// TEXT of a message is everything after its header, a multipart's epilogue included,
    /// at the top level and inside a message/rfc822 part alike (RFC 9051 §6.4.5; imaptest's
    /// fetch-body-message-rfc822-mime case).
    #[test]
    fn text_of_a_multipart_message_keeps_its_epilogue() {
        let inner = "From: sub@example.org\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n\
prologue\r\n--b\r\n\r\none\r\n--b--\r\n\r\nepilogue\r\n";
        let inner_text = inner.split_once("\r\n\r\n").unwrap().1;
        let literal =
            |name: &str, data: &str| format!("* 1 FETCH ({name} {{{}}}\r\n{data})\r\n", data.len());
        // The multipart itself at the top level.
        assert_eq!(
            fetch(inner.as_bytes(), "BODY[TEXT]"),
            literal("BODY[TEXT]", inner_text)
        );
        // Wrapped in a message/rfc822 top-level body, then in a part of a multipart.
        let wrapped = format!("From: a@example.org\r\nContent-Type: message/rfc822\r\n\r\n{inner}");
        assert_eq!(
            fetch(wrapped.as_bytes(), "BODY[1.TEXT]"),
            literal("BODY[1.TEXT]", inner_text)
        );
        assert_eq!(
            fetch(wrapped.as_bytes(), "BODY[1]"),
            literal("BODY[1]", inner)
        );
        let nested = format!(
            "From: a@example.org\r\nContent-Type: multipart/mixed; boundary=\"o\"\r\n\r\n\
--o\r\nContent-Type: text/plain\r\n\r\nx\r\n--o\r\nContent-Type: message/rfc822\r\n\r\n\
{inner}--o--\r\n"
        );
        // The CRLF before `--o--` belongs to that delimiter (RFC 2046 §5.1.1), not to the part.
        let in_part = inner_text.strip_suffix("\r\n").unwrap();
        assert_eq!(
            fetch(nested.as_bytes(), "BODY[2.TEXT]"),
            literal("BODY[2.TEXT]", in_part)
        );
    }

    /// imaptest's fetch-envelope case: a source route is the `addr-adl` field.
    #[test]
    fn envelope_source_routes_are_the_adl_field() {
        let raw = b"From: <@route:user@domain>\r\nTo: A <@r1,@r2:u2@d2>, plain@d3\r\n\r\nbody";
        let env = fetch(raw, "ENVELOPE");
        assert!(
            env.contains("((NIL \"@route\" \"user\" \"domain\"))"),
            "{env}"
        );
        assert!(
            env.contains("((\"A\" \"@r1,@r2\" \"u2\" \"d2\")(NIL NIL \"plain\" \"d3\"))"),
            "{env}"
        );
    }

    #[test]
    fn odd_messages_do_not_panic() {
        for raw in [
            &b""[..],
            b"no header at all",
            b"Subject: only header",
            b"Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n",
            b"Content-Type: multipart/mixed\r\n\r\nno boundary param",
            b"Content-Type: message/rfc822\r\n\r\n",
            b"Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!notbase64",
            b"\xff\xfe\r\n\r\n\x00\x01",
        ] {
            for items in [
                "(ENVELOPE BODYSTRUCTURE BODY)",
                "(BODY[] BODY[HEADER] BODY[TEXT] BODY[1] BODY[1.MIME] BODY[2.1.HEADER])",
                "(BINARY[1] BINARY.SIZE[1] RFC822.HEADER RFC822.TEXT)",
            ] {
                let cmd = parse_command(format!("a FETCH 1 {items}\r\n").as_bytes()).unwrap();
                let crate::imap::command::CommandBody::Fetch { attrs, .. } = cmd.body else {
                    panic!()
                };
                let _ = render_fetch(&meta(&[]), Some(raw), &attrs);
            }
        }
    }

    #[test]
    fn header_field_splitting() {
        let h = b"A: 1\r\nB: 2\r\n  cont\r\nC:3\r\n\r\n";
        assert_eq!(
            header_fields(h),
            vec![&b"A: 1\r\n"[..], b"B: 2\r\n  cont\r\n", b"C:3\r\n"]
        );
        assert_eq!(field_name(b"Subject : x"), b"Subject");
        assert_eq!(decode_qp(b"a=3Db=\r\nc=ZZ"), b"a=bc=ZZ");
        assert_eq!(decode_base64(b"aGVs\r\nbG8="), b"hello");
    }

    /// The deepest message accepted, parsed, cloned (Sieve does), described (BODYSTRUCTURE),
    /// turned into the plugins' view and dropped, on a quarter of the stack a tokio thread has
    /// (2 MiB): the limit leaves ample margin even in a debug build.
    #[test]
    fn within_the_mime_nesting_limit_everything_fits_a_small_stack() {
        use crate::mime;
        let done = std::thread::Builder::new()
            .stack_size(512 * 1024)
            .spawn(|| {
                for raw in [
                    mime::tests::nested_rfc822(mime::MAX_NESTING / 2),
                    mime::tests::nested_multipart(mime::MAX_NESTING),
                    mime::tests::bare_rfc822(mime::MAX_NESTING),
                ] {
                    assert!(!mime::too_deep(&raw));
                    let parsed = mime::parse(&raw).unwrap();
                    let copy = parsed.clone();
                    let mut out = Vec::new();
                    write_body_structure(&mut out, &copy, 0, true, 0);
                    assert!(out.len() > 100);
                    let env = crate::values::Envelope {
                        queue_id: "Q".into(),
                        mail_from: String::new(),
                        recipients: Vec::new(),
                        helo: String::new(),
                        client_ip: std::net::IpAddr::from([127, 0, 0, 1]),
                        authenticated_as: None,
                        tls: None,
                    };
                    let view = crate::plugins::view::message(&env, &raw, Some(&parsed), None);
                    assert!(view.raw_size > 0);
                    drop(copy);
                    drop(parsed);
                }
            })
            .unwrap()
            .join();
        assert!(done.is_ok());
    }

    /// Every item answered from the raw bytes or the header block alone renders exactly as it
    /// does from the full MIME parse, over the repository's corpora and odd shapes.
    #[test]
    fn raw_and_header_items_match_the_full_parse() {
        let mut messages: Vec<Vec<u8>> = vec![
            SIMPLE.to_vec(),
            ALTERNATIVE.to_vec(),
            MIXED.to_vec(),
            b"".to_vec(),
            b"no header at all".to_vec(),
            b"Subject: no blank line\r\nFrom: a@b.c".to_vec(),
            b"Subject: bare LF\nFrom: a@b.c\n\nbody\n".to_vec(),
            b"\r\nbody only\r\n".to_vec(),
            b"Subject: nul \x00 inside\r\n\r\nbody \x00\r\n".to_vec(),
            crate::mime::tests::nested_rfc822(150),
        ];
        let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
        let mut dirs = vec![corpus];
        while let Some(d) = dirs.pop() {
            for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
                let p = e.path();
                if p.is_dir() {
                    dirs.push(p);
                } else if let Ok(b) = std::fs::read(&p) {
                    messages.push(b);
                }
            }
        }
        assert!(messages.len() > 50, "corpus not found");
        let items = [
            "BODY.PEEK[]",
            "BODY.PEEK[]<10.200>",
            "RFC822",
            "BINARY.PEEK[]",
            "BINARY.SIZE[]",
            "BODY.PEEK[HEADER]",
            "BODY.PEEK[TEXT]",
            "BODY.PEEK[TEXT]<5.50>",
            "BODY.PEEK[HEADER.FIELDS (From Subject Date)]",
            "BODY.PEEK[HEADER.FIELDS.NOT (Received)]",
            "RFC822.HEADER",
            "RFC822.TEXT",
            "ENVELOPE",
        ];
        let flags = vec![];
        for raw in &messages {
            for item in items {
                let cmd = parse_command(format!("a FETCH 1 {item}\r\n").as_bytes()).unwrap();
                let crate::imap::command::CommandBody::Fetch { attrs, .. } = cmd.body else {
                    panic!()
                };
                let fast = render_fetch(&meta(&flags), Some(raw), &attrs).unwrap();
                let mut full = b"* 1 FETCH (".to_vec();
                render_content_item(&mut full, &parse(raw), &attrs[0]).unwrap();
                if matches!(attrs[0], FetchAttr::Rfc822) {
                    full = b"* 1 FETCH (RFC822 ".to_vec();
                    write_literal(&mut full, raw);
                }
                full.extend_from_slice(b")\r\n");
                assert_eq!(
                    String::from_utf8_lossy(&fast),
                    String::from_utf8_lossy(&full),
                    "{item} of {:?}",
                    String::from_utf8_lossy(&raw[..raw.len().min(200)])
                );
            }
        }
    }
}
