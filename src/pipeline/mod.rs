//! The one way through the house for a message. Protocol sessions call the [`Pipeline`]
//! service (`service.rs`): `check_rcpt` at each envelope recipient and `process` at the end of
//! the message. `process` authenticates the sender (DNS, on the async side), parses the message
//! once into a [`MessageContext`], runs the stages in order on a blocking thread (`stages.rs`:
//! recipients, sender authentication, plugins, Sieve, DMARC quarantine), and commits the
//! resulting [`DeliveryPlan`] in one store write (`deliver`), which the store's writer batches
//! with concurrent deliveries. Plugins' key-value writes are committed with the delivery, or on
//! their own (`commit_plugin_kv`) when nothing is delivered.
//!
//! `learn.rs` is the other way plugins see mail: users' classifying actions (IMAP moves into
//! and out of Junk) fed to the plugins' `learn` hook. `report.rs` acts on users' phishing and
//! spam reports: an abuse report (`arf.rs`, RFC 5965), a move to Junk, a learn event.

pub mod arf;
pub mod learn;
pub mod outgoing;
mod plan;
mod plugins;
mod quota;
mod redirects;
pub mod report;
pub mod sender_auth;
mod service;
pub mod sieve;
pub mod stages;
pub mod submission;
mod trace;

use mail_parser::MessageParser;

use crate::directory::DirectoryError;
use crate::store::{Store, StoreError};
pub use crate::values::Envelope;
pub use plan::{DeliveryPlan, LocalDelivery, TraceNotes, Verdict};
pub use plugins::apply_plugins;
pub use sender_auth::InboundAuth;
pub use service::{Outcome, Pipeline, RcptCheck, Refusal};

#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    #[error(transparent)]
    Directory(#[from] DirectoryError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Stage(String),
}

/// `tokio::task::spawn_blocking` that keeps the caller's tracing span: what the blocking work
/// logs (plugins, Sieve, the plan) carries the message's queue id from the SMTP transaction's
/// span, so no function takes the queue id only to log it.
pub fn spawn_blocking<F, R>(f: F) -> tokio::task::JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || span.in_scope(f))
}

/// Everything a stage may read about one message. Parsed once, shared by every stage.
pub struct MessageContext<'a> {
    pub envelope: &'a Envelope,
    pub raw: &'a [u8],
    pub parsed: Option<mail_parser::Message<'a>>,
    /// Sender authentication, when the message was checked as inbound mail.
    pub auth: Option<&'a InboundAuth>,
    /// The message nests deeper than `mime::MAX_NESTING`: refused, and not parsed.
    pub too_deep: bool,
}

impl<'a> MessageContext<'a> {
    pub fn new(envelope: &'a Envelope, raw: &'a [u8]) -> MessageContext<'a> {
        // The depth scan first: a deeper message's parsed tree would overflow the stack when
        // it is cloned or dropped.
        let too_deep = crate::mime::too_deep(raw);
        MessageContext {
            envelope,
            raw,
            parsed: if too_deep {
                None
            } else {
                MessageParser::default().parse(raw)
            },
            auth: None,
            too_deep,
        }
    }

    pub fn with_auth(mut self, auth: Option<&'a InboundAuth>) -> MessageContext<'a> {
        self.auth = auth;
        self
    }

    pub fn subject(&self) -> Option<&str> {
        self.parsed.as_ref().and_then(|m| m.subject())
    }
}

/// The address a local copy is for, without a subaddress's `+detail` (RFC 5233), lower case:
/// recipients with the same key share one copy per mailbox.
fn copy_key(recipient: &str) -> String {
    let recipient = recipient.to_ascii_lowercase();
    match recipient.rsplit_once('@') {
        Some((local, domain)) => match local.split_once('+') {
            Some((user, _)) => format!("{user}@{domain}"),
            None => recipient,
        },
        None => recipient,
    }
}

/// Adds the flags of `more` not yet in `flags` (IMAP flags are case-insensitive, RFC 9051 §2.3.2).
fn merge_flags(flags: &mut Vec<String>, more: &[String]) {
    for f in more {
        if !flags.iter().any(|g| g.eq_ignore_ascii_case(f)) {
            flags.push(f.clone());
        }
    }
}

/// Commits plugins' key-value writes that come without a delivery (a recipient check, a
/// refused or discarded message).
pub async fn commit_plugin_kv(
    store: &Store,
    writes: Vec<crate::store::KvWrite>,
) -> Result<(), StoreError> {
    if writes.is_empty() {
        return Ok(());
    }
    store.write(move |tx| tx.plugin_kv_apply(&writes)).await
}

fn inbox(
    tx: &crate::store::Tx<'_>,
    account_id: crate::store::AccountId,
) -> Result<crate::store::Mailbox, StoreError> {
    tx.mailbox_tx(account_id, "INBOX")?
        .ok_or_else(|| StoreError::NotFound(format!("INBOX of account {account_id}")))
}

/// Commits a plan: every local delivery and the outbound queue entry in one store write (which
/// the writer batches with concurrent deliveries). Returns when the message is durable.
/// `trace`: the message's trace record and the cap, written in the same store write.
pub async fn deliver(
    store: &Store,
    envelope: &Envelope,
    plan: DeliveryPlan,
    raw: Vec<u8>,
    trace: Option<(crate::store::TraceRecord, usize)>,
) -> Result<(), PipelineError> {
    if plan.verdict != Verdict::Accept
        || (plan.deliveries.is_empty() && plan.outbound.is_empty() && plan.messages.is_empty())
    {
        // Nothing to store, but what the plugins learnt from the message is kept (and the
        // trace, with it or deferred to the next commit).
        return match trace {
            Some((t, cap)) if !plan.plugin_kv.is_empty() => {
                let writes = plan.plugin_kv;
                Ok(store
                    .write(move |tx| {
                        tx.plugin_kv_apply(&writes)?;
                        tx.trace_append(&t, cap)
                    })
                    .await?)
            }
            Some((t, cap)) => {
                store.write_deferred(move |tx| tx.trace_append(&t, cap));
                Ok(())
            }
            None => Ok(commit_plugin_kv(store, plan.plugin_kv).await?),
        };
    }
    let raw = plan.apply_headers(raw);
    // DKIM signatures of mail leaving for other servers, made as it is queued.
    let (plan, raw, outbound_raw) = outgoing::sign(store, plan, raw).await?;
    let queue_id = envelope.queue_id.clone();
    let mail_from = envelope.mail_from.clone();
    let now = chrono::Utc::now().timestamp();
    let copies = store
        .write(move |tx| {
            // The class of each copy's folder, counted once committed (`metrics`).
            let mut copies: Vec<crate::metrics::FolderClass> = Vec::new();
            // One copy per mailbox and address: subaddresses of one address (or copies Sieve
            // filed into the same folder) share it, with the union of their flags; an
            // account's address and its alias are two addresses, so mail To one and Cc the
            // other arrives twice, as the reference service documents.
            let mut targets: Vec<(crate::store::MailboxId, Vec<String>)> =
                Vec::with_capacity(plan.deliveries.len());
            let mut target_of: std::collections::HashMap<(crate::store::MailboxId, String), usize> =
                std::collections::HashMap::new();
            let mut edited: Vec<(crate::store::MailboxId, &Vec<u8>)> = Vec::new();
            for d in &plan.deliveries {
                // A folder that is missing (deleted by the user) falls back to INBOX: a
                // filing preference must never lose mail. `fileinto :create` makes it.
                let mailbox = match tx.mailbox_tx(d.account_id, &d.mailbox)? {
                    Some(m) => m,
                    None if d.create => match tx.create_mailbox(d.account_id, &d.mailbox, None, true) {
                        Ok(m) => m,
                        Err(e) => {
                            tracing::warn!(mailbox = %d.mailbox, error = %e, "cannot create the folder; delivering to INBOX");
                            inbox(tx, d.account_id)?
                        }
                    },
                    None => inbox(tx, d.account_id)?,
                };
                match &d.content {
                    None => match target_of.get(&(mailbox.id, copy_key(&d.recipient))) {
                        Some(&i) => merge_flags(&mut targets[i].1, &d.flags),
                        None => {
                            target_of.insert((mailbox.id, copy_key(&d.recipient)), targets.len());
                            targets.push((mailbox.id, d.flags.clone()));
                            copies.push(folder_class(&mailbox));
                        }
                    },
                    // A copy edited by Sieve is a different message of its own (stored once
                    // per mailbox and content as well).
                    Some(content) => {
                        if edited.iter().any(|(id, c)| *id == mailbox.id && *c == content) {
                            continue;
                        }
                        edited.push((mailbox.id, content));
                        copies.push(folder_class(&mailbox));
                        let content = plan.apply_headers(content.clone());
                        tx.deliver(&[(mailbox.id, d.flags.clone())], &content, now)?;
                    }
                }
            }
            tx.deliver(&targets, &raw, now)?;
            for (i, m) in plan.messages.iter().enumerate() {
                tx.enqueue(&format!("{queue_id}.{}", i + 1), &m.mail_from, &m.to, &m.raw)?;
            }
            tx.plugin_kv_apply(&plan.plugin_kv)?;
            if !plan.outbound.is_empty() {
                let out = outbound_raw.as_ref().unwrap_or(&raw);
                tx.enqueue(&queue_id, &mail_from, &plan.outbound, out)?;
            }
            if let Some((t, cap)) = &trace {
                tx.trace_append(t, *cap)?;
            }
            Ok(copies)
        })
        .await?;
    let metrics = crate::metrics::global();
    for class in copies {
        metrics.delivered(class, 1);
    }
    Ok(())
}

fn folder_class(mailbox: &crate::store::Mailbox) -> crate::metrics::FolderClass {
    crate::metrics::FolderClass::of(&mailbox.name, mailbox.special_use.as_deref())
}
