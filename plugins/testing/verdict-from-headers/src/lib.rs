//! Test plugin: a verdict chosen by the message itself, so that tests can pose as any filter:
//! `X-Test-Score: 7.5` (score), `X-Test-Tags: spam promotion` (tags), `X-Test-Folder: Junk`
//! (suggested folder), `X-Test-Reject: text` (554 5.7.1 with that text).
use mailsift_plugin_sdk::prelude::*;

struct VerdictFromHeaders;

impl Plugin for VerdictFromHeaders {
    fn info() -> PluginInfo {
        PluginInfo::new("verdict-from-headers", env!("CARGO_PKG_VERSION"))
            .description("Takes its verdict from X-Test-* header fields")
    }

    fn filter(message: &Message) -> Verdict {
        if let Some(text) = message.header("X-Test-Reject") {
            return Verdict::reject(554, "5.7.1", text.trim().to_string());
        }
        let mut v = Verdict::continue_with();
        if let Some(score) = message
            .header("X-Test-Score")
            .and_then(|s| s.trim().parse::<f64>().ok())
        {
            v = v.score(score);
        }
        if let Some(tags) = message.header("X-Test-Tags") {
            for t in tags.split_whitespace() {
                v = v.tag(t.to_string());
            }
        }
        if let Some(folder) = message.header("X-Test-Folder") {
            v = v.folder(folder.trim().to_string());
        }
        v
    }
}

export_plugin!(VerdictFromHeaders);
