//! Per-account settings of a plugin, set by an administrator with
//! `mailsift plugin set PLUGIN --account ADDRESS KEY=VALUE` (for example `enabled=false`, which
//! the bundled filters read to let a user turn them off). They live in the plugin's key-value
//! data under `settings/ADDRESS/KEY`. Values are strings; an unset setting is `None`.
//!
//! Settings are per account, so look them up with a recipient (`+tag` subaddresses and case do
//! not matter): in `filter`, for each of `message.envelope.recipients`; in `check_recipient`, for
//! the recipient being checked.
//!
//! ```no_run
//! use mailsift_plugin_sdk::prelude::*;
//! use mailsift_plugin_sdk::settings;
//!
//! fn filter(message: &Message) -> Verdict {
//!     let Some(rcpt) = message.envelope.recipients.first() else {
//!         return Verdict::continue_with();
//!     };
//!     // `mailsift plugin set my-rule --account ann@example.org enabled=false`
//!     if !settings::enabled(rcpt) {
//!         return Verdict::continue_with();
//!     }
//!     // `mailsift plugin set my-rule --account ann@example.org folder=Newsletters`
//!     let folder = settings::get(rcpt, "folder").unwrap_or_else(|| "Promotions".into());
//!     Verdict::continue_with().folder(folder)
//! }
//! ```

use crate::addr::EmailAddress;

/// The account a recipient address belongs to: lower case, without a `+tag` subaddress.
/// `None` when `recipient` is not an address.
///
/// ```
/// use mailsift_plugin_sdk::settings::account_of;
/// assert_eq!(account_of("Ann+news@Example.org").as_deref(), Some("ann@example.org"));
/// assert_eq!(account_of("not an address"), None);
/// ```
pub fn account_of(recipient: &str) -> Option<String> {
    let a = EmailAddress::parse(recipient)?;
    Some(format!("{}@{}", a.local_base().to_lowercase(), a.domain))
}

/// The key-value key of a setting (to read or write it with [`crate::kv`] directly).
///
/// ```
/// use mailsift_plugin_sdk::settings::key;
/// assert_eq!(key("ann@example.org", "enabled"), "settings/ann@example.org/enabled");
/// ```
pub fn key(account: &str, name: &str) -> String {
    format!("settings/{account}/{name}")
}

/// A setting of the account `recipient` belongs to, or `None` when it is unset.
///
/// ```no_run
/// use mailsift_plugin_sdk::settings;
/// let threshold: f64 = settings::get("ann@example.org", "threshold")
///     .and_then(|v| v.parse().ok())
///     .unwrap_or(5.0);
/// ```
pub fn get(recipient: &str, name: &str) -> Option<String> {
    crate::kv::get_string(&key(&account_of(recipient)?, name))
}

/// True unless the account turned this plugin off (`enabled=false`, `off`, `no` or `0`, any
/// case): a plugin is on for every account that did not say otherwise.
///
/// ```no_run
/// use mailsift_plugin_sdk::settings;
/// if !settings::enabled("ann@example.org") {
///     // leave Ann's mail alone
/// }
/// ```
pub fn enabled(recipient: &str) -> bool {
    !matches!(
        get(recipient, "enabled")
            .map(|v| v.trim().to_ascii_lowercase())
            .as_deref(),
        Some("false" | "off" | "no" | "0")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_and_keys() {
        assert_eq!(
            account_of("Bob+News@Example.ORG").as_deref(),
            Some("bob@example.org")
        );
        assert_eq!(account_of("nobody"), None);
        assert_eq!(
            key("bob@example.org", "enabled"),
            "settings/bob@example.org/enabled"
        );
    }
}
