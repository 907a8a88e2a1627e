//! The e-mail address a client asks its settings for (`?emailaddress=`, the autodiscover
//! `EMailAddress`): checked before it is written into any document.

use crate::directory::address::normalize_domain;

/// RFC 5321 §4.5.3.1: at most 64 octets of local part, 254 in all (RFC 3696 errata).
const MAX_LOCAL: usize = 64;
const MAX_ADDRESS: usize = 254;

/// A syntactically valid address (dot-atom local part, RFC 5322 §3.4.1; ASCII domain
/// lower-cased).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmailAddress {
    pub local: String,
    pub domain: String,
}

impl EmailAddress {
    pub fn parse(text: &str) -> Option<EmailAddress> {
        if text.len() > MAX_ADDRESS {
            return None;
        }
        let (local, domain) = text.rsplit_once('@')?;
        let atext = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~-".contains(c);
        let ok_local = !local.is_empty()
            && local.len() <= MAX_LOCAL
            && local
                .split('.')
                .all(|atom| !atom.is_empty() && atom.chars().all(atext));
        if !ok_local {
            return None;
        }
        let domain = normalize_domain(domain).ok()?;
        // `normalize_domain` also forgives a trailing dot and spaces; an address has neither.
        if domain.len() != text.len() - local.len() - 1 {
            return None;
        }
        Some(EmailAddress {
            local: local.to_string(),
            domain,
        })
    }

    pub fn as_string(&self) -> String {
        format!("{}@{}", self.local, self.domain)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_addresses_and_refuses_garbage() {
        let a = EmailAddress::parse("John.Doe+tag@Example.ORG").unwrap();
        assert_eq!(a.as_string(), "John.Doe+tag@example.org");
        for bad in [
            "",
            "nobody",
            "@example.org",
            "a@",
            "a@b",
            "a..b@example.org",
            ".a@example.org",
            "a b@example.org",
            "a@exa mple.org",
            "a@example.org.",
            "<a>@example.org",
            "a\"@example.org",
            "ü@example.org",
            "a@-x.org",
            "a@example.org\n",
        ] {
            assert_eq!(EmailAddress::parse(bad), None, "{bad:?}");
        }
        let long = format!("{}@example.org", "a".repeat(65));
        assert_eq!(EmailAddress::parse(&long), None);
    }
}
