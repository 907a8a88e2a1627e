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

fn attr(tag: &str, name: &str) -> Option<String> {
    // Searched in place, ignoring ASCII case (`name` is lower case): lower-casing a copy of
    // the tag for every attribute looked up cost an allocation each (issue 19).
    let mut from = 0;
    while let Some(i) = find_ci(&tag[from..], name) {
        let at = from + i;
        from = at + name.len();
        // Must be a whole attribute name.
        let before_ok = at == 0 || !tag.as_bytes()[at - 1].is_ascii_alphanumeric();
        let rest = tag[from..].trim_start();
        if !before_ok || !rest.starts_with('=') {
            continue;
        }
        let start = tag.len() - rest.len() + 1;
        let value = tag[start..].trim_start();
        return Some(match value.chars().next() {
            Some(q @ ('"' | '\'')) => value[1..].split(q).next().unwrap_or("").to_string(),
            _ => value
                .split(|c: char| c.is_whitespace() || c == '>')
                .next()
                .unwrap_or("")
                .to_string(),
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
fn find_ci(hay: &str, needle: &str) -> Option<usize> {
    let n = needle.as_bytes();
    let (first, tail) = n.split_first()?;
    let (lower, upper) = (first.to_ascii_lowercase(), first.to_ascii_uppercase());
    let h = hay.as_bytes();
    let last = h.len().checked_sub(n.len())?;
    // The first byte (either case) filters most positions before the rest is compared.
    let mut i = 0;
    while i <= last {
        let p = h
            .get(i..=last)?
            .iter()
            .position(|&b| b == lower || b == upper)?;
        i += p;
        if h.get(i + 1..i + n.len())?.eq_ignore_ascii_case(tail) {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// Scans an HTML document.
pub fn parse(html: &str) -> Html {
    let mut out = Html::default();
    let mut rest = html;
    let mut skip_until: Option<&str> = None;
    let mut link: Option<Link> = None;
    while !rest.is_empty() {
        if let Some(end_tag) = skip_until {
            // Search in place: lower-casing a copy of the rest for every `<script>` made a
            // message of many such tags quadratic.
            match find_ci(rest, end_tag) {
                Some(i) => {
                    rest = &rest[i..];
                    skip_until = None;
                }
                None => break,
            }
        }
        let Some(lt) = rest.find('<') else {
            push_text(&mut out, &mut link, rest);
            break;
        };
        push_text(&mut out, &mut link, &rest[..lt]);
        rest = &rest[lt..];
        if rest.starts_with("<!--") {
            rest = match rest.find("-->") {
                Some(i) => &rest[i + 3..],
                None => "",
            };
            continue;
        }
        let Some(gt) = rest.find('>') else {
            break;
        };
        let tag = &rest[1..gt];
        rest = &rest[gt + 1..];
        out.tags += 1;
        // The tag's name, lower case, without allocating: the names matched below are at most
        // six letters, so a longer one is just "another tag".
        let bare = tag.trim_start_matches('/');
        let len = bare
            .bytes()
            .position(|b| !b.is_ascii_alphanumeric())
            .unwrap_or(bare.len());
        let mut buf = [0u8; 8];
        let name = match bare.as_bytes().get(..len) {
            Some(n) if n.len() <= buf.len() => {
                buf[..n.len()].copy_from_slice(n);
                buf[..n.len()].make_ascii_lowercase();
                std::str::from_utf8(&buf[..n.len()]).unwrap_or("")
            }
            _ => "",
        };
        let closing = tag.starts_with('/');
        match name {
            "script" if !closing => skip_until = Some("</script"),
            "style" if !closing => skip_until = Some("</style"),
            "a" if !closing => {
                out.text.push(' ');
                if let Some(l) = link.take() {
                    out.links.push(l);
                }
                link = attr(tag, "href").map(|href| Link {
                    href,
                    text: String::new(),
                });
            }
            "a" => {
                if let Some(l) = link.take() {
                    out.links.push(l);
                }
            }
            "img" => {
                let num = |n: &str| {
                    attr(tag, n).and_then(|v| v.trim_end_matches("px").trim().parse().ok())
                };
                out.images.push((
                    attr(tag, "src").unwrap_or_default(),
                    num("width"),
                    num("height"),
                ));
            }
            // Inline formatting joins words ("<b>W</b>in" is "Win", a classic trick); every
            // other tag separates them.
            "b" | "i" | "u" | "em" | "strong" | "span" | "font" | "small" | "big" | "sub"
            | "sup" => {}
            _ => out.text.push(' '),
        }
    }
    if let Some(l) = link.take() {
        out.links.push(l);
    }
    out
}

fn push_text(out: &mut Html, link: &mut Option<Link>, raw: &str) {
    // Decoded straight onto the text (a link's text is a copy of what was appended).
    let start = out.text.len();
    let decoded = &mut out.text;
    let mut rest = raw;
    while let Some(i) = rest.find('&') {
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
