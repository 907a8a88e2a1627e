//! Test plugin: implements the `check-recipient` hook and refuses (550 5.7.1) every recipient
//! whose local part starts with `blocked` (case-insensitive), e.g. `blocked@example.org` or
//! `Blocked.User@example.org`. Everything else, and every message at DATA, goes through.
use mailsift_plugin_sdk::prelude::*;

struct RefuseRecipient;

impl Plugin for RefuseRecipient {
    fn info() -> PluginInfo {
        PluginInfo::new("refuse-recipient", env!("CARGO_PKG_VERSION"))
            .description("Refuses recipients whose local part starts with 'blocked'")
            .hook(Hook::CheckRecipient)
    }

    fn filter(_message: &Message) -> Verdict {
        Verdict::continue_with()
    }

    fn check_recipient(envelope: &Envelope, recipient: &str) -> Decision {
        // A recipient without a domain (e.g. "postmaster") is all local part.
        let local = addr::local_part_of(recipient).unwrap_or_else(|| recipient.trim().to_string());
        if local.to_lowercase().starts_with("blocked") {
            info!(
                "refuse-recipient: {} refusing <{}>",
                envelope.queue_id, recipient
            );
            Decision::reject(
                550,
                "5.7.1",
                format!("Recipient <{recipient}> refused by policy"),
            )
        } else {
            Decision::continue_with()
        }
    }
}

export_plugin!(RefuseRecipient);
