//! Per-account settings of a plugin, set by an administrator with
//! `mailsift plugin set PLUGIN --account ADDRESS KEY=VALUE` (for example `enabled=false`, which
//! the bundled filters read to let a user turn them off). They live in the plugin's key-value
//! data under `settings/ADDRESS/KEY`.

use crate::addr::EmailAddress;

/// The account a recipient address belongs to: lower case, without a `+tag` subaddress.
pub fn account_of(recipient: &str) -> Option<String> {
    let a = EmailAddress::parse(recipient)?;
    Some(format!("{}@{}", a.local_base().to_lowercase(), a.domain))
}

/// The key-value key of a setting.
pub fn key(account: &str, name: &str) -> String {
    format!("settings/{account}/{name}")
}

/// A setting of the account `recipient` belongs to.
pub fn get(recipient: &str, name: &str) -> Option<String> {
    crate::kv::get_string(&key(&account_of(recipient)?, name))
}

/// True unless the account turned this plugin off (`enabled=false`, `off`, `no` or `0`).
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
