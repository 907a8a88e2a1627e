//! The storage quota per recipient at the end of DATA (RFC 3463 4.2.2 / 5.2.2).
//!
//! One DATA reply covers every recipient. When some local accounts have room for the message
//! and others do not, the others' copies are left out and the sender gets a DSN for them (as
//! Dovecot's LMTP answers 552 5.2.2 per recipient), so one full mailbox does not hold back the
//! message for everybody. When no recipient has room, nothing is changed here: the store write
//! refuses the message and the session answers `452 4.2.2` (the sender keeps it and retries).
//! The store write checks the quota again in its transaction, so this read is only a split.

use std::collections::{HashMap, HashSet};

use super::{DeliveryPlan, Envelope};
use crate::outbound::dsn::{DsnInput, DsnKind, DsnRecipient, build};
use crate::sieve::OutMessage;
use crate::store::{AccountId, Store};

/// Leaves out the copies for accounts without room when others have room; reports them to the
/// sender. Returns the recipients left out.
pub(super) fn split_full_recipients(
    store: &Store,
    hostname: &str,
    envelope: &Envelope,
    plan: &mut DeliveryPlan,
    raw: &[u8],
) -> Vec<String> {
    // Bytes each account would store: one copy per mailbox and address (and per edited content).
    let mut need: HashMap<AccountId, u64> = HashMap::new();
    let mut seen: HashSet<(AccountId, &str, String)> = HashSet::new();
    for d in &plan.deliveries {
        let len = match &d.content {
            Some(c) => c.len(),
            None if seen.insert((
                d.account_id,
                d.mailbox.as_str(),
                super::copy_key(&d.recipient),
            )) =>
            {
                raw.len()
            }
            None => 0,
        };
        *need.entry(d.account_id).or_default() += len as u64;
    }
    // With one account and nothing outbound there is nobody else to deliver to: whether it
    // has room or not, nothing is split here (the store write decides), so nothing is read.
    if need.len() <= 1 && plan.outbound.is_empty() {
        return Vec::new();
    }
    let Ok(read) = store.read() else {
        return Vec::new();
    };
    let mut full: HashSet<AccountId> = HashSet::new();
    for (&id, &bytes) in &need {
        let Ok(Some(account)) = read.account_by_id(id) else {
            continue;
        };
        let Ok(Some(limit)) = read.quota_limit(&account) else {
            continue;
        };
        let used = read.usage(id).map_or(0, |u| u.bytes);
        if used.saturating_add(bytes) > limit {
            full.insert(id);
        }
    }
    drop(read);
    let nobody_else = full.len() == need.len() && plan.outbound.is_empty();
    if full.is_empty() || nobody_else {
        return Vec::new();
    }
    let mut left_out: Vec<String> = Vec::new();
    plan.deliveries.retain(|d| {
        if !full.contains(&d.account_id) {
            return true;
        }
        if !left_out.contains(&d.recipient) {
            left_out.push(d.recipient.clone());
        }
        false
    });
    for rcpt in &left_out {
        tracing::info!(recipient = %rcpt, "mailbox full: copy left out, sender notified");
        plan.dropped.push((rcpt.clone(), "mailbox full".into()));
    }
    // No DSN for a null sender (RFC 5321 §4.5.5: never bounce a bounce).
    if !envelope.mail_from.is_empty() {
        let now = chrono::Utc::now().timestamp();
        let recipients: Vec<DsnRecipient> = left_out
            .iter()
            .map(|r| DsnRecipient {
                address: r.clone(),
                status: "5.2.2".into(),
                diagnostic: "552 5.2.2 Mailbox full: the recipient's storage quota is used up"
                    .into(),
                remote: false,
            })
            .collect();
        let report = build(&DsnInput {
            kind: DsnKind::Failed,
            hostname,
            queue_id: &envelope.queue_id,
            to: &envelope.mail_from,
            arrival: now,
            now,
            retry_until: None,
            recipients: &recipients,
            original: raw,
        });
        plan.messages.push(OutMessage {
            mail_from: String::new(),
            to: vec![envelope.mail_from.clone()],
            raw: report,
        });
    }
    left_out
}
