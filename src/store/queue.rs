//! The outbound queue: messages accepted for remote recipients wait here, durably, until the
//! outbound delivery agent (a later issue) sends them. `mailsift queue list` shows them.

use redb::ReadableTable;

use super::schema::*;
use super::types::*;
use super::{ReadTx, Result, Tx, decode, encode, now};

impl Tx<'_> {
    pub fn enqueue(
        &mut self,
        queue_id: &str,
        mail_from: &str,
        recipients: &[String],
        raw: &[u8],
    ) -> Result<QueuedMessage> {
        let id = self.next_id("queue")?;
        let blob = self.put_blob(raw, 1)?;
        let entry = QueuedMessage {
            id,
            queue_id: queue_id.to_string(),
            mail_from: mail_from.to_string(),
            recipients: recipients.to_vec(),
            blob,
            size: raw.len() as u64,
            created: now(),
            attempts: 0,
        };
        self.txn
            .open_table(QUEUE)?
            .insert(id, encode(&entry).as_slice())?;
        Ok(entry)
    }
}

impl ReadTx {
    pub fn queue(&self) -> Result<Vec<QueuedMessage>> {
        let table = self.txn.open_table(QUEUE)?;
        let mut out = Vec::new();
        for entry in table.iter()? {
            let (_, v) = entry?;
            out.push(decode("queue", v.value())?);
        }
        Ok(out)
    }
}
