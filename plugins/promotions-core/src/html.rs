//! A small, forgiving HTML scanner: the visible text of a body and the facts a classifier wants
//! about its images and links. It is not a parser: malformed markup cannot make it fail, only
//! make it see less.

/// What a scan of an HTML body found.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct HtmlFacts {
    /// The visible text (tags, `<style>`, `<script>` and comments removed, common entities
    /// decoded), with a space where a tag was.
    pub text: String,
    /// `<img>` tags.
    pub images: usize,
    /// Images that are 1×1 or 0×0 (width/height attributes or CSS), or whose source looks like
    /// an open-tracking beacon.
    pub tracking_pixels: usize,
    /// `<a href>` links.
    pub links: usize,
    /// Links carrying campaign parameters (`utm_campaign`, `utm_medium=email`, `mc_cid`, …).
    pub campaign_links: usize,
    /// Links through a click-tracking redirect (`click.`, `/ls/click`, `list-manage.com`, …).
    pub tracked_links: usize,
}

/// Scans at most `limit` bytes of `html`.
pub fn scan(html: &str, limit: usize) -> HtmlFacts {
    let mut end = html.len().min(limit);
    while !html.is_char_boundary(end) {
        end -= 1;
    }
    let html = &html[..end];
    let mut facts = HtmlFacts {
        text: String::with_capacity(html.len() / 3),
        ..HtmlFacts::default()
    };
    let mut rest = html;
    // Byte searches: the separators are ASCII, so their indexes are character boundaries (a
    // `str::find` per tag cost more to set up than the few bytes it searched; issue 19).
    while let Some(lt) = byte_pos(rest, b'<') {
        push_text(&mut facts.text, &rest[..lt]);
        rest = &rest[lt..];
        if let Some(after) = rest.strip_prefix("<!--") {
            rest = after.find("-->").map_or("", |e| &after[e + 3..]);
            continue;
        }
        let Some(gt) = byte_pos(rest, b'>') else {
            rest = "";
            break;
        };
        let tag = &rest[1..gt];
        rest = &rest[gt + 1..];
        let name_end = tag
            .bytes()
            .position(|b| b.is_ascii_whitespace() || b == b'/')
            .unwrap_or(tag.len());
        let name = &tag[..name_end];
        facts.text.push(' ');
        if name.eq_ignore_ascii_case("style") || name.eq_ignore_ascii_case("script") {
            // Skip to the closing tag; its content is not text.
            let close = if name.eq_ignore_ascii_case("style") {
                "</style"
            } else {
                "</script"
            };
            rest = find_ci(rest, close).map_or("", |i| &rest[i..]);
        } else if name.eq_ignore_ascii_case("img") {
            facts.images += 1;
            if is_pixel(tag) {
                facts.tracking_pixels += 1;
            }
        } else if name.eq_ignore_ascii_case("a") {
            if let Some(href) = attr(tag, "href") {
                facts.links += 1;
                // Compared ignoring ASCII case, without a lower-case copy (issue 19, sixth
                // round).
                if is_campaign_link(href) {
                    facts.campaign_links += 1;
                }
                if is_tracked_link(href) {
                    facts.tracked_links += 1;
                }
            }
        }
    }
    push_text(&mut facts.text, rest);
    facts
}

/// Appends text with entities decoded.
fn push_text(out: &mut String, s: &str) {
    let mut rest = s;
    while let Some(amp) = byte_pos(rest, b'&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        // An entity name is short: look for its `;` in the next few bytes. Searching bytes (not
        // slicing the string at a byte count, which can land inside `é`) keeps this safe on any
        // text; `;` is ASCII, so its index is a character boundary.
        let semi = rest.bytes().take(10).position(|b| b == b';');
        let decoded = semi.and_then(|i| entity(&rest[1..i]).map(|c| (c, i + 1)));
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
}

fn entity(name: &str) -> Option<char> {
    if let Some(num) = name.strip_prefix('#') {
        let n = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse().ok()?,
        };
        return char::from_u32(n);
    }
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" | "zwnj" | "shy" => ' ',
        "aacute" => 'á',
        "eacute" => 'é',
        "iacute" => 'í',
        "oacute" => 'ó',
        "uacute" => 'ú',
        "ntilde" => 'ñ',
        "Aacute" => 'Á',
        "Eacute" => 'É',
        "Iacute" => 'Í',
        "Oacute" => 'Ó',
        "Uacute" => 'Ú',
        "Ntilde" => 'Ñ',
        "uuml" => 'ü',
        "iexcl" => '¡',
        "iquest" => '¿',
        "euro" => '€',
        "pound" => '£',
        "copy" => '©',
        "reg" => '®',
        "trade" => '™',
        "middot" => '·',
        "mdash" => '—',
        "ndash" => '–',
        "hellip" => '…',
        "rsquo" | "lsquo" => '\'',
        "rdquo" | "ldquo" => '"',
        _ => return None,
    })
}

/// Case-insensitive (ASCII) search.
fn find_ci(hay: &str, needle: &str) -> Option<usize> {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    if n.is_empty() || h.len() < n.len() {
        return None;
    }
    // The first byte filters most positions before the whole needle is compared (issue 19).
    let first = n[0].to_ascii_lowercase();
    (0..=h.len() - n.len())
        .find(|&i| h[i].to_ascii_lowercase() == first && h[i..i + n.len()].eq_ignore_ascii_case(n))
}

/// The first `b` in `s` (see [`crate::text::find_byte`]).
fn byte_pos(s: &str, b: u8) -> Option<usize> {
    crate::text::find_byte(s.as_bytes(), b)
}

/// The value of attribute `name` in a tag's inside (`img src="x" width=1`), quotes removed:
/// the first place where `name` (any case) follows ASCII whitespace and is followed by `=`.
pub fn attr<'t>(tag: &'t str, name: &str) -> Option<&'t str> {
    let [value] = attrs(tag, [name]);
    value
}

/// [`attr`] of each of `names` (none empty or holding whitespace), in one pass over the tag
/// (issue 19: an image's four attributes were four searches).
fn attrs<'t, const N: usize>(tag: &'t str, names: [&str; N]) -> [Option<&'t str>; N] {
    let mut out = [None; N];
    let bytes = tag.as_bytes();
    let mut left = names.iter().filter(|n| !n.is_empty()).count();
    // The places `i` after ASCII whitespace that is not itself whitespace, in order: each
    // space found eight bytes at a time (issue 19, fifth round: a byte loop over every tag).
    let mut from = 0;
    while left > 0 {
        let Some(i) = crate::text::find_ascii_space(&bytes[from..]).map(|j| from + j + 1) else {
            break;
        };
        from = i;
        match bytes.get(i) {
            None => break,
            Some(b) if b.is_ascii_whitespace() => continue,
            Some(_) => {}
        }
        for (k, name) in names.iter().enumerate() {
            let n = name.as_bytes();
            if out[k].is_some()
                || n.is_empty()
                || !bytes[i..]
                    .get(..n.len())
                    .is_some_and(|b| b.eq_ignore_ascii_case(n))
            {
                continue;
            }
            // `name` matched from a character boundary (after ASCII whitespace), so `i +
            // n.len()` is one too.
            if let Some(v) = attr_value(&tag[i + n.len()..]) {
                out[k] = Some(v);
                left -= 1;
            }
        }
    }
    out
}

/// The value after an attribute's name: `= "v"`, `='v'` or `=v`; None without the `=`.
fn attr_value(after_name: &str) -> Option<&str> {
    let value = trim_start(trim_start(after_name).strip_prefix('=')?);
    // Byte searches for ASCII delimiters: their indexes are character boundaries.
    Some(match value.as_bytes().first() {
        Some(&q @ (b'"' | b'\'')) => {
            let v = &value[1..];
            &v[..byte_pos(v, q).unwrap_or(v.len())]
        }
        _ => {
            &value[..value
                .bytes()
                .position(|b| b.is_ascii_whitespace() || b == b'>')
                .unwrap_or(value.len())]
        }
    })
}

/// `s.trim_start()`, without decoding a character when `s` begins with ASCII that is not
/// whitespace (`name="v"`: almost every attribute; issue 19, sixth round).
fn trim_start(s: &str) -> &str {
    match s.as_bytes().first() {
        Some(b) if b.is_ascii() && !matches!(b, b'\t'..=b'\r' | b' ') => s,
        _ => s.trim_start(),
    }
}

/// `hay.contains(needle)`: the reference for [`has_any_around`] in the tests.
#[cfg(test)]
fn has(hay: &str, needle: &str) -> bool {
    let n = needle.as_bytes();
    n.is_empty()
        || hay
            .as_bytes()
            .windows(n.len())
            .any(|w| w[0] == n[0] && w == n)
}

/// `patterns.iter().any(|p| has(&hay.to_ascii_lowercase(), p))` for lower-case patterns that
/// all hold the byte `sep` (not a letter): only the places of `sep` in `hay` are tried (a link
/// has a few `=` and `/`), not every byte (issue 19), found eight bytes at a time and compared
/// ignoring ASCII case, without a lower-case copy of `hay` (issue 19, sixth round).
/// Each pattern comes with the index of its first `sep` (see [`seps`]).
fn has_any_around(hay: &str, sep: u8, patterns: &[(&str, usize)]) -> bool {
    let h = hay.as_bytes();
    let at = |e: usize| {
        h[e] == sep
            && patterns.iter().any(|&(p, k)| {
                let p = p.as_bytes();
                e.checked_sub(k)
                    .and_then(|o| h.get(o..o + p.len()))
                    .is_some_and(|w| lower_is(w, p))
            })
    };
    let mut chunks = h.chunks_exact(8);
    let mut base = 0;
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        // Every byte equal to `sep` is flagged (and maybe a byte above one: checked by `at`).
        let mut flags = crate::text::has_byte(u64::from_le_bytes(word), sep);
        while flags != 0 {
            if at(base + (flags.trailing_zeros() / 8) as usize) {
                return true;
            }
            flags &= flags - 1;
        }
        base += 8;
    }
    (base..h.len()).any(at)
}

/// Each of `list` with the index of its first `sep` (0 without one), at compile time: found
/// once per link and pattern before (issue 19, sixth round).
const fn seps<const N: usize>(sep: u8, list: &[&'static str]) -> [(&'static str, usize); N] {
    let mut out = [("", 0); N];
    let mut i = 0;
    while i < N {
        let p = list[i].as_bytes();
        let mut k = 0;
        while k < p.len() && p[k] != sep {
            k += 1;
        }
        out[i] = (list[i], if k == p.len() { 0 } else { k });
        i += 1;
    }
    out
}

const PIXEL_AROUND: [(&str, usize); PIXEL_PATHS.len()] = seps(b'/', PIXEL_PATHS);
const PIXEL_GIF: [(&str, usize); 1] = seps(b'.', &["pixel.gif"]);
const CAMPAIGN_AROUND: [(&str, usize); CAMPAIGN_PARAMETERS.len()] = seps(b'=', CAMPAIGN_PARAMETERS);
const TRACKED_PATHS_AROUND: [(&str, usize); TRACKED_PATHS.len()] = seps(b'/', TRACKED_PATHS);
const TRACKED_HOSTS_AROUND: [(&str, usize); TRACKED_HOSTS.len()] = seps(b'.', TRACKED_HOSTS);

/// `w.to_ascii_lowercase() == lower` for `lower` in lower case, stopping at the first
/// difference (the slices' `eq_ignore_ascii_case` is written for long inputs: natively it cost
/// some 25 times more on these few bytes).
fn lower_is(w: &[u8], lower: &[u8]) -> bool {
    w.len() == lower.len()
        && w.iter()
            .zip(lower)
            .all(|(a, b)| a.to_ascii_lowercase() == *b)
}

/// Open-tracking endpoints of common mailers (SendGrid /wf/open, Mailchimp /track/open.php,
/// Mailgun /o/, Salesforce /open.aspx, HubSpot /e2t/to/, generic beacons); with `pixel.gif`.
const PIXEL_PATHS: &[&str] = &[
    "/wf/open",
    "/track/open",
    "/open.php",
    "/open.aspx",
    "/e2t/to/",
    "/trk/open",
    "/beacon",
    "/o.gif",
    "/open?",
];

const CAMPAIGN_PARAMETERS: &[&str] = &[
    "utm_campaign=",
    "utm_medium=email",
    "utm_medium=newsletter",
    "utm_source=newsletter",
    "mc_cid=",
    "_hsenc=",
    "mkt_tok=",
];

const TRACKED_PATHS: &[&str] = &["/ls/click", "/c/", "/track/click", "/wf/click"];

/// Hosts of click-tracking services (each holds a `.`, see [`has_any_around`]).
const TRACKED_HOSTS: &[&str] = &[
    ".list-manage.com",
    "ct.sendgrid.net",
    ".hubspotlinks.com",
    ".klclick",
    ".ctrk.",
    "mailchi.mp",
    ".mlsend.com",
    ".acemlna.com",
    ".createsend",
];

/// A dimension of at most one pixel: `1`, `0`, `1px`, `"1"`.
fn tiny(v: &str) -> bool {
    // `trim_end_matches("px")` without a substring searcher per attribute (issue 19).
    let mut v = v.trim();
    while let Some(r) = v.strip_suffix("px") {
        v = r;
    }
    matches!(v.trim(), "0" | "1")
}

fn css_dimension<'s>(style: &'s str, prop: &str) -> Option<&'s str> {
    let lower_idx = find_ci(style, prop)?;
    let rest = style[lower_idx + prop.len()..]
        .trim_start()
        .strip_prefix(':')?;
    Some(rest.split(';').next().unwrap_or(""))
}

fn is_pixel(tag: &str) -> bool {
    let [w, h, style, src] = attrs(tag, ["width", "height", "style", "src"]);
    if w.is_some_and(tiny) && h.is_some_and(tiny) {
        return true;
    }
    if let Some(style) = style {
        let sw = css_dimension(style, "width");
        let sh = css_dimension(style, "height");
        if sw.is_some_and(tiny) && sh.is_some_and(tiny) {
            return true;
        }
    }
    let src = src.unwrap_or("");
    has_any_around(src, b'/', &PIXEL_AROUND) || has_any_around(src, b'.', &PIXEL_GIF)
}

fn is_campaign_link(href: &str) -> bool {
    has_any_around(href, b'=', &CAMPAIGN_AROUND)
}

/// Whether the link `href` (any case) goes through a click-tracking redirect.
fn is_tracked_link(href: &str) -> bool {
    // `split_once("://")` without setting up a substring searcher per link (issue 19).
    let host = href
        .as_bytes()
        .windows(3)
        .position(|w| w == b"://")
        .map_or("", |i| {
            let rest = &href[i + 3..];
            // The host's end by an eight-byte scan (issue 19, sixth round: a char searcher).
            let end = crate::text::find_flagged(
                rest.as_bytes(),
                |x| {
                    use crate::text::has_byte;
                    has_byte(x, b'/') | has_byte(x, b'?') | has_byte(x, b'#')
                },
                |b| matches!(b, b'/' | b'?' | b'#'),
            );
            &rest[..end.unwrap_or(rest.len())]
        });
    [
        "click.", "clicks.", "links.", "link.", "trk.", "track.", "email.", "e.",
    ]
    .iter()
    .any(|p| {
        host.as_bytes()
            .get(..p.len())
            .is_some_and(|h| lower_is(h, p.as_bytes()))
    })
        // Every host pattern holds a dot: only the host's few dots are tried (issue 19, fifth
        // round: nine searches of the whole host per link, some ten instructions a byte in
        // WebAssembly).
        || has_any_around(host, b'.', &TRACKED_HOSTS_AROUND)
        || has_any_around(href, b'/', &TRACKED_PATHS_AROUND)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiny_is_the_reference() {
        for v in [
            "1", "0", " 1px ", "1pxpx", "1 px", "px", "pxpx1", "1p", "\"1\"", "01", "1px ",
            " 0 px", "", "2px", "1PX", "0pxx",
        ] {
            assert_eq!(
                tiny(v),
                matches!(v.trim().trim_end_matches("px").trim(), "0" | "1"),
                "{v:?}"
            );
        }
    }

    /// `attrs` as it was before issue 19's fifth round: every byte of the tag looked at.
    fn attrs_reference<'t, const N: usize>(tag: &'t str, names: [&str; N]) -> [Option<&'t str>; N] {
        let mut out = [None; N];
        let bytes = tag.as_bytes();
        let mut left = names.iter().filter(|n| !n.is_empty()).count();
        for i in 1..bytes.len() {
            if left == 0 {
                break;
            }
            if !bytes[i - 1].is_ascii_whitespace() || bytes[i].is_ascii_whitespace() {
                continue;
            }
            for (k, name) in names.iter().enumerate() {
                let n = name.as_bytes();
                if out[k].is_some()
                    || n.is_empty()
                    || !bytes[i..]
                        .get(..n.len())
                        .is_some_and(|b| b.eq_ignore_ascii_case(n))
                {
                    continue;
                }
                if let Some(v) = attr_value(&tag[i + n.len()..]) {
                    out[k] = Some(v);
                    left -= 1;
                }
            }
        }
        out
    }

    #[test]
    fn trim_start_is_str_trim_start() {
        for c in (0..0x3100u32).filter_map(char::from_u32) {
            for s in [format!("{c}x"), format!("{c}"), format!("{c} =")] {
                assert_eq!(trim_start(&s), s.trim_start(), "{s:?}");
            }
        }
        assert_eq!(trim_start(""), "");
    }

    #[test]
    fn attrs_is_the_reference() {
        let pieces = [
            "img",
            " ",
            "\t",
            "\n",
            "  ",
            "src",
            "SRC",
            "=",
            "\"",
            "'",
            "x",
            "width",
            "height",
            "style",
            "1",
            "é",
            "\u{a0}",
            "\u{b}",
            "href",
            "a",
            "src=\"s w\"",
            "/",
        ];
        crate::for_each_random_text(&pieces, 30_000, |t, _| {
            assert_eq!(
                attrs(t, ["width", "height", "style", "src"]),
                attrs_reference(t, ["width", "height", "style", "src"]),
                "{t:?}"
            );
            assert_eq!(attrs(t, ["href"]), attrs_reference(t, ["href"]), "{t:?}");
            assert_eq!(
                attrs(t, ["", "src"]),
                attrs_reference(t, ["", "src"]),
                "{t:?}"
            );
        });
    }

    /// A link's checks as they were before issue 19's sixth round: on a lower-case copy, every
    /// byte of the link looked at.
    fn link_reference(href: &str) -> (bool, bool) {
        let h = href.to_ascii_lowercase();
        let around = |hay: &str, patterns: &[&str]| patterns.iter().any(|p| has(hay, p));
        let host = h
            .as_bytes()
            .windows(3)
            .position(|w| w == b"://")
            .map_or("", |i| {
                h[i + 3..].split(['/', '?', '#']).next().unwrap_or("")
            });
        let tracked = [
            "click.", "clicks.", "links.", "link.", "trk.", "track.", "email.", "e.",
        ]
        .iter()
        .any(|p| host.starts_with(p))
            || around(host, TRACKED_HOSTS)
            || around(&h, TRACKED_PATHS);
        (around(&h, CAMPAIGN_PARAMETERS), tracked)
    }

    #[test]
    fn links_are_classified_as_by_the_lower_case_copy() {
        for list in [
            CAMPAIGN_PARAMETERS,
            TRACKED_PATHS,
            TRACKED_HOSTS,
            PIXEL_PATHS,
        ] {
            for p in list {
                assert_eq!(*p, p.to_ascii_lowercase(), "patterns are lower case");
            }
        }
        let pieces = [
            "https://",
            "HTTP://",
            "click.",
            "Click.",
            "E.",
            "x.example",
            "/",
            "?",
            "#",
            "=",
            "utm_campaign=",
            "UTM_Medium=Email",
            "mc_cid=",
            "/ls/click",
            "/LS/Click",
            "/c/",
            ".list-manage.com",
            ".List-Manage.COM",
            "mailchi.mp",
            "é",
            "abcdefgh",
        ];
        crate::for_each_random_text(&pieces, 40_000, |t, _| {
            assert_eq!(
                (is_campaign_link(t), is_tracked_link(t)),
                link_reference(t),
                "{t:?}"
            );
            let lower = t.to_ascii_lowercase();
            assert_eq!(
                has_any_around(t, b'/', &PIXEL_AROUND) || has_any_around(t, b'.', &PIXEL_GIF),
                PIXEL_PATHS.iter().any(|p| has(&lower, p)) || has(&lower, "pixel.gif"),
                "{t:?}"
            );
        });
    }

    #[test]
    fn text_without_markup() {
        let f = scan(
            "<html><head><style>p{color:red}</style></head><body><!-- x < y --><p>Env&iacute;o&nbsp;gratis &amp; m&#225;s</p><script>var a='<p>no</p>';</script>fin &bogus; &</body>",
            100_000,
        );
        let words: Vec<&str> = f.text.split_whitespace().collect();
        assert_eq!(
            words,
            vec!["Envío", "gratis", "&", "más", "fin", "&bogus;", "&"]
        );
    }

    #[test]
    fn pixels_and_links() {
        let f = scan(
            r#"<img src="https://x.example/logo.png" width="120" height="40">
               <IMG SRC="https://x.example/i.gif" WIDTH=1 HEIGHT=1 alt="">
               <img style="display:block; width: 1px; height:1px" src="https://y.example/a.gif">
               <img src="https://u123.ct.sendgrid.net/wf/open?upn=abc">
               <a href="https://shop.example/p?utm_source=nl&amp;utm_campaign=bf">x</a>
               <a href='https://click.shop.example/?q=1'>y</a>
               <a name="anchor">z</a>"#,
            100_000,
        );
        assert_eq!((f.images, f.tracking_pixels), (4, 3));
        assert_eq!((f.links, f.campaign_links, f.tracked_links), (2, 1, 1));
    }

    /// [`seps`] at run time.
    fn with_seps<'p>(sep: u8, list: &[&'p str]) -> Vec<(&'p str, usize)> {
        list.iter()
            .map(|p| (*p, p.bytes().position(|b| b == sep).unwrap_or(0)))
            .collect()
    }

    #[test]
    fn separators_are_found_at_compile_time() {
        assert_eq!(PIXEL_AROUND[..], with_seps(b'/', PIXEL_PATHS)[..]);
        assert_eq!(PIXEL_GIF[..], with_seps(b'.', &["pixel.gif"])[..]);
        assert_eq!(
            CAMPAIGN_AROUND[..],
            with_seps(b'=', CAMPAIGN_PARAMETERS)[..]
        );
        assert_eq!(TRACKED_PATHS_AROUND[..], with_seps(b'/', TRACKED_PATHS)[..]);
        assert_eq!(TRACKED_HOSTS_AROUND[..], with_seps(b'.', TRACKED_HOSTS)[..]);
    }

    #[test]
    fn patterns_are_found_around_their_separator() {
        for (sep, list) in [
            (b'/', PIXEL_PATHS),
            (b'=', CAMPAIGN_PARAMETERS),
            (b'/', TRACKED_PATHS),
            (b'.', TRACKED_HOSTS),
            (b'.', &["pixel.gif"]),
        ] {
            for p in list {
                assert!(p.as_bytes().contains(&sep), "{p}");
            }
            let hays = [
                "https://x.example/a/ls/click?utm_medium=email&x=/wf/open".to_string(),
                "=/".repeat(5),
                String::new(),
                "u1.ct.sendgrid.net.list-manage.com.mailchi.mp/pixel.gif.".to_string(),
                ".".repeat(4),
            ];
            for hay in hays.iter().map(String::as_str).chain(list.iter().copied()) {
                for extra in ["", "x", "é/=", "/=x", "ABCDEFGHIJ"] {
                    for hay in [
                        format!("{extra}{hay}{extra}"),
                        format!("{extra}{hay}{extra}").to_ascii_uppercase(),
                    ] {
                        assert_eq!(
                            has_any_around(&hay, sep, &with_seps(sep, list)),
                            list.iter().any(|p| has(&hay.to_ascii_lowercase(), p)),
                            "{hay}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn malformed_markup_is_harmless() {
        for bad in [
            "<",
            "<img",
            "<a href=",
            "<!-- never closed",
            "<style>unclosed",
            "a & b <b",
            "é<é>é",
        ] {
            let _ = scan(bad, 100_000);
        }
        // The limit never splits a character.
        assert_eq!(scan("ééé", 3).text, "é");
        assert_eq!(
            attr(r#"img alt="width=1" width="300""#, "width"),
            Some("300")
        );
    }
}
