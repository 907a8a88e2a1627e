//! Address rules for local accounts, as the reference service states them: a local part of at
//! most 64 characters of A–Z, 0–9, `-`, `_` and `.`, no dot first, last or doubled; some names
//! are reserved for the system.

/// Local parts that only the system may use (RFC 2142 role addresses and no-reply senders).
pub const RESERVED_LOCAL_PARTS: &[&str] = &[
    "postmaster",
    "abuse",
    "mailer-daemon",
    "no-reply",
    "noreply",
    "do-not-reply",
    "donotreply",
    "hostmaster",
    "webmaster",
];

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AddressError {
    #[error("\"{0}\" is not an address of the form local-part@domain")]
    Shape(String),
    #[error("the local part of \"{0}\" is longer than 64 characters")]
    TooLong(String),
    #[error(
        "the local part of \"{0}\" may only contain letters a-z, digits, '-', '_' and '.' (not first, last or doubled)"
    )]
    Characters(String),
    #[error("\"{0}\" is not a valid domain name")]
    Domain(String),
    #[error("the local part \"{0}\" is reserved for the system")]
    Reserved(String),
}

/// One DNS label by RFC 1035 §2.3.1's LDH rule (RFC 5321 §4.1.2 `sub-domain`); with
/// `unicode`, U-labels too (RFC 6531 §3.3).
pub fn label_ok(label: &str, unicode: bool) -> bool {
    !label.is_empty()
        && label.len() <= 63
        && !label.starts_with('-')
        && !label.ends_with('-')
        && label.chars().all(|c| {
            c == '-'
                || if unicode {
                    c.is_alphanumeric()
                } else {
                    c.is_ascii_alphanumeric()
                }
        })
}

/// Lower-cases and checks a domain name (ASCII; IDNs must be given in their A-label form).
pub fn normalize_domain(domain: &str) -> Result<String, AddressError> {
    let d = domain.trim().trim_end_matches('.').to_ascii_lowercase();
    let ok = !d.is_empty()
        && d.len() <= 253
        && d.contains('.')
        && d.split('.').all(|label| label_ok(label, false));
    if ok {
        Ok(d)
    } else {
        Err(AddressError::Domain(domain.to_string()))
    }
}

fn valid_local_part(local: &str) -> bool {
    !local.is_empty()
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// Checks an address for a new account and returns it lower-cased.
pub fn normalize_new_account(address: &str) -> Result<String, AddressError> {
    let (local, domain) = address
        .trim()
        .rsplit_once('@')
        .ok_or_else(|| AddressError::Shape(address.to_string()))?;
    if local.chars().count() > 64 {
        return Err(AddressError::TooLong(address.to_string()));
    }
    if !valid_local_part(local) {
        return Err(AddressError::Characters(address.to_string()));
    }
    let local = local.to_ascii_lowercase();
    if RESERVED_LOCAL_PARTS.contains(&local.as_str()) {
        return Err(AddressError::Reserved(local));
    }
    Ok(format!("{local}@{}", normalize_domain(domain)?))
}

/// Splits an address as given on the wire into (local part, domain), lower-cased, without any
/// validation beyond the shape: used to look recipients up, where unknown means 550, not 501.
pub fn split_lookup(address: &str) -> Option<(String, String)> {
    let (local, domain) = address.trim().rsplit_once('@')?;
    if local.is_empty() || domain.is_empty() {
        return None;
    }
    Some((
        local.to_ascii_lowercase(),
        domain.trim_end_matches('.').to_ascii_lowercase(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_documented_characters() {
        assert_eq!(
            normalize_new_account("John.Doe-1_x@Example.ORG").unwrap(),
            "john.doe-1_x@example.org"
        );
    }

    #[test]
    fn refuses_bad_local_parts() {
        for bad in [
            ".a@x.org",
            "a.@x.org",
            "a..b@x.org",
            "a b@x.org",
            "a!b@x.org",
            "ñ@x.org",
            "a#@x.org",
            "a/b@x.org",
            "a?@x.org",
            "\"q\"@x.org",
        ] {
            assert!(
                matches!(normalize_new_account(bad), Err(AddressError::Characters(_))),
                "{bad}"
            );
        }
        let long = format!("{}@x.org", "a".repeat(65));
        assert!(matches!(
            normalize_new_account(&long),
            Err(AddressError::TooLong(_))
        ));
        assert!(normalize_new_account(&format!("{}@x.org", "a".repeat(64))).is_ok());
    }

    #[test]
    fn refuses_reserved_and_bad_domains() {
        assert!(matches!(
            normalize_new_account("Postmaster@x.org"),
            Err(AddressError::Reserved(_))
        ));
        assert!(matches!(
            normalize_new_account("a@localhost"),
            Err(AddressError::Domain(_))
        ));
        assert!(matches!(
            normalize_new_account("a@-x.org"),
            Err(AddressError::Domain(_))
        ));
        assert!(matches!(
            normalize_new_account("nodomain"),
            Err(AddressError::Shape(_))
        ));
    }
}
