//! Domains, accounts and device passwords. Validation of names is the directory's job; the store
//! only keeps records consistent (an account's domain exists, removal cascades).

use redb::ReadableTable;

use super::schema::*;
use super::types::*;
use super::{ReadTx, Result, StoreError, Tx, decode, encode, get_json, now};

impl Tx<'_> {
    pub fn add_domain(&mut self, name: &str) -> Result<Domain> {
        self.directory_changed();
        let mut domains = self.txn().open_table(DOMAINS)?;
        if domains.get(name)?.is_some() {
            return Err(StoreError::Exists(format!("domain {name}")));
        }
        let domain = Domain {
            name: name.to_string(),
            created: now(),
            dmarc_reject: None,
            dmarc_quarantine: None,
            dkim: None,
            dkim_ed25519: None,
            maintenance: false,
        };
        domains.insert(name, encode(&domain).as_slice())?;
        Ok(domain)
    }

    pub fn domain(&self, name: &str) -> Result<Option<Domain>> {
        get_json(&self.txn().open_table(DOMAINS)?, "domains", name)
    }

    /// Replaces the record of an existing domain (policy, DKIM key).
    pub fn update_domain(&mut self, domain: &Domain) -> Result<()> {
        self.directory_changed();
        let mut domains = self.txn().open_table(DOMAINS)?;
        if domains.get(domain.name.as_str())?.is_none() {
            return Err(StoreError::NotFound(format!("domain {}", domain.name)));
        }
        domains.insert(domain.name.as_str(), encode(domain).as_slice())?;
        Ok(())
    }

    /// Removes a domain; refused while accounts of the domain exist.
    pub fn remove_domain(&mut self, name: &str) -> Result<()> {
        self.directory_changed();
        let suffix = format!("@{name}");
        {
            let accounts = self.txn().open_table(ACCOUNTS)?;
            for entry in accounts.iter()? {
                let (k, _) = entry?;
                if k.value().ends_with(&suffix) {
                    return Err(StoreError::Invalid(format!(
                        "domain {name} still has accounts (first: {}); remove them first",
                        k.value()
                    )));
                }
            }
        }
        self.forget_domain_addressing(name)?;
        let mut domains = self.txn().open_table(DOMAINS)?;
        if domains.remove(name)?.is_none() {
            return Err(StoreError::NotFound(format!("domain {name}")));
        }
        drop(domains);
        self.list_clear(&super::ListScope::Domain(name.to_string()))?;
        self.redirects_forget_domain(name)?;
        Ok(())
    }

    /// Creates an account with its default mailboxes.
    pub fn add_account(&mut self, address: &str) -> Result<Account> {
        self.directory_changed();
        let domain = address
            .rsplit_once('@')
            .map(|(_, d)| d)
            .ok_or_else(|| StoreError::Invalid(format!("{address} is not an address")))?;
        if self.txn().open_table(DOMAINS)?.get(domain)?.is_none() {
            return Err(StoreError::NotFound(format!(
                "domain {domain} (add it first with `mailsift domain add {domain}`)"
            )));
        }
        if self.txn().open_table(ACCOUNTS)?.get(address)?.is_some() {
            return Err(StoreError::Exists(format!("account {address}")));
        }
        if self.alias_tx(address)? {
            return Err(StoreError::Exists(format!("{address} as an alias")));
        }
        let id = self.next_id("account")?;
        let account = Account {
            id,
            address: address.to_string(),
            created: now(),
            blocked: false,
            sending: Default::default(),
            quota: None,
        };
        self.txn()
            .open_table(ACCOUNTS)?
            .insert(address, encode(&account).as_slice())?;
        self.txn().open_table(ACCOUNT_IDS)?.insert(id, address)?;
        self.note_address_created(address)?;
        for (name, special_use) in DEFAULT_MAILBOXES {
            self.create_mailbox(id, name, special_use.map(str::to_string), true)?;
        }
        Ok(account)
    }

    /// Removes an account, its passwords, mailboxes and messages.
    pub fn remove_account(&mut self, address: &str) -> Result<()> {
        self.directory_changed();
        let account: Account = get_json(&self.txn().open_table(ACCOUNTS)?, "accounts", address)?
            .ok_or_else(|| StoreError::NotFound(format!("account {address}")))?;
        for mailbox in self.list_mailboxes_tx(account.id)? {
            self.delete_mailbox_contents(&mailbox)?;
            self.txn().open_table(MAILBOXES)?.remove(mailbox.id)?;
            self.txn()
                .open_table(MAILBOX_NAMES)?
                .remove((account.id, mailbox.name.as_str()))?;
        }
        {
            let mut passwords = self.txn().open_table(PASSWORDS)?;
            let devices: Vec<String> = passwords
                .range((address, "")..)?
                .map_while(|e| e.ok())
                .take_while(|(k, _)| k.value().0 == address)
                .map(|(k, _)| k.value().1.to_string())
                .collect();
            for device in devices {
                passwords.remove((address, device.as_str()))?;
            }
        }
        self.txn().open_table(ACCOUNTS)?.remove(address)?;
        self.txn().open_table(ACCOUNT_IDS)?.remove(account.id)?;
        self.txn().open_table(SENDING)?.remove(account.id)?;
        self.notify(Change::Mailboxes {
            account_id: account.id,
        });
        self.notify(Change::Credentials {
            account_id: account.id,
        });
        self.list_clear(&super::ListScope::Account(address.to_string()))?;
        self.sieve_clear(account.id)?;
        self.import_forget_account(account.id)?;
        self.aliases_clear(account.id)?;
        self.redirect_forget(address)?;
        Ok(())
    }

    pub fn set_account_blocked(&mut self, address: &str, blocked: bool) -> Result<Account> {
        self.directory_changed();
        let mut accounts = self.txn().open_table(ACCOUNTS)?;
        let mut account: Account = get_json(&accounts, "accounts", address)?
            .ok_or_else(|| StoreError::NotFound(format!("account {address}")))?;
        account.blocked = blocked;
        accounts.insert(address, encode(&account).as_slice())?;
        drop(accounts);
        self.notify(Change::Credentials {
            account_id: account.id,
        });
        Ok(account)
    }

    /// Puts a domain in or out of maintenance. Every account of the domain is announced as a
    /// credentials change, so the revocation watcher ends their open sessions at once.
    pub fn set_domain_maintenance(&mut self, name: &str, on: bool) -> Result<Domain> {
        self.directory_changed();
        let mut domain = self
            .domain(name)?
            .ok_or_else(|| StoreError::NotFound(format!("domain {name}")))?;
        domain.maintenance = on;
        self.update_domain(&domain)?;
        let suffix = format!("@{name}");
        let ids: Vec<AccountId> = {
            let accounts = self.txn().open_table(ACCOUNTS)?;
            let mut ids = Vec::new();
            for entry in accounts.iter()? {
                let (k, v) = entry?;
                if k.value().ends_with(&suffix) {
                    ids.push(decode::<Account>("accounts", v.value())?.id);
                }
            }
            ids
        };
        for account_id in ids {
            self.notify(Change::Credentials { account_id });
        }
        Ok(domain)
    }

    pub fn add_password(&mut self, address: &str, device: &str, hash: &str) -> Result<()> {
        if self.txn().open_table(ACCOUNTS)?.get(address)?.is_none() {
            return Err(StoreError::NotFound(format!("account {address}")));
        }
        let mut passwords = self.txn().open_table(PASSWORDS)?;
        if passwords.get((address, device))?.is_some() {
            return Err(StoreError::Exists(format!(
                "a password for device \"{device}\" of {address}"
            )));
        }
        let record = DevicePassword {
            device: device.to_string(),
            hash: hash.to_string(),
            created: now(),
            last_used: None,
            index: None,
        };
        passwords.insert((address, device), encode(&record).as_slice())?;
        Ok(())
    }

    pub fn remove_password(&mut self, address: &str, device: &str) -> Result<()> {
        let mut passwords = self.txn().open_table(PASSWORDS)?;
        if passwords.remove((address, device))?.is_none() {
            return Err(StoreError::NotFound(format!(
                "a password for device \"{device}\" of {address}"
            )));
        }
        drop(passwords);
        let account: Option<Account> =
            get_json(&self.txn().open_table(ACCOUNTS)?, "accounts", address)?;
        if let Some(account) = account {
            self.notify(Change::Credentials {
                account_id: account.id,
            });
        }
        Ok(())
    }

    /// Sets the keyed index of a device password (made with it, or learnt at the first successful
    /// login of a password made before indexes existed).
    pub fn set_password_index(&mut self, address: &str, device: &str, index: &str) -> Result<()> {
        let mut passwords = self.txn().open_table(PASSWORDS)?;
        let record = match passwords.get((address, device))? {
            Some(v) => Some(decode::<DevicePassword>("passwords", v.value())?),
            None => None,
        };
        // Revoked meanwhile: nothing to index.
        if let Some(mut record) = record {
            record.index = Some(index.to_string());
            passwords.insert((address, device), encode(&record).as_slice())?;
        }
        Ok(())
    }

    /// Records a successful login with a device password (shown by `password list`).
    pub fn touch_password(&mut self, address: &str, device: &str, when: i64) -> Result<()> {
        let mut passwords = self.txn().open_table(PASSWORDS)?;
        let record = match passwords.get((address, device))? {
            Some(v) => Some(decode::<DevicePassword>("passwords", v.value())?),
            None => None,
        };
        // Revoked meanwhile: nothing to record.
        if let Some(mut record) = record {
            record.last_used = Some(when);
            passwords.insert((address, device), encode(&record).as_slice())?;
        }
        Ok(())
    }
}

/// Creates the key of the device-password index once (32 random bytes); kept for the store's life.
pub(super) fn ensure_auth_secret(txn: &redb::WriteTransaction) -> Result<()> {
    let mut secrets = txn.open_table(SECRETS)?;
    if secrets.get(AUTH_SECRET)?.is_none() {
        let secret: [u8; 32] = rand::random();
        secrets.insert(AUTH_SECRET, secret.as_slice())?;
    }
    Ok(())
}

const AUTH_SECRET: &str = "auth_index";

impl ReadTx {
    /// The key of the device-password index (see `ensure_auth_secret`).
    pub fn auth_secret(&self) -> Result<Vec<u8>> {
        match self.txn().open_table(SECRETS)?.get(AUTH_SECRET)? {
            Some(v) => Ok(v.value().to_vec()),
            None => Err(StoreError::Db("the auth secret is missing".into())),
        }
    }

    pub fn domain(&self, name: &str) -> Result<Option<Domain>> {
        get_json(&self.txn().open_table(DOMAINS)?, "domains", name)
    }

    pub fn domains(&self) -> Result<Vec<Domain>> {
        let table = self.txn().open_table(DOMAINS)?;
        let mut out = Vec::new();
        for entry in table.iter()? {
            let (_, v) = entry?;
            out.push(decode("domains", v.value())?);
        }
        Ok(out)
    }

    pub fn account(&self, address: &str) -> Result<Option<Account>> {
        get_json(&self.txn().open_table(ACCOUNTS)?, "accounts", address)
    }

    pub fn account_by_id(&self, id: AccountId) -> Result<Option<Account>> {
        let address = match self.txn().open_table(ACCOUNT_IDS)?.get(id)? {
            Some(a) => a.value().to_string(),
            None => return Ok(None),
        };
        self.account(&address)
    }

    /// Accounts, optionally only those of one domain.
    pub fn accounts(&self, domain: Option<&str>) -> Result<Vec<Account>> {
        let table = self.txn().open_table(ACCOUNTS)?;
        let mut out = Vec::new();
        for entry in table.iter()? {
            let (k, v) = entry?;
            let matches = match domain {
                Some(d) => k.value().rsplit_once('@').is_some_and(|(_, ad)| ad == d),
                None => true,
            };
            if matches {
                out.push(decode("accounts", v.value())?);
            }
        }
        Ok(out)
    }

    pub fn passwords(&self, address: &str) -> Result<Vec<DevicePassword>> {
        let table = self.txn().open_table(PASSWORDS)?;
        let mut out = Vec::new();
        for entry in table.range((address, "")..)? {
            let (k, v) = entry?;
            if k.value().0 != address {
                break;
            }
            out.push(decode("passwords", v.value())?);
        }
        Ok(out)
    }
}
