//! # promotions-core
//!
//! Classifies a message as **promotion** (newsletters, marketing), **social** (notifications from
//! social networks) or **inbox** (everything else: personal mail, mailing-list discussion, tool
//! notifications, and transactional mail — receipts, password resets, shipping notices).
//!
//! Plain Rust without dependencies, so it runs natively in tests and inside the `promotions`
//! WebAssembly plugin alike. The plugin turns the SDK's message view into an [`Email`].
//!
//! How it decides, in order:
//!
//! 1. **Social**: the From domain is one of the social networks' (`social_domains`, e.g.
//!    `facebookmail.com`, `linkedin.com`) or the message carries a social network's header
//!    (`X-Facebook-Notify`, `X-LinkedIn-Class`, …) → social — unless its subject is about
//!    account security or a transaction (a password reset from Facebook stays in INBOX).
//!    Notifications of fediverse servers are recognised by their structure from any instance
//!    (see [`fediverse`]).
//! 2. **Promotion score**: a sum of weighted, named rules ([`Reason`]). Bulk-mail machinery
//!    (List-Unsubscribe, RFC 8058 one-click, `Precedence: bulk`, ESP fingerprints, tracking
//!    pixels, campaign links, unsubscribe and view-online wording) counts up to
//!    [`BULK_CAP`]: those signals travel together, and receipts sent through the same
//!    services carry them too. Offer vocabulary (en, es), discounts (`30% off`, `-20%`) and
//!    marketing sender names add to it. Transactional and security vocabulary, reference
//!    numbers, replies, discussion-list headers (`List-Post`, Mailman), tool notifications
//!    (GitHub, GitLab, Jira…), calendar invitations and plain-text-only bodies count against.
//! 3. Score ≥ `threshold` (default [`DEFAULT_THRESHOLD`]) → promotion, else inbox.
//!
//! Mailing-list discussion stays in INBOX: a list that accepts posts (`List-Post`), replies, and
//! list-manager headers outweigh the List-Unsubscribe every list carries. Notifications of
//! development and ticketing tools are work mail and stay in INBOX too; add the tool's domain to
//! `social_domains` to file it as social instead.

pub mod fediverse;
#[doc(hidden)]
pub mod fuzzing;
pub mod html;
pub mod lexicon;
pub mod senders;
pub mod text;

use text::{Kind, Lexicon};

/// The default promotion threshold.
pub const DEFAULT_THRESHOLD: f64 = 3.0;
/// At most this much of the score comes from bulk-mail machinery (see the crate docs).
pub const BULK_CAP: f64 = 7.0;
/// Bytes of a body that are read (vocabulary is about the first screens, and the cost per
/// message stays bounded).
const BODY_LIMIT: usize = 64 * 1024;

/// The parts of a message the classifier reads.
#[derive(Debug, Default, Clone)]
pub struct Email<'a> {
    /// Header fields in message order: (name, decoded value).
    pub headers: Vec<(&'a str, &'a str)>,
    pub subject: &'a str,
    /// The first From address (`local@domain`).
    pub from: Option<&'a str>,
    pub text: Option<&'a str>,
    pub html: Option<&'a str>,
    /// Content types (`type/subtype`, lower case) of the attachments and inline parts.
    pub attachment_types: Vec<&'a str>,
}

impl<'a> Email<'a> {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&'a str> {
        self.headers
            .iter()
            .find(|(n, _)| trimmed(n).eq_ignore_ascii_case(name))
            .map(|(_, v)| *v)
    }

    /// Every value of header `name`.
    pub fn header_values<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'a str> + 's {
        self.headers
            .iter()
            .filter(move |(n, _)| trimmed(n).eq_ignore_ascii_case(name))
            .map(|(_, v)| *v)
    }
}

/// `s.trim()`, without walking a header name's characters when it begins and ends with
/// ASCII that is not whitespace (every name the host sends; the classifier looks headers up by
/// name some thirty times per message, issue 19).
fn trimmed(s: &str) -> &str {
    match (s.as_bytes().first(), s.as_bytes().last()) {
        (Some(a), Some(z))
            if a.is_ascii()
                && z.is_ascii()
                && !char::from(*a).is_whitespace()
                && !char::from(*z).is_whitespace() =>
        {
            s
        }
        _ => s.trim(),
    }
}

/// Where a message belongs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    Inbox,
    Promotion,
    Social,
}

impl Category {
    pub const ALL: [Category; 3] = [Category::Inbox, Category::Promotion, Category::Social];

    /// `inbox`, `promotion` or `social`: the tag, the learnt value and the header's first word.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Inbox => "inbox",
            Category::Promotion => "promotion",
            Category::Social => "social",
        }
    }

    pub fn parse(s: &str) -> Option<Category> {
        Category::ALL
            .into_iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

/// The classifier's settings (the plugin fills them from `[plugin.promotions.config]`).
#[derive(Debug, Clone)]
pub struct Config {
    /// Promotion when the score reaches this.
    pub threshold: f64,
    /// Domains whose mail is social (subdomains included), lower case.
    pub social_domains: Vec<String>,
    /// Extra offer vocabulary, in normal form.
    pub promotion_words: Vec<String>,
    /// Extra transactional vocabulary, in normal form.
    pub transactional_words: Vec<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            threshold: DEFAULT_THRESHOLD,
            social_domains: senders::SOCIAL_DOMAINS
                .iter()
                .map(|d| d.to_string())
                .collect(),
            promotion_words: Vec::new(),
            transactional_words: Vec::new(),
        }
    }
}

impl Config {
    /// Adds social domains to the list, or replaces the built-in list when `replace`.
    pub fn social_domains(mut self, domains: &[String], replace: bool) -> Self {
        if replace {
            self.social_domains.clear();
        }
        for d in domains {
            let d = d
                .trim()
                .trim_start_matches("*.")
                .trim_end_matches('.')
                .to_ascii_lowercase();
            if !d.is_empty() && !self.social_domains.contains(&d) {
                self.social_domains.push(d);
            }
        }
        self
    }

    /// Adds offer vocabulary (any case, accents allowed).
    pub fn promotion_words(mut self, words: &[String]) -> Self {
        self.promotion_words.extend(
            words
                .iter()
                .map(|w| text::normalize(w, 200))
                .filter(|w| !w.is_empty()),
        );
        self
    }

    /// Adds transactional vocabulary (any case, accents allowed).
    pub fn transactional_words(mut self, words: &[String]) -> Self {
        self.transactional_words.extend(
            words
                .iter()
                .map(|w| text::normalize(w, 200))
                .filter(|w| !w.is_empty()),
        );
        self
    }
}

/// One rule that fired, with what it added to the promotion score (0 for the social rules).
#[derive(Debug, Clone, PartialEq)]
pub struct Reason {
    pub rule: String,
    pub weight: f64,
}

/// The classifier's answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Classification {
    pub category: Category,
    /// The promotion score (after the bulk cap).
    pub score: f64,
    pub reasons: Vec<Reason>,
}

impl Classification {
    /// One line for logs and the `X-Mailsift-Category` header:
    /// `promotion (list-unsubscribe +2, esp:mailchimp +2, offer-words[sale] +1.5; score 5.5)`.
    pub fn summary(&self) -> String {
        let mut parts: Vec<String> = self
            .reasons
            .iter()
            .map(|r| {
                if r.weight == 0.0 {
                    r.rule.clone()
                } else {
                    format!("{} {}", r.rule, signed(r.weight))
                }
            })
            .collect();
        if self.category != Category::Social {
            parts.push(format!("score {}", trim_float(self.score)));
        }
        format!("{} ({})", self.category.as_str(), parts.join(", "))
    }
}

fn trim_float(v: f64) -> String {
    let s = two_decimals(v);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".into()
    } else {
        s.into()
    }
}

/// `format!("{:.2}", v)`. The weights are quarters and so are their sums: such a value is
/// written exactly by integer arithmetic; anything else goes through `format!`, whose float
/// formatting costs some 8,000 WebAssembly instructions a number (issue 19: the summary line,
/// one number per reason, was a tenth of the plugin's work per message).
fn two_decimals(v: f64) -> String {
    let quarters = v.abs() * 4.0;
    if quarters < 1e12 && quarters.fract() == 0.0 {
        // Exact: below 2^53, so the integer is exact and so is every quarter's decimal form.
        let q = quarters as u64;
        let cents = ["00", "25", "50", "75"][(q % 4) as usize];
        let sign = if v.is_sign_negative() { "-" } else { "" };
        return format!("{sign}{}.{cents}", q / 4);
    }
    format!("{:.2}", v)
}

fn signed(v: f64) -> String {
    if v >= 0.0 {
        format!("+{}", trim_float(v))
    } else {
        trim_float(v)
    }
}

#[derive(Default)]
struct Scorer {
    reasons: Vec<Reason>,
    bulk: f64,
    other: f64,
}

impl Scorer {
    /// Bulk-mail machinery: counted up to `BULK_CAP`.
    fn bulk(&mut self, rule: impl Into<String>, weight: f64) {
        self.bulk += weight;
        self.reasons.push(Reason {
            rule: rule.into(),
            weight,
        });
    }

    fn add(&mut self, rule: impl Into<String>, weight: f64) {
        self.other += weight;
        self.reasons.push(Reason {
            rule: rule.into(),
            weight,
        });
    }

    fn score(&self) -> f64 {
        self.bulk.min(BULK_CAP) + self.other
    }
}

/// Up to three phrases, for a reason's name: `offer-words[sale, free shipping]`.
fn named(rule: &str, phrases: &[&str]) -> String {
    let shown: Vec<&str> = phrases.iter().take(3).copied().collect();
    let more = if phrases.len() > 3 { ", …" } else { "" };
    format!("{rule}[{}{more}]", shown.join(", "))
}

fn domain_of(address: &str) -> Option<String> {
    let a = address.trim().trim_start_matches('<').trim_end_matches('>');
    let (_, d) = a.rsplit_once('@')?;
    let d = d.trim().trim_end_matches('.').to_ascii_lowercase();
    (!d.is_empty()).then_some(d)
}

/// Host names mentioned in the headers that say who really sent the message: the bounce address
/// (Return-Path), DKIM signers, Message-ID, Sender, List-Unsubscribe targets and the hosts of
/// Received lines.
fn sending_domains(email: &Email) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    fn push_to(out: &mut Vec<String>, d: String) {
        if !d.is_empty() && !out.contains(&d) {
            out.push(d);
        }
    }
    let mut push = |d: String| push_to(&mut out, d);
    for name in ["return-path", "sender", "message-id", "errors-to"] {
        for v in email.header_values(name) {
            if let Some(d) = domain_of(v) {
                push(d);
            }
        }
    }
    for v in email.header_values("dkim-signature") {
        for tag in v.split(';') {
            if let Some(d) = tag.trim().strip_prefix("d=") {
                push(d.trim().to_ascii_lowercase());
            }
        }
    }
    for v in email
        .header_values("list-unsubscribe")
        .chain(email.header_values("received"))
    {
        for_each_word(v, |word| {
            // The host is a piece of the word and must hold a dot: most words of a Received
            // line (`from`, `by`, `with`, `id`, dates) have none and are done after one look at
            // their bytes (issue 19, fifth round).
            if !word.as_bytes().contains(&b'.') {
                return;
            }
            // `split_once("://")` without a substring searcher per word (issue 19).
            let url_host = word
                .as_bytes()
                .windows(3)
                .position(|w| w == b"://")
                .map_or(word, |i| {
                    word[i + 3..].split(['/', '?']).next().unwrap_or("")
                });
            // `rsplit('@').next()` by a byte search (the reverse char searcher per word was a
            // tenth of the classifier's cost on plain mail; issue 19).
            let host = url_host
                .bytes()
                .rposition(|b| b == b'@')
                .map_or(url_host, |i| &url_host[i + 1..])
                .trim_end_matches('.');
            if host.contains('.')
                && host.bytes().any(|b| b.is_ascii_alphabetic())
                && host
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
            {
                // Known already (the hosts are ASCII, and `out` holds lower case): no copy.
                if !out.iter().any(|d| d.eq_ignore_ascii_case(host)) {
                    push_to(&mut out, host.to_ascii_lowercase());
                }
            }
        });
    }
    out
}

/// Calls `f` with each non-empty word of `v`, split at whitespace and `<>()[];,="'` (the
/// non-empty pieces of `v.split(…)` with that predicate), walking bytes and decoding only
/// non-ASCII characters (issue 19).
fn for_each_word<'v>(v: &'v str, mut f: impl FnMut(&'v str)) {
    let b = v.as_bytes();
    let (mut start, mut i) = (0, 0);
    while let Some(&c) = b.get(i) {
        let (sep, len) = if c.is_ascii() {
            let sep = matches!(
                c,
                b'\t'
                    ..=b'\r'
                        | b' '
                        | b'<'
                        | b'>'
                        | b'('
                        | b')'
                        | b'['
                        | b']'
                        | b';'
                        | b','
                        | b'='
                        | b'"'
                        | b'\''
            );
            (sep, 1)
        } else {
            match v.get(i..).and_then(|r| r.chars().next()) {
                Some(ch) => (ch.is_whitespace(), ch.len_utf8()),
                None => break,
            }
        };
        if sep {
            if i > start {
                f(&v[start..i]);
            }
            start = i + len;
        }
        i += len;
    }
    if start < b.len() {
        f(&v[start..]);
    }
}

/// The bulk-mail service a message came through, if recognisable: marketing services first.
fn detect_esp(names: &[&str], domains: &[String]) -> Option<&'static senders::Esp> {
    // Every ESP header is an X- field: only those names are passed.
    let hit = |e: &&senders::Esp| {
        e.headers
            .iter()
            .any(|p| names.iter().any(|n| senders::header_matches(n, p)))
            || e.domains
                .iter()
                .any(|p| domains.iter().any(|d| senders::in_domain(d, p)))
    };
    // `ESPS` lists the marketing services first.
    senders::ESPS.iter().find(hit)
}

/// Classifies `email`.
pub fn classify(email: &Email, config: &Config) -> Classification {
    let names: Vec<String> = email
        .headers
        .iter()
        .map(|(n, _)| trimmed(n).to_ascii_lowercase())
        .collect();
    // Most patterns are `x-` fields, and most of a message's fields are not: those patterns are
    // compared only with the `x-` names (a field matching one starts with `x-`; issue 19).
    let x_names: Vec<&str> = names
        .iter()
        .map(String::as_str)
        .filter(|n| n.starts_with("x-"))
        .collect();
    let has = |pattern: &str| {
        if pattern.starts_with("x-") {
            x_names.iter().any(|n| senders::header_matches(n, pattern))
        } else {
            names.iter().any(|n| senders::header_matches(n, pattern))
        }
    };
    let lexicon = Lexicon::builtin_and(
        config
            .promotion_words
            .iter()
            .map(|w| (w.as_str(), Kind::OfferStrong))
            .chain(
                config
                    .transactional_words
                    .iter()
                    .map(|w| (w.as_str(), Kind::Transactional)),
            ),
    );
    let subject_found = lexicon.find_in(email.subject, 1000);
    let subject_phrases = |kinds: &[Kind]| -> Vec<&str> {
        subject_found
            .iter()
            .filter(|(_, k)| kinds.contains(k))
            .map(|(p, _)| *p)
            .collect()
    };
    let transactional_subject = subject_phrases(&[Kind::Transactional, Kind::Security]);
    let mut s = Scorer::default();

    // 1. Social networks.
    let from_domain = email.from.and_then(domain_of);
    let social_domain = from_domain.as_deref().and_then(|d| {
        config
            .social_domains
            .iter()
            .find(|s| senders::in_domain(d, s))
    });
    let social_header = senders::SOCIAL_HEADERS.iter().find(|p| has(p));
    let facts = email.html.map(|h| html::scan(h, BODY_LIMIT));
    // Fediverse servers are many and anyone's: recognised by how their notifications are built.
    let fediverse = if social_domain.is_none() && social_header.is_none() {
        let text = email.text.unwrap_or("");
        let visible = match &facts {
            Some(f) if text.trim().is_empty() => f.text.as_str(),
            _ => text,
        };
        fediverse::detect(email, visible)
    } else {
        None
    };
    if social_domain.is_some() || social_header.is_some() || fediverse.is_some() {
        if let Some(d) = social_domain {
            s.add(format!("social-domain:{d}"), 0.0);
        }
        if let Some(h) = social_header {
            s.add(format!("social-header:{}", h.trim_end_matches('-')), 0.0);
        }
        if let Some(f) = &fediverse {
            s.add(named("fediverse", &f.signs), 0.0);
        }
        // A password reset, a sign-in code or a receipt from a social network is the user's
        // business, not a notification.
        if !transactional_subject.is_empty() {
            s.add(named("account-or-transaction", &transactional_subject), 0.0);
        } else if text::has_code(email.subject) {
            s.add("one-time-code", 0.0);
        } else {
            return Classification {
                category: Category::Social,
                score: 0.0,
                reasons: s.reasons,
            };
        }
        return Classification {
            category: Category::Inbox,
            score: 0.0,
            reasons: s.reasons,
        };
    }

    // 2. Bulk-mail machinery.
    if let Some(lu) = email.header("list-unsubscribe") {
        s.bulk("list-unsubscribe", 2.0);
        let one_click = email
            .header("list-unsubscribe-post")
            .is_some_and(|v| v.to_ascii_lowercase().contains("one-click"));
        if one_click && !lu.is_empty() {
            s.bulk("one-click-unsubscribe", 1.0);
        }
    }
    match email
        .header("precedence")
        .map(|v| v.trim().to_ascii_lowercase())
        .as_deref()
    {
        Some("bulk" | "junk") => s.bulk("precedence:bulk", 1.5),
        Some("list") => s.bulk("precedence:list", 0.5),
        _ => {}
    }
    let domains = sending_domains(email);
    if let Some(esp) = detect_esp(&x_names, &domains) {
        s.bulk(
            format!("esp:{}", esp.name),
            if esp.marketing { 2.0 } else { 1.0 },
        );
    }
    if names.iter().any(|n| {
        n == "x-campaign"
            || n.starts_with("x-campaign-")
            || n == "x-campaignid"
            || n == "x-mailer-campaign"
    }) {
        s.bulk("campaign-header", 1.5);
    }
    if let Some(mailer) = email.header("x-mailer").map(str::to_ascii_lowercase) {
        if senders::BULK_MAILERS.iter().any(|m| mailer.contains(m)) {
            s.bulk("bulk-mailer", 1.5);
        }
    }
    if has("feedback-id") {
        s.bulk("feedback-id", 0.5);
    }
    if has("x-csa-complaints") {
        s.bulk("csa-bulk-sender", 1.0);
    }
    if let Some(f) = &facts {
        if f.tracking_pixels > 0 {
            s.bulk("tracking-pixel", 1.5);
        }
        if f.campaign_links > 0 {
            s.bulk("campaign-links", 1.0);
        }
        if f.tracked_links >= 3 {
            s.bulk("click-tracking", 0.5);
        }
        if f.images >= 5 || f.links >= 15 {
            s.bulk("html-heavy", 0.5);
        }
    }

    // Body wording: the longer of the text part and the HTML's text (some text parts are a
    // one-line "view it online").
    let html_text = facts.as_ref().map_or("", |f| f.text.as_str());
    let text = email.text.unwrap_or("");
    let body = if text.len() >= html_text.len() {
        text
    } else {
        html_text
    };
    let body_found = lexicon.find_in(body, BODY_LIMIT);
    let body_phrases = |kinds: &[Kind]| -> Vec<&str> {
        body_found
            .iter()
            .filter(|(_, k)| kinds.contains(k))
            .map(|(p, _)| *p)
            .collect()
    };
    if !body_phrases(&[Kind::Unsubscribe]).is_empty() {
        s.bulk("unsubscribe-text", 1.0);
    }
    if !body_phrases(&[Kind::ViewOnline]).is_empty() {
        s.bulk("view-online", 1.0);
    }

    // 3. Content and sender.
    let strong = subject_phrases(&[Kind::OfferStrong]);
    let weak = subject_phrases(&[Kind::OfferWeak]);
    if !strong.is_empty() || !weak.is_empty() {
        let w = (1.5 * strong.len() as f64 + 0.5 * weak.len() as f64).min(3.0);
        let all: Vec<&str> = strong.iter().chain(&weak).copied().collect();
        s.add(named("offer-words:subject", &all), w);
    }
    let strong = body_phrases(&[Kind::OfferStrong]);
    let weak = body_phrases(&[Kind::OfferWeak]);
    if !strong.is_empty() || !weak.is_empty() {
        let w = (0.5 * strong.len() as f64 + 0.25 * weak.len() as f64).min(2.0);
        let all: Vec<&str> = strong.iter().chain(&weak).copied().collect();
        s.add(named("offer-words", &all), w);
    }
    if text::has_discount(email.subject) {
        s.add("discount:subject", 1.5);
    } else if text::has_discount(&body[..floor(body, BODY_LIMIT)]) {
        s.add("discount", 1.0);
    }
    if text::has_emoji(email.subject) {
        s.add("subject-emoji", 0.5);
    }
    if let Some(local) = email
        .from
        .and_then(|f| f.rsplit_once('@'))
        .map(|(l, _)| l.to_ascii_lowercase())
    {
        if local
            .split(['.', '-', '_', '+'])
            .any(|w| senders::MARKETING_LOCALS.contains(&w))
        {
            s.add("marketing-sender", 1.0);
        }
    }

    // 4. What says "not a promotion".
    if !transactional_subject.is_empty() {
        s.add(named("transactional:subject", &transactional_subject), -4.0);
    }
    if text::has_reference_number(email.subject) {
        s.add("reference-number", -1.5);
    }
    let transactional_body = body_phrases(&[Kind::Transactional, Kind::Security]);
    if !transactional_body.is_empty() {
        s.add(
            named("transactional", &transactional_body),
            (-0.5 * transactional_body.len() as f64).max(-2.0),
        );
    }
    let subject_lower = email.subject.trim_start().to_ascii_lowercase();
    let reply_prefix = ["re:", "re :", "fwd:", "fw:", "rv:", "aw:", "sv:", "r:"]
        .iter()
        .any(|p| subject_lower.starts_with(p));
    if has("in-reply-to") || has("references") || reply_prefix {
        s.add("reply", -2.0);
    }
    if email
        .header("list-post")
        .is_some_and(|v| !v.trim().eq_ignore_ascii_case("no"))
    {
        s.add("list-post", -3.0);
    }
    if senders::LIST_MANAGER_HEADERS.iter().any(|p| has(p)) {
        s.add("list-manager", -1.0);
    }
    if let Some((_, tool)) = senders::TOOL_HEADERS.iter().find(|(h, _)| has(h)) {
        s.add(format!("tool:{tool}"), -3.0);
    }
    let calendar = email
        .attachment_types
        .iter()
        .any(|t| *t == "text/calendar" || *t == "application/ics")
        || email
            .header("content-type")
            .is_some_and(|v| v.to_ascii_lowercase().contains("text/calendar"));
    if calendar {
        s.add("calendar-invite", -3.0);
    }
    if email
        .header("auto-submitted")
        .is_some_and(|v| v.trim().to_ascii_lowercase().starts_with("auto-generated"))
    {
        s.add("auto-submitted", -0.5);
    }
    if email.html.is_none_or(|h| h.trim().is_empty()) {
        s.add("plain-text", -1.0);
    }

    let score = s.score();
    let category = if score >= config.threshold {
        Category::Promotion
    } else {
        Category::Inbox
    };
    Classification {
        category,
        score,
        reasons: s.reasons,
    }
}

fn floor(s: &str, mut i: usize) -> usize {
    if i >= s.len() {
        return s.len();
    }
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests;

/// Random texts made of `pieces`, from a fixed seed so that a failure repeats: the tests that
/// compare a rewritten function with the code it replaced (issue 19) share it. `each` gets the
/// text and the generator's last state (a further random number).
#[cfg(test)]
pub(crate) fn for_each_random_text(pieces: &[&str], count: usize, mut each: impl FnMut(&str, u64)) {
    let mut r: u64 = 0x2545_f491_4f6c_dd1d;
    for _ in 0..count {
        let mut t = String::new();
        r = r
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        for _ in 0..(r >> 60) {
            r = r.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            t.push_str(pieces[(r >> 33) as usize % pieces.len()]);
        }
        each(&t, r);
    }
}
