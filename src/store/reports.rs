//! Report jobs: "the user reported this message as phishing (or spam)", recorded durably in the
//! transaction of the user's action (STORE of `$Phishing`, a COPY/MOVE into a report folder).
//! The store does not act on them; `pipeline::report` does: it sends the abuse report, moves the
//! message to Junk and removes the job in one transaction, so a crash neither loses nor repeats
//! a report. A job holds a reference on its blob so the content survives an immediate expunge.

use redb::{ReadableTable, ReadableTableMetadata};
use serde::{Deserialize, Serialize};

use super::schema::{REPORTS, SETTINGS};
use super::types::{AccountId, Mailbox, MailboxId, MessageMeta};
use super::{ReadTx, Result, Tx, decode, encode, now};

/// What the user reported the message as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReportKind {
    Phishing,
    Spam,
}

/// The keyword whose setting reports a message as phishing (IANA IMAP keywords registry,
/// RFC 5788: `$Phishing`). Only a STORE that adds it reports; APPEND or COPY carrying it do not.
pub const PHISHING_KEYWORD: &str = "$Phishing";

/// Pending jobs beyond which new reports are not recorded (the action itself still succeeds):
/// the queue of work a user can create with one `STORE 1:* +FLAGS ($Phishing)` stays bounded.
pub const MAX_PENDING: u64 = 10_000;

const FOLDERS_KEY: &str = "report_folders";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportJob {
    pub account_id: AccountId,
    /// Where the message was when reported (the report folder for a move into it).
    pub mailbox_id: MailboxId,
    pub uid: u32,
    /// The message content (blob id).
    pub blob: String,
    /// When the message arrived (IMAP INTERNALDATE, unix seconds).
    pub internal_date: i64,
    pub kind: ReportKind,
    /// How the user reported it, for the report's human-readable part and the logs.
    pub via: String,
    pub at: i64,
}

impl Tx<'_> {
    /// Sets the folders whose entry reports a message (`[reports]`), replacing earlier ones.
    pub fn set_report_folders(&mut self, folders: &[(String, ReportKind)]) -> Result<()> {
        let folders: Vec<(String, ReportKind)> = folders
            .iter()
            .filter(|(n, _)| !n.trim().is_empty())
            .map(|(n, k)| (super::mailboxes::canonical_name(n.trim()), *k))
            .collect();
        self.txn()
            .open_table(SETTINGS)?
            .insert(FOLDERS_KEY, encode(&folders).as_slice())?;
        Ok(())
    }

    /// The kind of report a copy into `mailbox` makes, if it is a report folder.
    pub(super) fn report_folder_kind(&self, mailbox: &Mailbox) -> Result<Option<ReportKind>> {
        let folders: Vec<(String, ReportKind)> =
            match self.txn().open_table(SETTINGS)?.get(FOLDERS_KEY)? {
                Some(v) => decode("settings", v.value())?,
                None => return Ok(None),
            };
        Ok(folders
            .into_iter()
            .find(|(n, _)| *n == mailbox.name)
            .map(|(_, k)| k))
    }

    /// Records a report of one message; false (and nothing recorded) when the queue is full.
    pub(super) fn record_report(
        &mut self,
        mailbox: &Mailbox,
        meta: &MessageMeta,
        kind: ReportKind,
        via: String,
    ) -> Result<bool> {
        if self.txn().open_table(REPORTS)?.len()? >= MAX_PENDING {
            tracing::warn!(
                account_id = mailbox.account_id,
                "report queue full: a user's report is not recorded"
            );
            return Ok(false);
        }
        let seq = self.next_id("report")?;
        self.add_blob_ref(&meta.blob)?;
        let job = ReportJob {
            account_id: mailbox.account_id,
            mailbox_id: mailbox.id,
            uid: meta.uid,
            blob: meta.blob.clone(),
            internal_date: meta.internal_date,
            kind,
            via,
            at: now(),
        };
        self.txn()
            .open_table(REPORTS)?
            .insert(seq, encode(&job).as_slice())?;
        Ok(true)
    }

    /// Removes a job and releases its blob; returns it, or None when it was done already (so a
    /// retried write acts once).
    pub fn take_report(&mut self, seq: u64) -> Result<Option<ReportJob>> {
        let removed = self
            .txn()
            .open_table(REPORTS)?
            .remove(seq)?
            .map(|v| v.value().to_vec());
        let Some(bytes) = removed else {
            return Ok(None);
        };
        let job: ReportJob = decode("reports", &bytes)?;
        self.release_blob(&job.blob)?;
        Ok(Some(job))
    }

    /// Records that the user classified a message as spam where no move into Junk says so (it
    /// was reported in Junk, or expunged before the report was handled): the learner learns it
    /// as it learns `$Junk`.
    pub fn record_spam_training(
        &mut self,
        account_id: AccountId,
        blob: &str,
        mailbox: &str,
    ) -> Result<()> {
        self.record_training(
            account_id,
            blob,
            super::TrainingAction::Flagged {
                keyword: "$Junk".into(),
                mailbox: mailbox.to_string(),
            },
        )
    }
}

impl ReadTx {
    /// The oldest `limit` report jobs not handled yet.
    pub fn report_jobs(&self, limit: usize) -> Result<Vec<(u64, ReportJob)>> {
        let table = self.txn().open_table(REPORTS)?;
        let mut out = Vec::new();
        for row in table.iter()?.take(limit) {
            let (k, v) = row?;
            out.push((k.value(), decode("reports", v.value())?));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{FlagOp, Store};

    fn setup() -> (tempfile::TempDir, Store, AccountId) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db.redb")).unwrap();
        let account = store
            .write_blocking(|tx| {
                tx.add_domain("example.org")?;
                let a = tx.add_account("bob@example.org")?;
                tx.create_mailbox(a.id, "Report phishing", None, true)?;
                tx.set_report_folders(&[("Report phishing".into(), ReportKind::Phishing)])?;
                let inbox = tx.mailbox_tx(a.id, "INBOX")?.unwrap();
                tx.deliver(&[(inbox.id, vec![])], b"Subject: a\r\n\r\nx\r\n", 1)?;
                tx.deliver(&[(inbox.id, vec![])], b"Subject: b\r\n\r\ny\r\n", 2)?;
                Ok(a.id)
            })
            .unwrap();
        (dir, store, account)
    }

    #[test]
    fn adding_the_keyword_records_one_job() {
        let (_d, store, account) = setup();
        let flags = vec!["$phishing".to_string()];
        let inbox = store
            .read()
            .unwrap()
            .mailbox(account, "INBOX")
            .unwrap()
            .unwrap();
        for _ in 0..2 {
            let f = flags.clone();
            store
                .write_blocking(move |tx| tx.set_flags(inbox.id, &[1], FlagOp::Add, &f))
                .unwrap();
        }
        let jobs = store.read().unwrap().report_jobs(10).unwrap();
        assert_eq!(jobs.len(), 1, "a flag already set reports nothing");
        assert_eq!(jobs[0].1.kind, ReportKind::Phishing);
        assert_eq!((jobs[0].1.mailbox_id, jobs[0].1.uid), (inbox.id, 1));
        let seq = jobs[0].0;
        assert!(
            store
                .write_blocking(move |tx| tx.take_report(seq))
                .unwrap()
                .is_some()
        );
        assert!(
            store
                .write_blocking(move |tx| tx.take_report(seq))
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn copy_into_the_report_folder_records_a_job_append_does_not() {
        let (_d, store, account) = setup();
        let read = store.read().unwrap();
        let inbox = read.mailbox(account, "INBOX").unwrap().unwrap();
        let folder = read.mailbox(account, "Report phishing").unwrap().unwrap();
        drop(read);
        let moved = store
            .write_blocking(move |tx| tx.move_messages(&inbox, &[2], folder.id))
            .unwrap();
        let jobs = store.read().unwrap().report_jobs(10).unwrap();
        assert_eq!(jobs.len(), 1);
        assert_eq!(jobs[0].1.mailbox_id, folder.id);
        assert_eq!(jobs[0].1.uid, moved.target_uids[0]);
        // APPEND into the folder, even with the keyword, is not a report.
        store
            .write_blocking(move |tx| {
                tx.append(
                    folder.id,
                    b"Subject: c\r\n\r\nz\r\n",
                    &["$Phishing".into()],
                    3,
                )
            })
            .unwrap();
        assert_eq!(store.read().unwrap().report_jobs(10).unwrap().len(), 1);
    }
}
