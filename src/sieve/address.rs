//! The addresses a script may send to (`redirect`, `notify :method "mailto:…"`). RFC 5228 §4.2:
//! the redirect address must be a valid address; a script's string can hold anything (a `/`
//! path, CR LF, spaces), and what it names becomes an SMTP forward-path (RFC 5321 §4.1.2) and,
//! for notify, a `To` header. So: `Local-part "@" Domain`, with a dot-atom or quoted local part
//! and a host name or address literal, nothing else.

/// RFC 5321 §4.5.3.1: a forward-path holds at most 256 octets with its angle brackets.
const MAX_PATH: usize = 254;
/// RFC 5321 §4.5.3.1.1.
const MAX_LOCAL: usize = 64;

/// Whether `addr` may be used as the recipient of a message a script sends.
pub fn is_mailbox(addr: &str) -> bool {
    if addr.len() > MAX_PATH {
        return false;
    }
    let Some((local, domain)) = addr.rsplit_once('@') else {
        return false;
    };
    local_part_ok(local) && domain_ok(domain)
}

/// RFC 5321 `Local-part = Dot-string / Quoted-string`; UTF-8 allowed (RFC 6531 §3.3).
fn local_part_ok(local: &str) -> bool {
    if local.is_empty() || local.len() > MAX_LOCAL {
        return false;
    }
    if let Some(inner) = local.strip_prefix('"').and_then(|l| l.strip_suffix('"')) {
        // qtextSMTP / quoted-pairSMTP: printable, no controls; `"` and `\` only escaped.
        let mut escaped = false;
        for c in inner.chars() {
            if c.is_control() {
                return false;
            }
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => return false,
                _ => {}
            }
        }
        return !escaped;
    }
    local.split('.').all(|atom| {
        !atom.is_empty()
            && atom.chars().all(|c| {
                c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c) || !c.is_ascii()
            })
    })
}

/// RFC 5321 `Domain` (LDH labels; U-labels for RFC 6531) or an address literal.
fn domain_ok(domain: &str) -> bool {
    if let Some(literal) = domain.strip_prefix('[').and_then(|d| d.strip_suffix(']')) {
        return match literal.strip_prefix("IPv6:") {
            Some(v6) => v6.parse::<std::net::Ipv6Addr>().is_ok(),
            None => literal.parse::<std::net::Ipv4Addr>().is_ok(),
        };
    }
    !domain.is_empty()
        && domain.len() <= 253
        && domain
            .split('.')
            .all(|label| crate::directory::address::label_ok(label, true))
}

#[cfg(test)]
mod tests {
    use super::is_mailbox;

    #[test]
    fn mailboxes() {
        for ok in [
            "bob@example.org",
            "bob+tag@sub.example.org",
            "o'brien@example.org",
            "\"john doe\"@example.org",
            "jörg@bücher.example",
            "postmaster@[192.0.2.1]",
            "a@[IPv6:2001:db8::1]",
        ] {
            assert!(is_mailbox(ok), "{ok}");
        }
        for bad in [
            "bob@example.org/BobSecret",
            "bob@example.org\r\nBcc: victim@example.net",
            "bob@exa mple.org",
            "bob",
            "@example.org",
            "bob@",
            "bob@.example.org",
            "bob@example..org",
            "bob..x@example.org",
            ".bob@example.org",
            "bob smith@example.org",
            "bob\0@example.org",
            "\"bo\"b\"@example.org",
            "\"bob\\\"@example.org",
            "bob@[300.0.0.1]",
            "bob@-example.org",
            "<bob@example.org>",
        ] {
            assert!(!is_mailbox(bad), "{bad:?}");
        }
        assert!(!is_mailbox(&format!("{}@example.org", "a".repeat(65))));
        assert!(!is_mailbox(&format!("a@{}.org", "b".repeat(250))));
    }
}
