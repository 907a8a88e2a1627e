//! Allow and block lists, per account or per domain. The store keeps entries and answers "which
//! entries of this recipient match this sender"; what a match means (refuse, skip the spam
//! check, only for an authenticated sender) is decided by the plugins.

use redb::ReadableTable;
use serde::{Deserialize, Serialize};

use std::sync::Arc;

use super::schema::LISTS;
use super::{DirKind, DirRead, ReadTx, Result, StoreError, Tx, decode, encode, now};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ListKind {
    Allow,
    Block,
}

impl ListKind {
    pub fn name(self) -> &'static str {
        match self {
            ListKind::Allow => "allow",
            ListKind::Block => "block",
        }
    }
}

/// Whose list: one account's, or every account's of a domain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "scope", content = "name", rename_all = "lowercase")]
pub enum ListScope {
    Account(String),
    Domain(String),
}

impl ListScope {
    fn key(&self) -> String {
        let mut key = String::new();
        match self {
            ListScope::Account(a) => scope_key_into(&mut key, ACCOUNT_PREFIX, a),
            ListScope::Domain(d) => scope_key_into(&mut key, DOMAIN_PREFIX, d),
        }
        key
    }
}

const ACCOUNT_PREFIX: &str = "account:";
const DOMAIN_PREFIX: &str = "domain:";

/// A scope's key in `LISTS` (and the directory cache) written into `key`, which is cleared.
fn scope_key_into(key: &mut String, prefix: &str, name: &str) {
    key.clear();
    key.reserve(prefix.len() + name.len());
    key.push_str(prefix);
    key.push_str(name);
}

/// Whether `candidates(sender)` has any, without building them.
fn has_candidates(sender: &str) -> bool {
    sender
        .trim()
        .rsplit_once('@')
        .is_some_and(|(_, domain)| !domain.is_empty())
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListEntry {
    pub kind: ListKind,
    /// `user@example.com`, `example.com` or `*.example.com`.
    pub entry: String,
    pub created: i64,
}

/// An entry that matched a sender.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListMatch {
    pub kind: ListKind,
    pub scope: ListScope,
    pub entry: String,
}

/// Normalises an entry: lower case; `@example.com` and `example.com` name the domain,
/// `*.example.com` or `.example.com` the domain with its subdomains.
pub fn normalize_entry(entry: &str) -> std::result::Result<String, String> {
    let e = entry.trim().to_ascii_lowercase();
    let e = e.strip_prefix('@').unwrap_or(&e);
    let (wild, rest) = match e.strip_prefix("*.").or_else(|| e.strip_prefix('.')) {
        Some(rest) => (true, rest),
        None => (false, e),
    };
    let domain = match rest.rsplit_once('@') {
        Some((local, domain)) if !wild => {
            if local.is_empty() || local.chars().any(|c| c.is_whitespace() || c.is_control()) {
                return Err(format!("\"{entry}\" is not an address or a domain"));
            }
            domain
        }
        Some(_) => {
            return Err(format!(
                "\"{entry}\": a wildcard entry is a domain, not an address"
            ));
        }
        None => rest,
    };
    let labels_ok = !domain.is_empty()
        && domain.contains('.')
        && domain.split('.').all(|l| {
            !l.is_empty()
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || !c.is_ascii())
        });
    if !labels_ok {
        return Err(format!(
            "\"{entry}\" is not an address or a domain such as example.com"
        ));
    }
    Ok(if wild {
        format!("*.{rest}")
    } else {
        rest.to_string()
    })
}

/// The entries that would match `sender` (an address), most specific first: the address, its
/// domain, then `*.` forms of the domain and each parent domain.
pub fn candidates(sender: &str) -> Vec<String> {
    let sender = sender.trim().to_ascii_lowercase();
    let Some((_, domain)) = sender.rsplit_once('@') else {
        return Vec::new();
    };
    if domain.is_empty() {
        return Vec::new();
    }
    let mut out = vec![sender.clone(), domain.to_string()];
    let mut d = domain;
    loop {
        out.push(format!("*.{d}"));
        match d.split_once('.') {
            Some((_, parent)) if parent.contains('.') => d = parent,
            _ => break,
        }
    }
    out
}

impl Tx<'_> {
    /// Adds an entry; an entry already on the other list of the same scope is refused (remove it
    /// first), on the same list it is kept as it is.
    pub fn list_add(
        &mut self,
        scope: &ListScope,
        kind: ListKind,
        entry: &str,
    ) -> Result<ListEntry> {
        self.directory_changed();
        let entry = normalize_entry(entry).map_err(StoreError::Invalid)?;
        let key = scope.key();
        let mut table = self.txn().open_table(LISTS)?;
        if let Some(old) = table.get((key.as_str(), entry.as_str()))? {
            let old: ListEntry = decode("lists", old.value())?;
            if old.kind == kind {
                return Ok(old);
            }
            return Err(StoreError::Invalid(format!(
                "{entry} is on the {} list of {}; remove it first",
                old.kind.name(),
                key
            )));
        }
        let record = ListEntry {
            kind,
            entry: entry.clone(),
            created: now(),
        };
        table.insert((key.as_str(), entry.as_str()), encode(&record).as_slice())?;
        Ok(record)
    }

    pub fn list_remove(&mut self, scope: &ListScope, entry: &str) -> Result<ListEntry> {
        self.directory_changed();
        let entry = normalize_entry(entry).map_err(StoreError::Invalid)?;
        let key = scope.key();
        let mut table = self.txn().open_table(LISTS)?;
        let removed = table.remove((key.as_str(), entry.as_str()))?;
        match removed {
            Some(v) => decode("lists", v.value()),
            None => Err(StoreError::NotFound(format!(
                "{entry} in the lists of {key}"
            ))),
        }
    }

    /// Drops every entry of a scope (when its account or domain is removed).
    pub fn list_clear(&mut self, scope: &ListScope) -> Result<()> {
        self.directory_changed();
        let key = scope.key();
        let mut table = self.txn().open_table(LISTS)?;
        for entry in table
            .extract_from_if((key.as_str(), "")..=(key.as_str(), "\u{10FFFF}"), |_, _| {
                true
            })?
        {
            entry?;
        }
        Ok(())
    }
}

impl ReadTx {
    pub fn list_entries(&self, scope: &ListScope) -> Result<Vec<ListEntry>> {
        let key = scope.key();
        let table = self.txn().open_table(LISTS)?;
        let mut out = Vec::new();
        for row in table.range((key.as_str(), "")..=(key.as_str(), "\u{10FFFF}"))? {
            let (_, v) = row?;
            out.push(decode("lists", v.value())?);
        }
        Ok(out)
    }

    /// Entries of `account`'s list and of `domain`'s list that match `sender`, account first.
    pub fn list_matches(
        &self,
        account: &str,
        domain: &str,
        sender: &str,
    ) -> Result<Vec<ListMatch>> {
        let cands = candidates(sender);
        if cands.is_empty() {
            return Ok(Vec::new());
        }
        let table = self.txn().open_table(LISTS)?;
        let mut out = Vec::new();
        for scope in [
            ListScope::Account(account.to_string()),
            ListScope::Domain(domain.to_string()),
        ] {
            scope_matches(&table, &scope, &cands, &mut out)?;
        }
        Ok(out)
    }
}

/// Pushes the entries of `scope` among `cands`, in the order of `cands`, read one by one.
fn scope_matches(
    table: &impl ReadableTable<(&'static str, &'static str), &'static [u8]>,
    scope: &ListScope,
    cands: &[String],
    out: &mut Vec<ListMatch>,
) -> Result<()> {
    let key = scope.key();
    for c in cands {
        if let Some(v) = table.get((key.as_str(), c.as_str()))? {
            let e: ListEntry = decode("lists", v.value())?;
            out.push(ListMatch {
                kind: e.kind,
                scope: scope.clone(),
                entry: e.entry,
            });
        }
    }
    Ok(())
}

/// Entries of one scope cached at most (`dir_cache.rs`); a longer list is read entry by entry.
const MAX_CACHED_LIST: usize = 1024;

/// A scope's list as the directory cache holds it.
enum CachedList {
    /// Every entry, sorted by `entry` (most scopes: none at all).
    Entries(Vec<ListEntry>),
    /// More than [`MAX_CACHED_LIST`] entries.
    Long,
}

impl DirRead<'_> {
    /// [`ReadTx::list_matches`] through the directory cache: a scope's entries are read once
    /// per directory change, so that most messages' lookups open no transaction at all.
    pub fn list_matches(
        &self,
        account: &str,
        domain: &str,
        sender: &str,
    ) -> Result<Vec<ListMatch>> {
        if !has_candidates(sender) {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        // Nearly every scope's list is empty: the candidates, the scope and its key are built
        // only for a scope that has entries (one key buffer for both lookups).
        let mut cands: Option<Vec<String>> = None;
        let mut key = String::new();
        for (prefix, name) in [(ACCOUNT_PREFIX, account), (DOMAIN_PREFIX, domain)] {
            scope_key_into(&mut key, prefix, name);
            let list = self.scope_list(&key)?;
            if matches!(&*list, CachedList::Entries(e) if e.is_empty()) {
                continue;
            }
            let cands = cands.get_or_insert_with(|| candidates(sender));
            let scope = if prefix == ACCOUNT_PREFIX {
                ListScope::Account(name.to_string())
            } else {
                ListScope::Domain(name.to_string())
            };
            match &*list {
                CachedList::Entries(entries) => {
                    for c in cands.iter() {
                        if let Ok(i) = entries.binary_search_by(|e| e.entry.as_str().cmp(c)) {
                            out.push(ListMatch {
                                kind: entries[i].kind,
                                scope: scope.clone(),
                                entry: entries[i].entry.clone(),
                            });
                        }
                    }
                }
                CachedList::Long => {
                    let table = self.tx()?.txn.open_table(LISTS)?;
                    scope_matches(&table, &scope, cands, &mut out)?;
                }
            }
        }
        Ok(out)
    }

    /// The list of the scope whose key is `key` (`ListScope::key`).
    fn scope_list(&self, key: &str) -> Result<Arc<CachedList>> {
        if let Some(list) = self.get::<CachedList>(DirKind::List, key) {
            return Ok(list);
        }
        let table = self.tx()?.txn.open_table(LISTS)?;
        let mut entries: Vec<ListEntry> = Vec::new();
        for row in table
            .range((key, "")..=(key, "\u{10FFFF}"))?
            .take(MAX_CACHED_LIST + 1)
        {
            let (_, v) = row?;
            entries.push(decode("lists", v.value())?);
        }
        let (list, size) = if entries.len() > MAX_CACHED_LIST {
            (CachedList::Long, 0)
        } else {
            entries.sort_by(|a, b| a.entry.cmp(&b.entry));
            let size = entries
                .iter()
                .map(|e| e.entry.len() + std::mem::size_of::<ListEntry>())
                .sum();
            (CachedList::Entries(entries), size)
        };
        let list = Arc::new(list);
        self.insert(DirKind::List, key, list.clone(), size);
        Ok(list)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_normalise() {
        assert_eq!(
            normalize_entry(" Alice@Example.COM ").unwrap(),
            "alice@example.com"
        );
        assert_eq!(normalize_entry("@example.com").unwrap(), "example.com");
        assert_eq!(normalize_entry("*.Example.com").unwrap(), "*.example.com");
        assert_eq!(normalize_entry(".example.com").unwrap(), "*.example.com");
        assert!(normalize_entry("example").is_err());
        assert!(normalize_entry("*.a@example.com").is_err());
        assert!(normalize_entry("a b@example.com").is_err());
        assert!(normalize_entry("").is_err());
    }

    #[test]
    fn candidates_walk_up_the_domain() {
        assert_eq!(
            candidates("News@Mail.Shop.example.com"),
            vec![
                "news@mail.shop.example.com",
                "mail.shop.example.com",
                "*.mail.shop.example.com",
                "*.shop.example.com",
                "*.example.com",
            ]
        );
        assert!(candidates("postmaster").is_empty());
        assert!(candidates("").is_empty());
    }

    #[tokio::test]
    async fn add_match_remove() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::store::Store::open(&dir.path().join("db")).unwrap();
        let bob = ListScope::Account("bob@example.org".into());
        let dom = ListScope::Domain("example.org".into());
        store
            .write({
                let (bob, dom) = (bob.clone(), dom.clone());
                move |tx| {
                    tx.list_add(&bob, ListKind::Block, "spammer@bad.test")?;
                    tx.list_add(&bob, ListKind::Allow, "friend.test")?;
                    tx.list_add(&dom, ListKind::Block, "*.bad.test")?;
                    Ok(())
                }
            })
            .await
            .unwrap();
        {
            let r = store.read().unwrap();
            let m = r
                .list_matches("bob@example.org", "example.org", "spammer@bad.test")
                .unwrap();
            assert_eq!(m.len(), 2);
            assert_eq!(
                (m[0].kind, m[0].scope.clone()),
                (ListKind::Block, bob.clone())
            );
            assert_eq!(m[1].entry, "*.bad.test");
            let m = r
                .list_matches("bob@example.org", "example.org", "x@mx.friend.test")
                .unwrap();
            assert!(
                m.is_empty(),
                "friend.test without *. does not cover subdomains"
            );
            let m = r
                .list_matches("carol@example.org", "example.org", "x@sub.bad.test")
                .unwrap();
            assert_eq!(m.len(), 1);
            assert_eq!(r.list_entries(&bob).unwrap().len(), 2);
        }
        let err = store
            .write({
                let bob = bob.clone();
                move |tx| tx.list_add(&bob, ListKind::Allow, "spammer@bad.test")
            })
            .await
            .unwrap_err();
        assert!(err.to_string().contains("block list"), "{err}");
        store
            .write(move |tx| tx.list_remove(&bob, "Spammer@Bad.test").map(|_| ()))
            .await
            .unwrap();
        let r = store.read().unwrap();
        assert_eq!(
            r.list_entries(&ListScope::Account("bob@example.org".into()))
                .unwrap()
                .len(),
            1
        );
    }

    /// The directory cache's lookup (which builds candidates, scopes and keys only for a scope
    /// with entries) answers as the transaction's (the reference: every candidate read), for
    /// scopes with and without entries, twice (a miss, then the cached lists).
    #[test]
    fn cached_lookup_matches_the_transactions() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::store::Store::open(&dir.path().join("db")).unwrap();
        let bob = ListScope::Account("bob@example.org".into());
        let dom = ListScope::Domain("example.org".into());
        store
            .write_blocking(move |tx| {
                tx.list_add(&bob, ListKind::Block, "spammer@bad.test")?;
                tx.list_add(&bob, ListKind::Allow, "friend.test")?;
                tx.list_add(&dom, ListKind::Block, "*.bad.test")?;
                tx.list_add(&dom, ListKind::Allow, "news@shop.test")?;
                Ok(())
            })
            .unwrap();
        let senders = [
            "spammer@bad.test",
            " Spammer@BAD.test ",
            "x@sub.bad.test",
            "x@friend.test",
            "x@mx.friend.test",
            "News@Shop.test",
            "nobody@elsewhere.test",
            "postmaster",
            "user@",
            "",
        ];
        let scopes = [
            ("bob@example.org", "example.org"),
            ("carol@example.org", "example.org"),
            ("bob@example.org", "other.test"),
            ("dan@other.test", "other.test"),
        ];
        let read = store.read().unwrap();
        for _ in 0..2 {
            let cached = store.dir_read();
            for (account, domain) in scopes {
                for sender in senders {
                    assert_eq!(
                        cached.list_matches(account, domain, sender).unwrap(),
                        read.list_matches(account, domain, sender).unwrap(),
                        "{account} {domain} {sender:?}"
                    );
                }
            }
        }
        assert_eq!(
            store
                .dir_read()
                .list_matches("bob@example.org", "example.org", "x@sub.bad.test")
                .unwrap()
                .len(),
            1
        );
    }
}
