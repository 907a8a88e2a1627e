//! Test plugin: the no-op plugin (`testing/noop`) declared stateless, so the server may reuse
//! its instances. Used to benchmark the cost of a call on a reused instance.
use mailsift_plugin_sdk::prelude::*;

struct NoopStateless;

impl Plugin for NoopStateless {
    fn info() -> PluginInfo {
        PluginInfo::new("noop-stateless", env!("CARGO_PKG_VERSION"))
            .description("Does nothing, in reusable instances")
    }

    fn traits() -> PluginTraits {
        PluginTraits::STATELESS
    }

    fn filter(_message: &Message) -> Verdict {
        Verdict::continue_with()
    }
}

export_plugin!(NoopStateless);
