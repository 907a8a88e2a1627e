//! Test plugin: a stand-in for a classifier. It calls every message spam (score 10, tag `spam`,
//! folder Junk) except for recipients whose allow list covers the authenticated sender — the
//! same rule the bundled spam and promotions plugins apply (`lists::standing`).
use mailsift_plugin_sdk::prelude::*;

struct JunkAll;

impl Plugin for JunkAll {
    fn info() -> PluginInfo {
        PluginInfo::new("junk-all", env!("CARGO_PKG_VERSION"))
            .description("Files every message into Junk unless allow-listed")
    }

    fn filter(message: &Message) -> Verdict {
        let spam = || {
            Decision::continue_with()
                .score(10.0)
                .tag("spam")
                .folder("Junk")
        };
        let mut verdict = Verdict::continue_with();
        for rcpt in &message.envelope.recipients {
            let decision = match lists::standing(message, rcpt) {
                Standing::Allowed(_) => Decision::continue_with(),
                _ => spam(),
            };
            verdict = verdict.for_recipient(rcpt.clone(), decision);
        }
        verdict
    }
}

export_plugin!(JunkAll);
