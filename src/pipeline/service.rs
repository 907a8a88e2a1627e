//! The pipeline as the service protocol sessions call: `check_rcpt` for each envelope recipient
//! (checks that need only the envelope: the directory, relay denial, the plugins'
//! `check-recipient` hooks), and `process` at the end of the message (sender authentication,
//! the stages, the durable store write). Sessions only turn the answers into their replies.

use std::sync::Arc;

use super::{DeliveryPlan, Envelope, InboundAuth, PipelineError, Verdict, spawn_blocking, stages};
use crate::auth::{Inbound, SenderAuth};
use crate::directory::{Directory, Recipient};
use crate::metrics::{self, PipelineOutcome, Refused};
use crate::plugins::PluginHost;
use crate::sieve::SieveRunner;
use crate::store::{KvWrite, Store};

/// A refusal: SMTP-shaped (code, RFC 3463 enhanced code, text), as every door that takes mail
/// speaks SMTP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub code: u16,
    pub enhanced: String,
    pub text: String,
}

impl Refusal {
    pub fn new(code: u16, enhanced: &str, text: impl Into<String>) -> Refusal {
        Refusal {
            code,
            enhanced: enhanced.to_string(),
            text: text.into(),
        }
    }

    fn tempfail(text: &str) -> Refusal {
        Refusal::new(451, "4.3.0", text)
    }
}

fn mailbox_full(recipient: &str) -> Refusal {
    Refusal::new(452, "4.2.2", format!("<{recipient}>: Mailbox full"))
}

/// A recipient refused at RCPT TO, counted by reason (`metrics`).
fn refuse(reason: Refused, refusal: Refusal) -> RcptCheck {
    metrics::refused(reason);
    RcptCheck::Refuse(refusal)
}

/// What `check_rcpt` decided for one recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RcptCheck {
    /// A local recipient.
    Accept,
    /// A remote recipient of an authenticated sender (the outbound queue).
    Relay,
    Refuse(Refusal),
}

/// What became of a message handed to `process`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Durable in the store: `local` copies (and the outbound queue, if any).
    Stored { local: usize },
    /// Accepted and dropped by a filter.
    Discarded,
    /// Refused, permanently (5xx) or for now (4xx).
    Refused(Refusal),
}

/// The one way through the house for a message.
pub struct Pipeline {
    pub(super) store: Store,
    pub(super) directory: Directory,
    pub plugins: Option<Arc<PluginHost>>,
    /// SPF/DKIM/DMARC checks of inbound mail; `None` runs none (tests).
    pub sender_auth: Option<Arc<SenderAuth>>,
    /// Users' and the administrator's Sieve scripts; `None` runs none.
    pub sieve: Option<Arc<SieveRunner>>,
    /// Rules for mail of logged-in users (`submission.rs`).
    pub submission: Arc<crate::config::SubmissionConfig>,
    /// Verifies bounces to SRS addresses of ours and sends them back (`None`: no SRS).
    pub srs: Option<Arc<crate::srs::Srs>>,
    /// This server's name (`hostname`): notices to the postmaster name it.
    pub hostname: String,
    /// Message traces kept in the store (`[store] trace_records`; 0: none).
    pub trace_records: usize,
    /// The inbound stage list, built at the first message (not per message), with the plugin
    /// host and Sieve runner it was built from (`inbound_stages`).
    inbound: std::sync::OnceLock<CachedStages>,
}

/// A stage list and the identities of the plugin host and Sieve runner it holds.
struct CachedStages {
    plugins: usize,
    sieve: usize,
    stages: Arc<Vec<Box<dyn stages::Stage>>>,
}

/// The address of what an optional `Arc` points to (0: none), to tell whether a field changed.
fn identity<T>(a: Option<&Arc<T>>) -> usize {
    a.map_or(0, |a| Arc::as_ptr(a) as usize)
}

impl Pipeline {
    pub fn new(store: Store, directory: Directory) -> Pipeline {
        Pipeline {
            store,
            directory,
            plugins: None,
            sender_auth: None,
            sieve: None,
            submission: Default::default(),
            srs: None,
            hostname: "localhost".into(),
            trace_records: crate::config::DEFAULT_TRACE_RECORDS,
            inbound: std::sync::OnceLock::new(),
        }
    }

    /// Envelope-only checks at `RCPT TO`, so refusals happen per recipient before the body.
    /// The directory first: an unknown user is `550 5.1.1` whatever the plugins say, and plugins
    /// only ever see recipients this server would accept.
    pub async fn check_rcpt(&self, envelope: &Envelope, recipient: &str) -> RcptCheck {
        if let Some(srs) = self.srs_recipient(recipient) {
            return match srs {
                Ok(_) => RcptCheck::Accept,
                Err(e) => {
                    tracing::info!(%recipient, error = %e, "SRS address refused");
                    refuse(
                        Refused::UnknownUser,
                        Refusal::new(
                            550,
                            "5.1.1",
                            format!("<{recipient}>: Recipient address rejected: {e}"),
                        ),
                    )
                }
            };
        }
        let check = match self.directory.resolve(recipient) {
            // Already full: refused at once (RFC 3463 §3.3 4.2.2; RFC 5321 452), so the sender
            // keeps the message and retries, and others of the transaction still get it.
            Ok(Recipient::Local { account, .. }) if self.over_quota(&account) => {
                tracing::info!(%recipient, "recipient refused: mailbox full");
                refuse(Refused::Quota, mailbox_full(recipient))
            }
            Ok(Recipient::Local { .. }) => RcptCheck::Accept,
            Ok(Recipient::Redirect(_)) => RcptCheck::Accept,
            // RFC 5321 §3.6.2: relaying only for authenticated users, never an open relay.
            Ok(Recipient::Remote) if envelope.authenticated_as.is_some() => RcptCheck::Relay,
            Ok(Recipient::Remote) => refuse(
                Refused::Relay,
                Refusal::new(554, "5.7.1", format!("<{recipient}>: Relay access denied")),
            ),
            Ok(Recipient::UnknownUser) => refuse(
                Refused::UnknownUser,
                Refusal::new(
                    550,
                    "5.1.1",
                    format!("<{recipient}>: Recipient address rejected: User unknown"),
                ),
            ),
            Err(e) => {
                tracing::error!(error = %e, "recipient lookup failed");
                refuse(
                    Refused::Temporary,
                    Refusal::tempfail("Temporary lookup failure, try again later"),
                )
            }
        };
        if (check == RcptCheck::Accept || check == RcptCheck::Relay)
            && let Some(refusal) = self.check_daily_limit(envelope).await
        {
            // Counted by `check_daily_limit`, which knows why.
            return RcptCheck::Refuse(refusal);
        }
        if check == RcptCheck::Accept || check == RcptCheck::Relay {
            if let Some((reason, refusal)) = self.plugin_check_recipient(envelope, recipient).await
            {
                return refuse(reason, refusal);
            }
        }
        check
    }

    /// Whether a local account is at or over its storage quota (a store error: not refused).
    fn over_quota(&self, account: &crate::store::Account) -> bool {
        match self.store.dir_read().over_quota(account) {
            Ok(over) => over,
            Err(e) => {
                tracing::warn!(error = %e, "quota check failed");
                false
            }
        }
    }

    /// For an SRS address at one of our domains: where a bounce to it goes back to, or why it
    /// is refused (forged, expired). `None` for any other address.
    fn srs_recipient(&self, recipient: &str) -> Option<Result<String, crate::srs::SrsError>> {
        let srs = self.srs.as_ref()?;
        let (local, domain) = recipient.rsplit_once('@')?;
        if !crate::srs::is_srs(local) {
            return None;
        }
        // Only our domains' SRS addresses are ours to verify (a lookup failure: not ours, the
        // directory answers it below).
        self.directory.domain(domain).ok()??;
        Some(srs.reverse(local, chrono::Utc::now().timestamp()))
    }

    /// The envelope's SRS recipients, taken out and turned back into the addresses they stand
    /// for (RCPT TO verified them), for the outbound queue.
    fn srs_returns(&self, envelope: &mut Envelope) -> Vec<String> {
        let mut back = Vec::new();
        envelope.recipients.retain(|r| match self.srs_recipient(r) {
            Some(Ok(original)) => {
                tracing::info!(recipient = %r, to = %original, "SRS bounce sent back");
                back.push(original);
                false
            }
            // Checked at RCPT TO; expired since (a long transaction): dropped, as refused then.
            Some(Err(e)) => {
                tracing::info!(recipient = %r, error = %e, "SRS address no longer valid");
                false
            }
            None => true,
        });
        back
    }

    /// ARC-seals (RFC 8617) the messages Sieve forwards (a redirect: its envelope sender was
    /// rewritten to an SRS address of the forwarding domain) of inbound mail we checked, with
    /// that domain's DKIM key. A message that cannot be sealed leaves unsealed.
    async fn arc_seal_forwarded(&self, envelope: &Envelope, plan: &mut DeliveryPlan) {
        let Some(sa) = &self.sender_auth else {
            return;
        };
        for m in &mut plan.messages {
            let Some((local, domain)) = m.mail_from.rsplit_once('@') else {
                continue;
            };
            if !crate::srs::is_srs(local) {
                continue;
            }
            let key = match self.directory.domain(domain) {
                Ok(Some(d)) => d.dkim,
                _ => None,
            };
            let Some(key) = key else {
                continue;
            };
            let inbound = Inbound {
                client_ip: envelope.client_ip,
                helo: &envelope.helo,
                mail_from: &envelope.mail_from,
                raw: &m.raw,
            };
            match sa.arc_seal(&key, domain, &inbound).await {
                Ok(set) => {
                    let mut raw = set.into_bytes();
                    raw.extend_from_slice(&m.raw);
                    m.raw = raw;
                }
                Err(e) => tracing::info!(error = %e, "forwarded message not ARC-sealed"),
            }
        }
    }

    /// The plugins' `check-recipient` hooks, for a recipient the directory accepted.
    async fn plugin_check_recipient(
        &self,
        envelope: &Envelope,
        recipient: &str,
    ) -> Option<(Refused, Refusal)> {
        let host = self.plugins.clone()?;
        if !host
            .registry()
            .snapshot()
            .iter()
            .any(|p| p.has_hook(crate::plugins::types::Hook::CheckRecipient))
        {
            return None;
        }
        let permit = host.permit().await;
        let env = crate::plugins::view::envelope(envelope);
        let rcpt = recipient.to_string();
        let outcome = spawn_blocking(move || {
            let _permit = permit;
            host.check_recipient(&env, &rcpt)
        })
        .await;
        let outcome = match outcome {
            Ok(o) => o,
            Err(e) => {
                tracing::error!(error = %e, "check-recipient task failed");
                return Some((
                    Refused::Temporary,
                    Refusal::tempfail("Temporary failure checking the recipient"),
                ));
            }
        };
        self.keep_plugin_kv(outcome.kv_writes).await;
        // A plugin that failed closed refused no one: a temporary failure of ours.
        let reason = outcome
            .refused_by
            .as_deref()
            .map_or(Refused::Temporary, Refused::by_plugin);
        outcome
            .refusal
            .map(|r| (reason, Refusal::new(r.code, &r.enhanced, r.text)))
    }

    /// The end of a message: sender authentication, the stages, then the store write. Returns
    /// only when the outcome is final: `Stored` means durable (committed), so the session may
    /// acknowledge it.
    pub async fn process(&self, envelope: Envelope, raw: Vec<u8>) -> Outcome {
        let started = std::time::Instant::now();
        let outcome = self.process_message(envelope, raw).await;
        let class = match &outcome {
            Outcome::Stored { .. } => PipelineOutcome::Stored,
            Outcome::Discarded => PipelineOutcome::Discarded,
            Outcome::Refused(_) => PipelineOutcome::Refused,
        };
        metrics::global().pipeline(class, started.elapsed());
        outcome
    }

    /// [`Pipeline::process`] without the latency measurement; counts refusals by reason.
    async fn process_message(&self, mut envelope: Envelope, raw: Vec<u8>) -> Outcome {
        let srs_returns = self.srs_returns(&mut envelope);
        let checks_sender = self
            .sender_auth
            .as_ref()
            .is_some_and(|sa| !sa.exempt(envelope.client_ip, envelope.authenticated_as.is_some()));
        // When each phase ended, for `metrics::pipeline_phases` (a stored message's only).
        let started = std::time::Instant::now();
        let mut authenticated = started;
        let stages = match super::Received::receive(envelope, raw, checks_sender).await {
            Ok(received) => {
                let received = self.authenticate_sender(received).await;
                authenticated = std::time::Instant::now();
                let checked = received.auth().is_some();
                let trace_auth = received.auth().map(|a| super::trace::auth(&a.report));
                self.run_stages(received)
                    .await
                    .map(|x| (x, checked, trace_auth))
            }
            Err(e) => Err(e),
        };
        let ((mut plan, envelope, raw), checked, trace_auth) = match stages {
            Ok(x) => x,
            Err(e) => {
                tracing::error!(error = %e, "pipeline failed");
                metrics::refused(Refused::Temporary);
                return Outcome::Refused(Refusal::tempfail(
                    "Temporary failure while processing the message",
                ));
            }
        };
        let mut trace = super::trace::record(&envelope, raw.len(), trace_auth, &mut plan);
        if plan.verdict == Verdict::Accept {
            plan.outbound.extend(srs_returns);
            super::redirects::forward(
                &mut plan,
                &envelope,
                &raw,
                self.srs.as_deref(),
                &self.directory,
            );
            if checked {
                self.arc_seal_forwarded(&envelope, &mut plan).await;
            }
        }
        let refusal = match &plan.verdict {
            Verdict::Accept | Verdict::Discard => None,
            Verdict::Reject {
                code,
                enhanced,
                text,
            }
            | Verdict::TempFail {
                code,
                enhanced,
                text,
            } => Some(Refusal::new(*code, enhanced, text.clone())),
        };
        if let Some(refusal) = refusal {
            tracing::info!(code = refusal.code, text = %refusal.text, "message refused");
            metrics::refused(plan.refused.unwrap_or(Refused::Other));
            self.trace_refused(trace, &refusal);
            // What plugins stored while judging the message (counters, reputations) is kept
            // even when it is refused.
            self.keep_plugin_kv(plan.plugin_kv).await;
            return Outcome::Refused(refusal);
        }
        if plan.verdict == Verdict::Accept && !plan.deliveries.is_empty() {
            let hostname = match (&self.sieve, &self.sender_auth) {
                (Some(s), _) => s.hostname().to_string(),
                (None, Some(a)) => a.hostname().to_string(),
                (None, None) => "localhost".to_string(),
            };
            super::quota::split_full_recipients(&self.store, &hostname, &envelope, &mut plan, &raw);
        }
        let size = raw.len();
        let local = plan.deliveries.len();
        let discarded = plan.verdict == Verdict::Discard;
        super::trace::finish(&mut trace, &plan);
        // Shared, not copied: the write holds one reference, this one is for a failed write's
        // refusal (by then the writer has dropped its own, so nothing is cloned).
        let kept = (self.trace_records > 0).then(|| Arc::new(trace));
        let traced = kept.clone().map(|t| (t, self.trace_records));
        let staged = std::time::Instant::now();
        let outcome = match super::deliver(&self.store, &envelope, plan, raw, traced).await {
            Ok(()) if discarded => {
                tracing::info!(size, "message discarded");
                Outcome::Discarded
            }
            Ok(()) => {
                metrics::global().pipeline_phases(
                    authenticated.saturating_duration_since(started),
                    staged.saturating_duration_since(authenticated),
                    staged.elapsed(),
                );
                tracing::debug!(size, local, "message stored");
                self.record_sent(&envelope).await;
                Outcome::Stored { local }
            }
            // A recipient would go over its quota with this message: nothing was stored (one
            // transaction), so the whole message is deferred and the sender retries.
            Err(super::PipelineError::Store(crate::store::StoreError::OverQuota(_))) => {
                tracing::info!(size, "message refused: a recipient's mailbox is full");
                metrics::refused(Refused::Quota);
                Outcome::Refused(Refusal::new(
                    452,
                    "4.2.2",
                    "Mailbox full: the message would exceed a recipient's storage quota",
                ))
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot store the message");
                metrics::refused(Refused::Temporary);
                Outcome::Refused(Refusal::tempfail(
                    "Temporary failure storing the message, try again later",
                ))
            }
        };
        // The delivery's write held the record; a failed one took it along.
        if let (Outcome::Refused(refusal), Some(trace)) = (&outcome, kept) {
            self.trace_refused(Arc::unwrap_or_clone(trace), refusal);
        }
        outcome
    }

    /// Records the trace of a refused message in a deferred write (no fsync of its own; the
    /// cap bounds what a flood of refused mail keeps).
    fn trace_refused(&self, mut trace: crate::store::TraceRecord, refusal: &Refusal) {
        if self.trace_records == 0 {
            return;
        }
        trace.outcome = "refused".into();
        trace.folders.clear();
        trace.reply = Some(format!(
            "{} {} {}",
            refusal.code, refusal.enhanced, refusal.text
        ));
        let cap = self.trace_records;
        self.store
            .write_deferred(move |tx| tx.trace_append(&trace, cap));
    }

    /// Runs the stages on the message parsed once (`Received`) on a blocking thread (running
    /// WebAssembly is CPU work that must not stall the async reactor). Waits for a plugin slot
    /// first, so at most about one message per core runs plugins.
    async fn run_stages(
        &self,
        received: super::Received,
    ) -> Result<(DeliveryPlan, Envelope, Vec<u8>), PipelineError> {
        let envelope = received.envelope();
        let permit = match &self.plugins {
            Some(host) if !host.registry().snapshot().is_empty() => host.permit().await,
            _ => None,
        };
        let stages = if envelope.authenticated_as.is_some() {
            Arc::new(stages::submission(
                &self.directory,
                &self.store,
                self.plugins.as_ref(),
                self.sieve.as_ref(),
                &self.submission,
                &self.hostname,
            ))
        } else {
            self.inbound_stages()
        };
        spawn_blocking(move || {
            let _permit = permit;
            let received = received.complete();
            let plan = stages::run(&stages, received.context());
            plan.map(|plan| {
                let (envelope, raw) = received.into_parts();
                (plan, envelope, raw)
            })
        })
        .await
        .map_err(|e| PipelineError::Stage(format!("pipeline task failed: {e}")))?
    }

    /// The inbound stage list, the same for every message: built once (the fields it is made
    /// of are set when the server starts); should `plugins` or `sieve` be replaced after the
    /// first message, a list is built for each message from the current ones instead.
    fn inbound_stages(&self) -> Arc<Vec<Box<dyn stages::Stage>>> {
        let (plugins, sieve) = (
            identity(self.plugins.as_ref()),
            identity(self.sieve.as_ref()),
        );
        let build = || {
            Arc::new(stages::inbound(
                &self.directory,
                &self.store,
                self.plugins.as_ref(),
                self.sieve.as_ref(),
            ))
        };
        let cached = self.inbound.get_or_init(|| CachedStages {
            plugins,
            sieve,
            stages: build(),
        });
        if cached.plugins == plugins && cached.sieve == sieve {
            cached.stages.clone()
        } else {
            build()
        }
    }

    /// Checks the sender of an inbound message (not of authenticated or trusted clients), then
    /// removes Authentication-Results fields that claim to be ours (RFC 8601 §5) — after the
    /// checks, so that DKIM verifies the message as it was signed. This is the one stage that
    /// waits on the network (DNS), so it runs before the others, on the async side.
    async fn authenticate_sender(&self, mut received: super::Received) -> super::Received {
        let Some(sa) = &self.sender_auth else {
            return received;
        };
        let envelope = received.envelope();
        let inbound = if sa.exempt(envelope.client_ip, envelope.authenticated_as.is_some()) {
            None
        } else {
            let report = sa
                .check_parsed(
                    &Inbound {
                        client_ip: envelope.client_ip,
                        helo: &envelope.helo,
                        mail_from: &envelope.mail_from,
                        raw: received.raw(),
                    },
                    received.authenticated(),
                )
                .await;
            tracing::debug!(
                spf = report.spf.name(),
                dkim = report.dkim_summary().name(),
                dmarc = report.dmarc.name(),
                from_domain = report.from_domain.as_deref().unwrap_or(""),
                "sender authentication"
            );
            // For the message's one line at info: the SMTP session's transaction span declares
            // `auth` (elsewhere this records nothing).
            tracing::Span::current().record(
                "auth",
                tracing::field::display(format_args!(
                    "spf={} dkim={} dmarc={} from_domain={}",
                    report.spf.name(),
                    report.dkim_summary().name(),
                    report.dmarc.name(),
                    report.from_domain.as_deref().unwrap_or("")
                )),
            );
            Some(InboundAuth {
                report,
                dmarc_reject: sa.config().dmarc_reject,
                dmarc_quarantine: sa.config().dmarc_quarantine,
            })
        };
        if let Some(inbound) = inbound {
            received.set_auth(inbound);
        }
        let (received, removed) = received.strip_forged(sa.hostname());
        if removed > 0 {
            tracing::info!(removed, "removed forged Authentication-Results fields");
        }
        received
    }

    /// Commits plugins' key-value writes that come without a delivery (a recipient check, a
    /// refused message). A delivered message commits them in its own store write.
    async fn keep_plugin_kv(&self, writes: Vec<KvWrite>) {
        if let Err(e) = super::commit_plugin_kv(&self.store, writes).await {
            tracing::warn!(error = %e, "cannot store plugin key-value writes");
        }
    }
}
