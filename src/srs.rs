//! The Sender Rewriting Scheme (SRS, as specified by Shevek's "Sender Rewriting Scheme" paper and
//! implemented by libsrs2/postsrsd, whose address format this follows): a forwarded message's
//! envelope sender is rewritten under one of our domains, so the next hop's SPF check (RFC 7208)
//! sees our address, and a bounce to that address can be verified and sent back to the original
//! sender.
//!
//! - `SRS0=HHHH=TT=orig.domain=orig.local@our.domain` for an ordinary sender.
//! - `SRS1=HHHH=first.forwarder==HHHH0=TT=orig.domain=orig.local@our.domain` for a sender that
//!   is already an SRS0 address of another forwarder: the bounce goes to that forwarder.
//!
//! `HHHH` is the first four base64 characters of HMAC-SHA1(secret, lowercased data); `TT` the
//! day number modulo 1024 in base32. A hash made with the current secret or one of the previous
//! ones (the rotation grace list) is accepted; a forged hash or a timestamp older than the
//! maximum age is refused. A leaf module: it knows no store, no session.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ring::hmac;

const HASH_LEN: usize = 4;
const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
/// Timestamps count days modulo 2^10 (two base32 characters).
const TIME_SLOTS: i64 = 1024;
const DAY: i64 = 86_400;
/// An SMTP local part is at most 64 octets (RFC 5321 §4.5.3.1.1); SRS addresses often exceed it
/// and relays accept that, but a decoded address must stay a reasonable size.
const MAX_ADDRESS: usize = 512;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SrsError {
    #[error("not an SRS address")]
    NotSrs,
    #[error("malformed SRS address")]
    Malformed,
    #[error("SRS hash does not verify")]
    BadHash,
    #[error("SRS address expired")]
    Expired,
}

/// The rewriting keys and rules.
#[derive(Clone)]
pub struct Srs {
    /// The secret that signs new addresses.
    current: hmac::Key,
    /// Secrets that still verify (rotation grace list).
    previous: Vec<hmac::Key>,
    max_age_days: i64,
}

impl std::fmt::Debug for Srs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Srs")
            .field("previous", &self.previous.len())
            .field("max_age_days", &self.max_age_days)
            .finish_non_exhaustive()
    }
}

/// True when `local` (the local part of an address) is an SRS address's local part.
pub fn is_srs(local: &str) -> bool {
    let l = local.as_bytes();
    l.len() > 5
        && (l[..4].eq_ignore_ascii_case(b"SRS0") || l[..4].eq_ignore_ascii_case(b"SRS1"))
        && matches!(l[4], b'=' | b'-' | b'+')
}

impl Srs {
    pub fn new(secret: &[u8], previous: &[&[u8]], max_age_days: u32) -> Srs {
        let key = |s: &[u8]| hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, s);
        Srs {
            current: key(secret),
            previous: previous.iter().map(|s| key(s)).collect(),
            max_age_days: i64::from(max_age_days.clamp(1, (TIME_SLOTS - 1) as u32)),
        }
    }

    fn hash_with(key: &hmac::Key, parts: &[&str]) -> String {
        let mut ctx = hmac::Context::with_key(key);
        for p in parts {
            ctx.update(p.to_ascii_lowercase().as_bytes());
        }
        let tag = ctx.sign();
        let mut h = STANDARD.encode(tag.as_ref());
        h.truncate(HASH_LEN);
        h
    }

    fn verify_hash(&self, hash: &str, parts: &[&str]) -> bool {
        // Compared case-insensitively: some relays lowercase local parts (as libsrs2 does).
        std::iter::once(&self.current)
            .chain(&self.previous)
            .any(|k| Self::hash_with(k, parts).eq_ignore_ascii_case(hash))
    }

    /// Rewrites `sender` (an address) under `domain` at time `now` (unix seconds). The null
    /// sender is never rewritten (bounces stay bounces); an address of `domain` itself needs no
    /// rewriting.
    pub fn forward(&self, sender: &str, domain: &str, now: i64) -> String {
        let Some((local, host)) = sender.rsplit_once('@') else {
            return sender.to_string();
        };
        if sender.is_empty() || (host.eq_ignore_ascii_case(domain) && !is_srs(local)) {
            return sender.to_string();
        }
        if is_srs(local) {
            let sep = &local[4..5];
            if local[..4].eq_ignore_ascii_case("SRS0") {
                // SRS0 of another forwarder: SRS1=HHHH=thatforwarder==HHHH=TT=...
                let rest = &local[5..];
                let inner = format!("{sep}{rest}");
                let hash = Self::hash_with(&self.current, &[host, &inner]);
                return format!("SRS1={hash}={host}={inner}@{domain}");
            }
            // SRS1 already: keep its first forwarder and original part, re-sign for us.
            let rest = &local[5..];
            if let Some((_, tail)) = rest.split_once('=')
                && let Some((first, inner)) = tail.split_once('=')
            {
                let hash = Self::hash_with(&self.current, &[first, inner]);
                return format!("SRS1={hash}={first}={inner}@{domain}");
            }
        }
        let tt = timestamp(now);
        let hash = Self::hash_with(&self.current, &[&tt, host, local]);
        format!("SRS0={hash}={tt}={host}={local}@{domain}")
    }

    /// The address a bounce to `local` (an SRS local part at one of our domains) goes back to:
    /// the original sender for SRS0, the first forwarder's SRS0 address for SRS1. Verifies the
    /// hash (current or previous secrets) and, for SRS0, the age.
    pub fn reverse(&self, local: &str, now: i64) -> Result<String, SrsError> {
        if !is_srs(local) {
            return Err(SrsError::NotSrs);
        }
        let srs1 = local[..4].eq_ignore_ascii_case("SRS1");
        let rest = &local[5..];
        let address = if srs1 {
            // HHHH=first.forwarder==HHHH0=TT=host=local (the separator after the forwarder
            // may be '=', '-' or '+': "=" + original separator).
            let (hash, tail) = rest.split_once('=').ok_or(SrsError::Malformed)?;
            let (first, inner) = tail.split_once('=').ok_or(SrsError::Malformed)?;
            if first.is_empty() || inner.len() < 2 {
                return Err(SrsError::Malformed);
            }
            if !self.verify_hash(hash, &[first, inner]) {
                return Err(SrsError::BadHash);
            }
            format!("SRS0{inner}@{first}")
        } else {
            let mut it = rest.splitn(4, '=');
            let (Some(hash), Some(tt), Some(host), Some(orig)) =
                (it.next(), it.next(), it.next(), it.next())
            else {
                return Err(SrsError::Malformed);
            };
            if host.is_empty() || orig.is_empty() || tt.len() != 2 {
                return Err(SrsError::Malformed);
            }
            if !self.verify_hash(hash, &[tt, host, orig]) {
                return Err(SrsError::BadHash);
            }
            let then = decode_timestamp(tt).ok_or(SrsError::Malformed)?;
            let today = (now / DAY).rem_euclid(TIME_SLOTS);
            let age = (today - then).rem_euclid(TIME_SLOTS);
            if age > self.max_age_days {
                return Err(SrsError::Expired);
            }
            format!("{orig}@{host}")
        };
        if address.len() > MAX_ADDRESS || address.chars().any(|c| c.is_control() || c == ' ') {
            return Err(SrsError::Malformed);
        }
        Ok(address)
    }
}

fn timestamp(now: i64) -> String {
    let t = (now / DAY).rem_euclid(TIME_SLOTS) as usize;
    let a = BASE32[(t >> 5) & 31] as char;
    let b = BASE32[t & 31] as char;
    format!("{a}{b}")
}

fn decode_timestamp(tt: &str) -> Option<i64> {
    let val = |c: u8| {
        BASE32
            .iter()
            .position(|&x| x == c.to_ascii_uppercase())
            .map(|p| p as i64)
    };
    let b = tt.as_bytes();
    Some(val(*b.first()?)? << 5 | val(*b.get(1)?)?)
}

/// A new random secret (32 bytes, base64) for a server with none configured.
pub fn generate_secret() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    STANDARD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_796_000_000;

    fn srs() -> Srs {
        Srs::new(b"secret-2", &[b"secret-1"], 21)
    }

    #[test]
    fn forward_and_reverse() {
        let s = srs();
        // (sender, our domain, expected prefix, reversed)
        let cases = [
            ("alice@a.test", "b.test", "SRS0=", "alice@a.test"),
            (
                "Alice.X+tag@A.test",
                "b.test",
                "SRS0=",
                "Alice.X+tag@A.test",
            ),
            ("odd=local@a.test", "b.test", "SRS0=", "odd=local@a.test"),
        ];
        for (sender, domain, prefix, back) in cases {
            let rewritten = s.forward(sender, domain, NOW);
            assert!(rewritten.starts_with(prefix), "{rewritten}");
            assert!(rewritten.ends_with(&format!("@{domain}")), "{rewritten}");
            let (local, _) = rewritten.rsplit_once('@').unwrap();
            assert_eq!(s.reverse(local, NOW).unwrap(), back, "{rewritten}");
            // Relays may lowercase the local part.
            assert_eq!(
                s.reverse(&local.to_ascii_lowercase(), NOW)
                    .unwrap()
                    .to_ascii_lowercase(),
                back.to_ascii_lowercase()
            );
        }
        // Not rewritten: the null sender, our own domain.
        assert_eq!(s.forward("", "b.test", NOW), "");
        assert_eq!(s.forward("bob@b.test", "b.test", NOW), "bob@b.test");
    }

    #[test]
    fn srs1_chain() {
        let first = Srs::new(b"other-forwarder", &[], 21);
        let us = srs();
        let srs0 = first.forward("alice@a.test", "fwd1.test", NOW);
        let srs1 = us.forward(&srs0, "b.test", NOW);
        assert!(srs1.starts_with("SRS1="), "{srs1}");
        assert!(srs1.contains("=fwd1.test=="), "{srs1}");
        let (local, _) = srs1.rsplit_once('@').unwrap();
        // Our reversal yields the first forwarder's SRS0 address, which it then reverses.
        let back = us.reverse(local, NOW).unwrap();
        assert_eq!(back, srs0);
        let (l0, _) = back.rsplit_once('@').unwrap();
        assert_eq!(first.reverse(l0, NOW).unwrap(), "alice@a.test");
        // A third forwarder keeps the first forwarder in SRS1.
        let third = Srs::new(b"third", &[], 21).forward(&srs1, "c.test", NOW);
        assert!(
            third.starts_with("SRS1=") && third.contains("=fwd1.test=="),
            "{third}"
        );
        let (l3, _) = third.rsplit_once('@').unwrap();
        assert_eq!(Srs::new(b"third", &[], 21).reverse(l3, NOW).unwrap(), srs0);
    }

    #[test]
    fn forgery_age_and_rotation() {
        let s = srs();
        let good = s.forward("alice@a.test", "b.test", NOW);
        let (local, _) = good.rsplit_once('@').unwrap();
        let tampered = local.replace("=alice", "=mallory");
        let forged_hash = format!("SRS0=AAAA{}", &local[9..]);
        // (local part, time, expected)
        let cases: Vec<(String, i64, Result<String, SrsError>)> = vec![
            (local.into(), NOW, Ok("alice@a.test".into())),
            (local.into(), NOW + 21 * DAY, Ok("alice@a.test".into())),
            (local.into(), NOW + 22 * DAY, Err(SrsError::Expired)),
            (tampered, NOW, Err(SrsError::BadHash)),
            (forged_hash, NOW, Err(SrsError::BadHash)),
            ("SRS0=xxxx".into(), NOW, Err(SrsError::Malformed)),
            ("SRS0=xxxx=TT=host=".into(), NOW, Err(SrsError::Malformed)),
            ("SRS1=xxxx".into(), NOW, Err(SrsError::Malformed)),
            ("alice".into(), NOW, Err(SrsError::NotSrs)),
        ];
        for (l, t, want) in cases {
            assert_eq!(s.reverse(&l, t), want, "{l}");
        }
        // Rotation: made with the previous secret, still accepted; with an unknown one, not.
        let old = Srs::new(b"secret-1", &[], 21).forward("carol@a.test", "b.test", NOW);
        let (old_local, _) = old.rsplit_once('@').unwrap();
        assert_eq!(s.reverse(old_local, NOW).unwrap(), "carol@a.test");
        let retired = Srs::new(b"secret-0", &[], 21).forward("carol@a.test", "b.test", NOW);
        let (retired_local, _) = retired.rsplit_once('@').unwrap();
        assert_eq!(s.reverse(retired_local, NOW), Err(SrsError::BadHash));
        // New addresses are signed with the current secret only.
        let new = s.forward("carol@a.test", "b.test", NOW);
        let (new_local, _) = new.rsplit_once('@').unwrap();
        assert_eq!(
            Srs::new(b"secret-1", &[], 21).reverse(new_local, NOW),
            Err(SrsError::BadHash)
        );
    }

    #[test]
    fn timestamp_wraps() {
        for day in [0i64, 1, 31, 32, 1023, 1024, 20_000] {
            let tt = timestamp(day * DAY);
            assert_eq!(decode_timestamp(&tt), Some(day % 1024), "{tt}");
        }
        assert!(is_srs("SRS0=abc") && is_srs("srs1+abc") && !is_srs("SRS0") && !is_srs("bob"));
    }
}
