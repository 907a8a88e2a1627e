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
        let admin = match domain_admin(read, domain)? {
            Some((account, _)) => Some(account),
            None => server_admin(read)?,
        };
        return Ok(match admin {
            Some(account) => Recipient::Local {
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

/// The server's administrator, for the roles of a domain that has none of its own (no account
/// yet, or only a catch-all or aliases elsewhere): RFC 5321 §4.5.1 says postmaster MUST be
/// accepted for every domain we take mail for, and §4.1.1.3 the bare `<Postmaster>` always.
/// The primary domain's administrator, else the first domain's (by name) that has one.
fn server_admin(read: &ReadTx) -> Result<Option<Account>, DirectoryError> {
    let hostname = read.address_defaults()?.hostname;
    let primary = primary_domain(read, &hostname)?;
    let mut domains: Vec<String> = read.domains()?.into_iter().map(|d| d.name).collect();
    domains.sort();
    for domain in primary.into_iter().chain(domains) {
        if let Some((account, _)) = domain_admin(read, &domain)? {
            return Ok(Some(account));
        }
    }
    Ok(None)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::{Directory, resolve_in, senders::may_send_as};
    use crate::store::{AddressDefaults, DomainAddressing, Store, StoreError};

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db.redb")).unwrap();
        store
            .write_blocking(|tx| {
                tx.add_domain("example.org")?;
                tx.add_domain("example.net")?;
                tx.add_domain("other.test")?;
                tx.add_account("first@example.org")?;
                tx.add_account("alice@example.org")?;
                tx.add_account("bob@example.org")?;
                tx.add_account("carol@other.test")?;
                Ok(())
            })
            .unwrap();
        (dir, store)
    }

    /// The account an address resolves to, or what else it is.
    fn who(store: &Store, address: &str) -> String {
        match resolve_in(&store.read().unwrap(), address).unwrap() {
            Recipient::Local { account, detail } => match detail {
                Some(d) => format!("{} +{d}", account.address),
                None => account.address,
            },
            other => format!("{other:?}"),
        }
    }

    fn addressing(store: &Store, domain: &str, f: impl Fn(&mut DomainAddressing) + Send + 'static) {
        let d = domain.to_string();
        store
            .write_blocking(move |tx| {
                let mut s = tx.domain_addressing(&d)?;
                f(&mut s);
                tx.set_domain_addressing(&d, &s)
            })
            .unwrap();
    }

    #[test]
    fn aliases_subaddresses_and_alias_domains_resolve() {
        let (_dir, store) = store();
        store
            .write_blocking(|tx| {
                tx.add_alias("alice@example.org", "sales@example.org", 50)?;
                tx.add_alias("alice@example.org", "ally@other.test", 50)?;
                Ok(())
            })
            .unwrap();
        assert_eq!(who(&store, "Sales@Example.ORG"), "alice@example.org");
        assert_eq!(who(&store, "sales+q4@example.org"), "alice@example.org +q4");
        assert_eq!(who(&store, "ally@other.test"), "alice@example.org");
        assert_eq!(
            who(&store, "alice+news@example.org"),
            "alice@example.org +news"
        );
        // Not yet an alias domain.
        assert_eq!(who(&store, "alice@example.net"), "UnknownUser");
        store
            .write_blocking(|tx| tx.set_alias_domain("example.net", "example.org"))
            .unwrap();
        assert_eq!(who(&store, "alice@example.net"), "alice@example.org");
        assert_eq!(who(&store, "sales@example.net"), "alice@example.org");
        assert_eq!(who(&store, "bob+x@example.net"), "bob@example.org +x");
        assert_eq!(who(&store, "nobody@example.net"), "UnknownUser");
        // An account of the alias domain itself comes first.
        store
            .write_blocking(|tx| tx.add_account("alice@example.net").map(|_| ()))
            .unwrap();
        assert_eq!(who(&store, "alice@example.net"), "alice@example.net");
        assert_eq!(who(&store, "alice@elsewhere.example"), "Remote");
        // No chains, no self-alias, one target.
        for (a, t) in [
            ("other.test", "example.net"),
            ("example.org", "example.org"),
            ("example.org", "other.test"),
            ("example.net", "other.test"),
            ("missing.test", "example.org"),
        ] {
            let (a, t) = (a.to_string(), t.to_string());
            assert!(
                store
                    .write_blocking(move |tx| tx.set_alias_domain(&a, &t))
                    .is_err(),
                "alias domain accepted"
            );
        }
        // A target with alias domains cannot be removed; the alias domain can go.
        assert!(
            store
                .write_blocking(|tx| tx.remove_domain("example.org"))
                .is_err()
        );
        store
            .write_blocking(|tx| tx.remove_alias_domain("example.net").map(|_| ()))
            .unwrap();
        assert_eq!(who(&store, "sales@example.net"), "UnknownUser");
    }

    #[test]
    fn alias_rules_and_limit() {
        let (_dir, store) = store();
        for bad in [
            "postmaster@example.org",
            "no-reply@example.org",
            "a b@example.org",
            "x+y@example.org",
            ".x@example.org",
        ] {
            assert!(normalize_alias(bad).is_err(), "{bad}");
        }
        assert_eq!(
            normalize_alias("Sales@Example.org").unwrap(),
            "sales@example.org"
        );
        let add = |account: &str, alias: &str, max: usize| {
            let (a, al) = (account.to_string(), alias.to_string());
            store.write_blocking(move |tx| tx.add_alias(&a, &al, max).map(|_| ()))
        };
        // Taken by an account, by an alias; not our domain; no such account.
        assert!(matches!(
            add("alice@example.org", "bob@example.org", 50),
            Err(StoreError::Exists(_))
        ));
        add("alice@example.org", "sales@example.org", 50).unwrap();
        assert!(matches!(
            add("bob@example.org", "sales@example.org", 50),
            Err(StoreError::Exists(_))
        ));
        assert!(matches!(
            add("alice@example.org", "x@elsewhere.example", 50),
            Err(StoreError::NotFound(_))
        ));
        assert!(matches!(
            add("nobody@example.org", "y@example.org", 50),
            Err(StoreError::NotFound(_))
        ));
        // An alias's address cannot become an account.
        assert!(matches!(
            store.write_blocking(|tx| tx.add_account("sales@example.org").map(|_| ())),
            Err(StoreError::Exists(_))
        ));
        // The limit counts the account's aliases.
        add("alice@example.org", "a2@example.org", 3).unwrap();
        add("alice@example.org", "a3@example.org", 3).unwrap();
        assert!(matches!(
            add("alice@example.org", "a4@example.org", 3),
            Err(StoreError::Invalid(_))
        ));
        add("bob@example.org", "b1@example.org", 1).unwrap();
        assert!(add("bob@example.org", "b2@example.org", 1).is_err());
        // Removal: only the owner's; the address is free again.
        assert!(
            store
                .write_blocking(|tx| tx
                    .remove_alias("bob@example.org", "sales@example.org")
                    .map(|_| ()))
                .is_err()
        );
        store
            .write_blocking(|tx| {
                tx.remove_alias("alice@example.org", "a3@example.org")
                    .map(|_| ())
            })
            .unwrap();
        assert_eq!(who(&store, "a3@example.org"), "UnknownUser");
        add("alice@example.org", "a4@example.org", 3).unwrap();
        let id = store
            .read()
            .unwrap()
            .account("alice@example.org")
            .unwrap()
            .unwrap()
            .id;
        let listed: Vec<String> = store
            .read()
            .unwrap()
            .aliases_of(id)
            .unwrap()
            .into_iter()
            .map(|a| a.address)
            .collect();
        assert_eq!(
            listed,
            ["a2@example.org", "a4@example.org", "sales@example.org"]
        );
        // A domain with aliases cannot go; removing the account takes its aliases.
        store
            .write_blocking(|tx| {
                tx.add_alias("carol@other.test", "c@example.net", 50)
                    .map(|_| ())
            })
            .unwrap();
        assert!(
            store
                .write_blocking(|tx| tx.remove_domain("example.net"))
                .is_err()
        );
        store
            .write_blocking(|tx| tx.remove_account("alice@example.org"))
            .unwrap();
        assert_eq!(who(&store, "sales@example.org"), "UnknownUser");
        assert!(store.read().unwrap().aliases_of(id).unwrap().is_empty());
        // Free again once its account is gone.
        add("bob@example.org", "sales@example.org", 50).unwrap();
        assert_eq!(who(&store, "sales@example.org"), "bob@example.org");
    }

    #[test]
    fn postmaster_abuse_and_catch_all() {
        let (_dir, store) = store();
        // Default: the domain's oldest account.
        assert_eq!(who(&store, "postmaster@example.org"), "first@example.org");
        assert_eq!(who(&store, "Abuse@example.org"), "first@example.org");
        assert_eq!(who(&store, "postmaster@other.test"), "carol@other.test");
        // The bare Postmaster, any case: the primary domain's (hostname's domain, else first).
        // Without a hostname the primary domain is the first by name, example.net: it has no
        // accounts, so the next domain's administrator (RFC 5321 §4.1.1.3: never refused).
        assert_eq!(who(&store, "POSTMASTER"), "first@example.org");
        assert_eq!(who(&store, "abuse@example.net"), "first@example.org");
        store
            .write_blocking(|tx| {
                tx.set_address_defaults(&AddressDefaults {
                    hostname: "mail.other.test".into(),
                    postmaster: String::new(),
                })
            })
            .unwrap();
        assert_eq!(who(&store, "PostMaster"), "carol@other.test");
        // [submission] postmaster, when local, before the oldest account.
        store
            .write_blocking(|tx| {
                tx.set_address_defaults(&AddressDefaults {
                    hostname: "mail.other.test".into(),
                    postmaster: "bob@example.org".into(),
                })
            })
            .unwrap();
        assert_eq!(who(&store, "postmaster@example.org"), "bob@example.org");
        assert_eq!(who(&store, "postmaster"), "bob@example.org");
        // The domain's administrator first (an alias works too).
        store
            .write_blocking(|tx| {
                tx.add_alias("alice@example.org", "boss@example.org", 50)
                    .map(|_| ())
            })
            .unwrap();
        addressing(&store, "example.org", |s| {
            s.admin = Some("boss@example.org".into())
        });
        assert_eq!(who(&store, "abuse@example.org"), "alice@example.org");
        assert_eq!(
            domain_admin(&store.read().unwrap(), "example.org")
                .unwrap()
                .map(|(a, s)| (a.address, s)),
            Some(("alice@example.org".to_string(), AdminSource::Set))
        );
        // An alias domain without accounts: its target's administrator.
        store
            .write_blocking(|tx| tx.set_alias_domain("example.net", "example.org"))
            .unwrap();
        assert_eq!(who(&store, "postmaster@example.net"), "alice@example.org");
        // Unknown addresses: refused, or the catch-all; reserved names stay refused.
        assert_eq!(who(&store, "whoever@example.org"), "UnknownUser");
        addressing(&store, "example.org", |s| {
            s.catch_all = Some("bob@example.org".into())
        });
        assert_eq!(who(&store, "whoever@example.org"), "bob@example.org");
        assert_eq!(who(&store, "whoever@example.net"), "bob@example.org");
        assert_eq!(who(&store, "alice@example.org"), "alice@example.org");
        for reserved in [
            "no-reply",
            "noreply",
            "mailer-daemon",
            "hostmaster",
            "no-reply+x",
        ] {
            assert_eq!(
                who(&store, &format!("{reserved}@example.org")),
                "UnknownUser",
                "{reserved}"
            );
        }
        assert_eq!(who(&store, "whoever@other.test"), "UnknownUser");
        // A catch-all that no longer leads anywhere: refused, no loop.
        addressing(&store, "example.org", |s| {
            s.catch_all = Some("gone@example.org".into())
        });
        assert_eq!(who(&store, "whoever@example.org"), "UnknownUser");
    }

    #[test]
    fn a_domain_without_accounts_refuses_its_postmaster() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db.redb")).unwrap();
        store
            .write_blocking(|tx| tx.add_domain("empty.test").map(|_| ()))
            .unwrap();
        assert_eq!(who(&store, "postmaster@empty.test"), "UnknownUser");
        assert_eq!(who(&store, "postmaster"), "UnknownUser");
    }

    #[test]
    fn an_account_sends_as_its_aliases_and_under_alias_domains() {
        let (_dir, store) = store();
        store
            .write_blocking(|tx| {
                tx.add_alias("alice@example.org", "sales@example.org", 50)?;
                tx.set_alias_domain("example.net", "example.org")
            })
            .unwrap();
        let directory = Directory::new(store.clone());
        let (_, allowed) = directory
            .sender_identity("alice@example.org")
            .unwrap()
            .unwrap();
        for (address, ok) in [
            ("alice@example.org", true),
            ("sales@example.org", true),
            ("sales+x@example.org", true),
            ("alice@example.net", true),
            ("sales@example.net", true),
            ("bob@example.org", false),
            ("sales@other.test", false),
        ] {
            assert_eq!(may_send_as(&allowed, address), ok, "{address}");
        }
    }

    #[test]
    fn the_notice_is_an_auto_generated_mail_to_the_account() {
        let raw = alias_notice(
            "alice@example.org",
            "sales@example.org",
            true,
            1_700_000_000,
        );
        let text = String::from_utf8(raw).unwrap();
        assert!(
            text.contains("Auto-Submitted: auto-generated\r\n"),
            "{text}"
        );
        assert!(text.contains("To: <alice@example.org>"), "{text}");
        assert!(
            text.contains("Subject: New alias sales@example.org"),
            "{text}"
        );
        assert!(text.contains("postmaster@example.org"), "{text}");
        let removed = String::from_utf8(alias_notice(
            "alice@example.org",
            "sales@example.org",
            false,
            1,
        ))
        .unwrap();
        assert!(
            removed.contains("Subject: Alias sales@example.org removed"),
            "{removed}"
        );
    }
}
