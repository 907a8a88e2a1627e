//! The two facts the renewal logic and `mailsift acme status` need from a certificate: its DNS
//! names and its expiry. A small bounded DER walk (RFC 5280 §4.1) instead of a full X.509
//! parser; malformed input gives `None`, never a panic.

use chrono::{DateTime, NaiveDateTime, Utc};
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;

/// What a certificate says about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertInfo {
    /// subjectAltName dNSName entries, lower-cased.
    pub names: Vec<String>,
    pub not_after: DateTime<Utc>,
}

impl CertInfo {
    /// The first (end-entity) certificate of a PEM chain.
    pub fn from_pem(pem: &[u8]) -> Option<CertInfo> {
        let first = CertificateDer::pem_slice_iter(pem).next()?.ok()?;
        CertInfo::from_der(&first)
    }

    pub fn from_der(der: &[u8]) -> Option<CertInfo> {
        let (_, cert, _) = tlv(der, SEQUENCE)?;
        let (_, mut tbs, _) = tlv(cert, SEQUENCE)?;
        // version [0] EXPLICIT, optional
        if tbs.first() == Some(&0xa0) {
            tbs = tlv(tbs, 0xa0)?.2;
        }
        let rest = tlv(tbs, 0x02)?.2; // serialNumber
        let rest = tlv(rest, SEQUENCE)?.2; // signature
        let rest = tlv(rest, SEQUENCE)?.2; // issuer
        let (_, validity, mut rest) = tlv(rest, SEQUENCE)?;
        let (_, _, after) = any_tlv(validity)?; // notBefore
        let (tag, not_after, _) = any_tlv(after)?;
        let not_after = parse_time(tag, not_after)?;
        rest = tlv(rest, SEQUENCE)?.2; // subject
        rest = tlv(rest, SEQUENCE)?.2; // subjectPublicKeyInfo
        let mut names = Vec::new();
        while let Some((tag, content, next)) = any_tlv(rest) {
            if tag == 0xa3 {
                names = san_names(content).unwrap_or_default();
            }
            rest = next;
        }
        Some(CertInfo { names, not_after })
    }

    /// True when every name in `wanted` is on the certificate.
    pub fn covers(&self, wanted: &[String]) -> bool {
        wanted
            .iter()
            .all(|w| self.names.iter().any(|n| n.eq_ignore_ascii_case(w)))
    }
}

const SEQUENCE: u8 = 0x30;
/// id-ce-subjectAltName, 2.5.29.17 (RFC 5280 §4.2.1.6).
const SAN_OID: &[u8] = &[0x55, 0x1d, 0x11];

fn san_names(extensions: &[u8]) -> Option<Vec<String>> {
    let (_, mut list, _) = tlv(extensions, SEQUENCE)?;
    while let Some((_, extension, next)) = tlv(list, SEQUENCE) {
        let (_, oid, mut rest) = tlv(extension, 0x06)?;
        if oid == SAN_OID {
            if rest.first() == Some(&0x01) {
                rest = tlv(rest, 0x01)?.2; // critical
            }
            let (_, value, _) = tlv(rest, 0x04)?;
            let (_, mut general_names, _) = tlv(value, SEQUENCE)?;
            let mut names = Vec::new();
            while let Some((tag, name, next)) = any_tlv(general_names) {
                // dNSName [2] IMPLICIT IA5String
                if tag == 0x82 {
                    if let Ok(name) = std::str::from_utf8(name) {
                        names.push(name.to_ascii_lowercase());
                    }
                }
                general_names = next;
            }
            return Some(names);
        }
        list = next;
    }
    Some(Vec::new())
}

/// UTCTime or GeneralizedTime, as RFC 5280 §4.1.2.5 restricts them (UTC, seconds, `Z`).
fn parse_time(tag: u8, text: &[u8]) -> Option<DateTime<Utc>> {
    let text = std::str::from_utf8(text).ok()?;
    let full = match tag {
        // RFC 5280 §4.1.2.5.1: YY >= 50 is 19YY.
        0x17 => {
            let yy: u32 = text.get(..2)?.parse().ok()?;
            format!("{}{text}", if yy >= 50 { "19" } else { "20" })
        }
        0x18 => text.to_string(),
        _ => return None,
    };
    let naive = NaiveDateTime::parse_from_str(full.strip_suffix('Z')?, "%Y%m%d%H%M%S").ok()?;
    Some(naive.and_utc())
}

fn tlv(input: &[u8], want: u8) -> Option<(u8, &[u8], &[u8])> {
    let found = any_tlv(input)?;
    (found.0 == want).then_some(found)
}

/// One DER element: (tag, content, rest). Single-byte tags and definite lengths only, which is
/// all DER certificates use.
fn any_tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let tag = *input.first()?;
    let first = *input.get(1)? as usize;
    let (len, header) = if first < 0x80 {
        (first, 2)
    } else {
        let count = first & 0x7f;
        if count == 0 || count > 4 {
            return None;
        }
        let mut len = 0usize;
        for i in 0..count {
            len = (len << 8) | *input.get(2 + i)? as usize;
        }
        (len, 2 + count)
    };
    let end = header.checked_add(len)?;
    Some((tag, input.get(header..end)?, input.get(end..)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_names_and_expiry_of_an_rcgen_certificate() {
        let mut params =
            rcgen::CertificateParams::new(vec!["Mail.Example.org".into(), "example.org".into()])
                .unwrap();
        params.not_after = rcgen::date_time_ymd(2031, 7, 9);
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        let info = CertInfo::from_pem(cert.pem().as_bytes()).unwrap();
        assert_eq!(info.names, vec!["mail.example.org", "example.org"]);
        assert_eq!(info.not_after.format("%Y-%m-%d").to_string(), "2031-07-09");
        assert!(info.covers(&["example.org".into()]));
        assert!(!info.covers(&["other.org".into()]));
    }

    #[test]
    fn garbage_is_none_not_a_panic() {
        assert_eq!(CertInfo::from_der(&[]), None);
        assert_eq!(
            CertInfo::from_der(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]),
            None
        );
        assert_eq!(CertInfo::from_der(&[0x30, 0x03, 0x30, 0x01]), None);
        assert_eq!(CertInfo::from_pem(b"not pem"), None);
        // Every truncation of a real certificate.
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(vec!["a.example".into()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        let der = cert.der().to_vec();
        for n in 0..der.len() {
            assert_eq!(CertInfo::from_der(&der[..n]), None);
        }
    }
}
