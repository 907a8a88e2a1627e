//! Redirects: an account's forwarding (its mail also kept, unless "delete after redirecting")
//! and virtual addresses with no mailbox (forward only), to one or several local or remote
//! targets. Rules are checked when set (targets exist, no loop back to the address, bounded
//! chains) and expanded at delivery with the same bounds, so a rule made loop-free cannot
//! start looping later because another rule changed: a cycle is cut at the first address seen
//! twice and a chain at [`MAX_HOPS`].

use std::collections::{HashSet, VecDeque};

use super::{DirectoryError, Recipient, normalize_domain, resolve_in, split_lookup};
use crate::store::{Account, ReadTx};

/// Targets of one rule.
pub const MAX_TARGETS: usize = 20;
/// Redirects followed from the address a message was sent to (a → b → c is two hops).
pub const MAX_HOPS: usize = 5;
/// Destinations one recipient may expand to, over every hop.
pub const MAX_EXPANSION: usize = 50;

/// A recipient whose mail is forwarded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirected {
    /// The address the rule belongs to.
    pub address: String,
    pub targets: Vec<String>,
    /// The account that also keeps a copy: an account without "delete after redirecting".
    pub keep: Option<Account>,
}

/// Where one recipient's message goes once every redirect is followed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Expansion {
    /// (address the copy is for, account): local copies.
    pub local: Vec<(String, Account)>,
    /// Remote addresses, for the outbound queue (with SRS).
    pub remote: Vec<String>,
    /// Targets left out, with why (unknown local address, chain too long, too many).
    pub dropped: Vec<(String, String)>,
}

/// An account's resolution: forwarded if it has a redirect, else a plain local recipient.
pub fn of_account(
    read: &ReadTx,
    account: Account,
    detail: Option<String>,
) -> Result<Recipient, DirectoryError> {
    match read.redirect(&account.address)? {
        Some(r) => Ok(Recipient::Redirect(Redirected {
            address: r.address,
            targets: r.targets,
            keep: (!r.delete_after).then_some(account),
        })),
        None => Ok(Recipient::Local { account, detail }),
    }
}

/// A virtual address (a redirect rule with no account), if `address` is one.
pub fn virtual_address(read: &ReadTx, address: &str) -> Result<Option<Recipient>, DirectoryError> {
    Ok(read.redirect(address)?.map(|r| {
        Recipient::Redirect(Redirected {
            address: r.address,
            targets: r.targets,
            keep: None,
        })
    }))
}

/// Follows `start`'s targets, breadth first, to local accounts and remote addresses. Each
/// address is visited once (a cycle ends there), at most [`MAX_HOPS`] redirects deep and
/// [`MAX_EXPANSION`] destinations in all.
pub fn expand(read: &ReadTx, start: &Redirected) -> Result<Expansion, DirectoryError> {
    let mut out = Expansion::default();
    let mut seen: HashSet<String> = HashSet::from([start.address.to_ascii_lowercase()]);
    if let Some(account) = &start.keep {
        out.local.push((start.address.clone(), account.clone()));
    }
    let mut todo: VecDeque<(String, usize)> =
        start.targets.iter().map(|t| (t.clone(), 1)).collect();
    while let Some((target, hops)) = todo.pop_front() {
        if !seen.insert(target.to_ascii_lowercase()) {
            continue;
        }
        if out.local.len() + out.remote.len() >= MAX_EXPANSION {
            out.dropped
                .push((target, format!("more than {MAX_EXPANSION} destinations")));
            continue;
        }
        match resolve_in(read, &target)? {
            Recipient::Local { account, .. } => out.local.push((target, account)),
            Recipient::Remote => out.remote.push(target),
            Recipient::UnknownUser => out.dropped.push((target, "no such address".into())),
            Recipient::Redirect(next) => {
                if hops >= MAX_HOPS {
                    out.dropped
                        .push((target, format!("more than {MAX_HOPS} redirects in a row")));
                    continue;
                }
                if let Some(account) = next.keep {
                    out.local.push((target, account));
                }
                todo.extend(next.targets.into_iter().map(|t| (t, hops + 1)));
            }
        }
    }
    Ok(out)
}

/// Lower-cases and checks one target: a plain `local@domain` (angle brackets allowed around
/// it), no spaces, controls or RFC 5322 specials in the local part, a valid domain.
pub fn normalize_target(target: &str) -> Result<String, DirectoryError> {
    let t = target.trim();
    let t = t
        .strip_prefix('<')
        .and_then(|t| t.strip_suffix('>'))
        .unwrap_or(t);
    let bad = || DirectoryError::Invalid(format!("\"{target}\" is not an address"));
    let (local, domain) = split_lookup(t).ok_or_else(bad)?;
    if t.len() > 254
        || local.len() > 64
        || local.chars().any(|c| {
            !c.is_ascii_graphic()
                || matches!(
                    c,
                    '<' | '>' | '(' | ')' | ',' | ';' | ':' | '\\' | '"' | '[' | ']' | '@'
                )
        })
    {
        return Err(bad());
    }
    let domain = normalize_domain(&domain).map_err(|_| bad())?;
    Ok(format!("{local}@{domain}"))
}

/// Checks a rule before it is stored: the targets (1 to [`MAX_TARGETS`], valid, local ones
/// existing, duplicates merged) and that no chain from them leads back to `address` or runs
/// longer than [`MAX_HOPS`]. Returns the normalized targets.
pub fn check_rule(
    read: &ReadTx,
    address: &str,
    targets: &[String],
) -> Result<Vec<String>, DirectoryError> {
    let mut out: Vec<String> = Vec::new();
    for t in targets {
        let t = normalize_target(t)?;
        if !out.contains(&t) {
            out.push(t);
        }
    }
    if out.is_empty() {
        return Err(DirectoryError::Invalid("a redirect needs a target".into()));
    }
    if out.len() > MAX_TARGETS {
        return Err(DirectoryError::Invalid(format!(
            "at most {MAX_TARGETS} targets per redirect"
        )));
    }
    let looped = |via: &str| {
        DirectoryError::Invalid(format!(
            "redirecting {address} to {via} would loop back to {address}"
        ))
    };
    let mut seen: HashSet<String> = HashSet::new();
    let mut todo: VecDeque<(String, String, usize)> =
        out.iter().map(|t| (t.clone(), t.clone(), 1)).collect();
    while let Some((target, via, hops)) = todo.pop_front() {
        if target == address {
            return Err(looped(&via));
        }
        if !seen.insert(target.clone()) {
            continue;
        }
        match resolve_in(read, &target)? {
            Recipient::UnknownUser => {
                return Err(DirectoryError::Invalid(format!(
                    "{target} does not exist (a local target must be an account or a redirect)"
                )));
            }
            Recipient::Local { account, .. } if account.address == address => {
                return Err(looped(&via));
            }
            Recipient::Local { .. } | Recipient::Remote => {}
            Recipient::Redirect(next) => {
                if next.address == address {
                    return Err(looped(&via));
                }
                if hops >= MAX_HOPS {
                    return Err(DirectoryError::Invalid(format!(
                        "{via} starts a chain of more than {MAX_HOPS} redirects"
                    )));
                }
                todo.extend(next.targets.into_iter().map(|t| (t, via.clone(), hops + 1)));
            }
        }
    }
    Ok(out)
}
