//! Text normalisation and phrase matching.
//!
//! Text is compared in one normal form: lower case, Latin diacritics folded (`envío` → `envio`,
//! `contraseña` → `contrasena`), every other non-alphanumeric character a word break. Phrases are
//! sequences of such words, matched on word boundaries, so `sale` does not match `wholesale` and
//! `free shipping` matches `FREE  Shipping!`.
//!
//! Matching walks the words of a text once and looks each up by its first word in a hash table of
//! phrases: O(words), and the table is built in one linear pass. (A plugin instance lives for one
//! message, so anything built per instance is paid per message: no sorting, no regexes.)

/// Folds one lower-case character: Latin letters with diacritics to their base letter.
fn fold(c: char) -> char {
    match c {
        'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' => 'a',
        'é' | 'è' | 'ê' | 'ë' => 'e',
        'í' | 'ì' | 'î' | 'ï' => 'i',
        'ó' | 'ò' | 'ô' | 'ö' | 'õ' => 'o',
        'ú' | 'ù' | 'û' | 'ü' => 'u',
        'ñ' => 'n',
        'ç' => 'c',
        _ => c,
    }
}

/// An ASCII byte in normal form: letters lower-cased, digits kept, anything else 0 (a break).
static ASCII_NORMAL: [u8; 128] = {
    let mut t = [0u8; 128];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        if c.is_ascii_alphanumeric() {
            t[b] = c.to_ascii_lowercase();
        }
        b += 1;
    }
    t
};

/// [`ASCII_NORMAL`] over every byte, for [`Lexicon::find_in`]: a byte that is not ASCII is
/// [`NOT_ASCII`] (a character to decode).
static WORD_BYTE: [u8; 256] = {
    let mut t = [NOT_ASCII; 256];
    let mut b = 0;
    while b < 128 {
        t[b] = ASCII_NORMAL[b];
        b += 1;
    }
    t
};

/// See [`WORD_BYTE`]; no ASCII byte's normal form.
const NOT_ASCII: u8 = 0xff;

/// `text` in normal form: words of lower-case, folded alphanumerics separated by single spaces.
/// At most `limit` bytes of input are read (long bodies say nothing more after the first pages).
pub fn normalize(text: &str, limit: usize) -> String {
    let end = text.len().min(limit);
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(end);
    let mut pending_space = false;
    let mut i = 0;
    while i < end {
        // ASCII (most of any mail) through a table, without decoding (issue 19); other
        // characters decoded one by one.
        let b = bytes[i];
        let c = if b.is_ascii() {
            i += 1;
            match ASCII_NORMAL[usize::from(b)] {
                0 => pending_space = true,
                l => {
                    // The common case written out: an ASCII letter or digit (issue 19).
                    if pending_space && !out.is_empty() {
                        out.push(' ');
                    }
                    pending_space = false;
                    out.push(char::from(l));
                }
            }
            continue;
        } else {
            match text[i..].chars().next() {
                Some(c) => {
                    i += c.len_utf8();
                    if !c.is_alphanumeric() {
                        pending_space = true;
                        continue;
                    }
                    c
                }
                None => break,
            }
        };
        if pending_space && !out.is_empty() {
            out.push(' ');
        }
        pending_space = false;
        if c.is_ascii() {
            out.push(c);
        } else {
            for l in c.to_lowercase() {
                out.push(fold(l));
            }
        }
    }
    out
}

/// The first `b` in `h`, eight bytes at a time (the "has a zero byte" test on a `u64`).
///
/// Why: the plugin's CPU budget is WebAssembly fuel, one unit per instruction, and a byte loop
/// (`iter().position`) costs some twenty instructions a byte there; this costs about two. The
/// standard library's `memchr` reads words too but costs more to set up than the short pieces
/// of a tag or a text searched here (issue 19, fifth round; measured with benches/filters.rs).
pub fn find_byte(h: &[u8], b: u8) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let pattern = ONES * u64::from(b);
    let mut chunks = h.chunks_exact(8);
    let mut at = 0;
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word) ^ pattern;
        // A byte of `x` is zero where `h` holds `b`; the lowest flagged byte is the first such
        // (a flag above it may be a borrow, never one below).
        let zero = x.wrapping_sub(ONES) & !x & HIGHS;
        if zero != 0 {
            return Some(at + (zero.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(|&c| c == b)
        .map(|i| at + i)
}

/// Bytes below `n` (at most 0x80) in a word of eight: not zero when there is one.
#[inline(always)]
pub const fn has_below(x: u64, n: u8) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    x.wrapping_sub(ONES * n as u64) & !x & HIGHS
}

/// Bytes equal to `b` in a word of eight: not zero when there is one.
#[inline(always)]
pub const fn has_byte(x: u64, b: u8) -> u64 {
    has_below(x ^ (0x0101_0101_0101_0101 * b as u64), 1)
}

/// The first byte of `h` for which `exact` holds, eight bytes at a time: `flag` of a chunk (read
/// as a little-endian `u64`) is not zero whenever one of its bytes is such a byte (it may be
/// in other chunks too), and only flagged chunks are looked at byte by byte. For the
/// WebAssembly fuel of long scans, as [`find_byte`].
#[inline(always)]
pub fn find_flagged(
    h: &[u8],
    flag: impl Fn(u64) -> u64,
    exact: impl Fn(u8) -> bool,
) -> Option<usize> {
    let mut chunks = h.chunks_exact(8);
    let mut at = 0;
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        if flag(u64::from_le_bytes(word)) != 0 {
            if let Some(i) = chunk.iter().position(|&c| exact(c)) {
                return Some(at + i);
            }
        }
        at += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(|&c| exact(c))
        .map(|i| at + i)
}

/// The first ASCII whitespace (`u8::is_ascii_whitespace`) in `h`.
pub fn find_ascii_space(h: &[u8]) -> Option<usize> {
    // Every ASCII space is below `!`.
    find_flagged(h, |x| has_below(x, b'!'), |c| c.is_ascii_whitespace())
}

/// What a phrase is evidence of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// Offer vocabulary that rarely appears outside marketing ("free shipping", "rebajas").
    OfferStrong,
    /// Offer vocabulary also common elsewhere ("save", "new arrivals", "regalo").
    OfferWeak,
    /// Orders, receipts, shipping, bookings, payments.
    Transactional,
    /// Passwords, verification codes, sign-in alerts: account security.
    Security,
    /// Unsubscribe and preference-centre wording of bulk mail footers.
    Unsubscribe,
    /// "View this email in your browser".
    ViewOnline,
}

/// Buckets of the phrase tables (a power of two, above the number of phrases).
const BUCKETS: usize = 1024;

/// FNV-1a of a phrase's first word (up to the first space): fast on short words, good enough
/// to spread a few hundred of them, and usable at compile time.
pub const fn first_word_hash(phrase: &str) -> u32 {
    let b = phrase.as_bytes();
    let mut h: u32 = 0x811c_9dc5;
    let mut i = 0;
    while i < b.len() && b[i] != b' ' {
        h ^= b[i] as u32;
        h = h.wrapping_mul(0x0100_0193);
        i += 1;
    }
    h
}

/// A phrase table grouped by the hash of the first word: bucket `b` holds the phrases
/// `order[starts[b]..starts[b + 1]]`.
struct Table<const N: usize> {
    hashes: [u32; N],
    order: [u16; N],
    starts: [u16; BUCKETS + 1],
}

/// Groups `phrases` by bucket (a counting sort), at compile time for the built-in table.
const fn table<const N: usize>(phrases: &[(&str, Kind); N]) -> Table<N> {
    let mut hashes = [0u32; N];
    let mut starts = [0u16; BUCKETS + 1];
    let mut i = 0;
    while i < N {
        hashes[i] = first_word_hash(phrases[i].0);
        starts[hashes[i] as usize % BUCKETS + 1] += 1;
        i += 1;
    }
    let mut b = 0;
    while b < BUCKETS {
        starts[b + 1] += starts[b];
        b += 1;
    }
    let mut next = starts;
    let mut order = [0u16; N];
    let mut i = 0;
    while i < N {
        let b = hashes[i] as usize % BUCKETS;
        order[next[b] as usize] = i as u16;
        next[b] += 1;
        i += 1;
    }
    Table {
        hashes,
        order,
        starts,
    }
}

/// The built-in phrases' table: part of the program's data, so it costs nothing per message.
static BUILTIN: Table<{ crate::lexicon::COUNT }> = table(&crate::lexicon::ALL);

/// Phrases to look for: the built-in ones (optionally) and extra ones from the configuration.
pub struct Lexicon<'a> {
    builtin: bool,
    /// (first-word hash, phrase, kind); few, scanned linearly.
    extra: Vec<(u32, &'a str, Kind)>,
}

/// `phrase` starts with the word `w`.
fn starts_with_word(phrase: &str, w: &[u8]) -> bool {
    phrase.as_bytes().starts_with(w) && phrase.as_bytes().get(w.len()).is_none_or(|&b| b == b' ')
}

impl<'a> Lexicon<'a> {
    /// The built-in phrases (`lexicon::ALL`) and `extra` ones, already in normal form.
    pub fn builtin_and(extra: impl IntoIterator<Item = (&'a str, Kind)>) -> Lexicon<'a> {
        Lexicon {
            builtin: true,
            ..Lexicon::new(extra)
        }
    }

    /// Only `phrases` (in normal form).
    pub fn new(phrases: impl IntoIterator<Item = (&'a str, Kind)>) -> Lexicon<'a> {
        let extra = phrases
            .into_iter()
            .filter(|(p, _)| !p.is_empty())
            .map(|(p, k)| (first_word_hash(p), p, k))
            .collect();
        Lexicon {
            builtin: false,
            extra,
        }
    }

    /// The distinct phrases found in `normalized` text, in order of first appearance (at one
    /// position: built-in before extra, then in table order). Words are the non-empty pieces
    /// between spaces.
    ///
    /// One pass over the bytes: each word is hashed as it is delimited and a phrase's further
    /// words are compared with the words that follow in the text, without a vector of words
    /// (issue 19: the vector was as large as the text, and was filled in a pass of its own).
    pub fn find(&self, normalized: &str) -> Vec<(&'a str, Kind)> {
        let t = normalized.as_bytes();
        let mut found: Vec<(&'a str, Kind)> = Vec::new();
        let mut check = |after: &[u8], w: &[u8], phrase: &'a str, kind: Kind| {
            if starts_with_word(phrase, w)
                && rest_follows(after, &phrase.as_bytes()[w.len()..])
                && !found.iter().any(|(p, _)| *p == phrase)
            {
                found.push((phrase, kind));
            }
        };
        let mut i = 0;
        while i < t.len() {
            if t[i] == b' ' {
                i += 1;
                continue;
            }
            // A word: delimited and hashed (as `first_word_hash`) in one loop.
            let start = i;
            let mut h: u32 = 0x811c_9dc5;
            while let Some(&b) = t.get(i).filter(|&&b| b != b' ') {
                h ^= b as u32;
                h = h.wrapping_mul(0x0100_0193);
                i += 1;
            }
            let w = &t[start..i];
            let after = &t[i..];
            if self.builtin {
                let b = h as usize % BUCKETS;
                for &n in &BUILTIN.order[BUILTIN.starts[b] as usize..BUILTIN.starts[b + 1] as usize]
                {
                    if BUILTIN.hashes[n as usize] == h {
                        let (phrase, kind) = crate::lexicon::ALL[n as usize];
                        check(after, w, phrase, kind);
                    }
                }
            }
            for &(eh, phrase, kind) in &self.extra {
                if eh == h {
                    check(after, w, phrase, kind);
                }
            }
        }
        found
    }
}

impl<'a> Lexicon<'a> {
    /// `self.find(&normalize(text, limit))`, in one pass over `text` without the normalised
    /// string (issue 19: normalising wrote every byte of a body once and matching read it
    /// again). A word is a run of alphanumeric characters; an ASCII word is hashed in its
    /// normal form (lower case) as it is delimited and compared with a phrase's words ignoring
    /// ASCII case; a word with other characters is normalised on its own first (rare). A
    /// phrase's further words are compared with the words that follow, delimited when needed.
    pub fn find_in(&self, text: &str, limit: usize) -> Vec<(&'a str, Kind)> {
        // `normalize` reads every character that starts before `limit`.
        let text = &text[..ceil_boundary(text, text.len().min(limit))];
        let t = text.as_bytes();
        let mut found: Vec<(&'a str, Kind)> = Vec::new();
        let mut scratch = String::new();
        let mut seen = [0u64; crate::lexicon::COUNT.div_ceil(64)];
        let mut seen_extra = vec![false; self.extra.len()];
        let mut i = 0;
        while i < t.len() {
            // Separators: ASCII ones in a tight loop, others decoded.
            while t.get(i).is_some_and(|&b| WORD_BYTE[usize::from(b)] == 0) {
                i += 1;
            }
            let start = i;
            let mut h: u32 = 0x811c_9dc5;
            let mut ascii = true;
            // A word: delimited and hashed (as `first_word_hash` of its normal form) in one
            // loop over its bytes, one table look-up a byte (issue 19, fifth round).
            while let Some(&b) = t.get(i) {
                match WORD_BYTE[usize::from(b)] {
                    0 => break,
                    NOT_ASCII => match text.get(i..).and_then(|r| r.chars().next()) {
                        Some(c) if c.is_alphanumeric() => {
                            ascii = false;
                            i += c.len_utf8();
                        }
                        _ => break,
                    },
                    l => {
                        h ^= u32::from(l);
                        h = h.wrapping_mul(0x0100_0193);
                        i += 1;
                    }
                }
            }
            if i == start {
                // The end, or a character that is not alphanumeric.
                i += text
                    .get(i..)
                    .and_then(|r| r.chars().next())
                    .map_or(1, char::len_utf8);
                continue;
            }
            let word = &text[start..i];
            let w = if ascii {
                Word::Ascii(word.as_bytes())
            } else {
                scratch.clear();
                normalize_word(word, &mut scratch);
                h = first_word_hash(&scratch);
                Word::Normal(scratch.as_bytes())
            };
            // The word after this one, delimited once for all the phrases that need it.
            let mut next: Option<Option<(usize, usize, bool)>> = None;
            let mut check = |phrase: &'a str, kind: Kind| {
                let p = phrase.as_bytes();
                let Some(rest) = w.strip_from(p) else {
                    return false;
                };
                let follows = match rest.strip_prefix(b" ") {
                    None => true,
                    Some(r) => {
                        let end = r.iter().position(|&b| b == b' ').unwrap_or(r.len());
                        match *next.get_or_insert_with(|| next_word(text, i)) {
                            Some(n) => {
                                word_is(text, n, &r[..end]) && rest_follows_in(text, n.1, &r[end..])
                            }
                            None => false,
                        }
                    }
                };
                if follows && !found.iter().any(|(f, _)| *f == phrase) {
                    found.push((phrase, kind));
                }
                follows
            };
            // A phrase found once is not looked at again (only its first place counts): a
            // newsletter says "shop now" under every item.
            if self.builtin {
                let b = h as usize % BUCKETS;
                for &n in &BUILTIN.order[BUILTIN.starts[b] as usize..BUILTIN.starts[b + 1] as usize]
                {
                    let (bit, word) = (1u64 << (n % 64), usize::from(n / 64));
                    if BUILTIN.hashes[usize::from(n)] == h && seen[word] & bit == 0 {
                        let (phrase, kind) = crate::lexicon::ALL[usize::from(n)];
                        if check(phrase, kind) {
                            seen[word] |= bit;
                        }
                    }
                }
            }
            for (k, &(eh, phrase, kind)) in self.extra.iter().enumerate() {
                if eh == h && !seen_extra[k] && check(phrase, kind) {
                    seen_extra[k] = true;
                }
            }
        }
        found
    }
}

/// A word of a text as [`Lexicon::find_in`] sees it.
#[derive(Clone, Copy)]
enum Word<'w> {
    /// ASCII letters and digits, as written: its normal form is its lower case.
    Ascii(&'w [u8]),
    /// Already in normal form.
    Normal(&'w [u8]),
}

impl Word<'_> {
    /// The rest of `phrase` (empty, or a space and its further words) when its first word is
    /// this word.
    fn strip_from(self, phrase: &[u8]) -> Option<&[u8]> {
        let first = phrase
            .iter()
            .position(|&b| b == b' ')
            .unwrap_or(phrase.len());
        self.is(&phrase[..first]).then(|| &phrase[first..])
    }

    /// Its normal form is `normal`.
    fn is(self, normal: &[u8]) -> bool {
        match self {
            Word::Ascii(w) => {
                w.len() == normal.len()
                    && w.iter()
                        .zip(normal)
                        .all(|(a, n)| a.to_ascii_lowercase() == *n)
            }
            Word::Normal(w) => w == normal,
        }
    }
}

/// Appends the normal form of `word`, a run of alphanumeric characters (as `normalize` writes
/// each of them).
fn normalize_word(word: &str, out: &mut String) {
    for c in word.chars() {
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
        } else {
            for l in c.to_lowercase() {
                out.push(fold(l));
            }
        }
    }
}

/// The word of `text` that begins at or after byte `at` (a character boundary), skipping
/// separators: its range and whether it is all ASCII.
fn next_word(text: &str, mut at: usize) -> Option<(usize, usize, bool)> {
    let t = text.as_bytes();
    let mut ascii = true;
    let mut start = None;
    while let Some(&b) = t.get(at) {
        let (alnum, len) = if b.is_ascii() {
            (ASCII_NORMAL[usize::from(b)] != 0, 1)
        } else {
            let c = text.get(at..).and_then(|s| s.chars().next())?;
            (c.is_alphanumeric(), c.len_utf8())
        };
        if alnum {
            start.get_or_insert(at);
            ascii &= b.is_ascii();
        } else if start.is_some() {
            break;
        }
        at += len;
    }
    Some((start?, at, ascii))
}

/// The normal form of the word `text[start..end]` (all ASCII when `ascii`) is `normal`.
fn word_is(text: &str, (start, end, ascii): (usize, usize, bool), normal: &[u8]) -> bool {
    let word = &text[start..end];
    if ascii {
        Word::Ascii(word.as_bytes()).is(normal)
    } else {
        let mut n = String::new();
        normalize_word(word, &mut n);
        n.as_bytes() == normal
    }
}

/// [`rest_follows`] on the words of `text` from byte `at` on (a character boundary), each
/// delimited as [`Lexicon::find_in`] does.
fn rest_follows_in(text: &str, mut at: usize, mut rest: &[u8]) -> bool {
    loop {
        let Some(r) = rest.strip_prefix(b" ") else {
            return true;
        };
        let end = r.iter().position(|&b| b == b' ').unwrap_or(r.len());
        let Some(word) = next_word(text, at) else {
            return false;
        };
        if !word_is(text, word, &r[..end]) {
            return false;
        }
        at = word.1;
        rest = &r[end..];
    }
}

/// A phrase's words after its first (`rest`: empty, or a space and the words) are the words
/// that follow in the text (`after`: the text after the first word), compared word by word as
/// the non-empty pieces between spaces.
fn rest_follows(mut after: &[u8], mut rest: &[u8]) -> bool {
    loop {
        let Some(r) = rest.strip_prefix(b" ") else {
            return true;
        };
        let end = r.iter().position(|&b| b == b' ').unwrap_or(r.len());
        let Some(s) = after.iter().position(|&b| b != b' ') else {
            return false;
        };
        let a = &after[s..];
        let e = a.iter().position(|&b| b == b' ').unwrap_or(a.len());
        if a[..e] != r[..end] {
            return false;
        }
        after = &a[e..];
        rest = &r[end..];
    }
}

/// Discount expressions: a number followed by `%` with discount wording nearby (`30% off`,
/// `-20%`, `up to 50%`, `hasta el 40%`, `40% de descuento`, `20% dto`). A bare percentage (VAT,
/// interest rates, battery levels) is not one. Only the few bytes around each `%` are looked at
/// (and lower-cased).
pub fn has_discount(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(pos) = text[from..].find('%').map(|p| p + from) {
        from = pos + 1;
        // Digits right before the % (one space allowed).
        let mut d = pos;
        if d > 0 && bytes[d - 1] == b' ' {
            d -= 1;
        }
        let digits_end = d;
        while d > 0 && bytes[d - 1].is_ascii_digit() {
            d -= 1;
        }
        if d == digits_end {
            continue;
        }
        let before = text[floor_boundary(text, d.saturating_sub(14))..d].to_ascii_lowercase();
        let after =
            text[pos + 1..ceil_boundary(text, (pos + 20).min(text.len()))].to_ascii_lowercase();
        let before_ok = before.ends_with('-')
            || [
                "up to", "upto", "hasta", "save", "ahorra", "extra", "hasta un", "hasta el",
            ]
            .iter()
            .any(|w| before.trim_end().ends_with(w));
        let after = after.trim_start();
        let after_ok = [
            "off",
            "dto",
            "de dto",
            "de descuento",
            "descuento",
            "discount",
            "rebaja",
            "menos",
        ]
        .iter()
        .any(|w| after.starts_with(w));
        if before_ok || after_ok {
            return true;
        }
    }
    false
}

fn floor_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_boundary(s: &str, mut i: usize) -> usize {
    while i < s.len() && !s.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// The words of `s` made of ASCII letters, digits, `#` and `-` (`BK-50231`, `#10442`).
fn code_words(s: &str) -> impl Iterator<Item = &str> {
    s.split(|c: char| !(c.is_ascii_alphanumeric() || c == '#' || c == '-'))
        .filter(|w| !w.is_empty())
}

/// True when `s` holds a reference number: `#` and two or more digits, or a word with five or
/// more digits (order, booking, tracking and invoice numbers such as `BK-50231`; prices,
/// percentages and years have fewer).
pub fn has_reference_number(s: &str) -> bool {
    code_words(s).any(|w| {
        let digits = w.bytes().filter(u8::is_ascii_digit).count();
        let hash = w
            .strip_prefix('#')
            .is_some_and(|r| r.bytes().take_while(u8::is_ascii_digit).count() >= 2);
        hash || digits >= 5
    })
}

/// True when `s` holds a one-time code: a word of six to eight digits and nothing else.
pub fn has_code(s: &str) -> bool {
    code_words(s).any(|w| (6..=8).contains(&w.len()) && w.bytes().all(|b| b.is_ascii_digit()))
}

/// True when `s` has a pictographic emoji (marketing subjects love them: 🔥🎁⚡🛍️).
pub fn has_emoji(s: &str) -> bool {
    s.chars()
        .any(|c| matches!(c as u32, 0x1F300..=0x1FAFF | 0x2600..=0x27BF))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_form() {
        assert_eq!(
            normalize("¡ENVÍO  gratis!\nContraseña: ", 1000),
            "envio gratis contrasena"
        );
        assert_eq!(normalize("Don't miss — 2x1", 1000), "don t miss 2x1");
        assert_eq!(normalize("abcdef", 3), "abc");
    }

    /// `normalize` as it was before issue 19: the reference for the table-driven one.
    fn normalize_reference(text: &str, limit: usize) -> String {
        let end = text.len().min(limit);
        let mut out = String::new();
        let mut pending_space = false;
        let mut i = 0;
        while i < end {
            let Some(c) = text[i..].chars().next() else {
                break;
            };
            i += c.len_utf8();
            if !c.is_alphanumeric() {
                pending_space = true;
                continue;
            }
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            for l in c.to_lowercase() {
                out.push(fold(l));
            }
        }
        out
    }

    #[test]
    fn normal_form_is_the_reference() {
        let pieces = [
            "A", "z", "Q9", " ", "  ", "-", ".", "\u{a0}", "É", "ñ", "İ", "ẞ", "ﬁ", "😀", "٣", "Σ",
            "\t", "0", "_",
        ];
        crate::for_each_random_text(&pieces, 20_000, |t, r| {
            let limit = (r >> 20) as usize % 40;
            assert_eq!(normalize(t, limit), normalize_reference(t, limit), "{t:?}");
            assert_eq!(normalize(t, 1000), normalize_reference(t, 1000), "{t:?}");
        });
    }

    /// `Lexicon::find` as it was before issue 19's fourth round: the words split into a vector,
    /// a phrase's further words compared with the next entries.
    fn find_reference<'a>(lex: &Lexicon<'a>, normalized: &str) -> Vec<(&'a str, Kind)> {
        let words: Vec<&str> = normalized.split(' ').filter(|w| !w.is_empty()).collect();
        let mut found: Vec<(&'a str, Kind)> = Vec::new();
        for i in 0..words.len() {
            // At one position: built-in phrases in table (bucket) order, then the extra ones.
            let h = first_word_hash(words[i]);
            let b = h as usize % BUCKETS;
            let order: Vec<(&'a str, Kind)> = BUILTIN.order
                [BUILTIN.starts[b] as usize..BUILTIN.starts[b + 1] as usize]
                .iter()
                .map(|&n| crate::lexicon::ALL[n as usize])
                .filter(|_| lex.builtin)
                .chain(lex.extra.iter().map(|&(_, p, k)| (p, k)))
                .collect();
            for (phrase, kind) in order {
                let pw: Vec<&str> = phrase.split(' ').collect();
                let matched = pw.first() == Some(&words[i])
                    && pw
                        .iter()
                        .enumerate()
                        .skip(1)
                        .all(|(k, w)| words.get(i + k) == Some(w));
                if matched && !found.iter().any(|(p, _)| *p == phrase) {
                    found.push((phrase, kind));
                }
            }
        }
        found
    }

    #[test]
    fn find_is_the_reference() {
        let pieces = [
            "free",
            "shipping",
            "sale",
            "order",
            "confirmed",
            "view",
            "in",
            "your",
            "browser",
            "unsubscribe",
            "x",
            " ",
            "  ",
            "envio",
            "gratis",
            "hasta",
            "te",
            "ha",
            "free  shipping",
            "ends",
            "today",
        ];
        let extra = Lexicon::builtin_and([
            ("free shipping", Kind::Transactional),
            ("x x", Kind::OfferWeak),
            ("te ha", Kind::Security),
            ("sale  ends", Kind::OfferWeak),
            ("today ", Kind::OfferWeak),
        ]);
        let plain = Lexicon::builtin_and([]);
        let mut r: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..20_000 {
            let mut t = String::new();
            r = r
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            for _ in 0..(r >> 59) {
                r = r.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                t.push_str(pieces[(r >> 33) as usize % pieces.len()]);
                if (r >> 40) % 3 != 0 {
                    t.push(' ');
                }
            }
            for lex in [&extra, &plain] {
                assert_eq!(lex.find(&t), find_reference(lex, &t), "{t:?}");
            }
        }
    }

    /// The one-pass `find_in` finds what `find` finds in the normalised text (issue 19, fifth
    /// round), at any limit, with any characters around and inside the words.
    #[test]
    fn find_in_is_find_of_normalize() {
        let pieces = [
            "Free",
            "SHIPPING",
            "sale",
            "order",
            "Confirmed",
            "view",
            "in",
            "your",
            "browser",
            "unsub",
            "scribe",
            " ",
            "  ",
            "-",
            "¡",
            "Envío",
            "envio",
            "gratis",
            "Contraseña",
            "contrasena",
            "te",
            "ha",
            "hasta",
            "\u{a0}",
            "İ",
            "ẞ",
            "ﬁ",
            "😀",
            "٣",
            "Σ",
            "é",
            "x",
            "X",
            "2",
            ".",
            "\t",
            "_",
            "today",
        ];
        let extra = Lexicon::builtin_and([
            ("free shipping", Kind::Transactional),
            ("x x", Kind::OfferWeak),
            ("te ha", Kind::Security),
            ("sale  ends", Kind::OfferWeak),
            ("today ", Kind::OfferWeak),
            (" x", Kind::OfferWeak),
            ("Sale", Kind::OfferWeak),
            ("envio gratis", Kind::OfferStrong),
            ("i\u{307}", Kind::OfferStrong),
            ("ss x", Kind::OfferStrong),
            ("contrasena", Kind::Security),
            ("fi", Kind::OfferWeak),
            ("σ 2", Kind::OfferWeak),
        ]);
        let plain = Lexicon::builtin_and([]);
        let only = Lexicon::new([("x", Kind::OfferWeak), ("x x x", Kind::OfferStrong)]);
        crate::for_each_random_text(&pieces, 30_000, |t, r| {
            let limit = match r >> 62 {
                0 => (r >> 20) as usize % 40,
                _ => usize::MAX,
            };
            for lex in [&extra, &plain, &only] {
                assert_eq!(
                    lex.find_in(t, limit),
                    lex.find(&normalize(t, limit)),
                    "{t:?} {limit}"
                );
            }
        });
    }

    #[test]
    fn find_byte_is_position() {
        let pieces = [
            "a", "<", ">", "&", "\u{80}", "\u{ff}", "é", "<<", "abcdefgh", "\0", "\u{7f}",
        ];
        crate::for_each_random_text(&pieces, 20_000, |t, _| {
            for b in [b'<', b'>', b'&', 0, 0x7f, 0x80, 0xc3, 0xff, b'a'] {
                let h = t.as_bytes();
                for from in 0..h.len().min(9) {
                    assert_eq!(
                        find_byte(&h[from..], b),
                        h[from..].iter().position(|&c| c == b),
                        "{t:?} {b} {from}"
                    );
                }
            }
        });
    }

    #[test]
    fn find_ascii_space_is_position() {
        let pieces = [
            "a", " ", "\t", "\n", "\u{b}", "\u{c}", "\r", "\0", "!", "\u{1f}", "é", "abcdefgh",
            "\u{a0}",
        ];
        crate::for_each_random_text(&pieces, 20_000, |t, _| {
            let h = t.as_bytes();
            for from in 0..h.len().min(9) {
                assert_eq!(
                    find_ascii_space(&h[from..]),
                    h[from..].iter().position(u8::is_ascii_whitespace),
                    "{t:?} {from}"
                );
            }
        });
    }

    #[test]
    fn phrases_match_on_word_boundaries() {
        let lex = Lexicon::new([
            ("sale", Kind::OfferStrong),
            ("free shipping", Kind::OfferStrong),
            ("free", Kind::OfferWeak),
        ]);
        let t = normalize("Wholesale prices. FREE shipping on everything, free!", 1000);
        let found = lex.find(&t);
        // In order of position; at one position in table order.
        assert_eq!(
            found,
            vec![
                ("free shipping", Kind::OfferStrong),
                ("free", Kind::OfferWeak)
            ]
        );
        assert!(lex.find("wholesale").is_empty());
        assert!(lex.find("").is_empty());
    }

    #[test]
    fn discounts_need_discount_wording() {
        for yes in [
            "get 30% off today",
            "-20% en todo",
            "up to 50% on shoes",
            "hasta el 40%",
            "40% de descuento",
            "un 15 % dto",
        ] {
            assert!(has_discount(yes), "{yes}");
        }
        for no in [
            "iva 21% incluido",
            "battery at 15%",
            "interest rate 3.5%",
            "100%",
            "%off",
        ] {
            assert!(!has_discount(no), "{no}");
        }
        // Multi-byte text around the sign does not split a character.
        assert!(has_discount("¡¡¡ahorra 25% ñññ"));
        assert!(!has_discount("ñ%ñ"));
        assert!(has_discount("UP TO 50% OFF"));
    }

    #[test]
    fn reference_numbers_and_codes() {
        assert!(has_reference_number("Order #12 shipped"));
        assert!(has_reference_number("Pedido 4021187 enviado"));
        assert!(has_reference_number("Your order BK-50231 is on its way"));
        assert!(!has_reference_number("Sale 2025: 19,99 € or 1.299 €"));
        assert!(!has_reference_number("#hashtag and the #1 bestseller"));
        assert!(has_code("553190 is your code"));
        assert!(has_code("Bob, here's your PIN 553190"));
        assert!(!has_code("Ticket TL-2025-118842"));
        assert!(!has_code("Call 963 111 222"));
    }

    #[test]
    fn emoji() {
        assert!(has_emoji("🔥 Last chance"));
        assert!(!has_emoji("Última oportunidad"));
    }
}
