//! Test plugin: lets every message through with no annotations. Used to benchmark the cost of
//! calling a plugin at all.
use mailsift_plugin_sdk::prelude::*;

struct Noop;

impl Plugin for Noop {
    fn info() -> PluginInfo {
        PluginInfo::new("noop", env!("CARGO_PKG_VERSION")).description("Does nothing")
    }

    fn filter(_message: &Message) -> Verdict {
        Verdict::continue_with()
    }
}

export_plugin!(Noop);
