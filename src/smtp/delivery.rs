//! The server's `SmtpBackend`: recipients from the directory, messages through the pipeline into
//! the store.

use crate::directory::{Authenticated, Directory, Recipient};
use crate::pipeline::{self, MessageContext, Verdict};
use crate::store::Store;

use super::backend::{AuthResult, Envelope, IncomingMessage, RcptDecision, Reply, SmtpBackend};

pub struct MailBackend {
    pub directory: Directory,
    pub store: Store,
}

impl MailBackend {
    pub fn new(store: Store) -> MailBackend {
        MailBackend {
            directory: Directory::new(store.clone()),
            store,
        }
    }
}

fn tempfail(text: &str) -> Reply {
    Reply::new(451, "4.3.0", text)
}

impl SmtpBackend for MailBackend {
    async fn check_recipient(&self, envelope: &Envelope, recipient: &str) -> RcptDecision {
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

    async fn authenticate(&self, username: &str, password: &str) -> AuthResult {
        match self.directory.authenticate(username, password).await {
            Ok(Authenticated::Ok { account, device }) => {
                tracing::info!(user = %account.address, %device, "SMTP login");
                AuthResult::Success(account.address)
            }
            Ok(Authenticated::BadCredentials) => AuthResult::Failure,
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
        let envelope = pipeline::Envelope {
            queue_id: envelope.queue_id,
            mail_from: envelope.mail_from,
            recipients: envelope.recipients,
            helo: envelope.helo,
            client_ip: envelope.client_ip,
            authenticated_as: envelope.authenticated_as,
        };
        let plan = {
            let ctx = MessageContext::new(&envelope, &raw);
            pipeline::run(&self.directory, &ctx)
        };
        let plan = match plan {
            Ok(plan) => plan,
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
            return reply;
        }
        let size = raw.len();
        let local = plan.deliveries.len();
        match pipeline::deliver(&self.store, &envelope, plan, raw).await {
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
