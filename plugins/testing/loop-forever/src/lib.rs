//! Faulty test plugin: never returns from `filter`. The server must interrupt it (fuel or epoch
//! deadline), handle the message as for any failing plugin, and stay up.
use mailsift_plugin_sdk::prelude::*;

struct LoopForever;

impl Plugin for LoopForever {
    fn info() -> PluginInfo {
        PluginInfo::new("loop-forever", env!("CARGO_PKG_VERSION"))
            .description("Loops forever in filter")
    }

    fn filter(_message: &Message) -> Verdict {
        let mut n: u64 = 0;
        loop {
            // black_box keeps the optimiser from reasoning the loop away.
            n = std::hint::black_box(n.wrapping_add(1));
        }
    }
}

export_plugin!(LoopForever);
