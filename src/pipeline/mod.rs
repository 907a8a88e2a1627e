//! The one way through the house for a message. Protocol sessions call the [`Pipeline`]
//! service (`service.rs`): `check_rcpt` at each envelope recipient and `process` at the end of
//! the message. `process` parses the message once ([`Received`]: the [`MessageContext`] every
//! stage reads, and sender authentication's view made from the same parse), authenticates the
//! sender (DNS, on the async side), runs the stages in order on a blocking thread (`stages.rs`:
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

/// How long the background workers (learner, reporter) let store changes gather before they
/// look again: every commit is a change, so under a flood of deliveries each would otherwise
/// cost them a wake-up, a blocking-pool hand-off and a read per commit (issue 19). Users'
/// actions are acted on this much later at most.
const GATHER_CHANGES: std::time::Duration = std::time::Duration::from_millis(200);

/// Waits for the next store change (or `idle`), then lets changes gather for
/// [`GATHER_CHANGES`] and takes all that are waiting: one round of a background worker per
/// burst of commits, not per commit. Nothing is missed: a round reads the whole pending state.
pub(crate) async fn next_round(
    changes: &mut tokio::sync::broadcast::Receiver<crate::store::Change>,
    idle: std::time::Duration,
) {
    if tokio::time::timeout(idle, changes.recv()).await.is_err() {
        return;
    }
    tokio::time::sleep(GATHER_CHANGES).await;
    while let Ok(_) | Err(tokio::sync::broadcast::error::TryRecvError::Lagged(_)) =
        changes.try_recv()
    {}
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

/// Messages up to this size are parsed on the async side: tens of microseconds, less than
/// the hand-over to a blocking thread would cost.
const PARSE_INLINE_MAX: usize = 64 * 1024;

/// A message as received, parsed once for every stage: the envelope and the raw message it
/// owns, the [`MessageContext`] the stages read, and, for mail whose sender is checked, the
/// view sender authentication reads, made from the same parse (mail-auth's `from_parsed`: no
/// second header parse) with the body hashes of its signatures.
pub struct Received(ReceivedCell);

/// What a [`Received`] owns. The sender-authentication result is set once, after the checks
/// (they read the parse), and the context then borrows it.
struct ReceivedOwner {
    envelope: Envelope,
    raw: Vec<u8>,
    auth: std::sync::OnceLock<InboundAuth>,
}

impl ReceivedOwner {
    fn new(envelope: Envelope, raw: Vec<u8>) -> ReceivedOwner {
        ReceivedOwner {
            envelope,
            raw,
            auth: std::sync::OnceLock::new(),
        }
    }
}

/// What a [`Received`] borrows from what it owns.
struct Parsed<'a> {
    ctx: MessageContext<'a>,
    authenticated: Option<mail_auth::AuthenticatedMessage<'a>>,
    /// The pipeline's parse is not made yet (`ctx.parsed` says nothing): a large message.
    deferred: bool,
}

self_cell::self_cell!(
    struct ReceivedCell {
        owner: ReceivedOwner,
        #[covariant]
        dependent: Parsed,
    }
);

impl Received {
    /// Parses `raw` (CPU work: callers run a large message on a blocking thread). With
    /// `for_auth`, also the sender-authentication view.
    pub fn parse(envelope: Envelope, raw: Vec<u8>, for_auth: bool) -> Received {
        Received::build(ReceivedOwner::new(envelope, raw), for_auth, true)
    }

    /// How the server receives a message. A small one (the usual case) is parsed once, right
    /// away: tens of microseconds, less than a hand-over to a blocking thread. A larger one
    /// keeps the earlier shape, so no message stalls the async reactor and no decoded copy of a
    /// large message waits for a plugin slot: sender authentication's header parse and body
    /// hashes on a blocking thread, the full parse with the stages ([`Received::complete`]).
    pub async fn receive(
        envelope: Envelope,
        raw: Vec<u8>,
        for_auth: bool,
    ) -> Result<Received, PipelineError> {
        let owner = ReceivedOwner::new(envelope, raw);
        if owner.raw.len() <= PARSE_INLINE_MAX {
            return Ok(Received::build(owner, for_auth, true));
        }
        if !for_auth {
            return Ok(Received::build(owner, false, false));
        }
        spawn_blocking(move || Received::build(owner, true, false))
            .await
            .map_err(|e| PipelineError::Stage(format!("parse task failed: {e}")))
    }

    /// `full`: the pipeline's parse (else only sender authentication's view, with `for_auth`;
    /// the stages then need [`Received::complete`]).
    fn build(owner: ReceivedOwner, for_auth: bool, full: bool) -> Received {
        Received(ReceivedCell::new(owner, |o| {
            if !full {
                let ctx = MessageContext {
                    envelope: &o.envelope,
                    raw: &o.raw,
                    parsed: None,
                    auth: o.auth.get(),
                    too_deep: false,
                };
                let authenticated = if for_auth {
                    mail_auth::AuthenticatedMessage::parse(&o.raw)
                } else {
                    None
                };
                return Parsed {
                    ctx,
                    authenticated,
                    deferred: true,
                };
            }
            let mut ctx = MessageContext::new(&o.envelope, &o.raw);
            ctx.auth = o.auth.get();
            let authenticated = if for_auth {
                authenticated_message(ctx.parsed.as_ref(), &o.raw)
            } else {
                None
            };
            Parsed {
                ctx,
                authenticated,
                deferred: false,
            }
        }))
    }

    /// The message with the pipeline's parse, which the stages read (a large message's is
    /// made here, on the stages' blocking thread).
    pub fn complete(self) -> Received {
        if !self.0.borrow_dependent().deferred {
            return self;
        }
        Received::build(self.0.into_owner(), false, true)
    }

    pub fn envelope(&self) -> &Envelope {
        &self.0.borrow_owner().envelope
    }

    pub fn raw(&self) -> &[u8] {
        &self.0.borrow_owner().raw
    }

    /// What sender authentication reads (`None`: not made, or no header section).
    pub fn authenticated(&self) -> Option<&mail_auth::AuthenticatedMessage<'_>> {
        self.0.borrow_dependent().authenticated.as_ref()
    }

    /// The context the stages read, with the sender-authentication result once it is set
    /// (after [`Received::complete`] for a message from [`Received::receive`]).
    pub fn context(&self) -> &MessageContext<'_> {
        &self.0.borrow_dependent().ctx
    }

    /// Records the sender-authentication result the stages read (once; a second is ignored).
    pub fn set_auth(&mut self, auth: InboundAuth) {
        let _ = self.0.borrow_owner().auth.set(auth);
        self.0
            .with_dependent_mut(|owner, parsed| parsed.ctx.auth = owner.auth.get());
    }

    pub fn auth(&self) -> Option<&InboundAuth> {
        self.0.borrow_owner().auth.get()
    }

    /// Removes Authentication-Results fields that claim to be ours (`auth::strip_forged`),
    /// parsing again only when there were some (the stages must read what is stored). Returns
    /// how many were removed.
    pub fn strip_forged(self, hostname: &str) -> (Received, usize) {
        if crate::auth::forged_fields(self.raw(), hostname) == 0 {
            return (self, 0);
        }
        let full = !self.0.borrow_dependent().deferred;
        let mut owner = self.0.into_owner();
        let (raw, removed) = crate::auth::strip_forged(owner.raw, hostname);
        owner.raw = raw;
        (Received::build(owner, false, full), removed)
    }

    /// The envelope and the raw message back.
    pub fn into_parts(self) -> (Envelope, Vec<u8>) {
        let owner = self.0.into_owner();
        (owner.envelope, owner.raw)
    }
}

/// Sender authentication's view of the message, from the pipeline's parse when there is one
/// (mail-auth slices the raw message at the parse's header offsets: they are checked first, so
/// no input can make it panic), else from mail-auth's own header parser (a message too deep to
/// parse, or no parse). `None` without a header section, as `AuthenticatedMessage::parse`.
fn authenticated_message<'a>(
    parsed: Option<&mail_parser::Message<'a>>,
    raw: &'a [u8],
) -> Option<mail_auth::AuthenticatedMessage<'a>> {
    let usable = parsed.filter(|m| {
        let root = m.root_part();
        !root.headers.is_empty()
            && root.raw_body_offset() as usize <= raw.len()
            && root.headers.iter().all(|h| {
                h.offset_field < h.offset_start
                    && h.offset_start <= h.offset_end
                    && h.offset_end as usize <= raw.len()
            })
    });
    match usable {
        Some(m) => Some(mail_auth::AuthenticatedMessage::from_parsed(m, raw, true)),
        None => mail_auth::AuthenticatedMessage::parse(raw),
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
    trace: Option<(std::sync::Arc<crate::store::TraceRecord>, usize)>,
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
    // Only queued mail names the envelope in the write (most messages are only delivered).
    let queued = !plan.messages.is_empty() || !plan.outbound.is_empty();
    let (queue_id, mail_from) = if queued {
        (envelope.queue_id.clone(), envelope.mail_from.clone())
    } else {
        (String::new(), String::new())
    };
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
                    None => {
                        let key = (mailbox.id, copy_key(&d.recipient));
                        match target_of.get(&key) {
                            Some(&i) => merge_flags(&mut targets[i].1, &d.flags),
                            None => {
                                target_of.insert(key, targets.len());
                                targets.push((mailbox.id, d.flags.clone()));
                                copies.push(folder_class(&mailbox));
                            }
                        }
                    }
                    // A copy edited by Sieve is a different message of its own (stored once
                    // per mailbox and content as well).
                    Some(content) => {
                        if edited.iter().any(|(id, c)| *id == mailbox.id && *c == content) {
                            continue;
                        }
                        edited.push((mailbox.id, content));
                        copies.push(folder_class(&mailbox));
                        let content = plan.with_headers(content);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn envelope() -> Envelope {
        Envelope {
            queue_id: "Q".into(),
            mail_from: "a@sender.example".into(),
            recipients: vec!["b@example.com".into()],
            helo: "mta.sender.example".into(),
            client_ip: std::net::IpAddr::from([192, 0, 2, 1]),
            authenticated_as: None,
            tls: None,
        }
    }

    const SIGNATURE: &str = "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=sender.example;\r\n\
        \ts=sel; h=From:To:Subject; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;\r\n\
        \tb=dGVzdA==\r\n";

    /// What sender authentication reads from the pipeline's parse is what mail-auth's own
    /// parser reads: the same header fields, From addresses, signatures and body hashes.
    #[test]
    fn the_auth_view_from_the_one_parse_matches_mail_auths_own_parse() {
        let messages = [
            format!(
                "{SIGNATURE}Received: from x by y; Mon, 1 Jan 2024 10:00:00 +0000\r\n\
                 From: \"A\" <A@Sender.example>, b@other.example\r\nTo: b@example.com\r\n\
                 Subject: =?UTF-8?Q?caf=C3=A9?=\r\nDate: Mon, 1 Jan 2024 10:00:00 +0000\r\n\
                 Message-ID: <m@sender.example>\r\nMIME-Version: 1.0\r\n\
                 Content-Type: multipart/alternative; boundary=B\r\n\r\n\
                 --B\r\nContent-Type: text/plain\r\n\r\nhello  \r\n\r\n--B--\r\n"
            ),
            "From: a@sender.example\r\nSubject: folded\r\n  over two lines\r\n\r\nbody\r\n".into(),
            "From: a@sender.example\r\nSubject: no body\r\n".into(),
            "From: a@sender.example\nSubject: bare LF\n\nbody\n".into(),
        ];
        for m in &messages {
            let received = Received::parse(envelope(), m.as_bytes().to_vec(), true);
            let own = mail_auth::AuthenticatedMessage::parse(m.as_bytes()).expect("parses");
            let view = received.authenticated().expect("auth view");
            assert_eq!(view.from, own.from, "{m}");
            assert_eq!(view.headers, own.headers, "{m}");
            assert_eq!(view.body_offset, own.body_offset, "{m}");
            assert_eq!(view.body_hashes, own.body_hashes, "{m}");
            assert_eq!(view.dkim_headers.len(), own.dkim_headers.len(), "{m}");
            assert_eq!(view.errors.len(), own.errors.len(), "{m}");
            assert_eq!(view.received_headers_count, own.received_headers_count);
            assert_eq!(view.date_header_present, own.date_header_present);
            assert_eq!(
                view.message_id_header_present,
                own.message_id_header_present
            );
            assert!(received.context().parsed.is_some());
        }
    }

    /// Hostile shapes: never a panic, and a view only where mail-auth's parser finds headers.
    #[test]
    fn odd_messages_parse_without_panicking() {
        let deep = "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n".repeat(200);
        let odd: Vec<Vec<u8>> = vec![
            Vec::new(),
            b"\r\n\r\n".to_vec(),
            b"no colon at all\r\n\r\nbody".to_vec(),
            b": empty name\r\n\r\n".to_vec(),
            b"From:\r\n\r\n".to_vec(),
            b"Subject: \x00\xff\xfe\r\n\r\n".to_vec(),
            b"\r\nFrom: after the empty line\r\n".to_vec(),
            format!("Subject: {}\r\n\r\n", "x".repeat(100_000)).into_bytes(),
            deep.into_bytes(),
        ];
        for raw in odd {
            let own = mail_auth::AuthenticatedMessage::parse(&raw).is_some();
            let received = Received::parse(envelope(), raw.clone(), true);
            if !own {
                // No header section for mail-auth: none from the one parse either (or the
                // same answer mail-auth gives).
                assert!(
                    received.authenticated().is_none()
                        || received
                            .authenticated()
                            .is_some_and(|a| !a.headers.is_empty()),
                );
            }
            let _ = received.context().subject();
            assert_eq!(received.into_parts().1, raw);
        }
    }

    /// A large message: sender authentication's view first, the full parse with the stages;
    /// both read the same message as a small one's single parse.
    #[tokio::test]
    async fn a_large_message_is_parsed_in_two_steps_with_the_same_result() {
        let body = "Some text of a long newsletter, line after line.\r\n".repeat(3000);
        let raw = format!("{SIGNATURE}From: a@sender.example\r\nSubject: large\r\n\r\n{body}")
            .into_bytes();
        assert!(raw.len() > PARSE_INLINE_MAX);
        let received = Received::receive(envelope(), raw.clone(), true)
            .await
            .unwrap();
        let own = mail_auth::AuthenticatedMessage::parse(&raw).unwrap();
        assert_eq!(received.authenticated(), Some(&own));
        let (received, _) = received.strip_forged("mx.example.com");
        let received = received.complete();
        assert_eq!(received.context().subject(), Some("large"));
        let small = Received::parse(envelope(), raw.clone(), true);
        assert_eq!(
            small.authenticated().map(|a| &a.body_hashes),
            Some(&own.body_hashes)
        );
        // Unchecked mail: nothing parsed before the stages.
        let unchecked = Received::receive(envelope(), raw, false).await.unwrap();
        assert!(unchecked.authenticated().is_none());
        assert_eq!(unchecked.complete().context().subject(), Some("large"));
    }

    /// Forged Authentication-Results fields are removed, and the stages read the message as it
    /// is stored (parsed again); the sender-authentication result stays.
    #[test]
    fn stripping_forged_results_parses_the_stored_message() {
        let raw = b"Authentication-Results: mx.example.com; spf=pass\r\nFrom: a@sender.example\r\n\
                    Subject: s\r\n\r\nbody\r\n"
            .to_vec();
        let mut received = Received::parse(envelope(), raw, true);
        received.set_auth(InboundAuth {
            report: crate::auth::AuthReport {
                spf: crate::auth::Outcome::Pass,
                spf_domain: "sender.example".into(),
                dkim: Vec::new(),
                arc: crate::auth::Outcome::None,
                dmarc: crate::auth::Outcome::None,
                from_domain: None,
                dmarc_policy: None,
                header: "mx.example.com; spf=pass".into(),
            },
            dmarc_reject: crate::config::DmarcAction::Reject,
            dmarc_quarantine: crate::config::DmarcAction::Quarantine,
        });
        assert!(received.context().auth.is_some());
        let (kept, removed) = received.strip_forged("other.example");
        assert_eq!(removed, 0);
        let (stripped, removed) = kept.strip_forged("mx.example.com");
        assert_eq!(removed, 1);
        assert!(!stripped.raw().starts_with(b"Authentication-Results"));
        let ctx = stripped.context();
        assert!(ctx.auth.is_some(), "the result survives the new parse");
        let parsed = ctx.parsed.as_ref().expect("parsed");
        assert!(parsed.header("Authentication-Results").is_none());
        assert_eq!(ctx.subject(), Some("s"));
    }
}
