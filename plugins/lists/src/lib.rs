//! The bundled allow/block list plugin. Entries are server data (`mailsift list add …`), looked
//! up through the host's `lists` import; this plugin decides what they mean:
//!
//! * **Block** (an address, a domain, or a domain with its subdomains, on the recipient's list or
//!   their domain's): `550 5.7.1` at RCPT TO for that recipient when MAIL FROM matches; at the
//!   end of DATA, the recipient is dropped when the From header matches (one DATA reply covers
//!   every recipient, so a message for several is refused only when all of them block it).
//! * **Allow**: marks the recipient's copy with the tag `allowlisted` when the sender is
//!   authenticated (DMARC pass, or an aligned SPF or DKIM pass for the entry's domain). The spam
//!   and promotions plugins consult the same lists (`mailsift_plugin_sdk::lists::standing`) and
//!   skip their classification; the attachment check never does. An allow entry matching a
//!   sender nothing authenticates is ignored, logged, and noted in an `X-Mailsift-Lists` header.
use mailsift_plugin_sdk::prelude::*;

struct Lists;

fn refusal() -> Decision {
    Decision::reject(550, "5.7.1", "Sender refused by the recipient's block list")
}

fn auth_summary(m: &Message) -> String {
    format!(
        "dmarc={} spf={} dkim={}",
        m.auth.dmarc.as_str(),
        m.auth.spf.as_str(),
        m.auth.dkim.as_str()
    )
}

impl Plugin for Lists {
    fn info() -> PluginInfo {
        plugin_info!().hook(Hook::CheckRecipient)
    }

    // Stateless (WIT 0.1.3): nothing is kept in memory from one message to the next and
    // nothing is leaked per call, so the server may reuse an instance for many calls.
    fn traits() -> PluginTraits {
        PluginTraits::STATELESS
    }

    fn check_recipient(envelope: &Envelope, recipient: &str) -> Decision {
        let Some(sender) = addr::parse(&envelope.mail_from) else {
            // The null sender (bounces) is matched on the From header at DATA.
            return Decision::continue_with();
        };
        let blocked = lists::lookup(recipient, &sender.normalized())
            .into_iter()
            .find(|m| m.kind == lists::ListKind::Block);
        match blocked {
            Some(m) => {
                info!(
                    "{}: <{}> refused for <{}>: block entry {} ({:?} list)",
                    envelope.queue_id,
                    sender.normalized(),
                    recipient,
                    m.entry,
                    m.scope
                );
                refusal()
            }
            None => Decision::continue_with(),
        }
    }

    fn filter(message: &Message) -> Verdict {
        let mut verdict = Verdict::continue_with();
        let mut notes = Vec::new();
        for rcpt in &message.envelope.recipients {
            match lists::standing(message, rcpt) {
                Standing::Blocked(m) => {
                    info!(
                        "{}: dropping <{}>: block entry {}",
                        message.queue_id(),
                        rcpt,
                        m.entry
                    );
                    verdict = verdict.for_recipient(rcpt.clone(), refusal());
                }
                Standing::Allowed(m) => {
                    debug!("{}: <{}> allow-lists {}", message.queue_id(), rcpt, m.entry);
                    verdict = verdict.for_recipient(
                        rcpt.clone(),
                        Decision::continue_with()
                            .tag("allowlisted")
                            .explain(format!("allow entry {}", m.entry)),
                    );
                }
                Standing::Unverified(m) => {
                    warn!(
                        "{}: allow entry {} of <{}> matches an unauthenticated sender ({}); ignored",
                        message.queue_id(),
                        m.entry,
                        rcpt,
                        auth_summary(message)
                    );
                    notes.push(format!(
                        "{rcpt}: allow entry {} ignored, sender not authenticated ({})",
                        m.entry,
                        auth_summary(message)
                    ));
                }
                Standing::Unlisted => {}
            }
        }
        if !notes.is_empty() {
            verdict = verdict.header("X-Mailsift-Lists", notes.join("; "));
        }
        verdict
    }
}

export_plugin!(Lists);
