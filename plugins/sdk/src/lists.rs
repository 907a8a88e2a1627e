//! The server's allow and block lists (`mailsift list`), and the rule every bundled filter uses to
//! decide what an allow entry is worth: it counts only for an **authenticated** sender, so that
//! allowing a friend's address does not also allow a forger using it.
//!
//! ```no_run
//! # use mailsift_plugin_sdk::prelude::*;
//! # fn check(message: &Message, recipient: &str) {
//! match lists::standing(message, recipient) {
//!     Standing::Allowed(_) => { /* skip classification for this recipient */ }
//!     Standing::Blocked(m) => { /* refuse */ }
//!     Standing::Unverified(m) => { /* an allow entry matched a sender nothing authenticates */ }
//!     Standing::Unlisted => {}
//! }
//! # }
//! ```

pub use crate::bindings::mailsift::plugin::lists::{ListKind, ListMatch, ListScope};
use crate::{AuthResult, Message, SenderAuth};

impl AuthResult {
    /// The RFC 8601 name of the result: `pass`, `fail`, `softfail`, …
    pub fn as_str(&self) -> &'static str {
        match self {
            AuthResult::None => "none",
            AuthResult::Pass => "pass",
            AuthResult::Fail => "fail",
            AuthResult::Softfail => "softfail",
            AuthResult::Neutral => "neutral",
            AuthResult::Temperror => "temperror",
            AuthResult::Permerror => "permerror",
        }
    }
}

/// Entries of `recipient`'s account list and its domain's list that match `sender`.
pub fn lookup(recipient: &str, sender: &str) -> Vec<ListMatch> {
    crate::bindings::mailsift::plugin::lists::lookup(recipient, sender)
}

/// Where a message's sender stands with one recipient's lists.
#[derive(Debug, Clone, PartialEq)]
pub enum Standing {
    /// A block entry matches a sender (From or MAIL FROM). Blocking needs no authentication:
    /// a forger gains nothing by claiming to be a blocked sender.
    Blocked(ListMatch),
    /// An allow entry matches and the sender is authenticated for the entry's domain.
    Allowed(ListMatch),
    /// An allow entry matches, but nothing authenticates the sender for its domain: possibly
    /// forged. Treat the message as if it were not allowed.
    Unverified(ListMatch),
    Unlisted,
}

/// The addresses a list entry is matched against: the From header's, then MAIL FROM.
pub fn senders(message: &Message) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let from = message.from.iter().filter_map(|a| a.parsed());
    for a in from.chain(message.envelope_sender()) {
        let n = a.normalized();
        if !out.contains(&n) {
            out.push(n);
        }
    }
    out
}

/// `standing_with` with the server's lists.
pub fn standing(message: &Message, recipient: &str) -> Standing {
    standing_with(message, recipient, lookup)
}

/// Judges the sender of `message` for `recipient`, looking entries up with `lookup`: a block
/// entry wins, then an authenticated allow entry, then an unverified one.
pub fn standing_with(
    message: &Message,
    recipient: &str,
    lookup: impl Fn(&str, &str) -> Vec<ListMatch>,
) -> Standing {
    let mut allowed = None;
    let mut unverified = None;
    for sender in senders(message) {
        for m in lookup(recipient, &sender) {
            match m.kind {
                ListKind::Block => return Standing::Blocked(m),
                ListKind::Allow if authenticates(&message.auth, entry_domain(&m.entry)) => {
                    allowed.get_or_insert(m);
                }
                ListKind::Allow => {
                    unverified.get_or_insert(m);
                }
            }
        }
    }
    match (allowed, unverified) {
        (Some(m), _) => Standing::Allowed(m),
        (None, Some(m)) => Standing::Unverified(m),
        (None, None) => Standing::Unlisted,
    }
}

/// The domain an entry speaks for: `a@example.com`, `example.com` and `*.example.com` all name
/// `example.com`.
pub fn entry_domain(entry: &str) -> &str {
    let d = entry.rsplit_once('@').map_or(entry, |(_, d)| d);
    d.strip_prefix("*.").unwrap_or(d)
}

/// Relaxed alignment (RFC 7489 §3.1): the same domain, or one a subdomain of the other.
fn aligned(a: &str, b: &str) -> bool {
    let (a, b) = (a.to_ascii_lowercase(), b.to_ascii_lowercase());
    a == b || a.ends_with(&format!(".{b}")) || b.ends_with(&format!(".{a}"))
}

/// True when the server's checks authenticate `domain` as the sender: DMARC passed for an
/// aligned From domain, or SPF or a DKIM signature passed for an aligned domain.
pub fn authenticates(auth: &SenderAuth, domain: &str) -> bool {
    if domain.is_empty() {
        return false;
    }
    let dmarc = auth.dmarc == AuthResult::Pass
        && auth
            .from_domain
            .as_deref()
            .is_some_and(|d| aligned(d, domain));
    let spf = auth.spf == AuthResult::Pass
        && auth
            .spf_domain
            .as_deref()
            .is_some_and(|d| aligned(d, domain));
    let dkim = auth.dkim_domains.iter().any(|d| aligned(d, domain));
    dmarc || spf || dkim
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::tests::message;

    fn entry(kind: ListKind, entry: &str) -> ListMatch {
        ListMatch {
            kind,
            scope: ListScope::Account,
            entry: entry.into(),
        }
    }

    /// A message from `from` (header and envelope) with the given authentication.
    fn msg(from: &str, auth: SenderAuth) -> Message {
        let mut m = message(&[], Vec::new());
        m.from = vec![crate::Address {
            name: None,
            address: from.into(),
        }];
        m.envelope.mail_from = from.into();
        m.auth = auth;
        m
    }

    fn auth(dmarc: AuthResult, from_domain: &str, spf: AuthResult, dkim: &[&str]) -> SenderAuth {
        SenderAuth {
            spf,
            spf_domain: Some(from_domain.into()),
            dkim: if dkim.is_empty() {
                AuthResult::None
            } else {
                AuthResult::Pass
            },
            dkim_domains: dkim.iter().map(|d| d.to_string()).collect(),
            dmarc,
            from_domain: Some(from_domain.into()),
        }
    }

    #[test]
    fn allow_needs_authentication() {
        let lookup = |_: &str, s: &str| {
            if s == "alice@friend.example" {
                vec![entry(ListKind::Allow, "alice@friend.example")]
            } else {
                vec![]
            }
        };
        let genuine = msg(
            "Alice@Friend.example",
            auth(AuthResult::Pass, "friend.example", AuthResult::Pass, &[]),
        );
        assert!(matches!(
            standing_with(&genuine, "bob@x", lookup),
            Standing::Allowed(_)
        ));
        let forged = msg(
            "alice@friend.example",
            auth(AuthResult::Fail, "friend.example", AuthResult::Fail, &[]),
        );
        assert!(matches!(
            standing_with(&forged, "bob@x", lookup),
            Standing::Unverified(_)
        ));
        // A DKIM pass by an aligned (sub)domain is enough without DMARC.
        let dkim = msg(
            "alice@friend.example",
            auth(
                AuthResult::None,
                "friend.example",
                AuthResult::None,
                &["mail.friend.example"],
            ),
        );
        assert!(matches!(
            standing_with(&dkim, "bob@x", lookup),
            Standing::Allowed(_)
        ));
        // A pass for another domain is not.
        let other = msg(
            "alice@friend.example",
            auth(
                AuthResult::None,
                "friend.example",
                AuthResult::None,
                &["friend.example.evil"],
            ),
        );
        assert!(matches!(
            standing_with(&other, "bob@x", lookup),
            Standing::Unverified(_)
        ));
        let stranger = msg(
            "eve@else.example",
            auth(AuthResult::Pass, "else.example", AuthResult::Pass, &[]),
        );
        assert_eq!(
            standing_with(&stranger, "bob@x", lookup),
            Standing::Unlisted
        );
    }

    #[test]
    fn block_wins_without_authentication() {
        let lookup = |_: &str, _: &str| {
            vec![
                entry(ListKind::Allow, "*.spam.example"),
                entry(ListKind::Block, "spam.example"),
            ]
        };
        let m = msg(
            "x@spam.example",
            auth(AuthResult::Fail, "spam.example", AuthResult::Fail, &[]),
        );
        assert!(matches!(
            standing_with(&m, "bob@x", lookup),
            Standing::Blocked(_)
        ));
    }

    #[test]
    fn entry_domains() {
        assert_eq!(entry_domain("a@b.example"), "b.example");
        assert_eq!(entry_domain("*.b.example"), "b.example");
        assert_eq!(entry_domain("b.example"), "b.example");
        assert!(aligned("mail.b.example", "b.example") && !aligned("b.example.evil", "b.example"));
    }
}
