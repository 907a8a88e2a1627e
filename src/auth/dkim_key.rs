//! Our domains' DKIM keys: generated with mail-auth (RSA 2048, the size every verifier accepts,
//! RFC 8301 §3.2), kept in the domain record, published by the domain owner as a TXT record.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use mail_auth::dkim::generate::DkimKeyPair;

use super::AuthError;
use crate::store::DkimKey;

const RSA_BITS: usize = 2048;

pub fn generate(selector: &str, now: i64) -> Result<DkimKey, AuthError> {
    let pair = DkimKeyPair::generate_rsa(RSA_BITS)
        .map_err(|e| AuthError::Key(format!("cannot generate a DKIM key: {e}")))?;
    let (private, public) = pair.into_inner();
    Ok(DkimKey {
        selector: selector.to_string(),
        algorithm: "rsa".into(),
        private_key: STANDARD.encode(private),
        public_key: STANDARD.encode(public),
        created: now,
    })
}

/// An Ed25519 key (RFC 8463), PKCS#8 DER: an optional second signature next to the RSA one,
/// for verifiers that support it (RSA stays, as not all do).
pub fn generate_ed25519(selector: &str, now: i64) -> Result<DkimKey, AuthError> {
    let pair = DkimKeyPair::generate_ed25519()
        .map_err(|e| AuthError::Key(format!("cannot generate a DKIM key: {e}")))?;
    let (private, public) = pair.into_inner();
    Ok(DkimKey {
        selector: selector.to_string(),
        algorithm: "ed25519".into(),
        private_key: STANDARD.encode(private),
        public_key: STANDARD.encode(public),
        created: now,
    })
}

/// The DNS name the key is published at (RFC 6376 §3.6.2.1).
pub fn record_name(key: &DkimKey, domain: &str) -> String {
    format!("{}._domainkey.{domain}", key.selector)
}

/// The TXT record value to publish (RFC 6376 §3.6.1).
pub fn record_value(key: &DkimKey) -> String {
    format!("v=DKIM1; k={}; p={}", key.algorithm, key.public_key)
}

/// The `p=` tag of a published DKIM record, decoded; `None` when there is none or it is not
/// base64. An empty `p=` (a revoked key) decodes to an empty key.
pub fn published_key(record: &str) -> Option<Vec<u8>> {
    let p = record.split(';').find_map(|tag| {
        let (name, value) = tag.split_once('=')?;
        (name.trim() == "p").then_some(value)
    })?;
    let compact: String = p.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    STANDARD.decode(compact).ok()
}

/// True when `published` is the public half of `key`. Our key is a PKCS#1 RSAPublicKey; the
/// published one may be that or the more common SubjectPublicKeyInfo, which ends with the same
/// RSAPublicKey bytes (wrapped in a BIT STRING, RFC 3279 §2.3.1).
pub fn matches(key: &DkimKey, published: &[u8]) -> bool {
    let Ok(ours) = STANDARD.decode(&key.public_key) else {
        return false;
    };
    !ours.is_empty()
        && (published == ours.as_slice()
            || (published.len() > ours.len()
                && published.len() - ours.len() < 32
                && published.ends_with(&ours)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_and_matching() {
        let key = DkimKey {
            selector: "s1".into(),
            algorithm: "rsa".into(),
            private_key: String::new(),
            public_key: STANDARD.encode([1u8, 2, 3, 4]),
            created: 0,
        };
        assert_eq!(
            record_name(&key, "example.org"),
            "s1._domainkey.example.org"
        );
        let value = record_value(&key);
        assert_eq!(value, "v=DKIM1; k=rsa; p=AQIDBA==");
        let published = published_key(&value).unwrap();
        assert!(matches(&key, &published));
        // SubjectPublicKeyInfo-style wrapping of the same key.
        let mut spki = vec![0x30, 0x10, 0x30, 0x0d, 0x03, 0x05, 0x00];
        spki.extend_from_slice(&[1, 2, 3, 4]);
        assert!(matches(&key, &spki));
        assert!(!matches(&key, &[1, 2, 3, 5]));
        assert!(!matches(&key, &[]));
        assert_eq!(published_key("v=DKIM1; k=rsa; p="), Some(Vec::new()));
        assert_eq!(published_key("v=DKIM1; k=rsa"), None);
        assert_eq!(
            published_key("v=DKIM1; p=AQ ID\r\n BA=="),
            Some(vec![1, 2, 3, 4])
        );
    }

    #[test]
    fn generated_key_signs_and_matches_itself() {
        let key = generate("mailsift", 0).unwrap();
        assert_eq!(key.algorithm, "rsa");
        let published = published_key(&record_value(&key)).unwrap();
        assert!(matches(&key, &published));
        let der = STANDARD.decode(&key.private_key).unwrap();
        let der = rustls_pki_types::PrivateKeyDer::Pkcs1(der.into());
        assert!(
            mail_auth::common::crypto::RsaKey::<mail_auth::common::crypto::Sha256>::from_key_der(
                der
            )
            .is_ok()
        );
    }
}
