//! Plugins' private key-value data. The host buffers a call's writes and commits them in one
//! store write after the call, so a plugin's `set` never costs an fsync of its own.

use super::schema::PLUGIN_KV;
use super::{ReadTx, Result, Tx};

/// One buffered change: `value: None` deletes the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KvWrite {
    pub plugin: String,
    pub key: String,
    pub value: Option<Vec<u8>>,
}

impl Tx<'_> {
    pub fn plugin_kv_apply(&mut self, writes: &[KvWrite]) -> Result<()> {
        if writes.is_empty() {
            return Ok(());
        }
        let mut table = self.txn.open_table(PLUGIN_KV)?;
        for w in writes {
            match &w.value {
                Some(v) => {
                    table.insert((w.plugin.as_str(), w.key.as_str()), v.as_slice())?;
                }
                None => {
                    table.remove((w.plugin.as_str(), w.key.as_str()))?;
                }
            }
        }
        Ok(())
    }

    /// Drops every key of a plugin (for an administrator cleaning up after a removed plugin).
    pub fn plugin_kv_clear(&mut self, plugin: &str) -> Result<u64> {
        let mut table = self.txn.open_table(PLUGIN_KV)?;
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
        let table = self.txn.open_table(PLUGIN_KV)?;
        Ok(table.get((plugin, key))?.map(|v| v.value().to_vec()))
    }

    /// A plugin's keys starting with `prefix`, with their values.
    pub fn plugin_kv_prefix(&self, plugin: &str, prefix: &str) -> Result<Vec<(String, Vec<u8>)>> {
        let table = self.txn.open_table(PLUGIN_KV)?;
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

    /// Number of keys a plugin holds.
    pub fn plugin_kv_count(&self, plugin: &str) -> Result<u64> {
        let table = self.txn.open_table(PLUGIN_KV)?;
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
        let w = |plugin: &str, key: &str, value: Option<&[u8]>| KvWrite {
            plugin: plugin.into(),
            key: key.into(),
            value: value.map(<[u8]>::to_vec),
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
}
