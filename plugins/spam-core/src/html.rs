//! HTML to text, and the links and images of an HTML body. A small scanner, not a full HTML
//! parser: spam HTML is often broken on purpose, and all the filter needs is the visible words,
//! the `href`s with their link text, and `<img>` sizes. (No HTML crate builds small enough for a
//! plugin and tolerates everything spam throws at it.)

/// A link: its target and the text shown for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub href: String,
    pub text: String,
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Html {
    /// Visible text (tags, comments, scripts and styles removed; entities decoded).
    pub text: String,
    pub links: Vec<Link>,
    /// `src` of images, with (width, height) when given.
    pub images: Vec<(String, Option<u32>, Option<u32>)>,
    /// Number of tags seen.
    pub tags: usize,
}

/// The value of attribute `name` (lower case) in `tag`, borrowed: only the values kept (`href`,
/// `src`) are copied, a width or height is parsed in place (issue 19).
fn attr<'t>(tag: &'t str, name: &str) -> Option<&'t str> {
    // Searched in place, ignoring ASCII case (`name` is lower case): lower-casing a copy of
    // the tag for every attribute looked up cost an allocation each (issue 19).
    let mut from = 0;
    while let Some(i) = find_ci(tag.get(from..)?, name) {
        let at = from + i;
        from = at + name.len();
        // Must be a whole attribute name.
        let before_ok = at == 0 || !tag.as_bytes()[at - 1].is_ascii_alphanumeric();
        let rest = tag.get(from..)?.trim_start();
        if !before_ok || !rest.starts_with('=') {
            continue;
        }
        let start = tag.len() - rest.len() + 1;
        let value = tag.get(start..)?.trim_start();
        return Some(match value.as_bytes().first() {
            Some(&q @ (b'"' | b'\'')) => {
                let v = value.get(1..).unwrap_or("");
                // Up to the closing quote (ASCII: a byte search), or the end.
                match byte_at(v.as_bytes(), q) {
                    Some(e) => v.get(..e).unwrap_or(""),
                    None => v,
                }
            }
            _ => value
                .split(|c: char| c.is_whitespace() || c == '>')
                .next()
                .unwrap_or(""),
        });
    }
    None
}

fn entity(name: &str) -> Option<char> {
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => ' ',
        _ => {
            let num = name.strip_prefix('#')?;
            let code = match num.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => num.parse().ok()?,
            };
            return char::from_u32(code);
        }
    })
}

/// Where `needle` (ASCII, lower case) starts in `hay`, ignoring ASCII case.
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
#[doc(hidden)] // public for plugins/testing/scan-probe
pub fn find_ci(hay: &str, needle: &str) -> Option<usize> {
    find_ci_from(hay.as_bytes(), needle.as_bytes(), 0)
}

/// Where `needle` (ASCII, lower case) starts in `hay`, ignoring ASCII case.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[doc(hidden)] // public for plugins/testing/scan-probe
pub fn find_ci(hay: &str, needle: &str) -> Option<usize> {
    simd::find_ci(hay.as_bytes(), needle.as_bytes())
}

/// [`find_ci`] from position `i` of `h` on, its first byte found by [`byte_at_with`].
fn find_ci_from(h: &[u8], n: &[u8], mut i: usize) -> Option<usize> {
    let (first, tail) = n.split_first()?;
    let (lower, upper) = (first.to_ascii_lowercase(), first.to_ascii_uppercase());
    let last = h.len().checked_sub(n.len())?;
    // The first byte (either case) filters most positions before the rest is compared: a
    // letter's two cases are the bytes whose `| 0x20` is its lower case, found eight at a
    // time like any other byte (issue 19, round 5).
    while i <= last {
        let window = h.get(i..=last)?;
        let p = if lower == upper {
            byte_at(window, lower)?
        } else {
            byte_at_ci(window, lower)?
        };
        i += p;
        if h.get(i + 1..i + n.len())?.eq_ignore_ascii_case(tail) {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// Where byte `c` next occurs in `b`. The plugin's WebAssembly has no `memchr`: a byte loop
/// there costs ~5 operations per byte (issue 19, round 5; `str::find`'s searcher costs more to
/// set up than the short runs between tags take), so bytes are compared many at a time.
#[doc(hidden)] // public for plugins/testing/scan-probe
pub fn byte_at(b: &[u8], c: u8) -> Option<usize> {
    byte_at_with(b, c, 0)
}

/// Where an ASCII letter `lower` (lower case) next occurs in `b`, in either case: as
/// [`byte_at`] on the bytes with the case bit set (only a letter's two cases map to it).
#[doc(hidden)] // public for plugins/testing/scan-probe
pub fn byte_at_ci(b: &[u8], lower: u8) -> Option<usize> {
    byte_at_with(b, lower, 0x20)
}

// [`byte_at`] on the bytes of `b` with the bits of `set` set (0: the bytes as they are; 0x20:
// ASCII letters in lower case); inlined, so each caller's `set` is a constant. Sixteen bytes per
// step with WebAssembly SIMD (issue 19, round 6), else eight.
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
use byte_at_words as byte_at_with;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
use simd::byte_at_with;

/// `byte_at_with` eight bytes per step (the first byte equal to `c` is the lowest zero byte
/// of the word XOR `c` repeated; the classic test may also flag bytes above it, never below),
/// then the tail byte by byte. The path of targets without WebAssembly SIMD (native tests).
#[cfg_attr(
    all(target_arch = "wasm32", target_feature = "simd128"),
    allow(dead_code)
)]
#[inline(always)]
fn byte_at_words(b: &[u8], c: u8, set: u8) -> Option<usize> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let pattern = LO * u64::from(c);
    let set_word = LO * u64::from(set);
    let mut chunks = b.chunks_exact(8);
    let mut at = 0;
    for w in &mut chunks {
        let x = (u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]) | set_word)
            ^ pattern;
        let zero = x.wrapping_sub(LO) & !x & HI;
        if zero != 0 {
            return Some(at + (zero.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(|&x| x | set == c)
        .map(|p| at + p)
}

/// The scans sixteen bytes per step with WebAssembly SIMD (`simd128`, on in
/// plugins/.cargo/config.toml): a compare of sixteen bytes and its bitmask cost about as many
/// instructions (fuel) as the eight-byte word test, so the scans cost about half (issue 19,
/// round 6). Checked against byte loops inside WebAssembly by plugins/testing/scan-probe.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd {
    use core::arch::wasm32::{
        u64x2, u8x16_bitmask, u8x16_eq, u8x16_splat, v128, v128_and, v128_load, v128_or,
    };

    /// Sixteen bytes of `b` from `at` (None past its end).
    #[inline(always)]
    fn load(b: &[u8], at: usize) -> Option<v128> {
        let w = b.get(at..at.checked_add(16)?)?;
        // SAFETY: `w` is sixteen readable bytes; `v128_load` needs no alignment.
        Some(unsafe { v128_load(w.as_ptr().cast()) })
    }

    /// Eight bytes of `b` from `at` as a little-endian word (None past its end).
    #[inline(always)]
    fn word(b: &[u8], at: usize) -> Option<u64> {
        let w = b.get(at..at.checked_add(8)?)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(w);
        Some(u64::from_le_bytes(a))
    }

    /// Bit `i` set where byte `i` of `x`, with the bits of `set` set, is `c`.
    #[inline(always)]
    fn hits(x: v128, c: u8, set: u8) -> u32 {
        u32::from(u8x16_bitmask(u8x16_eq(
            v128_or(x, u8x16_splat(set)),
            u8x16_splat(c),
        )))
    }

    /// `byte_at_with` sixteen bytes per step.
    #[inline(always)]
    pub(super) fn byte_at_with(b: &[u8], c: u8, set: u8) -> Option<usize> {
        let len = b.len();
        if len < 16 {
            if len < 8 {
                return b.iter().position(|&x| x | set == c);
            }
            // Eight to fifteen bytes: the first and the last eight, overlapping, in one vector
            // (bits 8.. are positions len - 16 + bit).
            let m = hits(u64x2(word(b, 0)?, word(b, len - 8)?), c, set);
            if m & 0xff != 0 {
                return Some(m.trailing_zeros() as usize);
            }
            return (m != 0).then(|| len - 16 + m.trailing_zeros() as usize);
        }
        let mut at = 0;
        while let Some(x) = load(b, at) {
            let m = hits(x, c, set);
            if m != 0 {
                return Some(at + m.trailing_zeros() as usize);
            }
            at += 16;
        }
        if at == len {
            return None;
        }
        // The last sixteen bytes, overlapping the ones already seen (their bits cleared).
        let m = hits(load(b, len - 16)?, c, set) >> (at + 16 - len);
        (m != 0).then(|| at + m.trailing_zeros() as usize)
    }

    /// Where `n` (ASCII, lower case) starts in `h`, ignoring ASCII case: sixteen positions per
    /// step are filtered by their first and last bytes (far fewer candidates than the first
    /// alone, as "h" of "href" in a tag), then compared; the last positions as the other
    /// targets do ([`super::find_ci_from`]).
    pub(super) fn find_ci(h: &[u8], n: &[u8]) -> Option<usize> {
        let (&first, rest) = n.split_first()?;
        let end = *rest.last().unwrap_or(&first);
        let case = |c: u8| if c.is_ascii_lowercase() { 0x20 } else { 0 };
        let (first_set, end_set) = (case(first), case(end));
        let (first_v, end_v) = (u8x16_splat(first), u8x16_splat(end));
        let (first_or, end_or) = (u8x16_splat(first_set), u8x16_splat(end_set));
        let mut i = 0;
        // Positions i..i + 16 start a candidate when the vectors at i and at i + n.len() - 1
        // are in bounds.
        while let (Some(a), Some(z)) = (load(h, i), load(h, i + rest.len())) {
            let both = v128_and(
                u8x16_eq(v128_or(a, first_or), first_v),
                u8x16_eq(v128_or(z, end_or), end_v),
            );
            let mut m = u32::from(u8x16_bitmask(both));
            while m != 0 {
                let at = i + m.trailing_zeros() as usize;
                if h.get(at + 1..at + n.len())?.eq_ignore_ascii_case(rest) {
                    return Some(at);
                }
                m &= m - 1;
            }
            i += 16;
        }
        super::find_ci_from(h, n, i)
    }
}

/// Scans an HTML document.
pub fn parse(html: &str) -> Html {
    // Positions into `html` and byte searches (all delimiters are ASCII, so every position
    // found is a character boundary), one pass; only the links' and images' targets and the
    // text are copied (issue 19).
    let mut out = Html {
        text: String::with_capacity(html.len() / 2),
        ..Html::default()
    };
    let b = html.as_bytes();
    let mut at = 0;
    let mut skip_until: Option<&str> = None;
    let mut link: Option<Link> = None;
    while at < b.len() {
        if let Some(end_tag) = skip_until {
            // Search in place: lower-casing a copy of the rest for every `<script>` made a
            // message of many such tags quadratic.
            match find_ci(html.get(at..).unwrap_or(""), end_tag) {
                Some(i) => {
                    at += i;
                    skip_until = None;
                }
                None => break,
            }
        }
        let rest = &b[at..];
        let Some(lt) = byte_at(rest, b'<') else {
            push_text(&mut out, &mut link, html.get(at..).unwrap_or(""));
            break;
        };
        push_text(&mut out, &mut link, html.get(at..at + lt).unwrap_or(""));
        at += lt;
        let rest = &b[at..];
        if rest.starts_with(b"<!--") {
            // The first `-->` (it may overlap the `<!--`): the first `>` after two dashes,
            // the `>`s found eight bytes per step (issue 19, round 5).
            let mut from = 0;
            let mut end = None;
            while let Some(i) = rest.get(from..).and_then(|r| byte_at(r, b'>')) {
                let gt = from + i;
                if gt >= 2 && rest.get(gt - 2..gt) == Some(b"--") {
                    end = Some(gt + 1);
                    break;
                }
                from = gt + 1;
            }
            at = match end {
                Some(e) => at + e,
                None => b.len(),
            };
            continue;
        }
        let Some(gt) = byte_at(rest, b'>') else {
            break;
        };
        let tag = html.get(at + 1..at + gt).unwrap_or("");
        at += gt + 1;
        out.tags += 1;
        // The tag's name, lower case, without allocating: the names matched below are at most
        // six letters, so a longer one is just "another tag".
        let tb = tag.as_bytes();
        let closing = tb.first() == Some(&b'/');
        let slashes = tb.iter().position(|&c| c != b'/').unwrap_or(tb.len());
        let bare = &tb[slashes..];
        let len = bare
            .iter()
            .position(|c| !c.is_ascii_alphanumeric())
            .unwrap_or(bare.len());
        let mut buf = [0u8; 8];
        let name: &[u8] = match bare.get(..len) {
            Some(n) if n.len() <= buf.len() => {
                for (d, s) in buf.iter_mut().zip(n) {
                    *d = s.to_ascii_lowercase();
                }
                &buf[..n.len()]
            }
            _ => b"",
        };
        match name {
            b"script" if !closing => skip_until = Some("</script"),
            b"style" if !closing => skip_until = Some("</style"),
            b"a" if !closing => {
                out.text.push(' ');
                if let Some(l) = link.take() {
                    out.links.push(l);
                }
                link = attr(tag, "href").map(|href| Link {
                    href: href.to_string(),
                    text: String::new(),
                });
            }
            b"a" => {
                if let Some(l) = link.take() {
                    out.links.push(l);
                }
            }
            b"img" => {
                let num = |n: &str| {
                    attr(tag, n).and_then(|v| {
                        // `v.trim_end_matches("px")` without a substring searcher (issue 19).
                        let mut v = v;
                        while let Some(s) = v.strip_suffix("px") {
                            v = s;
                        }
                        v.trim().parse().ok()
                    })
                };
                out.images.push((
                    attr(tag, "src").map(str::to_string).unwrap_or_default(),
                    num("width"),
                    num("height"),
                ));
            }
            // Inline formatting joins words ("<b>W</b>in" is "Win", a classic trick); every
            // other tag separates them.
            b"b" | b"i" | b"u" | b"em" | b"strong" | b"span" | b"font" | b"small" | b"big"
            | b"sub" | b"sup" => {}
            _ => out.text.push(' '),
        }
    }
    if let Some(l) = link.take() {
        out.links.push(l);
    }
    out
}

fn push_text(out: &mut Html, link: &mut Option<Link>, raw: &str) {
    if raw.is_empty() {
        return;
    }
    // Decoded straight onto the text (a link's text is a copy of what was appended).
    let start = out.text.len();
    let decoded = &mut out.text;
    let mut rest = raw;
    while let Some(i) = byte_at(rest.as_bytes(), b'&') {
        decoded.push_str(&rest[..i]);
        rest = &rest[i..];
        // Only the next few bytes can hold an entity's `;`: searching the whole rest for every
        // `&` made text full of `&` quadratic.
        let end = rest
            .bytes()
            .take(11)
            .skip(1)
            .position(|b| b == b';')
            .map(|e| e + 1);
        match end.and_then(|e| entity(&rest[1..e]).map(|c| (c, e))) {
            Some((c, e)) => {
                decoded.push(c);
                rest = &rest[e + 1..];
            }
            None => {
                decoded.push('&');
                rest = &rest[1..];
            }
        }
    }
    decoded.push_str(rest);
    if let Some(l) = link {
        l.text.push_str(&out.text[start..]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn find_ci_is_a_case_blind_find() {
        let naive = |h: &str, n: &str| {
            let (h, n) = (h.to_ascii_lowercase(), n.to_ascii_lowercase());
            h.find(&n)
        };
        for (h, n) in [
            ("<A HREF=x>", "href"),
            ("hhrEF", "href"),
            ("", "a"),
            ("ab", "abc"),
            ("x</ScRiPt", "</script"),
            ("</scrip</SCRIPT", "</script"),
            ("ñHref", "href"),
            ("abc", ""),
        ] {
            let want = if n.is_empty() { None } else { naive(h, n) };
            assert_eq!(find_ci(h, n), want, "{h} {n}");
        }
    }

    #[test]
    fn byte_at_is_position() {
        let hay: Vec<u8> = (0..300u32).map(|i| (i * 37 % 251) as u8).collect();
        for len in [0, 1, 7, 8, 9, 15, 16, 17, 64, 300] {
            for c in [0u8, 1, 60, 62, 128, 200, 250, 255] {
                for from in [0, 1, 3, 8] {
                    let b = hay.get(from..len.max(from)).unwrap_or(&[]);
                    assert_eq!(byte_at(b, c), b.iter().position(|&x| x == c), "{len} {c}");
                }
            }
        }
        for len in [0, 5, 8, 13, 300] {
            for c in b'a'..=b'z' {
                let b = hay.get(..len).unwrap_or(&[]);
                let want = b.iter().position(|&x| x.to_ascii_lowercase() == c);
                assert_eq!(byte_at_ci(b, c), want, "{len} {c}");
            }
        }
        // Every position of the first match within a word, and bytes around it that the
        // borrow of the test could flag.
        for i in 0..16 {
            let mut b = vec![b'a'; 16];
            b[i] = b'<';
            if i + 1 < 16 {
                b[i + 1] = b'<' + 1;
            }
            assert_eq!(byte_at(&b, b'<'), Some(i));
        }
    }

    #[test]
    fn text_links_images() {
        let h = parse(
            "<html><style>p{color:red}</style><p>Hello&nbsp;<b>world</b> &amp; you</p>\
             <a href=\"http://evil.example/x\">https://bank.example</a>\
             <img src='http://t.example/p.gif' width=1 height=\"1px\"><!-- hidden --><script>x()</script>bye",
        );
        assert_eq!(
            h.text.split_whitespace().collect::<Vec<_>>(),
            ["Hello", "world", "&", "you", "https://bank.example", "bye"]
        );
        assert_eq!(
            h.links,
            vec![Link {
                href: "http://evil.example/x".into(),
                text: "https://bank.example".into()
            }]
        );
        assert_eq!(
            h.images,
            vec![("http://t.example/p.gif".into(), Some(1), Some(1))]
        );
    }

    #[test]
    fn comments_end_at_the_first_arrow() {
        for (h, want) in [
            ("a<!-- x -->b", "ab"),
            ("a<!-->b", "ab"),
            ("a<!--->b", "ab"),
            ("a<!-- > -> --> b --> c", "a b --> c"),
            ("a<!-- never closed", "a"),
            ("a<!-- x --!>y-->z", "az"),
        ] {
            // The scan as it was: the first "-->" of the rest from "<!--" on.
            let at = h.find("<!--").unwrap();
            let rest = &h[at..];
            let naive = match rest.as_bytes().windows(3).position(|w| w == b"-->") {
                Some(i) => format!("{}{}", &h[..at], &rest[i + 3..]),
                None => h[..at].to_string(),
            };
            let got = parse(h).text;
            assert_eq!(got, naive, "{h}");
            assert_eq!(got, want, "{h}");
        }
    }

    #[test]
    fn broken_html_does_not_panic() {
        for s in [
            "<",
            "<a href=",
            "&#xZZ;",
            "<a href='x>y",
            "<script>",
            "&#99999999;",
            "<img width=>",
        ] {
            parse(s);
        }
    }
}
