//! The sender-authentication stage: our Authentication-Results header, a tempfail when DNS left
//! the sender's authenticity undecided, and each recipient domain's handling of a DMARC failure
//! (RFC 7489 §6.7: the receiver applies the sender's policy as its own local policy allows).

use super::{DeliveryPlan, PipelineError, Verdict};
use crate::auth::{AuthReport, PublishedPolicy};
use crate::config::DmarcAction;
use crate::directory::Directory;

/// What the stage needs: the checks' report and the server's default handling.
#[derive(Debug, Clone)]
pub struct InboundAuth {
    pub report: AuthReport,
    pub dmarc_reject: DmarcAction,
    pub dmarc_quarantine: DmarcAction,
}

/// The folder and keyword of quarantined mail.
pub const QUARANTINE_FOLDER: &str = "Junk";
pub const QUARANTINE_KEYWORD: &str = "$Junk";

/// Runs before the plugins: a tempfail or reject here ends the pipeline.
pub fn apply(
    plan: &mut DeliveryPlan,
    auth: &InboundAuth,
    directory: &Directory,
) -> Result<(), PipelineError> {
    let report = &auth.report;
    plan.add_headers
        .insert(0, ("Authentication-Results".into(), report.header.clone()));
    if let Some(method) = report.temp_error() {
        tracing::info!(method, "sender authentication undecided: DNS failure");
        // RFC 3463 §3.5: 4.4.3 "Directory server failure".
        plan.verdict = Verdict::TempFail {
            code: 451,
            enhanced: "4.4.3".into(),
            text: format!(
                "Temporary DNS failure while checking the sender ({method}); try again later"
            ),
        };
        return Ok(());
    }
    let Some(policy) = report.dmarc_failure() else {
        return Ok(());
    };
    let from = report.from_domain.as_deref().unwrap_or("");
    let mut rejected = Vec::new();
    for d in &plan.deliveries {
        let domain = d.recipient.rsplit_once('@').map_or("", |(_, dom)| dom);
        let record = directory.domain(domain)?;
        let action = match policy {
            PublishedPolicy::Reject => record
                .as_ref()
                .and_then(|r| r.dmarc_reject)
                .unwrap_or(auth.dmarc_reject),
            PublishedPolicy::Quarantine => record
                .as_ref()
                .and_then(|r| r.dmarc_quarantine)
                .unwrap_or(auth.dmarc_quarantine),
            PublishedPolicy::None => DmarcAction::Annotate,
        };
        tracing::info!(
            recipient = %d.recipient,
            from_domain = from,
            policy = ?policy,
            action = action.name(),
            "message fails DMARC"
        );
        match action {
            DmarcAction::Reject => rejected.push(d.recipient.clone()),
            DmarcAction::Quarantine => plan.quarantined.push(d.recipient.clone()),
            DmarcAction::Annotate => {}
        }
    }
    if rejected.is_empty() {
        return Ok(());
    }
    let why = format!("{from} publishes DMARC p=reject and this message fails DMARC");
    plan.deliveries.retain(|d| {
        !rejected
            .iter()
            .any(|r| r.eq_ignore_ascii_case(&d.recipient))
    });
    for r in rejected {
        plan.dropped.push((r, why.clone()));
    }
    if plan.deliveries.is_empty() && plan.outbound.is_empty() {
        plan.verdict = Verdict::Reject {
            code: 550,
            enhanced: "5.7.1".into(),
            text: format!("Message rejected: {why}"),
        };
    }
    Ok(())
}

/// Runs after every other stage: quarantined copies go to Junk whatever a plugin suggested.
pub fn enforce_quarantine(plan: &mut DeliveryPlan) {
    for d in &mut plan.deliveries {
        if plan
            .quarantined
            .iter()
            .any(|r| r.eq_ignore_ascii_case(&d.recipient))
        {
            d.mailbox = QUARANTINE_FOLDER.into();
            if !d.flags.iter().any(|f| f == QUARANTINE_KEYWORD) {
                d.flags.push(QUARANTINE_KEYWORD.into());
            }
        }
    }
}
