//! The tables of a delivery, opened once per write transaction (issue 19).
//!
//! Opening a redb table looks its root up in the table tree and decodes its definition; a
//! delivery used ~13 opens, and a group commit runs several deliveries. The writer lends one
//! `Tx` to every write of a batch, and `Tx` keeps the hot tables here open between them.
//! redb refuses to open a table twice, so `Tx::txn()` (every other open) closes them first.

use redb::{Key, Table, TableDefinition, Value, WriteTransaction};

use super::schema::{
    ACCOUNT_IDS, ACCOUNTS, BLOB_REFS, BLOBS, MAILBOX_NAMES, MAILBOXES, MESSAGES, META,
};
use super::{Result, StoreError};

/// The tables a delivery touches, each open or not yet.
#[derive(Default)]
pub(super) struct Hot<'t> {
    pub mailbox_names: Option<Table<'t, (u64, &'static str), u64>>,
    pub mailboxes: Option<Table<'t, u64, &'static [u8]>>,
    pub messages: Option<Table<'t, (u64, u32), &'static [u8]>>,
    pub usage: Option<Table<'t, u64, (u64, u64)>>,
    pub meta: Option<Table<'t, &'static str, u64>>,
    pub account_ids: Option<Table<'t, u64, &'static str>>,
    pub accounts: Option<Table<'t, &'static str, &'static [u8]>>,
    pub blob_refs: Option<Table<'t, &'static [u8], u64>>,
    pub blobs: Option<Table<'t, &'static [u8], &'static [u8]>>,
    pub trace: Option<Table<'t, u64, (&'static str, &'static [u8])>>,
    pub trace_ids: Option<Table<'t, &'static str, u64>>,
    /// Whether any is open (so that closing an empty set costs nothing).
    pub open: bool,
}

/// The table in `slot`, opened now if it is not yet.
fn slot<'s, 't, K: Key + 'static, V: Value + 'static>(
    slot: &'s mut Option<Table<'t, K, V>>,
    open: &mut bool,
    txn: &'t WriteTransaction,
    def: TableDefinition<K, V>,
) -> Result<&'s mut Table<'t, K, V>> {
    if slot.is_none() {
        *slot = Some(txn.open_table(def)?);
        *open = true;
    }
    slot.as_mut()
        .ok_or_else(|| StoreError::Db("table cache: slot empty after open".into()))
}

macro_rules! accessor {
    ($name:ident, $def:expr, $k:ty, $v:ty) => {
        pub fn $name(&mut self, txn: &'t WriteTransaction) -> Result<&mut Table<'t, $k, $v>> {
            slot(&mut self.$name, &mut self.open, txn, $def)
        }
    };
}

impl<'t> Hot<'t> {
    accessor!(mailbox_names, MAILBOX_NAMES, (u64, &'static str), u64);
    accessor!(mailboxes, MAILBOXES, u64, &'static [u8]);
    accessor!(messages, MESSAGES, (u64, u32), &'static [u8]);
    accessor!(usage, super::schema::USAGE, u64, (u64, u64));
    accessor!(meta, META, &'static str, u64);
    accessor!(account_ids, ACCOUNT_IDS, u64, &'static str);
    accessor!(accounts, ACCOUNTS, &'static str, &'static [u8]);
    accessor!(blob_refs, BLOB_REFS, &'static [u8], u64);
    accessor!(blobs, BLOBS, &'static [u8], &'static [u8]);

    /// Closes every open table (redb writes their roots into the table tree as they drop).
    pub fn close(&mut self) {
        if self.open {
            *self = Hot::default();
        }
    }
}
