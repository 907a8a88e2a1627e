//! Redirect recipients in the delivery plan (`directory::redirects` holds the rules): local
//! targets get a copy like any local recipient (their own Sieve scripts and folders apply);
//! remote targets leave through the outbound queue, in the same store write as the rest of the
//! message, with the envelope sender rewritten by SRS under the redirecting address's domain so
//! that the next hop's SPF check passes (and a bounce comes back through us).

use super::{DeliveryPlan, LocalDelivery, PipelineError};
use crate::directory::Directory;
use crate::directory::redirects::{Redirected, expand};
use crate::sieve::OutMessage;
use crate::srs::Srs;
use crate::values::Envelope;

/// Adds what `rcpt` (a redirecting address) expands to: local copies, remote targets.
pub fn plan(
    directory: &Directory,
    plan: &mut DeliveryPlan,
    rcpt: &str,
    redirected: &Redirected,
) -> Result<(), PipelineError> {
    let expansion = expand(&directory.store().read()?, redirected)?;
    for (target, why) in &expansion.dropped {
        tracing::warn!(recipient = %rcpt, %target, reason = %why, "redirect target left out");
    }
    tracing::info!(
        recipient = %rcpt,
        local = expansion.local.len(),
        remote = expansion.remote.len(),
        "redirected"
    );
    for (recipient, account) in expansion.local {
        plan.deliveries.push(LocalDelivery {
            recipient,
            account_id: account.id,
            mailbox: "INBOX".into(),
            ..LocalDelivery::default()
        });
    }
    if !expansion.remote.is_empty() {
        plan.redirects
            .push((redirected.address.clone(), expansion.remote));
    }
    Ok(())
}

/// Turns the plan's remote redirects into outbound messages: the message as stored (with the
/// stages' header fields) from the SRS-rewritten sender. A sender of one of our domains is kept
/// (our SPF covers it), as is the null sender of a bounce.
pub fn forward(
    plan: &mut DeliveryPlan,
    envelope: &Envelope,
    raw: &[u8],
    srs: Option<&Srs>,
    directory: &Directory,
) {
    if plan.redirects.is_empty() {
        return;
    }
    let now = chrono::Utc::now().timestamp();
    let ours = |domain: &str| matches!(directory.domain(domain), Ok(Some(_)));
    let content = plan.with_headers(raw);
    for (address, targets) in std::mem::take(&mut plan.redirects) {
        let sender = &envelope.mail_from;
        let mail_from = match (srs, sender.rsplit_once('@'), address.rsplit_once('@')) {
            (Some(srs), Some((_, sender_domain)), Some((_, domain))) if !ours(sender_domain) => {
                srs.forward(sender, domain, now)
            }
            (None, Some((_, sender_domain)), _) if !ours(sender_domain) => {
                tracing::warn!(%address, "no SRS secret: the redirect keeps the original sender and may fail SPF");
                sender.clone()
            }
            _ => sender.clone(),
        };
        tracing::info!(%address, to = ?targets, from = %mail_from, "redirect queued");
        plan.messages.push(OutMessage {
            mail_from,
            to: targets,
            raw: content.clone(),
        });
    }
}
