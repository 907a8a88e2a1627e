//! The plugin's private key-value store, persisted by the server. No other plugin can read or
//! write these keys.
//!
//! Raw values are bytes; the typed helpers store numbers and booleans as their decimal text
//! (`"42"`, `"0.5"`, `"true"`), so values stay readable when inspected and are portable between
//! plugin versions. Each message runs in its own instance and several may run at once: a
//! [`get`] then [`set`] of the same key is not atomic (two messages may read the same old
//! value); a counter kept with [`increment`] is.
//!
//! What a call sees: the store as it was at the call's first read, plus its own writes. Its
//! writes are committed after it returns, with the message; they are kept when the message is
//! refused, discarded or deferred, and dropped when the call itself fails (a trap, the CPU or
//! memory bound).

use crate::bindings::mailsift::plugin::kv as host;

/// Longest key the host accepts (its `MAX_KEY`); a longer one would trap the plugin.
pub const MAX_KEY: usize = 512;
/// Largest value the host accepts.
pub const MAX_VALUE: usize = 1 << 20;
/// Most keys in one host `get-many` call.
const MAX_GET_MANY: usize = 1024;
/// Most bytes (keys plus values) of writes the host buffers in one call.
pub const MAX_PENDING: usize = 8 << 20;

/// Bytes written so far in this call. Reset at the start of every call ([`begin_call`]): a
/// plugin declared stateless may serve several calls in one instance.
static PENDING: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
/// Whether this call has warned about the budget.
static WARNED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Starts a call's budget afresh (run by the export glue before every call).
pub(crate) fn begin_call() {
    use std::sync::atomic::Ordering;
    PENDING.store(0, Ordering::Relaxed);
    WARNED.store(false, Ordering::Relaxed);
}

/// Counts a write of `size` bytes against the host's per-call budget: false (and one warning)
/// once it would be exceeded.
fn within_budget(size: usize) -> bool {
    use std::sync::atomic::Ordering;
    let before = PENDING.fetch_add(size, Ordering::Relaxed);
    if before.saturating_add(size) <= MAX_PENDING {
        return true;
    }
    PENDING.fetch_sub(size, Ordering::Relaxed);
    if !WARNED.swap(true, Ordering::Relaxed) {
        crate::log::warn(
            "key-value writes of this call exceed the host's budget; dropping the rest",
        );
    }
    false
}

// Keys are often made of message content (a sender address, a token): a hostile message must not
// make the plugin trap on the host's limits. Out-of-limit keys read as absent and are not
// written; the plugin keeps running without that piece of data.
fn key_ok(key: &str) -> bool {
    key.len() <= MAX_KEY
}

/// The raw value of `key` (`None` for a key longer than [`MAX_KEY`]).
pub fn get(key: &str) -> Option<Vec<u8>> {
    key_ok(key).then(|| host::get(key)).flatten()
}

/// Set the raw value of `key`. A key longer than [`MAX_KEY`], a value larger than [`MAX_VALUE`]
/// or a write beyond the call's [`MAX_PENDING`] budget is not written.
pub fn set(key: &str, value: &[u8]) {
    if key_ok(key) && value.len() <= MAX_VALUE {
        if within_budget(key.len() + value.len()) {
            host::set(key, value)
        }
    } else {
        crate::log::warn(&format!(
            "not storing a key-value entry over the host's limits ({} key bytes, {} value bytes)",
            key.len(),
            value.len()
        ));
    }
}

/// Delete `key` (no error if absent).
pub fn delete(key: &str) {
    if key_ok(key) && within_budget(key.len()) {
        host::delete(key)
    }
}

/// Several raw values, in the order of `keys` (in as few host calls as the host's limits allow).
pub fn get_many<S: AsRef<str>>(keys: &[S]) -> Vec<Option<Vec<u8>>> {
    let asked: Vec<String> = keys
        .iter()
        .map(|k| k.as_ref())
        .filter(|k| key_ok(k))
        .map(String::from)
        .collect();
    let mut found = Vec::with_capacity(asked.len());
    for chunk in asked.chunks(MAX_GET_MANY) {
        found.extend(host::get_many(chunk));
    }
    let mut found = found.into_iter();
    keys.iter()
        .map(|k| {
            if key_ok(k.as_ref()) {
                found.next().flatten()
            } else {
                None
            }
        })
        .collect()
}

/// A value type with a byte encoding in the store.
pub trait KvValue: Sized {
    fn encode(&self) -> Vec<u8>;
    /// `None` if the stored bytes are not a valid encoding.
    fn decode(bytes: &[u8]) -> Option<Self>;
}

impl KvValue for Vec<u8> {
    fn encode(&self) -> Vec<u8> {
        self.clone()
    }
    fn decode(bytes: &[u8]) -> Option<Self> {
        Some(bytes.to_vec())
    }
}

impl KvValue for String {
    fn encode(&self) -> Vec<u8> {
        self.as_bytes().to_vec()
    }
    fn decode(bytes: &[u8]) -> Option<Self> {
        String::from_utf8(bytes.to_vec()).ok()
    }
}

impl KvValue for bool {
    fn encode(&self) -> Vec<u8> {
        if *self {
            b"true".to_vec()
        } else {
            b"false".to_vec()
        }
    }
    fn decode(bytes: &[u8]) -> Option<Self> {
        crate::config::parse_bool(std::str::from_utf8(bytes).ok()?)
    }
}

macro_rules! kv_number {
    ($($t:ty),*) => {$(
        impl KvValue for $t {
            fn encode(&self) -> Vec<u8> {
                self.to_string().into_bytes()
            }
            fn decode(bytes: &[u8]) -> Option<Self> {
                std::str::from_utf8(bytes).ok()?.trim().parse().ok()
            }
        }
    )*};
}
kv_number!(i32, i64, u32, u64, f32, f64);

/// The value of `key` decoded as `T`; `None` if absent or not decodable.
pub fn load<T: KvValue>(key: &str) -> Option<T> {
    get(key).and_then(|b| T::decode(&b))
}

/// Store `value` under `key`.
pub fn store<T: KvValue>(key: &str, value: &T) {
    set(key, &value.encode())
}

pub fn get_string(key: &str) -> Option<String> {
    load(key)
}

pub fn set_string(key: &str, value: &str) {
    set(key, value.as_bytes())
}

pub fn get_i64(key: &str) -> Option<i64> {
    load(key)
}

pub fn set_i64(key: &str, value: i64) {
    store(key, &value)
}

pub fn get_u64(key: &str) -> Option<u64> {
    load(key)
}

pub fn set_u64(key: &str, value: u64) {
    store(key, &value)
}

pub fn get_f64(key: &str) -> Option<f64> {
    load(key)
}

pub fn set_f64(key: &str, value: f64) {
    store(key, &value)
}

pub fn get_bool(key: &str) -> Option<bool> {
    load(key)
}

pub fn set_bool(key: &str, value: bool) {
    store(key, &value)
}

/// Add `delta` (may be negative) to the counter at `key`, atomically: the host records the
/// delta and adds it to the stored value inside the store's write transaction, so messages
/// delivered at the same time never lose counts (a [`get_i64`] then [`set_i64`] would).
/// Needs a server of WIT 0.1.2 or later.
///
/// The counter is stored as decimal text (read it back with [`get_i64`]); an absent key or a
/// value that is not a number counts as 0; the sum saturates at the bounds of `i64`.
///
/// Returns the value this call sees: the store as it was when the call first read it, plus
/// this call's own writes and increments. Increments made by other messages at the same time
/// are not included (they are in the stored total). Like every write, an increment is kept
/// when the message is refused, and dropped when the call fails (trap, CPU or memory bound).
/// A key longer than [`MAX_KEY`] is not counted and reads as 0.
///
/// ```no_run
/// use mailsift_plugin_sdk::prelude::*;
///
/// fn filter(message: &Message) -> Verdict {
///     // One counter per sender, and a total.
///     let from = message.envelope_sender().map(|a| a.normalized()).unwrap_or_default();
///     let seen = kv::increment(&format!("senders/{from}"), 1);
///     kv::increment("total", 1);
///     if seen > 100 {
///         return Verdict::continue_with().tag("frequent-sender");
///     }
///     Verdict::continue_with()
/// }
/// ```
pub fn increment(key: &str, delta: i64) -> i64 {
    if !key_ok(key) || !within_budget(key.len() + 8) {
        return 0;
    }
    host::increment(key, delta)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings_round_trip() {
        assert_eq!(i64::decode(&(-42i64).encode()), Some(-42));
        assert_eq!(f64::decode(&0.25f64.encode()), Some(0.25));
        assert_eq!(bool::decode(&true.encode()), Some(true));
        assert_eq!(
            String::decode(&"hé".to_string().encode()).as_deref(),
            Some("hé")
        );
        assert_eq!(u64::decode(b"nope"), None);
        assert_eq!(String::decode(&[0xff]), None);
    }
}
