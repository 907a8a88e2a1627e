//! One import job: connect, list the folders, copy each folder's messages in UID order in
//! groups, each group stored with its checkpoint in one store write, then the confirmation mail.

use std::collections::{HashMap, HashSet};

use futures::StreamExt;

use super::folders::{self, RemoteFolder};
use super::remote::{self, Remote, SMALL_BUDGET};
use super::{ImportError, Limits, notice};
use crate::store::import::{ImportFolder, ImportJob, ImportState, Imported};
use crate::store::{MailboxId, Store, StoreError};

/// Messages whose flags, dates and sizes are asked for at once (by sequence number).
const META_BATCH: u32 = 200;
/// Bytes of messages fetched and stored together (one message larger than this goes alone).
const GROUP_BYTES: u64 = 8 * 1024 * 1024;
/// Messages fetched and stored together.
const GROUP_MESSAGES: usize = 100;
/// What a FETCH answer may add to the messages it carries (flags, dates, framing).
const PER_MESSAGE_SLACK: u64 = 4096;
/// Distinct keywords one folder may bring (IMAP announces each to every client, RFC 3501
/// §7.2.6); further ones are dropped.
const MAX_KEYWORDS: usize = 200;
/// The longest keyword kept.
const MAX_KEYWORD_LEN: usize = 100;

/// Runs a job until it ends (done or failed), retrying dropped connections from the last
/// checkpoint.
pub async fn run(store: &Store, limits: &Limits, id: u64) {
    loop {
        let (job, secret) = match store
            .read()
            .and_then(|r| Ok((r.import_job(id)?, r.import_secret(id)?)))
        {
            Ok((Some(job), secret)) => (job, secret),
            Ok((None, _)) => return,
            Err(e) => {
                tracing::warn!(error = %e, "import: cannot read the job");
                return;
            }
        };
        if job.state.finished() {
            return;
        }
        let Some(secret) = secret else {
            finish(
                store,
                limits,
                id,
                ImportState::Failed,
                Some("no credentials".into()),
            )
            .await;
            return;
        };
        let password = String::from_utf8_lossy(&secret).into_owned();
        let mut job = match store
            .write(move |tx| {
                let mut job = tx
                    .import_job_tx(id)?
                    .ok_or_else(|| StoreError::NotFound(format!("import job {id}")))?;
                job.state = ImportState::Running;
                job.started.get_or_insert(crate::store::now());
                job.attempts += 1;
                job.error = None;
                tx.import_put(&job)?;
                Ok(job)
            })
            .await
        {
            Ok(job) => job,
            Err(e) => {
                tracing::warn!(error = %e, "import: cannot start the job");
                return;
            }
        };
        tracing::info!(into = %job.address, host = %job.source.host, attempt = job.attempts, "import started");
        match copy(store, limits, &mut job, &password).await {
            Ok(()) => {
                tracing::info!(
                    copied = job.copied(),
                    duplicates = job.duplicates(),
                    "import done"
                );
                finish(store, limits, id, ImportState::Done, None).await;
                return;
            }
            // `import cancel` ended the job already (and deleted the password).
            Err(ImportError::Cancelled) => {
                tracing::info!("import cancelled");
                return;
            }
            Err(e) if e.permanent() || job.attempts >= limits.max_attempts => {
                tracing::warn!(error = %e, "import failed");
                finish(store, limits, id, ImportState::Failed, Some(e.to_string())).await;
                return;
            }
            Err(e) => {
                tracing::info!(error = %e, "import interrupted; retrying from the last checkpoint");
                let note = e.to_string();
                let _ = store
                    .write(move |tx| {
                        if let Some(mut job) = tx.import_job_tx(id)? {
                            job.error = Some(format!("retrying: {note}"));
                            tx.import_put(&job)?;
                        }
                        Ok(())
                    })
                    .await;
                tokio::time::sleep(std::time::Duration::from_secs(2 * u64::from(job.attempts)))
                    .await;
            }
        }
    }
}

/// Ends the job (the password goes in the same write) and tells the account.
async fn finish(
    store: &Store,
    limits: &Limits,
    id: u64,
    state: ImportState,
    error: Option<String>,
) {
    let hostname = limits.hostname.clone();
    let result = store
        .write(move |tx| {
            let job = tx.import_end(id, state, error.clone())?;
            let raw = notice::build(&job, &hostname, crate::store::now());
            if let Some(inbox) = tx.mailbox_tx(job.account_id, "INBOX")? {
                match tx.deliver(&[(inbox.id, Vec::new())], &raw, crate::store::now()) {
                    Ok(_) => {}
                    // Nothing was written (the quota is checked first): the job still ends.
                    Err(StoreError::OverQuota(_)) => {}
                    Err(e) => return Err(e),
                }
            }
            Ok(job)
        })
        .await;
    if let Err(e) = result {
        tracing::warn!(error = %e, "import: cannot record the end of the job");
    }
}

async fn copy(
    store: &Store,
    limits: &Limits,
    job: &mut ImportJob,
    password: &str,
) -> Result<(), ImportError> {
    if store.read()?.account_by_id(job.account_id)?.is_none() {
        return Err(StoreError::NotFound(format!("account {}", job.address)).into());
    }
    let mut remote = remote::connect(&job.source, password, limits.timeout).await?;
    let result = copy_all(store, limits, job, &mut remote).await;
    remote.logout().await;
    result
}

async fn copy_all(
    store: &Store,
    limits: &Limits,
    job: &mut ImportJob,
    remote: &mut Remote,
) -> Result<(), ImportError> {
    let listed = list(remote, limits.max_folders).await?;
    // Keep the checkpoints of folders seen before; new folders start from nothing.
    let mut folders: Vec<ImportFolder> = Vec::new();
    for f in &listed {
        let Some(target) = folders::target(f) else {
            continue;
        };
        let folder = job
            .folders
            .iter()
            .find(|old| old.source == f.name)
            .cloned()
            .unwrap_or(ImportFolder {
                source: f.name.clone(),
                target,
                ..Default::default()
            });
        if !folders.iter().any(|x| x.source == folder.source) {
            folders.push(folder);
        }
    }
    job.folders = folders;
    save(store, job).await?;
    for i in 0..job.folders.len() {
        if job.folders.get(i).is_some_and(|f| !f.done) {
            copy_folder(store, limits, job, i, remote).await?;
        }
    }
    Ok(())
}

/// Writes the job's progress, unless it was cancelled meanwhile.
async fn save(store: &Store, job: &ImportJob) -> Result<(), ImportError> {
    let job = job.clone();
    store
        .write(move |tx| {
            check_live(tx, job.id)?;
            tx.import_put(&job)
        })
        .await
        .map_err(cancelled)
}

fn check_live(tx: &crate::store::Tx<'_>, id: u64) -> Result<(), StoreError> {
    match tx.import_job_tx(id)? {
        Some(j) if !j.state.finished() => Ok(()),
        _ => Err(StoreError::Invalid(CANCELLED.into())),
    }
}

const CANCELLED: &str = "import job cancelled";

fn cancelled(e: StoreError) -> ImportError {
    match e {
        StoreError::Invalid(m) if m == CANCELLED => ImportError::Cancelled,
        e => e.into(),
    }
}

/// `LIST "" "*"`, at most `max` folders (the rest is read and counted, not kept).
async fn list(remote: &mut Remote, max: usize) -> Result<Vec<RemoteFolder>, ImportError> {
    remote.allow(SMALL_BUDGET);
    let timeout = remote.timeout;
    let session = &mut remote.session;
    let work = async {
        let mut out = Vec::new();
        let mut count = 0usize;
        let mut stream = session.list(Some(""), Some("*")).await?;
        while let Some(name) = stream.next().await {
            let name = name?;
            count += 1;
            if out.len() < max {
                out.push(RemoteFolder {
                    name: name.name().to_string(),
                    delimiter: name.delimiter().map(str::to_string),
                    attributes: name.attributes().iter().map(attribute_text).collect(),
                });
            }
        }
        Ok::<_, ImportError>((out, count))
    };
    let (folders, count) = tokio::time::timeout(timeout, work)
        .await
        .map_err(|_| ImportError::Timeout("LIST"))??;
    if count > max {
        return Err(ImportError::TooManyFolders(count, max));
    }
    Ok(folders)
}

fn attribute_text(a: &async_imap::types::NameAttribute<'_>) -> String {
    use async_imap::types::NameAttribute as A;
    match a {
        A::NoInferiors => "\\Noinferiors".into(),
        A::NoSelect => "\\Noselect".into(),
        A::Marked => "\\Marked".into(),
        A::Unmarked => "\\Unmarked".into(),
        A::All => "\\All".into(),
        A::Archive => "\\Archive".into(),
        A::Drafts => "\\Drafts".into(),
        A::Flagged => "\\Flagged".into(),
        A::Junk => "\\Junk".into(),
        A::Sent => "\\Sent".into(),
        A::Trash => "\\Trash".into(),
        A::Extension(s) => s.to_string(),
        _ => String::new(),
    }
}

/// A message as the FETCH of flags, dates and sizes describes it.
struct Meta {
    uid: u32,
    flags: Vec<String>,
    date: Option<i64>,
    size: u64,
}

/// Our mailbox `name`, created if missing.
async fn ensure_mailbox(
    store: &Store,
    account_id: u64,
    name: &str,
) -> Result<MailboxId, ImportError> {
    if let Some(m) = store.read()?.mailbox(account_id, name)? {
        return Ok(m.id);
    }
    let name = name.to_string();
    Ok(store
        .write(move |tx| match tx.mailbox_tx(account_id, &name)? {
            Some(m) => Ok(m.id),
            None => Ok(tx.create_mailbox(account_id, &name, None, true)?.id),
        })
        .await?)
}

async fn copy_folder(
    store: &Store,
    limits: &Limits,
    job: &mut ImportJob,
    i: usize,
    remote: &mut Remote,
) -> Result<(), ImportError> {
    let Some(folder) = job.folders.get(i).cloned() else {
        return Ok(());
    };
    let mailbox_id = ensure_mailbox(store, job.account_id, &folder.target).await?;
    remote.allow(SMALL_BUDGET);
    // EXAMINE: read-only, so that nothing at the source changes (RFC 9051 §6.3.3).
    let examined = tokio::time::timeout(remote.timeout, remote.session.examine(&folder.source))
        .await
        .map_err(|_| ImportError::Timeout("EXAMINE"))?;
    let selected = match examined {
        Ok(selected) => selected,
        // The server will not open this one folder (or its name cannot be sent back): the
        // others are still copied, and the status names it.
        Err(
            e @ (async_imap::error::Error::No(_)
            | async_imap::error::Error::Bad(_)
            | async_imap::error::Error::Validate(_)),
        ) => {
            tracing::warn!(folder = %folder.source, error = %e, "import: folder skipped");
            if let Some(f) = job.folders.get_mut(i) {
                f.done = true;
            }
            job.error = Some(format!("folder {} skipped: {e}", folder.source));
            return save(store, job).await;
        }
        Err(e) => return Err(e.into()),
    };
    let uidvalidity = selected.uid_validity.unwrap_or(0);
    if let Some(f) = job.folders.get_mut(i) {
        if f.uidvalidity != uidvalidity {
            // RFC 9051 §2.3.1.1: other UIDs now; the duplicate check covers what was copied.
            f.uidvalidity = uidvalidity;
            f.last_uid = 0;
        }
        f.total = u64::from(selected.exists);
    }
    save(store, job).await?;
    let mut keywords: HashSet<String> = HashSet::new();
    let exists = selected.exists;
    let mut seq = 1u32;
    while seq <= exists {
        let end = seq.saturating_add(META_BATCH - 1).min(exists);
        let last_uid = job.folders.get(i).map_or(0, |f| f.last_uid);
        let mut metas = fetch_meta(remote, seq, end, &mut keywords).await?;
        seq = end.saturating_add(1);
        metas.retain(|m| m.uid > last_uid);
        metas.sort_by_key(|m| m.uid);
        let mut group: Vec<Meta> = Vec::new();
        let mut bytes = 0u64;
        for m in metas {
            if !group.is_empty() && (bytes + m.size > GROUP_BYTES || group.len() >= GROUP_MESSAGES)
            {
                copy_group(
                    store,
                    limits,
                    job,
                    i,
                    mailbox_id,
                    remote,
                    std::mem::take(&mut group),
                )
                .await?;
                bytes = 0;
            }
            bytes += m.size.min(limits.max_message_size);
            group.push(m);
        }
        if !group.is_empty() {
            copy_group(store, limits, job, i, mailbox_id, remote, group).await?;
        }
    }
    if let Some(f) = job.folders.get_mut(i) {
        f.done = true;
    }
    save(store, job).await
}

async fn fetch_meta(
    remote: &mut Remote,
    from: u32,
    to: u32,
    keywords: &mut HashSet<String>,
) -> Result<Vec<Meta>, ImportError> {
    remote.allow(SMALL_BUDGET);
    let timeout = remote.timeout;
    let session = &mut remote.session;
    let work = async {
        let mut out = Vec::new();
        let mut stream = session
            .fetch(
                format!("{from}:{to}"),
                "(UID FLAGS INTERNALDATE RFC822.SIZE)",
            )
            .await?;
        while let Some(fetch) = stream.next().await {
            let fetch = fetch?;
            let Some(uid) = fetch.uid else {
                continue;
            };
            let flags = fetch
                .flags()
                .filter_map(|f| flag_text(&f, keywords))
                .collect();
            out.push(Meta {
                uid,
                flags,
                date: fetch.internal_date().map(|d| d.timestamp()),
                size: u64::from(fetch.size.unwrap_or(0)),
            });
        }
        Ok::<_, ImportError>(out)
    };
    tokio::time::timeout(timeout, work)
        .await
        .map_err(|_| ImportError::Timeout("FETCH"))?
}

/// A flag as we store it: system flags (RFC 9051 §2.3.2) and valid keywords; `\Recent` (session
/// state) and unknown system flags are dropped, and so are keywords past the folder's bound.
fn flag_text(flag: &async_imap::types::Flag<'_>, keywords: &mut HashSet<String>) -> Option<String> {
    use async_imap::types::Flag;
    Some(match flag {
        Flag::Seen => "\\Seen".into(),
        Flag::Answered => "\\Answered".into(),
        Flag::Flagged => "\\Flagged".into(),
        Flag::Deleted => "\\Deleted".into(),
        Flag::Draft => "\\Draft".into(),
        Flag::Custom(k) => {
            let k = k.as_ref();
            // RFC 9051 §9: flag-keyword = atom, no resp-specials.
            let valid = !k.is_empty()
                && k.len() <= MAX_KEYWORD_LEN
                && !k.starts_with('\\')
                && k.bytes()
                    .all(|b| b.is_ascii_graphic() && !b"(){%*\"\\]".contains(&b));
            if !valid {
                return None;
            }
            let lower = k.to_ascii_lowercase();
            if !keywords.contains(&lower) {
                if keywords.len() >= MAX_KEYWORDS {
                    return None;
                }
                keywords.insert(lower);
            }
            k.to_string()
        }
        _ => return None,
    })
}

/// A fetched message ready to store.
struct Item {
    key: String,
    raw: Vec<u8>,
    flags: Vec<String>,
    date: i64,
}

async fn copy_group(
    store: &Store,
    limits: &Limits,
    job: &mut ImportJob,
    i: usize,
    mailbox_id: MailboxId,
    remote: &mut Remote,
    group: Vec<Meta>,
) -> Result<(), ImportError> {
    let Some(last_uid) = group.iter().map(|m| m.uid).max() else {
        return Ok(());
    };
    let wanted: Vec<&Meta> = group
        .iter()
        .filter(|m| m.size <= limits.max_message_size)
        .collect();
    let mut bodies: HashMap<u32, Vec<u8>> = HashMap::new();
    if !wanted.is_empty() {
        let budget: u64 = wanted
            .iter()
            .map(|m| m.size + PER_MESSAGE_SLACK)
            .sum::<u64>()
            + SMALL_BUDGET;
        remote.allow(budget);
        let uids: Vec<String> = wanted.iter().map(|m| m.uid.to_string()).collect();
        let max = limits.max_message_size;
        let timeout = remote.timeout;
        let session = &mut remote.session;
        let work = async {
            let mut stream = session
                .uid_fetch(uids.join(","), "(UID BODY.PEEK[])")
                .await?;
            while let Some(fetch) = stream.next().await {
                let fetch = fetch?;
                if let (Some(uid), Some(body)) = (fetch.uid, fetch.body())
                    && !body.is_empty()
                    && body.len() as u64 <= max
                {
                    bodies.insert(uid, body.to_vec());
                }
            }
            Ok::<_, ImportError>(())
        };
        tokio::time::timeout(timeout, work)
            .await
            .map_err(|_| ImportError::Timeout("FETCH of messages"))??;
    }
    let target = job
        .folders
        .get(i)
        .map(|f| f.target.clone())
        .unwrap_or_default();
    let now = crate::store::now();
    let group_len = group.len() as u64;
    let items: Vec<Item> = group
        .into_iter()
        .filter_map(|m| {
            let raw = bodies.remove(&m.uid)?;
            Some(Item {
                key: dedup_key(&target, &raw),
                raw,
                flags: m.flags,
                date: m.date.unwrap_or(now),
            })
        })
        .collect();
    // Too large, or not sent by the server: counted, and the checkpoint moves past them.
    let skipped = group_len.saturating_sub(items.len() as u64);
    let account_id = job.account_id;
    let base = job.clone();
    let updated = store
        .write(move |tx| {
            check_live(tx, base.id)?;
            let mut job = base.clone();
            let Some(folder) = job.folders.get_mut(i) else {
                return Err(StoreError::Invalid("import folder vanished".into()));
            };
            for item in &items {
                match tx.import_message(
                    account_id,
                    mailbox_id,
                    &item.key,
                    &item.raw,
                    &item.flags,
                    item.date,
                )? {
                    Imported::Copied => folder.copied += 1,
                    Imported::Duplicate => folder.duplicates += 1,
                }
            }
            folder.skipped += skipped;
            folder.last_uid = last_uid;
            job.attempts = 0;
            tx.import_put(&job)?;
            Ok(job)
        })
        .await
        .map_err(cancelled)?;
    *job = updated;
    Ok(())
}

/// What makes a message a duplicate of an earlier import's copy: the folder, the Message-ID and
/// the content's hash.
fn dedup_key(folder: &str, raw: &[u8]) -> String {
    let message_id = mail_parser::MessageParser::default()
        .parse_headers(raw)
        .and_then(|m| {
            m.message_id()
                .map(|id| id.chars().take(500).collect::<String>())
        })
        .unwrap_or_default();
    format!(
        "{folder}\n{message_id}\n{}",
        crate::store::blobs::blob_id(raw)
    )
}
