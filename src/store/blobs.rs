//! Content-addressed message bodies: stored once, reference-counted, removed with the last
//! reference.
//!
//! Reading is separate from metadata (`BlobStore`, reached with `Store::blobs`): a blob is
//! immutable once written, so it needs no snapshot shared with the metadata that names it, and
//! a later backend can keep blobs elsewhere (an S3-compatible store) — see docs/store.md.
//! Writing stays inside the metadata transaction (`Tx`), so that a message and its reference
//! count commit together.

use std::sync::Arc;

use redb::{Database, ReadableDatabase, ReadableTable};
use sha2::{Digest, Sha256};

use super::schema::*;
use super::{ReadTx, Result, StoreError, Tx};

pub fn blob_id(content: &[u8]) -> String {
    hex::encode(Sha256::digest(content))
}

fn key(id: &str) -> Result<Vec<u8>> {
    hex::decode(id).map_err(|_| StoreError::Corrupt {
        table: "blobs",
        message: format!("bad blob id {id}"),
    })
}

impl Tx<'_> {
    /// Stores `content` (if new) and adds `refs` references to it. Returns the blob id.
    pub(super) fn put_blob(&mut self, content: &[u8], refs: u64) -> Result<String> {
        // The digest is the key; its hex spelling is only the id callers keep.
        let k: [u8; 32] = Sha256::digest(content).into();
        let (mut hot, txn) = self.hot()?;
        let counts = hot.blob_refs(txn)?;
        let current = counts.get(k.as_slice())?.map(|v| v.value()).unwrap_or(0);
        counts.insert(k.as_slice(), current + refs)?;
        if current == 0 {
            hot.blobs(txn)?.insert(k.as_slice(), content)?;
        }
        Ok(hex::encode(k))
    }

    pub(super) fn add_blob_ref(&mut self, id: &str) -> Result<()> {
        let k = key(id)?;
        let mut counts = self.txn().open_table(BLOB_REFS)?;
        let current = counts.get(k.as_slice())?.map(|v| v.value()).unwrap_or(0);
        counts.insert(k.as_slice(), current + 1)?;
        Ok(())
    }

    pub(super) fn release_blob(&mut self, id: &str) -> Result<()> {
        let k = key(id)?;
        let mut counts = self.txn().open_table(BLOB_REFS)?;
        let current = counts.get(k.as_slice())?.map(|v| v.value()).unwrap_or(0);
        if current <= 1 {
            counts.remove(k.as_slice())?;
            self.txn().open_table(BLOBS)?.remove(k.as_slice())?;
        } else {
            counts.insert(k.as_slice(), current - 1)?;
        }
        Ok(())
    }
}

impl ReadTx {
    /// The raw message stored under `id`, as of this snapshot. For tools and tests that already
    /// hold a snapshot; serving paths read through `Store::blobs` instead.
    pub fn blob(&self, id: &str) -> Result<Option<Vec<u8>>> {
        let k = key(id)?;
        Ok(self
            .txn()
            .open_table(BLOBS)?
            .get(k.as_slice())?
            .map(|v| v.value().to_vec()))
    }
}

/// Read access to message contents by blob id. Each call opens its own short read transaction
/// and returns owned bytes, so a caller never holds the database while it writes to a socket.
#[derive(Clone)]
pub struct BlobStore {
    db: Arc<Database>,
}

impl BlobStore {
    pub(super) fn new(db: Arc<Database>) -> BlobStore {
        BlobStore { db }
    }

    /// The content stored under `id`; `None` when no message references it any more (removed
    /// since the caller read the metadata that named it).
    pub fn get(&self, id: &str) -> Result<Option<Vec<u8>>> {
        Ok(self.get_many(&[id])?.pop().flatten())
    }

    /// Several contents in one short read, in the order of `ids`. The caller bounds the total
    /// size (IMAP FETCH asks for a batch of messages whose sizes it knows from the metadata).
    pub fn get_many(&self, ids: &[&str]) -> Result<Vec<Option<Vec<u8>>>> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(BLOBS)?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let k = key(id)?;
            out.push(table.get(k.as_slice())?.map(|v| v.value().to_vec()));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use crate::store::Store;

    #[tokio::test]
    async fn blobs_are_read_apart_from_metadata_and_in_batches() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db")).unwrap();
        let mailbox = store
            .write(|tx| {
                tx.add_domain("example.org")?;
                let account = tx.add_account("nina@example.org")?;
                Ok(tx.mailbox_tx(account.id, "INBOX")?.map(|m| m.id))
            })
            .await
            .unwrap()
            .unwrap();
        for body in ["one", "two", "three"] {
            let raw = format!("Subject: {body}\r\n\r\n{body}\r\n").into_bytes();
            store
                .write(move |tx| tx.append(mailbox, &raw, &[], 0))
                .await
                .unwrap();
        }
        // Asked for 3, 1 and a UID that does not exist: the two that exist, in the order asked.
        let metas = store
            .read()
            .unwrap()
            .messages_by_uid(mailbox, &[3, 1, 99])
            .unwrap();
        assert_eq!(metas.iter().map(|m| m.uid).collect::<Vec<_>>(), vec![3, 1]);
        let ids: Vec<&str> = metas.iter().map(|m| m.blob.as_str()).collect();
        let contents = store.blobs().get_many(&ids).unwrap();
        assert!(contents[0].as_deref().unwrap().ends_with(b"three\r\n"));
        assert!(contents[1].as_deref().unwrap().ends_with(b"one\r\n"));
        // Expunged meanwhile: the content named by metadata read earlier is gone, not an error.
        store
            .write(move |tx| tx.remove_messages(mailbox, &[1]))
            .await
            .unwrap();
        assert_eq!(store.blobs().get(ids[1]).unwrap(), None);
        assert!(store.blobs().get(ids[0]).unwrap().is_some());
    }
}
