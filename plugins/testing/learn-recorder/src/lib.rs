//! Test plugin: implements `learn` by counting calls per class (and per recipient account) in
//! its key-value store, and reports the counts of each message's first recipient in an
//! `X-Learned` header, e.g. `X-Learned: spam=1 ham=0 promotion=0 social=0 personal=0`.
use mailsift_plugin_sdk::prelude::*;

struct LearnRecorder;

const CLASSES: [(&str, LearnClass); 5] = [
    ("spam", LearnClass::Spam),
    ("ham", LearnClass::Ham),
    ("promotion", LearnClass::Promotion),
    ("social", LearnClass::Social),
    ("personal", LearnClass::Personal),
];

fn name(class: LearnClass) -> &'static str {
    CLASSES
        .iter()
        .find(|(_, c)| *c == class)
        .map_or("?", |(n, _)| n)
}

impl Plugin for LearnRecorder {
    fn info() -> PluginInfo {
        PluginInfo::new("learn-recorder", env!("CARGO_PKG_VERSION"))
            .description("Counts learn calls per class")
            .hook(Hook::Learn)
    }

    fn filter(message: &Message) -> Verdict {
        let rcpt = message
            .envelope
            .recipients
            .first()
            .cloned()
            .unwrap_or_default();
        let counts: Vec<String> = CLASSES
            .iter()
            .map(|(n, _)| format!("{n}={}", kv::get_i64(&format!("{rcpt}:{n}")).unwrap_or(0)))
            .collect();
        Verdict::continue_with().header("X-Learned", counts.join(" "))
    }

    fn learn(message: &Message, class: LearnClass) {
        for rcpt in &message.envelope.recipients {
            kv::increment(&format!("{rcpt}:{}", name(class)), 1);
        }
        kv::set_string("last-subject", message.subject_str());
    }
}

export_plugin!(LearnRecorder);
