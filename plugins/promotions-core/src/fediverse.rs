//! Notifications of fediverse servers (Mastodon, Pleroma, Akkoma, Misskey, GoToSocial, Lemmy,
//! Pixelfed, PeerTube, Friendica…), recognised by their structure from any instance: thousands
//! of independent servers send them, so no list of domains can name them all.
//!
//! The signs, each weighed ([`detect`]):
//!
//! - Mastodon's list headers: `List-ID: <TYPE.USER.INSTANCE>` where TYPE is the notification
//!   type (`mention`, `favourite`, `reblog`, `follow`, …), and threading by conversation
//!   (`In-Reply-To`/`References: <conversation-N.DATE@INSTANCE>`);
//! - links to fediverse objects on the sending instance: statuses (`/@user/123`,
//!   `/@user/statuses/ID`, `/notice/ID`, `/notes/ID`, `/objects/ID`, `/p/user/123`,
//!   `/post/123`, `/comment/123`, `/w/ID`, `/videos/watch/ID`) and profiles (`/@user`,
//!   `/users/user`);
//! - links to the instance's notification pages and settings (`/notifications`,
//!   `/settings/preferences/notifications`, `/my-account/notifications`, `/inbox`, …);
//! - fediverse handles (`@user@instance.example`);
//! - notification wording ("mentioned you", "favourited your post", "boosted", "followed you",
//!   in English, Spanish, French, German, Portuguese, Italian, Dutch and Japanese).
//!
//! A link counts only when its host is the sender's own (the From, bounce, Message-ID or
//! List-Unsubscribe domain, or a parent or subdomain of one): a friend's mail quoting a toot
//! is not a notification. It takes a structural sign and enough weight in total, so wording
//! alone ("@bob mentioned you" from a chat or a forum) is not enough.

use std::borrow::Cow;

use crate::text;
use crate::Email;

/// Weight needed to call a message a fediverse notification.
const THRESHOLD: f64 = 4.0;
/// Weight of a fediverse handle in the subject or body.
const HANDLE: f64 = 1.0;
/// Weight of notification wording in the subject (in the body: 1).
const WORDING_SUBJECT: f64 = 2.0;
/// Bytes of each body searched for links and wording.
const SCAN_LIMIT: usize = 32 * 1024;

/// Mastodon's notification types, the first label of its `List-ID`.
const LIST_ID_TYPES: &[&str] = &[
    "mention",
    "favourite",
    "reblog",
    "follow",
    "follow_request",
    "quote",
    "status",
    "update",
    "poll",
    "admin.report",
    "admin.sign_up",
];

/// Paths of notification pages and notification settings.
const PREFERENCE_PATHS: &[&str] = &[
    "/notifications",
    "/settings/preferences/notifications",
    "/settings/notifications",
    "/settings/email",
    "/my-account/notifications",
    "/my-account/settings",
    "/inbox",
    "/notify",
    "/i/notifications",
    "/account/activity",
];

/// Notification wording, written naturally; compared in `text::normalize` form.
const WORDING: &[&str] = &[
    // English
    "mentioned you",
    "you were mentioned",
    "mentioned by",
    "favourited your",
    "favorited your",
    "boosted your",
    "reblogged your",
    "followed you",
    "is now following you",
    "now follows you",
    "requested to follow you",
    "follow request",
    "new follower",
    "replied to your",
    "reply from",
    "reacted to your",
    "liked your",
    "started following you",
    "quoted your",
    "new comment on your video",
    "commented on your video",
    // Spanish
    "te ha mencionado",
    "te mencionó",
    "ha marcado como favorita",
    "marcó como favorita",
    "ha impulsado tu",
    "impulsó tu",
    "te ha seguido",
    "ahora te sigue",
    "te está siguiendo",
    "nuevo seguidor",
    "solicitud de seguimiento",
    "respondió a tu",
    // French
    "vous a mentionné",
    "a ajouté votre message à ses favoris",
    "a partagé votre message",
    "vous suit",
    "nouvel abonné",
    "a répondu à votre",
    // German
    "hat dich erwähnt",
    "hat deinen beitrag favorisiert",
    "hat deinen beitrag geteilt",
    "folgt dir",
    "neuer follower",
    // Portuguese
    "mencionou você",
    "favoritou",
    "impulsionou",
    "seguiu você",
    "está te seguindo",
    "novo seguidor",
    // Italian
    "ti ha menzionato",
    "ha aggiunto il tuo post ai preferiti",
    "ti segue",
    // Dutch
    "heeft je vermeld",
    "volgt jou",
    // Japanese
    "メンションしました",
    "フォローされました",
    "フォローしました",
    "お気に入りに登録しました",
    "ブーストしました",
    "リアクションしました",
    "フォローリクエスト",
];

/// [`WORDING`] in `text::normalize` form, written out so that no message pays for normalising
/// them (issue 19; a test checks they agree).
const WORDING_NORMAL: [&str; WORDING.len()] = [
    "mentioned you",
    "you were mentioned",
    "mentioned by",
    "favourited your",
    "favorited your",
    "boosted your",
    "reblogged your",
    "followed you",
    "is now following you",
    "now follows you",
    "requested to follow you",
    "follow request",
    "new follower",
    "replied to your",
    "reply from",
    "reacted to your",
    "liked your",
    "started following you",
    "quoted your",
    "new comment on your video",
    "commented on your video",
    "te ha mencionado",
    "te menciono",
    "ha marcado como favorita",
    "marco como favorita",
    "ha impulsado tu",
    "impulso tu",
    "te ha seguido",
    "ahora te sigue",
    "te esta siguiendo",
    "nuevo seguidor",
    "solicitud de seguimiento",
    "respondio a tu",
    "vous a mentionne",
    "a ajoute votre message a ses favoris",
    "a partage votre message",
    "vous suit",
    "nouvel abonne",
    "a repondu a votre",
    "hat dich erwahnt",
    "hat deinen beitrag favorisiert",
    "hat deinen beitrag geteilt",
    "folgt dir",
    "neuer follower",
    "mencionou voce",
    "favoritou",
    "impulsionou",
    "seguiu voce",
    "esta te seguindo",
    "novo seguidor",
    "ti ha menzionato",
    "ha aggiunto il tuo post ai preferiti",
    "ti segue",
    "heeft je vermeld",
    "volgt jou",
    "メンションしました",
    "フォローされました",
    "フォローしました",
    "お気に入りに登録しました",
    "ブーストしました",
    "リアクションしました",
    "フォローリクエスト",
];

/// Why a message was recognised, for the `X-Mailsift-Category` explanation.
#[derive(Debug, Clone, PartialEq)]
pub struct Recognised {
    /// The signs that fired, e.g. `["list-id", "status-link", "wording"]`.
    pub signs: Vec<&'static str>,
    pub weight: f64,
}

/// The signs seen so far.
#[derive(Default)]
struct Signs {
    names: Vec<&'static str>,
    weight: f64,
    structural: bool,
}

impl Signs {
    /// Counts sign `name` once.
    fn sign(&mut self, name: &'static str, w: f64, structural: bool) {
        if !self.names.contains(&name) {
            self.names.push(name);
            self.weight += w;
            self.structural |= structural;
        }
    }
}

/// Recognises a fediverse notification. `body_text` is the visible text of the body (the text
/// part or the HTML's text).
pub fn detect(email: &Email, body_text: &str) -> Option<Recognised> {
    let hosts = sender_hosts(email);
    if hosts.is_empty() {
        return None;
    }
    let own = |h: &str| hosts.iter().any(|s| related(h, s));
    let mut s = Signs::default();

    if email
        .header_values("list-id")
        .any(|v| mastodon_list_id(v, &own))
    {
        s.sign("list-id", 3.0, true);
    }
    if ["in-reply-to", "references"]
        .iter()
        .flat_map(|n| email.header_values(n))
        .any(|v| conversation_id(v, &own))
    {
        s.sign("conversation-thread", 2.0, true);
    }

    let bodies = [email.text.unwrap_or(""), email.html.unwrap_or("")];
    for body in bodies {
        let body = &body[..floor(body, SCAN_LIMIT)];
        for url in urls(body) {
            let Some((host, path)) = split_url(url) else {
                continue;
            };
            if !own(&host) {
                continue;
            }
            match path_kind(path) {
                Some(PathKind::Object) => s.sign("status-link", 2.0, true),
                Some(PathKind::Profile) => s.sign("profile-link", 1.0, true),
                Some(PathKind::Preferences) => s.sign("notification-settings", 1.0, false),
                None => {}
            }
        }
    }
    // What is left can add at most HANDLE + WORDING: when even that cannot reach the threshold
    // with a structural sign, the answer is None whatever the text says, and the handle search
    // and the normalising of the wording (most of this function's cost on ordinary mail) are
    // skipped (issue 19). The signs are reported only when recognised, so this changes nothing.
    if s.weight + HANDLE + WORDING_SUBJECT < THRESHOLD {
        return None;
    }
    if has_handle(email.subject) || has_handle(&body_text[..floor(body_text, SCAN_LIMIT)]) {
        s.sign("handle", HANDLE, true);
    }
    if !s.structural || s.weight + WORDING_SUBJECT < THRESHOLD {
        return None;
    }
    let subject = padded(&text::normalize(email.subject, 1000));
    let body = padded(&text::normalize(body_text, 4096));
    let said = said;
    if said(&subject) {
        s.sign("wording:subject", WORDING_SUBJECT, false);
    } else if said(&body) {
        s.sign("wording", 1.0, false);
    }
    (s.structural && s.weight >= THRESHOLD).then_some(Recognised {
        signs: s.names,
        weight: s.weight,
    })
}

/// Whether a padded normal-form text (` words `) says one of [`WORDING`]: an ASCII phrase as
/// whole words (` phrase `), any other anywhere. One pass over the word starts, comparing only
/// the phrases that begin with the word's first byte, instead of a search of the whole text per
/// phrase (issue 19).
fn said(hay: &str) -> bool {
    // The ASCII phrases by first byte, as bits (fewer than 128 phrases).
    let mut by_first = [0u128; 128];
    for (i, w) in WORDING_NORMAL.iter().enumerate() {
        match w.as_bytes().first() {
            Some(&b) if w.is_ascii() => by_first[b as usize] |= 1 << i,
            _ => {}
        }
    }
    let h = hay.as_bytes();
    for (at, _) in h.iter().enumerate().filter(|(_, b)| **b == b' ') {
        let word = &h[at + 1..];
        let mut bits = match word.first() {
            Some(&b) if b < 128 => by_first[b as usize],
            _ => 0,
        };
        while bits != 0 {
            let w = WORDING_NORMAL[bits.trailing_zeros() as usize].as_bytes();
            bits &= bits - 1;
            if word.starts_with(w) && word.get(w.len()) == Some(&b' ') {
                return true;
            }
        }
    }
    !hay.is_ascii()
        && WORDING_NORMAL
            .iter()
            .any(|w| !w.is_ascii() && hay.contains(w))
}

fn padded(s: &str) -> String {
    format!(" {s} ")
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

/// The domains that say who sent the message: From, Return-Path, Sender, Message-ID and the
/// List-Unsubscribe hosts (lower case).
fn sender_hosts(email: &Email) -> Vec<String> {
    let mut out = Vec::new();
    let mut push = |d: &str| {
        let d = d.trim().trim_matches(['<', '>', '.']).to_ascii_lowercase();
        if d.contains('.') && !out.contains(&d) {
            out.push(d);
        }
    };
    if let Some((_, d)) = email.from.and_then(|f| f.rsplit_once('@')) {
        push(d);
    }
    for name in ["return-path", "sender", "message-id"] {
        for v in email.header_values(name) {
            if let Some((_, d)) = v.rsplit_once('@') {
                push(d);
            }
        }
    }
    for v in email.header_values("list-unsubscribe") {
        for url in urls(v) {
            if let Some((h, _)) = split_url(url) {
                push(&h);
            }
        }
    }
    out
}

/// `host` is `other`, or one is a subdomain of the other (`mail.social.example` and
/// `social.example`), but not merely under the same public suffix.
fn related(host: &str, other: &str) -> bool {
    let sub = |a: &str, b: &str| {
        a == b
            // The dot before the suffix is tested first: most pairs differ there, and
            // `ends_with` is a call to `memcmp` (issue 19).
            || (a.len() > b.len() && a.as_bytes()[a.len() - b.len() - 1] == b'.' && a.ends_with(b))
    };
    (sub(host, other) || sub(other, host)) && host.contains('.') && other.contains('.')
}

/// `<favourite.bob.social.example>`: a Mastodon notification type, a user name and an own host.
fn mastodon_list_id(value: &str, own: &impl Fn(&str) -> bool) -> bool {
    let id = value
        .rsplit('<')
        .next()
        .unwrap_or("")
        .split('>')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    LIST_ID_TYPES.iter().any(|t| {
        id.strip_prefix(t)
            .and_then(|r| r.strip_prefix('.'))
            .and_then(|r| r.split_once('.'))
            .is_some_and(|(user, host)| !user.is_empty() && own(host))
    })
}

/// `<conversation-12345.2026-01-14@social.example>`.
fn conversation_id(value: &str, own: &impl Fn(&str) -> bool) -> bool {
    value.split_whitespace().any(|id| {
        let id = id.trim_matches(['<', '>', ',']);
        id.strip_prefix("conversation-")
            .and_then(|r| r.split_once('@'))
            .is_some_and(|(n, host)| {
                n.bytes().next().is_some_and(|b| b.is_ascii_digit())
                    && own(&host.to_ascii_lowercase())
            })
    })
}

/// The `http(s)://` URLs of a text (HTML attributes included), at most a few hundred: of each
/// word (split at whitespace and `<>"'()[]`) that holds `http://` or `https://`, the part from
/// the first `http://` (else the first `https://`) on.
fn urls(s: &str) -> impl Iterator<Item = &str> {
    // Issue 19: the words are not walked character by character; the next `http` is looked
    // for with a byte search and only the word around it is delimited. The same URLs as
    // splitting the whole text into words (a test compares the two).
    let mut from = 0;
    std::iter::from_fn(move || {
        while from < s.len() {
            let at = from + find_url_start(&s.as_bytes()[from..])?;
            let rest = &s.as_bytes()[at + 4..];
            if !(rest.starts_with(b"://") || rest.starts_with(b"s://")) {
                from = at + 4;
                continue;
            }
            let end = word_end(s, at);
            from = end;
            // No `http://` or `https://` begins in the word before `at` (its earlier part, if
            // any, was searched up to here): `at` is the first `http://`, or the first
            // `https://`, which counts only when no `http://` follows in the word.
            let url = if rest.starts_with(b"s://") {
                find_http_url(&s.as_bytes()[at + 5..end]).map_or(at, |i| at + 5 + i)
            } else {
                at
            };
            return Some(&s[url..end]);
        }
        None
    })
    .take(500)
}

/// The first `http` in `h`: a Horspool search (the window's last byte decides how far to
/// move; most bytes of text are not `h`, `t` or `p`, so it moves four at a time).
fn find_http(h: &[u8]) -> Option<usize> {
    let mut i = 0;
    while let Some(window) = h.get(i..i + 4) {
        match window[3] {
            b'p' if window == b"http" => return Some(i),
            b't' => i += 1,
            b'h' => i += 3,
            _ => i += 4,
        }
    }
    None
}

/// The first `http://` or `https://` in `h`, found at its `:` by an eight-byte scan (issue
/// 19, sixth round): text has fewer colons than the `h`, `t` and `p` that stop the Horspool
/// search for `http` ([`find_http`]), and this skips the `http` not followed by `://` or
/// `s://`. The same first place: one colon is at most one such URL's.
fn find_url_start(h: &[u8]) -> Option<usize> {
    // A colon before index 4 cannot follow `http`.
    let mut from = 4;
    while let Some(i) = h.get(from..).and_then(|r| text::find_byte(r, b':')) {
        let c = from + i;
        if h.get(c + 1..c + 3) == Some(b"//") {
            if h.get(c - 4..c) == Some(b"http") {
                return Some(c - 4);
            }
            if c >= 5 && h.get(c - 5..c) == Some(b"https") {
                return Some(c - 5);
            }
        }
        from = c + 1;
    }
    None
}

/// The first `http://` in `h` (`find(h, b"http://")`), from the occurrences of `http` found by
/// [`find_http`], which skips most bytes (issue 19: the rest of every `https` link was searched
/// byte by byte).
fn find_http_url(h: &[u8]) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = h.get(from..).and_then(find_http) {
        let at = from + i;
        if h[at + 4..].starts_with(b"://") {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// Where the word of `s` that goes on at `at` (a character boundary) ends: ASCII byte by byte,
/// other characters decoded.
fn word_end(s: &str, at: usize) -> usize {
    let b = s.as_bytes();
    let mut i = at;
    loop {
        // Up to the next ASCII break or non-ASCII byte.
        i += find_url_stop(&b[i..]).unwrap_or(b.len() - i);
        let Some(&c) = b.get(i) else {
            return b.len();
        };
        if c.is_ascii() {
            return i;
        } else {
            match s.get(i..).and_then(|r| r.chars().next()) {
                Some(ch) if is_url_break(ch) => return i,
                Some(ch) => i += ch.len_utf8(),
                None => return b.len(),
            }
        }
    }
}

/// The first byte of [`URL_STOP`] in `h`, eight bytes at a time (a link is some tens of bytes;
/// issue 19, fifth round).
fn find_url_stop(h: &[u8]) -> Option<usize> {
    use crate::text::{has_below, has_byte};
    text::find_flagged(
        h,
        |x| {
            // Controls and spaces, non-ASCII bytes, and the eight delimiters.
            has_below(x, b'!')
                | (x & 0x8080_8080_8080_8080)
                | has_byte(x, b'<')
                | has_byte(x, b'>')
                | has_byte(x, b'"')
                | has_byte(x, b'\'')
                | has_byte(x, b'(')
                | has_byte(x, b')')
                | has_byte(x, b'[')
                | has_byte(x, b']')
        },
        |c| URL_STOP[usize::from(c)],
    )
}

/// Bytes where [`word_end`] stops to look: the ASCII breaks of [`is_url_break`] and every
/// non-ASCII byte (decoded there).
static URL_STOP: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 256 {
        t[c] = c >= 0x80
            || matches!(
                c as u8,
                b'\t'..=b'\r' | b' ' | b'<' | b'>' | b'"' | b'\'' | b'(' | b')' | b'[' | b']'
            );
        c += 1;
    }
    t
};

/// Where [`urls`] splits words.
fn is_url_break(c: char) -> bool {
    c.is_whitespace() || matches!(c, '<' | '>' | '"' | '\'' | '(' | ')' | '[' | ']')
}

/// `hay.find(needle)` for short words: the first byte filters most positions.
fn find(hay: &str, needle: &[u8]) -> Option<usize> {
    let h = hay.as_bytes();
    let first = *needle.first()?;
    let last = h.len().checked_sub(needle.len())?;
    (0..=last).find(|&i| h[i] == first && h[i..].starts_with(needle))
}

/// (host, path without query) of a URL; the host in lower case (borrowed when it already is).
/// The authority's end, its last `@` and the port's `:` are found eight bytes at a time (issue
/// 19, sixth round: one pass byte by byte before, some twenty WebAssembly instructions a byte).
fn split_url(url: &str) -> Option<(Cow<'_, str>, &str)> {
    use crate::text::{find_byte, find_flagged, has_byte};
    // Byte searches for the ASCII separators (their indexes are character boundaries).
    let rest = &url[find(url, b"://")? + 3..];
    let b = rest.as_bytes();
    let end = find_flagged(
        b,
        |x| has_byte(x, b'/') | has_byte(x, b'?') | has_byte(x, b'#'),
        |c| matches!(c, b'/' | b'?' | b'#'),
    )
    .unwrap_or(b.len());
    let authority = &b[..end];
    // The host: after the authority's last `@` (rare: one search finds none), up to the first
    // `:` after it.
    let host_start = match find_byte(authority, b'@') {
        None => 0,
        Some(_) => authority
            .iter()
            .rposition(|&c| c == b'@')
            .map_or(0, |i| i + 1),
    };
    let host_end = find_byte(&authority[host_start..], b':').map_or(end, |i| host_start + i);
    let host = &rest[host_start..host_end];
    let path = without_query(&rest[end..]);
    if host.is_empty() {
        return None;
    }
    let upper = find_flagged(host.as_bytes(), has_upper, |c| c.is_ascii_uppercase()).is_some();
    let host = if upper {
        Cow::Owned(host.to_ascii_lowercase())
    } else {
        Cow::Borrowed(host)
    };
    Some((host, path))
}

/// ASCII capitals in a word of eight bytes: not zero when there is one (range tests on each
/// byte's low seven bits, whose sums never carry into the next byte).
fn has_upper(x: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let low = x & !HIGHS;
    (low + (0x80 - u64::from(b'A')) * ONES) & !(low + (0x7f - u64::from(b'Z')) * ONES) & !x & HIGHS
}

enum PathKind {
    Object,
    Profile,
    Preferences,
}

fn is_id(s: &str) -> bool {
    (4..=64).contains(&s.len())
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && s.bytes().any(|b| b.is_ascii_digit())
}

fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.len() <= 24 && s.bytes().all(|b| b.is_ascii_digit())
}

fn is_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_.-@".contains(&b))
}

/// What a path on the sender's own host points at.
fn path_kind(path: &str) -> Option<PathKind> {
    let p = path.trim_end_matches('/');
    if PREFERENCE_PATHS.iter().any(|q| q.eq_ignore_ascii_case(p)) {
        return Some(PathKind::Preferences);
    }
    // No pattern below has more than four segments: a longer path is none of them (and the
    // segments need no vector, issue 19).
    let mut segments = [""; 5];
    let mut n = 0;
    // `p.split('/').skip(1)` by byte search (`/` is ASCII, its indexes are boundaries).
    let slash = |from: usize| text::find_byte(&p.as_bytes()[from..], b'/');
    let mut next = slash(0);
    while let Some(at) = next {
        if n == segments.len() {
            return None;
        }
        let from = at + 1;
        next = slash(from).map(|i| from + i);
        segments[n] = &p[from..next.unwrap_or(p.len())];
        n += 1;
    }
    match &segments[..n] {
        // Mastodon, Pixelfed (`/@user/123`), GoToSocial (`/@user/statuses/ID`).
        [user, id] if user.starts_with('@') && is_name(&user[1..]) && is_digits(id) => {
            Some(PathKind::Object)
        }
        [user, "statuses", id] if user.starts_with('@') && is_id(id) => Some(PathKind::Object),
        [user] if user.len() > 1 && user.starts_with('@') && is_name(&user[1..]) => {
            Some(PathKind::Profile)
        }
        // Pleroma/Akkoma, Misskey, ActivityPub objects, GoToSocial's users' statuses.
        ["notice" | "notes" | "objects", id] if is_id(id) => Some(PathKind::Object),
        ["users", user, "statuses", id] if is_name(user) && is_id(id) => Some(PathKind::Object),
        ["users", user] if is_name(user) => Some(PathKind::Profile),
        // Pixelfed.
        ["p", user, id] if is_name(user) && is_digits(id) => Some(PathKind::Object),
        ["i", "web", "post", id] if is_digits(id) => Some(PathKind::Object),
        // Lemmy.
        ["post" | "comment", id] if is_digits(id) => Some(PathKind::Object),
        // PeerTube.
        ["w", id] if is_id(id) => Some(PathKind::Object),
        ["videos", "watch", id] if is_id(id) => Some(PathKind::Object),
        // Friendica.
        ["display", id] if is_id(id) => Some(PathKind::Object),
        _ => None,
    }
}

/// A fediverse handle, `@user@host.tld`.
fn has_handle(s: &str) -> bool {
    // A handle has two `@`: most text has none (issue 19).
    if s.bytes().filter(|&b| b == b'@').nth(1).is_none() {
        return false;
    }
    s.split(|c: char| {
        c.is_whitespace()
            || matches!(
                c,
                '(' | ')' | '[' | ']' | '<' | '>' | ',' | ';' | ':' | '"' | '\''
            )
    })
    .take(5000)
    .any(|w| {
        let Some(rest) = w.strip_prefix('@') else {
            return false;
        };
        let rest = rest.trim_end_matches(['.', '!', '?']);
        let Some((user, host)) = rest.split_once('@') else {
            return false;
        };
        !user.is_empty()
            && user
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-')
            && host.contains('.')
            && host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
            && host
                .rsplit('.')
                .next()
                .is_some_and(|tld| tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_alphabetic()))
    })
}

/// A URL's path without its query and fragment (RFC 3986 §3.3: the path ends at `?` or `#`).
fn without_query(path: &str) -> &str {
    // Eight bytes at a time (issue 19, fifth round).
    let end = text::find_flagged(
        path.as_bytes(),
        |x| text::has_byte(x, b'?') | text::has_byte(x, b'#'),
        |b| matches!(b, b'?' | b'#'),
    );
    &path[..end.unwrap_or(path.len())]
}

#[cfg(test)]
mod tests {
    #[test]
    fn wording_is_written_in_normal_form() {
        assert!(
            super::WORDING.len() < 128,
            "said() keeps the phrases as bits of a u128"
        );
        for (w, n) in super::WORDING.iter().zip(super::WORDING_NORMAL) {
            assert_eq!(super::text::normalize(w, 200), n);
        }
    }

    use super::*;

    /// The word-by-word `urls` this module had before issue 19: the reference for the faster
    /// one.
    fn urls_by_words(s: &str) -> Vec<&str> {
        s.split(is_url_break)
            .filter_map(|w| {
                let at = find(w, b"http://").or_else(|| find(w, b"https://"))?;
                Some(&w[at..])
            })
            .take(500)
            .collect()
    }

    /// `split_url` before issue 19's fourth round.
    fn split_url_reference(url: &str) -> Option<(Cow<'_, str>, &str)> {
        // Byte searches for the ASCII separators (their indexes are character boundaries).
        let rest = &url[find(url, b"://")? + 3..];
        let end = rest
            .bytes()
            .position(|b| matches!(b, b'/' | b'?' | b'#'))
            .unwrap_or(rest.len());
        let authority = &rest[..end];
        let host = &authority[authority
            .bytes()
            .rposition(|b| b == b'@')
            .map_or(0, |i| i + 1)..];
        let host = &host[..host.bytes().position(|b| b == b':').unwrap_or(host.len())];
        let path = without_query(&rest[end..]);
        if host.is_empty() {
            return None;
        }
        let host = if host.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(host.to_ascii_lowercase())
        } else {
            Cow::Borrowed(host)
        };
        Some((host, path))
    }

    #[test]
    fn split_url_is_the_reference() {
        let pieces = [
            "https://",
            "http://",
            "a",
            "B",
            "@",
            ":",
            "/",
            "?",
            "#",
            ".",
            "x.Example",
            "é",
            "80",
            "::",
            "//",
            // Sixth round: the bytes around the capitals' range, high bytes whose low seven
            // bits are capitals (`Ã` is 0xc3 0x83), and hosts longer than eight bytes.
            "Z",
            "[",
            "`",
            "Ã",
            "sub.DOMAIN-longer.Example",
            "abcdefgh",
        ];
        crate::for_each_random_text(&pieces, 40_000, |t, _| {
            assert_eq!(split_url(t), split_url_reference(t), "{t:?}");
        });
    }

    #[test]
    fn url_stops_are_found_as_by_position() {
        let pieces = [
            "a",
            "/",
            " ",
            "\t",
            "\r",
            "<",
            ">",
            "\"",
            "'",
            "(",
            ")",
            "[",
            "]",
            "é",
            "\u{a0}",
            "\u{1}",
            "!",
            "https://x.example/p?q=1",
            "\u{7f}",
            "{",
            "\\",
            "#",
            "?",
        ];
        crate::for_each_random_text(&pieces, 20_000, |t, _| {
            let h = t.as_bytes();
            for from in 0..h.len().min(9) {
                assert_eq!(
                    super::find_url_stop(&h[from..]),
                    h[from..]
                        .iter()
                        .position(|&c| super::URL_STOP[usize::from(c)]),
                    "{t:?} {from}"
                );
            }
            let q = t.find(['?', '#']).unwrap_or(t.len());
            assert_eq!(super::without_query(t), &t[..q], "{t:?}");
        });
    }

    #[test]
    fn url_starts_are_the_first_http_or_https() {
        let pieces = [
            "http", "https", "://", "s://", ":", "//", "x", "h", "ttp", "s", ":/", "é", "abcdefgh",
        ];
        crate::for_each_random_text(&pieces, 40_000, |t, _| {
            let h = t.as_bytes();
            let reference = (0..h.len())
                .find(|&i| h[i..].starts_with(b"http://") || h[i..].starts_with(b"https://"));
            assert_eq!(find_url_start(h), reference, "{t:?}");
        });
    }

    #[test]
    fn urls_are_the_words_urls() {
        let pieces = [
            "http",
            "https",
            "://",
            "s://",
            "x",
            "h",
            "ttp",
            " ",
            "\u{a0}",
            "\u{2003}",
            "é",
            "<",
            ">",
            "\"",
            "'",
            "(",
            ")",
            "[",
            "]",
            "/",
            "@",
            "a.example",
            "\n",
            "httphttp://",
            "xhttps://a/http://b",
            "ñ",
        ];
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..20_000 {
            let mut t = String::new();
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let len = (seed % 24) as usize;
            let mut r = seed;
            for _ in 0..len {
                r = r.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                t.push_str(pieces[(r >> 33) as usize % pieces.len()]);
            }
            assert_eq!(urls(&t).collect::<Vec<_>>(), urls_by_words(&t), "{t:?}");
        }
        let many = "http://a.example/ ".repeat(600);
        assert_eq!(urls(&many).count(), 500);
        assert_eq!(urls(&many).collect::<Vec<_>>(), urls_by_words(&many));
    }

    #[test]
    fn paths() {
        for p in [
            "/@ana/113827711224466",
            "/@ana@other.example/113827711224466",
            "/@ana/statuses/01HZX3Q4V7",
            "/notice/AbC123xyz",
            "/notes/9k2j3h4g5f",
            "/p/ana/551234",
            "/post/4242",
            "/comment/98765",
            "/w/kX3v9qLp2ZtR8m",
            "/videos/watch/3f2a9c1e-77b0-4e1e-9d2c-1b5e8a6c4f00",
        ] {
            assert!(matches!(path_kind(p), Some(PathKind::Object)), "{p}");
        }
        assert!(matches!(path_kind("/@ana"), Some(PathKind::Profile)));
        assert!(matches!(
            path_kind("/settings/preferences/notifications"),
            Some(PathKind::Preferences)
        ));
        for p in [
            "/",
            "/@",
            "/post/about",
            "/blog/2026/01/sale",
            "/@ana/my-first-story-1a2b",
        ] {
            assert!(path_kind(p).is_none(), "{p}");
        }
    }

    #[test]
    fn handles_and_hosts() {
        assert!(has_handle("Ana (@ana@ciberlandia.example) favourited"));
        assert!(!has_handle("write to @team or bob@example.org"));
        assert!(related("mail.social.example", "social.example"));
        assert!(!related("evil-social.example", "social.example"));
        assert!(!related("example", "example"));
        let own = |h: &str| related(h, "social.example");
        assert!(mastodon_list_id("<favourite.bob.social.example>", &own));
        assert!(!mastodon_list_id("<favourite.bob.other.example>", &own));
        assert!(!mastodon_list_id("<dev.lists.social.example>", &own));
        assert!(conversation_id(
            "<conversation-771.2026-01-14@social.example>",
            &own
        ));
    }
}
