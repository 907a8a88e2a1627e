//! Accounts' sending settings (extra allowed senders, limit overrides) and what each account
//! sent lately (`SendRecord`), so that sending limits survive restarts. A record is bounded
//! whatever the account does: message times of the last hour (at most `MAX_MESSAGES`), 24
//! hourly recipient buckets, refusal times of the last day (at most `MAX_TRIPS`).

use redb::ReadableTable;

use super::schema::*;
use super::types::*;
use super::{ReadTx, Result, StoreError, Tx, decode, encode, get_json};

/// Message times kept: no hourly limit above this can be enforced exactly (the config and
/// the CLI refuse higher limits).
pub const MAX_MESSAGES: usize = 10_000;
/// Refusal times kept.
const MAX_TRIPS: usize = 100;
const HOUR: i64 = 3600;
const DAY: i64 = 24 * HOUR;

impl SendRecord {
    /// Drops what is older than its window at `now`.
    fn expire(&mut self, now: i64) {
        self.messages.retain(|t| now - t < HOUR);
        self.recipients.retain(|(h, _)| now - h < DAY);
        self.trips.retain(|t| now - t < DAY);
    }

    /// Messages sent in the hour before `now`.
    pub fn messages_last_hour(&self, now: i64) -> usize {
        self.messages.iter().filter(|t| now - **t < HOUR).count()
    }

    /// Recipients sent to in the 24 hours before `now` (hourly buckets).
    pub fn recipients_last_day(&self, now: i64) -> u64 {
        self.recipients
            .iter()
            .filter(|(h, _)| now - h < DAY)
            .map(|(_, n)| u64::from(*n))
            .sum()
    }

    /// Refusals in the 24 hours before `now`.
    pub fn trips_last_day(&self, now: i64) -> usize {
        self.trips.iter().filter(|t| now - **t < DAY).count()
    }
}

impl Tx<'_> {
    /// Replaces an account's sending settings.
    pub fn set_sending(&mut self, address: &str, sending: SendingSettings) -> Result<Account> {
        self.directory_changed();
        let mut accounts = self.txn().open_table(ACCOUNTS)?;
        let mut account: Account = get_json(&accounts, "accounts", address)?
            .ok_or_else(|| StoreError::NotFound(format!("account {address}")))?;
        account.sending = sending;
        accounts.insert(address, encode(&account).as_slice())?;
        Ok(account)
    }

    fn send_record_tx(&self, account_id: AccountId) -> Result<SendRecord> {
        match self.txn().open_table(SENDING)?.get(account_id)? {
            Some(v) => decode("sending", v.value()),
            None => Ok(SendRecord::default()),
        }
    }

    fn put_send_record(&mut self, account_id: AccountId, record: &SendRecord) -> Result<()> {
        self.txn()
            .open_table(SENDING)?
            .insert(account_id, encode(record).as_slice())?;
        Ok(())
    }

    /// Counts one submitted message to `recipients` recipients at `now`.
    pub fn record_sent(&mut self, account_id: AccountId, now: i64, recipients: u32) -> Result<()> {
        let mut r = self.send_record_tx(account_id)?;
        r.expire(now);
        if r.messages.len() >= MAX_MESSAGES {
            r.messages.remove(0);
        }
        r.messages.push(now);
        let hour = now - now.rem_euclid(HOUR);
        match r.recipients.iter_mut().find(|(h, _)| *h == hour) {
            Some((_, n)) => *n = n.saturating_add(recipients),
            None => r.recipients.push((hour, recipients)),
        }
        self.put_send_record(account_id, &r)
    }

    /// Counts one refusal by the limits (or the spam check) at `now`, at most one a minute.
    /// Returns true when this refusal flags the account (`flag_after` in 24 hours; 0 never).
    pub fn record_trip(
        &mut self,
        account_id: AccountId,
        now: i64,
        flag_after: u32,
    ) -> Result<bool> {
        let mut r = self.send_record_tx(account_id)?;
        r.expire(now);
        if r.trips.last().is_some_and(|t| now - t < 60) {
            return Ok(false);
        }
        if r.trips.len() >= MAX_TRIPS {
            r.trips.remove(0);
        }
        r.trips.push(now);
        let flags = flag_after > 0 && r.flagged.is_none() && r.trips.len() >= flag_after as usize;
        if flags {
            r.flagged = Some(now);
        }
        self.put_send_record(account_id, &r)?;
        Ok(flags)
    }

    /// Whether the postmaster may be sent a notice about the account at `now`: true (and
    /// recorded) when the last one is at least `interval` seconds old; 0 never sends.
    pub fn take_notice_slot(
        &mut self,
        account_id: AccountId,
        now: i64,
        interval: u64,
    ) -> Result<bool> {
        if interval == 0 {
            return Ok(false);
        }
        let mut r = self.send_record_tx(account_id)?;
        let interval = i64::try_from(interval).unwrap_or(i64::MAX);
        if r.noticed.is_some_and(|t| now.saturating_sub(t) < interval) {
            return Ok(false);
        }
        r.noticed = Some(now);
        self.put_send_record(account_id, &r)?;
        Ok(true)
    }

    /// Clears an account's flag (the administrator looked into it).
    pub fn clear_send_flag(&mut self, account_id: AccountId) -> Result<()> {
        let mut r = self.send_record_tx(account_id)?;
        r.flagged = None;
        r.trips.clear();
        self.put_send_record(account_id, &r)
    }
}

impl ReadTx {
    /// What the account sent lately (empty for an account that never sent).
    pub fn send_record(&self, account_id: AccountId) -> Result<SendRecord> {
        match self.txn().open_table(SENDING)?.get(account_id)? {
            Some(v) => decode("sending", v.value()),
            None => Ok(SendRecord::default()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    #[test]
    fn counts_windows_and_trips() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db");
        let store = Store::open(&path).unwrap();
        let id = {
            let id = store
                .write_blocking(|tx| {
                    tx.add_domain("example.org")?;
                    Ok(tx.add_account("a@example.org")?.id)
                })
                .unwrap();
            let t0 = 1_000_000 * HOUR;
            store
                .write_blocking(move |tx| {
                    tx.record_sent(id, t0, 3)?;
                    tx.record_sent(id, t0 + 10, 2)?;
                    tx.record_sent(id, t0 + HOUR + 5, 1)?;
                    assert!(!tx.record_trip(id, t0, 2)?);
                    // A second refusal within the minute is the same trip.
                    assert!(!tx.record_trip(id, t0 + 30, 2)?);
                    assert!(tx.record_trip(id, t0 + 90, 2)?);
                    assert!(!tx.record_trip(id, t0 + 200, 2)?, "flagged once");
                    Ok(())
                })
                .unwrap();
            id
        };
        let r = store.read().unwrap().send_record(id).unwrap();
        let t = 1_000_000 * HOUR + HOUR + 20;
        assert_eq!(r.messages_last_hour(t), 1);
        assert_eq!(r.recipients_last_day(t), 6);
        assert_eq!(r.recipients_last_day(t + DAY), 0);
        assert!(r.flagged.is_some());
        assert_eq!(r.trips_last_day(t), 3);
        let slots = store
            .write_blocking(move |tx| {
                Ok([
                    tx.take_notice_slot(id, t, 3600)?,
                    tx.take_notice_slot(id, t + 3599, 3600)?,
                    tx.take_notice_slot(id, t + 3600, 3600)?,
                    tx.take_notice_slot(id, t + 9000, 0)?,
                ])
            })
            .unwrap();
        assert_eq!(
            slots,
            [true, false, true, false],
            "one notice an hour; 0: none"
        );
    }
}
