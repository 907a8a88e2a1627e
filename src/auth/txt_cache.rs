//! Parsed TXT records (SPF policies, DKIM keys, DMARC records) kept between messages until
//! their TTL runs out: mail-auth's `txt_cache`. Without it every message looked each name up
//! again in hickory's cache of raw answers and parsed the record anew (a DKIM key is an RSA or
//! Ed25519 public key to decode), although the same few senders' records serve many messages.
//!
//! Only answers are cached, with the validity hickory gave them (the record's TTL): a failed
//! lookup is not, so a temporary DNS failure is retried by the next message as before.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::Instant;

use mail_auth::{ResolverCache, Txt};

pub struct TxtCache {
    map: Mutex<HashMap<Box<str>, (Txt, Instant)>>,
    /// Names held at most (`[dns] cache_size`, as hickory's own cache); 0: nothing is kept.
    capacity: usize,
}

impl TxtCache {
    pub fn new(capacity: usize) -> TxtCache {
        TxtCache {
            map: Mutex::new(HashMap::new()),
            capacity,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Box<str>, (Txt, Instant)>> {
        self.map.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Names held (expired ones included until they are next looked up or swept).
    #[cfg(test)]
    fn len(&self) -> usize {
        self.lock().len()
    }

    #[cfg(test)]
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl ResolverCache<Box<str>, Txt> for TxtCache {
    fn get<Q>(&self, name: &Q) -> Option<Txt>
    where
        Box<str>: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let mut map = self.lock();
        match map.get(name) {
            Some((txt, until)) if *until > Instant::now() => Some(txt.clone()),
            Some(_) => {
                map.remove(name);
                None
            }
            None => None,
        }
    }

    fn remove<Q>(&self, name: &Q) -> Option<Txt>
    where
        Box<str>: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.lock().remove(name).map(|(txt, _)| txt)
    }

    fn insert(&self, key: Box<str>, value: Txt, valid_until: Instant) {
        if self.capacity == 0 || valid_until <= Instant::now() {
            return;
        }
        let mut map = self.lock();
        if map.len() >= self.capacity && !map.contains_key(&key) {
            // Full: drop what has expired, and start over if that frees nothing (a flood of
            // distinct senders must not grow it; the records are fetched again as needed).
            let now = Instant::now();
            map.retain(|_, (_, until)| *until > now);
            if map.len() >= self.capacity {
                map.clear();
            }
        }
        map.insert(key, (value, valid_until));
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn txt() -> Txt {
        Txt::Error(mail_auth::Error::ParseError)
    }

    #[test]
    fn kept_until_valid_until_and_bounded() {
        let cache = TxtCache::new(3);
        let later = Instant::now() + Duration::from_secs(60);
        cache.insert("a.example.".into(), txt(), later);
        assert!(cache.get("a.example.").is_some());
        // Already expired (a TTL of 0): not kept at all.
        cache.insert("b.example.".into(), txt(), Instant::now());
        assert!(cache.get("b.example.").is_none());
        cache.insert(
            "c.example.".into(),
            txt(),
            Instant::now() + Duration::from_millis(30),
        );
        assert!(cache.get("c.example.").is_some());
        std::thread::sleep(Duration::from_millis(50));
        assert!(cache.get("c.example.").is_none(), "expired");
        for i in 0..100 {
            cache.insert(format!("n{i}.example.").into(), txt(), later);
            assert!(cache.len() <= 3);
        }
        assert!(cache.get("n99.example.").is_some());
        let off = TxtCache::new(0);
        off.insert("a.example.".into(), txt(), later);
        assert!(off.is_empty());
    }
}
