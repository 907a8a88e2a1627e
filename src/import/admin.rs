//! The administration requests of `mailsift import` and their replies: queue jobs (one, or a
//! CSV batch of at most `MAX_BATCH`), show their progress, cancel one.

use serde::{Deserialize, Serialize};

use crate::admin::AdminError;
use crate::admin::reply::AdminReply;
use crate::directory;
use crate::store::import::{ImportJob, ImportSecurity, ImportSource, ImportState};
use crate::store::{Store, StoreError};

/// Addresses one batch (`import csv`) may import into.
pub const MAX_BATCH: usize = 25;
/// The largest CA file accepted with a job.
const MAX_CA_PEM: usize = 1024 * 1024;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum ImportRequest {
    /// Queues one job per spec.
    Start { jobs: Vec<ImportSpec> },
    /// Every job, or one.
    Status { id: Option<u64> },
    /// Stops a job; its password is deleted at once.
    Cancel { id: u64 },
}

/// One job as asked for: the target account and the remote account with its password.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ImportSpec {
    pub into: String,
    pub host: String,
    pub port: u16,
    pub security: ImportSecurity,
    pub user: String,
    pub password: String,
    #[serde(default)]
    pub ca_pem: Option<String>,
}

/// Never prints the password (the admin socket logs requests).
impl std::fmt::Debug for ImportSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImportSpec")
            .field("into", &self.into)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("user", &self.user)
            .field("ca_pem", &self.ca_pem.as_ref().map(|p| p.len()))
            .finish_non_exhaustive()
    }
}

/// What became of one spec: a queued job, or why not.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportQueued {
    /// 1-based position in the request (the CSV line's data row).
    pub line: usize,
    pub into: String,
    pub job: Option<u64>,
    pub error: Option<String>,
}

/// One job's progress (`import status`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportJobRow {
    pub id: u64,
    pub into: String,
    /// `user@host:port`.
    pub source: String,
    /// queued, running, done, failed or cancelled.
    pub state: String,
    pub folders: usize,
    pub folders_done: usize,
    pub copied: u64,
    /// Messages in the source folders (as far as they have been opened).
    pub total: u64,
    pub duplicates: u64,
    pub skipped: u64,
    pub error: Option<String>,
    pub created: String,
    pub finished: Option<String>,
    /// Per folder: source, target, copied, total, done.
    pub folder_list: Vec<ImportFolderRow>,
    /// Whether the store still holds the remote password (only while the job is queued or
    /// running).
    pub credentials_kept: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportFolderRow {
    pub source: String,
    pub target: String,
    pub copied: u64,
    pub total: u64,
    pub done: bool,
}

fn date(ts: i64) -> String {
    chrono::DateTime::from_timestamp(ts, 0)
        .map(|d| d.format("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_default()
}

pub fn row(job: &ImportJob, credentials_kept: bool) -> ImportJobRow {
    ImportJobRow {
        id: job.id,
        into: job.address.clone(),
        source: format!(
            "{}@{}:{}",
            job.source.user, job.source.host, job.source.port
        ),
        state: job.state.name().to_string(),
        folders: job.folders.len(),
        folders_done: job.folders.iter().filter(|f| f.done).count(),
        copied: job.copied(),
        total: job.total(),
        duplicates: job.duplicates(),
        skipped: job.skipped(),
        error: job.error.clone(),
        created: date(job.created),
        finished: job.finished.map(date),
        folder_list: job
            .folders
            .iter()
            .map(|f| ImportFolderRow {
                source: f.source.clone(),
                target: f.target.clone(),
                copied: f.copied,
                total: f.total,
                done: f.done,
            })
            .collect(),
        credentials_kept,
    }
}

/// Why a spec cannot become a job, if it cannot.
fn check(spec: &ImportSpec) -> Result<(), String> {
    let host = spec.host.trim();
    if host.is_empty()
        || host.len() > 255
        || host.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err("host: not a host name".into());
    }
    if spec.port == 0 {
        return Err("port: 1 to 65535".into());
    }
    if spec.user.is_empty() || spec.user.len() > 512 || spec.user.chars().any(char::is_control) {
        return Err("user: empty, too long or with control characters".into());
    }
    // LOGIN sends it as an IMAP string, which cannot hold CR or LF (RFC 9051 §4.3).
    if spec.password.is_empty()
        || spec.password.len() > 1024
        || spec.password.contains(['\r', '\n', '\0'])
    {
        return Err("password: empty, too long or with line breaks".into());
    }
    if let Some(pem) = &spec.ca_pem
        && (pem.len() > MAX_CA_PEM || !pem.contains("-----BEGIN CERTIFICATE-----"))
    {
        return Err("CA file: not a PEM certificate file (at most 1 MiB)".into());
    }
    Ok(())
}

pub async fn execute(store: &Store, request: ImportRequest) -> Result<AdminReply, AdminError> {
    match request {
        ImportRequest::Start { jobs } => {
            if jobs.len() > MAX_BATCH {
                return Err(AdminError::Other(format!(
                    "{} imports in one batch; at most {MAX_BATCH}",
                    jobs.len()
                )));
            }
            let mut out = Vec::with_capacity(jobs.len());
            for (n, spec) in jobs.into_iter().enumerate() {
                let mut line = ImportQueued {
                    line: n + 1,
                    into: spec.into.clone(),
                    job: None,
                    error: None,
                };
                match queue(store, spec).await {
                    Ok(id) => line.job = Some(id),
                    Err(e) => line.error = Some(e),
                }
                out.push(line);
            }
            super::wake();
            Ok(AdminReply::ImportQueued(out))
        }
        ImportRequest::Status { id } => {
            let read = store.read()?;
            let jobs = match id {
                Some(id) => vec![
                    read.import_job(id)?
                        .ok_or_else(|| StoreError::NotFound(format!("import job {id}")))?,
                ],
                None => read.import_jobs()?,
            };
            let mut rows = Vec::with_capacity(jobs.len());
            for job in &jobs {
                rows.push(row(job, read.import_secret(job.id)?.is_some()));
            }
            Ok(AdminReply::ImportJobs(rows))
        }
        ImportRequest::Cancel { id } => {
            let job = store
                .write(move |tx| {
                    let job = tx
                        .import_job_tx(id)?
                        .ok_or_else(|| StoreError::NotFound(format!("import job {id}")))?;
                    if job.state.finished() {
                        return Ok(job);
                    }
                    tx.import_end(id, ImportState::Cancelled, None)
                })
                .await?;
            Ok(AdminReply::ImportJobs(vec![row(&job, false)]))
        }
    }
}

/// Checks a spec and records its job. Returns the job id.
async fn queue(store: &Store, spec: ImportSpec) -> Result<u64, String> {
    check(&spec)?;
    let address = directory::split_lookup(&spec.into)
        .map(|(l, d)| format!("{l}@{d}"))
        .ok_or_else(|| format!("\"{}\" is not an address", spec.into))?;
    let account = store
        .read()
        .and_then(|r| r.account(&address))
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("no account {address}"))?;
    let job = ImportJob {
        id: 0,
        account_id: account.id,
        address: account.address,
        source: ImportSource {
            host: spec.host.trim().to_string(),
            port: spec.port,
            security: spec.security,
            user: spec.user,
            ca_pem: spec.ca_pem,
        },
        state: ImportState::Queued,
        error: None,
        created: 0,
        started: None,
        finished: None,
        attempts: 0,
        folders: Vec::new(),
    };
    let password = spec.password.into_bytes();
    store
        .write(move |tx| tx.import_create(job.clone(), &password))
        .await
        .map(|j| j.id)
        .map_err(|e| e.to_string())
}
