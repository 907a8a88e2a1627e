//! The stages of the way, in order, behind one interface. Each reads the same parsed message
//! (`MessageContext`) and annotates the plan (headers, score, tags, folder) or decides (reject,
//! tempfail, discard). Once a stage has decided, later stages are skipped, except those that
//! enforce a decision taken earlier (DMARC quarantine).

use std::sync::Arc;

use super::{DeliveryPlan, LocalDelivery, MessageContext, PipelineError, Verdict};
use crate::directory::{Directory, Recipient};
use crate::metrics::Refused;
use crate::plugins::PluginHost;
use crate::sieve::SieveRunner;
use crate::store::Store;

/// One step of the pipeline. Stages run on a blocking thread: they may parse and compute, but
/// never wait on the network (what needs the network, sender authentication's DNS lookups, is
/// gathered into the context before the stages run).
pub trait Stage: Send + Sync {
    /// For logs.
    fn name(&self) -> &'static str;
    fn run(&self, plan: &mut DeliveryPlan, ctx: &MessageContext<'_>) -> Result<(), PipelineError>;
    /// Whether the stage runs even when an earlier stage already decided the message's fate.
    fn enforces(&self) -> bool {
        false
    }
}

/// Runs `stages` in order on one message and returns the plan.
pub fn run(
    stages: &[Box<dyn Stage>],
    ctx: &MessageContext<'_>,
) -> Result<DeliveryPlan, PipelineError> {
    let mut plan = DeliveryPlan::default();
    plan.trace.subject = ctx.subject().map(crate::store::trace::clip);
    for stage in stages {
        if plan.verdict != Verdict::Accept && !stage.enforces() {
            continue;
        }
        let deciding = plan.verdict == Verdict::Accept;
        let before = plan.verdict.clone();
        let started = std::time::Instant::now();
        stage.run(&mut plan, ctx)?;
        let decided = (plan.verdict != before)
            .then(|| plan.verdict.describe())
            .flatten();
        if decided.is_some() {
            tracing::debug!(stage = stage.name(), verdict = ?plan.verdict, "stage decided");
            if deciding && plan.refused.is_none() {
                plan.refused = refused_by_stage(stage.name(), &plan.verdict);
            }
        }
        plan.trace.stages.push(crate::store::trace::TraceStage {
            name: stage.name().to_string(),
            elapsed_us: started.elapsed().as_micros() as u64,
            decided,
        });
    }
    tracing::debug!(
        local = plan.deliveries.len(),
        outbound = plan.outbound.len(),
        subject = ctx.subject().unwrap_or(""),
        "delivery plan"
    );
    Ok(plan)
}

/// Why a stage's verdict refuses the message (`metrics`), when the stage did not say.
fn refused_by_stage(stage: &str, verdict: &Verdict) -> Option<Refused> {
    Some(match (stage, verdict) {
        (_, Verdict::Accept | Verdict::Discard) => return None,
        (_, Verdict::TempFail { .. }) => Refused::Temporary,
        ("recipients", _) => Refused::Malformed,
        ("sender-auth", _) => Refused::Dmarc,
        ("plugins" | "submission-plugins", _) => Refused::PluginReject,
        ("sieve", _) => Refused::Sieve,
        ("from-header", _) => Refused::Sender,
        _ => Refused::Other,
    })
}

/// The inbound stage list: structure bound and recipients, sender authentication, plugins,
/// Sieve, then DMARC quarantine enforcement (after plugins and Sieve, so no folder suggestion
/// takes a quarantined copy out of Junk).
pub fn inbound(
    directory: &Directory,
    store: &Store,
    plugins: Option<&Arc<PluginHost>>,
    sieve: Option<&Arc<SieveRunner>>,
) -> Vec<Box<dyn Stage>> {
    let mut stages: Vec<Box<dyn Stage>> = vec![
        Box::new(Recipients {
            directory: directory.clone(),
        }),
        Box::new(SenderAuthentication {
            directory: directory.clone(),
        }),
    ];
    if let Some(host) = plugins {
        stages.push(Box::new(Plugins { host: host.clone() }));
    }
    if let Some(runner) = sieve {
        stages.push(Box::new(Sieve {
            runner: runner.clone(),
            store: store.clone(),
        }));
    }
    stages.push(Box::new(Quarantine));
    stages
}

/// The stage list of mail from logged-in users (`submission.rs`): recipients, the From
/// header check, the submission plugins with the outgoing spam check, then Sieve for local
/// recipients, who get it as inbound mail. No sender authentication: the sender logged in.
pub fn submission(
    directory: &Directory,
    store: &Store,
    plugins: Option<&Arc<PluginHost>>,
    sieve: Option<&Arc<SieveRunner>>,
    config: &Arc<crate::config::SubmissionConfig>,
    hostname: &str,
) -> Vec<Box<dyn Stage>> {
    let mut stages: Vec<Box<dyn Stage>> = vec![
        Box::new(Recipients {
            directory: directory.clone(),
        }),
        Box::new(super::submission::FromHeader {
            directory: directory.clone(),
        }),
    ];
    if let Some(host) = plugins {
        stages.push(Box::new(super::submission::SubmissionPlugins {
            host: host.clone(),
            store: store.clone(),
            directory: directory.clone(),
            config: config.clone(),
            hostname: hostname.to_string(),
        }));
    }
    if let Some(runner) = sieve {
        stages.push(Box::new(Sieve {
            runner: runner.clone(),
            store: store.clone(),
        }));
    }
    stages
}

/// Refuses a message nested too deep to walk (before anything reads its structure), and
/// resolves the envelope recipients into local copies and outbound recipients.
pub struct Recipients {
    pub directory: Directory,
}

impl Stage for Recipients {
    fn name(&self) -> &'static str {
        "recipients"
    }

    fn run(&self, plan: &mut DeliveryPlan, ctx: &MessageContext<'_>) -> Result<(), PipelineError> {
        if ctx.too_deep {
            // Refused like Postfix refuses it (`mime_nesting_limit`); no stage reads it.
            tracing::info!(limit = crate::mime::MAX_NESTING, "MIME nesting too deep");
            plan.verdict = Verdict::Reject {
                code: 554,
                enhanced: "5.6.0".into(),
                text: crate::mime::TOO_DEEP_TEXT.into(),
            };
            return Ok(());
        }
        let mut seen = std::collections::HashSet::new();
        for rcpt in &ctx.envelope.recipients {
            // The same recipient given twice in RCPT TO is one recipient (RFC 5321 §3.3 leaves
            // duplicates to the server): its stages run once.
            // (One recipient, the usual case, cannot repeat: no set, no lowercased copy.)
            if ctx.envelope.recipients.len() > 1 && !seen.insert(rcpt.to_ascii_lowercase()) {
                continue;
            }
            match self.directory.resolve(rcpt)? {
                Recipient::Local { account, .. } => plan.deliveries.push(LocalDelivery {
                    recipient: rcpt.clone(),
                    account_id: account.id,
                    mailbox: "INBOX".into(),
                    ..LocalDelivery::default()
                }),
                // RCPT TO accepted a remote recipient only for an authenticated sender.
                Recipient::Remote if ctx.envelope.authenticated_as.is_some() => {
                    plan.outbound.push(rcpt.clone())
                }
                // The recipient vanished between RCPT TO and the end of DATA (account
                // removed): the message was accepted for it, so it must not be silently lost.
                Recipient::Remote | Recipient::UnknownUser => {
                    tracing::warn!(recipient = %rcpt, "recipient no longer exists at end of DATA");
                    plan.undeliverable.push(rcpt.clone());
                }
                Recipient::Redirect(r) => super::redirects::plan(&self.directory, plan, rcpt, &r)?,
            }
        }
        Ok(())
    }
}

/// Our Authentication-Results header, DNS tempfails and each recipient domain's handling of a
/// DMARC failure (`sender_auth.rs`). Nothing to do for mail that was not checked.
pub struct SenderAuthentication {
    pub directory: Directory,
}

impl Stage for SenderAuthentication {
    fn name(&self) -> &'static str {
        "sender-auth"
    }

    fn run(&self, plan: &mut DeliveryPlan, ctx: &MessageContext<'_>) -> Result<(), PipelineError> {
        match ctx.auth {
            Some(auth) => super::sender_auth::apply(plan, auth, &self.directory),
            None => Ok(()),
        }
    }
}

/// The WebAssembly plugins, in their configured order (`plugins.rs`).
pub struct Plugins {
    pub host: Arc<PluginHost>,
}

impl Stage for Plugins {
    fn name(&self) -> &'static str {
        "plugins"
    }

    fn run(&self, plan: &mut DeliveryPlan, ctx: &MessageContext<'_>) -> Result<(), PipelineError> {
        super::plugins::apply_plugins(plan, &self.host, ctx);
        Ok(())
    }
}

/// The administrator's and users' Sieve scripts, per recipient (`sieve.rs`).
pub struct Sieve {
    pub runner: Arc<SieveRunner>,
    pub store: Store,
}

impl Stage for Sieve {
    fn name(&self) -> &'static str {
        "sieve"
    }

    fn run(&self, plan: &mut DeliveryPlan, ctx: &MessageContext<'_>) -> Result<(), PipelineError> {
        super::sieve::apply(plan, ctx, &self.runner, &self.store)
    }
}

/// DMARC `p=quarantine`: the copy goes to Junk, whatever plugins or scripts suggested.
pub struct Quarantine;

impl Stage for Quarantine {
    fn name(&self) -> &'static str {
        "quarantine"
    }

    fn run(&self, plan: &mut DeliveryPlan, _ctx: &MessageContext<'_>) -> Result<(), PipelineError> {
        super::sender_auth::enforce_quarantine(plan);
        Ok(())
    }

    fn enforces(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::values::Envelope;

    /// Records that it ran, and decides when told to.
    struct Probe {
        name: &'static str,
        decides: Option<Verdict>,
        enforces: bool,
        ran: Arc<Mutex<Vec<&'static str>>>,
    }

    impl Stage for Probe {
        fn name(&self) -> &'static str {
            self.name
        }
        fn run(
            &self,
            plan: &mut DeliveryPlan,
            _: &MessageContext<'_>,
        ) -> Result<(), PipelineError> {
            self.ran.lock().unwrap().push(self.name);
            if let Some(v) = &self.decides {
                plan.verdict = v.clone();
            }
            Ok(())
        }
        fn enforces(&self) -> bool {
            self.enforces
        }
    }

    #[test]
    fn stages_run_in_order_and_stop_at_a_decision_except_enforcement() {
        let ran = Arc::new(Mutex::new(Vec::new()));
        let probe = |name, decides, enforces| -> Box<dyn Stage> {
            Box::new(Probe {
                name,
                decides,
                enforces,
                ran: ran.clone(),
            })
        };
        let reject = Verdict::Reject {
            code: 554,
            enhanced: "5.7.1".into(),
            text: "no".into(),
        };
        let stages = vec![
            probe("first", None, false),
            probe("decides", Some(reject.clone()), false),
            probe("skipped", None, false),
            probe("enforcement", None, true),
        ];
        let envelope = Envelope {
            queue_id: "Q".into(),
            mail_from: "a@b.example".into(),
            recipients: vec![],
            helo: "h".into(),
            client_ip: std::net::IpAddr::from([127, 0, 0, 1]),
            authenticated_as: None,
            tls: None,
        };
        let raw = b"Subject: s\r\n\r\nbody\r\n";
        let ctx = MessageContext::new(&envelope, raw);
        let plan = run(&stages, &ctx).unwrap();
        assert_eq!(plan.verdict, reject);
        assert_eq!(
            *ran.lock().unwrap(),
            vec!["first", "decides", "enforcement"]
        );
    }
}
