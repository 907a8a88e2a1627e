//! The plugin stage: builds the plugins' view of the message once, runs every plugin in order,
//! and folds the merged verdict into the delivery plan.

use super::{DeliveryPlan, MessageContext, Verdict};
use crate::metrics::Refused;
use crate::plugins::verdict::{Decision, Merged, RcptOutcome};
use crate::plugins::{PluginHost, view};

/// Runs the plugins on a message whose recipients are already resolved into `plan`.
pub fn apply_plugins(plan: &mut DeliveryPlan, host: &PluginHost, ctx: &MessageContext<'_>) {
    apply_selected(plan, host, ctx, None);
}

/// `apply_plugins` with only the plugins named in `only` (all with `None`). Returns each
/// plugin's message-level score (the outgoing spam check reads the spam plugin's).
pub fn apply_selected(
    plan: &mut DeliveryPlan,
    host: &PluginHost,
    ctx: &MessageContext<'_>,
    only: Option<&[String]>,
) -> Vec<(String, f64)> {
    if host.registry().snapshot().is_empty() {
        return Vec::new();
    }
    plan.plugins_ran = true;
    let message = view::message(
        ctx.envelope,
        ctx.raw,
        ctx.parsed.as_ref(),
        ctx.auth.map(|a| &a.report),
    );
    let mut outcome = host.filter_only(&message, &ctx.envelope.recipients, only);
    plan.plugin_kv = outcome.kv_writes;
    plan.trace.plugins.extend(outcome.calls);
    // Moved out, not copied: `fold` does not read them.
    let scores = std::mem::take(&mut outcome.merged.plugin_scores);
    fold(plan, outcome.merged);
    scores
}

/// Folds the plugins' merged verdict into the plan.
fn fold(plan: &mut DeliveryPlan, m: Merged) {
    let by = m.decided_by.as_deref().unwrap_or("");
    match m.decision {
        Decision::Reject(r) => {
            tracing::info!(plugin = by, reply = %r, "message rejected by plugin");
            plan.refused = Some(Refused::by_plugin(by));
            plan.verdict = Verdict::Reject {
                code: r.code,
                enhanced: r.enhanced,
                text: r.text,
            };
            return;
        }
        Decision::Tempfail(r) => {
            tracing::info!(plugin = by, reply = %r, "message tempfailed by plugin");
            plan.verdict = Verdict::TempFail {
                code: r.code,
                enhanced: r.enhanced,
                text: r.text,
            };
            return;
        }
        Decision::Discard => {
            tracing::info!(plugin = by, "message discarded by plugin");
            plan.verdict = Verdict::Discard;
            return;
        }
        Decision::Continue => {}
    }
    plan.add_headers.extend(m.add_headers);
    plan.score += m.score;
    plan.tags.extend(m.tags);
    for (plugin, why) in &m.explanations {
        tracing::debug!(plugin = %plugin, explanation = %why, "plugin explanation");
    }
    if let Some(folder) = &m.folder {
        for d in &mut plan.deliveries {
            d.mailbox = folder.clone();
        }
    }

    // Per-recipient decisions. One DATA reply covers all recipients: a tempfail for one makes
    // the sender retry all (nothing is stored now, so nothing is duplicated); a reject or
    // discard drops that recipient's copy.
    let mut first_reject = None;
    for (rcpt, outcome) in &m.per_recipient {
        match outcome {
            RcptOutcome::Tempfail(r) => {
                tracing::info!(recipient = %rcpt, reply = %r, "message tempfailed by plugin for a recipient");
                plan.verdict = Verdict::TempFail {
                    code: r.code,
                    enhanced: r.enhanced.clone(),
                    text: r.text.clone(),
                };
                return;
            }
            RcptOutcome::Reject(r) => {
                first_reject.get_or_insert_with(|| r.clone());
                drop_recipient(plan, rcpt, &r.to_string());
            }
            RcptOutcome::Discard => drop_recipient(plan, rcpt, "discarded"),
            RcptOutcome::Continue {
                folder,
                score,
                tags,
            } => {
                for d in plan
                    .deliveries
                    .iter_mut()
                    .filter(|d| d.recipient.eq_ignore_ascii_case(rcpt))
                {
                    if let Some(folder) = folder {
                        d.mailbox = folder.clone();
                    }
                    d.tags.extend(tags.iter().cloned());
                    if *score != 0.0 {
                        d.score = Some(*score);
                    }
                }
            }
        }
    }
    if plan.deliveries.is_empty() && plan.outbound.is_empty() && !plan.dropped.is_empty() {
        if first_reject.is_some() {
            let by = m.rcpt_rejected_by.as_deref().unwrap_or("");
            plan.refused = Some(Refused::by_plugin(by));
        }
        plan.verdict = match first_reject {
            Some(r) => Verdict::Reject {
                code: r.code,
                enhanced: r.enhanced,
                text: r.text,
            },
            None => Verdict::Discard,
        };
    }
}

fn drop_recipient(plan: &mut DeliveryPlan, rcpt: &str, why: &str) {
    let before = plan.deliveries.len() + plan.outbound.len();
    plan.deliveries
        .retain(|d| !d.recipient.eq_ignore_ascii_case(rcpt));
    plan.outbound.retain(|r| !r.eq_ignore_ascii_case(rcpt));
    if plan.deliveries.len() + plan.outbound.len() < before {
        tracing::info!(recipient = %rcpt, reason = %why, "recipient dropped by plugin");
        plan.dropped.push((rcpt.to_string(), why.to_string()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::LocalDelivery;
    use crate::plugins::verdict::Reply;

    fn plan() -> DeliveryPlan {
        let d = |r: &str, id| LocalDelivery {
            recipient: r.into(),
            account_id: id,
            mailbox: "INBOX".into(),
            ..LocalDelivery::default()
        };
        DeliveryPlan {
            deliveries: vec![d("a@x", 1), d("b@x", 2)],
            ..DeliveryPlan::default()
        }
    }

    fn reply(code: u16) -> Reply {
        Reply {
            code,
            enhanced: if code >= 500 { "5.7.1" } else { "4.7.0" }.into(),
            text: "t".into(),
        }
    }

    #[test]
    fn annotations_and_folders() {
        let mut p = plan();
        let mut m = Merged {
            score: 4.5,
            tags: vec!["spam".into()],
            add_headers: vec![("X-Spam".into(), "yes".into())],
            folder: Some("Junk".into()),
            ..Merged::default()
        };
        m.per_recipient.insert(
            "b@x".into(),
            RcptOutcome::Continue {
                folder: Some("Promotions".into()),
                score: 0.0,
                tags: Vec::new(),
            },
        );
        fold(&mut p, m);
        assert_eq!(p.verdict, Verdict::Accept);
        assert_eq!(p.score, 4.5);
        assert_eq!(p.tags, vec!["spam"]);
        assert_eq!(
            p.add_headers,
            vec![("X-Spam".to_string(), "yes".to_string())]
        );
        assert_eq!(p.deliveries[0].mailbox, "Junk");
        assert_eq!(p.deliveries[1].mailbox, "Promotions");
    }

    #[test]
    fn message_level_decisions() {
        let mut p = plan();
        fold(
            &mut p,
            Merged {
                decision: Decision::Reject(reply(554)),
                ..Merged::default()
            },
        );
        assert!(matches!(p.verdict, Verdict::Reject { code: 554, .. }));
        let mut p = plan();
        fold(
            &mut p,
            Merged {
                decision: Decision::Tempfail(reply(451)),
                ..Merged::default()
            },
        );
        assert!(matches!(p.verdict, Verdict::TempFail { code: 451, .. }));
        let mut p = plan();
        fold(
            &mut p,
            Merged {
                decision: Decision::Discard,
                ..Merged::default()
            },
        );
        assert_eq!(p.verdict, Verdict::Discard);
    }

    #[test]
    fn per_recipient_decisions() {
        // Reject one of two: the other is delivered.
        let mut p = plan();
        let mut m = Merged::default();
        m.per_recipient
            .insert("a@x".into(), RcptOutcome::Reject(reply(550)));
        fold(&mut p, m);
        assert_eq!(p.verdict, Verdict::Accept);
        assert_eq!(p.deliveries.len(), 1);
        assert_eq!(p.deliveries[0].recipient, "b@x");
        assert_eq!(p.dropped.len(), 1);
        // Reject both: the message is refused with the plugin's reply.
        let mut p = plan();
        let mut m = Merged::default();
        m.per_recipient
            .insert("a@x".into(), RcptOutcome::Reject(reply(550)));
        m.per_recipient.insert("b@x".into(), RcptOutcome::Discard);
        fold(&mut p, m);
        assert!(matches!(p.verdict, Verdict::Reject { code: 550, .. }));
        // Tempfail for one: the whole message is retried (nothing stored now).
        let mut p = plan();
        let mut m = Merged::default();
        m.per_recipient
            .insert("b@x".into(), RcptOutcome::Tempfail(reply(451)));
        fold(&mut p, m);
        assert!(matches!(p.verdict, Verdict::TempFail { .. }));
        // Discard all: 250, nothing stored.
        let mut p = plan();
        let mut m = Merged::default();
        m.per_recipient.insert("a@x".into(), RcptOutcome::Discard);
        m.per_recipient.insert("b@x".into(), RcptOutcome::Discard);
        fold(&mut p, m);
        assert_eq!(p.verdict, Verdict::Discard);
    }
}
