//! Test plugin used by the server's tests: adds `X-Test-Plugin: <version>`, where the version is
//! the config key `version` (default "1"), and logs one info line.
use mailsift_plugin_sdk::prelude::*;

struct AddHeader;

impl Plugin for AddHeader {
    fn info() -> PluginInfo {
        PluginInfo::new("add-header", env!("CARGO_PKG_VERSION"))
            .description("Adds X-Test-Plugin: <config version>")
    }

    fn filter(message: &Message) -> Verdict {
        let version = config::get_or("version", "1");
        info!(
            "add-header: queue id {}, adding X-Test-Plugin: {}",
            message.queue_id(),
            version
        );
        Verdict::continue_with().header("X-Test-Plugin", version)
    }
}

export_plugin!(AddHeader);
