//! The server's `SmtpBackend`: recipients from the directory, messages through the pipeline into
//! the store.

use std::net::IpAddr;
use std::sync::Arc;

use crate::auth::{self, Inbound, SenderAuth};
use crate::directory::{Authenticated, Directory, Recipient};
use crate::pipeline::{self, Verdict};
use crate::plugins::PluginHost;
use crate::store::Store;

use super::backend::{AuthResult, Envelope, IncomingMessage, RcptDecision, Reply, SmtpBackend};

pub struct MailBackend {
    pub directory: Directory,
    pub store: Store,
    pub plugins: Option<Arc<PluginHost>>,
    /// SPF/DKIM/DMARC checks of inbound mail; `None` runs none (unit tests).
    pub sender_auth: Option<Arc<SenderAuth>>,
    /// Users' and the administrator's Sieve scripts; `None` runs none.
    pub sieve: Option<Arc<crate::sieve::SieveRunner>>,
}

impl MailBackend {
    pub fn new(store: Store) -> MailBackend {
        MailBackend {
            directory: Directory::new(store.clone()),
            store,
            plugins: None,
            sender_auth: None,
            sieve: None,
        }
    }

    pub fn with_plugins(store: Store, plugins: Option<Arc<PluginHost>>) -> MailBackend {
        MailBackend {
            plugins,
            ..MailBackend::new(store)
        }
    }

    /// The plugins' `check-recipient` hooks, for a recipient the directory accepted.
    async fn plugin_check_recipient(&self, envelope: &Envelope, recipient: &str) -> Option<Reply> {
        let host = self.plugins.clone()?;
        let plugins = host.registry().snapshot();
        if !plugins
            .iter()
            .any(|p| p.has_hook(crate::plugins::types::Hook::CheckRecipient))
        {
            return None;
        }
        let permit = host.permit().await;
        let env = crate::plugins::view::envelope(envelope);
        let rcpt = recipient.to_string();
        let h = host.clone();
        let outcome = pipeline::spawn_blocking(move || {
            let _permit = permit;
            h.check_recipient(&env, &rcpt)
        })
        .await;
        let outcome = match outcome {
            Ok(o) => o,
            Err(e) => {
                tracing::error!(error = %e, "check-recipient task failed");
                return Some(tempfail("Temporary failure checking the recipient"));
            }
        };
        if !outcome.kv_writes.is_empty() {
            let writes = outcome.kv_writes;
            if let Err(e) = self
                .store
                .write(move |tx| tx.plugin_kv_apply(&writes))
                .await
            {
                tracing::warn!(error = %e, "cannot store plugin key-value writes");
            }
        }
        outcome
            .refusal
            .map(|r| Reply::new(r.code, &r.enhanced, r.text))
    }
}

fn tempfail(text: &str) -> Reply {
    Reply::new(451, "4.3.0", text)
}

impl SmtpBackend for MailBackend {
    async fn check_recipient(&self, envelope: &Envelope, recipient: &str) -> RcptDecision {
        // The directory first: an unknown user is 550 5.1.1 whatever the plugins say, and
        // plugins only ever see recipients this server would accept.
        let decision = self.directory_decision(envelope, recipient);
        if matches!(decision, RcptDecision::Accept | RcptDecision::Relay)
            && let Some(reply) = self.plugin_check_recipient(envelope, recipient).await
        {
            return RcptDecision::Refuse(reply);
        }
        decision
    }

    async fn authenticate(&self, client: IpAddr, username: &str, password: &str) -> AuthResult {
        match self.directory.login(client, username, password).await {
            Ok(Authenticated::Ok { account, device }) => {
                tracing::info!(user = %account.address, %device, "SMTP login");
                let identity = crate::session::revoke::LoginIdentity {
                    account_id: account.id,
                    device,
                };
                AuthResult::Success(account.address, Some(identity))
            }
            Ok(Authenticated::BadCredentials) => AuthResult::Failure,
            // RFC 4954 §6: 454 4.7.0, a temporary authentication failure.
            Ok(Authenticated::Throttled { retry_after }) => AuthResult::Refused(Reply::new(
                454,
                "4.7.0",
                format!(
                    "Too many failed logins; try again in {} seconds",
                    retry_after.as_secs().max(1)
                ),
            )),
            Ok(Authenticated::Blocked) => AuthResult::Refused(Reply::new(
                535,
                "5.7.8",
                "This account is blocked; contact your administrator",
            )),
            Err(e) => {
                tracing::error!(error = %e, "authentication failed with an error");
                AuthResult::TempFail
            }
        }
    }

    async fn deliver(&self, message: IncomingMessage) -> Reply {
        let IncomingMessage { envelope, raw } = message;
        let (auth, raw) = self.sender_auth(&envelope, raw).await;
        let result = pipeline::run_blocking(
            self.directory.clone(),
            self.plugins.clone(),
            envelope,
            raw,
            auth,
            self.sieve.clone(),
        )
        .await;
        let (plan, envelope, raw) = match result {
            Ok(x) => x,
            Err(e) => {
                tracing::error!(error = %e, "pipeline failed");
                return tempfail("Temporary failure while processing the message");
            }
        };
        let reply = match &plan.verdict {
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
            } => Some(Reply::new(*code, enhanced, text.clone())),
        };
        if let Some(reply) = reply {
            tracing::info!(code = reply.code, text = %reply.text, "message refused");
            // What plugins stored while judging the message (counters, reputations) is kept
            // even when it is refused.
            if !plan.plugin_kv.is_empty() {
                let writes = plan.plugin_kv;
                if let Err(e) = self
                    .store
                    .write(move |tx| tx.plugin_kv_apply(&writes))
                    .await
                {
                    tracing::warn!(error = %e, "cannot store plugin key-value writes");
                }
            }
            return reply;
        }
        let size = raw.len();
        let local = plan.deliveries.len();
        let discarded = plan.verdict == Verdict::Discard;
        match pipeline::deliver(&self.store, &envelope, plan, raw).await {
            Ok(()) if discarded => {
                tracing::info!(size, "message discarded");
                Reply::new(250, "2.0.0", format!("Ok: queued as {}", envelope.queue_id))
            }
            Ok(()) => {
                tracing::info!(size, local, "message stored");
                Reply::new(250, "2.0.0", format!("Ok: queued as {}", envelope.queue_id))
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot store the message");
                tempfail("Temporary failure storing the message, try again later")
            }
        }
    }
}

impl MailBackend {
    /// Checks the sender of an inbound message (not of authenticated or trusted clients), then
    /// removes Authentication-Results fields that claim to be ours (RFC 8601 §5) — after the
    /// checks, so that DKIM verifies the message as it was signed.
    async fn sender_auth(
        &self,
        envelope: &pipeline::Envelope,
        raw: Vec<u8>,
    ) -> (Option<pipeline::InboundAuth>, Vec<u8>) {
        let Some(sa) = &self.sender_auth else {
            return (None, raw);
        };
        let inbound = if sa.exempt(envelope.client_ip, envelope.authenticated_as.is_some()) {
            None
        } else {
            let report = sa
                .check(&Inbound {
                    client_ip: envelope.client_ip,
                    helo: &envelope.helo,
                    mail_from: &envelope.mail_from,
                    raw: &raw,
                })
                .await;
            tracing::info!(
                spf = report.spf.name(),
                dkim = report.dkim_summary().name(),
                dmarc = report.dmarc.name(),
                from_domain = report.from_domain.as_deref().unwrap_or(""),
                "sender authentication"
            );
            Some(pipeline::InboundAuth {
                report,
                dmarc_reject: sa.config().dmarc_reject,
                dmarc_quarantine: sa.config().dmarc_quarantine,
            })
        };
        let (raw, removed) = auth::strip_forged(raw, sa.hostname());
        if removed > 0 {
            tracing::info!(removed, "removed forged Authentication-Results fields");
        }
        (inbound, raw)
    }

    fn directory_decision(&self, envelope: &Envelope, recipient: &str) -> RcptDecision {
        match self.directory.resolve(recipient) {
            Ok(Recipient::Local { .. }) => RcptDecision::Accept,
            // RFC 5321 §3.6.2: relaying only for authenticated users, never an open relay.
            Ok(Recipient::Remote) if envelope.authenticated_as.is_some() => RcptDecision::Relay,
            Ok(Recipient::Remote) => RcptDecision::Refuse(Reply::new(
                554,
                "5.7.1",
                format!("<{recipient}>: Relay access denied"),
            )),
            Ok(Recipient::UnknownUser) => RcptDecision::Refuse(Reply::new(
                550,
                "5.1.1",
                format!("<{recipient}>: Recipient address rejected: User unknown"),
            )),
            Err(e) => {
                tracing::error!(error = %e, "recipient lookup failed");
                RcptDecision::Refuse(tempfail("Temporary lookup failure, try again later"))
            }
        }
    }
}
