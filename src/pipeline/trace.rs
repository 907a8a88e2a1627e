//! Builds a message's trace record (`store::trace`) from what the stages noted in the plan:
//! sender authentication, each stage's time and decision, each plugin's verdict, the Sieve
//! actions, the folder chosen per recipient and the outcome. Written with the delivery.

use super::{DeliveryPlan, Envelope, Verdict};
use crate::auth::AuthReport;
use crate::store::trace::{TraceAuth, TraceFolder, TraceRecord, clip};

/// Sender authentication's results, as RFC 8601 names them.
pub fn auth(report: &AuthReport) -> TraceAuth {
    TraceAuth {
        spf: report.spf.name().to_string(),
        spf_domain: clip(&report.spf_domain),
        dkim: report
            .dkim
            .iter()
            .take(16)
            .map(|d| {
                let mut s = String::with_capacity(64);
                s.push_str(d.outcome.name());
                if let Some(domain) = &d.domain {
                    s.push_str(" (d=");
                    s.push_str(&clip(domain));
                    if let Some(sel) = &d.selector {
                        s.push_str(" s=");
                        s.push_str(&clip(sel));
                    }
                    s.push(')');
                }
                s
            })
            .collect(),
        arc: report.arc.name().to_string(),
        dmarc: report.dmarc.name().to_string(),
        dmarc_policy: report.dmarc_policy.map(|p| {
            match p {
                crate::auth::PublishedPolicy::None => "none",
                crate::auth::PublishedPolicy::Quarantine => "quarantine",
                crate::auth::PublishedPolicy::Reject => "reject",
            }
            .to_string()
        }),
        from_domain: report.from_domain.as_deref().map(clip),
    }
}

/// The record as the stages left it (the notes are taken out of the plan).
pub fn record(
    envelope: &Envelope,
    size: usize,
    auth: Option<TraceAuth>,
    plan: &mut DeliveryPlan,
) -> TraceRecord {
    let notes = std::mem::take(&mut plan.trace);
    let mut r = TraceRecord {
        queue_id: envelope.queue_id.clone(),
        time: chrono::Utc::now().timestamp(),
        client_ip: crate::plugins::view::ip_string(envelope.client_ip),
        helo: envelope.helo.clone(),
        mail_from: envelope.mail_from.clone(),
        recipients: envelope.recipients.iter().take(64).cloned().collect(),
        authenticated_as: envelope.authenticated_as.clone(),
        subject: notes.subject,
        size: size as u64,
        auth,
        stages: notes.stages,
        plugins: notes.plugins,
        score: plan.score,
        tags: plan.tags.clone(),
        sieve: notes.sieve,
        ..TraceRecord::default()
    };
    r.dropped = plan.dropped.iter().take(64).cloned().collect();
    r
}

/// The plan's final state: folders per recipient, queued recipients, the outcome.
pub fn finish(r: &mut TraceRecord, plan: &DeliveryPlan) {
    r.folders = plan
        .deliveries
        .iter()
        .take(64)
        .map(|d| TraceFolder {
            recipient: d.recipient.clone(),
            folder: d.mailbox.clone(),
            flags: d.flags.clone(),
            score: d.score,
            tags: d.tags.clone(),
        })
        .collect();
    r.outbound = plan.outbound.iter().take(64).cloned().collect();
    r.dropped = plan.dropped.iter().take(64).cloned().collect();
    r.outcome = match plan.verdict {
        Verdict::Discard => "discarded",
        _ if plan.deliveries.is_empty() && plan.outbound.is_empty() => "discarded",
        _ => "delivered",
    }
    .into();
}
