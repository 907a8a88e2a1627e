//! The plugin's own settings: the `[plugin.NAME.config]` table of the server configuration.
//! Values arrive as strings; these helpers parse them.
//!
//! ```no_run
//! # use mailsift_plugin_sdk::prelude::*;
//! let version = config::get_or("version", "1");
//! let threshold: f64 = config::parse_or("threshold", 5.0);
//! let domains = config::list("domains"); // "a.org, b.org" → ["a.org", "b.org"]
//! ```

use std::str::FromStr;

use crate::bindings::mailsift::plugin::config as host;

/// The value of `key`, if set.
pub fn get(key: &str) -> Option<String> {
    host::get(key)
}

/// The value of `key`, or `default` if it is not set.
pub fn get_or(key: &str, default: &str) -> String {
    host::get(key).unwrap_or_else(|| default.to_string())
}

/// Every key and value.
pub fn all() -> Vec<(String, String)> {
    host::all()
}

/// The value of `key` parsed as `T`. `None` if unset; if set but unparseable, logs a warning
/// and returns `None`.
pub fn parse<T: FromStr>(key: &str) -> Option<T> {
    let raw = host::get(key)?;
    match raw.trim().parse() {
        Ok(v) => Some(v),
        Err(_) => {
            crate::log::warn(&format!(
                "config key {key:?}: cannot parse {raw:?}; using the default"
            ));
            None
        }
    }
}

/// The value of `key` parsed as `T`, or `default` if unset or unparseable.
pub fn parse_or<T: FromStr>(key: &str, default: T) -> T {
    parse(key).unwrap_or(default)
}

/// A boolean: true/false, yes/no, on/off, 1/0 (case-insensitive). Anything else counts as unset
/// (with a warning).
pub fn get_bool(key: &str) -> Option<bool> {
    let raw = host::get(key)?;
    let parsed = parse_bool(&raw);
    if parsed.is_none() {
        crate::log::warn(&format!(
            "config key {key:?}: {raw:?} is not a boolean; using the default"
        ));
    }
    parsed
}

/// [`get_bool`] with a default.
pub fn bool_or(key: &str, default: bool) -> bool {
    get_bool(key).unwrap_or(default)
}

/// A comma-separated list, items trimmed, empty items dropped. Unset → empty list.
pub fn list(key: &str) -> Vec<String> {
    host::get(key).map(|v| split_list(&v)).unwrap_or_default()
}

pub(crate) fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "on" | "1" => Some(true),
        "false" | "no" | "off" | "0" => Some(false),
        _ => None,
    }
}

pub(crate) fn split_list(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(String::from)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bools_and_lists() {
        assert_eq!(parse_bool(" Yes "), Some(true));
        assert_eq!(parse_bool("off"), Some(false));
        assert_eq!(parse_bool("maybe"), None);
        assert_eq!(split_list(" a.org, ,b.org ,"), vec!["a.org", "b.org"]);
    }
}
