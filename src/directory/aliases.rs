//! Addresses beyond an account's own: aliases, alias domains, a catch-all per domain, and the
//! role addresses postmaster@ and abuse@ of every domain (RFC 5321 §4.5.1 requires postmaster;
//! RFC 2142 §2 names abuse), which reach the domain's administrator. These are the steps of
//! recipient resolution after the exact account (see `resolve_in`), and the rules for making
//! them.

use super::address::RESERVED_LOCAL_PARTS;
use super::{AddressError, DirectoryError, Recipient, normalize_new_account};
use crate::store::{Account, ReadTx};

/// The default of `[accounts] max_aliases`: the reference service's limit on most plans.
pub const DEFAULT_MAX_ALIASES: usize = 50;

/// Local parts every domain answers for, however its accounts are named: they reach the
/// domain's administrator. The other reserved local parts (no-reply and the like) stay unknown
/// users (550), even with a catch-all.
pub const ROLE_LOCAL_PARTS: &[&str] = &["postmaster", "abuse"];

/// Checks an address for a new alias (the rules of account addresses: characters, length,
/// reserved names) and returns it lower-cased.
pub fn normalize_alias(address: &str) -> Result<String, AddressError> {
    normalize_new_account(address)
}

/// Step 3 of resolution: the account whose alias `address` (lower case) is.
pub(super) fn alias_account(
    read: &ReadTx,
    address: &str,
) -> Result<Option<Account>, DirectoryError> {
    match read.alias(address)? {
        Some(alias) => Ok(read.account_by_id(alias.account_id)?),
        None => Ok(None),
    }
}

/// Step 5: the domain `domain` is an alias domain of this one.
pub(super) fn alias_domain_target(
    read: &ReadTx,
    domain: &str,
) -> Result<Option<String>, DirectoryError> {
    Ok(read.domain_addressing(domain)?.alias_of)
}

/// Steps 6 and 7, for an address of our domain that no account, alias or alias domain
/// answered: postmaster@ and abuse@ reach the administrator, other reserved names are unknown,
/// anything else goes to the domain's catch-all (an alias domain's own, else its target's).
pub(super) fn role_or_catch_all(
    read: &ReadTx,
    local: &str,
    domain: &str,
) -> Result<Recipient, DirectoryError> {
    if ROLE_LOCAL_PARTS.contains(&local) {
        return Ok(match domain_admin(read, domain)? {
            Some((account, _)) => Recipient::Local {
                account,
                detail: None,
            },
            None => Recipient::UnknownUser,
        });
    }
    let base = local.split_once('+').map_or(local, |(user, _)| user);
    if RESERVED_LOCAL_PARTS.contains(&base) {
        return Ok(Recipient::UnknownUser);
    }
    let settings = read.domain_addressing(domain)?;
    let catch_all = match (settings.catch_all, settings.alias_of) {
        (Some(c), _) => Some(c),
        (None, Some(target)) => read.domain_addressing(&target)?.catch_all,
        (None, None) => None,
    };
    // The catch-all is resolved without roles or catch-alls of its own: no loops.
    match catch_all {
        Some(address) => {
            Ok(super::resolve_mailbox_address(read, &address)?.unwrap_or(Recipient::UnknownUser))
        }
        None => Ok(Recipient::UnknownUser),
    }
}

/// Why an account is a domain's administrator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminSource {
    /// Set with `mailsift domain admin`.
    Set,
    /// `[submission] postmaster`.
    Configured,
    /// The domain's (or, for an alias domain without accounts, its target's) oldest account.
    Oldest,
}

impl AdminSource {
    pub fn describe(self) -> &'static str {
        match self {
            AdminSource::Set => "set with `mailsift domain admin`",
            AdminSource::Configured => "[submission] postmaster",
            AdminSource::Oldest => "the domain's oldest account",
        }
    }
}

/// The account postmaster@ and abuse@ of `domain` reach: the administrator set for the domain
/// (for an alias domain without one, its target's), else `[submission] postmaster` when it is
/// a local address, else the domain's oldest account (for an alias domain without accounts,
/// the target's). `None` when none of them leads to a mailbox.
pub fn domain_admin(
    read: &ReadTx,
    domain: &str,
) -> Result<Option<(Account, AdminSource)>, DirectoryError> {
    let settings = read.domain_addressing(domain)?;
    let target = settings.alias_of.clone();
    let set = match (settings.admin, &target) {
        (Some(a), _) => Some(a),
        (None, Some(t)) => read.domain_addressing(t)?.admin,
        (None, None) => None,
    };
    if let Some(admin) = set
        && let Some(account) = mailbox_of(read, &admin)?
    {
        return Ok(Some((account, AdminSource::Set)));
    }
    let configured = read.address_defaults()?.postmaster;
    if !configured.is_empty()
        && let Some(account) = mailbox_of(read, &configured)?
    {
        return Ok(Some((account, AdminSource::Configured)));
    }
    if let Some(account) = read.oldest_account(domain)? {
        return Ok(Some((account, AdminSource::Oldest)));
    }
    if let Some(t) = &target
        && let Some(account) = read.oldest_account(t)?
    {
        return Ok(Some((account, AdminSource::Oldest)));
    }
    Ok(None)
}

/// The account an address leads to through accounts, aliases, subaddresses and alias domains
/// (never a role address or a catch-all).
pub fn mailbox_of(read: &ReadTx, address: &str) -> Result<Option<Account>, DirectoryError> {
    Ok(match super::resolve_mailbox_address(read, address)? {
        Some(Recipient::Local { account, .. }) => Some(account),
        _ => None,
    })
}

/// Whether `address` is the bare `Postmaster` recipient, which RFC 5321 §4.1.1.3 requires a
/// server to accept without a domain (any case).
pub(super) fn is_bare_postmaster(address: &str) -> bool {
    address.trim().eq_ignore_ascii_case("postmaster")
}

/// The bare `<Postmaster>`: the administrator of the primary domain.
pub(super) fn bare_postmaster(read: &ReadTx) -> Result<Recipient, DirectoryError> {
    let hostname = read.address_defaults()?.hostname;
    let Some(domain) = primary_domain(read, &hostname)? else {
        return Ok(Recipient::UnknownUser);
    };
    role_or_catch_all(read, "postmaster", &domain)
}

/// The primary local domain: the one `hostname` is in (the longest such), else the first by
/// name. `None` without domains.
pub fn primary_domain(
    read: &ReadTx,
    hostname: &str,
) -> Result<Option<String>, crate::store::StoreError> {
    let host = hostname.trim_end_matches('.').to_ascii_lowercase();
    let mut domains: Vec<String> = read.domains()?.into_iter().map(|d| d.name).collect();
    domains.sort();
    let inside = domains
        .iter()
        .filter(|d| host == **d || host.ends_with(&format!(".{d}")))
        .max_by_key(|d| d.len())
        .cloned();
    Ok(inside.or_else(|| domains.into_iter().next()))
}

/// The mail an account finds in its INBOX when an alias is added to it or taken from it
/// (the reference service tells the mailbox's users). `Auto-Submitted: auto-generated`
/// (RFC 3834 §5) so that no vacation responder answers it.
pub fn alias_notice(account: &str, alias: &str, added: bool, now: i64) -> Vec<u8> {
    let domain = account.rsplit_once('@').map_or("localhost", |(_, d)| d);
    let (subject, body) = if added {
        (
            format!("New alias {alias} for your mailbox"),
            format!(
                "Hello,\r\n\r\n\
                 The address {alias} is now an alias of your mailbox {account}:\r\n\
                 mail sent to it arrives in this mailbox, and you may send as it.\r\n\r\n\
                 If you did not expect this, please contact your administrator.\r\n"
            ),
        )
    } else {
        (
            format!("Alias {alias} removed from your mailbox"),
            format!(
                "Hello,\r\n\r\n\
                 The address {alias} is no longer an alias of your mailbox {account}:\r\n\
                 mail sent to it no longer arrives here.\r\n\r\n\
                 If you did not expect this, please contact your administrator.\r\n"
            ),
        )
    };
    let message_id = format!("{now}.{:08x}.alias-notice@{domain}", rand::random::<u32>());
    mail_builder::MessageBuilder::new()
        .from((
            "Mail administrator",
            format!("postmaster@{domain}").as_str(),
        ))
        .to(account)
        .subject(subject)
        .date(now)
        .message_id(message_id)
        .header(
            "Auto-Submitted",
            mail_builder::headers::raw::Raw::new("auto-generated"),
        )
        .text_body(body)
        .write_to_vec()
        .unwrap_or_default()
}
