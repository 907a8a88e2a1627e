//! What the ACME client keeps under `data_dir/acme/`: the account (credentials and the
//! directory they belong to), the certificate chain and its private key. Secrets are 0600.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{AcmeError, CertInfo};

pub struct AcmeState {
    dir: PathBuf,
}

/// `account.json`: an account is only valid at the CA that created it.
#[derive(Serialize, Deserialize)]
pub struct StoredAccount {
    pub directory: String,
    pub credentials: instant_acme::AccountCredentials,
}

impl AcmeState {
    pub fn new(data_dir: &Path) -> AcmeState {
        AcmeState {
            dir: data_dir.join("acme"),
        }
    }

    pub fn cert_path(&self) -> PathBuf {
        self.dir.join("cert.pem")
    }

    pub fn key_path(&self) -> PathBuf {
        self.dir.join("key.pem")
    }

    fn account_path(&self) -> PathBuf {
        self.dir.join("account.json")
    }

    /// The stored account, if it belongs to `directory`.
    pub fn account(&self, directory: &str) -> Result<Option<StoredAccount>, AcmeError> {
        let path = self.account_path();
        let text = match std::fs::read(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(AcmeError::State { path, source }),
        };
        let stored: StoredAccount =
            serde_json::from_slice(&text).map_err(|e| AcmeError::Account {
                path: path.clone(),
                message: e.to_string(),
            })?;
        Ok((stored.directory == directory).then_some(stored))
    }

    pub fn save_account(&self, account: &StoredAccount) -> Result<(), AcmeError> {
        let path = self.account_path();
        let json = serde_json::to_vec_pretty(account).map_err(|e| AcmeError::Account {
            path: path.clone(),
            message: e.to_string(),
        })?;
        self.write(&path, &json, true)
    }

    /// The stored chain and key as PEM, when both exist.
    pub fn certificate(&self) -> Option<(Vec<u8>, Vec<u8>)> {
        Some((
            std::fs::read(self.cert_path()).ok()?,
            std::fs::read(self.key_path()).ok()?,
        ))
    }

    pub fn certificate_info(&self) -> Option<CertInfo> {
        CertInfo::from_pem(&std::fs::read(self.cert_path()).ok()?)
    }

    /// Key first: until the new chain lands, the old pair stays consistent on disk for the
    /// moment a crash leaves (the loader refuses a mismatched pair and a new order follows).
    pub fn save_certificate(&self, chain_pem: &[u8], key_pem: &[u8]) -> Result<(), AcmeError> {
        self.write(&self.key_path(), key_pem, true)?;
        self.write(&self.cert_path(), chain_pem, false)
    }

    /// Writes through a temporary file and a rename, so readers never see half a file.
    fn write(&self, path: &Path, content: &[u8], private: bool) -> Result<(), AcmeError> {
        use std::io::Write;
        let err = |source| AcmeError::State {
            path: path.to_path_buf(),
            source,
        };
        std::fs::create_dir_all(&self.dir).map_err(err)?;
        let tmp = path.with_extension("tmp");
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(if private { 0o600 } else { 0o644 });
        }
        let mut file = options.open(&tmp).map_err(err)?;
        file.write_all(content).map_err(err)?;
        file.sync_all().map_err(err)?;
        std::fs::rename(&tmp, path).map_err(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_private_and_writes_replace() {
        let dir = tempfile::tempdir().unwrap();
        let state = AcmeState::new(dir.path());
        assert!(state.certificate().is_none());
        state.save_certificate(b"chain1", b"key1").unwrap();
        state.save_certificate(b"chain2", b"key2").unwrap();
        assert_eq!(
            state.certificate().unwrap(),
            (b"chain2".to_vec(), b"key2".to_vec())
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(state.key_path())
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(state.account("https://ca.example/dir").unwrap().is_none());
    }
}
