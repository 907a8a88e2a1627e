//! Import from another provider over IMAP (`mailsift import`): the server copies every folder of
//! a remote account into a local one, in the background, keeping flags and internal dates.
//!
//! Jobs live in the store (`store::import`) with a checkpoint per source folder (UIDVALIDITY and
//! the last UID copied), written in the same transaction as the messages it covers, so that a
//! server killed mid-import resumes where it stopped and copies nothing twice. The remote password
//! is kept only while the job lives. `Importer::run` is the server's task that starts queued jobs
//! (at most `[import] max_concurrent` at once) and resumes the running ones after a restart.

pub mod admin;
pub mod cli;
pub mod csv;
mod folders;
mod job;
mod notice;
mod remote;

use std::collections::HashSet;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use tokio::sync::{Notify, Semaphore};
use tracing::Instrument;

use crate::config::Config;
use crate::store::{Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot connect: {0}")]
    Connect(String),
    #[error("TLS: {0}")]
    Tls(String),
    #[error("login refused: {0}")]
    Auth(String),
    #[error("the remote server: {0}")]
    Protocol(String),
    #[error("the remote server did not answer in time ({0})")]
    Timeout(&'static str),
    #[error("the source has {0} folders, more than [import] max_folders = {1}")]
    TooManyFolders(usize, usize),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cancelled")]
    Cancelled,
}

impl ImportError {
    /// Errors that another attempt would not mend.
    fn permanent(&self) -> bool {
        match self {
            ImportError::Auth(_)
            | ImportError::Tls(_)
            | ImportError::TooManyFolders(..)
            | ImportError::Cancelled => true,
            ImportError::Store(e) => !matches!(e, StoreError::Db(_) | StoreError::Closed),
            _ => false,
        }
    }
}

impl From<async_imap::error::Error> for ImportError {
    fn from(e: async_imap::error::Error) -> Self {
        ImportError::Protocol(e.to_string())
    }
}

/// Wakes the server's importer when a job was added (by the admin socket, in this process).
fn wake_signal() -> &'static Notify {
    static SIGNAL: OnceLock<Notify> = OnceLock::new();
    SIGNAL.get_or_init(Notify::new)
}

pub fn wake() {
    wake_signal().notify_one();
}

/// Bounds and settings every job of this server shares.
#[derive(Debug, Clone)]
pub struct Limits {
    pub max_message_size: u64,
    pub max_folders: usize,
    pub timeout: Duration,
    pub max_attempts: u32,
    pub hostname: String,
}

/// The server's import task.
pub struct Importer {
    store: Store,
    limits: Arc<Limits>,
    slots: Arc<Semaphore>,
    /// Jobs with a task in this process.
    active: Arc<Mutex<HashSet<u64>>>,
}

impl Importer {
    pub fn new(store: Store, config: &Config) -> Importer {
        Importer {
            store,
            limits: Arc::new(Limits {
                max_message_size: config.limits.max_message_size,
                max_folders: config.import.max_folders.max(1),
                timeout: Duration::from_secs(config.import.timeout_secs.max(1)),
                max_attempts: config.import.max_attempts.max(1),
                hostname: config.hostname.clone(),
            }),
            slots: Arc::new(Semaphore::new(config.import.max_concurrent.max(1))),
            active: Arc::default(),
        }
    }

    /// Starts every queued or interrupted job, then waits for new ones.
    pub async fn run(self) {
        loop {
            if let Err(e) = self.start_pending() {
                tracing::warn!(error = %e, "import: cannot read the jobs");
            }
            // Woken by the admin socket; the timer also picks up jobs queued by the offline CLI.
            let _ = tokio::time::timeout(Duration::from_secs(5), wake_signal().notified()).await;
        }
    }

    fn start_pending(&self) -> Result<(), StoreError> {
        let jobs = self.store.read()?.import_jobs()?;
        for job in jobs {
            if job.state.finished() {
                continue;
            }
            let Ok(mut active) = self.active.lock() else {
                continue;
            };
            if !active.insert(job.id) {
                continue;
            }
            drop(active);
            let (store, limits, slots, active) = (
                self.store.clone(),
                self.limits.clone(),
                self.slots.clone(),
                self.active.clone(),
            );
            let id = job.id;
            tokio::spawn(
                async move {
                    if let Ok(_slot) = slots.acquire_owned().await {
                        job::run(&store, &limits, id).await;
                    }
                    if let Ok(mut active) = active.lock() {
                        active.remove(&id);
                    }
                }
                .instrument(tracing::info_span!("import", job = id)),
            );
        }
        Ok(())
    }
}
