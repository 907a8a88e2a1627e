//! QUOTA (RFC 9208): GETQUOTA, GETQUOTAROOT, SETQUOTA.
//!
//! An account has one quota root, `""`, covering all its mailboxes, with the STORAGE resource
//! (in units of 1024 octets, RFC 9208 §5.1) when a limit applies; an unlimited account has no
//! quota root. The usage and limit are the store's (`store/quota.rs`); limits are set by the
//! administrator (`mailsift account quota`), so SETQUOTA is refused with NOPERM (§4.3).

use super::command::CommandBody;
use super::response::{Status, tagged, untagged_status, write_string_utf8};
use super::session::Session;
use crate::store::{Account, StoreError};

/// The name of every account's one quota root.
const ROOT: &str = "";

/// Usage (percent of the limit) from which a login is warned.
const ALERT_PERCENT: u64 = 90;

impl Session {
    pub(super) fn quota_command(&mut self, tag: &str, body: CommandBody) {
        match body {
            CommandBody::GetQuota { root } => {
                if root != ROOT {
                    self.send(tagged(
                        tag,
                        Status::No,
                        Some("NONEXISTENT"),
                        "No such quota root",
                    ));
                    return;
                }
                match self.quota_line() {
                    Ok(Some(line)) => {
                        self.send(line);
                        self.send(tagged(tag, Status::Ok, None, "GETQUOTA completed"));
                    }
                    Ok(None) => self.send(tagged(
                        tag,
                        Status::No,
                        Some("NONEXISTENT"),
                        "No quota applies to this account",
                    )),
                    Err(e) => self.store_error(tag, &e),
                }
            }
            CommandBody::GetQuotaRoot { mailbox } => {
                let name = self.mailbox_name(&mailbox);
                let account_id = self.account_id();
                let exists = self.store.read().and_then(|r| r.mailbox(account_id, &name));
                match exists {
                    Ok(Some(_)) => {}
                    Ok(None) => {
                        self.send(tagged(
                            tag,
                            Status::No,
                            Some("NONEXISTENT"),
                            "No such mailbox",
                        ));
                        return;
                    }
                    Err(e) => {
                        self.store_error(tag, &e);
                        return;
                    }
                }
                match self.quota_line() {
                    Ok(line) => {
                        // RFC 9208 §5.2: `* QUOTAROOT mailbox *(SP root)`.
                        let mut out = b"* QUOTAROOT ".to_vec();
                        write_string_utf8(&mut out, self.wire_name(&name).as_bytes(), self.utf8);
                        if line.is_some() {
                            out.push(b' ');
                            write_string_utf8(&mut out, ROOT.as_bytes(), false);
                        }
                        out.extend_from_slice(b"\r\n");
                        self.send(out);
                        if let Some(line) = line {
                            self.send(line);
                        }
                        self.send(tagged(tag, Status::Ok, None, "GETQUOTAROOT completed"));
                    }
                    Err(e) => self.store_error(tag, &e),
                }
            }
            CommandBody::SetQuota { .. } => self.send(tagged(
                tag,
                Status::No,
                Some("NOPERM"),
                "Quotas are set by the administrator",
            )),
            _ => {}
        }
    }

    /// At login, `* OK [ALERT]` (RFC 9051 §7.1) when the account uses [`ALERT_PERCENT`] or
    /// more of its quota, so the user clears space before mail is refused.
    pub(super) fn quota_alert(&self) -> Option<Vec<u8>> {
        let account = self.account()?;
        let read = self.store.read().ok()?;
        let limit = read.quota_limit(account).ok()??;
        let used = read.usage(account.id).ok()?.bytes;
        let percent = used.saturating_mul(100) / limit;
        if percent < ALERT_PERCENT {
            return None;
        }
        let mb = |b: u64| b as f64 / (1u64 << 20) as f64;
        Some(untagged_status(
            Status::Ok,
            Some("ALERT"),
            &format!(
                "Your mailbox is {percent}% full ({:.1} of {:.1} MB); delete messages to keep receiving mail",
                mb(used),
                mb(limit)
            ),
        ))
    }

    /// `* QUOTA "" (STORAGE used limit)` for the logged-in account, `None` when unlimited.
    fn quota_line(&self) -> Result<Option<Vec<u8>>, StoreError> {
        let Some(account) = self.account() else {
            return Ok(None);
        };
        quota_response(&self.store, account)
    }
}

fn quota_response(
    store: &crate::store::Store,
    account: &Account,
) -> Result<Option<Vec<u8>>, StoreError> {
    let read = store.read()?;
    // Read afresh: the administrator may have changed the limit since the login.
    let Some(account) = read.account_by_id(account.id)? else {
        return Ok(None);
    };
    let Some(limit) = read.quota_limit(&account)? else {
        return Ok(None);
    };
    let usage = read.usage(account.id)?;
    // Both rounded up, so that an account exactly at its limit shows as full.
    let used_k = usage.bytes.div_ceil(1024);
    let limit_k = limit.div_ceil(1024);
    let mut out = b"* QUOTA ".to_vec();
    write_string_utf8(&mut out, ROOT.as_bytes(), false);
    out.extend_from_slice(format!(" (STORAGE {used_k} {limit_k})\r\n").as_bytes());
    Ok(Some(out))
}
