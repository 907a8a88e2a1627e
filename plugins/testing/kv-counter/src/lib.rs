//! Test plugin for the key-value store's atomic increment. On each message it adds 1 to the
//! counter `messages` (config key `key` names another) with `kv::increment`, and adds
//! `X-KV-Count: <the value it saw>`. With config `reject = "true"` it then refuses the message
//! (554), to show that a refused message's writes are kept.
use mailsift_plugin_sdk::prelude::*;

struct KvCounter;

impl Plugin for KvCounter {
    fn info() -> PluginInfo {
        PluginInfo::new("kv-counter", env!("CARGO_PKG_VERSION"))
            .description("Counts messages in its key-value store with kv::increment")
    }

    fn filter(_message: &Message) -> Verdict {
        let key = config::get_or("key", "messages");
        let seen = kv::increment(&key, 1);
        if config::get("reject").as_deref() == Some("true") {
            return Verdict::reject(554, "5.7.1", "counted, then refused");
        }
        Verdict::continue_with().header("X-KV-Count", seen.to_string())
    }
}

export_plugin!(KvCounter);
