//! Mail of logged-in users (the submission listeners, RFC 6409): who they may send as, their
//! sending limits, and the stages only submitted mail goes through (the From header check,
//! the submission plugins and the outgoing spam check).
//!
//! Envelope checks answer at the command they concern: MAIL FROM (sender owned, hourly rate)
//! and RCPT TO (daily recipient cap). Header checks are a stage, at the end of DATA.
//!
//! Counting: a message counts once it is stored (`record_sent`), in the store, so limits
//! survive restarts; each account's record is bounded (`store/sending.rs`). Concurrent
//! sessions of one account may each pass a check before either is counted, so an account can
//! exceed a limit by its number of concurrent sessions, no more.
//!
//! Plugins: submitted mail runs only the plugins named in `[submission] plugins` (the
//! attachments and spam plugins by default), chosen by the host by name. Plugins written for
//! inbound mail (promotions, allow/block lists, third-party filters) would otherwise judge a
//! user's own outgoing mail as if it came from outside, and each would have to learn to look
//! at `authenticated_user` to stay out of it; a plugin that wants outgoing mail is listed by
//! the administrator (and sees `authenticated_user` in the envelope).

use std::sync::Arc;

use super::{DeliveryPlan, MessageContext, Pipeline, PipelineError, Refusal, Verdict};
use crate::config::SubmissionConfig;
use crate::directory::Directory;
use crate::directory::senders::may_send_as;
use crate::metrics::{self, Refused};
use crate::plugins::PluginHost;
use crate::store::{Account, Store};
use crate::values::Envelope;

/// The name of the plugin whose score the outgoing spam check reads.
const SPAM_PLUGIN: &str = "spam";

// The refusals of MAIL FROM and RCPT TO below are counted (`metrics`) where they are made.
fn not_owned() -> Refusal {
    metrics::refused(Refused::Sender);
    Refusal::new(553, "5.7.1", "Sender address not owned by user")
}

fn lookup_failed(e: impl std::fmt::Display) -> Refusal {
    tracing::error!(error = %e, "sender lookup failed");
    metrics::refused(Refused::Temporary);
    Refusal::new(451, "4.3.0", "Temporary lookup failure, try again later")
}

impl Pipeline {
    /// MAIL FROM of a logged-in user: the address must be theirs (`directory::senders`), and
    /// the hourly rate not reached. `None` accepts; mail of sessions without login is not
    /// checked here.
    pub async fn check_mail(&self, envelope: &Envelope) -> Option<Refusal> {
        let login = envelope.authenticated_as.as_deref()?;
        let (account, allowed) = match self.directory.sender_identity(login) {
            Ok(Some(x)) => x,
            Ok(None) => return Some(not_owned()),
            Err(e) => return Some(lookup_failed(e)),
        };
        // The null reverse-path (MDNs, RFC 8098) names no one; the From header still must.
        if !envelope.mail_from.is_empty() && !may_send_as(&allowed, &envelope.mail_from) {
            tracing::info!(account = %account.address, mail_from = %envelope.mail_from, "MAIL FROM refused: sender address not owned");
            return Some(not_owned());
        }
        let limit = account
            .sending
            .per_hour
            .unwrap_or(self.submission.messages_per_hour);
        if limit == 0 {
            return None;
        }
        let now = chrono::Utc::now().timestamp();
        let sent = match self.store.read().and_then(|r| r.send_record(account.id)) {
            Ok(r) => r.messages_last_hour(now),
            Err(e) => return Some(lookup_failed(e)),
        };
        if sent < limit as usize {
            return None;
        }
        self.limit_tripped(&account, "messages per hour").await;
        metrics::refused(Refused::RateLimit);
        // RFC 3463 X.7.1: delivery not authorized; 4xx: it will be, later.
        Some(Refusal::new(
            451,
            "4.7.1",
            format!("Sending limit reached ({limit} messages per hour), try again later"),
        ))
    }

    /// RCPT TO of a logged-in user: refused once the recipients of the last 24 hours and
    /// those accepted in this transaction reach the daily cap.
    pub(super) async fn check_daily_limit(&self, envelope: &Envelope) -> Option<Refusal> {
        let login = envelope.authenticated_as.as_deref()?;
        let account = match self.directory.sender_identity(login) {
            Ok(Some((a, _))) => a,
            Ok(None) => return Some(not_owned()),
            Err(e) => return Some(lookup_failed(e)),
        };
        let limit = account
            .sending
            .per_day
            .unwrap_or(self.submission.recipients_per_day);
        if limit == 0 {
            return None;
        }
        let now = chrono::Utc::now().timestamp();
        let sent = match self.store.read().and_then(|r| r.send_record(account.id)) {
            Ok(r) => r.recipients_last_day(now),
            Err(e) => return Some(lookup_failed(e)),
        };
        if sent + (envelope.recipients.len() as u64) < u64::from(limit) {
            return None;
        }
        self.limit_tripped(&account, "recipients per day").await;
        metrics::refused(Refused::RateLimit);
        Some(Refusal::new(
            550,
            "5.7.1",
            format!("Daily sending limit reached ({limit} recipients per day)"),
        ))
    }

    /// Counts a limit refusal, and flags the account when its limits keep tripping.
    async fn limit_tripped(&self, account: &Account, limit: &'static str) {
        tracing::info!(account = %account.address, limit, "sending limit reached");
        trip(&self.store, account, limit, self.submission.flag_after).await;
    }

    /// Counts a stored message of a logged-in user against its limits.
    pub(super) async fn record_sent(&self, envelope: &Envelope) {
        let Some(login) = envelope.authenticated_as.as_deref() else {
            return;
        };
        let account = match self.directory.sender_identity(login) {
            Ok(Some((a, _))) => a,
            Ok(None) => return,
            Err(e) => {
                tracing::warn!(error = %e, "cannot count a sent message");
                return;
            }
        };
        let now = chrono::Utc::now().timestamp();
        let recipients = u32::try_from(envelope.recipients.len()).unwrap_or(u32::MAX);
        let id = account.id;
        if let Err(e) = self
            .store
            .write(move |tx| tx.record_sent(id, now, recipients))
            .await
        {
            tracing::warn!(account = %account.address, error = %e, "cannot count a sent message");
        }
    }
}

async fn trip(store: &Store, account: &Account, why: &'static str, flag_after: u32) {
    let now = chrono::Utc::now().timestamp();
    let id = account.id;
    match store
        .write(move |tx| tx.record_trip(id, now, flag_after))
        .await
    {
        Ok(true) => flagged(account, why),
        Ok(false) => {}
        Err(e) => tracing::warn!(error = %e, "cannot record a sending limit refusal"),
    }
}

fn flagged(account: &Account, why: &str) {
    tracing::warn!(
        account = %account.address,
        reason = why,
        "account flagged: its sending limits keep tripping (see `mailsift account show`)"
    );
}

/// The From header of submitted mail must name addresses the user may send as (and so must
/// Sender, Resent-From and Resent-Sender, when there are: RFC 5322 §3.6.6, they name who
/// resent it).
pub struct FromHeader {
    pub directory: Directory,
}

impl super::stages::Stage for FromHeader {
    fn name(&self) -> &'static str {
        "from-header"
    }

    fn run(&self, plan: &mut DeliveryPlan, ctx: &MessageContext<'_>) -> Result<(), PipelineError> {
        let Some(login) = ctx.envelope.authenticated_as.as_deref() else {
            return Ok(());
        };
        let Some((account, allowed)) = self.directory.sender_identity(login)? else {
            plan.verdict = reject(553, "5.7.1", "Sender address not owned by user");
            return Ok(());
        };
        let Some(parsed) = &ctx.parsed else {
            return Ok(());
        };
        let mut froms = 0;
        for name in ["From", "Sender", "Resent-From", "Resent-Sender"] {
            for value in parsed.header_values(name) {
                if name == "From" {
                    froms += 1;
                }
                let addresses: Vec<&str> = match value.as_address() {
                    Some(a) => a
                        .iter()
                        .map(|a| a.address.as_deref().unwrap_or(""))
                        .collect(),
                    None => vec![""],
                };
                if let Some(bad) = addresses.iter().find(|a| !may_send_as(&allowed, a)) {
                    tracing::info!(account = %account.address, header = name, address = %bad, "message refused: sender address not owned");
                    plan.verdict = reject(553, "5.7.1", "Sender address not owned by user");
                    return Ok(());
                }
            }
        }
        if froms == 0 {
            // RFC 5322 §3.6: From is required; without it the message names no sender to check.
            plan.verdict = reject(550, "5.6.0", "Message has no From header");
        }
        Ok(())
    }
}

fn reject(code: u16, enhanced: &str, text: &str) -> Verdict {
    Verdict::Reject {
        code,
        enhanced: enhanced.into(),
        text: text.into(),
    }
}

/// The plugins `[submission] plugins` lists, then the outgoing spam check on the spam
/// plugin's score: at `spam_threshold` the message is refused, the administrator is told (a
/// warning naming the account, and a notice into the postmaster's mailbox at most once per
/// account per `notice_interval`) and the refusal counts towards flagging the account.
pub struct SubmissionPlugins {
    pub host: Arc<PluginHost>,
    pub store: Store,
    pub directory: Directory,
    pub config: Arc<SubmissionConfig>,
    /// This server's name, for the notice's sender and the default postmaster's domain.
    pub hostname: String,
}

impl super::stages::Stage for SubmissionPlugins {
    fn name(&self) -> &'static str {
        "submission-plugins"
    }

    fn run(&self, plan: &mut DeliveryPlan, ctx: &MessageContext<'_>) -> Result<(), PipelineError> {
        let scores =
            super::plugins::apply_selected(plan, &self.host, ctx, Some(&self.config.plugins));
        if plan.verdict != Verdict::Accept || self.config.spam_threshold <= 0.0 {
            return Ok(());
        }
        let Some(score) = scores
            .iter()
            .filter(|(p, _)| p == SPAM_PLUGIN)
            .map(|(_, s)| *s)
            .reduce(f64::max)
        else {
            return Ok(());
        };
        if score < self.config.spam_threshold {
            return Ok(());
        }
        let login = ctx.envelope.authenticated_as.as_deref().unwrap_or("");
        tracing::warn!(
            account = %login,
            score,
            threshold = self.config.spam_threshold,
            "outgoing message refused as spam: check the account (compromised password?)"
        );
        plan.refused = Some(Refused::Spam);
        plan.verdict = reject(
            550,
            "5.7.1",
            &format!(
                "Message refused: it looks like spam (score {score:.1}); contact your administrator if this is a mistake"
            ),
        );
        if let Some((account, _)) = self.directory.sender_identity(login)? {
            let (id, now, flag_after) = (
                account.id,
                chrono::Utc::now().timestamp(),
                self.config.flag_after,
            );
            let notice = self.postmaster_notice(&account, score, ctx, now);
            let interval = self.config.notice_interval;
            // On the stage's blocking thread: waiting for the commit is allowed here. The
            // notice's slot is taken in the same write that delivers it.
            match self.store.write_blocking(move |tx| {
                let flags = tx.record_trip(id, now, flag_after)?;
                let told = match &notice {
                    Some(n) if tx.take_notice_slot(id, now, interval)? => {
                        n.deliver(tx, now)?;
                        Some(n.to.clone())
                    }
                    _ => None,
                };
                Ok((flags, told))
            }) {
                Ok((flags, told)) => {
                    if flags {
                        flagged(&account, "outgoing spam");
                    }
                    if let Some(to) = told {
                        tracing::info!(account = %account.address, postmaster = %to, "postmaster notified of outgoing spam");
                    }
                }
                Err(e) => tracing::warn!(error = %e, "cannot record an outgoing spam refusal"),
            }
        }
        Ok(())
    }
}

/// A notice for the postmaster, and where it goes.
struct Notice {
    to: String,
    target: NoticeTarget,
    raw: Vec<u8>,
}

enum NoticeTarget {
    /// The INBOX of a local account.
    Local(crate::store::AccountId),
    /// A remote address: the outbound queue, from the null sender (no bounce of a notice).
    Remote,
}

impl Notice {
    fn deliver(
        &self,
        tx: &mut crate::store::Tx<'_>,
        now: i64,
    ) -> Result<(), crate::store::StoreError> {
        match self.target {
            NoticeTarget::Local(account_id) => {
                if let Some(inbox) = tx.mailbox_tx(account_id, "INBOX")? {
                    tx.deliver(&[(inbox.id, Vec::new())], &self.raw, now)?;
                }
            }
            NoticeTarget::Remote => {
                let queue_id = format!("notice.{now}.{}", rand::random::<u32>());
                tx.enqueue(&queue_id, "", std::slice::from_ref(&self.to), &self.raw)?;
            }
        }
        Ok(())
    }
}

impl SubmissionPlugins {
    /// The postmaster's address: `[submission] postmaster`, else `postmaster@` the primary
    /// local domain (the one `hostname` is in, the longest such; else the first by name),
    /// which recipient resolution routes to the domain's administrator (`mailsift domain
    /// admin`, else its oldest account): so the notice needs no configuration.
    fn postmaster(
        &self,
        read: &crate::store::ReadTx,
    ) -> Result<Option<String>, crate::store::StoreError> {
        if !self.config.postmaster.trim().is_empty() {
            return Ok(Some(self.config.postmaster.trim().to_ascii_lowercase()));
        }
        let primary = crate::directory::aliases::primary_domain(read, &self.hostname)?;
        Ok(primary.map(|d| format!("postmaster@{d}")))
    }

    /// The notice about `account`'s refused message, with where it goes; `None` (logged) when
    /// there is no postmaster mailbox to deliver it to.
    fn postmaster_notice(
        &self,
        account: &Account,
        score: f64,
        ctx: &MessageContext<'_>,
        now: i64,
    ) -> Option<Notice> {
        let found = self.store.read().and_then(|r| {
            let Some(to) = self.postmaster(&r)? else {
                return Ok(None);
            };
            let target = match crate::directory::resolve_in(&r, &to) {
                Ok(crate::directory::Recipient::Local { account, .. }) => {
                    Some(NoticeTarget::Local(account.id))
                }
                Ok(crate::directory::Recipient::Remote) => Some(NoticeTarget::Remote),
                Ok(crate::directory::Recipient::UnknownUser) => None,
                // The postmaster's mail is forwarded: the copy it keeps, if any, gets the notice.
                Ok(crate::directory::Recipient::Redirect(r)) => {
                    r.keep.map(|account| NoticeTarget::Local(account.id))
                }
                Err(e) => {
                    tracing::warn!(error = %e, "cannot look the postmaster up");
                    None
                }
            };
            Ok(Some((to, target)))
        });
        let (to, target) = match found {
            Ok(Some((to, Some(target)))) => (to, target),
            Ok(Some((to, None))) => {
                tracing::warn!(postmaster = %to, "no mailbox for the postmaster: set the domain's administrator (`mailsift domain admin`) or [submission] postmaster");
                return None;
            }
            Ok(None) => return None,
            Err(e) => {
                tracing::warn!(error = %e, "cannot look the postmaster up");
                return None;
            }
        };
        let raw = spam_notice(&NoticeText {
            hostname: &self.hostname,
            to: &to,
            account: &account.address,
            score,
            threshold: self.config.spam_threshold,
            subject: ctx.subject().unwrap_or(""),
            recipients: &ctx.envelope.recipients,
            client_ip: ctx.envelope.client_ip,
            interval: self.config.notice_interval,
            now,
        });
        Some(Notice { to, target, raw })
    }
}

struct NoticeText<'a> {
    hostname: &'a str,
    to: &'a str,
    account: &'a str,
    score: f64,
    threshold: f64,
    subject: &'a str,
    recipients: &'a [String],
    client_ip: std::net::IpAddr,
    interval: u64,
    now: i64,
}

/// Text from a message, fit for one line of the notice: control characters dropped, at most
/// `max` characters.
fn one_line(text: &str, max: usize) -> String {
    let clean: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let mut out: String = clean.trim().chars().take(max).collect();
    if clean.trim().chars().count() > max {
        out.push('…');
    }
    out
}

/// The notice (RFC 5322, `Auto-Submitted: auto-generated` per RFC 3834 so no one answers it).
/// It names the refused message by its subject and recipients, never its content.
fn spam_notice(n: &NoticeText<'_>) -> Vec<u8> {
    let date = chrono::DateTime::from_timestamp(n.now, 0)
        .unwrap_or_default()
        .to_rfc2822();
    let shown: Vec<String> = n
        .recipients
        .iter()
        .take(10)
        .map(|r| one_line(r, 100))
        .collect();
    let more = n.recipients.len().saturating_sub(shown.len());
    let recipients = if more > 0 {
        format!("{} and {more} more", shown.join(", "))
    } else {
        shown.join(", ")
    };
    let account = one_line(n.account, 100);
    let quiet = if n.interval > 0 {
        format!(
            "Further refusals of this account in the next {} minutes are only logged.",
            n.interval.div_ceil(60)
        )
    } else {
        String::new()
    };
    format!(
        "From: Mail system <MAILER-DAEMON@{host}>\r\n\
         To: <{to}>\r\n\
         Subject: Outgoing spam refused from {account}\r\n\
         Date: {date}\r\n\
         Message-ID: <{now}.{rand:08x}.spam-notice@{host}>\r\n\
         Auto-Submitted: auto-generated\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\
         Content-Transfer-Encoding: 8bit\r\n\
         \r\n\
         {host} refused a message submitted by the account {account}: the spam\r\n\
         filter scored it {score:.1} (the limit is {threshold:.1}). The sender was told\r\n\
         \"550 5.7.1 Message refused: it looks like spam\".\r\n\
         \r\n\
         Subject:    {subject}\r\n\
         Recipients: {recipients}\r\n\
         Client:     {ip}\r\n\
         \r\n\
         If the account did not send this, its password may be compromised: see\r\n\
         `mailsift account show {account}` and consider blocking it. {quiet}\r\n",
        host = n.hostname,
        to = n.to,
        now = n.now,
        rand = rand::random::<u32>(),
        score = n.score,
        threshold = n.threshold,
        subject = one_line(n.subject, 200),
        ip = n.client_ip,
    )
    .into_bytes()
}
