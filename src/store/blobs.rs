//! Content-addressed message bodies: stored once, reference-counted, removed with the last
//! reference.

use redb::ReadableTable;
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
        let id = blob_id(content);
        let k = key(&id)?;
        let mut counts = self.txn.open_table(BLOB_REFS)?;
        let current = counts.get(k.as_slice())?.map(|v| v.value()).unwrap_or(0);
        if current == 0 {
            self.txn.open_table(BLOBS)?.insert(k.as_slice(), content)?;
        }
        counts.insert(k.as_slice(), current + refs)?;
        Ok(id)
    }

    pub(super) fn add_blob_ref(&mut self, id: &str) -> Result<()> {
        let k = key(id)?;
        let mut counts = self.txn.open_table(BLOB_REFS)?;
        let current = counts.get(k.as_slice())?.map(|v| v.value()).unwrap_or(0);
        counts.insert(k.as_slice(), current + 1)?;
        Ok(())
    }

    pub(super) fn release_blob(&mut self, id: &str) -> Result<()> {
        let k = key(id)?;
        let mut counts = self.txn.open_table(BLOB_REFS)?;
        let current = counts.get(k.as_slice())?.map(|v| v.value()).unwrap_or(0);
        if current <= 1 {
            counts.remove(k.as_slice())?;
            self.txn.open_table(BLOBS)?.remove(k.as_slice())?;
        } else {
            counts.insert(k.as_slice(), current - 1)?;
        }
        Ok(())
    }
}

impl ReadTx {
    /// The raw message stored under `id`.
    pub fn blob(&self, id: &str) -> Result<Option<Vec<u8>>> {
        let k = key(id)?;
        Ok(self
            .txn
            .open_table(BLOBS)?
            .get(k.as_slice())?
            .map(|v| v.value().to_vec()))
    }
}
