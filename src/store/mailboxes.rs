//! Mailboxes of an account: create, delete, rename, subscribe, look up.
//!
//! Names are hierarchical with `/` as the separator. `INBOX` is case-insensitive (RFC 9051 §5.1)
//! and always stored as `INBOX`; every other name is case-sensitive.

use redb::ReadableTable;

use super::schema::*;
use super::types::*;
use super::{ReadTx, Result, StoreError, Tx, decode, encode, now};

/// The hierarchy delimiter announced in LIST responses.
pub const DELIMITER: char = '/';

/// Canonical spelling of a mailbox name: `inbox` in any case is `INBOX`, also as a parent.
pub fn canonical_name(name: &str) -> String {
    let trimmed = name.trim_end_matches(DELIMITER);
    let (first, rest) = match trimmed.split_once(DELIMITER) {
        Some((f, r)) => (f, Some(r)),
        None => (trimmed, None),
    };
    let first = if first.eq_ignore_ascii_case("INBOX") {
        "INBOX"
    } else {
        first
    };
    match rest {
        Some(r) => format!("{first}{DELIMITER}{r}"),
        None => first.to_string(),
    }
}

/// What IMAP keeps about a name beside its mailbox (table `MAILBOX_NODES`).
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct NameNode {
    /// Subscribed while no mailbox has the name (RFC 3501 §6.3.6: a subscription is not
    /// removed with its mailbox; LIST (SUBSCRIBED) shows it `\NonExistent`, RFC 5258).
    #[serde(default)]
    pub subscribed: bool,
    /// A `\Noselect` hierarchy node: the mailbox was deleted while it had children (RFC 3501
    /// §6.3.4), so the children stay reachable by `LIST "" %`.
    #[serde(default)]
    pub noselect: bool,
}

/// The key range of the names below `name` in the hierarchy: `name/` up to `name0` (`0` is
/// the character after `/`).
fn inferiors(name: &str) -> (String, String) {
    (format!("{name}{DELIMITER}"), format!("{name}0"))
}

fn validate_name(name: &str) -> Result<()> {
    if name.is_empty()
        || name.len() > 512
        || name.split(DELIMITER).any(|part| part.is_empty())
        || name.chars().any(|c| c.is_control() || c == '*' || c == '%')
    {
        return Err(StoreError::Invalid(format!(
            "invalid mailbox name \"{name}\""
        )));
    }
    Ok(())
}

impl Tx<'_> {
    /// Creates a mailbox (and any missing parents, RFC 9051 §6.3.4). Returns the new mailbox.
    pub fn create_mailbox(
        &mut self,
        account_id: AccountId,
        name: &str,
        special_use: Option<String>,
        subscribed: bool,
    ) -> Result<Mailbox> {
        let name = canonical_name(name);
        validate_name(&name)?;
        if self.mailbox_id(account_id, &name)?.is_some() {
            return Err(StoreError::Exists(format!("mailbox {name}")));
        }
        // Parents first, so that the hierarchy has no holes.
        let mut parent = String::new();
        let parts: Vec<&str> = name.split(DELIMITER).collect();
        for part in &parts[..parts.len() - 1] {
            if !parent.is_empty() {
                parent.push(DELIMITER);
            }
            parent.push_str(part);
            // A `\Noselect` node stays one (RFC 3501 §6.3.4).
            if self.mailbox_id(account_id, &parent)?.is_none()
                && !self.node(account_id, &parent)?.noselect
            {
                self.insert_mailbox(account_id, &parent, None, subscribed)?;
            }
        }
        // Creating the name of a `\Noselect` node or of a kept subscription makes it a mailbox
        // again, with a new UIDVALIDITY (`insert_mailbox`).
        let node = self.node(account_id, &name)?;
        self.put_node(account_id, &name, NameNode::default())?;
        let mailbox = self.insert_mailbox(
            account_id,
            &name,
            special_use,
            subscribed || node.subscribed,
        )?;
        self.notify(Change::Mailboxes { account_id });
        Ok(mailbox)
    }

    fn insert_mailbox(
        &mut self,
        account_id: AccountId,
        name: &str,
        special_use: Option<String>,
        subscribed: bool,
    ) -> Result<Mailbox> {
        let id = self.next_id("mailbox")?;
        let mailbox = Mailbox {
            id,
            account_id,
            name: name.to_string(),
            uidvalidity: self.next_uidvalidity()?,
            uid_next: 1,
            special_use,
            subscribed,
            highest_modseq: 1,
            recent_uid: 0,
        };
        self.txn()
            .open_table(MAILBOX_NAMES)?
            .insert((account_id, name), id)?;
        self.put_mailbox(&mailbox)?;
        Ok(mailbox)
    }

    /// UIDVALIDITY must never repeat for a name (RFC 9051 §2.3.1.1): a counter that starts at the
    /// clock, so that it also grows across a restore from an older backup.
    fn next_uidvalidity(&mut self) -> Result<u32> {
        let mut meta = self.txn().open_table(META)?;
        let last = meta.get("uidvalidity")?.map(|v| v.value()).unwrap_or(0);
        let next = (last + 1).max(now() as u64 & 0xffff_ffff).max(1);
        meta.insert("uidvalidity", next)?;
        Ok(next as u32)
    }

    pub(super) fn put_mailbox(&mut self, mailbox: &Mailbox) -> Result<()> {
        let (mut hot, txn) = self.hot()?;
        hot.mailboxes(txn)?
            .insert(mailbox.id, encode(mailbox).as_slice())?;
        Ok(())
    }

    pub(super) fn mailbox_id(
        &self,
        account_id: AccountId,
        name: &str,
    ) -> Result<Option<MailboxId>> {
        let (mut hot, txn) = self.hot()?;
        Ok(hot
            .mailbox_names(txn)?
            .get((account_id, name))?
            .map(|v| v.value()))
    }

    pub fn mailbox_by_id_tx(&self, id: MailboxId) -> Result<Option<Mailbox>> {
        let (mut hot, txn) = self.hot()?;
        match hot.mailboxes(txn)?.get(id)? {
            Some(v) => Ok(Some(decode("mailboxes", v.value())?)),
            None => Ok(None),
        }
    }

    pub fn mailbox_tx(&self, account_id: AccountId, name: &str) -> Result<Option<Mailbox>> {
        match self.mailbox_id(account_id, &canonical_name(name))? {
            Some(id) => self.mailbox_by_id_tx(id),
            None => Ok(None),
        }
    }

    pub(super) fn list_mailboxes_tx(&self, account_id: AccountId) -> Result<Vec<Mailbox>> {
        let ids: Vec<u64> = self
            .txn()
            .open_table(MAILBOX_NAMES)?
            .range((account_id, "")..(account_id + 1, ""))?
            .map(|e| e.map(|(_, v)| v.value()))
            .collect::<std::result::Result<_, _>>()?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(m) = self.mailbox_by_id_tx(id)? {
                out.push(m);
            }
        }
        Ok(out)
    }

    /// The `NameNode` of a name (default when there is none).
    pub(super) fn node(&self, account_id: AccountId, name: &str) -> Result<NameNode> {
        match self
            .txn()
            .open_table(MAILBOX_NODES)?
            .get((account_id, name))?
        {
            Some(v) => decode("mailbox_nodes", v.value()),
            None => Ok(NameNode::default()),
        }
    }

    /// Stores a `NameNode`; one with nothing to keep is removed.
    pub(super) fn put_node(
        &mut self,
        account_id: AccountId,
        name: &str,
        node: NameNode,
    ) -> Result<()> {
        let mut table = self.txn().open_table(MAILBOX_NODES)?;
        if node == NameNode::default() {
            table.remove((account_id, name))?;
        } else {
            table.insert((account_id, name), encode(&node).as_slice())?;
        }
        Ok(())
    }

    /// Whether any mailbox or `\Noselect` node is below `name` in the hierarchy.
    fn has_inferiors(&self, account_id: AccountId, name: &str) -> Result<bool> {
        let (from, to) = inferiors(name);
        let range = (account_id, from.as_str())..(account_id, to.as_str());
        if self
            .txn()
            .open_table(MAILBOX_NAMES)?
            .range(range.clone())?
            .next()
            .is_some()
        {
            return Ok(true);
        }
        for entry in self.txn().open_table(MAILBOX_NODES)?.range(range)? {
            let (_, v) = entry?;
            let node: NameNode = decode("mailbox_nodes", v.value())?;
            if node.noselect {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Deletes a mailbox and its messages. INBOX cannot be deleted (RFC 9051 §6.3.5). A mailbox
    /// with children becomes a `\Noselect` node; a `\Noselect` node without children goes, one
    /// with children cannot be deleted (RFC 3501 §6.3.4). A subscription stays (§6.3.6).
    pub fn delete_mailbox(&mut self, account_id: AccountId, name: &str) -> Result<()> {
        let name = canonical_name(name);
        if name == "INBOX" {
            return Err(StoreError::Invalid("INBOX cannot be deleted".into()));
        }
        let has_inferiors = self.has_inferiors(account_id, &name)?;
        let mut node = self.node(account_id, &name)?;
        let Some(mailbox) = self.mailbox_tx(account_id, &name)? else {
            if !node.noselect {
                return Err(StoreError::NotFound(format!("mailbox {name}")));
            }
            if has_inferiors {
                return Err(StoreError::Invalid(format!(
                    "{name} has inferior hierarchical names and is already \\Noselect"
                )));
            }
            node.noselect = false;
            self.put_node(account_id, &name, node)?;
            self.notify(Change::Mailboxes { account_id });
            return Ok(());
        };
        self.delete_mailbox_contents(&mailbox)?;
        self.txn().open_table(MAILBOXES)?.remove(mailbox.id)?;
        self.txn()
            .open_table(MAILBOX_NAMES)?
            .remove((account_id, name.as_str()))?;
        node.subscribed |= mailbox.subscribed;
        node.noselect = has_inferiors;
        self.put_node(account_id, &name, node)?;
        self.notify(Change::Mailboxes { account_id });
        self.notify(Change::Updated {
            account_id,
            mailbox_id: mailbox.id,
        });
        Ok(())
    }

    /// Renames a mailbox and its children (RFC 9051 §6.3.6). Renaming INBOX moves its messages
    /// into a new mailbox and leaves INBOX empty.
    pub fn rename_mailbox(&mut self, account_id: AccountId, from: &str, to: &str) -> Result<()> {
        let from = canonical_name(from);
        let to = canonical_name(to);
        validate_name(&to)?;
        let source = self
            .mailbox_tx(account_id, &from)?
            .ok_or_else(|| StoreError::NotFound(format!("mailbox {from}")))?;
        if self.mailbox_id(account_id, &to)?.is_some() {
            return Err(StoreError::Exists(format!("mailbox {to}")));
        }
        if to.starts_with(&format!("{from}{DELIMITER}")) {
            return Err(StoreError::Invalid(
                "a mailbox cannot be moved inside itself".into(),
            ));
        }
        if from == "INBOX" {
            let target = self.create_mailbox(account_id, &to, None, true)?;
            let uids: Vec<u32> = self.uids_tx(source.id)?;
            self.move_messages(&source, &uids, target.id)?;
            return Ok(());
        }
        // A `\Noselect` node of the new name becomes the mailbox.
        let mut node = self.node(account_id, &to)?;
        if node.noselect {
            node.noselect = false;
            self.put_node(account_id, &to, node)?;
        }
        // Create missing parents of the new name.
        if let Some((parent, _)) = to.rsplit_once(DELIMITER)
            && self.mailbox_id(account_id, parent)?.is_none()
        {
            self.create_mailbox(account_id, parent, None, source.subscribed)?;
        }
        let prefix = format!("{from}{DELIMITER}");
        for mut mailbox in self.list_mailboxes_tx(account_id)? {
            let new_name = if mailbox.name == from {
                to.clone()
            } else if let Some(rest) = mailbox.name.strip_prefix(&prefix) {
                format!("{to}{DELIMITER}{rest}")
            } else {
                continue;
            };
            let mut names = self.txn().open_table(MAILBOX_NAMES)?;
            names.remove((account_id, mailbox.name.as_str()))?;
            names.insert((account_id, new_name.as_str()), mailbox.id)?;
            drop(names);
            mailbox.name = new_name;
            self.put_mailbox(&mailbox)?;
        }
        // `\Noselect` nodes below move with the mailboxes (subscriptions stay, §6.3.6).
        let (lo, hi) = inferiors(&from);
        let mut moved = Vec::new();
        for entry in self
            .txn()
            .open_table(MAILBOX_NODES)?
            .range((account_id, lo.as_str())..(account_id, hi.as_str()))?
        {
            let (k, v) = entry?;
            let node: NameNode = decode("mailbox_nodes", v.value())?;
            if node.noselect {
                moved.push((k.value().1.to_string(), node));
            }
        }
        for (name, node) in moved {
            let rest = name.get(prefix.len()..).unwrap_or_default();
            let new_name = format!("{to}{DELIMITER}{rest}");
            self.put_node(
                account_id,
                &name,
                NameNode {
                    noselect: false,
                    ..node
                },
            )?;
            let mut target = self.node(account_id, &new_name)?;
            target.noselect = true;
            self.put_node(account_id, &new_name, target)?;
        }
        self.notify(Change::Mailboxes { account_id });
        Ok(())
    }

    /// Claims the messages up to UID `up_to` as `\Recent` for the calling session, atomically
    /// (RFC 3501 §2.3.2: exactly one session sees a message as recent). Returns the highest UID
    /// claimed before: the caller's recent messages are those above it. No change is announced.
    pub fn claim_recent(&mut self, mailbox_id: MailboxId, up_to: u32) -> Result<u32> {
        let Some(mut mailbox) = self.mailbox_by_id_tx(mailbox_id)? else {
            return Ok(up_to);
        };
        let before = mailbox.recent_uid;
        if up_to > before {
            mailbox.recent_uid = up_to;
            self.put_mailbox(&mailbox)?;
        }
        Ok(before)
    }

    pub fn set_subscribed(
        &mut self,
        account_id: AccountId,
        name: &str,
        subscribed: bool,
    ) -> Result<()> {
        let canonical = canonical_name(name);
        let mut node = self.node(account_id, &canonical)?;
        let Some(mut mailbox) = self.mailbox_tx(account_id, name)? else {
            // A name without a mailbox: a `\Noselect` node may be subscribed, and a kept
            // subscription of a deleted mailbox may be removed (RFC 3501 §6.3.6, §6.3.7).
            if !(node.noselect || (node.subscribed && !subscribed)) {
                return Err(StoreError::NotFound(format!("mailbox {canonical}")));
            }
            node.subscribed = subscribed;
            self.put_node(account_id, &canonical, node)?;
            self.notify(Change::Mailboxes { account_id });
            return Ok(());
        };
        mailbox.subscribed = subscribed;
        self.put_mailbox(&mailbox)?;
        if node.subscribed {
            node.subscribed = false;
            self.put_node(account_id, &canonical, node)?;
        }
        self.notify(Change::Mailboxes { account_id });
        Ok(())
    }
}

/// Counts for STATUS and SELECT.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MailboxCounts {
    pub messages: u32,
    pub unseen: u32,
    pub deleted: u32,
    pub size: u64,
    /// Bytes of the messages flagged `\Deleted` (RFC 9208 DELETED-STORAGE).
    pub deleted_size: u64,
    /// Messages no session has been shown as `\Recent` yet (STATUS RECENT).
    pub recent: u32,
}

impl ReadTx {
    pub fn mailboxes(&self, account_id: AccountId) -> Result<Vec<Mailbox>> {
        let names = self.txn().open_table(MAILBOX_NAMES)?;
        let boxes = self.txn().open_table(MAILBOXES)?;
        let mut out = Vec::new();
        for entry in names.range((account_id, "")..(account_id + 1, ""))? {
            let (_, id) = entry?;
            if let Some(v) = boxes.get(id.value())? {
                out.push(decode("mailboxes", v.value())?);
            }
        }
        Ok(out)
    }

    /// Every `NameNode` of an account, by name.
    pub fn mailbox_nodes(&self, account_id: AccountId) -> Result<Vec<(String, NameNode)>> {
        let table = self.txn().open_table(MAILBOX_NODES)?;
        let mut out = Vec::new();
        for entry in table.range((account_id, "")..(account_id + 1, ""))? {
            let (k, v) = entry?;
            out.push((k.value().1.to_string(), decode("mailbox_nodes", v.value())?));
        }
        Ok(out)
    }

    pub fn mailbox(&self, account_id: AccountId, name: &str) -> Result<Option<Mailbox>> {
        let id = match self
            .txn()
            .open_table(MAILBOX_NAMES)?
            .get((account_id, canonical_name(name).as_str()))?
        {
            Some(id) => id.value(),
            None => return Ok(None),
        };
        self.mailbox_by_id(id)
    }

    pub fn mailbox_by_id(&self, id: MailboxId) -> Result<Option<Mailbox>> {
        match self.txn().open_table(MAILBOXES)?.get(id)? {
            Some(v) => Ok(Some(decode("mailboxes", v.value())?)),
            None => Ok(None),
        }
    }

    pub fn counts(&self, mailbox_id: MailboxId) -> Result<MailboxCounts> {
        let mut counts = MailboxCounts::default();
        let recent_uid = self
            .mailbox_by_id(mailbox_id)?
            .map_or(u32::MAX, |m| m.recent_uid);
        for meta in self.messages(mailbox_id)? {
            counts.messages += 1;
            if meta.uid > recent_uid {
                counts.recent += 1;
            }
            counts.size += meta.size;
            if !meta.has_flag("\\Seen") {
                counts.unseen += 1;
            }
            if meta.has_flag("\\Deleted") {
                counts.deleted += 1;
                counts.deleted_size += meta.size;
            }
        }
        Ok(counts)
    }
}

#[cfg(test)]
mod tests {
    use super::{NameNode, canonical_name};
    use crate::store::Store;

    #[test]
    fn recent_is_claimed_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db")).unwrap();
        let id = store
            .write_blocking(|tx| tx.create_mailbox(7, "Box", None, true))
            .unwrap()
            .id;
        assert_eq!(
            store
                .write_blocking(move |tx| tx.claim_recent(id, 3))
                .unwrap(),
            0
        );
        // A second session claiming the same range gets nothing; a later claim gets the rest.
        assert_eq!(
            store
                .write_blocking(move |tx| tx.claim_recent(id, 3))
                .unwrap(),
            3
        );
        assert_eq!(
            store
                .write_blocking(move |tx| tx.claim_recent(id, 5))
                .unwrap(),
            3
        );
        assert_eq!(
            store
                .write_blocking(move |tx| tx.claim_recent(id, 4))
                .unwrap(),
            5
        );
    }

    #[test]
    fn delete_with_children_leaves_a_noselect_node() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db")).unwrap();
        store
            .write_blocking(|tx| tx.create_mailbox(7, "A/B", None, true))
            .unwrap();
        store
            .write_blocking(|tx| tx.delete_mailbox(7, "A"))
            .unwrap();
        let nodes = store.read().unwrap().mailbox_nodes(7).unwrap();
        assert_eq!(
            nodes,
            vec![(
                "A".to_string(),
                NameNode {
                    subscribed: true,
                    noselect: true
                }
            )]
        );
        assert!(store.read().unwrap().mailbox(7, "A").unwrap().is_none());
        // Already \Noselect with children: refused.
        assert!(
            store
                .write_blocking(|tx| tx.delete_mailbox(7, "A"))
                .is_err()
        );
        store
            .write_blocking(|tx| tx.delete_mailbox(7, "A/B"))
            .unwrap();
        store
            .write_blocking(|tx| tx.delete_mailbox(7, "A"))
            .unwrap();
        // The subscriptions stay until UNSUBSCRIBE.
        let nodes = store.read().unwrap().mailbox_nodes(7).unwrap();
        assert_eq!(nodes.len(), 2);
        assert!(nodes.iter().all(|(_, n)| n.subscribed && !n.noselect));
        store
            .write_blocking(|tx| tx.set_subscribed(7, "A", false))
            .unwrap();
        assert_eq!(store.read().unwrap().mailbox_nodes(7).unwrap().len(), 1);
    }

    #[test]
    fn inbox_is_case_insensitive() {
        assert_eq!(canonical_name("inbox"), "INBOX");
        assert_eq!(canonical_name("Inbox/Work"), "INBOX/Work");
        assert_eq!(canonical_name("Work/inbox"), "Work/inbox");
        assert_eq!(canonical_name("Sent/"), "Sent");
    }
}
