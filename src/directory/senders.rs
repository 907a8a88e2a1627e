//! Who an account may send as (RFC 6409 §6.1: the submission server may check that the
//! sender is authorised to use the address). The one place that answers it: an account's own
//! address, its extra senders and its aliases, under their domains and their alias domains.

use super::{Directory, DirectoryError, split_lookup};
use crate::store::Account;

/// The addresses `account` may use as MAIL FROM and From, lower case: its own address and the
/// extra senders an administrator allowed (shared mailboxes). Subaddresses of these are
/// allowed too (`may_send_as`). Its aliases are added by [`Directory::sender_identity`].
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
        let read = self.store().read()?;
        let Some(account) = read.account(&format!("{local}@{domain}"))? else {
            return Ok(None);
        };
        let allowed = allowed_senders(&read, &account)?;
        Ok(Some((account, allowed)))
    }
}

/// Every address `account` may send as (see [`may_send_as`] for subaddresses): its own, its
/// extra senders, its aliases, and these under their alias domains. Also the rule for the
/// messages its Sieve scripts make (`sieve::identity`).
pub fn allowed_senders(
    read: &crate::store::ReadTx,
    account: &Account,
) -> Result<Vec<String>, DirectoryError> {
    let mut allowed = addresses_of(account);
    allowed.extend(read.aliases_of(account.id)?.into_iter().map(|a| a.address));
    with_alias_domains(read, allowed)
}

/// `allowed` plus each address under the alias domains of its domain: an alias domain has
/// the same mailboxes and aliases as its target, so their owners may send under it too.
fn with_alias_domains(
    read: &crate::store::ReadTx,
    allowed: Vec<String>,
) -> Result<Vec<String>, DirectoryError> {
    let alias_domains: Vec<(String, String)> = read
        .domain_addressings()?
        .into_iter()
        .filter_map(|(domain, s)| s.alias_of.map(|target| (domain, target)))
        .collect();
    if alias_domains.is_empty() {
        return Ok(allowed);
    }
    let mut out = allowed.clone();
    for address in &allowed {
        let Some((local, domain)) = address.rsplit_once('@') else {
            continue;
        };
        for (alias_domain, target) in &alias_domains {
            if target == domain {
                out.push(format!("{local}@{alias_domain}"));
            }
        }
    }
    Ok(out)
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
