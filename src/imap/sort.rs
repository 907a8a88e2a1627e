//! SORT (RFC 5256 §3), ESORT (RFC 5267 §3) and the per-message facts that SORT and THREAD
//! order by: base subject (RFC 5256 §2.1), sent date (§2.2), first addresses.

use mail_parser::{Address, HeaderValue, MessageParser};

use crate::mime::BoundedParse;

use super::command::SearchReturn;

/// One sort key (RFC 5256 §3 `sort-key`, RFC 5957 DISPLAYFROM/DISPLAYTO).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    Arrival,
    Cc,
    Date,
    From,
    Size,
    Subject,
    To,
    DisplayFrom,
    DisplayTo,
}

/// A sort key, possibly preceded by REVERSE.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SortCriterion {
    pub key: SortKey,
    pub reverse: bool,
}

impl SortKey {
    pub fn parse(word: &str) -> Option<SortKey> {
        Some(match word.to_ascii_uppercase().as_str() {
            "ARRIVAL" => SortKey::Arrival,
            "CC" => SortKey::Cc,
            "DATE" => SortKey::Date,
            "FROM" => SortKey::From,
            "SIZE" => SortKey::Size,
            "SUBJECT" => SortKey::Subject,
            "TO" => SortKey::To,
            "DISPLAYFROM" => SortKey::DisplayFrom,
            "DISPLAYTO" => SortKey::DisplayTo,
            _ => return None,
        })
    }
}

/// What SORT and THREAD need to know about one message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SortInfo {
    /// The number reported (sequence number, or UID for UID SORT/THREAD).
    pub num: u32,
    /// Mailbox order, the final tie-breaker (RFC 5256 §3).
    pub seq: u32,
    pub arrival: i64,
    pub size: u64,
    /// Sent date in UTC seconds (RFC 5256 §2.2).
    pub sent: i64,
    pub base_subject: String,
    /// The subject extraction removed a reply/forward marker (RFC 5256 §2.1, used by THREAD).
    pub is_reply: bool,
    /// addr-mailbox of the first address, for FROM/TO/CC (RFC 5256 §3).
    pub from: String,
    pub to: String,
    pub cc: String,
    /// RFC 5957 display names (falling back to the address).
    pub display_from: String,
    pub display_to: String,
    pub message_id: Option<String>,
    /// References, or the first In-Reply-To id when References has none (RFC 5256 §4).
    pub references: Vec<String>,
}

/// Gathers [`SortInfo`] from a message's bytes; `internal_date` stands in for a missing or
/// unparseable Date header (RFC 5256 §2.2).
pub fn sort_info(num: u32, seq: u32, internal_date: i64, size: u64, raw: &[u8]) -> SortInfo {
    let mut info = SortInfo {
        num,
        seq,
        arrival: internal_date,
        size,
        sent: internal_date,
        ..SortInfo::default()
    };
    let Some(msg) = MessageParser::default()
        .default_header_text()
        .parse_bounded(raw)
    else {
        return info;
    };
    if let Some(d) = msg.date().filter(|d| d.is_valid()) {
        info.sent = d.to_timestamp();
    }
    let (base, reply) = base_subject(msg.subject().unwrap_or_default());
    info.base_subject = base;
    info.is_reply = reply;
    let first = |a: Option<&Address<'_>>| -> (String, String) {
        let Some(addr) = a.and_then(|a| a.first()) else {
            return (String::new(), String::new());
        };
        let email = addr.address.as_deref().unwrap_or_default();
        let mailbox = email.split('@').next().unwrap_or_default().to_string();
        let display = match addr.name.as_deref().map(str::trim) {
            Some(n) if !n.is_empty() => n.to_string(),
            _ => email.to_string(),
        };
        (mailbox, display)
    };
    (info.from, info.display_from) = first(msg.from());
    (info.to, info.display_to) = first(msg.to());
    (info.cc, _) = first(msg.cc());
    info.message_id = msg
        .message_id()
        .map(str::to_string)
        .filter(|s| !s.is_empty());
    info.references = ids(msg.references());
    if info.references.is_empty() {
        info.references = ids(msg.in_reply_to()).into_iter().take(1).collect();
    }
    info
}

/// Message-IDs of a References / In-Reply-To value (at most 256: a hostile header must not
/// make threading quadratic).
fn ids(v: &HeaderValue<'_>) -> Vec<String> {
    v.as_text_list()
        .unwrap_or_default()
        .iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .take(256)
        .collect()
}

fn is_wsp(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// `subj-blob = "[" *BLOBCHAR "]" *WSP` at the start of `s`: its length in bytes.
fn blob_len(s: &str) -> Option<usize> {
    let rest = s.strip_prefix('[')?;
    let close = rest.find([']', '['])?;
    if rest[close..].starts_with('[') {
        return None;
    }
    let after = &rest[close + 1..];
    let trimmed = after.trim_start_matches(is_wsp);
    Some(1 + close + 1 + (after.len() - trimmed.len()))
}

/// `*subj-blob subj-refwd` at the start of `s` (RFC 5256 §5 ABNF): its length in bytes.
fn leader_len(s: &str) -> Option<usize> {
    let mut pos = 0;
    while let Some(n) = s.get(pos..).and_then(blob_len) {
        pos += n;
    }
    let rest = s.get(pos..)?;
    let lower: String = rest
        .chars()
        .take(3)
        .collect::<String>()
        .to_ascii_lowercase();
    for word in ["re", "fwd", "fw"] {
        if !lower.starts_with(word) {
            continue;
        }
        let mut p = pos + word.len();
        let after = s.get(p..)?;
        p += after.len() - after.trim_start_matches(is_wsp).len();
        if let Some(n) = s.get(p..).and_then(blob_len) {
            p += n;
        }
        if s.get(p..)?.starts_with(':') {
            return Some(p + 1);
        }
    }
    None
}

/// Base subject (RFC 5256 §2.1) and whether a reply/forward marker was removed.
pub fn base_subject(subject: &str) -> (String, bool) {
    // (1) Encoded words are already decoded; fold whitespace to single spaces.
    let mut s = String::with_capacity(subject.len());
    for c in subject.chars() {
        let c = if matches!(c, '\t' | '\r' | '\n') {
            ' '
        } else {
            c
        };
        if !(c == ' ' && s.ends_with(' ')) {
            s.push(c);
        }
    }
    let mut reply = false;
    loop {
        // (2) Trailers: WSP and "(fwd)".
        loop {
            let t = s.trim_end_matches(is_wsp);
            if t.len() != s.len() {
                s.truncate(t.len());
                continue;
            }
            if s.to_ascii_lowercase().ends_with("(fwd)") {
                s.truncate(s.len() - 5);
                reply = true;
                continue;
            }
            break;
        }
        // (3)-(5) Leaders and blobs, until nothing changes.
        loop {
            let before = s.len();
            loop {
                if s.starts_with(is_wsp) {
                    s.remove(0);
                } else if let Some(n) = leader_len(&s) {
                    s.drain(..n);
                    reply = true;
                } else {
                    break;
                }
            }
            if let Some(n) = blob_len(&s)
                && s[n..].chars().any(|c| !is_wsp(c))
            {
                s.drain(..n);
            }
            if s.len() == before {
                break;
            }
        }
        // (6) "[fwd:" ... "]".
        if s.len() >= 6
            && s.get(..5).is_some_and(|p| p.eq_ignore_ascii_case("[fwd:"))
            && s.ends_with(']')
        {
            s = s[5..s.len() - 1].to_string();
            reply = true;
            continue;
        }
        break;
    }
    (s, reply)
}

/// `i;ascii-casemap` comparison (RFC 4790 §9.2).
pub fn cmp_casemap(a: &str, b: &str) -> std::cmp::Ordering {
    a.bytes()
        .map(|c| c.to_ascii_uppercase())
        .cmp(b.bytes().map(|c| c.to_ascii_uppercase()))
}

/// Orders `infos` by `criteria`; ties by mailbox order (RFC 5256 §3).
pub fn sort(infos: &mut [SortInfo], criteria: &[SortCriterion]) {
    use std::cmp::Ordering;
    infos.sort_by(|a, b| {
        for c in criteria {
            let o = match c.key {
                SortKey::Arrival => a.arrival.cmp(&b.arrival),
                SortKey::Cc => cmp_casemap(&a.cc, &b.cc),
                SortKey::Date => a.sent.cmp(&b.sent),
                SortKey::From => cmp_casemap(&a.from, &b.from),
                SortKey::Size => a.size.cmp(&b.size),
                SortKey::Subject => cmp_casemap(&a.base_subject, &b.base_subject),
                SortKey::To => cmp_casemap(&a.to, &b.to),
                // RFC 5957 asks for i;unicode-casemap; lower-casing is its close cousin.
                SortKey::DisplayFrom => a
                    .display_from
                    .to_lowercase()
                    .cmp(&b.display_from.to_lowercase()),
                SortKey::DisplayTo => a
                    .display_to
                    .to_lowercase()
                    .cmp(&b.display_to.to_lowercase()),
            };
            let o = if c.reverse { o.reverse() } else { o };
            if o != Ordering::Equal {
                return o;
            }
        }
        a.seq.cmp(&b.seq)
    });
}

/// `* SORT n n ...` (RFC 5256 §4).
pub fn render_sort(nums: &[u32]) -> Vec<u8> {
    let mut s = String::from("* SORT");
    for n in nums {
        s.push(' ');
        s.push_str(&n.to_string());
    }
    s.push_str("\r\n");
    s.into_bytes()
}

/// Numbers in the order given as a sequence-set: runs that ascend by one become `a:b`, which
/// keeps the order (RFC 5267 §3.2's ALL is "in sort order"); `9,2,3,4,7` is `9,2:4,7`.
pub fn ordered_set(numbers: &[u32]) -> String {
    let mut out = String::new();
    let mut i = 0;
    while let Some(&start) = numbers.get(i) {
        let mut end = i;
        while numbers
            .get(end + 1)
            .is_some_and(|&n| Some(n) == numbers[end].checked_add(1))
        {
            end += 1;
        }
        if !out.is_empty() {
            out.push(',');
        }
        out.push_str(&start.to_string());
        if end > i {
            out.push(':');
            out.push_str(&numbers[end].to_string());
        }
        i = end + 1;
    }
    out
}

/// `* ESEARCH (TAG "t") [UID] ...` for SORT RETURN (RFC 5267 §3.2): MIN/MAX are the first and
/// last message in sort order ("lowest/highest sorted"), ALL lists the numbers in sort order.
pub fn render_esort(tag: &str, uid: bool, returns: &[SearchReturn], sorted: &[u32]) -> Vec<u8> {
    let mut out = b"* ESEARCH (TAG ".to_vec();
    super::response::write_string(&mut out, tag.as_bytes());
    out.push(b')');
    if uid {
        out.extend_from_slice(b" UID");
    }
    let all = returns.is_empty();
    let want = |r: SearchReturn| returns.contains(&r);
    if want(SearchReturn::Min)
        && let Some(min) = sorted.first()
    {
        out.extend_from_slice(format!(" MIN {min}").as_bytes());
    }
    if want(SearchReturn::Max)
        && let Some(max) = sorted.last()
    {
        out.extend_from_slice(format!(" MAX {max}").as_bytes());
    }
    if want(SearchReturn::Count) {
        out.extend_from_slice(format!(" COUNT {}", sorted.len()).as_bytes());
    }
    if (all || want(SearchReturn::All)) && !sorted.is_empty() {
        out.extend_from_slice(b" ALL ");
        out.extend_from_slice(ordered_set(sorted).as_bytes());
    }
    super::context::write_partial(&mut out, returns, sorted, true);
    out.extend_from_slice(b"\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_subjects() {
        for (subject, base, reply) in [
            ("Hello", "Hello", false),
            ("Re: Hello", "Hello", true),
            ("RE: re: Fwd: Hello", "Hello", true),
            ("Fw: Hello (fwd)", "Hello", true),
            ("[list] Re: Hello", "Hello", true),
            ("[list] Hello", "Hello", false),
            ("Re [list]: Hello", "Hello", true),
            ("[Fwd: Re: Hello]", "Hello", true),
            ("  Hello \t  world  ", "Hello world", false),
            ("[only blob]", "[only blob]", false),
            ("Re:", "", true),
            ("Reply to all", "Reply to all", false),
            ("Re: [x] [y] Re: z", "z", true),
            ("Äpfel", "Äpfel", false),
            ("[", "[", false),
            ("", "", false),
        ] {
            assert_eq!(
                base_subject(subject),
                (base.to_string(), reply),
                "{subject}"
            );
        }
    }

    #[test]
    fn sent_date_and_addresses() {
        let raw = b"From: \"Zed\" <alice@a.test>\r\nTo: bob@b.test\r\nDate: Mon, 1 Jan 2024 10:00:00 +0200\r\nSubject: =?utf-8?q?Re=3A_=C3=84pfel?=\r\nMessage-ID: <m1@x>\r\nIn-Reply-To: <p@x> <q@x>\r\n\r\nbody";
        let i = sort_info(1, 1, 5, 9, raw);
        assert_eq!(i.sent, 1_704_096_000);
        assert_eq!(i.from, "alice");
        assert_eq!(i.display_from, "Zed");
        assert_eq!(i.display_to, "bob@b.test");
        assert_eq!(i.base_subject, "Äpfel");
        assert!(i.is_reply);
        assert_eq!(i.message_id.as_deref(), Some("m1@x"));
        assert_eq!(i.references, vec!["p@x".to_string()]);
        let i = sort_info(1, 1, 77, 9, b"Date: garbage\r\n\r\n");
        assert_eq!(i.sent, 77);
    }

    #[test]
    fn parse_sort_and_thread() {
        use crate::imap::command::CommandBody;
        use crate::imap::parser::parse_command;
        let c = parse_command(
            b"a UID SORT RETURN (MIN COUNT) (REVERSE DATE subject) UTF-8 ALL SEEN\r\n",
        )
        .unwrap();
        match c.body {
            CommandBody::Sort {
                uid,
                returns,
                criteria,
                charset,
                ..
            } => {
                assert!(uid);
                assert_eq!(returns, Some(vec![SearchReturn::Min, SearchReturn::Count]));
                assert_eq!(
                    criteria,
                    vec![
                        SortCriterion {
                            key: SortKey::Date,
                            reverse: true
                        },
                        SortCriterion {
                            key: SortKey::Subject,
                            reverse: false
                        }
                    ]
                );
                assert_eq!(charset, "UTF-8");
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            parse_command(b"a THREAD REFERENCES US-ASCII SUBJECT x\r\n")
                .unwrap()
                .body,
            CommandBody::Thread { uid: false, .. }
        ));
        for bad in [
            &b"a SORT () UTF-8 ALL\r\n"[..],
            b"a SORT (REVERSE) UTF-8 ALL\r\n",
            b"a SORT (DATE) UTF-8\r\n",
            b"a SORT (BOGUS) UTF-8 ALL\r\n",
            b"a SORT (REVERSE REVERSE DATE) UTF-8 ALL\r\n",
            b"a THREAD BOGUS UTF-8 ALL\r\n",
            b"a UID THREAD REFERENCES\r\n",
        ] {
            assert!(
                parse_command(bad).is_err(),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn esort_rendering() {
        assert_eq!(
            render_esort(
                "A1",
                true,
                &[
                    SearchReturn::Min,
                    SearchReturn::Max,
                    SearchReturn::Count,
                    SearchReturn::All
                ],
                &[9, 2, 5]
            ),
            b"* ESEARCH (TAG \"A1\") UID MIN 9 MAX 5 COUNT 3 ALL 9,2,5\r\n"
        );
        assert_eq!(render_sort(&[3, 1]), b"* SORT 3 1\r\n");
        assert_eq!(
            render_esort("A2", false, &[SearchReturn::All], &[1, 2, 3, 4, 5]),
            b"* ESEARCH (TAG \"A2\") ALL 1:5\r\n"
        );
        assert_eq!(ordered_set(&[9, 2, 3, 4, 7, 6, 5]), "9,2:4,7,6,5");
        assert_eq!(ordered_set(&[u32::MAX, 1]), "4294967295,1");
        assert_eq!(ordered_set(&[]), "");
    }
}
