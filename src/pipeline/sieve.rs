//! The Sieve stage, last in the pipeline: each local recipient's scripts (administrator's
//! `before`, the user's active script, `after`) turn the plugins' suggestions into filings.
//! Semantics (also in the README): an explicit filing action of a script wins over the
//! plugins' suggested folder; with only the implicit keep, the suggested folder applies. Plugin
//! rejects happened before this stage and cannot be undone by a script; DMARC quarantine is
//! enforced after it.

use super::{DeliveryPlan, LocalDelivery, MessageContext, PipelineError, Verdict};
use crate::sieve::{OutMessage, RecipientContext, SieveRunner};
use crate::store::{KvWrite, Store};

pub fn apply(
    plan: &mut DeliveryPlan,
    ctx: &MessageContext<'_>,
    runner: &SieveRunner,
    store: &Store,
) -> Result<(), PipelineError> {
    let Some(parsed) = ctx.parsed.as_ref() else {
        // Not parseable as a message: scripts cannot judge it; the implicit keep applies.
        return Ok(());
    };
    if plan.deliveries.is_empty() {
        return Ok(());
    }
    // The account's address and active script come through the directory cache: a read
    // transaction is still opened, for what the scripts look up (mailboxes, lists, duplicates).
    let dir = crate::store::DirRead::new(store);
    let read = dir.tx()?;
    let now = chrono::Utc::now().timestamp();
    let mut kept = Vec::new();
    let mut rejected: Vec<(String, String)> = Vec::new();
    let mut seen_before: Vec<(String, i64)> = Vec::new();
    for d in std::mem::take(&mut plan.deliveries) {
        let Some(account) = dir.sieve_recipient(d.account_id)? else {
            kept.push(d);
            continue;
        };
        let user = account.active.as_deref();
        let mut tags = plan.tags.clone();
        tags.extend(d.tags.iter().cloned());
        let outcome = runner.run(
            &RecipientContext {
                account_id: d.account_id,
                account: &account.address,
                recipient: &d.recipient,
                mail_from: &ctx.envelope.mail_from,
                message: parsed,
                raw: ctx.raw,
                spam_score: d.score.or(plan.plugins_ran.then_some(plan.score)),
                tags: &tags,
                auth: ctx.auth.map(|a| &a.report),
                read,
                now,
                seen_before: &seen_before,
            },
            user,
        );
        for e in &outcome.errors {
            tracing::warn!(recipient = %d.recipient, error = %e, "Sieve error; the message is kept");
        }
        plan.trace.sieve.push(trace_actions(&d.recipient, &outcome));
        seen_before.extend(outcome.seen_ids.iter().cloned());
        for (key, until) in outcome.seen_ids {
            plan.plugin_kv.push(KvWrite {
                plugin: "sieve".into(),
                key,
                value: Some(until.to_string().into_bytes()),
                delta: None,
            });
        }
        for mut m in outcome.outbound {
            // A redirect keeps the original sender, which would fail SPF at the next hop
            // unless it is one of ours: rewritten with SRS under the account's domain.
            if let Some(srs) = runner.srs()
                && let Some((_, sender_domain)) = m.mail_from.rsplit_once('@')
                && read.domain(sender_domain)?.is_none()
                && let Some((_, ours)) = account.address.rsplit_once('@')
            {
                m.mail_from = srs.forward(&m.mail_from, ours, now);
            }
            tracing::info!(recipient = %d.recipient, to = ?m.to, from = %m.mail_from, "Sieve sends a message");
            plan.messages.push(m);
        }
        if let Some(reason) = outcome.reject {
            tracing::info!(recipient = %d.recipient, %reason, "rejected by Sieve");
            rejected.push((d.recipient.clone(), reason));
            continue;
        }
        if outcome.filings.is_empty() {
            tracing::info!(recipient = %d.recipient, "discarded by Sieve");
            plan.dropped
                .push((d.recipient.clone(), "discarded by Sieve".into()));
            continue;
        }
        for f in outcome.filings {
            let mailbox = match f.folder {
                Some(folder) => folder,
                None if outcome.explicit => "INBOX".to_string(),
                None => d.mailbox.clone(),
            };
            let mut flags = d.flags.clone();
            flags.extend(f.flags);
            tracing::debug!(recipient = %d.recipient, %mailbox, "Sieve filing");
            kept.push(LocalDelivery {
                mailbox,
                flags,
                create: f.create,
                content: f.content,
                ..d.clone()
            });
        }
    }
    plan.deliveries = kept;
    if rejected.is_empty() {
        return Ok(());
    }
    if plan.deliveries.is_empty() && plan.outbound.is_empty() {
        // Every recipient refused it: tell the sender in the SMTP reply (RFC 5429 §2.1).
        let reason = rejected[0].1.clone();
        plan.verdict = Verdict::Reject {
            code: 550,
            enhanced: "5.7.1".into(),
            text: sanitize(&reason),
        };
        return Ok(());
    }
    // Others accepted it: the refusals become a delivery status notification (RFC 5429 §2.1).
    if !ctx.envelope.mail_from.is_empty() {
        for (rcpt, reason) in &rejected {
            plan.messages.push(OutMessage {
                mail_from: String::new(),
                to: vec![ctx.envelope.mail_from.clone()],
                raw: dsn(
                    runner.hostname(),
                    &ctx.envelope.mail_from,
                    rcpt,
                    reason,
                    ctx.subject().unwrap_or(""),
                ),
            });
        }
    }
    for (rcpt, reason) in rejected {
        plan.dropped
            .push((rcpt, format!("rejected by Sieve: {reason}")));
    }
    Ok(())
}

/// What the scripts did for one recipient, for the message trace.
fn trace_actions(
    recipient: &str,
    outcome: &crate::sieve::SieveOutcome,
) -> crate::store::trace::TraceSieve {
    let mut actions: Vec<String> = outcome
        .errors
        .iter()
        .map(|e| format!("error: {e}"))
        .collect();
    for m in &outcome.outbound {
        actions.push(format!("send to {}", m.to.join(", ")));
    }
    if let Some(reason) = &outcome.reject {
        actions.push(format!("reject: {reason}"));
    } else if outcome.filings.is_empty() {
        actions.push("discard".into());
    }
    for f in &outcome.filings {
        let mut a = match &f.folder {
            Some(folder) => format!("fileinto \"{folder}\""),
            None if outcome.explicit => "keep".to_string(),
            None => "implicit keep".to_string(),
        };
        if !f.flags.is_empty() {
            a.push_str(&format!(" flags {}", f.flags.join(" ")));
        }
        if f.content.is_some() {
            a.push_str(" (edited)");
        }
        actions.push(a);
    }
    crate::store::trace::TraceSieve {
        recipient: recipient.to_string(),
        actions,
    }
}

fn sanitize(s: &str) -> String {
    let s: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let s = s.trim();
    if s.is_empty() {
        "Message rejected by the recipient's filter".into()
    } else {
        s.chars().take(300).collect()
    }
}

/// A delivery status notification (RFC 3464) for a recipient whose script rejected the message.
fn dsn(host: &str, to: &str, rcpt: &str, reason: &str, subject: &str) -> Vec<u8> {
    let boundary = format!(
        "dsn-{:x}",
        chrono::Utc::now().timestamp_nanos_opt().unwrap_or(0)
    );
    let reason = sanitize(reason);
    let subject = sanitize(subject);
    format!(
        "From: Mail Delivery System <MAILER-DAEMON@{host}>\r\nTo: <{to}>\r\n\
         Subject: Undelivered: {subject}\r\nAuto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/report; report-type=delivery-status; boundary=\"{boundary}\"\r\n\r\n\
         --{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
         Your message to <{rcpt}> was rejected by the recipient's filter:\r\n\r\n  {reason}\r\n\r\n\
         --{boundary}\r\nContent-Type: message/delivery-status\r\n\r\n\
         Reporting-MTA: dns; {host}\r\n\r\nFinal-Recipient: rfc822; {rcpt}\r\nAction: failed\r\n\
         Status: 5.7.1\r\nDiagnostic-Code: smtp; 550 5.7.1 {reason}\r\n\r\n--{boundary}--\r\n"
    )
    .into_bytes()
}
