//! Per-client-address connection caps. One [`PerIpLimit`] per listener: a flood on one service
//! (say the MX port) from one address neither counts against nor locks out that address's use of
//! another (its users' IMAP), and each service gets the cap its clients need (Postfix counts per
//! service too: `smtpd_client_connection_count_limit`). The global per-listener
//! `max_connections` stays as the last bound.
//!
//! IPv6 clients are counted per /64: one host usually owns a whole /64, so counting single
//! addresses would let it open as many connections as it likes.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use ipnet::IpNet;

/// The key a client is counted under.
fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let bits = u128::from(v6) & !((1u128 << 64) - 1);
                IpAddr::V6(bits.into())
            }
        },
    }
}

#[derive(Debug)]
struct Inner {
    max: usize,
    exempt: Vec<IpNet>,
    counts: Mutex<HashMap<IpAddr, usize>>,
}

/// Counts open connections per client address on one listener.
#[derive(Debug, Clone)]
pub struct PerIpLimit {
    inner: Arc<Inner>,
}

/// One admitted connection; dropping it releases the slot.
#[derive(Debug)]
pub struct IpSlot {
    inner: Option<(Arc<Inner>, IpAddr)>,
}

impl Drop for IpSlot {
    fn drop(&mut self) {
        if let Some((inner, key)) = self.inner.take() {
            let mut counts = inner.counts.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(n) = counts.get_mut(&key) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    counts.remove(&key);
                }
            }
        }
    }
}

impl PerIpLimit {
    pub fn new(max: usize, exempt: Vec<IpNet>) -> PerIpLimit {
        PerIpLimit {
            inner: Arc::new(Inner {
                max,
                exempt,
                counts: Mutex::default(),
            }),
        }
    }

    /// A slot for a new connection from `ip`, or None when that address already holds `max`.
    pub fn try_acquire(&self, ip: IpAddr) -> Option<IpSlot> {
        let plain = client_key(ip);
        if self.inner.exempt.iter().any(|net| net.contains(&plain)) {
            return Some(IpSlot { inner: None });
        }
        let mut counts = self.inner.counts.lock().unwrap_or_else(|p| p.into_inner());
        let n = counts.entry(plain).or_insert(0);
        if *n >= self.inner.max {
            return None;
        }
        *n += 1;
        Some(IpSlot {
            inner: Some((self.inner.clone(), plain)),
        })
    }

    /// Connections now counted for `ip`.
    pub fn count(&self, ip: IpAddr) -> usize {
        let counts = self.inner.counts.lock().unwrap_or_else(|p| p.into_inner());
        counts.get(&client_key(ip)).copied().unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_per_address_and_releases_on_drop() {
        let limit = PerIpLimit::new(2, Vec::new());
        let a: IpAddr = "127.0.0.1".parse().unwrap();
        let b: IpAddr = "127.0.0.2".parse().unwrap();
        let s1 = limit.try_acquire(a).unwrap();
        let _s2 = limit.try_acquire(a).unwrap();
        assert!(limit.try_acquire(a).is_none());
        assert!(limit.try_acquire(b).is_some());
        drop(s1);
        assert!(limit.try_acquire(a).is_some());
    }

    #[test]
    fn ipv6_counts_per_slash_64_and_exemptions_apply() {
        let limit = PerIpLimit::new(1, vec!["10.0.0.0/8".parse().unwrap()]);
        let _x = limit.try_acquire("2001:db8::1".parse().unwrap()).unwrap();
        assert!(limit.try_acquire("2001:db8::2".parse().unwrap()).is_none());
        assert!(
            limit
                .try_acquire("2001:db8:0:1::1".parse().unwrap())
                .is_some()
        );
        let ten: IpAddr = "10.1.2.3".parse().unwrap();
        let _k: Vec<_> = (0..5).map(|_| limit.try_acquire(ten).unwrap()).collect();
        assert_eq!(limit.count(ten), 0);
        // An IPv4-mapped IPv6 address is the IPv4 client.
        let _y = limit.try_acquire("192.0.2.1".parse().unwrap()).unwrap();
        assert!(
            limit
                .try_acquire("::ffff:192.0.2.1".parse().unwrap())
                .is_none()
        );
    }
}
