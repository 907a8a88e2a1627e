//! DKIM signing (RFC 6376 §5) of mail that leaves for other servers, with the keys of our
//! domains (`mailsift domain dkim`, kept in the domain record). The signing domain is the
//! message's RFC5322.From domain, so the signature aligns for DMARC (RFC 7489 §3.1.1); a
//! message whose From is not one of our signing domains is not signed.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use mail_auth::common::crypto::{Ed25519Key, RsaKey, Sha256};
use mail_auth::common::headers::HeaderWriter;
use mail_auth::dkim::DkimSigner;

use super::AuthError;
use crate::store::DkimKey;

/// The header fields signed when present (RFC 6376 §5.4.1: those that carry the message's
/// meaning). From is signed twice ("oversigned", §8.15) so that a second From cannot be added
/// without breaking the signature.
const SIGNED_HEADERS: &[&str] = &[
    "From",
    "From",
    "Reply-To",
    "Sender",
    "To",
    "Cc",
    "Subject",
    "Date",
    "Message-ID",
    "In-Reply-To",
    "References",
    "MIME-Version",
    "Content-Type",
    "Content-Transfer-Encoding",
    "Content-Disposition",
    "List-Id",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
    "Auto-Submitted",
];

/// The `DKIM-Signature` header field (with its CRLF) for `raw`, signed by `domain` with `key`
/// ("rsa": PKCS#1 DER, RSA-SHA256; "ed25519": PKCS#8 DER, Ed25519-SHA256, RFC 8463).
pub fn sign(key: &DkimKey, domain: &str, raw: &[u8]) -> Result<String, AuthError> {
    let der = STANDARD
        .decode(&key.private_key)
        .map_err(|e| AuthError::Key(format!("DKIM key of {domain} is not base64: {e}")))?;
    let bad = |e: mail_auth::Error| AuthError::Key(format!("DKIM key of {domain}: {e}"));
    let signature = match key.algorithm.as_str() {
        "rsa" => {
            let k =
                RsaKey::<Sha256>::from_key_der(rustls_pki_types::PrivateKeyDer::Pkcs1(der.into()))
                    .map_err(bad)?;
            DkimSigner::from_key(k)
                .domain(domain)
                .selector(&key.selector)
                .headers(SIGNED_HEADERS.iter().copied())
                .sign(raw)
        }
        "ed25519" => {
            let k = Ed25519Key::from_pkcs8_maybe_unchecked_der(&der).map_err(bad)?;
            DkimSigner::from_key(k)
                .domain(domain)
                .selector(&key.selector)
                .headers(SIGNED_HEADERS.iter().copied())
                .sign(raw)
        }
        other => {
            return Err(AuthError::Key(format!(
                "DKIM key of {domain}: unknown algorithm {other:?}"
            )));
        }
    }
    .map_err(bad)?;
    Ok(signature.to_header())
}

/// The RFC5322.From domain of a message (lowercased): the first address of the first From
/// field. `None` when there is none.
pub fn from_domain(raw: &[u8]) -> Option<String> {
    let parsed = mail_parser::MessageParser::new()
        .parse_headers(raw)
        .or_else(|| mail_parser::MessageParser::new().parse(raw))?;
    let address = parsed.from()?.first()?.address()?;
    let (_, domain) = address.rsplit_once('@')?;
    let domain = domain.trim().trim_end_matches('.').to_ascii_lowercase();
    (!domain.is_empty()).then_some(domain)
}

/// `raw` with a DKIM signature of each of `keys` on top (the order of `keys`: the first key's
/// signature ends up nearest the body, as signatures are prepended). On a signing error the
/// message leaves unsigned rather than not at all; the error is logged.
pub fn sign_message(keys: &[DkimKey], domain: &str, raw: Vec<u8>) -> Vec<u8> {
    let mut headers = String::new();
    for key in keys {
        match sign(key, domain, &raw) {
            Ok(h) => headers.insert_str(0, &h),
            Err(e) => tracing::error!(%domain, error = %e, "cannot DKIM-sign the message"),
        }
    }
    if headers.is_empty() {
        return raw;
    }
    let mut out = Vec::with_capacity(headers.len() + raw.len());
    out.extend_from_slice(headers.as_bytes());
    out.extend_from_slice(&raw);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_domain_cases() {
        let cases: [(&str, Option<&str>); 5] = [
            (
                "From: Alice <alice@Example.ORG>\r\n\r\nhi",
                Some("example.org"),
            ),
            ("From: a@x.test, b@y.test\r\n\r\n", Some("x.test")),
            ("To: bob@example.org\r\n\r\nhi", None),
            ("From: undisclosed\r\n\r\n", None),
            ("Subject: x\r\nFrom: <c@z.test.>\r\n\r\n", Some("z.test")),
        ];
        for (raw, want) in cases {
            assert_eq!(from_domain(raw.as_bytes()).as_deref(), want, "{raw}");
        }
    }

    #[test]
    fn unknown_algorithm_is_an_error_and_leaves_the_message_unsigned() {
        let key = DkimKey {
            selector: "s".into(),
            algorithm: "dsa".into(),
            private_key: String::new(),
            public_key: String::new(),
            created: 0,
        };
        let raw = b"From: a@x.test\r\n\r\nhi\r\n".to_vec();
        assert!(sign(&key, "x.test", &raw).is_err());
        assert_eq!(sign_message(&[key], "x.test", raw.clone()), raw);
    }
}
