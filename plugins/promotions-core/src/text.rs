//! Text normalisation and phrase matching.
//!
//! Text is compared in one normal form: lower case, Latin diacritics folded (`envío` → `envio`,
//! `contraseña` → `contrasena`), every other non-alphanumeric character a word break. Phrases are
//! sequences of such words, matched on word boundaries, so `sale` does not match `wholesale` and
//! `free shipping` matches `FREE  Shipping!`.
//!
//! Matching walks the words of a text once and looks each up in a sorted table of phrases by
//! their first word: O(words × log phrases), with no set-up beyond one sort. (A plugin instance
//! lives for one message, so anything built per instance is paid per message.)

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

/// `text` in normal form: words of lower-case, folded alphanumerics separated by single spaces.
/// At most `limit` bytes of input are read (long bodies say nothing more after the first pages).
pub fn normalize(text: &str, limit: usize) -> String {
    let mut out = String::with_capacity(text.len().min(limit));
    let mut pending_space = false;
    for (i, c) in text.char_indices() {
        if i >= limit {
            break;
        }
        if c.is_alphanumeric() {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            if c.is_ascii() {
                out.push(c.to_ascii_lowercase());
            } else {
                for l in c.to_lowercase() {
                    out.push(fold(l));
                }
            }
        } else {
            pending_space = true;
        }
    }
    out
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

/// A sorted phrase table.
pub struct Lexicon<'a> {
    /// (first word, whole phrase, kind), sorted by first word.
    entries: Vec<(&'a str, &'a str, Kind)>,
}

impl<'a> Lexicon<'a> {
    /// A table of phrases already in normal form (see [`normalize`]).
    pub fn new(phrases: impl IntoIterator<Item = (&'a str, Kind)>) -> Lexicon<'a> {
        let mut entries: Vec<(&str, &str, Kind)> = phrases
            .into_iter()
            .filter_map(|(p, k)| Some((p.split(' ').next().filter(|w| !w.is_empty())?, p, k)))
            .collect();
        entries.sort_unstable();
        entries.dedup();
        Lexicon { entries }
    }

    /// The distinct phrases found in `normalized` text, in order of first appearance.
    pub fn find(&self, normalized: &str) -> Vec<(&'a str, Kind)> {
        let words: Vec<&str> = normalized.split(' ').filter(|w| !w.is_empty()).collect();
        let mut found: Vec<(&'a str, Kind)> = Vec::new();
        for (i, w) in words.iter().enumerate() {
            let start = self.entries.partition_point(|e| e.0 < *w);
            for &(first, phrase, kind) in &self.entries[start..] {
                if first != *w {
                    break;
                }
                let mut rest = phrase.split(' ').skip(1);
                let mut j = i + 1;
                let matched = loop {
                    match rest.next() {
                        None => break true,
                        Some(p) if words.get(j) == Some(&p) => j += 1,
                        Some(_) => break false,
                    }
                };
                if matched && !found.iter().any(|(p, _)| *p == phrase) {
                    found.push((phrase, kind));
                }
            }
        }
        found
    }
}

/// Discount expressions: a number followed by `%` with discount wording nearby (`30% off`,
/// `-20%`, `up to 50%`, `hasta el 40%`, `40% de descuento`, `20% dto`). A bare percentage (VAT,
/// interest rates, battery levels) is not one. `lower` is the lower-cased original text.
pub fn has_discount(lower: &str) -> bool {
    let bytes = lower.as_bytes();
    let mut from = 0;
    while let Some(pos) = lower[from..].find('%').map(|p| p + from) {
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
        let before = &lower[floor_boundary(lower, d.saturating_sub(14))..d];
        let after = &lower[pos + 1..ceil_boundary(lower, (pos + 20).min(lower.len()))];
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

    #[test]
    fn phrases_match_on_word_boundaries() {
        let lex = Lexicon::new([
            ("sale", Kind::OfferStrong),
            ("free shipping", Kind::OfferStrong),
            ("free", Kind::OfferWeak),
        ]);
        let t = normalize("Wholesale prices. FREE shipping on everything, free!", 1000);
        let found = lex.find(&t);
        // In order of position; at one position shorter phrases first.
        assert_eq!(
            found,
            vec![
                ("free", Kind::OfferWeak),
                ("free shipping", Kind::OfferStrong)
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
