//! The reporter: acts on users' phishing and spam reports (report jobs the store records with
//! the IMAP STORE of `$Phishing` or the COPY/MOVE into a report folder). For each job, in one
//! store write: the abuse report (ARF, `arf.rs`) is delivered to the abuse address (a local
//! INBOX, or the outbound queue from the null sender), the message moves to Junk (RFC 6154
//! `\Junk`; the move records the training event from which `learn.rs` teaches the plugins it is
//! spam, as for any move into Junk) and the job is removed. A crash before the commit leaves the
//! job to be done again; after it, the job is gone: a report is sent once.
//!
//! Reports are rate-limited per account (`[reports] max_per_hour`): beyond the limit the
//! message still goes to Junk and is learnt, but the abuse address gets nothing, so one user
//! cannot flood it.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

use crate::config::ReportsConfig;
use crate::directory::Recipient;
use crate::store::{AccountId, ReadTx, ReportJob, ReportKind, Store, StoreError};

use super::arf;

/// Jobs read per pass.
const BATCH: usize = 32;
/// The rate limit's window.
const WINDOW: i64 = 3600;

/// Where a report goes.
#[derive(Debug, Clone)]
enum Target {
    Local(AccountId),
    Remote,
}

pub struct Reporter {
    store: Store,
    config: ReportsConfig,
    hostname: String,
    /// Per account, when its recent reports were sent (within `WINDOW`). Kept in memory: a
    /// restart forgets it, which a user cannot cause.
    sent: Mutex<HashMap<AccountId, VecDeque<i64>>>,
}

impl Reporter {
    pub fn new(store: Store, config: ReportsConfig, hostname: String) -> Reporter {
        Reporter {
            store,
            config,
            hostname,
            sent: Mutex::new(HashMap::new()),
        }
    }

    /// The folders whose entry reports a message, as the store should know them.
    pub fn folders(config: &ReportsConfig) -> Vec<(String, ReportKind)> {
        [
            (config.phishing_folder.clone(), ReportKind::Phishing),
            (config.spam_folder.clone(), ReportKind::Spam),
        ]
        .into_iter()
        .filter(|(n, _)| !n.trim().is_empty())
        .collect()
    }

    /// Handles every pending job; returns how many were handled.
    pub fn handle_pending(&self) -> Result<usize, StoreError> {
        let mut total = 0;
        loop {
            let jobs = self.store.read()?.report_jobs(BATCH)?;
            if jobs.is_empty() {
                return Ok(total);
            }
            for (seq, job) in jobs {
                self.handle(seq, job)?;
                total += 1;
            }
        }
    }

    fn handle(&self, seq: u64, job: ReportJob) -> Result<(), StoreError> {
        let now = chrono::Utc::now().timestamp();
        let read = self.store.read()?;
        let Some(account) = read.account_by_id(job.account_id)? else {
            // The account was removed meanwhile: nothing to report for it.
            drop(read);
            return self.drop_job(seq);
        };
        let junk = read
            .mailboxes(account.id)?
            .into_iter()
            .find(|m| m.special_use.as_deref() == Some("\\Junk"))
            .map_or_else(|| "Junk".to_string(), |m| m.name);
        let target = self.target(&read);
        drop(read);
        let _span = tracing::info_span!("report", account = %account.address, job = seq).entered();
        let report = match target {
            Some((to, target)) if self.allow(account.id, now) => {
                match self.store.blobs().get(&job.blob)? {
                    Some(original) => {
                        let raw = arf::build(&arf::Report {
                            kind: job.kind,
                            hostname: &self.hostname,
                            to: &to,
                            reporter: &account.address,
                            via: &job.via,
                            arrival: job.internal_date,
                            now,
                            original: &original,
                        });
                        Some((to, target, raw))
                    }
                    None => None,
                }
            }
            Some((to, _)) => {
                tracing::warn!(abuse = %to, limit = self.config.max_per_hour, "report rate limit reached: no report sent");
                None
            }
            None => None,
        };
        let sent = report.as_ref().map(|(to, ..)| to.clone());
        let outcome = self.commit(seq, report, junk.clone(), now);
        let outcome = match outcome {
            Err(StoreError::Closed) => return Err(StoreError::Closed),
            // The report cannot be stored (the abuse account is over quota, …): the rest of the
            // user's action must not wait for it.
            Err(e) if sent.is_some() => {
                tracing::warn!(error = %e, "cannot store the abuse report; moving the message without it");
                self.commit(seq, None, junk, now)
                    .map(|o| o.map(|(m, _)| (m, false)))
            }
            other => other,
        };
        match outcome {
            Ok(Some((moved, reported))) => {
                tracing::info!(
                    kind = ?job.kind,
                    to = sent.as_deref().filter(|_| reported).unwrap_or("-"),
                    moved_to_junk = moved,
                    "user report handled"
                );
                Ok(())
            }
            Ok(None) => Ok(()),
            Err(StoreError::Closed) => Err(StoreError::Closed),
            Err(e) => {
                // A job that cannot be done must not block the ones behind it.
                tracing::warn!(error = %e, "cannot handle a user report; dropping it");
                self.drop_job(seq)
            }
        }
    }

    /// One write: the report, the move to Junk (or a training event when the message is in
    /// Junk already or gone), the job's removal. Returns (moved, reported), or None when the
    /// job was already done.
    fn commit(
        &self,
        seq: u64,
        report: Option<(String, Target, Vec<u8>)>,
        junk: String,
        now: i64,
    ) -> Result<Option<(bool, bool)>, StoreError> {
        self.store.write_blocking(move |tx| {
            let Some(job) = tx.take_report(seq)? else {
                return Ok(None);
            };
            let reported = match &report {
                Some((to, Target::Local(id), raw)) => match tx.mailbox_tx(*id, "INBOX")? {
                    Some(inbox) => {
                        tx.deliver(&[(inbox.id, Vec::new())], raw, now)?;
                        true
                    }
                    None => {
                        tracing::warn!(abuse = %to, "the abuse account has no INBOX");
                        false
                    }
                },
                Some((to, Target::Remote, raw)) => {
                    let queue_id = format!("arf.{now}.{seq}");
                    // RFC 5965 §6 / RFC 3464: reports go from the null sender (no bounce loop).
                    tx.enqueue(&queue_id, "", std::slice::from_ref(to), raw)?;
                    true
                }
                None => false,
            };
            let junk = match tx.mailbox_tx(job.account_id, &junk)? {
                Some(m) => m,
                None => tx.create_mailbox(job.account_id, &junk, Some("\\Junk".into()), true)?,
            };
            let source = tx.mailbox_by_id_tx(job.mailbox_id)?;
            let mut moved = false;
            if let Some(source) = &source
                && source.id != junk.id
            {
                moved = !tx
                    .move_messages(source, &[job.uid], junk.id)?
                    .target_uids
                    .is_empty();
            }
            if !moved {
                let name = source.map_or_else(String::new, |m| m.name);
                tx.record_spam_training(job.account_id, &job.blob, &name)?;
            }
            Ok(Some((moved, reported)))
        })
    }

    fn drop_job(&self, seq: u64) -> Result<(), StoreError> {
        self.store
            .write_blocking(move |tx| tx.take_report(seq).map(|_| ()))
    }

    /// The abuse address and where it is; None (logged) when it has no mailbox.
    fn target(&self, read: &ReadTx) -> Option<(String, Target)> {
        let to = match self.abuse_address(read) {
            Ok(Some(to)) => to,
            Ok(None) => {
                tracing::warn!("no abuse address: set [reports] abuse_address");
                return None;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot look the abuse address up");
                return None;
            }
        };
        match crate::directory::resolve_in(read, &to) {
            Ok(Recipient::Local { account, .. }) => Some((to, Target::Local(account.id))),
            Ok(Recipient::Remote) => Some((to, Target::Remote)),
            Ok(_) => {
                tracing::warn!(abuse = %to, "no mailbox for the abuse address: set [reports] abuse_address to an administrator's account");
                None
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot look the abuse address up");
                None
            }
        }
    }

    /// `[reports] abuse_address`, else `abuse@` the primary local domain (the one `hostname`
    /// is in, the longest such; else the first by name).
    fn abuse_address(&self, read: &ReadTx) -> Result<Option<String>, StoreError> {
        let configured = self.config.abuse_address.trim();
        if !configured.is_empty() {
            return Ok(Some(configured.to_ascii_lowercase()));
        }
        let host = self.hostname.trim_end_matches('.').to_ascii_lowercase();
        let mut domains: Vec<String> = read.domains()?.into_iter().map(|d| d.name).collect();
        domains.sort();
        let primary = domains
            .iter()
            .filter(|d| host == **d || host.ends_with(&format!(".{d}")))
            .max_by_key(|d| d.len())
            .or_else(|| domains.first());
        Ok(primary.map(|d| format!("abuse@{d}")))
    }

    /// Takes a slot of the account's hourly report allowance, if one is free.
    fn allow(&self, account: AccountId, now: i64) -> bool {
        let limit = self.config.max_per_hour as usize;
        let mut sent = self.sent.lock().unwrap_or_else(|e| e.into_inner());
        // Forget the accounts whose window is empty, so the map stays as small as the set of
        // accounts that reported within the hour.
        sent.retain(|_, times| {
            while times.front().is_some_and(|t| now - t >= WINDOW) {
                times.pop_front();
            }
            !times.is_empty()
        });
        let times = sent.entry(account).or_default();
        if times.len() >= limit {
            return false;
        }
        times.push_back(now);
        true
    }
}

/// Runs until the process ends: handles pending reports whenever the store changes (a STORE or
/// a MOVE commits) and every few seconds.
pub async fn run_reporter(reporter: std::sync::Arc<Reporter>) {
    let mut changes = reporter.store.subscribe();
    loop {
        let r = reporter.clone();
        match tokio::task::spawn_blocking(move || r.handle_pending()).await {
            Ok(Ok(_)) => {}
            Ok(Err(StoreError::Closed)) => return,
            Ok(Err(e)) => tracing::warn!(error = %e, "reporter: store error; retrying later"),
            Err(e) => tracing::error!(error = %e, "reporter task failed"),
        }
        // Wake on the next change (the reporter's own writes are some: harmless) or after a while;
        // changes of a burst of commits wake it once.
        super::next_round(&mut changes, Duration::from_secs(5)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::FlagOp;

    fn setup(max_per_hour: u32) -> (tempfile::TempDir, Store, Reporter) {
        setup_to("abuse-desk@example.org", max_per_hour)
    }

    fn setup_to(abuse: &str, max_per_hour: u32) -> (tempfile::TempDir, Store, Reporter) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db.redb")).unwrap();
        let config = ReportsConfig {
            abuse_address: abuse.into(),
            max_per_hour,
            ..ReportsConfig::default()
        };
        let folders = Reporter::folders(&config);
        store
            .write_blocking(move |tx| {
                tx.add_domain("example.org")?;
                tx.add_account("abuse-desk@example.org")?;
                let a = tx.add_account("bob@example.org")?;
                tx.set_report_folders(&folders)?;
                let inbox = tx.mailbox_tx(a.id, "INBOX")?.unwrap();
                for i in 0..3 {
                    let raw = format!("Subject: m{i}\r\nFrom: x@phish.example\r\n\r\nbody\r\n");
                    tx.deliver(&[(inbox.id, vec![])], raw.as_bytes(), 10)?;
                }
                Ok(())
            })
            .unwrap();
        let reporter = Reporter::new(store.clone(), config, "mail.test".into());
        (dir, store, reporter)
    }

    fn count(store: &Store, address: &str, mailbox: &str) -> usize {
        let read = store.read().unwrap();
        let account = read.account(address).unwrap().unwrap();
        let m = read.mailbox(account.id, mailbox).unwrap().unwrap();
        read.messages(m.id).unwrap().len()
    }

    fn flag(store: &Store, uids: &[u32]) {
        let read = store.read().unwrap();
        let account = read.account("bob@example.org").unwrap().unwrap();
        let inbox = read.mailbox(account.id, "INBOX").unwrap().unwrap();
        drop(read);
        let uids = uids.to_vec();
        store
            .write_blocking(move |tx| {
                tx.set_flags(inbox.id, &uids, FlagOp::Add, &["$Phishing".into()])
            })
            .unwrap();
    }

    #[test]
    fn a_report_is_sent_once_and_the_message_moves_to_junk() {
        let (_d, store, reporter) = setup(10);
        flag(&store, &[1]);
        assert_eq!(reporter.handle_pending().unwrap(), 1);
        assert_eq!(reporter.handle_pending().unwrap(), 0);
        assert_eq!(count(&store, "abuse-desk@example.org", "INBOX"), 1);
        assert_eq!(count(&store, "bob@example.org", "INBOX"), 2);
        assert_eq!(count(&store, "bob@example.org", "Junk"), 1);
        // The move into Junk is the learner's training event.
        let events = store.read().unwrap().training_events(10).unwrap();
        assert_eq!(events.len(), 1);
        assert!(matches!(
            &events[0].1.action,
            crate::store::TrainingAction::Moved { to, .. } if to == "Junk"
        ));
        let read = store.read().unwrap();
        let abuse = read.account("abuse-desk@example.org").unwrap().unwrap();
        let inbox = read.mailbox(abuse.id, "INBOX").unwrap().unwrap();
        let blob = &read.messages(inbox.id).unwrap()[0].blob;
        let raw = store.blobs().get(blob).unwrap().unwrap();
        let text = String::from_utf8_lossy(&raw);
        assert!(
            text.contains("report-type=\"feedback-report\"")
                || text.contains("report-type=feedback-report")
        );
        assert!(text.contains("Feedback-Type: fraud"));
        assert!(text.contains("Subject: m0"));
    }

    #[test]
    fn a_remote_abuse_address_gets_it_through_the_queue_from_the_null_sender() {
        let (_d, store, reporter) = setup_to("abuse@provider.example", 10);
        flag(&store, &[2]);
        assert_eq!(reporter.handle_pending().unwrap(), 1);
        let queue = store.read().unwrap().queue().unwrap();
        assert_eq!(queue.len(), 1);
        assert_eq!(queue[0].mail_from, "");
        assert_eq!(
            queue[0].recipients,
            vec!["abuse@provider.example".to_string()]
        );
        assert_eq!(count(&store, "bob@example.org", "Junk"), 1);
    }

    #[test]
    fn the_default_abuse_address_reaches_the_domain_administrator() {
        // `abuse@example.org` (the default) routes to the domain's administrator: without
        // `mailsift domain admin`, its oldest account (RFC 5321 §4.5.1, `directory::aliases`).
        let (_d, store, reporter) = setup_to("", 10);
        flag(&store, &[1]);
        assert_eq!(reporter.handle_pending().unwrap(), 1);
        assert_eq!(count(&store, "abuse-desk@example.org", "INBOX"), 1);
        assert_eq!(count(&store, "bob@example.org", "Junk"), 1);
    }

    #[test]
    fn without_an_abuse_mailbox_the_message_still_moves() {
        // An abuse address of ours that leads nowhere: nothing is sent, nothing lost.
        let (_d, store, reporter) = setup_to("nobody@example.org", 10);
        flag(&store, &[1]);
        assert_eq!(reporter.handle_pending().unwrap(), 1);
        assert_eq!(count(&store, "abuse-desk@example.org", "INBOX"), 0);
        assert!(store.read().unwrap().queue().unwrap().is_empty());
        assert_eq!(count(&store, "bob@example.org", "Junk"), 1);
        assert!(store.read().unwrap().report_jobs(10).unwrap().is_empty());
    }

    #[test]
    fn the_rate_limit_holds_but_messages_still_move() {
        let (_d, store, reporter) = setup(2);
        flag(&store, &[1, 2, 3]);
        assert_eq!(reporter.handle_pending().unwrap(), 3);
        assert_eq!(count(&store, "abuse-desk@example.org", "INBOX"), 2);
        assert_eq!(count(&store, "bob@example.org", "Junk"), 3);
        assert_eq!(count(&store, "bob@example.org", "INBOX"), 0);
    }

    #[test]
    fn reported_in_junk_is_learnt_without_a_move() {
        let (_d, store, reporter) = setup(10);
        flag(&store, &[1]);
        reporter.handle_pending().unwrap();
        let read = store.read().unwrap();
        let bob = read.account("bob@example.org").unwrap().unwrap();
        let junk = read.mailbox(bob.id, "Junk").unwrap().unwrap();
        drop(read);
        store
            .write_blocking(move |tx| {
                tx.set_flags(junk.id, &[1], FlagOp::Remove, &["$Phishing".into()])?;
                tx.set_flags(junk.id, &[1], FlagOp::Add, &["$Phishing".into()])
            })
            .unwrap();
        assert_eq!(reporter.handle_pending().unwrap(), 1);
        assert_eq!(count(&store, "bob@example.org", "Junk"), 1);
        let events = store.read().unwrap().training_events(10).unwrap();
        assert_eq!(events.len(), 2);
        assert!(matches!(
            &events[1].1.action,
            crate::store::TrainingAction::Flagged { keyword, .. } if keyword == "$Junk"
        ));
    }
}
