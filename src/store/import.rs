//! Imports from another provider over IMAP (`mailsift import`): the jobs with their per-folder
//! checkpoints, the remote password while a job lives, and what earlier imports copied (so that
//! a repeated import adds nothing). The copying itself is `crate::import`.

use redb::{ReadableTable, ReadableTableMetadata};
use serde::{Deserialize, Serialize};

use super::schema::*;
use super::types::*;
use super::{ReadTx, Result, StoreError, Tx, decode, encode, now};

/// Finished jobs kept for `import status`; older ones are dropped when a job is added.
const KEEP_FINISHED: usize = 200;

/// How the remote server is reached.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ImportSecurity {
    /// TLS from the first byte (port 993).
    Tls,
    /// Plain connection upgraded with STARTTLS (RFC 9051 §6.2.1) before login.
    Starttls,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ImportState {
    Queued,
    Running,
    Done,
    Failed,
    Cancelled,
}

impl ImportState {
    pub fn name(self) -> &'static str {
        match self {
            ImportState::Queued => "queued",
            ImportState::Running => "running",
            ImportState::Done => "done",
            ImportState::Failed => "failed",
            ImportState::Cancelled => "cancelled",
        }
    }

    pub fn finished(self) -> bool {
        matches!(
            self,
            ImportState::Done | ImportState::Failed | ImportState::Cancelled
        )
    }
}

/// The remote account (never the password: that is in `IMPORT_SECRETS`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ImportSource {
    pub host: String,
    pub port: u16,
    pub security: ImportSecurity,
    pub user: String,
    /// PEM certificates trusted besides the system's roots (a private CA).
    #[serde(default)]
    pub ca_pem: Option<String>,
}

/// One source folder: where it goes and how far it got.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct ImportFolder {
    /// The remote name as the server sent it (modified UTF-7 for most servers).
    pub source: String,
    /// Our mailbox name.
    pub target: String,
    /// The checkpoint: UIDs up to `last_uid` under this UIDVALIDITY are copied (RFC 9051
    /// §2.3.1.1: a new UIDVALIDITY means the UIDs mean something else, so start over; the
    /// duplicate check keeps that from copying twice).
    pub uidvalidity: u32,
    pub last_uid: u32,
    /// Messages in the folder when it was opened.
    pub total: u64,
    pub copied: u64,
    /// Already here from an earlier import.
    pub duplicates: u64,
    /// Not copied: larger than the server's maximum message size, or unreadable.
    pub skipped: u64,
    pub done: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ImportJob {
    pub id: u64,
    pub account_id: AccountId,
    /// The target account's address.
    pub address: String,
    pub source: ImportSource,
    pub state: ImportState,
    #[serde(default)]
    pub error: Option<String>,
    pub created: i64,
    #[serde(default)]
    pub started: Option<i64>,
    #[serde(default)]
    pub finished: Option<i64>,
    /// Connection attempts made (a dropped connection is retried a few times).
    #[serde(default)]
    pub attempts: u32,
    /// Filled when the remote folders have been listed.
    #[serde(default)]
    pub folders: Vec<ImportFolder>,
}

impl ImportJob {
    pub fn copied(&self) -> u64 {
        self.folders.iter().map(|f| f.copied).sum()
    }
    pub fn total(&self) -> u64 {
        self.folders.iter().map(|f| f.total).sum()
    }
    pub fn duplicates(&self) -> u64 {
        self.folders.iter().map(|f| f.duplicates).sum()
    }
    pub fn skipped(&self) -> u64 {
        self.folders.iter().map(|f| f.skipped).sum()
    }
}

/// What `import_message` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Imported {
    Copied,
    Duplicate,
}

impl Tx<'_> {
    /// Records a new job (queued) and its password. Returns it with its id.
    pub fn import_create(&mut self, mut job: ImportJob, password: &[u8]) -> Result<ImportJob> {
        job.id = self.next_id("import")?;
        job.state = ImportState::Queued;
        job.created = now();
        self.import_put(&job)?;
        self.txn()
            .open_table(IMPORT_SECRETS)?
            .insert(job.id, password)?;
        self.import_prune()?;
        Ok(job)
    }

    /// Writes a job's record (progress, checkpoints, state).
    pub fn import_put(&mut self, job: &ImportJob) -> Result<()> {
        self.txn()
            .open_table(IMPORT_JOBS)?
            .insert(job.id, encode(job).as_slice())?;
        Ok(())
    }

    pub fn import_job_tx(&self, id: u64) -> Result<Option<ImportJob>> {
        match self.txn().open_table(IMPORT_JOBS)?.get(id)? {
            Some(v) => Ok(Some(decode("import_jobs", v.value())?)),
            None => Ok(None),
        }
    }

    /// Ends a job: its state, its error (if any), and the password gone in the same transaction.
    pub fn import_end(
        &mut self,
        id: u64,
        state: ImportState,
        error: Option<String>,
    ) -> Result<ImportJob> {
        let mut job = self
            .import_job_tx(id)?
            .ok_or_else(|| StoreError::NotFound(format!("import job {id}")))?;
        job.state = state;
        // Without an error of its own, the end keeps a note the job left (a skipped folder).
        if error.is_some() {
            job.error = error;
        }
        job.finished = Some(now());
        self.import_put(&job)?;
        self.txn().open_table(IMPORT_SECRETS)?.remove(id)?;
        Ok(job)
    }

    /// Stores one imported message as IMAP APPEND does (quota checked), unless an earlier
    /// import already put the same message (`key`: folder, Message-ID, content hash) there and
    /// it is still there.
    pub fn import_message(
        &mut self,
        account_id: AccountId,
        mailbox_id: MailboxId,
        key: &str,
        raw: &[u8],
        flags: &[String],
        internal_date: i64,
    ) -> Result<Imported> {
        let seen = self
            .txn()
            .open_table(IMPORT_SEEN)?
            .get((account_id, key))?
            .map(|v| v.value());
        if let Some((mailbox, uid)) = seen
            && self
                .txn()
                .open_table(MESSAGES)?
                .get((mailbox, uid))?
                .is_some()
        {
            return Ok(Imported::Duplicate);
        }
        let (_, uid) = self.append(mailbox_id, raw, flags, internal_date)?;
        self.txn()
            .open_table(IMPORT_SEEN)?
            .insert((account_id, key), (mailbox_id, uid))?;
        Ok(Imported::Copied)
    }

    /// Forgets what imports copied into an account (the account is being removed).
    pub(super) fn import_forget_account(&mut self, account_id: AccountId) -> Result<()> {
        let mut seen = self.txn().open_table(IMPORT_SEEN)?;
        let keys: Vec<String> = seen
            .range((account_id, "")..)?
            .map_while(|e| e.ok())
            .take_while(|(k, _)| k.value().0 == account_id)
            .map(|(k, _)| k.value().1.to_string())
            .collect();
        for key in keys {
            seen.remove((account_id, key.as_str()))?;
        }
        Ok(())
    }

    /// Keeps at most `KEEP_FINISHED` finished jobs, dropping the oldest.
    fn import_prune(&mut self) -> Result<()> {
        let mut jobs = self.txn().open_table(IMPORT_JOBS)?;
        let mut finished = Vec::new();
        for entry in jobs.iter()? {
            let (k, v) = entry?;
            let job: ImportJob = decode("import_jobs", v.value())?;
            if job.state.finished() {
                finished.push(k.value());
            }
        }
        let excess = finished.len().saturating_sub(KEEP_FINISHED);
        // Ids grow with time: the first ones are the oldest.
        for id in finished.into_iter().take(excess) {
            jobs.remove(id)?;
        }
        Ok(())
    }
}

pub(super) fn ensure_tables(txn: &redb::WriteTransaction) -> Result<()> {
    txn.open_table(IMPORT_JOBS)?;
    txn.open_table(IMPORT_SECRETS)?;
    txn.open_table(IMPORT_SEEN)?;
    Ok(())
}

impl ReadTx {
    /// Every job, oldest first.
    pub fn import_jobs(&self) -> Result<Vec<ImportJob>> {
        let table = self.txn().open_table(IMPORT_JOBS)?;
        let mut out = Vec::new();
        for entry in table.iter()? {
            out.push(decode("import_jobs", entry?.1.value())?);
        }
        Ok(out)
    }

    pub fn import_job(&self, id: u64) -> Result<Option<ImportJob>> {
        match self.txn().open_table(IMPORT_JOBS)?.get(id)? {
            Some(v) => Ok(Some(decode("import_jobs", v.value())?)),
            None => Ok(None),
        }
    }

    /// The remote password of a job that has not ended.
    pub fn import_secret(&self, id: u64) -> Result<Option<Vec<u8>>> {
        Ok(self
            .txn()
            .open_table(IMPORT_SECRETS)?
            .get(id)?
            .map(|v| v.value().to_vec()))
    }

    /// How many passwords the store holds (the tests check that none outlives its job).
    pub fn import_secret_count(&self) -> Result<u64> {
        Ok(self.txn().open_table(IMPORT_SECRETS)?.len()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    fn job(account_id: AccountId) -> ImportJob {
        ImportJob {
            id: 0,
            account_id,
            address: "bob@example.org".into(),
            source: ImportSource {
                host: "imap.example.net".into(),
                port: 993,
                security: ImportSecurity::Tls,
                user: "bob".into(),
                ca_pem: None,
            },
            state: ImportState::Queued,
            error: None,
            created: 0,
            started: None,
            finished: None,
            attempts: 0,
            folders: Vec::new(),
        }
    }

    #[test]
    fn duplicates_and_credentials() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db")).unwrap();
        let account = store
            .write_blocking(|tx| {
                tx.add_domain("example.org")?;
                tx.add_account("bob@example.org")
            })
            .unwrap();
        let created = store
            .write_blocking(move |tx| tx.import_create(job(account.id), b"hunter2"))
            .unwrap();
        assert_eq!(store.read().unwrap().import_secret_count().unwrap(), 1);
        let inbox = store
            .read()
            .unwrap()
            .mailbox(account.id, "INBOX")
            .unwrap()
            .unwrap();
        let raw = b"Message-ID: <1@x>\r\nSubject: a\r\n\r\nbody\r\n".to_vec();
        let put = |store: &Store| {
            let raw = raw.clone();
            store
                .write_blocking(move |tx| {
                    tx.import_message(
                        account.id,
                        inbox.id,
                        "INBOX\n<1@x>\nh",
                        &raw,
                        &["\\Seen".into()],
                        1_600_000_000,
                    )
                })
                .unwrap()
        };
        assert_eq!(put(&store), Imported::Copied);
        assert_eq!(
            put(&store),
            Imported::Duplicate,
            "a repeated import adds nothing"
        );
        // Once the copy is gone, the message is copied again.
        store
            .write_blocking(move |tx| tx.remove_messages(inbox.id, &[1]))
            .unwrap();
        assert_eq!(put(&store), Imported::Copied);
        let messages = store.read().unwrap().messages(inbox.id).unwrap();
        assert_eq!(messages.len(), 1);
        assert_eq!(messages[0].internal_date, 1_600_000_000);
        assert_eq!(messages[0].flags, vec!["\\Seen".to_string()]);
        let id = created.id;
        let ended = store
            .write_blocking(move |tx| tx.import_end(id, ImportState::Failed, Some("x".into())))
            .unwrap();
        assert_eq!(ended.state, ImportState::Failed);
        assert_eq!(store.read().unwrap().import_secret_count().unwrap(), 0);
        assert!(store.read().unwrap().import_secret(id).unwrap().is_none());
    }
}
