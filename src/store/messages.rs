//! Messages in mailboxes: delivery, APPEND, flags, COPY/MOVE, EXPUNGE.
//!
//! A message is a `MessageMeta` row per (mailbox, UID) pointing at a shared blob. Every change bumps
//! the mailbox's modseq, so that sessions can tell what changed (and CONDSTORE can come later).

use redb::ReadableTable;

use super::schema::*;
use super::types::*;
use super::{ReadTx, Result, StoreError, Tx, decode, encode};

/// How STORE combines the given flags with the current ones (RFC 9051 §6.4.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlagOp {
    Replace,
    Add,
    Remove,
}

/// The UIDs a COPY or MOVE produced, for the COPYUID response code (RFC 4315 §3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyResult {
    pub uidvalidity: u32,
    pub source_uids: Vec<u32>,
    pub target_uids: Vec<u32>,
}

const SYSTEM_FLAGS: &[&str] = &["\\Seen", "\\Answered", "\\Flagged", "\\Deleted", "\\Draft"];

/// Canonical flag list: system flags spelled as RFC 9051 does, duplicates removed, `\Recent`
/// (session state, not stored) dropped.
pub fn normalize_flags(flags: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(flags.len());
    for flag in flags {
        let flag = SYSTEM_FLAGS
            .iter()
            .find(|s| s.eq_ignore_ascii_case(flag))
            .map(|s| s.to_string())
            .unwrap_or_else(|| flag.clone());
        if flag.eq_ignore_ascii_case("\\Recent") || flag.is_empty() {
            continue;
        }
        if !out.iter().any(|f| f.eq_ignore_ascii_case(&flag)) {
            out.push(flag);
        }
    }
    out
}

impl Tx<'_> {
    fn bump_modseq(&mut self, mailbox: &mut Mailbox) -> u64 {
        mailbox.highest_modseq += 1;
        mailbox.highest_modseq
    }

    fn load_mailbox(&self, id: MailboxId) -> Result<Mailbox> {
        self.mailbox_by_id_tx(id)?
            .ok_or_else(|| StoreError::NotFound(format!("mailbox id {id}")))
    }

    /// Adds one message to several mailboxes (one per recipient, possibly the same mailbox for
    /// an address and its alias), storing the content once. Returns the (mailbox, UID) pairs.
    ///
    /// The hot path of every delivery: each table is opened once, each mailbox read and
    /// written once, and each account's usage updated once, however many copies there are.
    pub fn deliver(
        &mut self,
        targets: &[(MailboxId, Vec<String>)],
        raw: &[u8],
        internal_date: i64,
    ) -> Result<Vec<(MailboxId, u32)>> {
        self.deliver_dated(targets, raw, (internal_date, 0))
    }

    /// [`Tx::deliver`] with INTERNALDATE's zone (seconds east of UTC; APPEND keeps it).
    fn deliver_dated(
        &mut self,
        targets: &[(MailboxId, Vec<String>)],
        raw: &[u8],
        (internal_date, offset): (i64, i32),
    ) -> Result<Vec<(MailboxId, u32)>> {
        if targets.is_empty() {
            return Ok(Vec::new());
        }
        let size = raw.len() as u64;
        // Each distinct mailbox once, in first-seen order (an address and its alias may share one).
        let mut mailboxes: Vec<Mailbox> = Vec::with_capacity(targets.len());
        {
            let (mut hot, txn) = self.hot()?;
            let table = hot.mailboxes(txn)?;
            for (id, _) in targets {
                if mailboxes.iter().any(|m| m.id == *id) {
                    continue;
                }
                let mailbox: Mailbox = match table.get(*id)? {
                    Some(v) => decode("mailboxes", v.value())?,
                    None => return Err(StoreError::NotFound(format!("mailbox id {id}"))),
                };
                mailboxes.push(mailbox);
            }
        }
        // Bytes and messages added per account.
        let mut per_account: Vec<(AccountId, u64, u64)> = Vec::new();
        for (id, _) in targets {
            let account = mailboxes
                .iter()
                .find(|m| m.id == *id)
                .map(|m| m.account_id)
                .unwrap_or_default();
            match per_account.iter_mut().find(|(a, _, _)| *a == account) {
                Some((_, bytes, n)) => {
                    *bytes += size;
                    *n += 1;
                }
                None => per_account.push((account, size, 1)),
            }
        }
        // Every target's account must have room for its copies (RFC 9208 §5: nothing stored).
        self.charge_usage(&per_account)?;
        let blob = self.put_blob(raw, targets.len() as u64)?;
        let mut out = Vec::with_capacity(targets.len());
        {
            let (mut hot, txn) = self.hot()?;
            let table = hot.messages(txn)?;
            for (mailbox_id, flags) in targets {
                let Some(mailbox) = mailboxes.iter_mut().find(|m| m.id == *mailbox_id) else {
                    continue;
                };
                let mut meta = next_message(mailbox, &blob, size, internal_date, flags)?;
                meta.internal_date_offset = offset;
                table.insert((mailbox.id, meta.uid), encode(&meta).as_slice())?;
                out.push((mailbox.id, meta.uid));
            }
        }
        {
            let (mut hot, txn) = self.hot()?;
            let table = hot.mailboxes(txn)?;
            for mailbox in &mailboxes {
                table.insert(mailbox.id, encode(mailbox).as_slice())?;
            }
        }
        for mailbox in &mailboxes {
            self.notify(Change::Exists {
                account_id: mailbox.account_id,
                mailbox_id: mailbox.id,
            });
        }
        Ok(out)
    }

    /// IMAP APPEND: returns (UIDVALIDITY, UID) for APPENDUID (RFC 4315 §3).
    pub fn append(
        &mut self,
        mailbox_id: MailboxId,
        raw: &[u8],
        flags: &[String],
        internal_date: i64,
    ) -> Result<(u32, u32)> {
        self.append_in_zone(mailbox_id, raw, flags, internal_date, 0)
    }

    /// [`Tx::append`] with the zone the client gave the date-time in (seconds east of UTC),
    /// kept with the message (RFC 9051 §6.3.12).
    pub fn append_in_zone(
        &mut self,
        mailbox_id: MailboxId,
        raw: &[u8],
        flags: &[String],
        internal_date: i64,
        offset: i32,
    ) -> Result<(u32, u32)> {
        let targets = [(mailbox_id, flags.to_vec())];
        let uid = self.deliver_dated(&targets, raw, (internal_date, offset))?[0].1;
        let mailbox = self.load_mailbox(mailbox_id)?;
        Ok((mailbox.uidvalidity, uid))
    }

    fn insert_message(
        &mut self,
        mailbox: &mut Mailbox,
        blob: &str,
        size: u64,
        (internal_date, offset): (i64, i32),
        flags: &[String],
    ) -> Result<u32> {
        let mut meta = next_message(mailbox, blob, size, internal_date, flags)?;
        meta.internal_date_offset = offset;
        self.txn()
            .open_table(MESSAGES)?
            .insert((mailbox.id, meta.uid), encode(&meta).as_slice())?;
        self.add_usage(mailbox.account_id, size as i64, 1)?;
        Ok(meta.uid)
    }

    pub(super) fn uids_tx(&self, mailbox_id: MailboxId) -> Result<Vec<u32>> {
        let table = self.txn().open_table(MESSAGES)?;
        let mut out = Vec::new();
        for entry in table.range((mailbox_id, 0)..=(mailbox_id, u32::MAX))? {
            out.push(entry?.0.value().1);
        }
        Ok(out)
    }

    /// Changes flags of the given UIDs; UIDs that no longer exist are skipped. Returns the
    /// messages whose flags actually changed, with their new flags.
    pub fn set_flags(
        &mut self,
        mailbox_id: MailboxId,
        uids: &[u32],
        op: FlagOp,
        flags: &[String],
    ) -> Result<Vec<MessageMeta>> {
        let flags = normalize_flags(flags);
        let mut mailbox = self.load_mailbox(mailbox_id)?;
        let mut changed = Vec::new();
        let mut training = Vec::new();
        let mut reports = Vec::new();
        let mut table = self.txn().open_table(MESSAGES)?;
        for &uid in uids {
            let mut meta: MessageMeta = match table.get((mailbox_id, uid))? {
                Some(v) => decode("messages", v.value())?,
                None => continue,
            };
            let new_flags = match op {
                FlagOp::Replace => flags.clone(),
                FlagOp::Add => {
                    let mut f = meta.flags.clone();
                    f.extend(flags.iter().cloned());
                    normalize_flags(&f)
                }
                FlagOp::Remove => meta
                    .flags
                    .iter()
                    .filter(|f| !flags.iter().any(|r| r.eq_ignore_ascii_case(f)))
                    .cloned()
                    .collect(),
            };
            if same_flags(&new_flags, &meta.flags) {
                continue;
            }
            for keyword in super::training::TRAINING_KEYWORDS {
                let had = meta.flags.iter().any(|f| f.eq_ignore_ascii_case(keyword));
                let has = new_flags.iter().any(|f| f.eq_ignore_ascii_case(keyword));
                if has && !had {
                    training.push((meta.blob.clone(), keyword.to_string()));
                }
            }
            // Adding `$Phishing` reports the message (pipeline::report); keeping it does not.
            let keyword = super::reports::PHISHING_KEYWORD;
            if new_flags.iter().any(|f| f.eq_ignore_ascii_case(keyword)) && !meta.has_flag(keyword)
            {
                reports.push(meta.clone());
            }
            meta.flags = new_flags;
            mailbox.highest_modseq += 1;
            meta.modseq = mailbox.highest_modseq;
            table.insert((mailbox_id, uid), encode(&meta).as_slice())?;
            changed.push(meta);
        }
        drop(table);
        for (blob, keyword) in training {
            self.record_training(
                mailbox.account_id,
                &blob,
                super::TrainingAction::Flagged {
                    keyword,
                    mailbox: mailbox.name.clone(),
                },
            )?;
        }
        for meta in reports {
            let via = format!(
                "keyword {} set in {}",
                super::reports::PHISHING_KEYWORD,
                mailbox.name
            );
            self.record_report(&mailbox, &meta, super::ReportKind::Phishing, via)?;
        }
        if !changed.is_empty() {
            self.put_mailbox(&mailbox)?;
            self.notify(Change::Updated {
                account_id: mailbox.account_id,
                mailbox_id,
            });
        }
        Ok(changed)
    }

    /// Copies messages into `target` (same account), keeping flags and internal dates.
    pub fn copy_messages(
        &mut self,
        source: MailboxId,
        uids: &[u32],
        target: MailboxId,
    ) -> Result<CopyResult> {
        // RFC 9208 §5: a COPY that would exceed the quota fails as a whole.
        let mut bytes = 0u64;
        {
            let table = self.txn().open_table(MESSAGES)?;
            for &uid in uids {
                if let Some(v) = table.get((source, uid))? {
                    bytes += decode::<MessageMeta>("messages", v.value())?.size;
                }
            }
        }
        let account = self.load_mailbox(target)?.account_id;
        self.check_quota(account, bytes)?;
        self.copy_unchecked(source, uids, target)
    }

    fn copy_unchecked(
        &mut self,
        source: MailboxId,
        uids: &[u32],
        target: MailboxId,
    ) -> Result<CopyResult> {
        let mut dest = self.load_mailbox(target)?;
        let src = self.load_mailbox(source)?;
        // A copy between mailboxes that classify (Junk, Promotions, …) teaches the learner.
        let teaches = source != target
            && (super::training::is_training_mailbox(&src)
                || super::training::is_training_mailbox(&dest));
        // A copy or move into a report folder reports the message (pipeline::report).
        let report = match source != target {
            true => self.report_folder_kind(&dest)?,
            false => None,
        };
        let mut result = CopyResult {
            uidvalidity: dest.uidvalidity,
            source_uids: Vec::new(),
            target_uids: Vec::new(),
        };
        for &uid in uids {
            let meta: MessageMeta = match self.txn().open_table(MESSAGES)?.get((source, uid))? {
                Some(v) => decode("messages", v.value())?,
                None => continue,
            };
            self.add_blob_ref(&meta.blob)?;
            let new_uid = self.insert_message(
                &mut dest,
                &meta.blob,
                meta.size,
                (meta.internal_date, meta.internal_date_offset),
                &meta.flags,
            )?;
            result.source_uids.push(uid);
            result.target_uids.push(new_uid);
            if let Some(kind) = report {
                let reported = MessageMeta {
                    uid: new_uid,
                    ..meta.clone()
                };
                let via = format!("filed into {} from {}", dest.name, src.name);
                self.record_report(&dest, &reported, kind, via)?;
            }
            if teaches {
                self.record_training(
                    dest.account_id,
                    &meta.blob,
                    super::TrainingAction::Moved {
                        from: src.name.clone(),
                        from_use: src.special_use.clone(),
                        to: dest.name.clone(),
                        to_use: dest.special_use.clone(),
                    },
                )?;
            }
        }
        if !result.target_uids.is_empty() {
            self.put_mailbox(&dest)?;
            self.notify(Change::Exists {
                account_id: dest.account_id,
                mailbox_id: target,
            });
        }
        Ok(result)
    }

    /// MOVE (RFC 6851): copy, then remove from the source.
    pub fn move_messages(
        &mut self,
        source: &Mailbox,
        uids: &[u32],
        target: MailboxId,
    ) -> Result<CopyResult> {
        // Within one account a move does not change the usage: no quota check (RFC 9208 §5).
        let result = self.copy_unchecked(source.id, uids, target)?;
        self.remove_messages(source.id, &result.source_uids)?;
        Ok(result)
    }

    /// EXPUNGE: removes the messages flagged `\Deleted`, limited to `only` when given (UID
    /// EXPUNGE, RFC 4315 §2.1). Returns the removed UIDs in ascending order.
    pub fn expunge(&mut self, mailbox_id: MailboxId, only: Option<&[u32]>) -> Result<Vec<u32>> {
        let mut doomed = Vec::new();
        {
            let table = self.txn().open_table(MESSAGES)?;
            for entry in table.range((mailbox_id, 0)..=(mailbox_id, u32::MAX))? {
                let (k, v) = entry?;
                let uid = k.value().1;
                if only.is_some_and(|set| !set.contains(&uid)) {
                    continue;
                }
                let meta: MessageMeta = decode("messages", v.value())?;
                if meta.has_flag("\\Deleted") {
                    doomed.push(uid);
                }
            }
        }
        self.remove_messages(mailbox_id, &doomed)?;
        Ok(doomed)
    }

    /// Removes messages (no flag check) and releases their blobs.
    pub fn remove_messages(&mut self, mailbox_id: MailboxId, uids: &[u32]) -> Result<()> {
        if uids.is_empty() {
            return Ok(());
        }
        let mut mailbox = self.load_mailbox(mailbox_id)?;
        let mut removed = Vec::with_capacity(uids.len());
        for &uid in uids {
            let meta: Option<MessageMeta> = {
                let mut table = self.txn().open_table(MESSAGES)?;
                let removed = table.remove((mailbox_id, uid))?;
                match removed {
                    Some(v) => Some(decode("messages", v.value())?),
                    None => None,
                }
            };
            if let Some(meta) = meta {
                self.release_blob(&meta.blob)?;
                self.add_usage(mailbox.account_id, -(meta.size as i64), -1)?;
                removed.push(uid);
            }
        }
        let modseq = self.bump_modseq(&mut mailbox);
        // RFC 7162 §3.2.5: remembered for VANISHED (EARLIER) after a reconnection.
        self.record_vanished(mailbox_id, modseq, &removed)?;
        self.put_mailbox(&mailbox)?;
        self.notify(Change::Updated {
            account_id: mailbox.account_id,
            mailbox_id,
        });
        Ok(())
    }

    pub(super) fn delete_mailbox_contents(&mut self, mailbox: &Mailbox) -> Result<()> {
        let uids = self.uids_tx(mailbox.id)?;
        self.remove_messages(mailbox.id, &uids)?;
        self.forget_vanished(mailbox.id)
    }
}

/// The next message of `mailbox`: takes its UID and a new modseq (the caller stores both).
fn next_message(
    mailbox: &mut Mailbox,
    blob: &str,
    size: u64,
    internal_date: i64,
    flags: &[String],
) -> Result<MessageMeta> {
    let uid = mailbox.uid_next;
    mailbox.uid_next = uid
        .checked_add(1)
        .ok_or_else(|| StoreError::Invalid(format!("mailbox {} ran out of UIDs", mailbox.name)))?;
    mailbox.highest_modseq += 1;
    Ok(MessageMeta {
        uid,
        blob: blob.to_string(),
        size,
        internal_date,
        internal_date_offset: 0,
        flags: normalize_flags(flags),
        modseq: mailbox.highest_modseq,
    })
}

fn same_flags(a: &[String], b: &[String]) -> bool {
    a.len() == b.len()
        && a.iter()
            .all(|f| b.iter().any(|g| g.eq_ignore_ascii_case(f)))
}

impl ReadTx {
    /// Every message of a mailbox in UID order.
    pub fn messages(&self, mailbox_id: MailboxId) -> Result<Vec<MessageMeta>> {
        let table = self.txn().open_table(MESSAGES)?;
        let mut out = Vec::new();
        for entry in table.range((mailbox_id, 0)..=(mailbox_id, u32::MAX))? {
            let (_, v) = entry?;
            out.push(decode("messages", v.value())?);
        }
        Ok(out)
    }

    pub fn message(&self, mailbox_id: MailboxId, uid: u32) -> Result<Option<MessageMeta>> {
        match self.txn().open_table(MESSAGES)?.get((mailbox_id, uid))? {
            Some(v) => Ok(Some(decode("messages", v.value())?)),
            None => Ok(None),
        }
    }

    /// The metadata of the given UIDs that still exist, in the order given: one batch of a
    /// FETCH or SEARCH, read in one short snapshot (the contents come from `Store::blobs`).
    pub fn messages_by_uid(&self, mailbox_id: MailboxId, uids: &[u32]) -> Result<Vec<MessageMeta>> {
        let table = self.txn().open_table(MESSAGES)?;
        let mut out = Vec::with_capacity(uids.len());
        for &uid in uids {
            if let Some(v) = table.get((mailbox_id, uid))? {
                out.push(decode("messages", v.value())?);
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use crate::store::{Change, Store, StoreError, Usage};

    /// One delivery to several mailboxes: the same mailbox twice (an address and its alias)
    /// gets two UIDs, each account's usage counts its copies, one blob holds the content, and
    /// a copy over one account's quota stores nothing for anybody (RFC 9208 §5).
    #[tokio::test]
    async fn one_delivery_to_several_mailboxes_and_accounts() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db")).unwrap();
        let (a, b, inbox_a, junk_a, inbox_b) = store
            .write(|tx| {
                tx.add_domain("example.org")?;
                let a = tx.add_account("nina@example.org")?.id;
                let b = tx.add_account("omar@example.org")?.id;
                let inbox_a = tx.mailbox_tx(a, "INBOX")?.map(|m| m.id).unwrap_or(0);
                let junk_a = tx.create_mailbox(a, "Filed", None, true)?.id;
                let inbox_b = tx.mailbox_tx(b, "INBOX")?.map(|m| m.id).unwrap_or(0);
                Ok((a, b, inbox_a, junk_a, inbox_b))
            })
            .await
            .unwrap();
        let mut changes = store.subscribe();
        let raw = b"Subject: hi\r\n\r\nhello\r\n".to_vec();
        let size = raw.len() as u64;
        let m = raw.clone();
        let out = store
            .write(move |tx| {
                tx.deliver(
                    &[
                        (inbox_a, vec!["\\Seen".into()]),
                        (inbox_b, vec![]),
                        (inbox_a, vec![]),
                        (junk_a, vec!["\\flagged".into()]),
                    ],
                    &m,
                    7,
                )
            })
            .await
            .unwrap();
        assert_eq!(
            out,
            vec![(inbox_a, 1), (inbox_b, 1), (inbox_a, 2), (junk_a, 1)]
        );
        let blob = {
            let read = store.read().unwrap();
            let msgs = read.messages(inbox_a).unwrap();
            assert_eq!(msgs.iter().map(|m| m.uid).collect::<Vec<_>>(), [1, 2]);
            assert_eq!(msgs[0].flags, ["\\Seen"]);
            assert!(msgs[1].flags.is_empty());
            assert!(msgs[1].modseq > msgs[0].modseq);
            assert_eq!(read.messages(junk_a).unwrap()[0].flags, ["\\Flagged"]);
            let boxed = read.mailbox_by_id(inbox_a).unwrap().unwrap();
            assert_eq!((boxed.uid_next, boxed.highest_modseq), (3, msgs[1].modseq));
            assert_eq!(
                read.usage(a).unwrap(),
                Usage {
                    bytes: 3 * size,
                    messages: 3
                }
            );
            assert_eq!(
                read.usage(b).unwrap(),
                Usage {
                    bytes: size,
                    messages: 1
                }
            );
            msgs[0].blob.clone()
        };
        // One blob for the four copies: it goes with the last of them.
        assert_eq!(store.blobs().get(&blob).unwrap().as_deref(), Some(&raw[..]));
        // Sent after the reply (with the set-up's own): waited for.
        let mut seen = Vec::new();
        for id in [inbox_a, inbox_b, junk_a] {
            while !seen
                .iter()
                .any(|c| matches!(c, Change::Exists { mailbox_id, .. } if *mailbox_id == id))
            {
                let c = tokio::time::timeout(std::time::Duration::from_secs(5), changes.recv())
                    .await
                    .unwrap_or_else(|_| panic!("no change for mailbox {id}"))
                    .unwrap();
                seen.push(c);
            }
        }
        store
            .write(move |tx| {
                tx.remove_messages(inbox_a, &[1, 2])?;
                tx.remove_messages(inbox_b, &[1])?;
                tx.remove_messages(junk_a, &[1])
            })
            .await
            .unwrap();
        assert_eq!(store.blobs().get(&blob).unwrap(), None);
        assert_eq!(store.read().unwrap().usage(a).unwrap(), Usage::default());

        // Room for one copy in b, not for two in a: nothing is stored anywhere.
        store
            .write(move |tx| {
                tx.set_account_quota("nina@example.org", Some(size + 1))
                    .map(|_| ())
            })
            .await
            .unwrap();
        let m = raw.clone();
        let err = store
            .write(move |tx| {
                tx.deliver(
                    &[(inbox_b, vec![]), (inbox_a, vec![]), (junk_a, vec![])],
                    &m,
                    8,
                )
            })
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::OverQuota(_)), "{err}");
        let read = store.read().unwrap();
        assert!(read.messages(inbox_b).unwrap().is_empty());
        assert_eq!(read.usage(b).unwrap(), Usage::default());
        assert_eq!(store.blobs().get(&blob).unwrap(), None);
    }
}
