//! Turns a message into the set of tokens the classifier counts: words and word pairs of the
//! subject and body (HTML turned into text), URL hosts, and header facts (sender, relays,
//! mailer, structure). Tokens are prefixed by where they come from, so "free" in the subject
//! and "free" in the body are learnt separately.

use std::collections::{BTreeSet, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// FNV-1a, for the set of a message's tokens: short keys, no need for SipHash's defence against
/// chosen collisions (a message's tokens are at most a few thousand, and the set only
/// de-duplicates), and no random keys to ask the WebAssembly host for.
#[derive(Default)]
struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for b in bytes {
            h = (h ^ *b as u64).wrapping_mul(0x0000_0100_0000_01b3);
        }
        self.0 = h;
    }
}

/// The tokens of a message while they are collected (sorted once at the end): a hash set, as a
/// B-tree's lookups compared a new word with a dozen stored ones (issue 19).
type Set = HashSet<String, BuildHasherDefault<Fnv>>;

use crate::html::{self, Html};
use crate::Input;

/// Words shorter than this carry little; longer than `MAX_WORD` are summarised.
const MIN_WORD: usize = 3;
const MAX_WORD: usize = 20;
/// Body text looked at (spam puts its pitch first; huge bodies cost time for nothing).
const MAX_TEXT: usize = 64 * 1024;
/// Most tokens per message: the classifier keeps only the most telling anyway.
pub const MAX_TOKENS: usize = 3000;

fn words(text: &str) -> impl Iterator<Item = &str> + '_ {
    text.split(|c: char| !(c.is_alphanumeric() || c == '$' || c == '%' || c == '\'' || c == '-'))
        .map(|w| w.trim_matches(|c| c == '\'' || c == '-'))
        .filter(|w| !w.is_empty())
}

/// `w.to_lowercase()` into `out` (cleared first), without allocating for ASCII words (most
/// words); other words take the full Unicode rules of `str::to_lowercase` (final sigma).
fn lower_into(out: &mut String, w: &str) {
    out.clear();
    if w.is_ascii() {
        out.push_str(w);
        out.make_ascii_lowercase();
    } else {
        out.push_str(&w.to_lowercase());
    }
}

fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// A word (lower case) as a token, written into `out`: short words dropped (`false`), long ones
/// summarised, numbers by digit count.
fn word_token(out: &mut String, w: &str) -> bool {
    use std::fmt::Write as _;
    out.clear();
    let n = if w.is_ascii() {
        w.len()
    } else {
        w.chars().count()
    };
    if w.bytes().all(|b| b.is_ascii_digit()) {
        let _ = write!(out, "num:{}", n.min(12));
        return true;
    }
    if n < MIN_WORD {
        return false;
    }
    if n > MAX_WORD {
        out.push_str("long:");
        out.extend(w.chars().take(3));
        let _ = write!(out, ":{}", n / 10);
        return true;
    }
    out.push_str(w);
    true
}

/// Inserts `key` unless it is there: a token seen again costs no allocation.
fn insert(out: &mut Set, key: &str) {
    if !out.contains(key) {
        out.insert(key.to_string());
    }
}

fn add_text(out: &mut Set, prefix: &str, text: &str, pairs: bool) {
    // One pass over the words with three reused buffers (the word lower-cased, its token and
    // the previous token) and one for the key: only new tokens are allocated (issue 19).
    let mut lower = String::new();
    let mut cur = String::new();
    let mut prev = String::new();
    let mut has_prev = false;
    let mut key = String::with_capacity(64);
    for w in words(truncate(text, MAX_TEXT)) {
        lower_into(&mut lower, w);
        if word_token(&mut cur, &lower) {
            if pairs && has_prev {
                key.clear();
                key.push_str(prefix);
                key.push_str(&prev);
                key.push(' ');
                key.push_str(&cur);
                insert(out, &key);
            }
            key.clear();
            key.push_str(prefix);
            key.push_str(&cur);
            insert(out, &key);
            std::mem::swap(&mut prev, &mut cur);
            has_prev = true;
        } else {
            has_prev = false;
        }
    }
}

/// The host part of a URL, lower case.
fn url_host(url: &str) -> Option<String> {
    let rest = url.split_once("://").map(|(_, r)| r)?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit('@').next()?;
    let host = host.split(':').next()?.trim_matches(['[', ']']);
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

/// The last two labels of a host ("mail.shop.example" → "shop.example").
pub fn base_domain(host: &str) -> &str {
    let mut dots = host.rmatch_indices('.');
    match (dots.next(), dots.next()) {
        (Some(_), Some((i, _))) => &host[i + 1..],
        _ => host,
    }
}

fn add_url(out: &mut Set, url: &str) {
    let Some(host) = url_host(url) else {
        return;
    };
    if host.parse::<std::net::IpAddr>().is_ok() {
        out.insert("url:ip".into());
        return;
    }
    out.insert(format!("url:{}", base_domain(&host)));
    out.insert(format!("url-host:{host}"));
    if url.contains('@')
        && url
            .split_once("://")
            .is_some_and(|(_, r)| r.split('/').next().is_some_and(|a| a.contains('@')))
    {
        out.insert("url:userinfo".into());
    }
}

fn urls(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| c.is_whitespace() || c == '<' || c == '>' || c == '"' || c == '\'')
        .filter(|w| w.starts_with("http://") || w.starts_with("https://"))
}

fn bucket(n: usize) -> usize {
    match n {
        0..=3 => n,
        4..=7 => 5,
        8..=15 => 10,
        _ => 20,
    }
}

fn address_domain(addr: &str) -> Option<String> {
    let a = addr.trim().trim_matches(['<', '>']);
    a.rsplit_once('@')
        .map(|(_, d)| d.trim_end_matches('.').to_ascii_lowercase())
}

/// Header fields whose presence (and absence) is learnt.
const TELLING_HEADERS: &[&str] = &[
    "message-id",
    "date",
    "x-mailer",
    "user-agent",
    "list-unsubscribe",
    "list-id",
    "precedence",
    "x-priority",
    "x-msmail-priority",
    "mime-version",
    "reply-to",
    "in-reply-to",
    "references",
    "organization",
    "x-originating-ip",
    "errors-to",
    "return-path",
    "content-transfer-encoding",
];

fn add_headers(out: &mut Set, input: &Input<'_>) {
    for name in TELLING_HEADERS {
        let present = input.header(name).is_some();
        out.insert(format!("hdr:{name}:{}", if present { "yes" } else { "no" }));
    }
    for from in &input.from {
        if let Some(d) = address_domain(from) {
            out.insert(format!("from:{}", base_domain(&d)));
        }
        if let Some((local, _)) = from.rsplit_once('@') {
            let digits = local.chars().filter(char::is_ascii_digit).count();
            out.insert(format!("from-local-digits:{}", bucket(digits)));
        }
    }
    if let Some(from) = input.header("From") {
        add_text(
            out,
            "from-name:",
            from.split('<').next().unwrap_or(""),
            false,
        );
    }
    if let Some(v) = input
        .header("X-Mailer")
        .or_else(|| input.header("User-Agent"))
    {
        add_text(out, "mailer:", v, false);
    }
    if let Some(ct) = input.header("Content-Type") {
        let lower = ct.to_ascii_lowercase();
        let main = lower.split(';').next().unwrap_or("").trim().to_string();
        out.insert(format!("ct:{main}"));
        if let Some(cs) = lower.split("charset=").nth(1) {
            out.insert(format!(
                "charset:{}",
                cs.trim_matches(['"', ' ', ';'])
                    .split(';')
                    .next()
                    .unwrap_or("")
            ));
        }
    }
    if let Some(mid) = input.header("Message-ID") {
        let domain = mid
            .rsplit_once('@')
            .map(|(_, d)| d.trim_end_matches('>').to_ascii_lowercase());
        out.insert(format!(
            "mid:{}",
            domain.as_deref().map(base_domain).unwrap_or("none")
        ));
    }
    let rcpts: usize = ["To", "Cc"]
        .iter()
        .filter_map(|h| input.header(h))
        .map(|v| v.matches('@').count())
        .sum();
    out.insert(format!("rcpts:{}", bucket(rcpts)));
    // Relays: the hosts and networks the message came through (RFC 5321 §4.4 trace fields).
    let mut hops = 0;
    for received in input.headers_named("Received") {
        hops += 1;
        add_relay_shape(out, received);
        for w in
            received.split(|c: char| c.is_whitespace() || matches!(c, '(' | ')' | '[' | ']' | ';'))
        {
            let w = w.trim_matches(|c: char| !c.is_alphanumeric());
            if let Ok(std::net::IpAddr::V4(ip)) = w.parse::<std::net::IpAddr>() {
                let o = ip.octets();
                out.insert(format!("rcvd-net:{}.{}", o[0], o[1]));
                out.insert(format!("rcvd-net:{}.{}.{}", o[0], o[1], o[2]));
            } else if w.contains('.')
                && !w.contains('@')
                && !w.contains('/')
                && w.chars().any(|c| c.is_ascii_alphabetic())
                && w.len() < 80
            {
                let host = w.to_ascii_lowercase();
                out.insert(format!("rcvd:{}", base_domain(&host)));
            }
        }
    }
    out.insert(format!("hops:{}", bucket(hops)));
}

fn is_dynamic_host(host: &str) -> bool {
    const MARKS: &[&str] = &[
        "dsl", "dial", "ppp", "pool", "dyn", "cable", "client", "dhcp", "modem", "cust",
    ];
    let first = host.split('.').next().unwrap_or("");
    let digits = host.chars().filter(char::is_ascii_digit).count();
    MARKS.iter().any(|m| first.contains(m)) || digits >= 6
}

/// The shape of each relay hop, from a `Received` field's "from HELO (RDNS [IP])" clause
/// (RFC 5321 §4.4): spam comes from hosts without reverse DNS, from dynamic address pools, or
/// says a HELO name that is not its own; mail from a real sender's servers does not.
fn add_relay_shape(out: &mut Set, received: &str) {
    let lower = received.to_ascii_lowercase();
    let Some(rest) = lower.strip_prefix("from ") else {
        return;
    };
    let helo = rest.split_whitespace().next().unwrap_or("");
    let comment = rest
        .split_once('(')
        .and_then(|(_, c)| c.split_once(')'))
        .map(|(c, _)| c)
        .unwrap_or("");
    let rdns = comment
        .split_whitespace()
        .find(|w| !w.starts_with('[') && !w.eq_ignore_ascii_case("helo"))
        .unwrap_or("");
    if helo
        .trim_matches(['[', ']'])
        .parse::<std::net::IpAddr>()
        .is_ok()
    {
        out.insert("relay:helo-ip".into());
    } else if !helo.contains('.') {
        out.insert("relay:helo-nodot".into());
    }
    if comment.contains("unknown") || rdns.is_empty() {
        out.insert("relay:no-rdns".into());
    } else if rdns.contains('.') {
        if is_dynamic_host(rdns) {
            out.insert("relay:dynamic".into());
        }
        let h = helo.trim_matches(['[', ']']);
        if h.contains('.') && base_domain(h) != base_domain(rdns) {
            out.insert("relay:helo-mismatch".into());
        }
    }
}

/// Whether the sender's domain is the same in the places a real organisation's mail agrees on
/// (Return-Path, Message-ID, relays, links) and a spammer's usually does not.
fn add_alignment(out: &mut Set, input: &Input<'_>, url_domains: &BTreeSet<String>) {
    let Some(from) = input.from.first().and_then(|f| address_domain(f)) else {
        out.insert("align:no-from".into());
        return;
    };
    let from = base_domain(&from).to_string();
    let same = |d: Option<String>| match d {
        Some(d) if base_domain(&d) == from => "same",
        Some(_) => "other",
        None => "none",
    };
    let rp = input.header("Return-Path").and_then(address_domain);
    out.insert(format!("align:return-path:{}", same(rp)));
    let mid = input.header("Message-ID").and_then(|m| {
        m.rsplit_once('@')
            .map(|(_, d)| d.trim_end_matches('>').to_ascii_lowercase())
    });
    out.insert(format!("align:mid:{}", same(mid)));
    let in_relays = input
        .headers_named("Received")
        .any(|r| r.to_ascii_lowercase().contains(from.as_str()));
    out.insert(format!(
        "align:relays:{}",
        if in_relays { "yes" } else { "no" }
    ));
    if !url_domains.is_empty() {
        let ours = url_domains.iter().filter(|d| **d == from).count();
        out.insert(format!(
            "align:urls:{}",
            match ours {
                0 => "none",
                n if n == url_domains.len() => "all",
                _ => "some",
            }
        ));
    }
}

/// Token kinds left out of the model: they tell a corpus's age, not spam from ham — the
/// message's structure (HTML or not, content type, tag and image counts: in 2002 legitimate
/// mail was plain text, today it is HTML), which header fields are present, charsets, mailer
/// names, relay hosts and networks, hop counts and Message-ID domains. A model trained on the
/// public 2002 corpus filed modern receipts and security notices as spam on these alone
/// (issue 15: measured in plugins/spam/README.md).
pub const DATED: &[&str] = &[
    "html:",
    "ct:",
    "body:",
    "hops:",
    "hdr:",
    "charset:",
    "mailer:",
    "rcvd:",
    "rcvd-net:",
    "mid:",
];

/// The message's tokens, each once, at most `MAX_TOKENS` (sorted, so the cut is stable).
pub fn tokens(input: &Input<'_>) -> Vec<String> {
    tokens_with(input, None)
}

/// [`tokens`], given `html::parse` of the whole HTML body when the caller has it (the rules
/// read it too: one parse per message, issue 19).
pub fn tokens_with(input: &Input<'_>, parsed_html: Option<&Html>) -> Vec<String> {
    let mut out = all_tokens_with(input, parsed_html);
    out.retain(|t| !DATED.iter().any(|p| t.starts_with(p)));
    out.truncate(MAX_TOKENS);
    out
}

/// Every token, dated kinds included (for experiments: `examples/eval.rs`).
pub fn all_tokens(input: &Input<'_>) -> Vec<String> {
    all_tokens_with(input, None)
}

/// [`all_tokens`], given `html::parse` of the whole HTML body (see [`tokens_with`]).
pub fn all_tokens_with(input: &Input<'_>, parsed_html: Option<&Html>) -> Vec<String> {
    let mut out = Set::with_capacity_and_hasher(512, Default::default());
    add_text(&mut out, "s:", input.subject, true);
    let letters: Vec<char> = input
        .subject
        .chars()
        .filter(|c| c.is_alphabetic())
        .collect();
    if letters.len() >= 8 && letters.iter().all(|c| c.is_uppercase()) {
        out.insert("s:ALLCAPS".into());
    }
    if let Some(text) = input.text {
        add_text(&mut out, "", text, true);
        for u in urls(truncate(text, MAX_TEXT)) {
            add_url(&mut out, u);
        }
    }
    if let Some(h) = input.html {
        // Only the first MAX_TEXT * 4 bytes of HTML are read: the caller's parse of the whole
        // body is the same thing when the body is no longer.
        let own;
        let parsed = match parsed_html {
            Some(p) if h.len() <= MAX_TEXT * 4 => p,
            _ => {
                own = html::parse(truncate(h, MAX_TEXT * 4));
                &own
            }
        };
        if input.text.is_none() {
            add_text(&mut out, "", &parsed.text, true);
        }
        out.insert(format!("html:tags:{}", bucket(parsed.tags / 10)));
        for l in &parsed.links {
            add_url(&mut out, &l.href);
        }
        for (src, w, h) in &parsed.images {
            add_url(&mut out, src);
            if matches!((w, h), (Some(0..=2), Some(0..=2))) {
                out.insert("html:pixel".into());
            }
        }
        out.insert(format!("html:imgs:{}", bucket(parsed.images.len())));
    }
    out.insert(format!(
        "body:{}",
        match (input.text.is_some(), input.html.is_some()) {
            (true, true) => "both",
            (true, false) => "text",
            (false, true) => "html",
            (false, false) => "none",
        }
    ));
    for (name, ct) in &input.attachments {
        out.insert(format!("att:{}", ct.to_ascii_lowercase()));
        if let Some(ext) = name
            .and_then(|n| n.rsplit_once('.'))
            .map(|(_, e)| e.to_ascii_lowercase())
        {
            out.insert(format!("att-ext:{ext}"));
        }
    }
    add_headers(&mut out, input);
    let url_domains: BTreeSet<String> = out
        .iter()
        .filter_map(|t| t.strip_prefix("url:"))
        .filter(|d| d.contains('.'))
        .map(String::from)
        .collect();
    add_alignment(&mut out, input, &url_domains);
    let mut sorted: Vec<String> = out.into_iter().collect();
    sorted.sort_unstable();
    sorted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_of_a_message() {
        let input = Input {
            headers: vec![
                ("From", "Shop <deals123@mail.shop.example>"),
                (
                    "Received",
                    "from relay.bulk.example (relay.bulk.example [203.0.113.9]) by mx",
                ),
            ],
            subject: "FREE MONEY NOW!!!",
            from: vec!["deals123@mail.shop.example"],
            text: Some("Click https://x.shop.example/buy to get 100 dollars, it's free"),
            ..Input::default()
        };
        let t = all_tokens(&input);
        let kept = tokens(&input);
        assert!(kept.iter().all(|k| !DATED.iter().any(|d| k.starts_with(d))));
        assert!(kept.iter().any(|k| k == "s:free money"));
        for want in [
            "s:free",
            "s:free money",
            "s:ALLCAPS",
            "click",
            "get",
            "num:3",
            "dollars",
            "it's",
            "url:shop.example",
            "from:shop.example",
            "from-local-digits:3",
            "rcvd:bulk.example",
            "rcvd-net:203.0",
            "hdr:date:no",
            "body:text",
            "hops:1",
        ] {
            assert!(t.iter().any(|x| x == want), "missing {want} in {t:?}");
        }
        assert!(!t.iter().any(|x| x == "to"), "short words are dropped");
    }

    #[test]
    fn base_domains_and_hosts() {
        assert_eq!(base_domain("a.b.shop.example"), "shop.example");
        assert_eq!(base_domain("example"), "example");
        assert_eq!(
            url_host("https://user@Host.Example:8080/x").as_deref(),
            Some("host.example")
        );
        assert_eq!(url_host("mailto:x"), None);
    }
}
