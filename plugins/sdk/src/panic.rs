//! A panic hook that sends the panic message and its location to the host log at error level.
//!
//! [`export_plugin!`](crate::export_plugin) installs it before every call, so plugins need do
//! nothing. Plugins are built with `panic = "abort"`: after the hook has logged, the instance
//! traps and the server handles the message as it does any failing plugin.

use std::sync::Once;

static INSTALL: Once = Once::new();

/// Install the hook (idempotent and cheap after the first call).
pub fn install() {
    INSTALL.call_once(|| std::panic::set_hook(Box::new(hook)));
}

fn hook(info: &std::panic::PanicHookInfo<'_>) {
    crate::log::error(&describe(info));
}

/// "plugin panicked at src/lib.rs:12:5: the message".
fn describe(info: &std::panic::PanicHookInfo<'_>) -> String {
    let message = info
        .payload()
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| info.payload().downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(non-string panic payload)".to_string());
    match info.location() {
        Some(l) => format!(
            "plugin panicked at {}:{}:{}: {}",
            l.file(),
            l.line(),
            l.column(),
            message
        ),
        None => format!("plugin panicked: {message}"),
    }
}
