//! Plugins' private key-value data. The host buffers a call's writes and commits them in one
//! store write after the call, so a plugin's `set` never costs an fsync of its own.

use redb::ReadableTable;

use super::schema::PLUGIN_KV;
use super::{ReadTx, Result, Tx};

/// Keys and values of one plugin, in key order.
pub type KvRows = Vec<(String, Vec<u8>)>;

/// One buffered change: `value: None` deletes the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KvWrite {
    pub plugin: String,
    pub key: String,
    pub value: Option<Vec<u8>>,
    /// An atomic increment (`kv.increment`): when set, `value` is ignored and the delta is
    /// added to the counter stored at commit time, inside the write transaction, so
    /// concurrent messages never lose counts.
    pub delta: Option<i64>,
}

impl KvWrite {
    /// Sets (`Some`) or deletes (`None`) a key.
    pub fn set(plugin: impl Into<String>, key: impl Into<String>, value: Option<Vec<u8>>) -> Self {
        KvWrite {
            plugin: plugin.into(),
            key: key.into(),
            value,
            delta: None,
        }
    }

    /// The stored value after this write, given the value before it.
    pub fn applied_to(&self, before: Option<&[u8]>) -> Option<Vec<u8>> {
        match self.delta {
            Some(d) => Some(counter_bytes(counter_value(before).saturating_add(d))),
            None => self.value.clone(),
        }
    }
}

/// A counter's value as stored: ASCII decimal text; absent or not a number counts as 0.
pub fn counter_value(bytes: Option<&[u8]>) -> i64 {
    bytes
        .and_then(|b| std::str::from_utf8(b).ok())
        .and_then(|s| s.trim().parse::<i64>().ok())
        .unwrap_or(0)
}

pub fn counter_bytes(n: i64) -> Vec<u8> {
    n.to_string().into_bytes()
}

impl Tx<'_> {
    /// Applies writes in order. An increment reads the value committed so far in this
    /// transaction (redb serialises write transactions), so it adds to every earlier commit.
    pub fn plugin_kv_apply(&mut self, writes: &[KvWrite]) -> Result<()> {
        if writes.is_empty() {
            return Ok(());
        }
        let mut table = self.txn().open_table(PLUGIN_KV)?;
        for w in writes {
            // Before the commit, so that no reader caches the value this write replaces.
            self.kv.touch(&w.plugin, &w.key);
            let k = (w.plugin.as_str(), w.key.as_str());
            let value = match w.delta {
                Some(_) => {
                    let before = table.get(k)?.map(|v| v.value().to_vec());
                    w.applied_to(before.as_deref())
                }
                None => w.value.clone(),
            };
            match value {
                Some(v) => {
                    table.insert(k, v.as_slice())?;
                }
                None => {
                    table.remove(k)?;
                }
            }
        }
        Ok(())
    }

    /// Drops every key of a plugin (for an administrator cleaning up after a removed plugin).
    pub fn plugin_kv_clear(&mut self, plugin: &str) -> Result<u64> {
        self.kv.touch_all();
        let mut table = self.txn().open_table(PLUGIN_KV)?;
        let removed = table.extract_from_if((plugin, "")..=(plugin, "\u{10FFFF}"), |_, _| true)?;
        let mut n = 0;
        for entry in removed {
            entry?;
            n += 1;
        }
        Ok(n)
    }
}

impl ReadTx {
    pub fn plugin_kv_get(&self, plugin: &str, key: &str) -> Result<Option<Vec<u8>>> {
        let table = self.txn().open_table(PLUGIN_KV)?;
        Ok(table.get((plugin, key))?.map(|v| v.value().to_vec()))
    }

    /// A plugin's keys starting with `prefix`, with their values.
    pub fn plugin_kv_prefix(&self, plugin: &str, prefix: &str) -> Result<Vec<(String, Vec<u8>)>> {
        let table = self.txn().open_table(PLUGIN_KV)?;
        let mut out = Vec::new();
        for entry in table.range((plugin, prefix)..)? {
            let (k, v) = entry?;
            let (p, key) = k.value();
            if p != plugin || !key.starts_with(prefix) {
                break;
            }
            out.push((key.to_string(), v.value().to_vec()));
        }
        Ok(out)
    }

    /// A plugin's keys starting with `prefix` and, when `contains` is given, containing it
    /// (ASCII case-insensitively): the first `limit` in key order, and how many matched in all.
    pub fn plugin_kv_scan(
        &self,
        plugin: &str,
        prefix: &str,
        contains: Option<&str>,
        limit: usize,
    ) -> Result<(KvRows, u64)> {
        let table = self.txn().open_table(PLUGIN_KV)?;
        let needle = contains.map(str::to_ascii_lowercase);
        let mut out = Vec::new();
        let mut total = 0;
        for entry in table.range((plugin, prefix)..)? {
            let (k, v) = entry?;
            let (p, key) = k.value();
            if p != plugin || !key.starts_with(prefix) {
                break;
            }
            if needle
                .as_deref()
                .is_some_and(|n| !key.to_ascii_lowercase().contains(n))
            {
                continue;
            }
            total += 1;
            if out.len() < limit {
                out.push((key.to_string(), v.value().to_vec()));
            }
        }
        Ok((out, total))
    }

    /// Number of keys a plugin holds.
    pub fn plugin_kv_count(&self, plugin: &str) -> Result<u64> {
        let table = self.txn().open_table(PLUGIN_KV)?;
        let mut n = 0;
        for entry in table.range((plugin, "")..)? {
            let (k, _) = entry?;
            if k.value().0 != plugin {
                break;
            }
            n += 1;
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    #[test]
    fn namespaced_by_plugin() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db.redb")).unwrap();
        let w = |plugin: &str, key: &str, value: Option<&[u8]>| {
            KvWrite::set(plugin, key, value.map(<[u8]>::to_vec))
        };
        let writes = vec![
            w("a", "k", Some(b"from a")),
            w("b", "k", Some(b"from b")),
            w("b", "k2", Some(b"x")),
            w("ab", "k", Some(b"ab")),
        ];
        store
            .write_blocking(move |tx| tx.plugin_kv_apply(&writes))
            .unwrap();
        let r = store.read().unwrap();
        assert_eq!(
            r.plugin_kv_get("a", "k").unwrap().as_deref(),
            Some(&b"from a"[..])
        );
        assert_eq!(
            r.plugin_kv_get("b", "k").unwrap().as_deref(),
            Some(&b"from b"[..])
        );
        assert_eq!(r.plugin_kv_get("a", "k2").unwrap(), None);
        assert_eq!(r.plugin_kv_count("b").unwrap(), 2);
        assert_eq!(r.plugin_kv_count("a").unwrap(), 1);
        drop(r);
        let del = vec![w("a", "k", None)];
        store
            .write_blocking(move |tx| tx.plugin_kv_apply(&del))
            .unwrap();
        let n = store.write_blocking(|tx| tx.plugin_kv_clear("b")).unwrap();
        assert_eq!(n, 2);
        let r = store.read().unwrap();
        assert_eq!(r.plugin_kv_get("a", "k").unwrap(), None);
        assert_eq!(r.plugin_kv_get("b", "k").unwrap(), None);
        assert_eq!(
            r.plugin_kv_get("ab", "k").unwrap().as_deref(),
            Some(&b"ab"[..])
        );
    }

    #[test]
    fn increments_add_to_the_committed_value() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db.redb")).unwrap();
        let inc = |key: &str, d: i64| KvWrite {
            delta: Some(d),
            ..KvWrite::set("p", key, None)
        };
        // Ten separate commits of +3, then -5, then one on a non-number, one saturating.
        for _ in 0..10 {
            let w = vec![inc("n", 3)];
            store
                .write_blocking(move |tx| tx.plugin_kv_apply(&w))
                .unwrap();
        }
        let w = vec![
            inc("n", -5),
            KvWrite::set("p", "junk", Some(b"abc".to_vec())),
            inc("junk", 2),
            KvWrite::set("p", "big", Some(i64::MAX.to_string().into_bytes())),
            inc("big", 1),
        ];
        store
            .write_blocking(move |tx| tx.plugin_kv_apply(&w))
            .unwrap();
        let r = store.read().unwrap();
        let get = |k: &str| String::from_utf8(r.plugin_kv_get("p", k).unwrap().unwrap()).unwrap();
        assert_eq!(get("n"), "25");
        assert_eq!(get("junk"), "2", "a value that is not a number counts as 0");
        assert_eq!(get("big"), i64::MAX.to_string(), "saturates");
    }
}
