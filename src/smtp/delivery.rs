//! The server's `SmtpBackend`: a thin adapter from the SMTP session to the pipeline (recipient
//! checks, the message's way into the store) and the directory (logins). What a message goes
//! through is decided in `pipeline`, not here.

use std::net::IpAddr;
use std::sync::Arc;

use crate::directory::{Authenticated, Directory};
use crate::pipeline::{Outcome, Pipeline, RcptCheck, Refusal};
use crate::plugins::PluginHost;
use crate::store::Store;

use super::backend::{AuthResult, Envelope, IncomingMessage, RcptDecision, Reply, SmtpBackend};

pub struct MailBackend {
    pub directory: Directory,
    pub pipeline: Pipeline,
}

impl MailBackend {
    pub fn new(store: Store) -> MailBackend {
        let directory = Directory::new(store.clone());
        MailBackend {
            pipeline: Pipeline::new(store, directory.clone()),
            directory,
        }
    }

    pub fn with_plugins(store: Store, plugins: Option<Arc<PluginHost>>) -> MailBackend {
        let mut backend = MailBackend::new(store);
        backend.pipeline.plugins = plugins;
        backend
    }
}

fn reply(r: Refusal) -> Reply {
    Reply::new(r.code, &r.enhanced, r.text)
}

impl SmtpBackend for MailBackend {
    async fn check_sender(&self, envelope: &Envelope) -> Option<Reply> {
        self.pipeline.check_mail(envelope).await.map(reply)
    }

    async fn check_recipient(&self, envelope: &Envelope, recipient: &str) -> RcptDecision {
        match self.pipeline.check_rcpt(envelope, recipient).await {
            RcptCheck::Accept => RcptDecision::Accept,
            RcptCheck::Relay => RcptDecision::Relay,
            RcptCheck::Refuse(r) => RcptDecision::Refuse(reply(r)),
        }
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
            // The reference service suspends the use of a domain's addresses while in
            // maintenance: submission too, as a temporary failure (RFC 4954 §6: 454 4.7.0).
            Ok(Authenticated::Maintenance { domain }) => AuthResult::Refused(Reply::new(
                454,
                "4.7.0",
                crate::directory::maintenance_text(&domain),
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
        // The reply's text made before the envelope goes (no copy of the queue id).
        let queued = format!("Ok: queued as {}", envelope.queue_id);
        match self.pipeline.process(envelope, raw).await {
            Outcome::Stored { .. } | Outcome::Discarded => Reply::new(250, "2.0.0", queued),
            Outcome::Refused(r) => reply(r),
        }
    }
}
