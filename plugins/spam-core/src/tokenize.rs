//! Turns a message into the set of tokens the classifier counts: words and word pairs of the
//! subject and body (HTML turned into text), URL hosts, and header facts (sender, relays,
//! mailer, structure). Tokens are prefixed by where they come from, so "free" in the subject
//! and "free" in the body are learnt separately.

use std::collections::BTreeSet;

/// The tokens of a message while they are collected (sorted once at the end): an
/// open-addressing set over the tokens' strings, so that a token already there is found with
/// one hash of the key being built and costs no allocation (`HashSet` hashed it twice, for
/// `contains` and `insert`), issue 19. Hashing eight bytes at a time needs no defence against
/// chosen collisions: a message has at most a few thousand distinct tokens and the set only
/// de-duplicates (its order is not kept: the tokens are sorted at the end).
struct Set {
    /// Index + 1 into `items` (0: empty), a power of two long, at most half full.
    slots: Vec<u32>,
    items: Vec<String>,
    /// The hash of each item, to grow without hashing again.
    hashes: Vec<u64>,
}

const K: u64 = 0x9e37_79b9_7f4a_7c15;

fn hash(key: &[u8]) -> u64 {
    let mut h = key.len() as u64;
    let mut chunks = key.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(K);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        // The tail in at most three loads (4, 2 and 1 bytes) rather than a loop per byte: a
        // copy of a variable length would be a call to memcpy (issue 19).
        let mut w = 0u64;
        let mut at = 0;
        if let Some(c) = rest.get(at..at + 4) {
            w = u64::from(u32::from_le_bytes([c[0], c[1], c[2], c[3]]));
            at += 4;
        }
        if let Some(c) = rest.get(at..at + 2) {
            w |= u64::from(u16::from_le_bytes([c[0], c[1]])) << (8 * at);
            at += 2;
        }
        if let Some(c) = rest.get(at) {
            w |= u64::from(*c) << (8 * at);
        }
        h = (h.rotate_left(5) ^ w).wrapping_mul(K);
    }
    h ^ (h >> 29)
}

/// `a == b`, eight bytes at a time: a token found again is compared with the one in the set,
/// and in the plugin's WebAssembly a call to `memcmp` compares byte by byte (issue 19).
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let (mut x, mut y) = (a.chunks_exact(8), b.chunks_exact(8));
    for (p, q) in (&mut x).zip(&mut y) {
        let p = u64::from_le_bytes([p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7]]);
        let q = u64::from_le_bytes([q[0], q[1], q[2], q[3], q[4], q[5], q[6], q[7]]);
        if p != q {
            return false;
        }
    }
    x.remainder().iter().zip(y.remainder()).all(|(p, q)| p == q)
}

impl Set {
    fn with_capacity(n: usize) -> Set {
        let slots = (n * 2).next_power_of_two().max(16);
        Set {
            slots: vec![0; slots],
            items: Vec::with_capacity(n),
            hashes: Vec::with_capacity(n),
        }
    }

    fn slot_of(&self, h: u64) -> usize {
        (h.wrapping_mul(K) >> 32) as usize & (self.slots.len() - 1)
    }

    /// Inserts `key` unless it is there; whether it was new.
    fn insert(&mut self, key: &str) -> bool {
        let h = hash(key.as_bytes());
        let mask = self.slots.len() - 1;
        let mut at = self.slot_of(h);
        loop {
            match self.slots[at] {
                0 => break,
                i => {
                    let i = i as usize - 1;
                    if self.hashes[i] == h && same_bytes(self.items[i].as_bytes(), key.as_bytes()) {
                        return false;
                    }
                }
            }
            at = (at + 1) & mask;
        }
        self.items.push(key.to_string());
        self.hashes.push(h);
        self.slots[at] = self.items.len() as u32;
        if self.items.len() * 2 > self.slots.len() {
            self.grow();
        }
        true
    }

    fn grow(&mut self) {
        self.slots = vec![0; self.slots.len() * 2];
        let mask = self.slots.len() - 1;
        for (i, h) in self.hashes.iter().enumerate() {
            let mut at = self.slot_of(*h);
            while self.slots[at] != 0 {
                at = (at + 1) & mask;
            }
            self.slots[at] = i as u32 + 1;
        }
    }

    fn iter(&self) -> impl Iterator<Item = &String> {
        self.items.iter()
    }

    fn into_items(self) -> Vec<String> {
        self.items
    }
}

/// Inserts the concatenation of `parts`, built in `key` (a reused buffer).
fn insert_parts(out: &mut Set, key: &mut String, parts: &[&str]) {
    key.clear();
    for p in parts {
        key.push_str(p);
    }
    out.insert(key);
}

use crate::html::{self, Html};
use crate::Input;

/// Words shorter than this carry little; longer than `MAX_WORD` are summarised.
const MIN_WORD: usize = 3;
const MAX_WORD: usize = 20;
/// Body text looked at (spam puts its pitch first; huge bodies cost time for nothing).
const MAX_TEXT: usize = 64 * 1024;
/// Most tokens per message: the classifier keeps only the most telling anyway.
pub const MAX_TOKENS: usize = 3000;

/// What a word is made of (the rest separates words).
fn word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '$' || c == '%' || c == '\'' || c == '-'
}

/// ASCII bytes that are word characters (as [`word_char`] says of them): one table look-up per
/// byte instead of a chain of range tests (issue 19).
static ASCII_WORD: [bool; 128] = {
    let mut t = [false; 128];
    let mut c = 0;
    while c < 128 {
        let b = c as u8;
        t[c] = b.is_ascii_alphanumeric() || matches!(b, b'$' | b'%' | b'\'' | b'-');
        c += 1;
    }
    t
};

/// The words of `text`: runs of [`word_char`], trimmed of `'` and `-`, not empty, each with
/// whether it is all ASCII. One pass over the bytes, decoding only non-ASCII characters
/// (issue 19); the same words as `text.split(|c| !word_char(c))` trimmed.
fn for_each_word(text: &str, mut f: impl FnMut(&str, bool)) {
    let b = text.as_bytes();
    let mut emit = |from: usize, to: usize, ascii: bool| {
        // `w.trim_matches(['\'', '-'])` on bytes (both are ASCII).
        let w = &b[from..to];
        let edge = |c: &u8| *c != b'\'' && *c != b'-';
        let (Some(s), Some(e)) = (w.iter().position(edge), w.iter().rposition(edge)) else {
            return;
        };
        if let Some(w) = text.get(from + s..=from + e) {
            f(w, ascii);
        }
    };
    let mut start = 0;
    let mut ascii = true;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c < 0x80 {
            if !ASCII_WORD[c as usize] {
                if start < i {
                    emit(start, i, ascii);
                }
                start = i + 1;
                ascii = true;
            }
            i += 1;
            continue;
        }
        let (word, len) = match text.get(i..).and_then(|r| r.chars().next()) {
            Some(ch) => (word_char(ch), ch.len_utf8()),
            None => (false, 1),
        };
        if word {
            ascii = false;
        } else {
            if start < i {
                emit(start, i, ascii);
            }
            start = i + len;
            ascii = true;
        }
        i += len;
    }
    if start < b.len() {
        emit(start, b.len(), ascii);
    }
}

/// Appends `n` in decimal.
fn push_num(out: &mut String, n: usize) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    let mut n = n;
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for d in &digits[i..] {
        out.push(*d as char);
    }
}

/// `w.to_lowercase()` into `out` (cleared first), without allocating (see [`push_lower`]).
fn lower_into(out: &mut String, w: &str) {
    out.clear();
    push_lower(out, w);
}

/// Appends `s.to_lowercase()` to `out` without a temporary `String`: runs of ASCII copied and
/// lowered in place, other characters one by one (issue 19, round 5). `str::to_lowercase`
/// goes character by character from the first non-ASCII one to the end, so one `·` or `é`
/// early in a text made the whole rest slow. Its only rule beyond `char::to_lowercase` is the
/// final sigma (`Σ` lowers by its neighbours): a text with a `Σ` is lowered by it as a whole.
pub(crate) fn push_lower(out: &mut String, s: &str) {
    if s.is_ascii() {
        let mark = out.len();
        out.push_str(s);
        if let Some(t) = out.get_mut(mark..) {
            t.make_ascii_lowercase();
        }
        return;
    }
    if s.contains('Σ') {
        out.push_str(&s.to_lowercase());
        return;
    }
    let mut rest = s;
    loop {
        let run = rest
            .bytes()
            .position(|b| !b.is_ascii())
            .unwrap_or(rest.len());
        let (ascii, tail) = rest.split_at(run);
        let mark = out.len();
        out.push_str(ascii);
        if let Some(t) = out.get_mut(mark..) {
            t.make_ascii_lowercase();
        }
        let mut chars = tail.chars();
        match chars.next() {
            Some(c) => out.extend(c.to_lowercase()),
            None => return,
        }
        rest = chars.as_str();
    }
}

/// [`push_lower`] into bytes (the rules' text, made a `String` once at the end): ASCII runs are
/// lowered eight bytes per step (issue 19, round 6: WebAssembly without SIMD lowers byte by
/// byte, some seven operations each).
pub(crate) fn push_lower_bytes(out: &mut Vec<u8>, s: &str) {
    if s.is_ascii() {
        push_lower_ascii(out, s.as_bytes());
        return;
    }
    if s.contains('Σ') {
        out.extend_from_slice(s.to_lowercase().as_bytes());
        return;
    }
    let mut rest = s;
    loop {
        let run = rest
            .bytes()
            .position(|b| !b.is_ascii())
            .unwrap_or(rest.len());
        let (ascii, tail) = rest.split_at(run);
        push_lower_ascii(out, ascii.as_bytes());
        let mut chars = tail.chars();
        match chars.next() {
            Some(c) => {
                let mut buf = [0u8; 4];
                for l in c.to_lowercase() {
                    out.extend_from_slice(l.encode_utf8(&mut buf).as_bytes());
                }
            }
            None => return,
        }
        rest = chars.as_str();
    }
}

/// Appends ASCII bytes lower-cased, eight per step: a byte is in `A..=Z` when adding 0x3f sets
/// its top bit and adding 0x25 does not (no byte above 0x7f, so no carry between bytes).
fn push_lower_ascii(out: &mut Vec<u8>, s: &[u8]) {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut chunks = s.chunks_exact(8);
    for c in &mut chunks {
        let x = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        let upper =
            x.wrapping_add(0x3f3f_3f3f_3f3f_3f3f) & !x.wrapping_add(0x2525_2525_2525_2525) & HIGH;
        out.extend_from_slice(&(x | upper >> 2).to_le_bytes());
    }
    out.extend(chunks.remainder().iter().map(u8::to_ascii_lowercase));
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

/// A word (lower case) as a token, appended to `out`: short words dropped (`false`, `out`
/// unchanged or to be cut back by the caller), long ones summarised, numbers by digit count.
fn word_token(out: &mut String, w: &str) -> bool {
    let n = if w.is_ascii() {
        w.len()
    } else {
        w.chars().count()
    };
    if w.bytes().all(|b| b.is_ascii_digit()) {
        out.push_str("num:");
        push_num(out, n.min(12));
        return true;
    }
    if n < MIN_WORD {
        return false;
    }
    if n > MAX_WORD {
        out.push_str("long:");
        out.extend(w.chars().take(3));
        out.push(':');
        push_num(out, n / 10);
        return true;
    }
    out.push_str(w);
    true
}

/// [`word_token`] of an ASCII word not yet lower-cased: the same token, lower-cased as it is
/// appended (no second buffer, issue 19).
fn ascii_word_token(out: &mut String, w: &str) -> bool {
    let n = w.len();
    if w.bytes().all(|b| b.is_ascii_digit()) {
        out.push_str("num:");
        push_num(out, n.min(12));
        return true;
    }
    if n < MIN_WORD {
        return false;
    }
    let mark = out.len();
    if n > MAX_WORD {
        out.push_str("long:");
        out.push_str(w.get(..3).unwrap_or(""));
        lower_from(out, mark);
        out.push(':');
        push_num(out, n / 10);
        return true;
    }
    out.push_str(w);
    lower_from(out, mark);
    true
}

/// Lower-cases (ASCII) what `out` holds from byte `mark` on.
fn lower_from(out: &mut str, mark: usize) {
    if let Some(t) = out.get_mut(mark..) {
        t.make_ascii_lowercase();
    }
}

fn add_text(out: &mut Set, prefix: &str, text: &str, pairs: bool) {
    // One pass over the words. `pair` holds `prefix`, the previous token, a space and the
    // current token, written in place: the pair's key is the whole buffer and, without a
    // prefix, the token's key is its end, so a word costs one copy and two hashes; moving on
    // drops the previous token from the front (issue 19). Only new tokens are allocated.
    let mut lower = String::new();
    let mut pair = String::with_capacity(64);
    pair.push_str(prefix);
    let mut has_prev = false;
    let mut key = String::with_capacity(64);
    for_each_word(truncate(text, MAX_TEXT), |w, ascii| {
        let mark = pair.len();
        let token = if ascii {
            ascii_word_token(&mut pair, w)
        } else {
            lower_into(&mut lower, w);
            word_token(&mut pair, &lower)
        };
        if !token {
            pair.truncate(prefix.len());
            has_prev = false;
            return;
        }
        // A pair seen before was followed by its token's insertion then: only a new pair (or
        // none) needs the token inserted. No other kind of token holds a space after the
        // prefix, so the pair's key was made here (issue 19, round 6: a third fewer look-ups
        // on a newsletter).
        let new_pair = !(pairs && has_prev) || out.insert(&pair);
        let cur = pair.get(mark..).unwrap_or("");
        if !new_pair {
        } else if prefix.is_empty() {
            out.insert(cur);
        } else {
            insert_parts(out, &mut key, &[prefix, cur]);
        }
        // Now `prefix`, this token and a space: the head of the next pair.
        pair.replace_range(prefix.len()..mark, "");
        pair.push(' ');
        has_prev = true;
    });
}

/// The host part of a URL, as written (see [`url_host`]).
fn url_host_raw(url: &str) -> Option<&str> {
    let host = authority_host(after_scheme(url)?).trim_matches(['[', ']']);
    (!host.is_empty()).then_some(host)
}

/// What follows the first `://` of a URL (`url.split_once("://")`'s second part, without
/// setting up a substring searcher per URL, issue 19).
pub(crate) fn after_scheme(url: &str) -> Option<&str> {
    let b = url.as_bytes();
    let mut from = 0;
    while let Some(p) = b.get(from..)?.iter().position(|&c| c == b':') {
        let at = from + p;
        if b.get(at + 1..at + 3) == Some(b"//") {
            return url.get(at + 3..);
        }
        from = at + 1;
    }
    None
}

/// The host of what follows a URL's `://`: the authority (up to `/`, `?` or `#`), after its
/// last `@`, before its first `:`. All separators are ASCII: byte positions are characters'.
pub(crate) fn authority_host(rest: &str) -> &str {
    // One pass: the authority's end, its last `@` and the first `:` after that (issue 19).
    let mut start = 0;
    let mut colon = None;
    let mut end = rest.len();
    for (i, &c) in rest.as_bytes().iter().enumerate() {
        match c {
            b'/' | b'?' | b'#' => {
                end = i;
                break;
            }
            b'@' => {
                start = i + 1;
                colon = None;
            }
            b':' if colon.is_none() => colon = Some(i),
            _ => {}
        }
    }
    rest.get(start..colon.unwrap_or(end)).unwrap_or("")
}

/// The host part of a URL, lower case.
#[cfg(test)]
fn url_host(url: &str) -> Option<String> {
    url_host_raw(url).map(str::to_ascii_lowercase)
}

/// Whether `host` (lower case) is an IP address: only strings of hex digits, dots and colons
/// can be one, and the parse is tried on those alone (issue 19).
pub(crate) fn is_ip(host: &str) -> bool {
    host.bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'a'..=b'f' | b'.' | b':'))
        && host.parse::<std::net::IpAddr>().is_ok()
}

/// The last two labels of a host ("mail.shop.example" → "shop.example").
pub fn base_domain(host: &str) -> &str {
    let mut dots = host.rmatch_indices('.');
    match (dots.next(), dots.next()) {
        (Some(_), Some((i, _))) => &host[i + 1..],
        _ => host,
    }
}

/// The tokens of a URL: `url:` its host's base domain and `url-host:` the host, `url:ip` for an
/// address, `url:userinfo` for one with a user part. Built in `buf`, a reused buffer: a link
/// seen before costs no allocation (issue 19).
fn add_url(out: &mut Set, buf: &mut (String, String, String), url: &str) {
    let Some(raw) = url_host_raw(url) else {
        return;
    };
    let (host, key, last) = buf;
    // The same host as the link before (a newsletter's links are mostly on one or two hosts):
    // its tokens are in the set already; only a user part could add one (issue 19).
    if raw == last.as_str() && !url.contains('@') {
        return;
    }
    last.clear();
    last.push_str(raw);
    host.clear();
    host.push_str(raw);
    host.make_ascii_lowercase();
    if is_ip(host) {
        out.insert("url:ip");
        return;
    }
    insert_parts(out, key, &["url:", base_domain(host)]);
    insert_parts(out, key, &["url-host:", host]);
    if url.contains('@')
        && url
            .split_once("://")
            .is_some_and(|(_, r)| r.split('/').next().is_some_and(|a| a.contains('@')))
    {
        out.insert("url:userinfo");
    }
}

fn urls(text: &str) -> impl Iterator<Item = &str> {
    http_words(text, |c| {
        c.is_whitespace() || c == '<' || c == '>' || c == '"' || c == '\''
    })
}

/// The pieces of `text` split at `sep` that start with `http://` or `https://`, in order: the
/// same as `text.split(sep).filter(…)`, found from the occurrences of "http" instead of
/// visiting every character (issue 19).
pub(crate) fn http_words(text: &str, sep: fn(char) -> bool) -> impl Iterator<Item = &str> {
    http_words_at(text, text.match_indices("http").map(|(i, _)| i), sep)
}

/// [`http_words`] given the byte offsets of every "http" in `text`, in order (the rules find
/// them in their pass over the text, issue 19 round 6).
pub(crate) fn http_words_at<'a>(
    text: &'a str,
    at: impl Iterator<Item = usize> + 'a,
    sep: fn(char) -> bool,
) -> impl Iterator<Item = &'a str> + 'a {
    at.filter_map(move |i| {
        let head = text.get(..i)?;
        if head.chars().next_back().is_some_and(|c| !sep(c)) {
            return None;
        }
        let rest = text.get(i..)?;
        let end = rest.find(sep).unwrap_or(rest.len());
        let w = rest.get(..end)?;
        (w.starts_with("http://") || w.starts_with("https://")).then_some(w)
    })
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

/// The header tokens; the [`DATED`] kinds only when `dated`.
fn add_headers(out: &mut Set, input: &Input<'_>, dated: bool) {
    let mut key = String::with_capacity(64);
    for name in TELLING_HEADERS.iter().filter(|_| dated) {
        let present = input.header(name).is_some();
        insert_parts(
            out,
            &mut key,
            &["hdr:", name, if present { ":yes" } else { ":no" }],
        );
    }
    for from in &input.from {
        if let Some(d) = address_domain(from) {
            out.insert(&format!("from:{}", base_domain(&d)));
        }
        if let Some((local, _)) = from.rsplit_once('@') {
            let digits = local.chars().filter(char::is_ascii_digit).count();
            out.insert(&format!("from-local-digits:{}", bucket(digits)));
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
    if !dated {
        // The rest are dated kinds but for the recipients' count and the relays' shapes.
        add_rcpts(out, input);
        for received in input.headers_named("Received") {
            add_relay_shape(out, received);
        }
        return;
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
        out.insert(&format!("ct:{main}"));
        if let Some(cs) = lower.split("charset=").nth(1) {
            out.insert(&format!(
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
        out.insert(&format!(
            "mid:{}",
            domain.as_deref().map(base_domain).unwrap_or("none")
        ));
    }
    add_rcpts(out, input);
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
                out.insert(&format!("rcvd-net:{}.{}", o[0], o[1]));
                out.insert(&format!("rcvd-net:{}.{}.{}", o[0], o[1], o[2]));
            } else if w.contains('.')
                && !w.contains('@')
                && !w.contains('/')
                && w.chars().any(|c| c.is_ascii_alphabetic())
                && w.len() < 80
            {
                let host = w.to_ascii_lowercase();
                out.insert(&format!("rcvd:{}", base_domain(&host)));
            }
        }
    }
    out.insert(&format!("hops:{}", bucket(hops)));
}

fn add_rcpts(out: &mut Set, input: &Input<'_>) {
    let rcpts: usize = ["To", "Cc"]
        .iter()
        .filter_map(|h| input.header(h))
        .map(|v| v.matches('@').count())
        .sum();
    out.insert(&format!("rcpts:{}", bucket(rcpts)));
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
        out.insert("relay:helo-ip");
    } else if !helo.contains('.') {
        out.insert("relay:helo-nodot");
    }
    if comment.contains("unknown") || rdns.is_empty() {
        out.insert("relay:no-rdns");
    } else if rdns.contains('.') {
        if is_dynamic_host(rdns) {
            out.insert("relay:dynamic");
        }
        let h = helo.trim_matches(['[', ']']);
        if h.contains('.') && base_domain(h) != base_domain(rdns) {
            out.insert("relay:helo-mismatch");
        }
    }
}

/// Whether the sender's domain is the same in the places a real organisation's mail agrees on
/// (Return-Path, Message-ID, relays, links) and a spammer's usually does not.
fn add_alignment(out: &mut Set, input: &Input<'_>, url_domains: &BTreeSet<String>) {
    let Some(from) = input.from.first().and_then(|f| address_domain(f)) else {
        out.insert("align:no-from");
        return;
    };
    let from = base_domain(&from).to_string();
    let same = |d: Option<String>| match d {
        Some(d) if base_domain(&d) == from => "same",
        Some(_) => "other",
        None => "none",
    };
    let rp = input.header("Return-Path").and_then(address_domain);
    out.insert(&format!("align:return-path:{}", same(rp)));
    let mid = input.header("Message-ID").and_then(|m| {
        m.rsplit_once('@')
            .map(|(_, d)| d.trim_end_matches('>').to_ascii_lowercase())
    });
    out.insert(&format!("align:mid:{}", same(mid)));
    let in_relays = input
        .headers_named("Received")
        .any(|r| r.to_ascii_lowercase().contains(from.as_str()));
    out.insert(&format!(
        "align:relays:{}",
        if in_relays { "yes" } else { "no" }
    ));
    if !url_domains.is_empty() {
        let ours = url_domains.iter().filter(|d| **d == from).count();
        out.insert(&format!(
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
    // The dated kinds are not made at all (issue 19): `collect` without them makes no token
    // starting with a [`DATED`] prefix (checked on every robustness input by
    // `tests/robustness.rs`), so the filter that
    // was here (~2% of the filter's instructions on text-heavy mail) is left out (round 6).
    let out = collect(input, parsed_html, false, MAX_TOKENS);
    debug_assert!(!out.iter().any(|t| is_dated(t)));
    out
}

/// Whether `token` is of a [`DATED`] kind.
pub fn is_dated(token: &str) -> bool {
    DATED.iter().any(|p| token.starts_with(p))
}

/// Every token, dated kinds included (for experiments: `examples/eval.rs`).
pub fn all_tokens(input: &Input<'_>) -> Vec<String> {
    all_tokens_with(input, None)
}

/// [`all_tokens`], given `html::parse` of the whole HTML body (see [`tokens_with`]).
pub fn all_tokens_with(input: &Input<'_>, parsed_html: Option<&Html>) -> Vec<String> {
    collect(input, parsed_html, true, usize::MAX)
}

/// The first `limit` tokens in sorted order; the [`DATED`] kinds only when `dated`.
fn collect(
    input: &Input<'_>,
    parsed_html: Option<&Html>,
    dated: bool,
    limit: usize,
) -> Vec<String> {
    let mut out = Set::with_capacity(512);
    add_text(&mut out, "s:", input.subject, true);
    let letters: Vec<char> = input
        .subject
        .chars()
        .filter(|c| c.is_alphabetic())
        .collect();
    if letters.len() >= 8 && letters.iter().all(|c| c.is_uppercase()) {
        out.insert("s:ALLCAPS");
    }
    if let Some(text) = input.text {
        add_text(&mut out, "", text, true);
        let mut buf = (String::new(), String::new(), String::new());
        for u in urls(truncate(text, MAX_TEXT)) {
            add_url(&mut out, &mut buf, u);
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
        let mut buf = (String::new(), String::new(), String::new());
        if dated {
            out.insert(&format!("html:tags:{}", bucket(parsed.tags / 10)));
        }
        for l in &parsed.links {
            add_url(&mut out, &mut buf, &l.href);
        }
        for (src, w, h) in &parsed.images {
            add_url(&mut out, &mut buf, src);
            if dated && matches!((w, h), (Some(0..=2), Some(0..=2))) {
                out.insert("html:pixel");
            }
        }
        if dated {
            out.insert(&format!("html:imgs:{}", bucket(parsed.images.len())));
        }
    }
    if dated {
        out.insert(&format!(
            "body:{}",
            match (input.text.is_some(), input.html.is_some()) {
                (true, true) => "both",
                (true, false) => "text",
                (false, true) => "html",
                (false, false) => "none",
            }
        ));
    }
    for (name, ct) in &input.attachments {
        out.insert(&format!("att:{}", ct.to_ascii_lowercase()));
        if let Some(ext) = name
            .and_then(|n| n.rsplit_once('.'))
            .map(|(_, e)| e.to_ascii_lowercase())
        {
            out.insert(&format!("att-ext:{ext}"));
        }
    }
    add_headers(&mut out, input, dated);
    let url_domains: BTreeSet<String> = out
        .iter()
        .filter_map(|t| t.strip_prefix("url:"))
        .filter(|d| d.contains('.'))
        .map(String::from)
        .collect();
    add_alignment(&mut out, input, &url_domains);
    let mut items = out.into_items();
    // Sorted on the first eight bytes (big-endian, zero-padded: the same order as the strings')
    // with the index, and only ties compared in full: most comparisons are one integer compare
    // instead of a call to compare two strings, and the sort moves 16-byte pairs (issue 19).
    let mut order: Vec<(u64, u32)> = items
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let mut p = [0u8; 8];
            for (d, s) in p.iter_mut().zip(t.as_bytes()) {
                *d = *s;
            }
            (u64::from_be_bytes(p), i as u32)
        })
        .collect();
    let by_text = |a: &(u64, u32), b: &(u64, u32)| {
        a.0.cmp(&b.0)
            .then_with(|| items[a.1 as usize].cmp(&items[b.1 as usize]))
    };
    // Past the limit only the first `limit` in order are kept: selected first (linear), then
    // only they are sorted. The order is total (the tokens are distinct), so the result is
    // the full sort's first `limit` (issue 19: a long text makes ~10,000 tokens, 3,000 kept).
    if order.len() > limit {
        order.select_nth_unstable_by(limit, by_text);
        order.truncate(limit);
    }
    order.sort_unstable_by(by_text);
    order
        .into_iter()
        .map(|(_, i)| std::mem::take(&mut items[i as usize]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A long text makes more tokens than are kept: the first `MAX_TOKENS` picked by selection
    /// are the full sort's first `MAX_TOKENS`, in the same order, including words that share
    /// their first eight bytes (ordered by the rest) and pairs.
    #[test]
    fn the_kept_tokens_are_the_first_of_the_full_sort() {
        let mut text = String::new();
        let mut x: u32 = 12345;
        for i in 0..6000 {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            let word = match i % 3 {
                0 => format!("sameprefix{}", x % 5000),
                1 => format!("w{}", x % 7919),
                _ => format!("{}z", x % 977),
            };
            text.push_str(&word);
            text.push(' ');
        }
        let input = Input {
            subject: "a long one",
            text: Some(&text),
            ..Input::default()
        };
        let all = all_tokens(&input);
        assert!(all.len() > 3 * MAX_TOKENS, "{} tokens", all.len());
        let mut want: Vec<String> = all.into_iter().filter(|t| !is_dated(t)).collect();
        want.truncate(MAX_TOKENS);
        assert_eq!(tokens(&input), want);
    }

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
    fn push_lower_is_to_lowercase() {
        for s in [
            "",
            "Hello World",
            "ÁRBOL · Ñandú",
            "ΟΔΟΣ ΟΔΟΣ. Σ",
            "aΣb",
            "İstanbul",
            "ǅungla ẞ Ⅻ Ω",
            "mixed ascii → ÜBER 123 ǈ",
            "日本語のテキスト ABC",
        ] {
            let mut out = String::from("x");
            push_lower(&mut out, s);
            assert_eq!(out, format!("x{}", s.to_lowercase()), "{s}");
        }
    }

    #[test]
    fn push_lower_bytes_is_push_lower() {
        let every_ascii: String = (0u8..128).map(char::from).collect();
        for s in [
            "",
            "Hello World",
            "ABCDEFGHIJKLMNOPQRSTUVWXYZ@[`{ azAZ09",
            every_ascii.as_str(),
            "ÁRBOL · Ñandú and MORE ASCII TEXT HERE",
            "ΟΔΟΣ ΟΔΟΣ. Σ",
            "İstanbul",
            "ǅungla ẞ Ⅻ Ω",
            "日本語のテキスト ABCDEFGHIJKLMNOP",
        ] {
            let mut want = String::from("x");
            push_lower(&mut want, s);
            let mut got = b"x".to_vec();
            push_lower_bytes(&mut got, s);
            assert_eq!(got, want.as_bytes(), "{s}");
        }
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
