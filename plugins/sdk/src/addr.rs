//! Email address parsing: split `local@domain`, lower-case the domain, compare addresses.
//!
//! The server hands plugins bare addresses (`mail-from`, `recipients`, `Address::address`), so
//! this is deliberately simple: it accepts what an SMTP server accepted and does not validate
//! RFC 5321 syntax. Angle brackets and surrounding whitespace are tolerated.

use std::fmt;

use crate::Address;

/// An address split into local part and domain.
///
/// `local` keeps its case (local parts are case-sensitive in principle); `domain` is lower-cased
/// and has any trailing dot removed. Use [`EmailAddress::local_lower`] or
/// [`EmailAddress::normalized`] for case-insensitive comparisons, which is what almost every
/// mail system does in practice.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct EmailAddress {
    pub local: String,
    pub domain: String,
}

impl EmailAddress {
    /// Parse `local@domain` (optionally `<local@domain>`). Splits at the last `@`, so a quoted
    /// local part containing `@` works. Returns `None` for the null sender (empty), for a missing
    /// `@`, or for an empty local part or domain.
    pub fn parse(text: &str) -> Option<EmailAddress> {
        let mut s = text.trim();
        if let Some(inner) = s.strip_prefix('<').and_then(|t| t.strip_suffix('>')) {
            s = inner.trim();
        }
        let at = s.rfind('@')?;
        let (local, domain) = (&s[..at], &s[at + 1..]);
        let domain = domain.trim_end_matches('.');
        if local.is_empty() || domain.is_empty() {
            return None;
        }
        Some(EmailAddress {
            local: local.to_string(),
            domain: domain.to_ascii_lowercase(),
        })
    }

    /// The local part lower-cased.
    pub fn local_lower(&self) -> String {
        self.local.to_lowercase()
    }

    /// `local@domain`, all lower case: the form to compare and to use as a key.
    pub fn normalized(&self) -> String {
        format!("{}@{}", self.local.to_lowercase(), self.domain)
    }

    /// The local part without a `+tag` sub-address (`alice+news` → `alice`).
    pub fn local_base(&self) -> &str {
        self.local.split('+').next().unwrap_or(&self.local)
    }

    /// True if the domain is `domain` or a subdomain of it (case-insensitive).
    pub fn is_in_domain(&self, domain: &str) -> bool {
        let d = domain.trim_end_matches('.').to_ascii_lowercase();
        self.domain == d || self.domain.ends_with(&format!(".{d}"))
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.local, self.domain)
    }
}

/// Shorthand for [`EmailAddress::parse`].
pub fn parse(text: &str) -> Option<EmailAddress> {
    EmailAddress::parse(text)
}

/// The lower-cased domain of an address, if it has one.
pub fn domain_of(text: &str) -> Option<String> {
    EmailAddress::parse(text).map(|a| a.domain)
}

/// The local part of an address (case kept), if it parses.
pub fn local_part_of(text: &str) -> Option<String> {
    EmailAddress::parse(text).map(|a| a.local)
}

/// True if two addresses are the same, ignoring case.
pub fn same_address(a: &str, b: &str) -> bool {
    match (EmailAddress::parse(a), EmailAddress::parse(b)) {
        (Some(a), Some(b)) => a.normalized() == b.normalized(),
        _ => false,
    }
}

impl Address {
    /// This mailbox's address split into local part and domain.
    pub fn parsed(&self) -> Option<EmailAddress> {
        EmailAddress::parse(&self.address)
    }

    /// This mailbox's domain, lower-cased.
    pub fn domain(&self) -> Option<String> {
        domain_of(&self.address)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_lowercases_domain() {
        let a = parse(" <Alice.Smith@Example.COM.> ").unwrap();
        assert_eq!(a.local, "Alice.Smith");
        assert_eq!(a.domain, "example.com");
        assert_eq!(a.local_lower(), "alice.smith");
        assert_eq!(a.normalized(), "alice.smith@example.com");
        assert_eq!(a.to_string(), "Alice.Smith@example.com");
    }

    #[test]
    fn quoted_local_part_and_tags() {
        let a = parse("\"a@b\"@x.org").unwrap();
        assert_eq!(a.local, "\"a@b\"");
        assert_eq!(a.domain, "x.org");
        assert_eq!(parse("bob+news@x.org").unwrap().local_base(), "bob");
    }

    #[test]
    fn rejects_null_and_malformed() {
        assert_eq!(parse(""), None);
        assert_eq!(parse("<>"), None);
        assert_eq!(parse("nobody"), None);
        assert_eq!(parse("@x.org"), None);
        assert_eq!(parse("a@"), None);
    }

    #[test]
    fn domains() {
        let a = parse("a@mail.Example.com").unwrap();
        assert!(a.is_in_domain("example.COM"));
        assert!(a.is_in_domain("mail.example.com"));
        assert!(!a.is_in_domain("ample.com"));
        assert!(same_address("A@X.org", "<a@x.ORG>"));
        assert_eq!(domain_of("u@D.E"), Some("d.e".into()));
        assert_eq!(local_part_of("U@d.e"), Some("U".into()));
    }
}
