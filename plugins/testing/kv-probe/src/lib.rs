//! Test plugin for the key-value store's isolation. On each message, in this order:
//!
//! 1. if config key `read` is set, reads that key and adds `X-KV-Read: <value>` (or
//!    `X-KV-Read: none` if the key is absent or `read` is unset);
//! 2. if config key `write` is set, stores config key `value` (default "") under it.
//!
//! Two instances configured as A (`write = "k"`, `value = "secret"`) and B (`read = "k"`) show
//! that B cannot see A's keys; A alone with both `read` and `write` on the same key shows that
//! values persist from one message to the next.
use mailsift_plugin_sdk::prelude::*;

struct KvProbe;

impl Plugin for KvProbe {
    fn info() -> PluginInfo {
        PluginInfo::new("kv-probe", env!("CARGO_PKG_VERSION")).description(
            "Reads config `read` and writes config `write`=`value` in its key-value store",
        )
    }

    fn filter(message: &Message) -> Verdict {
        let read = config::get("read")
            .and_then(|key| kv::get(&key))
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
            .unwrap_or_else(|| "none".to_string());
        if let Some(key) = config::get("write") {
            let value = config::get_or("value", "");
            kv::set_string(&key, &value);
            debug!("kv-probe: {} wrote key {:?}", message.queue_id(), key);
        }
        Verdict::continue_with().header("X-KV-Read", read)
    }
}

export_plugin!(KvProbe);
