//! Test plugin for instance reuse. It declares itself stateless but, to make reuse visible,
//! counts in a static the calls its instance has served and adds `X-Instance-Calls: <n>`
//! (1 on a fresh instance). It also adds 1 to the key-value counter `seen` and reports the
//! value it saw in `X-KV-Seen`, to show that each call reads a fresh snapshot. A message whose
//! subject is `panic` makes it panic (trap), `grow` makes it keep 1 MiB per call (a leak, so
//! that the memory cap is reached after a few calls).
use std::sync::atomic::{AtomicU32, Ordering};

use mailsift_plugin_sdk::prelude::*;

static CALLS: AtomicU32 = AtomicU32::new(0);

struct ReuseProbe;

impl Plugin for ReuseProbe {
    fn info() -> PluginInfo {
        PluginInfo::new("reuse-probe", env!("CARGO_PKG_VERSION"))
            .description("Counts the calls its instance served")
    }

    fn traits() -> PluginTraits {
        PluginTraits::STATELESS
    }

    fn filter(message: &Message) -> Verdict {
        let n = CALLS.fetch_add(1, Ordering::Relaxed) + 1;
        match message.subject.as_deref() {
            Some("panic") => panic!("asked to panic"),
            Some("grow") => {
                std::hint::black_box(Vec::leak(vec![1u8; 1 << 20]));
            }
            _ => {}
        }
        let seen = kv::increment("seen", 1);
        Verdict::continue_with()
            .header("X-Instance-Calls", n.to_string())
            .header("X-KV-Seen", seen.to_string())
    }
}

export_plugin!(ReuseProbe);
