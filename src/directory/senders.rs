//! Who an account may send as (RFC 6409 §6.1: the submission server may check that the
//! sender is authorised to use the address). The one place that answers it, so that aliases
//! (a later issue) are added here and every check follows.

use super::{Directory, DirectoryError, split_lookup};
use crate::store::Account;

/// The addresses `account` may use as MAIL FROM and From, lower case: its own address and the
/// extra senders an administrator allowed (shared mailboxes). Subaddresses of these are
/// allowed too (`may_send_as`). Aliases of the account will be added here.
pub fn addresses_of(account: &Account) -> Vec<String> {
    let mut out = vec![account.address.to_ascii_lowercase()];
    out.extend(
        account
            .sending
            .send_as
            .iter()
            .map(|a| a.to_ascii_lowercase()),
    );
    out
}

/// Whether `address` is one of `allowed` or a subaddress (`user+tag@domain`, RFC 5233) of one.
/// Local parts compare case-insensitively, as this server's accounts do.
pub fn may_send_as(allowed: &[String], address: &str) -> bool {
    let Some((local, domain)) = split_lookup(address) else {
        return false;
    };
    let base = local
        .split_once('+')
        .map_or(local.as_str(), |(user, _)| user);
    allowed.iter().any(|a| {
        a.rsplit_once('@')
            .is_some_and(|(al, ad)| ad == domain && (al == local || al == base))
    })
}

impl Directory {
    /// The account logged in as `login`, with the addresses it may send as; `None` when the
    /// account no longer exists.
    pub fn sender_identity(
        &self,
        login: &str,
    ) -> Result<Option<(Account, Vec<String>)>, DirectoryError> {
        let Some((local, domain)) = split_lookup(login) else {
            return Ok(None);
        };
        let account = self.store().read()?.account(&format!("{local}@{domain}"))?;
        Ok(account.map(|a| {
            let allowed = addresses_of(&a);
            (a, allowed)
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_subaddress_and_extra_senders() {
        let allowed = vec!["alice@example.org".to_string(), "sales@example.org".into()];
        for (address, ok) in [
            ("alice@example.org", true),
            ("Alice@Example.ORG", true),
            ("alice+news@example.org", true),
            ("sales@example.org", true),
            ("sales+x@example.org", true),
            ("bob@example.org", false),
            ("alice@example.com", false),
            ("alicex@example.org", false),
            ("", false),
            ("alice", false),
        ] {
            assert_eq!(may_send_as(&allowed, address), ok, "{address}");
        }
    }
}
