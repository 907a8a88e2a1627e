//! Answers to pending HTTP-01 challenges (RFC 8555 §8.3), shared between the ACME client that
//! creates them and the HTTP listener that serves `/.well-known/acme-challenge/{token}`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Pending challenges are few (one per name being validated) and short-lived; the cap keeps a
/// misbehaving CA exchange from growing the map without bound.
const MAX_PENDING: usize = 256;

/// token → key authorization, for challenges in flight.
#[derive(Clone, Default)]
pub struct Http01Challenges {
    inner: Arc<Mutex<HashMap<String, String>>>,
}

impl Http01Challenges {
    pub fn new() -> Http01Challenges {
        Http01Challenges::default()
    }

    /// Publishes the answer for `token`; false when too many are pending already.
    pub fn insert(&self, token: &str, key_authorization: &str) -> bool {
        let Ok(mut map) = self.inner.lock() else {
            return false;
        };
        if map.len() >= MAX_PENDING && !map.contains_key(token) {
            return false;
        }
        map.insert(token.to_string(), key_authorization.to_string());
        true
    }

    /// Withdraws the answer once the CA has validated (or the order failed).
    pub fn remove(&self, token: &str) {
        if let Ok(mut map) = self.inner.lock() {
            map.remove(token);
        }
    }

    /// The key authorization to serve for `token`, if a challenge for it is pending.
    pub fn get(&self, token: &str) -> Option<String> {
        self.inner.lock().ok()?.get(token).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_get_remove_and_cap() {
        let c = Http01Challenges::new();
        assert!(c.insert("t1", "t1.thumb"));
        assert_eq!(c.get("t1").as_deref(), Some("t1.thumb"));
        c.remove("t1");
        assert_eq!(c.get("t1"), None);
        for i in 0..MAX_PENDING {
            assert!(c.insert(&format!("k{i}"), "x"));
        }
        assert!(!c.insert("one-more", "x"));
        assert!(c.insert("k0", "y"), "replacing a pending token is allowed");
    }
}
