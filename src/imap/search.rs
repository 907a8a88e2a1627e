//! SEARCH evaluation (RFC 9051 §6.4.4; RFC 3501 §6.4.4).
//!
//! A key tree is evaluated against one message at a time. Content keys (header, body, text,
//! sent dates) need the raw message; [`needs_raw`] tells the session whether it has to load it.
//! Matching is a case-insensitive substring match on decoded header values (RFC 2047) and on
//! decoded text parts (transfer encoding and charset removed), as RFC 9051 asks.

use std::cell::OnceCell;
use std::sync::LazyLock;

use chrono::{DateTime, FixedOffset, NaiveDate};
use mail_parser::{Address, HeaderValue, Message, MessageParser, PartType};

use crate::mime::BoundedParse;

use super::command::{SearchKey, SearchReturn};
use super::sequence::set_contains;

/// The view of one message that search keys are evaluated against.
#[derive(Debug, Clone, Copy, Default)]
pub struct SearchContext<'a> {
    pub seq: u32,
    pub uid: u32,
    /// Flags, system flags as `\Seen` etc. (compared case-insensitively).
    pub flags: &'a [String],
    /// INTERNALDATE, unix seconds.
    pub internal_date: i64,
    /// Zone of INTERNALDATE, seconds east of UTC (BEFORE/ON/SINCE use its date in that zone).
    pub internal_date_offset: i32,
    /// RFC822.SIZE.
    pub size: u64,
    /// The message; needed only when [`needs_raw`] says so.
    pub raw: Option<&'a [u8]>,
    /// Has the \Recent flag in this session.
    pub recent: bool,
    /// RFC 7162 mod-sequence.
    pub modseq: u64,
    /// Largest sequence number in the mailbox (`*` in a sequence-set key).
    pub max_seq: u32,
    /// Largest UID in the mailbox (`*` in a UID key).
    pub max_uid: u32,
    /// RFC 5182 saved result (UIDs) for `$`.
    pub saved: Option<&'a [u32]>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SearchError {
    #[error("message content not available")]
    MissingContent,
}

/// Charsets accepted by SEARCH CHARSET (others get `NO [BADCHARSET (UTF-8 US-ASCII)]`).
pub fn charset_supported(charset: &str) -> bool {
    charset.eq_ignore_ascii_case("UTF-8") || charset.eq_ignore_ascii_case("US-ASCII")
}

/// `* SEARCH n n ...` (RFC 3501 §7.2.5; numbers are UIDs for UID SEARCH).
pub fn render_search(results: &[u32], highest_modseq: Option<u64>) -> Vec<u8> {
    let mut s = String::from("* SEARCH");
    for n in results {
        s.push(' ');
        s.push_str(&n.to_string());
    }
    // RFC 7162 §3.1.5: MODSEQ of the result when the search used MODSEQ.
    if let (Some(m), false) = (highest_modseq, results.is_empty()) {
        s.push_str(&format!(" (MODSEQ {m})"));
    }
    s.push_str("\r\n");
    s.into_bytes()
}

/// `* ESEARCH (TAG "t") [UID] [MIN n] [MAX n] [COUNT n] [ALL set]` (RFC 4731 §3.1, RFC 9051
/// §7.3.4). `results` are ascending; empty `returns` means ALL. SAVE alone yields no data
/// items. MIN/MAX/ALL are omitted when nothing matched.
pub fn render_esearch(tag: &str, uid: bool, returns: &[SearchReturn], results: &[u32]) -> Vec<u8> {
    let mut out = b"* ESEARCH (TAG ".to_vec();
    super::response::write_string(&mut out, tag.as_bytes());
    out.push(b')');
    if uid {
        out.extend_from_slice(b" UID");
    }
    let all = returns.is_empty();
    let want = |r: SearchReturn| returns.contains(&r);
    if want(SearchReturn::Min) {
        if let Some(min) = results.first() {
            out.extend_from_slice(format!(" MIN {min}").as_bytes());
        }
    }
    if want(SearchReturn::Max) {
        if let Some(max) = results.last() {
            out.extend_from_slice(format!(" MAX {max}").as_bytes());
        }
    }
    if want(SearchReturn::Count) {
        out.extend_from_slice(format!(" COUNT {}", results.len()).as_bytes());
    }
    if (all || want(SearchReturn::All)) && !results.is_empty() {
        out.extend_from_slice(b" ALL ");
        out.extend_from_slice(super::sequence::encode_uid_set(results).as_bytes());
    }
    super::context::write_partial(&mut out, returns, results, false);
    out.extend_from_slice(b"\r\n");
    out
}

/// Does evaluating `key` need the message content?
pub fn needs_raw(key: &SearchKey) -> bool {
    match key {
        SearchKey::And(keys) => keys.iter().any(needs_raw),
        SearchKey::Or(a, b) => needs_raw(a) || needs_raw(b),
        SearchKey::Not(k) => needs_raw(k),
        SearchKey::SentBefore(_)
        | SearchKey::SentOn(_)
        | SearchKey::SentSince(_)
        | SearchKey::Bcc(_)
        | SearchKey::Body(_)
        | SearchKey::Cc(_)
        | SearchKey::From(_)
        | SearchKey::Header(..)
        | SearchKey::Subject(_)
        | SearchKey::Text(_)
        | SearchKey::To(_) => true,
        _ => false,
    }
}

/// Does `key` use the `$` saved result (RFC 5182)?
pub fn uses_saved(key: &SearchKey) -> bool {
    use super::command::SequenceSet;
    match key {
        SearchKey::And(keys) => keys.iter().any(uses_saved),
        SearchKey::Or(a, b) => uses_saved(a) || uses_saved(b),
        SearchKey::Not(k) => uses_saved(k),
        SearchKey::SequenceSet(SequenceSet::Saved) | SearchKey::Uid(SequenceSet::Saved) => true,
        _ => false,
    }
}

/// Evaluate `key` for one message.
pub fn matches(key: &SearchKey, ctx: &SearchContext<'_>) -> Result<bool, SearchError> {
    let eval = Evaluator {
        ctx,
        parsed: OnceCell::new(),
        header: OnceCell::new(),
    };
    eval.eval(key)
}

struct Evaluator<'c, 'a> {
    ctx: &'c SearchContext<'a>,
    parsed: OnceCell<Option<Message<'a>>>,
    /// The top-level header block alone, for header keys when no body key needed the full
    /// parse: most of a message's bytes (and all of its decoding) are in its body.
    header: OnceCell<Option<Message<'a>>>,
}

fn parser() -> &'static MessageParser {
    &SEARCH_PARSER
}

/// mail-parser's own table of header parsers (`parsers/header.rs`, used when no map is given)
/// with one change: Received is skipped, not parsed (its value is never matched, only its raw
/// text; its tokenizer was the largest cost of SEARCH). Others stay raw, as in that table.
static SEARCH_PARSER: LazyLock<MessageParser> = LazyLock::new(|| {
    use mail_parser::HeaderName as H;
    let mut p = MessageParser::new();
    for h in [
        H::Subject,
        H::Comments,
        H::ContentDescription,
        H::ContentLocation,
        H::ContentTransferEncoding,
    ] {
        p = p.header_text(h);
    }
    for h in [
        H::From,
        H::To,
        H::Cc,
        H::Bcc,
        H::ReplyTo,
        H::Sender,
        H::ResentTo,
        H::ResentFrom,
        H::ResentBcc,
        H::ResentCc,
        H::ResentSender,
        H::ListArchive,
        H::ListHelp,
        H::ListId,
        H::ListOwner,
        H::ListPost,
        H::ListSubscribe,
        H::ListUnsubscribe,
    ] {
        p = p.header_address(h);
    }
    for h in [H::Date, H::ResentDate] {
        p = p.header_date(h);
    }
    for h in [
        H::MessageId,
        H::References,
        H::InReplyTo,
        H::ReturnPath,
        H::ContentId,
        H::ResentMessageId,
    ] {
        p = p.header_id(h);
    }
    for h in [H::Keywords, H::ContentLanguage] {
        p = p.header_comma_separated(h);
    }
    for h in [H::ContentType, H::ContentDisposition] {
        p = p.header_content_type(h);
    }
    p.header_raw(H::MimeVersion)
        .ignore_header(H::Received)
        .default_header_raw()
});

/// Case-insensitive substring test (`needle_lower` is lowercased already). ASCII text, which is
/// most mail, is compared byte by byte without building a lowercased copy; any other text goes
/// through Unicode lowercasing as before.
fn contains_ci(haystack: &str, needle_lower: &str) -> bool {
    if needle_lower.is_empty() {
        return true;
    }
    if haystack.is_ascii() {
        // Lowercasing ASCII yields ASCII: a needle with other characters cannot occur.
        return needle_lower.is_ascii()
            && contains_ascii_ci(haystack.as_bytes(), needle_lower.as_bytes());
    }
    haystack.to_lowercase().contains(needle_lower)
}

/// `needle` (ASCII, lowercase) in `haystack` (ASCII), ignoring ASCII case.
fn contains_ascii_ci(haystack: &[u8], needle: &[u8]) -> bool {
    let Some((&first, rest)) = needle.split_first() else {
        return true;
    };
    let upper = first.to_ascii_uppercase();
    let last = haystack.len().saturating_sub(rest.len());
    let mut i = 0;
    while i < last {
        let Some(found) = haystack[i..last]
            .iter()
            .position(|&c| c == first || c == upper)
        else {
            return false;
        };
        let at = i + found;
        if haystack
            .get(at + 1..at + 1 + rest.len())
            .is_some_and(|w| w.eq_ignore_ascii_case(rest))
        {
            return true;
        }
        i = at + 1;
    }
    false
}

impl<'a> Evaluator<'_, 'a> {
    fn message(&self) -> Result<Option<&Message<'a>>, SearchError> {
        let raw = self.ctx.raw.ok_or(SearchError::MissingContent)?;
        Ok(self
            .parsed
            .get_or_init(|| parser().parse_bounded(raw))
            .as_ref())
    }

    /// The top-level headers: from the full parse when there is one, else read alone. Both
    /// hold the same fields (tested in `header_keys_agree_with_the_full_parse`).
    fn headers(&self) -> Result<Option<&Message<'a>>, SearchError> {
        let raw = self.ctx.raw.ok_or(SearchError::MissingContent)?;
        if let Some(full) = self.parsed.get() {
            return Ok(full.as_ref());
        }
        Ok(self
            .header
            .get_or_init(|| super::fetch::parse_header_with(parser(), raw))
            .as_ref())
    }

    fn has_flag(&self, flag: &str) -> bool {
        self.ctx.flags.iter().any(|f| f.eq_ignore_ascii_case(flag))
    }

    fn internal_day(&self) -> NaiveDate {
        let offset = FixedOffset::east_opt(self.ctx.internal_date_offset)
            .or_else(|| FixedOffset::east_opt(0));
        offset
            .and_then(|o| {
                DateTime::from_timestamp(self.ctx.internal_date, 0).map(|d| d.with_timezone(&o))
            })
            .map(|d| d.date_naive())
            .unwrap_or_default()
    }

    /// Date of the Date: header in its own zone; the internal date when absent or invalid.
    fn sent_day(&self) -> Result<NaiveDate, SearchError> {
        let day = self.message()?.and_then(|m| m.date()).and_then(|d| {
            NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day))
        });
        Ok(day.unwrap_or_else(|| self.internal_day()))
    }

    fn eval(&self, key: &SearchKey) -> Result<bool, SearchError> {
        let c = self.ctx;
        Ok(match key {
            SearchKey::All => true,
            SearchKey::And(keys) => {
                for k in keys {
                    if !self.eval(k)? {
                        return Ok(false);
                    }
                }
                true
            }
            SearchKey::Or(a, b) => self.eval(a)? || self.eval(b)?,
            SearchKey::Not(k) => !self.eval(k)?,
            SearchKey::SequenceSet(set) => match set {
                super::command::SequenceSet::Saved => c.saved.is_some_and(|s| s.contains(&c.uid)),
                _ => set_contains(set, c.seq, c.max_seq),
            },
            SearchKey::Uid(set) => match set {
                super::command::SequenceSet::Saved => c.saved.is_some_and(|s| s.contains(&c.uid)),
                _ => set_contains(set, c.uid, c.max_uid),
            },
            SearchKey::Answered => self.has_flag("\\Answered"),
            SearchKey::Deleted => self.has_flag("\\Deleted"),
            SearchKey::Draft => self.has_flag("\\Draft"),
            SearchKey::Flagged => self.has_flag("\\Flagged"),
            SearchKey::Seen => self.has_flag("\\Seen"),
            SearchKey::Recent => c.recent,
            SearchKey::New => c.recent && !self.has_flag("\\Seen"),
            SearchKey::Old => !c.recent,
            SearchKey::Unanswered => !self.has_flag("\\Answered"),
            SearchKey::Undeleted => !self.has_flag("\\Deleted"),
            SearchKey::Undraft => !self.has_flag("\\Draft"),
            SearchKey::Unflagged => !self.has_flag("\\Flagged"),
            SearchKey::Unseen => !self.has_flag("\\Seen"),
            SearchKey::Keyword(k) => self.has_flag(k),
            SearchKey::Unkeyword(k) => !self.has_flag(k),
            SearchKey::Before(d) => self.internal_day() < *d,
            SearchKey::On(d) => self.internal_day() == *d,
            SearchKey::Since(d) => self.internal_day() >= *d,
            SearchKey::SentBefore(d) => self.sent_day()? < *d,
            SearchKey::SentOn(d) => self.sent_day()? == *d,
            SearchKey::SentSince(d) => self.sent_day()? >= *d,
            SearchKey::Larger(n) => c.size > *n,
            SearchKey::Smaller(n) => c.size < *n,
            SearchKey::ModSeq(n) => c.modseq >= *n,
            SearchKey::From(s) => self.header_matches("From", s)?,
            SearchKey::To(s) => self.header_matches("To", s)?,
            SearchKey::Cc(s) => self.header_matches("Cc", s)?,
            SearchKey::Bcc(s) => self.header_matches("Bcc", s)?,
            SearchKey::Subject(s) => self.header_matches("Subject", s)?,
            SearchKey::Header(name, s) => self.header_matches(name, s)?,
            SearchKey::Body(s) => self.body_matches(&s.to_lowercase())?,
            SearchKey::Text(s) => {
                let needle = s.to_lowercase();
                // The body needs the full parse anyway; the headers then come from it.
                self.message()?;
                self.all_headers_match(&needle)? || self.body_matches(&needle)?
            }
        })
    }

    /// Any header `name` of the top-level message whose decoded value contains `needle`. An
    /// empty needle matches when the header exists (RFC 9051 §6.4.4 HEADER).
    fn header_matches(&self, name: &str, needle: &str) -> Result<bool, SearchError> {
        let Some(msg) = self.headers()? else {
            return Ok(false);
        };
        let needle = needle.to_lowercase();
        let raw = self.ctx.raw.unwrap_or_default();
        Ok(msg.parts.first().is_some_and(|root| {
            root.headers
                .iter()
                .filter(|h| h.name().eq_ignore_ascii_case(name))
                .any(|h| header_value_matches(h, raw, &needle))
        }))
    }

    fn all_headers_match(&self, needle: &str) -> Result<bool, SearchError> {
        let Some(msg) = self.headers()? else {
            return Ok(false);
        };
        let raw = self.ctx.raw.unwrap_or_default();
        Ok(msg.parts.first().is_some_and(|root| {
            root.headers
                .iter()
                .any(|h| header_value_matches(h, raw, needle))
        }))
    }

    fn body_matches(&self, needle: &str) -> Result<bool, SearchError> {
        let Some(msg) = self.message()? else {
            // Unparseable: fall back to the raw bytes.
            let raw = self.ctx.raw.unwrap_or_default();
            return Ok(contains_ci(&String::from_utf8_lossy(raw), needle));
        };
        Ok(text_parts_match(msg, needle, 0))
    }
}

/// Decoded text / HTML parts, including those of attached messages.
fn text_parts_match(msg: &Message<'_>, needle: &str, depth: usize) -> bool {
    msg.parts.iter().any(|p| match &p.body {
        PartType::Text(t) => contains_ci(t, needle),
        PartType::Html(h) => contains_ci(&mail_parser::decoders::html::html_to_text(h), needle),
        PartType::Message(m) if depth < 8 => text_parts_match(m, needle, depth + 1),
        _ => false,
    })
}

fn format_address(addr: &Address<'_>) -> String {
    let mut s = String::new();
    for a in addr.iter() {
        if let Some(n) = &a.name {
            s.push_str(n);
            s.push(' ');
        }
        if let Some(e) = &a.address {
            s.push('<');
            s.push_str(e);
            s.push('>');
        }
        s.push_str(", ");
    }
    if let Address::Group(groups) = addr {
        for g in groups {
            if let Some(n) = &g.name {
                s.push_str(n);
                s.push_str(": ");
            }
        }
    }
    s
}

/// Does the header's decoded value, or its raw unfolded text, contain `needle`? The same
/// answer as `contains_ci(&header_value_text(h, raw), needle)` without building that string
/// (a needle with a line break could only match across the two: that rare case takes the
/// string).
fn header_value_matches(h: &mail_parser::Header<'_>, raw: &[u8], needle: &str) -> bool {
    if needle.is_empty() {
        return true;
    }
    if needle.contains('\n') {
        return contains_ci(&header_value_text(h, raw), needle);
    }
    let decoded = match h.value() {
        HeaderValue::Text(t) => contains_ci(t, needle),
        HeaderValue::TextList(l) => {
            // Joined with spaces: a needle with a space may span two items.
            if needle.contains(' ') {
                contains_ci(&l.join(" "), needle)
            } else {
                l.iter().any(|t| contains_ci(t, needle))
            }
        }
        HeaderValue::Address(a) => contains_ci(&format_address(a), needle),
        _ => false,
    };
    if decoded {
        return true;
    }
    let (start, end) = (h.offset_start as usize, h.offset_end as usize);
    let Some(bytes) = raw.get(start.min(end)..end.min(raw.len())) else {
        return false;
    };
    if !bytes.contains(&b'\r') && !bytes.contains(&b'\n') && bytes.is_ascii() {
        return needle.is_ascii() && contains_ascii_ci(bytes.trim_ascii(), needle.as_bytes());
    }
    let unfolded = String::from_utf8_lossy(bytes).replace(['\r', '\n'], "");
    contains_ci(unfolded.trim(), needle)
}

/// Decoded value of a header for matching: the parsed value when mail-parser decoded it, plus
/// the raw unfolded text (so that searches for literal header syntax also hit).
fn header_value_text(h: &mail_parser::Header<'_>, raw: &[u8]) -> String {
    let (start, end) = (h.offset_start as usize, h.offset_end as usize);
    let raw_text: String = raw
        .get(start.min(end)..end.min(raw.len()))
        .map(|b| String::from_utf8_lossy(b).replace(['\r', '\n'], ""))
        .unwrap_or_default();
    let decoded = match h.value() {
        HeaderValue::Text(t) => t.to_string(),
        HeaderValue::TextList(l) => l.join(" "),
        HeaderValue::Address(a) => format_address(a),
        _ => String::new(),
    };
    format!("{decoded}\n{}", raw_text.trim())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::imap::command::CommandBody;
    use crate::imap::parser::parse_command;

    const MSG: &[u8] = b"From: =?utf-8?B?SsO8cmdlbg==?= <juergen@example.de>\r\n\
To: Mary Smith <mary@x.test>, team@example.org\r\n\
Cc: boss@nil.test\r\n\
Subject: =?UTF-8?Q?Quartalsbericht_f=C3=BCr_Q3?=\r\n\
Date: Wed, 02 Oct 2024 23:30:00 -0700\r\n\
X-Spam-Score: 5.5\r\n\
List-Id: Dev <dev.lists.example.org>\r\n\
Content-Type: multipart/alternative; boundary=b\r\n\
\r\n\
--b\r\n\
Content-Type: text/plain; charset=iso-8859-1\r\n\
Content-Transfer-Encoding: quoted-printable\r\n\
\r\n\
Die Zahlen f=FCr das dritte Quartal.\r\n\
--b\r\n\
Content-Type: text/html; charset=utf-8\r\n\
\r\n\
<p>Die <b>Zahlen</b> sind gut</p>\r\n\
--b--\r\n";

    fn key(q: &str) -> SearchKey {
        match parse_command(format!("a SEARCH {q}\r\n").as_bytes())
            .unwrap()
            .body
        {
            CommandBody::Search { criteria, .. } => criteria,
            _ => unreachable!(),
        }
    }

    fn ctx<'a>(flags: &'a [String], raw: Option<&'a [u8]>) -> SearchContext<'a> {
        SearchContext {
            seq: 3,
            uid: 30,
            flags,
            // 2024-10-03 06:30:00 UTC, i.e. 2024-10-02 23:30 -0700.
            internal_date: 1_727_937_000,
            internal_date_offset: -7 * 3600,
            size: 2000,
            raw,
            recent: true,
            modseq: 50,
            max_seq: 10,
            max_uid: 100,
            saved: None,
        }
    }

    fn m(q: &str, c: &SearchContext<'_>) -> bool {
        matches(&key(q), c).unwrap()
    }

    #[test]
    fn flag_and_metadata_keys() {
        let flags = vec!["\\Seen".to_string(), "$Junk".to_string()];
        let c = ctx(&flags, None);
        for (q, expect) in [
            ("ALL", true),
            ("SEEN", true),
            ("UNSEEN", false),
            ("ANSWERED", false),
            ("UNANSWERED", true),
            ("DELETED", false),
            ("UNDELETED", true),
            ("FLAGGED", false),
            ("UNFLAGGED", true),
            ("DRAFT", false),
            ("UNDRAFT", true),
            ("RECENT", true),
            ("OLD", false),
            ("NEW", false),
            ("KEYWORD $junk", true),
            ("UNKEYWORD $Junk", false),
            ("KEYWORD $Phishing", false),
            ("LARGER 1999", true),
            ("LARGER 2000", false),
            ("SMALLER 2001", true),
            ("SMALLER 2000", false),
            ("1:3", true),
            ("4:*", false),
            ("*", false),
            ("UID 30", true),
            ("UID 31:*", false),
            ("UID *:25", true),
            ("NOT SEEN", false),
            ("OR ANSWERED SEEN", true),
            ("OR ANSWERED DELETED", false),
            ("(SEEN KEYWORD $Junk) NOT DELETED", true),
            ("(SEEN DELETED)", false),
            ("MODSEQ 50", true),
            ("MODSEQ 51", false),
            // Internal date is 2024-10-02 in its own zone (-0700).
            ("ON 2-Oct-2024", true),
            ("ON 3-Oct-2024", false),
            ("BEFORE 3-Oct-2024", true),
            ("BEFORE 2-Oct-2024", false),
            ("SINCE 2-Oct-2024", true),
            ("SINCE 3-Oct-2024", false),
        ] {
            assert_eq!(m(q, &c), expect, "{q}");
            assert!(!needs_raw(&key(q)), "{q}");
        }
        let unseen: Vec<String> = vec![];
        assert!(m("NEW", &ctx(&unseen, None)));
        assert!(needs_raw(&key("OR SEEN FROM x")));
        assert_eq!(
            matches(&key("FROM x"), &c),
            Err(SearchError::MissingContent)
        );
        let saved = [30u32, 31];
        let mut c2 = ctx(&flags, None);
        c2.saved = Some(&saved);
        assert!(m("UID $", &c2));
        assert!(m("$", &c2));
        assert!(uses_saved(&key("NOT $")));
        assert!(!uses_saved(&key("NOT 1")));
    }

    #[test]
    fn content_keys() {
        let c = ctx(&[], Some(MSG));
        for (q, expect) in [
            ("FROM \"jürgen\"", true),
            ("FROM JUERGEN@EXAMPLE", true),
            ("FROM mary", false),
            ("TO \"mary smith\"", true),
            ("TO team@example.org", true),
            ("CC boss", true),
            ("BCC boss", false),
            ("SUBJECT \"bericht für\"", true),
            ("SUBJECT q3", true),
            ("SUBJECT q4", false),
            ("HEADER X-Spam-Score 5.5", true),
            ("HEADER x-spam-score \"\"", true),
            ("HEADER X-Other \"\"", false),
            ("HEADER List-Id dev.lists", true),
            ("BODY \"dritte quartal\"", true),
            ("BODY \"sind gut\"", true),
            ("BODY \"<b>\"", false),
            ("BODY Quartalsbericht", false),
            ("TEXT Quartalsbericht", true),
            ("TEXT zahlen", true),
            ("TEXT nirgends", false),
            // Date: header day in its own zone.
            ("SENTON 2-Oct-2024", true),
            ("SENTBEFORE 2-Oct-2024", false),
            ("SENTSINCE 2-Oct-2024", true),
            ("SENTSINCE 3-Oct-2024", false),
            ("OR SUBJECT q4 (FROM juergen NOT TO nobody)", true),
        ] {
            assert_eq!(m(q, &c), expect, "{q}");
            assert!(needs_raw(&key(q)), "{q}");
        }
    }

    #[test]
    fn missing_date_falls_back_to_internal_date() {
        let raw = b"Subject: x\r\n\r\nhello";
        let c = ctx(&[], Some(raw));
        assert!(m("SENTON 2-Oct-2024", &c));
        assert!(m("BODY HELLO", &c));
        let c = ctx(&[], Some(b""));
        assert!(!m("SUBJECT x", &c));
        assert!(m("NOT BODY x", &c));
    }

    #[test]
    fn charsets() {
        assert!(charset_supported("utf-8"));
        assert!(charset_supported("US-ASCII"));
        assert!(!charset_supported("ISO-8859-1"));
    }

    #[test]
    fn result_rendering() {
        assert_eq!(render_search(&[2, 3, 9], None), b"* SEARCH 2 3 9\r\n");
        assert_eq!(render_search(&[], Some(5)), b"* SEARCH\r\n");
        assert_eq!(render_search(&[4], Some(5)), b"* SEARCH 4 (MODSEQ 5)\r\n");
        assert_eq!(
            render_esearch(
                "A282",
                false,
                &[SearchReturn::Min, SearchReturn::Count],
                &[2, 10, 11]
            ),
            b"* ESEARCH (TAG \"A282\") MIN 2 COUNT 3\r\n"
        );
        assert_eq!(
            render_esearch("a", true, &[], &[1, 2, 3, 7]),
            b"* ESEARCH (TAG \"a\") UID ALL 1:3,7\r\n"
        );
        assert_eq!(
            render_esearch(
                "a",
                false,
                &[
                    SearchReturn::Min,
                    SearchReturn::Max,
                    SearchReturn::All,
                    SearchReturn::Count
                ],
                &[]
            ),
            b"* ESEARCH (TAG \"a\") COUNT 0\r\n"
        );
    }

    /// The allocation-free matcher answers as lowercasing the haystack does.
    #[test]
    fn contains_ci_agrees_with_lowercasing() {
        let hay = [
            "",
            "a",
            "Hello World",
            "HELLO",
            "xx Zanzibar trip",
            "ZANZIBA",
            "zanzibarzanzibar",
            "Grüße aus München",
            "İstanbul",
            "\u{212A}elvin",
            "tab\there",
            "aaab",
        ];
        let needles = [
            "",
            "a",
            "hello",
            "o w",
            "zanzibar",
            "grüße",
            "münchen",
            "kelvin",
            "ab",
            "aab",
            "i̇stanbul",
        ];
        for h in hay {
            for n in needles {
                let expect = n.is_empty() || h.to_lowercase().contains(n);
                assert_eq!(contains_ci(h, n), expect, "{h:?} / {n:?}");
            }
        }
    }

    /// Header keys answered from the header block alone match what the full parse gives,
    /// over the repository's corpora (FROM/TO/SUBJECT/HEADER with words of their headers).
    #[test]
    fn header_keys_agree_with_the_full_parse() {
        let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
        let mut dirs = vec![corpus];
        let mut messages = vec![MSG.to_vec(), b"Subject: no blank line".to_vec(), Vec::new()];
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
        let queries = [
            "FROM \"example\"",
            "FROM \"@\"",
            "TO \"org\"",
            "SUBJECT \"re\"",
            "SUBJECT \"\"",
            "HEADER Received \"by\"",
            "HEADER Content-Type \"multipart\"",
            "CC \"com\"",
            "HEADER List-Id \"\"",
            "HEADER X-Spam-Score \"5\"",
            "SUBJECT \"für\"",
        ];
        let flags = vec![];
        let mut hits = 0;
        for raw in &messages {
            let c = ctx(&flags, Some(raw));
            for q in queries {
                let fast = m(q, &c);
                // The same key after a body key forced the full parse.
                let full = m(&format!("OR BODY \"xyzzy-never-xyzzy\" {q}"), &c);
                assert_eq!(
                    fast,
                    full,
                    "{q} on {:?}",
                    String::from_utf8_lossy(&raw[..raw.len().min(120)])
                );
                hits += usize::from(fast);
            }
        }
        assert!(hits > 100, "the queries should hit: {hits}");
    }

    /// The search parser reads every header as mail-parser's defaults do, Received aside.
    #[test]
    fn search_parser_is_the_default_table_but_received() {
        let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
        let mut dirs = vec![corpus];
        let mut n = 0;
        while let Some(d) = dirs.pop() {
            for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
                let p = e.path();
                if p.is_dir() {
                    dirs.push(p);
                    continue;
                }
                let Ok(raw) = std::fs::read(&p) else { continue };
                let a = MessageParser::default().parse_bounded(&raw);
                let b = parser().parse_bounded(&raw);
                let (Some(a), Some(b)) = (a, b) else {
                    continue;
                };
                assert_eq!(a.parts.len(), b.parts.len(), "{p:?}");
                for (pa, pb) in a.parts.iter().zip(&b.parts) {
                    assert_eq!(pa.offset_body, pb.offset_body, "{p:?}");
                    assert_eq!(pa.headers.len(), pb.headers.len(), "{p:?}");
                    for (ha, hb) in pa.headers.iter().zip(&pb.headers) {
                        assert_eq!(ha.name, hb.name);
                        assert_eq!(ha.offset_end, hb.offset_end, "{p:?} {:?}", ha.name);
                        if ha.name != mail_parser::HeaderName::Received {
                            assert_eq!(ha.value, hb.value, "{p:?} {:?}", ha.name);
                        }
                    }
                    assert_eq!(pa.body, pb.body, "{p:?}");
                }
                n += 1;
            }
        }
        assert!(n > 50);
    }
}
