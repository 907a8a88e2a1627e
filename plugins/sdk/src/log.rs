//! Logging into the server's log. Lines are tagged by the server with the plugin's name and the
//! message's queue id. `println!` goes nowhere in a plugin: use these.
//!
//! ```no_run
//! # use mailsift_plugin_sdk::prelude::*;
//! # fn report(msg: &Message, score: f64) {
//! mailsift_plugin_sdk::info!("scored {} for {}", score, msg.queue_id());
//! log::warn("no Date header");
//! # }
//! ```

pub use crate::bindings::mailsift::plugin::log::Level;

/// Log `message` at `level`.
pub fn log(level: Level, message: &str) {
    crate::bindings::mailsift::plugin::log::log(level, message)
}

pub fn trace(message: &str) {
    log(Level::Trace, message)
}

pub fn debug(message: &str) {
    log(Level::Debug, message)
}

pub fn info(message: &str) {
    log(Level::Info, message)
}

pub fn warn(message: &str) {
    log(Level::Warn, message)
}

pub fn error(message: &str) {
    log(Level::Error, message)
}

/// `trace!("format {}", args)`: log a formatted line at trace level.
#[macro_export]
macro_rules! trace {
    ($($arg:tt)+) => { $crate::log::log($crate::log::Level::Trace, &::std::format!($($arg)+)) };
}

/// `debug!("format {}", args)`: log a formatted line at debug level.
#[macro_export]
macro_rules! debug {
    ($($arg:tt)+) => { $crate::log::log($crate::log::Level::Debug, &::std::format!($($arg)+)) };
}

/// `info!("format {}", args)`: log a formatted line at info level.
#[macro_export]
macro_rules! info {
    ($($arg:tt)+) => { $crate::log::log($crate::log::Level::Info, &::std::format!($($arg)+)) };
}

/// `warn!("format {}", args)`: log a formatted line at warn level.
#[macro_export]
macro_rules! warn {
    ($($arg:tt)+) => { $crate::log::log($crate::log::Level::Warn, &::std::format!($($arg)+)) };
}

/// `error!("format {}", args)`: log a formatted line at error level.
#[macro_export]
macro_rules! error {
    ($($arg:tt)+) => { $crate::log::log($crate::log::Level::Error, &::std::format!($($arg)+)) };
}
