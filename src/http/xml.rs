//! The little XML the documents need: escaping text for elements and attributes, and reading
//! one element's text out of an autodiscover request.

/// Escapes text for an XML element or a double- or single-quoted attribute. Characters XML 1.0
/// cannot carry at all (controls other than tab and newlines) are dropped (XML 1.0 §2.2).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// The text of the first element whose local name is `name` (any namespace prefix), with the
/// five predefined entities and character references decoded. None when the element is absent,
/// empty, or holds markup or an unknown entity. Enough for the flat autodiscover request; a
/// document with a DTD is refused outright, so no entity expansion can be smuggled in.
pub fn element_text(doc: &str, name: &str) -> Option<String> {
    if doc.contains("<!DOCTYPE") || doc.contains("<!ENTITY") {
        return None;
    }
    let mut rest = doc;
    loop {
        let start = rest.find('<')?;
        rest = rest.get(start + 1..)?;
        let end = rest.find('>')?;
        let tag = rest.get(..end)?;
        rest = rest.get(end + 1..)?;
        if tag.starts_with('/') || tag.starts_with('?') || tag.starts_with('!') {
            continue;
        }
        let tag_name = tag.split(|c: char| c.is_whitespace() || c == '/').next()?;
        let local = tag_name.rsplit(':').next()?;
        if local != name || tag.ends_with('/') {
            continue;
        }
        let close = rest.find('<')?;
        let raw = rest.get(..close)?;
        let after = rest.get(close..)?;
        let closes = after
            .strip_prefix("</")
            .and_then(|a| a.strip_prefix(tag_name))
            .is_some_and(|a| a.trim_start().starts_with('>'));
        if !closes {
            return None;
        }
        return decode(raw.trim()).filter(|t| !t.is_empty());
    }
}

fn decode(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(rest.get(..amp)?);
        let after = rest.get(amp + 1..)?;
        let semi = after.find(';')?;
        let entity = after.get(..semi)?;
        let c = match entity {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            _ => {
                let code = if let Some(hex) = entity.strip_prefix("#x") {
                    u32::from_str_radix(hex, 16).ok()?
                } else {
                    entity.strip_prefix('#')?.parse().ok()?
                };
                char::from_u32(code)?
            }
        };
        out.push(c);
        rest = after.get(semi + 1..)?;
    }
    out.push_str(rest);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_drops_controls() {
        assert_eq!(escape("a<b>&\"'\u{1}c"), "a&lt;b&gt;&amp;&quot;&apos;c");
    }

    #[test]
    fn reads_an_element_in_any_namespace() {
        let doc = r#"<?xml version="1.0" encoding="utf-8"?>
<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006">
  <Request>
    <EMailAddress>user@example.org</EMailAddress>
  </Request>
</Autodiscover>"#;
        assert_eq!(
            element_text(doc, "EMailAddress").as_deref(),
            Some("user@example.org")
        );
        let prefixed = "<a:Request><a:EMailAddress> x&amp;y@e.org </a:EMailAddress></a:Request>";
        assert_eq!(
            element_text(prefixed, "EMailAddress").as_deref(),
            Some("x&y@e.org")
        );
        for bad in [
            "<EMailAddress>",
            "<EMailAddress/>",
            "<EMailAddress></EMailAddress>",
            "<EMailAddress>a<b/></EMailAddress>",
            "<EMailAddress>a&bogus;</EMailAddress>",
            "<EMailAddress>a</Other>",
            "<!DOCTYPE x [<!ENTITY e \"y\">]><EMailAddress>&e;</EMailAddress>",
            "<EMailAddress>&#xFFFFFFFF;</EMailAddress>",
            "<<<<>>>>&&&;;;",
            "\u{e9}<\u{e9}>\u{e9}",
        ] {
            assert_eq!(element_text(bad, "EMailAddress"), None, "{bad:?}");
        }
    }
}
