//! The Mailsift plugin template: the starting point of "Write a plugin in five minutes"
//! (plugins/README.md). It adds the header `X-Mailsift-Template: seen` to every message.
//!
//! Copy this directory, rename the package in Cargo.toml, change `filter`, and build with
//! `scripts/build-plugins.sh`. The result is `plugins/dist/<your directory>.wasm`.

// The prelude brings the Plugin trait, the message and verdict types, the helper modules
// (addr, config, kv, log) and the logging macros (trace!, debug!, info!, warn!, error!).
use mailsift_plugin_sdk::prelude::*;

/// Plugins carry no state of their own: each call runs in a fresh instance, so a unit struct
/// is all you need. Keep what must survive between messages in the key-value store (`kv`).
struct Template;

impl Plugin for Template {
    /// Who the plugin is. `plugin_info!()` takes name, version and description from Cargo.toml.
    /// If you implement `check_recipient` or `learn`, declare it here, or the server will not
    /// call it:  `plugin_info!().hook(Hook::CheckRecipient)`.
    fn info() -> PluginInfo {
        plugin_info!()
    }

    // Stateless (WIT 0.1.3): nothing is kept in memory from one message to the next and
    // nothing is leaked per call, so the server may reuse an instance for many calls.
    fn traits() -> PluginTraits {
        PluginTraits::STATELESS
    }

    /// Called once per message, at the end of SMTP DATA. Look at the message and say what to do.
    fn filter(message: &Message) -> Verdict {
        // Settings come from the server configuration, [plugin.NAME.config] (all strings):
        //     let threshold: f64 = config::parse_or("threshold", 5.0);
        //
        // Headers are looked up case-insensitively; `header_values` returns every occurrence:
        //     if message.header("List-Unsubscribe").is_some() { ... }
        //
        // Attachments, including those inside attached messages, with a readable path:
        //     for a in message.walk_attachments() {
        //         if a.extension().as_deref() == Some("exe") { ... a.path() ... }
        //     }
        //
        // Log lines go to the server's log, tagged with this plugin and the queue id:
        debug!(
            "template plugin saw a message of {} bytes",
            message.raw_size
        );

        // Let the message through and add a header. Other things a verdict can carry:
        //     .score(2.5) .tag("promotion") .folder("Promotions") .explain("why")
        // Or refuse it instead:
        //     Verdict::reject(554, "5.7.0", "Message refused")
        //     Verdict::tempfail(451, "4.7.1", "Try again later")
        Verdict::continue_with().header("X-Mailsift-Template", "seen")
    }

    // Optional hooks (the defaults let everything through / do nothing):
    //
    // fn check_recipient(envelope: &Envelope, recipient: &str) -> Decision {
    //     Decision::continue_with()            // or Decision::reject(550, "5.7.1", "No such user")
    // }
    //
    // fn learn(message: &Message, class: LearnClass) {
    //     // e.g. update per-sender statistics in kv when a user marks a message as spam
    // }
}

// Wire the type to the component's exports. Exactly once per plugin.
export_plugin!(Template);
