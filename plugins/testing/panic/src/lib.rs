//! Faulty test plugin: panics in `filter`. The SDK's panic hook sends
//! "plugin panicked at testing/panic/src/lib.rs:LINE:COL: mailsift-test-panic: deliberate panic
//! in filter" to the server log at error level, then the instance traps.
use mailsift_plugin_sdk::prelude::*;

/// The text a test can look for in the server log.
pub const PANIC_MESSAGE: &str = "mailsift-test-panic: deliberate panic in filter";

struct Panic;

impl Plugin for Panic {
    fn info() -> PluginInfo {
        PluginInfo::new("panic", env!("CARGO_PKG_VERSION")).description("Panics in filter")
    }

    fn filter(message: &Message) -> Verdict {
        panic!("{PANIC_MESSAGE} (queue id {})", message.queue_id());
    }
}

export_plugin!(Panic);
